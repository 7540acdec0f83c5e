//! `sqs-queue`: an SQS queue, standard or FIFO, with its redrive to a dead-letter queue, its
//! queue policy, encryption and tags.
//!
//! AWS calls:
//! - read: GetQueueAttributes (All) and ListQueueTags, concurrently
//! - create: CreateQueue (attributes and tags in one call); a queue of the name that is this
//!   address's (a re-run after a crash) is adopted: SetQueueAttributes, TagQueue / UntagQueue
//! - update: SetQueueAttributes (only the attributes that differ), TagQueue / UntagQueue
//! - delete: DeleteQueue
//! - find: GetQueueUrl by name, then the read; the ownership tags decide
//! - import: by queue name or URL (GetQueueUrl, then the read); the id is the queue URL
//! - list: ListQueues (every page), each queue read

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::QueueAttributeName as Name;
use aws_smithy_runtime_api::client::result::SdkError;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider};
use eco_schema::spec::overlay;
use eco_schema::{NameRule, Rule, Schema, Spec};

use crate::attrs::{same_json, spec_invalid, spec_of};
use crate::aws::{has_code, op_error, partition, read_each, Aws};
use crate::calls::{delete_if_present, every_page, get_optional, to_update};
use crate::ownership::not_ours_by_tags;
use crate::tags::{retag, TagByKey};

/// The error codes SQS answers for a queue that does not exist (JSON and query protocols).
const NO_QUEUE: &[&str] = &[
    "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue",
];
/// Whether an SQS error says the queue does not exist.
fn no_queue<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> bool {
    has_code(e, NO_QUEUE)
}

/// The error codes of a CreateQueue whose name is taken by a queue with other attributes.
const NAME_TAKEN: &[&str] = &["QueueNameExists", "QueueAlreadyExists"];

/// Where a queue's failed messages go: `redrive dead-letter-arn="..." max-receive-count=5`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
pub struct Redrive {
    /// ARN of the dead-letter queue, e.g. `${sqs-queue.failed.arn}` (a FIFO queue's must be
    /// FIFO too)
    pub dead_letter_arn: String,
    /// receives of a message before it moves to the dead-letter queue, 1 to 1000
    #[eco(min = 1, max = 1000)]
    pub max_receive_count: i64,
}

/// A queue's attributes, declared once: the schema, the typed reading of a configuration and
/// what a read reports all come from here.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "sqs-queue",
    doc = "An SQS queue (standard or FIFO) with its dead-letter redrive and queue policy",
    import_id = "the queue name or URL"
)]
pub struct SqsQueue {
    /// queue name; SQS cannot rename a queue
    #[eco(replace, name_rule = SqsQueue)]
    pub name: String,
    /// a FIFO queue (ordered, exactly-once); its name ends in `.fifo`. SQS cannot convert a
    /// queue between standard and FIFO
    #[eco(replace)]
    pub fifo: Option<bool>,
    #[eco(flatten)]
    pub config: QueueConfig,
    /// queue URL (the id SQS calls take)
    #[eco(computed, derived_from = "name")]
    pub url: Option<String>,
    /// queue ARN
    #[eco(computed, derived_from = "name")]
    pub arn: Option<String>,
    /// messages in the queue (visible, in flight and delayed), as SQS approximates them: what a
    /// replacement or a destroy would lose
    #[eco(computed)]
    pub approximate_messages: Option<i64>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

/// What SetQueueAttributes changes in place.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct QueueConfig {
    /// seconds a received message stays hidden from other consumers, 0 to 43200; SQS's default
    /// is 30 (SetQueueAttributes)
    #[eco(min = 0, max = 43200)]
    pub visibility_timeout_seconds: Option<i64>,
    /// seconds a message is kept, 60 to 1209600 (14 days); SQS's default is 345600 (4 days)
    /// (SetQueueAttributes)
    #[eco(min = 60, max = 1209600)]
    pub message_retention_seconds: Option<i64>,
    /// seconds every new message is delayed, 0 to 900 (SetQueueAttributes)
    #[eco(min = 0, max = 900)]
    pub delay_seconds: Option<i64>,
    /// largest message in bytes, 1024 to 1048576 (SetQueueAttributes)
    #[eco(min = 1024, max = 1048576)]
    pub max_message_size: Option<i64>,
    /// seconds a ReceiveMessage waits for a message (long polling), 0 to 20 (SetQueueAttributes)
    #[eco(min = 0, max = 20)]
    pub receive_wait_seconds: Option<i64>,
    /// FIFO queues only: deduplicate by a hash of the body (SetQueueAttributes)
    pub content_based_deduplication: Option<bool>,
    /// move messages received too often to a dead-letter queue (SetQueueAttributes)
    pub redrive: Option<Redrive>,
    /// the queue policy JSON; compared as JSON, not as text (SetQueueAttributes)
    #[eco(json)]
    pub policy: Option<String>,
    /// KMS key id, alias or ARN for server-side encryption, e.g. `alias/aws/sqs`
    /// (SetQueueAttributes)
    pub kms_key: Option<String>,
}

