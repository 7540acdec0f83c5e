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
//! - delete: UpdateUserPool DeletionProtection=INACTIVE (only when the user lifted
//!   prevent-destroy and deletion-protection), then DeleteUserPool
//! - import: by pool id (DescribeUserPool); `eco discover` lists pools by name

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
        Attribute::string("type").doc("String (default) or Number"),
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
        .attr(Attribute::string("name").required().doc("pool name (UpdateUserPool PoolName)"))
        .attr(
            Attribute::list("username-attributes", ScalarType::String).unordered()
                .guarded(USERNAME_FIXED)
                .doc("email and/or phone_number used as the username; fixed at creation"),
        )
        .attr(
            Attribute::list("alias-attributes", ScalarType::String).unordered()
                .guarded(USERNAME_FIXED)
                .doc("email, phone_number and/or preferred_username accepted besides the username; fixed at creation"),
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
            .doc("flags of a standard attribute; fixed at creation"),
        )
        .attr(
            Attribute::repeated_block("custom-attribute", "name", custom_fields)
                .guarded(CUSTOM_FIXED)
                .doc("a custom attribute; new ones are added (AddCustomAttributes), existing ones never change"),
        )
        .attr(
            Attribute::block(
                "password-policy",
                vec![
                    Attribute::int("min-length").doc("minimum password length, 6 to 99 (default 8)"),
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
                    Attribute::string("mode").doc("OFF (default), OPTIONAL or ON"),
                    Attribute::bool("software-token").doc("allow authenticator-app (TOTP) codes"),
                    Attribute::bool("sms").doc("allow SMS codes (needs the sms block)"),
                    Attribute::bool("email").doc("allow email codes (needs developer email sending)"),
                ],
            )
            .doc("multi-factor authentication, e.g. mfa \"OPTIONAL\" software-token=#true (SetUserPoolMfaConfig)"),
        )
        .attr(
            Attribute::list("account-recovery", ScalarType::String)
                .doc("recovery methods in priority order: verified_email, verified_phone_number, admin_only (UpdateUserPool)"),
        )
        .attr(
            Attribute::block(
                "email",
                vec![
                    Attribute::string("sending-account").doc("COGNITO_DEFAULT (default) or DEVELOPER (SES)"),
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
                        .doc("CONFIRM_WITH_CODE (default) or CONFIRM_WITH_LINK"),
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
                .doc("refuse DeleteUserPool while set (default #true) (UpdateUserPool DeletionProtection)"),
        )
        .attr(
            Attribute::string("tier")
                .doc("feature plan: LITE, ESSENTIALS (default) or PLUS (UpdateUserPool UserPoolTier)"),
        )
        .attr(Attribute::string("id").computed().doc("pool id, REGION_xxxxxxxxx"))
        .attr(Attribute::string("arn").computed().doc("pool ARN"))
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
