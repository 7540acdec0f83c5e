//! `cloudfront-distribution` operations against moto: the standard tests, then origin access
//! control, in-place updates of comment and behaviors (same id, If-Match), SPA error responses,
//! tags, adoption after a crash, and delete = disable, wait, delete.

use async_trait::async_trait;
use eco_aws::resources::cloudfront_distribution as cf;
use eco_provider::standard::{self, Case};
use eco_provider::values::{map as m, s, tags};
use eco_provider::{Attrs, Live, OpContext, OpError, ResourceProvider, Schema, Value};
use eco_test_support::Moto;

fn ctx() -> OpContext {
    OpContext::new("cloudfront-distribution.site", "ecogy", "dev")
}

/// The blocks every distribution here has: an S3 origin through OAC, an API origin.
fn origins() -> Attrs {
    Attrs::from([
        (
            "origin".to_string(),
            Value::List(vec![
                m(&[
                    ("id", s("site")),
                    ("domain-name", s("site-bucket.s3.us-east-1.amazonaws.com")),
                    ("origin-access-control", Value::Bool(true)),
                ]),
                m(&[
                    ("id", s("api")),
                    (
                        "domain-name",
                        s("abc123.execute-api.us-east-1.amazonaws.com"),
                    ),
                    ("custom-origin", m(&[("protocol-policy", s("https-only"))])),
                ]),
            ]),
        ),
        (
            "default-cache-behavior".to_string(),
            m(&[("target-origin", s("site"))]),
        ),
    ])
}

fn base(ctx: &OpContext) -> Attrs {
    let mut a = origins();
    a.insert("comment".into(), s("the site"));
    a.insert("default-root-object".into(), s("index.html"));
    a.insert("price-class".into(), s("PriceClass_100"));
    a.insert("tags".into(), tags(ctx, &[]));
    a.insert(
        "custom-error-response".into(),
        Value::List(vec![m(&[
            ("error-code", s("404")),
            ("response-code", Value::Int(200)),
            ("response-page", s("/index.html")),
        ])]),
    );
    a
}

fn setup() -> (Moto, eco_aws::Aws, cf::Provider) {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = cf::Provider::new(&aws);
    (moto, aws, p)
}

/// For the standard tests, which compare each desired attribute whole with what read reports:
/// the blocks (which read reports with AWS's defaults filled in) are added on the way in.
struct WithBlocks<'a>(&'a cf::Provider);

fn full(d: &Attrs) -> Attrs {
    let mut a = origins();
    a.extend(d.clone());
    a
}

#[async_trait]
impl ResourceProvider for WithBlocks<'_> {
    fn schema(&self) -> &Schema {
        self.0.schema()
    }
    async fn read(&self, ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.0.read(ctx, id).await
    }
    async fn find(&self, ctx: &OpContext, d: &Attrs, t: &str) -> Result<Option<Live>, OpError> {
        self.0.find(ctx, &full(d), t).await
    }
    async fn create(&self, ctx: &OpContext, d: &Attrs, t: &str) -> Result<Live, OpError> {
        self.0.create(ctx, &full(d), t).await
    }
    async fn update(
        &self,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        d: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        self.0.update(ctx, id, prior, &full(d), changed).await
    }
    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), OpError> {
        self.0.delete(ctx, id, prior).await
    }
}

#[tokio::test]
async fn standard() {
    let (_moto, _aws, p) = setup();
    let ctx = ctx();
    let desired = Attrs::from([
        ("comment".to_string(), s("the site")),
        ("default-root-object".to_string(), s("index.html")),
        ("price-class".to_string(), s("PriceClass_100")),
        ("enabled".to_string(), Value::Bool(true)),
        ("tags".to_string(), tags(&ctx, &[])),
    ]);
    let mut updated = desired.clone();
    updated.insert("comment".into(), s("changed"));
    updated.insert("price-class".into(), s("PriceClass_All"));
    updated.insert("tags".into(), tags(&ctx, &[("team", "platform")]));
    standard::run(Case {
        provider: &WithBlocks(&p),
        ctx,
        desired,
        updated,
        changed: vec!["comment".into(), "price-class".into(), "tags".into()],
        token: "eco-0123456789abcdef".into(),
    })
    .await;
}

