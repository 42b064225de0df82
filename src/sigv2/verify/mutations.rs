//! Every part of the SigV2 string to sign is signed: changing any one of them after signing
//! turns the request into `SignatureDoesNotMatch`, and changing what is not signed does not.

use std::time::{Duration, UNIX_EPOCH};

use super::*;

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// `Tue, 27 Mar 2007 21:06:08 GMT`.
const NOW: u64 = 1_175_029_568;

/// A request as the mutations see it.
#[derive(Clone)]
struct Request {
    method: &'static str,
    uri: String,
    headers: Vec<(&'static str, &'static str)>,
    bucket_from_host: Option<&'static str>,
}

impl Request {
    /// A request that exercises every part of the string to sign.
    fn base() -> Self {
        Self {
            method: "PUT",
            uri: "/photos/pupp%C3%BF.jpg?versionId=3&acl&prefix=p\
                  &response-content-type=text%2Fplain"
                .to_owned(),
            headers: vec![
                ("host", "johnsmith.s3.amazonaws.com"),
                ("date", "Tue, 27 Mar 2007 21:06:08 GMT"),
                ("content-md5", "4gJE4saaMU4BqNR0kLY+lw=="),
                ("content-type", "image/jpeg"),
                ("x-amz-acl", "public-read"),
                ("x-amz-meta-reviewedby", "joe@johnsmith.net"),
                ("x-amz-meta-reviewedby", "jane@johnsmith.net"),
                ("x-amz-meta-checksum", "0x02661779"),
                ("user-agent", "curl/7.15.5"),
            ],
            bucket_from_host: Some("johnsmith"),
        }
    }

    fn parts(&self) -> Parts {
        let mut builder = http::Request::builder()
            .method(self.method)
            .uri(self.uri.as_str());
        for (name, value) in &self.headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn set(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value));
        self
    }

    fn add(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }

    fn remove(mut self, name: &'static str) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    fn uri(mut self, uri: &str) -> Self {
        self.uri = uri.to_owned();
        self
    }

    fn replace_in_uri(mut self, from: &str, to: &str) -> Self {
        assert!(self.uri.contains(from), "{from} not in {}", self.uri);
        self.uri = self.uri.replace(from, to);
        self
    }
}

/// The `AWS` credentials of `request`, signed with the example secret.
fn sign(request: &Request) -> String {
    let p = request.parts();
    let sts = StringToSign::for_request(
        &p.method,
        &p.uri,
        &p.headers,
        request.bucket_from_host,
        None,
    );
    format!("{AKID}:{}", sts.sign(SECRET).to_base64())
}

fn outcome(request: &Request, credentials: &str) -> Result<(), Error> {
    let config = Config::default();
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    let p = request.parts();
    let auth = check_header(&p, credentials, request.bucket_from_host, &config, now)?;
    verify(&auth, &Credential::new(AKID, SECRET), &config)
}

#[test]
fn each_signed_part_changed_after_signing_does_not_match() {
    let credentials = sign(&Request::base());
    assert!(
        outcome(&Request::base(), &credentials).is_ok(),
        "unchanged request"
    );

    let mutations: Vec<(&str, Request)> = vec![
        (
            "verb",
            Request {
                method: "POST",
                ..Request::base()
            },
        ),
        (
            "Content-MD5 changed",
            Request::base().set("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
        ),
        ("Content-MD5 removed", Request::base().remove("content-md5")),
        (
            "Content-Type changed",
            Request::base().set("content-type", "image/png"),
        ),
        (
            "Content-Type removed",
            Request::base().remove("content-type"),
        ),
        (
            "Date changed",
            Request::base().set("date", "Tue, 27 Mar 2007 21:06:09 GMT"),
        ),
        (
            "x-amz-date added",
            Request::base().set("x-amz-date", "Tue, 27 Mar 2007 21:06:08 GMT"),
        ),
        (
            "x-amz-acl changed",
            Request::base().set("x-amz-acl", "private"),
        ),
        ("x-amz-acl removed", Request::base().remove("x-amz-acl")),
        (
            "x-amz-meta-checksum changed",
            Request::base().set("x-amz-meta-checksum", "0x0"),
        ),
        (
            "repeated x-amz-meta-reviewedby cut to one value",
            Request::base().set("x-amz-meta-reviewedby", "joe@johnsmith.net"),
        ),
        (
            "repeated x-amz-meta-reviewedby reordered",
            Request::base()
                .remove("x-amz-meta-reviewedby")
                .add("x-amz-meta-reviewedby", "jane@johnsmith.net")
                .add("x-amz-meta-reviewedby", "joe@johnsmith.net"),
        ),
        (
            "x-amz-meta header added",
            Request::base().set("x-amz-meta-new", "1"),
        ),
        ("path", Request::base().replace_in_uri("pupp", "kitt")),
        (
            "path escape case",
            Request::base().replace_in_uri("%C3%BF", "%c3%bf"),
        ),
        ("acl removed", Request::base().replace_in_uri("&acl", "")),
        (
            "versionId changed",
            Request::base().replace_in_uri("versionId=3", "versionId=4"),
        ),
        (
            "versionId removed",
            Request::base().replace_in_uri("versionId=3&", ""),
        ),
        (
            "response-content-type changed",
            Request::base().replace_in_uri("text%2Fplain", "text%2Fhtml"),
        ),
        (
            "sub-resource added",
            Request::base().replace_in_uri("prefix=p", "torrent"),
        ),
        (
            "bucket from host changed",
            Request {
                bucket_from_host: Some("other"),
                ..Request::base()
            },
        ),
        (
            "bucket no longer from host",
            Request {
                bucket_from_host: None,
                ..Request::base()
            },
        ),
    ];
    for (case, request) in mutations {
        let err = outcome(&request, &credentials).expect_err(case);
        assert_eq!(
            err.kind(),
            ErrorKind::SignatureDoesNotMatch,
            "{case}: {err:?}"
        );
    }
}

#[test]
fn unsigned_parts_may_change() {
    let credentials = sign(&Request::base());
    let unsigned: Vec<(&str, Request)> = vec![
        ("user-agent", Request::base().set("user-agent", "other")),
        (
            "other content header",
            Request::base().set("content-encoding", "gzip"),
        ),
        (
            "non-sub-resource parameter",
            Request::base().replace_in_uri("prefix=p", "prefix=q"),
        ),
        (
            "query order",
            Request::base().uri(
                "/photos/pupp%C3%BF.jpg?response-content-type=text%2Fplain&prefix=p\
                 &acl&versionId=3",
            ),
        ),
        (
            "sub-resource value escaping",
            Request::base().replace_in_uri("%2F", "/"),
        ),
        ("host", Request::base().set("host", "s3.example.com")),
        (
            "bucket named by the path instead of the host",
            Request {
                bucket_from_host: None,
                ..Request::base()
            }
            .replace_in_uri("/photos", "/johnsmith/photos"),
        ),
    ];
    for (case, request) in unsigned {
        let outcome = outcome(&request, &credentials);
        assert!(outcome.is_ok(), "{case}: {outcome:?}");
    }
}
