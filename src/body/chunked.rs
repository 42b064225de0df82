//! The `aws-chunked` framing, decoded incrementally by a pure state machine.
//!
//! The body of a streaming upload is a sequence of chunks, then a final empty chunk, then
//! optional trailer lines and an empty line:
//!
//! ```text
//! signed:   <hex size>;chunk-signature=<64 hex>\r\n<data>\r\n … 0;chunk-signature=<64 hex>\r\n
//! unsigned: <hex size>\r\n<data>\r\n …                          0\r\n
//! then:     <name>:<value>\r\n …  [x-amz-trailer-signature:<64 hex>\r\n]  \r\n
//! ```
//!
//! [`Decoder`] is fed byte slices of any size and split and hands out [`Event`]s. It checks
//! the framing only (sizes, line endings, extensions, limits) and keeps no more than one
//! header or trailer line; chunk data passes through as slices of the input. Signatures,
//! lengths and which trailers are allowed are checked by its caller. No input makes it
//! panic or loop: every call consumes input, returns an event, or asks for more.

use bytes::{Buf, Bytes};

use crate::sigv4::Signature;

/// Whether chunk headers carry a `chunk-signature` extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`: every chunk header is signed.
    Signed,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: chunk headers carry the size only.
    Unsigned,
}

/// The bounds that keep a decoder's memory and work proportional to one chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FramingLimits {
    /// The largest chunk size a header may announce.
    pub(crate) max_chunk_size: u64,
    /// The longest chunk header line, without its CRLF.
    pub(crate) max_line: usize,
    /// The largest trailer section, CRLFs included.
    pub(crate) max_trailer: usize,
}

/// One step of a decoded body.
#[derive(Debug)]
pub(crate) enum Event {
    /// A chunk header; size 0 is the final chunk. The signature is set in signed framing.
    Chunk {
        size: u64,
        signature: Option<Signature>,
    },
    /// Bytes of the current chunk's data, in order.
    Data(Bytes),
    /// The current chunk's data and its closing CRLF are complete (not sent for the final
    /// chunk).
    ChunkEnd,
    /// A trailer line: the name lowercased, the value trimmed.
    Trailer { name: String, value: String },
    /// `x-amz-trailer-signature:<64 hex>`, in signed framing.
    TrailerSignature(Signature),
    /// The body is complete and nothing follows it.
    End,
}

/// Why a body is not valid `aws-chunked` framing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FramingError {
    /// The body ended before its final chunk and trailer were complete.
    Truncated,
    /// A chunk header or a chunk's closing CRLF is malformed.
    MalformedChunk,
    /// A chunk header announces more than the configured maximum.
    ChunkTooLarge(u64),
    /// A chunk header line is longer than the configured maximum.
    LineTooLong,
    /// A trailer line is malformed, or the trailer section is too large.
    MalformedTrailer,
    /// Bytes follow the end of the body.
    TrailingData,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading a chunk header line.
    Header,
    /// Passing chunk data; this many bytes remain.
    Data(u64),
    /// Expecting the `\r` after a chunk's data.
    DataCr,
    /// Expecting the `\n` after a chunk's data.
    DataLf,
    /// Reading trailer lines after the final chunk.
    Trailer,
    /// The closing empty line was read; the end is reported once the input ends.
    Closed,
    /// [`Event::End`] was returned.
    Ended,
}

/// What reading a line produced.
enum Line {
    /// A complete line, without its CRLF.
    Complete(Vec<u8>),
    /// The input ran out before the line ended.
    Partial,
    /// The line is longer than allowed.
    TooLong,
    /// The line ends with a bare `\n`.
    BareLf,
}

/// The incremental `aws-chunked` decoder.
#[derive(Debug)]
pub(crate) struct Decoder {
    framing: Framing,
    limits: FramingLimits,
    with_trailer: bool,
    state: State,
    line: Vec<u8>,
    trailer_bytes: usize,
    trailer_lines: usize,
    blank_skipped: bool,
}

impl Decoder {
    /// A decoder for `framing`; `with_trailer` when the mode allows a trailer section.
    pub(crate) fn new(framing: Framing, with_trailer: bool, limits: FramingLimits) -> Self {
        Self {
            framing,
            limits,
            with_trailer,
            state: State::Header,
            line: Vec::new(),
            trailer_bytes: 0,
            trailer_lines: 0,
            blank_skipped: false,
        }
    }

