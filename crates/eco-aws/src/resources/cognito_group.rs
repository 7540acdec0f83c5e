//! `cognito-group`: a group in a user pool, optionally carrying an IAM role.
//!
//! AWS calls:
//! - read: GetGroup
//! - create: CreateGroup
//! - update: UpdateGroup (description, precedence, role)
//! - delete: DeleteGroup
//! - import: by `POOL-ID/GROUP-NAME` (GetGroup)

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::types::GroupType;
use eco_provider::{Attrs, Live, OpContext, OpError, ResourceProvider};
use eco_schema::spec::overlay;
use eco_schema::{Schema, Spec};

use crate::attrs::{spec_invalid, spec_of};
use crate::aws::{is_not_found, op_error};
use crate::calls::{delete_if_present, get_optional, still_there, to_update};

/// A group's attributes, declared once: the schema, the typed reading of a configuration and
/// the attributes a read reports all come from here.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "cognito-group",
    doc = "A group in a Cognito user pool",
    import_id = "`POOL-ID/GROUP-NAME`"
)]
pub struct CognitoGroup {
    /// id of the user pool
    #[eco(replace)]
    pub user_pool: String,
    /// group name; Cognito cannot rename a group
    #[eco(replace)]
    pub name: String,
    #[eco(flatten)]
    pub config: GroupConfig,
}

/// What UpdateGroup sends: the full merged configuration (the live group with the changed
/// attributes taken from the configuration), so that no field is reset by omission.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct GroupConfig {
    /// description (UpdateGroup)
    pub description: Option<String>,
    /// lower wins when a user's groups carry different roles (UpdateGroup)
    #[eco(min = 0, max = 2147483647)]
    pub precedence: Option<i32>,
    /// ARN of the IAM role members receive through identity pools (UpdateGroup)
    pub role: Option<String>,
}

pub const TYPE_NAME: &str = CognitoGroup::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    CognitoGroup::schema()
}

/// The attributes UpdateGroup manages (an adoption brings all of them to the configuration).
fn managed() -> Vec<String> {
    GroupConfig::fields()
        .iter()
        .map(|a| a.name.to_string())
        .collect()
}

/// `POOL-ID/GROUP-NAME` split in two.
pub fn split_id(id: &str, op: &str) -> Result<(String, String), OpError> {
    crate::ids::split_pair(id, TY, op, "POOL-ID/GROUP-NAME")
}

impl GroupConfig {
    pub fn from_live(g: &GroupType) -> GroupConfig {
        GroupConfig {
            description: g
                .description()
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            precedence: g.precedence(),
            role: g.role_arn().filter(|r| !r.is_empty()).map(str::to_string),
        }
    }

