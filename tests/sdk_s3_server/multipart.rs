//! Multipart uploads through the SDK: create, upload parts, list, complete, abort, and the
//! checks `CompleteMultipartUpload` makes of the part list.

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::StatusCode;
use md5::{Digest as _, Md5};
use sha2::Sha256;

use super::{
    SECRET, TempFile, code, get_bytes, hex_md5, sdk, send_signed, start_server, test_data,
};

/// A mebibyte: S3's smallest part is 5 MiB.
pub(crate) const MIB: usize = 1024 * 1024;

async fn create_upload(s3: &Client, bucket: &str, key: &str) -> String {
    let created = s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateMultipartUpload {bucket}/{key}: {e:?}"));
    created.upload_id().expect("an upload id").to_owned()
}

async fn upload_part(s3: &Client, key: &str, id: &str, number: i32, data: &[u8]) -> String {
    let uploaded = s3
        .upload_part()
        .bucket("big")
        .key(key)
        .upload_id(id)
        .part_number(number)
        .body(ByteStream::from(data.to_vec()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("UploadPart {number} of {key}: {e:?}"));
    uploaded.e_tag().expect("UploadPart: an ETag").to_owned()
}

pub(crate) fn part(number: i32, etag: &str) -> CompletedPart {
    CompletedPart::builder()
        .part_number(number)
        .e_tag(etag)
        .build()
}

pub(crate) fn part_list(parts: Vec<CompletedPart>) -> CompletedMultipartUpload {
    CompletedMultipartUpload::builder()
        .set_parts(Some(parts))
        .build()
}

#[tokio::test]
async fn sdk_multipart_upload_of_three_parts() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);
    s3.create_bucket()
        .bucket("big")
        .send()
        .await
        .expect("CreateBucket");
    let data = test_data(11 * MIB, 3);
    let pieces = [
        &data[..5 * MIB],
        &data[5 * MIB..10 * MIB],
        &data[10 * MIB..],
    ];

    let created = s3
        .create_multipart_upload()
        .bucket("big")
        .key("video.bin")
        .content_type("video/mp4")
        .send()
        .await
        .expect("CreateMultipartUpload");
    let id = created.upload_id().expect("an upload id").to_owned();
    let abandoned = create_upload(&s3, "big", "abandoned.bin").await;
    let listed = s3
        .list_multipart_uploads()
        .bucket("big")
        .send()
        .await
        .expect("ListMultipartUploads");
    let uploads: Vec<_> = listed
        .uploads()
        .iter()
        .map(|u| (u.key().unwrap_or(""), u.upload_id().unwrap_or("")))
        .collect();
    assert_eq!(
        uploads,
        [
            ("abandoned.bin", abandoned.as_str()),
            ("video.bin", id.as_str())
        ],
        "ListMultipartUploads: both uploads, by key"
    );

    let mut etags = Vec::new();
    for (number, piece) in (1..).zip(&pieces[..2]) {
        etags.push(upload_part(&s3, "video.bin", &id, number, piece).await);
    }
    // The last part from a file: the SDK streams it as aws-chunked with a CRC32 trailer.
    let file = TempFile::with("last-part.bin", pieces[2]).await;
    let last = s3
        .upload_part()
        .bucket("big")
        .key("video.bin")
        .upload_id(&id)
        .part_number(3)
        .body(ByteStream::from_path(&file.0).await.expect("from_path"))
        .send()
        .await
        .expect("UploadPart 3 from a file");
    let crc32 = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32IsoHdlc, pieces[2]) as u32;
    assert_eq!(
        last.checksum_crc32(),
        Some(STANDARD.encode(crc32.to_be_bytes()).as_str()),
        "UploadPart from a file: the trailer's verified CRC32"
    );
    etags.push(last.e_tag().expect("UploadPart 3: an ETag").to_owned());
    for ((number, piece), etag) in (1..).zip(pieces).zip(&etags) {
        assert_eq!(
            *etag,
            format!("\"{}\"", hex_md5(piece)),
            "UploadPart {number}: the ETag is the part's quoted MD5"
        );
    }

    let parts = s3
        .list_parts()
        .bucket("big")
        .key("video.bin")
        .upload_id(&id)
        .send()
        .await
        .expect("ListParts");
    let seen: Vec<_> = parts
        .parts()
        .iter()
        .map(|p| (p.part_number(), p.size(), p.e_tag().map(str::to_owned)))
        .collect();
    let uploaded: Vec<_> = (1..)
        .zip(&pieces)
        .zip(&etags)
        .map(|((n, piece), etag)| (Some(n), Some(piece.len() as i64), Some(etag.clone())))
        .collect();
    assert_eq!(
        seen, uploaded,
        "ListParts: number, size and ETag of each part"
    );
    let first_page = s3
        .list_parts()
        .bucket("big")
        .key("video.bin")
        .upload_id(&id)
        .max_parts(2)
        .send()
        .await
        .expect("ListParts, two a page");
    assert_eq!(
        first_page.is_truncated(),
        Some(true),
        "ListParts: truncated"
    );
    assert_eq!(
        first_page.next_part_number_marker(),
        Some("2"),
        "ListParts: NextPartNumberMarker"
    );
    let rest = s3
        .list_parts()
        .bucket("big")
        .key("video.bin")
        .upload_id(&id)
        .part_number_marker("2")
        .send()
        .await
        .expect("ListParts after part 2");
    let numbers: Vec<_> = rest
        .parts()
        .iter()
        .filter_map(|p| p.part_number())
        .collect();
    assert_eq!(numbers, [3], "ListParts: after the marker");

    let list = (1..).zip(&etags).map(|(n, etag)| part(n, etag)).collect();
    let completed = s3
        .complete_multipart_upload()
        .bucket("big")
        .key("video.bin")
        .upload_id(&id)
        .multipart_upload(part_list(list))
        .send()
        .await
        .expect("CompleteMultipartUpload");
    let mut md5s = Md5::new();
    for piece in pieces {
        md5s.update(Md5::digest(piece));
    }
    let expected_etag = format!("\"{}-3\"", hex::encode(md5s.finalize()));
    assert_eq!(
        completed.e_tag(),
        Some(expected_etag.as_str()),
        "CompleteMultipartUpload: the MD5 of the part MD5s, -3"
    );

    let body = get_bytes(&s3, "big", "video.bin", None).await;
    assert_eq!(
        body.len(),
        data.len(),
        "GetObject: the size of the three parts"
    );
    assert_eq!(
        hex_md5(&body),
        hex_md5(&data),
        "GetObject: the parts' bytes, in order"
    );
    let head = s3
        .head_object()
        .bucket("big")
        .key("video.bin")
        .send()
        .await
        .expect("HeadObject");
    assert_eq!(
        head.content_type(),
        Some("video/mp4"),
        "the object keeps the headers of CreateMultipartUpload"
    );
    assert_eq!(
        head.e_tag(),
        Some(expected_etag.as_str()),
        "HeadObject: ETag"
    );

    let gone = s3
        .list_parts()
        .bucket("big")
        .key("video.bin")
        .upload_id(&id)
        .send()
        .await;
    assert_eq!(
        code(gone),
        "NoSuchUpload",
        "ListParts of a completed upload"
    );
    s3.abort_multipart_upload()
        .bucket("big")
        .key("abandoned.bin")
        .upload_id(&abandoned)
        .send()
        .await
        .expect("AbortMultipartUpload");
    let listed = s3
        .list_multipart_uploads()
        .bucket("big")
        .send()
        .await
        .expect("ListMultipartUploads after abort and complete");
    assert!(
        listed.uploads().is_empty(),
        "ListMultipartUploads: none left"
    );
    let again = s3
        .abort_multipart_upload()
        .bucket("big")
        .key("abandoned.bin")
        .upload_id(&abandoned)
        .send()
        .await;
    assert_eq!(code(again), "NoSuchUpload", "AbortMultipartUpload twice");
}

