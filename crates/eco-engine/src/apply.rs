//! The apply walk and its one executor. The walk (eco-graph's `walk_grouped`) hands ready
//! changes over in groups: one change alone, or several of one batch key (Route53 records of
//! one zone). Every group, whatever its size and whatever its changes (create, update, replace
//! in either order, delete), runs through [`execute`], which drives each change through the
//! protocol of `protocol.rs`: it asks each change's hook, performs the effects the protocol
//! names (the writes of a group in one state write, the calls of a batch in one `apply_batch`),
//! and feeds back what happened. A single change is a batch of one.
//!
//! `-parallelism` bounds the changes whose calls are under way (`Shared::calls`), not the
//! changes under way: every ready change starts at once and records its intent, so that the
//! intents of the frontier go to the state writer together and share one group-committed
//! write; a change takes one of the permits for its calls only once its intent is durable, and
//! gives it back when its calls are done, before its result is written. So no change waits
//! for a state write while it holds a permit: the writes of the frontier's intents and of the
//! results overlap the calls of other changes, and each write carries whatever arrived while
//! the one before was in flight.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eco_config::{Address, Config, StageContext};
use eco_graph::{walk_grouped, Direction, Outcome as WalkOutcome, ResourceGraph};
use eco_plan::{
    attrs_from_json, attrs_to_json, desired_attrs, Action, EvalContext, Known, Plan, ResourceChange,
};
use eco_provider::{BatchItem, BatchOp, Live, OpContext, OpError, ResourceProvider, RunCache};
use eco_state::{Mutation, OutputValue, PendingIntent, ResourceState, StateBackend, StateWriter};
use tokio::sync::mpsc;

use crate::protocol::{self, Call, Effect, Event as Ev, Kind, Order, Outcome, Phase};
use crate::{
    known_from_state, op_context, resource_state, token, ApplyReport, Engine, EngineError, Event,
    Faults, ProviderExpander, Providers, RetryPolicy, Step,
};

struct Shared {
    config: Arc<Config>,
    stage: Arc<StageContext>,
    registry: Arc<Registry>,
    providers: Arc<Providers>,
    faults: Faults,
    retry: RetryPolicy,
    events: Option<mpsc::UnboundedSender<Event>>,
    writer: Arc<StateWriter<dyn StateBackend>>,
    changes: HashMap<String, ResourceChange>,
    known: Mutex<Known>,
    /// What state held for each address when the apply began.
    prior: HashMap<String, ResourceState>,
    token_seed: String,
    expander: ProviderExpander,
    /// The old resources of the create-before-destroy replacements done so far (recorded at
    /// their deposed addresses), for the deletions to delete.
    deposed: Mutex<Vec<ResourceState>>,
    /// One lock per lane ([`ResourceProvider::lane`]): a lane's changes run one at a time.
    lanes: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// `-parallelism` permits: a group holds one while its calls are under way.
    calls: Arc<tokio::sync::Semaphore>,
    /// What the apply's operations share (`OpContext::run`).
    run: RunCache,
}

use eco_schema::Registry;

type GroupResult = Vec<(Address, Result<Option<Action>, EngineError>)>;

