//! The operations of a resource type, in one shape for every type.
//!
//! As in steno's sagas (oxidecomputer/steno), each operation is **idempotent** (running it twice
//! has the effect of running it once), **stateless** (it passes data on only through its result,
//! which the engine writes to state) and free of retry policy (retries, backoff, parallelism and
//! the write-ahead protocol live in the engine). A type implements [`ResourceProvider`]; the
//! engine never runs two operations on one address at once.
//!
//! Attributes travel as [`Attrs`]: top-level attribute name -> [`Value`], in the same shape the
//! configuration has after evaluation (a block is a `Value::Map`, a repeated block a `Value::List`
//! of maps, a list a `Value::List`). `read` reports live values in that shape, so the engine can
//! diff them against configuration without knowing the type.
//!
//! [`standard`] holds the per-type standard tests (success, each operation twice, crash recovery
//! through `find`), which every type runs against moto; [`values`] the short value constructors
//! those tests write configurations with.

pub mod run_cache;
pub mod standard;
pub mod transient;
pub mod values;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
pub use eco_schema::{Schema, Value};
pub use run_cache::RunCache;
pub use transient::Transient;

/// Attributes by name.
pub type Attrs = BTreeMap<String, Value>;

/// What an operation answers: its result, or the [`OpError`] that stopped it.
pub type OpResult<T> = Result<T, OpError>;

/// The tag keys eco puts on every taggable resource it manages.
pub const TAG_PROJECT: &str = "eco:project";
pub const TAG_STAGE: &str = "eco:stage";
pub const TAG_ADDRESS: &str = "eco:address";

/// What an operation knows about the resource it works on, besides its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct OpContext {
    /// `TYPE.NAME`, for error messages and ownership tags.
    pub address: String,
    pub project: String,
    pub stage: String,
    /// The configuration's directory: local inputs (`source` directories) are relative to it.
    /// Operations get it here, never from state kept in the provider.
    pub base_dir: std::path::PathBuf,
    /// For a refresh: the top-level attributes the configuration declares for this resource.
    /// A read may then skip the calls that only report other attributes (they are neither
    /// diffed nor shown; state keeps what it recorded for them). `None`: read everything
    /// (import, adoption, a resource no longer configured).
    pub declared: Option<std::sync::Arc<std::collections::BTreeSet<String>>>,
    /// For a refresh: the attributes state recorded for this resource. A read may keep from
    /// them what cannot change while the resource exists (a bucket's region) instead of asking
    /// AWS again; whether the resource still exists it must still find out. `None`: nothing
    /// recorded (import, adoption, a first read).
    pub recorded: Option<std::sync::Arc<Attrs>>,
    /// The id of the live resource a create-before-destroy replacement of this address replaces
    /// (its create, and settling its intent). `find` never answers it and `create` never adopts
    /// it: adopting the old resource would leave the replacement silently undone. `None` for
    /// every other operation.
    pub replacing: Option<String>,
    /// An earlier attempt of this create may have taken effect (its answer was lost, or the
    /// run was interrupted after sending it): a resource with exactly the desired name and no
    /// ownership tags at all may be that attempt's, made before its tags were (see
    /// [`OpContext::claims`]). `false` for every first attempt and every other operation.
    pub attempted: bool,
    /// Where a long operation reports how far it is (files uploaded of all): the engine passes
    /// it on as an event, the command line draws it. Reporting nowhere by default.
    pub progress: ProgressSink,
    /// What the operations of this apply share (see [`RunCache`]); `None` outside an apply,
    /// where an operation looks up what it needs itself.
    pub run: Option<RunCache>,
}

/// How far a long operation is: `done` of `total` `unit`s (e.g. 120 of 500 files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub unit: &'static str,
}

/// Receives an operation's [`Progress`]; cloned into the tasks of the operation.
#[derive(Clone, Default)]
pub struct ProgressSink(Option<Arc<dyn Fn(Progress) + Send + Sync>>);

impl ProgressSink {
    /// A sink that hands each report to `report`.
    pub fn new(report: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        ProgressSink(Some(Arc::new(report)))
    }

    /// Reports progress (nothing happens when nobody listens).
    pub fn report(&self, done: u64, total: u64, unit: &'static str) {
        if let Some(report) = &self.0 {
            report(Progress { done, total, unit });
        }
    }
}

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "ProgressSink(listening)"
        } else {
            "ProgressSink(none)"
        })
    }
}

