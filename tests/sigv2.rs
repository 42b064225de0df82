//! Signature Version 2 (S3-AUTH-RULES.md §5).
//!
//! First every SigV2 example of the S3 developer guide, copied with attribution under
//! `tests/vectors/s3-examples/sigv2/` (CC-BY-SA-4.0; errata in `tests/vectors/README.md` of the
//! shared vectors): string to sign and signature. Then the scheme end to end through
//! `axum::Router` + `S3AuthLayer`: both forms accepted, and each rejection of §1, §2 and §5.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{Request, StatusCode};
use md5::{Digest, Md5};
use percent_encoding::percent_decode_str;
use tower::ServiceExt;
use tower_s3_auth::sigv2::{Signature, StringToSign, sign_v2};
use tower_s3_auth::{
    Credential, Error, FixedClock, Identity, S3AuthLayer, SignatureV2, StaticCredentials,
};

use common::s3_example::S3Example;

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// The string to sign this crate derives from the example's request.
fn string_to_sign_of(example: &S3Example) -> StringToSign {
    let request = example.request().to_http(());
    let bucket = Some(example.meta("bucket")).filter(|b| !b.is_empty());
    let expires = (example.meta("mode") == "query").then(|| example.meta("expires"));
    StringToSign::for_request(
        request.method(),
        request.uri(),
        request.headers(),
        bucket,
        expires,
    )
}

/// The published signature as base64 (a query example publishes it URL-encoded).
fn published_signature(example: &S3Example) -> String {
    let published = example.meta("published_signature");
    percent_decode_str(published)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

/// Asserts the example's string to sign and that its published signature verifies.
fn assert_example(name: &str) {
    let example = S3Example::load(&format!("sigv2/{name}.txt"));
    assert_eq!(example.meta("access_key_id"), AKID, "{name}: example key");
    let sts = string_to_sign_of(&example);
    assert_eq!(
        sts.as_str(),
        example.section("string-to-sign"),
        "{name}: string to sign"
    );
    let published = published_signature(&example);
    assert_eq!(
        sign_v2(SECRET, sts.as_str()),
        published,
        "{name}: signature"
    );
    let sent = Signature::from_base64(&published).expect("published signatures are base64");
    assert!(
        sent.verify(&sts.sign(SECRET)),
        "{name}: decoded bytes verify"
    );
    if example.meta("mode") == "header" {
        let authorization = format!("AWS {AKID}:{published}");
        assert_eq!(
            example.request().header("authorization").map(str::trim),
            Some(authorization.as_str()),
            "{name}: Authorization header"
        );
    }
}

#[test]
fn example_get_object_virtual_hosted() {
    assert_example("2018-johnsmith-get");
}

#[test]
fn example_put_object_content_type() {
    assert_example("2018-johnsmith-put");
}

#[test]
fn example_list_query_parameters_not_signed() {
    assert_example("2018-johnsmith-list");
}

#[test]
fn example_acl_sub_resource_signed() {
    assert_example("2018-johnsmith-acl");
}

#[test]
fn example_list_all_buckets() {
    assert_example("2018-johnsmith-listall");
}

#[test]
fn example_unicode_path_as_sent() {
    assert_example("2018-johnsmith-unicode");
}

#[test]
fn example_upload_amz_headers_and_cname_bucket() {
    assert_example("2018-johnsmith-upload");
}

#[test]
fn example_presigned_get() {
    assert_example("2018-johnsmith-qs");
}

/// Erratum: the published DELETE string to sign keeps the `x-amz-date` value on the Date line,
/// against the page's own rule. The rule's string to sign and signature are the ones to pass.
#[test]
fn example_delete_x_amz_date_replaces_date_per_the_rule() {
    let name = "2018-johnsmith-delete";
    let example = S3Example::load(&format!("sigv2/{name}.txt"));
    let sts = string_to_sign_of(&example);
    assert_eq!(
        sts.as_str(),
        example.section("string-to-sign-per-algorithm"),
        "{name}: string to sign by the rule"
    );
    assert_eq!(
        sts.sign(SECRET).to_base64(),
        "R4dJ53KECjStyBO5iTBJZ4XVOaI=",
        "{name}: signature by the rule"
    );
    assert_eq!(
        example.section("signature-per-algorithm"),
        "R4dJ53KECjStyBO5iTBJZ4XVOaI=",
        "{name}: the vector's own per-rule signature"
    );
    // The published pair is consistent with itself, so only its string to sign is off.
    assert_eq!(
        sign_v2(SECRET, example.section("string-to-sign")),
        published_signature(&example),
        "{name}: published signature over the published string to sign"
    );
}

/// Erratum: the published signature of this example does not reproduce with the example key
/// (the page gives no string to sign for it), so only the derived string to sign is pinned.
#[test]
fn example_presigned_illustrative_string_to_sign_only() {
    let name = "2018-johnsmith-qs2";
    let example = S3Example::load(&format!("sigv2/{name}.txt"));
    assert_eq!(
        string_to_sign_of(&example).as_str(),
        example.section("string-to-sign"),
        "{name}: string to sign (Expires on the Date line, Date header ignored)"
    );
}

/// Every example file in the folder has a test above.
#[test]
fn every_sigv2_example_has_a_test() {
    let source = include_str!("sigv2.rs");
    let folder = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/s3-examples/sigv2"
    );
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .expect("the vectors folder")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            Some(name.strip_suffix(".txt")?.to_owned())
        })
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        10,
        "the ten examples of the developer guide: {names:?}"
    );
    for name in names {
        assert!(
            source.contains(&format!("\"{name}\"")),
            "{name} has no test"
        );
    }
}

