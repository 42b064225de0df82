//! Verifying a streaming (`aws-chunked`) upload as it arrives: each chunk's signature chained
//! from the seed signature, the trailer and its signature, the decoded length, the checksum
//! and `Content-MD5`.
//!
//! [`Streaming`] is pure: the body wrapper feeds it the transport's bytes
//! ([`Streaming::push`], [`Streaming::push_eof`]) and takes its [`Step`]s.

use std::collections::VecDeque;

use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http_body::Frame;
use sha2::{Digest, Sha256};

use super::checksum::{self, ChecksumPlan, Digests};
use super::chunked::{Decoder, Event, Framing, FramingError, FramingLimits};
use super::signing::ChunkSigning;
use crate::config::ChunkSizePolicy;
use crate::error::{Error, ErrorKind};
use crate::payload::{self, StreamingMode};
use crate::sigv4::Signature;

/// S3's smallest non-final chunk.
const MIN_CHUNK_SIZE: u64 = 8192;

/// The limits of a streaming upload (see the layer's builder methods).
#[derive(Clone, Copy, Debug)]
pub(crate) struct StreamingLimits {
    pub(crate) max_chunk_size: usize,
    pub(crate) max_chunk_line: usize,
    pub(crate) max_trailer_size: usize,
    pub(crate) chunk_size_policy: ChunkSizePolicy,
}

/// Everything a streaming upload must prove, read from its headers.
#[derive(Debug)]
pub(crate) struct StreamingPlan {
    mode: StreamingMode,
    signing: Option<ChunkSigning>,
    pub(super) decoded_length: u64,
    pub(super) trailers: Vec<String>,
    checksum: Option<ChecksumPlan>,
    md5: Option<[u8; 16]>,
    limits: StreamingLimits,
}

impl StreamingPlan {
    /// The plan of an upload in `mode`. `seed` is what the chunk signatures chain from: the
    /// verified signature of a SigV4 `Authorization` header, the only scheme that has one;
    /// it is dropped for the unsigned mode.
    ///
    /// # Errors
    ///
    /// `InvalidArgument` for a signed mode without a seed, or an ECDSA (SigV4A) mode, whose
    /// chunks an HMAC seed cannot verify; `MissingContentLength` or `InvalidArgument` for
    /// `x-amz-decoded-content-length`; `InvalidRequest` for `x-amz-trailer` in a mode without
    /// trailer, or for the checksum headers; `InvalidDigest` for `Content-MD5`.
    pub(crate) fn new(
        mode: StreamingMode,
        seed: Option<ChunkSigning>,
        headers: &HeaderMap,
        limits: StreamingLimits,
    ) -> Result<Self, Error> {
        let signing = match (mode, seed) {
            (StreamingMode::UnsignedWithTrailer, _) => None,
            (StreamingMode::Signed | StreamingMode::SignedWithTrailer, Some(seed)) => Some(seed),
            (StreamingMode::Signed | StreamingMode::SignedWithTrailer, None) => {
                return Err(mode_refused(
                    mode,
                    "Signed chunks chain from the signature of an AWS4-HMAC-SHA256 \
                     Authorization header, which this request does not carry.",
                ));
            }
            _ => {
                return Err(mode_refused(
                    mode,
                    "ECDSA-signed chunks need a Signature Version 4A (AWS4-ECDSA-P256-SHA256) \
                     request, which this server does not accept.",
                ));
            }
        };
        let decoded_length = payload::decoded_content_length(headers)?;
        let trailers = payload::declared_trailers(headers)?;
        if mode == StreamingMode::Signed && !trailers.is_empty() {
            return Err(Error::with_message(
                ErrorKind::InvalidRequest,
                "The value specified in the x-amz-trailer header is not supported",
            ));
        }
        Ok(Self {
            mode,
            signing,
            decoded_length,
            checksum: checksum::checksum_plan(headers, &trailers)?,
            trailers,
            md5: payload::content_md5(headers)?,
            limits,
        })
    }
}

/// What [`Streaming::step`] produced.
#[derive(Debug)]
pub(crate) enum Step {
    /// A frame for the handler: verified data, or the trailers of verified checksums.
    Frame(Frame<Bytes>),
    /// The buffered input is used up; push more.
    NeedInput,
    /// The body is complete and verified.
    End,
}