/// Progress reports say nothing about what an operation does: contexts compare equal whoever
/// listens.
impl PartialEq for ProgressSink {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ProgressSink {}

impl OpContext {
    /// A context for one resource (local inputs relative to the working directory; see
    /// [`OpContext::with_base_dir`]).
    pub fn new(
        address: impl Into<String>,
        project: impl Into<String>,
        stage: impl Into<String>,
    ) -> Self {
        OpContext {
            address: address.into(),
            project: project.into(),
            stage: stage.into(),
            base_dir: std::path::PathBuf::from("."),
            declared: None,
            recorded: None,
            replacing: None,
            attempted: false,
            progress: ProgressSink::default(),
            run: None,
        }
    }

    /// The same context for a create sent again, or settled after an interruption (see
    /// [`OpContext::attempted`]).
    pub fn with_attempted(mut self) -> Self {
        self.attempted = true;
        self
    }

    /// The same context for a read that needs only the `declared` attributes (see
    /// [`OpContext::declared`]).
    pub fn with_declared(
        mut self,
        declared: std::sync::Arc<std::collections::BTreeSet<String>>,
    ) -> Self {
        self.declared = Some(declared);
        self
    }

    /// The same context for a read of a resource whose last recorded attributes are `recorded`
    /// (see [`OpContext::recorded`]).
    pub fn with_recorded(mut self, recorded: std::sync::Arc<Attrs>) -> Self {
        self.recorded = Some(recorded);
        self
    }

    /// What state recorded for `attribute`, for a refresh (see [`OpContext::recorded`]).
    pub fn recorded(&self, attribute: &str) -> Option<&Value> {
        self.recorded.as_ref()?.get(attribute)
    }

    /// Whether a read must report `attribute`: it is declared, or the read is a full one.
    pub fn reads(&self, attribute: &str) -> bool {
        self.declared.as_ref().is_none_or(|d| d.contains(attribute))
    }

    /// The same context for a create that replaces the live resource `old_id` while it still
    /// exists (see [`OpContext::replacing`]).
    pub fn with_replacing(mut self, old_id: Option<impl Into<String>>) -> Self {
        self.replacing = old_id.map(Into::into);
        self
    }

    /// Whether `id` is the resource this create replaces: a `find` skips it (and goes on looking:
    /// the replacement may exist beside it).
    pub fn is_replaced(&self, id: &str) -> bool {
        self.replacing.as_deref() == Some(id)
    }

    /// `found`, unless it is the resource this create replaces (a find by name that found the
    /// old resource found nothing of the replacement's).
    pub fn unless_replaced(&self, found: Option<Live>) -> Option<Live> {
        found.filter(|live| !self.is_replaced(&live.id))
    }

    /// The same context, sharing `run` with the other operations of its apply.
    pub fn with_run(mut self, run: RunCache) -> Self {
        self.run = Some(run);
        self
    }

    /// The same context, reporting progress to `sink`.
    pub fn with_progress(mut self, sink: ProgressSink) -> Self {
        self.progress = sink;
        self
    }

    /// The same context with local inputs relative to `dir`.
    pub fn with_base_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.base_dir = dir.into();
        self
    }

    /// The ownership tags (`eco:project`, `eco:stage`, `eco:address`) of this resource.
    pub fn ownership_tags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (TAG_PROJECT.to_string(), self.project.clone()),
            (TAG_STAGE.to_string(), self.stage.clone()),
            (
                TAG_ADDRESS.to_string(),
                eco_schema::address_tag_value(&self.address),
            ),
        ])
    }

    /// Whether live tags say this resource belongs to this address of this project and stage.
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        self.ownership_tags()
            .iter()
            .all(|(k, v)| tags.get(k) == Some(v))
    }

    /// [`OpContext::owns`], or, after an attempt of this create that may have taken effect, a
    /// resource without any of eco's tags: the attempt made it and its tags had not followed
    /// yet. Only for a resource found by its exact name (a name the attempt itself found
    /// free); never for types found by tags alone, where untagged says nothing.
    pub fn claims(&self, tags: &BTreeMap<String, String>) -> bool {
        self.owns(tags) || (self.attempted && !tags.keys().any(|k| k.starts_with("eco:")))
    }
}

/// A live resource: its id (what state records) and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Live {
    pub id: String,
    pub attrs: Attrs,
}

