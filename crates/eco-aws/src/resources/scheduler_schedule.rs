//! `scheduler-schedule`: an EventBridge Scheduler schedule (cron, rate or one-time `at`, in a
//! time zone) that invokes one target (a Lambda function, a queue, ...) with an input, a retry
//! policy and a dead-letter queue.
//!
//! Schedules carry no tags: a schedule is found by its name in its group, and the schedule of
//! that name is this address's. Its id is `GROUP/NAME`.
//!
//! AWS calls:
//! - read: GetSchedule
//! - create: CreateSchedule (ClientToken: the create's token); a schedule of the name already
//!   in the group (a re-run after a crash) is adopted and brought to the configuration
//! - update: UpdateSchedule with the whole schedule (Scheduler resets what it is not sent)
//! - delete: DeleteSchedule
//! - find: GetSchedule by group and name
//! - import: by `GROUP/NAME` (or `NAME` in the default group); list: ListSchedules (every page)

use async_trait::async_trait;
use aws_sdk_scheduler::types::{
    DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, ScheduleState,
    Target,
};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use eco_provider::{Attrs, Live, OpContext, OpError, ResourceProvider, Value};
use eco_schema::spec::overlay;
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::{spec_invalid, spec_of};
use crate::aws::{has_code, is_not_found, op_error, read_each, Aws};
use crate::calls::{delete_if_present, every_page, get_optional, to_update};
use crate::ids::split_pair;

/// Whether the schedule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Enabled,
    Disabled,
}

/// Whether Scheduler may run the target later than the scheduled time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WindowMode {
    /// at the scheduled time
    Off,
    /// within `maximum-window-minutes` after it
    Flexible,
}

/// `target arn="..." role-arn="..." { ... }`: what the schedule invokes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct ScheduleTarget {
    /// ARN of the target, e.g. `${lambda-function.import.arn}` or `${sqs-queue.jobs.arn}`
    pub arn: String,
    /// role Scheduler assumes to invoke the target (trusting scheduler.amazonaws.com)
    pub role_arn: String,
    /// the text the target receives, e.g. a JSON event
    pub input: Option<String>,
    /// retries of a failed invocation, 0 to 185; Scheduler's default is 185
    #[eco(min = 0, max = 185)]
    pub maximum_retry_attempts: Option<i64>,
    /// seconds an event is retried for, 60 to 86400; Scheduler's default is 86400
    #[eco(min = 60, max = 86400)]
    pub maximum_event_age: Option<i64>,
    /// ARN of the SQS queue that receives the events that failed every retry
    pub dead_letter_arn: Option<String>,
}

/// A schedule's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "scheduler-schedule",
    doc = "An EventBridge Scheduler schedule invoking one target, in a time zone",
    import_id = "`GROUP/NAME` (or `NAME` in the default group)"
)]
pub struct SchedulerSchedule {
    /// schedule name, unique in its group
    #[eco(replace, name_rule = Eventbridge)]
    pub name: String,
    /// schedule group (default `default`)
    #[eco(replace, name_rule = Eventbridge)]
    pub group: Option<String>,
    /// `cron(0 3 * * ? *)`, `rate(5 minutes)` or `at(2026-01-01T00:00:00)` (UpdateSchedule)
    #[eco(required)]
    pub schedule_expression: String,
    /// IANA time zone the expression is read in, e.g. Europe/Paris; Scheduler's default is UTC
    /// (UpdateSchedule)
    pub schedule_expression_timezone: Option<String>,
    /// OFF (default) or FLEXIBLE (UpdateSchedule)
    pub flexible_time_window: Option<WindowMode>,
    /// with FLEXIBLE: minutes after the scheduled time the target may run, 1 to 1440
    /// (UpdateSchedule)
    #[eco(min = 1, max = 1440)]
    pub maximum_window_minutes: Option<i64>,
    /// first time a recurring schedule may run, RFC 3339 in UTC, e.g. 2026-01-01T00:00:00Z
    /// (UpdateSchedule); compared in whole seconds, as Scheduler keeps it
    pub start_date: Option<String>,
    /// last time it may run, RFC 3339 in UTC (UpdateSchedule); compared in whole seconds
    pub end_date: Option<String>,
    /// description (UpdateSchedule)
    pub description: Option<String>,
    /// ENABLED (default) or DISABLED (UpdateSchedule)
    pub state: Option<State>,
    /// what the schedule invokes (UpdateSchedule)
    #[eco(required)]
    pub target: ScheduleTarget,
    /// schedule ARN
    #[eco(computed, derived_from = "name, group")]
    pub arn: Option<String>,
}

