//! `dynamodb-table`: a DynamoDB table with its indexes, TTL, backups and stream.
//!
//! AWS calls:
//! - read: DescribeTable, then DescribeTimeToLive, DescribeContinuousBackups and
//!   ListTagsOfResource (paged) concurrently; a table that is DELETING reads as gone
//! - find: DescribeTable + ListTagsOfResource (ours by ownership tags, else Conflict)
//! - create: CreateTable (keys, billing, GSIs, LSIs, stream, SSE, table class, deletion protection,
//!   tags), polls DescribeTable until the table and its indexes are ACTIVE, then UpdateTimeToLive
//!   and UpdateContinuousBackups when set; a table of that name that is ours is adopted and brought
//!   to the configuration
//! - update: compares each changed attribute with DescribeTable first (so a repeated update calls
//!   nothing), then UpdateTable (GSI deletes, then billing mode / capacity, then GSI creates, one
//!   GSI create or delete per call, always with the full AttributeDefinitions, waiting for ACTIVE
//!   between calls; then stream, table class, deletion protection, SSE), UpdateTimeToLive,
//!   UpdateContinuousBackups, TagResource / UntagResource
//! - delete: DeleteTable (refused with a Conflict while deletion protection is on), then polls
//!   DescribeTable until the table is gone
//! - import: by table name (same as read)
//!
//! DynamoDB has no batched describe, so `read_many` is not offered.

mod read;
mod requests;
mod spec;
mod updates;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    IndexStatus, PointInTimeRecoverySpecification, PointInTimeRecoveryStatus, TableDescription,
    TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_smithy_runtime_api::client::result::SdkError;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::{DataAtRisk, Held, Schema};

use self::read::{from_description, to_attrs};
use self::requests::{create_table_request, update_table_request};
use self::spec::DynamodbTable;
use self::updates::{plan_table_updates, tag_changes};
use crate::attrs::any_changed;
use crate::aws::{each_concurrently, error_code, has_code, is_not_found, op_error, read_each, Aws};
use crate::calls::get_optional;
use crate::ownership::not_ours_by_tags;
use crate::wait::{self, Backoff, Look};

pub const TYPE_NAME: &str = DynamodbTable::TYPE_NAME;

/// What AWS answers this type's calls with for a while before they succeed, and for how long eco
/// keeps trying (the engine retries; see `eco_provider::transient` and docs/aws-behaviour.md).
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[
    eco_provider::Transient {
        operations: &["UpdateContinuousBackups"],
        codes: &["ContinuousBackupsUnavailableException"],
        message: None,
        budget: std::time::Duration::from_secs(1200),
        why: "DynamoDB is still enabling continuous backups of the new table",
    },
    eco_provider::Transient {
        operations: &["CreateTable", "UpdateTable", "DeleteTable"],
        codes: &["LimitExceededException"],
        message: Some("simultaneously"),
        budget: std::time::Duration::from_secs(1200),
        why: "too many table operations are in flight in the account",
    },
    eco_provider::Transient {
        operations: &["CreateTable"],
        codes: &["ResourceInUseException"],
        message: Some("still being deleted"),
        budget: std::time::Duration::from_secs(600),
        why: "a table of this name is still being deleted",
    },
];

pub fn schema() -> Schema {
    DynamodbTable::schema()
}

/// Longest wait for a table and its indexes to become ACTIVE (a GSI backfill on a large table
/// takes long; the next apply picks up where a timed-out one stopped).
const ACTIVE_WAIT: Duration = Duration::from_secs(30 * 60);
/// Longest wait for a deleted table to disappear.
const GONE_WAIT: Duration = Duration::from_secs(10 * 60);
/// First pause between two polls (the first poll is immediate); doubles up to `POLL_MAX`.
const POLL_FIRST: Duration = Duration::from_millis(250);
const POLL_MAX: Duration = Duration::from_secs(8);

/// Whether an error says the table is gone (DescribeContinuousBackups answers
/// TableNotFoundException; moto's TTL calls answer ResourceNotFound).
fn table_gone<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    is_not_found(err) || has_code(err, &["TableNotFoundException", "ResourceNotFound"])
}

/// A table that vanished while `op` worked on it.
/// How many tables a batched refresh describes at once.
const BATCH_READS: usize = 10;

fn gone(op: &str, name: &str) -> OpError {
    let message = format!("table `{name}` no longer exists (deleted outside eco?)");
    OpError::new(op, ErrorKind::Other, message)
}

