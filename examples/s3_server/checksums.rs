//! The additional checksums S3 keeps with an object (`x-amz-checksum-*`: CRC32, CRC32C,
//! CRC64NVME, SHA1, SHA256) and returns when asked (`x-amz-checksum-mode: ENABLED`).
//!
//! For an upload the server computes nothing itself: it keeps the value the auth layer's
//! verifying body checked. A completed multipart upload gets the checksum S3 derives from its
//! parts.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crc_fast::CrcAlgorithm;
use http::{HeaderMap, HeaderValue};
use sha2::Digest as _;

use super::errors::S3Error;
use super::xml::XmlWriter;

/// A checksum algorithm S3 supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl Algorithm {
    const ALL: [Self; 5] = [
        Self::Crc32,
        Self::Crc32c,
        Self::Crc64Nvme,
        Self::Sha1,
        Self::Sha256,
    ];

    /// The name in `x-amz-checksum-algorithm` and in `<ChecksumAlgorithm>`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    /// The header (or trailer) that carries a value.
    fn header_name(self) -> &'static str {
        match self {
            Self::Crc32 => "x-amz-checksum-crc32",
            Self::Crc32c => "x-amz-checksum-crc32c",
            Self::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Self::Sha1 => "x-amz-checksum-sha1",
            Self::Sha256 => "x-amz-checksum-sha256",
        }
    }

    /// The element that carries a value in XML: `ChecksumCRC32`, ...
    fn element_name(self) -> &'static str {
        match self {
            Self::Crc32 => "ChecksumCRC32",
            Self::Crc32c => "ChecksumCRC32C",
            Self::Crc64Nvme => "ChecksumCRC64NVME",
            Self::Sha1 => "ChecksumSHA1",
            Self::Sha256 => "ChecksumSHA256",
        }
    }

    /// `x-amz-checksum-algorithm` of a `CreateMultipartUpload`, if sent.
    pub(crate) fn requested(headers: &HeaderMap) -> Result<Option<Self>, S3Error> {
        let Some(value) = headers.get("x-amz-checksum-algorithm") else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(value.as_bytes());
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(&text))
            .map(Some)
            .ok_or_else(|| S3Error::invalid_request("Checksum algorithm provided is unsupported."))
    }

    /// The digest, big-endian as S3 encodes it.
    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        let crc32 = |crc| {
            (crc_fast::checksum(crc, data) as u32)
                .to_be_bytes()
                .to_vec()
        };
        match self {
            Self::Crc32 => crc32(CrcAlgorithm::Crc32IsoHdlc),
            Self::Crc32c => crc32(CrcAlgorithm::Crc32Iscsi),
            Self::Crc64Nvme => crc_fast::checksum(CrcAlgorithm::Crc64Nvme, data)
                .to_be_bytes()
                .to_vec(),
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
        }
    }
}

/// Whether a checksum covers the object's bytes (`FULL_OBJECT`) or is the checksum of its
/// parts' checksums (`COMPOSITE`, multipart uploads only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChecksumType {
    FullObject,
    Composite,
}

impl ChecksumType {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::FullObject => "FULL_OBJECT",
            Self::Composite => "COMPOSITE",
        }
    }

    /// The type a multipart upload of `algorithm` asks for in `x-amz-checksum-type`, or S3's
    /// default: full-object for CRC64NVME (the only type it has), composite for the others.
    /// Only the CRCs can be combined into a full-object checksum.
    pub(crate) fn requested(headers: &HeaderMap, algorithm: Algorithm) -> Result<Self, S3Error> {
        let requested = match headers
            .get("x-amz-checksum-type")
            .map(HeaderValue::as_bytes)
        {
            None if algorithm == Algorithm::Crc64Nvme => Self::FullObject,
            None => Self::Composite,
            Some(b"FULL_OBJECT") => Self::FullObject,
            Some(b"COMPOSITE") => Self::Composite,
            Some(_) => {
                return Err(S3Error::invalid_request(
                    "Value for x-amz-checksum-type header is invalid.",
                ));
            }
        };
        let allowed = match requested {
            Self::FullObject => !matches!(algorithm, Algorithm::Sha1 | Algorithm::Sha256),
            Self::Composite => algorithm != Algorithm::Crc64Nvme,
        };
        if !allowed {
            return Err(S3Error::invalid_request(format!(
                "The {} checksum type cannot be used with the {} checksum algorithm.",
                requested.as_str(),
                algorithm.name().to_ascii_lowercase()
            )));
        }
        Ok(requested)
    }
}