pub const TYPE_NAME: &str = SchedulerSchedule::TYPE_NAME;
const TY: &str = TYPE_NAME;
const DEFAULT_GROUP: &str = "default";

pub fn schema() -> Schema {
    SchedulerSchedule::schema()
}

/// A date as the read reports it (RFC 3339 in UTC, whole seconds); `None` when it is not one.
fn rfc3339(text: &str) -> Option<String> {
    DateTime::from_str(text, Format::DateTime)
        .ok()
        .and_then(|d| DateTime::from_secs(d.secs()).fmt(Format::DateTime).ok())
}

/// Brings desired dates to the form the read reports (whole seconds:
/// `2026-01-01T00:00:00.000Z` is `2026-01-01T00:00:00Z`).
pub fn normalize_dates(desired: &mut Attrs) {
    for key in ["start-date", "end-date"] {
        if let Some(Value::String(text)) = desired.get_mut(key) {
            if let Some(normal) = rfc3339(text) {
                *text = normal;
            }
        }
    }
}

impl SchedulerSchedule {
    fn group(&self) -> &str {
        self.group.as_deref().unwrap_or(DEFAULT_GROUP)
    }

    fn id(&self) -> String {
        format!("{}/{}", self.group(), self.name)
    }

    /// What Scheduler refuses, said before any call: a flexible window needs its minutes (and
    /// only it takes them), and dates must be RFC 3339.
    fn check(&self, op: &str) -> Result<(), OpError> {
        let refuse = |what: String| Err(OpError::invalid(op, format!("{TY}: {what}")));
        match (self.flexible_time_window, self.maximum_window_minutes) {
            (Some(WindowMode::Flexible), None) => {
                return refuse(
                    "flexible-time-window FLEXIBLE needs maximum-window-minutes (1 to 1440)".into(),
                )
            }
            (None | Some(WindowMode::Off), Some(_)) => {
                return refuse(
                    "maximum-window-minutes needs flexible-time-window \"FLEXIBLE\"".into(),
                )
            }
            _ => {}
        }
        for (key, value) in [
            ("start-date", &self.start_date),
            ("end-date", &self.end_date),
        ] {
            if let Some(text) = value.as_deref().filter(|t| rfc3339(t).is_none()) {
                return refuse(format!(
                    "{key} `{text}` is not an RFC 3339 date in UTC, e.g. 2026-01-01T00:00:00Z"
                ));
            }
        }
        Ok(())
    }

    fn window(&self) -> Result<FlexibleTimeWindow, OpError> {
        let mode = self.flexible_time_window.unwrap_or(WindowMode::Off);
        FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::from(mode.as_str()))
            .set_maximum_window_in_minutes(self.maximum_window_minutes.map(|m| m as i32))
            .build()
            .map_err(|e| OpError::invalid("FlexibleTimeWindow", format!("{TY}: {e}")))
    }

    fn sdk_target(&self) -> Result<Target, OpError> {
        let t = &self.target;
        let retry =
            (t.maximum_retry_attempts.is_some() || t.maximum_event_age.is_some()).then(|| {
                RetryPolicy::builder()
                    .set_maximum_retry_attempts(t.maximum_retry_attempts.map(|n| n as i32))
                    .set_maximum_event_age_in_seconds(t.maximum_event_age.map(|n| n as i32))
                    .build()
            });
        Target::builder()
            .arn(&t.arn)
            .role_arn(&t.role_arn)
            .set_input(t.input.clone())
            .set_retry_policy(retry)
            .set_dead_letter_config(
                t.dead_letter_arn
                    .as_ref()
                    .map(|arn| DeadLetterConfig::builder().arn(arn).build()),
            )
            .build()
            .map_err(|e| OpError::invalid("Target", format!("{TY}: {e}")))
    }

    fn date(text: &Option<String>) -> Option<DateTime> {
        text.as_deref()
            .and_then(|t| DateTime::from_str(t, Format::DateTime).ok())
    }
}

