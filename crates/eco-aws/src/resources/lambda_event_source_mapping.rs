//! `lambda-event-source-mapping`: Lambda polling an SQS queue or a DynamoDB / Kinesis stream and
//! invoking a function with batches of its records, with the batch size and window, filter
//! patterns, the starting position of a stream and the partial-failure reporting.
//!
//! A mapping has no name and eco puts no tags on it: its id is the UUID Lambda gives it, and it
//! is found by what identifies it, its function and its event source (Lambda keeps one mapping
//! per function and queue).
//!
//! AWS calls:
//! - read: GetEventSourceMapping (a mapping being deleted reads as gone)
//! - create: CreateEventSourceMapping; a mapping of the function and source already there (a
//!   re-run after a crash) is adopted and brought to the configuration
//! - update: UpdateEventSourceMapping with the changed settings
//! - delete: DeleteEventSourceMapping
//! - find: ListEventSourceMappings for the source (every page), the one of the function
//! - import: by UUID; list: ListEventSourceMappings (every page)

use async_trait::async_trait;
use aws_sdk_lambda::types::{EventSourcePosition, Filter, FilterCriteria};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};
use eco_schema::spec::overlay;
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::{spec_invalid, spec_of};
use crate::aws::{is_not_found_or_bare_404, op_error, read_each, Aws};
use crate::calls::{delete_if_present, every_page, get_optional, to_update};

/// Where a stream mapping starts reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StartingPosition {
    /// the oldest record the stream keeps
    TrimHorizon,
    /// only records written after the mapping is made
    Latest,
}

/// What the function's answer may report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum FunctionResponseType {
    /// the function names the records that failed; only those are retried
    ReportBatchItemFailures,
}

/// A mapping's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "lambda-event-source-mapping",
    doc = "Lambda polling an SQS queue or a DynamoDB / Kinesis stream and invoking a function with batches",
    import_id = "the mapping UUID"
)]
pub struct LambdaEventSourceMapping {
    /// function name or ARN, e.g. `${lambda-function.worker.name}`; the read reports the name
    /// (UpdateEventSourceMapping)
    #[eco(required)]
    pub function: String,
    /// ARN of the SQS queue or DynamoDB / Kinesis stream, e.g. `${sqs-queue.jobs.arn}` or
    /// `${dynamodb-table.orders.stream-arn}`
    #[eco(required, replace)]
    pub event_source_arn: String,
    /// records per invocation: 1 to 10000 (SQS: above 10 needs a `maximum-batching-window`; a
    /// FIFO queue at most 10); Lambda's default is 10 for SQS, 100 for streams
    /// (UpdateEventSourceMapping)
    #[eco(min = 1, max = 10000)]
    pub batch_size: Option<i64>,
    /// seconds Lambda gathers records before invoking, 0 to 300 (not for FIFO queues)
    /// (UpdateEventSourceMapping)
    #[eco(min = 0, max = 300)]
    pub maximum_batching_window: Option<i64>,
    /// whether Lambda polls the source; Lambda's default is true (UpdateEventSourceMapping)
    pub enabled: Option<bool>,
    /// event filter patterns (JSON, compared as JSON, without whitespace): only records
    /// matching one of them invoke the function (UpdateEventSourceMapping)
    #[eco(unordered)]
    pub filter_patterns: Option<Vec<String>>,
    /// streams only, and required for them: TRIM_HORIZON or LATEST; Lambda cannot change it
    #[eco(replace)]
    pub starting_position: Option<StartingPosition>,
    /// ReportBatchItemFailures: the function reports which records failed
    /// (UpdateEventSourceMapping)
    #[eco(unordered)]
    pub function_response_types: Option<Vec<FunctionResponseType>>,
    /// ARN of the function the mapping invokes
    #[eco(computed, derived_from = "function")]
    pub function_arn: Option<String>,
    /// ARN of the mapping
    #[eco(computed)]
    pub arn: Option<String>,
}

pub const TYPE_NAME: &str = LambdaEventSourceMapping::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    LambdaEventSourceMapping::schema()
}

