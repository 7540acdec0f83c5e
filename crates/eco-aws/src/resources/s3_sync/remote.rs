//! The bucket side of `s3-sync`: what is under the prefix (ListObjectsV2, HeadObject), uploads
//! (PutObject), removals (DeleteObjects), keeping a stale key (CopyObject onto itself) and
//! CloudFront invalidations.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, MetadataDirective, ObjectIdentifier};
use eco_provider::{Attrs, ErrorKind, Live, OpError, Value};

use super::local::{
    file_hash, list_prefix, manifest_attrs, sha256_hex, LocalFile, META_OWNER, META_RETAINED,
    META_SHA, UNMANAGED,
};
use super::Provider;
use crate::aws::{error_code, op_error};
use crate::calls::all_pages;

/// Concurrent HEADs.
const HEADS_AT_ONCE: usize = 16;

/// One object under the prefix, as read.
#[derive(Debug, Clone)]
pub(super) struct Remote {
    pub(super) hash: String,
    pub(super) owner: Option<String>,
    pub(super) retained: bool,
    content_type: Option<String>,
    cache_control: Option<String>,
    metadata: HashMap<String, String>,
}

/// Runs `tasks`, at most `n` at a time; their outputs in the order they finish.
pub(super) async fn at_most<T, F>(n: usize, tasks: impl IntoIterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(n));
    let mut running = tokio::task::JoinSet::new();
    for task in tasks {
        let permits = permits.clone();
        running.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("never closed");
            task.await
        });
    }
    let mut out = Vec::new();
    while let Some(done) = running.join_next().await {
        out.push(done.expect("tasks do not panic"));
    }
    out
}

impl Provider {
    /// Every object under the prefix, by relative path; `None` when the bucket is gone.
    pub(super) async fn remote(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Option<BTreeMap<String, Remote>>, OpError> {
        let lp = list_prefix(prefix);
        let keys = all_pages(|token| {
            let call = self.s3.list_objects_v2().bucket(bucket).prefix(&lp);
            let call = call.set_continuation_token(token).send();
            async move {
                let out = match call.await {
                    Ok(o) => o,
                    Err(e) if error_code(&e) == Some("NoSuchBucket") => return Ok(None),
                    Err(e) => return Err(op_error("ListObjectsV2", e)),
                };
                let keys: Vec<String> = out
                    .contents()
                    .iter()
                    .filter_map(|o| o.key.clone())
                    .collect();
                let next = out
                    .next_continuation_token
                    .filter(|_| out.is_truncated == Some(true));
                Ok(Some((keys, next)))
            }
        });
        let Some(keys) = keys.await? else {
            return Ok(None);
        };
        let heads = keys.into_iter().map(|key| {
            let call = self.s3.head_object().bucket(bucket).key(&key).send();
            async move { (key, call.await) }
        });
        let mut out = BTreeMap::new();
        for (key, r) in at_most(HEADS_AT_ONCE, heads).await {
            let head = match r {
                Ok(h) => h,
                Err(e) if matches!(error_code(&e), Some("NotFound" | "NoSuchKey" | "404")) => {
                    continue
                }
                Err(e) => return Err(op_error("HeadObject", e)),
            };
            let metadata = head.metadata().cloned().unwrap_or_default();
            let content_type = head.content_type().map(str::to_string);
            let cache_control = head.cache_control().map(str::to_string);
            let hash = match metadata.get(META_SHA) {
                Some(sha) => file_hash(
                    sha,
                    content_type.as_deref().unwrap_or(""),
                    cache_control.as_deref().unwrap_or(""),
                ),
                None => UNMANAGED.to_string(),
            };
            let rel = key.strip_prefix(&lp).unwrap_or(&key).to_string();
            out.insert(
                rel,
                Remote {
                    hash,
                    owner: metadata.get(META_OWNER).cloned(),
                    retained: metadata.contains_key(META_RETAINED),
                    content_type,
                    cache_control,
                    metadata,
                },
            );
        }
        Ok(Some(out))
    }

    pub(super) fn live_of(bucket: &str, prefix: &str, remote: &BTreeMap<String, Remote>) -> Live {
        let files: BTreeMap<String, String> = remote
            .iter()
            .filter(|(_, r)| !r.retained)
            .map(|(k, r)| (k.clone(), r.hash.clone()))
            .collect();
        let mut attrs = Attrs::new();
        attrs.insert("bucket".into(), Value::String(bucket.to_string()));
        if !prefix.is_empty() {
            attrs.insert("prefix".into(), Value::String(prefix.to_string()));
        }
        manifest_attrs(&mut attrs, &files);
        Live {
            id: format!("{bucket}/{prefix}"),
            attrs,
        }
    }
}

/// PutObject of one file with its headers and eco's metadata.
pub(super) async fn put(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    file: &LocalFile,
    owner: &str,
) -> Result<(), OpError> {
    let body = ByteStream::from_path(&file.path).await.map_err(|e| {
        OpError::invalid(
            "PutObject",
            format!("cannot read {}: {e}", file.path.display()),
        )
    })?;
    let mut req = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body)
        .content_type(&file.content_type)
        .metadata(META_SHA, &file.sha256)
        .metadata(META_OWNER, owner);
    if !file.cache_control.is_empty() {
        req = req.cache_control(&file.cache_control);
    }
    req.send().await.map_err(|e| op_error("PutObject", e))?;
    Ok(())
}

