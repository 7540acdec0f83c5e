//! The typed spec as CodeBuild requests: CreateProject, and UpdateProject carrying what differs.
//! A block is written over the live one (or a new one): the fields the configuration sets are
//! replaced, the live fields eco does not manage (`auth`, `s3Logs`, ...) are kept.

use std::collections::BTreeMap;

use aws_sdk_codebuild::types::{
    CloudWatchLogsConfig, EnvironmentVariable, LogsConfig, LogsConfigStatusType, Project,
    ProjectArtifacts, ProjectCache, ProjectEnvironment, ProjectSource, Tag,
};
use eco_provider::{Attrs, OpError, Value};
use eco_schema::SpecEnum;

use super::read::{env_type, to_attrs, ENV_MAPS};
use super::spec::{
    desired as spec_of, managed, Artifacts, ArtifactsKind, Cache, Environment, Logs, Source,
};
use super::TY;
use crate::attrs::live_or;

type CreateReq = aws_sdk_codebuild::operation::create_project::builders::CreateProjectFluentBuilder;
type UpdateReq = aws_sdk_codebuild::operation::update_project::builders::UpdateProjectFluentBuilder;

/// An eco enum value as the SDK enum of the same spelling.
fn to_sdk<T: for<'a> From<&'a str>>(e: impl SpecEnum) -> T {
    T::from(e.as_str())
}

fn build_err(op: &str, e: impl std::fmt::Display) -> OpError {
    OpError::invalid(op, format!("{TY}: {e}"))
}

/// Sets `slot` when the configuration sets the field.
fn set<T: Clone>(slot: &mut Option<T>, want: &Option<T>) {
    if let Some(v) = want {
        *slot = Some(v.clone());
    }
}

/// The live source (or a new one) with the configured fields replaced.
pub fn source_over(
    base: Option<&ProjectSource>,
    want: &Source,
    op: &str,
) -> Result<ProjectSource, OpError> {
    let new = || ProjectSource::builder().r#type(to_sdk(want.kind)).build();
    let mut src = live_or(base, TY, op, new)?;
    if want.kind.as_str() != src.r#type.as_str() && !want.kind.has_location() {
        // These types take no location; a location left from the previous type is refused.
        src.location = None;
    }
    src.r#type = to_sdk(want.kind);
    set(&mut src.location, &want.location);
    set(&mut src.buildspec, &want.buildspec);
    set(&mut src.git_clone_depth, &want.git_clone_depth);
    if want.kind.has_location() && src.location.as_deref().unwrap_or("").is_empty() {
        let kind = want.kind.as_str();
        return Err(OpError::invalid(
            op,
            format!("{TY}: `source.location` is required for source type {kind}"),
        ));
    }
    Ok(src)
}

/// The live artifacts (or new ones) with the configured fields replaced.
pub fn artifacts_over(
    base: Option<&ProjectArtifacts>,
    want: &Artifacts,
    op: &str,
) -> Result<ProjectArtifacts, OpError> {
    let new = || {
        ProjectArtifacts::builder()
            .r#type(to_sdk(want.kind))
            .build()
    };
    let mut a = live_or(base, TY, op, new)?;
    if want.kind.as_str() != a.r#type.as_str() && want.kind != ArtifactsKind::S3 {
        a.location = None;
        a.path = None;
    }
    a.r#type = to_sdk(want.kind);
    set(&mut a.location, &want.location);
    set(&mut a.path, &want.path);
    set(&mut a.name, &want.name);
    set(&mut a.packaging, &want.packaging.map(to_sdk));
    if want.kind == ArtifactsKind::S3 && a.location.as_deref().unwrap_or("").is_empty() {
        return Err(OpError::invalid(
            op,
            format!("{TY}: `artifacts.location` (a bucket) is required for S3 artifacts"),
        ));
    }
    Ok(a)
}

/// The live environment (or a new one) with the configured fields replaced; each configured
/// variable map replaces the live variables of its kind.
pub fn environment_over(
    base: Option<&ProjectEnvironment>,
    want: &Environment,
    op: &str,
) -> Result<ProjectEnvironment, OpError> {
    let new = || {
        let e = ProjectEnvironment::builder().compute_type(want.compute_type.as_str().into());
        e.image(&want.image).r#type(to_sdk(want.kind)).build()
    };
    let mut e = live_or(base, TY, op, new)?;
    e.compute_type = want.compute_type.as_str().into();
    e.image = want.image.clone();
    e.r#type = to_sdk(want.kind);
    set(&mut e.privileged_mode, &want.privileged_mode);
    set(
        &mut e.image_pull_credentials_type,
        &want.image_pull_credentials.map(to_sdk),
    );
    let mut vars = e.environment_variables.take().unwrap_or_default();
    let maps = [&want.env, &want.parameter_env, &want.secret_env];
    for (map, ty) in maps.into_iter().zip(ENV_MAPS) {
        let Some(map) = map else { continue };
        vars.retain(|v| env_type(v) != ty);
        for (name, value) in map {
            let var = EnvironmentVariable::builder()
                .name(name)
                .value(value)
                .r#type(ty.clone())
                .build()
                .map_err(|e| build_err(op, e))?;
            vars.push(var);
        }
    }
    e.environment_variables = Some(vars);
    Ok(e)
}

