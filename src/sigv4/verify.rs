//! The checks of a SigV4 request, in S3's order: parameters, time, scope, signed headers,
//! payload hash; then, with the credential, the signature. The `Authorization` header form is
//! here; the presigned (query) form parses in [`super::query`] and shares the rest.

use std::time::SystemTime;

use http::header::DATE;
use http::request::Parts;

use super::{ALGORITHM, Authorization, CanonicalOptions, CanonicalRequest, CredentialScope};
use super::{SignedHeaders, SigningKey, StringToSign};
use crate::config::Config;
use crate::credentials::SecretKey;
use crate::error::{Error, ErrorKind, SignedTexts, signature_mismatch};
use crate::payload::PayloadHash;
use crate::request::{session_token, single_header};
use crate::timestamp;

/// A SigV4 request that passed every check that needs no secret.
#[derive(Debug)]
pub(crate) struct SigV4Auth {
    /// The credential, scope, signed headers and signature, from the header or the query.
    pub(crate) authorization: Authorization,
    /// The request time in ISO 8601 basic form, as it enters the string to sign.
    pub(crate) timestamp: String,
    /// What the client declared about the body.
    pub(crate) payload: PayloadHash,
    /// The payload hash exactly as it enters the canonical request.
    pub(crate) payload_hash: String,
    /// Presigned: the signature and the token travel in the query.
    pub(crate) presigned: bool,
    /// The session token the request carries (`x-amz-security-token`), decoded.
    pub(crate) token: Option<SecretKey>,
}

/// Checks `Authorization: AWS4-HMAC-SHA256 <components>` up to the credential lookup.
pub(crate) fn check_header(
    parts: &Parts,
    components: &str,
    config: &Config,
    now: SystemTime,
) -> Result<SigV4Auth, Error> {
    let authorization = Authorization::parse_components(components)?;
    let (timestamp, time) = request_time(parts)?;
    check_skew(time, &timestamp.1, now, config)?;
    let malformed = |detail: String| {
        Error::with_message(
            ErrorKind::AuthorizationHeaderMalformed,
            format!("The authorization header is malformed; {detail}"),
        )
    };
    check_scope(&authorization.scope, &timestamp.0, config, malformed)?;
    check_signed_headers(parts, &authorization.signed_headers, malformed)?;
    let (payload, payload_hash) = PayloadHash::required(&parts.headers)?;
    let token = session_token(parts)?;
    Ok(SigV4Auth {
        authorization,
        timestamp: timestamp.0,
        payload,
        payload_hash,
        presigned: false,
        token,
    })
}

/// The request time: `x-amz-date` if present, else `Date`. Returns (ISO basic form, as sent)
/// and the instant.
fn request_time(parts: &Parts) -> Result<((String, String), SystemTime), Error> {
    let invalid = || {
        Error::with_message(
            ErrorKind::AccessDenied,
            "AWS authentication requires a valid Date or x-amz-date header",
        )
    };
    if let Some(value) = single_header(&parts.headers, "x-amz-date")? {
        let text = value.to_str().map_err(|_| invalid())?;
        let time = timestamp::parse_amz_date(text).ok_or_else(invalid)?;
        return Ok(((text.to_owned(), text.to_owned()), time));
    }
    let value = parts.headers.get(DATE).ok_or_else(invalid)?;
    let text = value.to_str().map_err(|_| invalid())?;
    let time = timestamp::parse_http_date(text).ok_or_else(invalid)?;
    Ok(((timestamp::format_amz_date(time), text.to_owned()), time))
}

/// `RequestTimeTooSkewed` when the request time is more than the allowed skew from `now`.
pub(crate) fn check_skew(
    time: SystemTime,
    as_sent: &str,
    now: SystemTime,
    config: &Config,
) -> Result<(), Error> {
    if timestamp::distance(time, now) <= config.max_skew {
        return Ok(());
    }
    Err(Error::new(ErrorKind::RequestTimeTooSkewed)
        .extra("RequestTime", as_sent)
        .extra("ServerTime", timestamp::format_iso8601(now))
        .extra(
            "MaxAllowedSkewMilliseconds",
            config.max_skew.as_millis().to_string(),
        ))
}