pub const TYPE_NAME: &str = SqsQueue::TYPE_NAME;
const TY: &str = TYPE_NAME;

/// The schema, with the rules SQS applies across attributes: a FIFO queue's name ends in
/// `.fifo` (and only a FIFO queue's), and content-based deduplication is for FIFO queues.
pub fn schema() -> Schema {
    SqsQueue::schema()
        .rule(Rule::SuffixIff {
            flag: "fifo",
            name: "name",
            suffix: ".fifo",
        })
        .rule(Rule::OnlyWith {
            setting: "content-based-deduplication",
            flag: "fifo",
        })
}

/// The name rule is also checked when a name is known only at plan time.
fn check_name(spec: &SqsQueue, op: &str) -> Result<(), OpError> {
    NameRule::SqsQueue
        .check(&spec.name)
        .map_err(|why| OpError::invalid(op, format!("{TY}: name `{}` {why}", spec.name)))?;
    let fifo = spec.fifo == Some(true);
    if fifo != spec.name.ends_with(".fifo") {
        return Err(OpError::invalid(
            op,
            format!(
                "{TY}: a FIFO queue's name ends in `.fifo`, and only a FIFO queue's (name `{}`, \
                 fifo {fifo})",
                spec.name
            ),
        ));
    }
    Ok(())
}

/// The attributes SetQueueAttributes manages (an adoption brings all of them to the
/// configuration).
fn managed() -> Vec<String> {
    QueueConfig::fields()
        .iter()
        .map(|a| a.name.to_string())
        .collect()
}

/// The RedrivePolicy JSON SQS takes.
fn redrive_json(r: &Redrive) -> String {
    serde_json::json!({
        "deadLetterTargetArn": r.dead_letter_arn,
        "maxReceiveCount": r.max_receive_count,
    })
    .to_string()
}

/// A RedrivePolicy as SQS reports it (`maxReceiveCount` a number or a numeric string).
fn redrive_of(text: &str) -> Option<Redrive> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let count = &v["maxReceiveCount"];
    Some(Redrive {
        dead_letter_arn: v["deadLetterTargetArn"].as_str()?.to_string(),
        max_receive_count: count
            .as_i64()
            .or_else(|| count.as_str().and_then(|s| s.parse().ok()))?,
    })
}

impl QueueConfig {
    /// What GetQueueAttributes reports, read into the configuration's shape.
    pub fn from_live(a: &HashMap<Name, String>) -> QueueConfig {
        let int = |n: Name| a.get(&n).and_then(|v| v.parse().ok());
        let text = |n: Name| a.get(&n).filter(|v| !v.is_empty()).cloned();
        QueueConfig {
            visibility_timeout_seconds: int(Name::VisibilityTimeout),
            message_retention_seconds: int(Name::MessageRetentionPeriod),
            delay_seconds: int(Name::DelaySeconds),
            max_message_size: int(Name::MaximumMessageSize),
            receive_wait_seconds: int(Name::ReceiveMessageWaitTimeSeconds),
            content_based_deduplication: a
                .get(&Name::ContentBasedDeduplication)
                .map(|v| v == "true"),
            redrive: text(Name::RedrivePolicy).and_then(|t| redrive_of(&t)),
            policy: text(Name::Policy).map(|p| compact_json(&p)),
            kms_key: text(Name::KmsMasterKeyId),
        }
    }

