//! `scheduler-schedule` against moto: the standard tests (expression, time zone, flexible
//! window, state, description and the target's input, retries and dead-letter queue changed in
//! place), replacement by another name, a schedule in its own group, a schedule made by hand
//! adopted by a create, import by `GROUP/NAME` and by `NAME`, and listing.

use eco_aws::resources::scheduler_schedule::{
    self, ScheduleTarget, SchedulerSchedule, State, WindowMode,
};
use eco_aws::Aws;
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::{ErrorKind, OpContext, ResourceProvider};
use eco_schema::Spec;
use eco_test_support::Moto;

const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:import";
const ROLE: &str = "arn:aws:iam::123456789012:role/scheduler";
const FAILED: &str = "arn:aws:sqs:us-east-1:123456789012:failed";

fn nightly() -> SchedulerSchedule {
    SchedulerSchedule {
        name: "nightly".into(),
        schedule_expression: "cron(0 3 * * ? *)".into(),
        schedule_expression_timezone: Some("Europe/Paris".into()),
        state: Some(State::Enabled),
        target: ScheduleTarget {
            arn: FUNCTION.into(),
            role_arn: ROLE.into(),
            input: Some(r#"{"job":"import"}"#.into()),
            // Scheduler reports its defaults (185, 86400) when none is sent, so the whole
            // block is compared with both set.
            maximum_retry_attempts: Some(10),
            maximum_event_age: Some(7200),
            dead_letter_arn: None,
        },
        ..Default::default()
    }
}

#[tokio::test]
async fn schedule_standard_replace_adopt_import_and_list() {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = scheduler_schedule::Provider::new(&aws);
    let ctx = OpContext::new("scheduler-schedule.nightly", "ecogy", "dev");
    let desired = nightly();
    let mut updated = desired.clone();
    updated.schedule_expression = "cron(30 4 * * ? *)".into();
    updated.schedule_expression_timezone = Some("America/New_York".into());
    updated.flexible_time_window = Some(WindowMode::Flexible);
    updated.maximum_window_minutes = Some(15);
    updated.description = Some("nightly import".into());
    updated.state = Some(State::Disabled);
    updated.end_date = Some("2030-01-01T00:00:00Z".into());
    updated.target.input = Some(r#"{"job":"import","full":true}"#.into());
    updated.target.maximum_retry_attempts = Some(4);
    updated.target.maximum_event_age = Some(3600);
    updated.target.dead_letter_arn = Some(FAILED.into());
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.to_attrs(),
        updated: updated.to_attrs(),
        changed: [
            "schedule-expression",
            "schedule-expression-timezone",
            "flexible-time-window",
            "maximum-window-minutes",
            "description",
            "state",
            "end-date",
            "target",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect(),
        token: "t".into(),
    })
    .await;

    // Another name replaces the schedule, beside the old one.
    let mut other = desired.clone();
    other.name = "nightly-b".into();
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.to_attrs(),
        replaced: other.to_attrs(),
        beside: true,
    })
    .await;

    // A schedule in its own group: its id names the group.
    aws.scheduler()
        .create_schedule_group()
        .name("jobs")
        .send()
        .await
        .unwrap();
    let mut grouped = desired.clone();
    grouped.group = Some("jobs".into());
    let made = p.create(&ctx, &grouped.to_attrs(), "t").await.unwrap();
    assert_eq!(made.id, "jobs/nightly");
    let imported = p.import(&ctx, "jobs/nightly").await.unwrap().unwrap();
    assert_eq!(
        SchedulerSchedule::from_attrs(&imported.attrs)
            .unwrap()
            .group
            .as_deref(),
        Some("jobs")
    );

    // A schedule made by hand in the default group is adopted by a create and brought to the
    // configuration; imported by its bare name.
    aws.scheduler()
        .create_schedule()
        .name("nightly")
        .schedule_expression("rate(1 day)")
        .flexible_time_window(
            aws_sdk_scheduler::types::FlexibleTimeWindow::builder()
                .mode(aws_sdk_scheduler::types::FlexibleTimeWindowMode::Off)
                .build()
                .unwrap(),
        )
        .target(
            aws_sdk_scheduler::types::Target::builder()
                .arn(FUNCTION)
                .role_arn(ROLE)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let adopted = p.create(&ctx, &desired.to_attrs(), "t").await.unwrap();
    assert_eq!(adopted.id, "default/nightly");
    let live = SchedulerSchedule::from_attrs(&adopted.attrs).unwrap();
    assert_eq!(live.schedule_expression, "cron(0 3 * * ? *)");
    let imported = p.import(&ctx, "nightly").await.unwrap().unwrap();
    assert_eq!(imported.id, "default/nightly");
    let listed = p.list(&ctx).await.unwrap().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");

    // A flexible window without its minutes is refused before any call.
    let mut bad = desired.clone();
    bad.name = "flexible".into();
    bad.flexible_time_window = Some(WindowMode::Flexible);
    let e = p.create(&ctx, &bad.to_attrs(), "t").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid, "{e}");
}