/// Checks the scope against the request date and the server: date, region, service,
/// terminator. `error` wraps the detail in the header or query form's error.
pub(crate) fn check_scope(
    scope: &CredentialScope,
    timestamp: &str,
    config: &Config,
    error: impl Fn(String) -> Error,
) -> Result<(), Error> {
    let request_date = timestamp.get(..8).unwrap_or(timestamp);
    if scope.date() != request_date {
        return Err(error(format!(
            "Invalid credential date \"{}\". This date is not the same as X-Amz-Date: \"{}\".",
            scope.date(),
            request_date
        )));
    }
    if !config.accepts_region(scope.region()) {
        let expected = config.home_region();
        return Err(error(format!(
            "the region '{}' is wrong; expecting '{expected}'",
            scope.region()
        ))
        .extra("Region", expected));
    }
    if scope.service() != config.service {
        return Err(error(format!(
            "incorrect service \"{}\". This endpoint belongs to \"{}\".",
            scope.service(),
            config.service
        )));
    }
    if scope.terminator() != "aws4_request" {
        return Err(error(format!(
            "incorrect terminal \"{}\". This endpoint uses \"aws4_request\".",
            scope.terminator()
        )));
    }
    Ok(())
}

/// `host` and every `x-amz-*` header present must be signed, and every signed header must be
/// present (a signed `expect` and a `host` carried by the URI excepted). `malformed` wraps
/// the detail of a missing header in the header or query form's error.
pub(crate) fn check_signed_headers(
    parts: &Parts,
    signed: &SignedHeaders,
    malformed: impl Fn(String) -> Error,
) -> Result<(), Error> {
    let unsigned: Vec<&str> = parts
        .headers
        .keys()
        .map(|name| name.as_str())
        .filter(|name| (*name == "host" || name.starts_with("x-amz-")) && !signed.contains(name))
        .collect();
    let host_unsigned = !signed.contains("host") && !unsigned.contains(&"host");
    if !unsigned.is_empty() || host_unsigned {
        let mut names = unsigned.join(";");
        if host_unsigned {
            names = if names.is_empty() {
                "host".to_owned()
            } else {
                format!("host;{names}")
            };
        }
        return Err(Error::with_message(
            ErrorKind::AccessDenied,
            "There were headers present in the request which were not signed",
        )
        .extra("HeadersNotSigned", names));
    }

    let has_authority = parts.uri.authority().is_some();
    for name in signed.names() {
        let present = parts.headers.contains_key(name)
            || name == "expect"
            || (name == "host" && has_authority);
        if !present {
            return Err(malformed(format!(
                "the signed header '{name}' is not present in the request."
            )));
        }
    }
    Ok(())
}

/// Recomputes the signature with `key` and compares it, in constant time, with the one sent.
pub(crate) fn verify_signature(
    auth: &SigV4Auth,
    parts: &Parts,
    key: &SigningKey,
    config: &Config,
) -> Result<(), Error> {
    let options = CanonicalOptions {
        uri_encoding: config.uri_encoding,
        normalization: config.normalization,
        skip_query_param: auth.presigned.then_some("X-Amz-Signature"),
    };
    let signed_headers = &auth.authorization.signed_headers;
    let canonical =
        CanonicalRequest::from_parts(parts, signed_headers, &auth.payload_hash, options);
    let scope = auth.authorization.scope.as_str();
    let sts = StringToSign::new(ALGORITHM, &auth.timestamp, scope, canonical.hash());
    if auth.authorization.signature.verify(&sts.sign(key)) {
        return Ok(());
    }
    let (string_to_sign, canonical_request) = (sts.to_string(), canonical.to_bytes());
    let signed = SignedTexts {
        string_to_sign: &string_to_sign,
        canonical_request: Some(&canonical_request),
        session_token: auth.token.as_ref().map(SecretKey::expose),
    };
    Err(signature_mismatch(
        config.diagnostics,
        &auth.authorization.access_key_id,
        &signed,
        &auth.authorization.signature.to_hex(),
    ))
}
