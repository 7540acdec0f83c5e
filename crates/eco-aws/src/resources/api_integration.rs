//! `api-integration`: the backend of routes in an HTTP API (a Lambda proxy or an HTTP URL).
//!
//! AWS calls (apigatewayv2):
//! - read: GetIntegration; refresh pages through GetIntegrations per API
//! - create: CreateIntegration
//! - update: UpdateIntegration
//! - delete: DeleteIntegration
//! - import: by `API-ID/INTEGRATION-ID` (GetIntegration)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "api-integration";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "An integration of an HTTP API: where its routes send requests",
    )
    .import_id("`API-ID/INTEGRATION-ID`")
    .attr(
        Attribute::string("api")
            .required()
            .forces_replacement()
            .doc("id of the API; an integration cannot move between APIs"),
    )
    .attr(
        Attribute::string("type")
            .required()
            .one_of(&["AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY", "MOCK"])
            .doc("AWS_PROXY (Lambda) or HTTP_PROXY (UpdateIntegration)"),
    )
    .attr(
        Attribute::string("uri")
            .required()
            .doc("Lambda function ARN or invoke ARN, or an HTTP URL (UpdateIntegration)"),
    )
    .attr(
        Attribute::string("method")
            .doc("HTTP method used to call the backend (POST for Lambda; UpdateIntegration)"),
    )
    .attr(
        Attribute::string("payload-format-version")
            .one_of(&["1.0", "2.0"])
            .doc("1.0 or 2.0 (default for Lambda; UpdateIntegration)"),
    )
    .attr(
        Attribute::int("timeout-ms")
            .range(50, 30000)
            .doc("integration timeout, 50 to 30000 milliseconds (UpdateIntegration)"),
    )
    .attr(
        Attribute::string("credentials")
            .doc("ARN of a role API Gateway assumes to call the backend (UpdateIntegration)"),
    )
    .attr(Attribute::string("description").doc("description (UpdateIntegration)"))
    .attr(
        Attribute::map("request-parameters", ScalarType::String)
            .doc("parameter mappings, e.g. overwrite:path=$request.path (UpdateIntegration)"),
    )
    .attr(Attribute::string("id").computed().doc("integration id"))
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::IntegrationType;
use eco_provider::{Attrs, Live, OpContext, OpError, ResourceProvider, Value};

use crate::attrs::{opt_int_in, opt_str, opt_str_map, req_str, s, str_map_value};
use crate::aws::{is_gone, op_error, Aws};
use crate::calls::{bring_to, delete_if_present, find_in_pages, get_optional, still_there};

const TY: &str = "api-integration";

/// Splits `API-ID/CHILD-ID` (the id and import id of the API children).
pub fn split_id(id: &str, ty: &str, op: &str) -> Result<(String, String), OpError> {
    crate::ids::split_pair(id, ty, op, "API-ID/ID")
}

/// The request fields of an integration, validated.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Spec {
    pub api: String,
    pub kind: String,
    pub uri: String,
    pub method: Option<String>,
    pub payload: Option<String>,
    pub timeout: Option<i32>,
    pub credentials: Option<String>,
    pub description: Option<String>,
    pub params: Option<BTreeMap<String, String>>,
}

pub fn spec_of(desired: &Attrs, op: &str) -> Result<Spec, OpError> {
    let kind = req_str(desired, "type", TY, op)?;
    if !["AWS_PROXY", "HTTP_PROXY", "AWS", "HTTP", "MOCK"].contains(&kind.as_str()) {
        return Err(OpError::invalid(
            op,
            format!("{TY}: type must be AWS_PROXY or HTTP_PROXY, got `{kind}`"),
        ));
    }
    let mut payload = opt_str(desired, "payload-format-version", TY, op)?;
    if let Some(p) = &payload {
        if p != "1.0" && p != "2.0" {
            return Err(OpError::invalid(
                op,
                format!("{TY}: payload-format-version must be 1.0 or 2.0, got `{p}`"),
            ));
        }
    }
    // HTTP APIs require a payload format for Lambda proxies; 2.0 is the one to use.
    if kind == "AWS_PROXY" && payload.is_none() {
        payload = Some("2.0".into());
    }
    let mut method = opt_str(desired, "method", TY, op)?;
    if kind == "AWS_PROXY" && method.is_none() {
        method = Some("POST".into());
    }
    Ok(Spec {
        api: req_str(desired, "api", TY, op)?,
        kind,
        uri: req_str(desired, "uri", TY, op)?,
        method,
        payload,
        timeout: opt_int_in(desired, "timeout-ms", 50..=30000, TY, op)?,
        credentials: opt_str(desired, "credentials", TY, op)?,
        description: opt_str(desired, "description", TY, op)?,
        params: opt_str_map(desired, "request-parameters", TY, op)?,
    })
}

