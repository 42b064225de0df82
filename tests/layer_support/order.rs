//! The harness of the order-of-checks tests (S3-AUTH-RULES.md §1): a credential store that
//! counts its lookups, the error a fault earns on its own, and the assertion that a request
//! carrying several faults gets the error of the earliest.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use http::{Request, StatusCode};
use tower_s3_auth::{
    Credential, CredentialStore, FixedClock, Lookup, S3AuthLayer, StaticCredentials,
};

use super::{App, Reply, now};

pub(crate) const AKID: &str = "AKIDALICEEXAMPLE";
pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYALICEKEY";
pub(crate) const UNKNOWN: &str = "AKIDNOBODYEXAMPLE";
pub(crate) const DISABLED: &str = "AKIDDISABLEDEXAMPLE";
pub(crate) const TEMPORARY: &str = "ASIATEMPORARYEXAMPLE";
pub(crate) const EXPIRED: &str = "ASIAEXPIREDEXAMPLE";
pub(crate) const TEMPORARY_SECRET: &str = "temporary/secret+key";
pub(crate) const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN/one+==";

/// The test's credentials, counting every lookup the layer makes.
#[derive(Clone, Debug)]
pub(crate) struct CountingStore {
    inner: StaticCredentials,
    lookups: Arc<AtomicUsize>,
}

impl CredentialStore for CountingStore {
    fn lookup(&self, access_key_id: &str) -> impl Future<Output = Lookup> + Send {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.lookup(access_key_id)
    }
}

/// The layer under test at [`now`], over a [`CountingStore`].
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) app: App,
    lookups: Arc<AtomicUsize>,
}

impl Server {
    pub(crate) fn new() -> Self {
        let inner = StaticCredentials::new([
            Credential::new(AKID, SECRET).with_principal("alice"),
            Credential::new(DISABLED, SECRET).with_enabled(false),
            Credential::new(TEMPORARY, TEMPORARY_SECRET)
                .with_session_token(TOKEN)
                .with_expiry(now() + Duration::from_secs(3600)),
            Credential::new(EXPIRED, TEMPORARY_SECRET)
                .with_session_token(TOKEN)
                .with_expiry(now() - Duration::from_secs(1)),
        ]);
        let lookups = Arc::new(AtomicUsize::new(0));
        let store = CountingStore {
            inner,
            lookups: Arc::clone(&lookups),
        };
        let app = App::new(S3AuthLayer::new(store).clock(FixedClock(now())));
        Self { app, lookups }
    }

    /// How many times the layer asked the store.
    pub(crate) fn lookups(&self) -> usize {
        self.lookups.load(Ordering::SeqCst)
    }
}

/// The check of §1's order a fault fails; declared in that order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    Parameters,
    Timestamp,
    /// Clock skew; for a presigned URL, its validity window.
    Time,
    Scope,
    SignedHeaders,
    Lookup,
    Signature,
    Body,
}

impl Stage {
    /// Every stage from the lookup on has asked the store once.
    fn lookups(self) -> usize {
        usize::from(self >= Self::Lookup)
    }

    /// Only a body check runs in the handler: the layer refuses every earlier fault itself.
    fn handler_calls(self) -> usize {
        usize::from(self == Self::Body)
    }
}

/// What a request whose earliest fault is this one gets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Expect {
    pub(crate) stage: Stage,
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    /// Text the `<Message>` contains: it tells apart faults that share a code.
    pub(crate) message: &'static str,
    /// An element of the error document and its exact text.
    pub(crate) element: Option<(&'static str, &'static str)>,
}

impl Expect {
    /// Asserts `reply`, the store's lookups and the handler's calls against this fault.
    #[track_caller]
    pub(crate) fn assert(&self, server: &Server, reply: &Reply, case: &str) {
        assert_eq!(
            reply.status, self.status,
            "{case}: status; body {}",
            reply.body
        );
        assert_eq!(
            reply.code().as_deref(),
            Some(self.code),
            "{case}: <Code>; body {}",
            reply.body
        );
        let message = reply.element("Message").unwrap_or_default();
        assert!(
            message.contains(self.message),
            "{case}: <Message> contains {:?}: {message:?}",
            self.message
        );
        if let Some((name, value)) = self.element {
            assert_eq!(
                reply.element(name).as_deref(),
                Some(value),
                "{case}: <{name}>"
            );
        }
        assert_eq!(
            server.lookups(),
            self.stage.lookups(),
            "{case}: credential lookups (a check before the lookup never asks the store)"
        );
        assert_eq!(
            server.app.calls(),
            self.stage.handler_calls(),
            "{case}: calls of the inner handler"
        );
    }
}

/// A request the faults are applied to: built sound, changed by each fault, then sent.
pub(crate) trait Subject: Sized {
    /// The request every fault starts from; the layer accepts it.
    fn sound() -> Self;

    /// The request as it is sent.
    fn request(&self) -> Request<Body>;
}

/// One defect a request can carry, and what it earns when it is the earliest.
#[derive(Debug)]
pub(crate) struct Fault<S> {
    pub(crate) name: &'static str,
    pub(crate) apply: fn(S) -> S,
    pub(crate) expect: Expect,
}

/// Sends the sound request with `faults` applied, to a fresh server.
pub(crate) async fn send_with<S: Subject>(faults: &[&Fault<S>]) -> (Server, Reply) {
    let subject = faults.iter().fold(S::sound(), |s, f| (f.apply)(s));
    let server = Server::new();
    let reply = server.app.send(subject.request()).await;
    (server, reply)
}

/// `earlier` and `later` each earn their own error alone; together, `earlier`'s. Returns the
/// reply to the pair.
pub(crate) async fn assert_earlier_wins<S: Subject>(earlier: &Fault<S>, later: &Fault<S>) -> Reply {
    assert!(
        earlier.expect.stage < later.expect.stage,
        "{} is checked before {}",
        earlier.name,
        later.name
    );
    for fault in [earlier, later] {
        let (server, reply) = send_with(&[fault]).await;
        fault
            .expect
            .assert(&server, &reply, &format!("{} alone", fault.name));
    }
    let (server, reply) = send_with(&[earlier, later]).await;
    let case = format!("{} + {}", earlier.name, later.name);
    earlier.expect.assert(&server, &reply, &case);
    reply
}

/// Every pair of `faults` (listed in the order of the checks) from different stages gets the
/// error of its earlier fault.
pub(crate) async fn assert_every_earlier_wins<S: Subject>(faults: &[&Fault<S>]) {
    for (i, earlier) in faults.iter().enumerate() {
        for later in &faults[i + 1..] {
            if earlier.expect.stage < later.expect.stage {
                let (server, reply) = send_with(&[earlier, later]).await;
                let case = format!("{} + {}", earlier.name, later.name);
                earlier.expect.assert(&server, &reply, &case);
            }
        }
    }
}
