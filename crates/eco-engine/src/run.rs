//! The run pipeline, as Terraform's `backend/local` runs it: the CLI parses flags and renders;
//! [`Run`] does the work in between.
//!
//! [`Run::open`] builds the graph, checks the credentials' account against the stage's
//! (before anything could change AWS), checks that every configured type has operations, and
//! takes the stage's lock. [`Run::plan`] settles the intents an interrupted apply left
//! (persisted), reads `import` blocks' targets (each once), refreshes and plans.
//! [`Run::apply`] carries out the plan the user approved, and refuses when it differs from what
//! the run would do now. [`Run::close`] releases the lock, whatever the work's outcome.
//!
//! The engine neither prints nor knows the AWS SDK: the backend, the providers and the account
//! lookup come in as values and trait objects; what happens along the way is reported through
//! [`RunView`] and [`Event`]s, and every error is a [`RunError`] for the caller to render.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eco_config::{Address, Config, Diagnostic, StageContext};
use eco_graph::ResourceGraph;
use eco_plan::{EvalContext, Mode, Plan};
use eco_provider::Live;
use eco_schema::Registry;
use eco_state::{LockInfo, State, StateBackend, StateError, StateVersion, StateWriter};
use tokio::sync::mpsc;

use crate::{ApplyReport, Engine, EngineError, Event, Faults, Providers, Resolution, RetryPolicy};

/// Who the stage's credentials act as: the account check's one question to AWS.
#[async_trait::async_trait]
pub trait AccountSource: Send + Sync {
    /// The account id the credentials act in (after any assume-role).
    async fn caller_account(&self) -> Result<String, String>;
}

/// What a run shows as it goes (the engine never prints; the caller renders).
pub trait RunView: Send + Sync {
    /// An interrupted operation was settled (persisted before planning goes on).
    fn interrupted(&self, found: &Resolution);
}

/// A view that shows nothing.
pub struct Quiet;

impl RunView for Quiet {
    fn interrupted(&self, _: &Resolution) {}
}

/// Why a run stopped. `Display` is the message; [`RunError::help`] the hint;
/// [`RunError::errors`] the engine errors behind it, to show one by one first.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The configuration does not make a graph (a cycle, an unknown reference).
    #[error("{}", .0.message)]
    Config(Diagnostic),
    /// Planning found problems in the configuration.
    #[error("the configuration has {} problem(s)", .0.0.len())]
    Plan(eco_config::Diagnostics),
    #[error("cannot tell which AWS account the credentials of stage `{stage}` act in: {message}")]
    AccountUnknown { stage: String, message: String },
    #[error("stage `{stage}` declares account {declared}, but the credentials act in account {actual}; eco changed nothing")]
    WrongAccount {
        stage: String,
        declared: String,
        actual: String,
    },
    #[error("eco cannot manage every resource type in this configuration yet:\n  {}", list(.0))]
    NoProviders(Vec<EngineError>),
    #[error("could not settle the operations an interrupted apply left")]
    Settle(Vec<EngineError>),
    #[error("an `import` block could not be read")]
    Import(Vec<EngineError>),
    #[error("refresh failed")]
    Refresh(Vec<EngineError>),
    #[error("the saved plan is stale: it was made against state serial {planned_serial} (lineage {planned_lineage}), but the state of stage `{stage}` is now serial {serial} (lineage {lineage})")]
    Stale {
        stage: String,
        planned_serial: u64,
        planned_lineage: String,
        serial: u64,
        lineage: String,
    },
    #[error("the plan was refused ({0} problem{s}); nothing was changed", s = if *.0 == 1 { "" } else { "s" })]
    Refused(usize),
    #[error("apply refused: what it would do now differs from the approved plan ({0}); nothing was changed")]
    Differs(String),
    /// A `-target` or `-replace` that names nothing the configuration declares or state tracks.
    #[error(
        "-{flag} {address}: no such resource in the configuration or the state of stage `{stage}`"
    )]
    UnknownTarget {
        flag: &'static str,
        address: String,
        stage: String,
        close: Option<String>,
    },
    #[error("import to=\"{0}\": its id must be a string known before apply")]
    ImportId(String),
    #[error("eco has no operations for `{0}` yet")]
    NoOperations(String),
    #[error("there is no {type_name} with import id `{id}`")]
    NoSuchImport {
        type_name: String,
        id: String,
        /// The type's import id format.
        format: String,
    },
    #[error("{address}: {error}")]
    ImportRead {
        address: String,
        error: eco_provider::OpError,
    },
    #[error("{0}")]
    State(#[from] StateError),
}

