//! The verification pipeline: detect the scheme, run its checks that need no secret, look
//! the credential up, check it, verify the signature, and plan the body checks.
//!
//! Each scheme plugs in at two points: a `check` that turns request parts into a pending
//! verification, and a `verify` that finishes it with the signing key. Everything here but
//! [`authenticate`] is synchronous and pure.

use std::sync::Arc;
use std::time::SystemTime;

use http::header::AUTHORIZATION;
use http::request::Parts;

use crate::addressing::{AddressingStyle, S3Target};
use crate::body::{BodyPlan, ChunkSigning, StreamingLimits};
use crate::canonical::decode_query_component;
use crate::config::{AnonymousRequests, Config, SignatureV2};
use crate::credentials::{Credential, CredentialStore};
use crate::error::{Error, ErrorKind};
use crate::identity::{AuthScheme, Identity};
use crate::key_cache::SigningKeyCache;
use crate::payload::PayloadHash;
use crate::request::{query_key_is, query_pairs};
use crate::sigv2::{self, verify::V2Auth};
use crate::sigv4::{self, SigningKey, verify::SigV4Auth};

/// A request's authentication after the checks that need no secret.
pub(crate) enum Pending {
    /// No authentication at all.
    Anonymous,
    /// SigV4 in the `Authorization` header.
    SigV4(Box<SigV4Auth>),
    /// SigV2, in the `Authorization` header or a presigned URL.
    SigV2(Box<V2Auth>),
}

/// The outcome of a verified request.
#[derive(Debug)]
pub(crate) struct Verified {
    pub(crate) identity: Option<Identity>,
    pub(crate) target: S3Target,
    pub(crate) body: BodyPlan,
}

/// The query parameters that mean query-string authentication.
const QUERY_AUTH_PARAMS: [&str; 3] = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"];
const QUERY_AUTH_PARAMS_V2: [&str; 2] = ["AWSAccessKeyId", "Signature"];

fn has_query_param(parts: &Parts, names: &[&str]) -> bool {
    let query = parts.uri.query().unwrap_or("");
    query_pairs(query).any(|(key, _)| names.iter().any(|name| query_key_is(key, name)))
}

/// `InvalidArgument` for an `Authorization` scheme S3 does not accept. Only the scheme's name
/// is echoed: what follows it may be another system's credentials (`Basic`, `Bearer`).
fn unsupported(scheme: &str) -> Error {
    Error::with_message(
        ErrorKind::InvalidArgument,
        "The authorization mechanism you have provided is not supported. Please use \
         AWS4-HMAC-SHA256.",
    )
    .extra("ArgumentName", "Authorization")
    .extra("ArgumentValue", scheme.chars().take(64).collect::<String>())
}

/// `AccessDenied` when Signature Version 2 is switched off.
fn check_v2_allowed(config: &Config) -> Result<(), Error> {
    match config.signature_v2 {
        SignatureV2::Accept => Ok(()),
        SignatureV2::Reject => Err(Error::with_message(
            ErrorKind::AccessDenied,
            "Signature Version 2 is disabled on this server; please use AWS4-HMAC-SHA256.",
        )),
    }
}

/// The bucket a virtual-hosted `Host` names: SigV2 signs it as the start of the resource.
fn bucket_from_host(target: &S3Target) -> Option<&str> {
    let virtual_hosted = target.style == AddressingStyle::VirtualHosted;
    target.bucket.as_deref().filter(|_| virtual_hosted)
}

