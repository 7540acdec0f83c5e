//! `log-group`: a CloudWatch Logs log group, its retention, encryption key and tags.
//!
//! AWS calls:
//! - read: DescribeLogGroups (by name prefix, until the exact name), then ListTagsForResource
//! - create: CreateLogGroup (name, KMS key, tags), then PutRetentionPolicy
//! - update: PutRetentionPolicy / DeleteRetentionPolicy, AssociateKmsKey / DisassociateKmsKey,
//!   TagResource / UntagResource
//! - delete: DeleteLogGroup (its events go with it)
//! - import: by the log group name

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::types::LogGroup as SdkLogGroup;
use eco_provider::{Attrs, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::spec::{SpecError, SpecValue};
use eco_schema::{ScalarType, Schema, Shape, Spec};

use crate::attrs::spec_of;
use crate::aws::{error_code, is_not_found, op_error, Aws};
use crate::calls::{
    bring_to, delete_if_present, every_page, found_to_adopt, get_optional, made, refuse_fixed,
    to_update,
};
use crate::ownership::ensure_ours;
use crate::tags::retag;

/// The retention periods CloudWatch Logs accepts, in days, and 0: kept forever (no retention
/// policy), as Terraform's `retention_in_days = 0` means.
pub const RETENTION_DAYS: &[&str] = &[
    "0", "1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545",
    "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653",
];

/// A retention period in days, one of [`RETENTION_DAYS`] (0: kept forever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionDays(pub i32);

impl RetentionDays {
    /// What PutRetentionPolicy takes; `None` for "forever" (DeleteRetentionPolicy).
    pub fn days(self) -> Option<i32> {
        (self.0 > 0).then_some(self.0)
    }
}

impl SpecValue for RetentionDays {
    fn shape() -> Shape {
        Shape::Scalar(ScalarType::Int)
    }
    fn allowed() -> &'static [&'static str] {
        RETENTION_DAYS
    }
    fn from_value(v: &Value, path: &str) -> Result<Self, SpecError> {
        let days = i64::from_value(v, path)?;
        if RETENTION_DAYS.contains(&days.to_string().as_str()) {
            Ok(RetentionDays(days as i32))
        } else {
            Err(SpecError::new(
                path,
                format!(
                    "must be one of {} (0: kept forever), found {days}",
                    RETENTION_DAYS.join(", ")
                ),
            ))
        }
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::Int(self.0 as i64))
    }
}

/// A log group: the desired configuration or what CloudWatch Logs reports, in one shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "log-group",
    doc = "A CloudWatch Logs log group: retention, encryption key and tags",
    import_id = "the log group name"
)]
pub struct LogGroup {
    /// log group name, e.g. /aws/lambda/FUNCTION; CloudWatch Logs cannot rename a group
    #[eco(replace, name_rule = LogGroup)]
    pub name: String,
    /// days to keep events, one of the periods CloudWatch Logs offers; 0 keeps them forever
    /// (PutRetentionPolicy / DeleteRetentionPolicy)
    pub retention_in_days: Option<RetentionDays>,
    /// ARN of the KMS key that encrypts the events (AssociateKmsKey / DisassociateKmsKey)
    pub kms_key_id: Option<String>,
    /// log group ARN (without the `:*` of the older `arn`)
    #[eco(computed, derived_from = "name")]
    pub arn: Option<String>,
    /// bytes of events stored (what deleting the group would lose)
    #[eco(computed)]
    pub stored_bytes: Option<i64>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = LogGroup::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    LogGroup::schema()
}

crate::tags::tag_by_key!(aws_sdk_cloudwatchlogs::Client, resource_arn);

/// A group as read: what DescribeLogGroups reports, with its tags. A group without a retention
/// policy reads as `retention-in-days 0` (kept forever).
pub fn from_sdk(group: &SdkLogGroup, tags: BTreeMap<String, String>) -> LogGroup {
    let arn = group
        .log_group_arn()
        .map(str::to_string)
        .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_string()));
    #[allow(deprecated)]
    let stored_bytes = group.stored_bytes();
    LogGroup {
        name: group.log_group_name().unwrap_or_default().to_string(),
        retention_in_days: Some(RetentionDays(group.retention_in_days().unwrap_or(0))),
        kms_key_id: group.kms_key_id().map(str::to_string),
        arn,
        stored_bytes,
        tags,
    }
}

/// One CloudWatch Logs call of an update, in the order they run.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    PutRetentionPolicy(i32),
    DeleteRetentionPolicy,
    AssociateKmsKey(String),
    DisassociateKmsKey,
}

