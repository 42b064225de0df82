//! The fixed world every request is judged in: the clock, the credentials, and the few layer
//! configurations the fuzzer picks from.

use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use arbitrary::Arbitrary;
use tower_s3_auth::sigv4::CanonicalOptions;
use tower_s3_auth::{
    ChunkSizePolicy, Credential, FixedClock, PathNormalization, S3AuthLayer, SignatureDiagnostics,
    SignatureV2, StaticCredentials, UriEncoding,
};

/// The access key id of the one ordinary credential.
pub const ACCESS_KEY_ID: &str = "AKIDFUZZEXAMPLE";
/// The secret of every credential the store knows; no response may ever contain it.
pub const SECRET: &str = "fuzz+Secret/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// A temporary credential: needs [`TOKEN`].
pub const TEMPORARY_KEY_ID: &str = "ASIAFUZZEXAMPLE";
/// The session token of [`TEMPORARY_KEY_ID`].
pub const TOKEN: &str = "fuzz-session-token";
/// A credential that exists but is switched off.
pub const DISABLED_KEY_ID: &str = "AKIDFUZZDISABLED";
/// The region every setup accepts first.
pub const REGION: &str = "us-east-1";
/// The service of the S3 setups.
pub const SERVICE: &str = "s3";
/// The base domain of virtual-hosted buckets in [`Setup::Hosted`].
pub const DOMAIN: &str = "s3.fuzz.test";

/// The layer's clock: 2013-05-24T00:00:00Z.
pub const NOW_SECS: u64 = 1_369_353_600;
/// [`NOW_SECS`] as `x-amz-date`.
pub const AMZ_DATE: &str = "20130524T000000Z";
/// [`NOW_SECS`] as an HTTP `Date`.
pub const HTTP_DATE: &str = "Fri, 24 May 2013 00:00:00 GMT";

/// The layer configuration a request is sent through.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setup {
    /// Every default: path-style S3, one region.
    S3,
    /// Virtual-hosted buckets under [`DOMAIN`], two regions, S3's strict chunk sizes, no
    /// diagnostics in `SignatureDoesNotMatch`.
    Hosted,
    /// A SigV4 service that is not S3: double encoding, normalised paths, SigV2 refused,
    /// presigned URLs valid for an hour at most.
    Generic,
}

impl Setup {
    /// The layer of this setup, built once per process.
    pub fn layer(self) -> &'static S3AuthLayer<StaticCredentials> {
        static LAYERS: OnceLock<[S3AuthLayer<StaticCredentials>; 3]> = OnceLock::new();
        let layers = LAYERS.get_or_init(|| [Self::S3, Self::Hosted, Self::Generic].map(build));
        &layers[self as usize]
    }

    /// The service name this setup's scopes must carry.
    pub fn service(self) -> &'static str {
        match self {
            Self::S3 | Self::Hosted => SERVICE,
            Self::Generic => "execute-api",
        }
    }

    /// The domains under which buckets are virtual-hosted.
    pub fn domains(self) -> Vec<String> {
        match self {
            Self::Hosted => vec![DOMAIN.to_owned()],
            Self::S3 | Self::Generic => Vec::new(),
        }
    }

    /// How this setup canonicalises paths, for the harness's own signatures.
    pub fn canonical_options(self, presigned: bool) -> CanonicalOptions<'static> {
        let (uri_encoding, normalization) = match self {
            Self::Generic => (UriEncoding::Double, PathNormalization::On),
            Self::S3 | Self::Hosted => (UriEncoding::Single, PathNormalization::Off),
        };
        CanonicalOptions {
            uri_encoding,
            normalization,
            skip_query_param: presigned.then_some("X-Amz-Signature"),
        }
    }
}

fn build(setup: Setup) -> S3AuthLayer<StaticCredentials> {
    let now = UNIX_EPOCH + Duration::from_secs(NOW_SECS);
    let store = StaticCredentials::new([
        Credential::new(ACCESS_KEY_ID, SECRET).with_principal("fuzz"),
        Credential::new(TEMPORARY_KEY_ID, SECRET)
            .with_session_token(TOKEN)
            .with_expiry(now + Duration::from_secs(3600)),
        Credential::new(DISABLED_KEY_ID, SECRET).with_enabled(false),
    ]);
    let layer = S3AuthLayer::new(store).clock(FixedClock(now));
    match setup {
        Setup::S3 => layer,
        Setup::Hosted => layer
            .domain(DOMAIN)
            .regions([REGION, "eu-west-1"])
            .chunk_size_policy(ChunkSizePolicy::Strict)
            .signature_diagnostics(SignatureDiagnostics::Omit),
        Setup::Generic => layer
            .service(setup.service())
            .uri_encoding(UriEncoding::Double)
            .path_normalization(PathNormalization::On)
            .signature_v2(SignatureV2::Reject)
            .max_presign_expiry(Duration::from_secs(3600)),
    }
}