/// What Lambda answers while a mapping is still being created or changed, and for how long eco
/// keeps trying (the engine retries; see docs/aws-behaviour.md).
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[eco_provider::Transient {
    operations: &["UpdateEventSourceMapping", "DeleteEventSourceMapping"],
    codes: &["ResourceInUseException"],
    message: None,
    budget: std::time::Duration::from_secs(300),
    why: "Lambda is still creating or updating the event source mapping",
}];

/// The kinds of event source, by the service in the source ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    Queue,
    FifoQueue,
    Stream,
    Other,
}

impl SourceKind {
    fn of(arn: &str) -> SourceKind {
        match arn.split(':').nth(2) {
            Some("sqs") if arn.ends_with(".fifo") => SourceKind::FifoQueue,
            Some("sqs") => SourceKind::Queue,
            Some("dynamodb") | Some("kinesis") => SourceKind::Stream,
            _ => SourceKind::Other,
        }
    }
}

/// The function as the read reports it: the name of an unqualified function ARN, anything else
/// (a name, a qualified ARN) as it is.
pub fn function_name_of(function: &str) -> String {
    let parts: Vec<&str> = function.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] => name.to_string(),
        _ => function.to_string(),
    }
}

/// A filter pattern without its whitespace (what it is compared as); a text that is not JSON
/// stays as it is.
fn compact_pattern(pattern: &str) -> String {
    serde_json::from_str::<serde_json::Value>(pattern)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| pattern.to_string())
}

impl LambdaEventSourceMapping {
    /// What AWS refuses for this kind of source, said before any call: the batch size and
    /// window limits of queues, and the starting position only streams have (and need).
    fn check_for_source(&self, op: &str) -> Result<(), OpError> {
        let kind = SourceKind::of(&self.event_source_arn);
        let refuse = |what: String| Err(OpError::invalid(op, format!("{TY}: {what}")));
        let batch = self.batch_size.unwrap_or(0);
        match kind {
            SourceKind::FifoQueue if batch > 10 => {
                return refuse(format!(
                    "a FIFO queue takes a batch-size of at most 10, not {batch}"
                ))
            }
            SourceKind::FifoQueue if self.maximum_batching_window.is_some_and(|w| w > 0) => {
                return refuse(
                    "a FIFO queue takes no maximum-batching-window; leave it out".to_string(),
                )
            }
            SourceKind::Queue if batch > 10 && self.maximum_batching_window.unwrap_or(0) < 1 => {
                return refuse(format!(
                    "an SQS batch-size above 10 ({batch}) needs a maximum-batching-window of at least 1 second"
                ))
            }
            _ => {}
        }
        match (kind, self.starting_position) {
            (SourceKind::Queue | SourceKind::FifoQueue, Some(_)) => refuse(
                "a queue has no starting-position (it is for streams); leave it out".to_string(),
            ),
            (SourceKind::Stream, None) => refuse(
                "a stream source needs a starting-position: TRIM_HORIZON or LATEST".to_string(),
            ),
            _ => Ok(()),
        }
    }

    fn filter_criteria(&self) -> Option<FilterCriteria> {
        self.filter_patterns.as_ref().map(|patterns| {
            FilterCriteria::builder()
                .set_filters(Some(
                    patterns
                        .iter()
                        .map(|p| Filter::builder().pattern(p).build())
                        .collect(),
                ))
                .build()
        })
    }

    fn response_types(&self) -> Option<Vec<aws_sdk_lambda::types::FunctionResponseType>> {
        self.function_response_types.as_ref().map(|types| {
            types
                .iter()
                .map(|t| aws_sdk_lambda::types::FunctionResponseType::from(t.as_str()))
                .collect()
        })
    }
}

