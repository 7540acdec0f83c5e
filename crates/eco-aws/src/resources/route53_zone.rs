//! `route53-zone`: a public Route53 hosted zone.
//!
//! AWS calls:
//! - read: GetHostedZone (delegation set), ListTagsForResource; refresh pages through
//!   ListHostedZones
//! - create: CreateHostedZone (CallerReference from the eco address and lineage, so a retried
//!   create finds the first), ChangeTagsForResource
//! - update: UpdateHostedZoneComment, ChangeTagsForResource
//! - delete: with `force-destroy`, ListResourceRecordSets + one ChangeResourceRecordSets DELETE
//!   batch of every record but the apex NS and SOA; then DeleteHostedZone
//! - import: by zone id (GetHostedZone)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "route53-zone";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A Route53 hosted zone")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("domain name of the zone, e.g. dev.example.com"),
        )
        .attr(Attribute::string("comment").doc("comment (UpdateHostedZoneComment)"))
        .attr(
            Attribute::string("delegation-set")
                .forces_replacement()
                .doc("reusable delegation set id; fixed at creation"),
        )
        .attr(
            Attribute::bool("force-destroy")
                .doc("delete every record in the zone before deleting it; eco-only, no API call"),
        )
        .attr(
            Attribute::string("id")
                .computed()
                .doc("zone id, e.g. Z0123456789ABC"),
        )
        .attr(Attribute::string("arn").computed().doc("zone ARN"))
        .attr(
            Attribute::list("name-servers", ScalarType::String)
                .computed()
                .doc("name servers to delegate the domain to"),
        )
        .taggable()
}
