//! The example S3 server (`examples/s3_server`), started in this process on 127.0.0.1:0, driven
//! by the Rust `aws-sdk-s3` client: a stock client must be able to use a server behind
//! `S3AuthLayer` for the basic bucket and object operations, and see S3's error codes.
//!
//! Virtual-hosted-style addressing needs a DNS name per bucket, which the SDK cannot resolve
//! here; those requests are signed with `aws-sigv4` and sent with a raw hyper client, as are
//! the requests whose body contradicts the payload hash they signed and the SDK's presigned
//! URLs.

#[path = "../examples/s3_server/app.rs"]
mod app;

use std::net::SocketAddr;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{
    BehaviorVersion, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, EncodingType, MetadataDirective, ObjectIdentifier};
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};
use tower_s3_auth::{Clock as _, Credential, SystemClock};

const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const PRINCIPAL: &str = "alice";
const REGION: &str = "us-east-1";
/// The base domain of virtual-hosted-style requests.
const DOMAIN: &str = "s3.test";

/// Starts the example server on an ephemeral port of this test's runtime.
async fn start_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let options = app::Options {
        region: REGION.to_owned(),
        domains: vec![DOMAIN.to_owned()],
        credentials: vec![Credential::new(ACCESS_KEY_ID, SECRET).with_principal(PRINCIPAL)],
    };
    tokio::spawn(app::serve(listener, options));
    addr
}