/// Detects the scheme and runs its checks that need no secret; `target` is what `parts`
/// addresses.
pub(crate) fn check(
    parts: &Parts,
    target: &S3Target,
    config: &Config,
    now: SystemTime,
) -> Result<Pending, Error> {
    let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
    let header = headers.next();
    if headers.next().is_some() {
        return Err(Error::with_message(
            ErrorKind::AuthorizationHeaderMalformed,
            "The authorization header is malformed; the request carries more than one \
             Authorization header.",
        ));
    }
    let query_v4 = has_query_param(parts, &QUERY_AUTH_PARAMS);
    let query_v2 = has_query_param(parts, &QUERY_AUTH_PARAMS_V2);
    if u8::from(header.is_some()) + u8::from(query_v4) + u8::from(query_v2) > 1 {
        return Err(Error::with_message(
            ErrorKind::InvalidArgument,
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, \
             Signature query string parameter or the Authorization header should be specified",
        )
        .extra("ArgumentName", "Authorization")
        .extra("ArgumentValue", ""));
    }

    let Some(header) = header else {
        if query_v4 {
            let auth = sigv4::query::check_query(parts, config, now)?;
            return Ok(Pending::SigV4(Box::new(auth)));
        }
        if query_v2 {
            check_v2_allowed(config)?;
            let auth = sigv2::verify::check_query(parts, bucket_from_host(target), now)?;
            return Ok(Pending::SigV2(Box::new(auth)));
        }
        return Ok(Pending::Anonymous);
    };

    let raw = header.as_bytes();
    if raw.len() > sigv4::MAX_AUTHORIZATION_LEN {
        return Err(Error::with_message(
            ErrorKind::AuthorizationHeaderMalformed,
            "The authorization header is malformed; the header is too long.",
        ));
    }
    let split = raw.iter().position(|&b| b == b' ').unwrap_or(raw.len());
    let (scheme, rest) = raw.split_at(split);
    let (v4, v2) = (scheme == sigv4::ALGORITHM.as_bytes(), scheme == b"AWS");
    // SigV4A (`AWS4-ECDSA-P256-SHA256`) is not verified yet: it is refused as S3 refuses any
    // scheme it does not take, with a 400 that names the one it does.
    if !v4 && !v2 {
        return Err(unsupported(&String::from_utf8_lossy(scheme)));
    }
    let Ok(rest) = std::str::from_utf8(rest) else {
        return Err(Error::with_message(
            ErrorKind::AuthorizationHeaderMalformed,
            "The authorization header is malformed; it is not UTF-8 text.",
        ));
    };
    let rest = rest.trim_start_matches(' ');
    if v4 {
        let auth = sigv4::verify::check_header(parts, rest, config, now)?;
        return Ok(Pending::SigV4(Box::new(auth)));
    }
    check_v2_allowed(config)?;
    let bucket = bucket_from_host(target);
    let auth = sigv2::verify::check_header(parts, rest, bucket, config, now)?;
    Ok(Pending::SigV2(Box::new(auth)))
}

/// The access key id a request claims, read loosely (the request may be malformed), for the
/// log line of its rejection; at most 128 characters.
pub(crate) fn claimed_access_key_id(parts: &Parts) -> Option<String> {
    let from_header = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| match value.split_once(' ') {
            Some((sigv4::ALGORITHM, rest)) => {
                let credential = rest.split_once("Credential=")?.1;
                Some(credential.split(['/', ',']).next()?.to_owned())
            }
            Some(("AWS", rest)) => Some(rest.split(':').next()?.trim().to_owned()),
            _ => None,
        });
    let decoded = |value| String::from_utf8_lossy(&decode_query_component(value)).into_owned();
    let from_query = || {
        query_pairs(parts.uri.query().unwrap_or("")).find_map(|(key, value)| {
            if query_key_is(key, "X-Amz-Credential") {
                return decoded(value).split('/').next().map(str::to_owned);
            }
            query_key_is(key, "AWSAccessKeyId").then(|| decoded(value))
        })
    };
    let id = from_header.or_else(from_query)?;
    Some(id.chars().take(128).collect())
}

/// The credential checks every scheme shares: it exists and is enabled, its temporary token
/// matches, it has not expired.
fn check_credential(
    credential: Option<Arc<Credential>>,
    access_key_id: &str,
    token_sent: Option<&[u8]>,
    now: SystemTime,
) -> Result<Arc<Credential>, Error> {
    let Some(credential) = credential.filter(|c| c.is_enabled()) else {
        return Err(
            Error::new(ErrorKind::InvalidAccessKeyId).extra("AWSAccessKeyId", access_key_id)
        );
    };
    match (credential.session_token(), token_sent) {
        (None, None) => {}
        (Some(expected), Some(sent)) if expected.ct_eq(sent) => {}
        _ => return Err(Error::new(ErrorKind::InvalidToken)),
    }
    if credential.expires().is_some_and(|expiry| now >= expiry) {
        return Err(Error::new(ErrorKind::ExpiredToken));
    }
    Ok(credential)
}

/// The shared part of every request's verification.
#[derive(Debug)]
pub(crate) struct Verifier<C> {
    pub(crate) config: Config,
    pub(crate) store: C,
    pub(crate) keys: SigningKeyCache,
}

