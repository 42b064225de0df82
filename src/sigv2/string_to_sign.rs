//! The SigV2 string to sign and its two canonical parts.

use std::collections::BTreeMap;
use std::fmt;

use http::header::{CONTENT_TYPE, DATE};
use http::{HeaderMap, Method, Uri};

use super::Signature;

/// The query parameters that name a sub-resource and so enter the [`CanonicalizedResource`],
/// sorted. Every other query parameter is left out of the signature.
pub const SUB_RESOURCES: [&str; 31] = [
    "acl",
    "cors",
    "delete",
    "encryption",
    "legal-hold",
    "lifecycle",
    "location",
    "logging",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "retention",
    "select",
    "select-type",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
];

/// The `key[=value]` pairs of a raw query, in order, still percent-encoded.
pub(crate) fn raw_pairs(query: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (pair, None),
        })
}

/// A query component decoded as HTML forms and S3 decode it: `+` is a space, then `%XX`.
/// Bytes that are not UTF-8 become U+FFFD: no client can sign them as text anyway.
pub(crate) fn decode_component(text: &str) -> String {
    String::from_utf8_lossy(&crate::canonical::decode_query_component(text)).into_owned()
}

/// A header value as SigV2 signs it: folded lines joined by one space, then trimmed.
fn unfold(value: &str) -> String {
    let blank = [' ', '\t'];
    let lines: Vec<&str> = value
        .split(['\r', '\n'])
        .map(|line| line.trim_matches(blank))
        .filter(|line| !line.is_empty())
        .collect();
    lines.join(" ")
}

/// The `x-amz-*` headers, as signed: names lowercased and sorted, the values of a repeated
/// name joined with `,` in the order sent, each value unfolded and trimmed, one `name:value\n`
/// line each. Empty when there are none.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CanonicalizedAmzHeaders(String);

impl CanonicalizedAmzHeaders {
    /// From `(name, value)` pairs; pairs whose name is not `x-amz-*` are skipped.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in pairs {
            let name = name.as_ref().to_ascii_lowercase();
            if name.starts_with("x-amz-") {
                by_name
                    .entry(name)
                    .or_default()
                    .push(unfold(value.as_ref()));
            }
        }
        let mut text = String::new();
        for (name, values) in by_name {
            text.push_str(&name);
            text.push(':');
            text.push_str(&values.join(","));
            text.push('\n');
        }
        Self(text)
    }

    /// Of a request: its `x-amz-*` headers, then its `x-amz-*` query parameters (decoded),
    /// which the AWS SDKs sign as headers (a presigned URL's `x-amz-security-token`).
    pub fn of_request(headers: &HeaderMap, query: Option<&str>) -> Self {
        let from_headers = headers.iter().map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        });
        // Matched decoded and in any case, as header names are: `X-Amz-Acl=…` in a URL is a
        // header S3 applies, so it must be signed like one.
        let from_query = raw_pairs(query.unwrap_or_default())
            .map(|(key, value)| (decode_component(key), value))
            .filter(|(key, _)| {
                key.get(..6)
                    .is_some_and(|p| p.eq_ignore_ascii_case("x-amz-"))
            })
            .map(|(key, value)| (key, decode_component(value.unwrap_or(""))));
        Self::from_pairs(from_headers.chain(from_query))
    }

    /// The lines, exactly as signed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// By length only: the lines may carry the session token.
impl fmt::Debug for CanonicalizedAmzHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CanonicalizedAmzHeaders(<{} bytes>)", self.0.len())
    }
}

impl fmt::Display for CanonicalizedAmzHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the request addresses, as signed: `/bucket` when the bucket is named by the `Host`
/// (virtual-hosted or CNAME style), then the path exactly as sent (percent-escapes and their
/// case kept), then `?` and the [sub-resources](SUB_RESOURCES) present, sorted by name,
/// `&`-joined, their values decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CanonicalizedResource(String);

