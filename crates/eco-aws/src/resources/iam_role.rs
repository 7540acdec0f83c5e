//! `iam-role`: an IAM role with its trust policy, attached managed policies and inline policies.
//!
//! AWS calls:
//! - read: GetRole (carries tags and boundary), ListAttachedRolePolicies, ListRolePolicies +
//!   GetRolePolicy per inline policy
//! - create: CreateRole (trust policy, path, description, max session duration, boundary, tags),
//!   then AttachRolePolicy and PutRolePolicy per policy
//! - update: UpdateRole (description, max session duration), UpdateAssumeRolePolicy,
//!   AttachRolePolicy / DetachRolePolicy, PutRolePolicy / DeleteRolePolicy,
//!   PutRolePermissionsBoundary / DeleteRolePermissionsBoundary, TagRole / UntagRole
//! - delete: DetachRolePolicy and DeleteRolePolicy for every policy, RemoveRoleFromInstanceProfile
//!   for every instance profile (all listed live), then DeleteRole
//! - import: by role name (GetRole and the list calls above)

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_iam::error::SdkError;
use aws_sdk_iam::types::{Role, Tag};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};
use eco_schema::{Attribute, ScalarType, Schema};

use crate::aws::{is_not_found, op_error, Aws};
use crate::tags::{tags_of, tags_value};

pub const TYPE_NAME: &str = "iam-role";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "An IAM role: trust policy, managed and inline policies")
        .import_id("the role name")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("role name; IAM cannot rename a role"),
        )
        .attr(
            Attribute::string("path")
                .forces_replacement()
                .doc("role path (default /); IAM cannot move a role"),
        )
        .attr(Attribute::string("description").doc("description (UpdateRole)"))
        .attr(
            Attribute::list("assume-service", ScalarType::String)
                .doc("service principals trusted to assume the role, e.g. lambda.amazonaws.com (UpdateAssumeRolePolicy)"),
        )
        .attr(
            Attribute::string("assume-policy").json()
                .doc("full trust policy JSON, instead of assume-service (UpdateAssumeRolePolicy)"),
        )
        .attr(
            Attribute::list("managed-policy", ScalarType::String).unordered()
                .doc("ARNs of managed policies to attach (AttachRolePolicy / DetachRolePolicy)"),
        )
        .attr(
            Attribute::repeated_block(
                "inline-policy",
                "name",
                vec![
                    Attribute::string("name").doc("policy name"),
                    Attribute::string("document").json().required().doc("policy JSON document"),
                ],
            )
            .doc("an inline policy (PutRolePolicy / DeleteRolePolicy)"),
        )
        .attr(
            Attribute::int("max-session-duration")
                .doc("maximum session length in seconds, 3600 to 43200 (UpdateRole)"),
        )
        .attr(
            Attribute::string("permissions-boundary")
                .doc("ARN of the permissions boundary policy (PutRolePermissionsBoundary)"),
        )
        .attr(Attribute::string("arn").computed().doc("role ARN"))
        .attr(Attribute::string("unique-id").computed().doc("stable role id (AROA...)"))
        .taggable()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// The policy language version eco writes into generated trust policies.
const POLICY_VERSION: &str = "2012-10-17";
/// What IAM gives a role created without `MaxSessionDuration` (and what eco resets it to when
/// the attribute is removed from configuration).
const DEFAULT_MAX_SESSION: i64 = 3600;
const MAX_SESSION_RANGE: std::ops::RangeInclusive<i64> = 3600..=43200;

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

/// Where the trust policy comes from.
#[derive(Debug, Clone, PartialEq)]
enum Trust {
    /// `assume-service`: eco generates the policy (services in the order given, duplicates
    /// dropped).
    Services(Vec<String>),
    /// `assume-policy`: the user's JSON text, sent as is.
    Policy(String),
}

impl Trust {
    fn document(&self) -> String {
        match self {
            Trust::Services(services) => service_trust_policy(services),
            Trust::Policy(text) => text.clone(),
        }
    }
}

/// The desired configuration of a role, validated.
#[derive(Debug, Clone, PartialEq, Default)]
struct Spec {
    name: Option<String>,
    path: Option<String>,
    description: Option<String>,
    trust: Option<Trust>,
    /// Managed policy ARNs, duplicates dropped.
    managed: Vec<String>,
    /// Inline policies: name -> document text.
    inline: BTreeMap<String, String>,
    max_session: Option<i32>,
    boundary: Option<String>,
    tags: BTreeMap<String, String>,
}

impl Spec {
    fn name(&self, operation: &str) -> Result<&str, OpError> {
        self.name
            .as_deref()
            .ok_or_else(|| OpError::invalid(operation, "iam-role: `name` is required"))
    }

    fn trust(&self, operation: &str) -> Result<&Trust, OpError> {
        self.trust.as_ref().ok_or_else(|| {
            OpError::invalid(
                operation,
                "iam-role: a trust policy is required: set `assume-service` (e.g. \
                 \"lambda.amazonaws.com\") or `assume-policy`",
            )
        })
    }
}

fn opt_string(desired: &Attrs, key: &str, op: &str) -> Result<Option<String>, OpError> {
    match desired.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(OpError::invalid(
            op,
            format!("iam-role: `{key}` must be a string, got {other:?}"),
        )),
    }
}

fn opt_string_list(desired: &Attrs, key: &str, op: &str) -> Result<Option<Vec<String>>, OpError> {
    match desired.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::List(items)) => {
            let mut out: Vec<String> = Vec::with_capacity(items.len());
            for item in items {
                let Value::String(s) = item else {
                    return Err(OpError::invalid(
                        op,
                        format!("iam-role: `{key}` must be a list of strings, got {item:?}"),
                    ));
                };
                if s.is_empty() {
                    return Err(OpError::invalid(
                        op,
                        format!("iam-role: `{key}` holds an empty string"),
                    ));
                }
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
            Ok(Some(out))
        }
        Some(other) => Err(OpError::invalid(
            op,
            format!("iam-role: `{key}` must be a list of strings, got {other:?}"),
        )),
    }
}

