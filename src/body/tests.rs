//! The verifying body: plain checks, and streaming uploads against S3's published examples
//! (`tests/vectors/s3-examples/sigv4/06`, `07`, `08`).

use std::collections::VecDeque;

use md5::Md5;
use sha2::{Digest, Sha256};

use super::*;
use crate::config::{ChunkSizePolicy, SignatureDiagnostics};
use crate::payload::StreamingMode;
use crate::sigv4::{CredentialScope, Signature, SigningKey};

const EXAMPLE_06: &str =
    include_str!("../../tests/vectors/s3-examples/sigv4/06-streaming-put-object.txt");
const EXAMPLE_07: &str =
    include_str!("../../tests/vectors/s3-examples/sigv4/07-streaming-trailer-put-object.txt");
const EXAMPLE_08: &str = include_str!(
    "../../tests/vectors/s3-examples/sigv4/08-aws-c-auth-chunked-trailing-headers.txt"
);
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// The content of section `name` of an example file (without its final newline).
fn section<'a>(example: &'a str, name: &str) -> &'a str {
    let start = example
        .find(&format!("@@ {name}\n"))
        .unwrap_or_else(|| panic!("no section {name}"))
        + name.len()
        + 4;
    let end = example[start..]
        .find("\n@@ ")
        .map_or(example.len(), |e| start + e);
    example[start..end].trim_end_matches('\n')
}

/// A body that yields its pieces one frame each.
struct Pieces(VecDeque<Bytes>);

impl Pieces {
    fn split(body: &[u8], piece: usize) -> Self {
        Self(
            body.chunks(piece.max(1))
                .map(Bytes::copy_from_slice)
                .collect(),
        )
    }
}

impl Body for Pieces {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> PollFrameOf<Self::Error> {
        Poll::Ready(self.get_mut().0.pop_front().map(|b| Ok(Frame::data(b))))
    }
}

type PollFrameOf<E> = Poll<Option<Result<Frame<Bytes>, E>>>;

/// Everything a body yields: its data, its trailers, and the error that ended it.
struct Outcome {
    data: Vec<u8>,
    trailers: Option<HeaderMap>,
    error: Option<Error>,
}

fn poll_all<B: Body<Data = Bytes, Error = Error> + Unpin>(mut body: B) -> Outcome {
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut outcome = Outcome {
        data: Vec::new(),
        trailers: None,
        error: None,
    };
    loop {
        match Pin::new(&mut body).poll_frame(&mut cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => outcome.data.extend_from_slice(&data),
                Err(frame) => outcome.trailers = frame.into_trailers().ok(),
            },
            Poll::Ready(Some(Err(e))) => {
                let again = Pin::new(&mut body).poll_frame(&mut cx);
                let Poll::Ready(Some(Err(again))) = again else {
                    panic!("a failed body fails again when polled again: {again:?}");
                };
                assert_eq!(again.kind(), e.kind(), "the same error is reported again");
                assert!(!body.is_end_stream(), "a failed body never ends cleanly");
                outcome.error = Some(e);
                return outcome;
            }
            Poll::Ready(None) => break,
            Poll::Pending => panic!("a body of ready pieces is never pending"),
        }
    }
    assert!(body.is_end_stream(), "a body that ended says so");
    outcome
}

const LIMITS: StreamingLimits = StreamingLimits {
    max_chunk_size: 16 << 20,
    max_chunk_line: 4096,
    max_trailer_size: 16 << 10,
    chunk_size_policy: ChunkSizePolicy::Lenient,
};

/// The plan of a body whose signature does not cover it.
fn unsigned(headers: &HeaderMap) -> Result<BodyPlan, Error> {
    BodyPlan::new(PayloadHash::Unsigned, None, headers, LIMITS)
}

fn plain(sha256: Option<[u8; 32]>, md5: Option<[u8; 16]>) -> BodyPlan {
    let plain = PlainPlan {
        sha256,
        md5,
        checksum: None,
    };
    BodyPlan {
        kind: PlanKind::Plain(plain),
    }
}

