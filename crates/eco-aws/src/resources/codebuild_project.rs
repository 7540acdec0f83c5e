//! `codebuild-project`: a CodeBuild project, typically the build step of a `codepipeline`.
//!
//! AWS calls:
//! - read: BatchGetProjects; `read_many` reads up to 100 projects per BatchGetProjects call
//! - find: BatchGetProjects (ours by ownership tags, else Conflict)
//! - create: CreateProject (with tags); a project of that name that is ours is adopted and
//!   brought to the configuration with UpdateProject
//! - update: compares each changed attribute with BatchGetProjects first (a repeated update
//!   calls nothing), then one UpdateProject carrying only the attributes that differ; a changed
//!   block is the live block with the configured fields replaced (unmanaged fields such as
//!   `auth` or `s3Logs` are kept); tags are sent in full in the same UpdateProject
//! - delete: DeleteProject (a missing project is success)
//! - list: ListProjects (every page), then BatchGetProjects by 100
//! - import: by project name (BatchGetProjects)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "codebuild-project";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A CodeBuild project")
        .import_id("the project name")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("project name; CodeBuild cannot rename a project"),
        )
        .attr(Attribute::string("description").doc("description (UpdateProject)"))
        .attr(
            Attribute::string("service-role")
                .required()
                .doc("ARN of the role builds run as (UpdateProject)"),
        )
        .attr(
            Attribute::block(
                "source",
                vec![
                    Attribute::string("type")
                        .required()
                        .one_of(SOURCE_TYPES)
                        .doc("CODEPIPELINE, GITHUB, CODECOMMIT, S3 or NO_SOURCE"),
                    Attribute::string("location")
                        .doc("repository URL or bucket/key, unless CODEPIPELINE"),
                    Attribute::string("buildspec")
                        .doc("buildspec file path or inline YAML (default buildspec.yml)"),
                    Attribute::int("git-clone-depth").doc("git clone depth (0 = full clone)"),
                ],
            )
            .required()
            .doc("where the source comes from (UpdateProject)"),
        )
        .attr(
            Attribute::block(
                "artifacts",
                vec![
                    Attribute::string("type")
                        .required()
                        .one_of(ARTIFACT_TYPES)
                        .doc("CODEPIPELINE, S3 or NO_ARTIFACTS"),
                    Attribute::string("location").doc("bucket name, for S3"),
                    Attribute::string("path").doc("key prefix, for S3"),
                    Attribute::string("name").doc("artifact name, for S3"),
                    Attribute::string("packaging")
                        .one_of(&["NONE", "ZIP"])
                        .doc("NONE (default) or ZIP, for S3"),
                ],
            )
            .required()
            .doc("where build output goes (UpdateProject)"),
        )
        .attr(
            Attribute::block(
                "environment",
                vec![
                    Attribute::string("compute-type")
                        .required()
                        .doc("e.g. BUILD_GENERAL1_SMALL or BUILD_LAMBDA_2GB"),
                    Attribute::string("image")
                        .required()
                        .doc("build image, e.g. aws/codebuild/standard:7.0"),
                    Attribute::string("type")
                        .required()
                        .one_of(ENVIRONMENT_TYPES)
                        .doc("LINUX_CONTAINER, ARM_CONTAINER, LINUX_LAMBDA_CONTAINER, ..."),
                    Attribute::bool("privileged-mode").doc("allow Docker builds"),
                    Attribute::string("image-pull-credentials")
                        .one_of(&["CODEBUILD", "SERVICE_ROLE"])
                        .doc("CODEBUILD (default) or SERVICE_ROLE"),
                    Attribute::map("env", ScalarType::String)
                        .doc("plaintext environment variables"),
                    Attribute::map("parameter-env", ScalarType::String)
                        .doc("variables read from SSM Parameter Store: NAME=parameter-name"),
                    Attribute::map("secret-env", ScalarType::String)
                        .doc("variables read from Secrets Manager: NAME=secret-id:json-key"),
                ],
            )
            .required()
            .doc("build environment (UpdateProject)"),
        )
        .attr(
            Attribute::int("build-timeout")
                .range(5, 2160)
                .doc("minutes before a build is stopped, 5 to 2160 (default 60) (UpdateProject)"),
        )
        .attr(
            Attribute::int("queued-timeout")
                .range(5, 480)
                .doc("minutes a build may wait in the queue (UpdateProject)"),
        )
        .attr(
            Attribute::int("concurrent-build-limit")
                .doc("maximum concurrent builds (UpdateProject)"),
        )
        .attr(
            Attribute::block(
                "cache",
                vec![
                    Attribute::string("type")
                        .required()
                        .one_of(CACHE_TYPES)
                        .doc("NO_CACHE, S3 or LOCAL"),
                    Attribute::string("location").doc("bucket/prefix, for S3"),
                    Attribute::list("modes", ScalarType::String)
                        .doc("LOCAL_SOURCE_CACHE, LOCAL_DOCKER_LAYER_CACHE, LOCAL_CUSTOM_CACHE"),
                ],
            )
            .doc("build cache (UpdateProject)"),
        )
        .attr(
            Attribute::block(
                "logs",
                vec![
                    Attribute::string("group-name").doc("CloudWatch Logs group"),
                    Attribute::string("stream-name").doc("CloudWatch Logs stream prefix"),
                    Attribute::bool("enabled").doc("send logs to CloudWatch Logs (default #true)"),
                ],
            )
            .doc("build logs (UpdateProject LogsConfig)"),
        )
        .attr(Attribute::string("encryption-key").doc(
            "KMS key for build artifacts (default: the AWS managed key for S3) (UpdateProject)",
        ))
        .attr(Attribute::string("arn").computed().doc("project ARN"))
        .taggable()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_codebuild::types::{
    ArtifactPackaging, ArtifactsType, CacheMode, CacheType, CloudWatchLogsConfig, ComputeType,
    EnvironmentType, EnvironmentVariable, EnvironmentVariableType, ImagePullCredentialsType,
    LogsConfig, LogsConfigStatusType, Project, ProjectArtifacts, ProjectCache, ProjectEnvironment,
    ProjectSource, SourceType, Tag,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};

