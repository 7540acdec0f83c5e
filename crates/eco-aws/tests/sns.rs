//! `sns-topic` and `sns-subscription` against moto: the standard tests (a topic's display name,
//! policy and tags changed in place; a subscription's filter policy, raw delivery and
//! dead-letter queue), replacement, a topic made by hand is not taken, import and listing.

use std::collections::BTreeMap;

use eco_aws::resources::sns_subscription::{self, FilterPolicyScope, Protocol, SnsSubscription};
use eco_aws::resources::sns_topic::{self, SnsTopic, TopicConfig};
use eco_aws::Aws;
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::{ErrorKind, OpContext, ResourceProvider};
use eco_schema::Spec;
use eco_test_support::Moto;

fn owned(ctx: &OpContext, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut tags = ctx.ownership_tags();
    tags.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    tags
}

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish", "Resource": "*"}]}"#;

#[tokio::test]
async fn topic_standard_ownership_import_and_list() {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = sns_topic::Provider::new(&aws);
    let ctx = OpContext::new("sns-topic.alerts", "ecogy", "dev");
    let desired = SnsTopic {
        name: "alerts".into(),
        config: TopicConfig {
            display_name: Some("Alerts".into()),
            ..Default::default()
        },
        tags: owned(&ctx, &[("team", "data")]),
        ..Default::default()
    };
    let mut updated = desired.clone();
    updated.config.display_name = Some("Platform alerts".into());
    updated.config.policy = Some(
        serde_json::from_str::<serde_json::Value>(POLICY)
            .unwrap()
            .to_string(),
    );
    updated.tags = owned(&ctx, &[("team", "platform")]);
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.to_attrs(),
        updated: updated.to_attrs(),
        changed: vec!["display-name".into(), "policy".into(), "tags".into()],
        token: "t".into(),
    })
    .await;

    let mut fifo = desired.clone();
    fifo.name = "alerts.fifo".into();
    fifo.fifo = Some(true);
    fifo.config.content_based_deduplication = Some(true);
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.to_attrs(),
        replaced: fifo.to_attrs(),
        beside: true,
    })
    .await;

    let made = aws
        .sns()
        .create_topic()
        .name("legacy")
        .send()
        .await
        .unwrap();
    let arn = made.topic_arn.unwrap();
    let legacy = SnsTopic {
        name: "legacy".into(),
        tags: owned(&ctx, &[]),
        ..Default::default()
    };
    let e = p.create(&ctx, &legacy.to_attrs(), "t").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict, "{e}");
    assert!(
        e.message
            .contains(&format!("eco import sns-topic.alerts {arn}")),
        "{e}"
    );
    let imported = p.import(&ctx, &arn).await.unwrap().unwrap();
    assert_eq!(imported.id, arn);
    let listed = p.list(&ctx).await.unwrap().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    // A bad name is refused before any call.
    let mut bad = legacy.clone();
    bad.name = "no spaces".into();
    let e = p.create(&ctx, &bad.to_attrs(), "t").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
}

#[tokio::test]
async fn subscription_standard_replace_and_import() {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = sns_subscription::Provider::new(&aws);
    let topic = aws
        .sns()
        .create_topic()
        .name("alerts")
        .send()
        .await
        .unwrap();
    let topic_arn = topic.topic_arn.unwrap();
    let mut queues = Vec::new();
    for name in ["alerts-a", "alerts-b", "alerts-failed"] {
        aws.sqs()
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .unwrap();
        queues.push(format!("arn:aws:sqs:us-east-1:123456789012:{name}"));
    }
    let ctx = OpContext::new("sns-subscription.queue", "ecogy", "dev");
    let desired = SnsSubscription {
        topic_arn: topic_arn.clone(),
        protocol: Protocol::Sqs,
        endpoint: queues[0].clone(),
        filter_policy: Some(r#"{"kind": ["alarm"]}"#.into()),
        filter_policy_scope: None,
        raw_message_delivery: Some(true),
        dead_letter_arn: None,
        subscription_role_arn: None,
        arn: None,
    };
    let mut updated = desired.clone();
    updated.filter_policy = Some(r#"{"kind": ["alarm", "warning"]}"#.into());
    updated.filter_policy_scope = Some(FilterPolicyScope::MessageBody);
    updated.raw_message_delivery = Some(false);
    updated.dead_letter_arn = Some(queues[2].clone());
    // JSON compared as JSON: the read reports it compact.
    let compact = |s: &mut SnsSubscription| {
        let v: serde_json::Value = serde_json::from_str(s.filter_policy.as_ref().unwrap()).unwrap();
        s.filter_policy = Some(v.to_string());
    };
    let (mut desired, mut updated) = (desired, updated);
    compact(&mut desired);
    compact(&mut updated);
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.to_attrs(),
        updated: updated.to_attrs(),
        changed: [
            "filter-policy",
            "filter-policy-scope",
            "raw-message-delivery",
            "dead-letter-arn",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect(),
        token: "t".into(),
    })
    .await;

    // Another endpoint replaces the subscription, before or beside the old one.
    let mut other = desired.clone();
    other.endpoint = queues[1].clone();
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.to_attrs(),
        replaced: other.to_attrs(),
        beside: true,
    })
    .await;

    let made = aws
        .sns()
        .subscribe()
        .topic_arn(&topic_arn)
        .protocol("sqs")
        .endpoint(&queues[1])
        .return_subscription_arn(true)
        .send()
        .await
        .unwrap();
    let arn = made.subscription_arn.unwrap();
    let imported = p.import(&ctx, &arn).await.unwrap().unwrap();
    let live = SnsSubscription::from_attrs(&imported.attrs).unwrap();
    assert_eq!(live.protocol, Protocol::Sqs);
    assert_eq!(live.endpoint, queues[1]);
    assert_eq!(live.topic_arn, topic_arn);
    let listed = p.list(&ctx).await.unwrap().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
}
