//! An in-memory S3 server behind `S3AuthLayer`, for the aws CLI, the SDKs, rclone or s3cmd.
//!
//! ```text
//! cargo run --example s3_server                       # 127.0.0.1:9000, a fresh key pair
//! cargo run --example s3_server -- --credentials keys.toml --domain s3.localhost
//! cargo run --example s3_server -- presign --credentials keys.toml photos cat.jpg
//! ```
//!
//! It implements the bucket and object basics (list, create, delete, put, get with ranges,
//! head, copy, batch delete, both listing versions), multipart uploads and the additional
//! checksums, and keeps everything in memory. The credentials file is described in
//! `credentials.rs`; the `presign` subcommand in `presign.rs`.

mod app;
mod credentials;
mod presign;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use tower_s3_auth::{Clock as _, Credential, SystemClock};
use tracing_subscriber::EnvFilter;

use credentials::load_credentials;

const USAGE: &str = "\
An in-memory S3 server that authenticates requests as Amazon S3 does.

Usage: s3_server [OPTIONS]
       s3_server presign [OPTIONS] BUCKET KEY   (see s3_server presign --help)

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
    let mut args = std::env::args().skip(1).peekable();
    if args.next_if(|first| first == "presign").is_some() {
        return print_presigned(args);
    }
    let args = match parse_args(args) {
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

/// `s3_server presign ...`: prints the URL alone, so that a shell can pass it on.
fn print_presigned(args: impl Iterator<Item = String>) -> ExitCode {
    let args = match presign::parse_args(args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{}", presign::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{}", presign::USAGE);
            return ExitCode::from(2);
        }
    };
    match presign::presign(&args, SystemClock.now()) {
        Ok(presigned) => {
            println!("{}", presigned.url);
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The access keys the server accepts, as the startup banner shows them.
#[derive(Debug)]
enum Keys<'a> {
    /// A pair generated for this run: the banner prints the secret, since it exists only in
    /// this process and the caller needs it.
    Generated { id: &'a str, secret: &'a str },
    /// The ids from a credentials file; its secrets are the caller's already.
    Loaded(Vec<&'a str>),
}

/// The text printed at startup: where the server listens, for which region, with which keys,
/// and for a generated pair a command to paste into a shell.
fn banner(address: SocketAddr, region: &str, domains: &[String], keys: &Keys<'_>) -> String {
    let endpoint = format!("http://{address}");
    let mut text = format!("S3 server listening on {endpoint} (region {region})\n");
    for domain in domains {
        let port = address.port();
        text.push_str(&format!(
            "virtual-hosted-style buckets: http://BUCKET.{domain}:{port}\n"
        ));
    }
    match keys {
        Keys::Generated { id, secret } => {
            // The generated secret uses only the base64 alphabet, so it needs no shell quoting.
            text.push_str(&format!(
                "access key id:     {id}\nsecret access key: {secret}\n\n\
                 AWS_ACCESS_KEY_ID={id} AWS_SECRET_ACCESS_KEY={secret} AWS_REGION={region} \
                 aws --endpoint-url {endpoint} s3 ls\n"
            ));
        }
        Keys::Loaded(ids) => text.push_str(&format!("access key ids: {}\n", ids.join(", "))),
    }
    text
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
    let keys = match &generated {
        Some((id, secret)) => Keys::Generated { id, secret },
        None => Keys::Loaded(credentials.iter().map(Credential::access_key_id).collect()),
    };
    print!("{}", banner(address, &args.region, &args.domains, &keys));

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

    #[test]
    fn banner_of_a_generated_key_pair_ends_with_a_command_to_paste() {
        let address = "127.0.0.1:9000".parse().expect("address");
        let keys = Keys::Generated {
            id: "AKIAZZZZZZZZZZZZZZZZ",
            secret: "abc/DEF+0123456789abcdefghijklmnopqrstuv",
        };
        let text = banner(address, "eu-west-1", &["s3.localhost".to_owned()], &keys);
        assert_eq!(
            text,
            "S3 server listening on http://127.0.0.1:9000 (region eu-west-1)\n\
             virtual-hosted-style buckets: http://BUCKET.s3.localhost:9000\n\
             access key id:     AKIAZZZZZZZZZZZZZZZZ\n\
             secret access key: abc/DEF+0123456789abcdefghijklmnopqrstuv\n\
             \n\
             AWS_ACCESS_KEY_ID=AKIAZZZZZZZZZZZZZZZZ \
             AWS_SECRET_ACCESS_KEY=abc/DEF+0123456789abcdefghijklmnopqrstuv \
             AWS_REGION=eu-west-1 aws --endpoint-url http://127.0.0.1:9000 s3 ls\n",
            "startup banner: address, region, domain, the key pair, then the command on a \
             line of its own"
        );
    }

    #[test]
    fn banner_of_a_generated_key_pair_needs_no_shell_quoting() {
        let (id, secret) = generate_key_pair().expect("randomness");
        let address = "127.0.0.1:9000".parse().expect("address");
        let text = banner(
            address,
            "us-east-1",
            &[],
            &Keys::Generated {
                id: &id,
                secret: &secret,
            },
        );
        let command = text.lines().last().expect("a last line");
        assert!(
            command
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b" =/+-.:_".contains(&b)),
            "startup banner: the command holds nothing a shell would interpret: {command}"
        );
        assert!(
            command.starts_with(&format!(
                "AWS_ACCESS_KEY_ID={id} AWS_SECRET_ACCESS_KEY={secret} "
            )),
            "startup banner: the command carries the generated pair: {command}"
        );
    }

    #[test]
    fn banner_of_a_credentials_file_names_only_the_ids() {
        let address = "[::1]:9443".parse().expect("address");
        let keys = Keys::Loaded(vec!["AKIAONE", "AKIATWO"]);
        assert_eq!(
            banner(address, "us-east-1", &[], &keys),
            "S3 server listening on http://[::1]:9443 (region us-east-1)\n\
             access key ids: AKIAONE, AKIATWO\n",
            "startup banner with a credentials file: no secret, no command"
        );
    }
}
