//! `eventbridge-bus` against moto: the standard tests (tags changed in place), a bus made by
//! hand is not taken, import by name.

use eco_aws::resources::eventbridge_bus::Provider;
use eco_aws::Aws;
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

#[tokio::test]
async fn bus_standard_ownership_and_import() {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = Provider::new(&aws);
    let ctx = OpContext::new("eventbridge-bus.jobs", "ecogy", "dev");
    let desired = Attrs::from([
        ("name".to_string(), s("jobs")),
        ("tags".to_string(), tags(&ctx, &[("team", "data")])),
    ]);
    let mut updated = desired.clone();
    updated.insert("tags".into(), tags(&ctx, &[("team", "platform")]));
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        updated,
        changed: vec!["tags".into()],
        token: "t".into(),
    })
    .await;

    aws.eventbridge()
        .create_event_bus()
        .name("legacy")
        .send()
        .await
        .unwrap();
    let legacy = Attrs::from([
        ("name".to_string(), s("legacy")),
        ("tags".to_string(), tags(&ctx, &[])),
    ]);
    let e = p.create(&ctx, &legacy, "t").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Conflict, "{e}");
    assert!(
        e.message.contains("eco import eventbridge-bus.jobs legacy"),
        "{e}"
    );
    let imported = p.import(&ctx, "legacy").await.unwrap().unwrap();
    assert_eq!(imported.id, "legacy");
    assert_eq!(
        imported.attrs["arn"],
        Value::String("arn:aws:events:us-east-1:123456789012:event-bus/legacy".into())
    );
    let listed = p.list(&ctx).await.unwrap().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let default = Attrs::from([("name".to_string(), s("default"))]);
    assert_eq!(
        p.create(&ctx, &default, "t").await.unwrap_err().kind,
        ErrorKind::Invalid
    );
}

/// Another name forces a new bus: beside the old one.
#[tokio::test]
async fn bus_standard_replacement() {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = Provider::new(&aws);
    let ctx = OpContext::new("eventbridge-bus.jobs", "ecogy", "dev");
    let bus = |name: &str| {
        Attrs::from([
            ("name".to_string(), s(name)),
            ("tags".to_string(), tags(&ctx, &[])),
        ])
    };
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: bus("jobs-old"),
        replaced: bus("jobs-new"),
        beside: true,
    })
    .await;
}
