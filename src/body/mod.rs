//! The verifying request body: what the inner service reads instead of the raw body.
//!
//! A plain body passes through as it arrives and is checked on the way: the SHA-256 the
//! client signed in `x-amz-content-sha256`, `Content-MD5`, and an `x-amz-checksum-*` header
//! (CRC32, CRC32C, CRC64NVME, SHA1 or SHA256).
//!
//! A streaming upload (`x-amz-content-sha256: STREAMING-…`, `Content-Encoding: aws-chunked`)
//! is decoded: the handler reads the payload only, never the chunk framing. In the signed
//! modes each chunk's data is handed out only after its chunk signature verified; in
//! `STREAMING-UNSIGNED-PAYLOAD-TRAILER` data streams through as it arrives and the trailing
//! checksum covers it. At the end come the trailer (and its signature), the decoded length
//! (`x-amz-decoded-content-length`), the checksum and `Content-MD5`. The layer also rewrites
//! the request's headers for the handler: `aws-chunked` is removed from `Content-Encoding`
//! (the header is dropped if nothing is left) and `Content-Length`, when present, becomes the
//! decoded length.
//!
//! Every failed check is returned as an [`Error`] from `poll_frame` *before* the body reports
//! its end, so a handler that commits only after a clean end of stream never commits
//! unverified data.
//!
//! # The handler's contract
//!
//! Read the body to its end (until `poll_frame` returns `None`); store nothing before that.
//! If reading fails, find the S3 error with [`Error::find_in`] and answer it with
//! [`Error::to_response`].
//!
//! When the request carried a checksum (as a header or as a trailer), the last frame before
//! the end is a trailers frame ([`Frame::trailers`]) holding the verified value, for example
//! `x-amz-checksum-crc32: NjowIA==`, so the handler can store it as S3 does. Handlers that
//! collect only data (`axum::body::to_bytes`) are unaffected; `http_body_util::BodyExt::collect`
//! gives it in `Collected::trailers`. HTTP trailers of the transport itself are dropped, so
//! the only trailers a handler sees are verified ones.
//!
//! # Limits
//!
//! A signed chunk is held until its signature verifies, so the memory of one upload is one
//! chunk (capped, 16 MiB by default) plus one chunk header line (4 KiB) or the trailer
//! section (16 KiB); nothing else grows with the body.

mod checksum;
mod chunked;
mod plain;
mod signing;
mod streaming;

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use http::{HeaderMap, HeaderValue};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::error::{Error, ErrorKind};
use crate::payload::{self, PayloadHash};
use plain::{PlainChecks, PlainPlan};
#[cfg(test)]
use streaming::HeldDataProbe;
use streaming::{Step, Streaming, StreamingPlan};

pub(crate) use checksum::ChecksumAlgorithm;
pub(crate) use signing::ChunkSigning;
pub(crate) use streaming::StreamingLimits;

/// What the body must prove as it streams.
#[derive(Debug, Default)]
pub(crate) struct BodyPlan {
    kind: PlanKind,
}

#[derive(Debug)]
enum PlanKind {
    Plain(PlainPlan),
    Streaming(Box<StreamingPlan>),
}

impl Default for PlanKind {
    fn default() -> Self {
        Self::Plain(PlainPlan::default())
    }
}

