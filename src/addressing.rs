//! Which bucket and key a request addresses: path style (`/bucket/key`) or virtual-hosted
//! style (`bucket.DOMAIN/key`, under a base domain the server was configured with).

use http::header::HOST;
use http::request::Parts;
use percent_encoding::percent_decode_str;

/// How the bucket was named in the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressingStyle {
    /// `/bucket/key`.
    Path,
    /// `bucket.DOMAIN/key`.
    VirtualHosted,
}

/// The bucket and key a request addresses, decoded.
///
/// Inserted into the request extensions of every request the layer lets through, and carried
/// by [`Identity`](crate::Identity), so that handlers need not parse the `Host` again.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Target {
    /// The bucket, if the request names one (`None` for the service root, `GET /`).
    pub bucket: Option<String>,
    /// The object key, if the request names one; percent-decoded.
    pub key: Option<String>,
    /// How the bucket was named.
    pub style: AddressingStyle,
}

impl S3Target {
    /// Resolves the target of `parts` given the server's base domains (lowercase).
    pub fn of(parts: &Parts, domains: &[String]) -> Self {
        let host = parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.host());
        Self::resolve(host, parts.uri.path(), domains)
    }

    /// Resolves the target of a request for `path` on `host`.
    ///
    /// The path is decoded before it is split, as the canonical URI decodes it before it is
    /// signed: `/bucket%2Fkey` and `/bucket/key` have one signature, so they name one object.
    pub fn resolve(host: Option<&str>, path: &str, domains: &[String]) -> Self {
        let path = decode(path);
        let path = path.strip_prefix('/').unwrap_or(&path);
        if let Some(bucket) = host.and_then(|h| bucket_from_host(h, domains)) {
            return Self {
                bucket: Some(bucket.to_owned()),
                key: non_empty(path),
                style: AddressingStyle::VirtualHosted,
            };
        }
        let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
        Self {
            bucket: non_empty(bucket),
            key: non_empty(key),
            style: AddressingStyle::Path,
        }
    }
}

/// The bucket named by a virtual-hosted `Host` (`bucket.DOMAIN[:port]`), if `host` is under
/// one of `domains`. A host that is itself one of them names no bucket, and the longest
/// domain it is under wins: with `example.com` and `s3.example.com`, `b.s3.example.com` is
/// bucket `b`.
pub(crate) fn bucket_from_host<'h>(host: &'h str, domains: &[String]) -> Option<&'h str> {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    if domains.iter().any(|d| d.eq_ignore_ascii_case(name)) {
        return None;
    }
    let under = |domain: &String| {
        let cut = name.len().checked_sub(domain.len() + 1)?;
        let (bucket, rest) = (name.get(..cut)?, name.get(cut..)?);
        let under = rest
            .strip_prefix('.')
            .is_some_and(|d| d.eq_ignore_ascii_case(domain));
        (under && !bucket.is_empty()).then_some((domain.len(), bucket))
    };
    domains
        .iter()
        .filter_map(under)
        .max()
        .map(|(_, bucket)| bucket)
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains() -> Vec<String> {
        vec!["s3.example.com".to_owned(), "localhost".to_owned()]
    }

    #[test]
    fn virtual_hosted_bucket_comes_from_the_host() {
        let t = S3Target::resolve(
            Some("photos.s3.example.com:9000"),
            "/a/b%20c.jpg",
            &domains(),
        );
        assert_eq!(t.bucket.as_deref(), Some("photos"));
        assert_eq!(t.key.as_deref(), Some("a/b c.jpg"));
        assert_eq!(t.style, AddressingStyle::VirtualHosted);
        let dotted = S3Target::resolve(Some("my.bucket.localhost"), "/", &domains());
        assert_eq!(dotted.bucket.as_deref(), Some("my.bucket"));
        assert_eq!(dotted.key, None);
    }

    #[test]
    fn other_hosts_are_path_style() {
        for host in [
            Some("s3.example.com"),
            Some("127.0.0.1:9000"),
            Some("evil-s3.example.com"),
            None,
        ] {
            let t = S3Target::resolve(host, "/bucket/key/with/slashes", &domains());
            assert_eq!(t.style, AddressingStyle::Path, "{host:?}");
            assert_eq!(t.bucket.as_deref(), Some("bucket"));
            assert_eq!(t.key.as_deref(), Some("key/with/slashes"));
        }
        let root = S3Target::resolve(Some("s3.example.com"), "/", &domains());
        assert_eq!((root.bucket, root.key), (None, None));
    }

    #[test]
    fn the_longest_base_domain_wins_and_a_domain_itself_names_no_bucket() {
        let nested = vec!["example.com".to_owned(), "s3.example.com".to_owned()];
        let t = S3Target::resolve(Some("b.s3.example.com"), "/k", &nested);
        assert_eq!(
            (t.bucket.as_deref(), t.style),
            (Some("b"), AddressingStyle::VirtualHosted)
        );
        let t = S3Target::resolve(Some("S3.Example.com:9000"), "/b/k", &nested);
        assert_eq!(
            (t.bucket.as_deref(), t.style),
            (Some("b"), AddressingStyle::Path)
        );
        let t = S3Target::resolve(Some("b.example.com"), "/k", &nested);
        assert_eq!(
            t.bucket.as_deref(),
            Some("b"),
            "the shorter one still serves"
        );
    }

    #[test]
    fn an_encoded_slash_splits_as_the_signature_reads_it() {
        // The canonical URI decodes the path before it is signed, so both name one object.
        for path in ["/bucket/a/b", "/bucket%2Fa%2Fb", "/bucket/a%2Fb"] {
            let t = S3Target::resolve(Some("127.0.0.1"), path, &domains());
            assert_eq!(t.bucket.as_deref(), Some("bucket"), "{path}");
            assert_eq!(t.key.as_deref(), Some("a/b"), "{path}");
        }
    }
}
