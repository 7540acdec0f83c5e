//! `route53-zone`: a Route53 hosted zone, public or private (with `vpc` blocks). The id (and
//! import id) is the zone id without the `/hostedzone/` prefix, e.g. `Z0123456789ABC`.
//!
//! AWS calls:
//! - read: GetHostedZone (name, comment, privacy, VPCs, delegation set), ListTagsForResource
//! - find: ListHostedZonesByName from the zone's name: the zone whose CallerReference is the
//!   create's token, else one carrying this address's ownership tags (ListTagsForResource).
//!   Route53 allows several zones of one name, so another's zone of the same name is no conflict.
//! - create: find (adopt what a crashed create made), else CreateHostedZone with
//!   CallerReference = the engine's idempotency token (a retried create answers
//!   HostedZoneAlreadyExists, and eco adopts the zone with that reference), then
//!   ChangeTagsForResource, then the update path for anything the adopted zone lacks
//! - update: UpdateHostedZoneComment; ChangeTagsForResource (added/changed and removed keys in
//!   one call); AssociateVPCWithHostedZone / DisassociateVPCFromHostedZone per VPC
//! - delete: with `force-destroy` (from the recorded attributes: eco-only), ListResourceRecordSets
//!   pages + ChangeResourceRecordSets DELETE batches of every record but the apex NS and SOA;
//!   then DeleteHostedZone. A zone already gone is success; a non-empty zone without
//!   `force-destroy` is refused with what to do.
//! - import: by zone id (GetHostedZone)
//!
//! Names are reported as written in configuration: lower case, without the trailing dot.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HostedZoneConfig, ResourceRecordSet, RrType, Tag,
    TagResourceType, Vpc, VpcRegion,
};
use aws_sdk_route53::Client;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, OpResult, ResourceProvider, Value};
use eco_schema::spec::SpecError;
use eco_schema::{DataAtRisk, Held, Schema, Spec};

use crate::attrs::str_of;
use crate::aws::{has_code, op_error, Aws};
use crate::calls::{answered, every_page};
use crate::tags::{tag_diff, tags_of, tags_value};

/// A VPC of a private zone: `vpc "vpc-1" region="eu-west-1"`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "id")]
pub struct ZoneVpc {
    /// VPC id
    pub id: String,
    /// the VPC's region (default: the stage's)
    pub region: Option<String>,
}

