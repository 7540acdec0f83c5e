//! `route53-record`: a record set in a Route53 zone (plain values with a TTL, or an alias).
//!
//! The id (and import id) is `ZONE-ID/NAME/TYPE`, with `/SET-IDENTIFIER` appended for records
//! of a routing policy (weighted); NAME is fully qualified, lower case, without the trailing dot.
//!
//! Changes to records of one zone travel together: `batch_key` is the zone id, and
//! `apply_batch` sends every ready change of a zone as ONE ChangeResourceRecordSets ChangeBatch
//! (split only beyond AWS's limits: 1,000 ResourceRecord elements and 32,000 characters of
//! values per request, UPSERTs counting twice). Refresh reads through `read_many`: one paged
//! ListResourceRecordSets listing (300 record sets a page) per zone serves every record in it.
//!
//! AWS calls:
//! - read: ListResourceRecordSets from the record's name and type (one page in the usual case)
//! - read_many: per zone, ListResourceRecordSets pages over the whole zone (zones with at most
//!   3 requested records are read record by record instead)
//! - find: as read; a record at that name and type is ours when its values are the desired ones
//!   (records carry no tags); with other values it is someone else's (`Conflict`) unless
//!   `allow-overwrite`
//! - create: ChangeResourceRecordSets CREATE (UPSERT with `allow-overwrite`)
//! - update: ChangeResourceRecordSets UPSERT
//! - delete: ChangeResourceRecordSets DELETE with the recorded values
//! - after a change: the ResourceRecordSetsChanged waiter (GetChange) until INSYNC, at most
//!   5 minutes; a change still PENDING then is reported in the log, not as a failure (Route53
//!   has accepted it and applies it)
//! - when a batch is refused (InvalidChangeBatch: a CREATE of a record that exists, a DELETE
//!   of one already gone or changed), eco lists the zone, adopts records that already hold the
//!   desired values, treats deletes of records already gone as done, deletes with the live
//!   values, refuses records someone else holds (Conflict), and sends the rest again; a second
//!   refusal falls back to one change per call, so each error names its record
//!
//! TXT (and SPF) values are written unquoted in configuration; eco quotes them (splitting
//! values longer than 255 characters into several strings) and unquotes what it reads.

mod batch;
mod read;
mod requests;
mod spec;

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_route53::types::{ResourceRecordSet, RrType};
use aws_sdk_route53::Client;
use eco_provider::{
    Attrs, BatchItem, BatchOp, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value,
};
use eco_schema::Schema;

use self::batch::{Kind, Pending};
pub use self::read::{attrs_of, parse_id, record_id, unquote_txt};
use self::read::{key_of, same_values, RecordKey};
pub use self::requests::{quote_txt, record_set};
pub use self::spec::Route53Record;
use super::route53_zone::{bare_zone_id, normalize_name};
use crate::attrs::str_of;
use crate::aws::{has_code, op_error, Aws};

pub const TYPE_NAME: &str = Route53Record::TYPE_NAME;

/// What AWS answers this type's calls with for a while before they succeed, and for how long eco
/// keeps trying (the engine retries; see `eco_provider::transient` and docs/aws-behaviour.md).
pub(crate) const TRANSIENT: &[eco_provider::Transient] = &[eco_provider::Transient {
    operations: &["ChangeResourceRecordSets"],
    codes: &["PriorRequestNotComplete", "Throttling"],
    message: None,
    budget: std::time::Duration::from_secs(300),
    why: "Route53 is still applying an earlier change to the zone",
}];

pub fn schema() -> Schema {
    Route53Record::schema()
}

/// Zones with at most this many requested records are read record by record in `read_many`.
const LIST_THRESHOLD: usize = 3;

