//! `s3-bucket`: an S3 bucket and its bucket-level configuration. The id (and import id) is the
//! bucket name.
//!
//! AWS calls:
//! - read: HeadBucket (gives the region; GetBucketLocation when it does not), then concurrently
//!   GetBucketVersioning, GetBucketWebsite, GetBucketCors, GetBucketPolicy, GetBucketEncryption,
//!   GetPublicAccessBlock, GetBucketOwnershipControls, GetBucketLifecycleConfiguration,
//!   GetBucketTagging. Calls for a bucket of another region go to that region.
//! - find: HeadBucket + GetBucketTagging (ours by ownership tags), then read
//! - create: HeadBucket + GetBucketTagging (adopt a bucket that is ours, refuse one that is not),
//!   CreateBucket (LocationConstraint outside us-east-1, the tags in CreateBucketConfiguration so
//!   the bucket is never untagged), the BucketExists waiter (HeadBucket), then the Put* calls
//!   below for whatever is configured, one at a time, then read
//! - update: only the attributes changed: PutBucketTagging / DeleteBucketTagging,
//!   PutBucketOwnershipControls / DeleteBucketOwnershipControls, PutBucketVersioning (#false and
//!   removal suspend), PutPublicAccessBlock / DeletePublicAccessBlock, PutBucketPolicy /
//!   DeleteBucketPolicy (the block is relaxed before a policy is put, and tightened after),
//!   PutBucketWebsite / DeleteBucketWebsite, PutBucketCors / DeleteBucketCors,
//!   PutBucketEncryption / DeleteBucketEncryption, PutBucketLifecycleConfiguration /
//!   DeleteBucketLifecycle; then read
//! - delete: DeleteBucket; with `force-destroy` (taken from the prior attributes: it is eco-only,
//!   no API holds it), first ListObjectVersions + DeleteObjects until the bucket is empty
//! - import: by bucket name, as read
//! - read_many: none (S3 has no batched read of bucket configuration)

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::client::Waiters;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint,
    BucketVersioningStatus, CorsConfiguration, CorsRule, CreateBucketConfiguration, Delete,
    ErrorDocument, ExpirationStatus, IndexDocument, LifecycleExpiration, LifecycleRule,
    LifecycleRuleFilter, NoncurrentVersionExpiration, ObjectIdentifier, ObjectOwnership,
    OwnershipControls, OwnershipControlsRule, Protocol, PublicAccessBlockConfiguration,
    RedirectAllRequestsTo, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
    VersioningConfiguration, WebsiteConfiguration,
};
use aws_sdk_s3::Client;
use aws_smithy_runtime_api::client::result::SdkError;
use eco_provider::{
    Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value, TAG_ADDRESS, TAG_PROJECT,
    TAG_STAGE,
};

use crate::aws::{error_code, op_error, Aws};
use crate::tags::{tags_of, tags_value};
use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "s3-bucket";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "An S3 bucket: versioning, website hosting, CORS, policy, encryption, public access block")
        .import_id("the bucket name")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("globally unique bucket name; S3 cannot rename a bucket"),
        )
        .attr(
            Attribute::bool("force-destroy")
                .local()
                .doc("empty the bucket (every object version) before deleting it; eco-only, no API call"),
        )
        .attr(
            Attribute::bool("versioning")
                .doc("keep every version of each object (PutBucketVersioning; #false suspends, S3 cannot un-version)"),
        )
        .attr(
            Attribute::block(
                "website",
                vec![
                    Attribute::string("index").doc("index document suffix, e.g. index.html"),
                    Attribute::string("error").doc("error document key, e.g. index.html for a single-page app"),
                    Attribute::string("redirect-all-to")
                        .doc("redirect every request to this host name instead of serving objects"),
                ],
            )
            .doc("static website hosting (PutBucketWebsite / DeleteBucketWebsite)"),
        )
        .attr(
            Attribute::repeated_block(
                "cors",
                "id",
                vec![
                    Attribute::string("id").doc("rule id"),
                    Attribute::list("allowed-origins", ScalarType::String)
                        .required()
                        .doc("origins allowed to make cross-origin requests"),
                    Attribute::list("allowed-methods", ScalarType::String)
                        .required()
                        .one_of(CORS_METHODS).doc("HTTP methods allowed: GET, PUT, POST, DELETE, HEAD"),
                    Attribute::list("allowed-headers", ScalarType::String)
                        .doc("request headers allowed in a preflight request"),
                    Attribute::list("expose-headers", ScalarType::String)
                        .doc("response headers the browser may read"),
                    Attribute::int("max-age").doc("seconds a browser may cache the preflight response"),
                ],
            )
            .doc("a CORS rule (PutBucketCors with every rule / DeleteBucketCors)"),
        )
        .attr(
            Attribute::string("policy").json()
                .doc("bucket policy, a JSON document compared semantically (PutBucketPolicy / DeleteBucketPolicy)"),
        )
        .attr(
            Attribute::block(
                "encryption",
                vec![
                    Attribute::string("algorithm").one_of(SSE_ALGORITHMS).doc("AES256 (default) or aws:kms"),
                    Attribute::string("kms-key").doc("KMS key id or ARN when algorithm is aws:kms"),
                    Attribute::bool("bucket-key").doc("use an S3 bucket key to cut KMS requests"),
                ],
            )
            .doc("default server-side encryption (PutBucketEncryption)"),
        )
        .attr(
            Attribute::block(
                "public-access-block",
                vec![
                    Attribute::bool("block-public-acls").doc("reject requests that add public ACLs"),
                    Attribute::bool("ignore-public-acls").doc("ignore existing public ACLs"),
                    Attribute::bool("block-public-policy").doc("reject bucket policies that grant public access"),
                    Attribute::bool("restrict-public-buckets")
                        .doc("restrict access to buckets with public policies to AWS principals"),
                ],
            )
            .doc("public access block settings (PutPublicAccessBlock / DeletePublicAccessBlock)"),
        )
        .attr(
            Attribute::string("object-ownership")
                .one_of(OWNERSHIPS).doc("BucketOwnerEnforced (default, ACLs off), BucketOwnerPreferred or ObjectWriter (PutBucketOwnershipControls)"),
        )
        .attr(
            Attribute::repeated_block(
                "lifecycle-rule",
                "id",
                vec![
                    Attribute::string("id").doc("rule id"),
                    Attribute::string("prefix").doc("key prefix the rule applies to (default: every key)"),
                    Attribute::bool("enabled").doc("whether the rule is enabled (default #true)"),
                    Attribute::int("expiration-days").doc("delete current objects this many days after creation"),
                    Attribute::int("noncurrent-expiration-days")
                        .doc("delete noncurrent versions this many days after they become noncurrent"),
                    Attribute::int("abort-incomplete-upload-days")
                        .doc("abort incomplete multipart uploads after this many days"),
                ],
            )
            .doc("an object lifecycle rule (PutBucketLifecycleConfiguration with every rule)"),
        )
        .attr(Attribute::string("arn").computed().doc("bucket ARN, arn:aws:s3:::NAME"))
        .attr(Attribute::string("region").computed().doc("region the bucket lives in"))
        .attr(Attribute::string("domain-name").computed().doc("NAME.s3.amazonaws.com"))
        .attr(
            Attribute::string("regional-domain-name")
                .computed()
                .doc("NAME.s3.REGION.amazonaws.com, the CloudFront origin domain for OAC"),
        )
        .attr(
            Attribute::string("website-endpoint")
                .computed()
                .doc("website endpoint host when website hosting is configured"),
        )
        .attr(
            Attribute::string("hosted-zone-id")
                .computed()
                .doc("Route53 hosted zone id of the bucket's region, for alias records"),
        )
        .taggable()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// The longest eco waits for a new bucket to answer HeadBucket (the SDK's BucketExists waiter,
/// which polls with its own backoff and returns at the first success).
const BUCKET_EXISTS_WAIT: Duration = Duration::from_secs(60);

/// The order in which `create` and `update` apply configuration. Tags come first (ownership as
/// early as possible); the public access block and the policy are ordered at run time (see
/// [`policy_before_public_access_block`]).
const CONFIG_ORDER: &[&str] = &[
    "tags",
    "object-ownership",
    "versioning",
    "public-access-block",
    "policy",
    "website",
    "cors",
    "encryption",
    "lifecycle-rule",
];

