//! `eventbridge-rule`: an EventBridge rule on an event bus (the default bus when none is named),
//! run on a schedule or matching an event pattern, with its targets and tags.
//!
//! AWS calls:
//! - read: DescribeRule, ListTargetsByRule (every page) and ListTagsForResource
//! - create: PutRule (with the tags), then PutTargets (10 targets a call); a rule of the name
//!   that is this address's (a re-run after a crash) is adopted and brought to the configuration
//! - update: PutRule with the whole rule (PutRule replaces what it is not given); targets
//!   diffed by id: PutTargets for new and changed ones, RemoveTargets for the others;
//!   TagResource / UntagResource
//! - delete: ListTargetsByRule, RemoveTargets (EventBridge refuses to delete a rule that has
//!   targets), DeleteRule
//! - find / import: DescribeRule by bus and name; the ownership tags decide
//! - list: ListEventBuses, ListRules of each bus (every page), each rule read; rules another
//!   AWS service manages (`ManagedBy`) are left out

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_eventbridge::types::{
    DeadLetterConfig, InputTransformer as SdkInputTransformer, RetryPolicy as SdkRetryPolicy,
    RuleState, Target as SdkTarget,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider};
use eco_schema::spec::overlay;
use eco_schema::{Rule, Schema, Spec, SpecEnum};

use super::eventbridge_bus::sdk_tags;
use crate::attrs::{same_json, spec_invalid, spec_of};
use crate::aws::{is_not_found, op_error, read_each, Aws};
use crate::calls::{delete_if_present, every_page, get_optional, to_update};
use crate::ownership::not_ours;
use crate::tags::retag;

/// The most targets one PutTargets or RemoveTargets call takes.
const TARGETS_PER_CALL: usize = 10;

/// Whether a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum State {
    #[eco(rename = "ENABLED")]
    Enabled,
    #[eco(rename = "DISABLED")]
    Disabled,
    #[eco(rename = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")]
    EnabledWithAllCloudtrailManagementEvents,
}

/// How a target's input is built from the event: `input-transformer { input-paths ...;
/// input-template "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct InputTransformer {
    /// names for JSON paths into the event, e.g. `input-paths name="$.detail.name"` (up to 100)
    pub input_paths: BTreeMap<String, String>,
    /// the input sent to the target, with `<name>` placeholders for the paths above
    pub input_template: String,
}

/// How often, and for how long, EventBridge retries a target it could not reach.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct RetryPolicy {
    /// retries before the event is dropped or sent to the dead-letter queue, 0 to 185
    #[eco(min = 0, max = 185)]
    pub maximum_retry_attempts: Option<i64>,
    /// seconds an event is kept for retries, 60 to 86400
    #[eco(min = 60, max = 86400)]
    pub maximum_event_age_seconds: Option<i64>,
}

/// One target of a rule: `target "ID" arn="..." { ... }` (a Lambda function, an SQS queue, an
/// SNS topic, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(label = "id")]
pub struct Target {
    /// target id, unique in the rule: 1 to 64 letters, digits, `.`, `-` and `_`
    pub id: String,
    /// ARN of what the rule invokes (a Lambda function, an SQS queue, an SNS topic, ...)
    pub arn: String,
    /// role EventBridge assumes to reach the target (needed for some targets, not for Lambda,
    /// SQS or SNS, which take a resource policy)
    pub role_arn: Option<String>,
    /// a constant JSON input sent instead of the event (compared as JSON)
    #[eco(json)]
    pub input: Option<String>,
    /// a JSON path into the event: only that part is sent, e.g. `$.detail`
    pub input_path: Option<String>,
    /// an input built from parts of the event
    pub input_transformer: Option<InputTransformer>,
    /// ARN of an SQS queue that receives the events the target could not take
    pub dead_letter_arn: Option<String>,
    /// retries of a failed delivery
    pub retry_policy: Option<RetryPolicy>,
}