impl<C: CredentialStore> Verifier<C> {
    /// Authenticates `parts`: every check, the lookup and the signature.
    pub(crate) async fn authenticate(&self, parts: &Parts) -> Result<Verified, Error> {
        let now = self.config.clock.now();
        let target = S3Target::of(parts, &self.config.domains);
        let limits = streaming_limits(&self.config);
        match check(parts, &target, &self.config, now)? {
            Pending::Anonymous => {
                if self.config.anonymous == AnonymousRequests::Reject {
                    return Err(Error::new(ErrorKind::AccessDenied));
                }
                let payload = declared_payload(&parts.headers)?;
                let body = BodyPlan::new(payload, None, &parts.headers, limits)?;
                Ok(Verified {
                    identity: None,
                    target,
                    body,
                })
            }
            Pending::SigV4(auth) => {
                let token = auth.token.as_ref().map(|t| t.expose().as_bytes());
                let id = &auth.authorization.access_key_id;
                let credential = self.credential(id, token, now).await?;
                let scope = &auth.authorization.scope;
                let key = self.keys.signing_key(&credential, scope);
                sigv4::verify::verify_signature(&auth, parts, &key, &self.config)?;
                // Only the `Authorization` header's signature seeds a chain of chunk
                // signatures; a presigned URL's does not.
                let seed = (!auth.presigned).then(|| chunk_signing(&auth, key, &self.config));
                let body = BodyPlan::new(auth.payload, seed, &parts.headers, limits)?;
                let scheme = match auth.presigned {
                    true => AuthScheme::SigV4Query,
                    false => AuthScheme::SigV4Header,
                };
                let region = Some(scope.region().to_owned());
                Ok(verified(&credential, scheme, region, target, body))
            }
            Pending::SigV2(auth) => {
                let token = auth.security_token.as_ref().map(|t| t.expose().as_bytes());
                let credential = self.credential(&auth.access_key_id, token, now).await?;
                sigv2::verify::verify(&auth, &credential, &self.config)?;
                let scheme = match auth.presigned {
                    true => AuthScheme::SigV2Query,
                    false => AuthScheme::SigV2Header,
                };
                let payload = declared_payload(&parts.headers)?;
                let body = BodyPlan::new(payload, None, &parts.headers, limits)?;
                Ok(verified(&credential, scheme, None, target, body))
            }
        }
    }

    /// Looks the credential up and checks it; a store failure refuses the request.
    async fn credential(
        &self,
        access_key_id: &str,
        token: Option<&[u8]>,
        now: SystemTime,
    ) -> Result<Arc<Credential>, Error> {
        let found = self.store.lookup(access_key_id).await.map_err(|e| {
            let kind = match e.is_unavailable() {
                true => ErrorKind::ServiceUnavailable,
                false => ErrorKind::InternalError,
            };
            Error::new(kind).caused_by(e)
        })?;
        check_credential(found, access_key_id, token, now)
    }
}

/// The outcome of a request verified with `credential`.
fn verified(
    credential: &Credential,
    scheme: AuthScheme,
    region: Option<String>,
    target: S3Target,
    body: BodyPlan,
) -> Verified {
    let identity = Identity {
        access_key_id: credential.access_key_id().to_owned(),
        principal: credential.principal().to_owned(),
        scheme,
        region,
        target: target.clone(),
    };
    Verified {
        identity: Some(identity),
        target,
        body,
    }
}

/// What a request whose signature does not cover the payload hash (SigV2, anonymous)
/// declares about its body: `x-amz-content-sha256` if sent, which the body is then held to.
fn declared_payload(headers: &http::HeaderMap) -> Result<PayloadHash, Error> {
    Ok(PayloadHash::declared(headers)?.map_or(PayloadHash::Unsigned, |(payload, _)| payload))
}

/// What the chunk signatures of an `aws-chunked` upload chain from once its header signature
/// verified: the same key, time and scope, and that signature as the seed.
fn chunk_signing(auth: &SigV4Auth, key: SigningKey, config: &Config) -> ChunkSigning {
    ChunkSigning {
        key,
        timestamp: auth.timestamp.clone(),
        scope: auth.authorization.scope.as_str().to_owned(),
        seed: auth.authorization.signature.clone(),
        access_key_id: auth.authorization.access_key_id.clone(),
        diagnostics: config.diagnostics,
    }
}

fn streaming_limits(config: &Config) -> StreamingLimits {
    StreamingLimits {
        max_chunk_size: config.max_chunk_size,
        max_chunk_line: config.max_chunk_line,
        max_trailer_size: config.max_trailer_size,
        chunk_size_policy: config.chunk_size_policy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(uri: &str, authorization: Option<&str>) -> Option<String> {
        let mut request = http::Request::get(uri);
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        claimed_access_key_id(&request.body(()).unwrap().into_parts().0)
    }

    #[test]
    fn the_claimed_key_id_is_read_from_every_scheme() {
        let v4 = "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, x";
        assert_eq!(claimed("/b", Some(v4)).as_deref(), Some("AKID"));
        assert_eq!(claimed("/b", Some("AWS AK2:sig")).as_deref(), Some("AK2"));
        let query = "/b?X-Amz-Algorithm=x&X-Amz-Credential=AK3%2F20130524%2Fr";
        assert_eq!(claimed(query, None).as_deref(), Some("AK3"));
        assert_eq!(
            claimed("/b?AWSAccessKeyId=AK4&Expires=1", None).as_deref(),
            Some("AK4")
        );
        assert_eq!(claimed("/b", Some("Bearer xyz")), None, "other schemes");
        assert_eq!(claimed("/b", None), None, "anonymous");
        let long = format!("/b?AWSAccessKeyId={}", "k".repeat(500));
        assert_eq!(
            claimed(&long, None).map(|id| id.len()),
            Some(128),
            "bounded"
        );
    }
}
