//! Tests of what the engine does where AWS serializes or is not yet consistent: lanes (one
//! change of a parent at a time) and transient errors retried for their rule's time budget.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use eco_config::{parse_sources, Sources};
use eco_graph::ResourceGraph;
use eco_plan::{plan, EvalContext, Mode, PlanRequest};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Transient};
use eco_schema::{Attribute, Registry, Schema, Value};
use eco_state::{MemoryBackend, StateBackend, StateWriter};

use super::*;

/// Children of a parent (`parent`), whose writes AWS serializes per parent; each create takes a
/// moment, and the first `conflicts` creates are refused as AWS refuses a concurrent change.
struct Children {
    schema: Schema,
    laned: bool,
    conflicts: AtomicUsize,
    creates: AtomicUsize,
    in_flight: Mutex<BTreeMap<String, usize>>,
    most_at_once: AtomicUsize,
}

const CONFLICT: Transient = Transient {
    operations: &["CreateChild"],
    codes: &["ConflictException"],
    message: Some("concurrent modification"),
    budget: Duration::from_secs(60),
    why: "another change to the parent is in flight",
};

fn attr(attrs: &Attrs, name: &str) -> String {
    attrs
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

#[async_trait]
impl ResourceProvider for Children {
    fn schema(&self) -> &Schema {
        &self.schema
    }
    async fn read(&self, _: &OpContext, _: &str) -> Result<Option<Live>, OpError> {
        Ok(None)
    }
    async fn find(&self, _: &OpContext, _: &Attrs, _: &str) -> Result<Option<Live>, OpError> {
        Ok(None)
    }
    async fn create(&self, _: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let parent = attr(desired, "parent");
        let now = {
            let mut in_flight = self.in_flight.lock().unwrap();
            let n = in_flight.entry(parent.clone()).or_default();
            *n += 1;
            *n
        };
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(30)).await;
        *self.in_flight.lock().unwrap().get_mut(&parent).unwrap() -= 1;
        let refused = self
            .conflicts
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if refused {
            return Err(OpError::new(
                "CreateChild",
                ErrorKind::Conflict,
                "ConflictException: Unable to complete operation due to concurrent modification. Please try again later.",
            )
            .with_code("ConflictException"));
        }
        self.creates.fetch_add(1, Ordering::SeqCst);
        Ok(Live {
            id: attr(desired, "name"),
            attrs: desired.clone(),
        })
    }
    async fn update(
        &self,
        _: &OpContext,
        id: &str,
        _: &Attrs,
        desired: &Attrs,
        _: &[String],
    ) -> Result<Live, OpError> {
        Ok(Live {
            id: id.to_string(),
            attrs: desired.clone(),
        })
    }
    async fn delete(&self, _: &OpContext, _: &str, _: &Attrs) -> Result<(), OpError> {
        Ok(())
    }
    fn transient(&self) -> &'static [Transient] {
        &[CONFLICT]
    }
    fn lane(&self, attrs: &Attrs) -> Option<String> {
        self.laned
            .then(|| format!("parent:{}", attr(attrs, "parent")))
    }
}

async fn apply(children: Arc<Children>, retry: RetryPolicy) -> ApplyReport {
    let schema = Schema::new("child", "test")
        .attr(Attribute::string("name").required().forces_replacement())
        .attr(Attribute::string("parent").required());
    let mut registry = Registry::new();
    registry.register(schema);
    let mut sources = Sources::new();
    let mut config = String::from("project \"p\"\nstage \"dev\" {}\n");
    for i in 0..6 {
        let parent = if i % 2 == 0 { "x" } else { "y" };
        config.push_str(&format!(
            "child \"c{i}\" {{ name \"c{i}\"; parent \"{parent}\" }}\n"
        ));
    }
    sources.add("main.kdl", &config);
    let config = parse_sources(sources, &registry).unwrap();
    let graph = ResourceGraph::from_config(&config).unwrap();
    let stage = config.select_stage(None, &[]).unwrap();
    let mut providers: Providers = BTreeMap::new();
    providers.insert("child", children);
    let engine = Engine {
        config: Arc::new(config),
        stage: Arc::new(stage),
        registry: Arc::new(registry),
        providers: Arc::new(providers),
        parallelism: 6,
        base_dir: std::env::temp_dir(),
        faults: Faults::none(),
        retry,
        events: None,
    };
    let backend: Arc<dyn StateBackend> = Arc::new(MemoryBackend::new());
    let (state, version) = backend.read("dev").await.unwrap().into_state_or_new("dev");
    let p = plan(&PlanRequest {
        eval: EvalContext {
            config: &engine.config,
            stage: &engine.stage,
            registry: &engine.registry,
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
    let writer = Arc::new(StateWriter::new(backend, state, version));
    engine.apply(&p, &graph, writer).await
}

fn children(laned: bool, conflicts: usize) -> Arc<Children> {
    Arc::new(Children {
        schema: Schema::new("child", "test"),
        laned,
        conflicts: AtomicUsize::new(conflicts),
        creates: AtomicUsize::new(0),
        in_flight: Mutex::new(BTreeMap::new()),
        most_at_once: AtomicUsize::new(0),
    })
}

// Paused time: the turns' sleeps advance the clock exactly, so the bound below is exact
// whatever the machine's load.
#[tokio::test(start_paused = true)]
async fn a_lane_runs_one_change_of_a_parent_at_a_time_and_parents_in_parallel() {
    let laned = children(true, 0);
    let started = tokio::time::Instant::now();
    let report = apply(laned.clone(), RetryPolicy::default()).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(laned.creates.load(Ordering::SeqCst), 6);
    assert_eq!(laned.most_at_once.load(Ordering::SeqCst), 1);
    // Two parents' lanes run side by side: 3 turns of 30 ms each, not 6.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(90) && took < Duration::from_millis(180),
        "{took:?}"
    );

    // Without lanes the same changes overlap (what AWS answers ConflictException to).
    let free = children(false, 0);
    let report = apply(free.clone(), RetryPolicy::default()).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(free.most_at_once.load(Ordering::SeqCst) > 1);
}

#[tokio::test(start_paused = true)]
async fn a_transient_conflict_is_retried_past_the_count_policy_and_a_final_one_says_for_how_long() {
    // Ten refusals: more than the count policy's four tries, well within the rule's minute.
    let flaky = children(true, 10);
    let report = apply(flaky.clone(), RetryPolicy::default()).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(flaky.creates.load(Ordering::SeqCst), 6);

    // Refused for longer than the budget: a final error that names the rule's reason.
    let stuck = children(true, 10_000);
    let report = apply(stuck.clone(), RetryPolicy::default()).await;
    assert_eq!(report.errors.len(), 6, "{:?}", report.errors);
    let message = report.errors[0].to_string();
    assert!(
        message.contains("still refused after retrying for")
            && message.contains("another change to the parent is in flight"),
        "{message}"
    );
}