fn list(errors: &[EngineError]) -> String {
    let names: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    names.join("\n  ")
}

impl RunError {
    /// The hint shown under the message.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            RunError::Config(_) | RunError::Plan(_) | RunError::State(_) => return None,
            RunError::AccountUnknown { .. } => {
                "check the credentials (AWS_PROFILE, the stage's profile or assume-role)".into()
            }
            RunError::WrongAccount { declared, .. } => format!(
                "use credentials for account {declared} (a profile, or `assume-role` in the stage block), or run another stage"
            ),
            RunError::NoProviders(_) => "the operations of each resource family arrive with its issue; `eco validate` checks these configurations today".into(),
            RunError::Settle(_) => {
                "fix the errors above and run again; state keeps the unsettled intents".into()
            }
            RunError::Import(_) => "check each block's id (docs/import.md lists every type's id format); state was not changed".into(),
            RunError::Refresh(_) => {
                "check credentials and the errors above; state was not changed".into()
            }
            RunError::Stale { .. } => {
                "the state changed since the plan was made (by an apply: another run's, or this \
                 plan's own, since a saved plan applies once): run `eco plan` again"
                    .into()
            }
            RunError::Refused(_) => "see each explanation above".into(),
            RunError::Differs(_) => {
                "make the plan again (`eco plan`) and approve that one".into()
            }
            RunError::UnknownTarget { close: Some(close), .. } => format!("did you mean `{close}`?"),
            RunError::UnknownTarget { close: None, .. } => {
                "`eco state list` lists what state tracks; resources are addressed TYPE.NAME".into()
            }
            RunError::ImportId(_) => "write the id literally, or from ${stage} and ${var.NAME}".into(),
            RunError::NoOperations(_) => "its resource family's issue brings them".into(),
            RunError::NoSuchImport { type_name, format, .. } => {
                format!("the import id of {type_name} is {format}")
            }
            RunError::ImportRead { .. } => "check the id".into(),
        })
    }

    /// The engine errors behind this one, each worth a line of its own.
    pub fn errors(&self) -> &[EngineError] {
        match self {
            RunError::Settle(e) | RunError::Import(e) | RunError::Refresh(e) => e,
            _ => &[],
        }
    }
}

/// The guard against deploying one stage into another's account: the credentials' account must
/// be the one the stage declares (a stage that declares none is not checked).
pub async fn check_account(
    account: &dyn AccountSource,
    stage: &StageContext,
) -> Result<(), RunError> {
    let Some(declared) = stage.stage.as_ref().and_then(|s| s.account.clone()) else {
        return Ok(());
    };
    let actual = account
        .caller_account()
        .await
        .map_err(|message| RunError::AccountUnknown {
            stage: stage.name.clone(),
            message,
        })?;
    if actual != declared {
        return Err(RunError::WrongAccount {
            stage: stage.name.clone(),
            declared,
            actual,
        });
    }
    tracing::debug!(stage = %stage.name, account = %actual, "account checked");
    Ok(())
}

/// The import id of a type, as its schema documents it.
pub fn id_format(registry: &Registry, type_name: &str) -> String {
    match registry.get(type_name).map(|s| s.import_id) {
        Some(format) if !format.is_empty() => format.to_string(),
        _ => format!("the id documented in docs/resources/{type_name}.md"),
    }
}

/// What `plan -generate-config-out` found: the KDL of the targets read, and the targets (by
/// address) for [`PlanOptions::preread`], so that the plan does not read them again.
#[derive(Debug, Default)]
pub struct GeneratedConfig {
    pub text: String,
    pub read: BTreeMap<String, Live>,
}