use crate::attrs::one_of;
use crate::attrs::{opt_block, opt_int, opt_str, opt_str_map, req_str, s};
use crate::aws::{error_code, op_error, Aws};
use crate::calls::delete_if_present;
use crate::ownership::not_ours;
use crate::tags::{tags_of, tags_value};

const TY: &str = TYPE_NAME;
/// BatchGetProjects takes at most this many names.
const BATCH: usize = 100;

const SOURCE_TYPES: &[&str] = &[
    "CODECOMMIT",
    "CODEPIPELINE",
    "GITHUB",
    "GITLAB",
    "GITLAB_SELF_MANAGED",
    "S3",
    "BITBUCKET",
    "GITHUB_ENTERPRISE",
    "NO_SOURCE",
];
const ARTIFACT_TYPES: &[&str] = &["CODEPIPELINE", "S3", "NO_ARTIFACTS"];
const ENVIRONMENT_TYPES: &[&str] = &[
    "ARM_CONTAINER",
    "ARM_EC2",
    "ARM_LAMBDA_CONTAINER",
    "LINUX_CONTAINER",
    "LINUX_EC2",
    "LINUX_GPU_CONTAINER",
    "LINUX_LAMBDA_CONTAINER",
    "MAC_ARM",
    "WINDOWS_CONTAINER",
    "WINDOWS_EC2",
    "WINDOWS_SERVER_2019_CONTAINER",
    "WINDOWS_SERVER_2022_CONTAINER",
];
const CACHE_TYPES: &[&str] = &["NO_CACHE", "S3", "LOCAL"];

/// The attributes UpdateProject manages (an adoption brings all of them to the configuration).
const MANAGED: &[&str] = &[
    "description",
    "service-role",
    "source",
    "artifacts",
    "environment",
    "build-timeout",
    "queued-timeout",
    "concurrent-build-limit",
    "cache",
    "logs",
    "encryption-key",
    "tags",
];

/// (attribute, environment variable type) of the three environment maps.
const ENV_MAPS: &[(&str, EnvironmentVariableType)] = &[
    ("env", EnvironmentVariableType::Plaintext),
    ("parameter-env", EnvironmentVariableType::ParameterStore),
    ("secret-env", EnvironmentVariableType::SecretsManager),
];

fn int32(op: &str, what: &str, v: i64) -> Result<i32, OpError> {
    i32::try_from(v).map_err(|_| OpError::invalid(op, format!("{TY}: {what} {v} is out of range")))
}

fn build_err(op: &str, e: impl std::fmt::Display) -> OpError {
    OpError::invalid(op, format!("{TY}: {e}"))
}

// --- live -> attributes ----------------------------------------------------------------------

fn env_type(v: &EnvironmentVariable) -> EnvironmentVariableType {
    v.r#type
        .clone()
        .unwrap_or(EnvironmentVariableType::Plaintext)
}

