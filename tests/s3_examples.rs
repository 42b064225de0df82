//! S3's own worked SigV4 examples (`tests/vectors/s3-examples/sigv4`): header authentication
//! (01–04) and the presigned URL (05), checked twice: stage by stage in the pure core
//! (canonical request, string to sign, signature), and end to end through `axum::Router` +
//! `S3AuthLayer`, where the signed request must reach the handler with its `Identity` and a
//! one-digit change of the signature must be refused with 403 `SignatureDoesNotMatch`.
//!
//! The PUT example also pins the body check: the handler reads exactly the signed bytes, and
//! a body that differs from the signed `x-amz-content-sha256` fails while it streams with
//! `XAmzContentSHA256Mismatch`.

mod common;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::routing::any;
use http::StatusCode;
use tower::ServiceExt;
use tower_s3_auth::sigv4::{
    ALGORITHM, Authorization, CanonicalOptions, CanonicalRequest, CredentialScope, SigningKey,
    StringToSign,
};
use tower_s3_auth::{
    AuthScheme, Credential, ErrorKind, FixedClock, Identity, S3AuthLayer, StaticCredentials,
};

use common::s3_example::S3Example;
use common::wire::WireRequest;

/// What the handler behind the layer saw: the identity and the outcome of reading the body
/// to its end (the bytes, or the kind of the S3 error found in the body error).
#[derive(Debug)]
struct Seen {
    identity: Identity,
    body: Result<Bytes, Option<ErrorKind>>,
}

type SeenSlot = Arc<Mutex<Option<Seen>>>;

/// Rebuilds the canonical request, string to sign and signature with S3's settings and
/// asserts each against the example.
fn assert_core_stages(example: &S3Example) {
    let name = &example.name;
    let wire = example.request();
    let authorization = parse_authorization(&wire, name);
    assert_eq!(
        authorization.signed_headers.as_str(),
        example.meta("signed_headers"),
        "{name}: SignedHeaders of the Authorization header"
    );
    let payload_hash = wire
        .header("x-amz-content-sha256")
        .unwrap_or_else(|| panic!("{name}: no x-amz-content-sha256"))
        .trim();
    assert_eq!(
        payload_hash,
        example.meta("payload_hash"),
        "{name}: x-amz-content-sha256"
    );

    let (parts, ()) = wire.to_http(()).into_parts();
    let canonical = CanonicalRequest::from_parts(
        &parts,
        &authorization.signed_headers,
        payload_hash,
        CanonicalOptions::default(),
    );
    assert_eq!(
        canonical.to_string(),
        example.section("canonical-request"),
        "{name}: canonical request"
    );

    let amz_date = example.meta("amz_date");
    let scope = CredentialScope::new(
        &amz_date[..8],
        example.meta("region"),
        example.meta("service"),
    )
    .unwrap();
    let sts = StringToSign::new(ALGORITHM, amz_date, scope.as_str(), canonical.hash());
    assert_eq!(
        sts.to_string(),
        example.section("string-to-sign"),
        "{name}: string to sign"
    );

    let key = SigningKey::derive(example.meta("secret_access_key"), &scope);
    let signature = sts.sign(&key);
    assert_eq!(
        signature.to_hex(),
        example.section("signature"),
        "{name}: signature"
    );
    assert!(
        authorization.signature.verify(&signature),
        "{name}: the Authorization header carries the signature"
    );
}

fn parse_authorization(wire: &WireRequest, name: &str) -> Authorization {
    let value = wire
        .header("authorization")
        .unwrap_or_else(|| panic!("{name}: no Authorization header"))
        .trim();
    let components = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .unwrap_or_else(|| panic!("{name}: not a SigV4 Authorization header"));
    Authorization::parse_components(components)
        .unwrap_or_else(|e| panic!("{name}: Authorization: {e}"))
}