/// Reads every `import` block target `config` does not declare yet (its id evaluated from
/// `${stage}` and variables only) and writes its KDL from the live values. Before a run is
/// opened: the configuration is not whole until the generated KDL joins it. The caller checks
/// the account first.
pub async fn generate_import_targets(
    config: &Config,
    stage: &StageContext,
    registry: &Registry,
    providers: &Providers,
    retry: RetryPolicy,
) -> Result<GeneratedConfig, RunError> {
    let mut out = GeneratedConfig::default();
    let mut targets = Vec::new();
    for block in config
        .imports
        .iter()
        .filter(|i| config.resource(&i.to).is_none())
    {
        let key = block.to.to_string();
        let type_name = block.to.type_name.as_str();
        let id = match block.id.eval(&StageOnly(stage)) {
            Ok(eco_schema::Value::String(id)) => id,
            _ => return Err(RunError::ImportId(key)),
        };
        let provider = providers
            .get(type_name)
            .ok_or_else(|| RunError::NoOperations(type_name.to_string()))?;
        // Reads only: no local inputs are needed.
        let ctx = crate::op_context(config, stage, std::path::Path::new("."), &key);
        let live = match retry.run(|| provider.import(&ctx, &id)).await {
            Ok(Some(live)) => live,
            Ok(None) => {
                return Err(RunError::NoSuchImport {
                    type_name: type_name.to_string(),
                    id,
                    format: id_format(registry, type_name),
                })
            }
            Err(error) => {
                return Err(RunError::ImportRead {
                    address: key,
                    error,
                })
            }
        };
        let attrs = provider.config_from_live(&live.attrs);
        targets.push((block, attrs));
        out.read.insert(key, live);
    }
    // What another resource manages (a bucket's policy, when its s3-bucket-policy is configured
    // or imported with it) is left out: written in both, validate refuses the pair.
    for (block, attrs) in &targets {
        let type_name = block.to.type_name.as_str();
        let others = targets
            .iter()
            .filter(|(other, _)| other.to != block.to)
            .map(|(other, attrs)| (other.to.type_name.as_str(), attrs));
        let mut managed = crate::managed::managed_in_config(config, registry, type_name, attrs);
        managed.extend(crate::managed::managed_by_imported(
            registry, type_name, attrs, others,
        ));
        let mut attrs = attrs.clone();
        for attr in managed {
            attrs.remove(attr);
        }
        if !out.text.is_empty() {
            out.text.push('\n');
        }
        out.text.push_str(&eco_config::generate::generate_resource(
            registry
                .get(type_name)
                .expect("configured types are registered"),
            &block.to.name,
            &attrs,
        ));
    }
    Ok(out)
}

/// Evaluates import ids: `${stage}` and variables only.
struct StageOnly<'a>(&'a StageContext);

impl eco_config::Resolver for StageOnly<'_> {
    fn stage(&self) -> &str {
        &self.0.name
    }
    fn var(&self, name: &str) -> Option<eco_schema::Value> {
        self.0.vars.get(name).cloned()
    }
    fn attribute(&self, _address: &Address, _path: &[String]) -> eco_schema::Value {
        eco_schema::Value::Unknown
    }
}

/// What a run is given: everything already opened by the caller.
pub struct RunInputs {
    pub config: Arc<Config>,
    pub stage: Arc<StageContext>,
    pub registry: Arc<Registry>,
    pub providers: Arc<Providers>,
    pub backend: Arc<dyn StateBackend>,
    pub parallelism: usize,
    /// The configuration's directory: relative `source` paths are relative to it.
    pub base_dir: PathBuf,
    pub faults: Faults,
    pub retry: RetryPolicy,
    pub view: Arc<dyn RunView>,
}

/// The stage's lock: who takes it (`plan`, `apply`, ...) and how long to wait for it.
pub struct LockRequest<'a> {
    pub operation: &'a str,
    pub timeout: Duration,
}

