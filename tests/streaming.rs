//! Streaming uploads (`Content-Encoding: aws-chunked`) through an axum `Router` behind
//! `S3AuthLayer` (rules: S3-AUTH-RULES §4 and its checksum lines).
//!
//! Pinned: S3's published examples 06 and 07 decode to their payload; every mode × checksum
//! algorithm × chunk size round-trips with the verified checksum handed to the handler, and
//! the headers rewritten for it; plain uploads verify their checksum header;
//! `Transfer-Encoding: chunked` framing works through a real hyper server. The failures are
//! in `streaming_failures.rs`; `aws-sdk-s3`'s own streaming uploads, in the one test binary
//! that builds the SDK, `tests/sdk_s3_server/`.

mod common;
mod streaming_support;

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use bytes::Bytes;
use http::StatusCode;
use http_body::Frame;
use tower_s3_auth::{Credential, FixedClock, S3AuthLayer, StaticCredentials};

use common::s3_example::S3Example;
use streaming_support::encoder::plain_request;
use streaming_support::{Alg, App, Mode, Upload, layer, payload};

/// The encoded body of S3 example 06 or 07 (65536 + 1024 bytes of `a`), then `tail`.
fn example_body(example: &S3Example, tail: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, size) in [65536usize, 1024, 0].into_iter().enumerate() {
        let signature = example.section(&format!("chunk-{}-signature", i + 1));
        body.extend_from_slice(format!("{size:x};chunk-signature={signature}\r\n").as_bytes());
        if size > 0 {
            body.extend(std::iter::repeat_n(b'a', size));
            body.extend_from_slice(b"\r\n");
        }
    }
    body.extend_from_slice(tail.as_bytes());
    body
}

fn example_app(example: &S3Example) -> App {
    let store = StaticCredentials::new([Credential::new(
        example.meta("access_key_id"),
        example.meta("secret_access_key"),
    )]);
    App::new(S3AuthLayer::new(store).clock(FixedClock(example.amz_time())))
}

#[tokio::test]
async fn s3_example_06_signed_chunks() {
    let example = S3Example::load("sigv4/06-streaming-put-object.txt");
    let body = example_body(&example, "\r\n");
    assert_eq!(
        body.len().to_string(),
        example.meta("content_length"),
        "06 encoded length"
    );
    let request = example.request().to_http(Body::from(body));
    let (status, code, seen) = example_app(&example).send(request).await;
    let seen = seen.expect("06 reaches the handler");
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::OK, ""),
        "06: {:?}",
        seen.error
    );
    assert_eq!(seen.data, vec![b'a'; 66560], "06 payload, without framing");
    assert_eq!(
        seen.headers["content-length"], "66560",
        "06 Content-Length is decoded"
    );
    assert!(
        !seen.headers.contains_key("content-encoding"),
        "06 aws-chunked removed"
    );
}

#[tokio::test]
async fn s3_example_07_signed_trailer_with_crc32c() {
    let example = S3Example::load("sigv4/07-streaming-trailer-put-object.txt");
    let trailer = example.meta("trailer");
    let signature = example.section("trailer-signature");
    let tail = format!("{trailer}\r\nx-amz-trailer-signature:{signature}\r\n\r\n");
    // The example's seed signs no Content-Length, so the request carries none.
    let request = example
        .request()
        .to_http(Body::from(example_body(&example, &tail)));
    let (status, _, seen) = example_app(&example).send(request).await;
    let seen = seen.expect("07 reaches the handler");
    assert_eq!(status, StatusCode::OK, "07: {:?}", seen.error);
    assert_eq!(seen.data.len(), 66560, "07 payload");
    let trailers = seen
        .trailers
        .expect("07: the verified checksum is handed over");
    assert_eq!(trailers["x-amz-checksum-crc32c"], "sOO8/Q==", "07 crc32c");
}

