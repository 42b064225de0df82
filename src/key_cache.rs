//! The bounded cache of derived signing keys.
//!
//! A signing key depends on the secret, the date, the region and the service, so one key
//! serves every request of a client for a day. Entries are found by a keyed hash and then
//! checked field by field (the secret by its fingerprint, in constant time), so a rotated
//! secret or a hash collision derives afresh instead of using a stale key. The cache holds no
//! copy of any secret: only the derived keys (zeroed on eviction) and SHA-256 fingerprints.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::credentials::Credential;
use crate::sigv4::{CredentialScope, SigningKey};

pub(crate) struct SigningKeyCache {
    entries: Option<quick_cache::sync::Cache<u64, Arc<Entry>>>,
    hasher: RandomState,
}

struct Entry {
    access_key_id: String,
    scope: String,
    fingerprint: [u8; 32],
    key: SigningKey,
}

/// What tells a secret from a rotated one without keeping it: `SHA-256(secret)`.
fn fingerprint(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

impl SigningKeyCache {
    /// A cache of at most `capacity` keys; 0 disables caching.
    pub(crate) fn new(capacity: usize) -> Self {
        let entries = (capacity > 0).then(|| quick_cache::sync::Cache::new(capacity));
        Self {
            entries,
            hasher: RandomState::new(),
        }
    }

    /// The signing key of `credential` for `scope`, derived at most once per cache lifetime.
    pub(crate) fn signing_key(
        &self,
        credential: &Credential,
        scope: &CredentialScope,
    ) -> SigningKey {
        let secret = credential.secret().expose();
        let Some(entries) = &self.entries else {
            return SigningKey::derive(secret, scope);
        };
        let slot = self
            .hasher
            .hash_one((credential.access_key_id(), scope.as_str()));
        let fingerprint = fingerprint(secret);
        if let Some(entry) = entries.get(&slot) {
            let same = entry.access_key_id == credential.access_key_id()
                && entry.scope == scope.as_str()
                && bool::from(entry.fingerprint.ct_eq(&fingerprint));
            if same {
                return entry.key.clone();
            }
        }
        let key = SigningKey::derive(secret, scope);
        entries.insert(
            slot,
            Arc::new(Entry {
                access_key_id: credential.access_key_id().to_owned(),
                scope: scope.as_str().to_owned(),
                fingerprint,
                key: key.clone(),
            }),
        );
        key
    }
}

impl std::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.entries.as_ref().map_or(0, |e| e.len());
        f.debug_struct("SigningKeyCache")
            .field("len", &len)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_key_equals_derived_and_rotation_is_seen() {
        let cache = SigningKeyCache::new(8);
        let scope = CredentialScope::new("20130524", "us-east-1", "s3").unwrap();
        let old = Credential::new("AK", "one");
        let new = Credential::new("AK", "two");
        let probe: &[&[u8]] = &[b"probe"];
        let first = cache.signing_key(&old, &scope).sign(probe);
        let again = cache.signing_key(&old, &scope).sign(probe);
        assert!(first.verify(&again));
        assert!(first.verify(&SigningKey::derive("one", &scope).sign(probe)));
        let rotated = cache.signing_key(&new, &scope).sign(probe);
        assert!(rotated.verify(&SigningKey::derive("two", &scope).sign(probe)));
        assert!(!rotated.verify(&first));
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let cache = SigningKeyCache::new(16);
        let credential = Credential::new("AK", "secret");
        let probe: &[&[u8]] = &[b"probe"];
        for day in 0..1000 {
            let date = format!("2024{:02}{:02}", 1 + day / 28 % 12, 1 + day % 28);
            let scope = CredentialScope::new(&date, &format!("r{}", day % 7), "s3").unwrap();
            let key = cache.signing_key(&credential, &scope).sign(probe);
            assert!(
                key.verify(&SigningKey::derive("secret", &scope).sign(probe)),
                "{scope:?}"
            );
        }
        let len = cache.entries.as_ref().map_or(0, |e| e.len());
        assert!(
            (1..=16).contains(&len),
            "{len} entries for a capacity of 16"
        );
    }

    #[test]
    fn a_zero_capacity_derives_every_time() {
        let cache = SigningKeyCache::new(0);
        let scope = CredentialScope::new("20130524", "us-east-1", "s3").unwrap();
        let key = cache.signing_key(&Credential::new("AK", "one"), &scope);
        let probe: &[&[u8]] = &[b"probe"];
        assert!(
            key.sign(probe)
                .verify(&SigningKey::derive("one", &scope).sign(probe))
        );
        assert!(cache.entries.is_none());
    }
}