/// What to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    pub mode: Mode,
    /// Read what state tracks before planning (`-refresh=false` turns it off).
    pub refresh: bool,
    pub targets: Vec<Address>,
    pub replace: Vec<Address>,
    /// A saved plan's state (lineage, serial): planning refuses if the state is another now.
    pub expect_state: Option<(String, u64)>,
    /// `import` blocks' targets the caller has read already, by address: not read again.
    pub preread: BTreeMap<String, Live>,
    /// Read what each destroy and replacement would lose (for a plan that is shown; an apply
    /// of a saved plan, which only compares, does without).
    pub assess_data_at_risk: bool,
}

/// A plan, with the state it was made against (refreshed, not persisted).
#[derive(Debug, Clone)]
pub struct PlannedRun {
    pub plan: Plan,
    /// The state as planned against: settled, import targets added, refreshed.
    pub state: State,
    /// The stored state's version (after settling), for the writes of apply and saved plans.
    pub version: StateVersion,
}

/// How an apply ended.
// One value per run: boxing the walk's outcome would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Applied {
    /// Nothing to do (state records what refresh found, if there is a state).
    NoChanges,
    /// Refresh-only: state now records what AWS has.
    Recorded,
    /// The apply walk ran: what it did, and the final state (or why it could not be written).
    Walked {
        report: ApplyReport,
        state: Result<State, StateError>,
    },
}

/// One run of a stage: holds the stage's lock from [`Run::open`] to [`Run::close`].
pub struct Run {
    engine: Engine,
    graph: ResourceGraph,
    backend: Arc<dyn StateBackend>,
    view: Arc<dyn RunView>,
    lock: LockInfo,
    /// The lookups being read (from [`Run::open`]); the stage gets what they found at the
    /// first [`Run::plan`].
    lookups: Option<LookupTask>,
}

type LookupTask = tokio::task::JoinHandle<Result<Arc<StageContext>, eco_config::Diagnostic>>;

impl Run {
    /// Builds the graph, checks the account and the providers, then takes the stage's lock.
    pub async fn open(
        inputs: RunInputs,
        account: &dyn AccountSource,
        lock: LockRequest<'_>,
    ) -> Result<Run, RunError> {
        let graph = ResourceGraph::from_config(&inputs.config).map_err(RunError::Config)?;
        check_account(account, &inputs.stage).await?;
        // Lookups are read while the lock is taken and state refreshed; [`Run::plan`] waits for
        // them where it first needs them. A destroy evaluates nothing a lookup feeds: one that
        // no longer matches must not stop it.
        let lookups =
            (lock.operation != "destroy" && !inputs.config.lookups.is_empty()).then(|| {
                let (config, stage, registry, providers, retry) = (
                    inputs.config.clone(),
                    inputs.stage.clone(),
                    inputs.registry.clone(),
                    inputs.providers.clone(),
                    inputs.retry,
                );
                tokio::spawn(async move {
                    crate::lookup::with_lookups(&config, stage, &registry, &providers, &retry).await
                })
            });
        let engine = Engine {
            config: inputs.config,
            stage: inputs.stage,
            registry: inputs.registry,
            providers: inputs.providers,
            parallelism: inputs.parallelism.max(1),
            base_dir: inputs.base_dir,
            faults: inputs.faults,
            retry: inputs.retry,
            events: None,
        };
        let missing = engine.check_providers();
        if !missing.is_empty() {
            return Err(RunError::NoProviders(missing));
        }
        let lock = inputs
            .backend
            .lock(
                &engine.stage.name,
                &LockInfo::new(lock.operation),
                lock.timeout,
            )
            .await?;
        Ok(Run {
            engine,
            graph,
            backend: inputs.backend,
            view: inputs.view,
            lock,
            lookups,
        })
    }

    pub fn config(&self) -> &Config {
        &self.engine.config
    }

    /// The stage's context; what its lookups found is in it once [`Run::plan`] has run.
    pub fn stage(&self) -> &StageContext {
        &self.engine.stage
    }

