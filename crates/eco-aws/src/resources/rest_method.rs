//! `rest-method`: an HTTP method of a REST API resource (`GET /users`), its authorization and
//! its method responses (the status codes and headers it may answer with, e.g. CORS headers).
//!
//! AWS calls (apigateway):
//! - read: GetMethod (method responses included)
//! - create: PutMethod, PutMethodResponse per `response`
//! - update: UpdateMethod (PATCH operations); a changed `response` is DeleteMethodResponse and
//!   PutMethodResponse
//! - delete: DeleteMethod
//! - import: by `REST-API-ID/RESOURCE-ID/HTTP-METHOD` (GetMethod)

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigateway::types::PatchOperation;
use aws_sdk_apigateway::Client;
use eco_provider::{Attrs, OpError};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::spec_of;
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};
use crate::rest::{fixed, flags_of, flags_value, opt_map, path_key, remove, replace, Part, Parts};

/// A method's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-method",
    doc = "An HTTP method of a REST API resource, its authorization and method responses",
    import_id = "`REST-API-ID/RESOURCE-ID/HTTP-METHOD`"
)]
pub struct RestMethod {
    /// id of the REST API
    #[eco(replace)]
    pub rest_api: String,
    /// id of the rest-resource (or the API's root-resource-id)
    #[eco(replace)]
    pub resource: String,
    /// GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY
    #[eco(replace)]
    pub http_method: HttpMethod,
    /// NONE (default), AWS_IAM, CUSTOM (a Lambda authorizer) or COGNITO_USER_POOLS (UpdateMethod)
    pub authorization: Option<Authorization>,
    /// id of the rest-authorizer, for CUSTOM and COGNITO_USER_POOLS (UpdateMethod)
    pub authorizer: Option<String>,
    /// OAuth scopes a Cognito access token must carry (UpdateMethod)
    #[eco(unordered)]
    pub authorization_scopes: Option<Vec<String>>,
    /// whether callers must send an API key (UpdateMethod)
    pub api_key_required: Option<bool>,
    /// request parameters, e.g. method.request.header.X-Id or method.request.querystring.page,
    /// each "true" (required) or "false" (UpdateMethod)
    pub request_parameters: Option<BTreeMap<String, String>>,
    /// operation name in generated SDKs (UpdateMethod)
    pub operation_name: Option<String>,
    /// a method response: `response "200" { response-parameters { ... } }`
    /// (DeleteMethodResponse / PutMethodResponse)
    pub response: Option<Vec<MethodResponse>>,
    /// method id within the API: RESOURCE-ID/HTTP-METHOD
    #[eco(computed)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Authorization {
    None,
    AwsIam,
    Custom,
    CognitoUserPools,
}

/// One method response: `response "200" { response-parameters { ... }; response-models { ... } }`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(label = "status-code")]
pub struct MethodResponse {
    /// the HTTP status code, e.g. 200
    pub status_code: String,
    /// response headers the method may send, e.g. method.response.header.Access-Control-Allow-Origin,
    /// each "true" (required) or "false"
    pub response_parameters: Option<BTreeMap<String, String>>,
    /// models by content type, e.g. application/json = Empty
    pub response_models: Option<BTreeMap<String, String>>,
}

pub const TYPE_NAME: &str = RestMethod::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    RestMethod::schema()
}

/// The `rest-method` operations.
pub type Provider = Parts<RestMethod>;

fn desired_of(attrs: &Attrs, op: &str) -> Result<RestMethod, OpError> {
    let spec: RestMethod = spec_of(attrs, TY, op)?;
    flags_of(&spec.request_parameters, "request parameter", TY, op)?;
    for r in spec.response.iter().flatten() {
        flags_of(&r.response_parameters, "response parameter", TY, op)?;
        if r.status_code.len() != 3 || !r.status_code.chars().all(|c| c.is_ascii_digit()) {
            return Err(OpError::invalid(
                op,
                format!(
                    "{TY}: response `{}` is not an HTTP status code such as 200",
                    r.status_code
                ),
            ));
        }
    }
    let needs_authorizer = matches!(
        spec.authorization,
        Some(Authorization::Custom | Authorization::CognitoUserPools)
    );
    if needs_authorizer && spec.authorizer.is_none() {
        return Err(OpError::invalid(
            op,
            format!("{TY}: authorization CUSTOM or COGNITO_USER_POOLS needs `authorizer` (a rest-authorizer's id)"),
        ));
    }
    Ok(spec)
}

