//! `rest-resource`: one path segment of a REST API (`/users`, `/users/{id}`, `/{proxy+}`), under
//! a parent resource (by default the API's root `/`).
//!
//! AWS calls (apigateway):
//! - read: GetResource
//! - create: CreateResource (the root's id from GetResources when no parent is given)
//! - update: none (parent and path part replace the resource, as its methods go with it)
//! - delete: DeleteResource
//! - import: by `REST-API-ID/RESOURCE-ID` (GetResource)

use async_trait::async_trait;
use aws_sdk_apigateway::Client;
use eco_provider::{Attrs, OpError};
use eco_schema::{NameRule, Schema, Spec};

use crate::attrs::spec_of;
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};
use crate::rest::{fixed, Part, Parts};

/// A resource's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-resource",
    doc = "A path segment of a REST API, under the API's root or another resource",
    import_id = "`REST-API-ID/RESOURCE-ID`"
)]
pub struct RestResource {
    /// id of the REST API
    #[eco(replace)]
    pub rest_api: String,
    /// id of the parent resource (default: the API's root resource `/`)
    #[eco(replace)]
    pub parent: Option<String>,
    /// the segment: a name (`users`), a path parameter (`{id}`) or a greedy one (`{proxy+}`)
    #[eco(replace, name_rule = RestPathPart)]
    pub path_part: String,
    /// resource id
    #[eco(computed)]
    pub id: Option<String>,
    /// the full path, e.g. /users/{id}
    #[eco(computed)]
    pub path: Option<String>,
}

pub const TYPE_NAME: &str = RestResource::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    RestResource::schema()
}

/// The `rest-resource` operations.
pub type Provider = Parts<RestResource>;

fn desired_of(attrs: &Attrs, op: &str) -> Result<RestResource, OpError> {
    let spec: RestResource = spec_of(attrs, TY, op)?;
    if let Err(why) = NameRule::RestPathPart.check(&spec.path_part) {
        return Err(OpError::invalid(
            op,
            format!(
                "{TY}: path-part `{}` {why}; API Gateway takes {}",
                spec.path_part,
                NameRule::RestPathPart.describe()
            ),
        ));
    }
    Ok(spec)
}

/// Every resource of `api` (`None` when the API is gone), through GetResources pages.
pub async fn resources_of(
    c: &Client,
    api: &str,
) -> Result<Option<Vec<aws_sdk_apigateway::types::Resource>>, OpError> {
    let mut all = Vec::new();
    let mut position = None;
    loop {
        let call = c
            .get_resources()
            .rest_api_id(api)
            .limit(500)
            .set_position(position)
            .send();
        let Some(out) = get_optional("GetResources", is_gone, call).await? else {
            return Ok(None);
        };
        all.extend(out.items().iter().cloned());
        position = out.position().filter(|p| !p.is_empty()).map(str::to_string);
        if position.is_none() {
            return Ok(Some(all));
        }
    }
}

/// The id of the root resource `/` among an API's resources.
pub fn root_of(resources: &[aws_sdk_apigateway::types::Resource]) -> Option<String> {
    resources
        .iter()
        .find(|r| r.path() == Some("/"))
        .and_then(|r| r.id().map(str::to_string))
}

impl RestResource {
    /// The parent's id: the configured one, or the API's root.
    async fn parent_id(&self, c: &Client) -> Result<Option<String>, OpError> {
        if let Some(p) = &self.parent {
            return Ok(Some(p.clone()));
        }
        Ok(resources_of(c, &self.rest_api)
            .await?
            .and_then(|all| root_of(&all)))
    }
}

#[async_trait]
impl Part for RestResource {
    crate::rest::part!(RestResource, "RESOURCE-ID", "GetResource");

    async fn get(c: &Client, api: &str, key: &str) -> Result<Option<Attrs>, OpError> {
        let call = c.get_resource().rest_api_id(api).resource_id(key).send();
        let Some(o) = get_optional("GetResource", is_gone, call).await? else {
            return Ok(None);
        };
        let r = RestResource {
            rest_api: api.to_string(),
            parent: o.parent_id().map(str::to_string),
            path_part: o.path_part().unwrap_or_default().to_string(),
            id: Some(key.to_string()),
            path: o.path().map(str::to_string),
        };
        Ok(Some(r.to_attrs()))
    }

    async fn find_key(&self, c: &Client) -> Result<Option<String>, OpError> {
        let Some(all) = resources_of(c, &self.rest_api).await? else {
            return Ok(None);
        };
        let parent = match &self.parent {
            Some(p) => Some(p.clone()),
            None => root_of(&all),
        };
        Ok(all
            .iter()
            .find(|r| r.parent_id() == parent.as_deref() && r.path_part() == Some(&self.path_part))
            .and_then(|r| r.id().map(str::to_string)))
    }

    async fn create(&self, c: &Client) -> Result<String, OpError> {
        let op = "CreateResource";
        let parent = self.parent_id(c).await?.ok_or_else(|| {
            OpError::invalid(
                op,
                format!("{TY}: REST API `{}` has no root resource", self.rest_api),
            )
        })?;
        let out = c
            .create_resource()
            .rest_api_id(&self.rest_api)
            .parent_id(parent)
            .path_part(&self.path_part)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        Ok(out.id().unwrap_or_default().to_string())
    }

    async fn update(
        &self,
        _c: &Client,
        _key: &str,
        _live: &Attrs,
        changed: &[String],
    ) -> Result<(), OpError> {
        match changed
            .iter()
            .find(|c| !matches!(c.as_str(), "id" | "path"))
        {
            Some(c) => Err(fixed("UpdateResource", TY, c)),
            None => Ok(()),
        }
    }

    async fn delete(c: &Client, api: &str, key: &str) -> Result<(), OpError> {
        let call = c.delete_resource().rest_api_id(api).resource_id(key).send();
        delete_if_present("DeleteResource", is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_part_aws_refuses_is_refused_before_any_call() {
        let attrs = RestResource {
            rest_api: "a1".into(),
            path_part: "a/b".into(),
            ..Default::default()
        }
        .to_attrs();
        let err = desired_of(&attrs, "CreateResource").unwrap_err();
        assert!(err.message.contains("`/`"), "{}", err.message);
        assert!(err.message.contains("{proxy+}"), "{}", err.message);
    }
}
