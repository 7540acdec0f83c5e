//! `cognito-user-pool-domain`: the hosted UI / OAuth domain of a user pool, either a prefix
//! (`PREFIX.auth.REGION.amazoncognito.com`) or a custom domain with an ACM certificate.
//!
//! AWS calls:
//! - read: DescribeUserPoolDomain
//! - create: CreateUserPoolDomain, then DescribeUserPoolDomain until ACTIVE
//! - update: UpdateUserPoolDomain (certificate, managed login version)
//! - delete: DeleteUserPoolDomain
//! - import: by domain (DescribeUserPoolDomain)

use eco_schema::{Attribute, Schema};

pub const TYPE_NAME: &str = "cognito-user-pool-domain";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "The hosted UI and OAuth domain of a Cognito user pool",
    )
    .attr(
        Attribute::string("domain")
            .required()
            .forces_replacement()
            .doc("prefix (ecogy-dev) or a custom domain (auth.example.com)"),
    )
    .attr(
        Attribute::string("user-pool")
            .required()
            .forces_replacement()
            .doc("id of the user pool"),
    )
    .attr(
        Attribute::string("certificate")
            .doc("ACM certificate ARN in us-east-1 for a custom domain (UpdateUserPoolDomain)"),
    )
    .attr(
        Attribute::int("managed-login-version")
            .doc("1 (classic hosted UI) or 2 (managed login) (UpdateUserPoolDomain)"),
    )
    .attr(
        Attribute::string("cloudfront-domain-name")
            .computed()
            .doc("CloudFront domain behind a custom domain, for its alias record"),
    )
    .attr(
        Attribute::string("hosted-zone-id")
            .computed()
            .doc("CloudFront's hosted zone id, for that alias record"),
    )
}
