//! The SigV2 checks, in S3's order, and the signature over every part of the string to sign.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::request::Parts;

use super::*;
use crate::config::SignatureDiagnostics;
use crate::credentials::SecretKey;

const AKID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// `Tue, 27 Mar 2007 19:36:42 +0000`, the time of S3's SigV2 GET example.
const GET_EXAMPLE_TIME: u64 = 1_175_024_202;

fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).unwrap().into_parts().0
}

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn credential() -> Credential {
    Credential::new(AKID, SECRET)
}

fn get_example(date: &str) -> Parts {
    parts(
        "GET",
        "/photos/puppy.jpg",
        &[("host", "johnsmith.s3.amazonaws.com"), ("date", date)],
    )
}

const GET_EXAMPLE_CREDENTIALS: &str = "AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU=";

fn header_outcome(p: &Parts, credentials: &str, now: SystemTime) -> Result<(), Error> {
    let config = Config::default();
    let auth = check_header(p, credentials, Some("johnsmith"), &config, now)?;
    verify(&auth, &credential(), &config)
}

#[test]
fn header_form_accepts_the_s3_get_example() {
    let p = get_example("Tue, 27 Mar 2007 19:36:42 +0000");
    let outcome = header_outcome(&p, GET_EXAMPLE_CREDENTIALS, at(GET_EXAMPLE_TIME));
    assert!(outcome.is_ok(), "S3 GET example: {outcome:?}");
}

#[test]
fn malformed_header_is_invalid_argument() {
    let p = get_example("Tue, 27 Mar 2007 19:36:42 +0000");
    for credentials in ["AKIAIOSFODNN7EXAMPLE", ":c2ln", "AKIAIOSFODNN7EXAMPLE:", ""] {
        let err = header_outcome(&p, credentials, at(GET_EXAMPLE_TIME)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{credentials:?}");
        assert_eq!(
            err.message(),
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
            "{credentials:?}"
        );
        assert_eq!(err.extra_value("ArgumentName"), Some("Authorization"));
        let value = format!("AWS {credentials}");
        assert_eq!(err.extra_value("ArgumentValue"), Some(value.as_str()));
    }
}

#[test]
fn header_form_needs_a_valid_date() {
    let message = "AWS authentication requires a valid Date or x-amz-date header";
    let cases = [
        ("no date", parts("GET", "/k", &[])),
        ("bad Date", parts("GET", "/k", &[("date", "yesterday")])),
        (
            "bad x-amz-date beside a good Date",
            parts(
                "GET",
                "/k",
                &[
                    ("date", "Tue, 27 Mar 2007 19:36:42 GMT"),
                    ("x-amz-date", "soon"),
                ],
            ),
        ),
    ];
    for (case, p) in cases {
        let err = header_outcome(&p, GET_EXAMPLE_CREDENTIALS, at(GET_EXAMPLE_TIME)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AccessDenied, "{case}");
        assert_eq!(err.message(), message, "{case}");
    }
}

#[test]
fn date_formats_accepted() {
    for date in [
        "Tue, 27 Mar 2007 19:36:42 GMT",
        "Tue, 27 Mar 2007 21:36:42 +0200",
        "Tuesday, 27-Mar-07 19:36:42 GMT",
        "Tue Mar 27 19:36:42 2007",
    ] {
        let p = get_example(date);
        let sts = StringToSign::for_request(&p.method, &p.uri, &p.headers, Some("johnsmith"), None);
        let credentials = format!("{AKID}:{}", sts.sign(SECRET).to_base64());
        let outcome = header_outcome(&p, &credentials, at(GET_EXAMPLE_TIME));
        assert!(outcome.is_ok(), "{date}: {outcome:?}");
    }
}

#[test]
fn skew_is_checked_against_x_amz_date_first() {
    let now = at(GET_EXAMPLE_TIME);
    let edge = get_example("Tue, 27 Mar 2007 19:51:42 +0000");
    let err = header_outcome(&edge, GET_EXAMPLE_CREDENTIALS, now).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::SignatureDoesNotMatch,
        "exactly 15 minutes ahead is in time"
    );

    let late = get_example("Tue, 27 Mar 2007 19:51:43 +0000");
    let err = header_outcome(&late, GET_EXAMPLE_CREDENTIALS, now).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::RequestTimeTooSkewed,
        "15 min 1 s ahead"
    );
    assert_eq!(
        err.extra_value("RequestTime"),
        Some("Tue, 27 Mar 2007 19:51:43 +0000"),
        "RequestTime as sent"
    );
    assert_eq!(err.extra_value("ServerTime"), Some("2007-03-27T19:36:42Z"));
    assert_eq!(
        err.extra_value("MaxAllowedSkewMilliseconds"),
        Some("900000")
    );

    let stale_amz = parts(
        "GET",
        "/k",
        &[
            ("date", "Tue, 27 Mar 2007 19:36:42 GMT"),
            ("x-amz-date", "Tue, 27 Mar 2007 18:36:42 GMT"),
        ],
    );
    let err = header_outcome(&stale_amz, GET_EXAMPLE_CREDENTIALS, now).unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::RequestTimeTooSkewed,
        "x-amz-date wins over a fresh Date"
    );
}

/// S3's presigned example: `Expires=1175139620`.
const QS_URI: &str = "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE\
                      &Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620";