    /// The next event, consuming what it needs from `input`.
    ///
    /// `Ok(None)` means `input` is used up and more is needed (or the end was reported).
    /// With `at_eof`, `input` is the last of the body: the decoder then finishes or fails,
    /// never asks for more.
    ///
    /// # Errors
    ///
    /// A [`FramingError`] for a malformed, oversized or truncated body; once it is returned
    /// the decoder must not be fed again.
    pub(crate) fn decode(
        &mut self,
        input: &mut Bytes,
        at_eof: bool,
    ) -> Result<Option<Event>, FramingError> {
        loop {
            match self.state {
                State::Header => return self.header(input, at_eof),
                State::Data(remaining) => {
                    if input.is_empty() {
                        return if at_eof {
                            Err(FramingError::Truncated)
                        } else {
                            Ok(None)
                        };
                    }
                    let n = usize::try_from(remaining).map_or(input.len(), |r| r.min(input.len()));
                    let data = input.split_to(n);
                    self.state = match remaining - n as u64 {
                        0 => State::DataCr,
                        left => State::Data(left),
                    };
                    return Ok(Some(Event::Data(data)));
                }
                State::DataCr | State::DataLf => {
                    let Some(&byte) = input.first() else {
                        return if at_eof {
                            Err(FramingError::Truncated)
                        } else {
                            Ok(None)
                        };
                    };
                    let expected = if self.state == State::DataCr {
                        b'\r'
                    } else {
                        b'\n'
                    };
                    if byte != expected {
                        return Err(FramingError::MalformedChunk);
                    }
                    input.advance(1);
                    if self.state == State::DataLf {
                        self.state = State::Header;
                        return Ok(Some(Event::ChunkEnd));
                    }
                    self.state = State::DataLf;
                }
                State::Trailer => {
                    if let Some(event) = self.trailer(input, at_eof)? {
                        return Ok(Some(event));
                    }
                    if self.state == State::Trailer {
                        return Ok(None);
                    }
                }
                State::Closed => {
                    if !input.is_empty() {
                        return Err(FramingError::TrailingData);
                    }
                    if !at_eof {
                        return Ok(None);
                    }
                    self.state = State::Ended;
                    return Ok(Some(Event::End));
                }
                State::Ended => {
                    return if input.is_empty() {
                        Ok(None)
                    } else {
                        Err(FramingError::TrailingData)
                    };
                }
            }
        }
    }

    fn header(&mut self, input: &mut Bytes, at_eof: bool) -> Result<Option<Event>, FramingError> {
        let line = match self.read_line(input, self.limits.max_line) {
            Line::Complete(line) => line,
            Line::Partial if at_eof => return Err(FramingError::Truncated),
            Line::Partial => return Ok(None),
            Line::TooLong => return Err(FramingError::LineTooLong),
            Line::BareLf => return Err(FramingError::MalformedChunk),
        };
        let (size, signature) = parse_chunk_header(&line, self.framing)?;
        if size > self.limits.max_chunk_size {
            return Err(FramingError::ChunkTooLarge(size));
        }
        self.state = if size == 0 {
            State::Trailer
        } else {
            State::Data(size)
        };
        Ok(Some(Event::Chunk { size, signature }))
    }

    /// Reads trailer lines up to the next event. `Ok(None)` with the state still `Trailer`
    /// asks for more input; with another state, the section ended.
    fn trailer(&mut self, input: &mut Bytes, at_eof: bool) -> Result<Option<Event>, FramingError> {
        loop {
            // The section's budget holds each line's CRLF too.
            let Some(budget) = self.limits.max_trailer.checked_sub(self.trailer_bytes + 2) else {
                return Err(FramingError::MalformedTrailer);
            };
            let line = match self.read_line(input, budget) {
                Line::Complete(line) => line,
                Line::Partial if at_eof => {
                    // A client may omit the closing CRLF (or the last line's own CRLF) at the
                    // very end; what the trailer carries is still checked by the caller.
                    let mut line = std::mem::take(&mut self.line);
                    if line.last() == Some(&b'\r') {
                        line.pop();
                    }
                    self.state = State::Closed;
                    if line.is_empty() {
                        return Ok(None);
                    }
                    return self.trailer_line(&line).map(Some);
                }
                Line::Partial => return Ok(None),
                Line::TooLong | Line::BareLf => return Err(FramingError::MalformedTrailer),
            };
            self.trailer_bytes += line.len() + 2;

            if !line.is_empty() {
                self.trailer_lines += 1;
                return self.trailer_line(&line).map(Some);
            }
            // Some encoders end the final chunk with its own empty line before the trailer
            // (`0;chunk-signature=…\r\n\r\n`, then the trailer lines): skip that one.
            if self.with_trailer && self.trailer_lines == 0 && !self.blank_skipped {
                self.blank_skipped = true;
                continue;
            }
            self.state = State::Closed;
            return Ok(None);
        }
    }

    fn trailer_line(&self, line: &[u8]) -> Result<Event, FramingError> {
        let (name, value) = parse_trailer_line(line).ok_or(FramingError::MalformedTrailer)?;
        if self.framing == Framing::Signed && name == "x-amz-trailer-signature" {
            let signature = Signature::from_hex(&value).ok_or(FramingError::MalformedTrailer)?;
            return Ok(Event::TrailerSignature(signature));
        }
        Ok(Event::Trailer { name, value })
    }