fn check_json(text: &str, what: &str, op: &str) -> Result<(), OpError> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err(OpError::invalid(
            op,
            format!("iam-role: {what} must be a JSON object"),
        )),
        Err(e) => Err(OpError::invalid(
            op,
            format!("iam-role: {what} is not valid JSON: {e}"),
        )),
    }
}

/// Reads and validates the desired attributes (everything IAM would refuse and that is cheap to
/// check here: name characters and length, path shape, session range, JSON syntax, duplicates).
fn spec_of(desired: &Attrs, op: &str) -> Result<Spec, OpError> {
    let name = opt_string(desired, "name", op)?;
    if let Some(name) = &name {
        let ok_chars = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if name.is_empty() || name.len() > 64 || !ok_chars {
            return Err(OpError::invalid(
                op,
                format!(
                    "iam-role: name `{name}` is not a valid role name (1 to 64 characters: \
                     letters, digits and +=,.@_-)"
                ),
            ));
        }
    }
    let path = opt_string(desired, "path", op)?;
    if let Some(path) = &path {
        if !path.starts_with('/') || !path.ends_with('/') || path.len() > 512 {
            return Err(OpError::invalid(
                op,
                format!("iam-role: path `{path}` must begin and end with / (e.g. /service/)"),
            ));
        }
    }
    let description = opt_string(desired, "description", op)?;
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 1000)
    {
        return Err(OpError::invalid(
            op,
            "iam-role: description is longer than 1000 characters",
        ));
    }
    let services = opt_string_list(desired, "assume-service", op)?;
    let policy = opt_string(desired, "assume-policy", op)?;
    let trust = match (services, policy) {
        (Some(_), Some(_)) => {
            return Err(OpError::invalid(
                op,
                "iam-role: set either `assume-service` or `assume-policy`, not both",
            ))
        }
        (Some(services), None) if services.is_empty() => {
            return Err(OpError::invalid(
                op,
                "iam-role: `assume-service` needs at least one service principal",
            ))
        }
        (Some(services), None) => Some(Trust::Services(services)),
        (None, Some(policy)) => {
            check_json(&policy, "assume-policy", op)?;
            Some(Trust::Policy(policy))
        }
        (None, None) => None,
    };
    let managed = opt_string_list(desired, "managed-policy", op)?.unwrap_or_default();
    if let Some(bad) = managed.iter().find(|arn| !arn.starts_with("arn:")) {
        return Err(OpError::invalid(
            op,
            format!("iam-role: managed-policy `{bad}` is not a policy ARN"),
        ));
    }
    let mut inline = BTreeMap::new();
    match desired.get("inline-policy") {
        None | Some(Value::Null) => {}
        Some(Value::List(blocks)) => {
            for block in blocks {
                let Value::Map(fields) = block else {
                    return Err(OpError::invalid(
                        op,
                        format!("iam-role: inline-policy must be a block, got {block:?}"),
                    ));
                };
                let (Some(Value::String(name)), Some(Value::String(document))) =
                    (fields.get("name"), fields.get("document"))
                else {
                    return Err(OpError::invalid(
                        op,
                        "iam-role: every inline-policy needs a name and a document",
                    ));
                };
                let ok_chars = name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
                if name.is_empty() || name.len() > 128 || !ok_chars {
                    return Err(OpError::invalid(
                        op,
                        format!("iam-role: inline-policy name `{name}` is not a valid policy name"),
                    ));
                }
                check_json(document, &format!("inline-policy `{name}`"), op)?;
                if inline.insert(name.clone(), document.clone()).is_some() {
                    return Err(OpError::invalid(
                        op,
                        format!("iam-role: inline-policy `{name}` is given twice"),
                    ));
                }
            }
        }
        Some(other) => {
            return Err(OpError::invalid(
                op,
                format!("iam-role: inline-policy must be a list of blocks, got {other:?}"),
            ))
        }
    }
    let max_session = match desired.get("max-session-duration") {
        None | Some(Value::Null) => None,
        Some(Value::Int(n)) if MAX_SESSION_RANGE.contains(n) => Some(*n as i32),
        Some(other) => {
            return Err(OpError::invalid(
                op,
                format!(
                    "iam-role: max-session-duration must be a number of seconds from 3600 to \
                     43200, got {other:?}"
                ),
            ))
        }
    };
    let boundary = opt_string(desired, "permissions-boundary", op)?;
    if let Some(b) = boundary.as_ref().filter(|b| !b.starts_with("arn:")) {
        return Err(OpError::invalid(
            op,
            format!("iam-role: permissions-boundary `{b}` is not a policy ARN"),
        ));
    }
    let tags = tags_of(desired.get("tags"));
    if tags.len() > 50 {
        return Err(OpError::invalid(
            op,
            "iam-role: IAM allows at most 50 tags on a role",
        ));
    }
    Ok(Spec {
        name,
        path,
        description,
        trust,
        managed,
        inline,
        max_session,
        boundary,
        tags,
    })
}

/// The trust policy eco generates for `assume-service`: one Allow statement with action
/// `sts:AssumeRole` and the service principals (a single service as a plain string, which is
/// what CodePipeline insists on; several as a list, in the order given).
fn service_trust_policy(services: &[String]) -> String {
    let principal = match services {
        [one] => serde_json::Value::String(one.clone()),
        many => many
            .iter()
            .cloned()
            .map(serde_json::Value::String)
            .collect(),
    };
    serde_json::json!({
        "Version": POLICY_VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": principal},
            "Action": "sts:AssumeRole",
        }],
    })
    .to_string()
}

