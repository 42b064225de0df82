//! Fuzz input as requests: every choice is either a value the harness knows to be right, a
//! typical wrong one, or the fuzzer's own text.

use std::fmt::Write as _;

use arbitrary::Arbitrary;
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderName, HeaderValue, Method, Request, Uri};
use sha2::{Digest, Sha256};

use crate::setup::{ACCESS_KEY_ID, Setup};
use crate::setup::{AMZ_DATE, DISABLED_KEY_ID, DOMAIN, HTTP_DATE, TEMPORARY_KEY_ID, TOKEN};

/// A value the harness fills in correctly, leaves out, or takes from the fuzzer.
#[derive(Arbitrary, Clone, Debug)]
pub enum Field {
    /// The value a correct client sends.
    Good,
    /// No value at all.
    Absent,
    /// The fuzzer's text.
    Raw(String),
}

impl Field {
    /// The value to send: `good()` for [`Field::Good`], nothing for [`Field::Absent`].
    pub fn resolve(&self, good: impl FnOnce() -> String) -> Option<String> {
        match self {
            Self::Good => Some(good()),
            Self::Absent => None,
            Self::Raw(text) => Some(text.clone()),
        }
    }

    /// As [`Field::resolve`], for a part of a longer value: absent is empty.
    pub fn or_empty(&self, good: impl FnOnce() -> String) -> String {
        self.resolve(good).unwrap_or_default()
    }
}

/// The request time a client claims.
#[derive(Arbitrary, Clone, Debug)]
pub enum When {
    /// Exactly the server's time.
    Now,
    /// Fourteen minutes late: inside the allowed skew.
    InsideSkew,
    /// Ten minutes before midnight of the previous day: inside the skew, another date.
    DayBefore,
    /// Sixteen minutes late: outside the skew.
    OutsideSkew,
    /// The server's time as RFC 2822 with a numeric zone (only a SigV2 `Date` allows it).
    NumericZone,
    /// Not sent.
    Absent,
    /// The fuzzer's text.
    Raw(String),
}

impl When {
    /// As `x-amz-date` (ISO 8601 basic).
    pub fn amz_date(&self) -> Option<String> {
        let text = match self {
            Self::Now | Self::NumericZone => AMZ_DATE,
            Self::InsideSkew => "20130524T001400Z",
            Self::DayBefore => "20130523T235000Z",
            Self::OutsideSkew => "20130524T001600Z",
            Self::Absent => return None,
            Self::Raw(text) => text,
        };
        Some(text.to_owned())
    }

    /// As an HTTP `Date`.
    pub fn http_date(&self) -> Option<String> {
        let text = match self {
            Self::Now => HTTP_DATE,
            Self::InsideSkew => "Fri, 24 May 2013 00:14:00 GMT",
            Self::DayBefore => "Thu, 23 May 2013 23:50:00 GMT",
            Self::OutsideSkew => "Fri, 24 May 2013 00:16:00 GMT",
            Self::NumericZone => "Fri, 24 May 2013 00:00:00 +0000",
            Self::Absent => return None,
            Self::Raw(text) => text,
        };
        Some(text.to_owned())
    }
}

/// Which access key id a request names.
#[derive(Arbitrary, Clone, Debug)]
pub enum KeyChoice {
    /// The ordinary credential.
    Main,
    /// The temporary credential, which needs its session token.
    Temporary,
    /// The switched-off credential.
    Disabled,
    /// The fuzzer's text.
    Raw(String),
}

impl KeyChoice {
    /// The access key id.
    pub fn id(&self) -> &str {
        match self {
            Self::Main => ACCESS_KEY_ID,
            Self::Temporary => TEMPORARY_KEY_ID,
            Self::Disabled => DISABLED_KEY_ID,
            Self::Raw(text) => text,
        }
    }
}

/// The signature a request carries.
#[derive(Arbitrary, Clone, Debug)]
pub enum SignatureChoice {
    /// Computed by the harness over the request as sent: the only kind that may pass.
    Good,
    /// Not sent.
    Absent,
    /// Well-formed but random: 32 bytes in hex.
    Random([u8; 32]),
    /// The fuzzer's text.
    Raw(String),
}

impl SignatureChoice {
    /// The text to send when it is not [`SignatureChoice::Good`].
    pub fn forged(&self) -> Option<String> {
        match self {
            Self::Good | Self::Absent => None,
            Self::Random(bytes) => Some(bytes.iter().fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            })),
            Self::Raw(text) => Some(text.clone()),
        }
    }
}

