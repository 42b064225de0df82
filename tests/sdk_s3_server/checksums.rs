//! Additional checksums with the SDK's default settings: it sends a CRC32 of every upload, as a
//! header for an in-memory body and as a signed `aws-chunked` trailer for a streaming one, and
//! validates what `GetObject` returns. The server keeps the verified value and returns it with
//! checksum mode, as S3 does.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, ChecksumType};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crc_fast::CrcAlgorithm;
use http::Method;
use sha2::Digest as _;

use super::{
    SECRET, TempFile, code, get_bytes, sdk, sdk_config, start_recording_server, test_data,
};

/// The algorithms the SDK can compute, with the header that carries each and the accessor
/// of its value in `GetObjectOutput`.
type Accessor = fn(&GetObjectOutput) -> Option<&str>;
const ALGORITHMS: [(ChecksumAlgorithm, &str, Accessor); 5] = [
    (
        ChecksumAlgorithm::Crc32,
        "x-amz-checksum-crc32",
        GetObjectOutput::checksum_crc32,
    ),
    (
        ChecksumAlgorithm::Crc32C,
        "x-amz-checksum-crc32c",
        GetObjectOutput::checksum_crc32_c,
    ),
    (
        ChecksumAlgorithm::Crc64Nvme,
        "x-amz-checksum-crc64nvme",
        GetObjectOutput::checksum_crc64_nvme,
    ),
    (
        ChecksumAlgorithm::Sha1,
        "x-amz-checksum-sha1",
        GetObjectOutput::checksum_sha1,
    ),
    (
        ChecksumAlgorithm::Sha256,
        "x-amz-checksum-sha256",
        GetObjectOutput::checksum_sha256,
    ),
];

/// The checksum computed here, independently of the SDK and the server: base64 of the
/// big-endian digest.
fn expected(algorithm: &ChecksumAlgorithm, data: &[u8]) -> String {
    let crc32 = |crc| {
        (crc_fast::checksum(crc, data) as u32)
            .to_be_bytes()
            .to_vec()
    };
    let digest = match algorithm {
        ChecksumAlgorithm::Crc32 => crc32(CrcAlgorithm::Crc32IsoHdlc),
        ChecksumAlgorithm::Crc32C => crc32(CrcAlgorithm::Crc32Iscsi),
        ChecksumAlgorithm::Crc64Nvme => crc_fast::checksum(CrcAlgorithm::Crc64Nvme, data)
            .to_be_bytes()
            .to_vec(),
        ChecksumAlgorithm::Sha1 => sha1::Sha1::digest(data).to_vec(),
        ChecksumAlgorithm::Sha256 => sha2::Sha256::digest(data).to_vec(),
        other => panic!("no test digest for {other:?}"),
    };
    STANDARD.encode(digest)
}

/// `GetObject` with checksum mode: the output, and the body (which the SDK validated against
/// the returned checksum while it was read).
pub(crate) async fn get_with_checksum(
    s3: &Client,
    bucket: &str,
    key: &str,
) -> (GetObjectOutput, Vec<u8>) {
    let mut output = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetObject {bucket}/{key} with checksum mode: {e:?}"));
    let body = std::mem::take(&mut output.body);
    let data = body.collect().await.expect("GetObject body").to_vec();
    (output, data)
}

