//! `log-group` against moto: the standard tests, retention kept forever and back, stored bytes
//! reported, import, and someone else's group of the same name.

use std::collections::BTreeMap;

use eco_aws::resources::log_group;
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

mod common;

fn ctx() -> OpContext {
    OpContext::new("log-group.api", "ecogy", "dev")
}

fn group(ctx: &OpContext, name: &str) -> Attrs {
    Attrs::from([
        ("name".to_string(), s(name)),
        ("tags".to_string(), tags(ctx, &[])),
    ])
}

fn setup() -> (Moto, eco_aws::Aws, log_group::Provider) {
    common::setup(log_group::Provider::new)
}

#[tokio::test]
async fn standard() {
    let (_moto, _aws, provider) = setup();
    let ctx = ctx();
    let mut desired = group(&ctx, "/aws/lambda/ecogy-dev-api");
    desired.insert("retention-in-days".into(), Value::Int(14));
    desired.insert("tags".into(), tags(&ctx, &[("team", "platform")]));
    let mut updated = desired.clone();
    updated.insert("retention-in-days".into(), Value::Int(90));
    updated.insert("tags".into(), tags(&ctx, &[("team", "api")]));
    standard::run(Case {
        provider: &provider,
        ctx,
        desired,
        updated,
        changed: ["retention-in-days", "tags"].map(String::from).to_vec(),
        token: "t".into(),
    })
    .await;
}

/// Retention 0 (Terraform's "never expire") removes the policy and reads back as 0; events put
/// into the group show in `stored-bytes`; import gives what read gives.
#[tokio::test]
async fn retention_forever_stored_bytes_and_import() {
    let (_moto, aws, provider) = setup();
    let ctx = ctx();
    let name = "/ecogy/dev/jobs";
    let mut desired = group(&ctx, name);
    desired.insert("retention-in-days".into(), Value::Int(7));
    desired.insert(
        "kms-key-id".into(),
        s("arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e"),
    );
    let created = provider.create(&ctx, &desired, "t").await.expect("create");
    standard::assert_attrs_match("after create", &desired, &created.attrs);
    assert_eq!(
        created.attrs["arn"],
        s("arn:aws:logs:us-east-1:123456789012:log-group:/ecogy/dev/jobs")
    );
    assert_eq!(created.attrs["stored-bytes"], Value::Int(0));

    let mut forever = desired.clone();
    forever.insert("retention-in-days".into(), Value::Int(0));
    let live = provider
        .update(
            &ctx,
            name,
            &created.attrs,
            &forever,
            &["retention-in-days".into()],
        )
        .await
        .expect("DeleteRetentionPolicy");
    assert_eq!(live.attrs["retention-in-days"], Value::Int(0));
    let described = aws
        .logs()
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .unwrap();
    assert_eq!(described.log_groups()[0].retention_in_days(), None);

    let logs = aws.logs();
    logs.create_log_stream()
        .log_group_name(name)
        .log_stream_name("run-1")
        .send()
        .await
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    logs.put_log_events()
        .log_group_name(name)
        .log_stream_name("run-1")
        .log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(now)
                .message("imported 1200 readings")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let read = provider.read(&ctx, name).await.unwrap().unwrap();
    let Value::Int(bytes) = read.attrs["stored-bytes"] else {
        panic!("stored-bytes is an integer: {:?}", read.attrs);
    };
    assert!(bytes > 0, "{bytes}");
    assert_eq!(provider.import(&ctx, name).await.unwrap(), Some(read));

    // A group of the name made by hand (no tags) is not ours.
    logs.create_log_group()
        .log_group_name("/by/hand")
        .send()
        .await
        .unwrap();
    let theirs = group(&ctx, "/by/hand");
    let err = provider.create(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    assert!(
        err.message.contains("eco import log-group.api /by/hand"),
        "{err}"
    );
    let err = provider.find(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    // A prefix of another group's name is not that group.
    assert_eq!(provider.read(&ctx, "/by").await.unwrap(), None);
    let listed = provider.list(&ctx).await.unwrap().unwrap();
    let names: BTreeMap<String, ()> = listed.into_iter().map(|l| (l.id, ())).collect();
    assert!(
        names.contains_key("/by/hand") && names.contains_key(name),
        "{names:?}"
    );
}

/// Another name forces a new group: beside the old one.
#[tokio::test]
async fn standard_replacement() {
    let (_moto, _aws, provider) = setup();
    let ctx = ctx();
    standard::replace(Replacement {
        provider: &provider,
        ctx: ctx.clone(),
        desired: group(&ctx, "/ecogy/dev/old"),
        replaced: group(&ctx, "/ecogy/dev/new"),
        beside: true,
    })
    .await;
}