impl CanonicalizedResource {
    /// Builds it from the bucket the `Host` names, the raw path and the raw query.
    pub fn new(bucket_from_host: Option<&str>, path: &str, query: Option<&str>) -> Self {
        let mut text = String::new();
        if let Some(bucket) = bucket_from_host {
            text.push('/');
            text.push_str(bucket);
        }
        text.push_str(if path.is_empty() { "/" } else { path });

        let mut sub_resources: Vec<(String, Option<String>)> = raw_pairs(query.unwrap_or(""))
            .map(|(key, value)| (decode_component(key), value))
            .filter(|(key, _)| SUB_RESOURCES.contains(&key.as_str()))
            .map(|(key, value)| (key, value.map(decode_component)))
            .collect();
        // A stable sort keeps a repeated sub-resource's values in the order sent.
        sub_resources.sort_by(|a, b| a.0.cmp(&b.0));
        for (i, (key, value)) in sub_resources.iter().enumerate() {
            text.push(if i == 0 { '?' } else { '&' });
            text.push_str(key);
            if let Some(value) = value {
                text.push('=');
                text.push_str(value);
            }
        }
        Self(text)
    }

    /// The resource, exactly as signed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CanonicalizedResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SigV2 string to sign:
/// `VERB\nContent-MD5\nContent-Type\nDate\nCanonicalizedAmzHeadersCanonicalizedResource`.
///
/// A positional value that is absent is empty. `Date` is empty when `x-amz-date` is sent
/// (which then signs as an amz header), and is the `Expires` parameter in a presigned URL.
/// Its `Debug` shows its length only.
#[derive(Clone, PartialEq, Eq)]
pub struct StringToSign(String);

impl StringToSign {
    /// Assembles it from its parts.
    pub fn new(
        method: &str,
        content_md5: &str,
        content_type: &str,
        date: &str,
        amz_headers: &CanonicalizedAmzHeaders,
        resource: &CanonicalizedResource,
    ) -> Self {
        Self(format!(
            "{method}\n{content_md5}\n{content_type}\n{date}\n{amz_headers}{resource}"
        ))
    }

    /// The string to sign of a request. `bucket_from_host` is the bucket its `Host` names, if
    /// any; `expires` is the `Expires` parameter of a presigned URL, which takes the place of
    /// the date.
    pub fn for_request(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        bucket_from_host: Option<&str>,
        expires: Option<&str>,
    ) -> Self {
        let header = |name| {
            headers
                .get(name)
                .map(|v| unfold(&String::from_utf8_lossy(v.as_bytes())))
                .unwrap_or_default()
        };
        let date = match expires {
            Some(expires) => expires.to_owned(),
            None if headers.contains_key("x-amz-date") => String::new(),
            None => header(DATE),
        };
        let amz_headers = CanonicalizedAmzHeaders::of_request(headers, uri.query());
        let resource = CanonicalizedResource::new(bucket_from_host, uri.path(), uri.query());
        Self::new(
            method.as_str(),
            &header(http::HeaderName::from_static("content-md5")),
            &header(CONTENT_TYPE),
            &date,
            &amz_headers,
            &resource,
        )
    }

    /// The text, exactly as signed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Signs it: `HMAC-SHA1(secret, self)`.
    pub fn sign(&self, secret: &str) -> Signature {
        Signature::compute(secret, &self.0)
    }
}

/// By length only: it may carry the session token.
impl fmt::Debug for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StringToSign(<{} bytes>)", self.0.len())
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(bucket: Option<&str>, path_and_query: &str) -> String {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        CanonicalizedResource::new(bucket, path, query).to_string()
    }

    #[test]
    fn sub_resource_list_is_sorted() {
        let mut sorted = SUB_RESOURCES;
        sorted.sort_unstable();
        assert_eq!(sorted, SUB_RESOURCES, "SUB_RESOURCES must stay sorted");
    }

    #[test]
    fn resource_keeps_only_sub_resources_sorted_with_decoded_values() {
        assert_eq!(
            resource(Some("b"), "/k?versionId=v%2B1&acl&prefix=p&max-keys=5"),
            "/b/k?acl&versionId=v+1",
            "sub-resources sorted, other parameters dropped, values decoded"
        );
        assert_eq!(
            resource(
                None,
                "/b/k?response-content-disposition=attachment%3B%20a+b&uploads="
            ),
            "/b/k?response-content-disposition=attachment; a b&uploads=",
            "'+' and %20 are spaces; an empty value keeps its '='"
        );
        assert_eq!(
            resource(None, "/b/k?Acl&ACL&X-Amz-Acl"),
            "/b/k",
            "sub-resource names are case sensitive"
        );
        assert_eq!(
            resource(None, "/b/k?partNumber=2&partNumber=1"),
            "/b/k?partNumber=2&partNumber=1",
            "a repeated sub-resource keeps the order sent"
        );
    }

