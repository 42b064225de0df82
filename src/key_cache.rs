//! The bounded cache of derived signing keys.
//!
//! A signing key depends on the secret, the date, the region and the service, so one key
//! serves every request of a client for a day. Entries are found by a keyed hash and then
//! checked field by field (the secret in constant time), so a rotated secret or a hash
//! collision derives afresh instead of using a stale key.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use crate::credentials::{Credential, SecretKey};
use crate::sigv4::{CredentialScope, SigningKey};

pub(crate) struct SigningKeyCache {
    entries: Option<quick_cache::sync::Cache<u64, Arc<Entry>>>,
    hasher: RandomState,
}

struct Entry {
    access_key_id: String,
    scope: String,
    secret: SecretKey,
    key: SigningKey,
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
        if let Some(entry) = entries.get(&slot) {
            let same = entry.access_key_id == credential.access_key_id()
                && entry.scope == scope.as_str()
                && entry.secret.ct_eq(secret.as_bytes());
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
                secret: credential.secret().clone(),
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
        let scope = CredentialScope::new("20130524", "us-east-1", "s3");
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
}
