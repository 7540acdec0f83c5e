//! `sns-topic`: an SNS topic, standard or FIFO, with its display name, encryption, access and
//! delivery policies and tags.
//!
//! AWS calls:
//! - read: GetTopicAttributes and ListTagsForResource
//! - create: CreateTopic (attributes and tags in one call); a topic of the name that is this
//!   address's (a re-run after a crash) is adopted and brought to the configuration
//! - update: SetTopicAttributes, one call per attribute that differs; TagResource /
//!   UntagResource
//! - delete: DeleteTopic
//! - find: ListTopics (every page) for the name, then the read; the ownership tags decide
//! - import: by topic ARN; list: ListTopics (every page), each topic read

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_sns::types::Tag;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider};
use eco_schema::spec::overlay;
use eco_schema::{NameRule, Rule, Schema, Spec};

use crate::attrs::{same_json, spec_invalid, spec_of};
use crate::aws::{is_not_found, op_error, read_each, Aws};
use crate::calls::{delete_if_present, every_page, get_optional, to_update};
use crate::ownership::not_ours;
use crate::tags::retag;

/// A topic's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "sns-topic",
    doc = "An SNS topic (standard or FIFO) with its policies and encryption",
    import_id = "the topic ARN"
)]
pub struct SnsTopic {
    /// topic name; SNS cannot rename a topic
    #[eco(replace, name_rule = SnsTopic)]
    pub name: String,
    /// a FIFO topic (ordered, deduplicated); its name ends in `.fifo`. SNS cannot convert a
    /// topic between standard and FIFO
    #[eco(replace)]
    pub fifo: Option<bool>,
    #[eco(flatten)]
    pub config: TopicConfig,
    /// topic ARN (the id SNS calls take)
    #[eco(computed, derived_from = "name")]
    pub arn: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

/// What SetTopicAttributes changes in place.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
pub struct TopicConfig {
    /// the name shown as the sender of SMS and email messages, up to 100 characters
    /// (SetTopicAttributes)
    pub display_name: Option<String>,
    /// KMS key id, alias or ARN for server-side encryption, e.g. `alias/aws/sns`
    /// (SetTopicAttributes)
    pub kms_key: Option<String>,
    /// the access policy JSON, compared as JSON; write it as a KDL `policy { statement ... }`
    /// block or as JSON text (SetTopicAttributes)
    #[eco(json)]
    pub policy: Option<String>,
    /// the HTTP/S delivery policy JSON (retries, throttling), compared as JSON
    /// (SetTopicAttributes)
    #[eco(json)]
    pub delivery_policy: Option<String>,
    /// FIFO topics only: deduplicate by a hash of the message body (SetTopicAttributes)
    pub content_based_deduplication: Option<bool>,
}

pub const TYPE_NAME: &str = SnsTopic::TYPE_NAME;
const TY: &str = TYPE_NAME;

/// The schema, with SNS's rules across attributes: a FIFO topic's name ends in `.fifo` (and only
/// a FIFO topic's), and content-based deduplication is for FIFO topics.
pub fn schema() -> Schema {
    SnsTopic::schema()
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

/// SNS's attribute names, as [`TopicConfig`]'s fields map to them.
const DISPLAY_NAME: &str = "DisplayName";
const KMS_KEY: &str = "KmsMasterKeyId";
const POLICY: &str = "Policy";
const DELIVERY_POLICY: &str = "DeliveryPolicy";
const DEDUPLICATION: &str = "ContentBasedDeduplication";
/// Attributes compared as JSON.
const JSON_ATTRIBUTES: &[&str] = &[POLICY, DELIVERY_POLICY];

/// The name rule, and the FIFO suffix, also checked when a name is known only at plan time.
fn check_name(spec: &SnsTopic, op: &str) -> Result<(), OpError> {
    NameRule::SnsTopic
        .check(&spec.name)
        .map_err(|why| OpError::invalid(op, format!("{TY}: name `{}` {why}", spec.name)))?;
    let fifo = spec.fifo == Some(true);
    if fifo != spec.name.ends_with(".fifo") {
        return Err(OpError::invalid(
            op,
            format!(
                "{TY}: a FIFO topic's name ends in `.fifo`, and only a FIFO topic's (name `{}`, \
                 fifo {fifo})",
                spec.name
            ),
        ));
    }
    Ok(())
}

impl TopicConfig {
    /// What GetTopicAttributes reports, read into the configuration's shape (JSON compact).
    pub fn from_live(a: &HashMap<String, String>) -> TopicConfig {
        let text = |n: &str| a.get(n).filter(|v| !v.is_empty()).cloned();
        let json = |n: &str| text(n).map(|t| compact_json(&t));
        TopicConfig {
            display_name: text(DISPLAY_NAME),
            kms_key: text(KMS_KEY),
            policy: json(POLICY),
            delivery_policy: json(DELIVERY_POLICY),
            content_based_deduplication: a.get(DEDUPLICATION).map(|v| v == "true"),
        }
    }

    /// The attributes SNS takes for what is set.
    pub fn to_sns(&self) -> HashMap<String, String> {
        let mut out = HashMap::new();
        let mut put = |n: &str, v: Option<String>| {
            if let Some(v) = v {
                out.insert(n.to_string(), v);
            }
        };
        put(DISPLAY_NAME, self.display_name.clone());
        put(KMS_KEY, self.kms_key.clone());
        put(POLICY, self.policy.clone());
        put(DELIVERY_POLICY, self.delivery_policy.clone());
        put(
            DEDUPLICATION,
            self.content_based_deduplication.map(|b| b.to_string()),
        );
        out
    }

    /// The attributes of `self` that `live` lacks or holds otherwise (policies compared as
    /// JSON), in a fixed order: one SetTopicAttributes each.
    pub fn changes_from(&self, live: &TopicConfig) -> Vec<(String, String)> {
        let have = live.to_sns();
        let mut send: Vec<(String, String)> = self
            .to_sns()
            .into_iter()
            .filter(|(n, v)| match have.get(n) {
                None => true,
                Some(h) if JSON_ATTRIBUTES.contains(&n.as_str()) => !same_json(h, v),
                Some(h) => h != v,
            })
            .collect();
        send.sort();
        send
    }
}

/// A JSON text without its whitespace; other text as it is.
fn compact_json(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| text.to_string())
}

/// The topic name of a topic ARN (its last `:` part).
pub fn name_of_arn(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

crate::tags::sdk_tags!(Tag, TY);

// TagResource / UntagResource, naming the topic by its ARN.
crate::tags::tag_by_key!(aws_sdk_sns::Client, resource_arn, sdk_tags);

/// The `sns-topic` operations, on one account's SNS client.
pub struct Provider {
    client: aws_sdk_sns::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.sns(),
            schema: schema(),
        }
    }