impl BodyPlan {
    /// The checks of a body, from what the request declared about it in `payload`. `seed` is
    /// what chunk signatures chain from: only a SigV4 `Authorization` header has one.
    ///
    /// # Errors
    ///
    /// `InvalidDigest` for a malformed `Content-MD5`; `InvalidRequest` for the checksum
    /// headers; `InvalidArgument` for `Content-Encoding: aws-chunked` on a body that is not
    /// streamed; the errors of [`StreamingPlan::new`] for a streaming upload.
    pub(crate) fn new(
        payload: PayloadHash,
        seed: Option<ChunkSigning>,
        headers: &HeaderMap,
        limits: StreamingLimits,
    ) -> Result<Self, Error> {
        let sha256 = match payload {
            PayloadHash::Streaming(mode) => {
                let plan = StreamingPlan::new(mode, seed, headers, limits)?;
                return Ok(Self {
                    kind: PlanKind::Streaming(Box::new(plan)),
                });
            }
            PayloadHash::Sha256(digest) => Some(digest),
            PayloadHash::Unsigned => None,
        };
        // Passed on, the framing would reach the handler as if it were the payload.
        if is_aws_chunked(headers) {
            return Err(Error::with_message(
                ErrorKind::InvalidArgument,
                "Content-Encoding aws-chunked needs an x-amz-content-sha256 that names a \
                 STREAMING payload.",
            )
            .extra("ArgumentName", "Content-Encoding")
            .extra("ArgumentValue", "aws-chunked"));
        }
        let plain = PlainPlan {
            sha256,
            md5: payload::content_md5(headers)?,
            checksum: checksum::checksum_plan(headers, &[])?,
        };
        Ok(Self {
            kind: PlanKind::Plain(plain),
        })
    }

    /// Rewrites the request headers for the handler of a streaming upload: `aws-chunked`
    /// leaves `Content-Encoding` (dropped if empty) and `Content-Length`, when present,
    /// becomes the decoded length. Plain bodies keep their headers.
    pub(crate) fn rewrite_headers(&self, headers: &mut HeaderMap) {
        let PlanKind::Streaming(plan) = &self.kind else {
            return;
        };
        let codings: Vec<String> = content_codings(headers)
            .filter(|c| !c.eq_ignore_ascii_case("aws-chunked"))
            .map(str::to_owned)
            .collect();
        headers.remove(CONTENT_ENCODING);
        if let (false, Ok(value)) = (
            codings.is_empty(),
            HeaderValue::try_from(codings.join(", ")),
        ) {
            headers.insert(CONTENT_ENCODING, value);
        }
        if headers.contains_key(CONTENT_LENGTH) {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(plan.decoded_length));
        }
    }
}

/// The codings `Content-Encoding` lists, in order.
fn content_codings(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(CONTENT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|c| c.trim_matches([' ', '\t']))
        .filter(|c| !c.is_empty())
}

fn is_aws_chunked(headers: &HeaderMap) -> bool {
    content_codings(headers).any(|c| c.eq_ignore_ascii_case("aws-chunked"))
}

/// How a body is being checked.
#[derive(Debug)]
enum Mode {
    Unchecked,
    Plain(Box<PlainChecks>),
    Streaming(Box<Streaming>),
}

pin_project! {
    /// The request body the inner service receives: the client's payload, checked as it
    /// passes (see the [module docs](self) for what is checked and the handler's contract).
    ///
    /// Its error type is this crate's [`Error`]: the S3 error a failed check maps to, or
    /// `IncompleteBody` (with the transport error as its source) when the client's body
    /// broke off.
    ///
    /// A body that failed reports the same error on every later poll: it never appears to
    /// end cleanly, whatever a caller does after an error.
    #[derive(Debug)]
    pub struct VerifyingBody<B> {
        #[pin]
        inner: B,
        mode: Mode,
        done: bool,
        failed: Option<Error>,
    }
}

impl<B> VerifyingBody<B> {
    pub(crate) fn new(inner: B, plan: BodyPlan) -> Self {
        let mode = match plan.kind {
            PlanKind::Plain(plain) => PlainChecks::new(plain).map_or(Mode::Unchecked, Mode::Plain),
            PlanKind::Streaming(plan) => Mode::Streaming(Box::new(Streaming::new(*plan))),
        };
        Self {
            inner,
            mode,
            done: false,
            failed: None,
        }
    }

    /// A body that is passed through unchecked.
    pub fn unchecked(inner: B) -> Self {
        Self::new(inner, BodyPlan::default())
    }
}

type PollFrame = Poll<Option<Result<Frame<Bytes>, Error>>>;

