//! `iam-role`: an IAM role with its trust policy, attached managed policies and inline policies.
//!
//! AWS calls:
//! - read: GetRole, ListAttachedRolePolicies, ListRolePolicies + GetRolePolicy, ListRoleTags
//! - create: CreateRole (trust policy, path, description, max session duration, boundary, tags),
//!   then AttachRolePolicy and PutRolePolicy per policy
//! - update: UpdateRole (description, max session duration), UpdateAssumeRolePolicy,
//!   AttachRolePolicy / DetachRolePolicy, PutRolePolicy / DeleteRolePolicy,
//!   PutRolePermissionsBoundary / DeleteRolePermissionsBoundary, TagRole / UntagRole
//! - delete: DetachRolePolicy and DeleteRolePolicy for every policy, then DeleteRole
//! - import: by role name (GetRole and the list calls above)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "iam-role";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "An IAM role: trust policy, managed and inline policies")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("role name; IAM cannot rename a role"),
        )
        .attr(
            Attribute::string("path")
                .forces_replacement()
                .doc("role path (default /); IAM cannot move a role"),
        )
        .attr(Attribute::string("description").doc("description (UpdateRole)"))
        .attr(
            Attribute::list("assume-service", ScalarType::String)
                .doc("service principals trusted to assume the role, e.g. lambda.amazonaws.com (UpdateAssumeRolePolicy)"),
        )
        .attr(
            Attribute::string("assume-policy").json()
                .doc("full trust policy JSON, instead of assume-service (UpdateAssumeRolePolicy)"),
        )
        .attr(
            Attribute::list("managed-policy", ScalarType::String)
                .doc("ARNs of managed policies to attach (AttachRolePolicy / DetachRolePolicy)"),
        )
        .attr(
            Attribute::repeated_block(
                "inline-policy",
                "name",
                vec![
                    Attribute::string("name").doc("policy name"),
                    Attribute::string("document").json().required().doc("policy JSON document"),
                ],
            )
            .doc("an inline policy (PutRolePolicy / DeleteRolePolicy)"),
        )
        .attr(
            Attribute::int("max-session-duration")
                .doc("maximum session length in seconds, 3600 to 43200 (UpdateRole)"),
        )
        .attr(
            Attribute::string("permissions-boundary")
                .doc("ARN of the permissions boundary policy (PutRolePermissionsBoundary)"),
        )
        .attr(Attribute::string("arn").computed().doc("role ARN"))
        .attr(Attribute::string("unique-id").computed().doc("stable role id (AROA...)"))
        .taggable()
}
