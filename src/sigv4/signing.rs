//! The SigV4 keyed steps: signing key derivation, string to sign and signatures.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::CredentialScope;

type HmacSha256 = Hmac<Sha256>;

/// The SigV4 algorithm name, first line of the string to sign.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// `HMAC-SHA256(key, data)` over the concatenation of `parts`.
pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The key that signs one day's requests for one region and service:
/// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
///
/// Zeroed on drop; `Debug` prints a placeholder.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey([u8; 32]);

impl SigningKey {
    /// Derives the signing key for `scope` from a secret access key.
    pub fn derive(secret: &str, scope: &CredentialScope) -> Self {
        Self::derive_parts(secret, scope.date(), scope.region(), scope.service())
    }

    /// Derives the signing key for a date (`YYYYMMDD`), region and service.
    pub fn derive_parts(secret: &str, date: &str, region: &str, service: &str) -> Self {
        let mut seed = zeroize::Zeroizing::new(Vec::with_capacity(secret.len() + 4));
        seed.extend_from_slice(b"AWS4");
        seed.extend_from_slice(secret.as_bytes());

        let mut key = hmac_sha256(&seed, &[date.as_bytes()]);
        for step in [region.as_bytes(), service.as_bytes(), b"aws4_request"] {
            let next = hmac_sha256(&key, &[step]);
            key.zeroize();
            key = next;
        }
        Self(key)
    }

    /// Signs a string: `HMAC-SHA256(signing key, parts…)`.
    pub fn sign(&self, parts: &[&[u8]]) -> Signature {
        Signature(hmac_sha256(&self.0, parts))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(** redacted **)")
    }
}

/// A SigV4 signature: 32 bytes, written as 64 lowercase hex digits.
///
/// It has no `PartialEq`: the only comparison is [`Signature::verify`], in constant time. A
/// computed signature is what a forger needs, so it is zeroed on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Signature([u8; 32]);

impl Signature {
    /// Parses 64 lowercase hex digits.
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 || !bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return None;
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out).ok()?;
        Some(Self(out))
    }

    /// Whether `self` (what the client sent) equals `expected`, in constant time.
    pub fn verify(&self, expected: &Signature) -> bool {
        self.0.ct_eq(&expected.0).into()
    }

    /// The 64 lowercase hex digits, as they go on the wire.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signature(..)")
    }
}

/// The SigV4 string to sign: `ALGORITHM\nTIMESTAMP\nSCOPE\nhex(SHA-256(canonical request))`.
///
/// Its `Display` is exactly the signed text.
#[derive(Clone, Debug)]
pub struct StringToSign<'a> {
    algorithm: &'a str,
    timestamp: &'a str,
    scope: &'a str,
    hashed: String,
}

impl<'a> StringToSign<'a> {
    /// A string to sign over an already hashed canonical request (or chunk payload).
    pub fn new(algorithm: &'a str, timestamp: &'a str, scope: &'a str, hashed: [u8; 32]) -> Self {
        Self {
            algorithm,
            timestamp,
            scope,
            hashed: hex::encode(hashed),
        }
    }

    /// Signs it with `key`.
    pub fn sign(&self, key: &SigningKey) -> Signature {
        key.sign(&[
            self.algorithm.as_bytes(),
            b"\n",
            self.timestamp.as_bytes(),
            b"\n",
            self.scope.as_bytes(),
            b"\n",
            self.hashed.as_bytes(),
        ])
    }
}

impl fmt::Display for StringToSign<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n{}\n{}\n{}",
            self.algorithm, self.timestamp, self.scope, self.hashed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_parses_only_lowercase_hex_of_64_digits() {
        let ok = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
        assert_eq!(Signature::from_hex(ok).unwrap().to_hex(), ok);
        assert!(Signature::from_hex(&ok.to_uppercase()).is_none());
        assert!(Signature::from_hex(&ok[..63]).is_none());
        assert!(Signature::from_hex(&format!("{ok}0")).is_none());
        assert!(Signature::from_hex(&ok.replace('f', "g")).is_none());
    }

    #[test]
    fn key_and_signature_debug_are_redacted() {
        let key = SigningKey::derive_parts("secret", "20130524", "us-east-1", "s3");
        assert_eq!(format!("{key:?}"), "SigningKey(** redacted **)");
        assert_eq!(format!("{:?}", key.sign(&[b"x"])), "Signature(..)");
    }

    #[test]
    fn verify_is_equality() {
        let key = SigningKey::derive_parts("secret", "20130524", "us-east-1", "s3");
        assert!(key.sign(&[b"a"]).verify(&key.sign(&[b"a"])));
        assert!(!key.sign(&[b"a"]).verify(&key.sign(&[b"b"])));
    }
}
