//! Issuing presigned URLs: the share links a storage server hands to its users.
//!
//! A presigned URL is signed with the same canonical pieces the verifier uses, so a URL
//! issued here verifies through [`S3AuthLayer`](crate::S3AuthLayer) exactly like one issued
//! by an AWS SDK for the same request.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use tower_s3_auth::Credential;
//! use tower_s3_auth::presign::{PresignRequest, Presigner};
//!
//! let presigner = Presigner::new("http://127.0.0.1:9000", "us-east-1").unwrap();
//! let credential = Credential::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
//! let request = PresignRequest::get("photos", "2024/cat.jpg").expires_in(Duration::from_secs(3600));
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let url = presigner.presign_v4(&credential, &request, now).unwrap();
//! assert!(url.url.starts_with("http://127.0.0.1:9000/photos/2024/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&"));
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use http::header::HOST;
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::addressing::AddressingStyle;
use crate::canonical::{encode_component, encode_path};
use crate::credentials::Credential;
use crate::error::{Error, ErrorKind};
use crate::sigv4::query::{MAX_EXPIRES, REQUIRED};
use crate::sigv4::{
    ALGORITHM, CanonicalOptions, CanonicalRequest, CredentialScope, SignedHeaders, StringToSign,
};
use crate::timestamp;

/// Where presigned URLs point: the server's endpoint, region and addressing style.
#[derive(Clone, Debug)]
pub struct Presigner {
    scheme: String,
    authority: String,
    region: String,
    service: String,
    style: AddressingStyle,
}

/// One request to presign: method, bucket, key, lifetime, and any extra headers or query
/// parameters it must carry (all of them signed, or refused where a version cannot sign them).
#[derive(Clone, Debug)]
pub struct PresignRequest {
    method: Method,
    bucket: String,
    key: String,
    expires_in: Duration,
    headers: HeaderMap,
    query: Vec<(String, String)>,
}

/// A presigned request: the URL, and the headers the client must send with it (those that
/// were signed besides `host`).
///
/// The URL is a bearer credential until it expires: its `Debug` shows it without the query,
/// which holds the signature and any session token.
#[derive(Clone)]
pub struct PresignedUrl {
    /// The method the URL is valid for.
    pub method: Method,
    /// The URL.
    pub url: String,
    /// The signed headers to send along, if any.
    pub headers: HeaderMap,
}

impl fmt::Debug for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let without_query = self.url.split_once('?').map_or(&*self.url, |(url, _)| url);
        f.debug_struct("PresignedUrl")
            .field("method", &self.method)
            .field("url", &format_args!("{without_query}?…"))
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::with_message(ErrorKind::InvalidArgument, message.into())
}

impl Presigner {
    /// A presigner for an endpoint such as `https://s3.example.com` or
    /// `http://127.0.0.1:9000`, path-style, service `s3`.
    ///
    /// # Errors
    ///
    /// `InvalidArgument` when the endpoint is not `http(s)://host[:port]`, or the region is
    /// empty or holds a `/`.
    pub fn new(endpoint: &str, region: impl Into<String>) -> Result<Self, Error> {
        let uri: http::Uri = endpoint
            .parse()
            .map_err(|_| invalid("the endpoint is not a URL"))?;
        let scheme = uri.scheme_str().filter(|s| matches!(*s, "http" | "https"));
        let (Some(scheme), Some(authority)) = (scheme, uri.authority()) else {
            return Err(invalid("the endpoint must be http(s)://host[:port]"));
        };
        let region = region.into();
        if region.is_empty() || region.contains('/') {
            return Err(invalid("the region must be a non-empty name without '/'"));
        }
        Ok(Self {
            scheme: scheme.to_owned(),
            authority: authority.as_str().to_ascii_lowercase(),
            region,
            service: "s3".to_owned(),
            style: AddressingStyle::Path,
        })
    }

    /// Addresses buckets as `bucket.HOST` instead of `HOST/bucket`.
    #[must_use]
    pub fn virtual_hosted(mut self) -> Self {
        self.style = AddressingStyle::VirtualHosted;
        self
    }