/// A hosted zone's attributes, declared once.
#[derive(Debug, Clone, PartialEq, Eq, Default, Spec)]
#[eco(
    resource = "route53-zone",
    doc = "A Route53 hosted zone, public or private",
    import_id = "the hosted zone id (e.g. Z0123456789ABCDEFGHIJ)"
)]
pub struct Route53Zone {
    /// domain name of the zone, e.g. dev.example.com; compared in lower case without the
    /// trailing dot, as Route53 reports it (`Example.com.` is `example.com`)
    #[eco(required, replace)]
    pub name: String,
    /// comment (UpdateHostedZoneComment)
    pub comment: Option<String>,
    /// reusable delegation set id; fixed at creation
    #[eco(replace)]
    pub delegation_set: Option<String>,
    /// a VPC of a private zone; a zone created with one is private (AssociateVPCWithHostedZone /
    /// DisassociateVPCFromHostedZone; a public zone cannot become private)
    pub vpc: Vec<ZoneVpc>,
    /// delete every record in the zone before deleting it; eco-only, no API call
    #[eco(local)]
    pub force_destroy: Option<bool>,
    /// zone id, e.g. Z0123456789ABC
    #[eco(computed)]
    pub id: Option<String>,
    /// zone ARN
    #[eco(computed)]
    pub arn: Option<String>,
    /// whether the zone is private
    #[eco(computed)]
    pub private: Option<bool>,
    /// name servers to delegate the domain to
    #[eco(computed)]
    pub name_servers: Vec<String>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

pub const TYPE_NAME: &str = Route53Zone::TYPE_NAME;

pub fn schema() -> Schema {
    Route53Zone::schema()
}

/// A configuration the type cannot use, as an error of `op`.
fn invalid(op: &str) -> impl Fn(SpecError) -> OpError + '_ {
    move |e| OpError::invalid(op, format!("{TYPE_NAME}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with route53-record
// ---------------------------------------------------------------------------------------------

/// A zone id without the `/hostedzone/` prefix Route53 puts on it.
/// The ids of every hosted zone of the account (ListHostedZones, every page), bare (no
/// `/hostedzone/` prefix).
pub(crate) async fn list_zone_ids(r53: &Client) -> Result<Vec<String>, OpError> {
    every_page(|marker| async move {
        let out = r53
            .list_hosted_zones()
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| op_error("ListHostedZones", e))?;
        let ids = out
            .hosted_zones()
            .iter()
            .map(|z| bare_zone_id(z.id()))
            .collect();
        let next = out.next_marker().filter(|_| out.is_truncated());
        Ok((ids, next.map(str::to_string)))
    })
    .await
}

pub(crate) fn bare_zone_id(id: &str) -> String {
    id.trim_start_matches("/hostedzone/").to_string()
}

/// A DNS name as eco shows it: lower case, no trailing dot, Route53's octal escapes
/// (`\052` for `*`) decoded.
pub(crate) fn normalize_name(name: &str) -> String {
    let name = name.trim_end_matches('.');
    let mut out = String::with_capacity(name.len());
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b))
        {
            let code = (bytes[i + 1] - b'0') as u32 * 64
                + (bytes[i + 2] - b'0') as u32 * 8
                + (bytes[i + 3] - b'0') as u32;
            if let Some(c) = char::from_u32(code) {
                out.push(c);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    out.to_ascii_lowercase()
}

/// A zone's desired name in the form the read reports (see [`normalize_name`]).
pub fn normalize_zone(desired: &mut Attrs) {
    if let Some(Value::String(name)) = desired.get_mut("name") {
        *name = normalize_name(name);
    }
}

/// The VPCs of the `vpc` attribute: (id, region).
fn vpcs_of(attrs: &Attrs, default_region: &str) -> Vec<(String, String)> {
    match attrs.get("vpc") {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::Map(m) => Some((
                    m.get("id")?.as_str()?.to_string(),
                    m.get("region")
                        .and_then(Value::as_str)
                        .unwrap_or(default_region)
                        .to_string(),
                )),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn vpc_sdk(id: &str, region: &str) -> Vpc {
    Vpc::builder()
        .vpc_id(id)
        .vpc_region(VpcRegion::from(region))
        .build()
}

/// The ChangeTagsForResource arguments that take `live` to `want`: (added or changed, removed).
fn tag_changes(
    live: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> (Vec<Tag>, Vec<String>) {
    let (set, remove) = tag_diff(live, want, &[]);
    let add = set
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    (add, remove)
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// The operations of `route53-zone`.
pub struct Provider {
    schema: Schema,
    region: String,
    r53: Client,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            schema: schema(),
            region: aws.region(),
            r53: aws.route53(),
        }
    }

    async fn tags(&self, id: &str) -> Result<Option<BTreeMap<String, String>>, OpError> {
        match self
            .r53
            .list_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(id)
            .send()
            .await
        {
            Ok(out) => Ok(Some(
                out.resource_tag_set()
                    .map(|s| {
                        s.tags()
                            .iter()
                            .filter_map(|t| {
                                Some((t.key()?.to_string(), t.value().unwrap_or("").to_string()))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            )),
            Err(e) if has_code(&e, &["NoSuchHostedZone"]) => Ok(None),
            Err(e) => Err(op_error("ListTagsForResource", e)),
        }
    }

    async fn read_zone(&self, id: &str) -> Result<Option<Live>, OpError> {
        let id = bare_zone_id(id);
        let out = match self.r53.get_hosted_zone().id(&id).send().await {
            Ok(out) => out,
            Err(e) if has_code(&e, &["NoSuchHostedZone"]) => return Ok(None),
            Err(e) => return Err(op_error("GetHostedZone", e)),
        };
        let zone = answered(out.hosted_zone(), "GetHostedZone", "a HostedZone")?;
        let Some(tags) = self.tags(&id).await? else {
            return Ok(None);
        };
        let ds = out.delegation_set();
        let mut vpc: Vec<ZoneVpc> = out
            .vpcs()
            .iter()
            .filter_map(|v| {
                Some(ZoneVpc {
                    id: v.vpc_id()?.to_string(),
                    region: Some(v.vpc_region()?.as_str().to_string()),
                })
            })
            .collect();
        vpc.sort_by_cached_key(|v| Value::Map(v.to_attrs()).to_string());
        let spec = Route53Zone {
            name: normalize_name(zone.name()),
            comment: zone
                .config()
                .and_then(|c| c.comment())
                .filter(|c| !c.is_empty())
                .map(str::to_string),
            delegation_set: ds
                .and_then(|d| d.id())
                .map(|d| d.trim_start_matches("/delegationset/").to_string()),
            vpc,
            force_destroy: None,
            id: Some(id.clone()),
            arn: Some(format!("arn:aws:route53:::hostedzone/{id}")),
            private: Some(zone.config().is_some_and(|c| c.private_zone())),
            name_servers: ds.map(|d| d.name_servers().to_vec()).unwrap_or_default(),
            tags: BTreeMap::new(),
        };
        let mut attrs = spec.to_attrs();
        attrs.insert("tags".into(), tags_value(&tags));
        Ok(Some(Live { id, attrs }))
    }

    /// The zones named `name` (ListHostedZonesByName pages, stopping past the name).
    async fn zones_named(&self, name: &str) -> OpResult<Vec<aws_sdk_route53::types::HostedZone>> {
        let want = normalize_name(name);
        let mut found = Vec::new();
        let mut next: Option<(String, Option<String>)> = Some((format!("{want}."), None));
        while let Some((dns, zone_id)) = next.take() {
            let out = self
                .r53
                .list_hosted_zones_by_name()
                .dns_name(dns)
                .set_hosted_zone_id(zone_id)
                .send()
                .await
                .map_err(|e| op_error("ListHostedZonesByName", e))?;
            let mut past = false;
            for z in out.hosted_zones() {
                if normalize_name(z.name()) == want {
                    found.push(z.clone());
                } else {
                    past = true;
                }
            }
            if out.is_truncated() && !past {
                if let Some(n) = out.next_dns_name() {
                    next = Some((n.to_string(), out.next_hosted_zone_id().map(str::to_string)));
                }
            }
        }
        Ok(found)
    }

    /// The zone a create with `token` made, or one of this name carrying our ownership tags.
    async fn find_zone(
        &self,
        ctx: &OpContext,
        name: &str,
        token: &str,
    ) -> Result<Option<String>, OpError> {
        let mut zones = self.zones_named(name).await?;
        zones.retain(|z| !ctx.is_replaced(&bare_zone_id(z.id())));
        if let Some(z) = zones.iter().find(|z| z.caller_reference() == token) {
            return Ok(Some(bare_zone_id(z.id())));
        }
        for z in &zones {
            let id = bare_zone_id(z.id());
            if let Some(tags) = self.tags(&id).await? {
                if ctx.owns(&tags) {
                    return Ok(Some(id));
                }
            }
        }
        Ok(None)
    }

    async fn set_tags(&self, id: &str, want: &BTreeMap<String, String>) -> Result<(), OpError> {
        let live = self.tags(id).await?.unwrap_or_default();
        let (add, remove) = tag_changes(&live, want);
        if add.is_empty() && remove.is_empty() {
            return Ok(());
        }
        self.r53
            .change_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(id)
            .set_add_tags((!add.is_empty()).then_some(add))
            .set_remove_tag_keys((!remove.is_empty()).then_some(remove))
            .send()
            .await
            .map_err(|e| op_error("ChangeTagsForResource", e))?;
        Ok(())
    }

    /// Brings a zone's updatable attributes to `desired` (from what `live` reports).
    async fn converge(&self, id: &str, live: &Attrs, desired: &Attrs) -> Result<(), OpError> {
        if desired.contains_key("tags") {
            self.set_tags(id, &tags_of(desired.get("tags"))).await?;
        }
        if let Some(comment) = desired.get("comment") {
            let want = comment.as_str().unwrap_or("");
            if str_of(live, "comment").unwrap_or("") != want {
                self.r53
                    .update_hosted_zone_comment()
                    .id(id)
                    .comment(want)
                    .send()
                    .await
                    .map_err(|e| op_error("UpdateHostedZoneComment", e))?;
            }
        }
        if desired.contains_key("vpc") {
            let want = vpcs_of(desired, &self.region);
            let have = vpcs_of(live, &self.region);
            for (vpc, region) in want.iter().filter(|v| !have.contains(v)) {
                match self
                    .r53
                    .associate_vpc_with_hosted_zone()
                    .hosted_zone_id(id)
                    .vpc(vpc_sdk(vpc, region))
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if has_code(&e, &["ConflictingDomainExists"]) => {}
                    Err(e) => return Err(op_error("AssociateVPCWithHostedZone", e)),
                }
            }
            for (vpc, region) in have.iter().filter(|v| !want.contains(v)) {
                match self
                    .r53
                    .disassociate_vpc_from_hosted_zone()
                    .hosted_zone_id(id)
                    .vpc(vpc_sdk(vpc, region))
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if has_code(&e, &["VPCAssociationNotFound"]) => {}
                    Err(e) => return Err(op_error("DisassociateVPCFromHostedZone", e)),
                }
            }
        }
        Ok(())
    }

    /// Every record of the zone but the apex NS and SOA, deleted in batches.
    async fn empty_zone(&self, id: &str, zone_name: &str) -> Result<(), OpError> {
        let Some(sets) = super::route53_record::list_record_sets(&self.r53, id).await? else {
            return Ok(());
        };
        let apex_name = normalize_name(zone_name);
        let records: Vec<ResourceRecordSet> = sets
            .into_iter()
            .filter(|r| {
                let apex = normalize_name(r.name()) == apex_name;
                !(apex && matches!(r.r#type(), RrType::Ns | RrType::Soa))
            })
            .collect();
        for chunk in records.chunks(500) {
            let changes = chunk
                .iter()
                .map(|r| {
                    Change::builder()
                        .action(ChangeAction::Delete)
                        .resource_record_set(r.clone())
                        .build()
                        .expect("action and record set are set")
                })
                .collect();
            let batch = ChangeBatch::builder()
                .set_changes(Some(changes))
                .build()
                .expect("changes are set");
            self.r53
                .change_resource_record_sets()
                .hosted_zone_id(id)
                .change_batch(batch)
                .send()
                .await
                .map_err(|e| op_error("ChangeResourceRecordSets", e))?;
        }
        Ok(())
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// A zone name as Route53 reports it (see [`normalize_name`]): `Example.com.`, as Terraform
    /// users often write it, is `example.com`, not a replacement.
    fn normalize(&self, desired: &mut Attrs) {
        normalize_zone(desired);
    }

    /// ListHostedZones (every page), each zone read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        crate::aws::read_listed(list_zone_ids(&self.r53).await, |id| async move {
            self.read_zone(&id).await
        })
        .await
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        self.read_zone(id).await
    }

    /// GetHostedZone's ResourceRecordSetCount, less the NS and SOA records AWS made.
    async fn data_at_risk(
        &self,
        _ctx: &OpContext,
        id: &str,
        _live: &Attrs,
    ) -> Option<Result<Option<DataAtRisk>, OpError>> {
        let answer = match self.r53.get_hosted_zone().id(bare_zone_id(id)).send().await {
            Ok(out) => out,
            Err(e) if has_code(&e, &["NoSuchHostedZone"]) => return Some(Ok(None)),
            Err(e) => return Some(Err(op_error("GetHostedZone", e))),
        };
        let count = answer
            .hosted_zone()
            .and_then(|z| z.resource_record_set_count())
            .unwrap_or(0)
            .saturating_sub(2)
            .max(0) as u64;
        Some(Ok(Some(
            DataAtRisk::counted("zone", Held::Records, count).noted("besides NS and SOA"),
        )))
    }

    async fn find(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> OpResult<Option<Live>> {
        let Some(name) = str_of(desired, "name") else {
            return Ok(None);
        };
        match self.find_zone(ctx, name, token).await? {
            Some(id) => self.read_zone(&id).await,
            None => Ok(None),
        }
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let want = Route53Zone::from_attrs(desired).map_err(invalid("CreateHostedZone"))?;
        let name = want.name.as_str();
        if name.is_empty() || name.contains(' ') {
            return Err(OpError::invalid(
                "CreateHostedZone",
                format!("`{name}` is not a domain name"),
            ));
        }
        if token.len() > 128 {
            return Err(OpError::invalid(
                "CreateHostedZone",
                "the idempotency token is longer than Route53's 128-character CallerReference",
            ));
        }
        let id = match self.find_zone(ctx, name, token).await? {
            Some(id) => id,
            None => {
                let vpcs = vpcs_of(desired, &self.region);
                let config = HostedZoneConfig::builder()
                    .private_zone(!vpcs.is_empty())
                    .set_comment(want.comment.clone());
                let mut req = self
                    .r53
                    .create_hosted_zone()
                    .name(normalize_name(name))
                    .caller_reference(token)
                    .hosted_zone_config(config.build())
                    .set_delegation_set_id(want.delegation_set.clone());
                if let Some((vpc, region)) = vpcs.first() {
                    req = req.vpc(vpc_sdk(vpc, region));
                }
                match req.send().await {
                    Ok(out) => {
                        bare_zone_id(out.hosted_zone().map(|z| z.id()).ok_or_else(|| {
                            OpError::new(
                                "CreateHostedZone",
                                ErrorKind::Other,
                                "the answer names no zone",
                            )
                        })?)
                    }
                    // A retried create with the same CallerReference: the first one made it.
                    Err(e) if has_code(&e, &["HostedZoneAlreadyExists"]) => {
                        match self.find_zone(ctx, name, token).await? {
                            Some(id) => id,
                            None => return Err(op_error("CreateHostedZone", e)),
                        }
                    }
                    Err(e) => return Err(op_error("CreateHostedZone", e)),
                }
            }
        };
        let live = self.read_zone(&id).await?.ok_or_else(|| {
            OpError::new(
                "GetHostedZone",
                ErrorKind::Retryable,
                format!("zone {id} is not readable yet"),
            )
        })?;
        self.converge(&id, &live.attrs, desired).await?;
        self.read_zone(&id).await?.ok_or_else(|| {
            OpError::new(
                "GetHostedZone",
                ErrorKind::Other,
                format!("zone {id} disappeared during its create"),
            )
        })
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let live = self.read_zone(id).await?.ok_or_else(|| {
            OpError::new(
                "GetHostedZone",
                ErrorKind::Other,
                format!("zone {id} no longer exists"),
            )
        })?;
        let mut only: Attrs = desired
            .iter()
            .filter(|(k, _)| changed.iter().any(|c| c == *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // A removed comment means "no longer managed": leave it. A removed tag key is a change.
        if changed.iter().any(|c| c == "tags") && !only.contains_key("tags") {
            only.insert("tags".into(), Value::Map(BTreeMap::new()));
        }
        self.converge(id, &live.attrs, &only).await?;
        self.read_zone(id).await?.ok_or_else(|| {
            OpError::new(
                "GetHostedZone",
                ErrorKind::Other,
                format!("zone {id} disappeared during its update"),
            )
        })
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, prior: &Attrs) -> Result<(), OpError> {
        let id = bare_zone_id(id);
        if prior.get("force-destroy") == Some(&Value::Bool(true)) {
            let name = match str_of(prior, "name") {
                Some(n) => n.to_string(),
                None => match self.read_zone(&id).await? {
                    Some(l) => str_of(&l.attrs, "name").unwrap_or("").to_string(),
                    None => return Ok(()),
                },
            };
            self.empty_zone(&id, &name).await?;
        }
        match self.r53.delete_hosted_zone().id(&id).send().await {
            Ok(_) => Ok(()),
            Err(e) if has_code(&e, &["NoSuchHostedZone"]) => Ok(()),
            Err(e) if has_code(&e, &["HostedZoneNotEmpty"]) => Err(OpError::new(
                "DeleteHostedZone",
                ErrorKind::Conflict,
                format!(
                    "zone {id} still has records that eco does not manage: delete them, or set \
                     `force-destroy #true` on the zone (and apply) to have eco delete every record"
                ),
            )),
            Err(e) => Err(op_error("DeleteHostedZone", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_written_with_a_trailing_dot_or_capitals_is_the_zone_read_back() {
        // Found by the round-trip property test: `Example.com.` planned a replacement.
        let mut desired = Attrs::from([("name".to_string(), Value::from("RT.Example.com."))]);
        normalize_zone(&mut desired);
        assert_eq!(desired["name"], Value::from("rt.example.com"));
    }

    #[test]
    fn names_are_normalized() {
        assert_eq!(normalize_name("Example.COM."), "example.com");
        assert_eq!(normalize_name("\\052.example.com."), "*.example.com");
        assert_eq!(normalize_name("a\\0401.example.com"), "a 1.example.com");
        assert_eq!(bare_zone_id("/hostedzone/Z123"), "Z123");
        assert_eq!(bare_zone_id("Z123"), "Z123");
    }

    #[test]
    fn tag_changes_add_change_and_remove() {
        let live = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]);
        let want = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "3".to_string()),
            ("c".to_string(), "4".to_string()),
        ]);
        let (add, remove) = tag_changes(&live, &want);
        let add: Vec<_> = add.iter().map(|t| (t.key(), t.value())).collect();
        assert_eq!(add, vec![(Some("b"), Some("3")), (Some("c"), Some("4"))]);
        assert!(remove.is_empty());
        let (add, remove) = tag_changes(&want, &live);
        assert_eq!(add.len(), 1);
        assert_eq!(remove, vec!["c".to_string()]);
    }

    #[test]
    fn vpcs_default_to_the_stage_region() {
        let attrs = Attrs::from([(
            "vpc".to_string(),
            Value::List(vec![Value::Map(BTreeMap::from([(
                "id".to_string(),
                Value::String("vpc-1".into()),
            )]))]),
        )]);
        assert_eq!(
            vpcs_of(&attrs, "eu-west-1"),
            vec![("vpc-1".to_string(), "eu-west-1".to_string())]
        );
    }
}
