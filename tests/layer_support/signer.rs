//! Requests signed as an S3 client signs them, by the independent `aws-sigv4` crate, plus one
//! signer built on this crate's core types for the shapes `aws-sigv4` refuses to produce.

use std::borrow::Cow;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningParams,
    SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderValue, Method, Request};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tower_s3_auth::sigv4::{
    ALGORITHM, CanonicalOptions, CanonicalRequest, CredentialScope, SignedHeaders, SigningKey,
    StringToSign,
};

use super::{HOST, now};

/// What the client writes in `x-amz-content-sha256`.
#[derive(Clone, Debug)]
pub(crate) enum Payload {
    /// The hex SHA-256 of the body it signs.
    OfBody,
    /// `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// A value of the test's choosing, signed as is.
    Declared(&'static str),
}

/// A request before signing: method, path and query as sent, headers in order, body.
#[derive(Clone, Debug)]
pub(crate) struct Draft {
    method: Method,
    target: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Draft {
    /// A request for `target` (path and query, already percent-encoded) to [`HOST`].
    pub(crate) fn new(method: Method, target: impl Into<String>) -> Self {
        Self {
            method,
            target: target.into(),
            headers: vec![("host".to_owned(), HOST.to_owned())],
            body: Bytes::new(),
        }
    }

    /// Appends a header; a repeated name keeps every value, in order.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub(crate) fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// The request as it goes on the wire, unsigned.
    pub(crate) fn unsigned(&self) -> Request<Body> {
        let mut builder = Request::builder()
            .method(self.method.clone())
            .uri(&self.target);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        builder
            .body(Body::from(self.body.clone()))
            .expect("a draft is a valid request")
    }
}

/// An S3 client's signing setup: whose key, which scope, which time, which payload mode.
#[derive(Clone, Debug)]
pub(crate) struct Signer {
    access_key_id: String,
    secret: String,
    session_token: Option<String>,
    region: String,
    service: String,
    time: SystemTime,
    payload: Payload,
    content_sha256_header: bool,
    unsigned_headers: Vec<&'static str>,
}

impl Signer {
    /// Signs as S3 clients do: region `us-east-1`, service `s3`, at [`now`], with
    /// `x-amz-content-sha256` carrying the hash of the body.
    pub(crate) fn new(access_key_id: &str, secret: &str) -> Self {
        Self {
            access_key_id: access_key_id.to_owned(),
            secret: secret.to_owned(),
            session_token: None,
            region: "us-east-1".to_owned(),
            service: "s3".to_owned(),
            time: now(),
            payload: Payload::OfBody,
            content_sha256_header: true,
            unsigned_headers: Vec::new(),
        }
    }

    pub(crate) fn session_token(mut self, token: &str) -> Self {
        self.session_token = Some(token.to_owned());
        self
    }

    pub(crate) fn region(mut self, region: &str) -> Self {
        self.region = region.to_owned();
        self
    }

    pub(crate) fn service(mut self, service: &str) -> Self {
        self.service = service.to_owned();
        self
    }

    pub(crate) fn at(mut self, time: SystemTime) -> Self {
        self.time = time;
        self
    }

    pub(crate) fn payload(mut self, payload: Payload) -> Self {
        self.payload = payload;
        self
    }

    /// Leaves `x-amz-content-sha256` out of the request, as signers for other services do.
    pub(crate) fn without_content_sha256(mut self) -> Self {
        self.content_sha256_header = false;
        self
    }

    /// Leaves a header present in the request out of `SignedHeaders`.
    pub(crate) fn leave_unsigned(mut self, name: &'static str) -> Self {
        self.unsigned_headers.push(name);
        self
    }

    /// Signs `draft` with `aws-sigv4` and returns the request with the signing headers
    /// (`authorization`, `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token`) added.
    pub(crate) fn sign(&self, draft: &Draft) -> Request<Body> {
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = if self.content_sha256_header {
            PayloadChecksumKind::XAmzSha256
        } else {
            PayloadChecksumKind::NoHeader
        };
        // S3's rules: the path is signed as sent, encoded once, never normalised.
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        if let Some(excluded) = settings.excluded_headers.as_mut() {
            excluded.extend(self.unsigned_headers.iter().map(|n| Cow::Borrowed(*n)));
        }

        let identity = Credentials::new(
            &self.access_key_id,
            &self.secret,
            self.session_token.clone(),
            None,
            "layer_sigv4 tests",
        )
        .into();
        let params: SigningParams<'_> = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(self.time)
            .settings(settings)
            .build()
            .expect("every signing parameter is set")
            .into();

        let body = match &self.payload {
            Payload::OfBody => SignableBody::Bytes(&draft.body),
            Payload::Unsigned => SignableBody::UnsignedPayload,
            Payload::Declared(value) => SignableBody::Precomputed((*value).to_owned()),
        };
        let headers = draft.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let signable =
            SignableRequest::new(draft.method.as_str(), draft.target.as_str(), headers, body)
                .expect("a draft is signable");
        let (instructions, _signature) = sign(signable, &params)
            .expect("aws-sigv4 signs the draft")
            .into_parts();

        let mut request = draft.unsigned();
        instructions.apply_to_request_http1x(&mut request);
        request
    }
}

/// Every byte but `A-Za-z0-9-_.~` and `/`: what S3 clients percent-encode in an object key.
const KEY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// An object key as S3 clients put it in the path: UTF-8, percent-encoded, uppercase hex.
pub(crate) fn encode_key(key: &str) -> String {
    utf8_percent_encode(key, KEY_ENCODE).to_string()
}

/// Signs `request` in place with this crate's core types, for a scope `aws-sigv4` cannot be
/// told to use (its scope date always follows its timestamp).
///
/// The signature is internally consistent (right key for `scope`, right canonical request),
/// so a rejection can only come from the rule under test, not from a bad signature.
pub(crate) fn sign_with_scope(
    request: &mut Request<Body>,
    access_key_id: &str,
    secret: &str,
    scope: &CredentialScope,
    signed_headers: &str,
) {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let timestamp = header("x-amz-date");
    let payload_hash = header("x-amz-content-sha256");
    let signed = SignedHeaders::parse(signed_headers).expect("the test's list is well formed");
    let canonical = CanonicalRequest::new(
        request.method(),
        request.uri().path(),
        request.uri().query().unwrap_or(""),
        request.headers(),
        None,
        &signed,
        payload_hash,
        CanonicalOptions::default(),
    );
    let string_to_sign = StringToSign::new(ALGORITHM, timestamp, scope.as_str(), canonical.hash());
    let signature = string_to_sign
        .sign(&SigningKey::derive(secret, scope))
        .to_hex();
    let value = format!(
        "{ALGORITHM} Credential={access_key_id}/{scope}, SignedHeaders={signed_headers}, \
         Signature={signature}"
    );
    let value = HeaderValue::try_from(value).expect("an Authorization value is ASCII");
    request.headers_mut().insert("authorization", value);
}