/// The operations of `s3-bucket`. The id is the bucket name.
///
/// `read_many` is not offered: S3 has no batched read of bucket configuration (ListBuckets
/// gives names and regions only), so the engine reads each bucket.
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
        let out = self
            .s3
            .get_bucket_location()
            .bucket(name)
            .send()
            .await
            .map_err(|e| op_error("GetBucketLocation", e))?;
        Ok(normalize_location(
            out.location_constraint().map(|c| c.as_str()),
        ))
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
                return Err(OpError::new(
                    operation,
                    ErrorKind::Conflict,
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
                    return Err(OpError::new(
                        operation,
                        ErrorKind::Conflict,
                        format!(
                            "bucket `{name}` already exists and its tags cannot be read \
                             (GetBucketTagging: AccessDenied): it belongs to another AWS account"
                        ),
                    ))
                }
                _ => return Err(op_error("GetBucketTagging", err)),
            },
        };
        if ctx.owns(&tags) {
            Ok(Some(region))
        } else {
            Err(OpError::new(
                operation,
                ErrorKind::Conflict,
                not_ours_message(ctx, name, &tags),
            ))
        }
    }

    /// Reads a bucket by name (see the module doc for the calls; the Get* calls run
    /// concurrently).
    /// Every bucket of the account in this client's region (ListBuckets, following
    /// continuation tokens; a bucket whose listing names another region is skipped, and one
    /// whose region the listing does not name is asked with GetBucketLocation), read in full.
    async fn list_all(&self) -> Result<Vec<Live>, OpError> {
        let region = self.aws.region();
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .s3
                .list_buckets()
                .bucket_region(&region)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| op_error("ListBuckets", e))?;
            for b in out.buckets() {
                let Some(name) = b.name() else { continue };
                match b.bucket_region() {
                    Some(r) if r != region => continue,
                    Some(_) => names.push(name.to_string()),
                    None => {
                        let loc = self
                            .s3
                            .get_bucket_location()
                            .bucket(name)
                            .send()
                            .await
                            .map_err(|e| op_error("GetBucketLocation", e))?;
                        let r = loc
                            .location_constraint()
                            .map(|c| c.as_str().to_string())
                            .filter(|c| !c.is_empty())
                            .unwrap_or_else(|| "us-east-1".to_string());
                        if r == region {
                            names.push(name.to_string());
                        }
                    }
                }
            }
            match out.continuation_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        let mut lives = Vec::new();
        for name in names {
            if let Some(live) = self.read_bucket(&name).await? {
                lives.push(live);
            }
        }
        Ok(lives)
    }

    async fn read_bucket(&self, name: &str) -> Result<Option<Live>, OpError> {
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
        let s3 = self.client_for(Some(&region));
        let (versioning, website, cors, policy, encryption, pab, ownership, lifecycle, tags) = tokio::join!(
            s3.get_bucket_versioning().bucket(name).send(),
            s3.get_bucket_website().bucket(name).send(),
            s3.get_bucket_cors().bucket(name).send(),
            s3.get_bucket_policy().bucket(name).send(),
            s3.get_bucket_encryption().bucket(name).send(),
            s3.get_public_access_block().bucket(name).send(),
            s3.get_bucket_ownership_controls().bucket(name).send(),
            s3.get_bucket_lifecycle_configuration().bucket(name).send(),
            s3.get_bucket_tagging().bucket(name).send(),
        );
        macro_rules! live {
            ($e:expr) => {
                match $e? {
                    Got::Some(v) => Some(v),
                    Got::Absent => None,
                    Got::Gone => return Ok(None),
                }
            };
        }
        let versioning = match versioning {
            Err(err) if misrooted_versioning(&err).is_some() => {
                Ok(misrooted_versioning(&err).flatten())
            }
            other => {
                Ok(live!(got("GetBucketVersioning", &[], other)).and_then(|v| v.status().cloned()))
            }
        }?;
        let website = live!(got(
            "GetBucketWebsite",
            &["NoSuchWebsiteConfiguration"],
            website
        ));
        let cors = live!(got("GetBucketCors", &["NoSuchCORSConfiguration"], cors));
        let policy = live!(got("GetBucketPolicy", &["NoSuchBucketPolicy"], policy));
        let encryption = live!(got(
            "GetBucketEncryption",
            &["ServerSideEncryptionConfigurationNotFoundError"],
            encryption
        ));
        let pab = live!(got(
            "GetPublicAccessBlock",
            &["NoSuchPublicAccessBlockConfiguration"],
            pab
        ));
        let ownership = live!(got(
            "GetBucketOwnershipControls",
            &["OwnershipControlsNotFoundError"],
            ownership
        ));
        let lifecycle = live!(got(
            "GetBucketLifecycleConfiguration",
            &["NoSuchLifecycleConfiguration"],
            lifecycle
        ));
        let tags = live!(got("GetBucketTagging", &["NoSuchTagSet"], tags));

        let mut attrs = computed_attrs(name, &region);
        attrs.insert(
            "versioning".into(),
            Value::Bool(versioning_from_sdk(versioning.as_ref())),
        );
        if let Some(w) = website.as_ref().and_then(|w| {
            website_from_sdk(
                w.index_document(),
                w.error_document(),
                w.redirect_all_requests_to(),
            )
        }) {
            attrs.insert("website".into(), w);
            attrs.insert(
                "website-endpoint".into(),
                Value::String(website_endpoint(name, &region)),
            );
        }
        if let Some(c) = cors.filter(|c| !c.cors_rules().is_empty()) {
            attrs.insert("cors".into(), cors_from_sdk(c.cors_rules()));
        }
        if let Some(p) = policy.as_ref().and_then(|p| p.policy()) {
            attrs.insert("policy".into(), Value::String(p.to_string()));
        }
        if let Some(e) = encryption
            .as_ref()
            .and_then(|e| e.server_side_encryption_configuration())
            .and_then(encryption_from_sdk)
        {
            attrs.insert("encryption".into(), e);
        }
        if let Some(p) = pab
            .as_ref()
            .and_then(|p| p.public_access_block_configuration())
        {
            attrs.insert("public-access-block".into(), pab_from_sdk(p));
        }
        if let Some(o) = ownership
            .as_ref()
            .and_then(|o| o.ownership_controls())
            .and_then(|o| o.rules().first())
        {
            attrs.insert(
                "object-ownership".into(),
                Value::String(o.object_ownership().as_str().to_string()),
            );
        }
        if let Some(l) = lifecycle.filter(|l| !l.rules().is_empty()) {
            attrs.insert("lifecycle-rule".into(), lifecycle_from_sdk(l.rules()));
        }
        let tags = tags.map(|t| tags_from_sdk(t.tag_set())).unwrap_or_default();
        attrs.insert("tags".into(), tags_value(&tags));
        Ok(Some(Live {
            id: name.to_string(),
            attrs,
        }))
    }

    /// Applies the attributes named in `which` from `desired`, in [`CONFIG_ORDER`]. An attribute
    /// absent from `desired` is removed (its Delete* call), except on a bucket just created
    /// (`fresh`), which has nothing to remove.
    async fn apply(
        &self,
        s3: &Client,
        name: &str,
        desired: &Attrs,
        which: &[String],
        fresh: bool,
    ) -> Result<(), OpError> {
        let mut order: Vec<&str> = CONFIG_ORDER.to_vec();
        if policy_before_public_access_block(desired) {
            let p = order.iter().position(|a| *a == "policy").expect("listed");
            let b = order
                .iter()
                .position(|a| *a == "public-access-block")
                .expect("listed");
            order.swap(p, b);
        }
        for attr in order {
            if !which.iter().any(|w| w == attr) {
                continue;
            }
            let value = present(desired, attr);
            match (attr, value) {
                ("tags", v) => {
                    let tags = tags_of(v);
                    if tags.is_empty() {
                        if !fresh {
                            s3.delete_bucket_tagging()
                                .bucket(name)
                                .send()
                                .await
                                .map_err(|e| op_error("DeleteBucketTagging", e))?;
                        }
                    } else {
                        s3.put_bucket_tagging()
                            .bucket(name)
                            .tagging(tagging_to_sdk(&tags)?)
                            .send()
                            .await
                            .map_err(|e| op_error("PutBucketTagging", e))?;
                    }
                }
                ("object-ownership", Some(v)) => {
                    s3.put_bucket_ownership_controls()
                        .bucket(name)
                        .ownership_controls(ownership_to_sdk(v)?)
                        .send()
                        .await
                        .map_err(|e| op_error("PutBucketOwnershipControls", e))?;
                }
                ("object-ownership", None) if !fresh => {
                    s3.delete_bucket_ownership_controls()
                        .bucket(name)
                        .send()
                        .await
                        .map_err(|e| op_error("DeleteBucketOwnershipControls", e))?;
                }
                ("versioning", v) => {
                    let on = match v {
                        Some(v) => bool_value("PutBucketVersioning", "versioning", v)?,
                        None => false,
                    };
                    // A new bucket is unversioned: #false needs no call there.
                    if on || !fresh {
                        s3.put_bucket_versioning()
                            .bucket(name)
                            .versioning_configuration(versioning_to_sdk(on))
                            .send()
                            .await
                            .map_err(|e| op_error("PutBucketVersioning", e))?;
                    }
                }
                ("public-access-block", Some(v)) => {
                    s3.put_public_access_block()
                        .bucket(name)
                        .public_access_block_configuration(pab_to_sdk(v)?)
                        .send()
                        .await
                        .map_err(|e| op_error("PutPublicAccessBlock", e))?;
                }
                ("public-access-block", None) if !fresh => {
                    s3.delete_public_access_block()
                        .bucket(name)
                        .send()
                        .await
                        .map_err(|e| op_error("DeletePublicAccessBlock", e))?;
                }
                ("policy", Some(v)) => {
                    s3.put_bucket_policy()
                        .bucket(name)
                        .policy(policy_to_sdk(v)?)
                        .send()
                        .await
                        .map_err(|e| op_error("PutBucketPolicy", e))?;
                }
                ("policy", None) if !fresh => {
                    s3.delete_bucket_policy()
                        .bucket(name)
                        .send()
                        .await
                        .map_err(|e| op_error("DeleteBucketPolicy", e))?;
                }
                ("website", Some(v)) => {
                    s3.put_bucket_website()
                        .bucket(name)
                        .website_configuration(website_to_sdk(v)?)
                        .send()
                        .await
                        .map_err(|e| op_error("PutBucketWebsite", e))?;
                }
                ("website", None) if !fresh => {
                    s3.delete_bucket_website()
                        .bucket(name)
                        .send()
                        .await
                        .map_err(|e| op_error("DeleteBucketWebsite", e))?;
                }
                ("cors", v) => match v.map(cors_to_sdk).transpose()? {
                    Some(c) if !c.cors_rules().is_empty() => {
                        s3.put_bucket_cors()
                            .bucket(name)
                            .cors_configuration(c)
                            .send()
                            .await
                            .map_err(|e| op_error("PutBucketCors", e))?;
                    }
                    _ if !fresh => {
                        s3.delete_bucket_cors()
                            .bucket(name)
                            .send()
                            .await
                            .map_err(|e| op_error("DeleteBucketCors", e))?;
                    }
                    _ => {}
                },
                ("encryption", Some(v)) => {
                    s3.put_bucket_encryption()
                        .bucket(name)
                        .server_side_encryption_configuration(encryption_to_sdk(v)?)
                        .send()
                        .await
                        .map_err(|e| op_error("PutBucketEncryption", e))?;
                }
                ("encryption", None) if !fresh => {
                    // AWS then falls back to its default (SSE-S3).
                    s3.delete_bucket_encryption()
                        .bucket(name)
                        .send()
                        .await
                        .map_err(|e| op_error("DeleteBucketEncryption", e))?;
                }
                ("lifecycle-rule", v) => match v.map(lifecycle_to_sdk).transpose()? {
                    Some(l) if !l.rules().is_empty() => {
                        s3.put_bucket_lifecycle_configuration()
                            .bucket(name)
                            .lifecycle_configuration(l)
                            .send()
                            .await
                            .map_err(|e| op_error("PutBucketLifecycleConfiguration", e))?;
                    }
                    _ if !fresh => {
                        s3.delete_bucket_lifecycle()
                            .bucket(name)
                            .send()
                            .await
                            .map_err(|e| op_error("DeleteBucketLifecycle", e))?;
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        Ok(())
    }

    /// Deletes every object version and delete marker (ListObjectVersions + DeleteObjects, 1000
    /// at a time) until the bucket is empty. A bucket already gone is success.
    async fn empty(&self, s3: &Client, name: &str) -> Result<(), OpError> {
        loop {
            let page = match s3.list_object_versions().bucket(name).send().await {
                Ok(page) => page,
                Err(e) if error_code(&e) == Some("NoSuchBucket") => return Ok(()),
                Err(e) => return Err(op_error("ListObjectVersions", e)),
            };
            let mut objects = Vec::new();
            for (key, version) in page
                .versions()
                .iter()
                .map(|v| (v.key(), v.version_id()))
                .chain(
                    page.delete_markers()
                        .iter()
                        .map(|m| (m.key(), m.version_id())),
                )
            {
                let Some(key) = key else { continue };
                objects.push(
                    ObjectIdentifier::builder()
                        .key(key)
                        .set_version_id(version.map(str::to_string))
                        .build()
                        .map_err(|e| OpError::invalid("DeleteObjects", e.to_string()))?,
                );
            }
            if objects.is_empty() {
                return Ok(());
            }
            let out = s3
                .delete_objects()
                .bucket(name)
                .delete(
                    Delete::builder()
                        .set_objects(Some(objects))
                        .quiet(true)
                        .build()
                        .map_err(|e| OpError::invalid("DeleteObjects", e.to_string()))?,
                )
                .send()
                .await
                .map_err(|e| op_error("DeleteObjects", e))?;
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

    /// The live resource after a create or update, with eco-only attributes (`force-destroy`)
    /// carried over from `desired`.
    async fn result(&self, name: &str, desired: &Attrs, operation: &str) -> Result<Live, OpError> {
        let mut live = self.read_bucket(name).await?.ok_or_else(|| {
            OpError::new(
                operation,
                ErrorKind::Other,
                format!("bucket `{name}` disappeared while eco was configuring it"),
            )
        })?;
        if let Some(v) = present(desired, "force-destroy") {
            live.attrs.insert("force-destroy".into(), v.clone());
        }
        Ok(live)
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// ListBuckets (following continuation tokens), keeping the buckets of this region, each
    /// read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        Some(self.list_all().await)
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_bucket(id).await
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let name = bucket_name(desired)?;
        match self.ownership(ctx, name, "HeadBucket").await? {
            None => Ok(None),
            Some(_) => self.read_bucket(name).await,
        }
    }

    async fn create(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Live, OpError> {
        let name = bucket_name(desired)?;
        validate(desired)?;
        let all: Vec<String> = desired.keys().cloned().collect();
        if let Some(region) = self.ownership(ctx, name, "CreateBucket").await? {
            // Ours already (a re-run after a crash): adopt it and bring it to `desired`.
            let s3 = self.client_for(Some(&region));
            self.apply(&s3, name, desired, &all, false).await?;
            return self.result(name, desired, "CreateBucket").await;
        }
        let region = self.aws.region();
        let tags = tags_of(present(desired, "tags"));
        let mut conf = CreateBucketConfiguration::builder();
        if region != "us-east-1" {
            conf = conf.location_constraint(BucketLocationConstraint::from(region.as_str()));
        }
        if !tags.is_empty() {
            // Ownership tags with the create itself, so a crash cannot leave an untagged bucket.
            conf = conf.set_tags(Some(tags_to_sdk(&tags)?));
        }
        let mut fresh = true;
        if let Err(err) = self
            .s3
            .create_bucket()
            .bucket(name)
            .create_bucket_configuration(conf.build())
            .send()
            .await
        {
            match error_code(&err) {
                Some("BucketAlreadyOwnedByYou") => {
                    // Made meanwhile in this account: ours only if its tags say so.
                    self.ownership(ctx, name, "CreateBucket").await?;
                    fresh = false;
                }
                Some("BucketAlreadyExists") => {
                    return Err(OpError::new(
                        "CreateBucket",
                        ErrorKind::Conflict,
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
        self.s3
            .wait_until_bucket_exists()
            .bucket(name)
            .wait(BUCKET_EXISTS_WAIT)
            .await
            .map_err(|e| {
                OpError::new(
                    "HeadBucket",
                    ErrorKind::Retryable,
                    format!(
                        "bucket `{name}` was created but did not answer within {} s: {}",
                        BUCKET_EXISTS_WAIT.as_secs(),
                        aws_smithy_types::error::display::DisplayErrorContext(&e)
                    ),
                )
            })?;
        self.apply(&self.s3, name, desired, &all, fresh).await?;
        self.result(name, desired, "CreateBucket").await
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
        let mut subset = Attrs::new();
        for c in changed {
            if let Some(v) = desired.get(c) {
                subset.insert(c.clone(), v.clone());
            }
        }
        validate(&subset)?;
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
            Err(e) if error_code(&e) == Some("BucketNotEmpty") => Err(OpError::new(
                "DeleteBucket",
                ErrorKind::Conflict,
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
        self.read_bucket(import_id).await
    }
}

/// What HeadBucket says about a name.
enum Head {
    Absent,
    /// 403: another account's bucket, or a policy denies us.
    Denied,
    Exists(String),
}

/// A Get* call's answer: the configuration, "not configured", or "the bucket is gone".
enum Got<T> {
    Some(T),
    Absent,
    Gone,
}

fn got<T, E, R>(
    operation: &str,
    absent_codes: &[&str],
    result: Result<T, SdkError<E, R>>,
) -> Result<Got<T>, OpError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(v) => Ok(Got::Some(v)),
        Err(err) => match error_code(&err) {
            Some("NoSuchBucket") => Ok(Got::Gone),
            Some(c) if absent_codes.contains(&c) => Ok(Got::Absent),
            _ => Err(op_error(operation, err)),
        },
    }
}

/// The status in a GetBucketVersioning answer whose XML root the SDK refused: moto 5.2.5 names
/// it `GetBucketVersioningResponse` instead of AWS's `VersioningConfiguration` (a moto bug; AWS
/// never takes this path). `None` when the error is anything else; `Some(None)` for a bucket
/// that was never versioned.
fn misrooted_versioning<E>(
    err: &SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>,
) -> Option<Option<BucketVersioningStatus>> {
    let SdkError::ServiceError(e) = err else {
        return None;
    };
    if e.raw().status().as_u16() != 200 {
        return None;
    }
    versioning_status_from_xml(std::str::from_utf8(e.raw().body().bytes()?).ok()?)
}

/// `<Status>` of a `<GetBucketVersioningResponse>` body (see [`misrooted_versioning`]).
fn versioning_status_from_xml(body: &str) -> Option<Option<BucketVersioningStatus>> {
    if !body.contains("<GetBucketVersioningResponse") {
        return None;
    }
    let status = body
        .split_once("<Status>")
        .and_then(|(_, rest)| rest.split_once("</Status>"))
        .map(|(status, _)| BucketVersioningStatus::from(status.trim()));
    Some(status)
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
    if let Some(v) = present(desired, "versioning") {
        bool_value("PutBucketVersioning", "versioning", v)?;
    }
    if let Some(v) = present(desired, "force-destroy") {
        bool_value("DeleteBucket", "force-destroy", v)?;
    }
    if let Some(v) = present(desired, "website") {
        website_to_sdk(v)?;
    }
    if let Some(v) = present(desired, "cors") {
        cors_to_sdk(v)?;
    }
    if let Some(v) = present(desired, "policy") {
        policy_to_sdk(v)?;
    }
    if let Some(v) = present(desired, "encryption") {
        encryption_to_sdk(v)?;
    }
    if let Some(v) = present(desired, "public-access-block") {
        pab_to_sdk(v)?;
    }
    if let Some(v) = present(desired, "object-ownership") {
        ownership_to_sdk(v)?;
    }
    if let Some(v) = present(desired, "lifecycle-rule") {
        lifecycle_to_sdk(v)?;
    }
    if let Some(v) = present(desired, "tags") {
        let Value::Map(m) = v else {
            return Err(OpError::invalid("PutBucketTagging", "`tags` must be a map"));
        };
        if m.values().any(|v| v.as_str().is_none()) {
            return Err(OpError::invalid(
                "PutBucketTagging",
                "tag values must be strings",
            ));
        }
        tagging_to_sdk(&tags_of(Some(v)))?;
    }
    Ok(())
}

/// Whether the policy goes before the public access block: when the new block refuses public
/// policies, the policy is put while the old block still lets it in; otherwise the block is
/// relaxed (or removed) first so that a public policy is accepted.
fn policy_before_public_access_block(desired: &Attrs) -> bool {
    match present(desired, "public-access-block") {
        Some(Value::Map(m)) => m.get("block-public-policy") == Some(&Value::Bool(true)),
        _ => false,
    }
}

fn map_value<'a>(
    operation: &str,
    attr: &str,
    v: &'a Value,
) -> Result<&'a BTreeMap<String, Value>, OpError> {
    match v {
        Value::Map(m) => Ok(m),
        other => Err(OpError::invalid(
            operation,
            format!("`{attr}` must be a block, not {other}"),
        )),
    }
}

fn bool_value(operation: &str, attr: &str, v: &Value) -> Result<bool, OpError> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(OpError::invalid(
            operation,
            format!("`{attr}` must be #true or #false, not {other}"),
        )),
    }
}

fn str_field<'a>(
    operation: &str,
    attr: &str,
    m: &'a BTreeMap<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, OpError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(OpError::invalid(
            operation,
            format!("`{attr} {field}` must be a string, not {other}"),
        )),
    }
}

fn bool_field(
    operation: &str,
    attr: &str,
    m: &BTreeMap<String, Value>,
    field: &str,
) -> Result<Option<bool>, OpError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => bool_value(operation, &format!("{attr} {field}"), v).map(Some),
    }
}

/// A non-negative integer field that fits AWS's 32-bit integers (`min` is the least allowed).
fn int_field(
    operation: &str,
    attr: &str,
    m: &BTreeMap<String, Value>,
    field: &str,
    min: i64,
) -> Result<Option<i32>, OpError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(i)) if *i >= min && *i <= i64::from(i32::MAX) => Ok(Some(*i as i32)),
        Some(other) => Err(OpError::invalid(
            operation,
            format!("`{attr} {field}` must be a whole number of at least {min}, not {other}"),
        )),
    }
}

