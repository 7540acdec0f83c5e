//! `api-route`: a route of an HTTP API (`GET /assets/{id}`) and its authorization.
//!
//! AWS calls (apigatewayv2):
//! - read: GetRoute; refresh pages through GetRoutes per API
//! - create: CreateRoute (Target = integrations/INTEGRATION-ID)
//! - update: UpdateRoute
//! - delete: DeleteRoute
//! - import: by `API-ID/ROUTE-ID` (GetRoute)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "api-route";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A route of an HTTP API")
        .attr(
            Attribute::string("api")
                .required()
                .forces_replacement()
                .doc("id of the API; a route cannot move between APIs"),
        )
        .attr(
            Attribute::string("route-key")
                .required()
                .doc("METHOD /path, ANY /{proxy+} or $default (UpdateRoute)"),
        )
        .attr(Attribute::string("integration").doc(
            "id of the integration requests go to; sent as target integrations/ID (UpdateRoute)",
        ))
        .attr(
            Attribute::string("authorization-type")
                .doc("NONE (default), JWT, AWS_IAM or CUSTOM (UpdateRoute)"),
        )
        .attr(
            Attribute::string("authorizer")
                .doc("id of the authorizer for JWT or CUSTOM authorization (UpdateRoute)"),
        )
        .attr(
            Attribute::list("authorization-scopes", ScalarType::String)
                .doc("OAuth scopes a JWT must carry (UpdateRoute)"),
        )
        .attr(Attribute::string("operation-name").doc("operation name (UpdateRoute)"))
        .attr(Attribute::string("id").computed().doc("route id"))
}
