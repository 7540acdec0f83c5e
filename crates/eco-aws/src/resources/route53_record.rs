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

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_route53::client::Waiters;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ChangeStatus, ResourceRecord,
    ResourceRecordSet, RrType,
};
use aws_sdk_route53::Client;
use eco_provider::{
    Attrs, BatchItem, BatchOp, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value,
};
use eco_schema::{Attribute, ScalarType, Schema};

use super::route53_zone::{bare_zone_id, normalize_name};
use crate::attrs::{int_of, str_of};
use crate::aws::{has_code, op_error, Aws};

pub const TYPE_NAME: &str = "route53-record";

pub fn schema() -> Schema {
    Schema::new(
        TYPE_NAME,
        "A Route53 record set: values with a TTL, or an alias to an AWS resource",
    )
        .import_id("`ZONE-ID/NAME/TYPE` (with `/SET-IDENTIFIER` for weighted records)")
    .attr(
        Attribute::string("zone")
            .required()
            .forces_replacement()
            .doc("id of the hosted zone"),
    )
    .attr(
        Attribute::string("name")
            .required()
            .forces_replacement()
            .doc("fully qualified record name, lower case, without the trailing dot (e.g. www.example.com)"),
    )
    .attr(
        Attribute::string("type")
            .required()
            .forces_replacement()
            .doc("A, AAAA, CNAME, TXT, MX, NS, CAA, SRV, ..."),
    )
    .attr(Attribute::int("ttl").range(0, 2147483647).doc("time to live in seconds, for plain records (default 300) (UPSERT)"))
    .attr(
        Attribute::list("records", ScalarType::String)
            .unordered()
            .doc("record values; TXT values are quoted by eco (UPSERT)"),
    )
    .attr(
        Attribute::block(
            "alias",
            vec![
                Attribute::string("name")
                    .required()
                    .doc("DNS name of the target, e.g. a distribution's domain-name"),
                Attribute::string("zone-id")
                    .required()
                    .doc("hosted zone id of the target, e.g. a distribution's hosted-zone-id"),
                Attribute::bool("evaluate-target-health")
                    .doc("inherit the target's health (default #false)"),
            ],
        )
        .doc("alias to an AWS resource, instead of ttl and records (UPSERT)"),
    )
    .attr(
        Attribute::string("set-identifier")
            .forces_replacement()
            .doc("distinguishes records of a routing policy with the same name and type"),
    )
    .attr(Attribute::int("weight").doc("weight for weighted routing, with set-identifier (UPSERT)"))
    .attr(Attribute::string("health-check").doc("id of a Route53 health check the record's answers depend on (UPSERT)"))
    .attr(
        Attribute::bool("allow-overwrite")
            .local()
            .doc("take over an existing record on create (UPSERT instead of CREATE); eco-only"),
    )
    .attr(
        Attribute::string("fqdn")
            .computed()
            .doc("fully qualified record name"),
    )
}

// ---------------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------------

/// What identifies a record set inside its zone: (name, type, set identifier).
type RecordKey = (String, String, Option<String>);

/// The longest eco waits for a change to be INSYNC.
const INSYNC_WAIT: Duration = Duration::from_secs(300);

/// AWS's limits of one ChangeResourceRecordSets request.
const MAX_RECORD_ELEMENTS: usize = 1000;
const MAX_VALUE_CHARS: usize = 32_000;

/// Zones with at most this many requested records are read record by record in `read_many`.
const LIST_THRESHOLD: usize = 3;

fn is_quoted_type(ty: &str) -> bool {
    matches!(ty, "TXT" | "SPF")
}

/// A TXT value as Route53 takes it: quoted, with `"` and `\` escaped, split into strings of at
/// most 255 characters.
pub fn quote_txt(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return "\"\"".to_string();
    }
    chars
        .chunks(255)
        .map(|chunk| {
            let mut s = String::from("\"");
            for c in chunk {
                if *c == '"' || *c == '\\' {
                    s.push('\\');
                }
                s.push(*c);
            }
            s.push('"');
            s
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A TXT value as eco shows it: the quoted strings Route53 returns, unescaped and joined.
pub fn unquote_txt(value: &str) -> String {
    let v = value.trim();
    if !v.starts_with('"') {
        return v.to_string();
    }
    let mut out = String::new();
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue; // whitespace between strings
        }
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    // \DDD octal escapes, else the escaped character itself.
                    let digits: String = chars
                        .clone()
                        .take(3)
                        .take_while(|d| d.is_ascii_digit())
                        .collect();
                    if digits.len() == 3 {
                        for _ in 0..3 {
                            chars.next();
                        }
                        if let Some(ch) = u32::from_str_radix(&digits, 8)
                            .ok()
                            .and_then(char::from_u32)
                        {
                            out.push(ch);
                        }
                    } else if let Some(e) = chars.next() {
                        out.push(e);
                    }
                }
                '"' => break,
                other => out.push(other),
            }
        }
    }
    out
}