fn str_list_field(
    operation: &str,
    attr: &str,
    m: &BTreeMap<String, Value>,
    field: &str,
) -> Result<Vec<String>, OpError> {
    match m.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::List(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(OpError::invalid(
                    operation,
                    format!("`{attr} {field}` holds strings, not {other}"),
                )),
            })
            .collect(),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(other) => Err(OpError::invalid(
            operation,
            format!("`{attr} {field}` must be a list of strings, not {other}"),
        )),
    }
}

/// The blocks of a repeated block (one block alone is accepted too).
fn blocks<'a>(
    operation: &str,
    attr: &str,
    v: &'a Value,
) -> Result<Vec<&'a BTreeMap<String, Value>>, OpError> {
    match v {
        Value::List(items) => items
            .iter()
            .map(|i| map_value(operation, attr, i))
            .collect(),
        Value::Map(m) => Ok(vec![m]),
        other => Err(OpError::invalid(
            operation,
            format!("`{attr}` must be a list of blocks, not {other}"),
        )),
    }
}

fn string_list(items: &[String]) -> Value {
    Value::List(items.iter().cloned().map(Value::String).collect())
}

/// Sorts a list of blocks by their label (`id`), so that read output is stable.
fn sorted_by_id(mut items: Vec<BTreeMap<String, Value>>) -> Value {
    items.sort_by(|a, b| {
        let key =
            |m: &BTreeMap<String, Value>| m.get("id").and_then(|v| v.as_str().map(str::to_string));
        key(a).cmp(&key(b))
    });
    Value::List(items.into_iter().map(Value::Map).collect())
}

