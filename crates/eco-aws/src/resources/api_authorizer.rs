//! `api-authorizer`: a JWT (e.g. Cognito) or Lambda request authorizer of an HTTP API.
//!
//! AWS calls (apigatewayv2):
//! - read: GetAuthorizer; refresh through GetAuthorizers per API
//! - create: CreateAuthorizer
//! - update: UpdateAuthorizer
//! - delete: DeleteAuthorizer
//! - import: by `API-ID/AUTHORIZER-ID` (GetAuthorizer)

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{AuthorizerType, JwtConfiguration};
use aws_sdk_apigatewayv2::Client;
use eco_provider::{Attrs, OpError, Value};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::apigw::{fixed, Child, Children, Page, PayloadFormat};
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};

/// An authorizer's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(
    resource = "api-authorizer",
    doc = "An authorizer of an HTTP API: JWT (Cognito, OIDC) or a Lambda function",
    import_id = "`API-ID/AUTHORIZER-ID`"
)]
pub struct ApiAuthorizer {
    /// id of the API
    #[eco(replace)]
    pub api: String,
    /// authorizer name (UpdateAuthorizer)
    pub name: String,
    /// JWT or REQUEST (Lambda) (UpdateAuthorizer)
    #[eco(rename = "type")]
    pub kind: AuthorizerKind,
    /// where the token is read, e.g. $request.header.Authorization (UpdateAuthorizer)
    pub identity_sources: Option<Vec<String>>,
    /// JWT configuration for type JWT (UpdateAuthorizer)
    pub jwt: Option<Jwt>,
    /// invoke ARN of the Lambda authorizer for type REQUEST (UpdateAuthorizer)
    pub authorizer_uri: Option<String>,
    /// 1.0 or 2.0 for Lambda authorizers (UpdateAuthorizer)
    pub payload_format_version: Option<PayloadFormat>,
    /// Lambda authorizer returns {isAuthorized: bool} (UpdateAuthorizer)
    pub simple_responses: Option<bool>,
    /// seconds a Lambda authorizer's answer is cached, 0 to 3600 (UpdateAuthorizer)
    #[eco(min = 0, max = 3600)]
    pub result_ttl: Option<i32>,
    /// ARN of a role API Gateway assumes to invoke the Lambda authorizer (UpdateAuthorizer)
    pub credentials: Option<String>,
    /// authorizer id
    #[eco(computed)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizerKind {
    Jwt,
    Request,
}

/// `jwt { issuer ..; audience .. }`.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct Jwt {
    /// token issuer URL, e.g. a Cognito user pool's issuer
    pub issuer: String,
    /// accepted audiences, e.g. Cognito app client ids
    #[eco(required)]
    pub audience: Vec<String>,
}

pub const TYPE_NAME: &str = ApiAuthorizer::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    ApiAuthorizer::schema()
}

/// The `api-authorizer` operations.
pub type Provider = Children<ApiAuthorizer>;

/// The desired authorizer; type JWT needs its `jwt` block. An issuer not known yet (a user pool
/// made in the same run, when settling) reads as empty.
fn spec_of(desired: &Attrs, op: &str) -> Result<ApiAuthorizer, OpError> {
    let mut desired = desired.clone();
    if let Some(Value::Map(jwt)) = desired.get_mut("jwt") {
        if matches!(jwt.get("issuer"), None | Some(Value::Unknown)) {
            jwt.insert("issuer".into(), Value::String(String::new()));
        }
    }
    let spec = ApiAuthorizer::from_attrs(&desired)
        .map_err(|e| OpError::invalid(op, format!("{TY}: {e}")))?;
    if spec.kind == AuthorizerKind::Jwt && spec.jwt.is_none() {
        return Err(OpError::invalid(
            op,
            format!("{TY}: type JWT needs a `jwt` block with issuer and audience"),
        ));
    }
    Ok(spec)
}

fn jwt_config(jwt: &Jwt) -> JwtConfiguration {
    JwtConfiguration::builder()
        .issuer(&jwt.issuer)
        .set_audience(Some(jwt.audience.clone()))
        .build()
}

