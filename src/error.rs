//! S3 errors: what went wrong, the S3 code and status it maps to, and the one XML renderer.
//!
//! Every rejection the layer or the verifying body produces is an [`Error`]. Its
//! [`ErrorKind`] decides the S3 `<Code>` and the HTTP status; its message and extra elements
//! are the ones Amazon S3 sends for the same failure. [`Error::to_response`] renders the
//! `<Error>` document exactly once, for every code.
//!
//! # Security
//!
//! Nothing secret reaches an error: no secret key, derived signing key, session token or
//! expected signature is ever stored in one. The diagnostic elements of
//! `SignatureDoesNotMatch` (string to sign, canonical request, the signature the client
//! sent) are all values the client itself computed or sent, with its session token replaced
//! by `REDACTED`.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt::{self, Write as _};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use http::{Method, Response, StatusCode};

use crate::config::SignatureDiagnostics;

/// The S3 error codes this crate answers with.
///
/// Each kind knows its S3 `<Code>` ([`ErrorKind::code`]) and its HTTP status
/// ([`ErrorKind::status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// 403: the request is refused (anonymous, expired presign, unsigned headers, …).
    AccessDenied,
    /// 403: the signature the client sent is not the one we computed.
    SignatureDoesNotMatch,
    /// 403: no enabled credential has this access key id.
    InvalidAccessKeyId,
    /// 403: the request time is too far from the server's clock.
    RequestTimeTooSkewed,
    /// 400: the `Authorization` header cannot be parsed or names a wrong scope.
    AuthorizationHeaderMalformed,
    /// 400: a presigned URL's authentication parameters are malformed.
    AuthorizationQueryParametersError,
    /// 400: a header S3 requires for authentication is missing.
    MissingSecurityHeader,
    /// 400: a request S3 refuses as a whole (for example a missing `x-amz-content-sha256`).
    InvalidRequest,
    /// 400: a generic invalid argument, with `ArgumentName` and `ArgumentValue`.
    InvalidArgument,
    /// 400: the session token of a temporary credential has expired.
    ExpiredToken,
    /// 400: the session token is missing, malformed or not the credential's.
    InvalidToken,
    /// 400: the body does not hash to the `x-amz-content-sha256` the client signed.
    XAmzContentSha256Mismatch,
    /// 400: the body does not match its `Content-MD5` or checksum.
    BadDigest,
    /// 400: the `Content-MD5` header is not base64 of 16 bytes.
    InvalidDigest,
    /// 400: the body ended before the length the client announced.
    IncompleteBody,
    /// 411: the request needs a `Content-Length`.
    MissingContentLength,
    /// 400: a chunk of an `aws-chunked` body other than the last is smaller than 8 KiB.
    InvalidChunkSizeError,
    /// 400: the trailer of an `aws-chunked` body is malformed, undeclared or missing.
    MalformedTrailerError,
    /// 501: the request uses a feature this crate does not implement.
    NotImplemented,
    /// 500: the server failed (for example the credential store); the request is refused.
    InternalError,
    /// 503: a dependency (for example the credential store) is unavailable; retry later.
    ServiceUnavailable,
}

