//! The checks of a body sent as it is (not `aws-chunked`): the SHA-256 the client signed in
//! `x-amz-content-sha256`, `Content-MD5` and an `x-amz-checksum-*` header.

use http::HeaderMap;

use super::checksum::{self, ChecksumPlan, Digests};
use crate::error::{Error, ErrorKind};

/// What a plain body must prove.
#[derive(Debug, Default)]
pub(crate) struct PlainPlan {
    pub(super) sha256: Option<[u8; 32]>,
    pub(super) md5: Option<[u8; 16]>,
    pub(super) checksum: Option<ChecksumPlan>,
}

impl PlainPlan {
    pub(super) fn is_empty(&self) -> bool {
        self.sha256.is_none() && self.md5.is_none() && self.checksum.is_none()
    }
}

/// The running digests of a plain body being checked.
pub(crate) struct PlainChecks {
    plan: PlainPlan,
    digests: Option<Digests>,
}

impl PlainChecks {
    /// The checks of `plan`; `None` when it asks for none.
    pub(super) fn new(plan: PlainPlan) -> Option<Box<Self>> {
        if plan.is_empty() {
            return None;
        }
        let digests = Digests::new(
            plan.sha256.is_some(),
            plan.md5.is_some(),
            plan.checksum.as_ref().map(|c| c.algorithm),
        );
        Some(Box::new(Self {
            plan,
            digests: Some(digests),
        }))
    }

    pub(super) fn update(&mut self, data: &[u8]) {
        if let Some(digests) = &mut self.digests {
            digests.update(data);
        }
    }

    /// The verdict once every byte has been seen: the trailers carrying the verified
    /// checksum, if the request sent one.
    pub(super) fn finish(&mut self) -> Result<Option<HeaderMap>, Error> {
        let Some(digests) = self.digests.take() else {
            return Ok(None);
        };
        let computed = digests.finish();
        if let (Some(expected), Some(computed)) = (self.plan.sha256, computed.sha256)
            && computed != expected
        {
            return Err(Error::new(ErrorKind::XAmzContentSha256Mismatch)
                .extra("ClientComputedContentSHA256", hex::encode(expected))
                .extra("S3ComputedContentSHA256", hex::encode(computed)));
        }
        if let (Some(expected), Some(computed)) = (self.plan.md5, computed.md5) {
            checksum::check_md5(expected, computed)?;
        }
        let (Some(plan), Some(computed)) = (&self.plan.checksum, computed.checksum) else {
            return Ok(None);
        };
        if plan.expected.as_deref() != Some(computed.as_slice()) {
            return Err(plan.algorithm.mismatch());
        }
        Ok(Some(checksum::verified_trailers(plan.algorithm, &computed)))
    }
}

impl std::fmt::Debug for PlainChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainChecks")
            .field("plan", &self.plan)
            .finish_non_exhaustive()
    }
}
