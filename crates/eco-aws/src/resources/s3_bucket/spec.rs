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
    #[eco(
        replace,
        doc = "globally unique bucket name; S3 cannot rename a bucket"
    )]
    pub name: String,
    #[eco(
        local,
        doc = "empty the bucket (every object version) before deleting it; eco-only, no API call"
    )]
    pub force_destroy: Option<bool>,
    #[eco(
        doc = "keep every version of each object (PutBucketVersioning; #false suspends, S3 cannot un-version)"
    )]
    pub versioning: Option<bool>,
    #[eco(doc = "static website hosting (PutBucketWebsite / DeleteBucketWebsite)")]
    pub website: Option<Website>,
    #[eco(doc = "a CORS rule (PutBucketCors with every rule / DeleteBucketCors)")]
    pub cors: Vec<Cors>,
    #[eco(
        json,
        doc = "bucket policy, a JSON document compared semantically (PutBucketPolicy / DeleteBucketPolicy)"
    )]
    pub policy: Option<String>,
    #[eco(doc = "default server-side encryption (PutBucketEncryption)")]
    pub encryption: Option<Encryption>,
    #[eco(doc = "public access block settings (PutPublicAccessBlock / DeletePublicAccessBlock)")]
    pub public_access_block: Option<PublicAccessBlock>,
    #[eco(
        doc = "BucketOwnerEnforced (default, ACLs off), BucketOwnerPreferred or ObjectWriter (PutBucketOwnershipControls)"
    )]
    pub object_ownership: Option<Ownership>,
    #[eco(doc = "an object lifecycle rule (PutBucketLifecycleConfiguration with every rule)")]
    pub lifecycle_rule: Vec<Lifecycle>,
    #[eco(computed, doc = "bucket ARN, arn:aws:s3:::NAME")]
    pub arn: Option<String>,
    #[eco(computed, doc = "region the bucket lives in")]
    pub region: Option<String>,
    #[eco(computed, doc = "NAME.s3.amazonaws.com")]
    pub domain_name: Option<String>,
    #[eco(
        computed,
        doc = "NAME.s3.REGION.amazonaws.com, the CloudFront origin domain for OAC"
    )]
    pub regional_domain_name: Option<String>,
    #[eco(
        computed,
        doc = "website endpoint host when website hosting is configured"
    )]
    pub website_endpoint: Option<String>,
    #[eco(
        computed,
        doc = "Route53 hosted zone id of the bucket's region, for alias records"
    )]
    pub hosted_zone_id: Option<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Spec)]
pub struct Website {
    #[eco(doc = "index document suffix, e.g. index.html")]
    pub index: Option<String>,
    #[eco(doc = "error document key, e.g. index.html for a single-page app")]
    pub error: Option<String>,
    #[eco(doc = "redirect every request to this host name instead of serving objects")]
    pub redirect_all_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Spec)]
#[eco(label = "id")]
pub struct Cors {
    #[eco(doc = "rule id")]
    pub id: Option<String>,
    #[eco(required, doc = "origins allowed to make cross-origin requests")]
    pub allowed_origins: Vec<String>,
    #[eco(required, doc = "HTTP methods allowed: GET, PUT, POST, DELETE, HEAD")]
    pub allowed_methods: Vec<CorsMethod>,
    #[eco(doc = "request headers allowed in a preflight request")]
    pub allowed_headers: Vec<String>,
    #[eco(doc = "response headers the browser may read")]
    pub expose_headers: Vec<String>,
    #[eco(doc = "seconds a browser may cache the preflight response")]
    pub max_age: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, SpecEnum)]
pub enum CorsMethod {
    #[eco(rename = "GET")]
    Get,
    #[eco(rename = "PUT")]
    Put,
    #[eco(rename = "POST")]
    Post,
    #[eco(rename = "DELETE")]
    Delete,
    #[eco(rename = "HEAD")]
    Head,
}

#[derive(Debug, Clone, PartialEq, Spec)]
pub struct Encryption {
    #[eco(doc = "AES256 (default) or aws:kms")]
    pub algorithm: Option<SseAlgorithm>,
    #[eco(doc = "KMS key id or ARN when algorithm is aws:kms")]
    pub kms_key: Option<String>,
    #[eco(doc = "use an S3 bucket key to cut KMS requests")]
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
    #[eco(doc = "reject requests that add public ACLs")]
    pub block_public_acls: Option<bool>,
    #[eco(doc = "ignore existing public ACLs")]
    pub ignore_public_acls: Option<bool>,
    #[eco(doc = "reject bucket policies that grant public access")]
    pub block_public_policy: Option<bool>,
    #[eco(doc = "restrict access to buckets with public policies to AWS principals")]
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
    #[eco(doc = "rule id")]
    pub id: Option<String>,
    #[eco(doc = "key prefix the rule applies to (default: every key)")]
    pub prefix: Option<String>,
    #[eco(doc = "whether the rule is enabled (default #true)")]
    pub enabled: Option<bool>,
    #[eco(doc = "delete current objects this many days after creation")]
    pub expiration_days: Option<i64>,
    #[eco(doc = "delete noncurrent versions this many days after they become noncurrent")]
    pub noncurrent_expiration_days: Option<i64>,
    #[eco(doc = "abort incomplete multipart uploads after this many days")]
    pub abort_incomplete_upload_days: Option<i64>,
}