/// What `x-amz-content-sha256` (or `X-Amz-Content-Sha256`) says about the body.
#[derive(Arbitrary, Clone, Debug)]
pub enum PayloadChoice {
    /// The SHA-256 of the body as sent, in hex.
    Good,
    /// The SHA-256 of something else.
    WrongHash,
    /// `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`.
    StreamingUnsignedTrailer,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`.
    StreamingSigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`.
    StreamingSignedTrailer,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD`.
    StreamingEcdsa,
    /// Not sent.
    Absent,
    /// The fuzzer's text.
    Raw(String),
}

impl PayloadChoice {
    /// The value for a body whose bytes on the wire are `body`.
    pub fn value(&self, body: &[u8]) -> Option<String> {
        let text = match self {
            Self::Good => return Some(hex_sha256(body)),
            Self::WrongHash => return Some(hex_sha256(b"not the body")),
            Self::Unsigned => "UNSIGNED-PAYLOAD",
            Self::StreamingUnsignedTrailer => "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            Self::StreamingSigned => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            Self::StreamingSignedTrailer => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            Self::StreamingEcdsa => "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
            Self::Absent => return None,
            Self::Raw(text) => text,
        };
        Some(text.to_owned())
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// The request method.
#[derive(Arbitrary, Clone, Debug)]
pub enum MethodChoice {
    /// `GET`.
    Get,
    /// `PUT`.
    Put,
    /// `POST`.
    Post,
    /// `HEAD`: the error answer has no body.
    Head,
    /// `DELETE`.
    Delete,
    /// The fuzzer's text, if it is a method token.
    Raw(String),
}

impl MethodChoice {
    fn method(&self) -> Option<Method> {
        Some(match self {
            Self::Get => Method::GET,
            Self::Put => Method::PUT,
            Self::Post => Method::POST,
            Self::Head => Method::HEAD,
            Self::Delete => Method::DELETE,
            Self::Raw(text) => Method::from_bytes(text.as_bytes()).ok()?,
        })
    }
}

/// Where the request names its host.
#[derive(Arbitrary, Clone, Debug)]
pub enum HostChoice {
    /// `Host: s3.fuzz.test`.
    PathStyle,
    /// `Host: bucket.s3.fuzz.test`: a virtual-hosted bucket where the setup knows the domain.
    VirtualHosted,
    /// An absolute URI and no `Host` header, as HTTP/2 sends it.
    InUri,
    /// Two `Host` headers.
    Twice,
    /// No host at all.
    Absent,
    /// The fuzzer's text.
    Raw(String),
}

/// An extra header a request carries.
#[derive(Arbitrary, Clone, Debug)]
pub struct ExtraHeader {
    /// Its name.
    pub name: HeaderChoice,
    /// A typical value for the name, else the fuzzer's bytes.
    pub value: Option<Vec<u8>>,
}

/// The headers that change how a request or its body is checked.
#[derive(Arbitrary, Clone, Debug)]
pub enum HeaderChoice {
    /// `Content-MD5`; typical: the MD5 of an empty body.
    ContentMd5,
    /// `Content-Type`.
    ContentType,
    /// `Content-Encoding`; typical: `aws-chunked`.
    ContentEncoding,
    /// `Content-Length`; typical: the length on the wire.
    ContentLength,
    /// `Transfer-Encoding`; typical: `chunked`.
    TransferEncoding,
    /// `x-amz-decoded-content-length`; typical: the length of the chunks' data.
    DecodedContentLength,
    /// `x-amz-trailer`; typical: `x-amz-checksum-crc32`.
    Trailer,
    /// `x-amz-security-token`; typical: the temporary credential's token.
    SecurityToken,
    /// `x-amz-checksum-crc32`; typical: the CRC32 of an empty body.
    ChecksumCrc32,
    /// `x-amz-checksum-sha256`; typical: the SHA-256 of an empty body.
    ChecksumSha256,
    /// `x-amz-sdk-checksum-algorithm`; typical: `CRC32`.
    ChecksumAlgorithm,
    /// `Expect`; typical: `100-continue`.
    Expect,
    /// `Range`.
    Range,
    /// `x-amz-meta-fuzz`.
    AmzMeta,
    /// `Date`; typical: the server's time.
    Date,
    /// The fuzzer's name, if it is a header name.
    Raw(String),
}

impl HeaderChoice {
    fn name_and_typical(
        &self,
        wire_len: usize,
        decoded_len: usize,
    ) -> Option<(HeaderName, String)> {
        let (name, typical) = match self {
            Self::ContentMd5 => ("content-md5", "1B2M2Y8AsgTpgAmY2PhcfA==".to_owned()),
            Self::ContentType => ("content-type", "application/octet-stream".to_owned()),
            Self::ContentEncoding => ("content-encoding", "aws-chunked".to_owned()),
            Self::ContentLength => ("content-length", wire_len.to_string()),
            Self::TransferEncoding => ("transfer-encoding", "chunked".to_owned()),
            Self::DecodedContentLength => ("x-amz-decoded-content-length", decoded_len.to_string()),
            Self::Trailer => ("x-amz-trailer", "x-amz-checksum-crc32".to_owned()),
            Self::SecurityToken => ("x-amz-security-token", TOKEN.to_owned()),
            Self::ChecksumCrc32 => ("x-amz-checksum-crc32", "AAAAAA==".to_owned()),
            Self::ChecksumSha256 => (
                "x-amz-checksum-sha256",
                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".to_owned(),
            ),
            Self::ChecksumAlgorithm => ("x-amz-sdk-checksum-algorithm", "CRC32".to_owned()),
            Self::Expect => ("expect", "100-continue".to_owned()),
            Self::Range => ("range", "bytes=0-9".to_owned()),
            Self::AmzMeta => ("x-amz-meta-fuzz", "value".to_owned()),
            Self::Date => ("date", HTTP_DATE.to_owned()),
            Self::Raw(name) => {
                return Some((HeaderName::from_bytes(name.as_bytes()).ok()?, String::new()));
            }
        };
        Some((HeaderName::from_static(name), typical))
    }
}

/// The body: bytes as they are, or chunks the harness frames as unsigned `aws-chunked`.
#[derive(Arbitrary, Clone, Debug)]
pub enum BodyChoice {
    /// These bytes on the wire.
    Plain(Vec<u8>),
    /// `hex(size)\r\ndata\r\n` per chunk, the final `0\r\n`, the trailer lines, `\r\n`.
    UnsignedChunks {
        /// The chunks' data; an empty one ends the body early.
        chunks: Vec<Vec<u8>>,
        /// The trailer lines, each `name:value`.
        trailers: Vec<(String, String)>,
    },
}

impl BodyChoice {
    /// The bytes on the wire and the length of the data they carry.
    fn encode(&self) -> (Vec<u8>, usize) {
        match self {
            Self::Plain(bytes) => (bytes.clone(), bytes.len()),
            Self::UnsignedChunks { chunks, trailers } => {
                let mut wire = Vec::new();
                let mut decoded = 0;
                for chunk in chunks {
                    wire.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    wire.extend_from_slice(chunk);
                    wire.extend_from_slice(b"\r\n");
                    decoded += chunk.len();
                }
                wire.extend_from_slice(b"0\r\n");
                for (name, value) in trailers {
                    wire.extend_from_slice(format!("{name}:{value}\r\n").as_bytes());
                }
                wire.extend_from_slice(b"\r\n");
                (wire, decoded)
            }
        }
    }
}

/// The parts of a request every layer target shares.
#[derive(Arbitrary, Clone, Debug)]
pub struct RequestSpec {
    /// The layer configuration.
    pub setup: Setup,
    /// The method.
    pub method: MethodChoice,
    /// The host.
    pub host: HostChoice,
    /// The path; a `/` is put in front when it has none.
    pub path: String,
    /// Query text after the target's own parameters.
    pub query: String,
    /// Extra headers, in order.
    pub headers: Vec<ExtraHeader>,
    /// The body.
    pub body: BodyChoice,
    /// The body arrives in pieces of this many bytes (0: in one piece).
    pub piece: u8,
}

/// A request being built: its head, and its body still as bytes.
#[derive(Debug)]
pub struct Built {
    /// Method, URI and headers.
    pub parts: Parts,
    /// The body on the wire.
    pub body: Bytes,
    /// The size of the pieces the body arrives in.
    pub piece: usize,
}

impl RequestSpec {
    /// Builds the head and body, with `params` (already encoded `key=value` pairs) in front
    /// of the query and `headers` after the host. `None` when `http` refuses the method, URI
    /// or one of `headers`; the extra headers it refuses are left out.
    pub fn build(&self, params: &[String], headers: &[(&str, String)]) -> Option<Built> {
        let (body, decoded_len) = self.body.encode();

        let mut query = params.join("&");
        if !self.query.is_empty() {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&self.query);
        }
        let slash = if self.path.starts_with('/') { "" } else { "/" };
        let mut target = format!("{slash}{}", self.path);
        if !query.is_empty() {
            target.push('?');
            target.push_str(&query);
        }
        let uri: Uri = match self.host {
            HostChoice::InUri => format!("http://{DOMAIN}{target}").parse().ok()?,
            _ => target.parse().ok()?,
        };
        let (mut parts, ()) = Request::new(()).into_parts();
        parts.method = self.method.method()?;
        parts.uri = uri;

        let host = match &self.host {
            HostChoice::PathStyle => Some(DOMAIN.to_owned()),
            HostChoice::VirtualHosted => Some(format!("bucket.{DOMAIN}")),
            HostChoice::Twice => {
                parts
                    .headers
                    .append("host", HeaderValue::from_static(DOMAIN));
                Some(DOMAIN.to_owned())
            }
            HostChoice::InUri | HostChoice::Absent => None,
            HostChoice::Raw(text) => Some(text.clone()),
        };
        if let Some(host) = host {
            parts
                .headers
                .append("host", HeaderValue::from_str(&host).ok()?);
        }
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
            parts
                .headers
                .append(name, HeaderValue::from_str(value).ok()?);
        }
        for extra in &self.headers {
            let Some((name, typical)) = extra.name.name_and_typical(body.len(), decoded_len) else {
                continue;
            };
            let value = match &extra.value {
                None => HeaderValue::from_str(&typical),
                Some(bytes) => HeaderValue::from_bytes(bytes),
            };
            if let Ok(value) = value {
                parts.headers.append(name, value);
            }
        }
        Some(Built {
            parts,
            body: Bytes::from(body),
            piece: usize::from(self.piece),
        })
    }

    /// The bytes the body carries on the wire.
    pub fn wire_body(&self) -> Vec<u8> {
        self.body.encode().0
    }
}
