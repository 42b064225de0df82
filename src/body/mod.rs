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
use crate::payload::{self, StreamingMode};
use plain::{PlainChecks, PlainPlan};
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
    /// A body whose SHA-256 the client signed, with its `Content-MD5` and checksum header.
    ///
    /// # Errors
    ///
    /// `InvalidDigest` for a malformed `Content-MD5`; `InvalidRequest` for the checksum
    /// headers.
    pub(crate) fn for_sha256(digest: [u8; 32], headers: &HeaderMap) -> Result<Self, Error> {
        let mut plan = Self::for_unsigned(headers)?;
        if let PlanKind::Plain(plain) = &mut plan.kind {
            plain.sha256 = Some(digest);
        }
        Ok(plan)
    }

    /// A body the signature does not cover; its `Content-MD5` and checksum header are
    /// still checked.
    ///
    /// # Errors
    ///
    /// As [`BodyPlan::for_sha256`].
    pub(crate) fn for_unsigned(headers: &HeaderMap) -> Result<Self, Error> {
        let plain = PlainPlan {
            sha256: None,
            md5: payload::content_md5(headers)?,
            checksum: checksum::checksum_plan(headers, &[])?,
        };
        Ok(Self {
            kind: PlanKind::Plain(plain),
        })
    }

    /// An `aws-chunked` upload in `mode` whose seed signature verified.
    ///
    /// # Errors
    ///
    /// `NotImplemented` for the SigV4A modes; the errors of the streaming headers
    /// (`x-amz-decoded-content-length`, `x-amz-trailer`, checksums, `Content-MD5`).
    pub(crate) fn streaming(
        mode: StreamingMode,
        signing: ChunkSigning,
        headers: &HeaderMap,
        limits: StreamingLimits,
    ) -> Result<Self, Error> {
        let plan = StreamingPlan::new(mode, signing, headers, limits)?;
        Ok(Self {
            kind: PlanKind::Streaming(Box::new(plan)),
        })
    }

    /// Rewrites the request headers for the handler of a streaming upload: `aws-chunked`
    /// leaves `Content-Encoding` (dropped if empty) and `Content-Length`, when present,
    /// becomes the decoded length. Plain bodies keep their headers.
    pub(crate) fn rewrite_headers(&self, headers: &mut HeaderMap) {
        let PlanKind::Streaming(plan) = &self.kind else {
            return;
        };
        let codings: Vec<String> = headers
            .get_all(CONTENT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|c| c.trim_matches([' ', '\t']))
            .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("aws-chunked"))
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
    #[derive(Debug)]
    pub struct VerifyingBody<B> {
        #[pin]
        inner: B,
        mode: Mode,
        done: bool,
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
        if *this.done {
            return Poll::Ready(None);
        }
        let polled = match this.mode {
            Mode::Streaming(streaming) => poll_streaming(streaming, this.inner, cx),
            Mode::Plain(checks) => poll_plain(Some(checks), this.inner, cx, this.done),
            Mode::Unchecked => poll_plain(None, this.inner, cx, this.done),
        };
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            *this.done = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        // With checks pending, the end is only known once the verdict has been given.
        self.done || (matches!(self.mode, Mode::Unchecked) && self.inner.is_end_stream())
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
