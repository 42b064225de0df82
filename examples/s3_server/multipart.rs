//! Multipart uploads: `CreateMultipartUpload`, `UploadPart`, `CompleteMultipartUpload` and
//! `AbortMultipartUpload`. The listings of uploads and parts are in `multipart_lists.rs`.
//!
//! A part is stored only once its body has been read and verified, like a `PutObject`; the
//! object appears only when the upload completes, assembled from the parts it names.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use http::{HeaderMap, HeaderName, StatusCode, header};
use md5::{Digest, Md5};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tower_s3_auth::Identity;

use super::checksums::{Algorithm, Checksum, ChecksumType};
use super::errors::S3Error;
use super::objects::{check_key, insert, stored_headers};
use super::request::{MAX_OBJECT_SIZE, MAX_XML_SIZE, Query, read_body, read_payload};
use super::store::{Object, Part, Upload};
use super::xml::{self, XmlWriter, xml_response};
use super::{App, now};

/// S3's smallest part, except for the last part of an upload.
pub(crate) const MIN_PART_SIZE: usize = 5 * 1024 * 1024;

/// The part numbers S3 accepts.
const PART_NUMBERS: RangeInclusive<u32> = 1..=10_000;

/// `POST /bucket/key?uploads`: a new upload, with the headers the object will keep and the
/// checksum algorithm its parts must carry, if any.
pub(crate) fn create(
    app: &App,
    bucket: &str,
    key: &str,
    caller: &Identity,
    headers: &HeaderMap,
) -> Result<Response, S3Error> {
    check_key(key)?;
    let checksum = match Algorithm::requested(headers)? {
        Some(algorithm) => Some((algorithm, ChecksumType::requested(headers, algorithm)?)),
        None => None,
    };
    let upload = Upload {
        initiated: now(),
        owner: caller.principal.clone(),
        headers: stored_headers(headers)?,
        checksum,
        parts: BTreeMap::new(),
    };
    let id = app.store.create_upload(bucket, key, upload)?;

    let mut xml = XmlWriter::result("InitiateMultipartUploadResult");
    xml.element("Bucket", bucket)
        .element("Key", key)
        .element("UploadId", &id)
        .close("InitiateMultipartUploadResult");
    let mut response = xml_response(xml.finish());
    if let Some((algorithm, kind)) = checksum {
        let out = response.headers_mut();
        let name = HeaderName::from_static("x-amz-checksum-algorithm");
        insert(out, name, algorithm.name());
        insert(
            out,
            HeaderName::from_static("x-amz-checksum-type"),
            kind.as_str(),
        );
    }
    Ok(response)
}

