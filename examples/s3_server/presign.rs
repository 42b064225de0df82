//! The `presign` subcommand: a presigned URL for one object of the server, made with the
//! crate's [`Presigner`] (SigV4 by default, Signature Version 2 with `--v2`).
//!
//! ```text
//! cargo run --example s3_server -- presign --credentials keys.toml photos cat.jpg
//! curl -T cat.jpg "$(cargo run -q --example s3_server -- presign --method PUT \
//!     --access-key-id AKIA... --secret-access-key ... photos cat.jpg)"
//! ```

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use http::Method;
use tower_s3_auth::presign::{PresignRequest, PresignedUrl, Presigner};
use tower_s3_auth::{Credential, SecretKey};

use super::credentials::load_credentials;

pub(crate) const USAGE: &str = "\
Prints a presigned URL for one object of the server.

Usage: s3_server presign [OPTIONS] BUCKET KEY

Options:
  --method METHOD           the method the URL is for [default: GET]
  --expires SECS            its lifetime, 1 to 604800 seconds [default: 3600]
  --v2                      Signature Version 2 instead of SigV4
  --endpoint URL            the server [default: http://127.0.0.1:9000]
  --region REGION           the region to sign for [default: us-east-1]
  --credentials FILE        a credentials file of the server; its first entry
                            signs, or the one --access-key-id names
  --access-key-id ID        the access key to sign with
  --secret-access-key KEY   its secret (when there is no --credentials)
  -h, --help                print this help
";

/// Which presigned URL to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureVersion {
    V4,
    V2,
}

/// Where the signing key comes from.
#[derive(Debug)]
pub(crate) enum Signer {
    /// An entry of a credentials file: the one with this access key id, or the first.
    File {
        path: PathBuf,
        access_key_id: Option<String>,
    },
    /// A key pair given on the command line.
    Pair {
        access_key_id: String,
        secret: SecretKey,
    },
}

/// The `presign` command line, parsed.
#[derive(Debug)]
pub(crate) struct PresignArgs {
    pub(crate) method: Method,
    pub(crate) expires: Duration,
    pub(crate) version: SignatureVersion,
    pub(crate) endpoint: String,
    pub(crate) region: String,
    pub(crate) signer: Signer,
    pub(crate) bucket: String,
    pub(crate) key: String,
}

/// Parses the arguments after `presign`; `Ok(None)` asks for the help text.
pub(crate) fn parse_args(
    mut args: impl Iterator<Item = String>,
) -> Result<Option<PresignArgs>, String> {
    let mut method = Method::GET;
    let mut expires = Duration::from_secs(3600);
    let mut version = SignatureVersion::V4;
    let mut endpoint = "http://127.0.0.1:9000".to_owned();
    let mut region = "us-east-1".to_owned();
    let (mut file, mut access_key_id, mut secret) = (None, None, None);
    let mut positional = Vec::new();

    while let Some(arg) = args.next() {
        if arg == "--" {
            positional.extend(args.by_ref());
            break;
        }
        if !arg.starts_with("--") && arg != "-h" {
            positional.push(arg);
            continue;
        }
        // Both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--v2" => version = SignatureVersion::V2,
            "--method" => {
                let text = value()?;
                method = Method::from_bytes(text.to_ascii_uppercase().as_bytes())
                    .map_err(|_| format!("--method {text}: not an HTTP method"))?;
            }
            "--expires" => {
                let text = value()?;
                let seconds = text
                    .parse()
                    .map_err(|_| format!("--expires {text}: not a number of seconds"))?;
                expires = Duration::from_secs(seconds);
            }
            "--endpoint" => endpoint = value()?,
            "--region" => region = value()?,
            "--credentials" => file = Some(PathBuf::from(value()?)),
            "--access-key-id" => access_key_id = Some(value()?),
            "--secret-access-key" => secret = Some(SecretKey::new(value()?)),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }

    let signer = match (file, access_key_id, secret) {
        (Some(path), access_key_id, None) => Signer::File {
            path,
            access_key_id,
        },
        (None, Some(access_key_id), Some(secret)) => Signer::Pair {
            access_key_id,
            secret,
        },
        (Some(_), _, Some(_)) => {
            return Err("--secret-access-key and --credentials exclude each other".to_owned());
        }
        _ => {
            return Err(
                "a key is needed: --credentials FILE, or --access-key-id and --secret-access-key"
                    .to_owned(),
            );
        }
    };
    let [bucket, key] = <[String; 2]>::try_from(positional)
        .map_err(|given| format!("BUCKET and KEY are needed, got {given:?}"))?;
    if bucket.is_empty() {
        return Err("the bucket name is empty".to_owned());
    }
    Ok(Some(PresignArgs {
        method,
        expires,
        version,
        endpoint,
        region,
        signer,
        bucket,
        key,
    }))
}

impl Signer {
    fn credential(&self) -> Result<Credential, String> {
        match self {
            Self::Pair {
                access_key_id,
                secret,
            } => Ok(Credential::new(access_key_id, secret.expose())),
            Self::File {
                path,
                access_key_id,
            } => {
                let mut credentials = load_credentials(path)?.into_iter();
                let found = match access_key_id {
                    Some(id) => credentials.find(|c| c.access_key_id() == id),
                    None => credentials.next(),
                };
                found.ok_or_else(|| {
                    let id = access_key_id.as_deref().unwrap_or("");
                    format!("{}: no credential {id}", path.display())
                })
            }
        }
    }
}

