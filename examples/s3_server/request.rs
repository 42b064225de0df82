//! A request's query parameters, and reading its verified body.
//!
//! Which bucket and key a request addresses is the auth layer's business: it resolves path and
//! virtual-hosted style for the signature anyway, and hands the result over in the `Identity`.

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, header};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use percent_encoding::percent_decode_str;

use super::checksums::Checksum;
use super::errors::S3Error;

/// Percent-decodes a query name or value.
fn decode(text: &str) -> Result<String, S3Error> {
    percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| S3Error::invalid_uri())
}

/// The decoded query parameters, in order.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

/// Sub-resources this server does not implement. A request naming one is answered
/// `NotImplemented` rather than served as the plain operation it would otherwise look like
/// (`GET /bucket?acl` is not a listing). `partNumber` is implemented only with `uploadId`
/// (`UploadPart`), not on its own (`GetObject` of one part).
const UNSUPPORTED_SUBRESOURCES: &[&str] = &[
    "accelerate",
    "acl",
    "analytics",
    "attributes",
    "cors",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "legal-hold",
    "lifecycle",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "restore",
    "retention",
    "select",
    "tagging",
    "torrent",
    "versioning",
    "versions",
    "website",
];

impl Query {
    /// Parses `a=1&b&c=x%20y`. A `+` is a space here, as in the form encoding some clients use
    /// for query strings; SDKs encode a literal plus as `%2B`.
    pub(crate) fn parse(query: Option<&str>) -> Result<Self, S3Error> {
        let decode = |text: &str| decode(&text.replace('+', " "));
        let mut params = Vec::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            params.push((decode(name)?, decode(value)?));
        }
        Ok(Self(params))
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The first sub-resource in the query that this server does not implement.
    pub(crate) fn unsupported_subresource(&self) -> Option<&str> {
        let part_of_object = self.has("partNumber") && !self.has("uploadId");
        self.0.iter().map(|(n, _)| n.as_str()).find(|n| {
            UNSUPPORTED_SUBRESOURCES.contains(n) || (part_of_object && *n == "partNumber")
        })
    }
}

/// The largest object S3 accepts in a single `PutObject`.
pub(crate) const MAX_OBJECT_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// The largest XML request body read (a `DeleteObjects` of 1000 long keys fits).
pub(crate) const MAX_XML_SIZE: u64 = 8 * 1024 * 1024;

/// A request body read to its end and verified: its bytes, and the additional checksum it
/// carried.
#[derive(Debug)]
pub(crate) struct Payload {
    pub(crate) data: Bytes,
    pub(crate) checksum: Option<Checksum>,
}

/// Reads the whole body, at most `limit` bytes.
///
/// The auth layer's `VerifyingBody` reports a failed check (payload hash, `Content-MD5`, a
/// checksum, a broken-off upload) as an error before the end of the stream, so a body returned
/// here has been verified; a verified checksum arrives as the trailers that end it, hence
/// `collect` rather than `axum::body::to_bytes`, which drops trailers. A failure is answered
/// as the S3 error it carries.
pub(crate) async fn read_payload(
    headers: &HeaderMap,
    body: Body,
    limit: u64,
) -> Result<Payload, S3Error> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(S3Error::entity_too_large(declared, limit));
    }

    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    let collected = Limited::new(body, cap).collect().await.map_err(|error| {
        let error: &(dyn std::error::Error + 'static) = &*error;
        if let Some(rejection) = tower_s3_auth::Error::find_in(error) {
            return S3Error::from(rejection);
        }
        let mut source = Some(error);
        while let Some(current) = source {
            if current.is::<LengthLimitError>() {
                return S3Error::entity_too_large(None, limit);
            }
            source = current.source();
        }
        S3Error::incomplete_body()
    })?;
    let checksum = Checksum::verified(headers, collected.trailers());
    Ok(Payload {
        data: collected.to_bytes(),
        checksum,
    })
}

/// The bytes of a body read as [`read_payload`] does (for XML documents).
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: u64,
) -> Result<Bytes, S3Error> {
    read_payload(headers, body, limit)
        .await
        .map(|payload| payload.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding_and_subresources() {
        let query = Query::parse(Some("prefix=a%2Bb+c&delimiter=&acl")).expect("query parses");
        assert_eq!(
            query.get("prefix"),
            Some("a+b c"),
            "query: %2B is a plus, + a space"
        );
        assert_eq!(query.get("delimiter"), Some(""), "query: empty value kept");
        assert_eq!(
            query.unsupported_subresource(),
            Some("acl"),
            "query: acl is unsupported"
        );
        let part = Query::parse(Some("partNumber=1")).expect("query parses");
        assert_eq!(
            part.unsupported_subresource(),
            Some("partNumber"),
            "query: partNumber alone (GetObject of a part) is unsupported"
        );
        let upload_part = Query::parse(Some("partNumber=1&uploadId=u")).expect("query parses");
        assert_eq!(
            upload_part.unsupported_subresource(),
            None,
            "query: partNumber with uploadId is UploadPart"
        );
        let invalid = Query::parse(Some("prefix=%FF")).expect_err("query: invalid UTF-8");
        assert_eq!(
            invalid.code(),
            "InvalidURI",
            "query: invalid UTF-8 is InvalidURI"
        );
    }
}
