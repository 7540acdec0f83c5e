//! `rest-usage-plan-key`: an API key (`rest-api-key`) in a usage plan (`rest-usage-plan`): the
//! plan's throttle and quota then apply to the key's callers.
//!
//! AWS calls (apigateway):
//! - read: GetUsagePlanKey (the key's value it also answers is never kept)
//! - find: GetUsagePlanKey (a key is in a plan once)
//! - create: CreateUsagePlanKey (key type API_KEY)
//! - update: none: both attributes force a replacement
//! - delete: DeleteUsagePlanKey (gone: success)
//! - import: by `USAGE-PLAN-ID/API-KEY-ID`

use async_trait::async_trait;
use aws_sdk_apigateway::Client;
use eco_provider::{Attrs, OpError};
use eco_schema::{Schema, Spec};

use crate::attrs::spec_of;
use crate::aws::{is_gone, op_error};
use crate::calls::{delete_if_present, get_optional};
use crate::rest::{fixed, Part, Parts};

/// A usage plan key's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "rest-usage-plan-key",
    doc = "An API key (rest-api-key) in a usage plan (rest-usage-plan)",
    import_id = "`USAGE-PLAN-ID/API-KEY-ID`"
)]
pub struct RestUsagePlanKey {
    /// id of the rest-usage-plan
    #[eco(replace)]
    pub usage_plan: String,
    /// id of the rest-api-key
    #[eco(replace)]
    pub api_key: String,
}

pub const TYPE_NAME: &str = RestUsagePlanKey::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    RestUsagePlanKey::schema()
}

/// The `rest-usage-plan-key` operations.
pub type Provider = Parts<RestUsagePlanKey>;

#[async_trait]
impl Part for RestUsagePlanKey {
    const TY: &'static str = TY;
    const KEY: &'static str = "API-KEY-ID";
    const GET: &'static str = "GetUsagePlanKey";

    fn schema() -> Schema {
        schema()
    }

    fn desired(attrs: &Attrs, op: &str) -> Result<Self, OpError> {
        spec_of(attrs, TY, op)
    }

    /// The usage plan: a usage plan key's id is `USAGE-PLAN-ID/API-KEY-ID`.
    fn api(&self) -> &str {
        &self.usage_plan
    }

    async fn get(c: &Client, plan: &str, key: &str) -> Result<Option<Attrs>, OpError> {
        let call = c
            .get_usage_plan_key()
            .usage_plan_id(plan)
            .key_id(key)
            .send();
        let Some(o) = get_optional("GetUsagePlanKey", is_gone, call).await? else {
            return Ok(None);
        };
        let k = RestUsagePlanKey {
            usage_plan: plan.to_string(),
            api_key: o.id().unwrap_or(key).to_string(),
        };
        Ok(Some(k.to_attrs()))
    }

    /// A key is in a plan once.
    async fn find_key(&self, c: &Client) -> Result<Option<String>, OpError> {
        Ok(Self::get(c, &self.usage_plan, &self.api_key)
            .await?
            .map(|_| self.api_key.clone()))
    }

    async fn create(&self, c: &Client) -> Result<String, OpError> {
        c.create_usage_plan_key()
            .usage_plan_id(&self.usage_plan)
            .key_id(&self.api_key)
            .key_type("API_KEY")
            .send()
            .await
            .map_err(|e| op_error("CreateUsagePlanKey", e))?;
        Ok(self.api_key.clone())
    }

    async fn update(
        &self,
        _c: &Client,
        _key: &str,
        _live: &Attrs,
        changed: &[String],
    ) -> Result<(), OpError> {
        match changed.first() {
            Some(attr) => Err(fixed("UpdateUsagePlanKey", TY, attr)),
            None => Ok(()),
        }
    }

    async fn delete(c: &Client, plan: &str, key: &str) -> Result<(), OpError> {
        let call = c
            .delete_usage_plan_key()
            .usage_plan_id(plan)
            .key_id(key)
            .send();
        delete_if_present("DeleteUsagePlanKey", is_gone, call).await
    }
}