#[tokio::test]
async fn complete_multipart_upload_checks_the_part_list() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);
    s3.create_bucket()
        .bucket("big")
        .send()
        .await
        .expect("CreateBucket");
    let id = create_upload(&s3, "big", "small.txt").await;
    let one = upload_part(&s3, "small.txt", &id, 1, b"one").await;
    let two = upload_part(&s3, "small.txt", &id, 2, b"two").await;

    let complete = |parts: Vec<CompletedPart>| {
        s3.complete_multipart_upload()
            .bucket("big")
            .key("small.txt")
            .upload_id(&id)
            .multipart_upload(part_list(parts))
            .send()
    };
    let refused = complete(vec![part(2, &two), part(1, &one)]).await;
    assert_eq!(code(refused), "InvalidPartOrder", "parts listed 2, 1");
    let refused = complete(vec![part(1, &one), part(1, &one)]).await;
    assert_eq!(code(refused), "InvalidPartOrder", "part 1 listed twice");
    let refused = complete(vec![part(1, &one), part(3, &two)]).await;
    assert_eq!(code(refused), "InvalidPart", "a part never uploaded");
    let refused = complete(vec![part(1, &two)]).await;
    assert_eq!(code(refused), "InvalidPart", "an ETag of another part");
    let refused = complete(vec![part(1, &one), part(2, &two)]).await;
    assert_eq!(
        code(refused),
        "EntityTooSmall",
        "a part under 5 MiB that is not the last"
    );

    // The refusals left the upload as it was; a single part may be small, it is the last.
    let unquoted = two.trim_matches('"').to_owned();
    complete(vec![part(2, &unquoted)])
        .await
        .expect("CompleteMultipartUpload of part 2 alone, ETag unquoted");
    let body = get_bytes(&s3, "big", "small.txt", None).await;
    assert_eq!(
        &body[..],
        b"two",
        "the object is the parts listed, not all uploaded"
    );

    let unknown = s3
        .upload_part()
        .bucket("big")
        .key("small.txt")
        .upload_id("no-such-upload")
        .part_number(1)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(
        code(unknown),
        "NoSuchUpload",
        "UploadPart to an unknown upload id"
    );
    let bad_number = s3
        .upload_part()
        .bucket("big")
        .key("small.txt")
        .upload_id(create_upload(&s3, "big", "small.txt").await)
        .part_number(10_001)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await;
    assert_eq!(
        code(bad_number),
        "InvalidArgument",
        "UploadPart number 10001"
    );
}

#[tokio::test]
async fn a_part_whose_body_contradicts_its_signed_hash_is_not_stored() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);
    s3.create_bucket()
        .bucket("big")
        .send()
        .await
        .expect("CreateBucket");
    let id = create_upload(&s3, "big", "part.bin").await;

    let other = hex::encode(Sha256::digest(b"another body"));
    let target = format!("/big/part.bin?partNumber=1&uploadId={id}");
    let host = addr.to_string();
    let refused = send_signed(addr, "PUT", &host, &target, b"this body", Some(&other)).await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "UploadPart with a wrong hash"
    );
    assert!(
        refused
            .body
            .contains("<Code>XAmzContentSHA256Mismatch</Code>"),
        "UploadPart with a wrong hash: {}",
        refused.body
    );
    let parts = s3
        .list_parts()
        .bucket("big")
        .key("part.bin")
        .upload_id(&id)
        .send()
        .await
        .expect("ListParts");
    assert!(parts.parts().is_empty(), "the refused part was not stored");
}