/// The service principals of a trust policy that has exactly the shape eco generates for
/// `assume-service` (also accepting a lone statement object, a single-item action list and the
/// empty `Sid` the console writes), in document order; `None` for any other policy.
fn services_of_trust(document: &str) -> Option<Vec<String>> {
    use serde_json::Value as J;
    let J::Object(doc) = serde_json::from_str::<J>(document).ok()? else {
        return None;
    };
    if doc.len() != 2 || doc.get("Version")?.as_str()? != POLICY_VERSION {
        return None;
    }
    let statement = match doc.get("Statement")? {
        J::Array(items) if items.len() == 1 => &items[0],
        one @ J::Object(_) => one,
        _ => return None,
    };
    let J::Object(stmt) = statement else {
        return None;
    };
    for key in stmt.keys() {
        match key.as_str() {
            "Effect" | "Principal" | "Action" => {}
            "Sid" if stmt[key].as_str() == Some("") => {}
            _ => return None,
        }
    }
    if stmt.get("Effect")?.as_str()? != "Allow" {
        return None;
    }
    let action_ok = match stmt.get("Action")? {
        J::String(a) => a == "sts:AssumeRole",
        J::Array(items) => items.len() == 1 && items[0].as_str() == Some("sts:AssumeRole"),
        _ => false,
    };
    if !action_ok {
        return None;
    }
    let J::Object(principal) = stmt.get("Principal")? else {
        return None;
    };
    if principal.len() != 1 {
        return None;
    }
    let services: Vec<String> = match principal.get("Service")? {
        J::String(s) => vec![s.clone()],
        J::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    Some(services)
}

/// IAM returns policy documents URL-encoded (RFC 3986, as Go's `url.QueryUnescape` reads them);
/// a document that is already plain JSON (moto's ListRoles) is returned unchanged.
fn decode_policy(text: &str) -> String {
    if !text.starts_with('%') {
        return text.to_string();
    }
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
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

/// Whether two JSON texts hold the same document (key order ignored); unparsable texts compare
/// as text.
fn same_json(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// A role's attributes in configuration shape, from IAM's `Role` and its policy listings
/// (inline documents already decoded). Lists are sorted where IAM keeps no order (managed
/// policies, inline policies by name); the trust policy is reported as `assume-policy` (the
/// decoded text) and, when it has exactly eco's generated shape, also as `assume-service` (in
/// document order), so a configuration using either form reads back without a diff.
fn role_attrs(role: &Role, managed: &[String], inline: &[(String, String)]) -> Attrs {
    let mut attrs = Attrs::new();
    attrs.insert("name".into(), Value::String(role.role_name().to_string()));
    attrs.insert("path".into(), Value::String(role.path().to_string()));
    attrs.insert("arn".into(), Value::String(role.arn().to_string()));
    attrs.insert(
        "unique-id".into(),
        Value::String(role.role_id().to_string()),
    );
    if let Some(d) = role.description().filter(|d| !d.is_empty()) {
        attrs.insert("description".into(), Value::String(d.to_string()));
    }
    attrs.insert(
        "max-session-duration".into(),
        Value::Int(
            role.max_session_duration()
                .map(i64::from)
                .unwrap_or(DEFAULT_MAX_SESSION),
        ),
    );
    if let Some(doc) = role.assume_role_policy_document() {
        let doc = decode_policy(doc);
        if let Some(services) = services_of_trust(&doc) {
            attrs.insert(
                "assume-service".into(),
                Value::List(services.into_iter().map(Value::String).collect()),
            );
        }
        attrs.insert("assume-policy".into(), Value::String(doc));
    }
    if let Some(arn) = role
        .permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn())
    {
        attrs.insert(
            "permissions-boundary".into(),
            Value::String(arn.to_string()),
        );
    }
    let mut managed: Vec<String> = managed.to_vec();
    managed.sort();
    managed.dedup();
    if !managed.is_empty() {
        attrs.insert(
            "managed-policy".into(),
            Value::List(managed.into_iter().map(Value::String).collect()),
        );
    }
    let mut inline: Vec<&(String, String)> = inline.iter().collect();
    inline.sort_by(|a, b| a.0.cmp(&b.0));
    if !inline.is_empty() {
        attrs.insert(
            "inline-policy".into(),
            Value::List(
                inline
                    .into_iter()
                    .map(|(name, doc)| {
                        Value::Map(BTreeMap::from([
                            ("name".to_string(), Value::String(name.clone())),
                            ("document".to_string(), Value::String(doc.clone())),
                        ]))
                    })
                    .collect(),
            ),
        );
    }
    let tags: BTreeMap<String, String> = role
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    if !tags.is_empty() {
        attrs.insert("tags".into(), tags_value(&tags));
    }
    attrs
}

/// IAM tags from a tag map.
fn sdk_tags(tags: &BTreeMap<String, String>, op: &str) -> Result<Vec<Tag>, OpError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| OpError::invalid(op, format!("iam-role: tag `{k}`: {e}")))
        })
        .collect()
}

