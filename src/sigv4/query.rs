//! Presigned SigV4 requests: authentication in the query string (`X-Amz-Algorithm`,
//! `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
//! `X-Amz-Signature`, and optionally `X-Amz-Security-Token`, `X-Amz-Content-Sha256`).

use std::time::{Duration, SystemTime};

use http::request::Parts;

use super::authorization::parse_credential;
use super::verify::{SigV4Auth, check_scope, check_signed_headers};
use super::{ALGORITHM, Authorization, MAX_AUTHORIZATION_LEN, Signature, SignedHeaders};
use crate::canonical::decode_query_component;
use crate::config::Config;
use crate::error::{Error, ErrorKind};
use crate::payload::PayloadHash;
use crate::request::{query_key_is, query_pairs, session_token};
use crate::timestamp;

/// The longest validity S3 lets a presigned URL have: seven days.
pub(crate) const MAX_EXPIRES: u64 = 604_800;

/// The parameters every presigned URL carries.
pub(crate) const REQUIRED: [&str; 6] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
];

/// The parameters read here: the required ones, then the optional payload hash.
/// `X-Amz-Security-Token` is read with the other schemes' tokens.
const NAMES: [&str; 7] = [
    REQUIRED[0],
    REQUIRED[1],
    REQUIRED[2],
    REQUIRED[3],
    REQUIRED[4],
    REQUIRED[5],
    "X-Amz-Content-Sha256",
];

fn query_error(message: impl Into<String>) -> Error {
    Error::with_message(ErrorKind::AuthorizationQueryParametersError, message.into())
}

/// The authentication parameters of the query, decoded; each at most once, however its
/// name was escaped.
fn parameters(query: &str) -> Result<[Option<String>; 7], Error> {
    let mut found: [Option<String>; 7] = Default::default();
    for (raw_key, value) in query_pairs(query) {
        let Some(i) = NAMES.iter().position(|n| query_key_is(raw_key, n)) else {
            continue;
        };
        let key = NAMES[i];
        // As the `Authorization` header they stand for, they are bounded.
        if value.len() > MAX_AUTHORIZATION_LEN {
            return Err(query_error(format!("{key} is too long.")));
        }
        let value = String::from_utf8(decode_query_component(value))
            .map_err(|_| query_error(format!("{key} must be UTF-8.")))?;
        if found[i].replace(value).is_some() {
            return Err(query_error(format!("{key} must appear only once.")));
        }
    }
    Ok(found)
}

/// Checks a presigned request up to the credential lookup: parameters, date, expiry, scope,
/// signed headers.
pub(crate) fn check_query(
    parts: &Parts,
    config: &Config,
    now: SystemTime,
) -> Result<SigV4Auth, Error> {
    let mut found = parameters(parts.uri.query().unwrap_or(""))?;
    let mut take = |name: &str| {
        NAMES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| found[i].take())
    };
    let content_sha256 = take("X-Amz-Content-Sha256");
    let required = REQUIRED.map(&mut take);
    let [
        Some(algorithm),
        Some(credential),
        Some(date),
        Some(expires),
        Some(signed_headers),
        Some(signature),
    ] = required
    else {
        return Err(query_error(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, \
             X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and \
             X-Amz-Expires parameters.",
        ));
    };
    if algorithm != ALGORITHM {
        return Err(query_error(
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
        ));
    }
    let (access_key_id, scope) = parse_credential(&credential).ok_or_else(|| {
        query_error(
            "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; \
             expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
        )
    })?;
    let signed_at = timestamp::parse_amz_date(&date).ok_or_else(|| {
        query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
    })?;
    let lifetime = parse_expires(&expires, config)?;
    let signature = Signature::from_hex(&signature)
        .ok_or_else(|| query_error("X-Amz-Signature must be 64 lowercase hexadecimal digits."))?;
    let signed_headers = SignedHeaders::parse(&signed_headers).ok_or_else(|| {
        query_error("X-Amz-SignedHeaders must be lowercase names, sorted, separated by ';'.")
    })?;

    check_validity(signed_at, lifetime, &expires, now, config)?;
    check_scope(&scope, &date, config, |detail| {
        query_error(format!(
            "Error parsing the X-Amz-Credential parameter; {detail}"
        ))
    })?;
    check_signed_headers(parts, &signed_headers, |detail| {
        query_error(format!(
            "Error parsing the X-Amz-SignedHeaders parameter; {detail}"
        ))
    })?;

    let (payload, payload_hash) = presigned_payload(parts, content_sha256)?;
    let token = session_token(parts)?;
    Ok(SigV4Auth {
        authorization: Authorization {
            access_key_id,
            scope,
            signed_headers,
            signature,
        },
        timestamp: date,
        payload,
        payload_hash,
        presigned: true,
        token,
    })
}