/// Every record set of a zone (ListResourceRecordSets pages of 300); `None` when the zone
/// is gone.
pub(crate) async fn list_record_sets(
    r53: &Client,
    zone: &str,
) -> Result<Option<Vec<ResourceRecordSet>>, OpError> {
    let mut out_sets = Vec::new();
    let mut start: Option<(String, RrType, Option<String>)> = None;
    loop {
        let mut req = r53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .max_items(300);
        if let Some((n, t, i)) = start.take() {
            req = req
                .start_record_name(n)
                .start_record_type(t)
                .set_start_record_identifier(i);
        }
        let out = match req.send().await {
            Ok(o) => o,
            Err(e) if has_code(&e, &["NoSuchHostedZone"]) => return Ok(None),
            Err(e) => return Err(op_error("ListResourceRecordSets", e)),
        };
        out_sets.extend(out.resource_record_sets().iter().cloned());
        match (
            out.is_truncated(),
            out.next_record_name(),
            out.next_record_type(),
        ) {
            (true, Some(n), Some(t)) => {
                start = Some((
                    n.to_string(),
                    t.clone(),
                    out.next_record_identifier().map(str::to_string),
                ))
            }
            _ => return Ok(Some(out_sets)),
        }
    }
}

/// The operations of `route53-record`.
pub struct Provider {
    schema: Schema,
    r53: Client,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            schema: schema(),
            r53: aws.route53(),
        }
    }

    /// Every record set of a zone (ListResourceRecordSets pages of 300); `None` when the zone
    /// is gone.
    pub async fn list_zone(&self, zone: &str) -> Result<Option<Vec<ResourceRecordSet>>, OpError> {
        list_record_sets(&self.r53, zone).await
    }

    /// One record set, listed from its name and type.
    async fn read_record(
        &self,
        zone: &str,
        key: &RecordKey,
    ) -> Result<Option<ResourceRecordSet>, OpError> {
        let mut start = Some((key.0.clone(), key.1.clone(), key.2.clone()));
        while let Some((n, t, i)) = start.take() {
            let out = match self
                .r53
                .list_resource_record_sets()
                .hosted_zone_id(zone)
                .start_record_name(n)
                .start_record_type(RrType::from(t.as_str()))
                .set_start_record_identifier(i)
                .max_items(if key.2.is_some() { 100 } else { 1 })
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) if has_code(&e, &["NoSuchHostedZone"]) => return Ok(None),
                Err(e) => return Err(op_error("ListResourceRecordSets", e)),
            };
            for r in out.resource_record_sets() {
                let k = key_of(r);
                if k == *key {
                    return Ok(Some(r.clone()));
                }
                if k.0 != key.0 || k.1 != key.1 {
                    return Ok(None); // listed past it
                }
            }
            if let (true, Some(n), Some(t)) = (
                out.is_truncated(),
                out.next_record_name(),
                out.next_record_type(),
            ) {
                if normalize_name(n) == key.0 && t.as_str() == key.1 {
                    start = Some((
                        n.to_string(),
                        t.as_str().to_string(),
                        out.next_record_identifier().map(str::to_string),
                    ));
                }
            }
        }
        Ok(None)
    }

    fn live(zone: &str, rrset: &ResourceRecordSet, local: &Attrs) -> Live {
        let mut attrs = attrs_of(zone, rrset);
        attrs.extend(local.clone());
        Live {
            id: record_id(zone, &key_of(rrset)),
            attrs,
        }
    }

    async fn one(&self, ctx: &OpContext, op: BatchOp) -> Result<Option<Live>, OpError> {
        self.apply_batch(vec![BatchItem {
            ctx: ctx.clone(),
            op,
        }])
        .await
        .pop()
        .expect("one result per item")
    }
}

