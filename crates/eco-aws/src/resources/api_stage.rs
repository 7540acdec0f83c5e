//! `api-stage`: a stage of an HTTP API (`$default` or a named stage), usually auto-deployed.
//!
//! AWS calls (apigatewayv2):
//! - read: GetStage; refresh pages through GetStages per API
//! - create: CreateStage
//! - update: UpdateStage, TagResource / UntagResource
//! - delete: DeleteStage
//! - import: by `API-ID/STAGE-NAME` (GetStage)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "api-stage";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A stage of an HTTP API")
        .attr(
            Attribute::string("api")
                .required()
                .forces_replacement()
                .doc("id of the API"),
        )
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("stage name, $default for the root of the endpoint; stages cannot be renamed"),
        )
        .attr(Attribute::string("description").doc("description (UpdateStage)"))
        .attr(
            Attribute::bool("auto-deploy")
                .doc("deploy every change to the API automatically (UpdateStage)"),
        )
        .attr(
            Attribute::map("stage-variables", ScalarType::String)
                .doc("stage variables (UpdateStage)"),
        )
        .attr(
            Attribute::block(
                "throttling",
                vec![
                    Attribute::int("burst-limit").doc("burst limit in requests"),
                    Attribute::float("rate-limit").doc("steady-state limit in requests per second"),
                ],
            )
            .doc("default route throttling (UpdateStage DefaultRouteSettings)"),
        )
        .attr(
            Attribute::block(
                "access-log",
                vec![
                    Attribute::string("destination")
                        .required()
                        .doc("CloudWatch Logs log group ARN"),
                    Attribute::string("format")
                        .required()
                        .doc("log line format with $context variables"),
                ],
            )
            .doc("access logging (UpdateStage AccessLogSettings)"),
        )
        .attr(
            Attribute::string("invoke-url")
                .computed()
                .doc("URL that invokes this stage"),
        )
        .taggable()
}
