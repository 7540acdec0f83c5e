//! `cognito-group`: a group in a user pool, optionally carrying an IAM role.
//!
//! AWS calls:
//! - read: GetGroup
//! - create: CreateGroup
//! - update: UpdateGroup (description, precedence, role)
//! - delete: DeleteGroup
//! - import: by `POOL-ID/GROUP-NAME` (GetGroup)

use eco_schema::{Attribute, Schema};

pub const TYPE_NAME: &str = "cognito-group";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A group in a Cognito user pool")
        .attr(
            Attribute::string("user-pool")
                .required()
                .forces_replacement()
                .doc("id of the user pool"),
        )
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("group name; Cognito cannot rename a group"),
        )
        .attr(Attribute::string("description").doc("description (UpdateGroup)"))
        .attr(
            Attribute::int("precedence")
                .doc("lower wins when a user's groups carry different roles (UpdateGroup)"),
        )
        .attr(
            Attribute::string("role")
                .doc("ARN of the IAM role members receive through identity pools (UpdateGroup)"),
        )
}
