//! Presigned SigV4 URLs (query-string authentication) through `axum::Router` +
//! `S3AuthLayer`: S3's worked example, the expiry rules, tampering with each parameter,
//! session tokens, and URLs issued by this crate's presign API. URLs issued by `aws-sdk-s3`
//! are checked in the one test binary that builds the SDK, `tests/sdk_s3_server/`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::routing::any;
use http::{Method, Request, StatusCode};
use tower::ServiceExt;
use tower_s3_auth::presign::{PresignRequest, Presigner};
use tower_s3_auth::{Credential, FixedClock, Identity, S3AuthLayer, StaticCredentials};

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// 2013-05-24T00:00:00Z, the date of S3's worked examples.
fn example_date() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_369_353_600)
}

/// S3's worked example of a presigned GET (valid 86400 s from `example_date`).
const EXAMPLE_URL: &str = "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
const EXAMPLE_HOST: &str = "examplebucket.s3.amazonaws.com";

fn store() -> StaticCredentials {
    StaticCredentials::new([
        Credential::new(AKID, SECRET).with_principal("alice"),
        Credential::new("ASIATEMPORARY", "temporary-secret")
            .with_session_token("the-session-token")
            .with_principal("bob"),
    ])
}

/// The app answers `principal scheme bucket key` and echoes the body it read.
fn app(layer: S3AuthLayer<StaticCredentials>) -> Router {
    let handler = |who: Identity, body: Body| async move {
        let bytes = axum::body::to_bytes(body, 1 << 20).await;
        match bytes {
            Ok(bytes) => (
                StatusCode::OK,
                format!(
                    "{} {:?} {:?} {:?} {}",
                    who.principal,
                    who.scheme,
                    who.target.bucket,
                    who.target.key,
                    String::from_utf8_lossy(&bytes)
                ),
            ),
            Err(e) => {
                let code = tower_s3_auth::Error::find_in(&e).map_or("?", |e| e.code());
                (StatusCode::BAD_REQUEST, format!("body error {code}"))
            }
        }
    };
    Router::new().route("/{*path}", any(handler)).layer(layer)
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn get(uri: &str, host: &str) -> Request<Body> {
    Request::get(uri)
        .header("host", host)
        .body(Body::empty())
        .unwrap()
}

fn code_of(xml: &str) -> &str {
    let start = xml.find("<Code>").map_or(0, |i| i + 6);
    let end = xml.find("</Code>").unwrap_or(start);
    &xml[start..end]
}

#[tokio::test]
async fn s3_example_presigned_get_verifies_within_its_lifetime() {
    for offset in [0, 3600, 86_400] {
        let clock = FixedClock(example_date() + Duration::from_secs(offset));
        let layer = S3AuthLayer::new(store())
            .clock(clock)
            .domain("s3.amazonaws.com");
        let (status, body) = send(&app(layer), get(EXAMPLE_URL, EXAMPLE_HOST)).await;
        assert_eq!(status, StatusCode::OK, "at +{offset}s: {body}");
        assert!(
            body.starts_with("alice SigV4Query Some(\"examplebucket\") Some(\"test.txt\")"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn expired_url_is_access_denied_with_expiry_details() {
    let clock = FixedClock(example_date() + Duration::from_secs(86_401));
    let app = app(S3AuthLayer::new(store()).clock(clock));
    let (status, body) = send(&app, get(EXAMPLE_URL, EXAMPLE_HOST)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(code_of(&body), "AccessDenied");
    assert!(
        body.contains("<Message>Request has expired</Message>"),
        "{body}"
    );
    assert!(
        body.contains("<X-Amz-Expires>86400</X-Amz-Expires>"),
        "{body}"
    );
    assert!(
        body.contains("<Expires>2013-05-25T00:00:00Z</Expires>"),
        "{body}"
    );
    assert!(
        body.contains("<ServerTime>2013-05-25T00:00:01Z</ServerTime>"),
        "{body}"
    );
}

#[tokio::test]
async fn url_dated_beyond_the_skew_is_not_valid_yet() {
    let early = FixedClock(example_date() - Duration::from_secs(15 * 60 + 1));
    let (status, body) = send(
        &app(S3AuthLayer::new(store()).clock(early)),
        get(EXAMPLE_URL, EXAMPLE_HOST),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body.contains("<Message>Request is not valid yet</Message>"),
        "{body}"
    );

    let within = FixedClock(example_date() - Duration::from_secs(15 * 60));
    let (status, _) = send(
        &app(S3AuthLayer::new(store()).clock(within)),
        get(EXAMPLE_URL, EXAMPLE_HOST),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "within the skew a URL dated ahead is accepted"
    );
}

/// Replaces the value of one query parameter of the example URL.
fn with_param(name: &str, value: &str) -> String {
    let (path, query) = EXAMPLE_URL.split_once('?').unwrap();
    let query: Vec<String> = query
        .split('&')
        .map(|pair| {
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            if key == name {
                format!("{key}={value}")
            } else {
                pair.to_owned()
            }
        })
        .collect();
    format!("{path}?{}", query.join("&"))
}

fn without_param(name: &str) -> String {
    let (path, query) = EXAMPLE_URL.split_once('?').unwrap();
    let query: Vec<&str> = query
        .split('&')
        .filter(|p| !p.starts_with(&format!("{name}=")))
        .collect();
    format!("{path}?{}", query.join("&"))
}

#[tokio::test]
async fn each_missing_parameter_gets_s3s_message() {
    let app = app(S3AuthLayer::new(store()).clock(FixedClock(example_date())));
    for name in [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
    ] {
        let (status, body) = send(&app, get(&without_param(name), EXAMPLE_HOST)).await;
        assert_eq!(
            (status, code_of(&body)),
            (StatusCode::BAD_REQUEST, "AuthorizationQueryParametersError"),
            "without {name}: {body}"
        );
        assert!(
            body.contains(
                "<Message>Query-string authentication version 4 requires the X-Amz-Algorithm, \
                 X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and \
                 X-Amz-Expires parameters.</Message>"
            ),
            "without {name}: {body}"
        );
    }
    // Without its signature the URL still names query authentication by its algorithm and
    // credential, and is refused the same way rather than passing as anonymous.
    let (status, body) = send(&app, get(&without_param("X-Amz-Signature"), EXAMPLE_HOST)).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "AuthorizationQueryParametersError"),
        "without X-Amz-Signature: {body}"
    );
}

#[tokio::test]
async fn tampering_with_each_parameter_is_rejected() {
    let app = app(S3AuthLayer::new(store()).clock(FixedClock(example_date())));
    let cases: &[(String, StatusCode, &str, &str)] = &[
        (
            with_param("X-Amz-Algorithm", "AWS4-HMAC-SHA1"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "X-Amz-Algorithm only supports",
        ),
        (
            with_param(
                "X-Amz-Credential",
                "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-west-2%2Fs3%2Faws4_request",
            ),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "the region 'us-west-2' is wrong",
        ),
        (
            with_param(
                "X-Amz-Credential",
                "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3",
            ),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "the Credential is mal-formed",
        ),
        (
            with_param(
                "X-Amz-Credential",
                "OTHERKEY%2F20130524%2Fus-east-1%2Fs3%2Faws4_request",
            ),
            StatusCode::FORBIDDEN,
            "InvalidAccessKeyId",
            "does not exist",
        ),
        (
            with_param(
                "X-Amz-Credential",
                "AKIAIOSFODNN7EXAMPLE%2F20130523%2Fus-east-1%2Fs3%2Faws4_request",
            ),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "Invalid credential date",
        ),
        (
            with_param("X-Amz-Date", "20130524T000001Z"),
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "signature we calculated",
        ),
        (
            with_param("X-Amz-Date", "2013-05-24"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "ISO8601",
        ),
        (
            with_param("X-Amz-Expires", "86401"),
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "signature we calculated",
        ),
        (
            with_param("X-Amz-Expires", "604801"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "less than a week",
        ),
        (
            with_param("X-Amz-Expires", "-1"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "non-negative",
        ),
        (
            with_param("X-Amz-Expires", "soon"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "should be a number",
        ),
        (
            with_param("X-Amz-SignedHeaders", "host%3Brange"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "the signed header 'range' is not present",
        ),
        (
            with_param("X-Amz-SignedHeaders", "Host"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "X-Amz-SignedHeaders",
        ),
        (
            with_param(
                "X-Amz-Signature",
                "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d405",
            ),
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "signature we calculated",
        ),
        (
            with_param(
                "X-Amz-Signature",
                "AEEED9BBCCD4D02EE5C0109B86D86835F995330DA4C265957D157751F604D404",
            ),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "X-Amz-Signature",
        ),
        (
            without_param("X-Amz-Date"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "requires the X-Amz-Algorithm",
        ),
        (
            without_param("X-Amz-Expires"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "requires the X-Amz-Algorithm",
        ),
        (
            without_param("X-Amz-Algorithm"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "requires the X-Amz-Algorithm",
        ),
        (
            format!("{EXAMPLE_URL}&X-Amz-Date=20130524T000000Z"),
            StatusCode::BAD_REQUEST,
            "AuthorizationQueryParametersError",
            "only once",
        ),
        (
            format!("{EXAMPLE_URL}&extra=1"),
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "signature we calculated",
        ),
    ];
    for (uri, status, code, message) in cases {
        let (got_status, body) = send(&app, get(uri, EXAMPLE_HOST)).await;
        assert_eq!(
            (got_status, code_of(&body)),
            (*status, *code),
            "{uri}: {body}"
        );
        assert!(
            body.contains(message),
            "{uri}: expected {message:?} in {body}"
        );
    }

    let (status, body) = send(&app, get(EXAMPLE_URL, "otherbucket.s3.amazonaws.com")).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::FORBIDDEN, "SignatureDoesNotMatch"),
        "host"
    );
    let unsigned_amz = Request::get(EXAMPLE_URL)
        .header("host", EXAMPLE_HOST)
        .header("x-amz-acl", "public-read")
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(&app, unsigned_amz).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::FORBIDDEN, "AccessDenied"),
        "{body}"
    );
    assert!(
        body.contains("<HeadersNotSigned>x-amz-acl</HeadersNotSigned>"),
        "{body}"
    );
}

#[tokio::test]
async fn query_and_header_authentication_together_are_refused() {
    let app = app(S3AuthLayer::new(store()).clock(FixedClock(example_date())));
    let request = Request::get(EXAMPLE_URL)
        .header("host", EXAMPLE_HOST)
        .header("authorization", "AWS4-HMAC-SHA256 Credential=x")
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(&app, request).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "InvalidArgument")
    );
    assert!(body.contains("Only one auth mechanism allowed"), "{body}");
}

#[tokio::test]
async fn configured_maximum_lifetime_is_enforced() {
    let layer = S3AuthLayer::new(store())
        .clock(FixedClock(example_date()))
        .max_presign_expiry(Duration::from_secs(3600));
    let (status, body) = send(&app(layer), get(EXAMPLE_URL, EXAMPLE_HOST)).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "AuthorizationQueryParametersError")
    );
    assert!(
        body.contains("X-Amz-Expires must be at most 3600 seconds on this server."),
        "{body}"
    );
}

/// Turns a presigned URL into a request for the app (path and query, Host header).
fn request_for(
    url: &str,
    method: Method,
    headers: &http::HeaderMap,
    body: &'static str,
) -> Request<Body> {
    let uri: http::Uri = url.parse().unwrap();
    let mut builder = Request::builder()
        .method(method)
        .uri(uri.path_and_query().unwrap().as_str())
        .header("host", uri.authority().unwrap().as_str());
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn own_presigned_get_and_put_round_trip() {
    let now = example_date();
    let app = app(S3AuthLayer::new(store()).clock(FixedClock(now + Duration::from_secs(60))));
    let presigner = Presigner::new("http://127.0.0.1:9000", "us-east-1").unwrap();
    let credential = Credential::new(AKID, SECRET);

    let link = PresignRequest::get("photos", "2024/a cat+dog ☃.jpg").query(
        "response-content-disposition",
        "attachment; filename=\"x.jpg\"",
    );
    let url = presigner.presign_v4(&credential, &link, now).unwrap();
    let (status, body) = send(&app, request_for(&url.url, Method::GET, &url.headers, "")).await;
    assert_eq!(status, StatusCode::OK, "{} -> {body}", url.url);
    assert!(
        body.contains("Some(\"photos\") Some(\"2024/a cat+dog ☃.jpg\")"),
        "{body}"
    );

    let upload = PresignRequest::put("photos", "up.txt").header(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    let url = presigner.presign_v4(&credential, &upload, now).unwrap();
    assert_eq!(url.headers["content-type"], "text/plain");
    let (status, body) = send(
        &app,
        request_for(&url.url, Method::PUT, &url.headers, "hello"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.ends_with(" hello"), "{body}");

    let wrong_type = http::HeaderMap::from_iter([(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html"),
    )]);
    let (status, body) = send(
        &app,
        request_for(&url.url, Method::PUT, &wrong_type, "hello"),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::FORBIDDEN, "SignatureDoesNotMatch")
    );
    let (status, _) = send(&app, request_for(&url.url, Method::GET, &url.headers, "")).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a PUT link does not allow a GET"
    );
}

#[tokio::test]
async fn own_presigned_url_in_virtual_hosted_style() {
    let now = example_date();
    let layer = S3AuthLayer::new(store())
        .clock(FixedClock(now))
        .domain("s3.local");
    let presigner = Presigner::new("http://s3.local:9000", "us-east-1")
        .unwrap()
        .virtual_hosted();
    let url = presigner
        .presign_v4(
            &Credential::new(AKID, SECRET),
            &PresignRequest::get("docs", "a/b.txt"),
            now,
        )
        .unwrap();
    assert!(
        url.url.starts_with("http://docs.s3.local:9000/a/b.txt?"),
        "{}",
        url.url
    );
    let (status, body) = send(
        &app(layer),
        request_for(&url.url, Method::GET, &url.headers, ""),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Some(\"docs\") Some(\"a/b.txt\")"), "{body}");
}

#[tokio::test]
async fn temporary_credentials_need_their_token_in_the_query() {
    let now = example_date();
    let app = app(S3AuthLayer::new(store()).clock(FixedClock(now)));
    let presigner = Presigner::new("http://127.0.0.1:9000", "us-east-1").unwrap();
    let temporary = Credential::new("ASIATEMPORARY", "temporary-secret")
        .with_session_token("the-session-token");
    let url = presigner
        .presign_v4(&temporary, &PresignRequest::get("b", "k"), now)
        .unwrap();
    assert!(
        url.url.contains("X-Amz-Security-Token=the-session-token"),
        "{}",
        url.url
    );
    let (status, body) = send(&app, request_for(&url.url, Method::GET, &url.headers, "")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.starts_with("bob "), "{body}");

    let other =
        Credential::new("ASIATEMPORARY", "temporary-secret").with_session_token("another-token");
    let url = presigner
        .presign_v4(&other, &PresignRequest::get("b", "k"), now)
        .unwrap();
    let (status, body) = send(&app, request_for(&url.url, Method::GET, &url.headers, "")).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "InvalidToken"),
        "wrong token"
    );

    let untokened = Credential::new("ASIATEMPORARY", "temporary-secret");
    let url = presigner
        .presign_v4(&untokened, &PresignRequest::get("b", "k"), now)
        .unwrap();
    let (status, body) = send(&app, request_for(&url.url, Method::GET, &url.headers, "")).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "InvalidToken"),
        "no token"
    );

    let permanent_with_token = Credential::new(AKID, SECRET).with_session_token("a-token");
    let url = presigner
        .presign_v4(&permanent_with_token, &PresignRequest::get("b", "k"), now)
        .unwrap();
    let (status, body) = send(&app, request_for(&url.url, Method::GET, &url.headers, "")).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "InvalidToken"),
        "a token for a permanent key"
    );

    let expired = StaticCredentials::new([Credential::new("ASIATEMPORARY", "temporary-secret")
        .with_session_token("the-session-token")
        .with_expiry(now - Duration::from_secs(1))]);
    let expired_app = self::app(S3AuthLayer::new(expired).clock(FixedClock(now)));
    let url = presigner
        .presign_v4(&temporary, &PresignRequest::get("b", "k"), now)
        .unwrap();
    let request = request_for(&url.url, Method::GET, &url.headers, "");
    let (status, body) = send(&expired_app, request).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "ExpiredToken"),
        "past the credential's expiry"
    );
}