/// An SDK client for the server, path-style, over plain HTTP.
fn sdk(addr: SocketAddr, secret: &str) -> Client {
    let config = aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(format!("http://{addr}"))
        .force_path_style(true)
        .credentials_provider(Credentials::new(ACCESS_KEY_ID, secret, None, None, "test"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        // Current SDKs compute a CRC32 for every upload by default: in a header for an
        // in-memory body, in an `aws-chunked` trailer for a streaming one. Asking for
        // checksums only where an operation requires them (DeleteObjects, as a header) keeps
        // every body plain, so these tests exercise the server's operations, not the layer's
        // streaming decoder; the server keeps no checksums for responses to carry either.
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .build();
    Client::from_conf(config)
}

async fn put(client: &Client, bucket: &str, key: &str, body: &'static [u8]) {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from_static(body))
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutObject {bucket}/{key}: {e:?}"));
}

async fn get_bytes(client: &Client, bucket: &str, key: &str, range: Option<&str>) -> Bytes {
    let output = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_range(range.map(str::to_owned))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetObject {bucket}/{key} {range:?}: {e:?}"));
    output
        .body
        .collect()
        .await
        .expect("GetObject body")
        .into_bytes()
}

/// The S3 error code of a failed SDK call.
fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> String {
    let error = result.expect_err("the call fails");
    error.code().unwrap_or("<no code>").to_owned()
}

#[tokio::test]
async fn sdk_bucket_and_object_round_trip() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);

    s3.create_bucket()
        .bucket("photos")
        .send()
        .await
        .expect("CreateBucket");
    s3.head_bucket()
        .bucket("photos")
        .send()
        .await
        .expect("HeadBucket");
    let location = s3
        .get_bucket_location()
        .bucket("photos")
        .send()
        .await
        .expect("location");
    assert_eq!(
        location.location_constraint().map_or("", |c| c.as_str()),
        "",
        "GetBucketLocation: us-east-1 is the empty constraint"
    );
    let buckets = s3.list_buckets().send().await.expect("ListBuckets");
    let names: Vec<_> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["photos"], "ListBuckets: the new bucket");
    let owner = buckets.owner().and_then(|o| o.id());
    assert_eq!(
        owner,
        Some(PRINCIPAL),
        "ListBuckets: the owner is the caller's principal"
    );

    s3.put_object()
        .bucket("photos")
        .key("2026/cat.txt")
        .content_type("text/plain")
        .metadata("color", "grey")
        .body(ByteStream::from_static(b"a cat sat on the mat"))
        .send()
        .await
        .expect("PutObject with content type and metadata");
    let body = get_bytes(&s3, "photos", "2026/cat.txt", None).await;
    assert_eq!(
        &body[..],
        b"a cat sat on the mat",
        "GetObject: the stored body"
    );

    let ranged = s3
        .get_object()
        .bucket("photos")
        .key("2026/cat.txt")
        .range("bytes=2-4")
        .send()
        .await
        .expect("GetObject with a range");
    assert_eq!(
        ranged.content_range(),
        Some("bytes 2-4/20"),
        "GetObject range: Content-Range"
    );
    let part = ranged
        .body
        .collect()
        .await
        .expect("range body")
        .into_bytes();
    assert_eq!(&part[..], b"cat", "GetObject range: bytes 2-4");
    let suffix = get_bytes(&s3, "photos", "2026/cat.txt", Some("bytes=-3")).await;
    assert_eq!(&suffix[..], b"mat", "GetObject range: the last 3 bytes");

    let head = s3
        .head_object()
        .bucket("photos")
        .key("2026/cat.txt")
        .send()
        .await
        .expect("HeadObject");
    assert_eq!(head.content_length(), Some(20), "HeadObject: length");
    assert_eq!(
        head.content_type(),
        Some("text/plain"),
        "HeadObject: content type kept"
    );
    let color = head
        .metadata()
        .and_then(|m| m.get("color"))
        .map(String::as_str);
    assert_eq!(color, Some("grey"), "HeadObject: x-amz-meta-color kept");
    let md5 = format!("\"{}\"", hex_md5(b"a cat sat on the mat"));
    assert_eq!(
        head.e_tag(),
        Some(md5.as_str()),
        "HeadObject: ETag is the quoted MD5"
    );

    let copy = s3
        .copy_object()
        .bucket("photos")
        .key("2026/cat-copy.txt")
        .copy_source("photos/2026/cat.txt")
        .send()
        .await
        .expect("CopyObject");
    let etag = copy.copy_object_result().and_then(|r| r.e_tag());
    assert_eq!(etag, Some(md5.as_str()), "CopyObject: the copy's ETag");
    let copied = s3
        .head_object()
        .bucket("photos")
        .key("2026/cat-copy.txt")
        .send()
        .await
        .expect("HeadObject of the copy");
    assert_eq!(
        copied.content_type(),
        Some("text/plain"),
        "CopyObject: COPY keeps headers"
    );
    s3.copy_object()
        .bucket("photos")
        .key("2026/cat-copy.txt")
        .copy_source("/photos/2026/cat.txt")
        .metadata_directive(MetadataDirective::Replace)
        .content_type("application/json")
        .send()
        .await
        .expect("CopyObject with REPLACE");
    let replaced = s3
        .head_object()
        .bucket("photos")
        .key("2026/cat-copy.txt")
        .send()
        .await
        .expect("HeadObject of the replacing copy");
    assert_eq!(
        replaced.content_type(),
        Some("application/json"),
        "CopyObject: REPLACE takes the request's headers"
    );
    assert!(
        replaced.metadata().is_none_or(|m| m.is_empty()),
        "CopyObject: REPLACE drops the source's metadata"
    );
    put(&s3, "photos", "2026/dog.txt", b"woof").await;
    put(&s3, "photos", "index.html", b"<html/>").await;

    let listed = s3
        .list_objects_v2()
        .bucket("photos")
        .prefix("2026/")
        .delimiter("/")
        .send()
        .await
        .expect("ListObjectsV2");
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        ["2026/cat-copy.txt", "2026/cat.txt", "2026/dog.txt"],
        "ListObjectsV2: keys under the prefix, sorted"
    );
    assert_eq!(listed.key_count(), Some(3), "ListObjectsV2: KeyCount");
    let top = s3
        .list_objects_v2()
        .bucket("photos")
        .delimiter("/")
        .send()
        .await
        .expect("ListObjectsV2 at the top");
    let prefixes: Vec<_> = top
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, ["2026/"], "ListObjectsV2: CommonPrefixes");
    let keys: Vec<_> = top.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["index.html"], "ListObjectsV2: the top-level key");
    let v1 = s3
        .list_objects()
        .bucket("photos")
        .marker("2026/cat.txt")
        .send()
        .await
        .expect("ListObjects v1");
    let keys: Vec<_> = v1.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        ["2026/dog.txt", "index.html"],
        "ListObjects v1: after the marker"
    );

    let not_empty = s3.delete_bucket().bucket("photos").send().await;
    assert_eq!(
        code(not_empty),
        "BucketNotEmpty",
        "DeleteBucket of a bucket with objects"
    );

    let batch = Delete::builder()
        .objects(
            ObjectIdentifier::builder()
                .key("2026/cat.txt")
                .build()
                .expect("id"),
        )
        .objects(
            ObjectIdentifier::builder()
                .key("2026/cat-copy.txt")
                .build()
                .expect("id"),
        )
        .objects(
            ObjectIdentifier::builder()
                .key("never-existed")
                .build()
                .expect("id"),
        )
        .build()
        .expect("Delete");
    let deleted = s3
        .delete_objects()
        .bucket("photos")
        .delete(batch)
        .send()
        .await
        .expect("DeleteObjects");
    let keys: Vec<_> = deleted.deleted().iter().filter_map(|d| d.key()).collect();
    assert_eq!(
        keys,
        ["2026/cat.txt", "2026/cat-copy.txt", "never-existed"],
        "DeleteObjects: every key reported deleted, missing ones too"
    );
    assert!(deleted.errors().is_empty(), "DeleteObjects: no errors");
    let quiet = Delete::builder()
        .objects(
            ObjectIdentifier::builder()
                .key("2026/dog.txt")
                .build()
                .expect("id"),
        )
        .quiet(true)
        .build()
        .expect("Delete");
    let deleted = s3
        .delete_objects()
        .bucket("photos")
        .delete(quiet)
        .send()
        .await
        .expect("DeleteObjects, quiet");
    assert!(
        deleted.deleted().is_empty(),
        "DeleteObjects: quiet reports no successes"
    );
    for key in ["index.html", "already-gone"] {
        s3.delete_object()
            .bucket("photos")
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DeleteObject {key}: {e:?}"));
    }
    let gone = s3
        .get_object()
        .bucket("photos")
        .key("2026/cat.txt")
        .send()
        .await;
    assert_eq!(code(gone), "NoSuchKey", "GetObject after DeleteObjects");

    s3.delete_bucket()
        .bucket("photos")
        .send()
        .await
        .expect("DeleteBucket");
    let gone = s3.head_bucket().bucket("photos").send().await;
    assert!(gone.is_err(), "HeadBucket after DeleteBucket fails");
}