fn versioning_to_sdk(on: bool) -> VersioningConfiguration {
    VersioningConfiguration::builder()
        .status(if on {
            BucketVersioningStatus::Enabled
        } else {
            BucketVersioningStatus::Suspended
        })
        .build()
}

/// Enabled is on; Suspended and never-versioned (no status) are off.
fn versioning_from_sdk(status: Option<&BucketVersioningStatus>) -> bool {
    matches!(status, Some(BucketVersioningStatus::Enabled))
}

fn website_to_sdk(v: &Value) -> Result<WebsiteConfiguration, OpError> {
    const OP: &str = "PutBucketWebsite";
    let m = map_value(OP, "website", v)?;
    let index = str_field(OP, "website", m, "index")?;
    let error = str_field(OP, "website", m, "error")?;
    let redirect = str_field(OP, "website", m, "redirect-all-to")?;
    let invalid = |e: aws_sdk_s3::error::BuildError| OpError::invalid(OP, e.to_string());
    match (index, error, redirect) {
        (None, None, Some(target)) => {
            let (protocol, host) = match target.split_once("://") {
                Some(("https", host)) => (Some(Protocol::Https), host),
                Some(("http", host)) => (Some(Protocol::Http), host),
                Some(_) => {
                    return Err(OpError::invalid(
                        OP,
                        format!("`website redirect-all-to` takes a host name, optionally after http:// or https://, not `{target}`"),
                    ))
                }
                None => (None, target),
            };
            if host.is_empty() || host.contains('/') {
                return Err(OpError::invalid(
                    OP,
                    format!("`website redirect-all-to` must be a host name, not `{target}`"),
                ));
            }
            Ok(WebsiteConfiguration::builder()
                .redirect_all_requests_to(
                    RedirectAllRequestsTo::builder()
                        .host_name(host)
                        .set_protocol(protocol)
                        .build()
                        .map_err(invalid)?,
                )
                .build())
        }
        (_, _, Some(_)) => Err(OpError::invalid(
            OP,
            "`website redirect-all-to` cannot be combined with `index` or `error`",
        )),
        (None, _, None) => Err(OpError::invalid(
            OP,
            "`website` needs `index` (the index document suffix) or `redirect-all-to`",
        )),
        (Some(index), error, None) => {
            if index.is_empty() || index.contains('/') {
                return Err(OpError::invalid(
                    OP,
                    format!("`website index` is a suffix such as index.html, without a slash, not `{index}`"),
                ));
            }
            let mut w = WebsiteConfiguration::builder().index_document(
                IndexDocument::builder()
                    .suffix(index)
                    .build()
                    .map_err(invalid)?,
            );
            if let Some(error) = error {
                w = w.error_document(
                    ErrorDocument::builder()
                        .key(error)
                        .build()
                        .map_err(invalid)?,
                );
            }
            Ok(w.build())
        }
    }
}

