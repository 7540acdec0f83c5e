//! The typed spec of `codepipeline`: each attribute's name, shape, update strategy, allowed
//! values and documentation, written once.

use std::collections::BTreeMap;

use eco_provider::{Attrs, OpError};
use eco_schema::spec::SpecError;
use eco_schema::{Spec, SpecEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum Category {
    Source,
    Build,
    Test,
    Deploy,
    Approval,
    Invoke,
    Compute,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum Owner {
    #[eco(rename = "AWS")]
    Aws,
    ThirdParty,
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum PipelineType {
    V1,
    V2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionMode {
    Queued,
    Superseded,
    Parallel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum StoreType {
    S3,
}

/// An action of a stage.
#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(label = "name")]
pub struct Action {
    /// action name, unique in the stage
    pub name: String,
    /// Source, Build, Test, Deploy, Approval or Invoke
    pub category: Category,
    /// AWS, ThirdParty or Custom
    pub owner: Owner,
    /// e.g. CodeStarSourceConnection, S3, CodeBuild, Manual
    pub provider: String,
    /// action type version (default 1)
    pub version: Option<String>,
    /// artifacts the action reads
    pub input_artifacts: Vec<String>,
    /// artifacts the action produces
    pub output_artifacts: Vec<String>,
    /// provider configuration, e.g. ProjectName=...
    pub configuration: BTreeMap<String, String>,
    /// order of the action within its stage (default 1)
    #[eco(min = 1, max = 999)]
    pub run_order: Option<i32>,
    /// region of a cross-region action
    pub region: Option<String>,
    /// ARN of a role the action assumes
    pub role: Option<String>,
    /// variable namespace of the action's outputs
    pub namespace: Option<String>,
}

/// A stage and its actions.
#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(label = "name")]
pub struct Stage {
    /// stage name
    pub name: String,
    /// an action of the stage
    #[eco(required)]
    pub action: Vec<Action>,
}

/// Where artifacts are kept between actions.
#[derive(Debug, Clone, PartialEq, Spec)]
pub struct ArtifactStore {
    /// artifact bucket name
    pub location: String,
    /// S3 (the only type)
    #[eco(rename = "type")]
    pub kind: Option<StoreType>,
    /// KMS key ARN (default: the AWS managed key)
    pub encryption_key: Option<String>,
}

/// A pipeline: the configuration, or what GetPipeline reports, in one shape.
#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(
    resource = "codepipeline",
    doc = "A CodePipeline pipeline",
    import_id = "the pipeline name"
)]
pub struct Codepipeline {
    /// pipeline name; CodePipeline cannot rename a pipeline
    #[eco(replace)]
    pub name: String,
    /// ARN of the role the pipeline runs as (UpdatePipeline)
    pub role: String,
    /// V2 (default) or V1 (UpdatePipeline)
    pub pipeline_type: Option<PipelineType>,
    /// QUEUED, SUPERSEDED (default) or PARALLEL (UpdatePipeline)
    pub execution_mode: Option<ExecutionMode>,
    /// where artifacts are kept between actions (UpdatePipeline)
    pub artifact_store: ArtifactStore,
    /// a stage, in order; a pipeline needs at least two (UpdatePipeline)
    #[eco(required)]
    pub stage: Vec<Stage>,
    /// pipeline-level variables with default values, V2 only (UpdatePipeline)
    pub variables: Option<BTreeMap<String, String>>,
    /// pipeline ARN
    #[eco(computed)]
    pub arn: Option<String>,
    /// structure version, +1 per update
    #[eco(computed)]
    pub version: Option<i64>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

/// A configuration the type cannot use, as an error of `op`.
pub fn invalid(op: &str) -> impl Fn(SpecError) -> OpError + '_ {
    move |e| OpError::invalid(op, format!("{}: {e}", Codepipeline::TYPE_NAME))
}

/// The configured pipeline.
pub fn desired(desired: &Attrs, op: &str) -> Result<Codepipeline, OpError> {
    Codepipeline::from_attrs(desired).map_err(invalid(op))
}

/// The attributes UpdatePipeline manages (with `tags`, what an adoption brings to the
/// configuration).
pub fn structure_attrs() -> Vec<String> {
    Codepipeline::fields()
        .iter()
        .filter(|a| !a.computed && !matches!(a.name, "name" | "tags"))
        .map(|a| a.name.to_string())
        .collect()
}