/// The PATCH operations of UpdateMethod for the changed fields (responses aside).
fn patch(
    spec: &RestMethod,
    live: &RestMethod,
    changed: &[String],
) -> Result<Vec<PatchOperation>, OpError> {
    let mut ops = Vec::new();
    for c in changed {
        match c.as_str() {
            "authorization" => ops.push(replace(
                "/authorizationType",
                spec.authorization.unwrap_or(Authorization::None).as_str(),
            )),
            "authorizer" => match &spec.authorizer {
                Some(a) => ops.push(replace("/authorizerId", a)),
                None => ops.push(remove("/authorizerId")),
            },
            "authorization-scopes" => {
                let have = live.authorization_scopes.clone().unwrap_or_default();
                let want = spec.authorization_scopes.clone().unwrap_or_default();
                for s in have.iter().filter(|s| !want.contains(s)) {
                    ops.push(remove_value("/authorizationScopes", s));
                }
                for s in want.iter().filter(|s| !have.contains(s)) {
                    ops.push(
                        PatchOperation::builder()
                            .op(aws_sdk_apigateway::types::Op::Add)
                            .path("/authorizationScopes")
                            .value(s)
                            .build(),
                    );
                }
            }
            "api-key-required" => ops.push(replace(
                "/apiKeyRequired",
                spec.api_key_required.unwrap_or(false).to_string(),
            )),
            "operation-name" => ops.push(replace(
                "/operationName",
                spec.operation_name.clone().unwrap_or_default(),
            )),
            "request-parameters" => {
                let have = live.request_parameters.clone().unwrap_or_default();
                let want = spec.request_parameters.clone().unwrap_or_default();
                for k in have.keys().filter(|k| !want.contains_key(*k)) {
                    ops.push(remove(&format!("/requestParameters/{}", path_key(k))));
                }
                for (k, v) in &want {
                    let path = format!("/requestParameters/{}", path_key(k));
                    match have.get(k) {
                        None => ops.push(
                            PatchOperation::builder()
                                .op(aws_sdk_apigateway::types::Op::Add)
                                .path(path)
                                .value(v)
                                .build(),
                        ),
                        Some(old) if old != v => ops.push(replace(&path, v)),
                        Some(_) => {}
                    }
                }
            }
            "response" | "id" => {}
            other => return Err(fixed("UpdateMethod", TY, other)),
        }
    }
    Ok(ops)
}

/// A PATCH `remove` of one value of a list at `path`.
fn remove_value(path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(aws_sdk_apigateway::types::Op::Remove)
        .path(path)
        .value(value)
        .build()
}