/// The retention and key calls that take `live` to `want` for the attributes in `changed`
/// (tags are retagged apart). Nothing when they already agree.
pub fn update_calls(live: &LogGroup, want: &LogGroup, changed: &[String]) -> Vec<Call> {
    let has = |k: &str| changed.iter().any(|c| c == k);
    let mut calls = Vec::new();
    let want_days = want.retention_in_days.and_then(RetentionDays::days);
    let live_days = live.retention_in_days.and_then(RetentionDays::days);
    if has("retention-in-days") && want_days != live_days {
        calls.push(match want_days {
            Some(days) => Call::PutRetentionPolicy(days),
            None => Call::DeleteRetentionPolicy,
        });
    }
    if has("kms-key-id") && want.kms_key_id != live.kms_key_id {
        calls.push(match &want.kms_key_id {
            Some(key) => Call::AssociateKmsKey(key.clone()),
            None => Call::DisassociateKmsKey,
        });
    }
    calls
}

type AssociateReq =
    aws_sdk_cloudwatchlogs::operation::associate_kms_key::builders::AssociateKmsKeyFluentBuilder;

/// AssociateKmsKey of `key` to the group `name` (new events are encrypted with it).
pub fn associate_request(req: AssociateReq, name: &str, key: &str) -> AssociateReq {
    req.log_group_name(name).kms_key_id(key)
}

/// The `log-group` operations, on one account's CloudWatch Logs client.
///
/// `read` costs 2 calls (DescribeLogGroups, which carries no tags, and ListTagsForResource).
pub struct Provider {
    logs: aws_sdk_cloudwatchlogs::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            logs: aws.logs(),
            schema: schema(),
        }
    }

    /// The groups whose names begin with `prefix` (every page).
    async fn describe(&self, prefix: Option<&str>) -> Result<Vec<SdkLogGroup>, OpError> {
        every_page(|token| async move {
            let out = self
                .logs
                .describe_log_groups()
                .set_log_group_name_prefix(prefix.map(str::to_string))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| op_error("DescribeLogGroups", e))?;
            Ok((out.log_groups.unwrap_or_default(), out.next_token))
        })
        .await
    }

    async fn tags_of(&self, arn: &str) -> Result<Option<BTreeMap<String, String>>, OpError> {
        let call = self.logs.list_tags_for_resource().resource_arn(arn).send();
        Ok(get_optional("ListTagsForResource", is_not_found, call)
            .await?
            .map(|o| o.tags.unwrap_or_default().into_iter().collect()))
    }

    async fn read_group(&self, name: &str) -> Result<Option<LogGroup>, OpError> {
        let groups = self.describe(Some(name)).await?;
        let Some(group) = groups.iter().find(|g| g.log_group_name() == Some(name)) else {
            return Ok(None);
        };
        let arn = from_sdk(group, BTreeMap::new()).arn.unwrap_or_default();
        // A group deleted between the calls reads as gone.
        Ok(self.tags_of(&arn).await?.map(|tags| from_sdk(group, tags)))
    }

    async fn run(&self, name: &str, call: Call) -> Result<(), OpError> {
        let logs = &self.logs;
        match call {
            Call::PutRetentionPolicy(days) => logs
                .put_retention_policy()
                .log_group_name(name)
                .retention_in_days(days)
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("PutRetentionPolicy", e)),
            Call::DeleteRetentionPolicy => {
                let call = logs.delete_retention_policy().log_group_name(name).send();
                call.await
                    .map(drop)
                    .map_err(|e| op_error("DeleteRetentionPolicy", e))
            }
            Call::AssociateKmsKey(key) => associate_request(logs.associate_kms_key(), name, &key)
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("AssociateKmsKey", e)),
            Call::DisassociateKmsKey => {
                let call = logs.disassociate_kms_key().log_group_name(name).send();
                call.await
                    .map(drop)
                    .map_err(|e| op_error("DisassociateKmsKey", e))
            }
        }
    }

    /// The group named in `spec` when it exists: ours, or a Conflict naming its owner.
    async fn find_spec(&self, ctx: &OpContext, name: &str, op: &str) -> OpResult<Option<Live>> {
        let Some(found) = self.read_group(name).await? else {
            return Ok(None);
        };
        let what = format!("log group `{name}`");
        ensure_ours(ctx, op, &what, name, &found.tags)?;
        Ok(Some(live(found)))
    }
}

