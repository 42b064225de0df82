//! Signature Version 2, S3's legacy scheme: `base64(HMAC-SHA1(secret, StringToSign))`, sent as
//! `Authorization: AWS AKID:SIGNATURE` or in a URL as `AWSAccessKeyId`, `Expires` and
//! `Signature`.
//!
//! The types are the steps of the spec: [`CanonicalizedAmzHeaders`] and
//! [`CanonicalizedResource`] go into a [`StringToSign`], which a secret turns into a
//! [`Signature`]. They are pure: no I/O, no clock; the [layer](crate::S3AuthLayer) feeds them a
//! request and a credential, and a server can use them to issue SigV2 URLs.
//!
//! ```
//! use http::{HeaderMap, Method, Uri};
//! use tower_s3_auth::sigv2::{Signature, StringToSign};
//!
//! let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
//! let mut headers = HeaderMap::new();
//! headers.insert("date", "Tue, 27 Mar 2007 19:36:42 +0000".parse().unwrap());
//!
//! // S3's example: GET /photos/puppy.jpg from the virtual-hosted bucket `johnsmith`.
//! let uri: Uri = "/photos/puppy.jpg".parse().unwrap();
//! let sts = StringToSign::for_request(&Method::GET, &uri, &headers, Some("johnsmith"), None);
//! assert_eq!(sts.as_str(), "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg");
//! let sent = Signature::from_base64("bWq2s1WEIj+Ydj0vQ697zp+IXMU=").unwrap();
//! assert!(sent.verify(&sts.sign(secret)));
//!
//! // The same signature for another object does not verify.
//! let other: Uri = "/photos/kitten.jpg".parse().unwrap();
//! let sts = StringToSign::for_request(&Method::GET, &other, &headers, Some("johnsmith"), None);
//! assert!(!sent.verify(&sts.sign(secret)));
//! ```

mod string_to_sign;
pub(crate) mod verify;

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use string_to_sign::{
    CanonicalizedAmzHeaders, CanonicalizedResource, SUB_RESOURCES, StringToSign,
};

/// A SigV2 signature: the 20 bytes of an HMAC-SHA1, written in base64.
///
/// It has no `PartialEq`: the only comparison is [`Signature::verify`], in constant time. A
/// computed signature is what a forger needs, so it is zeroed on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Signature([u8; 20]);

impl Signature {
    /// `HMAC-SHA1(secret, string_to_sign)`.
    pub fn compute(secret: &str, string_to_sign: &str) -> Self {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
        let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes())
            .expect("HMAC takes a key of any length");
        mac.update(string_to_sign.as_bytes());
        Self(mac.finalize().into_bytes().into())
    }

    /// Parses padded standard base64 of exactly 20 bytes.
    pub fn from_base64(text: &str) -> Option<Self> {
        let bytes = STANDARD.decode(text).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// Whether `self` (what the client sent) equals `expected`, in constant time.
    pub fn verify(&self, expected: &Signature) -> bool {
        self.0.ct_eq(&expected.0).into()
    }

    /// The base64 text, as it goes in the `Authorization` header (URL-encode it for a query).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signature(..)")
    }
}

/// `base64(HMAC-SHA1(secret, string_to_sign))`: the SigV2 signature as sent.
pub fn sign_v2(secret: &str, string_to_sign: &str) -> String {
    Signature::compute(secret, string_to_sign).to_base64()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn sign_v2_reproduces_the_s3_get_example() {
        let sts = "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg";
        assert_eq!(
            sign_v2(SECRET, sts),
            "bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
            "S3 example GET"
        );
    }

    #[test]
    fn signature_parses_only_base64_of_20_bytes() {
        let ok = "bWq2s1WEIj+Ydj0vQ697zp+IXMU=";
        assert_eq!(
            Signature::from_base64(ok).unwrap().to_base64(),
            ok,
            "round trip"
        );
        for bad in [
            "",
            "bWq2s1WEIj+Ydj0vQ697zp+IXMU",
            "bWq2s1WEIj+Ydj0vQ697zp+IXMU==",
            "bWq2s1WEIj-Ydj0vQ697zp+IXMU=",
            "bWq2s1WEIj+Ydj0vQ697zp+IX==",
            "bWq2s1WEIj+Ydj0vQ697zp+IXMUAAAA",
        ] {
            assert!(Signature::from_base64(bad).is_none(), "rejects {bad:?}");
        }
    }

    #[test]
    fn verify_is_equality_and_debug_is_redacted() {
        let a = Signature::compute(SECRET, "a");
        assert!(a.verify(&Signature::compute(SECRET, "a")), "same input");
        assert!(!a.verify(&Signature::compute(SECRET, "b")), "other input");
        assert!(!a.verify(&Signature::compute("other", "a")), "other secret");
        assert_eq!(format!("{a:?}"), "Signature(..)", "debug");
    }
}
