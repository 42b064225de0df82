//! The authentication values every scheme reads from a request the same way: headers that
//! may come only once, query parameters found by their decoded name, and the session token.

use http::request::Parts;
use http::{HeaderMap, HeaderValue};

use crate::canonical::decode_query_component;
use crate::credentials::SecretKey;
use crate::error::{Error, ErrorKind};

/// The one value of header `name`, if present.
///
/// A header the signature's meaning rests on (`x-amz-date`, `x-amz-content-sha256`,
/// `x-amz-security-token`) must not be repeated: the canonical request joins repeated values,
/// so reading only one of them would check something other than what was signed.
///
/// # Errors
///
/// `InvalidArgument` when the header comes more than once.
pub(crate) fn single_header<'h>(
    headers: &'h HeaderMap,
    name: &'static str,
) -> Result<Option<&'h HeaderValue>, Error> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(Error::with_message(
            ErrorKind::InvalidArgument,
            format!("The {name} header may be sent only once."),
        )
        .extra("ArgumentName", name)
        .extra("ArgumentValue", ""));
    }
    Ok(first)
}

/// Whether a raw (still encoded) query key decodes to `name`.
///
/// The canonical query is built from decoded keys, so the authentication parameters are
/// recognised by their decoded names too: `X-Amz-%53ignature` is `X-Amz-Signature`.
pub(crate) fn query_key_is(raw: &str, name: &str) -> bool {
    if raw.contains(['%', '+']) {
        decode_query_component(raw) == name.as_bytes()
    } else {
        raw == name
    }
}

/// The raw `key`, `value` pairs of a query string (`value` empty for a bare key).
pub(crate) fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
}

/// The session token a request carries: the `x-amz-security-token` header, or the query
/// parameter of that name in any letter case (presigned SigV4 URLs write
/// `X-Amz-Security-Token`, SigV2 ones `x-amz-security-token`).
///
/// Whatever the scheme, every token sent is read: a token the verifier ignored would let a
/// request that names one pass for a credential that has none.
///
/// # Errors
///
/// `InvalidArgument` for a repeated header; `InvalidToken` for a repeated query parameter, or
/// a header and a query parameter that differ.
pub(crate) fn session_token(parts: &Parts) -> Result<Option<SecretKey>, Error> {
    let header = single_header(&parts.headers, "x-amz-security-token")?.map(HeaderValue::as_bytes);
    let mut in_query: Option<Vec<u8>> = None;
    let is_token = |raw: &str| match raw.contains(['%', '+']) {
        true => decode_query_component(raw).eq_ignore_ascii_case(b"x-amz-security-token"),
        false => raw.eq_ignore_ascii_case("x-amz-security-token"),
    };
    for (key, value) in query_pairs(parts.uri.query().unwrap_or("")) {
        if is_token(key) && in_query.replace(decode_query_component(value)).is_some() {
            return Err(Error::new(ErrorKind::InvalidToken));
        }
    }
    let token = match (header, in_query) {
        (Some(header), Some(query)) if header != query.as_slice() => {
            return Err(Error::new(ErrorKind::InvalidToken));
        }
        (Some(header), _) => header.to_vec(),
        (None, Some(query)) => query,
        (None, None) => return Ok(None),
    };
    Ok(Some(SecretKey::new(String::from_utf8_lossy(&token))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, token_header: Option<&str>) -> Parts {
        let mut request = http::Request::get(uri);
        if let Some(token) = token_header {
            request = request.header("x-amz-security-token", token);
        }
        request.body(()).unwrap().into_parts().0
    }

    fn token(parts: &Parts) -> Result<Option<String>, ErrorKind> {
        session_token(parts)
            .map(|t| t.map(|t| t.expose().to_owned()))
            .map_err(|e| e.kind())
    }

    #[test]
    fn the_token_is_read_from_the_header_or_the_query_in_any_case() {
        assert_eq!(token(&parts("/b", None)), Ok(None));
        assert_eq!(token(&parts("/b", Some("t"))), Ok(Some("t".into())));
        for uri in [
            "/b?X-Amz-Security-Token=a%2Fb",
            "/b?x-amz-security-token=a%2Fb",
            "/b?X-AMZ-SECURITY-TOKEN=a/b",
            "/b?X-Amz-Security-%54oken=a%2Fb",
        ] {
            assert_eq!(token(&parts(uri, None)), Ok(Some("a/b".into())), "{uri}");
            assert_eq!(
                token(&parts(uri, Some("a/b"))),
                Ok(Some("a/b".into())),
                "{uri}"
            );
        }
    }

    #[test]
    fn tokens_that_disagree_or_repeat_are_invalid() {
        assert_eq!(
            token(&parts("/b?X-Amz-Security-Token=a", Some("b"))),
            Err(ErrorKind::InvalidToken)
        );
        assert_eq!(
            token(&parts(
                "/b?X-Amz-Security-Token=a&x-amz-security-token=a",
                None
            )),
            Err(ErrorKind::InvalidToken)
        );
        let mut repeated = parts("/b", Some("a"));
        repeated
            .headers
            .append("x-amz-security-token", HeaderValue::from_static("a"));
        assert_eq!(token(&repeated), Err(ErrorKind::InvalidArgument));
    }

    #[test]
    fn query_keys_are_recognised_decoded() {
        assert!(query_key_is("X-Amz-Signature", "X-Amz-Signature"));
        assert!(query_key_is("X-Amz-%53ignature", "X-Amz-Signature"));
        assert!(!query_key_is("x-amz-signature", "X-Amz-Signature"));
        assert!(!query_key_is("X-Amz-Signature%20", "X-Amz-Signature"));
    }
}