/// A router whose every path is guarded by the layer, configured for the example's key and
/// clocked at its request time; the handler records what it saw in `seen`.
fn app(example: &S3Example, seen: SeenSlot) -> Router {
    let store = StaticCredentials::new([Credential::new(
        example.meta("access_key_id"),
        example.meta("secret_access_key"),
    )]);
    let handler = move |identity: Identity, body: Body| {
        let seen = Arc::clone(&seen);
        async move {
            let body = axum::body::to_bytes(body, 1024 * 1024)
                .await
                .map_err(|e| tower_s3_auth::Error::find_in(&e).map(|e| e.kind()));
            let status = if body.is_ok() {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            *seen.lock().expect("no handler panicked holding the lock") =
                Some(Seen { identity, body });
            status
        }
    };
    Router::new()
        .route("/", any(handler.clone()))
        .route("/{*key}", any(handler))
        .layer(S3AuthLayer::new(store).clock(FixedClock(example.amz_time())))
}

/// Sends `wire` with `body` through a fresh app; returns the response status, its body,
/// and what the handler saw, if it was reached.
async fn send(
    example: &S3Example,
    wire: &WireRequest,
    body: Vec<u8>,
) -> (StatusCode, String, Option<Seen>) {
    let seen = SeenSlot::default();
    let response = app(example, Arc::clone(&seen))
        .oneshot(wire.to_http(Body::from(body)))
        .await
        .unwrap_or_else(|e| panic!("{}: the router is infallible: {e}", example.name));
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_else(|e| panic!("{}: reading the response: {e}", example.name));
    let seen = seen
        .lock()
        .expect("no handler panicked holding the lock")
        .take();
    (status, String::from_utf8_lossy(&body).into_owned(), seen)
}

/// The example as published reaches the handler, which sees the example key's identity and
/// reads the whole signed body.
async fn assert_accepted_by_the_layer(example: &S3Example) {
    let name = &example.name;
    let wire = example.request();
    let (status, response, seen) = send(example, &wire, wire.body.clone()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{name}: accepted: status, response {response}"
    );

    let seen = seen.unwrap_or_else(|| panic!("{name}: accepted: the handler was not reached"));
    let key = example.meta("access_key_id");
    assert_eq!(
        seen.identity.access_key_id, key,
        "{name}: identity: access key id"
    );
    assert_eq!(seen.identity.principal, key, "{name}: identity: principal");
    assert_eq!(
        seen.identity.scheme,
        AuthScheme::SigV4Header,
        "{name}: identity: scheme"
    );
    assert_eq!(
        seen.identity.region.as_deref(),
        Some(example.meta("region")),
        "{name}: identity: region"
    );
    assert_eq!(
        seen.body,
        Ok(Bytes::from(wire.body.clone())),
        "{name}: the handler reads the signed body"
    );
}

/// The example with the last digit of its signature changed is refused before the handler.
async fn assert_flipped_signature_is_rejected(example: &S3Example) {
    let name = &example.name;
    let mut wire = example.request();
    let (_, authorization) = wire
        .headers
        .iter_mut()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .unwrap_or_else(|| panic!("{name}: no Authorization header"));
    let last = authorization
        .pop()
        .unwrap_or_else(|| panic!("{name}: empty Authorization header"));
    authorization.push(if last == '0' { '1' } else { '0' });

    let (status, response, seen) = send(example, &wire, wire.body.clone()).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "{name}: flipped signature: status"
    );
    assert!(
        response.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{name}: flipped signature: error code in {response}"
    );
    assert!(
        seen.is_none(),
        "{name}: flipped signature: the handler was reached"
    );
}

/// For each example a module with three tests: the core stages, acceptance by the layer,
/// and the refusal of a changed signature.
macro_rules! examples {
    ($($module:ident => $file:literal,)*) => {
        $(
            mod $module {
                use super::*;

                const FILE: &str = $file;

                #[test]
                fn core_stages_match_the_example() {
                    assert_core_stages(&S3Example::load(FILE));
                }

                #[tokio::test]
                async fn layer_accepts_the_example() {
                    assert_accepted_by_the_layer(&S3Example::load(FILE)).await;
                }

                #[tokio::test]
                async fn layer_rejects_a_flipped_signature() {
                    assert_flipped_signature_is_rejected(&S3Example::load(FILE)).await;
                }
            }
        )*
    };
}

examples! {
    get_object => "sigv4/01-get-object.txt",
    put_object => "sigv4/02-put-object.txt",
    get_bucket_lifecycle => "sigv4/03-get-bucket-lifecycle.txt",
    list_objects => "sigv4/04-list-objects.txt",
}

