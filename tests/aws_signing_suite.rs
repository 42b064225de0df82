//! The SigV4 cases of the AWS signing test suite (`tests/vectors/aws-signing-test-suite/v4`),
//! each checked in both signature locations: the `Authorization` header and the presigned
//! query. Every stage (canonical request, string to sign, signature) is asserted on its own,
//! so a failure names the first step that drifted.
//!
//! Only the pure core (`tower_s3_auth::sigv4`) is exercised, not the layer: the suite signs
//! for a generic service, so most requests carry no `x-amz-content-sha256`, which S3 header
//! authentication requires, its query form signs the body's SHA-256 where an S3 presigned URL
//! signs `UNSIGNED-PAYLOAD`, and its `*-normalized` cases need a path setting S3 never uses.
//! S3's own presigned example goes through the layer in `tests/s3_examples.rs`, and URLs
//! presigned by `aws-sdk-s3` in `tests/presigned.rs`.
//! The core takes the suite's settings as they are: `normalize` maps to
//! [`PathNormalization`], the path is decoded and encoded once ([`UriEncoding::Single`]).

mod common;

use std::fs;
use std::path::PathBuf;

use percent_encoding::percent_decode_str;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tower_s3_auth::sigv4::{
    ALGORITHM, Authorization, CanonicalOptions, CanonicalRequest, CredentialScope, Signature,
    SignedHeaders, SigningKey, StringToSign,
};
use tower_s3_auth::{PathNormalization, UriEncoding};

use common::wire::WireRequest;

/// Cases whose session token was added to the request after signing. Their header form
/// carries an unsigned `X-Amz-Security-Token` header, which the canonical request ignores
/// (only signed headers enter it) and S3's rules refuse (every `x-amz-*` header is signed);
/// their query form carries an `X-Amz-Security-Token` parameter the expected canonical query
/// leaves out.
const TOKEN_ADDED_AFTER_SIGNING: &[&str] = &["post-sts-header-after"];

/// `context.json`: the signer's inputs.
#[derive(Debug, Deserialize)]
struct Context {
    credentials: Credentials,
    normalize: bool,
    region: String,
    service: String,
    sign_body: bool,
    /// RFC 3339, e.g. `2015-08-30T12:36:00Z`.
    timestamp: String,
}

#[derive(Debug, Deserialize)]
struct Credentials {
    secret_access_key: String,
}

/// One case folder and its settings.
struct Case {
    name: String,
    dir: PathBuf,
    context: Context,
}

/// Where the signature travels.
#[derive(Clone, Copy, Debug)]
enum Form {
    Header,
    Query,
}

impl Form {
    /// The prefix of the case's expected files.
    fn prefix(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Query => "query",
        }
    }
}

impl Case {
    fn load(name: &str) -> Self {
        let dir = suite_dir().join(name);
        let context = serde_json::from_str(&read(&dir.join("context.json")))
            .unwrap_or_else(|e| panic!("{name}: context.json: {e}"));
        Self {
            name: name.to_owned(),
            dir,
            context,
        }
    }

    /// The expected file `<form>-<stage>.txt`.
    fn expected(&self, form: Form, stage: &str) -> String {
        read(&self.dir.join(format!("{}-{stage}.txt", form.prefix())))
    }

    /// The signed request of `form`: what a verifier receives.
    fn signed_request(&self, form: Form) -> WireRequest {
        let origin = format!("{}/{}-signed-request.txt", self.name, form.prefix());
        WireRequest::parse(&self.expected(form, "signed-request"), &origin)
    }

    /// `20150830T123600Z` from `2015-08-30T12:36:00Z`.
    fn amz_date(&self) -> String {
        self.context.timestamp.replace(['-', ':'], "")
    }

    fn scope(&self) -> CredentialScope {
        CredentialScope::new(
            &self.amz_date()[..8],
            &self.context.region,
            &self.context.service,
        )
        .unwrap()
    }

    fn options(&self, skip_query_param: Option<&'static str>) -> CanonicalOptions<'static> {
        let normalization = if self.context.normalize {
            PathNormalization::On
        } else {
            PathNormalization::Off
        };
        CanonicalOptions {
            uri_encoding: UriEncoding::Single,
            normalization,
            skip_query_param,
        }
    }

    /// Recomputes the three stages from `request`, asserts each against the expected files
    /// of `form`, and returns the recomputed signature.
    fn assert_stages(
        &self,
        form: Form,
        request: &http::Request<()>,
        signed_headers: &SignedHeaders,
        payload_hash: &str,
        skip_query_param: Option<&'static str>,
    ) -> Signature {
        let (case, form_name) = (&self.name, form.prefix());
        let (parts, ()) = request.clone().into_parts();
        let options = self.options(skip_query_param);

        let canonical = CanonicalRequest::from_parts(&parts, signed_headers, payload_hash, options);
        assert_eq!(
            canonical.to_string(),
            self.expected(form, "canonical-request"),
            "{case}: {form_name} form: canonical request"
        );

        let amz_date = self.amz_date();
        let scope = self.scope();
        let sts = StringToSign::new(ALGORITHM, &amz_date, scope.as_str(), canonical.hash());
        assert_eq!(
            sts.to_string(),
            self.expected(form, "string-to-sign"),
            "{case}: {form_name} form: string to sign"
        );

        let key = SigningKey::derive(&self.context.credentials.secret_access_key, &scope);
        let signature = sts.sign(&key);
        assert_eq!(
            signature.to_hex(),
            self.expected(form, "signature"),
            "{case}: {form_name} form: signature"
        );
        signature
    }
}

fn suite_dir() -> PathBuf {
    common::vectors_dir().join("aws-signing-test-suite/v4")
}

fn read(path: &std::path::Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The first value of query parameter `name`, decoded.
fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode_str(value).decode_utf8_lossy().into_owned())
}