/// One IAM call of an update (or of the second half of a create), in the order they run.
#[derive(Debug, Clone, PartialEq)]
enum Call {
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

/// The inline policies of prior attributes: name -> document.
fn inline_of(attrs: &Attrs) -> BTreeMap<String, String> {
    match attrs.get("inline-policy") {
        Some(Value::List(blocks)) => blocks
            .iter()
            .filter_map(|b| match b {
                Value::Map(f) => Some((
                    f.get("name")?.as_str()?.to_string(),
                    f.get("document")?.as_str()?.to_string(),
                )),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// The calls that take the role from `prior` to `desired` for the attributes in `changed`.
///
/// Managed and inline policies are compared with what is live (`live_managed`,
/// `live_inline_names`, listed just before), so a stale `prior` cannot leave a policy behind;
/// an inline policy is re-put unless it is live with the same document as in `prior`.
/// Everything here is idempotent: attaching an attached policy, putting the same document or
/// tagging the same tags again changes nothing, and the deletes treat NoSuchEntity as done.
fn update_calls(
    prior: &Attrs,
    desired: &Spec,
    changed: &[String],
    live_managed: &[String],
    live_inline_names: &[String],
) -> Result<Vec<Call>, OpError> {
    let has = |k: &str| changed.iter().any(|c| c == k);
    for key in changed {
        match key.as_str() {
            "name" | "path" => {
                return Err(OpError::invalid(
                    "UpdateRole",
                    format!(
                        "iam-role: `{key}` cannot change in place (IAM cannot rename or move a \
                         role); the role must be replaced"
                    ),
                ))
            }
            "description"
            | "max-session-duration"
            | "assume-service"
            | "assume-policy"
            | "managed-policy"
            | "inline-policy"
            | "permissions-boundary"
            | "tags"
            | "arn"
            | "unique-id" => {}
            other => {
                return Err(OpError::invalid(
                    "UpdateRole",
                    format!("iam-role has no attribute `{other}`"),
                ))
            }
        }
    }
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
                .then(|| desired.max_session.unwrap_or(DEFAULT_MAX_SESSION as i32)),
        });
    }
    if has("permissions-boundary") {
        calls.push(match &desired.boundary {
            Some(arn) => Call::PutRolePermissionsBoundary(arn.clone()),
            None => Call::DeleteRolePermissionsBoundary,
        });
    }
    if has("managed-policy") {
        // Attach before detaching, so a role in use keeps its permissions while they move.
        for arn in &desired.managed {
            if !live_managed.contains(arn) {
                calls.push(Call::AttachRolePolicy(arn.clone()));
            }
        }
        for arn in live_managed {
            if !desired.managed.contains(arn) {
                calls.push(Call::DetachRolePolicy(arn.clone()));
            }
        }
    }
    if has("inline-policy") {
        let prior_inline = inline_of(prior);
        for (name, document) in &desired.inline {
            let live = live_inline_names.contains(name);
            let same = prior_inline
                .get(name)
                .is_some_and(|prior_doc| same_json(prior_doc, document));
            if !(live && same) {
                calls.push(Call::PutRolePolicy {
                    name: name.clone(),
                    document: document.clone(),
                });
            }
        }
        for name in live_inline_names {
            if !desired.inline.contains_key(name) {
                calls.push(Call::DeleteRolePolicy(name.clone()));
            }
        }
    }
    if has("tags") {
        let prior_tags = tags_of(prior.get("tags"));
        if !desired.tags.is_empty() && prior_tags != desired.tags {
            calls.push(Call::TagRole(desired.tags.clone()));
        }
        let gone: Vec<String> = prior_tags
            .keys()
            .filter(|k| !desired.tags.contains_key(*k))
            .cloned()
            .collect();
        if !gone.is_empty() {
            calls.push(Call::UntagRole(gone));
        }
    }
    Ok(calls)
}

/// The attributes of `desired` that differ from what is live (for adopting an existing role):
/// JSON documents compared as JSON, managed policies as a set.
fn changed_attrs(desired: &Spec, live: &Attrs) -> Vec<String> {
    let mut changed = Vec::new();
    let live_str = |k: &str| live.get(k).and_then(Value::as_str);
    let trust_changed = match &desired.trust {
        Some(Trust::Services(services)) => {
            let want = Value::List(services.iter().cloned().map(Value::String).collect());
            (live.get("assume-service") != Some(&want)).then_some("assume-service")
        }
        Some(Trust::Policy(text)) => (!live_str("assume-policy")
            .is_some_and(|l| same_json(l, text)))
        .then_some("assume-policy"),
        None => None,
    };
    changed.extend(trust_changed.map(str::to_string));
    if let Some(d) = &desired.description {
        if live_str("description").unwrap_or("") != d {
            changed.push("description".to_string());
        }
    }
    if let Some(m) = desired.max_session {
        if live.get("max-session-duration") != Some(&Value::Int(m.into())) {
            changed.push("max-session-duration".to_string());
        }
    }
    let live_managed: BTreeSet<&str> = match live.get("managed-policy") {
        Some(Value::List(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => BTreeSet::new(),
    };
    let want_managed: BTreeSet<&str> = desired.managed.iter().map(String::as_str).collect();
    if live_managed != want_managed {
        changed.push("managed-policy".to_string());
    }
    let live_inline = inline_of(live);
    let inline_same = live_inline.len() == desired.inline.len()
        && desired
            .inline
            .iter()
            .all(|(n, d)| live_inline.get(n).is_some_and(|l| same_json(l, d)));
    if !inline_same {
        changed.push("inline-policy".to_string());
    }
    if desired.boundary.as_deref() != live_str("permissions-boundary") {
        changed.push("permissions-boundary".to_string());
    }
    if tags_of(live.get("tags")) != desired.tags {
        changed.push("tags".to_string());
    }
    changed
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

/// `Ok(None)` for "no such entity", the value otherwise.
fn absent_ok<T, E, R>(
    operation: &str,
    result: Result<T, SdkError<E, R>>,
) -> Result<Option<T>, OpError>
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(op_error(operation, e)),
    }
}

async fn list_managed(
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<Option<Vec<String>>, OpError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .list_attached_role_policies()
            .role_name(role)
            .set_marker(marker.take())
            .send()
            .await;
        let Some(page) = absent_ok("ListAttachedRolePolicies", page)? else {
            return Ok(None);
        };
        out.extend(
            page.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_string)),
        );
        match page.marker() {
            Some(m) if page.is_truncated() => marker = Some(m.to_string()),
            _ => return Ok(Some(out)),
        }
    }
}

async fn list_inline_names(
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<Option<Vec<String>>, OpError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .list_role_policies()
            .role_name(role)
            .set_marker(marker.take())
            .send()
            .await;
        let Some(page) = absent_ok("ListRolePolicies", page)? else {
            return Ok(None);
        };
        out.extend(page.policy_names().iter().cloned());
        match page.marker() {
            Some(m) if page.is_truncated() => marker = Some(m.to_string()),
            _ => return Ok(Some(out)),
        }
    }
}

async fn list_instance_profiles(
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> Result<Option<Vec<String>>, OpError> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .list_instance_profiles_for_role()
            .role_name(role)
            .set_marker(marker.take())
            .send()
            .await;
        let Some(page) = absent_ok("ListInstanceProfilesForRole", page)? else {
            return Ok(None);
        };
        out.extend(
            page.instance_profiles()
                .iter()
                .map(|p| p.instance_profile_name().to_string()),
        );
        match page.marker() {
            Some(m) if page.is_truncated() => marker = Some(m.to_string()),
            _ => return Ok(Some(out)),
        }
    }
}

