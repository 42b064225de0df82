//! `ListObjects` (v1, `marker`) and `ListObjectsV2` (`list-type=2`, continuation tokens).
//!
//! Both walk the sorted keys after a marker, fold keys that contain the delimiter after the
//! prefix into common prefixes, and stop after `max-keys` entries (keys and common prefixes
//! together). They differ in how the position is named and in which elements they send.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::errors::S3Error;
use super::request::Query;
use super::store::{Object, Store};
use super::xml::{XmlWriter, iso8601};

/// One page of a listing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Page<V> {
    pub(crate) contents: Vec<(String, V)>,
    pub(crate) common_prefixes: Vec<String>,
    /// The last entry returned, when more follow: where the next page starts.
    pub(crate) next: Option<String>,
}

/// The entries of `objects` under `prefix` after `after`, at most `max_keys` of them.
///
/// A common prefix equal to `after` is skipped too: it was the last entry of the previous
/// page, and the keys it folds sort after it.
pub(crate) fn page<V: Clone>(
    objects: &BTreeMap<String, V>,
    prefix: &str,
    delimiter: Option<&str>,
    after: Option<&str>,
    max_keys: usize,
) -> Page<V> {
    let mut page = Page {
        contents: Vec::new(),
        common_prefixes: Vec::new(),
        next: None,
    };
    if max_keys == 0 {
        return page;
    }
    let start = match after {
        Some(after) if after >= prefix => Bound::Excluded(after),
        _ => Bound::Included(prefix),
    };

    let mut count = 0;
    let mut last_name: Option<&str> = None;
    for (key, value) in objects.range::<str, _>((start, Bound::Unbounded)) {
        // Keys under the prefix are contiguous, and the range starts at or after the prefix.
        let Some(rest) = key.strip_prefix(prefix) else {
            break;
        };
        let folded =
            delimiter.and_then(|d| rest.find(d).map(|at| &key[..prefix.len() + at + d.len()]));
        if let Some(common) = folded
            && (last_name == Some(common) || after == Some(common))
        {
            continue;
        }
        if count == max_keys {
            page.next = last_name.map(str::to_owned);
            break;
        }
        count += 1;
        match folded {
            Some(common) => {
                page.common_prefixes.push(common.to_owned());
                last_name = Some(common);
            }
            None => {
                page.contents.push((key.clone(), value.clone()));
                last_name = Some(key);
            }
        }
    }
    page
}

/// The parameters both versions share.
struct Params {
    prefix: String,
    delimiter: Option<String>,
    max_keys: usize,
    url_encoding: bool,
}

impl Params {
    fn parse(query: &Query) -> Result<Self, S3Error> {
        let max_keys = match query.get("max-keys") {
            None => 1000,
            Some(text) => text.parse::<usize>().map_err(|_| {
                S3Error::invalid_argument(
                    "Provided max-keys not an integer or within integer range",
                    "max-keys",
                    text,
                )
            })?,
        };
        let url_encoding = match query.get("encoding-type") {
            None => false,
            Some("url") => true,
            Some(other) => {
                return Err(S3Error::invalid_argument(
                    "Invalid Encoding Method specified in Request",
                    "encoding-type",
                    other,
                ));
            }
        };
        Ok(Self {
            prefix: query.get("prefix").unwrap_or("").to_owned(),
            // An empty delimiter means no delimiter.
            delimiter: query
                .get("delimiter")
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
            // S3 never returns more than 1000 entries, whatever the client asks for.
            max_keys: max_keys.min(1000),
            url_encoding,
        })
    }

    /// A name as the listing sends it: URL-encoded under `encoding-type=url`, which lets keys
    /// carry characters XML 1.0 cannot.
    fn name<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        // Everything but unreserved characters and '/', as S3 encodes listings.
        const NAME: &AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'~')
            .remove(b'/');
        if self.url_encoding {
            utf8_percent_encode(text, NAME).into()
        } else {
            text.into()
        }
    }

    fn page(
        &self,
        store: &Store,
        bucket: &str,
        after: Option<&str>,
    ) -> Result<Page<Arc<Object>>, S3Error> {
        store.with_bucket(bucket, |b| {
            page(
                &b.objects,
                &self.prefix,
                self.delimiter.as_deref(),
                after,
                self.max_keys,
            )
        })
    }

    /// The elements both versions send after their own header elements.
    fn write_entries(&self, xml: &mut XmlWriter, page: &Page<Arc<Object>>, owners: bool) {
        for (key, object) in &page.contents {
            xml.open("Contents")
                .element("Key", &self.name(key))
                .element("LastModified", &iso8601(object.last_modified))
                .element("ETag", &object.etag)
                .element("Size", &object.data.len().to_string());
            if owners {
                xml.open("Owner")
                    .element("ID", &object.owner)
                    .element("DisplayName", &object.owner)
                    .close("Owner");
            }
            xml.element("StorageClass", "STANDARD").close("Contents");
        }
        for common in &page.common_prefixes {
            xml.open("CommonPrefixes")
                .element("Prefix", &self.name(common))
                .close("CommonPrefixes");
        }
    }
}