fn query_outcome(uri: &str, now: SystemTime) -> Result<V2Auth, Error> {
    let p = parts("GET", uri, &[("host", "johnsmith.s3.amazonaws.com")]);
    let auth = check_query(&p, Some("johnsmith"), now)?;
    verify(&auth, &credential(), &Config::default())?;
    Ok(auth)
}

#[test]
fn query_form_accepts_the_s3_example_until_it_expires() {
    let auth = query_outcome(QS_URI, at(GET_EXAMPLE_TIME));
    assert!(auth.is_ok(), "S3 presigned example: {auth:?}");
    let auth = query_outcome(QS_URI, at(1_175_139_620));
    assert!(auth.is_ok(), "at the Expires second itself: {auth:?}");

    let err = query_outcome(QS_URI, at(1_175_139_621)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AccessDenied, "one second later");
    assert_eq!(err.message(), "Request has expired");
    assert_eq!(err.extra_value("Expires"), Some("2007-03-29T03:40:20Z"));
    assert_eq!(err.extra_value("ServerTime"), Some("2007-03-29T03:40:21Z"));
}

#[test]
fn query_form_needs_all_three_parameters() {
    let message =
        "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters";
    for uri in [
        "/k?AWSAccessKeyId=A&Signature=S",
        "/k?Expires=1&Signature=S",
        "/k?AWSAccessKeyId=A&Expires=1",
        "/k?awsaccesskeyid=A&Expires=1&Signature=S",
    ] {
        let err = query_outcome(uri, at(0)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AccessDenied, "{uri}");
        assert_eq!(err.message(), message, "{uri}");
    }
}

#[test]
fn query_form_expires_must_be_epoch_seconds() {
    for expires in ["abc", "-1", "1.5", "", "%2B5", "99999999999999999999"] {
        let uri = format!("/k?AWSAccessKeyId=A&Expires={expires}&Signature=S");
        let err = query_outcome(&uri, at(0)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AccessDenied, "{expires}");
        let shown = decode_component(expires);
        assert_eq!(
            err.message(),
            format!("Invalid date (should be seconds since epoch): {shown}"),
            "{expires}"
        );
    }
}

#[test]
fn session_token_comes_from_the_header_or_the_query() {
    let uri = "/k?AWSAccessKeyId=A&Expires=9&Signature=S&x-amz-security-token=t%2F1";
    let from_query = check_query(&parts("GET", uri, &[]), None, at(0)).unwrap();
    assert_eq!(
        from_query.security_token.as_ref().map(SecretKey::expose),
        Some("t/1"),
        "query"
    );

    let p = parts(
        "GET",
        "/k?AWSAccessKeyId=A&Expires=9&Signature=S",
        &[("x-amz-security-token", "h")],
    );
    let from_header = check_query(&p, None, at(0)).unwrap();
    assert_eq!(
        from_header.security_token.as_ref().map(SecretKey::expose),
        Some("h"),
        "header"
    );

    let both = parts("GET", uri, &[("x-amz-security-token", "h")]);
    let refused = check_query(&both, None, at(0)).unwrap_err();
    assert_eq!(
        refused.kind(),
        ErrorKind::InvalidToken,
        "two different tokens"
    );
}

#[test]
fn mismatch_carries_the_v2_diagnostics_unless_omitted() {
    let p = get_example("Tue, 27 Mar 2007 19:36:42 +0000");
    let config = Config::default();
    let wrong = Credential::new(AKID, "not the secret");
    let auth = check_header(
        &p,
        GET_EXAMPLE_CREDENTIALS,
        Some("johnsmith"),
        &config,
        at(GET_EXAMPLE_TIME),
    )
    .unwrap();
    let err = verify(&auth, &wrong, &config).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SignatureDoesNotMatch, "wrong secret");
    let sts = "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg";
    assert_eq!(err.extra_value("AWSAccessKeyId"), Some(AKID));
    assert_eq!(err.extra_value("StringToSign"), Some(sts));
    assert_eq!(
        err.extra_value("SignatureProvided"),
        Some("bWq2s1WEIj+Ydj0vQ697zp+IXMU=")
    );
    let bytes = err.extra_value("StringToSignBytes").unwrap();
    assert!(bytes.starts_with("47 45 54 0a 0a 0a 54"), "{bytes}");
    assert_eq!(err.extra_value("CanonicalRequest"), None, "no V4 elements");

    let omit = Config {
        diagnostics: SignatureDiagnostics::Omit,
        ..Config::default()
    };
    let err = verify(&auth, &wrong, &omit).unwrap_err();
    assert_eq!(err.extra_value("StringToSign"), None, "diagnostics omitted");
}

#[test]
fn signature_that_is_not_base64_of_20_bytes_does_not_match() {
    let p = get_example("Tue, 27 Mar 2007 19:36:42 +0000");
    for sig in [
        "bWq2s1WEIj+Ydj0vQ697zp+IXMU",
        "!!!",
        "bWq2s1WEIj+Ydj0vQ697zp+IXMUAAAA",
    ] {
        let credentials = format!("{AKID}:{sig}");
        let err = header_outcome(&p, &credentials, at(GET_EXAMPLE_TIME)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::SignatureDoesNotMatch, "{sig}");
        assert_eq!(err.extra_value("SignatureProvided"), Some(sig), "{sig}");
    }
}
