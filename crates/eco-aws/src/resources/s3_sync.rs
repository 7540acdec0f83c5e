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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, MetadataDirective, ObjectIdentifier};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};
use eco_schema::{Attribute, ScalarType, Schema};
use sha2::{Digest, Sha256};

use crate::attrs::str_of;
use crate::aws::{error_code, op_error, Aws};

pub const TYPE_NAME: &str = "s3-sync";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "Uploads a local folder to an S3 bucket: content types, cache-control, hashing, deletes of stale keys")
        .import_id("`BUCKET/PREFIX`")
        .attr(
            Attribute::string("bucket")
                .required()
                .forces_replacement()
                .doc("name of the target bucket; moving elsewhere uploads anew and removes the old copy"),
        )
        .attr(
            Attribute::string("prefix")
                .forces_replacement()
                .doc("key prefix under which files are uploaded, e.g. app/ (default: the bucket root)"),
        )
        .attr(
            Attribute::string("source")
                .required()
                .local()
                .doc("local directory, relative to the configuration; its files make the manifest `files` (eco-only)"),
        )
        .attr(
            Attribute::bool("delete")
                .local()
                .doc("delete keys under the prefix that are not in the source (default #true; DeleteObjects); #false keeps them"),
        )
        .attr(
            Attribute::list("exclude", ScalarType::String)
                .local()
                .doc("glob patterns of files not to upload (`*`, `**`, `?`; a pattern without / matches file names)"),
        )
        .attr(
            Attribute::repeated_block(
                "cache-control",
                "pattern",
                vec![
                    Attribute::string("pattern").doc("glob pattern matched against the relative path"),
                    Attribute::string("value")
                        .required()
                        .doc("Cache-Control header, e.g. public,max-age=31536000,immutable"),
                ],
            )
            .local()
            .doc("Cache-Control for files matching a pattern; the first matching rule wins (a change re-uploads the files it affects)"),
        )
        .attr(
            Attribute::repeated_block(
                "content-type",
                "pattern",
                vec![
                    Attribute::string("pattern").doc("glob pattern matched against the relative path"),
                    Attribute::string("value")
                        .required()
                        .doc("Content-Type to send instead of the one guessed from the extension"),
                ],
            )
            .local()
            .doc("Content-Type override for files matching a pattern; the first matching rule wins"),
        )
        .attr(
            Attribute::string("invalidate")
                .local()
                .doc("CloudFront distribution id to invalidate after files change (CreateInvalidation)"),
        )
        .attr(
            Attribute::list("invalidation-paths", ScalarType::String)
                .local()
                .doc("paths to invalidate (default: the changed keys, or PREFIX* when more than 15 change)"),
        )
        .attr(
            Attribute::map("files", ScalarType::String)
                .computed()
                .doc("manifest: relative path -> hash of content, Content-Type and Cache-Control (computed by eco at plan time)"),
        )
        .attr(
            Attribute::string("source-hash")
                .computed()
                .doc("hash over the manifest"),
        )
        .attr(Attribute::int("object-count").computed().doc("number of objects in the manifest"))
}

// ---------------------------------------------------------------------------------------------
// The local side: manifest, content types, rules, globs
// ---------------------------------------------------------------------------------------------

/// Files whose number of changed paths exceeds this are invalidated with one wildcard.
const MAX_INVALIDATION_PATHS: usize = 15;
/// Concurrent uploads and HEADs.
const UPLOADS_AT_ONCE: usize = 8;
const HEADS_AT_ONCE: usize = 16;

const META_SHA: &str = "eco-sha256";
const META_OWNER: &str = "eco-owner";
const META_RETAINED: &str = "eco-retained";
const UNMANAGED: &str = "unmanaged";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The manifest value of a file: its content hash with the headers it is served with.
pub fn file_hash(content_sha: &str, content_type: &str, cache_control: &str) -> String {
    let h = sha256_hex(format!("{content_sha}\n{content_type}\n{cache_control}").as_bytes());
    h[..16].to_string()
}