/// The `api-integration` operations.
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
        let (api, iid) = split_id(id, TY, "GetIntegration")?;
        let Some(o) = get_optional(
            "GetIntegration",
            is_gone,
            self.client
                .get_integration()
                .api_id(&api)
                .integration_id(&iid)
                .send(),
        )
        .await?
        else {
            return Ok(None);
        };
        let mut a = Attrs::new();
        a.insert("api".into(), s(&api));
        a.insert("id".into(), s(&iid));
        if let Some(t) = o.integration_type() {
            a.insert("type".into(), s(t.as_str()));
        }
        if let Some(u) = o.integration_uri() {
            a.insert("uri".into(), s(u));
        }
        if let Some(m) = o.integration_method() {
            a.insert("method".into(), s(m));
        }
        if let Some(p) = o.payload_format_version() {
            a.insert("payload-format-version".into(), s(p));
        }
        if let Some(t) = o.timeout_in_millis() {
            a.insert("timeout-ms".into(), Value::Int(t as i64));
        }
        if let Some(c) = o.credentials_arn() {
            a.insert("credentials".into(), s(c));
        }
        if let Some(d) = o.description().filter(|d| !d.is_empty()) {
            a.insert("description".into(), s(d));
        }
        if let Some(p) = o.request_parameters().filter(|p| !p.is_empty()) {
            let m: BTreeMap<String, String> =
                p.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            a.insert("request-parameters".into(), str_map_value(&m));
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

    /// Integrations have no name or tags: the one on the same API with the same type and URI is
    /// the one a create made.
    async fn find(
        &self,
        _ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let spec = spec_of(desired, "GetIntegrations")?;
        let found = find_in_pages(
            |token| {
                let call = self
                    .client
                    .get_integrations()
                    .api_id(&spec.api)
                    .set_next_token(token)
                    .send();
                get_optional("GetIntegrations", is_gone, call)
            },
            |out| {
                out.items()
                    .iter()
                    .find(|i| {
                        i.integration_uri() == Some(spec.uri.as_str())
                            && i.integration_type().map(|t| t.as_str()) == Some(spec.kind.as_str())
                    })
                    .map(|i| i.integration_id().unwrap_or_default().to_string())
            },
            |out| out.next_token().map(str::to_string),
        )
        .await?;
        match found {
            Some(id) => self.read_id(&format!("{}/{id}", spec.api)).await,
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateIntegration";
        let spec = spec_of(desired, op)?;
        if let Some(live) = self.find(ctx, desired, token).await? {
            return bring_to(self, ctx, live, desired, &["api"]).await;
        }
        let out = self
            .client
            .create_integration()
            .api_id(&spec.api)
            .integration_type(IntegrationType::from(spec.kind.as_str()))
            .integration_uri(&spec.uri)
            .set_integration_method(spec.method.clone())
            .set_payload_format_version(spec.payload.clone())
            .set_timeout_in_millis(spec.timeout)
            .set_credentials_arn(spec.credentials.clone())
            .set_description(spec.description.clone())
            .set_request_parameters(spec.params.clone().map(|m| m.into_iter().collect()))
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let id = format!("{}/{}", spec.api, out.integration_id().unwrap_or_default());
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
        let op = "UpdateIntegration";
        let spec = spec_of(desired, op)?;
        let (api, iid) = split_id(id, TY, op)?;
        let req = update_request(
            self.client
                .update_integration()
                .api_id(api)
                .integration_id(iid),
            &spec,
            changed,
        )?;
        if let Some(req) = req {
            req.send().await.map_err(|e| op_error(op, e))?;
        }
        still_there(self.read_id(id).await?, op, TY, id)
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (api, iid) = split_id(id, TY, "DeleteIntegration")?;
        delete_if_present(
            "DeleteIntegration",
            is_gone,
            self.client
                .delete_integration()
                .api_id(api)
                .integration_id(iid)
                .send(),
        )
        .await
    }
}

type UpdateReq =
    aws_sdk_apigatewayv2::operation::update_integration::builders::UpdateIntegrationFluentBuilder;

/// UpdateIntegration with the changed fields only; `None` when nothing AWS holds changed.
fn update_request(
    mut req: UpdateReq,
    spec: &Spec,
    changed: &[String],
) -> Result<Option<UpdateReq>, OpError> {
    let mut any = false;
    for c in changed {
        let known = !matches!(c.as_str(), "id" | "api");
        any |= known;
        req = match c.as_str() {
            "type" => req.integration_type(IntegrationType::from(spec.kind.as_str())),
            "uri" => req.integration_uri(&spec.uri),
            "method" => req.set_integration_method(spec.method.clone()),
            "payload-format-version" => req.set_payload_format_version(spec.payload.clone()),
            "timeout-ms" => req.timeout_in_millis(spec.timeout.unwrap_or(30000)),
            "credentials" => req.credentials_arn(spec.credentials.clone().unwrap_or_default()),
            "description" => req.description(spec.description.clone().unwrap_or_default()),
            "request-parameters" => req.set_request_parameters(Some(
                spec.params
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .collect(),
            )),
            "api" => {
                return Err(OpError::invalid(
                    "UpdateIntegration",
                    format!("{TY}: `api` cannot change in place (it forces a replacement)"),
                ))
            }
            _ => req,
        };
    }
    Ok(any.then_some(req))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(spec.payload.as_deref(), Some("2.0"));
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
        let conf = aws_sdk_apigatewayv2::Config::builder()
            .behavior_version(aws_sdk_apigatewayv2::config::BehaviorVersion::latest())
            .region(aws_sdk_apigatewayv2::config::Region::new("us-east-1"))
            .build();
        let client = aws_sdk_apigatewayv2::Client::from_conf(conf);
        let spec = Spec {
            api: "a".into(),
            kind: "AWS_PROXY".into(),
            uri: "arn:new".into(),
            timeout: Some(5000),
            ..Spec::default()
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
