//! `sns-subscription`: a subscription of an endpoint (an SQS queue, a Lambda function, an HTTPS
//! URL, an email address, ...) to an SNS topic, with its filter policy, raw delivery and
//! dead-letter queue. SNS has no tags on subscriptions: a subscription is found by what
//! identifies it, its topic, protocol and endpoint.
//!
//! AWS calls:
//! - read: GetSubscriptionAttributes
//! - create: Subscribe (attributes in the same call, ReturnSubscriptionArn); a subscription of
//!   the topic, protocol and endpoint already there (a re-run after a crash) is adopted and
//!   brought to the configuration
//! - update: SetSubscriptionAttributes, one call per attribute that differs
//! - delete: Unsubscribe
//! - find: ListSubscriptionsByTopic (every page) for the protocol and endpoint, then the read
//! - import: by subscription ARN; list: ListSubscriptions (every page), each read

use std::collections::HashMap;

use async_trait::async_trait;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider};
use eco_schema::spec::overlay;
use eco_schema::{Schema, Spec, SpecEnum};

use crate::attrs::{same_json, spec_invalid, spec_of};
use crate::aws::{is_not_found, op_error, read_each, Aws};
use crate::calls::{all_pages, delete_if_present, every_page, get_optional, to_update};

/// How SNS delivers to the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum Protocol {
    #[eco(rename = "sqs")]
    Sqs,
    #[eco(rename = "lambda")]
    Lambda,
    #[eco(rename = "http")]
    Http,
    #[eco(rename = "https")]
    Https,
    #[eco(rename = "email")]
    Email,
    #[eco(rename = "email-json")]
    EmailJson,
    #[eco(rename = "sms")]
    Sms,
    #[eco(rename = "application")]
    Application,
    #[eco(rename = "firehose")]
    Firehose,
}

/// What a filter policy is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum FilterPolicyScope {
    MessageAttributes,
    MessageBody,
}

/// A subscription's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(
    resource = "sns-subscription",
    doc = "A subscription of an endpoint (queue, function, URL, email) to an SNS topic",
    import_id = "the subscription ARN"
)]
pub struct SnsSubscription {
    /// ARN of the topic, e.g. `${sns-topic.alerts.arn}`
    #[eco(replace)]
    pub topic_arn: String,
    /// sqs, lambda, http, https, email, email-json, sms, application or firehose
    #[eco(replace)]
    pub protocol: Protocol,
    /// where messages go: a queue or function ARN, a URL, an email address, a phone number
    #[eco(replace)]
    pub endpoint: String,
    /// the filter policy JSON: only matching messages are delivered; compared as JSON
    /// (SetSubscriptionAttributes)
    #[eco(json)]
    pub filter_policy: Option<String>,
    /// MessageAttributes (SNS's default) or MessageBody (SetSubscriptionAttributes)
    pub filter_policy_scope: Option<FilterPolicyScope>,
    /// deliver the message as published, without SNS's JSON envelope (SQS, HTTP/S and Firehose
    /// endpoints; SetSubscriptionAttributes)
    pub raw_message_delivery: Option<bool>,
    /// ARN of an SQS queue that receives the messages SNS could not deliver (the redrive
    /// policy; SetSubscriptionAttributes)
    pub dead_letter_arn: Option<String>,
    /// role SNS assumes to write to a Firehose stream (SetSubscriptionAttributes)
    pub subscription_role_arn: Option<String>,
    /// subscription ARN
    #[eco(computed, derived_from = "topic-arn, protocol, endpoint")]
    pub arn: Option<String>,
}

pub const TYPE_NAME: &str = SnsSubscription::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    SnsSubscription::schema()
}

const FILTER_POLICY: &str = "FilterPolicy";
const FILTER_POLICY_SCOPE: &str = "FilterPolicyScope";
const RAW_MESSAGE_DELIVERY: &str = "RawMessageDelivery";
const REDRIVE_POLICY: &str = "RedrivePolicy";
const SUBSCRIPTION_ROLE_ARN: &str = "SubscriptionRoleArn";
/// The ARN SNS answers for a subscription that waits for its endpoint's confirmation.
const PENDING: &[&str] = &["PendingConfirmation", "pending confirmation"];

