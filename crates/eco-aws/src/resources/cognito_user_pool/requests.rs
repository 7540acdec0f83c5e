//! The typed spec -> SDK request values: the full configuration UpdateUserPool takes
//! ([`PoolConfig`], the live pool with the configuration laid over it), CreateUserPool, and the
//! schema attributes of CreateUserPool and AddCustomAttributes.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder;
use aws_sdk_cognitoidentityprovider::operation::update_user_pool::builders::UpdateUserPoolFluentBuilder;
use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, AdminCreateUserConfigType, AliasAttributeType, AttributeDataType,
    DefaultEmailOptionType, DeletionProtectionType, DeviceConfigurationType,
    EmailConfigurationType, EmailSendingAccountType, LambdaConfigType, MessageTemplateType,
    NumberAttributeConstraintsType, PasswordPolicyType, RecoveryOptionNameType, RecoveryOptionType,
    SchemaAttributeType, SmsConfigurationType, StringAttributeConstraintsType,
    UserAttributeUpdateSettingsType, UserPoolAddOnsType, UserPoolMfaType, UserPoolPolicyType,
    UserPoolTierType, UserPoolType, UsernameAttributeType, UsernameConfigurationType,
    VerificationMessageTemplateType, VerifiedAttributeType,
};
use eco_provider::{Attrs, OpError};
use eco_schema::SpecEnum;

use super::read::{live_template, sdk_mode};
use super::spec::{
    AdminCreateUser, CognitoUserPool, CustomAttribute, DataType, Email, LambdaTriggers,
    PasswordPolicy, Sms, StandardAttribute, VerificationMessage,
};
use crate::attrs::one_of;

type Client = aws_sdk_cognitoidentityprovider::Client;

/// Everything UpdateUserPool takes: what AWS has, with the configuration laid over it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoolConfig {
    pub name: Option<String>,
    pub policies: Option<UserPoolPolicyType>,
    pub deletion_protection: Option<DeletionProtectionType>,
    pub lambda_config: Option<LambdaConfigType>,
    pub auto_verified: Option<Vec<VerifiedAttributeType>>,
    pub verification: Option<VerificationMessageTemplateType>,
    pub sms_authentication_message: Option<String>,
    pub mfa: Option<UserPoolMfaType>,
    pub email: Option<EmailConfigurationType>,
    pub sms: Option<SmsConfigurationType>,
    pub tags: Option<HashMap<String, String>>,
    pub admin_create_user: Option<AdminCreateUserConfigType>,
    pub account_recovery: Option<AccountRecoverySettingType>,
    pub tier: Option<UserPoolTierType>,
    /// Carried over from AWS unchanged (eco does not manage them, UpdateUserPool would reset them).
    pub passthrough: Passthrough,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Passthrough {
    user_attribute_update_settings: Option<UserAttributeUpdateSettingsType>,
    device_configuration: Option<DeviceConfigurationType>,
    add_ons: Option<UserPoolAddOnsType>,
}

/// AWS's documented password policy defaults (what a pool has when no policy is given).
fn default_password_policy() -> PasswordPolicyType {
    PasswordPolicyType::builder()
        .minimum_length(8)
        .require_uppercase(true)
        .require_lowercase(true)
        .require_numbers(true)
        .require_symbols(true)
        .temporary_password_validity_days(7)
        .build()
}

/// Sets `slot` to `value` when the configuration sets it (a field it leaves out keeps what AWS
/// has).
fn set<T: Clone>(slot: &mut Option<T>, value: &Option<T>) {
    if let Some(v) = value {
        *slot = Some(v.clone());
    }
}

impl PoolConfig {
    /// What AWS has now; `mfa` from GetUserPoolMfaConfig (DescribeUserPool may lag behind).
    pub fn from_live(p: &UserPoolType, mfa: Option<UserPoolMfaType>) -> PoolConfig {
        PoolConfig {
            name: p.name().map(str::to_string),
            policies: p.policies().cloned(),
            deletion_protection: p.deletion_protection().cloned(),
            lambda_config: p.lambda_config().cloned(),
            auto_verified: Some(p.auto_verified_attributes().to_vec()),
            verification: live_template(p),
            sms_authentication_message: p.sms_authentication_message().map(str::to_string),
            mfa: mfa.or_else(|| p.mfa_configuration().cloned()),
            email: p.email_configuration().cloned(),
            sms: p.sms_configuration().cloned(),
            tags: p.user_pool_tags().cloned(),
            admin_create_user: p.admin_create_user_config().cloned(),
            account_recovery: p.account_recovery_setting().cloned(),
            tier: p.user_pool_tier().cloned(),
            passthrough: Passthrough {
                user_attribute_update_settings: p.user_attribute_update_settings().cloned(),
                device_configuration: p.device_configuration().cloned(),
                add_ons: p.user_pool_add_ons().cloned(),
            },
        }
    }

