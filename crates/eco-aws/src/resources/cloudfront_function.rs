//! `cloudfront-function`: a CloudFront function (JavaScript run at the edge on viewer requests and
//! responses), its code inline or from a file beside the configuration, published to LIVE on
//! every change; a distribution's behaviors associate it by `${cloudfront-function.NAME.arn}`.
//!
//! AWS calls:
//! - read: DescribeFunction (stage DEVELOPMENT: configuration, status, ARN, ETag), GetFunction
//!   (DEVELOPMENT: the code), ListTagsForResource
//! - find: the read, by name, with this address's ownership tags (set by CreateFunction)
//! - create: CreateFunction (name, runtime, comment, code, tags), then, with `publish` (default),
//!   PublishFunction with If-Match = the create's ETag. FunctionAlreadyExists: the function of
//!   that name is adopted when it carries this address's ownership tags, else a conflict.
//! - update: DescribeFunction (ETag), UpdateFunction (configuration and code, If-Match), then
//!   PublishFunction with the update's ETag; TagResource / UntagResource
//! - delete: DescribeFunction (ETag), DeleteFunction with If-Match (gone: success)
//! - import: by function name; discover: ListFunctions (DEVELOPMENT, every page)

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_cloudfront::types::{FunctionConfig, FunctionRuntime, FunctionStage, Tag, Tags};
use aws_sdk_cloudfront::Client;
use aws_smithy_types::Blob;
use eco_provider::{Attrs, Live, OpContext, OpError, OpResult, ResourceProvider, Transient, Value};
use eco_schema::{Rule, Schema, Spec, SpecEnum};

use crate::attrs::spec_of;
use crate::aws::{error_code, has_code, op_error, Aws};
use crate::calls::{
    answered, bring_to, delete_if_present, found_to_adopt, get_optional, to_update,
};
use crate::cloudfront_policy::next_marker;
use crate::ownership::ensure_ours;
use crate::tags::{cloudfront_tags, retag};

/// The JavaScript runtime of a CloudFront function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum Runtime {
    #[eco(rename = "cloudfront-js-1.0")]
    Js10,
    #[eco(rename = "cloudfront-js-2.0")]
    Js20,
}