    /// The attributes SQS takes for what is set, as text.
    pub fn to_sqs(&self) -> HashMap<Name, String> {
        let mut out = HashMap::new();
        let mut put = |n: Name, v: Option<String>| {
            if let Some(v) = v {
                out.insert(n, v);
            }
        };
        let num = |v: Option<i64>| v.map(|n| n.to_string());
        put(
            Name::VisibilityTimeout,
            num(self.visibility_timeout_seconds),
        );
        put(
            Name::MessageRetentionPeriod,
            num(self.message_retention_seconds),
        );
        put(Name::DelaySeconds, num(self.delay_seconds));
        put(Name::MaximumMessageSize, num(self.max_message_size));
        put(
            Name::ReceiveMessageWaitTimeSeconds,
            num(self.receive_wait_seconds),
        );
        put(
            Name::ContentBasedDeduplication,
            self.content_based_deduplication.map(|b| b.to_string()),
        );
        put(Name::RedrivePolicy, self.redrive.as_ref().map(redrive_json));
        put(Name::Policy, self.policy.clone());
        put(Name::KmsMasterKeyId, self.kms_key.clone());
        out
    }

    /// The attributes of `self` that `live` lacks or holds otherwise (the policy compared as
    /// JSON): what one SetQueueAttributes sends.
    pub fn changes_from(&self, live: &QueueConfig) -> HashMap<Name, String> {
        let have = live.to_sqs();
        self.to_sqs()
            .into_iter()
            .filter(|(n, v)| match (n, have.get(n)) {
                (_, None) => true,
                (Name::Policy | Name::RedrivePolicy, Some(h)) => !same_json(h, v),
                (_, Some(h)) => h != v,
            })
            .collect()
    }
}

/// A JSON text without its whitespace (keys in the order written); other text as it is. SQS
/// reports a policy reformatted: the read reports it compact, and the plan compares it as JSON.
fn compact_json(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| text.to_string())
}

