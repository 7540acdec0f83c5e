//! `cognito-user-pool`: a Cognito user pool, the one resource eco treats as irreplaceable.
//!
//! A pool holds user accounts that cannot be exported with their passwords, so eco never plans its
//! replacement: every attribute is updated in place or, where AWS fixes it at creation, guarded
//! (a change is refused with the manual options). Pools get `prevent-destroy` by default.
//! UpdateUserPool resets every field it is not given, so eco always sends the full merged
//! configuration: what the configuration sets, plus what DescribeUserPool reports for the rest.
//!
//! AWS calls:
//! - read: DescribeUserPool (tags from UserPoolTags), GetUserPoolMfaConfig
//! - create: CreateUserPool (everything, tags as UserPoolTags), SetUserPoolMfaConfig
//! - update: UpdateUserPool with the full merged configuration (name, policies, auto-verify,
//!   messages, email, sms, admin-create-user, lambda triggers, account recovery, deletion
//!   protection, tags), AddCustomAttributes for new custom attributes, SetUserPoolMfaConfig
//! - find: ListUserPools (paged) by name, then DescribeUserPool: ours by ownership tags in
//!   UserPoolTags, a pool of that name with other tags is a Conflict
//! - delete: DescribeUserPool; a pool with DeletionProtection ACTIVE is refused (Conflict: set
//!   `deletion-protection #false` and apply first, besides `lifecycle prevent-destroy=#false`),
//!   else DeleteUserPool
//! - import: by pool id (DescribeUserPool); `eco discover` lists pools by name
//!
//! Tags travel only through UserPoolTags (CreateUserPool, UpdateUserPool, DescribeUserPool),
//! never TagResource/UntagResource/ListTagsForResource.
//!
//! Layout: `spec.rs` (the attributes), `read.rs` (SDK -> spec), `requests.rs` (spec -> SDK),
//! `updates.rs` (the in-place update steps).

mod read;
mod requests;
mod spec;
mod updates;

use std::collections::BTreeMap;

use aws_sdk_cognitoidentityprovider::operation::get_user_pool_mfa_config::GetUserPoolMfaConfigOutput;
use aws_sdk_cognitoidentityprovider::types::{
    DeletionProtectionType, UserPoolDescriptionType, UserPoolType,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::Schema;

use self::read::to_attrs;
use self::requests::{create_request, declared, PoolConfig};
pub use self::spec::CognitoUserPool;
use self::spec::MfaMode;
use self::updates::{mfa_off, mfa_target};
use crate::attrs::{req_str, spec_of};
use crate::aws::{is_not_found, op_error};
use crate::calls::{delete_if_present, get_optional};
use crate::ownership::not_ours_by_tags;

pub const TYPE_NAME: &str = CognitoUserPool::TYPE_NAME;

pub fn schema() -> Schema {
    CognitoUserPool::schema()
}

/// The `Provider` of a Cognito type (documented `$doc`): the stage's Cognito client and the
/// type's `schema()`, made by `Provider::new(&aws)`. The pool, its app clients, its domain and
/// its groups all have this shape.
macro_rules! cognito_provider {
    ($doc:literal) => {
        #[doc = $doc]
        pub struct Provider {
            client: aws_sdk_cognitoidentityprovider::Client,
            schema: eco_schema::Schema,
        }

        impl Provider {
            /// The provider, with the stage's Cognito client.
            pub fn new(aws: &crate::aws::Aws) -> Provider {
                Provider {
                    client: aws.cognito_idp(),
                    schema: schema(),
                }
            }
        }
    };
}
pub(crate) use cognito_provider;

cognito_provider!("The operations of `cognito-user-pool`.");

impl Provider {
    async fn describe(&self, id: &str) -> Result<Option<UserPoolType>, OpError> {
        let call = self.client.describe_user_pool().user_pool_id(id).send();
        Ok(get_optional("DescribeUserPool", is_not_found, call)
            .await?
            .and_then(|o| o.user_pool))
    }

    async fn mfa(&self, id: &str) -> Result<Option<GetUserPoolMfaConfigOutput>, OpError> {
        let call = self
            .client
            .get_user_pool_mfa_config()
            .user_pool_id(id)
            .send();
        get_optional("GetUserPoolMfaConfig", is_not_found, call).await
    }

    /// DescribeUserPool and GetUserPoolMfaConfig, concurrently.
    async fn read_pool(
        &self,
        id: &str,
    ) -> Result<Option<(UserPoolType, GetUserPoolMfaConfigOutput)>, OpError> {
        let (p, m) = tokio::join!(self.describe(id), self.mfa(id));
        match (p?, m?) {
            (Some(p), Some(m)) => Ok(Some((p, m))),
            _ => Ok(None),
        }
    }

    async fn read_live(&self, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_pool(id).await?.map(|(p, m)| Live {
            id: id.to_string(),
            attrs: to_attrs(&p, &m),
        }))
    }

    async fn read_after(&self, id: &str, op: &str) -> Result<Live, OpError> {
        self.read_live(id).await?.ok_or_else(|| {
            OpError::new(
                op,
                ErrorKind::Other,
                format!("user pool `{id}` vanished right after {op} (deleted outside eco?)"),
            )
        })
    }

    /// Every pool of the account (ListUserPools, every page of 60).
    async fn pools(&self) -> Result<Vec<UserPoolDescriptionType>, OpError> {
        let mut pools = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_user_pools()
                .max_results(60)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| op_error("ListUserPools", e))?;
            pools.extend(out.user_pools().iter().cloned());
            match out.next_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(pools),
            }
        }
    }
}

