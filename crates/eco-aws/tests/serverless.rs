//! The serverless family against moto: `lambda-function`, `lambda-permission` and the API
//! Gateway v2 types. Standard tests per type, then the type-specific cases.

use std::collections::BTreeMap;
use std::path::Path;

use eco_aws::resources::{lambda_function, lambda_permission};
use eco_provider::standard::{self, Case};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn setup() -> (Moto, eco_aws::Aws) {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    (moto, aws)
}

/// An execution role in moto (the role must exist for CreateFunction).
async fn role(aws: &eco_aws::Aws, name: &str) -> String {
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    aws.iam()
        .create_role()
        .role_name(name)
        .assume_role_policy_document(doc)
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_string()
}

/// moto, its clients, an execution role (`fn-role`) and a source directory whose `file` holds
/// `code`.
async fn with_source(file: &str, code: &str) -> (Moto, eco_aws::Aws, String, tempfile::TempDir) {
    let (moto, aws) = setup();
    let role = role(&aws, "fn-role").await;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), file, code);
    (moto, aws, role, dir)
}

/// The standard tests of a type with nothing to change in place here (every lambda-permission
/// attribute replaces it; moto cannot update a stage).
async fn standard_unchanged(p: &dyn ResourceProvider, ctx: &OpContext, desired: &Attrs) {
    standard::run(Case {
        provider: p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        updated: desired.clone(),
        changed: vec![],
        token: "t".into(),
    })
    .await;
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A function's desired attributes, expanded as the planner does.
fn function(
    p: &lambda_function::Provider,
    ctx: &OpContext,
    dir: &Path,
    name: &str,
    role: &str,
) -> Attrs {
    let mut d = Attrs::from([
        ("name".to_string(), s(name)),
        ("runtime".to_string(), s("nodejs20.x")),
        ("handler".to_string(), s("index.handler")),
        ("source".to_string(), s("src")),
        ("role".to_string(), s(role)),
        ("tags".to_string(), tags(ctx, &[])),
    ]);
    p.expand(dir, &mut d).unwrap();
    d
}

#[tokio::test]
async fn lambda_function_standard() {
    let (_moto, aws, role, dir) = with_source(
        "src/index.js",
        "exports.handler = async () => ({ statusCode: 200 });\n",
    )
    .await;
    let p = lambda_function::Provider::new(&aws);
    let ctx = OpContext::new("lambda-function.api", "ecogy", "dev");
    let mut desired = function(&p, &ctx, dir.path(), "ecogy-dev-api", &role);
    desired.insert("memory".into(), Value::Int(256));
    desired.insert("timeout".into(), Value::Int(10));
    desired.insert("env".into(), map(&[("TABLE", s("assets"))]));
    desired.insert("description".into(), s("the API"));
    desired.insert("tags".into(), tags(&ctx, &[("team", "platform")]));
    let mut updated = desired.clone();
    write(
        dir.path(),
        "src/index.js",
        "exports.handler = async () => ({ statusCode: 201 });\n",
    );
    p.expand(dir.path(), &mut updated).unwrap();
    assert_ne!(updated["source-hash"], desired["source-hash"]);
    updated.insert("memory".into(), Value::Int(512));
    updated.insert(
        "env".into(),
        map(&[("TABLE", s("assets2")), ("MODE", s("x"))]),
    );
    updated.insert("tags".into(), tags(&ctx, &[("team", "api")]));
    // `source` is eco-only (kept in state, never read back), and the standard test compares
    // reads with what it asked: drop it. The packages `expand` made are kept by the provider,
    // keyed by `source-hash`, which is what create and update deploy.
    desired.remove("source");
    updated.remove("source");
    standard::run(Case {
        provider: &p,
        ctx,
        desired,
        updated,
        changed: ["source-hash", "memory", "env", "tags"]
            .map(String::from)
            .to_vec(),
        token: "t".into(),
    })
    .await;
}

#[tokio::test]
async fn lambda_function_reports_code_sha256_config_and_sensitive_env() {
    let (_moto, aws, role_arn, dir) =
        with_source("src/index.mjs", "export const handler = async () => 1;\n").await;
    let p = lambda_function::Provider::new(&aws);
    let ctx = OpContext::new("lambda-function.f", "ecogy", "dev");
    let mut d = function(&p, &ctx, dir.path(), "f", &role_arn);
    d.insert("env".into(), map(&[("PLAIN", s("1"))]));
    d.insert("sensitive-env".into(), map(&[("SECRET", s("hunter2"))]));
    d.insert("architectures".into(), list(&["arm64"]));
    d.insert("reserved-concurrency".into(), Value::Int(5));
    let live = p.create(&ctx, &d, "t").await.unwrap();
    // What moto reports as CodeSha256 is exactly what expand computed.
    assert_eq!(live.attrs["source-hash"], d["source-hash"]);
    assert_eq!(live.attrs["env"], map(&[("PLAIN", s("1"))]));
    assert_eq!(
        live.attrs["sensitive-env"],
        map(&[("SECRET", s("hunter2"))])
    );
    assert_eq!(
        live.attrs["tags"],
        tags(&ctx, &[]),
        "eco's marker tag is not shown"
    );
    assert_eq!(live.attrs["architectures"], list(&["arm64"]));
    assert_eq!(live.attrs["reserved-concurrency"], Value::Int(5));
    let arn = live.attrs["arn"].as_str().unwrap();
    assert!(arn.ends_with(":function:f"), "{arn}");
    assert_eq!(
        live.attrs["invoke-arn"].as_str().unwrap(),
        format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations")
    );
    standard::assert_attrs_match("create", &d, &live.attrs);

    // Moving a variable from sensitive-env to env, and dropping reserved concurrency.
    let mut d2 = d.clone();
    d2.insert(
        "env".into(),
        map(&[("PLAIN", s("1")), ("SECRET", s("hunter2"))]),
    );
    d2.insert("sensitive-env".into(), Value::Map(BTreeMap::new()));
    d2.remove("reserved-concurrency");
    let after = p
        .update(
            &ctx,
            "f",
            &live.attrs,
            &d2,
            &[
                "env".into(),
                "sensitive-env".into(),
                "reserved-concurrency".into(),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        after.attrs["env"],
        map(&[("PLAIN", s("1")), ("SECRET", s("hunter2"))])
    );
    assert!(!after.attrs.contains_key("sensitive-env"));
    assert!(!after.attrs.contains_key("reserved-concurrency"));

    // Someone else's function of the same name is a conflict; adopting ours by name works.
    let other = OpContext::new("lambda-function.f", "other", "dev");
    let err = p.find(&other, &d, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(err.message.contains("project `ecogy`"), "{err}");
}

#[tokio::test]
async fn lambda_function_publish_and_alias() {
    let (_moto, aws, role_arn, dir) =
        with_source("src/index.js", "exports.handler = async () => 1;\n").await;
    let p = lambda_function::Provider::new(&aws);
    let ctx = OpContext::new("lambda-function.f", "ecogy", "dev");
    let mut d = function(&p, &ctx, dir.path(), "pub", &role_arn);
    d.insert("publish".into(), Value::Bool(true));
    d.insert("alias".into(), s("live"));
    let live = p.create(&ctx, &d, "t").await.unwrap();
    assert_eq!(live.attrs["alias"], s("live"));
    assert_eq!(live.attrs["version"], s("1"));
    assert!(live.attrs["alias-arn"]
        .as_str()
        .unwrap()
        .ends_with(":pub:live"));
    write(
        dir.path(),
        "src/index.js",
        "exports.handler = async () => 2;\n",
    );
    let mut d2 = d.clone();
    p.expand(dir.path(), &mut d2).unwrap();
    let after = p
        .update(&ctx, "pub", &live.attrs, &d2, &["source-hash".into()])
        .await
        .unwrap();
    assert_eq!(after.attrs["version"], s("2"), "{:#?}", after.attrs);
    assert_eq!(
        after.attrs["qualified-arn"].as_str().unwrap(),
        format!("{}:2", after.attrs["arn"].as_str().unwrap())
    );
}

#[tokio::test]
async fn lambda_permission_standard_and_conflict() {
    let (_moto, aws, role_arn, dir) =
        with_source("src/index.js", "exports.handler = async () => 1;\n").await;
    let fp = lambda_function::Provider::new(&aws);
    let fctx = OpContext::new("lambda-function.f", "ecogy", "dev");
    let d = function(&fp, &fctx, dir.path(), "target", &role_arn);
    fp.create(&fctx, &d, "t").await.unwrap();

    let p = lambda_permission::Provider::new(&aws);
    let ctx = OpContext::new("lambda-permission.api", "ecogy", "dev");
    let desired = Attrs::from([
        ("function".to_string(), s("target")),
        ("principal".to_string(), s("apigateway.amazonaws.com")),
        (
            "source-arn".to_string(),
            s("arn:aws:execute-api:us-east-1:123456789012:abc123/*/*"),
        ),
    ]);
    standard_unchanged(&p, &ctx, &desired).await;

    let live = p.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(live.id, "target/eco-lambda-permission-api");
    assert_eq!(live.attrs["action"], s("lambda:InvokeFunction"));
    let imported = p
        .import(&ctx, "target/eco-lambda-permission-api")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(imported.attrs, live.attrs);
    // The same statement id granting something else: a conflict, not a silent adoption.
    let mut other = desired.clone();
    other.insert("principal".into(), s("s3.amazonaws.com"));
    let err = p.create(&ctx, &other, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    // The function gone: the permission reads as gone, and deleting it is success.
    fp.delete(&fctx, "target", &Attrs::new()).await.unwrap();
    assert_eq!(p.read(&ctx, &live.id).await.unwrap(), None);
    p.delete(&ctx, &live.id, &live.attrs).await.unwrap();
}

use eco_aws::resources::{api, api_authorizer, api_integration, api_route, api_stage};
use eco_provider::values::{list, map, s, tags};

async fn make_api(aws: &eco_aws::Aws, name: &str) -> String {
    let p = api::Provider::new(aws);
    let ctx = OpContext::new(format!("api.{name}"), "ecogy", "dev");
    let d = Attrs::from([
        ("name".to_string(), s(name)),
        ("tags".to_string(), tags(&ctx, &[])),
    ]);
    p.create(&ctx, &d, "t").await.unwrap().id
}

#[tokio::test]
async fn api_standard() {
    let (_moto, aws) = setup();
    let p = api::Provider::new(&aws);
    let ctx = OpContext::new("api.main", "ecogy", "dev");
    let cors = |origin: &str| {
        Value::Map(BTreeMap::from([
            ("allow-origins".to_string(), list(&[origin])),
            ("allow-methods".to_string(), list(&["GET", "POST"])),
            ("max-age".to_string(), Value::Int(3600)),
        ]))
    };
    let desired = Attrs::from([
        ("name".to_string(), s("ecogy-dev-api")),
        ("description".to_string(), s("the API")),
        ("cors".to_string(), cors("https://a.example")),
        ("tags".to_string(), tags(&ctx, &[("team", "platform")])),
    ]);
    let mut updated = desired.clone();
    updated.insert("name".into(), s("ecogy-dev-api2"));
    updated.insert("cors".into(), cors("https://b.example"));
    updated.insert("tags".into(), tags(&ctx, &[("team", "api")]));
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: desired.clone(),
        updated,
        changed: ["name", "cors", "tags"].map(String::from).to_vec(),
        token: "t".into(),
    })
    .await;
    let live = p.create(&ctx, &desired, "t").await.unwrap();
    let id = &live.id;
    assert_eq!(live.attrs["protocol-type"], s("HTTP"));
    assert!(live.attrs["execution-arn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:execute-api:us-east-1:"));
    assert!(live.attrs["execution-arn"]
        .as_str()
        .unwrap()
        .ends_with(&format!(":{id}")));
    // CORS removed from the configuration after being set: DeleteCorsConfiguration.
    let mut no_cors = desired.clone();
    no_cors.remove("cors");
    let after = p
        .update(&ctx, id, &live.attrs, &no_cors, &["cors".into()])
        .await
        .unwrap();
    assert!(!after.attrs.contains_key("cors"), "{:#?}", after.attrs);
    // Another project's API of the same name is not found as ours.
    let other = OpContext::new("api.main", "other", "dev");
    assert_eq!(p.find(&other, &desired, "t").await.unwrap(), None);
}

#[tokio::test]
async fn api_integration_and_route_standard() {
    let (_moto, aws) = setup();
    let api_id = make_api(&aws, "main").await;
    let ip = api_integration::Provider::new(&aws);
    let ictx = OpContext::new("api-integration.assets", "ecogy", "dev");
    let fn_arn = "arn:aws:lambda:us-east-1:123456789012:function:assets";
    let idesired = Attrs::from([
        ("api".to_string(), s(&api_id)),
        ("type".to_string(), s("AWS_PROXY")),
        ("uri".to_string(), s(fn_arn)),
        ("payload-format-version".to_string(), s("2.0")),
    ]);
    let mut iupdated = idesired.clone();
    iupdated.insert("timeout-ms".into(), Value::Int(10000));
    iupdated.insert("description".into(), s("assets"));
    standard::run(Case {
        provider: &ip,
        ctx: ictx.clone(),
        desired: idesired.clone(),
        updated: iupdated,
        changed: ["timeout-ms", "description"].map(String::from).to_vec(),
        token: "t".into(),
    })
    .await;
    let integration = ip.create(&ictx, &idesired, "t").await.unwrap();
    assert!(integration.id.starts_with(&format!("{api_id}/")));
    let integration_id = integration.attrs["id"].as_str().unwrap().to_string();
    let other = ip
        .create(
            &ictx,
            &{
                let mut d = idesired.clone();
                d.insert(
                    "uri".into(),
                    s("arn:aws:lambda:us-east-1:123456789012:function:users"),
                );
                d
            },
            "t2",
        )
        .await
        .unwrap();
    let other_id = other.attrs["id"].as_str().unwrap().to_string();
    assert_ne!(other_id, integration_id);

    let rp = api_route::Provider::new(&aws);
    let rctx = OpContext::new("api-route.list", "ecogy", "dev");
    let rdesired = Attrs::from([
        ("api".to_string(), s(&api_id)),
        ("route-key".to_string(), s("GET /assets")),
        ("integration".to_string(), s(&integration_id)),
    ]);
    let mut rupdated = rdesired.clone();
    rupdated.insert("route-key".into(), s("GET /assets/{id}"));
    rupdated.insert("integration".into(), s(&other_id));
    standard::run(Case {
        provider: &rp,
        ctx: rctx,
        desired: rdesired,
        updated: rupdated,
        changed: ["route-key", "integration"].map(String::from).to_vec(),
        token: "t".into(),
    })
    .await;
}

#[tokio::test]
async fn api_stage_standard() {
    let (_moto, aws) = setup();
    let api_id = make_api(&aws, "main").await;
    let p = api_stage::Provider::new(&aws);
    let ctx = OpContext::new("api-stage.default", "ecogy", "dev");
    let desired = Attrs::from([
        ("api".to_string(), s(&api_id)),
        ("name".to_string(), s("$default")),
        ("auto-deploy".to_string(), Value::Bool(true)),
        (
            "throttling".to_string(),
            Value::Map(BTreeMap::from([
                ("burst-limit".to_string(), Value::Int(200)),
                ("rate-limit".to_string(), Value::Float(100.0)),
            ])),
        ),
        ("stage-variables".to_string(), map(&[("mode", s("live"))])),
        ("tags".to_string(), tags(&ctx, &[])),
    ]);
    // moto has neither UpdateStage nor TagResource on stage ARNs (404): no in-place change
    // runs against it here; the UpdateStage and tag requests are unit-tested in the module.
    standard_unchanged(&p, &ctx, &desired).await;
    let live = p.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(live.id, format!("{api_id}/$default"));
    assert_eq!(
        live.attrs["invoke-url"],
        s(&format!(
            "https://{api_id}.execute-api.us-east-1.amazonaws.com/"
        ))
    );
    let other = OpContext::new("api-stage.default", "other", "dev");
    assert_eq!(
        p.find(&other, &desired, "t").await.unwrap_err().kind,
        ErrorKind::Conflict
    );
}

#[tokio::test]
async fn api_authorizer_create_read_update_delete() {
    let (_moto, aws) = setup();
    let api_id = make_api(&aws, "main").await;
    let p = api_authorizer::Provider::new(&aws);
    let ctx = OpContext::new("api-authorizer.cognito", "ecogy", "dev");
    let jwt = |aud: &str| {
        Value::Map(BTreeMap::from([
            (
                "issuer".to_string(),
                s("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"),
            ),
            ("audience".to_string(), list(&[aud])),
        ]))
    };
    let desired = Attrs::from([
        ("api".to_string(), s(&api_id)),
        ("name".to_string(), s("cognito")),
        ("type".to_string(), s("JWT")),
        (
            "identity-sources".to_string(),
            list(&["$request.header.Authorization"]),
        ),
        ("jwt".to_string(), jwt("client-1")),
    ]);
    let live = p.create(&ctx, &desired, "t").await.unwrap();
    standard::assert_attrs_match("create", &desired, &live.attrs);
    let read = p.read(&ctx, &live.id).await.unwrap().unwrap();
    standard::assert_attrs_match("read", &desired, &read.attrs);
    let mut updated = desired.clone();
    updated.insert("jwt".into(), jwt("client-2"));
    let after = p
        .update(&ctx, &live.id, &read.attrs, &updated, &["jwt".into()])
        .await
        .unwrap();
    standard::assert_attrs_match("update", &updated, &after.attrs);
    p.delete(&ctx, &live.id, &after.attrs).await.unwrap();
    p.delete(&ctx, &live.id, &after.attrs).await.unwrap();
    assert_eq!(p.read(&ctx, &live.id).await.unwrap(), None);
}

/// The standard replacement test of an API: another protocol (fixed at creation), in both
/// orders; APIs are found by ownership tags alone, so the replacement's create must not adopt
/// the API it replaces.
#[tokio::test]
async fn api_standard_replacement() {
    let (_moto, aws) = setup();
    let p = api::Provider::new(&aws);
    let ctx = OpContext::new("api.main", "ecogy", "dev");
    let desired = Attrs::from([
        ("name".to_string(), s("ecogy-dev-api")),
        ("tags".to_string(), tags(&ctx, &[])),
    ]);
    let mut replaced = desired.clone();
    replaced.insert("protocol-type".into(), s("WEBSOCKET"));
    replaced.insert(
        "route-selection-expression".into(),
        s("$request.body.action"),
    );
    standard::replace(standard::Replacement {
        provider: &p,
        ctx,
        desired,
        replaced,
        beside: true,
    })
    .await;
}

/// The standard replacement test of a function: another name (a function's identity), in both
/// orders.
#[tokio::test]
async fn lambda_function_standard_replacement() {
    let (_moto, aws, role, dir) = with_source(
        "src/index.js",
        "exports.handler = async () => ({ statusCode: 200 });\n",
    )
    .await;
    let p = lambda_function::Provider::new(&aws);
    let ctx = OpContext::new("lambda-function.api", "ecogy", "dev");
    let mut desired = function(&p, &ctx, dir.path(), "ecogy-dev-old", &role);
    let mut replaced = function(&p, &ctx, dir.path(), "ecogy-dev-new", &role);
    // `source` is eco-only (never read back); see lambda_function_standard.
    desired.remove("source");
    replaced.remove("source");
    standard::replace(standard::Replacement {
        provider: &p,
        ctx,
        desired,
        replaced,
        beside: true,
    })
    .await;
}

/// The standard replacement tests of an API's children: moved to another API (an integration, a
/// route), or renamed (a stage), each fixed at creation; in both orders.
#[tokio::test]
async fn api_children_standard_replacement() {
    let (_moto, aws) = setup();
    let first = make_api(&aws, "main").await;
    let second = make_api(&aws, "next").await;
    let integration = |api: &str| {
        Attrs::from([
            ("api".to_string(), s(api)),
            ("type".to_string(), s("AWS_PROXY")),
            (
                "uri".to_string(),
                s("arn:aws:lambda:us-east-1:123456789012:function:assets"),
            ),
            ("payload-format-version".to_string(), s("2.0")),
        ])
    };
    standard::replace(standard::Replacement {
        provider: &api_integration::Provider::new(&aws),
        ctx: OpContext::new("api-integration.assets", "ecogy", "dev"),
        desired: integration(&first),
        replaced: integration(&second),
        beside: true,
    })
    .await;
    let route = |api: &str| {
        Attrs::from([
            ("api".to_string(), s(api)),
            ("route-key".to_string(), s("GET /assets")),
        ])
    };
    standard::replace(standard::Replacement {
        provider: &api_route::Provider::new(&aws),
        ctx: OpContext::new("api-route.list", "ecogy", "dev"),
        desired: route(&first),
        replaced: route(&second),
        beside: true,
    })
    .await;
    let ctx = OpContext::new("api-stage.default", "ecogy", "dev");
    let stage = |name: &str| {
        Attrs::from([
            ("api".to_string(), s(&first)),
            ("name".to_string(), s(name)),
            ("tags".to_string(), tags(&ctx, &[])),
        ])
    };
    standard::replace(standard::Replacement {
        provider: &api_stage::Provider::new(&aws),
        ctx: ctx.clone(),
        desired: stage("$default"),
        replaced: stage("v1"),
        beside: true,
    })
    .await;
}

/// The standard replacement test of a permission: another source under another statement id
/// (both fixed: AWS has no update of a policy statement), in both orders.
#[tokio::test]
async fn lambda_permission_standard_replacement() {
    let (_moto, aws, role_arn, dir) =
        with_source("src/index.js", "exports.handler = async () => 1;\n").await;
    let fp = lambda_function::Provider::new(&aws);
    let fctx = OpContext::new("lambda-function.f", "ecogy", "dev");
    let d = function(&fp, &fctx, dir.path(), "target", &role_arn);
    fp.create(&fctx, &d, "t").await.unwrap();
    let grant = |sid: &str, api: &str| {
        Attrs::from([
            ("function".to_string(), s("target")),
            ("statement-id".to_string(), s(sid)),
            ("principal".to_string(), s("apigateway.amazonaws.com")),
            (
                "source-arn".to_string(),
                s(&format!(
                    "arn:aws:execute-api:us-east-1:123456789012:{api}/*/*"
                )),
            ),
        ])
    };
    standard::replace(standard::Replacement {
        provider: &lambda_permission::Provider::new(&aws),
        ctx: OpContext::new("lambda-permission.api", "ecogy", "dev"),
        desired: grant("api-v1", "abc123"),
        replaced: grant("api-v2", "def456"),
        beside: true,
    })
    .await;
}
