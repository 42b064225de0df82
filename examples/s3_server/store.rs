//! The in-memory buckets, objects and multipart uploads.
//!
//! One lock over everything: the server is a showcase, and each operation holds the lock for a
//! map lookup or insert only, never across an `await` or while a body is being read.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

use super::checksums::{Algorithm, Checksum, ChecksumType};
use super::errors::S3Error;

/// A stored object. Immutable: a write replaces the whole object.
#[derive(Debug)]
pub(crate) struct Object {
    pub(crate) data: Bytes,
    /// The quoted hex MD5 of `data`, as S3 sends it in `ETag`.
    pub(crate) etag: String,
    pub(crate) last_modified: SystemTime,
    /// The principal who wrote it.
    pub(crate) owner: String,
    /// `Content-Type`, the other representation headers and `x-amz-meta-*`, returned as sent.
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// The additional checksum the upload carried, verified.
    pub(crate) checksum: Option<Checksum>,
}

/// One part of a multipart upload, stored once its body was read and verified.
#[derive(Debug)]
pub(crate) struct Part {
    pub(crate) data: Bytes,
    /// The MD5 of `data`: its ETag, and the input of the completed object's ETag.
    pub(crate) md5: [u8; 16],
    pub(crate) last_modified: SystemTime,
    pub(crate) checksum: Option<Checksum>,
}

impl Part {
    /// The quoted hex MD5, as `UploadPart` and `ListParts` send it.
    pub(crate) fn etag(&self) -> String {
        format!("\"{}\"", hex::encode(self.md5))
    }
}

/// A multipart upload in progress: what `CreateMultipartUpload` said, and the parts so far.
#[derive(Debug)]
pub(crate) struct Upload {
    pub(crate) initiated: SystemTime,
    /// The principal who started it.
    pub(crate) owner: String,
    /// The headers the completed object keeps, as for `PutObject`.
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// `x-amz-checksum-algorithm` and `x-amz-checksum-type`, when the upload asked for one.
    pub(crate) checksum: Option<(Algorithm, ChecksumType)>,
    pub(crate) parts: BTreeMap<u32, Arc<Part>>,
}

/// A bucket: its owner, its creation time, its objects sorted by key (listings need the
/// order), and its multipart uploads sorted by key, then upload id.
#[derive(Debug)]
pub(crate) struct Bucket {
    pub(crate) owner: String,
    pub(crate) created: SystemTime,
    pub(crate) objects: BTreeMap<String, Arc<Object>>,
    pub(crate) uploads: BTreeMap<(String, String), Upload>,
}

/// Every bucket, by name.
///
/// Ownership is recorded but not enforced: any authenticated caller may use any bucket.
#[derive(Debug, Default)]
pub(crate) struct Store {
    buckets: RwLock<BTreeMap<String, Bucket>>,
    uploads_started: AtomicU64,
}