fn website_from_sdk(
    index: Option<&IndexDocument>,
    error: Option<&ErrorDocument>,
    redirect: Option<&RedirectAllRequestsTo>,
) -> Option<Value> {
    let mut m = BTreeMap::new();
    if let Some(i) = index {
        m.insert("index".to_string(), Value::String(i.suffix().to_string()));
    }
    if let Some(e) = error {
        m.insert("error".to_string(), Value::String(e.key().to_string()));
    }
    if let Some(r) = redirect {
        let target = match r.protocol() {
            Some(p) => format!("{}://{}", p.as_str(), r.host_name()),
            None => r.host_name().to_string(),
        };
        m.insert("redirect-all-to".to_string(), Value::String(target));
    }
    (!m.is_empty()).then_some(Value::Map(m))
}

const CORS_METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "HEAD"];

fn cors_to_sdk(v: &Value) -> Result<CorsConfiguration, OpError> {
    const OP: &str = "PutBucketCors";
    let mut rules = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    let items = blocks(OP, "cors", v)?;
    if items.len() > 100 {
        return Err(OpError::invalid(OP, "S3 takes at most 100 CORS rules"));
    }
    for m in items {
        let id = str_field(OP, "cors", m, "id")?;
        if let Some(id) = id {
            if !ids.insert(id) {
                return Err(OpError::invalid(
                    OP,
                    format!("two `cors` rules have the id `{id}`"),
                ));
            }
        }
        let origins = str_list_field(OP, "cors", m, "allowed-origins")?;
        let methods = str_list_field(OP, "cors", m, "allowed-methods")?;
        if origins.is_empty() {
            return Err(OpError::invalid(
                OP,
                "a `cors` rule needs `allowed-origins`",
            ));
        }
        if methods.is_empty() {
            return Err(OpError::invalid(
                OP,
                "a `cors` rule needs `allowed-methods`",
            ));
        }
        if let Some(bad) = methods.iter().find(|m| !CORS_METHODS.contains(&m.as_str())) {
            return Err(OpError::invalid(
                OP,
                format!("`cors allowed-methods` takes GET, PUT, POST, DELETE or HEAD, not `{bad}`"),
            ));
        }
        let headers = str_list_field(OP, "cors", m, "allowed-headers")?;
        let expose = str_list_field(OP, "cors", m, "expose-headers")?;
        let rule = CorsRule::builder()
            .set_id(id.map(str::to_string))
            .set_allowed_origins(Some(origins))
            .set_allowed_methods(Some(methods))
            .set_allowed_headers((!headers.is_empty()).then_some(headers))
            .set_expose_headers((!expose.is_empty()).then_some(expose))
            .set_max_age_seconds(int_field(OP, "cors", m, "max-age", 0)?)
            .build()
            .map_err(|e| OpError::invalid(OP, e.to_string()))?;
        rules.push(rule);
    }
    CorsConfiguration::builder()
        .set_cors_rules(Some(rules))
        .build()
        .map_err(|e| OpError::invalid(OP, e.to_string()))
}

fn cors_from_sdk(rules: &[CorsRule]) -> Value {
    let items = rules
        .iter()
        .map(|r| {
            let mut m = BTreeMap::new();
            if let Some(id) = r.id() {
                m.insert("id".to_string(), Value::String(id.to_string()));
            }
            m.insert(
                "allowed-origins".to_string(),
                string_list(r.allowed_origins()),
            );
            m.insert(
                "allowed-methods".to_string(),
                string_list(r.allowed_methods()),
            );
            if !r.allowed_headers().is_empty() {
                m.insert(
                    "allowed-headers".to_string(),
                    string_list(r.allowed_headers()),
                );
            }
            if !r.expose_headers().is_empty() {
                m.insert(
                    "expose-headers".to_string(),
                    string_list(r.expose_headers()),
                );
            }
            if let Some(age) = r.max_age_seconds() {
                m.insert("max-age".to_string(), Value::Int(i64::from(age)));
            }
            m
        })
        .collect();
    sorted_by_id(items)
}

/// The policy text, checked to be a JSON object (S3 refuses anything else, and a malformed
/// policy is cheaper to catch here).
fn policy_to_sdk(v: &Value) -> Result<String, OpError> {
    const OP: &str = "PutBucketPolicy";
    let text = match v {
        Value::String(s) => s.clone(),
        // A policy written as a structured value: serialize it.
        Value::Map(_) | Value::List(_) => v.to_json().to_string(),
        other => {
            return Err(OpError::invalid(
                OP,
                format!("`policy` must be a JSON document, not {other}"),
            ))
        }
    };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(_)) => Ok(text),
        Ok(_) => Err(OpError::invalid(OP, "`policy` must be a JSON object")),
        Err(e) => Err(OpError::invalid(
            OP,
            format!("`policy` is not valid JSON: {e}"),
        )),
    }
}

const SSE_ALGORITHMS: &[&str] = &["AES256", "aws:kms", "aws:kms:dsse"];

fn encryption_to_sdk(v: &Value) -> Result<ServerSideEncryptionConfiguration, OpError> {
    const OP: &str = "PutBucketEncryption";
    let m = map_value(OP, "encryption", v)?;
    let algorithm = str_field(OP, "encryption", m, "algorithm")?.unwrap_or("AES256");
    if !SSE_ALGORITHMS.contains(&algorithm) {
        return Err(OpError::invalid(
            OP,
            format!("`encryption algorithm` is AES256, aws:kms or aws:kms:dsse, not `{algorithm}`"),
        ));
    }
    let key = str_field(OP, "encryption", m, "kms-key")?;
    if key.is_some() && algorithm == "AES256" {
        return Err(OpError::invalid(
            OP,
            "`encryption kms-key` needs `algorithm=\"aws:kms\"` (AES256 uses S3-managed keys)",
        ));
    }
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::from(algorithm))
        .set_kms_master_key_id(key.map(str::to_string))
        .build()
        .map_err(|e| OpError::invalid(OP, e.to_string()))?;
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(by_default)
        .set_bucket_key_enabled(bool_field(OP, "encryption", m, "bucket-key")?)
        .build();
    ServerSideEncryptionConfiguration::builder()
        .rules(rule)
        .build()
        .map_err(|e| OpError::invalid(OP, e.to_string()))
}

fn encryption_from_sdk(conf: &ServerSideEncryptionConfiguration) -> Option<Value> {
    let rule = conf.rules().first()?;
    let by_default = rule.apply_server_side_encryption_by_default()?;
    let mut m = BTreeMap::new();
    m.insert(
        "algorithm".to_string(),
        Value::String(by_default.sse_algorithm().as_str().to_string()),
    );
    if let Some(key) = by_default.kms_master_key_id() {
        m.insert("kms-key".to_string(), Value::String(key.to_string()));
    }
    if let Some(b) = rule.bucket_key_enabled() {
        m.insert("bucket-key".to_string(), Value::Bool(b));
    }
    Some(Value::Map(m))
}

const PAB_FIELDS: [&str; 4] = [
    "block-public-acls",
    "ignore-public-acls",
    "block-public-policy",
    "restrict-public-buckets",
];

/// Every field is sent; an unset one is `false` (what AWS assumes for a field not sent).
fn pab_to_sdk(v: &Value) -> Result<PublicAccessBlockConfiguration, OpError> {
    const OP: &str = "PutPublicAccessBlock";
    const ATTR: &str = "public-access-block";
    let m = map_value(OP, ATTR, v)?;
    let f = |field| bool_field(OP, ATTR, m, field).map(|b| b.unwrap_or(false));
    Ok(PublicAccessBlockConfiguration::builder()
        .block_public_acls(f(PAB_FIELDS[0])?)
        .ignore_public_acls(f(PAB_FIELDS[1])?)
        .block_public_policy(f(PAB_FIELDS[2])?)
        .restrict_public_buckets(f(PAB_FIELDS[3])?)
        .build())
}