impl RestMethod {
    fn method(&self) -> &'static str {
        self.http_method.as_str()
    }

    /// PutMethodResponse for `r`.
    async fn put_response(&self, c: &Client, r: &MethodResponse) -> Result<(), OpError> {
        let op = "PutMethodResponse";
        c.put_method_response()
            .rest_api_id(&self.rest_api)
            .resource_id(&self.resource)
            .http_method(self.method())
            .status_code(&r.status_code)
            .set_response_parameters(flags_of(
                &r.response_parameters,
                "response parameter",
                TY,
                op,
            )?)
            .set_response_models(r.response_models.clone().map(|m| m.into_iter().collect()))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        Ok(())
    }

    /// Takes the method responses from `live` to the configured ones: responses that differ or
    /// are dropped are deleted, new and changed ones put.
    async fn sync_responses(&self, c: &Client, live: &[MethodResponse]) -> Result<(), OpError> {
        let want = self.response.clone().unwrap_or_default();
        for old in live.iter().filter(|r| !want.contains(r)) {
            let call = c
                .delete_method_response()
                .rest_api_id(&self.rest_api)
                .resource_id(&self.resource)
                .http_method(self.method())
                .status_code(&old.status_code)
                .send();
            delete_if_present("DeleteMethodResponse", is_gone, call).await?;
        }
        for new in want.iter().filter(|r| !live.contains(r)) {
            self.put_response(c, new).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Part for RestMethod {
    crate::rest::part!(RestMethod, "RESOURCE-ID/HTTP-METHOD", "GetMethod");

    async fn get(c: &Client, api: &str, key: &str) -> Result<Option<Attrs>, OpError> {
        let (resource, method) = crate::rest::method_key(TY, key, "GetMethod")?;
        let call = c
            .get_method()
            .rest_api_id(api)
            .resource_id(resource)
            .http_method(method)
            .send();
        let Some(o) = get_optional("GetMethod", is_gone, call).await? else {
            return Ok(None);
        };
        let mut responses: Vec<MethodResponse> = o
            .method_responses()
            .map(|m| {
                m.iter()
                    .map(|(code, r)| MethodResponse {
                        status_code: r.status_code().unwrap_or(code).to_string(),
                        response_parameters: flags_value(r.response_parameters()),
                        response_models: opt_map(r.response_models()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        responses.sort_by(|a, b| a.status_code.cmp(&b.status_code));
        let scopes = o.authorization_scopes();
        let m = RestMethod {
            rest_api: api.to_string(),
            resource: resource.to_string(),
            http_method: HttpMethod::parse(o.http_method().unwrap_or(method)).unwrap_or_default(),
            authorization: Authorization::parse(o.authorization_type().unwrap_or("NONE")),
            authorizer: o
                .authorizer_id()
                .filter(|a| !a.is_empty())
                .map(str::to_string),
            authorization_scopes: (!scopes.is_empty()).then(|| scopes.to_vec()),
            api_key_required: Some(o.api_key_required().unwrap_or(false)),
            request_parameters: flags_value(o.request_parameters()),
            operation_name: o
                .operation_name()
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            response: (!responses.is_empty()).then_some(responses),
            id: Some(key.to_string()),
        };
        Ok(Some(m.to_attrs()))
    }

    async fn find_key(&self, c: &Client) -> Result<Option<String>, OpError> {
        let key = format!("{}/{}", self.resource, self.method());
        Ok(Self::get(c, &self.rest_api, &key).await?.map(|_| key))
    }

    async fn create(&self, c: &Client) -> Result<String, OpError> {
        let op = "PutMethod";
        c.put_method()
            .rest_api_id(&self.rest_api)
            .resource_id(&self.resource)
            .http_method(self.method())
            .authorization_type(self.authorization.unwrap_or(Authorization::None).as_str())
            .set_authorizer_id(self.authorizer.clone())
            .set_authorization_scopes(self.authorization_scopes.clone())
            .set_api_key_required(self.api_key_required)
            .set_request_parameters(flags_of(
                &self.request_parameters,
                "request parameter",
                TY,
                op,
            )?)
            .set_operation_name(self.operation_name.clone())
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        for r in self.response.iter().flatten() {
            self.put_response(c, r).await?;
        }
        Ok(format!("{}/{}", self.resource, self.method()))
    }

    async fn update(
        &self,
        c: &Client,
        _key: &str,
        live: &Attrs,
        changed: &[String],
    ) -> Result<(), OpError> {
        let op = "UpdateMethod";
        let live: RestMethod = spec_of(live, TY, op)?;
        let ops = patch(self, &live, changed)?;
        if !ops.is_empty() {
            c.update_method()
                .rest_api_id(&self.rest_api)
                .resource_id(&self.resource)
                .http_method(self.method())
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| op_error(op, e))?;
        }
        if changed.iter().any(|c| c == "response") {
            self.sync_responses(c, &live.response.clone().unwrap_or_default())
                .await?;
        }
        Ok(())
    }

    async fn delete(c: &Client, api: &str, key: &str) -> Result<(), OpError> {
        let Some((resource, method)) = key.split_once('/') else {
            return Ok(());
        };
        let call = c
            .delete_method()
            .rest_api_id(api)
            .resource_id(resource)
            .http_method(method)
            .send();
        delete_if_present("DeleteMethod", is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::values::s;

    #[test]
    fn checks_and_patches() {
        let d = Attrs::from([
            ("rest-api".to_string(), s("a")),
            ("resource".to_string(), s("r")),
            ("http-method".to_string(), s("GET")),
            ("authorization".to_string(), s("COGNITO_USER_POOLS")),
        ]);
        assert!(desired_of(&d, "Op").is_err(), "an authorizer is needed");
        let mut ok = d.clone();
        ok.insert("authorizer".into(), s("z1"));
        let spec = desired_of(&ok, "Op").unwrap();
        let live = RestMethod {
            request_parameters: Some(BTreeMap::from([("q".into(), "true".into())])),
            ..spec.clone()
        };
        let mut want = spec.clone();
        want.request_parameters = Some(BTreeMap::from([("h".into(), "false".into())]));
        want.api_key_required = Some(true);
        let ops = patch(
            &want,
            &live,
            &[
                "request-parameters".into(),
                "api-key-required".into(),
                "authorizer".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            crate::rest::shown(&ops),
            [
                "remove /requestParameters/q -",
                "add /requestParameters/h false",
                "replace /apiKeyRequired true",
                "replace /authorizerId z1"
            ]
        );
        assert!(patch(&want, &live, &["http-method".into()]).is_err());
    }
}
