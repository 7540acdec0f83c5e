//! `cognito-user-pool`: a Cognito user pool, the one resource eco treats as irreplaceable.
//!
//! A pool holds user accounts that cannot be exported with their passwords, so eco never plans its
//! replacement: every attribute is updated in place or, where AWS fixes it at creation, guarded
//! (a change is refused with the manual options). Pools get `prevent-destroy` by default.
//! UpdateUserPool resets every field it is not given, so eco always sends the full merged
//! configuration: what the configuration sets, plus what DescribeUserPool reports for the rest.
//!
//! AWS calls:
//! - read: DescribeUserPool (tags from UserPoolTags), GetUserPoolMfaConfig
//! - create: CreateUserPool (everything, tags as UserPoolTags), SetUserPoolMfaConfig
//! - update: UpdateUserPool with the full merged configuration (name, policies, auto-verify,
//!   messages, email, sms, admin-create-user, lambda triggers, account recovery, deletion
//!   protection, tags), AddCustomAttributes for new custom attributes, SetUserPoolMfaConfig
//! - find: ListUserPools (paged) by name, then DescribeUserPool: ours by ownership tags in
//!   UserPoolTags, a pool of that name with other tags is a Conflict
//! - delete: DescribeUserPool; a pool with DeletionProtection ACTIVE is refused (Conflict: set
//!   `deletion-protection #false` and apply first, besides `lifecycle prevent-destroy=#false`),
//!   else DeleteUserPool
//! - import: by pool id (DescribeUserPool); `eco discover` lists pools by name
//!
//! Tags travel only through UserPoolTags (CreateUserPool, UpdateUserPool, DescribeUserPool),
//! never TagResource/UntagResource/ListTagsForResource.

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "cognito-user-pool";

const USERNAME_FIXED: &str =
    "Cognito fixes how users sign in (username-attributes, alias-attributes, \
case sensitivity) when the pool is created, and eco never replaces a pool: that would delete every \
user. Keep the current value, or create a second pool with the new setting, migrate users to it \
(e.g. with a user-migration Lambda trigger) and then remove the old one from the configuration.";

const STANDARD_FIXED: &str = "Cognito fixes the required and mutable flags of standard attributes \
when the pool is created, and eco never replaces a pool: that would delete every user. Keep the \
current flags and enforce the rule in a pre-sign-up Lambda trigger or the app, or create a new pool \
and migrate users to it.";

const CUSTOM_FIXED: &str = "New custom attributes are added in place (AddCustomAttributes), but \
Cognito can neither change nor remove an existing custom attribute, and eco never replaces a pool: \
that would delete every user. Restore the attribute's previous definition (it may simply stop being \
used), or add a new custom attribute under another name and move the data to it.";

fn string_constraints() -> [Attribute; 2] {
    [
        Attribute::int("min-length").doc("minimum length of a String attribute"),
        Attribute::int("max-length").doc("maximum length of a String attribute (at most 2048)"),
    ]
}

