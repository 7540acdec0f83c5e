//! `cognito-user-pool-client`: an app client of a user pool.
//!
//! Like UpdateUserPool, UpdateUserPoolClient resets every field it is not given, so eco sends the
//! full merged configuration.
//!
//! AWS calls:
//! - read: DescribeUserPoolClient (the secret, when the client has one, is a sensitive computed
//!   attribute)
//! - find: ListUserPoolClients (paged) in the configured pool, by name; then
//!   DescribeUserPoolClient. App clients carry no tags: the pool (this configuration's, by its id)
//!   is what makes the client this address's
//! - create: CreateUserPoolClient (GenerateSecret when `generate-secret #true`); an existing client
//!   of that name in the pool is adopted and brought to the configuration
//! - update: DescribeUserPoolClient, then UpdateUserPoolClient with the full merged configuration
//!   (the live client with the changed attributes from the configuration, including fields eco
//!   does not manage such as analytics and refresh-token rotation)
//! - delete: DeleteUserPoolClient
//! - import: by `POOL-ID/CLIENT-ID` (DescribeUserPoolClient); the state id has the same form

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "cognito-user-pool-client";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "An app client of a Cognito user pool")
        .import_id("`POOL-ID/CLIENT-ID`")
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
                .unordered()
                .one_of(AUTH_FLOWS).doc("e.g. ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::bool("oauth-enabled")
                .doc("the client may use OAuth flows (AllowedOAuthFlowsUserPoolClient)"),
        )
        .attr(
            Attribute::list("allowed-oauth-flows", ScalarType::String)
                .unordered()
                .one_of(OAUTH_FLOWS).doc("code, implicit and/or client_credentials (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("allowed-oauth-scopes", ScalarType::String)
                .unordered()
                .doc("e.g. openid, email, profile, aws.cognito.signin.user.admin (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("callback-urls", ScalarType::String)
                .unordered()
                .doc("URLs the hosted UI may redirect to after sign-in (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("logout-urls", ScalarType::String)
                .unordered()
                .doc("URLs the hosted UI may redirect to after sign-out (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::string("default-redirect-uri")
                .doc("default callback URL (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("identity-providers", ScalarType::String)
                .unordered()
                .doc("supported identity providers, e.g. COGNITO (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("read-attributes", ScalarType::String)
                .unordered()
                .doc("user attributes the client may read (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::list("write-attributes", ScalarType::String)
                .unordered()
                .doc("user attributes the client may write (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::block(
                "token-validity",
                vec![
                    Attribute::int("access").doc("access token validity"),
                    Attribute::int("id").doc("id token validity"),
                    Attribute::int("refresh").doc("refresh token validity"),
                    Attribute::string("access-unit").one_of(UNITS).doc("seconds, minutes, hours (default) or days"),
                    Attribute::string("id-unit").one_of(UNITS).doc("seconds, minutes, hours (default) or days"),
                    Attribute::string("refresh-unit").one_of(UNITS).doc("seconds, minutes, hours or days (default)"),
                ],
            )
            .doc("token lifetimes, e.g. token-validity access=1 id=1 refresh=30 (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::int("auth-session-validity").range(3, 15)
                .doc("minutes an authentication session stays valid, 3 to 15 (UpdateUserPoolClient)"),
        )
        .attr(
            Attribute::string("prevent-user-existence-errors")
                .one_of(&["ENABLED", "LEGACY"]).doc("ENABLED (default) or LEGACY (UpdateUserPoolClient)"),
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

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::types::{
    AnalyticsConfigurationType, ExplicitAuthFlowsType, OAuthFlowType,
    PreventUserExistenceErrorTypes, RefreshTokenRotationType, TimeUnitsType,
    TokenValidityUnitsType, UserPoolClientType,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};

use crate::attrs::{
    opt_block, opt_bool, opt_int_in, opt_str, opt_str_list, req_str, s, str_list_value,
};
use crate::aws::{is_not_found, op_error, Aws};
use crate::calls::{delete_if_present, get_optional};

const TY: &str = "cognito-user-pool-client";

const AUTH_FLOWS: &[&str] = &[
    "ADMIN_NO_SRP_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY",
    "USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_AUTH",
];
const OAUTH_FLOWS: &[&str] = &["code", "implicit", "client_credentials"];
const UNITS: &[&str] = &["seconds", "minutes", "hours", "days"];

/// `POOL-ID/CLIENT-ID` split in two.
pub fn split_id(id: &str, op: &str) -> Result<(String, String), OpError> {
    crate::ids::split_pair(id, TY, op, "POOL-ID/CLIENT-ID")
}

fn checked(
    op: &str,
    what: &str,
    values: Vec<String>,
    allowed: &[&str],
) -> Result<Vec<String>, OpError> {
    for v in &values {
        if !allowed.contains(&v.as_str()) {
            return Err(OpError::invalid(
                op,
                format!(
                    "{TY}: `{what}` value `{v}` is not one of {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(values)
}

/// One token lifetime: its value and unit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Validity {
    pub value: Option<i32>,
    pub unit: Option<String>,
}

/// Everything UpdateUserPoolClient takes. UpdateUserPoolClient resets every field it is not
/// given, so an update always sends all of it: the live client with the changed attributes from
/// the configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClientConfig {
    pub name: Option<String>,
    pub access: Validity,
    pub id: Validity,
    pub refresh: Validity,
    pub read_attributes: Option<Vec<String>>,
    pub write_attributes: Option<Vec<String>>,
    pub explicit_auth_flows: Option<Vec<String>>,
    pub identity_providers: Option<Vec<String>>,
    pub callback_urls: Option<Vec<String>>,
    pub logout_urls: Option<Vec<String>>,
    pub default_redirect_uri: Option<String>,
    pub oauth_flows: Option<Vec<String>>,
    pub oauth_scopes: Option<Vec<String>>,
    pub oauth_enabled: Option<bool>,
    pub prevent_user_existence_errors: Option<String>,
    pub enable_token_revocation: Option<bool>,
    pub auth_session_validity: Option<i32>,
    // Not managed by eco, carried over so that an update does not reset them.
    pub analytics: Option<AnalyticsConfigurationType>,
    pub propagate_user_context: Option<bool>,
    pub refresh_token_rotation: Option<RefreshTokenRotationType>,
}

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

impl ClientConfig {
    pub fn from_live(c: &UserPoolClientType) -> ClientConfig {
        let units = c.token_validity_units();
        let unit = |u: Option<&TimeUnitsType>| u.map(|u| u.as_str().to_string());
        ClientConfig {
            name: c.client_name().map(str::to_string),
            access: Validity {
                value: c.access_token_validity(),
                unit: unit(units.and_then(|u| u.access_token())),
            },
            id: Validity {
                value: c.id_token_validity(),
                unit: unit(units.and_then(|u| u.id_token())),
            },
            refresh: Validity {
                value: Some(c.refresh_token_validity()).filter(|n| *n > 0),
                unit: unit(units.and_then(|u| u.refresh_token())),
            },
            read_attributes: non_empty(c.read_attributes()),
            write_attributes: non_empty(c.write_attributes()),
            explicit_auth_flows: non_empty(
                &c.explicit_auth_flows()
                    .iter()
                    .map(|f| f.as_str().to_string())
                    .collect::<Vec<_>>(),
            ),
            identity_providers: non_empty(c.supported_identity_providers()),
            callback_urls: non_empty(c.callback_urls()),
            logout_urls: non_empty(c.logout_urls()),
            default_redirect_uri: c
                .default_redirect_uri()
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            oauth_flows: non_empty(
                &c.allowed_o_auth_flows()
                    .iter()
                    .map(|f| f.as_str().to_string())
                    .collect::<Vec<_>>(),
            ),
            oauth_scopes: non_empty(c.allowed_o_auth_scopes()),
            oauth_enabled: c.allowed_o_auth_flows_user_pool_client(),
            prevent_user_existence_errors: c
                .prevent_user_existence_errors()
                .map(|p| p.as_str().to_string()),
            enable_token_revocation: c.enable_token_revocation(),
            auth_session_validity: c.auth_session_validity(),
            analytics: c.analytics_configuration().cloned(),
            propagate_user_context: c.enable_propagate_additional_user_context_data(),
            refresh_token_rotation: c.refresh_token_rotation().cloned(),
        }
    }

    /// This configuration with the attributes in `changed` taken from `want`. An attribute no
    /// longer in the configuration is unmanaged: its live value stays.
    pub fn overlay(
        &self,
        want: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<ClientConfig, OpError> {
        let mut out = self.clone();
        let list = |k: &str| opt_str_list(want, k, TY, op);
        for c in changed {
            match c.as_str() {
                "name" => out.name = Some(req_str(want, "name", TY, op)?),
                "explicit-auth-flows" => {
                    if let Some(v) = list(c)? {
                        out.explicit_auth_flows = Some(checked(op, c, v, AUTH_FLOWS)?);
                    }
                }
                "allowed-oauth-flows" => {
                    if let Some(v) = list(c)? {
                        out.oauth_flows = Some(checked(op, c, v, OAUTH_FLOWS)?);
                    }
                }
                "allowed-oauth-scopes" => {
                    if let Some(v) = list(c)? {
                        out.oauth_scopes = Some(v);
                    }
                }
                "callback-urls" => {
                    if let Some(v) = list(c)? {
                        out.callback_urls = Some(v);
                    }
                }
                "logout-urls" => {
                    if let Some(v) = list(c)? {
                        out.logout_urls = Some(v);
                    }
                }
                "identity-providers" => {
                    if let Some(v) = list(c)? {
                        out.identity_providers = Some(v);
                    }
                }
                "read-attributes" => {
                    if let Some(v) = list(c)? {
                        out.read_attributes = Some(v);
                    }
                }
                "write-attributes" => {
                    if let Some(v) = list(c)? {
                        out.write_attributes = Some(v);
                    }
                }
                "default-redirect-uri" => {
                    if let Some(v) = opt_str(want, c, TY, op)? {
                        out.default_redirect_uri = Some(v);
                    }
                }
                "oauth-enabled" => {
                    if let Some(v) = opt_bool(want, c, TY, op)? {
                        out.oauth_enabled = Some(v);
                    }
                }
                "enable-token-revocation" => {
                    if let Some(v) = opt_bool(want, c, TY, op)? {
                        out.enable_token_revocation = Some(v);
                    }
                }
                "prevent-user-existence-errors" => {
                    if let Some(v) = opt_str(want, c, TY, op)? {
                        checked(op, c, vec![v.clone()], &["ENABLED", "LEGACY"])?;
                        out.prevent_user_existence_errors = Some(v);
                    }
                }
                "auth-session-validity" => {
                    if let Some(v) = opt_int_in(want, c, 3..=15, TY, op)? {
                        out.auth_session_validity = Some(v);
                    }
                }
                "token-validity" => {
                    if let Some(block) = opt_block(want, c, TY, op)? {
                        overlay_validity(&mut out.access, block, "access", "hours", op)?;
                        overlay_validity(&mut out.id, block, "id", "hours", op)?;
                        overlay_validity(&mut out.refresh, block, "refresh", "days", op)?;
                    }
                }
                "user-pool" | "generate-secret" => {
                    return Err(OpError::invalid(
                        op,
                        format!("{TY}: `{c}` cannot change in place (it forces a replacement)"),
                    ))
                }
                _ => {}
            }
        }
        Ok(out)
    }

    fn units(&self) -> Option<TokenValidityUnitsType> {
        let unit = |v: &Validity| v.unit.as_deref().map(TimeUnitsType::from);
        if self.access.unit.is_none() && self.id.unit.is_none() && self.refresh.unit.is_none() {
            return None;
        }
        Some(
            TokenValidityUnitsType::builder()
                .set_access_token(unit(&self.access))
                .set_id_token(unit(&self.id))
                .set_refresh_token(unit(&self.refresh))
                .build(),
        )
    }
}

/// A token lifetime from the `token-validity` block: a value without its unit means AWS's
/// default unit for that token (hours for access and id tokens, days for refresh tokens), never
/// the unit the live client happens to have.
fn overlay_validity(
    v: &mut Validity,
    block: &BTreeMap<String, Value>,
    key: &str,
    default_unit: &str,
    op: &str,
) -> Result<(), OpError> {
    let unit_key = format!("{key}-unit");
    let unit = match block.get(&unit_key) {
        None | Some(Value::Null) => None,
        Some(Value::String(u)) if UNITS.contains(&u.as_str()) => Some(u.clone()),
        Some(other) => {
            return Err(OpError::invalid(
                op,
                format!(
                    "{TY}: token-validity {unit_key} must be one of {}, got {other}",
                    UNITS.join(", ")
                ),
            ))
        }
    };
    match block.get(key) {
        None | Some(Value::Null) => {
            if unit.is_some() {
                v.unit = unit;
            }
        }
        Some(Value::Int(n)) if *n > 0 && *n <= i32::MAX as i64 => {
            v.value = Some(*n as i32);
            v.unit = Some(unit.unwrap_or_else(|| default_unit.to_string()));
        }
        Some(other) => {
            return Err(OpError::invalid(
                op,
                format!("{TY}: token-validity {key} must be a positive integer, got {other}"),
            ))
        }
    }
    Ok(())
}

type UpdateReq = aws_sdk_cognitoidentityprovider::operation::update_user_pool_client::builders::UpdateUserPoolClientFluentBuilder;
type CreateReq = aws_sdk_cognitoidentityprovider::operation::create_user_pool_client::builders::CreateUserPoolClientFluentBuilder;

macro_rules! client_fields {
    ($req:expr, $cfg:expr) => {{
        let cfg = $cfg;
        $req.set_client_name(cfg.name.clone())
            .set_access_token_validity(cfg.access.value)
            .set_id_token_validity(cfg.id.value)
            .set_refresh_token_validity(cfg.refresh.value)
            .set_token_validity_units(cfg.units())
            .set_read_attributes(cfg.read_attributes.clone())
            .set_write_attributes(cfg.write_attributes.clone())
            .set_explicit_auth_flows(cfg.explicit_auth_flows.as_ref().map(|v| {
                v.iter()
                    .map(|f| ExplicitAuthFlowsType::from(f.as_str()))
                    .collect()
            }))
            .set_supported_identity_providers(cfg.identity_providers.clone())
            .set_callback_urls(cfg.callback_urls.clone())
            .set_logout_urls(cfg.logout_urls.clone())
            .set_default_redirect_uri(cfg.default_redirect_uri.clone())
            .set_allowed_o_auth_flows(
                cfg.oauth_flows
                    .as_ref()
                    .map(|v| v.iter().map(|f| OAuthFlowType::from(f.as_str())).collect()),
            )
            .set_allowed_o_auth_scopes(cfg.oauth_scopes.clone())
            .set_allowed_o_auth_flows_user_pool_client(cfg.oauth_enabled)
            .set_analytics_configuration(cfg.analytics.clone())
            .set_prevent_user_existence_errors(
                cfg.prevent_user_existence_errors
                    .as_deref()
                    .map(PreventUserExistenceErrorTypes::from),
            )
            .set_enable_token_revocation(cfg.enable_token_revocation)
            .set_enable_propagate_additional_user_context_data(cfg.propagate_user_context)
            .set_auth_session_validity(cfg.auth_session_validity)
            .set_refresh_token_rotation(cfg.refresh_token_rotation.clone())
    }};
}

/// UpdateUserPoolClient carrying every field of `cfg`.
pub fn update_request(req: UpdateReq, pool: &str, client: &str, cfg: &ClientConfig) -> UpdateReq {
    client_fields!(req.user_pool_id(pool).client_id(client), cfg)
}

/// CreateUserPoolClient carrying what the configuration sets.
pub fn create_request(req: CreateReq, desired: &Attrs, op: &str) -> Result<CreateReq, OpError> {
    let pool = req_str(desired, "user-pool", TY, op)?;
    let names: Vec<String> = desired
        .keys()
        .filter(|k| *k != "user-pool" && *k != "generate-secret" && *k != "tags")
        .cloned()
        .collect();
    let cfg = ClientConfig::default().overlay(desired, &names, op)?;
    let secret = opt_bool(desired, "generate-secret", TY, op)?;
    Ok(client_fields!(req.user_pool_id(pool), &cfg).set_generate_secret(secret))
}

fn validity_value(c: &UserPoolClientType) -> Option<Value> {
    let cfg = ClientConfig::from_live(c);
    let mut m = BTreeMap::new();
    for (key, v, default_unit) in [
        ("access", &cfg.access, "hours"),
        ("id", &cfg.id, "hours"),
        ("refresh", &cfg.refresh, "days"),
    ] {
        if let Some(n) = v.value {
            m.insert(key.to_string(), Value::Int(n as i64));
            m.insert(
                format!("{key}-unit"),
                s(v.unit.clone().unwrap_or_else(|| default_unit.to_string())),
            );
        }
    }
    (!m.is_empty()).then_some(Value::Map(m))
}

/// The configuration-shaped attributes of a live client.
pub fn to_attrs(c: &UserPoolClientType) -> Attrs {
    let cfg = ClientConfig::from_live(c);
    let mut a = Attrs::new();
    if let Some(p) = c.user_pool_id() {
        a.insert("user-pool".into(), s(p));
    }
    if let Some(n) = &cfg.name {
        a.insert("name".into(), s(n));
    }
    a.insert(
        "generate-secret".into(),
        Value::Bool(c.client_secret().is_some_and(|x| !x.is_empty())),
    );
    let mut list = |k: &str, v: &Option<Vec<String>>| {
        if let Some(v) = v {
            a.insert(k.to_string(), str_list_value(v.iter().cloned()));
        }
    };
    list("explicit-auth-flows", &cfg.explicit_auth_flows);
    list("allowed-oauth-flows", &cfg.oauth_flows);
    list("allowed-oauth-scopes", &cfg.oauth_scopes);
    list("callback-urls", &cfg.callback_urls);
    list("logout-urls", &cfg.logout_urls);
    list("identity-providers", &cfg.identity_providers);
    list("read-attributes", &cfg.read_attributes);
    list("write-attributes", &cfg.write_attributes);
    if let Some(u) = &cfg.default_redirect_uri {
        a.insert("default-redirect-uri".into(), s(u));
    }
    a.insert(
        "oauth-enabled".into(),
        Value::Bool(cfg.oauth_enabled.unwrap_or(false)),
    );
    if let Some(v) = validity_value(c) {
        a.insert("token-validity".into(), v);
    }
    if let Some(n) = cfg.auth_session_validity {
        a.insert("auth-session-validity".into(), Value::Int(n as i64));
    }
    if let Some(p) = &cfg.prevent_user_existence_errors {
        a.insert("prevent-user-existence-errors".into(), s(p));
    }
    if let Some(b) = cfg.enable_token_revocation {
        a.insert("enable-token-revocation".into(), Value::Bool(b));
    }
    if let Some(id) = c.client_id() {
        a.insert("id".into(), s(id));
    }
    if let Some(secret) = c.client_secret().filter(|x| !x.is_empty()) {
        a.insert("secret".into(), s(secret));
    }
    a
}

/// The `cognito-user-pool-client` operations.
pub struct Provider {
    client: aws_sdk_cognitoidentityprovider::Client,
    schema: Schema,
}

fn live_of(pool: &str, c: &UserPoolClientType) -> Live {
    Live {
        id: format!("{pool}/{}", c.client_id().unwrap_or_default()),
        attrs: to_attrs(c),
    }
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.cognito_idp(),
            schema: schema(),
        }
    }

    async fn describe(&self, pool: &str, id: &str) -> Result<Option<UserPoolClientType>, OpError> {
        match self
            .client
            .describe_user_pool_client()
            .user_pool_id(pool)
            .client_id(id)
            .send()
            .await
        {
            Ok(o) => Ok(o.user_pool_client),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(op_error("DescribeUserPoolClient", e)),
        }
    }

    /// The first client of the pool with this name (ListUserPoolClients, every page).
    async fn id_named(&self, pool: &str, name: &str) -> Result<Option<String>, OpError> {
        let mut token: Option<String> = None;
        loop {
            let Some(out) = get_optional(
                "ListUserPoolClients",
                is_not_found,
                self.client
                    .list_user_pool_clients()
                    .user_pool_id(pool)
                    .max_results(60)
                    .set_next_token(token.take())
                    .send(),
            )
            .await?
            else {
                return Ok(None);
            };
            if let Some(c) = out
                .user_pool_clients()
                .iter()
                .find(|c| c.client_name() == Some(name))
            {
                return Ok(c.client_id().map(str::to_string));
            }
            match out.next_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(None),
            }
        }
    }

    async fn converge(
        &self,
        pool: &str,
        live: &UserPoolClientType,
        want: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<Live, OpError> {
        let current = ClientConfig::from_live(live);
        let merged = current.overlay(want, changed, op)?;
        if merged == current {
            return Ok(live_of(pool, live));
        }
        let id = live.client_id().unwrap_or_default();
        let out = update_request(self.client.update_user_pool_client(), pool, id, &merged)
            .send()
            .await
            .map_err(|e| op_error("UpdateUserPoolClient", e))?;
        match out.user_pool_client {
            Some(c) => Ok(live_of(pool, &c)),
            None => self.read_required(pool, id, op).await,
        }
    }

    async fn read_required(&self, pool: &str, id: &str, op: &str) -> Result<Live, OpError> {
        match self.describe(pool, id).await? {
            Some(c) => Ok(live_of(pool, &c)),
            None => Err(OpError::new(
                op,
                ErrorKind::Other,
                format!("{TY}: client `{id}` of pool `{pool}` vanished during {op}"),
            )),
        }
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        let (pool, client) = split_id(id, "DescribeUserPoolClient")?;
        Ok(self
            .describe(&pool, &client)
            .await?
            .map(|c| live_of(&pool, &c)))
    }

    async fn find(
        &self,
        _ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let pool = req_str(desired, "user-pool", TY, "ListUserPoolClients")?;
        let name = req_str(desired, "name", TY, "ListUserPoolClients")?;
        match self.id_named(&pool, &name).await? {
            Some(id) => Ok(self.describe(&pool, &id).await?.map(|c| live_of(&pool, &c))),
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateUserPoolClient";
        let req = create_request(self.client.create_user_pool_client(), desired, op)?;
        let pool = req_str(desired, "user-pool", TY, op)?;
        if let Some(found) = self.find(ctx, desired, token).await? {
            let want_secret = opt_bool(desired, "generate-secret", TY, op)?.unwrap_or(false);
            if found.attrs.get("generate-secret") != Some(&Value::Bool(want_secret)) {
                return Err(OpError::new(
                    op,
                    ErrorKind::Conflict,
                    format!(
                        "{TY}: the pool already has a client named {} ({}) whose generate-secret differs, \
                         and Cognito fixes that at creation; rename this client or delete that one",
                        desired.get("name").map(Value::to_string).unwrap_or_default(),
                        found.id
                    ),
                ));
            }
            let (_, id) = split_id(&found.id, op)?;
            let live = self.describe(&pool, &id).await?.ok_or_else(|| {
                OpError::new(
                    op,
                    ErrorKind::Other,
                    format!("{TY}: client `{id}` vanished"),
                )
            })?;
            let names: Vec<String> = desired
                .keys()
                .filter(|k| *k != "user-pool" && *k != "generate-secret")
                .cloned()
                .collect();
            return self.converge(&pool, &live, desired, &names, op).await;
        }
        let out = req.send().await.map_err(|e| op_error(op, e))?;
        match out.user_pool_client {
            Some(c) => Ok(live_of(&pool, &c)),
            None => Err(OpError::new(
                op,
                ErrorKind::Other,
                "CreateUserPoolClient returned no client",
            )),
        }
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateUserPoolClient";
        let (pool, client) = split_id(id, op)?;
        let Some(live) = self.describe(&pool, &client).await? else {
            return Err(OpError::new(
                op,
                ErrorKind::Other,
                format!("{TY}: client `{client}` of pool `{pool}` no longer exists (deleted outside eco?)"),
            ));
        };
        self.converge(&pool, &live, desired, changed, op).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (pool, client) = split_id(id, "DeleteUserPoolClient")?;
        delete_if_present(
            "DeleteUserPoolClient",
            is_not_found,
            self.client
                .delete_user_pool_client()
                .user_pool_id(pool)
                .client_id(client)
                .send(),
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

    fn live() -> UserPoolClientType {
        UserPoolClientType::builder()
            .user_pool_id("us-east-1_p")
            .client_id("abc")
            .client_name("web")
            .access_token_validity(60)
            .id_token_validity(60)
            .refresh_token_validity(30)
            .token_validity_units(
                TokenValidityUnitsType::builder()
                    .access_token(TimeUnitsType::Minutes)
                    .id_token(TimeUnitsType::Minutes)
                    .refresh_token(TimeUnitsType::Days)
                    .build(),
            )
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .callback_urls("https://a.example/cb")
            .logout_urls("https://a.example/")
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .allowed_o_auth_flows_user_pool_client(true)
            .supported_identity_providers("COGNITO")
            .read_attributes("email")
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .enable_token_revocation(true)
            .auth_session_validity(3)
            .enable_propagate_additional_user_context_data(false)
            .build()
    }

    #[test]
    fn update_user_pool_client_carries_the_full_merged_configuration() {
        let want = Attrs::from([(
            "logout-urls".to_string(),
            str_list_value(["https://b.example/"]),
        )]);
        let merged = ClientConfig::from_live(&live())
            .overlay(&want, &["logout-urls".into()], "UpdateUserPoolClient")
            .unwrap();
        let req = update_request(
            client().update_user_pool_client(),
            "us-east-1_p",
            "abc",
            &merged,
        );
        assert_eq!(
            req.get_logout_urls().as_deref(),
            Some(&["https://b.example/".to_string()][..])
        );
        // Everything else the live client has is sent again, or UpdateUserPoolClient resets it.
        assert_eq!(req.get_client_name().as_deref(), Some("web"));
        assert_eq!(
            req.get_callback_urls().as_deref(),
            Some(&["https://a.example/cb".to_string()][..])
        );
        assert_eq!(
            req.get_allowed_o_auth_flows().as_ref().unwrap(),
            &[OAuthFlowType::Code]
        );
        assert_eq!(
            req.get_allowed_o_auth_scopes().as_ref().unwrap(),
            &["openid".to_string()]
        );
        assert_eq!(req.get_allowed_o_auth_flows_user_pool_client(), &Some(true));
        assert_eq!(req.get_explicit_auth_flows().as_ref().unwrap().len(), 2);
        assert_eq!(
            req.get_supported_identity_providers().as_ref().unwrap(),
            &["COGNITO".to_string()]
        );
        assert_eq!(
            req.get_read_attributes().as_ref().unwrap(),
            &["email".to_string()]
        );
        assert_eq!(req.get_access_token_validity(), &Some(60));
        assert_eq!(req.get_refresh_token_validity(), &Some(30));
        let units = req.get_token_validity_units().clone().unwrap();
        assert_eq!(units.access_token(), Some(&TimeUnitsType::Minutes));
        assert_eq!(units.refresh_token(), Some(&TimeUnitsType::Days));
        assert_eq!(req.get_enable_token_revocation(), &Some(true));
        assert_eq!(req.get_auth_session_validity(), &Some(3));
        assert_eq!(
            req.get_prevent_user_existence_errors(),
            &Some(PreventUserExistenceErrorTypes::Enabled)
        );
    }

    #[test]
    fn token_validity_without_a_unit_uses_aws_default_unit_not_the_live_one() {
        let want = Attrs::from([(
            "token-validity".to_string(),
            Value::Map(BTreeMap::from([
                ("access".to_string(), Value::Int(1)),
                ("refresh".to_string(), Value::Int(12)),
                ("refresh-unit".to_string(), s("hours")),
            ])),
        )]);
        let merged = ClientConfig::from_live(&live())
            .overlay(&want, &["token-validity".into()], "UpdateUserPoolClient")
            .unwrap();
        assert_eq!(
            merged.access,
            Validity {
                value: Some(1),
                unit: Some("hours".into())
            }
        );
        // Not set: the live id token lifetime stays, in its live unit.
        assert_eq!(
            merged.id,
            Validity {
                value: Some(60),
                unit: Some("minutes".into())
            }
        );
        assert_eq!(
            merged.refresh,
            Validity {
                value: Some(12),
                unit: Some("hours".into())
            }
        );
        let bad = Attrs::from([(
            "token-validity".to_string(),
            Value::Map(BTreeMap::from([("access-unit".to_string(), s("weeks"))])),
        )]);
        assert_eq!(
            ClientConfig::default()
                .overlay(&bad, &["token-validity".into()], "Op")
                .unwrap_err()
                .kind,
            ErrorKind::Invalid
        );
    }

    #[test]
    fn create_request_validates_and_sets_the_secret_flag() {
        let desired = Attrs::from([
            ("user-pool".to_string(), s("us-east-1_p")),
            ("name".to_string(), s("api")),
            ("generate-secret".to_string(), Value::Bool(true)),
            (
                "allowed-oauth-flows".to_string(),
                str_list_value(["client_credentials"]),
            ),
        ]);
        let req = create_request(
            client().create_user_pool_client(),
            &desired,
            "CreateUserPoolClient",
        )
        .unwrap();
        assert_eq!(req.get_generate_secret(), &Some(true));
        assert_eq!(req.get_client_name().as_deref(), Some("api"));
        let mut bad = desired.clone();
        bad.insert(
            "explicit-auth-flows".into(),
            str_list_value(["ALLOW_EVERYTHING"]),
        );
        assert!(create_request(client().create_user_pool_client(), &bad, "Op").is_err());
    }

    #[test]
    fn read_reports_configuration_shape_with_units() {
        let a = to_attrs(&live());
        assert_eq!(a["generate-secret"], Value::Bool(false));
        assert!(!a.contains_key("secret"));
        assert_eq!(
            a["token-validity"],
            Value::Map(BTreeMap::from([
                ("access".to_string(), Value::Int(60)),
                ("access-unit".to_string(), s("minutes")),
                ("id".to_string(), Value::Int(60)),
                ("id-unit".to_string(), s("minutes")),
                ("refresh".to_string(), Value::Int(30)),
                ("refresh-unit".to_string(), s("days")),
            ]))
        );
        assert_eq!(a["id"], s("abc"));
    }
}
