//! `iam-role`: an IAM role with its trust policy, attached managed policies and inline policies.
//!
//! AWS calls:
//! - read: GetRole (carries tags and boundary), ListAttachedRolePolicies, ListRolePolicies +
//!   GetRolePolicy per inline policy (a refresh: the policy calls only for the declared
//!   `managed-policy` / `inline-policy`)
//! - create: CreateRole (trust policy, path, description, max session duration, boundary, tags),
//!   then AttachRolePolicy and PutRolePolicy per policy
//! - update: UpdateRole (description, max session duration), UpdateAssumeRolePolicy,
//!   AttachRolePolicy / DetachRolePolicy, PutRolePolicy / DeleteRolePolicy,
//!   PutRolePermissionsBoundary / DeleteRolePermissionsBoundary, TagRole / UntagRole
//! - delete: DetachRolePolicy and DeleteRolePolicy for every policy, RemoveRoleFromInstanceProfile
//!   for every instance profile (all listed live), then DeleteRole
//! - import: by role name (GetRole and the list calls above)

mod read;
mod spec;
mod updates;

/// What `iam-policy` and `iam-role-policy-attachment` share with roles: IAM's policy-document
/// decoding, JSON comparison, and the paged listing of a role's attached policies.
pub(crate) use self::read::{decode_policy, list_managed};
pub(crate) use self::updates::same_json;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_iam::types::Tag;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::{Schema, Spec};

use self::read::{from_role, inline_documents, list_inline_names, list_instance_profiles};
use self::spec::{spec_of, IamRole};
use self::updates::{changed_attrs, update_calls, Call};
use crate::aws::{error_code, is_not_found, op_error, read_each, Aws};
use crate::calls::{delete_if_present, found_to_adopt, get_optional};
use crate::tags::TagByKey;

pub const TYPE_NAME: &str = IamRole::TYPE_NAME;

/// What AWS answers this type's calls with for a while before they succeed, and for how long eco
/// keeps trying (the engine retries; see `eco_provider::transient` and docs/aws-behaviour.md).
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[eco_provider::Transient {
    operations: &["DeleteRole"],
    codes: &["DeleteConflict"],
    message: None,
    budget: std::time::Duration::from_secs(120),
    why: "IAM is still propagating the removal of the role's policies or instance profiles",
}];

pub fn schema() -> Schema {
    IamRole::schema()
}

/// The `iam-role` operations, on one account's IAM client.
///
/// `read` costs 3 calls run concurrently (GetRole, which also carries the tags and the
/// permissions boundary; ListAttachedRolePolicies; ListRolePolicies) plus one GetRolePolicy per
/// inline policy, also concurrent. There is no `read_many`: ListRoles returns neither tags nor
/// permissions boundaries, so a batched refresh would still need GetRole per role and would only
/// add the ListRoles pages (which cover every role of the account, not just eco's).
pub struct Provider {
    iam: aws_sdk_iam::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            iam: aws.iam(),
            schema: schema(),
        }
    }
}

crate::tags::sdk_tags!(Tag, "iam-role");

/// TagRole / UntagRole, naming the role by its name.
#[async_trait]
impl TagByKey for aws_sdk_iam::Client {
    async fn tag(&self, role: &str, tags: BTreeMap<String, String>) -> Result<(), OpError> {
        let tags = sdk_tags(&tags, "TagRole")?;
        let call = self.tag_role().role_name(role).set_tags(Some(tags));
        call.send().await.map_err(|e| op_error("TagRole", e))?;
        Ok(())
    }

    async fn untag(&self, role: &str, keys: Vec<String>) -> Result<(), OpError> {
        let call = self.untag_role().role_name(role).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| op_error("UntagRole", e))?;
        Ok(())
    }
}

