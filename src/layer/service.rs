//! The service the layer makes.

use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use http_body::Body;
use tower_service::Service;

use super::future::{ResponseBody, ResponseFuture};
use crate::body::VerifyingBody;
use crate::credentials::CredentialStore;
use crate::error::Error;
use crate::verify::{Verifier, claimed_access_key_id};

/// The service made by [`S3AuthLayer`](crate::S3AuthLayer): authenticates each request, then
/// calls the inner service with the [`Identity`](crate::Identity) in the extensions and a
/// [`VerifyingBody`], or answers the S3 error itself.
///
/// The inner service is never called for a request that failed authentication.
#[derive(Debug)]
pub struct S3Auth<S, C> {
    inner: S,
    verifier: Arc<Verifier<C>>,
}

impl<S: Clone, C> Clone for S3Auth<S, C> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            verifier: Arc::clone(&self.verifier),
        }
    }
}

impl<S, C> S3Auth<S, C> {
    pub(crate) fn new(inner: S, verifier: Arc<Verifier<C>>) -> Self {
        Self { inner, verifier }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The inner service, unwrapped.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, C, ReqBody, ResBody> Service<Request<ReqBody>> for S3Auth<S, C>
where
    S: Service<Request<VerifyingBody<ReqBody>>, Response = Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    C: CredentialStore,
    ReqBody: Body + Send + 'static,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone that was made ready goes with this request; a fresh clone stays.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = Arc::clone(&self.verifier);

        ResponseFuture::new(async move {
            let (mut parts, body) = request.into_parts();
            match verifier.authenticate(&parts).await {
                Ok(verified) => {
                    if let Some(identity) = verified.identity {
                        parts.extensions.insert(identity);
                    }
                    parts.extensions.insert(verified.target);
                    verified.body.rewrite_headers(&mut parts.headers);
                    let body = VerifyingBody::new(body, verified.body);
                    let response = inner.call(Request::from_parts(parts, body)).await?;
                    Ok(response.map(ResponseBody::inner))
                }
                Err(error) => {
                    reject_log(&parts, &error);
                    let response = error.to_response(&parts.method, parts.uri.path());
                    Ok(response.map(ResponseBody::error))
                }
            }
        })
    }
}

/// The one log line of a rejection: code, access key id and path, never anything secret.
/// The key id is the client's text, so it is logged escaped (`Debug`).
fn reject_log(parts: &http::request::Parts, error: &Error) {
    let access_key_id = claimed_access_key_id(parts);
    let access_key_id = access_key_id.as_deref().unwrap_or("");
    if error.status().is_server_error() {
        tracing::warn!(
            target: "tower_s3_auth",
            code = error.code(),
            access_key_id = ?access_key_id,
            path = parts.uri.path(),
            cause = ?std::error::Error::source(error),
            "request refused: server-side failure"
        );
    } else {
        tracing::debug!(
            target: "tower_s3_auth",
            code = error.code(),
            access_key_id = ?access_key_id,
            path = parts.uri.path(),
            "request rejected"
        );
    }
}
