//! `iam-policy` and `iam-role-policy-attachment` against moto: the standard tests of both, a
//! document change publishing versions (the oldest pruned at IAM's limit of 5), a document
//! written another way changing nothing, deletes that remove old versions first, import, and
//! someone else's policy of the same name.

mod common;

use eco_aws::resources::{iam_policy, iam_role_policy_attachment};
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider};
use eco_test_support::Moto;

const READ_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#;
const WRITE_DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:UpdateItem"],"Resource":"*"}]}"#;
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

fn ctx() -> OpContext {
    OpContext::new("iam-policy.tables", "ecogy", "dev")
}

fn doc(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

fn policy(ctx: &OpContext, name: &str, document: &str) -> Attrs {
    Attrs::from([
        ("name".to_string(), s(name)),
        ("document".to_string(), s(document)),
        ("tags".to_string(), tags(ctx, &[])),
    ])
}

struct Setup {
    _moto: Moto,
    aws: eco_aws::Aws,
    policies: iam_policy::Provider,
    attachments: iam_role_policy_attachment::Provider,
}

fn setup() -> Setup {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    Setup {
        policies: iam_policy::Provider::new(&aws),
        attachments: iam_role_policy_attachment::Provider::new(&aws),
        aws,
        _moto: moto,
    }
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("valid JSON")
}

fn str_attr<'a>(attrs: &'a Attrs, key: &str) -> &'a str {
    attrs[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is a string"))
}

#[tokio::test]
async fn standard_policy() {
    let t = setup();
    let ctx = ctx();
    let mut desired = policy(&ctx, "ecogy-dev-tables", READ_DOC);
    desired.insert("path".into(), s("/ecogy/"));
    desired.insert("description".into(), s("reads the tables"));
    desired.insert("tags".into(), tags(&ctx, &[("team", "platform")]));
    let mut updated = desired.clone();
    updated.insert("document".into(), s(WRITE_DOC));
    updated.insert("tags".into(), tags(&ctx, &[("team", "api")]));
    standard::run(Case {
        provider: &t.policies,
        ctx,
        desired,
        updated,
        changed: ["document", "tags"].map(String::from).to_vec(),
        token: "ecogy-dev-tables".into(),
    })
    .await;
}

#[tokio::test]
async fn standard_attachment() {
    let t = setup();
    common::hand_made_role(&t.aws, "api").await;
    let ctx = OpContext::new("iam-role-policy-attachment.read", "ecogy", "dev");
    let desired = Attrs::from([
        ("role".to_string(), s("api")),
        ("policy-arn".to_string(), s(READ_ONLY)),
    ]);
    standard::run(Case {
        provider: &t.attachments,
        ctx,
        desired: desired.clone(),
        updated: desired,
        changed: Vec::new(),
        token: "t".into(),
    })
    .await;
}

/// Document changes publish new default versions; at 5 the oldest goes first; a document
/// written with other spacing and key order publishes nothing; delete removes every version.
#[tokio::test]
async fn versions_are_published_pruned_and_deleted() {
    let t = setup();
    let ctx = ctx();
    let iam = t.aws.iam();
    let v1 = policy(&ctx, "versions", &doc("s3:GetObject"));
    let created = t.policies.create(&ctx, &v1, "t").await.expect("create");
    let arn = created.id.clone();
    assert!(arn.ends_with(":policy/versions"), "{arn}");
    assert_eq!(created.attrs["default-version"], s("v1"));
    let mut prior = created.attrs;
    for n in 2..=7 {
        let want = policy(&ctx, "versions", &doc(&format!("s3:Action{n}")));
        let live = t
            .policies
            .update(&ctx, &arn, &prior, &want, &["document".into()])
            .await
            .unwrap_or_else(|e| panic!("publishing version {n}: {e}"));
        assert_eq!(
            json(str_attr(&live.attrs, "document")),
            json(&doc(&format!("s3:Action{n}")))
        );
        assert_eq!(live.attrs["default-version"], s(&format!("v{n}")));
        prior = live.attrs;
    }
    let listed = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let mut ids: Vec<&str> = listed
        .versions()
        .iter()
        .filter_map(|v| v.version_id())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["v3", "v4", "v5", "v6", "v7"],
        "the two oldest were pruned"
    );

    // The same document written by hand another way: no new version.
    let same = r#"{ "Statement": [ { "Resource": "*", "Action": "s3:Action7", "Effect": "Allow" } ],
        "Version": "2012-10-17" }"#;
    let live = t
        .policies
        .update(
            &ctx,
            &arn,
            &prior,
            &policy(&ctx, "versions", same),
            &["document".into()],
        )
        .await
        .expect("an equal document");
    assert_eq!(live.attrs["default-version"], s("v7"));

    t.policies
        .delete(&ctx, &arn, &live.attrs)
        .await
        .expect("delete with 5 versions");
    t.policies
        .delete(&ctx, &arn, &live.attrs)
        .await
        .expect("delete again");
    assert_eq!(t.policies.read(&ctx, &arn).await.unwrap(), None);
}

