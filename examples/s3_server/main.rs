//! An in-memory S3 server behind `S3AuthLayer`, for the aws CLI, the SDKs, rclone or s3cmd.
//!
//! ```text
//! cargo run --example s3_server                       # 127.0.0.1:9000, a fresh key pair
//! cargo run --example s3_server -- --credentials keys.toml --domain s3.localhost
//! ```
//!
//! It implements the bucket and object basics (list, create, delete, put, get with ranges,
//! head, copy, batch delete, both listing versions) and keeps everything in memory. The
//! credentials file is TOML:
//!
//! ```toml
//! [[credential]]
//! access_key_id = "AKIAIOSFODNN7EXAMPLE"
//! secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
//! principal = "alice"                # optional, defaults to the access key id
//! session_token = "..."              # optional: a temporary credential
//! expires = "2030-01-01T00:00:00Z"   # optional, RFC 3339
//! enabled = true                     # optional, defaults to true
//! ```

mod app;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tower_s3_auth::Credential;
use tracing_subscriber::EnvFilter;

const USAGE: &str = "\
An in-memory S3 server that authenticates requests as Amazon S3 does.

Usage: s3_server [OPTIONS]

Options:
  --listen ADDR         address to listen on [default: 127.0.0.1:9000]
  --region REGION       region clients must sign for [default: us-east-1]
  --credentials FILE    TOML file of [[credential]] entries (access_key_id,
                        secret_access_key, and optional principal, session_token,
                        expires, enabled); without it a key pair is generated
  --domain DOMAIN       base domain for virtual-hosted-style requests
                        (Host: bucket.DOMAIN[:port]); may be repeated
  -h, --help            print this help

RUST_LOG sets the log filter [default: info,tower_s3_auth=debug].
";

/// The command line, parsed.
#[derive(Debug)]
struct Args {
    listen: SocketAddr,
    region: String,
    credentials: Option<PathBuf>,
    domains: Vec<String>,
}

/// Parses the arguments after the program name; `Ok(None)` asks for the help text.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 9000)),
        region: "us-east-1".to_owned(),
        credentials: None,
        domains: Vec::new(),
    };
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
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
            "--listen" => {
                let text = value()?;
                parsed.listen = text.parse().map_err(|e| format!("--listen {text}: {e}"))?;
            }
            "--region" => parsed.region = value()?,
            "--credentials" => parsed.credentials = Some(PathBuf::from(value()?)),
            "--domain" => parsed.domains.push(value()?),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    Ok(Some(parsed))
}

/// The credentials file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    #[serde(default)]
    credential: Vec<CredentialEntry>,
}

/// One `[[credential]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialEntry {
    access_key_id: String,
    secret_access_key: String,
    principal: Option<String>,
    session_token: Option<String>,
    expires: Option<String>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

impl CredentialEntry {
    fn into_credential(self) -> Result<Credential, String> {
        let mut credential =
            Credential::new(&self.access_key_id, self.secret_access_key).with_enabled(self.enabled);
        if let Some(principal) = self.principal {
            credential = credential.with_principal(principal);
        }
        if let Some(token) = self.session_token {
            credential = credential.with_session_token(token);
        }
        if let Some(expires) = self.expires {
            let at = OffsetDateTime::parse(&expires, &Rfc3339).map_err(|e| {
                format!(
                    "{}: expires {expires:?} is not an RFC 3339 time: {e}",
                    self.access_key_id
                )
            })?;
            credential = credential.with_expiry(SystemTime::from(at));
        }
        Ok(credential)
    }
}

