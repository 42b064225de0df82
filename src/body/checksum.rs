//! The additional checksums of S3 (`x-amz-checksum-*`), `Content-MD5`, and the running digests
//! a body is checked with.
//!
//! A request carries at most one checksum: as a header (`x-amz-checksum-crc32: <base64>`) or,
//! in a streaming upload, as a trailer it declared in `x-amz-trailer`. The value is the base64
//! of the big-endian digest. `x-amz-sdk-checksum-algorithm`, when sent, must name the same
//! algorithm.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use md5::Md5;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind};

/// The checksum algorithms S3 accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChecksumAlgorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl ChecksumAlgorithm {
    const ALL: [Self; 5] = [
        Self::Crc32,
        Self::Crc32c,
        Self::Crc64Nvme,
        Self::Sha1,
        Self::Sha256,
    ];

    /// The header (or trailer) that carries its value.
    pub(crate) fn header_name(self) -> &'static str {
        match self {
            Self::Crc32 => "x-amz-checksum-crc32",
            Self::Crc32c => "x-amz-checksum-crc32c",
            Self::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Self::Sha1 => "x-amz-checksum-sha1",
            Self::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// The name S3 uses in messages and in `x-amz-sdk-checksum-algorithm`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    /// The algorithm whose value travels in header `name` (lowercase).
    pub(crate) fn from_header_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.header_name() == name)
    }

    /// Parses `x-amz-sdk-checksum-algorithm`, case-insensitive as S3 reads it.
    fn from_sdk_name(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(text))
    }

    fn digest_len(self) -> usize {
        match self {
            Self::Crc32 | Self::Crc32c => 4,
            Self::Crc64Nvme => 8,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }

    /// Decodes a header or trailer value: base64 of exactly one digest.
    pub(crate) fn decode(self, text: &str) -> Option<Vec<u8>> {
        let digest = STANDARD.decode(text.trim()).ok()?;
        (digest.len() == self.digest_len()).then_some(digest)
    }

    /// `BadDigest` for a body that does not match this checksum.
    pub(crate) fn mismatch(self) -> Error {
        Error::with_message(
            ErrorKind::BadDigest,
            format!(
                "The {} you specified did not match the calculated checksum.",
                self.name()
            ),
        )
    }
}

/// The running state of one checksum algorithm.
#[derive(Clone)]
enum Hasher {
    Crc(crc_fast::Digest, usize),
    Sha1(sha1::Sha1),
    Sha256(Sha256),
}

impl Hasher {
    fn new(algorithm: ChecksumAlgorithm) -> Self {
        use crc_fast::CrcAlgorithm as Crc;
        match algorithm {
            ChecksumAlgorithm::Crc32 => Self::Crc(crc_fast::Digest::new(Crc::Crc32IsoHdlc), 4),
            ChecksumAlgorithm::Crc32c => Self::Crc(crc_fast::Digest::new(Crc::Crc32Iscsi), 4),
            ChecksumAlgorithm::Crc64Nvme => Self::Crc(crc_fast::Digest::new(Crc::Crc64Nvme), 8),
            ChecksumAlgorithm::Sha1 => Self::Sha1(sha1::Sha1::new()),
            ChecksumAlgorithm::Sha256 => Self::Sha256(Sha256::new()),
        }
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            Self::Crc(digest, _) => digest.update(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
        }
    }

