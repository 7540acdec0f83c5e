//! `iam-role` operations against moto: the standard tests, then trust policies, managed and
//! inline policies, descriptions, session length, tags, deletes that must clean up first,
//! ownership conflicts, out-of-band deletes and import.

mod common;

use std::collections::BTreeMap;

use eco_aws::resources::iam_role;
use eco_provider::standard::{self, Case};
use eco_provider::values::{list, s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

const LAMBDA_BASIC: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const READ_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#;
const WRITE_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:UpdateItem"],"Resource":"*"}]}"#;

fn inline(name: &str, doc: &str) -> Value {
    Value::Map(BTreeMap::from([
        ("name".to_string(), s(name)),
        ("document".to_string(), s(doc)),
    ]))
}

fn ctx() -> OpContext {
    OpContext::new("iam-role.api", "ecogy", "dev")
}

/// The tags the engine passes: the ownership tags merged with the user's.
fn base(ctx: &OpContext, name: &str) -> Attrs {
    Attrs::from([
        ("name".to_string(), s(name)),
        (
            "assume-service".to_string(),
            list(&["lambda.amazonaws.com"]),
        ),
        ("tags".to_string(), tags(ctx, &[])),
    ])
}

fn setup() -> (Moto, eco_aws::Aws, iam_role::Provider) {
    common::setup(iam_role::Provider::new)
}

fn json(text: &Value) -> serde_json::Value {
    serde_json::from_str(text.as_str().expect("a JSON string")).expect("valid JSON")
}

#[tokio::test]
async fn standard() {
    let (_moto, _aws, provider) = setup();
    let ctx = ctx();
    let mut desired = base(&ctx, "ecogy-dev-api");
    desired.insert("description".into(), s("the API's Lambda role"));
    desired.insert("managed-policy".into(), list(&[LAMBDA_BASIC]));
    desired.insert(
        "inline-policy".into(),
        Value::List(vec![inline("read", READ_DOC)]),
    );
    desired.insert("tags".into(), tags(&ctx, &[("team", "platform")]));
    let mut updated = desired.clone();
    updated.insert("description".into(), s("the API's Lambda role (v2)"));
    updated.insert("max-session-duration".into(), Value::Int(7200));
    // Sorted: IAM keeps no order of attached policies, so read reports them sorted.
    updated.insert("managed-policy".into(), list(&[READ_ONLY, LAMBDA_BASIC]));
    updated.insert(
        "inline-policy".into(),
        Value::List(vec![inline("write", WRITE_DOC)]),
    );
    updated.insert("tags".into(), tags(&ctx, &[("team", "api")]));
    standard::run(Case {
        provider: &provider,
        ctx,
        desired,
        updated,
        changed: [
            "description",
            "max-session-duration",
            "managed-policy",
            "inline-policy",
            "tags",
        ]
        .map(String::from)
        .to_vec(),
        token: "ecogy-dev-api".into(),
    })
    .await;
}

async fn trust_from_services_and_from_a_policy_document(
    aws: &eco_aws::Aws,
    provider: &iam_role::Provider,
) {
    let ctx = ctx();
    let mut desired = base(&ctx, "trust");
    desired.insert(
        "assume-service".into(),
        list(&["states.amazonaws.com", "lambda.amazonaws.com"]),
    );
    let live = provider.create(&ctx, &desired, "t").await.expect("create");
    // Services read back in the order given: no diff after create.
    assert_eq!(
        live.attrs["assume-service"],
        list(&["states.amazonaws.com", "lambda.amazonaws.com"])
    );
    assert!(live.attrs["arn"].as_str().unwrap().ends_with(":role/trust"));
    assert!(live.attrs["unique-id"]
        .as_str()
        .unwrap()
        .starts_with("AROA"));
    let read = provider.read(&ctx, "trust").await.unwrap().unwrap();
    standard::assert_attrs_match("read", &desired, &read.attrs);
    assert_eq!(read.attrs["arn"], live.attrs["arn"]);
    assert_eq!(read.attrs["unique-id"], live.attrs["unique-id"]);

    // A custom trust policy (an account principal with a condition), in place.
    let custom = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"a b+c"}}}]}"#;
    let mut custom_desired = desired.clone();
    custom_desired.remove("assume-service");
    custom_desired.insert("assume-policy".into(), s(custom));
    let after = provider
        .update(
            &ctx,
            "trust",
            &read.attrs,
            &custom_desired,
            &["assume-service".into(), "assume-policy".into()],
        )
        .await
        .expect("UpdateAssumeRolePolicy");
    assert_eq!(
        after.attrs["unique-id"], live.attrs["unique-id"],
        "same role"
    );
    assert!(!after.attrs.contains_key("assume-service"));
    assert_eq!(json(&after.attrs["assume-policy"]), json(&s(custom)));
    let role = aws
        .iam()
        .get_role()
        .role_name("trust")
        .send()
        .await
        .unwrap();
    assert!(role
        .role()
        .unwrap()
        .assume_role_policy_document()
        .unwrap()
        .contains("ExternalId"));

    // Back to one service: a single principal string, which reads back as assume-service.
    let mut one = desired.clone();
    one.insert(
        "assume-service".into(),
        list(&["codepipeline.amazonaws.com"]),
    );
    let back = provider
        .update(
            &ctx,
            "trust",
            &after.attrs,
            &one,
            &["assume-service".into(), "assume-policy".into()],
        )
        .await
        .expect("UpdateAssumeRolePolicy");
    assert_eq!(
        back.attrs["assume-service"],
        list(&["codepipeline.amazonaws.com"])
    );
    assert_eq!(
        json(&back.attrs["assume-policy"])["Statement"][0]["Principal"]["Service"],
        serde_json::json!("codepipeline.amazonaws.com")
    );
}