// ---- The layer, end to end ----

/// `Tue, 27 Mar 2007 19:36:42 GMT`, the time of the GET example.
const GET_TIME: u64 = 1_175_024_202;
const TEMPORARY: &str = "ASIATEMPORARYEXAMPLE";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN/one+==";

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn layer(now: u64) -> S3AuthLayer<StaticCredentials> {
    let store = StaticCredentials::new([
        Credential::new(AKID, SECRET).with_principal("johnsmith"),
        Credential::new(TEMPORARY, SECRET)
            .with_principal("role/reader")
            .with_session_token(TOKEN)
            .with_expiry(at(now + 3600)),
    ]);
    S3AuthLayer::new(store)
        .clock(FixedClock(at(now)))
        .domain("s3.amazonaws.com")
}

/// Answers how the request was authenticated, after reading the body to its end.
async fn describe(who: Option<Identity>, body: Body) -> String {
    if let Err(error) = axum::body::to_bytes(body, 1 << 20).await {
        let code = Error::find_in(&error).map_or("no S3 error", Error::code);
        return format!("body failed: {code}");
    }
    match who {
        Some(who) => format!("{} {:?} {:?}", who.principal, who.scheme, who.region),
        None => "anonymous".to_owned(),
    }
}

/// The status, the body, and the text of each named element of the response.
async fn send(
    layer: S3AuthLayer<StaticCredentials>,
    request: Request<Body>,
) -> (StatusCode, String) {
    let app = Router::new().fallback(describe).layer(layer);
    let response = app
        .oneshot(request)
        .await
        .expect("the router is infallible");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a response body is readable");
    (status, String::from_utf8(body.to_vec()).expect("UTF-8"))
}

fn element<'b>(body: &'b str, name: &str) -> Option<&'b str> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = start + body[start..].find(&format!("</{name}>"))?;
    Some(&body[start..end])
}

/// S3's GET example, virtual-hosted, signed with `credentials` (`AKID:SIG`).
fn get_example(credentials: &str) -> Request<Body> {
    Request::get("/photos/puppy.jpg")
        .header("host", "johnsmith.s3.amazonaws.com")
        .header("date", "Tue, 27 Mar 2007 19:36:42 +0000")
        .header("authorization", format!("AWS {credentials}"))
        .body(Body::empty())
        .unwrap()
}

const GET_CREDENTIALS: &str = "AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=";
const QS_URI: &str = "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE\
                      &Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620";

fn presigned_get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header("host", "johnsmith.s3.amazonaws.com")
        .body(Body::empty())
        .unwrap()
}

