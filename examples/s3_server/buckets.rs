//! Bucket operations: `ListBuckets`, `CreateBucket`, `HeadBucket`, `DeleteBucket`,
//! `GetBucketLocation`.

use std::net::Ipv4Addr;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use tower_s3_auth::Identity;

use super::errors::S3Error;
use super::request::{MAX_XML_SIZE, read_body};
use super::xml::{self, XmlWriter, iso8601, xml_response};
use super::{App, now};

/// `GET /`: every bucket, with the caller as the owner S3 reports.
pub(crate) fn list(app: &App, caller: &Identity) -> Response {
    let mut xml = XmlWriter::result("ListAllMyBucketsResult");
    xml.open("Owner")
        .element("ID", &caller.principal)
        .element("DisplayName", &caller.principal)
        .close("Owner")
        .open("Buckets");
    for (name, created) in app.store.buckets() {
        xml.open("Bucket")
            .element("Name", &name)
            .element("CreationDate", &iso8601(created))
            .element("BucketRegion", &app.region)
            .close("Bucket");
    }
    xml.close("Buckets").close("ListAllMyBucketsResult");
    xml_response(xml.finish())
}

/// `PUT /bucket`, with an optional `CreateBucketConfiguration` body naming the region.
pub(crate) async fn create(
    app: &App,
    bucket: &str,
    caller: &Identity,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, S3Error> {
    if !is_valid_name(bucket) {
        return Err(S3Error::invalid_bucket_name(bucket));
    }
    let body = read_body(headers, body, MAX_XML_SIZE).await?;
    if !body.is_empty()
        && let Some(constraint) = xml::location_constraint(&body)?
        && constraint != app.region
    {
        return Err(S3Error::invalid_location_constraint(&constraint));
    }

    app.store.create_bucket(bucket, &caller.principal, now())?;
    let mut response = StatusCode::OK.into_response();
    if let Ok(location) = HeaderValue::try_from(format!("/{bucket}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `HEAD /bucket`: 200 with the region, or 404.
pub(crate) fn head(app: &App, bucket: &str) -> Result<Response, S3Error> {
    app.store.with_bucket(bucket, |_| ())?;
    let mut response = StatusCode::OK.into_response();
    if let Ok(region) = HeaderValue::try_from(app.region.as_str()) {
        response.headers_mut().insert("x-amz-bucket-region", region);
    }
    Ok(response)
}

/// `DELETE /bucket`: only an empty bucket.
pub(crate) fn delete(app: &App, bucket: &str) -> Result<Response, S3Error> {
    app.store.delete_bucket(bucket)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /bucket?location`.
pub(crate) fn location(app: &App, bucket: &str) -> Result<Response, S3Error> {
    app.store.with_bucket(bucket, |_| ())?;
    // S3 answers an empty constraint for us-east-1, and SDKs read it that way.
    let region = if app.region == "us-east-1" {
        ""
    } else {
        app.region.as_str()
    };
    let mut xml = XmlWriter::result("LocationConstraint");
    xml.text(region).close("LocationConstraint");
    Ok(xml_response(xml.finish()))
}

/// S3's naming rules for new buckets: 3 to 63 characters, lowercase letters, digits, dots
/// and hyphens, starting and ending with a letter or digit, no `..`, not an IPv4 address.
fn is_valid_name(name: &str) -> bool {
    let edge_ok = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && edge_ok(name.as_bytes().first())
        && edge_ok(name.as_bytes().last())
        && !name.contains("..")
        && name.parse::<Ipv4Addr>().is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_naming_rules() {
        for name in ["abc", "my-bucket.data", "a1b", &"a".repeat(63)] {
            assert!(is_valid_name(name), "bucket name {name:?} is valid");
        }
        for name in [
            "ab",
            "Abc",
            "-abc",
            "abc-",
            "a..b",
            "a_b",
            "192.168.1.1",
            &"a".repeat(64),
        ] {
            assert!(!is_valid_name(name), "bucket name {name:?} is invalid");
        }
    }
}
