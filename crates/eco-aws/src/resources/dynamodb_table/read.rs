//! What AWS reports, as the typed spec: DescribeTable -> [`DynamodbTable`].

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{
    self as sdk, IndexStatus, KeySchemaElement, ProvisionedThroughputDescription, SseType,
    TableDescription,
};
use eco_provider::Attrs;
use eco_schema::{Spec, SpecEnum};

use super::spec::{
    BillingMode, DynamodbTable, Gsi, Key, KeyType, Lsi, ProjectionType, StreamViewType, TableClass,
};
use crate::tags::tags_value;

/// The keys of a key schema: (hash, range), typed by the table's attribute definitions.
fn keys_from(
    schema: &[KeySchemaElement],
    types: &BTreeMap<&str, KeyType>,
) -> (Option<Key>, Option<Key>) {
    let key = |kt: sdk::KeyType| {
        schema.iter().find(|k| *k.key_type() == kt).map(|k| Key {
            name: k.attribute_name().to_string(),
            ty: types.get(k.attribute_name()).copied().unwrap_or(KeyType::S),
        })
    };
    (key(sdk::KeyType::Hash), key(sdk::KeyType::Range))
}

/// The projection of an index description: its type (ALL when unsaid) and non-key attributes.
fn projection_of(p: Option<&sdk::Projection>) -> (Option<ProjectionType>, Vec<String>) {
    let kind = p
        .and_then(|p| p.projection_type())
        .and_then(|t| ProjectionType::parse(t.as_str()))
        .unwrap_or(ProjectionType::All);
    let non_key = p.map(|p| p.non_key_attributes().to_vec());
    (Some(kind), non_key.unwrap_or_default())
}

/// A table from DescribeTable, with eco's defaults where AWS says nothing (a table without a
/// billing summary is PROVISIONED). TTL, point-in-time recovery and tags come from other calls
/// and are filled in by the caller.
pub fn from_description(d: &TableDescription) -> DynamodbTable {
    let types: BTreeMap<&str, KeyType> = d
        .attribute_definitions()
        .iter()
        .map(|a| {
            let ty = KeyType::parse(a.attribute_type().as_str()).unwrap_or(KeyType::S);
            (a.attribute_name(), ty)
        })
        .collect();
    let (hash, range) = keys_from(d.key_schema(), &types);
    let provisioned = d
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .is_none_or(|m| *m == sdk::BillingMode::Provisioned);
    let capacity = |p: Option<&ProvisionedThroughputDescription>| {
        let units = |u: Option<i64>| Some(u.unwrap_or(0)).filter(|_| provisioned);
        (
            units(p.and_then(|p| p.read_capacity_units())),
            units(p.and_then(|p| p.write_capacity_units())),
        )
    };
    let no_key = || Key {
        name: String::new(),
        ty: KeyType::S,
    };
    let mut gsi: Vec<Gsi> = d
        .global_secondary_indexes()
        .iter()
        .filter(|g| g.index_status() != Some(&IndexStatus::Deleting))
        .map(|g| {
            let (hash, range) = keys_from(g.key_schema(), &types);
            let hash = hash.unwrap_or_else(no_key);
            let (projection, non_key_attributes) = projection_of(g.projection());
            let (read_capacity, write_capacity) = capacity(g.provisioned_throughput());
            Gsi {
                name: g.index_name().unwrap_or_default().to_string(),
                hash_key: hash.name,
                key_type: Some(hash.ty),
                range_type: range.as_ref().map(|r| r.ty),
                range_key: range.map(|r| r.name),
                projection,
                non_key_attributes,
                read_capacity,
                write_capacity,
            }
        })
        .collect();
    gsi.sort_by(|a, b| a.name.cmp(&b.name));
    let mut lsi: Vec<Lsi> = d
        .local_secondary_indexes()
        .iter()
        .filter_map(|l| {
            let range = keys_from(l.key_schema(), &types).1?;
            let (projection, non_key_attributes) = projection_of(l.projection());
            Some(Lsi {
                name: l.index_name().unwrap_or_default().to_string(),
                range_key: range.name,
                key_type: Some(range.ty),
                projection,
                non_key_attributes,
            })
        })
        .collect();
    lsi.sort_by(|a, b| a.name.cmp(&b.name));
    let stream_view_type = d
        .stream_specification()
        .filter(|s| s.stream_enabled())
        .and_then(|s| s.stream_view_type())
        .and_then(|v| StreamViewType::parse(v.as_str()));
    let of_stream = |v: Option<&str>| stream_view_type.and(v).map(str::to_string);
    let (read_capacity, write_capacity) = capacity(d.provisioned_throughput());
    DynamodbTable {
        name: d.table_name().unwrap_or_default().to_string(),
        hash_key: hash.unwrap_or_else(no_key),
        range_key: range,
        billing_mode: Some(if provisioned {
            BillingMode::Provisioned
        } else {
            BillingMode::PayPerRequest
        }),
        read_capacity,
        write_capacity,
        gsi,
        lsi,
        ttl: None,
        point_in_time_recovery: Some(false),
        stream_view_type,
        table_class: Some(
            d.table_class_summary()
                .and_then(|c| c.table_class())
                .and_then(|c| TableClass::parse(c.as_str()))
                .unwrap_or(TableClass::Standard),
        ),
        deletion_protection: Some(d.deletion_protection_enabled().unwrap_or(false)),
        kms_key: d
            .sse_description()
            .filter(|s| s.sse_type() == Some(&SseType::Kms))
            .and_then(|s| s.kms_master_key_arn())
            .map(str::to_string),
        arn: Some(d.table_arn().unwrap_or_default().to_string()),
        stream_arn: of_stream(d.latest_stream_arn()),
        stream_label: of_stream(d.latest_stream_label()),
        item_count: d.item_count(),
        size_bytes: d.table_size_bytes(),
        tags: BTreeMap::new(),
    }
}

/// The attributes `read` reports (tags always, even when there are none).
pub fn to_attrs(t: &DynamodbTable) -> Attrs {
    let mut attrs = t.to_attrs();
    attrs.insert("tags".to_string(), tags_value(&t.tags));
    attrs
}
