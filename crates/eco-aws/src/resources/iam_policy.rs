//! `iam-policy`: a customer-managed IAM policy, its document published as versions.
//!
//! AWS calls:
//! - read: GetPolicy (carries tags), then GetPolicyVersion of the default version
//! - create: CreatePolicy (name, path, description, document, tags)
//! - update: a document change lists the versions (ListPolicyVersions), deletes the oldest
//!   non-default one when there are already 5 (IAM's limit; DeletePolicyVersion) and publishes
//!   the document as the new default (CreatePolicyVersion); TagPolicy / UntagPolicy
//! - delete: DeletePolicyVersion for every non-default version, then DeletePolicy
//! - find: ListPolicies (customer-managed, under the path) for the name, then the read
//! - import: by the policy ARN (the read above)
//!
//! IAM cannot rename or move a policy, nor change its description: those replace it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_iam::types::{Policy, PolicyScopeType, PolicyVersion, Tag};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::{Schema, Spec};

use super::iam_role::{decode_policy, same_json};
use crate::attrs::spec_of;
use crate::aws::{error_code, is_not_found, op_error, Aws};
use crate::calls::{
    bring_to, delete_if_present, every_page, found_to_adopt, get_optional, to_update,
};
use crate::ownership::ensure_ours;
use crate::tags::{retag, TagByKey};

/// IAM keeps at most this many versions of a managed policy.
pub const MAX_VERSIONS: usize = 5;

/// A customer-managed policy: the desired configuration or what IAM reports, in one shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "iam-policy",
    doc = "A customer-managed IAM policy; a document change publishes a new default version",
    import_id = "the policy ARN"
)]
pub struct IamPolicy {
    /// policy name; IAM cannot rename a policy
    #[eco(replace, name_rule = IamPolicy)]
    pub name: String,
    /// policy path, beginning and ending with `/` (default /); IAM cannot move a policy
    #[eco(replace)]
    pub path: Option<String>,
    /// description; IAM sets it only when the policy is created
    #[eco(replace)]
    pub description: Option<String>,
    /// the policy JSON document, compared as JSON; a change publishes a new default version
    /// (CreatePolicyVersion; the oldest version is deleted when there are 5)
    #[eco(json)]
    pub document: String,
    /// policy ARN
    #[eco(computed, derived_from = "name, path")]
    pub arn: Option<String>,
    /// stable policy id (ANPA...)
    #[eco(computed)]
    pub policy_id: Option<String>,
    /// id of the default version (v1, v2, ...)
    #[eco(computed)]
    pub default_version: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = IamPolicy::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    IamPolicy::schema()
}

impl IamPolicy {
    /// The path IAM gives a policy created without one.
    fn path_or_root(&self) -> &str {
        self.path.as_deref().unwrap_or("/")
    }

    /// What IAM would refuse, said before any call: a path not between slashes, a document
    /// that is not a JSON object.
    fn check(&self, op: &str) -> Result<(), OpError> {
        let path = self.path_or_root();
        if !(path.starts_with('/') && path.ends_with('/')) {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `path` \"{path}\" must begin and end with `/`, e.g. \"/service/\""),
            ));
        }
        match serde_json::from_str::<serde_json::Value>(&self.document) {
            Ok(v) if v.is_object() => Ok(()),
            Ok(_) => Err(OpError::invalid(
                op,
                format!("{TY}: `document` must be a JSON object"),
            )),
            Err(e) => Err(OpError::invalid(
                op,
                format!("{TY}: `document` is not valid JSON: {e}"),
            )),
        }
    }
}

/// The policy of IAM's `Policy` and the default version's (decoded) document.
pub fn from_policy(policy: &Policy, document: String) -> IamPolicy {
    IamPolicy {
        name: policy.policy_name().unwrap_or_default().to_string(),
        path: policy.path().map(str::to_string),
        description: policy
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        document,
        arn: policy.arn().map(str::to_string),
        policy_id: policy.policy_id().map(str::to_string),
        default_version: policy.default_version_id().map(str::to_string),
        tags: policy
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
    }
}