async fn a_trust_policy_of_eco_shape_given_as_json_reads_back_without_a_diff(
    _aws: &eco_aws::Aws,
    provider: &iam_role::Provider,
) {
    let ctx = ctx();
    let mut desired = base(&ctx, "json-trust");
    desired.remove("assume-service");
    // Written by hand, with other spacing and key order than eco's generator.
    let doc = r#"{ "Statement": [ { "Action": "sts:AssumeRole", "Principal": { "Service": "lambda.amazonaws.com" }, "Effect": "Allow" } ], "Version": "2012-10-17" }"#;
    desired.insert("assume-policy".into(), s(doc));
    provider.create(&ctx, &desired, "t").await.expect("create");
    let read = provider.read(&ctx, "json-trust").await.unwrap().unwrap();
    assert_eq!(json(&read.attrs["assume-policy"]), json(&s(doc)));
    assert_eq!(
        read.attrs["assume-service"],
        list(&["lambda.amazonaws.com"])
    );
}

async fn policies_description_session_and_tags_change_in_place(
    aws: &eco_aws::Aws,
    provider: &iam_role::Provider,
) {
    let ctx = ctx();
    let mut v1 = base(&ctx, "inplace");
    v1.insert("description".into(), s("first"));
    v1.insert("managed-policy".into(), list(&[LAMBDA_BASIC]));
    v1.insert(
        "inline-policy".into(),
        Value::List(vec![inline("read", READ_DOC), inline("write", WRITE_DOC)]),
    );
    v1.insert(
        "tags".into(),
        tags(&ctx, &[("team", "platform"), ("old", "x")]),
    );
    let created = provider.create(&ctx, &v1, "t").await.expect("create");
    standard::assert_attrs_match("after create", &v1, &created.attrs);
    assert_eq!(created.attrs["max-session-duration"], Value::Int(3600));

    // Swap the managed policy, edit one inline policy and drop the other, change the
    // description, the session length and the tags.
    let mut v2 = v1.clone();
    v2.insert("description".into(), s("second"));
    v2.insert("max-session-duration".into(), Value::Int(14400));
    v2.insert("managed-policy".into(), list(&[READ_ONLY]));
    v2.insert(
        "inline-policy".into(),
        Value::List(vec![inline("read", WRITE_DOC)]),
    );
    v2.insert("tags".into(), tags(&ctx, &[("team", "api")]));
    let changed: Vec<String> = [
        "description",
        "max-session-duration",
        "managed-policy",
        "inline-policy",
        "tags",
    ]
    .map(String::from)
    .to_vec();
    let live = provider
        .update(&ctx, "inplace", &created.attrs, &v2, &changed)
        .await
        .expect("update");
    standard::assert_attrs_match("after update", &v2, &live.attrs);
    assert_eq!(live.attrs["unique-id"], created.attrs["unique-id"]);
    let iam = aws.iam();
    let names = iam
        .list_role_policies()
        .role_name("inplace")
        .send()
        .await
        .unwrap();
    assert_eq!(names.policy_names(), ["read".to_string()]);
    let tags_live = iam
        .list_role_tags()
        .role_name("inplace")
        .send()
        .await
        .unwrap();
    assert!(tags_live.tags().iter().all(|t| t.key() != "old"));

    // Remove the description, the session length and every policy.
    let mut v3 = base(&ctx, "inplace");
    v3.insert("tags".into(), tags(&ctx, &[("team", "api")]));
    let live = provider
        .update(&ctx, "inplace", &live.attrs, &v3, &changed)
        .await
        .expect("update removing attributes");
    for absent in ["description", "managed-policy", "inline-policy"] {
        assert!(
            !live.attrs.contains_key(absent),
            "{absent}: {:#?}",
            live.attrs
        );
    }
    assert_eq!(live.attrs["max-session-duration"], Value::Int(3600));
}

