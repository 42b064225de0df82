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
            .finish()
    }
}
