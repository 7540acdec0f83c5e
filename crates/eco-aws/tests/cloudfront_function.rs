//! `cloudfront-function` against moto: the standard tests (moto has no UpdateFunction nor
//! PublishFunction, so the functions here are made with `publish #false` and the in-place change
//! is their tags; the update and publish requests are unit-tested), import and listing, and
//! someone else's function of the same name.

use eco_aws::resources::cloudfront_function;
use eco_provider::standard::{self, Case};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

mod common;

const CODE: &str = "function handler(event) { return event.request; }";

fn ctx() -> OpContext {
    OpContext::new("cloudfront-function.rewrite", "ecogy", "dev")
}

fn function(ctx: &OpContext, name: &str) -> Attrs {
    Attrs::from([
        ("name".to_string(), s(name)),
        ("runtime".to_string(), s("cloudfront-js-2.0")),
        ("comment".to_string(), s("index.html for directories")),
        ("code".to_string(), s(CODE)),
        ("tags".to_string(), tags(ctx, &[])),
    ])
}

fn setup() -> (Moto, eco_aws::Aws, cloudfront_function::Provider) {
    common::setup(cloudfront_function::Provider::new)
}

/// The provider with `publish #false` added to every configuration it is handed (moto has no
/// PublishFunction); `publish` is eco-only, never read back, so the standard test's comparisons
/// go without it.
struct Unpublished(cloudfront_function::Provider);

fn unpublished(desired: &Attrs) -> Attrs {
    let mut d = desired.clone();
    d.insert("publish".into(), Value::Bool(false));
    d
}

#[async_trait::async_trait]
impl ResourceProvider for Unpublished {
    fn schema(&self) -> &eco_schema::Schema {
        self.0.schema()
    }
    async fn read(&self, ctx: &OpContext, id: &str) -> eco_provider::OpResult<Option<Live>> {
        self.0.read(ctx, id).await
    }
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        token: &str,
    ) -> eco_provider::OpResult<Option<Live>> {
        self.0.find(ctx, &unpublished(desired), token).await
    }
    async fn create(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        token: &str,
    ) -> eco_provider::OpResult<Live> {
        self.0.create(ctx, &unpublished(desired), token).await
    }
    async fn update(
        &self,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> eco_provider::OpResult<Live> {
        self.0
            .update(ctx, id, prior, &unpublished(desired), changed)
            .await
    }
    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> eco_provider::OpResult<()> {
        self.0.delete(ctx, id, prior).await
    }
}

#[tokio::test]
async fn standard() {
    let (_moto, _aws, provider) = setup();
    let provider = Unpublished(provider);
    let ctx = ctx();
    let mut desired = function(&ctx, "ecogy-dev-rewrite");
    desired.insert("tags".into(), tags(&ctx, &[("team", "platform")]));
    let mut updated = desired.clone();
    updated.insert("tags".into(), tags(&ctx, &[("team", "edge")]));
    standard::run(Case {
        provider: &provider,
        ctx,
        desired,
        updated,
        changed: vec!["tags".into()],
        token: "t".into(),
    })
    .await;
}

/// What read reports (code, runtime, ARN) is what import gives and what discover lists; a
/// function of the name made by hand is not adopted.
#[tokio::test]
async fn import_list_and_someone_elses_function() {
    let (_moto, aws, provider) = setup();
    let ctx = ctx();
    let desired = function(&ctx, "ecogy-dev-rewrite");
    let made = provider
        .create(&ctx, &unpublished(&desired), "t")
        .await
        .expect("create");
    standard::assert_attrs_match("after create", &desired, &made.attrs);
    assert_eq!(
        made.attrs["arn"],
        s("arn:aws:cloudfront::123456789012:function/ecogy-dev-rewrite")
    );
    let imported = provider.import(&ctx, "ecogy-dev-rewrite").await.unwrap();
    assert_eq!(imported.as_ref().map(|l| &l.attrs), Some(&made.attrs));
    let listed = provider.list(&ctx).await.unwrap().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, "ecogy-dev-rewrite");

    // Made by hand (no ownership tags): a conflict naming the import, for create and find.
    let by_hand = aws_sdk_cloudfront::types::FunctionConfig::builder()
        .comment("")
        .runtime(aws_sdk_cloudfront::types::FunctionRuntime::CloudfrontJs10)
        .build()
        .unwrap();
    aws.cloudfront()
        .create_function()
        .name("by-hand")
        .function_config(by_hand)
        .function_code(aws_smithy_types::Blob::new(CODE))
        .send()
        .await
        .unwrap();
    let theirs = unpublished(&function(&ctx, "by-hand"));
    let err = provider.create(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    assert!(
        err.message
            .contains("eco import cloudfront-function.rewrite by-hand"),
        "{err}"
    );
    let err = provider.find(&ctx, &theirs, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
}
