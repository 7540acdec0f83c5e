//! `cloudfront-distribution`: a CloudFront distribution, with origin access control for S3 origins.
//!
//! An origin with `origin-access-control #true` gets an origin access control owned by the
//! distribution (named after the eco address, signing always with SigV4); the bucket's policy
//! grants `cloudfront.amazonaws.com` read access on the condition `AWS:SourceArn` = this
//! distribution's `arn`. Invalidation after a site changes is done by `s3-sync`'s `invalidate`.
//!
//! The OAC of origin `O` of address `A` is named `eco-<hash of project/stage/A/O>` (64 characters
//! at most, as CloudFront requires), so eco finds it again without state.
//!
//! AWS calls:
//! - read: GetDistribution (config, status, ETag), ListTagsForResource; ListOriginAccessControls
//!   when an origin uses one (to report `origin-access-control` and `origin-access-control-ids`)
//! - find: ListDistributions pages + ListTagsForResource: the distribution with this address's
//!   ownership tags (tags are set atomically by CreateDistributionWithTags)
//! - create: find (adopt, then update to `desired`), else CreateOriginAccessControl per OAC origin
//!   (an existing one of that name is reused), CreateDistributionWithTags with CallerReference =
//!   the engine's idempotency token (a retried create answers DistributionAlreadyExists, and eco
//!   adopts the distribution the error names or its tags find), then, with
//!   `wait-for-deployment` (default), the DistributionDeployed waiter (at most 25 minutes)
//! - update: GetDistributionConfig (current config + ETag), UpdateDistribution with the full
//!   merged config and If-Match (fields eco does not manage are kept as AWS has them); OACs for
//!   new OAC origins; TagResource / UntagResource; DistributionDeployed waiter
//! - delete: GetDistributionConfig; when enabled, UpdateDistribution Enabled=false (If-Match) and
//!   the DistributionDeployed waiter (at most 25 minutes; CloudFront refuses to delete an enabled
//!   or deploying distribution); DeleteDistribution with If-Match = the latest ETag; then
//!   DeleteOriginAccessControl of this distribution's OACs. A distribution already gone is success.
//! - import: by distribution id (GetDistribution)

mod read;
mod requests;
mod spec;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_cloudfront::client::Waiters;
use aws_sdk_cloudfront::types::{
    DistributionConfigWithTags, OriginAccessControlConfig, OriginAccessControlOriginTypes,
    OriginAccessControlSigningBehaviors, OriginAccessControlSigningProtocols, Tag, TagKeys, Tags,
};
use aws_sdk_cloudfront::Client;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::Schema;
use sha2::{Digest, Sha256};

pub use self::read::config_attrs;
pub use self::requests::{distribution_config, rebuild};
pub use self::spec::CloudfrontDistribution;

use self::requests::bad;
use crate::attrs::block_list;
use crate::aws::{error_code, op_error, Aws};
use crate::calls::{answered, every_page};
use crate::tags::{retag, tags_of, tags_value, TagByKey};

pub const TYPE_NAME: &str = CloudfrontDistribution::TYPE_NAME;

/// What AWS answers this type's calls with for a while before they succeed, and for how long eco
/// keeps trying (the engine retries; see `eco_provider::transient` and docs/aws-behaviour.md).
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[
    eco_provider::Transient {
        operations: &[
            "CreateDistribution",
            "CreateDistributionWithTags",
            "UpdateDistribution",
        ],
        codes: &["InvalidViewerCertificate"],
        message: None,
        budget: std::time::Duration::from_secs(60),
        why: "CloudFront does not see the newly issued ACM certificate yet",
    },
    eco_provider::Transient {
        operations: &["DeleteDistribution"],
        codes: &["DistributionNotDisabled"],
        message: None,
        budget: std::time::Duration::from_secs(600),
        why: "CloudFront has not finished disabling the distribution",
    },
    eco_provider::Transient {
        operations: &["DeleteDistribution", "UpdateDistribution"],
        codes: &["PreconditionFailed", "InvalidIfMatchVersion"],
        message: None,
        budget: std::time::Duration::from_secs(120),
        why: "the distribution changed since its ETag was read (eco reads it again)",
    },
];

pub fn schema() -> Schema {
    CloudfrontDistribution::schema()
}

