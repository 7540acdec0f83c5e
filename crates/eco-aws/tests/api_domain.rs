//! `api-domain` against moto: standard tests (a new mapping added in place), mappings created
//! with the domain and removed before it, ownership conflicts, import. moto lacks
//! UpdateDomainName and UpdateApiMapping: those requests are unit-tested in the module.

use std::collections::BTreeMap;

use eco_aws::resources::api_domain;
use eco_provider::standard::{self, Case};
use eco_provider::values::{s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/api";

fn mapping(key: &str, api: &str, stage: &str) -> Value {
    Value::Map(BTreeMap::from([
        ("key".to_string(), s(key)),
        ("api".to_string(), s(api)),
        ("stage".to_string(), s(stage)),
    ]))
}

/// moto, clients, and an HTTP API with stages `$default` and `v2`.
async fn setup() -> (Moto, eco_aws::Aws, String) {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let gw = aws.apigatewayv2();
    let api = gw
        .create_api()
        .name("domain-test")
        .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
        .send()
        .await
        .unwrap()
        .api_id
        .unwrap();
    for stage in ["$default", "v2"] {
        gw.create_stage()
            .api_id(&api)
            .stage_name(stage)
            .send()
            .await
            .unwrap();
    }
    (moto, aws, api)
}

fn desired(ctx: &OpContext, api: &str) -> Attrs {
    Attrs::from([
        ("domain-name".to_string(), s("api.example.com")),
        ("certificate".to_string(), s(CERT)),
        ("endpoint-type".to_string(), s("REGIONAL")),
        ("security-policy".to_string(), s("TLS_1_2")),
        (
            "mapping".to_string(),
            Value::List(vec![mapping("", api, "$default")]),
        ),
        ("tags".to_string(), tags(ctx, &[])),
    ])
}

#[tokio::test]
async fn api_domain_standard() {
    let (_moto, aws, api) = setup().await;
    let p = api_domain::Provider::new(&aws);
    let ctx = OpContext::new("api-domain.main", "ecogy", "dev");
    let desired = desired(&ctx, &api);
    let mut updated = desired.clone();
    updated.insert(
        "mapping".into(),
        Value::List(vec![
            mapping("", &api, "$default"),
            mapping("v2", &api, "v2"),
        ]),
    );
    standard::run(Case {
        provider: &p,
        ctx,
        desired,
        updated,
        changed: vec!["mapping".into()],
        token: "t-domain".into(),
    })
    .await;
}

#[tokio::test]
async fn mappings_follow_the_configuration_and_go_before_the_domain() {
    let (moto, aws, api) = setup().await;
    let p = api_domain::Provider::new(&aws);
    let ctx = OpContext::new("api-domain.main", "ecogy", "dev");
    let mut want = desired(&ctx, &api);
    want.insert(
        "mapping".into(),
        Value::List(vec![
            mapping("", &api, "$default"),
            mapping("v2", &api, "v2"),
        ]),
    );
    let made = p.create(&ctx, &want, "t").await.unwrap();
    assert_eq!(made.id, "api.example.com");
    assert_eq!(made.attrs["mapping"], want["mapping"]);
    assert_eq!(
        made.attrs["arn"],
        s("arn:aws:apigateway:us-east-1::/domainnames/api.example.com")
    );
    // Dropping a key deletes that mapping only.
    let mut fewer = want.clone();
    fewer.insert(
        "mapping".into(),
        Value::List(vec![mapping("v2", &api, "v2")]),
    );
    moto.start_recording();
    let after = p
        .update(&ctx, &made.id, &made.attrs, &fewer, &["mapping".into()])
        .await
        .unwrap();
    let ops: Vec<String> = moto
        .recorded_calls()
        .into_iter()
        .map(|c| c.operation)
        .filter(|o| !o.starts_with("GET"))
        .collect();
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert!(
        ops[0].starts_with("DELETE /v2/domainnames/api.example.com/apimappings/"),
        "{ops:?}"
    );
    assert_eq!(after.attrs["mapping"], fewer["mapping"]);
    // Import by domain name.
    let imported = p.import(&ctx, "api.example.com").await.unwrap().unwrap();
    assert_eq!(imported.attrs, after.attrs);
    // Delete removes the mappings, then the domain (moto, like AWS, keeps them otherwise).
    moto.start_recording();
    p.delete(&ctx, &made.id, &after.attrs).await.unwrap();
    let ops: Vec<String> = moto
        .recorded_calls()
        .into_iter()
        .map(|c| c.operation)
        .filter(|o| o.starts_with("DELETE"))
        .collect();
    assert_eq!(ops.len(), 2, "{ops:?}");
    assert!(ops[0].contains("/apimappings/"));
    assert_eq!(ops[1], "DELETE /v2/domainnames/api.example.com");
    assert_eq!(p.read(&ctx, "api.example.com").await.unwrap(), None);
}

#[tokio::test]
async fn a_domain_made_elsewhere_is_a_conflict_and_bad_input_is_refused_locally() {
    let (_moto, aws, api) = setup().await;
    let p = api_domain::Provider::new(&aws);
    let ctx = OpContext::new("api-domain.main", "ecogy", "dev");
    aws.apigatewayv2()
        .create_domain_name()
        .domain_name("api.example.com")
        .domain_name_configurations(
            aws_sdk_apigatewayv2::types::DomainNameConfiguration::builder()
                .certificate_arn(CERT)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let want = desired(&ctx, &api);
    let err = p.find(&ctx, &want, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(
        err.message
            .contains("eco import api-domain.main api.example.com"),
        "{err}"
    );
    assert_eq!(
        p.create(&ctx, &want, "t").await.unwrap_err().kind,
        ErrorKind::Conflict
    );

    let mut edge = desired(&ctx, &api);
    edge.insert("domain-name".into(), s("edge.example.com"));
    edge.insert("endpoint-type".into(), s("EDGE"));
    assert_eq!(
        p.create(&ctx, &edge, "t").await.unwrap_err().kind,
        ErrorKind::Invalid
    );
    let mut slash = desired(&ctx, &api);
    slash.insert("domain-name".into(), s("slash.example.com"));
    slash.insert(
        "mapping".into(),
        Value::List(vec![mapping("/v1", &api, "$default")]),
    );
    assert_eq!(
        p.create(&ctx, &slash, "t").await.unwrap_err().kind,
        ErrorKind::Invalid
    );
    assert_eq!(p.read(&ctx, "slash.example.com").await.unwrap(), None);
}

/// The standard replacement test of a custom domain: another domain name (its identity), in both
/// orders (the mappings go with each).
#[tokio::test]
async fn api_domain_standard_replacement() {
    let (_moto, aws, api) = setup().await;
    let p = api_domain::Provider::new(&aws);
    let ctx = OpContext::new("api-domain.main", "ecogy", "dev");
    let desired = desired(&ctx, &api);
    let mut replaced = desired.clone();
    replaced.insert("domain-name".into(), s("api2.example.com"));
    standard::replace(standard::Replacement {
        provider: &p,
        ctx,
        desired,
        replaced,
        beside: true,
    })
    .await;
}
