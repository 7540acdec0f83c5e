//! `s3-bucket-policy`: the policy of one S3 bucket, as its own resource. The id (and import id)
//! is the bucket name.
//!
//! It exists so that a bucket and what its policy names can refer to each other without a
//! cycle: a CloudFront distribution takes the bucket's domain as its origin, and this policy
//! (which depends on both) grants that distribution's ARN. `s3-bucket`'s own `policy` stays for
//! the simple case; setting both on one bucket is refused by `eco validate` (the schema says
//! this type owns `s3-bucket`'s `policy`, see [`eco_schema::Owned`]).
//!
//! AWS calls:
//! - read: GetBucketPolicy (NoSuchBucketPolicy or NoSuchBucket: gone)
//! - find: GetBucketPolicy of the bucket `desired` names
//! - create / update: PutBucketPolicy (the whole document; putting it again changes nothing)
//! - delete: DeleteBucketPolicy (a bucket that is gone is success)
//! - import: by bucket name, as read
//! - list (`eco discover`): ListBuckets of this region, then GetBucketPolicy of each
//!
//! A bucket has one policy and a policy carries no tags: the bucket is what makes it this
//! address's, so a create that finds a policy on the bucket puts its own over it.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use eco_provider::{Attrs, Live, OpContext, OpError, ResourceProvider, Value};
use eco_schema::{Schema, Spec};

use super::s3_bucket::policy_to_sdk;
use crate::attrs::spec_of;
use crate::aws::{each_concurrently, has_code, op_error, Aws};
use crate::calls::{delete_if_present, get_optional};

/// A bucket policy's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "s3-bucket-policy",
    doc = "The policy of an S3 bucket, apart from the bucket (so the policy may name what refers to the bucket)",
    import_id = "the bucket name"
)]
pub struct S3BucketPolicy {
    /// name of the bucket, usually `${s3-bucket.NAME.name}`; another bucket is another policy
    #[eco(replace, name_rule = S3Bucket)]
    pub bucket: String,
    /// the policy document (KDL `policy { statement ... }` or JSON text), compared as JSON
    #[eco(json)]
    pub policy: String,
}

pub const TYPE_NAME: &str = S3BucketPolicy::TYPE_NAME;
const TY: &str = TYPE_NAME;

/// S3 answers with these when there is no policy to read: none set, or no bucket.
const ABSENT: &[&str] = &["NoSuchBucketPolicy", "NoSuchBucket"];

/// What AWS answers this type's calls with for a while before they succeed.
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[eco_provider::Transient {
    operations: &["PutBucketPolicy"],
    codes: &["NoSuchBucket"],
    message: None,
    budget: std::time::Duration::from_secs(120),
    why: "S3 does not yet see the bucket it has just created everywhere",
}];

/// How many buckets `list` asks for their policy at once.
const LIST_READS: usize = 10;

pub fn schema() -> Schema {
    S3BucketPolicy::schema().owns(eco_schema::Owned {
        by: "bucket",
        of_type: super::s3_bucket::TYPE_NAME,
        key: "name",
        attribute: "policy",
    })
}

impl S3BucketPolicy {
    fn live(self) -> Live {
        Live {
            id: self.bucket.clone(),
            attrs: self.to_attrs(),
        }
    }
}

