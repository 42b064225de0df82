//! Listing pagination and URL encoding, S3 error codes, and a wrong secret, through the SDK.

use aws_sdk_s3::types::EncodingType;

use super::{SECRET, code, put, sdk, start_server};

#[tokio::test]
async fn sdk_listings_paginate_and_url_encode() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);
    s3.create_bucket()
        .bucket("logs")
        .send()
        .await
        .expect("CreateBucket");
    for key in ["a.txt", "b/1", "b/2", "c.txt", "d/1", "e f+g\u{fc}.txt"] {
        put(&s3, "logs", key, b"x").await;
    }

    // ListObjectsV2, two entries a page: a common prefix counts as one entry and is not
    // repeated on the next page.
    let mut pages = Vec::new();
    let mut token = None;
    loop {
        let page = s3
            .list_objects_v2()
            .bucket("logs")
            .delimiter("/")
            .max_keys(2)
            .set_continuation_token(token.take())
            .send()
            .await
            .expect("ListObjectsV2 page");
        let mut names: Vec<String> = page
            .contents()
            .iter()
            .filter_map(|o| o.key())
            .map(str::to_owned)
            .collect();
        names.extend(
            page.common_prefixes()
                .iter()
                .filter_map(|p| p.prefix())
                .map(str::to_owned),
        );
        pages.push(names);
        match page.next_continuation_token() {
            Some(next) => {
                assert_eq!(
                    page.is_truncated(),
                    Some(true),
                    "ListObjectsV2: truncated page"
                );
                token = Some(next.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(
        pages,
        [
            vec!["a.txt", "b/"],
            vec!["c.txt", "d/"],
            vec!["e f+g\u{fc}.txt"]
        ],
        "ListObjectsV2: pages of keys and common prefixes"
    );

    // ListObjects v1 with a delimiter returns NextMarker.
    let first = s3
        .list_objects()
        .bucket("logs")
        .delimiter("/")
        .max_keys(2)
        .send()
        .await
        .expect("ListObjects v1 page 1");
    assert_eq!(
        first.next_marker(),
        Some("b/"),
        "ListObjects v1: NextMarker"
    );
    let second = s3
        .list_objects()
        .bucket("logs")
        .delimiter("/")
        .max_keys(2)
        .marker("b/")
        .send()
        .await
        .expect("ListObjects v1 page 2");
    let keys: Vec<_> = second.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        ["c.txt"],
        "ListObjects v1: resumes after the common prefix"
    );

    // encoding-type=url: the SDK hands the encoded names over as they came.
    let encoded = s3
        .list_objects_v2()
        .bucket("logs")
        .prefix("e f")
        .encoding_type(EncodingType::Url)
        .send()
        .await
        .expect("ListObjectsV2 encoding-type=url");
    let keys: Vec<_> = encoded.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        ["e%20f%2Bg%C3%BC.txt"],
        "encoding-type=url: Key encoded"
    );
    assert_eq!(
        encoded.prefix(),
        Some("e%20f"),
        "encoding-type=url: Prefix encoded"
    );

    // An empty delimiter is no delimiter.
    let flat = s3
        .list_objects_v2()
        .bucket("logs")
        .delimiter("")
        .send()
        .await
        .expect("ListObjectsV2 with an empty delimiter");
    assert_eq!(
        flat.key_count(),
        Some(6),
        "empty delimiter: every key, none folded"
    );
}

#[tokio::test]
async fn sdk_sees_s3_error_codes() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);

    let missing = s3.list_objects_v2().bucket("nope").send().await;
    assert_eq!(
        code(missing),
        "NoSuchBucket",
        "ListObjectsV2 of a missing bucket"
    );
    let invalid = s3.create_bucket().bucket("Bad_Name").send().await;
    assert_eq!(
        code(invalid),
        "InvalidBucketName",
        "CreateBucket with an invalid name"
    );

    s3.create_bucket()
        .bucket("data")
        .send()
        .await
        .expect("CreateBucket");
    let again = s3.create_bucket().bucket("data").send().await;
    assert_eq!(code(again), "BucketAlreadyOwnedByYou", "CreateBucket twice");
    let missing = s3.get_object().bucket("data").key("nothing").send().await;
    assert_eq!(code(missing), "NoSuchKey", "GetObject of a missing key");
    let missing = s3.head_object().bucket("data").key("nothing").send().await;
    let missing = missing.expect_err("HeadObject of a missing key fails");
    assert!(
        missing.into_service_error().is_not_found(),
        "HeadObject: 404 NotFound"
    );

    put(&s3, "data", "ten", b"0123456789").await;
    let past_end = s3
        .get_object()
        .bucket("data")
        .key("ten")
        .range("bytes=10-")
        .send()
        .await;
    assert_eq!(
        code(past_end),
        "InvalidRange",
        "GetObject of a range past the end"
    );
    let missing = s3
        .copy_object()
        .bucket("data")
        .key("copy")
        .copy_source("data/nothing")
        .send()
        .await;
    assert_eq!(code(missing), "NoSuchKey", "CopyObject from a missing key");
}

#[tokio::test]
async fn sdk_with_a_wrong_secret_gets_signature_does_not_match() {
    let addr = start_server().await;
    let wrong = sdk(addr, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET");
    let refused = wrong.list_buckets().send().await;
    assert_eq!(
        code(refused),
        "SignatureDoesNotMatch",
        "ListBuckets with a wrong secret"
    );
    let refused = wrong.create_bucket().bucket("mine").send().await;
    assert_eq!(
        code(refused),
        "SignatureDoesNotMatch",
        "CreateBucket with a wrong secret"
    );

    // Nothing was created by the refused request.
    let buckets = sdk(addr, SECRET)
        .list_buckets()
        .send()
        .await
        .expect("ListBuckets");
    assert!(
        buckets.buckets().is_empty(),
        "a refused CreateBucket creates nothing"
    );
}
