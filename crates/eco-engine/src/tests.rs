//! The engine's own tests: ordering, write-ahead intents, failure at each step, recovery of an
//! interrupted create, group commit. The resource type here is an in-memory one (the engine's
//! logic is under test; each real type passes the same standard tests against moto).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use eco_config::{parse_sources, Sources};
use eco_graph::ResourceGraph;
use eco_plan::{plan, EvalContext, Mode, PlanRequest};
use eco_provider::{Attrs, Live, OpContext, OpError, ResourceProvider};
use eco_schema::{Attribute, Registry, Schema, Value};
use eco_state::{MemoryBackend, State, StateBackend, StateWriter};

use super::*;

/// An in-memory "cloud" of named things, with ownership tags, that counts calls.
struct Things {
    schema: Schema,
    live: Mutex<BTreeMap<String, Attrs>>,
    creates: AtomicUsize,
    fail_names: Vec<String>,
    /// Things whose `ref` is set batch by it (like records by zone); sizes of the batches run.
    batches: Mutex<Vec<usize>>,
    /// The calls made, in order (`create a`, `delete a`, ...).
    calls: Mutex<Vec<String>>,
    /// How many of the next reads (read, find) and batches answer "throttled".
    throttle_reads: AtomicUsize,
    throttle_batches: AtomicUsize,
    /// `find` looks for any thing this address owns (by ownership tags alone, as ACM
    /// certificates and CloudFront distributions are found), not for the desired name.
    find_by_tags: bool,
    /// `resends_batches_safely` (as Route53 records: a resent batch is reconciled).
    safe_batches: bool,
    /// How many reads were made; whether each lookup saw more than `reads_before_run` reads
    /// before it answered (it waits up to a second for them): a lookup read alongside refresh
    /// does, one read before the run's refresh does not.
    reads: AtomicUsize,
    reads_before_run: AtomicUsize,
    lookups_saw_a_read: Mutex<Vec<bool>>,
    /// How long a create takes (on tokio's clock), and the most creates seen in flight at once.
    create_delay: std::time::Duration,
    creating: AtomicUsize,
    most_creating: AtomicUsize,
}

