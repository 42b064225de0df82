//! The tower glue: [`S3AuthLayer`], the [`S3Auth`] service it makes, and their futures and
//! bodies.

mod future;
mod service;

use std::sync::Arc;
use std::time::Duration;

use tower_layer::Layer;

use crate::canonical::{PathNormalization, UriEncoding};
use crate::clock::Clock;
use crate::config::{
    AnonymousRequests, ChunkSizePolicy, Config, SignatureDiagnostics, SignatureV2,
};
use crate::credentials::CredentialStore;
use crate::key_cache::SigningKeyCache;
use crate::verify::Verifier;

pub use future::{ResponseBody, ResponseFuture};
pub use service::S3Auth;

/// A tower [`Layer`] that authenticates every request as Amazon S3 does.
///
/// Build it with [`S3AuthLayer::new`] and the builder methods, then apply it with
/// `axum::Router::layer`, `tower::ServiceBuilder::layer` or [`Layer::layer`]. Every service
/// it makes shares one configuration and one signing-key cache.
#[derive(Debug)]
pub struct S3AuthLayer<C> {
    verifier: Arc<Verifier<C>>,
}

impl<C> Clone for S3AuthLayer<C> {
    fn clone(&self) -> Self {
        Self {
            verifier: Arc::clone(&self.verifier),
        }
    }
}

impl<C: CredentialStore> S3AuthLayer<C> {
    /// A layer with the default configuration that looks credentials up in `store`.
    ///
    /// Defaults: region `us-east-1`, service `s3`, 15 minutes of clock skew, the system
    /// clock, anonymous requests rejected, diagnostics in `SignatureDoesNotMatch`, S3's
    /// canonical URI rules, 4096 cached signing keys.
    pub fn new(store: C) -> Self {
        Self::with_config(store, Config::default())
    }

    fn with_config(store: C, config: Config) -> Self {
        let keys = SigningKeyCache::new(config.signing_key_cache);
        Self {
            verifier: Arc::new(Verifier {
                config,
                store,
                keys,
            }),
        }
    }

    /// Applies `change` to the configuration; the layer is still being built, so it owns it.
    fn configure(self, change: impl FnOnce(&mut Config)) -> Self {
        match Arc::try_unwrap(self.verifier) {
            Ok(Verifier {
                mut config, store, ..
            }) => {
                change(&mut config);
                Self::with_config(store, config)
            }
            Err(_) => panic!("configure an S3AuthLayer before cloning or applying it"),
        }
    }

    /// The one region this server accepts in credential scopes.
    ///
    /// # Panics
    ///
    /// Every builder method panics if the layer was already cloned or applied: configure it
    /// first.
    pub fn region(self, region: impl Into<String>) -> Self {
        let region = region.into();
        self.configure(|c| c.regions = vec![region])
    }

    /// The regions this server accepts; the first is named in "wrong region" errors.
    pub fn regions<I, R>(self, regions: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        let regions: Vec<String> = regions.into_iter().map(Into::into).collect();
        self.configure(|c| c.regions = regions)
    }

    /// The service name in credential scopes (`s3`; another for other SigV4 services).
    pub fn service(self, service: impl Into<String>) -> Self {
        let service = service.into();
        self.configure(|c| c.service = service)
    }

    /// The largest difference allowed between the request time and the server clock.
    pub fn max_skew(self, skew: Duration) -> Self {
        self.configure(|c| c.max_skew = skew)
    }

    /// The clock requests are checked against.
    pub fn clock(self, clock: impl Clock) -> Self {
        self.configure(|c| c.clock = Arc::new(clock))
    }

    /// What to do with requests that carry no authentication.
    pub fn anonymous(self, policy: AnonymousRequests) -> Self {
        self.configure(|c| c.anonymous = policy)
    }

    /// Whether `SignatureDoesNotMatch` carries its diagnostic elements.
    pub fn signature_diagnostics(self, diagnostics: SignatureDiagnostics) -> Self {
        self.configure(|c| c.diagnostics = diagnostics)
    }

    /// How the canonical URI is encoded: [`UriEncoding::Single`] for S3.
    pub fn uri_encoding(self, encoding: UriEncoding) -> Self {
        self.configure(|c| c.uri_encoding = encoding)
    }

    /// Whether the canonical URI is normalised: [`PathNormalization::Off`] for S3.
    pub fn path_normalization(self, normalization: PathNormalization) -> Self {
        self.configure(|c| c.normalization = normalization)
    }

    /// How many derived signing keys are cached (0: none).
    pub fn signing_key_cache(self, capacity: usize) -> Self {
        self.configure(|c| c.signing_key_cache = capacity)
    }

    /// A base domain under which buckets are addressed virtual-hosted style
    /// (`bucket.DOMAIN`); may be called more than once.
    pub fn domain(self, domain: impl Into<String>) -> Self {
        let domain = domain.into().to_ascii_lowercase();
        self.configure(|c| c.domains.push(domain))
    }

    /// Whether Signature Version 2 is accepted.
    pub fn signature_v2(self, policy: SignatureV2) -> Self {
        self.configure(|c| c.signature_v2 = policy)
    }

    /// The longest validity a presigned SigV4 URL may ask for in `X-Amz-Expires` (at most,
    /// and by default, 7 days).
    ///
    /// A SigV2 URL carries only the moment it ends (`Expires`), not when it was signed, so it
    /// has no lifetime to bound, as in S3; to bound every URL, switch SigV2 off with
    /// [`signature_v2`](Self::signature_v2).
    pub fn max_presign_expiry(self, expiry: Duration) -> Self {
        let expiry = expiry.min(Duration::from_secs(604_800));
        self.configure(|c| c.max_presign_expiry = expiry)
    }

    /// The largest chunk a streaming (`aws-chunked`) upload may announce; a larger one is
    /// refused with 400 `InvalidArgument`. Default 16 MiB, as MinIO. A signed chunk is held
    /// until its signature verifies, so this bounds the memory of one upload.
    pub fn max_chunk_size(self, bytes: usize) -> Self {
        self.configure(|c| c.max_chunk_size = bytes)
    }

    /// The longest chunk header line of a streaming upload, without its CRLF. Default 4 KiB;
    /// a signed header line is under 100 bytes.
    pub fn max_chunk_line(self, bytes: usize) -> Self {
        self.configure(|c| c.max_chunk_line = bytes)
    }

    /// The largest trailer section of a streaming upload. Default 16 KiB.
    pub fn max_trailer_size(self, bytes: usize) -> Self {
        self.configure(|c| c.max_trailer_size = bytes)
    }

    /// Whether non-final chunks under 8 KiB are accepted ([`ChunkSizePolicy::Lenient`], the
    /// default) or refused as S3 does.
    pub fn chunk_size_policy(self, policy: ChunkSizePolicy) -> Self {
        self.configure(|c| c.chunk_size_policy = policy)
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.verifier.config
    }
}

impl<S, C> Layer<S> for S3AuthLayer<C> {
    type Service = S3Auth<S, C>;

    fn layer(&self, inner: S) -> Self::Service {
        S3Auth::new(inner, Arc::clone(&self.verifier))
    }
}