async fn permissions_boundary_is_put_and_removed(
    _aws: &eco_aws::Aws,
    provider: &iam_role::Provider,
) {
    let ctx = ctx();
    let mut desired = base(&ctx, "bounded");
    desired.insert("permissions-boundary".into(), s(READ_ONLY));
    let created = provider.create(&ctx, &desired, "t").await.expect("create");
    let read = provider.read(&ctx, "bounded").await.unwrap().unwrap();
    assert_eq!(read.attrs["permissions-boundary"], s(READ_ONLY));
    assert_eq!(created.attrs["permissions-boundary"], s(READ_ONLY));
    let plain = base(&ctx, "bounded");
    for _ in 0..2 {
        let live = provider
            .update(
                &ctx,
                "bounded",
                &read.attrs,
                &plain,
                &["permissions-boundary".into()],
            )
            .await
            .expect("DeleteRolePermissionsBoundary, twice");
        assert!(!live.attrs.contains_key("permissions-boundary"));
    }
}

async fn delete_cleans_up_policies_and_instance_profiles_first(
    aws: &eco_aws::Aws,
    provider: &iam_role::Provider,
) {
    let ctx = ctx();
    let mut desired = base(&ctx, "busy");
    desired.insert("managed-policy".into(), list(&[READ_ONLY, LAMBDA_BASIC]));
    desired.insert(
        "inline-policy".into(),
        Value::List(vec![inline("read", READ_DOC)]),
    );
    let live = provider.create(&ctx, &desired, "t").await.expect("create");
    let iam = aws.iam();
    iam.create_instance_profile()
        .instance_profile_name("busy-profile")
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name("busy-profile")
        .role_name("busy")
        .send()
        .await
        .unwrap();
    // A policy attached behind eco's back is detached too.
    iam.attach_role_policy()
        .role_name("busy")
        .policy_arn("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    provider
        .delete(&ctx, "busy", &live.attrs)
        .await
        .expect("delete");
    provider
        .delete(&ctx, "busy", &live.attrs)
        .await
        .expect("delete again");
    assert_eq!(provider.read(&ctx, "busy").await.unwrap(), None);
    let profile = iam
        .get_instance_profile()
        .instance_profile_name("busy-profile")
        .send()
        .await
        .unwrap();
    assert!(profile.instance_profile().unwrap().roles().is_empty());
}

async fn deleted_outside_eco_reads_as_gone(aws: &eco_aws::Aws, provider: &iam_role::Provider) {
    let ctx = ctx();
    provider
        .create(&ctx, &base(&ctx, "ephemeral"), "t")
        .await
        .expect("create");
    aws.iam()
        .delete_role()
        .role_name("ephemeral")
        .send()
        .await
        .unwrap();
    assert_eq!(provider.read(&ctx, "ephemeral").await.unwrap(), None);
    assert_eq!(provider.import(&ctx, "ephemeral").await.unwrap(), None);
    let err = provider
        .update(
            &ctx,
            "ephemeral",
            &Attrs::new(),
            &base(&ctx, "ephemeral"),
            &["managed-policy".into()],
        )
        .await
        .expect_err("updating a role that is gone");
    assert!(err.message.contains("no longer exists"), "{err}");
}

async fn someone_elses_role_is_a_conflict(aws: &eco_aws::Aws, provider: &iam_role::Provider) {
    let ctx = ctx();
    let iam = aws.iam();
    // Made by hand, no tags.
    common::hand_made_role(aws, "by-hand").await;
    // Made by another stage of eco.
    let prod = OpContext::new("iam-role.api", "ecogy", "prod");
    provider
        .create(&prod, &base(&prod, "other-stage"), "t")
        .await
        .expect("create in prod");

    for (name, hint) in [
        ("by-hand", "eco import iam-role.api by-hand"),
        ("other-stage", "stage `prod`"),
    ] {
        let desired = base(&ctx, name);
        let err = provider
            .create(&ctx, &desired, "t")
            .await
            .expect_err("create over someone else's role");
        assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
        assert_eq!(err.operation, "CreateRole");
        assert!(err.message.contains(hint), "{err}");
        let err = provider
            .find(&ctx, &desired, "t")
            .await
            .expect_err("find of someone else's role");
        assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    }
    // Nothing was changed on them.
    let role = iam.get_role().role_name("by-hand").send().await.unwrap();
    assert!(role.role().unwrap().tags().is_empty());
}

async fn a_half_made_role_of_ours_is_adopted_and_completed(
    aws: &eco_aws::Aws,
    provider: &iam_role::Provider,
) {
    let ctx = ctx();
    let mut desired = base(&ctx, "half");
    desired.insert("description".into(), s("complete"));
    desired.insert("managed-policy".into(), list(&[LAMBDA_BASIC]));
    desired.insert(
        "inline-policy".into(),
        Value::List(vec![inline("read", READ_DOC)]),
    );
    // A crash right after CreateRole: the role exists with its tags, nothing else.
    let tags: Vec<aws_sdk_iam::types::Tag> = ctx
        .ownership_tags()
        .iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .unwrap()
        })
        .collect();
    aws.iam()
        .create_role()
        .role_name("half")
        .assume_role_policy_document(common::LAMBDA_TRUST)
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
    let found = provider
        .find(&ctx, &desired, "t")
        .await
        .unwrap()
        .expect("ours");
    assert!(!found.attrs.contains_key("managed-policy"));
    let live = provider.create(&ctx, &desired, "t").await.expect("adopt");
    standard::assert_attrs_match("after adoption", &desired, &live.attrs);
}