    /// Appends input to the pending line until a `\n`; a line may hold `max` bytes before
    /// its CRLF.
    fn read_line(&mut self, input: &mut Bytes, max: usize) -> Line {
        let limit = max.saturating_add(2);
        match input.iter().position(|&b| b == b'\n') {
            Some(at) => {
                if self.line.len() + at + 1 > limit {
                    return Line::TooLong;
                }
                self.line.extend_from_slice(&input[..at]);
                input.advance(at + 1);
                let mut line = std::mem::take(&mut self.line);
                if line.pop() != Some(b'\r') {
                    return Line::BareLf;
                }
                Line::Complete(line)
            }
            None => {
                // Without its `\n`, a line of `max` bytes and its `\r` may still be complete.
                if self.line.len() + input.len() > limit - 1 {
                    return Line::TooLong;
                }
                self.line.extend_from_slice(input);
                input.clear();
                Line::Partial
            }
        }
    }
}

/// Parses `<hex size>[;name[=value]]*`. In signed framing exactly one extension must be
/// `chunk-signature=<64 lowercase hex>`; other extensions are ignored, as HTTP/1.1 chunk
/// extensions are.
fn parse_chunk_header(
    line: &[u8],
    framing: Framing,
) -> Result<(u64, Option<Signature>), FramingError> {
    let malformed = FramingError::MalformedChunk;
    let mut parts = line.split(|&b| b == b';');
    let digits = parts.next().unwrap_or_default();
    if digits.is_empty() {
        return Err(malformed);
    }
    let mut size: u64 = 0;
    for &digit in digits {
        let value = (digit as char).to_digit(16).ok_or(malformed)?;
        size = size
            .checked_mul(16)
            .and_then(|s| s.checked_add(u64::from(value)))
            .ok_or(malformed)?;
    }

    let mut signature = None;
    for extension in parts {
        if !extension.iter().all(|b| b.is_ascii_graphic()) {
            return Err(malformed);
        }
        let (name, value) = match extension.iter().position(|&b| b == b'=') {
            Some(at) => (&extension[..at], Some(&extension[at + 1..])),
            None => (extension, None),
        };
        if name.is_empty() {
            return Err(malformed);
        }
        if framing == Framing::Signed && name == b"chunk-signature" {
            let parsed = value
                .and_then(|v| std::str::from_utf8(v).ok())
                .and_then(Signature::from_hex);
            if signature.is_some() || parsed.is_none() {
                return Err(malformed);
            }
            signature = parsed;
        }
    }
    if framing == Framing::Signed && signature.is_none() {
        return Err(malformed);
    }
    Ok((size, signature))
}

/// Parses `name:value`: a non-empty header-name token, then the value, trimmed, printable.
fn parse_trailer_line(line: &[u8]) -> Option<(String, String)> {
    let colon = line.iter().position(|&b| b == b':')?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    let name = http::HeaderName::from_bytes(name).ok()?;
    if !value
        .iter()
        .all(|&b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
    {
        return None;
    }
    let value = std::str::from_utf8(value).ok()?.trim_matches([' ', '\t']);
    Some((name.as_str().to_owned(), value.to_owned()))
}

/// Decodes a whole body handed over in pieces of `piece` bytes (0: in one piece), collecting
/// every event: the pure entry point for fuzzing and for tests.
///
/// # Errors
///
/// The first [`FramingError`] met.
#[cfg(any(test, fuzzing))]
pub(crate) fn decode_all(
    framing: Framing,
    with_trailer: bool,
    limits: FramingLimits,
    body: &[u8],
    piece: usize,
) -> Result<Vec<Event>, FramingError> {
    let mut decoder = Decoder::new(framing, with_trailer, limits);
    let mut events = Vec::new();
    let piece = if piece == 0 { body.len().max(1) } else { piece };
    let mut pieces = body.chunks(piece).peekable();
    if pieces.peek().is_none() {
        return drain(&mut decoder, Bytes::new(), true, events);
    }
    while let Some(slice) = pieces.next() {
        let at_eof = pieces.peek().is_none();
        events = drain(&mut decoder, Bytes::copy_from_slice(slice), at_eof, events)?;
    }
    Ok(events)
}

#[cfg(any(test, fuzzing))]
fn drain(
    decoder: &mut Decoder,
    mut input: Bytes,
    at_eof: bool,
    mut events: Vec<Event>,
) -> Result<Vec<Event>, FramingError> {
    while let Some(event) = decoder.decode(&mut input, at_eof)? {
        events.push(event);
    }
    Ok(events)
}

#[cfg(test)]
#[path = "chunked_tests.rs"]
mod tests;
