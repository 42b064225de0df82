//! The `aws-chunked` decoder: framing of both kinds, the tolerated end forms, every
//! malformation, and arbitrary input without a panic.

use super::*;

const SIG: &str = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";

const LIMITS: FramingLimits = FramingLimits {
    max_chunk_size: 1 << 20,
    max_line: 200,
    max_trailer: 256,
};

/// A signed body: chunks of the given sizes filled with `a`, then `tail` after the final
/// chunk header.
fn signed(sizes: &[usize], tail: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for &size in sizes {
        body.extend_from_slice(format!("{size:x};chunk-signature={SIG}\r\n").as_bytes());
        body.extend(std::iter::repeat_n(b'a', size));
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("0;chunk-signature={SIG}\r\n{tail}").as_bytes());
    body
}

fn decode(framing: Framing, body: &[u8], piece: usize) -> Result<Vec<Event>, FramingError> {
    decode_all(framing, true, LIMITS, body, piece)
}

/// The events in a short form: `C<size>`, `D<len>` (merged), `E`, `T<name>=<value>`, `S`, `.`.
fn shape(events: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for event in events {
        let item = match event {
            Event::Chunk { size, .. } => format!("C{size}"),
            Event::Data(data) => {
                if let Some(last) = out.last_mut().filter(|l| l.starts_with('D')) {
                    let len: usize = last[1..].parse().unwrap();
                    *last = format!("D{}", len + data.len());
                    continue;
                }
                format!("D{}", data.len())
            }
            Event::ChunkEnd => "E".to_owned(),
            Event::Trailer { name, value } => format!("T{name}={value}"),
            Event::TrailerSignature(_) => "S".to_owned(),
            Event::End => ".".to_owned(),
        };
        out.push(item);
    }
    out
}

#[test]
fn signed_chunks_decode_in_pieces_of_any_size() {
    let body = signed(&[65536, 1024], "\r\n");
    for piece in [0, 1, 2, 3, 7, 85, 86, 87, 4096] {
        let events = decode(Framing::Signed, &body, piece).unwrap();
        assert_eq!(
            shape(&events),
            ["C65536", "D65536", "E", "C1024", "D1024", "E", "C0", "."],
            "pieces of {piece}"
        );
        let Event::Chunk { signature, .. } = &events[0] else {
            panic!("first event is a chunk header");
        };
        assert_eq!(
            signature.as_ref().unwrap().to_hex(),
            SIG,
            "signature parsed"
        );
    }
}

#[test]
fn unsigned_chunks_with_trailer() {
    let body = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n";
    for piece in [0, 1, 4] {
        let events = decode(Framing::Unsigned, body, piece).unwrap();
        assert_eq!(
            shape(&events),
            ["C5", "D5", "E", "C0", "Tx-amz-checksum-crc32=NhCmhg==", "."],
            "pieces of {piece}"
        );
    }
}

#[test]
fn trailer_signature_and_both_trailer_forms() {
    let trailer =
        format!("x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:{SIG}\r\n\r\n");
    let expected = [
        "C1",
        "D1",
        "E",
        "C0",
        "Tx-amz-checksum-crc32c=sOO8/Q==",
        "S",
        ".",
    ];
    let sdk_form = signed(&[1], &trailer);
    assert_eq!(
        shape(&decode(Framing::Signed, &sdk_form, 0).unwrap()),
        expected,
        "SDK form"
    );
    // The form with an empty line after the final chunk header, as some encoders write it.
    let blank_form = signed(&[1], &format!("\r\n{trailer}"));
    assert_eq!(
        shape(&decode(Framing::Signed, &blank_form, 0).unwrap()),
        expected,
        "blank line"
    );
}

#[test]
fn missing_final_crlf_is_tolerated_at_the_end() {
    let cases = [
        ("no closing line", signed(&[3], "")),
        (
            "trailer without closing line",
            signed(&[3], "x-amz-checksum-crc32:AAAAAA==\r\n"),
        ),
        (
            "last line without its CRLF",
            signed(&[3], "x-amz-checksum-crc32:AAAAAA=="),
        ),
        (
            "closing CR without LF",
            signed(&[3], "x-amz-checksum-crc32:AAAAAA==\r\n\r"),
        ),
    ];
    for (case, body) in cases {
        for piece in [0, 1] {
            let events =
                decode(Framing::Signed, &body, piece).unwrap_or_else(|e| panic!("{case}: {e:?}"));
            assert_eq!(
                events.last().map(|e| matches!(e, Event::End)),
                Some(true),
                "{case}"
            );
        }
    }
}

