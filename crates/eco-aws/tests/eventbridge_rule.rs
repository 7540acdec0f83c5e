//! `eventbridge-rule` against moto: the standard tests (a schedule rule whose settings, targets
//! and tags change in place), a pattern rule on a custom bus with every kind of target input,
//! replacement, a rule made by hand is not taken, import, and discover's listing.

use std::collections::BTreeMap;

use eco_aws::resources::eventbridge_rule::{
    EventbridgeRule, InputTransformer, Provider, RetryPolicy, State, Target,
};
use eco_aws::Aws;
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_schema::Spec;
use eco_test_support::Moto;

const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:jobs";
const DLQ: &str = "arn:aws:sqs:us-east-1:123456789012:jobs-failed";
const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:alerts";

fn owned(ctx: &OpContext, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut tags = ctx.ownership_tags();
    tags.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    tags
}

fn target(id: &str, arn: &str) -> Target {
    Target {
        id: id.into(),
        arn: arn.into(),
        ..Default::default()
    }
}

fn nightly(ctx: &OpContext) -> EventbridgeRule {
    EventbridgeRule {
        name: "nightly".into(),
        description: Some("the nightly import".into()),
        schedule_expression: Some("cron(0 3 * * ? *)".into()),
        state: Some(State::Enabled),
        target: vec![Target {
            input: Some(r#"{"job": "import"}"#.into()),
            dead_letter_arn: Some(DLQ.into()),
            retry_policy: Some(RetryPolicy {
                maximum_retry_attempts: Some(3),
                maximum_event_age_seconds: Some(3600),
            }),
            ..target("queue", QUEUE)
        }],
        tags: owned(ctx, &[("team", "data")]),
        ..Default::default()
    }
}

#[tokio::test]
async fn rule_standard_tests_with_targets_changed_in_place() {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = Provider::new(&aws);
    let ctx = OpContext::new("eventbridge-rule.nightly", "ecogy", "dev");
    let desired = nightly(&ctx);
    let mut updated = desired.clone();
    updated.schedule_expression = Some("rate(2 hours)".into());
    updated.state = Some(State::Disabled);
    updated.description = Some("every two hours".into());
    updated.target = vec![
        // In id order, as a read reports them (plans compare targets by id).
        Target {
            input_transformer: Some(InputTransformer {
                input_paths: BTreeMap::from([("time".into(), "$.time".into())]),
                input_template: r#""ran at <time>""#.into(),
            }),
            ..target("alerts", TOPIC)
        },
        Target {
            input_path: Some("$.detail".into()),
            ..target("queue", QUEUE)
        },
    ];
    updated.tags = owned(&ctx, &[("team", "platform")]);
    let changed = [
        "description",
        "schedule-expression",
        "state",
        "target",
        "tags",
    ];
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.to_attrs(),
        updated: updated.to_attrs(),
        changed: changed.iter().map(|c| c.to_string()).collect(),
        token: "t".into(),
    })
    .await;
}

#[tokio::test]
async fn pattern_rules_on_a_custom_bus_replace_import_and_list() {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = Provider::new(&aws);
    let events = aws.eventbridge();
    events.create_event_bus().name("jobs").send().await.unwrap();
    let ctx = OpContext::new("eventbridge-rule.uploads", "ecogy", "dev");
    let pattern = r#"{"source": ["ecogy.uploads"], "detail-type": ["Uploaded"]}"#;
    let uploads = EventbridgeRule {
        name: "uploads".into(),
        bus: Some("jobs".into()),
        event_pattern: Some(pattern.into()),
        target: vec![target("queue", QUEUE)],
        tags: owned(&ctx, &[]),
        ..Default::default()
    };
    let made = p.create(&ctx, &uploads.to_attrs(), "t").await.unwrap();
    assert_eq!(made.id, "jobs/uploads");
    let read = p.read(&ctx, "jobs/uploads").await.unwrap().unwrap();
    let live = EventbridgeRule::from_attrs(&read.attrs).unwrap();
    assert_eq!(live.bus.as_deref(), Some("jobs"));
    assert_eq!(live.target, uploads.target);
    let pattern_read = live.event_pattern.unwrap();
    let as_json = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
    assert_eq!(as_json(&pattern_read), as_json(pattern));
    assert_eq!(
        live.arn.as_deref(),
        Some("arn:aws:events:us-east-1:123456789012:rule/jobs/uploads")
    );
    p.delete(&ctx, &made.id, &read.attrs).await.unwrap();

    // Another name replaces the rule, before or beside the old one.
    let mut renamed = uploads.clone();
    renamed.name = "uploads-v2".into();
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: uploads.to_attrs(),
        replaced: renamed.to_attrs(),
        beside: true,
    })
    .await;

    // A rule made by hand is not taken by a create; it imports by BUS/NAME or, on the default
    // bus, by its name.
    events
        .put_rule()
        .name("legacy")
        .schedule_expression("rate(1 day)")
        .send()
        .await
        .unwrap();
    let put = events.put_targets().rule("legacy").targets(
        aws_sdk_eventbridge::types::Target::builder()
            .id("q")
            .arn(QUEUE)
            .build()
            .unwrap(),
    );
    put.send().await.unwrap();
    let legacy = EventbridgeRule {
        name: "legacy".into(),
        schedule_expression: Some("rate(1 day)".into()),
        tags: owned(&ctx, &[]),
        ..Default::default()
    };
    let e = p.create(&ctx, &legacy.to_attrs(), "t").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict, "{e}");
    assert!(
        e.message
            .contains("eco import eventbridge-rule.uploads legacy"),
        "{e}"
    );
    let found = p.find(&ctx, &legacy.to_attrs(), "t").await.unwrap_err();
    assert_eq!(found.kind, ErrorKind::Conflict);
    let imported = p.import(&ctx, "legacy").await.unwrap().unwrap();
    assert_eq!(imported.id, "legacy");
    assert_eq!(imported.attrs.get("bus"), None);
    assert_eq!(
        imported.attrs["schedule-expression"],
        Value::String("rate(1 day)".into())
    );
    let listed = p.list(&ctx).await.unwrap().unwrap();
    let ids: Vec<&str> = listed.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["legacy"], "{listed:?}");

    // A delete takes the targets off first (EventBridge refuses a rule with targets), and a
    // rule already gone is success.
    p.delete(&ctx, "legacy", &Attrs::new()).await.unwrap();
    p.delete(&ctx, "legacy", &Attrs::new()).await.unwrap();
    assert!(p.read(&ctx, "legacy").await.unwrap().is_none());
}