/// `PUT /bucket/key?partNumber=N&uploadId=ID`: stores the part (replacing an earlier one of
/// the same number) and answers its ETag and checksum.
pub(crate) async fn upload_part(
    app: &App,
    bucket: &str,
    key: &str,
    query: &Query,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, S3Error> {
    let id = query.get("uploadId").unwrap_or("");
    let number = part_number(query.get("partNumber").unwrap_or(""))?;
    // Refuse before reading a body that has nowhere to go.
    let expected = app
        .store
        .with_upload(bucket, key, id, |u| u.checksum.map(|(a, _)| a))?;

    let payload = read_payload(headers, body, MAX_OBJECT_SIZE).await?;
    let checksum = match (expected, payload.checksum) {
        (Some(expected), Some(sent)) if sent.algorithm != expected => {
            return Err(S3Error::invalid_request(format!(
                "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum \
                 Type: {}",
                expected.name().to_ascii_lowercase(),
                sent.algorithm.name().to_ascii_lowercase()
            )));
        }
        // The upload's checksum needs every part's; one the client did not send is computed.
        (Some(expected), None) => Some(Checksum::compute(expected, &payload.data)),
        (_, sent) => sent,
    };
    let part = Part {
        md5: Md5::digest(&payload.data).into(),
        data: payload.data,
        last_modified: now(),
        checksum,
    };
    let mut response = StatusCode::OK.into_response();
    insert(response.headers_mut(), header::ETAG, &part.etag());
    if let Some(checksum) = &part.checksum {
        checksum.insert_value(response.headers_mut());
    }
    app.store.put_part(bucket, key, id, number, part)?;
    Ok(response)
}

/// `POST /bucket/key?uploadId=ID` with the list of parts: checks it, assembles the object and
/// ends the upload.
///
/// The ETag of the object is S3's: the MD5 of the concatenated binary MD5s of the parts, with
/// `-N` for N parts.
pub(crate) async fn complete(
    app: &App,
    bucket: &str,
    key: &str,
    query: &Query,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, S3Error> {
    let id = query.get("uploadId").unwrap_or("");
    let listed = CompletedPart::parse_all(&read_body(headers, body, MAX_XML_SIZE).await?)?;
    // A snapshot: the parts are shared, and the object is assembled without holding the lock.
    let (parts, checksum, stored, owner) = app.store.with_upload(bucket, key, id, |u| {
        (
            u.parts.clone(),
            u.checksum,
            u.headers.clone(),
            u.owner.clone(),
        )
    })?;

    let mut chosen = Vec::with_capacity(listed.len());
    let mut previous = 0;
    for entry in &listed {
        if entry.number <= previous {
            return Err(S3Error::invalid_part_order(id, entry.number));
        }
        previous = entry.number;
        let part = parts
            .get(&entry.number)
            .filter(|part| entry.matches(part))
            .ok_or_else(|| S3Error::invalid_part(id, entry.number, &entry.etag))?;
        chosen.push(part);
    }
    let all_but_last = &chosen[..chosen.len().saturating_sub(1)];
    if let Some((entry, small)) = listed
        .iter()
        .zip(all_but_last)
        .find(|(_, part)| part.data.len() < MIN_PART_SIZE)
    {
        let size = small.data.len();
        return Err(S3Error::entity_too_small(
            size,
            MIN_PART_SIZE,
            entry.number,
            &entry.etag,
        ));
    }

    let mut data = BytesMut::with_capacity(chosen.iter().map(|p| p.data.len()).sum());
    let mut md5s = Md5::new();
    for part in &chosen {
        data.extend_from_slice(&part.data);
        md5s.update(part.md5);
    }
    let etag = format!("\"{}-{}\"", hex::encode(md5s.finalize()), chosen.len());
    let checksum = checksum.and_then(|(algorithm, kind)| {
        let sums: Option<Vec<&Checksum>> = chosen.iter().map(|p| p.checksum.as_ref()).collect();
        Checksum::of_parts(algorithm, kind, &sums?, &data)
    });
    let object = Object {
        data: data.freeze(),
        etag,
        last_modified: now(),
        owner,
        headers: stored,
        checksum,
    };

    let mut xml = XmlWriter::result("CompleteMultipartUploadResult");
    xml.element("Location", &location(headers, bucket, key))
        .element("Bucket", bucket)
        .element("Key", key)
        .element("ETag", &object.etag);
    if let Some(checksum) = &object.checksum {
        checksum.write_element(&mut xml);
        xml.element("ChecksumType", checksum.kind.as_str());
    }
    xml.close("CompleteMultipartUploadResult");
    app.store.finish_upload(bucket, key, id, Some(object))?;
    Ok(xml_response(xml.finish()))
}

/// `DELETE /bucket/key?uploadId=ID`: the upload and its parts are gone.
pub(crate) fn abort(
    app: &App,
    bucket: &str,
    key: &str,
    query: &Query,
) -> Result<Response, S3Error> {
    let id = query.get("uploadId").unwrap_or("");
    app.store.finish_upload(bucket, key, id, None)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A part number from the query: 1 to 10000.
fn part_number(text: &str) -> Result<u32, S3Error> {
    text.parse()
        .ok()
        .filter(|n| PART_NUMBERS.contains(n))
        .ok_or_else(|| {
            S3Error::invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive",
                "partNumber",
                text,
            )
        })
}

/// The URL of the completed object, path-style under the `Host` the client used.
fn location(headers: &HeaderMap, bucket: &str, key: &str) -> String {
    // Everything but unreserved characters and '/', as in a URL path.
    const PATH: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}/{bucket}/{}", utf8_percent_encode(key, PATH))
}

/// One `<Part>` of a `CompleteMultipartUpload` body.
#[derive(Debug, PartialEq, Eq)]
struct CompletedPart {
    number: u32,
    etag: String,
    /// Every child element, by name: the checksums are looked up here.
    fields: Vec<(String, String)>,
}

impl CompletedPart {
    /// Parses `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag>
    /// </Part>…</CompleteMultipartUpload>`, in document order.
    fn parse_all(document: &[u8]) -> Result<Vec<Self>, S3Error> {
        let mut parts = Vec::new();
        let mut fields = Vec::new();
        for (path, text) in xml::elements(document)? {
            let Some(inner) = path.strip_prefix("CompleteMultipartUpload") else {
                return Err(S3Error::malformed_xml());
            };
            match inner.strip_prefix("/Part") {
                Some("") => {
                    let fields: Vec<(String, String)> = std::mem::take(&mut fields);
                    let field = |name: &str| {
                        let found = fields.iter().find(|(n, _)| n == name);
                        found.map(|(_, v)| v.trim().to_owned())
                    };
                    let number = field("PartNumber").and_then(|n| n.parse().ok());
                    let (Some(number), Some(etag)) = (number, field("ETag")) else {
                        return Err(S3Error::malformed_xml());
                    };
                    parts.push(Self {
                        number,
                        etag,
                        fields,
                    });
                }
                Some(child) => match child.strip_prefix('/') {
                    Some(name) if !name.contains('/') => fields.push((name.to_owned(), text)),
                    _ => return Err(S3Error::malformed_xml()),
                },
                // The root itself, or another element under it (S3 ignores those).
                None => {}
            }
        }
        if parts.is_empty() {
            return Err(S3Error::malformed_xml());
        }
        Ok(parts)
    }

    /// Whether `part` is the one this entry names: the same ETag (quoted or not) and, when
    /// the entry repeats the part's checksum, the same checksum.
    fn matches(&self, part: &Part) -> bool {
        let etag_matches = self.etag.trim_matches('"') == part.etag().trim_matches('"');
        let checksum_matches = part.checksum.as_ref().is_none_or(|checksum| {
            checksum
                .element_value(&self.fields)
                .is_none_or(|sent| sent == checksum.value)
        });
        etag_matches && checksum_matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_body_parts_in_document_order() {
        let body = br#"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Part><ETag>&quot;aa&quot;</ETag><PartNumber>2</PartNumber>
                <ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>
              <Part><PartNumber>1</PartNumber><ETag>bb</ETag></Part>
            </CompleteMultipartUpload>"#;
        let parts = CompletedPart::parse_all(body).expect("CompleteMultipartUpload: valid");
        let summary: Vec<(u32, &str)> = parts.iter().map(|p| (p.number, p.etag.as_str())).collect();
        assert_eq!(
            summary,
            [(2, "\"aa\""), (1, "bb")],
            "CompleteMultipartUpload: numbers and ETags as listed, unescaped"
        );
        let crc = parts[0].fields.iter().find(|(n, _)| n == "ChecksumCRC32");
        assert_eq!(
            crc.map(|(_, v)| v.as_str()),
            Some("AAAAAA=="),
            "CompleteMultipartUpload: a part's checksum element is kept"
        );
    }

    #[test]
    fn complete_body_errors_are_malformed_xml() {
        for (case, body) in [
            (
                "no parts",
                &b"<CompleteMultipartUpload></CompleteMultipartUpload>"[..],
            ),
            (
                "part without number",
                b"<CompleteMultipartUpload><Part><ETag>a</ETag></Part></CompleteMultipartUpload>",
            ),
            (
                "part number not a number",
                b"<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag>\
                  </Part></CompleteMultipartUpload>",
            ),
            (
                "wrong root",
                b"<Complete><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></Complete>",
            ),
        ] {
            let error = CompletedPart::parse_all(body).expect_err(case);
            assert_eq!(
                error.code(),
                "MalformedXML",
                "CompleteMultipartUpload: {case}"
            );
        }
    }

    #[test]
    fn part_numbers_are_1_to_10000() {
        assert_eq!(part_number("1").ok(), Some(1), "partNumber=1");
        assert_eq!(part_number("10000").ok(), Some(10_000), "partNumber=10000");
        for text in ["0", "10001", "-1", "x", ""] {
            let error = part_number(text).expect_err(text);
            assert_eq!(error.code(), "InvalidArgument", "partNumber={text:?}");
        }
    }
}
