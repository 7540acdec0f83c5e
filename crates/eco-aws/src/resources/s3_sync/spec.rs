//! The typed spec of `s3-sync`: each attribute's name, shape, update strategy and
//! documentation, written once.

use std::collections::BTreeMap;

use eco_schema::Spec;

use super::local::{content_type_for, glob_match};

/// The Cache-Control of the files a pattern matches.
#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(label = "pattern")]
pub struct CacheRule {
    /// glob pattern matched against the relative path
    pub pattern: String,
    /// Cache-Control header, e.g. public,max-age=31536000,immutable
    pub value: String,
}

/// The Content-Type of the files a pattern matches.
#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(label = "pattern")]
pub struct TypeRule {
    /// glob pattern matched against the relative path
    pub pattern: String,
    /// Content-Type to send instead of the one guessed from the extension
    pub value: String,
}

/// Which files are uploaded, and with which headers.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct UploadRules {
    /// glob patterns of files not to upload (`*`, `**`, `?`; a pattern without / matches file
    /// names)
    #[eco(local)]
    pub exclude: Vec<String>,
    /// Cache-Control for files matching a pattern; the first matching rule wins (a change
    /// re-uploads the files it affects)
    #[eco(local)]
    pub cache_control: Vec<CacheRule>,
    /// Content-Type override for files matching a pattern; the first matching rule wins
    #[eco(local)]
    pub content_type: Vec<TypeRule>,
}

/// A sync: the configuration with the manifest `expand` computed, or what a read reports.
#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(
    resource = "s3-sync",
    doc = "Uploads a local folder to an S3 bucket: content types, cache-control, hashing, deletes of stale keys",
    import_id = "`BUCKET/PREFIX`"
)]
pub struct S3Sync {
    /// name of the target bucket; moving elsewhere uploads anew and removes the old copy
    #[eco(replace)]
    pub bucket: String,
    /// key prefix under which files are uploaded, e.g. app/ (default: the bucket root)
    #[eco(replace)]
    pub prefix: Option<String>,
    /// local directory, relative to the configuration; its files make the manifest `files`
    /// (eco-only)
    #[eco(local)]
    pub source: String,
    /// delete keys under the prefix that are not in the source (default #true; DeleteObjects);
    /// #false keeps them
    #[eco(local)]
    pub delete: Option<bool>,
    #[eco(flatten)]
    pub rules: UploadRules,
    /// CloudFront distribution id to invalidate after files change (CreateInvalidation)
    #[eco(local)]
    pub invalidate: Option<String>,
    /// paths to invalidate (default: the changed keys, or PREFIX* when more than 15 change)
    #[eco(local)]
    pub invalidation_paths: Vec<String>,
    /// manifest: relative path -> hash of content, Content-Type and Cache-Control (computed by eco
    /// at plan time)
    #[eco(computed)]
    pub files: BTreeMap<String, String>,
    /// hash over the manifest
    #[eco(computed)]
    pub source_hash: Option<String>,
    /// number of objects in the manifest
    #[eco(computed)]
    pub object_count: Option<i64>,
}

impl UploadRules {
    /// The Cache-Control of the first rule matching `rel` (none: empty).
    pub fn cache_control(&self, rel: &str) -> String {
        let rule = self
            .cache_control
            .iter()
            .find(|r| glob_match(&r.pattern, rel));
        rule.map(|r| r.value.clone()).unwrap_or_default()
    }

    /// The Content-Type of the first rule matching `rel`, else the one its extension says.
    pub fn content_type(&self, rel: &str) -> String {
        let rule = self
            .content_type
            .iter()
            .find(|r| glob_match(&r.pattern, rel));
        rule.map(|r| r.value.clone())
            .unwrap_or_else(|| content_type_for(rel).to_string())
    }

    /// Whether an `exclude` pattern matches `rel`.
    pub fn excluded(&self, rel: &str) -> bool {
        self.exclude.iter().any(|p| glob_match(p, rel))
    }
}