/// `InvalidArgument` on `x-amz-content-sha256` for a streaming mode this request cannot use.
fn mode_refused(mode: StreamingMode, why: &str) -> Error {
    Error::with_message(ErrorKind::InvalidArgument, why.to_owned())
        .extra("ArgumentName", "x-amz-content-sha256")
        .extra("ArgumentValue", mode.as_str())
}

/// A signed chunk whose data is held until its signature verifies.
struct PendingChunk {
    signature: Signature,
    hasher: Sha256,
    held: HeldData,
}

/// Below this size a piece of held data is copied rather than kept as it arrived.
const SMALL_PIECE: usize = 4096;

/// The data of a chunk held back until its signature verifies. Large pieces are kept as they
/// arrived (no copy); small ones are gathered into one buffer, so that a chunk sent in tiny
/// transport frames (HTTP/1.1 chunks and HTTP/2 frames may be a byte each) costs about its
/// own size, not a handle and a transport buffer per byte.
#[derive(Default)]
struct HeldData {
    pieces: Vec<Bytes>,
    small: BytesMut,
}

impl HeldData {
    fn push(&mut self, data: Bytes) {
        if data.len() < SMALL_PIECE {
            self.small.extend_from_slice(&data);
            return;
        }
        self.seal_small();
        self.pieces.push(data);
    }

    fn seal_small(&mut self) {
        if !self.small.is_empty() {
            self.pieces.push(self.small.split().freeze());
        }
    }

    fn into_pieces(mut self) -> Vec<Bytes> {
        self.seal_small();
        self.pieces
    }
}

/// The verification of one streaming upload in progress.
pub(crate) struct Streaming {
    plan: StreamingPlan,
    decoder: Decoder,
    input: Bytes,
    at_eof: bool,
    pending: Option<PendingChunk>,
    ready: VecDeque<Bytes>,
    decoded: u64,
    released: u64,
    chunks: u64,
    last_size: Option<u64>,
    digests: Option<Digests>,
    trailer_hash: Sha256,
    received: Vec<(String, String)>,
    trailer_signed: bool,
    verified_trailers: Option<HeaderMap>,
    ended: bool,
}

impl Streaming {
    pub(crate) fn new(plan: StreamingPlan) -> Self {
        let framing = match plan.signing {
            Some(_) => Framing::Signed,
            None => Framing::Unsigned,
        };
        let limits = FramingLimits {
            max_chunk_size: plan.limits.max_chunk_size as u64,
            max_line: plan.limits.max_chunk_line,
            max_trailer: plan.limits.max_trailer_size,
        };
        let with_trailer = plan.mode != StreamingMode::Signed;
        let algorithm = plan.checksum.as_ref().map(|c| c.algorithm);
        Self {
            decoder: Decoder::new(framing, with_trailer, limits),
            digests: Some(Digests::new(false, plan.md5.is_some(), algorithm)),
            plan,
            input: Bytes::new(),
            at_eof: false,
            pending: None,
            ready: VecDeque::new(),
            decoded: 0,
            released: 0,
            chunks: 0,
            last_size: None,
            trailer_hash: Sha256::new(),
            received: Vec::new(),
            trailer_signed: false,
            verified_trailers: None,
            ended: false,
        }
    }

    /// Hands over the next bytes of the encoded body.
    pub(crate) fn push(&mut self, data: Bytes) {
        if self.input.is_empty() {
            self.input = data;
        } else {
            let mut joined = BytesMut::with_capacity(self.input.len() + data.len());
            joined.extend_from_slice(&self.input);
            joined.extend_from_slice(&data);
            self.input = joined.freeze();
        }
    }

    /// Tells that the encoded body ended.
    pub(crate) fn push_eof(&mut self) {
        self.at_eof = true;
    }

    /// The decoded bytes not yet handed out, as the payload length promises.
    pub(crate) fn remaining(&self) -> u64 {
        self.plan.decoded_length.saturating_sub(self.released)
    }

