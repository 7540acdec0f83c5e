//! What an update (or an adoption) must call: the calls that take a role from its prior
//! attributes to the desired spec, and the attributes in which a live role differs from it.

use std::collections::{BTreeMap, BTreeSet};

use eco_provider::{Attrs, OpError};
use eco_schema::spec::read_field;
use eco_schema::{Spec, Update};

use super::spec::{IamRole, InlinePolicy, Trust, DEFAULT_MAX_SESSION};

/// One IAM call of an update (or of the second half of a create), in the order they run.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    UpdateAssumeRolePolicy(String),
    UpdateRole {
        description: Option<String>,
        max_session: Option<i32>,
    },
    PutRolePermissionsBoundary(String),
    DeleteRolePermissionsBoundary,
    AttachRolePolicy(String),
    DetachRolePolicy(String),
    PutRolePolicy {
        name: String,
        document: String,
    },
    DeleteRolePolicy(String),
    TagRole(BTreeMap<String, String>),
    UntagRole(Vec<String>),
}

pub use crate::attrs::same_json;

/// The calls that take the role from `prior` to `desired` for the attributes in `changed`.
///
/// Managed and inline policies are compared with what is live (`live_managed`,
/// `live_inline_names`, listed just before), so a stale `prior` cannot leave a policy behind;
/// an inline policy is re-put unless it is live with the same document as in `prior`.
/// Everything here is idempotent: attaching an attached policy, putting the same document or
/// tagging the same tags again changes nothing, and the deletes treat NoSuchEntity as done.
pub fn update_calls(
    prior: &Attrs,
    desired: &IamRole,
    changed: &[String],
    live_managed: &[String],
    live_inline_names: &[String],
) -> Result<Vec<Call>, OpError> {
    let schema = IamRole::schema();
    for key in changed {
        match schema.attribute(key) {
            None => {
                return Err(OpError::invalid(
                    "UpdateRole",
                    format!("iam-role has no attribute `{key}`"),
                ))
            }
            Some(a) if a.update == Update::Replace => {
                return Err(OpError::invalid(
                    "UpdateRole",
                    format!(
                        "iam-role: `{key}` cannot change in place (IAM cannot rename or move a \
                         role); the role must be replaced"
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    let has = |k: &str| changed.iter().any(|c| c == k);
    let mut calls = Vec::new();
    if has("assume-service") || has("assume-policy") {
        let trust = desired.trust("UpdateAssumeRolePolicy")?;
        calls.push(Call::UpdateAssumeRolePolicy(trust.document()));
    }
    if has("description") || has("max-session-duration") {
        calls.push(Call::UpdateRole {
            // IAM clears the description when given an empty one.
            description: has("description")
                .then(|| desired.description.clone().unwrap_or_default()),
            max_session: has("max-session-duration")
                .then(|| desired.max_session().unwrap_or(DEFAULT_MAX_SESSION as i32)),
        });
    }
    if has("permissions-boundary") {
        calls.push(match &desired.permissions_boundary {
            Some(arn) => Call::PutRolePermissionsBoundary(arn.clone()),
            None => Call::DeleteRolePermissionsBoundary,
        });
    }
    if has("managed-policy") {
        // Attach before detaching, so a role in use keeps its permissions while they move.
        let want = &desired.managed_policy;
        let attach = want.iter().filter(|arn| !live_managed.contains(arn));
        calls.extend(attach.cloned().map(Call::AttachRolePolicy));
        let detach = live_managed.iter().filter(|arn| !want.contains(arn));
        calls.extend(detach.cloned().map(Call::DetachRolePolicy));
    }
    if has("inline-policy") {
        let prior_inline: Vec<InlinePolicy> =
            read_field(prior, "inline-policy", "").unwrap_or_default();
        let want = desired.inline();
        for (name, document) in &want {
            let live = live_inline_names.contains(name);
            let same = prior_inline
                .iter()
                .any(|p| &p.name == name && same_json(&p.document, document));
            if !(live && same) {
                calls.push(Call::PutRolePolicy {
                    name: name.clone(),
                    document: document.clone(),
                });
            }
        }
        let gone = live_inline_names.iter().filter(|n| !want.contains_key(*n));
        calls.extend(gone.cloned().map(Call::DeleteRolePolicy));
    }
    if has("tags") {
        let prior_tags: BTreeMap<String, String> =
            read_field(prior, "tags", "").unwrap_or_default();
        if !desired.tags.is_empty() && prior_tags != desired.tags {
            calls.push(Call::TagRole(desired.tags.clone()));
        }
        let gone: Vec<String> = prior_tags
            .into_keys()
            .filter(|k| !desired.tags.contains_key(k))
            .collect();
        if !gone.is_empty() {
            calls.push(Call::UntagRole(gone));
        }
    }
    Ok(calls)
}

/// The attributes of `desired` that differ from what is live (for adopting an existing role):
/// JSON documents compared as JSON, managed policies as a set.
pub fn changed_attrs(desired: &IamRole, live: &Attrs) -> Vec<String> {
    let live = IamRole::from_attrs(live).unwrap_or_default();
    let mut changed = Vec::new();
    match desired.trust_opt() {
        Some(Trust::Services(services)) if live.assume_service.as_ref() != Some(&services) => {
            changed.push("assume-service")
        }
        Some(Trust::Policy(text))
            if !live
                .assume_policy
                .as_deref()
                .is_some_and(|l| same_json(l, &text)) =>
        {
            changed.push("assume-policy")
        }
        _ => {}
    }
    if let Some(d) = &desired.description {
        if live.description.as_deref().unwrap_or("") != d {
            changed.push("description");
        }
    }
    if desired.max_session_duration.is_some()
        && live.max_session_duration != desired.max_session_duration
    {
        changed.push("max-session-duration");
    }
    let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
    if set(&live.managed_policy) != set(&desired.managed_policy) {
        changed.push("managed-policy");
    }
    let (live_inline, want_inline) = (live.inline(), desired.inline());
    let inline_same = live_inline.len() == want_inline.len()
        && want_inline
            .iter()
            .all(|(n, d)| live_inline.get(n).is_some_and(|l| same_json(l, d)));
    if !inline_same {
        changed.push("inline-policy");
    }
    if desired.permissions_boundary != live.permissions_boundary {
        changed.push("permissions-boundary");
    }
    if live.tags != desired.tags {
        changed.push("tags");
    }
    changed.into_iter().map(str::to_string).collect()
}