fn source_attrs(src: &ProjectSource) -> Value {
    let mut m = BTreeMap::new();
    m.insert("type".to_string(), s(src.r#type.as_str()));
    if let Some(l) = src.location.as_deref().filter(|l| !l.is_empty()) {
        m.insert("location".into(), s(l));
    }
    if let Some(b) = src.buildspec.as_deref().filter(|b| !b.is_empty()) {
        m.insert("buildspec".into(), s(b));
    }
    if let Some(d) = src.git_clone_depth {
        m.insert("git-clone-depth".into(), Value::Int(d as i64));
    }
    Value::Map(m)
}

fn artifacts_attrs(a: &ProjectArtifacts) -> Value {
    let mut m = BTreeMap::new();
    m.insert("type".to_string(), s(a.r#type.as_str()));
    for (k, v) in [
        ("location", a.location.as_deref()),
        ("path", a.path.as_deref()),
        ("name", a.name.as_deref()),
        ("packaging", a.packaging.as_ref().map(|p| p.as_str())),
    ] {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            m.insert(k.to_string(), s(v));
        }
    }
    Value::Map(m)
}

fn environment_attrs(e: &ProjectEnvironment) -> Value {
    let mut m = BTreeMap::new();
    m.insert("compute-type".to_string(), s(e.compute_type.as_str()));
    m.insert("image".to_string(), s(e.image.as_str()));
    m.insert("type".to_string(), s(e.r#type.as_str()));
    if let Some(p) = e.privileged_mode {
        m.insert("privileged-mode".into(), Value::Bool(p));
    }
    if let Some(c) = &e.image_pull_credentials_type {
        m.insert("image-pull-credentials".into(), s(c.as_str()));
    }
    let vars = e.environment_variables.as_deref().unwrap_or_default();
    for (key, ty) in ENV_MAPS {
        let map: BTreeMap<String, Value> = vars
            .iter()
            .filter(|v| env_type(v) == *ty)
            .map(|v| (v.name.clone(), s(v.value.as_str())))
            .collect();
        // An empty map is left out (the same as none for the engine).
        if !map.is_empty() {
            m.insert(key.to_string(), Value::Map(map));
        }
    }
    Value::Map(m)
}

fn cache_attrs(c: &ProjectCache) -> Value {
    let mut m = BTreeMap::new();
    m.insert("type".to_string(), s(c.r#type.as_str()));
    if let Some(l) = c.location.as_deref().filter(|l| !l.is_empty()) {
        m.insert("location".into(), s(l));
    }
    if let Some(modes) = &c.modes {
        m.insert(
            "modes".into(),
            Value::List(modes.iter().map(|x| s(x.as_str())).collect()),
        );
    }
    Value::Map(m)
}

fn logs_attrs(l: &LogsConfig) -> Option<Value> {
    let cw = l.cloud_watch_logs.as_ref()?;
    let mut m = BTreeMap::new();
    m.insert(
        "enabled".to_string(),
        Value::Bool(cw.status == LogsConfigStatusType::Enabled),
    );
    if let Some(g) = cw.group_name.as_deref().filter(|g| !g.is_empty()) {
        m.insert("group-name".into(), s(g));
    }
    if let Some(st) = cw.stream_name.as_deref().filter(|g| !g.is_empty()) {
        m.insert("stream-name".into(), s(st));
    }
    Some(Value::Map(m))
}

fn live_tags(p: &Project) -> BTreeMap<String, String> {
    p.tags()
        .iter()
        .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
        .collect()
}

/// What `read` reports for a project, in configuration shape.
pub fn to_attrs(p: &Project) -> Attrs {
    let mut a = Attrs::new();
    if let Some(n) = p.name() {
        a.insert("name".into(), s(n));
    }
    if let Some(arn) = p.arn() {
        a.insert("arn".into(), s(arn));
    }
    if let Some(d) = p.description().filter(|d| !d.is_empty()) {
        a.insert("description".into(), s(d));
    }
    if let Some(r) = p.service_role() {
        a.insert("service-role".into(), s(r));
    }
    if let Some(src) = p.source() {
        a.insert("source".into(), source_attrs(src));
    }
    if let Some(art) = p.artifacts() {
        a.insert("artifacts".into(), artifacts_attrs(art));
    }
    if let Some(e) = p.environment() {
        a.insert("environment".into(), environment_attrs(e));
    }
    if let Some(t) = p.timeout_in_minutes() {
        a.insert("build-timeout".into(), Value::Int(t as i64));
    }
    if let Some(t) = p.queued_timeout_in_minutes() {
        a.insert("queued-timeout".into(), Value::Int(t as i64));
    }
    if let Some(c) = p.concurrent_build_limit() {
        a.insert("concurrent-build-limit".into(), Value::Int(c as i64));
    }
    if let Some(c) = p.cache() {
        a.insert("cache".into(), cache_attrs(c));
    }
    if let Some(l) = p.logs_config().and_then(logs_attrs) {
        a.insert("logs".into(), l);
    }
    if let Some(k) = p.encryption_key().filter(|k| !k.is_empty()) {
        a.insert("encryption-key".into(), s(k));
    }
    a.insert("tags".into(), tags_value(&live_tags(p)));
    a
}

// --- configuration -> request structures -------------------------------------------------------

fn block_str(
    m: &BTreeMap<String, Value>,
    key: &str,
    block: &str,
    op: &str,
) -> Result<Option<String>, OpError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => Ok(Some(v.clone())),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{TY}: `{block}.{key}` must be a string, got {other:?}"),
        )),
    }
}

fn block_int(
    m: &BTreeMap<String, Value>,
    key: &str,
    block: &str,
    op: &str,
) -> Result<Option<i32>, OpError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(v)) => int32(op, &format!("`{block}.{key}`"), *v).map(Some),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{TY}: `{block}.{key}` must be an integer, got {other:?}"),
        )),
    }
}

fn block_bool(
    m: &BTreeMap<String, Value>,
    key: &str,
    block: &str,
    op: &str,
) -> Result<Option<bool>, OpError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(v)) => Ok(Some(*v)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{TY}: `{block}.{key}` must be #true or #false, got {other:?}"),
        )),
    }
}

fn block_map(
    m: &BTreeMap<String, Value>,
    key: &str,
    op: &str,
) -> Result<Option<BTreeMap<String, String>>, OpError> {
    opt_str_map(m, key, TY, op)
}

/// The live source (or a new one) with the configured fields of `m` replaced.
pub fn source_over(
    base: Option<&ProjectSource>,
    m: &BTreeMap<String, Value>,
    op: &str,
) -> Result<ProjectSource, OpError> {
    let ty = block_str(m, "type", "source", op)?;
    if let Some(t) = &ty {
        one_of(op, Some(TY), "`source.type`", t, SOURCE_TYPES)?;
    }
    let mut src = match base {
        Some(b) => b.clone(),
        None => ProjectSource::builder()
            .r#type(SourceType::from(ty.as_deref().ok_or_else(|| {
                OpError::invalid(op, format!("{TY}: `source.type` is required"))
            })?))
            .build()
            .map_err(|e| build_err(op, e))?,
    };
    if let Some(t) = ty {
        if t != src.r#type.as_str() && matches!(t.as_str(), "CODEPIPELINE" | "NO_SOURCE") {
            // These types take no location; a location left from the previous type is refused.
            src.location = None;
        }
        src.r#type = SourceType::from(t.as_str());
    }
    if let Some(l) = block_str(m, "location", "source", op)? {
        src.location = Some(l);
    }
    if let Some(b) = block_str(m, "buildspec", "source", op)? {
        src.buildspec = Some(b);
    }
    if let Some(d) = block_int(m, "git-clone-depth", "source", op)? {
        src.git_clone_depth = Some(d);
    }
    if !matches!(src.r#type.as_str(), "CODEPIPELINE" | "NO_SOURCE")
        && src.location.as_deref().unwrap_or("").is_empty()
    {
        return Err(OpError::invalid(
            op,
            format!(
                "{TY}: `source.location` is required for source type {}",
                src.r#type.as_str()
            ),
        ));
    }
    Ok(src)
}

