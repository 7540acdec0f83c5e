//! The local side of `s3-sync`: the manifest of a source folder (content hashes with the headers
//! each file is served with), content types, the upload rules, globs, and the keys and paths
//! they map to.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use eco_provider::{Attrs, OpContext, OpError, Value};
use eco_schema::Spec;
use sha2::{Digest, Sha256};

use super::spec::UploadRules;

/// Files whose number of changed paths exceeds this are invalidated with one wildcard.
const MAX_INVALIDATION_PATHS: usize = 15;

pub(super) const META_SHA: &str = "eco-sha256";
pub(super) const META_OWNER: &str = "eco-owner";
pub(super) const META_RETAINED: &str = "eco-retained";
pub(super) const UNMANAGED: &str = "unmanaged";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
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

/// Content-Type by file extension (lower case): the web's own types first (kept as eco has
/// always sent them, so files already uploaded keep their hashes), then the MIME database of
/// `mime_guess` (text types in UTF-8); `application/octet-stream` when neither knows it.
pub fn content_type_for(path: &str) -> std::borrow::Cow<'static, str> {
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
        _ => return from_mime_database(&ext),
    }
    .into()
}

/// The MIME database's type for an extension eco's own table does not list.
fn from_mime_database(ext: &str) -> std::borrow::Cow<'static, str> {
    match mime_guess::from_ext(ext).first_raw() {
        Some(t) if t.starts_with("text/") => format!("{t}; charset=utf-8").into(),
        Some(t) => t.into(),
        None => "application/octet-stream".into(),
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

/// Every file under `dir` (symlinks followed, relative paths with `/`), sorted, with its hash.
pub fn scan(dir: &Path, attrs: &Attrs) -> Result<Vec<LocalFile>, String> {
    let rules = UploadRules::from_attrs(attrs).map_err(|e| e.to_string())?;
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

/// The key of a relative path under a prefix.
pub fn key_for(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        format!("{prefix}{rel}")
    } else {
        format!("{prefix}/{rel}")
    }
}

/// The listing prefix of a sync's prefix.
pub(super) fn list_prefix(prefix: &str) -> String {
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

pub(super) fn map_of(attrs: &Attrs, name: &str) -> BTreeMap<String, String> {
    match attrs.get(name) {
        Some(Value::Map(m)) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    }
}

pub(super) fn manifest_attrs(attrs: &mut Attrs, files: &BTreeMap<String, String>) {
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

pub(super) fn owner_of(ctx: &OpContext) -> String {
    format!("{}/{}/{}", ctx.project, ctx.stage, ctx.address)
}
