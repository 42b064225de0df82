//! Streaming uploads that must fail (rules: S3-AUTH-RULES §4 and its checksum lines): a
//! changed byte anywhere and a cut anywhere (but the tolerated closing CRLFs) fail before the
//! end of the body, never with a 500 and never handing unverified data over; each failure
//! has S3's code and message; the chunk size policy and cap.

mod streaming_support;

use http::StatusCode;
use tower_s3_auth::{
    ChunkSizePolicy, Credential, ErrorKind, FixedClock, S3AuthLayer, StaticCredentials,
};

use streaming_support::{Alg, App, Encoded, Mode, Upload, layer, payload};

/// Small uploads whose every byte the tampering and truncation tests visit.
fn small_uploads() -> Vec<(&'static str, Upload)> {
    let data = payload(25);
    vec![
        ("signed", Upload::new(Mode::Signed, data.clone(), 10)),
        (
            "signed, crc64nvme header",
            Upload::new(Mode::Signed, data.clone(), 10).checksum(Alg::Crc64Nvme),
        ),
        (
            "signed trailer, crc32",
            Upload::new(Mode::SignedTrailer, data.clone(), 10).checksum(Alg::Crc32),
        ),
        (
            "unsigned trailer, crc32c",
            Upload::new(Mode::UnsignedTrailer, data, 10).checksum(Alg::Crc32c),
        ),
    ]
}

/// Asserts that `encoded` fails while the body is read, with a 4xx, and that in the signed
/// modes the handler got no byte that is not the payload's.
async fn assert_fails(app: &App, upload: &Upload, encoded: &Encoded, case: &str) {
    let (status, code, seen) = app.upload(encoded).await;
    assert!(
        status.is_client_error(),
        "{case}: status {status}, code {code}"
    );
    if let Some(seen) = seen {
        assert!(seen.error.is_some(), "{case}: the body ended cleanly");
        if upload.mode.signed() {
            assert!(
                upload.payload.starts_with(&seen.data),
                "{case}: unverified data reached the handler"
            );
        }
    }
}

#[tokio::test]
async fn a_changed_byte_anywhere_fails() {
    let app = App::new(layer());
    for (name, upload) in small_uploads() {
        let encoded = upload.encode();
        for at in 0..encoded.body.len() {
            let mut body = encoded.body.clone();
            body[at] ^= 0x01;
            let byte = encoded.body[at] as char;
            let case = format!("{name}: byte {at} ({byte:?}) changed");
            assert_fails(&app, &upload, &encoded.with_body(body), &case).await;
        }
    }
}

#[tokio::test]
async fn a_cut_anywhere_fails_but_the_closing_crlfs() {
    let app = App::new(layer());
    for (name, upload) in small_uploads() {
        let encoded = upload.encode();
        let tolerated = encoded.body.len() - encoded.tolerated_tail;
        for cut in 0..tolerated {
            let case = format!("{name}: cut at {cut} of {}", encoded.body.len());
            let truncated = encoded.with_body(encoded.body[..cut].to_vec());
            assert_fails(&app, &upload, &truncated, &case).await;
        }
        for cut in tolerated..=encoded.body.len() {
            let truncated = encoded.with_body(encoded.body[..cut].to_vec());
            let (status, code, _) = app.upload(&truncated).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{name}: a missing closing CRLF is tolerated ({cut}): {code}"
            );
        }
    }
}

/// Sends `encoded` and returns the status and the S3 code, from the layer or the body.
async fn outcome(app: &App, encoded: &Encoded) -> (StatusCode, String, Option<String>) {
    let (status, code, seen) = app.upload(encoded).await;
    let message = seen.as_ref().and_then(|s| s.message().map(str::to_owned));
    (status, code, message)
}