fn pab_from_sdk(c: &PublicAccessBlockConfiguration) -> Value {
    let values = [
        c.block_public_acls(),
        c.ignore_public_acls(),
        c.block_public_policy(),
        c.restrict_public_buckets(),
    ];
    Value::Map(
        PAB_FIELDS
            .iter()
            .zip(values)
            .map(|(k, v)| (k.to_string(), Value::Bool(v.unwrap_or(false))))
            .collect(),
    )
}

const OWNERSHIPS: &[&str] = &[
    "BucketOwnerEnforced",
    "BucketOwnerPreferred",
    "ObjectWriter",
];

fn ownership_to_sdk(v: &Value) -> Result<OwnershipControls, OpError> {
    const OP: &str = "PutBucketOwnershipControls";
    let s = v
        .as_str()
        .filter(|s| OWNERSHIPS.contains(s))
        .ok_or_else(|| {
            OpError::invalid(
                OP,
                format!("`object-ownership` is BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter, not {v}"),
            )
        })?;
    let rule = OwnershipControlsRule::builder()
        .object_ownership(ObjectOwnership::from(s))
        .build()
        .map_err(|e| OpError::invalid(OP, e.to_string()))?;
    OwnershipControls::builder()
        .rules(rule)
        .build()
        .map_err(|e| OpError::invalid(OP, e.to_string()))
}

fn lifecycle_to_sdk(v: &Value) -> Result<BucketLifecycleConfiguration, OpError> {
    const OP: &str = "PutBucketLifecycleConfiguration";
    const ATTR: &str = "lifecycle-rule";
    let items = blocks(OP, ATTR, v)?;
    if items.len() > 1000 {
        return Err(OpError::invalid(
            OP,
            "S3 takes at most 1000 lifecycle rules",
        ));
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut rules = Vec::new();
    for m in items {
        let id = str_field(OP, ATTR, m, "id")?
            .ok_or_else(|| OpError::invalid(OP, "a `lifecycle-rule` needs an id (its label)"))?;
        if id.is_empty() || id.len() > 255 {
            return Err(OpError::invalid(
                OP,
                format!("lifecycle rule id `{id}` must have 1 to 255 characters"),
            ));
        }
        if !ids.insert(id) {
            return Err(OpError::invalid(
                OP,
                format!("two lifecycle rules have the id `{id}`"),
            ));
        }
        let expiration = int_field(OP, ATTR, m, "expiration-days", 1)?;
        let noncurrent = int_field(OP, ATTR, m, "noncurrent-expiration-days", 1)?;
        let abort = int_field(OP, ATTR, m, "abort-incomplete-upload-days", 1)?;
        if expiration.is_none() && noncurrent.is_none() && abort.is_none() {
            return Err(OpError::invalid(
                OP,
                format!("lifecycle rule `{id}` needs an action: expiration-days, noncurrent-expiration-days or abort-incomplete-upload-days"),
            ));
        }
        let enabled = bool_field(OP, ATTR, m, "enabled")?.unwrap_or(true);
        let prefix = str_field(OP, ATTR, m, "prefix")?.unwrap_or("");
        let rule = LifecycleRule::builder()
            .id(id)
            .filter(LifecycleRuleFilter::builder().prefix(prefix).build())
            .status(if enabled {
                ExpirationStatus::Enabled
            } else {
                ExpirationStatus::Disabled
            })
            .set_expiration(expiration.map(|d| LifecycleExpiration::builder().days(d).build()))
            .set_noncurrent_version_expiration(noncurrent.map(|d| {
                NoncurrentVersionExpiration::builder()
                    .noncurrent_days(d)
                    .build()
            }))
            .set_abort_incomplete_multipart_upload(abort.map(|d| {
                AbortIncompleteMultipartUpload::builder()
                    .days_after_initiation(d)
                    .build()
            }))
            .build()
            .map_err(|e| OpError::invalid(OP, e.to_string()))?;
        rules.push(rule);
    }
    BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| OpError::invalid(OP, e.to_string()))
}

fn lifecycle_from_sdk(rules: &[LifecycleRule]) -> Value {
    let items = rules
        .iter()
        .map(|r| {
            let mut m = BTreeMap::new();
            if let Some(id) = r.id() {
                m.insert("id".to_string(), Value::String(id.to_string()));
            }
            #[allow(deprecated)] // rules made before filters carry a top-level prefix
            let prefix = r.filter().and_then(|f| f.prefix()).or(r.prefix());
            if let Some(p) = prefix.filter(|p| !p.is_empty()) {
                m.insert("prefix".to_string(), Value::String(p.to_string()));
            }
            m.insert(
                "enabled".to_string(),
                Value::Bool(*r.status() == ExpirationStatus::Enabled),
            );
            if let Some(d) = r.expiration().and_then(|e| e.days()) {
                m.insert("expiration-days".to_string(), Value::Int(i64::from(d)));
            }
            if let Some(d) = r
                .noncurrent_version_expiration()
                .and_then(|e| e.noncurrent_days())
            {
                m.insert(
                    "noncurrent-expiration-days".to_string(),
                    Value::Int(i64::from(d)),
                );
            }
            if let Some(d) = r
                .abort_incomplete_multipart_upload()
                .and_then(|a| a.days_after_initiation())
            {
                m.insert(
                    "abort-incomplete-upload-days".to_string(),
                    Value::Int(i64::from(d)),
                );
            }
            m
        })
        .collect();
    sorted_by_id(items)
}

fn tags_to_sdk(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, OpError> {
    const OP: &str = "PutBucketTagging";
    if tags.len() > 50 {
        return Err(OpError::invalid(
            OP,
            format!("S3 takes at most 50 tags, not {}", tags.len()),
        ));
    }
    tags.iter()
        .map(|(k, v)| {
            if k.is_empty() || k.chars().count() > 128 {
                return Err(OpError::invalid(
                    OP,
                    format!("tag key `{k}` must have 1 to 128 characters"),
                ));
            }
            if k.starts_with("aws:") {
                return Err(OpError::invalid(
                    OP,
                    format!("tag key `{k}`: the aws: prefix is reserved"),
                ));
            }
            if v.chars().count() > 256 {
                return Err(OpError::invalid(
                    OP,
                    format!("the value of tag `{k}` is longer than 256 characters"),
                ));
            }
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| OpError::invalid(OP, e.to_string()))
        })
        .collect()
}

fn tagging_to_sdk(tags: &BTreeMap<String, String>) -> Result<Tagging, OpError> {
    Tagging::builder()
        .set_tag_set(Some(tags_to_sdk(tags)?))
        .build()
        .map_err(|e| OpError::invalid("PutBucketTagging", e.to_string()))
}

fn tags_from_sdk(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// GetBucketLocation's constraint as a region: none means us-east-1, `EU` eu-west-1.
fn normalize_location(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_string(),
        Some("EU") => "eu-west-1".to_string(),
        Some(r) => r.to_string(),
    }
}

fn partition(region: &str) -> (&'static str, &'static str) {
    if region.starts_with("cn-") {
        ("aws-cn", "amazonaws.com.cn")
    } else if region.starts_with("us-gov-") {
        ("aws-us-gov", "amazonaws.com")
    } else {
        ("aws", "amazonaws.com")
    }
}

/// The attributes computed from the name and the region.
fn computed_attrs(name: &str, region: &str) -> Attrs {
    let (partition, suffix) = partition(region);
    let mut attrs = Attrs::new();
    attrs.insert("name".into(), Value::String(name.to_string()));
    attrs.insert(
        "arn".into(),
        Value::String(format!("arn:{partition}:s3:::{name}")),
    );
    attrs.insert("region".into(), Value::String(region.to_string()));
    attrs.insert(
        "domain-name".into(),
        Value::String(format!("{name}.s3.{suffix}")),
    );
    attrs.insert(
        "regional-domain-name".into(),
        Value::String(format!("{name}.s3.{region}.{suffix}")),
    );
    if let Some(zone) = website_hosted_zone_id(region) {
        attrs.insert("hosted-zone-id".into(), Value::String(zone.to_string()));
    }
    attrs
}

/// The website endpoint host: the older regions use `s3-website-REGION`, the newer
/// `s3-website.REGION`.
fn website_endpoint(name: &str, region: &str) -> String {
    const DASH_REGIONS: &[&str] = &[
        "us-east-1",
        "us-west-1",
        "us-west-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "eu-west-1",
        "sa-east-1",
        "us-gov-west-1",
    ];
    let (_, suffix) = partition(region);
    if DASH_REGIONS.contains(&region) {
        format!("{name}.s3-website-{region}.{suffix}")
    } else {
        format!("{name}.s3-website.{region}.{suffix}")
    }
}

