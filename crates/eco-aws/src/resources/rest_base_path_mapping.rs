//! `rest-base-path-mapping`: a base path of a `rest-domain` (`api.example.com/v1`, or its root)
//! served by a stage of a REST API.
//!
//! AWS calls (apigateway):
//! - read: GetBasePathMapping (the root's base path is `(none)`)
//! - create: CreateBasePathMapping first; when AWS answers that the base path is taken
//!   (ConflictException), the mapping there is read (GetBasePathMapping), adopted and brought to
//!   the configuration
//! - update: UpdateBasePathMapping (PATCH operations: `/restapiId`, `/stage`)
//! - delete: DeleteBasePathMapping
//! - import: by `DOMAIN-NAME/BASE-PATH` (`(none)` for the root)

use async_trait::async_trait;
use aws_sdk_apigateway::types::PatchOperation;
use aws_sdk_apigateway::Client;
use eco_provider::{Attrs, OpError};
use eco_schema::{Schema, Spec};

use crate::attrs::spec_of;
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};
use crate::rest::{fixed, replace, Part, Parts};

/// A base path mapping's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-base-path-mapping",
    doc = "A base path of a REST API custom domain (rest-domain) served by a stage of a REST API",
    import_id = "`DOMAIN-NAME/BASE-PATH` (`(none)` for the root)"
)]
pub struct RestBasePathMapping {
    /// the rest-domain's domain name
    #[eco(replace)]
    pub domain: String,
    /// the base path after the domain, one segment without `/` of letters, digits and
    /// `$-_.+!*'()` (default: the root of the domain)
    #[eco(replace, name_rule = RestBasePath)]
    pub base_path: Option<String>,
    /// id of the REST API served there (UpdateBasePathMapping)
    pub rest_api: String,
    /// name of the stage served there (UpdateBasePathMapping)
    pub stage: Option<String>,
}

pub const TYPE_NAME: &str = RestBasePathMapping::TYPE_NAME;
const TY: &str = TYPE_NAME;

/// The base path AWS names the root of a domain by.
const ROOT: &str = "(none)";

pub fn schema() -> Schema {
    RestBasePathMapping::schema()
}

/// The `rest-base-path-mapping` operations.
pub type Provider = Parts<RestBasePathMapping>;

impl RestBasePathMapping {
    /// The base path as AWS names it: `(none)` for the root.
    fn key(&self) -> &str {
        self.base_path
            .as_deref()
            .filter(|p| !p.is_empty())
            .unwrap_or(ROOT)
    }
}

fn desired_of(attrs: &Attrs, op: &str) -> Result<RestBasePathMapping, OpError> {
    let spec: RestBasePathMapping = spec_of(attrs, TY, op)?;
    if let Some(path) = spec.base_path.as_deref().filter(|p| p.contains('/')) {
        return Err(OpError::invalid(
            op,
            format!("{TY}: base-path `{path}` contains `/`; a REST API base path mapping takes one segment (leave base-path out for the root)"),
        ));
    }
    Ok(spec)
}

/// The PATCH operations of UpdateBasePathMapping for the changed fields.
pub fn patch(
    spec: &RestBasePathMapping,
    changed: &[String],
) -> Result<Vec<PatchOperation>, OpError> {
    let mut ops = Vec::new();
    for c in changed {
        match c.as_str() {
            "rest-api" => ops.push(replace("/restapiId", &spec.rest_api)),
            "stage" => ops.push(replace("/stage", spec.stage.clone().unwrap_or_default())),
            other => return Err(fixed("UpdateBasePathMapping", TY, other)),
        }
    }
    Ok(ops)
}

#[async_trait]
impl Part for RestBasePathMapping {
    const TY: &'static str = TY;
    const KEY: &'static str = "BASE-PATH";
    const GET: &'static str = "GetBasePathMapping";
    const CREATE_FIRST: bool = true;

    fn schema() -> Schema {
        schema()
    }

    fn desired(attrs: &Attrs, op: &str) -> Result<Self, OpError> {
        desired_of(attrs, op)
    }

    /// The domain: a mapping's id is `DOMAIN-NAME/BASE-PATH`.
    fn api(&self) -> &str {
        &self.domain
    }

    async fn get(c: &Client, domain: &str, key: &str) -> Result<Option<Attrs>, OpError> {
        let call = c
            .get_base_path_mapping()
            .domain_name(domain)
            .base_path(key)
            .send();
        let Some(o) = get_optional("GetBasePathMapping", is_gone, call).await? else {
            return Ok(None);
        };
        let m = RestBasePathMapping {
            domain: domain.to_string(),
            base_path: o
                .base_path()
                .filter(|p| *p != ROOT && !p.is_empty())
                .map(str::to_string),
            rest_api: o.rest_api_id().unwrap_or_default().to_string(),
            stage: o.stage().filter(|s| !s.is_empty()).map(str::to_string),
        };
        Ok(Some(m.to_attrs()))
    }

    /// A base path is unique in its domain.
    async fn find_key(&self, c: &Client) -> Result<Option<String>, OpError> {
        Ok(Self::get(c, &self.domain, self.key())
            .await?
            .map(|_| self.key().to_string()))
    }

    async fn create(&self, c: &Client) -> Result<String, OpError> {
        c.create_base_path_mapping()
            .domain_name(&self.domain)
            .set_base_path(self.base_path.clone().filter(|p| !p.is_empty()))
            .rest_api_id(&self.rest_api)
            .set_stage(self.stage.clone())
            .send()
            .await
            .map_err(|e| op_error("CreateBasePathMapping", e))?;
        Ok(self.key().to_string())
    }

    async fn update(
        &self,
        c: &Client,
        key: &str,
        _live: &Attrs,
        changed: &[String],
    ) -> Result<(), OpError> {
        let op = "UpdateBasePathMapping";
        let ops = patch(self, changed)?;
        if !ops.is_empty() {
            c.update_base_path_mapping()
                .domain_name(&self.domain)
                .base_path(key)
                .set_patch_operations(Some(ops))
                .send()
                .await
                .map_err(|e| op_error(op, e))?;
        }
        Ok(())
    }

    async fn delete(c: &Client, domain: &str, key: &str) -> Result<(), OpError> {
        let call = c
            .delete_base_path_mapping()
            .domain_name(domain)
            .base_path(key)
            .send();
        delete_if_present("DeleteBasePathMapping", is_gone, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::values::s;

    #[test]
    fn root_key_one_segment_and_patches() {
        let root = RestBasePathMapping::default();
        assert_eq!(root.key(), "(none)");
        let d = Attrs::from([
            ("domain".to_string(), s("api.example.com")),
            ("base-path".to_string(), s("v1/items")),
            ("rest-api".to_string(), s("a1")),
        ]);
        assert!(desired_of(&d, "Op").unwrap_err().message.contains("`/`"));
        let want = RestBasePathMapping {
            rest_api: "a2".into(),
            stage: Some("prod".into()),
            ..Default::default()
        };
        let ops = patch(&want, &["rest-api".into(), "stage".into()]).unwrap();
        let paths: Vec<_> = ops
            .iter()
            .map(|o| (o.path().unwrap(), o.value().unwrap()))
            .collect();
        assert_eq!(paths, [("/restapiId", "a2"), ("/stage", "prod")]);
        assert!(patch(&want, &["base-path".into()]).is_err());
    }
}
