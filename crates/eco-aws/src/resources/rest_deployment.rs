//! `rest-deployment`: a snapshot of a REST API's resources, methods and integrations that a
//! `rest-stage` serves.
//!
//! A deployment never changes: eco replaces it (create before destroy, so that the stage moves
//! to the new one before the old one is deleted) whenever a `rest-resource`, `rest-method`,
//! `rest-integration` or `rest-authorizer` of the same API has a change in the plan. The planner
//! does this (see docs/rest-api.md, "Redeploying"); the configuration needs no trigger.
//!
//! AWS calls (apigateway):
//! - read: GetDeployments (the deployment by id among them)
//! - create: CreateDeployment (no stage: the rest-stage points at it)
//! - update: none (every change replaces it)
//! - delete: DeleteDeployment
//! - import: by `REST-API-ID/DEPLOYMENT-ID` (GetDeployments)

use async_trait::async_trait;
use aws_sdk_apigateway::Client;
use eco_provider::{Attrs, OpError};
use eco_schema::{Schema, Spec};

use crate::attrs::spec_of;
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};
use crate::rest::{fixed, Part, Parts};

/// A deployment's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-deployment",
    doc = "A deployment (snapshot) of a REST API, replaced automatically when the API's resources, methods, integrations or authorizers change",
    import_id = "`REST-API-ID/DEPLOYMENT-ID`"
)]
pub struct RestDeployment {
    /// id of the REST API
    #[eco(replace)]
    pub rest_api: String,
    /// description
    #[eco(replace)]
    pub description: Option<String>,
    /// deployment id, for rest-stage's `deployment`
    #[eco(computed)]
    pub id: Option<String>,
}

pub const TYPE_NAME: &str = RestDeployment::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    RestDeployment::schema()
}

/// The `rest-deployment` operations.
pub type Provider = Parts<RestDeployment>;

#[async_trait]
impl Part for RestDeployment {
    const TY: &'static str = TY;
    const KEY: &'static str = "DEPLOYMENT-ID";
    const GET: &'static str = "GetDeployment";

    fn schema() -> Schema {
        schema()
    }

    fn desired(attrs: &Attrs, op: &str) -> Result<Self, OpError> {
        spec_of(attrs, TY, op)
    }

    fn api(&self) -> &str {
        &self.rest_api
    }

    /// Read through GetDeployments (one call for up to 500 deployments; moto's GetDeployment
    /// fails with a 500 for a deleted one instead of NotFoundException).
    async fn get(c: &Client, api: &str, key: &str) -> Result<Option<Attrs>, OpError> {
        let mut position = None;
        loop {
            let call = c
                .get_deployments()
                .rest_api_id(api)
                .limit(500)
                .set_position(position)
                .send();
            let Some(out) = get_optional("GetDeployments", is_gone, call).await? else {
                return Ok(None);
            };
            if let Some(o) = out.items().iter().find(|d| d.id() == Some(key)) {
                let d = RestDeployment {
                    rest_api: api.to_string(),
                    description: o
                        .description()
                        .filter(|d| !d.is_empty())
                        .map(str::to_string),
                    id: Some(key.to_string()),
                };
                return Ok(Some(d.to_attrs()));
            }
            position = out.position().filter(|p| !p.is_empty()).map(str::to_string);
            if position.is_none() {
                return Ok(None);
            }
        }
    }

    /// Deployments carry no name or tags: the one a create made is the newest deployment of
    /// the API with this description that no stage serves (a create is followed by the stage
    /// moving to it, so an unserved one is a create whose result was never recorded).
    async fn find_key(&self, c: &Client) -> Result<Option<String>, OpError> {
        let call = c.get_stages().rest_api_id(&self.rest_api).send();
        let Some(stages) = get_optional("GetStages", is_gone, call).await? else {
            return Ok(None);
        };
        let served: Vec<&str> = stages
            .item()
            .iter()
            .filter_map(|s| s.deployment_id())
            .collect();
        let mut candidates = Vec::new();
        let mut position = None;
        loop {
            let call = c
                .get_deployments()
                .rest_api_id(&self.rest_api)
                .limit(500)
                .set_position(position)
                .send();
            let Some(out) = get_optional("GetDeployments", is_gone, call).await? else {
                return Ok(None);
            };
            for d in out.items() {
                let same = d.description().filter(|t| !t.is_empty()) == self.description.as_deref();
                match d.id() {
                    Some(id) if same && !served.contains(&id) => {
                        candidates.push((d.created_date().map(|t| t.as_secs_f64()), id.to_string()))
                    }
                    _ => {}
                }
            }
            position = out.position().filter(|p| !p.is_empty()).map(str::to_string);
            if position.is_none() {
                break;
            }
        }
        candidates.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
        Ok(candidates.pop().map(|(_, id)| id))
    }

    async fn create(&self, c: &Client) -> Result<String, OpError> {
        let out = c
            .create_deployment()
            .rest_api_id(&self.rest_api)
            .set_description(self.description.clone())
            .send()
            .await
            .map_err(|e| op_error("CreateDeployment", e))?;
        Ok(out.id().unwrap_or_default().to_string())
    }

    async fn update(
        &self,
        _c: &Client,
        _key: &str,
        _live: &Attrs,
        changed: &[String],
    ) -> Result<(), OpError> {
        match changed.iter().find(|c| c.as_str() != "id") {
            Some(c) => Err(fixed("UpdateDeployment", TY, c)),
            None => Ok(()),
        }
    }

    async fn delete(c: &Client, api: &str, key: &str) -> Result<(), OpError> {
        let call = c
            .delete_deployment()
            .rest_api_id(api)
            .deployment_id(key)
            .send();
        delete_if_present("DeleteDeployment", is_gone, call).await
    }
}
