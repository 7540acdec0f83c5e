//! `rest-authorizer`: a REST API authorizer: Cognito user pools (COGNITO_USER_POOLS) or a Lambda
//! function (TOKEN / REQUEST).
//!
//! AWS calls (apigateway):
//! - read: GetAuthorizer
//! - create: CreateAuthorizer (an authorizer of the same name in the API is adopted: GetAuthorizers)
//! - update: UpdateAuthorizer (PATCH operations)
//! - delete: DeleteAuthorizer
//! - import: by `REST-API-ID/AUTHORIZER-ID` (GetAuthorizer)

use async_trait::async_trait;
use aws_sdk_apigateway::types::{AuthorizerType, PatchOperation};
use aws_sdk_apigateway::Client;
use eco_provider::{Attrs, OpError};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::spec_of;
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};
use crate::rest::{path_key, remove, replace, Part, Parts};

/// An authorizer's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-authorizer",
    doc = "A REST API authorizer: Cognito user pools or a Lambda function (TOKEN or REQUEST)",
    import_id = "`REST-API-ID/AUTHORIZER-ID`"
)]
pub struct RestAuthorizer {
    /// id of the REST API
    #[eco(replace)]
    pub rest_api: String,
    /// authorizer name, unique in the API (UpdateAuthorizer)
    pub name: String,
    /// COGNITO_USER_POOLS, TOKEN or REQUEST (UpdateAuthorizer)
    #[eco(rename = "type")]
    pub authorizer_type: AuthorizerKind,
    /// user pool ARNs, for COGNITO_USER_POOLS (UpdateAuthorizer)
    #[eco(unordered)]
    pub provider_arns: Option<Vec<String>>,
    /// the Lambda authorizer's invocation URI, for TOKEN and REQUEST (UpdateAuthorizer)
    pub authorizer_uri: Option<String>,
    /// role ARN API Gateway assumes to invoke the Lambda authorizer (UpdateAuthorizer)
    pub authorizer_credentials: Option<String>,
    /// where the identity comes from, e.g. method.request.header.Authorization (UpdateAuthorizer)
    pub identity_source: Option<String>,
    /// regular expression a TOKEN must match (UpdateAuthorizer)
    pub identity_validation_expression: Option<String>,
    /// seconds a policy is cached, 0 to 3600 (default 300) (UpdateAuthorizer)
    #[eco(min = 0, max = 3600)]
    pub result_ttl: Option<i32>,
    /// authorizer id, for rest-method's `authorizer`
    #[eco(computed)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizerKind {
    #[default]
    CognitoUserPools,
    Token,
    Request,
}

pub const TYPE_NAME: &str = RestAuthorizer::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    RestAuthorizer::schema()
}

/// The `rest-authorizer` operations.
pub type Provider = Parts<RestAuthorizer>;

fn desired_of(attrs: &Attrs, op: &str) -> Result<RestAuthorizer, OpError> {
    let spec: RestAuthorizer = spec_of(attrs, TY, op)?;
    let ok = match spec.authorizer_type {
        AuthorizerKind::CognitoUserPools => {
            spec.provider_arns.as_ref().is_some_and(|a| !a.is_empty())
        }
        AuthorizerKind::Token | AuthorizerKind::Request => spec.authorizer_uri.is_some(),
    };
    if !ok {
        return Err(OpError::invalid(
            op,
            format!(
                "{TY}: type {} needs {}",
                spec.authorizer_type.as_str(),
                if spec.authorizer_type == AuthorizerKind::CognitoUserPools {
                    "`provider-arns` (the user pools' ARNs)"
                } else {
                    "`authorizer-uri` (the Lambda function's invocation URI)"
                }
            ),
        ));
    }
    Ok(spec)
}

/// The PATCH operations of UpdateAuthorizer for the changed fields.
fn patch(spec: &RestAuthorizer, live: &RestAuthorizer, changed: &[String]) -> Vec<PatchOperation> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut ops = Vec::new();
    for c in changed {
        match c.as_str() {
            "name" => ops.push(replace("/name", &spec.name)),
            "type" => ops.push(replace("/type", spec.authorizer_type.as_str())),
            "provider-arns" => {
                let have = live.provider_arns.clone().unwrap_or_default();
                let want = spec.provider_arns.clone().unwrap_or_default();
                for a in have.iter().filter(|a| !want.contains(a)) {
                    ops.push(remove(&format!("/providerARNs/{}", path_key(a))));
                }
                for a in want.iter().filter(|a| !have.contains(a)) {
                    ops.push(crate::rest::add(&format!("/providerARNs/{}", path_key(a))));
                }
            }
            "authorizer-uri" => ops.push(replace("/authorizerUri", text(&spec.authorizer_uri))),
            "authorizer-credentials" => ops.push(replace(
                "/authorizerCredentials",
                text(&spec.authorizer_credentials),
            )),
            "identity-source" => ops.push(replace("/identitySource", text(&spec.identity_source))),
            "identity-validation-expression" => ops.push(replace(
                "/identityValidationExpression",
                text(&spec.identity_validation_expression),
            )),
            "result-ttl" => ops.push(replace(
                "/authorizerResultTtlInSeconds",
                spec.result_ttl.unwrap_or(300).to_string(),
            )),
            _ => {}
        }
    }
    ops
}