async fn import_gives_what_read_gives(_aws: &eco_aws::Aws, provider: &iam_role::Provider) {
    let ctx = ctx();
    let mut desired = base(&ctx, "imported");
    desired.insert("path".into(), s("/service/"));
    desired.insert("managed-policy".into(), list(&[LAMBDA_BASIC]));
    desired.insert(
        "inline-policy".into(),
        Value::List(vec![inline("read", READ_DOC)]),
    );
    desired.insert("max-session-duration".into(), Value::Int(7200));
    let created = provider.create(&ctx, &desired, "t").await.expect("create");
    let read = provider.read(&ctx, "imported").await.unwrap().unwrap();
    let imported = provider.import(&ctx, "imported").await.unwrap().unwrap();
    assert_eq!(imported, read);
    assert_eq!(read.id, "imported");
    assert_eq!(read.attrs["path"], s("/service/"));
    assert!(read.attrs["arn"]
        .as_str()
        .unwrap()
        .ends_with(":role/service/imported"));
    // What create returned agrees with what is read, documents compared as JSON.
    for (k, v) in &read.attrs {
        match k.as_str() {
            "assume-policy" => assert_eq!(json(v), json(&created.attrs[k])),
            "inline-policy" => {}
            _ => assert_eq!(Some(v), created.attrs.get(k), "{k}"),
        }
    }
    let Value::List(policies) = &read.attrs["inline-policy"] else {
        panic!("inline-policy is a list");
    };
    let Value::Map(p) = &policies[0] else {
        panic!("an inline policy is a map");
    };
    assert_eq!(json(&p["document"]), json(&s(READ_DOC)));
}

// Each test starts its own moto (~2 s of CPU with IAM's managed policies loaded), so related
// cases share one server; every case uses its own role names.

#[tokio::test]
async fn trust_policies() {
    let (_moto, aws, provider) = setup();
    trust_from_services_and_from_a_policy_document(&aws, &provider).await;
    a_trust_policy_of_eco_shape_given_as_json_reads_back_without_a_diff(&aws, &provider).await;
}

#[tokio::test]
async fn in_place_changes() {
    let (_moto, aws, provider) = setup();
    policies_description_session_and_tags_change_in_place(&aws, &provider).await;
    permissions_boundary_is_put_and_removed(&aws, &provider).await;
}

#[tokio::test]
async fn delete_and_out_of_band_changes() {
    let (_moto, aws, provider) = setup();
    delete_cleans_up_policies_and_instance_profiles_first(&aws, &provider).await;
    deleted_outside_eco_reads_as_gone(&aws, &provider).await;
}

#[tokio::test]
async fn ownership_adoption_and_import() {
    let (_moto, aws, provider) = setup();
    someone_elses_role_is_a_conflict(&aws, &provider).await;
    a_half_made_role_of_ours_is_adopted_and_completed(&aws, &provider).await;
    import_gives_what_read_gives(&aws, &provider).await;
}

/// The standard replacement test of a role: another name (a role's identity), in both orders.
#[tokio::test]
async fn standard_replacement() {
    let (_moto, _aws, provider) = setup();
    let ctx = ctx();
    let desired = base(&ctx, "ecogy-dev-old");
    let replaced = base(&ctx, "ecogy-dev-new");
    standard::replace(standard::Replacement {
        provider: &provider,
        ctx,
        desired,
        replaced,
        beside: true,
    })
    .await;
}
