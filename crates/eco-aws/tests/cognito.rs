//! The Cognito family against moto: `cognito-user-pool` (standard tests, the full merged
//! UpdateUserPool, adding custom attributes in place to a pool with users, refusals, deletion
//! protection, ownership conflicts, import).

use std::collections::BTreeMap;

use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AttributeType, PasswordPolicyType, SchemaAttributeType,
    StringAttributeConstraintsType, UserPoolPolicyType,
};
use eco_aws::resources::cognito_user_pool;
use eco_provider::standard::{self, Case};
use eco_provider::values::{map, s, tags};
use eco_provider::{Attrs, ErrorKind, OpContext, ResourceProvider, Value};
use eco_test_support::Moto;

mod common;

fn ctx() -> OpContext {
    OpContext::new("cognito-user-pool.users", "ecogy", "dev")
}

fn custom(name: &str, extra: &[(&str, Value)]) -> Value {
    let mut e = vec![
        ("name", s(name)),
        ("type", s("String")),
        ("mutable", Value::Bool(true)),
        ("developer-only", Value::Bool(false)),
    ];
    e.extend(extra.iter().cloned());
    map(&e)
}

fn base(ctx: &OpContext, name: &str) -> Attrs {
    Attrs::from([
        ("name".to_string(), s(name)),
        (
            "custom-attribute".to_string(),
            Value::List(vec![custom("org", &[("max-length", Value::Int(64))])]),
        ),
        (
            "password-policy".to_string(),
            map(&[("min-length", Value::Int(12))]),
        ),
        ("tags".to_string(), tags(ctx, &[])),
    ])
}

fn setup() -> (Moto, eco_aws::Aws, cognito_user_pool::Provider) {
    common::setup(cognito_user_pool::Provider::new)
}

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

/// The operations of the calls moto recorded, in order.
fn operations(moto: &Moto) -> Vec<String> {
    moto.recorded_calls()
        .into_iter()
        .map(|c| c.operation)
        .collect()
}

/// Whether every field `want` declares is what `live` has (blocks: declared fields; repeated
/// blocks: by label), as the planner compares.
fn declared_match(want: &Value, live: Option<&Value>) -> bool {
    match (want, live) {
        (Value::Map(w), Some(Value::Map(l))) => w.iter().all(|(k, v)| declared_match(v, l.get(k))),
        (Value::List(w), Some(Value::List(l))) if w.iter().all(|x| matches!(x, Value::Map(_))) => {
            w.len() <= l.len()
                && w.iter().all(|wi| {
                    let Value::Map(wm) = wi else { return false };
                    l.iter().any(|li| {
                        matches!(li, Value::Map(lm) if lm.get("name") == wm.get("name"))
                            && declared_match(wi, Some(li))
                    })
                })
        }
        (w, l) => Some(w) == l,
    }
}

fn assert_declared(what: &str, want: &Attrs, live: &Attrs) {
    for (k, v) in want {
        assert!(
            declared_match(v, live.get(k)),
            "{what}: `{k}` differs: want {v}, live {:?}",
            live.get(k)
        );
    }
}

/// A whole password policy (the standard tests compare blocks whole).
fn policy(min: i64) -> Value {
    map(&[
        ("min-length", Value::Int(min)),
        ("require-uppercase", Value::Bool(true)),
        ("require-lowercase", Value::Bool(true)),
        ("require-numbers", Value::Bool(true)),
        ("require-symbols", Value::Bool(false)),
        ("temporary-password-validity-days", Value::Int(7)),
    ])
}

#[tokio::test]
async fn standard() {
    let (_moto, _aws, provider) = setup();
    let ctx = ctx();
    let desired = with(
        &base(&ctx, "ecogy-dev-users"),
        &[
            ("deletion-protection", Value::Bool(false)),
            ("password-policy", policy(12)),
        ],
    );
    let updated = with(
        &desired,
        &[
            ("password-policy", policy(14)),
            ("tags", tags(&ctx, &[("team", "platform")])),
        ],
    );
    standard::run(Case {
        provider: &provider,
        ctx,
        desired,
        updated,
        changed: names(&["password-policy", "tags"]),
        token: "tok-1".into(),
    })
    .await;
}