impl<B> Body for VerifyingBody<B>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> PollFrame {
        let this = self.project();
        if let Some(error) = this.failed {
            return Poll::Ready(Some(Err(error.repeated())));
        }
        if *this.done {
            return Poll::Ready(None);
        }
        let polled = match this.mode {
            Mode::Streaming(streaming) => poll_streaming(streaming, this.inner, cx),
            Mode::Plain(checks) => poll_plain(Some(checks), this.inner, cx, this.done),
            Mode::Unchecked => poll_plain(None, this.inner, cx, this.done),
        };
        match &polled {
            Poll::Ready(None) => *this.done = true,
            Poll::Ready(Some(Err(error))) => *this.failed = Some(error.repeated()),
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        // With checks pending, the end is only known once the verdict has been given.
        let ended =
            self.done || (matches!(self.mode, Mode::Unchecked) && self.inner.is_end_stream());
        ended && self.failed.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match &self.mode {
            Mode::Streaming(streaming) => SizeHint::with_exact(streaming.remaining()),
            _ => self.inner.size_hint(),
        }
    }
}

/// Passes a plain body's data through its checks; the verdict comes when `inner` ends: an
/// error, the trailers of a verified checksum (then `done`), or the end.
///
/// The transport's own HTTP trailers are dropped: S3 reads none, and passed on they would sit
/// beside (or stand in for) the verified checksum where a handler cannot tell them apart.
fn poll_plain<B>(
    mut checks: Option<&mut Box<PlainChecks>>,
    mut inner: Pin<&mut B>,
    cx: &mut Context<'_>,
    done: &mut bool,
) -> PollFrame
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    loop {
        match ready!(inner.as_mut().poll_frame(cx)) {
            Some(Ok(frame)) => {
                let Ok(mut data) = frame.into_data() else {
                    continue;
                };
                let data = data.copy_to_bytes(data.remaining());
                if let Some(checks) = checks.as_mut() {
                    checks.update(&data);
                }
                return Poll::Ready(Some(Ok(Frame::data(data))));
            }
            Some(Err(error)) => return Poll::Ready(Some(Err(broken_off(error)))),
            None => {
                return match checks.map(|c| c.finish()) {
                    Some(Err(error)) => Poll::Ready(Some(Err(error))),
                    Some(Ok(Some(trailers))) => {
                        *done = true;
                        Poll::Ready(Some(Ok(Frame::trailers(trailers))))
                    }
                    _ => Poll::Ready(None),
                };
            }
        }
    }
}

/// Feeds a streaming upload's bytes to its verification until it yields a frame or ends.
fn poll_streaming<B>(
    streaming: &mut Streaming,
    mut inner: Pin<&mut B>,
    cx: &mut Context<'_>,
) -> PollFrame
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    loop {
        match streaming.step() {
            Ok(Step::Frame(frame)) => return Poll::Ready(Some(Ok(frame))),
            Ok(Step::End) => return Poll::Ready(None),
            Ok(Step::NeedInput) => {}
            Err(error) => return Poll::Ready(Some(Err(error))),
        }
        match ready!(inner.as_mut().poll_frame(cx)) {
            Some(Ok(frame)) => {
                if let Ok(mut data) = frame.into_data() {
                    streaming.push(data.copy_to_bytes(data.remaining()));
                }
            }
            Some(Err(error)) => return Poll::Ready(Some(Err(broken_off(error)))),
            None => streaming.push_eof(),
        }
    }
}

/// `IncompleteBody` for a body whose transport failed.
fn broken_off(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
    Error::new(ErrorKind::IncompleteBody).caused_by(error)
}

/// Decodes `body` as `aws-chunked` framing handed over in pieces of `piece` bytes, with the
/// default limits, and tells whether the framing is well formed. For fuzz targets, which
/// cargo-fuzz builds with `--cfg fuzzing`; it never panics.
#[cfg(fuzzing)]
pub fn fuzz_aws_chunked(body: &[u8], piece: usize, signed: bool, with_trailer: bool) -> bool {
    let framing = if signed {
        chunked::Framing::Signed
    } else {
        chunked::Framing::Unsigned
    };
    let limits = chunked::FramingLimits {
        max_chunk_size: 16 * 1024 * 1024,
        max_line: 4 * 1024,
        max_trailer: 16 * 1024,
    };
    chunked::decode_all(framing, with_trailer, limits, body, piece).is_ok()
}

#[cfg(test)]
mod tests;