impl Store {
    // A panic while holding the lock cannot leave a map half-updated (every write is one
    // insert or remove), so a poisoned lock is still safe to use.
    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, Bucket>> {
        self.buckets.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, Bucket>> {
        self.buckets.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the bucket, or fails with `NoSuchBucket`.
    pub(crate) fn with_bucket<T>(
        &self,
        name: &str,
        f: impl FnOnce(&Bucket) -> T,
    ) -> Result<T, S3Error> {
        self.read()
            .get(name)
            .map(f)
            .ok_or_else(|| S3Error::no_such_bucket(name))
    }

    fn with_bucket_mut<T>(
        &self,
        name: &str,
        f: impl FnOnce(&mut Bucket) -> T,
    ) -> Result<T, S3Error> {
        self.write()
            .get_mut(name)
            .map(f)
            .ok_or_else(|| S3Error::no_such_bucket(name))
    }

    /// The names and creation times of all buckets, sorted by name.
    pub(crate) fn buckets(&self) -> Vec<(String, SystemTime)> {
        self.read()
            .iter()
            .map(|(name, bucket)| (name.clone(), bucket.created))
            .collect()
    }

    pub(crate) fn create_bucket(
        &self,
        name: &str,
        owner: &str,
        now: SystemTime,
    ) -> Result<(), S3Error> {
        let mut buckets = self.write();
        match buckets.get(name) {
            Some(bucket) if bucket.owner == owner => {
                Err(S3Error::bucket_already_owned_by_you(name))
            }
            Some(_) => Err(S3Error::bucket_already_exists(name)),
            None => {
                let bucket = Bucket {
                    owner: owner.to_owned(),
                    created: now,
                    objects: BTreeMap::new(),
                    uploads: BTreeMap::new(),
                };
                buckets.insert(name.to_owned(), bucket);
                Ok(())
            }
        }
    }

    pub(crate) fn delete_bucket(&self, name: &str) -> Result<(), S3Error> {
        let mut buckets = self.write();
        match buckets.get(name) {
            None => Err(S3Error::no_such_bucket(name)),
            Some(bucket) if !bucket.objects.is_empty() => Err(S3Error::bucket_not_empty(name)),
            Some(_) => {
                buckets.remove(name);
                Ok(())
            }
        }
    }

    pub(crate) fn get_object(&self, bucket: &str, key: &str) -> Result<Arc<Object>, S3Error> {
        self.with_bucket(bucket, |b| b.objects.get(key).cloned())?
            .ok_or_else(|| S3Error::no_such_key(key))
    }

    pub(crate) fn put_object(
        &self,
        bucket: &str,
        key: &str,
        object: Object,
    ) -> Result<(), S3Error> {
        self.with_bucket_mut(bucket, |b| {
            b.objects.insert(key.to_owned(), Arc::new(object));
        })
    }

    /// Deletes the keys that exist; deleting a missing key succeeds, as in S3.
    pub(crate) fn delete_objects<'k>(
        &self,
        bucket: &str,
        keys: impl IntoIterator<Item = &'k str>,
    ) -> Result<(), S3Error> {
        self.with_bucket_mut(bucket, |b| {
            for key in keys {
                b.objects.remove(key);
            }
        })
    }

    /// Starts a multipart upload of `key` and returns its id.
    pub(crate) fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        upload: Upload,
    ) -> Result<String, S3Error> {
        // The counter first, zero-padded: ids sort in the order uploads started, which is the
        // order `ListMultipartUploads` reports for one key. The random half makes them unique
        // across restarts; without randomness they are still unique within this process.
        let started = self.uploads_started.fetch_add(1, Ordering::Relaxed);
        let id = format!("{started:016x}{:016x}", getrandom::u64().unwrap_or(0));
        self.with_bucket_mut(bucket, |b| {
            b.uploads.insert((key.to_owned(), id.clone()), upload);
        })?;
        Ok(id)
    }

    /// Runs `f` on the upload, or fails with `NoSuchBucket` or `NoSuchUpload`.
    pub(crate) fn with_upload<T>(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        f: impl FnOnce(&Upload) -> T,
    ) -> Result<T, S3Error> {
        self.with_bucket(bucket, |b| b.uploads.get(&upload_key(key, id)).map(f))?
            .ok_or_else(|| S3Error::no_such_upload(id))
    }

    /// Stores a part, replacing an earlier one of the same number.
    pub(crate) fn put_part(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        number: u32,
        part: Part,
    ) -> Result<(), S3Error> {
        self.with_bucket_mut(bucket, |b| {
            let upload = b.uploads.get_mut(&upload_key(key, id));
            upload.map(|u| u.parts.insert(number, Arc::new(part)))
        })?
        .map(|_| ())
        .ok_or_else(|| S3Error::no_such_upload(id))
    }

    /// Ends an upload: `Some(object)` completes it, `None` aborts it.
    pub(crate) fn finish_upload(
        &self,
        bucket: &str,
        key: &str,
        id: &str,
        object: Option<Object>,
    ) -> Result<(), S3Error> {
        self.with_bucket_mut(bucket, |b| {
            let removed = b.uploads.remove(&upload_key(key, id));
            if let (Some(_), Some(object)) = (&removed, object) {
                b.objects.insert(key.to_owned(), Arc::new(object));
            }
            removed.map(|_| ())
        })?
        .ok_or_else(|| S3Error::no_such_upload(id))
    }
}

fn upload_key(key: &str, id: &str) -> (String, String) {
    (key.to_owned(), id.to_owned())
}