/// Import by ARN gives what read gives; a policy made by hand under the configured name is a
/// Conflict naming the import; an attachment of an eco-managed policy is read by its id.
#[tokio::test]
async fn import_ownership_and_attaching_a_managed_policy() {
    let t = setup();
    let ctx = ctx();
    let mut desired = policy(&ctx, "imported", READ_DOC);
    desired.insert("path".into(), s("/svc/"));
    let created = t
        .policies
        .create(&ctx, &desired, "t")
        .await
        .expect("create");
    let read = t.policies.read(&ctx, &created.id).await.unwrap().unwrap();
    assert_eq!(
        t.policies.import(&ctx, &created.id).await.unwrap(),
        Some(read.clone())
    );
    assert_eq!(read.attrs["path"], s("/svc/"));
    assert!(str_attr(&read.attrs, "policy-id").starts_with('A'));
    let err = t.policies.import(&ctx, "imported").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("is not a policy ARN"), "{err}");

    // Made by hand, without ownership tags.
    t.aws
        .iam()
        .create_policy()
        .policy_name("by-hand")
        .policy_document(READ_DOC)
        .send()
        .await
        .unwrap();
    let theirs = policy(&ctx, "by-hand", READ_DOC);
    let err = t.policies.create(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    assert!(
        err.message
            .contains("eco import iam-policy.tables arn:aws:iam::"),
        "{err}"
    );
    let err = t.policies.find(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");

    // The eco-managed policy attached by its ARN; import by ROLE/ARN.
    common::hand_made_role(&t.aws, "api").await;
    let attach = Attrs::from([
        ("role".to_string(), s("api")),
        ("policy-arn".to_string(), s(&created.id)),
    ]);
    let made = t
        .attachments
        .create(&ctx, &attach, "t")
        .await
        .expect("attach");
    assert_eq!(made.id, format!("api/{}", created.id));
    let imported = t.attachments.import(&ctx, &made.id).await.unwrap();
    assert_eq!(imported, Some(made.clone()));
    // (IAM refuses to delete a policy that is still attached; moto deletes it: docs/testing.md.
    // The engine deletes the attachment first, as it depends on the policy.)
    t.attachments
        .delete(&ctx, &made.id, &made.attrs)
        .await
        .expect("detach");
    t.policies
        .delete(&ctx, &created.id, &read.attrs)
        .await
        .expect("then delete");
    // Detached outside eco, or its role gone: reads as gone.
    assert_eq!(t.attachments.read(&ctx, &made.id).await.unwrap(), None);
    let gone = format!("no-such-role/{READ_ONLY}");
    assert_eq!(t.attachments.read(&ctx, &gone).await.unwrap(), None);
    t.attachments
        .delete(&ctx, &gone, &Attrs::new())
        .await
        .expect("nothing to detach");
}

/// Another name forces a new policy (beside the old one); another policy ARN a new attachment
/// (beside the old one: a role takes several).
#[tokio::test]
async fn standard_replacements() {
    let t = setup();
    let ctx = ctx();
    standard::replace(Replacement {
        provider: &t.policies,
        ctx: ctx.clone(),
        desired: policy(&ctx, "ecogy-dev-old", READ_DOC),
        replaced: policy(&ctx, "ecogy-dev-new", READ_DOC),
        beside: true,
    })
    .await;
    common::hand_made_role(&t.aws, "api").await;
    let attachment = |arn: &str| {
        Attrs::from([
            ("role".to_string(), s("api")),
            ("policy-arn".to_string(), s(arn)),
        ])
    };
    standard::replace(Replacement {
        provider: &t.attachments,
        ctx: OpContext::new("iam-role-policy-attachment.read", "ecogy", "dev"),
        desired: attachment(READ_ONLY),
        replaced: attachment("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
        beside: true,
    })
    .await;
}
