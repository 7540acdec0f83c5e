//! `codebuild-project`: a CodeBuild project, typically the build step of a `codepipeline`.
//!
//! AWS calls:
//! - read: BatchGetProjects (one call for up to 100 projects)
//! - create: CreateProject
//! - update: UpdateProject
//! - delete: DeleteProject
//! - import: by project name (BatchGetProjects)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "codebuild-project";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A CodeBuild project")
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
                        .doc("CODEPIPELINE, S3 or NO_ARTIFACTS"),
                    Attribute::string("location").doc("bucket name, for S3"),
                    Attribute::string("path").doc("key prefix, for S3"),
                    Attribute::string("name").doc("artifact name, for S3"),
                    Attribute::string("packaging").doc("NONE (default) or ZIP, for S3"),
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
                        .doc("LINUX_CONTAINER, ARM_CONTAINER, LINUX_LAMBDA_CONTAINER, ..."),
                    Attribute::bool("privileged-mode").doc("allow Docker builds"),
                    Attribute::string("image-pull-credentials")
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
                .doc("minutes before a build is stopped, 5 to 2160 (default 60) (UpdateProject)"),
        )
        .attr(
            Attribute::int("queued-timeout")
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
