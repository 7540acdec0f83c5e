//! The attributes of `cognito-user-pool`, declared once: the schema, the typed reading of a
//! configuration and the attributes a read reports all come from these structs.
//!
//! Nothing forces a replacement: what AWS fixes at creation is guarded (a change is refused with
//! the manual options), and custom attributes are additive (a new one is added in place).

use std::collections::BTreeMap;

use eco_schema::{Spec, SpecEnum};

/// A Cognito user pool.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "cognito-user-pool",
    doc = "A Cognito user pool; never replaced, updated with the full merged configuration",
    import_id = "the pool id (e.g. us-east-1_AbCdEfGhI)",
    prevent_destroy_by_default
)]
pub struct CognitoUserPool {
    /// pool name (UpdateUserPool PoolName)
    pub name: String,
    /// email and/or phone_number used as the username; fixed at creation
    #[eco(
        unordered,
        guarded = "Cognito fixes how users sign in (username-attributes, alias-attributes, case sensitivity) when the pool is created, and eco never replaces a pool: that would delete every user. Keep the current value, or create a second pool with the new setting, migrate users to it (e.g. with a user-migration Lambda trigger) and then remove the old one from the configuration."
    )]
    pub username_attributes: Option<Vec<UsernameAttribute>>,
    /// email, phone_number and/or preferred_username accepted besides the username; fixed at
    /// creation
    #[eco(
        unordered,
        guarded = "Cognito fixes how users sign in (username-attributes, alias-attributes, case sensitivity) when the pool is created, and eco never replaces a pool: that would delete every user. Keep the current value, or create a second pool with the new setting, migrate users to it (e.g. with a user-migration Lambda trigger) and then remove the old one from the configuration."
    )]
    pub alias_attributes: Option<Vec<AliasAttribute>>,
    /// whether usernames are case sensitive (default #false); fixed at creation
    #[eco(
        guarded = "Cognito fixes how users sign in (username-attributes, alias-attributes, case sensitivity) when the pool is created, and eco never replaces a pool: that would delete every user. Keep the current value, or create a second pool with the new setting, migrate users to it (e.g. with a user-migration Lambda trigger) and then remove the old one from the configuration."
    )]
    pub case_sensitive: Option<bool>,
    /// attributes Cognito verifies by sending a code: email, phone_number (UpdateUserPool)
    #[eco(unordered)]
    pub auto_verify: Option<Vec<String>>,
    /// flags of a standard attribute; fixed at creation (only the declared ones are compared)
    #[eco(
        guarded = "Cognito fixes the required and mutable flags of standard attributes when the pool is created, and eco never replaces a pool: that would delete every user. Keep the current flags and enforce the rule in a pre-sign-up Lambda trigger or the app, or create a new pool and migrate users to it.",
        declared_labels
    )]
    pub standard_attribute: Vec<StandardAttribute>,
    /// a custom attribute; new ones are added (AddCustomAttributes), existing ones never change
    #[eco(
        guarded = "New custom attributes are added in place (AddCustomAttributes), but Cognito can neither change nor remove an existing custom attribute, and eco never replaces a pool: that would delete every user. Restore the attribute's previous definition (it may simply stop being used), or add a new custom attribute under another name and move the data to it.",
        additive
    )]
    pub custom_attribute: Vec<CustomAttribute>,
    /// password policy (UpdateUserPool Policies)
    pub password_policy: Option<PasswordPolicy>,
    /// multi-factor authentication, e.g. mfa "OPTIONAL" software-token=#true (SetUserPoolMfaConfig)
    pub mfa: Option<Mfa>,
    /// recovery methods in priority order: verified_email, verified_phone_number, admin_only
    /// (UpdateUserPool)
    pub account_recovery: Option<Vec<RecoveryOption>>,
    /// how Cognito sends email (UpdateUserPool EmailConfiguration)
    pub email: Option<Email>,
    /// how Cognito sends SMS (UpdateUserPool SmsConfiguration)
    pub sms: Option<Sms>,
    /// verification messages (UpdateUserPool VerificationMessageTemplate)
    pub verification_message: Option<VerificationMessage>,
    /// users created by administrators (UpdateUserPool AdminCreateUserConfig)
    pub admin_create_user: Option<AdminCreateUser>,
    /// Lambda triggers (UpdateUserPool LambdaConfig)
    pub lambda_triggers: Option<LambdaTriggers>,
    /// refuse DeleteUserPool while set (default #true; eco also refuses to delete while it is on)
    /// (UpdateUserPool DeletionProtection)
    pub deletion_protection: Option<bool>,
    /// feature plan: LITE, ESSENTIALS (default) or PLUS (UpdateUserPool UserPoolTier)
    pub tier: Option<Tier>,
    /// pool id, REGION_xxxxxxxxx
    #[eco(computed)]
    pub id: Option<String>,
    /// pool ARN
    #[eco(computed)]
    pub arn: Option<String>,
    /// users in the pool (DescribeUserPool EstimatedNumberOfUsers); named when a replacement is
    /// asked for
    #[eco(computed)]
    pub estimated_users: Option<i64>,
    /// cognito-idp.REGION.amazonaws.com/ID
    #[eco(computed)]
    pub endpoint: Option<String>,
    /// https://cognito-idp.REGION.amazonaws.com/ID, the JWT issuer for api-authorizer
    #[eco(computed)]
    pub issuer: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

