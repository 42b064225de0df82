//! The S3 errors the server answers with, rendered as the same `<Error>` document the auth
//! layer sends.
//!
//! `tower_s3_auth::Error` only knows authentication failures, so the server has its own small
//! error type for the rest (missing buckets, bad ranges, malformed XML, ...). A body that
//! failed verification converts into it unchanged: same code, status, message and extras.

use std::borrow::Cow;

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, Method, StatusCode, header};

use super::ResponseIds;
use super::xml::XmlWriter;

/// An S3 error: HTTP status, `<Code>`, `<Message>` and the extra elements S3 adds for it.
#[derive(Debug)]
pub(crate) struct S3Error {
    status: StatusCode,
    code: &'static str,
    message: Cow<'static, str>,
    extras: Vec<(&'static str, String)>,
}

impl S3Error {
    fn new(status: StatusCode, code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            extras: Vec::new(),
        }
    }

    /// Adds `<name>value</name>` after `<Message>`.
    fn extra(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extras.push((name, value.into()));
        self
    }

    /// The S3 error code, e.g. `NoSuchKey`.
    pub(crate) fn code(&self) -> &'static str {
        self.code
    }

    pub(crate) fn no_such_bucket(bucket: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist",
        )
        .extra("BucketName", bucket)
    }

    pub(crate) fn no_such_key(key: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        )
        .extra("Key", key)
    }

    pub(crate) fn bucket_already_owned_by_you(bucket: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "BucketAlreadyOwnedByYou",
            "Your previous request to create the named bucket succeeded and you already own it.",
        )
        .extra("BucketName", bucket)
    }

    pub(crate) fn bucket_already_exists(bucket: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "BucketAlreadyExists",
            "The requested bucket name is not available. The bucket namespace is shared by all \
             users of the system. Please select a different name and try again.",
        )
        .extra("BucketName", bucket)
    }

    pub(crate) fn bucket_not_empty(bucket: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "BucketNotEmpty",
            "The bucket you tried to delete is not empty",
        )
        .extra("BucketName", bucket)
    }

    pub(crate) fn invalid_bucket_name(bucket: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidBucketName",
            "The specified bucket is not valid.",
        )
        .extra("BucketName", bucket)
    }

    pub(crate) fn invalid_location_constraint(constraint: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidLocationConstraint",
            "The specified location-constraint is not valid",
        )
        .extra("LocationConstraint", constraint)
    }

    pub(crate) fn invalid_range(requested: &str, size: u64) -> Self {
        Self::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "InvalidRange",
            "The requested range is not satisfiable",
        )
        .extra("RangeRequested", requested)
        .extra("ActualObjectSize", size.to_string())
    }

    pub(crate) fn key_too_long(size: usize, max: usize) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "KeyTooLongError",
            "Your key is too long",
        )
        .extra("Size", size.to_string())
        .extra("MaxSizeAllowed", max.to_string())
    }

    pub(crate) fn metadata_too_large(size: usize, max: usize) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MetadataTooLarge",
            "Your metadata headers exceed the maximum allowed metadata size.",
        )
        .extra("Size", size.to_string())
        .extra("MaxSizeAllowed", max.to_string())
    }

    pub(crate) fn entity_too_large(proposed: Option<u64>, max: u64) -> Self {
        let error = Self::new(
            StatusCode::BAD_REQUEST,
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
        );
        match proposed {
            Some(size) => error.extra("ProposedSize", size.to_string()),
            None => error,
        }
        .extra("MaxSizeAllowed", max.to_string())
    }

    pub(crate) fn no_such_upload(upload_id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload \
             may have been aborted or completed.",
        )
        .extra("UploadId", upload_id)
    }

    pub(crate) fn invalid_part(upload_id: &str, part_number: u32, etag: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidPart",
            "One or more of the specified parts could not be found.  The part may not have been \
             uploaded, or the specified entity tag may not match the part's entity tag.",
        )
        .extra("UploadId", upload_id)
        .extra("PartNumber", part_number.to_string())
        .extra("ETag", etag)
    }

    pub(crate) fn invalid_part_order(upload_id: &str, part_number: u32) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidPartOrder",
            "The list of parts was not in ascending order. Parts must be ordered by part number.",
        )
        .extra("UploadId", upload_id)
        .extra("PartNumber", part_number.to_string())
    }

    pub(crate) fn entity_too_small(size: usize, min: usize, part_number: u32, etag: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed object size.",
        )
        .extra("ProposedSize", size.to_string())
        .extra("MinSizeAllowed", min.to_string())
        .extra("PartNumber", part_number.to_string())
        .extra("ETag", etag)
    }

    pub(crate) fn incomplete_body() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "IncompleteBody",
            "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        )
    }

    pub(crate) fn malformed_xml() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our \
             published schema",
        )
    }

    pub(crate) fn invalid_argument(
        message: impl Into<Cow<'static, str>>,
        name: &str,
        value: &str,
    ) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidArgument", message)
            .extra("ArgumentName", name)
            .extra("ArgumentValue", value)
    }

    pub(crate) fn invalid_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
    }

    pub(crate) fn invalid_uri() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidURI",
            "Couldn't parse the specified URI.",
        )
    }

    pub(crate) fn access_denied() -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied")
    }

    pub(crate) fn method_not_allowed(method: &Method, resource_type: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        )
        .extra("Method", method.as_str())
        .extra("ResourceType", resource_type)
    }

    pub(crate) fn not_implemented() -> Self {
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            "A header you provided implies functionality that is not implemented",
        )
    }

    /// The response: status, `application/xml`, and the `<Error>` document (no body for a
    /// `HEAD`, as S3 does). Its `<RequestId>` and `<HostId>` are `ids`, which the caller sends
    /// as the `x-amz-request-id` and `x-amz-id-2` headers of every response.
    pub(crate) fn into_response(
        self,
        method: &Method,
        resource: &str,
        ids: &ResponseIds,
    ) -> Response {
        let mut xml = XmlWriter::new();
        xml.open("Error")
            .element("Code", self.code)
            .element("Message", &self.message);
        for (name, value) in &self.extras {
            xml.element(name, value);
        }
        xml.element("Resource", resource)
            .element("RequestId", &ids.request_id)
            .element("HostId", &ids.host_id)
            .close("Error");
        let xml = xml.finish();

        let length = xml.len();
        let body = if method == Method::HEAD {
            Body::empty()
        } else {
            Body::from(xml)
        };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
        response
    }
}

/// A request body that failed verification: the auth layer's error, as S3 would send it.
impl From<&tower_s3_auth::Error> for S3Error {
    fn from(error: &tower_s3_auth::Error) -> Self {
        let mut converted = Self::new(error.status(), error.code(), error.message().to_owned());
        converted.extras = error
            .extras()
            .map(|(name, value)| (name, value.to_owned()))
            .collect();
        converted
    }
}
