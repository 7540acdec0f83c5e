//! `api-integration`: the backend of routes in an HTTP API (a Lambda proxy or an HTTP URL).
//!
//! AWS calls (apigatewayv2):
//! - read: GetIntegration; refresh pages through GetIntegrations per API
//! - create: CreateIntegration
//! - update: UpdateIntegration
//! - delete: DeleteIntegration
//! - import: by `API-ID/INTEGRATION-ID` (GetIntegration)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "api-integration";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "An integration of an HTTP API: where its routes send requests",
    )
    .attr(
        Attribute::string("api")
            .required()
            .forces_replacement()
            .doc("id of the API; an integration cannot move between APIs"),
    )
    .attr(
        Attribute::string("type")
            .required()
            .doc("AWS_PROXY (Lambda) or HTTP_PROXY (UpdateIntegration)"),
    )
    .attr(
        Attribute::string("uri")
            .required()
            .doc("Lambda function ARN or invoke ARN, or an HTTP URL (UpdateIntegration)"),
    )
    .attr(
        Attribute::string("method")
            .doc("HTTP method used to call the backend (POST for Lambda; UpdateIntegration)"),
    )
    .attr(
        Attribute::string("payload-format-version")
            .doc("1.0 or 2.0 (default for Lambda; UpdateIntegration)"),
    )
    .attr(
        Attribute::int("timeout-ms")
            .doc("integration timeout, 50 to 30000 milliseconds (UpdateIntegration)"),
    )
    .attr(
        Attribute::string("credentials")
            .doc("ARN of a role API Gateway assumes to call the backend (UpdateIntegration)"),
    )
    .attr(Attribute::string("description").doc("description (UpdateIntegration)"))
    .attr(
        Attribute::map("request-parameters", ScalarType::String)
            .doc("parameter mappings, e.g. overwrite:path=$request.path (UpdateIntegration)"),
    )
    .attr(Attribute::string("id").computed().doc("integration id"))
}