/// The hash over a whole manifest.
pub fn manifest_hash(files: &BTreeMap<String, String>) -> String {
    let mut text = String::new();
    for (k, v) in files {
        text.push_str(k);
        text.push('\0');
        text.push_str(v);
        text.push('\n');
    }
    sha256_hex(text.as_bytes())
}

/// Content-Type by file extension (lower case); `application/octet-stream` when unknown.
pub fn content_type_for(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" | "cjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "bmp" => "image/bmp",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "eot" => "application/vnd.ms-fontobject",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "ogg" => "audio/ogg",
        _ => "application/octet-stream",
    }
}

/// Whether `path` matches a glob pattern: `*` (within one path segment), `**` (any number of
/// segments), `?` (one character). A pattern without `/` matches against the file name.
pub fn glob_match(pattern: &str, path: &str) -> bool {
    fn m(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let mut rest = &p[2..];
                if rest.first() == Some(&b'/') {
                    // `**/` also matches no directory at all.
                    if m(&rest[1..], s) {
                        return true;
                    }
                    rest = &p[2..];
                }
                (0..=s.len()).any(|i| m(rest, &s[i..]))
            }
            Some(b'*') => {
                let rest = &p[1..];
                for i in 0..=s.len() {
                    if m(rest, &s[i..]) {
                        return true;
                    }
                    if i < s.len() && s[i] == b'/' {
                        break;
                    }
                }
                false
            }
            Some(b'?') => !s.is_empty() && s[0] != b'/' && m(&p[1..], &s[1..]),
            Some(c) => s.first() == Some(c) && m(&p[1..], &s[1..]),
        }
    }
    let target = if pattern.contains('/') {
        path
    } else {
        path.rsplit('/').next().unwrap_or(path)
    };
    m(pattern.as_bytes(), target.as_bytes())
}

