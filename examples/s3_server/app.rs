//! The server: an axum router behind `S3AuthLayer`, and the one function that maps a request
//! (method, bucket, key, sub-resource) to an S3 operation.
//!
//! Everything but the command line lives under this module, so a test can run the same server
//! in-process with `#[path = "../examples/s3_server/app.rs"] mod app;`.

// The modules are named by path, relative to this file, so that the tree is the same whether
// this file is `mod app;` of the example or a `#[path]` module of a test.
#[path = "buckets.rs"]
mod buckets;
#[path = "checksums.rs"]
mod checksums;
#[path = "errors.rs"]
mod errors;
#[path = "listing.rs"]
mod listing;
#[path = "multipart.rs"]
mod multipart;
#[path = "multipart_lists.rs"]
mod multipart_lists;
#[path = "objects.rs"]
mod objects;
#[path = "request.rs"]
mod request;
#[path = "store.rs"]
mod store;
#[path = "xml.rs"]
mod xml;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue, Method};
use tokio::net::TcpListener;
use tower_s3_auth::{
    Clock as _, Credential, Identity, S3AuthLayer, StaticCredentials, SystemClock,
};

use errors::S3Error;
use request::Query;
use store::Store;

/// How the server is set up.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    /// The region requests must be signed for; `GetBucketLocation` answers it.
    pub(crate) region: String,
    /// Base domains for virtual-hosted-style requests (`Host: bucket.DOMAIN[:port]`).
    pub(crate) domains: Vec<String>,
    /// The access keys the server accepts.
    pub(crate) credentials: Vec<Credential>,
}

/// The state every request shares.
#[derive(Debug)]
struct App {
    store: Store,
    region: String,
    request_ids: RequestIds,
}

/// The router: every request goes through the auth layer, then to [`handle`].
pub(crate) fn router(options: Options) -> Router {
    let mut auth = S3AuthLayer::new(StaticCredentials::new(options.credentials))
        .region(options.region.clone());
    for domain in options.domains {
        auth = auth.domain(domain);
    }
    let app = App {
        store: Store::default(),
        region: options.region,
        request_ids: RequestIds::new(),
    };
    // One fallback instead of axum routes: S3 addresses buckets by Host as well as by path,
    // and keys may hold any character, so the dispatch below works from the bucket and key
    // the auth layer resolved.
    Router::new()
        .fallback(handle)
        .with_state(Arc::new(app))
        .layer(auth)
}

/// Serves until the listener fails.
pub(crate) async fn serve(listener: TcpListener, options: Options) -> std::io::Result<()> {
    axum::serve(listener, router(options)).await
}

/// The time objects and buckets are stamped with.
fn now() -> SystemTime {
    SystemClock.now()
}

/// Answers one authenticated request: its operation's response or its S3 error, with an
/// `x-amz-request-id` and `x-amz-id-2`, and one log line.
async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let principal = request
        .extensions()
        .get::<Identity>()
        .map(|caller| caller.principal.clone());
    let ids = app.request_ids.next();

    let (mut response, error) = match dispatch(&app, request).await {
        Ok(response) => (response, None),
        Err(error) => {
            let code = error.code();
            (error.into_response(&method, &path, &ids), Some(code))
        }
    };
    ids.insert_into(response.headers_mut());
    tracing::info!(
        target: "s3_server",
        %method,
        path,
        status = response.status().as_u16(),
        principal = principal.as_deref().unwrap_or("-"),
        error = error.unwrap_or("-"),
        request_id = ids.request_id,
        "request"
    );
    response
}

