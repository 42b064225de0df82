//! Authenticate requests exactly as Amazon S3 does, as a tower [`Layer`](tower_layer::Layer).
//!
//! [`S3AuthLayer`] takes the access key id, timestamp and signature from each request, looks
//! the secret up in a [`CredentialStore`], recomputes the signature, compares it in constant
//! time, and answers every failure with the S3 XML error S3 itself would send. A verified
//! request reaches the inner service with its [`Identity`] in the extensions and a
//! [`VerifyingBody`] that checks the payload hash as the bytes stream.
//!
//! ```
//! use axum::{Router, body::Body, routing::get};
//! use http::{Request, StatusCode};
//! use tower::ServiceExt;
//! use tower_s3_auth::{Credential, Identity, S3AuthLayer, StaticCredentials};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let store = StaticCredentials::new([Credential::new(
//!     "AKIAIOSFODNN7EXAMPLE",
//!     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
//! )]);
//! // The clock is pinned to the time of S3's documented example request.
//! let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_369_353_600);
//! let app = Router::new()
//!     .route("/{*key}", get(|who: Identity| async move { who.principal }))
//!     .layer(S3AuthLayer::new(store).clock(tower_s3_auth::FixedClock(at)));
//!
//! // S3's worked example: GET /test.txt with a Range header, signed with the example key.
//! let signed = Request::get("/test.txt")
//!     .header("host", "examplebucket.s3.amazonaws.com")
//!     .header("range", "bytes=0-9")
//!     .header("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
//!     .header("x-amz-date", "20130524T000000Z")
//!     .header("authorization", "AWS4-HMAC-SHA256 \
//!         Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
//!         SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
//!         Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
//! let accepted = app.clone().oneshot(signed.body(Body::empty()).unwrap()).await.unwrap();
//! assert_eq!(accepted.status(), StatusCode::OK);
//!
//! // The same request for another range: the signature no longer matches.
//! let tampered = Request::get("/test.txt")
//!     .header("host", "examplebucket.s3.amazonaws.com")
//!     .header("range", "bytes=0-99")
//!     .header("x-amz-content-sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
//!     .header("x-amz-date", "20130524T000000Z")
//!     .header("authorization", "AWS4-HMAC-SHA256 \
//!         Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
//!         SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,\
//!         Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
//! let rejected = app.oneshot(tampered.body(Body::empty()).unwrap()).await.unwrap();
//! assert_eq!(rejected.status(), StatusCode::FORBIDDEN);
//! let xml = axum::body::to_bytes(rejected.into_body(), 64 * 1024).await.unwrap();
//! assert!(std::str::from_utf8(&xml).unwrap().contains("<Code>SignatureDoesNotMatch</Code>"));
//! # });
//! ```
//!
//! # What is verified
//!
//! | scheme | carried by | module |
//! | --- | --- | --- |
//! | SigV4 | `Authorization: AWS4-HMAC-SHA256 …` | [`sigv4`] |
//! | SigV4 presigned URL | `X-Amz-Algorithm`, `X-Amz-Credential`, … in the query | [`sigv4`] |
//! | SigV4 streaming upload | `Content-Encoding: aws-chunked`, chunk and trailer signatures | [`VerifyingBody`] |
//! | SigV2 (legacy) | `Authorization: AWS …`, or `AWSAccessKeyId`/`Expires`/`Signature` | [`sigv2`] |
//! | anonymous | nothing | rejected unless [`AnonymousRequests::Allow`] |
//!
//! Checks run in S3's order, which decides which error a request with several faults gets:
//! authentication parameters, timestamp, clock skew, credential scope, signed headers,
//! credential (key, token, expiry), signature, then the body as it streams. Configuration is
//! on [`S3AuthLayer`]; issuing presigned URLs is in [`presign`].
//!
//! # Security
//!
//! Never logged, never in an error body, never in `Debug` output: secret access keys,
//! derived signing keys, session tokens, and the signature the server expected. Rejections
//! are logged at `debug` (server-side failures at `warn`) under the `tower_s3_auth` target
//! with the error code, the access key id and the path only. Signatures, tokens and secrets
//! are compared in constant time. A credential store that fails refuses the request.

mod addressing;
mod body;
mod canonical;
mod clock;
mod config;
mod credentials;
mod error;
mod identity;
mod key_cache;
mod layer;
mod payload;
pub mod presign;
mod request;
pub mod sigv2;
pub mod sigv4;
mod timestamp;
mod verify;

pub use addressing::{AddressingStyle, S3Target};
pub use body::VerifyingBody;
#[cfg(fuzzing)]
#[doc(hidden)]
pub use body::fuzz_aws_chunked;
pub use canonical::{PathNormalization, UriEncoding};
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::{AnonymousRequests, ChunkSizePolicy, Config, SignatureDiagnostics, SignatureV2};
pub use credentials::{
    Credential, CredentialStore, Lookup, SecretKey, StaticCredentials, StoreError,
};
pub use error::{Error, ErrorKind};
#[cfg(feature = "axum")]
pub use identity::MissingIdentity;
pub use identity::{AuthScheme, Identity};
pub use layer::{ResponseBody, ResponseFuture, S3Auth, S3AuthLayer};
pub use payload::{PayloadHash, StreamingMode};

/// The README's examples, compiled and run as doctests so that they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