/// A checksum kept with an object or a part: base64 of the digest, with `-N` for a composite
/// checksum of N parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Checksum {
    pub(crate) algorithm: Algorithm,
    pub(crate) value: String,
    pub(crate) kind: ChecksumType,
}

impl Checksum {
    /// The checksum of `data`, computed here.
    pub(crate) fn compute(algorithm: Algorithm, data: &[u8]) -> Self {
        Self {
            algorithm,
            value: STANDARD.encode(algorithm.digest(data)),
            kind: ChecksumType::FullObject,
        }
    }

    /// The checksum a request body carried, as the auth layer verified it: the verifying body
    /// ends with a trailers frame holding the verified value.
    ///
    /// Only a checksum the request declared counts: an `x-amz-checksum-*` header (whose value
    /// the trailer must repeat), or a trailer named in `x-amz-trailer` of an `aws-chunked`
    /// upload. The auth layer drops the transport's own HTTP trailers, so the trailers here
    /// are the checksums it verified; the declaration is checked all the same, so that a body
    /// that did not pass through the layer cannot have an unverified value stored.
    pub(crate) fn verified(headers: &HeaderMap, trailers: Option<&HeaderMap>) -> Option<Self> {
        let trailers = trailers?;
        let streaming = headers
            .get("x-amz-content-sha256")
            .is_some_and(|v| v.as_bytes().starts_with(b"STREAMING-"));
        let declared_trailer = |name: &str| {
            streaming
                && headers
                    .get_all("x-amz-trailer")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .any(|t| t.trim().eq_ignore_ascii_case(name))
        };
        Algorithm::ALL.into_iter().find_map(|algorithm| {
            let name = algorithm.header_name();
            let header = headers.get(name).and_then(|v| v.to_str().ok());
            if header.is_none() && !declared_trailer(name) {
                return None;
            }
            let value = trailers.get_all(name).iter().next_back()?.to_str().ok()?;
            if header.is_some_and(|h| h.trim() != value) {
                return None;
            }
            Some(Self {
                algorithm,
                value: value.to_owned(),
                kind: ChecksumType::FullObject,
            })
        })
    }

    /// The checksum of an object assembled from `parts` (each with a checksum of
    /// `algorithm`, in order): a full-object checksum is computed over `data`; a composite
    /// one is the checksum of the concatenated binary part checksums, with `-N`.
    pub(crate) fn of_parts(
        algorithm: Algorithm,
        kind: ChecksumType,
        parts: &[&Checksum],
        data: &[u8],
    ) -> Option<Self> {
        if kind == ChecksumType::FullObject {
            return Some(Self::compute(algorithm, data));
        }
        let mut joined = Vec::new();
        for part in parts {
            if part.algorithm != algorithm {
                return None;
            }
            joined.extend(STANDARD.decode(&part.value).ok()?);
        }
        let value = STANDARD.encode(algorithm.digest(&joined));
        Some(Self {
            algorithm,
            value: format!("{value}-{}", parts.len()),
            kind,
        })
    }

    /// `x-amz-checksum-<algorithm>`, as on an `UploadPart` response.
    pub(crate) fn insert_value(&self, headers: &mut HeaderMap) {
        // The value is base64, with `-N` at most: always a valid header value.
        if let Ok(value) = HeaderValue::try_from(self.value.as_str()) {
            headers.insert(self.algorithm.header_name(), value);
        }
    }

    /// `x-amz-checksum-<algorithm>` and `x-amz-checksum-type`, as on a `PutObject` response
    /// or a `GetObject` with checksum mode.
    pub(crate) fn insert_headers(&self, headers: &mut HeaderMap) {
        self.insert_value(headers);
        headers.insert(
            "x-amz-checksum-type",
            HeaderValue::from_static(self.kind.as_str()),
        );
    }

    /// `<ChecksumCRC32>value</ChecksumCRC32>` (or the element of its algorithm).
    pub(crate) fn write_element(&self, xml: &mut XmlWriter) {
        xml.element(self.algorithm.element_name(), &self.value);
    }