    /// The live configuration with the attributes in `changed` taken from `want` (an attribute
    /// no longer in the configuration is unmanaged: its live value stays).
    pub fn overlay(
        &self,
        want: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<GroupConfig, OpError> {
        if let Some(fixed) = changed.iter().find(|c| *c == "user-pool" || *c == "name") {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{fixed}` cannot change in place (it forces a replacement)"),
            ));
        }
        overlay(self, want, changed).map_err(spec_invalid(TY, op))
    }
}

type UpdateReq =
    aws_sdk_cognitoidentityprovider::operation::update_group::builders::UpdateGroupFluentBuilder;

/// UpdateGroup carrying every field of `cfg`.
pub fn update_request(req: UpdateReq, pool: &str, name: &str, cfg: &GroupConfig) -> UpdateReq {
    req.user_pool_id(pool)
        .group_name(name)
        .set_description(cfg.description.clone())
        .set_precedence(cfg.precedence)
        .set_role_arn(cfg.role.clone())
}

super::cognito_user_pool::cognito_provider!("The `cognito-group` operations.");

impl Provider {
    async fn get(&self, pool: &str, name: &str) -> Result<Option<GroupType>, OpError> {
        let call = self
            .client
            .get_group()
            .user_pool_id(pool)
            .group_name(name)
            .send();
        Ok(get_optional("GetGroup", is_not_found, call)
            .await?
            .and_then(|o| o.group))
    }

    fn live(pool: &str, name: &str, g: &GroupType) -> Live {
        let spec = CognitoGroup {
            user_pool: g.user_pool_id().unwrap_or(pool).to_string(),
            name: g.group_name().unwrap_or(name).to_string(),
            config: GroupConfig::from_live(g),
        };
        Live {
            id: format!("{pool}/{name}"),
            attrs: spec.to_attrs(),
        }
    }

    async fn converge(
        &self,
        pool: &str,
        name: &str,
        live: &GroupType,
        want: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<Live, OpError> {
        let current = GroupConfig::from_live(live);
        let merged = current.overlay(want, changed, op)?;
        if merged == current {
            return Ok(Self::live(pool, name, live));
        }
        let out = update_request(self.client.update_group(), pool, name, &merged)
            .send()
            .await
            .map_err(|e| op_error("UpdateGroup", e))?;
        match out.group {
            Some(g) => Ok(Self::live(pool, name, &g)),
            None => self.read_required(pool, name, op).await,
        }
    }

    async fn read_required(&self, pool: &str, name: &str, op: &str) -> Result<Live, OpError> {
        let id = format!("{pool}/{name}");
        let g = still_there(self.get(pool, name).await?, op, TY, &id)?;
        Ok(Self::live(pool, name, &g))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        let (pool, name) = split_id(id, "GetGroup")?;
        Ok(self
            .get(&pool, &name)
            .await?
            .map(|g| Self::live(&pool, &name, &g)))
    }

    /// A group is found by its name in the configured pool. Groups carry no tags: the pool
    /// (this configuration's, by its id) is what makes the group this address's.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let want: CognitoGroup = spec_of(desired, TY, "GetGroup")?;
        Ok(ctx.unless_replaced(
            self.get(&want.user_pool, &want.name)
                .await?
                .map(|g| Self::live(&want.user_pool, &want.name, &g)),
        ))
    }

    async fn create(&self, _: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreateGroup";
        let CognitoGroup {
            user_pool: pool,
            name,
            config: want,
        } = spec_of(desired, TY, op)?;
        if let Some(g) = self.get(&pool, &name).await? {
            // An earlier run made it (or it is adopted): bring it to the configuration.
            return self
                .converge(&pool, &name, &g, desired, &managed(), op)
                .await;
        }
        let out = self
            .client
            .create_group()
            .user_pool_id(&pool)
            .group_name(&name)
            .set_description(want.description)
            .set_precedence(want.precedence)
            .set_role_arn(want.role)
            .send()
            .await;
        match out {
            Ok(o) => match o.group {
                Some(g) => Ok(Self::live(&pool, &name, &g)),
                None => self.read_required(&pool, &name, op).await,
            },
            // Created concurrently (or by a run whose result was lost): adopt it.
            Err(e) if crate::aws::error_code(&e) == Some("GroupExistsException") => {
                let g = self
                    .get(&pool, &name)
                    .await?
                    .ok_or_else(|| op_error(op, e))?;
                self.converge(&pool, &name, &g, desired, &managed(), op)
                    .await
            }
            Err(e) => Err(op_error(op, e)),
        }
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateGroup";
        let (pool, name) = split_id(id, op)?;
        let found = self.get(&pool, &name).await?;
        let what = format!("{TY}: group `{name}` of pool `{pool}`");
        let g = to_update(found, op, &what)?;
        self.converge(&pool, &name, &g, desired, changed, op).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (pool, name) = split_id(id, "DeleteGroup")?;
        delete_if_present(
            "DeleteGroup",
            is_not_found,
            self.client
                .delete_group()
                .user_pool_id(pool)
                .group_name(name)
                .send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::{ErrorKind, Value};

    #[test]
    fn update_group_carries_the_live_fields_it_does_not_change() {
        let live = GroupType::builder()
            .group_name("admins")
            .user_pool_id("p")
            .description("Administrators")
            .precedence(1)
            .role_arn("arn:aws:iam::123456789012:role/admin")
            .build();
        let want = Attrs::from([("precedence".to_string(), Value::Int(5))]);
        let merged = GroupConfig::from_live(&live)
            .overlay(&want, &["precedence".into()], "UpdateGroup")
            .unwrap();
        let req = update_request(
            crate::aws::offline().cognito_idp().update_group(),
            "p",
            "admins",
            &merged,
        );
        assert_eq!(req.get_precedence(), &Some(5));
        assert_eq!(req.get_description().as_deref(), Some("Administrators"));
        assert_eq!(
            req.get_role_arn().as_deref(),
            Some("arn:aws:iam::123456789012:role/admin")
        );
        assert!(GroupConfig::default()
            .overlay(&want, &["name".into()], "UpdateGroup")
            .is_err());
        assert_eq!(
            split_id("p/admins", "Op").unwrap(),
            ("p".into(), "admins".into())
        );
        assert_eq!(
            split_id("nogroup", "Op").unwrap_err().kind,
            ErrorKind::Invalid
        );
    }
}