#[tokio::test]
async fn update_user_pool_keeps_every_field_it_is_not_asked_to_change() {
    let (moto, _aws, provider) = setup();
    let ctx = ctx();
    let desired = with(
        &base(&ctx, "ecogy-dev-users"),
        &[
            (
                "password-policy",
                map(&[
                    ("min-length", Value::Int(12)),
                    ("require-symbols", Value::Bool(false)),
                    ("temporary-password-validity-days", Value::Int(3)),
                ]),
            ),
            (
                "mfa",
                map(&[
                    ("mode", s("OPTIONAL")),
                    ("software-token", Value::Bool(true)),
                ]),
            ),
            (
                "verification-message",
                map(&[
                    ("email-subject", s("Your Ecogy code")),
                    ("email-message", s("Your code is {####}")),
                ]),
            ),
            (
                "admin-create-user",
                map(&[
                    ("admin-only", Value::Bool(true)),
                    ("invite-email-subject", s("Welcome to Ecogy")),
                ]),
            ),
            ("account-recovery", Value::List(vec![s("verified_email")])),
            ("auto-verify", Value::List(vec![s("email")])),
        ],
    );
    let live = provider.create(&ctx, &desired, "tok").await.unwrap();
    assert_declared("after create", &desired, &live.attrs);
    assert_eq!(
        live.attrs["deletion-protection"],
        Value::Bool(true),
        "on by default"
    );

    // Change one other field: everything else survives UpdateUserPool.
    let renamed = with(&desired, &[("tags", tags(&ctx, &[("cost", "auth")]))]);
    moto.start_recording();
    let after = provider
        .update(&ctx, &live.id, &live.attrs, &renamed, &names(&["tags"]))
        .await
        .unwrap();
    let calls = operations(&moto);
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.ends_with("UpdateUserPool"))
            .count(),
        1,
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.ends_with("SetUserPoolMfaConfig")),
        "{calls:?}"
    );
    assert_eq!(after.id, live.id);
    assert_declared("after the tag update", &renamed, &after.attrs);
    assert_eq!(after.attrs["deletion-protection"], Value::Bool(true));

    // Twice = once: the second identical update calls no UpdateUserPool.
    moto.start_recording();
    provider
        .update(&ctx, &live.id, &after.attrs, &renamed, &names(&["tags"]))
        .await
        .unwrap();
    let calls = operations(&moto);
    assert!(
        !calls.iter().any(|c| c.ends_with("UpdateUserPool")),
        "{calls:?}"
    );

    // MFA change goes through SetUserPoolMfaConfig and survives a later UpdateUserPool.
    let mfa_off = with(&renamed, &[("mfa", map(&[("mode", s("OFF"))]))]);
    let after = provider
        .update(&ctx, &live.id, &after.attrs, &mfa_off, &names(&["mfa"]))
        .await
        .unwrap();
    assert_declared("after mfa off", &mfa_off, &after.attrs);
    let again = with(&mfa_off, &[("auto-verify", Value::List(vec![]))]);
    let after = provider
        .update(
            &ctx,
            &live.id,
            &after.attrs,
            &again,
            &names(&["auto-verify"]),
        )
        .await
        .unwrap();
    assert_declared("after auto-verify", &again, &after.attrs);
}