    /// The service name in the scope (`s3`).
    #[must_use]
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = service.into();
        self
    }

    /// The host and path of `request` under this endpoint; the path is encoded for the wire.
    fn locate(&self, request: &PresignRequest) -> (String, String) {
        let key = encode_path(request.key.as_bytes()).to_string();
        match self.style {
            AddressingStyle::VirtualHosted => (
                format!("{}.{}", request.bucket, self.authority),
                format!("/{key}"),
            ),
            _ => {
                let bucket = encode_path(request.bucket.as_bytes());
                let path = if request.key.is_empty() {
                    format!("/{bucket}")
                } else {
                    format!("/{bucket}/{key}")
                };
                (self.authority.clone(), path)
            }
        }
    }

    /// Presigns `request` with SigV4 at time `now`: the query carries the credential, date,
    /// lifetime, signed headers, session token (for a temporary credential) and signature;
    /// the payload is `UNSIGNED-PAYLOAD` unless the request's query names its
    /// `X-Amz-Content-Sha256`.
    ///
    /// # Errors
    ///
    /// `InvalidArgument` for a lifetime outside 1 second to 7 days, extra headers that cannot
    /// be signed, an extra query parameter that is one of the authentication parameters, a
    /// service name that is empty or holds a `/`, or a time outside years 0 to 9999.
    pub fn presign_v4(
        &self,
        credential: &Credential,
        request: &PresignRequest,
        now: SystemTime,
    ) -> Result<PresignedUrl, Error> {
        let seconds = request.lifetime_seconds()?;
        request.check_query_names()?;
        let (host, path) = self.locate(request);
        let mut headers = request.headers.clone();
        headers.insert(
            HOST,
            HeaderValue::from_str(&host).map_err(|_| invalid("bad host"))?,
        );
        let mut names: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        names.dedup();
        let signed = SignedHeaders::parse(&names.join(";"))
            .ok_or_else(|| invalid("the extra headers cannot be signed"))?;

        let amz_date = timestamp::format_amz_date(now);
        let scope = amz_date
            .get(..8)
            .and_then(|date| CredentialScope::new(date, &self.region, &self.service))
            .ok_or_else(|| invalid("the service or the time cannot make a credential scope"))?;
        let mut params: Vec<(String, String)> = request.query.clone();
        params.extend([
            ("X-Amz-Algorithm".to_owned(), ALGORITHM.to_owned()),
            (
                "X-Amz-Credential".to_owned(),
                format!("{}/{scope}", credential.access_key_id()),
            ),
            ("X-Amz-Date".to_owned(), amz_date.clone()),
            ("X-Amz-Expires".to_owned(), seconds.to_string()),
            ("X-Amz-SignedHeaders".to_owned(), signed.as_str().to_owned()),
        ]);
        if let Some(token) = credential.session_token() {
            params.push(("X-Amz-Security-Token".to_owned(), token.expose().to_owned()));
        }
        let query = encode_query(&params);
        // A URL that signs its body's hash names it in the query; otherwise the body is free.
        let payload_hash = request
            .query
            .iter()
            .find(|(k, _)| k == "X-Amz-Content-Sha256")
            .map_or("UNSIGNED-PAYLOAD", |(_, v)| v.as_str());

        let canonical = CanonicalRequest::new(
            &request.method,
            &path,
            &query,
            &headers,
            Some(&host),
            &signed,
            payload_hash,
            CanonicalOptions::default(),
        );
        let sts = StringToSign::new(ALGORITHM, &amz_date, scope.as_str(), canonical.hash());
        let key = crate::sigv4::SigningKey::derive(credential.secret().expose(), &scope);
        let signature = sts.sign(&key).to_hex();

        headers.remove(HOST);
        Ok(PresignedUrl {
            method: request.method.clone(),
            url: format!(
                "{}://{host}{path}?{query}&X-Amz-Signature={signature}",
                self.scheme
            ),
            headers,
        })
    }
}

