//! `api-integration`: the backend of routes in an HTTP API (a Lambda proxy or an HTTP URL).
//!
//! AWS calls (apigatewayv2):
//! - read: GetIntegration; refresh pages through GetIntegrations per API
//! - create: CreateIntegration
//! - update: UpdateIntegration
//! - delete: DeleteIntegration
//! - import: by `API-ID/INTEGRATION-ID` (GetIntegration)

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::IntegrationType;
use aws_sdk_apigatewayv2::Client;
use eco_provider::{Attrs, OpError};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::apigw::{fixed, Child, Children, Page, PayloadFormat};
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};

/// An integration's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "api-integration",
    doc = "An integration of an HTTP API: where its routes send requests",
    import_id = "`API-ID/INTEGRATION-ID`"
)]
pub struct ApiIntegration {
    /// id of the API; an integration cannot move between APIs
    #[eco(replace)]
    pub api: String,
    /// AWS_PROXY (Lambda) or HTTP_PROXY (UpdateIntegration)
    #[eco(rename = "type")]
    pub kind: IntegrationKind,
    /// Lambda function ARN or invoke ARN, or an HTTP URL (UpdateIntegration)
    pub uri: String,
    /// HTTP method used to call the backend (POST for Lambda; UpdateIntegration)
    pub method: Option<String>,
    /// 1.0 or 2.0 (default for Lambda; UpdateIntegration)
    pub payload_format_version: Option<PayloadFormat>,
    /// integration timeout, 50 to 30000 milliseconds (UpdateIntegration)
    #[eco(min = 50, max = 30000)]
    pub timeout_ms: Option<i32>,
    /// ARN of a role API Gateway assumes to call the backend (UpdateIntegration)
    pub credentials: Option<String>,
    /// description (UpdateIntegration)
    pub description: Option<String>,
    /// parameter mappings, e.g. overwrite:path=$request.path (UpdateIntegration)
    pub request_parameters: Option<BTreeMap<String, String>>,
    /// integration id
    #[eco(computed)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntegrationKind {
    Aws,
    #[default]
    AwsProxy,
    Http,
    HttpProxy,
    Mock,
}

pub const TYPE_NAME: &str = ApiIntegration::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    ApiIntegration::schema()
}

/// The `api-integration` operations.
pub type Provider = Children<ApiIntegration>;

/// The desired integration. HTTP APIs require a payload format for Lambda proxies (2.0 is the
/// one to use), called with POST.
pub fn spec_of(desired: &Attrs, op: &str) -> Result<ApiIntegration, OpError> {
    let mut spec = ApiIntegration::from_attrs(desired)
        .map_err(|e| OpError::invalid(op, format!("{TY}: {e}")))?;
    if spec.kind == IntegrationKind::AwsProxy {
        spec.payload_format_version.get_or_insert(PayloadFormat::V2);
        spec.method.get_or_insert_with(|| "POST".into());
    }
    Ok(spec)
}

type UpdateReq =
    aws_sdk_apigatewayv2::operation::update_integration::builders::UpdateIntegrationFluentBuilder;

/// UpdateIntegration with the changed fields only; `None` when nothing AWS holds changed.
fn update_request(
    mut req: UpdateReq,
    spec: &ApiIntegration,
    changed: &[String],
) -> Result<Option<UpdateReq>, OpError> {
    let mut any = false;
    for c in changed {
        any |= c != "id";
        req = match c.as_str() {
            "type" => req.integration_type(IntegrationType::from(spec.kind.as_str())),
            "uri" => req.integration_uri(&spec.uri),
            "method" => req.set_integration_method(spec.method.clone()),
            "payload-format-version" => req
                .set_payload_format_version(spec.payload_format_version.map(PayloadFormat::to_aws)),
            "timeout-ms" => req.timeout_in_millis(spec.timeout_ms.unwrap_or(30000)),
            "credentials" => req.credentials_arn(spec.credentials.clone().unwrap_or_default()),
            "description" => req.description(spec.description.clone().unwrap_or_default()),
            "request-parameters" => req.set_request_parameters(Some(
                spec.request_parameters
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            )),
            "api" => return Err(fixed(ApiIntegration::OPS.update, TY, c)),
            _ => req,
        };
    }
    Ok(any.then_some(req))
}

/// Integrations have no name or tags: the one on the same API with the same type and URI is
/// the one a create made.
#[async_trait]
impl Child for ApiIntegration {
    crate::apigw::child!(ApiIntegration, "Integration");

