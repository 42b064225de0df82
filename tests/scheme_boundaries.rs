//! Where the schemes meet: what each one reads from a request that another could also carry.
//! A session token, a payload hash or an `aws-chunked` body is held to the same rules
//! whichever scheme authenticates the request (S3-AUTH-RULES.md §1, §3, §4, §8), and nothing a
//! request carries is silently ignored.

mod layer_support;

use std::time::{Duration, SystemTime};

use axum::body::Body;
use http::{HeaderName, HeaderValue, Method, Request, StatusCode};
use layer_support::{App, BodyRead, Draft, HOST, Payload, Signer, now};
use sha2::{Digest, Sha256};
use tower_s3_auth::presign::{PresignRequest, PresignedUrl, Presigner};
use tower_s3_auth::{
    AnonymousRequests, Credential, Error, ErrorKind, FixedClock, S3AuthLayer, StaticCredentials,
};

const AKID: &str = "AKIDBOUNDARYEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYBOUNDARY";
const TEMPORARY: &str = "ASIABOUNDARYEXAMPLE";
const TOKEN: &str = "session-token-of-the-temporary-key";

fn credentials() -> [Credential; 2] {
    [
        Credential::new(AKID, SECRET),
        Credential::new(TEMPORARY, SECRET).with_session_token(TOKEN),
    ]
}

fn layer() -> S3AuthLayer<StaticCredentials> {
    S3AuthLayer::new(StaticCredentials::new(credentials())).clock(FixedClock(now()))
}

fn presigner() -> Presigner {
    Presigner::new(&format!("http://{HOST}"), "us-east-1").expect("a valid endpoint")
}

/// The request a client makes of a presigned URL: its path and query, the signed headers.
fn request_for(url: &PresignedUrl, body: &'static [u8]) -> Request<Body> {
    let target = url
        .url
        .strip_prefix(&format!("http://{HOST}"))
        .expect("the URL is under the endpoint");
    let mut request = Request::builder()
        .method(url.method.clone())
        .uri(target)
        .header("host", HOST);
    for (name, value) in &url.headers {
        request = request.header(name, value);
    }
    request.body(Body::from(body)).expect("a valid request")
}

/// Asserts that `request` is refused with `status` and `code` before the handler runs, and
/// returns the error document.
async fn refused(app: &App, request: Request<Body>, status: StatusCode, code: &str) -> String {
    let reply = app.send(request).await;
    assert_eq!(
        (reply.status, reply.code().as_deref()),
        (status, Some(code)),
        "{}",
        reply.body
    );
    assert_eq!(app.calls(), 0, "the handler is never called");
    reply.body
}

/// How the handler's read of the body ended, for a request that reached it.
async fn body_read(app: &App, request: Request<Body>) -> BodyRead {
    app.send(request).await;
    let seen = app.seen();
    assert_eq!(seen.len(), 1, "the request reached the handler");
    seen[0].body.clone()
}

#[tokio::test]
async fn a_token_in_the_query_counts_for_header_authentication() {
    let app = App::new(layer());
    let draft = Draft::new(Method::GET, "/bucket/key?X-Amz-Security-Token=forged");
    let permanent = Signer::new(AKID, SECRET).sign(&draft);
    refused(&app, permanent, StatusCode::BAD_REQUEST, "InvalidToken").await;

    let disagreeing = Signer::new(TEMPORARY, SECRET)
        .session_token(TOKEN)
        .sign(&draft);
    refused(&app, disagreeing, StatusCode::BAD_REQUEST, "InvalidToken").await;

    let agreeing = Draft::new(
        Method::GET,
        format!("/bucket/key?X-Amz-Security-Token={TOKEN}"),
    );
    let request = Signer::new(TEMPORARY, SECRET)
        .session_token(TOKEN)
        .sign(&agreeing);
    assert_eq!(
        app.send(request).await.status,
        StatusCode::OK,
        "one token, twice"
    );
}

#[tokio::test]
async fn a_presigned_url_cannot_smuggle_a_token_in_a_header() {
    let app = App::new(layer());
    let request = PresignRequest::get("bucket", "key").header(
        HeaderName::from_static("x-amz-security-token"),
        HeaderValue::from_static("forged"),
    );
    let url = presigner()
        .presign_v4(&Credential::new(AKID, SECRET), &request, now())
        .expect("presigned");
    refused(
        &app,
        request_for(&url, b""),
        StatusCode::BAD_REQUEST,
        "InvalidToken",
    )
    .await;
}