pub fn schema() -> Schema {
    let mut custom_fields = vec![
        Attribute::string("name").doc("attribute name, stored by Cognito as custom:NAME"),
        Attribute::string("type")
            .one_of(&["String", "Number", "DateTime", "Boolean"])
            .doc("String (default), Number, DateTime or Boolean"),
        Attribute::bool("mutable")
            .doc("whether the value may change after the user is created; write it explicitly"),
        Attribute::bool("developer-only")
            .doc("readable and writable only with developer (admin) credentials"),
    ];
    custom_fields.extend(string_constraints());
    custom_fields.extend([
        Attribute::int("min-value").doc("minimum of a Number attribute"),
        Attribute::int("max-value").doc("maximum of a Number attribute"),
    ]);

    Schema::new(TYPE_NAME, "A Cognito user pool; never replaced, updated with the full merged configuration")
        .import_id("the pool id (e.g. us-east-1_AbCdEfGhI)")
        .attr(Attribute::string("name").required().doc("pool name (UpdateUserPool PoolName)"))
        .attr(
            Attribute::list("username-attributes", ScalarType::String).unordered()
                .guarded(USERNAME_FIXED)
                .one_of(&["email", "phone_number"]).doc("email and/or phone_number used as the username; fixed at creation"),
        )
        .attr(
            Attribute::list("alias-attributes", ScalarType::String).unordered()
                .guarded(USERNAME_FIXED)
                .one_of(&["email", "phone_number", "preferred_username"]).doc("email, phone_number and/or preferred_username accepted besides the username; fixed at creation"),
        )
        .attr(
            Attribute::bool("case-sensitive")
                .guarded(USERNAME_FIXED)
                .doc("whether usernames are case sensitive (default #false); fixed at creation"),
        )
        .attr(
            Attribute::list("auto-verify", ScalarType::String).unordered()
                .doc("attributes Cognito verifies by sending a code: email, phone_number (UpdateUserPool)"),
        )
        .attr(
            Attribute::repeated_block(
                "standard-attribute",
                "name",
                vec![
                    Attribute::string("name").doc("standard attribute, e.g. email, given_name, phone_number"),
                    Attribute::bool("required").doc("must be given at sign-up"),
                    Attribute::bool("mutable").doc("may be changed after sign-up (default #true)"),
                ],
            )
            .guarded(STANDARD_FIXED)
            .declared_labels()
            .doc("flags of a standard attribute; fixed at creation (only the declared ones are compared)"),
        )
        .attr(
            Attribute::repeated_block("custom-attribute", "name", custom_fields)
                .guarded(CUSTOM_FIXED)
                .additive()
                .doc("a custom attribute; new ones are added (AddCustomAttributes), existing ones never change"),
        )
        .attr(
            Attribute::block(
                "password-policy",
                vec![
                    Attribute::int("min-length").range(6, 99).doc("minimum password length, 6 to 99 (default 8)"),
                    Attribute::bool("require-uppercase").doc("require an uppercase letter (default #true)"),
                    Attribute::bool("require-lowercase").doc("require a lowercase letter (default #true)"),
                    Attribute::bool("require-numbers").doc("require a digit (default #true)"),
                    Attribute::bool("require-symbols").doc("require a symbol (default #true)"),
                    Attribute::int("temporary-password-validity-days")
                        .doc("days an admin-set temporary password stays valid (default 7)"),
                    Attribute::int("password-history-size")
                        .doc("previous passwords a user may not reuse (Essentials and Plus tiers)"),
                ],
            )
            .doc("password policy (UpdateUserPool Policies)"),
        )
        .attr(
            Attribute::labeled_block(
                "mfa",
                "mode",
                vec![
                    Attribute::string("mode").one_of(&["OFF", "ON", "OPTIONAL"]).doc("OFF (default), OPTIONAL or ON"),
                    Attribute::bool("software-token").doc("allow authenticator-app (TOTP) codes"),
                    Attribute::bool("sms").doc("allow SMS codes (needs the sms block)"),
                    Attribute::bool("email").doc("allow email codes (needs developer email sending)"),
                ],
            )
            .doc("multi-factor authentication, e.g. mfa \"OPTIONAL\" software-token=#true (SetUserPoolMfaConfig)"),
        )
        .attr(
            Attribute::list("account-recovery", ScalarType::String)
                .one_of(&["verified_email", "verified_phone_number", "admin_only"]).doc("recovery methods in priority order: verified_email, verified_phone_number, admin_only (UpdateUserPool)"),
        )
        .attr(
            Attribute::block(
                "email",
                vec![
                    Attribute::string("sending-account").one_of(&["COGNITO_DEFAULT", "DEVELOPER"]).doc("COGNITO_DEFAULT (default) or DEVELOPER (SES)"),
                    Attribute::string("source-arn").doc("ARN of the verified SES identity, for DEVELOPER"),
                    Attribute::string("from").doc("sender address, e.g. Ecogy <no-reply@ecogy.io>"),
                    Attribute::string("reply-to").doc("reply-to address"),
                    Attribute::string("configuration-set").doc("SES configuration set"),
                ],
            )
            .doc("how Cognito sends email (UpdateUserPool EmailConfiguration)"),
        )
        .attr(
            Attribute::block(
                "sms",
                vec![
                    Attribute::string("sns-caller-arn")
                        .required()
                        .doc("ARN of the role Cognito assumes to publish through SNS"),
                    Attribute::string("external-id").doc("external id in that role's trust policy"),
                    Attribute::string("sns-region").doc("region of SNS (default: the pool's)"),
                    Attribute::string("authentication-message")
                        .doc("SMS text of MFA codes, containing {####}"),
                ],
            )
            .doc("how Cognito sends SMS (UpdateUserPool SmsConfiguration)"),
        )
        .attr(
            Attribute::block(
                "verification-message",
                vec![
                    Attribute::string("default-email-option")
                        .one_of(&["CONFIRM_WITH_CODE", "CONFIRM_WITH_LINK"]).doc("CONFIRM_WITH_CODE (default) or CONFIRM_WITH_LINK"),
                    Attribute::string("email-subject").doc("subject of the code email"),
                    Attribute::string("email-message").doc("body of the code email, containing {####}"),
                    Attribute::string("email-subject-by-link").doc("subject of the link email"),
                    Attribute::string("email-message-by-link")
                        .doc("body of the link email, containing {##Click here##}"),
                    Attribute::string("sms-message").doc("SMS text of verification codes, containing {####}"),
                ],
            )
            .doc("verification messages (UpdateUserPool VerificationMessageTemplate)"),
        )
        .attr(
            Attribute::block(
                "admin-create-user",
                vec![
                    Attribute::bool("admin-only")
                        .doc("only administrators create users; self sign-up is off"),
                    Attribute::string("invite-email-subject").doc("subject of the invitation email"),
                    Attribute::string("invite-email-message")
                        .doc("body of the invitation email, containing {username} and {####}"),
                    Attribute::string("invite-sms-message")
                        .doc("invitation SMS, containing {username} and {####}"),
                ],
            )
            .doc("users created by administrators (UpdateUserPool AdminCreateUserConfig)"),
        )
        .attr(
            Attribute::block(
                "lambda-triggers",
                vec![
                    Attribute::string("pre-sign-up").doc("Lambda ARN run before sign-up"),
                    Attribute::string("post-confirmation").doc("Lambda ARN run after confirmation"),
                    Attribute::string("pre-authentication").doc("Lambda ARN run before sign-in"),
                    Attribute::string("post-authentication").doc("Lambda ARN run after sign-in"),
                    Attribute::string("pre-token-generation")
                        .doc("Lambda ARN that customizes token claims"),
                    Attribute::string("custom-message").doc("Lambda ARN that customizes messages"),
                    Attribute::string("define-auth-challenge").doc("Lambda ARN of a custom auth flow"),
                    Attribute::string("create-auth-challenge").doc("Lambda ARN of a custom auth flow"),
                    Attribute::string("verify-auth-challenge-response")
                        .doc("Lambda ARN of a custom auth flow"),
                    Attribute::string("user-migration")
                        .doc("Lambda ARN that migrates users from another store at sign-in"),
                ],
            )
            .doc("Lambda triggers (UpdateUserPool LambdaConfig)"),
        )
        .attr(
            Attribute::bool("deletion-protection")
                .doc("refuse DeleteUserPool while set (default #true; eco also refuses to delete while it is on) (UpdateUserPool DeletionProtection)"),
        )
        .attr(
            Attribute::string("tier")
                .one_of(&["LITE", "ESSENTIALS", "PLUS"]).doc("feature plan: LITE, ESSENTIALS (default) or PLUS (UpdateUserPool UserPoolTier)"),
        )
        .attr(Attribute::string("id").computed().doc("pool id, REGION_xxxxxxxxx"))
        .attr(Attribute::string("arn").computed().doc("pool ARN"))
        .attr(
            Attribute::int("estimated-users")
                .computed()
                .doc("users in the pool (DescribeUserPool EstimatedNumberOfUsers); named when a replacement is asked for"),
        )
        .attr(
            Attribute::string("endpoint")
                .computed()
                .doc("cognito-idp.REGION.amazonaws.com/ID"),
        )
        .attr(
            Attribute::string("issuer")
                .computed()
                .doc("https://cognito-idp.REGION.amazonaws.com/ID, the JWT issuer for api-authorizer"),
        )
        .taggable()
        .prevent_destroy_by_default()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cognitoidentityprovider::operation::create_user_pool::builders::CreateUserPoolFluentBuilder;
use aws_sdk_cognitoidentityprovider::operation::get_user_pool_mfa_config::GetUserPoolMfaConfigOutput;
use aws_sdk_cognitoidentityprovider::operation::update_user_pool::builders::UpdateUserPoolFluentBuilder;
use aws_sdk_cognitoidentityprovider::types::{
    AccountRecoverySettingType, AdminCreateUserConfigType, AliasAttributeType, AttributeDataType,
    DefaultEmailOptionType, DeletionProtectionType, EmailConfigurationType, EmailMfaConfigType,
    EmailSendingAccountType, LambdaConfigType, MessageTemplateType, NumberAttributeConstraintsType,
    PasswordPolicyType, RecoveryOptionNameType, RecoveryOptionType, SchemaAttributeType,
    SmsConfigurationType, SmsMfaConfigType, SoftwareTokenMfaConfigType,
    StringAttributeConstraintsType, UserPoolMfaType, UserPoolPolicyType, UserPoolTierType,
    UserPoolType, UsernameAttributeType, UsernameConfigurationType,
    VerificationMessageTemplateType, VerifiedAttributeType,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};

use crate::aws::{is_not_found, op_error, Aws};
use crate::calls::delete_if_present;
use crate::ownership::not_ours_by_tags;
use crate::tags::{tags_of, tags_value};

/// Attributes AWS fixes at creation; the planner refuses changes, and `update` does too.
const FIXED: &[&str] = &[
    "username-attributes",
    "alias-attributes",
    "case-sensitive",
    "standard-attribute",
];

/// Attributes that UpdateUserPool carries (sent with the full merged configuration).
const UPDATE_POOL: &[&str] = &[
    "name",
    "auto-verify",
    "password-policy",
    "mfa",
    "account-recovery",
    "email",
    "sms",
    "verification-message",
    "admin-create-user",
    "lambda-triggers",
    "deletion-protection",
    "tier",
    "tags",
];

type Map = BTreeMap<String, Value>;

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

fn block<'a>(attrs: &'a Attrs, name: &str, op: &str) -> Result<Option<&'a Map>, OpError> {
    match attrs.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Map(m)) => Ok(Some(m)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("`{name}` must be a block, got {other}"),
        )),
    }
}

fn field_str<'a>(m: &'a Map, key: &str, what: &str, op: &str) -> Result<Option<&'a str>, OpError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => Ok(Some(v)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("`{what}.{key}` must be a string, got {other}"),
        )),
    }
}

fn field_int(m: &Map, key: &str, what: &str, op: &str) -> Result<Option<i64>, OpError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(v)) => Ok(Some(*v)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("`{what}.{key}` must be an integer, got {other}"),
        )),
    }
}