/// A rule's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "eventbridge-rule",
    doc = "An EventBridge rule (a schedule or an event pattern) with its targets",
    import_id = "the rule name (on the default bus), or `BUS/RULE`"
)]
pub struct EventbridgeRule {
    /// rule name; EventBridge cannot rename a rule
    #[eco(replace, name_rule = Eventbridge)]
    pub name: String,
    /// name or ARN of the event bus; the account's default bus when left out. A rule cannot
    /// move to another bus
    #[eco(replace)]
    pub bus: Option<String>,
    /// description (PutRule)
    pub description: Option<String>,
    /// when the rule runs: `rate(5 minutes)` or `cron(0 3 * * ? *)`, in UTC; only on the
    /// default bus (PutRule)
    pub schedule_expression: Option<String>,
    /// the events the rule matches, a JSON event pattern compared as JSON (PutRule)
    #[eco(json)]
    pub event_pattern: Option<String>,
    /// ENABLED (EventBridge's default) or DISABLED (PutRule)
    pub state: Option<State>,
    /// what the rule invokes, by target id (PutTargets / RemoveTargets; up to 5)
    pub target: Vec<Target>,
    /// rule ARN
    #[eco(computed, derived_from = "name, bus")]
    pub arn: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = EventbridgeRule::TYPE_NAME;
const TY: &str = TYPE_NAME;

/// The schema, with EventBridge's rule across attributes: a rule has a schedule or an event
/// pattern (exactly one, for eco: a rule with both fires on both, which is never what is meant).
pub fn schema() -> Schema {
    EventbridgeRule::schema().rule(Rule::ExactlyOne(&["schedule-expression", "event-pattern"]))
}

/// The rule's id: its name on the default bus, `BUS/NAME` on another (BUS as written, a name or
/// an ARN).
pub fn rule_id(bus: Option<&str>, name: &str) -> String {
    match bus {
        Some(bus) => format!("{bus}/{name}"),
        None => name.to_string(),
    }
}

/// (bus, name) of a rule id: split at the last `/` (a rule name has none; a bus ARN has some).
pub fn split_rule_id(id: &str) -> (Option<&str>, &str) {
    match id.rsplit_once('/') {
        Some((bus, name)) if !bus.is_empty() => (Some(bus), name),
        Some((_, name)) => (None, name),
        None => (None, id),
    }
}

/// What EventBridge would refuse of a rule, said before any call: target ids, how many
/// targets, an input given more than one way.
fn check(rule: &EventbridgeRule, op: &str) -> Result<(), OpError> {
    let bad = |why: String| Err(OpError::invalid(op, format!("{TY}: {why}")));
    if rule.target.len() > 5 {
        return bad(format!(
            "rule `{}` has {} targets; EventBridge takes at most 5 per rule",
            rule.name,
            rule.target.len()
        ));
    }
    for t in &rule.target {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        if t.id.is_empty() || t.id.len() > 64 || !t.id.chars().all(ok_char) {
            return bad(format!(
                "target id `{}` must be 1 to 64 letters, digits, `.`, `-` and `_`",
                t.id
            ));
        }
        let inputs = [
            t.input.is_some(),
            t.input_path.is_some(),
            t.input_transformer.is_some(),
        ];
        if inputs.iter().filter(|set| **set).count() > 1 {
            return bad(format!(
                "target `{}` sets more than one of `input`, `input-path` and \
                 `input-transformer`; EventBridge takes one",
                t.id
            ));
        }
    }
    Ok(())
}

impl Target {
    /// The SDK target.
    fn to_sdk(&self, op: &str) -> Result<SdkTarget, OpError> {
        let invalid = |e: aws_smithy_types::error::operation::BuildError| {
            OpError::invalid(op, format!("{TY}: target `{}`: {e}", self.id))
        };
        let transformer = match &self.input_transformer {
            Some(t) => Some(
                SdkInputTransformer::builder()
                    .set_input_paths_map(
                        (!t.input_paths.is_empty())
                            .then(|| t.input_paths.clone().into_iter().collect()),
                    )
                    .input_template(&t.input_template)
                    .build()
                    .map_err(invalid)?,
            ),
            None => None,
        };
        let retry = self.retry_policy.as_ref().map(|r| {
            SdkRetryPolicy::builder()
                .set_maximum_retry_attempts(r.maximum_retry_attempts.map(|n| n as i32))
                .set_maximum_event_age_in_seconds(r.maximum_event_age_seconds.map(|n| n as i32))
                .build()
        });
        SdkTarget::builder()
            .id(&self.id)
            .arn(&self.arn)
            .set_role_arn(self.role_arn.clone())
            .set_input(self.input.clone())
            .set_input_path(self.input_path.clone())
            .set_input_transformer(transformer)
            .set_dead_letter_config(
                self.dead_letter_arn
                    .as_ref()
                    .map(|arn| DeadLetterConfig::builder().arn(arn).build()),
            )
            .set_retry_policy(retry)
            .build()
            .map_err(invalid)
    }

