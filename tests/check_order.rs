//! The order of checks of SigV4 in the `Authorization` header (S3-AUTH-RULES.md §1): parse
//! the authentication parameters → timestamp present and well formed → clock skew →
//! credential scope (date, region, service, terminator) → required signed headers →
//! credential lookup (unknown or disabled key, token) → signature → body. A request with
//! several faults gets the error of the earliest check.
//!
//! Every fault is first shown to earn its own error alone, so a pair answered with the
//! earlier fault's error proves the order, not a missing check. The store counts its
//! lookups: a check before the lookup never consults it.

mod layer_support;

use std::time::{Duration, SystemTime};

use axum::body::Body;
use http::{HeaderValue, Method, Request, StatusCode};
use tower_s3_auth::sigv4::CredentialScope;

use layer_support::order::{
    self, AKID, DISABLED, EXPIRED, Expect, SECRET, Server, Stage, Subject, TEMPORARY,
    TEMPORARY_SECRET, TOKEN, UNKNOWN, assert_earlier_wins, assert_every_earlier_wins, send_with,
};
use layer_support::{Draft, Signer, assert_accepted, now, sign_with_scope};

const PATH: &str = "/bucket/notes.txt";
const BODY: &str = "hello";
const WRONG_SECRET_TEXT: &str = "not-alices-secret";

/// A request being built: who signs it, for which region and time, and what is done to it
/// after signing.
#[derive(Clone, Debug)]
struct Build {
    access_key_id: &'static str,
    secret: &'static str,
    region: &'static str,
    signed_at: SystemTime,
    edits: Vec<fn(&mut Request<Body>)>,
}

impl Build {
    /// A PUT of [`BODY`] by alice, signed by `aws-sigv4` with the body's hash: accepted.
    fn sound() -> Self {
        Self {
            access_key_id: AKID,
            secret: SECRET,
            region: "us-east-1",
            signed_at: now(),
            edits: Vec::new(),
        }
    }

    fn edit(mut self, edit: fn(&mut Request<Body>)) -> Self {
        self.edits.push(edit);
        self
    }

    fn request(&self) -> Request<Body> {
        let draft = Draft::new(Method::PUT, PATH).body(BODY);
        let signer = Signer::new(self.access_key_id, self.secret)
            .region(self.region)
            .at(self.signed_at);
        let mut request = signer.sign(&draft);
        for edit in &self.edits {
            edit(&mut request);
        }
        request
    }
}

fn authorization(request: &Request<Body>) -> String {
    request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .expect("aws-sigv4 wrote an Authorization header")
        .to_owned()
}

fn set_authorization(request: &mut Request<Body>, value: String) {
    let value = HeaderValue::try_from(value).expect("an Authorization value is ASCII");
    request.headers_mut().insert("authorization", value);
}

fn drop_signature_component(request: &mut Request<Body>) {
    let sent = authorization(request);
    let (rest, _) = sent
        .rsplit_once(", Signature=")
        .expect("aws-sigv4 writes the signature last");
    set_authorization(request, rest.to_owned());
}

fn remove_timestamp(request: &mut Request<Body>) {
    request.headers_mut().remove("x-amz-date");
}

fn malform_timestamp(request: &mut Request<Body>) {
    let extended = HeaderValue::from_static("2024-03-15T12:00:00Z");
    request.headers_mut().insert("x-amz-date", extended);
}

fn add_unsigned_amz_header(request: &mut Request<Body>) {
    let value = HeaderValue::from_static("added after signing");
    request.headers_mut().insert("x-amz-meta-foo", value);
}

fn tamper_body(request: &mut Request<Body>) {
    *request.body_mut() = Body::from("HELLO");
}

type Fault = order::Fault<Build>;

impl Subject for Build {
    fn sound() -> Self {
        Build::sound()
    }

    fn request(&self) -> Request<Body> {
        Build::request(self)
    }
}

const MALFORMED_AUTHORIZATION: Fault = Fault {
    name: "Authorization without its Signature component",
    apply: |b| b.edit(drop_signature_component),
    expect: Expect {
        stage: Stage::Parameters,
        status: StatusCode::BAD_REQUEST,
        code: "AuthorizationHeaderMalformed",
        message: "requires three components",
        element: None,
    },
};

const TIMESTAMP_MESSAGE: &str = "AWS authentication requires a valid Date or x-amz-date header";

const MISSING_TIMESTAMP: Fault = Fault {
    name: "neither x-amz-date nor Date",
    apply: |b| b.edit(remove_timestamp),
    expect: Expect {
        stage: Stage::Timestamp,
        status: StatusCode::FORBIDDEN,
        code: "AccessDenied",
        message: TIMESTAMP_MESSAGE,
        element: None,
    },
};

const MALFORMED_TIMESTAMP: Fault = Fault {
    name: "x-amz-date in extended ISO 8601",
    apply: |b| b.edit(malform_timestamp),
    expect: Expect {
        stage: Stage::Timestamp,
        status: StatusCode::FORBIDDEN,
        code: "AccessDenied",
        message: TIMESTAMP_MESSAGE,
        element: None,
    },
};

