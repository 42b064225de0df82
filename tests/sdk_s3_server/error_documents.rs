//! The `<Error>` documents of the example server, read as raw HTTP: each repeats the response's
//! `x-amz-request-id` and `x-amz-id-2` as `<RequestId>` and `<HostId>`, a `HEAD` gets the
//! headers without the document, and every document is XML 1.0 whatever characters a key holds.

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::Full;
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;

use super::{Reply, send, send_signed, start_server};

/// Whether XML 1.0 excludes `c` from a document, even as a character reference.
fn not_in_xml(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// The children of the root of `document` with their text, in order; panics unless the
/// document is well-formed XML 1.0.
fn children_of_root(document: &str, case: &str) -> Vec<(String, String)> {
    assert!(
        !document.contains(not_in_xml),
        "{case}: only characters XML 1.0 allows, got {document:?}"
    );
    assert!(
        document.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{case}: the XML declaration first, got {document:?}"
    );
    let mut reader = Reader::from_str(document);
    let mut depth = 0;
    let mut children: Vec<(String, String)> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("{case}: well-formed XML ({e}), got {document:?}"));
        let text = match event {
            Event::Start(start) => {
                depth += 1;
                if depth == 2 {
                    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                    children.push((name, String::new()));
                }
                continue;
            }
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            Event::Eof => break,
            Event::Text(text) => text.decode().expect("UTF-8 text").into_owned(),
            Event::GeneralRef(reference) => match reference.resolve_char_ref() {
                Ok(Some(c)) => c.to_string(),
                _ => {
                    let name = reference.decode().expect("UTF-8 entity name");
                    resolve_predefined_entity(&name)
                        .unwrap_or_else(|| panic!("{case}: unknown entity &{name};"))
                        .to_owned()
                }
            },
            _ => continue,
        };
        if depth == 2 {
            children
                .last_mut()
                .expect("an open child")
                .1
                .push_str(&text);
        }
    }
    assert_eq!(depth, 0, "{case}: every element closed");
    children
}

/// The text of the child `name` of the root.
fn child<'a>(children: &'a [(String, String)], name: &str) -> Option<&'a str> {
    children
        .iter()
        .find(|(child, _)| child == name)
        .map(|(_, text)| text.as_str())
}

fn header<'a>(reply: &'a Reply, name: &str, case: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .unwrap_or_else(|| panic!("{case}: a {name} header"))
        .to_str()
        .expect("an ASCII header")
}

/// Asserts §2 of an error reply with a body: the headers, and ids that match them.
fn assert_error_document(reply: &Reply, code: &str, case: &str) -> Vec<(String, String)> {
    assert_eq!(
        header(reply, "content-type", case),
        "application/xml",
        "{case}: Content-Type"
    );
    assert_eq!(
        header(reply, "content-length", case),
        reply.bytes.len().to_string(),
        "{case}: Content-Length"
    );
    let children = children_of_root(&reply.body, case);
    let names: Vec<&str> = children.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names.first(), Some(&"Code"), "{case}: Code first");
    assert_eq!(names.get(1), Some(&"Message"), "{case}: then Message");
    assert_eq!(
        names[names.len().saturating_sub(3)..],
        ["Resource", "RequestId", "HostId"],
        "{case}: Resource, RequestId and HostId last"
    );
    assert_eq!(child(&children, "Code"), Some(code), "{case}: Code");
    assert_eq!(
        child(&children, "RequestId"),
        Some(header(reply, "x-amz-request-id", case)),
        "{case}: RequestId is the x-amz-request-id header"
    );
    assert_eq!(
        child(&children, "HostId"),
        Some(header(reply, "x-amz-id-2", case)),
        "{case}: HostId is the x-amz-id-2 header"
    );
    children
}