#[test]
fn matching_hash_and_md5_end_cleanly() {
    let body = b"hello".as_slice();
    let plan = plain(
        Some(Sha256::digest(body).into()),
        Some(Md5::digest(body).into()),
    );
    let verifying = VerifyingBody::new(Pieces::split(body, 2), plan);
    assert!(
        !verifying.is_end_stream(),
        "the end is not known before the verdict"
    );
    let outcome = poll_all(verifying);
    assert_eq!(outcome.data, body, "data passes through");
    assert!(outcome.error.is_none(), "no error");
}

#[test]
fn wrong_hash_is_an_error_before_the_end() {
    let plan = plain(Some(Sha256::digest(b"other").into()), None);
    let outcome = poll_all(VerifyingBody::new(Pieces::split(b"hello", 5), plan));
    let error = outcome.error.expect("a mismatch is reported");
    assert_eq!(error.kind(), ErrorKind::XAmzContentSha256Mismatch);
    assert_eq!(
        error.extra_value("S3ComputedContentSHA256").unwrap(),
        hex::encode(Sha256::digest(b"hello")),
        "the computed hash is reported"
    );
}

#[test]
fn wrong_md5_is_bad_digest() {
    let plan = plain(None, Some(Md5::digest(b"other").into()));
    let outcome = poll_all(VerifyingBody::new(Pieces::split(b"hello", 5), plan));
    assert_eq!(
        outcome.error.unwrap().kind(),
        ErrorKind::BadDigest,
        "Content-MD5"
    );
}

#[test]
fn checksum_header_is_verified_and_handed_to_the_handler() {
    // CRC32 of "hello\n" is NjowIA==.
    let mut headers = HeaderMap::new();
    headers.insert("x-amz-checksum-crc32", "NjowIA==".parse().unwrap());
    let plan = unsigned(&headers).unwrap();
    let outcome = poll_all(VerifyingBody::new(Pieces::split(b"hello\n", 4), plan));
    assert!(outcome.error.is_none(), "matching checksum");
    let trailers = outcome
        .trailers
        .expect("the verified checksum comes as trailers");
    assert_eq!(
        trailers["x-amz-checksum-crc32"], "NjowIA==",
        "verified value"
    );

    headers.insert("x-amz-checksum-crc32", "AAAAAA==".parse().unwrap());
    let plan = unsigned(&headers).unwrap();
    let outcome = poll_all(VerifyingBody::new(Pieces::split(b"hello\n", 4), plan));
    let error = outcome.error.expect("a wrong checksum fails");
    assert_eq!(error.kind(), ErrorKind::BadDigest, "checksum mismatch");
    assert_eq!(
        error.message(),
        "The CRC32 you specified did not match the calculated checksum.",
        "S3's checksum message"
    );
}

/// The encoded body of example 06 or 07: chunks of 65536 and 1024 `a`, then the final chunk
/// and `tail`.
/// A body with data, then HTTP trailers of the transport (which the client controls).
struct WithTransportTrailers(VecDeque<Frame<Bytes>>);

impl Body for WithTransportTrailers {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> PollFrameOf<Self::Error> {
        Poll::Ready(self.get_mut().0.pop_front().map(Ok))
    }
}

#[test]
fn transport_trailers_never_reach_the_handler() {
    let forged = HeaderMap::from_iter([(
        http::HeaderName::from_static("x-amz-checksum-crc32"),
        HeaderValue::from_static("AAAAAA=="),
    )]);
    for (case, plan) in [
        ("unchecked", BodyPlan::default()),
        ("plain", plain(Some(Sha256::digest(b"hi").into()), None)),
    ] {
        let frames = [
            Frame::data(Bytes::from_static(b"hi")),
            Frame::trailers(forged.clone()),
        ];
        let body = WithTransportTrailers(frames.into_iter().collect());
        let outcome = poll_all(VerifyingBody::new(body, plan));
        assert_eq!(outcome.data, b"hi", "{case}: the data passes");
        assert!(outcome.error.is_none(), "{case}: no error");
        assert!(
            outcome.trailers.is_none(),
            "{case}: the client's own trailers are dropped"
        );
    }
}