fn field_bool(m: &Map, key: &str, what: &str, op: &str) -> Result<Option<bool>, OpError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(v)) => Ok(Some(*v)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("`{what}.{key}` must be #true or #false, got {other}"),
        )),
    }
}

fn strings(attrs: &Attrs, name: &str, op: &str) -> Result<Option<Vec<String>>, OpError> {
    match attrs.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::List(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(v) => Ok(v.clone()),
                other => Err(OpError::invalid(
                    op,
                    format!("`{name}` takes strings, got {other}"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(OpError::invalid(
            op,
            format!("`{name}` must be a list, got {other}"),
        )),
    }
}

fn one_of(op: &str, what: &str, value: &str, allowed: &[&str]) -> Result<(), OpError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(OpError::invalid(
            op,
            format!(
                "`{what}` must be one of {}, got `{value}`",
                allowed.join(", ")
            ),
        ))
    }
}

fn i32_of(op: &str, what: &str, v: i64) -> Result<i32, OpError> {
    i32::try_from(v).map_err(|_| OpError::invalid(op, format!("`{what}` is out of range: {v}")))
}

/// A custom attribute as the configuration declares it (name without `custom:`).
#[derive(Debug, Clone, PartialEq, Default)]
struct Custom {
    name: String,
    map: Map,
}

fn customs(attrs: &Attrs, op: &str) -> Result<Vec<Custom>, OpError> {
    let Some(v) = attrs.get("custom-attribute") else {
        return Ok(Vec::new());
    };
    let Value::List(items) = v else {
        return Err(OpError::invalid(
            op,
            "`custom-attribute` must be a list of blocks",
        ));
    };
    let mut out = Vec::new();
    for item in items {
        let Value::Map(m) = item else {
            return Err(OpError::invalid(
                op,
                "`custom-attribute` must be a list of blocks",
            ));
        };
        let name = field_str(m, "name", "custom-attribute", op)?
            .ok_or_else(|| OpError::invalid(op, "a `custom-attribute` needs a name"))?;
        if name.is_empty() || name.len() > 20 || name.starts_with("custom:") {
            return Err(OpError::invalid(
                op,
                format!(
                    "custom attribute name `{name}` must be 1 to 20 characters, without the custom: prefix"
                ),
            ));
        }
        out.push(Custom {
            name: name.to_string(),
            map: m.clone(),
        });
    }
    Ok(out)
}

/// The SchemaAttributeType of a declared custom attribute (for CreateUserPool's Schema and
/// AddCustomAttributes).
fn custom_schema(c: &Custom, op: &str) -> Result<SchemaAttributeType, OpError> {
    let what = format!("custom-attribute \"{}\"", c.name);
    let ty = field_str(&c.map, "type", &what, op)?.unwrap_or("String");
    one_of(
        op,
        &format!("{what} type"),
        ty,
        &["String", "Number", "DateTime", "Boolean"],
    )?;
    let mut b = SchemaAttributeType::builder()
        .name(&c.name)
        .attribute_data_type(AttributeDataType::from(ty));
    if let Some(m) = field_bool(&c.map, "mutable", &what, op)? {
        b = b.mutable(m);
    }
    if let Some(d) = field_bool(&c.map, "developer-only", &what, op)? {
        b = b.developer_only_attribute(d);
    }
    let (min_len, max_len) = (
        field_int(&c.map, "min-length", &what, op)?,
        field_int(&c.map, "max-length", &what, op)?,
    );
    let (min_val, max_val) = (
        field_int(&c.map, "min-value", &what, op)?,
        field_int(&c.map, "max-value", &what, op)?,
    );
    if (min_len.is_some() || max_len.is_some()) && ty != "String" {
        return Err(OpError::invalid(
            op,
            format!("{what}: min-length/max-length apply to String attributes"),
        ));
    }
    if (min_val.is_some() || max_val.is_some()) && ty != "Number" {
        return Err(OpError::invalid(
            op,
            format!("{what}: min-value/max-value apply to Number attributes"),
        ));
    }
    if max_len.is_some_and(|m| !(0..=2048).contains(&m)) || min_len.is_some_and(|m| m < 0) {
        return Err(OpError::invalid(
            op,
            format!("{what}: lengths are 0 to 2048"),
        ));
    }
    if let (Some(a), Some(z)) = (min_len, max_len) {
        if a > z {
            return Err(OpError::invalid(
                op,
                format!("{what}: min-length is above max-length"),
            ));
        }
    }
    if let (Some(a), Some(z)) = (min_val, max_val) {
        if a > z {
            return Err(OpError::invalid(
                op,
                format!("{what}: min-value is above max-value"),
            ));
        }
    }
    if min_len.is_some() || max_len.is_some() {
        b = b.string_attribute_constraints(
            StringAttributeConstraintsType::builder()
                .set_min_length(min_len.map(|v| v.to_string()))
                .set_max_length(max_len.map(|v| v.to_string()))
                .build(),
        );
    }
    if min_val.is_some() || max_val.is_some() {
        b = b.number_attribute_constraints(
            NumberAttributeConstraintsType::builder()
                .set_min_value(min_val.map(|v| v.to_string()))
                .set_max_value(max_val.map(|v| v.to_string()))
                .build(),
        );
    }
    Ok(b.build())
}

fn standard_schemas(attrs: &Attrs, op: &str) -> Result<Vec<SchemaAttributeType>, OpError> {
    let Some(Value::List(items)) = attrs.get("standard-attribute") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in items {
        let Value::Map(m) = item else {
            return Err(OpError::invalid(
                op,
                "`standard-attribute` must be a list of blocks",
            ));
        };
        let name = field_str(m, "name", "standard-attribute", op)?
            .ok_or_else(|| OpError::invalid(op, "a `standard-attribute` needs a name"))?;
        let what = format!("standard-attribute \"{name}\"");
        out.push(
            SchemaAttributeType::builder()
                .name(name)
                .set_required(field_bool(m, "required", &what, op)?)
                .set_mutable(field_bool(m, "mutable", &what, op)?)
                .build(),
        );
    }
    Ok(out)
}

/// Everything UpdateUserPool takes: what AWS has, with the configuration laid over it.
#[derive(Debug, Clone, PartialEq, Default)]
struct PoolConfig {
    name: Option<String>,
    policies: Option<UserPoolPolicyType>,
    deletion_protection: Option<DeletionProtectionType>,
    lambda_config: Option<LambdaConfigType>,
    auto_verified: Option<Vec<VerifiedAttributeType>>,
    verification: Option<VerificationMessageTemplateType>,
    sms_authentication_message: Option<String>,
    mfa: Option<UserPoolMfaType>,
    email: Option<EmailConfigurationType>,
    sms: Option<SmsConfigurationType>,
    tags: Option<HashMap<String, String>>,
    admin_create_user: Option<AdminCreateUserConfigType>,
    account_recovery: Option<AccountRecoverySettingType>,
    tier: Option<UserPoolTierType>,
    /// Carried over from AWS unchanged (eco does not manage them, UpdateUserPool would reset them).
    passthrough: Passthrough,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Passthrough {
    user_attribute_update_settings:
        Option<aws_sdk_cognitoidentityprovider::types::UserAttributeUpdateSettingsType>,
    device_configuration: Option<aws_sdk_cognitoidentityprovider::types::DeviceConfigurationType>,
    add_ons: Option<aws_sdk_cognitoidentityprovider::types::UserPoolAddOnsType>,
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

/// The verification template AWS has, built from the legacy fields when the template is absent.
fn live_template(p: &UserPoolType) -> Option<VerificationMessageTemplateType> {
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

impl PoolConfig {
    /// What AWS has now; `mfa` from GetUserPoolMfaConfig (DescribeUserPool may lag behind).
    fn from_live(p: &UserPoolType, mfa: Option<UserPoolMfaType>) -> PoolConfig {
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

    /// Lays the configuration's `names` over this configuration: inside blocks, only the fields
    /// the configuration sets change.
    fn overlay(&mut self, want: &Attrs, names: &[String], op: &str) -> Result<(), OpError> {
        for name in names {
            if !want.contains_key(name) {
                continue;
            }
            match name.as_str() {
                "name" => {
                    let Some(Value::String(n)) = want.get("name") else {
                        return Err(OpError::invalid(op, "`name` must be a string"));
                    };
                    if n.is_empty() || n.len() > 128 {
                        return Err(OpError::invalid(op, "`name` must be 1 to 128 characters"));
                    }
                    self.name = Some(n.clone());
                }
                "auto-verify" => {
                    let list = strings(want, name, op)?.unwrap_or_default();
                    for v in &list {
                        one_of(op, "auto-verify", v, &["email", "phone_number"])?;
                    }
                    self.auto_verified = Some(
                        list.iter()
                            .map(|v| VerifiedAttributeType::from(v.as_str()))
                            .collect(),
                    );
                }
                "password-policy" => self.overlay_password(want, op)?,
                "mfa" => {
                    if let Some(m) = block(want, "mfa", op)? {
                        if let Some(mode) = field_str(m, "mode", "mfa", op)? {
                            one_of(op, "mfa", mode, &["OFF", "ON", "OPTIONAL"])?;
                            self.mfa = Some(UserPoolMfaType::from(mode));
                        }
                    }
                }
                "account-recovery" => {
                    let list = strings(want, name, op)?.unwrap_or_default();
                    let mut opts = Vec::new();
                    for (i, v) in list.iter().enumerate() {
                        one_of(
                            op,
                            "account-recovery",
                            v,
                            &["verified_email", "verified_phone_number", "admin_only"],
                        )?;
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
                "email" => self.overlay_email(want, op)?,
                "sms" => self.overlay_sms(want, op)?,
                "verification-message" => self.overlay_verification(want, op)?,
                "admin-create-user" => self.overlay_admin(want, op)?,
                "lambda-triggers" => self.overlay_lambda(want, op)?,
                "deletion-protection" => {
                    let Some(Value::Bool(b)) = want.get(name) else {
                        return Err(OpError::invalid(
                            op,
                            "`deletion-protection` must be #true or #false",
                        ));
                    };
                    self.deletion_protection = Some(if *b {
                        DeletionProtectionType::Active
                    } else {
                        DeletionProtectionType::Inactive
                    });
                }
                "tier" => {
                    let Some(Value::String(t)) = want.get(name) else {
                        return Err(OpError::invalid(op, "`tier` must be a string"));
                    };
                    one_of(op, "tier", t, &["LITE", "ESSENTIALS", "PLUS"])?;
                    self.tier = Some(UserPoolTierType::from(t.as_str()));
                }
                "tags" => {
                    self.tags = Some(tags_of(want.get("tags")).into_iter().collect());
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn overlay_password(&mut self, want: &Attrs, op: &str) -> Result<(), OpError> {
        let Some(m) = block(want, "password-policy", op)? else {
            return Ok(());
        };
        let w = "password-policy";
        let mut p = self
            .policies
            .as_ref()
            .and_then(|p| p.password_policy())
            .cloned()
            .unwrap_or_else(default_password_policy);
        if let Some(v) = field_int(m, "min-length", w, op)? {
            if !(6..=99).contains(&v) {
                return Err(OpError::invalid(
                    op,
                    "`password-policy.min-length` must be 6 to 99",
                ));
            }
            p.minimum_length = Some(v as i32);
        }
        if let Some(v) = field_bool(m, "require-uppercase", w, op)? {
            p.require_uppercase = v;
        }
        if let Some(v) = field_bool(m, "require-lowercase", w, op)? {
            p.require_lowercase = v;
        }
        if let Some(v) = field_bool(m, "require-numbers", w, op)? {
            p.require_numbers = v;
        }
        if let Some(v) = field_bool(m, "require-symbols", w, op)? {
            p.require_symbols = v;
        }
        if let Some(v) = field_int(m, "temporary-password-validity-days", w, op)? {
            p.temporary_password_validity_days = i32_of(op, "temporary-password-validity-days", v)?;
        }
        if let Some(v) = field_int(m, "password-history-size", w, op)? {
            p.password_history_size = Some(i32_of(op, "password-history-size", v)?);
        }
        let mut policies = self
            .policies
            .clone()
            .unwrap_or_else(|| UserPoolPolicyType::builder().build());
        policies.password_policy = Some(p);
        self.policies = Some(policies);
        Ok(())
    }

    fn overlay_email(&mut self, want: &Attrs, op: &str) -> Result<(), OpError> {
        let Some(m) = block(want, "email", op)? else {
            return Ok(());
        };
        let mut e = self
            .email
            .clone()
            .unwrap_or_else(|| EmailConfigurationType::builder().build());
        if let Some(v) = field_str(m, "sending-account", "email", op)? {
            one_of(
                op,
                "email.sending-account",
                v,
                &["COGNITO_DEFAULT", "DEVELOPER"],
            )?;
            e.email_sending_account = Some(EmailSendingAccountType::from(v));
        }
        if let Some(v) = field_str(m, "source-arn", "email", op)? {
            e.source_arn = Some(v.to_string());
        }
        if let Some(v) = field_str(m, "from", "email", op)? {
            e.from = Some(v.to_string());
        }
        if let Some(v) = field_str(m, "reply-to", "email", op)? {
            e.reply_to_email_address = Some(v.to_string());
        }
        if let Some(v) = field_str(m, "configuration-set", "email", op)? {
            e.configuration_set = Some(v.to_string());
        }
        if e.email_sending_account == Some(EmailSendingAccountType::Developer)
            && e.source_arn.is_none()
        {
            return Err(OpError::invalid(op, "`email` with sending-account=\"DEVELOPER\" needs source-arn (a verified SES identity)"));
        }
        self.email = Some(e);
        Ok(())
    }

    fn overlay_sms(&mut self, want: &Attrs, op: &str) -> Result<(), OpError> {
        let Some(m) = block(want, "sms", op)? else {
            return Ok(());
        };
        let live = self.sms.clone();
        let caller = match field_str(m, "sns-caller-arn", "sms", op)? {
            Some(c) => c.to_string(),
            None => live
                .as_ref()
                .map(|l| l.sns_caller_arn().to_string())
                .ok_or_else(|| OpError::invalid(op, "`sms` needs sns-caller-arn"))?,
        };
        let mut b = SmsConfigurationType::builder().sns_caller_arn(caller);
        b = b
            .set_external_id(match field_str(m, "external-id", "sms", op)? {
                Some(v) => Some(v.to_string()),
                None => live
                    .as_ref()
                    .and_then(|l| l.external_id().map(str::to_string)),
            })
            .set_sns_region(match field_str(m, "sns-region", "sms", op)? {
                Some(v) => Some(v.to_string()),
                None => live
                    .as_ref()
                    .and_then(|l| l.sns_region().map(str::to_string)),
            });
        self.sms = Some(b.build());
        if let Some(v) = field_str(m, "authentication-message", "sms", op)? {
            self.sms_authentication_message = Some(v.to_string());
        }
        Ok(())
    }

    fn overlay_verification(&mut self, want: &Attrs, op: &str) -> Result<(), OpError> {
        let Some(m) = block(want, "verification-message", op)? else {
            return Ok(());
        };
        let w = "verification-message";
        let mut t = self
            .verification
            .clone()
            .unwrap_or_else(|| VerificationMessageTemplateType::builder().build());
        if let Some(v) = field_str(m, "default-email-option", w, op)? {
            one_of(
                op,
                "verification-message.default-email-option",
                v,
                &["CONFIRM_WITH_CODE", "CONFIRM_WITH_LINK"],
            )?;
            t.default_email_option = Some(DefaultEmailOptionType::from(v));
        }
        let set = |slot: &mut Option<String>, key: &str| -> Result<(), OpError> {
            if let Some(v) = field_str(m, key, w, op)? {
                *slot = Some(v.to_string());
            }
            Ok(())
        };
        set(&mut t.email_subject, "email-subject")?;
        set(&mut t.email_message, "email-message")?;
        set(&mut t.email_subject_by_link, "email-subject-by-link")?;
        set(&mut t.email_message_by_link, "email-message-by-link")?;
        set(&mut t.sms_message, "sms-message")?;
        for (text, key, marker) in [
            (&t.email_message, "email-message", "{####}"),
            (&t.sms_message, "sms-message", "{####}"),
            (&t.email_message_by_link, "email-message-by-link", "{##"),
        ] {
            if m.contains_key(key) && text.as_deref().is_some_and(|x| !x.contains(marker)) {
                return Err(OpError::invalid(
                    op,
                    format!("`verification-message.{key}` must contain {marker}"),
                ));
            }
        }
        self.verification = Some(t);
        Ok(())
    }

    fn overlay_admin(&mut self, want: &Attrs, op: &str) -> Result<(), OpError> {
        let Some(m) = block(want, "admin-create-user", op)? else {
            return Ok(());
        };
        let w = "admin-create-user";
        let mut a = self
            .admin_create_user
            .clone()
            .unwrap_or_else(|| AdminCreateUserConfigType::builder().build());
        if let Some(v) = field_bool(m, "admin-only", w, op)? {
            a.allow_admin_create_user_only = v;
        }
        let mut t = a
            .invite_message_template
            .clone()
            .unwrap_or_else(|| MessageTemplateType::builder().build());
        let mut touched = false;
        for (slot, key) in [
            (&mut t.email_subject, "invite-email-subject"),
            (&mut t.email_message, "invite-email-message"),
            (&mut t.sms_message, "invite-sms-message"),
        ] {
            if let Some(v) = field_str(m, key, w, op)? {
                *slot = Some(v.to_string());
                touched = true;
            }
        }
        if touched {
            a.invite_message_template = Some(t);
        }
        self.admin_create_user = Some(a);
        Ok(())
    }

    fn overlay_lambda(&mut self, want: &Attrs, op: &str) -> Result<(), OpError> {
        let Some(m) = block(want, "lambda-triggers", op)? else {
            return Ok(());
        };
        let w = "lambda-triggers";
        let mut l = self
            .lambda_config
            .clone()
            .unwrap_or_else(|| LambdaConfigType::builder().build());
        for (slot, key) in [
            (&mut l.pre_sign_up, "pre-sign-up"),
            (&mut l.post_confirmation, "post-confirmation"),
            (&mut l.pre_authentication, "pre-authentication"),
            (&mut l.post_authentication, "post-authentication"),
            (&mut l.pre_token_generation, "pre-token-generation"),
            (&mut l.custom_message, "custom-message"),
            (&mut l.define_auth_challenge, "define-auth-challenge"),
            (&mut l.create_auth_challenge, "create-auth-challenge"),
            (
                &mut l.verify_auth_challenge_response,
                "verify-auth-challenge-response",
            ),
            (&mut l.user_migration, "user-migration"),
        ] {
            if let Some(v) = field_str(m, key, w, op)? {
                if !v.starts_with("arn:") {
                    return Err(OpError::invalid(
                        op,
                        format!("`lambda-triggers.{key}` must be a Lambda function ARN, got `{v}`"),
                    ));
                }
                *slot = Some(v.to_string());
            }
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

/// UpdateUserPool with every field of `c` (AWS resets what it is not given).
fn update_request(
    client: &aws_sdk_cognitoidentityprovider::Client,
    id: &str,
    c: &PoolConfig,
) -> UpdateUserPoolFluentBuilder {
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

/// CreateUserPool for the whole configuration. DeletionProtection is ACTIVE unless the
/// configuration says `deletion-protection #false`. MFA is set afterwards (SetUserPoolMfaConfig).
fn create_request(
    client: &aws_sdk_cognitoidentityprovider::Client,
    want: &Attrs,
    op: &str,
) -> Result<CreateUserPoolFluentBuilder, OpError> {
    let mut c = PoolConfig {
        deletion_protection: Some(DeletionProtectionType::Active),
        ..PoolConfig::default()
    };
    let names: Vec<String> = want.keys().filter(|k| *k != "mfa").cloned().collect();
    c.overlay(want, &names, op)?;
    let name = c
        .name
        .clone()
        .ok_or_else(|| OpError::invalid(op, "`name` is required"))?;
    let username = strings(want, "username-attributes", op)?;
    for v in username.iter().flatten() {
        one_of(op, "username-attributes", v, &["email", "phone_number"])?;
    }
    let alias = strings(want, "alias-attributes", op)?;
    for v in alias.iter().flatten() {
        one_of(
            op,
            "alias-attributes",
            v,
            &["email", "phone_number", "preferred_username"],
        )?;
    }
    if username.as_ref().is_some_and(|u| !u.is_empty())
        && alias.as_ref().is_some_and(|a| !a.is_empty())
    {
        return Err(OpError::invalid(
            op,
            "a pool takes username-attributes or alias-attributes, not both",
        ));
    }
    let mut schema = standard_schemas(want, op)?;
    for c in customs(want, op)? {
        schema.push(custom_schema(&c, op)?);
    }
    let case = match want.get("case-sensitive") {
        Some(Value::Bool(b)) => Some(
            UsernameConfigurationType::builder()
                .case_sensitive(*b)
                .build()
                .map_err(|e| OpError::invalid(op, e.to_string()))?,
        ),
        _ => None,
    };
    Ok(client
        .create_user_pool()
        .pool_name(name)
        .set_username_attributes(username.map(|l| {
            l.iter()
                .map(|v| UsernameAttributeType::from(v.as_str()))
                .collect()
        }))
        .set_alias_attributes(alias.map(|l| {
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

/// The MFA settings the configuration asks for, merged over what AWS has.
#[derive(Debug, Clone, PartialEq)]
struct Mfa {
    mode: UserPoolMfaType,
    software_token: bool,
    sms: bool,
    email: bool,
}

impl Mfa {
    fn from_live(m: &GetUserPoolMfaConfigOutput) -> Mfa {
        Mfa {
            mode: m
                .mfa_configuration()
                .cloned()
                .unwrap_or(UserPoolMfaType::Off),
            software_token: m
                .software_token_mfa_configuration()
                .is_some_and(|t| t.enabled()),
            sms: m.sms_mfa_configuration().is_some(),
            email: m.email_mfa_configuration().is_some(),
        }
    }

    fn overlay(mut self, want: &Attrs, op: &str) -> Result<Mfa, OpError> {
        let Some(m) = block(want, "mfa", op)? else {
            return Ok(self);
        };
        if let Some(mode) = field_str(m, "mode", "mfa", op)? {
            one_of(op, "mfa", mode, &["OFF", "ON", "OPTIONAL"])?;
            self.mode = UserPoolMfaType::from(mode);
        }
        if let Some(v) = field_bool(m, "software-token", "mfa", op)? {
            self.software_token = v;
        }
        if let Some(v) = field_bool(m, "sms", "mfa", op)? {
            self.sms = v;
        }
        if let Some(v) = field_bool(m, "email", "mfa", op)? {
            self.email = v;
        }
        if self.mode != UserPoolMfaType::Off && !(self.software_token || self.sms || self.email) {
            return Err(OpError::invalid(
                op,
                "`mfa` ON or OPTIONAL needs at least one factor: software-token, sms or email",
            ));
        }
        Ok(self)
    }
}

fn mfa_value(m: &GetUserPoolMfaConfigOutput) -> Value {
    let live = Mfa::from_live(m);
    Value::Map(Map::from([
        ("mode".to_string(), s(live.mode.as_str())),
        (
            "software-token".to_string(),
            Value::Bool(live.software_token),
        ),
        ("sms".to_string(), Value::Bool(live.sms)),
        ("email".to_string(), Value::Bool(live.email)),
    ]))
}

fn parse_num(v: Option<&str>) -> Option<Value> {
    v.and_then(|x| x.parse::<i64>().ok()).map(Value::Int)
}

/// The live pool in configuration shape.
fn to_attrs(p: &UserPoolType, mfa: &GetUserPoolMfaConfigOutput) -> Attrs {
    let mut a = Attrs::new();
    let id = p.id().unwrap_or_default().to_string();
    let region = id.split('_').next().unwrap_or_default().to_string();
    a.insert("name".into(), s(p.name().unwrap_or_default()));
    let list = |items: Vec<&str>| Value::List(items.into_iter().map(s).collect());
    a.insert(
        "username-attributes".into(),
        list(p.username_attributes().iter().map(|v| v.as_str()).collect()),
    );
    a.insert(
        "alias-attributes".into(),
        list(p.alias_attributes().iter().map(|v| v.as_str()).collect()),
    );
    if let Some(u) = p.username_configuration() {
        a.insert("case-sensitive".into(), Value::Bool(u.case_sensitive()));
    }
    a.insert(
        "auto-verify".into(),
        list(
            p.auto_verified_attributes()
                .iter()
                .map(|v| v.as_str())
                .collect(),
        ),
    );

    let mut standard = Vec::new();
    let mut custom = Vec::new();
    for sa in p.schema_attributes() {
        let full = sa.name().unwrap_or_default();
        let dev = full.starts_with("dev:");
        let bare = full.trim_start_matches("dev:");
        if let Some(name) = bare.strip_prefix("custom:") {
            let mut m = Map::new();
            m.insert("name".into(), s(name));
            if let Some(t) = sa.attribute_data_type() {
                m.insert("type".into(), s(t.as_str()));
            }
            m.insert("mutable".into(), Value::Bool(sa.mutable().unwrap_or(true)));
            m.insert(
                "developer-only".into(),
                Value::Bool(dev || sa.developer_only_attribute().unwrap_or(false)),
            );
            if let Some(c) = sa.string_attribute_constraints() {
                if let Some(v) = parse_num(c.min_length()) {
                    m.insert("min-length".into(), v);
                }
                if let Some(v) = parse_num(c.max_length()) {
                    m.insert("max-length".into(), v);
                }
            }
            if let Some(c) = sa.number_attribute_constraints() {
                if let Some(v) = parse_num(c.min_value()) {
                    m.insert("min-value".into(), v);
                }
                if let Some(v) = parse_num(c.max_value()) {
                    m.insert("max-value".into(), v);
                }
            }
            custom.push((name.to_string(), Value::Map(m)));
        } else if !full.is_empty() {
            let mut m = Map::new();
            m.insert("name".into(), s(full));
            m.insert(
                "required".into(),
                Value::Bool(sa.required().unwrap_or(false)),
            );
            m.insert("mutable".into(), Value::Bool(sa.mutable().unwrap_or(true)));
            standard.push((full.to_string(), Value::Map(m)));
        }
    }
    standard.sort_by(|x, y| x.0.cmp(&y.0));
    custom.sort_by(|x, y| x.0.cmp(&y.0));
    a.insert(
        "standard-attribute".into(),
        Value::List(standard.into_iter().map(|x| x.1).collect()),
    );
    a.insert(
        "custom-attribute".into(),
        Value::List(custom.into_iter().map(|x| x.1).collect()),
    );

    if let Some(pp) = p.policies().and_then(|x| x.password_policy()) {
        let mut m = Map::new();
        if let Some(v) = pp.minimum_length() {
            m.insert("min-length".into(), Value::Int(v.into()));
        }
        m.insert(
            "require-uppercase".into(),
            Value::Bool(pp.require_uppercase()),
        );
        m.insert(
            "require-lowercase".into(),
            Value::Bool(pp.require_lowercase()),
        );
        m.insert("require-numbers".into(), Value::Bool(pp.require_numbers()));
        m.insert("require-symbols".into(), Value::Bool(pp.require_symbols()));
        m.insert(
            "temporary-password-validity-days".into(),
            Value::Int(pp.temporary_password_validity_days().into()),
        );
        if let Some(v) = pp.password_history_size() {
            m.insert("password-history-size".into(), Value::Int(v.into()));
        }
        a.insert("password-policy".into(), Value::Map(m));
    }
    a.insert("mfa".into(), mfa_value(mfa));
    if let Some(r) = p.account_recovery_setting() {
        let mut opts: Vec<&RecoveryOptionType> = r.recovery_mechanisms().iter().collect();
        opts.sort_by_key(|o| o.priority());
        a.insert(
            "account-recovery".into(),
            list(opts.iter().map(|o| o.name().as_str()).collect()),
        );
    }
    let opt = |m: &mut Map, k: &str, v: Option<&str>| {
        if let Some(v) = v {
            m.insert(k.to_string(), s(v));
        }
    };
    if let Some(e) = p.email_configuration() {
        let mut m = Map::new();
        opt(
            &mut m,
            "sending-account",
            e.email_sending_account().map(|x| x.as_str()),
        );
        opt(&mut m, "source-arn", e.source_arn());
        opt(&mut m, "from", e.from());
        opt(&mut m, "reply-to", e.reply_to_email_address());
        opt(&mut m, "configuration-set", e.configuration_set());
        a.insert("email".into(), Value::Map(m));
    }
    if let Some(c) = p.sms_configuration() {
        let mut m = Map::new();
        m.insert("sns-caller-arn".into(), s(c.sns_caller_arn()));
        opt(&mut m, "external-id", c.external_id());
        opt(&mut m, "sns-region", c.sns_region());
        opt(
            &mut m,
            "authentication-message",
            p.sms_authentication_message(),
        );
        a.insert("sms".into(), Value::Map(m));
    }
    if let Some(t) = live_template(p) {
        let mut m = Map::new();
        opt(
            &mut m,
            "default-email-option",
            t.default_email_option().map(|x| x.as_str()),
        );
        opt(&mut m, "email-subject", t.email_subject());
        opt(&mut m, "email-message", t.email_message());
        opt(&mut m, "email-subject-by-link", t.email_subject_by_link());
        opt(&mut m, "email-message-by-link", t.email_message_by_link());
        opt(&mut m, "sms-message", t.sms_message());
        a.insert("verification-message".into(), Value::Map(m));
    }
    if let Some(c) = p.admin_create_user_config() {
        let mut m = Map::new();
        m.insert(
            "admin-only".into(),
            Value::Bool(c.allow_admin_create_user_only()),
        );
        if let Some(t) = c.invite_message_template() {
            opt(&mut m, "invite-email-subject", t.email_subject());
            opt(&mut m, "invite-email-message", t.email_message());
            opt(&mut m, "invite-sms-message", t.sms_message());
        }
        a.insert("admin-create-user".into(), Value::Map(m));
    }
    let mut m = Map::new();
    if let Some(l) = p.lambda_config() {
        opt(&mut m, "pre-sign-up", l.pre_sign_up());
        opt(&mut m, "post-confirmation", l.post_confirmation());
        opt(&mut m, "pre-authentication", l.pre_authentication());
        opt(&mut m, "post-authentication", l.post_authentication());
        opt(&mut m, "pre-token-generation", l.pre_token_generation());
        opt(&mut m, "custom-message", l.custom_message());
        opt(&mut m, "define-auth-challenge", l.define_auth_challenge());
        opt(&mut m, "create-auth-challenge", l.create_auth_challenge());
        opt(
            &mut m,
            "verify-auth-challenge-response",
            l.verify_auth_challenge_response(),
        );
        opt(&mut m, "user-migration", l.user_migration());
    }
    a.insert("lambda-triggers".into(), Value::Map(m));
    a.insert(
        "deletion-protection".into(),
        Value::Bool(p.deletion_protection() == Some(&DeletionProtectionType::Active)),
    );
    if let Some(t) = p.user_pool_tier() {
        a.insert("tier".into(), s(t.as_str()));
    }
    let tags: BTreeMap<String, String> = p
        .user_pool_tags()
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    a.insert("tags".into(), tags_value(&tags));
    a.insert("id".into(), s(&id));
    a.insert("arn".into(), s(p.arn().unwrap_or_default()));
    a.insert(
        "endpoint".into(),
        s(format!("cognito-idp.{region}.amazonaws.com/{id}")),
    );
    a.insert(
        "issuer".into(),
        s(format!("https://cognito-idp.{region}.amazonaws.com/{id}")),
    );
    a.insert(
        "estimated-users".into(),
        Value::Int(p.estimated_number_of_users().into()),
    );
    a
}

/// Which declared custom attributes are new, given the live ones; an error when one that exists
/// would change (the planner refuses that first; this guards direct calls).
fn new_customs(want: &Attrs, live: &Attrs, op: &str) -> Result<Vec<Custom>, OpError> {
    let live_customs = customs(live, op)?;
    let mut out = Vec::new();
    for c in customs(want, op)? {
        match live_customs.iter().find(|l| l.name == c.name) {
            None => out.push(c),
            Some(l) => {
                let differs = c.map.iter().any(|(k, v)| {
                    l.map.get(k).is_some_and(|lv| lv != v)
                        || (!l.map.contains_key(k) && !matches!(v, Value::Null))
                });
                if differs {
                    return Err(OpError::invalid(
                        op,
                        format!(
                            "custom attribute `{}` cannot change: {CUSTOM_FIXED}",
                            c.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// The operations of `cognito-user-pool`.
pub struct Provider {
    client: aws_sdk_cognitoidentityprovider::Client,
    schema: Schema,
}

impl Provider {
    /// The provider, with the stage's Cognito client.
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.cognito_idp(),
            schema: schema(),
        }
    }

    async fn describe(&self, id: &str) -> Result<Option<UserPoolType>, OpError> {
        match self
            .client
            .describe_user_pool()
            .user_pool_id(id)
            .send()
            .await
        {
            Ok(out) => Ok(out.user_pool),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(op_error("DescribeUserPool", e)),
        }
    }

    async fn mfa(&self, id: &str) -> Result<Option<GetUserPoolMfaConfigOutput>, OpError> {
        match self
            .client
            .get_user_pool_mfa_config()
            .user_pool_id(id)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(op_error("GetUserPoolMfaConfig", e)),
        }
    }

    /// DescribeUserPool and GetUserPoolMfaConfig, concurrently.
    async fn read_pool(
        &self,
        id: &str,
    ) -> Result<Option<(UserPoolType, GetUserPoolMfaConfigOutput)>, OpError> {
        let (p, m) = tokio::join!(self.describe(id), self.mfa(id));
        match (p?, m?) {
            (Some(p), Some(m)) => Ok(Some((p, m))),
            _ => Ok(None),
        }
    }

    async fn read_after(&self, id: &str, op: &str) -> Result<Live, OpError> {
        match self.read_pool(id).await? {
            Some((p, m)) => Ok(Live {
                id: id.to_string(),
                attrs: to_attrs(&p, &m),
            }),
            None => Err(OpError::new(
                op,
                ErrorKind::Other,
                format!("user pool `{id}` vanished right after {op} (deleted outside eco?)"),
            )),
        }
    }

    /// Pools with this name (ListUserPools, every page): their ids.
    async fn ids_named(&self, name: &str) -> Result<Vec<String>, OpError> {
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_user_pools()
                .max_results(60)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| op_error("ListUserPools", e))?;
            for p in out.user_pools() {
                if p.name() == Some(name) {
                    if let Some(id) = p.id() {
                        ids.push(id.to_string());
                    }
                }
            }
            match out.next_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(ids),
            }
        }
    }

    async fn set_mfa(&self, id: &str, mfa: &Mfa, cfg: &PoolConfig) -> Result<(), OpError> {
        let sms = if mfa.sms {
            let Some(sms) = cfg.sms.clone() else {
                return Err(OpError::invalid(
                    "SetUserPoolMfaConfig",
                    "`mfa sms=#true` needs the `sms` block (the SNS role Cognito sends codes with)",
                ));
            };
            Some(
                SmsMfaConfigType::builder()
                    .set_sms_authentication_message(cfg.sms_authentication_message.clone())
                    .sms_configuration(sms)
                    .build(),
            )
        } else {
            None
        };
        self.client
            .set_user_pool_mfa_config()
            .user_pool_id(id)
            .mfa_configuration(mfa.mode.clone())
            .software_token_mfa_configuration(
                SoftwareTokenMfaConfigType::builder()
                    .enabled(mfa.software_token)
                    .build(),
            )
            .set_sms_mfa_configuration(sms)
            .set_email_mfa_configuration(mfa.email.then(|| EmailMfaConfigType::builder().build()))
            .send()
            .await
            .map_err(|e| op_error("SetUserPoolMfaConfig", e))?;
        Ok(())
    }

    /// Brings the attributes named in `changed` to `want`, calling only where AWS differs: new
    /// custom attributes (AddCustomAttributes), MFA (SetUserPoolMfaConfig), then one
    /// UpdateUserPool with the full merged configuration.
    async fn converge(
        &self,
        id: &str,
        want: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<(), OpError> {
        let Some((pool, mfa_live)) = self.read_pool(id).await? else {
            return Err(OpError::new(
                op,
                ErrorKind::Other,
                format!("user pool `{id}` no longer exists (deleted outside eco?)"),
            ));
        };
        let live = to_attrs(&pool, &mfa_live);
        let has = |a: &str| changed.iter().any(|c| c == a);
        for fixed in FIXED {
            if has(fixed)
                && want.get(*fixed).is_some_and(|w| {
                    let attr = self.schema.attribute(fixed).expect("declared");
                    !value_satisfies(attr, w, live.get(*fixed))
                })
            {
                return Err(OpError::invalid(
                    op,
                    format!(
                        "`{fixed}` of user pool `{id}` cannot change in place: {}",
                        match self.schema.attribute(fixed).map(|a| &a.update) {
                            Some(eco_schema::Update::Guarded(why)) => why,
                            _ => "AWS fixes it at creation",
                        }
                    ),
                ));
            }
        }
        if has("custom-attribute") {
            let new = new_customs(want, &live, "AddCustomAttributes")?;
            if !new.is_empty() {
                let schemas = new
                    .iter()
                    .map(|c| custom_schema(c, "AddCustomAttributes"))
                    .collect::<Result<Vec<_>, _>>()?;
                self.client
                    .add_custom_attributes()
                    .user_pool_id(id)
                    .set_custom_attributes(Some(schemas))
                    .send()
                    .await
                    .map_err(|e| op_error("AddCustomAttributes", e))?;
            }
        }
        let live_mfa = Mfa::from_live(&mfa_live);
        let current = PoolConfig::from_live(&pool, Some(live_mfa.mode.clone()));
        let mut merged = current.clone();
        let names: Vec<String> = changed
            .iter()
            .filter(|c| UPDATE_POOL.contains(&c.as_str()))
            .cloned()
            .collect();
        merged.overlay(want, &names, op)?;
        if has("mfa") {
            let target = live_mfa.clone().overlay(want, "SetUserPoolMfaConfig")?;
            if target != live_mfa {
                self.set_mfa(id, &target, &merged).await?;
            }
            merged.mfa = Some(target.mode);
        }
        if merged != current {
            update_request(&self.client, id, &merged)
                .send()
                .await
                .map_err(|e| op_error("UpdateUserPool", e))?;
        }
        Ok(())
    }
}

/// Whether `live` satisfies `want` for a fixed attribute (declared fields / labels only).
fn value_satisfies(attr: &eco_schema::Attribute, want: &Value, live: Option<&Value>) -> bool {
    match (&attr.shape, want, live) {
        (eco_schema::Shape::List(_), Value::List(w), Some(Value::List(l))) => {
            let mut a: Vec<String> = w.iter().map(Value::to_string).collect();
            let mut b: Vec<String> = l.iter().map(Value::to_string).collect();
            a.sort();
            b.sort();
            a == b
        }
        (eco_schema::Shape::List(_), Value::List(w), None | Some(Value::Null)) => w.is_empty(),
        (eco_schema::Shape::Block(_), Value::List(w), Some(Value::List(l))) => w.iter().all(|wi| {
            let Value::Map(wm) = wi else { return false };
            l.iter().any(|li| {
                let Value::Map(lm) = li else { return false };
                wm.iter().all(|(k, v)| lm.get(k) == Some(v))
            })
        }),
        (_, w, l) => Some(w) == l,
    }
}

#[async_trait::async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// ListUserPools (every page of 60), each pool read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = match self
                .client
                .list_user_pools()
                .max_results(60)
                .set_next_token(token.take())
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return Some(Err(crate::aws::op_error("ListUserPools", e))),
            };
            ids.extend(
                out.user_pools()
                    .iter()
                    .filter_map(|p| p.id().map(str::to_string)),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Some(
            crate::aws::read_each(ids, |id| async move {
                Ok(self.read_pool(&id).await?.map(|(p, m)| Live {
                    attrs: to_attrs(&p, &m),
                    id,
                }))
            })
            .await,
        )
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_pool(id).await?.map(|(p, m)| Live {
            id: id.to_string(),
            attrs: to_attrs(&p, &m),
        }))
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let Some(Value::String(name)) = desired.get("name") else {
            return Err(OpError::invalid(
                "ListUserPools",
                "`name` is required (a string)",
            ));
        };
        let mut foreign = None;
        for id in self.ids_named(name).await? {
            let Some((p, m)) = self.read_pool(&id).await? else {
                continue;
            };
            let tags: BTreeMap<String, String> = p
                .user_pool_tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            if ctx.owns(&tags) {
                return Ok(Some(Live {
                    id: id.clone(),
                    attrs: to_attrs(&p, &m),
                }));
            }
            foreign.get_or_insert((id, tags));
        }
        match foreign {
            Some((id, tags)) => Err(not_ours_by_tags(
                ctx,
                "ListUserPools",
                &format!("a user pool named `{name}` ({id})"),
                &id,
                &tags,
            )),
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateUserPool";
        let req = create_request(&self.client, desired, op)?;
        // Also validates MFA before anything is made.
        let want_mfa = Mfa {
            mode: UserPoolMfaType::Off,
            software_token: false,
            sms: false,
            email: false,
        }
        .overlay(desired, op)?;
        if let Some(found) = self.find(ctx, desired, token).await? {
            // An earlier run made it: adopt it and bring it to the configuration.
            let all: Vec<String> = desired.keys().cloned().collect();
            self.converge(&found.id, desired, &all, op).await?;
            return self.read_after(&found.id, op).await;
        }
        let out = req.send().await.map_err(|e| op_error(op, e))?;
        let id = out
            .user_pool()
            .and_then(|p| p.id())
            .ok_or_else(|| {
                OpError::new(op, ErrorKind::Other, "CreateUserPool returned no pool id")
            })?
            .to_string();
        if desired.contains_key("mfa") && want_mfa.mode != UserPoolMfaType::Off {
            let mut cfg = PoolConfig::default();
            let names: Vec<String> = desired.keys().filter(|k| *k == "sms").cloned().collect();
            cfg.overlay(desired, &names, op)?;
            self.set_mfa(&id, &want_mfa, &cfg).await?;
        }
        self.read_after(&id, op).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        self.converge(id, desired, changed, "UpdateUserPool")
            .await?;
        self.read_after(id, "UpdateUserPool").await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let Some(pool) = self.describe(id).await? else {
            return Ok(());
        };
        if pool.deletion_protection() == Some(&DeletionProtectionType::Active) {
            return Err(OpError::new(
                "DeleteUserPool",
                ErrorKind::Conflict,
                format!(
                    "user pool `{id}` has deletion protection on ({} users would be lost); to delete it, set \
                     `deletion-protection #false` and `lifecycle prevent-destroy=#false` on it and apply, then destroy",
                    pool.estimated_number_of_users()
                ),
            ));
        }
        delete_if_present(
            "DeleteUserPool",
            is_not_found,
            self.client.delete_user_pool().user_pool_id(id).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> aws_sdk_cognitoidentityprovider::Client {
        crate::aws::Aws::for_endpoint("http://127.0.0.1:9", "us-east-1").cognito_idp()
    }

    fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
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
        let want = Attrs::from([("tags".to_string(), map(&[("team", s("auth"))]))]);
        merged
            .overlay(&want, &["tags".to_string()], "UpdateUserPool")
            .unwrap();
        let req = update_request(&client(), "us-east-1_abc", &merged);
        let input = req.as_input();
        assert_eq!(input.get_user_pool_tags().as_ref().unwrap()["team"], "auth");
        let pp = input
            .get_policies()
            .as_ref()
            .unwrap()
            .password_policy()
            .unwrap();
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
        let want = Attrs::from([(
            "password-policy".to_string(),
            map(&[("min-length", Value::Int(14))]),
        )]);
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
        let req = create_request(&client(), &want, "CreateUserPool").unwrap();
        let input = req.as_input();
        assert_eq!(
            input.get_deletion_protection(),
            &Some(DeletionProtectionType::Active)
        );
        let pp = input
            .get_policies()
            .as_ref()
            .unwrap()
            .password_policy()
            .unwrap();
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
        let req = create_request(&client(), &off, "CreateUserPool").unwrap();
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
        let new = new_customs(&same, &live, "AddCustomAttributes").unwrap();
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
            new_customs(&changed, &live, "AddCustomAttributes")
                .unwrap_err()
                .kind,
            ErrorKind::Invalid
        );
    }
}
