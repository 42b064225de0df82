//! The layer's configuration: one value, built once, shared by every request.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::canonical::{PathNormalization, UriEncoding};
use crate::clock::{Clock, DebugClock, SystemClock};

/// What the layer does with a request that carries no authentication at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AnonymousRequests {
    /// Refuse it with 403 `AccessDenied`.
    #[default]
    Reject,
    /// Pass it on with no [`Identity`](crate::Identity) attached; the application decides.
    Allow,
}

/// Whether `SignatureDoesNotMatch` carries the diagnostic elements S3 sends
/// (`StringToSign`, `CanonicalRequest`, their bytes, `SignatureProvided`, `AWSAccessKeyId`).
///
/// They are all values the client computed or sent, never a secret; they let a client author
/// find a signing bug.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureDiagnostics {
    /// Include them, as S3 does.
    #[default]
    Include,
    /// Leave them out.
    Omit,
}

/// Whether Signature Version 2 (HMAC-SHA1, `Authorization: AWS …` and `AWSAccessKeyId` URLs)
/// is accepted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureV2 {
    /// Accept it, as S3 did for buckets created before 2020 and as most S3-compatible
    /// servers still do: s3cmd and many older tools sign with it.
    #[default]
    Accept,
    /// Refuse it with 403 `AccessDenied`.
    Reject,
}

/// Whether a chunk of an `aws-chunked` body other than the last may be smaller than 8 KiB.
///
/// Amazon S3 refuses such a chunk with `InvalidChunkSizeError`. MinIO and Ceph accept it,
/// and so does this crate by default: the framing stays verified either way (every chunk is
/// signed or covered by the checksum), and legitimate encoders produce small chunks — an SDK
/// that re-chunks a stream whose reads return short buffers, or a body relayed from an HTTP
/// `Transfer-Encoding: chunked` stream, emits whatever sizes its source delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChunkSizePolicy {
    /// Accept chunks of any size, as MinIO and Ceph do.
    #[default]
    Lenient,
    /// Refuse a non-final chunk under 8192 bytes with `InvalidChunkSizeError`, as S3 does.
    Strict,
}

/// The settings of [`S3AuthLayer`](crate::S3AuthLayer); see each builder method there.
#[derive(Clone)]
pub struct Config {
    pub(crate) regions: Vec<String>,
    pub(crate) service: String,
    pub(crate) max_skew: Duration,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) anonymous: AnonymousRequests,
    pub(crate) diagnostics: SignatureDiagnostics,
    pub(crate) uri_encoding: UriEncoding,
    pub(crate) normalization: PathNormalization,
    pub(crate) signing_key_cache: usize,
    pub(crate) domains: Vec<String>,
    pub(crate) signature_v2: SignatureV2,
    pub(crate) max_presign_expiry: Duration,
    pub(crate) max_chunk_size: usize,
    pub(crate) max_chunk_line: usize,
    pub(crate) max_trailer_size: usize,
    pub(crate) chunk_size_policy: ChunkSizePolicy,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            regions: vec!["us-east-1".to_owned()],
            service: "s3".to_owned(),
            max_skew: Duration::from_secs(15 * 60),
            clock: Arc::new(SystemClock),
            anonymous: AnonymousRequests::Reject,
            diagnostics: SignatureDiagnostics::Include,
            uri_encoding: UriEncoding::Single,
            normalization: PathNormalization::Off,
            signing_key_cache: 4096,
            domains: Vec::new(),
            signature_v2: SignatureV2::Accept,
            max_presign_expiry: Duration::from_secs(604_800),
            max_chunk_size: 16 * 1024 * 1024,
            max_chunk_line: 4 * 1024,
            max_trailer_size: 16 * 1024,
            chunk_size_policy: ChunkSizePolicy::Lenient,
        }
    }
}

impl Config {
    /// Whether `region` is one this server accepts.
    pub(crate) fn accepts_region(&self, region: &str) -> bool {
        self.regions.iter().any(|r| r == region)
    }

    /// The region named in errors as the expected one.
    pub(crate) fn home_region(&self) -> &str {
        self.regions.first().map_or("us-east-1", String::as_str)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("regions", &self.regions)
            .field("service", &self.service)
            .field("max_skew", &self.max_skew)
            .field("clock", &DebugClock)
            .field("anonymous", &self.anonymous)
            .field("diagnostics", &self.diagnostics)
            .field("uri_encoding", &self.uri_encoding)
            .field("normalization", &self.normalization)
            .field("signing_key_cache", &self.signing_key_cache)
            .field("domains", &self.domains)
            .field("signature_v2", &self.signature_v2)
            .field("max_presign_expiry", &self.max_presign_expiry)
            .field("max_chunk_size", &self.max_chunk_size)
            .field("max_chunk_line", &self.max_chunk_line)
            .field("max_trailer_size", &self.max_trailer_size)
            .field("chunk_size_policy", &self.chunk_size_policy)
            .finish()
    }
}
