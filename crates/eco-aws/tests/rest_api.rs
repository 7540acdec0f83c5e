//! The API Gateway REST API (v1) family against moto: standard tests per type, then the
//! type-specific cases.

use std::collections::BTreeMap;

use eco_aws::resources::{
    rest_api, rest_authorizer, rest_base_path_mapping, rest_deployment, rest_domain,
    rest_integration, rest_method, rest_resource, rest_stage,
};
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::values::{list, map, s, tags};
use eco_provider::{Attrs, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn setup() -> (Moto, eco_aws::Aws) {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    (moto, aws)
}

fn strs(pairs: &[(&str, &str)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), s(v)))
            .collect::<BTreeMap<_, _>>(),
    )
}

const FN_URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:api/invocations";

/// A REST API made through eco (`rest-api.NAME`): its id and root resource id.
async fn make_api(aws: &eco_aws::Aws, name: &str) -> (String, String) {
    let p = rest_api::Provider::new(aws);
    let ctx = OpContext::new(format!("rest-api.{name}"), "ecogy", "dev");
    let d = Attrs::from([
        ("name".to_string(), s(name)),
        ("tags".to_string(), tags(&ctx, &[])),
    ]);
    let live = p.create(&ctx, &d, "t").await.unwrap();
    let root = live.attrs["root-resource-id"].as_str().unwrap().to_string();
    (live.id, root)
}

/// A GET method with a Lambda proxy integration on `resource` (what a deployment needs).
async fn make_method(aws: &eco_aws::Aws, api: &str, resource: &str) {
    let c = aws.apigateway();
    c.put_method()
        .rest_api_id(api)
        .resource_id(resource)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .unwrap();
    c.put_integration()
        .rest_api_id(api)
        .resource_id(resource)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::AwsProxy)
        .integration_http_method("POST")
        .uri(FN_URI)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn rest_api_standard() {
    let (_moto, aws) = setup();
    let p = rest_api::Provider::new(&aws);
    let ctx = OpContext::new("rest-api.main", "ecogy", "dev");
    let desired = Attrs::from([
        ("name".to_string(), s("ecogy-dev-rest")),
        ("description".to_string(), s("the API")),
        ("endpoint-type".to_string(), s("REGIONAL")),
        ("minimum-compression-size".to_string(), Value::Int(1024)),
        (
            "policy".to_string(),
            s(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#,
            ),
        ),
        ("tags".to_string(), tags(&ctx, &[("team", "platform")])),
    ]);
    // moto applies name, description, endpoint type, policy and the execute-api switch; it
    // ignores binaryMediaTypes on create, its TagResource only knows stage ARNs and its binary
    // media type patches take a value AWS does not (docs/testing.md): those are unit-tested in
    // the module.
    let mut updated = desired.clone();
    updated.insert("name".into(), s("ecogy-dev-rest2"));
    updated.insert("description".into(), s("the REST API"));
    updated.insert("disable-execute-api-endpoint".into(), Value::Bool(true));
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        updated,
        changed: ["name", "description", "disable-execute-api-endpoint"]
            .map(String::from)
            .to_vec(),
        token: "t".into(),
    })
    .await;
    let live = p.create(&ctx, &desired, "t").await.unwrap();
    let id = &live.id;
    assert!(live.attrs["execution-arn"]
        .as_str()
        .unwrap()
        .ends_with(&format!(":{id}")));
    assert!(live.attrs["root-resource-id"].as_str().is_some());
    // Another project's API of the same name is not found as ours.
    let other = OpContext::new("rest-api.main", "other", "dev");
    assert_eq!(p.find(&other, &desired, "t").await.unwrap(), None);
    // Discover lists it.
    let listed = p.list(&ctx).await.unwrap().unwrap();
    assert!(listed.iter().any(|l| &l.id == id));
    standard::replace(Replacement {
        provider: &p,
        ctx: OpContext::new("rest-api.other", "ecogy", "dev"),
        desired: Attrs::from([
            ("name".to_string(), s("a")),
            (
                "tags".to_string(),
                tags(&OpContext::new("rest-api.other", "ecogy", "dev"), &[]),
            ),
        ]),
        replaced: Attrs::from([
            ("name".to_string(), s("a")),
            ("description".to_string(), s("b")),
            (
                "tags".to_string(),
                tags(&OpContext::new("rest-api.other", "ecogy", "dev"), &[]),
            ),
        ]),
        beside: true,
    })
    .await;
}