/// The PUT example's body is exactly the 21 signed bytes the handler reads.
#[tokio::test]
async fn put_object_handler_reads_the_signed_bytes() {
    let example = S3Example::load("sigv4/02-put-object.txt");
    let wire = example.request();
    assert_eq!(
        wire.body,
        example.meta("body").as_bytes(),
        "02-put-object: the request body is the signed payload"
    );
    let (status, response, seen) = send(&example, &wire, wire.body.clone()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "02-put-object: status, response {response}"
    );
    let seen = seen.expect("02-put-object: the handler was reached");
    assert_eq!(
        seen.body,
        Ok(Bytes::from_static(b"Welcome to Amazon S3.")),
        "02-put-object: the handler's bytes"
    );
}

/// The PUT example's headers and signature with a different body of the same length: the
/// signature still verifies, so the handler is reached, but reading the body fails with
/// `XAmzContentSHA256Mismatch` instead of delivering bytes that were not signed.
#[tokio::test]
async fn put_object_tampered_body_fails_while_streaming() {
    let example = S3Example::load("sigv4/02-put-object.txt");
    let wire = example.request();
    let tampered = b"Welcome to Amazon S3!".to_vec();
    assert_eq!(
        tampered.len(),
        wire.body.len(),
        "02-put-object: same length"
    );

    let (_, response, seen) = send(&example, &wire, tampered).await;
    let seen = seen.unwrap_or_else(|| {
        panic!("02-put-object: tampered body: the handler was not reached, response {response}")
    });
    assert_eq!(
        seen.body,
        Err(Some(ErrorKind::XAmzContentSha256Mismatch)),
        "02-put-object: tampered body: the body error"
    );
}

/// Example 05, the presigned GET: its stages in the core (the query without
/// `X-Amz-Signature`, payload `UNSIGNED-PAYLOAD`), then the URL through the layer at its
/// date, and with its signature changed.
mod presigned_get_object {
    use super::*;

    const FILE: &str = "sigv4/05-presigned-get-object.txt";

    #[test]
    fn core_stages_match_the_example() {
        let example = S3Example::load(FILE);
        let (parts, ()) = example.request().to_http(()).into_parts();
        let signed = tower_s3_auth::sigv4::SignedHeaders::parse(example.meta("signed_headers"))
            .expect("05: signed headers");
        let options = CanonicalOptions {
            skip_query_param: Some("X-Amz-Signature"),
            ..CanonicalOptions::default()
        };
        let payload_hash = example.meta("payload_hash");
        let canonical = CanonicalRequest::from_parts(&parts, &signed, payload_hash, options);
        assert_eq!(
            canonical.to_string(),
            example.section("canonical-request"),
            "05: canonical request"
        );

        let amz_date = example.meta("amz_date");
        let scope = CredentialScope::new(&amz_date[..8], "us-east-1", "s3").unwrap();
        let sts = StringToSign::new(ALGORITHM, amz_date, scope.as_str(), canonical.hash());
        assert_eq!(
            sts.to_string(),
            example.section("string-to-sign"),
            "05: string to sign"
        );
        let signature = sts.sign(&SigningKey::derive(
            example.meta("secret_access_key"),
            &scope,
        ));
        assert_eq!(
            signature.to_hex(),
            example.section("signature"),
            "05: signature"
        );
        assert!(
            example
                .meta("url")
                .ends_with(&format!("X-Amz-Signature={}", signature.to_hex())),
            "05: the URL carries the signature"
        );
    }

    #[tokio::test]
    async fn layer_accepts_the_url_and_rejects_a_flipped_signature() {
        let example = S3Example::load(FILE);
        let wire = example.request();
        let (status, response, seen) = send(&example, &wire, Vec::new()).await;
        assert_eq!(status, StatusCode::OK, "05: accepted: {response}");
        let seen = seen.expect("05: the handler was reached");
        assert_eq!(seen.identity.scheme, AuthScheme::SigV4Query, "05: scheme");
        assert_eq!(
            seen.identity.access_key_id,
            example.meta("access_key_id"),
            "05: identity"
        );

        let mut flipped = example.request();
        let last = flipped.target.pop().expect("05: a target");
        flipped.target.push(if last == '0' { '1' } else { '0' });
        let (status, response, seen) = send(&example, &flipped, Vec::new()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "05: flipped: {response}");
        assert!(
            response.contains("<Code>SignatureDoesNotMatch</Code>"),
            "05: flipped: {response}"
        );
        assert!(seen.is_none(), "05: flipped: the handler was reached");
    }
}