impl SnsSubscription {
    /// The attributes SNS takes for what is set (SetSubscriptionAttributes' names).
    fn to_sns(&self) -> HashMap<String, String> {
        let mut out = HashMap::new();
        let mut put = |n: &str, v: Option<String>| {
            if let Some(v) = v {
                out.insert(n.to_string(), v);
            }
        };
        put(FILTER_POLICY, self.filter_policy.clone());
        put(
            FILTER_POLICY_SCOPE,
            self.filter_policy_scope.map(|s| s.as_str().to_string()),
        );
        put(
            RAW_MESSAGE_DELIVERY,
            self.raw_message_delivery.map(|b| b.to_string()),
        );
        put(
            REDRIVE_POLICY,
            self.dead_letter_arn
                .as_ref()
                .map(|arn| serde_json::json!({ "deadLetterTargetArn": arn }).to_string()),
        );
        put(SUBSCRIPTION_ROLE_ARN, self.subscription_role_arn.clone());
        out
    }

    /// What GetSubscriptionAttributes reports, read into the configuration's shape.
    /// `None` for a protocol eco does not know.
    fn from_live(arn: &str, a: &HashMap<String, String>) -> Option<SnsSubscription> {
        let text = |n: &str| a.get(n).filter(|v| !v.is_empty()).cloned();
        Some(SnsSubscription {
            topic_arn: text("TopicArn").unwrap_or_default(),
            protocol: Protocol::parse(&text("Protocol")?)?,
            endpoint: text("Endpoint").unwrap_or_default(),
            filter_policy: text(FILTER_POLICY).map(|t| compact_json(&t)),
            filter_policy_scope: text(FILTER_POLICY_SCOPE)
                .and_then(|s| FilterPolicyScope::parse(&s)),
            raw_message_delivery: text(RAW_MESSAGE_DELIVERY).map(|v| v == "true"),
            dead_letter_arn: text(REDRIVE_POLICY).and_then(|t| {
                let v: serde_json::Value = serde_json::from_str(&t).ok()?;
                v["deadLetterTargetArn"].as_str().map(str::to_string)
            }),
            subscription_role_arn: text(SUBSCRIPTION_ROLE_ARN),
            arn: Some(arn.to_string()),
        })
    }