    /// Waits for the lookups [`Run::open`] started, and gives the stage what they found.
    async fn finish_lookups(&mut self) -> Result<(), RunError> {
        if let Some(task) = self.lookups.take() {
            self.engine.stage = task
                .await
                .expect("reading lookups does not panic")
                .map_err(RunError::Config)?;
        }
        Ok(())
    }

    pub fn graph(&self) -> &ResourceGraph {
        &self.graph
    }

    /// The lock this run holds.
    pub fn lock(&self) -> &LockInfo {
        &self.lock
    }

    /// Releases the lock, and returns `result` (or the unlock's error when the work succeeded).
    pub async fn close<T, E: From<RunError>>(self, result: Result<T, E>) -> Result<T, E> {
        let stage = self.engine.stage.name.clone();
        let released = self.backend.unlock(&stage, &self.lock.id).await;
        match (result, released) {
            (Ok(value), Ok(())) => Ok(value),
            (Ok(_), Err(e)) => Err(RunError::State(e).into()),
            (Err(e), Ok(())) => Err(e),
            (Err(e), Err(unlock)) => {
                tracing::warn!(stage, lock_id = %self.lock.id, error = %unlock, "could not release the state lock");
                Err(e)
            }
        }
    }

    /// Settles interrupted operations (persisted), reads `import` blocks' targets (not in
    /// destroy plans), refreshes (unless told not to) and plans.
    pub async fn plan(&mut self, options: PlanOptions) -> Result<PlannedRun, RunError> {
        let mut options = options;
        options.targets = self.instances_of(&options.targets);
        options.replace = self.instances_of(&options.replace);
        let stage = &self.engine.stage.name;
        let (state, mut version) = self.backend.read(stage).await?.into_state_or_new(stage);
        if let Some((lineage, serial)) = &options.expect_state {
            let now = (
                version.lineage().unwrap_or_default().to_string(),
                version.serial().unwrap_or(0),
            );
            if now != (lineage.clone(), *serial) {
                return Err(RunError::Stale {
                    stage: stage.clone(),
                    planned_serial: *serial,
                    planned_lineage: lineage.clone(),
                    serial: now.1,
                    lineage: now.0,
                });
            }
        }
        self.check_targets(&state, "target", &options.targets)?;
        self.check_targets(&state, "replace", &options.replace)?;
        let state = if state.pending.is_empty() {
            state
        } else {
            let (mut resolved, found, errors) = self.engine.resolve_pending(&state).await;
            for f in &found {
                self.view.interrupted(f);
            }
            version = self.backend.write(&mut resolved, &version).await?;
            if !errors.is_empty() {
                return Err(RunError::Settle(errors));
            }
            resolved
        };
        // `moved` blocks: what state tracks at an old address is planned at its new one.
        let mut state = state;
        let moved = eco_plan::moves::apply_moves(&mut state, self.config());
        let (state, imports) = if options.mode != Mode::Destroy && !self.config().imports.is_empty()
        {
            // An import block's id may use a lookup.
            self.finish_lookups().await?;
            let (state, imported, errors) = self
                .engine
                .import_blocks_preread(&state, &options.preread)
                .await;
            if !errors.is_empty() {
                return Err(RunError::Import(errors));
            }
            (state, imported)
        } else {
            (state, BTreeMap::new())
        };
        let (refreshed, prior) = if options.refresh {
            let scope = self.refresh_scope(&options.targets);
            let started = Instant::now();
            // The lookups finish while refresh reads.
            let lookups = self.lookups.take();
            let ((refreshed, errors), looked_up) =
                tokio::join!(self.engine.refresh(&state, scope.as_ref()), async move {
                    match lookups {
                        Some(task) => Some(task.await.expect("reading lookups does not panic")),
                        None => None,
                    }
                });
            tracing::debug!(resources = state.resources.len(), elapsed = ?started.elapsed(), "refreshed");
            if let Some(stage) = looked_up {
                self.engine.stage = stage.map_err(RunError::Config)?;
            }
            if !errors.is_empty() {
                return Err(RunError::Refresh(errors));
            }
            (refreshed, Some(state))
        } else {
            (state, None)
        };
        self.finish_lookups().await?;
        let expander = self.engine.expander();
        let mut plan = eco_plan::plan(&eco_plan::PlanRequest {
            eval: EvalContext {
                config: &self.engine.config,
                stage: &self.engine.stage,
                registry: &self.engine.registry,
                expander: Some(&expander),
            },
            graph: &self.graph,
            state: &refreshed,
            prior: prior.as_ref(),
            targets: &options.targets,
            replace: &options.replace,
            mode: options.mode,
        })
        .map_err(RunError::Plan)?;
        plan.moved = moved;
        if options.mode == Mode::Normal {
            plan.hints = eco_plan::moves::moved_hints(&plan);
        }
        if options.mode == Mode::Normal && !imports.is_empty() {
            let targets = &options.targets;
            let imports: BTreeMap<String, String> = imports
                .into_iter()
                .filter(|(a, _)| targets.is_empty() || targets.iter().any(|t| t.to_string() == *a))
                .collect();
            plan.mark_imports(&imports);
        }
        if options.assess_data_at_risk {
            self.engine.assess_data_at_risk(&mut plan, &refreshed).await;
        }
        Ok(PlannedRun {
            plan,
            state: refreshed,
            version,
        })
    }

