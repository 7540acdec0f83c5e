//! `api-domain`: a custom domain name for HTTP APIs, with its API mappings.
//!
//! AWS calls (apigatewayv2):
//! - read: GetDomainName, GetApiMappings
//! - create: CreateDomainName, then CreateApiMapping per mapping
//! - update: UpdateDomainName (certificate, security policy), CreateApiMapping / UpdateApiMapping /
//!   DeleteApiMapping, TagResource / UntagResource
//! - delete: DeleteApiMapping for every mapping, then DeleteDomainName
//! - import: by domain name (GetDomainName)

use eco_schema::{Attribute, Schema};

pub const TYPE_NAME: &str = "api-domain";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "A custom domain name for HTTP APIs and its API mappings",
    )
    .attr(
        Attribute::string("domain-name")
            .required()
            .forces_replacement()
            .doc("the custom domain, e.g. api.example.com"),
    )
    .attr(
        Attribute::string("certificate")
            .required()
            .doc("ACM certificate ARN in the API's region (UpdateDomainName)"),
    )
    .attr(
        Attribute::string("endpoint-type")
            .forces_replacement()
            .doc("REGIONAL (the only type HTTP APIs support)"),
    )
    .attr(Attribute::string("security-policy").doc("TLS_1_2 (default) (UpdateDomainName)"))
    .attr(
        Attribute::repeated_block(
            "mapping",
            "key",
            vec![
                Attribute::string("key").doc("base path, \"\" for the root of the domain"),
                Attribute::string("api")
                    .required()
                    .doc("id of the mapped API"),
                Attribute::string("stage")
                    .required()
                    .doc("name of the mapped stage"),
            ],
        )
        .doc("an API mapping (CreateApiMapping / UpdateApiMapping / DeleteApiMapping)"),
    )
    .attr(
        Attribute::string("target-domain-name")
            .computed()
            .doc("regional domain name to point a Route53 alias record at"),
    )
    .attr(
        Attribute::string("hosted-zone-id")
            .computed()
            .doc("hosted zone id of the target domain name, for the alias record"),
    )
    .attr(Attribute::string("arn").computed().doc("domain name ARN"))
    .taggable()
}