    /// Advances through the buffered input to the next frame, the end, or a need for input.
    ///
    /// # Errors
    ///
    /// The S3 error of the first failed check; the body must not be stepped again.
    pub(crate) fn step(&mut self) -> Result<Step, Error> {
        loop {
            if let Some(data) = self.ready.pop_front() {
                self.released += data.len() as u64;
                return Ok(Step::Frame(Frame::data(data)));
            }
            if self.ended {
                return Ok(match self.verified_trailers.take() {
                    Some(trailers) => Step::Frame(Frame::trailers(trailers)),
                    None => Step::End,
                });
            }
            match self.decoder.decode(&mut self.input, self.at_eof) {
                Ok(Some(event)) => self.handle(event)?,
                Ok(None) if self.at_eof => return Err(framing_error(FramingError::Truncated)),
                Ok(None) => return Ok(Step::NeedInput),
                Err(error) => return Err(framing_error(error)),
            }
        }
    }

    fn handle(&mut self, event: Event) -> Result<(), Error> {
        match event {
            Event::Chunk { size, signature } => self.chunk(size, signature),
            Event::Data(data) => {
                self.decoded += data.len() as u64;
                if let Some(digests) = &mut self.digests {
                    digests.update(&data);
                }
                match &mut self.pending {
                    Some(pending) => {
                        pending.hasher.update(&data);
                        pending.held.push(data);
                    }
                    None => self.ready.push_back(data),
                }
                Ok(())
            }
            Event::ChunkEnd => self.verify_chunk(),
            Event::Trailer { name, value } => self.trailer(name, value),
            Event::TrailerSignature(signature) => self.trailer_signature(&signature),
            Event::End => self.finish(),
        }
    }

    fn chunk(&mut self, size: u64, signature: Option<Signature>) -> Result<(), Error> {
        self.chunks += 1;
        let strict = self.plan.limits.chunk_size_policy == ChunkSizePolicy::Strict;
        if let Some(previous) = self
            .last_size
            .filter(|&p| strict && p < MIN_CHUNK_SIZE && size > 0)
        {
            return Err(Error::new(ErrorKind::InvalidChunkSizeError)
                .extra("Chunk", (self.chunks - 1).to_string())
                .extra("BadChunkSize", previous.to_string()));
        }
        self.last_size = Some(size);
        if self.decoded.saturating_add(size) > self.plan.decoded_length {
            return Err(length_mismatch());
        }

        if self.plan.signing.is_some() {
            let Some(signature) = signature else {
                return Err(framing_error(FramingError::MalformedChunk));
            };
            self.pending = Some(PendingChunk {
                signature,
                hasher: Sha256::new(),
                held: HeldData::default(),
            });
            if size == 0 {
                return self.verify_chunk();
            }
        }
        Ok(())
    }

    /// Checks the pending chunk's signature, then releases its data.
    fn verify_chunk(&mut self) -> Result<(), Error> {
        let (Some(signing), Some(pending)) = (&mut self.plan.signing, self.pending.take()) else {
            return Ok(());
        };
        signing.verify_chunk(pending.signature, pending.hasher.finalize().into())?;
        self.ready.extend(pending.held.into_pieces());
        Ok(())
    }

    /// Records a trailer line; only a declared trailer, once, before the trailer signature.
    fn trailer(&mut self, name: String, value: String) -> Result<(), Error> {
        let declared = self.plan.trailers.contains(&name);
        let repeated = self.received.iter().any(|(n, _)| *n == name);
        if self.trailer_signed || !declared || repeated {
            return Err(Error::new(ErrorKind::MalformedTrailerError));
        }
        for part in [name.as_bytes(), b":", value.as_bytes(), b"\n"] {
            self.trailer_hash.update(part);
        }
        self.received.push((name, value));
        Ok(())
    }

    /// Checks `x-amz-trailer-signature`, once, in the signed trailer mode.
    fn trailer_signature(&mut self, signature: &Signature) -> Result<(), Error> {
        let signing = match &self.plan.signing {
            Some(signing) if self.plan.mode == StreamingMode::SignedWithTrailer => signing,
            _ => return Err(Error::new(ErrorKind::MalformedTrailerError)),
        };
        if self.trailer_signed {
            return Err(Error::new(ErrorKind::MalformedTrailerError));
        }
        let trailer_hash = std::mem::take(&mut self.trailer_hash).finalize().into();
        signing.verify_trailer(signature, trailer_hash)?;
        self.trailer_signed = true;
        Ok(())
    }

