//! Packaging a function's source: a reproducible zip, its CodeSha256, the handler check, and
//! whether the package goes in the request or through S3.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use eco_provider::OpError;
use sha2::Digest as _;

/// Zipped packages above this size cannot be sent in the request: they go through S3.
pub const DIRECT_UPLOAD_LIMIT: usize = 50 * 1024 * 1024;

/// A packaged source: the zip bytes and their base64 SHA-256 (Lambda's CodeSha256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub zip: Arc<Vec<u8>>,
    pub hash: String,
}

/// base64 of the SHA-256 of `bytes`, as Lambda reports CodeSha256.
pub fn code_sha256(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        // Follows symlinks: the package holds what they point at.
        let meta = std::fs::metadata(&path)?;
        if meta.is_dir() {
            collect_files(root, &path, out)?;
        } else if meta.is_file() {
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o111 != 0 {
        0o755
    } else {
        0o644
    }
}

#[cfg(not(unix))]
fn mode_of(_meta: &std::fs::Metadata) -> u32 {
    0o644
}

/// Zips a directory reproducibly: entries sorted by their `/`-separated path, no directory
/// entries, every timestamp 1980-01-01 00:00, mode 0644 (0755 when any execute bit is set),
/// deflate at level 6. Same files and modes give the same bytes, whatever their mtimes.
pub fn package_dir(dir: &Path) -> std::io::Result<Vec<u8>> {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, path) in files {
        let meta = std::fs::metadata(&path)?;
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(6))
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(mode_of(&meta))
            .large_file(meta.len() >= u32::MAX as u64);
        writer
            .start_file(name, options)
            .map_err(std::io::Error::other)?;
        let mut file = std::fs::File::open(&path)?;
        let mut buf = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut buf)?;
        writer.write_all(&buf)?;
    }
    Ok(writer.finish().map_err(std::io::Error::other)?.into_inner())
}

/// The file names inside a zip.
fn zip_names(bytes: &[u8]) -> Result<Vec<String>, String> {
    let archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not a zip: {e}"))?;
    Ok(archive.file_names().map(str::to_string).collect())
}

/// The files a handler may live in, for runtimes whose handler names a file: Node.js
/// (`dir/index.handler` -> dir/index.js, .mjs or .cjs) and Python (`pkg.app.handler` ->
/// pkg/app.py). `None` for other runtimes (Java, .NET, Go, custom: no file to check).
pub fn handler_files(runtime: &str, handler: &str) -> Option<Vec<String>> {
    let (module, _function) = handler.rsplit_once('.')?;
    if runtime.starts_with("nodejs") {
        Some(
            ["js", "mjs", "cjs"]
                .iter()
                .map(|ext| format!("{module}.{ext}"))
                .collect(),
        )
    } else if runtime.starts_with("python") {
        Some(vec![format!("{}.py", module.replace('.', "/"))])
    } else {
        None
    }
}

/// Packages `source` (relative to `base_dir`): a directory is zipped, a file is taken as a
/// prebuilt zip. Errors name the attribute at fault in `operation` (`source` or `handler`).
pub fn package_source(
    base_dir: &Path,
    source: &str,
    runtime: Option<&str>,
    handler: Option<&str>,
) -> Result<Package, OpError> {
    let path = base_dir.join(source);
    let meta = std::fs::metadata(&path).map_err(|e| {
        OpError::invalid(
            "source",
            format!("source `{source}` ({}) cannot be read: {e}", path.display()),
        )
    })?;
    let zip = if meta.is_dir() {
        package_dir(&path).map_err(|e| {
            OpError::invalid(
                "source",
                format!("source directory `{source}` cannot be packaged: {e}"),
            )
        })?
    } else {
        std::fs::read(&path).map_err(|e| {
            OpError::invalid("source", format!("source `{source}` cannot be read: {e}"))
        })?
    };
    let names = zip_names(&zip)
        .map_err(|e| OpError::invalid("source", format!("source `{source}`: {e}")))?;
    if names.is_empty() {
        return Err(OpError::invalid(
            "source",
            format!("source `{source}` holds no files"),
        ));
    }
    if let (Some(runtime), Some(handler)) = (runtime, handler) {
        if let Some(candidates) = handler_files(runtime, handler) {
            if !candidates.iter().any(|c| names.contains(c)) {
                return Err(OpError::invalid(
                    "handler",
                    format!(
                        "handler `{handler}` needs {} in source `{source}`, which has no such file",
                        candidates.join(" or ")
                    ),
                ));
            }
        } else if !handler.contains('.')
            && (runtime.starts_with("nodejs") || runtime.starts_with("python"))
        {
            return Err(OpError::invalid(
                "handler",
                format!("handler `{handler}` must be FILE.FUNCTION, e.g. index.handler"),
            ));
        }
    }
    let hash = code_sha256(&zip);
    Ok(Package {
        zip: Arc::new(zip),
        hash,
    })
}

/// Where the code goes: in the request, or through S3 when it is too large.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeUpload {
    Direct,
    S3 { bucket: String, key: String },
}

/// Decides how a package of `len` bytes reaches Lambda.
pub fn code_upload(
    len: usize,
    function: &str,
    hash: &str,
    bucket: Option<&str>,
    op: &str,
) -> Result<CodeUpload, OpError> {
    if len <= DIRECT_UPLOAD_LIMIT {
        return Ok(CodeUpload::Direct);
    }
    let Some(bucket) = bucket else {
        return Err(OpError::invalid(
            op,
            format!(
                "lambda-function: the package of `{function}` is {} MB, over the 50 MB Lambda \
                 takes in a request: set `code-bucket` to a bucket to upload it through",
                len / (1024 * 1024)
            ),
        ));
    };
    // URL-safe hash in the key: + and / are awkward in S3 keys.
    let safe: String = hash
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            '=' => '.',
            c => c,
        })
        .collect();
    Ok(CodeUpload::S3 {
        bucket: bucket.to_string(),
        key: format!("eco/lambda/{function}/{safe}.zip"),
    })
}