/// Signs `request` in the header form with `akid`/`secret`; `bucket` is the Host's bucket.
fn sign_header(
    mut request: Request<Body>,
    akid: &str,
    secret: &str,
    bucket: Option<&str>,
) -> Request<Body> {
    let sts = StringToSign::for_request(
        request.method(),
        request.uri(),
        request.headers(),
        bucket,
        None,
    );
    let value = format!("AWS {akid}:{}", sts.sign(secret).to_base64());
    request
        .headers_mut()
        .insert("authorization", value.parse().unwrap());
    request
}

#[tokio::test]
async fn header_form_accepted_with_bucket_from_host() {
    let (status, body) = send(layer(GET_TIME), get_example(GET_CREDENTIALS)).await;
    assert_eq!(status, StatusCode::OK, "S3 GET example: {body}");
    assert_eq!(
        body, "johnsmith SigV2Header None",
        "identity of a SigV2 header request"
    );
}

#[tokio::test]
async fn path_style_signs_no_host_bucket() {
    // The list-all-buckets example: Host is the base domain itself, so no bucket is prefixed.
    let request = Request::get("/")
        .header("host", "s3.amazonaws.com")
        .header("date", "Wed, 28 Mar 2007 01:29:59 +0000")
        .header(
            "authorization",
            "AWS AKIAIOSFODNN7EXAMPLE:qGdzdERIC03wnaRNKh6OqZehG9s=",
        )
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(layer(1_175_045_399), request).await;
    assert_eq!(status, StatusCode::OK, "S3 list-all example: {body}");
}

#[tokio::test]
async fn query_form_accepted_until_expires() {
    let (status, body) = send(layer(GET_TIME), presigned_get(QS_URI)).await;
    assert_eq!(status, StatusCode::OK, "S3 presigned example: {body}");
    assert_eq!(body, "johnsmith SigV2Query None", "identity of a SigV2 URL");

    let (status, body) = send(layer(1_175_139_621), presigned_get(QS_URI)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "one second past Expires");
    assert_eq!(element(&body, "Code"), Some("AccessDenied"), "{body}");
    assert_eq!(element(&body, "Message"), Some("Request has expired"));
    assert_eq!(element(&body, "Expires"), Some("2007-03-29T03:40:20Z"));
    assert_eq!(element(&body, "ServerTime"), Some("2007-03-29T03:40:21Z"));
}

#[tokio::test]
async fn header_form_outside_the_skew_is_rejected() {
    let sixteen_minutes_later = GET_TIME + 16 * 60;
    let (status, body) = send(layer(sixteen_minutes_later), get_example(GET_CREDENTIALS)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "16 minutes of skew");
    assert_eq!(
        element(&body, "Code"),
        Some("RequestTimeTooSkewed"),
        "{body}"
    );
    assert_eq!(
        element(&body, "RequestTime"),
        Some("Tue, 27 Mar 2007 19:36:42 +0000"),
        "RequestTime as sent"
    );
    assert_eq!(element(&body, "MaxAllowedSkewMilliseconds"), Some("900000"));
}

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match_with_v2_diagnostics() {
    let draft = Request::get("/photos/puppy.jpg")
        .header("host", "johnsmith.s3.amazonaws.com")
        .header("date", "Tue, 27 Mar 2007 19:36:42 GMT")
        .body(Body::empty())
        .unwrap();
    let request = sign_header(draft, AKID, "not the secret", Some("johnsmith"));
    let (status, body) = send(layer(GET_TIME), request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "wrong secret");
    assert_eq!(
        element(&body, "Code"),
        Some("SignatureDoesNotMatch"),
        "{body}"
    );
    assert_eq!(element(&body, "AWSAccessKeyId"), Some(AKID));
    assert_eq!(
        element(&body, "StringToSign"),
        Some("GET\n\n\nTue, 27 Mar 2007 19:36:42 GMT\n/johnsmith/photos/puppy.jpg"),
        "the string to sign the server used"
    );
    assert!(element(&body, "SignatureProvided").is_some(), "{body}");
    assert!(element(&body, "StringToSignBytes").is_some(), "{body}");
    assert_eq!(
        element(&body, "CanonicalRequest"),
        None,
        "no SigV4 elements"
    );
}

