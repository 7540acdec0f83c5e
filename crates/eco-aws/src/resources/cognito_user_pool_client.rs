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

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::types::{
    AnalyticsConfigurationType, ExplicitAuthFlowsType, OAuthFlowType,
    PreventUserExistenceErrorTypes, RefreshTokenRotationType, TimeUnitsType,
    TokenValidityUnitsType, UserPoolClientType,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};
use eco_schema::spec::{overlay, read_field};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::{opt_bool, req_str, spec_invalid};
use crate::aws::{is_not_found, op_error};
use crate::calls::{delete_if_present, find_in_pages, get_optional, still_there, to_update};

/// An app client's attributes, declared once: the schema, the typed reading of a configuration
/// and the attributes a read reports all come from here.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "cognito-user-pool-client",
    doc = "An app client of a Cognito user pool",
    import_id = "`POOL-ID/CLIENT-ID`"
)]
pub struct CognitoUserPoolClient {
    /// id of the user pool
    #[eco(replace)]
    pub user_pool: String,
    /// client name (UpdateUserPoolClient)
    pub name: String,
    /// give the client a secret (server-side apps); fixed at creation
    #[eco(replace)]
    pub generate_secret: Option<bool>,
    #[eco(flatten)]
    pub settings: ClientSettings,
    /// client id, the JWT audience
    #[eco(computed)]
    pub id: Option<String>,
    /// client secret, when generate-secret is set
    #[eco(computed, sensitive)]
    pub secret: Option<String>,
}

/// What UpdateUserPoolClient sets besides the name.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct ClientSettings {
    /// e.g. ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH (UpdateUserPoolClient)
    #[eco(unordered)]
    pub explicit_auth_flows: Option<Vec<AuthFlow>>,
    /// the client may use OAuth flows (AllowedOAuthFlowsUserPoolClient)
    pub oauth_enabled: Option<bool>,
    /// code, implicit and/or client_credentials (UpdateUserPoolClient)
    #[eco(unordered)]
    pub allowed_oauth_flows: Option<Vec<OAuthFlow>>,
    /// e.g. openid, email, profile, aws.cognito.signin.user.admin (UpdateUserPoolClient)
    #[eco(unordered)]
    pub allowed_oauth_scopes: Option<Vec<String>>,
    /// URLs the hosted UI may redirect to after sign-in (UpdateUserPoolClient)
    #[eco(unordered)]
    pub callback_urls: Option<Vec<String>>,
    /// URLs the hosted UI may redirect to after sign-out (UpdateUserPoolClient)
    #[eco(unordered)]
    pub logout_urls: Option<Vec<String>>,
    /// default callback URL (UpdateUserPoolClient)
    pub default_redirect_uri: Option<String>,
    /// supported identity providers, e.g. COGNITO (UpdateUserPoolClient)
    #[eco(unordered)]
    pub identity_providers: Option<Vec<String>>,
    /// user attributes the client may read (UpdateUserPoolClient)
    #[eco(unordered)]
    pub read_attributes: Option<Vec<String>>,
    /// user attributes the client may write (UpdateUserPoolClient)
    #[eco(unordered)]
    pub write_attributes: Option<Vec<String>>,
    /// token lifetimes, e.g. token-validity access=1 id=1 refresh=30 (UpdateUserPoolClient); a
    /// unit without its value sets nothing and is not compared
    pub token_validity: Option<TokenValidity>,
    /// minutes an authentication session stays valid, 3 to 15 (UpdateUserPoolClient)
    #[eco(min = 3, max = 15)]
    pub auth_session_validity: Option<i32>,
    /// ENABLED (default) or LEGACY (UpdateUserPoolClient)
    pub prevent_user_existence_errors: Option<ExistenceErrors>,
    /// allow revoking refresh tokens (default #true) (UpdateUserPoolClient)
    pub enable_token_revocation: Option<bool>,
}

/// An authentication flow the client allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthFlow {
    AdminNoSrpAuth,
    CustomAuthFlowOnly,
    UserPasswordAuth,
    AllowAdminUserPasswordAuth,
    AllowCustomAuth,
    AllowUserPasswordAuth,
    AllowUserSrpAuth,
    AllowRefreshTokenAuth,
    AllowUserAuth,
}