    async fn get(c: &Client, api: &str, id: &str) -> Result<Option<Attrs>, OpError> {
        let call = c.get_integration().api_id(api).integration_id(id).send();
        let Some(o) = get_optional(Self::OPS.get, is_gone, call).await? else {
            return Ok(None);
        };
        let mut attrs = ApiIntegration {
            api: api.to_string(),
            kind: IntegrationKind::default(),
            uri: o.integration_uri().unwrap_or_default().to_string(),
            method: o.integration_method().map(str::to_string),
            payload_format_version: o.payload_format_version().and_then(PayloadFormat::parse),
            timeout_ms: o.timeout_in_millis(),
            credentials: o.credentials_arn().map(str::to_string),
            description: o
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            request_parameters: o
                .request_parameters()
                .filter(|p| !p.is_empty())
                .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            id: Some(id.to_string()),
        }
        .to_attrs();
        // The type as AWS spells it (or none), not a default.
        attrs.remove("type");
        if let Some(t) = o.integration_type() {
            attrs.insert("type".into(), crate::attrs::s(t.as_str()));
        }
        Ok(Some(attrs))
    }

    async fn page(
        c: &Client,
        spec: &ApiIntegration,
        token: Option<String>,
    ) -> Result<Option<Page>, OpError> {
        let call = c
            .get_integrations()
            .api_id(&spec.api)
            .set_next_token(token)
            .send();
        Ok(get_optional(Self::OPS.list, is_gone, call)
            .await?
            .map(|out| {
                let found = out
                    .items()
                    .iter()
                    .find(|i| {
                        i.integration_uri() == Some(spec.uri.as_str())
                            && i.integration_type().map(|t| t.as_str()) == Some(spec.kind.as_str())
                    })
                    .map(|i| i.integration_id().unwrap_or_default().to_string());
                (found, out.next_token().map(str::to_string))
            }))
    }

    async fn create(c: &Client, spec: &ApiIntegration) -> Result<String, OpError> {
        let out = c
            .create_integration()
            .api_id(&spec.api)
            .integration_type(IntegrationType::from(spec.kind.as_str()))
            .integration_uri(&spec.uri)
            .set_integration_method(spec.method.clone())
            .set_payload_format_version(spec.payload_format_version.map(PayloadFormat::to_aws))
            .set_timeout_in_millis(spec.timeout_ms)
            .set_credentials_arn(spec.credentials.clone())
            .set_description(spec.description.clone())
            .set_request_parameters(
                spec.request_parameters
                    .clone()
                    .map(|m| m.into_iter().collect()),
            )
            .send()
            .await
            .map_err(|e| op_error(Self::OPS.create, e))?;
        Ok(out.integration_id().unwrap_or_default().to_string())
    }

    async fn update(
        c: &Client,
        api: &str,
        id: &str,
        spec: &ApiIntegration,
        changed: &[String],
    ) -> Result<(), OpError> {
        let req = c.update_integration().api_id(api).integration_id(id);
        if let Some(req) = update_request(req, spec, changed)? {
            req.send()
                .await
                .map_err(|e| op_error(Self::OPS.update, e))?;
        }
        Ok(())
    }

    async fn delete(c: &Client, api: &str, id: &str) -> Result<(), OpError> {
        let call = c.delete_integration().api_id(api).integration_id(id).send();
        delete_if_present(Self::OPS.delete, is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apigw::split_id;
    use eco_provider::values::s;

    #[test]
    fn lambda_proxies_default_to_post_and_payload_2() {
        let d = Attrs::from([
            ("api".to_string(), s("a1")),
            ("type".to_string(), s("AWS_PROXY")),
            (
                "uri".to_string(),
                s("arn:aws:lambda:us-east-1:1:function:f"),
            ),
        ]);
        let spec = spec_of(&d, "Op").unwrap();
        assert_eq!(spec.method.as_deref(), Some("POST"));
        assert_eq!(spec.payload_format_version, Some(PayloadFormat::V2));
        let mut bad = d.clone();
        bad.insert("payload-format-version".into(), s("3.0"));
        assert!(spec_of(&bad, "Op").is_err());
        assert_eq!(
            split_id("a/b", TY, "Op").unwrap(),
            ("a".to_string(), "b".to_string())
        );
        assert!(split_id("ab", TY, "Op").is_err());
    }

    #[test]
    fn update_request_carries_only_changed_fields() {
        let client = crate::apigw::offline_client();
        let spec = ApiIntegration {
            api: "a".into(),
            kind: IntegrationKind::AwsProxy,
            uri: "arn:new".into(),
            timeout_ms: Some(5000),
            ..ApiIntegration::default()
        };
        let req = update_request(
            client.update_integration().api_id("a").integration_id("i"),
            &spec,
            &["uri".into(), "timeout-ms".into()],
        )
        .unwrap()
        .unwrap();
        assert_eq!(req.get_integration_uri().as_deref(), Some("arn:new"));
        assert_eq!(req.get_timeout_in_millis(), &Some(5000));
        assert_eq!(req.get_description(), &None);
        assert!(update_request(client.update_integration(), &spec, &["api".into()]).is_err());
    }
}