#[tokio::test]
async fn each_failure_has_s3s_code() {
    let app = App::new(layer());
    let data = payload(20_000);
    let unsigned = || Upload::new(Mode::UnsignedTrailer, data.clone(), 8192);
    let signed = || Upload::new(Mode::Signed, data.clone(), 8192);

    let missing_length = signed().without("x-amz-decoded-content-length").encode();
    let claiming = |length: &str| {
        let mut upload = signed();
        upload.claimed_length = Some(length.to_owned());
        upload.encode()
    };
    let long_length = claiming("20001");
    let short_length = claiming("19999");
    let bad_length = claiming("20k");

    let checksum_upload = unsigned().checksum(Alg::Crc32);
    let encoded = checksum_upload.encode();
    let line = format!("x-amz-checksum-crc32:{}\r\n", Alg::Crc32.value(&data));
    let without_trailer = encoded.with_body(replace(&encoded.body, &line, ""));
    let wrong_value = encoded.with_body(replace(
        &encoded.body,
        &line,
        "x-amz-checksum-crc32:AAAAAA==\r\n",
    ));
    let bad_value = encoded.with_body(replace(
        &encoded.body,
        &line,
        "x-amz-checksum-crc32:AAAA\r\n",
    ));

    let undeclared = unsigned().encode();
    let undeclared = undeclared.with_body(replace(
        &undeclared.body,
        "\r\n0\r\n",
        &format!("\r\n0\r\n{line}"),
    ));

    let wrong_header_checksum = signed()
        .header("x-amz-checksum-sha256", &Alg::Sha256.value(b"other"))
        .encode();

    let cases: Vec<(&str, Encoded, StatusCode, &str, Option<&str>)> = vec![
        (
            "missing x-amz-decoded-content-length",
            missing_length,
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            None,
        ),
        (
            "decoded length larger than sent",
            long_length,
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            None,
        ),
        (
            "decoded length smaller than sent",
            short_length,
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            None,
        ),
        (
            "decoded length not a number",
            bad_length,
            StatusCode::BAD_REQUEST,
            "InvalidArgument",
            None,
        ),
        (
            "declared trailer missing",
            without_trailer,
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            None,
        ),
        (
            "undeclared trailer",
            undeclared,
            StatusCode::BAD_REQUEST,
            "MalformedTrailerError",
            None,
        ),
        (
            "wrong trailing checksum",
            wrong_value,
            StatusCode::BAD_REQUEST,
            "BadDigest",
            Some("The CRC32 you specified did not match the calculated checksum."),
        ),
        (
            "malformed trailing checksum",
            bad_value,
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            Some("Value for x-amz-checksum-crc32 trailing header is invalid."),
        ),
        (
            "wrong header checksum",
            wrong_header_checksum,
            StatusCode::BAD_REQUEST,
            "BadDigest",
            Some("The SHA256 you specified did not match the calculated checksum."),
        ),
        (
            "two checksums",
            unsigned()
                .checksum(Alg::Crc32)
                .header("x-amz-checksum-sha1", &Alg::Sha1.value(&data))
                .encode(),
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            None,
        ),
        (
            "sdk algorithm names another",
            unsigned()
                .checksum(Alg::Crc32)
                .without("x-amz-sdk-checksum-algorithm")
                .header("x-amz-sdk-checksum-algorithm", "SHA1")
                .encode(),
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            None,
        ),
        (
            "x-amz-trailer in the mode without trailer",
            signed()
                .header("x-amz-trailer", "x-amz-checksum-crc32")
                .encode(),
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            None,
        ),
        (
            "x-amz-trailer naming no checksum",
            unsigned().header("x-amz-trailer", "x-custom").encode(),
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            None,
        ),
        (
            "wrong Content-MD5",
            signed()
                .header("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==")
                .encode(),
            StatusCode::BAD_REQUEST,
            "BadDigest",
            None,
        ),
    ];
    for (case, encoded, status, code, message) in cases {
        let (got_status, got_code, got_message) = outcome(&app, &encoded).await;
        assert_eq!((got_status, got_code.as_str()), (status, code), "{case}");
        if let Some(message) = message {
            assert_eq!(got_message.as_deref(), Some(message), "{case}: message");
        }
    }
}

/// `body` with the first `from` replaced by `to` (the payload is binary, so bytewise).
fn replace(body: &[u8], from: &str, to: &str) -> Vec<u8> {
    let at = body
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{from:?} is in the body"));
    [&body[..at], to.as_bytes(), &body[at + from.len()..]].concat()
}

#[tokio::test]
async fn the_layer_refuses_what_it_cannot_verify() {
    let app = App::new(layer());
    let data = payload(100);
    let ecdsa = Upload::new(Mode::Signed, data.clone(), 64)
        .without("x-amz-content-sha256")
        .header(
            "x-amz-content-sha256",
            "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        )
        .encode();
    let (status, code, seen) = app.upload(&ecdsa).await;
    // An HMAC-signed request cannot carry ECDSA-signed chunks: bad input, a 400.
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "InvalidArgument"),
        "SigV4A stream under an HMAC signature"
    );
    assert!(seen.is_none(), "SigV4A stream: the handler is not called");

    // The unsigned mode still verifies the Authorization header.
    let unsigned = Upload::new(Mode::UnsignedTrailer, data, 64)
        .checksum(Alg::Crc32)
        .encode();
    let store = StaticCredentials::new([Credential::new(
        streaming_support::ACCESS_KEY,
        "another secret",
    )]);
    let other = App::new(S3AuthLayer::new(store).clock(FixedClock(streaming_support::now())));
    let (status, code, seen) = other.upload(&unsigned).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "SignatureDoesNotMatch"),
        "unsigned mode, wrong secret"
    );
    assert!(
        seen.is_none(),
        "unsigned mode, wrong secret: the handler is not called"
    );
}

#[tokio::test]
async fn small_chunks_are_a_policy_and_large_ones_are_capped() {
    let data = payload(20_000);
    let small = Upload::new(Mode::Signed, data.clone(), 1000).encode();
    let (status, _, _) = App::new(layer()).upload(&small).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "lenient: 1000-byte chunks are accepted"
    );

    let strict = App::new(layer().chunk_size_policy(ChunkSizePolicy::Strict));
    let (status, code, seen) = strict.upload(&small).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "InvalidChunkSizeError"),
        "strict"
    );
    let seen = seen.expect("the handler read the body");
    assert_eq!(
        seen.extra("Chunk"),
        Some("1"),
        "strict: the first chunk is too small"
    );
    assert_eq!(seen.extra("BadChunkSize"), Some("1000"), "strict: its size");
    assert_eq!(
        seen.kind(),
        Some(ErrorKind::InvalidChunkSizeError),
        "strict: kind"
    );

    let last_small = Upload::new(Mode::Signed, data.clone(), 8192).encode();
    let (status, _, _) = strict.upload(&last_small).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "strict: only the last chunk is small"
    );

    let capped = App::new(layer().max_chunk_size(4096));
    let (status, code, _) = capped.upload(&last_small).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "InvalidArgument"),
        "over the chunk cap"
    );
}