type UpdateReq =
    aws_sdk_apigatewayv2::operation::update_authorizer::builders::UpdateAuthorizerFluentBuilder;

/// UpdateAuthorizer with the changed fields.
fn update_request(
    mut req: UpdateReq,
    spec: &ApiAuthorizer,
    changed: &[String],
) -> Result<UpdateReq, OpError> {
    for c in changed {
        req = match c.as_str() {
            "name" => req.name(&spec.name),
            "type" => req.authorizer_type(AuthorizerType::from(spec.kind.as_str())),
            "identity-sources" => {
                req.set_identity_source(Some(spec.identity_sources.clone().unwrap_or_default()))
            }
            "jwt" => match &spec.jwt {
                Some(j) => req.jwt_configuration(jwt_config(j)),
                None => req,
            },
            "authorizer-uri" => req.authorizer_uri(spec.authorizer_uri.clone().unwrap_or_default()),
            "payload-format-version" => req.set_authorizer_payload_format_version(
                spec.payload_format_version.map(PayloadFormat::to_aws),
            ),
            "simple-responses" => {
                req.enable_simple_responses(spec.simple_responses.unwrap_or(false))
            }
            "result-ttl" => req.authorizer_result_ttl_in_seconds(spec.result_ttl.unwrap_or(0)),
            "credentials" => {
                req.authorizer_credentials_arn(spec.credentials.clone().unwrap_or_default())
            }
            "api" => return Err(fixed(ApiAuthorizer::OPS.update, TY, c)),
            _ => req,
        };
    }
    Ok(req)
}

/// The id of the authorizer named `name` among GetAuthorizers items (names are unique per API).
fn by_name<'a>(
    items: &'a [aws_sdk_apigatewayv2::types::Authorizer],
    name: &str,
) -> Option<&'a str> {
    items
        .iter()
        .find(|a| a.name() == Some(name))
        .and_then(|a| a.authorizer_id())
}

/// Authorizer names are unique in an API: GetAuthorizers, then the one with this name.
///
/// CreateAuthorizer runs without listing first (GetAuthorizers costs a call, and moto lacks
/// it); a name AWS reports as taken (ConflictException / BadRequestException "already
/// exists") is adopted through `find`. After a crash the engine resolves the pending create
/// through `find` (GetAuthorizers) before running it again.
#[async_trait]
impl Child for ApiAuthorizer {
    crate::apigw::child!(ApiAuthorizer, "Authorizer");
    const CREATE_FIRST: bool = true;

    async fn get(c: &Client, api: &str, id: &str) -> Result<Option<Attrs>, OpError> {
        let call = c.get_authorizer().api_id(api).authorizer_id(id).send();
        let Some(o) = get_optional(Self::OPS.get, is_gone, call).await? else {
            return Ok(None);
        };
        let sources = o.identity_source();
        let mut attrs = ApiAuthorizer {
            api: api.to_string(),
            name: o.name().unwrap_or_default().to_string(),
            kind: AuthorizerKind::Jwt,
            identity_sources: (!sources.is_empty()).then(|| sources.to_vec()),
            jwt: o.jwt_configuration().map(|j| Jwt {
                issuer: j.issuer().unwrap_or_default().to_string(),
                audience: j.audience().to_vec(),
            }),
            authorizer_uri: o.authorizer_uri().map(str::to_string),
            payload_format_version: o
                .authorizer_payload_format_version()
                .and_then(PayloadFormat::parse),
            simple_responses: o.enable_simple_responses(),
            result_ttl: o.authorizer_result_ttl_in_seconds(),
            credentials: o.authorizer_credentials_arn().map(str::to_string),
            id: Some(id.to_string()),
        }
        .to_attrs();
        // The type as AWS spells it (or none), not a default.
        attrs.remove("type");
        if let Some(t) = o.authorizer_type() {
            attrs.insert("type".into(), Value::String(t.as_str().to_string()));
        }
        Ok(Some(attrs))
    }

    async fn page(
        c: &Client,
        spec: &ApiAuthorizer,
        token: Option<String>,
    ) -> Result<Option<Page>, OpError> {
        let call = c
            .get_authorizers()
            .api_id(&spec.api)
            .set_next_token(token)
            .send();
        Ok(get_optional(Self::OPS.list, is_gone, call)
            .await?
            .map(|out| {
                let found = by_name(out.items(), &spec.name).map(str::to_string);
                (found, out.next_token().map(str::to_string))
            }))
    }

