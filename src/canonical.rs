//! The canonical pieces SigV4 signs, shared by verification and presigning so they can
//! never drift apart: URI encoding, the canonical URI, the canonical query string and the
//! canonical header values.

use std::borrow::Cow;
use std::fmt;

use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

/// Every byte but the unreserved characters `A-Za-z0-9-_.~` is encoded.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// As [`QUERY_COMPONENT`], but `/` separates path segments and stays.
const PATH: &AsciiSet = &QUERY_COMPONENT.remove(b'/');

/// How the canonical URI is derived from the path a request carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriEncoding {
    /// S3: the path is decoded once and encoded once, so the canonical URI is the object key
    /// as the client meant it, whatever escaping the client chose on the wire.
    #[default]
    Single,
    /// Other SigV4 services: the path as sent on the wire is encoded once more.
    Double,
}

/// Whether the canonical URI is normalised (dot segments removed, repeated slashes merged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathNormalization {
    /// S3: the path is signed exactly as sent; `//`, `.` and `..` are part of the key.
    #[default]
    Off,
    /// Other SigV4 services: RFC 3986 dot-segment removal and merged slashes.
    On,
}

/// `UriEncode` of the SigV4 spec for a query key or value: every byte but `A-Za-z0-9-_.~`
/// as `%XX` with uppercase hex.
pub(crate) fn encode_component(bytes: &[u8]) -> impl fmt::Display + '_ {
    percent_encode(bytes, QUERY_COMPONENT)
}

/// A path encoded for the wire and for the canonical URI: as [`encode_component`], but `/`
/// stays.
pub(crate) fn encode_path(bytes: &[u8]) -> impl fmt::Display + '_ {
    percent_encode(bytes, PATH)
}

/// The canonical URI: the path, encoded per `encoding`, normalised per `normalization`;
/// an empty path is `/`.
pub(crate) fn canonical_uri(
    path: &str,
    encoding: UriEncoding,
    normalization: PathNormalization,
) -> String {
    let path: Cow<'_, str> = match normalization {
        PathNormalization::Off => Cow::Borrowed(path),
        PathNormalization::On => Cow::Owned(normalize_path(path)),
    };
    let decoded: Cow<'_, [u8]> = match encoding {
        UriEncoding::Single => percent_decode_str(&path).into(),
        UriEncoding::Double => Cow::Borrowed(path.as_bytes()),
    };
    if decoded.is_empty() {
        return "/".to_owned();
    }
    percent_encode(&decoded, PATH).to_string()
}

/// Removes `.` and `..` segments and merges repeated slashes, keeping a trailing slash.
fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    let ends_as_directory = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if out.is_empty() || (ends_as_directory && !segments.is_empty()) {
        out.push('/');
    }
    out
}

/// The canonical query string: each parameter's key and value decoded then `UriEncode`d,
/// sorted by key then value, `key=value` joined with `&` (`key=` for a bare key). The
/// parameter `skip` (the presigned signature) is left out.
pub(crate) fn canonical_query(query: &str, skip: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode_query_component(key);
            if skip.is_some_and(|s| s.as_bytes() == key.as_slice()) {
                return None;
            }
            let value = decode_query_component(value);
            Some((
                encode_component(&key).to_string(),
                encode_component(&value).to_string(),
            ))
        })
        .collect();
    pairs.sort_unstable();

    let mut out = String::with_capacity(query.len() + 16);
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Decodes a query key or value: `%XX` escapes, and `+` as a space, as form-encoded query
/// strings mean it and as the AWS signers read it (SDKs themselves always send `%2B`).
pub(crate) fn decode_query_component(text: &str) -> Vec<u8> {
    // Split first, so that only a literal `+` becomes a space and an escaped `%2B` a plus.
    let mut bytes = Vec::with_capacity(text.len());
    for (i, piece) in text.split('+').enumerate() {
        if i > 0 {
            bytes.push(b' ');
        }
        bytes.extend(percent_decode_str(piece));
    }
    bytes
}

/// Appends the canonical value of header `name`: every value in arrival order, each trimmed
/// with inner runs of whitespace folded to one space, joined with `,`.
pub(crate) fn push_header_value(out: &mut Vec<u8>, headers: &HeaderMap, name: &str) {
    for (i, value) in headers.get_all(name).iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_folded(out, value.as_bytes());
    }
}

/// Appends `value` trimmed, with each inner run of spaces and tabs as one space.
pub(crate) fn push_folded(out: &mut Vec<u8>, value: &[u8]) {
    let mut pending_space = false;
    let mut started = false;
    for &b in value {
        if b == b' ' || b == b'\t' {
            pending_space = started;
            continue;
        }
        if pending_space {
            out.push(b' ');
            pending_space = false;
        }
        out.push(b);
        started = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_uri_is_decoded_then_encoded_once_without_normalising() {
        let s3 = |p| canonical_uri(p, UriEncoding::Single, PathNormalization::Off);
        assert_eq!(s3(""), "/");
        assert_eq!(s3("/a b/c+d"), "/a%20b/c%2Bd");
        assert_eq!(s3("/a%20b/%7e"), "/a%20b/~");
        assert_eq!(s3("//a/./../b"), "//a/./../b");
        assert_eq!(s3("/%E1%88%B4"), "/%E1%88%B4");
    }

    #[test]
    fn other_services_encode_twice_and_normalise() {
        let generic = |p| canonical_uri(p, UriEncoding::Double, PathNormalization::On);
        assert_eq!(generic("/a%20b"), "/a%2520b");
        assert_eq!(generic("//example//"), "/example/");
        assert_eq!(generic("/example1/example2/../.."), "/");
        assert_eq!(generic("/./"), "/");
        assert_eq!(generic("/a/./b/.."), "/a/");
    }

    #[test]
    fn query_is_sorted_encoded_and_skips_the_signature() {
        assert_eq!(
            canonical_query(
                "b=2&a=1&a=0&X-Amz-Signature=ff&c&d=%2f x",
                Some("X-Amz-Signature")
            ),
            "a=0&a=1&b=2&c=&d=%2F%20x"
        );
        assert_eq!(canonical_query("", None), "");
    }

    #[test]
    fn a_literal_plus_in_the_query_is_a_space_and_an_escaped_one_a_plus() {
        assert_eq!(
            canonical_query("prefix=a+b&k=%2B", None),
            "k=%2B&prefix=a%20b"
        );
        assert_eq!(decode_query_component("+a+"), b" a ");
        assert_eq!(decode_query_component("a%20b"), b"a b");
    }

    #[test]
    fn header_values_are_trimmed_and_folded() {
        let mut out = Vec::new();
        push_folded(&mut out, b"  a   b \t c  ");
        assert_eq!(out, b"a b c");
        let mut headers = HeaderMap::new();
        headers.append("x-a", " 1 ".parse().unwrap());
        headers.append("x-a", "2  3".parse().unwrap());
        let mut out = Vec::new();
        push_header_value(&mut out, &headers, "x-a");
        assert_eq!(out, b"1,2 3");
    }
}