const SKEWED: Fault = Fault {
    name: "signed an hour ago",
    apply: |b| Build {
        signed_at: now() - Duration::from_secs(3600),
        ..b
    },
    expect: Expect {
        stage: Stage::Time,
        status: StatusCode::FORBIDDEN,
        code: "RequestTimeTooSkewed",
        message: "current time is too large",
        element: Some(("RequestTime", "20240315T110000Z")),
    },
};

const WRONG_REGION: Fault = Fault {
    name: "scoped to eu-west-1",
    apply: |b| Build {
        region: "eu-west-1",
        ..b
    },
    expect: Expect {
        stage: Stage::Scope,
        status: StatusCode::BAD_REQUEST,
        code: "AuthorizationHeaderMalformed",
        message: "the region 'eu-west-1' is wrong; expecting 'us-east-1'",
        element: Some(("Region", "us-east-1")),
    },
};

const UNSIGNED_AMZ_HEADER: Fault = Fault {
    name: "x-amz-meta-foo added after signing",
    apply: |b| b.edit(add_unsigned_amz_header),
    expect: Expect {
        stage: Stage::SignedHeaders,
        status: StatusCode::FORBIDDEN,
        code: "AccessDenied",
        message: "headers present in the request which were not signed",
        element: Some(("HeadersNotSigned", "x-amz-meta-foo")),
    },
};

const UNKNOWN_KEY: Fault = Fault {
    name: "an unknown access key",
    apply: |b| Build {
        access_key_id: UNKNOWN,
        ..b
    },
    expect: Expect {
        stage: Stage::Lookup,
        status: StatusCode::FORBIDDEN,
        code: "InvalidAccessKeyId",
        message: "does not exist in our records",
        element: Some(("AWSAccessKeyId", UNKNOWN)),
    },
};

const WRONG_SECRET: Fault = Fault {
    name: "signed with the wrong secret",
    apply: |b| Build {
        secret: WRONG_SECRET_TEXT,
        ..b
    },
    expect: Expect {
        stage: Stage::Signature,
        status: StatusCode::FORBIDDEN,
        code: "SignatureDoesNotMatch",
        message: "signature we calculated does not match",
        element: None,
    },
};

const TAMPERED_BODY: Fault = Fault {
    name: "body other than the one signed",
    apply: |b| b.edit(tamper_body),
    expect: Expect {
        stage: Stage::Body,
        status: StatusCode::BAD_REQUEST,
        code: "XAmzContentSHA256Mismatch",
        message: "does not match what was computed",
        element: Some((
            "ClientComputedContentSHA256",
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        )),
    },
};

/// Every fault, in the order of §1.
const FAULTS: [&Fault; 9] = [
    &MALFORMED_AUTHORIZATION,
    &MISSING_TIMESTAMP,
    &MALFORMED_TIMESTAMP,
    &SKEWED,
    &WRONG_REGION,
    &UNSIGNED_AMZ_HEADER,
    &UNKNOWN_KEY,
    &WRONG_SECRET,
    &TAMPERED_BODY,
];

#[tokio::test]
async fn the_request_every_fault_starts_from_is_accepted() {
    let (server, reply) = send_with::<Build>(&[]).await;
    let read = assert_accepted(&server.app, &reply, "no fault");
    assert_eq!(read, BODY, "no fault: the handler reads the body");
    assert_eq!(server.lookups(), 1, "no fault: one lookup");
}

#[tokio::test]
async fn authorization_is_parsed_before_the_timestamp_is_read() {
    assert_earlier_wins(&MALFORMED_AUTHORIZATION, &MISSING_TIMESTAMP).await;
}

#[tokio::test]
async fn a_missing_or_malformed_timestamp_wins_over_a_wrong_scope() {
    // Skew cannot be judged without a valid timestamp, so the next check a request can also
    // fail is the scope.
    assert_earlier_wins(&MISSING_TIMESTAMP, &WRONG_REGION).await;
    assert_earlier_wins(&MALFORMED_TIMESTAMP, &WRONG_REGION).await;
}

#[tokio::test]
async fn skew_is_checked_before_the_scope() {
    assert_earlier_wins(&SKEWED, &WRONG_REGION).await;
}

#[tokio::test]
async fn scope_is_checked_before_the_signed_headers() {
    assert_earlier_wins(&WRONG_REGION, &UNSIGNED_AMZ_HEADER).await;
}

#[tokio::test]
async fn signed_headers_are_checked_before_the_credential_lookup() {
    assert_earlier_wins(&UNSIGNED_AMZ_HEADER, &UNKNOWN_KEY).await;
}

#[tokio::test]
async fn credential_is_checked_before_the_signature() {
    let reply = assert_earlier_wins(&UNKNOWN_KEY, &WRONG_SECRET).await;
    assert_eq!(
        reply.element("StringToSign"),
        None,
        "unknown key + wrong secret: no signature diagnostics"
    );
}

#[tokio::test]
async fn signature_is_checked_before_the_body_and_the_handler_never_runs() {
    assert_earlier_wins(&WRONG_SECRET, &TAMPERED_BODY).await;
}