    /// GetTopicAttributes and ListTagsForResource; `None` when the topic is gone.
    async fn get(&self, arn: &str) -> Result<Option<SnsTopic>, OpError> {
        let call = self.client.get_topic_attributes().topic_arn(arn).send();
        let Some(out) = get_optional("GetTopicAttributes", is_not_found, call).await? else {
            return Ok(None);
        };
        let attributes = out.attributes.unwrap_or_default();
        let call = self
            .client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send();
        let Some(tags) = get_optional("ListTagsForResource", is_not_found, call).await? else {
            return Ok(None);
        };
        Ok(Some(SnsTopic {
            name: name_of_arn(arn).to_string(),
            fifo: Some(attributes.get("FifoTopic").is_some_and(|v| v == "true")),
            config: TopicConfig::from_live(&attributes),
            arn: Some(arn.to_string()),
            tags: tags
                .tags
                .unwrap_or_default()
                .into_iter()
                .map(|t| (t.key, t.value))
                .collect(),
        }))
    }

    /// Every topic ARN (ListTopics, every page).
    async fn topic_arns(&self) -> Result<Vec<String>, OpError> {
        every_page(|token| {
            let call = self.client.list_topics().set_next_token(token).send();
            async move {
                let out = call.await.map_err(|e| op_error("ListTopics", e))?;
                let arns = out
                    .topics
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|t| t.topic_arn)
                    .collect::<Vec<_>>();
                Ok((arns, out.next_token))
            }
        })
        .await
    }

    /// The topic of this name, read, if there is one.
    async fn by_name(&self, name: &str) -> Result<Option<SnsTopic>, OpError> {
        let arns = self.topic_arns().await?;
        match arns.into_iter().find(|a| name_of_arn(a) == name) {
            Some(arn) => self.get(&arn).await,
            None => Ok(None),
        }
    }

    fn live(topic: SnsTopic) -> Live {
        Live {
            id: topic.arn.clone().unwrap_or_default(),
            attrs: topic.to_attrs(),
        }
    }

    /// Takes `found` to the configuration for the attributes in `changed`: SetTopicAttributes
    /// for each that differs, and the tags.
    async fn converge(
        &self,
        found: SnsTopic,
        desired: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<Live, OpError> {
        if let Some(fixed) = changed.iter().find(|c| *c == "name" || *c == "fifo") {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{fixed}` cannot change in place (it forces a replacement)"),
            ));
        }
        let arn = found.arn.clone().unwrap_or_default();
        let merged: TopicConfig =
            overlay(&found.config, desired, changed).map_err(spec_invalid(TY, op))?;
        for (name, value) in merged.changes_from(&found.config) {
            self.client
                .set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name(name)
                .attribute_value(value)
                .send()
                .await
                .map_err(|e| op_error("SetTopicAttributes", e))?;
        }
        let mut topic = found;
        if changed.iter().any(|c| c == "tags") {
            let want: SnsTopic = spec_of(desired, TY, op)?;
            retag(&self.client, &arn, &topic.tags, &want.tags, &[]).await?;
            topic.tags = want.tags;
        }
        topic.config = merged;
        Ok(Self::live(topic))
    }

    /// A topic of this name that a create found: adopted when it is this address's, a Conflict
    /// otherwise.
    async fn adopt(
        &self,
        ctx: &OpContext,
        found: SnsTopic,
        desired: &Attrs,
    ) -> Result<Live, OpError> {
        let op = "CreateTopic";
        let arn = found.arn.clone().unwrap_or_default();
        if !ctx.owns(&found.tags) {
            let what = format!("SNS topic `{}`", found.name);
            return Err(not_ours(ctx, op, &what, &arn, &found.tags));
        }
        let mut changed: Vec<String> = TopicConfig::fields()
            .iter()
            .map(|a| a.name.to_string())
            .collect();
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
        Ok(self.get(id).await?.map(Self::live))
    }

    /// The topic named in `desired` (ListTopics), when it carries this address's ownership tags.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let want: SnsTopic = spec_of(desired, TY, "ListTopics")?;
        let Some(found) = self.by_name(&want.name).await? else {
            return Ok(None);
        };
        if !ctx.owns(&found.tags) {
            let arn = found.arn.clone().unwrap_or_default();
            let what = format!("SNS topic `{}`", want.name);
            return Err(not_ours(ctx, "ListTopics", &what, &arn, &found.tags));
        }
        Ok(Some(Self::live(found)))
    }

    /// CreateTopic with every configured attribute and the tags. CreateTopic answers the
    /// existing topic of the name, so a topic already there is read first: adopted when it is
    /// this address's, else a Conflict.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreateTopic";
        let want: SnsTopic = spec_of(desired, TY, op)?;
        check_name(&want, op)?;
        if let Some(found) = self.by_name(&want.name).await? {
            return self.adopt(ctx, found, desired).await;
        }
        let mut attributes = want.config.to_sns();
        if want.fifo == Some(true) {
            attributes.insert("FifoTopic".into(), "true".into());
        }
        let tags = (!want.tags.is_empty())
            .then(|| sdk_tags(&want.tags, op))
            .transpose()?;
        let out = self
            .client
            .create_topic()
            .name(&want.name)
            .set_attributes(Some(attributes))
            .set_tags(tags)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let arn = out.topic_arn.ok_or_else(|| {
            OpError::new(op, ErrorKind::Other, "CreateTopic answered no TopicArn")
        })?;
        // Read back, for the defaults SNS fills in (the default access policy, ...).
        match self.get(&arn).await? {
            Some(found) => Ok(Self::live(found)),
            None => Ok(Self::live(SnsTopic {
                fifo: Some(want.fifo == Some(true)),
                arn: Some(arn),
                ..want
            })),
        }
    }

    /// SetTopicAttributes for each changed attribute that differs, TagResource / UntagResource.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "SetTopicAttributes";
        let found = to_update(self.get(id).await?, op, &format!("{TY}: topic `{id}`"))?;
        self.converge(found, desired, changed, op).await
    }

    /// DeleteTopic; a topic already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.client.delete_topic().topic_arn(id).send();
        delete_if_present("DeleteTopic", is_not_found, call).await
    }

    /// ListTopics (every page), each topic read.
    async fn list(&self, ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        Some(match self.topic_arns().await {
            Ok(arns) => read_each(arns, |arn| async move { self.read(ctx, &arn).await }).await,
            Err(e) => Err(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_go_to_sns_and_back_and_policies_compare_as_json() {
        let cfg = TopicConfig {
            display_name: Some("Alerts".into()),
            policy: Some(r#"{"Version":"2012-10-17","Statement":[]}"#.into()),
            ..Default::default()
        };
        let sent = cfg.to_sns();
        assert_eq!(sent[DISPLAY_NAME], "Alerts");
        assert_eq!(TopicConfig::from_live(&sent), cfg);
        let mut want = cfg.clone();
        want.policy = Some("{ \"Statement\": [], \"Version\": \"2012-10-17\" }".into());
        assert!(want.changes_from(&cfg).is_empty());
        want.kms_key = Some("alias/aws/sns".into());
        want.display_name = Some("Other".into());
        assert_eq!(
            want.changes_from(&cfg),
            vec![
                (DISPLAY_NAME.to_string(), "Other".to_string()),
                (KMS_KEY.to_string(), "alias/aws/sns".to_string()),
            ]
        );
    }

    #[test]
    fn names_and_fifo_suffix() {
        let mut t = SnsTopic {
            name: "alerts".into(),
            ..Default::default()
        };
        assert!(check_name(&t, "Op").is_ok());
        t.fifo = Some(true);
        assert!(check_name(&t, "Op")
            .unwrap_err()
            .message
            .contains("ends in `.fifo`"));
        t.name = "alerts.fifo".into();
        assert!(check_name(&t, "Op").is_ok());
        t.name = "bad name".into();
        assert!(check_name(&t, "Op").is_err());
        assert_eq!(
            name_of_arn("arn:aws:sns:us-east-1:123456789012:alerts.fifo"),
            "alerts.fifo"
        );
        assert_eq!(schema().rules.len(), 2);
    }
}
