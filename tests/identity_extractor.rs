//! The axum `Identity` extractor (its rejection is `MissingIdentity`), with anonymous requests let through
//! (`AnonymousRequests::Allow`, S3-AUTH-RULES.md §1): a handler that takes `Identity` answers
//! an anonymous request with 403 `AccessDenied` as S3 would, one that takes
//! `Option<Identity>` gets `None`. And the S3 error document's ids and resource (§2), for the
//! extractor's rejection and for the layer's own.

mod layer_support;

use axum::Router;
use axum::body::Body;
use axum::routing::any;
use http::{Method, Request, StatusCode};
use tower::ServiceExt;
use tower_s3_auth::{
    AnonymousRequests, Credential, FixedClock, Identity, S3AuthLayer, StaticCredentials,
};

use layer_support::{Draft, Reply, Signer, assert_error_document, header, now};

const AKID: &str = "AKIDALICEEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYALICEKEY";

/// `/required/…` takes `Identity`, `/optional/…` takes `Option<Identity>`; both answer the
/// principal, or `none`.
fn router() -> Router {
    let store = StaticCredentials::new([Credential::new(AKID, SECRET).with_principal("alice")]);
    let layer = S3AuthLayer::new(store)
        .clock(FixedClock(now()))
        .anonymous(AnonymousRequests::Allow);
    let required = |who: Identity| async move { who.principal };
    let optional =
        |who: Option<Identity>| async move { who.map_or("none".into(), |w| w.principal) };
    Router::new()
        .route("/required/{*key}", any(required))
        .route("/optional/{*key}", any(optional))
        .layer(layer)
}

async fn send(request: Request<Body>) -> Reply {
    let response = router()
        .oneshot(request)
        .await
        .expect("the router is infallible");
    Reply::read(response).await
}

#[tokio::test]
async fn identity_extractor_refuses_anonymous_requests_as_s3_does() {
    let path = "/required/photos/cat.jpg";

    let reply = send(Draft::new(Method::GET, path).unsigned()).await;
    let case = "anonymous request to a handler taking Identity";
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "{case}: status; body {}",
        reply.body
    );
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
    let extractor_id = assert_error_document(&reply, path, case);

    let reply = send(Draft::new(Method::HEAD, path).unsigned()).await;
    let case = "anonymous HEAD to a handler taking Identity";
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{case}: status");
    assert_eq!(reply.body, "", "{case}: no body");
    header(&reply, "x-amz-request-id", case);

    // The same handler serves a signed request: it is the identity that was missing.
    let signed = Signer::new(AKID, SECRET).sign(&Draft::new(Method::GET, path));
    let reply = send(signed).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "alice"),
        "signed request to a handler taking Identity"
    );

    // The layer's own rejection carries the same document.
    let wrong = Signer::new(AKID, "not-alices-secret").sign(&Draft::new(Method::GET, path));
    let reply = send(wrong).await;
    let case = "the layer refusing a bad signature";
    assert_eq!(
        reply.code().as_deref(),
        Some("SignatureDoesNotMatch"),
        "{case}: <Code>"
    );
    let layer_id = assert_error_document(&reply, path, case);
    assert_ne!(
        extractor_id, layer_id,
        "two error responses carry two request ids"
    );
}

#[tokio::test]
async fn optional_identity_is_none_for_an_anonymous_request() {
    let path = "/optional/photos/cat.jpg";
    let reply = send(Draft::new(Method::GET, path).unsigned()).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "none"),
        "anonymous request to a handler taking Option<Identity>"
    );

    let signed = Signer::new(AKID, SECRET).sign(&Draft::new(Method::GET, path));
    let reply = send(signed).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "alice"),
        "signed request to a handler taking Option<Identity>"
    );
}