/// The error for a role that exists under the name but is not this address's.
fn not_ours(
    ctx: &OpContext,
    operation: &str,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> OpError {
    crate::ownership::not_ours(ctx, operation, &format!("IAM role `{name}`"), name, tags)
}

/// The error for a role that vanished while eco was working on it.
fn gone(role: &str) -> OpError {
    OpError::new(
        "GetRole",
        ErrorKind::Conflict,
        format!("IAM role `{role}` no longer exists (deleted outside eco during the operation)"),
    )
}

/// The live role of a read.
fn live(role: IamRole) -> Live {
    Live {
        id: role.name.clone(),
        attrs: role.to_attrs(),
    }
}

impl Provider {
    /// GetRole, ListAttachedRolePolicies and ListRolePolicies concurrently, then GetRolePolicy
    /// per inline policy (concurrently).
    async fn read_role(&self, name: &str) -> Result<Option<Live>, OpError> {
        self.read_role_declared(name, &|_| true).await
    }

    /// [`Provider::read_role`] asking only for the policies whose attribute `wanted` accepts:
    /// without `managed-policy`, no ListAttachedRolePolicies; without `inline-policy`, no
    /// ListRolePolicies nor GetRolePolicy. The attributes not asked for are left out.
    async fn read_role_declared(
        &self,
        name: &str,
        wanted: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Option<Live>, OpError> {
        let (want_managed, want_inline) = (wanted("managed-policy"), wanted("inline-policy"));
        let get = self.iam.get_role().role_name(name).send();
        let managed = async {
            match want_managed {
                true => list_managed(&self.iam, name).await,
                false => Ok(Some(Vec::new())),
            }
        };
        let names = async {
            match want_inline {
                true => list_inline_names(&self.iam, name).await,
                false => Ok(Some(Vec::new())),
            }
        };
        let (role, managed, names) =
            tokio::join!(get_optional("GetRole", is_not_found, get), managed, names,);
        let Some(role) = role?.and_then(|r| r.role) else {
            return Ok(None);
        };
        // A role deleted between the calls reads as gone.
        let (Some(managed), Some(names)) = (managed?, names?) else {
            return Ok(None);
        };
        let inline = inline_documents(&self.iam, name, names).await?;
        let mut live = live(from_role(&role, &managed, &inline));
        for (attribute, asked) in [
            ("managed-policy", want_managed),
            ("inline-policy", want_inline),
        ] {
            if !asked {
                live.attrs.remove(attribute);
            }
        }
        Ok(Some(live))
    }

    async fn run(&self, role: &str, call: Call) -> Result<(), OpError> {
        let iam = &self.iam;
        macro_rules! send {
            ($op:literal, $req:expr) => {
                $req.role_name(role)
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| op_error($op, e))
            };
        }
        // The deletes treat NoSuchEntity as done.
        macro_rules! delete {
            ($op:literal, $req:expr) => {
                delete_if_present($op, is_not_found, $req.role_name(role).send()).await
            };
        }
        match call {
            Call::UpdateAssumeRolePolicy(doc) => send!(
                "UpdateAssumeRolePolicy",
                iam.update_assume_role_policy().policy_document(doc)
            ),
            Call::UpdateRole {
                description,
                max_session,
            } => send!(
                "UpdateRole",
                iam.update_role()
                    .set_description(description)
                    .set_max_session_duration(max_session)
            ),
            Call::PutRolePermissionsBoundary(arn) => send!(
                "PutRolePermissionsBoundary",
                iam.put_role_permissions_boundary()
                    .permissions_boundary(arn)
            ),
            Call::DeleteRolePermissionsBoundary => delete!(
                "DeleteRolePermissionsBoundary",
                iam.delete_role_permissions_boundary()
            ),
            Call::AttachRolePolicy(arn) => {
                send!("AttachRolePolicy", iam.attach_role_policy().policy_arn(arn))
            }
            Call::DetachRolePolicy(arn) => {
                delete!("DetachRolePolicy", iam.detach_role_policy().policy_arn(arn))
            }
            Call::PutRolePolicy { name, document } => send!(
                "PutRolePolicy",
                iam.put_role_policy()
                    .policy_name(name)
                    .policy_document(document)
            ),
            Call::DeleteRolePolicy(name) => {
                delete!(
                    "DeleteRolePolicy",
                    iam.delete_role_policy().policy_name(name)
                )
            }
            Call::TagRole(tags) => iam.tag(role, tags).await,
            Call::UntagRole(keys) => iam.untag(role, keys).await,
        }
    }

    /// Applies `changed` from `prior` to `desired` and reads the result.
    async fn apply_changes(
        &self,
        role: &str,
        prior: &Attrs,
        desired: &IamRole,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let has = |k: &str| changed.iter().any(|c| c == k);
        let live_managed = match has("managed-policy") {
            true => list_managed(&self.iam, role)
                .await?
                .ok_or_else(|| gone(role))?,
            false => Vec::new(),
        };
        let live_inline = match has("inline-policy") {
            true => list_inline_names(&self.iam, role)
                .await?
                .ok_or_else(|| gone(role))?,
            false => Vec::new(),
        };
        for call in update_calls(prior, desired, changed, &live_managed, &live_inline)? {
            self.run(role, call).await?;
        }
        self.read_role(role).await?.ok_or_else(|| gone(role))
    }

    /// A role of this name made before (a re-run after a crash): adopted and brought to `spec`
    /// when it is this address's, a Conflict otherwise.
    async fn adopt(&self, ctx: &OpContext, spec: &IamRole) -> Result<Live, OpError> {
        let name = &spec.name;
        // Deleted between the two calls: the engine's retry creates it.
        let what = format!("IAM role `{name}`");
        let live = found_to_adopt(self.read_role(name).await?, "CreateRole", &what)?;
        let found = IamRole::from_attrs(&live.attrs).unwrap_or_default();
        if !ctx.owns(&found.tags) {
            return Err(not_ours(ctx, "CreateRole", name, &found.tags));
        }
        if let Some(path) = spec
            .path
            .as_ref()
            .filter(|p| found.path.as_ref() != Some(p))
        {
            return Err(OpError::new(
                "CreateRole",
                ErrorKind::Conflict,
                format!(
                    "IAM role `{name}` (ours) exists with another path than `{path}`; IAM cannot \
                     move a role: delete it or change the path back"
                ),
            ));
        }
        let changed = changed_attrs(spec, &live.attrs);
        if changed.is_empty() {
            return Ok(live);
        }
        self.apply_changes(name, &live.attrs, spec, &changed).await
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(TRANSIENT);

    /// `read` reports the trust policy as `assume-policy` and, when it has eco's generated
    /// shape, also as `assume-service`: a configuration sets one of them.
    fn config_from_live(&self, live: &Attrs) -> Attrs {
        let mut attrs = live.clone();
        if attrs.contains_key("assume-service") {
            attrs.remove("assume-policy");
        }
        attrs
    }

    /// ListRoles (every page), without AWS's service-linked roles (path /aws-service-role/),
    /// each role read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let mut names = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = match self.iam.list_roles().set_marker(marker.take()).send().await {
                Ok(o) => o,
                Err(e) => return Some(Err(op_error("ListRoles", e))),
            };
            names.extend(
                out.roles()
                    .iter()
                    .filter(|r| !r.path().starts_with("/aws-service-role/"))
                    .map(|r| r.role_name().to_string()),
            );
            match (out.is_truncated(), out.marker()) {
                (true, Some(m)) => marker = Some(m.to_string()),
                _ => break,
            }
        }
        Some(read_each(names, |name| async move { self.read_role(&name).await }).await)
    }

    /// A refresh asks only for the policies the configuration declares (see
    /// `read_role_declared`).
    async fn read(&self, ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_role_declared(id, &|attr| ctx.reads(attr)).await
    }

    /// The role named in `desired`, when it exists and carries this address's ownership tags.
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let name = spec_of(desired, "GetRole")?.name;
        let Some(live) = ctx.unless_replaced(self.read_role(&name).await?) else {
            return Ok(None);
        };
        let tags = IamRole::from_attrs(&live.attrs).unwrap_or_default().tags;
        if ctx.owns(&tags) {
            Ok(Some(live))
        } else {
            Err(not_ours(ctx, "GetRole", &name, &tags))
        }
    }

    /// CreateRole with the trust policy, path, description, session length, boundary and tags
    /// (so ownership is recorded by the first call), then AttachRolePolicy and PutRolePolicy per
    /// policy. When the name is taken by a role of this address (a re-run after a crash), the
    /// role is adopted and brought to `desired`; taken by anyone else, it is a Conflict.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let spec = spec_of(desired, "CreateRole")?;
        let trust = spec.trust("CreateRole")?;
        let tags = (!spec.tags.is_empty())
            .then(|| sdk_tags(&spec.tags, "CreateRole"))
            .transpose()?;
        let created = self
            .iam
            .create_role()
            .role_name(&spec.name)
            .set_path(spec.path.clone())
            .assume_role_policy_document(trust.document())
            .set_description(spec.description.clone())
            .set_max_session_duration(spec.max_session())
            .set_permissions_boundary(spec.permissions_boundary.clone())
            .set_tags(tags)
            .send()
            .await;
        let role = match created {
            Ok(out) => out.role.ok_or_else(|| {
                OpError::new(
                    "CreateRole",
                    ErrorKind::Other,
                    "CreateRole returned no role",
                )
            })?,
            Err(e) if error_code(&e) == Some("EntityAlreadyExists") => {
                return self.adopt(ctx, &spec).await
            }
            Err(e) => return Err(op_error("CreateRole", e)),
        };
        let inline: Vec<(String, String)> = spec.inline().into_iter().collect();
        let attach = spec
            .managed_policy
            .iter()
            .cloned()
            .map(Call::AttachRolePolicy);
        let put = inline.iter().cloned();
        let put = put.map(|(name, document)| Call::PutRolePolicy { name, document });
        for call in attach.chain(put) {
            self.run(&spec.name, call).await?;
        }
        // The result from CreateRole's answer plus what was attached and put (no re-read); tags
        // and boundary are what IAM accepted.
        let mut made = from_role(&role, &spec.managed_policy, &inline);
        if !spec.tags.is_empty() {
            made.tags = spec.tags.clone();
        }
        if spec.permissions_boundary.is_some() {
            made.permissions_boundary = spec.permissions_boundary.clone();
        }
        Ok(live(made))
    }

    /// UpdateAssumeRolePolicy, UpdateRole, Put/DeleteRolePermissionsBoundary,
    /// Attach/DetachRolePolicy, Put/DeleteRolePolicy, TagRole/UntagRole as `changed` asks; then
    /// a read.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let spec = spec_of(desired, "UpdateRole")?;
        self.apply_changes(id, prior, &spec, changed).await
    }

    /// Detaches every managed policy, deletes every inline policy and removes the role from
    /// every instance profile (all listed live, since IAM refuses DeleteRole otherwise), then
    /// DeleteRole. A role already gone, at any step, is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let (managed, inline, profiles) = tokio::join!(
            list_managed(&self.iam, id),
            list_inline_names(&self.iam, id),
            list_instance_profiles(&self.iam, id),
        );
        let (Some(managed), Some(inline), Some(profiles)) = (managed?, inline?, profiles?) else {
            return Ok(());
        };
        for arn in managed {
            self.run(id, Call::DetachRolePolicy(arn)).await?;
        }
        for name in inline {
            self.run(id, Call::DeleteRolePolicy(name)).await?;
        }
        for profile in profiles {
            let req = self.iam.remove_role_from_instance_profile();
            let req = req.instance_profile_name(profile).role_name(id);
            delete_if_present("RemoveRoleFromInstanceProfile", is_not_found, req.send()).await?;
        }
        let req = self.iam.delete_role().role_name(id);
        delete_if_present("DeleteRole", is_not_found, req.send()).await
    }
}

#[cfg(test)]
mod tests;