#[tokio::test]
async fn malformed_header_is_invalid_argument() {
    let (status, body) = send(layer(GET_TIME), get_example("AKIAIOSFODNN7EXAMPLE")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no ':' in the credentials");
    assert_eq!(element(&body, "Code"), Some("InvalidArgument"), "{body}");
    assert_eq!(
        element(&body, "Message"),
        Some("AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
    );
    assert_eq!(element(&body, "ArgumentName"), Some("Authorization"));
}

#[tokio::test]
async fn unknown_key_after_the_time_checks() {
    let unknown = "AKIDNOBODYEXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=";
    let (status, body) = send(layer(GET_TIME), get_example(unknown)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "unknown key");
    assert_eq!(element(&body, "Code"), Some("InvalidAccessKeyId"), "{body}");

    let (_, body) = send(layer(GET_TIME + 3600), get_example(unknown)).await;
    assert_eq!(
        element(&body, "Code"),
        Some("RequestTimeTooSkewed"),
        "skew is checked before the lookup"
    );
}

#[tokio::test]
async fn signature_v2_can_be_switched_off() {
    let off = || layer(GET_TIME).signature_v2(SignatureV2::Reject);
    for (form, request) in [
        ("header", get_example(GET_CREDENTIALS)),
        ("query", presigned_get(QS_URI)),
    ] {
        let (status, body) = send(off(), request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{form} form switched off");
        assert_eq!(
            element(&body, "Code"),
            Some("AccessDenied"),
            "{form}: {body}"
        );
        assert_eq!(
            element(&body, "Message"),
            Some("Signature Version 2 is disabled on this server; please use AWS4-HMAC-SHA256."),
            "{form}: {body}"
        );
    }
}

#[tokio::test]
async fn changing_the_expiry_of_a_url_breaks_its_signature() {
    let later = QS_URI.replace("Expires=1175139620", "Expires=1175139621");
    let (status, body) = send(layer(GET_TIME), presigned_get(&later)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(
        element(&body, "Code"),
        Some("SignatureDoesNotMatch"),
        "{body}"
    );
    assert!(
        element(&body, "StringToSign").is_some_and(|sts| sts.contains("\n1175139621\n")),
        "the changed Expires is what was checked: {body}"
    );
}

#[tokio::test]
async fn sigv2_with_another_mechanism_is_refused() {
    let v4_query = "&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Signature=b";
    let mut header_and_v4_query = get_example(GET_CREDENTIALS);
    *header_and_v4_query.uri_mut() = format!("/photos/puppy.jpg?x=1{v4_query}").parse().unwrap();
    let mut v2_query_and_header = presigned_get(QS_URI);
    v2_query_and_header.headers_mut().insert(
        "authorization",
        format!("AWS {GET_CREDENTIALS}").parse().unwrap(),
    );
    let both_queries = presigned_get(&format!("{QS_URI}{v4_query}"));
    for (case, request) in [
        ("SigV2 header and SigV4 query", header_and_v4_query),
        ("SigV2 query and SigV2 header", v2_query_and_header),
        ("SigV2 query and SigV4 query", both_queries),
    ] {
        let (status, body) = send(layer(GET_TIME), request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {body}");
        assert_eq!(element(&body, "Code"), Some("InvalidArgument"), "{case}");
        assert!(
            body.contains("Only one auth mechanism allowed"),
            "{case}: {body}"
        );
    }
}

#[tokio::test]
async fn session_token_problems_of_the_v2_header_form() {
    let draft = |token: Option<&str>| {
        let mut request = Request::get("/photos/puppy.jpg")
            .header("host", "johnsmith.s3.amazonaws.com")
            .header("date", "Tue, 27 Mar 2007 19:36:42 GMT");
        if let Some(token) = token {
            request = request.header("x-amz-security-token", token);
        }
        request.body(Body::empty()).unwrap()
    };
    let cases = [
        (
            "wrong token",
            TEMPORARY,
            Some("another-token"),
            layer(GET_TIME),
            "InvalidToken",
        ),
        (
            "token for a permanent key",
            AKID,
            Some(TOKEN),
            layer(GET_TIME),
            "InvalidToken",
        ),
        (
            "token past its expiry",
            TEMPORARY,
            Some(TOKEN),
            expired_temporary_layer(),
            "ExpiredToken",
        ),
    ];
    for (case, akid, token, layer, code) in cases {
        let request = sign_header(draft(token), akid, SECRET, Some("johnsmith"));
        let (status, body) = send(layer, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{case}: {body}");
        assert_eq!(element(&body, "Code"), Some(code), "{case}: {body}");
    }
}

/// The GET example's time, with the temporary credential expired an hour before.
fn expired_temporary_layer() -> S3AuthLayer<StaticCredentials> {
    let store = StaticCredentials::new([Credential::new(TEMPORARY, SECRET)
        .with_session_token(TOKEN)
        .with_expiry(at(GET_TIME - 3600))]);
    S3AuthLayer::new(store)
        .clock(FixedClock(at(GET_TIME)))
        .domain("s3.amazonaws.com")
}

#[tokio::test]
async fn session_token_signed_in_header_or_query() {
    let draft = Request::get("/photos/puppy.jpg")
        .header("host", "johnsmith.s3.amazonaws.com")
        .header("date", "Tue, 27 Mar 2007 19:36:42 GMT")
        .header("x-amz-security-token", TOKEN)
        .body(Body::empty())
        .unwrap();
    let request = sign_header(draft, TEMPORARY, SECRET, Some("johnsmith"));
    let (status, body) = send(layer(GET_TIME), request).await;
    assert_eq!(status, StatusCode::OK, "token header, signed: {body}");
    assert_eq!(body, "role/reader SigV2Header None");

    let draft = Request::get("/photos/puppy.jpg")
        .header("host", "johnsmith.s3.amazonaws.com")
        .header("date", "Tue, 27 Mar 2007 19:36:42 GMT")
        .body(Body::empty())
        .unwrap();
    let request = sign_header(draft, TEMPORARY, SECRET, Some("johnsmith"));
    let (_, body) = send(layer(GET_TIME), request).await;
    assert_eq!(
        element(&body, "Code"),
        Some("InvalidToken"),
        "no token sent"
    );

    // A presigned URL carries the token as a query parameter, signed as an amz header.
    let expires = (GET_TIME + 60).to_string();
    let token_line = format!("x-amz-security-token:{TOKEN}\n");
    let sts = format!("GET\n\n\n{expires}\n{token_line}/johnsmith/photos/puppy.jpg");
    let encode = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let uri = format!(
        "/photos/puppy.jpg?AWSAccessKeyId={TEMPORARY}&Expires={expires}&Signature={}\
         &x-amz-security-token={}",
        encode(&sign_v2(SECRET, &sts)),
        encode(TOKEN)
    );
    let (status, body) = send(layer(GET_TIME), presigned_get(&uri)).await;
    assert_eq!(status, StatusCode::OK, "token in the query: {body}");
    assert_eq!(body, "role/reader SigV2Query None");
}

#[tokio::test]
async fn content_md5_is_checked_against_the_body() {
    let put = |body: &'static str| {
        let md5 = STANDARD.encode(Md5::digest(b"hello"));
        let draft = Request::put("/photos/note.txt")
            .header("host", "johnsmith.s3.amazonaws.com")
            .header("date", "Tue, 27 Mar 2007 19:36:42 GMT")
            .header("content-md5", md5)
            .header("content-type", "text/plain")
            .body(Body::from(body))
            .unwrap();
        sign_header(draft, AKID, SECRET, Some("johnsmith"))
    };
    let (status, body) = send(layer(GET_TIME), put("hello")).await;
    assert_eq!(status, StatusCode::OK, "matching body: {body}");
    let (_, body) = send(layer(GET_TIME), put("hullo")).await;
    assert_eq!(
        body, "body failed: BadDigest",
        "Content-MD5 signed, body differs"
    );
}