    /// A target as ListTargetsByRule reports it.
    fn from_sdk(t: &SdkTarget) -> Target {
        Target {
            id: t.id().to_string(),
            arn: t.arn().to_string(),
            role_arn: t.role_arn().map(str::to_string),
            input: t.input().map(str::to_string),
            input_path: t.input_path().map(str::to_string),
            input_transformer: t.input_transformer().map(|x| InputTransformer {
                input_paths: x
                    .input_paths_map()
                    .map(|m| m.clone().into_iter().collect())
                    .unwrap_or_default(),
                input_template: x.input_template().to_string(),
            }),
            dead_letter_arn: t
                .dead_letter_config()
                .and_then(|d| d.arn())
                .map(str::to_string),
            retry_policy: t.retry_policy().map(|r| RetryPolicy {
                maximum_retry_attempts: r.maximum_retry_attempts().map(i64::from),
                maximum_event_age_seconds: r.maximum_event_age_in_seconds().map(i64::from),
            }),
        }
    }

    /// Whether `live` is this target (its constant input compared as JSON).
    fn same_as(&self, live: &Target) -> bool {
        let input_same = match (&self.input, &live.input) {
            (Some(a), Some(b)) => same_json(a, b),
            (a, b) => a == b,
        };
        input_same
            && Target {
                input: None,
                ..self.clone()
            } == Target {
                input: None,
                ..live.clone()
            }
    }
}

/// The targets to put (new or changed) and the ids to remove, to take `live` to `want`.
fn target_changes(want: &[Target], live: &[Target]) -> (Vec<Target>, Vec<String>) {
    let live_by_id: HashMap<&str, &Target> = live.iter().map(|t| (t.id.as_str(), t)).collect();
    let put = want
        .iter()
        .filter(|t| !live_by_id.get(t.id.as_str()).is_some_and(|l| t.same_as(l)))
        .cloned()
        .collect();
    let remove = live
        .iter()
        .filter(|l| !want.iter().any(|t| t.id == l.id))
        .map(|l| l.id.clone())
        .collect();
    (put, remove)
}

/// The `eventbridge-rule` operations, on one account's EventBridge client.
pub struct Provider {
    client: aws_sdk_eventbridge::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.eventbridge(),
            schema: schema(),
        }
    }

    /// ListTargetsByRule (every page); `None` when the rule is gone.
    async fn targets(&self, bus: Option<&str>, name: &str) -> Result<Option<Vec<Target>>, OpError> {
        let mut targets = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let call = self
                .client
                .list_targets_by_rule()
                .rule(name)
                .set_event_bus_name(bus.map(str::to_string))
                .set_next_token(token.take())
                .send();
            let Some(page) = get_optional("ListTargetsByRule", is_not_found, call).await? else {
                return Ok(None);
            };
            targets.extend(page.targets().iter().map(Target::from_sdk));
            token = page.next_token.filter(|t| !t.is_empty());
            if token.is_none() {
                targets.sort_by(|a, b| a.id.cmp(&b.id));
                return Ok(Some(targets));
            }
        }
    }

    /// DescribeRule, its targets and its tags; `None` when the rule is gone.
    async fn get(&self, id: &str) -> Result<Option<EventbridgeRule>, OpError> {
        let (bus, name) = split_rule_id(id);
        let call = self
            .client
            .describe_rule()
            .name(name)
            .set_event_bus_name(bus.map(str::to_string))
            .send();
        let Some(rule) = get_optional("DescribeRule", is_not_found, call).await? else {
            return Ok(None);
        };
        let Some(targets) = self.targets(bus, name).await? else {
            return Ok(None);
        };
        let tags = match rule.arn() {
            Some(arn) => {
                let call = self
                    .client
                    .list_tags_for_resource()
                    .resource_arn(arn)
                    .send();
                let Some(out) = get_optional("ListTagsForResource", is_not_found, call).await?
                else {
                    return Ok(None);
                };
                out.tags
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| (t.key, t.value))
                    .collect()
            }
            None => BTreeMap::new(),
        };
        Ok(Some(EventbridgeRule {
            name: rule.name().unwrap_or(name).to_string(),
            bus: bus.map(str::to_string),
            description: rule
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            schedule_expression: rule
                .schedule_expression()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            event_pattern: rule
                .event_pattern()
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            state: rule.state().and_then(|s| State::parse(s.as_str())),
            target: targets,
            arn: rule.arn().map(str::to_string),
            tags,
        }))
    }

    fn live(rule: EventbridgeRule) -> Live {
        Live {
            id: rule_id(rule.bus.as_deref(), &rule.name),
            attrs: rule.to_attrs(),
        }
    }

    /// PutRule with the whole rule (what it is not given, it resets); answers the rule ARN.
    async fn put_rule(
        &self,
        rule: &EventbridgeRule,
        with_tags: bool,
    ) -> Result<Option<String>, OpError> {
        let op = "PutRule";
        let tags = (with_tags && !rule.tags.is_empty())
            .then(|| sdk_tags(&rule.tags, op))
            .transpose()?;
        let out = self
            .client
            .put_rule()
            .name(&rule.name)
            .set_event_bus_name(rule.bus.clone())
            .set_description(rule.description.clone())
            .set_schedule_expression(rule.schedule_expression.clone())
            .set_event_pattern(rule.event_pattern.clone())
            .set_state(rule.state.map(|s| RuleState::from(s.as_str())))
            .set_tags(tags)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        Ok(out.rule_arn)
    }

    /// PutTargets of `targets`, 10 a call; a target EventBridge refused is an error naming it.
    async fn put_targets(&self, rule: &EventbridgeRule, targets: &[Target]) -> Result<(), OpError> {
        let op = "PutTargets";
        for chunk in targets.chunks(TARGETS_PER_CALL) {
            let sdk = chunk
                .iter()
                .map(|t| t.to_sdk(op))
                .collect::<Result<Vec<_>, _>>()?;
            let out = self
                .client
                .put_targets()
                .rule(&rule.name)
                .set_event_bus_name(rule.bus.clone())
                .set_targets(Some(sdk))
                .send()
                .await
                .map_err(|e| op_error(op, e))?;
            if let Some(failed) = out.failed_entries().first() {
                return Err(OpError::new(
                    op,
                    ErrorKind::Other,
                    format!(
                        "{TY}: rule `{}`: target `{}` refused: {} {}",
                        rule.name,
                        failed.target_id().unwrap_or("?"),
                        failed.error_code().unwrap_or(""),
                        failed.error_message().unwrap_or("")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// RemoveTargets of `ids`, 10 a call; a rule already gone is success.
    async fn remove_targets(
        &self,
        bus: Option<&str>,
        name: &str,
        ids: &[String],
    ) -> Result<(), OpError> {
        let op = "RemoveTargets";
        for chunk in ids.chunks(TARGETS_PER_CALL) {
            let call = self
                .client
                .remove_targets()
                .rule(name)
                .set_event_bus_name(bus.map(str::to_string))
                .set_ids(Some(chunk.to_vec()))
                .send();
            let Some(out) = get_optional(op, is_not_found, call).await? else {
                return Ok(());
            };
            if let Some(failed) = out.failed_entries().first() {
                return Err(OpError::new(
                    op,
                    ErrorKind::Other,
                    format!(
                        "{TY}: rule `{name}`: target `{}` not removed: {} {}",
                        failed.target_id().unwrap_or("?"),
                        failed.error_code().unwrap_or(""),
                        failed.error_message().unwrap_or("")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Takes `found` to `desired` for the attributes in `changed`: PutRule with the whole
    /// merged rule when a rule setting changed, the targets that differ, the tags.
    async fn converge(
        &self,
        found: EventbridgeRule,
        desired: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<Live, OpError> {
        if let Some(fixed) = changed.iter().find(|c| *c == "name" || *c == "bus") {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{fixed}` cannot change in place (it forces a replacement)"),
            ));
        }
        let mut merged: EventbridgeRule =
            overlay(&found, desired, changed).map_err(spec_invalid(TY, op))?;
        merged.name = found.name.clone();
        merged.bus = found.bus.clone();
        check(&merged, op)?;
        let rule_settings = [
            "description",
            "schedule-expression",
            "event-pattern",
            "state",
        ];
        if changed.iter().any(|c| rule_settings.contains(&c.as_str())) {
            // A schedule and a pattern are one or the other: the one the configuration leaves
            // out goes.
            let want: EventbridgeRule = spec_of(desired, TY, op)?;
            if want.schedule_expression.is_some() && want.event_pattern.is_none() {
                merged.event_pattern = None;
            }
            if want.event_pattern.is_some() && want.schedule_expression.is_none() {
                merged.schedule_expression = None;
            }
            self.put_rule(&merged, false).await?;
        }
        if changed.iter().any(|c| c == "target") {
            let (put, remove) = target_changes(&merged.target, &found.target);
            self.remove_targets(merged.bus.as_deref(), &merged.name, &remove)
                .await?;
            self.put_targets(&merged, &put).await?;
        }
        if changed.iter().any(|c| c == "tags") {
            let arn = found.arn.clone().unwrap_or_default();
            retag(&self.client, &arn, &found.tags, &merged.tags, &[]).await?;
        }
        merged.target.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Self::live(merged))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.get(id).await?.map(Self::live))
    }

    /// The rule of this name on its bus, when it carries this address's ownership tags.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let want: EventbridgeRule = spec_of(desired, TY, "DescribeRule")?;
        let id = rule_id(want.bus.as_deref(), &want.name);
        let Some(found) = self.get(&id).await? else {
            return Ok(None);
        };
        if !ctx.owns(&found.tags) {
            let what = format!("EventBridge rule `{id}`");
            return Err(not_ours(ctx, "DescribeRule", &what, &id, &found.tags));
        }
        Ok(Some(Self::live(found)))
    }

    /// PutRule with the tags, then PutTargets. PutRule also updates a rule of the name, so a
    /// rule already there is read first: adopted when it is this address's, else a Conflict.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "PutRule";
        let want: EventbridgeRule = spec_of(desired, TY, op)?;
        check(&want, op)?;
        let id = rule_id(want.bus.as_deref(), &want.name);
        if let Some(found) = self.get(&id).await? {
            if !ctx.owns(&found.tags) {
                let what = format!("EventBridge rule `{id}`");
                return Err(not_ours(ctx, op, &what, &id, &found.tags));
            }
            let changed: Vec<String> = ["description", "schedule-expression", "event-pattern"]
                .into_iter()
                .chain(["state", "target", "tags"])
                .map(str::to_string)
                .collect();
            return self.converge(found, desired, &changed, op).await;
        }
        let arn = self.put_rule(&want, true).await?;
        self.put_targets(&want, &want.target).await?;
        let mut made = want;
        made.arn = arn;
        made.target.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Self::live(made))
    }

    /// PutRule with the whole rule, PutTargets / RemoveTargets, TagResource / UntagResource.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "PutRule";
        let found = to_update(self.get(id).await?, op, &format!("{TY}: rule `{id}`"))?;
        self.converge(found, desired, changed, op).await
    }

    /// RemoveTargets (every target), then DeleteRule; a rule already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (bus, name) = split_rule_id(id);
        let Some(targets) = self.targets(bus, name).await? else {
            return Ok(());
        };
        let ids: Vec<String> = targets.into_iter().map(|t| t.id).collect();
        self.remove_targets(bus, name, &ids).await?;
        let call = self
            .client
            .delete_rule()
            .name(name)
            .set_event_bus_name(bus.map(str::to_string))
            .send();
        delete_if_present("DeleteRule", is_not_found, call).await
    }

    /// ListEventBuses, then ListRules of each bus (every page), each rule read; rules another
    /// service manages are left out.
    async fn list(&self, ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        Some(self.list_rules(ctx).await)
    }
}

impl Provider {
    async fn list_rules(&self, ctx: &OpContext) -> Result<Vec<Live>, OpError> {
        let buses = every_page(|token| {
            let call = self.client.list_event_buses().set_next_token(token).send();
            async move {
                let out = call.await.map_err(|e| op_error("ListEventBuses", e))?;
                let names = out
                    .event_buses
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|b| b.name)
                    .collect::<Vec<_>>();
                Ok((names, out.next_token))
            }
        })
        .await?;
        let mut ids = Vec::new();
        for bus in buses {
            let on_bus = (bus != "default").then_some(bus);
            let rules = every_page(|token| {
                let call = self
                    .client
                    .list_rules()
                    .set_event_bus_name(on_bus.clone())
                    .set_next_token(token)
                    .send();
                let on_bus = on_bus.clone();
                async move {
                    let out = call.await.map_err(|e| op_error("ListRules", e))?;
                    let ids = out
                        .rules
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|r| r.managed_by.as_deref().unwrap_or("").is_empty())
                        .filter_map(|r| r.name)
                        .map(|n| rule_id(on_bus.as_deref(), &n))
                        .collect::<Vec<_>>();
                    Ok((ids, out.next_token))
                }
            })
            .await?;
            ids.extend(rules);
        }
        read_each(ids, |id| async move { self.read(ctx, &id).await }).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(id: &str) -> Target {
        Target {
            id: id.into(),
            arn: format!("arn:aws:sqs:us-east-1:123456789012:{id}"),
            ..Default::default()
        }
    }

    #[test]
    fn ids_name_the_bus_unless_it_is_the_default() {
        assert_eq!(rule_id(None, "nightly"), "nightly");
        assert_eq!(rule_id(Some("jobs"), "nightly"), "jobs/nightly");
        assert_eq!(split_rule_id("nightly"), (None, "nightly"));
        assert_eq!(split_rule_id("jobs/nightly"), (Some("jobs"), "nightly"));
        let arn = "arn:aws:events:us-east-1:123456789012:event-bus/jobs";
        assert_eq!(
            split_rule_id(&format!("{arn}/nightly")),
            (Some(arn), "nightly")
        );
    }

    #[test]
    fn targets_diff_by_id_and_compare_input_as_json() {
        let mut a = target("a");
        a.input = Some(r#"{"x": 1, "y": 2}"#.into());
        let mut live_a = a.clone();
        live_a.input = Some(r#"{"y":2,"x":1}"#.into());
        let b = target("b");
        let mut c = target("c");
        let live = vec![live_a, b.clone(), c.clone()];
        c.input_path = Some("$.detail".into());
        let (put, remove) = target_changes(&[a, c.clone()], &live);
        assert_eq!(put, vec![c]);
        assert_eq!(remove, vec!["b".to_string()]);
    }

    #[test]
    fn a_target_goes_to_the_sdk_whole() {
        let t = Target {
            input_transformer: Some(InputTransformer {
                input_paths: BTreeMap::from([("name".into(), "$.detail.name".into())]),
                input_template: r#"{"who": <name>}"#.into(),
            }),
            dead_letter_arn: Some("arn:aws:sqs:us-east-1:123456789012:dlq".into()),
            retry_policy: Some(RetryPolicy {
                maximum_retry_attempts: Some(3),
                maximum_event_age_seconds: Some(3600),
            }),
            ..target("job")
        };
        let sdk = t.to_sdk("PutTargets").unwrap();
        assert_eq!(
            sdk.retry_policy().unwrap().maximum_retry_attempts(),
            Some(3)
        );
        assert_eq!(
            sdk.dead_letter_config().unwrap().arn(),
            Some("arn:aws:sqs:us-east-1:123456789012:dlq")
        );
        assert_eq!(Target::from_sdk(&sdk), t);
    }

    #[test]
    fn what_eventbridge_refuses_is_said_before_any_call() {
        let mut rule = EventbridgeRule {
            name: "nightly".into(),
            schedule_expression: Some("rate(1 day)".into()),
            target: vec![target("ok")],
            ..Default::default()
        };
        assert!(check(&rule, "PutRule").is_ok());
        rule.target[0].id = "no spaces".into();
        let e = check(&rule, "PutRule").unwrap_err();
        assert!(e.message.contains("target id `no spaces`"), "{e}");
        rule.target = (0..6).map(|i| target(&format!("t{i}"))).collect();
        assert!(check(&rule, "PutRule")
            .unwrap_err()
            .message
            .contains("at most 5"));
        let mut t = target("t");
        t.input = Some("{}".into());
        t.input_path = Some("$.detail".into());
        rule.target = vec![t];
        assert!(check(&rule, "PutRule")
            .unwrap_err()
            .message
            .contains("more than one"));
        assert_eq!(schema().rules.len(), 1);
    }
}
