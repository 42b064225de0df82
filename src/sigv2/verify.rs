//! The checks of a SigV2 request, header or presigned, in S3's order: parameters, time; then,
//! with the credential, the signature.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::header::DATE;
use http::request::Parts;
use percent_encoding::percent_decode_str;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use super::string_to_sign::{decode_component, raw_pairs};
use super::{Signature, StringToSign};
use crate::config::Config;
use crate::credentials::{Credential, SecretKey};
use crate::error::{Error, ErrorKind, SignedTexts, signature_mismatch};
use crate::request::{query_key_is, session_token, single_header};
use crate::sigv4::verify::check_skew;
use crate::timestamp;

/// A SigV2 request that passed every check that needs no secret.
///
/// Its `Debug` leaves out the string to sign, which carries the session token.
pub(crate) struct V2Auth {
    pub(crate) access_key_id: String,
    /// `None` when what was sent is not base64 of 20 bytes: it then matches nothing.
    signature: Option<Signature>,
    /// The signature as the client sent it, for the diagnostics of a mismatch.
    signature_provided: String,
    pub(crate) string_to_sign: StringToSign,
    /// The session token, from the `x-amz-security-token` header or query parameter.
    pub(crate) security_token: Option<SecretKey>,
    /// Whether the request is a presigned URL rather than an `Authorization` header.
    pub(crate) presigned: bool,
}

impl std::fmt::Debug for V2Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("V2Auth")
            .field("access_key_id", &self.access_key_id)
            .field("presigned", &self.presigned)
            .finish_non_exhaustive()
    }
}

/// Checks `Authorization: AWS <credentials>` up to the credential lookup. `bucket_from_host`
/// is the bucket the `Host` names, if any.
pub(crate) fn check_header(
    parts: &Parts,
    credentials: &str,
    bucket_from_host: Option<&str>,
    config: &Config,
    now: SystemTime,
) -> Result<V2Auth, Error> {
    let malformed = || {
        Error::with_message(
            ErrorKind::InvalidArgument,
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
        )
        .extra("ArgumentName", "Authorization")
        .extra(
            "ArgumentValue",
            format!("AWS {credentials}")
                .chars()
                .take(256)
                .collect::<String>(),
        )
    };
    let (access_key_id, signature) = credentials
        .split_once(':')
        .filter(|(id, sig)| !id.is_empty() && !sig.is_empty())
        .ok_or_else(malformed)?;

    let (time, as_sent) = request_time(parts)?;
    check_skew(time, as_sent, now, config)?;

    let string_to_sign = StringToSign::for_request(
        &parts.method,
        &parts.uri,
        &parts.headers,
        bucket_from_host,
        None,
    );
    Ok(V2Auth {
        access_key_id: access_key_id.to_owned(),
        signature: Signature::from_base64(signature),
        signature_provided: signature.to_owned(),
        string_to_sign,
        security_token: session_token(parts)?,
        presigned: false,
    })
}

/// Checks a presigned SigV2 URL (`AWSAccessKeyId`, `Expires`, `Signature`) up to the
/// credential lookup.
pub(crate) fn check_query(
    parts: &Parts,
    bucket_from_host: Option<&str>,
    now: SystemTime,
) -> Result<V2Auth, Error> {
    let query = parts.uri.query().unwrap_or("");
    let param = |name: &str| {
        raw_pairs(query)
            .find(|(key, _)| query_key_is(key, name))
            .map(|(_, value)| value.unwrap_or(""))
    };
    let (Some(access_key_id), Some(expires), Some(signature)) = (
        param("AWSAccessKeyId"),
        param("Expires"),
        param("Signature"),
    ) else {
        return Err(Error::with_message(
            ErrorKind::AccessDenied,
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId \
             parameters",
        ));
    };

    let expires = decode_component(expires);
    let seconds = Some(&expires)
        .filter(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|e| e.parse::<u64>().ok())
        .ok_or_else(|| {
            Error::with_message(
                ErrorKind::AccessDenied,
                format!("Invalid date (should be seconds since epoch): {expires}"),
            )
        })?;
    // A time past what `SystemTime` holds never comes.
    if let Some(at) = UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
        && now > at
    {
        return Err(
            Error::with_message(ErrorKind::AccessDenied, "Request has expired")
                .extra("Expires", timestamp::format_iso8601(at))
                .extra("ServerTime", timestamp::format_iso8601(now)),
        );
    }

    // Base64 has `+` but no space, so a `+` left unescaped can only mean itself.
    let signature = percent_decode_str(signature)
        .decode_utf8_lossy()
        .into_owned();
    let string_to_sign = StringToSign::for_request(
        &parts.method,
        &parts.uri,
        &parts.headers,
        bucket_from_host,
        Some(&expires),
    );
    let security_token = session_token(parts)?;
    Ok(V2Auth {
        access_key_id: decode_component(access_key_id),
        signature: Signature::from_base64(&signature),
        signature_provided: signature,
        string_to_sign,
        security_token,
        presigned: true,
    })
}

/// Recomputes the signature with the credential's secret and compares the decoded bytes, in
/// constant time, with the ones sent.
pub(crate) fn verify(auth: &V2Auth, credential: &Credential, config: &Config) -> Result<(), Error> {
    let expected = auth.string_to_sign.sign(credential.secret().expose());
    if auth
        .signature
        .as_ref()
        .is_some_and(|sent| sent.verify(&expected))
    {
        return Ok(());
    }
    let signed = SignedTexts {
        string_to_sign: auth.string_to_sign.as_str(),
        canonical_request: None,
        session_token: auth.security_token.as_ref().map(SecretKey::expose),
    };
    Err(signature_mismatch(
        config.diagnostics,
        &auth.access_key_id,
        &signed,
        &auth.signature_provided,
    ))
}

/// The request time: `x-amz-date` if present, else `Date`; the instant and the text as sent.
fn request_time(parts: &Parts) -> Result<(SystemTime, &str), Error> {
    let invalid = || {
        Error::with_message(
            ErrorKind::AccessDenied,
            "AWS authentication requires a valid Date or x-amz-date header",
        )
    };
    let value = single_header(&parts.headers, "x-amz-date")?
        .or_else(|| parts.headers.get(DATE))
        .ok_or_else(invalid)?;
    let text = value.to_str().map_err(|_| invalid())?;
    let time = parse_date(text.trim()).ok_or_else(invalid)?;
    Ok((time, text))
}

/// An HTTP date, or an RFC 2822 date with a numeric zone (`+0000`), which S3's own SigV2
/// examples and several SigV2 clients send.
fn parse_date(text: &str) -> Option<SystemTime> {
    timestamp::parse_http_date(text)
        .or_else(|| OffsetDateTime::parse(text, &Rfc2822).ok().map(Into::into))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod mutations;
