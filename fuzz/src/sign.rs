//! The harness's own signatures, made with the crate's public signing API over the request
//! exactly as it will be sent.

use std::fmt::Write as _;

use http::request::Parts;
use tower_s3_auth::sigv4::{ALGORITHM, CanonicalRequest, SignedHeaders, SigningKey, StringToSign};
use tower_s3_auth::{AddressingStyle, S3Target};

use crate::setup::{SECRET, Setup};

/// Every header name the request carries but `authorization`, sorted, plus `host`: the
/// `SignedHeaders` list of a client that signs everything it sends.
pub fn good_signed_headers(parts: &Parts) -> String {
    let mut names: Vec<&str> = parts
        .headers
        .keys()
        .map(|name| name.as_str())
        .filter(|name| *name != "authorization")
        .chain(["host"])
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(";")
}

/// The SigV4 signature, in hex, of `parts` for the scope `date/region/service/terminator`
/// at `timestamp`, or `None` when `signed_headers` is not a valid list.
#[allow(clippy::too_many_arguments)]
pub fn sigv4_signature(
    setup: Setup,
    parts: &Parts,
    signed_headers: &str,
    payload_hash: &str,
    timestamp: &str,
    [date, region, service, terminator]: [&str; 4],
    presigned: bool,
) -> Option<String> {
    let signed = SignedHeaders::parse(signed_headers)?;
    let options = setup.canonical_options(presigned);
    let canonical = CanonicalRequest::from_parts(parts, &signed, payload_hash, options);
    let scope = format!("{date}/{region}/{service}/{terminator}");
    let string_to_sign = StringToSign::new(ALGORITHM, timestamp, &scope, canonical.hash());
    let key = SigningKey::derive_parts(SECRET, date, region, service);
    Some(string_to_sign.sign(&key).to_hex())
}

/// The SigV2 signature, in base64, of `parts`; `expires` is the `Expires` of a presigned URL.
pub fn sigv2_signature(setup: Setup, parts: &Parts, expires: Option<&str>) -> String {
    let target = S3Target::of(parts, &setup.domains());
    let bucket = target
        .bucket
        .filter(|_| target.style == AddressingStyle::VirtualHosted);
    let string_to_sign = tower_s3_auth::sigv2::StringToSign::for_request(
        &parts.method,
        &parts.uri,
        &parts.headers,
        bucket.as_deref(),
        expires,
    );
    string_to_sign.sign(SECRET).to_base64()
}

/// Stands in the query for a presigned signature until the harness has computed it.
pub const SIGNATURE_PLACEHOLDER: &str = "HARNESS-SIGNATURE";

/// Puts `signature` (already encoded for a query) where [`SIGNATURE_PLACEHOLDER`] stands.
/// `false` when the URI no longer parses.
pub fn fill_signature(parts: &mut Parts, signature: &str) -> bool {
    let uri = parts
        .uri
        .to_string()
        .replacen(SIGNATURE_PLACEHOLDER, signature, 1);
    match uri.parse() {
        Ok(uri) => {
            parts.uri = uri;
            true
        }
        Err(_) => false,
    }
}

/// Percent-encodes every byte of `text` but `A-Za-z0-9-_.~`, as a query key or value.
pub fn encode(text: &str) -> String {
    text.bytes()
        .fold(String::with_capacity(text.len()), |mut out, b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                out.push(char::from(b));
            } else {
                let _ = write!(out, "%{b:02X}");
            }
            out
        })
}