/// The id of a record: `ZONE/NAME/TYPE[/SET-IDENTIFIER]`.
pub fn record_id(zone: &str, key: &RecordKey) -> String {
    match &key.2 {
        Some(set) => format!("{}/{}/{}/{set}", bare_zone_id(zone), key.0, key.1),
        None => format!("{}/{}/{}", bare_zone_id(zone), key.0, key.1),
    }
}

/// Parses a record id (or import id) into (zone, key).
pub fn parse_id(id: &str) -> Result<(String, RecordKey), OpError> {
    let parts: Vec<&str> = id.splitn(4, '/').collect();
    if parts.len() < 3 || parts[..3].iter().any(|p| p.is_empty()) {
        return Err(OpError::invalid(
            "ListResourceRecordSets",
            format!("`{id}` is not a record id: expected ZONE-ID/NAME/TYPE[/SET-IDENTIFIER]"),
        ));
    }
    Ok((
        bare_zone_id(parts[0]),
        (
            normalize_name(parts[1]),
            parts[2].to_ascii_uppercase(),
            parts.get(3).map(|s| s.to_string()),
        ),
    ))
}

/// The key of a record set as Route53 returns it.
fn key_of(r: &ResourceRecordSet) -> RecordKey {
    (
        normalize_name(r.name()),
        r.r#type().as_str().to_string(),
        r.set_identifier().map(str::to_string),
    )
}

/// The key of desired (or recorded) attributes.
fn key_of_attrs(attrs: &Attrs) -> Result<(String, RecordKey), OpError> {
    let zone = str_of(attrs, "zone")
        .ok_or_else(|| OpError::invalid("ChangeResourceRecordSets", "`zone` is required"))?;
    let name = str_of(attrs, "name")
        .ok_or_else(|| OpError::invalid("ChangeResourceRecordSets", "`name` is required"))?;
    let ty = str_of(attrs, "type")
        .ok_or_else(|| OpError::invalid("ChangeResourceRecordSets", "`type` is required"))?;
    Ok((
        bare_zone_id(zone),
        (
            normalize_name(name),
            ty.to_ascii_uppercase(),
            str_of(attrs, "set-identifier").map(str::to_string),
        ),
    ))
}

/// A record's attributes in configuration shape, from what Route53 holds.
pub fn attrs_of(zone: &str, r: &ResourceRecordSet) -> Attrs {
    let (name, ty, set) = key_of(r);
    let mut attrs = Attrs::new();
    attrs.insert("zone".into(), Value::String(bare_zone_id(zone)));
    attrs.insert("name".into(), Value::String(name.clone()));
    attrs.insert("fqdn".into(), Value::String(name));
    attrs.insert("type".into(), Value::String(ty.clone()));
    if let Some(ttl) = r.ttl() {
        attrs.insert("ttl".into(), Value::Int(ttl));
    }
    if !r.resource_records().is_empty() {
        attrs.insert(
            "records".into(),
            Value::List(
                r.resource_records()
                    .iter()
                    .map(|v| {
                        Value::String(if is_quoted_type(&ty) {
                            unquote_txt(v.value())
                        } else {
                            v.value().to_string()
                        })
                    })
                    .collect(),
            ),
        );
    }
    if let Some(a) = r.alias_target() {
        attrs.insert(
            "alias".into(),
            Value::Map(BTreeMap::from([
                (
                    "name".to_string(),
                    Value::String(normalize_name(a.dns_name())),
                ),
                (
                    "zone-id".to_string(),
                    Value::String(a.hosted_zone_id().to_string()),
                ),
                (
                    "evaluate-target-health".to_string(),
                    Value::Bool(a.evaluate_target_health()),
                ),
            ])),
        );
    }
    if let Some(set) = set {
        attrs.insert("set-identifier".into(), Value::String(set));
    }
    if let Some(w) = r.weight() {
        attrs.insert("weight".into(), Value::Int(w));
    }
    if let Some(h) = r.health_check_id() {
        attrs.insert("health-check".into(), Value::String(h.to_string()));
    }
    attrs
}

