//! `lambda-function`: a Lambda function deployed from a local directory (or prebuilt zip) that
//! eco packages.
//!
//! The zip is built reproducibly (entries sorted by path, every timestamp 1980-01-01 00:00, mode
//! 0644, or 0755 for files with an execute bit, deflate level 6), so the same files give the same
//! bytes and the same SHA-256. `expand` packages the source at plan time and adds `source-hash`
//! (base64 SHA-256 of the zip, exactly Lambda's CodeSha256) to desired; `read` reports CodeSha256
//! as `source-hash`, so a changed file plans UpdateFunctionCode and nothing else.
//!
//! AWS calls:
//! - read: GetFunction (configuration, CodeSha256, tags, reserved concurrency), ListAliases,
//!   ListVersionsByFunction (concurrently)
//! - create: CreateFunction (zip or S3 object for packages over 50 MB, role, runtime, handler,
//!   memory, timeout, environment, layers, architectures, tags, publish), GetFunctionConfiguration
//!   until State is Active, then PutFunctionConcurrency and CreateAlias when configured
//! - update: UpdateFunctionCode (source, architectures), GetFunctionConfiguration until
//!   LastUpdateStatus is no longer InProgress, UpdateFunctionConfiguration (everything else), wait
//!   again, PutFunctionConcurrency / DeleteFunctionConcurrency, PublishVersion, CreateAlias /
//!   UpdateAlias, TagResource / UntagResource
//! - delete: DeleteFunction
//! - import: by function name (GetFunction)
//!
//! `sensitive-env` values go into the same Environment as `env`; the names of the sensitive ones
//! are kept in the tag `eco:sensitive-env` (space-separated), so `read` can report each variable
//! under the attribute it was set with. That tag is eco's and never shown as a tag.

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "lambda-function";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A Lambda function built from a local source directory")
        .import_id("the function name")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("function name; Lambda cannot rename a function"),
        )
        .attr(Attribute::string("description").doc("description (UpdateFunctionConfiguration)"))
        .attr(
            Attribute::string("runtime")
                .required()
                .doc("runtime identifier, e.g. nodejs20.x (UpdateFunctionConfiguration)"),
        )
        .attr(
            Attribute::string("handler")
                .required()
                .doc("entry point, e.g. index.handler (UpdateFunctionConfiguration)"),
        )
        .attr(
            Attribute::string("source")
                .required()
                .local()
                .doc("directory (relative to the configuration) zipped by eco, or a prebuilt .zip; its content hash drives code updates (UpdateFunctionCode)"),
        )
        .attr(
            Attribute::string("code-bucket")
                .local()
                .doc("S3 bucket packages over 50 MB are uploaded to (key eco/lambda/NAME/HASH.zip) before UpdateFunctionCode"),
        )
        .attr(
            Attribute::string("role")
                .required()
                .doc("execution role ARN (UpdateFunctionConfiguration)"),
        )
        .attr(Attribute::int("memory").doc("memory in MB, 128 to 10240 (UpdateFunctionConfiguration)"))
        .attr(Attribute::int("timeout").doc("timeout in seconds, up to 900 (UpdateFunctionConfiguration)"))
        .attr(
            Attribute::map("env", ScalarType::String)
                .doc("environment variables, shown in plans (UpdateFunctionConfiguration)"),
        )
        .attr(
            Attribute::map("sensitive-env", ScalarType::String)
                .sensitive()
                .doc("environment variables kept out of plans and logs, merged with env (UpdateFunctionConfiguration)"),
        )
        .attr(
            Attribute::list("layers", ScalarType::String)
                .doc("layer version ARNs, in order (UpdateFunctionConfiguration)"),
        )
        .attr(
            Attribute::list("architectures", ScalarType::String)
                .one_of(&["x86_64", "arm64"]).doc("x86_64 (default) or arm64 (UpdateFunctionCode)"),
        )
        .attr(
            Attribute::int("reserved-concurrency")
                .doc("reserved concurrent executions (PutFunctionConcurrency / DeleteFunctionConcurrency)"),
        )
        .attr(
            Attribute::int("ephemeral-storage")
                .doc("/tmp size in MB, 512 to 10240 (UpdateFunctionConfiguration)"),
        )
        .attr(
            Attribute::string("tracing")
                .one_of(&["PassThrough", "Active"]).doc("X-Ray tracing mode: PassThrough (default) or Active (UpdateFunctionConfiguration)"),
        )
        .attr(
            Attribute::block(
                "vpc",
                vec![
                    Attribute::list("subnet-ids", ScalarType::String).unordered()
                        .required()
                        .doc("subnets the function's network interfaces are placed in"),
                    Attribute::list("security-group-ids", ScalarType::String).unordered()
                        .required()
                        .doc("security groups of those interfaces"),
                ],
            )
            .doc("run the function inside a VPC (UpdateFunctionConfiguration)"),
        )
        .attr(
            Attribute::bool("publish")
                .local()
                .doc("publish a new version after each code or configuration change (PublishVersion)"),
        )
        .attr(
            Attribute::string("alias")
                .doc("alias kept pointing at the latest published version (CreateAlias / UpdateAlias)"),
        )
        .attr(Attribute::string("arn").computed().doc("unqualified function ARN"))
        .attr(
            Attribute::string("invoke-arn")
                .computed()
                .doc("ARN API Gateway uses to invoke the function (integration uri)"),
        )
        .attr(
            Attribute::string("qualified-arn")
                .computed()
                .doc("ARN of the latest published version"),
        )
        .attr(Attribute::string("version").computed().doc("latest published version, or $LATEST"))
        .attr(
            Attribute::string("alias-arn")
                .computed()
                .doc("ARN of the alias, when one is configured"),
        )
        .attr(
            Attribute::string("source-hash")
                .computed()
                .doc("base64 SHA-256 of the deployed zip (CodeSha256)"),
        )
        .taggable()
}

// ---------------------------------------------------------------------------------------------
// Packaging
// ---------------------------------------------------------------------------------------------

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, Environment, EphemeralStorage, FunctionCode, LastUpdateStatus, Runtime, State,
    TracingConfig, TracingMode, VpcConfig,
};
use base64::Engine as _;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};
use sha2::Digest as _;

use crate::attrs::{
    any_changed, opt_block, opt_bool, opt_int_in, opt_str, opt_str_list, opt_str_map, req_str, s,
    str_list, str_list_value, str_map_value,
};
use crate::aws::{is_gone, op_error, Aws};
use crate::calls::delete_if_present;
use crate::ownership::not_ours;
use crate::tags::{tag_diff, TagByKey};
use crate::tags::{tags_of, tags_value};

