//! Parsers for the published test vectors under `tests/vectors/`.

// Every test binary compiles this module but uses only the parts its vectors need.
#![allow(dead_code)]

pub(crate) mod s3_example;
pub(crate) mod wire;

/// The directory holding the copied test vectors.
pub(crate) fn vectors_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}
