//! The example S3 server (`examples/s3_server`), started in this process on 127.0.0.1:0, driven
//! by the Rust `aws-sdk-s3` client with its default settings: a stock client must be able to
//! use a server behind `S3AuthLayer` for buckets, objects, multipart uploads and checksums
//! (which the SDK sends by default, as headers or in `aws-chunked` trailers), and see S3's
//! error codes.
//!
//! Requests the SDK cannot make here (virtual-hosted-style addressing needs a DNS name per
//! bucket; bodies that contradict their signed hash) are signed with `aws-sigv4` and sent with
//! a raw hyper client, as are presigned URLs, from the SDK and from the example's `presign`
//! subcommand.

#[path = "../../examples/s3_server/app.rs"]
mod app;
#[path = "../../examples/s3_server/credentials.rs"]
mod credentials;
#[path = "../../examples/s3_server/presign.rs"]
mod presign;

mod basics;
mod checksums;
mod error_documents;
mod listings_and_errors;
mod multipart;
mod multipart_checksums;
mod presign_subcommand;
mod raw_http;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use aws_credential_types::Credentials;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};
use tower::util::MapRequestLayer;
use tower_s3_auth::{Clock as _, Credential, SystemClock};

const ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const PRINCIPAL: &str = "alice";
const REGION: &str = "us-east-1";
/// The base domain of virtual-hosted-style requests.
const DOMAIN: &str = "s3.test";

fn options() -> app::Options {
    app::Options {
        region: REGION.to_owned(),
        domains: vec![DOMAIN.to_owned()],
        credentials: vec![Credential::new(ACCESS_KEY_ID, SECRET).with_principal(PRINCIPAL)],
    }
}

/// Starts the example server on an ephemeral port of this test's runtime.
async fn start_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(app::serve(listener, options()));
    addr
}

/// The method, path and query, and headers of every request the server received, as the
/// client sent them (recorded outside the auth layer, which rewrites some).
#[derive(Clone, Debug, Default)]
struct RequestLog(Arc<Mutex<Vec<(Method, String, HeaderMap)>>>);

impl RequestLog {
    fn record(&self, method: &Method, target: &str, headers: &HeaderMap) {
        let mut log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        log.push((method.clone(), target.to_owned(), headers.clone()));
    }

    /// The headers of the requests with `method` whose path and query start with `target`.
    fn headers_of(&self, method: &Method, target: &str) -> Vec<HeaderMap> {
        let log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        log.iter()
            .filter(|(m, t, _)| m == method && t.starts_with(target))
            .map(|(_, _, headers)| headers.clone())
            .collect()
    }
}

/// Starts the example server, recording every request it receives.
async fn start_recording_server() -> (SocketAddr, RequestLog) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let log = RequestLog::default();
    let recorder = log.clone();
    let record = MapRequestLayer::new(move |request: axum::extract::Request| {
        let target = request.uri().path_and_query().map_or("", |t| t.as_str());
        recorder.record(request.method(), target, request.headers());
        request
    });
    let router = app::router(options()).layer(record);
    tokio::spawn(async move { axum::serve(listener, router).await });
    (addr, log)
}

/// The configuration of an SDK client for the server: path-style, over plain HTTP, and
/// otherwise the SDK's defaults (a CRC32 of every upload, checksum validation of downloads).
fn sdk_config(addr: SocketAddr, secret: &str) -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(format!("http://{addr}"))
        .force_path_style(true)
        .credentials_provider(Credentials::new(ACCESS_KEY_ID, secret, None, None, "test"))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
}

/// An SDK client with the default settings of [`sdk_config`].
fn sdk(addr: SocketAddr, secret: &str) -> Client {
    Client::from_conf(sdk_config(addr, secret).build())
}

async fn put(client: &Client, bucket: &str, key: &str, body: &'static [u8]) {
    client
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from_static(body))
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutObject {bucket}/{key}: {e:?}"));
}

async fn get_bytes(client: &Client, bucket: &str, key: &str, range: Option<&str>) -> Bytes {
    let output = client
        .get_object()
        .bucket(bucket)
        .key(key)
        .set_range(range.map(str::to_owned))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetObject {bucket}/{key} {range:?}: {e:?}"));
    output
        .body
        .collect()
        .await
        .expect("GetObject body")
        .into_bytes()
}

/// The S3 error code of a failed SDK call.
fn code<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    result: Result<T, E>,
) -> String {
    let error = result.expect_err("the call fails");
    error.code().unwrap_or("<no code>").to_owned()
}

fn hex_md5(data: &[u8]) -> String {
    hex::encode(<md5::Md5 as Digest>::digest(data))
}

/// `len` bytes that do not repeat in any short period (a xorshift stream), so that a part
/// that went missing or out of order changes the whole.
fn test_data(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut data = Vec::with_capacity(len + 8);
    while data.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.extend_from_slice(&state.to_le_bytes());
    }
    data.truncate(len);
    data
}

/// A file under the system's temporary directory, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    async fn with(name: &str, contents: &[u8]) -> Self {
        let path =
            std::env::temp_dir().join(format!("sdk_s3_server-{}-{name}", std::process::id()));
        tokio::fs::write(&path, contents)
            .await
            .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Best effort: a leftover file in the temporary directory harms nothing.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A response read to its end.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    /// The body as text, for XML and short objects.
    body: String,
    /// The body's bytes.
    bytes: Bytes,
}

/// Sends a request to the server as an S3 client signs it (`aws-sigv4`, S3 settings), with
/// `host` as the `Host` header. `declared` is the payload hash to sign; by default the body's.
async fn send_signed(
    addr: SocketAddr,
    method: &str,
    host: &str,
    target: &str,
    body: &'static [u8],
    declared: Option<&str>,
) -> Reply {
    let identity = Credentials::new(ACCESS_KEY_ID, SECRET, None, None, "test").into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("s3")
        .time(SystemClock.now())
        .settings(settings)
        .build()
        .expect("signing parameters")
        .into();
    let hash = declared.map_or_else(|| hex::encode(Sha256::digest(body)), str::to_owned);
    let signable = SignableRequest::new(
        method,
        format!("http://{host}{target}"),
        [("host", host)].into_iter(),
        SignableBody::Precomputed(hash),
    )
    .expect("signable request");
    let (instructions, _) = sign(signable, &params).expect("signing").into_parts();

    let mut request = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{target}"))
        .header("host", host)
        .body(Full::new(Bytes::from_static(body)))
        .expect("request");
    instructions.apply_to_request_http1x(&mut request);
    send(request).await
}

async fn send(request: Request<Full<Bytes>>) -> Reply {
    let client = HyperClient::builder(TokioExecutor::new()).build_http();
    let response = client.request(request).await.expect("the server answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("response body")
        .to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}
