//! The typed spec as DynamoDB requests: CreateTable, and the parts UpdateTable sends.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction,
    DeleteGlobalSecondaryIndexAction, GlobalSecondaryIndex, GlobalSecondaryIndexUpdate,
    KeySchemaElement, KeyType, LocalSecondaryIndex, Projection, ProvisionedThroughput,
    SseSpecification, SseType, StreamSpecification, Tag, UpdateGlobalSecondaryIndexAction,
};
use aws_sdk_dynamodb::Client;
use eco_schema::SpecEnum;

use super::spec::{self, DynamodbTable, Gsi, Key, ProjectionType, StreamViewType};
use super::updates::TableUpdate;

/// An eco enum value as the SDK enum of the same spelling.
pub fn to_sdk<T: for<'a> From<&'a str>>(e: impl SpecEnum) -> T {
    T::from(e.as_str())
}

/// Every attribute a key schema uses (table keys, LSIs, the given GSIs), sorted by name: what
/// AttributeDefinitions must hold. The same attribute with two types is an error.
pub fn attribute_definitions<'a>(
    table: &DynamodbTable,
    gsis: impl IntoIterator<Item = &'a Gsi>,
) -> Result<Vec<AttributeDefinition>, String> {
    let keys = std::iter::once(table.hash_key.clone())
        .chain(table.range_key.clone())
        .chain(table.lsi.iter().map(spec::Lsi::key))
        .chain(gsis.into_iter().flat_map(|g| {
            let (hash, range) = g.keys();
            std::iter::once(hash).chain(range)
        }));
    let mut types: BTreeMap<String, spec::KeyType> = BTreeMap::new();
    for k in keys {
        match types.insert(k.name.clone(), k.ty) {
            Some(prev) if prev != k.ty => {
                return Err(format!(
                    "attribute `{}` is used as a key with two types, {} and {}",
                    k.name,
                    prev.as_str(),
                    k.ty.as_str()
                ))
            }
            _ => {}
        }
    }
    Ok(types
        .into_iter()
        .map(|(name, ty)| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(to_sdk(ty))
                .build()
                .expect("name and type are set")
        })
        .collect())
}

pub fn key_schema(hash: &Key, range: Option<&Key>) -> Vec<KeySchemaElement> {
    let element = |k: &Key, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(&k.name)
            .key_type(t)
            .build()
            .expect("name and key type are set")
    };
    let mut keys = vec![element(hash, KeyType::Hash)];
    keys.extend(range.map(|r| element(r, KeyType::Range)));
    keys
}

fn projection(kind: Option<ProjectionType>, non_key: &[String]) -> Projection {
    Projection::builder()
        .projection_type(to_sdk(kind.unwrap_or(ProjectionType::All)))
        .set_non_key_attributes((!non_key.is_empty()).then(|| non_key.to_vec()))
        .build()
}

pub fn throughput(read: i64, write: i64) -> ProvisionedThroughput {
    ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .expect("both capacities are set")
}

/// An index of `g`'s name, keys, projection and capacity, built with `$builder` (CreateTable
/// and UpdateTable take the same index as two SDK types).
macro_rules! gsi {
    ($builder:expr, $g:expr) => {{
        let (g, (hash, range)) = ($g, $g.keys());
        $builder
            .index_name(&g.name)
            .set_key_schema(Some(key_schema(&hash, range.as_ref())))
            .projection(projection(g.projection, &g.non_key_attributes))
            .set_provisioned_throughput(g.capacity().map(|(r, w)| throughput(r, w)))
            .build()
            .expect("name, keys and projection are set")
    }};
}

pub fn gsi_create(g: &Gsi) -> GlobalSecondaryIndexUpdate {
    let action = gsi!(CreateGlobalSecondaryIndexAction::builder(), g);
    GlobalSecondaryIndexUpdate::builder().create(action).build()
}

