//! What a plan is: per-resource changes, refusals, drift, outputs; and its saved form.

use std::collections::BTreeMap;

use eco_schema::{DataAtRisk, Value};
use serde::{Deserialize, Serialize};

/// Attributes by name.
pub type Attrs = BTreeMap<String, Value>;

/// What apply will do to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    /// The verb of progress lines ("Creating...").
    pub fn progress_verb(self) -> &'static str {
        match self {
            Action::NoOp => "Reading",
            Action::Create => "Creating",
            Action::Update => "Modifying",
            Action::Replace => "Replacing",
            Action::Delete => "Destroying",
        }
    }
    /// The noun of completion lines ("Creation complete").
    pub fn done_noun(self) -> &'static str {
        match self {
            Action::NoOp => "Read",
            Action::Create => "Creation",
            Action::Update => "Modifications",
            Action::Replace => "Replacement",
            Action::Delete => "Destruction",
        }
    }
}

/// How a changed attribute reaches AWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateKind {
    InPlace,
    ForcesReplacement,
    Guarded,
}

/// One attribute that changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrChange {
    pub name: String,
    /// The live value (absent when the resource is new or the attribute unset live).
    pub before: Option<Value>,
    /// The value asked for (may be unknown until apply).
    pub after: Option<Value>,
    pub update: UpdateKind,
    pub sensitive: bool,
    /// For a repeated block keyed by label (custom attributes, indexes, behaviors): the field
    /// that holds each block's label, so the plan can show the change block by block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// The plan for one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    pub address: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub action: Action,
    /// The live id, for resources that exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The attributes that change (for create: every attribute set; for delete: what was there).
    pub changes: Vec<AttrChange>,
    /// Why a replacement: the attributes that force it, or `-replace`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace_because: Vec<String>,
    #[serde(default)]
    pub create_before_destroy: bool,
    /// Addresses this resource depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    /// A note for the reader ("deleted outside eco", "no longer in the configuration").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// An `import` block adopts this live resource (this id) on apply: it is recorded in state
    /// first, then `action` (no-op, or the update the configuration implies) runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_id: Option<String>,
    /// What a destroy or replacement would lose (read at plan time; shown under the resource and
    /// summed in the plan's "Data at risk:" line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_risk: Option<DataAtRisk>,
}

/// A change the plan refuses to make, with the explanation and the options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub address: String,
    /// The attribute concerned, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
    pub message: String,
}

/// A difference between what state recorded and what AWS has now (found by refresh).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    pub address: String,
    /// `true` when the resource no longer exists.
    pub deleted: bool,
    /// Attributes whose live value changed outside eco.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
}

/// An output's planned value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedOutput {
    pub value: Value,
    pub sensitive: bool,
}

/// What kind of plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    #[default]
    Normal,
    /// Only record what refresh found; change nothing.
    RefreshOnly,
    /// Delete everything the state tracks (`eco destroy`).
    Destroy,
}

/// A whole plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub stage: String,
    pub mode: Mode,
    /// Every resource with an action other than no-op (or to be imported), sorted by address.
    pub changes: Vec<ResourceChange>,
    pub refused: Vec<Refusal>,
    pub drift: Vec<Drift>,
    pub outputs: BTreeMap<String, PlannedOutput>,
    /// Resources state tracks under another address, moved by `moved` blocks (see
    /// [`crate::moves`]); applying records them at their new address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<crate::moves::Move>,
    /// Advice for the reader: the `moved` block that would keep a resource a destroy and a
    /// create of the same type look like a rename of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    /// The lookups whose values feed a planned change (read this run, alongside refresh).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lookups: Vec<LookupUse>,
}

/// A lookup (`lookup "TYPE" "NAME"`) and the planned changes whose changed attributes use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupUse {
    /// `lookup.TYPE.NAME`.
    pub lookup: String,
    /// The addresses of the changes it feeds, sorted.
    pub feeds: Vec<String>,
}

