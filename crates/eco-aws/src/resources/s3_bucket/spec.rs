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
}