/// Zipped packages above this size cannot be sent in the request: they go through S3.
pub const DIRECT_UPLOAD_LIMIT: usize = 50 * 1024 * 1024;
/// The tag that names the variables set through `sensitive-env`.
pub const SENSITIVE_ENV_TAG: &str = "eco:sensitive-env";
/// Description of the alias eco manages (how `read` tells it from others).
const ALIAS_DESCRIPTION: &str = "managed by eco";
/// Longest wait for a function to leave Pending / InProgress.
const READY_TIMEOUT: Duration = Duration::from_secs(300);

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

// ---------------------------------------------------------------------------------------------
// Desired configuration
// ---------------------------------------------------------------------------------------------

const TY: &str = "lambda-function";

/// The attributes UpdateFunctionConfiguration sets.
const CONFIG_ATTRS: &[&str] = &[
    "description",
    "runtime",
    "handler",
    "role",
    "memory",
    "timeout",
    "env",
    "sensitive-env",
    "layers",
    "ephemeral-storage",
    "tracing",
    "vpc",
];
/// The attributes UpdateFunctionCode sets.
const CODE_ATTRS: &[&str] = &["source-hash", "architectures"];

#[derive(Debug, Clone, PartialEq, Default)]
struct Spec {
    name: String,
    /// The configuration's directory, from the operation's context: `source` is relative to it.
    base_dir: PathBuf,
    description: Option<String>,
    runtime: Option<String>,
    handler: Option<String>,
    source: Option<String>,
    source_hash: Option<String>,
    code_bucket: Option<String>,
    role: Option<String>,
    memory: Option<i32>,
    timeout: Option<i32>,
    env: Option<BTreeMap<String, String>>,
    sensitive_env: Option<BTreeMap<String, String>>,
    layers: Option<Vec<String>>,
    architectures: Option<Vec<String>>,
    reserved: Option<i32>,
    ephemeral: Option<i32>,
    tracing: Option<String>,
    vpc: Option<(Vec<String>, Vec<String>)>,
    publish: bool,
    alias: Option<String>,
    tags: BTreeMap<String, String>,
}

