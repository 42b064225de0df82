//! The harness of the streaming-upload tests: an `aws-chunked` encoder and signer written for
//! the tests (seed signed with the crate's public SigV4 core, chunks chained by hand), and an
//! axum `Router` behind `S3AuthLayer` whose handler records what it read.

// Each test binary uses the parts it needs.
#![allow(dead_code)]

pub(crate) mod encoder;
mod kinds;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use tower_s3_auth::{Credential, Error, ErrorKind, FixedClock, S3AuthLayer, StaticCredentials};

#[allow(unused_imports)]
pub(crate) use encoder::{Encoded, Upload};
#[allow(unused_imports)]
pub(crate) use kinds::{Alg, Mode};

pub(crate) const ACCESS_KEY: &str = "AKIDSTREAMING";
pub(crate) const SECRET: &str = "streaming/secret+key/EXAMPLE";
pub(crate) const HOST: &str = "s3.example.test";
pub(crate) const DATE: &str = "20240315";
pub(crate) const TIMESTAMP: &str = "20240315T120000Z";

/// A payload whose bytes differ from chunk to chunk, so a misplaced byte shows.
pub(crate) fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// The server clock: the moment every request here is signed at.
pub(crate) fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_710_504_000)
}

/// The layer under test with the test credential and clock.
pub(crate) fn layer() -> S3AuthLayer<StaticCredentials> {
    let store = StaticCredentials::new([Credential::new(ACCESS_KEY, SECRET)]);
    S3AuthLayer::new(store).clock(FixedClock(now()))
}

/// What the handler read.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    /// The request headers as the handler got them.
    pub(crate) headers: HeaderMap,
    /// The payload read before the end or the error.
    pub(crate) data: Bytes,
    /// The trailers frame, if any.
    pub(crate) trailers: Option<HeaderMap>,
    /// The S3 error that ended the read.
    pub(crate) error: Option<SeenError>,
}

/// An S3 error as the handler met it.
#[derive(Clone, Debug)]
pub(crate) struct SeenError {
    pub(crate) kind: ErrorKind,
    pub(crate) message: String,
    pub(crate) extras: Vec<(String, String)>,
}

impl Seen {
    pub(crate) fn kind(&self) -> Option<ErrorKind> {
        self.error.as_ref().map(|e| e.kind)
    }

    pub(crate) fn message(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.message.as_str())
    }

    pub(crate) fn extra(&self, name: &str) -> Option<&str> {
        let error = self.error.as_ref()?;
        error
            .extras
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug, Default)]
struct Probe(Arc<Mutex<Vec<Seen>>>);

/// The handler: reads the whole body (data and trailers), records it, answers 200 or the
/// S3 error the body produced (a body error without one is a 500, which a test flags).
async fn record(State(probe): State<Probe>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let mut seen = Seen {
        headers: parts.headers.clone(),
        data: Bytes::new(),
        trailers: None,
        error: None,
    };
    let mut body = body;
    let mut data = Vec::new();
    let response = loop {
        match body.frame().await {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(bytes) => data.extend_from_slice(&bytes),
                Err(frame) => seen.trailers = frame.into_trailers().ok(),
            },
            Some(Err(error)) => match Error::find_in(&error) {
                Some(s3) => {
                    seen.error = Some(SeenError {
                        kind: s3.kind(),
                        message: s3.message().to_owned(),
                        extras: s3
                            .extras()
                            .map(|(n, v)| (n.to_owned(), v.to_owned()))
                            .collect(),
                    });
                    let response = s3.to_response(&parts.method, parts.uri.path());
                    break response.map(Body::from).into_response();
                }
                None => break StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            },
            None => break StatusCode::OK.into_response(),
        }
    };
    seen.data = Bytes::from(data);
    probe
        .0
        .lock()
        .expect("no test panics holding the probe")
        .push(seen);
    response
}

/// A router with one catch-all handler behind `layer`.
#[derive(Clone, Debug)]
pub(crate) struct App {
    router: Router,
    probe: Probe,
}

impl App {
    pub(crate) fn new(layer: S3AuthLayer<StaticCredentials>) -> Self {
        let probe = Probe::default();
        let router = Router::new()
            .fallback(record)
            .with_state(probe.clone())
            .layer(layer);
        Self { router, probe }
    }

    /// The router, to serve it.
    pub(crate) fn router(&self) -> Router {
        self.router.clone()
    }

    /// Sends one request; returns the status, the S3 error code of the response, and what
    /// the handler read (`None` when the layer refused the request itself).
    pub(crate) async fn send(
        &self,
        request: http::Request<Body>,
    ) -> (StatusCode, String, Option<Seen>) {
        let before = self.calls();
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .expect("a response body is readable");
        let text = String::from_utf8_lossy(&body);
        let code = text
            .split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map_or(String::new(), |(code, _)| code.to_owned());
        let seen = (self.calls() > before).then(|| self.last());
        (status, code, seen)
    }

    /// Sends an encoded upload with `Content-Length` and its body in one piece.
    pub(crate) async fn upload(&self, encoded: &Encoded) -> (StatusCode, String, Option<Seen>) {
        self.send(encoded.request(Body::from(encoded.body.clone())))
            .await
    }

    pub(crate) fn calls(&self) -> usize {
        self.probe
            .0
            .lock()
            .expect("no test panics holding the probe")
            .len()
    }

    pub(crate) fn last(&self) -> Seen {
        let seen = self
            .probe
            .0
            .lock()
            .expect("no test panics holding the probe");
        seen.last().cloned().expect("the handler was called")
    }
}
