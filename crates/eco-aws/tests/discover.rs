//! `ResourceProvider::list` (what `eco discover` offers) and `eco_provider::adopt` (what
//! `eco import` changes) against moto.

mod common;

use std::collections::BTreeMap;

use eco_aws::resources::{cloudfront_distribution as cf, dynamodb_table, iam_role, s3_bucket};
use eco_provider::values::s;
use eco_provider::{adopt, Attrs, ErrorKind, Live, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn m(pairs: &[(&str, Value)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

fn ids(lives: &[Live]) -> Vec<String> {
    lives.iter().map(|l| l.id.clone()).collect()
}

fn tags_of(live: &Live) -> BTreeMap<String, Value> {
    match live.attrs.get("tags") {
        Some(Value::Map(t)) => t.clone(),
        _ => BTreeMap::new(),
    }
}

#[tokio::test]
async fn list_finds_what_exists_and_adopt_adds_only_ownership_tags() {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let ctx = OpContext::new("s3-bucket.found", "p", "dev");

    // Buckets: this region's, by hand; one in another region is not listed.
    let s3 = aws.s3();
    s3.create_bucket()
        .bucket("found-here")
        .send()
        .await
        .unwrap();
    s3.create_bucket()
        .bucket("found-elsewhere")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3.put_bucket_tagging()
        .bucket("found-here")
        .tagging(
            aws_sdk_s3::types::Tagging::builder()
                .tag_set(
                    aws_sdk_s3::types::Tag::builder()
                        .key("team")
                        .value("web")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let buckets = s3_bucket::Provider::new(&aws);
    let listed = buckets.list(&ctx).await.expect("s3-bucket lists").unwrap();
    assert_eq!(ids(&listed), ["found-here"]);

    // Adoption: ownership tags added beside the live ones; nothing else changes; twice = once.
    let live = listed.into_iter().next().unwrap();
    let (adopted, tagged) = adopt(&buckets, &ctx, live.clone()).await.unwrap();
    assert!(tagged);
    let tags = tags_of(&adopted);
    assert_eq!(tags.get("team"), Some(&s("web")));
    assert_eq!(tags.get("eco:address"), Some(&s("s3-bucket.found")));
    for (k, v) in &live.attrs {
        if k != "tags" {
            assert_eq!(adopted.attrs.get(k), Some(v), "{k} changed");
        }
    }
    let (_, again) = adopt(&buckets, &ctx, adopted.clone()).await.unwrap();
    assert!(!again);
    // Someone else's eco resource is refused.
    let other = OpContext::new("s3-bucket.mine", "other-project", "dev");
    let err = adopt(&buckets, &other, adopted).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(
        err.message.contains("project p, stage dev"),
        "{}",
        err.message
    );

    // Tables.
    common::hand_made_table(&aws, "found-table").await;
    let tables = dynamodb_table::Provider::new(&aws)
        .list(&ctx)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ids(&tables), ["found-table"]);
    assert_eq!(
        tables[0].attrs.get("billing-mode"),
        Some(&s("PAY_PER_REQUEST"))
    );

    // Roles: AWS's service-linked roles are not offered.
    let iam = aws.iam();
    common::hand_made_role(&aws, "found-role").await;
    iam.create_role()
        .role_name("AWSServiceRoleForSupport")
        .path("/aws-service-role/support.amazonaws.com/")
        .assume_role_policy_document(common::LAMBDA_TRUST)
        .send()
        .await
        .unwrap();
    let roles = iam_role::Provider::new(&aws);
    let listed = roles.list(&ctx).await.unwrap().unwrap();
    assert_eq!(ids(&listed), ["found-role"]);
    // Its configuration takes one trust form.
    let config = roles.config_from_live(&listed[0].attrs);
    assert!(config.contains_key("assume-service") != config.contains_key("assume-policy"));

    // Distributions.
    let dist_ctx = OpContext::new("cloudfront-distribution.found", "p", "dev");
    let dists = cf::Provider::new(&aws);
    let desired = Attrs::from([
        (
            "origin".to_string(),
            Value::List(vec![m(&[
                ("id", s("api")),
                (
                    "domain-name",
                    s("abc123.execute-api.us-east-1.amazonaws.com"),
                ),
                ("custom-origin", m(&[("protocol-policy", s("https-only"))])),
            ])]),
        ),
        (
            "default-cache-behavior".to_string(),
            m(&[("target-origin", s("api"))]),
        ),
        ("comment".to_string(), s("found")),
    ]);
    let made = dists.create(&dist_ctx, &desired, "tok-1").await.unwrap();
    let listed = dists.list(&dist_ctx).await.unwrap().unwrap();
    assert_eq!(ids(&listed), std::slice::from_ref(&made.id));
    assert_eq!(listed[0].attrs.get("comment"), Some(&s("found")));
}