    /// Lays the attributes `names` of `want` over this configuration (`names` are those the
    /// configuration sets): inside blocks, only the fields the configuration sets change.
    pub fn overlay(
        &mut self,
        want: &CognitoUserPool,
        names: &[String],
        op: &str,
    ) -> Result<(), OpError> {
        for name in names {
            match name.as_str() {
                "name" => {
                    if want.name.is_empty() || want.name.len() > 128 {
                        return Err(OpError::invalid(op, "`name` must be 1 to 128 characters"));
                    }
                    self.name = Some(want.name.clone());
                }
                "auto-verify" => {
                    let mut verified = Vec::new();
                    for v in want.auto_verify.iter().flatten() {
                        one_of(op, None, "auto-verify", v, &["email", "phone_number"])?;
                        verified.push(VerifiedAttributeType::from(v.as_str()));
                    }
                    self.auto_verified = Some(verified);
                }
                "password-policy" => self.overlay_password(want.password_policy.as_ref()),
                "mfa" => {
                    if let Some(mode) = want.mfa.as_ref().and_then(|m| m.mode) {
                        self.mfa = Some(sdk_mode(mode));
                    }
                }
                "account-recovery" => {
                    let mut opts = Vec::new();
                    for (i, v) in want.account_recovery.iter().flatten().enumerate() {
                        opts.push(
                            RecoveryOptionType::builder()
                                .name(RecoveryOptionNameType::from(v.as_str()))
                                .priority(i as i32 + 1)
                                .build()
                                .map_err(|e| OpError::invalid(op, e.to_string()))?,
                        );
                    }
                    self.account_recovery = Some(
                        AccountRecoverySettingType::builder()
                            .set_recovery_mechanisms(Some(opts))
                            .build(),
                    );
                }
                "email" => self.overlay_email(want.email.as_ref(), op)?,
                "sms" => self.overlay_sms(want.sms.as_ref()),
                "verification-message" => {
                    self.overlay_verification(want.verification_message.as_ref(), op)?
                }
                "admin-create-user" => self.overlay_admin(want.admin_create_user.as_ref()),
                "lambda-triggers" => self.overlay_lambda(want.lambda_triggers.as_ref(), op)?,
                "deletion-protection" => {
                    if let Some(on) = want.deletion_protection {
                        self.deletion_protection = Some(if on {
                            DeletionProtectionType::Active
                        } else {
                            DeletionProtectionType::Inactive
                        });
                    }
                }
                "tier" => {
                    if let Some(t) = want.tier {
                        self.tier = Some(UserPoolTierType::from(t.as_str()));
                    }
                }
                "tags" => self.tags = Some(want.tags.clone().into_iter().collect()),
                _ => {}
            }
        }
        Ok(())
    }

    fn overlay_password(&mut self, want: Option<&PasswordPolicy>) {
        let Some(w) = want else {
            return;
        };
        let mut p = self
            .policies
            .as_ref()
            .and_then(|p| p.password_policy())
            .cloned()
            .unwrap_or_else(default_password_policy);
        set(&mut p.minimum_length, &w.min_length);
        for (slot, value) in [
            (&mut p.require_uppercase, w.require_uppercase),
            (&mut p.require_lowercase, w.require_lowercase),
            (&mut p.require_numbers, w.require_numbers),
            (&mut p.require_symbols, w.require_symbols),
        ] {
            if let Some(v) = value {
                *slot = v;
            }
        }
        if let Some(v) = w.temporary_password_validity_days {
            p.temporary_password_validity_days = v;
        }
        set(&mut p.password_history_size, &w.password_history_size);
        let mut policies = self
            .policies
            .clone()
            .unwrap_or_else(|| UserPoolPolicyType::builder().build());
        policies.password_policy = Some(p);
        self.policies = Some(policies);
    }

    fn overlay_email(&mut self, want: Option<&Email>, op: &str) -> Result<(), OpError> {
        let Some(w) = want else {
            return Ok(());
        };
        let mut e = self
            .email
            .clone()
            .unwrap_or_else(|| EmailConfigurationType::builder().build());
        if let Some(v) = w.sending_account {
            e.email_sending_account = Some(EmailSendingAccountType::from(v.as_str()));
        }
        set(&mut e.source_arn, &w.source_arn);
        set(&mut e.from, &w.from);
        set(&mut e.reply_to_email_address, &w.reply_to);
        set(&mut e.configuration_set, &w.configuration_set);
        if e.email_sending_account == Some(EmailSendingAccountType::Developer)
            && e.source_arn.is_none()
        {
            return Err(OpError::invalid(op, "`email` with sending-account=\"DEVELOPER\" needs source-arn (a verified SES identity)"));
        }
        self.email = Some(e);
        Ok(())
    }

