//! The layer outside axum: in a `tower::ServiceBuilder` stack around a plain
//! `tower::service_fn`, served by hyper on a loopback socket and called by a hyper client.
//!
//! The layer promises to be an ordinary tower `Layer` (STYLE.md 4): a verified request reaches
//! the inner service with its `Identity` in the extensions (S3-AUTH-RULES.md §1), an anonymous
//! one is answered 403 `AccessDenied` with the S3 XML error (§1, §2), and the inner service is
//! never called for it.

mod layer_support;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tower::{ServiceBuilder, service_fn};
use tower_s3_auth::{
    AuthScheme, Credential, FixedClock, Identity, S3AuthLayer, StaticCredentials, VerifyingBody,
};

use layer_support::{Draft, Reply, Signer, assert_error_document, now};

const AKID: &str = "AKIDALICEEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYALICEKEY";

/// What the inner service saw: one entry per call.
type Calls = Arc<Mutex<Vec<(Option<Identity>, Bytes)>>>;

/// Serves `S3AuthLayer` around a `service_fn` on a loopback port, one hyper HTTP/1
/// connection per accepted socket, until the test's runtime ends.
async fn serve(calls: Calls) -> SocketAddr {
    let store = StaticCredentials::new([Credential::new(AKID, SECRET).with_principal("alice")]);
    let inner = service_fn(move |request: Request<VerifyingBody<Incoming>>| {
        let calls = Arc::clone(&calls);
        async move {
            let identity = request.extensions().get::<Identity>().cloned();
            let body = request
                .into_body()
                .collect()
                .await
                .expect("a verified body reads to its end")
                .to_bytes();
            let who = identity
                .as_ref()
                .map_or("anonymous".to_owned(), |i| i.principal.clone());
            calls
                .lock()
                .expect("no test panics while holding the calls")
                .push((identity, body));
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(who))))
        }
    });
    let service = ServiceBuilder::new()
        .layer(S3AuthLayer::new(store).clock(FixedClock(now())))
        .service(inner);

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port is free");
    let address = listener
        .local_addr()
        .expect("a bound listener has an address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                // A connection the client drops early is not the test's concern.
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    address
}

/// Sends `request` over a fresh hyper client connection and collects the response.
async fn send(address: SocketAddr, request: Request<axum::body::Body>) -> Reply {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .expect("a test body is in memory")
        .to_bytes();
    let request = Request::from_parts(parts, Full::new(body));

    let stream = TcpStream::connect(address)
        .await
        .expect("the server listens");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("an HTTP/1 handshake with the server");
    tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .expect("the server answers");
    Reply::read(response).await
}

fn calls(calls: &Calls) -> Vec<(Option<Identity>, Bytes)> {
    calls
        .lock()
        .expect("no test panics while holding the calls")
        .clone()
}

#[tokio::test]
async fn service_builder_stack_served_by_hyper_verifies_and_refuses() {
    let seen = Calls::default();
    let address = serve(Arc::clone(&seen)).await;

    let draft = Draft::new(Method::PUT, "/bucket/notes.txt").body("hello over hyper");
    let reply = send(address, Signer::new(AKID, SECRET).sign(&draft)).await;
    let case = "signed PUT over hyper";
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{case}: status; body {}",
        reply.body
    );
    assert_eq!(reply.body, "alice", "{case}: the inner service saw alice");
    let first = calls(&seen);
    assert_eq!(first.len(), 1, "{case}: the inner service is called once");
    let (identity, body) = &first[0];
    let identity = identity
        .as_ref()
        .unwrap_or_else(|| panic!("{case}: the Identity is in the extensions"));
    assert_eq!(identity.access_key_id, AKID, "{case}: access key id");
    assert_eq!(identity.scheme, AuthScheme::SigV4Header, "{case}: scheme");
    assert_eq!(
        identity.region.as_deref(),
        Some("us-east-1"),
        "{case}: region"
    );
    assert_eq!(
        body, "hello over hyper",
        "{case}: the body arrives unchanged"
    );

    let reply = send(address, draft.unsigned()).await;
    let case = "unsigned PUT over hyper";
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{case}: status");
    assert_error_document(&reply, "/bucket/notes.txt", case);
    assert_eq!(
        reply.code().as_deref(),
        Some("AccessDenied"),
        "{case}: <Code>"
    );
    assert_eq!(
        reply.element("Message").as_deref(),
        Some("Access Denied"),
        "{case}: <Message>"
    );
    assert_eq!(
        calls(&seen).len(),
        1,
        "{case}: the inner service is not called again"
    );
}
