//! Unit tests of `cognito-user-pool`: the requests built from the typed spec and the live pool,
//! and the read mapping; the calls themselves are tested against moto in tests/cognito.rs.

use std::collections::BTreeMap;

use aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder;
use aws_sdk_cognitoidentityprovider::operation::get_user_pool_mfa_config::GetUserPoolMfaConfigOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, DeletionProtectionType, LambdaConfigType, PasswordPolicyType,
    SchemaAttributeType, SoftwareTokenMfaConfigType, StringAttributeConstraintsType,
    UserPoolMfaType, UserPoolPolicyType, UserPoolType, VerificationMessageTemplateType,
};
use eco_provider::values::{map, s};
use eco_provider::{Attrs, ErrorKind, OpError, Value};
use eco_schema::spec::read_field;

use super::read::to_attrs;
use super::requests::{create_request, update_request, PoolConfig};
use super::spec::{CognitoUserPool, CustomAttribute, PasswordPolicy};
use super::updates::new_customs;

fn client() -> aws_sdk_cognitoidentityprovider::Client {
    crate::aws::offline().cognito_idp()
}

/// The password policy a request sends.
fn password(policies: &Option<UserPoolPolicyType>) -> &PasswordPolicyType {
    policies.as_ref().unwrap().password_policy().unwrap()
}

/// CreateUserPool for a configuration.
fn create(desired: &Attrs) -> Result<CreateUserPoolFluentBuilder, OpError> {
    let op = "CreateUserPool";
    let want: CognitoUserPool = crate::attrs::spec_of(desired, super::TYPE_NAME, op)?;
    create_request(&client(), &want, desired, op)
}

/// The custom attributes of `want` that `live` lacks (`custom-attribute` of each).
fn customs_new(want: &Attrs, live: &Attrs) -> Result<Vec<CustomAttribute>, OpError> {
    let customs =
        |a: &Attrs| read_field::<Vec<CustomAttribute>>(a, "custom-attribute", "").unwrap();
    new_customs(
        &super::schema(),
        &customs(want),
        &customs(live),
        "AddCustomAttributes",
    )
}

fn live_pool() -> UserPoolType {
    UserPoolType::builder()
        .id("us-east-1_abc")
        .name("users")
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(12)
                        .require_symbols(false)
                        .require_numbers(true)
                        .temporary_password_validity_days(3)
                        .build(),
                )
                .build(),
        )
        .mfa_configuration(UserPoolMfaType::Optional)
        .verification_message_template(
            VerificationMessageTemplateType::builder()
                .email_subject("Your code")
                .email_message("Code {####}")
                .build(),
        )
        .lambda_config(
            LambdaConfigType::builder()
                .pre_sign_up("arn:aws:lambda:x")
                .build(),
        )
        .deletion_protection(DeletionProtectionType::Active)
        .user_pool_tags("team", "platform")
        .schema_attributes(
            SchemaAttributeType::builder()
                .name("dev:custom:secret")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .max_length("32")
                        .build(),
                )
                .build(),
        )
        .schema_attributes(
            SchemaAttributeType::builder()
                .name("email")
                .required(true)
                .mutable(true)
                .build(),
        )
        .estimated_number_of_users(7)
        .build()
}

#[test]
fn update_user_pool_carries_the_full_merged_configuration() {
    let pool = live_pool();
    let current = PoolConfig::from_live(&pool, Some(UserPoolMfaType::Optional));
    let mut merged = current.clone();
    let want = CognitoUserPool {
        tags: BTreeMap::from([("team".to_string(), "auth".to_string())]),
        ..CognitoUserPool::default()
    };
    merged
        .overlay(&want, &["tags".to_string()], "UpdateUserPool")
        .unwrap();
    let req = update_request(&client(), "us-east-1_abc", &merged);
    let input = req.as_input();
    assert_eq!(input.get_user_pool_tags().as_ref().unwrap()["team"], "auth");
    let pp = password(input.get_policies());
    assert_eq!(pp.minimum_length(), Some(12));
    assert!(!pp.require_symbols());
    assert_eq!(pp.temporary_password_validity_days(), 3);
    assert_eq!(
        input.get_mfa_configuration(),
        &Some(UserPoolMfaType::Optional)
    );
    assert_eq!(
        input
            .get_verification_message_template()
            .as_ref()
            .unwrap()
            .email_subject(),
        Some("Your code")
    );
    assert_eq!(
        input.get_lambda_config().as_ref().unwrap().pre_sign_up(),
        Some("arn:aws:lambda:x")
    );
    assert_eq!(
        input.get_deletion_protection(),
        &Some(DeletionProtectionType::Active)
    );
    assert_eq!(input.get_pool_name().as_deref(), Some("users"));
}

