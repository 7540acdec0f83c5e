//! `s3-bucket`: an S3 bucket and its bucket-level configuration. The id (and import id) is the
//! bucket name.
//!
//! AWS calls:
//! - read: HeadBucket (gives the region; GetBucketLocation when it does not), then concurrently
//!   GetBucketVersioning, GetBucketWebsite, GetBucketCors, GetBucketPolicy, GetBucketEncryption,
//!   GetPublicAccessBlock, GetBucketOwnershipControls, GetBucketLifecycleConfiguration,
//!   GetBucketNotificationConfiguration, GetBucketTagging (a refresh asks only for the declared
//!   ones). Calls for a bucket of another region go to that region.
//! - find: HeadBucket + GetBucketTagging (ours by ownership tags), then read
//! - create: in us-east-1, where CreateBucket answers 200 for a bucket the account owns, the
//!   name is looked up first: in an apply, in the run's one ListBuckets (taken at its first
//!   create, shared through `OpContext::run`), and only a listed name is asked with HeadBucket +
//!   GetBucketTagging (adopt a bucket that is ours, refuse one that is not); on its own, or sent
//!   again, HeadBucket + GetBucketTagging;
//!   CreateBucket (LocationConstraint outside us-east-1, the tags in CreateBucketConfiguration so
//!   the bucket is never untagged; BucketAlreadyOwnedByYou: HeadBucket + GetBucketTagging, adopt
//!   or refuse; BucketAlreadyExists: refused), then the Put* calls below for whatever is
//!   configured, one at a time (no wait in between: NoSuchBucket is retried by the engine), then
//!   a read of the sub-resources other than tags
//! - update: only the attributes changed, each through its entry of [`SUB_RESOURCES`], in that
//!   order: PutBucketTagging, PutBucketOwnershipControls, PutBucketVersioning (#false and removal
//!   suspend), PutPublicAccessBlock, PutBucketPolicy (the block is relaxed before a policy is put,
//!   and tightened after), PutBucketWebsite, PutBucketCors, PutBucketEncryption,
//!   PutBucketLifecycleConfiguration, PutBucketNotificationConfiguration; a removed attribute by
//!   the matching Delete* call (DeleteBucketTagging ... DeleteBucketLifecycle; notifications:
//!   PutBucketNotificationConfiguration with none); then read
//! - delete: DeleteBucket; with `force-destroy` (taken from the prior attributes: it is eco-only,
//!   no API holds it), first ListObjectVersions + DeleteObjects until the bucket is empty
//! - import: by bucket name, as read
//! - read_many: ListBuckets (existence; the region where the listing names it, else the one
//!   state recorded, else HeadBucket), GetResources (the tags of what the stage owns), then only
//!   the declared sub-resources of each bucket
//!
//! `spec.rs` is the typed spec (the schema comes from it); `sub_resources.rs` the table of the
//! bucket's sub-resources (an attribute and its Get / Put / Delete calls);
//! `conversions.rs` the pure conversions between attribute values and SDK types;
//! `listing.rs` what ListBuckets answers: the batched refresh, the import listing, and the
//! run's one listing before us-east-1 creates.

/// Refuses with an Invalid error of `op` (the message formatted) unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $op:expr, $($message:tt)+) => {
        if !$cond {
            return Err(OpError::invalid($op, format!($($message)+)));
        }
    };
}

mod conversions;
mod listing;
pub(crate) use self::listing::list_buckets;
mod spec;
mod sub_resources;

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, Delete, ObjectIdentifier,
};
use aws_sdk_s3::Client;
use aws_smithy_runtime_api::client::result::SdkError;
use eco_provider::{
    Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider, Value, TAG_ADDRESS,
    TAG_PROJECT, TAG_STAGE,
};
use eco_schema::{Rule, Schema, Spec};

pub(crate) use self::conversions::policy_to_sdk;
use self::conversions::{parse, tags_from_sdk, tags_to_sdk};
use self::spec::S3Bucket;
use self::sub_resources::{get_all, policy_before_public_access_block, Got, SUB_RESOURCES};
use crate::aws::{error_code, op_error, partition, Aws};
use crate::tags::{tags_of, tags_value};
use eco_schema::{DataAtRisk, Held};

pub const TYPE_NAME: &str = S3Bucket::TYPE_NAME;

