//! `s3-sync`: uploads a local build folder to a bucket (under a prefix) and keeps the two the same.
//!
//! At plan time, `expand` walks `source` and computes the manifest `files`: relative path ->
//! file hash, where the file hash covers the content's SHA-256 and the Content-Type and
//! Cache-Control eco sends for it (so a changed rule shows as exactly the files it changes), plus
//! `source-hash` (over the whole manifest) and `object-count`. `read` reports the same manifest
//! from the bucket: ListObjectsV2 pages under the prefix, then HeadObject per key (16 at a time)
//! for the SHA-256 eco stored in `x-amz-meta-eco-sha256` and the live Content-Type and
//! Cache-Control. The plan's diff of `files` names exactly the added, changed and removed keys.
//!
//! The id (and import id) is `BUCKET/PREFIX` (`BUCKET/` for the bucket root).
//!
//! AWS calls:
//! - read: ListObjectsV2 pages, HeadObject per key. Objects without eco's metadata show with the
//!   hash `unmanaged`; objects kept by `delete #false` (marked `x-amz-meta-eco-retained`) are
//!   not reported.
//! - find: read; ours when an object carries this address's `x-amz-meta-eco-owner`
//!   (project/stage/address), someone else's (Conflict) when eco objects of another owner are
//!   there, else nothing
//! - create / update: read, then PutObject (8 at a time) for every new or changed file
//!   (ContentType, CacheControl, metadata eco-sha256 and eco-owner); stale keys: DeleteObjects in
//!   batches of 1,000, or, with `delete #false`, CopyObject onto itself marking them
//!   `eco-retained` (so they stay and no longer count); then, with `invalidate`, CreateInvalidation
//!   of the changed paths on that distribution (CallerReference derived from the new
//!   source-hash and the paths, so a retried update makes no second invalidation)
//! - delete: ListObjectsV2 + HeadObject, DeleteObjects of every key this sync uploaded (its
//!   eco-owner) and the keys state records
//! - import: by `BUCKET/PREFIX`: read; the next apply uploads what differs

mod local;
mod remote;
mod spec;

use std::collections::BTreeMap;
use std::path::Path;

use async_trait::async_trait;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::{Schema, Spec};

pub use self::local::{
    content_type_for, file_hash, glob_match, invalidation_paths, key_for, manifest_diff,
    manifest_hash, parse_id, scan, LocalFile,
};
use self::local::{manifest_attrs, map_of, owner_of};
use self::remote::{at_most, put};
use self::spec::S3Sync;
use crate::attrs::str_of;
use crate::aws::Aws;

pub const TYPE_NAME: &str = S3Sync::TYPE_NAME;

/// Concurrent uploads.
const UPLOADS_AT_ONCE: usize = 8;

pub fn schema() -> Schema {
    S3Sync::schema()
}

/// The key prefix of a sync (no leading `/`; empty for the bucket root).
fn prefix_of(want: &S3Sync) -> &str {
    want.prefix.as_deref().unwrap_or("").trim_start_matches('/')
}

/// A configuration the type cannot use, as an error of `op`.
fn invalid(op: &str) -> impl Fn(eco_schema::spec::SpecError) -> OpError + '_ {
    move |e| OpError::invalid(op, format!("{TYPE_NAME}: {e}"))
}

/// The operations of `s3-sync`.
pub struct Provider {
    schema: Schema,
    s3: aws_sdk_s3::Client,
    cloudfront: aws_sdk_cloudfront::Client,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            schema: schema(),
            s3: aws.s3(),
            cloudfront: aws.cloudfront(),
        }
    }
}