fn is_settled(d: &TableDescription) -> bool {
    d.table_status() == Some(&TableStatus::Active)
        && d.global_secondary_indexes()
            .iter()
            .all(|g| g.index_status().is_none_or(|s| *s == IndexStatus::Active))
}

fn status_of(d: Option<&TableDescription>) -> String {
    let Some(d) = d else {
        return "gone".to_string();
    };
    let mut s = d
        .table_status()
        .map_or("unknown", |s| s.as_str())
        .to_string();
    for g in d.global_secondary_indexes() {
        if let Some(st) = g.index_status().filter(|s| **s != IndexStatus::Active) {
            let index = g.index_name().unwrap_or_default();
            s.push_str(&format!(", index {index} {}", st.as_str()));
        }
    }
    s
}

fn not_ours(ctx: &OpContext, op: &str, name: &str, tags: &BTreeMap<String, String>) -> OpError {
    not_ours_by_tags(ctx, op, &format!("table `{name}`"), name, tags)
}

fn live(id: &str, table: &DynamodbTable) -> Live {
    Live {
        id: id.to_string(),
        attrs: to_attrs(table),
    }
}

/// The operations of `dynamodb-table`.
pub struct Provider {
    client: aws_sdk_dynamodb::Client,
    tagging: aws_sdk_resourcegroupstagging::Client,
    schema: Schema,
}