/// The record set desired attributes describe. Validates locally what Route53 would refuse.
pub fn record_set(attrs: &Attrs) -> Result<(String, ResourceRecordSet), OpError> {
    const OP: &str = "ChangeResourceRecordSets";
    let (zone, (name, ty, set)) = key_of_attrs(attrs)?;
    let records: Vec<String> = match attrs.get("records") {
        Some(Value::List(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                Value::Int(i) => Ok(i.to_string()),
                other => Err(OpError::invalid(
                    OP,
                    format!("record value {other} is not a string"),
                )),
            })
            .collect::<Result<_, _>>()?,
        _ => Vec::new(),
    };
    let alias = match attrs.get("alias") {
        Some(Value::Map(m)) => Some(m),
        _ => None,
    };
    let mut b = ResourceRecordSet::builder()
        .name(name.clone())
        .r#type(RrType::from(ty.as_str()));
    match (alias, records.is_empty()) {
        (Some(_), false) => {
            return Err(OpError::invalid(
                OP,
                format!("{name} {ty}: set either `alias` or `records`, not both"),
            ))
        }
        (None, true) => {
            return Err(OpError::invalid(
                OP,
                format!("{name} {ty}: set `records` (with `ttl`) or `alias`"),
            ))
        }
        (Some(a), true) => {
            if attrs.contains_key("ttl") {
                return Err(OpError::invalid(
                    OP,
                    format!("{name} {ty}: an alias record takes no `ttl` (the target's applies)"),
                ));
            }
            let target = AliasTarget::builder()
                .dns_name(a.get("name").and_then(Value::as_str).unwrap_or_default())
                .hosted_zone_id(a.get("zone-id").and_then(Value::as_str).unwrap_or_default())
                .evaluate_target_health(matches!(
                    a.get("evaluate-target-health"),
                    Some(Value::Bool(true))
                ))
                .build()
                .map_err(|e| OpError::invalid(OP, e.to_string()))?;
            b = b.alias_target(target);
        }
        (None, false) => {
            let ttl = int_of(attrs, "ttl").unwrap_or(300);
            if !(0..=2_147_483_647).contains(&ttl) {
                return Err(OpError::invalid(
                    OP,
                    format!("{name} {ty}: ttl {ttl} is out of range"),
                ));
            }
            b = b.ttl(ttl);
            if ty == "CNAME" && records.len() > 1 {
                return Err(OpError::invalid(
                    OP,
                    format!("{name}: a CNAME record takes exactly one value"),
                ));
            }
            for v in &records {
                let value = if is_quoted_type(&ty) {
                    quote_txt(v)
                } else {
                    v.clone()
                };
                b = b.resource_records(
                    ResourceRecord::builder()
                        .value(value)
                        .build()
                        .map_err(|e| OpError::invalid(OP, e.to_string()))?,
                );
            }
        }
    }
    if let Some(set) = &set {
        b = b.set_identifier(set);
    }
    if let Some(w) = int_of(attrs, "weight") {
        if set.is_none() {
            return Err(OpError::invalid(
                OP,
                format!("{name} {ty}: `weight` needs `set-identifier`"),
            ));
        }
        b = b.weight(w);
    }
    if let Some(h) = str_of(attrs, "health-check") {
        b = b.health_check_id(h);
    }
    let rrset = b.build().map_err(|e| OpError::invalid(OP, e.to_string()))?;
    Ok((zone, rrset))
}

/// Whether two record sets hold the same values (order of values aside).
fn same_values(a: &ResourceRecordSet, b: &ResourceRecordSet) -> bool {
    let norm = |r: &ResourceRecordSet| {
        let mut attrs = attrs_of("", r);
        if let Some(Value::List(items)) = attrs.get_mut("records") {
            items.sort_by_key(|v| v.to_string());
        }
        attrs
    };
    norm(a) == norm(b)
}

/// (ResourceRecord elements, value characters) a change counts for toward AWS's limits.
fn change_weight(action: &ChangeAction, r: &ResourceRecordSet) -> (usize, usize) {
    let factor = if *action == ChangeAction::Upsert {
        2
    } else {
        1
    };
    let elements = r.resource_records().len().max(1);
    let chars: usize = r
        .resource_records()
        .iter()
        .map(|v| v.value().len())
        .sum::<usize>()
        + r.alias_target().map(|a| a.dns_name().len()).unwrap_or(0);
    (elements * factor, chars * factor)
}

