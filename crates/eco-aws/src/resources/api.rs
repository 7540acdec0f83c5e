//! `api`: an API Gateway v2 HTTP API.
//!
//! AWS calls (apigatewayv2):
//! - read: GetApi (tags included); refresh pages through GetApis
//! - create: CreateApi
//! - update: UpdateApi (name, description, CORS, endpoint switch), DeleteCorsConfiguration when
//!   `cors` is removed, TagResource / UntagResource
//! - delete: DeleteApi
//! - import: by API id (GetApi)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "api";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "An API Gateway v2 HTTP API")
        .attr(
            Attribute::string("name")
                .required()
                .doc("API name (UpdateApi)"),
        )
        .attr(
            Attribute::string("protocol-type")
                .forces_replacement()
                .doc("HTTP (default) or WEBSOCKET; fixed at creation"),
        )
        .attr(Attribute::string("description").doc("description (UpdateApi)"))
        .attr(
            Attribute::block(
                "cors",
                vec![
                    Attribute::list("allow-origins", ScalarType::String).doc("allowed origins"),
                    Attribute::list("allow-methods", ScalarType::String).doc("allowed methods"),
                    Attribute::list("allow-headers", ScalarType::String)
                        .doc("allowed request headers"),
                    Attribute::list("expose-headers", ScalarType::String)
                        .doc("response headers exposed to the browser"),
                    Attribute::int("max-age").doc("seconds a preflight response may be cached"),
                    Attribute::bool("allow-credentials").doc("whether credentials are allowed"),
                ],
            )
            .doc("CORS configuration (UpdateApi / DeleteCorsConfiguration)"),
        )
        .attr(
            Attribute::bool("disable-execute-api-endpoint")
                .doc("serve only through custom domains (UpdateApi)"),
        )
        .attr(Attribute::string("route-selection-expression").doc(
            "route selection expression, with $${ for a literal ${ (default: method and path; UpdateApi)",
        ))
        .attr(Attribute::string("id").computed().doc("API id"))
        .attr(
            Attribute::string("api-endpoint")
                .computed()
                .doc("default endpoint, https://ID.execute-api.REGION.amazonaws.com"),
        )
        .attr(
            Attribute::string("execution-arn")
                .computed()
                .doc("arn:aws:execute-api:REGION:ACCOUNT:ID, for lambda-permission source-arn"),
        )
        .attr(
            Attribute::string("arn")
                .computed()
                .doc("API ARN (for tagging and IAM)"),
        )
        .taggable()
}