#[test]
fn every_malformation_is_an_error() {
    let long_line = format!("{}\r\n", "1".repeat(300));
    let whole = signed(&[3], "");
    let no_final_chunk = whole[..whole.len() - "0;chunk-signature=\r\n".len() - 64].to_vec();
    let cases: Vec<(&str, Framing, Vec<u8>, FramingError)> = vec![
        (
            "empty body",
            Framing::Signed,
            Vec::new(),
            FramingError::Truncated,
        ),
        (
            "no final chunk",
            Framing::Signed,
            no_final_chunk,
            FramingError::Truncated,
        ),
        (
            "size overflow",
            Framing::Unsigned,
            b"10000000000000000\r\n".to_vec(),
            FramingError::MalformedChunk,
        ),
        (
            "size not hex",
            Framing::Unsigned,
            b"5g\r\nhello\r\n0\r\n\r\n".to_vec(),
            FramingError::MalformedChunk,
        ),
        (
            "empty size",
            Framing::Unsigned,
            b";a=b\r\n".to_vec(),
            FramingError::MalformedChunk,
        ),
        (
            "size over the cap",
            Framing::Unsigned,
            b"100001\r\n".to_vec(),
            FramingError::ChunkTooLarge(0x100001),
        ),
        (
            "header line too long",
            Framing::Unsigned,
            long_line.into_bytes(),
            FramingError::LineTooLong,
        ),
        (
            "bare LF after the size",
            Framing::Unsigned,
            b"5\nhello\r\n".to_vec(),
            FramingError::MalformedChunk,
        ),
        (
            "data longer than its size",
            Framing::Unsigned,
            b"3\r\nhello\r\n0\r\n\r\n".to_vec(),
            FramingError::MalformedChunk,
        ),
        (
            "no CRLF after data",
            Framing::Unsigned,
            b"5\r\nhello0\r\n\r\n".to_vec(),
            FramingError::MalformedChunk,
        ),
        (
            "data cut",
            Framing::Unsigned,
            b"5\r\nhel".to_vec(),
            FramingError::Truncated,
        ),
        (
            "missing chunk signature",
            Framing::Signed,
            b"0\r\n\r\n".to_vec(),
            FramingError::MalformedChunk,
        ),
        (
            "uppercase chunk signature",
            Framing::Signed,
            format!("0;chunk-signature={}\r\n\r\n", SIG.to_uppercase()).into_bytes(),
            FramingError::MalformedChunk,
        ),
        (
            "repeated chunk signature",
            Framing::Signed,
            format!("0;chunk-signature={SIG};chunk-signature={SIG}\r\n\r\n").into_bytes(),
            FramingError::MalformedChunk,
        ),
        (
            "space in extension",
            Framing::Signed,
            format!("0; chunk-signature={SIG}\r\n\r\n").into_bytes(),
            FramingError::MalformedChunk,
        ),
        (
            "trailer without colon",
            Framing::Unsigned,
            b"0\r\nx-amz-checksum-crc32\r\n\r\n".to_vec(),
            FramingError::MalformedTrailer,
        ),
        (
            "trailer with bad name",
            Framing::Unsigned,
            b"0\r\nbad name:x\r\n\r\n".to_vec(),
            FramingError::MalformedTrailer,
        ),
        (
            "trailer too large",
            Framing::Unsigned,
            format!("0\r\nx-a:{}\r\n\r\n", "v".repeat(300)).into_bytes(),
            FramingError::MalformedTrailer,
        ),
        (
            "bad trailer signature",
            Framing::Signed,
            signed(&[], "x-amz-trailer-signature:xyz\r\n\r\n"),
            FramingError::MalformedTrailer,
        ),
        (
            "data after the end",
            Framing::Unsigned,
            b"0\r\n\r\n\r\nmore".to_vec(),
            FramingError::TrailingData,
        ),
    ];
    for (case, framing, body, expected) in cases {
        for piece in [0, 1] {
            let error = decode(framing, &body, piece).expect_err(case);
            assert_eq!(error, expected, "{case}, pieces of {piece}");
        }
    }
}

#[test]
fn unknown_extensions_are_ignored() {
    let body =
        format!("1;foo=bar;baz;chunk-signature={SIG}\r\na\r\n0;chunk-signature={SIG}\r\n\r\n");
    let events = decode(Framing::Signed, body.as_bytes(), 0).unwrap();
    assert_eq!(
        shape(&events),
        ["C1", "D1", "E", "C0", "."],
        "extensions skipped"
    );
    let unsigned = decode(Framing::Unsigned, b"1;x=y\r\na\r\n0\r\n\r\n", 0).unwrap();
    assert_eq!(
        shape(&unsigned),
        ["C1", "D1", "E", "C0", "."],
        "unsigned extension"
    );
}

