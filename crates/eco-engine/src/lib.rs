//! eco's engine: the part of a run that talks to AWS, through the resource types' operations
//! ([`eco_provider::ResourceProvider`]), around the pure planning core of `eco-plan`.
//!
//! - [`Engine::resolve_pending`]: the write-ahead intents an interrupted apply left in state are
//!   settled first: what the interrupted call made is found (by token, name or ownership tags)
//!   and adopted, or the intent is dropped so that the plan does the operation again.
//! - [`Engine::refresh`]: reads everything state tracks, in parallel (bounded), through a type's
//!   batched read when it has one; resources deleted outside eco drop out.
//! - [`Engine::apply`]: walks the graph (dependencies first; deletions in reverse), at most
//!   `parallelism` operations at once, never two on one address. Before a create, replace or
//!   delete call the intent is made durable; after it, the result replaces the intent. State
//!   writes are group-committed by [`eco_state::StateWriter`]. A failure is reported with the
//!   resource and the AWS operation; what does not depend on it goes on.
//!
//! Retries (of errors a type classifies as retryable) live here, not in the types:
//! [`RetryPolicy`] is their one owner. [`Faults`] injects crashes and failures at each step for
//! the standard tests.
//!
//! Code map: `protocol.rs` (the write-ahead protocol of one change, a pure transition function
//! and its table), `apply.rs` (the apply walk and the one executor that drives every change,
//! alone or batched, through the protocol), `settle.rs` ([`Engine::resolve_pending`]),
//! `refresh.rs` ([`Engine::refresh`]), `import.rs` ([`Engine::import_blocks`]), `run.rs` (the run pipeline:
//! [`Run::open`] -> [`Run::plan`] -> [`Run::apply`] -> [`Run::close`]), `retry.rs`
//! ([`RetryPolicy`]), `hooks.rs` ([`Faults`]). This file keeps the public types.

// Diagnostics are the cold error path; keeping them unboxed keeps their construction simple.
#![allow(clippy::result_large_err)]

mod apply;
mod at_risk;
mod hooks;
mod import;
#[cfg(test)]
mod lane_tests;
mod lookup;
pub mod managed;
mod protocol;
mod refresh;
mod retry;
pub mod run;
mod settle;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use eco_config::{Config, StageContext};
use eco_plan::{attrs_from_json, attrs_to_json, Action, EvalContext, Known};
use eco_provider::{Live, OpContext, OpError, ResourceProvider};
use eco_schema::{Registry, Value};
use eco_state::{ResourceState, State, StateError};
use tokio::sync::mpsc;

pub use hooks::{Fault, Faults, Step};
pub use import::{AdoptError, Adopted};
pub use lookup::read_lookups;
pub use retry::RetryPolicy;
pub use run::{
    check_account, generate_import_targets, id_format, AccountSource, Applied, GeneratedConfig,
    LockRequest, PlanOptions, PlannedRun, Quiet, Run, RunError, RunInputs, RunView,
};

/// The operations of every type that has them, by type name.
pub type Providers = BTreeMap<&'static str, Arc<dyn ResourceProvider>>;

/// Why part of a run failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EngineError {
    /// An AWS operation failed.
    #[error("{address}: {error}")]
    Operation {
        address: String,
        action: Action,
        error: OpError,
    },
    /// eco cannot manage this type yet.
    #[error("{address}: eco has no operations for `{type_name}` yet")]
    NoProvider { address: String, type_name: String },
    /// A value could not be computed at apply time.
    #[error("{address}: {message}")]
    Evaluation { address: String, message: String },
    /// Writing state failed; the run stopped.
    #[error("{0}")]
    State(#[from] StateError),
}

/// Progress of a run, for the CLI to show.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started {
        address: String,
        action: Action,
    },
    Finished {
        address: String,
        action: Action,
        id: Option<String>,
        elapsed: Duration,
    },
    Failed {
        address: String,
        action: Action,
        error: String,
    },
    Skipped {
        address: String,
        because: String,
    },
    /// How far a long operation is (an `s3-sync`'s uploads): `done` of `total` `unit`s.
    Progress {
        address: String,
        done: u64,
        total: u64,
        unit: &'static str,
    },
}

/// What the next plan found of an interrupted operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// The interrupted create had made the resource: it is in state now.
    Adopted { address: String, id: String },
    /// The interrupted create made nothing: the plan creates it again.
    NotCreated { address: String },
    /// The interrupted delete had finished.
    Deleted { address: String },
    /// The interrupted delete had not: the plan deletes it again.
    StillExists { address: String },
    /// An interrupted update: refresh reads what it did.
    Updated { address: String },
    /// An interrupted create of a resource the configuration no longer has, recorded without
    /// what it was creating (by an older eco): whether it made something cannot be checked.
    Unverifiable { address: String },
}

