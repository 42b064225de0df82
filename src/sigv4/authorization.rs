//! Parsing the SigV4 `Authorization` header and its parts: credential scope, signed headers,
//! signature.

use std::fmt;

use super::Signature;
use crate::error::{Error, ErrorKind};

/// The longest `Authorization` value we parse; real ones are a few hundred bytes.
pub(crate) const MAX_AUTHORIZATION_LEN: usize = 8 * 1024;

/// `DATE/REGION/SERVICE/aws4_request`: the scope a signing key is valid for.
///
/// Parsed from the `Credential` component; the terminator is checked to be `aws4_request`
/// by the verifier, not by the parser, so that its error can name it.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialScope {
    text: String,
    region_end: usize,
    service_end: usize,
}

impl CredentialScope {
    /// A scope from its parts; `None` when a part is empty or holds a `/`.
    pub fn new(date: &str, region: &str, service: &str) -> Option<Self> {
        Self::parse(&format!("{date}/{region}/{service}/aws4_request"))
    }

    /// Parses `DATE/REGION/SERVICE/TERMINATOR`; every part non-empty.
    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('/');
        let (date, region, service, terminator) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || [date, region, service, terminator].contains(&"") {
            return None;
        }
        let region_end = date.len() + 1 + region.len();
        Some(Self {
            text: text.to_owned(),
            region_end,
            service_end: region_end + 1 + service.len(),
        })
    }

    /// The date, `YYYYMMDD` if well formed.
    pub fn date(&self) -> &str {
        &self.text[..self.text.find('/').unwrap_or(0)]
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.text[self.date().len() + 1..self.region_end]
    }

    /// The service.
    pub fn service(&self) -> &str {
        &self.text[self.region_end + 1..self.service_end]
    }

    /// The terminator, `aws4_request` if well formed.
    pub fn terminator(&self) -> &str {
        &self.text[self.service_end + 1..]
    }

    /// The whole scope as it appears in the string to sign.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Debug for CredentialScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CredentialScope").field(&self.text).finish()
    }
}

impl fmt::Display for CredentialScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The `SignedHeaders` list: lowercase names, `;`-separated, sorted, no duplicates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedHeaders(String);

impl SignedHeaders {
    /// Parses the list, which must already be lowercase, sorted and free of duplicates.
    pub fn parse(text: &str) -> Option<Self> {
        let mut previous: Option<&str> = None;
        for name in text.split(';') {
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase());
            if !valid || previous.is_some_and(|p| p >= name) {
                return None;
            }
            previous = Some(name);
        }
        Some(Self(text.to_owned()))
    }

    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.split(';')
    }

    /// Whether `name` (lowercase) is signed.
    pub fn contains(&self, name: &str) -> bool {
        self.names().any(|n| n == name)
    }

    /// The list as it appears in the canonical request.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A parsed `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
#[derive(Clone, Debug)]
pub struct Authorization {
    /// The access key id of the `Credential` component.
    pub access_key_id: String,
    /// The rest of the `Credential` component.
    pub scope: CredentialScope,
    /// The `SignedHeaders` component.
    pub signed_headers: SignedHeaders,
    /// The `Signature` component.
    pub signature: Signature,
}

fn malformed(detail: &str) -> Error {
    Error::with_message(
        ErrorKind::AuthorizationHeaderMalformed,
        format!("The authorization header is malformed; {detail}"),
    )
}

const THREE_COMPONENTS: &str =
    "the authorization header requires three components: Credential, SignedHeaders, and Signature.";

impl Authorization {
    /// Parses the header value after its algorithm, e.g.
    /// `Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=…`.
    ///
    /// The three components may come in any order, separated by `,` and optional spaces.
    ///
    /// # Errors
    ///
    /// `AuthorizationHeaderMalformed` for a missing, repeated, unknown or malformed component.
    pub fn parse_components(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_AUTHORIZATION_LEN {
            return Err(malformed("the header is too long."));
        }
        let (mut credential, mut signed_headers, mut signature) = (None, None, None);
        for component in text.split(',') {
            let component = component.trim_matches(' ');
            let Some((name, value)) = component.split_once('=') else {
                return Err(malformed(THREE_COMPONENTS));
            };
            let slot = match name {
                "Credential" => &mut credential,
                "SignedHeaders" => &mut signed_headers,
                "Signature" => &mut signature,
                _ => return Err(malformed(THREE_COMPONENTS)),
            };
            if slot.replace(value).is_some() {
                return Err(malformed(&format!("the component {name} is repeated.")));
            }
        }
        let (Some(credential), Some(signed_headers), Some(signature)) =
            (credential, signed_headers, signature)
        else {
            return Err(malformed(THREE_COMPONENTS));
        };

        let (access_key_id, scope) = parse_credential(credential).ok_or_else(|| {
            malformed(
                "the Credential is mal-formed; expecting \
                 \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".",
            )
        })?;
        let signed_headers = SignedHeaders::parse(signed_headers).ok_or_else(|| {
            malformed("the SignedHeaders must be lowercase names, sorted, separated by ';'.")
        })?;
        let signature = Signature::from_hex(signature)
            .ok_or_else(|| malformed("the Signature must be 64 lowercase hexadecimal digits."))?;
        Ok(Self {
            access_key_id,
            scope,
            signed_headers,
            signature,
        })
    }
}

/// Splits `AKID/DATE/REGION/SERVICE/TERMINATOR`.
pub(crate) fn parse_credential(text: &str) -> Option<(String, CredentialScope)> {
    let (access_key_id, scope) = text.split_once('/')?;
    if access_key_id.is_empty() {
        return None;
    }
    Some((access_key_id.to_owned(), CredentialScope::parse(scope)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";

    #[test]
    fn components_parse_in_any_order() {
        let text = format!(
            "SignedHeaders=host;x-amz-date,Signature={SIG},  Credential=AK/20130524/us-east-1/s3/aws4_request"
        );
        let auth = Authorization::parse_components(&text).unwrap();
        assert_eq!(auth.access_key_id, "AK");
        assert_eq!(auth.scope.date(), "20130524");
        assert_eq!(auth.scope.region(), "us-east-1");
        assert_eq!(auth.scope.service(), "s3");
        assert_eq!(auth.scope.terminator(), "aws4_request");
        assert_eq!(auth.signed_headers.as_str(), "host;x-amz-date");
    }

    #[test]
    fn scope_from_parts_reads_back() {
        let scope = CredentialScope::new("20150830", "eu-west-1", "s3").unwrap();
        assert_eq!(scope.as_str(), "20150830/eu-west-1/s3/aws4_request");
        assert_eq!((scope.region(), scope.service()), ("eu-west-1", "s3"));
        for (date, region, service) in [("", "r", "s"), ("d", "", "s"), ("d", "a/b", "s")] {
            assert!(
                CredentialScope::new(date, region, service).is_none(),
                "{region:?}"
            );
        }
    }

    #[test]
    fn signed_headers_must_be_sorted_lowercase_unique() {
        assert!(SignedHeaders::parse("host;x-amz-date").is_some());
        for bad in ["x-amz-date;host", "Host", "host;host", "", "host;", "a b"] {
            assert!(SignedHeaders::parse(bad).is_none(), "{bad}");
        }
    }
}