impl Provider {
    /// The provider, with the stage's DynamoDB client.
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.dynamodb(),
            tagging: aws.tagging(),
            schema: schema(),
        }
    }

    /// DescribeTable; `None` when there is no such table (ResourceNotFoundException). An
    /// answer without the table description is an error, never "deleted".
    async fn describe(&self, name: &str) -> Result<Option<TableDescription>, OpError> {
        let call = self.client.describe_table().table_name(name).send();
        get_optional("DescribeTable", table_gone, call)
            .await?
            .map(|o| crate::calls::answered(o.table, "DescribeTable", "the table description"))
            .transpose()
    }

    /// What the table holds: DescribeTable's ItemCount and TableSizeBytes (AWS refreshes them
    /// about every six hours); when they say 0, a Scan of one item tells an empty table from
    /// one filled since.
    async fn items_held(&self, name: &str) -> Result<Option<DataAtRisk>, OpError> {
        let Some(d) = self.describe(name).await? else {
            return Ok(None);
        };
        let count = d.item_count().unwrap_or(0).max(0) as u64;
        let bytes = d.table_size_bytes().unwrap_or(0).max(0) as u64;
        let held = DataAtRisk::counted("table", Held::Items, count).estimated();
        let held = if bytes > 0 {
            held.with_bytes(bytes)
        } else {
            held
        };
        if count > 0 {
            return Ok(Some(
                held.noted("DynamoDB's count, refreshed about every 6 hours"),
            ));
        }
        let scan = self
            .client
            .scan()
            .table_name(name)
            .limit(1)
            .select(aws_sdk_dynamodb::types::Select::Count)
            .send()
            .await
            .map_err(|e| op_error("Scan", e))?;
        Ok(Some(if scan.count() > 0 {
            held.at_least()
                .noted("DynamoDB's count of 0 is refreshed about every 6 hours; a scan found items")
        } else {
            held
        }))
    }

    /// Polls DescribeTable until `done` holds. The first poll is immediate (an emulator, or a
    /// call that finished at once, costs nothing); then it pauses 250 ms, doubling up to 8 s
    /// between polls, for at most `limit` in total. DynamoDB's TableExists waiter does not look
    /// at index status and starts at 20 s between polls, hence this loop.
    async fn poll(
        &self,
        name: &str,
        limit: Duration,
        what: &str,
        done: impl Fn(Option<&TableDescription>) -> bool,
    ) -> Result<Option<TableDescription>, OpError> {
        let backoff = Backoff::new(POLL_FIRST, POLL_MAX, limit);
        let polled = wait::until(backoff, || async {
            let d = self.describe(name).await?;
            Ok(if done(d.as_ref()) {
                Look::Done(d)
            } else {
                Look::NotYet(d)
            })
        });
        polled.await?.map_err(|d| {
            let (minutes, now) = (limit.as_secs() / 60, status_of(d.as_ref()));
            let message = format!(
                "table `{name}` did not become {what} within {minutes} min (now: {now}); \
                 the next apply continues from there"
            );
            OpError::new("DescribeTable", ErrorKind::Other, message)
        })
    }

    /// Waits until the table and all its indexes are ACTIVE; `None` when the table is gone.
    async fn wait_active(&self, name: &str) -> Result<Option<TableDescription>, OpError> {
        self.poll(name, ACTIVE_WAIT, "ACTIVE", |d| d.is_none_or(is_settled))
            .await
    }

    /// Like `wait_active`, but a table that is gone is an error of `op`.
    async fn settled(&self, name: &str, op: &str) -> Result<DynamodbTable, OpError> {
        let d = self
            .wait_active(name)
            .await?
            .ok_or_else(|| gone(op, name))?;
        Ok(from_description(&d))
    }

    /// The TTL attribute when TTL is on (ENABLED or ENABLING); outer `None` = table gone.
    async fn ttl(&self, name: &str) -> Result<Option<Option<String>>, OpError> {
        let call = self.client.describe_time_to_live().table_name(name).send();
        let out = get_optional("DescribeTimeToLive", table_gone, call).await?;
        Ok(out.map(|o| {
            let t = o.time_to_live_description?;
            let on = matches!(
                t.time_to_live_status(),
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            );
            on.then(|| t.attribute_name().map(str::to_string)).flatten()
        }))
    }

    /// Whether point-in-time recovery is on; `None` = table gone.
    async fn pitr(&self, name: &str) -> Result<Option<bool>, OpError> {
        let call = self
            .client
            .describe_continuous_backups()
            .table_name(name)
            .send();
        let out = get_optional("DescribeContinuousBackups", table_gone, call).await?;
        Ok(out.map(|o| {
            o.continuous_backups_description()
                .and_then(|c| c.point_in_time_recovery_description())
                .and_then(|p| p.point_in_time_recovery_status())
                == Some(&PointInTimeRecoveryStatus::Enabled)
        }))
    }

    /// All tags of the table (every page); `None` = table gone.
    async fn tags(&self, arn: &str) -> Result<Option<BTreeMap<String, String>>, OpError> {
        let mut tags = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let call = self.client.list_tags_of_resource().resource_arn(arn);
            let call = call.set_next_token(token.take()).send();
            let Some(out) = get_optional("ListTagsOfResource", table_gone, call).await? else {
                return Ok(None);
            };
            tags.extend(
                out.tags()
                    .iter()
                    .map(|t| (t.key().into(), t.value().into())),
            );
            match out.next_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(Some(tags)),
            }
        }
    }

    /// The full live table from a description: TTL, point-in-time recovery (each when `wanted`
    /// accepts its attribute) and (unless given) tags are read concurrently. `None` when the
    /// table vanished meanwhile, or is DELETING.
    async fn complete(
        &self,
        d: &TableDescription,
        tags: Option<BTreeMap<String, String>>,
        wanted: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Option<DynamodbTable>, OpError> {
        if d.table_status() == Some(&TableStatus::Deleting) {
            return Ok(None);
        }
        let mut live = from_description(d);
        let arn = live.arn.clone().unwrap_or_default();
        let tags_call = async {
            match tags {
                Some(t) => Ok(Some(t)),
                None => self.tags(&arn).await,
            }
        };
        // Not asked for: read as if present, and left out of the result below.
        let ttl_call = async {
            match wanted("ttl") {
                true => self.ttl(&live.name).await,
                false => Ok(Some(None)),
            }
        };
        let pitr_call = async {
            match wanted("point-in-time-recovery") {
                true => self.pitr(&live.name).await.map(|p| p.map(Some)),
                false => Ok(Some(None)),
            }
        };
        let (ttl, pitr, tags) = tokio::join!(ttl_call, pitr_call, tags_call);
        let (Some(ttl), Some(pitr), Some(tags)) = (ttl?, pitr?, tags?) else {
            return Ok(None);
        };
        live.ttl = ttl;
        live.point_in_time_recovery = pitr;
        live.tags = tags
            .into_iter()
            .filter(|(k, _)| !k.starts_with("aws:"))
            .collect();
        Ok(Some(live))
    }

    async fn read_table(
        &self,
        name: &str,
        wanted: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Option<DynamodbTable>, OpError> {
        match self.describe(name).await? {
            Some(d) => self.complete(&d, None, wanted).await,
            None => Ok(None),
        }
    }

    /// Reads a table that must exist after `op`: what `desired` declares, nothing else.
    async fn read_after(&self, name: &str, op: &str, desired: &Attrs) -> Result<Live, OpError> {
        let wanted = |attr: &str| desired.contains_key(attr);
        let t = self.read_table(name, &wanted).await?.ok_or_else(|| {
            let message =
                format!("table `{name}` vanished right after {op} (deleted outside eco?)");
            OpError::new(op, ErrorKind::Other, message)
        })?;
        Ok(live(name, &t))
    }

    /// Brings the attributes named in `changed` from what AWS has now to `want`, calling only
    /// where they differ (so a second run calls nothing but the describes). The UpdateTable calls
    /// come from [`plan_table_updates`]; each is followed by a wait for ACTIVE.
    async fn converge(&self, name: &str, want: &DynamodbTable, changed: &[String]) -> OpResult<()> {
        let has = |a: &str| any_changed(changed, &[a]);
        let mut live = self.settled(name, "UpdateTable").await?;
        for step in plan_table_updates(&live, want, changed)? {
            let req = update_table_request(&self.client, name, step);
            req.send().await.map_err(|e| op_error("UpdateTable", e))?;
            live = self.settled(name, "UpdateTable").await?;
        }

        // 9. TTL: AWS refuses to enable TTL that is on, so a new attribute disables first.
        if has("ttl") {
            let current = self.ttl(name).await?;
            let current = current.ok_or_else(|| gone("DescribeTimeToLive", name))?;
            if current != want.ttl {
                for (attr, enabled) in [(&current, false), (&want.ttl, true)] {
                    let Some(attr) = attr else { continue };
                    let spec = TimeToLiveSpecification::builder().attribute_name(attr);
                    let spec = spec
                        .enabled(enabled)
                        .build()
                        .expect("name and enabled are set");
                    let call = self.client.update_time_to_live().table_name(name);
                    let call = call.time_to_live_specification(spec).send().await;
                    call.map_err(|e| op_error("UpdateTimeToLive", e))?;
                }
            }
        }

        // 10. Point-in-time recovery.
        let pitr = want.point_in_time_recovery.unwrap_or(false);
        if has("point-in-time-recovery") {
            let current = self.pitr(name).await?;
            if current.ok_or_else(|| gone("DescribeContinuousBackups", name))? != pitr {
                let spec = PointInTimeRecoverySpecification::builder()
                    .point_in_time_recovery_enabled(pitr)
                    .build()
                    .expect("enabled is set");
                let call = self.client.update_continuous_backups().table_name(name);
                let call = call.point_in_time_recovery_specification(spec).send().await;
                call.map_err(|e| op_error("UpdateContinuousBackups", e))?;
            }
        }

        // 11. Tags.
        if has("tags") {
            let arn = live.arn.unwrap_or_default();
            let current = self.tags(&arn).await?;
            let current = current.ok_or_else(|| gone("ListTagsOfResource", name))?;
            let (remove, set) = tag_changes(&current, &want.tags);
            if !remove.is_empty() {
                let call = self.client.untag_resource().resource_arn(&arn);
                let call = call.set_tag_keys(Some(remove)).send().await;
                call.map_err(|e| op_error("UntagResource", e))?;
            }
            if !set.is_empty() {
                let call = self.client.tag_resource().resource_arn(&arn);
                let call = call.set_tags(Some(set)).send().await;
                call.map_err(|e| op_error("TagResource", e))?;
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(TRANSIENT);

    /// ListTables (every page), each table read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let pages = self.client.list_tables().into_paginator().items().send();
        let names = match pages.collect::<Result<Vec<String>, _>>().await {
            Ok(names) => names,
            Err(e) => return Some(Err(op_error("ListTables", e))),
        };
        Some(
            read_each(names, |name| async move {
                Ok(self
                    .read_table(&name, &|_| true)
                    .await?
                    .map(|t| live(&name, &t)))
            })
            .await,
        )
    }

    async fn read(&self, ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        let wanted = |attr: &str| ctx.reads(attr);
        Ok(self.read_table(id, &wanted).await?.map(|t| live(id, &t)))
    }

    /// A refresh of many tables: one paged GetResources gives the tags of those the stage owns;
    /// per table, DescribeTable (and the declared TTL / backups calls), with ListTagsOfResource
    /// only for a table the tagging API did not list yet.
    async fn read_many(
        &self,
        requests: &[(OpContext, String)],
    ) -> Option<Result<Vec<Option<Live>>, OpError>> {
        let (first, _) = requests.first()?;
        let owned = match crate::tagging::owned_tags(&self.tagging, first, "dynamodb:table").await {
            Ok(owned) => owned,
            Err(e) => return Some(Err(e)),
        };
        let owned = &owned;
        let read = each_concurrently(
            requests.iter().collect(),
            BATCH_READS,
            |(ctx, name)| async move {
                let Some(d) = self.describe(name).await? else {
                    return Ok(None);
                };
                let tags = d.table_arn().and_then(|arn| owned.get(arn)).cloned();
                let wanted = |attr: &str| ctx.reads(attr);
                let table = self.complete(&d, tags, &wanted).await?;
                Ok(table.map(|t| live(name, &t)))
            },
        );
        Some(read.await)
    }

    /// DescribeTable (and a one-item Scan when it counts 0).
    async fn data_at_risk(
        &self,
        _ctx: &OpContext,
        id: &str,
        _live: &Attrs,
    ) -> Option<Result<Option<DataAtRisk>, OpError>> {
        Some(self.items_held(id).await)
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let name = DynamodbTable::desired(desired, "DescribeTable")?.name;
        let Some(d) = self.describe(&name).await? else {
            return Ok(None);
        };
        if d.table_status() == Some(&TableStatus::Deleting) || ctx.is_replaced(&name) {
            return Ok(None);
        }
        let Some(tags) = self.tags(d.table_arn().unwrap_or_default()).await? else {
            return Ok(None);
        };
        if !ctx.owns(&tags) {
            return Err(not_ours(ctx, "DescribeTable", &name, &tags));
        }
        Ok(self
            .complete(&d, Some(tags), &|_| true)
            .await?
            .map(|t| live(&name, &t)))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let want = DynamodbTable::desired(desired, "CreateTable")?;
        let name = &want.name;
        match create_table_request(&self.client, &want).send().await {
            Ok(_) => {
                let d = self.wait_active(name).await?;
                let d = d.ok_or_else(|| gone("CreateTable", name))?;
                let after: Vec<String> = ["ttl", "point-in-time-recovery"]
                    .iter()
                    .filter(|a| desired.contains_key(**a))
                    .map(|a| a.to_string())
                    .collect();
                if after.is_empty() {
                    // Nothing set after the create: the ACTIVE description and the tags the
                    // create set are the table; nothing more to read back.
                    let wanted = |attr: &str| desired.contains_key(attr);
                    let made = self.complete(&d, Some(want.tags.clone()), &wanted).await?;
                    let made = made.ok_or_else(|| gone("CreateTable", name))?;
                    return Ok(live(name, &made));
                }
                self.converge(name, &want, &after).await?;
            }
            Err(e) if error_code(&e) == Some("ResourceInUseException") => {
                // The name is taken: ours (an earlier run's create) is adopted and brought to
                // the configuration; anyone else's is a conflict (from find).
                if self.find(ctx, desired, token).await?.is_none() {
                    let message =
                        format!("table `{name}` is still being deleted; create it once it is gone");
                    return Err(OpError::new("CreateTable", ErrorKind::Retryable, message)
                        .with_code("ResourceInUseException"));
                }
                let all: Vec<String> = desired.keys().cloned().collect();
                self.converge(name, &want, &all).await?;
            }
            Err(e) => return Err(op_error("CreateTable", e)),
        }
        self.read_after(name, "CreateTable", desired).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let want = DynamodbTable::desired(desired, "UpdateTable")?;
        self.converge(id, &want, changed).await?;
        self.read_after(id, "UpdateTable", desired).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let Some(mut d) = self.describe(id).await? else {
            return Ok(());
        };
        match d.table_status() {
            Some(TableStatus::Deleting) => {
                self.poll(id, GONE_WAIT, "deleted", |d| d.is_none()).await?;
                return Ok(());
            }
            Some(TableStatus::Active) => {}
            _ => match self.wait_active(id).await? {
                Some(now) => d = now,
                None => return Ok(()),
            },
        }
        if d.deletion_protection_enabled() == Some(true) {
            let message = format!(
                "table `{id}` has deletion protection on; set `deletion-protection #false` \
                 and apply before destroying it"
            );
            return Err(OpError::new("DeleteTable", ErrorKind::Conflict, message));
        }
        match self.client.delete_table().table_name(id).send().await {
            Ok(_) => {}
            Err(e) if table_gone(&e) => return Ok(()),
            Err(e) => return Err(op_error("DeleteTable", e)),
        }
        self.poll(id, GONE_WAIT, "deleted", |d| d.is_none()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