/// The `Authorization` form: signed headers from the header itself, payload hash of the
/// body (which `sign_body` cases also carry as `x-amz-content-sha256`).
fn check_header_form(case: &Case) {
    let name = &case.name;
    let wire = case.signed_request(Form::Header);
    let authorization = wire
        .header("authorization")
        .unwrap_or_else(|| panic!("{name}: header form: no Authorization"));
    let components = authorization
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .unwrap_or_else(|| panic!("{name}: header form: not a SigV4 Authorization"));
    let authorization = Authorization::parse_components(components)
        .unwrap_or_else(|e| panic!("{name}: header form: Authorization: {e}"));

    let payload_hash = sha256_hex(&wire.body);
    if case.context.sign_body {
        assert_eq!(
            wire.header("x-amz-content-sha256"),
            Some(payload_hash.as_str()),
            "{name}: header form: x-amz-content-sha256 is the body's hash"
        );
    }

    let request = wire.to_http_untrimmed(());
    let recomputed = case.assert_stages(
        Form::Header,
        &request,
        &authorization.signed_headers,
        &payload_hash,
        None,
    );
    assert_eq!(
        authorization.signature.to_hex(),
        recomputed.to_hex(),
        "{name}: header form: the Signature of the signed request's Authorization header"
    );
    assert_eq!(
        authorization.scope.as_str(),
        case.scope().as_str(),
        "{name}: header form: the Credential scope of the Authorization header"
    );
}

/// The presigned form: the query minus `X-Amz-Signature`, signed headers from
/// `X-Amz-SignedHeaders`, payload hash of the body as the expected files sign it.
fn check_query_form(case: &Case) {
    let name = &case.name;
    let mut wire = case.signed_request(Form::Query);
    let query = wire
        .target
        .split_once('?')
        .map_or("", |(_, q)| q)
        .to_owned();
    let signed_headers = query_param(&query, "X-Amz-SignedHeaders")
        .and_then(|list| SignedHeaders::parse(&list))
        .unwrap_or_else(|| panic!("{name}: query form: no valid X-Amz-SignedHeaders"));
    let payload_hash = sha256_hex(&wire.body);

    if TOKEN_ADDED_AFTER_SIGNING.contains(&name.as_str()) {
        // S3 signs the token with the rest of the query, so as sent this request fails to
        // verify; the signing steps are checked on the query the signer actually signed.
        let sent = wire.to_http_untrimmed(());
        let (sent, ()) = sent.into_parts();
        let options = case.options(Some("X-Amz-Signature"));
        let canonical =
            CanonicalRequest::from_parts(&sent, &signed_headers, &payload_hash, options);
        assert_ne!(
            canonical.to_string(),
            case.expected(Form::Query, "canonical-request"),
            "{name}: query form: a token added after signing is part of the canonical query"
        );
        let path = wire.target.split_once('?').map_or("", |(p, _)| p);
        let signed_query: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.starts_with("X-Amz-Security-Token="))
            .collect();
        wire.target = format!("{path}?{}", signed_query.join("&"));
    }

    let request = wire.to_http_untrimmed(());
    let recomputed = case.assert_stages(
        Form::Query,
        &request,
        &signed_headers,
        &payload_hash,
        Some("X-Amz-Signature"),
    );
    assert_eq!(
        query_param(&query, "X-Amz-Signature"),
        Some(recomputed.to_hex()),
        "{name}: query form: X-Amz-Signature of the signed request"
    );
}

fn run(name: &str) {
    let case = Case::load(name);
    check_header_form(&case);
    check_query_form(&case);
}

/// One `#[test]` per case folder; the folder is the test's name with `_` as `-`.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        const CASES: &[&str] = &[$(stringify!($case)),*];

        $(
            #[test]
            fn $case() {
                run(&stringify!($case).replace('_', "-"));
            }
        )*
    };
}

suite![
    get_header_key_duplicate,
    get_header_value_multiline,
    get_header_value_order,
    get_header_value_trim,
    get_relative_normalized,
    get_relative_relative_normalized,
    get_relative_relative_unnormalized,
    get_relative_unnormalized,
    get_slash_dot_slash_normalized,
    get_slash_dot_slash_unnormalized,
    get_slash_normalized,
    get_slash_pointless_dot_normalized,
    get_slash_pointless_dot_unnormalized,
    get_slash_unnormalized,
    get_slashes_normalized,
    get_slashes_unnormalized,
    get_space_normalized,
    get_space_unnormalized,
    get_unreserved,
    get_utf8,
    get_vanilla,
    get_vanilla_empty_query_key,
    get_vanilla_query,
    get_vanilla_query_order_encoded,
    get_vanilla_query_order_key_case,
    get_vanilla_query_unreserved,
    get_vanilla_utf8_query,
    get_vanilla_with_session_token,
    post_header_key_case,
    post_header_key_sort,
    post_header_value_case,
    post_sts_header_after,
    post_sts_header_before,
    post_vanilla,
    post_vanilla_empty_query_value,
    post_vanilla_query,
    post_x_www_form_urlencoded,
    post_x_www_form_urlencoded_parameters,
];

/// The list above covers every case folder, so a case added to the vectors is not skipped.
#[test]
fn every_case_folder_has_a_test() {
    let mut folders: Vec<String> = fs::read_dir(suite_dir())
        .expect("the v4 suite directory is readable")
        .map(|entry| entry.expect("a readable directory entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut listed: Vec<String> = CASES.iter().map(|c| c.replace('_', "-")).collect();
    listed.sort();
    assert_eq!(listed, folders, "the suite! list and the v4 case folders");
    assert_eq!(folders.len(), 38, "the v4 suite has 38 cases");
}