/// An OAuth flow the client allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum OAuthFlow {
    #[eco(rename = "code")]
    Code,
    #[eco(rename = "implicit")]
    Implicit,
    #[eco(rename = "client_credentials")]
    ClientCredentials,
}

/// How sign-in errors speak of users that do not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExistenceErrors {
    Enabled,
    Legacy,
}

/// The unit of a token lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum Unit {
    #[eco(rename = "seconds")]
    Seconds,
    #[eco(rename = "minutes")]
    Minutes,
    #[eco(rename = "hours")]
    Hours,
    #[eco(rename = "days")]
    Days,
}

/// Token lifetimes and their units.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct TokenValidity {
    /// access token validity
    pub access: Option<i64>,
    /// id token validity
    pub id: Option<i64>,
    /// refresh token validity
    pub refresh: Option<i64>,
    /// seconds, minutes, hours (default) or days
    pub access_unit: Option<Unit>,
    /// seconds, minutes, hours (default) or days
    pub id_unit: Option<Unit>,
    /// seconds, minutes, hours or days (default)
    pub refresh_unit: Option<Unit>,
}

pub const TYPE_NAME: &str = CognitoUserPoolClient::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    CognitoUserPoolClient::schema()
}

/// `POOL-ID/CLIENT-ID` split in two.
pub fn split_id(id: &str, op: &str) -> Result<(String, String), OpError> {
    crate::ids::split_pair(id, TY, op, "POOL-ID/CLIENT-ID")
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
    /// The rest (its `token_validity` is never set: the three lifetimes above hold it).
    pub settings: ClientSettings,
    // Not managed by eco, carried over so that an update does not reset them.
    pub analytics: Option<AnalyticsConfigurationType>,
    pub propagate_user_context: Option<bool>,
    pub refresh_token_rotation: Option<RefreshTokenRotationType>,
}

/// A non-empty list AWS reports, as the typed values eco knows.
fn listed<T, S: AsRef<str>>(v: &[S], parse: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then(|| v.iter().filter_map(|x| parse(x.as_ref())).collect())
}

fn strings(v: &[String]) -> Option<Vec<String>> {
    listed(v, |x| Some(x.to_string()))
}

