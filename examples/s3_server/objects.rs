//! Object operations: `PutObject`, `GetObject`/`HeadObject` (with ranges), `DeleteObject`,
//! `DeleteObjects` and `CopyObject`.

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use md5::{Digest, Md5};
use percent_encoding::percent_decode_str;
use tower_s3_auth::Identity;

use super::errors::S3Error;
use super::request::{MAX_OBJECT_SIZE, MAX_XML_SIZE, read_body, read_payload};
use super::store::Object;
use super::xml::{Delete, XmlWriter, iso8601, xml_response};
use super::{App, now};

/// S3's limit on a key's length, in bytes.
const MAX_KEY_LEN: usize = 1024;

/// S3's limit on the user metadata (`x-amz-meta-*` names and values), in bytes.
const MAX_METADATA_LEN: usize = 2048;

/// What S3 answers as `Content-Type` for an object stored without one.
const DEFAULT_CONTENT_TYPE: &str = "binary/octet-stream";

/// The request headers an object keeps and returns on `GET` and `HEAD`, besides
/// `x-amz-meta-*`.
const STORED_HEADERS: [HeaderName; 6] = [
    header::CONTENT_TYPE,
    header::CACHE_CONTROL,
    header::CONTENT_DISPOSITION,
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
    header::EXPIRES,
];

/// `PUT /bucket/key`: the object is stored only once its whole body has been read and
/// verified; a body that fails verification stores nothing. The response names the ETag and
/// the verified checksum, if the upload carried one.
pub(crate) async fn put(
    app: &App,
    bucket: &str,
    key: &str,
    caller: &Identity,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, S3Error> {
    check_key(key)?;
    let stored = stored_headers(headers)?;
    // Refuse before reading a body that has nowhere to go.
    app.store.with_bucket(bucket, |_| ())?;

    let payload = read_payload(headers, body, MAX_OBJECT_SIZE).await?;
    let object = Object {
        etag: etag(&payload.data),
        data: payload.data,
        last_modified: now(),
        owner: caller.principal.clone(),
        headers: stored,
        checksum: payload.checksum,
    };
    let mut response = StatusCode::OK.into_response();
    insert(response.headers_mut(), header::ETAG, &object.etag);
    if let Some(checksum) = &object.checksum {
        checksum.insert_headers(response.headers_mut());
    }
    app.store.put_object(bucket, key, object)?;
    Ok(response)
}

/// `GET` or `HEAD /bucket/key`, honouring a single `Range: bytes=...`. With
/// `x-amz-checksum-mode: ENABLED` the stored checksum comes along, for the whole object only:
/// it does not describe a range.
pub(crate) fn get(
    app: &App,
    bucket: &str,
    key: &str,
    headers: &HeaderMap,
    head: bool,
) -> Result<Response, S3Error> {
    let object = app.store.get_object(bucket, key)?;
    let size = object.data.len() as u64;
    let range = headers.get(header::RANGE).and_then(|r| r.to_str().ok());
    let (status, start, end) = match range.map(|r| ByteRange::parse(r, size)) {
        None | Some(ByteRange::Whole) => (StatusCode::OK, 0, size),
        Some(ByteRange::Part { first, last }) => (StatusCode::PARTIAL_CONTENT, first, last + 1),
        Some(ByteRange::Unsatisfiable) => {
            return Err(S3Error::invalid_range(range.unwrap_or(""), size));
        }
    };

    // Both bounds are at most the object's size, which fits in memory.
    let part = object.data.slice(start as usize..end as usize);
    let mut response = Response::new(if head {
        Body::empty()
    } else {
        Body::from(part.clone())
    });
    *response.status_mut() = status;
    let out = response.headers_mut();
    out.insert(header::CONTENT_LENGTH, HeaderValue::from(part.len()));
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    insert(out, header::ETAG, &object.etag);
    insert(
        out,
        header::LAST_MODIFIED,
        &httpdate::fmt_http_date(object.last_modified),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        let content_range = format!("bytes {start}-{}/{size}", end - 1);
        insert(out, header::CONTENT_RANGE, &content_range);
    }
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(DEFAULT_CONTENT_TYPE),
    );
    for (name, value) in &object.headers {
        out.insert(name.clone(), value.clone());
    }
    let checksum_mode = headers
        .get("x-amz-checksum-mode")
        .is_some_and(|mode| mode.as_bytes().eq_ignore_ascii_case(b"ENABLED"));
    if let (true, StatusCode::OK, Some(checksum)) = (checksum_mode, status, &object.checksum) {
        checksum.insert_headers(out);
    }
    Ok(response)
}