    fn overlay_sms(&mut self, want: Option<&Sms>) {
        let Some(w) = want else {
            return;
        };
        let live = self.sms.as_ref();
        let kept = |v: &Option<String>, live: Option<&str>| v.clone().or(live.map(str::to_string));
        self.sms = Some(
            SmsConfigurationType::builder()
                .sns_caller_arn(&w.sns_caller_arn)
                .set_external_id(kept(&w.external_id, live.and_then(|l| l.external_id())))
                .set_sns_region(kept(&w.sns_region, live.and_then(|l| l.sns_region())))
                .build(),
        );
        set(
            &mut self.sms_authentication_message,
            &w.authentication_message,
        );
    }

    fn overlay_verification(
        &mut self,
        want: Option<&VerificationMessage>,
        op: &str,
    ) -> Result<(), OpError> {
        let Some(w) = want else {
            return Ok(());
        };
        let mut t = self
            .verification
            .clone()
            .unwrap_or_else(|| VerificationMessageTemplateType::builder().build());
        if let Some(v) = w.default_email_option {
            t.default_email_option = Some(DefaultEmailOptionType::from(v.as_str()));
        }
        set(&mut t.email_subject, &w.email_subject);
        set(&mut t.email_message, &w.email_message);
        set(&mut t.email_subject_by_link, &w.email_subject_by_link);
        set(&mut t.email_message_by_link, &w.email_message_by_link);
        set(&mut t.sms_message, &w.sms_message);
        for (declared, key, marker) in [
            (&w.email_message, "email-message", "{####}"),
            (&w.sms_message, "sms-message", "{####}"),
            (&w.email_message_by_link, "email-message-by-link", "{##"),
        ] {
            if declared.as_deref().is_some_and(|x| !x.contains(marker)) {
                return Err(OpError::invalid(
                    op,
                    format!("`verification-message.{key}` must contain {marker}"),
                ));
            }
        }
        self.verification = Some(t);
        Ok(())
    }

    fn overlay_admin(&mut self, want: Option<&AdminCreateUser>) {
        let Some(w) = want else {
            return;
        };
        let mut a = self
            .admin_create_user
            .clone()
            .unwrap_or_else(|| AdminCreateUserConfigType::builder().build());
        if let Some(v) = w.admin_only {
            a.allow_admin_create_user_only = v;
        }
        if w.invite_email_subject.is_some()
            || w.invite_email_message.is_some()
            || w.invite_sms_message.is_some()
        {
            let mut t = a
                .invite_message_template
                .clone()
                .unwrap_or_else(|| MessageTemplateType::builder().build());
            set(&mut t.email_subject, &w.invite_email_subject);
            set(&mut t.email_message, &w.invite_email_message);
            set(&mut t.sms_message, &w.invite_sms_message);
            a.invite_message_template = Some(t);
        }
        self.admin_create_user = Some(a);
    }

    fn overlay_lambda(&mut self, want: Option<&LambdaTriggers>, op: &str) -> Result<(), OpError> {
        let Some(w) = want else {
            return Ok(());
        };
        let mut l = self
            .lambda_config
            .clone()
            .unwrap_or_else(|| LambdaConfigType::builder().build());
        for (slot, value, key) in [
            (&mut l.pre_sign_up, &w.pre_sign_up, "pre-sign-up"),
            (
                &mut l.post_confirmation,
                &w.post_confirmation,
                "post-confirmation",
            ),
            (
                &mut l.pre_authentication,
                &w.pre_authentication,
                "pre-authentication",
            ),
            (
                &mut l.post_authentication,
                &w.post_authentication,
                "post-authentication",
            ),
            (
                &mut l.pre_token_generation,
                &w.pre_token_generation,
                "pre-token-generation",
            ),
            (&mut l.custom_message, &w.custom_message, "custom-message"),
            (
                &mut l.define_auth_challenge,
                &w.define_auth_challenge,
                "define-auth-challenge",
            ),
            (
                &mut l.create_auth_challenge,
                &w.create_auth_challenge,
                "create-auth-challenge",
            ),
            (
                &mut l.verify_auth_challenge_response,
                &w.verify_auth_challenge_response,
                "verify-auth-challenge-response",
            ),
            (&mut l.user_migration, &w.user_migration, "user-migration"),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.starts_with("arn:")) {
                return Err(OpError::invalid(
                    op,
                    format!("`lambda-triggers.{key}` must be a Lambda function ARN, got `{v}`"),
                ));
            }
            set(slot, value);
        }
        // PreTokenGenerationConfig mirrors pre-token-generation when AWS reports it: keep them
        // consistent, or AWS rejects the pair.
        if let (Some(arn), Some(cfg)) = (
            &l.pre_token_generation,
            l.pre_token_generation_config.as_mut(),
        ) {
            cfg.lambda_arn = arn.clone();
        }
        self.lambda_config = Some(l);
        Ok(())
    }
}