fn live(group: LogGroup) -> Live {
    Live {
        id: group.name.clone(),
        attrs: group.to_attrs(),
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_group(id).await?.map(live))
    }

    /// The group of the configured name, when it exists and carries this address's ownership
    /// tags.
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let spec: LogGroup = spec_of(desired, TY, "DescribeLogGroups")?;
        self.find_spec(ctx, &spec.name, "DescribeLogGroups").await
    }

    /// CreateLogGroup with the key and tags (ownership recorded by the first call), then
    /// PutRetentionPolicy. A group of ours that already exists (a re-run after a crash) is
    /// adopted and brought to `desired`; anyone else's is a Conflict.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreateLogGroup";
        let spec: LogGroup = spec_of(desired, TY, op)?;
        let tags = (!spec.tags.is_empty()).then(|| spec.tags.clone().into_iter().collect());
        let created = self
            .logs
            .create_log_group()
            .log_group_name(&spec.name)
            .set_kms_key_id(spec.kms_key_id.clone())
            .set_tags(tags)
            .send()
            .await;
        match created {
            Ok(_) => {
                if let Some(days) = spec.retention_in_days.and_then(RetentionDays::days) {
                    self.run(&spec.name, Call::PutRetentionPolicy(days)).await?;
                }
                let read = self.read_group(&spec.name).await?;
                Ok(live(made(read, op, TY, &spec.name)?))
            }
            Err(e) if error_code(&e) == Some("ResourceAlreadyExistsException") => {
                let found = found_to_adopt(
                    self.find_spec(ctx, &spec.name, op).await?,
                    op,
                    &format!("log group `{}`", spec.name),
                )?;
                bring_to(self, ctx, found, desired, &[]).await
            }
            Err(e) => Err(op_error(op, e)),
        }
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "PutRetentionPolicy";
        refuse_fixed(changed, &["name"], TY, op)?;
        let want: LogGroup = spec_of(desired, TY, op)?;
        let what = format!("log group `{id}`");
        let current = to_update(self.read_group(id).await?, "DescribeLogGroups", &what)?;
        for call in update_calls(&current, &want, changed) {
            self.run(id, call).await?;
        }
        if changed.iter().any(|c| c == "tags") {
            let arn = current.arn.clone().unwrap_or_default();
            retag(&self.logs, &arn, &current.tags, &want.tags, &[]).await?;
        }
        let after = to_update(self.read_group(id).await?, "DescribeLogGroups", &what)?;
        Ok(live(after))
    }

    /// DeleteLogGroup; a group already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.logs.delete_log_group().log_group_name(id).send();
        delete_if_present("DeleteLogGroup", is_not_found, call).await
    }

    /// DescribeLogGroups (every page), each group's tags listed.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let names = self.describe(None).await.map(|groups| {
            groups
                .iter()
                .filter_map(|g| g.log_group_name().map(str::to_string))
                .collect()
        });
        crate::aws::read_listed(names, |name| async move {
            Ok(self.read_group(&name).await?.map(live))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(days: i32, key: Option<&str>) -> LogGroup {
        LogGroup {
            name: "/aws/lambda/api".into(),
            retention_in_days: Some(RetentionDays(days)),
            kms_key_id: key.map(str::to_string),
            ..LogGroup::default()
        }
    }

    fn changed(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn retention_and_key_changes_make_the_calls_and_nothing_else() {
        let all = changed(&["retention-in-days", "kms-key-id"]);
        let key = "arn:aws:kms:us-east-1:123456789012:key/k";
        assert_eq!(
            update_calls(&group(0, None), &group(14, Some(key)), &all),
            vec![
                Call::PutRetentionPolicy(14),
                Call::AssociateKmsKey(key.into())
            ]
        );
        assert_eq!(
            update_calls(&group(14, Some(key)), &group(0, None), &all),
            vec![Call::DeleteRetentionPolicy, Call::DisassociateKmsKey]
        );
        // Removed from the configuration reads as "forever"; equal values call nothing.
        let mut unset = group(0, None);
        unset.retention_in_days = None;
        assert_eq!(
            update_calls(&group(30, None), &unset, &all),
            vec![Call::DeleteRetentionPolicy]
        );
        assert!(update_calls(&group(30, Some(key)), &group(30, Some(key)), &all).is_empty());
        assert!(update_calls(&group(1, None), &group(30, None), &[]).is_empty());
    }

    #[test]
    fn associate_kms_key_names_the_group_and_the_key() {
        // moto has no AssociateKmsKey (docs/testing.md): the request is checked here.
        let key = "arn:aws:kms:us-east-1:123456789012:key/k";
        let req = associate_request(
            crate::aws::offline().logs().associate_kms_key(),
            "/aws/lambda/api",
            key,
        );
        assert_eq!(req.get_log_group_name().as_deref(), Some("/aws/lambda/api"));
        assert_eq!(req.get_kms_key_id().as_deref(), Some(key));
    }

    #[test]
    fn only_the_periods_cloudwatch_logs_offers_are_taken() {
        assert_eq!(
            RetentionDays::from_value(&Value::Int(14), "r").unwrap(),
            RetentionDays(14)
        );
        assert_eq!(RetentionDays(0).days(), None);
        let e = RetentionDays::from_value(&Value::Int(15), "retention-in-days").unwrap_err();
        assert!(e.to_string().contains("must be one of 0, 1, 3"), "{e}");
        assert!(LogGroup::schema()
            .attribute("retention-in-days")
            .unwrap()
            .allowed
            .contains(&"3653"));
    }

    #[test]
    fn a_group_without_retention_reads_as_kept_forever() {
        let sdk = SdkLogGroup::builder()
            .log_group_name("/a")
            .arn("arn:aws:logs:us-east-1:123456789012:log-group:/a:*")
            .build();
        let read = from_sdk(&sdk, BTreeMap::new());
        assert_eq!(read.retention_in_days, Some(RetentionDays(0)));
        assert_eq!(
            read.arn.as_deref(),
            Some("arn:aws:logs:us-east-1:123456789012:log-group:/a")
        );
    }
}
