//! `api-route`: a route of an HTTP API (`GET /assets/{id}`) and its authorization.
//!
//! AWS calls (apigatewayv2):
//! - read: GetRoute; refresh pages through GetRoutes per API
//! - create: CreateRoute (Target = integrations/INTEGRATION-ID)
//! - update: UpdateRoute
//! - delete: DeleteRoute
//! - import: by `API-ID/ROUTE-ID` (GetRoute)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "api-route";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A route of an HTTP API")
        .import_id("`API-ID/ROUTE-ID`")
        .attr(
            Attribute::string("api")
                .required()
                .forces_replacement()
                .doc("id of the API; a route cannot move between APIs"),
        )
        .attr(
            Attribute::string("route-key")
                .required()
                .doc("METHOD /path, ANY /{proxy+} or $default (UpdateRoute)"),
        )
        .attr(Attribute::string("integration").doc(
            "id of the integration requests go to; sent as target integrations/ID (UpdateRoute)",
        ))
        .attr(
            Attribute::string("authorization-type")
                .one_of(&["NONE", "JWT", "AWS_IAM", "CUSTOM"])
                .doc("NONE (default), JWT, AWS_IAM or CUSTOM (UpdateRoute)"),
        )
        .attr(
            Attribute::string("authorizer")
                .doc("id of the authorizer for JWT or CUSTOM authorization (UpdateRoute)"),
        )
        .attr(
            Attribute::list("authorization-scopes", ScalarType::String)
                .doc("OAuth scopes a JWT must carry (UpdateRoute)"),
        )
        .attr(Attribute::string("operation-name").doc("operation name (UpdateRoute)"))
        .attr(Attribute::string("id").computed().doc("route id"))
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::AuthorizationType;
use eco_provider::{Attrs, Live, OpContext, OpError, ResourceProvider};

use super::api_integration::split_id;
use crate::attrs::{opt_str, opt_str_list, req_str, s, str_list_value};
use crate::aws::{is_gone, op_error, Aws};
use crate::calls::{bring_to, delete_if_present, find_in_pages, get_optional, still_there};

const TY: &str = "api-route";

#[derive(Debug, Clone, PartialEq, Default)]
struct Spec {
    api: String,
    route_key: String,
    target: Option<String>,
    auth_type: Option<String>,
    authorizer: Option<String>,
    scopes: Option<Vec<String>>,
    operation: Option<String>,
}

fn spec_of(desired: &Attrs, op: &str) -> Result<Spec, OpError> {
    let route_key = req_str(desired, "route-key", TY, op)?;
    let ok = route_key == "$default"
        || route_key
            .split_once(' ')
            .is_some_and(|(m, p)| !m.is_empty() && p.starts_with('/'));
    if !ok {
        return Err(OpError::invalid(
            op,
            format!("{TY}: route-key `{route_key}` must be `METHOD /path` or $default"),
        ));
    }
    let auth_type = opt_str(desired, "authorization-type", TY, op)?;
    if let Some(t) = &auth_type {
        if !["NONE", "JWT", "AWS_IAM", "CUSTOM"].contains(&t.as_str()) {
            return Err(OpError::invalid(
                op,
                format!("{TY}: authorization-type must be NONE, JWT, AWS_IAM or CUSTOM, got `{t}`"),
            ));
        }
    }
    Ok(Spec {
        api: req_str(desired, "api", TY, op)?,
        route_key,
        target: opt_str(desired, "integration", TY, op)?.map(|i| format!("integrations/{i}")),
        auth_type,
        authorizer: opt_str(desired, "authorizer", TY, op)?,
        scopes: opt_str_list(desired, "authorization-scopes", TY, op)?,
        operation: opt_str(desired, "operation-name", TY, op)?,
    })
}

/// The `api-route` operations.
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
        let (api, rid) = split_id(id, TY, "GetRoute")?;
        let Some(o) = get_optional(
            "GetRoute",
            is_gone,
            self.client.get_route().api_id(&api).route_id(&rid).send(),
        )
        .await?
        else {
            return Ok(None);
        };
        let mut a = Attrs::new();
        a.insert("api".into(), s(&api));
        a.insert("id".into(), s(&rid));
        if let Some(k) = o.route_key() {
            a.insert("route-key".into(), s(k));
        }
        if let Some(t) = o.target().and_then(|t| t.strip_prefix("integrations/")) {
            a.insert("integration".into(), s(t));
        }
        a.insert(
            "authorization-type".into(),
            s(o.authorization_type().map(|t| t.as_str()).unwrap_or("NONE")),
        );
        if let Some(z) = o.authorizer_id().filter(|z| !z.is_empty()) {
            a.insert("authorizer".into(), s(z));
        }
        if !o.authorization_scopes().is_empty() {
            a.insert(
                "authorization-scopes".into(),
                str_list_value(o.authorization_scopes().iter().cloned()),
            );
        }
        if let Some(n) = o.operation_name().filter(|n| !n.is_empty()) {
            a.insert("operation-name".into(), s(n));
        }
        Ok(Some(Live {
            id: id.to_string(),
            attrs: a,
        }))
    }
}