fn valid_env_name(k: &str) -> bool {
    let mut chars = k.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn spec_of(desired: &Attrs, op: &str) -> Result<Spec, OpError> {
    let name = req_str(desired, "name", TY, op)?;
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(OpError::invalid(
            op,
            format!("{TY}: name `{name}` is not a valid function name (1 to 64 letters, digits, - and _)"),
        ));
    }
    let env = opt_str_map(desired, "env", TY, op)?;
    let sensitive_env = opt_str_map(desired, "sensitive-env", TY, op)?;
    for key in env
        .iter()
        .chain(sensitive_env.iter())
        .flat_map(|m| m.keys())
    {
        if !valid_env_name(key) {
            return Err(OpError::invalid(
                op,
                format!("{TY}: environment variable name `{key}` must start with a letter and hold only letters, digits and _"),
            ));
        }
    }
    if let (Some(e), Some(se)) = (&env, &sensitive_env) {
        if let Some(k) = e.keys().find(|k| se.contains_key(*k)) {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{k}` is in both env and sensitive-env"),
            ));
        }
    }
    let architectures = opt_str_list(desired, "architectures", TY, op)?;
    if let Some(archs) = &architectures {
        if archs.len() != 1 || !["x86_64", "arm64"].contains(&archs[0].as_str()) {
            return Err(OpError::invalid(
                op,
                format!(
                    "{TY}: architectures must be exactly one of x86_64 or arm64, got {archs:?}"
                ),
            ));
        }
    }
    let tracing = opt_str(desired, "tracing", TY, op)?;
    if let Some(t) = &tracing {
        if t != "Active" && t != "PassThrough" {
            return Err(OpError::invalid(
                op,
                format!("{TY}: tracing must be Active or PassThrough, got `{t}`"),
            ));
        }
    }
    let vpc = match opt_block(desired, "vpc", TY, op)? {
        None => None,
        Some(fields) => {
            let get = |k: &str| {
                fields
                    .get(k)
                    .map(|v| str_list(v, k, TY, op))
                    .transpose()
                    .map(Option::unwrap_or_default)
            };
            Some((get("subnet-ids")?, get("security-group-ids")?))
        }
    };
    let source_hash = match desired.get("source-hash") {
        Some(Value::String(h)) => Some(h.clone()),
        _ => None,
    };
    Ok(Spec {
        base_dir: PathBuf::from("."),
        name,
        description: opt_str(desired, "description", TY, op)?,
        runtime: opt_str(desired, "runtime", TY, op)?,
        handler: opt_str(desired, "handler", TY, op)?,
        source: opt_str(desired, "source", TY, op)?,
        source_hash,
        code_bucket: opt_str(desired, "code-bucket", TY, op)?,
        role: opt_str(desired, "role", TY, op)?,
        memory: opt_int_in(desired, "memory", 128..=10240, TY, op)?,
        timeout: opt_int_in(desired, "timeout", 1..=900, TY, op)?,
        env,
        sensitive_env,
        layers: opt_str_list(desired, "layers", TY, op)?,
        architectures,
        reserved: opt_int_in(desired, "reserved-concurrency", 0..=1_000_000, TY, op)?,
        ephemeral: opt_int_in(desired, "ephemeral-storage", 512..=10240, TY, op)?,
        tracing,
        vpc,
        publish: opt_bool(desired, "publish", TY, op)?.unwrap_or(false),
        alias: opt_str(desired, "alias", TY, op)?,
        tags: tags_of(desired.get("tags")),
    })
}

/// The sensitive variable names as the tag value (sorted, space-separated), or `None`.
fn sensitive_tag_value(names: &[&String], op: &str) -> Result<Option<String>, OpError> {
    if names.is_empty() {
        return Ok(None);
    }
    let mut names: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
    names.sort_unstable();
    let value = names.join(" ");
    if value.len() > 256 {
        return Err(OpError::invalid(
            op,
            format!("{TY}: the names of sensitive-env variables exceed the 256 characters eco can record in its `{SENSITIVE_ENV_TAG}` tag"),
        ));
    }
    Ok(Some(value))
}

/// Environment variables to send (env + sensitive-env; either falls back to what `prior`
/// reports when the configuration does not manage it) and the tag naming the sensitive ones.
fn environment(
    spec: &Spec,
    prior: &Attrs,
    op: &str,
) -> Result<(BTreeMap<String, String>, Option<String>), OpError> {
    let prior_map = |k: &str| opt_str_map(prior, k, TY, op).map(Option::unwrap_or_default);
    let env = match &spec.env {
        Some(e) => e.clone(),
        None => prior_map("env")?,
    };
    let sensitive = match &spec.sensitive_env {
        Some(e) => e.clone(),
        None => prior_map("sensitive-env")?,
    };
    let names: Vec<&String> = sensitive.keys().filter(|k| !env.contains_key(*k)).collect();
    let tag = sensitive_tag_value(&names, op)?;
    let mut all = sensitive.clone();
    all.extend(env);
    Ok((all, tag))
}

/// The tags to put on the function: the configured ones plus the sensitive-env marker.
fn wanted_tags(spec: &Spec, sensitive_tag: Option<String>) -> BTreeMap<String, String> {
    let mut tags = spec.tags.clone();
    tags.remove(SENSITIVE_ENV_TAG);
    if let Some(v) = sensitive_tag {
        tags.insert(SENSITIVE_ENV_TAG.to_string(), v);
    }
    tags
}

/// Classifies CreateFunction / UpdateFunctionConfiguration errors: a role IAM has just made is
/// not yet assumable by Lambda for a few seconds (InvalidParameterValueException "The role
/// defined for the function cannot be assumed by Lambda."): retryable, unlike every other
/// invalid parameter.
pub fn classify_role_error(mut err: OpError) -> OpError {
    if err.message.starts_with("InvalidParameterValueException")
        && err.message.contains("cannot be assumed by Lambda")
    {
        err.kind = ErrorKind::Retryable;
    }
    err
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// What `read` learns besides GetFunction.
#[derive(Debug, Clone, Default)]
struct Extra {
    /// The eco alias: name, arn, version it points at.
    alias: Option<(String, String, String)>,
    /// Latest published version number.
    latest_version: Option<String>,
}

fn function_attrs(
    out: &aws_sdk_lambda::operation::get_function::GetFunctionOutput,
    extra: &Extra,
) -> Option<Attrs> {
    let c = out.configuration()?;
    let mut a = Attrs::new();
    let name = c.function_name().unwrap_or_default().to_string();
    a.insert("name".into(), s(&name));
    if let Some(d) = c.description().filter(|d| !d.is_empty()) {
        a.insert("description".into(), s(d));
    }
    if let Some(r) = c.runtime() {
        a.insert("runtime".into(), s(r.as_str()));
    }
    if let Some(h) = c.handler() {
        a.insert("handler".into(), s(h));
    }
    if let Some(r) = c.role() {
        a.insert("role".into(), s(r));
    }
    if let Some(m) = c.memory_size() {
        a.insert("memory".into(), Value::Int(m as i64));
    }
    if let Some(t) = c.timeout() {
        a.insert("timeout".into(), Value::Int(t as i64));
    }
    let mut tags: BTreeMap<String, String> = out
        .tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let sensitive: Vec<String> = tags
        .remove(SENSITIVE_ENV_TAG)
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let vars: BTreeMap<String, String> = c
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let (secret, plain): (BTreeMap<_, _>, BTreeMap<_, _>) =
        vars.into_iter().partition(|(k, _)| sensitive.contains(k));
    if !plain.is_empty() {
        a.insert("env".into(), str_map_value(&plain));
    }
    if !secret.is_empty() {
        a.insert("sensitive-env".into(), str_map_value(&secret));
    }
    if !c.layers().is_empty() {
        a.insert(
            "layers".into(),
            str_list_value(
                c.layers()
                    .iter()
                    .filter_map(|l| l.arn())
                    .map(str::to_string),
            ),
        );
    }
    let archs: Vec<String> = c
        .architectures()
        .iter()
        .map(|x| x.as_str().to_string())
        .collect();
    a.insert(
        "architectures".into(),
        str_list_value(if archs.is_empty() {
            vec!["x86_64".to_string()]
        } else {
            archs
        }),
    );
    if let Some(r) = out
        .concurrency()
        .and_then(|c| c.reserved_concurrent_executions())
    {
        a.insert("reserved-concurrency".into(), Value::Int(r as i64));
    }
    if let Some(e) = c.ephemeral_storage() {
        a.insert("ephemeral-storage".into(), Value::Int(e.size() as i64));
    }
    if let Some(m) = c.tracing_config().and_then(|t| t.mode()) {
        a.insert("tracing".into(), s(m.as_str()));
    }
    if let Some(v) = c.vpc_config().filter(|v| !v.subnet_ids().is_empty()) {
        a.insert(
            "vpc".into(),
            Value::Map(BTreeMap::from([
                (
                    "subnet-ids".to_string(),
                    str_list_value(v.subnet_ids().iter().cloned()),
                ),
                (
                    "security-group-ids".to_string(),
                    str_list_value(v.security_group_ids().iter().cloned()),
                ),
            ])),
        );
    }
    let arn = c.function_arn().unwrap_or_default().to_string();
    // An ARN read with a qualifier would carry ":VERSION"; the unqualified one has 7 parts.
    let arn: String = arn.split(':').take(7).collect::<Vec<_>>().join(":");
    let region = arn.split(':').nth(3).unwrap_or("us-east-1").to_string();
    a.insert(
        "invoke-arn".into(),
        s(format!(
            "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        )),
    );
    let version = match (&extra.alias, &extra.latest_version) {
        (Some((_, _, v)), _) => v.clone(),
        (None, Some(v)) => v.clone(),
        (None, None) => "$LATEST".to_string(),
    };
    a.insert("qualified-arn".into(), s(format!("{arn}:{version}")));
    a.insert("version".into(), s(version));
    if let Some((alias, alias_arn, _)) = &extra.alias {
        a.insert("alias".into(), s(alias));
        a.insert("alias-arn".into(), s(alias_arn));
    }
    a.insert("arn".into(), s(arn));
    if let Some(h) = c.code_sha256() {
        a.insert("source-hash".into(), s(h));
    }
    a.insert("tags".into(), tags_value(&tags));
    Some(a)
}

/// The live tags of a read (the sensitive marker included), from GetFunction.
fn live_tags(
    out: &aws_sdk_lambda::operation::get_function::GetFunctionOutput,
) -> BTreeMap<String, String> {
    out.tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Provider
// ---------------------------------------------------------------------------------------------

/// The `lambda-function` operations.
///
/// `expand` packages each source once per plan and keeps the zip in memory (keyed by its hash)
/// for create and update; when it is not there (another process planned), the source is
/// packaged again relative to the operation's configuration directory (`OpContext::base_dir`)
/// and must still have the planned hash.
pub struct Provider {
    lambda: aws_sdk_lambda::Client,
    s3: aws_sdk_s3::Client,
    schema: Schema,
    packages: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            lambda: aws.lambda(),
            s3: aws.s3(),
            schema: schema(),
            packages: Mutex::new(HashMap::new()),
        }
    }

    /// The package for `spec`: from the plan's cache, or packaged now.
    fn package(&self, spec: &Spec, op: &str) -> Result<Package, OpError> {
        if let Some(hash) = &spec.source_hash {
            if let Some(zip) = self.packages.lock().unwrap().get(hash) {
                return Ok(Package {
                    zip: zip.clone(),
                    hash: hash.clone(),
                });
            }
        }
        let Some(source) = &spec.source else {
            return Err(OpError::invalid(op, format!("{TY}: `source` is required")));
        };
        let pkg = package_source(&spec.base_dir, source, None, None)
            .map_err(|e| OpError::invalid(op, format!("{TY}: {}", e.message)))?;
        if let Some(hash) = &spec.source_hash {
            if hash != &pkg.hash {
                return Err(OpError::invalid(
                    op,
                    format!("{TY}: source `{source}` changed since the plan (hash {hash}, now {}): plan again", pkg.hash),
                ));
            }
        }
        self.packages
            .lock()
            .unwrap()
            .insert(pkg.hash.clone(), pkg.zip.clone());
        Ok(pkg)
    }

    /// Uploads a large package to S3 when it needs to be, and returns where the code is.
    async fn code_location(
        &self,
        spec: &Spec,
        pkg: &Package,
        op: &str,
    ) -> Result<CodeUpload, OpError> {
        let upload = code_upload(
            pkg.zip.len(),
            &spec.name,
            &pkg.hash,
            spec.code_bucket.as_deref(),
            op,
        )?;
        if let CodeUpload::S3 { bucket, key } = &upload {
            self.s3
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(aws_sdk_s3::primitives::ByteStream::from(
                    pkg.zip.as_ref().clone(),
                ))
                .send()
                .await
                .map_err(|e| op_error("PutObject", e))?;
        }
        Ok(upload)
    }

    async fn get(
        &self,
        name: &str,
    ) -> Result<Option<aws_sdk_lambda::operation::get_function::GetFunctionOutput>, OpError> {
        match self.lambda.get_function().function_name(name).send().await {
            Ok(out) => Ok(Some(out)),
            Err(e) if is_gone(&e) => Ok(None),
            Err(e) => Err(op_error("GetFunction", e)),
        }
    }

    async fn extra(&self, name: &str) -> Result<Extra, OpError> {
        let aliases = async {
            let mut found = None;
            let mut marker = None;
            loop {
                let out = self
                    .lambda
                    .list_aliases()
                    .function_name(name)
                    .set_marker(marker)
                    .send()
                    .await
                    .map_err(|e| op_error("ListAliases", e))?;
                for a in out.aliases() {
                    if a.description() == Some(ALIAS_DESCRIPTION) && found.is_none() {
                        found = Some((
                            a.name().unwrap_or_default().to_string(),
                            a.alias_arn().unwrap_or_default().to_string(),
                            a.function_version().unwrap_or("$LATEST").to_string(),
                        ));
                    }
                }
                marker = out.next_marker().map(str::to_string);
                if marker.is_none() {
                    return Ok::<_, OpError>(found);
                }
            }
        };
        let versions = async {
            let mut latest: Option<u64> = None;
            let mut marker = None;
            loop {
                let out = self
                    .lambda
                    .list_versions_by_function()
                    .function_name(name)
                    .set_marker(marker)
                    .send()
                    .await
                    .map_err(|e| op_error("ListVersionsByFunction", e))?;
                for v in out.versions() {
                    if let Some(n) = v.version().and_then(|v| v.parse::<u64>().ok()) {
                        latest = latest.max(Some(n));
                    }
                }
                marker = out.next_marker().map(str::to_string);
                if marker.is_none() {
                    return Ok::<_, OpError>(latest.map(|n| n.to_string()));
                }
            }
        };
        let (alias, latest_version) = tokio::try_join!(aliases, versions)?;
        Ok(Extra {
            alias,
            latest_version,
        })
    }

    async fn read_name(
        &self,
        name: &str,
    ) -> Result<Option<(Live, BTreeMap<String, String>)>, OpError> {
        let Some(out) = self.get(name).await? else {
            return Ok(None);
        };
        let extra = match self.extra(name).await {
            Ok(x) => x,
            Err(e) if e.message.contains("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(attrs) = function_attrs(&out, &extra) else {
            return Ok(None);
        };
        Ok(Some((
            Live {
                id: name.to_string(),
                attrs,
            },
            live_tags(&out),
        )))
    }

    /// Polls GetFunctionConfiguration (backing off 250 ms doubling to 5 s, at most 5 minutes)
    /// until the function is neither Pending nor InProgress; Failed is an error with AWS's
    /// reason.
    async fn wait_ready(&self, name: &str, op: &str) -> Result<(), OpError> {
        let start = std::time::Instant::now();
        let mut delay = Duration::from_millis(250);
        loop {
            let c = self
                .lambda
                .get_function_configuration()
                .function_name(name)
                .send()
                .await
                .map_err(|e| op_error("GetFunctionConfiguration", e))?;
            let state = c.state().cloned();
            let update = c.last_update_status().cloned();
            if state == Some(State::Failed) || update == Some(LastUpdateStatus::Failed) {
                let reason = c
                    .last_update_status_reason()
                    .or(c.state_reason())
                    .unwrap_or("no reason given");
                return Err(OpError::new(
                    op,
                    ErrorKind::Other,
                    format!("{TY}: function `{name}` failed to become ready: {reason}"),
                ));
            }
            if state != Some(State::Pending) && update != Some(LastUpdateStatus::InProgress) {
                return Ok(());
            }
            if start.elapsed() > READY_TIMEOUT {
                return Err(OpError::new(
                    op,
                    ErrorKind::Retryable,
                    format!(
                        "{TY}: function `{name}` still not ready after {} s",
                        READY_TIMEOUT.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    async fn create_new(&self, spec: &Spec) -> Result<(), OpError> {
        let op = "CreateFunction";
        let pkg = self.package(spec, op)?;
        let code = match self.code_location(spec, &pkg, op).await? {
            CodeUpload::Direct => FunctionCode::builder()
                .zip_file(Blob::new(pkg.zip.as_ref().clone()))
                .build(),
            CodeUpload::S3 { bucket, key } => FunctionCode::builder()
                .s3_bucket(bucket)
                .s3_key(key)
                .build(),
        };
        let (vars, sensitive_tag) = environment(spec, &Attrs::new(), op)?;
        let tags = wanted_tags(spec, sensitive_tag);
        let mut req = self
            .lambda
            .create_function()
            .function_name(&spec.name)
            .code(code)
            .set_role(spec.role.clone())
            .set_handler(spec.handler.clone())
            .set_runtime(spec.runtime.as_deref().map(Runtime::from))
            .set_description(spec.description.clone())
            .set_memory_size(spec.memory)
            .set_timeout(spec.timeout)
            .set_layers(spec.layers.clone())
            .set_architectures(
                spec.architectures
                    .as_ref()
                    .map(|a| a.iter().map(|x| Architecture::from(x.as_str())).collect()),
            )
            .set_tags(Some(tags.into_iter().collect()))
            .publish(spec.publish);
        if !vars.is_empty() {
            req = req.environment(
                Environment::builder()
                    .set_variables(Some(vars.into_iter().collect()))
                    .build(),
            );
        }
        if let Some(size) = spec.ephemeral {
            req = req.ephemeral_storage(
                EphemeralStorage::builder()
                    .size(size)
                    .build()
                    .expect("size set"),
            );
        }
        if let Some(t) = &spec.tracing {
            req = req.tracing_config(
                TracingConfig::builder()
                    .mode(TracingMode::from(t.as_str()))
                    .build(),
            );
        }
        if let Some((subnets, groups)) = &spec.vpc {
            req = req.vpc_config(
                VpcConfig::builder()
                    .set_subnet_ids(Some(subnets.clone()))
                    .set_security_group_ids(Some(groups.clone()))
                    .build(),
            );
        }
        req.send()
            .await
            .map_err(|e| classify_role_error(op_error(op, e)))?;
        self.wait_ready(&spec.name, op).await?;
        if let Some(n) = spec.reserved {
            self.lambda
                .put_function_concurrency()
                .function_name(&spec.name)
                .reserved_concurrent_executions(n)
                .send()
                .await
                .map_err(|e| op_error("PutFunctionConcurrency", e))?;
        }
        if spec.alias.is_some() {
            let version = if spec.publish {
                self.publish(&spec.name).await?
            } else {
                "$LATEST".to_string()
            };
            self.point_alias(spec, &version, None).await?;
        }
        Ok(())
    }

    /// PublishVersion (returns the version; publishing unchanged code returns the last one).
    async fn publish(&self, name: &str) -> Result<String, OpError> {
        let out = self
            .lambda
            .publish_version()
            .function_name(name)
            .send()
            .await
            .map_err(|e| op_error("PublishVersion", e))?;
        Ok(out.version().unwrap_or("$LATEST").to_string())
    }

    /// CreateAlias, or UpdateAlias when `live_alias` is the same name; a renamed alias deletes the
    /// old one after the new one exists.
    async fn point_alias(
        &self,
        spec: &Spec,
        version: &str,
        live_alias: Option<&str>,
    ) -> Result<(), OpError> {
        let Some(alias) = &spec.alias else {
            return Ok(());
        };
        if live_alias == Some(alias.as_str()) {
            self.lambda
                .update_alias()
                .function_name(&spec.name)
                .name(alias)
                .function_version(version)
                .description(ALIAS_DESCRIPTION)
                .send()
                .await
                .map_err(|e| op_error("UpdateAlias", e))?;
            return Ok(());
        }
        match self
            .lambda
            .create_alias()
            .function_name(&spec.name)
            .name(alias)
            .function_version(version)
            .description(ALIAS_DESCRIPTION)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if crate::aws::error_code(&e) == Some("ResourceConflictException") => {
                self.lambda
                    .update_alias()
                    .function_name(&spec.name)
                    .name(alias)
                    .function_version(version)
                    .description(ALIAS_DESCRIPTION)
                    .send()
                    .await
                    .map_err(|e| op_error("UpdateAlias", e))?;
            }
            Err(e) => return Err(op_error("CreateAlias", e)),
        }
        if let Some(old) = live_alias {
            match self
                .lambda
                .delete_alias()
                .function_name(&spec.name)
                .name(old)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_gone(&e) => {}
                Err(e) => return Err(op_error("DeleteAlias", e)),
            }
        }
        Ok(())
    }

    /// Brings the function from `prior` (its live attributes) to `spec` for the attributes in
    /// `changed`.
    async fn apply_changes(
        &self,
        spec: &Spec,
        prior: &Attrs,
        live_tags: &BTreeMap<String, String>,
        changed: &[String],
    ) -> Result<(), OpError> {
        let name = &spec.name;
        let calls = planned_calls(spec, prior, changed);
        let mut deployed = false;
        if calls.code {
            let op = "UpdateFunctionCode";
            let pkg = self.package(spec, op)?;
            let mut req = self.lambda.update_function_code().function_name(name);
            req = match self.code_location(spec, &pkg, op).await? {
                CodeUpload::Direct => req.zip_file(Blob::new(pkg.zip.as_ref().clone())),
                CodeUpload::S3 { bucket, key } => req.s3_bucket(bucket).s3_key(key),
            };
            if let Some(a) = &spec.architectures {
                req = req.set_architectures(Some(
                    a.iter().map(|x| Architecture::from(x.as_str())).collect(),
                ));
            }
            req.send().await.map_err(|e| op_error(op, e))?;
            self.wait_ready(name, op).await?;
            deployed = true;
        }
        let (vars, sensitive_tag) = environment(spec, prior, "UpdateFunctionConfiguration")?;
        if calls.config {
            let op = "UpdateFunctionConfiguration";
            let mut req = self
                .lambda
                .update_function_configuration()
                .function_name(name);
            for attr in changed
                .iter()
                .filter(|c| CONFIG_ATTRS.contains(&c.as_str()))
            {
                req = match attr.as_str() {
                    // An attribute removed from the configuration resets to Lambda's default.
                    "description" => req.description(spec.description.clone().unwrap_or_default()),
                    "runtime" => req.set_runtime(spec.runtime.as_deref().map(Runtime::from)),
                    "handler" => req.set_handler(spec.handler.clone()),
                    "role" => req.set_role(spec.role.clone()),
                    "memory" => req.memory_size(spec.memory.unwrap_or(128)),
                    "timeout" => req.timeout(spec.timeout.unwrap_or(3)),
                    "env" | "sensitive-env" => req.environment(
                        Environment::builder()
                            .set_variables(Some(vars.clone().into_iter().collect()))
                            .build(),
                    ),
                    "layers" => req.set_layers(Some(spec.layers.clone().unwrap_or_default())),
                    "ephemeral-storage" => req.ephemeral_storage(
                        EphemeralStorage::builder()
                            .size(spec.ephemeral.unwrap_or(512))
                            .build()
                            .expect("size set"),
                    ),
                    "tracing" => req.tracing_config(
                        TracingConfig::builder()
                            .mode(TracingMode::from(
                                spec.tracing.as_deref().unwrap_or("PassThrough"),
                            ))
                            .build(),
                    ),
                    "vpc" => {
                        let (subnets, groups) = spec.vpc.clone().unwrap_or_default();
                        req.vpc_config(
                            VpcConfig::builder()
                                .set_subnet_ids(Some(subnets))
                                .set_security_group_ids(Some(groups))
                                .build(),
                        )
                    }
                    _ => req,
                };
            }
            req.send()
                .await
                .map_err(|e| classify_role_error(op_error(op, e)))?;
            self.wait_ready(name, op).await?;
            deployed = true;
        }
        if changed.iter().any(|c| c == "reserved-concurrency") {
            match spec.reserved {
                Some(n) => {
                    self.lambda
                        .put_function_concurrency()
                        .function_name(name)
                        .reserved_concurrent_executions(n)
                        .send()
                        .await
                        .map_err(|e| op_error("PutFunctionConcurrency", e))?;
                }
                None => {
                    self.lambda
                        .delete_function_concurrency()
                        .function_name(name)
                        .send()
                        .await
                        .map_err(|e| op_error("DeleteFunctionConcurrency", e))?;
                }
            }
        }
        let live_alias = prior.get("alias").and_then(Value::as_str);
        let publish_now = spec.publish && (deployed || any_changed(changed, &["publish"]));
        if publish_now || (spec.alias.is_some() && any_changed(changed, &["alias"])) {
            let version = if spec.publish {
                self.publish(name).await?
            } else {
                "$LATEST".to_string()
            };
            if spec.alias.is_some() {
                self.point_alias(spec, &version, live_alias).await?;
            }
        }
        // Tags: the configured ones (when managed) plus the sensitive-env marker.
        let desired_tags = if spec.tags.is_empty() && !changed.iter().any(|c| c == "tags") {
            let mut t = live_tags.clone();
            t.remove(SENSITIVE_ENV_TAG);
            wanted_tags(
                &Spec {
                    tags: t,
                    ..Spec::default()
                },
                sensitive_tag,
            )
        } else {
            wanted_tags(spec, sensitive_tag)
        };
        let (set, remove) = tag_diff(live_tags, &desired_tags, &[]);
        if !set.is_empty() || !remove.is_empty() {
            let arn = prior
                .get("arn")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| {
                    OpError::new(
                        "TagResource",
                        ErrorKind::Other,
                        format!("{TY}: `{name}` has no known ARN"),
                    )
                })?;
            if !set.is_empty() {
                self.lambda.tag(&arn, set).await?;
            }
            if !remove.is_empty() {
                self.lambda.untag(&arn, remove).await?;
            }
        }
        Ok(())
    }

    async fn read_required(
        &self,
        name: &str,
        op: &str,
    ) -> Result<(Live, BTreeMap<String, String>), OpError> {
        self.read_name(name).await?.ok_or_else(|| {
            OpError::new(
                op,
                ErrorKind::Other,
                format!("{TY}: function `{name}` vanished during {op}"),
            )
        })
    }
}

/// Which of the update calls a change needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Calls {
    code: bool,
    config: bool,
}

fn planned_calls(spec: &Spec, prior: &Attrs, changed: &[String]) -> Calls {
    let hash_differs = spec
        .source_hash
        .as_ref()
        .is_some_and(|h| prior.get("source-hash").and_then(Value::as_str) != Some(h.as_str()));
    Calls {
        code: any_changed(changed, CODE_ATTRS)
            || (any_changed(changed, &["source"]) && hash_differs),
        config: any_changed(changed, CONFIG_ATTRS),
    }
}

/// The eco-only attributes (kept in state, never read from AWS).
const LOCAL_ATTRS: &[&str] = &["source", "code-bucket", "publish"];

/// The live resource after a create or update, with the eco-only attributes of `desired`.
fn with_local(mut live: Live, desired: &Attrs) -> Live {
    for k in LOCAL_ATTRS {
        if let Some(v) = desired.get(*k) {
            live.attrs.insert(k.to_string(), v.clone());
        }
    }
    live
}

/// The attributes of `spec` that differ from `live` (for adoption by create).
fn differing(desired: &Attrs, live: &Attrs) -> Vec<String> {
    crate::aws::differing(desired, live, LOCAL_ATTRS)
}

// Lambda tags a function by ARN: TagResource with a map, UntagResource by key.
crate::tags::tag_by_key!(aws_sdk_lambda::Client, resource);

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// ListFunctions (every page), each function read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let mut names = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = match self
                .lambda
                .list_functions()
                .set_marker(marker.take())
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return Some(Err(crate::aws::op_error("ListFunctions", e))),
            };
            names.extend(
                out.functions()
                    .iter()
                    .filter_map(|f| f.function_name().map(str::to_string)),
            );
            match out.next_marker() {
                Some(m) if !m.is_empty() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Some(
            crate::aws::read_each(names, |name| async move {
                Ok(self.read_name(&name).await?.map(|(live, _)| live))
            })
            .await,
        )
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_name(id).await?.map(|(live, _)| live))
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let spec = spec_of(desired, "GetFunction")?;
        let Some((live, tags)) = self.read_name(&spec.name).await? else {
            return Ok(None);
        };
        if !ctx.owns(&tags) {
            return Err(not_ours(
                ctx,
                "GetFunction",
                &format!("Lambda function `{}`", spec.name),
                &spec.name,
                &tags,
            ));
        }
        Ok(Some(live))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let spec = Spec {
            base_dir: ctx.base_dir.clone(),
            ..spec_of(desired, "CreateFunction")?
        };
        if let Some(existing) = self.find(ctx, desired, token).await? {
            let (_, tags) = self.read_required(&spec.name, "CreateFunction").await?;
            let changed = differing(desired, &existing.attrs);
            if changed.is_empty() {
                return Ok(with_local(existing, desired));
            }
            self.apply_changes(&spec, &existing.attrs, &tags, &changed)
                .await?;
            let live = self.read_required(&spec.name, "CreateFunction").await?.0;
            return Ok(with_local(live, desired));
        }
        match self.create_new(&spec).await {
            Ok(()) => {}
            Err(e) if e.message.starts_with("ResourceConflictException") => {
                // Made meanwhile: adopt it if it is ours.
                return match self.find(ctx, desired, token).await? {
                    Some(live) => Ok(with_local(live, desired)),
                    None => Err(e),
                };
            }
            Err(e) => return Err(e),
        }
        let live = self.read_required(&spec.name, "CreateFunction").await?.0;
        Ok(with_local(live, desired))
    }

    async fn update(
        &self,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let spec = Spec {
            base_dir: ctx.base_dir.clone(),
            ..spec_of(desired, "UpdateFunctionConfiguration")?
        };
        if let Some(bad) = changed.iter().find(|c| c.as_str() == "name") {
            return Err(OpError::invalid(
                "UpdateFunctionConfiguration",
                format!("{TY}: `{bad}` cannot change in place (it forces a replacement)"),
            ));
        }
        // Tags and the sensitive marker are compared with what is live now, not with `prior`.
        let (live, tags) = self
            .read_required(id, "UpdateFunctionConfiguration")
            .await?;
        let mut base = live.attrs.clone();
        for (k, v) in prior {
            base.entry(k.clone()).or_insert_with(|| v.clone());
        }
        let spec = Spec {
            name: id.to_string(),
            ..spec
        };
        self.apply_changes(&spec, &base, &tags, changed).await?;
        let live = self
            .read_required(id, "UpdateFunctionConfiguration")
            .await?
            .0;
        Ok(with_local(live, desired))
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        delete_if_present(
            "DeleteFunction",
            is_gone,
            self.lambda.delete_function().function_name(id).send(),
        )
        .await
    }

    fn expand(&self, base_dir: &Path, desired: &mut Attrs) -> Result<(), OpError> {
        let Some(Value::String(source)) = desired.get("source") else {
            return match desired.get("source") {
                None => Err(OpError::invalid("source", "`source` is required")),
                // Not known yet (a reference): nothing to package.
                _ => Ok(()),
            };
        };
        let runtime = desired.get("runtime").and_then(Value::as_str);
        let handler = desired.get("handler").and_then(Value::as_str);
        let pkg = package_source(base_dir, source, runtime, handler)?;
        self.packages
            .lock()
            .unwrap()
            .insert(pkg.hash.clone(), pkg.zip.clone());
        desired.insert("source-hash".into(), Value::String(pkg.hash));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn touch_all(dir: &Path, secs: u64) {
        let t = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                touch_all(&p, secs);
            } else {
                let f = std::fs::File::options().write(true).open(&p).unwrap();
                f.set_modified(t).unwrap();
            }
        }
    }

    #[test]
    fn packaging_is_reproducible_whatever_the_mtimes() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "index.js", "exports.handler = async () => 1;\n");
        write(dir.path(), "lib/b.js", "module.exports = 2;\n");
        write(dir.path(), "lib/a.js", "module.exports = 1;\n");
        touch_all(dir.path(), 1_000_000);
        let first = package_dir(dir.path()).unwrap();
        touch_all(dir.path(), 2_000_000_000);
        let second = package_dir(dir.path()).unwrap();
        assert_eq!(first, second, "same files, new mtimes: same bytes");
        // Sorted entries, fixed timestamps.
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&first)).unwrap();
        let names: Vec<String> = archive.file_names().map(str::to_string).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names.len(), 3);
        for i in 0..archive.len() {
            let f = archive.by_index(i).unwrap();
            assert_eq!(f.last_modified(), Some(zip::DateTime::default()));
            assert_eq!(f.unix_mode().map(|m| m & 0o777), Some(0o644));
        }
        // Entry order is the sorted order (the central directory keeps insertion order).
        let order: Vec<String> = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().to_string())
            .collect();
        assert_eq!(order, vec!["index.js", "lib/a.js", "lib/b.js"]);
        // A changed file changes the hash.
        write(dir.path(), "lib/a.js", "module.exports = 3;\n");
        let third = package_dir(dir.path()).unwrap();
        assert_ne!(code_sha256(&first), code_sha256(&third));
    }

    #[test]
    fn code_sha256_is_base64_of_sha256() {
        // sha256("") = e3b0c442...; base64 as Lambda reports it.
        assert_eq!(
            code_sha256(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn handler_files_per_runtime() {
        assert_eq!(
            handler_files("nodejs20.x", "index.handler").unwrap(),
            vec!["index.js", "index.mjs", "index.cjs"]
        );
        assert_eq!(
            handler_files("nodejs18.x", "src/app.main").unwrap()[0],
            "src/app.js"
        );
        assert_eq!(
            handler_files("python3.12", "app.handler").unwrap(),
            vec!["app.py"]
        );
        assert_eq!(
            handler_files("python3.12", "pkg.mod.handler").unwrap(),
            vec!["pkg/mod.py"]
        );
        assert_eq!(handler_files("java21", "com.x.Handler::handle"), None);
        assert_eq!(handler_files("provided.al2023", "bootstrap"), None);
    }

    #[test]
    fn expand_adds_the_hash_and_names_the_attribute_at_fault() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "fn/index.mjs",
            "export const handler = async () => 1;\n",
        );
        let aws = Aws::for_endpoint("http://127.0.0.1:1", "us-east-1");
        let p = Provider::new(&aws);
        let mut d = Attrs::from([
            ("name".to_string(), s("f")),
            ("runtime".to_string(), s("nodejs20.x")),
            ("handler".to_string(), s("index.handler")),
            ("source".to_string(), s("./fn")),
        ]);
        p.expand(dir.path(), &mut d).unwrap();
        let hash = d["source-hash"].as_str().unwrap().to_string();
        assert_eq!(
            hash,
            code_sha256(&package_dir(&dir.path().join("fn")).unwrap())
        );
        // The package is kept for apply.
        let spec = spec_of(&d, "CreateFunction").unwrap();
        assert_eq!(p.package(&spec, "CreateFunction").unwrap().hash, hash);

        let mut bad = d.clone();
        bad.insert("handler".into(), s("app.handler"));
        let err = p.expand(dir.path(), &mut bad).unwrap_err();
        assert_eq!(
            (err.operation.as_str(), err.kind),
            ("handler", ErrorKind::Invalid)
        );
        assert!(
            err.message.contains("app.js or app.mjs or app.cjs"),
            "{err}"
        );

        let mut missing = d.clone();
        missing.insert("source".into(), s("./nope"));
        let err = p.expand(dir.path(), &mut missing).unwrap_err();
        assert_eq!(
            (err.operation.as_str(), err.kind),
            ("source", ErrorKind::Invalid)
        );
        assert!(err.message.contains("./nope"), "{err}");

        // A prebuilt zip is taken as is.
        let zip = package_dir(&dir.path().join("fn")).unwrap();
        std::fs::write(dir.path().join("fn.zip"), &zip).unwrap();
        let mut prebuilt = d.clone();
        prebuilt.insert("source".into(), s("fn.zip"));
        p.expand(dir.path(), &mut prebuilt).unwrap();
        assert_eq!(prebuilt["source-hash"], s(code_sha256(&zip)));
        // Python: app.handler needs app.py.
        let mut py = d.clone();
        py.insert("runtime".into(), s("python3.12"));
        assert_eq!(
            p.expand(dir.path(), &mut py).unwrap_err().operation,
            "handler"
        );
    }

    #[test]
    fn large_packages_go_through_s3() {
        assert_eq!(
            code_upload(1000, "f", "h", None, "Op").unwrap(),
            CodeUpload::Direct
        );
        let big = DIRECT_UPLOAD_LIMIT + 1;
        assert_eq!(
            code_upload(big, "f", "h", None, "Op").unwrap_err().kind,
            ErrorKind::Invalid
        );
        assert_eq!(
            code_upload(big, "f", "ab+/c=", Some("bkt"), "Op").unwrap(),
            CodeUpload::S3 {
                bucket: "bkt".into(),
                key: "eco/lambda/f/ab-_c..zip".into()
            }
        );
    }

    #[test]
    fn a_role_lambda_cannot_assume_yet_is_retryable_and_nothing_else_is() {
        let e = OpError::new(
            "CreateFunction",
            ErrorKind::Invalid,
            "InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda.",
        );
        assert_eq!(classify_role_error(e).kind, ErrorKind::Retryable);
        let e = OpError::new(
            "CreateFunction",
            ErrorKind::Invalid,
            "InvalidParameterValueException: Unzipped size must be smaller than 262144000 bytes",
        );
        assert_eq!(classify_role_error(e).kind, ErrorKind::Invalid);
        let e = OpError::new(
            "CreateFunction",
            ErrorKind::Other,
            "AccessDeniedException: cannot be assumed by Lambda",
        );
        assert_eq!(classify_role_error(e).kind, ErrorKind::Other);
    }

    #[test]
    fn env_and_sensitive_env_merge_and_mark_the_sensitive_names() {
        let d = Attrs::from([
            ("name".to_string(), s("f")),
            (
                "env".to_string(),
                Value::Map(BTreeMap::from([("A".to_string(), s("1"))])),
            ),
            (
                "sensitive-env".to_string(),
                Value::Map(BTreeMap::from([
                    ("Z_KEY".to_string(), s("x")),
                    ("B".to_string(), s("y")),
                ])),
            ),
        ]);
        let spec = spec_of(&d, "Op").unwrap();
        let (vars, tag) = environment(&spec, &Attrs::new(), "Op").unwrap();
        assert_eq!(vars.len(), 3);
        assert_eq!(tag.as_deref(), Some("B Z_KEY"));
        // Only env configured: the live sensitive ones are kept.
        let only_env = Attrs::from([
            ("name".to_string(), s("f")),
            (
                "env".to_string(),
                Value::Map(BTreeMap::from([("A".to_string(), s("2"))])),
            ),
        ]);
        let spec = spec_of(&only_env, "Op").unwrap();
        let (vars, tag) = environment(&spec, &d, "Op").unwrap();
        assert_eq!(vars.get("A").map(String::as_str), Some("2"));
        assert_eq!(vars.get("B").map(String::as_str), Some("y"));
        assert_eq!(tag.as_deref(), Some("B Z_KEY"));
        // Invalid names and duplicates are refused.
        let mut bad = d.clone();
        bad.insert(
            "env".into(),
            Value::Map(BTreeMap::from([("1X".to_string(), s("1"))])),
        );
        assert!(spec_of(&bad, "Op").is_err());
        let mut dup = d.clone();
        dup.insert(
            "env".into(),
            Value::Map(BTreeMap::from([("B".to_string(), s("1"))])),
        );
        assert!(spec_of(&dup, "Op").is_err());
    }

    #[test]
    fn a_source_edit_is_a_code_update_and_an_env_edit_a_configuration_update() {
        let prior = Attrs::from([("source-hash".to_string(), s("old"))]);
        let mut d = Attrs::from([
            ("name".to_string(), s("f")),
            ("source-hash".to_string(), s("new")),
        ]);
        let spec = spec_of(&d, "Op").unwrap();
        assert_eq!(
            planned_calls(&spec, &prior, &["source-hash".into()]),
            Calls {
                code: true,
                config: false
            }
        );
        assert_eq!(
            planned_calls(&spec, &prior, &["env".into()]),
            Calls {
                code: false,
                config: true
            }
        );
        // A new path with the same content: no call.
        d.insert("source-hash".into(), s("old"));
        let spec = spec_of(&d, "Op").unwrap();
        assert_eq!(
            planned_calls(&spec, &prior, &["source".into()]),
            Calls::default()
        );
        assert_eq!(
            planned_calls(&spec, &prior, &["architectures".into(), "memory".into()]),
            Calls {
                code: true,
                config: true
            }
        );
    }

    #[test]
    fn spec_refuses_invalid_values() {
        for (k, v) in [
            ("name", s("bad name")),
            ("memory", Value::Int(64)),
            ("timeout", Value::Int(901)),
            ("architectures", str_list_value(["x86_64", "arm64"])),
            ("tracing", s("On")),
            ("ephemeral-storage", Value::Int(100)),
        ] {
            let mut d = Attrs::from([("name".to_string(), s("f"))]);
            d.insert(k.into(), v);
            assert_eq!(
                spec_of(&d, "Op").unwrap_err().kind,
                ErrorKind::Invalid,
                "{k}"
            );
        }
    }
}
