//! `rest-stage`: a named stage of a REST API (`prod`, `dev`) serving one deployment, with stage
//! variables, tracing and tags.
//!
//! AWS calls (apigateway):
//! - read: GetStage (tags included)
//! - create: CreateStage (tags included; a stage of the same name in the API is adopted)
//! - update: UpdateStage (PATCH operations: deployment, description, variables, tracing),
//!   TagResource / UntagResource
//! - delete: DeleteStage
//! - import: by `REST-API-ID/STAGE-NAME` (GetStage)

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apigateway::types::PatchOperation;
use aws_sdk_apigateway::Client;
use eco_provider::{Attrs, OpError};
use eco_schema::{Schema, Spec};

use crate::attrs::spec_of;
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};
use crate::rest::{fixed, map_patch, ordered, replace, Part, Parts};
use crate::tags::{retag, tags_value};

/// A stage's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-stage",
    doc = "A stage of a REST API serving one deployment",
    import_id = "`REST-API-ID/STAGE-NAME`"
)]
pub struct RestStage {
    /// id of the REST API
    #[eco(replace)]
    pub rest_api: String,
    /// stage name, part of the invoke URL: letters, digits, `-` and `_`, at most 128 characters
    #[eco(replace, name_rule = ApiStage)]
    pub name: String,
    /// id of the rest-deployment the stage serves (UpdateStage)
    pub deployment: String,
    /// description (UpdateStage)
    pub description: Option<String>,
    /// stage variables, ${stageVariables.NAME} in integrations (UpdateStage)
    pub variables: Option<BTreeMap<String, String>>,
    /// X-Ray tracing (UpdateStage)
    pub tracing_enabled: Option<bool>,
    /// https://API.execute-api.REGION.amazonaws.com/STAGE
    #[eco(computed)]
    pub invoke_url: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = RestStage::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    RestStage::schema()
}

/// The `rest-stage` operations.
pub type Provider = Parts<RestStage>;

fn desired_of(attrs: &Attrs, op: &str) -> Result<RestStage, OpError> {
    let spec: RestStage = spec_of(attrs, TY, op)?;
    let ok = !spec.name.is_empty()
        && spec.name.len() <= 128
        && spec
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(OpError::invalid(
            op,
            format!(
                "{TY}: name `{}` is not a stage name: 1 to 128 letters, digits, `-` and `_`",
                spec.name
            ),
        ));
    }
    Ok(spec)
}

/// The PATCH operations of UpdateStage for the changed fields.
fn patch(
    spec: &RestStage,
    live: &RestStage,
    changed: &[String],
) -> Result<Vec<PatchOperation>, OpError> {
    let mut ops = Vec::new();
    for c in changed {
        match c.as_str() {
            "deployment" => ops.push(replace("/deploymentId", &spec.deployment)),
            "description" => ops.push(replace(
                "/description",
                spec.description.clone().unwrap_or_default(),
            )),
            "variables" => ops.extend(map_patch(
                "/variables",
                &live.variables.clone().unwrap_or_default(),
                &spec.variables.clone().unwrap_or_default(),
            )),
            "tracing-enabled" => ops.push(replace(
                "/tracingEnabled",
                spec.tracing_enabled.unwrap_or(false).to_string(),
            )),
            "tags" | "invoke-url" => {}
            other => return Err(fixed("UpdateStage", TY, other)),
        }
    }
    Ok(ops)
}

fn region_of(c: &Client) -> String {
    c.config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into())
}

#[async_trait]
impl Part for RestStage {
    crate::rest::part!(RestStage, "STAGE-NAME", "GetStage");

    async fn get(c: &Client, api: &str, key: &str) -> Result<Option<Attrs>, OpError> {
        let call = c.get_stage().rest_api_id(api).stage_name(key).send();
        let Some(o) = get_optional("GetStage", is_gone, call).await? else {
            return Ok(None);
        };
        let region = region_of(c);
        let s = RestStage {
            rest_api: api.to_string(),
            name: key.to_string(),
            deployment: o.deployment_id().unwrap_or_default().to_string(),
            description: o
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            variables: crate::rest::opt_map(o.variables()),
            tracing_enabled: Some(o.tracing_enabled()),
            invoke_url: Some(format!(
                "https://{api}.execute-api.{region}.amazonaws.com/{key}"
            )),
            tags: ordered(o.tags()),
        };
        let mut attrs = s.to_attrs();
        attrs.insert("tags".into(), tags_value(&s.tags));
        Ok(Some(attrs))
    }

    /// Stage names are unique in an API.
    async fn find_key(&self, c: &Client) -> Result<Option<String>, OpError> {
        Ok(Self::get(c, &self.rest_api, &self.name)
            .await?
            .map(|_| self.name.clone()))
    }

    async fn create(&self, c: &Client) -> Result<String, OpError> {
        c.create_stage()
            .rest_api_id(&self.rest_api)
            .stage_name(&self.name)
            .deployment_id(&self.deployment)
            .set_description(self.description.clone())
            .set_variables(self.variables.clone().map(|m| m.into_iter().collect()))
            .set_tracing_enabled(self.tracing_enabled)
            .set_tags(Some(self.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| op_error("CreateStage", e))?;
        Ok(self.name.clone())
    }

    async fn update(
        &self,
        c: &Client,
        key: &str,
        live: &Attrs,
        changed: &[String],
    ) -> Result<(), OpError> {
        let op = "UpdateStage";
        let live: RestStage = spec_of(live, TY, op)?;
        let ops = patch(self, &live, changed)?;
        if !ops.is_empty() {
            c.update_stage()
                .rest_api_id(&self.rest_api)
                .stage_name(key)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| op_error(op, e))?;
        }
        if changed.iter().any(|c| c == "tags") {
            let arn = format!(
                "arn:aws:apigateway:{}::/restapis/{}/stages/{key}",
                region_of(c),
                self.rest_api
            );
            retag(c, &arn, &live.tags, &self.tags, &[]).await?;
        }
        Ok(())
    }

    async fn delete(c: &Client, api: &str, key: &str) -> Result<(), OpError> {
        let call = c.delete_stage().rest_api_id(api).stage_name(key).send();
        delete_if_present("DeleteStage", is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::values::s;

    #[test]
    fn names_and_patches() {
        let d = Attrs::from([
            ("rest-api".to_string(), s("a")),
            ("name".to_string(), s("prod v1")),
            ("deployment".to_string(), s("d1")),
        ]);
        assert!(desired_of(&d, "Op").is_err());
        let live = RestStage {
            variables: Some(BTreeMap::from([("a".into(), "1".into())])),
            ..Default::default()
        };
        let want = RestStage {
            deployment: "d2".into(),
            tracing_enabled: Some(true),
            ..Default::default()
        };
        let ops = patch(
            &want,
            &live,
            &[
                "deployment".into(),
                "variables".into(),
                "tracing-enabled".into(),
            ],
        )
        .unwrap();
        let paths: Vec<_> = ops.iter().map(|o| o.path().unwrap()).collect();
        assert_eq!(paths, ["/deploymentId", "/variables/a", "/tracingEnabled"]);
    }
}
