//! The typed spec of `s3-bucket`: its attributes, written once. The schema comes from
//! [`S3Bucket`]; each sub-resource reads its attribute as the typed value below.

use std::collections::BTreeMap;

use eco_schema::{Spec, SpecEnum};

#[derive(Debug, Clone, Default, PartialEq, Spec)]
#[eco(
    resource = "s3-bucket",
    doc = "An S3 bucket: versioning, website hosting, CORS, policy, encryption, public access block",
    import_id = "the bucket name"
)]
pub struct S3Bucket {
    /// globally unique bucket name; S3 cannot rename a bucket
    #[eco(replace, name_rule = S3Bucket)]
    pub name: String,
    /// empty the bucket (every object version) before deleting it; eco-only, no API call
    #[eco(local)]
    pub force_destroy: Option<bool>,
    /// keep every version of each object (PutBucketVersioning; #false suspends, S3 cannot
    /// un-version)
    pub versioning: Option<bool>,
    /// static website hosting (PutBucketWebsite / DeleteBucketWebsite)
    pub website: Option<Website>,
    /// a CORS rule (PutBucketCors with every rule / DeleteBucketCors)
    pub cors: Vec<Cors>,
    /// bucket policy, a JSON document compared semantically (PutBucketPolicy / DeleteBucketPolicy)
    #[eco(json)]
    pub policy: Option<String>,
    /// default server-side encryption (PutBucketEncryption)
    pub encryption: Option<Encryption>,
    /// public access block settings (PutPublicAccessBlock / DeletePublicAccessBlock)
    pub public_access_block: Option<PublicAccessBlock>,
    /// BucketOwnerEnforced (default, ACLs off), BucketOwnerPreferred or ObjectWriter
    /// (PutBucketOwnershipControls)
    pub object_ownership: Option<Ownership>,
    /// an object lifecycle rule (PutBucketLifecycleConfiguration with every rule)
    pub lifecycle_rule: Vec<Lifecycle>,
    /// an event notification to a Lambda function, an SQS queue or an SNS topic
    /// (PutBucketNotificationConfiguration with every notification)
    pub notification: Vec<Notification>,
    /// bucket ARN, arn:aws:s3:::NAME
    #[eco(computed, derived_from = "name")]
    pub arn: Option<String>,
    /// region the bucket lives in
    #[eco(computed)]
    pub region: Option<String>,
    /// NAME.s3.amazonaws.com
    #[eco(computed, derived_from = "name")]
    pub domain_name: Option<String>,
    /// NAME.s3.REGION.amazonaws.com, the CloudFront origin domain for OAC
    #[eco(computed, derived_from = "name")]
    pub regional_domain_name: Option<String>,
    /// website endpoint host when website hosting is configured
    #[eco(computed)]
    pub website_endpoint: Option<String>,
    /// Route53 hosted zone id of the bucket's region, for alias records
    #[eco(computed)]
    pub hosted_zone_id: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Spec)]
pub struct Website {
    /// index document suffix, e.g. index.html
    pub index: Option<String>,
    /// error document key, e.g. index.html for a single-page app
    pub error: Option<String>,
    /// redirect every request to this host name instead of serving objects
    pub redirect_all_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(label = "id")]
pub struct Cors {
    /// rule id
    pub id: Option<String>,
    /// origins allowed to make cross-origin requests
    #[eco(required)]
    pub allowed_origins: Vec<String>,
    /// HTTP methods allowed: GET, PUT, POST, DELETE, HEAD
    #[eco(required)]
    pub allowed_methods: Vec<CorsMethod>,
    /// request headers allowed in a preflight request
    pub allowed_headers: Vec<String>,
    /// response headers the browser may read
    pub expose_headers: Vec<String>,
    /// seconds a browser may cache the preflight response
    pub max_age: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CorsMethod {
    Get,
    Put,
    Post,
    Delete,
    Head,
}

#[derive(Debug, Clone, PartialEq, Spec)]
pub struct Encryption {
    /// AES256 (default) or aws:kms
    pub algorithm: Option<SseAlgorithm>,
    /// KMS key id or ARN when algorithm is aws:kms
    pub kms_key: Option<String>,
    /// use an S3 bucket key to cut KMS requests
    pub bucket_key: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, SpecEnum)]
pub enum SseAlgorithm {
    #[eco(rename = "AES256")]
    Aes256,
    #[eco(rename = "aws:kms")]
    AwsKms,
    #[eco(rename = "aws:kms:dsse")]
    AwsKmsDsse,
}

#[derive(Debug, Clone, PartialEq, Spec)]
pub struct PublicAccessBlock {
    /// reject requests that add public ACLs
    pub block_public_acls: Option<bool>,
    /// ignore existing public ACLs
    pub ignore_public_acls: Option<bool>,
    /// reject bucket policies that grant public access
    pub block_public_policy: Option<bool>,
    /// restrict access to buckets with public policies to AWS principals
    pub restrict_public_buckets: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, SpecEnum)]
pub enum Ownership {
    BucketOwnerEnforced,
    BucketOwnerPreferred,
    ObjectWriter,
}

