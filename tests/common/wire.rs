//! HTTP requests written as text in the vectors: a request line, `Name:value` header lines
//! (a line starting with whitespace continues the previous value), a blank line, the body.
//! Lines end with `\n`, not CRLF.

use http::{HeaderMap, HeaderName, HeaderValue, Method, Request};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Bytes a request target cannot carry raw on the wire; non-ASCII is always encoded.
const NOT_ON_THE_WIRE: &AsciiSet = &CONTROLS.add(b' ');

/// A request as the vector writes it.
#[derive(Clone, Debug)]
pub(crate) struct WireRequest {
    pub(crate) method: String,
    /// The request target as written: the path may be raw (`/example space/`, UTF-8).
    pub(crate) target: String,
    /// Header names as written, values as written, in order; repeated names stay repeated.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl WireRequest {
    /// Parses the text of a request.
    ///
    /// # Panics
    ///
    /// On text that is not a request, naming `origin` (the vector it came from).
    pub(crate) fn parse(text: &str, origin: &str) -> Self {
        let (head, body) = match text.split_once("\n\n") {
            Some((head, body)) => (head, body),
            None => (text.trim_end_matches('\n'), ""),
        };
        let mut lines = head.split('\n');
        let request_line = lines.next().unwrap_or_default();
        // The target may hold raw spaces, so it is whatever lies between method and version.
        let (method, rest) = request_line
            .split_once(' ')
            .unwrap_or_else(|| panic!("{origin}: no method in {request_line:?}"));
        let (target, _version) = rest
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("{origin}: no HTTP version in {request_line:?}"));

        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                // An obsolete line fold: the line break becomes a space in the value.
                let (_, value) = headers
                    .last_mut()
                    .unwrap_or_else(|| panic!("{origin}: continuation line before any header"));
                value.push(' ');
                value.push_str(line);
                continue;
            }
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("{origin}: header line without ':' {line:?}"));
            headers.push((name.to_owned(), value.to_owned()));
        }

        Self {
            method: method.to_owned(),
            target: target.to_owned(),
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    /// The first value of header `name` (any case), as written.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The target as a client puts it on the wire: raw spaces, controls and non-ASCII bytes
    /// percent-encoded, everything else (including existing escapes) kept.
    pub(crate) fn wire_target(&self) -> String {
        utf8_percent_encode(&self.target, NOT_ON_THE_WIRE).to_string()
    }

    /// The request as an HTTP/1.1 server hands it over: target encoded for the wire, header
    /// values without the optional whitespace around them (RFC 9110, section 5.5).
    pub(crate) fn to_http<B>(&self, body: B) -> Request<B> {
        self.build(body, |value| value.trim_matches([' ', '\t']))
    }

    /// As [`WireRequest::to_http`], but header values exactly as written, so the canonical
    /// request's own trimming is what removes their surrounding whitespace.
    pub(crate) fn to_http_untrimmed<B>(&self, body: B) -> Request<B> {
        self.build(body, |value| value)
    }

    fn build<B>(&self, body: B, value_of: impl Fn(&str) -> &str) -> Request<B> {
        let method = Method::from_bytes(self.method.as_bytes())
            .unwrap_or_else(|e| panic!("method {:?}: {e}", self.method));
        let mut request = Request::builder()
            .method(method)
            .uri(self.wire_target())
            .body(body)
            .unwrap_or_else(|e| panic!("request target {:?}: {e}", self.target));

        // Names are lowercased; repeated names keep their arrival order.
        let headers: &mut HeaderMap = request.headers_mut();
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .unwrap_or_else(|e| panic!("header name {name:?}: {e}"));
            let value = HeaderValue::from_str(value_of(value))
                .unwrap_or_else(|e| panic!("header {name} value {value:?}: {e}"));
            headers.append(name, value);
        }
        request
    }
}