impl ErrorKind {
    /// The S3 error code, the text of `<Code>`.
    pub fn code(self) -> &'static str {
        match self {
            Self::AccessDenied => "AccessDenied",
            Self::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            Self::InvalidAccessKeyId => "InvalidAccessKeyId",
            Self::RequestTimeTooSkewed => "RequestTimeTooSkewed",
            Self::AuthorizationHeaderMalformed => "AuthorizationHeaderMalformed",
            Self::AuthorizationQueryParametersError => "AuthorizationQueryParametersError",
            Self::MissingSecurityHeader => "MissingSecurityHeader",
            Self::InvalidRequest => "InvalidRequest",
            Self::InvalidArgument => "InvalidArgument",
            Self::ExpiredToken => "ExpiredToken",
            Self::InvalidToken => "InvalidToken",
            Self::XAmzContentSha256Mismatch => "XAmzContentSHA256Mismatch",
            Self::BadDigest => "BadDigest",
            Self::InvalidDigest => "InvalidDigest",
            Self::IncompleteBody => "IncompleteBody",
            Self::MissingContentLength => "MissingContentLength",
            Self::InvalidChunkSizeError => "InvalidChunkSizeError",
            Self::MalformedTrailerError => "MalformedTrailerError",
            Self::NotImplemented => "NotImplemented",
            Self::InternalError => "InternalError",
            Self::ServiceUnavailable => "ServiceUnavailable",
        }
    }

    /// The HTTP status S3 answers this error with.
    pub fn status(self) -> StatusCode {
        match self {
            Self::AccessDenied
            | Self::SignatureDoesNotMatch
            | Self::InvalidAccessKeyId
            | Self::RequestTimeTooSkewed => StatusCode::FORBIDDEN,
            Self::MissingContentLength => StatusCode::LENGTH_REQUIRED,
            Self::NotImplemented => StatusCode::NOT_IMPLEMENTED,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The message S3 sends with this code when nothing more specific applies.
    pub fn default_message(self) -> &'static str {
        match self {
            Self::AccessDenied => "Access Denied",
            Self::SignatureDoesNotMatch => {
                "The request signature we calculated does not match the signature you \
                 provided. Check your key and signing method."
            }
            Self::InvalidAccessKeyId => {
                "The AWS Access Key Id you provided does not exist in our records."
            }
            Self::RequestTimeTooSkewed => {
                "The difference between the request time and the current time is too large."
            }
            Self::AuthorizationHeaderMalformed => "The authorization header is malformed.",
            Self::AuthorizationQueryParametersError => {
                "The authorization query parameters are malformed."
            }
            Self::MissingSecurityHeader => "Your request is missing a required header.",
            Self::InvalidRequest => "Invalid Request",
            Self::InvalidArgument => "Invalid Argument",
            Self::ExpiredToken => "The provided token has expired.",
            Self::InvalidToken => "The provided token is malformed or otherwise invalid.",
            Self::XAmzContentSha256Mismatch => {
                "The provided 'x-amz-content-sha256' header does not match what was computed."
            }
            Self::BadDigest => "The Content-MD5 you specified did not match what we received.",
            Self::InvalidDigest => "The Content-MD5 you specified is not valid.",
            Self::IncompleteBody => {
                "You did not provide the number of bytes specified by the Content-Length \
                 HTTP header."
            }
            Self::MissingContentLength => "You must provide the Content-Length HTTP header.",
            Self::InvalidChunkSizeError => {
                "Only the last chunk is allowed to have a size less than 8192 bytes"
            }
            Self::MalformedTrailerError => {
                "The request contained trailing data that was not well-formed or did not \
                 conform to our published schema."
            }
            Self::NotImplemented => {
                "A header you provided implies functionality that is not implemented."
            }
            Self::InternalError => "We encountered an internal error. Please try again.",
            Self::ServiceUnavailable => "Please reduce your request rate.",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An S3 error: a kind, its message, the extra XML elements S3 adds for it, and an optional
/// cause (for logs only; the cause never reaches the client).
pub struct Error {
    kind: ErrorKind,
    message: Cow<'static, str>,
    extras: Vec<(&'static str, String)>,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl Error {
    /// An error of `kind` with the message S3 uses by default for it.
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            message: Cow::Borrowed(kind.default_message()),
            extras: Vec::new(),
            source: None,
        }
    }

    /// An error of `kind` with a specific message.
    pub fn with_message(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            message: message.into(),
            ..Self::new(kind)
        }
    }

    /// Adds an extra element, rendered as `<name>value</name>` after `<Message>`.
    #[must_use]
    pub fn extra(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extras.push((name, value.into()));
        self
    }

    /// Attaches the underlying cause, kept for logs and [`StdError::source`].
    #[must_use]
    pub fn caused_by(mut self, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The same error without its cause, for reporting it again.
    pub(crate) fn repeated(&self) -> Self {
        Self {
            kind: self.kind,
            message: self.message.clone(),
            extras: self.extras.clone(),
            source: None,
        }
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The S3 error code, the text of `<Code>`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// The message, the text of `<Message>`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The value of the extra element `name`, if the error has one.
    pub fn extra_value(&self, name: &str) -> Option<&str> {
        self.extras
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The extra elements, in the order they are rendered.
    pub fn extras(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.extras.iter().map(|(n, v)| (*n, v.as_str()))
    }

    /// Finds the S3 error in an error's source chain.
    ///
    /// A body error travels through the frameworks in between (axum wraps it in
    /// `axum::Error`, hyper in its own error); this walks `source()` until it meets ours.
    pub fn find_in<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a Error> {
        let mut current = Some(error);
        while let Some(err) = current {
            if let Some(found) = err.downcast_ref::<Error>() {
                return Some(found);
            }
            current = err.source();
        }
        None
    }

    /// Renders the S3 error document: `<Error>` with `Code`, `Message`, the extras,
    /// `Resource`, `RequestId` and `HostId`.
    pub fn to_xml(&self, resource: &str, request_id: &str, host_id: &str) -> String {
        let mut xml = String::with_capacity(256);
        xml.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        xml.push_str("\n<Error>");
        push_element(&mut xml, "Code", self.code());
        push_element(&mut xml, "Message", &self.message);
        for (name, value) in &self.extras {
            push_element(&mut xml, name, value);
        }
        push_element(&mut xml, "Resource", resource);
        push_element(&mut xml, "RequestId", request_id);
        push_element(&mut xml, "HostId", host_id);
        xml.push_str("</Error>");
        xml
    }

    /// The complete HTTP response S3 sends for this error: status, `Content-Type:
    /// application/xml`, `Content-Length`, `x-amz-request-id`, `x-amz-id-2`, and the XML
    /// body unless the request was a `HEAD`.
    pub fn to_response(&self, method: &Method, resource: &str) -> Response<Bytes> {
        let ids = RequestIds::generate();
        let xml = self.to_xml(resource, &ids.request_id, &ids.host_id);
        let length = xml.len();
        let body = if method == Method::HEAD {
            Bytes::new()
        } else {
            Bytes::from(xml)
        };

        let mut response = Response::new(body);
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
        for (name, value) in [
            ("x-amz-request-id", ids.request_id),
            ("x-amz-id-2", ids.host_id),
        ] {
            if let Ok(value) = HeaderValue::try_from(value) {
                headers.insert(name, value);
            }
        }
        response
    }
}

/// Whether XML 1.0 forbids `c` in a document, escaped or not.
fn forbidden_in_xml(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

fn push_element(xml: &mut String, name: &str, text: &str) {
    // Client text (a percent-decoded query value) may hold characters XML 1.0 cannot carry,
    // not even escaped; they become U+FFFD so that the document stays well formed.
    let text: Cow<'_, str> = match text.contains(forbidden_in_xml) {
        true => text.replace(forbidden_in_xml, "\u{fffd}").into(),
        false => text.into(),
    };
    xml.push('<');
    xml.push_str(name);
    xml.push('>');
    xml.push_str(&quick_xml::escape::partial_escape(text));
    xml.push_str("</");
    xml.push_str(name);
    xml.push('>');
}

/// The `x-amz-request-id` / `x-amz-id-2` pair of one response.
///
/// Unique per process and not guessable from each other; they identify a response in logs,
/// they are not secrets.
#[derive(Debug)]
struct RequestIds {
    request_id: String,
    host_id: String,
}

impl RequestIds {
    fn generate() -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        use std::time::{SystemTime as Wall, UNIX_EPOCH};

        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        // Log correlation only: the wall clock seeds uniqueness across restarts, so reading
        // it here does not bypass the injected clock used for verification.
        #[allow(clippy::disallowed_methods)]
        let start = Wall::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let request_id = format!(
            "{:016X}",
            start.rotate_left(17) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        );
        let host_id = {
            use base64::Engine as _;
            let digest = <sha2::Sha256 as sha2::Digest>::digest(request_id.as_bytes());
            base64::engine::general_purpose::STANDARD.encode(&digest[..24])
        };
        Self {
            request_id,
            host_id,
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("code", &self.code())
            .field("message", &self.message);
        if !self.extras.is_empty() {
            d.field("extras", &DebugExtras(&self.extras));
        }
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

/// The extras as `Debug` shows them: the canonical request and string to sign (which carry
/// the session token the client sent) by length only, so that a logged error never holds one.
struct DebugExtras<'a>(&'a [(&'static str, String)]);

impl fmt::Debug for DebugExtras<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if name.starts_with("CanonicalRequest") || name.starts_with("StringToSign") {
                map.entry(name, &format_args!("<{} bytes>", value.len()));
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message)
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// The signed texts of a `SignatureDoesNotMatch`: the string to sign, the canonical request
/// (SigV4), and the session token they carry, if any.
pub(crate) struct SignedTexts<'a> {
    pub(crate) string_to_sign: &'a str,
    pub(crate) canonical_request: Option<&'a [u8]>,
    pub(crate) session_token: Option<&'a str>,
}

/// What stands for the session token in the diagnostic elements.
const REDACTED: &str = "REDACTED";

/// The longest text whose bytes are spelled out (three characters a byte) in a diagnostic
/// element: a request of many large headers must not draw a reply several times its size.
const MAX_SPELLED_OUT: usize = 16 * 1024;

/// `SignatureDoesNotMatch`, with S3's diagnostic elements unless they are switched off.
///
/// The elements are the client's own texts, with one change: the session token, which the
/// canonical request (or the SigV2 string to sign) carries, is replaced by `REDACTED`, in its
/// raw and in its URI-encoded form. A token is a bearer credential, and error bodies end up
/// in logs and proxies; the client knows its own token.
pub(crate) fn signature_mismatch(
    diagnostics: SignatureDiagnostics,
    access_key_id: &str,
    signed: &SignedTexts<'_>,
    signature_provided: &str,
) -> Error {
    let error = Error::new(ErrorKind::SignatureDoesNotMatch);
    if diagnostics == SignatureDiagnostics::Omit {
        return error;
    }
    let token = signed.session_token.filter(|t| !t.is_empty());
    let redact = |text: &[u8]| match token {
        Some(token) => {
            let encoded = crate::canonical::encode_component(token.as_bytes()).to_string();
            let once = replace_bytes(text, token.as_bytes(), REDACTED.as_bytes());
            replace_bytes(&once, encoded.as_bytes(), REDACTED.as_bytes())
        }
        None => text.to_vec(),
    };
    let string_to_sign = redact(signed.string_to_sign.as_bytes());
    let mut error = error
        .extra("AWSAccessKeyId", access_key_id)
        .extra("StringToSign", String::from_utf8_lossy(&string_to_sign))
        .extra("SignatureProvided", signature_provided);
    if string_to_sign.len() <= MAX_SPELLED_OUT {
        error = error.extra("StringToSignBytes", spaced_hex(&string_to_sign));
    }
    if let Some(bytes) = signed.canonical_request.map(redact) {
        error = error.extra("CanonicalRequest", String::from_utf8_lossy(&bytes));
        if bytes.len() <= MAX_SPELLED_OUT {
            error = error.extra("CanonicalRequestBytes", spaced_hex(&bytes));
        }
    }
    error
}

/// `haystack` with every occurrence of `needle` (not empty) replaced by `with`.
fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Bytes as two-digit lowercase hex separated by spaces, as S3 writes `StringToSignBytes`.
fn spaced_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_code_message_extras_and_ids_escaped() {
        let err = Error::new(ErrorKind::InvalidAccessKeyId).extra("AWSAccessKeyId", "a<b&c");
        let xml = err.to_xml("/bucket/key", "REQ", "HOST");
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidAccessKeyId</Code>\
             <Message>The AWS Access Key Id you provided does not exist in our records.</Message>\
             <AWSAccessKeyId>a&lt;b&amp;c</AWSAccessKeyId><Resource>/bucket/key</Resource>\
             <RequestId>REQ</RequestId><HostId>HOST</HostId></Error>"
        );
    }

    #[test]
    fn response_has_s3_headers_and_head_has_no_body() {
        let err = Error::new(ErrorKind::SignatureDoesNotMatch);
        let get = err.to_response(&Method::GET, "/b");
        assert_eq!(get.status(), StatusCode::FORBIDDEN);
        assert_eq!(get.headers()[CONTENT_TYPE], "application/xml");
        assert_eq!(
            get.headers()[CONTENT_LENGTH],
            get.body().len().to_string().as_str()
        );
        let request_id = get.headers()["x-amz-request-id"].to_str().unwrap();
        let body = std::str::from_utf8(get.body()).unwrap();
        assert!(body.contains(&format!("<RequestId>{request_id}</RequestId>")));
        let host_id = get.headers()["x-amz-id-2"].to_str().unwrap();
        assert!(body.contains(&format!("<HostId>{host_id}</HostId>")));

        let head = err.to_response(&Method::HEAD, "/b");
        assert_eq!(head.status(), StatusCode::FORBIDDEN);
        assert!(head.body().is_empty());
    }

    #[test]
    fn debug_keeps_signed_text_out_of_logs() {
        let signed = SignedTexts {
            string_to_sign: "AWS4-HMAC-SHA256\n20130524T000000Z",
            canonical_request: Some(b"GET\n/b\n"),
            session_token: None,
        };
        let err = signature_mismatch(SignatureDiagnostics::Include, "AK", &signed, "sig");
        let shown = format!("{err:?}");
        assert!(!shown.contains("20130524T000000Z"), "{shown}");
        assert!(shown.contains("\"AWSAccessKeyId\": \"AK\""), "{shown}");
        assert_eq!(
            err.extra_value("StringToSign"),
            Some(signed.string_to_sign),
            "the response still has it"
        );
        let omitted = signature_mismatch(SignatureDiagnostics::Omit, "AK", &signed, "sig");
        assert_eq!(omitted.extras().count(), 0);
    }

    #[test]
    fn the_session_token_is_redacted_from_the_diagnostics() {
        let signed = SignedTexts {
            string_to_sign: "GET\n\n\n1\nx-amz-security-token:SeCrEt/1+x\n/b",
            canonical_request: Some(b"GET\n/b\nX-Amz-Security-Token=SeCrEt%2F1%2Bx\nhost:h\n"),
            session_token: Some("SeCrEt/1+x"),
        };
        let err = signature_mismatch(SignatureDiagnostics::Include, "AK", &signed, "sig");
        let xml = err.to_xml("/b", "R", "H");
        assert!(!xml.contains("SeCrEt"), "{xml}");
        assert_eq!(
            err.extra_value("StringToSign"),
            Some("GET\n\n\n1\nx-amz-security-token:REDACTED\n/b")
        );
        let canonical = "GET\n/b\nX-Amz-Security-Token=REDACTED\nhost:h\n";
        assert_eq!(err.extra_value("CanonicalRequest"), Some(canonical));
        assert_eq!(
            err.extra_value("CanonicalRequestBytes"),
            Some(spaced_hex(canonical.as_bytes()).as_str()),
            "the bytes are of the redacted text"
        );
    }

    #[test]
    fn large_texts_are_not_spelled_out_in_bytes() {
        let canonical = vec![b'a'; MAX_SPELLED_OUT + 1];
        let signed = SignedTexts {
            string_to_sign: "AWS4-HMAC-SHA256",
            canonical_request: Some(&canonical),
            session_token: None,
        };
        let err = signature_mismatch(SignatureDiagnostics::Include, "AK", &signed, "sig");
        assert!(
            err.extra_value("CanonicalRequest").is_some(),
            "the text stays"
        );
        assert_eq!(
            err.extra_value("CanonicalRequestBytes"),
            None,
            "its bytes do not"
        );
        assert!(
            err.extra_value("StringToSignBytes").is_some(),
            "short texts are spelled"
        );
    }

    #[test]
    fn status_of_each_family() {
        assert_eq!(ErrorKind::AccessDenied.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            ErrorKind::XAmzContentSha256Mismatch.code(),
            "XAmzContentSHA256Mismatch"
        );
        assert_eq!(
            ErrorKind::MissingContentLength.status(),
            StatusCode::LENGTH_REQUIRED
        );
        assert_eq!(
            ErrorKind::AuthorizationHeaderMalformed.status(),
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn found_through_a_wrapping_error() {
        #[derive(Debug)]
        struct Wrapper(Error);
        impl fmt::Display for Wrapper {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("wrapped")
            }
        }
        impl StdError for Wrapper {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
        let wrapped = Wrapper(Error::new(ErrorKind::BadDigest));
        assert_eq!(
            Error::find_in(&wrapped).map(Error::kind),
            Some(ErrorKind::BadDigest)
        );
    }
}
