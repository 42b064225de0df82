//! The payload hash a SigV4 request declares (`x-amz-content-sha256`), and `Content-MD5`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;

use crate::error::{Error, ErrorKind};

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
    fn from_header(value: &str) -> Option<Self> {
        Some(match value {
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" => Self::Signed,
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" => Self::SignedWithTrailer,
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER" => Self::UnsignedWithTrailer,
            "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD" => Self::EcdsaSigned,
            "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER" => Self::EcdsaSignedWithTrailer,
            _ => return None,
        })
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
    ///
    /// # Errors
    ///
    /// `InvalidRequest` when the header is missing, `InvalidArgument` when it is none of the
    /// accepted forms.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Result<Self, Error> {
        let Some(value) = headers.get("x-amz-content-sha256") else {
            return Err(Error::with_message(
                ErrorKind::InvalidRequest,
                "Missing required header for this request: x-amz-content-sha256",
            ));
        };
        let text = value.to_str().unwrap_or("");
        Self::parse(text).ok_or_else(|| {
            Error::with_message(
                ErrorKind::InvalidArgument,
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, \
                 STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, \
                 STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, \
                 STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.",
            )
            .extra("ArgumentName", "x-amz-content-sha256")
            .extra("ArgumentValue", text)
        })
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
}