/// The attributes of `names` that `desired` sets (what an overlay takes from the configuration).
pub fn declared(desired: &Attrs, names: impl IntoIterator<Item = String>) -> Vec<String> {
    names
        .into_iter()
        .filter(|n| desired.contains_key(n))
        .collect()
}

/// Leaves the legacy `AdminCreateUserConfig.UnusedAccountValidityDays` out of a CreateUserPool or
/// UpdateUserPool request. The SDK's type holds it as a plain integer, so every request would
/// carry it (0 when unset, or the value DescribeUserPool mirrors from
/// `PasswordPolicy.TemporaryPasswordValidityDays`), and AWS refuses it beside
/// TemporaryPasswordValidityDays ("Please use TemporaryPasswordValidityDays in PasswordPolicy
/// instead of UnusedAccountValidityDays"), which eco always sends. Runs on the serialized JSON
/// body, before signing.
#[derive(Debug, Clone, Copy)]
pub struct OmitUnusedAccountValidityDays;

impl Intercept for OmitUnusedAccountValidityDays {
    fn name(&self) -> &'static str {
        "OmitUnusedAccountValidityDays"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let Some(body) = request
            .body()
            .bytes()
            .and_then(without_unused_account_validity_days)
        else {
            return Ok(());
        };
        let length = body.len();
        *request.body_mut() = SdkBody::from(body);
        request
            .headers_mut()
            .insert("content-length", length.to_string());
        Ok(())
    }
}

/// `body` (a JSON request) without `AdminCreateUserConfig.UnusedAccountValidityDays`; `None` when
/// it has none.
pub fn without_unused_account_validity_days(body: &[u8]) -> Option<Vec<u8>> {
    let mut json: serde_json::Value = serde_json::from_slice(body).ok()?;
    json.get_mut("AdminCreateUserConfig")?
        .as_object_mut()?
        .remove("UnusedAccountValidityDays")?;
    serde_json::to_vec(&json).ok()
}

/// UpdateUserPool with every field of `c` (AWS resets what it is not given).
pub fn update_request(client: &Client, id: &str, c: &PoolConfig) -> UpdateUserPoolFluentBuilder {
    client
        .update_user_pool()
        .user_pool_id(id)
        .set_pool_name(c.name.clone())
        .set_policies(c.policies.clone())
        .set_deletion_protection(c.deletion_protection.clone())
        .set_lambda_config(c.lambda_config.clone())
        .set_auto_verified_attributes(c.auto_verified.clone())
        .set_verification_message_template(c.verification.clone())
        .set_sms_authentication_message(c.sms_authentication_message.clone())
        .set_mfa_configuration(c.mfa.clone())
        .set_email_configuration(c.email.clone())
        .set_sms_configuration(c.sms.clone())
        .set_user_pool_tags(c.tags.clone())
        .set_admin_create_user_config(c.admin_create_user.clone())
        .set_account_recovery_setting(c.account_recovery.clone())
        .set_user_pool_tier(c.tier.clone())
        .set_user_attribute_update_settings(c.passthrough.user_attribute_update_settings.clone())
        .set_device_configuration(c.passthrough.device_configuration.clone())
        .set_user_pool_add_ons(c.passthrough.add_ons.clone())
}

