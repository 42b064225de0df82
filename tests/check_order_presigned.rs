//! The order of checks of a presigned SigV4 URL (S3-AUTH-RULES.md §1 and §3): the query's
//! authentication parameters → the URL's validity window (its clock check: not yet valid,
//! expired) → credential scope → required signed headers → credential lookup → signature →
//! body (a payload hash signed in the query). A URL with several faults gets the error of
//! the earliest check.
//!
//! URLs are issued by this crate's presign API, which the other presigned tests check
//! against URLs issued by `aws-sdk-s3`. As in `check_order.rs`, every fault is first shown to
//! earn its own error alone, and the store counts its lookups.

mod layer_support;

use std::time::{Duration, SystemTime};

use axum::body::Body;
use http::{HeaderValue, Method, Request, StatusCode};
use tower_s3_auth::Credential;
use tower_s3_auth::presign::{PresignRequest, Presigner};

use layer_support::order::{
    self, AKID, Expect, SECRET, Stage, Subject, UNKNOWN, assert_earlier_wins,
    assert_every_earlier_wins, send_with,
};
use layer_support::{HOST, assert_accepted, now};

const BODY: &str = "hello";
const BODY_SHA256: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
const LIFETIME: Duration = Duration::from_secs(3600);

/// A presigned upload being built: whose key, which region, when it was issued, and what is
/// done to the request after signing.
#[derive(Clone, Debug)]
struct Link {
    access_key_id: &'static str,
    secret: &'static str,
    region: &'static str,
    issued_at: SystemTime,
    edits: Vec<fn(&mut Request<Body>)>,
}

impl Link {
    /// A PUT of [`BODY`] by alice, issued now for an hour, signing the body's hash: accepted.
    fn sound() -> Self {
        Self {
            access_key_id: AKID,
            secret: SECRET,
            region: "us-east-1",
            issued_at: now(),
            edits: Vec::new(),
        }
    }

    fn edit(mut self, edit: fn(&mut Request<Body>)) -> Self {
        self.edits.push(edit);
        self
    }

    fn request(&self) -> Request<Body> {
        let presigner =
            Presigner::new(&format!("http://{HOST}"), self.region).expect("a valid endpoint");
        let upload = PresignRequest::put("bucket", "notes.txt")
            .expires_in(LIFETIME)
            .query("X-Amz-Content-Sha256", BODY_SHA256);
        let credential = Credential::new(self.access_key_id, self.secret);
        let url = presigner
            .presign_v4(&credential, &upload, self.issued_at)
            .expect("the upload presigns");
        let uri: http::Uri = url.url.parse().expect("a presigned URL parses");
        let mut builder = Request::builder()
            .method(Method::PUT)
            .uri(uri.path_and_query().expect("a path").as_str())
            .header("host", HOST);
        for (name, value) in &url.headers {
            builder = builder.header(name, value);
        }
        let mut request = builder.body(Body::from(BODY)).expect("a valid request");
        for edit in &self.edits {
            edit(&mut request);
        }
        request
    }
}

/// Rewrites the query's `name=value` pairs through `change` (`None` drops the pair).
fn map_query(request: &mut Request<Body>, change: impl Fn(&str) -> Option<String>) {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default();
    let pairs: Vec<String> = query.split('&').filter_map(change).collect();
    *request.uri_mut() = format!("{path}?{}", pairs.join("&"))
        .parse()
        .expect("the rewritten target parses");
}

fn drop_signed_headers_parameter(request: &mut Request<Body>) {
    map_query(request, |pair| {
        (!pair.starts_with("X-Amz-SignedHeaders=")).then(|| pair.to_owned())
    });
}

fn malform_date_parameter(request: &mut Request<Body>) {
    map_query(request, |pair| match pair.starts_with("X-Amz-Date=") {
        true => Some("X-Amz-Date=20240315".to_owned()),
        false => Some(pair.to_owned()),
    });
}

fn add_unsigned_amz_header(request: &mut Request<Body>) {
    let value = HeaderValue::from_static("added after signing");
    request.headers_mut().insert("x-amz-meta-foo", value);
}

fn tamper_body(request: &mut Request<Body>) {
    *request.body_mut() = Body::from("HELLO");
}

type Fault = order::Fault<Link>;

impl Subject for Link {
    fn sound() -> Self {
        Link::sound()
    }

    fn request(&self) -> Request<Body> {
        Link::request(self)
    }
}