fn load_credentials(path: &Path) -> Result<Vec<Credential>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_credentials(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse_credentials(text: &str) -> Result<Vec<Credential>, String> {
    let file: CredentialsFile = toml::from_str(text).map_err(|e| e.to_string())?;
    if file.credential.is_empty() {
        return Err("no [[credential]] entry".to_owned());
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = file
        .credential
        .iter()
        .find(|entry| !seen.insert(entry.access_key_id.as_str()))
    {
        return Err(format!(
            "access key id {} appears twice",
            twice.access_key_id
        ));
    }
    file.credential
        .into_iter()
        .map(CredentialEntry::into_credential)
        .collect()
}

/// A fresh key pair in AWS's shapes: `AKIA` and 16 uppercase letters or digits; a 40-character
/// secret from the base64 alphabet.
fn generate_key_pair() -> Result<(String, String), getrandom::Error> {
    const ID_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const SECRET_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    let mut id = String::from("AKIA");
    while id.len() < 20 {
        let mut byte = [0u8; 1];
        getrandom::fill(&mut byte)?;
        // 252 = 7 * 36: rejecting larger bytes keeps every character equally likely.
        if byte[0] < 252 {
            id.push(char::from(ID_CHARS[usize::from(byte[0]) % ID_CHARS.len()]));
        }
    }
    let mut bytes = [0u8; 40];
    getrandom::fill(&mut bytes)?;
    // 64 characters: the low six bits pick one without bias.
    let secret = bytes
        .iter()
        .map(|b| char::from(SECRET_CHARS[usize::from(b & 63)]))
        .collect();
    Ok((id, secret))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_s3_auth=debug"));
    tracing_subscriber::fmt().with_env_filter(filter).init();

    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let (credentials, generated) = match &args.credentials {
        Some(path) => (load_credentials(path)?, None),
        None => {
            let (id, secret) = generate_key_pair().map_err(|e| format!("no randomness: {e}"))?;
            (vec![Credential::new(&id, &*secret)], Some((id, secret)))
        }
    };

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let mut address = listener.local_addr().map_err(|e| e.to_string())?;
    if address.ip().is_unspecified() {
        address.set_ip(Ipv4Addr::LOCALHOST.into());
    }
    let endpoint = format!("http://{address}");

    println!("S3 server listening on {endpoint} (region {})", args.region);
    for domain in &args.domains {
        println!(
            "virtual-hosted-style buckets: http://BUCKET.{domain}:{}",
            address.port()
        );
    }
    match &generated {
        // Printing the secret is the point here: it exists only in this process.
        Some((id, secret)) => {
            println!("access key id:     {id}\nsecret access key: {secret}\n");
            println!(
                "AWS_ACCESS_KEY_ID={id} AWS_SECRET_ACCESS_KEY={secret} AWS_REGION={} \
                 aws --endpoint-url {endpoint} s3 ls",
                args.region
            );
        }
        None => {
            let ids: Vec<&str> = credentials.iter().map(Credential::access_key_id).collect();
            println!("access key ids: {}", ids.join(", "));
        }
    }
    let options = app::Options {
        region: args.region,
        domains: args.domains,
        credentials,
    };
    app::serve(listener, options)
        .await
        .map_err(|e| format!("server failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Option<Args>, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn command_line() {
        let parsed = args(&[
            "--listen=0.0.0.0:1",
            "--domain",
            "a.test",
            "--domain=b.test",
        ])
        .expect("valid arguments")
        .expect("not --help");
        assert_eq!(parsed.listen, "0.0.0.0:1".parse().unwrap(), "--listen=");
        assert_eq!(parsed.domains, ["a.test", "b.test"], "--domain repeated");
        assert!(args(&["--help"]).expect("--help").is_none(), "--help");
        assert!(args(&["--region"]).is_err(), "a flag without its value");
        assert!(args(&["--bogus"]).is_err(), "an unknown flag");
    }

    #[test]
    fn credentials_file() {
        let text = r#"
            [[credential]]
            access_key_id = "AKIAIOSFODNN7EXAMPLE"
            secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            principal = "alice"
            expires = "2030-01-01T00:00:00Z"

            [[credential]]
            access_key_id = "AKIAOLD"
            secret_access_key = "secret"
            enabled = false
        "#;
        let credentials = parse_credentials(text).expect("credentials file: valid");
        assert_eq!(
            credentials[0].principal(),
            "alice",
            "credentials file: principal"
        );
        assert_eq!(
            credentials[0].expires(),
            Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_893_456_000)),
            "credentials file: expires"
        );
        assert_eq!(
            credentials[1].principal(),
            "AKIAOLD",
            "credentials file: default principal"
        );
        assert!(
            !credentials[1].is_enabled(),
            "credentials file: enabled = false"
        );

        for (case, bad) in [
            ("empty", ""),
            (
                "bad expiry",
                "[[credential]]\naccess_key_id = \"A\"\nsecret_access_key = \"s\"\nexpires = \"soon\"",
            ),
            (
                "unknown field",
                "[[credential]]\naccess_key_id = \"A\"\nsecret_access_key = \"s\"\nsecret = \"x\"",
            ),
            (
                "duplicate",
                "[[credential]]\naccess_key_id = \"A\"\nsecret_access_key = \"s\"\n[[credential]]\naccess_key_id = \"A\"\nsecret_access_key = \"t\"",
            ),
        ] {
            assert!(
                parse_credentials(bad).is_err(),
                "credentials file: {case} is refused"
            );
        }
    }

    #[test]
    fn generated_keys_have_aws_shapes() {
        let (id, secret) = generate_key_pair().expect("randomness");
        assert!(
            id.starts_with("AKIA") && id.len() == 20,
            "access key id shape: {id}"
        );
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
            "access key id alphabet: {id}"
        );
        assert_eq!(secret.len(), 40, "secret length");
    }
}
