//! `dynamodb-table`: a DynamoDB table with its indexes, TTL, backups and stream.
//!
//! AWS calls:
//! - read: DescribeTable, DescribeTimeToLive, DescribeContinuousBackups, ListTagsOfResource
//! - create: CreateTable (keys, billing, GSIs, LSIs, stream, SSE, table class, deletion protection,
//!   tags), waiter TableExists, then UpdateTimeToLive and UpdateContinuousBackups
//! - update: UpdateTable (billing mode, capacity, stream, table class, deletion protection, SSE;
//!   one GSI create or delete per call, always with the full AttributeDefinitions, waiting for
//!   ACTIVE between calls), UpdateTimeToLive, UpdateContinuousBackups, TagResource / UntagResource
//! - delete: DeleteTable, waiter TableNotExists
//! - import: by table name (DescribeTable)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "dynamodb-table";

fn key(name: &'static str, what: &'static str) -> Attribute {
    Attribute::labeled_block(
        name,
        "name",
        vec![
            Attribute::string("name")
                .required()
                .doc("key attribute name"),
            Attribute::string("type")
                .required()
                .doc("S (string), N (number) or B (binary)"),
        ],
    )
    .forces_replacement()
    .doc(what)
}

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A DynamoDB table: keys, billing, global and local secondary indexes, TTL, point-in-time recovery, stream")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("table name; DynamoDB cannot rename a table"),
        )
        .attr(
            key("hash-key", "partition key and its type; fixed at creation").required(),
        )
        .attr(key("range-key", "sort key and its type; fixed at creation"))
        .attr(
            Attribute::string("billing-mode")
                .doc("PAY_PER_REQUEST (default) or PROVISIONED (UpdateTable)"),
        )
        .attr(Attribute::int("read-capacity").doc("read capacity units when PROVISIONED (UpdateTable)"))
        .attr(Attribute::int("write-capacity").doc("write capacity units when PROVISIONED (UpdateTable)"))
        .attr(
            Attribute::repeated_block(
                "gsi",
                "name",
                vec![
                    Attribute::string("name").doc("index name"),
                    Attribute::string("hash-key").required().doc("partition key attribute of the index"),
                    Attribute::string("type").doc("type of the partition key: S (default), N or B"),
                    Attribute::string("range-key").doc("sort key attribute of the index"),
                    Attribute::string("range-type").doc("type of the sort key: S (default), N or B"),
                    Attribute::string("projection").doc("ALL (default), KEYS_ONLY or INCLUDE"),
                    Attribute::list("non-key-attributes", ScalarType::String)
                        .doc("attributes projected when projection is INCLUDE"),
                    Attribute::int("read-capacity").doc("read capacity units when PROVISIONED"),
                    Attribute::int("write-capacity").doc("write capacity units when PROVISIONED"),
                ],
            )
            .doc("a global secondary index; added or removed with UpdateTable, a changed key rebuilds that index"),
        )
        .attr(
            Attribute::repeated_block(
                "lsi",
                "name",
                vec![
                    Attribute::string("name").doc("index name"),
                    Attribute::string("range-key").required().doc("sort key attribute of the index"),
                    Attribute::string("type").doc("type of the sort key: S (default), N or B"),
                    Attribute::string("projection").doc("ALL (default), KEYS_ONLY or INCLUDE"),
                    Attribute::list("non-key-attributes", ScalarType::String)
                        .doc("attributes projected when projection is INCLUDE"),
                ],
            )
            .forces_replacement()
            .doc("a local secondary index; DynamoDB only creates them with the table"),
        )
        .attr(
            Attribute::string("ttl")
                .doc("attribute holding the expiry epoch seconds; enables TTL (UpdateTimeToLive)"),
        )
        .attr(
            Attribute::bool("point-in-time-recovery")
                .doc("continuous backups with point-in-time recovery (UpdateContinuousBackups)"),
        )
        .attr(
            Attribute::string("stream-view-type")
                .doc("enables the stream: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES (UpdateTable)"),
        )
        .attr(
            Attribute::string("table-class")
                .doc("STANDARD (default) or STANDARD_INFREQUENT_ACCESS (UpdateTable)"),
        )
        .attr(
            Attribute::bool("deletion-protection")
                .doc("refuse DeleteTable while set (UpdateTable)"),
        )
        .attr(
            Attribute::string("kms-key")
                .doc("customer managed KMS key for encryption at rest (default: AWS owned key; UpdateTable)"),
        )
        .attr(Attribute::string("arn").computed().doc("table ARN"))
        .attr(
            Attribute::string("stream-arn")
                .computed()
                .doc("latest stream ARN, when a stream is enabled"),
        )
        .attr(
            Attribute::string("stream-label")
                .computed()
                .doc("timestamp label of the latest stream"),
        )
        .taggable()
}
