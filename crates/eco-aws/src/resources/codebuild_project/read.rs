//! What AWS reports, as the typed spec: BatchGetProjects' Project -> [`CodebuildProject`].

use std::collections::BTreeMap;

use aws_sdk_codebuild::types::{
    EnvironmentVariable, EnvironmentVariableType, LogsConfig, LogsConfigStatusType, Project,
    ProjectArtifacts, ProjectCache, ProjectEnvironment, ProjectSource,
};
use eco_provider::Attrs;
use eco_schema::{Spec, SpecEnum};

use super::spec::{
    Artifacts, ArtifactsKind, Cache, CacheKind, CodebuildProject, Environment, EnvironmentKind,
    ImagePullCredentials, Logs, Packaging, Source, SourceKind,
};

/// The variable types of the three environment maps: `env`, `parameter-env`, `secret-env`.
pub const ENV_MAPS: [EnvironmentVariableType; 3] = [
    EnvironmentVariableType::Plaintext,
    EnvironmentVariableType::ParameterStore,
    EnvironmentVariableType::SecretsManager,
];

/// A variable's type (PLAINTEXT when AWS leaves it out).
pub fn env_type(v: &EnvironmentVariable) -> EnvironmentVariableType {
    v.r#type
        .clone()
        .unwrap_or(EnvironmentVariableType::Plaintext)
}

/// A string AWS reports, `None` when absent or empty.
fn text(v: Option<&str>) -> Option<String> {
    v.filter(|v| !v.is_empty()).map(str::to_string)
}

/// An AWS enum value as the spec's enum of the same spelling (`fallback` for one eco does not
/// know).
fn kind<E: SpecEnum>(v: &str, fallback: E) -> E {
    E::parse(v).unwrap_or(fallback)
}

fn source(src: &ProjectSource) -> Source {
    Source {
        kind: kind(src.r#type.as_str(), SourceKind::NoSource),
        location: text(src.location.as_deref()),
        buildspec: text(src.buildspec.as_deref()),
        git_clone_depth: src.git_clone_depth,
    }
}

fn artifacts(a: &ProjectArtifacts) -> Artifacts {
    Artifacts {
        kind: kind(a.r#type.as_str(), ArtifactsKind::NoArtifacts),
        location: text(a.location.as_deref()),
        path: text(a.path.as_deref()),
        name: text(a.name.as_deref()),
        packaging: a
            .packaging
            .as_ref()
            .and_then(|p| Packaging::parse(p.as_str())),
    }
}

fn environment(e: &ProjectEnvironment) -> Environment {
    let vars = e.environment_variables.as_deref().unwrap_or_default();
    let [env, parameter_env, secret_env] = ENV_MAPS.map(|ty| {
        let map: BTreeMap<String, String> = vars
            .iter()
            .filter(|v| env_type(v) == ty)
            .map(|v| (v.name.clone(), v.value.clone()))
            .collect();
        // An empty map is left out (the same as none for the engine).
        Some(map).filter(|m| !m.is_empty())
    });
    Environment {
        compute_type: e.compute_type.as_str().to_string(),
        image: e.image.clone(),
        kind: kind(e.r#type.as_str(), EnvironmentKind::LinuxContainer),
        privileged_mode: e.privileged_mode,
        image_pull_credentials: e
            .image_pull_credentials_type
            .as_ref()
            .and_then(|c| ImagePullCredentials::parse(c.as_str())),
        env,
        parameter_env,
        secret_env,
    }
}

fn cache(c: &ProjectCache) -> Cache {
    Cache {
        kind: kind(c.r#type.as_str(), CacheKind::NoCache),
        location: text(c.location.as_deref()),
        modes: c
            .modes
            .as_ref()
            .map(|m| m.iter().map(|x| x.as_str().to_string()).collect()),
    }
}

fn logs(l: &LogsConfig) -> Option<Logs> {
    let cw = l.cloud_watch_logs.as_ref()?;
    Some(Logs {
        group_name: text(cw.group_name.as_deref()),
        stream_name: text(cw.stream_name.as_deref()),
        enabled: Some(cw.status == LogsConfigStatusType::Enabled),
    })
}

/// A project's tags.
pub fn live_tags(p: &Project) -> BTreeMap<String, String> {
    p.tags()
        .iter()
        .filter_map(|t| Some((t.key.clone()?, t.value.clone().unwrap_or_default())))
        .collect()
}

/// A project as the typed spec.
pub fn from_live(p: &Project) -> CodebuildProject {
    CodebuildProject {
        name: p.name().unwrap_or_default().to_string(),
        description: text(p.description()),
        service_role: p.service_role().unwrap_or_default().to_string(),
        source: p.source().map(source).unwrap_or_default(),
        artifacts: p.artifacts().map(artifacts).unwrap_or_default(),
        environment: p.environment().map(environment).unwrap_or_default(),
        build_timeout: p.timeout_in_minutes(),
        queued_timeout: p.queued_timeout_in_minutes(),
        concurrent_build_limit: p.concurrent_build_limit(),
        cache: p.cache().map(cache),
        logs: p.logs_config().and_then(logs),
        encryption_key: text(p.encryption_key()),
        arn: p.arn().map(str::to_string),
        tags: live_tags(p),
    }
}

/// What `read` reports for a project, in configuration shape.
pub fn to_attrs(p: &Project) -> Attrs {
    let mut a = from_live(p).to_attrs();
    // Every project reports its tags, none included.
    a.entry("tags".into())
        .or_insert_with(|| crate::tags::tags_value(&BTreeMap::new()));
    a
}