/// The `s3-bucket-policy` operations, on the stage's S3 client.
pub struct Provider {
    s3: Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            s3: aws.s3(),
            schema: schema(),
        }
    }

    /// The policy of `bucket`, if it has one (GetBucketPolicy).
    async fn read_policy(&self, bucket: &str) -> Result<Option<Live>, OpError> {
        let call = self.s3.get_bucket_policy().bucket(bucket).send();
        let got = get_optional("GetBucketPolicy", |e| has_code(e, ABSENT), call).await?;
        Ok(got.and_then(|out| {
            let policy = out.policy()?.to_string();
            Some(
                S3BucketPolicy {
                    bucket: bucket.to_string(),
                    policy,
                }
                .live(),
            )
        }))
    }

    /// PutBucketPolicy with `desired`'s document (checked to be a JSON object first).
    async fn put(&self, desired: &Attrs, operation: &str) -> Result<Live, OpError> {
        let want: S3BucketPolicy = spec_of(desired, TY, operation)?;
        super::s3_bucket::validate_bucket_name(&want.bucket)?;
        let text = policy_to_sdk(&Value::String(want.policy.clone()))?;
        self.s3
            .put_bucket_policy()
            .bucket(&want.bucket)
            .policy(&text)
            .send()
            .await
            .map_err(|e| named(op_error("PutBucketPolicy", e), &want.bucket))?;
        Ok(S3BucketPolicy {
            bucket: want.bucket,
            policy: text,
        }
        .live())
    }
}

/// An error with the bucket named (the policy's address is the caller's).
fn named(mut err: OpError, bucket: &str) -> OpError {
    err.message = format!("{TY} of bucket `{bucket}`: {}", err.message);
    err
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(TRANSIENT);

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_policy(id).await
    }

    async fn find(&self, _: &OpContext, desired: &Attrs, _: &str) -> Result<Option<Live>, OpError> {
        let want: S3BucketPolicy = spec_of(desired, TY, "GetBucketPolicy")?;
        self.read_policy(&want.bucket).await
    }

    async fn create(&self, _: &OpContext, desired: &Attrs, _: &str) -> Result<Live, OpError> {
        self.put(desired, "PutBucketPolicy").await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        _changed: &[String],
    ) -> Result<Live, OpError> {
        let want: S3BucketPolicy = spec_of(desired, TY, "PutBucketPolicy")?;
        if want.bucket != id {
            return Err(OpError::invalid(
                "PutBucketPolicy",
                format!("{TY}: another bucket is another policy: a change of `bucket` replaces it"),
            ));
        }
        self.put(desired, "PutBucketPolicy").await
    }

    /// DeleteBucketPolicy; a bucket that is gone is success (S3 answers a bucket without a
    /// policy with success too).
    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let call = self.s3.delete_bucket_policy().bucket(id).send();
        delete_if_present("DeleteBucketPolicy", |e| has_code(e, ABSENT), call)
            .await
            .map_err(|e| named(e, id))
    }

    async fn import(&self, _ctx: &OpContext, import_id: &str) -> Result<Option<Live>, OpError> {
        self.read_policy(import_id).await
    }

    /// The policies of this region's buckets: ListBuckets (every page), then GetBucketPolicy of
    /// each, a few at a time.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        Some(self.list_all().await)
    }
}

impl Provider {
    async fn list_all(&self) -> Result<Vec<Live>, OpError> {
        let region = self.s3.config().region().map(|r| r.to_string());
        let names: Vec<String> = super::s3_bucket::list_buckets(&self.s3, region.as_deref())
            .await?
            .into_iter()
            .filter(|(_, listed)| match (listed.as_deref(), region.as_deref()) {
                // A bucket of another region is not this client's.
                (Some(listed), Some(ours)) => listed == ours,
                _ => true,
            })
            .map(|(name, _)| name)
            .collect();
        let found = each_concurrently(names, LIST_READS, |name| async move {
            self.read_policy(&name).await
        })
        .await?;
        Ok(found.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_owns_the_buckets_policy_and_names_the_bucket() {
        let schema = schema();
        assert_eq!(schema.type_name, "s3-bucket-policy");
        assert_eq!(schema.owns.len(), 1);
        let owned = &schema.owns[0];
        assert_eq!(
            (owned.by, owned.of_type, owned.key, owned.attribute),
            ("bucket", "s3-bucket", "name", "policy")
        );
        assert!(schema.attribute("policy").unwrap().json);
        assert!(schema.attribute("bucket").unwrap().name_rule.is_some());
    }
}