/// The version to delete before publishing another when IAM's limit is reached: the oldest
/// non-default one (by creation date, then by number). `None` while there is room.
pub fn version_to_prune(versions: &[PolicyVersion]) -> Option<String> {
    if versions.len() < MAX_VERSIONS {
        return None;
    }
    let number = |v: &PolicyVersion| {
        let id = v.version_id().unwrap_or_default();
        id.trim_start_matches('v')
            .parse::<u64>()
            .unwrap_or(u64::MAX)
    };
    versions
        .iter()
        .filter(|v| !v.is_default_version())
        .min_by_key(|v| {
            (
                v.create_date().map(|d| (d.secs(), d.subsec_nanos())),
                number(v),
            )
        })
        .and_then(|v| v.version_id().map(str::to_string))
}

crate::tags::sdk_tags!(Tag, TY);

/// TagPolicy / UntagPolicy, naming the policy by its ARN.
struct PolicyTagging<'a>(&'a aws_sdk_iam::Client);

#[async_trait]
impl TagByKey for PolicyTagging<'_> {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), OpError> {
        let tags = sdk_tags(&tags, "TagPolicy")?;
        let call = self.0.tag_policy().policy_arn(arn).set_tags(Some(tags));
        call.send().await.map_err(|e| op_error("TagPolicy", e))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), OpError> {
        let call = self
            .0
            .untag_policy()
            .policy_arn(arn)
            .set_tag_keys(Some(keys));
        call.send().await.map_err(|e| op_error("UntagPolicy", e))?;
        Ok(())
    }
}

/// An id that is a policy ARN (`arn:aws:iam::ACCOUNT:policy/...`), or the error saying so.
fn check_arn(id: &str, op: &str) -> Result<(), OpError> {
    let ok = id.starts_with("arn:") && id.contains(":policy/");
    ok.then_some(()).ok_or_else(|| {
        OpError::invalid(
            op,
            format!(
                "{TY}: id `{id}` is not a policy ARN (e.g. \
                 arn:aws:iam::123456789012:policy/my-policy)"
            ),
        )
    })
}

fn live(policy: IamPolicy) -> Live {
    Live {
        id: policy.arn.clone().unwrap_or_default(),
        attrs: policy.to_attrs(),
    }
}