    /// The value of this checksum's element in a part of a `CompleteMultipartUpload` body.
    pub(crate) fn element_value<'a>(&self, elements: &'a [(String, String)]) -> Option<&'a str> {
        let name = self.algorithm.element_name();
        elements
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(n, v)| {
                let value = HeaderValue::try_from(*v).expect("test header value");
                (http::HeaderName::from_static(n), value)
            })
            .collect()
    }

    #[test]
    fn digests_of_the_check_string() {
        // The catalogue check values of "123456789" for the CRCs.
        for (algorithm, expected) in [
            (Algorithm::Crc32, "cbf43926"),
            (Algorithm::Crc32c, "e3069283"),
            (Algorithm::Crc64Nvme, "ae8b14860a799888"),
        ] {
            let digest = hex::encode(algorithm.digest(b"123456789"));
            assert_eq!(digest, expected, "check value of {}", algorithm.name());
        }
    }

    #[test]
    fn only_a_declared_checksum_is_kept() {
        let trailers = headers(&[("x-amz-checksum-crc32", "NjowIA==")]);
        let header = headers(&[("x-amz-checksum-crc32", "NjowIA==")]);
        let kept = Checksum::verified(&header, Some(&trailers)).expect("declared as a header");
        assert_eq!(
            kept.value, "NjowIA==",
            "checksum: the header's verified value"
        );

        let streaming = headers(&[
            ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
            ("x-amz-trailer", "x-amz-checksum-crc32"),
        ]);
        assert!(
            Checksum::verified(&streaming, Some(&trailers)).is_some(),
            "checksum: declared as a trailer of an aws-chunked upload"
        );

        let plain_with_trailer = headers(&[("x-amz-trailer", "x-amz-checksum-crc32")]);
        for (case, request) in [
            ("undeclared HTTP trailer", HeaderMap::new()),
            ("x-amz-trailer on a plain body", plain_with_trailer),
            (
                "header and trailer disagree",
                headers(&[("x-amz-checksum-crc32", "AAAAAA==")]),
            ),
        ] {
            assert_eq!(
                Checksum::verified(&request, Some(&trailers)),
                None,
                "checksum: {case} is not kept"
            );
        }
        assert_eq!(
            Checksum::verified(&header, None),
            None,
            "checksum: no trailers, no verified value"
        );
    }

    #[test]
    fn composite_checksum_of_parts() {
        let parts = [
            Checksum::compute(Algorithm::Crc32, b"first"),
            Checksum::compute(Algorithm::Crc32, b"second"),
        ];
        let refs: Vec<&Checksum> = parts.iter().collect();
        let composite = Checksum::of_parts(
            Algorithm::Crc32,
            ChecksumType::Composite,
            &refs,
            b"firstsecond",
        )
        .expect("composite of CRC32 parts");
        let mut joined = Algorithm::Crc32.digest(b"first");
        joined.extend(Algorithm::Crc32.digest(b"second"));
        let expected = format!("{}-2", STANDARD.encode(Algorithm::Crc32.digest(&joined)));
        assert_eq!(
            composite.value, expected,
            "composite: checksum of checksums, -N"
        );

        let full = Checksum::of_parts(
            Algorithm::Crc32,
            ChecksumType::FullObject,
            &refs,
            b"firstsecond",
        )
        .expect("full object");
        assert_eq!(
            full,
            Checksum::compute(Algorithm::Crc32, b"firstsecond"),
            "full object: over the bytes"
        );
    }

    #[test]
    fn checksum_types_per_algorithm() {
        let none = HeaderMap::new();
        for (algorithm, expected) in [
            (Algorithm::Crc64Nvme, ChecksumType::FullObject),
            (Algorithm::Sha256, ChecksumType::Composite),
        ] {
            let kind = ChecksumType::requested(&none, algorithm).expect("default type");
            assert_eq!(kind, expected, "default type of {}", algorithm.name());
        }
        let full = headers(&[("x-amz-checksum-type", "FULL_OBJECT")]);
        let error = ChecksumType::requested(&full, Algorithm::Sha1).expect_err("SHA1 full");
        assert_eq!(error.code(), "InvalidRequest", "FULL_OBJECT with SHA1");
        let composite = headers(&[("x-amz-checksum-type", "COMPOSITE")]);
        let error =
            ChecksumType::requested(&composite, Algorithm::Crc64Nvme).expect_err("CRC64 composite");
        assert_eq!(error.code(), "InvalidRequest", "COMPOSITE with CRC64NVME");
    }
}