/// The live artifacts (or new ones) with the configured fields of `m` replaced.
pub fn artifacts_over(
    base: Option<&ProjectArtifacts>,
    m: &BTreeMap<String, Value>,
    op: &str,
) -> Result<ProjectArtifacts, OpError> {
    let ty = block_str(m, "type", "artifacts", op)?;
    if let Some(t) = &ty {
        one_of(op, Some(TY), "`artifacts.type`", t, ARTIFACT_TYPES)?;
    }
    let mut a = match base {
        Some(b) => b.clone(),
        None => ProjectArtifacts::builder()
            .r#type(ArtifactsType::from(ty.as_deref().ok_or_else(|| {
                OpError::invalid(op, format!("{TY}: `artifacts.type` is required"))
            })?))
            .build()
            .map_err(|e| build_err(op, e))?,
    };
    if let Some(t) = ty {
        if t != a.r#type.as_str() && t != "S3" {
            a.location = None;
            a.path = None;
        }
        a.r#type = ArtifactsType::from(t.as_str());
    }
    if let Some(v) = block_str(m, "location", "artifacts", op)? {
        a.location = Some(v);
    }
    if let Some(v) = block_str(m, "path", "artifacts", op)? {
        a.path = Some(v);
    }
    if let Some(v) = block_str(m, "name", "artifacts", op)? {
        a.name = Some(v);
    }
    if let Some(v) = block_str(m, "packaging", "artifacts", op)? {
        one_of(op, Some(TY), "`artifacts.packaging`", &v, &["NONE", "ZIP"])?;
        a.packaging = Some(ArtifactPackaging::from(v.as_str()));
    }
    if a.r#type.as_str() == "S3" && a.location.as_deref().unwrap_or("").is_empty() {
        return Err(OpError::invalid(
            op,
            format!("{TY}: `artifacts.location` (a bucket) is required for S3 artifacts"),
        ));
    }
    Ok(a)
}

/// The live environment (or a new one) with the configured fields of `m` replaced; each
/// configured variable map replaces the live variables of its kind.
pub fn environment_over(
    base: Option<&ProjectEnvironment>,
    m: &BTreeMap<String, Value>,
    op: &str,
) -> Result<ProjectEnvironment, OpError> {
    let compute = block_str(m, "compute-type", "environment", op)?;
    let image = block_str(m, "image", "environment", op)?;
    let ty = block_str(m, "type", "environment", op)?;
    let mut e = match base {
        Some(b) => b.clone(),
        None => {
            let need = |v: &Option<String>, k: &str| {
                v.clone().ok_or_else(|| {
                    OpError::invalid(op, format!("{TY}: `environment.{k}` is required"))
                })
            };
            ProjectEnvironment::builder()
                .compute_type(ComputeType::from(need(&compute, "compute-type")?.as_str()))
                .image(need(&image, "image")?)
                .r#type(EnvironmentType::from(need(&ty, "type")?.as_str()))
                .build()
                .map_err(|e| build_err(op, e))?
        }
    };
    if let Some(c) = compute {
        e.compute_type = ComputeType::from(c.as_str());
    }
    if let Some(i) = image {
        e.image = i;
    }
    if let Some(t) = ty {
        e.r#type = EnvironmentType::from(t.as_str());
    }
    if let Some(p) = block_bool(m, "privileged-mode", "environment", op)? {
        e.privileged_mode = Some(p);
    }
    if let Some(c) = block_str(m, "image-pull-credentials", "environment", op)? {
        one_of(
            op,
            Some(TY),
            "`environment.image-pull-credentials`",
            &c,
            &["CODEBUILD", "SERVICE_ROLE"],
        )?;
        e.image_pull_credentials_type = Some(ImagePullCredentialsType::from(c.as_str()));
    }
    let mut vars = e.environment_variables.take().unwrap_or_default();
    for (key, ty) in ENV_MAPS {
        if let Some(map) = block_map(m, key, op)? {
            vars.retain(|v| env_type(v) != *ty);
            for (name, value) in map {
                vars.push(
                    EnvironmentVariable::builder()
                        .name(name)
                        .value(value)
                        .r#type(ty.clone())
                        .build()
                        .map_err(|e| build_err(op, e))?,
                );
            }
        }
    }
    e.environment_variables = Some(vars);
    Ok(e)
}