/// The documents of the named inline policies, fetched concurrently; a policy deleted between
/// the listing and its GetRolePolicy is left out.
async fn inline_documents(
    iam: &aws_sdk_iam::Client,
    role: &str,
    names: Vec<String>,
) -> Result<Vec<(String, String)>, OpError> {
    let mut tasks = tokio::task::JoinSet::new();
    for name in names {
        let iam = iam.clone();
        let role = role.to_string();
        tasks.spawn(async move {
            let out = iam
                .get_role_policy()
                .role_name(role)
                .policy_name(&name)
                .send()
                .await;
            absent_ok("GetRolePolicy", out)
                .map(|o| o.map(|o| (name, decode_policy(o.policy_document()))))
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
        if let Some(doc) = result? {
            docs.push(doc);
        }
    }
    docs.sort();
    Ok(docs)
}

impl Provider {
    /// GetRole, ListAttachedRolePolicies and ListRolePolicies concurrently, then GetRolePolicy
    /// per inline policy (concurrently).
    async fn read_role(&self, name: &str) -> Result<Option<Live>, OpError> {
        let (role, managed, names) = tokio::join!(
            self.iam.get_role().role_name(name).send(),
            list_managed(&self.iam, name),
            list_inline_names(&self.iam, name),
        );
        let Some(role) = absent_ok("GetRole", role)? else {
            return Ok(None);
        };
        let Some(role) = role.role() else {
            return Ok(None);
        };
        // A role deleted between the calls reads as gone.
        let (Some(managed), Some(names)) = (managed?, names?) else {
            return Ok(None);
        };
        let inline = inline_documents(&self.iam, name, names).await?;
        Ok(Some(Live {
            id: role.role_name().to_string(),
            attrs: role_attrs(role, &managed, &inline),
        }))
    }

    async fn run(&self, role: &str, call: &Call) -> Result<(), OpError> {
        let iam = &self.iam;
        match call {
            Call::UpdateAssumeRolePolicy(doc) => iam
                .update_assume_role_policy()
                .role_name(role)
                .policy_document(doc)
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("UpdateAssumeRolePolicy", e)),
            Call::UpdateRole {
                description,
                max_session,
            } => iam
                .update_role()
                .role_name(role)
                .set_description(description.clone())
                .set_max_session_duration(*max_session)
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("UpdateRole", e)),
            Call::PutRolePermissionsBoundary(arn) => iam
                .put_role_permissions_boundary()
                .role_name(role)
                .permissions_boundary(arn)
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("PutRolePermissionsBoundary", e)),
            Call::DeleteRolePermissionsBoundary => absent_ok(
                "DeleteRolePermissionsBoundary",
                iam.delete_role_permissions_boundary()
                    .role_name(role)
                    .send()
                    .await,
            )
            .map(drop),
            Call::AttachRolePolicy(arn) => iam
                .attach_role_policy()
                .role_name(role)
                .policy_arn(arn)
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("AttachRolePolicy", e)),
            Call::DetachRolePolicy(arn) => absent_ok(
                "DetachRolePolicy",
                iam.detach_role_policy()
                    .role_name(role)
                    .policy_arn(arn)
                    .send()
                    .await,
            )
            .map(drop),
            Call::PutRolePolicy { name, document } => iam
                .put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(document)
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("PutRolePolicy", e)),
            Call::DeleteRolePolicy(name) => absent_ok(
                "DeleteRolePolicy",
                iam.delete_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .send()
                    .await,
            )
            .map(drop),
            Call::TagRole(tags) => iam
                .tag_role()
                .role_name(role)
                .set_tags(Some(sdk_tags(tags, "TagRole")?))
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("TagRole", e)),
            Call::UntagRole(keys) => iam
                .untag_role()
                .role_name(role)
                .set_tag_keys(Some(keys.clone()))
                .send()
                .await
                .map(drop)
                .map_err(|e| op_error("UntagRole", e)),
        }
    }

    /// Applies `changed` from `prior` to `desired` and reads the result.
    async fn apply_changes(
        &self,
        role: &str,
        prior: &Attrs,
        desired: &Spec,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let has = |k: &str| changed.iter().any(|c| c == k);
        let live_managed = if has("managed-policy") {
            list_managed(&self.iam, role)
                .await?
                .ok_or_else(|| gone(role))?
        } else {
            Vec::new()
        };
        let live_inline = if has("inline-policy") {
            list_inline_names(&self.iam, role)
                .await?
                .ok_or_else(|| gone(role))?
        } else {
            Vec::new()
        };
        for call in update_calls(prior, desired, changed, &live_managed, &live_inline)? {
            self.run(role, &call).await?;
        }
        self.read_role(role).await?.ok_or_else(|| gone(role))
    }
}

/// The error for a role that vanished while eco was working on it.
fn gone(role: &str) -> OpError {
    OpError::new(
        "GetRole",
        ErrorKind::Conflict,
        format!("IAM role `{role}` no longer exists (deleted outside eco during the operation)"),
    )
}

