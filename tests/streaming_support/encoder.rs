//! An `aws-chunked` encoder for the tests: the request headers, the seed signature (the
//! crate's public SigV4 core), and chunk and trailer signatures chained by hand.

use axum::body::Body;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request};
use sha2::{Digest, Sha256};
use tower_s3_auth::sigv4::{
    ALGORITHM, CanonicalOptions, CanonicalRequest, CredentialScope, Signature, SignedHeaders,
    SigningKey, StringToSign,
};

use super::{ACCESS_KEY, Alg, DATE, HOST, Mode, SECRET, TIMESTAMP};

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The signature chain of a signed upload, from the seed on.
pub(crate) struct ChunkChain {
    key: SigningKey,
    scope: String,
    previous: String,
}

impl ChunkChain {
    pub(crate) fn new(seed: &Signature) -> Self {
        let scope = CredentialScope::new(DATE, "us-east-1", "s3").unwrap();
        Self {
            key: SigningKey::derive(SECRET, &scope),
            scope: scope.as_str().to_owned(),
            previous: seed.to_hex(),
        }
    }

    /// Signs the next chunk, whose data hashes to `data_hash`, and returns its header line.
    pub(crate) fn header(&mut self, size: usize, data_hash: [u8; 32]) -> String {
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{TIMESTAMP}\n{}\n{}\n{EMPTY_SHA256}\n{}",
            self.scope,
            self.previous,
            hex::encode(data_hash)
        );
        self.previous = self.key.sign(&[string_to_sign.as_bytes()]).to_hex();
        format!("{size:x};chunk-signature={}\r\n", self.previous)
    }

    /// The trailer signature over `lines` (each `name:value`), chained on the final chunk.
    pub(crate) fn trailer_signature(&self, lines: &[String]) -> String {
        let mut hasher = Sha256::new();
        for line in lines {
            hasher.update(line.as_bytes());
            hasher.update(b"\n");
        }
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256-TRAILER\n{TIMESTAMP}\n{}\n{}\n{}",
            self.scope,
            self.previous,
            hex::encode(hasher.finalize())
        );
        self.key.sign(&[string_to_sign.as_bytes()]).to_hex()
    }
}

/// One streaming upload to encode.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    pub(crate) mode: Mode,
    pub(crate) payload: Vec<u8>,
    /// The size of every chunk but the last data chunk (which holds the rest).
    pub(crate) chunk: usize,
    pub(crate) checksum: Option<Alg>,
    /// The checksum travels as a header, not a trailer.
    pub(crate) checksum_in_header: bool,
    /// The request carries `Content-Length` (else the transport frames it).
    pub(crate) content_length: bool,
    /// An empty line between the final chunk and the trailer.
    pub(crate) blank_before_trailer: bool,
    /// Headers added (and signed when `x-amz-*`), in order.
    pub(crate) extra: Vec<(String, String)>,
    /// Headers left out (an `extra` header of the same name replaces it).
    pub(crate) omit: Vec<String>,
    /// A signed `x-amz-decoded-content-length` other than the payload's length.
    pub(crate) claimed_length: Option<String>,
}

impl Upload {
    pub(crate) fn new(mode: Mode, payload: Vec<u8>, chunk: usize) -> Self {
        Self {
            mode,
            payload,
            chunk,
            checksum: None,
            checksum_in_header: false,
            content_length: true,
            blank_before_trailer: false,
            extra: Vec::new(),
            omit: Vec::new(),
            claimed_length: None,
        }
    }