/// A resource another one holds, which `eco import -generate` of the holder adopts with it (a
/// REST API's resources, methods, integrations, authorizers, stages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Its resource type.
    pub type_name: &'static str,
    /// Its import id.
    pub import_id: String,
    /// A name for its address, unique among the holder's members of its type.
    pub name: String,
    /// The id configurations reference it by (`${TYPE.NAME.id}`), when it has one.
    pub reference_id: Option<String>,
    /// Attributes written as a reference to an earlier member's attribute rather than their
    /// value: (attribute, index of that member in the list, its attribute). An integration's
    /// `http-method` names its method's, so that it is made after the method.
    pub refers_to: Vec<(String, usize, String)>,
}

/// How the engine should treat a failed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Throttled or a transient failure: the engine retries with backoff.
    Retryable,
    /// The request is wrong (bad name, bad value): retrying cannot help.
    Invalid,
    /// Someone else holds the name, or the resource is in a state that refuses the call.
    Conflict,
    /// Anything else.
    Other,
}

/// A failed operation: which AWS call, what AWS said, and (for errors from AWS) its error code
/// and the SDK error itself.
///
/// Equality compares what the error says (operation, message, kind, code), never the source.
#[derive(Debug, Clone)]
pub struct OpError {
    /// The AWS API operation, e.g. `CreateBucket`.
    pub operation: String,
    pub message: String,
    pub kind: ErrorKind,
    /// The AWS error code, e.g. `NoSuchBucket`, when AWS answered with one.
    pub code: Option<String>,
    /// The error this one was made from (the SDK's), for `Error::source` chains.
    pub source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl OpError {
    /// An error of `kind` from `operation`.
    pub fn new(operation: impl Into<String>, kind: ErrorKind, message: impl Into<String>) -> Self {
        OpError {
            operation: operation.into(),
            message: message.into(),
            kind,
            code: None,
            source: None,
        }
    }

    /// A configuration value the type cannot use (caught before any call when possible).
    pub fn invalid(operation: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(operation, ErrorKind::Invalid, message)
    }

    /// The same error, recording the AWS error code it came with.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// The same error, recording the error it was made from.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }
}

impl PartialEq for OpError {
    fn eq(&self, other: &Self) -> bool {
        self.operation == other.operation
            && self.message == other.message
            && self.kind == other.kind
            && self.code == other.code
    }
}

impl Eq for OpError {}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation, self.message)
    }
}

impl std::error::Error for OpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The operations of one resource type. See the crate docs for the contract.
#[async_trait]
pub trait ResourceProvider: Send + Sync {
    /// The type's schema.
    fn schema(&self) -> &Schema;

    /// The live resource with this id, or `None` when it no longer exists (deleted outside
    /// eco). Only attributes the schema declares are reported, in configuration shape;
    /// computed attributes (`arn`, ...) are included.
    async fn read(&self, ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError>;

    /// Finds what a create with this `token` and these attributes made, if anything: the
    /// resource an interrupted apply created but did not record. Types find it by name,
    /// idempotency token (CallerReference) or ownership tags. A resource that exists but carries
    /// another owner's tags is not ours: `Err(Conflict)`.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        token: &str,
    ) -> Result<Option<Live>, OpError>;

    /// Creates the resource. Idempotent: when the resource this create would make already
    /// exists and is ours (see `find`), it is adopted and brought to `desired`.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError>;

    /// Changes in place the top-level attributes named in `changed` from `prior` to `desired`
    /// (only attributes the schema marks updatable in place). Idempotent.
    async fn update(
        &self,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError>;

    /// Deletes the resource. One already gone is success.
    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), OpError>;

    /// Reads a resource by the id a user gives `eco import` (its documented import id format).
    async fn import(&self, ctx: &OpContext, import_id: &str) -> Result<Option<Live>, OpError> {
        self.read(ctx, import_id).await
    }

    /// The attributes a configuration sets to match this live resource (what `read` reported),
    /// for generated KDL and for adoption's `update`. By default all of them (the generator
    /// leaves computed ones out). Types whose `read` reports alternatives the configuration
    /// takes only one of override it (iam-role: `assume-service` or else `assume-policy`).
    fn config_from_live(&self, live: &Attrs) -> Attrs {
        live.clone()
    }

    /// The resources `live` holds that importing it with `-generate` adopts too, in the order
    /// they depend on each other (parents first). Default: none.
    async fn members(&self, _ctx: &OpContext, _live: &Live) -> Result<Vec<Member>, OpError> {
        Ok(Vec::new())
    }