impl ClientConfig {
    pub fn from_live(c: &UserPoolClientType) -> ClientConfig {
        let units = c.token_validity_units();
        let unit = |u: Option<&TimeUnitsType>| u.map(|u| u.as_str().to_string());
        let flows: Vec<&str> = c.explicit_auth_flows().iter().map(|f| f.as_str()).collect();
        let oauth: Vec<&str> = c
            .allowed_o_auth_flows()
            .iter()
            .map(|f| f.as_str())
            .collect();
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
            settings: ClientSettings {
                explicit_auth_flows: listed(&flows, AuthFlow::parse),
                oauth_enabled: c.allowed_o_auth_flows_user_pool_client(),
                allowed_oauth_flows: listed(&oauth, OAuthFlow::parse),
                allowed_oauth_scopes: strings(c.allowed_o_auth_scopes()),
                callback_urls: strings(c.callback_urls()),
                logout_urls: strings(c.logout_urls()),
                default_redirect_uri: c
                    .default_redirect_uri()
                    .filter(|u| !u.is_empty())
                    .map(str::to_string),
                identity_providers: strings(c.supported_identity_providers()),
                read_attributes: strings(c.read_attributes()),
                write_attributes: strings(c.write_attributes()),
                token_validity: None,
                auth_session_validity: c.auth_session_validity(),
                prevent_user_existence_errors: c
                    .prevent_user_existence_errors()
                    .and_then(|p| ExistenceErrors::parse(p.as_str())),
                enable_token_revocation: c.enable_token_revocation(),
            },
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
        if let Some(fixed) = changed
            .iter()
            .find(|c| *c == "user-pool" || *c == "generate-secret")
        {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{fixed}` cannot change in place (it forces a replacement)"),
            ));
        }
        let mut out = self.clone();
        let has = |a: &str| changed.iter().any(|c| c == a);
        if has("name") {
            out.name = Some(req_str(want, "name", TY, op)?);
        }
        if has("token-validity") {
            let block: Option<TokenValidity> =
                read_field(want, "token-validity", "").map_err(spec_invalid(TY, op))?;
            if let Some(t) = block {
                overlay_validity(&mut out.access, t.access, t.access_unit, Unit::Hours, op)?;
                overlay_validity(&mut out.id, t.id, t.id_unit, Unit::Hours, op)?;
                overlay_validity(&mut out.refresh, t.refresh, t.refresh_unit, Unit::Days, op)?;
            }
        }
        let rest: Vec<String> = changed
            .iter()
            .filter(|c| *c != "name" && *c != "token-validity")
            .cloned()
            .collect();
        out.settings = overlay(&self.settings, want, &rest).map_err(spec_invalid(TY, op))?;
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
    value: Option<i64>,
    unit: Option<Unit>,
    default_unit: Unit,
    op: &str,
) -> Result<(), OpError> {
    let unit = unit.map(|u| u.as_str().to_string());
    match value {
        None => {
            if unit.is_some() {
                v.unit = unit;
            }
        }
        Some(n) if n > 0 && n <= i32::MAX as i64 => {
            v.value = Some(n as i32);
            v.unit = Some(unit.unwrap_or_else(|| default_unit.as_str().to_string()));
        }
        Some(n) => {
            return Err(OpError::invalid(
                op,
                format!("{TY}: token-validity must be a positive integer, got {n}"),
            ))
        }
    }
    Ok(())
}

type UpdateReq = aws_sdk_cognitoidentityprovider::operation::update_user_pool_client::builders::UpdateUserPoolClientFluentBuilder;
type CreateReq = aws_sdk_cognitoidentityprovider::operation::create_user_pool_client::builders::CreateUserPoolClientFluentBuilder;

/// SDK values of a list of closed-set values.
fn sdk<T: SpecEnum, S: From<&'static str>>(v: &Option<Vec<T>>) -> Option<Vec<S>> {
    v.as_ref()
        .map(|v| v.iter().map(|x| S::from(x.as_str())).collect())
}

macro_rules! client_fields {
    ($req:expr, $cfg:expr) => {{
        let cfg = $cfg;
        let s = &cfg.settings;
        $req.set_client_name(cfg.name.clone())
            .set_access_token_validity(cfg.access.value)
            .set_id_token_validity(cfg.id.value)
            .set_refresh_token_validity(cfg.refresh.value)
            .set_token_validity_units(cfg.units())
            .set_read_attributes(s.read_attributes.clone())
            .set_write_attributes(s.write_attributes.clone())
            .set_explicit_auth_flows(sdk::<_, ExplicitAuthFlowsType>(&s.explicit_auth_flows))
            .set_supported_identity_providers(s.identity_providers.clone())
            .set_callback_urls(s.callback_urls.clone())
            .set_logout_urls(s.logout_urls.clone())
            .set_default_redirect_uri(s.default_redirect_uri.clone())
            .set_allowed_o_auth_flows(sdk::<_, OAuthFlowType>(&s.allowed_oauth_flows))
            .set_allowed_o_auth_scopes(s.allowed_oauth_scopes.clone())
            .set_allowed_o_auth_flows_user_pool_client(s.oauth_enabled)
            .set_analytics_configuration(cfg.analytics.clone())
            .set_prevent_user_existence_errors(
                s.prevent_user_existence_errors
                    .map(|p| PreventUserExistenceErrorTypes::from(p.as_str())),
            )
            .set_enable_token_revocation(s.enable_token_revocation)
            .set_enable_propagate_additional_user_context_data(cfg.propagate_user_context)
            .set_auth_session_validity(s.auth_session_validity)
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

/// The `token-validity` a read reports: each lifetime the client has, with its unit (AWS's
/// default when it reports none).
fn validity_of(cfg: &ClientConfig) -> Option<TokenValidity> {
    let unit = |v: &Validity, default: Unit| {
        v.value?;
        Some(v.unit.as_deref().and_then(Unit::parse).unwrap_or(default))
    };
    let t = TokenValidity {
        access: cfg.access.value.map(i64::from),
        id: cfg.id.value.map(i64::from),
        refresh: cfg.refresh.value.map(i64::from),
        access_unit: unit(&cfg.access, Unit::Hours),
        id_unit: unit(&cfg.id, Unit::Hours),
        refresh_unit: unit(&cfg.refresh, Unit::Days),
    };
    (t != TokenValidity::default()).then_some(t)
}

/// The configuration-shaped attributes of a live client.
pub fn to_attrs(c: &UserPoolClientType) -> Attrs {
    let cfg = ClientConfig::from_live(c);
    let secret = c.client_secret().filter(|x| !x.is_empty());
    CognitoUserPoolClient {
        user_pool: c.user_pool_id().unwrap_or_default().to_string(),
        name: cfg.name.clone().unwrap_or_default(),
        generate_secret: Some(secret.is_some()),
        settings: ClientSettings {
            oauth_enabled: Some(cfg.settings.oauth_enabled.unwrap_or(false)),
            token_validity: validity_of(&cfg),
            ..cfg.settings.clone()
        },
        id: c.client_id().map(str::to_string),
        secret: secret.map(str::to_string),
    }
    .to_attrs()
}

super::cognito_user_pool::cognito_provider!("The `cognito-user-pool-client` operations.");

fn live_of(pool: &str, c: &UserPoolClientType) -> Live {
    Live {
        id: format!("{pool}/{}", c.client_id().unwrap_or_default()),
        attrs: to_attrs(c),
    }
}

impl Provider {
    async fn describe(&self, pool: &str, id: &str) -> Result<Option<UserPoolClientType>, OpError> {
        let call = self
            .client
            .describe_user_pool_client()
            .user_pool_id(pool)
            .client_id(id)
            .send();
        Ok(get_optional("DescribeUserPoolClient", is_not_found, call)
            .await?
            .and_then(|o| o.user_pool_client))
    }

    /// The first client of the pool with this name (ListUserPoolClients, every page).
    async fn id_named(
        &self,
        ctx: &OpContext,
        pool: &str,
        name: &str,
    ) -> Result<Option<String>, OpError> {
        let page = |token: Option<String>| {
            let call = self
                .client
                .list_user_pool_clients()
                .user_pool_id(pool)
                .max_results(60)
                .set_next_token(token)
                .send();
            get_optional("ListUserPoolClients", is_not_found, call)
        };
        let pick = |out: &aws_sdk_cognitoidentityprovider::operation::list_user_pool_clients::ListUserPoolClientsOutput| {
            out.user_pool_clients()
                .iter()
                .filter(|c| {
                    let id = c.client_id().unwrap_or_default();
                    !ctx.is_replaced(&format!("{pool}/{id}"))
                })
                .find(|c| c.client_name() == Some(name))
                .map(|c| c.client_id().unwrap_or_default().to_string())
        };
        let found = find_in_pages(page, pick, |out| {
            out.next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string)
        })
        .await?;
        Ok(found.filter(|id| !id.is_empty()))
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
        let c = still_there(self.describe(pool, id).await?, op, TY, id)?;
        Ok(live_of(pool, &c))
    }
}

/// A token lifetime's unit without its value changes nothing Cognito keeps (the read reports
/// units only beside values): `token-validity access-unit="hours"` alone is dropped from the
/// desired value, and a block left empty with it.
pub fn normalize_token_validity(desired: &mut Attrs) {
    let Some(Value::Map(block)) = desired.get_mut("token-validity") else {
        return;
    };
    for token in ["access", "id", "refresh"] {
        if !block.contains_key(token) {
            block.remove(&format!("{token}-unit"));
        }
    }
    if block.is_empty() {
        desired.remove("token-validity");
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn normalize(&self, desired: &mut Attrs) {
        normalize_token_validity(desired);
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
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let pool = req_str(desired, "user-pool", TY, "ListUserPoolClients")?;
        let name = req_str(desired, "name", TY, "ListUserPoolClients")?;
        match self.id_named(ctx, &pool, &name).await? {
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
            let live = still_there(self.describe(&pool, &id).await?, op, TY, &id)?;
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
        let found = self.describe(&pool, &client).await?;
        let what = format!("{TY}: client `{client}` of pool `{pool}`");
        let live = to_update(found, op, &what)?;
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
    use crate::attrs::{s, str_list_value};
    use std::collections::BTreeMap;

    fn client() -> aws_sdk_cognitoidentityprovider::Client {
        crate::aws::offline().cognito_idp()
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