fn hex_md5(data: &[u8]) -> String {
    hex::encode(<md5::Md5 as Digest>::digest(data))
}

#[tokio::test]
async fn sdk_listings_paginate_and_url_encode() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);
    s3.create_bucket()
        .bucket("logs")
        .send()
        .await
        .expect("CreateBucket");
    for key in ["a.txt", "b/1", "b/2", "c.txt", "d/1", "e f+g\u{fc}.txt"] {
        put(&s3, "logs", key, b"x").await;
    }

    // ListObjectsV2, two entries a page: a common prefix counts as one entry and is not
    // repeated on the next page.
    let mut pages = Vec::new();
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket("logs")
            .delimiter("/")
            .max_keys(2)
            .set_continuation_token(token.take())
            .send()
            .await
            .expect("ListObjectsV2 page");
        let mut names: Vec<String> = page
            .contents()
            .iter()
            .filter_map(|o| o.key())
            .map(str::to_owned)
            .collect();
        names.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix())
                .map(str::to_owned),
        );
        pages.push(names);
        match page.next_continuation_token() {
            Some(next) => {
                assert_eq!(
                    page.is_truncated(),
                    Some(true),
                    "ListObjectsV2: truncated page"
                );
                token = Some(next.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(
        pages,
        [
            vec!["a.txt", "b/"],
            vec!["c.txt", "d/"],
            vec!["e f+g\u{fc}.txt"]
        ],
        "ListObjectsV2: pages of keys and common prefixes"
    );

    // ListObjects v1 with a delimiter returns NextMarker.
    let first = s3
        .list_objects()
        .bucket("logs")
        .delimiter("/")
        .max_keys(2)
        .send()
        .await
        .expect("ListObjects v1 page 1");
    assert_eq!(
        first.next_marker(),
        Some("b/"),
        "ListObjects v1: NextMarker"
    );
    let second = s3
        .list_objects()
        .bucket("logs")
        .delimiter("/")
        .max_keys(2)
        .marker("b/")
        .send()
        .await
        .expect("ListObjects v1 page 2");
    let keys: Vec<_> = second.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        ["c.txt"],
        "ListObjects v1: resumes after the common prefix"
    );

    // encoding-type=url: the SDK hands the encoded names over as they came.
    let encoded = s3
        .list_objects_v2()
        .bucket("logs")
        .prefix("e f")
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .expect("ListObjectsV2 encoding-type=url");
    let keys: Vec<_> = encoded.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        ["e%20f%2Bg%C3%BC.txt"],
        "encoding-type=url: Key encoded"
    );
    assert_eq!(
        encoded.prefix(),
        Some("e%20f"),
        "encoding-type=url: Prefix encoded"
    );

    // An empty delimiter is no delimiter.
    let flat = s3
        .list_objects_v2()
        .bucket("logs")
        .delimiter("")
        .send()
        .await
        .expect("ListObjectsV2 with an empty delimiter");
    assert_eq!(
        flat.key_count(),
        Some(6),
        "empty delimiter: every key, none folded"
    );
}

