//! What ListBuckets answers, for the bucket provider: the batched refresh (`read_batch`), the
//! listing `eco import` and `list` walk (`list_all`), and the run's one listing that us-east-1
//! creates consult instead of a HeadBucket each (`may_exist`).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use eco_provider::{Live, OpContext, OpError, OpResult, Value};

use super::{Head, Provider};
use crate::aws::{each_concurrently, op_error, partition};
use crate::tags::tags_value;

/// How many buckets a batched refresh reads at once.
const BATCH_READS: usize = 10;

impl Provider {
    /// Whether bucket `name` may already exist in this account, before a create in us-east-1
    /// (where CreateBucket would answer 200 for it). In an apply, the run's one ListBuckets
    /// says (taken at its first bucket create, every page, shared by all its creates through
    /// `OpContext::run`): a name it lists may exist (the caller asks HeadBucket and the tags:
    /// it may have been deleted since, earlier in the run), one it does not list did not exist
    /// when the run looked. Without a run (an operation on its own), for a create sent again
    /// (its earlier attempt may have made the bucket after the listing), or when the
    /// credentials may not list buckets (ListBuckets: AccessDenied), the caller asks.
    pub(super) async fn may_exist(&self, ctx: &OpContext, name: &str) -> Result<bool, OpError> {
        let Some(run) = ctx.run.as_ref().filter(|_| !ctx.attempted) else {
            return Ok(true);
        };
        let key = format!("s3:ListBuckets:{}", self.aws.region());
        let listed: Arc<Option<HashSet<String>>> = run
            .get_or_try_init(&key, || async {
                match self.listed(None).await {
                    Ok(names) => Ok(Some(names.into_keys().collect())),
                    Err(e) if e.code.as_deref() == Some("AccessDenied") => {
                        tracing::debug!(error = %e, "ListBuckets refused: each bucket create looks its name up");
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(listed
            .as_ref()
            .as_ref()
            .is_none_or(|names| names.contains(name)))
    }

    /// Every bucket of the account in this client's region (ListBuckets, following
    /// continuation tokens; a bucket whose listing names another region is skipped, and one
    /// whose region the listing does not name is asked with GetBucketLocation), read in full.
    pub(super) async fn list_all(&self) -> Result<Vec<Live>, OpError> {
        let region = self.aws.region();
        let mut names = Vec::new();
        for (name, listed_region) in self.listed(Some(&region)).await? {
            match listed_region {
                Some(r) if r != region => continue,
                Some(_) => names.push(name),
                None => {
                    let r = self.constraint(&name).await?.filter(|c| !c.is_empty());
                    if r.as_deref().unwrap_or("us-east-1") == region {
                        names.push(name);
                    }
                }
            }
        }
        let mut lives = Vec::new();
        for name in names {
            if let Some(live) = self.read_bucket(&name, &|_| true).await? {
                lives.push(live);
            }
        }
        Ok(lives)
    }

    /// ListBuckets of this client (see [`list_buckets`]).
    async fn listed(&self, region: Option<&str>) -> OpResult<BTreeMap<String, Option<String>>> {
        list_buckets(&self.s3, region).await
    }

    /// A refresh of many buckets: one ListBuckets says which exist and where (a listing that
    /// names no region leaves the region state recorded), one paged GetResources gives the tags
    /// of those the stage owns; per bucket, only the declared sub-resources are asked (and its
    /// tags, when the tagging API did not list it yet). A bucket the listing misses is read on
    /// its own (HeadBucket) before it counts as gone.
    pub(super) async fn read_batch(
        &self,
        requests: &[(OpContext, String)],
    ) -> Result<Vec<Option<Live>>, OpError> {
        let Some((first, _)) = requests.first() else {
            return Ok(Vec::new());
        };
        let tagging = self.aws.tagging();
        let owned = crate::tagging::owned_tags(&tagging, first, "s3");
        let (listed, owned) = tokio::try_join!(self.listed(None), owned)?;
        let (listed, owned) = (&listed, &owned);
        each_concurrently(
            requests.iter().collect(),
            BATCH_READS,
            |(ctx, name)| async move {
                let wanted = |attr: &str| ctx.reads(attr);
                let region = match listed.get(name) {
                    Some(Some(region)) => region.clone(),
                    // Listed without its region (AWS names it when asked; moto does not): a
                    // bucket's region cannot change while it exists, so the one state recorded
                    // stands; without one, HeadBucket says.
                    Some(None) => match ctx.recorded("region").and_then(Value::as_str) {
                        Some(region) => region.to_string(),
                        None => match self.head(name).await? {
                            Head::Exists(region) => region,
                            _ => return self.read_bucket(name, &wanted).await,
                        },
                    },
                    None => return self.read_bucket(name, &wanted).await,
                };
                let region = region.as_str();
                let arn = format!("arn:{}:s3:::{name}", partition(region).0);
                let tags = owned.get(&arn);
                let rest = |attr: &str| wanted(attr) && !(attr == "tags" && tags.is_some());
                let mut live = self.read_known(name, region, &rest).await?;
                if let (Some(live), Some(tags)) = (live.as_mut(), tags) {
                    live.attrs.insert("tags".into(), tags_value(tags));
                }
                Ok(live)
            },
        )
        .await
    }
}

/// ListBuckets (every page; of one region when `region` is given): each bucket's name and the
/// region the listing names, if it does. Also the bucket policy's listing.
pub(crate) async fn list_buckets(
    s3: &aws_sdk_s3::Client,
    region: Option<&str>,
) -> OpResult<BTreeMap<String, Option<String>>> {
    let mut buckets = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let out = s3
            .list_buckets()
            // Any parameter makes AWS name each bucket's region in the answer.
            .max_buckets(10_000)
            .set_bucket_region(region.map(str::to_string))
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| op_error("ListBuckets", e))?;
        for b in out.buckets() {
            let Some(name) = b.name() else { continue };
            buckets.insert(name.to_string(), b.bucket_region().map(str::to_string));
        }
        match out.continuation_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(buckets),
        }
    }
}
