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
//! Retries (of errors a type classifies as retryable) live here, not in the types.
//! [`Faults`] injects crashes and failures at each step for the standard tests.

// Diagnostics are the cold error path; keeping them unboxed keeps their construction simple.
#![allow(clippy::result_large_err)]

mod hooks;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eco_config::{Address, Config, StageContext};
use eco_graph::{walk_grouped, Direction, Outcome, ResourceGraph};
use eco_plan::{
    attrs_from_json, attrs_to_json, desired_attrs, Action, EvalContext, Known, Plan, ResourceChange,
};
use eco_provider::{BatchItem, BatchOp, ErrorKind, Live, OpContext, OpError, ResourceProvider};
use eco_schema::{Registry, Value};
use eco_state::{
    Mutation, Operation, OutputValue, PendingIntent, ResourceState, State, StateBackend,
    StateError, StateWriter,
};
use tokio::sync::mpsc;

pub use hooks::{Fault, Faults, Step};

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

/// Expansion of local inputs through each type's [`ResourceProvider::expand`].
#[derive(Clone)]
pub struct ProviderExpander {
    providers: Arc<Providers>,
    base_dir: PathBuf,
}

impl eco_plan::Expander for ProviderExpander {
    fn expand(&self, type_name: &str, attrs: &mut eco_plan::Attrs) -> Result<(), (String, String)> {
        match self.providers.get(type_name) {
            Some(p) => p
                .expand(&self.base_dir, attrs)
                .map_err(|e| (e.operation, e.message)),
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
    pub events: Option<mpsc::UnboundedSender<Event>>,
}

struct Shared {
    config: Arc<Config>,
    stage: Arc<StageContext>,
    registry: Arc<Registry>,
    providers: Arc<Providers>,
    faults: Faults,
    events: Option<mpsc::UnboundedSender<Event>>,
    writer: Arc<StateWriter<dyn StateBackend>>,
    changes: HashMap<String, ResourceChange>,
    known: Mutex<Known>,
    prior: Mutex<HashMap<String, ResourceState>>,
    token_seed: String,
    expander: ProviderExpander,
}

impl Engine {
    /// Expansion of local inputs, for planning.
    pub fn expander(&self) -> ProviderExpander {
        ProviderExpander {
            providers: self.providers.clone(),
            base_dir: self.base_dir.clone(),
        }
    }

    fn eval<'a>(&'a self, expander: &'a ProviderExpander) -> EvalContext<'a> {
        EvalContext {
            config: &self.config,
            stage: &self.stage,
            registry: &self.registry,
            expander: Some(expander),
        }
    }

    fn ctx(&self, address: &str) -> OpContext {
        op_context(&self.config, &self.stage, address)
    }

    fn provider(
        &self,
        address: &str,
        type_name: &str,
    ) -> Result<Arc<dyn ResourceProvider>, EngineError> {
        self.providers
            .get(type_name)
            .cloned()
            .ok_or_else(|| EngineError::NoProvider {
                address: address.to_string(),
                type_name: type_name.to_string(),
            })
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

    /// Settles the intents an interrupted apply left (see the crate docs). Returns the state to
    /// continue with and what was found; the caller persists it.
    pub async fn resolve_pending(
        &self,
        state: &State,
    ) -> (State, Vec<Resolution>, Vec<EngineError>) {
        let mut state = state.clone();
        let mut found = Vec::new();
        let mut errors = Vec::new();
        let intents = std::mem::take(&mut state.pending);
        let known = known_from_state(&state);
        for intent in intents {
            let address = intent.address.clone();
            let type_name = address.split('.').next().unwrap_or_default().to_string();
            let provider = match self.provider(&address, &type_name) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(e);
                    state.pending.push(intent);
                    continue;
                }
            };
            let ctx = self.ctx(&address);
            match intent.operation {
                Operation::Create | Operation::Replace => {
                    let expander = self.expander();
                    let desired = Address::parse(&address)
                        .and_then(|a| self.config.resource(&a))
                        .map(|r| desired_attrs(&self.eval(&expander), r, &known));
                    let desired = match desired {
                        Some(Ok(d)) => d,
                        _ => BTreeMap::new(),
                    };
                    match provider.find(&ctx, &desired, &intent.token).await {
                        Ok(Some(live)) => {
                            found.push(Resolution::Adopted {
                                address: address.clone(),
                                id: live.id.clone(),
                            });
                            let deps = state
                                .resource(&address)
                                .map(|r| r.dependencies.clone())
                                .unwrap_or_default();
                            state.upsert(resource_state(&address, &type_name, live, deps));
                        }
                        Ok(None) => {
                            if intent.operation == Operation::Create {
                                let _ = state.remove(&address);
                            }
                            found.push(Resolution::NotCreated { address });
                        }
                        Err(error) => {
                            errors.push(EngineError::Operation {
                                address,
                                action: Action::Create,
                                error,
                            });
                            state.pending.push(intent);
                        }
                    }
                }
                Operation::Delete => {
                    let Some(id) = state.resource(&address).map(|r| r.id.clone()) else {
                        found.push(Resolution::Deleted { address });
                        continue;
                    };
                    match provider.read(&ctx, &id).await {
                        Ok(None) => {
                            let _ = state.remove(&address);
                            found.push(Resolution::Deleted { address });
                        }
                        Ok(Some(_)) => found.push(Resolution::StillExists { address }),
                        Err(error) => {
                            errors.push(EngineError::Operation {
                                address,
                                action: Action::Delete,
                                error,
                            });
                            state.pending.push(intent);
                        }
                    }
                }
                Operation::Update => found.push(Resolution::Updated { address }),
            }
        }
        (state, found, errors)
    }

    /// Reads every resource state tracks (those in `scope`, when given). Resources that no
    /// longer exist drop out of the returned state.
    pub async fn refresh(
        &self,
        state: &State,
        scope: Option<&HashSet<String>>,
    ) -> (State, Vec<EngineError>) {
        let mut refreshed = state.clone();
        let mut errors = Vec::new();
        let mut by_type: BTreeMap<String, Vec<(OpContext, String)>> = BTreeMap::new();
        for r in &state.resources {
            if scope.is_some_and(|s| !s.contains(&r.address)) {
                continue;
            }
            by_type
                .entry(r.type_.clone())
                .or_default()
                .push((self.ctx(&r.address), r.id.clone()));
        }
        let semaphore = Arc::new(tokio::sync::Semaphore::new(self.parallelism.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (type_name, requests) in by_type {
            let provider = match self.provider(&requests[0].0.address, &type_name) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            if let Some(batched) = provider.read_many(&requests).await {
                match batched {
                    Ok(lives) => {
                        for ((ctx, _), live) in requests.into_iter().zip(lives) {
                            apply_read(&mut refreshed, &ctx.address, live, &self.registry);
                        }
                    }
                    Err(error) => errors.push(EngineError::Operation {
                        address: type_name.clone(),
                        action: Action::NoOp,
                        error,
                    }),
                }
                continue;
            }
            for (ctx, id) in requests {
                let provider = provider.clone();
                let semaphore = semaphore.clone();
                tasks.spawn(async move {
                    let _permit = semaphore.acquire_owned().await.expect("semaphore open");
                    let result = with_retries(|| provider.read(&ctx, &id)).await;
                    (ctx.address, result)
                });
            }
        }
        while let Some(joined) = tasks.join_next().await {
            let (address, result) = joined.expect("refresh tasks do not panic");
            match result {
                Ok(live) => apply_read(&mut refreshed, &address, live, &self.registry),
                Err(error) => errors.push(EngineError::Operation {
                    address,
                    action: Action::NoOp,
                    error,
                }),
            }
        }
        (refreshed, errors)
    }

    /// Reads the live resources `import` blocks name (each type's `import`), for the plan: every
    /// block whose address state does not track yet is read and put into the returned state
    /// (not persisted: apply records it), with the eco-only settings its configuration sets.
    /// Returns that state and the imported addresses with their ids. A block whose id finds
    /// nothing is an error naming the type.
    pub async fn import_blocks(
        &self,
        state: &State,
    ) -> (State, BTreeMap<String, String>, Vec<EngineError>) {
        let mut state = state.clone();
        let mut imported = BTreeMap::new();
        let mut errors = Vec::new();
        let expander = self.expander();
        for block in &self.config.imports {
            let key = block.to.to_string();
            if state.resource(&key).is_some() {
                continue;
            }
            let known = known_from_state(&state);
            let id = match eco_plan::desired::eval_expr(&self.eval(&expander), &block.id, &known) {
                Ok(Value::String(id)) => id,
                Ok(other) => {
                    errors.push(EngineError::Evaluation {
                        address: key,
                        message: format!("import id must be a known string, not {other}"),
                    });
                    continue;
                }
                Err(d) => {
                    errors.push(EngineError::Evaluation {
                        address: key,
                        message: d.message,
                    });
                    continue;
                }
            };
            let provider = match self.provider(&key, &block.to.type_name) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let ctx = self.ctx(&key);
            match with_retries(|| provider.import(&ctx, &id)).await {
                Ok(Some(live)) => {
                    let mut attrs = live.attrs;
                    let schema = self.registry.get(&block.to.type_name);
                    if let (Some(resource), Some(schema)) = (self.config.resource(&block.to), schema) {
                        if let Ok(desired) = desired_attrs(&self.eval(&expander), resource, &known) {
                            for (k, v) in desired {
                                if !v.contains_unknown()
                                    && schema.attribute(&k).is_some_and(|a| a.local)
                                {
                                    attrs.insert(k, v);
                                }
                            }
                        }
                    }
                    imported.insert(key.clone(), live.id.clone());
                    state.upsert(ResourceState {
                        address: key,
                        type_: block.to.type_name.clone(),
                        id: live.id,
                        attributes: attrs_to_json(&attrs),
                        dependencies: Vec::new(),
                    });
                }
                Ok(None) => errors.push(EngineError::Operation {
                    address: key,
                    action: Action::NoOp,
                    error: OpError::new(
                        "Import",
                        ErrorKind::Invalid,
                        format!(
                            "there is no {} with import id `{id}` (see docs/resources/{}.md for its id format)",
                            block.to.type_name, block.to.type_name
                        ),
                    ),
                }),
                Err(error) => errors.push(EngineError::Operation {
                    address: key,
                    action: Action::NoOp,
                    error,
                }),
            }
        }
        (state, imported, errors)
    }

    /// Carries out `plan`, writing state through `writer` (whose state is the refreshed state the
    /// plan was made against). `graph` is the configuration's dependency graph.
    pub async fn apply(
        &self,
        plan: &Plan,
        graph: &ResourceGraph,
        writer: Arc<StateWriter<dyn StateBackend>>,
    ) -> ApplyReport {
        let (state, _) = writer.durable();
        let shared = Arc::new(Shared {
            config: self.config.clone(),
            stage: self.stage.clone(),
            registry: self.registry.clone(),
            providers: self.providers.clone(),
            faults: self.faults.clone(),
            events: self.events.clone(),
            writer: writer.clone(),
            changes: plan
                .changes
                .iter()
                .map(|c| (c.address.clone(), c.clone()))
                .collect(),
            known: Mutex::new(known_from_state(&state)),
            prior: Mutex::new(
                state
                    .resources
                    .iter()
                    .map(|r| (r.address.clone(), r.clone()))
                    .collect(),
            ),
            token_seed: format!("{}:{}", state.lineage, state.serial),
            expander: self.expander(),
        });
        let mut report = ApplyReport::default();

        // Phase 1: creates, updates and replacements, dependencies first.
        let outcomes = walk_grouped(
            graph,
            Direction::Forward,
            self.parallelism,
            |address| shared.batch_key(address, false),
            |batch| run_group(shared.clone(), batch, false),
        )
        .await;
        collect(&mut report, outcomes);

        // Phase 2: deletions, dependents first (by the dependencies state recorded).
        let deletes: Vec<&ResourceChange> = plan
            .changes
            .iter()
            .filter(|c| c.action == Action::Delete)
            .collect();
        if !deletes.is_empty() {
            let mut g = ResourceGraph::new();
            let names: HashSet<&str> = deletes.iter().map(|c| c.address.as_str()).collect();
            let span = eco_config::Span::new(eco_config::FileId(0), 0, 0);
            for c in &deletes {
                let Some(a) = Address::parse(&c.address) else {
                    continue;
                };
                g.add_node(a.clone());
                for d in &c.dependencies {
                    if names.contains(d.as_str()) {
                        if let Some(b) = Address::parse(d) {
                            g.add_dependency(&a, &b, span);
                        }
                    }
                }
            }
            let outcomes = walk_grouped(
                &g,
                Direction::Reverse,
                self.parallelism,
                |address| shared.batch_key(address, true),
                |batch| run_group(shared.clone(), batch, true),
            )
            .await;
            collect(&mut report, outcomes);
        }

        // Outputs, from the values as they are now.
        if plan.mode != eco_plan::Mode::Destroy {
            let known = shared.known.lock().expect("not poisoned").clone();
            let mut outputs = BTreeMap::new();
            let expander = self.expander();
            for o in &self.config.outputs {
                if let Ok(v) = eco_plan::desired::eval_expr(&self.eval(&expander), &o.value, &known)
                {
                    if !v.contains_unknown() {
                        outputs.insert(
                            o.name.clone(),
                            OutputValue {
                                value: v.to_json(),
                                sensitive: o.sensitive,
                            },
                        );
                    }
                }
            }
            if let Err(e) = writer.submit(Mutation::SetOutputs(outputs)).await {
                report.errors.push(e.into());
            }
        } else if let Err(e) = writer.submit(Mutation::SetOutputs(BTreeMap::new())).await {
            report.errors.push(e.into());
        }
        report
    }
}

fn collect(
    report: &mut ApplyReport,
    outcomes: BTreeMap<Address, Outcome<Option<Action>, EngineError>>,
) {
    for (address, outcome) in outcomes {
        match outcome {
            Outcome::Done(Some(action)) => report.done.push((address.to_string(), action)),
            Outcome::Done(None) => {}
            Outcome::Failed(e) => report.errors.push(e),
            Outcome::Skipped { because } => report
                .skipped
                .push((address.to_string(), because.to_string())),
        }
    }
}

fn op_context(config: &Config, stage: &StageContext, address: &str) -> OpContext {
    OpContext::new(address, config.project_name(), &stage.name)
}

fn known_from_state(state: &State) -> Known {
    let mut known = Known::new();
    for r in &state.resources {
        known.set(r.address.clone(), attrs_from_json(&r.attributes));
    }
    known
}

/// Records what a read found. Eco-only (`local`) attributes, which AWS does not store, keep
/// their recorded values.
fn apply_read(state: &mut State, address: &str, live: Option<Live>, registry: &Registry) {
    match live {
        Some(live) => {
            if let Some(r) = state.resource_mut(address) {
                let mut attributes = attrs_to_json(&live.attrs);
                if let Some(schema) = registry.get(&r.type_) {
                    for a in schema.attributes.iter().filter(|a| a.local) {
                        if let Some(v) = r.attributes.get(a.name) {
                            attributes
                                .entry(a.name.to_string())
                                .or_insert_with(|| v.clone());
                        }
                    }
                }
                r.id = live.id;
                r.attributes = attributes;
            }
        }
        None => {
            let _ = state.remove(address);
        }
    }
}

fn resource_state(
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
fn token(seed: &str, address: &str) -> String {
    // FNV-1a, 64 bits: stable across runs and machines.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes().chain([0u8]).chain(address.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("eco-{h:016x}")
}

/// Runs an operation, retrying errors the type calls retryable (0.5 s, 1 s, 2 s).
async fn with_retries<T, F, Fut>(mut f: F) -> Result<T, OpError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, OpError>>,
{
    let mut delay = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        match f().await {
            Err(e) if e.kind == ErrorKind::Retryable && attempt < 4 => {
                tracing::debug!(operation = %e.operation, attempt, "retrying: {}", e.message);
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

impl Shared {
    fn emit(&self, event: Event) {
        if let Some(tx) = &self.events {
            let _ = tx.send(event);
        }
    }

    fn eval(&self) -> EvalContext<'_> {
        EvalContext {
            config: &self.config,
            stage: &self.stage,
            registry: &self.registry,
            expander: Some(&self.expander),
        }
    }

    fn provider(
        &self,
        address: &str,
        type_name: &str,
    ) -> Result<Arc<dyn ResourceProvider>, EngineError> {
        self.providers
            .get(type_name)
            .cloned()
            .ok_or_else(|| EngineError::NoProvider {
                address: address.to_string(),
                type_name: type_name.to_string(),
            })
    }

    fn fault(&self, step: Step, address: &str, action: Action) -> Result<(), EngineError> {
        self.faults
            .at(step, address, action.progress_verb())
            .map_err(|error| EngineError::Operation {
                address: address.to_string(),
                action,
                error,
            })
    }

    /// The resource's desired attributes with every value now known.
    fn final_desired(&self, address: &Address) -> Result<eco_plan::Attrs, EngineError> {
        let key = address.to_string();
        let resource = self
            .config
            .resource(address)
            .ok_or_else(|| EngineError::Evaluation {
                address: key.clone(),
                message: "not in the configuration".into(),
            })?;
        let known = self.known.lock().expect("not poisoned").clone();
        let desired =
            desired_attrs(&self.eval(), resource, &known).map_err(|d| EngineError::Evaluation {
                address: key.clone(),
                message: d.message,
            })?;
        if let Some((name, _)) = desired.iter().find(|(_, v)| v.contains_unknown()) {
            return Err(EngineError::Evaluation {
                address: key,
                message: format!("the value of `{name}` is still unknown at apply time (what it references was not created)"),
            });
        }
        Ok(desired)
    }

    /// Makes the intent durable. When the operation then stops before its call, the intent is
    /// withdrawn (nothing was sent to AWS), so state stays true.
    async fn intent(
        &self,
        address: &str,
        operation: Operation,
        token: &str,
        action: Action,
    ) -> Result<(), EngineError> {
        self.fault(Step::BeforeIntent, address, action)?;
        self.writer
            .submit(Mutation::Intent(PendingIntent::new(
                address, operation, token,
            )))
            .await?;
        if let Err(e) = self.fault(Step::BeforeCall, address, action) {
            self.withdraw(address).await?;
            return Err(e);
        }
        Ok(())
    }

    /// Removes the intent of a call AWS refused (or that was never sent): state keeps what it
    /// had before the operation, which is what AWS still has.
    async fn withdraw(&self, address: &str) -> Result<(), EngineError> {
        let prior = self
            .prior
            .lock()
            .expect("not poisoned")
            .get(address)
            .cloned();
        self.writer
            .submit(Mutation::Resolve {
                address: address.to_string(),
                result: prior,
            })
            .await?;
        Ok(())
    }

    /// After a failed call: withdraw the intent, then report the error.
    async fn failed(&self, address: &str, action: Action, error: OpError) -> EngineError {
        if let Err(e) = self.withdraw(address).await {
            return e;
        }
        EngineError::Operation {
            address: address.to_string(),
            action,
            error,
        }
    }

    async fn record(
        &self,
        address: &str,
        result: Option<ResourceState>,
        action: Action,
    ) -> Result<(), EngineError> {
        self.fault(Step::AfterCall, address, action)?;
        if let Some(r) = &result {
            self.known
                .lock()
                .expect("not poisoned")
                .set(address, attrs_from_json(&r.attributes));
        }
        self.writer
            .submit(Mutation::Resolve {
                address: address.to_string(),
                result,
            })
            .await?;
        self.fault(Step::AfterResult, address, action)
    }
}

impl Shared {
    /// The top-level attributes whose live values differ from `desired` (what an update sends).
    fn changed_attributes(
        &self,
        address: &Address,
        desired: &eco_plan::Attrs,
        prior: &eco_plan::Attrs,
    ) -> Vec<String> {
        let schema = self
            .registry
            .get(&address.type_name)
            .expect("registered type");
        let ignore = self
            .config
            .resource(address)
            .map(|r| r.ignore_changes.clone())
            .unwrap_or_default();
        eco_plan::diff::diff_attributes(schema, desired, prior, &ignore)
            .into_iter()
            .map(|d| d.name)
            .collect()
    }

    /// Records what an operation made (the result replaces the intent) and returns its id.
    async fn record_live(
        &self,
        key: &str,
        address: &Address,
        live: Live,
        change: &ResourceChange,
        action: Action,
    ) -> Result<String, EngineError> {
        let id = live.id.clone();
        let state = resource_state(key, &address.type_name, live, change.dependencies.clone());
        self.record(key, Some(state), action).await?;
        Ok(id)
    }

    /// The batch a planned change joins (types that batch, such as Route53 records: their
    /// zone), decided when the change becomes ready. Replacements are never batched.
    fn batch_key(&self, address: &Address, deletes: bool) -> Option<String> {
        let key = address.to_string();
        let change = self.changes.get(&key)?;
        if (change.action == Action::Delete) != deletes {
            return None;
        }
        let provider = self.providers.get(address.type_name.as_str())?;
        let attrs = match change.action {
            Action::Create | Action::Update => self.final_desired(address).ok()?,
            Action::Delete => attrs_from_json(
                &self
                    .prior
                    .lock()
                    .expect("not poisoned")
                    .get(&key)?
                    .attributes,
            ),
            _ => return None,
        };
        provider
            .batch_key(&attrs)
            .map(|k| format!("{}:{k}", address.type_name))
    }
}

/// Runs a group of ready changes: one alone as usual, several of one batch through the type's
/// `apply_batch` (intents and results each made durable in one state write). The forward walk
/// (`deletes` false) leaves deletions to the reverse walk.
async fn run_group(
    shared: Arc<Shared>,
    mut group: Vec<Address>,
    deletes: bool,
) -> Vec<(Address, Result<Option<Action>, EngineError>)> {
    if group.len() == 1 {
        let address = group.pop().expect("one");
        let key = address.to_string();
        let is_delete = shared
            .changes
            .get(&key)
            .is_some_and(|c| c.action == Action::Delete);
        let result = match (deletes, is_delete) {
            (true, true) => run_delete(shared, key).await,
            (false, false) => run_forward(shared, address.clone()).await,
            _ => Ok(None),
        };
        return vec![(address, result)];
    }
    run_batch(shared, group).await
}

async fn run_batch(
    shared: Arc<Shared>,
    group: Vec<Address>,
) -> Vec<(Address, Result<Option<Action>, EngineError>)> {
    let started = Instant::now();
    let mut results: Vec<(Address, Result<Option<Action>, EngineError>)> = Vec::new();
    let type_name = group[0].type_name.clone();
    let provider = match shared.provider(&group[0].to_string(), &type_name) {
        Ok(p) => p,
        Err(e) => return group.into_iter().map(|a| (a, Err(e.clone()))).collect(),
    };
    // Prepare every item; what fails here is reported alone.
    let mut items: Vec<(Address, Action, BatchItem, Option<String>)> = Vec::new();
    for address in group {
        let key = address.to_string();
        let change = shared
            .changes
            .get(&key)
            .cloned()
            .expect("grouped changes are planned");
        let ctx = op_context(&shared.config, &shared.stage, &key);
        let prior = shared
            .prior
            .lock()
            .expect("not poisoned")
            .get(&key)
            .cloned();
        let op = match change.action {
            Action::Create => match shared.final_desired(&address) {
                Ok(desired) => Ok(BatchOp::Create {
                    desired,
                    token: token(&shared.token_seed, &key),
                }),
                Err(e) => Err(e),
            },
            Action::Update => match (shared.final_desired(&address), prior) {
                (Ok(desired), Some(prior)) => {
                    let prior_attrs = attrs_from_json(&prior.attributes);
                    let changed = shared.changed_attributes(&address, &desired, &prior_attrs);
                    Ok(BatchOp::Update {
                        id: prior.id,
                        prior: prior_attrs,
                        desired,
                        changed,
                    })
                }
                (Err(e), _) => Err(e),
                (_, None) => Err(EngineError::Evaluation {
                    address: key.clone(),
                    message: "planned as an update, but it is not in state".into(),
                }),
            },
            Action::Delete => match prior {
                Some(prior) => Ok(BatchOp::Delete {
                    id: prior.id.clone(),
                    prior: attrs_from_json(&prior.attributes),
                }),
                None => {
                    results.push((address, Ok(None)));
                    continue;
                }
            },
            _ => Err(EngineError::Evaluation {
                address: key.clone(),
                message: "replacements are not batched".into(),
            }),
        };
        shared.emit(Event::Started {
            address: key.clone(),
            action: change.action,
        });
        match op.and_then(|op| {
            shared
                .fault(Step::BeforeIntent, &key, change.action)
                .map(|_| op)
        }) {
            Ok(op) => {
                let token = match &op {
                    BatchOp::Create { token, .. } => Some(token.clone()),
                    BatchOp::Delete { id, .. } => Some(id.clone()),
                    BatchOp::Update { .. } => None,
                };
                items.push((address, change.action, BatchItem { ctx, op }, token));
            }
            Err(e) => results.push((address, Err(e))),
        }
    }
    // Intents of the creates and deletes: one durable write for the whole batch.
    let intents: Vec<Mutation> = items
        .iter()
        .filter_map(|(a, action, _, token)| {
            let operation = match action {
                Action::Create => Operation::Create,
                Action::Delete => Operation::Delete,
                _ => return None,
            };
            Some(Mutation::Intent(PendingIntent::new(
                a.to_string(),
                operation,
                token.clone().unwrap_or_default(),
            )))
        })
        .collect();
    if let Err(e) = shared.writer.submit_all(intents).await {
        let e = EngineError::from(e);
        results.extend(items.into_iter().map(|(a, ..)| (a, Err(e.clone()))));
        return results;
    }
    let mut sent = Vec::new();
    for (address, action, item, _) in items {
        match shared.fault(Step::BeforeCall, &address.to_string(), action) {
            Ok(()) => sent.push((address, action, item)),
            Err(e) => {
                let _ = shared.withdraw(&address.to_string()).await;
                results.push((address, Err(e)));
            }
        }
    }
    let outcomes = provider
        .apply_batch(sent.iter().map(|(_, _, item)| item.clone()).collect())
        .await;
    let mut resolves = Vec::new();
    for ((address, action, _), outcome) in sent.into_iter().zip(outcomes) {
        let key = address.to_string();
        match outcome {
            Ok(live) => {
                if let Err(e) = shared.fault(Step::AfterCall, &key, action) {
                    results.push((address, Err(e)));
                    continue;
                }
                let deps = shared
                    .changes
                    .get(&key)
                    .map(|c| c.dependencies.clone())
                    .unwrap_or_default();
                let result = live.map(|l| resource_state(&key, &address.type_name, l, deps));
                if let Some(r) = &result {
                    shared
                        .known
                        .lock()
                        .expect("not poisoned")
                        .set(key.clone(), attrs_from_json(&r.attributes));
                }
                let id = result.as_ref().map(|r| r.id.clone());
                resolves.push(Mutation::Resolve {
                    address: key.clone(),
                    result,
                });
                shared.emit(Event::Finished {
                    address: key,
                    action,
                    id,
                    elapsed: started.elapsed(),
                });
                results.push((address, Ok(Some(action))));
            }
            Err(error) => {
                // As alone: a failed create keeps its intent; a failed update or delete leaves
                // state as it was (the delete's intent is withdrawn).
                if action == Action::Delete {
                    let prior = shared
                        .prior
                        .lock()
                        .expect("not poisoned")
                        .get(&key)
                        .cloned();
                    resolves.push(Mutation::Resolve {
                        address: key.clone(),
                        result: prior,
                    });
                }
                shared.emit(Event::Failed {
                    address: key.clone(),
                    action,
                    error: error.to_string(),
                });
                results.push((
                    address,
                    Err(EngineError::Operation {
                        address: key,
                        action,
                        error,
                    }),
                ));
            }
        }
    }
    if let Err(e) = shared.writer.submit_all(resolves).await {
        let e = EngineError::from(e);
        for (_, r) in results.iter_mut() {
            if r.is_ok() {
                *r = Err(e.clone());
            }
        }
    }
    results
}

async fn run_forward(shared: Arc<Shared>, address: Address) -> Result<Option<Action>, EngineError> {
    let key = address.to_string();
    let Some(change) = shared.changes.get(&key).cloned() else {
        return Ok(None);
    };
    if change.import_id.is_some() {
        // An `import` block: the resource plan time read is recorded first.
        let imported = shared
            .prior
            .lock()
            .expect("not poisoned")
            .get(&key)
            .cloned();
        if let Some(mut r) = imported {
            r.dependencies = change.dependencies.clone();
            shared.writer.submit(Mutation::Upsert(r)).await?;
        }
        if change.action == Action::NoOp {
            shared.emit(Event::Finished {
                address: key,
                action: Action::NoOp,
                id: change.import_id.clone(),
                elapsed: Duration::ZERO,
            });
            return Ok(Some(Action::NoOp));
        }
    }
    if !matches!(
        change.action,
        Action::Create | Action::Update | Action::Replace
    ) {
        return Ok(None);
    }
    let started = Instant::now();
    shared.emit(Event::Started {
        address: key.clone(),
        action: change.action,
    });
    let result = forward_op(&shared, &address, &change).await;
    match &result {
        Ok(id) => shared.emit(Event::Finished {
            address: key,
            action: change.action,
            id: id.clone(),
            elapsed: started.elapsed(),
        }),
        Err(e) => shared.emit(Event::Failed {
            address: key,
            action: change.action,
            error: e.to_string(),
        }),
    }
    result.map(|_| Some(change.action))
}

async fn forward_op(
    shared: &Shared,
    address: &Address,
    change: &ResourceChange,
) -> Result<Option<String>, EngineError> {
    let key = address.to_string();
    let provider = shared.provider(&key, &address.type_name)?;
    let ctx = op_context(&shared.config, &shared.stage, &key);
    let desired = shared.final_desired(address)?;
    let prior = shared
        .prior
        .lock()
        .expect("not poisoned")
        .get(&key)
        .cloned();
    let token = token(&shared.token_seed, &key);
    match change.action {
        Action::Create => {
            shared
                .intent(&key, Operation::Create, &token, Action::Create)
                .await?;
            // A failed create keeps its intent: a create of several calls may have made the
            // resource before failing, and the next plan finds and adopts it (or plans it again).
            let live = with_retries(|| provider.create(&ctx, &desired, &token))
                .await
                .map_err(|error| EngineError::Operation {
                    address: key.clone(),
                    action: Action::Create,
                    error,
                })?;
            let id = shared
                .record_live(&key, address, live, change, Action::Create)
                .await?;
            Ok(Some(id))
        }
        Action::Update => {
            let prior = prior.ok_or_else(|| EngineError::Evaluation {
                address: key.clone(),
                message: "planned as an update, but it is not in state".into(),
            })?;
            let prior_attrs = attrs_from_json(&prior.attributes);
            let changed = shared.changed_attributes(address, &desired, &prior_attrs);
            shared.fault(Step::BeforeCall, &key, Action::Update)?;
            let live =
                with_retries(|| provider.update(&ctx, &prior.id, &prior_attrs, &desired, &changed))
                    .await
                    .map_err(|error| EngineError::Operation {
                        address: key.clone(),
                        action: Action::Update,
                        error,
                    })?;
            let id = shared
                .record_live(&key, address, live, change, Action::Update)
                .await?;
            Ok(Some(id))
        }
        Action::Replace => {
            shared
                .intent(&key, Operation::Replace, &token, Action::Replace)
                .await?;
            if let Some(old) = &prior {
                if !change.create_before_destroy {
                    let old_attrs = attrs_from_json(&old.attributes);
                    if let Err(error) =
                        with_retries(|| provider.delete(&ctx, &old.id, &old_attrs)).await
                    {
                        return Err(shared.failed(&key, Action::Replace, error).await);
                    }
                    // The old one is gone: from here on, state must not claim it.
                    shared.prior.lock().expect("not poisoned").remove(&key);
                }
            }
            let live = with_retries(|| provider.create(&ctx, &desired, &token))
                .await
                .map_err(|error| EngineError::Operation {
                    address: key.clone(),
                    action: Action::Replace,
                    error,
                })?;
            let id = shared
                .record_live(&key, address, live, change, Action::Replace)
                .await?;
            if let Some(old) = &prior {
                if change.create_before_destroy && old.id != id {
                    let old_attrs = attrs_from_json(&old.attributes);
                    if let Err(error) =
                        with_retries(|| provider.delete(&ctx, &old.id, &old_attrs)).await
                    {
                        // Stuck: the replacement is in state; the old one is no longer tracked.
                        return Err(EngineError::Operation {
                            address: key.clone(),
                            action: Action::Replace,
                            error: OpError::new(
                                error.operation,
                                error.kind,
                                format!(
                                    "{}; the replacement (id {id}) is in state, but the old resource (id {}) \
                                     could not be deleted: delete it by hand",
                                    error.message, old.id
                                ),
                            ),
                        });
                    }
                }
            }
            Ok(Some(id))
        }
        _ => Ok(None),
    }
}

async fn run_delete(shared: Arc<Shared>, key: String) -> Result<Option<Action>, EngineError> {
    let started = Instant::now();
    shared.emit(Event::Started {
        address: key.clone(),
        action: Action::Delete,
    });
    let result = delete_op(&shared, &key).await;
    match &result {
        Ok(()) => shared.emit(Event::Finished {
            address: key.clone(),
            action: Action::Delete,
            id: None,
            elapsed: started.elapsed(),
        }),
        Err(e) => shared.emit(Event::Failed {
            address: key.clone(),
            action: Action::Delete,
            error: e.to_string(),
        }),
    }
    result.map(|_| Some(Action::Delete))
}

async fn delete_op(shared: &Shared, key: &str) -> Result<(), EngineError> {
    let prior = shared.prior.lock().expect("not poisoned").get(key).cloned();
    let Some(prior) = prior else {
        return Ok(());
    };
    let provider = shared.provider(key, &prior.type_)?;
    let ctx = op_context(&shared.config, &shared.stage, key);
    shared
        .intent(key, Operation::Delete, &prior.id, Action::Delete)
        .await?;
    let attrs = attrs_from_json(&prior.attributes);
    if let Err(error) = with_retries(|| provider.delete(&ctx, &prior.id, &attrs)).await {
        return Err(shared.failed(key, Action::Delete, error).await);
    }
    shared.record(key, None, Action::Delete).await
}

/// A value from state attributes, for callers that need one attribute.
pub fn state_value(r: &ResourceState, name: &str) -> Option<Value> {
    r.attributes.get(name).map(Value::from_json)
}

#[cfg(test)]
mod tests;