/// What GetEventSourceMapping answers, read into the configuration's shape; `None` for a
/// mapping being deleted.
fn from_live(
    out: &aws_sdk_lambda::operation::get_event_source_mapping::GetEventSourceMappingOutput,
) -> Option<LambdaEventSourceMapping> {
    let state = out.state().unwrap_or_default();
    if state == "Deleting" {
        return None;
    }
    let function_arn = out.function_arn().unwrap_or_default().to_string();
    let patterns: Option<Vec<String>> = out.filter_criteria().map(|c| {
        c.filters()
            .iter()
            .filter_map(|f| f.pattern())
            .map(compact_pattern)
            .collect()
    });
    Some(LambdaEventSourceMapping {
        function: function_name_of(&function_arn),
        event_source_arn: out.event_source_arn().unwrap_or_default().to_string(),
        batch_size: out.batch_size().map(i64::from),
        maximum_batching_window: out.maximum_batching_window_in_seconds().map(i64::from),
        enabled: Some(!matches!(state, "Disabled" | "Disabling")),
        filter_patterns: patterns.filter(|p| !p.is_empty()),
        starting_position: out
            .starting_position()
            .and_then(|p| StartingPosition::parse(p.as_str())),
        function_response_types: Some(
            out.function_response_types()
                .iter()
                .filter_map(|t| FunctionResponseType::parse(t.as_str()))
                .collect::<Vec<_>>(),
        )
        .filter(|t| !t.is_empty()),
        function_arn: Some(function_arn),
        arn: out.event_source_mapping_arn().map(str::to_string),
    })
}

/// The settings UpdateEventSourceMapping changes (what an adoption brings to the
/// configuration).
const SETTINGS: &[&str] = &[
    "function",
    "batch-size",
    "maximum-batching-window",
    "enabled",
    "filter-patterns",
    "function-response-types",
];

/// Brings desired values to the form the read reports: the function by name when it is an
/// unqualified ARN, filter patterns without whitespace.
pub fn normalize_mapping(desired: &mut Attrs) {
    if let Some(Value::String(function)) = desired.get_mut("function") {
        *function = function_name_of(function);
    }
    if let Some(Value::List(patterns)) = desired.get_mut("filter-patterns") {
        for p in patterns.iter_mut() {
            if let Value::String(text) = p {
                *text = compact_pattern(text);
            }
        }
    }
}

