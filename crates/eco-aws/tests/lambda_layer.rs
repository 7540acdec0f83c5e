//! `lambda-layer` against moto: the standard tests (a new content and description publish a
//! new version in place; the same content twice publishes nothing), replacement by another
//! name, a function using the layer's version ARN, import, listing and delete of every version.

use eco_aws::resources::lambda_function::{self, Architecture};
use eco_aws::resources::lambda_layer::{self, LambdaLayer};
use eco_aws::Aws;
use eco_provider::standard::{self, Case, Replacement};
use eco_provider::{OpContext, ResourceProvider};
use eco_schema::Spec;
use eco_test_support::Moto;

/// A layer source directory holding `text` in nodejs/node_modules/shared/index.js.
fn source(dir: &std::path::Path, rel: &str, text: &str) {
    let path = dir.join(rel).join("nodejs/node_modules/shared");
    std::fs::create_dir_all(&path).unwrap();
    std::fs::write(path.join("index.js"), text).unwrap();
}

/// The desired attributes of `layer`, expanded as a plan expands them (the source hash added).
fn expanded(
    p: &lambda_layer::Provider,
    dir: &std::path::Path,
    layer: &LambdaLayer,
) -> eco_provider::Attrs {
    let mut attrs = layer.to_attrs();
    p.expand(dir, &mut attrs).unwrap();
    attrs
}

#[tokio::test]
async fn layer_standard_publish_on_change_replace_import_and_list() {
    let moto = Moto::start();
    let aws = Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let p = lambda_layer::Provider::new(&aws);
    let dir = tempfile::tempdir().unwrap();
    source(dir.path(), "v1", "module.exports = 1;\n");
    source(dir.path(), "v2", "module.exports = 2;\n");
    let ctx = OpContext::new("lambda-layer.shared", "ecogy", "dev").with_base_dir(dir.path());
    let desired = LambdaLayer {
        name: "shared-deps".into(),
        source: Some("v1".into()),
        description: Some("shared modules".into()),
        compatible_runtimes: Some(vec!["nodejs20.x".into()]),
        compatible_architectures: Some(vec![Architecture::X86_64]),
        ..Default::default()
    };
    let mut updated = desired.clone();
    updated.source = Some("v2".into());
    updated.description = Some("shared modules, v2".into());
    updated.license = Some("MIT".into());
    let (d, u) = (
        expanded(&p, dir.path(), &desired),
        expanded(&p, dir.path(), &updated),
    );
    assert_ne!(d["source-hash"], u["source-hash"]);
    // The live read never reports `source` (it is eco's): compare without it.
    let strip = |mut a: eco_provider::Attrs| {
        a.remove("source");
        a
    };
    let first = p.create(&ctx, &d, "t").await.unwrap();
    assert_eq!(first.attrs["version"], eco_provider::Value::Int(1));
    p.delete(&ctx, &first.id, &first.attrs).await.unwrap();
    standard::run(Case {
        provider: &p,
        ctx: ctx.clone(),
        desired: strip(d.clone()),
        updated: strip(u.clone()),
        changed: vec![
            "source".into(),
            "source-hash".into(),
            "description".into(),
            "license".into(),
        ],
        token: "t".into(),
    })
    .await;

    // Another name replaces the layer, beside the old one.
    let mut other = desired.clone();
    other.name = "shared-deps-b".into();
    standard::replace(Replacement {
        provider: &p,
        ctx: ctx.clone(),
        desired: strip(d.clone()),
        replaced: strip(expanded(&p, dir.path(), &other)),
        beside: true,
    })
    .await;

    // A content change publishes a version; the same content again publishes none.
    let made = p.create(&ctx, &d, "t").await.unwrap();
    let v1 = made.attrs["version-arn"].clone();
    let changed: Vec<String> = ["source", "source-hash", "description", "license"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    let v2 = p
        .update(&ctx, &made.id, &made.attrs, &u, &changed)
        .await
        .unwrap();
    assert_ne!(v2.attrs["version-arn"], v1);
    let again = p
        .update(&ctx, &made.id, &v2.attrs, &u, &changed)
        .await
        .unwrap();
    assert_eq!(again.attrs["version-arn"], v2.attrs["version-arn"]);
    let versions = aws
        .lambda()
        .list_layer_versions()
        .layer_name("shared-deps")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.layer_versions().len(), 2);

    // A function takes the version ARN.
    common_role(&aws).await;
    let code = tempfile::tempdir().unwrap();
    std::fs::write(
        code.path().join("index.js"),
        "exports.handler = async () => 1;\n",
    )
    .unwrap();
    let zip = lambda_function::package_dir(code.path()).unwrap();
    let version_arn = v2.attrs["version-arn"].as_str().unwrap().to_string();
    let function = aws
        .lambda()
        .create_function()
        .function_name("uses-layer")
        .runtime(aws_sdk_lambda::types::Runtime::Nodejs20x)
        .handler("index.handler")
        .role("arn:aws:iam::123456789012:role/layer-user")
        .layers(&version_arn)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_sdk_lambda::primitives::Blob::new(zip))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(function.layers()[0].arn(), Some(version_arn.as_str()));

    // Import and listing; delete removes every version.
    let imported = p.import(&ctx, "shared-deps").await.unwrap().unwrap();
    let live = LambdaLayer::from_attrs(&imported.attrs).unwrap();
    assert_eq!(live.license.as_deref(), Some("MIT"));
    assert_eq!(live.version, Some(versions.layer_versions()[0].version()));
    let listed = p.list(&ctx).await.unwrap().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    p.delete(&ctx, "shared-deps", &imported.attrs)
        .await
        .unwrap();
    assert!(p.read(&ctx, "shared-deps").await.unwrap().is_none());
}

async fn common_role(aws: &Aws) {
    aws.iam()
        .create_role()
        .role_name("layer-user")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
        .send()
        .await
        .unwrap();
}
