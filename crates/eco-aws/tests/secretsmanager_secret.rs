//! `secretsmanager-secret` against moto: the standard tests (deleted with a recovery window), a
//! deletion with a recovery window that reads as gone and is restored by the next create, a
//! value published only when it differs, import, and someone else's secret.

use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use eco_aws::resources::secretsmanager_secret;
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

mod common;

fn ctx() -> OpContext {
    OpContext::new("secretsmanager-secret.partner", "ecogy", "dev")
}

fn secret(ctx: &OpContext, name: &str, value: &str) -> Attrs {
    Attrs::from([
        ("name".to_string(), s(name)),
        ("secret-string".to_string(), s(value)),
        ("tags".to_string(), tags(ctx, &[])),
    ])
}

fn setup() -> (Moto, eco_aws::Aws, secretsmanager_secret::Provider) {
    common::setup(secretsmanager_secret::Provider::new)
}

#[tokio::test]
async fn standard() {
    let (_moto, _aws, provider) = setup();
    let ctx = ctx();
    let mut desired = secret(&ctx, "ecogy/dev/partner-api", "tok-1");
    desired.insert("description".into(), s("the partner API token"));
    desired.insert("tags".into(), tags(&ctx, &[("team", "platform")]));
    let mut updated = desired.clone();
    updated.insert("secret-string".into(), s("tok-2"));
    updated.insert("description".into(), s("the partner API token (rotated)"));
    updated.insert("tags".into(), tags(&ctx, &[("team", "api")]));
    standard::run(Case {
        provider: &provider,
        ctx,
        desired,
        updated,
        changed: ["secret-string", "description", "tags"]
            .map(String::from)
            .to_vec(),
        token: "t".into(),
    })
    .await;
}

/// Deleted with a recovery window, a secret reads as gone (and deleting it again is success);
/// configured again, the create restores it with the configured value.
#[tokio::test]
async fn recovery_window_restore_versions_import_and_ownership() {
    let (_moto, aws, provider) = setup();
    let ctx = ctx();
    let name = "ecogy/dev/db";
    let mut desired = secret(&ctx, name, "v1");
    desired.insert("recovery-window-in-days".into(), Value::Int(7));
    let created = provider.create(&ctx, &desired, "t").await.expect("create");
    standard::assert_attrs_match("after create", &desired, &created.attrs);
    assert!(created.attrs["arn"]
        .as_str()
        .unwrap()
        .contains(":secret:ecogy/dev/db"));
    let same = provider
        .update(
            &ctx,
            name,
            &created.attrs,
            &desired,
            &["secret-string".into()],
        )
        .await
        .expect("the same value");
    let versions = aws
        .secretsmanager()
        .list_secret_version_ids()
        .secret_id(name)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1, "no new version");
    assert_eq!(
        provider.import(&ctx, name).await.unwrap().unwrap().attrs["secret-string"],
        s("v1")
    );

    provider
        .delete(&ctx, name, &same.attrs)
        .await
        .expect("delete, 7 days to recover");
    provider
        .delete(&ctx, name, &same.attrs)
        .await
        .expect("delete again");
    assert_eq!(provider.read(&ctx, name).await.unwrap(), None);
    let described = aws
        .secretsmanager()
        .describe_secret()
        .secret_id(name)
        .send()
        .await
        .unwrap();
    assert!(described.deleted_date().is_some(), "scheduled, not gone");

    let mut again = desired.clone();
    again.insert("secret-string".into(), s("v2"));
    let restored = provider.create(&ctx, &again, "t").await.expect("restore");
    assert_eq!(
        restored.attrs["arn"], created.attrs["arn"],
        "the same secret"
    );
    assert_eq!(restored.attrs["secret-string"], s("v2"));
    assert_eq!(restored.attrs["recovery-window-in-days"], Value::Int(7));
    // Without recovery: gone at once.
    let mut forced = restored.attrs.clone();
    forced.insert("force-delete-without-recovery".into(), Value::Bool(true));
    provider
        .delete(&ctx, name, &forced)
        .await
        .expect("forced delete");
    provider
        .delete(&ctx, name, &forced)
        .await
        .expect("forced delete again");
    let err = aws
        .secretsmanager()
        .describe_secret()
        .secret_id(name)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));

    // Made by hand, without ownership tags.
    aws.secretsmanager()
        .create_secret()
        .name("by-hand")
        .secret_string("x")
        .send()
        .await
        .unwrap();
    let theirs = secret(&ctx, "by-hand", "y");
    let err = provider.create(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    assert!(
        err.message
            .contains("eco import secretsmanager-secret.partner by-hand"),
        "{err}"
    );
    let err = provider.find(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    let got = aws
        .secretsmanager()
        .get_secret_value()
        .secret_id("by-hand")
        .send()
        .await
        .unwrap();
    assert_eq!(got.secret_string(), Some("x"), "untouched");
}

/// Another name forces a new secret: beside the old one (deleted with its recovery window, the
/// old one reads as gone).
#[tokio::test]
async fn standard_replacement() {
    let (_moto, _aws, provider) = setup();
    let ctx = ctx();
    standard::replace(Replacement {
        provider: &provider,
        ctx: ctx.clone(),
        desired: secret(&ctx, "ecogy/dev/old", "tok"),
        replaced: secret(&ctx, "ecogy/dev/new", "tok"),
        beside: true,
    })
    .await;
}
