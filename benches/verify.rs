//! What verification costs, as ratios measured in the same run (the machines are shared and
//! noisy, so absolute times mean little):
//!
//! - a SigV4 header request through the whole layer, against one HMAC-SHA256 (the floor: the
//!   signature itself is an HMAC), with and without the signing-key cache;
//! - a 16 MiB body through the verifying body (SHA-256 checked as it streams), against hashing
//!   the same bytes with SHA-256 alone.
//!
//! `cargo bench --bench verify` prints criterion's timings, then the ratios.

use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::Bytes;
use criterion::Criterion;
use hmac::{Hmac, Mac};
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;
use sha2::{Digest, Sha256};
use tower::{Layer, Service};
use tower_s3_auth::sigv4::{
    ALGORITHM, CanonicalOptions, CanonicalRequest, CredentialScope, SignedHeaders, SigningKey,
    StringToSign,
};
use tower_s3_auth::{Credential, FixedClock, S3AuthLayer, StaticCredentials, VerifyingBody};

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const AMZ_DATE: &str = "20130524T000000Z";

/// The inner service: reads the body to its end, synchronously (every body here is ready).
#[derive(Clone)]
struct Drain;

impl Service<Request<VerifyingBody<Full<Bytes>>>> for Drain {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<VerifyingBody<Full<Bytes>>>) -> Self::Future {
        let mut body = pin!(request.into_body());
        let mut cx = Context::from_waker(Waker::noop());
        let mut status = 200;
        while let Poll::Ready(Some(frame)) = body.as_mut().poll_frame(&mut cx) {
            if frame.is_err() {
                status = 400;
                break;
            }
        }
        let mut response = Response::new(Full::default());
        *response.status_mut() = http::StatusCode::from_u16(status).expect("a valid status");
        ready(Ok(response))
    }
}

/// Polls a future that completes without waiting (a static store and a ready inner service).
fn now_or_never<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the benchmark's futures never wait"),
    }
}

/// A request signed with the crate's own SigV4 pieces (the vectors prove them right).
fn signed(method: &str, path: &str, body: Bytes) -> Request<Full<Bytes>> {
    let payload = hex::encode(Sha256::digest(&body));
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "examplebucket.s3.amazonaws.com")
        .header("x-amz-content-sha256", &payload)
        .header("x-amz-date", AMZ_DATE)
        .body(Full::new(body))
        .expect("a valid request");
    let (mut parts, body) = request.into_parts();
    let signed_headers = SignedHeaders::parse("host;x-amz-content-sha256;x-amz-date").unwrap();
    let canonical = CanonicalRequest::from_parts(
        &parts,
        &signed_headers,
        &payload,
        CanonicalOptions::default(),
    );
    let scope = CredentialScope::new(&AMZ_DATE[..8], "us-east-1", "s3").unwrap();
    let sts = StringToSign::new(ALGORITHM, AMZ_DATE, scope.as_str(), canonical.hash());
    let signature = sts.sign(&SigningKey::derive(SECRET, &scope)).to_hex();
    let authorization = format!(
        "{ALGORITHM} Credential={AKID}/{scope},SignedHeaders={},Signature={signature}",
        signed_headers.as_str()
    );
    parts
        .headers
        .insert("authorization", authorization.parse().unwrap());
    Request::from_parts(parts, body)
}

type Auth = tower_s3_auth::S3Auth<Drain, StaticCredentials>;

fn service(cache: usize) -> Auth {
    let at = UNIX_EPOCH + Duration::from_secs(1_369_353_600);
    let store = StaticCredentials::new([Credential::new(AKID, SECRET)]);
    S3AuthLayer::new(store)
        .clock(FixedClock(at))
        .signing_key_cache(cache)
        .layer(Drain)
}

fn verify_once(service: &mut Auth, request: &Request<Full<Bytes>>) {
    let response = now_or_never(service.call(request.clone())).expect("infallible");
    assert_eq!(response.status(), 200, "the benchmark request verifies");
}

fn one_hmac(message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(b"a signing key of thirty-two byte").unwrap();
    mac.update(message);
    mac.finalize().into_bytes().into()
}

const BODY_SIZE: usize = 16 << 20;

fn bench(c: &mut Criterion) {
    let get = signed("GET", "/photos/2024/cat.jpg?versionId=3", Bytes::new());
    let sts_sized = [b'x'; 150];
    let mut cached = service(4096);
    let mut uncached = service(0);

    let mut group = c.benchmark_group("sigv4_header");
    group.bench_function("one_hmac_sha256", |b| {
        b.iter(|| one_hmac(black_box(&sts_sized)))
    });
    group.bench_function("layer_cached_key", |b| {
        b.iter(|| verify_once(&mut cached, &get))
    });
    group.bench_function("layer_uncached_key", |b| {
        b.iter(|| verify_once(&mut uncached, &get))
    });
    group.finish();

    let big = Bytes::from(vec![7u8; BODY_SIZE]);
    let put = signed("PUT", "/bucket/big.bin", big.clone());
    let mut group = c.benchmark_group("body_16MiB");
    group.sample_size(10);
    group.bench_function("sha256_alone", |b| {
        b.iter(|| Sha256::digest(black_box(&big)))
    });
    group.bench_function("through_layer", |b| {
        b.iter(|| verify_once(&mut cached, &put))
    });
    group.finish();

    report_ratios(&get, &put, &big);
}

/// Times `a` and `b` interleaved over several rounds and returns median(a) / median(b).
fn ratio(rounds: usize, iterations: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> f64 {
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..iterations {
            f();
        }
        start.elapsed().as_secs_f64()
    };
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ta.push(time(&mut a));
        tb.push(time(&mut b));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    median(&mut ta) / median(&mut tb)
}

fn report_ratios(get: &Request<Full<Bytes>>, put: &Request<Full<Bytes>>, big: &Bytes) {
    let (mut cached, mut uncached) = (service(4096), service(0));
    let sts_sized = [b'x'; 150];
    let hmac = || {
        black_box(one_hmac(black_box(&sts_sized)));
    };
    let layer_vs_hmac = ratio(11, 2000, || verify_once(&mut cached, get), hmac);
    let uncached_vs_cached = ratio(
        11,
        2000,
        || verify_once(&mut uncached, get),
        || verify_once(&mut cached, get),
    );
    let body_vs_sha = ratio(
        5,
        2,
        || verify_once(&mut cached, put),
        || {
            black_box(Sha256::digest(black_box(big)));
        },
    );
    println!("\nratios (same run, medians of interleaved rounds):");
    println!("  SigV4 header request through the layer / one HMAC-SHA256: {layer_vs_hmac:.1}x");
    println!(
        "  without / with the signing-key cache:                      {uncached_vs_cached:.2}x"
    );
    println!("  16 MiB verified body through the layer / SHA-256 alone:    {body_vs_sha:.2}x");
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}
