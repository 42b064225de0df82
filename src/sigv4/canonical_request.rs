//! The SigV4 canonical request.

use std::fmt;

use http::request::Parts;
use http::{HeaderMap, Method};
use sha2::{Digest, Sha256};

use super::SignedHeaders;
use crate::canonical::{self, PathNormalization, UriEncoding};

/// How a request's path and query become canonical.
#[derive(Clone, Copy, Debug, Default)]
pub struct CanonicalOptions<'a> {
    /// How the path is encoded.
    pub uri_encoding: UriEncoding,
    /// Whether the path is normalised.
    pub normalization: PathNormalization,
    /// A query parameter left out (the presigned `X-Amz-Signature`).
    pub skip_query_param: Option<&'a str>,
}

/// `METHOD\nURI\nQUERY\nHEADERS\n\nSIGNED_HEADERS\nPAYLOAD_HASH`: what SigV4 hashes.
///
/// [`CanonicalRequest::to_bytes`] (and `Display`, for UTF-8 values) is exactly the hashed text.
/// Its `Debug` shows the query and the headers by length only: they may carry the session
/// token.
#[derive(Clone)]
pub struct CanonicalRequest<'a> {
    method: &'a str,
    uri: String,
    query: String,
    headers: Vec<u8>,
    signed_headers: &'a str,
    payload_hash: &'a str,
}

impl fmt::Debug for CanonicalRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CanonicalRequest")
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("query", &format_args!("<{} bytes>", self.query.len()))
            .field("headers", &format_args!("<{} bytes>", self.headers.len()))
            .field("signed_headers", &self.signed_headers)
            .field("payload_hash", &self.payload_hash)
            .finish()
    }
}

impl<'a> CanonicalRequest<'a> {
    /// Builds the canonical request of `parts`.
    ///
    /// Each signed header contributes its values in arrival order, folded and joined with
    /// `,`. `host` falls back to the URI's authority (HTTP/2 has no `Host` header), and a
    /// signed `expect` that a proxy or the HTTP stack consumed counts as `100-continue`.
    pub fn from_parts(
        parts: &'a Parts,
        signed_headers: &'a SignedHeaders,
        payload_hash: &'a str,
        options: CanonicalOptions<'_>,
    ) -> Self {
        Self::new(
            &parts.method,
            parts.uri.path(),
            parts.uri.query().unwrap_or(""),
            &parts.headers,
            parts.uri.authority().map(|a| a.as_str()),
            signed_headers,
            payload_hash,
            options,
        )
    }

    /// Builds a canonical request from its pieces.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        method: &'a Method,
        path: &str,
        query: &str,
        headers: &HeaderMap,
        authority: Option<&str>,
        signed_headers: &'a SignedHeaders,
        payload_hash: &'a str,
        options: CanonicalOptions<'_>,
    ) -> Self {
        let mut lines = Vec::with_capacity(256);
        for name in signed_headers.names() {
            lines.extend_from_slice(name.as_bytes());
            lines.push(b':');
            if headers.contains_key(name) {
                canonical::push_header_value(&mut lines, headers, name);
            } else if name == "host" {
                canonical::push_folded(&mut lines, authority.unwrap_or("").as_bytes());
            } else if name == "expect" {
                lines.extend_from_slice(b"100-continue");
            }
            lines.push(b'\n');
        }
        Self {
            method: method.as_str(),
            uri: canonical::canonical_uri(path, options.uri_encoding, options.normalization),
            query: canonical::canonical_query(query, options.skip_query_param),
            headers: lines,
            signed_headers: signed_headers.as_str(),
            payload_hash,
        }
    }

    fn pieces(&self) -> [&[u8]; 11] {
        [
            self.method.as_bytes(),
            b"\n",
            self.uri.as_bytes(),
            b"\n",
            self.query.as_bytes(),
            b"\n",
            &self.headers,
            b"\n",
            self.signed_headers.as_bytes(),
            b"\n",
            self.payload_hash.as_bytes(),
        ]
    }

    /// `SHA-256` of the canonical request, hashed piece by piece.
    pub fn hash(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        for piece in self.pieces() {
            hasher.update(piece);
        }
        hasher.finalize().into()
    }

    /// The canonical request's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.pieces().concat()
    }
}

impl fmt::Display for CanonicalRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_neither_the_query_nor_the_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-security-token", "h-secret".parse().unwrap());
        let signed = SignedHeaders::parse("host;x-amz-security-token").unwrap();
        let canonical = CanonicalRequest::new(
            &Method::GET,
            "/b",
            "X-Amz-Security-Token=q-secret",
            &headers,
            Some("h"),
            &signed,
            "UNSIGNED-PAYLOAD",
            CanonicalOptions::default(),
        );
        let shown = format!("{canonical:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("uri: \"/b\""), "{shown}");
        assert!(
            String::from_utf8(canonical.to_bytes())
                .unwrap()
                .contains("h-secret"),
            "the text itself is whole"
        );
    }
}