/// The (pattern, value) rules of a repeated block attribute, in order.
fn rules(attrs: &Attrs, name: &str) -> Vec<(String, String)> {
    match attrs.get(name) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::Map(m) => Some((
                    m.get("pattern")?.as_str()?.to_string(),
                    m.get("value")?.as_str()?.to_string(),
                )),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn strings(attrs: &Attrs, name: &str) -> Vec<String> {
    match attrs.get(name) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// How eco uploads one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    pub rel: String,
    pub path: PathBuf,
    pub sha256: String,
    pub content_type: String,
    pub cache_control: String,
}

impl LocalFile {
    pub fn hash(&self) -> String {
        file_hash(&self.sha256, &self.content_type, &self.cache_control)
    }
}

/// The upload settings a configuration gives: (cache-control rules, content-type rules, excludes).
struct Rules {
    cache: Vec<(String, String)>,
    types: Vec<(String, String)>,
    exclude: Vec<String>,
}

impl Rules {
    fn of(attrs: &Attrs) -> Rules {
        Rules {
            cache: rules(attrs, "cache-control"),
            types: rules(attrs, "content-type"),
            exclude: strings(attrs, "exclude"),
        }
    }
    fn cache_control(&self, rel: &str) -> String {
        self.cache
            .iter()
            .find(|(p, _)| glob_match(p, rel))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn content_type(&self, rel: &str) -> String {
        self.types
            .iter()
            .find(|(p, _)| glob_match(p, rel))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| content_type_for(rel).to_string())
    }
    fn excluded(&self, rel: &str) -> bool {
        self.exclude.iter().any(|p| glob_match(p, rel))
    }
}

/// Every file under `dir` (symlinks followed, relative paths with `/`), sorted, with its hash.
pub fn scan(dir: &Path, attrs: &Attrs) -> Result<Vec<LocalFile>, String> {
    let rules = Rules::of(attrs);
    let meta = std::fs::metadata(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).map_err(|e| format!("cannot read {}: {e}", d.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", d.display()))?;
            let path = entry.path();
            let md = std::fs::metadata(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            if md.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .expect("under the source")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if rules.excluded(&rel) {
                continue;
            }
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            out.push(LocalFile {
                sha256: sha256_hex(&bytes),
                content_type: rules.content_type(&rel),
                cache_control: rules.cache_control(&rel),
                rel,
                path,
            });
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// The source directory of desired attributes: `source`, relative to the configuration's
/// directory (which `expand` recorded; the working directory when nothing was expanded).
fn source_dir(base: &Path, desired: &Attrs) -> Result<PathBuf, OpError> {
    let source = str_of(desired, "source")
        .ok_or_else(|| OpError::invalid("PutObject", "`source` is required"))?;
    Ok(base.join(source))
}

/// The key of a relative path under a prefix.
pub fn key_for(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        format!("{prefix}{rel}")
    } else {
        format!("{prefix}/{rel}")
    }
}

/// The listing prefix of a sync's prefix.
fn list_prefix(prefix: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    }
}

/// Splits an id `BUCKET/PREFIX`.
pub fn parse_id(id: &str) -> Result<(String, String), OpError> {
    match id.split_once('/') {
        Some((b, p)) if !b.is_empty() => Ok((b.to_string(), p.to_string())),
        None if !id.is_empty() => Ok((id.to_string(), String::new())),
        _ => Err(OpError::invalid(
            "ListObjectsV2",
            format!("`{id}` is not an s3-sync id: expected BUCKET/PREFIX"),
        )),
    }
}

/// The paths to invalidate for these changed relative paths.
pub fn invalidation_paths(prefix: &str, changed: &[String]) -> Vec<String> {
    if changed.len() > MAX_INVALIDATION_PATHS {
        return vec![format!("/{}*", list_prefix(prefix))];
    }
    let mut paths: Vec<String> = Vec::new();
    for rel in changed {
        let key = key_for(prefix, rel);
        paths.push(format!("/{key}"));
        // The directory's index is also served at the directory's own path.
        if let Some(dir) = key.strip_suffix("index.html") {
            if dir.is_empty() || dir.ends_with('/') {
                paths.push(format!("/{dir}"));
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

/// The keys whose manifest values differ: (added or changed, removed), as relative paths.
pub fn manifest_diff(
    live: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> (Vec<String>, Vec<String>) {
    let upload = want
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    let stale = live
        .keys()
        .filter(|k| !want.contains_key(*k))
        .cloned()
        .collect();
    (upload, stale)
}

fn map_of(attrs: &Attrs, name: &str) -> BTreeMap<String, String> {
    match attrs.get(name) {
        Some(Value::Map(m)) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn manifest_attrs(attrs: &mut Attrs, files: &BTreeMap<String, String>) {
    attrs.insert(
        "files".into(),
        Value::Map(
            files
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ),
    );
    attrs.insert("source-hash".into(), Value::String(manifest_hash(files)));
    attrs.insert("object-count".into(), Value::Int(files.len() as i64));
}

fn owner_of(ctx: &OpContext) -> String {
    format!("{}/{}/{}", ctx.project, ctx.stage, ctx.address)
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// One object under the prefix, as read.
#[derive(Debug, Clone)]
struct Remote {
    hash: String,
    owner: Option<String>,
    retained: bool,
    content_type: Option<String>,
    cache_control: Option<String>,
    metadata: std::collections::HashMap<String, String>,
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

    /// Every object under the prefix, by relative path; `None` when the bucket is gone.
    async fn remote(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Option<BTreeMap<String, Remote>>, OpError> {
        let lp = list_prefix(prefix);
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = match self
                .s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(&lp)
                .set_continuation_token(token.take())
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) if error_code(&e) == Some("NoSuchBucket") => return Ok(None),
                Err(e) => return Err(op_error("ListObjectsV2", e)),
            };
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        let sem = Arc::new(tokio::sync::Semaphore::new(HEADS_AT_ONCE));
        let mut tasks = tokio::task::JoinSet::new();
        for key in keys {
            let s3 = self.s3.clone();
            let bucket = bucket.to_string();
            let sem = sem.clone();
            tasks.spawn(async move {
                let _p = sem.acquire_owned().await.expect("open");
                let r = s3.head_object().bucket(&bucket).key(&key).send().await;
                (key, r)
            });
        }
        let mut out = BTreeMap::new();
        while let Some(joined) = tasks.join_next().await {
            let (key, r) = joined.expect("HEAD tasks do not panic");
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

    fn live_of(bucket: &str, prefix: &str, remote: &BTreeMap<String, Remote>) -> Live {
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
async fn put(
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
    /// Brings the prefix to the local files: uploads, then stale keys; returns the keys that
    /// existed before and changed or went away (what a CDN may have cached).
    async fn sync(&self, ctx: &OpContext, desired: &Attrs) -> Result<(Live, Vec<String>), OpError> {
        let bucket = str_of(desired, "bucket")
            .ok_or_else(|| OpError::invalid("PutObject", "`bucket` is required"))?
            .to_string();
        let prefix = str_of(desired, "prefix")
            .unwrap_or("")
            .trim_start_matches('/')
            .to_string();
        let dir = source_dir(&ctx.base_dir, desired)?;
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

        let sem = Arc::new(tokio::sync::Semaphore::new(UPLOADS_AT_ONCE));
        let mut tasks = tokio::task::JoinSet::new();
        for f in &upload {
            let (s3, sem, f) = (self.s3.clone(), sem.clone(), (*f).clone());
            let (bucket, key, owner) = (bucket.clone(), key_for(&prefix, &f.rel), owner.clone());
            tasks.spawn(async move {
                let _p = sem.acquire_owned().await.expect("open");
                put(&s3, &bucket, &key, &f, &owner).await
            });
        }
        let mut first_err = None;
        while let Some(joined) = tasks.join_next().await {
            if let Err(e) = joined.expect("upload tasks do not panic") {
                first_err.get_or_insert(e);
            }
        }
        if let Some(e) = first_err {
            return Err(e);
        }

        let delete = desired.get("delete") != Some(&Value::Bool(false));
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

    async fn delete_keys(&self, bucket: &str, keys: &[String]) -> Result<(), OpError> {
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
    async fn retain(&self, bucket: &str, key: &str, r: &Remote) -> Result<(), OpError> {
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
    async fn invalidate(
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
        let (live, changed_now) = self.sync(ctx, desired).await?;
        if let Some(dist) = str_of(desired, "invalidate") {
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
                let prefix = str_of(desired, "prefix")
                    .unwrap_or("")
                    .trim_start_matches('/');
                let explicit = strings(desired, "invalidation-paths");
                let paths = if explicit.is_empty() {
                    invalidation_paths(prefix, &changed)
                } else {
                    explicit
                };
                let hash = str_of(&live.attrs, "source-hash").unwrap_or("").to_string();
                self.invalidate(dist, paths, &hash).await?;
            }
        }
        Ok(Self::with_local(live, desired))
    }
}

/// A key for CopyObject's CopySource: every byte but unreserved ones and `/` percent-encoded.
fn urlencode_key(key: &str) -> String {
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

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
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
            return Ok(Some(Self::with_local(
                Self::live_of(bucket, prefix, &remote),
                desired,
            )));
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

    async fn create(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Live, OpError> {
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
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("index.html", "index.html"));
        assert!(
            glob_match("index.html", "docs/index.html"),
            "no / matches names"
        );
        assert!(glob_match("*.js", "static/js/main.abc.js"));
        assert!(glob_match("static/**", "static/js/main.js"));
        assert!(glob_match("static/*", "static/a.css"));
        assert!(!glob_match("static/*", "static/js/a.css"));
        assert!(glob_match("**/*.map", "static/js/a.js.map"));
        assert!(glob_match("**/*.map", "a.map"));
        assert!(glob_match("?.txt", "a.txt"));
        assert!(!glob_match("*.css", "a.js"));
    }

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type_for("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type_for("a/b.JS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type_for("x.svg"), "image/svg+xml");
        assert_eq!(content_type_for("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn manifest_from_a_folder_with_rules() {
        let dir = std::env::temp_dir().join(format!("eco-sync-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("static/js")).unwrap();
        std::fs::write(dir.join("index.html"), "<html></html>").unwrap();
        std::fs::write(dir.join("static/js/main.1234.js"), "console.log(1)").unwrap();
        std::fs::write(dir.join(".DS_Store"), "x").unwrap();
        let rules = |cc: &str| {
            Value::List(vec![
                Value::Map(BTreeMap::from([
                    ("pattern".to_string(), Value::String("index.html".into())),
                    ("value".to_string(), Value::String("no-cache".into())),
                ])),
                Value::Map(BTreeMap::from([
                    ("pattern".to_string(), Value::String("static/**".into())),
                    ("value".to_string(), Value::String(cc.into())),
                ])),
            ])
        };
        let mut attrs = Attrs::from([
            (
                "source".to_string(),
                Value::String(dir.to_string_lossy().into()),
            ),
            (
                "exclude".to_string(),
                Value::List(vec![Value::String(".DS_Store".into())]),
            ),
            (
                "cache-control".to_string(),
                rules("public,max-age=31536000,immutable"),
            ),
        ]);
        let files = scan(&dir, &attrs).unwrap();
        assert_eq!(
            files.iter().map(|f| f.rel.as_str()).collect::<Vec<_>>(),
            vec!["index.html", "static/js/main.1234.js"]
        );
        assert_eq!(files[0].cache_control, "no-cache");
        assert_eq!(files[1].cache_control, "public,max-age=31536000,immutable");
        assert_eq!(files[0].sha256, sha256_hex(b"<html></html>"));

        let p = Provider::new(&Aws::for_endpoint("http://127.0.0.1:9", "us-east-1"));
        let mut a = attrs.clone();
        p.expand(Path::new("/"), &mut a).unwrap();
        let before = map_of(&a, "files");
        assert_eq!(a.get("object-count"), Some(&Value::Int(2)));
        // A changed rule changes exactly the files it covers.
        attrs.insert("cache-control".into(), rules("public,max-age=60"));
        let mut b = attrs.clone();
        p.expand(Path::new("/"), &mut b).unwrap();
        let after = map_of(&b, "files");
        assert_eq!(
            manifest_diff(&before, &after),
            (vec!["static/js/main.1234.js".to_string()], vec![])
        );
        assert_ne!(a.get("source-hash"), b.get("source-hash"));
        // A missing source is an error naming it.
        let mut missing = Attrs::from([("source".to_string(), Value::String("nope".into()))]);
        let err = p.expand(&dir, &mut missing).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid);
        assert!(err.message.contains("nope"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn invalidation_paths_cover_changed_keys_and_fall_back_to_a_wildcard() {
        assert_eq!(
            invalidation_paths("", &["index.html".into(), "static/a.js".into()]),
            vec!["/", "/index.html", "/static/a.js"]
        );
        assert_eq!(
            invalidation_paths("app", &["a.css".into()]),
            vec!["/app/a.css"]
        );
        let many: Vec<String> = (0..20).map(|i| format!("f{i}.js")).collect();
        assert_eq!(invalidation_paths("app/", &many), vec!["/app/*"]);
    }

    #[test]
    fn ids_and_keys() {
        assert_eq!(parse_id("b/app").unwrap(), ("b".into(), "app".into()));
        assert_eq!(parse_id("b/").unwrap(), ("b".into(), "".into()));
        assert_eq!(parse_id("b").unwrap(), ("b".into(), "".into()));
        assert!(parse_id("/x").is_err());
        assert_eq!(key_for("", "a.js"), "a.js");
        assert_eq!(key_for("app", "a.js"), "app/a.js");
        assert_eq!(key_for("app/", "a.js"), "app/a.js");
        assert_eq!(urlencode_key("a b/ü.js"), "a%20b/%C3%BC.js");
    }
}
