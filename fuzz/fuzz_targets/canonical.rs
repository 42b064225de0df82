//! `CanonicalRequest::new` on arbitrary method, path, query, headers and signed-header list:
//! it never panics, its bytes are its `Display` and its hash is theirs, and each line has the
//! shape SigV4 gives it.

#![no_main]

use arbitrary::Arbitrary;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use tower_s3_auth::sigv4::{CanonicalOptions, CanonicalRequest, SignedHeaders};
use tower_s3_auth::{PathNormalization, UriEncoding};
use tower_s3_auth_fuzz::encode;

#[derive(Arbitrary, Debug)]
struct Input {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, Vec<u8>)>,
    /// Used when it parses as a URI authority.
    authority: Option<String>,
    /// Used when it parses; else every header name present is signed.
    signed_headers: String,
    payload_hash: String,
    double_encoding: bool,
    normalize: bool,
    skip: Option<String>,
}

fuzz_target!(|input: Input| {
    let Ok(method) = Method::from_bytes(input.method.as_bytes()) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for (name, value) in &input.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    // The layer takes the authority from a parsed URI, which holds no line break.
    let authority = input
        .authority
        .as_deref()
        .and_then(|a| a.parse::<http::uri::Authority>().ok());
    let authority = authority.as_ref().map(http::uri::Authority::as_str);
    let signed = SignedHeaders::parse(&input.signed_headers).or_else(|| {
        let mut names: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        names.push("host");
        names.sort_unstable();
        names.dedup();
        SignedHeaders::parse(&names.join(";"))
    });
    let Some(signed) = signed else {
        panic!("a sorted list of header names is a valid SignedHeaders");
    };
    let options = CanonicalOptions {
        uri_encoding: if input.double_encoding {
            UriEncoding::Double
        } else {
            UriEncoding::Single
        },
        normalization: if input.normalize {
            PathNormalization::On
        } else {
            PathNormalization::Off
        },
        skip_query_param: input.skip.as_deref(),
    };
    let canonical = CanonicalRequest::new(
        &method,
        &input.path,
        &input.query,
        &headers,
        authority,
        &signed,
        &input.payload_hash,
        options,
    );

    let bytes = canonical.to_bytes();
    assert_eq!(
        canonical.hash(),
        <[u8; 32]>::from(Sha256::digest(&bytes)),
        "hash() is the SHA-256 of to_bytes()"
    );
    if headers
        .values()
        .all(|v| std::str::from_utf8(v.as_bytes()).is_ok())
    {
        let text =
            std::str::from_utf8(&bytes).expect("UTF-8 input makes a UTF-8 canonical request");
        assert_eq!(canonical.to_string(), text, "Display is exactly to_bytes()");
    }
    if let Ok(text) = std::str::from_utf8(&bytes) {
        assert_eq!(
            canonical.to_string(),
            text,
            "Display is exactly to_bytes() when UTF-8"
        );
    }

    let mut lines = bytes.split(|&b| b == b'\n');
    let mut next = || lines.next().expect("a canonical request has every line");
    assert_eq!(next(), method.as_str().as_bytes(), "line 1 is the method");
    let uri = next();
    assert!(
        !uri.is_empty() && is_encoded(uri, b"/"),
        "line 2 is an encoded URI: {uri:?}"
    );
    let query = next();
    let mut previous: Option<(&[u8], &[u8])> = None;
    for pair in query
        .split(|&b| b == b'&')
        .filter(|p| !query.is_empty() || !p.is_empty())
    {
        let mut halves = pair.split(|&b| b == b'=');
        let (Some(key), Some(value), None) = (halves.next(), halves.next(), halves.next()) else {
            panic!("each canonical pair has one '=': {query:?}");
        };
        assert!(
            is_encoded(key, b"") && is_encoded(value, b""),
            "line 3 holds encoded pairs: {query:?}"
        );
        assert!(
            previous.is_none_or(|p| p <= (key, value)),
            "the pairs are sorted by key, then value: {query:?}"
        );
        assert!(
            input
                .skip
                .as_deref()
                .is_none_or(|skip| key != encode(skip).as_bytes()),
            "the skipped parameter is left out: {query:?}"
        );
        previous = Some((key, value));
    }
    for name in signed.names() {
        let line = next();
        assert!(
            line.starts_with(name.as_bytes()) && line.get(name.len()) == Some(&b':'),
            "each signed header has its line, in order: {name}"
        );
    }
    assert_eq!(next(), b"", "the headers end with a blank line");
    assert_eq!(
        next(),
        signed.as_str().as_bytes(),
        "then the signed headers"
    );

    // S3's canonical URI and any canonical query are fixed points: canonicalising them again
    // changes nothing.
    if !input.double_encoding && !input.normalize {
        let again = CanonicalRequest::new(
            &method,
            std::str::from_utf8(uri).expect("an encoded URI is ASCII"),
            std::str::from_utf8(query).expect("an encoded query is ASCII"),
            &headers,
            authority,
            &signed,
            &input.payload_hash,
            CanonicalOptions::default(),
        );
        assert_eq!(
            again.to_bytes(),
            bytes,
            "canonicalising twice changes nothing"
        );
    }
});

/// Only unreserved bytes, `%XX` with uppercase hex, and `extra`.
fn is_encoded(text: &[u8], extra: &[u8]) -> bool {
    let mut rest = text;
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let [h, l, ..] = tail else { return false };
            let upper_hex = |c: &u8| c.is_ascii_digit() || (b'A'..=b'F').contains(c);
            if !upper_hex(h) || !upper_hex(l) {
                return false;
            }
            rest = &tail[2..];
        } else {
            if !(b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || extra.contains(&b)) {
                return false;
            }
            rest = tail;
        }
    }
    true
}