fn example_body(example: &str, tail: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, size) in [65536usize, 1024, 0].into_iter().enumerate() {
        let signature = section(example, &format!("chunk-{}-signature", i + 1));
        body.extend_from_slice(format!("{size:x};chunk-signature={signature}\r\n").as_bytes());
        if size > 0 {
            body.extend(std::iter::repeat_n(b'a', size));
            body.extend_from_slice(b"\r\n");
        }
    }
    body.extend_from_slice(tail.as_bytes());
    body
}

fn example_plan(example: &str, mode: StreamingMode, trailer: Option<&str>) -> BodyPlan {
    let scope = CredentialScope::new("20130524", "us-east-1", "s3").unwrap();
    let signing = ChunkSigning {
        key: SigningKey::derive(SECRET, &scope),
        timestamp: "20130524T000000Z".to_owned(),
        scope: scope.as_str().to_owned(),
        seed: Signature::from_hex(section(example, "signature")).unwrap(),
        access_key_id: "AKIAIOSFODNN7EXAMPLE".to_owned(),
        diagnostics: SignatureDiagnostics::Include,
    };
    let mut headers = HeaderMap::new();
    headers.insert("x-amz-decoded-content-length", HeaderValue::from(66560));
    if let Some(trailer) = trailer {
        headers.insert("x-amz-trailer", trailer.parse().unwrap());
    }
    BodyPlan::new(
        PayloadHash::Streaming(mode),
        Some(signing),
        &headers,
        LIMITS,
    )
    .unwrap()
}

#[test]
fn example_06_signed_chunks_decode_to_the_payload() {
    let body = example_body(EXAMPLE_06, "\r\n");
    assert_eq!(body.len(), 66824, "the example's Content-Length");
    for piece in [1000, 65536 + 90, body.len()] {
        let plan = example_plan(EXAMPLE_06, StreamingMode::Signed, None);
        let outcome = poll_all(VerifyingBody::new(Pieces::split(&body, piece), plan));
        assert!(
            outcome.error.is_none(),
            "06 in pieces of {piece}: {:?}",
            outcome.error
        );
        assert_eq!(
            outcome.data,
            vec![b'a'; 66560],
            "06 payload, pieces of {piece}"
        );
        assert!(outcome.trailers.is_none(), "06 sends no checksum");
    }
}

#[test]
fn example_06_chunk_data_is_held_until_its_signature_verifies() {
    let body = example_body(EXAMPLE_06, "\r\n");
    let plan = example_plan(EXAMPLE_06, StreamingMode::Signed, None);
    let PlanKind::Streaming(plan) = plan.kind else {
        panic!("a streaming plan");
    };
    let mut streaming = Streaming::new(*plan);
    // The whole first chunk but its closing CRLF: nothing may come out yet.
    streaming.push(Bytes::copy_from_slice(&body[..88 + 65536]));
    assert!(
        matches!(streaming.step(), Ok(Step::NeedInput)),
        "chunk 1 held"
    );
    streaming.push(Bytes::copy_from_slice(&body[88 + 65536..88 + 65536 + 2]));
    let Ok(Step::Frame(frame)) = streaming.step() else {
        panic!("chunk 1 released once its end arrived");
    };
    assert_eq!(
        frame.data_ref().map(Bytes::len),
        Some(65536),
        "chunk 1 data"
    );
}

#[test]
fn example_06_tampering_fails_with_the_chunk_string_to_sign() {
    let mut body = example_body(EXAMPLE_06, "\r\n");
    body[88 + 100] = b'b';
    let plan = example_plan(EXAMPLE_06, StreamingMode::Signed, None);
    let outcome = poll_all(VerifyingBody::new(Pieces::split(&body, 4096), plan));
    assert!(
        outcome.data.is_empty(),
        "no byte of the tampered chunk is released"
    );
    let error = outcome.error.expect("a tampered chunk fails");
    assert_eq!(
        error.kind(),
        ErrorKind::SignatureDoesNotMatch,
        "tampered chunk 1"
    );
    let expected = section(EXAMPLE_06, "chunk-1-string-to-sign");
    let sts = error.extra_value("StringToSign").unwrap();
    assert_eq!(
        sts.lines().take(5).collect::<Vec<_>>(),
        expected.lines().take(5).collect::<Vec<_>>(),
        "chain"
    );
    assert_ne!(sts, expected, "the data hash line is the tampered data's");
    assert_eq!(
        error.extra_value("SignatureProvided"),
        Some(section(EXAMPLE_06, "chunk-1-signature")),
        "the signature the client sent"
    );
}