#[tokio::test]
async fn s3_example_07_with_a_wrong_trailer_signature_fails() {
    let example = S3Example::load("sigv4/07-streaming-trailer-put-object.txt");
    let signature = example.section("chunk-3-signature"); // a valid hex, not the trailer's
    let tail =
        format!("x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:{signature}\r\n\r\n");
    let request = example
        .request()
        .to_http(Body::from(example_body(&example, &tail)));
    let (status, code, seen) = example_app(&example).send(request).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "SignatureDoesNotMatch"),
        "07 trailer"
    );
    let seen = seen.expect("the handler read the body");
    assert_eq!(
        seen.extra("StringToSign"),
        Some(example.section("trailer-string-to-sign")),
        "07: the trailer's string to sign is S3's"
    );
}

/// Sends `upload` and asserts it is accepted whole, with the checksum handed over.
async fn assert_round_trip(app: &App, upload: &Upload, case: &str) {
    let encoded = upload.encode();
    let (status, code, seen) = app.upload(&encoded).await;
    let seen = seen.unwrap_or_else(|| panic!("{case}: refused by the layer with {code}"));
    assert_eq!(status, StatusCode::OK, "{case}: {:?}", seen.error);
    assert!(seen.data == upload.payload, "{case}: payload differs");
    assert_eq!(
        seen.headers["content-length"],
        upload.payload.len().to_string().as_str(),
        "{case}: decoded Content-Length"
    );
    assert!(
        !seen.headers.contains_key("content-encoding"),
        "{case}: aws-chunked removed"
    );
    match upload.checksum {
        Some(alg) => {
            let trailers = seen
                .trailers
                .unwrap_or_else(|| panic!("{case}: no checksum trailers"));
            assert_eq!(
                trailers[alg.header_name()],
                alg.value(&upload.payload).as_str(),
                "{case}: verified checksum"
            );
        }
        None => assert!(seen.trailers.is_none(), "{case}: no checksum, no trailers"),
    }
}

#[tokio::test]
async fn every_mode_checksum_and_chunk_size_round_trips() {
    let app = App::new(layer());
    // Chunk sizes (1 byte, 8 KiB − 1, 64 KiB, 1 MiB) with a smaller last chunk, and an
    // empty body (only the final chunk).
    let shapes = [
        (1, 3),
        (8191, 8191 * 2 + 100),
        (65536, 65536 + 7),
        (1 << 20, (1 << 20) + 5),
        (64, 0),
    ];
    for (chunk, len) in shapes {
        let data = payload(len);
        for mode in Mode::ALL {
            let checksums = std::iter::once(None).chain(Alg::ALL.map(Some));
            for checksum in checksums {
                let mut upload = Upload::new(mode, data.clone(), chunk);
                if let Some(alg) = checksum {
                    upload = upload.checksum(alg);
                }
                let case = format!("{mode:?}, chunks of {chunk}, {len} bytes, {checksum:?}");
                assert_round_trip(&app, &upload, &case).await;
            }
        }
    }
}

#[tokio::test]
async fn header_checksums_in_trailer_modes_and_sdk_forms() {
    let app = App::new(layer());
    let data = payload(20_000);
    for mode in [Mode::SignedTrailer, Mode::UnsignedTrailer] {
        let mut upload = Upload::new(mode, data.clone(), 8192).checksum(Alg::Sha256);
        upload.checksum_in_header = true;
        assert_round_trip(&app, &upload, &format!("{mode:?} with a header checksum")).await;

        let mut upload = Upload::new(mode, data.clone(), 8192).checksum(Alg::Crc32);
        upload.blank_before_trailer = true;
        assert_round_trip(
            &app,
            &upload,
            &format!("{mode:?} with a blank line before the trailer"),
        )
        .await;
    }
}