pub(crate) async fn create_bucket(s3: &Client, bucket: &str) {
    s3.create_bucket()
        .bucket(bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateBucket {bucket}: {e:?}"));
}

#[tokio::test]
async fn sdk_default_crc32_of_an_in_memory_body_is_kept_and_returned() {
    let (addr, log) = start_recording_server().await;
    let s3 = sdk(addr, SECRET);
    create_bucket(&s3, "sums").await;

    let data = b"checksums by default".to_vec();
    let stored = s3
        .put_object()
        .bucket("sums")
        .key("plain")
        .body(ByteStream::from(data.clone()))
        .send()
        .await
        .expect("PutObject with the default checksum");
    let sent = log.headers_of(&Method::PUT, "/sums/plain");
    let sent = sent[0]
        .get("x-amz-checksum-crc32")
        .and_then(|v| v.to_str().ok())
        .expect("default settings: the SDK sends x-amz-checksum-crc32 for an in-memory body");
    assert_eq!(
        sent,
        expected(&ChecksumAlgorithm::Crc32, &data),
        "the SDK's CRC32 is the CRC32 of the body"
    );
    assert_eq!(
        stored.checksum_crc32(),
        Some(sent),
        "PutObject response: the stored checksum"
    );

    // Default settings validate responses: the SDK asks for the checksum by itself.
    let body = get_bytes(&s3, "sums", "plain", None).await;
    assert_eq!(&body[..], &data[..], "GetObject: the body");
    let asked = log.headers_of(&Method::GET, "/sums/plain");
    assert_eq!(
        asked[0].get("x-amz-checksum-mode").map(|v| v.as_bytes()),
        Some(&b"ENABLED"[..]),
        "default settings: GetObject enables checksum mode"
    );
    let (output, _) = get_with_checksum(&s3, "sums", "plain").await;
    assert_eq!(
        output.checksum_crc32(),
        Some(sent),
        "GetObject: the checksum sent"
    );
    assert_eq!(
        output.checksum_type(),
        Some(&ChecksumType::FullObject),
        "GetObject: a single upload's checksum is FULL_OBJECT"
    );
    let ranged = s3
        .get_object()
        .bucket("sums")
        .key("plain")
        .range("bytes=0-8")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("ranged GetObject with checksum mode");
    assert_eq!(
        ranged.checksum_crc32(),
        None,
        "ranged GetObject: the object's checksum does not describe the range"
    );
}

#[tokio::test]
async fn sdk_streaming_upload_from_a_file_sends_a_signed_trailer() {
    let (addr, log) = start_recording_server().await;
    let s3 = sdk(addr, SECRET);
    create_bucket(&s3, "files").await;
    let data = test_data(3_000_000, 7);
    let file = TempFile::with("streamed.bin", &data).await;

    let body = ByteStream::from_path(&file.0)
        .await
        .expect("ByteStream::from_path");
    s3.put_object()
        .bucket("files")
        .key("streamed.bin")
        .body(body)
        .send()
        .await
        .expect("PutObject of a file: aws-chunked with a signed trailer");

    let sent = log.headers_of(&Method::PUT, "/files/streamed.bin");
    let header = |name: &str| sent[0].get(name).and_then(|v| v.to_str().ok());
    assert_eq!(
        header("x-amz-content-sha256"),
        Some("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
        "a file body over plain HTTP: signed chunks and a signed trailer"
    );
    assert_eq!(
        header("content-encoding"),
        Some("aws-chunked"),
        "a file body: aws-chunked"
    );
    assert_eq!(
        header("x-amz-trailer"),
        Some("x-amz-checksum-crc32"),
        "a file body: the CRC32 in the trailer"
    );
    assert_eq!(
        header("x-amz-decoded-content-length"),
        Some("3000000"),
        "a file body: the decoded length"
    );

    let (output, read) = get_with_checksum(&s3, "files", "streamed.bin").await;
    assert!(read == data, "GetObject: the file's bytes, exactly");
    assert_eq!(
        output.checksum_crc32(),
        Some(expected(&ChecksumAlgorithm::Crc32, &data).as_str()),
        "GetObject: the trailer's verified CRC32 was kept"
    );
    assert_eq!(
        output.content_length(),
        Some(3_000_000),
        "GetObject: length"
    );
}

#[tokio::test]
async fn sdk_every_checksum_algorithm_round_trips() {
    let (addr, log) = start_recording_server().await;
    let s3 = sdk(addr, SECRET);
    create_bucket(&s3, "algos").await;
    let data = test_data(100_000, 11);
    let file = TempFile::with("algorithms.bin", &data).await;

    for (algorithm, header, returned) in ALGORITHMS {
        let name = algorithm.as_str().to_owned();
        let key = format!("in-memory-{name}");
        s3.put_object()
            .bucket("algos")
            .key(&key)
            .checksum_algorithm(algorithm.clone())
            .body(ByteStream::from(data.clone()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutObject with {name}: {e:?}"));
        let sent = log.headers_of(&Method::PUT, &format!("/algos/{key}"));
        let computed = sent[0]
            .get(header)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{name}: the SDK sends {header}"))
            .to_owned();
        assert_eq!(
            computed,
            expected(&algorithm, &data),
            "{name}: the SDK's value"
        );
        let (output, read) = get_with_checksum(&s3, "algos", &key).await;
        assert!(read == data, "{name}: the body, exactly");
        assert_eq!(
            returned(&output),
            Some(computed.as_str()),
            "{name}: GetObject returns the checksum the SDK computed"
        );

        let key = format!("streamed-{name}");
        let body = ByteStream::from_path(&file.0).await.expect("from_path");
        s3.put_object()
            .bucket("algos")
            .key(&key)
            .checksum_algorithm(algorithm.clone())
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutObject of a file with {name}: {e:?}"));
        let sent = log.headers_of(&Method::PUT, &format!("/algos/{key}"));
        assert_eq!(
            sent[0].get("x-amz-trailer").map(|v| v.as_bytes()),
            Some(header.as_bytes()),
            "{name}: a file body carries it as a trailer"
        );
        let (output, _) = get_with_checksum(&s3, "algos", &key).await;
        assert_eq!(
            returned(&output),
            Some(computed.as_str()),
            "{name}: the trailer's value is kept"
        );
    }
}

#[tokio::test]
async fn a_checksum_that_does_not_match_is_refused_and_nothing_stored() {
    let (addr, _) = start_recording_server().await;
    let s3 = sdk(addr, SECRET);
    create_bucket(&s3, "strict").await;
    let refused = s3
        .put_object()
        .bucket("strict")
        .key("wrong")
        .checksum_crc32("AAAAAA==")
        .body(ByteStream::from_static(b"not zero"))
        .send()
        .await;
    assert_eq!(
        code(refused),
        "BadDigest",
        "PutObject with a wrong x-amz-checksum-crc32"
    );
    let missing = s3.head_object().bucket("strict").key("wrong").send().await;
    assert!(
        missing.is_err_and(|e| e.into_service_error().is_not_found()),
        "a refused upload stores nothing"
    );
}

// Some S3-compatible stores reject checksums, so clients are often configured to send them
// only where an operation requires one. The server must serve such a client too, and must not
// invent a checksum it was never sent.
#[tokio::test]
async fn a_client_that_sends_checksums_only_when_required_gets_none_back() {
    let (addr, log) = start_recording_server().await;
    let config = sdk_config(addr, SECRET)
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .build();
    let s3 = Client::from_conf(config);
    create_bucket(&s3, "quiet").await;
    let file = TempFile::with("when-required.bin", &test_data(70_000, 5)).await;
    let body = ByteStream::from_path(&file.0).await.expect("from_path");
    s3.put_object()
        .bucket("quiet")
        .key("file")
        .body(body)
        .send()
        .await
        .expect("PutObject of a file, no checksum");

    let sent = log.headers_of(&Method::PUT, "/quiet/file");
    assert!(
        sent[0]
            .keys()
            .all(|name| !name.as_str().starts_with("x-amz-checksum-"))
            && !sent[0].contains_key("x-amz-trailer"),
        "WhenRequired: PutObject sends no checksum"
    );
    let (output, read) = get_with_checksum(&s3, "quiet", "file").await;
    assert_eq!(read.len(), 70_000, "GetObject: the body");
    assert_eq!(
        (output.checksum_crc32(), output.checksum_type()),
        (None, None),
        "GetObject with checksum mode: no checksum was sent, none is returned"
    );
}
