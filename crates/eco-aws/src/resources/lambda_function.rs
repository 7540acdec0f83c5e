//! `lambda-function`: a Lambda function deployed from a local directory that eco zips.
//!
//! The zip is built reproducibly (sorted entries, fixed timestamps), so its SHA-256 changes only
//! when a file does; that hash is compared with the function's CodeSha256.
//!
//! AWS calls:
//! - read: GetFunction (configuration, code hash, tags), GetFunctionConcurrency, GetAlias;
//!   refresh pages through ListFunctions
//! - create: CreateFunction (zip, role, runtime, handler, memory, timeout, environment, layers,
//!   architectures, tags), waiter FunctionActiveV2, then PutFunctionConcurrency, PublishVersion
//!   and CreateAlias when configured
//! - update: UpdateFunctionCode (source, architectures), waiter FunctionUpdatedV2,
//!   UpdateFunctionConfiguration (everything else), PutFunctionConcurrency /
//!   DeleteFunctionConcurrency, PublishVersion, CreateAlias / UpdateAlias / DeleteAlias,
//!   TagResource / UntagResource
//! - delete: DeleteFunction
//! - import: by function name (GetFunction)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "lambda-function";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A Lambda function built from a local source directory")
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
                .doc("directory zipped by eco; its content hash drives code updates (UpdateFunctionCode)"),
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
                .doc("x86_64 (default) or arm64 (UpdateFunctionCode)"),
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
                .doc("X-Ray tracing mode: PassThrough (default) or Active (UpdateFunctionConfiguration)"),
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
