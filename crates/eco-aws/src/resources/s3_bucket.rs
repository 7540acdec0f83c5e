//! `s3-bucket`: an S3 bucket and its bucket-level configuration.
//!
//! AWS calls:
//! - read: HeadBucket, GetBucketLocation, GetBucketVersioning, GetBucketWebsite, GetBucketCors,
//!   GetBucketPolicy, GetBucketEncryption, GetPublicAccessBlock, GetBucketOwnershipControls,
//!   GetBucketLifecycleConfiguration, GetBucketTagging
//! - create: CreateBucket (LocationConstraint outside us-east-1), then the Put* calls below for
//!   whatever is configured
//! - update: PutBucketVersioning, PutBucketWebsite / DeleteBucketWebsite, PutBucketCors /
//!   DeleteBucketCors, PutBucketPolicy / DeleteBucketPolicy, PutBucketEncryption,
//!   PutPublicAccessBlock / DeletePublicAccessBlock, PutBucketOwnershipControls,
//!   PutBucketLifecycleConfiguration / DeleteBucketLifecycle, PutBucketTagging / DeleteBucketTagging
//! - delete: DeleteBucket (with `force-destroy`, first ListObjectVersions + DeleteObjects)
//! - import: by bucket name (HeadBucket, then the reads above)

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "s3-bucket";

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "An S3 bucket: versioning, website hosting, CORS, policy, encryption, public access block")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("globally unique bucket name; S3 cannot rename a bucket"),
        )
        .attr(
            Attribute::bool("force-destroy")
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
                        .doc("HTTP methods allowed: GET, PUT, POST, DELETE, HEAD"),
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
                    Attribute::string("algorithm").doc("AES256 (default) or aws:kms"),
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
                .doc("BucketOwnerEnforced (default, ACLs off), BucketOwnerPreferred or ObjectWriter (PutBucketOwnershipControls)"),
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