#[test]
fn a_partial_block_changes_only_its_declared_fields() {
    let mut c = PoolConfig::from_live(&live_pool(), None);
    let want = CognitoUserPool {
        password_policy: Some(PasswordPolicy {
            min_length: Some(14),
            ..PasswordPolicy::default()
        }),
        ..CognitoUserPool::default()
    };
    c.overlay(&want, &["password-policy".to_string()], "UpdateUserPool")
        .unwrap();
    let pp = c.policies.unwrap().password_policy.unwrap();
    assert_eq!(pp.minimum_length, Some(14));
    assert!(!pp.require_symbols, "kept from AWS");
    assert_eq!(pp.temporary_password_validity_days, 3, "kept from AWS");
}

#[test]
fn create_turns_deletion_protection_on_and_uses_aws_password_defaults() {
    let want = Attrs::from([
        ("name".to_string(), s("users")),
        (
            "password-policy".to_string(),
            map(&[("min-length", Value::Int(12))]),
        ),
        (
            "custom-attribute".to_string(),
            Value::List(vec![map(&[
                ("name", s("seats")),
                ("type", s("Number")),
                ("min-value", Value::Int(0)),
                ("max-value", Value::Int(100)),
            ])]),
        ),
    ]);
    let req = create(&want).unwrap();
    let input = req.as_input();
    assert_eq!(
        input.get_deletion_protection(),
        &Some(DeletionProtectionType::Active)
    );
    let pp = password(input.get_policies());
    assert_eq!(pp.minimum_length(), Some(12));
    assert!(pp.require_symbols() && pp.require_uppercase());
    assert_eq!(pp.temporary_password_validity_days(), 7);
    let schema = input.get_schema().as_ref().unwrap();
    assert_eq!(schema[0].name(), Some("seats"));
    assert_eq!(
        schema[0]
            .number_attribute_constraints()
            .unwrap()
            .max_value(),
        Some("100")
    );
    let off = Attrs::from([
        ("name".to_string(), s("users")),
        ("deletion-protection".to_string(), Value::Bool(false)),
    ]);
    let req = create(&off).unwrap();
    assert_eq!(
        req.as_input().get_deletion_protection(),
        &Some(DeletionProtectionType::Inactive)
    );
}

#[test]
fn read_reports_configuration_shape() {
    let mfa = GetUserPoolMfaConfigOutput::builder()
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            SoftwareTokenMfaConfigType::builder().enabled(true).build(),
        )
        .build();
    let a = to_attrs(&live_pool(), &mfa);
    assert_eq!(
        a["custom-attribute"],
        Value::List(vec![map(&[
            ("name", s("secret")),
            ("type", s("String")),
            ("mutable", Value::Bool(true)),
            ("developer-only", Value::Bool(true)),
            ("max-length", Value::Int(32)),
        ])])
    );
    assert_eq!(
        a["standard-attribute"],
        Value::List(vec![map(&[
            ("name", s("email")),
            ("required", Value::Bool(true)),
            ("mutable", Value::Bool(true)),
        ])])
    );
    assert_eq!(
        a["mfa"],
        map(&[
            ("mode", s("OPTIONAL")),
            ("software-token", Value::Bool(true)),
            ("sms", Value::Bool(false)),
            ("email", Value::Bool(false)),
        ])
    );
    assert_eq!(a["deletion-protection"], Value::Bool(true));
    assert_eq!(a["estimated-users"], Value::Int(7));
    assert_eq!(
        a["issuer"],
        s("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc")
    );
}

#[test]
fn existing_custom_attributes_never_change_through_update() {
    let live = to_attrs(&live_pool(), &GetUserPoolMfaConfigOutput::builder().build());
    let same = Attrs::from([(
        "custom-attribute".to_string(),
        Value::List(vec![
            map(&[("name", s("secret")), ("max-length", Value::Int(32))]),
            map(&[("name", s("plan"))]),
        ]),
    )]);
    let new = customs_new(&same, &live).unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].name, "plan");
    let changed = Attrs::from([(
        "custom-attribute".to_string(),
        Value::List(vec![map(&[
            ("name", s("secret")),
            ("max-length", Value::Int(64)),
        ])]),
    )]);
    assert_eq!(
        customs_new(&changed, &live).unwrap_err().kind,
        ErrorKind::Invalid
    );
}