/// The queue name of a queue URL (its last path segment).
fn name_of_url(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// The ARN of the queue at `url` (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`), in `region`.
fn arn_of_url(url: &str, region: &str) -> Option<String> {
    let mut parts = url.trim_end_matches('/').rsplit('/');
    let (name, account) = (parts.next()?, parts.next()?);
    let (partition, _) = partition(region);
    Some(format!("arn:{partition}:sqs:{region}:{account}:{name}"))
}

/// One queue as SQS reports it.
struct Found {
    url: String,
    attributes: HashMap<Name, String>,
    tags: BTreeMap<String, String>,
}

impl Found {
    fn spec(&self) -> SqsQueue {
        let a = &self.attributes;
        let count = |n: Name| a.get(&n).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
        SqsQueue {
            name: name_of_url(&self.url).to_string(),
            fifo: Some(a.get(&Name::FifoQueue).is_some_and(|v| v == "true")),
            config: QueueConfig::from_live(a),
            url: Some(self.url.clone()),
            arn: a.get(&Name::QueueArn).cloned(),
            approximate_messages: Some(
                count(Name::ApproximateNumberOfMessages)
                    + count(Name::ApproximateNumberOfMessagesNotVisible)
                    + count(Name::ApproximateNumberOfMessagesDelayed),
            ),
            tags: self.tags.clone(),
        }
    }

    fn live(&self) -> Live {
        Live {
            id: self.url.clone(),
            attrs: self.spec().to_attrs(),
        }
    }
}

/// TagQueue / UntagQueue, naming the queue by its URL.
#[async_trait]
impl TagByKey for aws_sdk_sqs::Client {
    async fn tag(&self, url: &str, tags: BTreeMap<String, String>) -> Result<(), OpError> {
        let call = self
            .tag_queue()
            .queue_url(url)
            .set_tags(Some(tags.into_iter().collect()));
        call.send().await.map_err(|e| op_error("TagQueue", e))?;
        Ok(())
    }

    async fn untag(&self, url: &str, keys: Vec<String>) -> Result<(), OpError> {
        let call = self.untag_queue().queue_url(url).set_tag_keys(Some(keys));
        call.send().await.map_err(|e| op_error("UntagQueue", e))?;
        Ok(())
    }
}

/// The `sqs-queue` operations, on one account's SQS client.
pub struct Provider {
    client: aws_sdk_sqs::Client,
    region: String,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.sqs(),
            region: aws.region(),
            schema: schema(),
        }
    }

    /// GetQueueUrl: the URL of the queue of this name, if there is one.
    async fn url_of(&self, name: &str) -> Result<Option<String>, OpError> {
        let call = self.client.get_queue_url().queue_name(name).send();
        Ok(get_optional("GetQueueUrl", no_queue, call)
            .await?
            .and_then(|o| o.queue_url))
    }

    /// GetQueueAttributes (All) and ListQueueTags, concurrently; `None` when the queue is gone.
    async fn get(&self, url: &str) -> Result<Option<Found>, OpError> {
        let attributes = self
            .client
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(Name::All)
            .send();
        let tags = self.client.list_queue_tags().queue_url(url).send();
        let (attributes, tags) = tokio::join!(
            get_optional("GetQueueAttributes", no_queue, attributes),
            get_optional("ListQueueTags", no_queue, tags),
        );
        let (Some(attributes), Some(tags)) = (attributes?, tags?) else {
            return Ok(None);
        };
        Ok(Some(Found {
            url: url.to_string(),
            attributes: attributes.attributes.unwrap_or_default(),
            tags: tags.tags.unwrap_or_default().into_iter().collect(),
        }))
    }

    /// The queue of `name`, read, if there is one.
    async fn by_name(&self, name: &str) -> Result<Option<Found>, OpError> {
        match self.url_of(name).await? {
            Some(url) => self.get(&url).await,
            None => Ok(None),
        }
    }

    /// Takes `found` to the configuration for the attributes in `changed` (SetQueueAttributes
    /// with only what differs, and the tags), and answers the queue as it now is. SQS takes up to
    /// a minute to show attribute changes, so the answer is the read before the change with the
    /// change applied, not a read after it.
    async fn converge(
        &self,
        found: Found,
        want: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<Live, OpError> {
        if let Some(fixed) = changed.iter().find(|c| *c == "name" || *c == "fifo") {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{fixed}` cannot change in place (it forces a replacement)"),
            ));
        }
        let mut spec = found.spec();
        let merged = overlay(&spec.config, want, changed).map_err(spec_invalid(TY, op))?;
        let send = merged.changes_from(&spec.config);
        if !send.is_empty() {
            self.client
                .set_queue_attributes()
                .queue_url(&found.url)
                .set_attributes(Some(send))
                .send()
                .await
                .map_err(|e| op_error("SetQueueAttributes", e))?;
        }
        if changed.iter().any(|c| c == "tags") {
            let desired: SqsQueue = spec_of(want, TY, op)?;
            retag(&self.client, &found.url, &found.tags, &desired.tags, &[]).await?;
            spec.tags = desired.tags;
        }
        spec.config = merged;
        Ok(Live {
            id: found.url,
            attrs: spec.to_attrs(),
        })
    }

    /// A queue of this name that a create found: adopted and brought to `desired` when its tags
    /// say it is this address's; a Conflict otherwise.
    async fn adopt(
        &self,
        ctx: &OpContext,
        found: Found,
        want: &SqsQueue,
        desired: &Attrs,
    ) -> Result<Live, OpError> {
        let op = "CreateQueue";
        if !ctx.owns(&found.tags) {
            let what = format!("SQS queue `{}`", want.name);
            return Err(not_ours_by_tags(ctx, op, &what, &want.name, &found.tags));
        }
        let mut changed = managed();
        changed.push("tags".into());
        self.converge(found, desired, &changed, op).await
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.get(id).await?.map(|f| f.live()))
    }

    /// The queue named in `desired`, when it exists and carries this address's ownership tags.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let want: SqsQueue = spec_of(desired, TY, "GetQueueUrl")?;
        let Some(found) = self.by_name(&want.name).await? else {
            return Ok(None);
        };
        if !ctx.owns(&found.tags) {
            let what = format!("SQS queue `{}`", want.name);
            let e = not_ours_by_tags(ctx, "GetQueueUrl", &what, &want.name, &found.tags);
            return Err(e);
        }
        Ok(Some(found.live()))
    }

    /// CreateQueue with every configured attribute and the tags in one call. A queue of the name
    /// already there (a re-run after a crash, or a concurrent create) is adopted when it is this
    /// address's.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreateQueue";
        let want: SqsQueue = spec_of(desired, TY, op)?;
        check_name(&want, op)?;
        if let Some(found) = self.by_name(&want.name).await? {
            return self.adopt(ctx, found, &want, desired).await;
        }
        let mut attributes = want.config.to_sqs();
        if want.fifo == Some(true) {
            attributes.insert(Name::FifoQueue, "true".into());
        }
        let created = self
            .client
            .create_queue()
            .queue_name(&want.name)
            .set_attributes(Some(attributes))
            .set_tags(Some(want.tags.clone().into_iter().collect()))
            .send()
            .await;
        let url = match created {
            Ok(out) => out.queue_url.ok_or_else(|| {
                OpError::new(op, ErrorKind::Other, "CreateQueue answered no QueueUrl")
            })?,
            Err(e) if has_code(&e, NAME_TAKEN) => {
                let Some(found) = self.by_name(&want.name).await? else {
                    return Err(op_error(op, e));
                };
                return self.adopt(ctx, found, &want, desired).await;
            }
            Err(e) => return Err(op_error(op, e)),
        };
        // Read back, for the defaults SQS filled in; SQS asks for a second before a new queue is
        // used, so a queue not visible yet is answered from what was sent.
        if let Some(found) = self.get(&url).await? {
            return Ok(found.live());
        }
        let made = SqsQueue {
            fifo: Some(want.fifo == Some(true)),
            arn: arn_of_url(&url, &self.region),
            url: Some(url.clone()),
            approximate_messages: Some(0),
            ..want
        };
        Ok(Live {
            id: url,
            attrs: made.to_attrs(),
        })
    }

    /// SetQueueAttributes with the changed attributes that differ live, TagQueue / UntagQueue.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "SetQueueAttributes";
        let found = to_update(self.get(id).await?, op, &format!("{TY}: queue `{id}`"))?;
        self.converge(found, desired, changed, op).await
    }

    /// DeleteQueue; a queue already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.client.delete_queue().queue_url(id).send();
        delete_if_present("DeleteQueue", no_queue, call).await
    }

    /// By queue URL, or by name (GetQueueUrl).
    async fn import(&self, _ctx: &OpContext, import_id: &str) -> Result<Option<Live>, OpError> {
        let found = match import_id.contains("://") {
            true => self.get(import_id).await?,
            false => self.by_name(import_id).await?,
        };
        Ok(found.map(|f| f.live()))
    }

    /// ListQueues (every page), each queue read.
    async fn list(&self, ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let urls = every_page(|token| {
            let call = self.client.list_queues().set_next_token(token).send();
            async move {
                let out = call.await.map_err(|e| op_error("ListQueues", e))?;
                Ok((out.queue_urls.unwrap_or_default(), out.next_token))
            }
        })
        .await;
        Some(match urls {
            Ok(urls) => read_each(urls, |url| async move { self.read(ctx, &url).await }).await,
            Err(e) => Err(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> SqsQueue {
        SqsQueue {
            name: "jobs".into(),
            config: QueueConfig {
                visibility_timeout_seconds: Some(60),
                redrive: Some(Redrive {
                    dead_letter_arn: "arn:aws:sqs:us-east-1:123456789012:jobs-failed".into(),
                    max_receive_count: 5,
                }),
                policy: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn attributes_go_to_sqs_and_back_unchanged() {
        let cfg = base().config;
        let sent = cfg.to_sqs();
        assert_eq!(sent[&Name::VisibilityTimeout], "60");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&sent[&Name::RedrivePolicy]).unwrap(),
            serde_json::json!({
                "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:jobs-failed",
                "maxReceiveCount": 5
            })
        );
        assert_eq!(QueueConfig::from_live(&sent), cfg);
        // SQS has reported maxReceiveCount as a string.
        let text = r#"{"deadLetterTargetArn":"arn:x","maxReceiveCount":"3"}"#;
        assert_eq!(redrive_of(text).unwrap().max_receive_count, 3);
    }

    #[test]
    fn only_what_differs_is_sent_and_a_policy_is_compared_as_json() {
        let live = base().config;
        let mut want = live.clone();
        want.policy = Some("{ \"Statement\": [],\n \"Version\": \"2012-10-17\" }".into());
        assert!(want.changes_from(&live).is_empty());
        want.delay_seconds = Some(10);
        let send = want.changes_from(&live);
        assert_eq!(send.len(), 1);
        assert_eq!(send[&Name::DelaySeconds], "10");
    }

    #[test]
    fn names_fifo_and_arns() {
        let mut q = base();
        assert!(check_name(&q, "Op").is_ok());
        q.fifo = Some(true);
        let e = check_name(&q, "Op").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert!(e.message.contains("ends in `.fifo`"), "{e}");
        q.name = "jobs.fifo".into();
        assert!(check_name(&q, "Op").is_ok());
        assert_eq!(
            arn_of_url(
                "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
                "eu-west-1"
            )
            .unwrap(),
            "arn:aws:sqs:eu-west-1:123456789012:jobs"
        );
        assert_eq!(
            name_of_url("http://localhost:5000/123456789012/a.fifo"),
            "a.fifo"
        );
        let s = schema();
        assert_eq!(s.rules.len(), 2);
        assert_eq!(
            s.attribute("fifo").unwrap().update,
            eco_schema::Update::Replace
        );
        assert!(s.attribute("policy").unwrap().json);
    }
}