#[tokio::test]
async fn sdk_sees_s3_error_codes() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);

    let missing = s3.list_objects_v2().bucket("nope").send().await;
    assert_eq!(
        code(missing),
        "NoSuchBucket",
        "ListObjectsV2 of a missing bucket"
    );
    let invalid = s3.create_bucket().bucket("Bad_Name").send().await;
    assert_eq!(
        code(invalid),
        "InvalidBucketName",
        "CreateBucket with an invalid name"
    );

    s3.create_bucket()
        .bucket("data")
        .send()
        .await
        .expect("CreateBucket");
    let again = s3.create_bucket().bucket("data").send().await;
    assert_eq!(code(again), "BucketAlreadyOwnedByYou", "CreateBucket twice");
    let missing = s3.get_object().bucket("data").key("nothing").send().await;
    assert_eq!(code(missing), "NoSuchKey", "GetObject of a missing key");
    let missing = s3.head_object().bucket("data").key("nothing").send().await;
    let missing = missing.expect_err("HeadObject of a missing key fails");
    assert!(
        missing.into_service_error().is_not_found(),
        "HeadObject: 404 NotFound"
    );

    put(&s3, "data", "ten", b"0123456789").await;
    let past_end = s3
        .get_object()
        .bucket("data")
        .key("ten")
        .range("bytes=10-")
        .send()
        .await;
    assert_eq!(
        code(past_end),
        "InvalidRange",
        "GetObject of a range past the end"
    );
    let missing = s3
        .copy_object()
        .bucket("data")
        .key("copy")
        .copy_source("data/nothing")
        .send()
        .await;
    assert_eq!(code(missing), "NoSuchKey", "CopyObject from a missing key");
}

