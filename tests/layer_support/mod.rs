//! The harness of the layer tests: an axum `Router` behind `S3AuthLayer`, whose handler records
//! what it saw, requests signed by the independent `aws-sigv4` crate, and the assertions the
//! layer tests share.

// Every test binary compiles this module but uses only the parts its tests need.
#![allow(dead_code, unused_imports)]

pub(crate) mod order;
mod signer;

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
use tower_s3_auth::{CredentialStore, Error, ErrorKind, Identity, S3AuthLayer};

pub(crate) use signer::{Draft, Payload, Signer, encode_key, sign_with_scope};

/// The server clock of every test: 2024-03-15T12:00:00Z, noon, so that ±15 minutes never
/// changes the date.
pub(crate) fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_710_504_000)
}

/// The `Host` every request is sent to (path-style addressing).
pub(crate) const HOST: &str = "s3.example.test";

/// More body than any test sends.
const BODY_LIMIT: usize = 1024 * 1024;

/// The S3 error a handler met while reading the body.
#[derive(Clone, Debug)]
pub(crate) struct BodyError {
    pub(crate) kind: ErrorKind,
    pub(crate) extras: Vec<(String, String)>,
}

impl BodyError {
    pub(crate) fn extra(&self, name: &str) -> Option<&str> {
        self.extras
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// How the handler's read of the body ended.
#[derive(Clone, Debug)]
pub(crate) enum BodyRead {
    /// The body reached its end with every check passed.
    Clean(Bytes),
    /// Reading failed with this S3 error (`None`: an error that carried none).
    Failed(Option<BodyError>),
}

/// One call of the inner handler.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) identity: Option<Identity>,
    pub(crate) body: BodyRead,
}

/// What the inner handler saw, shared with the test.
#[derive(Clone, Debug, Default)]
struct Probe(Arc<Mutex<Vec<Seen>>>);

/// The inner service: records the call, reads the body to its end, answers 200 with the
/// principal (or `anonymous`), or the S3 error the body produced.
async fn record(
    State(probe): State<Probe>,
    identity: Option<Identity>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let (read, response) = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(bytes) => {
            let who = identity
                .as_ref()
                .map_or("anonymous", |i| i.principal.as_str());
            (
                BodyRead::Clean(bytes),
                (StatusCode::OK, who.to_owned()).into_response(),
            )
        }
        Err(error) => match Error::find_in(&error) {
            Some(s3) => {
                let seen = BodyError {
                    kind: s3.kind(),
                    extras: s3
                        .extras()
                        .map(|(n, v)| (n.to_owned(), v.to_owned()))
                        .collect(),
                };
                let response = s3.to_response(&parts.method, parts.uri.path());
                (
                    BodyRead::Failed(Some(seen)),
                    response.map(Body::from).into_response(),
                )
            }
            None => (
                BodyRead::Failed(None),
                StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            ),
        },
    };
    let seen = Seen {
        identity,
        body: read,
    };
    probe
        .0
        .lock()
        .expect("no test panics while holding the probe")
        .push(seen);
    response
}

/// A router with one catch-all handler behind the layer under test.
#[derive(Clone, Debug)]
pub(crate) struct App {
    router: Router,
    probe: Probe,
}

impl App {
    pub(crate) fn new<C: CredentialStore>(layer: S3AuthLayer<C>) -> Self {
        let probe = Probe::default();
        let router = Router::new()
            .fallback(record)
            .with_state(probe.clone())
            .layer(layer);
        Self { router, probe }
    }

    /// Sends one request through the router and collects the response.
    pub(crate) async fn send(&self, request: http::Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        Reply::read(response).await
    }

    /// Every call the inner handler received, in order.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.probe
            .0
            .lock()
            .expect("no test panics while holding the probe")
            .clone()
    }

    /// How many times the inner handler was called.
    pub(crate) fn calls(&self) -> usize {
        self.probe
            .0
            .lock()
            .expect("no test panics while holding the probe")
            .len()
    }
}

/// A response as the client sees it.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Reply {
    /// Collects `response`, whatever its body type (axum's, hyper's, the layer's own).
    pub(crate) async fn read<B>(response: http::Response<B>) -> Self
    where
        B: http_body::Body,
        B::Error: std::fmt::Debug,
    {
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .expect("a response body is readable")
            .to_bytes();
        let body = String::from_utf8(body.to_vec()).expect("every response here is UTF-8");
        Self {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// The text of `<Code>` in an S3 error document.
    pub(crate) fn code(&self) -> Option<String> {
        self.element("Code")
    }

    /// The unescaped text of the first `<name>` element of the body.
    pub(crate) fn element(&self, name: &str) -> Option<String> {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let start = self.body.find(&open)? + open.len();
        let end = start + self.body[start..].find(&close)?;
        let text = quick_xml::escape::unescape(&self.body[start..end]).ok()?;
        Some(text.into_owned())
    }
}

/// The request was refused by the layer with `status` and `code`, and never reached the
/// inner handler.
#[track_caller]
pub(crate) fn assert_refused(app: &App, reply: &Reply, status: StatusCode, code: &str, case: &str) {
    assert_eq!(reply.status, status, "{case}: status; body {}", reply.body);
    assert_eq!(reply.code().as_deref(), Some(code), "{case}: <Code>");
    assert_eq!(
        app.calls(),
        0,
        "{case}: the inner handler must not be called"
    );
}

/// The request reached the inner handler once, which read the body to a clean end.
#[track_caller]
pub(crate) fn assert_accepted(app: &App, reply: &Reply, case: &str) -> Bytes {
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{case}: status; body {}",
        reply.body
    );
    let seen = app.seen();
    assert_eq!(seen.len(), 1, "{case}: the inner handler is called once");
    match &seen[0].body {
        BodyRead::Clean(bytes) => bytes.clone(),
        BodyRead::Failed(error) => panic!("{case}: the body failed: {error:?}"),
    }
}

pub(crate) fn header<'a>(reply: &'a Reply, name: &str, case: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("{case}: {name} present"))
}

/// §2: `<Resource>` is the request path; `<RequestId>` and `<HostId>` are the response's
/// `x-amz-request-id` and `x-amz-id-2`. Returns the request id.
#[track_caller]
pub(crate) fn assert_error_document(reply: &Reply, path: &str, case: &str) -> String {
    assert_eq!(
        reply.headers.get("content-type").map(|v| v.as_bytes()),
        Some(b"application/xml".as_slice()),
        "{case}: Content-Type"
    );
    assert!(
        reply
            .body
            .starts_with(r#"<?xml version="1.0" encoding="UTF-8"?>"#),
        "{case}: an XML document: {}",
        reply.body
    );
    assert_eq!(
        reply.element("Resource").as_deref(),
        Some(path),
        "{case}: <Resource>"
    );
    let request_id = header(reply, "x-amz-request-id", case);
    assert!(!request_id.is_empty(), "{case}: x-amz-request-id is set");
    assert_eq!(
        reply.element("RequestId").as_deref(),
        Some(request_id),
        "{case}: <RequestId> is x-amz-request-id"
    );
    let host_id = header(reply, "x-amz-id-2", case);
    assert!(!host_id.is_empty(), "{case}: x-amz-id-2 is set");
    assert_eq!(
        reply.element("HostId").as_deref(),
        Some(host_id),
        "{case}: <HostId> is x-amz-id-2"
    );
    request_id.to_owned()
}