async fn users(
    client: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_users()
            .user_pool_id(pool)
            .limit(60)
            .set_pagination_token(token.take())
            .send()
            .await
            .unwrap();
        for u in page.users() {
            out.insert(
                u.username().unwrap().to_string(),
                u.attributes()
                    .iter()
                    .map(|a| {
                        (
                            a.name().to_string(),
                            a.value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
            );
        }
        match page.pagination_token {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => return out,
        }
    }
}

#[tokio::test]
async fn a_pool_with_users_made_outside_eco_is_imported_and_gains_a_custom_attribute_in_place() {
    let (moto, aws, provider) = setup();
    let ctx = ctx();
    let client = aws.cognito_idp();
    let made = client
        .create_user_pool()
        .pool_name("ecogy-prod-users")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(12)
                        .require_uppercase(true)
                        .require_lowercase(true)
                        .require_numbers(true)
                        .require_symbols(false)
                        .temporary_password_validity_days(7)
                        .build(),
                )
                .build(),
        )
        .schema(
            SchemaAttributeType::builder()
                .name("org")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .max_length("64")
                        .build(),
                )
                .build(),
        )
        .user_pool_tags("eco:project", "ecogy")
        .user_pool_tags("eco:stage", "dev")
        .user_pool_tags("eco:address", "cognito-user-pool.users")
        .send()
        .await
        .unwrap();
    let id = made.user_pool().unwrap().id().unwrap().to_string();
    client
        .set_user_pool_mfa_config()
        .user_pool_id(&id)
        .mfa_configuration(aws_sdk_cognitoidentityprovider::types::UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            aws_sdk_cognitoidentityprovider::types::SoftwareTokenMfaConfigType::builder()
                .enabled(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    for i in 0..50 {
        client
            .admin_create_user()
            .user_pool_id(&id)
            .username(format!("user{i:02}"))
            .user_attributes(
                AttributeType::builder()
                    .name("custom:org")
                    .value(format!("org-{i}"))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }

    let imported = provider.import(&ctx, &id).await.unwrap().expect("imported");
    assert_eq!(imported.id, id);
    assert_eq!(imported.attrs["estimated-users"], Value::Int(50));
    let mut desired = Attrs::from([
        ("name".to_string(), s("ecogy-prod-users")),
        (
            "custom-attribute".to_string(),
            Value::List(vec![custom("org", &[("max-length", Value::Int(64))])]),
        ),
        (
            "password-policy".to_string(),
            map(&[
                ("min-length", Value::Int(12)),
                ("require-symbols", Value::Bool(false)),
            ]),
        ),
        (
            "mfa".to_string(),
            map(&[
                ("mode", s("OPTIONAL")),
                ("software-token", Value::Bool(true)),
            ]),
        ),
        ("tags".to_string(), tags(&ctx, &[])),
    ]);
    assert_declared(
        "imported vs a matching configuration",
        &desired,
        &imported.attrs,
    );

    // A second custom attribute: AddCustomAttributes only, same pool, users intact.
    desired.insert(
        "custom-attribute".into(),
        Value::List(vec![
            custom("org", &[("max-length", Value::Int(64))]),
            custom("plan", &[]),
        ]),
    );
    moto.start_recording();
    let after = provider
        .update(
            &ctx,
            &id,
            &imported.attrs,
            &desired,
            &names(&["custom-attribute"]),
        )
        .await
        .unwrap();
    let calls = operations(&moto);
    assert!(
        calls.iter().any(|c| c.ends_with("AddCustomAttributes")),
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.ends_with("UpdateUserPool")
            || c.ends_with("CreateUserPool")
            || c.ends_with("DeleteUserPool")),
        "{calls:?}"
    );
    assert_eq!(after.id, id);
    assert_declared("after adding `plan`", &desired, &after.attrs);
    let all = users(&client, &id).await;
    assert_eq!(all.len(), 50);
    for i in 0..50 {
        assert_eq!(
            all[&format!("user{i:02}")]["custom:org"],
            format!("org-{i}")
        );
    }

    // Changing an existing custom attribute is refused and changes nothing.
    let changed = with(
        &desired,
        &[(
            "custom-attribute",
            Value::List(vec![
                custom("org", &[("max-length", Value::Int(32))]),
                custom("plan", &[]),
            ]),
        )],
    );
    let err = provider
        .update(
            &ctx,
            &id,
            &after.attrs,
            &changed,
            &names(&["custom-attribute"]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("cannot change"), "{err}");
    let now = provider.read(&ctx, &id).await.unwrap().unwrap();
    assert_eq!(now.attrs, after.attrs);
}

#[tokio::test]
async fn deletion_protection_refuses_delete_until_lifted() {
    let (_moto, _aws, provider) = setup();
    let ctx = ctx();
    let desired = base(&ctx, "ecogy-dev-users");
    let live = provider.create(&ctx, &desired, "tok").await.unwrap();
    let err = provider
        .delete(&ctx, &live.id, &live.attrs)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(err.message.contains("deletion-protection #false"), "{err}");
    assert!(provider.read(&ctx, &live.id).await.unwrap().is_some());
    let off = with(&desired, &[("deletion-protection", Value::Bool(false))]);
    provider
        .update(
            &ctx,
            &live.id,
            &live.attrs,
            &off,
            &names(&["deletion-protection"]),
        )
        .await
        .unwrap();
    provider.delete(&ctx, &live.id, &live.attrs).await.unwrap();
    assert_eq!(provider.read(&ctx, &live.id).await.unwrap(), None);
}

#[tokio::test]
async fn someone_elses_pool_of_that_name_is_a_conflict_and_bad_values_are_refused_locally() {
    let (_moto, aws, provider) = setup();
    let ctx = ctx();
    aws.cognito_idp()
        .create_user_pool()
        .pool_name("by-hand")
        .send()
        .await
        .unwrap();
    let err = provider
        .create(&ctx, &base(&ctx, "by-hand"), "tok")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Conflict);
    assert!(
        err.message.contains("eco import cognito-user-pool.users"),
        "{err}"
    );

    for (attr, value) in [
        ("mfa", map(&[("mode", s("SOMETIMES"))])),
        ("password-policy", map(&[("min-length", Value::Int(3))])),
        (
            "custom-attribute",
            Value::List(vec![map(&[
                ("name", s("x")),
                ("type", s("Number")),
                ("max-length", Value::Int(3)),
            ])]),
        ),
        ("mfa", map(&[("mode", s("ON"))])),
    ] {
        let bad = with(&base(&ctx, "new-pool"), &[(attr, value)]);
        let err = provider.create(&ctx, &bad, "tok").await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid, "{attr}: {err}");
    }
}