    /// Every live resource of this type in the account and region, each with at least its id
    /// (the import id `eco import` takes) and, for taggable types, its `tags` (so `eco discover`
    /// can tell what another project's eco owns). `None`: the type cannot list (`eco discover`
    /// skips it). Types list through their List/Describe calls, following every page.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        None
    }

    /// What destroying the live resource `id` would lose, read now with the cheapest call AWS
    /// offers (a count, a bounded listing). The engine asks only for the destroys and
    /// replacements of a plan it shows. `None`: the type reads nothing extra (the figures of
    /// its last read, in `live`, stand); `Some(Ok(None))`: it holds nothing.
    async fn data_at_risk(
        &self,
        _ctx: &OpContext,
        _id: &str,
        _live: &Attrs,
    ) -> Option<Result<Option<eco_schema::DataAtRisk>, OpError>> {
        None
    }

    /// What a `lookup` of this type chooses among, given the attributes it matches (already
    /// normalized): the engine keeps the ones whose attributes match and requires exactly one.
    /// By default everything [`list`](Self::list) finds; a type that picks one of several
    /// (ACM: the newest issued certificate of a domain) answers here. `None`: not listable.
    async fn lookup(&self, ctx: &OpContext, _wanted: &Attrs) -> Option<Result<Vec<Live>, OpError>> {
        self.list(ctx).await
    }

    /// Reads many resources of this type at once (refresh through list calls). `None` means the
    /// type has no batched read and the engine calls `read` for each.
    async fn read_many(
        &self,
        _requests: &[(OpContext, String)],
    ) -> Option<Result<Vec<Option<Live>>, OpError>> {
        None
    }

    /// Adds what local inputs determine to the desired attributes, at plan time: e.g. the content
    /// hash of a `source` directory (`source-hash`), or a file manifest. `base_dir` is the
    /// configuration's directory (relative paths are relative to it). Reads local files only,
    /// never AWS; a missing source is an `Invalid` error naming it. Attributes it adds are
    /// compared with what `read` reports like any other.
    fn expand(&self, _base_dir: &std::path::Path, _desired: &mut Attrs) -> Result<(), OpError> {
        Ok(())
    }

    /// Brings desired attributes to the normal form `read` reports them in, at plan time, so that
    /// a configuration written another way AWS treats as the same never shows as a change (e.g.
    /// ACM lists a certificate's primary name among its alternative names: a configuration that
    /// repeats it there means the same certificate). The one place a type's normalisation lives;
    /// values not known yet are left as they are.
    fn normalize(&self, _desired: &mut Attrs) {}

    /// The batch a change belongs to, for types whose API takes many changes in one call
    /// (Route53: the hosted zone of a record). The engine hands every ready change with the
    /// same key to [`ResourceProvider::apply_batch`] at once. `attrs` are the desired attributes
    /// (for a delete: the recorded ones). `None`: no batching.
    fn batch_key(&self, _attrs: &Attrs) -> Option<String> {
        None
    }

    /// The errors AWS answers this type's calls with for a while before they succeed, each with
    /// how long the engine keeps trying (see [`transient`]). The default: none.
    fn transient(&self) -> &'static [Transient] {
        &[]
    }

    /// The lane a change runs in, for types whose changes AWS serializes per parent (a Lambda
    /// function's policy, an API Gateway API): the engine runs at most one change of a lane at a
    /// time. Lanes are shared across types: name one by its parent (`apigatewayv2:API_ID`), so
    /// that the children of one parent share it. `attrs` as for
    /// [`ResourceProvider::batch_key`]. `None`: no lane.
    fn lane(&self, _attrs: &Attrs) -> Option<String> {
        None
    }

    /// Whether a batch of creates whose answer was lost (a 5xx, a reset connection: it may
    /// have taken effect) can be sent again: the type's `apply_batch` settles creates that are
    /// already so (Route53 refuses the whole batch, and eco reconciles it with the zone). `false`:
    /// such a batch fails, as a blind resend could create twice.
    fn resends_batches_safely(&self) -> bool {
        false
    }

    /// Carries out several changes in as few calls as AWS allows; one result per item, in order.
    /// Only called for types whose `batch_key` returns `Some`. The default runs them one by one.
    async fn apply_batch(&self, items: Vec<BatchItem>) -> Vec<Result<Option<Live>, OpError>> {
        apply_one_by_one(self, items).await
    }
}

