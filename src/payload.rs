//! The payload hash a SigV4 request declares (`x-amz-content-sha256`), and `Content-MD5`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;

use crate::body::ChecksumAlgorithm;
use crate::error::{Error, ErrorKind};
use crate::request::single_header;

/// The streaming (`aws-chunked`) payload modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamingMode {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: every chunk signed.
    Signed,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: every chunk and the trailer signed.
    SignedWithTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: chunks unsigned, trailer carries a checksum.
    UnsignedWithTrailer,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD`: SigV4A, every chunk signed.
    EcdsaSigned,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER`: SigV4A with a signed trailer.
    EcdsaSignedWithTrailer,
}

impl StreamingMode {
    const ALL: [Self; 5] = [
        Self::Signed,
        Self::SignedWithTrailer,
        Self::UnsignedWithTrailer,
        Self::EcdsaSigned,
        Self::EcdsaSignedWithTrailer,
    ];

    /// The `x-amz-content-sha256` value that names this mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signed => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            Self::SignedWithTrailer => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            Self::UnsignedWithTrailer => "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            Self::EcdsaSigned => "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
            Self::EcdsaSignedWithTrailer => "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
        }
    }

    fn from_header(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.as_str() == value)
    }
}

/// What the client declared about the body in `x-amz-content-sha256`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadHash {
    /// The SHA-256 of the body; checked as it streams.
    Sha256([u8; 32]),
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature.
    Unsigned,
    /// An `aws-chunked` body.
    Streaming(StreamingMode),
}

impl PayloadHash {
    /// Parses `x-amz-content-sha256`, which S3 requires on header-authenticated requests.
    /// Returns the value as sent too: it enters the canonical request as it is.
    ///
    /// # Errors
    ///
    /// `InvalidRequest` when the header is missing, `InvalidArgument` when it is repeated or
    /// none of the accepted forms.
    pub(crate) fn required(headers: &HeaderMap) -> Result<(Self, String), Error> {
        Self::declared(headers)?.ok_or_else(|| {
            Error::with_message(
                ErrorKind::InvalidRequest,
                "Missing required header for this request: x-amz-content-sha256",
            )
        })
    }

    /// Parses `x-amz-content-sha256` where S3 does not require it (presigned URLs, SigV2,
    /// anonymous requests) but still holds the body to what it says.
    ///
    /// # Errors
    ///
    /// `InvalidArgument` when it is repeated or none of the accepted forms.
    pub(crate) fn declared(headers: &HeaderMap) -> Result<Option<(Self, String)>, Error> {
        let Some(value) = single_header(headers, "x-amz-content-sha256")? else {
            return Ok(None);
        };
        let text = value.to_str().unwrap_or("");
        let Some(parsed) = Self::parse(text) else {
            return Err(Error::with_message(
                ErrorKind::InvalidArgument,
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, \
                 STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, \
                 STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, \
                 STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
            )
            .extra("ArgumentName", "x-amz-content-sha256")
            .extra("ArgumentValue", text));
        };
        Ok(Some((parsed, text.to_owned())))
    }

    /// Parses a declared payload hash: 64 hex digits, `UNSIGNED-PAYLOAD` or a streaming mode.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        if text == "UNSIGNED-PAYLOAD" {
            return Some(Self::Unsigned);
        }
        if let Some(mode) = StreamingMode::from_header(text) {
            return Some(Self::Streaming(mode));
        }
        let mut digest = [0u8; 32];
        hex::decode_to_slice(text, &mut digest).ok()?;
        Some(Self::Sha256(digest))
    }
}

/// Parses `Content-MD5`: base64 of exactly 16 bytes.
///
/// # Errors
///
/// `InvalidDigest` for anything else.
pub(crate) fn content_md5(headers: &HeaderMap) -> Result<Option<[u8; 16]>, Error> {
    let Some(value) = headers.get("content-md5") else {
        return Ok(None);
    };
    let decoded = STANDARD.decode(value.as_bytes()).ok();
    match decoded.and_then(|d| <[u8; 16]>::try_from(d).ok()) {
        Some(digest) => Ok(Some(digest)),
        None => Err(Error::new(ErrorKind::InvalidDigest)),
    }
}

