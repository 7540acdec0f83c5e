//! `route53-record`: a record set in a Route53 zone (plain values or an alias).
//!
//! Changes to records of one zone are sent together in one ChangeBatch.
//!
//! AWS calls:
//! - read: ListResourceRecordSets (one paged listing per zone serves every record in it)
//! - create: ChangeResourceRecordSets CREATE (UPSERT with `allow-overwrite`), waiter
//!   ResourceRecordSetsChanged
//! - update: ChangeResourceRecordSets UPSERT
//! - delete: ChangeResourceRecordSets DELETE with the current values
//! - import: by `ZONE-ID/NAME/TYPE[/SET-IDENTIFIER]` (ListResourceRecordSets from that name)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "route53-record";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "A Route53 record set: values with a TTL, or an alias to an AWS resource",
    )
    .attr(
        Attribute::string("zone")
            .required()
            .forces_replacement()
            .doc("id of the hosted zone"),
    )
    .attr(
        Attribute::string("name")
            .required()
            .forces_replacement()
            .doc("record name, fully qualified or relative to the zone"),
    )
    .attr(
        Attribute::string("type")
            .required()
            .forces_replacement()
            .doc("A, AAAA, CNAME, TXT, MX, NS, CAA, ..."),
    )
    .attr(Attribute::int("ttl").doc("time to live in seconds, for plain records (UPSERT)"))
    .attr(
        Attribute::list("records", ScalarType::String)
            .unordered()
            .doc("record values; TXT values are quoted by eco (UPSERT)"),
    )
    .attr(
        Attribute::block(
            "alias",
            vec![
                Attribute::string("name")
                    .required()
                    .doc("DNS name of the target, e.g. a distribution's domain-name"),
                Attribute::string("zone-id")
                    .required()
                    .doc("hosted zone id of the target, e.g. a distribution's hosted-zone-id"),
                Attribute::bool("evaluate-target-health").doc("inherit the target's health"),
            ],
        )
        .doc("alias to an AWS resource, instead of ttl and records (UPSERT)"),
    )
    .attr(
        Attribute::string("set-identifier")
            .forces_replacement()
            .doc("distinguishes records of a routing policy with the same name and type"),
    )
    .attr(Attribute::int("weight").doc("weight for weighted routing, with set-identifier (UPSERT)"))
    .attr(
        Attribute::bool("allow-overwrite")
            .doc("take over an existing record on create (UPSERT instead of CREATE); eco-only"),
    )
    .attr(
        Attribute::string("fqdn")
            .computed()
            .doc("fully qualified record name"),
    )
}