/// A CloudFront function's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "cloudfront-function",
    doc = "A CloudFront function, published to LIVE on every change",
    import_id = "the function name"
)]
pub struct CloudfrontFunction {
    /// function name; CloudFront cannot rename a function
    #[eco(replace, name_rule = CloudfrontFunction)]
    pub name: String,
    /// cloudfront-js-1.0 or cloudfront-js-2.0 (UpdateFunction)
    #[eco(required)]
    pub runtime: Option<Runtime>,
    /// comment (UpdateFunction)
    pub comment: Option<String>,
    /// the JavaScript code, inline; or read from `source` at plan time (UpdateFunction)
    pub code: Option<String>,
    /// file holding the code, relative to the configuration's directory; eco reads it into
    /// `code` at plan time
    #[eco(local)]
    pub source: Option<String>,
    /// publish to LIVE after each create and update (default #true; PublishFunction)
    #[eco(local)]
    pub publish: Option<bool>,
    /// function ARN, for a distribution behavior's `function "viewer-request" arn=...`
    #[eco(computed, derived_from = "name")]
    pub arn: Option<String>,
    /// UNPUBLISHED, UNASSOCIATED or DEPLOYED
    #[eco(computed)]
    pub status: Option<String>,
    /// ETag of the DEVELOPMENT stage when last read
    #[eco(computed)]
    pub etag: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = CloudfrontFunction::TYPE_NAME;
const TY: &str = TYPE_NAME;

pub fn schema() -> Schema {
    CloudfrontFunction::schema().rule(Rule::ExactlyOne(&["code", "source"]))
}

const TRANSIENT: &[Transient] = &[
    Transient {
        operations: &["DeleteFunction"],
        codes: &["FunctionInUse"],
        message: None,
        budget: Duration::from_secs(600),
        why: "a distribution that stopped using the function is still deploying",
    },
    Transient {
        operations: &["UpdateFunction", "PublishFunction", "DeleteFunction"],
        codes: &["PreconditionFailed", "InvalidIfMatchVersion"],
        message: None,
        budget: Duration::from_secs(120),
        why: "the function changed since its ETag was read (eco reads it again)",
    },
];

/// The FunctionConfig of a configuration (the comment is required by CloudFront: empty when
/// none).
pub fn function_config(spec: &CloudfrontFunction, op: &str) -> Result<FunctionConfig, OpError> {
    let runtime = spec
        .runtime
        .ok_or_else(|| OpError::invalid(op, format!("{TY}: `runtime` is required")))?;
    FunctionConfig::builder()
        .comment(spec.comment.clone().unwrap_or_default())
        .runtime(FunctionRuntime::from(runtime.as_str()))
        .build()
        .map_err(|e| OpError::invalid(op, format!("{TY}: {e}")))
}

fn code_of(spec: &CloudfrontFunction, op: &str) -> Result<Blob, OpError> {
    let code = spec
        .code
        .as_ref()
        .ok_or_else(|| OpError::invalid(op, format!("{TY}: `code` (or `source`) is required")))?;
    Ok(Blob::new(code.as_bytes()))
}

type UpdateReq =
    aws_sdk_cloudfront::operation::update_function::builders::UpdateFunctionFluentBuilder;
type PublishReq =
    aws_sdk_cloudfront::operation::publish_function::builders::PublishFunctionFluentBuilder;

/// UpdateFunction of `name` to the configuration and code of `spec`, If-Match `etag`.
pub fn update_request(
    req: UpdateReq,
    spec: &CloudfrontFunction,
    etag: &str,
) -> Result<UpdateReq, OpError> {
    let op = "UpdateFunction";
    Ok(req
        .name(&spec.name)
        .if_match(etag)
        .function_config(function_config(spec, op)?)
        .function_code(code_of(spec, op)?))
}

/// PublishFunction of `name` (DEVELOPMENT to LIVE), If-Match the ETag of the last write.
pub fn publish_request(req: PublishReq, name: &str, etag: &str) -> PublishReq {
    req.name(name).if_match(etag)
}

/// The `cloudfront-function` operations.
pub struct Provider {
    cf: Client,
    schema: Schema,
}

fn live(f: CloudfrontFunction) -> Live {
    Live {
        id: f.name.clone(),
        attrs: f.to_attrs(),
    }
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            cf: aws.cloudfront(),
            schema: schema(),
        }
    }

    /// The DEVELOPMENT stage's ETag, or `None` when there is no such function.
    async fn etag(&self, name: &str) -> OpResult<Option<String>> {
        let call = self
            .cf
            .describe_function()
            .name(name)
            .stage(FunctionStage::Development)
            .send();
        let gone = |e: &_| has_code(e, &["NoSuchFunctionExists"]);
        let found = get_optional("DescribeFunction", gone, call).await?;
        Ok(found.map(|out| out.e_tag().unwrap_or_default().to_string()))
    }

    async fn read_function(&self, name: &str) -> OpResult<Option<CloudfrontFunction>> {
        let op = "DescribeFunction";
        let call = self
            .cf
            .describe_function()
            .name(name)
            .stage(FunctionStage::Development)
            .send();
        let gone = |e: &_| has_code(e, &["NoSuchFunctionExists"]);
        let Some(described) = get_optional(op, gone, call).await? else {
            return Ok(None);
        };
        let summary = answered(described.function_summary(), op, "FunctionSummary")?;
        let call = self
            .cf
            .get_function()
            .name(name)
            .stage(FunctionStage::Development)
            .send();
        let gone = |e: &_| has_code(e, &["NoSuchFunctionExists"]);
        let Some(code) = get_optional("GetFunction", gone, call).await? else {
            return Ok(None);
        };
        let arn = summary
            .function_metadata()
            .map(|m| m.function_arn().to_string());
        let tags = match &arn {
            Some(arn) => cloudfront_tags(&self.cf, arn).await?,
            None => BTreeMap::new(),
        };
        let config = summary.function_config();
        let code: Option<Vec<u8>> = code.function_code().map(|b| b.as_ref().to_vec());
        Ok(Some(CloudfrontFunction {
            name: summary.name().to_string(),
            runtime: config.and_then(|c| Runtime::parse(c.runtime().as_str())),
            comment: config
                .map(|c| c.comment())
                .filter(|c| !c.is_empty())
                .map(str::to_string),
            code: code.map(|c| String::from_utf8_lossy(&c).into_owned()),
            source: None,
            publish: None,
            arn,
            status: summary.status().map(str::to_string),
            etag: described.e_tag().map(str::to_string),
            tags,
        }))
    }

    async fn publish(&self, name: &str, etag: &str) -> OpResult<()> {
        publish_request(self.cf.publish_function(), name, etag)
            .send()
            .await
            .map(drop)
            .map_err(|e| op_error("PublishFunction", e))
    }

    /// The function of this name when it exists: ours, or a Conflict naming its owner.
    async fn find_named(&self, ctx: &OpContext, name: &str, op: &str) -> OpResult<Option<Live>> {
        let Some(found) = self.read_function(name).await? else {
            return Ok(None);
        };
        ensure_ours(
            ctx,
            op,
            &format!("CloudFront function `{name}`"),
            name,
            &found.tags,
        )?;
        Ok(Some(live(found)))
    }

    async fn after_write(&self, name: &str, op: &str) -> OpResult<Live> {
        let what = format!("CloudFront function `{name}`");
        Ok(live(to_update(self.read_function(name).await?, op, &what)?))
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> OpResult<Option<Live>> {
        Ok(self.read_function(id).await?.map(live))
    }

    /// The function of the configured name, when it carries this address's ownership tags.
    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let spec: CloudfrontFunction = spec_of(desired, TY, "DescribeFunction")?;
        self.find_named(ctx, &spec.name, "DescribeFunction").await
    }

    /// CreateFunction with the code and tags, then PublishFunction (with `publish`, the
    /// default). A function of ours that already exists is adopted and brought to `desired`.
    async fn create(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Live> {
        let op = "CreateFunction";
        let spec: CloudfrontFunction = spec_of(desired, TY, op)?;
        let tags: Vec<Tag> = spec
            .tags
            .iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect::<Result<_, _>>()
            .map_err(|e| OpError::invalid(op, format!("{TY}: {e}")))?;
        let created = self
            .cf
            .create_function()
            .name(&spec.name)
            .function_config(function_config(&spec, op)?)
            .function_code(code_of(&spec, op)?)
            .tags(Tags::builder().set_items(Some(tags)).build())
            .send()
            .await;
        match created {
            Ok(out) => {
                if spec.publish != Some(false) {
                    self.publish(&spec.name, out.e_tag().unwrap_or_default())
                        .await?;
                }
                self.after_write(&spec.name, op).await
            }
            Err(e) if error_code(&e) == Some("FunctionAlreadyExists") => {
                let found = found_to_adopt(
                    self.find_named(ctx, &spec.name, op).await?,
                    op,
                    &format!("CloudFront function `{}`", spec.name),
                )?;
                bring_to(self, ctx, found, desired, &["source", "publish"]).await
            }
            Err(e) => Err(op_error(op, e)),
        }
    }

    /// UpdateFunction (configuration and code, If-Match the current ETag) and PublishFunction;
    /// tags apart.
    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> OpResult<Live> {
        let op = "UpdateFunction";
        let spec: CloudfrontFunction = spec_of(desired, TY, op)?;
        let what = format!("CloudFront function `{id}`");
        let function_changed = changed
            .iter()
            .any(|c| matches!(c.as_str(), "runtime" | "comment" | "code" | "source"));
        if function_changed {
            let etag = to_update(self.etag(id).await?, "DescribeFunction", &what)?;
            let out = update_request(self.cf.update_function(), &spec, &etag)?
                .send()
                .await
                .map_err(|e| op_error(op, e))?;
            if spec.publish != Some(false) {
                self.publish(id, out.e_tag().unwrap_or_default()).await?;
            }
        }
        if changed.iter().any(|c| c == "tags") {
            let current = to_update(self.read_function(id).await?, "DescribeFunction", &what)?;
            let arn = current.arn.clone().unwrap_or_default();
            retag(&self.cf, &arn, &current.tags, &spec.tags, &[]).await?;
        }
        self.after_write(id, "DescribeFunction").await
    }

    /// DescribeFunction (ETag), DeleteFunction with If-Match; a function already gone is
    /// success.
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> OpResult<()> {
        let Some(etag) = self.etag(id).await? else {
            return Ok(());
        };
        let call = self.cf.delete_function().name(id).if_match(etag).send();
        let gone = |e: &_| has_code(e, &["NoSuchFunctionExists"]);
        delete_if_present("DeleteFunction", gone, call).await
    }

    /// ListFunctions (DEVELOPMENT, every page), each function read.
    async fn list(&self, _ctx: &OpContext) -> Option<OpResult<Vec<Live>>> {
        let names = crate::calls::every_page(|marker| async move {
            let out = self
                .cf
                .list_functions()
                .stage(FunctionStage::Development)
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| op_error("ListFunctions", e))?;
            let Some(list) = out.function_list() else {
                return Ok((Vec::new(), None));
            };
            let names = list.items().iter().map(|f| f.name().to_string()).collect();
            Ok((names, next_marker(list.next_marker())))
        })
        .await;
        crate::aws::read_listed(names, |name| async move {
            Ok(self.read_function(&name).await?.map(live))
        })
        .await
    }

    /// Reads `source` (relative to the configuration's directory) into `code`.
    fn expand(&self, base_dir: &Path, desired: &mut Attrs) -> Result<(), OpError> {
        let Some(Value::String(source)) = desired.get("source") else {
            return Ok(());
        };
        let path = base_dir.join(source);
        let code = std::fs::read_to_string(&path).map_err(|e| {
            OpError::invalid(
                "source",
                format!("{TY}: cannot read `source` {}: {e}", path.display()),
            )
        })?;
        desired.insert("code".into(), Value::String(code));
        Ok(())
    }

    fn transient(&self) -> &'static [Transient] {
        TRANSIENT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite() -> CloudfrontFunction {
        CloudfrontFunction {
            name: "ecogy-dev-rewrite".into(),
            runtime: Some(Runtime::Js20),
            comment: Some("index.html for directories".into()),
            code: Some("function handler(event) { return event.request; }".into()),
            ..Default::default()
        }
    }

    #[test]
    fn an_update_sends_config_code_and_the_etag_then_publishes_with_the_new_one() {
        // moto has no UpdateFunction nor PublishFunction (docs/testing.md): checked here.
        let cf = crate::aws::offline().cloudfront();
        let req = update_request(cf.update_function(), &rewrite(), "ETAG1").unwrap();
        assert_eq!(req.get_name().as_deref(), Some("ecogy-dev-rewrite"));
        assert_eq!(req.get_if_match().as_deref(), Some("ETAG1"));
        let config = req.get_function_config().clone().unwrap();
        assert_eq!(config.runtime(), &FunctionRuntime::CloudfrontJs20);
        assert_eq!(config.comment(), "index.html for directories");
        assert_eq!(
            req.get_function_code().as_ref().map(|b| b.as_ref()),
            Some("function handler(event) { return event.request; }".as_bytes())
        );
        let publish = publish_request(cf.publish_function(), "ecogy-dev-rewrite", "ETAG2");
        assert_eq!(publish.get_if_match().as_deref(), Some("ETAG2"));
        assert_eq!(publish.get_name().as_deref(), Some("ecogy-dev-rewrite"));
    }

    #[test]
    fn source_is_read_into_code_relative_to_the_configuration() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("edge")).unwrap();
        std::fs::write(dir.path().join("edge/rewrite.js"), "function handler(e) {}").unwrap();
        let provider = Provider::new(&crate::aws::offline());
        let mut desired = Attrs::from([(
            "source".to_string(),
            Value::String("edge/rewrite.js".into()),
        )]);
        provider.expand(dir.path(), &mut desired).unwrap();
        assert_eq!(
            desired["code"],
            Value::String("function handler(e) {}".into())
        );
        let mut missing = Attrs::from([("source".to_string(), Value::String("nope.js".into()))]);
        let err = provider.expand(dir.path(), &mut missing).unwrap_err();
        assert_eq!(err.kind, eco_provider::ErrorKind::Invalid);
        assert!(err.message.contains("nope.js"), "{err}");
    }

    #[test]
    fn validate_knows_runtimes_names_and_one_of_code_or_source() {
        let s = schema();
        assert_eq!(
            s.attribute("runtime").unwrap().allowed,
            ["cloudfront-js-1.0", "cloudfront-js-2.0"]
        );
        assert!(s.rules.contains(&Rule::ExactlyOne(&["code", "source"])));
        let rule = s.attribute("name").unwrap().name_rule.unwrap();
        assert!(rule.check("ecogy-dev_rewrite").is_ok());
        assert!(rule.check(&"f".repeat(65)).is_err());
        assert!(rule.check("a.b").is_err());
    }
}