#[async_trait::async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

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
                Err(e) => return Some(Err(crate::aws::op_error("ListRoles", e))),
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
        Some(crate::aws::read_each(names, |name| async move { self.read_role(&name).await }).await)
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_role(id).await
    }

    /// The role named in `desired`, when it exists and carries this address's ownership tags.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let spec = spec_of(desired, "GetRole")?;
        let name = spec.name("GetRole")?;
        let Some(live) = self.read_role(name).await? else {
            return Ok(None);
        };
        let tags = tags_of(live.attrs.get("tags"));
        if ctx.owns(&tags) {
            Ok(Some(live))
        } else {
            Err(not_ours(ctx, "GetRole", name, &tags))
        }
    }

    /// CreateRole with the trust policy, path, description, session length, boundary and tags
    /// (so ownership is recorded by the first call), then AttachRolePolicy and PutRolePolicy per
    /// policy. When the name is taken by a role of this address (a re-run after a crash), the
    /// role is adopted and brought to `desired`; taken by anyone else, it is a Conflict.
    async fn create(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Live, OpError> {
        let spec = spec_of(desired, "CreateRole")?;
        let name = spec.name("CreateRole")?;
        let trust = spec.trust("CreateRole")?;
        let created = self
            .iam
            .create_role()
            .role_name(name)
            .set_path(spec.path.clone())
            .assume_role_policy_document(trust.document())
            .set_description(spec.description.clone())
            .set_max_session_duration(spec.max_session)
            .set_permissions_boundary(spec.boundary.clone())
            .set_tags(
                (!spec.tags.is_empty())
                    .then(|| sdk_tags(&spec.tags, "CreateRole"))
                    .transpose()?,
            )
            .send()
            .await;
        match created {
            Ok(out) => {
                let role = out.role().ok_or_else(|| {
                    OpError::new(
                        "CreateRole",
                        ErrorKind::Other,
                        "CreateRole returned no role",
                    )
                })?;
                let mut calls: Vec<Call> = spec
                    .managed
                    .iter()
                    .cloned()
                    .map(Call::AttachRolePolicy)
                    .collect();
                calls.extend(
                    spec.inline
                        .iter()
                        .map(|(name, document)| Call::PutRolePolicy {
                            name: name.clone(),
                            document: document.clone(),
                        }),
                );
                for call in &calls {
                    self.run(name, call).await?;
                }
                // The result from CreateRole's answer plus what was attached and put (no
                // re-read); tags and boundary are what IAM accepted.
                let inline: Vec<(String, String)> = spec
                    .inline
                    .iter()
                    .map(|(n, d)| (n.clone(), d.clone()))
                    .collect();
                let mut attrs = role_attrs(role, &spec.managed, &inline);
                if !spec.tags.is_empty() {
                    attrs.insert("tags".into(), tags_value(&spec.tags));
                }
                if let Some(b) = &spec.boundary {
                    attrs.insert("permissions-boundary".into(), Value::String(b.clone()));
                }
                Ok(Live {
                    id: role.role_name().to_string(),
                    attrs,
                })
            }
            Err(e) if crate::aws::error_code(&e) == Some("EntityAlreadyExists") => {
                let Some(live) = self.read_role(name).await? else {
                    // Deleted between the two calls: the engine's retry creates it.
                    return Err(OpError::new(
                        "CreateRole",
                        ErrorKind::Retryable,
                        format!("IAM role `{name}` was deleted while eco was adopting it"),
                    ));
                };
                let tags = tags_of(live.attrs.get("tags"));
                if !ctx.owns(&tags) {
                    return Err(not_ours(ctx, "CreateRole", name, &tags));
                }
                if let Some(path) = &spec.path {
                    if live.attrs.get("path").and_then(Value::as_str) != Some(path.as_str()) {
                        return Err(OpError::new(
                            "CreateRole",
                            ErrorKind::Conflict,
                            format!(
                                "IAM role `{name}` (ours) exists with another path than `{path}`; \
                                 IAM cannot move a role: delete it or change the path back"
                            ),
                        ));
                    }
                }
                let changed = changed_attrs(&spec, &live.attrs);
                if changed.is_empty() {
                    return Ok(live);
                }
                self.apply_changes(name, &live.attrs, &spec, &changed).await
            }
            Err(e) => Err(op_error("CreateRole", e)),
        }
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
            self.run(id, &Call::DetachRolePolicy(arn)).await?;
        }
        for name in inline {
            self.run(id, &Call::DeleteRolePolicy(name)).await?;
        }
        for profile in profiles {
            absent_ok(
                "RemoveRoleFromInstanceProfile",
                self.iam
                    .remove_role_from_instance_profile()
                    .instance_profile_name(profile)
                    .role_name(id)
                    .send()
                    .await,
            )?;
        }
        absent_ok(
            "DeleteRole",
            self.iam.delete_role().role_name(id).send().await,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::types::AttachedPermissionsBoundary;
    use eco_provider::{TAG_ADDRESS, TAG_PROJECT, TAG_STAGE};

    fn s(v: &str) -> Value {
        Value::String(v.to_string())
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|i| s(i)).collect())
    }

    fn inline(name: &str, doc: &str) -> Value {
        Value::Map(BTreeMap::from([
            ("name".to_string(), s(name)),
            ("document".to_string(), s(doc)),
        ]))
    }

    const DOC_A: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    const DOC_B: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#;

    fn base() -> Attrs {
        Attrs::from([
            ("name".to_string(), s("api")),
            (
                "assume-service".to_string(),
                list(&["lambda.amazonaws.com"]),
            ),
        ])
    }

    #[test]
    fn spec_reads_every_attribute() {
        let mut d = base();
        d.insert("path".into(), s("/svc/"));
        d.insert("description".into(), s("the api"));
        d.insert(
            "managed-policy".into(),
            list(&["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/A"]),
        );
        d.insert(
            "inline-policy".into(),
            Value::List(vec![inline("read", DOC_A)]),
        );
        d.insert("max-session-duration".into(), Value::Int(7200));
        d.insert(
            "permissions-boundary".into(),
            s("arn:aws:iam::aws:policy/PowerUserAccess"),
        );
        d.insert(
            "tags".into(),
            Value::Map(BTreeMap::from([("team".to_string(), s("platform"))])),
        );
        let spec = spec_of(&d, "CreateRole").unwrap();
        assert_eq!(spec.name.as_deref(), Some("api"));
        assert_eq!(spec.path.as_deref(), Some("/svc/"));
        assert_eq!(
            spec.trust,
            Some(Trust::Services(vec!["lambda.amazonaws.com".into()]))
        );
        assert_eq!(spec.managed, vec!["arn:aws:iam::aws:policy/A".to_string()]);
        assert_eq!(spec.inline.get("read").map(String::as_str), Some(DOC_A));
        assert_eq!(spec.max_session, Some(7200));
        assert_eq!(spec.tags.get("team").map(String::as_str), Some("platform"));
    }

    #[test]
    fn spec_refuses_invalid_values_before_calling_aws() {
        let cases: Vec<(&str, Value)> = vec![
            ("name", s("has space")),
            ("name", s(&"x".repeat(65))),
            ("path", s("no-slashes")),
            ("max-session-duration", Value::Int(60)),
            ("max-session-duration", Value::Int(50000)),
            ("assume-policy", s("{not json")),
            ("assume-service", Value::List(vec![])),
            ("managed-policy", list(&["AWSLambdaBasicExecutionRole"])),
            (
                "inline-policy",
                Value::List(vec![inline("a", DOC_A), inline("a", DOC_B)]),
            ),
            ("inline-policy", Value::List(vec![inline("a", "[1")])),
            ("permissions-boundary", s("PowerUserAccess")),
        ];
        for (key, value) in cases {
            let mut d = base();
            d.insert(key.to_string(), value.clone());
            let err = spec_of(&d, "CreateRole").expect_err(&format!("{key} = {value:?}"));
            assert_eq!(err.kind, ErrorKind::Invalid, "{key}: {err}");
            assert_eq!(err.operation, "CreateRole");
        }
        // Both trust forms at once.
        let mut d = base();
        d.insert("assume-policy".into(), s(DOC_A));
        assert_eq!(
            spec_of(&d, "CreateRole").unwrap_err().kind,
            ErrorKind::Invalid
        );
        // No trust at all: fine for an update that does not touch it, refused by create.
        let mut d = base();
        d.remove("assume-service");
        let spec = spec_of(&d, "CreateRole").unwrap();
        assert_eq!(
            spec.trust("CreateRole").unwrap_err().kind,
            ErrorKind::Invalid
        );
    }

    #[test]
    fn generated_trust_policy_reads_back_as_its_services() {
        let one = service_trust_policy(&["lambda.amazonaws.com".into()]);
        assert_eq!(
            one,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        );
        assert_eq!(
            services_of_trust(&one),
            Some(vec!["lambda.amazonaws.com".to_string()])
        );
        let two = vec![
            "states.amazonaws.com".to_string(),
            "lambda.amazonaws.com".to_string(),
        ];
        assert_eq!(services_of_trust(&service_trust_policy(&two)), Some(two));
        // The console's shape (a Sid "", a lone statement, a one-item action list) counts too.
        let console = r#"{"Version":"2012-10-17","Statement":{"Sid":"","Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}}"#;
        assert_eq!(
            services_of_trust(console),
            Some(vec!["ec2.amazonaws.com".to_string()])
        );
    }

    #[test]
    fn other_trust_policies_are_not_services() {
        for doc in [
            // A condition.
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"1"}}}]}"#,
            // An account principal.
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"}]}"#,
            // Two statements.
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"a"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Service":"b"},"Action":"sts:AssumeRole"}]}"#,
            // Another action, another version, a Deny.
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"a"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#,
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"a"},"Action":"sts:AssumeRole"}]}"#,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"Service":"a"},"Action":"sts:AssumeRole"}]}"#,
            "not json",
        ] {
            assert_eq!(services_of_trust(doc), None, "{doc}");
        }
    }

    #[test]
    fn policy_documents_are_url_decoded() {
        // As IAM (and moto) send them.
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%2C%22x%22%3A%22a%20b%2Bc%25%22%7D";
        assert_eq!(
            decode_policy(encoded),
            r#"{"Version": "2012-10-17","x":"a b+c%"}"#
        );
        assert_eq!(decode_policy("%7B%22a%22%3A+1%7D"), r#"{"a": 1}"#);
        // Plain JSON (moto's ListRoles) is left alone, even with a % inside.
        assert_eq!(decode_policy(r#"{"a":"50%"}"#), r#"{"a":"50%"}"#);
        // A stray % is kept.
        assert_eq!(decode_policy("%7B%ZZ%7D"), "{%ZZ}");
    }

    fn role(doc: &str) -> Role {
        Role::builder()
            .path("/")
            .role_name("api")
            .role_id("AROAEXAMPLE")
            .arn("arn:aws:iam::123456789012:role/api")
            .create_date(aws_smithy_types::DateTime::from_secs(0))
            .assume_role_policy_document(doc)
            .max_session_duration(7200)
            .tags(
                Tag::builder()
                    .key("eco:project")
                    .value("p")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    }

    #[test]
    fn role_attrs_report_everything_in_config_shape() {
        let doc = service_trust_policy(&["lambda.amazonaws.com".into()]);
        let encoded: String = doc
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let mut r = role(&encoded);
        r.permissions_boundary = Some(
            AttachedPermissionsBoundary::builder()
                .permissions_boundary_arn("arn:aws:iam::aws:policy/B")
                .build(),
        );
        let attrs = role_attrs(
            &r,
            &["arn:z".to_string(), "arn:a".to_string()],
            &[("zz".into(), DOC_B.into()), ("aa".into(), DOC_A.into())],
        );
        assert_eq!(attrs["name"], s("api"));
        assert_eq!(attrs["path"], s("/"));
        assert_eq!(attrs["arn"], s("arn:aws:iam::123456789012:role/api"));
        assert_eq!(attrs["unique-id"], s("AROAEXAMPLE"));
        assert_eq!(attrs["max-session-duration"], Value::Int(7200));
        assert_eq!(attrs["assume-service"], list(&["lambda.amazonaws.com"]));
        assert_eq!(attrs["assume-policy"], s(&doc));
        assert_eq!(attrs["managed-policy"], list(&["arn:a", "arn:z"]));
        assert_eq!(
            attrs["inline-policy"],
            Value::List(vec![inline("aa", DOC_A), inline("zz", DOC_B)])
        );
        assert_eq!(
            attrs["permissions-boundary"],
            s("arn:aws:iam::aws:policy/B")
        );
        assert_eq!(
            attrs["tags"],
            Value::Map(BTreeMap::from([("eco:project".to_string(), s("p"))]))
        );
        assert!(!attrs.contains_key("description"));
    }

    #[test]
    fn role_attrs_omit_what_is_absent_and_keep_custom_trust_as_policy() {
        let custom = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"sts:AssumeRole"}]}"#;
        let attrs = role_attrs(&role(custom), &[], &[]);
        assert_eq!(attrs["assume-policy"], s(custom));
        for absent in [
            "assume-service",
            "managed-policy",
            "inline-policy",
            "permissions-boundary",
            "description",
        ] {
            assert!(!attrs.contains_key(absent), "{absent}");
        }
    }

    #[test]
    fn sdk_tags_carry_every_tag() {
        let tags = BTreeMap::from([
            ("eco:project".to_string(), "p".to_string()),
            ("team".to_string(), "x".to_string()),
        ]);
        let sdk = sdk_tags(&tags, "CreateRole").unwrap();
        let back: BTreeMap<String, String> = sdk
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        assert_eq!(back, tags);
    }

    fn changed(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn update_calls_cover_each_attribute() {
        let prior = Attrs::from([
            (
                "inline-policy".to_string(),
                Value::List(vec![
                    inline("keep", DOC_A),
                    inline("edit", DOC_A),
                    inline("drop", DOC_A),
                ]),
            ),
            (
                "tags".to_string(),
                Value::Map(BTreeMap::from([
                    ("a".to_string(), s("1")),
                    ("old".to_string(), s("x")),
                ])),
            ),
        ]);
        let mut d = base();
        d.insert("description".into(), s("new"));
        d.insert("managed-policy".into(), list(&["arn:new", "arn:keep"]));
        d.insert(
            "inline-policy".into(),
            Value::List(vec![
                inline("keep", DOC_A),
                inline("edit", DOC_B),
                inline("add", DOC_B),
            ]),
        );
        d.insert(
            "tags".into(),
            Value::Map(BTreeMap::from([("a".to_string(), s("2"))])),
        );
        let spec = spec_of(&d, "UpdateRole").unwrap();
        let calls = update_calls(
            &prior,
            &spec,
            &changed(&[
                "assume-service",
                "description",
                "managed-policy",
                "inline-policy",
                "permissions-boundary",
                "tags",
            ]),
            &["arn:keep".to_string(), "arn:old".to_string()],
            &["keep".to_string(), "edit".to_string(), "drop".to_string()],
        )
        .unwrap();
        assert_eq!(
            calls,
            vec![
                Call::UpdateAssumeRolePolicy(service_trust_policy(
                    &["lambda.amazonaws.com".into()]
                )),
                Call::UpdateRole {
                    description: Some("new".into()),
                    max_session: None
                },
                Call::DeleteRolePermissionsBoundary,
                Call::AttachRolePolicy("arn:new".into()),
                Call::DetachRolePolicy("arn:old".into()),
                Call::PutRolePolicy {
                    name: "add".into(),
                    document: DOC_B.into()
                },
                Call::PutRolePolicy {
                    name: "edit".into(),
                    document: DOC_B.into()
                },
                Call::DeleteRolePolicy("drop".into()),
                Call::TagRole(BTreeMap::from([("a".to_string(), "2".to_string())])),
                Call::UntagRole(vec!["old".into()]),
            ]
        );
    }

    #[test]
    fn removed_attributes_reset_to_their_off_values() {
        let mut d = base();
        d.insert(
            "permissions-boundary".into(),
            s("arn:aws:iam::aws:policy/B"),
        );
        let spec = spec_of(&d, "UpdateRole").unwrap();
        let calls = update_calls(
            &Attrs::new(),
            &spec,
            &changed(&[
                "description",
                "max-session-duration",
                "permissions-boundary",
            ]),
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(
            calls,
            vec![
                Call::UpdateRole {
                    description: Some(String::new()),
                    max_session: Some(3600)
                },
                Call::PutRolePermissionsBoundary("arn:aws:iam::aws:policy/B".into()),
            ]
        );
    }

    #[test]
    fn update_refuses_what_forces_replacement() {
        let spec = spec_of(&base(), "UpdateRole").unwrap();
        for key in ["name", "path", "no-such-attr"] {
            let err = update_calls(&Attrs::new(), &spec, &changed(&[key]), &[], &[]).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Invalid, "{key}");
        }
        // Trust changed but removed from the configuration: nothing to send.
        let mut d = base();
        d.remove("assume-service");
        let spec = spec_of(&d, "UpdateRole").unwrap();
        assert!(
            update_calls(&Attrs::new(), &spec, &changed(&["assume-policy"]), &[], &[]).is_err()
        );
    }

    #[test]
    fn adoption_changes_only_what_differs() {
        let live = role_attrs(
            &role(&service_trust_policy(&["lambda.amazonaws.com".into()])),
            &["arn:b".to_string(), "arn:a".to_string()],
            &[(
                "p".into(),
                r#"{"Statement": [], "Version": "2012-10-17"}"#.into(),
            )],
        );
        let mut d = base();
        d.insert("managed-policy".into(), list(&["arn:a", "arn:b"]));
        d.insert(
            "inline-policy".into(),
            Value::List(vec![inline(
                "p",
                r#"{"Version":"2012-10-17","Statement":[]}"#,
            )]),
        );
        d.insert("max-session-duration".into(), Value::Int(7200));
        d.insert(
            "tags".into(),
            Value::Map(BTreeMap::from([("eco:project".to_string(), s("p"))])),
        );
        assert_eq!(
            changed_attrs(&spec_of(&d, "CreateRole").unwrap(), &live),
            Vec::<String>::new()
        );
        d.insert("description".into(), s("x"));
        d.insert("assume-service".into(), list(&["ec2.amazonaws.com"]));
        assert_eq!(
            changed_attrs(&spec_of(&d, "CreateRole").unwrap(), &live),
            vec!["assume-service".to_string(), "description".to_string()]
        );
    }

    #[test]
    fn conflict_names_the_owner() {
        let ctx = OpContext::new("iam-role.api", "ecogy", "dev");
        let theirs = BTreeMap::from([
            (TAG_PROJECT.to_string(), "other".to_string()),
            (TAG_STAGE.to_string(), "prod".to_string()),
            (TAG_ADDRESS.to_string(), "iam-role.x".to_string()),
        ]);
        let err = not_ours(&ctx, "CreateRole", "api", &theirs);
        assert_eq!(err.kind, ErrorKind::Conflict);
        assert!(
            err.message
                .contains("eco project `other`, stage `prod`, address `iam-role.x`"),
            "{err}"
        );
        let err = not_ours(&ctx, "CreateRole", "api", &BTreeMap::new());
        assert!(err.message.contains("eco import iam-role.api api"), "{err}");
    }
}
