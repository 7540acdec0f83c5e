//! `codepipeline`: a CodePipeline pipeline with its stages and actions.
//!
//! AWS calls:
//! - read: GetPipeline (structure, version, ARN), then ListTagsForResource (every page)
//! - find: as read (ours by ownership tags, else Conflict)
//! - create: CreatePipeline with the structure and tags (pipeline type V2 unless set); a
//!   pipeline of that name that is ours is adopted and brought to the configuration
//! - update: GetPipeline, then UpdatePipeline with the full structure (the live one with the
//!   changed attributes replaced; an action keeps the live fields eco does not manage) only when
//!   it differs from the live structure; tags with TagResource / UntagResource
//! - delete: DeletePipeline (a missing pipeline is success)
//! - list: ListPipelines (every page), each read as above
//! - import: by pipeline name (GetPipeline)
//!
//! Stages are matched by name when diffing (as every labelled block is); reordering stages alone
//! is therefore not seen as a change.

mod read;
mod requests;
mod spec;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_codepipeline::types::{PipelineDeclaration, Tag};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider};
use eco_schema::Schema;

pub use self::read::to_attrs;
use self::requests::build_err;
pub use self::requests::{normalized, structure};
use self::spec::{structure_attrs, Codepipeline};
use crate::aws::{error_code, op_error, read_each, Aws};
use crate::calls::{all_pages, answered, delete_if_present, get_optional};
use crate::ownership::ensure_ours;
use crate::tags::{retag, tags_of, TagByKey};

pub const TYPE_NAME: &str = Codepipeline::TYPE_NAME;
const TY: &str = TYPE_NAME;
const NOT_FOUND: &[&str] = &["PipelineNotFoundException", "ResourceNotFoundException"];

pub fn schema() -> Schema {
    Codepipeline::schema()
}

fn gone<E: aws_sdk_codepipeline::error::ProvideErrorMetadata, R>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> bool {
    error_code(e).is_some_and(|c| NOT_FOUND.contains(&c))
}

fn sdk_tags(tags: &BTreeMap<String, String>, op: &str) -> Result<Vec<Tag>, OpError> {
    tags.iter()
        .map(|(k, v)| {
            let tag = Tag::builder().key(k).value(v).build();
            tag.map_err(|e| build_err(op, e))
        })
        .collect()
}

#[async_trait]
impl TagByKey for aws_sdk_codepipeline::Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), OpError> {
        let op = "TagResource";
        let call = self.tag_resource().resource_arn(arn);
        let call = call.set_tags(Some(sdk_tags(&tags, op)?)).send();
        call.await.map_err(|e| op_error(op, e))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), OpError> {
        let call = self
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys));
        call.send()
            .await
            .map_err(|e| op_error("UntagResource", e))?;
        Ok(())
    }
}

/// A pipeline as read: its structure, ARN and tags.
struct LivePipeline {
    decl: PipelineDeclaration,
    arn: String,
    tags: BTreeMap<String, String>,
}

impl LivePipeline {
    fn live(&self) -> Live {
        Live {
            id: self.decl.name.clone(),
            attrs: to_attrs(&self.decl, Some(&self.arn), &self.tags),
        }
    }

    /// The refusal of a pipeline of this name that is not this address's.
    fn ours(&self, ctx: &OpContext, op: &str) -> Result<(), OpError> {
        let name = &self.decl.name;
        ensure_ours(ctx, op, &format!("pipeline `{name}`"), name, &self.tags)
    }
}