/// What users sign in with besides a username.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum UsernameAttribute {
    #[eco(rename = "email")]
    Email,
    #[eco(rename = "phone_number")]
    PhoneNumber,
}

/// What users may sign in with besides their username.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum AliasAttribute {
    #[eco(rename = "email")]
    Email,
    #[eco(rename = "phone_number")]
    PhoneNumber,
    #[eco(rename = "preferred_username")]
    PreferredUsername,
}

/// The flags of a standard attribute.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(label = "name")]
pub struct StandardAttribute {
    /// standard attribute, e.g. email, given_name, phone_number
    pub name: String,
    /// must be given at sign-up
    pub required: Option<bool>,
    /// may be changed after sign-up (default #true)
    pub mutable: Option<bool>,
}

/// A custom attribute (its name without `custom:`).
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(label = "name")]
pub struct CustomAttribute {
    /// attribute name, stored by Cognito as custom:NAME
    pub name: String,
    /// String (default), Number, DateTime or Boolean
    #[eco(rename = "type")]
    pub ty: Option<DataType>,
    /// whether the value may change after the user is created; write it explicitly
    pub mutable: Option<bool>,
    /// readable and writable only with developer (admin) credentials
    pub developer_only: Option<bool>,
    /// minimum length of a String attribute
    pub min_length: Option<i64>,
    /// maximum length of a String attribute (at most 2048)
    pub max_length: Option<i64>,
    /// minimum of a Number attribute
    pub min_value: Option<i64>,
    /// maximum of a Number attribute
    pub max_value: Option<i64>,
}

/// The type of a custom attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
pub enum DataType {
    #[default]
    String,
    Number,
    DateTime,
    Boolean,
}

/// The password policy.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct PasswordPolicy {
    /// minimum password length, 6 to 99 (default 8)
    #[eco(min = 6, max = 99)]
    pub min_length: Option<i32>,
    /// require an uppercase letter (default #true)
    pub require_uppercase: Option<bool>,
    /// require a lowercase letter (default #true)
    pub require_lowercase: Option<bool>,
    /// require a digit (default #true)
    pub require_numbers: Option<bool>,
    /// require a symbol (default #true)
    pub require_symbols: Option<bool>,
    /// days an admin-set temporary password stays valid (default 7)
    pub temporary_password_validity_days: Option<i32>,
    /// previous passwords a user may not reuse (Essentials and Plus tiers)
    pub password_history_size: Option<i32>,
}