impl Provider {
    pub(super) async fn delete_keys(&self, bucket: &str, keys: &[String]) -> Result<(), OpError> {
        for chunk in keys.chunks(1000) {
            let objects = chunk
                .iter()
                .map(|k| {
                    ObjectIdentifier::builder()
                        .key(k)
                        .build()
                        .expect("key is set")
                })
                .collect();
            let out = self
                .s3
                .delete_objects()
                .bucket(bucket)
                .delete(
                    Delete::builder()
                        .set_objects(Some(objects))
                        .quiet(true)
                        .build()
                        .expect("objects are set"),
                )
                .send()
                .await;
            match out {
                Ok(o) => {
                    if let Some(e) = o.errors().iter().find(|e| e.code() != Some("NoSuchKey")) {
                        return Err(OpError::new(
                            "DeleteObjects",
                            ErrorKind::Other,
                            format!(
                                "{}: {} {}",
                                e.key().unwrap_or("?"),
                                e.code().unwrap_or(""),
                                e.message().unwrap_or("")
                            ),
                        ));
                    }
                }
                Err(e) if error_code(&e) == Some("NoSuchBucket") => return Ok(()),
                Err(e) => return Err(op_error("DeleteObjects", e)),
            }
        }
        Ok(())
    }

    /// Marks a stale object as kept (`delete #false`): CopyObject onto itself with its metadata
    /// plus `eco-retained`, headers unchanged.
    pub(super) async fn retain(&self, bucket: &str, key: &str, r: &Remote) -> Result<(), OpError> {
        let mut metadata = r.metadata.clone();
        metadata.insert(META_RETAINED.to_string(), "true".to_string());
        self.s3
            .copy_object()
            .bucket(bucket)
            .key(key)
            .copy_source(format!("{bucket}/{}", urlencode_key(key)))
            .metadata_directive(MetadataDirective::Replace)
            .set_metadata(Some(metadata))
            .set_content_type(r.content_type.clone())
            .set_cache_control(r.cache_control.clone())
            .send()
            .await
            .map_err(|e| op_error("CopyObject", e))?;
        Ok(())
    }

    /// CreateInvalidation of these paths (deterministic CallerReference).
    pub(super) async fn invalidate(
        &self,
        distribution: &str,
        paths: Vec<String>,
        source_hash: &str,
    ) -> Result<(), OpError> {
        if paths.is_empty() {
            return Ok(());
        }
        let reference = format!(
            "eco-{}",
            &sha256_hex(format!("{source_hash}\n{}", paths.join("\n")).as_bytes())[..32]
        );
        let batch = aws_sdk_cloudfront::types::InvalidationBatch::builder()
            .caller_reference(reference)
            .paths(
                aws_sdk_cloudfront::types::Paths::builder()
                    .quantity(paths.len() as i32)
                    .set_items(Some(paths))
                    .build()
                    .map_err(|e| OpError::invalid("CreateInvalidation", e.to_string()))?,
            )
            .build()
            .map_err(|e| OpError::invalid("CreateInvalidation", e.to_string()))?;
        match self
            .cloudfront
            .create_invalidation()
            .distribution_id(distribution)
            .invalidation_batch(batch)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // The same CallerReference already made this invalidation.
            Err(e) if error_code(&e) == Some("InvalidationBatchAlreadyExists") => Ok(()),
            Err(e) => Err(op_error("CreateInvalidation", e)),
        }
    }
}

/// A key for CopyObject's CopySource: every byte but unreserved ones and `/` percent-encoded.
pub(super) fn urlencode_key(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