#[tokio::test]
async fn content_md5_and_other_codings_survive_streaming() {
    use base64::Engine as _;
    use md5::Digest as _;

    let app = App::new(layer());
    let data = payload(10_000);
    let md5 = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(&data));
    let upload = Upload::new(Mode::SignedTrailer, data.clone(), 8192)
        .checksum(Alg::Sha1)
        .header("content-md5", &md5)
        .without("content-encoding")
        .header("content-encoding", "aws-chunked, gzip");
    let (status, _, seen) = app.upload(&upload.encode()).await;
    let seen = seen.expect("the handler is called");
    assert_eq!(
        status,
        StatusCode::OK,
        "matching Content-MD5: {:?}",
        seen.error
    );
    assert_eq!(
        seen.headers["content-encoding"], "gzip",
        "aws-chunked alone is removed"
    );
}

#[tokio::test]
async fn plain_uploads_verify_checksum_headers() {
    use sha2::Digest as _;

    let app = App::new(layer());
    let data = payload(5000);
    let sha256 = hex::encode(sha2::Sha256::digest(&data));
    for alg in Alg::ALL {
        for declared in [sha256.as_str(), "UNSIGNED-PAYLOAD"] {
            let value = alg.value(&data);
            let case = format!("{alg:?} header on a {declared} PUT");
            let request = plain_request(&data, declared, &[(alg.header_name(), &value)]);
            let (status, _, seen) = app.send(request).await;
            let seen = seen.expect("the handler is called");
            assert_eq!(status, StatusCode::OK, "{case}: {:?}", seen.error);
            let trailers = seen
                .trailers
                .unwrap_or_else(|| panic!("{case}: no trailers"));
            assert_eq!(
                trailers[alg.header_name()],
                value.as_str(),
                "{case}: verified value"
            );

            let wrong = alg.value(b"other");
            let request = plain_request(&data, declared, &[(alg.header_name(), &wrong)]);
            let (status, code, seen) = app.send(request).await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::BAD_REQUEST, "BadDigest"),
                "{case}: wrong value"
            );
            let message = format!(
                "The {} you specified did not match the calculated checksum.",
                alg.name()
            );
            assert_eq!(
                seen.and_then(|s| s.message().map(str::to_owned)),
                Some(message),
                "{case}: message"
            );
        }
    }
}

/// A body of several frames with no known length, so hyper sends it with
/// `Transfer-Encoding: chunked`.
struct Trickle(VecDeque<Bytes>);

impl http_body::Body for Trickle {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.get_mut().0.pop_front().map(|b| Ok(Frame::data(b))))
    }
}

#[tokio::test]
async fn transfer_encoding_chunked_through_a_real_server() {
    let app = App::new(layer());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("a bound address");
    let router = app.router();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let data = payload(100_000);
    let mut upload = Upload::new(Mode::SignedTrailer, data.clone(), 16384).checksum(Alg::Crc64Nvme);
    upload.content_length = false;
    let encoded = upload.encode();
    let pieces = encoded
        .body
        .chunks(1000)
        .map(Bytes::copy_from_slice)
        .collect();
    let mut request = http::Request::put(format!("http://{address}/bucket/object"))
        .body(Trickle(pieces))
        .expect("a valid request");
    for (name, value) in &encoded.headers {
        let name = http::HeaderName::from_bytes(name.as_bytes()).expect("a header name");
        request
            .headers_mut()
            .append(name, value.parse().expect("a header value"));
    }
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<Trickle>();
    let response = client.request(request).await.expect("the server answers");
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "chunked transfer of an aws-chunked body"
    );

    let seen = app.last();
    assert_eq!(
        seen.headers["transfer-encoding"], "chunked",
        "the transport framed it"
    );
    assert!(
        !seen.headers.contains_key("content-length"),
        "no Content-Length is invented"
    );
    assert!(seen.data == data, "the payload arrived whole");
    let trailers = seen.trailers.expect("the checksum is handed over");
    assert_eq!(
        trailers["x-amz-checksum-crc64nvme"],
        Alg::Crc64Nvme.value(&data).as_str(),
        "crc64nvme"
    );
    server.abort();
}