/// Takes one from a throttle counter: whether this call is throttled.
fn throttled(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn throttle_error() -> OpError {
    OpError::new(
        "Thing",
        eco_provider::ErrorKind::Retryable,
        "Throttling: slow down",
    )
}

impl Things {
    fn new(fail_names: &[&str]) -> Arc<Things> {
        Arc::new(Things {
            schema: schema(),
            live: Mutex::new(BTreeMap::new()),
            creates: AtomicUsize::new(0),
            fail_names: fail_names.iter().map(|s| s.to_string()).collect(),
            batches: Mutex::new(Vec::new()),
            calls: Mutex::new(Vec::new()),
            throttle_reads: AtomicUsize::new(0),
            throttle_batches: AtomicUsize::new(0),
            find_by_tags: false,
            safe_batches: false,
            reads: AtomicUsize::new(0),
            reads_before_run: AtomicUsize::new(0),
            lookups_saw_a_read: Mutex::new(Vec::new()),
            create_delay: std::time::Duration::ZERO,
            creating: AtomicUsize::new(0),
            most_creating: AtomicUsize::new(0),
        })
    }

    /// Things whose every create takes `delay` (see `create_delay`).
    fn slow(delay: std::time::Duration) -> Arc<Things> {
        let mut things = Arc::try_unwrap(Things::new(&[])).ok().expect("one owner");
        things.create_delay = delay;
        Arc::new(things)
    }

    /// Things found by ownership tags alone (see `find_by_tags`).
    fn found_by_tags() -> Arc<Things> {
        let mut things = Arc::try_unwrap(Things::new(&[])).ok().expect("one owner");
        things.find_by_tags = true;
        Arc::new(things)
    }

    /// The live things: name -> size.
    fn sizes(&self) -> BTreeMap<String, Option<i64>> {
        self.live
            .lock()
            .unwrap()
            .iter()
            .map(|(k, a)| {
                let size = match a.get("size") {
                    Some(Value::Int(n)) => Some(*n),
                    _ => None,
                };
                (k.clone(), size)
            })
            .collect()
    }
    fn with_arn(name: &str, mut attrs: Attrs) -> Live {
        attrs.insert("arn".into(), Value::String(format!("arn:thing:{name}")));
        Live {
            id: name.to_string(),
            attrs,
        }
    }
}

fn schema() -> Schema {
    Schema::new("thing", "test")
        .attr(Attribute::string("name").required().forces_replacement())
        .attr(Attribute::string("ref"))
        .attr(Attribute::int("size"))
        .attr(Attribute::string("kind").forces_replacement())
        .attr(Attribute::string("arn").computed())
        .taggable()
}

fn tags_of(attrs: &Attrs) -> BTreeMap<String, String> {
    match attrs.get("tags") {
        Some(Value::Map(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn name_of(attrs: &Attrs) -> String {
    attrs
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[async_trait]
impl ResourceProvider for Things {
    fn schema(&self) -> &Schema {
        &self.schema
    }
    async fn lookup(&self, _: &OpContext, _: &Attrs) -> Option<Result<Vec<Live>, OpError>> {
        let before = self.reads_before_run.load(Ordering::SeqCst);
        let mut saw = false;
        for _ in 0..100 {
            if self.reads.load(Ordering::SeqCst) > before {
                saw = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        self.lookups_saw_a_read.lock().unwrap().push(saw);
        let live = self.live.lock().unwrap().clone();
        Some(Ok(live
            .into_iter()
            .map(|(name, attrs)| Things::with_arn(&name, attrs))
            .collect()))
    }
    async fn read(&self, _: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if throttled(&self.throttle_reads) {
            return Err(throttle_error());
        }
        Ok(self
            .live
            .lock()
            .unwrap()
            .get(id)
            .cloned()
            .map(|a| Things::with_arn(id, a)))
    }
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        if throttled(&self.throttle_reads) {
            return Err(throttle_error());
        }
        if self.find_by_tags {
            let live = self.live.lock().unwrap().clone();
            return Ok(live
                .into_iter()
                .filter(|(id, _)| !ctx.is_replaced(id))
                .find(|(_, a)| ctx.owns(&tags_of(a)))
                .map(|(id, a)| Things::with_arn(&id, a)));
        }
        let name = name_of(desired);
        let live = self
            .live
            .lock()
            .unwrap()
            .get(&name)
            .cloned()
            .filter(|_| !ctx.is_replaced(&name));
        match live {
            Some(a) => {
                let tags = match a.get("tags") {
                    Some(Value::Map(m)) => m
                        .iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                        .collect(),
                    _ => BTreeMap::new(),
                };
                if ctx.owns(&tags) {
                    Ok(Some(Things::with_arn(&name, a)))
                } else {
                    Err(OpError::new(
                        "FindThing",
                        eco_provider::ErrorKind::Conflict,
                        "owned by someone else",
                    ))
                }
            }
            None => Ok(None),
        }
    }
    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        if !self.create_delay.is_zero() {
            let now = self.creating.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_creating.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(self.create_delay).await;
            self.creating.fetch_sub(1, Ordering::SeqCst);
        }
        let name = name_of(desired);
        if self.fail_names.contains(&name) {
            return Err(OpError::invalid(
                "CreateThing",
                format!("invalid name {name}"),
            ));
        }
        if let Some(found) = self.find(ctx, desired, token).await? {
            return Ok(found);
        }
        if self.live.lock().unwrap().contains_key(&name) {
            // What AWS answers for a name in use.
            return Err(OpError::new(
                "CreateThing",
                eco_provider::ErrorKind::Conflict,
                format!("{name} already exists"),
            ));
        }
        self.creates.fetch_add(1, Ordering::SeqCst);
        self.calls.lock().unwrap().push(format!("create {name}"));
        self.live
            .lock()
            .unwrap()
            .insert(name.clone(), desired.clone());
        Ok(Things::with_arn(&name, desired.clone()))
    }
    async fn update(
        &self,
        _: &OpContext,
        id: &str,
        _: &Attrs,
        desired: &Attrs,
        _: &[String],
    ) -> Result<Live, OpError> {
        self.calls.lock().unwrap().push(format!("update {id}"));
        self.live
            .lock()
            .unwrap()
            .insert(id.to_string(), desired.clone());
        Ok(Things::with_arn(id, desired.clone()))
    }
    /// A thing holds `size` items.
    async fn data_at_risk(
        &self,
        _: &OpContext,
        id: &str,
        _: &Attrs,
    ) -> Option<Result<Option<eco_schema::DataAtRisk>, OpError>> {
        self.calls.lock().unwrap().push(format!("held {id}"));
        let size = match self
            .live
            .lock()
            .unwrap()
            .get(id)
            .and_then(|a| a.get("size"))
        {
            Some(Value::Int(n)) => *n as u64,
            _ => 0,
        };
        Some(Ok(Some(eco_schema::DataAtRisk::counted(
            "thing",
            eco_schema::Held::Items,
            size,
        ))))
    }
    async fn delete(&self, _: &OpContext, id: &str, _: &Attrs) -> Result<(), OpError> {
        self.calls.lock().unwrap().push(format!("delete {id}"));
        self.live.lock().unwrap().remove(id);
        Ok(())
    }
    fn resends_batches_safely(&self) -> bool {
        self.safe_batches
    }
    fn batch_key(&self, attrs: &Attrs) -> Option<String> {
        let name = name_of(attrs);
        name.starts_with("rec")
            .then(|| attrs.get("ref").map(|v| v.to_string()).unwrap_or_default())
    }
    async fn apply_batch(
        &self,
        items: Vec<eco_provider::BatchItem>,
    ) -> Vec<Result<Option<Live>, OpError>> {
        self.batches.lock().unwrap().push(items.len());
        if throttled(&self.throttle_batches) {
            return items.iter().map(|_| Err(throttle_error())).collect();
        }
        eco_provider::apply_one_by_one(self, items).await
    }
}

const CONFIG: &str = r#"
project "p"
stage "dev" {}
thing "a" { name "a" }
thing "b" { name "b"; ref "${thing.a.arn}" }
thing "c" { name "c"; ref "${thing.b.arn}" }
thing "d" { name "d" }
"#;

struct Harness {
    engine: Engine,
    graph: ResourceGraph,
    backend: Arc<MemoryBackend>,
    things: Arc<Things>,
}

fn harness(config: &str, things: Arc<Things>, faults: &str) -> Harness {
    let mut registry = Registry::new();
    registry.register(schema());
    let mut sources = Sources::new();
    sources.add("main.kdl", config);
    let config = parse_sources(sources, &registry).unwrap();
    let graph = ResourceGraph::from_config(&config).unwrap();
    let stage = config.select_stage(None, &[]).unwrap();
    let mut providers: Providers = BTreeMap::new();
    providers.insert("thing", things.clone());
    Harness {
        engine: Engine {
            config: Arc::new(config),
            stage: Arc::new(stage),
            registry: Arc::new(registry),
            providers: Arc::new(providers),
            parallelism: 4,
            base_dir: std::env::temp_dir(),
            faults: Faults::parse(faults).unwrap(),
            retry: RetryPolicy::default(),
            events: None,
        },
        graph,
        backend: Arc::new(MemoryBackend::new()),
        things,
    }
}

impl Harness {
    async fn state(&self) -> (State, eco_state::StateVersion) {
        self.backend
            .read("dev")
            .await
            .unwrap()
            .into_state_or_new("dev")
    }

    /// One `eco apply`: resolve intents, refresh, plan, apply. Returns the report.
    async fn apply(&self) -> ApplyReport {
        let (state, version) = self.state().await;
        let (state, _, errors) = self.engine.resolve_pending(&state).await;
        assert!(errors.is_empty(), "{errors:?}");
        let (state, errors) = self.engine.refresh(&state, None).await;
        assert!(errors.is_empty(), "{errors:?}");
        let p = self.plan(&state);
        let backend: Arc<dyn StateBackend> = self.backend.clone();
        let writer = Arc::new(StateWriter::new(backend, state, version));
        let report = self.engine.apply(&p, &self.graph, writer.clone()).await;
        Arc::try_unwrap(writer)
            .ok()
            .expect("one owner")
            .finish()
            .await
            .unwrap();
        report
    }

    fn plan(&self, state: &State) -> eco_plan::Plan {
        plan(&PlanRequest {
            eval: EvalContext {
                config: &self.engine.config,
                stage: &self.engine.stage,
                registry: &self.engine.registry,
                expander: None,
            },
            graph: &self.graph,
            state,
            prior: None,
            targets: &[],
            replace: &[],
            mode: Mode::Normal,
        })
        .unwrap()
    }
}

#[tokio::test]
async fn creates_in_dependency_order_and_records_everything() {
    let h = harness(CONFIG, Things::new(&[]), "");
    let report = h.apply().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.done.len(), 4);
    let (state, _) = h.state().await;
    assert!(state.pending.is_empty());
    assert_eq!(state.resources.len(), 4);
    // c references b's ARN, which existed only after b was created.
    let c = state.resource("thing.c").unwrap();
    assert_eq!(c.attributes["ref"], "arn:thing:b");
    assert_eq!(c.dependencies, ["thing.b"]);
    assert_eq!(c.attributes["tags"]["eco:address"], "thing.c");
    // Group commit: 4 creates = 8 intent/result mutations + outputs, in fewer writes.
    assert!(
        h.backend.write_count() <= 9,
        "{} writes",
        h.backend.write_count()
    );
    // A second apply changes nothing.
    let again = h.apply().await;
    assert!(again.done.is_empty() && again.errors.is_empty());
    assert_eq!(h.things.creates.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_failing_resource_leaves_the_rest_applied_and_state_true() {
    let h = harness(CONFIG, Things::new(&["b"]), "");
    let report = h.apply().await;
    assert_eq!(report.errors.len(), 1);
    let msg = report.errors[0].to_string();
    assert!(
        msg.contains("thing.b") && msg.contains("CreateThing"),
        "{msg}"
    );
    assert_eq!(
        report.skipped,
        [("thing.c".to_string(), "thing.b".to_string())]
    );
    let (state, _) = h.state().await;
    let mut addrs: Vec<&str> = state.addresses().collect();
    addrs.sort();
    assert_eq!(addrs, ["thing.a", "thing.d"]);
    // The failed create keeps its intent; the next plan finds it made nothing.
    assert_eq!(state.pending.len(), 1);
    let (_, found, _) = h.engine.resolve_pending(&state).await;
    assert_eq!(
        found,
        [Resolution::NotCreated {
            address: "thing.b".into()
        }]
    );
}

#[tokio::test]
async fn failure_at_each_step_leaves_state_true_and_the_next_apply_finishes() {
    for step in ["before-intent", "before-call", "after-call", "after-result"] {
        let things = Things::new(&[]);
        let h = harness(CONFIG, things.clone(), &format!("fail:{step}:thing.b"));
        let report = h.apply().await;
        assert_eq!(report.errors.len(), 1, "{step}: {:?}", report.errors);
        let (state, _) = h.state().await;
        let live_b = things.live.lock().unwrap().contains_key("b");
        match step {
            "after-call" => {
                // The call succeeded but its result was not recorded: the intent stays.
                assert!(live_b);
                assert_eq!(state.pending.len(), 1, "{step}");
                assert!(state.resource("thing.b").is_none());
            }
            "after-result" => {
                assert!(live_b && state.resource("thing.b").is_some() && state.pending.is_empty());
            }
            _ => {
                assert!(!live_b, "{step}: no call was made");
                assert!(state.pending.is_empty(), "{step}: {:?}", state.pending);
            }
        }
        // The next apply (no faults) completes without duplicating anything.
        let h2 = Harness {
            engine: Engine {
                faults: Faults::none(),
                ..h.engine
            },
            ..h
        };
        let report = h2.apply().await;
        assert!(report.errors.is_empty(), "{step}: {:?}", report.errors);
        let (state, _) = h2.state().await;
        assert_eq!(state.resources.len(), 4, "{step}");
        assert!(state.pending.is_empty());
        assert_eq!(
            things.creates.load(Ordering::SeqCst),
            4,
            "{step}: each thing created exactly once"
        );
    }
}

#[tokio::test]
async fn an_interrupted_create_is_adopted_by_the_next_plan() {
    let things = Things::new(&[]);
    let h = harness(CONFIG, things.clone(), "fail:after-call:thing.a");
    h.apply().await;
    let (state, _) = h.state().await;
    assert_eq!(state.pending.len(), 1);
    let (resolved, found, errors) = h.engine.resolve_pending(&state).await;
    assert!(errors.is_empty());
    assert_eq!(
        found,
        [Resolution::Adopted {
            address: "thing.a".into(),
            id: "a".into()
        }]
    );
    assert!(resolved.pending.is_empty());
    assert_eq!(resolved.resource("thing.a").unwrap().id, "a");
}

/// A kill after `d`'s create call, then `d` removed from the configuration: the next run finds
/// what the create made from the attributes its intent recorded, adopts it, and the plan
/// deletes it; nothing is stuck and nothing is orphaned.
#[tokio::test]
async fn an_interrupted_create_of_a_resource_removed_from_the_configuration_is_found_then_destroyed(
) {
    let things = Things::new(&[]);
    let h = harness(CONFIG, things.clone(), "fail:after-call:thing.d");
    h.apply().await;
    let (state, _) = h.state().await;
    assert_eq!(state.pending.len(), 1);
    assert_eq!(
        state.pending[0].desired.as_ref().unwrap()["name"],
        "d",
        "the intent records what it creates"
    );
    let without_d = CONFIG.replace("thing \"d\" { name \"d\" }\n", "");
    let h = Harness {
        backend: h.backend.clone(),
        ..harness(&without_d, things.clone(), "")
    };
    let (resolved, found, errors) = h.engine.resolve_pending(&state).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        found,
        [Resolution::Adopted {
            address: "thing.d".into(),
            id: "d".into()
        }]
    );
    let p = h.plan(&resolved);
    assert_eq!(p.change("thing.d").unwrap().action, Action::Delete);
    let report = h.apply().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!things.live.lock().unwrap().contains_key("d"));
    let (state, _) = h.state().await;
    assert!(state.pending.is_empty() && state.resource("thing.d").is_none());

    // An intent without recorded attributes (an older eco) for a dropped resource is reported
    // as unverifiable and dropped, never an error that blocks every later run.
    let mut old = state.clone();
    old.add_intent(eco_state::PendingIntent::new(
        "thing.gone",
        eco_state::Operation::Create,
        "t",
    ));
    let (resolved, found, errors) = h.engine.resolve_pending(&old).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        found,
        [Resolution::Unverifiable {
            address: "thing.gone".into()
        }]
    );
    assert!(resolved.pending.is_empty());
}

#[tokio::test]
async fn refresh_sees_deletion_outside_eco_and_destroy_removes_all() {
    let things = Things::new(&[]);
    let h = harness(CONFIG, things.clone(), "");
    h.apply().await;
    things.live.lock().unwrap().remove("d");
    let (state, _) = h.state().await;
    let (refreshed, _) = h.engine.refresh(&state, None).await;
    assert!(refreshed.resource("thing.d").is_none());
    let p = h.plan(&refreshed);
    assert_eq!(p.change("thing.d").unwrap().action, Action::Create);

    // Destroy: dependents first.
    let (state, version) = h.state().await;
    let p = plan(&PlanRequest {
        eval: EvalContext {
            config: &h.engine.config,
            stage: &h.engine.stage,
            registry: &h.engine.registry,
            expander: None,
        },
        graph: &h.graph,
        state: &state,
        prior: None,
        targets: &[],
        replace: &[],
        mode: Mode::Destroy,
    })
    .unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let engine = Engine {
        events: Some(tx),
        ..h.engine
    };
    let backend: Arc<dyn StateBackend> = h.backend.clone();
    let writer = Arc::new(StateWriter::new(backend, state, version));
    let report = engine.apply(&p, &h.graph, writer.clone()).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let mut order = Vec::new();
    while let Ok(e) = rx.try_recv() {
        if let Event::Finished { address, .. } = e {
            order.push(address);
        }
    }
    let pos = |a: &str| order.iter().position(|x| x == a).unwrap();
    assert!(
        pos("thing.c") < pos("thing.b") && pos("thing.b") < pos("thing.a"),
        "{order:?}"
    );
    let (state, _) = writer.durable();
    assert!(state.resources.is_empty());
    assert!(things.live.lock().unwrap().is_empty());
}

#[tokio::test]
async fn ready_changes_of_one_batch_go_in_one_call_and_one_write_each_way() {
    let mut config =
        String::from("project \"p\"\nstage \"dev\" {}\nthing \"zone\" { name \"zone\" }\n");
    for i in 0..20 {
        config.push_str(&format!(
            "thing \"rec{i}\" {{ name \"rec{i}\"; ref \"${{thing.zone.arn}}\" }}\n"
        ));
    }
    let things = Things::new(&[]);
    let h = harness(&config, things.clone(), "");
    let report = h.apply().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.done.len(), 21);
    assert_eq!(
        *things.batches.lock().unwrap(),
        [20],
        "all 20 records in one batch"
    );
    let (state, _) = h.state().await;
    assert_eq!(state.resources.len(), 21);
    assert!(state.pending.is_empty());
    // zone: intent + result; the batch: intents in one write, results in one write; outputs.
    assert!(
        h.backend.write_count() <= 5,
        "{} writes",
        h.backend.write_count()
    );

    // Removing them: deletes are batched too.
    let h2 = harness(
        "project \"p\"\nstage \"dev\" {}\nthing \"zone\" { name \"zone\" }\n",
        things.clone(),
        "",
    );
    let h2 = Harness {
        backend: h.backend.clone(),
        ..h2
    };
    let report = h2.apply().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(*things.batches.lock().unwrap(), [20, 20]);
    assert_eq!(h2.state().await.0.resources.len(), 1);
}

#[tokio::test]
async fn import_blocks_are_read_at_plan_time_recorded_first_and_updated() {
    let config = r#"
project "p"
stage "dev" { account "123456789012" }
import to="thing.old" id="old-thing"
import to="thing.same" id="same-thing"
thing "old" {
    name "old-thing"
    size 3
}
thing "same" {
    name "same-thing"
}
"#;
    let things = Things::new(&[]);
    {
        let mut live = things.live.lock().unwrap();
        // Made by hand: no ownership tags; `old` differs from its configuration.
        live.insert(
            "old-thing".into(),
            Attrs::from([
                ("name".into(), Value::String("old-thing".into())),
                ("size".into(), Value::Int(1)),
            ]),
        );
        let tags = Value::Map(
            OpContext::new("thing.same", "p", "dev")
                .ownership_tags()
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        );
        live.insert(
            "same-thing".into(),
            Attrs::from([
                ("name".into(), Value::String("same-thing".into())),
                ("tags".into(), tags),
            ]),
        );
    }
    let h = harness(config, things, "");
    let (state, version) = h.state().await;
    let (state, imported, errors) = h.engine.import_blocks(&state).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        imported,
        BTreeMap::from([
            ("thing.old".to_string(), "old-thing".to_string()),
            ("thing.same".to_string(), "same-thing".to_string())
        ])
    );
    let mut p = h.plan(&state);
    p.mark_imports(&imported);
    let old = p.change("thing.old").unwrap();
    assert_eq!(old.action, Action::Update);
    assert_eq!(old.import_id.as_deref(), Some("old-thing"));
    let same = p.change("thing.same").unwrap();
    assert_eq!(
        (same.action, same.import_id.as_deref()),
        (Action::NoOp, Some("same-thing"))
    );
    // Nothing is persisted before apply.
    assert!(h.state().await.0.resources.is_empty());

    let backend: Arc<dyn StateBackend> = h.backend.clone();
    let writer = Arc::new(StateWriter::new(backend, state, version));
    let report = h.engine.apply(&p, &h.graph, writer.clone()).await;
    Arc::try_unwrap(writer)
        .ok()
        .unwrap()
        .finish()
        .await
        .unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let (state, _) = h.state().await;
    assert_eq!(state.resource("thing.same").unwrap().id, "same-thing");
    let old = state.resource("thing.old").unwrap();
    assert_eq!(old.attributes["size"], 3);
    assert_eq!(old.attributes["tags"]["eco:address"], "thing.old");
    assert_eq!(
        h.things.creates.load(Ordering::SeqCst),
        0,
        "nothing created"
    );

    // The next run: already in state, so the blocks import nothing; the plan is empty.
    let (state, imported, errors) = h.engine.import_blocks(&state).await;
    assert!(imported.is_empty() && errors.is_empty());
    let (state, _) = h.engine.refresh(&state, None).await;
    assert!(!h.plan(&state).has_changes());

    // An id that finds nothing is an error naming the type.
    let h = harness(
        &config.replace("id=\"same-thing\"", "id=\"missing\""),
        Things::new(&[]),
        "",
    );
    let (state, _) = h.state().await;
    let (_, _, errors) = h.engine.import_blocks(&state).await;
    assert!(
        errors.iter().any(|e| e
            .to_string()
            .contains("there is no thing with import id `missing`")),
        "{errors:?}"
    );
}

fn records(n: usize) -> String {
    let mut config =
        String::from("project \"p\"\nstage \"dev\" {}\nthing \"zone\" { name \"zone\" }\n");
    for i in 0..n {
        config.push_str(&format!(
            "thing \"rec{i}\" {{ name \"rec{i}\"; ref \"${{thing.zone.arn}}\" }}\n"
        ));
    }
    config
}

#[tokio::test]
async fn a_batch_fires_every_hook_a_single_change_does() {
    let things = Things::new(&[]);
    let h = harness(
        &records(6),
        things.clone(),
        "fail:before-intent:thing.rec1,fail:before-call:thing.rec2,\
         fail:after-call:thing.rec3,fail:after-result:thing.rec4",
    );
    let report = h.apply().await;
    let mut failed: Vec<String> = report
        .errors
        .iter()
        .map(|e| match e {
            EngineError::Operation { address, .. } => address.clone(),
            other => panic!("{other}"),
        })
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        ["thing.rec1", "thing.rec2", "thing.rec3", "thing.rec4"]
    );
    // rec1 and rec2 never reached AWS; the other four went in one batch.
    assert_eq!(*things.batches.lock().unwrap(), [4]);
    let (state, _) = h.state().await;
    let live = things.live.lock().unwrap().clone();
    assert!(!live.contains_key("rec1") && !live.contains_key("rec2"));
    assert!(state.resource("thing.rec1").is_none() && state.resource("thing.rec2").is_none());
    // After the call, before the result: the intent stays for the next run to settle.
    assert!(live.contains_key("rec3") && state.resource("thing.rec3").is_none());
    assert_eq!(
        state
            .pending
            .iter()
            .map(|p| p.address.as_str())
            .collect::<Vec<_>>(),
        ["thing.rec3"]
    );
    // After the result: recorded.
    assert!(state.resource("thing.rec4").is_some());
    assert!(state.resource("thing.rec5").is_some());

    // The next apply settles rec3 and finishes the rest, creating nothing twice.
    let h2 = Harness {
        engine: Engine {
            faults: Faults::none(),
            ..h.engine
        },
        ..h
    };
    let report = h2.apply().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let (state, _) = h2.state().await;
    assert_eq!(state.resources.len(), 7);
    assert!(state.pending.is_empty());
    assert_eq!(things.creates.load(Ordering::SeqCst), 7);
}

#[tokio::test]
async fn replacements_run_in_the_order_their_lifecycle_asks() {
    for (cbd, expected) in [
        (false, ["delete a", "create a2"]),
        (true, ["create a2", "delete a"]),
    ] {
        let things = Things::new(&[]);
        let h = harness(
            "project \"p\"\nstage \"dev\" {}\nthing \"a\" { name \"a\" }\n",
            things.clone(),
            "",
        );
        assert!(h.apply().await.errors.is_empty());
        things.calls.lock().unwrap().clear();
        let lifecycle = if cbd {
            "lifecycle create-before-destroy=#true"
        } else {
            ""
        };
        let h2 = harness(
            &format!(
                "project \"p\"\nstage \"dev\" {{}}\nthing \"a\" {{ name \"a2\"; {lifecycle} }}\n"
            ),
            things.clone(),
            "",
        );
        let h2 = Harness {
            backend: h.backend.clone(),
            ..h2
        };
        let report = h2.apply().await;
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.done, [("thing.a".to_string(), Action::Replace)]);
        assert_eq!(*things.calls.lock().unwrap(), expected, "cbd {cbd}");
        let (state, _) = h2.state().await;
        assert_eq!(state.resource("thing.a").unwrap().id, "a2");
        assert!(state.pending.is_empty());
        assert_eq!(
            things.live.lock().unwrap().keys().collect::<Vec<_>>(),
            ["a2"]
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_batch_of_creates_is_sent_again_where_the_type_reconciles_a_resend() {
    let mut things = Arc::try_unwrap(Things::new(&[])).ok().expect("one owner");
    things.safe_batches = true;
    let things = Arc::new(things);
    let h = harness(&records(3), things.clone(), "");
    things.throttle_batches.store(1, Ordering::SeqCst);
    let report = h.apply().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(*things.batches.lock().unwrap(), [3, 3]);
    let (state, _) = h.state().await;
    assert_eq!(state.resources.len(), 4);
    assert!(state.pending.is_empty());
}

#[tokio::test]
async fn one_retry_policy_covers_reads_settling_and_batches_but_not_batched_creates() {
    let things = Things::new(&[]);
    let h = harness(&records(3), things.clone(), "");
    // A throttled batch of creates is not retried: the creates keep their intents.
    things.throttle_batches.store(1, Ordering::SeqCst);
    let report = h.apply().await;
    assert_eq!(report.errors.len(), 3, "{:?}", report.errors);
    assert_eq!(*things.batches.lock().unwrap(), [3]);
    let (state, _) = h.state().await;
    assert_eq!(state.pending.len(), 3);

    // Settling (find) and refresh (read) are retried when throttled.
    things.throttle_reads.store(2, Ordering::SeqCst);
    let report = h.apply().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(things.throttle_reads.load(Ordering::SeqCst), 0);
    let (state, _) = h.state().await;
    assert_eq!(state.resources.len(), 4);
    assert!(state.pending.is_empty());

    // A throttled batch of deletes is sent again, as a batch.
    things.throttle_batches.store(1, Ordering::SeqCst);
    let h2 = harness(
        "project \"p\"\nstage \"dev\" {}\nthing \"zone\" { name \"zone\" }\n",
        things.clone(),
        "",
    );
    let h2 = Harness {
        backend: h.backend.clone(),
        ..h2
    };
    let report = h2.apply().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(*things.batches.lock().unwrap(), [3, 3, 3, 3]);
    assert_eq!(h2.state().await.0.resources.len(), 1);

    // With no retries, the same throttling fails the read.
    let h3 = harness(&records(3), things.clone(), "");
    let h3 = Harness {
        engine: Engine {
            retry: RetryPolicy::none(),
            ..h3.engine
        },
        ..h3
    };
    things.throttle_reads.store(1, Ordering::SeqCst);
    let (state, _) = h2.state().await;
    let (_, errors) = h3.engine.refresh(&state, None).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
}

/// The run pipeline ([`Run`]): open (account, lock) -> plan -> apply the approved plan -> close.
mod run_pipeline {
    use super::*;
    use crate::{
        AccountSource, Applied, LockRequest, PlanOptions, Quiet, Run, RunError, RunInputs,
    };

    struct Account(&'static str);

    #[async_trait]
    impl AccountSource for Account {
        async fn caller_account(&self) -> Result<String, String> {
            Ok(self.0.to_string())
        }
    }

    fn inputs(h: &Harness) -> RunInputs {
        RunInputs {
            config: h.engine.config.clone(),
            stage: h.engine.stage.clone(),
            registry: h.engine.registry.clone(),
            providers: h.engine.providers.clone(),
            backend: h.backend.clone(),
            parallelism: 4,
            base_dir: std::env::temp_dir(),
            faults: Faults::none(),
            retry: RetryPolicy::default(),
            view: Arc::new(Quiet),
        }
    }

    fn lock() -> LockRequest<'static> {
        LockRequest {
            operation: "apply",
            timeout: std::time::Duration::ZERO,
        }
    }

    fn normal() -> PlanOptions {
        PlanOptions {
            refresh: true,
            ..PlanOptions::default()
        }
    }

    #[tokio::test]
    async fn applies_the_approved_plan_and_releases_the_lock() {
        let h = harness(CONFIG, Things::new(&[]), "");
        let mut run = Run::open(inputs(&h), &Account("any"), lock())
            .await
            .unwrap();
        assert!(h.backend.lock_holder("dev").await.unwrap().is_some());
        let planned = run.plan(normal()).await.unwrap();
        assert_eq!(planned.plan.changes.len(), 4);
        let approved = planned.plan.clone();
        let Applied::Walked { report, state } = run.apply(planned, &approved, None).await.unwrap()
        else {
            panic!("the walk should run");
        };
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert_eq!(report.done.len(), 4);
        assert_eq!(state.unwrap().resources.len(), 4);
        run.close(Ok::<_, RunError>(())).await.unwrap();
        assert!(h.backend.lock_holder("dev").await.unwrap().is_none());

        // The next run finds nothing to do.
        let mut run = Run::open(inputs(&h), &Account("any"), lock())
            .await
            .unwrap();
        let planned = run.plan(normal()).await.unwrap();
        assert!(planned.plan.changes.is_empty());
        let approved = planned.plan.clone();
        assert!(matches!(
            run.apply(planned, &approved, None).await.unwrap(),
            Applied::NoChanges
        ));
        run.close(Ok::<_, RunError>(())).await.unwrap();
        assert_eq!(h.things.creates.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn apply_refuses_a_plan_that_differs_from_what_it_would_do() {
        let h = harness(CONFIG, Things::new(&[]), "");
        let mut run = Run::open(inputs(&h), &Account("any"), lock())
            .await
            .unwrap();

        // The user approved a plan without thing.d.
        let planned = run.plan(normal()).await.unwrap();
        let mut approved = planned.plan.clone();
        approved.changes.retain(|c| c.address != "thing.d");
        let err = run.apply(planned, &approved, None).await.unwrap_err();
        assert!(matches!(err, RunError::Differs(_)), "{err}");
        assert!(
            err.to_string()
                .contains("thing.d: not approved, now create"),
            "{err}"
        );

        // ... or one where thing.a is changed otherwise.
        let planned = run.plan(normal()).await.unwrap();
        let mut approved = planned.plan.clone();
        approved.changes[0].changes.pop();
        let err = run.apply(planned, &approved, None).await.unwrap_err();
        assert!(
            err.to_string().contains("thing.a: its create differs"),
            "{err}"
        );

        // ... or one that does more than this run would.
        let planned = run.plan(normal()).await.unwrap();
        let mut approved = planned.plan.clone();
        let mut extra = approved.changes[0].clone();
        extra.address = "thing.z".into();
        approved.changes.push(extra);
        let err = run.apply(planned, &approved, None).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("thing.z: approved create, now nothing"),
            "{err}"
        );
        assert!(err.help().unwrap().contains("eco plan"));

        // Nothing was done.
        run.close(Ok::<_, RunError>(())).await.unwrap();
        assert_eq!(h.things.creates.load(Ordering::SeqCst), 0);
        let (state, _) = h.state().await;
        assert!(state.resources.is_empty() && state.pending.is_empty());
    }

    #[tokio::test]
    async fn open_refuses_another_account_before_taking_the_lock() {
        let config = CONFIG.replace(
            "stage \"dev\" {}",
            "stage \"dev\" { account \"111111111111\"; }",
        );
        let h = harness(&config, Things::new(&[]), "");
        let err = Run::open(inputs(&h), &Account("222222222222"), lock())
            .await
            .err()
            .expect("another account is refused");
        assert_eq!(
            err.to_string(),
            "stage `dev` declares account 111111111111, but the credentials act in account 222222222222; eco changed nothing"
        );
        assert!(h.backend.lock_holder("dev").await.unwrap().is_none());
        let run = Run::open(inputs(&h), &Account("111111111111"), lock())
            .await
            .unwrap();
        run.close(Ok::<_, RunError>(())).await.unwrap();
    }

    #[tokio::test]
    async fn lookups_are_read_while_refresh_reads_and_feed_the_plan() {
        let things = Things::new(&[]);
        let backend = Arc::new(MemoryBackend::new());
        // The configuration's things, applied.
        let first = harness_on(CONFIG, things.clone(), "", &backend);
        let mut run = Run::open(inputs(&first), &Account("any"), lock())
            .await
            .unwrap();
        let planned = run.plan(normal()).await.unwrap();
        let approved = planned.plan.clone();
        run.apply(planned, &approved, None).await.unwrap();
        run.close(Ok::<_, RunError>(())).await.unwrap();
        // Then a lookup of one of them feeds a new thing: the lookup lists while refresh reads.
        let config = format!(
            "{CONFIG}lookup \"thing\" \"first\" {{\n    name \"a\"\n}}\nthing \"e\" {{\n    name \"e\"\n    ref \"${{lookup.thing.first.arn}}\"\n}}\n"
        );
        let second = harness_on(&config, things.clone(), "", &backend);
        things
            .reads_before_run
            .store(things.reads.load(Ordering::SeqCst), Ordering::SeqCst);
        let mut run = Run::open(inputs(&second), &Account("any"), lock())
            .await
            .unwrap();
        let planned = run.plan(normal()).await.unwrap();
        assert_eq!(
            things.lookups_saw_a_read.lock().unwrap().as_slice(),
            &[true]
        );
        let e = planned
            .plan
            .changes
            .iter()
            .find(|c| c.address == "thing.e")
            .expect("thing.e is created");
        let arn = e.changes.iter().find(|c| c.name == "ref").unwrap();
        assert_eq!(arn.after, Some(Value::String("arn:thing:a".into())));
        assert_eq!(
            run.stage().lookups["thing.first"]["arn"],
            Value::String("arn:thing:a".into())
        );
        run.close(Ok::<_, RunError>(())).await.unwrap();
    }

    #[tokio::test]
    async fn a_second_run_waits_for_the_lock_and_a_stale_plan_is_refused() {
        let h = harness(CONFIG, Things::new(&[]), "");
        let mut first = Run::open(inputs(&h), &Account("any"), lock())
            .await
            .unwrap();
        let err = Run::open(inputs(&h), &Account("any"), lock())
            .await
            .err()
            .expect("the lock is held");
        assert!(matches!(err, RunError::State(_)), "{err}");
        let err = first
            .plan(PlanOptions {
                expect_state: Some(("elsewhere".into(), 7)),
                ..normal()
            })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("the saved plan is stale"), "{err}");
        first.close(Ok::<_, RunError>(())).await.unwrap();
    }

    /// Issue 23: what a plan's destroys and replacements would lose is read at plan time, for them
    /// alone, and is a reading: an apply compares the plan without it.
    #[tokio::test]
    async fn what_destroys_and_replacements_would_lose_is_read_for_them_alone() {
        let things = Things::new(&[]);
        let backend = Arc::new(MemoryBackend::new());
        let h = harness_on(CONFIG, things.clone(), "", &backend);
        assert!(h.apply().await.errors.is_empty());
        for (name, size) in [("a", 0), ("c", 7), ("d", 3)] {
            let mut live = things.live.lock().unwrap();
            live.get_mut(name)
                .unwrap()
                .insert("size".into(), Value::Int(size));
        }
        let held_calls = || {
            things
                .calls
                .lock()
                .unwrap()
                .iter()
                .filter(|c| c.starts_with("held"))
                .cloned()
                .collect::<Vec<_>>()
        };
        let assessed = PlanOptions {
            refresh: true,
            assess_data_at_risk: true,
            ..PlanOptions::default()
        };

        // Nothing destroyed or replaced (only an update of c's size back to unset): nothing read.
        let mut run = Run::open(inputs(&h), &Account("any"), lock())
            .await
            .unwrap();
        let planned = run.plan(assessed.clone()).await.unwrap();
        assert!(planned
            .plan
            .changes
            .iter()
            .all(|c| c.action == Action::Update));
        assert!(held_calls().is_empty(), "{:?}", held_calls());
        assert_eq!(planned.plan.data_at_risk_summary(), None);
        run.close(Ok::<_, RunError>(())).await.unwrap();

        // c replaced (a new kind), d and a destroyed: each read once; a holds nothing.
        let config = CONFIG
            .replace(
                "thing \"c\" { name \"c\";",
                "thing \"c\" { name \"c\"; kind \"new\";",
            )
            .replace("thing \"d\" { name \"d\" }\n", "")
            .replace("thing \"a\" { name \"a\" }\n", "")
            .replace("ref \"${thing.a.arn}\"", "ref \"x\"");
        let h = harness_on(&config, things.clone(), "", &backend);
        let mut run = Run::open(inputs(&h), &Account("any"), lock())
            .await
            .unwrap();
        let planned = run.plan(assessed.clone()).await.unwrap();
        let mut held = held_calls();
        held.sort();
        assert_eq!(held, ["held a", "held c", "held d"]);
        let plan = &planned.plan;
        assert_eq!(plan.change("thing.c").unwrap().action, Action::Replace);
        assert_eq!(
            plan.change("thing.c")
                .unwrap()
                .at_risk
                .as_ref()
                .unwrap()
                .count,
            Some(7)
        );
        assert_eq!(
            plan.change("thing.d").unwrap().reason.as_deref(),
            Some("is no longer in the configuration: 3 items would be lost")
        );
        assert_eq!(
            plan.change("thing.a").unwrap().reason.as_deref(),
            Some("is no longer in the configuration")
        );
        assert_eq!(
            plan.data_at_risk_summary().as_deref(),
            Some("2 things (10 items)")
        );

        // The apply's own plan reads nothing, and still matches the approved one.
        let approved = planned.plan.clone();
        let replanned = run
            .plan(PlanOptions {
                assess_data_at_risk: false,
                ..assessed
            })
            .await
            .unwrap();
        assert_eq!(held_calls().len(), 3);
        let Applied::Walked { report, .. } = run.apply(replanned, &approved, None).await.unwrap()
        else {
            panic!("the walk should run");
        };
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        run.close(Ok::<_, RunError>(())).await.unwrap();
    }
}

/// `eco import ADDRESS ID`'s engine half ([`Engine::adopt`]).
mod adopt {
    use super::*;
    use crate::AdoptError;
    use eco_config::Address;

    #[tokio::test]
    async fn records_a_live_resource_and_refuses_what_state_tracks() {
        let h = harness(CONFIG, Things::new(&[]), "");
        h.things
            .live
            .lock()
            .unwrap()
            .insert("a".into(), Attrs::new());
        let mut state = State::new("dev");
        let a = Address::parse("thing.a").unwrap();
        let adopted = h.engine.adopt(&mut state, &a, "a").await.unwrap();
        assert_eq!(adopted.live.id, "a");
        assert_eq!(state.resource("thing.a").unwrap().id, "a");

        // The address is taken now, and so is the live resource.
        let err = h.engine.adopt(&mut state, &a, "a").await.unwrap_err();
        assert!(matches!(err, AdoptError::AddressTaken { .. }), "{err}");
        assert!(err.help().contains("eco state rm thing.a"));
        let d = Address::parse("thing.d").unwrap();
        let err = h.engine.adopt(&mut state, &d, "a").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "thing a is already tracked in this stage, as thing.a"
        );

        // Nothing live by that id: an error naming the stage.
        let err = h.engine.adopt(&mut state, &d, "nope").await.unwrap_err();
        assert!(
            err.to_string()
                .contains("there is no thing with import id `nope` in stage `dev`"),
            "{err}"
        );
        assert_eq!(state.resources.len(), 1);
        assert_eq!(h.things.creates.load(Ordering::SeqCst), 0);
    }
}

/// What a scenario of [`a_crash_at_each_step_of_every_change_converges_on_the_next_run`]
/// changes, from `BASE`.
struct Scenario {
    name: &'static str,
    /// The configuration after the change (`BASE` before it).
    config: &'static str,
    /// The address whose change stops, and the steps it stops at.
    stops: &'static str,
    steps: &'static [&'static str],
    /// What is live once the change is done: name -> size.
    live: &'static [(&'static str, Option<i64>)],
    /// Creates in all, from the first apply of `BASE` (no duplicates).
    creates: usize,
    things: fn() -> Arc<Things>,
}

