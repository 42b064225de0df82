//! One request through the layer, polled to completion on the spot, and the invariants its
//! answer keeps.
//!
//! The store and the inner service are always ready and the body arrives without waiting,
//! so every future and body must finish without ever returning `Pending`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};

use bytes::{Buf, Bytes};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body::{Body, Frame};
use sha2::{Digest, Sha256};
use tower_layer::Layer;
use tower_s3_auth::{Identity, VerifyingBody};
use tower_service::Service;

use crate::input::Built;
use crate::setup::{ACCESS_KEY_ID, SECRET, Setup, TEMPORARY_KEY_ID};

/// What became of a request.
#[derive(Debug)]
pub struct Outcome {
    /// The status of the answer.
    pub status: StatusCode,
    /// The identity and body the inner service saw, if the layer let the request through.
    pub reached: Option<Reached>,
}

/// What the inner service saw of a request the layer let through.
#[derive(Debug)]
pub struct Reached {
    /// The verified caller.
    pub identity: Option<Identity>,
    /// The body's bytes, or the error the verifying body reported.
    pub body: Result<Vec<u8>, tower_s3_auth::Error>,
}

/// Sends `built` through the layer of `setup` and checks the answer. `harness_signed` tells
/// whether the harness computed the request's signature; no other request may pass.
///
/// # Panics
///
/// When an invariant breaks: that is the finding.
pub fn send(setup: Setup, built: Built, harness_signed: bool) -> Outcome {
    let method = built.parts.method.clone();
    let inner = Inner {
        reached: Arc::default(),
        wire_len: built.body.len(),
    };
    let seen = Arc::clone(&inner.reached);
    let request = Request::from_parts(built.parts, Pieces::new(built.body, built.piece));
    let mut service = setup.layer().layer(inner);

    let mut cx = Context::from_waker(Waker::noop());
    assert!(
        matches!(service.poll_ready(&mut cx), Poll::Ready(Ok(()))),
        "the layer is ready when its inner service is"
    );
    let future = pin!(service.call(request));
    let Poll::Ready(Ok(response)) = future.poll(&mut cx) else {
        panic!("the response future finishes at once with a ready store and inner service");
    };
    let reached = seen.lock().unwrap_or_else(PoisonError::into_inner).take();
    let status = response.status();
    let (head, body) = response.into_parts();
    let body = drain(body, usize::MAX).expect("the response body cannot fail");
    check_answer(
        &method,
        status,
        &head.headers,
        &body.0,
        reached.as_ref(),
        harness_signed,
    );
    if stats_wanted() {
        print_stat(status, &body.0, reached.as_ref());
    }
    Outcome { status, reached }
}

/// Whether `FUZZ_STATS` is set: then each answer is printed as one `STAT` line on stderr,
/// for counting over a corpus how far requests get.
fn stats_wanted() -> bool {
    static WANTED: OnceLock<bool> = OnceLock::new();
    *WANTED.get_or_init(|| std::env::var_os("FUZZ_STATS").is_some())
}

/// `STAT <status> <code or -> <what the inner service read, or ->`.
fn print_stat(status: StatusCode, body: &[u8], reached: Option<&Reached>) {
    let text = String::from_utf8_lossy(body);
    let code = text
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once('<'))
        .map_or("-", |(code, _)| code);
    let read = match reached.map(|r| &r.body) {
        None => "-".to_owned(),
        Some(Ok(_)) => "body-ok".to_owned(),
        Some(Err(error)) => format!("body-{}", error.code()),
    };
    eprintln!("STAT {} {code} {read}", status.as_u16());
}

fn check_answer(
    method: &Method,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    reached: Option<&Reached>,
    harness_signed: bool,
) {
    let text = String::from_utf8_lossy(body);
    let code = text
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code);
    assert!(
        !status.is_server_error(),
        "a request is never answered with a server error: {status} {code:?} {text}"
    );
    assert!(
        !text.contains(SECRET),
        "no answer ever contains a secret: {text}"
    );

    if let Some(reached) = reached {
        assert_eq!(
            status,
            StatusCode::OK,
            "the inner service's answer is passed on"
        );
        assert!(
            harness_signed,
            "only a request the harness signed reaches the inner service: {reached:?}"
        );
        let identity = reached
            .identity
            .as_ref()
            .expect("a signed request that passed carries its identity");
        assert!(
            [ACCESS_KEY_ID, TEMPORARY_KEY_ID].contains(&identity.access_key_id.as_str()),
            "only an enabled key passes: {identity:?}"
        );
        return;
    }

    assert!(
        status.is_client_error(),
        "a request that did not reach the inner service is refused: {status}"
    );
    assert_eq!(
        headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/xml"[..]),
        "a refusal is an S3 XML error"
    );
    if method == Method::HEAD {
        assert!(body.is_empty(), "a refused HEAD has no body");
        return;
    }
    assert_eq!(
        headers.get("content-length").map(|v| v.as_bytes()),
        Some(body.len().to_string().as_bytes()),
        "a refusal's Content-Length is its body's"
    );
    assert!(
        text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            && text.contains("<Error><Code>")
            && text.ends_with("</Error>"),
        "a refusal's body is an S3 error document: {text}"
    );
    assert!(
        std::str::from_utf8(body).is_ok(),
        "an error document is UTF-8: {text}"
    );
    let forbidden = text
        .chars()
        .find(|&c| matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'));
    assert!(
        forbidden.is_none(),
        "an error document holds only characters XML allows, not {forbidden:?}: {text:?}"
    );
}