    /// The attributes of `self` that `live` lacks or holds otherwise (JSON compared as JSON),
    /// in a fixed order: one SetSubscriptionAttributes each.
    fn changes_from(&self, live: &SnsSubscription) -> Vec<(String, String)> {
        let have = live.to_sns();
        let mut send: Vec<(String, String)> = self
            .to_sns()
            .into_iter()
            .filter(|(n, v)| match have.get(n) {
                None => true,
                Some(h) if n == FILTER_POLICY || n == REDRIVE_POLICY => !same_json(h, v),
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

/// The settings SetSubscriptionAttributes changes (what an adoption brings to the
/// configuration).
const SETTINGS: &[&str] = &[
    "filter-policy",
    "filter-policy-scope",
    "raw-message-delivery",
    "dead-letter-arn",
    "subscription-role-arn",
];

/// The `sns-subscription` operations, on one account's SNS client.
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

    /// GetSubscriptionAttributes; `None` when the subscription is gone.
    async fn get(&self, arn: &str) -> Result<Option<SnsSubscription>, OpError> {
        if PENDING.contains(&arn) {
            return Ok(None);
        }
        let call = self
            .client
            .get_subscription_attributes()
            .subscription_arn(arn)
            .send();
        let Some(out) = get_optional("GetSubscriptionAttributes", is_not_found, call).await? else {
            return Ok(None);
        };
        let found = SnsSubscription::from_live(arn, &out.attributes.unwrap_or_default());
        found.map(Some).ok_or_else(|| {
            OpError::new(
                "GetSubscriptionAttributes",
                ErrorKind::Other,
                format!("{TY}: subscription `{arn}` has a protocol eco does not know"),
            )
        })
    }

    /// The confirmed subscription of the topic to this protocol and endpoint, if there is one
    /// (ListSubscriptionsByTopic, every page); `None` also when the topic is gone.
    async fn by_identity(
        &self,
        want: &SnsSubscription,
    ) -> Result<Option<SnsSubscription>, OpError> {
        let protocol = want.protocol.as_str();
        let listed = all_pages(|token| {
            let call = self
                .client
                .list_subscriptions_by_topic()
                .topic_arn(&want.topic_arn)
                .set_next_token(token)
                .send();
            async move {
                let Some(out) =
                    get_optional("ListSubscriptionsByTopic", is_not_found, call).await?
                else {
                    return Ok(None);
                };
                let arns = out
                    .subscriptions
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|s| s.protocol.as_deref() == Some(protocol))
                    .filter(|s| s.endpoint.as_deref() == Some(want.endpoint.as_str()))
                    .filter_map(|s| s.subscription_arn)
                    .filter(|a| !PENDING.contains(&a.as_str()))
                    .collect::<Vec<_>>();
                Ok(Some((arns, out.next_token)))
            }
        })
        .await?;
        match listed.and_then(|arns| arns.into_iter().next()) {
            Some(arn) => self.get(&arn).await,
            None => Ok(None),
        }
    }

    fn live(sub: SnsSubscription) -> Live {
        Live {
            id: sub.arn.clone().unwrap_or_default(),
            attrs: sub.to_attrs(),
        }
    }

    /// Takes `found` to the configuration for the attributes in `changed`:
    /// SetSubscriptionAttributes for each that differs.
    async fn converge(
        &self,
        found: SnsSubscription,
        desired: &Attrs,
        changed: &[String],
        op: &str,
    ) -> Result<Live, OpError> {
        let fixed = ["topic-arn", "protocol", "endpoint"];
        if let Some(f) = changed.iter().find(|c| fixed.contains(&c.as_str())) {
            return Err(OpError::invalid(
                op,
                format!("{TY}: `{f}` cannot change in place (it forces a replacement)"),
            ));
        }
        let arn = found.arn.clone().unwrap_or_default();
        let mut merged: SnsSubscription =
            overlay(&found, desired, changed).map_err(spec_invalid(TY, op))?;
        for (name, value) in merged.changes_from(&found) {
            self.client
                .set_subscription_attributes()
                .subscription_arn(&arn)
                .attribute_name(name)
                .attribute_value(value)
                .send()
                .await
                .map_err(|e| op_error("SetSubscriptionAttributes", e))?;
        }
        merged.arn = Some(arn);
        Ok(Self::live(merged))
    }
}

/// A filter policy scope without a filter policy filters nothing, and SNS reports no scope
/// then: it is dropped from the desired value (left alone while the policy is not known yet).
pub fn normalize_filter_scope(desired: &mut Attrs) {
    if !desired.contains_key("filter-policy") {
        desired.remove("filter-policy-scope");
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn normalize(&self, desired: &mut Attrs) {
        normalize_filter_scope(desired);
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.get(id).await?.map(Self::live))
    }

    /// The subscription of the topic to this protocol and endpoint (SNS keeps one per such
    /// triple), unless it is the one a replacement replaces.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let want: SnsSubscription = spec_of(desired, TY, "ListSubscriptionsByTopic")?;
        let found = self.by_identity(&want).await?.map(Self::live);
        Ok(ctx.unless_replaced(found))
    }

    /// Subscribe with the attributes; a subscription of the topic to this protocol and
    /// endpoint already there is adopted and brought to the configuration.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "Subscribe";
        let want: SnsSubscription = spec_of(desired, TY, op)?;
        let protocol = want.protocol;
        if let Some(found) = self.by_identity(&want).await? {
            if !ctx.is_replaced(found.arn.as_deref().unwrap_or_default()) {
                let changed: Vec<String> = SETTINGS.iter().map(|s| s.to_string()).collect();
                return self.converge(found, desired, &changed, op).await;
            }
        }
        let attributes = want.to_sns();
        let out = self
            .client
            .subscribe()
            .topic_arn(&want.topic_arn)
            .protocol(protocol.as_str())
            .endpoint(&want.endpoint)
            .set_attributes((!attributes.is_empty()).then_some(attributes))
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let arn = out.subscription_arn.ok_or_else(|| {
            OpError::new(
                op,
                ErrorKind::Other,
                "Subscribe answered no SubscriptionArn",
            )
        })?;
        match self.get(&arn).await? {
            Some(found) => Ok(Self::live(found)),
            None => Ok(Self::live(SnsSubscription {
                arn: Some(arn),
                ..want
            })),
        }
    }

