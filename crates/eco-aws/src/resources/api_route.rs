//! `api-route`: a route of an HTTP API (`GET /assets/{id}`) and its authorization.
//!
//! AWS calls (apigatewayv2):
//! - read: GetRoute; refresh pages through GetRoutes per API
//! - create: CreateRoute (Target = integrations/INTEGRATION-ID)
//! - update: UpdateRoute
//! - delete: DeleteRoute
//! - import: by `API-ID/ROUTE-ID` (GetRoute)

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::AuthorizationType;
use aws_sdk_apigatewayv2::Client;
use eco_provider::{Attrs, OpError, OpResult};
use eco_schema::{Schema, Spec, SpecEnum};

use crate::apigw::{fixed, Child, Children, Page};
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};

/// A route's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "api-route",
    doc = "A route of an HTTP API",
    import_id = "`API-ID/ROUTE-ID`"
)]
pub struct ApiRoute {
    /// id of the API; a route cannot move between APIs
    #[eco(replace)]
    pub api: String,
    /// METHOD /path, ANY /{proxy+} or $default (UpdateRoute)
    pub route_key: String,
    /// id of the integration requests go to; sent as target integrations/ID (UpdateRoute)
    pub integration: Option<String>,
    /// NONE (default), JWT, AWS_IAM or CUSTOM (UpdateRoute)
    pub authorization_type: Option<Authorization>,
    /// id of the authorizer for JWT or CUSTOM authorization (UpdateRoute)
    pub authorizer: Option<String>,
    /// OAuth scopes a JWT must carry (UpdateRoute)
    pub authorization_scopes: Option<Vec<String>>,
    /// operation name (UpdateRoute)
    pub operation_name: Option<String>,
    /// route id
    #[eco(computed)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Authorization {
    None,
    Jwt,
    AwsIam,
    Custom,
}

pub const TYPE_NAME: &str = ApiRoute::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    ApiRoute::schema()
}

/// The `api-route` operations.
pub type Provider = Children<ApiRoute>;

impl ApiRoute {
    /// What CreateRoute and UpdateRoute send as the target: `integrations/ID`.
    pub fn target(&self) -> Option<String> {
        self.integration
            .as_ref()
            .map(|i| format!("integrations/{i}"))
    }
}

/// The desired route, its route key checked.
fn spec_of(desired: &Attrs, op: &str) -> Result<ApiRoute, OpError> {
    let spec =
        ApiRoute::from_attrs(desired).map_err(|e| OpError::invalid(op, format!("{TY}: {e}")))?;
    let key = &spec.route_key;
    let ok = key == "$default"
        || key
            .split_once(' ')
            .is_some_and(|(m, p)| !m.is_empty() && p.starts_with('/'));
    if !ok {
        return Err(OpError::invalid(
            op,
            format!("{TY}: route-key `{key}` must be `METHOD /path` or $default"),
        ));
    }
    Ok(spec)
}

type UpdateReq = aws_sdk_apigatewayv2::operation::update_route::builders::UpdateRouteFluentBuilder;

/// UpdateRoute with the changed fields. Switching authorization to NONE clears the authorizer.
fn update_request(
    mut req: UpdateReq,
    spec: &ApiRoute,
    changed: &[String],
) -> Result<UpdateReq, OpError> {
    for c in changed {
        req = match c.as_str() {
            "route-key" => req.route_key(&spec.route_key),
            "integration" => req.target(spec.target().unwrap_or_default()),
            "authorization-type" => {
                let t = spec.authorization_type.unwrap_or(Authorization::None);
                let req = req.authorization_type(AuthorizationType::from(t.as_str()));
                if t == Authorization::None {
                    req.authorizer_id("")
                } else {
                    req
                }
            }
            "authorizer" => req.authorizer_id(spec.authorizer.clone().unwrap_or_default()),
            "authorization-scopes" => req.set_authorization_scopes(Some(
                spec.authorization_scopes.clone().unwrap_or_default(),
            )),
            "operation-name" => req.operation_name(spec.operation_name.clone().unwrap_or_default()),
            "api" => return Err(fixed(ApiRoute::OPS.update, TY, c)),
            _ => req,
        };
    }
    Ok(req)
}

/// A route key is unique in an API: the route with this key is the one a create made.
#[async_trait]
impl Child for ApiRoute {
    crate::apigw::child!(ApiRoute, "Route");

    async fn get(c: &Client, api: &str, id: &str) -> Result<Option<Attrs>, OpError> {
        let call = c.get_route().api_id(api).route_id(id).send();
        let Some(o) = get_optional(Self::OPS.get, is_gone, call).await? else {
            return Ok(None);
        };
        let scopes = o.authorization_scopes();
        let route = ApiRoute {
            api: api.to_string(),
            route_key: o.route_key().unwrap_or_default().to_string(),
            integration: o
                .target()
                .and_then(|t| t.strip_prefix("integrations/"))
                .map(str::to_string),
            authorization_type: Authorization::parse(
                o.authorization_type().map(|t| t.as_str()).unwrap_or("NONE"),
            ),
            authorizer: o
                .authorizer_id()
                .filter(|z| !z.is_empty())
                .map(str::to_string),
            authorization_scopes: (!scopes.is_empty()).then(|| scopes.to_vec()),
            operation_name: o
                .operation_name()
                .filter(|n| !n.is_empty())
                .map(str::to_string),
            id: Some(id.to_string()),
        };
        Ok(Some(route.to_attrs()))
    }

    async fn page(c: &Client, spec: &ApiRoute, token: Option<String>) -> OpResult<Option<Page>> {
        let call = c
            .get_routes()
            .api_id(&spec.api)
            .set_next_token(token)
            .send();
        Ok(get_optional(Self::OPS.list, is_gone, call)
            .await?
            .map(|out| {
                let found = out
                    .items()
                    .iter()
                    .find(|r| r.route_key() == Some(spec.route_key.as_str()))
                    .map(|r| r.route_id().unwrap_or_default().to_string());
                (found, out.next_token().map(str::to_string))
            }))
    }

    async fn create(c: &Client, spec: &ApiRoute) -> Result<String, OpError> {
        let out = c
            .create_route()
            .api_id(&spec.api)
            .route_key(&spec.route_key)
            .set_target(spec.target())
            .set_authorization_type(
                spec.authorization_type
                    .map(|t| AuthorizationType::from(t.as_str())),
            )
            .set_authorizer_id(spec.authorizer.clone())
            .set_authorization_scopes(spec.authorization_scopes.clone())
            .set_operation_name(spec.operation_name.clone())
            .send()
            .await
            .map_err(|e| op_error(Self::OPS.create, e))?;
        Ok(out.route_id().unwrap_or_default().to_string())
    }

    async fn update(
        c: &Client,
        api: &str,
        id: &str,
        spec: &ApiRoute,
        changed: &[String],
    ) -> Result<(), OpError> {
        let req = c.update_route().api_id(api).route_id(id);
        update_request(req, spec, changed)?
            .send()
            .await
            .map_err(|e| op_error(Self::OPS.update, e))?;
        Ok(())
    }

    async fn delete(c: &Client, api: &str, id: &str) -> Result<(), OpError> {
        let call = c.delete_route().api_id(api).route_id(id).send();
        delete_if_present(Self::OPS.delete, is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::values::s;

    use crate::apigw::offline_client as client;

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
        assert_eq!(spec.target().as_deref(), Some("integrations/i1"));
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
