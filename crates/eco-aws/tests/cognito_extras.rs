//! `cognito-user-pool-client`, `cognito-user-pool-domain` and `cognito-group` against moto:
//! standard tests per type, the full merged UpdateUserPoolClient (checked on the request moto
//! receives: moto merges where AWS resets, so only the request tells), the client secret, token
//! validity units, domain ownership, group updates that keep unchanged fields, imports.

use eco_aws::resources::{cognito_group, cognito_user_pool_client, cognito_user_pool_domain};
use eco_provider::standard::{self, Case};
use eco_provider::values::{attrs, list, map, s};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

fn with(a: &Attrs, changes: &[(&str, Value)]) -> Attrs {
    let mut a = a.clone();
    for (k, v) in changes {
        a.insert(k.to_string(), v.clone());
    }
    a
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// The standard tests of `provider` on the resource at `address`: create `desired`, then change
/// the attributes `changed` in place to `updated`.
async fn standard_tests(
    provider: &dyn ResourceProvider,
    address: &str,
    (desired, updated): (Attrs, Attrs),
    changed: &[&str],
    token: &str,
) {
    standard::run(Case {
        provider,
        ctx: OpContext::new(address, "ecogy", "dev"),
        desired,
        updated,
        changed: names(changed),
        token: token.into(),
    })
    .await;
}

/// The JSON body of the one `op` request moto recorded.
fn body_of_one(moto: &Moto, op: &str) -> serde_json::Value {
    let calls = moto.recorded_calls();
    let sent: Vec<_> = calls.iter().filter(|c| c.operation == op).collect();
    assert_eq!(sent.len(), 1, "{calls:#?}");
    serde_json::from_str(&sent[0].body).unwrap()
}

/// moto, clients for it, and a user pool to work in.
async fn setup() -> (Moto, eco_aws::Aws, String) {
    let moto = Moto::start();
    let aws = eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1");
    let pool = aws
        .cognito_idp()
        .create_user_pool()
        .pool_name("extras")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    (moto, aws, pool)
}

// ----------------------------------------------------------------------------------------------
// cognito-user-pool-client
// ----------------------------------------------------------------------------------------------

fn client_base(pool: &str) -> Attrs {
    attrs(&[
        ("user-pool", s(pool)),
        ("name", s("web")),
        (
            "explicit-auth-flows",
            list(&["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
        ),
        ("oauth-enabled", Value::Bool(true)),
        ("allowed-oauth-flows", list(&["code"])),
        ("allowed-oauth-scopes", list(&["openid", "email"])),
        ("callback-urls", list(&["https://app.example.com/cb"])),
        ("logout-urls", list(&["https://app.example.com/"])),
        ("identity-providers", list(&["COGNITO"])),
        ("read-attributes", list(&["email"])),
        ("prevent-user-existence-errors", s("ENABLED")),
        (
            "token-validity",
            map(&[
                ("access", Value::Int(1)),
                ("access-unit", s("hours")),
                ("id", Value::Int(1)),
                ("id-unit", s("hours")),
                ("refresh", Value::Int(30)),
                ("refresh-unit", s("days")),
            ]),
        ),
    ])
}

#[tokio::test]
async fn client_standard() {
    let (_moto, aws, pool) = setup().await;
    let p = cognito_user_pool_client::Provider::new(&aws);
    let desired = client_base(&pool);
    let updated = with(
        &desired,
        &[
            ("logout-urls", list(&["https://app.example.com/bye"])),
            (
                "token-validity",
                map(&[
                    ("access", Value::Int(30)),
                    ("access-unit", s("minutes")),
                    ("id", Value::Int(1)),
                    ("id-unit", s("hours")),
                    ("refresh", Value::Int(7)),
                    ("refresh-unit", s("days")),
                ]),
            ),
        ],
    );
    standard_tests(
        &p,
        "cognito-user-pool-client.web",
        (desired, updated),
        &["logout-urls", "token-validity"],
        "t-client",
    )
    .await;
}

#[tokio::test]
async fn client_update_sends_the_full_merged_configuration() {
    let (moto, aws, pool) = setup().await;
    let p = cognito_user_pool_client::Provider::new(&aws);
    let ctx = OpContext::new("cognito-user-pool-client.web", "ecogy", "dev");
    let desired = client_base(&pool);
    let made = p.create(&ctx, &desired, "t").await.unwrap();
    let want = with(
        &desired,
        &[("logout-urls", list(&["https://app.example.com/bye"]))],
    );
    moto.start_recording();
    let after = p
        .update(&ctx, &made.id, &made.attrs, &want, &names(&["logout-urls"]))
        .await
        .unwrap();
    let body = body_of_one(&moto, "UpdateUserPoolClient");
    // Only logout-urls changed, yet everything the client has is sent again: AWS resets what an
    // UpdateUserPoolClient omits.
    assert_eq!(
        body["LogoutURLs"],
        serde_json::json!(["https://app.example.com/bye"])
    );
    assert_eq!(body["ClientName"], "web");
    assert_eq!(
        body["CallbackURLs"],
        serde_json::json!(["https://app.example.com/cb"])
    );
    assert_eq!(body["AllowedOAuthFlows"], serde_json::json!(["code"]));
    assert_eq!(
        body["AllowedOAuthScopes"],
        serde_json::json!(["openid", "email"])
    );
    assert_eq!(body["AllowedOAuthFlowsUserPoolClient"], true);
    assert_eq!(
        body["ExplicitAuthFlows"],
        serde_json::json!(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    );
    assert_eq!(
        body["SupportedIdentityProviders"],
        serde_json::json!(["COGNITO"])
    );
    assert_eq!(body["ReadAttributes"], serde_json::json!(["email"]));
    assert_eq!(body["AccessTokenValidity"], 1);
    assert_eq!(body["RefreshTokenValidity"], 30);
    assert_eq!(body["TokenValidityUnits"]["AccessToken"], "hours");
    assert_eq!(body["PreventUserExistenceErrors"], "ENABLED");
    assert_eq!(
        after.attrs["callback-urls"],
        list(&["https://app.example.com/cb"])
    );
    // Nothing changed: no call at all.
    moto.start_recording();
    p.update(
        &ctx,
        &made.id,
        &after.attrs,
        &want,
        &names(&["logout-urls"]),
    )
    .await
    .unwrap();
    assert!(!moto
        .recorded_calls()
        .iter()
        .any(|c| c.operation == "UpdateUserPoolClient"));
}

#[tokio::test]
async fn client_secret_is_computed_and_generate_secret_is_fixed() {
    let (_moto, aws, pool) = setup().await;
    let p = cognito_user_pool_client::Provider::new(&aws);
    let ctx = OpContext::new("cognito-user-pool-client.api", "ecogy", "dev");
    let desired = attrs(&[
        ("user-pool", s(&pool)),
        ("name", s("api")),
        ("generate-secret", Value::Bool(true)),
    ]);
    let made = p.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(made.attrs["generate-secret"], Value::Bool(true));
    let secret = made.attrs["secret"].as_str().unwrap().to_string();
    assert!(!secret.is_empty());
    assert!(p.schema().attribute("secret").unwrap().sensitive);
    let id = made.attrs["id"].as_str().unwrap();
    assert_eq!(made.id, format!("{pool}/{id}"));
    // Import by POOL-ID/CLIENT-ID gives the same client, secret included.
    let imported = p.import(&ctx, &made.id).await.unwrap().unwrap();
    assert_eq!(imported.attrs["secret"], s(&secret));
    // A client of that name whose secret setting differs is not adopted.
    let other = with(&desired, &[("generate-secret", Value::Bool(false))]);
    let err = p.create(&ctx, &other, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict, "{err}");
    // Changing generate-secret is never done in place.
    let err = p
        .update(
            &ctx,
            &made.id,
            &made.attrs,
            &other,
            &names(&["generate-secret"]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(p.import(&ctx, "not-an-id").await.is_err());
}

// ----------------------------------------------------------------------------------------------
// cognito-user-pool-domain
// ----------------------------------------------------------------------------------------------

#[tokio::test]
async fn domain_standard() {
    let (_moto, aws, pool) = setup().await;
    let p = cognito_user_pool_domain::Provider::new(&aws);
    let desired = attrs(&[("domain", s("ecogy-dev-auth")), ("user-pool", s(&pool))]);
    // moto stores neither the managed login version nor the custom domain configuration
    // (docs/testing.md): the in-place path (UpdateUserPoolDomain) is unit-tested, and here the
    // update is the no-op one.
    standard_tests(
        &p,
        "cognito-user-pool-domain.hosted",
        (desired.clone(), desired),
        &[],
        "t-domain",
    )
    .await;
}

#[tokio::test]
async fn domain_of_another_pool_is_a_conflict_and_custom_domains_need_a_certificate() {
    let (_moto, aws, pool) = setup().await;
    let p = cognito_user_pool_domain::Provider::new(&aws);
    let ctx = OpContext::new("cognito-user-pool-domain.hosted", "ecogy", "dev");
    let other = aws
        .cognito_idp()
        .create_user_pool()
        .pool_name("other")
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    aws.cognito_idp()
        .create_user_pool_domain()
        .domain("taken-auth")
        .user_pool_id(&other)
        .send()
        .await
        .unwrap();
    let desired = attrs(&[("domain", s("taken-auth")), ("user-pool", s(&pool))]);
    let err = p.find(&ctx, &desired, "t").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(err.message.contains(&other), "{err}");
    assert_eq!(
        p.create(&ctx, &desired, "t").await.unwrap_err().kind,
        ErrorKind::Conflict
    );

    let custom = attrs(&[("domain", s("auth.example.com")), ("user-pool", s(&pool))]);
    assert_eq!(
        p.create(&ctx, &custom, "t").await.unwrap_err().kind,
        ErrorKind::Invalid
    );
    let cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
    let custom = with(&custom, &[("certificate", s(cert))]);
    let made = p.create(&ctx, &custom, "t").await.unwrap();
    assert_eq!(made.id, "auth.example.com");
    assert!(made.attrs["cloudfront-domain-name"]
        .as_str()
        .unwrap()
        .ends_with(".cloudfront.net"));
    assert_eq!(made.attrs["hosted-zone-id"], s("Z2FDTNDATAQYW2"));
    // Import by domain.
    let imported = p.import(&ctx, "auth.example.com").await.unwrap().unwrap();
    assert_eq!(imported.attrs["user-pool"], s(&pool));
    p.delete(&ctx, "auth.example.com", &made.attrs)
        .await
        .unwrap();
    assert_eq!(p.read(&ctx, "auth.example.com").await.unwrap(), None);
}

// ----------------------------------------------------------------------------------------------
// cognito-group
// ----------------------------------------------------------------------------------------------

const ROLE: &str = "arn:aws:iam::123456789012:role/admins";

#[tokio::test]
async fn group_standard() {
    let (_moto, aws, pool) = setup().await;
    let p = cognito_group::Provider::new(&aws);
    let desired = attrs(&[
        ("user-pool", s(&pool)),
        ("name", s("admins")),
        ("description", s("Administrators")),
        ("precedence", Value::Int(1)),
        ("role", s(ROLE)),
    ]);
    let updated = with(
        &desired,
        &[("description", s("Admins")), ("precedence", Value::Int(5))],
    );
    standard_tests(
        &p,
        "cognito-group.admins",
        (desired, updated),
        &["description", "precedence"],
        "t-group",
    )
    .await;
}

#[tokio::test]
async fn group_update_keeps_what_it_does_not_change_and_imports_by_pool_and_name() {
    let (moto, aws, pool) = setup().await;
    let p = cognito_group::Provider::new(&aws);
    let ctx = OpContext::new("cognito-group.admins", "ecogy", "dev");
    let desired = attrs(&[
        ("user-pool", s(&pool)),
        ("name", s("admins")),
        ("description", s("Administrators")),
        ("precedence", Value::Int(1)),
        ("role", s(ROLE)),
    ]);
    let made = p.create(&ctx, &desired, "t").await.unwrap();
    assert_eq!(made.id, format!("{pool}/admins"));
    // The configuration no longer manages the role: UpdateGroup still carries the live one.
    let want = attrs(&[
        ("user-pool", s(&pool)),
        ("name", s("admins")),
        ("precedence", Value::Int(3)),
    ]);
    moto.start_recording();
    let after = p
        .update(&ctx, &made.id, &made.attrs, &want, &names(&["precedence"]))
        .await
        .unwrap();
    let body = body_of_one(&moto, "UpdateGroup");
    assert_eq!(body["Precedence"], 3);
    assert_eq!(body["RoleArn"], ROLE);
    assert_eq!(body["Description"], "Administrators");
    assert_eq!(after.attrs["role"], s(ROLE));
    assert_eq!(after.attrs["precedence"], Value::Int(3));
    let imported = p.import(&ctx, &made.id).await.unwrap().unwrap();
    assert_eq!(imported.attrs, after.attrs);
    assert_eq!(
        p.import(&ctx, "no-slash").await.unwrap_err().kind,
        ErrorKind::Invalid
    );
    // A group in a pool that is gone reads as gone.
    assert_eq!(p.read(&ctx, "us-east-1_gone/admins").await.unwrap(), None);
}

/// The standard replacement test of a group: another name (a group's identity in its pool), in
/// both orders.
#[tokio::test]
async fn group_standard_replacement() {
    let (_moto, aws, pool) = setup().await;
    let p = cognito_group::Provider::new(&aws);
    let desired = attrs(&[("user-pool", s(&pool)), ("name", s("admins"))]);
    let replaced = with(&desired, &[("name", s("operators"))]);
    eco_provider::standard::replace(eco_provider::standard::Replacement {
        provider: &p,
        ctx: OpContext::new("cognito-group.admins", "ecogy", "dev"),
        desired,
        replaced,
        beside: true,
    })
    .await;
}

/// The standard replacement test of an app client: a secret asked for (fixed at creation), in
/// both orders. Client names need not be unique in a pool, so the replacement has the old one's
/// name: find must pass over the client it replaces.
#[tokio::test]
async fn client_standard_replacement() {
    let (_moto, aws, pool) = setup().await;
    let p = cognito_user_pool_client::Provider::new(&aws);
    let desired = client_base(&pool);
    let replaced = with(&desired, &[("generate-secret", Value::Bool(true))]);
    eco_provider::standard::replace(eco_provider::standard::Replacement {
        provider: &p,
        ctx: OpContext::new("cognito-user-pool-client.web", "ecogy", "dev"),
        desired,
        replaced,
        beside: true,
    })
    .await;
}

/// The standard replacement test of a hosted UI domain: another domain (its identity), in both
/// orders.
#[tokio::test]
async fn domain_standard_replacement() {
    let (_moto, aws, pool) = setup().await;
    let p = cognito_user_pool_domain::Provider::new(&aws);
    eco_provider::standard::replace(eco_provider::standard::Replacement {
        provider: &p,
        ctx: OpContext::new("cognito-user-pool-domain.hosted", "ecogy", "dev"),
        desired: attrs(&[("domain", s("ecogy-dev-auth")), ("user-pool", s(&pool))]),
        replaced: attrs(&[("domain", s("ecogy-dev-login")), ("user-pool", s(&pool))]),
        beside: true,
    })
    .await;
}
