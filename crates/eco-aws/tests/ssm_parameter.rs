//! `ssm-parameter` against moto: the standard tests, a SecureString decrypted on read, an
//! update that changes nothing publishing no version, import, and someone else's parameter.

use eco_aws::resources::ssm_parameter;
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

mod common;

fn ctx() -> OpContext {
    OpContext::new("ssm-parameter.config", "ecogy", "dev")
}

fn parameter(ctx: &OpContext, name: &str, kind: &str, value: &str) -> Attrs {
    Attrs::from([
        ("name".to_string(), s(name)),
        ("type".to_string(), s(kind)),
        ("value".to_string(), s(value)),
        ("tags".to_string(), tags(ctx, &[])),
    ])
}

fn setup() -> (Moto, eco_aws::Aws, ssm_parameter::Provider) {
    common::setup(ssm_parameter::Provider::new)
}

#[tokio::test]
async fn standard() {
    let (_moto, _aws, provider) = setup();
    let ctx = ctx();
    let mut desired = parameter(
        &ctx,
        "/ecogy/dev/api-url",
        "String",
        "https://api.dev.ecogy.io",
    );
    desired.insert("description".into(), s("the API's URL"));
    desired.insert("tier".into(), s("Standard"));
    desired.insert("tags".into(), tags(&ctx, &[("team", "platform")]));
    let mut updated = desired.clone();
    updated.insert("value".into(), s("https://api2.dev.ecogy.io"));
    updated.insert("description".into(), s("the API's URL (v2)"));
    updated.insert("tags".into(), tags(&ctx, &[("team", "api")]));
    standard::run(Case {
        provider: &provider,
        ctx,
        desired,
        updated,
        changed: ["value", "description", "tags"].map(String::from).to_vec(),
        token: "t".into(),
    })
    .await;
}

/// A SecureString reads back decrypted (so a change outside eco shows); an update to the same
/// value publishes no new version; a StringList keeps its commas; import gives what read gives.
#[tokio::test]
async fn secure_strings_lists_versions_and_import() {
    let (_moto, aws, provider) = setup();
    let ctx = ctx();
    let name = "/ecogy/dev/db-password";
    let desired = parameter(&ctx, name, "SecureString", "s3cr3t");
    let created = provider.create(&ctx, &desired, "t").await.expect("create");
    standard::assert_attrs_match("after create", &desired, &created.attrs);
    assert_eq!(created.attrs["version"], Value::Int(1));
    assert_eq!(created.attrs["key-id"], s("alias/aws/ssm"));
    let same = provider
        .update(&ctx, name, &created.attrs, &desired, &["value".into()])
        .await
        .expect("an update to the same value");
    assert_eq!(same.attrs["version"], Value::Int(1), "no new version");
    let mut rotated = desired.clone();
    rotated.insert("value".into(), s("n3w-s3cr3t"));
    let live = provider
        .update(&ctx, name, &same.attrs, &rotated, &["value".into()])
        .await
        .expect("PutParameter Overwrite");
    assert_eq!(live.attrs["version"], Value::Int(2));
    let got = aws
        .ssm()
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(got.parameter().unwrap().value(), Some("n3w-s3cr3t"));
    let read = provider.read(&ctx, name).await.unwrap().unwrap();
    assert_eq!(read.attrs["value"], s("n3w-s3cr3t"));
    assert_eq!(provider.import(&ctx, name).await.unwrap(), Some(read));

    let list = parameter(
        &ctx,
        "/ecogy/dev/origins",
        "StringList",
        "a.example.com,b.example.com",
    );
    let made = provider.create(&ctx, &list, "t").await.expect("StringList");
    standard::assert_attrs_match("StringList", &list, &made.attrs);

    // Made by hand, without ownership tags.
    aws.ssm()
        .put_parameter()
        .name("/by/hand")
        .value("x")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();
    let theirs = parameter(&ctx, "/by/hand", "String", "y");
    let err = provider.create(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    assert!(
        err.message
            .contains("eco import ssm-parameter.config /by/hand"),
        "{err}"
    );
    let err = provider.find(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    let listed = provider.list(&ctx).await.unwrap().unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
}

/// Another name, or another type (AWS cannot change a parameter's type in place), forces a
/// new parameter: another name beside the old one; another type under the same name, destroy
/// first.
#[tokio::test]
async fn standard_replacement() {
    let (_moto, _aws, provider) = setup();
    let ctx = ctx();
    standard::replace(Replacement {
        provider: &provider,
        ctx: ctx.clone(),
        desired: parameter(&ctx, "/ecogy/dev/old", "String", "v"),
        replaced: parameter(&ctx, "/ecogy/dev/new", "String", "v"),
        beside: true,
    })
    .await;
    standard::replace(Replacement {
        provider: &provider,
        ctx: ctx.clone(),
        desired: parameter(&ctx, "/ecogy/dev/kind", "String", "a"),
        replaced: parameter(&ctx, "/ecogy/dev/kind", "StringList", "a,b"),
        beside: false,
    })
    .await;
}
