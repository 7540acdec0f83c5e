//! `ses-email-identity` against moto: the standard tests, what CreateEmailIdentity sets read
//! back, tags reaching the identity's ARN, import and listing, and someone else's identity.
//!
//! moto (5.2.5) has none of the Put*Attributes calls, issues no DKIM tokens, and its
//! GetEmailIdentity reports the tags given at creation, not later TagResource changes
//! (docs/testing.md): the standard tests' in-place update therefore changes nothing, the
//! update calls are unit-tested (`ses_email_identity::tests`), and tag changes are checked
//! through ListTagsForResource on the ARN eco tags.

use std::collections::BTreeMap;

use eco_aws::resources::ses_email_identity;
use eco_provider::standard::{self, Case};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::{AwsProxy, Moto};
use serde_json::json;

fn ctx() -> OpContext {
    OpContext::new("ses-email-identity.mail", "ecogy", "dev")
}

fn identity(ctx: &OpContext, name: &str) -> Attrs {
    Attrs::from([
        ("identity".to_string(), s(name)),
        ("tags".to_string(), tags(ctx, &[("team", "platform")])),
    ])
}

/// moto answers Easy DKIM's `LastKeyGenerationTimestamp` as ISO text where SES's REST-JSON
/// protocol (and so the SDK) takes epoch seconds: the AWS-behaviour proxy rewrites it to the
/// form AWS sends (docs/testing.md).
fn setup() -> (Moto, AwsProxy, eco_aws::Aws, ses_email_identity::Provider) {
    let moto = Moto::start();
    let proxy = AwsProxy::start(
        &moto,
        &json!([{
            "name": "dkim-timestamp-as-epoch-seconds", "service": "ses",
            "path": "^/v2/email/identities",
            "rewrite": {
                "pattern": "\"LastKeyGenerationTimestamp\": \"[^\"]*\"",
                "replacement": "\"LastKeyGenerationTimestamp\": 1795000000"
            }
        }]),
    );
    let aws = eco_aws::Aws::for_endpoint(&proxy.endpoint(), "us-east-1");
    let provider = ses_email_identity::Provider::new(&aws);
    (moto, proxy, aws, provider)
}

#[tokio::test]
async fn standard() {
    let (_moto, _proxy, _aws, provider) = setup();
    let ctx = ctx();
    let mut desired = identity(&ctx, "ecogy-dev.example");
    desired.insert("dkim-key-length".into(), s("RSA_2048_BIT"));
    desired.insert("configuration-set-name".into(), s("transactional"));
    standard::run(Case {
        provider: &provider,
        ctx,
        updated: desired.clone(),
        desired,
        changed: Vec::new(),
        token: "t".into(),
    })
    .await;
}

/// What CreateEmailIdentity sets reads back; a tag change reaches the identity's ARN; import
/// gives what read gives; list finds it; an address identity refuses Easy DKIM settings before
/// any call; someone else's identity of the name is a Conflict naming the import.
#[tokio::test]
async fn create_tags_import_list_and_someone_elses_identity() {
    let (_moto, _proxy, aws, provider) = setup();
    let ctx = ctx();
    let name = "ecogy-prod.example";
    let mut desired = identity(&ctx, name);
    desired.insert("dkim-key-length".into(), s("RSA_1024_BIT"));
    let created = provider.create(&ctx, &desired, "t").await.expect("create");
    assert_eq!(created.id, name);
    standard::assert_attrs_match("after create", &desired, &created.attrs);
    assert_eq!(created.attrs["identity-type"], s("DOMAIN"));
    assert_eq!(
        created.attrs["arn"],
        s("arn:aws:ses:us-east-1:123456789012:identity/ecogy-prod.example")
    );
    assert_eq!(created.attrs["dkim-signing-enabled"], Value::Bool(true));

    let mut retagged = desired.clone();
    retagged.insert("tags".into(), tags(&ctx, &[("team", "mail")]));
    provider
        .update(&ctx, name, &created.attrs, &retagged, &["tags".into()])
        .await
        .expect("TagResource");
    let listed_tags = aws
        .sesv2()
        .list_tags_for_resource()
        .resource_arn("arn:aws:ses:us-east-1:123456789012:identity/ecogy-prod.example")
        .send()
        .await
        .unwrap();
    let on_arn: BTreeMap<&str, &str> = listed_tags
        .tags()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    assert_eq!(on_arn.get("team"), Some(&"mail"), "{on_arn:?}");

    let read = provider.read(&ctx, name).await.unwrap().unwrap();
    assert_eq!(
        provider.import(&ctx, name).await.unwrap(),
        Some(read.clone())
    );
    let listed = provider.list(&ctx).await.unwrap().unwrap();
    assert!(listed.iter().any(|l| l.id == name), "{listed:?}");

    let mut address = identity(&ctx, "noreply@ecogy-prod.example");
    address.insert("dkim-key-length".into(), s("RSA_2048_BIT"));
    let err = provider.create(&ctx, &address, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    assert!(err.message.contains("dkim-key-length"), "{err}");
    assert_eq!(
        provider
            .read(&ctx, "noreply@ecogy-prod.example")
            .await
            .unwrap(),
        None
    );
    let address = identity(&ctx, "noreply@ecogy-prod.example");
    let made = provider.create(&ctx, &address, "t").await.expect("address");
    assert_eq!(made.attrs["identity-type"], s("EMAIL_ADDRESS"));

    // An identity made by hand (no tags) is not ours: find says so, naming the import. (moto's
    // CreateEmailIdentity overwrites an existing identity where AWS answers
    // AlreadyExistsException, so create's own refusal cannot be seen here.)
    aws.sesv2()
        .create_email_identity()
        .email_identity("by-hand.example")
        .send()
        .await
        .unwrap();
    let theirs = identity(&ctx, "by-hand.example");
    let err = provider.find(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    assert!(
        err.message
            .contains("eco import ses-email-identity.mail by-hand.example"),
        "{err}"
    );
    provider.delete(&ctx, name, &read.attrs).await.unwrap();
    assert_eq!(provider.read(&ctx, name).await.unwrap(), None);
}