#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(label = "id")]
pub struct Lifecycle {
    /// rule id
    pub id: Option<String>,
    /// key prefix the rule applies to (default: every key)
    pub prefix: Option<String>,
    /// whether the rule is enabled (default #true)
    pub enabled: Option<bool>,
    /// delete current objects this many days after creation
    pub expiration_days: Option<i64>,
    /// delete noncurrent versions this many days after they become noncurrent
    pub noncurrent_expiration_days: Option<i64>,
    /// abort incomplete multipart uploads after this many days
    pub abort_incomplete_upload_days: Option<i64>,
    /// move current objects to a storage class some days after creation
    pub transition: Vec<Transition>,
}

/// A lifecycle transition: `transition "GLACIER" days=90`.
#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(label = "storage-class")]
pub struct Transition {
    /// storage class the objects move to
    pub storage_class: Option<StorageClass>,
    /// days after an object's creation
    #[eco(required, min = 0, max = 2147483647)]
    pub days: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StorageClass {
    Glacier,
    StandardIa,
    OnezoneIa,
    IntelligentTiering,
    DeepArchive,
    GlacierIr,
}

/// An event notification: `notification "thumbnails" { lambda-function-arn ...; events ... }`.
#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(label = "id")]
pub struct Notification {
    /// notification id
    pub id: Option<String>,
    /// ARN of the Lambda function to invoke (exactly one destination)
    pub lambda_function_arn: Option<String>,
    /// ARN of the SQS queue to send to (exactly one destination)
    pub queue_arn: Option<String>,
    /// ARN of the SNS topic to publish to (exactly one destination)
    pub topic_arn: Option<String>,
    /// the events that notify, e.g. s3:ObjectCreated:*
    #[eco(required, unordered)]
    pub events: Vec<S3Event>,
    /// only keys that begin with this
    pub filter_prefix: Option<String>,
    /// only keys that end with this
    pub filter_suffix: Option<String>,
}

/// An S3 event type, as AWS spells it.
#[derive(Debug, Clone, Copy, PartialEq, SpecEnum)]
pub enum S3Event {
    #[eco(rename = "s3:IntelligentTiering")]
    IntelligentTiering,
    #[eco(rename = "s3:LifecycleExpiration:*")]
    LifecycleExpirationAll,
    #[eco(rename = "s3:LifecycleExpiration:Delete")]
    LifecycleExpirationDelete,
    #[eco(rename = "s3:LifecycleExpiration:DeleteMarkerCreated")]
    LifecycleExpirationDeleteMarkerCreated,
    #[eco(rename = "s3:LifecycleTransition")]
    LifecycleTransition,
    #[eco(rename = "s3:ObjectAcl:Put")]
    ObjectAclPut,
    #[eco(rename = "s3:ObjectCreated:*")]
    ObjectCreatedAll,
    #[eco(rename = "s3:ObjectCreated:CompleteMultipartUpload")]
    ObjectCreatedCompleteMultipartUpload,
    #[eco(rename = "s3:ObjectCreated:Copy")]
    ObjectCreatedCopy,
    #[eco(rename = "s3:ObjectCreated:Post")]
    ObjectCreatedPost,
    #[eco(rename = "s3:ObjectCreated:Put")]
    ObjectCreatedPut,
    #[eco(rename = "s3:ObjectRemoved:*")]
    ObjectRemovedAll,
    #[eco(rename = "s3:ObjectRemoved:Delete")]
    ObjectRemovedDelete,
    #[eco(rename = "s3:ObjectRemoved:DeleteMarkerCreated")]
    ObjectRemovedDeleteMarkerCreated,
    #[eco(rename = "s3:ObjectRestore:*")]
    ObjectRestoreAll,
    #[eco(rename = "s3:ObjectRestore:Completed")]
    ObjectRestoreCompleted,
    #[eco(rename = "s3:ObjectRestore:Delete")]
    ObjectRestoreDelete,
    #[eco(rename = "s3:ObjectRestore:Post")]
    ObjectRestorePost,
    #[eco(rename = "s3:ObjectTagging:*")]
    ObjectTaggingAll,
    #[eco(rename = "s3:ObjectTagging:Delete")]
    ObjectTaggingDelete,
    #[eco(rename = "s3:ObjectTagging:Put")]
    ObjectTaggingPut,
    #[eco(rename = "s3:ReducedRedundancyLostObject")]
    ReducedRedundancyLostObject,
    #[eco(rename = "s3:Replication:*")]
    ReplicationAll,
    #[eco(rename = "s3:Replication:OperationFailedReplication")]
    ReplicationOperationFailedReplication,
    #[eco(rename = "s3:Replication:OperationMissedThreshold")]
    ReplicationOperationMissedThreshold,
    #[eco(rename = "s3:Replication:OperationNotTracked")]
    ReplicationOperationNotTracked,
    #[eco(rename = "s3:Replication:OperationReplicatedAfterThreshold")]
    ReplicationOperationReplicatedAfterThreshold,
}
