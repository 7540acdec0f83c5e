//! API Gateway (v1) usage plans, API keys and usage plan keys against moto: the standard tests of
//! `rest-usage-plan`, `rest-api-key` and `rest-usage-plan-key`, then their type-specific cases.

use eco_aws::resources::{rest_api, rest_api_key, rest_usage_plan, rest_usage_plan_key};
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn setup() -> (Moto, eco_aws::Aws) {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    (moto, aws)
}

fn block(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

/// A REST API made through eco, with a deployment and a stage `prod`: its id.
async fn make_served_api(aws: &eco_aws::Aws, name: &str) -> String {
    let p = rest_api::Provider::new(aws);
    let ctx = OpContext::new(format!("rest-api.{name}"), "ecogy", "dev");
    let d = Attrs::from([
        ("name".to_string(), s(name)),
        ("tags".to_string(), tags(&ctx, &[])),
    ]);
    let live = p.create(&ctx, &d, "t").await.unwrap();
    let (api, root) = (live.id, live.attrs["root-resource-id"].as_str().unwrap());
    // A deployment needs a method: a MOCK GET on the root.
    let c = aws.apigateway();
    c.put_method()
        .rest_api_id(&api)
        .resource_id(root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    c.put_integration()
        .rest_api_id(&api)
        .resource_id(root)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .send()
        .await
        .unwrap();
    let deployment = c
        .create_deployment()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    c.create_stage()
        .rest_api_id(&api)
        .stage_name("prod")
        .deployment_id(deployment.id().unwrap())
        .send()
        .await
        .unwrap();
    api
}

fn api_stage(api: &str, throttles: &[(&str, i64, f64)]) -> Value {
    let mut fields = vec![("rest-api", s(api)), ("stage", s("prod"))];
    if !throttles.is_empty() {
        let list = throttles
            .iter()
            .map(|(m, b, r)| {
                block(&[
                    ("method", s(m)),
                    ("burst-limit", Value::Int(*b)),
                    ("rate-limit", Value::Float(*r)),
                ])
            })
            .collect();
        fields.push(("method-throttle", Value::List(list)));
    }
    block(&fields)
}

#[tokio::test]
async fn rest_usage_plan_standard() {
    let (_moto, aws) = setup();
    let api = make_served_api(&aws, "items").await;
    let p = rest_usage_plan::Provider::new(&aws);
    let ctx = OpContext::new("rest-usage-plan.basic", "ecogy", "dev");
    let desired = Attrs::from([
        ("name".to_string(), s("basic")),
        ("description".to_string(), s("the basic plan")),
        (
            "throttle".to_string(),
            block(&[
                ("burst-limit", Value::Int(20)),
                ("rate-limit", Value::Float(10.0)),
            ]),
        ),
        (
            "quota".to_string(),
            block(&[
                ("limit", Value::Int(10000)),
                ("period", s("MONTH")),
                ("offset", Value::Int(0)),
            ]),
        ),
        (
            "api-stage".to_string(),
            Value::List(vec![api_stage(&api, &[("/items/GET", 5, 2.0)])]),
        ),
        ("tags".to_string(), tags(&ctx, &[("team", "platform")])),
    ]);
    // moto applies name, description and throttle patches; it keeps a patched quota limit as
    // text (which the SDK cannot read back) and has no patch of a stage's method throttles
    // (docs/testing.md): those requests are unit-tested in the module.
    let mut updated = desired.clone();
    updated.insert("name".into(), s("basic-v2"));
    updated.insert("description".into(), s("the basic plan, v2"));
    updated.insert(
        "throttle".into(),
        block(&[
            ("burst-limit", Value::Int(40)),
            ("rate-limit", Value::Float(20.0)),
        ]),
    );
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        updated,
        changed: ["name", "description", "throttle"]
            .map(String::from)
            .to_vec(),
        token: "t".into(),
    })
    .await;

    let live = p.create(&ctx, &desired, "t").await.unwrap();
    assert!(live.attrs["arn"]
        .as_str()
        .unwrap()
        .ends_with(&format!("::/usageplans/{}", live.id)));
    // Another project's plan of the same name is not found as ours.
    let other = OpContext::new("rest-usage-plan.basic", "other", "dev");
    assert_eq!(p.find(&other, &desired, "t").await.unwrap(), None);
    // Discover lists it.
    let listed = p.list(&ctx).await.unwrap().unwrap();
    assert!(listed.iter().any(|l| l.id == live.id));
    p.delete(&ctx, &live.id, &live.attrs).await.unwrap();
    // A stage dropped from the plan and another added: UpdateUsagePlan `/apiStages` (on stages
    // without method throttles: moto's remove matches the stage as it was sent, throttles
    // included, and fails on one that has them).
    let mut plain = desired.clone();
    plain.insert("api-stage".into(), Value::List(vec![api_stage(&api, &[])]));
    let live = p.create(&ctx, &plain, "t").await.unwrap();
    let second = make_served_api(&aws, "orders").await;
    let mut moved = plain.clone();
    moved.insert(
        "api-stage".into(),
        Value::List(vec![api_stage(&second, &[])]),
    );
    let after = p
        .update(&ctx, &live.id, &live.attrs, &moved, &["api-stage".into()])
        .await
        .unwrap();
    assert_eq!(
        after.attrs["api-stage"],
        Value::List(vec![api_stage(&second, &[])])
    );
    p.delete(&ctx, &live.id, &after.attrs).await.unwrap();

    // Names need not be unique: a replacement is made beside the old plan, found by its tags.
    let mut renamed = desired.clone();
    renamed.insert("name".into(), s("basic-renamed"));
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        replaced: renamed,
        beside: true,
    })
    .await;
}

