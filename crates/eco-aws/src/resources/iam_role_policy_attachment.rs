//! `iam-role-policy-attachment`: one managed policy (AWS-managed, or an eco-managed
//! `iam-policy` by its `arn`) attached to a role.
//!
//! IAM has no call that changes an attachment, so both attributes force a replacement (detach,
//! then attach).
//!
//! AWS calls:
//! - read: ListAttachedRolePolicies (every page), then the attachment of this ARN
//! - create: AttachRolePolicy (attaching an attached policy again changes nothing)
//! - update: none; every change replaces the attachment
//! - delete: DetachRolePolicy
//! - import: by `ROLE/POLICY-ARN` (the read above). The id in state has the same form.
//!
//! An attachment carries no tags: the role and the ARN are what make it this address's, so a
//! create that finds the policy attached already adopts it. A role that lists the same policy in
//! its own `managed-policy` manages it there too: use one or the other for a role.

use async_trait::async_trait;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider};
use eco_schema::{Schema, Spec};

use super::iam_role::list_managed;
use crate::attrs::spec_of;
use crate::aws::{is_not_found, op_error, Aws};
use crate::calls::{delete_if_present, refuse_any};

/// An attachment's attributes, declared once; both force a replacement.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "iam-role-policy-attachment",
    doc = "A managed IAM policy attached to a role",
    import_id = "`ROLE/POLICY-ARN`"
)]
pub struct IamRolePolicyAttachment {
    /// name of the role
    #[eco(replace, name_rule = Iam)]
    pub role: String,
    /// ARN of the managed policy: an AWS-managed one or an `iam-policy`'s `arn`
    #[eco(replace)]
    pub policy_arn: String,
}

pub const TYPE_NAME: &str = IamRolePolicyAttachment::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    IamRolePolicyAttachment::schema()
}

impl IamRolePolicyAttachment {
    /// `ROLE/POLICY-ARN`: the id in state and the import id.
    pub fn id(&self) -> String {
        format!("{}/{}", self.role, self.policy_arn)
    }

    /// The attachment an id names (the ARN keeps its own slashes).
    pub fn from_id(id: &str, op: &str) -> Result<IamRolePolicyAttachment, OpError> {
        let (role, policy_arn) = crate::ids::split_pair(id, TY, op, "ROLE/POLICY-ARN")?;
        if !policy_arn.starts_with("arn:") {
            return Err(OpError::invalid(
                op,
                format!(
                    "{TY}: id `{id}` is not ROLE/POLICY-ARN (e.g. \
                     api-role/arn:aws:iam::aws:policy/ReadOnlyAccess)"
                ),
            ));
        }
        Ok(IamRolePolicyAttachment { role, policy_arn })
    }

    fn live(&self) -> Live {
        Live {
            id: self.id(),
            attrs: self.to_attrs(),
        }
    }
}

/// The `iam-role-policy-attachment` operations, on one account's IAM client.
///
/// `read` costs one ListAttachedRolePolicies per page of the role's attached policies (IAM
/// allows 20 by default: one page).
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

    /// The attachment when the role exists and has the policy attached.
    async fn read_attachment(
        &self,
        want: &IamRolePolicyAttachment,
    ) -> Result<Option<Live>, OpError> {
        let attached = list_managed(&self.iam, &want.role).await?;
        Ok(attached
            .filter(|arns| arns.contains(&want.policy_arn))
            .map(|_| want.live()))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        let want = IamRolePolicyAttachment::from_id(id, "ListAttachedRolePolicies")?;
        self.read_attachment(&want).await
    }

    async fn find(&self, _: &OpContext, desired: &Attrs, _: &str) -> Result<Option<Live>, OpError> {
        let want: IamRolePolicyAttachment = spec_of(desired, TY, "ListAttachedRolePolicies")?;
        self.read_attachment(&want).await
    }

    async fn create(&self, _: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let want: IamRolePolicyAttachment = spec_of(desired, TY, "AttachRolePolicy")?;
        self.iam
            .attach_role_policy()
            .role_name(&want.role)
            .policy_arn(&want.policy_arn)
            .send()
            .await
            .map_err(|e| op_error("AttachRolePolicy", e))?;
        Ok(want.live())
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        _desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        refuse_any(
            changed,
            TY,
            "AttachRolePolicy",
            "IAM cannot change an attachment",
        )?;
        let want = IamRolePolicyAttachment::from_id(id, "ListAttachedRolePolicies")?;
        self.read_attachment(&want).await?.ok_or_else(|| {
            let message = format!("{TY}: `{id}` no longer exists (detached outside eco?)");
            OpError::new("ListAttachedRolePolicies", ErrorKind::Other, message)
        })
    }

    /// DetachRolePolicy; a role that is gone, or a policy no longer attached, is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let want = IamRolePolicyAttachment::from_id(id, "DetachRolePolicy")?;
        let call = self
            .iam
            .detach_role_policy()
            .role_name(&want.role)
            .policy_arn(&want.policy_arn)
            .send();
        delete_if_present("DetachRolePolicy", is_not_found, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_is_the_role_then_the_whole_arn() {
        let arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
        let a = IamRolePolicyAttachment::from_id(&format!("api/{arn}"), "Op").unwrap();
        assert_eq!((a.role.as_str(), a.policy_arn.as_str()), ("api", arn));
        assert_eq!(a.id(), format!("api/{arn}"));
        for bad in ["api", "api/ReadOnlyAccess", "/arn:aws:iam::aws:policy/X"] {
            let e = IamRolePolicyAttachment::from_id(bad, "Op").unwrap_err();
            assert_eq!(e.kind, ErrorKind::Invalid, "{bad}");
            assert!(e.message.contains("is not ROLE/POLICY-ARN"), "{e}");
        }
    }
}
