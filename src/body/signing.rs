//! The signature chain of a signed streaming upload: each chunk is signed over the previous
//! signature, starting from the seed (the request's own), and the trailer over the final
//! chunk's.

use crate::config::SignatureDiagnostics;
use crate::error::{Error, SignedTexts, signature_mismatch};
use crate::sigv4::{Signature, SigningKey};

/// `hex(SHA-256(""))`, the fifth line of every chunk's string to sign.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// What continues the signature chain of a signed upload: the request's signing key, time
/// and scope, and the last verified signature (the seed at first).
#[derive(Debug)]
pub(crate) struct ChunkSigning {
    pub(crate) key: SigningKey,
    pub(crate) timestamp: String,
    pub(crate) scope: String,
    /// The seed; then the signature of the last verified chunk.
    pub(crate) seed: Signature,
    /// For `SignatureDoesNotMatch`'s `AWSAccessKeyId`.
    pub(crate) access_key_id: String,
    pub(crate) diagnostics: SignatureDiagnostics,
}

impl ChunkSigning {
    /// Checks a chunk's signature and moves the chain on to it:
    /// `AWS4-HMAC-SHA256-PAYLOAD\n<time>\n<scope>\n<previous>\n<sha256("")>\n<sha256(data)>`.
    ///
    /// # Errors
    ///
    /// `SignatureDoesNotMatch`, with the string to sign unless diagnostics are off.
    pub(crate) fn verify_chunk(
        &mut self,
        provided: Signature,
        data_hash: [u8; 32],
    ) -> Result<(), Error> {
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{}\n{EMPTY_SHA256}\n{}",
            self.timestamp,
            self.scope,
            self.seed.to_hex(),
            hex::encode(data_hash)
        );
        self.verify(&string_to_sign, &provided)?;
        self.seed = provided;
        Ok(())
    }

    /// Checks `x-amz-trailer-signature`:
    /// `AWS4-HMAC-SHA256-TRAILER\n<time>\n<scope>\n<final chunk signature>\n<sha256(trailer)>`,
    /// the trailer hashed as each `name:value\n`.
    ///
    /// # Errors
    ///
    /// As [`ChunkSigning::verify_chunk`].
    pub(crate) fn verify_trailer(
        &self,
        provided: &Signature,
        trailer_hash: [u8; 32],
    ) -> Result<(), Error> {
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{}\n{}",
            self.timestamp,
            self.scope,
            self.seed.to_hex(),
            hex::encode(trailer_hash)
        );
        self.verify(&string_to_sign, provided)
    }

    fn verify(&self, string_to_sign: &str, provided: &Signature) -> Result<(), Error> {
        let expected = self.key.sign(&[string_to_sign.as_bytes()]);
        if provided.verify(&expected) {
            return Ok(());
        }
        let signed = SignedTexts {
            string_to_sign,
            canonical_request: None,
            session_token: None,
        };
        Err(signature_mismatch(
            self.diagnostics,
            &self.access_key_id,
            &signed,
            &provided.to_hex(),
        ))
    }
}
