//! `ListParts` (`GET /bucket/key?uploadId=ID`) and `ListMultipartUploads`
//! (`GET /bucket?uploads`).

use std::ops::Bound;

use axum::response::Response;

use super::App;
use super::errors::S3Error;
use super::request::Query;
use super::store::Upload;
use super::xml::{XmlWriter, iso8601, xml_response};

/// S3 never lists more than 1000 parts or uploads at once, whatever the client asks for.
const MAX_PAGE: usize = 1000;

/// `GET /bucket/key?uploadId=ID`: the parts uploaded so far, in part-number order, after
/// `part-number-marker`, at most `max-parts`.
pub(crate) fn list_parts(
    app: &App,
    bucket: &str,
    key: &str,
    query: &Query,
) -> Result<Response, S3Error> {
    let id = query.get("uploadId").unwrap_or("");
    let max_parts = number(query, "max-parts", MAX_PAGE)?.min(MAX_PAGE);
    let marker = number(query, "part-number-marker", 0)?;
    let marker = u32::try_from(marker).unwrap_or(u32::MAX);

    let document = app.store.with_upload(bucket, key, id, |upload| {
        let mut parts = upload
            .parts
            .range((Bound::Excluded(marker), Bound::Unbounded));
        let page: Vec<_> = parts.by_ref().take(max_parts).collect();
        let truncated = parts.next().is_some();
        let next = page.last().map_or(marker, |(number, _)| **number);

        let mut xml = XmlWriter::result("ListPartsResult");
        xml.element("Bucket", bucket)
            .element("Key", key)
            .element("UploadId", id)
            .element("PartNumberMarker", &marker.to_string())
            .element("NextPartNumberMarker", &next.to_string())
            .element("MaxParts", &max_parts.to_string())
            .element("IsTruncated", if truncated { "true" } else { "false" });
        for (number, part) in page {
            xml.open("Part")
                .element("PartNumber", &number.to_string())
                .element("LastModified", &iso8601(part.last_modified))
                .element("ETag", &part.etag())
                .element("Size", &part.data.len().to_string());
            if let Some(checksum) = &part.checksum {
                checksum.write_element(&mut xml);
            }
            xml.close("Part");
        }
        write_people_and_checksum(&mut xml, upload);
        xml.close("ListPartsResult");
        xml.finish()
    })?;
    Ok(xml_response(document))
}

/// `GET /bucket?uploads`: the uploads in progress under `prefix`, sorted by key and then by
/// the order they started, after `key-marker` (and `upload-id-marker` within that key), at
/// most `max-uploads`.
pub(crate) fn list_uploads(app: &App, bucket: &str, query: &Query) -> Result<Response, S3Error> {
    // Grouping into common prefixes and URL-encoding are not implemented; answering without
    // them would look like a listing that honoured them.
    if query.has("delimiter") || query.has("encoding-type") {
        return Err(S3Error::not_implemented());
    }
    let prefix = query.get("prefix").unwrap_or("");
    let key_marker = query.get("key-marker").unwrap_or("");
    // S3 ignores an upload-id-marker without a key-marker.
    let id_marker = query
        .get("upload-id-marker")
        .filter(|_| !key_marker.is_empty());
    let max_uploads = number(query, "max-uploads", MAX_PAGE)?.min(MAX_PAGE);

    let document = app.store.with_bucket(bucket, |b| {
        let after_markers = |key: &str, id: &str| match id_marker {
            Some(id_marker) => (key, id) > (key_marker, id_marker),
            None => key > key_marker,
        };
        let mut uploads = b
            .uploads
            .iter()
            .filter(|((key, id), _)| key.starts_with(prefix) && after_markers(key, id));
        let page: Vec<_> = uploads.by_ref().take(max_uploads).collect();
        let truncated = uploads.next().is_some();

        let mut xml = XmlWriter::result("ListMultipartUploadsResult");
        xml.element("Bucket", bucket)
            .element("KeyMarker", key_marker)
            .element("UploadIdMarker", id_marker.unwrap_or(""));
        if let (true, Some(((key, id), _))) = (truncated, page.last()) {
            xml.element("NextKeyMarker", key)
                .element("NextUploadIdMarker", id);
        }
        xml.element("Prefix", prefix)
            .element("MaxUploads", &max_uploads.to_string())
            .element("IsTruncated", if truncated { "true" } else { "false" });
        for ((key, id), upload) in page {
            xml.open("Upload")
                .element("Key", key)
                .element("UploadId", id)
                .element("Initiated", &iso8601(upload.initiated));
            write_people_and_checksum(&mut xml, upload);
            xml.close("Upload");
        }
        xml.close("ListMultipartUploadsResult");
        xml.finish()
    })?;
    Ok(xml_response(document))
}

/// The elements both listings send about an upload: who started it, its storage class and
/// its checksum algorithm and type.
fn write_people_and_checksum(xml: &mut XmlWriter, upload: &Upload) {
    for role in ["Initiator", "Owner"] {
        xml.open(role)
            .element("ID", &upload.owner)
            .element("DisplayName", &upload.owner)
            .close(role);
    }
    xml.element("StorageClass", "STANDARD");
    if let Some((algorithm, kind)) = upload.checksum {
        xml.element("ChecksumAlgorithm", algorithm.name())
            .element("ChecksumType", kind.as_str());
    }
}

/// A non-negative integer query parameter, `default` when absent.
fn number(query: &Query, name: &str, default: usize) -> Result<usize, S3Error> {
    match query.get(name) {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            S3Error::invalid_argument(
                format!("Provided {name} not an integer or within integer range"),
                name,
                text,
            )
        }),
    }
}