impl Presigner {
    /// Presigns `request` with Signature Version 2 at time `now`: the query carries
    /// `AWSAccessKeyId`, `Expires` (seconds since the epoch) and `Signature`, and the session
    /// token of a temporary credential as `x-amz-security-token`.
    ///
    /// Signature Version 2 signs less of a request than SigV4: of the extra headers only
    /// `Content-MD5`, `Content-Type` and `x-amz-*`, of the extra query parameters only the
    /// sub-resources ([`SUB_RESOURCES`](crate::sigv2::SUB_RESOURCES)) and `x-amz-*`. Anything
    /// else could be changed by whoever holds the URL, so it is refused rather than carried
    /// unsigned.
    ///
    /// # Errors
    ///
    /// `InvalidArgument` for a lifetime outside 1 second to 7 days, an extra header or query
    /// parameter SigV2 does not sign, or one that is an authentication parameter.
    pub fn presign_v2(
        &self,
        credential: &Credential,
        request: &PresignRequest,
        now: SystemTime,
    ) -> Result<PresignedUrl, Error> {
        request.lifetime_seconds()?;
        request.check_query_names()?;
        request.check_v2_signs_everything()?;
        let expires = (now + request.expires_in)
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| invalid("the expiry is before 1970"))?
            .as_secs()
            .to_string();
        let (host, path) = self.locate(request);
        let mut params = request.query.clone();
        if let Some(token) = credential.session_token() {
            params.push(("x-amz-security-token".to_owned(), token.expose().to_owned()));
        }
        let query = encode_query(&params);
        let uri: http::Uri = format!("{path}?{query}")
            .parse()
            .map_err(|_| invalid("the key does not make a valid URL"))?;
        let bucket_from_host =
            (self.style == AddressingStyle::VirtualHosted).then_some(request.bucket.as_str());
        let sts = crate::sigv2::StringToSign::for_request(
            &request.method,
            &uri,
            &request.headers,
            bucket_from_host,
            Some(&expires),
        );
        let signature = sts.sign(credential.secret().expose()).to_base64();

        let separator = if query.is_empty() { "" } else { "&" };
        let url = format!(
            "{}://{host}{path}?{query}{separator}AWSAccessKeyId={}&Expires={expires}&Signature={}",
            self.scheme,
            encode_component(credential.access_key_id().as_bytes()),
            encode_component(signature.as_bytes()),
        );
        Ok(PresignedUrl {
            method: request.method.clone(),
            url,
            headers: request.headers.clone(),
        })
    }
}

/// `k=v&…` with keys and values `UriEncode`d, in the order given.
fn encode_query(params: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (key, value)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&encode_component(key.as_bytes()).to_string());
        out.push('=');
        out.push_str(&encode_component(value.as_bytes()).to_string());
    }
    out
}