#[test]
fn example_07_signed_trailer_hands_over_the_checksum() {
    let trailer_signature = section(EXAMPLE_07, "trailer-signature");
    let tail = format!(
        "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:{trailer_signature}\r\n\r\n"
    );
    let body = example_body(EXAMPLE_07, &tail);
    assert_eq!(body.len(), 66946, "the encoded length the example notes");
    let plan = example_plan(
        EXAMPLE_07,
        StreamingMode::SignedWithTrailer,
        Some("x-amz-checksum-crc32c"),
    );
    let outcome = poll_all(VerifyingBody::new(Pieces::split(&body, 8192), plan));
    assert!(outcome.error.is_none(), "07: {:?}", outcome.error);
    assert_eq!(outcome.data.len(), 66560, "07 payload");
    let trailers = outcome.trailers.expect("07 carries a checksum");
    assert_eq!(
        trailers["x-amz-checksum-crc32c"], "sOO8/Q==",
        "07 verified checksum"
    );
}

#[test]
fn example_08_trailer_signature_chains_on_the_final_chunk() {
    let trailer_signature = section(EXAMPLE_08, "trailer-signature");
    let tail = format!(
        "first:1st\r\nsecond:2nd\r\nthird:3rd\r\nx-amz-trailer-signature:{trailer_signature}\r\n\r\n"
    );
    let body = example_body(EXAMPLE_06, &tail);
    let plan_08 = || {
        let mut plan = example_plan(EXAMPLE_06, StreamingMode::SignedWithTrailer, None);
        if let PlanKind::Streaming(streaming) = &mut plan.kind {
            // The CRT test signs three non-checksum trailers, which S3 itself would refuse
            // in x-amz-trailer; the chain is what it pins.
            streaming.trailers = ["first", "second", "third"].map(str::to_owned).to_vec();
        }
        plan
    };
    let outcome = poll_all(VerifyingBody::new(Pieces::split(&body, 5000), plan_08()));
    assert!(outcome.error.is_none(), "08: {:?}", outcome.error);

    let tampered = String::from_utf8(body)
        .unwrap()
        .replace("third:3rd", "third:4th");
    let outcome = poll_all(VerifyingBody::new(
        Pieces::split(tampered.as_bytes(), 5000),
        plan_08(),
    ));
    let error = outcome.error.expect("a tampered trailer fails");
    assert_eq!(
        error.kind(),
        ErrorKind::SignatureDoesNotMatch,
        "08 tampered"
    );
    let expected = section(EXAMPLE_08, "trailer-string-to-sign");
    let sts = error.extra_value("StringToSign").unwrap();
    assert_eq!(
        sts.lines().take(4).collect::<Vec<_>>(),
        expected.lines().take(4).collect::<Vec<_>>(),
        "trailer chain"
    );
}

#[test]
fn streaming_headers_are_rewritten_for_the_handler() {
    let plan = example_plan(EXAMPLE_06, StreamingMode::Signed, None);
    let mut headers = HeaderMap::new();
    headers.insert("content-encoding", "aws-chunked".parse().unwrap());
    headers.insert("content-length", "66824".parse().unwrap());
    plan.rewrite_headers(&mut headers);
    assert!(
        !headers.contains_key("content-encoding"),
        "only aws-chunked: dropped"
    );
    assert_eq!(headers["content-length"], "66560", "decoded length");

    headers.insert("content-encoding", "aws-chunked, gzip".parse().unwrap());
    headers.remove("content-length");
    plan.rewrite_headers(&mut headers);
    assert_eq!(headers["content-encoding"], "gzip", "other codings stay");
    assert!(
        !headers.contains_key("content-length"),
        "no length is added to a chunked request"
    );

    let mut plain_headers = headers.clone();
    plain_headers.insert("content-encoding", "aws-chunked".parse().unwrap());
    BodyPlan::default().rewrite_headers(&mut plain_headers);
    assert_eq!(
        plain_headers["content-encoding"], "aws-chunked",
        "plain bodies untouched"
    );
}

