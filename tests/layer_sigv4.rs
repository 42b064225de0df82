//! SigV4 in the `Authorization` header, end to end through `axum::Router` + `S3AuthLayer`.
//!
//! Requests are signed by the independent `aws-sigv4` crate with S3's settings, at times
//! relative to a fixed server clock; each test names the rule of S3-AUTH-RULES.md it pins
//! (§1 scheme detection, §2 errors, §3 SigV4, §8 credentials); the order of checks is in
//! `check_order.rs`.

mod layer_support;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderValue, Method, Request, StatusCode};
use md5::Md5;
use sha2::{Digest, Sha256};
use tower_s3_auth::sigv4::CredentialScope;
use tower_s3_auth::{
    AnonymousRequests, AuthScheme, Credential, ErrorKind, FixedClock, S3AuthLayer,
    SignatureDiagnostics, StaticCredentials, StoreError,
};

use layer_support::{
    App, BodyRead, Draft, Payload, Signer, assert_accepted, assert_refused, encode_key, now,
    sign_with_scope,
};

const AKID: &str = "AKIDALICEEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYALICEKEY";
const DISABLED: &str = "AKIDDISABLEDEXAMPLE";
const TEMPORARY: &str = "ASIATEMPORARYEXAMPLE";
const TEMPORARY_SECRET: &str = "temporary/secret+key";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN/one+==";
const EXPIRED: &str = "ASIAEXPIREDEXAMPLE";
const UNKNOWN: &str = "AKIDNOBODYEXAMPLE";

/// The server's clock as `x-amz-date` writes it.
const NOW_AMZ: &str = "20240315T120000Z";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn store() -> StaticCredentials {
    StaticCredentials::new([
        Credential::new(AKID, SECRET).with_principal("alice"),
        Credential::new(DISABLED, SECRET).with_enabled(false),
        Credential::new(TEMPORARY, TEMPORARY_SECRET)
            .with_principal("role/uploader")
            .with_session_token(TOKEN)
            .with_expiry(now() + Duration::from_secs(3600)),
        Credential::new(EXPIRED, TEMPORARY_SECRET)
            .with_session_token(TOKEN)
            .with_expiry(now() - Duration::from_secs(1)),
    ])
}

fn layer() -> S3AuthLayer<StaticCredentials> {
    S3AuthLayer::new(store()).clock(FixedClock(now()))
}

fn server() -> App {
    App::new(layer())
}

fn alice() -> Signer {
    Signer::new(AKID, SECRET)
}

fn get_object() -> Draft {
    Draft::new(Method::GET, "/bucket/photos/cat.jpg")
}