impl PresignRequest {
    /// A request for `method` on `bucket`/`key`, valid for 15 minutes.
    pub fn new(method: Method, bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            method,
            bucket: bucket.into(),
            key: key.into(),
            expires_in: Duration::from_secs(900),
            headers: HeaderMap::new(),
            query: Vec::new(),
        }
    }

    /// Refuses an extra query parameter that is an authentication parameter of either
    /// version: the URL would carry it twice, or carry two mechanisms.
    fn check_query_names(&self) -> Result<(), Error> {
        let reserved = REQUIRED.iter().chain(&[
            "X-Amz-Security-Token",
            "AWSAccessKeyId",
            "Expires",
            "Signature",
        ]);
        let is_reserved = |name: &str| reserved.clone().any(|r| r.eq_ignore_ascii_case(name));
        match self.query.iter().find(|(name, _)| is_reserved(name)) {
            Some((name, _)) => Err(invalid(format!(
                "the query parameter {name} is set by the presigner"
            ))),
            None => Ok(()),
        }
    }

    /// Refuses what a SigV2 signature would not cover (see [`Presigner::presign_v2`]).
    fn check_v2_signs_everything(&self) -> Result<(), Error> {
        let amz = |name: &str| {
            name.get(..6)
                .is_some_and(|p| p.eq_ignore_ascii_case("x-amz-"))
        };
        let unsigned_header = self.headers.keys().find(|name| {
            let name = name.as_str();
            !amz(name) && name != "content-md5" && name != "content-type"
        });
        if let Some(name) = unsigned_header {
            return Err(invalid(format!(
                "Signature Version 2 does not sign the header {name}"
            )));
        }
        let unsigned_param = self
            .query
            .iter()
            .find(|(name, _)| !amz(name) && !crate::sigv2::SUB_RESOURCES.contains(&name.as_str()));
        if let Some((name, _)) = unsigned_param {
            return Err(invalid(format!(
                "Signature Version 2 does not sign the query parameter {name}"
            )));
        }
        Ok(())
    }

    /// The lifetime in whole seconds, checked to be 1 second to 7 days.
    fn lifetime_seconds(&self) -> Result<u64, Error> {
        let seconds = self.expires_in.as_secs();
        if !(1..=MAX_EXPIRES).contains(&seconds) {
            return Err(invalid("a presigned URL lives from 1 second to 7 days"));
        }
        Ok(seconds)
    }

    /// A `GET` of an object: a download link.
    pub fn get(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self::new(Method::GET, bucket, key)
    }

    /// A `PUT` of an object: an upload link.
    pub fn put(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self::new(Method::PUT, bucket, key)
    }

    /// How long the URL stays valid (1 second to 7 days).
    #[must_use]
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = lifetime;
        self
    }

    /// A header the client must send, signed (e.g. `content-type` for an upload link).
    #[must_use]
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// A query parameter the URL carries, signed (e.g. `response-content-disposition`).
    #[must_use]
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn presigner() -> Presigner {
        Presigner::new("http://127.0.0.1:9000", "us-east-1").unwrap()
    }

    #[test]
    fn a_region_or_service_that_makes_no_scope_is_refused() {
        for region in ["", "a/b"] {
            let error = Presigner::new("http://h", region).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{region:?}");
        }
        let credential = Credential::new("AK", "secret");
        let request = PresignRequest::get("b", "k");
        for service in ["", "s/3"] {
            let presigner = presigner().service(service);
            let error = presigner
                .presign_v4(&credential, &request, at())
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{service:?}");
        }
    }

    #[test]
    fn authentication_parameters_cannot_be_added() {
        let credential = Credential::new("AK", "secret");
        for name in [
            "X-Amz-Signature",
            "x-amz-expires",
            "Signature",
            "AWSAccessKeyId",
        ] {
            let request = PresignRequest::get("b", "k").query(name, "1");
            let v4 = presigner()
                .presign_v4(&credential, &request, at())
                .unwrap_err();
            assert_eq!(v4.kind(), ErrorKind::InvalidArgument, "v4: {name}");
            let v2 = presigner()
                .presign_v2(&credential, &request, at())
                .unwrap_err();
            assert_eq!(v2.kind(), ErrorKind::InvalidArgument, "v2: {name}");
        }
    }

    #[test]
    fn signature_v2_refuses_what_it_would_not_sign() {
        let credential = Credential::new("AK", "secret");
        let range = PresignRequest::get("b", "k")
            .header(http::header::RANGE, HeaderValue::from_static("bytes=0-1"));
        let unsigned_param = PresignRequest::get("b", "k").query("prefix", "a");
        for request in [range, unsigned_param] {
            let error = presigner()
                .presign_v2(&credential, &request, at())
                .unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{request:?}");
            assert!(
                presigner().presign_v4(&credential, &request, at()).is_ok(),
                "SigV4 signs it"
            );
        }
        let signed = PresignRequest::put("b", "k")
            .header(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain"),
            )
            .header(
                http::HeaderName::from_static("x-amz-acl"),
                HeaderValue::from_static("private"),
            )
            .query("response-content-type", "text/plain");
        assert!(presigner().presign_v2(&credential, &signed, at()).is_ok());
    }

    #[test]
    fn debug_leaves_the_signature_and_token_out() {
        let credential = Credential::new("AK", "secret").with_session_token("the-token");
        let url = presigner()
            .presign_v4(&credential, &PresignRequest::get("b", "k"), at())
            .unwrap();
        assert!(url.url.contains("X-Amz-Signature="), "the URL has them");
        let shown = format!("{url:?}");
        assert_eq!(
            shown,
            "PresignedUrl { method: GET, url: http://127.0.0.1:9000/b/k?…, headers: [] }"
        );
    }
}