#[tokio::test]
async fn oac_behaviors_and_error_responses_update_in_place() {
    let (moto, aws, p) = setup();
    let ctx = ctx();
    let desired = base(&ctx);
    let live = p.create(&ctx, &desired, "tok").await.unwrap();
    let id = live.id.clone();
    assert!(live.attrs["domain-name"]
        .as_str()
        .unwrap()
        .ends_with(".cloudfront.net"));
    assert_eq!(
        live.attrs.get("hosted-zone-id"),
        Some(&s(cf::CLOUDFRONT_ZONE_ID))
    );
    assert!(live.attrs["arn"].as_str().unwrap().ends_with(&id));
    // The OAC exists, signs with SigV4 always, and is reported per origin.
    let oac_id = match &live.attrs["origin-access-control-ids"] {
        Value::Map(ids) => ids["site"].as_str().unwrap().to_string(),
        other => panic!("{other:?}"),
    };
    let oac = aws
        .cloudfront()
        .get_origin_access_control()
        .id(&oac_id)
        .send()
        .await
        .unwrap();
    let config = oac
        .origin_access_control()
        .unwrap()
        .origin_access_control_config()
        .unwrap();
    assert_eq!(config.signing_behavior().as_str(), "always");
    assert_eq!(config.name(), cf::oac_name(&ctx, "site"));
    // What the engine compares: each field the configuration sets.
    let read = p.read(&ctx, &id).await.unwrap().unwrap();
    for (k, want) in &desired {
        let have = read.attrs.get(k).unwrap_or_else(|| panic!("{k} not read"));
        assert!(contains(want, have), "{k}: want {want:?}, have {have:?}");
    }

    // Comment and a new ordered behavior: UpdateDistribution in place, same id.
    let mut changed = desired.clone();
    changed.insert("comment".into(), s("v2"));
    changed.insert(
        "cache-behavior".into(),
        Value::List(vec![m(&[
            ("path-pattern", s("/api/*")),
            ("target-origin", s("api")),
            (
                "allowed-methods",
                Value::List(
                    ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
                        .iter()
                        .map(|x| s(x))
                        .collect(),
                ),
            ),
            ("cache-policy", s("4135ea2d-6df8-44a3-9df3-4b5a84be39ad")),
        ])]),
    );
    moto.start_recording();
    let updated = p
        .update(
            &ctx,
            &id,
            &read.attrs,
            &changed,
            &["comment".into(), "cache-behavior".into()],
        )
        .await
        .unwrap();
    let calls = moto.recorded_calls();
    assert_eq!(updated.id, id, "updated in place");
    assert_eq!(updated.attrs.get("comment"), Some(&s("v2")));
    let ops: Vec<String> = calls
        .iter()
        .map(|c| format!("{} {}", c.method, c.url))
        .collect();
    assert!(
        ops.iter()
            .any(|o| o.starts_with("PUT") && o.contains(&format!("/distribution/{id}/config"))),
        "UpdateDistribution: {ops:?}"
    );
    assert!(
        !ops.iter()
            .any(|o| o.starts_with("POST") && o.ends_with("/distribution")),
        "no create: {ops:?}"
    );
    let cfg = aws
        .cloudfront()
        .get_distribution_config()
        .id(&id)
        .send()
        .await
        .unwrap();
    let cfg = cfg.distribution_config().unwrap();
    assert_eq!(cfg.comment(), "v2");
    let behaviors = cfg.cache_behaviors().unwrap().items();
    assert_eq!(behaviors.len(), 1);
    assert_eq!(behaviors[0].path_pattern(), "/api/*");
    assert_eq!(cfg.default_root_object(), Some("index.html"));
    assert_eq!(
        cfg.custom_error_responses().unwrap().items()[0].response_page_path(),
        Some("/index.html")
    );
    // A changed default behavior too.
    let mut again = changed.clone();
    again.insert(
        "default-cache-behavior".into(),
        m(&[
            ("target-origin", s("site")),
            ("viewer-protocol-policy", s("https-only")),
        ]),
    );
    let after = p
        .update(
            &ctx,
            &id,
            &updated.attrs,
            &again,
            &["default-cache-behavior".into()],
        )
        .await
        .unwrap();
    assert_eq!(after.id, id);
    match &after.attrs["default-cache-behavior"] {
        Value::Map(b) => assert_eq!(b.get("viewer-protocol-policy"), Some(&s("https-only"))),
        other => panic!("{other:?}"),
    }

    // Delete: disable first (UpdateDistribution Enabled=false), then DeleteDistribution, then the OAC.
    moto.start_recording();
    p.delete(&ctx, &id, &after.attrs).await.unwrap();
    let calls = moto.recorded_calls();
    let ops: Vec<String> = calls
        .iter()
        .map(|c| format!("{} {}", c.method, c.url))
        .collect();
    let disable = ops
        .iter()
        .position(|o| o.starts_with("PUT") && o.contains("/config"))
        .expect("disabled first");
    let delete = ops
        .iter()
        .position(|o| o.starts_with("DELETE") && o.contains(&format!("/distribution/{id}")))
        .expect("deleted");
    assert!(disable < delete, "{ops:?}");
    let body = decode(&calls[disable].body);
    assert!(
        body.contains("</DefaultCacheBehavior>")
            && body.contains("<PriceClass>PriceClass_100</PriceClass><Enabled>false</Enabled>"),
        "{body}"
    );
    assert!(
        ops.iter()
            .any(|o| o.starts_with("DELETE") && o.contains("origin-access-control")),
        "{ops:?}"
    );
    assert_eq!(p.read(&ctx, &id).await.unwrap(), None);
    p.delete(&ctx, &id, &after.attrs)
        .await
        .expect("gone is success");
}