/// The `codepipeline` operations.
pub struct Provider {
    client: aws_sdk_codepipeline::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.codepipeline(),
            schema: schema(),
        }
    }

    async fn get(&self, name: &str) -> Result<Option<LivePipeline>, OpError> {
        let call = self.client.get_pipeline().name(name).send();
        let Some(out) = get_optional("GetPipeline", gone, call).await? else {
            return Ok(None);
        };
        let decl = answered(out.pipeline().cloned(), "GetPipeline", "a pipeline")?;
        let arn = out.metadata().and_then(|m| m.pipeline_arn.clone());
        let arn = arn.ok_or_else(|| {
            let message = format!("{TY}: no ARN for pipeline `{name}`");
            OpError::new("GetPipeline", ErrorKind::Other, message)
        })?;
        let tags = all_pages(|token| {
            let call = self.client.list_tags_for_resource().resource_arn(&arn);
            let call = call.set_next_token(token).send();
            async move {
                let page = get_optional("ListTagsForResource", gone, call).await?;
                Ok(page.map(|p| (p.tags().to_vec(), p.next_token)))
            }
        });
        let Some(tags) = tags.await? else {
            return Ok(None);
        };
        let tags = tags.into_iter().map(|t| (t.key, t.value)).collect();
        Ok(Some(LivePipeline { decl, arn, tags }))
    }

    async fn get_required(&self, name: &str, op: &str) -> Result<LivePipeline, OpError> {
        self.get(name).await?.ok_or_else(|| {
            let message =
                format!("{TY}: pipeline `{name}` no longer exists (deleted outside eco?)");
            OpError::new(op, ErrorKind::Other, message)
        })
    }

    /// Brings `live` to `desired` for the attributes in `changed`: UpdatePipeline when the
    /// structure differs, TagResource / UntagResource when the tags do.
    async fn converge(
        &self,
        mut live: LivePipeline,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdatePipeline";
        let want = structure(Some(&live.decl), desired, changed, op)?;
        if normalized(&want) != normalized(&live.decl) {
            let call = self.client.update_pipeline().pipeline(want).send();
            let out = call.await.map_err(|e| op_error(op, e))?;
            match out.pipeline() {
                Some(p) => live.decl = p.clone(),
                None => live = self.get_required(&live.decl.name, op).await?,
            }
        }
        if changed.iter().any(|c| c == "tags") && desired.contains_key("tags") {
            let want = tags_of(desired.get("tags"));
            retag(&self.client, &live.arn, &live.tags, &want, &[]).await?;
            live.tags = want;
        }
        Ok(live.live())
    }

    /// Every pipeline: ListPipelines (every page), each read.
    async fn list_all(&self) -> Result<Vec<Live>, OpError> {
        let names = all_pages(|token| async move {
            let call = self.client.list_pipelines().set_next_token(token).send();
            let page = call.await.map_err(|e| op_error("ListPipelines", e))?;
            let names = page.pipelines().iter().filter_map(|p| p.name.clone());
            Ok(Some((names.collect(), page.next_token)))
        });
        let names = names.await?.unwrap_or_default();
        read_each(names, |name| async move {
            Ok(self.get(&name).await?.map(|p| p.live()))
        })
        .await
    }

    async fn adopt_existing(
        &self,
        ctx: &OpContext,
        live: LivePipeline,
        desired: &Attrs,
        op: &str,
    ) -> Result<Live, OpError> {
        live.ours(ctx, op)?;
        let mut all = structure_attrs();
        all.push("tags".into());
        self.converge(live, desired, &all).await
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.get(id).await?.map(|p| p.live()))
    }

    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        Some(self.list_all().await)
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let op = "GetPipeline";
        let name = crate::attrs::req_str(desired, "name", TY, op)?;
        let Some(p) = self.get(&name).await? else {
            return Ok(None);
        };
        p.ours(ctx, op)?;
        Ok(ctx.unless_replaced(Some(p.live())))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let op = "CreatePipeline";
        let decl = structure(None, desired, &structure_attrs(), op)?;
        let name = decl.name.clone();
        let tags = sdk_tags(&tags_of(desired.get("tags")), op)?;
        if let Some(p) = self.get(&name).await? {
            return self.adopt_existing(ctx, p, desired, op).await;
        }
        let call = self.client.create_pipeline().pipeline(decl);
        match call.set_tags(Some(tags)).send().await {
            Ok(_) => Ok(self.get_required(&name, op).await?.live()),
            // Made concurrently, or by a run whose result was lost (AWS: PipelineNameInUse;
            // moto: InvalidStructure): adopt what is there now when it is ours.
            Err(e) => match self.get(&name).await? {
                Some(p) => self.adopt_existing(ctx, p, desired, op).await,
                None => Err(op_error(op, e)),
            },
        }
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let live = self.get_required(id, "UpdatePipeline").await?;
        self.converge(live, desired, changed).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        delete_if_present(
            "DeletePipeline",
            gone,
            self.client.delete_pipeline().name(id).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests;
