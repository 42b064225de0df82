//! Cases the fuzz targets under `fuzz/` found, each pinned as a plain test.
//!
//! S3-AUTH-RULES.md §2: every refusal is an S3 XML error document. The targets check that
//! the document is well formed whatever the request held; a percent-decoded query value can
//! hold control characters that XML 1.0 cannot carry even escaped, and those once reached
//! the document as they were.

use std::convert::Infallible;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Empty};
use tower::{Layer, ServiceExt, service_fn};
use tower_s3_auth::{Credential, FixedClock, S3AuthLayer, StaticCredentials};

/// 2013-05-24T00:00:00Z.
const NOW: u64 = 1_369_353_600;

/// Sends `GET uri` through the layer and returns the status and the error document.
async fn refusal(uri: &str) -> (StatusCode, String) {
    let store = StaticCredentials::new([Credential::new("AKIDEXAMPLE", "secret")]);
    let clock = FixedClock(UNIX_EPOCH + Duration::from_secs(NOW));
    let inner = service_fn(|_: Request<_>| async {
        Ok::<_, Infallible>(Response::new(Empty::<Bytes>::new()))
    });
    let service = S3AuthLayer::new(store).clock(clock).layer(inner);
    let request = Request::get(uri)
        .header("host", "s3.example.test")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// Whether XML 1.0 allows `c` in a document.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{fffe}' | '\u{ffff}'))
}

#[tokio::test]
async fn control_characters_from_the_query_never_reach_the_error_document() {
    let expires = NOW + 600;
    let cases = [
        (
            "SigV2 URL, AWSAccessKeyId echoed in InvalidAccessKeyId",
            format!("/b?AWSAccessKeyId=%13e&Expires={expires}&Signature=c2ln"),
            StatusCode::FORBIDDEN,
            "<AWSAccessKeyId>\u{fffd}e</AWSAccessKeyId>",
        ),
        (
            "SigV2 URL, Expires echoed in the message",
            "/b?AWSAccessKeyId=AKIDEXAMPLE&Expires=%00&Signature=c2ln".to_owned(),
            StatusCode::FORBIDDEN,
            "(should be seconds since epoch): \u{fffd}</Message>",
        ),
        (
            "SigV4 URL, credential terminator echoed in the message",
            "/b?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIDEXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F%00%01\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=0000000000000000000000000000000000000000000000000000000000000000"
                .to_owned(),
            StatusCode::BAD_REQUEST,
            "incorrect terminal \"\u{fffd}\u{fffd}\"",
        ),
    ];
    for (case, uri, status, shown) in cases {
        let (got, xml) = refusal(&uri).await;
        assert_eq!(got, status, "{case}: status");
        assert!(
            xml.chars().all(xml_char),
            "{case}: the document holds only XML characters: {xml:?}"
        );
        assert!(
            xml.contains(shown),
            "{case}: the character is shown as U+FFFD: {xml:?}"
        );
    }
}
