//! The state document: what eco knows about the resources of one stage.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::StateError;

/// The state format this eco writes. Older formats are upgraded on read; newer ones are refused.
pub const FORMAT_VERSION: u64 = 1;

/// The version of eco recorded in every state it writes.
pub const ECO_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The state of one stage: every resource eco manages there, its outputs, and the operations in
/// flight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The document format ([`FORMAT_VERSION`]).
    pub format_version: u64,
    /// The eco that last wrote this state.
    pub eco_version: String,
    /// Incremented by one on every write.
    pub serial: u64,
    /// A UUID fixed when the state is created; a state of another lineage is another history.
    pub lineage: String,
    /// The stage this state belongs to.
    pub stage: String,
    /// The resources, sorted by address.
    #[serde(default)]
    pub resources: Vec<ResourceState>,
    /// Output values by name.
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputValue>,
    /// Write-ahead intents: operations started but not yet recorded as done.
    #[serde(default)]
    pub pending: Vec<PendingIntent>,
}

/// One managed resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// `TYPE.NAME`, e.g. `s3-bucket.site`.
    pub address: String,
    /// The resource type, e.g. `s3-bucket`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The identifier AWS knows it by (bucket name, ARN, id).
    pub id: String,
    /// Every attribute, as last read from or written to AWS.
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// Addresses this resource depends on (kept so a destroy can run in reverse order even after
    /// the configuration lost the resource).
    #[serde(default)]
    pub dependencies: Vec<String>,
}

/// An output value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputValue {
    /// The value.
    pub value: Value,
    /// A sensitive output is never printed unless asked for by name.
    #[serde(default)]
    pub sensitive: bool,
}

/// The kind of operation a write-ahead intent records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// A create call.
    Create,
    /// An in-place update.
    Update,
    /// A replacement (delete + create, in either order).
    Replace,
    /// A delete call.
    Delete,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Replace => "replace",
            Operation::Delete => "delete",
        })
    }
}

/// A write-ahead intent: recorded (durably) before the AWS call, replaced by the result after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingIntent {
    /// The resource's address.
    pub address: String,
    /// What the call does.
    pub operation: Operation,
    /// The idempotency token or name the call uses, to find its result after a crash.
    pub token: String,
    /// When the intent was recorded (RFC 3339, UTC).
    pub started: String,
    /// For a create or replacement: the attributes it creates the resource with, so that what
    /// it made can be found after a crash even when the configuration no longer has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired: Option<serde_json::Map<String, serde_json::Value>>,
    /// For a create-before-destroy replacement: the id of the old resource, live while the new
    /// one is made. What the create made is never that one (settling skips it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

impl PendingIntent {
    /// An intent started now.
    pub fn new(address: impl Into<String>, operation: Operation, token: impl Into<String>) -> Self {
        PendingIntent {
            address: address.into(),
            operation,
            token: token.into(),
            started: now_rfc3339(),
            desired: None,
            replaces: None,
        }
    }

    /// The same intent, recording the attributes its create uses.
    pub fn with_desired(mut self, desired: serde_json::Map<String, serde_json::Value>) -> Self {
        self.desired = Some(desired);
        self
    }

    /// The same intent, recording the old resource a create-before-destroy replacement replaces.
    pub fn replacing(mut self, old_id: Option<String>) -> Self {
        self.replaces = old_id;
        self
    }
}

/// The current time as RFC 3339 (UTC), as recorded in intents and lock info.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown".to_string())
}

/// An upgrade from format `n` to `n + 1`, applied to the raw JSON document.
pub(crate) type Upgrade = fn(&mut Map<String, Value>) -> Result<(), String>;

/// `UPGRADES[i]` upgrades format `i + 1` to `i + 2`. Format 1 is the first, so there are none yet;
/// format 2 adds its step here and bumps [`FORMAT_VERSION`].
const UPGRADES: &[Upgrade] = &[];

impl State {
    /// An empty state for `stage`, with a fresh lineage and serial 0 (never written).
    pub fn new(stage: impl Into<String>) -> State {
        State {
            format_version: FORMAT_VERSION,
            eco_version: ECO_VERSION.to_string(),
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            stage: stage.into(),
            resources: Vec::new(),
            outputs: BTreeMap::new(),
            pending: Vec::new(),
        }
    }

    /// Parses a stored state, upgrading older formats. `location` names where it was read from,
    /// for error messages; `hint` says how to recover a corrupt document there.
    pub fn from_json(bytes: &[u8], location: &str, hint: &str) -> Result<State, StateError> {
        parse_with(bytes, location, hint, UPGRADES)
    }