const BASE: &str = r#"
project "p"
stage "dev" {}
thing "a" { name "a"; size 1 }
thing "b" { name "b"; ref "${thing.a.arn}" }
"#;

const STEPS: &[&str] = &["before-intent", "before-call", "after-call", "after-result"];

fn by_name() -> Arc<Things> {
    Things::new(&[])
}

fn scenarios() -> Vec<Scenario> {
    let replaced: &'static [(&str, Option<i64>)] = &[("a2", Some(1)), ("b", None)];
    let cbd = r#"
project "p"
stage "dev" {}
thing "a" { name "a2"; size 1; lifecycle create-before-destroy=#true }
thing "b" { name "b"; ref "${thing.a.arn}" }
"#;
    vec![
        Scenario {
            name: "update",
            config: r#"
project "p"
stage "dev" {}
thing "a" { name "a"; size 2 }
thing "b" { name "b"; ref "${thing.a.arn}" }
"#,
            stops: "thing.a",
            steps: STEPS,
            live: &[("a", Some(2)), ("b", None)],
            creates: 2,
            things: by_name,
        },
        Scenario {
            name: "delete",
            config: r#"
project "p"
stage "dev" {}
thing "b" { name "b" }
"#,
            stops: "thing.a",
            steps: STEPS,
            live: &[("b", None)],
            creates: 2,
            things: by_name,
        },
        Scenario {
            name: "replace, destroy before create",
            config: r#"
project "p"
stage "dev" {}
thing "a" { name "a2"; size 1 }
thing "b" { name "b"; ref "${thing.a.arn}" }
"#,
            stops: "thing.a",
            steps: STEPS,
            live: replaced,
            creates: 3,
            things: by_name,
        },
        Scenario {
            name: "replace, create before destroy",
            config: cbd,
            stops: "thing.a",
            steps: STEPS,
            live: replaced,
            creates: 3,
            things: by_name,
        },
        Scenario {
            name: "replace, create before destroy: the old one's delete",
            config: cbd,
            stops: "thing.a~deposed",
            steps: STEPS,
            live: replaced,
            creates: 3,
            things: by_name,
        },
        Scenario {
            name: "replace, create before destroy, found by tags",
            config: cbd,
            stops: "thing.a",
            steps: STEPS,
            live: replaced,
            creates: 3,
            things: Things::found_by_tags,
        },
        Scenario {
            name: "replace, create before destroy, found by tags: the old one's delete",
            config: cbd,
            stops: "thing.a~deposed",
            steps: STEPS,
            live: replaced,
            creates: 3,
            things: Things::found_by_tags,
        },
    ]
}

/// A harness on `backend` (the state of earlier runs).
fn harness_on(
    config: &str,
    things: Arc<Things>,
    faults: &str,
    backend: &Arc<MemoryBackend>,
) -> Harness {
    Harness {
        backend: backend.clone(),
        ..harness(config, things, faults)
    }
}

/// Every change kind (update, delete, replace in both orders, and a create-before-destroy
/// replacement's deferred delete of the old resource) stopped at each step of the protocol as
/// a crash would stop it (state keeps what is durable, nothing more is done): the next run,
/// with no manual step, settles what is pending and converges, nothing duplicated (creates are
/// counted) and nothing orphaned (what is live is exactly what the configuration says), and the
/// run after it has nothing to do.
#[tokio::test]
async fn a_crash_at_each_step_of_every_change_converges_on_the_next_run() {
    for scenario in scenarios() {
        for step in scenario.steps {
            let what = format!("{} stopped {step} of {}", scenario.name, scenario.stops);
            let things = (scenario.things)();
            let backend = Arc::new(MemoryBackend::new());
            let first = harness_on(BASE, things.clone(), "", &backend).apply().await;
            assert!(first.errors.is_empty(), "{what}: {:?}", first.errors);

            let faults = format!("stop:{step}:{}", scenario.stops);
            let stopped = harness_on(scenario.config, things.clone(), &faults, &backend)
                .apply()
                .await;
            assert_eq!(stopped.errors.len(), 1, "{what}: {:?}", stopped.errors);
            assert!(
                stopped.errors[0].to_string().contains("injected stop"),
                "{what}: {}",
                stopped.errors[0]
            );

            let next = harness_on(scenario.config, things.clone(), "", &backend);
            let report = next.apply().await;
            assert!(report.errors.is_empty(), "{what}: {:?}", report.errors);
            let (state, _) = next.state().await;
            assert!(state.pending.is_empty(), "{what}: {:?}", state.pending);
            let expected: BTreeMap<String, Option<i64>> = scenario
                .live
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect();
            assert_eq!(things.sizes(), expected, "{what}: live");
            let mut recorded: Vec<(String, String)> = state
                .resources
                .iter()
                .map(|r| (r.address.clone(), r.id.clone()))
                .collect();
            recorded.sort();
            let mut wanted: Vec<(String, String)> = expected
                .keys()
                .map(|name| {
                    let address = if name == "b" { "thing.b" } else { "thing.a" };
                    (address.to_string(), name.clone())
                })
                .collect();
            wanted.sort();
            assert_eq!(recorded, wanted, "{what}: state");
            if let Some(b) = state.resource("thing.b") {
                if scenario.config.contains("ref") {
                    let a = state.resource("thing.a").unwrap();
                    assert_eq!(
                        b.attributes["ref"],
                        format!("arn:thing:{}", a.id),
                        "{what}: the dependent uses what replaced its dependency"
                    );
                }
            }
            assert_eq!(
                things.creates.load(Ordering::SeqCst),
                scenario.creates,
                "{what}: nothing created twice"
            );
            let after = harness_on(scenario.config, things.clone(), "", &backend)
                .apply()
                .await;
            assert!(
                after.done.is_empty() && after.errors.is_empty(),
                "{what}: the run after has nothing to do: {after:?}"
            );
        }
    }
}

/// The resource a create-before-destroy replacement replaces is never adopted by its create,
/// even by a type that finds by ownership tags alone (ACM certificates, CloudFront
/// distributions): a new one is made, the dependent switched to it, and the old one deleted
/// after the dependent no longer uses it.
#[tokio::test]
async fn a_replacement_never_adopts_the_resource_it_replaces() {
    let things = Things::found_by_tags();
    let backend = Arc::new(MemoryBackend::new());
    let first = harness_on(BASE, things.clone(), "", &backend).apply().await;
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    things.calls.lock().unwrap().clear();
    let config = r#"
project "p"
stage "dev" {}
thing "a" { name "a"; size 1; kind "new"; lifecycle create-before-destroy=#true }
thing "b" { name "b"; ref "${thing.a.arn}" }
"#;
    // Same name, other kind: the replacement would be the same thing (id = name), which AWS
    // cannot hold twice; the change fails, naming why, and changes nothing.
    let h = harness_on(config, things.clone(), "", &backend);
    let report = h.apply().await;
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let msg = report.errors[0].to_string();
    assert!(
        msg.contains("thing.a") && msg.contains("a already exists"),
        "{msg}"
    );
    assert_eq!(things.sizes().len(), 2);
    // A new name: made beside the old one, used by the dependent, then the old one deleted.
    let config = config.replace("name \"a\"", "name \"a2\"");
    let h = harness_on(&config, things.clone(), "", &backend);
    let report = h.apply().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        *things.calls.lock().unwrap(),
        ["create a2", "update b", "delete a"]
    );
    let (state, _) = h.state().await;
    assert_eq!(state.resource("thing.a").unwrap().id, "a2");
    assert!(state.resource("thing.a~deposed").is_none() && state.pending.is_empty());
    assert_eq!(things.sizes().into_keys().collect::<Vec<_>>(), ["a2", "b"]);
}

/// A create that answers the resource it replaces made nothing: the engine refuses it even when
/// a type's create does not skip the old resource itself.
#[tokio::test]
async fn a_create_answering_the_replaced_resource_is_an_error() {
    struct Adopter(Arc<Things>);
    #[async_trait]
    impl ResourceProvider for Adopter {
        fn schema(&self) -> &Schema {
            self.0.schema()
        }
        async fn read(&self, ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
            self.0.read(ctx, id).await
        }
        async fn find(&self, ctx: &OpContext, d: &Attrs, t: &str) -> Result<Option<Live>, OpError> {
            self.0.find(ctx, d, t).await
        }
        /// Adopts whatever live thing this address owns, the replaced one included.
        async fn create(&self, ctx: &OpContext, d: &Attrs, t: &str) -> Result<Live, OpError> {
            let plain = OpContext::new(&ctx.address, &ctx.project, &ctx.stage);
            match self.0.find(&plain, d, t).await? {
                Some(live) => Ok(live),
                None => self.0.create(ctx, d, t).await,
            }
        }
        async fn update(
            &self,
            ctx: &OpContext,
            id: &str,
            p: &Attrs,
            d: &Attrs,
            c: &[String],
        ) -> Result<Live, OpError> {
            self.0.update(ctx, id, p, d, c).await
        }
        async fn delete(&self, ctx: &OpContext, id: &str, p: &Attrs) -> Result<(), OpError> {
            self.0.delete(ctx, id, p).await
        }
    }
    let things = Things::found_by_tags();
    let backend = Arc::new(MemoryBackend::new());
    let first = harness_on(BASE, things.clone(), "", &backend).apply().await;
    assert!(first.errors.is_empty());
    let config = BASE.replace(
        "name \"a\"; size 1",
        "name \"a2\"; size 1; lifecycle create-before-destroy=#true",
    );
    let mut h = harness_on(&config, things.clone(), "", &backend);
    let mut providers: Providers = BTreeMap::new();
    providers.insert("thing", Arc::new(Adopter(things.clone())));
    h.engine.providers = Arc::new(providers);
    let report = h.apply().await;
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let msg = report.errors[0].to_string();
    assert!(
        msg.contains("id a)") && msg.contains("create-before-destroy"),
        "{msg}"
    );
    // The old one is untouched and still what state records.
    assert_eq!(things.sizes().into_keys().collect::<Vec<_>>(), ["a", "b"]);
    let (state, _) = h.state().await;
    assert_eq!(state.resource("thing.a").unwrap().id, "a");
    assert!(state.resource("thing.a~deposed").is_none());
}

/// Issue 21: the frontier of ready creates records its intents in one write before any call,
/// `-parallelism` bounds the calls (not the intents), and no change holds a call slot while its
/// result is written: N independent creates at parallelism P cost about one write for the
/// intents and one per wave of P results, not two (or three) per resource.
#[tokio::test(start_paused = true)]
async fn the_frontier_of_independent_creates_costs_one_intent_write_and_a_write_per_wave() {
    const N: usize = 40;
    const P: usize = 4;
    let mut config = String::from("project \"p\"\nstage \"dev\" {}\n");
    for i in 0..N {
        config.push_str(&format!("thing \"t{i:02}\" {{ name \"t{i:02}\" }}\n"));
    }
    // A state write takes 5 ms, a create 20 ms.
    let things = Things::slow(std::time::Duration::from_millis(20));
    let backend = Arc::new(MemoryBackend::with_write_delay(
        std::time::Duration::from_millis(5),
    ));
    let mut h = harness_on(&config, things.clone(), "", &backend);
    h.engine.parallelism = P;
    let report = h.apply().await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.done.len(), N);
    assert_eq!(things.sizes().len(), N);
    assert_eq!(things.most_creating.load(Ordering::SeqCst), P);

    let history = backend.history("dev");
    // Every intent of the frontier was durable, together, before any result: one write
    // (the writer may have taken the first ready change's alone just before).
    let intents_first = history
        .iter()
        .position(|s| s.pending.len() == N && s.resources.is_empty());
    assert!(
        matches!(intents_first, Some(0 | 1)),
        "the frontier's intents: {:?}",
        history
            .iter()
            .map(|s| (s.pending.len(), s.resources.len()))
            .collect::<Vec<_>>()
    );
    // The results: one write per wave of P (plus the outputs), where one write per result
    // (and one per intent) was 2N.
    let writes = backend.write_count();
    assert!(
        writes <= 2 + N / P + 2,
        "{writes} state writes for {N} creates at {P}"
    );
    let (state, _) = h.state().await;
    assert!(state.pending.is_empty());
    assert_eq!(state.resources.len(), N);
}