/// Carries out a batch's changes one at a time through the provider's create, update and
/// delete (what [`ResourceProvider::apply_batch`] does unless a type batches for real).
pub async fn apply_one_by_one<P: ResourceProvider + ?Sized>(
    provider: &P,
    items: Vec<BatchItem>,
) -> Vec<Result<Option<Live>, OpError>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(match item.op {
            BatchOp::Create { desired, token } => {
                provider.create(&item.ctx, &desired, &token).await.map(Some)
            }
            BatchOp::Update {
                id,
                prior,
                desired,
                changed,
            } => provider
                .update(&item.ctx, &id, &prior, &desired, &changed)
                .await
                .map(Some),
            BatchOp::Delete { id, prior } => {
                provider.delete(&item.ctx, &id, &prior).await.map(|_| None)
            }
        });
    }
    out
}

/// Adoption of a live resource made outside eco (`eco import`, `import` blocks): for taggable
/// types whose live tags lack eco's ownership tags, adds them through the type's `update` with
/// `changed = ["tags"]` and desired tags = live tags + ownership tags (every other attribute as
/// live). This is the one change an import makes. Returns the resource as it is now and whether
/// it was tagged. A resource that carries another eco owner's tags is refused (`Conflict`).
pub async fn adopt(
    provider: &dyn ResourceProvider,
    ctx: &OpContext,
    live: Live,
) -> Result<(Live, bool), OpError> {
    if !provider.schema().taggable {
        return Ok((live, false));
    }
    let mut tags: BTreeMap<String, Value> = match live.attrs.get("tags") {
        Some(Value::Map(m)) => m.clone(),
        _ => BTreeMap::new(),
    };
    let strings: BTreeMap<String, String> = tags
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect();
    if let Some(owner) = foreign_owner(ctx, &strings) {
        return Err(OpError::new(
            "Import",
            ErrorKind::Conflict,
            format!(
                "{} is managed by eco elsewhere ({owner}); importing it here would make two owners",
                live.id
            ),
        ));
    }
    if ctx.owns(&strings) {
        return Ok((live, false));
    }
    for (k, v) in ctx.ownership_tags() {
        tags.insert(k, Value::String(v));
    }
    let mut desired = provider.config_from_live(&live.attrs);
    desired.insert("tags".into(), Value::Map(tags));
    let updated = provider
        .update(ctx, &live.id, &live.attrs, &desired, &["tags".to_string()])
        .await?;
    Ok((updated, true))
}

/// When live tags name another eco owner than `ctx` (another project, stage or address): that
/// owner as `project P, stage S, address A`.
pub fn foreign_owner(ctx: &OpContext, tags: &BTreeMap<String, String>) -> Option<String> {
    let project = tags.get(TAG_PROJECT)?;
    let stage = tags.get(TAG_STAGE).map(String::as_str).unwrap_or("?");
    let address = tags.get(TAG_ADDRESS).map(String::as_str).unwrap_or("?");
    if *project == ctx.project && stage == ctx.stage && address == ctx.address {
        return None;
    }
    Some(format!(
        "project {project}, stage {stage}, address {address}"
    ))
}

/// One change in a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchItem {
    pub ctx: OpContext,
    pub op: BatchOp,
}

/// What a batched change does (the arguments of the single-resource operations).
#[derive(Debug, Clone, PartialEq)]
pub enum BatchOp {
    Create {
        desired: Attrs,
        token: String,
    },
    Update {
        id: String,
        prior: Attrs,
        desired: Attrs,
        changed: Vec<String>,
    },
    /// Result: `None`.
    Delete {
        id: String,
        prior: Attrs,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Cause;

    impl fmt::Display for Cause {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the cause")
        }
    }

    impl std::error::Error for Cause {}

    #[test]
    fn op_error_keeps_code_and_source_and_displays_as_before() {
        let plain = OpError::new("GetBucket", ErrorKind::Other, "NoSuchBucket: gone");
        let full = plain.clone().with_code("NoSuchBucket").with_source(Cause);
        assert_eq!(full.to_string(), "GetBucket: NoSuchBucket: gone");
        assert_eq!(full.code.as_deref(), Some("NoSuchBucket"));
        let source = std::error::Error::source(&full).expect("a source");
        assert_eq!(source.to_string(), "the cause");
        assert!(std::error::Error::source(&plain).is_none());
        assert_eq!(full.clone(), full, "a clone shares its source");
    }

    #[test]
    fn op_error_equality_ignores_the_source_but_not_the_code() {
        let a = OpError::invalid("Op", "bad").with_code("InvalidX");
        assert_eq!(a.clone().with_source(Cause), a);
        assert_ne!(a, OpError::invalid("Op", "bad"));
    }
}
