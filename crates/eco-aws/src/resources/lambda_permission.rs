//! `lambda-permission`: one statement in a Lambda function's resource policy, letting a service
//! (API Gateway, S3, EventBridge, ...) invoke it.
//!
//! Lambda has no call to change a statement, so every attribute forces a replacement
//! (RemovePermission, then AddPermission under the same statement id).
//!
//! AWS calls:
//! - read: GetPolicy, then the statement with this statement id
//! - create: AddPermission
//! - update: none; every change replaces the statement
//! - delete: RemovePermission
//! - import: by `FUNCTION/STATEMENT-ID` (GetPolicy)

use eco_schema::{Attribute, Schema};

pub const TYPE_NAME: &str = "lambda-permission";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "A statement in a Lambda function's resource policy",
    )
    .attr(
        Attribute::string("function")
            .required()
            .forces_replacement()
            .doc("function name or ARN"),
    )
    .attr(
        Attribute::string("statement-id")
            .forces_replacement()
            .doc("statement id (default: derived from the eco address)"),
    )
    .attr(
        Attribute::string("action")
            .forces_replacement()
            .doc("action allowed (default lambda:InvokeFunction)"),
    )
    .attr(
        Attribute::string("principal")
            .required()
            .forces_replacement()
            .doc("service or account allowed, e.g. apigateway.amazonaws.com"),
    )
    .attr(
        Attribute::string("source-arn")
            .forces_replacement()
            .doc("ARN the invocation must come from, e.g. an API's execution ARN with /*"),
    )
    .attr(
        Attribute::string("source-account")
            .forces_replacement()
            .doc("account the invocation must come from"),
    )
    .attr(
        Attribute::string("qualifier")
            .forces_replacement()
            .doc("version or alias the permission applies to"),
    )
}