/// `want` is satisfied by `have` the way the engine diffs: only the fields `want` sets.
fn contains(want: &Value, have: &Value) -> bool {
    match (want, have) {
        (Value::Map(w), Value::Map(h)) => w
            .iter()
            .all(|(k, v)| h.get(k).is_some_and(|x| contains(v, x))),
        (Value::List(w), Value::List(h)) => {
            w.len() == h.len() && w.iter().all(|x| h.iter().any(|y| contains(x, y)))
        }
        _ => want == have,
    }
}

#[tokio::test]
async fn a_crashed_create_is_adopted_by_tags_and_a_retry_makes_no_second_distribution() {
    let (_moto, aws, p) = setup();
    let ctx = ctx();
    let first = p.create(&ctx, &base(&ctx), "tok-1").await.unwrap();
    // A new plan (new token) after a crash finds it by its ownership tags.
    let found = p.find(&ctx, &base(&ctx), "tok-2").await.unwrap().unwrap();
    assert_eq!(found.id, first.id);
    let again = p.create(&ctx, &base(&ctx), "tok-2").await.unwrap();
    assert_eq!(again.id, first.id);
    let list = aws.cloudfront().list_distributions().send().await.unwrap();
    assert_eq!(list.distribution_list().unwrap().items().len(), 1);
    // Another address does not see it.
    let other = OpContext::new("cloudfront-distribution.other", "ecogy", "dev");
    assert_eq!(p.find(&other, &base(&other), "tok-3").await.unwrap(), None);
}

/// moto's recorder keeps request bodies base64-encoded.
fn decode(body: &str) -> String {
    use base64::Engine as _;
    match base64::engine::general_purpose::STANDARD.decode(body.trim()) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => body.to_string(),
    }
}