/// The inner service: reads the verified body to its end and answers 200.
#[derive(Clone, Debug)]
struct Inner {
    reached: Arc<Mutex<Option<Reached>>>,
    wire_len: usize,
}

impl Service<Request<VerifyingBody<Pieces>>> for Inner {
    type Response = Response<String>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Response<String>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<VerifyingBody<Pieces>>) -> Self::Future {
        let (parts, body) = request.into_parts();
        // Each frame stands for at least one byte on the wire, or is the trailers.
        let body = drain(body, self.wire_len + 2).map(|(bytes, _)| bytes);
        let identity = parts.extensions.get::<Identity>().cloned();
        check_body(&parts.headers, &body);
        *self.reached.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Reached { identity, body });
        std::future::ready(Ok(Response::new(String::new())))
    }
}

/// What a body that verified must have delivered.
fn check_body(headers: &HeaderMap, body: &Result<Vec<u8>, tower_s3_auth::Error>) {
    let data = match body {
        Err(error) => {
            assert!(
                error.status().is_client_error(),
                "a body is refused with a client error: {error:?}"
            );
            return;
        }
        Ok(data) => data,
    };
    // Whatever the scheme, a declared payload hash holds the body.
    let declared = headers
        .get("x-amz-content-sha256")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if let Some(digest) = decode_hex_32(declared) {
        assert_eq!(
            <[u8; 32]>::from(Sha256::digest(data)),
            digest,
            "a body that verified has the SHA-256 its header declared"
        );
    }
    let decoded_length = headers
        .get("x-amz-decoded-content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let (true, Some(length)) = (declared.starts_with(b"STREAMING-"), decoded_length) {
        assert_eq!(
            data.len() as u64,
            length,
            "a streaming body that verified has the decoded length it declared"
        );
    }
}

fn decode_hex_32(text: &[u8]) -> Option<[u8; 32]> {
    let digit = |c: u8| char::from(c).to_digit(16);
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (byte, pair) in out.iter_mut().zip(text.chunks(2)) {
        let value = digit(pair[0])? * 16 + digit(pair[1])?;
        *byte = u8::try_from(value).ok()?;
    }
    Some(out)
}

/// Reads `body` to its end, `Pending` being a bug; more than `max_frames` frames too.
fn drain<B>(body: B, max_frames: usize) -> Result<(Vec<u8>, Option<HeaderMap>), B::Error>
where
    B: Body<Data = Bytes>,
    B::Error: std::fmt::Debug,
{
    let mut body = pin!(body);
    let mut cx = Context::from_waker(Waker::noop());
    let (mut data, mut trailers) = (Vec::new(), None);
    for _ in 0..max_frames {
        match body.as_mut().poll_frame(&mut cx) {
            Poll::Pending => panic!("a body whose source is ready never waits"),
            Poll::Ready(None) => return Ok((data, trailers)),
            Poll::Ready(Some(Err(error))) => return Err(error),
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(chunk) => data.extend_from_slice(&chunk),
                Err(frame) => trailers = frame.into_trailers().ok(),
            },
        }
    }
    panic!("a body ends within {max_frames} frames");
}

/// A request body that hands its bytes over in pieces of a fixed size, never waiting.
#[derive(Debug)]
pub struct Pieces {
    data: Bytes,
    piece: usize,
}

impl Pieces {
    fn new(data: Bytes, piece: usize) -> Self {
        let piece = if piece == 0 { data.len().max(1) } else { piece };
        Self { data, piece }
    }
}

impl Body for Pieces {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if !self.data.has_remaining() {
            return Poll::Ready(None);
        }
        let n = self.piece.min(self.data.len());
        Poll::Ready(Some(Ok(Frame::data(self.data.split_to(n)))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_empty()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.data.len() as u64)
    }
}
