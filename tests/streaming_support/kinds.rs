//! The streaming modes and checksum algorithms the tests range over, with their wire names
//! and digests computed by the tests themselves.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The streaming modes this crate verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Signed,
    SignedTrailer,
    UnsignedTrailer,
}

impl Mode {
    pub(crate) const ALL: [Self; 3] = [Self::Signed, Self::SignedTrailer, Self::UnsignedTrailer];

    /// The `x-amz-content-sha256` literal.
    pub(crate) fn literal(self) -> &'static str {
        match self {
            Self::Signed => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            Self::SignedTrailer => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            Self::UnsignedTrailer => "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        }
    }

    pub(crate) fn signed(self) -> bool {
        self != Self::UnsignedTrailer
    }

    pub(crate) fn has_trailer(self) -> bool {
        self != Self::Signed
    }
}

/// S3's checksum algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Alg {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl Alg {
    pub(crate) const ALL: [Self; 5] = [
        Self::Crc32,
        Self::Crc32c,
        Self::Crc64Nvme,
        Self::Sha1,
        Self::Sha256,
    ];

    pub(crate) fn header_name(self) -> &'static str {
        match self {
            Self::Crc32 => "x-amz-checksum-crc32",
            Self::Crc32c => "x-amz-checksum-crc32c",
            Self::Crc64Nvme => "x-amz-checksum-crc64nvme",
            Self::Sha1 => "x-amz-checksum-sha1",
            Self::Sha256 => "x-amz-checksum-sha256",
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Crc32 => "CRC32",
            Self::Crc32c => "CRC32C",
            Self::Crc64Nvme => "CRC64NVME",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    /// base64 of the big-endian digest of `data`.
    pub(crate) fn value(self, data: &[u8]) -> String {
        use crc_fast::CrcAlgorithm as Crc;
        let digest = match self {
            Self::Crc32 => (crc_fast::checksum(Crc::Crc32IsoHdlc, data) as u32)
                .to_be_bytes()
                .to_vec(),
            Self::Crc32c => (crc_fast::checksum(Crc::Crc32Iscsi, data) as u32)
                .to_be_bytes()
                .to_vec(),
            Self::Crc64Nvme => crc_fast::checksum(Crc::Crc64Nvme, data)
                .to_be_bytes()
                .to_vec(),
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
        };
        STANDARD.encode(digest)
    }
}
