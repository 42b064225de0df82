//! Credentials and where they come from: [`Credential`], the [`CredentialStore`] trait and the
//! in-memory [`StaticCredentials`].
//!
//! # Security
//!
//! Secret access keys and session tokens live in [`SecretKey`]: zeroed when dropped, never
//! printed (its `Debug` is `SecretKey(** redacted **)`), never serialised. A store that fails
//! makes the request fail: the layer answers `InternalError` or `ServiceUnavailable` and
//! never lets the request through.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A secret: a secret access key or a session token.
///
/// Zeroed on drop; `Debug` prints a placeholder; compared only in constant time.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<String>);

impl SecretKey {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Zeroizing::new(secret.into()))
    }

    /// The secret's text, for computing a signature.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares with `other` in time that depends on the lengths only, never on the bytes.
    /// (Tokens of different lengths differ at once: a length is not a secret.)
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(other).into()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(** redacted **)")
    }
}

/// One access key: its id, its secret, whom it belongs to and whether it may be used.
///
/// A credential with a session token is temporary: requests must carry that token
/// (`x-amz-security-token`), and past [`expires`](Credential::expires) they are refused with
/// `ExpiredToken`. A disabled credential is answered as if it did not exist.
#[derive(Clone, Debug)]
pub struct Credential {
    access_key_id: String,
    secret: SecretKey,
    principal: String,
    session_token: Option<SecretKey>,
    expires: Option<SystemTime>,
    enabled: bool,
}

impl Credential {
    /// An enabled, permanent credential whose principal is its access key id.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        let access_key_id = access_key_id.into();
        Self {
            principal: access_key_id.clone(),
            access_key_id,
            secret: SecretKey::new(secret_access_key),
            session_token: None,
            expires: None,
            enabled: true,
        }
    }

    /// Sets the principal (the user or role the key belongs to).
    #[must_use]
    pub fn with_principal(mut self, principal: impl Into<String>) -> Self {
        self.principal = principal.into();
        self
    }

    /// Makes this a temporary credential that requires `token`.
    #[must_use]
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(SecretKey::new(token));
        self
    }

    /// Sets the instant after which the credential is refused.
    #[must_use]
    pub fn with_expiry(mut self, expires: SystemTime) -> Self {
        self.expires = Some(expires);
        self
    }

    /// Enables or disables the credential.
    #[must_use]
    pub fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret(&self) -> &SecretKey {
        &self.secret
    }

    /// The principal the key belongs to.
    pub fn principal(&self) -> &str {
        &self.principal
    }

    /// The session token of a temporary credential.
    pub fn session_token(&self) -> Option<&SecretKey> {
        self.session_token.as_ref()
    }

    /// When the credential stops being valid, if ever.
    pub fn expires(&self) -> Option<SystemTime> {
        self.expires
    }

    /// Whether the credential may be used.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }
}

/// The result of a credential lookup: the credential, `None` when the key is unknown, or the
/// store's failure.
pub type Lookup = Result<Option<Arc<Credential>>, StoreError>;

/// Where the layer finds the secret of an access key id.
///
/// Implemented for [`StaticCredentials`], for `Arc<T>` of any store, and for closures
/// `Fn(&str) -> impl Future<Output = Lookup>` (the future must not borrow the key id: copy
/// it if needed).
///
/// # Errors
///
/// A store that cannot answer returns a [`StoreError`]; the request is then refused with
/// `InternalError` (500) or `ServiceUnavailable` (503), never let through.
pub trait CredentialStore: Send + Sync + 'static {
    /// Looks up `access_key_id`.
    fn lookup(&self, access_key_id: &str) -> impl Future<Output = Lookup> + Send;
}

impl<T: CredentialStore> CredentialStore for Arc<T> {
    fn lookup(&self, access_key_id: &str) -> impl Future<Output = Lookup> + Send {
        T::lookup(self, access_key_id)
    }
}

impl<F, Fut> CredentialStore for F
where
    F: Fn(&str) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Lookup> + Send,
{
    fn lookup(&self, access_key_id: &str) -> impl Future<Output = Lookup> + Send {
        self(access_key_id)
    }
}

/// A store's failure to answer: a lookup that errored, not a key that is unknown.
pub struct StoreError {
    unavailable: bool,
    source: Box<dyn StdError + Send + Sync>,
}

impl StoreError {
    /// The store failed; the request is answered `InternalError` (500).
    pub fn internal(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self {
            unavailable: false,
            source: source.into(),
        }
    }

    /// The store is unavailable for now (overloaded, unreachable); the request is answered
    /// `ServiceUnavailable` (503) so that clients retry.
    pub fn unavailable(source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        Self {
            unavailable: true,
            source: source.into(),
        }
    }

    /// Whether the failure is temporary.
    pub fn is_unavailable(&self) -> bool {
        self.unavailable
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreError")
            .field("unavailable", &self.unavailable)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.unavailable {
            "unavailable"
        } else {
            "failed"
        };
        write!(f, "credential store {what}: {}", self.source)
    }
}

impl StdError for StoreError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

/// An in-memory credential store, fixed when built.
#[derive(Clone, Debug, Default)]
pub struct StaticCredentials {
    by_key: HashMap<String, Arc<Credential>>,
}

impl StaticCredentials {
    /// Builds the store; a later credential with the same access key id replaces an earlier one.
    pub fn new(credentials: impl IntoIterator<Item = Credential>) -> Self {
        let by_key = credentials
            .into_iter()
            .map(|c| (c.access_key_id.clone(), Arc::new(c)))
            .collect();
        Self { by_key }
    }

    /// The number of credentials.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether the store holds no credential.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

impl FromIterator<Credential> for StaticCredentials {
    fn from_iter<I: IntoIterator<Item = Credential>>(iter: I) -> Self {
        Self::new(iter)
    }
}

impl CredentialStore for StaticCredentials {
    fn lookup(&self, access_key_id: &str) -> impl Future<Output = Lookup> + Send {
        std::future::ready(Ok(self.by_key.get(access_key_id).cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credential::new("AKID", "s3cr3t-value").with_session_token("tok3n-value");
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("s3cr3t-value") && !shown.contains("tok3n-value"),
            "{shown}"
        );
        assert_eq!(format!("{:?}", c.secret()), "SecretKey(** redacted **)");
    }

    #[test]
    fn secret_compares_by_value() {
        let s = SecretKey::new("abc");
        assert!(s.ct_eq(b"abc"));
        assert!(!s.ct_eq(b"abd"));
        assert!(!s.ct_eq(b"ab"));
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        // Every future in these tests is ready at once.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("future was not ready"),
        }
    }

    #[test]
    fn static_arc_and_closure_stores_answer() {
        let store = StaticCredentials::new([Credential::new("A", "x").with_principal("alice")]);
        let found = block_on(store.lookup("A")).unwrap().unwrap();
        assert_eq!(found.principal(), "alice");
        assert!(block_on(store.lookup("B")).unwrap().is_none());

        let shared = Arc::new(store);
        assert!(block_on(shared.lookup("A")).unwrap().is_some());

        let closure = |key: &str| {
            let known = key == "K";
            async move { Ok(known.then(|| Arc::new(Credential::new("K", "y")))) }
        };
        assert!(block_on(closure.lookup("K")).unwrap().is_some());
        assert!(block_on(closure.lookup("Z")).unwrap().is_none());
    }
}
