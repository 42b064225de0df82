//! The example's `presign` subcommand: the URLs it prints, fetched with a plain HTTP client,
//! upload and download through the server (SigV4 and SigV2, a key pair and a credentials
//! file). The tests call the subcommand's own functions: `parse_args`, then `presign`.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::Full;
use tower_s3_auth::{Clock as _, SystemClock};

use super::presign::{self, PresignArgs};
use super::{ACCESS_KEY_ID, SECRET, TempFile, sdk, send, start_server, test_data};

/// What `s3_server presign ARGS...` parses to.
fn parse(args: &[&str]) -> PresignArgs {
    presign::parse_args(args.iter().map(|a| (*a).to_owned()))
        .unwrap_or_else(|e| panic!("presign {args:?}: {e}"))
        .unwrap_or_else(|| panic!("presign {args:?}: not --help"))
}

/// The URL `s3_server presign ARGS...` prints, signed now.
pub(crate) fn presigned_url(args: &[&str]) -> String {
    let presigned = presign::presign(&parse(args), SystemClock.now())
        .unwrap_or_else(|e| panic!("presign {args:?}: {e}"));
    assert!(
        presigned.headers.is_empty(),
        "presign {args:?}: nothing to send but the URL"
    );
    presigned.url
}

async fn put_and_get(addr: SocketAddr, key_args: &[&str], extra: &[&str], key: &str) {
    let endpoint = format!("http://{addr}");
    let common = [&["--endpoint", endpoint.as_str()], key_args, extra].concat();
    let data = Bytes::from(test_data(200_000, key.len() as u64));

    let upload = presigned_url(&[&common[..], &["--method", "PUT", "shared", key]].concat());
    let request = Request::put(upload.as_str()).body(Full::new(data.clone()));
    let stored = send(request.expect("presigned PUT request")).await;
    assert_eq!(
        stored.status,
        StatusCode::OK,
        "presign {extra:?} PUT {key}: {}",
        stored.body
    );

    let download = presigned_url(&[&common[..], &["shared", key]].concat());
    let request = Request::get(download.as_str()).body(Full::new(Bytes::new()));
    let fetched = send(request.expect("presigned GET request")).await;
    assert_eq!(
        fetched.status,
        StatusCode::OK,
        "presign {extra:?} GET {key}"
    );
    assert!(
        fetched.bytes == data,
        "presign {extra:?}: GET returns the bytes PUT stored ({} of {} bytes)",
        fetched.bytes.len(),
        data.len()
    );
}

#[tokio::test]
async fn presign_subcommand_urls_upload_and_download() {
    let addr = start_server().await;
    sdk(addr, SECRET)
        .create_bucket()
        .bucket("shared")
        .send()
        .await
        .expect("CreateBucket");
    let pair = [
        "--access-key-id",
        ACCESS_KEY_ID,
        "--secret-access-key",
        SECRET,
    ];
    put_and_get(addr, &pair, &[], "v4/report one.bin").await;
    put_and_get(
        addr,
        &pair,
        &["--v2", "--expires", "60"],
        "v2/report+two.bin",
    )
    .await;

    let file = TempFile::with(
        "presign-keys.toml",
        format!(
            "[[credential]]\naccess_key_id = \"AKIAOTHER\"\nsecret_access_key = \"other\"\n\n\
             [[credential]]\naccess_key_id = \"{ACCESS_KEY_ID}\"\nsecret_access_key = \"{SECRET}\"\n"
        )
        .as_bytes(),
    )
    .await;
    let path = file.0.to_str().expect("a UTF-8 temporary path");
    let from_file = ["--credentials", path, "--access-key-id", ACCESS_KEY_ID];
    put_and_get(addr, &from_file, &[], "file/v4.bin").await;
}

#[tokio::test]
async fn presign_subcommand_urls_are_refused_once_wrong() {
    let addr = start_server().await;
    let endpoint = format!("http://{addr}");
    let base = [
        "--endpoint",
        endpoint.as_str(),
        "--access-key-id",
        ACCESS_KEY_ID,
    ];

    let wrong_secret =
        presigned_url(&[&base[..], &["--secret-access-key", "not-it", "b", "k"]].concat());
    let request = Request::get(wrong_secret.as_str()).body(Full::new(Bytes::new()));
    let refused = send(request.expect("request")).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "presign with a wrong secret: 403"
    );
    assert!(
        refused.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "presign with a wrong secret: {}",
        refused.body
    );

    let for_get = presigned_url(&[&base[..], &["--secret-access-key", SECRET, "b", "k"]].concat());
    let request = Request::put(for_get.as_str()).body(Full::new(Bytes::from_static(b"x")));
    let refused = send(request.expect("request")).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "a URL presigned for GET does not allow a PUT: {}",
        refused.body
    );
}
