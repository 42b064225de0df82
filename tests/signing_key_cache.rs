//! The signing-key cache (S3-AUTH-RULES.md §8: derived keys are cached per key, date, region
//! and service), through the layer: `S3AuthLayer::signing_key_cache(n)` bounds it to `n`
//! keys, 0 turns it off, and whatever its size every request verifies as without it.
//!
//! The cache is crate-private; its size is read from the layer's `Debug` output
//! (`SigningKeyCache { len: N }`), the one view of it from outside the crate.

mod layer_support;

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::{Method, StatusCode};
use tower_s3_auth::{Credential, FixedClock, S3AuthLayer, StaticCredentials};

use layer_support::{App, Draft, Signer, now};

/// An access key of the store.
#[derive(Clone, Copy, Debug)]
struct Key {
    id: &'static str,
    secret: &'static str,
    principal: &'static str,
}

const KEYS: [Key; 2] = [
    Key {
        id: "AKIDALICEEXAMPLE",
        secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYALICEKEY",
        principal: "alice",
    },
    Key {
        id: "AKIDBOBEXAMPLE",
        secret: "bobs/secret+key/EXAMPLE",
        principal: "bob",
    },
];
const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"];
const DAYS: u64 = 5;

/// What one signing key is derived for: the access key, the day (the scope's date) and the
/// region.
#[derive(Clone, Copy, Debug)]
struct Scope {
    key: Key,
    day: u64,
    region: &'static str,
}

/// Every scope the traffic signs for: 2 keys × 5 days × 4 regions = 40.
fn scopes() -> Vec<Scope> {
    let mut scopes = Vec::new();
    for key in KEYS {
        for day in 0..DAYS {
            for region in REGIONS {
                scopes.push(Scope { key, day, region });
            }
        }
    }
    scopes
}

/// The server clock, settable by the test: noon of day `n` after [`now`].
#[derive(Clone, Debug, Default)]
struct Calendar(Arc<AtomicU64>);

impl Calendar {
    fn set(&self, day: u64) {
        self.0.store(day, Ordering::SeqCst);
    }

    fn time(&self) -> SystemTime {
        now() + Duration::from_secs(86_400 * self.0.load(Ordering::SeqCst))
    }
}

/// A layer accepting every region of [`REGIONS`], on `calendar`, with a cache of `capacity`
/// keys (`None`: the default).
fn layer(calendar: &Calendar, capacity: Option<usize>) -> S3AuthLayer<StaticCredentials> {
    let store = StaticCredentials::new(
        KEYS.map(|key| Credential::new(key.id, key.secret).with_principal(key.principal)),
    );
    let clock = calendar.clone();
    let layer = S3AuthLayer::new(store)
        .clock(move || clock.time())
        .regions(REGIONS);
    match capacity {
        Some(capacity) => layer.signing_key_cache(capacity),
        None => layer,
    }
}

/// How many signing keys the layer's cache holds, read from its `Debug` output.
fn cached_keys<C: Debug>(layer: &S3AuthLayer<C>) -> usize {
    let shown = format!("{layer:?}");
    let (_, rest) = shown
        .split_once("SigningKeyCache { len: ")
        .expect("the layer's Debug shows its signing-key cache as `SigningKeyCache { len: N }`");
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("the cache's len is a number")
}