#[tokio::test]
async fn signed_payload_hash_in_the_query_is_checked_against_the_body() {
    // A presigned URL may sign the body's hash (X-Amz-Content-Sha256 in the query); the
    // body is then verified as it streams, like the header form.
    let now = example_date();
    let app = app(S3AuthLayer::new(store()).clock(FixedClock(now)));
    let hash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"; // sha256("hello")
    let presigner = Presigner::new("http://127.0.0.1:9000", "us-east-1").unwrap();
    let url = presigner
        .presign_v4(
            &Credential::new(AKID, SECRET),
            &PresignRequest::put("b", "k").query("X-Amz-Content-Sha256", hash),
            now,
        )
        .unwrap();
    let (status, body) = send(
        &app,
        request_for(&url.url, Method::PUT, &url.headers, "hello"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send(
        &app,
        request_for(&url.url, Method::PUT, &url.headers, "HELLO"),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (
            StatusCode::BAD_REQUEST,
            "body error XAmzContentSHA256Mismatch"
        )
    );

    // The signed hash cannot be swapped for the hash of another body.
    let other = "b1946ac92492d2347c6235b4d2611184f35c9aa3e4ad7b2b27f7de4e6fb36a5d"; // "hello\n"
    let swapped = url.url.replace(hash, other);
    assert_ne!(swapped, url.url, "the URL names the hash");
    let (status, body) = send(
        &app,
        request_for(&swapped, Method::PUT, &url.headers, "hello\n"),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::FORBIDDEN, "SignatureDoesNotMatch"),
        "{body}"
    );
}

#[tokio::test]
async fn own_signature_v2_urls_round_trip() {
    let now = example_date();
    let layer = S3AuthLayer::new(store())
        .clock(FixedClock(now + Duration::from_secs(30)))
        .domain("s3.local");
    let app = app(layer);
    let path_style = Presigner::new("http://127.0.0.1:9000", "us-east-1").unwrap();
    let virtual_hosted = Presigner::new("http://s3.local:9000", "us-east-1")
        .unwrap()
        .virtual_hosted();
    let permanent = Credential::new(AKID, SECRET);
    let temporary = Credential::new("ASIATEMPORARY", "temporary-secret")
        .with_session_token("the-session-token");

    for (presigner, credential, who) in [
        (&path_style, &permanent, "alice"),
        (&virtual_hosted, &permanent, "alice"),
        (&path_style, &temporary, "bob"),
    ] {
        let request =
            PresignRequest::get("docs", "a b/c+d.txt").query("response-content-type", "text/plain");
        let url = presigner.presign_v2(credential, &request, now).unwrap();
        assert!(
            url.url.contains("AWSAccessKeyId=") && url.url.contains("&Signature="),
            "{}",
            url.url
        );
        let (status, body) = send(&app, request_for(&url.url, Method::GET, &url.headers, "")).await;
        assert_eq!(status, StatusCode::OK, "{} -> {body}", url.url);
        assert!(
            body.starts_with(&format!(
                "{who} SigV2Query Some(\"docs\") Some(\"a b/c+d.txt\")"
            )),
            "{body}"
        );
    }

    let url = path_style
        .presign_v2(&permanent, &PresignRequest::get("docs", "k"), now)
        .unwrap();
    let expired = app_at(now + Duration::from_secs(901));
    let (status, body) = send(
        &expired,
        request_for(&url.url, Method::GET, &url.headers, ""),
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::FORBIDDEN, "AccessDenied"),
        "{body}"
    );
    assert!(body.contains("Request has expired"), "{body}");
}

fn app_at(now: SystemTime) -> Router {
    app(S3AuthLayer::new(store()).clock(FixedClock(now)))
}
