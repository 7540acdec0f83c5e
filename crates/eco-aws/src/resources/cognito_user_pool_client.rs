//! `cognito-user-pool-client`: an app client of a user pool.
//!
//! Like UpdateUserPool, UpdateUserPoolClient resets every field it is not given, so eco sends the
//! full merged configuration.
//!
//! AWS calls:
//! - read: DescribeUserPoolClient
//! - create: CreateUserPoolClient
//! - update: UpdateUserPoolClient with the full merged configuration
//! - delete: DeleteUserPoolClient
//! - import: by `POOL-ID/CLIENT-ID` (DescribeUserPoolClient)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "cognito-user-pool-client";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "An app client of a Cognito user pool")
        .attr(
            Attribute::string("user-pool")
                .required()
                .forces_replacement()
                .doc("id of the user pool"),
        )
        .attr(Attribute::string("name").required().doc("client name (UpdateUserPoolClient)"))
        .attr(
            Attribute::bool("generate-secret")
                .forces_replacement()
                .doc("give the client a secret (server-side apps); fixed at creation"),
        )
        .attr(
            Attribute::list("explicit-auth-flows", ScalarType::String)
                .doc("e.g. ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::bool("oauth-enabled")
                .doc("the client may use OAuth flows (AllowedOAuthFlowsUserPoolClient)"),
        )
        .attr(
            Attribute::list("allowed-oauth-flows", ScalarType::String)
                .doc("code, implicit and/or client_credentials (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("allowed-oauth-scopes", ScalarType::String)
                .doc("e.g. openid, email, profile, aws.cognito.signin.user.admin (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("callback-urls", ScalarType::String)
                .doc("URLs the hosted UI may redirect to after sign-in (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("logout-urls", ScalarType::String)
                .doc("URLs the hosted UI may redirect to after sign-out (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::string("default-redirect-uri")
                .doc("default callback URL (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("identity-providers", ScalarType::String)
                .doc("supported identity providers, e.g. COGNITO (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("read-attributes", ScalarType::String)
                .doc("user attributes the client may read (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("write-attributes", ScalarType::String)
                .doc("user attributes the client may write (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::block(
                "token-validity",
                vec![
                    Attribute::int("access").doc("access token validity"),
                    Attribute::int("id").doc("id token validity"),
                    Attribute::int("refresh").doc("refresh token validity"),
                    Attribute::string("access-unit").doc("seconds, minutes, hours (default) or days"),
                    Attribute::string("id-unit").doc("seconds, minutes, hours (default) or days"),
                    Attribute::string("refresh-unit").doc("seconds, minutes, hours or days (default)"),
                ],
            )
            .doc("token lifetimes, e.g. token-validity access=1 id=1 refresh=30 (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::int("auth-session-validity")
                .doc("minutes an authentication session stays valid, 3 to 15 (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::string("prevent-user-existence-errors")
                .doc("ENABLED (default) or LEGACY (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::bool("enable-token-revocation")
                .doc("allow revoking refresh tokens (default #true) (UpdateUserPoolClient)"),
        )
        .attr(Attribute::string("id").computed().doc("client id, the JWT audience"))
        .attr(
            Attribute::string("secret")
                .computed()
                .sensitive()
                .doc("client secret, when generate-secret is set"),
        )
}