    /// With a checksum: a trailer in the trailer modes, a header in the signed mode.
    pub(crate) fn checksum(mut self, alg: Alg) -> Self {
        self.checksum = Some(alg);
        self.checksum_in_header = !self.mode.has_trailer();
        self
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.extra.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn without(mut self, name: &str) -> Self {
        self.omit.push(name.to_owned());
        self
    }

    /// The request headers and the encoded body, signed.
    pub(crate) fn encode(&self) -> Encoded {
        // The framing's length does not depend on the signatures' values: encode once with
        // any seed to learn `Content-Length`, which the seed signature covers.
        let probe = Signature::from_hex(EMPTY_SHA256).expect("64 hex digits");
        let length = self.body(&probe).0.len();
        let headers = self.headers(length);
        // The payload hash signed is the header as sent (a test may replace the mode's).
        let declared = headers
            .iter()
            .find(|(name, _)| name == "x-amz-content-sha256")
            .map_or(self.mode.literal(), |(_, value)| value.as_str());
        let seed = seed_signature(&headers, declared);
        let (body, tail) = self.body(&seed);
        let mut headers = headers;
        headers.push(("authorization".to_owned(), authorization(&headers, &seed)));
        Encoded {
            headers,
            body,
            tolerated_tail: tail,
        }
    }

    fn headers(&self, length: usize) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), HOST.into()),
            ("x-amz-date".into(), TIMESTAMP.into()),
            ("x-amz-content-sha256".into(), self.mode.literal().into()),
            ("content-encoding".into(), "aws-chunked".into()),
            (
                "x-amz-decoded-content-length".into(),
                (self.claimed_length.clone()).unwrap_or_else(|| self.payload.len().to_string()),
            ),
        ];
        if self.content_length {
            headers.push(("content-length".into(), length.to_string()));
        }
        if let Some(alg) = self.checksum {
            headers.push(("x-amz-sdk-checksum-algorithm".into(), alg.name().into()));
            if self.checksum_in_header {
                headers.push((alg.header_name().into(), alg.value(&self.payload)));
            } else {
                headers.push(("x-amz-trailer".into(), alg.header_name().into()));
            }
        }
        headers.retain(|(name, _)| !self.omit.contains(name));
        headers.extend(self.extra.iter().cloned());
        headers
    }

    /// The encoded body, and how many bytes at its end may be lost without harm (the
    /// closing CRLFs the decoder tolerates missing).
    fn body(&self, seed: &Signature) -> (Vec<u8>, usize) {
        let mut chain = ChunkChain::new(seed);
        let mut body = Vec::with_capacity(self.payload.len() + 256);
        for data in self.payload.chunks(self.chunk.max(1)) {
            match self.mode.signed() {
                true => body.extend_from_slice(
                    chain
                        .header(data.len(), Sha256::digest(data).into())
                        .as_bytes(),
                ),
                false => body.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes()),
            }
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        match self.mode.signed() {
            true => body.extend_from_slice(chain.header(0, Sha256::digest(b"").into()).as_bytes()),
            false => body.extend_from_slice(b"0\r\n"),
        }
        if self.blank_before_trailer {
            body.extend_from_slice(b"\r\n");
        }
        let mut lines = Vec::new();
        if let (Some(alg), false) = (self.checksum, self.checksum_in_header) {
            lines.push(format!(
                "{}:{}",
                alg.header_name(),
                alg.value(&self.payload)
            ));
        }
        for line in &lines {
            body.extend_from_slice(line.as_bytes());
            body.extend_from_slice(b"\r\n");
        }
        if self.mode == Mode::SignedTrailer {
            let signature = chain.trailer_signature(&lines);
            body.extend_from_slice(format!("x-amz-trailer-signature:{signature}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        let last_line_ends = self.mode == Mode::SignedTrailer || !lines.is_empty();
        (body, if last_line_ends { 4 } else { 2 })
    }
}

/// The seed: the SigV4 signature of the request with the mode literal as payload hash,
/// signing `host`, `content-encoding`, `content-length` and every `x-amz-*` header.
fn seed_signature(headers: &[(String, String)], literal: &str) -> Signature {
    let map = header_map(headers);
    let signed = SignedHeaders::parse(&signed_names(headers)).expect("sorted lowercase names");
    let canonical = CanonicalRequest::new(
        &Method::PUT,
        "/bucket/object",
        "",
        &map,
        None,
        &signed,
        literal,
        CanonicalOptions::default(),
    );
    let scope = CredentialScope::new(DATE, "us-east-1", "s3").unwrap();
    let key = SigningKey::derive(SECRET, &scope);
    StringToSign::new(ALGORITHM, TIMESTAMP, scope.as_str(), canonical.hash()).sign(&key)
}

fn signed_names(headers: &[(String, String)]) -> String {
    let mut names: Vec<&str> = headers
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|n| {
            ["host", "content-encoding", "content-length"].contains(n) || n.starts_with("x-amz-")
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names.join(";")
}

fn authorization(headers: &[(String, String)], seed: &Signature) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{DATE}/us-east-1/s3/aws4_request, \
         SignedHeaders={}, Signature={}",
        signed_names(headers),
        seed.to_hex()
    )
}

fn header_map(headers: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            HeaderValue::from_str(value).expect("a valid header value"),
        );
    }
    map
}

/// An encoded, signed upload.
#[derive(Clone, Debug)]
pub(crate) struct Encoded {
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// The bytes at the end whose loss the decoder tolerates (the closing CRLFs).
    pub(crate) tolerated_tail: usize,
}

impl Encoded {
    /// The request carrying `body`.
    pub(crate) fn request(&self, body: Body) -> Request<Body> {
        let mut request = Request::put("/bucket/object")
            .body(body)
            .expect("a valid request");
        *request.headers_mut() = header_map(&self.headers);
        request
    }

    /// The same request with `body` instead (the headers, `Content-Length` included, kept).
    pub(crate) fn with_body(&self, body: Vec<u8>) -> Self {
        Self {
            body,
            ..self.clone()
        }
    }

    /// The header `name`.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A plain (not `aws-chunked`) signed `PUT` of `payload` with the declared `payload_hash`
/// (hex or `UNSIGNED-PAYLOAD`) and `extra` headers.
pub(crate) fn plain_request(
    payload: &[u8],
    payload_hash: &str,
    extra: &[(&str, &str)],
) -> Request<Body> {
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), HOST.into()),
        ("x-amz-date".into(), TIMESTAMP.into()),
        ("x-amz-content-sha256".into(), payload_hash.into()),
        ("content-length".into(), payload.len().to_string()),
    ];
    headers.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    let seed = seed_signature(&headers, payload_hash);
    headers.push(("authorization".into(), authorization(&headers, &seed)));
    let encoded = Encoded {
        headers,
        body: payload.to_vec(),
        tolerated_tail: 0,
    };
    encoded.request(Body::from(payload.to_vec()))
}

/// The signed headers (with `Authorization`) of an upload in `mode` of `decoded_length`
/// bytes with a `trailer` checksum, and the seed signature, for a body produced lazily. No
/// `Content-Length`: the transport frames the body.
pub(crate) fn lazy_headers(
    mode: Mode,
    decoded_length: u64,
    trailer: Option<Alg>,
) -> (Vec<(String, String)>, Signature) {
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), HOST.into()),
        ("x-amz-date".into(), TIMESTAMP.into()),
        ("x-amz-content-sha256".into(), mode.literal().into()),
        ("content-encoding".into(), "aws-chunked".into()),
        (
            "x-amz-decoded-content-length".into(),
            decoded_length.to_string(),
        ),
    ];
    if let Some(alg) = trailer {
        headers.push(("x-amz-trailer".into(), alg.header_name().into()));
    }
    let seed = seed_signature(&headers, mode.literal());
    headers.push(("authorization".into(), authorization(&headers, &seed)));
    (headers, seed)
}