/// The live cache (or a new one) with the configured fields of `m` replaced.
pub fn cache_over(
    base: Option<&ProjectCache>,
    m: &BTreeMap<String, Value>,
    op: &str,
) -> Result<ProjectCache, OpError> {
    let ty = block_str(m, "type", "cache", op)?;
    if let Some(t) = &ty {
        one_of(op, Some(TY), "`cache.type`", t, CACHE_TYPES)?;
    }
    let mut c = match base {
        Some(b) => b.clone(),
        None => ProjectCache::builder()
            .r#type(CacheType::from(ty.as_deref().ok_or_else(|| {
                OpError::invalid(op, format!("{TY}: `cache.type` is required"))
            })?))
            .build()
            .map_err(|e| build_err(op, e))?,
    };
    if let Some(t) = ty {
        if t != c.r#type.as_str() {
            c.location = None;
            c.modes = None;
        }
        c.r#type = CacheType::from(t.as_str());
    }
    if let Some(l) = block_str(m, "location", "cache", op)? {
        c.location = Some(l);
    }
    match m.get("modes") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let modes = crate::attrs::str_list(v, "cache.modes", TY, op)?;
            c.modes = Some(modes.iter().map(|x| CacheMode::from(x.as_str())).collect());
        }
    }
    Ok(c)
}

/// The live logs configuration (or CloudWatch Logs enabled) with the configured fields replaced.
pub fn logs_over(
    base: Option<&LogsConfig>,
    m: &BTreeMap<String, Value>,
    op: &str,
) -> Result<LogsConfig, OpError> {
    let mut l = base
        .cloned()
        .unwrap_or_else(|| LogsConfig::builder().build());
    let mut cw = match l.cloud_watch_logs.take() {
        Some(cw) => cw,
        None => CloudWatchLogsConfig::builder()
            .status(LogsConfigStatusType::Enabled)
            .build()
            .map_err(|e| build_err(op, e))?,
    };
    if let Some(g) = block_str(m, "group-name", "logs", op)? {
        cw.group_name = Some(g);
    }
    if let Some(st) = block_str(m, "stream-name", "logs", op)? {
        cw.stream_name = Some(st);
    }
    if let Some(en) = block_bool(m, "enabled", "logs", op)? {
        cw.status = if en {
            LogsConfigStatusType::Enabled
        } else {
            LogsConfigStatusType::Disabled
        };
    }
    l.cloud_watch_logs = Some(cw);
    Ok(l)
}

fn sdk_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn req_block<'a>(
    desired: &'a Attrs,
    key: &str,
    op: &str,
) -> Result<&'a BTreeMap<String, Value>, OpError> {
    opt_block(desired, key, TY, op)?
        .ok_or_else(|| OpError::invalid(op, format!("{TY}: `{key}` is required")))
}

fn int_attr(desired: &Attrs, key: &str, op: &str) -> Result<Option<i32>, OpError> {
    opt_int(desired, key, TY, op)?
        .map(|v| int32(op, &format!("`{key}`"), v))
        .transpose()
}

fn check_timeouts(desired: &Attrs, op: &str) -> Result<(), OpError> {
    if let Some(t) = opt_int(desired, "build-timeout", TY, op)? {
        if !(5..=2160).contains(&t) {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `build-timeout` is {t}; CodeBuild takes 5 to 2160 minutes"),
            ));
        }
    }
    if let Some(t) = opt_int(desired, "queued-timeout", TY, op)? {
        if !(5..=480).contains(&t) {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `queued-timeout` is {t}; CodeBuild takes 5 to 480 minutes"),
            ));
        }
    }
    Ok(())
}

type CreateReq = aws_sdk_codebuild::operation::create_project::builders::CreateProjectFluentBuilder;
type UpdateReq = aws_sdk_codebuild::operation::update_project::builders::UpdateProjectFluentBuilder;

/// CreateProject for the configuration (tags included).
pub fn create_request(req: CreateReq, desired: &Attrs) -> Result<CreateReq, OpError> {
    let op = "CreateProject";
    check_timeouts(desired, op)?;
    let mut req = req
        .name(req_str(desired, "name", TY, op)?)
        .set_description(opt_str(desired, "description", TY, op)?)
        .service_role(req_str(desired, "service-role", TY, op)?)
        .source(source_over(None, req_block(desired, "source", op)?, op)?)
        .artifacts(artifacts_over(
            None,
            req_block(desired, "artifacts", op)?,
            op,
        )?)
        .environment(environment_over(
            None,
            req_block(desired, "environment", op)?,
            op,
        )?)
        .set_timeout_in_minutes(int_attr(desired, "build-timeout", op)?)
        .set_queued_timeout_in_minutes(int_attr(desired, "queued-timeout", op)?)
        .set_concurrent_build_limit(int_attr(desired, "concurrent-build-limit", op)?)
        .set_encryption_key(opt_str(desired, "encryption-key", TY, op)?)
        .set_tags(Some(sdk_tags(&tags_of(desired.get("tags")))));
    if let Some(c) = opt_block(desired, "cache", TY, op)? {
        req = req.cache(cache_over(None, c, op)?);
    }
    if let Some(l) = opt_block(desired, "logs", TY, op)? {
        req = req.logs_config(logs_over(None, l, op)?);
    }
    Ok(req)
}

/// Whether the configured value of an attribute differs from what `read` reports (inside
/// blocks, only the fields the configuration sets count, as in the engine's diff).
fn differs(want: &Value, live: Option<&Value>) -> bool {
    match (want, live) {
        (Value::Map(w), Some(Value::Map(l))) => {
            // A block: compare only the fields set (maps inside it compare whole). `tags`, a
            // plain map compared whole, is handled by the caller.
            w.iter()
                .any(|(k, v)| !matches!(v, Value::Null) && l.get(k) != Some(v))
        }
        (Value::Null, _) => false,
        (w, l) => l != Some(w),
    }
}

