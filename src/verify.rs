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
use crate::config::{AnonymousRequests, Config, SignatureV2};
use crate::credentials::{Credential, CredentialStore};
use crate::error::{Error, ErrorKind};
use crate::identity::{AuthScheme, Identity};
use crate::key_cache::SigningKeyCache;
use crate::payload::{PayloadHash, StreamingMode};
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
    query.split('&').any(|pair| {
        let key = pair.split_once('=').map_or(pair, |(k, _)| k);
        names.contains(&key)
    })
}

fn unsupported(value: &str) -> Error {
    Error::with_message(
        ErrorKind::InvalidArgument,
        "The authorization mechanism you have provided is not supported. Please use \
         AWS4-HMAC-SHA256.",
    )
    .extra("ArgumentName", "Authorization")
    .extra("ArgumentValue", value.chars().take(256).collect::<String>())
}

fn not_implemented(what: &str) -> Error {
    Error::with_message(
        ErrorKind::NotImplemented,
        format!("{what} is not supported by this server."),
    )
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
fn bucket_from_host(parts: &Parts, config: &Config) -> Option<String> {
    let target = S3Target::of(parts, &config.domains);
    target
        .bucket
        .filter(|_| target.style == AddressingStyle::VirtualHosted)
}

/// Detects the scheme and runs its checks that need no secret.
pub(crate) fn check(parts: &Parts, config: &Config, now: SystemTime) -> Result<Pending, Error> {
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
            let bucket = bucket_from_host(parts, config);
            let auth = sigv2::verify::check_query(parts, bucket.as_deref(), now)?;
            return Ok(Pending::SigV2(Box::new(auth)));
        }
        return Ok(Pending::Anonymous);
    };

    let Ok(value) = header.to_str() else {
        return Err(unsupported(&String::from_utf8_lossy(header.as_bytes())));
    };
    if value.len() > sigv4::MAX_AUTHORIZATION_LEN {
        return Err(Error::with_message(
            ErrorKind::AuthorizationHeaderMalformed,
            "The authorization header is malformed; the header is too long.",
        ));
    }
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    match algorithm {
        sigv4::ALGORITHM => {
            let auth =
                sigv4::verify::check_header(parts, rest.trim_start_matches(' '), config, now)?;
            Ok(Pending::SigV4(Box::new(auth)))
        }
        "AWS4-ECDSA-P256-SHA256" => Err(not_implemented("Signature Version 4A")),
        "AWS" => {
            check_v2_allowed(config)?;
            let bucket = bucket_from_host(parts, config);
            let credentials = rest.trim_start_matches(' ');
            let auth =
                sigv2::verify::check_header(parts, credentials, bucket.as_deref(), config, now)?;
            Ok(Pending::SigV2(Box::new(auth)))
        }
        _ => Err(unsupported(value)),
    }
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
        match check(parts, &self.config, now)? {
            Pending::Anonymous => {
                if self.config.anonymous == AnonymousRequests::Reject {
                    return Err(Error::new(ErrorKind::AccessDenied));
                }
                let body = BodyPlan::for_unsigned(&parts.headers)?;
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
                let body = match auth.payload {
                    PayloadHash::Streaming(mode) => {
                        streaming_plan(mode, &auth, key, parts, &self.config)?
                    }
                    PayloadHash::Sha256(digest) => BodyPlan::for_sha256(digest, &parts.headers)?,
                    PayloadHash::Unsigned => BodyPlan::for_unsigned(&parts.headers)?,
                };
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
                let body = BodyPlan::for_unsigned(&parts.headers)?;
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

/// The body plan of an `aws-chunked` upload whose seed signature just verified: the chunk
/// signatures chain from it, with the same key, time and scope.
fn streaming_plan(
    mode: StreamingMode,
    auth: &SigV4Auth,
    key: SigningKey,
    parts: &Parts,
    config: &Config,
) -> Result<BodyPlan, Error> {
    let signing = ChunkSigning {
        key,
        timestamp: auth.timestamp.clone(),
        scope: auth.authorization.scope.as_str().to_owned(),
        seed: auth.authorization.signature.clone(),
        access_key_id: auth.authorization.access_key_id.clone(),
        diagnostics: config.diagnostics,
    };
    let limits = StreamingLimits {
        max_chunk_size: config.max_chunk_size,
        max_chunk_line: config.max_chunk_line,
        max_trailer_size: config.max_trailer_size,
        chunk_size_policy: config.chunk_size_policy,
    };
    BodyPlan::streaming(mode, signing, &parts.headers, limits)
}