#[tokio::test]
async fn rest_api_key_standard_and_its_value() {
    let (_moto, aws) = setup();
    let p = rest_api_key::Provider::new(&aws);
    let ctx = OpContext::new("rest-api-key.partner", "ecogy", "dev");
    let value = "partner-key-0123456789abcdef";
    let desired = Attrs::from([
        ("name".to_string(), s("partner")),
        ("description".to_string(), s("the partner's key")),
        ("enabled".to_string(), Value::Bool(true)),
        ("value".to_string(), s(value)),
        ("customer-id".to_string(), s("cust-1")),
        ("tags".to_string(), tags(&ctx, &[("team", "platform")])),
    ]);
    let mut updated = desired.clone();
    updated.insert("name".into(), s("partner-2"));
    updated.insert("description".into(), s("the partner's key, renamed"));
    updated.insert("enabled".into(), Value::Bool(false));
    updated.insert("customer-id".into(), s("cust-2"));
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        updated,
        changed: ["name", "description", "enabled", "customer-id"]
            .map(String::from)
            .to_vec(),
        token: "t".into(),
    })
    .await;
    // A new value replaces the key (AWS cannot change a key's value).
    let mut revalued = desired.clone();
    revalued.insert("value".into(), s("partner-key-fedcba9876543210"));
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        replaced: revalued,
        beside: true,
    })
    .await;

    // Without a value, AWS generates one, which the read reports (for references) and which
    // the schema keeps sensitive.
    let generated = Attrs::from([
        ("name".to_string(), s("generated")),
        ("tags".to_string(), tags(&ctx, &[])),
    ]);
    let live = p.create(&ctx, &generated, "t").await.unwrap();
    let made = live.attrs["value"].as_str().unwrap();
    assert!(made.len() >= 20, "a generated value: {made}");
    assert!(p.schema().attribute("value").unwrap().sensitive);
    assert!(live.attrs["arn"]
        .as_str()
        .unwrap()
        .ends_with(&format!("::/apikeys/{}", live.id)));
    let listed = p.list(&ctx).await.unwrap().unwrap();
    assert!(listed.iter().any(|l| l.id == live.id));
    let other = OpContext::new("rest-api-key.partner", "other", "dev");
    assert_eq!(p.find(&other, &generated, "t").await.unwrap(), None);
}

#[tokio::test]
async fn rest_usage_plan_key_standard() {
    let (_moto, aws) = setup();
    let api = make_served_api(&aws, "items").await;
    let plans = rest_usage_plan::Provider::new(&aws);
    let keys = rest_api_key::Provider::new(&aws);
    let plan = |name: &str| {
        let ctx = OpContext::new(format!("rest-usage-plan.{name}"), "ecogy", "dev");
        let attrs = Attrs::from([
            ("name".to_string(), s(name)),
            (
                "api-stage".to_string(),
                Value::List(vec![api_stage(&api, &[])]),
            ),
            ("tags".to_string(), tags(&ctx, &[])),
        ]);
        (ctx, attrs)
    };
    let (ctx, attrs) = plan("basic");
    let basic = plans.create(&ctx, &attrs, "t").await.unwrap().id;
    let (ctx, attrs) = plan("gold");
    let gold = plans.create(&ctx, &attrs, "t").await.unwrap().id;
    let kctx = OpContext::new("rest-api-key.partner", "ecogy", "dev");
    let key = keys
        .create(
            &kctx,
            &Attrs::from([
                ("name".to_string(), s("partner")),
                ("enabled".to_string(), Value::Bool(true)),
                ("tags".to_string(), tags(&kctx, &[])),
            ]),
            "t",
        )
        .await
        .unwrap()
        .id;

    let p = rest_usage_plan_key::Provider::new(&aws);
    let pctx = OpContext::new("rest-usage-plan-key.partner", "ecogy", "dev");
    let desired = Attrs::from([
        ("usage-plan".to_string(), s(&basic)),
        ("api-key".to_string(), s(&key)),
    ]);
    // Every attribute forces a replacement: nothing to update in place.
    standard::run(Case {
        provider: &p,
        ctx: pctx.clone(),
        desired: desired.clone(),
        updated: desired.clone(),
        changed: vec![],
        token: "t".into(),
    })
    .await;
    let mut moved = desired.clone();
    moved.insert("usage-plan".into(), s(&gold));
    standard::replace(Replacement {
        provider: &p,
        ctx: pctx.clone(),
        desired: desired.clone(),
        replaced: moved,
        beside: true,
    })
    .await;
    let live = p.create(&pctx, &desired, "t").await.unwrap();
    assert_eq!(live.id, format!("{basic}/{key}"));
    // The key's value GetUsagePlanKey also answers is not kept.
    assert_eq!(live.attrs.len(), 2, "{:?}", live.attrs.keys());
    let imported = p.read(&pctx, &live.id).await.unwrap().unwrap();
    assert_eq!(imported.attrs, desired);
}