/// What GetSchedule answers, read into the configuration's shape.
fn from_live(
    out: &aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput,
) -> SchedulerSchedule {
    let target = out.target();
    let retry = target.and_then(|t| t.retry_policy());
    let window = out.flexible_time_window();
    let date = |d: Option<&DateTime>| d.and_then(|d| d.fmt(Format::DateTime).ok());
    SchedulerSchedule {
        name: out.name().unwrap_or_default().to_string(),
        group: Some(out.group_name().unwrap_or(DEFAULT_GROUP).to_string()),
        schedule_expression: out.schedule_expression().unwrap_or_default().to_string(),
        schedule_expression_timezone: out.schedule_expression_timezone().map(str::to_string),
        flexible_time_window: window.and_then(|w| WindowMode::parse(w.mode().as_str())),
        maximum_window_minutes: window
            .and_then(|w| w.maximum_window_in_minutes())
            .map(i64::from),
        start_date: date(out.start_date()),
        end_date: date(out.end_date()),
        description: out
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        state: out.state().and_then(|s| State::parse(s.as_str())),
        target: ScheduleTarget {
            arn: target.map(|t| t.arn().to_string()).unwrap_or_default(),
            role_arn: target.map(|t| t.role_arn().to_string()).unwrap_or_default(),
            input: target.and_then(|t| t.input()).map(str::to_string),
            maximum_retry_attempts: retry
                .and_then(|r| r.maximum_retry_attempts())
                .map(i64::from),
            maximum_event_age: retry
                .and_then(|r| r.maximum_event_age_in_seconds())
                .map(i64::from),
            dead_letter_arn: target
                .and_then(|t| t.dead_letter_config())
                .and_then(|d| d.arn())
                .map(str::to_string),
        },
        arn: out.arn().map(str::to_string),
    }
}

/// The settings UpdateSchedule changes (what an adoption brings to the configuration).
const SETTINGS: &[&str] = &[
    "schedule-expression",
    "schedule-expression-timezone",
    "flexible-time-window",
    "maximum-window-minutes",
    "start-date",
    "end-date",
    "description",
    "state",
    "target",
];

/// The `scheduler-schedule` operations, on one account's Scheduler client.
pub struct Provider {
    client: aws_sdk_scheduler::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.scheduler(),
            schema: schema(),
        }
    }

    /// GetSchedule; `None` when the schedule (or its group) is gone.
    async fn get(&self, group: &str, name: &str) -> Result<Option<SchedulerSchedule>, OpError> {
        let call = self
            .client
            .get_schedule()
            .group_name(group)
            .name(name)
            .send();
        let out = get_optional("GetSchedule", is_not_found, call).await?;
        Ok(out.map(|o| from_live(&o)))
    }

    fn live(schedule: SchedulerSchedule) -> Live {
        Live {
            id: schedule.id(),
            attrs: schedule.to_attrs(),
        }
    }

    /// UpdateSchedule with the whole of `want`; the schedule read back.
    async fn put(&self, want: &SchedulerSchedule, op: &str) -> Result<Live, OpError> {
        want.check(op)?;
        self.client
            .update_schedule()
            .group_name(want.group())
            .name(&want.name)
            .schedule_expression(&want.schedule_expression)
            .set_schedule_expression_timezone(want.schedule_expression_timezone.clone())
            .flexible_time_window(want.window()?)
            .set_start_date(SchedulerSchedule::date(&want.start_date))
            .set_end_date(SchedulerSchedule::date(&want.end_date))
            .set_description(want.description.clone())
            .state(ScheduleState::from(
                want.state.unwrap_or(State::Enabled).as_str(),
            ))
            .target(want.sdk_target()?)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let what = format!("{TY}: schedule `{}`", want.id());
        let now = to_update(self.get(want.group(), &want.name).await?, op, &what)?;
        Ok(Self::live(now))
    }
}

