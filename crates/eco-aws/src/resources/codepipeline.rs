//! `codepipeline`: a CodePipeline pipeline with its stages and actions.
//!
//! AWS calls:
//! - read: GetPipeline (structure and version), ListTagsForResource
//! - create: CreatePipeline
//! - update: UpdatePipeline with the full structure, TagResource / UntagResource
//! - delete: DeletePipeline
//! - import: by pipeline name (GetPipeline)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "codepipeline";

pub fn schema() -> Schema {
    let action = Attribute::repeated_block(
        "action",
        "name",
        vec![
            Attribute::string("name").doc("action name, unique in the stage"),
            Attribute::string("category")
                .required()
                .doc("Source, Build, Test, Deploy, Approval or Invoke"),
            Attribute::string("owner")
                .required()
                .doc("AWS, ThirdParty or Custom"),
            Attribute::string("provider")
                .required()
                .doc("e.g. CodeStarSourceConnection, S3, CodeBuild, Manual"),
            Attribute::string("version").doc("action type version (default 1)"),
            Attribute::list("input-artifacts", ScalarType::String)
                .doc("artifacts the action reads"),
            Attribute::list("output-artifacts", ScalarType::String)
                .doc("artifacts the action produces"),
            Attribute::map("configuration", ScalarType::String)
                .doc("provider configuration, e.g. ProjectName=..."),
            Attribute::int("run-order").doc("order of the action within its stage (default 1)"),
            Attribute::string("region").doc("region of a cross-region action"),
            Attribute::string("role").doc("ARN of a role the action assumes"),
            Attribute::string("namespace").doc("variable namespace of the action's outputs"),
        ],
    )
    .required()
    .doc("an action of the stage");

    Schema::new(TYPE_NAME, "A CodePipeline pipeline")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("pipeline name; CodePipeline cannot rename a pipeline"),
        )
        .attr(
            Attribute::string("role")
                .required()
                .doc("ARN of the role the pipeline runs as (UpdatePipeline)"),
        )
        .attr(Attribute::string("pipeline-type").doc("V2 (default) or V1 (UpdatePipeline)"))
        .attr(
            Attribute::string("execution-mode")
                .doc("QUEUED, SUPERSEDED (default) or PARALLEL (UpdatePipeline)"),
        )
        .attr(
            Attribute::block(
                "artifact-store",
                vec![
                    Attribute::string("location")
                        .required()
                        .doc("artifact bucket name"),
                    Attribute::string("type").doc("S3 (the only type)"),
                    Attribute::string("encryption-key")
                        .doc("KMS key ARN (default: the AWS managed key)"),
                ],
            )
            .required()
            .doc("where artifacts are kept between actions (UpdatePipeline)"),
        )
        .attr(
            Attribute::repeated_block(
                "stage",
                "name",
                vec![Attribute::string("name").doc("stage name"), action],
            )
            .required()
            .doc("a stage, in order; a pipeline needs at least two (UpdatePipeline)"),
        )
        .attr(
            Attribute::map("variables", ScalarType::String)
                .doc("pipeline-level variables with default values, V2 only (UpdatePipeline)"),
        )
        .attr(Attribute::string("arn").computed().doc("pipeline ARN"))
        .attr(
            Attribute::int("version")
                .computed()
                .doc("structure version, +1 per update"),
        )
        .taggable()
}
