//! Requests the SDK cannot make here, signed with `aws-sigv4` or presigned and sent with a
//! plain hyper client: virtual-hosted-style addressing (a DNS name per bucket), bodies that
//! contradict the payload hash they signed, unsigned requests, presigned URLs, and HTTP
//! trailers.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::Full;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};
use tower_s3_auth::presign::{PresignRequest, Presigner};
use tower_s3_auth::{Clock as _, Credential, SystemClock};

use super::checksums::{create_bucket, get_with_checksum};
use super::presign_subcommand::presigned_url;
use super::{
    ACCESS_KEY_ID, DOMAIN, REGION, SECRET, get_bytes, sdk, send, send_signed,
    start_recording_server, start_server,
};

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

#[tokio::test]
async fn sdk_and_own_presigned_urls_for_the_same_request_both_verify() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);
    s3.create_bucket()
        .bucket("media")
        .send()
        .await
        .expect("CreateBucket");
    s3.put_object()
        .bucket("media")
        .key("clips/one two.mp4")
        .body(ByteStream::from_static(b"moving pictures"))
        .send()
        .await
        .expect("PutObject");

    let now = SystemClock.now();
    let config = PresigningConfig::builder()
        .start_time(now)
        .expires_in(Duration::from_secs(600))
        .build()
        .expect("presigning");
    let by_sdk = s3
        .get_object()
        .bucket("media")
        .key("clips/one two.mp4")
        .presigned(config)
        .await
        .expect("presign GetObject");
    let request =
        PresignRequest::get("media", "clips/one two.mp4").expires_in(Duration::from_secs(600));
    let by_us = Presigner::new(&format!("http://{addr}"), REGION)
        .expect("an endpoint")
        .presign_v4(&Credential::new(ACCESS_KEY_ID, SECRET), &request, now)
        .expect("presign");
    for (who, url) in [
        ("aws-sdk-s3", by_sdk.uri().to_owned()),
        ("Presigner", by_us.url),
    ] {
        let fetched = send(
            Request::get(url.as_str())
                .body(Full::new(Bytes::new()))
                .expect(who),
        )
        .await;
        assert_eq!(
            fetched.status,
            StatusCode::OK,
            "{who}: {url}: {}",
            fetched.body
        );
        assert_eq!(fetched.body, "moving pictures", "{who}: the object");
    }
}

/// A request body of given frames: data, then HTTP trailers.
struct Frames(std::collections::VecDeque<http_body::Frame<Bytes>>);

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(self.0.pop_front().map(Ok))
    }
}

// The auth layer drops the HTTP trailers of the transport, so a checksum sent as one, which
// nobody declared or verified, must not reach the handler and be kept.
#[tokio::test]
async fn an_undeclared_http_trailer_is_not_kept_as_a_checksum() {
    let (addr, log) = start_recording_server().await;
    let s3 = sdk(addr, SECRET);
    create_bucket(&s3, "trailers").await;
    let upload = presigned_url(&[
        "--endpoint",
        &format!("http://{addr}"),
        "--access-key-id",
        ACCESS_KEY_ID,
        "--secret-access-key",
        SECRET,
        "--method",
        "PUT",
        "trailers",
        "key",
    ]);
    let mut trailers = HeaderMap::new();
    trailers.insert("x-amz-checksum-crc32", HeaderValue::from_static("AAAAAA=="));
    let frames = [
        http_body::Frame::data(Bytes::from_static(b"plain body")),
        http_body::Frame::trailers(trailers),
    ];
    let request = Request::put(upload.as_str())
        .header("trailer", "x-amz-checksum-crc32")
        .body(Frames(frames.into()))
        .expect("request with a trailer");
    let client = HyperClient::builder(TokioExecutor::new()).build_http();
    let response = client.request(request).await.expect("the server answers");
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "PUT with an HTTP trailer"
    );
    let sent = log.headers_of(&Method::PUT, "/trailers/key");
    assert_eq!(
        sent[0].get("transfer-encoding").map(|v| v.as_bytes()),
        Some(&b"chunked"[..]),
        "the trailer travelled in a chunked body"
    );

    let (output, read) = get_with_checksum(&s3, "trailers", "key").await;
    assert_eq!(read, b"plain body", "GetObject: the body");
    assert_eq!(
        output.checksum_crc32(),
        None,
        "an undeclared x-amz-checksum-crc32 HTTP trailer is not kept"
    );
}