impl Provider {
    /// Brings the prefix to the local files: uploads, then stale keys; returns the keys that
    /// existed before and changed or went away (what a CDN may have cached).
    async fn sync(
        &self,
        ctx: &OpContext,
        spec: &S3Sync,
        desired: &Attrs,
    ) -> Result<(Live, Vec<String>), OpError> {
        let bucket = spec.bucket.clone();
        let prefix = prefix_of(spec).to_string();
        // `source` is relative to the configuration's directory.
        let dir = ctx.base_dir.join(&spec.source);
        let local = scan(&dir, desired).map_err(|m| OpError::invalid("PutObject", m))?;
        let remote = self.remote(&bucket, &prefix).await?.ok_or_else(|| {
            OpError::new(
                "ListObjectsV2",
                ErrorKind::Other,
                format!("bucket `{bucket}` does not exist"),
            )
        })?;
        let owner = owner_of(ctx);
        // Objects someone else's eco synced here are not ours to overwrite.
        if let Some((k, r)) = remote
            .iter()
            .find(|(_, r)| r.owner.as_deref().is_some_and(|o| o != owner))
        {
            return Err(OpError::new(
                "PutObject",
                ErrorKind::Conflict,
                format!(
                    "s3://{bucket}/{} was uploaded by {} (x-amz-meta-eco-owner), not by {owner}: \
                     two syncs cannot share a prefix",
                    key_for(&prefix, k),
                    r.owner.as_deref().unwrap_or("?")
                ),
            ));
        }
        let want: BTreeMap<String, String> =
            local.iter().map(|f| (f.rel.clone(), f.hash())).collect();
        let live: BTreeMap<String, String> = remote
            .iter()
            .filter(|(_, r)| !r.retained)
            .map(|(k, r)| (k.clone(), r.hash.clone()))
            .collect();
        let (upload, stale) = manifest_diff(&live, &want);
        // Retained keys that are back in the source are uploaded again (the live hash differs).
        let upload: Vec<&LocalFile> = local
            .iter()
            .filter(|f| upload.contains(&f.rel) || remote.get(&f.rel).is_some_and(|r| r.retained))
            .collect();

        let total = upload.len() as u64;
        let uploaded = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        if total > 0 {
            ctx.progress.report(0, total, "files");
        }
        let puts = upload.iter().map(|f| {
            let (s3, f, owner) = (self.s3.clone(), (*f).clone(), owner.clone());
            let (bucket, key) = (bucket.clone(), key_for(&prefix, &f.rel));
            let (uploaded, progress) = (uploaded.clone(), ctx.progress.clone());
            async move {
                let done = put(&s3, &bucket, &key, &f, &owner).await;
                if done.is_ok() {
                    let n = uploaded.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    progress.report(n, total, "files");
                }
                done
            }
        });
        let failed = at_most(UPLOADS_AT_ONCE, puts)
            .await
            .into_iter()
            .find_map(Result::err);
        if let Some(e) = failed {
            return Err(e);
        }

        let delete = spec.delete != Some(false);
        let mut gone: Vec<String> = stale.clone();
        if delete {
            // Also what an earlier `delete #false` kept.
            gone.extend(
                remote
                    .iter()
                    .filter(|(k, r)| r.retained && !want.contains_key(*k))
                    .map(|(k, _)| k.clone()),
            );
            self.delete_keys(
                &bucket,
                &gone.iter().map(|k| key_for(&prefix, k)).collect::<Vec<_>>(),
            )
            .await?;
        } else {
            for rel in &stale {
                self.retain(&bucket, &key_for(&prefix, rel), &remote[rel])
                    .await?;
            }
        }
        // What viewers may have cached: keys that existed and changed or went away.
        let mut changed: Vec<String> = upload
            .iter()
            .filter(|f| live.contains_key(&f.rel))
            .map(|f| f.rel.clone())
            .collect();
        changed.extend(stale);
        changed.sort();
        changed.dedup();
        let mut attrs = Attrs::new();
        attrs.insert("bucket".into(), Value::String(bucket.clone()));
        if let Some(p) = desired.get("prefix") {
            attrs.insert("prefix".into(), p.clone());
        }
        manifest_attrs(&mut attrs, &want);
        Ok((
            Live {
                id: format!("{bucket}/{prefix}"),
                attrs,
            },
            changed,
        ))
    }

    fn with_local(mut live: Live, desired: &Attrs) -> Live {
        for a in schema().attributes.iter().filter(|a| a.local) {
            if let Some(v) = desired.get(a.name) {
                live.attrs.insert(a.name.to_string(), v.clone());
            }
        }
        live
    }