#[test]
fn truncation_at_every_byte_is_an_error() {
    let body = signed(&[5, 3], "x-amz-checksum-crc32:AAAAAA==\r\n\r\n");
    // The body may end without its closing CRLF or the last trailer line's CRLF; any
    // shorter cut loses framing or the trailer's value.
    let tolerated = body.len() - "\r\n\r\n".len();
    let whole = shape(&decode(Framing::Signed, &body, 0).unwrap());
    for cut in 0..tolerated {
        // A cut in the trailer section may still decode (its end is tolerated), but never
        // to the same events: the caller then misses a trailer or sees a cut value.
        if let Ok(events) = decode(Framing::Signed, &body[..cut], 0) {
            assert_ne!(
                shape(&events),
                whole,
                "cut at {cut} of {} decoded cleanly",
                body.len()
            );
        }
    }
}

/// A small deterministic generator (xorshift), so the robustness runs are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn arbitrary_input_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let valid = signed(
        &[20, 7],
        &format!("x-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:{SIG}\r\n\r\n"),
    );
    let alphabet = b"0123456789abcdefABCDEF;=:-\r\n xyz";
    for round in 0..3000 {
        let mut body = valid.clone();
        match round % 3 {
            0 => {
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(body.len());
                    body[at] = alphabet[rng.below(alphabet.len())];
                }
            }
            1 => body.truncate(rng.below(body.len())),
            _ => {
                body = (0..rng.below(200))
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect();
            }
        }
        let piece = rng.below(12);
        for framing in [Framing::Signed, Framing::Unsigned] {
            // Either outcome is fine; reaching here without a panic or a hang is the point.
            let _ = decode_all(framing, round % 2 == 0, LIMITS, &body, piece);
        }
    }
}

#[test]
fn limits_hold_exactly_at_their_boundaries() {
    // A header line of exactly `max_line` bytes (zeros pad the size), then one more.
    let line = |len: usize| format!("{:0>len$}\r\nabc\r\n0\r\n\r\n", 3);
    let at_limit = decode(Framing::Unsigned, line(200).as_bytes(), 1).unwrap();
    assert_eq!(
        shape(&at_limit),
        ["C3", "D3", "E", "C0", "."],
        "200-byte line"
    );
    let over = decode(Framing::Unsigned, line(201).as_bytes(), 1).unwrap_err();
    assert_eq!(over, FramingError::LineTooLong, "201-byte line");

    // A chunk of exactly `max_chunk_size`, then one byte more.
    let cap = LIMITS.max_chunk_size;
    let at_cap = format!("{cap:x}\r\n{}\r\n0\r\n\r\n", "a".repeat(cap as usize));
    assert!(
        decode(Framing::Unsigned, at_cap.as_bytes(), 0).is_ok(),
        "at the cap"
    );
    let over_cap = format!("{:x}\r\n", cap + 1);
    assert_eq!(
        decode(Framing::Unsigned, over_cap.as_bytes(), 0).unwrap_err(),
        FramingError::ChunkTooLarge(cap + 1),
        "over the cap"
    );

    // A trailer section of exactly `max_trailer` bytes, CRLFs included, then one more.
    let trailer = |len: usize| {
        let value = "v".repeat(len - "x-a:\r\n\r\n".len());
        format!("0\r\nx-a:{value}\r\n\r\n")
    };
    let full = decode(Framing::Unsigned, trailer(256).as_bytes(), 1).unwrap();
    assert_eq!(
        shape(&full).len(),
        3,
        "256-byte trailer section: {:?}",
        shape(&full)
    );
    let over = decode(Framing::Unsigned, trailer(257).as_bytes(), 1).unwrap_err();
    assert_eq!(
        over,
        FramingError::MalformedTrailer,
        "257-byte trailer section"
    );
}

#[test]
fn sizes_may_have_leading_zeros_and_either_case() {
    let body = b"000A\r\n0123456789\r\n00a\r\n0123456789\r\n00\r\n\r\n";
    let events = decode(Framing::Unsigned, body, 1).unwrap();
    assert_eq!(
        shape(&events),
        ["C10", "D10", "E", "C10", "D10", "E", "C0", "."],
        "leading zeros and upper- or lowercase hex"
    );
}