#[tokio::test]
async fn rest_resource_standard() {
    let (_moto, aws) = setup();
    let (api, root) = make_api(&aws, "main").await;
    let p = rest_resource::Provider::new(&aws);
    let ctx = OpContext::new("rest-resource.users", "ecogy", "dev");
    let desired = Attrs::from([
        ("rest-api".to_string(), s(&api)),
        ("path-part".to_string(), s("users")),
    ]);
    // Every attribute replaces a resource: nothing to change in place.
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        updated: desired.clone(),
        changed: vec![],
        token: "t".into(),
    })
    .await;
    let users = p.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(
        users.attrs["parent"],
        s(&root),
        "the root is the default parent"
    );
    assert_eq!(users.attrs["path"], s("/users"));
    let child = Attrs::from([
        ("rest-api".to_string(), s(&api)),
        ("parent".to_string(), users.attrs["id"].clone()),
        ("path-part".to_string(), s("{id}")),
    ]);
    let by_id = p.create(&ctx, &child, "t").await.unwrap();
    assert_eq!(by_id.attrs["path"], s("/users/{id}"));
    assert!(by_id.id.starts_with(&format!("{api}/")));
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: Attrs::from([
            ("rest-api".to_string(), s(&api)),
            ("path-part".to_string(), s("a")),
        ]),
        replaced: Attrs::from([
            ("rest-api".to_string(), s(&api)),
            ("path-part".to_string(), s("b")),
        ]),
        beside: true,
    })
    .await;
}