const MISSING_PARAMETER: Fault = Fault {
    name: "no X-Amz-SignedHeaders",
    apply: |l| l.edit(drop_signed_headers_parameter),
    expect: Expect {
        stage: Stage::Parameters,
        status: StatusCode::BAD_REQUEST,
        code: "AuthorizationQueryParametersError",
        message: "requires the X-Amz-Algorithm, X-Amz-Credential",
        element: None,
    },
};

const MALFORMED_DATE: Fault = Fault {
    name: "X-Amz-Date without its time",
    apply: |l| l.edit(malform_date_parameter),
    expect: Expect {
        stage: Stage::Parameters,
        status: StatusCode::BAD_REQUEST,
        code: "AuthorizationQueryParametersError",
        message: "X-Amz-Date must be in the ISO8601 Long Format",
        element: None,
    },
};

const EXPIRED: Fault = Fault {
    name: "issued two hours ago for one",
    apply: |l| Link {
        issued_at: now() - 2 * LIFETIME,
        ..l
    },
    expect: Expect {
        stage: Stage::Time,
        status: StatusCode::FORBIDDEN,
        code: "AccessDenied",
        message: "Request has expired",
        element: Some(("Expires", "2024-03-15T11:00:00Z")),
    },
};

const NOT_YET_VALID: Fault = Fault {
    name: "issued an hour from now",
    apply: |l| Link {
        issued_at: now() + LIFETIME,
        ..l
    },
    expect: Expect {
        stage: Stage::Time,
        status: StatusCode::FORBIDDEN,
        code: "AccessDenied",
        message: "Request is not valid yet",
        element: Some(("X-Amz-Date", "20240315T130000Z")),
    },
};

const WRONG_REGION: Fault = Fault {
    name: "scoped to eu-west-1",
    apply: |l| Link {
        region: "eu-west-1",
        ..l
    },
    expect: Expect {
        stage: Stage::Scope,
        status: StatusCode::BAD_REQUEST,
        code: "AuthorizationQueryParametersError",
        message: "the region 'eu-west-1' is wrong; expecting 'us-east-1'",
        element: Some(("Region", "us-east-1")),
    },
};

const UNSIGNED_AMZ_HEADER: Fault = Fault {
    name: "x-amz-meta-foo sent but not signed",
    apply: |l| l.edit(add_unsigned_amz_header),
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
    apply: |l| Link {
        access_key_id: UNKNOWN,
        ..l
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
    apply: |l| Link {
        secret: "not-alices-secret",
        ..l
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
    name: "body other than the one whose hash is signed",
    apply: |l| l.edit(tamper_body),
    expect: Expect {
        stage: Stage::Body,
        status: StatusCode::BAD_REQUEST,
        code: "XAmzContentSHA256Mismatch",
        message: "does not match what was computed",
        element: Some(("ClientComputedContentSHA256", BODY_SHA256)),
    },
};

/// Every fault, in the order of the checks.
const FAULTS: [&Fault; 9] = [
    &MISSING_PARAMETER,
    &MALFORMED_DATE,
    &EXPIRED,
    &NOT_YET_VALID,
    &WRONG_REGION,
    &UNSIGNED_AMZ_HEADER,
    &UNKNOWN_KEY,
    &WRONG_SECRET,
    &TAMPERED_BODY,
];

#[tokio::test]
async fn the_url_every_fault_starts_from_is_accepted() {
    let (server, reply) = send_with::<Link>(&[]).await;
    let read = assert_accepted(&server.app, &reply, "no fault");
    assert_eq!(read, BODY, "no fault: the handler reads the body");
    assert_eq!(server.lookups(), 1, "no fault: one lookup");
}

#[tokio::test]
async fn parameters_are_parsed_before_the_validity_window() {
    assert_earlier_wins(&MISSING_PARAMETER, &EXPIRED).await;
    assert_earlier_wins(&MISSING_PARAMETER, &NOT_YET_VALID).await;
}

#[tokio::test]
async fn validity_window_is_checked_before_the_scope() {
    assert_earlier_wins(&EXPIRED, &WRONG_REGION).await;
    assert_earlier_wins(&NOT_YET_VALID, &WRONG_REGION).await;
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
    assert_earlier_wins(&UNKNOWN_KEY, &WRONG_SECRET).await;
}

#[tokio::test]
async fn signature_is_checked_before_the_body_and_the_handler_never_runs() {
    assert_earlier_wins(&WRONG_SECRET, &TAMPERED_BODY).await;
}

#[tokio::test]
async fn every_earlier_check_wins_over_every_later_one() {
    assert_every_earlier_wins(&FAULTS).await;
}