/// `GROUP/NAME`, or `NAME` in the default group.
fn split_id(id: &str, op: &str) -> Result<(String, String), OpError> {
    if id.contains('/') {
        split_pair(id, TY, op, "GROUP/NAME")
    } else {
        Ok((DEFAULT_GROUP.to_string(), id.to_string()))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn normalize(&self, desired: &mut Attrs) {
        normalize_dates(desired);
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        let (group, name) = split_id(id, "GetSchedule")?;
        Ok(self.get(&group, &name).await?.map(Self::live))
    }

    /// The schedule of the name in the group (schedules carry no tags: the name is the
    /// identity), unless it is the one a replacement replaces.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let want: SchedulerSchedule = spec_of(desired, TY, "GetSchedule")?;
        let found = self.get(want.group(), &want.name).await?.map(Self::live);
        Ok(ctx.unless_replaced(found))
    }

    /// CreateSchedule; a schedule of the name already in the group is adopted and brought to
    /// the configuration (UpdateSchedule when it differs).
    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateSchedule";
        let want: SchedulerSchedule = spec_of(desired, TY, op)?;
        want.check(op)?;
        if let Some(found) = self.get(want.group(), &want.name).await? {
            if !ctx.is_replaced(&found.id()) {
                let changed: Vec<String> = SETTINGS
                    .iter()
                    .filter(|s| desired.contains_key(**s))
                    .map(|s| s.to_string())
                    .collect();
                let mut merged: SchedulerSchedule =
                    overlay(&found, desired, &changed).map_err(spec_invalid(TY, op))?;
                merged.arn = found.arn.clone();
                if merged == found {
                    return Ok(Self::live(found));
                }
                return self.put(&merged, op).await;
            }
        }
        let made = self
            .client
            .create_schedule()
            .group_name(want.group())
            .name(&want.name)
            .schedule_expression(&want.schedule_expression)
            .set_schedule_expression_timezone(want.schedule_expression_timezone.clone())
            .flexible_time_window(want.window()?)
            .set_start_date(SchedulerSchedule::date(&want.start_date))
            .set_end_date(SchedulerSchedule::date(&want.end_date))
            .set_description(want.description.clone())
            .set_state(want.state.map(|s| ScheduleState::from(s.as_str())))
            .target(want.sdk_target()?)
            .client_token(token)
            .send()
            .await;
        match made {
            Ok(_) => {}
            // Made meanwhile (another run): take it as a create re-run would.
            Err(e) if has_code(&e, &["ConflictException"]) => {}
            Err(e) => return Err(op_error(op, e)),
        }
        let what = format!("{TY}: schedule `{}`", want.id());
        let now = to_update(self.get(want.group(), &want.name).await?, op, &what)?;
        Ok(Self::live(now))
    }

    /// UpdateSchedule with the schedule as it is, the changed attributes taken from the
    /// configuration (Scheduler resets what it is not sent).
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateSchedule";
        let (group, name) = split_id(id, op)?;
        let fixed = ["name", "group"];
        if let Some(f) = changed.iter().find(|c| fixed.contains(&c.as_str())) {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{f}` cannot change in place (it forces a replacement)"),
            ));
        }
        let what = format!("{TY}: schedule `{id}`");
        let found = to_update(self.get(&group, &name).await?, op, &what)?;
        let merged: SchedulerSchedule =
            overlay(&found, desired, changed).map_err(spec_invalid(TY, op))?;
        self.put(&merged, op).await
    }

    /// DeleteSchedule; a schedule already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (group, name) = split_id(id, "DeleteSchedule")?;
        let call = self
            .client
            .delete_schedule()
            .group_name(group)
            .name(name)
            .send();
        delete_if_present("DeleteSchedule", is_not_found, call).await
    }

    /// ListSchedules (every page), each schedule read.
    async fn list(&self, ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let ids = every_page(|token| {
            let call = self.client.list_schedules().set_next_token(token).send();
            async move {
                let out = call.await.map_err(|e| op_error("ListSchedules", e))?;
                let ids = out
                    .schedules()
                    .iter()
                    .filter_map(|s| {
                        Some(format!(
                            "{}/{}",
                            s.group_name().unwrap_or(DEFAULT_GROUP),
                            s.name()?
                        ))
                    })
                    .collect::<Vec<_>>();
                Ok((ids, out.next_token))
            }
        })
        .await;
        Some(match ids {
            Ok(ids) => read_each(ids, |id| async move { self.read(ctx, &id).await }).await,
            Err(e) => Err(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::ErrorKind;

    fn schedule() -> SchedulerSchedule {
        SchedulerSchedule {
            name: "nightly".into(),
            schedule_expression: "cron(0 3 * * ? *)".into(),
            target: ScheduleTarget {
                arn: "arn:aws:lambda:us-east-1:123456789012:function:import".into(),
                role_arn: "arn:aws:iam::123456789012:role/scheduler".into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn a_flexible_window_needs_its_minutes_and_dates_are_rfc3339() {
        let mut s = schedule();
        s.check("op").unwrap();
        s.flexible_time_window = Some(WindowMode::Flexible);
        let e = s.check("op").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert!(e.message.contains("maximum-window-minutes"), "{e}");
        s.maximum_window_minutes = Some(15);
        s.check("op").unwrap();
        assert_eq!(
            s.window().unwrap(),
            FlexibleTimeWindow::builder()
                .mode(FlexibleTimeWindowMode::Flexible)
                .maximum_window_in_minutes(15)
                .build()
                .unwrap()
        );
        s.flexible_time_window = None;
        assert!(s.check("op").is_err());
        let mut s = schedule();
        s.start_date = Some("tomorrow".into());
        assert!(s.check("op").unwrap_err().message.contains("RFC 3339"));
    }

    #[test]
    fn dates_normalize_to_utc_seconds_and_ids_default_the_group() {
        let mut desired = Attrs::new();
        desired.insert(
            "start-date".into(),
            Value::String("2026-01-01T00:00:00.250Z".into()),
        );
        normalize_dates(&mut desired);
        assert_eq!(
            desired["start-date"],
            Value::String("2026-01-01T00:00:00Z".into())
        );
        assert_eq!(
            split_id("jobs/nightly", "op").unwrap(),
            ("jobs".to_string(), "nightly".to_string())
        );
        assert_eq!(
            split_id("nightly", "op").unwrap(),
            ("default".to_string(), "nightly".to_string())
        );
        assert_eq!(schedule().id(), "default/nightly");
    }

    #[test]
    fn the_target_carries_retry_and_dead_letter_only_when_set() {
        let mut s = schedule();
        let t = s.sdk_target().unwrap();
        assert!(t.retry_policy().is_none() && t.dead_letter_config().is_none());
        s.target.maximum_retry_attempts = Some(3);
        s.target.dead_letter_arn = Some("arn:aws:sqs:us-east-1:123456789012:failed".into());
        let t = s.sdk_target().unwrap();
        assert_eq!(t.retry_policy().unwrap().maximum_retry_attempts(), Some(3));
        assert_eq!(
            t.dead_letter_config().unwrap().arn(),
            Some("arn:aws:sqs:us-east-1:123456789012:failed")
        );
        assert_eq!(
            schema().attribute("group").unwrap().update,
            eco_schema::Update::Replace
        );
    }
}
