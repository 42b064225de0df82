//! Who sent a verified request, as the inner service sees it.

use crate::addressing::S3Target;

/// The authentication scheme a request was verified with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthScheme {
    /// SigV4 in the `Authorization` header.
    SigV4Header,
    /// SigV4 in the query string: a presigned URL.
    SigV4Query,
    /// SigV2 in the `Authorization` header (`AWS AKID:SIGNATURE`).
    SigV2Header,
    /// SigV2 in the query string (`AWSAccessKeyId`, `Expires`, `Signature`).
    SigV2Query,
}

/// The verified caller, inserted into the request extensions by the layer.
///
/// With the `axum` feature it is also an extractor: `Identity` rejects an anonymous request
/// with 403 `AccessDenied`, `Option<Identity>` accepts it as `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Identity {
    /// The access key id the request was signed with.
    pub access_key_id: String,
    /// The principal the key belongs to.
    pub principal: String,
    /// How the request was authenticated.
    pub scheme: AuthScheme,
    /// The region of the signature's scope.
    pub region: Option<String>,
    /// The bucket and key the request addresses.
    pub target: S3Target,
}

#[cfg(feature = "axum")]
mod extract {
    use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
    use axum_core::response::{IntoResponse, Response};
    use http::request::Parts;

    use super::Identity;
    use crate::error::{Error, ErrorKind};

    /// The rejection of the [`Identity`] extractor: the request was anonymous.
    #[derive(Debug)]
    pub struct MissingIdentity {
        method: http::Method,
        resource: String,
    }

    impl IntoResponse for MissingIdentity {
        fn into_response(self) -> Response {
            let response =
                Error::new(ErrorKind::AccessDenied).to_response(&self.method, &self.resource);
            response.map(axum_core::body::Body::from)
        }
    }

    impl<S: Send + Sync> FromRequestParts<S> for Identity {
        type Rejection = MissingIdentity;

        async fn from_request_parts(
            parts: &mut Parts,
            _state: &S,
        ) -> Result<Self, Self::Rejection> {
            parts
                .extensions
                .get::<Identity>()
                .cloned()
                .ok_or_else(|| MissingIdentity {
                    method: parts.method.clone(),
                    resource: parts.uri.path().to_owned(),
                })
        }
    }

    impl<S: Send + Sync> OptionalFromRequestParts<S> for Identity {
        type Rejection = std::convert::Infallible;

        async fn from_request_parts(
            parts: &mut Parts,
            _state: &S,
        ) -> Result<Option<Self>, Self::Rejection> {
            Ok(parts.extensions.get::<Identity>().cloned())
        }
    }
}

#[cfg(feature = "axum")]
pub use extract::MissingIdentity;
