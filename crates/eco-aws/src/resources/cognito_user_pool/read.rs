//! What AWS reports, as the typed spec: DescribeUserPool and GetUserPoolMfaConfig ->
//! [`CognitoUserPool`].

use aws_sdk_cognitoidentityprovider::operation::get_user_pool_mfa_config::GetUserPoolMfaConfigOutput;
use aws_sdk_cognitoidentityprovider::types::{
    DeletionProtectionType, SchemaAttributeType, UserPoolMfaType, UserPoolType,
    VerificationMessageTemplateType,
};
use eco_provider::{Attrs, Value};
use eco_schema::{Spec, SpecEnum};

use super::spec::{
    AdminCreateUser, AliasAttribute, CognitoUserPool, CustomAttribute, DataType, Email,
    EmailOption, LambdaTriggers, Mfa, MfaMode, PasswordPolicy, RecoveryOption, SendingAccount, Sms,
    StandardAttribute, Tier, UsernameAttribute, VerificationMessage,
};

/// The verification template AWS has, built from the legacy fields when the template is absent.
pub fn live_template(p: &UserPoolType) -> Option<VerificationMessageTemplateType> {
    if let Some(t) = p.verification_message_template() {
        return Some(t.clone());
    }
    if p.email_verification_message().is_none()
        && p.email_verification_subject().is_none()
        && p.sms_verification_message().is_none()
    {
        return None;
    }
    Some(
        VerificationMessageTemplateType::builder()
            .set_email_message(p.email_verification_message().map(str::to_string))
            .set_email_subject(p.email_verification_subject().map(str::to_string))
            .set_sms_message(p.sms_verification_message().map(str::to_string))
            .build(),
    )
}

/// The MFA settings GetUserPoolMfaConfig reports, every field set.
pub fn mfa_of(m: &GetUserPoolMfaConfigOutput) -> Mfa {
    Mfa {
        mode: Some(
            m.mfa_configuration()
                .and_then(|c| MfaMode::parse(c.as_str()))
                .unwrap_or_default(),
        ),
        software_token: Some(
            m.software_token_mfa_configuration()
                .is_some_and(|t| t.enabled()),
        ),
        sms: Some(m.sms_mfa_configuration().is_some()),
        email: Some(m.email_mfa_configuration().is_some()),
    }
}

/// The SDK's value of an MFA mode.
pub fn sdk_mode(mode: MfaMode) -> UserPoolMfaType {
    UserPoolMfaType::from(mode.as_str())
}

fn parse_num(v: Option<&str>) -> Option<i64> {
    v.and_then(|x| x.parse::<i64>().ok())
}

fn owned(v: Option<&str>) -> Option<String> {
    v.map(str::to_string)
}

/// Values of a closed set AWS reports (one eco does not know yet is left out).
fn parsed<E: SpecEnum>(values: impl IntoIterator<Item = impl AsRef<str>>) -> Vec<E> {
    values
        .into_iter()
        .filter_map(|v| E::parse(v.as_ref()))
        .collect()
}

/// A custom attribute of the pool's schema (named `custom:NAME` or `dev:custom:NAME`).
fn custom_of(sa: &SchemaAttributeType, name: &str, dev: bool) -> CustomAttribute {
    let strings = sa.string_attribute_constraints();
    let numbers = sa.number_attribute_constraints();
    CustomAttribute {
        name: name.to_string(),
        ty: sa
            .attribute_data_type()
            .and_then(|t| DataType::parse(t.as_str())),
        mutable: Some(sa.mutable().unwrap_or(true)),
        developer_only: Some(dev || sa.developer_only_attribute().unwrap_or(false)),
        min_length: parse_num(strings.and_then(|c| c.min_length())),
        max_length: parse_num(strings.and_then(|c| c.max_length())),
        min_value: parse_num(numbers.and_then(|c| c.min_value())),
        max_value: parse_num(numbers.and_then(|c| c.max_value())),
    }
}

/// The standard and custom attributes of the pool's schema, each sorted by name.
fn attributes_of(p: &UserPoolType) -> (Vec<StandardAttribute>, Vec<CustomAttribute>) {
    let mut standard = Vec::new();
    let mut custom = Vec::new();
    for sa in p.schema_attributes() {
        let full = sa.name().unwrap_or_default();
        let dev = full.starts_with("dev:");
        let bare = full.trim_start_matches("dev:");
        if let Some(name) = bare.strip_prefix("custom:") {
            custom.push(custom_of(sa, name, dev));
        } else if !full.is_empty() {
            standard.push(StandardAttribute {
                name: full.to_string(),
                required: Some(sa.required().unwrap_or(false)),
                mutable: Some(sa.mutable().unwrap_or(true)),
            });
        }
    }
    standard.sort_by(|x, y| x.name.cmp(&y.name));
    custom.sort_by(|x, y| x.name.cmp(&y.name));
    (standard, custom)
}

fn password_policy_of(p: &UserPoolType) -> Option<PasswordPolicy> {
    let pp = p.policies().and_then(|x| x.password_policy())?;
    Some(PasswordPolicy {
        min_length: pp.minimum_length(),
        require_uppercase: Some(pp.require_uppercase()),
        require_lowercase: Some(pp.require_lowercase()),
        require_numbers: Some(pp.require_numbers()),
        require_symbols: Some(pp.require_symbols()),
        temporary_password_validity_days: Some(pp.temporary_password_validity_days()),
        password_history_size: pp.password_history_size(),
    })
}

