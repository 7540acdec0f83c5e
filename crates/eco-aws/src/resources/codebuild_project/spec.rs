//! The typed spec of `codebuild-project`: each attribute's name, shape, update strategy, allowed
//! values and documentation, written once; and the reading of a configuration into it.

use std::collections::BTreeMap;

use eco_provider::{Attrs, OpError, Value};
use eco_schema::spec::SpecError;
use eco_schema::{Attribute, Shape, Spec, SpecEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SourceKind {
    Codecommit,
    Codepipeline,
    Github,
    Gitlab,
    GitlabSelfManaged,
    S3,
    Bitbucket,
    GithubEnterprise,
    #[default]
    NoSource,
}

impl SourceKind {
    /// Whether a source of this kind has a location (CODEPIPELINE and NO_SOURCE take none).
    pub fn has_location(self) -> bool {
        !matches!(self, SourceKind::Codepipeline | SourceKind::NoSource)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ArtifactsKind {
    Codepipeline,
    S3,
    #[default]
    NoArtifacts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum Packaging {
    #[eco(rename = "NONE")]
    Plain,
    #[eco(rename = "ZIP")]
    Zip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EnvironmentKind {
    ArmContainer,
    ArmEc2,
    ArmLambdaContainer,
    #[default]
    LinuxContainer,
    LinuxEc2,
    LinuxGpuContainer,
    LinuxLambdaContainer,
    MacArm,
    WindowsContainer,
    WindowsEc2,
    #[eco(rename = "WINDOWS_SERVER_2019_CONTAINER")]
    WindowsServer2019Container,
    #[eco(rename = "WINDOWS_SERVER_2022_CONTAINER")]
    WindowsServer2022Container,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImagePullCredentials {
    Codebuild,
    ServiceRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CacheKind {
    #[default]
    NoCache,
    S3,
    Local,
}

/// Where the source comes from.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct Source {
    /// CODEPIPELINE, GITHUB, CODECOMMIT, S3 or NO_SOURCE
    #[eco(rename = "type")]
    pub kind: SourceKind,
    /// repository URL or bucket/key, unless CODEPIPELINE
    pub location: Option<String>,
    /// buildspec file path or inline YAML (default buildspec.yml)
    pub buildspec: Option<String>,
    /// git clone depth (0 = full clone)
    pub git_clone_depth: Option<i32>,
}

/// Where build output goes.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct Artifacts {
    /// CODEPIPELINE, S3 or NO_ARTIFACTS
    #[eco(rename = "type")]
    pub kind: ArtifactsKind,
    /// bucket name, for S3
    pub location: Option<String>,
    /// key prefix, for S3
    pub path: Option<String>,
    /// artifact name, for S3
    pub name: Option<String>,
    /// NONE (default) or ZIP, for S3
    pub packaging: Option<Packaging>,
}

/// The build environment; each variable map, when set, is all the variables of its kind.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct Environment {
    /// e.g. BUILD_GENERAL1_SMALL or BUILD_LAMBDA_2GB
    pub compute_type: String,
    /// build image, e.g. aws/codebuild/standard:7.0
    pub image: String,
    /// LINUX_CONTAINER, ARM_CONTAINER, LINUX_LAMBDA_CONTAINER, ...
    #[eco(rename = "type")]
    pub kind: EnvironmentKind,
    /// allow Docker builds
    pub privileged_mode: Option<bool>,
    /// CODEBUILD (default) or SERVICE_ROLE
    pub image_pull_credentials: Option<ImagePullCredentials>,
    /// plaintext environment variables
    pub env: Option<BTreeMap<String, String>>,
    /// variables read from SSM Parameter Store: NAME=parameter-name
    pub parameter_env: Option<BTreeMap<String, String>>,
    /// variables read from Secrets Manager: NAME=secret-id:json-key
    pub secret_env: Option<BTreeMap<String, String>>,
}

/// The build cache.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct Cache {
    /// NO_CACHE, S3 or LOCAL
    #[eco(rename = "type")]
    pub kind: CacheKind,
    /// bucket/prefix, for S3
    pub location: Option<String>,
    /// LOCAL_SOURCE_CACHE, LOCAL_DOCKER_LAYER_CACHE, LOCAL_CUSTOM_CACHE
    pub modes: Option<Vec<String>>,
}

/// Build logs in CloudWatch Logs.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct Logs {
    /// CloudWatch Logs group
    pub group_name: Option<String>,
    /// CloudWatch Logs stream prefix
    pub stream_name: Option<String>,
    /// send logs to CloudWatch Logs (default #true)
    pub enabled: Option<bool>,
}

/// A project: the configuration, or what BatchGetProjects reports, in one shape.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "codebuild-project",
    doc = "A CodeBuild project",
    import_id = "the project name"
)]
pub struct CodebuildProject {
    /// project name; CodeBuild cannot rename a project
    #[eco(replace)]
    pub name: String,
    /// description (UpdateProject)
    pub description: Option<String>,
    /// ARN of the role builds run as (UpdateProject)
    pub service_role: String,
    /// where the source comes from (UpdateProject)
    pub source: Source,
    /// where build output goes (UpdateProject)
    pub artifacts: Artifacts,
    /// build environment (UpdateProject)
    pub environment: Environment,
    /// minutes before a build is stopped, 5 to 2160 (default 60) (UpdateProject)
    #[eco(min = 5, max = 2160)]
    pub build_timeout: Option<i32>,
    /// minutes a build may wait in the queue (UpdateProject)
    #[eco(min = 5, max = 480)]
    pub queued_timeout: Option<i32>,
    /// maximum concurrent builds (UpdateProject)
    pub concurrent_build_limit: Option<i32>,
    /// build cache (UpdateProject)
    pub cache: Option<Cache>,
    /// build logs (UpdateProject LogsConfig)
    pub logs: Option<Logs>,
    /// KMS key for build artifacts (default: the AWS managed key for S3) (UpdateProject)
    pub encryption_key: Option<String>,
    /// project ARN
    #[eco(computed)]
    pub arn: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

/// A configuration the type cannot use, as an error of `op`.
pub fn invalid(op: &str) -> impl Fn(SpecError) -> OpError + '_ {
    move |e| OpError::invalid(op, format!("{}: {e}", CodebuildProject::TYPE_NAME))
}

