//! `rest-integration`: where a REST API method sends its requests (a Lambda function through
//! AWS_PROXY, an HTTP backend, or a MOCK answering from templates) and its integration
//! responses.
//!
//! AWS calls (apigateway):
//! - read: GetIntegration (integration responses included)
//! - create: PutIntegration, PutIntegrationResponse per `response`
//! - update: PutIntegration (it replaces the method's integration as a whole; the integration
//!   responses are put again after it), DeleteIntegrationResponse for dropped responses
//! - delete: DeleteIntegration
//! - import: by `REST-API-ID/RESOURCE-ID/HTTP-METHOD` (GetIntegration)

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigateway::types::{ContentHandlingStrategy, IntegrationType};
use aws_sdk_apigateway::Client;
use eco_provider::{Attrs, OpError};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::spec_of;
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};
use crate::resources::rest_method::HttpMethod;
use crate::rest::{fixed, opt_map, Part, Parts};

/// An integration's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-integration",
    doc = "The backend of a REST API method: a Lambda function (AWS_PROXY), an HTTP endpoint or a MOCK",
    import_id = "`REST-API-ID/RESOURCE-ID/HTTP-METHOD`"
)]
pub struct RestIntegration {
    /// id of the REST API
    #[eco(replace)]
    pub rest_api: String,
    /// id of the rest-resource
    #[eco(replace)]
    pub resource: String,
    /// the method's HTTP method (GET, POST, ..., ANY)
    #[eco(replace)]
    pub http_method: HttpMethod,
    /// AWS_PROXY (Lambda proxy), AWS, HTTP_PROXY, HTTP or MOCK (PutIntegration)
    #[eco(rename = "type")]
    pub integration_type: IntegrationKind,
    /// the method the backend is called with; POST for Lambda (PutIntegration)
    pub integration_http_method: Option<HttpMethod>,
    /// backend URI: for Lambda arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION-ARN/invocations,
    /// for HTTP the URL (PutIntegration)
    pub uri: Option<String>,
    /// role ARN API Gateway assumes to call the backend (PutIntegration)
    pub credentials: Option<String>,
    /// mapping templates by content type, e.g. application/json = {"statusCode": 200} (PutIntegration)
    pub request_templates: Option<BTreeMap<String, String>>,
    /// backend request parameters from method request parameters (PutIntegration)
    pub request_parameters: Option<BTreeMap<String, String>>,
    /// WHEN_NO_MATCH (default), WHEN_NO_TEMPLATES or NEVER (PutIntegration)
    pub passthrough_behavior: Option<Passthrough>,
    /// CONVERT_TO_BINARY or CONVERT_TO_TEXT (PutIntegration)
    pub content_handling: Option<ContentHandling>,
    /// milliseconds before the backend call times out, 50 to 29000 (PutIntegration)
    #[eco(min = 50, max = 29000)]
    pub timeout_ms: Option<i32>,
    /// an integration response: `response "200" { response-parameters { ... } }`
    /// (PutIntegrationResponse / DeleteIntegrationResponse)
    pub response: Option<Vec<IntegrationResponse>>,
    /// id within the API: RESOURCE-ID/HTTP-METHOD
    #[eco(computed)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntegrationKind {
    #[default]
    AwsProxy,
    Aws,
    HttpProxy,
    Http,
    Mock,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Passthrough {
    WhenNoMatch,
    WhenNoTemplates,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContentHandling {
    ConvertToBinary,
    ConvertToText,
}

/// One integration response: `response "200" { selection-pattern ..; response-parameters { ... } }`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(label = "status-code")]
pub struct IntegrationResponse {
    /// the method response's status code this maps to, e.g. 200
    pub status_code: String,
    /// regular expression on the backend's error or status that selects this response
    pub selection_pattern: Option<String>,
    /// response headers from the backend or literals, e.g.
    /// method.response.header.Access-Control-Allow-Origin = "'*'"
    pub response_parameters: Option<BTreeMap<String, String>>,
    /// response mapping templates by content type
    pub response_templates: Option<BTreeMap<String, String>>,
}

pub const TYPE_NAME: &str = RestIntegration::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    RestIntegration::schema()
}

/// The `rest-integration` operations.
pub type Provider = Parts<RestIntegration>;

fn desired_of(attrs: &Attrs, op: &str) -> Result<RestIntegration, OpError> {
    let spec: RestIntegration = spec_of(attrs, TY, op)?;
    let needs_uri = spec.integration_type != IntegrationKind::Mock;
    if needs_uri && (spec.uri.is_none() || spec.integration_http_method.is_none()) {
        return Err(OpError::invalid(
            op,
            format!(
                "{TY}: type {} needs `uri` and `integration-http-method` (POST for a Lambda function)",
                spec.integration_type.as_str()
            ),
        ));
    }
    Ok(spec)
}

impl RestIntegration {
    fn method(&self) -> &'static str {
        self.http_method.as_str()
    }