    /// SetSubscriptionAttributes for each changed attribute that differs.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "SetSubscriptionAttributes";
        let what = format!("{TY}: subscription `{id}`");
        let found = to_update(self.get(id).await?, op, &what)?;
        self.converge(found, desired, changed, op).await
    }

    /// Unsubscribe; a subscription already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        if PENDING.contains(&id) {
            return Ok(());
        }
        let call = self.client.unsubscribe().subscription_arn(id).send();
        delete_if_present("Unsubscribe", is_not_found, call).await
    }

    /// ListSubscriptions (every page), each confirmed subscription read.
    async fn list(&self, ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let arns = every_page(|token| {
            let call = self
                .client
                .list_subscriptions()
                .set_next_token(token)
                .send();
            async move {
                let out = call.await.map_err(|e| op_error("ListSubscriptions", e))?;
                let arns = out
                    .subscriptions
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|s| s.subscription_arn)
                    .filter(|a| !PENDING.contains(&a.as_str()))
                    .collect::<Vec<_>>();
                Ok((arns, out.next_token))
            }
        })
        .await;
        Some(match arns {
            Ok(arns) => read_each(arns, |arn| async move { self.read(ctx, &arn).await }).await,
            Err(e) => Err(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the round-trip property test: `filter-policy-scope` without a `filter-policy`
    /// planned an update on every run (SNS reports no scope without a policy).
    #[test]
    fn a_scope_without_a_filter_policy_is_not_compared() {
        let scope = || ("filter-policy-scope".to_string(), "MessageBody".into());
        let mut alone = Attrs::from([scope()]);
        normalize_filter_scope(&mut alone);
        assert!(alone.is_empty());
        let mut with_policy = Attrs::from([
            scope(),
            ("filter-policy".to_string(), r#"{"kind":["a"]}"#.into()),
        ]);
        normalize_filter_scope(&mut with_policy);
        assert!(with_policy.contains_key("filter-policy-scope"));
    }

    #[test]
    fn settings_go_to_sns_and_back_and_json_compares_as_json() {
        let sub = SnsSubscription {
            topic_arn: "arn:aws:sns:us-east-1:123456789012:alerts".into(),
            protocol: Protocol::Sqs,
            endpoint: "arn:aws:sqs:us-east-1:123456789012:q".into(),
            filter_policy: Some(r#"{"kind":["alarm"]}"#.into()),
            filter_policy_scope: Some(FilterPolicyScope::MessageBody),
            raw_message_delivery: Some(true),
            dead_letter_arn: Some("arn:aws:sqs:us-east-1:123456789012:dlq".into()),
            subscription_role_arn: None,
            arn: Some("arn:sub".into()),
        };
        let mut sent = sub.to_sns();
        assert_eq!(
            sent[REDRIVE_POLICY],
            r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:dlq"}"#
        );
        sent.insert("TopicArn".into(), sub.topic_arn.clone());
        sent.insert("Protocol".into(), "sqs".into());
        sent.insert("Endpoint".into(), sub.endpoint.clone());
        assert_eq!(
            SnsSubscription::from_live("arn:sub", &sent),
            Some(sub.clone())
        );
        let mut want = sub.clone();
        want.filter_policy = Some("{ \"kind\": [ \"alarm\" ] }".into());
        assert!(want.changes_from(&sub).is_empty());
        want.raw_message_delivery = Some(false);
        assert_eq!(
            want.changes_from(&sub),
            vec![(RAW_MESSAGE_DELIVERY.to_string(), "false".to_string())]
        );
        assert_eq!(
            schema().attribute("endpoint").unwrap().update,
            eco_schema::Update::Replace
        );
    }
}