type UpdateReq = aws_sdk_apigatewayv2::operation::update_route::builders::UpdateRouteFluentBuilder;

/// UpdateRoute with the changed fields. Switching authorization to NONE clears the authorizer.
fn update_request(
    mut req: UpdateReq,
    spec: &Spec,
    changed: &[String],
) -> Result<UpdateReq, OpError> {
    for c in changed {
        req = match c.as_str() {
            "route-key" => req.route_key(&spec.route_key),
            "integration" => req.target(spec.target.clone().unwrap_or_default()),
            "authorization-type" => {
                let t = spec.auth_type.clone().unwrap_or_else(|| "NONE".into());
                let req = req.authorization_type(AuthorizationType::from(t.as_str()));
                if t == "NONE" {
                    req.authorizer_id("")
                } else {
                    req
                }
            }
            "authorizer" => req.authorizer_id(spec.authorizer.clone().unwrap_or_default()),
            "authorization-scopes" => {
                req.set_authorization_scopes(Some(spec.scopes.clone().unwrap_or_default()))
            }
            "operation-name" => req.operation_name(spec.operation.clone().unwrap_or_default()),
            "api" => {
                return Err(OpError::invalid(
                    "UpdateRoute",
                    format!("{TY}: `api` cannot change in place (it forces a replacement)"),
                ))
            }
            _ => req,
        };
    }
    Ok(req)
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_id(id).await
    }

    /// A route key is unique in an API: the route with this key is the one a create made.
    async fn find(
        &self,
        _ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let spec = spec_of(desired, "GetRoutes")?;
        let found = find_in_pages(
            |token| {
                let call = self
                    .client
                    .get_routes()
                    .api_id(&spec.api)
                    .set_next_token(token)
                    .send();
                get_optional("GetRoutes", is_gone, call)
            },
            |out| {
                out.items()
                    .iter()
                    .find(|r| r.route_key() == Some(spec.route_key.as_str()))
                    .map(|r| r.route_id().unwrap_or_default().to_string())
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
        let op = "CreateRoute";
        let spec = spec_of(desired, op)?;
        if let Some(live) = self.find(ctx, desired, token).await? {
            return bring_to(self, ctx, live, desired, &["api"]).await;
        }
        let out = self
            .client
            .create_route()
            .api_id(&spec.api)
            .route_key(&spec.route_key)
            .set_target(spec.target.clone())
            .set_authorization_type(spec.auth_type.as_deref().map(AuthorizationType::from))
            .set_authorizer_id(spec.authorizer.clone())
            .set_authorization_scopes(spec.scopes.clone())
            .set_operation_name(spec.operation.clone())
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let id = format!("{}/{}", spec.api, out.route_id().unwrap_or_default());
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
        let op = "UpdateRoute";
        let spec = spec_of(desired, op)?;
        let (api, rid) = split_id(id, TY, op)?;
        if changed.iter().any(|c| c != "id") {
            update_request(
                self.client.update_route().api_id(api).route_id(rid),
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
        let (api, rid) = split_id(id, TY, "DeleteRoute")?;
        delete_if_present(
            "DeleteRoute",
            is_gone,
            self.client.delete_route().api_id(api).route_id(rid).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> aws_sdk_apigatewayv2::Client {
        let conf = aws_sdk_apigatewayv2::Config::builder()
            .behavior_version(aws_sdk_apigatewayv2::config::BehaviorVersion::latest())
            .region(aws_sdk_apigatewayv2::config::Region::new("us-east-1"))
            .build();
        aws_sdk_apigatewayv2::Client::from_conf(conf)
    }

    #[test]
    fn route_keys_and_update_requests() {
        let d = Attrs::from([
            ("api".to_string(), s("a")),
            ("route-key".to_string(), s("GET /assets/{id}")),
            ("integration".to_string(), s("i1")),
            ("authorization-type".to_string(), s("JWT")),
            ("authorizer".to_string(), s("z1")),
        ]);
        let spec = spec_of(&d, "Op").unwrap();
        assert_eq!(spec.target.as_deref(), Some("integrations/i1"));
        let req = update_request(
            client().update_route(),
            &spec,
            &["integration".into(), "authorizer".into()],
        )
        .unwrap();
        assert_eq!(req.get_target().as_deref(), Some("integrations/i1"));
        assert_eq!(req.get_authorizer_id().as_deref(), Some("z1"));
        assert_eq!(req.get_route_key(), &None);
        let mut none = d.clone();
        none.insert("authorization-type".into(), s("NONE"));
        let spec = spec_of(&none, "Op").unwrap();
        let req = update_request(
            client().update_route(),
            &spec,
            &["authorization-type".into()],
        )
        .unwrap();
        assert_eq!(req.get_authorizer_id().as_deref(), Some(""));
        for bad in ["GET assets", "/x"] {
            let mut b = d.clone();
            b.insert("route-key".into(), s(bad));
            assert!(spec_of(&b, "Op").is_err(), "{bad}");
        }
    }
}