/// Sends, for every scope of [`scopes`] in order (then in reverse, after the first pass has
/// evicted what a small cache cannot hold), one request signed with the key's secret and one
/// with a wrong secret; asserts each is accepted or refused as it must be, and calls
/// `after_each` with the number of keys cached after each request.
async fn traffic(capacity: Option<usize>, after_each: impl Fn(usize, &str)) {
    let calendar = Calendar::default();
    let layer = layer(&calendar, capacity);
    let app = App::new(layer.clone());
    let draft = Draft::new(Method::GET, "/bucket/photos/cat.jpg");

    let mut order = scopes();
    order.extend(scopes().into_iter().rev());
    for (index, Scope { key, day, region }) in order.into_iter().enumerate() {
        calendar.set(day);
        let signer = |secret| {
            Signer::new(key.id, secret)
                .region(region)
                .at(calendar.time())
        };
        let case = format!("scope {index}: {}, day {day}, {region}", key.principal);

        let reply = app.send(signer(key.secret).sign(&draft)).await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (StatusCode::OK, key.principal),
            "{case}: signed with the key's secret"
        );
        let identity = app.seen().last().and_then(|s| s.identity.clone());
        assert_eq!(
            identity.and_then(|i| i.region).as_deref(),
            Some(region),
            "{case}: the identity's region"
        );
        after_each(cached_keys(&layer), &case);

        let reply = app.send(signer("a-wrong-secret").sign(&draft)).await;
        assert_eq!(
            reply.code().as_deref(),
            Some("SignatureDoesNotMatch"),
            "{case}: signed with a wrong secret"
        );
        after_each(cached_keys(&layer), &format!("{case}, wrong secret"));
    }
    assert_eq!(
        app.calls(),
        2 * scopes().len(),
        "only the requests signed with the key's secret reach the handler"
    );
}

#[tokio::test]
async fn cache_of_two_keys_verifies_forty_scopes_and_never_holds_more_than_two() {
    traffic(Some(2), |cached, case| {
        assert!(
            (1..=2).contains(&cached),
            "{case}: a cache of 2 holds 1 or 2 keys, holds {cached}"
        );
    })
    .await;
}

#[tokio::test]
async fn cache_switched_off_verifies_every_request_and_holds_nothing() {
    traffic(Some(0), |cached, case| {
        assert_eq!(cached, 0, "{case}: a cache of 0 holds no key");
    })
    .await;
}

#[tokio::test]
async fn default_cache_holds_one_key_per_scope() {
    // Also shows that the count read from `Debug` follows the cache, so the bounds above are
    // not read from a number that never moves.
    let seen = Mutex::new(Vec::new());
    traffic(None, |cached, _| {
        seen.lock()
            .expect("no test panics while holding it")
            .push(cached)
    })
    .await;
    let seen = seen
        .into_inner()
        .expect("no test panicked while holding it");
    let scopes = scopes().len();
    let first_pass: Vec<usize> = (1..=scopes).flat_map(|n| [n, n]).collect();
    assert_eq!(
        seen[..2 * scopes],
        first_pass,
        "first pass: each new scope adds one key, a wrong secret for it none"
    );
    assert!(
        seen[2 * scopes..].iter().all(|&n| n == scopes),
        "second pass: every scope's key is reused, none added: {seen:?}"
    );
}

#[tokio::test]
async fn cached_key_never_outlives_a_rotated_secret() {
    let secret = Arc::new(Mutex::new("the-first-secret".to_owned()));
    let current = Arc::clone(&secret);
    let store = move |key: &str| {
        let credential = Credential::new(key, current.lock().expect("not poisoned").clone());
        async move { Ok(Some(Arc::new(credential))) }
    };
    let app = App::new(S3AuthLayer::new(store).clock(FixedClock(now())));
    let draft = Draft::new(Method::GET, "/bucket/photos/cat.jpg");
    let signed_with = |secret: &str| Signer::new("AKIDROTATING", secret).sign(&draft);

    let reply = app.send(signed_with("the-first-secret")).await;
    assert_eq!(reply.status, StatusCode::OK, "first secret: {}", reply.body);

    *secret.lock().expect("not poisoned") = "the-second-secret".to_owned();
    let reply = app.send(signed_with("the-first-secret")).await;
    assert_eq!(
        reply.code().as_deref(),
        Some("SignatureDoesNotMatch"),
        "the first secret, after rotation: its cached key is not used"
    );
    let reply = app.send(signed_with("the-second-secret")).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "the second secret, after rotation: {}",
        reply.body
    );
}
