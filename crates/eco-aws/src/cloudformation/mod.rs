//! Reading CloudFormation stacks, for adopting them (`eco import -from-stack`, `eco discover
//! -stacks`).
//!
//! eco never creates, updates or deletes a stack: it reads one (ListStacks, ListStackResources,
//! GetTemplate), maps each of its resources to an eco type and import id ([`mapping`]), reads a
//! Lambda function's code package from S3 (GetObject: serverless.com keeps it in its deployment
//! bucket), and writes the template back with every resource retained ([`template::retained`])
//! for the user to apply with `aws cloudformation update-stack`. Everything it hands upward is
//! plain data: no SDK type leaves this module.

pub mod mapping;
pub mod template;

use eco_provider::OpError;

use crate::aws::op_error;
use crate::calls::collect_pages;
use crate::Aws;

pub use mapping::{Adoptable, Adoption, IdPart, Unmapped};
pub use template::{Template, TemplateError, TemplateFormat};

/// A stack of the account and region, as ListStacks reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSummary {
    /// The stack's name.
    pub name: String,
    /// Its status, e.g. `CREATE_COMPLETE`.
    pub status: String,
}

/// One resource of a stack, as ListStackResources reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackResource {
    /// The template's name for it (`ServerlessDeploymentBucket`).
    pub logical_id: String,
    /// Its CloudFormation type (`AWS::S3::Bucket`).
    pub cfn_type: String,
    /// The id AWS knows it by; CloudFormation leaves it empty for some types.
    pub physical_id: Option<String>,
    /// Its status, e.g. `CREATE_COMPLETE`.
    pub status: String,
}

/// Stack statuses whose stack no longer exists (ListStacks keeps them for 90 days).
const GONE: &[&str] = &["DELETE_COMPLETE"];

/// Reads stacks with one stage's credentials.
#[derive(Debug, Clone)]
pub struct StackReader {
    cfn: aws_sdk_cloudformation::Client,
    s3: aws_sdk_s3::Client,
}

impl StackReader {
    /// A reader with `aws`'s clients (the stage's credentials, region and endpoint).
    pub fn new(aws: &Aws) -> Self {
        StackReader {
            cfn: aws_sdk_cloudformation::Client::new(aws.config()),
            s3: aws.s3(),
        }
    }

    /// Every stack of the account and region that exists (ListStacks, every page), by name.
    pub async fn stacks(&self) -> Result<Vec<StackSummary>, OpError> {
        let op = "ListStacks";
        let mut stacks = collect_pages(
            |token| async move {
                let page = self.cfn.list_stacks().set_next_token(token).send().await;
                page.map(Some).map_err(|e| op_error(op, e))
            },
            |page| {
                page.stack_summaries()
                    .iter()
                    .map(|s| StackSummary {
                        name: s.stack_name().unwrap_or_default().to_string(),
                        status: s
                            .stack_status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    })
                    .filter(|s| !GONE.contains(&s.status.as_str()))
                    .collect()
            },
            |page| page.next_token().map(str::to_string),
        )
        .await?;
        stacks.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(stacks)
    }

    /// The stack's status (DescribeStacks): an error naming the stack when there is none.
    pub async fn status(&self, stack: &str) -> Result<String, OpError> {
        let op = "DescribeStacks";
        let out = self
            .cfn
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let found = out.stacks().first().and_then(|s| s.stack_status());
        found
            .map(|s| s.as_str().to_string())
            .ok_or_else(|| OpError::invalid(op, format!("there is no stack named `{stack}`")))
    }

    /// The stack's resources (ListStackResources, every page), in the order CloudFormation lists
    /// them.
    pub async fn resources(&self, stack: &str) -> Result<Vec<StackResource>, OpError> {
        let op = "ListStackResources";
        collect_pages(
            |token| async move {
                let page = self
                    .cfn
                    .list_stack_resources()
                    .stack_name(stack)
                    .set_next_token(token)
                    .send()
                    .await;
                page.map(Some).map_err(|e| op_error(op, e))
            },
            |page| {
                page.stack_resource_summaries()
                    .iter()
                    .map(|r| StackResource {
                        logical_id: r.logical_resource_id().unwrap_or_default().to_string(),
                        cfn_type: r.resource_type().unwrap_or_default().to_string(),
                        physical_id: r
                            .physical_resource_id()
                            .filter(|id| !id.is_empty())
                            .map(str::to_string),
                        status: r
                            .resource_status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    })
                    .collect()
            },
            |page| page.next_token().map(str::to_string),
        )
        .await
    }

    /// The stack's template as the user wrote it (GetTemplate, stage Original), parsed.
    pub async fn template(&self, stack: &str) -> Result<Template, OpError> {
        let op = "GetTemplate";
        let out = self
            .cfn
            .get_template()
            .stack_name(stack)
            .template_stage(aws_sdk_cloudformation::types::TemplateStage::Original)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let body = out.template_body().unwrap_or_default();
        Template::parse(body).map_err(|e| OpError::invalid(op, format!("stack `{stack}`: {e}")))
    }

    /// An S3 object's bytes (GetObject): a Lambda function's code package.
    pub async fn object(&self, bucket: &str, key: &str) -> Result<Vec<u8>, OpError> {
        let op = "GetObject";
        let out = self
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| op_error(op, e))?;
        let bytes = out.body.collect().await.map_err(|e| {
            OpError::new(
                op,
                eco_provider::ErrorKind::Retryable,
                format!("s3://{bucket}/{key}: {e}"),
            )
        })?;
        Ok(bytes.into_bytes().to_vec())
    }
}