/// Splits changes into requests within AWS's limits, keeping their order.
fn chunk_changes<T>(
    changes: Vec<(T, ChangeAction, ResourceRecordSet)>,
) -> Vec<Vec<(T, ChangeAction, ResourceRecordSet)>> {
    let mut out: Vec<Vec<(T, ChangeAction, ResourceRecordSet)>> = Vec::new();
    let mut current = Vec::new();
    let (mut elements, mut chars) = (0, 0);
    for (tag, action, rrset) in changes {
        let (e, c) = change_weight(&action, &rrset);
        if !current.is_empty()
            && (elements + e > MAX_RECORD_ELEMENTS || chars + c > MAX_VALUE_CHARS)
        {
            out.push(std::mem::take(&mut current));
            elements = 0;
            chars = 0;
        }
        elements += e;
        chars += c;
        current.push((tag, action, rrset));
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn change_batch(changes: &[(usize, ChangeAction, ResourceRecordSet)]) -> ChangeBatch {
    ChangeBatch::builder()
        .set_changes(Some(
            changes
                .iter()
                .map(|(_, action, rrset)| {
                    Change::builder()
                        .action(action.clone())
                        .resource_record_set(rrset.clone())
                        .build()
                        .expect("action and record set are set")
                })
                .collect(),
        ))
        .comment("eco")
        .build()
        .expect("changes are set")
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/// One change of a batch, as eco plans to send it.
struct Pending {
    /// Index in the batch's items.
    index: usize,
    zone: String,
    kind: Kind,
    rrset: ResourceRecordSet,
    /// Eco-only attributes to carry into the result.
    local: Attrs,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Create { overwrite: bool },
    Update,
    Delete,
}

impl Kind {
    fn action(self) -> ChangeAction {
        match self {
            Kind::Create { overwrite: false } => ChangeAction::Create,
            Kind::Create { overwrite: true } | Kind::Update => ChangeAction::Upsert,
            Kind::Delete => ChangeAction::Delete,
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
        let mut out_sets = Vec::new();
        let mut start: Option<(String, RrType, Option<String>)> = None;
        loop {
            let mut req = self
                .r53
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

    /// Sends one request; waits until INSYNC (bounded).
    async fn send(
        &self,
        zone: &str,
        changes: &[(usize, ChangeAction, ResourceRecordSet)],
    ) -> Result<
        (),
        aws_smithy_runtime_api::client::result::SdkError<
            aws_sdk_route53::operation::change_resource_record_sets::ChangeResourceRecordSetsError,
            aws_smithy_runtime_api::http::Response,
        >,
    > {
        let out = self
            .r53
            .change_resource_record_sets()
            .hosted_zone_id(zone)
            .change_batch(change_batch(changes))
            .send()
            .await?;
        if let Some(info) = out.change_info() {
            if *info.status() != ChangeStatus::Insync {
                if let Err(e) = self
                    .r53
                    .wait_until_resource_record_sets_changed()
                    .id(info.id())
                    .wait(INSYNC_WAIT)
                    .await
                {
                    tracing::warn!(
                        change = info.id(),
                        "Route53 accepted the change but it was not INSYNC within {} s: {e}",
                        INSYNC_WAIT.as_secs()
                    );
                }
            }
        }
        Ok(())
    }

    /// Carries out one zone's changes; writes each one's result into `results`.
    async fn apply_zone(
        &self,
        zone: &str,
        pending: Vec<Pending>,
        results: &mut [Option<Result<Option<Live>, OpError>>],
    ) {
        let done = |p: &Pending, rrset: &ResourceRecordSet| match p.kind {
            Kind::Delete => Ok(None),
            _ => Ok(Some(Self::live(zone, rrset, &p.local))),
        };
        let by_index: HashMap<usize, &Pending> = pending.iter().map(|p| (p.index, p)).collect();
        let changes: Vec<(usize, ChangeAction, ResourceRecordSet)> = pending
            .iter()
            .map(|p| (p.index, p.kind.action(), p.rrset.clone()))
            .collect();
        for chunk in chunk_changes(changes) {
            let refused = match self.send(zone, &chunk).await {
                Ok(()) => {
                    for (i, _, rrset) in &chunk {
                        results[*i] = Some(done(by_index[i], rrset));
                    }
                    continue;
                }
                Err(e) if has_code(&e, &["InvalidChangeBatch"]) => e,
                Err(e) if has_code(&e, &["NoSuchHostedZone"]) => {
                    let err = op_error("ChangeResourceRecordSets", e);
                    for (i, _, _) in &chunk {
                        results[*i] = Some(match by_index[i].kind {
                            Kind::Delete => Ok(None),
                            _ => Err(err.clone()),
                        });
                    }
                    continue;
                }
                Err(e) => {
                    let err = op_error("ChangeResourceRecordSets", e);
                    for (i, _, _) in &chunk {
                        results[*i] = Some(Err(err.clone()));
                    }
                    continue;
                }
            };
            // Refused: look at what the zone holds, settle what is already so, and resend.
            tracing::debug!(
                zone,
                "change batch refused ({refused:?}); reconciling with the zone"
            );
            let live: HashMap<RecordKey, ResourceRecordSet> = match self.list_zone(zone).await {
                Ok(Some(sets)) => sets.into_iter().map(|r| (key_of(&r), r)).collect(),
                Ok(None) => {
                    for (i, _, _) in &chunk {
                        results[*i] = Some(match by_index[i].kind {
                            Kind::Delete => Ok(None),
                            _ => Err(OpError::new(
                                "ChangeResourceRecordSets",
                                ErrorKind::Other,
                                format!("hosted zone {zone} no longer exists"),
                            )),
                        });
                    }
                    continue;
                }
                Err(e) => {
                    for (i, _, _) in &chunk {
                        results[*i] = Some(Err(e.clone()));
                    }
                    continue;
                }
            };
            let mut again = Vec::new();
            for (i, _, rrset) in chunk {
                let p = by_index[&i];
                let key = key_of(&rrset);
                match (p.kind, live.get(&key)) {
                    (Kind::Delete, None) => results[i] = Some(Ok(None)),
                    (Kind::Delete, Some(current)) => {
                        again.push((i, ChangeAction::Delete, current.clone()))
                    }
                    (Kind::Create { .. }, Some(current)) if same_values(current, &rrset) => {
                        results[i] = Some(done(p, &rrset))
                    }
                    (Kind::Create { overwrite: false }, Some(_)) => {
                        results[i] = Some(Err(OpError::new(
                            "ChangeResourceRecordSets",
                            ErrorKind::Conflict,
                            format!(
                                "{} {} already exists in zone {zone} with other values, and eco did not \
                                 create it: import it (`eco import ADDRESS {}`), or set \
                                 `allow-overwrite #true` to take it over",
                                key.0,
                                key.1,
                                record_id(zone, &key)
                            ),
                        )))
                    }
                    (Kind::Create { overwrite: false }, None) => {
                        again.push((i, ChangeAction::Create, rrset))
                    }
                    _ => again.push((i, ChangeAction::Upsert, rrset)),
                }
            }
            if again.is_empty() {
                continue;
            }
            match self.send(zone, &again).await {
                Ok(()) => {
                    for (i, _, rrset) in &again {
                        results[*i] = Some(done(by_index[i], rrset));
                    }
                }
                Err(_) => {
                    // One change per call, so that each error names its record.
                    for (i, action, rrset) in again {
                        let one = [(i, action, rrset.clone())];
                        results[i] = Some(match self.send(zone, &one).await {
                            Ok(()) => done(by_index[&i], &rrset),
                            Err(e) => Err(op_error("ChangeResourceRecordSets", e)),
                        });
                    }
                }
            }
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

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
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
        _ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let (zone, want) = record_set(desired)?;
        let Some(current) = self.read_record(&zone, &key_of(&want)).await? else {
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
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.to_string())
    }

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn txt_values_are_quoted_split_and_unquoted() {
        assert_eq!(quote_txt("hello"), "\"hello\"");
        assert_eq!(quote_txt("say \"hi\""), "\"say \\\"hi\\\"\"");
        let long = "x".repeat(300);
        let q = quote_txt(&long);
        assert_eq!(q, format!("\"{}\" \"{}\"", "x".repeat(255), "x".repeat(45)));
        assert_eq!(unquote_txt(&q), long);
        assert_eq!(unquote_txt("\"say \\\"hi\\\"\""), "say \"hi\"");
        assert_eq!(unquote_txt("\"a\\053b\""), "a+b");
        assert_eq!(unquote_txt("plain"), "plain");
    }

    #[test]
    fn ids_round_trip() {
        let key = ("www.example.com".to_string(), "A".to_string(), None);
        assert_eq!(record_id("/hostedzone/Z1", &key), "Z1/www.example.com/A");
        assert_eq!(
            parse_id("Z1/WWW.example.com./a").unwrap(),
            ("Z1".to_string(), key)
        );
        let weighted = parse_id("Z1/api.example.com/CNAME/blue").unwrap();
        assert_eq!(weighted.1 .2.as_deref(), Some("blue"));
        assert!(parse_id("Z1/www.example.com").is_err());
    }

    #[test]
    fn record_sets_are_built_and_read_back_in_configuration_shape() {
        let desired = attrs(&[
            ("zone", s("Z1")),
            ("name", s("_verify.example.com")),
            ("type", s("TXT")),
            ("ttl", Value::Int(60)),
            ("records", Value::List(vec![s("hello world")])),
        ]);
        let (zone, rrset) = record_set(&desired).unwrap();
        assert_eq!(zone, "Z1");
        assert_eq!(rrset.resource_records()[0].value(), "\"hello world\"");
        let back = attrs_of(&zone, &rrset);
        for (k, v) in &desired {
            assert_eq!(back.get(k), Some(v), "{k}");
        }
        assert_eq!(back.get("fqdn"), Some(&s("_verify.example.com")));

        let alias = attrs(&[
            ("zone", s("Z1")),
            ("name", s("example.com")),
            ("type", s("A")),
            (
                "alias",
                Value::Map(BTreeMap::from([
                    ("name".to_string(), s("d123.cloudfront.net")),
                    ("zone-id".to_string(), s("Z2FDTNDATAQYW2")),
                ])),
            ),
        ]);
        let (_, rrset) = record_set(&alias).unwrap();
        let target = rrset.alias_target().unwrap();
        assert_eq!(target.hosted_zone_id(), "Z2FDTNDATAQYW2");
        assert!(!target.evaluate_target_health());
        assert_eq!(rrset.ttl(), None);
    }

    #[test]
    fn invalid_records_are_refused_locally() {
        let base = [
            ("zone", s("Z1")),
            ("name", s("a.example.com")),
            ("type", s("A")),
        ];
        assert!(record_set(&attrs(&base)).is_err(), "no values");
        let mut both = attrs(&base);
        both.insert("records".into(), Value::List(vec![s("1.2.3.4")]));
        both.insert(
            "alias".into(),
            Value::Map(BTreeMap::from([("name".to_string(), s("x"))])),
        );
        assert_eq!(record_set(&both).unwrap_err().kind, ErrorKind::Invalid);
        let mut weight = attrs(&base);
        weight.insert("records".into(), Value::List(vec![s("1.2.3.4")]));
        weight.insert("weight".into(), Value::Int(10));
        assert!(
            record_set(&weight).is_err(),
            "weight without set-identifier"
        );
    }

    #[test]
    fn batches_split_only_beyond_aws_limits() {
        let rr = |n: usize| {
            ResourceRecordSet::builder()
                .name(format!("r{n}.example.com"))
                .r#type(RrType::A)
                .ttl(60)
                .resource_records(ResourceRecord::builder().value("10.0.0.1").build().unwrap())
                .build()
                .unwrap()
        };
        let creates: Vec<_> = (0..1000)
            .map(|i| (i, ChangeAction::Create, rr(i)))
            .collect();
        assert_eq!(chunk_changes(creates).len(), 1);
        let creates: Vec<_> = (0..1001)
            .map(|i| (i, ChangeAction::Create, rr(i)))
            .collect();
        let chunks = chunk_changes(creates);
        assert_eq!(
            chunks.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![1000, 1]
        );
        let upserts: Vec<_> = (0..600).map(|i| (i, ChangeAction::Upsert, rr(i))).collect();
        assert_eq!(chunk_changes(upserts).len(), 2, "UPSERTs count twice");
        let big = |n: usize| {
            ResourceRecordSet::builder()
                .name(format!("t{n}.example.com"))
                .r#type(RrType::Txt)
                .ttl(60)
                .resource_records(
                    ResourceRecord::builder()
                        .value("y".repeat(4000))
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        };
        let txt: Vec<_> = (0..10).map(|i| (i, ChangeAction::Create, big(i))).collect();
        assert_eq!(chunk_changes(txt).len(), 2, "32,000 characters per request");
    }

    #[test]
    fn batch_key_is_the_zone() {
        let p = Provider {
            schema: schema(),
            r53: Client::from_conf(
                aws_sdk_route53::Config::builder()
                    .behavior_version(aws_sdk_route53::config::BehaviorVersion::latest())
                    .build(),
            ),
        };
        assert_eq!(
            p.batch_key(&attrs(&[("zone", s("/hostedzone/Z9"))]))
                .as_deref(),
            Some("Z9")
        );
        assert_eq!(p.batch_key(&Attrs::new()), None);
    }
}