// ---- scale ----

/// The CPU time this thread has used (Linux's schedstat, in ns), so that a scaling bound does
/// not depend on what else the machine runs; `None` where the kernel does not say.
fn thread_cpu_time() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    (ns > 0).then(|| std::time::Duration::from_nanos(ns))
}

/// Loads, graphs and plans `n` things (chains of ten, each referring to the one before) against
/// a state that tracks every one of them; the CPU time it took (wall time where the kernel does
/// not report a thread's CPU time).
fn load_graph_and_plan(n: usize) -> std::time::Duration {
    let cpu_before = thread_cpu_time();
    use std::fmt::Write;
    let mut text = String::from("project \"p\"\nstage \"dev\" {}\n");
    for i in 0..n {
        if i % 10 == 0 {
            writeln!(text, "thing \"t{i}\" {{ name \"t{i}\" }}").unwrap();
        } else {
            let before = i - 1;
            writeln!(
                text,
                "thing \"t{i}\" {{ name \"t{i}\"; ref \"${{thing.t{before}.arn}}\" }}"
            )
            .unwrap();
        }
    }
    let started = std::time::Instant::now();
    let mut registry = Registry::new();
    registry.register(schema());
    let mut sources = Sources::new();
    sources.add("main.kdl", &text);
    let config = parse_sources(sources, &registry).unwrap();
    let graph = ResourceGraph::from_config(&config).unwrap();
    let stage = config.select_stage(None, &[]).unwrap();
    let mut state = State::new("dev");
    state.upsert_all((0..n).rev().map(|i| {
        eco_state::ResourceState {
            address: format!("thing.t{i}"),
            type_: "thing".into(),
            id: format!("t{i}"),
            attributes: serde_json::json!({"name": format!("t{i}"), "arn": format!("arn:t{i}")})
                .as_object()
                .unwrap()
                .clone(),
            dependencies: Vec::new(),
        }
    }));
    let planned = plan(&PlanRequest {
        eval: EvalContext {
            config: &config,
            stage: &stage,
            registry: &registry,
            expander: None,
        },
        graph: &graph,
        state: &state,
        prior: None,
        targets: &[],
        replace: &[],
        mode: Mode::Normal,
    })
    .unwrap();
    // Every thing but the first of each chain gains its `ref` (and every one its tags).
    assert_eq!(planned.changes.len(), n);
    match (cpu_before, thread_cpu_time()) {
        (Some(before), Some(after)) => after - before,
        _ => started.elapsed(),
    }
}

#[test]
fn load_graph_and_plan_are_linear_up_to_100_000_resources() {
    // CPU time, not wall time: other processes on the machine do not count. Interleaved, best of
    // two: what load remains (caches, memory bandwidth) slows some runs, never speeds one up.
    let mut half = std::time::Duration::MAX;
    let mut full = std::time::Duration::MAX;
    for _ in 0..2 {
        half = half.min(load_graph_and_plan(50_000));
        full = full.min(load_graph_and_plan(100_000));
    }
    assert!(
        full.as_secs_f64() < 2.5 * half.as_secs_f64(),
        "100,000 resources took {full:?}, 50,000 {half:?}: more than 2.5x"
    );
    assert!(
        full < std::time::Duration::from_secs(120),
        "100,000 resources took {full:?}"
    );
}