    #[test]
    fn resource_path_is_as_sent_and_bucket_prefixed() {
        assert_eq!(
            resource(Some("johnsmith"), "/"),
            "/johnsmith/",
            "bucket root, virtual-hosted"
        );
        assert_eq!(
            resource(None, "/a//b/./%7e%7E+"),
            "/a//b/./%7e%7E+",
            "no normalisation, no re-encoding"
        );
        assert_eq!(resource(None, ""), "/", "empty path");
    }

    #[test]
    fn amz_headers_lowercase_sort_join_and_unfold() {
        let headers = CanonicalizedAmzHeaders::from_pairs([
            ("X-Amz-Meta-B", "  two  words "),
            ("x-amz-meta-a", "first"),
            ("Content-Type", "ignored"),
            ("x-amz-meta-a", "second\r\n\t  line"),
        ]);
        assert_eq!(
            headers.as_str(),
            "x-amz-meta-a:first,second line\nx-amz-meta-b:two  words\n",
            "sorted, repeated values joined, folded line unfolded, outer space trimmed"
        );
        let none = CanonicalizedAmzHeaders::from_pairs([("date", "x")]);
        assert_eq!(none.as_str(), "", "no amz header");
    }

    #[test]
    fn debug_shows_lengths_only() {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-security-token", "the-token".parse().unwrap());
        let amz = CanonicalizedAmzHeaders::of_request(&headers, None);
        assert_eq!(format!("{amz:?}"), "CanonicalizedAmzHeaders(<31 bytes>)");
        let uri: Uri = "/b".parse().unwrap();
        let sts = StringToSign::for_request(&http::Method::GET, &uri, &headers, None, Some("1"));
        assert_eq!(
            format!("{sts:?}"),
            format!("StringToSign(<{} bytes>)", sts.as_str().len())
        );
        assert!(
            sts.as_str().contains("the-token"),
            "the text itself is whole"
        );
    }

    #[test]
    fn amz_query_parameters_sign_as_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-amz-acl", "private".parse().unwrap());
        let amz = CanonicalizedAmzHeaders::of_request(
            &headers,
            Some("x-amz-security-token=a%2Fb&X-Amz-Date=1&Signature=s"),
        );
        assert_eq!(
            amz.as_str(),
            "x-amz-acl:private\nx-amz-date:1\nx-amz-security-token:a/b\n",
            "x-amz-* query parameters, in any letter case, join the headers"
        );
    }

    #[test]
    fn date_line_follows_x_amz_date_and_expires() {
        let uri: Uri = "/b/k".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("date", "D".parse().unwrap());
        headers.insert("content-md5", " M ".parse().unwrap());
        headers.insert("content-type", "T".parse().unwrap());
        let sts = |h: &HeaderMap, expires| {
            StringToSign::for_request(&Method::PUT, &uri, h, None, expires).to_string()
        };
        assert_eq!(sts(&headers, None), "PUT\nM\nT\nD\n/b/k", "Date signed");
        assert_eq!(
            sts(&headers, Some("99")),
            "PUT\nM\nT\n99\n/b/k",
            "Expires wins"
        );

        headers.insert("x-amz-date", "X".parse().unwrap());
        assert_eq!(
            sts(&headers, None),
            "PUT\nM\nT\n\nx-amz-date:X\n/b/k",
            "x-amz-date empties the Date line"
        );
        assert_eq!(
            sts(&headers, Some("99")),
            "PUT\nM\nT\n99\nx-amz-date:X\n/b/k",
            "Expires still takes the Date line"
        );
        assert_eq!(
            sts(&HeaderMap::new(), None),
            "PUT\n\n\n\n/b/k",
            "absent positional values are empty"
        );
    }
}