    /// The state as pretty-printed JSON (the stored form), ending in a newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out =
            serde_json::to_vec_pretty(self).expect("state serializes: all keys are strings");
        out.push(b'\n');
        out
    }

    /// The resource at `address`.
    pub fn resource(&self, address: &str) -> Option<&ResourceState> {
        self.position(address).ok().map(|i| &self.resources[i])
    }

    /// The resource at `address`, mutably.
    pub fn resource_mut(&mut self, address: &str) -> Option<&mut ResourceState> {
        self.position(address)
            .ok()
            .map(move |i| &mut self.resources[i])
    }

    /// Inserts or replaces the resource at its address; returns the one it replaced.
    pub fn upsert(&mut self, resource: ResourceState) -> Option<ResourceState> {
        match self.position(&resource.address) {
            Ok(i) => Some(std::mem::replace(&mut self.resources[i], resource)),
            Err(i) => {
                self.resources.insert(i, resource);
                None
            }
        }
    }

    /// Inserts or replaces every resource (a later one of the same address wins), in
    /// O((N + k) log k) for k resources into a state of N, where k calls to [`State::upsert`]
    /// cost O(N k): replacements are made in place, new addresses are appended and merged in
    /// with one sort (a sorted run and an appended run: the sort merges them in linear time).
    pub fn upsert_all(&mut self, resources: impl IntoIterator<Item = ResourceState>) {
        self.upsert_all_by(resources, &mut |a, b| a.cmp(b));
    }

    /// [`State::upsert_all`] comparing addresses with `compare` (tests count its calls).
    pub(crate) fn upsert_all_by(
        &mut self,
        resources: impl IntoIterator<Item = ResourceState>,
        compare: &mut dyn FnMut(&str, &str) -> std::cmp::Ordering,
    ) {
        let sorted = self.resources.len();
        let mut appended: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        for resource in resources {
            if let Ok(i) = self.resources[..sorted]
                .binary_search_by(|r| compare(&r.address, &resource.address))
            {
                self.resources[i] = resource;
            } else if let Some(&i) = appended.get(&resource.address) {
                self.resources[i] = resource;
            } else {
                appended.insert(resource.address.clone(), self.resources.len());
                self.resources.push(resource);
            }
        }
        if !appended.is_empty() {
            self.resources
                .sort_by(|a, b| compare(&a.address, &b.address));
        }
    }

    /// Removes the resource at `address` (and any intent on it) from state; AWS is not touched.
    pub fn remove(&mut self, address: &str) -> Result<ResourceState, StateError> {
        let i = self
            .position(address)
            .map_err(|_| StateError::NoSuchResource(address.to_string()))?;
        self.pending.retain(|p| p.address != address);
        Ok(self.resources.remove(i))
    }

    /// Drops the write-ahead intents of `address` (`eco state rm` of an address an interrupted
    /// apply was creating); whether there were any.
    pub fn forget_intents(&mut self, address: &str) -> bool {
        let before = self.pending.len();
        self.pending.retain(|p| p.address != address);
        self.pending.len() != before
    }

    /// Renames a resource in state (`eco state mv`), rewriting other resources' dependencies on it.
    pub fn move_resource(&mut self, from: &str, to: &str) -> Result<(), StateError> {
        if from == to {
            return self
                .resource(from)
                .map(|_| ())
                .ok_or_else(|| StateError::NoSuchResource(from.into()));
        }
        if self.resource(to).is_some() {
            return Err(StateError::AddressTaken(to.to_string()));
        }
        let mut resource = self.remove(from)?;
        resource.address = to.to_string();
        if let Some(type_) = type_of_address(to) {
            resource.type_ = type_.to_string();
        }
        self.upsert(resource);
        for r in &mut self.resources {
            for d in &mut r.dependencies {
                if d == from {
                    *d = to.to_string();
                }
            }
        }
        Ok(())
    }

    /// Every address in state, sorted.
    pub fn addresses(&self) -> impl Iterator<Item = &str> {
        self.resources.iter().map(|r| r.address.as_str())
    }

    /// Records a write-ahead intent, replacing an earlier one on the same address.
    pub fn add_intent(&mut self, intent: PendingIntent) {
        self.pending.retain(|p| p.address != intent.address);
        self.pending.push(intent);
    }

    /// Removes the intent on `address`; returns it.
    pub fn take_intent(&mut self, address: &str) -> Option<PendingIntent> {
        let i = self.pending.iter().position(|p| p.address == address)?;
        Some(self.pending.remove(i))
    }

    fn position(&self, address: &str) -> Result<usize, usize> {
        self.resources
            .binary_search_by(|r| r.address.as_str().cmp(address))
    }
}

