//! Reading a role: IAM's `Role` and its policy listings in the typed spec's shape, the paged
//! list calls, and the URL-decoding IAM applies to policy documents.

use aws_sdk_iam::types::Role;
use eco_provider::{ErrorKind, OpError};

use super::spec::{services_of_trust, IamRole, InlinePolicy, DEFAULT_MAX_SESSION};
use crate::aws::is_not_found;
use crate::calls::get_optional;

/// IAM returns policy documents URL-encoded (RFC 3986, as Go's `url.QueryUnescape` reads them);
/// a document that is already plain JSON (moto's ListRoles) is returned unchanged.
pub fn decode_policy(text: &str) -> String {
    if !text.starts_with('%') {
        return text.to_string();
    }
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// A role in the spec's shape, from IAM's `Role` and its policy listings (inline documents
/// already decoded). Lists are sorted where IAM keeps no order (managed policies, inline
/// policies by name); the trust policy is reported as `assume-policy` (the decoded text) and,
/// when it has exactly eco's generated shape, also as `assume-service` (in document order), so
/// a configuration using either form reads back without a diff.
pub fn from_role(role: &Role, managed: &[String], inline: &[(String, String)]) -> IamRole {
    let trust = role.assume_role_policy_document().map(decode_policy);
    let mut managed_policy = managed.to_vec();
    managed_policy.sort();
    managed_policy.dedup();
    let mut inline_policy: Vec<InlinePolicy> = inline
        .iter()
        .map(|(name, document)| InlinePolicy {
            name: name.clone(),
            document: document.clone(),
        })
        .collect();
    inline_policy.sort_by(|a, b| a.name.cmp(&b.name));
    IamRole {
        name: role.role_name().to_string(),
        path: Some(role.path().to_string()),
        description: role
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        assume_service: trust.as_deref().and_then(services_of_trust),
        assume_policy: trust,
        managed_policy,
        inline_policy,
        max_session_duration: Some(
            role.max_session_duration()
                .map(i64::from)
                .unwrap_or(DEFAULT_MAX_SESSION),
        ),
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        arn: Some(role.arn().to_string()),
        unique_id: Some(role.role_id().to_string()),
        tags: role
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
    }
}

/// Every page of a role's listing `$call` (ListAttachedRolePolicies and the like), its items
/// taken from each page by `$items`; `None` when the role is gone.
macro_rules! list_all {
    ($iam:expr, $role:expr, $call:ident, $op:literal, |$page:ident| $items:expr) => {{
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let call = $iam
                .$call()
                .role_name($role)
                .set_marker(marker.take())
                .send();
            let Some($page) = get_optional($op, is_not_found, call).await? else {
                return Ok(None);
            };
            out.extend($items);
            match $page.marker() {
                Some(m) if $page.is_truncated() => marker = Some(m.to_string()),
                _ => return Ok(Some(out)),
            }
        }
    }};
}

pub async fn list_managed(
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<Option<Vec<String>>, OpError> {
    list_all!(
        iam,
        role,
        list_attached_role_policies,
        "ListAttachedRolePolicies",
        |page| page
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
    )
}

pub async fn list_inline_names(
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<Option<Vec<String>>, OpError> {
    list_all!(iam, role, list_role_policies, "ListRolePolicies", |page| {
        page.policy_names().iter().cloned()
    })
}

pub async fn list_instance_profiles(
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<Option<Vec<String>>, OpError> {
    list_all!(
        iam,
        role,
        list_instance_profiles_for_role,
        "ListInstanceProfilesForRole",
        |page| page
            .instance_profiles()
            .iter()
            .map(|p| p.instance_profile_name().to_string())
    )
}

/// The documents of the named inline policies, fetched concurrently; a policy deleted between
/// the listing and its GetRolePolicy is left out.
pub async fn inline_documents(
    iam: &aws_sdk_iam::Client,
    role: &str,
    names: Vec<String>,
) -> Result<Vec<(String, String)>, OpError> {
    let mut tasks = tokio::task::JoinSet::new();
    for name in names {
        let call = iam
            .get_role_policy()
            .role_name(role)
            .policy_name(&name)
            .send();
        tasks.spawn(async move {
            let out = get_optional("GetRolePolicy", is_not_found, call).await?;
            Ok::<_, OpError>(out.map(|o| (name, decode_policy(o.policy_document()))))
        });
    }
    let mut docs = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let result = joined.map_err(|e| {
            OpError::new(
                "GetRolePolicy",
                ErrorKind::Other,
                format!("task failed: {e}"),
            )
        })?;
        docs.extend(result?);
    }
    docs.sort();
    Ok(docs)
}
