//! Multipart uploads with a checksum algorithm: each part carries its checksum, and the
//! completed object gets S3's composite checksum (the checksum of the part checksums, `-N`) or
//! a full-object one (CRC64NVME).

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, ChecksumType, CompletedPart};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

use super::multipart::{MIB, part, part_list};
use super::{SECRET, code, hex_md5, sdk, start_server, test_data};

#[tokio::test]
async fn sdk_multipart_upload_with_a_checksum_algorithm() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);
    s3.create_bucket()
        .bucket("big")
        .send()
        .await
        .expect("CreateBucket");

    // SHA256: a composite checksum, the checksum of the part checksums.
    let created = s3
        .create_multipart_upload()
        .bucket("big")
        .key("sha.txt")
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .send()
        .await
        .expect("CreateMultipartUpload with SHA256");
    assert_eq!(
        created.checksum_type(),
        Some(&ChecksumType::Composite),
        "CreateMultipartUpload: SHA256 is composite by default"
    );
    let id = created.upload_id().expect("an upload id");
    let uploaded = s3
        .upload_part()
        .bucket("big")
        .key("sha.txt")
        .upload_id(id)
        .part_number(1)
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(ByteStream::from_static(b"the only part"))
        .send()
        .await
        .expect("UploadPart with SHA256");
    let part_sum = STANDARD.encode(Sha256::digest(b"the only part"));
    assert_eq!(
        uploaded.checksum_sha256(),
        Some(part_sum.as_str()),
        "UploadPart: the part's SHA256"
    );
    let mismatched = s3
        .upload_part()
        .bucket("big")
        .key("sha.txt")
        .upload_id(id)
        .part_number(2)
        .body(ByteStream::from_static(b"a CRC32 by default"))
        .send()
        .await;
    assert_eq!(
        code(mismatched),
        "InvalidRequest",
        "UploadPart with another algorithm than the upload's"
    );
    let listed = s3
        .list_parts()
        .bucket("big")
        .key("sha.txt")
        .upload_id(id)
        .send()
        .await
        .expect("ListParts");
    let sums: Vec<_> = listed.parts().iter().map(|p| p.checksum_sha256()).collect();
    assert_eq!(
        sums,
        [Some(part_sum.as_str())],
        "ListParts: the part's checksum"
    );

    let with_sum = CompletedPart::builder()
        .part_number(1)
        .e_tag(uploaded.e_tag().expect("ETag"))
        .checksum_sha256(&part_sum)
        .build();
    let completed = s3
        .complete_multipart_upload()
        .bucket("big")
        .key("sha.txt")
        .upload_id(id)
        .multipart_upload(part_list(vec![with_sum]))
        .send()
        .await
        .expect("CompleteMultipartUpload with the part's checksum");
    let composite = format!(
        "{}-1",
        STANDARD.encode(Sha256::digest(Sha256::digest(b"the only part")))
    );
    assert_eq!(
        completed.checksum_sha256(),
        Some(composite.as_str()),
        "CompleteMultipartUpload: the SHA256 of the part SHA256s, -1"
    );
    let fetched = s3
        .get_object()
        .bucket("big")
        .key("sha.txt")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("GetObject of a composite checksum");
    assert_eq!(
        (fetched.checksum_sha256(), fetched.checksum_type()),
        (Some(composite.as_str()), Some(&ChecksumType::Composite)),
        "GetObject: the composite checksum"
    );

    // CRC64NVME: a full-object checksum, which the SDK validates on GetObject.
    let created = s3
        .create_multipart_upload()
        .bucket("big")
        .key("crc.bin")
        .checksum_algorithm(ChecksumAlgorithm::Crc64Nvme)
        .send()
        .await
        .expect("CreateMultipartUpload with CRC64NVME");
    let id = created.upload_id().expect("an upload id");
    let data = test_data(6 * MIB, 9);
    let mut list = Vec::new();
    for (number, piece) in (1..).zip([&data[..5 * MIB], &data[5 * MIB..]]) {
        let uploaded = s3
            .upload_part()
            .bucket("big")
            .key("crc.bin")
            .upload_id(id)
            .part_number(number)
            .checksum_algorithm(ChecksumAlgorithm::Crc64Nvme)
            .body(ByteStream::from(piece.to_vec()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("UploadPart {number} with CRC64NVME: {e:?}"));
        list.push(part(number, uploaded.e_tag().expect("ETag")));
    }
    s3.complete_multipart_upload()
        .bucket("big")
        .key("crc.bin")
        .upload_id(id)
        .multipart_upload(part_list(list))
        .send()
        .await
        .expect("CompleteMultipartUpload with CRC64NVME");
    let fetched = s3
        .get_object()
        .bucket("big")
        .key("crc.bin")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .expect("GetObject of a full-object CRC64NVME");
    let whole = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Nvme, &data);
    assert_eq!(
        fetched.checksum_crc64_nvme(),
        Some(STANDARD.encode(whole.to_be_bytes()).as_str()),
        "GetObject: the CRC64NVME of the whole object"
    );
    let body = fetched
        .body
        .collect()
        .await
        .expect("validated body")
        .into_bytes();
    assert_eq!(
        hex_md5(&body),
        hex_md5(&data),
        "GetObject: the two parts, validated"
    );
}