/// Maps the request to its operation: the method, whether it names a bucket and a key, and
/// the sub-resource in the query.
async fn dispatch(app: &App, request: Request) -> Result<Response, S3Error> {
    let (parts, body) = request.into_parts();
    // The auth layer refuses anonymous requests, so a caller is always there; fail closed.
    let caller = parts
        .extensions
        .get::<Identity>()
        .ok_or_else(S3Error::access_denied)?;
    let target = &caller.target;
    if target.bucket.is_none() && target.key.is_some() {
        return Err(S3Error::invalid_uri());
    }
    let query = Query::parse(parts.uri.query())?;
    if query.unsupported_subresource().is_some() {
        return Err(S3Error::not_implemented());
    }
    let headers = &parts.headers;
    let method = &parts.method;

    let Some(bucket) = target.bucket.as_deref() else {
        return match *method {
            Method::GET => Ok(buckets::list(app, caller)),
            _ => Err(S3Error::method_not_allowed(method, "SERVICE")),
        };
    };
    let Some(key) = target.key.as_deref() else {
        return match *method {
            Method::GET if query.has("location") => buckets::location(app, bucket),
            Method::GET if query.has("uploads") => {
                multipart_lists::list_uploads(app, bucket, &query)
            }
            Method::GET if query.get("list-type") == Some("2") => {
                listing::list_v2(&app.store, bucket, &query).map(xml::xml_response)
            }
            Method::GET => listing::list_v1(&app.store, bucket, &query).map(xml::xml_response),
            Method::HEAD => buckets::head(app, bucket),
            Method::PUT => buckets::create(app, bucket, caller, headers, body).await,
            Method::DELETE => buckets::delete(app, bucket),
            Method::POST if query.has("delete") => {
                objects::delete_objects(app, bucket, headers, body).await
            }
            _ => Err(S3Error::method_not_allowed(method, "BUCKET")),
        };
    };
    let in_upload = query.has("uploadId");
    match *method {
        Method::GET if in_upload => multipart_lists::list_parts(app, bucket, key, &query),
        Method::GET => objects::get(app, bucket, key, headers, false),
        Method::HEAD => objects::get(app, bucket, key, headers, true),
        // UploadPartCopy is not implemented.
        Method::PUT if in_upload && headers.contains_key("x-amz-copy-source") => {
            Err(S3Error::not_implemented())
        }
        Method::PUT if in_upload => {
            multipart::upload_part(app, bucket, key, &query, headers, body).await
        }
        Method::PUT if headers.contains_key("x-amz-copy-source") => {
            objects::copy(app, bucket, key, caller, headers)
        }
        Method::PUT => objects::put(app, bucket, key, caller, headers, body).await,
        Method::POST if query.has("uploads") => {
            multipart::create(app, bucket, key, caller, headers)
        }
        Method::POST if in_upload => {
            multipart::complete(app, bucket, key, &query, headers, body).await
        }
        Method::DELETE if in_upload => multipart::abort(app, bucket, key, &query),
        Method::DELETE => objects::delete(app, bucket, key),
        _ => Err(S3Error::method_not_allowed(method, "OBJECT")),
    }
}

/// The ids of responses: a per-process random base plus a counter, so ids are unique across
/// restarts and name one response in the logs. They are not secrets.
#[derive(Debug)]
struct RequestIds {
    base: u64,
    host: [u8; 16],
    next: AtomicU64,
}

impl RequestIds {
    fn new() -> Self {
        let mut host = [0; 16];
        // Without randomness the ids are still unique within this process.
        let _ = getrandom::fill(&mut host);
        Self {
            base: getrandom::u64().unwrap_or(0),
            host,
            next: AtomicU64::new(0),
        }
    }

    fn next(&self) -> ResponseIds {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        // S3's `x-amz-id-2` is opaque base64; here it names this process and the response.
        let mut host_id = self.host.to_vec();
        host_id.extend_from_slice(&n.to_be_bytes());
        ResponseIds {
            request_id: format!("{:016X}", self.base.wrapping_add(n)),
            host_id: STANDARD.encode(host_id),
        }
    }
}

/// The `x-amz-request-id` and `x-amz-id-2` of one response, which an error document repeats
/// as `<RequestId>` and `<HostId>`.
#[derive(Debug)]
pub(crate) struct ResponseIds {
    pub(crate) request_id: String,
    pub(crate) host_id: String,
}

impl ResponseIds {
    fn insert_into(&self, headers: &mut HeaderMap) {
        for (name, value) in [
            ("x-amz-request-id", &self.request_id),
            ("x-amz-id-2", &self.host_id),
        ] {
            // Hex and base64 are always valid header values.
            if let Ok(value) = HeaderValue::try_from(value.as_str()) {
                headers.insert(name, value);
            }
        }
    }
}