    /// The addresses with each one that names a `for-each` resource block (`TYPE.NAME`, which
    /// the configuration has only as instances) replaced by its instances `TYPE.NAME["KEY"]`.
    fn instances_of(&self, addresses: &[Address]) -> Vec<Address> {
        let mut out = Vec::with_capacity(addresses.len());
        for a in addresses {
            let instances: Vec<Address> = if a.key.is_none() && self.config().resource(a).is_none()
            {
                self.config()
                    .resources
                    .iter()
                    .filter(|r| r.address.key.is_some() && &r.address.block() == a)
                    .map(|r| r.address.clone())
                    .collect()
            } else {
                Vec::new()
            };
            if instances.is_empty() {
                out.push(a.clone());
            } else {
                out.extend(instances);
            }
        }
        out
    }

    /// Refuses addresses that name nothing: a typo in `-target` must not be "No changes."
    fn check_targets(
        &self,
        state: &State,
        flag: &'static str,
        addresses: &[Address],
    ) -> Result<(), RunError> {
        for address in addresses {
            let name = address.to_string();
            if self.config().resource(address).is_some()
                || state.resources.iter().any(|r| r.address == name)
            {
                continue;
            }
            let known = self
                .config()
                .resources
                .iter()
                .map(|r| r.address.to_string())
                .chain(state.resources.iter().map(|r| r.address.clone()))
                .collect::<Vec<_>>();
            let close = eco_schema::did_you_mean(&name, known.iter().map(String::as_str))
                .map(str::to_string);
            return Err(RunError::UnknownTarget {
                flag,
                address: name,
                stage: self.engine.stage.name.clone(),
                close,
            });
        }
        Ok(())
    }

    /// What refresh reads with `-target`: the targets and everything they depend on.
    fn refresh_scope(&self, targets: &[Address]) -> Option<HashSet<String>> {
        if targets.is_empty() {
            return None;
        }
        let mut keep = HashSet::new();
        for t in targets {
            keep.insert(t.to_string());
            for d in self
                .graph
                .with_dependencies_of(std::slice::from_ref(t))
                .addresses()
            {
                keep.insert(d.to_string());
            }
        }
        Some(keep)
    }

