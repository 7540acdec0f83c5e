//! The typed spec of `iam-role`: each attribute's name, shape, update strategy and documentation,
//! written once; the checks IAM would otherwise make after a call; and the trust policy eco
//! generates for `assume-service` (and recognises when reading it back).

use std::collections::BTreeMap;

use eco_provider::{Attrs, OpError};
use eco_schema::Spec;

/// The policy language version eco writes into generated trust policies.
const POLICY_VERSION: &str = "2012-10-17";
/// What IAM gives a role created without `MaxSessionDuration` (and what eco resets it to when
/// the attribute is removed from configuration).
pub const DEFAULT_MAX_SESSION: i64 = 3600;
const MAX_SESSION_RANGE: std::ops::RangeInclusive<i64> = 3600..=43200;
const TY: &str = "iam-role";

/// An inline policy: `inline-policy "read" document="..."`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "name")]
pub struct InlinePolicy {
    /// policy name
    pub name: String,
    /// policy JSON document
    #[eco(json)]
    pub document: String,
}

/// A role: the desired configuration (validated by [`spec_of`]) or what IAM reports, in one
/// shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "iam-role",
    doc = "An IAM role: trust policy, managed and inline policies",
    import_id = "the role name"
)]
pub struct IamRole {
    /// role name; IAM cannot rename a role
    #[eco(replace, name_rule = Iam)]
    pub name: String,
    /// role path (default /); IAM cannot move a role
    #[eco(replace)]
    pub path: Option<String>,
    /// description (UpdateRole)
    pub description: Option<String>,
    // Duplicates dropped, in the order given.
    /// service principals trusted to assume the role, e.g. lambda.amazonaws.com
    /// (UpdateAssumeRolePolicy)
    pub assume_service: Option<Vec<String>>,
    /// full trust policy JSON, instead of assume-service (UpdateAssumeRolePolicy)
    #[eco(json)]
    pub assume_policy: Option<String>,
    // Duplicates dropped.
    /// ARNs of managed policies to attach (AttachRolePolicy / DetachRolePolicy)
    #[eco(unordered)]
    pub managed_policy: Vec<String>,
    /// an inline policy (PutRolePolicy / DeleteRolePolicy)
    pub inline_policy: Vec<InlinePolicy>,
    /// maximum session length in seconds, 3600 to 43200 (UpdateRole)
    pub max_session_duration: Option<i64>,
    /// ARN of the permissions boundary policy (PutRolePermissionsBoundary)
    pub permissions_boundary: Option<String>,
    /// role ARN
    #[eco(computed, derived_from = "name, path")]
    pub arn: Option<String>,
    /// stable role id (AROA...)
    #[eco(computed)]
    pub unique_id: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

/// Where the trust policy comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Trust {
    /// `assume-service`: eco generates the policy (services in the order given, duplicates
    /// dropped).
    Services(Vec<String>),
    /// `assume-policy`: the user's JSON text, sent as is.
    Policy(String),
}

impl Trust {
    pub fn document(&self) -> String {
        match self {
            Trust::Services(services) => service_trust_policy(services),
            Trust::Policy(text) => text.clone(),
        }
    }
}

impl IamRole {
    /// The trust policy; create and a trust change need one.
    pub fn trust(&self, operation: &str) -> Result<Trust, OpError> {
        self.trust_opt().ok_or_else(|| {
            OpError::invalid(
                operation,
                "iam-role: a trust policy is required: set `assume-service` (e.g. \
                 \"lambda.amazonaws.com\") or `assume-policy`",
            )
        })
    }

    pub fn trust_opt(&self) -> Option<Trust> {
        match (&self.assume_service, &self.assume_policy) {
            (Some(services), _) => Some(Trust::Services(services.clone())),
            (None, Some(policy)) => Some(Trust::Policy(policy.clone())),
            (None, None) => None,
        }
    }

    /// Inline policies: name -> document.
    pub fn inline(&self) -> BTreeMap<String, String> {
        self.inline_policy
            .iter()
            .map(|p| (p.name.clone(), p.document.clone()))
            .collect()
    }

    /// The session length as IAM takes it.
    pub fn max_session(&self) -> Option<i32> {
        self.max_session_duration.map(|n| n as i32)
    }
}

fn invalid(op: &str, message: impl std::fmt::Display) -> OpError {
    OpError::invalid(op, format!("{TY}: {message}"))
}

/// `Err(invalid(op, message))` unless `ok`.
fn ensure(ok: bool, op: &str, message: impl std::fmt::Display) -> Result<(), OpError> {
    ok.then_some(()).ok_or_else(|| invalid(op, message))
}

fn check_json(text: &str, what: &str, op: &str) -> Result<(), OpError> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => ensure(v.is_object(), op, format!("{what} must be a JSON object")),
        Err(e) => Err(invalid(op, format!("{what} is not valid JSON: {e}"))),
    }
}