    /// The checks once the whole body arrived: length, trailer, checksum, `Content-MD5`.
    fn finish(&mut self) -> Result<(), Error> {
        if self.decoded != self.plan.decoded_length {
            return Err(length_mismatch());
        }
        let all_declared = self
            .plan
            .trailers
            .iter()
            .all(|name| self.received.iter().any(|(n, _)| n == name));
        if !all_declared {
            return Err(terminated_early());
        }
        if self.plan.mode == StreamingMode::SignedWithTrailer && !self.trailer_signed {
            return Err(Error::new(ErrorKind::MalformedTrailerError));
        }

        let computed = self.digests.take().map(Digests::finish);
        let (checksum, md5) = computed.map_or((None, None), |c| (c.checksum, c.md5));
        if let (Some(plan), Some(digest)) = (&self.plan.checksum, checksum) {
            let expected = match &plan.expected {
                Some(expected) => expected.clone(),
                None => self.trailer_checksum(plan)?,
            };
            if expected != digest {
                return Err(plan.algorithm.mismatch());
            }
            self.verified_trailers = Some(checksum::verified_trailers(plan.algorithm, &digest));
        }
        if let (Some(expected), Some(md5)) = (self.plan.md5, md5) {
            checksum::check_md5(expected, md5)?;
        }
        self.ended = true;
        Ok(())
    }

    fn trailer_checksum(&self, plan: &ChecksumPlan) -> Result<Vec<u8>, Error> {
        let name = plan.algorithm.header_name();
        self.received
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, value)| plan.algorithm.decode(value))
            .ok_or_else(|| {
                Error::with_message(
                    ErrorKind::InvalidRequest,
                    format!("Value for {name} trailing header is invalid."),
                )
            })
    }
}

#[cfg(test)]
impl Streaming {
    /// How many pieces the pending chunk's data is held in.
    pub(super) fn held_pieces(&self) -> usize {
        self.pending.as_ref().map_or(0, |p| {
            let small = usize::from(!p.held.small.is_empty());
            p.held.pieces.len() + small
        })
    }
}

/// Drives [`HeldData`] with pieces of given sizes, for tests.
#[cfg(test)]
#[derive(Default)]
pub(super) struct HeldDataProbe(HeldData);

#[cfg(test)]
impl HeldDataProbe {
    pub(super) fn push(&mut self, len: usize) {
        self.0.push(Bytes::from(vec![0; len]));
    }

    pub(super) fn pieces(self) -> Vec<usize> {
        self.0.into_pieces().iter().map(Bytes::len).collect()
    }
}

impl std::fmt::Debug for Streaming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streaming")
            .field("plan", &self.plan)
            .field("decoded", &self.decoded)
            .field("chunks", &self.chunks)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// The S3 error for a framing failure. S3 answers a malformed or cut `aws-chunked` body with
/// `IncompleteBody` ("The request body terminated unexpectedly"), a bad trailer with
/// `MalformedTrailerError`; a chunk over the configured cap is an `InvalidArgument`.
fn framing_error(error: FramingError) -> Error {
    match error {
        FramingError::Truncated
        | FramingError::MalformedChunk
        | FramingError::LineTooLong
        | FramingError::TrailingData => terminated_early(),
        FramingError::MalformedTrailer => Error::new(ErrorKind::MalformedTrailerError),
        FramingError::ChunkTooLarge(size) => Error::with_message(
            ErrorKind::InvalidArgument,
            "The chunk size is larger than this server accepts.",
        )
        .extra("ArgumentName", "chunk-size")
        .extra("ArgumentValue", size.to_string()),
    }
}

/// `IncompleteBody` for a body whose framing or declared trailer did not arrive whole.
fn terminated_early() -> Error {
    Error::with_message(
        ErrorKind::IncompleteBody,
        "The request body terminated unexpectedly",
    )
}

/// `IncompleteBody` for a payload whose length is not `x-amz-decoded-content-length`.
fn length_mismatch() -> Error {
    Error::with_message(
        ErrorKind::IncompleteBody,
        "You did not provide the number of bytes specified by the \
         x-amz-decoded-content-length HTTP header.",
    )
}