    async fn apply(
        &self,
        ctx: &OpContext,
        prior: Option<&Attrs>,
        desired: &Attrs,
    ) -> Result<Live, OpError> {
        let want = S3Sync::from_attrs(desired).map_err(invalid("PutObject"))?;
        let (live, changed_now) = self.sync(ctx, &want, desired).await?;
        if let Some(dist) = &want.invalidate {
            // What changed since the state this update starts from (so a retried update, which
            // uploads nothing, still invalidates), or, for a create, what it overwrote or removed
            // (new keys cannot be cached).
            let changed: Vec<String> = match prior {
                Some(p) => {
                    let (a, b) = manifest_diff(&map_of(p, "files"), &map_of(&live.attrs, "files"));
                    let mut c = a;
                    c.extend(b);
                    c
                }
                None => changed_now,
            };
            if !changed.is_empty() {
                let paths = match want.invalidation_paths.is_empty() {
                    true => invalidation_paths(prefix_of(&want), &changed),
                    false => want.invalidation_paths.clone(),
                };
                let hash = str_of(&live.attrs, "source-hash").unwrap_or("").to_string();
                self.invalidate(dist, paths, &hash).await?;
            }
        }
        Ok(Self::with_local(live, desired))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        let (bucket, prefix) = parse_id(id)?;
        // Nothing under the prefix: the sync is gone (a source is never empty, see `expand`).
        Ok(self
            .remote(&bucket, &prefix)
            .await?
            .filter(|r| !r.is_empty())
            .map(|r| Self::live_of(&bucket, &prefix, &r)))
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let Some(bucket) = str_of(desired, "bucket") else {
            return Ok(None);
        };
        let prefix = str_of(desired, "prefix")
            .unwrap_or("")
            .trim_start_matches('/');
        let Some(remote) = self.remote(bucket, prefix).await? else {
            return Ok(None);
        };
        let owner = owner_of(ctx);
        if remote
            .values()
            .any(|r| r.owner.as_deref() == Some(owner.as_str()))
        {
            return Ok(ctx.unless_replaced(Some(Self::with_local(
                Self::live_of(bucket, prefix, &remote),
                desired,
            ))));
        }
        if let Some(other) = remote.values().find_map(|r| r.owner.clone()) {
            return Err(OpError::new(
                "HeadObject",
                ErrorKind::Conflict,
                format!("s3://{bucket}/{prefix} holds files synced by {other}, not by {owner}"),
            ));
        }
        Ok(None)
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        self.apply(ctx, None, desired).await
    }

    async fn update(
        &self,
        ctx: &OpContext,
        _id: &str,
        prior: &Attrs,
        desired: &Attrs,
        _changed: &[String],
    ) -> Result<Live, OpError> {
        self.apply(ctx, Some(prior), desired).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), OpError> {
        let (bucket, prefix) = parse_id(id)?;
        let Some(remote) = self.remote(&bucket, &prefix).await? else {
            return Ok(());
        };
        let owner = owner_of(ctx);
        let recorded = map_of(prior, "files");
        let keys: Vec<String> = remote
            .iter()
            .filter(|(k, r)| {
                r.owner.as_deref() == Some(owner.as_str()) || recorded.contains_key(*k)
            })
            .map(|(k, _)| key_for(&prefix, k))
            .collect();
        self.delete_keys(&bucket, &keys).await
    }

    fn expand(&self, base_dir: &Path, desired: &mut Attrs) -> Result<(), OpError> {
        let Some(source) = str_of(desired, "source") else {
            return Ok(());
        };
        let dir = base_dir.join(source);
        let files = scan(&dir, desired).map_err(|m| OpError::invalid("source", m))?;
        if files.is_empty() {
            return Err(OpError::invalid(
                "source",
                format!("{} has no files to upload (after `exclude`)", dir.display()),
            ));
        }
        let manifest: BTreeMap<String, String> =
            files.iter().map(|f| (f.rel.clone(), f.hash())).collect();
        manifest_attrs(desired, &manifest);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