/// Records the body of the request about to go out, then stops it (nothing is sent).
#[derive(Debug, Clone, Default)]
struct WireBody(std::sync::Arc<std::sync::Mutex<Option<serde_json::Value>>>);

impl aws_smithy_runtime_api::client::interceptors::Intercept for WireBody {
    fn name(&self) -> &'static str {
        "WireBody"
    }

    fn read_before_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let body = context.request().body().bytes().unwrap_or_default();
        *self.0.lock().unwrap() = serde_json::from_slice(body).ok();
        Err("recorded; not sent".into())
    }
}

/// The UpdateUserPool AWS gets for a pool whose temporary-password validity is set (and whose
/// DescribeUserPool mirrors it into the legacy UnusedAccountValidityDays, as AWS does): the
/// password policy carries the validity, AdminCreateUserConfig keeps its settings and carries no
/// UnusedAccountValidityDays, which AWS refuses beside it.
#[tokio::test]
async fn update_user_pool_sends_the_temporary_password_validity_without_the_legacy_field() {
    use super::requests::OmitUnusedAccountValidityDays;
    use aws_sdk_cognitoidentityprovider::types::AdminCreateUserConfigType;
    let pool = UserPoolType::builder()
        .set_policies(live_pool().policies)
        .name("users")
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .unused_account_validity_days(3)
                .build(),
        )
        .build();
    let current = PoolConfig::from_live(&pool, Some(UserPoolMfaType::Off));
    let mut merged = current.clone();
    let want = CognitoUserPool {
        tags: BTreeMap::from([("team".to_string(), "auth".to_string())]),
        ..CognitoUserPool::default()
    };
    merged
        .overlay(&want, &["tags".to_string()], "UpdateUserPool")
        .unwrap();
    let merged = &merged;
    let wire = |omit: bool| async move {
        let seen = WireBody::default();
        let req = update_request(&client(), "us-east-1_abc", merged).customize();
        let req = if omit {
            req.interceptor(OmitUnusedAccountValidityDays)
        } else {
            req
        };
        assert!(req.interceptor(seen.clone()).send().await.is_err());
        let body = seen.0.lock().unwrap().take();
        body.expect("a JSON body")
    };
    // What the SDK alone would send (why eco leaves it out).
    let plain = wire(false).await;
    assert_eq!(
        plain["AdminCreateUserConfig"]["UnusedAccountValidityDays"],
        3
    );
    let body = wire(true).await;
    assert_eq!(
        body["Policies"]["PasswordPolicy"]["TemporaryPasswordValidityDays"],
        3
    );
    assert_eq!(body["Policies"]["PasswordPolicy"]["MinimumLength"], 12);
    let admin = body["AdminCreateUserConfig"].as_object().unwrap();
    assert_eq!(
        admin.get("AllowAdminCreateUserOnly"),
        Some(&serde_json::json!(true))
    );
    assert!(!admin.contains_key("UnusedAccountValidityDays"), "{body}");
    assert_eq!(body["UserPoolTags"]["team"], "auth");
    assert_eq!(body["UserPoolId"], "us-east-1_abc");
}

/// MFA OFF sends no factor: no SMS (even with an `sms` block and `sms=#true`), no email, the
/// software token disabled. ON sends the factors asked for.
#[test]
fn mfa_off_sends_no_sms_factor() {
    use super::spec::{Mfa, MfaMode};
    use super::updates::mfa_request;
    use aws_sdk_cognitoidentityprovider::types::SmsConfigurationType;
    let cfg = PoolConfig {
        sms: Some(
            SmsConfigurationType::builder()
                .sns_caller_arn("arn:aws:iam::123456789012:role/sns")
                .build(),
        ),
        ..PoolConfig::default()
    };
    let mfa = |mode| Mfa {
        mode: Some(mode),
        software_token: Some(true),
        sms: Some(true),
        email: Some(true),
    };
    let off = mfa_request(&client(), "p", &mfa(MfaMode::Off), &cfg).unwrap();
    let off = off.as_input();
    assert_eq!(off.get_mfa_configuration(), &Some(UserPoolMfaType::Off));
    assert!(off.get_sms_mfa_configuration().is_none());
    assert!(off.get_email_mfa_configuration().is_none());
    assert!(!off
        .get_software_token_mfa_configuration()
        .as_ref()
        .unwrap()
        .enabled());
    let on = mfa_request(&client(), "p", &mfa(MfaMode::On), &cfg).unwrap();
    let on = on.as_input();
    assert!(on.get_sms_mfa_configuration().is_some());
    assert!(on
        .get_software_token_mfa_configuration()
        .as_ref()
        .unwrap()
        .enabled());
}