#[async_trait]
impl Part for RestAuthorizer {
    crate::rest::part!(RestAuthorizer, "AUTHORIZER-ID", "GetAuthorizer");

    async fn get(c: &Client, api: &str, key: &str) -> Result<Option<Attrs>, OpError> {
        let call = c
            .get_authorizer()
            .rest_api_id(api)
            .authorizer_id(key)
            .send();
        let Some(o) = get_optional("GetAuthorizer", is_gone, call).await? else {
            return Ok(None);
        };
        let arns = o.provider_arns();
        let a = RestAuthorizer {
            rest_api: api.to_string(),
            name: o.name().unwrap_or_default().to_string(),
            authorizer_type: o
                .r#type()
                .and_then(|t| AuthorizerKind::parse(t.as_str()))
                .unwrap_or_default(),
            provider_arns: (!arns.is_empty()).then(|| arns.to_vec()),
            authorizer_uri: o
                .authorizer_uri()
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            authorizer_credentials: o
                .authorizer_credentials()
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            identity_source: o
                .identity_source()
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            identity_validation_expression: o
                .identity_validation_expression()
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            result_ttl: o.authorizer_result_ttl_in_seconds(),
            id: Some(key.to_string()),
        };
        Ok(Some(a.to_attrs()))
    }

    /// Authorizer names are unique in an API: the one with this name is the one a create made.
    async fn find_key(&self, c: &Client) -> Result<Option<String>, OpError> {
        let mut position = None;
        loop {
            let call = c
                .get_authorizers()
                .rest_api_id(&self.rest_api)
                .limit(500)
                .set_position(position)
                .send();
            let Some(out) = get_optional("GetAuthorizers", is_gone, call).await? else {
                return Ok(None);
            };
            if let Some(a) = out.items().iter().find(|a| a.name() == Some(&self.name)) {
                return Ok(a.id().map(str::to_string));
            }
            position = out.position().filter(|p| !p.is_empty()).map(str::to_string);
            if position.is_none() {
                return Ok(None);
            }
        }
    }

    async fn create(&self, c: &Client) -> Result<String, OpError> {
        let out = c
            .create_authorizer()
            .rest_api_id(&self.rest_api)
            .name(&self.name)
            .r#type(AuthorizerType::from(self.authorizer_type.as_str()))
            .set_provider_arns(self.provider_arns.clone())
            .set_authorizer_uri(self.authorizer_uri.clone())
            .set_authorizer_credentials(self.authorizer_credentials.clone())
            .set_identity_source(self.identity_source.clone())
            .set_identity_validation_expression(self.identity_validation_expression.clone())
            .set_authorizer_result_ttl_in_seconds(self.result_ttl)
            .send()
            .await
            .map_err(|e| op_error("CreateAuthorizer", e))?;
        Ok(out.id().unwrap_or_default().to_string())
    }

    async fn update(
        &self,
        c: &Client,
        key: &str,
        live: &Attrs,
        changed: &[String],
    ) -> Result<(), OpError> {
        let op = "UpdateAuthorizer";
        let live: RestAuthorizer = spec_of(live, TY, op)?;
        let ops = patch(self, &live, changed);
        if ops.is_empty() {
            return Ok(());
        }
        c.update_authorizer()
            .rest_api_id(&self.rest_api)
            .authorizer_id(key)
            .set_patch_operations(Some(ops))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        Ok(())
    }

    async fn delete(c: &Client, api: &str, key: &str) -> Result<(), OpError> {
        let call = c
            .delete_authorizer()
            .rest_api_id(api)
            .authorizer_id(key)
            .send();
        delete_if_present("DeleteAuthorizer", is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::values::s;

    #[test]
    fn kinds_need_their_source_and_patch() {
        let d = Attrs::from([
            ("rest-api".to_string(), s("a")),
            ("name".to_string(), s("cognito")),
            ("type".to_string(), s("COGNITO_USER_POOLS")),
        ]);
        assert!(desired_of(&d, "Op").is_err());
        let live = RestAuthorizer {
            provider_arns: Some(vec!["arn:1".into()]),
            ..Default::default()
        };
        let want = RestAuthorizer {
            provider_arns: Some(vec!["arn:2".into()]),
            result_ttl: Some(60),
            ..Default::default()
        };
        let ops = patch(&want, &live, &["provider-arns".into(), "result-ttl".into()]);
        let paths: Vec<_> = ops.iter().map(|o| o.path().unwrap()).collect();
        assert_eq!(
            paths,
            [
                "/providerARNs/arn:1",
                "/providerARNs/arn:2",
                "/authorizerResultTtlInSeconds"
            ]
        );
    }
}