/// The `lambda-event-source-mapping` operations, on one account's Lambda client.
pub struct Provider {
    client: aws_sdk_lambda::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.lambda(),
            schema: schema(),
        }
    }

    /// GetEventSourceMapping; `None` when the mapping is gone or being deleted.
    async fn get(&self, uuid: &str) -> Result<Option<(String, LambdaEventSourceMapping)>, OpError> {
        let call = self.client.get_event_source_mapping().uuid(uuid).send();
        let Some(out) =
            get_optional("GetEventSourceMapping", is_not_found_or_bare_404, call).await?
        else {
            return Ok(None);
        };
        Ok(from_live(&out).map(|m| (uuid.to_string(), m)))
    }

    /// The UUIDs of the mappings ListEventSourceMappings answers (every page), for one source
    /// or for all.
    async fn uuids(&self, source: Option<&str>) -> Result<Vec<(String, String)>, OpError> {
        every_page(|marker| {
            let call = self
                .client
                .list_event_source_mappings()
                .set_event_source_arn(source.map(str::to_string))
                .set_marker(marker)
                .send();
            async move {
                let out = call
                    .await
                    .map_err(|e| op_error("ListEventSourceMappings", e))?;
                let found = out
                    .event_source_mappings()
                    .iter()
                    .filter(|m| m.state() != Some("Deleting"))
                    .filter_map(|m| {
                        Some((
                            m.uuid()?.to_string(),
                            m.function_arn().unwrap_or_default().to_string(),
                        ))
                    })
                    .collect::<Vec<_>>();
                Ok((found, out.next_marker))
            }
        })
        .await
    }

    /// The mapping of this function and source, if there is one.
    async fn by_identity(
        &self,
        want: &LambdaEventSourceMapping,
    ) -> Result<Option<(String, LambdaEventSourceMapping)>, OpError> {
        let function = function_name_of(&want.function);
        for (uuid, function_arn) in self.uuids(Some(&want.event_source_arn)).await? {
            if function_name_of(&function_arn) == function || function_arn == want.function {
                return self.get(&uuid).await;
            }
        }
        Ok(None)
    }

    fn live((uuid, mapping): (String, LambdaEventSourceMapping)) -> Live {
        Live {
            id: uuid,
            attrs: mapping.to_attrs(),
        }
    }

    /// Takes `found` to the configuration for the attributes in `changed`: one
    /// UpdateEventSourceMapping with what differs.
    async fn converge(
        &self,
        (uuid, found): (String, LambdaEventSourceMapping),
        desired: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<Live, OpError> {
        let fixed = ["event-source-arn", "starting-position"];
        if let Some(f) = changed.iter().find(|c| fixed.contains(&c.as_str())) {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{f}` cannot change in place (it forces a replacement)"),
            ));
        }
        let merged: LambdaEventSourceMapping =
            overlay(&found, desired, changed).map_err(spec_invalid(TY, op))?;
        merged.check_for_source(op)?;
        let mut request = self.client.update_event_source_mapping().uuid(&uuid);
        let mut any = false;
        if function_name_of(&merged.function) != found.function {
            request = request.function_name(&merged.function);
            any = true;
        }
        if merged.batch_size != found.batch_size {
            request = request.set_batch_size(merged.batch_size.map(|b| b as i32));
            any = true;
        }
        if merged.maximum_batching_window != found.maximum_batching_window {
            request = request.set_maximum_batching_window_in_seconds(
                merged.maximum_batching_window.map(|w| w as i32),
            );
            any = true;
        }
        if merged.enabled != found.enabled {
            request = request.set_enabled(merged.enabled);
            any = true;
        }
        let sorted = |v: &Option<Vec<String>>| {
            let mut v = v.clone().unwrap_or_default();
            v.sort();
            v
        };
        if sorted(&merged.filter_patterns) != sorted(&found.filter_patterns) {
            // An empty filter list removes the filters.
            let criteria = merged.filter_criteria().unwrap_or_else(|| {
                FilterCriteria::builder()
                    .set_filters(Some(Vec::new()))
                    .build()
            });
            request = request.filter_criteria(criteria);
            any = true;
        }
        if merged.function_response_types.clone().unwrap_or_default()
            != found.function_response_types.clone().unwrap_or_default()
        {
            request = request
                .set_function_response_types(Some(merged.response_types().unwrap_or_default()));
            any = true;
        }
        if any {
            request.send().await.map_err(|e| op_error(op, e))?;
        }
        let what = format!("{TY}: mapping `{uuid}`");
        let now = to_update(self.get(&uuid).await?, op, &what)?;
        Ok(Self::live(now))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(TRANSIENT);

    fn normalize(&self, desired: &mut Attrs) {
        normalize_mapping(desired);
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.get(id).await?.map(Self::live))
    }

    /// The mapping of this function and source (Lambda keeps one per function and queue),
    /// unless it is the one a replacement replaces.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let want: LambdaEventSourceMapping = spec_of(desired, TY, "ListEventSourceMappings")?;
        let found = self.by_identity(&want).await?.map(Self::live);
        Ok(ctx.unless_replaced(found))
    }

    /// CreateEventSourceMapping; a mapping of the function and source already there is
    /// adopted and brought to the configuration.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreateEventSourceMapping";
        let want: LambdaEventSourceMapping = spec_of(desired, TY, op)?;
        want.check_for_source(op)?;
        if let Some(found) = self.by_identity(&want).await? {
            if !ctx.is_replaced(&found.0) {
                let changed: Vec<String> = SETTINGS
                    .iter()
                    .filter(|s| desired.contains_key(**s))
                    .map(|s| s.to_string())
                    .collect();
                return self.converge(found, desired, &changed, op).await;
            }
        }
        let out = self
            .client
            .create_event_source_mapping()
            .function_name(&want.function)
            .event_source_arn(&want.event_source_arn)
            .set_batch_size(want.batch_size.map(|b| b as i32))
            .set_maximum_batching_window_in_seconds(want.maximum_batching_window.map(|w| w as i32))
            .set_enabled(want.enabled)
            .set_filter_criteria(want.filter_criteria())
            .set_starting_position(
                want.starting_position
                    .map(|p| EventSourcePosition::from(p.as_str())),
            )
            .set_function_response_types(want.response_types())
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let uuid = out.uuid.ok_or_else(|| {
            OpError::new(
                op,
                ErrorKind::Other,
                "CreateEventSourceMapping answered no UUID",
            )
        })?;
        let what = format!("{TY}: mapping `{uuid}`");
        let made = to_update(self.get(&uuid).await?, op, &what)?;
        Ok(Self::live(made))
    }

    /// One UpdateEventSourceMapping with the changed settings that differ.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdateEventSourceMapping";
        let what = format!("{TY}: mapping `{id}`");
        let found = to_update(self.get(id).await?, op, &what)?;
        self.converge(found, desired, changed, op).await
    }

    /// DeleteEventSourceMapping; a mapping already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.client.delete_event_source_mapping().uuid(id).send();
        delete_if_present("DeleteEventSourceMapping", is_not_found_or_bare_404, call).await
    }

    /// ListEventSourceMappings (every page), each mapping read.
    async fn list(&self, ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        Some(match self.uuids(None).await {
            Ok(found) => {
                let ids = found.into_iter().map(|(uuid, _)| uuid).collect();
                read_each(ids, |uuid| async move { self.read(ctx, &uuid).await }).await
            }
            Err(e) => Err(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(source: &str) -> LambdaEventSourceMapping {
        LambdaEventSourceMapping {
            function: "worker".into(),
            event_source_arn: source.into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_function_reads_as_its_name_and_patterns_compare_without_whitespace() {
        assert_eq!(
            function_name_of("arn:aws:lambda:us-east-1:123456789012:function:worker"),
            "worker"
        );
        assert_eq!(
            function_name_of("arn:aws:lambda:us-east-1:123456789012:function:worker:live"),
            "arn:aws:lambda:us-east-1:123456789012:function:worker:live"
        );
        assert_eq!(function_name_of("worker"), "worker");
        let mut desired = Attrs::new();
        desired.insert(
            "function".into(),
            Value::String("arn:aws:lambda:us-east-1:123456789012:function:worker".into()),
        );
        desired.insert(
            "filter-patterns".into(),
            Value::List(vec![Value::String(
                "{ \"body\": { \"kind\": [\"a\"] } }".into(),
            )]),
        );
        normalize_mapping(&mut desired);
        assert_eq!(desired["function"], Value::String("worker".into()));
        assert_eq!(
            desired["filter-patterns"],
            Value::List(vec![Value::String(r#"{"body":{"kind":["a"]}}"#.into())])
        );
    }

    #[test]
    fn what_aws_refuses_for_a_kind_of_source_is_refused_before_any_call() {
        let queue = "arn:aws:sqs:us-east-1:123456789012:jobs";
        let fifo = "arn:aws:sqs:us-east-1:123456789012:jobs.fifo";
        let stream =
            "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000";
        let mut m = mapping(queue);
        m.batch_size = Some(100);
        let e = m.check_for_source("op").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert!(e.message.contains("maximum-batching-window"), "{e}");
        m.maximum_batching_window = Some(5);
        m.check_for_source("op").unwrap();
        m.starting_position = Some(StartingPosition::Latest);
        assert!(m
            .check_for_source("op")
            .unwrap_err()
            .message
            .contains("streams"));

        let mut m = mapping(fifo);
        m.batch_size = Some(11);
        assert!(m
            .check_for_source("op")
            .unwrap_err()
            .message
            .contains("at most 10"));
        m.batch_size = Some(10);
        m.check_for_source("op").unwrap();

        let mut m = mapping(stream);
        assert!(m
            .check_for_source("op")
            .unwrap_err()
            .message
            .contains("TRIM_HORIZON or LATEST"));
        m.starting_position = Some(StartingPosition::TrimHorizon);
        m.batch_size = Some(1000);
        m.check_for_source("op").unwrap();
    }

    #[test]
    fn the_schema_has_the_ranges_and_update_strategies() {
        let s = schema();
        assert_eq!(
            s.attribute("event-source-arn").unwrap().update,
            eco_schema::Update::Replace
        );
        assert_eq!(
            s.attribute("starting-position").unwrap().update,
            eco_schema::Update::Replace
        );
        assert_eq!(
            s.attribute("batch-size").unwrap().update,
            eco_schema::Update::InPlace
        );
        assert!(!s.taggable);
    }
}