fn valid_name(name: &str, max: usize) -> bool {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    !name.is_empty() && name.len() <= max && ok_chars
}

/// Drops repeated items (keeping the first) and refuses empty ones.
fn dedup(items: &mut Vec<String>, key: &str, op: &str) -> Result<(), OpError> {
    let no_empty = !items.iter().any(String::is_empty);
    ensure(no_empty, op, format!("`{key}` holds an empty string"))?;
    let mut seen = std::collections::BTreeSet::new();
    items.retain(|i| seen.insert(i.clone()));
    Ok(())
}

/// Reads and validates the desired attributes (everything IAM would refuse and that is cheap to
/// check here: name characters and length, path shape, session range, JSON syntax, duplicates).
pub fn spec_of(desired: &Attrs, op: &str) -> Result<IamRole, OpError> {
    let mut spec = IamRole::from_attrs(desired).map_err(|e| invalid(op, e))?;
    let name = &spec.name;
    let why = "1 to 64 characters: letters, digits and +=,.@_-";
    let bad_name = format!("name `{name}` is not a valid role name ({why})");
    ensure(valid_name(name, 64), op, bad_name)?;
    if let Some(path) = &spec.path {
        let ok = path.starts_with('/') && path.ends_with('/') && path.len() <= 512;
        let why = format!("path `{path}` must begin and end with / (e.g. /service/)");
        ensure(ok, op, why)?;
    }
    let long = spec
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 1000);
    ensure(!long, op, "description is longer than 1000 characters")?;
    let both = spec.assume_service.is_some() && spec.assume_policy.is_some();
    let why = "set either `assume-service` or `assume-policy`, not both";
    ensure(!both, op, why)?;
    if let Some(services) = &mut spec.assume_service {
        dedup(services, "assume-service", op)?;
        let why = "`assume-service` needs at least one service principal";
        ensure(!services.is_empty(), op, why)?;
    }
    if let Some(policy) = &spec.assume_policy {
        check_json(policy, "assume-policy", op)?;
    }
    dedup(&mut spec.managed_policy, "managed-policy", op)?;
    if let Some(bad) = spec.managed_policy.iter().find(|a| !a.starts_with("arn:")) {
        return Err(invalid(
            op,
            format!("managed-policy `{bad}` is not a policy ARN"),
        ));
    }
    let mut names = std::collections::BTreeSet::new();
    for InlinePolicy { name, document } in &spec.inline_policy {
        let why = format!("inline-policy name `{name}` is not a valid policy name");
        ensure(valid_name(name, 128), op, why)?;
        check_json(document, &format!("inline-policy `{name}`"), op)?;
        let why = format!("inline-policy `{name}` is given twice");
        ensure(names.insert(name), op, why)?;
    }
    if let Some(n) = spec.max_session_duration {
        let why = "max-session-duration must be a number of seconds from 3600 to 43200";
        ensure(
            MAX_SESSION_RANGE.contains(&n),
            op,
            format!("{why}, got {n}"),
        )?;
    }
    if let Some(b) = spec.permissions_boundary.as_ref() {
        let why = format!("permissions-boundary `{b}` is not a policy ARN");
        ensure(b.starts_with("arn:"), op, why)?;
    }
    let why = "IAM allows at most 50 tags on a role";
    ensure(spec.tags.len() <= 50, op, why)?;
    Ok(spec)
}

/// The trust policy eco generates for `assume-service`: one Allow statement with action
/// `sts:AssumeRole` and the service principals (a single service as a plain string, which is
/// what CodePipeline insists on; several as a list, in the order given).
pub fn service_trust_policy(services: &[String]) -> String {
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
pub fn services_of_trust(document: &str) -> Option<Vec<String>> {
    use serde_json::Value as J;
    let doc: serde_json::Map<String, J> = serde_json::from_str(document).ok()?;
    if doc.len() != 2 || doc.get("Version")?.as_str()? != POLICY_VERSION {
        return None;
    }
    let stmt = match doc.get("Statement")? {
        J::Array(items) if items.len() == 1 => items[0].as_object()?,
        one => one.as_object()?,
    };
    let known = |k: &String| match k.as_str() {
        "Effect" | "Principal" | "Action" => true,
        "Sid" => stmt[k].as_str() == Some(""),
        _ => false,
    };
    let action_ok = match stmt.get("Action")? {
        J::Array(items) => items.len() == 1 && items[0].as_str() == Some("sts:AssumeRole"),
        one => one.as_str() == Some("sts:AssumeRole"),
    };
    let principal = stmt.get("Principal")?.as_object()?;
    let effect = stmt.get("Effect")?.as_str()?;
    if !stmt.keys().all(known) || effect != "Allow" || !action_ok || principal.len() != 1 {
        return None;
    }
    match principal.get("Service")? {
        J::String(s) => Some(vec![s.clone()]),
        J::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => None,
    }
}