/// The `iam-policy` operations, on one account's IAM client.
///
/// `read` costs 2 calls (GetPolicy, then GetPolicyVersion of the default version).
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

    /// GetPolicy, then the default version's document.
    async fn read_policy(&self, arn: &str) -> Result<Option<IamPolicy>, OpError> {
        let call = self.iam.get_policy().policy_arn(arn).send();
        let Some(policy) = get_optional("GetPolicy", is_not_found, call)
            .await?
            .and_then(|o| o.policy)
        else {
            return Ok(None);
        };
        let version = policy.default_version_id().unwrap_or("v1");
        let call = self
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send();
        // A policy deleted between the calls reads as gone.
        let Some(document) = get_optional("GetPolicyVersion", is_not_found, call)
            .await?
            .and_then(|o| o.policy_version)
            .and_then(|v| v.document)
        else {
            return Ok(None);
        };
        Ok(Some(from_policy(&policy, decode_policy(&document))))
    }

    /// The ARN of the customer-managed policy `name` under `path` (ListPolicies, every page).
    async fn arn_of(&self, name: &str, path: &str) -> Result<Option<String>, OpError> {
        let policies = every_page(|marker| async move {
            let out = self
                .iam
                .list_policies()
                .scope(PolicyScopeType::Local)
                .path_prefix(path)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| op_error("ListPolicies", e))?;
            let next = out.is_truncated().then(|| out.marker().map(str::to_string));
            Ok((out.policies.unwrap_or_default(), next.flatten()))
        })
        .await?;
        Ok(policies
            .into_iter()
            .find(|p| p.policy_name() == Some(name) && p.path() == Some(path))
            .and_then(|p| p.arn))
    }

    /// Every version of the policy; `None` when the policy is gone.
    async fn versions(&self, arn: &str) -> Result<Option<Vec<PolicyVersion>>, OpError> {
        let call = self.iam.list_policy_versions().policy_arn(arn).send();
        // At most 5 versions: one page.
        Ok(get_optional("ListPolicyVersions", is_not_found, call)
            .await?
            .map(|o| o.versions.unwrap_or_default()))
    }

    /// Publishes `document` as the new default version, first deleting the oldest non-default
    /// version when IAM's limit of 5 is reached.
    async fn publish(&self, arn: &str, document: &str) -> Result<(), OpError> {
        let versions = self.versions(arn).await?;
        let versions = to_update(
            versions,
            "ListPolicyVersions",
            &format!("IAM policy `{arn}`"),
        )?;
        if let Some(oldest) = version_to_prune(&versions) {
            let call = self
                .iam
                .delete_policy_version()
                .policy_arn(arn)
                .version_id(oldest)
                .send();
            delete_if_present("DeletePolicyVersion", is_not_found, call).await?;
        }
        self.iam
            .create_policy_version()
            .policy_arn(arn)
            .policy_document(document)
            .set_as_default(true)
            .send()
            .await
            .map_err(|e| op_error("CreatePolicyVersion", e))?;
        Ok(())
    }

    /// The policy named in `spec` when it exists: ours, or a Conflict naming its owner.
    async fn find_spec(
        &self,
        ctx: &OpContext,
        spec: &IamPolicy,
        op: &str,
    ) -> OpResult<Option<Live>> {
        let Some(arn) = self.arn_of(&spec.name, spec.path_or_root()).await? else {
            return Ok(None);
        };
        let Some(found) = self.read_policy(&arn).await? else {
            return Ok(None);
        };
        let what = format!("IAM policy `{}`", spec.name);
        ensure_ours(ctx, op, &what, &arn, &found.tags)?;
        Ok(Some(live(found)))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        check_arn(id, "GetPolicy")?;
        Ok(self.read_policy(id).await?.map(live))
    }

    /// The policy of the configured name and path, when it exists and carries this address's
    /// ownership tags.
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let spec: IamPolicy = spec_of(desired, TY, "ListPolicies")?;
        self.find_spec(ctx, &spec, "ListPolicies").await
    }

    /// CreatePolicy with the document and tags (ownership is recorded by the first call). When
    /// the name is taken by a policy of this address (a re-run after a crash) it is adopted and
    /// brought to `desired`; taken by anyone else, it is a Conflict.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreatePolicy";
        let spec: IamPolicy = spec_of(desired, TY, op)?;
        spec.check(op)?;
        let tags = (!spec.tags.is_empty())
            .then(|| sdk_tags(&spec.tags, op))
            .transpose()?;
        let created = self
            .iam
            .create_policy()
            .policy_name(&spec.name)
            .set_path(spec.path.clone())
            .set_description(spec.description.clone())
            .policy_document(&spec.document)
            .set_tags(tags)
            .send()
            .await;
        match created {
            Ok(out) => {
                let policy = out.policy.ok_or_else(|| {
                    OpError::new(op, ErrorKind::Other, "CreatePolicy returned no policy")
                })?;
                // What IAM answered plus what it was given (CreatePolicy echoes neither the
                // document nor, always, the description).
                let mut made = from_policy(&policy, spec.document.clone());
                made.description.clone_from(&spec.description);
                made.tags.clone_from(&spec.tags);
                Ok(live(made))
            }
            Err(e) if error_code(&e) == Some("EntityAlreadyExists") => {
                let what = format!("IAM policy `{}`", spec.name);
                let found = found_to_adopt(self.find_spec(ctx, &spec, op).await?, op, &what)?;
                // The description cannot change: a different one shows in the next plan.
                bring_to(self, ctx, found, desired, &["description"]).await
            }
            Err(e) => Err(op_error(op, e)),
        }
    }

    /// A new default version for a document change (unless the live default already has that
    /// document), TagPolicy / UntagPolicy for tags; then a read.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "CreatePolicyVersion";
        if let Some(fixed) = changed
            .iter()
            .find(|c| ["name", "path", "description"].contains(&c.as_str()))
        {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{fixed}` cannot change in place (it forces a replacement)"),
            ));
        }
        check_arn(id, op)?;
        let spec: IamPolicy = spec_of(desired, TY, op)?;
        let what = format!("IAM policy `{id}`");
        let current = to_update(self.read_policy(id).await?, op, &what)?;
        let has = |k: &str| changed.iter().any(|c| c == k);
        if has("document") && !same_json(&current.document, &spec.document) {
            spec.check(op)?;
            self.publish(id, &spec.document).await?;
        }
        if has("tags") {
            retag(
                &PolicyTagging(&self.iam),
                id,
                &current.tags,
                &spec.tags,
                &[],
            )
            .await?;
        }
        let after = to_update(self.read_policy(id).await?, "GetPolicy", &what)?;
        Ok(live(after))
    }

    /// Every non-default version first (IAM refuses to delete a policy that has any), then the
    /// policy. A policy still attached somewhere is refused by IAM (DeleteConflict).
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        check_arn(id, "DeletePolicy")?;
        let Some(versions) = self.versions(id).await? else {
            return Ok(());
        };
        for version in versions.iter().filter(|v| !v.is_default_version()) {
            let call = self
                .iam
                .delete_policy_version()
                .policy_arn(id)
                .set_version_id(version.version_id().map(str::to_string))
                .send();
            delete_if_present("DeletePolicyVersion", is_not_found, call).await?;
        }
        let call = self.iam.delete_policy().policy_arn(id).send();
        delete_if_present("DeletePolicy", is_not_found, call).await
    }

    /// ListPolicies (customer-managed, every page), each policy read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let arns = every_page(|marker| async move {
            let out = self
                .iam
                .list_policies()
                .scope(PolicyScopeType::Local)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| op_error("ListPolicies", e))?;
            let next = out.is_truncated().then(|| out.marker().map(str::to_string));
            let arns: Vec<String> = out
                .policies()
                .iter()
                .filter_map(|p| p.arn.clone())
                .collect();
            Ok((arns, next.flatten()))
        })
        .await;
        crate::aws::read_listed(arns, |arn| async move {
            Ok(self.read_policy(&arn).await?.map(live))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_types::DateTime;

    fn version(id: &str, secs: i64, default: bool) -> PolicyVersion {
        PolicyVersion::builder()
            .version_id(id)
            .create_date(DateTime::from_secs(secs))
            .is_default_version(default)
            .build()
    }

    #[test]
    fn the_oldest_non_default_version_is_pruned_only_at_the_limit() {
        let four: Vec<PolicyVersion> = (1..=4)
            .map(|n| version(&format!("v{n}"), n, n == 4))
            .collect();
        assert_eq!(version_to_prune(&four), None);
        // v1 is the default (rolled back to): the oldest other one goes.
        let five = vec![
            version("v1", 1, true),
            version("v2", 2, false),
            version("v3", 3, false),
            version("v4", 4, false),
            version("v5", 5, false),
        ];
        assert_eq!(version_to_prune(&five).as_deref(), Some("v2"));
    }

    #[test]
    fn paths_documents_and_ids_iam_would_refuse_are_invalid() {
        let ok = IamPolicy {
            name: "p".into(),
            document: r#"{"Version":"2012-10-17","Statement":[]}"#.into(),
            ..IamPolicy::default()
        };
        assert!(ok.check("Op").is_ok());
        let bad_path = IamPolicy {
            path: Some("service".into()),
            ..ok.clone()
        };
        let e = bad_path.check("Op").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert!(e.message.contains("must begin and end with `/`"), "{e}");
        let bad_doc = IamPolicy {
            document: "[1]".into(),
            ..ok.clone()
        };
        assert!(bad_doc
            .check("Op")
            .unwrap_err()
            .message
            .contains("JSON object"));
        let e = check_arn("my-policy", "GetPolicy").unwrap_err();
        assert!(e.message.contains("is not a policy ARN"), "{e}");
        assert!(check_arn("arn:aws:iam::123456789012:policy/x/p", "GetPolicy").is_ok());
    }

    #[test]
    fn a_policy_reads_into_the_spec_shape() {
        let policy = Policy::builder()
            .policy_name("read")
            .path("/app/")
            .arn("arn:aws:iam::123456789012:policy/app/read")
            .policy_id("ANPA1")
            .default_version_id("v3")
            .description("")
            .tags(Tag::builder().key("team").value("x").build().unwrap())
            .build();
        let read = from_policy(&policy, "{}".into());
        assert_eq!(read.description, None);
        assert_eq!(read.default_version.as_deref(), Some("v3"));
        assert_eq!(read.tags["team"], "x");
        assert_eq!(read.path.as_deref(), Some("/app/"));
    }
}