impl Engine {
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
            retry: self.retry,
            events: self.events.clone(),
            writer: writer.clone(),
            changes: plan
                .changes
                .iter()
                .map(|c| (c.address.clone(), c.clone()))
                .collect(),
            known: Mutex::new(known_from_state(&state)),
            prior: state
                .resources
                .iter()
                .map(|r| (r.address.clone(), r.clone()))
                .collect(),
            token_seed: format!("{}:{}", state.lineage, state.serial),
            expander: self.expander(),
            deposed: Mutex::new(Vec::new()),
            lanes: Mutex::new(HashMap::new()),
            calls: Arc::new(tokio::sync::Semaphore::new(self.parallelism.max(1))),
            run: RunCache::new(),
        });
        let mut report = ApplyReport::default();

        // Phase 0: the removed parts of a REST API whose deployment is replaced, so that the new
        // deployment snapshots the API without them (eco_plan::redeploy).
        let early = eco_plan::redeploy::deleted_before_redeploy(plan, &state);
        if !early.is_empty() {
            let deletes: Vec<&ResourceChange> = plan
                .changes
                .iter()
                .filter(|c| early.contains(&c.address))
                .collect();
            self.delete_in_reverse_order(&shared, &deletes, &mut report)
                .await;
        }

        // Phase 1: creates, updates and replacements, dependencies first.
        let outcomes = walk_grouped(
            graph,
            Direction::Forward,
            // Every ready change starts (its intent joins the frontier's write); the calls
            // are bounded by `Shared::calls`.
            usize::MAX,
            |address| shared.batch_key(address, false),
            |batch| run_group(shared.clone(), batch, false),
        )
        .await;
        collect(&mut report, outcomes);

        // Phase 2: deletions, dependents first (by the dependencies state recorded), with the old
        // resources create-before-destroy replacements deposed (their dependents now use the
        // replacements).
        let deposed = std::mem::take(&mut *shared.deposed.lock().expect("not poisoned"));
        let deposed_deletes: Vec<ResourceChange> = deposed.iter().map(deposed_delete).collect();
        let shared = if deposed.is_empty() {
            shared
        } else {
            Arc::new(shared.with_deletes(&deposed_deletes, deposed))
        };
        let deletes: Vec<&ResourceChange> = plan
            .changes
            .iter()
            .filter(|c| c.action == Action::Delete && !early.contains(&c.address))
            .chain(&deposed_deletes)
            .collect();
        self.delete_in_reverse_order(&shared, &deletes, &mut report)
            .await;

        // Outputs, from the values as they are now.
        if plan.mode != eco_plan::Mode::Destroy {
            let known = shared.known.lock().expect("not poisoned").clone();
            let mut outputs = BTreeMap::new();
            let expander = self.expander();
            let sensitivity =
                eco_plan::sensitive::Sensitivity::of_config(&self.config, &self.registry);
            for o in &self.config.outputs {
                if let Ok(v) = eco_plan::desired::eval_expr(&self.eval(&expander), &o.value, &known)
                {
                    if !v.contains_unknown() {
                        outputs.insert(
                            o.name.clone(),
                            OutputValue {
                                value: v.to_json(),
                                sensitive: o.sensitive || sensitivity.taints(&o.value),
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

    /// Runs `deletes`, dependents first (by the dependencies state recorded).
    async fn delete_in_reverse_order(
        &self,
        shared: &Arc<Shared>,
        deletes: &[&ResourceChange],
        report: &mut ApplyReport,
    ) {
        if deletes.is_empty() {
            return;
        }
        let mut g = ResourceGraph::new();
        let names: HashSet<&str> = deletes.iter().map(|c| c.address.as_str()).collect();
        let span = eco_config::Span::new(eco_config::FileId(0), 0, 0);
        for c in deletes {
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
            // Every ready change starts (its intent joins the frontier's write); the calls
            // are bounded by `Shared::calls`.
            usize::MAX,
            |address| shared.batch_key(address, true),
            |batch| run_group(shared.clone(), batch, true),
        )
        .await;
        collect(report, outcomes);
    }
}

/// The delete of the old resource a create-before-destroy replacement deposed.
fn deposed_delete(old: &ResourceState) -> ResourceChange {
    ResourceChange {
        address: old.address.clone(),
        type_name: old.type_.clone(),
        action: Action::Delete,
        id: Some(old.id.clone()),
        changes: Vec::new(),
        replace_because: Vec::new(),
        create_before_destroy: false,
        dependencies: old.dependencies.clone(),
        reason: Some("replaced (create-before-destroy)".into()),
        import_id: None,
        at_risk: None,
    }
}

fn collect(
    report: &mut ApplyReport,
    outcomes: BTreeMap<Address, WalkOutcome<Option<Action>, EngineError>>,
) {
    for (address, outcome) in outcomes {
        match outcome {
            // A deposed resource's delete is the end of its replacement, reported already.
            WalkOutcome::Done(Some(_)) if protocol::replaced_by(&address.to_string()).is_some() => {
            }
            WalkOutcome::Done(Some(action)) => report.done.push((address.to_string(), action)),
            WalkOutcome::Done(None) => {}
            WalkOutcome::Failed(e) => report.errors.push(e),
            WalkOutcome::Skipped { because } => report
                .skipped
                .push((address.to_string(), because.to_string())),
        }
    }
}

impl Shared {
    /// The same apply with `extra` deletions (of the `prior` resources given), for phase 2.
    fn with_deletes(&self, extra: &[ResourceChange], prior: Vec<ResourceState>) -> Shared {
        let mut changes = self.changes.clone();
        changes.extend(extra.iter().map(|c| (c.address.clone(), c.clone())));
        let mut all_prior = self.prior.clone();
        all_prior.extend(prior.into_iter().map(|r| (r.address.clone(), r)));
        Shared {
            config: self.config.clone(),
            stage: self.stage.clone(),
            registry: self.registry.clone(),
            providers: self.providers.clone(),
            faults: self.faults.clone(),
            retry: self.retry,
            events: self.events.clone(),
            writer: self.writer.clone(),
            changes,
            known: Mutex::new(self.known.lock().expect("not poisoned").clone()),
            prior: all_prior,
            token_seed: self.token_seed.clone(),
            expander: self.expander.clone(),
            deposed: Mutex::new(Vec::new()),
            lanes: Mutex::new(HashMap::new()),
            calls: self.calls.clone(),
            run: self.run.clone(),
        }
    }

    /// Where an operation on `key` reports its progress: the run's events, when anyone listens.
    fn progress_sink(&self, key: &str) -> eco_provider::ProgressSink {
        let (Some(tx), address) = (self.events.clone(), key.to_string()) else {
            return eco_provider::ProgressSink::default();
        };
        eco_provider::ProgressSink::new(move |p| {
            let _ = tx.send(Event::Progress {
                address: address.clone(),
                done: p.done,
                total: p.total,
                unit: p.unit,
            });
        })
    }

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
        crate::provider_for(&self.providers, address, type_name)
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
            Action::Delete => attrs_from_json(&self.prior.get(&key)?.attributes),
            _ => return None,
        };
        provider
            .batch_key(&attrs)
            .map(|k| format!("{}:{k}", address.type_name))
    }
}

/// One change on its way through the protocol.
struct Item {
    address: Address,
    key: String,
    action: Action,
    kind: Kind,
    provider: Arc<dyn ResourceProvider>,
    ctx: OpContext,
    /// Desired attributes (empty for a delete).
    desired: eco_plan::Attrs,
    /// What state held before (required for an update or a delete).
    prior: Option<ResourceState>,
    /// What an update changes.
    changed: Vec<String>,
    /// The idempotency token of a create.
    token: String,
    dependencies: Vec<String>,
    phase: Phase,
    effect: Effect,
    /// The try of the current call (from 1), and the wait before re-sending it.
    attempt: u32,
    delay: Duration,
    /// When the current call first failed with the error it fails with now (a transient error's
    /// budget runs from there), and which rule that error came under (its `why`).
    failing_since: Option<tokio::time::Instant>,
    failing_as: Option<&'static str>,
    /// What the create or update call made.
    made: Option<Live>,
    error: Option<EngineError>,
    /// When its calls started (until then, when it was prepared).
    started: Instant,
    /// Whether `Event::Started` was sent for it.
    announced: bool,
}

impl Item {
    fn feed(&mut self, event: Ev) {
        match protocol::next(self.kind, self.phase, event) {
            Some(t) => {
                self.phase = t.phase;
                self.effect = t.effect;
            }
            None => {
                // The executor feeds only events the protocol takes; anything else is a bug,
                // reported rather than hidden.
                self.error.get_or_insert(EngineError::Evaluation {
                    address: self.key.clone(),
                    message: format!(
                        "internal: the apply protocol does not take {event:?} in {:?}",
                        self.phase
                    ),
                });
                self.phase = Phase::Failed(protocol::kept(self.kind, self.phase));
                self.effect = Effect::Stop;
            }
        }
    }

    /// Sends `Event::Started` for it, once.
    fn announce(&mut self, shared: &Shared) {
        if !self.announced {
            self.announced = true;
            self.started = Instant::now();
            shared.emit(Event::Started {
                address: self.key.clone(),
                action: self.action,
            });
        }
    }

    fn fail(&mut self, event: Ev, error: EngineError) {
        self.error = Some(error);
        self.feed(event);
    }

    fn operation_error(&self, error: OpError) -> EngineError {
        EngineError::Operation {
            address: self.key.clone(),
            action: self.action,
            error,
        }
    }

    /// The arguments of a call, as a batch item.
    fn batch_item(&self, call: Call) -> BatchItem {
        let op = match call {
            Call::Create => BatchOp::Create {
                desired: self.desired.clone(),
                token: self.token.clone(),
            },
            Call::Update => {
                let prior = self.prior.as_ref().expect("an update has its prior state");
                BatchOp::Update {
                    id: prior.id.clone(),
                    prior: attrs_from_json(&prior.attributes),
                    desired: self.desired.clone(),
                    changed: self.changed.clone(),
                }
            }
            Call::Delete | Call::DeleteOld => {
                let prior = self.prior.as_ref().expect("a delete has its prior state");
                BatchOp::Delete {
                    id: prior.id.clone(),
                    prior: attrs_from_json(&prior.attributes),
                }
            }
        };
        BatchItem {
            ctx: self.ctx.clone(),
            op,
        }
    }

    /// Makes one call alone.
    async fn call(&self, call: Call) -> Result<Option<Live>, OpError> {
        if call == Call::DeleteOld && self.prior.is_none() {
            // Nothing to delete: no old resource.
            return Ok(None);
        }
        let p = &self.provider;
        match self.batch_item(call).op {
            BatchOp::Create { desired, token } => {
                p.create(&self.ctx, &desired, &token).await.map(Some)
            }
            BatchOp::Update {
                id,
                prior,
                desired,
                changed,
            } => p
                .update(&self.ctx, &id, &prior, &desired, &changed)
                .await
                .map(Some),
            BatchOp::Delete { id, prior } => p.delete(&self.ctx, &id, &prior).await.map(|_| None),
        }
    }

    /// The old resource of a create-before-destroy replacement, at its deposed address.
    fn deposed(&self) -> Option<ResourceState> {
        let old = self
            .prior
            .as_ref()
            .filter(|_| protocol::old_is_live(self.kind))?;
        Some(ResourceState {
            address: protocol::deposed(&self.key),
            ..old.clone()
        })
    }

    /// The state writes its current effect makes (none, one, or for a create-before-destroy
    /// replacement's result two: the new resource, and the old one at its deposed address).
    fn mutations(&self) -> Vec<Mutation> {
        let mut out: Vec<Mutation> = self.mutation().into_iter().collect();
        if self.effect == Effect::WriteResult {
            out.extend(self.deposed().map(Mutation::Upsert));
        }
        out
    }

    /// The state write its current effect makes, if any.
    fn mutation(&self) -> Option<Mutation> {
        match self.effect {
            Effect::WriteIntent => {
                let operation = self.kind.intent()?;
                let token = match self.kind {
                    Kind::Delete => self
                        .prior
                        .as_ref()
                        .map(|p| p.id.clone())
                        .unwrap_or_default(),
                    _ => self.token.clone(),
                };
                let intent = PendingIntent::new(self.key.clone(), operation, token);
                Some(Mutation::Intent(match self.kind {
                    Kind::Create | Kind::Replace(_) => intent
                        .with_desired(attrs_to_json(&self.desired))
                        .replacing(self.ctx.replacing.clone()),
                    Kind::Update | Kind::Delete => intent,
                }))
            }
            Effect::WriteResult => {
                let result = match self.kind {
                    Kind::Delete => None,
                    _ => self.made.clone().map(|live| {
                        resource_state(
                            &self.key,
                            &self.address.type_name,
                            live,
                            self.dependencies.clone(),
                        )
                    }),
                };
                Some(Mutation::Resolve {
                    address: self.key.clone(),
                    result,
                })
            }
            Effect::Withdraw => Some(Mutation::Resolve {
                address: self.key.clone(),
                result: self.prior.clone(),
            }),
            _ => None,
        }
    }
}

/// What preparing a change found.
enum Prepared {
    Item(Box<Item>),
    /// A delete of something state no longer has: nothing to do.
    NothingToDelete,
}

fn prepare(
    shared: &Shared,
    address: &Address,
    change: &ResourceChange,
) -> Result<Prepared, EngineError> {
    let key = address.to_string();
    let prior = shared.prior.get(&key).cloned();
    let kind = match change.action {
        Action::Create => Kind::Create,
        Action::Update => Kind::Update,
        Action::Delete => Kind::Delete,
        Action::Replace if change.create_before_destroy => {
            Kind::Replace(Order::CreateBeforeDestroy)
        }
        Action::Replace => Kind::Replace(Order::DestroyBeforeCreate),
        Action::NoOp => {
            return Err(EngineError::Evaluation {
                address: key,
                message: "internal: nothing to apply".into(),
            })
        }
    };
    let (provider, desired) = if kind == Kind::Delete {
        let Some(prior) = &prior else {
            return Ok(Prepared::NothingToDelete);
        };
        (shared.provider(&key, &prior.type_)?, eco_plan::Attrs::new())
    } else {
        let provider = shared.provider(&key, &address.type_name)?;
        (provider, shared.final_desired(address)?)
    };
    let changed = if kind == Kind::Update {
        let prior = prior.as_ref().ok_or_else(|| EngineError::Evaluation {
            address: key.clone(),
            message: "planned as an update, but it is not in state".into(),
        })?;
        shared.changed_attributes(address, &desired, &attrs_from_json(&prior.attributes))
    } else {
        Vec::new()
    };
    let begin = protocol::begin(kind);
    // A create beside the live old resource must never adopt it.
    let replacing = prior
        .as_ref()
        .filter(|_| protocol::old_is_live(kind))
        .map(|old| old.id.clone());
    Ok(Prepared::Item(Box::new(Item {
        address: address.clone(),
        // A deposed resource is deleted as what it was: the address it was replaced at.
        ctx: op_context(
            &shared.config,
            &shared.stage,
            &shared.expander.base_dir,
            protocol::replaced_by(&key).unwrap_or(&key),
        )
        .with_replacing(replacing)
        .with_progress(shared.progress_sink(&key))
        .with_run(shared.run.clone()),
        token: token(&shared.token_seed, &key),
        key,
        action: change.action,
        kind,
        provider,
        desired,
        prior,
        changed,
        dependencies: change.dependencies.clone(),
        phase: begin.phase,
        effect: begin.effect,
        attempt: 1,
        delay: Duration::ZERO,
        failing_since: None,
        failing_as: None,
        made: None,
        error: None,
        started: Instant::now(),
        announced: false,
    })))
}

/// Runs a group of ready changes (see the module docs). The forward walk (`deletes` false)
/// leaves deletions to the reverse walk.
async fn run_group(shared: Arc<Shared>, group: Vec<Address>, deletes: bool) -> GroupResult {
    let batched = group.len() > 1;
    let mut results: GroupResult = Vec::new();
    let mut items = Vec::new();
    for address in group {
        let key = address.to_string();
        let Some(change) = shared.changes.get(&key).cloned() else {
            results.push((address, Ok(None)));
            continue;
        };
        if (change.action == Action::Delete) != deletes {
            results.push((address, Ok(None)));
            continue;
        }
        if change.import_id.is_some() {
            // An `import` block: the resource plan time read is recorded first.
            if let Some(mut r) = shared.prior.get(&key).cloned() {
                r.dependencies = change.dependencies.clone();
                if let Err(e) = shared.writer.submit(Mutation::Upsert(r)).await {
                    results.push((address, Err(e.into())));
                    continue;
                }
            }
            if change.action == Action::NoOp {
                shared.emit(Event::Finished {
                    address: key,
                    action: Action::NoOp,
                    id: change.import_id.clone(),
                    elapsed: Duration::ZERO,
                });
                results.push((address, Ok(Some(Action::NoOp))));
                continue;
            }
        }
        if change.action == Action::NoOp {
            results.push((address, Ok(None)));
            continue;
        }
        // A change is announced when its calls start (see `execute`); one that makes none is
        // announced here.
        let started = || {
            shared.emit(Event::Started {
                address: key.clone(),
                action: change.action,
            })
        };
        match prepare(&shared, &address, &change) {
            Ok(Prepared::Item(item)) => items.push(*item),
            Ok(Prepared::NothingToDelete) => {
                started();
                shared.emit(Event::Finished {
                    address: key,
                    action: change.action,
                    id: None,
                    elapsed: Duration::ZERO,
                });
                results.push((address, Ok(Some(change.action))));
            }
            Err(e) => {
                started();
                shared.emit(Event::Failed {
                    address: key,
                    action: change.action,
                    error: e.to_string(),
                });
                results.push((address, Err(e)));
            }
        }
    }
    if !items.is_empty() {
        // Where AWS serializes writes per parent (a function's policy, an API), the group waits
        // for the lane's change in flight to end.
        let lane = items.first().and_then(|item| shared.lane(item));
        let _turn = match lane {
            Some(lock) => Some(lock.lock_owned().await),
            None => None,
        };
        results.extend(execute(&shared, items, batched).await);
    }
    results
}

impl Shared {
    /// The lock of the lane `item` runs in, if its type has lanes. Lanes are shared across
    /// types (an API's routes and integrations share one).
    fn lane(&self, item: &Item) -> Option<Arc<tokio::sync::Mutex<()>>> {
        let attrs = match (&item.kind, &item.prior) {
            (Kind::Delete, Some(prior)) => attrs_from_json(&prior.attributes),
            _ => item.desired.clone(),
        };
        let key = item.provider.lane(&attrs)?;
        let mut lanes = self.lanes.lock().expect("not poisoned");
        Some(lanes.entry(key).or_default().clone())
    }
}

/// Drives `items` through the protocol to their ends. Each round, every change takes one step:
/// its hook is asked; then the round's state writes go in one write, and its calls in one
/// `apply_batch` when `batched` (else one by one).
async fn execute(shared: &Shared, mut items: Vec<Item>, batched: bool) -> GroupResult {
    // The group's `-parallelism` permit, held from its first call to its last.
    let mut permit: Option<tokio::sync::OwnedSemaphorePermit> = None;
    loop {
        let active: Vec<usize> = (0..items.len())
            .filter(|&i| !items[i].phase.is_terminal())
            .collect();
        if active.is_empty() {
            break;
        }
        // Items take at most one step per round.
        let mut moved = vec![false; items.len()];

        // Hooks: the phase's fault step, before its effect.
        for &i in &active {
            let item = &mut items[i];
            if let Some(step) = protocol::hook(item.phase) {
                if shared.faults.stops_at(step, &item.key) {
                    // As a crash: state keeps what is durable, nothing more is done.
                    let error = OpError::new(
                        item.action.progress_verb(),
                        eco_provider::ErrorKind::Other,
                        format!("injected stop at {step}"),
                    );
                    let error = item.operation_error(error);
                    item.fail(Ev::Crash, error);
                    moved[i] = true;
                } else if let Err(e) = shared.fault(step, &item.key, item.action) {
                    item.fail(Ev::Fault, e);
                    moved[i] = true;
                }
            }
        }

        // Done but for the last hook.
        for &i in &active {
            if !moved[i] && items[i].effect == Effect::Complete {
                items[i].feed(Ev::Completed);
                moved[i] = true;
            }
        }

        // State writes: intents, results and withdrawals of the round, in one write.
        let writes: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&i| {
                !moved[i]
                    && matches!(
                        items[i].effect,
                        Effect::WriteIntent | Effect::WriteResult | Effect::Withdraw
                    )
            })
            .collect();
        if !writes.is_empty() {
            let mut mutations = Vec::new();
            for &i in &writes {
                let item = &items[i];
                for m in item.mutations() {
                    if let (
                        Effect::WriteResult,
                        Mutation::Resolve {
                            result: Some(r), ..
                        },
                    ) = (item.effect, &m)
                    {
                        shared
                            .known
                            .lock()
                            .expect("not poisoned")
                            .set(item.key.clone(), attrs_from_json(&r.attributes));
                    }
                    mutations.push(m);
                }
            }
            // Updates record no intent: nothing to wait for.
            let written = if mutations.is_empty() {
                Ok(())
            } else {
                shared.writer.submit_all(mutations).await.map(|_| ())
            };
            for &i in &writes {
                let item = &mut items[i];
                match &written {
                    Ok(()) => {
                        let event = if item.effect == Effect::WriteIntent {
                            Ev::IntentWritten
                        } else {
                            Ev::ResultWritten
                        };
                        item.feed(event);
                    }
                    Err(e) => item.fail(Ev::WriteFailed, e.clone().into()),
                }
                moved[i] = true;
            }
        }

        // Calls.
        let sends: Vec<usize> = active
            .iter()
            .copied()
            .filter(|&i| !moved[i] && matches!(items[i].effect, Effect::Send(_)))
            .collect();
        if !sends.is_empty() {
            if permit.is_none() {
                permit = Some(
                    shared
                        .calls
                        .clone()
                        .acquire_owned()
                        .await
                        .expect("the semaphore is never closed"),
                );
            }
            for &i in &sends {
                items[i].announce(shared);
            }
            let wait = sends
                .iter()
                .map(|&i| items[i].delay)
                .max()
                .unwrap_or_default();
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            let mut calls = Vec::new();
            for &i in &sends {
                let item = &mut items[i];
                item.delay = Duration::ZERO;
                item.feed(Ev::Sent);
                if let (Phase::CallSent(call), Effect::Await) = (item.phase, item.effect) {
                    calls.push((i, call));
                }
            }
            let (together, alone): (Vec<_>, Vec<_>) = calls
                .into_iter()
                .partition(|(_, call)| batched && *call != Call::DeleteOld);
            if !together.is_empty() {
                let batch = together
                    .iter()
                    .map(|&(i, call)| items[i].batch_item(call))
                    .collect();
                let mut outcomes = items[together[0].0].provider.apply_batch(batch).await;
                outcomes.resize_with(together.len(), || {
                    Err(OpError::new(
                        "ApplyBatch",
                        eco_provider::ErrorKind::Other,
                        "the batch returned no result for this change",
                    ))
                });
                for (&(i, call), outcome) in together.iter().zip(outcomes) {
                    returned(shared, &mut items[i], call, outcome, batched);
                }
            }
            for (i, call) in alone {
                let outcome = items[i].call(call).await;
                returned(shared, &mut items[i], call, outcome, batched);
            }
            for &i in &sends {
                moved[i] = true;
            }
            // Calls done: the permit goes to another change while this one's result is written.
            if !items
                .iter()
                .any(|item| matches!(item.effect, Effect::Send(_)))
            {
                permit = None;
            }
        }

        // Every effect is one of the above; a change that took no step would wait forever.
        for &i in &active {
            if !moved[i] {
                let item = &mut items[i];
                item.error.get_or_insert(EngineError::Evaluation {
                    address: item.key.clone(),
                    message: format!(
                        "internal: no step for {:?} in {:?}",
                        item.effect, item.phase
                    ),
                });
                item.phase = Phase::Failed(protocol::kept(item.kind, item.phase));
                item.effect = Effect::Stop;
            }
        }
    }

    // Replacements done: their old resources are for the deletions to delete.
    let done = items.iter().filter(|item| item.phase == Phase::Done);
    let deposed: Vec<ResourceState> = done.filter_map(Item::deposed).collect();
    if !deposed.is_empty() {
        shared.deposed.lock().expect("not poisoned").extend(deposed);
    }

    drop(permit);
    items
        .into_iter()
        .map(|mut item| {
            item.announce(shared);
            let result = match item.phase {
                Phase::Done => {
                    shared.emit(Event::Finished {
                        address: item.key.clone(),
                        action: item.action,
                        id: match item.kind {
                            Kind::Delete => None,
                            _ => item.made.as_ref().map(|l| l.id.clone()),
                        },
                        elapsed: item.started.elapsed(),
                    });
                    Ok(Some(item.action))
                }
                _ => {
                    let error = item.error.unwrap_or_else(|| EngineError::Evaluation {
                        address: item.key.clone(),
                        message: format!("internal: the change stopped in {:?}", item.phase),
                    });
                    shared.emit(Event::Failed {
                        address: item.key.clone(),
                        action: item.action,
                        error: error.to_string(),
                    });
                    Err(error)
                }
            };
            (item.address, result)
        })
        .collect()
}

/// Feeds a call's outcome to its change: retried when the policy says so, else final. A
/// batched create is retried only for an error its type's rules call transient (AWS refused the
/// whole batch, e.g. Route53's PriorRequestNotComplete: nothing took effect); otherwise whether
/// a create in a failed batch took effect is for the next run's settle to find. Batched updates
/// and deletes are retried like single ones, re-sent together.
fn returned(
    shared: &Shared,
    item: &mut Item,
    call: Call,
    outcome: Result<Option<Live>, OpError>,
    batched: bool,
) {
    match outcome {
        Ok(Some(live)) if call == Call::Create && item.ctx.is_replaced(&live.id) => {
            // The create answered the resource it replaces: nothing new exists beside it.
            let error = OpError::new(
                "Create",
                eco_provider::ErrorKind::Conflict,
                format!(
                    "a replacement must exist beside the resource it replaces (create-before-destroy), \
                     but it would be the same one (id {}): remove `create-before-destroy` from the \
                     lifecycle, or change what names it",
                    live.id
                ),
            );
            let error = item.operation_error(error);
            item.fail(Ev::Returned(Outcome::Old), error);
        }
        Ok(live) => {
            if matches!(call, Call::Create | Call::Update) {
                item.made = live;
            }
            item.attempt = 1;
            item.failing_since = None;
            item.failing_as = None;
            item.feed(Ev::Returned(Outcome::Ok));
        }
        Err(error) => {
            let rules = item.provider.transient();
            // Each kind of refusal has its own budget: a change of kind starts the clock again.
            let failing_as = match eco_provider::transient::find(rules, &error) {
                Some(rule) => Some(rule.why),
                None => (error.kind == eco_provider::ErrorKind::Retryable)
                    .then_some(crate::retry::RETRYABLE.why),
            };
            if item.failing_as != failing_as {
                item.failing_as = failing_as;
                item.failing_since = None;
                item.attempt = 1;
            }
            let failing_for = item
                .failing_since
                .get_or_insert_with(tokio::time::Instant::now)
                .elapsed();
            let (retry, rule) = shared
                .retry
                .retry_with(rules, &error, item.attempt, failing_for);
            let retry = retry.filter(|_| {
                !(batched
                    && call == Call::Create
                    && rule.is_none()
                    && !item.provider.resends_batches_safely())
            });
            let error = match rule {
                Some(rule) if retry.is_none() => OpError {
                    message: format!(
                        "{} (still refused after retrying for {:.0?}: {})",
                        error.message, failing_for, rule.why
                    ),
                    ..error
                },
                _ => error,
            };
            match retry {
                Some(delay) => {
                    match rule {
                        Some(rule) => {
                            tracing::info!(address = %item.key, operation = %error.operation, attempt = item.attempt, "retrying ({}): {}", rule.why, error.message)
                        }
                        None => {
                            tracing::debug!(address = %item.key, operation = %error.operation, attempt = item.attempt, "retrying: {}", error.message)
                        }
                    }
                    item.attempt += 1;
                    item.delay = delay;
                    if call == Call::Create {
                        // The failed attempt may have taken effect (a lost answer).
                        item.ctx = item.ctx.clone().with_attempted();
                    }
                    item.feed(Ev::Returned(Outcome::Retry));
                }
                None => {
                    let error = item.operation_error(error);
                    item.fail(Ev::Returned(Outcome::Err), error);
                }
            }
        }
    }
}