    async fn create(c: &Client, spec: &ApiAuthorizer) -> Result<String, OpError> {
        let out = c
            .create_authorizer()
            .api_id(&spec.api)
            .name(&spec.name)
            .authorizer_type(AuthorizerType::from(spec.kind.as_str()))
            .set_identity_source(spec.identity_sources.clone())
            .set_jwt_configuration(spec.jwt.as_ref().map(jwt_config))
            .set_authorizer_uri(spec.authorizer_uri.clone())
            .set_authorizer_payload_format_version(
                spec.payload_format_version.map(PayloadFormat::to_aws),
            )
            .set_enable_simple_responses(spec.simple_responses)
            .set_authorizer_result_ttl_in_seconds(spec.result_ttl)
            .set_authorizer_credentials_arn(spec.credentials.clone())
            .send()
            .await
            .map_err(|e| op_error(Self::OPS.create, e))?;
        Ok(out.authorizer_id().unwrap_or_default().to_string())
    }

    async fn update(
        c: &Client,
        api: &str,
        id: &str,
        spec: &ApiAuthorizer,
        changed: &[String],
    ) -> Result<(), OpError> {
        let req = c.update_authorizer().api_id(api).authorizer_id(id);
        update_request(req, spec, changed)?
            .send()
            .await
            .map_err(|e| op_error(Self::OPS.update, e))?;
        Ok(())
    }

    async fn delete(c: &Client, api: &str, id: &str) -> Result<(), OpError> {
        let call = c.delete_authorizer().api_id(api).authorizer_id(id).send();
        delete_if_present(Self::OPS.delete, is_gone, call).await
    }

    /// The name is taken in this API.
    fn taken(e: &OpError) -> bool {
        match e.code.as_deref() {
            Some("ConflictException") => true,
            Some("BadRequestException") => e.message.contains("already exists"),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attrs::{s, str_list_value};
    use eco_provider::ErrorKind;
    use std::collections::BTreeMap;

    use crate::apigw::offline_client as client;

    fn jwt_desired() -> Attrs {
        Attrs::from([
            ("api".to_string(), s("a")),
            ("name".to_string(), s("cognito")),
            ("type".to_string(), s("JWT")),
            (
                "identity-sources".to_string(),
                str_list_value(["$request.header.Authorization"]),
            ),
            (
                "jwt".to_string(),
                Value::Map(BTreeMap::from([
                    (
                        "issuer".to_string(),
                        s("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"),
                    ),
                    ("audience".to_string(), str_list_value(["client1"])),
                ])),
            ),
        ])
    }

    #[test]
    fn jwt_update_request_sends_issuer_and_audience() {
        let spec = spec_of(&jwt_desired(), "Op").unwrap();
        let req = update_request(
            client().update_authorizer().api_id("a").authorizer_id("z"),
            &spec,
            &["jwt".into(), "name".into()],
        )
        .unwrap();
        let jwt = req.get_jwt_configuration().clone().unwrap();
        assert_eq!(
            jwt.issuer(),
            Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc")
        );
        assert_eq!(jwt.audience(), ["client1".to_string()]);
        assert_eq!(req.get_name().as_deref(), Some("cognito"));
        assert_eq!(req.get_identity_source(), &None);
        // JWT without its block is refused before any call.
        let mut bad = jwt_desired();
        bad.remove("jwt");
        assert_eq!(spec_of(&bad, "Op").unwrap_err().kind, ErrorKind::Invalid);
    }

    #[test]
    fn find_matches_by_name() {
        let items = vec![
            aws_sdk_apigatewayv2::types::Authorizer::builder()
                .name("other")
                .authorizer_id("1")
                .build(),
            aws_sdk_apigatewayv2::types::Authorizer::builder()
                .name("cognito")
                .authorizer_id("2")
                .build(),
        ];
        assert_eq!(by_name(&items, "cognito"), Some("2"));
        assert_eq!(by_name(&items, "none"), None);
    }
}