/// Parses `x-amz-decoded-content-length`, the payload size of a streaming upload.
///
/// # Errors
///
/// `MissingContentLength` when it is missing (S3 requires it), `InvalidArgument` when it is
/// not a decimal number.
pub(crate) fn decoded_content_length(headers: &HeaderMap) -> Result<u64, Error> {
    let Some(value) = headers.get("x-amz-decoded-content-length") else {
        return Err(Error::new(ErrorKind::MissingContentLength));
    };
    let text = value.to_str().unwrap_or("");
    let parsed = text
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse::<u64>().ok())
        .flatten();
    parsed.ok_or_else(|| {
        Error::with_message(
            ErrorKind::InvalidArgument,
            "x-amz-decoded-content-length must be a non-negative integer.",
        )
        .extra("ArgumentName", "x-amz-decoded-content-length")
        .extra("ArgumentValue", text)
    })
}

/// The trailers a streaming upload declares in `x-amz-trailer`: comma-separated names,
/// lowercased, each one of S3's checksum headers and named once.
///
/// # Errors
///
/// `InvalidRequest` for any other name, an empty name or a repeated one.
pub(crate) fn declared_trailers(headers: &HeaderMap) -> Result<Vec<String>, Error> {
    let unsupported = || {
        Error::with_message(
            ErrorKind::InvalidRequest,
            "The value specified in the x-amz-trailer header is not supported",
        )
    };
    let mut names: Vec<String> = Vec::new();
    for value in headers.get_all("x-amz-trailer") {
        let text = value.to_str().map_err(|_| unsupported())?;
        for name in text.split(',') {
            let name = name.trim_matches([' ', '\t']).to_ascii_lowercase();
            let known = ChecksumAlgorithm::from_header_name(&name).is_some();
            if !known || names.contains(&name) {
                return Err(unsupported());
            }
            names.push(name);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_hash_forms() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert!(matches!(
            PayloadHash::parse(empty),
            Some(PayloadHash::Sha256(_))
        ));
        assert_eq!(
            PayloadHash::parse("UNSIGNED-PAYLOAD"),
            Some(PayloadHash::Unsigned)
        );
        assert_eq!(
            PayloadHash::parse("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
            Some(PayloadHash::Streaming(StreamingMode::UnsignedWithTrailer))
        );
        assert_eq!(PayloadHash::parse(&empty[1..]), None);
        assert_eq!(PayloadHash::parse("unsigned-payload"), None);
    }

    #[test]
    fn content_md5_must_be_16_bytes_of_base64() {
        let mut headers = HeaderMap::new();
        assert_eq!(content_md5(&headers).unwrap(), None);
        headers.insert("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==".parse().unwrap());
        assert!(content_md5(&headers).unwrap().is_some());
        for bad in ["1B2M2Y8AsgTpgAmY7PhCf", "AAAA", "not base64!"] {
            headers.insert("content-md5", bad.parse().unwrap());
            let err = content_md5(&headers).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidDigest, "{bad}");
        }
    }

    #[test]
    fn decoded_content_length_is_required_and_decimal() {
        let mut headers = HeaderMap::new();
        let missing = decoded_content_length(&headers).unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::MissingContentLength, "missing");
        headers.insert("x-amz-decoded-content-length", "66560".parse().unwrap());
        assert_eq!(decoded_content_length(&headers).unwrap(), 66560);
        for bad in ["-1", "+5", "1e3", "", "18446744073709551616"] {
            headers.insert("x-amz-decoded-content-length", bad.parse().unwrap());
            let error = decoded_content_length(&headers).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{bad:?}");
        }
    }

    #[test]
    fn declared_trailers_are_checksum_names_once() {
        let mut headers = HeaderMap::new();
        assert!(
            declared_trailers(&headers).unwrap().is_empty(),
            "none declared"
        );
        headers.insert("x-amz-trailer", "X-Amz-Checksum-CRC32C".parse().unwrap());
        assert_eq!(
            declared_trailers(&headers).unwrap(),
            ["x-amz-checksum-crc32c"]
        );
        for bad in [
            "first,second",
            "x-amz-checksum-md5",
            "x-amz-checksum-crc32, x-amz-checksum-crc32",
            "",
        ] {
            headers.insert("x-amz-trailer", bad.parse().unwrap());
            let error = declared_trailers(&headers).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{bad:?}");
        }
    }
}