    /// PutIntegration: the whole integration.
    async fn put(&self, c: &Client) -> Result<(), OpError> {
        let op = "PutIntegration";
        c.put_integration()
            .rest_api_id(&self.rest_api)
            .resource_id(&self.resource)
            .http_method(self.method())
            .r#type(IntegrationType::from(self.integration_type.as_str()))
            .set_integration_http_method(
                self.integration_http_method.map(|m| m.as_str().to_string()),
            )
            .set_uri(self.uri.clone())
            .set_credentials(self.credentials.clone())
            .set_request_templates(
                self.request_templates
                    .clone()
                    .map(|m| m.into_iter().collect()),
            )
            .set_request_parameters(
                self.request_parameters
                    .clone()
                    .map(|m| m.into_iter().collect()),
            )
            .set_passthrough_behavior(self.passthrough_behavior.map(|p| p.as_str().to_string()))
            .set_content_handling(
                self.content_handling
                    .map(|h| ContentHandlingStrategy::from(h.as_str())),
            )
            .set_timeout_in_millis(self.timeout_ms)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        Ok(())
    }

    /// PutIntegrationResponse for `r`.
    async fn put_response(&self, c: &Client, r: &IntegrationResponse) -> Result<(), OpError> {
        let op = "PutIntegrationResponse";
        c.put_integration_response()
            .rest_api_id(&self.rest_api)
            .resource_id(&self.resource)
            .http_method(self.method())
            .status_code(&r.status_code)
            .set_selection_pattern(r.selection_pattern.clone())
            .set_response_parameters(
                r.response_parameters
                    .clone()
                    .map(|m| m.into_iter().collect()),
            )
            .set_response_templates(
                r.response_templates
                    .clone()
                    .map(|m| m.into_iter().collect()),
            )
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        Ok(())
    }
}

#[async_trait]
impl Part for RestIntegration {
    crate::rest::part!(RestIntegration, "RESOURCE-ID/HTTP-METHOD", "GetIntegration");

