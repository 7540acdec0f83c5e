//! Tags, written once: the `tags` attribute as a map, the one tag diff (what to add or change and
//! what to remove, never removing keys eco must keep), and one small trait per shape of tagging
//! API, so that a type says how to call its service and [`retag`] does the rest.
//!
//! Shapes: [`TagByKey`] is "tag with key-value pairs, untag by key" (TagResource/UntagResource of
//! API Gateway, Lambda, CodePipeline, CloudFront, DynamoDB; TagRole/UntagRole of IAM).

use std::collections::BTreeMap;

use async_trait::async_trait;
use eco_provider::{OpError, Value};

/// Tags from a `Value::Map` of strings (the `tags` attribute).
pub fn tags_of(value: Option<&Value>) -> BTreeMap<String, String> {
    match value {
        Some(Value::Map(m)) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// The `tags` attribute value for a tag map.
pub fn tags_value(tags: &BTreeMap<String, String>) -> Value {
    Value::Map(
        tags.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// Tags to set (new or changed) and keys to remove, going from `live` to `desired`. Keys in
/// `keep` are never removed.
pub fn tag_diff(
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
    keep: &[&str],
) -> (BTreeMap<String, String>, Vec<String>) {
    let set = desired
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = live
        .keys()
        .filter(|k| !desired.contains_key(*k) && !keep.contains(&k.as_str()))
        .cloned()
        .collect();
    (set, remove)
}

/// A tagging API that adds or changes tags given as key-value pairs and removes tags by key.
/// `resource` is what the API names the resource by (an ARN, a role name).
#[async_trait]
pub trait TagByKey: Sync {
    /// Adds or changes these tags (never called with none).
    async fn tag(&self, resource: &str, tags: BTreeMap<String, String>) -> Result<(), OpError>;
    /// Removes the tags with these keys (never called with none).
    async fn untag(&self, resource: &str, keys: Vec<String>) -> Result<(), OpError>;
}

/// Implements [`TagByKey`] for an SDK client whose TagResource takes the tags as a map and whose
/// UntagResource takes `tag_keys`, both naming the resource through the builder method `$by`
/// (`resource_arn` for API Gateway v2, `resource` for Lambda).
macro_rules! tag_by_key {
    ($client:ty, $by:ident) => {
        $crate::tags::tag_by_key!($client, $by, $crate::tags::sdk_map);
    };
    // An SDK whose TagResource takes a list of its own `Tag`s, built by `$sdk_tags(&tags, op)`.
    ($client:ty, $by:ident, $sdk_tags:path) => {
        #[async_trait::async_trait]
        impl $crate::tags::TagByKey for $client {
            async fn tag(
                &self,
                resource: &str,
                tags: std::collections::BTreeMap<String, String>,
            ) -> Result<(), eco_provider::OpError> {
                let tags = $sdk_tags(&tags, "TagResource")?;
                self.tag_resource()
                    .$by(resource)
                    .set_tags(Some(tags))
                    .send()
                    .await
                    .map_err(|e| $crate::aws::op_error("TagResource", e))?;
                Ok(())
            }

            async fn untag(
                &self,
                resource: &str,
                keys: Vec<String>,
            ) -> Result<(), eco_provider::OpError> {
                self.untag_resource()
                    .$by(resource)
                    .set_tag_keys(Some(keys))
                    .send()
                    .await
                    .map_err(|e| $crate::aws::op_error("UntagResource", e))?;
                Ok(())
            }
        }
    };
}
pub(crate) use tag_by_key;

/// Writes a type's `sdk_tags(tags, op)`: its SDK's own `Tag`s (built from a key and a value) for a
/// tag map; a tag the SDK refuses is an `Invalid` error of `op` naming type `$ty` and the key.
macro_rules! sdk_tags {
    ($vis:vis $tag:ty, $ty:expr) => {
        /// The SDK's tags for a tag map.
        $vis fn sdk_tags(
            tags: &std::collections::BTreeMap<String, String>,
            op: &str,
        ) -> Result<Vec<$tag>, eco_provider::OpError> {
            let ty = $ty;
            let tag = |(k, v): (&String, &String)| {
                let built = <$tag>::builder().key(k).value(v).build();
                built.map_err(|e| eco_provider::OpError::invalid(op, format!("{ty}: tag `{k}`: {e}")))
            };
            tags.iter().map(tag).collect()
        }
    };
}
pub(crate) use sdk_tags;

/// Tags as the SDKs that take a map want them (`tag_by_key!`'s first form).
pub fn sdk_map(
    tags: &BTreeMap<String, String>,
    _op: &str,
) -> Result<std::collections::HashMap<String, String>, OpError> {
    Ok(tags.clone().into_iter().collect())
}

/// Takes `resource`'s tags from `live` to `desired` through `api`: one tag call for what is new
/// or changed, one untag call for what is dropped (keys in `keep` stay), none when nothing is.
pub async fn retag<T: TagByKey + ?Sized>(
    api: &T,
    resource: &str,
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
    keep: &[&str],
) -> Result<(), OpError> {
    let (set, remove) = tag_diff(live, desired, keep);
    if !set.is_empty() {
        api.tag(resource, set).await?;
    }
    if !remove.is_empty() {
        api.untag(resource, remove).await?;
    }
    Ok(())
}

/// A CloudFront resource's tags (ListTagsForResource): distributions and functions.
pub async fn cloudfront_tags(
    cf: &aws_sdk_cloudfront::Client,
    arn: &str,
) -> Result<BTreeMap<String, String>, OpError> {
    let out = cf
        .list_tags_for_resource()
        .resource(arn)
        .send()
        .await
        .map_err(|e| crate::aws::op_error("ListTagsForResource", e))?;
    Ok(out
        .tags()
        .map(|t| t.items())
        .unwrap_or_default()
        .iter()
        .map(|t| (t.key().to_string(), t.value().unwrap_or("").to_string()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_diff_sets_changed_and_removes_dropped_but_kept() {
        let live = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "1".to_string()),
            ("keep".to_string(), "x".to_string()),
        ]);
        let desired = BTreeMap::from([
            ("a".to_string(), "2".to_string()),
            ("c".to_string(), "3".to_string()),
        ]);
        let (set, remove) = tag_diff(&live, &desired, &["keep"]);
        assert_eq!(
            set,
            BTreeMap::from([
                ("a".to_string(), "2".to_string()),
                ("c".to_string(), "3".to_string())
            ])
        );
        assert_eq!(remove, vec!["b".to_string()]);
    }
}