impl std::fmt::Display for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resolution::Adopted { address, id } => write!(
                f,
                "{address}: an interrupted create had made it (id {id}); adopted into state"
            ),
            Resolution::NotCreated { address } => write!(
                f,
                "{address}: an interrupted create made nothing; it will be created again"
            ),
            Resolution::Deleted { address } => write!(
                f,
                "{address}: an interrupted delete had finished; removed from state"
            ),
            Resolution::StillExists { address } => write!(
                f,
                "{address}: an interrupted delete had not happened; it is still in state"
            ),
            Resolution::Updated { address } => write!(
                f,
                "{address}: an interrupted update; refresh reads its result"
            ),
            Resolution::Unverifiable { address } => write!(
                f,
                "{address}: an interrupted create of a resource no longer configured, recorded \
                 without its attributes: eco cannot tell whether it made something; if it did, \
                 `eco discover` lists it"
            ),
        }
    }
}

/// The outcome of an apply.
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Resources changed, with the action.
    pub done: Vec<(String, Action)>,
    pub errors: Vec<EngineError>,
    /// Resources not attempted because something they wait on failed.
    pub skipped: Vec<(String, String)>,
}

/// Each type's normal form ([`ResourceProvider::normalize`]) and expansion of local inputs
/// ([`ResourceProvider::expand`]) applied to desired attributes at plan time.
#[derive(Clone)]
pub struct ProviderExpander {
    providers: Arc<Providers>,
    base_dir: PathBuf,
}

impl eco_plan::Expander for ProviderExpander {
    fn expand(&self, type_name: &str, attrs: &mut eco_plan::Attrs) -> Result<(), (String, String)> {
        match self.providers.get(type_name) {
            Some(p) => {
                p.normalize(attrs);
                p.expand(&self.base_dir, attrs)
                    .map_err(|e| (e.operation, e.message))
            }
            None => Ok(()),
        }
    }
}

/// The engine for one stage's run.
pub struct Engine {
    pub config: Arc<Config>,
    pub stage: Arc<StageContext>,
    pub registry: Arc<Registry>,
    pub providers: Arc<Providers>,
    pub parallelism: usize,
    /// The configuration's directory: relative `source` paths are relative to it.
    pub base_dir: PathBuf,
    pub faults: Faults,
    /// How every AWS call the engine makes is retried (operations, batches, reads, settling).
    pub retry: RetryPolicy,
    pub events: Option<mpsc::UnboundedSender<Event>>,
}

impl Engine {
    /// Expansion of local inputs, for planning.
    pub fn expander(&self) -> ProviderExpander {
        ProviderExpander {
            providers: self.providers.clone(),
            base_dir: self.base_dir.clone(),
        }
    }

    pub(crate) fn eval<'a>(&'a self, expander: &'a ProviderExpander) -> EvalContext<'a> {
        EvalContext {
            config: &self.config,
            stage: &self.stage,
            registry: &self.registry,
            expander: Some(expander),
        }
    }

    pub(crate) fn ctx(&self, address: &str) -> OpContext {
        op_context(&self.config, &self.stage, &self.base_dir, address)
    }

    pub(crate) fn provider(
        &self,
        address: &str,
        type_name: &str,
    ) -> Result<Arc<dyn ResourceProvider>, EngineError> {
        provider_for(&self.providers, address, type_name)
    }

    /// Checks that every configured type has operations.
    pub fn check_providers(&self) -> Vec<EngineError> {
        let mut seen = HashSet::new();
        self.config
            .resources
            .iter()
            .filter(|r| !self.providers.contains_key(r.address.type_name.as_str()))
            .filter(|r| seen.insert(r.address.type_name.clone()))
            .map(|r| EngineError::NoProvider {
                address: r.address.to_string(),
                type_name: r.address.type_name.clone(),
            })
            .collect()
    }
}

/// The operations of `type_name`, or the error that `address` has none.
pub(crate) fn provider_for(
    providers: &Providers,
    address: &str,
    type_name: &str,
) -> Result<Arc<dyn ResourceProvider>, EngineError> {
    providers
        .get(type_name)
        .cloned()
        .ok_or_else(|| EngineError::NoProvider {
            address: address.to_string(),
            type_name: type_name.to_string(),
        })
}

pub(crate) fn op_context(
    config: &Config,
    stage: &StageContext,
    base_dir: &std::path::Path,
    address: &str,
) -> OpContext {
    OpContext::new(address, config.project_name(), &stage.name).with_base_dir(base_dir)
}

pub(crate) fn known_from_state(state: &State) -> Known {
    let mut known = Known::new();
    for r in &state.resources {
        known.set(r.address.clone(), attrs_from_json(&r.attributes));
    }
    known
}

pub(crate) fn resource_state(
    address: &str,
    type_name: &str,
    live: Live,
    dependencies: Vec<String>,
) -> ResourceState {
    ResourceState {
        address: address.to_string(),
        type_: type_name.to_string(),
        id: live.id,
        attributes: attrs_to_json(&live.attrs),
        dependencies,
    }
}

/// A deterministic idempotency token for one create of one address in one plan.
pub(crate) fn token(seed: &str, address: &str) -> String {
    // FNV-1a, 64 bits: stable across runs and machines.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes().chain([0u8]).chain(address.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("eco-{h:016x}")
}

/// A value from state attributes, for callers that need one attribute.
pub fn state_value(r: &ResourceState, name: &str) -> Option<Value> {
    r.attributes.get(name).map(Value::from_json)
}

#[cfg(test)]
mod tests;