    /// The digest, big-endian as S3 encodes it.
    fn finalize(self) -> Vec<u8> {
        match self {
            Self::Crc(digest, width) => {
                let value = digest.finalize().to_be_bytes();
                value[value.len() - width..].to_vec()
            }
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// The checksum a request announced: its algorithm and, when sent as a header, its value
/// (a trailer's value arrives at the end of the body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChecksumPlan {
    pub(crate) algorithm: ChecksumAlgorithm,
    pub(crate) expected: Option<Vec<u8>>,
}

fn invalid_request(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::with_message(ErrorKind::InvalidRequest, message)
}

fn multiple_checksums() -> Error {
    invalid_request(
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    )
}

/// The one checksum a request carries, from its `x-amz-checksum-*` headers and the checksum
/// names among `trailers` (the declared trailers of a streaming upload; empty otherwise).
///
/// # Errors
///
/// `InvalidRequest` for more than one checksum, a value that is not base64 of one digest, or
/// an `x-amz-sdk-checksum-algorithm` that is unknown, names another algorithm, or comes
/// without any checksum.
pub(crate) fn checksum_plan(
    headers: &HeaderMap,
    trailers: &[String],
) -> Result<Option<ChecksumPlan>, Error> {
    let mut plan: Option<ChecksumPlan> = None;
    for algorithm in ChecksumAlgorithm::ALL {
        for value in headers.get_all(algorithm.header_name()) {
            if plan.is_some() {
                return Err(multiple_checksums());
            }
            let expected = value.to_str().ok().and_then(|v| algorithm.decode(v));
            let Some(expected) = expected else {
                return Err(invalid_request(format!(
                    "Value for {} header is invalid.",
                    algorithm.header_name()
                )));
            };
            plan = Some(ChecksumPlan {
                algorithm,
                expected: Some(expected),
            });
        }
    }
    for name in trailers {
        if let Some(algorithm) = ChecksumAlgorithm::from_header_name(name) {
            if plan.is_some() {
                return Err(multiple_checksums());
            }
            plan = Some(ChecksumPlan {
                algorithm,
                expected: None,
            });
        }
    }

    for sdk in headers.get_all("x-amz-sdk-checksum-algorithm") {
        let named = sdk.to_str().ok().and_then(ChecksumAlgorithm::from_sdk_name);
        match (&plan, named) {
            (_, None) => {
                return Err(invalid_request(
                    "Value for x-amz-sdk-checksum-algorithm header is invalid.",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid_request(
                    "x-amz-sdk-checksum-algorithm specified, but no corresponding \
                     x-amz-checksum-* or x-amz-trailer headers were found.",
                ));
            }
            (Some(plan), Some(named)) if plan.algorithm != named => {
                return Err(invalid_request(
                    "Value for x-amz-sdk-checksum-algorithm header is invalid.",
                ));
            }
            _ => {}
        }
    }
    Ok(plan)
}

/// The digests computed over a body as it passes: the payload SHA-256, `Content-MD5` and the
/// additional checksum, each only when the request asks for it.
pub(crate) struct Digests {
    sha256: Option<Sha256>,
    md5: Option<Md5>,
    checksum: Option<Hasher>,
    /// The checksum is SHA-256 and the payload hash is computed anyway: it is used twice.
    checksum_is_sha256: bool,
}

/// What the digests of a body came to.
pub(crate) struct Computed {
    pub(crate) sha256: Option<[u8; 32]>,
    pub(crate) md5: Option<[u8; 16]>,
    pub(crate) checksum: Option<Vec<u8>>,
}

impl Digests {
    pub(crate) fn new(sha256: bool, md5: bool, checksum: Option<ChecksumAlgorithm>) -> Self {
        let checksum_is_sha256 = sha256 && checksum == Some(ChecksumAlgorithm::Sha256);
        Self {
            sha256: sha256.then(Sha256::new),
            md5: md5.then(Md5::new),
            checksum: checksum.filter(|_| !checksum_is_sha256).map(Hasher::new),
            checksum_is_sha256,
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        if let Some(h) = &mut self.sha256 {
            h.update(data);
        }
        if let Some(h) = &mut self.md5 {
            h.update(data);
        }
        if let Some(h) = &mut self.checksum {
            h.update(data);
        }
    }

    pub(crate) fn finish(self) -> Computed {
        let sha256: Option<[u8; 32]> = self.sha256.map(|h| h.finalize().into());
        let checksum = match self.checksum_is_sha256 {
            true => sha256.map(|digest| digest.to_vec()),
            false => self.checksum.map(Hasher::finalize),
        };
        Computed {
            sha256,
            md5: self.md5.map(|h| h.finalize().into()),
            checksum,
        }
    }
}

/// `BadDigest` unless the body's MD5 equals `Content-MD5`.
pub(crate) fn check_md5(expected: [u8; 16], computed: [u8; 16]) -> Result<(), Error> {
    if computed == expected {
        return Ok(());
    }
    Err(Error::new(ErrorKind::BadDigest)
        .extra("ExpectedDigest", STANDARD.encode(expected))
        .extra("CalculatedDigest", STANDARD.encode(computed)))
}

/// The verified checksum as the trailer frame the handler receives: `x-amz-checksum-*` with
/// its base64 value.
pub(crate) fn verified_trailers(algorithm: ChecksumAlgorithm, digest: &[u8]) -> HeaderMap {
    let mut trailers = HeaderMap::new();
    let value = http::HeaderValue::try_from(STANDARD.encode(digest))
        .expect("base64 is a valid header value");
    trailers.insert(algorithm.header_name(), value);
    trailers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_of(algorithm: ChecksumAlgorithm, data: &[u8]) -> String {
        let mut digests = Digests::new(false, false, Some(algorithm));
        digests.update(data);
        STANDARD.encode(digests.finish().checksum.unwrap())
    }

    #[test]
    fn digests_match_published_values() {
        // Check values of the CRC catalogue ("123456789") and the S3 example of 66560 'a'.
        let check = |a, v: &[u8]| hex::encode(STANDARD.decode(digest_of(a, v)).unwrap());
        assert_eq!(check(ChecksumAlgorithm::Crc32, b"123456789"), "cbf43926");
        assert_eq!(check(ChecksumAlgorithm::Crc32c, b"123456789"), "e3069283");
        assert_eq!(
            check(ChecksumAlgorithm::Crc64Nvme, b"123456789"),
            "ae8b14860a799888"
        );
        assert_eq!(
            digest_of(ChecksumAlgorithm::Crc32c, &[b'a'; 66560]),
            "sOO8/Q==",
            "the CRC32C of S3's streaming trailer example"
        );
        assert_eq!(
            digest_of(ChecksumAlgorithm::Sha1, b"abc"),
            "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="
        );
        assert_eq!(
            digest_of(ChecksumAlgorithm::Sha256, b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn a_sha256_checksum_reuses_the_payload_hash() {
        let mut digests = Digests::new(true, false, Some(ChecksumAlgorithm::Sha256));
        assert!(digests.checksum.is_none(), "hashed once");
        digests.update(b"abc");
        let computed = digests.finish();
        let sha256 = computed.sha256.expect("the payload hash");
        assert_eq!(computed.checksum.as_deref(), Some(sha256.as_slice()));
        assert_eq!(
            STANDARD.encode(sha256),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
            "SHA-256 of abc"
        );
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn one_checksum_from_a_header_or_a_trailer() {
        let plan = checksum_plan(&headers(&[("x-amz-checksum-crc32", "AAAAAA==")]), &[])
            .unwrap()
            .unwrap();
        assert_eq!(plan.algorithm, ChecksumAlgorithm::Crc32);
        assert_eq!(plan.expected, Some(vec![0; 4]));

        let trailers = ["x-amz-checksum-sha256".to_owned()];
        let plan = checksum_plan(&HeaderMap::new(), &trailers)
            .unwrap()
            .unwrap();
        assert_eq!(plan.algorithm, ChecksumAlgorithm::Sha256);
        assert_eq!(plan.expected, None);
        assert_eq!(checksum_plan(&HeaderMap::new(), &[]).unwrap(), None);
    }

    #[test]
    fn checksum_header_errors_are_invalid_request() {
        // (case, headers, declared trailers, message)
        type Case<'a> = (
            &'a str,
            &'a [(&'static str, &'a str)],
            &'a [&'a str],
            &'a str,
        );
        let cases: &[Case<'_>] = &[
            (
                "two algorithms",
                &[
                    ("x-amz-checksum-crc32", "AAAAAA=="),
                    ("x-amz-checksum-sha1", "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="),
                ],
                &[],
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
            ),
            (
                "header and trailer",
                &[("x-amz-checksum-crc32", "AAAAAA==")],
                &["x-amz-checksum-crc32c"],
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
            ),
            (
                "digest of the wrong length",
                &[("x-amz-checksum-crc32", "AAAAAAA=")],
                &[],
                "Value for x-amz-checksum-crc32 header is invalid.",
            ),
            (
                "not base64",
                &[("x-amz-checksum-crc64nvme", "!!!")],
                &[],
                "Value for x-amz-checksum-crc64nvme header is invalid.",
            ),
            (
                "sdk algorithm names another",
                &[
                    ("x-amz-checksum-crc32", "AAAAAA=="),
                    ("x-amz-sdk-checksum-algorithm", "SHA256"),
                ],
                &[],
                "Value for x-amz-sdk-checksum-algorithm header is invalid.",
            ),
            (
                "sdk algorithm unknown",
                &[("x-amz-sdk-checksum-algorithm", "MD5")],
                &[],
                "Value for x-amz-sdk-checksum-algorithm header is invalid.",
            ),
            (
                "sdk algorithm without a checksum",
                &[("x-amz-sdk-checksum-algorithm", "CRC32")],
                &[],
                "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* \
                 or x-amz-trailer headers were found.",
            ),
        ];
        for (case, pairs, trailers, message) in cases {
            let trailers: Vec<String> = trailers.iter().map(|t| t.to_string()).collect();
            let error = checksum_plan(&headers(pairs), &trailers).expect_err(case);
            assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{case}");
            assert_eq!(error.message(), *message, "{case}");
        }
    }

    #[test]
    fn sdk_algorithm_is_case_insensitive() {
        let pairs = [
            ("x-amz-checksum-crc32c", "sOO8/Q=="),
            ("x-amz-sdk-checksum-algorithm", "crc32c"),
        ];
        assert!(checksum_plan(&headers(&pairs), &[]).unwrap().is_some());
    }
}
