//! The Resource Groups Tagging API: the tags of every resource a stage of a project owns, in one
//! paged call across a service, so that a refresh need not ask for each resource's tags.
//!
//! GetResources is eventually consistent (a resource tagged moments ago may not be listed yet, a
//! tag changed moments ago may show its old value): a resource missing from the answer is read
//! on its own, never taken as untagged or gone.

use std::collections::{BTreeMap, HashMap};

use eco_provider::{OpContext, OpError, TAG_PROJECT, TAG_STAGE};

use crate::aws::op_error;

/// ARN -> tags of every resource of `resource_type` (GetResources' filter, e.g. `s3`,
/// `dynamodb:table`) carrying `ctx`'s project and stage ownership tags.
pub async fn owned_tags(
    client: &aws_sdk_resourcegroupstagging::Client,
    ctx: &OpContext,
    resource_type: &str,
) -> Result<HashMap<String, BTreeMap<String, String>>, OpError> {
    use aws_sdk_resourcegroupstagging::types::TagFilter;
    let filter = |key: &str, value: &str| TagFilter::builder().key(key).values(value).build();
    let mut out = HashMap::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_resources()
            .tag_filters(filter(TAG_PROJECT, &ctx.project))
            .tag_filters(filter(TAG_STAGE, &ctx.stage))
            .resource_type_filters(resource_type)
            .resources_per_page(100)
            // Pages are also cut at a number of tags (moto's default is 100: 33 resources of
            // three tags); the largest allowed lets a page hold 100 resources of up to 5 tags.
            .tags_per_page(500)
            .set_pagination_token(token.take())
            .send()
            .await
            .map_err(|e| op_error("GetResources", e))?;
        for mapping in page.resource_tag_mapping_list() {
            let Some(arn) = mapping.resource_arn() else {
                continue;
            };
            let tags = mapping
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            out.insert(arn.to_string(), tags);
        }
        match page.pagination_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}