#[tokio::test]
async fn every_earlier_check_wins_over_every_later_one() {
    assert_every_earlier_wins(&FAULTS).await;
}

// The scope's own parts: date, region, service, terminator.

/// Alice's sound request, re-signed with this crate's core types for `scope`, written
/// `DATE/REGION/SERVICE/TERMINATOR` (`aws-sigv4` always scopes to its own timestamp's date
/// and to `aws4_request`).
fn scoped(scope: &str) -> Request<Body> {
    let [date, region, service, terminator]: [&str; 4] = scope
        .split('/')
        .collect::<Vec<_>>()
        .try_into()
        .expect("a scope of four parts");
    let mut request = Build::sound().request();
    let scope = CredentialScope::new(date, region, service).expect("a scope of non-empty parts");
    let signed = "host;x-amz-content-sha256;x-amz-date";
    sign_with_scope(&mut request, AKID, SECRET, &scope, signed);
    let value = authorization(&request).replacen("/aws4_request,", &format!("/{terminator},"), 1);
    set_authorization(&mut request, value);
    request
}

#[tokio::test]
async fn scope_is_checked_date_then_region_then_service_then_terminator() {
    let server = Server::new();
    let reply = server
        .app
        .send(scoped("20240315/us-east-1/s3/aws4_request"))
        .await;
    assert_accepted(&server.app, &reply, "the hand-made scope, unchanged");

    let date = "Invalid credential date \"20240314\"";
    let region = "the region 'eu-west-1' is wrong";
    let service = "incorrect service \"sqs\"";
    let terminator = "incorrect terminal \"aws4_requests\"";
    let cases = [
        ("date alone", "20240314/us-east-1/s3/aws4_request", date),
        ("region alone", "20240315/eu-west-1/s3/aws4_request", region),
        (
            "service alone",
            "20240315/us-east-1/sqs/aws4_request",
            service,
        ),
        (
            "terminator alone",
            "20240315/us-east-1/s3/aws4_requests",
            terminator,
        ),
        ("date + region", "20240314/eu-west-1/s3/aws4_request", date),
        (
            "region + service",
            "20240315/eu-west-1/sqs/aws4_request",
            region,
        ),
        (
            "service + terminator",
            "20240315/us-east-1/sqs/aws4_requests",
            service,
        ),
    ];
    for (case, scope, message) in cases {
        let server = Server::new();
        let reply = server.app.send(scoped(scope)).await;
        let expect = Expect {
            stage: Stage::Scope,
            status: StatusCode::BAD_REQUEST,
            code: "AuthorizationHeaderMalformed",
            message,
            element: None,
        };
        expect.assert(&server, &reply, case);
    }
}

// The credential's own checks (key enabled, token, expiry) all come before the signature.

#[tokio::test]
async fn credential_checks_come_before_the_signature() {
    let credential = |code, message| Expect {
        stage: Stage::Lookup,
        status: StatusCode::BAD_REQUEST,
        code,
        message,
        element: None,
    };
    let disabled = Expect {
        status: StatusCode::FORBIDDEN,
        element: Some(("AWSAccessKeyId", DISABLED)),
        ..credential("InvalidAccessKeyId", "does not exist in our records")
    };
    let invalid_token = credential("InvalidToken", "token is malformed or otherwise invalid");
    let expired_token = credential("ExpiredToken", "token has expired");
    let signer = |key: &str, secret: &str, token: Option<&str>| {
        let signer = Signer::new(key, secret);
        match token {
            Some(token) => signer.session_token(token),
            None => signer,
        }
    };
    let cases = [
        ("disabled key", DISABLED, SECRET, None, disabled),
        (
            "temporary key, no token",
            TEMPORARY,
            TEMPORARY_SECRET,
            None,
            invalid_token,
        ),
        (
            "temporary key, another token",
            TEMPORARY,
            TEMPORARY_SECRET,
            Some("another-token"),
            invalid_token,
        ),
        (
            "expired temporary key",
            EXPIRED,
            TEMPORARY_SECRET,
            Some(TOKEN),
            expired_token,
        ),
    ];
    let draft = Draft::new(Method::PUT, PATH).body(BODY);
    for (case, key, secret, token, expect) in cases {
        // Alone, then with a signature no secret of the key makes.
        for (secret, variant) in [(secret, ""), (WRONG_SECRET_TEXT, " + wrong secret")] {
            let server = Server::new();
            let reply = server
                .app
                .send(signer(key, secret, token).sign(&draft))
                .await;
            expect.assert(&server, &reply, &format!("{case}{variant}"));
        }
    }

    // With its token, the temporary key reaches the signature check: the faults above are
    // what stopped the requests, not the signature.
    let server = Server::new();
    let request = signer(TEMPORARY, WRONG_SECRET_TEXT, Some(TOKEN)).sign(&draft);
    let reply = server.app.send(request).await;
    WRONG_SECRET
        .expect
        .assert(&server, &reply, "temporary key, its token, wrong secret");
}