fn local_of(attrs: &Attrs) -> Attrs {
    attrs
        .iter()
        .filter(|(k, _)| k.as_str() == "allow-overwrite")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A record's desired name and type in the form the read reports them.
pub fn normalize_record(desired: &mut Attrs) {
    if let Some(Value::String(name)) = desired.get_mut("name") {
        *name = normalize_name(name);
    }
    if let Some(Value::String(ty)) = desired.get_mut("type") {
        *ty = ty.to_ascii_uppercase();
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    crate::resources::schema_and_transient!(TRANSIENT);

    /// A record's name and type as Route53 reports them: `WWW.Example.com.` is
    /// `www.example.com`, `cname` is `CNAME` (what the change batch sends), not a replacement.
    fn normalize(&self, desired: &mut Attrs) {
        normalize_record(desired);
    }

    /// Every record set of every hosted zone (ListHostedZones, then ListResourceRecordSets
    /// pages per zone), without the SOA and apex NS records Route53 makes with each zone.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let zones = match crate::resources::route53_zone::list_zone_ids(&self.r53).await {
            Ok(ids) => ids,
            Err(e) => return Some(Err(e)),
        };
        let mut out = Vec::new();
        for zone in zones {
            let apex = match self.r53.get_hosted_zone().id(&zone).send().await {
                Ok(o) => o.hosted_zone().map(|z| normalize_name(z.name())),
                Err(e) => return Some(Err(crate::aws::op_error("GetHostedZone", e))),
            };
            let sets = match self.list_zone(&zone).await {
                Ok(Some(sets)) => sets,
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            };
            for set in &sets {
                let k = key_of(set);
                let automatic = k.1 == "SOA" || (k.1 == "NS" && Some(&k.0) == apex.as_ref());
                if !automatic {
                    out.push(Self::live(&zone, set, &Attrs::new()));
                }
            }
        }
        Some(Ok(out))
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        let (zone, key) = parse_id(id)?;
        Ok(self
            .read_record(&zone, &key)
            .await?
            .map(|r| Self::live(&zone, &r, &Attrs::new())))
    }

    async fn read_many(
        &self,
        requests: &[(OpContext, String)],
    ) -> Option<Result<Vec<Option<Live>>, OpError>> {
        let mut parsed = Vec::with_capacity(requests.len());
        let mut per_zone: BTreeMap<String, usize> = BTreeMap::new();
        for (_, id) in requests {
            match parse_id(id) {
                Ok((zone, key)) => {
                    *per_zone.entry(zone.clone()).or_default() += 1;
                    parsed.push((zone, key));
                }
                Err(e) => return Some(Err(e)),
            }
        }
        let mut listings: HashMap<String, Option<HashMap<RecordKey, ResourceRecordSet>>> =
            HashMap::new();
        for (zone, count) in &per_zone {
            if *count > LIST_THRESHOLD {
                match self.list_zone(zone).await {
                    Ok(sets) => {
                        listings.insert(
                            zone.clone(),
                            sets.map(|s| s.into_iter().map(|r| (key_of(&r), r)).collect()),
                        );
                    }
                    Err(e) => return Some(Err(e)),
                }
            }
        }
        let mut out = Vec::with_capacity(parsed.len());
        for (zone, key) in parsed {
            let found = match listings.get(&zone) {
                Some(Some(map)) => map.get(&key).cloned(),
                Some(None) => None,
                None => match self.read_record(&zone, &key).await {
                    Ok(r) => r,
                    Err(e) => return Some(Err(e)),
                },
            };
            out.push(found.map(|r| Self::live(&zone, &r, &Attrs::new())));
        }
        Some(Ok(out))
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _: &str,
    ) -> Result<Option<Live>, OpError> {
        let (zone, want) = record_set(desired)?;
        let key = key_of(&want);
        if ctx.is_replaced(&record_id(&zone, &key)) {
            return Ok(None);
        }
        let Some(current) = self.read_record(&zone, &key).await? else {
            return Ok(None);
        };
        if same_values(&current, &want) {
            return Ok(Some(Self::live(&zone, &current, &local_of(desired))));
        }
        if desired.get("allow-overwrite") == Some(&Value::Bool(true)) {
            return Ok(None);
        }
        let key = key_of(&current);
        Err(OpError::new(
            "ListResourceRecordSets",
            ErrorKind::Conflict,
            format!(
                "{} {} exists in zone {zone} with other values than eco's: import it \
                 (id {}) or set `allow-overwrite #true`",
                key.0,
                key.1,
                record_id(&zone, &key)
            ),
        ))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        self.one(
            ctx,
            BatchOp::Create {
                desired: desired.clone(),
                token: token.to_string(),
            },
        )
        .await?
        .ok_or_else(|| OpError::new("ChangeResourceRecordSets", ErrorKind::Other, "no result"))
    }

    async fn update(
        &self,
        ctx: &OpContext,
        id: &str,
        prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        self.one(
            ctx,
            BatchOp::Update {
                id: id.to_string(),
                prior: prior.clone(),
                desired: desired.clone(),
                changed: changed.to_vec(),
            },
        )
        .await?
        .ok_or_else(|| OpError::new("ChangeResourceRecordSets", ErrorKind::Other, "no result"))
    }

    async fn delete(&self, ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), OpError> {
        self.one(
            ctx,
            BatchOp::Delete {
                id: id.to_string(),
                prior: prior.clone(),
            },
        )
        .await
        .map(|_| ())
    }

    fn batch_key(&self, attrs: &Attrs) -> Option<String> {
        str_of(attrs, "zone").map(bare_zone_id)
    }

    /// Route53 applies a batch whole or not at all; a resent batch that took effect is refused
    /// (InvalidChangeBatch) and reconciled with the zone: the records already so are done.
    fn resends_batches_safely(&self) -> bool {
        true
    }

    /// Route53 applies a zone's changes one at a time (PriorRequestNotComplete meanwhile): one
    /// batch of a zone in flight.
    fn lane(&self, attrs: &Attrs) -> Option<String> {
        str_of(attrs, "zone").map(|z| format!("route53:{}", bare_zone_id(z)))
    }

    async fn apply_batch(&self, items: Vec<BatchItem>) -> Vec<Result<Option<Live>, OpError>> {
        let mut results: Vec<Option<Result<Option<Live>, OpError>>> = vec![None; items.len()];
        let mut zones: BTreeMap<String, Vec<Pending>> = BTreeMap::new();
        for (index, item) in items.into_iter().enumerate() {
            let planned = match item.op {
                BatchOp::Create { desired, .. } => {
                    record_set(&desired).map(|(zone, rrset)| Pending {
                        index,
                        zone,
                        kind: Kind::Create {
                            overwrite: desired.get("allow-overwrite") == Some(&Value::Bool(true)),
                        },
                        rrset,
                        local: local_of(&desired),
                    })
                }
                BatchOp::Update { desired, .. } => {
                    record_set(&desired).map(|(zone, rrset)| Pending {
                        index,
                        zone,
                        kind: Kind::Update,
                        rrset,
                        local: local_of(&desired),
                    })
                }
                BatchOp::Delete { id, prior } => {
                    // The recorded values; when a refused batch shows they changed, eco deletes
                    // with the live ones.
                    match record_set(&prior) {
                        Ok((zone, rrset)) => Ok(Pending {
                            index,
                            zone,
                            kind: Kind::Delete,
                            rrset,
                            local: Attrs::new(),
                        }),
                        Err(_) => match parse_id(&id) {
                            Ok((zone, key)) => match self.read_record(&zone, &key).await {
                                Ok(Some(rrset)) => Ok(Pending {
                                    index,
                                    zone,
                                    kind: Kind::Delete,
                                    rrset,
                                    local: Attrs::new(),
                                }),
                                Ok(None) => {
                                    results[index] = Some(Ok(None));
                                    continue;
                                }
                                Err(e) => Err(e),
                            },
                            Err(e) => Err(e),
                        },
                    }
                }
            };
            match planned {
                Ok(p) => zones.entry(p.zone.clone()).or_default().push(p),
                Err(e) => results[index] = Some(Err(e)),
            }
        }
        for (zone, pending) in zones {
            self.apply_zone(&zone, pending, &mut results).await;
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(OpError::new(
                        "ChangeResourceRecordSets",
                        ErrorKind::Other,
                        "the change was not carried out",
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