/// What a presigned request declares about its body, and the payload hash its canonical
/// request ends with: `X-Amz-Content-Sha256` from the query, else `UNSIGNED-PAYLOAD`.
///
/// An `x-amz-content-sha256` header (signed, as every `x-amz-*` header must be) still holds
/// the body to what it says: it must agree with the query, and without the query parameter it
/// is what the body is checked against.
fn presigned_payload(
    parts: &Parts,
    in_query: Option<String>,
) -> Result<(PayloadHash, String), Error> {
    let in_header = PayloadHash::declared(&parts.headers)?;
    let Some(text) = in_query else {
        let payload = in_header.map_or(PayloadHash::Unsigned, |(payload, _)| payload);
        return Ok((payload, "UNSIGNED-PAYLOAD".to_owned()));
    };
    let payload = match PayloadHash::parse(&text) {
        Some(p @ (PayloadHash::Unsigned | PayloadHash::Sha256(_))) => p,
        _ => {
            return Err(query_error(
                "X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.",
            ));
        }
    };
    if in_header.is_some_and(|(_, header)| header != text) {
        return Err(query_error(
            "X-Amz-Content-Sha256 and the x-amz-content-sha256 header must be equal.",
        ));
    }
    Ok((payload, text))
}

/// `X-Amz-Expires`: whole seconds, 1 up to the configured maximum (at most a week).
fn parse_expires(text: &str, config: &Config) -> Result<Duration, Error> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(query_error("X-Amz-Expires should be a number"));
    }
    if text.starts_with('-') {
        return Err(query_error("X-Amz-Expires must be non-negative"));
    }
    let seconds: u64 = digits.parse().unwrap_or(u64::MAX);
    if seconds > MAX_EXPIRES {
        return Err(query_error(format!(
            "X-Amz-Expires must be less than a week (in seconds); that is, the given \
             X-Amz-Expires must be less than {MAX_EXPIRES} seconds"
        )));
    }
    let max = config.max_presign_expiry.as_secs();
    if seconds > max {
        return Err(query_error(format!(
            "X-Amz-Expires must be at most {max} seconds on this server."
        )));
    }
    if seconds == 0 {
        return Err(query_error("X-Amz-Expires must be at least 1 second"));
    }
    Ok(Duration::from_secs(seconds))
}

/// A presigned URL is valid from its date (less the allowed skew) until date + expires.
fn check_validity(
    signed_at: SystemTime,
    lifetime: Duration,
    expires_text: &str,
    now: SystemTime,
    config: &Config,
) -> Result<(), Error> {
    // A skew too large for the clock means no date is ever too far ahead.
    if now
        .checked_add(config.max_skew)
        .is_some_and(|latest| signed_at > latest)
    {
        return Err(
            Error::with_message(ErrorKind::AccessDenied, "Request is not valid yet")
                .extra("X-Amz-Date", timestamp::format_amz_date(signed_at))
                .extra("ServerTime", timestamp::format_iso8601(now)),
        );
    }
    let expiry = signed_at + lifetime;
    if now > expiry {
        return Err(
            Error::with_message(ErrorKind::AccessDenied, "Request has expired")
                .extra("X-Amz-Expires", expires_text)
                .extra("Expires", timestamp::format_iso8601(expiry))
                .extra("ServerTime", timestamp::format_iso8601(now)),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_bounds() {
        let config = Config::default();
        assert_eq!(parse_expires("1", &config).unwrap(), Duration::from_secs(1));
        assert_eq!(
            parse_expires("604800", &config).unwrap(),
            Duration::from_secs(604_800)
        );
        for (bad, message) in [
            ("604801", "less than a week"),
            ("0", "at least 1"),
            ("-5", "non-negative"),
            ("abc", "should be a number"),
            ("", "should be a number"),
            ("99999999999999999999999", "less than a week"),
        ] {
            let err = parse_expires(bad, &config).unwrap_err();
            assert!(err.message().contains(message), "{bad}: {}", err.message());
        }
    }

    #[test]
    fn repeated_parameter_is_refused() {
        let err = parameters("X-Amz-Date=1&X-Amz-Date=2").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AuthorizationQueryParametersError);
        let escaped = parameters("X-Amz-Signature=1&X-Amz-%53ignature=2").unwrap_err();
        assert_eq!(escaped.message(), "X-Amz-Signature must appear only once.");
    }

    #[test]
    fn parameters_are_bounded() {
        let long = format!("X-Amz-SignedHeaders={}", "a;".repeat(5000));
        let err = parameters(&long).unwrap_err();
        assert_eq!(err.message(), "X-Amz-SignedHeaders is too long.");
    }
}
