//! `s3-bucket` lifecycle transitions and event notifications against moto: created with the
//! bucket, changed and removed in place, read back as configured; a refresh that declares
//! neither asks S3 for neither.

use std::collections::BTreeSet;
use std::sync::Arc;

use eco_aws::resources::s3_bucket::Provider;
use eco_aws::Aws;
use eco_provider::values::{map, s, tags};
use eco_provider::{Attrs, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn strings(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn queue_notification(id: &str, arn: &str) -> Value {
    map(&[
        ("id", s(id)),
        ("queue-arn", s(arn)),
        ("events", strings(&["s3:ObjectCreated:*"])),
        ("filter-prefix", s("incoming/")),
        ("filter-suffix", s(".csv")),
    ])
}

#[tokio::test]
async fn transitions_and_notifications_are_set_changed_and_removed() {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let provider = Provider::new(&aws);
    let ctx = OpContext::new("s3-bucket.imports", "ecogy", "dev");
    let queue = aws
        .sqs()
        .create_queue()
        .queue_name("ecogy-dev-imports")
        .send()
        .await
        .unwrap();
    assert!(queue.queue_url().is_some());
    let queue_arn = "arn:aws:sqs:us-east-1:123456789012:ecogy-dev-imports";
    let topic = aws
        .sns()
        .create_topic()
        .name("ecogy-dev-alerts")
        .send()
        .await;
    let topic_arn = topic.unwrap().topic_arn().unwrap().to_string();

    let archive = map(&[
        ("id", s("archive")),
        ("prefix", s("readings/")),
        ("enabled", Value::Bool(true)),
        (
            "transition",
            Value::List(vec![
                map(&[
                    ("storage-class", s("STANDARD_IA")),
                    ("days", Value::Int(30)),
                ]),
                map(&[("storage-class", s("GLACIER")), ("days", Value::Int(90))]),
            ]),
        ),
        ("expiration-days", Value::Int(365)),
    ]);
    let name = "ecogy-dev-imports";
    let desired = Attrs::from([
        ("name".to_string(), s(name)),
        ("tags".to_string(), tags(&ctx, &[])),
        ("lifecycle-rule".to_string(), Value::List(vec![archive])),
        (
            "notification".to_string(),
            Value::List(vec![queue_notification("csv", queue_arn)]),
        ),
    ]);
    let created = provider.create(&ctx, &desired, "t").await.unwrap();
    for attr in ["lifecycle-rule", "notification"] {
        assert_eq!(created.attrs[attr], desired[attr], "{attr}");
    }
    let read = provider.read(&ctx, name).await.unwrap().unwrap();
    assert_eq!(read.attrs["notification"], desired["notification"]);
    assert_eq!(read.attrs["lifecycle-rule"], desired["lifecycle-rule"]);

    // A topic joins: PutBucketNotificationConfiguration with both.
    let alerts = map(&[
        ("id", s("alerts")),
        ("topic-arn", s(&topic_arn)),
        ("events", strings(&["s3:ObjectRemoved:*"])),
    ]);
    let mut both = desired.clone();
    both.insert(
        "notification".into(),
        Value::List(vec![alerts.clone(), queue_notification("csv", queue_arn)]),
    );
    let changed = ["notification".to_string()];
    let updated = provider
        .update(&ctx, name, &read.attrs, &both, &changed)
        .await
        .unwrap();
    assert_eq!(updated.attrs["notification"], both["notification"]);
    let got = aws
        .s3()
        .get_bucket_notification_configuration()
        .bucket(name)
        .send()
        .await
        .unwrap();
    assert_eq!(got.topic_configurations()[0].topic_arn(), topic_arn);
    assert_eq!(got.queue_configurations()[0].queue_arn(), queue_arn);

    // A refresh that declares neither asks for neither.
    let declared: BTreeSet<String> = ["name", "tags"].map(String::from).into();
    let refresh = ctx.clone().with_declared(Arc::new(declared));
    moto.start_recording();
    let live = provider.read(&refresh, name).await.unwrap().unwrap();
    let ops: Vec<String> = moto.recorded_calls().iter().map(|c| c.group()).collect();
    assert!(!live.attrs.contains_key("notification"), "{:?}", live.attrs);
    assert!(
        !ops.iter()
            .any(|o| o.contains("notification") || o.contains("lifecycle")),
        "{ops:?}"
    );

    // Removed from the configuration: none left (S3 has no Delete call for notifications).
    let mut none = both.clone();
    none.remove("notification");
    none.remove("lifecycle-rule");
    let changed = ["notification".to_string(), "lifecycle-rule".to_string()];
    let updated = provider
        .update(&ctx, name, &live.attrs, &none, &changed)
        .await
        .unwrap();
    assert!(
        !updated.attrs.contains_key("notification"),
        "{:?}",
        updated.attrs
    );
    let full = provider.import(&ctx, name).await.unwrap().unwrap();
    assert!(!full.attrs.contains_key("notification"), "{:?}", full.attrs);
    assert!(
        !full.attrs.contains_key("lifecycle-rule"),
        "{:?}",
        full.attrs
    );
}