pub fn gsi_delete(name: &str) -> GlobalSecondaryIndexUpdate {
    let action = DeleteGlobalSecondaryIndexAction::builder()
        .index_name(name)
        .build()
        .expect("name is set");
    GlobalSecondaryIndexUpdate::builder().delete(action).build()
}

pub fn gsi_capacity(name: &str, read: i64, write: i64) -> GlobalSecondaryIndexUpdate {
    let action = UpdateGlobalSecondaryIndexAction::builder()
        .index_name(name)
        .provisioned_throughput(throughput(read, write))
        .build()
        .expect("name and throughput are set");
    GlobalSecondaryIndexUpdate::builder().update(action).build()
}

pub fn stream_spec(view: Option<StreamViewType>) -> StreamSpecification {
    StreamSpecification::builder()
        .stream_enabled(view.is_some())
        .set_stream_view_type(view.map(to_sdk))
        .build()
        .expect("stream_enabled is set")
}

/// SSE with a customer managed key, or (None) back to the AWS owned key.
pub fn sse_spec(kms_key: Option<&str>) -> SseSpecification {
    match kms_key {
        Some(k) => SseSpecification::builder()
            .enabled(true)
            .sse_type(SseType::Kms)
            .kms_master_key_id(k)
            .build(),
        None => SseSpecification::builder().enabled(false).build(),
    }
}

pub fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("key and value are set")
}

/// The CreateTable request for a desired table (everything but TTL and point-in-time recovery,
/// which have their own calls once the table is ACTIVE).
pub fn create_table_request(client: &Client, t: &DynamodbTable) -> CreateTableFluentBuilder {
    let defs = attribute_definitions(t, &t.gsi).expect("checked by DynamodbTable::desired");
    let lsis = t.lsi.iter().map(|l| {
        LocalSecondaryIndex::builder()
            .index_name(&l.name)
            .set_key_schema(Some(key_schema(&t.hash_key, Some(&l.key()))))
            .projection(projection(l.projection, &l.non_key_attributes))
            .build()
            .expect("name, keys and projection are set")
    });
    let req = client
        .create_table()
        .table_name(&t.name)
        .set_attribute_definitions(Some(defs))
        .set_key_schema(Some(key_schema(&t.hash_key, t.range_key.as_ref())))
        .set_global_secondary_indexes((!t.gsi.is_empty()).then(|| {
            t.gsi
                .iter()
                .map(|g| gsi!(GlobalSecondaryIndex::builder(), g))
                .collect()
        }))
        .set_local_secondary_indexes((!t.lsi.is_empty()).then(|| lsis.collect()))
        .set_table_class(t.table_class.map(to_sdk))
        .set_deletion_protection_enabled(t.deletion_protection)
        .set_stream_specification(t.stream_view_type.map(|v| stream_spec(Some(v))))
        .set_sse_specification(t.kms_key.as_deref().map(|k| sse_spec(Some(k))))
        .set_tags((!t.tags.is_empty()).then(|| t.tags.iter().map(|(k, v)| tag(k, v)).collect()));
    match t.capacity() {
        None => req.billing_mode(BillingMode::PayPerRequest),
        Some((read, write)) => req
            .billing_mode(BillingMode::Provisioned)
            .provisioned_throughput(throughput(read, write)),
    }
}

/// The UpdateTable request of one planned call.
pub fn update_table_request(
    client: &Client,
    name: &str,
    step: TableUpdate,
) -> UpdateTableFluentBuilder {
    client
        .update_table()
        .table_name(name)
        .set_attribute_definitions(step.attribute_definitions)
        .set_billing_mode(step.billing_mode)
        .set_provisioned_throughput(step.throughput)
        .set_global_secondary_index_updates(
            (!step.gsi_updates.is_empty()).then_some(step.gsi_updates),
        )
        .set_stream_specification(step.stream)
        .set_table_class(step.table_class)
        .set_deletion_protection_enabled(step.deletion_protection)
        .set_sse_specification(step.sse)
}
