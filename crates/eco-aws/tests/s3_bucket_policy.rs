//! `s3-bucket-policy` against moto: the standard tests, import and discover, a bucket without a
//! policy or without a bucket, and the bucket's own refresh, which does not read a policy it does
//! not declare (so a separate policy is never the bucket's drift).

use std::collections::BTreeSet;
use std::sync::Arc;

use eco_aws::resources::{s3_bucket, s3_bucket_policy};
use eco_aws::Aws;
use eco_provider::standard::{self, Case};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn ctx() -> OpContext {
    OpContext::new("s3-bucket-policy.site", "ecogy", "dev")
}

fn setup() -> (Moto, Aws, s3_bucket_policy::Provider) {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let provider = s3_bucket_policy::Provider::new(&aws);
    (moto, aws, provider)
}

/// A policy that lets one distribution read the bucket's objects, as the text eco sends.
fn policy(bucket: &str, distribution: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowCloudFrontOAC",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": format!("arn:aws:s3:::{bucket}/*"),
            "Condition": {"StringEquals": {
                "AWS:SourceArn": format!("arn:aws:cloudfront::123456789012:distribution/{distribution}")
            }}
        }]
    })
    .to_string()
}

fn desired(bucket: &str, policy: String) -> Attrs {
    Attrs::from([
        ("bucket".to_string(), s(bucket)),
        ("policy".to_string(), Value::String(policy)),
    ])
}

async fn make_bucket(aws: &Aws, name: &str) {
    aws.s3().create_bucket().bucket(name).send().await.unwrap();
}

#[tokio::test]
async fn standard() {
    let (_moto, aws, provider) = setup();
    make_bucket(&aws, "ecogy-dev-site").await;
    standard::run(Case {
        provider: &provider,
        ctx: ctx(),
        desired: desired("ecogy-dev-site", policy("ecogy-dev-site", "E1")),
        updated: desired("ecogy-dev-site", policy("ecogy-dev-site", "E2")),
        changed: vec!["policy".to_string()],
        token: "t".into(),
    })
    .await;
}

/// Import and discover give what read gives; a bucket without a policy, or no bucket, has none;
/// a document that is not a JSON object is refused before any call.
#[tokio::test]
async fn import_discover_absent_and_refused() {
    let (_moto, aws, provider) = setup();
    let ctx = ctx();
    make_bucket(&aws, "with-policy").await;
    make_bucket(&aws, "without-policy").await;
    let text = policy("with-policy", "E1");
    aws.s3()
        .put_bucket_policy()
        .bucket("with-policy")
        .policy(&text)
        .send()
        .await
        .unwrap();

    let imported = provider.import(&ctx, "with-policy").await.unwrap().unwrap();
    assert_eq!(imported.id, "with-policy");
    let got: serde_json::Value =
        serde_json::from_str(imported.attrs["policy"].as_str().unwrap()).unwrap();
    assert_eq!(
        got,
        serde_json::from_str::<serde_json::Value>(&text).unwrap()
    );
    assert_eq!(imported.attrs["bucket"], s("with-policy"));
    assert_eq!(
        provider.read(&ctx, "with-policy").await.unwrap(),
        Some(imported.clone())
    );
    assert_eq!(provider.read(&ctx, "without-policy").await.unwrap(), None);
    assert_eq!(provider.read(&ctx, "no-such-bucket").await.unwrap(), None);
    provider
        .delete(&ctx, "no-such-bucket", &Attrs::new())
        .await
        .expect("the policy of a bucket that is gone is gone");

    let listed = provider.list(&ctx).await.unwrap().unwrap();
    assert_eq!(listed, vec![imported]);

    for bad in ["[1, 2]", "{\"Version\": "] {
        let err = provider
            .create(&ctx, &desired("without-policy", bad.into()), "t")
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        assert!(err.message.contains("policy"), "{err}");
    }
    let err = provider
        .create(&ctx, &desired("Not_A_Bucket", "{}".into()), "t")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
    assert!(err.message.contains("invalid bucket name"), "{err}");
    assert_eq!(provider.read(&ctx, "without-policy").await.unwrap(), None);
}

/// The bucket's refresh asks only for what its configuration declares: a bucket that declares
/// no policy neither reads nor reports the separate one, and keeps it through its own updates.
#[tokio::test]
async fn the_buckets_refresh_leaves_a_separate_policy_alone() {
    let (_moto, aws, provider) = setup();
    let buckets = s3_bucket::Provider::new(&aws);
    let bucket_ctx = OpContext::new("s3-bucket.site", "ecogy", "dev");
    let name = "ecogy-dev-site";
    let bucket = Attrs::from([
        ("name".to_string(), s(name)),
        ("versioning".to_string(), Value::Bool(true)),
        ("tags".to_string(), tags(&bucket_ctx, &[])),
    ]);
    let made = buckets.create(&bucket_ctx, &bucket, "t").await.unwrap();
    let text = policy(name, "E1");
    provider
        .create(&ctx(), &desired(name, text.clone()), "t")
        .await
        .unwrap();

    let declared: BTreeSet<String> = bucket.keys().cloned().collect();
    let refresh_ctx = bucket_ctx.clone().with_declared(Arc::new(declared));
    let read = buckets.read(&refresh_ctx, name).await.unwrap().unwrap();
    assert!(!read.attrs.contains_key("policy"), "{:?}", read.attrs);

    let mut suspended = bucket.clone();
    suspended.insert("versioning".into(), Value::Bool(false));
    buckets
        .update(
            &bucket_ctx,
            name,
            &made.attrs,
            &suspended,
            &["versioning".to_string()],
        )
        .await
        .unwrap();
    let still = provider.read(&ctx(), name).await.unwrap().unwrap();
    assert_eq!(still.attrs["policy"], Value::String(text));
}