/// The live cache (or a new one) with the configured fields replaced.
pub fn cache_over(
    base: Option<&ProjectCache>,
    want: &Cache,
    op: &str,
) -> Result<ProjectCache, OpError> {
    let new = || ProjectCache::builder().r#type(to_sdk(want.kind)).build();
    let mut c = live_or(base, TY, op, new)?;
    if want.kind.as_str() != c.r#type.as_str() {
        c.location = None;
        c.modes = None;
    }
    c.r#type = to_sdk(want.kind);
    set(&mut c.location, &want.location);
    if let Some(modes) = &want.modes {
        c.modes = Some(modes.iter().map(|m| m.as_str().into()).collect());
    }
    Ok(c)
}

/// The live logs configuration (or CloudWatch Logs enabled) with the configured fields replaced.
pub fn logs_over(base: Option<&LogsConfig>, want: &Logs, op: &str) -> Result<LogsConfig, OpError> {
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
    set(&mut cw.group_name, &want.group_name);
    set(&mut cw.stream_name, &want.stream_name);
    if let Some(on) = want.enabled {
        cw.status = match on {
            true => LogsConfigStatusType::Enabled,
            false => LogsConfigStatusType::Disabled,
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

/// CreateProject for the configuration (tags included).
pub fn create_request(req: CreateReq, desired: &Attrs) -> Result<CreateReq, OpError> {
    let op = "CreateProject";
    let want = spec_of(desired, None, op)?;
    let mut req = req
        .name(&want.name)
        .set_description(want.description.clone())
        .service_role(&want.service_role)
        .source(source_over(None, &want.source, op)?)
        .artifacts(artifacts_over(None, &want.artifacts, op)?)
        .environment(environment_over(None, &want.environment, op)?)
        .set_timeout_in_minutes(want.build_timeout)
        .set_queued_timeout_in_minutes(want.queued_timeout)
        .set_concurrent_build_limit(want.concurrent_build_limit)
        .set_encryption_key(want.encryption_key.clone())
        .set_tags(Some(sdk_tags(&want.tags)));
    if let Some(c) = &want.cache {
        req = req.cache(cache_over(None, c, op)?);
    }
    if let Some(l) = &want.logs {
        req = req.logs_config(logs_over(None, l, op)?);
    }
    Ok(req)
}

/// Whether the configured value of an attribute differs from what `read` reports (inside
/// blocks, only the fields the configuration sets count, as in the engine's diff).
pub fn differs(want: &Value, live: Option<&Value>) -> bool {
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
    let managed = managed();
    changed
        .iter()
        .filter(|c| managed.contains(c))
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
    if attrs.iter().any(|a| a == "name") {
        return Err(OpError::invalid(
            op,
            format!("{TY}: `name` cannot change in place (it forces a replacement)"),
        ));
    }
    let want = spec_of(desired, Some(&to_attrs(live)), op)?;
    let mut req = req.name(live.name().unwrap_or_default());
    for a in attrs {
        req = match a.as_str() {
            "description" => req.set_description(want.description.clone()),
            "service-role" => req.service_role(&want.service_role),
            "source" => req.source(source_over(live.source(), &want.source, op)?),
            "artifacts" => req.artifacts(artifacts_over(live.artifacts(), &want.artifacts, op)?),
            "environment" => {
                req.environment(environment_over(live.environment(), &want.environment, op)?)
            }
            "build-timeout" => req.set_timeout_in_minutes(want.build_timeout),
            "queued-timeout" => req.set_queued_timeout_in_minutes(want.queued_timeout),
            "concurrent-build-limit" => req.set_concurrent_build_limit(want.concurrent_build_limit),
            "cache" => match &want.cache {
                Some(c) => req.cache(cache_over(live.cache(), c, op)?),
                None => req,
            },
            "logs" => match &want.logs {
                Some(l) => req.logs_config(logs_over(live.logs_config(), l, op)?),
                None => req,
            },
            "encryption-key" => req.set_encryption_key(want.encryption_key.clone()),
            "tags" => req.set_tags(Some(sdk_tags(&want.tags))),
            _ => req,
        };
    }
    Ok(req)
}