/// `DELETE /bucket/key`: 204 whether or not the key existed, as in S3.
pub(crate) fn delete(app: &App, bucket: &str, key: &str) -> Result<Response, S3Error> {
    app.store.delete_objects(bucket, [key])?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /bucket?delete`: deletes up to 1000 keys; in quiet mode reports only failures (there
/// are none here: deleting a missing key succeeds).
pub(crate) async fn delete_objects(
    app: &App,
    bucket: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, S3Error> {
    let body = read_body(headers, body, MAX_XML_SIZE).await?;
    let delete = Delete::parse(&body)?;
    app.store
        .delete_objects(bucket, delete.keys.iter().map(String::as_str))?;

    let mut xml = XmlWriter::result("DeleteResult");
    if !delete.quiet {
        for key in &delete.keys {
            xml.open("Deleted").element("Key", key).close("Deleted");
        }
    }
    xml.close("DeleteResult");
    Ok(xml_response(xml.finish()))
}

/// `PUT /bucket/key` with `x-amz-copy-source: [/]bucket/key[?versionId=...]`.
///
/// `x-amz-metadata-directive` decides whether the copy keeps the source's headers (`COPY`, the
/// default) or takes the request's (`REPLACE`).
pub(crate) fn copy(
    app: &App,
    bucket: &str,
    key: &str,
    caller: &Identity,
    headers: &HeaderMap,
) -> Result<Response, S3Error> {
    check_key(key)?;
    let source = headers
        .get("x-amz-copy-source")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (source_bucket, source_key) = copy_source(source)?;
    let replace = match headers
        .get("x-amz-metadata-directive")
        .map(|v| v.as_bytes())
    {
        None | Some(b"COPY") => false,
        Some(b"REPLACE") => true,
        Some(other) => {
            return Err(S3Error::invalid_argument(
                "Unknown metadata directive.",
                "x-amz-metadata-directive",
                &String::from_utf8_lossy(other),
            ));
        }
    };
    if !replace && source_bucket == bucket && source_key == key {
        return Err(S3Error::invalid_request(
            "This copy request is illegal because it is trying to copy an object to itself \
             without changing the object's metadata, storage class, website redirect location or \
             encryption attributes.",
        ));
    }

    let original = app.store.get_object(&source_bucket, &source_key)?;
    let copy = Object {
        data: original.data.clone(),
        etag: original.etag.clone(),
        last_modified: now(),
        owner: caller.principal.clone(),
        headers: if replace {
            stored_headers(headers)?
        } else {
            original.headers.clone()
        },
        checksum: original.checksum.clone(),
    };
    let mut xml = XmlWriter::result("CopyObjectResult");
    xml.element("LastModified", &iso8601(copy.last_modified))
        .element("ETag", &copy.etag);
    if let Some(checksum) = &copy.checksum {
        checksum.write_element(&mut xml);
    }
    xml.close("CopyObjectResult");
    app.store.put_object(bucket, key, copy)?;
    Ok(xml_response(xml.finish()))
}

/// Splits a copy source into bucket and key: URL-decoded, an optional leading `/`, and an
/// optional `?versionId=...`, which is ignored since objects have no versions here.
fn copy_source(source: &str) -> Result<(String, String), S3Error> {
    let invalid = || {
        S3Error::invalid_argument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            "x-amz-copy-source",
            source,
        )
    };
    let path = source.split_once('?').map_or(source, |(path, _)| path);
    let decoded = percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| invalid())?;
    let decoded = decoded.strip_prefix('/').unwrap_or(&decoded);
    match decoded.split_once('/') {
        Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
            Ok((bucket.to_owned(), key.to_owned()))
        }
        _ => Err(invalid()),
    }
}

/// A `Range: bytes=...` header against an object of a known size.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ByteRange {
    /// No usable range: serve the whole object (a malformed or multi-range header is ignored,
    /// as HTTP allows and S3 does).
    Whole,
    /// The bytes `first..=last`, clamped to the object.
    Part { first: u64, last: u64 },
    /// A range that starts past the end, or an empty suffix: 416 `InvalidRange`.
    Unsatisfiable,
}

impl ByteRange {
    pub(crate) fn parse(header: &str, size: u64) -> Self {
        let Some(spec) = header.trim().strip_prefix("bytes=") else {
            return Self::Whole;
        };
        let Some((first, last)) = spec.split_once('-').filter(|_| !spec.contains(',')) else {
            return Self::Whole;
        };
        let number = |text: &str| text.trim().parse::<u64>().ok();
        match (first.trim().is_empty(), last.trim().is_empty()) {
            // bytes=-n: the last n bytes.
            (true, false) => match number(last) {
                None => Self::Whole,
                Some(0) => Self::Unsatisfiable,
                Some(_) if size == 0 => Self::Unsatisfiable,
                Some(n) => Self::Part {
                    first: size.saturating_sub(n),
                    last: size - 1,
                },
            },
            // bytes=a-: from a to the end.
            (false, true) => match number(first) {
                None => Self::Whole,
                Some(a) if a >= size => Self::Unsatisfiable,
                Some(a) => Self::Part {
                    first: a,
                    last: size - 1,
                },
            },
            (false, false) => match (number(first), number(last)) {
                (Some(a), Some(b)) if a <= b => {
                    if a >= size {
                        Self::Unsatisfiable
                    } else {
                        Self::Part {
                            first: a,
                            last: b.min(size - 1),
                        }
                    }
                }
                _ => Self::Whole,
            },
            (true, true) => Self::Whole,
        }
    }
}

/// The quoted hex MD5 of the data, as S3 computes the ETag of a single-part upload.
fn etag(data: &Bytes) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(data)))
}

pub(crate) fn check_key(key: &str) -> Result<(), S3Error> {
    if key.len() > MAX_KEY_LEN {
        return Err(S3Error::key_too_long(key.len(), MAX_KEY_LEN));
    }
    Ok(())
}

/// The headers of a `PutObject` (or a `REPLACE` copy) that the object keeps.
pub(crate) fn stored_headers(
    headers: &HeaderMap,
) -> Result<Vec<(HeaderName, HeaderValue)>, S3Error> {
    let mut stored = Vec::new();
    let mut metadata_len = 0;
    for (name, value) in headers {
        if name.as_str().starts_with("x-amz-meta-") {
            metadata_len += name.as_str().len() - "x-amz-meta-".len() + value.len();
        } else if !STORED_HEADERS.contains(name) {
            continue;
        }
        stored.push((name.clone(), value.clone()));
    }
    if metadata_len > MAX_METADATA_LEN {
        return Err(S3Error::metadata_too_large(metadata_len, MAX_METADATA_LEN));
    }
    Ok(stored)
}

/// Inserts a header whose value this module formatted (hex, dates, numbers: always valid).
pub(crate) fn insert(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::try_from(value) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges() {
        use ByteRange::{Part, Unsatisfiable, Whole};
        for (header, expected) in [
            ("bytes=0-4", Part { first: 0, last: 4 }),
            ("bytes=2-", Part { first: 2, last: 9 }),
            ("bytes=-3", Part { first: 7, last: 9 }),
            ("bytes=-30", Part { first: 0, last: 9 }),
            ("bytes=5-100", Part { first: 5, last: 9 }),
            ("bytes=10-", Unsatisfiable),
            ("bytes=10-20", Unsatisfiable),
            ("bytes=-0", Unsatisfiable),
            ("bytes=4-2", Whole),
            ("bytes=0-1,4-5", Whole),
            ("items=0-1", Whole),
            ("bytes=x-1", Whole),
        ] {
            assert_eq!(
                ByteRange::parse(header, 10),
                expected,
                "Range {header:?} of 10 bytes"
            );
        }
        assert_eq!(
            ByteRange::parse("bytes=0-", 0),
            Unsatisfiable,
            "Range of an empty object"
        );
    }

    #[test]
    fn copy_sources() {
        for (source, bucket, key) in [
            ("/b/k", "b", "k"),
            ("b/dir/k%20x", "b", "dir/k x"),
            ("/b/k%3Fq?versionId=3", "b", "k?q"),
        ] {
            let parsed = copy_source(source).expect(source);
            assert_eq!(
                parsed,
                (bucket.to_owned(), key.to_owned()),
                "copy source {source:?}"
            );
        }
        for source in ["", "/b", "b/", "/%FF/k"] {
            let error = copy_source(source).expect_err(source);
            assert_eq!(error.code(), "InvalidArgument", "copy source {source:?}");
        }
    }
}
