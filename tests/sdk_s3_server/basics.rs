//! The bucket and object basics through the SDK: create, head, list, put, get with ranges,
//! copy, batch delete.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, MetadataDirective, ObjectIdentifier};

use super::{PRINCIPAL, SECRET, code, get_bytes, hex_md5, put, sdk, start_server};

#[tokio::test]
async fn sdk_bucket_and_object_round_trip() {
    let addr = start_server().await;
    let s3 = sdk(addr, SECRET);

    s3.create_bucket()
        .bucket("photos")
        .send()
        .await
        .expect("CreateBucket");
    s3.head_bucket()
        .bucket("photos")
        .send()
        .await
        .expect("HeadBucket");
    let location = s3
        .get_bucket_location()
        .bucket("photos")
        .send()
        .await
        .expect("location");
    assert_eq!(
        location.location_constraint().map_or("", |c| c.as_str()),
        "",
        "GetBucketLocation: us-east-1 is the empty constraint"
    );
    let buckets = s3.list_buckets().send().await.expect("ListBuckets");
    let names: Vec<_> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["photos"], "ListBuckets: the new bucket");
    let owner = buckets.owner().and_then(|o| o.id());
    assert_eq!(
        owner,
        Some(PRINCIPAL),
        "ListBuckets: the owner is the caller's principal"
    );

    s3.put_object()
        .bucket("photos")
        .key("2026/cat.txt")
        .content_type("text/plain")
        .metadata("color", "grey")
        .body(ByteStream::from_static(b"a cat sat on the mat"))
        .send()
        .await
        .expect("PutObject with content type and metadata");
    let body = get_bytes(&s3, "photos", "2026/cat.txt", None).await;
    assert_eq!(
        &body[..],
        b"a cat sat on the mat",
        "GetObject: the stored body"
    );

    let ranged = s3
        .get_object()
        .bucket("photos")
        .key("2026/cat.txt")
        .range("bytes=2-4")
        .send()
        .await
        .expect("GetObject with a range");
    assert_eq!(
        ranged.content_range(),
        Some("bytes 2-4/20"),
        "GetObject range: Content-Range"
    );
    let part = ranged
        .body
        .collect()
        .await
        .expect("range body")
        .into_bytes();
    assert_eq!(&part[..], b"cat", "GetObject range: bytes 2-4");
    let suffix = get_bytes(&s3, "photos", "2026/cat.txt", Some("bytes=-3")).await;
    assert_eq!(&suffix[..], b"mat", "GetObject range: the last 3 bytes");

    let head = s3
        .head_object()
        .bucket("photos")
        .key("2026/cat.txt")
        .send()
        .await
        .expect("HeadObject");
    assert_eq!(head.content_length(), Some(20), "HeadObject: length");
    assert_eq!(
        head.content_type(),
        Some("text/plain"),
        "HeadObject: content type kept"
    );
    let color = head
        .metadata()
        .and_then(|m| m.get("color"))
        .map(String::as_str);
    assert_eq!(color, Some("grey"), "HeadObject: x-amz-meta-color kept");
    let md5 = format!("\"{}\"", hex_md5(b"a cat sat on the mat"));
    assert_eq!(
        head.e_tag(),
        Some(md5.as_str()),
        "HeadObject: ETag is the quoted MD5"
    );

    let copy = s3
        .copy_object()
        .bucket("photos")
        .key("2026/cat-copy.txt")
        .copy_source("photos/2026/cat.txt")
        .send()
        .await
        .expect("CopyObject");
    let etag = copy.copy_object_result().and_then(|r| r.e_tag());
    assert_eq!(etag, Some(md5.as_str()), "CopyObject: the copy's ETag");
    let copied = s3
        .head_object()
        .bucket("photos")
        .key("2026/cat-copy.txt")
        .send()
        .await
        .expect("HeadObject of the copy");
    assert_eq!(
        copied.content_type(),
        Some("text/plain"),
        "CopyObject: COPY keeps headers"
    );
    s3.copy_object()
        .bucket("photos")
        .key("2026/cat-copy.txt")
        .copy_source("/photos/2026/cat.txt")
        .metadata_directive(MetadataDirective::Replace)
        .content_type("application/json")
        .send()
        .await
        .expect("CopyObject with REPLACE");
    let replaced = s3
        .head_object()
        .bucket("photos")
        .key("2026/cat-copy.txt")
        .send()
        .await
        .expect("HeadObject of the replacing copy");
    assert_eq!(
        replaced.content_type(),
        Some("application/json"),
        "CopyObject: REPLACE takes the request's headers"
    );
    assert!(
        replaced.metadata().is_none_or(|m| m.is_empty()),
        "CopyObject: REPLACE drops the source's metadata"
    );
    put(&s3, "photos", "2026/dog.txt", b"woof").await;
    put(&s3, "photos", "index.html", b"<html/>").await;

    let listed = s3
        .list_objects_v2()
        .bucket("photos")
        .prefix("2026/")
        .delimiter("/")
        .send()
        .await
        .expect("ListObjectsV2");
    let keys: Vec<_> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        ["2026/cat-copy.txt", "2026/cat.txt", "2026/dog.txt"],
        "ListObjectsV2: keys under the prefix, sorted"
    );
    assert_eq!(listed.key_count(), Some(3), "ListObjectsV2: KeyCount");
    let top = s3
        .list_objects_v2()
        .bucket("photos")
        .delimiter("/")
        .send()
        .await
        .expect("ListObjectsV2 at the top");
    let prefixes: Vec<_> = top
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, ["2026/"], "ListObjectsV2: CommonPrefixes");
    let keys: Vec<_> = top.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["index.html"], "ListObjectsV2: the top-level key");
    let v1 = s3
        .list_objects()
        .bucket("photos")
        .marker("2026/cat.txt")
        .send()
        .await
        .expect("ListObjects v1");
    let keys: Vec<_> = v1.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        ["2026/dog.txt", "index.html"],
        "ListObjects v1: after the marker"
    );

    let not_empty = s3.delete_bucket().bucket("photos").send().await;
    assert_eq!(
        code(not_empty),
        "BucketNotEmpty",
        "DeleteBucket of a bucket with objects"
    );

    let batch = Delete::builder()
        .objects(
            ObjectIdentifier::builder()
                .key("2026/cat.txt")
                .build()
                .expect("id"),
        )
        .objects(
            ObjectIdentifier::builder()
                .key("2026/cat-copy.txt")
                .build()
                .expect("id"),
        )
        .objects(
            ObjectIdentifier::builder()
                .key("never-existed")
                .build()
                .expect("id"),
        )
        .build()
        .expect("Delete");
    let deleted = s3
        .delete_objects()
        .bucket("photos")
        .delete(batch)
        .send()
        .await
        .expect("DeleteObjects");
    let keys: Vec<_> = deleted.deleted().iter().filter_map(|d| d.key()).collect();
    assert_eq!(
        keys,
        ["2026/cat.txt", "2026/cat-copy.txt", "never-existed"],
        "DeleteObjects: every key reported deleted, missing ones too"
    );
    assert!(deleted.errors().is_empty(), "DeleteObjects: no errors");
    let quiet = Delete::builder()
        .objects(
            ObjectIdentifier::builder()
                .key("2026/dog.txt")
                .build()
                .expect("id"),
        )
        .quiet(true)
        .build()
        .expect("Delete");
    let deleted = s3
        .delete_objects()
        .bucket("photos")
        .delete(quiet)
        .send()
        .await
        .expect("DeleteObjects, quiet");
    assert!(
        deleted.deleted().is_empty(),
        "DeleteObjects: quiet reports no successes"
    );
    for key in ["index.html", "already-gone"] {
        s3.delete_object()
            .bucket("photos")
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DeleteObject {key}: {e:?}"));
    }
    let gone = s3
        .get_object()
        .bucket("photos")
        .key("2026/cat.txt")
        .send()
        .await;
    assert_eq!(code(gone), "NoSuchKey", "GetObject after DeleteObjects");

    s3.delete_bucket()
        .bucket("photos")
        .send()
        .await
        .expect("DeleteBucket");
    let gone = s3.head_bucket().bucket("photos").send().await;
    assert!(gone.is_err(), "HeadBucket after DeleteBucket fails");
}
