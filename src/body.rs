//! The verifying request body: what the inner service reads instead of the raw body.
//!
//! It passes the bytes through as they arrive and checks them on the way: the SHA-256 the
//! client signed in `x-amz-content-sha256` and the `Content-MD5`. A failed check is returned
//! as an [`Error`] from `poll_frame` *before* the body reports its end, so a handler that
//! commits only after a clean end of stream never commits unverified data.
//!
//! # The handler's contract
//!
//! Read the body to its end (until `poll_frame` returns `None`, or `is_end_stream()` is
//! true); store nothing before that. If reading fails, find the S3 error with
//! [`Error::find_in`] and answer it with [`Error::to_response`].

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::{Buf, Bytes};
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use md5::Md5;
use pin_project_lite::pin_project;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind};
use crate::payload;

/// What the body must prove as it streams.
#[derive(Debug, Default)]
pub(crate) struct BodyPlan {
    sha256: Option<[u8; 32]>,
    md5: Option<[u8; 16]>,
}

impl BodyPlan {
    pub(crate) fn new(sha256: Option<[u8; 32]>, md5: Option<[u8; 16]>) -> Self {
        Self { sha256, md5 }
    }

    /// A body the signature does not cover; only a `Content-MD5` it carries is checked.
    pub(crate) fn for_unsigned(headers: &HeaderMap) -> Result<Self, Error> {
        Ok(Self::new(None, payload::content_md5(headers)?))
    }

    fn is_empty(&self) -> bool {
        self.sha256.is_none() && self.md5.is_none()
    }
}

/// The running digests of a body being checked.
struct Checks {
    plan: BodyPlan,
    sha256: Option<Sha256>,
    md5: Option<Md5>,
}

impl Checks {
    fn new(plan: BodyPlan) -> Option<Box<Self>> {
        if plan.is_empty() {
            return None;
        }
        let sha256 = plan.sha256.map(|_| Sha256::new());
        let md5 = plan.md5.map(|_| Md5::new());
        Some(Box::new(Self { plan, sha256, md5 }))
    }

    fn update(&mut self, data: &[u8]) {
        if let Some(h) = &mut self.sha256 {
            h.update(data);
        }
        if let Some(h) = &mut self.md5 {
            h.update(data);
        }
    }

    /// The verdict once every byte has been seen.
    fn finish(&mut self) -> Result<(), Error> {
        if let (Some(hasher), Some(expected)) = (self.sha256.take(), self.plan.sha256) {
            let computed: [u8; 32] = hasher.finalize().into();
            if computed != expected {
                return Err(Error::new(ErrorKind::XAmzContentSha256Mismatch)
                    .extra("ClientComputedContentSHA256", hex::encode(expected))
                    .extra("S3ComputedContentSHA256", hex::encode(computed)));
            }
        }
        if let (Some(hasher), Some(expected)) = (self.md5.take(), self.plan.md5) {
            let computed: [u8; 16] = hasher.finalize().into();
            if computed != expected {
                return Err(Error::new(ErrorKind::BadDigest)
                    .extra("ExpectedDigest", STANDARD.encode(expected))
                    .extra("CalculatedDigest", STANDARD.encode(computed)));
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for Checks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checks").field("plan", &self.plan).finish()
    }
}

pin_project! {
    /// The request body the inner service receives: the client's bytes, checked as they pass.
    ///
    /// Its error type is this crate's [`Error`]: the S3 error a failed check maps to, or
    /// `IncompleteBody` (with the transport error as its source) when the client's body
    /// broke off.
    #[derive(Debug)]
    pub struct VerifyingBody<B> {
        #[pin]
        inner: B,
        checks: Option<Box<Checks>>,
        done: bool,
    }
}

impl<B> VerifyingBody<B> {
    pub(crate) fn new(inner: B, plan: BodyPlan) -> Self {
        Self {
            inner,
            checks: Checks::new(plan),
            done: false,
        }
    }

    /// A body that is passed through unchecked (an anonymous request).
    pub fn unchecked(inner: B) -> Self {
        Self::new(inner, BodyPlan::default())
    }
}

impl<B> Body for VerifyingBody<B>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = self.project();
        if *this.done {
            return Poll::Ready(None);
        }
        match ready!(this.inner.poll_frame(cx)) {
            Some(Ok(frame)) => {
                let frame = frame.map_data(|mut data| data.copy_to_bytes(data.remaining()));
                if let (Some(checks), Some(data)) = (this.checks.as_mut(), frame.data_ref()) {
                    checks.update(data);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Some(Err(error)) => {
                *this.done = true;
                Poll::Ready(Some(Err(
                    Error::new(ErrorKind::IncompleteBody).caused_by(error)
                )))
            }
            None => {
                *this.done = true;
                match this.checks.take().map(|mut c| c.finish()) {
                    Some(Err(error)) => Poll::Ready(Some(Err(error))),
                    _ => Poll::Ready(None),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        // With checks pending, the end is only known once the verdict has been given.
        self.done || (self.checks.is_none() && self.inner.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll_all<B: Body<Data = Bytes, Error = Error> + Unpin>(
        mut body: B,
    ) -> (Vec<u8>, Option<Error>, bool) {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut data = Vec::new();
        loop {
            match Pin::new(&mut body).poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) => data.extend_from_slice(frame.data_ref().unwrap()),
                Poll::Ready(Some(Err(e))) => return (data, Some(e), body.is_end_stream()),
                Poll::Ready(None) => return (data, None, body.is_end_stream()),
                Poll::Pending => panic!("a full body is never pending"),
            }
        }
    }

    struct Full(Option<Bytes>);
    impl Body for Full {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Ready(self.get_mut().0.take().map(|b| Ok(Frame::data(b))))
        }
        fn is_end_stream(&self) -> bool {
            self.0.is_none()
        }
    }

    #[test]
    fn matching_hash_and_md5_end_cleanly() {
        let body = b"hello".as_slice();
        let plan = BodyPlan::new(
            Some(Sha256::digest(body).into()),
            Some(Md5::digest(body).into()),
        );
        let verifying = VerifyingBody::new(Full(Some(Bytes::from_static(body))), plan);
        assert!(
            !verifying.is_end_stream(),
            "the end is not known before the verdict"
        );
        let (data, error, _) = poll_all(verifying);
        assert_eq!(data, body);
        assert!(error.is_none());
    }

    #[test]
    fn wrong_hash_is_an_error_before_the_end() {
        let plan = BodyPlan::new(Some(Sha256::digest(b"other").into()), None);
        let (data, error, _) = poll_all(VerifyingBody::new(
            Full(Some(Bytes::from_static(b"hello"))),
            plan,
        ));
        assert_eq!(data, b"hello");
        let error = error.expect("a mismatch is reported");
        assert_eq!(error.kind(), ErrorKind::XAmzContentSha256Mismatch);
        assert_eq!(
            error.extra_value("S3ComputedContentSHA256").unwrap(),
            hex::encode(Sha256::digest(b"hello"))
        );
    }

    #[test]
    fn wrong_md5_is_bad_digest() {
        let plan = BodyPlan::new(None, Some(Md5::digest(b"other").into()));
        let (_, error, _) = poll_all(VerifyingBody::new(
            Full(Some(Bytes::from_static(b"hello"))),
            plan,
        ));
        assert_eq!(error.unwrap().kind(), ErrorKind::BadDigest);
    }
}