/// Route53 hosted zone id of a region's S3 website endpoint (for alias records), from AWS's
/// endpoint table (docs.aws.amazon.com/general/latest/gr/s3.html#s3_website_region_endpoints).
fn website_hosted_zone_id(region: &str) -> Option<&'static str> {
    Some(match region {
        "af-south-1" => "Z83WF9RJE8B12",
        "ap-east-1" => "ZNB98KWMFR0R6",
        "ap-northeast-1" => "Z2M4EHUR26P7ZW",
        "ap-northeast-2" => "Z3W03O7B5YMIYP",
        "ap-northeast-3" => "Z2YQB5RD63NC85",
        "ap-south-1" => "Z11RGJOFQNVJUP",
        "ap-south-2" => "Z02976202B4EZMXIPMXF7",
        "ap-southeast-1" => "Z3O0J2DXBE1FTB",
        "ap-southeast-2" => "Z1WCIGYICN2BYD",
        "ap-southeast-3" => "Z01846753K324LI26A3VV",
        "ap-southeast-4" => "Z0312387243XT5FE14WFO",
        "ca-central-1" => "Z1QDHH18159H29",
        "ca-west-1" => "Z03565811Z33SLEZTHOUL",
        "cn-north-1" => "Z5CN8UMXT92WN",
        "cn-northwest-1" => "Z282HJ1KT0DH03",
        "eu-central-1" => "Z21DNDUVLTQW6Q",
        "eu-central-2" => "Z030506016YDQGETNASS",
        "eu-north-1" => "Z3BAZG2TWCNX0D",
        "eu-south-1" => "Z30OZKI7KPW7MI",
        "eu-south-2" => "Z0081959F7139GRJC19J",
        "eu-west-1" => "Z1BKCTXD74EZPE",
        "eu-west-2" => "Z3GKZC51ZF0DB4",
        "eu-west-3" => "Z3R1K369G5AVDG",
        "il-central-1" => "Z09640613K4A3MN55U7GU",
        "me-central-1" => "Z06143092I8HRXZRUZROF",
        "me-south-1" => "Z1MPMWCPA7YB62",
        "sa-east-1" => "Z7KQH4QJS55SO",
        "us-east-1" => "Z3AQBSTGFYJSTF",
        "us-east-2" => "Z2O1EMRO9K5GLX",
        "us-gov-east-1" => "Z2NIFVYYW2VKV1",
        "us-gov-west-1" => "Z31GFT0UA1I2HV",
        "us-west-1" => "Z2F56UZL2M1ACD",
        "us-west-2" => "Z3BJ6K6RIION7M",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.to_string())
    }

    fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn strings(items: &[&str]) -> Value {
        Value::List(items.iter().map(|i| s(i)).collect())
    }

    fn invalid_op(err: OpError) -> String {
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        err.operation
    }

    #[test]
    fn bucket_names_follow_s3_rules() {
        for ok in ["ecogy-dev-site", "a.b.c", "abc", "x1-2.y", &"a".repeat(63)] {
            validate_bucket_name(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "Ecogy",
            "ab",
            &"a".repeat(64),
            "a..b",
            "-abc",
            "abc-",
            ".abc",
            "a_b",
            "10.0.0.1",
            "xn--abc",
            "sthree-x",
            "abc-s3alias",
            "abc--ol-s3",
            "abc.mrap",
        ] {
            let err = validate_bucket_name(bad).unwrap_err();
            assert_eq!(invalid_op(err), "CreateBucket", "{bad}");
        }
        // An IP-like name needs four numeric parts.
        validate_bucket_name("1.2.3").unwrap();
    }

    #[test]
    fn versioning_round_trips_and_never_versioned_is_off() {
        for on in [true, false] {
            let c = versioning_to_sdk(on);
            assert_eq!(versioning_from_sdk(c.status()), on);
        }
        assert!(!versioning_from_sdk(None));
        assert_eq!(
            versioning_to_sdk(false).status(),
            Some(&BucketVersioningStatus::Suspended)
        );
    }

    #[test]
    fn misrooted_versioning_bodies_are_read() {
        let moto = r#"<?xml version="1.0" encoding="utf-8"?>
<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></GetBucketVersioningResponse>"#;
        assert_eq!(
            versioning_status_from_xml(moto),
            Some(Some(BucketVersioningStatus::Enabled))
        );
        let never =
            r#"<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>"#;
        assert_eq!(versioning_status_from_xml(never), Some(None));
        assert_eq!(
            versioning_status_from_xml("<Error><Code>X</Code></Error>"),
            None
        );
    }

    #[test]
    fn website_index_and_error_round_trip() {
        let v = map(&[("index", s("index.html")), ("error", s("404.html"))]);
        let w = website_to_sdk(&v).unwrap();
        assert_eq!(w.index_document().unwrap().suffix(), "index.html");
        assert_eq!(w.error_document().unwrap().key(), "404.html");
        assert!(w.redirect_all_requests_to().is_none());
        assert_eq!(
            website_from_sdk(
                w.index_document(),
                w.error_document(),
                w.redirect_all_requests_to()
            ),
            Some(v)
        );
        assert_eq!(website_from_sdk(None, None, None), None);
    }

    #[test]
    fn website_redirect_keeps_its_protocol() {
        for target in ["www.ecogy.io", "https://www.ecogy.io", "http://a.io"] {
            let v = map(&[("redirect-all-to", s(target))]);
            let w = website_to_sdk(&v).unwrap();
            let r = w.redirect_all_requests_to().unwrap();
            assert_eq!(r.host_name(), target.rsplit("://").next().unwrap());
            assert_eq!(website_from_sdk(None, None, Some(r)), Some(v));
        }
    }

    #[test]
    fn website_refuses_impossible_combinations() {
        for bad in [
            map(&[("error", s("e.html"))]),
            map(&[("index", s("a/index.html"))]),
            map(&[("index", s("i.html")), ("redirect-all-to", s("x.io"))]),
            map(&[("redirect-all-to", s("ftp://x.io"))]),
            map(&[("redirect-all-to", s("x.io/path"))]),
            s("index.html"),
        ] {
            let err = website_to_sdk(&bad).unwrap_err();
            assert_eq!(invalid_op(err), "PutBucketWebsite", "{bad}");
        }
    }

    #[test]
    fn cors_round_trips_sorted_by_id() {
        let upload = map(&[
            ("id", s("upload")),
            ("allowed-origins", strings(&["https://app.ecogy.io"])),
            ("allowed-methods", strings(&["PUT", "POST"])),
            ("allowed-headers", strings(&["*"])),
            ("expose-headers", strings(&["ETag"])),
            ("max-age", Value::Int(600)),
        ]);
        let read = map(&[
            ("id", s("read")),
            ("allowed-origins", strings(&["*"])),
            ("allowed-methods", strings(&["GET"])),
        ]);
        let c = cors_to_sdk(&Value::List(vec![upload.clone(), read.clone()])).unwrap();
        assert_eq!(c.cors_rules().len(), 2);
        // Sent in the configured order (S3 matches the first rule that applies)...
        assert_eq!(c.cors_rules()[0].id(), Some("upload"));
        assert_eq!(c.cors_rules()[0].max_age_seconds(), Some(600));
        assert!(c.cors_rules()[1].allowed_headers().is_empty());
        // ...read back sorted by id.
        assert_eq!(
            cors_from_sdk(c.cors_rules()),
            Value::List(vec![read, upload])
        );
    }

    #[test]
    fn cors_refuses_bad_rules() {
        let rule = |entries: &[(&str, Value)]| Value::List(vec![map(entries)]);
        for bad in [
            rule(&[("allowed-methods", strings(&["GET"]))]),
            rule(&[("allowed-origins", strings(&["*"]))]),
            rule(&[
                ("allowed-origins", strings(&["*"])),
                ("allowed-methods", strings(&["PATCH"])),
            ]),
            rule(&[
                ("allowed-origins", strings(&["*"])),
                ("allowed-methods", strings(&["GET"])),
                ("max-age", Value::Int(-1)),
            ]),
            Value::List(vec![
                map(&[
                    ("id", s("a")),
                    ("allowed-origins", strings(&["*"])),
                    ("allowed-methods", strings(&["GET"])),
                ]),
                map(&[
                    ("id", s("a")),
                    ("allowed-origins", strings(&["*"])),
                    ("allowed-methods", strings(&["GET"])),
                ]),
            ]),
        ] {
            let err = cors_to_sdk(&bad).unwrap_err();
            assert_eq!(invalid_op(err), "PutBucketCors", "{bad}");
        }
    }

    #[test]
    fn policy_must_be_a_json_object() {
        let text = r#"{"Version":"2012-10-17","Statement":[]}"#;
        assert_eq!(policy_to_sdk(&s(text)).unwrap(), text, "sent as written");
        for bad in [s("{"), s("[]"), s("\"x\""), Value::Int(1)] {
            assert_eq!(
                invalid_op(policy_to_sdk(&bad).unwrap_err()),
                "PutBucketPolicy"
            );
        }
        let structured = map(&[("Version", s("2012-10-17"))]);
        assert_eq!(
            policy_to_sdk(&structured).unwrap(),
            r#"{"Version":"2012-10-17"}"#
        );
    }

    #[test]
    fn encryption_round_trips() {
        let kms = map(&[
            ("algorithm", s("aws:kms")),
            ("kms-key", s("alias/ecogy")),
            ("bucket-key", Value::Bool(true)),
        ]);
        let c = encryption_to_sdk(&kms).unwrap();
        let by_default = c.rules()[0]
            .apply_server_side_encryption_by_default()
            .unwrap();
        assert_eq!(by_default.sse_algorithm(), &ServerSideEncryption::AwsKms);
        assert_eq!(encryption_from_sdk(&c), Some(kms));

        // The algorithm defaults to AES256; bucket-key is sent only when set.
        let c = encryption_to_sdk(&map(&[])).unwrap();
        assert_eq!(c.rules()[0].bucket_key_enabled(), None);
        assert_eq!(
            encryption_from_sdk(&c),
            Some(map(&[("algorithm", s("AES256"))]))
        );
    }

    #[test]
    fn encryption_refuses_bad_values() {
        for bad in [
            map(&[("algorithm", s("DES"))]),
            map(&[("kms-key", s("alias/x"))]),
            map(&[("algorithm", s("AES256")), ("kms-key", s("alias/x"))]),
            map(&[("bucket-key", s("yes"))]),
        ] {
            let err = encryption_to_sdk(&bad).unwrap_err();
            assert_eq!(invalid_op(err), "PutBucketEncryption", "{bad}");
        }
    }

    #[test]
    fn public_access_block_sends_every_field() {
        let v = map(&[("block-public-acls", Value::Bool(true))]);
        let c = pab_to_sdk(&v).unwrap();
        assert_eq!(c.block_public_acls(), Some(true));
        assert_eq!(c.ignore_public_acls(), Some(false));
        assert_eq!(c.block_public_policy(), Some(false));
        assert_eq!(c.restrict_public_buckets(), Some(false));
        assert_eq!(
            pab_from_sdk(&c),
            map(&[
                ("block-public-acls", Value::Bool(true)),
                ("ignore-public-acls", Value::Bool(false)),
                ("block-public-policy", Value::Bool(false)),
                ("restrict-public-buckets", Value::Bool(false)),
            ])
        );
    }

    #[test]
    fn policy_goes_first_only_when_the_new_block_refuses_public_policies() {
        let with_block = |on: bool| {
            Attrs::from([(
                "public-access-block".to_string(),
                map(&[("block-public-policy", Value::Bool(on))]),
            )])
        };
        assert!(policy_before_public_access_block(&with_block(true)));
        assert!(!policy_before_public_access_block(&with_block(false)));
        assert!(!policy_before_public_access_block(&Attrs::new()));
    }

    #[test]
    fn object_ownership_values() {
        for ok in OWNERSHIPS {
            let c = ownership_to_sdk(&s(ok)).unwrap();
            assert_eq!(c.rules()[0].object_ownership().as_str(), *ok);
        }
        let err = ownership_to_sdk(&s("Everyone")).unwrap_err();
        assert_eq!(invalid_op(err), "PutBucketOwnershipControls");
    }

    #[test]
    fn lifecycle_round_trips_sorted_by_id() {
        let logs = map(&[
            ("id", s("logs")),
            ("prefix", s("logs/")),
            ("enabled", Value::Bool(true)),
            ("expiration-days", Value::Int(30)),
            ("noncurrent-expiration-days", Value::Int(7)),
        ]);
        let uploads = map(&[
            ("id", s("abort")),
            ("enabled", Value::Bool(false)),
            ("abort-incomplete-upload-days", Value::Int(2)),
        ]);
        let c = lifecycle_to_sdk(&Value::List(vec![logs.clone(), uploads.clone()])).unwrap();
        let rule = &c.rules()[0];
        assert_eq!(rule.filter().unwrap().prefix(), Some("logs/"));
        assert_eq!(rule.status(), &ExpirationStatus::Enabled);
        // No prefix: an empty filter prefix (every key).
        assert_eq!(c.rules()[1].filter().unwrap().prefix(), Some(""));
        assert_eq!(
            lifecycle_from_sdk(c.rules()),
            Value::List(vec![uploads, logs])
        );
    }

    #[test]
    fn lifecycle_refuses_bad_rules() {
        for bad in [
            Value::List(vec![map(&[("id", s("nothing"))])]),
            Value::List(vec![map(&[("expiration-days", Value::Int(3))])]),
            Value::List(vec![map(&[
                ("id", s("zero")),
                ("expiration-days", Value::Int(0)),
            ])]),
        ] {
            let err = lifecycle_to_sdk(&bad).unwrap_err();
            assert_eq!(invalid_op(err), "PutBucketLifecycleConfiguration", "{bad}");
        }
    }

    #[test]
    fn tags_round_trip_and_are_checked() {
        let tags = BTreeMap::from([
            ("eco:project".to_string(), "ecogy".to_string()),
            ("team".to_string(), "platform".to_string()),
        ]);
        let t = tagging_to_sdk(&tags).unwrap();
        assert_eq!(tags_from_sdk(t.tag_set()), tags);
        let reserved = BTreeMap::from([("aws:x".to_string(), "y".to_string())]);
        assert_eq!(
            invalid_op(tags_to_sdk(&reserved).unwrap_err()),
            "PutBucketTagging"
        );
        let many: BTreeMap<String, String> = (0..51)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        assert_eq!(
            invalid_op(tags_to_sdk(&many).unwrap_err()),
            "PutBucketTagging"
        );
    }

    #[test]
    fn validate_checks_every_configured_attribute() {
        let good = Attrs::from([
            ("name".to_string(), s("ecogy-dev-site")),
            ("versioning".to_string(), Value::Bool(true)),
            ("website".to_string(), map(&[("index", s("index.html"))])),
            ("tags".to_string(), map(&[("team", s("platform"))])),
        ]);
        validate(&good).unwrap();
        let mut bad = good.clone();
        bad.insert("versioning".into(), s("yes"));
        assert_eq!(
            invalid_op(validate(&bad).unwrap_err()),
            "PutBucketVersioning"
        );
        let mut bad = good.clone();
        bad.insert("tags".into(), map(&[("n", Value::Int(1))]));
        assert_eq!(invalid_op(validate(&bad).unwrap_err()), "PutBucketTagging");
    }

    #[test]
    fn computed_attributes_by_region() {
        let a = computed_attrs("site", "us-east-1");
        assert_eq!(a["arn"], s("arn:aws:s3:::site"));
        assert_eq!(a["domain-name"], s("site.s3.amazonaws.com"));
        assert_eq!(
            a["regional-domain-name"],
            s("site.s3.us-east-1.amazonaws.com")
        );
        assert_eq!(a["hosted-zone-id"], s("Z3AQBSTGFYJSTF"));
        assert_eq!(
            website_endpoint("site", "us-east-1"),
            "site.s3-website-us-east-1.amazonaws.com"
        );
        assert_eq!(
            website_endpoint("site", "eu-central-1"),
            "site.s3-website.eu-central-1.amazonaws.com"
        );
        let cn = computed_attrs("site", "cn-north-1");
        assert_eq!(cn["arn"], s("arn:aws-cn:s3:::site"));
        assert_eq!(cn["domain-name"], s("site.s3.amazonaws.com.cn"));
        assert!(!computed_attrs("site", "xx-new-1").contains_key("hosted-zone-id"));
        assert_eq!(normalize_location(None), "us-east-1");
        assert_eq!(normalize_location(Some("")), "us-east-1");
        assert_eq!(normalize_location(Some("EU")), "eu-west-1");
        assert_eq!(normalize_location(Some("eu-west-2")), "eu-west-2");
    }

    #[test]
    fn conflict_messages_name_the_owner() {
        let ctx = OpContext::new("s3-bucket.site", "ecogy", "dev");
        let none = not_ours_message(&ctx, "b", &BTreeMap::new());
        assert!(none.contains("eco import s3-bucket.site b"), "{none}");
        let other = OpContext::new("s3-bucket.other", "ecogy", "prod").ownership_tags();
        let msg = not_ours_message(&ctx, "b", &other);
        assert!(
            msg.contains("s3-bucket.other") && msg.contains("prod"),
            "{msg}"
        );
    }
}