/// Counts of the plan's summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    pub import: usize,
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Plan {
    /// Whether applying would change anything in AWS (or, refresh-only, in state).
    pub fn has_changes(&self) -> bool {
        match self.mode {
            Mode::RefreshOnly => !self.drift.is_empty(),
            _ => !self.changes.is_empty() || !self.moved.is_empty(),
        }
    }

    /// Terraform's counting: a replacement is one add and one destroy.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            if c.import_id.is_some() {
                s.import += 1;
            }
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => {
                    s.add += 1;
                    s.destroy += 1
                }
                Action::Delete => s.destroy += 1,
                Action::NoOp => {}
            }
        }
        s
    }

    /// Marks the resources `import` blocks adopt (address -> live id): their change says so,
    /// and one whose configuration already matches gets a no-op change that only imports.
    pub fn mark_imports(&mut self, imports: &BTreeMap<String, String>) {
        for (address, id) in imports {
            match self.changes.iter_mut().find(|c| &c.address == address) {
                Some(c) => c.import_id = Some(id.clone()),
                None => self.changes.push(ResourceChange {
                    address: address.clone(),
                    type_name: address.split('.').next().unwrap_or_default().to_string(),
                    action: Action::NoOp,
                    id: Some(id.clone()),
                    changes: Vec::new(),
                    replace_because: Vec::new(),
                    create_before_destroy: false,
                    dependencies: Vec::new(),
                    reason: None,
                    import_id: Some(id.clone()),
                    at_risk: None,
                }),
            }
        }
        self.changes.sort_by(|a, b| a.address.cmp(&b.address));
    }

    /// The change planned for an address.
    pub fn change(&self, address: &str) -> Option<&ResourceChange> {
        self.changes.iter().find(|c| c.address == address)
    }

    /// The destroys and replacements that would lose data, with what each holds.
    pub fn data_at_risk(&self) -> impl Iterator<Item = (&ResourceChange, &DataAtRisk)> {
        self.changes
            .iter()
            .filter_map(|c| match (&c.at_risk, c.action) {
                (Some(r), Action::Delete | Action::Replace) if r.holds_anything() => Some((c, r)),
                _ => None,
            })
    }

    /// "2 tables (~1.2 M items, 3.4 GB), 1 bucket (> 10,000 objects)": what the plan would
    /// lose, summed by kind of holder; `None` when it loses nothing.
    pub fn data_at_risk_summary(&self) -> Option<String> {
        eco_schema::at_risk::summarize(self.data_at_risk().map(|(_, r)| r))
    }
}

impl ResourceChange {
    /// Records what a destroy or replacement would lose as read now (replacing the figures of
    /// the last refresh), and says so in the change's reason.
    pub fn set_at_risk(&mut self, fresh: Option<DataAtRisk>) {
        let old = self.at_risk.take().map(|r| r.describe());
        let new = fresh
            .as_ref()
            .filter(|r| r.holds_anything())
            .map(DataAtRisk::describe);
        let reason = self.reason.take().unwrap_or_default();
        let why = match &old {
            Some(old) => reason
                .strip_suffix(old.as_str())
                .map(|w| w.trim_end_matches(": ").to_string())
                .unwrap_or(reason),
            None => reason,
        };
        self.reason = match (why.is_empty(), new) {
            (true, None) => None,
            (true, Some(new)) => Some(new),
            (false, None) => Some(why),
            (false, Some(new)) => Some(format!("{why}: {new}")),
        };
        self.at_risk = fresh;
    }
}

/// The current format of saved plan files.
pub const SAVED_PLAN_FORMAT: u32 = 1;

/// A plan saved with `eco plan -out FILE`: the plan, the configuration it was made from (so that
/// apply evaluates exactly that configuration), and the state it was made against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format_version: u32,
    pub eco_version: String,
    /// The configuration files, by display name.
    pub sources: Vec<(String, String)>,
    pub vars: BTreeMap<String, Value>,
    pub targets: Vec<String>,
    /// The state the plan was made against: apply refuses if it changed since.
    pub state_lineage: String,
    pub state_serial: u64,
    pub plan: Plan,
}