#[tokio::test]
async fn headers_the_signature_rests_on_come_once() {
    for name in ["x-amz-date", "x-amz-content-sha256", "x-amz-security-token"] {
        let app = App::new(layer());
        let draft = Draft::new(Method::GET, "/bucket/key");
        let mut request = Signer::new(TEMPORARY, SECRET)
            .session_token(TOKEN)
            .sign(&draft);
        let first = request.headers()[name].clone();
        request.headers_mut().append(name, first);
        let body = refused(&app, request, StatusCode::BAD_REQUEST, "InvalidArgument").await;
        assert!(
            body.contains(&format!("<ArgumentName>{name}</ArgumentName>")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn other_schemes_are_refused_naming_only_the_scheme() {
    for (value, scheme) in [
        (
            "AWS4-ECDSA-P256-SHA256 Credential=AKID/20240315/s3/aws4_request, \
             SignedHeaders=host;x-amz-date;x-amz-region-set, Signature=3045",
            "AWS4-ECDSA-P256-SHA256",
        ),
        ("Basic dXNlcjpwYXNzd29yZA==", "Basic"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.secret", "Bearer"),
    ] {
        let app = App::new(layer());
        let request = Request::get("/bucket/key")
            .header("host", HOST)
            .header("authorization", value)
            .body(Body::empty())
            .unwrap();
        let body = refused(&app, request, StatusCode::BAD_REQUEST, "InvalidArgument").await;
        assert!(
            body.contains(&format!("<ArgumentValue>{scheme}</ArgumentValue>")),
            "{body}"
        );
        let (_, credentials) = value.split_once(' ').unwrap();
        assert!(
            !body.contains(credentials),
            "the credentials are not echoed: {body}"
        );
    }
}

#[tokio::test]
async fn a_signed_payload_hash_header_holds_a_presigned_body() {
    let hash = hex::encode(Sha256::digest(b"the body"));
    let request = PresignRequest::put("bucket", "key")
        .expires_in(Duration::from_secs(600))
        .header(
            HeaderName::from_static("x-amz-content-sha256"),
            HeaderValue::from_str(&hash).unwrap(),
        );
    let url = presigner()
        .presign_v4(&Credential::new(AKID, SECRET), &request, now())
        .expect("presigned");

    let app = App::new(layer());
    let read = body_read(&app, request_for(&url, b"the body")).await;
    assert!(
        matches!(read, BodyRead::Clean(ref b) if b == "the body"),
        "{read:?}"
    );

    let app = App::new(layer());
    let read = body_read(&app, request_for(&url, b"another body")).await;
    let BodyRead::Failed(Some(error)) = read else {
        panic!("the body fails: {read:?}");
    };
    assert_eq!(error.kind, ErrorKind::XAmzContentSha256Mismatch);
}

#[tokio::test]
async fn a_presigned_upload_may_stream_unsigned_chunks_but_not_signed_ones() {
    let streaming = |mode: &'static str| {
        let amz = |name: &'static str, value: &'static str| {
            (
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            )
        };
        let request = [
            amz("x-amz-content-sha256", mode),
            amz("x-amz-decoded-content-length", "5"),
            amz("x-amz-trailer", "x-amz-checksum-crc32"),
        ]
        .into_iter()
        .fold(PresignRequest::put("bucket", "key"), |r, (n, v)| {
            r.header(n, v)
        });
        let url = presigner()
            .presign_v4(&Credential::new(AKID, SECRET), &request, now())
            .expect("presigned");
        let mut request = request_for(
            &url,
            b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n",
        );
        request
            .headers_mut()
            .insert("content-encoding", HeaderValue::from_static("aws-chunked"));
        request
    };

    let app = App::new(layer());
    let read = body_read(&app, streaming("STREAMING-UNSIGNED-PAYLOAD-TRAILER")).await;
    assert!(
        matches!(read, BodyRead::Clean(ref b) if b == "hello"),
        "decoded: {read:?}"
    );

    let app = App::new(layer());
    let signed = streaming("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
    let body = refused(&app, signed, StatusCode::BAD_REQUEST, "InvalidArgument").await;
    assert!(body.contains("Authorization header"), "{body}");
}

#[tokio::test]
async fn aws_chunked_framing_never_reaches_a_handler_as_payload() {
    let app = App::new(layer());
    let draft = Draft::new(Method::PUT, "/bucket/key")
        .header("content-encoding", "aws-chunked")
        .body("5\r\nhello\r\n0\r\n\r\n");
    let request = Signer::new(AKID, SECRET)
        .payload(Payload::Unsigned)
        .sign(&draft);
    let body = refused(&app, request, StatusCode::BAD_REQUEST, "InvalidArgument").await;
    assert!(
        body.contains("<ArgumentName>Content-Encoding</ArgumentName>"),
        "{body}"
    );
}

type Presign =
    fn(&Presigner, &Credential, &PresignRequest, SystemTime) -> Result<PresignedUrl, Error>;

/// A GET of `bucket/key` presigned with `presign`, checked to be accepted as issued.
async fn accepted_get(presign: Presign) -> PresignedUrl {
    let request = PresignRequest::get("bucket", "key");
    let url = presign(
        &presigner(),
        &Credential::new(AKID, SECRET),
        &request,
        now(),
    )
    .expect("presigned");
    let reply = App::new(layer()).send(request_for(&url, b"")).await;
    assert_eq!(reply.status, StatusCode::OK, "as issued: {}", reply.body);
    url
}

#[tokio::test]
async fn an_escaped_signature_parameter_is_still_the_signature_parameter() {
    let url = accepted_get(Presigner::presign_v4).await;

    let mut twice = url.clone();
    twice.url.push_str("&X-Amz-%53ignature=00");
    let body = refused(
        &App::new(layer()),
        request_for(&twice, b""),
        StatusCode::BAD_REQUEST,
        "AuthorizationQueryParametersError",
    )
    .await;
    assert!(
        body.contains("X-Amz-Signature must appear only once."),
        "{body}"
    );
}

#[tokio::test]
async fn a_sigv2_url_signs_amz_parameters_in_any_case() {
    let url = accepted_get(Presigner::presign_v2).await;
    for added in ["&X-Amz-Acl=public-read", "&x-amz-acl=public-read"] {
        let mut changed = url.clone();
        changed.url.push_str(added);
        refused(
            &App::new(layer()),
            request_for(&changed, b""),
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
        )
        .await;
    }
}

#[tokio::test]
async fn an_anonymous_body_is_held_to_its_declared_hash() {
    let app = App::new(layer().anonymous(AnonymousRequests::Allow));
    let request = Request::put("/bucket/key")
        .header("host", HOST)
        .header(
            "x-amz-content-sha256",
            hex::encode(Sha256::digest(b"other")),
        )
        .body(Body::from("the body"))
        .unwrap();
    let read = body_read(&app, request).await;
    let BodyRead::Failed(Some(error)) = read else {
        panic!("the body fails: {read:?}");
    };
    assert_eq!(error.kind, ErrorKind::XAmzContentSha256Mismatch);
}