/// CreateUserPool for the whole configuration (`desired`, read as `want`). DeletionProtection is
/// ACTIVE unless the configuration says `deletion-protection #false`. MFA is set afterwards
/// (SetUserPoolMfaConfig).
pub fn create_request(
    client: &Client,
    want: &CognitoUserPool,
    desired: &Attrs,
    op: &str,
) -> Result<CreateUserPoolFluentBuilder, OpError> {
    let mut c = PoolConfig {
        deletion_protection: Some(DeletionProtectionType::Active),
        ..PoolConfig::default()
    };
    let names = desired.keys().filter(|k| *k != "mfa").cloned();
    c.overlay(want, &declared(desired, names), op)?;
    let (username, alias) = (&want.username_attributes, &want.alias_attributes);
    if username.as_ref().is_some_and(|u| !u.is_empty())
        && alias.as_ref().is_some_and(|a| !a.is_empty())
    {
        return Err(OpError::invalid(
            op,
            "a pool takes username-attributes or alias-attributes, not both",
        ));
    }
    let mut schema: Vec<SchemaAttributeType> = want
        .standard_attribute
        .iter()
        .map(standard_schema)
        .collect();
    for custom in &want.custom_attribute {
        schema.push(custom_schema(custom, op)?);
    }
    let case = match want.case_sensitive {
        Some(b) => Some(
            UsernameConfigurationType::builder()
                .case_sensitive(b)
                .build()
                .map_err(|e| OpError::invalid(op, e.to_string()))?,
        ),
        None => None,
    };
    Ok(client
        .create_user_pool()
        .pool_name(want.name.clone())
        .set_username_attributes(username.as_ref().map(|l| {
            l.iter()
                .map(|v| UsernameAttributeType::from(v.as_str()))
                .collect()
        }))
        .set_alias_attributes(alias.as_ref().map(|l| {
            l.iter()
                .map(|v| AliasAttributeType::from(v.as_str()))
                .collect()
        }))
        .set_username_configuration(case)
        .set_schema((!schema.is_empty()).then_some(schema))
        .set_policies(c.policies)
        .set_deletion_protection(c.deletion_protection)
        .set_lambda_config(c.lambda_config)
        .set_auto_verified_attributes(c.auto_verified)
        .set_verification_message_template(c.verification)
        .set_sms_authentication_message(c.sms_authentication_message)
        .set_email_configuration(c.email)
        .set_sms_configuration(c.sms)
        .set_user_pool_tags(c.tags)
        .set_admin_create_user_config(c.admin_create_user)
        .set_account_recovery_setting(c.account_recovery)
        .set_user_pool_tier(c.tier))
}

fn standard_schema(a: &StandardAttribute) -> SchemaAttributeType {
    SchemaAttributeType::builder()
        .name(&a.name)
        .set_required(a.required)
        .set_mutable(a.mutable)
        .build()
}

/// Refuses a custom attribute name Cognito would not take.
pub fn check_custom_name(name: &str, op: &str) -> Result<(), OpError> {
    if name.is_empty() || name.len() > 20 || name.starts_with("custom:") {
        return Err(OpError::invalid(
            op,
            format!(
                "custom attribute name `{name}` must be 1 to 20 characters, without the custom: prefix"
            ),
        ));
    }
    Ok(())
}

/// The SchemaAttributeType of a declared custom attribute (for CreateUserPool's Schema and
/// AddCustomAttributes).
pub fn custom_schema(c: &CustomAttribute, op: &str) -> Result<SchemaAttributeType, OpError> {
    check_custom_name(&c.name, op)?;
    let what = format!("custom-attribute \"{}\"", c.name);
    let ty = c.ty.unwrap_or_default();
    let refuse = |why: &str| Err(OpError::invalid(op, format!("{what}: {why}")));
    let lengths = c.min_length.is_some() || c.max_length.is_some();
    let values = c.min_value.is_some() || c.max_value.is_some();
    if lengths && ty != DataType::String {
        return refuse("min-length/max-length apply to String attributes");
    }
    if values && ty != DataType::Number {
        return refuse("min-value/max-value apply to Number attributes");
    }
    if c.max_length.is_some_and(|m| !(0..=2048).contains(&m)) || c.min_length.is_some_and(|m| m < 0)
    {
        return refuse("lengths are 0 to 2048");
    }
    if let (Some(a), Some(z)) = (c.min_length, c.max_length) {
        if a > z {
            return refuse("min-length is above max-length");
        }
    }
    if let (Some(a), Some(z)) = (c.min_value, c.max_value) {
        if a > z {
            return refuse("min-value is above max-value");
        }
    }
    let text = |v: Option<i64>| v.map(|v| v.to_string());
    Ok(SchemaAttributeType::builder()
        .name(&c.name)
        .attribute_data_type(AttributeDataType::from(ty.as_str()))
        .set_mutable(c.mutable)
        .set_developer_only_attribute(c.developer_only)
        .set_string_attribute_constraints(lengths.then(|| {
            StringAttributeConstraintsType::builder()
                .set_min_length(text(c.min_length))
                .set_max_length(text(c.max_length))
                .build()
        }))
        .set_number_attribute_constraints(values.then(|| {
            NumberAttributeConstraintsType::builder()
                .set_min_value(text(c.min_value))
                .set_max_value(text(c.max_value))
                .build()
        }))
        .build())
}