pub(crate) fn parse_with(
    bytes: &[u8],
    location: &str,
    hint: &str,
    upgrades: &[Upgrade],
) -> Result<State, StateError> {
    let corrupt = |detail: String| StateError::Corrupt {
        location: location.to_string(),
        detail,
        hint: hint.to_string(),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(corrupt(
            "the document is empty (a truncated write?)".to_string(),
        ));
    }
    // The common case, a state in the newest format, is read straight into `State` (no
    // intermediate `Value` tree: half the time and memory of a large state). Anything else, and
    // any document this path refuses, goes the general way below, which words the problem.
    // One pass: the document is read as `State` and kept when it says it is in the newest
    // format (a pre-scan of `format_version` alone walked the whole document: a quarter of the
    // read); an older or newer one that happens to fit `State` goes the general way.
    let newest = upgrades.len() as u64 + 1;
    if let Ok(state) = serde_json::from_slice::<State>(bytes) {
        if state.format_version == newest {
            return checked(state, &corrupt);
        }
    }
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| corrupt(format!("not valid JSON: {e}")))?;
    let Value::Object(mut doc) = doc else {
        return Err(corrupt("the document is not a JSON object".to_string()));
    };
    let version = match doc.get("format_version") {
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|v| *v >= 1)
            .ok_or_else(|| corrupt(format!("format_version {n} is not a known version")))?,
        Some(other) => return Err(corrupt(format!("format_version is {other}, not a number"))),
        None => {
            return Err(corrupt(
                "no format_version field: this is not an eco state".to_string(),
            ))
        }
    };
    if version > newest {
        let writer = doc.get("eco_version").and_then(Value::as_str);
        let written_by = match writer {
            Some(v) => format!(" (eco {v})"),
            None => String::new(),
        };
        return Err(StateError::UnsupportedVersion {
            location: location.to_string(),
            found: version,
            supported: newest,
            eco: ECO_VERSION.to_string(),
            written_by,
        });
    }
    for (from, upgrade) in upgrades.iter().enumerate().skip(version as usize - 1) {
        let from = from as u64 + 1;
        upgrade(&mut doc)
            .map_err(|e| corrupt(format!("cannot upgrade format {from} to {}: {e}", from + 1)))?;
        doc.insert("format_version".to_string(), Value::from(from + 1));
        tracing::debug!(location, from, to = from + 1, "upgraded state format");
    }
    let state: State = serde_json::from_value(Value::Object(doc))
        .map_err(|e| corrupt(format!("not an eco state: {e}")))?;
    checked(state, &corrupt)
}

/// `state` sorted by address, or the problem that makes it corrupt (an address twice, an empty
/// address or id).
fn checked(mut state: State, corrupt: &dyn Fn(String) -> StateError) -> Result<State, StateError> {
    // Keep lookups by address valid whatever order the file had.
    state.resources.sort_by(|a, b| a.address.cmp(&b.address));
    if let Some(w) = state
        .resources
        .windows(2)
        .find(|w| w[0].address == w[1].address)
    {
        return Err(corrupt(format!("resource {} appears twice", w[0].address)));
    }
    if let Some(r) = state
        .resources
        .iter()
        .find(|r| r.id.trim().is_empty() || r.address.trim().is_empty())
    {
        let what = if r.address.trim().is_empty() {
            "a resource has an empty address".to_string()
        } else {
            format!("resource {} has an empty id", r.address)
        };
        return Err(corrupt(what));
    }
    Ok(state)
}

/// Whether version `a` (`X.Y.Z`, numeric parts) is newer than `b`; a version that does not
/// parse counts as newer (nothing can be concluded from it).
pub(crate) fn is_newer(a: &str, b: &str) -> bool {
    let parts = |v: &str| -> Option<Vec<u64>> { v.split('.').map(|p| p.parse().ok()).collect() };
    match (parts(a), parts(b)) {
        (Some(a), Some(b)) => a > b,
        _ => true,
    }
}

/// The resource type an address names: `TYPE` of `TYPE.NAME`, `TYPE.NAME["KEY"]`,
/// `module.CALL.TYPE.NAME` and `module.CALL["KEY"].TYPE.NAME`.
pub fn type_of_address(address: &str) -> Option<&str> {
    let mut rest = address;
    // Past each `module.CALL.` or `module.CALL["KEY"].` prefix (a key may hold dots).
    while let Some(after) = rest.strip_prefix("module.") {
        let end = after.find(['.', '['])?;
        let tail = match after[end..].strip_prefix("[\"") {
            Some(keyed) => &keyed[keyed.find("\"]")? + 2..],
            None => &after[end..],
        };
        match tail.strip_prefix('.') {
            Some(t) if t.contains('.') => rest = t,
            _ => break,
        }
    }
    let base = rest.split("[\"").next().unwrap_or(rest);
    let segments: Vec<&str> = base.split('.').collect();
    (segments.len() == 2).then(|| segments[0])
}

#[cfg(test)]
mod address_tests {
    use super::type_of_address;

    #[test]
    fn the_type_of_every_address_form() {
        for (address, ty) in [
            ("s3-bucket.site", Some("s3-bucket")),
            ("s3-bucket.site[\"a.b\"]", Some("s3-bucket")),
            ("module.x.s3-bucket.site", Some("s3-bucket")),
            ("module.x.module.y.thing.a[\"k\"]", Some("thing")),
            ("module.site[\"ams\"].s3-bucket.files", Some("s3-bucket")),
            (
                "module.site[\"a.b\"].module.in.thing.t[\"c\"]",
                Some("thing"),
            ),
            ("module.x.thing", None),
            ("thing", None),
            ("thing.a.b", None),
        ] {
            assert_eq!(type_of_address(address), ty, "{address}");
        }
    }
}