/// `ListObjectsV2`: the position is an opaque continuation token, or `start-after` at first.
pub(crate) fn list_v2(store: &Store, bucket: &str, query: &Query) -> Result<String, S3Error> {
    let params = Params::parse(query)?;
    let token = query.get("continuation-token");
    let start_after = query.get("start-after");
    let after = match token {
        Some(token) => Some(decode_token(token)?),
        None => start_after.map(str::to_owned),
    };
    let page = params.page(store, bucket, after.as_deref())?;
    let fetch_owner = query.get("fetch-owner") == Some("true");

    let mut xml = XmlWriter::result("ListBucketResult");
    xml.element("Name", bucket)
        .element("Prefix", &params.name(&params.prefix))
        .optional(
            "Delimiter",
            params
                .delimiter
                .as_deref()
                .map(|d| params.name(d))
                .as_deref(),
        )
        .element("MaxKeys", &params.max_keys.to_string())
        .optional("EncodingType", params.url_encoding.then_some("url"))
        .element(
            "KeyCount",
            &(page.contents.len() + page.common_prefixes.len()).to_string(),
        )
        .element(
            "IsTruncated",
            if page.next.is_some() { "true" } else { "false" },
        )
        .optional("ContinuationToken", token)
        .optional(
            "NextContinuationToken",
            page.next.as_deref().map(encode_token).as_deref(),
        )
        .optional("StartAfter", start_after.map(|s| params.name(s)).as_deref());
    params.write_entries(&mut xml, &page, fetch_owner);
    xml.close("ListBucketResult");
    Ok(xml.finish())
}

/// `ListObjects` (v1): the position is a key, `marker`; `NextMarker` is sent only with a
/// delimiter (without one, the last key of the page is the next marker).
pub(crate) fn list_v1(store: &Store, bucket: &str, query: &Query) -> Result<String, S3Error> {
    let params = Params::parse(query)?;
    let marker = query.get("marker").unwrap_or("");
    let page = params.page(store, bucket, Some(marker).filter(|m| !m.is_empty()))?;
    let next_marker = page.next.as_deref().filter(|_| params.delimiter.is_some());

    let mut xml = XmlWriter::result("ListBucketResult");
    xml.element("Name", bucket)
        .element("Prefix", &params.name(&params.prefix))
        .element("Marker", &params.name(marker))
        .optional("NextMarker", next_marker.map(|m| params.name(m)).as_deref())
        .element("MaxKeys", &params.max_keys.to_string())
        .optional(
            "Delimiter",
            params
                .delimiter
                .as_deref()
                .map(|d| params.name(d))
                .as_deref(),
        )
        .optional("EncodingType", params.url_encoding.then_some("url"))
        .element(
            "IsTruncated",
            if page.next.is_some() { "true" } else { "false" },
        );
    params.write_entries(&mut xml, &page, true);
    xml.close("ListBucketResult");
    Ok(xml.finish())
}

/// Continuation tokens are opaque to clients; here, the last entry returned, base64-encoded.
fn encode_token(last: &str) -> String {
    URL_SAFE_NO_PAD.encode(last)
}

fn decode_token(token: &str) -> Result<String, S3Error> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            S3Error::invalid_argument(
                "The continuation token provided is incorrect",
                "continuation-token",
                token,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> BTreeMap<String, ()> {
        names.iter().map(|n| ((*n).to_owned(), ())).collect()
    }

    fn names(page: &Page<()>) -> (Vec<&str>, Vec<&str>, Option<&str>) {
        (
            page.contents.iter().map(|(k, ())| k.as_str()).collect(),
            page.common_prefixes.iter().map(String::as_str).collect(),
            page.next.as_deref(),
        )
    }

    #[test]
    fn prefix_and_delimiter_fold_keys() {
        let objects = keys(&["a", "dir/x", "dir/y", "dir/z/1", "dirt", "e"]);
        let page = page(&objects, "dir", Some("/"), None, 1000);
        assert_eq!(
            names(&page),
            (vec!["dirt"], vec!["dir/"], None),
            "listing: fold under prefix"
        );
        let page = super::page(&objects, "dir/", Some("/"), None, 1000);
        assert_eq!(
            names(&page),
            (vec!["dir/x", "dir/y"], vec!["dir/z/"], None),
            "listing: nested common prefix"
        );
    }

    #[test]
    fn pages_resume_after_keys_and_common_prefixes() {
        let objects = keys(&["a", "b/1", "b/2", "c", "d/1"]);
        let first = page(&objects, "", Some("/"), None, 2);
        assert_eq!(
            names(&first),
            (vec!["a"], vec!["b/"], Some("b/")),
            "listing: page 1"
        );
        let second = page(&objects, "", Some("/"), first.next.as_deref(), 2);
        assert_eq!(
            names(&second),
            (vec!["c"], vec!["d/"], None),
            "listing: page 2 skips b/"
        );
    }

    #[test]
    fn after_before_prefix_and_zero_max_keys() {
        let objects = keys(&["a", "p/1", "p/2", "q"]);
        let page = page(&objects, "p/", None, Some("a"), 1000);
        assert_eq!(
            names(&page),
            (vec!["p/1", "p/2"], vec![], None),
            "listing: start-after < prefix"
        );
        let page = super::page(&objects, "", None, None, 0);
        assert_eq!(
            names(&page),
            (vec![], vec![], None),
            "listing: max-keys=0 is empty, not truncated"
        );
    }

    #[test]
    fn url_encoding_of_names() {
        let query = Query::parse(Some("encoding-type=url")).expect("query parses");
        let params = Params::parse(&query).expect("params parse");
        assert_eq!(
            params.name("a b+c/\u{fc}~"),
            "a%20b%2Bc/%C3%BC~",
            "encoding-type=url"
        );
    }
}