#[tokio::test]
async fn rest_method_and_integration_standard() {
    let (_moto, aws) = setup();
    let (api, root) = make_api(&aws, "main").await;
    let mp = rest_method::Provider::new(&aws);
    let ctx = OpContext::new("rest-method.options", "ecogy", "dev");
    let cors_response = |headers: &[&str]| {
        Value::List(vec![map(&[
            ("status-code", s("200")),
            (
                "response-parameters",
                Value::Map(
                    headers
                        .iter()
                        .map(|h| (format!("method.response.header.{h}"), s("false")))
                        .collect(),
                ),
            ),
        ])])
    };
    let desired = Attrs::from([
        ("rest-api".to_string(), s(&api)),
        ("resource".to_string(), s(&root)),
        ("http-method".to_string(), s("OPTIONS")),
        ("authorization".to_string(), s("NONE")),
        (
            "response".to_string(),
            cors_response(&["Access-Control-Allow-Origin"]),
        ),
    ]);
    // moto has no UpdateMethod: the method's own attributes are unit-tested in the module;
    // its responses change through DeleteMethodResponse / PutMethodResponse, which moto has.
    let mut updated = desired.clone();
    updated.insert(
        "response".into(),
        cors_response(&[
            "Access-Control-Allow-Origin",
            "Access-Control-Allow-Headers",
        ]),
    );
    standard::run(Case {
        provider: &mp,
        ctx: ctx.clone(),
        desired: desired.clone(),
        updated,
        changed: vec!["response".into()],
        token: "t".into(),
    })
    .await;
    let method = mp.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(method.id, format!("{api}/{root}/OPTIONS"));

    let ip = rest_integration::Provider::new(&aws);
    let ictx = OpContext::new("rest-integration.options", "ecogy", "dev");
    let mock = |origin: &str| {
        Attrs::from([
            ("rest-api".to_string(), s(&api)),
            ("resource".to_string(), s(&root)),
            ("http-method".to_string(), s("OPTIONS")),
            ("type".to_string(), s("MOCK")),
            (
                "request-templates".to_string(),
                strs(&[("application/json", r#"{"statusCode": 200}"#)]),
            ),
            (
                "response".to_string(),
                Value::List(vec![map(&[
                    ("status-code", s("200")),
                    (
                        "response-parameters",
                        strs(&[("method.response.header.Access-Control-Allow-Origin", origin)]),
                    ),
                ])]),
            ),
        ])
    };
    let mut updated = mock("'https://b.example'");
    updated.insert(
        "request-templates".into(),
        strs(&[("application/json", r#"{"statusCode": 204}"#)]),
    );
    standard::run(Case {
        provider: &ip,
        ctx: ictx.clone(),
        desired: mock("'*'"),
        updated,
        changed: vec!["request-templates".into(), "response".into()],
        token: "t".into(),
    })
    .await;

    // A Lambda proxy integration on GET, changed in place (PutIntegration again).
    let get = Attrs::from([
        ("rest-api".to_string(), s(&api)),
        ("resource".to_string(), s(&root)),
        ("http-method".to_string(), s("GET")),
    ]);
    mp.create(&ctx, &get, "t").await.unwrap();
    let proxy = {
        let mut d = get.clone();
        d.insert("type".into(), s("AWS_PROXY"));
        d.insert("integration-http-method".into(), s("POST"));
        d.insert("uri".into(), s(FN_URI));
        d
    };
    let mut longer = proxy.clone();
    longer.insert("timeout-ms".into(), Value::Int(10000));
    standard::run(Case {
        provider: &ip,
        ctx: ictx,
        desired: proxy,
        updated: longer,
        changed: vec!["timeout-ms".into()],
        token: "t".into(),
    })
    .await;
}

#[tokio::test]
async fn rest_authorizer_standard() {
    let (_moto, aws) = setup();
    let (api, _) = make_api(&aws, "main").await;
    let p = rest_authorizer::Provider::new(&aws);
    let ctx = OpContext::new("rest-authorizer.cognito", "ecogy", "dev");
    let pool = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc";
    let desired = Attrs::from([
        ("rest-api".to_string(), s(&api)),
        ("name".to_string(), s("cognito")),
        ("type".to_string(), s("COGNITO_USER_POOLS")),
        ("provider-arns".to_string(), list(&[pool])),
        (
            "identity-source".to_string(),
            s("method.request.header.Authorization"),
        ),
    ]);
    // moto's UpdateAuthorizer has no providerARNs patch: that one is unit-tested.
    let mut updated = desired.clone();
    updated.insert("name".into(), s("users"));
    updated.insert("result-ttl".into(), Value::Int(60));
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        updated,
        changed: vec!["name".into(), "result-ttl".into()],
        token: "t".into(),
    })
    .await;
    let lambda = Attrs::from([
        ("rest-api".to_string(), s(&api)),
        ("name".to_string(), s("token")),
        ("type".to_string(), s("TOKEN")),
        ("authorizer-uri".to_string(), s(FN_URI)),
        (
            "identity-source".to_string(),
            s("method.request.header.Authorization"),
        ),
    ]);
    let live = p.create(&ctx, &lambda, "t").await.unwrap();
    assert_eq!(live.attrs["type"], s("TOKEN"));
    // Another API forces a new authorizer: beside the old one (another API's authorizer never
    // answers the new one's find).
    let (other, _) = make_api(&aws, "other").await;
    let mut moved = desired.clone();
    moved.insert("rest-api".into(), s(&other));
    standard::replace(Replacement {
        provider: &p,
        ctx: OpContext::new("rest-authorizer.replaced", "ecogy", "dev"),
        desired: desired.clone(),
        replaced: moved,
        beside: true,
    })
    .await;
}

#[tokio::test]
async fn rest_deployment_and_stage_standard() {
    let (_moto, aws) = setup();
    let (api, root) = make_api(&aws, "main").await;
    make_method(&aws, &api, &root).await;
    let dp = rest_deployment::Provider::new(&aws);
    let dctx = OpContext::new("rest-deployment.main", "ecogy", "dev");
    let d = Attrs::from([
        ("rest-api".to_string(), s(&api)),
        ("description".to_string(), s("v1")),
    ]);
    standard::run(Case {
        provider: &dp,
        ctx: dctx.clone(),
        desired: d.clone(),
        updated: d.clone(),
        changed: vec![],
        token: "t".into(),
    })
    .await;
    let mut d2 = d.clone();
    d2.insert("description".into(), s("v2"));
    standard::replace(Replacement {
        provider: &dp,
        ctx: dctx.clone(),
        desired: d.clone(),
        replaced: d2.clone(),
        beside: true,
    })
    .await;
    let first = dp.create(&dctx, &d, "t").await.unwrap();
    let second = dp.create(&dctx, &d2, "t").await.unwrap();
    let deployment = |live: &eco_provider::Live| live.attrs["id"].as_str().unwrap().to_string();

    let sp = rest_stage::Provider::new(&aws);
    let sctx = OpContext::new("rest-stage.prod", "ecogy", "dev");
    let stage = Attrs::from([
        ("rest-api".to_string(), s(&api)),
        ("name".to_string(), s("prod")),
        ("deployment".to_string(), s(&deployment(&first))),
        ("variables".to_string(), strs(&[("mode", "live")])),
        ("tags".to_string(), tags(&sctx, &[("team", "platform")])),
    ]);
    let mut moved = stage.clone();
    moved.insert("deployment".into(), s(&deployment(&second)));
    moved.insert("description".into(), s("production"));
    moved.insert("variables".into(), strs(&[("mode", "dark"), ("x", "1")]));
    moved.insert("tracing-enabled".into(), Value::Bool(true));
    moved.insert("tags".into(), tags(&sctx, &[("team", "api")]));
    standard::run(Case {
        provider: &sp,
        ctx: sctx.clone(),
        desired: stage.clone(),
        updated: moved,
        changed: [
            "deployment",
            "description",
            "variables",
            "tracing-enabled",
            "tags",
        ]
        .map(String::from)
        .to_vec(),
        token: "t".into(),
    })
    .await;
    // Another name forces a new stage: beside the old one.
    let mut renamed = stage.clone();
    renamed.insert("name".into(), s("live"));
    standard::replace(Replacement {
        provider: &sp,
        ctx: OpContext::new("rest-stage.replaced", "ecogy", "dev"),
        desired: stage.clone(),
        replaced: renamed,
        beside: true,
    })
    .await;
    let live = sp.create(&sctx, &stage, "t").await.unwrap();
    assert_eq!(live.id, format!("{api}/prod"));
    assert_eq!(
        live.attrs["invoke-url"],
        s(&format!(
            "https://{api}.execute-api.us-east-1.amazonaws.com/prod"
        ))
    );
}

/// A REST API made through eco with a GET method, a deployment and a stage `prod`: its id.
async fn make_served_api(aws: &eco_aws::Aws, name: &str) -> String {
    let (api, root) = make_api(aws, name).await;
    make_method(aws, &api, &root).await;
    let c = aws.apigateway();
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

#[tokio::test]
async fn rest_domain_and_base_path_mapping_standard() {
    let (_moto, aws) = setup();
    let p = rest_domain::Provider::new(&aws);
    let ctx = OpContext::new("rest-domain.main", "ecogy", "dev");
    let cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
    let desired = Attrs::from([
        ("domain-name".to_string(), s("api.example.com")),
        ("endpoint-type".to_string(), s("REGIONAL")),
        ("certificate".to_string(), s(cert)),
        ("security-policy".to_string(), s("TLS_1_2")),
        ("tags".to_string(), tags(&ctx, &[("team", "platform")])),
    ]);
    // moto has no UpdateDomainName (its PATCH operations are unit-tested in the module).
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        updated: desired.clone(),
        changed: vec![],
        token: "t".into(),
    })
    .await;
    let mut renamed = desired.clone();
    renamed.insert("domain-name".into(), s("api2.example.com"));
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        replaced: renamed,
        beside: true,
    })
    .await;
    let live = p.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(live.id, "api.example.com");
    // The alias target a Route53 record points at.
    assert!(live.attrs["regional-domain-name"].as_str().is_some());
    assert!(live.attrs["regional-hosted-zone-id"].as_str().is_some());
    // Another project's domain of the same name is refused, not adopted.
    let other = OpContext::new("rest-domain.main", "other", "dev");
    assert!(p.find(&other, &desired, "t").await.is_err());
    // Discover lists it.
    let listed = p.list(&ctx).await.unwrap().unwrap();
    assert_eq!(
        listed.iter().map(|l| l.id.as_str()).collect::<Vec<_>>(),
        ["api.example.com"]
    );

    let first = make_served_api(&aws, "first").await;
    let second = make_served_api(&aws, "second").await;
    // moto answers GetBasePathMapping of a domain without any mapping with a 500 (it keeps no
    // mapping table for the domain until its first mapping; docs/testing.md): the domain gets one
    // before the standard tests look for theirs.
    aws.apigateway()
        .create_base_path_mapping()
        .domain_name("api.example.com")
        .base_path("seed")
        .rest_api_id(&first)
        .stage("prod")
        .send()
        .await
        .unwrap();
    let mp = rest_base_path_mapping::Provider::new(&aws);
    let mctx = OpContext::new("rest-base-path-mapping.v1", "ecogy", "dev");
    let mapping = Attrs::from([
        ("domain".to_string(), s("api.example.com")),
        ("base-path".to_string(), s("v1")),
        ("rest-api".to_string(), s(&first)),
        ("stage".to_string(), s("prod")),
    ]);
    let mut moved = mapping.clone();
    moved.insert("rest-api".into(), s(&second));
    standard::run(Case {
        provider: &mp,
        ctx: mctx.clone(),
        desired: mapping.clone(),
        updated: moved,
        changed: vec!["rest-api".into()],
        token: "t".into(),
    })
    .await;
    let mut v2 = mapping.clone();
    v2.insert("base-path".into(), s("v2"));
    standard::replace(Replacement {
        provider: &mp,
        ctx: mctx.clone(),
        desired: mapping.clone(),
        replaced: v2,
        beside: true,
    })
    .await;
    // The root of the domain: base path `(none)` to AWS, no base-path to eco.
    let root = Attrs::from([
        ("domain".to_string(), s("api.example.com")),
        ("rest-api".to_string(), s(&first)),
        ("stage".to_string(), s("prod")),
    ]);
    let live = mp.create(&mctx, &root, "t").await.unwrap();
    assert_eq!(live.id, "api.example.com/(none)");
    assert_eq!(live.attrs.get("base-path"), None);
    let read = mp.read(&mctx, &live.id).await.unwrap().unwrap();
    assert_eq!(read.attrs["rest-api"], s(&first));
}

/// An OpenAPI 3 document with a GET on each of `paths`.
fn openapi(paths: &[&str]) -> String {
    let paths: serde_json::Map<String, serde_json::Value> = paths
        .iter()
        .map(|p| {
            let get = serde_json::json!({"get": {"responses": {"200": {"description": "ok"}}}});
            (p.to_string(), get)
        })
        .collect();
    serde_json::json!({
        "openapi": "3.0.1",
        "info": {"title": "from-the-document", "description": "documented", "version": "1"},
        "paths": paths,
    })
    .to_string()
}

/// The paths of API `api`'s resources, sorted.
async fn resource_paths(aws: &eco_aws::Aws, api: &str) -> Vec<String> {
    let out = aws
        .apigateway()
        .get_resources()
        .rest_api_id(api)
        .limit(500)
        .send()
        .await
        .unwrap();
    let mut paths: Vec<String> = out
        .items()
        .iter()
        .filter_map(|r| r.path().map(str::to_string))
        .collect();
    paths.sort();
    paths
}

#[tokio::test]
async fn a_rest_api_from_an_openapi_body_is_put_again_when_its_hash_changes() {
    let (_moto, aws) = setup();
    let p = rest_api::Provider::new(&aws);
    let ctx = OpContext::new("rest-api.documented", "ecogy", "dev");
    let mut desired = Attrs::from([
        ("name".to_string(), s("documented")),
        ("body".to_string(), s(&openapi(&["/items", "/items/{id}"]))),
        ("tags".to_string(), tags(&ctx, &[])),
    ]);
    // Plan time: the document's SHA-256 joins the desired attributes.
    p.expand(std::path::Path::new("."), &mut desired).unwrap();
    let hash = desired["body-sha256"].as_str().unwrap().to_string();
    assert_eq!(hash.len(), 64);

    // CreateRestApi, then PutRestApi (mode=overwrite): the document's resources exist.
    let live = p.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(
        resource_paths(&aws, &live.id).await,
        ["/", "/items", "/items/{id}"]
    );
    // The configuration's name stays (not the document's title); the body and its hash are
    // what state keeps, as AWS reports neither.
    assert_eq!(live.attrs["name"], s("documented"));
    assert_eq!(live.attrs["body-sha256"], s(&hash));
    assert_eq!(live.attrs["body"], desired["body"]);
    let read = p.read(&ctx, &live.id).await.unwrap().unwrap();
    assert_eq!(read.attrs.get("body"), None);

    // A new document: its hash changes, and PutRestApi overwrites the API's resources.
    let mut next = desired.clone();
    next.insert("body".into(), s(&openapi(&["/orders"])));
    p.expand(std::path::Path::new("."), &mut next).unwrap();
    assert_ne!(next["body-sha256"], desired["body-sha256"]);
    let changed = ["body", "body-sha256"].map(String::from).to_vec();
    let after = p
        .update(&ctx, &live.id, &live.attrs, &next, &changed)
        .await
        .unwrap();
    assert_eq!(after.id, live.id, "the API id stays");
    assert_eq!(after.attrs["body-sha256"], next["body-sha256"]);
    assert_eq!(resource_paths(&aws, &live.id).await, ["/", "/orders"]);
    p.delete(&ctx, &live.id, &after.attrs).await.unwrap();
}