    async fn get(c: &Client, api: &str, key: &str) -> Result<Option<Attrs>, OpError> {
        let (resource, method) = crate::rest::method_key(TY, key, "GetIntegration")?;
        let call = c
            .get_integration()
            .rest_api_id(api)
            .resource_id(resource)
            .http_method(method)
            .send();
        // A method without an integration: AWS answers NotFoundException (moto an empty object).
        let Some(o) = get_optional("GetIntegration", is_gone, call)
            .await?
            .filter(|o| o.r#type().is_some())
        else {
            return Ok(None);
        };
        let mut responses: Vec<IntegrationResponse> = o
            .integration_responses()
            .map(|m| {
                m.iter()
                    .map(|(code, r)| IntegrationResponse {
                        status_code: r.status_code().unwrap_or(code).to_string(),
                        selection_pattern: r
                            .selection_pattern()
                            .filter(|p| !p.is_empty())
                            .map(str::to_string),
                        response_parameters: opt_map(r.response_parameters()),
                        response_templates: opt_map(r.response_templates()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        responses.sort_by(|a, b| a.status_code.cmp(&b.status_code));
        let timeout = o.timeout_in_millis();
        let i = RestIntegration {
            rest_api: api.to_string(),
            resource: resource.to_string(),
            http_method: HttpMethod::parse(method).unwrap_or_default(),
            integration_type: o
                .r#type()
                .and_then(|t| IntegrationKind::parse(t.as_str()))
                .unwrap_or_default(),
            integration_http_method: o.http_method().and_then(HttpMethod::parse),
            uri: o.uri().filter(|u| !u.is_empty()).map(str::to_string),
            credentials: o.credentials().map(str::to_string),
            request_templates: opt_map(o.request_templates()),
            request_parameters: opt_map(o.request_parameters()),
            passthrough_behavior: o.passthrough_behavior().and_then(Passthrough::parse),
            content_handling: o
                .content_handling()
                .and_then(|h| ContentHandling::parse(h.as_str())),
            timeout_ms: (timeout > 0).then_some(timeout),
            response: (!responses.is_empty()).then_some(responses),
            id: Some(key.to_string()),
        };
        Ok(Some(i.to_attrs()))
    }

    async fn find_key(&self, c: &Client) -> Result<Option<String>, OpError> {
        let key = format!("{}/{}", self.resource, self.method());
        Ok(Self::get(c, &self.rest_api, &key).await?.map(|_| key))
    }

    async fn create(&self, c: &Client) -> Result<String, OpError> {
        self.put(c).await?;
        for r in self.response.iter().flatten() {
            self.put_response(c, r).await?;
        }
        Ok(format!("{}/{}", self.resource, self.method()))
    }

    /// PutIntegration replaces the integration; its responses are put again (and dropped ones
    /// deleted) so that what AWS holds after is the configuration whatever PutIntegration kept.
    async fn update(
        &self,
        c: &Client,
        _key: &str,
        live: &Attrs,
        changed: &[String],
    ) -> Result<(), OpError> {
        if let Some(c) = changed
            .iter()
            .find(|c| matches!(c.as_str(), "rest-api" | "resource" | "http-method"))
        {
            return Err(fixed("PutIntegration", TY, c));
        }
        let live: RestIntegration = spec_of(live, TY, "PutIntegration")?;
        let want = self.response.clone().unwrap_or_default();
        if changed
            .iter()
            .any(|c| !matches!(c.as_str(), "response" | "id"))
        {
            self.put(c).await?;
        }
        for old in live.response.iter().flatten() {
            if !want.iter().any(|r| r.status_code == old.status_code) {
                let call = c
                    .delete_integration_response()
                    .rest_api_id(&self.rest_api)
                    .resource_id(&self.resource)
                    .http_method(self.method())
                    .status_code(&old.status_code)
                    .send();
                delete_if_present("DeleteIntegrationResponse", is_gone, call).await?;
            }
        }
        for r in &want {
            self.put_response(c, r).await?;
        }
        Ok(())
    }

    async fn delete(c: &Client, api: &str, key: &str) -> Result<(), OpError> {
        let Some((resource, method)) = key.split_once('/') else {
            return Ok(());
        };
        let call = c
            .delete_integration()
            .rest_api_id(api)
            .resource_id(resource)
            .http_method(method)
            .send();
        delete_if_present("DeleteIntegration", is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::values::s;

    #[test]
    fn backends_need_a_uri() {
        let d = Attrs::from([
            ("rest-api".to_string(), s("a")),
            ("resource".to_string(), s("r")),
            ("http-method".to_string(), s("GET")),
            ("type".to_string(), s("AWS_PROXY")),
        ]);
        let e = desired_of(&d, "Op").unwrap_err();
        assert!(e.message.contains("needs `uri`"), "{}", e.message);
        let mut mock = d.clone();
        mock.insert("type".into(), s("MOCK"));
        assert_eq!(
            desired_of(&mock, "Op").unwrap().integration_type,
            IntegrationKind::Mock
        );
    }
}
