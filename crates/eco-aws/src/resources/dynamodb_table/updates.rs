//! What a change sends: the UpdateTable calls, in order, and the tag changes.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndexUpdate, ProvisionedThroughput,
    SseSpecification, StreamSpecification, TableClass, Tag,
};
use eco_provider::OpError;

use super::requests::{
    attribute_definitions, gsi_capacity, gsi_create, gsi_delete, sse_spec, stream_spec, tag,
    throughput, to_sdk,
};
use super::spec::{DynamodbTable, Gsi};
use crate::attrs::any_changed;
use crate::tags::tag_diff;

/// One UpdateTable call: the parts of its request that eco sets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableUpdate {
    pub attribute_definitions: Option<Vec<AttributeDefinition>>,
    pub billing_mode: Option<BillingMode>,
    pub throughput: Option<ProvisionedThroughput>,
    pub gsi_updates: Vec<GlobalSecondaryIndexUpdate>,
    pub stream: Option<StreamSpecification>,
    pub table_class: Option<TableClass>,
    pub deletion_protection: Option<bool>,
    pub sse: Option<SseSpecification>,
}

/// A [`TableUpdate`] setting only the given parts.
macro_rules! update {
    ($($part:ident: $value:expr),*) => {
        TableUpdate { $($part: $value,)* ..Default::default() }
    };
}

/// The UpdateTable calls, in order, that bring the table-level attributes named in `changed`
/// from `live` to `want` (both with defaults filled in; empty when they already match). AWS
/// allows one GSI create or delete per call, and one kind of change per call, so:
/// 1. each GSI removed, or whose keys or projection changed (it is rebuilt), is deleted;
/// 2. billing mode / table capacity (switching to PROVISIONED gives every index its capacity in
///    the same call, as AWS requires);
/// 3. each new (or rebuilt) GSI is created, with the full AttributeDefinitions of the table as it
///    will be (moto replaces them with what is sent; AWS accepts the full set);
/// 4. GSI capacities of a PROVISIONED table, in one call;
/// 5. the stream: an enabled stream's view type cannot change, so it is disabled, then enabled;
/// 6. table class, 7. deletion protection, 8. encryption key: one call each.
pub fn plan_table_updates(
    live: &DynamodbTable,
    want: &DynamodbTable,
    changed: &[String],
) -> Result<Vec<TableUpdate>, OpError> {
    let has = |a: &str| any_changed(changed, &[a]);
    let billing_changed = any_changed(
        changed,
        &["billing-mode", "read-capacity", "write-capacity"],
    );
    let mut steps = Vec::new();
    let mut gsis = live.gsi.clone();
    let mut billing = live.capacity();
    let wanted = |name: &str| want.gsi.iter().find(|w| w.name == name);

    if has("gsi") {
        let doomed: Vec<String> = gsis
            .iter()
            .filter(|g| !wanted(&g.name).is_some_and(|w| w.same_shape(g)))
            .map(|g| g.name.clone())
            .collect();
        for index in doomed {
            steps.push(update!(gsi_updates: vec![gsi_delete(&index)]));
            gsis.retain(|g| g.name != index);
        }
    }

    if billing_changed && want.capacity() != billing {
        let mut step = TableUpdate::default();
        match want.capacity() {
            None => {
                step.billing_mode = Some(BillingMode::PayPerRequest);
                gsis.iter_mut().for_each(|g| g.set_capacity(None));
            }
            Some((read, write)) => {
                step.billing_mode = Some(BillingMode::Provisioned);
                step.throughput = Some(throughput(read, write));
                if billing.is_none() {
                    for g in &mut gsis {
                        let (r, w) = wanted(&g.name)
                            .and_then(Gsi::capacity)
                            .unwrap_or((read, write));
                        step.gsi_updates.push(gsi_capacity(&g.name, r, w));
                        g.set_capacity(Some((r, w)));
                    }
                }
            }
        }
        billing = want.capacity();
        steps.push(step);
    }

    if has("gsi") {
        for w in &want.gsi {
            if gsis.iter().any(|g| g.name == w.name) {
                continue;
            }
            let mut g = w.clone();
            g.set_capacity(billing.and(g.capacity().or(billing)));
            let defs = attribute_definitions(live, gsis.iter().chain([&g]))
                .map_err(|m| OpError::invalid("UpdateTable", m))?;
            steps.push(TableUpdate {
                attribute_definitions: Some(defs),
                gsi_updates: vec![gsi_create(&g)],
                ..Default::default()
            });
            gsis.push(g);
        }
    }

    if (has("gsi") || billing_changed) && billing.is_some() {
        let updates: Vec<GlobalSecondaryIndexUpdate> = gsis
            .iter()
            .filter_map(|g| {
                let (r, w) = wanted(&g.name)?.capacity()?;
                (Some((r, w)) != g.capacity()).then(|| gsi_capacity(&g.name, r, w))
            })
            .collect();
        if !updates.is_empty() {
            steps.push(update!(gsi_updates: updates));
        }
    }

    if has("stream-view-type") && want.stream_view_type != live.stream_view_type {
        if live.stream_view_type.is_some() {
            steps.push(update!(stream: Some(stream_spec(None))));
        }
        if let Some(v) = want.stream_view_type {
            steps.push(update!(stream: Some(stream_spec(Some(v)))));
        }
    }
    if has("table-class") && want.table_class != live.table_class {
        steps.push(update!(table_class: want.table_class.map(to_sdk)));
    }
    if has("deletion-protection") && want.deletion_protection != live.deletion_protection {
        steps.push(update!(deletion_protection: want.deletion_protection));
    }
    if has("kms-key") && !kms_matches(want.kms_key.as_deref(), live.kms_key.as_deref()) {
        steps.push(update!(sse: Some(sse_spec(want.kms_key.as_deref()))));
    }
    Ok(steps)
}

/// Whether the live key is the one configured (configured as a key ARN, or a key id that the
/// live ARN ends with).
pub fn kms_matches(want: Option<&str>, live: Option<&str>) -> bool {
    match (want, live) {
        (None, None) => true,
        (Some(w), Some(l)) => w == l || l.ends_with(&format!(":key/{w}")),
        _ => false,
    }
}

/// The tag changes that bring `live` to `want`: (keys to remove, tags to set). AWS's own
/// `aws:` tags are never touched.
pub fn tag_changes(
    live: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> (Vec<String>, Vec<Tag>) {
    let (set, mut remove) = tag_diff(live, want, &[]);
    remove.retain(|k| !k.starts_with("aws:"));
    (remove, set.iter().map(|(k, v)| tag(k, v)).collect())
}