/// What AWS answers this type's calls with for a while before they succeed, and for how long eco
/// keeps trying (the engine retries; see `eco_provider::transient` and docs/aws-behaviour.md).
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[eco_provider::Transient {
    operations: &[
        "PutBucket*",
        "PutPublicAccessBlock",
        "GetBucket*",
        "GetPublicAccessBlock",
        "DeleteBucket*",
        "DeletePublicAccessBlock",
    ],
    codes: &["NoSuchBucket"],
    message: None,
    budget: std::time::Duration::from_secs(120),
    why: "S3 does not yet see the bucket it has just created everywhere",
}];

/// The bucket's schema, with the rules S3 applies inside `website`: an index document or a
/// redirect of every request, exactly one (PutBucketWebsite refuses neither and both), and no
/// error document beside a redirect of every request.
pub fn schema() -> Schema {
    S3Bucket::schema()
        .rule(Rule::InBlock {
            block: "website",
            rule: &Rule::ExactlyOne(&["index", "redirect-all-to"]),
        })
        .rule(Rule::InBlock {
            block: "website",
            rule: &Rule::Excludes {
                attr: "redirect-all-to",
                settings: &["error"],
            },
        })
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// The region whose CreateBucket answers 200 for a bucket the account already owns (S3's legacy
/// behaviour; every other region answers BucketAlreadyOwnedByYou).
const LEGACY_REGION: &str = "us-east-1";

/// The operations of `s3-bucket`. The id is the bucket name.
///
pub struct Provider {
    schema: Schema,
    aws: Aws,
    s3: Client,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            schema: schema(),
            aws: aws.clone(),
            s3: aws.s3(),
        }
    }

    /// An S3 client for the bucket's region (S3 answers a request for a bucket of another region
    /// with a redirect, which the SDK does not follow).
    fn client_for(&self, region: Option<&str>) -> Client {
        match region {
            Some(r) if r != self.aws.region() => {
                let conf = aws_sdk_s3::config::Builder::from(self.aws.config())
                    .region(aws_types::region::Region::new(r.to_string()))
                    .force_path_style(self.aws.config().endpoint_url().is_some())
                    .build();
                Client::from_conf(conf)
            }
            _ => self.s3.clone(),
        }
    }

    /// Whether a bucket exists, and in which region (HeadBucket; GetBucketLocation when the
    /// answer lacks `x-amz-bucket-region`).
    async fn head(&self, name: &str) -> Result<Head, OpError> {
        match self.s3.head_bucket().bucket(name).send().await {
            Ok(out) => {
                let region = match out.bucket_region() {
                    Some(r) => r.to_string(),
                    None => self.location(name).await?,
                };
                Ok(Head::Exists(region))
            }
            Err(err) => {
                let (status, region) = match &err {
                    SdkError::ServiceError(e) => (
                        e.raw().status().as_u16(),
                        e.raw()
                            .headers()
                            .get("x-amz-bucket-region")
                            .map(str::to_string),
                    ),
                    _ => return Err(op_error("HeadBucket", err)),
                };
                match (status, region) {
                    (404, _) => Ok(Head::Absent),
                    (403, _) => Ok(Head::Denied),
                    // Another region's bucket: S3 redirects and names the region.
                    (301 | 307 | 400, Some(region)) => Ok(Head::Exists(region)),
                    _ => Err(op_error("HeadBucket", err)),
                }
            }
        }
    }

    async fn location(&self, name: &str) -> Result<String, OpError> {
        Ok(normalize_location(self.constraint(name).await?.as_deref()))
    }

    /// GetBucketLocation's constraint, as S3 answers it.
    async fn constraint(&self, name: &str) -> Result<Option<String>, OpError> {
        let out = self.s3.get_bucket_location().bucket(name).send().await;
        let out = out.map_err(|e| op_error("GetBucketLocation", e))?;
        Ok(out.location_constraint().map(|c| c.as_str().to_string()))
    }

    /// Who holds bucket `name`: `Ok(None)` when nobody, `Ok(Some(region))` when it exists and is
    /// this address's (ownership tags), `Err(Conflict)` otherwise.
    async fn ownership(
        &self,
        ctx: &OpContext,
        name: &str,
        operation: &str,
    ) -> Result<Option<String>, OpError> {
        let region = match self.head(name).await? {
            Head::Absent => return Ok(None),
            Head::Denied => {
                return Err(conflict(
                    operation,
                    format!(
                        "bucket `{name}` already exists and this account cannot access it \
                         (HeadBucket answered 403): another AWS account owns the name, or a \
                         bucket policy denies access; bucket names are global, choose another"
                    ),
                ))
            }
            Head::Exists(region) => region,
        };
        let s3 = self.client_for(Some(&region));
        let tags = match s3.get_bucket_tagging().bucket(name).send().await {
            Ok(out) => tags_from_sdk(out.tag_set()),
            Err(err) => match error_code(&err) {
                Some("NoSuchTagSet") => BTreeMap::new(),
                Some("NoSuchBucket") => return Ok(None),
                Some("AccessDenied") => {
                    return Err(conflict(
                        operation,
                        format!(
                            "bucket `{name}` already exists and its tags cannot be read \
                             (GetBucketTagging: AccessDenied): it belongs to another AWS account"
                        ),
                    ))
                }
                _ => return Err(op_error("GetBucketTagging", err)),
            },
        };
        // Found by its exact name: after an attempt of this create, an untagged bucket is that
        // attempt's (PutBucketTagging had not followed yet).
        if ctx.claims(&tags) {
            Ok(Some(region))
        } else {
            Err(conflict(operation, not_ours_message(ctx, name, &tags)))
        }
    }

    /// Reads a bucket by name (see the module doc for the calls; the Get* calls run
    /// concurrently), asking only for the sub-resources whose attribute `wanted` accepts.
    async fn read_bucket(
        &self,
        name: &str,
        wanted: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Option<Live>, OpError> {
        let region = match self.head(name).await? {
            Head::Absent => return Ok(None),
            Head::Denied => {
                return Err(OpError::new(
                    "HeadBucket",
                    ErrorKind::Other,
                    format!("access denied to bucket `{name}` (HeadBucket answered 403)"),
                ))
            }
            Head::Exists(region) => region,
        };
        self.read_known(name, &region, wanted).await
    }

    /// Reads a bucket known to exist in `region`: its computed attributes and the
    /// sub-resources whose attribute `wanted` accepts. `None` when it vanished meanwhile.
    async fn read_known(
        &self,
        name: &str,
        region: &str,
        wanted: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Option<Live>, OpError> {
        let s3 = self.client_for(Some(region));
        let mut attrs = computed_attrs(name, region);
        for (sub, got) in SUB_RESOURCES.iter().zip(get_all(&s3, name, wanted).await?) {
            match got {
                Got::Some(v) => {
                    attrs.insert(sub.attr.into(), v);
                }
                Got::Absent => {}
                Got::Gone => return Ok(None),
            }
        }
        if attrs.contains_key("website") {
            attrs.insert(
                "website-endpoint".into(),
                Value::String(website_endpoint(name, region)),
            );
        }
        // A bucket without tags reads as no tags.
        attrs
            .entry("tags".into())
            .or_insert_with(|| Value::Map(BTreeMap::new()));
        Ok(Some(Live {
            id: name.to_string(),
            attrs,
        }))
    }

    /// Applies the attributes named in `which` from `desired`, in [`SUB_RESOURCES`] order. An
    /// attribute absent from `desired` (or configuring nothing) is removed (its Delete* call),
    /// except on a bucket just created (`fresh`), which has nothing to remove.
    async fn apply(
        &self,
        s3: &Client,
        name: &str,
        desired: &Attrs,
        which: &[String],
        fresh: bool,
    ) -> Result<(), OpError> {
        let mut order: Vec<_> = SUB_RESOURCES.iter().collect();
        if policy_before_public_access_block(desired) {
            let at = |attr| order.iter().position(|s| s.attr == attr).expect("listed");
            let (p, b) = (at("policy"), at("public-access-block"));
            order.swap(p, b);
        }
        for sub in order
            .into_iter()
            .filter(|s| which.iter().any(|w| w == s.attr))
        {
            let (s3, bucket) = (s3.clone(), name.to_string());
            match present(desired, sub.attr) {
                Some(v) if (sub.wanted)(v)? => (sub.put)(s3, bucket, v.clone()).await?,
                _ if !fresh => (sub.delete)(s3, bucket).await?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Deletes every object version and delete marker (ListObjectVersions + DeleteObjects, 1000
    /// at a time) until the bucket is empty. A bucket already gone is success.
    /// What the bucket holds: its object versions (every version, so what a versioned bucket
    /// keeps is counted) and their bytes, listed up to [`OBJECTS_COUNTED`].
    async fn objects_held(&self, s3: &Client, name: &str) -> Result<Option<DataAtRisk>, OpError> {
        let (mut count, mut bytes, mut versioned) = (0u64, 0u64, false);
        let (mut key_marker, mut version_marker) = (None, None);
        loop {
            let page = s3
                .list_object_versions()
                .bucket(name)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                Err(e) if error_code(&e) == Some("NoSuchBucket") => return Ok(None),
                Err(e) => return Err(op_error("ListObjectVersions", e)),
            };
            for v in page.versions() {
                count += 1;
                bytes += v.size().unwrap_or(0).max(0) as u64;
                versioned |= v.is_latest() == Some(false);
            }
            let truncated = page.is_truncated() == Some(true);
            if !truncated || count >= OBJECTS_COUNTED {
                let held = DataAtRisk::counted("bucket", Held::Objects, count).with_bytes(bytes);
                let held = if truncated { held.at_least() } else { held };
                return Ok(Some(if versioned {
                    held.noted("every version counted")
                } else {
                    held
                }));
            }
            key_marker = page.next_key_marker().map(str::to_string);
            version_marker = page.next_version_id_marker().map(str::to_string);
        }
    }

    async fn empty(&self, s3: &Client, name: &str) -> Result<(), OpError> {
        loop {
            let page = match s3.list_object_versions().bucket(name).send().await {
                Ok(page) => page,
                Err(e) if error_code(&e) == Some("NoSuchBucket") => return Ok(()),
                Err(e) => return Err(op_error("ListObjectVersions", e)),
            };
            let invalid =
                |e: aws_sdk_s3::error::BuildError| OpError::invalid("DeleteObjects", e.to_string());
            let versions = page.versions().iter().map(|v| (v.key(), v.version_id()));
            let markers = page
                .delete_markers()
                .iter()
                .map(|m| (m.key(), m.version_id()));
            let objects = versions
                .chain(markers)
                .filter_map(|(key, version)| Some((key?, version)))
                .map(|(key, version)| {
                    let id = ObjectIdentifier::builder().key(key);
                    id.set_version_id(version.map(str::to_string)).build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(invalid)?;
            if objects.is_empty() {
                return Ok(());
            }
            let delete = Delete::builder().set_objects(Some(objects)).quiet(true);
            let out = s3
                .delete_objects()
                .bucket(name)
                .delete(delete.build().map_err(invalid)?);
            let out = out.send().await.map_err(|e| op_error("DeleteObjects", e))?;
            if let Some(err) = out.errors().first() {
                return Err(OpError::new(
                    "DeleteObjects",
                    ErrorKind::Other,
                    format!(
                        "could not delete `{}` (version {}) of bucket `{name}`: {}: {}",
                        err.key().unwrap_or_default(),
                        err.version_id().unwrap_or("null"),
                        err.code().unwrap_or("Error"),
                        err.message().unwrap_or_default(),
                    ),
                ));
            }
        }
    }

    /// Adopts bucket `name` of this address, found in `region`, bringing it to `desired`.
    async fn adopt(
        &self,
        name: &str,
        region: &str,
        desired: &Attrs,
        all: &[String],
    ) -> Result<Live, OpError> {
        let s3 = self.client_for(Some(region));
        self.apply(&s3, name, desired, all, false).await?;
        self.result(name, desired, "CreateBucket").await
    }

    /// The live resource after a create or update, with eco-only attributes (`force-destroy`)
    /// carried over from `desired`.
    async fn result(&self, name: &str, desired: &Attrs, operation: &str) -> Result<Live, OpError> {
        // What eco just set is read back, nothing else: the rest was not asked for.
        let wanted = |attr: &str| desired.contains_key(attr);
        let mut live = self
            .read_bucket(name, &wanted)
            .await?
            .ok_or_else(|| disappeared(name, operation))?;
        if let Some(v) = present(desired, "force-destroy") {
            live.attrs.insert("force-destroy".into(), v.clone());
        }
        Ok(live)
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(TRANSIENT);

    /// ListBuckets (following continuation tokens), keeping the buckets of this region, each
    /// read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        Some(self.list_all().await)
    }

    async fn read(&self, ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_bucket(id, &|attr| ctx.reads(attr)).await
    }

    /// ListBuckets and GetResources for all, then only the declared sub-resources of each (see
    /// `read_batch`).
    async fn read_many(
        &self,
        requests: &[(OpContext, String)],
    ) -> Option<Result<Vec<Option<Live>>, OpError>> {
        Some(self.read_batch(requests).await)
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, _token: &str) -> OpResult<Option<Live>> {
        let name = bucket_name(desired)?;
        match self.ownership(ctx, name, "HeadBucket").await? {
            None => Ok(None),
            Some(_) => Ok(ctx.unless_replaced(self.read_bucket(name, &|_| true).await?)),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        let name = bucket_name(desired)?;
        validate(desired)?;
        let all: Vec<String> = desired.keys().cloned().collect();
        let region = self.aws.region();
        // In us-east-1, CreateBucket of a bucket this account already owns answers 200 (and
        // resets the bucket's ACLs): there the name is looked up first. Elsewhere CreateBucket's
        // own answer says (BucketAlreadyOwnedByYou), so a create is CreateBucket and the Put*
        // calls of what it configures, nothing before.
        if region == LEGACY_REGION && self.may_exist(ctx, name).await? {
            if let Some(region) = self.ownership(ctx, name, "CreateBucket").await? {
                // Ours already (a re-run after a crash): adopt it and bring it to `desired`.
                return self.adopt(name, &region, desired, &all).await;
            }
        }
        let tags = tags_of(present(desired, "tags"));
        let mut conf = CreateBucketConfiguration::builder();
        if region != LEGACY_REGION {
            conf = conf.location_constraint(BucketLocationConstraint::from(region.as_str()));
        }
        if !tags.is_empty() {
            // Ownership tags with the create itself, so a crash cannot leave an untagged bucket.
            conf = conf.set_tags(Some(tags_to_sdk(&tags)?));
        }
        if let Err(err) = self
            .s3
            .create_bucket()
            .bucket(name)
            .create_bucket_configuration(conf.build())
            .send()
            .await
        {
            match error_code(&err) {
                // Made earlier in this account: ours only if its tags say so.
                Some("BucketAlreadyOwnedByYou") => {
                    return match self.ownership(ctx, name, "CreateBucket").await? {
                        Some(region) => self.adopt(name, &region, desired, &all).await,
                        None => Err(OpError::new(
                            "CreateBucket",
                            ErrorKind::Retryable,
                            format!(
                                "CreateBucket answered that this account owns bucket `{name}`, \
                                 but HeadBucket does not find it yet"
                            ),
                        )),
                    };
                }
                Some("BucketAlreadyExists") => {
                    return Err(conflict(
                        "CreateBucket",
                        format!(
                            "bucket `{name}` is owned by another AWS account (bucket names are \
                             global): choose another name ({})",
                            err.into_service_error().message().unwrap_or_default()
                        ),
                    ))
                }
                _ => return Err(op_error("CreateBucket", err)),
            }
        }
        // No wait for the bucket to exist: S3 may answer the next call NoSuchBucket for a
        // while, which the engine retries ([`TRANSIENT`]) by sending this create again (it then
        // finds the bucket its own).
        self.apply(&self.s3, name, desired, &all, true).await?;
        // A bucket eco just made, in its region, with its tags: only what else eco set is read
        // back.
        let wanted = |attr: &str| attr != "tags" && desired.contains_key(attr);
        let mut live = self.read_known(name, &region, &wanted).await?;
        let live = live.as_mut().ok_or_else(|| {
            // Just made: S3 does not see it everywhere yet.
            let message = format!("bucket `{name}` was created but S3 does not see it yet");
            OpError::new("CreateBucket", ErrorKind::Retryable, message)
        })?;
        live.attrs.insert("tags".into(), tags_value(&tags));
        if let Some(v) = present(desired, "force-destroy") {
            live.attrs.insert("force-destroy".into(), v.clone());
        }
        Ok(live.clone())
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        if changed.iter().any(|c| c == "name") && bucket_name(desired)? != id {
            return Err(OpError::invalid(
                "CreateBucket",
                "S3 cannot rename a bucket: a new name replaces the bucket",
            ));
        }
        let subset = changed
            .iter()
            .filter_map(|c| Some((c.clone(), desired.get(c)?.clone())));
        validate(&subset.collect())?;
        let s3 = self.client_for(prior.get("region").and_then(Value::as_str));
        self.apply(&s3, id, desired, changed, false).await?;
        self.result(id, desired, "HeadBucket").await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), OpError> {
        let s3 = self.client_for(prior.get("region").and_then(Value::as_str));
        if prior.get("force-destroy") == Some(&Value::Bool(true)) {
            self.empty(&s3, id).await?;
        }
        match s3.delete_bucket().bucket(id).send().await {
            Ok(_) => Ok(()),
            Err(e) if error_code(&e) == Some("NoSuchBucket") => Ok(()),
            Err(e) if error_code(&e) == Some("BucketNotEmpty") => Err(conflict(
                "DeleteBucket",
                format!(
                    "bucket `{id}` is not empty ({}); set `force-destroy #true` (and apply) to \
                     let eco delete every object version first, or empty it yourself",
                    e.into_service_error().message().unwrap_or("BucketNotEmpty")
                ),
            )),
            Err(e) => Err(op_error("DeleteBucket", e)),
        }
    }

    async fn import(&self, _ctx: &OpContext, import_id: &str) -> Result<Option<Live>, OpError> {
        self.read_bucket(import_id, &|_| true).await
    }

    /// ListObjectVersions, up to 10,000 versions ("more than 10,000 objects" beyond).
    async fn data_at_risk(
        &self,
        _ctx: &OpContext,
        id: &str,
        live: &Attrs,
    ) -> Option<Result<Option<DataAtRisk>, OpError>> {
        let s3 = self.client_for(live.get("region").and_then(Value::as_str));
        Some(self.objects_held(&s3, id).await)
    }
}

/// How many object versions a plan counts before it says "more than".
const OBJECTS_COUNTED: u64 = 10_000;

/// A Conflict error of `operation`.
fn conflict(operation: &str, message: String) -> OpError {
    OpError::new(operation, ErrorKind::Conflict, message)
}

/// What HeadBucket says about a name.
enum Head {
    Absent,
    /// 403: another account's bucket, or a policy denies us.
    Denied,
    Exists(String),
}

/// Why a bucket that exists is not this address's.
fn not_ours_message(ctx: &OpContext, name: &str, tags: &BTreeMap<String, String>) -> String {
    match (
        tags.get(TAG_PROJECT),
        tags.get(TAG_STAGE),
        tags.get(TAG_ADDRESS),
    ) {
        (None, None, None) => format!(
            "bucket `{name}` already exists in this account without eco's ownership tags; to \
             manage it with eco, adopt it with `eco import {} {name}`, or choose another name",
            ctx.address
        ),
        (p, s, a) => format!(
            "bucket `{name}` is managed by eco project `{}` stage `{}` as `{}`, not by `{}` of \
             project `{}` stage `{}`",
            p.map_or("?", String::as_str),
            s.map_or("?", String::as_str),
            a.map_or("?", String::as_str),
            ctx.address,
            ctx.project,
            ctx.stage
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Attrs <-> SDK types (pure)
// ---------------------------------------------------------------------------------------------

/// An attribute set to something (not absent, not null).
fn present<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a Value> {
    attrs.get(name).filter(|v| !matches!(v, Value::Null))
}

fn bucket_name(desired: &Attrs) -> Result<&str, OpError> {
    let name = present(desired, "name")
        .and_then(Value::as_str)
        .ok_or_else(|| OpError::invalid("CreateBucket", "`name` is required"))?;
    validate_bucket_name(name)?;
    Ok(name)
}

/// S3's naming rules for general purpose buckets (checked before any call).
pub(crate) fn validate_bucket_name(name: &str) -> Result<(), OpError> {
    let bad = |why: &str| {
        Err(OpError::invalid(
            "CreateBucket",
            format!("invalid bucket name `{name}`: {why}"),
        ))
    };
    if name.len() < 3 || name.len() > 63 {
        return bad("a bucket name has 3 to 63 characters");
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '.' || *c == '-'))
    {
        return bad(&format!(
            "`{c}` is not allowed: only lowercase letters, digits, dots and hyphens"
        ));
    }
    let first = name.as_bytes()[0];
    let last = name.as_bytes()[name.len() - 1];
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return bad("it must begin and end with a letter or a digit");
    }
    if name.contains("..") {
        return bad("two adjacent dots are not allowed");
    }
    if name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return bad("it must not look like an IP address");
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if name.starts_with(prefix) {
            return bad(&format!("the prefix `{prefix}` is reserved"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] {
        if name.ends_with(suffix) {
            return bad(&format!("the suffix `{suffix}` is reserved"));
        }
    }
    Ok(())
}

/// Checks every configured attribute of `desired` by building its request (no AWS call).
fn validate(desired: &Attrs) -> Result<(), OpError> {
    if let Some(v) = present(desired, "force-destroy") {
        parse::<bool>("DeleteBucket", "force-destroy", v)?;
    }
    for sub in SUB_RESOURCES {
        if let Some(v) = present(desired, sub.attr) {
            (sub.wanted)(v)?;
        }
    }
    Ok(())
}

/// GetBucketLocation's constraint as a region: none means us-east-1, `EU` eu-west-1.
fn normalize_location(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    }
}

fn disappeared(name: &str, operation: &str) -> OpError {
    let message = format!("bucket `{name}` disappeared while eco was configuring it");
    OpError::new(operation, ErrorKind::Other, message)
}

/// The attributes computed from the name and the region.
fn computed_attrs(name: &str, region: &str) -> Attrs {
    let (partition, suffix) = partition(region);
    let bucket = S3Bucket {
        name: name.to_string(),
        arn: Some(format!("arn:{partition}:s3:::{name}")),
        region: Some(region.to_string()),
        domain_name: Some(format!("{name}.s3.{suffix}")),
        regional_domain_name: Some(format!("{name}.s3.{region}.{suffix}")),
        hosted_zone_id: website_hosted_zone_id(region).map(str::to_string),
        ..S3Bucket::default()
    };
    bucket.to_attrs()
}

/// The website endpoint host: the older regions use `s3-website-REGION`, the newer
/// `s3-website.REGION`.
fn website_endpoint(name: &str, region: &str) -> String {
    const DASH_REGIONS: &str = "us-east-1 us-west-1 us-west-2 ap-southeast-1 ap-southeast-2 \
                                ap-northeast-1 eu-west-1 sa-east-1 us-gov-west-1";
    let (_, suffix) = partition(region);
    if DASH_REGIONS.split_whitespace().any(|r| r == region) {
        format!("{name}.s3-website-{region}.{suffix}")
    } else {
        format!("{name}.s3-website.{region}.{suffix}")
    }
}

/// Route53 hosted zone id of a region's S3 website endpoint (for alias records), from AWS's
/// endpoint table (docs.aws.amazon.com/general/latest/gr/s3.html#s3_website_region_endpoints),
/// as REGION ZONE pairs.
fn website_hosted_zone_id(region: &str) -> Option<&'static str> {
    const ZONES: &str = "\
     af-south-1 Z83WF9RJE8B12 ap-east-1 ZNB98KWMFR0R6 ap-northeast-1 Z2M4EHUR26P7ZW \
     ap-northeast-2 Z3W03O7B5YMIYP ap-northeast-3 Z2YQB5RD63NC85 ap-south-1 Z11RGJOFQNVJUP \
     ap-south-2 Z02976202B4EZMXIPMXF7 ap-southeast-1 Z3O0J2DXBE1FTB \
     ap-southeast-2 Z1WCIGYICN2BYD ap-southeast-3 Z01846753K324LI26A3VV \
     ap-southeast-4 Z0312387243XT5FE14WFO ca-central-1 Z1QDHH18159H29 \
     ca-west-1 Z03565811Z33SLEZTHOUL cn-north-1 Z5CN8UMXT92WN cn-northwest-1 Z282HJ1KT0DH03 \
     eu-central-1 Z21DNDUVLTQW6Q eu-central-2 Z030506016YDQGETNASS eu-north-1 Z3BAZG2TWCNX0D \
     eu-south-1 Z30OZKI7KPW7MI eu-south-2 Z0081959F7139GRJC19J eu-west-1 Z1BKCTXD74EZPE \
     eu-west-2 Z3GKZC51ZF0DB4 eu-west-3 Z3R1K369G5AVDG il-central-1 Z09640613K4A3MN55U7GU \
     me-central-1 Z06143092I8HRXZRUZROF me-south-1 Z1MPMWCPA7YB62 sa-east-1 Z7KQH4QJS55SO \
     us-east-1 Z3AQBSTGFYJSTF us-east-2 Z2O1EMRO9K5GLX us-gov-east-1 Z2NIFVYYW2VKV1 \
     us-gov-west-1 Z31GFT0UA1I2HV us-west-1 Z2F56UZL2M1ACD us-west-2 Z3BJ6K6RIION7M";
    let mut words = ZONES.split_whitespace();
    while let (Some(r), Some(zone)) = (words.next(), words.next()) {
        if r == region {
            return Some(zone);
        }
    }
    None
}

#[cfg(test)]
mod tests;
