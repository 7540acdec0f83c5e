//! `api-authorizer`: a JWT (e.g. Cognito) or Lambda request authorizer of an HTTP API.
//!
//! AWS calls (apigatewayv2):
//! - read: GetAuthorizer; refresh through GetAuthorizers per API
//! - create: CreateAuthorizer
//! - update: UpdateAuthorizer
//! - delete: DeleteAuthorizer
//! - import: by `API-ID/AUTHORIZER-ID` (GetAuthorizer)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "api-authorizer";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "An authorizer of an HTTP API: JWT (Cognito, OIDC) or a Lambda function",
    )
    .import_id("`API-ID/AUTHORIZER-ID`")
    .attr(
        Attribute::string("api")
            .required()
            .forces_replacement()
            .doc("id of the API"),
    )
    .attr(
        Attribute::string("name")
            .required()
            .doc("authorizer name (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::string("type")
            .required()
            .one_of(&["JWT", "REQUEST"])
            .doc("JWT or REQUEST (Lambda) (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::list("identity-sources", ScalarType::String)
            .doc("where the token is read, e.g. $request.header.Authorization (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::block(
            "jwt",
            vec![
                Attribute::string("issuer")
                    .required()
                    .doc("token issuer URL, e.g. a Cognito user pool's issuer"),
                Attribute::list("audience", ScalarType::String)
                    .required()
                    .doc("accepted audiences, e.g. Cognito app client ids"),
            ],
        )
        .doc("JWT configuration for type JWT (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::string("authorizer-uri")
            .doc("invoke ARN of the Lambda authorizer for type REQUEST (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::string("payload-format-version")
            .one_of(&["1.0", "2.0"])
            .doc("1.0 or 2.0 for Lambda authorizers (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::bool("simple-responses")
            .doc("Lambda authorizer returns {isAuthorized: bool} (UpdateAuthorizer)"),
    )
    .attr(
        Attribute::int("result-ttl")
            .range(0, 3600)
            .doc("seconds a Lambda authorizer's answer is cached, 0 to 3600 (UpdateAuthorizer)"),
    )
    .attr(Attribute::string("credentials").doc(
        "ARN of a role API Gateway assumes to invoke the Lambda authorizer (UpdateAuthorizer)",
    ))
    .attr(Attribute::string("id").computed().doc("authorizer id"))
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{AuthorizerType, JwtConfiguration};
use eco_provider::{Attrs, Live, OpContext, OpError, ResourceProvider, Value};

use super::api_integration::split_id;
use crate::attrs::{
    opt_block, opt_bool, opt_int_in, opt_str, opt_str_list, req_str, s, str_list, str_list_value,
};
use crate::aws::{is_gone, op_error, Aws};
use crate::calls::{bring_to, delete_if_present, find_in_pages, get_optional, still_there};

const TY: &str = "api-authorizer";

#[derive(Debug, Clone, PartialEq, Default)]
struct Spec {
    api: String,
    name: String,
    kind: String,
    sources: Option<Vec<String>>,
    jwt: Option<(String, Vec<String>)>,
    uri: Option<String>,
    payload: Option<String>,
    simple: Option<bool>,
    ttl: Option<i32>,
    credentials: Option<String>,
}

fn spec_of(desired: &Attrs, op: &str) -> Result<Spec, OpError> {
    let kind = req_str(desired, "type", TY, op)?;
    if kind != "JWT" && kind != "REQUEST" {
        return Err(OpError::invalid(
            op,
            format!("{TY}: type must be JWT or REQUEST, got `{kind}`"),
        ));
    }
    let jwt = match opt_block(desired, "jwt", TY, op)? {
        None => None,
        Some(f) => {
            let issuer = match f.get("issuer") {
                Some(Value::String(i)) => i.clone(),
                Some(Value::Unknown) | None => String::new(),
                Some(other) => {
                    return Err(OpError::invalid(
                        op,
                        format!("{TY}: jwt issuer must be a string, got {other:?}"),
                    ))
                }
            };
            let audience = f
                .get("audience")
                .map(|v| str_list(v, "jwt.audience", TY, op))
                .transpose()?
                .unwrap_or_default();
            Some((issuer, audience))
        }
    };
    if kind == "JWT" && jwt.is_none() {
        return Err(OpError::invalid(
            op,
            format!("{TY}: type JWT needs a `jwt` block with issuer and audience"),
        ));
    }
    Ok(Spec {
        api: req_str(desired, "api", TY, op)?,
        name: req_str(desired, "name", TY, op)?,
        kind,
        sources: opt_str_list(desired, "identity-sources", TY, op)?,
        jwt,
        uri: opt_str(desired, "authorizer-uri", TY, op)?,
        payload: opt_str(desired, "payload-format-version", TY, op)?,
        simple: opt_bool(desired, "simple-responses", TY, op)?,
        ttl: opt_int_in(desired, "result-ttl", 0..=3600, TY, op)?,
        credentials: opt_str(desired, "credentials", TY, op)?,
    })
}

fn jwt_config(jwt: &(String, Vec<String>)) -> JwtConfiguration {
    JwtConfiguration::builder()
        .issuer(&jwt.0)
        .set_audience(Some(jwt.1.clone()))
        .build()
}

type UpdateReq =
    aws_sdk_apigatewayv2::operation::update_authorizer::builders::UpdateAuthorizerFluentBuilder;

/// UpdateAuthorizer with the changed fields.
fn update_request(
    mut req: UpdateReq,
    spec: &Spec,
    changed: &[String],
) -> Result<UpdateReq, OpError> {
    for c in changed {
        req = match c.as_str() {
            "name" => req.name(&spec.name),
            "type" => req.authorizer_type(AuthorizerType::from(spec.kind.as_str())),
            "identity-sources" => {
                req.set_identity_source(Some(spec.sources.clone().unwrap_or_default()))
            }
            "jwt" => match &spec.jwt {
                Some(j) => req.jwt_configuration(jwt_config(j)),
                None => req,
            },
            "authorizer-uri" => req.authorizer_uri(spec.uri.clone().unwrap_or_default()),
            "payload-format-version" => {
                req.set_authorizer_payload_format_version(spec.payload.clone())
            }
            "simple-responses" => req.enable_simple_responses(spec.simple.unwrap_or(false)),
            "result-ttl" => req.authorizer_result_ttl_in_seconds(spec.ttl.unwrap_or(0)),
            "credentials" => {
                req.authorizer_credentials_arn(spec.credentials.clone().unwrap_or_default())
            }
            "api" => {
                return Err(OpError::invalid(
                    "UpdateAuthorizer",
                    format!("{TY}: `api` cannot change in place (it forces a replacement)"),
                ))
            }
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

/// Whether CreateAuthorizer failed because the name is taken in this API.
fn name_taken<E: aws_sdk_apigatewayv2::error::ProvideErrorMetadata, R>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> bool {
    match e {
        aws_smithy_runtime_api::client::result::SdkError::ServiceError(s) => {
            let err = s.err();
            err.code() == Some("ConflictException")
                || (err.code() == Some("BadRequestException")
                    && err.message().is_some_and(|m| m.contains("already exists")))
        }
        _ => false,
    }
}

/// The `api-authorizer` operations.
pub struct Provider {
    client: aws_sdk_apigatewayv2::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.apigatewayv2(),
            schema: schema(),
        }
    }

    async fn read_id(&self, id: &str) -> Result<Option<Live>, OpError> {
        let (api, zid) = split_id(id, TY, "GetAuthorizer")?;
        let Some(o) = get_optional(
            "GetAuthorizer",
            is_gone,
            self.client
                .get_authorizer()
                .api_id(&api)
                .authorizer_id(&zid)
                .send(),
        )
        .await?
        else {
            return Ok(None);
        };
        let mut a = Attrs::new();
        a.insert("api".into(), s(&api));
        a.insert("id".into(), s(&zid));
        if let Some(n) = o.name() {
            a.insert("name".into(), s(n));
        }
        if let Some(t) = o.authorizer_type() {
            a.insert("type".into(), s(t.as_str()));
        }
        if !o.identity_source().is_empty() {
            a.insert(
                "identity-sources".into(),
                str_list_value(o.identity_source().iter().cloned()),
            );
        }
        if let Some(j) = o.jwt_configuration() {
            let mut m = BTreeMap::new();
            if let Some(i) = j.issuer() {
                m.insert("issuer".to_string(), s(i));
            }
            m.insert(
                "audience".to_string(),
                str_list_value(j.audience().iter().cloned()),
            );
            a.insert("jwt".into(), Value::Map(m));
        }
        if let Some(u) = o.authorizer_uri() {
            a.insert("authorizer-uri".into(), s(u));
        }
        if let Some(p) = o.authorizer_payload_format_version() {
            a.insert("payload-format-version".into(), s(p));
        }
        if let Some(b) = o.enable_simple_responses() {
            a.insert("simple-responses".into(), Value::Bool(b));
        }
        if let Some(t) = o.authorizer_result_ttl_in_seconds() {
            a.insert("result-ttl".into(), Value::Int(t as i64));
        }
        if let Some(c) = o.authorizer_credentials_arn() {
            a.insert("credentials".into(), s(c));
        }
        Ok(Some(Live {
            id: id.to_string(),
            attrs: a,
        }))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_id(id).await
    }

    /// Authorizer names are unique in an API: GetAuthorizers, then the one with this name.
    async fn find(
        &self,
        _ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let spec = spec_of(desired, "GetAuthorizers")?;
        let found = find_in_pages(
            |token| {
                let call = self
                    .client
                    .get_authorizers()
                    .api_id(&spec.api)
                    .set_next_token(token)
                    .send();
                get_optional("GetAuthorizers", is_gone, call)
            },
            |out| by_name(out.items(), &spec.name).map(str::to_string),
            |out| out.next_token().map(str::to_string),
        )
        .await?;
        match found {
            Some(id) => self.read_id(&format!("{}/{id}", spec.api)).await,
            None => Ok(None),
        }
    }

    /// CreateAuthorizer without listing first (GetAuthorizers costs a call, and moto lacks
    /// it); a name AWS reports as taken (ConflictException / BadRequestException "already
    /// exists") is adopted through `find`. After a crash the engine resolves the pending create
    /// through `find` (GetAuthorizers) before running it again.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateAuthorizer";
        let spec = spec_of(desired, op)?;
        let out = self
            .client
            .create_authorizer()
            .api_id(&spec.api)
            .name(&spec.name)
            .authorizer_type(AuthorizerType::from(spec.kind.as_str()))
            .set_identity_source(spec.sources.clone())
            .set_jwt_configuration(spec.jwt.as_ref().map(jwt_config))
            .set_authorizer_uri(spec.uri.clone())
            .set_authorizer_payload_format_version(spec.payload.clone())
            .set_enable_simple_responses(spec.simple)
            .set_authorizer_result_ttl_in_seconds(spec.ttl)
            .set_authorizer_credentials_arn(spec.credentials.clone())
            .send()
            .await;
        let out = match out {
            Ok(o) => o,
            Err(e) if name_taken(&e) => {
                let live = self
                    .find(ctx, desired, token)
                    .await?
                    .ok_or_else(|| op_error(op, e))?;
                return bring_to(self, ctx, live, desired, &["api"]).await;
            }
            Err(e) => return Err(op_error(op, e)),
        };
        let id = format!("{}/{}", spec.api, out.authorizer_id().unwrap_or_default());
        still_there(self.read_id(&id).await?, op, TY, &id)
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateAuthorizer";
        let spec = spec_of(desired, op)?;
        let (api, zid) = split_id(id, TY, op)?;
        if changed.iter().any(|c| c != "id") {
            update_request(
                self.client
                    .update_authorizer()
                    .api_id(api)
                    .authorizer_id(zid),
                &spec,
                changed,
            )?
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        }
        still_there(self.read_id(id).await?, op, TY, id)
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (api, zid) = split_id(id, TY, "DeleteAuthorizer")?;
        delete_if_present(
            "DeleteAuthorizer",
            is_gone,
            self.client
                .delete_authorizer()
                .api_id(api)
                .authorizer_id(zid)
                .send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::ErrorKind;

    fn client() -> aws_sdk_apigatewayv2::Client {
        let conf = aws_sdk_apigatewayv2::Config::builder()
            .behavior_version(aws_sdk_apigatewayv2::config::BehaviorVersion::latest())
            .region(aws_sdk_apigatewayv2::config::Region::new("us-east-1"))
            .build();
        aws_sdk_apigatewayv2::Client::from_conf(conf)
    }

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