#[tokio::test]
async fn sdk_with_a_wrong_secret_gets_signature_does_not_match() {
    let addr = start_server().await;
    let wrong = sdk(addr, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET");
    let refused = wrong.list_buckets().send().await;
    assert_eq!(
        code(refused),
        "SignatureDoesNotMatch",
        "ListBuckets with a wrong secret"
    );
    let refused = wrong.create_bucket().bucket("mine").send().await;
    assert_eq!(
        code(refused),
        "SignatureDoesNotMatch",
        "CreateBucket with a wrong secret"
    );

    // Nothing was created by the refused request.
    let buckets = sdk(addr, SECRET)
        .list_buckets()
        .send()
        .await
        .expect("ListBuckets");
    assert!(
        buckets.buckets().is_empty(),
        "a refused CreateBucket creates nothing"
    );
}

/// A response read to its end.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

/// Sends a request to the server as an S3 client signs it (`aws-sigv4`, S3 settings), with
/// `host` as the `Host` header. `declared` is the payload hash to sign; by default the body's.
async fn send_signed(
    addr: SocketAddr,
    method: &str,
    host: &str,
    target: &str,
    body: &'static [u8],
    declared: Option<&str>,
) -> Reply {
    let identity = Credentials::new(ACCESS_KEY_ID, SECRET, None, None, "test").into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("s3")
        .time(SystemClock.now())
        .settings(settings)
        .build()
        .expect("signing parameters")
        .into();
    let hash = declared.map_or_else(|| hex::encode(Sha256::digest(body)), str::to_owned);
    let signable = SignableRequest::new(
        method,
        format!("http://{host}{target}"),
        [("host", host)].into_iter(),
        SignableBody::Precomputed(hash),
    )
    .expect("signable request");
    let (instructions, _) = sign(signable, &params).expect("signing").into_parts();

    let mut request = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{target}"))
        .header("host", host)
        .body(Full::new(Bytes::from_static(body)))
        .expect("request");
    instructions.apply_to_request_http1x(&mut request);
    send(request).await
}

async fn send(request: Request<Full<Bytes>>) -> Reply {
    let client = HyperClient::builder(TokioExecutor::new()).build_http();
    let response = client.request(request).await.expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("response body")
        .to_bytes();
    let body = String::from_utf8(body.to_vec()).expect("a UTF-8 body");
    Reply {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn a_body_that_contradicts_its_signed_hash_is_refused_and_not_stored() {
    let addr = start_server().await;
    let host = addr.to_string();
    let created = send_signed(addr, "PUT", &host, "/vault", b"", None).await;
    assert_eq!(
        created.status,
        StatusCode::OK,
        "CreateBucket signed by aws-sigv4"
    );

    let other = hex::encode(Sha256::digest(b"not this body"));
    let refused = send_signed(
        addr,
        "PUT",
        &host,
        "/vault/secret",
        b"this body",
        Some(&other),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "PutObject whose body does not hash to x-amz-content-sha256: 400, not 500"
    );
    assert!(
        refused
            .body
            .contains("<Code>XAmzContentSHA256Mismatch</Code>"),
        "PutObject with a wrong body hash: the layer's S3 error, got {}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains(&format!("<ClientComputedContentSHA256>{other}")),
        "PutObject with a wrong body hash: the extras of the layer's error"
    );
    let missing = send_signed(addr, "GET", &host, "/vault/secret", b"", None).await;
    assert_eq!(
        missing.status,
        StatusCode::NOT_FOUND,
        "the refused object was not stored"
    );
    assert!(
        missing.body.contains("<Code>NoSuchKey</Code>"),
        "GetObject: NoSuchKey"
    );
}

#[tokio::test]
async fn virtual_hosted_style_names_the_bucket_in_the_host() {
    let addr = start_server().await;
    let vhost = format!("site.{DOMAIN}:{}", addr.port());

    let created = send_signed(addr, "PUT", &vhost, "/", b"", None).await;
    assert_eq!(
        created.status,
        StatusCode::OK,
        "CreateBucket by Host: bucket.{DOMAIN}"
    );
    let stored = send_signed(addr, "PUT", &vhost, "/docs/a%20b.txt", b"hello", None).await;
    assert_eq!(
        stored.status,
        StatusCode::OK,
        "PutObject by Host: {}",
        stored.body
    );

    // The same object, path style through the SDK.
    let s3 = sdk(addr, SECRET);
    let body = get_bytes(&s3, "site", "docs/a b.txt", None).await;
    assert_eq!(
        &body[..],
        b"hello",
        "virtual-hosted PutObject is the path-style object"
    );

    let listed = send_signed(addr, "GET", &vhost, "/?list-type=2", b"", None).await;
    assert_eq!(listed.status, StatusCode::OK, "ListObjectsV2 by Host");
    assert!(
        listed.body.contains("<Name>site</Name>")
            && listed.body.contains("<Key>docs/a b.txt</Key>"),
        "ListObjectsV2 by Host lists the bucket: {}",
        listed.body
    );

    // The domain itself is path style.
    let apex = format!("{DOMAIN}:{}", addr.port());
    let path_style = send_signed(addr, "GET", &apex, "/site/docs/a%20b.txt", b"", None).await;
    assert_eq!(path_style.body, "hello", "Host: {DOMAIN} is path style");
}

#[tokio::test]
async fn an_unsigned_request_is_refused_with_access_denied_xml() {
    let addr = start_server().await;
    let request = Request::get(format!("http://{addr}/"))
        .body(Full::new(Bytes::new()))
        .expect("request");
    let refused = send(request).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "anonymous GET /: 403"
    );
    assert!(
        refused.body.contains("<Code>AccessDenied</Code>"),
        "anonymous GET /: AccessDenied, got {}",
        refused.body
    );
    assert!(
        refused.headers.contains_key("x-amz-request-id"),
        "anonymous GET /: x-amz-request-id"
    );
}

#[tokio::test]
async fn sdk_presigned_urls_are_served() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);
    s3.create_bucket()
        .bucket("shared")
        .send()
        .await
        .expect("CreateBucket");
    let config = || PresigningConfig::expires_in(Duration::from_secs(300)).expect("presigning");

    let upload = s3
        .put_object()
        .bucket("shared")
        .key("report.txt")
        .presigned(config())
        .await
        .expect("presign PutObject");
    let mut request = Request::put(upload.uri());
    for (name, value) in upload.headers() {
        request = request.header(name, value);
    }
    let request = request.body(Full::new(Bytes::from_static(b"quarterly numbers")));
    let stored = send(request.expect("presigned PUT")).await;
    assert_eq!(
        stored.status,
        StatusCode::OK,
        "presigned PutObject: {}",
        stored.body
    );

    let download = s3
        .get_object()
        .bucket("shared")
        .key("report.txt")
        .presigned(config())
        .await
        .expect("presign GetObject");
    let request = Request::get(download.uri()).body(Full::new(Bytes::new()));
    let fetched = send(request.expect("presigned GET")).await;
    assert_eq!(fetched.status, StatusCode::OK, "presigned GetObject");
    assert_eq!(
        fetched.body, "quarterly numbers",
        "presigned GetObject: the uploaded body"
    );
}