fn header<'a>(request: &'a Request<axum::body::Body>, name: &str) -> &'a str {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("the signed request has {name}"))
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Space-separated two-digit hex, the form of S3's `…Bytes` diagnostics.
fn spaced_hex(data: &[u8]) -> String {
    data.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

// §3: accepted requests, signed by an independent implementation.

#[tokio::test]
async fn get_with_query_parameters_is_accepted() {
    let app = server();
    let draft = Draft::new(
        Method::GET,
        "/bucket?prefix=photos%2F2024%20summer&list-type=2&max-keys=10&delimiter=%2F&versions",
    );
    let reply = app.send(alice().sign(&draft)).await;
    assert_accepted(&app, &reply, "GET with an unsorted, encoded query");
    assert_eq!(
        reply.body, "alice",
        "GET with a query: the handler saw alice"
    );
}

#[tokio::test]
async fn put_with_body_hash_is_accepted_and_body_passes_through() {
    let app = server();
    let body = "the quick brown fox jumps over the lazy dog\n".repeat(100);
    let draft = Draft::new(Method::PUT, "/bucket/notes.txt")
        .header("content-type", "text/plain")
        .body(body.clone());
    let request = alice().sign(&draft);
    assert_eq!(
        header(&request, "x-amz-content-sha256"),
        sha256_hex(body.as_bytes()),
        "PUT with a body: aws-sigv4 declares the body's hash"
    );
    let reply = app.send(request).await;
    let read = assert_accepted(&app, &reply, "PUT with a hex payload hash");
    assert_eq!(
        read,
        body.as_bytes(),
        "PUT with a body: the handler reads it unchanged"
    );
}

#[tokio::test]
async fn put_with_unsigned_payload_is_accepted() {
    let app = server();
    let draft = Draft::new(Method::PUT, "/bucket/unsigned.bin").body("any bytes at all");
    let request = alice().payload(Payload::Unsigned).sign(&draft);
    assert_eq!(
        header(&request, "x-amz-content-sha256"),
        "UNSIGNED-PAYLOAD",
        "UNSIGNED-PAYLOAD: the declared mode"
    );
    let reply = app.send(request).await;
    let read = assert_accepted(&app, &reply, "PUT with UNSIGNED-PAYLOAD");
    assert_eq!(
        read, "any bytes at all",
        "UNSIGNED-PAYLOAD: the body passes unchecked"
    );
}

#[tokio::test]
async fn key_with_spaces_unicode_plus_and_double_slash_is_accepted() {
    // S3 signs the key as sent, encoded once, with `//` kept and `+` as `%2B`.
    let key = "photos//2024 summer/café+résumé €/./x.txt";
    let target = format!("/bucket/{}", encode_key(key));
    assert!(
        target.contains("//") && target.contains("%2B") && target.contains("%E2%82%AC"),
        "the key on the wire keeps // and encodes + and €: {target}"
    );
    let app = server();
    let reply = app
        .send(alice().sign(&Draft::new(Method::GET, target)))
        .await;
    assert_accepted(&app, &reply, "a key with spaces, unicode, + and //");
}

#[tokio::test]
async fn repeated_headers_are_signed_joined_in_arrival_order() {
    let app = server();
    let draft = get_object()
        .header("x-amz-meta-tag", "first")
        .header("x-amz-meta-tag", "  second   value ")
        .header("x-amz-meta-tag", "third");
    let request = alice().sign(&draft);
    assert!(
        header(&request, "authorization").contains("x-amz-meta-tag"),
        "repeated headers: the header is signed"
    );
    let reply = app.send(request).await;
    assert_accepted(&app, &reply, "a header repeated three times");
}

#[tokio::test]
async fn authorization_components_in_any_order_with_spaces_are_accepted() {
    let request = alice().sign(&get_object());
    let sent = header(&request, "authorization");
    let components: Vec<&str> = sent
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .expect("aws-sigv4 writes the algorithm first")
        .split(", ")
        .collect();
    assert_eq!(components.len(), 3, "the header has three components");
    let reordered = format!(
        "AWS4-HMAC-SHA256 {},{} ,  {}",
        components[2], components[0], components[1]
    );

    let (mut parts, body) = request.into_parts();
    parts
        .headers
        .insert("authorization", HeaderValue::try_from(reordered).unwrap());
    let app = server();
    let reply = app.send(Request::from_parts(parts, body)).await;
    assert_accepted(
        &app,
        &reply,
        "components reordered with spaces around commas",
    );
}

#[tokio::test]
async fn identity_carries_key_principal_scheme_and_region() {
    let app = server();
    let reply = app.send(alice().sign(&get_object())).await;
    assert_accepted(&app, &reply, "identity");
    let identity = app.seen()[0]
        .identity
        .clone()
        .expect("identity: a signed request has one");
    assert_eq!(identity.access_key_id, AKID, "identity: access key id");
    assert_eq!(identity.principal, "alice", "identity: principal");
    assert_eq!(identity.scheme, AuthScheme::SigV4Header, "identity: scheme");
    assert_eq!(
        identity.region.as_deref(),
        Some("us-east-1"),
        "identity: region"
    );
}

// §2: SignatureDoesNotMatch and its diagnostics.

const DIAGNOSTICS: [&str; 6] = [
    "StringToSign",
    "CanonicalRequest",
    "SignatureProvided",
    "AWSAccessKeyId",
    "StringToSignBytes",
    "CanonicalRequestBytes",
];

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match_with_diagnostics() {
    let app = server();
    let request = Signer::new(AKID, "not-alices-secret").sign(&get_object());
    let sent = header(&request, "authorization").to_owned();
    let reply = app.send(request).await;
    assert_refused(
        &app,
        &reply,
        StatusCode::FORBIDDEN,
        "SignatureDoesNotMatch",
        "wrong secret",
    );

    for name in DIAGNOSTICS {
        assert!(
            reply.element(name).is_some(),
            "wrong secret: <{name}> present"
        );
    }
    let string_to_sign = reply.element("StringToSign").unwrap();
    let canonical = reply.element("CanonicalRequest").unwrap();
    let provided = reply.element("SignatureProvided").unwrap();
    assert_eq!(
        reply.element("AWSAccessKeyId").as_deref(),
        Some(AKID),
        "wrong secret: key id"
    );
    assert!(
        sent.ends_with(&format!("Signature={provided}")),
        "wrong secret: SignatureProvided is the signature sent"
    );
    assert_eq!(
        string_to_sign,
        format!(
            "AWS4-HMAC-SHA256\n{NOW_AMZ}\n20240315/us-east-1/s3/aws4_request\n{}",
            sha256_hex(canonical.as_bytes())
        ),
        "wrong secret: StringToSign hashes the CanonicalRequest shown"
    );
    assert!(
        canonical.starts_with("GET\n/bucket/photos/cat.jpg\n\nhost:s3.example.test\n"),
        "wrong secret: CanonicalRequest starts with method, path, query, host: {canonical}"
    );
    assert_eq!(
        reply.element("StringToSignBytes").unwrap(),
        spaced_hex(string_to_sign.as_bytes()),
        "wrong secret: StringToSignBytes"
    );
    assert_eq!(
        reply.element("CanonicalRequestBytes").unwrap(),
        spaced_hex(canonical.as_bytes()),
        "wrong secret: CanonicalRequestBytes"
    );
    for secret in [SECRET, "not-alices-secret"] {
        assert!(
            !reply.body.contains(secret),
            "wrong secret: no secret in the body"
        );
    }
}

#[tokio::test]
async fn omitted_diagnostics_leave_only_code_and_message() {
    let app = App::new(layer().signature_diagnostics(SignatureDiagnostics::Omit));
    let reply = app
        .send(Signer::new(AKID, "not-alices-secret").sign(&get_object()))
        .await;
    assert_refused(
        &app,
        &reply,
        StatusCode::FORBIDDEN,
        "SignatureDoesNotMatch",
        "diagnostics omitted",
    );
    for name in DIAGNOSTICS {
        assert_eq!(
            reply.element(name),
            None,
            "diagnostics omitted: no <{name}>"
        );
    }
}

// §8: credential lookup.

#[tokio::test]
async fn unknown_and_disabled_keys_are_invalid_access_key_id() {
    for (key, case) in [(UNKNOWN, "unknown key"), (DISABLED, "disabled key")] {
        let app = server();
        let reply = app.send(Signer::new(key, SECRET).sign(&get_object())).await;
        assert_refused(
            &app,
            &reply,
            StatusCode::FORBIDDEN,
            "InvalidAccessKeyId",
            case,
        );
        assert_eq!(
            reply.element("AWSAccessKeyId").as_deref(),
            Some(key),
            "{case}: key id"
        );
    }
}

#[tokio::test]
async fn failing_store_refuses_with_5xx_and_never_lets_through() {
    let unavailable = |_: &str| async { Err(StoreError::unavailable("replica lag exceeded")) };
    let app = App::new(S3AuthLayer::new(unavailable).clock(FixedClock(now())));
    let reply = app.send(alice().sign(&get_object())).await;
    let case = "store unavailable";
    assert_refused(
        &app,
        &reply,
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        case,
    );
    assert!(
        !reply.body.contains("replica lag"),
        "{case}: the cause stays in the logs"
    );

    let internal = |_: &str| async { Err(StoreError::internal("connection refused")) };
    let app = App::new(S3AuthLayer::new(internal).clock(FixedClock(now())));
    let reply = app.send(alice().sign(&get_object())).await;
    let case = "store failed";
    assert_refused(
        &app,
        &reply,
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalError",
        case,
    );
    assert!(
        !reply.body.contains("connection refused"),
        "{case}: the cause stays in the logs"
    );
}

// §3: clock skew.

#[tokio::test]
async fn request_outside_fifteen_minutes_is_too_skewed() {
    let skew = Duration::from_secs(15 * 60 + 1);
    for (signed_at, request_time, case) in [
        (now() - skew, "20240315T114459Z", "15 min 1 s in the past"),
        (now() + skew, "20240315T121501Z", "15 min 1 s in the future"),
    ] {
        let app = server();
        let reply = app.send(alice().at(signed_at).sign(&get_object())).await;
        assert_refused(
            &app,
            &reply,
            StatusCode::FORBIDDEN,
            "RequestTimeTooSkewed",
            case,
        );
        assert_eq!(
            reply.element("RequestTime").as_deref(),
            Some(request_time),
            "{case}"
        );
        assert_eq!(
            reply.element("ServerTime").as_deref(),
            Some("2024-03-15T12:00:00Z"),
            "{case}: ServerTime"
        );
        assert_eq!(
            reply.element("MaxAllowedSkewMilliseconds").as_deref(),
            Some("900000"),
            "{case}: MaxAllowedSkewMilliseconds"
        );
    }
}

#[tokio::test]
async fn request_within_fifteen_minutes_is_accepted() {
    for (offset, case) in [
        (Duration::from_secs(14 * 60 + 59), "14 min 59 s"),
        (Duration::from_secs(15 * 60), "exactly 15 min"),
    ] {
        for (signed_at, direction) in [(now() - offset, "past"), (now() + offset, "future")] {
            let app = server();
            let reply = app.send(alice().at(signed_at).sign(&get_object())).await;
            assert_accepted(&app, &reply, &format!("{case} in the {direction}"));
        }
    }
}

#[tokio::test]
async fn custom_max_skew_is_enforced() {
    let custom = || App::new(layer().max_skew(Duration::from_secs(5 * 60)));

    let app = custom();
    let late = alice().at(now() - Duration::from_secs(5 * 60 + 1));
    let reply = app.send(late.sign(&get_object())).await;
    let case = "5 min skew, 5 min 1 s late";
    assert_refused(
        &app,
        &reply,
        StatusCode::FORBIDDEN,
        "RequestTimeTooSkewed",
        case,
    );
    assert_eq!(
        reply.element("MaxAllowedSkewMilliseconds").as_deref(),
        Some("300000"),
        "{case}: the configured skew is reported"
    );

    let app = custom();
    let reply = app
        .send(
            alice()
                .at(now() - Duration::from_secs(4 * 60 + 59))
                .sign(&get_object()),
        )
        .await;
    assert_accepted(&app, &reply, "5 min skew, 4 min 59 s late");
}

// §3: credential scope.

#[tokio::test]
async fn scope_date_other_than_timestamp_date_is_malformed() {
    // aws-sigv4 always scopes to its own timestamp's date, so the signature is made with this
    // crate's core types: it is valid for the scope it names, and only the date rule refuses it.
    let mut request = alice().sign(&get_object());
    let scope = CredentialScope::new("20240314", "us-east-1", "s3").unwrap();
    sign_with_scope(
        &mut request,
        AKID,
        SECRET,
        &scope,
        "host;x-amz-content-sha256;x-amz-date",
    );
    let app = server();
    let reply = app.send(request).await;
    let case = "scope date 20240314, x-amz-date 20240315";
    assert_refused(
        &app,
        &reply,
        StatusCode::BAD_REQUEST,
        "AuthorizationHeaderMalformed",
        case,
    );
    assert!(
        reply
            .element("Message")
            .unwrap_or_default()
            .contains("Invalid credential date \"20240314\""),
        "{case}: the message names the scope date: {}",
        reply.body
    );

    // The same hand-made signature with the right date is accepted: the signer is sound.
    let mut request = alice().sign(&get_object());
    let scope = CredentialScope::new("20240315", "us-east-1", "s3").unwrap();
    sign_with_scope(
        &mut request,
        AKID,
        SECRET,
        &scope,
        "host;x-amz-content-sha256;x-amz-date",
    );
    let app = server();
    let reply = app.send(request).await;
    assert_accepted(&app, &reply, "hand-made signature, matching scope date");
}

#[tokio::test]
async fn wrong_region_is_malformed_and_names_the_expected_region() {
    let app = server();
    let reply = app
        .send(alice().region("eu-west-1").sign(&get_object()))
        .await;
    let case = "signed for eu-west-1";
    assert_refused(
        &app,
        &reply,
        StatusCode::BAD_REQUEST,
        "AuthorizationHeaderMalformed",
        case,
    );
    assert!(
        reply.body.contains("<Region>us-east-1</Region>"),
        "{case}: <Region> names the expected region: {}",
        reply.body
    );
    assert_eq!(
        reply.element("Message").as_deref(),
        Some(
            "The authorization header is malformed; the region 'eu-west-1' is wrong; \
             expecting 'us-east-1'"
        ),
        "{case}: message"
    );
}

#[tokio::test]
async fn every_configured_region_is_accepted() {
    for region in ["us-east-1", "eu-west-1"] {
        let app = App::new(layer().regions(["us-east-1", "eu-west-1"]));
        let reply = app.send(alice().region(region).sign(&get_object())).await;
        assert_accepted(&app, &reply, region);
        let identity = app.seen()[0].identity.clone().expect("a signed request");
        assert_eq!(
            identity.region.as_deref(),
            Some(region),
            "{region}: identity region"
        );
    }
    let app = App::new(layer().regions(["us-east-1", "eu-west-1"]));
    let reply = app
        .send(alice().region("ap-south-1").sign(&get_object()))
        .await;
    let case = "a region outside the list";
    assert_refused(
        &app,
        &reply,
        StatusCode::BAD_REQUEST,
        "AuthorizationHeaderMalformed",
        case,
    );
}

#[tokio::test]
async fn wrong_service_is_malformed() {
    let app = server();
    let reply = app.send(alice().service("sqs").sign(&get_object())).await;
    let case = "signed for sqs";
    assert_refused(
        &app,
        &reply,
        StatusCode::BAD_REQUEST,
        "AuthorizationHeaderMalformed",
        case,
    );

    let app = App::new(layer().service("sqs"));
    let reply = app.send(alice().service("sqs").sign(&get_object())).await;
    assert_accepted(&app, &reply, "a server configured for sqs");
}

// §3: signed headers.

#[tokio::test]
async fn unsigned_amz_header_is_access_denied() {
    let mut request = alice().sign(&get_object());
    request.headers_mut().insert(
        "x-amz-meta-added",
        HeaderValue::from_static("after signing"),
    );
    let app = server();
    let reply = app.send(request).await;
    let case = "x-amz-meta-added after signing";
    assert_refused(&app, &reply, StatusCode::FORBIDDEN, "AccessDenied", case);
    assert_eq!(
        reply.element("HeadersNotSigned").as_deref(),
        Some("x-amz-meta-added"),
        "{case}: HeadersNotSigned"
    );
}

#[tokio::test]
async fn unsigned_host_is_access_denied() {
    let app = server();
    let reply = app
        .send(alice().leave_unsigned("host").sign(&get_object()))
        .await;
    let case = "host not signed";
    assert_refused(&app, &reply, StatusCode::FORBIDDEN, "AccessDenied", case);
    assert_eq!(
        reply.element("HeadersNotSigned").as_deref(),
        Some("host"),
        "{case}"
    );
}

#[tokio::test]
async fn signed_header_missing_from_the_request_is_malformed() {
    let draft = get_object().header("range", "bytes=0-99");
    let mut request = alice().sign(&draft);
    assert!(
        header(&request, "authorization").contains(";range;"),
        "range is signed"
    );
    request.headers_mut().remove("range");
    let app = server();
    let reply = app.send(request).await;
    let case = "signed range removed";
    assert_refused(
        &app,
        &reply,
        StatusCode::BAD_REQUEST,
        "AuthorizationHeaderMalformed",
        case,
    );
    assert!(
        reply
            .element("Message")
            .unwrap_or_default()
            .contains("'range'"),
        "{case}: the message names the header"
    );
}

#[tokio::test]
async fn signed_expect_consumed_by_the_http_stack_counts_as_100_continue() {
    // Some clients sign `expect: 100-continue`; servers and proxies consume the header. A
    // signed, absent `expect` is verified as `100-continue`.
    let draft = get_object().header("expect", "100-continue");
    let mut request = alice().sign(&draft);
    assert!(
        header(&request, "authorization").contains("SignedHeaders=expect;"),
        "expect is signed"
    );
    request.headers_mut().remove("expect");
    let app = server();
    let reply = app.send(request).await;
    assert_accepted(&app, &reply, "signed expect, consumed");

    let mut request = alice().sign(&get_object().header("expect", "something-else"));
    request.headers_mut().remove("expect");
    let reply = app.send(request).await;
    assert_eq!(
        reply.code().as_deref(),
        Some("SignatureDoesNotMatch"),
        "only 100-continue is assumed"
    );
}

// §3: payload hash.

#[tokio::test]
async fn missing_content_sha256_is_invalid_request() {
    let app = server();
    let reply = app
        .send(alice().without_content_sha256().sign(&get_object()))
        .await;
    let case = "no x-amz-content-sha256";
    assert_refused(
        &app,
        &reply,
        StatusCode::BAD_REQUEST,
        "InvalidRequest",
        case,
    );
    assert_eq!(
        reply.element("Message").as_deref(),
        Some("Missing required header for this request: x-amz-content-sha256"),
        "{case}: message"
    );
}

#[tokio::test]
async fn invalid_content_sha256_is_invalid_argument() {
    for value in ["not-a-sha256", "unsigned-payload", &EMPTY_SHA256[1..]] {
        let app = server();
        let draft = Draft::new(Method::PUT, "/bucket/x").body("x");
        let reply = app
            .send(alice().payload(Payload::Declared(value)).sign(&draft))
            .await;
        let case = format!("x-amz-content-sha256: {value}");
        assert_refused(
            &app,
            &reply,
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            &case,
        );
        assert_eq!(
            reply.element("ArgumentName").as_deref(),
            Some("x-amz-content-sha256"),
            "{case}: ArgumentName"
        );
        assert_eq!(
            reply.element("ArgumentValue").as_deref(),
            Some(value),
            "{case}"
        );
    }
}

#[tokio::test]
async fn tampered_body_fails_the_read_never_ends_cleanly() {
    let signed_body = "transfer 100 to alice";
    let sent_body = "transfer 900 to mally";
    assert_eq!(
        signed_body.len(),
        sent_body.len(),
        "same length, other bytes"
    );
    let request = alice().sign(&Draft::new(Method::PUT, "/bucket/ledger").body(signed_body));
    let (parts, _) = request.into_parts();
    let request = Request::from_parts(parts, axum::body::Body::from(sent_body));

    let app = server();
    let reply = app.send(request).await;
    let case = "tampered body";
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{case}: status");
    assert_eq!(
        reply.code().as_deref(),
        Some("XAmzContentSHA256Mismatch"),
        "{case}: code"
    );

    let seen = app.seen();
    assert_eq!(seen.len(), 1, "{case}: the handler is called once");
    let BodyRead::Failed(Some(error)) = &seen[0].body else {
        panic!(
            "{case}: the handler must read an S3 error, not {:?}",
            seen[0].body
        );
    };
    assert_eq!(
        error.kind,
        ErrorKind::XAmzContentSha256Mismatch,
        "{case}: kind"
    );
    assert_eq!(
        error.extra("ClientComputedContentSHA256"),
        Some(sha256_hex(signed_body.as_bytes()).as_str()),
        "{case}: ClientComputedContentSHA256"
    );
    assert_eq!(
        error.extra("S3ComputedContentSHA256"),
        Some(sha256_hex(sent_body.as_bytes()).as_str()),
        "{case}: S3ComputedContentSHA256"
    );
}

#[tokio::test]
async fn malformed_content_md5_is_invalid_digest() {
    for value in ["not base64!", "AAAA", "1B2M2Y8AsgTpgAmY7PhCfg"] {
        let draft = Draft::new(Method::PUT, "/bucket/x")
            .header("content-md5", value)
            .body("hello");
        let app = server();
        let reply = app.send(alice().sign(&draft)).await;
        let case = format!("Content-MD5: {value}");
        assert_refused(
            &app,
            &reply,
            StatusCode::BAD_REQUEST,
            "InvalidDigest",
            &case,
        );
    }
}

#[tokio::test]
async fn wrong_content_md5_is_bad_digest_from_the_body() {
    let wrong = STANDARD.encode(Md5::digest(b"another body"));
    let draft = Draft::new(Method::PUT, "/bucket/x")
        .header("content-md5", &wrong)
        .body("hello");
    let app = server();
    let reply = app.send(alice().sign(&draft)).await;
    let case = "well-formed, wrong Content-MD5";
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{case}: status");
    assert_eq!(reply.code().as_deref(), Some("BadDigest"), "{case}: code");
    let seen = app.seen();
    assert_eq!(seen.len(), 1, "{case}: the handler is called once");
    let BodyRead::Failed(Some(error)) = &seen[0].body else {
        panic!(
            "{case}: the handler must read an S3 error, not {:?}",
            seen[0].body
        );
    };
    assert_eq!(error.kind, ErrorKind::BadDigest, "{case}: kind");

    let right = STANDARD.encode(Md5::digest(b"hello"));
    let draft = Draft::new(Method::PUT, "/bucket/x")
        .header("content-md5", &right)
        .body("hello");
    let app = server();
    let reply = app.send(alice().sign(&draft)).await;
    assert_accepted(&app, &reply, "matching Content-MD5");
}

// §8: temporary credentials.

fn temporary() -> Signer {
    Signer::new(TEMPORARY, TEMPORARY_SECRET)
}

#[tokio::test]
async fn temporary_credential_with_its_token_is_accepted() {
    let request = temporary().session_token(TOKEN).sign(&get_object());
    assert_eq!(
        header(&request, "x-amz-security-token"),
        TOKEN,
        "aws-sigv4 sends the token"
    );
    assert!(
        header(&request, "authorization").contains("x-amz-security-token"),
        "aws-sigv4 signs the token"
    );
    let app = server();
    let reply = app.send(request).await;
    assert_accepted(&app, &reply, "temporary credential, right token");
    assert_eq!(
        reply.body, "role/uploader",
        "temporary credential: principal"
    );
}

#[tokio::test]
async fn temporary_credential_token_problems() {
    let cases = [
        (
            temporary().session_token("another-token"),
            "InvalidToken",
            "a different token",
        ),
        (temporary(), "InvalidToken", "no token"),
        (
            Signer::new(EXPIRED, TEMPORARY_SECRET).session_token(TOKEN),
            "ExpiredToken",
            "expired credential",
        ),
        (
            alice().session_token(TOKEN),
            "InvalidToken",
            "a token for a permanent key",
        ),
    ];
    for (signer, code, case) in cases {
        let app = server();
        let reply = app.send(signer.sign(&get_object())).await;
        assert_refused(&app, &reply, StatusCode::BAD_REQUEST, code, case);
        assert!(!reply.body.contains(TOKEN), "{case}: no token in the body");
    }
}

// §1: anonymous requests and scheme detection.

#[tokio::test]
async fn anonymous_request_is_refused_by_default() {
    let app = server();
    let reply = app.send(get_object().unsigned()).await;
    assert_refused(
        &app,
        &reply,
        StatusCode::FORBIDDEN,
        "AccessDenied",
        "anonymous",
    );
}

#[tokio::test]
async fn anonymous_request_passes_without_identity_when_allowed() {
    let app = App::new(layer().anonymous(AnonymousRequests::Allow));
    let reply = app.send(get_object().unsigned()).await;
    assert_accepted(&app, &reply, "anonymous allowed");
    assert_eq!(
        app.seen()[0].identity,
        None,
        "anonymous allowed: no identity"
    );
    assert_eq!(
        reply.body, "anonymous",
        "anonymous allowed: the handler saw none"
    );

    // Allowing anonymous requests does not loosen the checks of signed ones.
    let app = App::new(layer().anonymous(AnonymousRequests::Allow));
    let reply = app
        .send(Signer::new(AKID, "wrong").sign(&get_object()))
        .await;
    let case = "anonymous allowed, bad signature";
    assert_refused(
        &app,
        &reply,
        StatusCode::FORBIDDEN,
        "SignatureDoesNotMatch",
        case,
    );
}

#[tokio::test]
async fn header_and_query_authentication_together_are_invalid_argument() {
    let draft = Draft::new(Method::GET, "/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256");
    let app = server();
    let reply = app.send(alice().sign(&draft)).await;
    let case = "Authorization and X-Amz-Algorithm";
    assert_refused(
        &app,
        &reply,
        StatusCode::BAD_REQUEST,
        "InvalidArgument",
        case,
    );
    assert!(
        reply
            .element("Message")
            .unwrap_or_default()
            .starts_with("Only one auth mechanism allowed"),
        "{case}: message"
    );
}

// §3: malformed Authorization values, each differing from an accepted one in one way.

#[tokio::test]
async fn malformed_authorization_headers_are_refused_before_the_handler() {
    let valid = alice().sign(&get_object());
    let sent = header(&valid, "authorization").to_owned();
    let credential = format!("{AKID}/20240315/us-east-1/s3/aws4_request");
    let signed = "host;x-amz-content-sha256;x-amz-date";
    let signature = sent
        .rsplit_once("Signature=")
        .map(|(_, s)| s.to_owned())
        .expect("aws-sigv4 writes a signature");
    let with = |c: &str, h: &str, s: &str| {
        format!("AWS4-HMAC-SHA256 Credential={c}, SignedHeaders={h}, Signature={s}")
    };
    assert_eq!(
        sent,
        with(&credential, signed, &signature),
        "the base of every case is the header aws-sigv4 wrote"
    );

    let bad = StatusCode::BAD_REQUEST;
    let malformed = "AuthorizationHeaderMalformed";
    let invalid = "InvalidArgument";
    let text = |s: String| HeaderValue::try_from(s).expect("a visible ASCII value");
    let sig = signature.as_str();
    let cred = credential.as_str();
    let mut non_utf8 = sent.clone().into_bytes();
    non_utf8.insert("AWS4-HMAC-SHA256 Credential=".len(), 0xff);
    let cases: Vec<(&str, HeaderValue, &str)> = vec![
        ("empty", HeaderValue::from_static(""), invalid),
        (
            "only the algorithm",
            text("AWS4-HMAC-SHA256".into()),
            malformed,
        ),
        (
            "algorithm and a space",
            text("AWS4-HMAC-SHA256 ".into()),
            malformed,
        ),
        (
            "wrong algorithm",
            text(sent.replacen("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1)),
            invalid,
        ),
        (
            "lowercase algorithm",
            text(sent.replacen("AWS4-HMAC-SHA256", "aws4-hmac-sha256", 1)),
            invalid,
        ),
        (
            "missing Credential",
            text(format!(
                "AWS4-HMAC-SHA256 SignedHeaders={signed}, Signature={sig}"
            )),
            malformed,
        ),
        (
            "missing SignedHeaders",
            text(format!(
                "AWS4-HMAC-SHA256 Credential={cred}, Signature={sig}"
            )),
            malformed,
        ),
        (
            "missing Signature",
            text(format!(
                "AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders={signed}"
            )),
            malformed,
        ),
        (
            "duplicated Signature",
            text(format!("{sent}, Signature={sig}")),
            malformed,
        ),
        (
            "unknown component",
            text(format!("{sent}, Expires=60")),
            malformed,
        ),
        (
            "lowercase component name",
            text(sent.replacen("Credential=", "credential=", 1)),
            malformed,
        ),
        (
            "credential of 4 parts",
            text(with(&format!("{AKID}/20240315/us-east-1/s3"), signed, sig)),
            malformed,
        ),
        (
            "credential of 6 parts",
            text(with(&format!("{credential}/extra"), signed, sig)),
            malformed,
        ),
        (
            "empty access key",
            text(with("/20240315/us-east-1/s3/aws4_request", signed, sig)),
            malformed,
        ),
        (
            "bad date in scope",
            text(with(
                &format!("{AKID}/2024-03-15/us-east-1/s3/aws4_request"),
                signed,
                sig,
            )),
            malformed,
        ),
        (
            "terminator not aws4_request",
            text(with(
                &format!("{AKID}/20240315/us-east-1/s3/aws4_requests"),
                signed,
                sig,
            )),
            malformed,
        ),
        (
            "uppercase SignedHeaders",
            text(with(cred, "Host;X-Amz-Content-Sha256;X-Amz-Date", sig)),
            malformed,
        ),
        (
            "unsorted SignedHeaders",
            text(with(cred, "x-amz-date;host;x-amz-content-sha256", sig)),
            malformed,
        ),
        (
            "duplicate SignedHeaders",
            text(with(cred, "host;host;x-amz-content-sha256;x-amz-date", sig)),
            malformed,
        ),
        ("empty SignedHeaders", text(with(cred, "", sig)), malformed),
        (
            "signature of 63 chars",
            text(with(cred, signed, &sig[..63])),
            malformed,
        ),
        (
            "signature of 65 chars",
            text(with(cred, signed, &format!("{sig}0"))),
            malformed,
        ),
        (
            "uppercase hex signature",
            text(with(cred, signed, &sig.to_uppercase())),
            malformed,
        ),
        (
            "non-hex signature",
            text(with(cred, signed, &format!("{}zz", &sig[..62]))),
            malformed,
        ),
        ("empty signature", text(with(cred, signed, "")), malformed),
        (
            "non-UTF-8 bytes in the access key",
            HeaderValue::from_bytes(&non_utf8).expect("obs-text is a valid header value"),
            malformed,
        ),
        (
            "a 100 KB header",
            text(with(
                &format!("{}{cred}", "A".repeat(100 * 1024)),
                signed,
                sig,
            )),
            malformed,
        ),
        (
            "doubled comma",
            text(format!(
                "AWS4-HMAC-SHA256 Credential={cred},, SignedHeaders={signed}, Signature={sig}"
            )),
            malformed,
        ),
        ("trailing comma", text(format!("{sent},")), malformed),
        (
            "= missing",
            text(format!(
                "AWS4-HMAC-SHA256 Credential {cred}, SignedHeaders={signed}, Signature={sig}"
            )),
            malformed,
        ),
        (
            "no separator between components",
            text(format!(
                "AWS4-HMAC-SHA256 Credential={cred} SignedHeaders={signed} Signature={sig}"
            )),
            malformed,
        ),
    ];

    // The unmodified header is accepted, so each case fails for its one defect alone.
    let app = server();
    let reply = app.send(valid).await;
    assert_accepted(&app, &reply, "the base of the malformed cases");

    for (case, value, code) in cases {
        let mut request = alice().sign(&get_object());
        request.headers_mut().insert("authorization", value);
        let app = server();
        let reply = app.send(request).await;
        assert!(!reply.status.is_server_error(), "{case}: never a 5xx");
        assert_refused(&app, &reply, bad, code, case);
    }
}

// §3: timestamps.

#[tokio::test]
async fn x_amz_date_wins_over_date() {
    // Date a day off is ignored when x-amz-date is present and right.
    let draft = get_object().header("date", "Thu, 14 Mar 2024 12:00:00 GMT");
    let app = server();
    let reply = app.send(alice().sign(&draft)).await;
    assert_accepted(&app, &reply, "right x-amz-date, stale Date");

    // A right Date does not rescue a stale x-amz-date.
    let draft = get_object().header("date", "Fri, 15 Mar 2024 12:00:00 GMT");
    let app = server();
    let stale = alice().at(now() - Duration::from_secs(3600));
    let reply = app.send(stale.sign(&draft)).await;
    let case = "stale x-amz-date, right Date";
    assert_refused(
        &app,
        &reply,
        StatusCode::FORBIDDEN,
        "RequestTimeTooSkewed",
        case,
    );
    assert_eq!(
        reply.element("RequestTime").as_deref(),
        Some("20240315T110000Z"),
        "{case}: RequestTime is the x-amz-date sent"
    );
}

#[tokio::test]
async fn malformed_or_missing_timestamp_is_access_denied() {
    for (value, case) in [
        (Some("2024-03-15T12:00:00Z"), "extended ISO 8601 x-amz-date"),
        (Some("20240315T120000"), "x-amz-date without Z"),
        (
            Some("Fri, 15 Mar 2024 12:00:00 GMT"),
            "HTTP date in x-amz-date",
        ),
        (None, "neither x-amz-date nor Date"),
    ] {
        let mut request = alice().sign(&get_object());
        match value {
            Some(v) => request
                .headers_mut()
                .insert("x-amz-date", HeaderValue::from_static(v)),
            None => request.headers_mut().remove("x-amz-date"),
        };
        let app = server();
        let reply = app.send(request).await;
        assert_refused(&app, &reply, StatusCode::FORBIDDEN, "AccessDenied", case);
        assert_eq!(
            reply.element("Message").as_deref(),
            Some("AWS authentication requires a valid Date or x-amz-date header"),
            "{case}: message"
        );
    }
}

#[tokio::test]
async fn date_header_alone_dates_the_signature() {
    // aws-sigv4 signs with x-amz-date; leaving x-amz-date out of SignedHeaders and the request
    // makes its signature one over `Date` only. It verifies only if the server derives the
    // string-to-sign timestamp from `Date`, converted to ISO 8601 basic form.
    let signed_at = now() - Duration::from_secs(10 * 60);
    let date = httpdate::fmt_http_date(signed_at);
    assert_eq!(
        date, "Fri, 15 Mar 2024 11:50:00 GMT",
        "the Date the client sends"
    );
    let draft = get_object().header("date", &date);
    let mut request = alice()
        .at(signed_at)
        .leave_unsigned("x-amz-date")
        .sign(&draft);
    assert!(
        !header(&request, "authorization").contains("x-amz-date"),
        "Date only: x-amz-date is not signed"
    );
    request.headers_mut().remove("x-amz-date");
    let app = server();
    let reply = app.send(request).await;
    assert_accepted(&app, &reply, "Date only");

    // The same, an hour old: Date alone is checked for skew, and reported as sent.
    let signed_at = now() - Duration::from_secs(3600);
    let date = httpdate::fmt_http_date(signed_at);
    let draft = get_object().header("date", &date);
    let mut request = alice()
        .at(signed_at)
        .leave_unsigned("x-amz-date")
        .sign(&draft);
    request.headers_mut().remove("x-amz-date");
    let app = server();
    let reply = app.send(request).await;
    let case = "Date only, an hour old";
    assert_refused(
        &app,
        &reply,
        StatusCode::FORBIDDEN,
        "RequestTimeTooSkewed",
        case,
    );
    assert_eq!(
        reply.element("RequestTime").as_deref(),
        Some(date.as_str()),
        "{case}"
    );
}

// §2: a HEAD gets the status and headers, no body.

#[tokio::test]
async fn head_rejection_has_status_and_headers_but_no_body() {
    let head = Draft::new(Method::HEAD, "/bucket/photos/cat.jpg");
    let cases = [
        (head.unsigned(), StatusCode::FORBIDDEN, "anonymous HEAD"),
        (
            Signer::new(AKID, "wrong").sign(&head),
            StatusCode::FORBIDDEN,
            "HEAD with a bad signature",
        ),
        (
            alice().region("eu-west-1").sign(&head),
            StatusCode::BAD_REQUEST,
            "HEAD for a wrong region",
        ),
    ];
    for (request, status, case) in cases {
        let app = server();
        let reply = app.send(request).await;
        assert_eq!(reply.status, status, "{case}: status");
        assert_eq!(reply.body, "", "{case}: no body");
        assert_eq!(
            reply.headers.get("content-type").map(|v| v.as_bytes()),
            Some(b"application/xml".as_slice()),
            "{case}: Content-Type"
        );
        for name in ["x-amz-request-id", "x-amz-id-2"] {
            let value = reply.headers.get(name).map(|v| v.as_bytes());
            assert!(
                value.is_some_and(|v| !v.is_empty()),
                "{case}: {name} present"
            );
        }
        assert_eq!(
            app.calls(),
            0,
            "{case}: the inner handler must not be called"
        );
    }
}