#[tokio::test]
async fn error_documents_repeat_the_request_id_and_host_id_headers() {
    let addr = start_server().await;
    let host = addr.to_string();
    let created = send_signed(addr, "PUT", &host, "/docs", b"", None).await;
    assert_eq!(created.status, StatusCode::OK, "CreateBucket");
    for name in ["x-amz-request-id", "x-amz-id-2"] {
        header(&created, name, "CreateBucket, a success");
    }

    let missing = send_signed(addr, "GET", &host, "/docs/missing", b"", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "GetObject: 404");
    let children = assert_error_document(&missing, "NoSuchKey", "GetObject of a missing key");
    assert_eq!(child(&children, "Key"), Some("missing"), "NoSuchKey: Key");
    assert_eq!(
        child(&children, "Resource"),
        Some("/docs/missing"),
        "NoSuchKey: Resource"
    );

    let again = send_signed(addr, "GET", &host, "/docs/missing", b"", None).await;
    for name in ["x-amz-request-id", "x-amz-id-2"] {
        assert_ne!(
            header(&again, name, "the second GetObject"),
            header(&missing, name, "the first GetObject"),
            "{name}: one per response"
        );
    }

    // The auth layer's own refusals follow the same rule.
    let anonymous = Request::get(format!("http://{addr}/docs/missing"))
        .body(Full::new(Bytes::new()))
        .expect("request");
    let refused = send(anonymous).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "anonymous GetObject");
    assert_error_document(&refused, "AccessDenied", "anonymous GetObject");
}

#[tokio::test]
async fn a_head_error_has_the_headers_and_no_body() {
    let addr = start_server().await;
    let host = addr.to_string();
    send_signed(addr, "PUT", &host, "/docs", b"", None).await;

    for (case, target) in [
        ("HeadObject of a missing key", "/docs/missing"),
        ("HeadBucket of a missing bucket", "/nowhere"),
    ] {
        let missing = send_signed(addr, "HEAD", &host, target, b"", None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{case}: 404");
        assert!(missing.bytes.is_empty(), "{case}: no body");
        assert_eq!(
            header(&missing, "content-type", case),
            "application/xml",
            "{case}: Content-Type of the document a GET would get"
        );
        for name in ["x-amz-request-id", "x-amz-id-2"] {
            assert!(!header(&missing, name, case).is_empty(), "{case}: {name}");
        }
    }
}

#[tokio::test]
async fn keys_with_characters_xml_cannot_carry_give_well_formed_documents() {
    let addr = start_server().await;
    let host = addr.to_string();
    send_signed(addr, "PUT", &host, "/docs", b"", None).await;
    let stored = send_signed(addr, "PUT", &host, "/docs/a%01b", b"control", None).await;
    assert_eq!(
        stored.status,
        StatusCode::OK,
        "PutObject of a key with U+0001: {}",
        stored.body
    );
    let read = send_signed(addr, "GET", &host, "/docs/a%01b", b"", None).await;
    assert_eq!(read.body, "control", "GetObject: the key is stored as sent");

    let missing = send_signed(addr, "GET", &host, "/docs/c%1Fd%EF%BF%BF", b"", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "GetObject: 404");
    let case = "NoSuchKey of a key with U+001F and U+FFFF";
    let children = assert_error_document(&missing, "NoSuchKey", case);
    assert_eq!(
        child(&children, "Key"),
        Some("c\u{fffd}d\u{fffd}"),
        "{case}: the characters become U+FFFD"
    );

    let listed = send_signed(addr, "GET", &host, "/docs?list-type=2", b"", None).await;
    assert_eq!(listed.status, StatusCode::OK, "ListObjectsV2");
    children_of_root(&listed.body, "ListObjectsV2");
    assert!(
        listed.body.contains("<Key>a\u{fffd}b</Key>"),
        "ListObjectsV2: the key with U+FFFD, got {}",
        listed.body
    );
    let listed = send_signed(addr, "GET", &host, "/docs?encoding-type=url", b"", None).await;
    assert_eq!(
        listed.status,
        StatusCode::OK,
        "ListObjects encoding-type=url"
    );
    children_of_root(&listed.body, "ListObjects encoding-type=url");
    assert!(
        listed.body.contains("<Key>a%01b</Key>"),
        "ListObjects encoding-type=url: the key as it is, encoded, got {}",
        listed.body
    );
}