#[test]
fn a_chunk_sent_a_byte_at_a_time_is_held_in_one_piece() {
    let body = example_body(EXAMPLE_06, "\r\n");
    let plan = example_plan(EXAMPLE_06, StreamingMode::Signed, None);
    let PlanKind::Streaming(plan) = plan.kind else {
        panic!("a streaming plan");
    };
    let mut streaming = Streaming::new(*plan);
    // The first chunk's header line and all of its data, one transport frame per byte.
    for &byte in &body[..88 + 65536] {
        streaming.push(Bytes::copy_from_slice(&[byte]));
        assert!(
            matches!(streaming.step(), Ok(Step::NeedInput)),
            "nothing is released before the chunk verified"
        );
    }
    let held = streaming.held_pieces();
    assert_eq!(held, 1, "65536 one-byte frames are held as one buffer");
}

#[test]
fn held_data_copies_small_pieces_and_keeps_large_ones() {
    let mut held = HeldDataProbe::default();
    for piece in [10, 5000, 1, 1, 8192, 3] {
        held.push(piece);
    }
    // [10] sealed by 5000, [1, 1] sealed by 8192, [3] sealed at the end.
    assert_eq!(held.pieces(), vec![10, 5000, 2, 8192, 3]);
}

#[test]
fn a_declared_trailer_that_never_arrives_is_an_incomplete_body() {
    let mut headers = HeaderMap::new();
    headers.insert("x-amz-decoded-content-length", HeaderValue::from(5));
    headers.insert("x-amz-trailer", "x-amz-checksum-crc32".parse().unwrap());
    let mode = PayloadHash::Streaming(StreamingMode::UnsignedWithTrailer);
    let plan = BodyPlan::new(mode, None, &headers, LIMITS).unwrap();
    let body = b"5\r\nhello\r\n0\r\n\r\n";
    let outcome = poll_all(VerifyingBody::new(Pieces::split(body, 4), plan));
    let error = outcome.error.expect("the declared checksum is missing");
    assert_eq!(error.kind(), ErrorKind::IncompleteBody, "{error:?}");
}

#[test]
fn streaming_modes_a_request_cannot_use_are_invalid_arguments() {
    let mut headers = HeaderMap::new();
    headers.insert("x-amz-decoded-content-length", HeaderValue::from(0));
    for mode in [
        StreamingMode::Signed,
        StreamingMode::SignedWithTrailer,
        StreamingMode::EcdsaSigned,
        StreamingMode::EcdsaSignedWithTrailer,
    ] {
        let refused = BodyPlan::new(PayloadHash::Streaming(mode), None, &headers, LIMITS)
            .expect_err("no seed signature to chain from");
        assert_eq!(refused.kind(), ErrorKind::InvalidArgument, "{mode:?}");
        assert_eq!(refused.extra_value("ArgumentValue"), Some(mode.as_str()));
    }
    let unsigned_mode = PayloadHash::Streaming(StreamingMode::UnsignedWithTrailer);
    assert!(
        BodyPlan::new(unsigned_mode, None, &headers, LIMITS).is_ok(),
        "unsigned chunks need no seed"
    );
}

#[test]
fn aws_chunked_needs_a_streaming_payload() {
    let mut headers = HeaderMap::new();
    headers.insert("content-encoding", "gzip, AWS-Chunked".parse().unwrap());
    let digest = PayloadHash::Sha256(Sha256::digest(b"").into());
    for payload in [PayloadHash::Unsigned, digest] {
        let refused = BodyPlan::new(payload, None, &headers, LIMITS).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::InvalidArgument, "{payload:?}");
        assert_eq!(
            refused.extra_value("ArgumentName"),
            Some("Content-Encoding")
        );
    }
    headers.insert("content-encoding", "gzip".parse().unwrap());
    assert!(
        unsigned(&headers).is_ok(),
        "other codings are the handler's"
    );
}