    /// Carries out `approved` (the plan the user saw and accepted) against `planned` (what
    /// [`Run::plan`] found this run would do). Refuses, changing nothing, when they differ or
    /// when the plan has refusals. Progress goes to `events`.
    pub async fn apply(
        &self,
        planned: PlannedRun,
        approved: &Plan,
        events: Option<mpsc::UnboundedSender<Event>>,
    ) -> Result<Applied, RunError> {
        if let Some(difference) = difference(approved, &planned.plan) {
            return Err(RunError::Differs(difference));
        }
        if !planned.plan.refused.is_empty() {
            return Err(RunError::Refused(planned.plan.refused.len()));
        }
        let PlannedRun {
            plan,
            mut state,
            mut version,
        } = planned;
        if !plan.moved.is_empty() {
            // Moves first: state records every moved resource at its new address before any
            // change is made to it.
            version = self.backend.write(&mut state, &version).await?;
        }
        if !plan.has_changes() {
            if plan.mode != Mode::RefreshOnly && state.serial != 0 {
                // Record what refresh found (drift), as Terraform's apply does.
                self.backend.write(&mut state, &version).await?;
            }
            return Ok(Applied::NoChanges);
        }
        if plan.mode == Mode::RefreshOnly {
            self.backend.write(&mut state, &version).await?;
            return Ok(Applied::Recorded);
        }
        let engine = Engine {
            config: self.engine.config.clone(),
            stage: self.engine.stage.clone(),
            registry: self.engine.registry.clone(),
            providers: self.engine.providers.clone(),
            parallelism: self.engine.parallelism,
            base_dir: self.engine.base_dir.clone(),
            faults: self.engine.faults.clone(),
            retry: self.engine.retry,
            events,
        };
        let writer = Arc::new(StateWriter::new(self.backend.clone(), state, version));
        let report = engine.apply(&plan, &self.graph, writer.clone()).await;
        // Dropping the engine closes the event channel: the caller's progress ends with it.
        drop(engine);
        let Ok(writer) = Arc::try_unwrap(writer) else {
            unreachable!("the apply walk keeps no handle on the state writer after it returns");
        };
        let state = writer.finish().await.map(|(state, _)| state);
        Ok(Applied::Walked { report, state })
    }
}

/// How `now` differs from `approved`, in words; `None` when it does the same.
fn difference(approved: &Plan, now: &Plan) -> Option<String> {
    if approved.mode != now.mode || approved.stage != now.stage {
        return Some(format!(
            "the approved plan is a {:?} plan of stage `{}`, this run a {:?} plan of stage `{}`",
            approved.mode, approved.stage, now.mode, now.stage
        ));
    }
    let a: BTreeMap<&str, &eco_plan::ResourceChange> = approved
        .changes
        .iter()
        .map(|c| (c.address.as_str(), c))
        .collect();
    let n: BTreeMap<&str, &eco_plan::ResourceChange> = now
        .changes
        .iter()
        .map(|c| (c.address.as_str(), c))
        .collect();
    let mut differences = Vec::new();
    for address in a
        .keys()
        .chain(n.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        match (a.get(address), n.get(address)) {
            (Some(x), None) => differences.push(format!(
                "{address}: approved {}, now nothing",
                word(x.action)
            )),
            (None, Some(y)) => {
                differences.push(format!("{address}: not approved, now {}", word(y.action)))
            }
            (Some(x), Some(y)) if x.action != y.action => differences.push(format!(
                "{address}: approved {}, now {}",
                word(x.action),
                word(y.action)
            )),
            // Compared as serialized, so that a saved plan read back compares equal; what a
            // destroy would lose is a reading at plan time, not part of what apply does.
            (Some(x), Some(y)) if comparable(x) != comparable(y) => {
                differences.push(format!("{address}: its {} differs", word(x.action)))
            }
            _ => {}
        }
    }
    (!differences.is_empty()).then(|| differences.join("; "))
}

/// A change as apply compares it: without the plan-time readings of what it would lose.
fn comparable(change: &eco_plan::ResourceChange) -> Option<serde_json::Value> {
    let mut change = change.clone();
    change.set_at_risk(None);
    serde_json::to_value(change).ok()
}

/// An action in the words of a plan.
fn word(action: eco_plan::Action) -> &'static str {
    match action {
        eco_plan::Action::NoOp => "import",
        eco_plan::Action::Create => "create",
        eco_plan::Action::Update => "update",
        eco_plan::Action::Replace => "replace",
        eco_plan::Action::Delete => "delete",
    }
}