/// Multi-factor authentication: the mode and the factors allowed.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(label = "mode")]
pub struct Mfa {
    /// OFF (default), OPTIONAL or ON
    pub mode: Option<MfaMode>,
    /// allow authenticator-app (TOTP) codes
    pub software_token: Option<bool>,
    /// allow SMS codes (needs the sms block)
    pub sms: Option<bool>,
    /// allow email codes (needs developer email sending)
    pub email: Option<bool>,
}

/// Whether MFA is off, on for everyone, or optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MfaMode {
    #[default]
    Off,
    On,
    Optional,
}

/// An account recovery method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum RecoveryOption {
    #[eco(rename = "verified_email")]
    VerifiedEmail,
    #[eco(rename = "verified_phone_number")]
    VerifiedPhoneNumber,
    #[eco(rename = "admin_only")]
    AdminOnly,
}

/// How Cognito sends email.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct Email {
    /// COGNITO_DEFAULT (default) or DEVELOPER (SES)
    pub sending_account: Option<SendingAccount>,
    /// ARN of the verified SES identity, for DEVELOPER
    pub source_arn: Option<String>,
    /// sender address, e.g. Ecogy <no-reply@ecogy.io>
    pub from: Option<String>,
    /// reply-to address
    pub reply_to: Option<String>,
    /// SES configuration set
    pub configuration_set: Option<String>,
}

/// Who sends a pool's email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SendingAccount {
    CognitoDefault,
    Developer,
}

/// How Cognito sends SMS.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct Sms {
    /// ARN of the role Cognito assumes to publish through SNS
    pub sns_caller_arn: String,
    /// external id in that role's trust policy
    pub external_id: Option<String>,
    /// region of SNS (default: the pool's)
    pub sns_region: Option<String>,
    /// SMS text of MFA codes, containing {####}
    pub authentication_message: Option<String>,
}

/// Verification messages.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct VerificationMessage {
    /// CONFIRM_WITH_CODE (default) or CONFIRM_WITH_LINK
    pub default_email_option: Option<EmailOption>,
    /// subject of the code email
    pub email_subject: Option<String>,
    /// body of the code email, containing {####}
    pub email_message: Option<String>,
    /// subject of the link email
    pub email_subject_by_link: Option<String>,
    /// body of the link email, containing {##Click here##}
    pub email_message_by_link: Option<String>,
    /// SMS text of verification codes, containing {####}
    pub sms_message: Option<String>,
}

/// How a verification email confirms the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EmailOption {
    ConfirmWithCode,
    ConfirmWithLink,
}

/// Users created by administrators.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct AdminCreateUser {
    /// only administrators create users; self sign-up is off
    pub admin_only: Option<bool>,
    /// subject of the invitation email
    pub invite_email_subject: Option<String>,
    /// body of the invitation email, containing {username} and {####}
    pub invite_email_message: Option<String>,
    /// invitation SMS, containing {username} and {####}
    pub invite_sms_message: Option<String>,
}

/// The Lambda triggers, each a function ARN.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct LambdaTriggers {
    /// Lambda ARN run before sign-up
    pub pre_sign_up: Option<String>,
    /// Lambda ARN run after confirmation
    pub post_confirmation: Option<String>,
    /// Lambda ARN run before sign-in
    pub pre_authentication: Option<String>,
    /// Lambda ARN run after sign-in
    pub post_authentication: Option<String>,
    /// Lambda ARN that customizes token claims
    pub pre_token_generation: Option<String>,
    /// Lambda ARN that customizes messages
    pub custom_message: Option<String>,
    /// Lambda ARN of a custom auth flow
    pub define_auth_challenge: Option<String>,
    /// Lambda ARN of a custom auth flow
    pub create_auth_challenge: Option<String>,
    /// Lambda ARN of a custom auth flow
    pub verify_auth_challenge_response: Option<String>,
    /// Lambda ARN that migrates users from another store at sign-in
    pub user_migration: Option<String>,
}

/// The feature plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Tier {
    Lite,
    Essentials,
    Plus,
}
