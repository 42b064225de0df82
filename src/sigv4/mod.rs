//! Signature Version 4: the canonical request, the string to sign, signing keys and the
//! verification of the `Authorization` header.
//!
//! The types are the steps of the spec, each named as the spec names it:
//! [`CanonicalRequest`] → [`StringToSign`] → [`Signature`], signed with a [`SigningKey`]
//! derived for a [`CredentialScope`]. They are pure: no I/O, no clock, no tower; the
//! [layer](crate::S3AuthLayer) feeds them a request and a credential.
//!
//! ```
//! use tower_s3_auth::sigv4::{CredentialScope, SigningKey, StringToSign, ALGORITHM};
//!
//! let scope = CredentialScope::new("20130524", "us-east-1", "s3").unwrap();
//! let key = SigningKey::derive("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", &scope);
//! let canonical_hash = [0u8; 32];
//! let sts = StringToSign::new(ALGORITHM, "20130524T000000Z", scope.as_str(), canonical_hash);
//! assert_eq!(sts.sign(&key).to_hex().len(), 64);
//! ```

mod authorization;
mod canonical_request;
pub(crate) mod query;
mod signing;
pub(crate) mod verify;

pub use authorization::{Authorization, CredentialScope, SignedHeaders};
pub use canonical_request::{CanonicalOptions, CanonicalRequest};
pub use signing::{ALGORITHM, Signature, SigningKey, StringToSign};

pub(crate) use authorization::MAX_AUTHORIZATION_LEN;
