//! Memory is flat in body size (S3-AUTH-RULES §4: "never buffer more than one chunk"): a
//! 1 GiB signed streaming upload with a signed CRC32C trailer, produced lazily and delivered
//! in fresh 64 KiB frames as a transport would, goes through the layer while the process's
//! peak resident memory (`VmHWM`) grows by at most a few chunk sizes.
//!
//! Its own test binary, so that no other test's allocations move the peak. It prints the
//! growth and the time taken (`cargo test --test streaming_memory -- --nocapture`).

mod streaming_support;

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use bytes::{Buf, Bytes, BytesMut};
use http::StatusCode;
use http_body::Frame;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_s3_auth::Error;

use streaming_support::encoder::{ChunkChain, lazy_headers};
use streaming_support::{Alg, Mode, layer};

const CHUNK: usize = 1 << 20;
const CHUNKS: usize = 1024;
const FRAME: usize = 64 * 1024;

/// The encoded upload, generated as it is read: `CHUNKS` signed chunks of one 1 MiB pattern,
/// the final chunk, the CRC32C trailer and its signature.
struct LazyUpload {
    chain: ChunkChain,
    pattern: Bytes,
    pattern_hash: [u8; 32],
    crc: crc_fast::Digest,
    left: usize,
    finished: bool,
    pending: BytesMut,
    frames: VecDeque<Bytes>,
}

impl LazyUpload {
    fn new(chain: ChunkChain) -> Self {
        let pattern: Bytes = (0..CHUNK).map(|i| (i % 253) as u8).collect();
        Self {
            chain,
            pattern_hash: Sha256::digest(&pattern).into(),
            pattern,
            crc: crc_fast::Digest::new(crc_fast::CrcAlgorithm::Crc32Iscsi),
            left: CHUNKS,
            finished: false,
            pending: BytesMut::new(),
            frames: VecDeque::new(),
        }
    }

    /// Encodes the next chunk (or the end) into `pending`.
    fn encode_next(&mut self) {
        if self.left > 0 {
            self.left -= 1;
            let header = self.chain.header(CHUNK, self.pattern_hash);
            self.pending.extend_from_slice(header.as_bytes());
            self.pending.extend_from_slice(&self.pattern);
            self.pending.extend_from_slice(b"\r\n");
            self.crc.update(&self.pattern);
            return;
        }
        let header = self.chain.header(0, Sha256::digest(b"").into());
        let crc = (self.crc.finalize() as u32).to_be_bytes();
        use base64::Engine as _;
        let line = format!(
            "{}:{}",
            Alg::Crc32c.header_name(),
            base64::engine::general_purpose::STANDARD.encode(crc)
        );
        let signature = self.chain.trailer_signature(std::slice::from_ref(&line));
        let tail = format!("{header}{line}\r\nx-amz-trailer-signature:{signature}\r\n\r\n");
        self.pending.extend_from_slice(tail.as_bytes());
        self.finished = true;
    }
}

impl http_body::Body for LazyUpload {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        while this.pending.len() < FRAME && !this.finished {
            this.encode_next();
        }
        // Fresh buffers, as a transport hands over, never slices of one big allocation.
        let n = this.pending.len().min(FRAME);
        if n > 0 {
            this.frames
                .push_back(Bytes::copy_from_slice(&this.pending[..n]));
            this.pending.advance(n);
        }
        Poll::Ready(this.frames.pop_front().map(|b| Ok(Frame::data(b))))
    }
}

/// Reads the body to its end, keeping only a count; answers the count and the checksum.
async fn count(request: Request) -> Response {
    let mut body = request.into_body();
    let mut bytes = 0u64;
    let mut checksum = String::new();
    loop {
        match body.frame().await {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => bytes += data.len() as u64,
                Err(frame) => {
                    let trailers = frame.into_trailers().unwrap_or_default();
                    let value = trailers.get("x-amz-checksum-crc32c");
                    checksum = value.and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                }
            },
            Some(Err(error)) => {
                let code = Error::find_in(&error).map_or("no S3 error", |e| e.code());
                return (StatusCode::BAD_REQUEST, code.to_owned()).into_response();
            }
            None => return format!("{bytes} {checksum}").into_response(),
        }
    }
}

/// The peak resident set size of this process so far, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line")
}

async fn upload(router: &Router) -> (StatusCode, String) {
    let decoded = (CHUNK * CHUNKS) as u64;
    let (headers, seed) = lazy_headers(Mode::SignedTrailer, decoded, Some(Alg::Crc32c));
    let mut request = http::Request::put("/bucket/object")
        .body(Body::new(LazyUpload::new(ChunkChain::new(&seed))))
        .expect("a valid request");
    for (name, value) in &headers {
        let name = http::HeaderName::from_bytes(name.as_bytes()).expect("a header name");
        request
            .headers_mut()
            .append(name, value.parse().expect("a header value"));
    }
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .expect("readable");
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn a_gibibyte_upload_keeps_memory_flat() {
    let router = Router::new().fallback(count).layer(layer());
    let before = peak_rss_kib();
    let started = Instant::now();
    let (status, answer) = upload(&router).await;
    let elapsed = started.elapsed();
    let growth_kib = peak_rss_kib().saturating_sub(before);

    println!(
        "1 GiB signed aws-chunked upload (1 MiB chunks, CRC32C trailer): peak RSS grew by \
         {growth_kib} KiB; {:.1} s",
        elapsed.as_secs_f64()
    );
    assert_eq!(status, StatusCode::OK, "the upload verifies: {answer}");
    let expected_bytes = (CHUNK * CHUNKS).to_string();
    assert!(
        answer.starts_with(&format!("{expected_bytes} ")),
        "every byte arrived: {answer}"
    );
    assert!(
        answer.len() > expected_bytes.len() + 1,
        "the verified checksum came: {answer}"
    );
    // Two chunk sizes are the generator's own (its pattern and the chunk it is encoding);
    // the layer holds one chunk until its signature verifies; the rest is allocator slack.
    // Buffering the body would grow it by the whole gibibyte.
    let limit_kib = (6 * CHUNK / 1024) as u64;
    assert!(
        growth_kib <= limit_kib,
        "peak RSS grew by {growth_kib} KiB, more than {limit_kib} KiB"
    );
}
