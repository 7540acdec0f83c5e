//! `api-authorizer`: a JWT (e.g. Cognito) or Lambda request authorizer of an HTTP API.
//!
//! AWS calls (apigatewayv2):
//! - read: GetAuthorizer; refresh through GetAuthorizers per API
//! - create: CreateAuthorizer
//! - update: UpdateAuthorizer
//! - delete: DeleteAuthorizer
//! - import: by `API-ID/AUTHORIZER-ID` (GetAuthorizer)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "api-authorizer";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "An authorizer of an HTTP API: JWT (Cognito, OIDC) or a Lambda function",
    )
    .attr(
        Attribute::string("api")
            .required()
            .forces_replacement()
            .doc("id of the API"),
    )
    .attr(
        Attribute::string("name")
            .required()
            .doc("authorizer name (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::string("type")
            .required()
            .doc("JWT or REQUEST (Lambda) (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::list("identity-sources", ScalarType::String)
            .doc("where the token is read, e.g. $request.header.Authorization (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::block(
            "jwt",
            vec![
                Attribute::string("issuer")
                    .required()
                    .doc("token issuer URL, e.g. a Cognito user pool's issuer"),
                Attribute::list("audience", ScalarType::String)
                    .required()
                    .doc("accepted audiences, e.g. Cognito app client ids"),
            ],
        )
        .doc("JWT configuration for type JWT (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::string("authorizer-uri")
            .doc("invoke ARN of the Lambda authorizer for type REQUEST (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::string("payload-format-version")
            .doc("1.0 or 2.0 for Lambda authorizers (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::bool("simple-responses")
            .doc("Lambda authorizer returns {isAuthorized: bool} (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::int("result-ttl")
            .doc("seconds a Lambda authorizer's answer is cached, 0 to 3600 (UpdateAuthorizer)"),
    )
    .attr(Attribute::string("credentials").doc(
        "ARN of a role API Gateway assumes to invoke the Lambda authorizer (UpdateAuthorizer)",
    ))
    .attr(Attribute::string("id").computed().doc("authorizer id"))
}