/// The attributes UpdateProject manages (an adoption brings all of them to the configuration).
pub fn managed() -> Vec<String> {
    CodebuildProject::fields()
        .iter()
        .filter(|a| !a.computed && a.name != "name")
        .map(|a| a.name.to_string())
        .collect()
}

/// `want` with the required fields it leaves out taken from `live` (in blocks too): in an
/// update only the fields the configuration sets count, the rest stays as it is.
fn fill_required(fields: &[Attribute], want: &mut BTreeMap<String, Value>, live: &Attrs) {
    for f in fields {
        match (want.get_mut(f.name), live.get(f.name), &f.shape) {
            (None, Some(l), _) if f.required => {
                want.insert(f.name.to_string(), l.clone());
            }
            (Some(Value::Map(w)), Some(Value::Map(l)), Shape::Block(b)) if !b.repeated => {
                fill_required(&b.fields, w, l)
            }
            _ => {}
        }
    }
}

/// The configured project; with `live` (what a read reports), the required fields the
/// configuration leaves out are the live ones.
pub fn desired(
    desired: &Attrs,
    live: Option<&Attrs>,
    op: &str,
) -> Result<CodebuildProject, OpError> {
    let mut want = desired.clone();
    if let Some(live) = live {
        fill_required(&CodebuildProject::fields(), &mut want, live);
    }
    CodebuildProject::from_attrs(&want).map_err(invalid(op))
}