/// The attributes among `changed` whose configured value differs from the live project.
pub fn to_change(live: &Project, desired: &Attrs, changed: &[String]) -> Vec<String> {
    let live_attrs = to_attrs(live);
    changed
        .iter()
        .filter(|c| MANAGED.contains(&c.as_str()))
        .filter(|c| match desired.get(c.as_str()) {
            None => false,
            Some(want) if c.as_str() == "tags" => live_attrs.get("tags") != Some(want),
            Some(want) => differs(want, live_attrs.get(c.as_str())),
        })
        .cloned()
        .collect()
}

/// UpdateProject carrying the attributes in `attrs` (those that differ): each changed block is
/// the live block with the configured fields replaced; tags are the full desired set.
pub fn update_request(
    req: UpdateReq,
    live: &Project,
    desired: &Attrs,
    attrs: &[String],
) -> Result<UpdateReq, OpError> {
    let op = "UpdateProject";
    check_timeouts(desired, op)?;
    let name = live.name().unwrap_or_default().to_string();
    let mut req = req.name(name);
    for a in attrs {
        req = match a.as_str() {
            "description" => req.set_description(opt_str(desired, a, TY, op)?),
            "service-role" => req.set_service_role(opt_str(desired, a, TY, op)?),
            "source" => req.source(source_over(live.source(), req_block(desired, a, op)?, op)?),
            "artifacts" => req.artifacts(artifacts_over(
                live.artifacts(),
                req_block(desired, a, op)?,
                op,
            )?),
            "environment" => req.environment(environment_over(
                live.environment(),
                req_block(desired, a, op)?,
                op,
            )?),
            "build-timeout" => req.set_timeout_in_minutes(int_attr(desired, a, op)?),
            "queued-timeout" => req.set_queued_timeout_in_minutes(int_attr(desired, a, op)?),
            "concurrent-build-limit" => req.set_concurrent_build_limit(int_attr(desired, a, op)?),
            "cache" => req.cache(cache_over(live.cache(), req_block(desired, a, op)?, op)?),
            "logs" => req.logs_config(logs_over(
                live.logs_config(),
                req_block(desired, a, op)?,
                op,
            )?),
            "encryption-key" => req.set_encryption_key(opt_str(desired, a, TY, op)?),
            "tags" => req.set_tags(Some(sdk_tags(&tags_of(desired.get("tags"))))),
            "name" => {
                return Err(OpError::invalid(
                    op,
                    format!("{TY}: `name` cannot change in place (it forces a replacement)"),
                ))
            }
            _ => req,
        };
    }
    Ok(req)
}

fn live_of(p: &Project) -> Live {
    Live {
        id: p.name().unwrap_or_default().to_string(),
        attrs: to_attrs(p),
    }
}