fn account_recovery_of(p: &UserPoolType) -> Option<Vec<RecoveryOption>> {
    let r = p.account_recovery_setting()?;
    let mut opts: Vec<_> = r.recovery_mechanisms().iter().collect();
    opts.sort_by_key(|o| o.priority());
    Some(parsed(opts.iter().map(|o| o.name().as_str())))
}

fn email_of(p: &UserPoolType) -> Option<Email> {
    let e = p.email_configuration()?;
    Some(Email {
        sending_account: e
            .email_sending_account()
            .and_then(|x| SendingAccount::parse(x.as_str())),
        source_arn: owned(e.source_arn()),
        from: owned(e.from()),
        reply_to: owned(e.reply_to_email_address()),
        configuration_set: owned(e.configuration_set()),
    })
}

fn sms_of(p: &UserPoolType) -> Option<Sms> {
    let c = p.sms_configuration()?;
    Some(Sms {
        sns_caller_arn: c.sns_caller_arn().to_string(),
        external_id: owned(c.external_id()),
        sns_region: owned(c.sns_region()),
        authentication_message: owned(p.sms_authentication_message()),
    })
}

fn verification_of(p: &UserPoolType) -> Option<VerificationMessage> {
    let t = live_template(p)?;
    Some(VerificationMessage {
        default_email_option: t
            .default_email_option()
            .and_then(|x| EmailOption::parse(x.as_str())),
        email_subject: owned(t.email_subject()),
        email_message: owned(t.email_message()),
        email_subject_by_link: owned(t.email_subject_by_link()),
        email_message_by_link: owned(t.email_message_by_link()),
        sms_message: owned(t.sms_message()),
    })
}

fn admin_create_user_of(p: &UserPoolType) -> Option<AdminCreateUser> {
    let c = p.admin_create_user_config()?;
    let t = c.invite_message_template();
    Some(AdminCreateUser {
        admin_only: Some(c.allow_admin_create_user_only()),
        invite_email_subject: owned(t.and_then(|t| t.email_subject())),
        invite_email_message: owned(t.and_then(|t| t.email_message())),
        invite_sms_message: owned(t.and_then(|t| t.sms_message())),
    })
}

fn lambda_triggers_of(p: &UserPoolType) -> LambdaTriggers {
    let Some(l) = p.lambda_config() else {
        return LambdaTriggers::default();
    };
    LambdaTriggers {
        pre_sign_up: owned(l.pre_sign_up()),
        post_confirmation: owned(l.post_confirmation()),
        pre_authentication: owned(l.pre_authentication()),
        post_authentication: owned(l.post_authentication()),
        pre_token_generation: owned(l.pre_token_generation()),
        custom_message: owned(l.custom_message()),
        define_auth_challenge: owned(l.define_auth_challenge()),
        create_auth_challenge: owned(l.create_auth_challenge()),
        verify_auth_challenge_response: owned(l.verify_auth_challenge_response()),
        user_migration: owned(l.user_migration()),
    }
}

/// The live pool as the typed spec.
pub fn from_live(p: &UserPoolType, mfa: &GetUserPoolMfaConfigOutput) -> CognitoUserPool {
    let id = p.id().unwrap_or_default().to_string();
    let region = id.split('_').next().unwrap_or_default().to_string();
    let (standard, custom) = attributes_of(p);
    CognitoUserPool {
        name: p.name().unwrap_or_default().to_string(),
        username_attributes: Some(parsed::<UsernameAttribute>(
            p.username_attributes().iter().map(|v| v.as_str()),
        )),
        alias_attributes: Some(parsed::<AliasAttribute>(
            p.alias_attributes().iter().map(|v| v.as_str()),
        )),
        case_sensitive: p.username_configuration().map(|u| u.case_sensitive()),
        auto_verify: Some(
            p.auto_verified_attributes()
                .iter()
                .map(|v| v.as_str().to_string())
                .collect(),
        ),
        standard_attribute: standard,
        custom_attribute: custom,
        password_policy: password_policy_of(p),
        mfa: Some(mfa_of(mfa)),
        account_recovery: account_recovery_of(p),
        email: email_of(p),
        sms: sms_of(p),
        verification_message: verification_of(p),
        admin_create_user: admin_create_user_of(p),
        lambda_triggers: Some(lambda_triggers_of(p)),
        deletion_protection: Some(p.deletion_protection() == Some(&DeletionProtectionType::Active)),
        tier: p.user_pool_tier().and_then(|t| Tier::parse(t.as_str())),
        endpoint: Some(format!("cognito-idp.{region}.amazonaws.com/{id}")),
        issuer: Some(format!("https://cognito-idp.{region}.amazonaws.com/{id}")),
        id: Some(id),
        arn: Some(p.arn().unwrap_or_default().to_string()),
        estimated_users: Some(p.estimated_number_of_users().into()),
        tags: p
            .user_pool_tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    }
}

/// The live pool in configuration shape. A read reports what AWS has even when it is empty (no
/// username attributes, no custom attributes, no tags), as an empty list or map.
pub fn to_attrs(p: &UserPoolType, mfa: &GetUserPoolMfaConfigOutput) -> Attrs {
    let spec = from_live(p, mfa);
    let mut a = spec.to_attrs();
    let empty_lists = [
        ("username-attributes", true),
        ("alias-attributes", true),
        ("auto-verify", true),
        ("standard-attribute", true),
        ("custom-attribute", true),
        ("account-recovery", spec.account_recovery.is_some()),
    ];
    for (name, reported) in empty_lists {
        if reported {
            a.entry(name.to_string())
                .or_insert_with(|| Value::List(Vec::new()));
        }
    }
    a.entry("tags".to_string())
        .or_insert_with(|| Value::Map(Default::default()));
    a
}
