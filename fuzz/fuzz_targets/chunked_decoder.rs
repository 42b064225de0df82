//! The `aws-chunked` decoder on arbitrary bytes, handed over whole, in pieces of a
//! fuzzer-chosen size, and byte by byte: it never panics, and where the body is split never
//! changes whether the framing is well formed.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    signed: bool,
    with_trailer: bool,
    piece: u16,
    body: &'a [u8],
}

fuzz_target!(|input: Input<'_>| {
    let Input {
        signed,
        with_trailer,
        piece,
        body,
    } = input;
    let whole = tower_s3_auth::fuzz_aws_chunked(body, 0, signed, with_trailer);
    let pieces = tower_s3_auth::fuzz_aws_chunked(body, usize::from(piece), signed, with_trailer);
    let bytes = tower_s3_auth::fuzz_aws_chunked(body, 1, signed, with_trailer);
    assert_eq!(
        whole, pieces,
        "the verdict does not depend on where the body is split (pieces of {piece})"
    );
    assert_eq!(
        whole, bytes,
        "the verdict does not depend on where the body is split (byte by byte)"
    );
});