/// The presigned URL the arguments describe, signed at `now`; the subcommand prints its `url`.
pub(crate) fn presign(args: &PresignArgs, now: SystemTime) -> Result<PresignedUrl, String> {
    let credential = args.signer.credential()?;
    let presigner = Presigner::new(&args.endpoint, args.region.clone())
        .map_err(|e| format!("--endpoint {}: {}", args.endpoint, e.message()))?;
    let request =
        PresignRequest::new(args.method.clone(), &args.bucket, &args.key).expires_in(args.expires);
    let presigned = match args.version {
        SignatureVersion::V4 => presigner.presign_v4(&credential, &request, now),
        SignatureVersion::V2 => presigner.presign_v2(&credential, &request, now),
    };
    presigned.map_err(|e| e.message().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Option<PresignArgs>, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    fn parsed(list: &[&str]) -> PresignArgs {
        args(list)
            .unwrap_or_else(|e| panic!("presign {list:?}: {e}"))
            .unwrap_or_else(|| panic!("presign {list:?}: not --help"))
    }

    #[test]
    fn defaults_with_a_key_pair() {
        let args = parsed(&[
            "--access-key-id",
            "AKID",
            "--secret-access-key=wJalrSECRET",
            "b",
            "k",
        ]);
        assert_eq!(args.method, Method::GET, "presign: GET by default");
        assert_eq!(
            args.expires,
            Duration::from_secs(3600),
            "presign: an hour by default"
        );
        assert_eq!(
            args.version,
            SignatureVersion::V4,
            "presign: SigV4 by default"
        );
        assert_eq!(args.endpoint, "http://127.0.0.1:9000", "presign: endpoint");
        assert_eq!(args.region, "us-east-1", "presign: region");
        assert_eq!(
            (args.bucket.as_str(), args.key.as_str()),
            ("b", "k"),
            "presign: positional BUCKET KEY"
        );
        assert!(
            matches!(&args.signer, Signer::Pair { access_key_id, .. } if access_key_id == "AKID"),
            "presign: --access-key-id with --secret-access-key= is a key pair"
        );
        assert!(
            !format!("{args:?}").contains("wJalrSECRET"),
            "presign: the secret is not in Debug output"
        );
    }

    #[test]
    fn every_option() {
        let args = parsed(&[
            "--method=put",
            "--expires",
            "60",
            "--v2",
            "--endpoint",
            "http://localhost:9001",
            "--region=eu-west-1",
            "--credentials",
            "keys.toml",
            "--access-key-id",
            "AKID",
            "--",
            "b",
            "--odd-key",
        ]);
        assert_eq!(args.method, Method::PUT, "presign: --method is uppercased");
        assert_eq!(args.expires, Duration::from_secs(60), "presign: --expires");
        assert_eq!(args.version, SignatureVersion::V2, "presign: --v2");
        assert_eq!(
            args.endpoint, "http://localhost:9001",
            "presign: --endpoint"
        );
        assert_eq!(args.region, "eu-west-1", "presign: --region=");
        assert!(
            matches!(
                &args.signer,
                Signer::File { path, access_key_id: Some(id) } if path == &PathBuf::from("keys.toml") && id == "AKID"
            ),
            "presign: --credentials with --access-key-id selects an entry"
        );
        assert_eq!(args.key, "--odd-key", "presign: `--` ends the options");
    }

    #[test]
    fn refusals() {
        assert!(
            args(&["--help"]).expect("--help").is_none(),
            "presign --help"
        );
        let pair = ["--access-key-id", "A", "--secret-access-key", "s"];
        for (case, list) in [
            ("no key", vec!["b", "k"]),
            (
                "an id without its secret",
                vec!["--access-key-id", "A", "b", "k"],
            ),
            (
                "a file and a secret",
                vec!["--credentials", "f", "--secret-access-key", "s", "b", "k"],
            ),
            ("no key name", [&pair[..], &["b"]].concat()),
            ("three names", [&pair[..], &["b", "k", "x"]].concat()),
            ("empty bucket", [&pair[..], &["", "k"]].concat()),
            (
                "bad method",
                [&pair[..], &["--method", "G T", "b", "k"]].concat(),
            ),
            (
                "bad expires",
                [&pair[..], &["--expires", "soon", "b", "k"]].concat(),
            ),
            (
                "missing value",
                [&pair[..], &["b", "k", "--region"]].concat(),
            ),
            ("unknown flag", [&pair[..], &["--bogus", "b", "k"]].concat()),
        ] {
            assert!(args(&list).is_err(), "presign: {case} is refused");
        }
    }

    #[test]
    fn help_names_every_option() {
        for flag in [
            "--method",
            "--expires",
            "--v2",
            "--endpoint",
            "--region",
            "--credentials",
            "--access-key-id",
            "--secret-access-key",
            "--help",
        ] {
            assert!(USAGE.contains(flag), "presign --help names {flag}");
        }
    }

    #[test]
    fn presign_refuses_a_lifetime_past_seven_days() {
        let args = parsed(&[
            "--expires=604801",
            "--access-key-id=A",
            "--secret-access-key=s",
            "b",
            "k",
        ]);
        let at = std::time::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let error = presign(&args, at).expect_err("presign: 7 days and a second");
        assert!(
            error.contains("7 days"),
            "presign: the lifetime error: {error}"
        );
    }
}