/// The managed CachingOptimized cache policy, used when a behavior names none.
pub const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/// CloudFront's hosted zone id, for alias records.
pub const CLOUDFRONT_ZONE_ID: &str = "Z2FDTNDATAQYW2";
/// The longest eco waits for a distribution to be Deployed.
const DEPLOY_WAIT: Duration = Duration::from_secs(25 * 60);

/// The name of the OAC eco makes for origin `origin` of the resource in `ctx`.
pub fn oac_name(ctx: &OpContext, origin: &str) -> String {
    let h = Sha256::digest(format!(
        "{}/{}/{}/{origin}",
        ctx.project, ctx.stage, ctx.address
    ));
    let hex: String = h.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("eco-{hex}")
}

fn flag(attrs: &Attrs, name: &str) -> Option<bool> {
    match attrs.get(name) {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    }
}

/// The marker of the next page of a CloudFront listing (`None` after the last).
fn next_marker(truncated: bool, marker: Option<&str>) -> Option<String> {
    marker
        .filter(|m| truncated && !m.is_empty())
        .map(str::to_string)
}

/// The ids of the origins in an `origin` attribute, those `keep` accepts.
fn origin_ids(attrs: &Attrs, keep: impl Fn(&BTreeMap<String, Value>) -> bool) -> Vec<String> {
    block_list(attrs, "origin")
        .into_iter()
        .filter(|o| keep(o))
        .filter_map(|o| o.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// CloudFront's TagResource takes a `Tags` list of key-value pairs, UntagResource a `TagKeys`.
#[async_trait]
impl TagByKey for Client {
    async fn tag(&self, arn: &str, tags: BTreeMap<String, String>) -> Result<(), OpError> {
        let items: Vec<Tag> = tags
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect::<Result<_, _>>()
            .map_err(bad("TagResource"))?;
        self.tag_resource()
            .resource(arn)
            .tags(Tags::builder().set_items(Some(items)).build())
            .send()
            .await
            .map_err(|e| op_error("TagResource", e))?;
        Ok(())
    }

    async fn untag(&self, arn: &str, keys: Vec<String>) -> Result<(), OpError> {
        self.untag_resource()
            .resource(arn)
            .tag_keys(TagKeys::builder().set_items(Some(keys)).build())
            .send()
            .await
            .map_err(|e| op_error("UntagResource", e))?;
        Ok(())
    }
}

/// The operations of `cloudfront-distribution`.
pub struct Provider {
    schema: Schema,
    cf: Client,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            schema: schema(),
            cf: aws.cloudfront(),
        }
    }

    async fn tags(&self, arn: &str) -> Result<BTreeMap<String, String>, OpError> {
        crate::tags::cloudfront_tags(&self.cf, arn).await
    }

    /// eco's OACs of this address: origin id -> OAC id, for the origins named.
    async fn oacs(&self, ctx: &OpContext, origins: &[String]) -> OpResult<HashMap<String, String>> {
        let names: HashMap<String, String> = origins
            .iter()
            .map(|o| (oac_name(ctx, o), o.clone()))
            .collect();
        let names = &names;
        let all = every_page(|marker| async move {
            let page = self
                .cf
                .list_origin_access_controls()
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| op_error("ListOriginAccessControls", e))?;
            let Some(list) = page.origin_access_control_list() else {
                return Ok((Vec::new(), None));
            };
            let found = list
                .items()
                .iter()
                .filter_map(|s| Some((names.get(s.name())?.clone(), s.id().to_string())))
                .collect();
            Ok((found, next_marker(list.is_truncated(), list.next_marker())))
        })
        .await?;
        Ok(all.into_iter().collect())
    }

    /// Makes (or finds) the OAC of each OAC origin of `desired`.
    async fn ensure_oacs(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
    ) -> Result<HashMap<String, String>, OpError> {
        let wanted = origin_ids(desired, |o| flag(o, "origin-access-control") == Some(true));
        if wanted.is_empty() {
            return Ok(HashMap::new());
        }
        let mut have = self.oacs(ctx, &wanted).await?;
        for origin in &wanted {
            if have.contains_key(origin) {
                continue;
            }
            let config = OriginAccessControlConfig::builder()
                .name(oac_name(ctx, origin))
                .description(format!("eco: {} origin {origin}", ctx.address))
                .signing_protocol(OriginAccessControlSigningProtocols::Sigv4)
                .signing_behavior(OriginAccessControlSigningBehaviors::Always)
                .origin_access_control_origin_type(OriginAccessControlOriginTypes::S3)
                .build()
                .map_err(bad("CreateOriginAccessControl"))?;
            let out = self
                .cf
                .create_origin_access_control()
                .origin_access_control_config(config)
                .send()
                .await
                .map_err(|e| op_error("CreateOriginAccessControl", e))?;
            if let Some(o) = out.origin_access_control() {
                have.insert(origin.clone(), o.id().to_string());
            }
        }
        Ok(have)
    }

    async fn read_dist(&self, ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        let out = match self.cf.get_distribution().id(id).send().await {
            Ok(o) => o,
            Err(e) if error_code(&e) == Some("NoSuchDistribution") => return Ok(None),
            Err(e) => return Err(op_error("GetDistribution", e)),
        };
        let d = answered(out.distribution(), "GetDistribution", "a Distribution")?;
        let config = answered(
            d.distribution_config(),
            "GetDistribution",
            "a DistributionConfig",
        )?;
        let origins = read::origins_to_look_up(config);
        let oacs = if origins.is_empty() {
            HashMap::new()
        } else {
            self.oacs(ctx, &origins).await?
        };
        let spec = CloudfrontDistribution {
            id: Some(d.id().to_string()),
            arn: Some(d.arn().to_string()),
            domain_name: Some(d.domain_name().to_string()),
            hosted_zone_id: Some(CLOUDFRONT_ZONE_ID.to_string()),
            status: Some(d.status().to_string()),
            etag: Some(out.e_tag().unwrap_or_default().to_string()),
            ..read::from_config(config, &oacs)
        };
        let mut attrs = read::with_oac_ids(eco_schema::Spec::to_attrs(&spec));
        attrs.insert("tags".into(), tags_value(&self.tags(d.arn()).await?));
        Ok(Some(Live {
            id: d.id().to_string(),
            attrs,
        }))
    }

    /// Every distribution of the account: (id, ARN), from every ListDistributions page.
    async fn list_all(&self) -> Result<Vec<(String, String)>, OpError> {
        every_page(|marker| async move {
            let out = self
                .cf
                .list_distributions()
                .set_marker(marker)
                .send()
                .await
                .map_err(|e| op_error("ListDistributions", e))?;
            let Some(list) = out.distribution_list() else {
                return Ok((Vec::new(), None));
            };
            let found = list
                .items()
                .iter()
                .map(|d| (d.id().to_string(), d.arn().to_string()))
                .collect();
            Ok((found, next_marker(list.is_truncated(), list.next_marker())))
        })
        .await
    }

    /// The distribution carrying this address's ownership tags.
    async fn find_owned(&self, ctx: &OpContext) -> Result<Option<String>, OpError> {
        for (id, arn) in self.list_all().await? {
            if !ctx.is_replaced(&id) && ctx.owns(&self.tags(&arn).await?) {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// Waits until the distribution is Deployed (unless `wait-for-deployment #false`).
    async fn wait_deployed(&self, id: &str, desired: &Attrs) -> Result<(), OpError> {
        if flag(desired, "wait-for-deployment") == Some(false) {
            return Ok(());
        }
        self.cf
            .wait_until_distribution_deployed()
            .id(id)
            .wait(crate::wait::budget(DEPLOY_WAIT))
            .await
            .map_err(|e| {
                OpError::new(
                    "GetDistribution",
                    crate::wait::waiter_failure_kind(&e),
                    format!(
                        "distribution {id} was not Deployed within {} minutes ({e}); it keeps deploying, and the next apply carries on",
                        DEPLOY_WAIT.as_secs() / 60
                    ),
                )
            })?;
        Ok(())
    }

    /// Takes the distribution's tags to `want` (TagResource / UntagResource).
    async fn set_tags(&self, arn: &str, want: &BTreeMap<String, String>) -> Result<(), OpError> {
        let live = self.tags(arn).await?;
        retag(&self.cf, arn, &live, want, &[]).await
    }

    /// UpdateDistribution with the full merged config (If-Match = the ETag just read).
    async fn put_config(&self, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<(), OpError> {
        let oacs = self.ensure_oacs(ctx, desired).await?;
        let current = self
            .cf
            .get_distribution_config()
            .id(id)
            .send()
            .await
            .map_err(|e| op_error("GetDistributionConfig", e))?;
        let live = current.distribution_config().ok_or_else(|| {
            OpError::new(
                "GetDistributionConfig",
                ErrorKind::Other,
                "no configuration in the answer",
            )
        })?;
        let config = distribution_config(desired, &oacs, live.caller_reference(), Some(live))?;
        self.cf
            .update_distribution()
            .id(id)
            .if_match(current.e_tag().unwrap_or_default())
            .distribution_config(config)
            .send()
            .await
            .map_err(|e| op_error("UpdateDistribution", e))?;
        Ok(())
    }

    fn with_local(mut live: Live, desired: &Attrs) -> Live {
        if let Some(v) = desired.get("wait-for-deployment") {
            live.attrs.insert("wait-for-deployment".into(), v.clone());
        }
        live
    }

    async fn reread(&self, ctx: &OpContext, id: &str, desired: &Attrs) -> Result<Live, OpError> {
        let live = self.read_dist(ctx, id).await?.ok_or_else(|| {
            OpError::new(
                "GetDistribution",
                ErrorKind::Other,
                format!("distribution {id} disappeared"),
            )
        })?;
        Ok(Self::with_local(live, desired))
    }

    /// CreateDistributionWithTags; a retried create's DistributionAlreadyExists names the
    /// distribution (or its tags find it).
    async fn create_new(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> OpResult<String> {
        const OP: &str = "CreateDistributionWithTags";
        let oacs = self.ensure_oacs(ctx, desired).await?;
        let config = distribution_config(desired, &oacs, token, None)?;
        let tags: Vec<Tag> = tags_of(desired.get("tags"))
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(bad(OP)))
            .collect::<Result<_, _>>()?;
        let with_tags = DistributionConfigWithTags::builder()
            .distribution_config(config)
            .tags(Tags::builder().set_items(Some(tags)).build())
            .build();
        let sent = self
            .cf
            .create_distribution_with_tags()
            .distribution_config_with_tags(with_tags)
            .send()
            .await;
        match sent {
            Ok(out) => out
                .distribution()
                .map(|d| d.id().to_string())
                .ok_or_else(|| {
                    OpError::new(OP, ErrorKind::Other, "the answer names no distribution")
                }),
            Err(e) if error_code(&e) == Some("DistributionAlreadyExists") => {
                let err = op_error(OP, e);
                match id_in_message(&err.message) {
                    Some(id) => Ok(id),
                    None => self.find_owned(ctx).await?.ok_or(err),
                }
            }
            Err(e) => Err(op_error(OP, e)),
        }
    }

    /// Disables an enabled distribution (If-Match), answering the latest ETag; `None` when the
    /// distribution is already gone.
    async fn disable(&self, id: &str) -> Result<Option<String>, OpError> {
        let current = match self.cf.get_distribution_config().id(id).send().await {
            Ok(c) => c,
            Err(e) if error_code(&e) == Some("NoSuchDistribution") => return Ok(None),
            Err(e) => return Err(op_error("GetDistributionConfig", e)),
        };
        let etag = current.e_tag().unwrap_or_default().to_string();
        let Some(config) = current.distribution_config().filter(|c| c.enabled()) else {
            return Ok(Some(etag));
        };
        let disabled = rebuild(config)
            .enabled(false)
            .build()
            .map_err(bad("UpdateDistribution"))?;
        let out = self
            .cf
            .update_distribution()
            .id(id)
            .if_match(&etag)
            .distribution_config(disabled)
            .send()
            .await
            .map_err(|e| op_error("UpdateDistribution", e))?;
        Ok(Some(out.e_tag().unwrap_or(&etag).to_string()))
    }

    async fn delete_oacs(&self, ctx: &OpContext, prior: &Attrs) -> Result<(), OpError> {
        let origins = origin_ids(prior, |_| true);
        for (_, oac) in self.oacs(ctx, &origins).await? {
            let etag = match self.cf.get_origin_access_control().id(&oac).send().await {
                Ok(o) => o.e_tag().unwrap_or_default().to_string(),
                Err(e) if error_code(&e) == Some("NoSuchOriginAccessControl") => continue,
                Err(e) => return Err(op_error("GetOriginAccessControl", e)),
            };
            match self
                .cf
                .delete_origin_access_control()
                .id(&oac)
                .if_match(etag)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if error_code(&e) == Some("NoSuchOriginAccessControl") => {}
                Err(e) => return Err(op_error("DeleteOriginAccessControl", e)),
            }
        }
        Ok(())
    }
}

/// The distribution id in a DistributionAlreadyExists message ("... Already exists: ID").
fn id_in_message(message: &str) -> Option<String> {
    message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .rfind(|w| {
            w.len() >= 10
                && w.len() <= 20
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .map(str::to_string)
}

fn format_arn(live: &Option<Live>, id: &str) -> String {
    live.as_ref()
        .and_then(|l| {
            l.attrs
                .get("arn")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| format!("arn:aws:cloudfront::distribution/{id}"))
}

/// Drops a `geo-restriction` of type `none` without locations: CloudFront's "no restriction",
/// which the read reports as no block.
pub fn normalize_geo_restriction(desired: &mut Attrs) {
    let Some(Value::Map(geo)) = desired.get("geo-restriction") else {
        return;
    };
    let none = geo.get("type").and_then(Value::as_str) == Some("none");
    let no_locations = match geo.get("locations") {
        None | Some(Value::Null) => true,
        Some(Value::List(l)) => l.is_empty(),
        Some(_) => false,
    };
    if none && no_locations {
        desired.remove("geo-restriction");
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(TRANSIENT);

    /// `geo-restriction type="none"` (which Terraform requires, so migrants write it) is no
    /// restriction: the read reports none, so neither does the desired value.
    fn normalize(&self, desired: &mut Attrs) {
        normalize_geo_restriction(desired);
    }

    /// ListDistributions (every page, Marker / NextMarker), each distribution read in full.
    async fn list(&self, ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let ids = match self.list_all().await {
            Ok(all) => all.into_iter().map(|(id, _)| id).collect(),
            Err(e) => return Some(Err(e)),
        };
        Some(crate::aws::read_each(ids, |id| async move { self.read_dist(ctx, &id).await }).await)
    }

    async fn read(&self, ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_dist(ctx, id).await
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        match self.find_owned(ctx).await? {
            Some(id) => Ok(self
                .read_dist(ctx, &id)
                .await?
                .map(|l| Self::with_local(l, desired))),
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let id = match self.find_owned(ctx).await? {
            Some(id) => {
                // A crashed create made it: adopt and bring it to `desired`.
                self.put_config(ctx, &id, desired).await?;
                self.set_tags(
                    &format_arn(&self.read_dist(ctx, &id).await?, &id),
                    &tags_of(desired.get("tags")),
                )
                .await?;
                id
            }
            None => self.create_new(ctx, desired, token).await?,
        };
        self.wait_deployed(&id, desired).await?;
        self.reread(ctx, &id, desired).await
    }

    async fn update(
        &self,
        ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let config_changed = changed
            .iter()
            .any(|c| !matches!(c.as_str(), "tags" | "wait-for-deployment"));
        if config_changed {
            self.put_config(ctx, id, desired).await?;
        }
        if changed.iter().any(|c| c == "tags") {
            let live = self.read_dist(ctx, id).await?;
            self.set_tags(&format_arn(&live, id), &tags_of(desired.get("tags")))
                .await?;
        }
        if config_changed {
            self.wait_deployed(id, desired).await?;
        }
        self.reread(ctx, id, desired).await
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), OpError> {
        let Some(mut etag) = self.disable(id).await? else {
            return self.delete_oacs(ctx, prior).await;
        };
        // CloudFront refuses to delete a distribution until the disable is deployed.
        let always = Attrs::from([("wait-for-deployment".into(), Value::Bool(true))]);
        self.wait_deployed(id, &always).await?;
        if let Ok(latest) = self.cf.get_distribution().id(id).send().await {
            if let Some(t) = latest.e_tag() {
                etag = t.to_string();
            }
        }
        match self
            .cf
            .delete_distribution()
            .id(id)
            .if_match(&etag)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if error_code(&e) == Some("NoSuchDistribution") => {}
            Err(e) => return Err(op_error("DeleteDistribution", e)),
        }
        self.delete_oacs(ctx, prior).await
    }
}

#[cfg(test)]
mod tests;
