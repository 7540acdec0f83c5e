//! `eventbridge-bus`: a custom EventBridge event bus with its tags.
//!
//! AWS calls:
//! - read: DescribeEventBus and ListTagsForResource
//! - create: CreateEventBus (with the tags); a bus of the name that is this address's (a re-run
//!   after a crash) is adopted and its tags brought to the configuration
//! - update: TagResource / UntagResource
//! - delete: DeleteEventBus
//! - find / import: by bus name (DescribeEventBus); list: ListEventBuses (every page)

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_eventbridge::types::Tag;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider};
use eco_schema::{Schema, Spec};

use crate::attrs::spec_of;
use crate::aws::{error_code, is_not_found, op_error, read_each, Aws};
use crate::calls::{delete_if_present, every_page, get_optional, to_update};
use crate::ownership::not_ours;
use crate::tags::retag;

/// A bus's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Default, Spec)]
#[eco(
    resource = "eventbridge-bus",
    doc = "A custom EventBridge event bus",
    import_id = "the bus name"
)]
pub struct EventbridgeBus {
    /// bus name; EventBridge cannot rename a bus
    #[eco(replace)]
    pub name: String,
    /// bus ARN
    #[eco(computed, derived_from = "name")]
    pub arn: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = EventbridgeBus::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    EventbridgeBus::schema()
}

crate::tags::sdk_tags!(pub(crate) Tag, TY);

// TagResource / UntagResource, naming the bus by its ARN.
crate::tags::tag_by_key!(aws_sdk_eventbridge::Client, resource_arn, sdk_tags);

/// The `eventbridge-bus` operations, on one account's EventBridge client.
pub struct Provider {
    client: aws_sdk_eventbridge::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.eventbridge(),
            schema: schema(),
        }
    }

    /// DescribeEventBus, then ListTagsForResource; `None` when the bus is gone.
    async fn get(&self, name: &str) -> Result<Option<EventbridgeBus>, OpError> {
        let call = self.client.describe_event_bus().name(name).send();
        let Some(bus) = get_optional("DescribeEventBus", is_not_found, call).await? else {
            return Ok(None);
        };
        let Some(arn) = bus.arn else {
            return Ok(None);
        };
        let call = self
            .client
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send();
        let Some(tags) = get_optional("ListTagsForResource", is_not_found, call).await? else {
            return Ok(None);
        };
        let tags = tags
            .tags
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect();
        Ok(Some(EventbridgeBus {
            name: bus.name.unwrap_or_else(|| name.to_string()),
            arn: Some(arn),
            tags,
        }))
    }

    fn live(bus: EventbridgeBus) -> Live {
        Live {
            id: bus.name.clone(),
            attrs: bus.to_attrs(),
        }
    }

    /// Brings `found`'s tags to `want`'s.
    async fn converge(
        &self,
        mut found: EventbridgeBus,
        want: &EventbridgeBus,
    ) -> Result<Live, OpError> {
        let arn = found.arn.clone().unwrap_or_default();
        retag(&self.client, &arn, &found.tags, &want.tags, &[]).await?;
        found.tags = want.tags.clone();
        Ok(Self::live(found))
    }

    /// A bus of this name a create found: adopted when it is this address's, a Conflict
    /// otherwise.
    async fn adopt(
        &self,
        ctx: &OpContext,
        found: EventbridgeBus,
        want: &EventbridgeBus,
    ) -> Result<Live, OpError> {
        if !ctx.owns(&found.tags) {
            let what = format!("event bus `{}`", want.name);
            return Err(not_ours(
                ctx,
                "CreateEventBus",
                &what,
                &want.name,
                &found.tags,
            ));
        }
        self.converge(found, want).await
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

    /// The bus named in `desired`, when it carries this address's ownership tags.
    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let want: EventbridgeBus = spec_of(desired, TY, "DescribeEventBus")?;
        let Some(found) = self.get(&want.name).await? else {
            return Ok(None);
        };
        if !ctx.owns(&found.tags) {
            let what = format!("event bus `{}`", want.name);
            return Err(not_ours(
                ctx,
                "DescribeEventBus",
                &what,
                &want.name,
                &found.tags,
            ));
        }
        Ok(Some(Self::live(found)))
    }

    /// CreateEventBus with the tags; a bus of the name already there is adopted when ours.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreateEventBus";
        let want: EventbridgeBus = spec_of(desired, TY, op)?;
        if want.name == "default" {
            return Err(OpError::invalid(
                op,
                format!(
                    "{TY}: `default` is the account's own bus: rules use it without declaring it"
                ),
            ));
        }
        if let Some(found) = self.get(&want.name).await? {
            return self.adopt(ctx, found, &want).await;
        }
        let tags = (!want.tags.is_empty())
            .then(|| sdk_tags(&want.tags, op))
            .transpose()?;
        let created = self
            .client
            .create_event_bus()
            .name(&want.name)
            .set_tags(tags)
            .send()
            .await;
        match created {
            Ok(out) => Ok(Self::live(EventbridgeBus {
                arn: out.event_bus_arn,
                ..want
            })),
            Err(e) if error_code(&e) == Some("ResourceAlreadyExistsException") => {
                let found = self.get(&want.name).await?.ok_or_else(|| op_error(op, e))?;
                self.adopt(ctx, found, &want).await
            }
            Err(e) => Err(op_error(op, e)),
        }
    }

    /// TagResource / UntagResource (the only in-place change).
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "TagResource";
        if let Some(other) = changed.iter().find(|c| *c != "tags") {
            return Err(OpError::new(
                op,
                ErrorKind::Invalid,
                format!("{TY}: `{other}` cannot change in place (it forces a replacement)"),
            ));
        }
        let want: EventbridgeBus = spec_of(desired, TY, op)?;
        let found = to_update(self.get(id).await?, op, &format!("{TY}: bus `{id}`"))?;
        self.converge(found, &want).await
    }

    /// DeleteEventBus; a bus already gone is success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.client.delete_event_bus().name(id).send();
        delete_if_present("DeleteEventBus", is_not_found, call).await
    }

    /// ListEventBuses (every page) without the account's `default` bus, each bus read.
    async fn list(&self, ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let names = every_page(|token| {
            let call = self.client.list_event_buses().set_next_token(token).send();
            async move {
                let out = call.await.map_err(|e| op_error("ListEventBuses", e))?;
                let names = out
                    .event_buses
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|b| b.name)
                    .filter(|n| n != "default")
                    .collect::<Vec<_>>();
                Ok((names, out.next_token))
            }
        })
        .await;
        Some(match names {
            Ok(names) => read_each(names, |n| async move { self.read(ctx, &n).await }).await,
            Err(e) => Err(e),
        })
    }
}