/// The `codebuild-project` operations.
pub struct Provider {
    client: aws_sdk_codebuild::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.codebuild(),
            schema: schema(),
        }
    }

    /// BatchGetProjects for up to 100 names: the projects found, by name.
    async fn batch(&self, names: &[String]) -> Result<BTreeMap<String, Project>, OpError> {
        let mut out = BTreeMap::new();
        for chunk in names.chunks(BATCH) {
            let res = self
                .client
                .batch_get_projects()
                .set_names(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| op_error("BatchGetProjects", e))?;
            for p in res.projects() {
                if let Some(n) = p.name() {
                    out.insert(n.to_string(), p.clone());
                }
            }
        }
        Ok(out)
    }

    async fn get(&self, name: &str) -> Result<Option<Project>, OpError> {
        Ok(self.batch(&[name.to_string()]).await?.remove(name))
    }

    /// Brings a live project to `desired` for the attributes in `changed`: one UpdateProject
    /// with what differs, nothing when nothing does.
    async fn converge(
        &self,
        live: &Project,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let attrs = to_change(live, desired, changed);
        if attrs.is_empty() {
            return Ok(live_of(live));
        }
        let out = update_request(self.client.update_project(), live, desired, &attrs)?
            .send()
            .await
            .map_err(|e| op_error("UpdateProject", e))?;
        match out.project() {
            Some(p) => Ok(live_of(p)),
            None => {
                let name = live.name().unwrap_or_default();
                self.get(name).await?.map(|p| live_of(&p)).ok_or_else(|| {
                    OpError::new(
                        "UpdateProject",
                        ErrorKind::Other,
                        format!("{TY}: project `{name}` vanished during the update"),
                    )
                })
            }
        }
    }

    /// Adopts an existing project of this name when it is ours; Conflict otherwise.
    async fn adopt_existing(
        &self,
        ctx: &OpContext,
        p: &Project,
        desired: &Attrs,
        op: &str,
    ) -> Result<Live, OpError> {
        let tags = live_tags(p);
        let name = p.name().unwrap_or_default();
        if !ctx.owns(&tags) {
            return Err(not_ours(
                ctx,
                op,
                &format!("CodeBuild project `{name}`"),
                name,
                &tags,
            ));
        }
        let all: Vec<String> = MANAGED.iter().map(|s| s.to_string()).collect();
        self.converge(p, desired, &all).await
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.get(id).await?.map(|p| live_of(&p)))
    }

    async fn read_many(
        &self,
        requests: &[(OpContext, String)],
    ) -> Option<Result<Vec<Option<Live>>, OpError>> {
        let mut names: Vec<String> = requests.iter().map(|(_, id)| id.clone()).collect();
        names.sort();
        names.dedup();
        Some(self.batch(&names).await.map(|found| {
            requests
                .iter()
                .map(|(_, id)| found.get(id).map(live_of))
                .collect()
        }))
    }

    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = match self
                .client
                .list_projects()
                .set_next_token(token.take())
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return Some(Err(op_error("ListProjects", e))),
            };
            names.extend(out.projects().iter().cloned());
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Some(
            self.batch(&names)
                .await
                .map(|found| found.values().map(live_of).collect()),
        )
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let name = req_str(desired, "name", TY, "BatchGetProjects")?;
        let Some(p) = self.get(&name).await? else {
            return Ok(None);
        };
        let tags = live_tags(&p);
        if ctx.owns(&tags) {
            Ok(Some(live_of(&p)))
        } else {
            Err(not_ours(
                ctx,
                "BatchGetProjects",
                &format!("CodeBuild project `{name}`"),
                &name,
                &tags,
            ))
        }
    }

    async fn create(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Live, OpError> {
        let op = "CreateProject";
        let name = req_str(desired, "name", TY, op)?;
        let req = create_request(self.client.create_project(), desired)?;
        if let Some(p) = self.get(&name).await? {
            return self.adopt_existing(ctx, &p, desired, op).await;
        }
        match req.send().await {
            Ok(out) => match out.project() {
                Some(p) => Ok(live_of(p)),
                None => self.get(&name).await?.map(|p| live_of(&p)).ok_or_else(|| {
                    OpError::new(
                        op,
                        ErrorKind::Other,
                        format!("{TY}: project `{name}` not found after CreateProject"),
                    )
                }),
            },
            // Made concurrently, or by a run whose result was lost.
            Err(e) if error_code(&e) == Some("ResourceAlreadyExistsException") => {
                let p = self.get(&name).await?.ok_or_else(|| op_error(op, e))?;
                self.adopt_existing(ctx, &p, desired, op).await
            }
            Err(e) => Err(op_error(op, e)),
        }
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let Some(p) = self.get(id).await? else {
            return Err(OpError::new(
                "UpdateProject",
                ErrorKind::Other,
                format!("{TY}: project `{id}` no longer exists (deleted outside eco?)"),
            ));
        };
        self.converge(&p, desired, changed).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        delete_if_present(
            "DeleteProject",
            crate::aws::is_not_found,
            self.client.delete_project().name(id).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> aws_sdk_codebuild::Client {
        crate::aws::Aws::for_endpoint("http://127.0.0.1:9", "us-east-1").codebuild()
    }

    fn map(items: &[(&str, Value)]) -> Value {
        Value::Map(
            items
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn desired() -> Attrs {
        Attrs::from([
            ("name".to_string(), s("deploy")),
            (
                "service-role".to_string(),
                s("arn:aws:iam::123456789012:role/build"),
            ),
            (
                "source".to_string(),
                map(&[
                    ("type", s("CODEPIPELINE")),
                    ("buildspec", s("buildspec.yml")),
                ]),
            ),
            ("artifacts".to_string(), map(&[("type", s("CODEPIPELINE"))])),
            (
                "environment".to_string(),
                map(&[
                    ("compute-type", s("BUILD_GENERAL1_SMALL")),
                    ("image", s("aws/codebuild/standard:7.0")),
                    ("type", s("LINUX_CONTAINER")),
                    ("env", map(&[("STAGE", s("dev"))])),
                ]),
            ),
            ("build-timeout".to_string(), Value::Int(30)),
            (
                "logs".to_string(),
                map(&[("group-name", s("/ecogy/dev/codebuild"))]),
            ),
            ("tags".to_string(), map(&[("team", s("platform"))])),
        ])
    }

    /// The project AWS would report for `desired()` (plus fields eco does not manage).
    fn live() -> Project {
        let req = create_request(client().create_project(), &desired()).unwrap();
        let mut src = req.get_source().clone().unwrap();
        src.auth = None;
        src.report_build_status = Some(true);
        let mut logs = req.get_logs_config().clone().unwrap();
        logs.s3_logs = Some(
            aws_sdk_codebuild::types::S3LogsConfig::builder()
                .status(LogsConfigStatusType::Disabled)
                .build()
                .unwrap(),
        );
        Project::builder()
            .name("deploy")
            .arn("arn:aws:codebuild:us-east-1:123456789012:project/deploy")
            .service_role("arn:aws:iam::123456789012:role/build")
            .source(src)
            .artifacts(req.get_artifacts().clone().unwrap())
            .environment(req.get_environment().clone().unwrap())
            .timeout_in_minutes(30)
            .queued_timeout_in_minutes(480)
            .logs_config(logs)
            .encryption_key("arn:aws:kms:us-east-1:123456789012:alias/aws/s3")
            .set_tags(req.get_tags().clone())
            .build()
    }

    #[test]
    fn create_request_carries_the_configuration() {
        let req = create_request(client().create_project(), &desired()).unwrap();
        assert_eq!(req.get_name().as_deref(), Some("deploy"));
        let src = req.get_source().as_ref().unwrap();
        assert_eq!(src.r#type, SourceType::Codepipeline);
        assert_eq!(src.location, None);
        assert_eq!(src.buildspec.as_deref(), Some("buildspec.yml"));
        let env = req.get_environment().as_ref().unwrap();
        assert_eq!(env.compute_type, ComputeType::BuildGeneral1Small);
        let vars = env.environment_variables.as_ref().unwrap();
        assert_eq!(vars.len(), 1);
        assert_eq!(
            (vars[0].name.as_str(), vars[0].value.as_str()),
            ("STAGE", "dev")
        );
        assert_eq!(vars[0].r#type, Some(EnvironmentVariableType::Plaintext));
        assert_eq!(req.get_timeout_in_minutes(), &Some(30));
        let cw = req
            .get_logs_config()
            .as_ref()
            .unwrap()
            .cloud_watch_logs
            .as_ref()
            .unwrap();
        assert_eq!(cw.status, LogsConfigStatusType::Enabled);
        assert_eq!(cw.group_name.as_deref(), Some("/ecogy/dev/codebuild"));
        assert_eq!(req.get_tags().as_ref().unwrap().len(), 1);
    }

    #[test]
    fn read_reports_the_configuration_shape() {
        let attrs = to_attrs(&live());
        for (k, v) in desired() {
            assert!(
                !differs(&v, attrs.get(&k)),
                "`{k}` differs: {:?} vs {v:?}",
                attrs.get(&k)
            );
        }
        assert_eq!(
            attrs["arn"],
            s("arn:aws:codebuild:us-east-1:123456789012:project/deploy")
        );
        // Nothing differs, so an update (or an adoption) calls nothing.
        let all: Vec<String> = MANAGED.iter().map(|s| s.to_string()).collect();
        assert!(to_change(&live(), &desired(), &all).is_empty());
    }

    #[test]
    fn update_project_sends_only_what_differs_keeping_unmanaged_fields() {
        let mut want = desired();
        want.insert(
            "environment".into(),
            map(&[
                ("image", s("aws/codebuild/standard:8.0")),
                ("env", map(&[("STAGE", s("dev")), ("DEBUG", s("1"))])),
                ("secret-env", map(&[("TOKEN", s("github:token"))])),
            ]),
        );
        want.insert("build-timeout".into(), Value::Int(45));
        want.insert("tags".into(), map(&[("team", s("web"))]));
        let changed: Vec<String> = ["environment", "build-timeout", "tags", "source"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let live = live();
        let attrs = to_change(&live, &want, &changed);
        assert_eq!(
            attrs,
            vec!["environment", "build-timeout", "tags"],
            "source is unchanged"
        );
        let req = update_request(client().update_project(), &live, &want, &attrs).unwrap();
        assert_eq!(req.get_name().as_deref(), Some("deploy"));
        assert_eq!(req.get_source(), &None, "an unchanged block is not sent");
        assert_eq!(req.get_timeout_in_minutes(), &Some(45));
        let env = req.get_environment().as_ref().unwrap();
        assert_eq!(env.image, "aws/codebuild/standard:8.0");
        assert_eq!(
            env.compute_type,
            ComputeType::BuildGeneral1Small,
            "kept from live"
        );
        let mut vars: Vec<(String, String, Option<EnvironmentVariableType>)> = env
            .environment_variables
            .clone()
            .unwrap()
            .into_iter()
            .map(|v| (v.name, v.value, v.r#type))
            .collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            vars,
            vec![
                (
                    "DEBUG".into(),
                    "1".into(),
                    Some(EnvironmentVariableType::Plaintext)
                ),
                (
                    "STAGE".into(),
                    "dev".into(),
                    Some(EnvironmentVariableType::Plaintext)
                ),
                (
                    "TOKEN".into(),
                    "github:token".into(),
                    Some(EnvironmentVariableType::SecretsManager)
                ),
            ]
        );
        let tags = req.get_tags().as_ref().unwrap();
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0].key.as_deref(), Some("team"));
        assert_eq!(tags[0].value.as_deref(), Some("web"));
        assert_eq!(req.get_logs_config(), &None);

        // A changed source keeps the live fields eco does not manage.
        want.insert(
            "source".into(),
            map(&[
                ("type", s("GITHUB")),
                ("location", s("https://github.com/ecogy/app")),
            ]),
        );
        let req = update_request(
            client().update_project(),
            &live,
            &want,
            &["source".into(), "logs".into()],
        )
        .unwrap();
        let src = req.get_source().as_ref().unwrap();
        assert_eq!(src.r#type, SourceType::Github);
        assert_eq!(
            src.location.as_deref(),
            Some("https://github.com/ecogy/app")
        );
        assert_eq!(src.buildspec.as_deref(), Some("buildspec.yml"));
        assert_eq!(src.report_build_status, Some(true));
        let logs = req.get_logs_config().as_ref().unwrap();
        assert!(logs.s3_logs.is_some(), "the live s3Logs setting is kept");
    }

    #[test]
    fn invalid_values_are_refused_before_any_call() {
        let mut d = desired();
        d.insert("source".into(), map(&[("type", s("SVN"))]));
        assert_eq!(
            create_request(client().create_project(), &d)
                .unwrap_err()
                .kind,
            ErrorKind::Invalid
        );
        let mut d = desired();
        d.insert("source".into(), map(&[("type", s("GITHUB"))]));
        let e = create_request(client().create_project(), &d).unwrap_err();
        assert!(e.message.contains("source.location"), "{e}");
        let mut d = desired();
        d.insert("build-timeout".into(), Value::Int(3000));
        assert_eq!(
            create_request(client().create_project(), &d)
                .unwrap_err()
                .kind,
            ErrorKind::Invalid
        );
        let mut d = desired();
        d.insert("artifacts".into(), map(&[("type", s("S3"))]));
        assert!(create_request(client().create_project(), &d).is_err());
        assert!(update_request(
            client().update_project(),
            &live(),
            &desired(),
            &["name".into()]
        )
        .is_err());
    }
}