#[async_trait::async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// ListUserPools (every page of 60), each pool read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let ids: Vec<String> = match self.pools().await {
            Ok(pools) => pools
                .iter()
                .filter_map(|p| p.id().map(str::to_string))
                .collect(),
            Err(e) => return Some(Err(e)),
        };
        Some(crate::aws::read_each(ids, |id| async move { self.read_live(&id).await }).await)
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_live(id).await
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let name = req_str(desired, "name", TYPE_NAME, "ListUserPools")?;
        let named: Vec<String> = self
            .pools()
            .await?
            .iter()
            .filter(|p| p.name() == Some(name.as_str()))
            .filter_map(|p| p.id().map(str::to_string))
            .filter(|id| !ctx.is_replaced(id))
            .collect();
        let mut foreign = None;
        for id in named {
            let Some((p, m)) = self.read_pool(&id).await? else {
                continue;
            };
            let tags: BTreeMap<String, String> = p
                .user_pool_tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            if ctx.owns(&tags) {
                return Ok(Some(Live {
                    attrs: to_attrs(&p, &m),
                    id,
                }));
            }
            foreign.get_or_insert((id, tags));
        }
        match foreign {
            Some((id, tags)) => Err(not_ours_by_tags(
                ctx,
                "ListUserPools",
                &format!("a user pool named `{name}` ({id})"),
                &id,
                &tags,
            )),
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let op = "CreateUserPool";
        let want: CognitoUserPool = spec_of(desired, TYPE_NAME, op)?;
        let req = create_request(&self.client, &want, desired, op)?;
        // Also validates MFA before anything is made.
        let want_mfa = mfa_target(&mfa_off(), want.mfa.as_ref(), op)?;
        if let Some(found) = self.find(ctx, desired, token).await? {
            // An earlier run made it: adopt it and bring it to the configuration.
            let all: Vec<String> = desired.keys().cloned().collect();
            self.converge(&found.id, desired, &all, op).await?;
            return self.read_after(&found.id, op).await;
        }
        let out = req
            .customize()
            .interceptor(requests::OmitUnusedAccountValidityDays)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let id = out
            .user_pool()
            .and_then(|p| p.id())
            .ok_or_else(|| {
                OpError::new(op, ErrorKind::Other, "CreateUserPool returned no pool id")
            })?
            .to_string();
        if want.mfa.is_some() && want_mfa.mode != Some(MfaMode::Off) {
            let mut cfg = PoolConfig::default();
            cfg.overlay(&want, &declared(desired, ["sms".to_string()]), op)?;
            self.set_mfa(&id, &want_mfa, &cfg).await?;
        }
        self.read_after(&id, op).await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        self.converge(id, desired, changed, "UpdateUserPool")
            .await?;
        self.read_after(id, "UpdateUserPool").await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let Some(pool) = self.describe(id).await? else {
            return Ok(());
        };
        if pool.deletion_protection() == Some(&DeletionProtectionType::Active) {
            return Err(OpError::new(
                "DeleteUserPool",
                ErrorKind::Conflict,
                format!(
                    "user pool `{id}` has deletion protection on ({} users would be lost); to delete it, set \
                     `deletion-protection #false` and `lifecycle prevent-destroy=#false` on it and apply, then destroy",
                    pool.estimated_number_of_users()
                ),
            ));
        }
        delete_if_present(
            "DeleteUserPool",
            is_not_found,
            self.client.delete_user_pool().user_pool_id(id).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests;
