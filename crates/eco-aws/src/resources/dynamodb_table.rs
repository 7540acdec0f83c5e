//! `dynamodb-table`: a DynamoDB table with its indexes, TTL, backups and stream.
//!
//! AWS calls:
//! - read: DescribeTable, then DescribeTimeToLive, DescribeContinuousBackups and
//!   ListTagsOfResource (paged) concurrently; a table that is DELETING reads as gone
//! - find: DescribeTable + ListTagsOfResource (ours by ownership tags, else Conflict)
//! - create: CreateTable (keys, billing, GSIs, LSIs, stream, SSE, table class, deletion protection,
//!   tags), polls DescribeTable until the table and its indexes are ACTIVE, then UpdateTimeToLive
//!   and UpdateContinuousBackups when set; a table of that name that is ours is adopted and brought
//!   to the configuration
//! - update: compares each changed attribute with DescribeTable first (so a repeated update calls
//!   nothing), then UpdateTable (GSI deletes, then billing mode / capacity, then GSI creates, one
//!   GSI create or delete per call, always with the full AttributeDefinitions, waiting for ACTIVE
//!   between calls; then stream, table class, deletion protection, SSE), UpdateTimeToLive,
//!   UpdateContinuousBackups, TagResource / UntagResource
//! - delete: DeleteTable (refused with a Conflict while deletion protection is on), then polls
//!   DescribeTable until the table is gone
//! - import: by table name (same as read)
//!
//! DynamoDB has no batched describe, so `read_many` is not offered.

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "dynamodb-table";

fn key(name: &'static str, what: &'static str) -> Attribute {
    Attribute::labeled_block(
        name,
        "name",
        vec![
            Attribute::string("name")
                .required()
                .doc("key attribute name"),
            Attribute::string("type")
                .required()
                .one_of(KEY_TYPES)
                .doc("S (string), N (number) or B (binary)"),
        ],
    )
    .forces_replacement()
    .doc(what)
}

pub fn schema() -> Schema {
    Schema::new(TYPE_NAME, "A DynamoDB table: keys, billing, global and local secondary indexes, TTL, point-in-time recovery, stream")
        .import_id("the table name")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("table name; DynamoDB cannot rename a table"),
        )
        .attr(
            key("hash-key", "partition key and its type; fixed at creation").required(),
        )
        .attr(key("range-key", "sort key and its type; fixed at creation"))
        .attr(
            Attribute::string("billing-mode")
                .one_of(&[PAY_PER_REQUEST, PROVISIONED]).doc("PAY_PER_REQUEST (default) or PROVISIONED (UpdateTable)"),
        )
        .attr(Attribute::int("read-capacity").doc("read capacity units when PROVISIONED (UpdateTable)"))
        .attr(Attribute::int("write-capacity").doc("write capacity units when PROVISIONED (UpdateTable)"))
        .attr(
            Attribute::repeated_block(
                "gsi",
                "name",
                vec![
                    Attribute::string("name").doc("index name"),
                    Attribute::string("hash-key").required().doc("partition key attribute of the index"),
                    Attribute::string("type").one_of(KEY_TYPES).doc("type of the partition key: S (default), N or B"),
                    Attribute::string("range-key").doc("sort key attribute of the index"),
                    Attribute::string("range-type").one_of(KEY_TYPES).doc("type of the sort key: S (default), N or B"),
                    Attribute::string("projection").one_of(PROJECTIONS).doc("ALL (default), KEYS_ONLY or INCLUDE"),
                    Attribute::list("non-key-attributes", ScalarType::String).unordered()
                        .doc("attributes projected when projection is INCLUDE"),
                    Attribute::int("read-capacity").doc("read capacity units when PROVISIONED"),
                    Attribute::int("write-capacity").doc("write capacity units when PROVISIONED"),
                ],
            )
            .doc("a global secondary index; added or removed with UpdateTable, a changed key rebuilds that index"),
        )
        .attr(
            Attribute::repeated_block(
                "lsi",
                "name",
                vec![
                    Attribute::string("name").doc("index name"),
                    Attribute::string("range-key").required().doc("sort key attribute of the index"),
                    Attribute::string("type").one_of(KEY_TYPES).doc("type of the sort key: S (default), N or B"),
                    Attribute::string("projection").one_of(PROJECTIONS).doc("ALL (default), KEYS_ONLY or INCLUDE"),
                    Attribute::list("non-key-attributes", ScalarType::String).unordered()
                        .doc("attributes projected when projection is INCLUDE"),
                ],
            )
            .forces_replacement()
            .doc("a local secondary index; DynamoDB only creates them with the table"),
        )
        .attr(
            Attribute::string("ttl")
                .doc("attribute holding the expiry epoch seconds; enables TTL (UpdateTimeToLive)"),
        )
        .attr(
            Attribute::bool("point-in-time-recovery")
                .doc("continuous backups with point-in-time recovery (UpdateContinuousBackups)"),
        )
        .attr(
            Attribute::string("stream-view-type")
                .one_of(STREAM_VIEW_TYPES).doc("enables the stream: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES (UpdateTable)"),
        )
        .attr(
            Attribute::string("table-class")
                .one_of(TABLE_CLASSES).doc("STANDARD (default) or STANDARD_INFREQUENT_ACCESS (UpdateTable)"),
        )
        .attr(
            Attribute::bool("deletion-protection")
                .doc("refuse DeleteTable while set (UpdateTable)"),
        )
        .attr(
            Attribute::string("kms-key")
                .doc("customer managed KMS key for encryption at rest (default: AWS owned key; UpdateTable)"),
        )
        .attr(Attribute::string("arn").computed().doc("table ARN"))
        .attr(
            Attribute::string("stream-arn")
                .computed()
                .doc("latest stream ARN, when a stream is enabled"),
        )
        .attr(
            Attribute::string("stream-label")
                .computed()
                .doc("timestamp label of the latest stream"),
        )
        .taggable()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction,
    DeleteGlobalSecondaryIndexAction, GlobalSecondaryIndex, GlobalSecondaryIndexUpdate,
    IndexStatus, KeySchemaElement, KeyType, LocalSecondaryIndex, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, Projection, ProjectionType, ProvisionedThroughput,
    ScalarAttributeType, SseSpecification, SseType, StreamSpecification, StreamViewType,
    TableClass, TableDescription, TableStatus, Tag, TimeToLiveSpecification, TimeToLiveStatus,
    UpdateGlobalSecondaryIndexAction,
};
use aws_smithy_runtime_api::client::result::SdkError;
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};

use crate::attrs::blocks_with;
use crate::attrs::one_of;
use crate::aws::{error_code, is_not_found, op_error, Aws};
use crate::calls::get_optional;
use crate::ownership::not_ours_by_tags;
use crate::tags::{tags_of, tags_value};

const KEY_TYPES: &[&str] = &["S", "N", "B"];
const PROJECTIONS: &[&str] = &["ALL", "KEYS_ONLY", "INCLUDE"];
const STREAM_VIEW_TYPES: &[&str] = &["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"];
const TABLE_CLASSES: &[&str] = &["STANDARD", "STANDARD_INFREQUENT_ACCESS"];
const PAY_PER_REQUEST: &str = "PAY_PER_REQUEST";
const PROVISIONED: &str = "PROVISIONED";

/// Longest wait for a table and its indexes to become ACTIVE (a GSI backfill on a large table
/// takes long; the next apply picks up where a timed-out one stopped).
const ACTIVE_WAIT: Duration = Duration::from_secs(30 * 60);
/// Longest wait for a deleted table to disappear.
const GONE_WAIT: Duration = Duration::from_secs(10 * 60);
/// First pause between two polls (the first poll is immediate); doubles up to `POLL_MAX`.
const POLL_FIRST: Duration = Duration::from_millis(250);
const POLL_MAX: Duration = Duration::from_secs(8);

/// A key attribute and its scalar type (S, N or B).
#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyAttr {
    name: String,
    ty: String,
}

/// An index projection.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Proj {
    kind: String,
    non_key: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Billing {
    PayPerRequest,
    Provisioned { read: i64, write: i64 },
}

/// A global secondary index. `capacity` is set exactly when the table is PROVISIONED.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Gsi {
    name: String,
    hash: KeyAttr,
    range: Option<KeyAttr>,
    projection: Proj,
    capacity: Option<(i64, i64)>,
}

impl Gsi {
    /// Whether two indexes have the same keys and projection (what UpdateTable cannot change:
    /// a difference there rebuilds the index).
    fn same_shape(&self, other: &Gsi) -> bool {
        self.hash == other.hash && self.range == other.range && self.projection == other.projection
    }
}

/// A local secondary index (its partition key is the table's).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lsi {
    name: String,
    range: KeyAttr,
    projection: Proj,
}

/// A table as eco models it: the desired configuration (with defaults filled in) or what AWS
/// reports, in one shape so that they compare field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TableSpec {
    name: String,
    hash: KeyAttr,
    range: Option<KeyAttr>,
    billing: Billing,
    gsis: Vec<Gsi>,
    lsis: Vec<Lsi>,
    ttl: Option<String>,
    pitr: bool,
    stream: Option<String>,
    table_class: String,
    deletion_protection: bool,
    kms_key: Option<String>,
    tags: BTreeMap<String, String>,
}

/// A live table: its spec plus the computed attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LiveTable {
    spec: TableSpec,
    arn: String,
    stream_arn: Option<String>,
    stream_label: Option<String>,
}

fn get_str<'a>(
    op: &str,
    map: &'a BTreeMap<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<&'a str>, OpError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{what} must be a string, not {other}"),
        )),
    }
}

fn get_int(
    op: &str,
    map: &BTreeMap<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<i64>, OpError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(i)) if *i >= 1 => Ok(Some(*i)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{what} must be a positive integer, not {other}"),
        )),
    }
}

fn get_bool(
    op: &str,
    map: &BTreeMap<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<bool>, OpError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{what} must be #true or #false, not {other}"),
        )),
    }
}

fn key_type(op: &str, value: Option<&str>, what: &str) -> Result<String, OpError> {
    let ty = value.unwrap_or("S");
    one_of(op, None, what, ty, KEY_TYPES)?;
    Ok(ty.to_string())
}

/// `hash-key "pk" type="S"` -> its key.
fn key_block(op: &str, value: Option<&Value>, attr: &str) -> Result<Option<KeyAttr>, OpError> {
    let map = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Map(m)) => m,
        Some(other) => {
            return Err(OpError::invalid(
                op,
                format!("`{attr}` must be a block (`{attr} \"pk\" type=\"S\"`), not {other}"),
            ))
        }
    };
    let name = get_str(op, map, "name", &format!("`{attr}` name"))?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| OpError::invalid(op, format!("`{attr}` needs an attribute name")))?;
    let ty = get_str(op, map, "type", &format!("`{attr}` type"))?
        .ok_or_else(|| OpError::invalid(op, format!("`{attr}` needs a type: S, N or B")))?;
    Ok(Some(KeyAttr {
        name: name.to_string(),
        ty: key_type(op, Some(ty), &format!("`{attr}` type"))?,
    }))
}

fn projection_of(op: &str, map: &BTreeMap<String, Value>, what: &str) -> Result<Proj, OpError> {
    let kind = get_str(op, map, "projection", &format!("{what} projection"))?.unwrap_or("ALL");
    one_of(op, None, &format!("{what} projection"), kind, PROJECTIONS)?;
    let non_key: Vec<String> = match map.get("non-key-attributes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    OpError::invalid(op, format!("{what} non-key-attributes must be strings"))
                })
            })
            .collect::<Result<_, _>>()?,
        Some(Value::String(s)) => vec![s.clone()],
        Some(other) => {
            return Err(OpError::invalid(
                op,
                format!("{what} non-key-attributes must be a list of strings, not {other}"),
            ))
        }
    };
    match (kind, non_key.is_empty()) {
        ("INCLUDE", true) => Err(OpError::invalid(
            op,
            format!("{what} has projection INCLUDE but no non-key-attributes"),
        )),
        ("ALL" | "KEYS_ONLY", false) => Err(OpError::invalid(
            op,
            format!("{what} lists non-key-attributes; they need projection INCLUDE"),
        )),
        _ => Ok(Proj {
            kind: kind.to_string(),
            non_key,
        }),
    }
}

/// The maps of a repeated block (a single map is taken as one block).
fn blocks<'a>(
    op: &str,
    value: Option<&'a Value>,
    attr: &str,
) -> Result<Vec<&'a BTreeMap<String, Value>>, OpError> {
    blocks_with(
        op,
        value,
        |other| format!("each `{attr}` must be a block, not {other}"),
        |other| format!("`{attr}` must be a list of blocks, not {other}"),
    )
}

fn index_name(op: &str, map: &BTreeMap<String, Value>, attr: &str) -> Result<String, OpError> {
    let name = get_str(op, map, "name", &format!("`{attr}` name"))?.unwrap_or_default();
    let valid = (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !valid {
        return Err(OpError::invalid(
            op,
            format!("`{attr}` name `{name}` must be 3-255 characters of a-z, A-Z, 0-9, _, - and ."),
        ));
    }
    Ok(name.to_string())
}

impl TableSpec {
    /// The desired table from configuration attributes, with eco's defaults filled in
    /// (PAY_PER_REQUEST, key types S, projection ALL, STANDARD class, a GSI's capacity taken
    /// from the table's when PROVISIONED). Obviously invalid values are refused here, before any
    /// AWS call, as `op` errors.
    fn from_attrs(attrs: &Attrs, op: &str) -> Result<TableSpec, OpError> {
        let name = match attrs.get("name") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(OpError::invalid(op, "`name` is required (a string)")),
        };
        let valid_name = (3..=255).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !valid_name {
            return Err(OpError::invalid(
                op,
                format!(
                    "table name `{name}` must be 3-255 characters of a-z, A-Z, 0-9, _, - and ."
                ),
            ));
        }
        let hash = key_block(op, attrs.get("hash-key"), "hash-key")?
            .ok_or_else(|| OpError::invalid(op, "`hash-key` is required"))?;
        let range = key_block(op, attrs.get("range-key"), "range-key")?;

        let mode = get_str(op, attrs, "billing-mode", "`billing-mode`")?.unwrap_or(PAY_PER_REQUEST);
        one_of(
            op,
            None,
            "`billing-mode`",
            mode,
            &[PAY_PER_REQUEST, PROVISIONED],
        )?;
        let read = get_int(op, attrs, "read-capacity", "`read-capacity`")?;
        let write = get_int(op, attrs, "write-capacity", "`write-capacity`")?;
        let billing = match (mode, read, write) {
            (PAY_PER_REQUEST, None, None) => Billing::PayPerRequest,
            (PAY_PER_REQUEST, _, _) => {
                return Err(OpError::invalid(
                    op,
                    "read-capacity and write-capacity need billing-mode \"PROVISIONED\"",
                ))
            }
            (_, Some(read), Some(write)) => Billing::Provisioned { read, write },
            _ => {
                return Err(OpError::invalid(
                    op,
                    "billing-mode \"PROVISIONED\" needs both read-capacity and write-capacity",
                ))
            }
        };

        let mut gsis = Vec::new();
        for map in blocks(op, attrs.get("gsi"), "gsi")? {
            let name = index_name(op, map, "gsi")?;
            let what = format!("gsi `{name}`");
            let hash_name = get_str(op, map, "hash-key", &format!("{what} hash-key"))?
                .filter(|s| !s.is_empty())
                .ok_or_else(|| OpError::invalid(op, format!("{what} needs a hash-key")))?;
            let hash = KeyAttr {
                name: hash_name.to_string(),
                ty: key_type(
                    op,
                    get_str(op, map, "type", &what)?,
                    &format!("{what} type"),
                )?,
            };
            let range = match get_str(op, map, "range-key", &format!("{what} range-key"))? {
                Some(r) if !r.is_empty() => Some(KeyAttr {
                    name: r.to_string(),
                    ty: key_type(
                        op,
                        get_str(op, map, "range-type", &what)?,
                        &format!("{what} range-type"),
                    )?,
                }),
                _ => {
                    if map.contains_key("range-type") {
                        return Err(OpError::invalid(
                            op,
                            format!("{what} has a range-type but no range-key"),
                        ));
                    }
                    None
                }
            };
            let projection = projection_of(op, map, &what)?;
            let gr = get_int(op, map, "read-capacity", &format!("{what} read-capacity"))?;
            let gw = get_int(op, map, "write-capacity", &format!("{what} write-capacity"))?;
            let capacity = match billing {
                Billing::PayPerRequest => {
                    if gr.is_some() || gw.is_some() {
                        return Err(OpError::invalid(
                            op,
                            format!("{what} sets a capacity but the table is PAY_PER_REQUEST"),
                        ));
                    }
                    None
                }
                Billing::Provisioned { read, write } => {
                    Some((gr.unwrap_or(read), gw.unwrap_or(write)))
                }
            };
            gsis.push(Gsi {
                name,
                hash,
                range,
                projection,
                capacity,
            });
        }
        gsis.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(w) = gsis.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(OpError::invalid(
                op,
                format!("gsi `{}` is declared twice", w[0].name),
            ));
        }
        if gsis.len() > 20 {
            return Err(OpError::invalid(
                op,
                "a table has at most 20 global secondary indexes",
            ));
        }

        let mut lsis = Vec::new();
        for map in blocks(op, attrs.get("lsi"), "lsi")? {
            let name = index_name(op, map, "lsi")?;
            let what = format!("lsi `{name}`");
            let range_name = get_str(op, map, "range-key", &format!("{what} range-key"))?
                .filter(|s| !s.is_empty())
                .ok_or_else(|| OpError::invalid(op, format!("{what} needs a range-key")))?;
            let range = KeyAttr {
                name: range_name.to_string(),
                ty: key_type(
                    op,
                    get_str(op, map, "type", &what)?,
                    &format!("{what} type"),
                )?,
            };
            let projection = projection_of(op, map, &what)?;
            lsis.push(Lsi {
                name,
                range,
                projection,
            });
        }
        lsis.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(w) = lsis.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(OpError::invalid(
                op,
                format!("lsi `{}` is declared twice", w[0].name),
            ));
        }
        if !lsis.is_empty() && range.is_none() {
            return Err(OpError::invalid(
                op,
                "local secondary indexes need a table with a range-key",
            ));
        }
        if lsis.len() > 5 {
            return Err(OpError::invalid(
                op,
                "a table has at most 5 local secondary indexes",
            ));
        }
        if let Some(dup) = gsis.iter().find(|g| lsis.iter().any(|l| l.name == g.name)) {
            return Err(OpError::invalid(
                op,
                format!("`{}` names both a gsi and an lsi", dup.name),
            ));
        }

        let ttl = get_str(op, attrs, "ttl", "`ttl`")?.map(str::to_string);
        if ttl.as_deref() == Some("") {
            return Err(OpError::invalid(
                op,
                "`ttl` names the expiry attribute; it cannot be empty",
            ));
        }
        let stream = get_str(op, attrs, "stream-view-type", "`stream-view-type`")?;
        if let Some(s) = stream {
            one_of(op, None, "`stream-view-type`", s, STREAM_VIEW_TYPES)?;
        }
        let table_class = get_str(op, attrs, "table-class", "`table-class`")?.unwrap_or("STANDARD");
        one_of(op, None, "`table-class`", table_class, TABLE_CLASSES)?;
        let kms_key = get_str(op, attrs, "kms-key", "`kms-key`")?
            .filter(|k| !k.is_empty())
            .map(str::to_string);

        let spec = TableSpec {
            name,
            hash,
            range,
            billing,
            gsis,
            lsis,
            ttl,
            pitr: get_bool(
                op,
                attrs,
                "point-in-time-recovery",
                "`point-in-time-recovery`",
            )?
            .unwrap_or(false),
            stream: stream.map(str::to_string),
            table_class: table_class.to_string(),
            deletion_protection: get_bool(
                op,
                attrs,
                "deletion-protection",
                "`deletion-protection`",
            )?
            .unwrap_or(false),
            kms_key,
            tags: tags_of(attrs.get("tags")),
        };
        attribute_definitions(
            &spec.hash,
            spec.range.as_ref(),
            &spec.lsis,
            spec.gsis.iter(),
        )
        .map_err(|m| OpError::invalid(op, m))?;
        Ok(spec)
    }
}

/// The projection of an index description.
fn proj_from(p: Option<&Projection>) -> Proj {
    let kind = p
        .and_then(|p| p.projection_type())
        .map(|t| t.as_str().to_string())
        .unwrap_or_else(|| "ALL".to_string());
    let non_key = p
        .map(|p| p.non_key_attributes().to_vec())
        .unwrap_or_default();
    Proj { kind, non_key }
}

/// The keys of a key schema: (hash, range), typed by the table's attribute definitions.
fn keys_from(
    schema: &[KeySchemaElement],
    types: &BTreeMap<&str, &str>,
) -> (Option<KeyAttr>, Option<KeyAttr>) {
    let key = |kt: KeyType| {
        schema
            .iter()
            .find(|k| *k.key_type() == kt)
            .map(|k| KeyAttr {
                name: k.attribute_name().to_string(),
                ty: types
                    .get(k.attribute_name())
                    .copied()
                    .unwrap_or("S")
                    .to_string(),
            })
    };
    (key(KeyType::Hash), key(KeyType::Range))
}

impl LiveTable {
    /// A live table from DescribeTable. TTL, point-in-time recovery and tags come from other
    /// calls and are filled in by the caller.
    fn from_description(d: &TableDescription) -> LiveTable {
        let types: BTreeMap<&str, &str> = d
            .attribute_definitions()
            .iter()
            .map(|a| (a.attribute_name(), a.attribute_type().as_str()))
            .collect();
        let (hash, range) = keys_from(d.key_schema(), &types);
        let provisioned = d
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .is_none_or(|m| *m == BillingMode::Provisioned);
        let throughput = |p: Option<&aws_sdk_dynamodb::types::ProvisionedThroughputDescription>| {
            (
                p.and_then(|p| p.read_capacity_units()).unwrap_or(0),
                p.and_then(|p| p.write_capacity_units()).unwrap_or(0),
            )
        };
        let billing = if provisioned {
            let (read, write) = throughput(d.provisioned_throughput());
            Billing::Provisioned { read, write }
        } else {
            Billing::PayPerRequest
        };
        let mut gsis: Vec<Gsi> = d
            .global_secondary_indexes()
            .iter()
            .filter(|g| g.index_status() != Some(&IndexStatus::Deleting))
            .map(|g| {
                let (h, r) = keys_from(g.key_schema(), &types);
                Gsi {
                    name: g.index_name().unwrap_or_default().to_string(),
                    hash: h.unwrap_or(KeyAttr {
                        name: String::new(),
                        ty: "S".to_string(),
                    }),
                    range: r,
                    projection: proj_from(g.projection()),
                    capacity: provisioned.then(|| throughput(g.provisioned_throughput())),
                }
            })
            .collect();
        gsis.sort_by(|a, b| a.name.cmp(&b.name));
        let mut lsis: Vec<Lsi> = d
            .local_secondary_indexes()
            .iter()
            .filter_map(|l| {
                let (_, r) = keys_from(l.key_schema(), &types);
                Some(Lsi {
                    name: l.index_name().unwrap_or_default().to_string(),
                    range: r?,
                    projection: proj_from(l.projection()),
                })
            })
            .collect();
        lsis.sort_by(|a, b| a.name.cmp(&b.name));
        let stream = d
            .stream_specification()
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type())
            .map(|v| v.as_str().to_string());
        let kms_key = d
            .sse_description()
            .filter(|s| s.sse_type() == Some(&SseType::Kms))
            .and_then(|s| s.kms_master_key_arn())
            .map(str::to_string);
        let table_class = d
            .table_class_summary()
            .and_then(|c| c.table_class())
            .map(|c| c.as_str().to_string())
            .unwrap_or_else(|| "STANDARD".to_string());
        LiveTable {
            spec: TableSpec {
                name: d.table_name().unwrap_or_default().to_string(),
                hash: hash.unwrap_or(KeyAttr {
                    name: String::new(),
                    ty: "S".to_string(),
                }),
                range,
                billing,
                gsis,
                lsis,
                ttl: None,
                pitr: false,
                stream: stream.clone(),
                table_class,
                deletion_protection: d.deletion_protection_enabled().unwrap_or(false),
                kms_key,
                tags: BTreeMap::new(),
            },
            arn: d.table_arn().unwrap_or_default().to_string(),
            stream_arn: stream
                .as_ref()
                .and(d.latest_stream_arn())
                .map(str::to_string),
            stream_label: stream
                .as_ref()
                .and(d.latest_stream_label())
                .map(str::to_string),
        }
    }

    /// The attributes in configuration shape (what `read` reports).
    fn to_attrs(&self) -> Attrs {
        let s = &self.spec;
        let string = |v: &str| Value::String(v.to_string());
        let key = |k: &KeyAttr| {
            Value::Map(BTreeMap::from([
                ("name".to_string(), string(&k.name)),
                ("type".to_string(), string(&k.ty)),
            ]))
        };
        let projection = |m: &mut BTreeMap<String, Value>, p: &Proj| {
            m.insert("projection".to_string(), string(&p.kind));
            if !p.non_key.is_empty() {
                m.insert(
                    "non-key-attributes".to_string(),
                    Value::List(p.non_key.iter().map(|n| string(n)).collect()),
                );
            }
        };
        let mut a = Attrs::new();
        a.insert("name".to_string(), string(&s.name));
        a.insert("hash-key".to_string(), key(&s.hash));
        if let Some(r) = &s.range {
            a.insert("range-key".to_string(), key(r));
        }
        match s.billing {
            Billing::PayPerRequest => {
                a.insert("billing-mode".to_string(), string(PAY_PER_REQUEST));
            }
            Billing::Provisioned { read, write } => {
                a.insert("billing-mode".to_string(), string(PROVISIONED));
                a.insert("read-capacity".to_string(), Value::Int(read));
                a.insert("write-capacity".to_string(), Value::Int(write));
            }
        }
        if !s.gsis.is_empty() {
            let gsis = s
                .gsis
                .iter()
                .map(|g| {
                    let mut m = BTreeMap::new();
                    m.insert("name".to_string(), string(&g.name));
                    m.insert("hash-key".to_string(), string(&g.hash.name));
                    m.insert("type".to_string(), string(&g.hash.ty));
                    if let Some(r) = &g.range {
                        m.insert("range-key".to_string(), string(&r.name));
                        m.insert("range-type".to_string(), string(&r.ty));
                    }
                    projection(&mut m, &g.projection);
                    if let Some((r, w)) = g.capacity {
                        m.insert("read-capacity".to_string(), Value::Int(r));
                        m.insert("write-capacity".to_string(), Value::Int(w));
                    }
                    Value::Map(m)
                })
                .collect();
            a.insert("gsi".to_string(), Value::List(gsis));
        }
        if !s.lsis.is_empty() {
            let lsis = s
                .lsis
                .iter()
                .map(|l| {
                    let mut m = BTreeMap::new();
                    m.insert("name".to_string(), string(&l.name));
                    m.insert("range-key".to_string(), string(&l.range.name));
                    m.insert("type".to_string(), string(&l.range.ty));
                    projection(&mut m, &l.projection);
                    Value::Map(m)
                })
                .collect();
            a.insert("lsi".to_string(), Value::List(lsis));
        }
        if let Some(t) = &s.ttl {
            a.insert("ttl".to_string(), string(t));
        }
        a.insert("point-in-time-recovery".to_string(), Value::Bool(s.pitr));
        if let Some(v) = &s.stream {
            a.insert("stream-view-type".to_string(), string(v));
        }
        a.insert("table-class".to_string(), string(&s.table_class));
        a.insert(
            "deletion-protection".to_string(),
            Value::Bool(s.deletion_protection),
        );
        if let Some(k) = &s.kms_key {
            a.insert("kms-key".to_string(), string(k));
        }
        a.insert("arn".to_string(), string(&self.arn));
        if let Some(v) = &self.stream_arn {
            a.insert("stream-arn".to_string(), string(v));
        }
        if let Some(v) = &self.stream_label {
            a.insert("stream-label".to_string(), string(v));
        }
        a.insert("tags".to_string(), tags_value(&s.tags));
        a
    }
}

// --- SDK request parts -------------------------------------------------------------------------

/// Every attribute a key schema uses (table keys, LSIs, the given GSIs), sorted by name: what
/// AttributeDefinitions must hold. The same attribute with two types is an error.
fn attribute_definitions<'a>(
    hash: &'a KeyAttr,
    range: Option<&'a KeyAttr>,
    lsis: &'a [Lsi],
    gsis: impl Iterator<Item = &'a Gsi>,
) -> Result<Vec<AttributeDefinition>, String> {
    let keys = std::iter::once(hash)
        .chain(range)
        .chain(lsis.iter().map(|l| &l.range))
        .chain(gsis.flat_map(|g| std::iter::once(&g.hash).chain(g.range.as_ref())));
    let mut types: BTreeMap<&str, &str> = BTreeMap::new();
    for k in keys {
        match types.insert(&k.name, &k.ty) {
            Some(prev) if prev != k.ty => {
                return Err(format!(
                    "attribute `{}` is used as a key with two types, {prev} and {}",
                    k.name, k.ty
                ))
            }
            _ => {}
        }
    }
    Ok(types
        .into_iter()
        .map(|(name, ty)| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::from(ty))
                .build()
                .expect("name and type are set")
        })
        .collect())
}

fn key_schema(hash: &KeyAttr, range: Option<&KeyAttr>) -> Vec<KeySchemaElement> {
    let element = |k: &KeyAttr, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(&k.name)
            .key_type(t)
            .build()
            .expect("name and key type are set")
    };
    let mut keys = vec![element(hash, KeyType::Hash)];
    keys.extend(range.map(|r| element(r, KeyType::Range)));
    keys
}

fn projection(p: &Proj) -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::from(p.kind.as_str()))
        .set_non_key_attributes((!p.non_key.is_empty()).then(|| p.non_key.clone()))
        .build()
}

fn throughput(read: i64, write: i64) -> ProvisionedThroughput {
    ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .expect("both capacities are set")
}

fn gsi_for_create_table(g: &Gsi) -> GlobalSecondaryIndex {
    GlobalSecondaryIndex::builder()
        .index_name(&g.name)
        .set_key_schema(Some(key_schema(&g.hash, g.range.as_ref())))
        .projection(projection(&g.projection))
        .set_provisioned_throughput(g.capacity.map(|(r, w)| throughput(r, w)))
        .build()
        .expect("name, keys and projection are set")
}

fn lsi_for_create_table(l: &Lsi, hash: &KeyAttr) -> LocalSecondaryIndex {
    LocalSecondaryIndex::builder()
        .index_name(&l.name)
        .set_key_schema(Some(key_schema(hash, Some(&l.range))))
        .projection(projection(&l.projection))
        .build()
        .expect("name, keys and projection are set")
}

fn gsi_create(g: &Gsi) -> GlobalSecondaryIndexUpdate {
    GlobalSecondaryIndexUpdate::builder()
        .create(
            CreateGlobalSecondaryIndexAction::builder()
                .index_name(&g.name)
                .set_key_schema(Some(key_schema(&g.hash, g.range.as_ref())))
                .projection(projection(&g.projection))
                .set_provisioned_throughput(g.capacity.map(|(r, w)| throughput(r, w)))
                .build()
                .expect("name, keys and projection are set"),
        )
        .build()
}

fn gsi_delete(name: &str) -> GlobalSecondaryIndexUpdate {
    GlobalSecondaryIndexUpdate::builder()
        .delete(
            DeleteGlobalSecondaryIndexAction::builder()
                .index_name(name)
                .build()
                .expect("name is set"),
        )
        .build()
}

fn gsi_capacity(name: &str, read: i64, write: i64) -> GlobalSecondaryIndexUpdate {
    GlobalSecondaryIndexUpdate::builder()
        .update(
            UpdateGlobalSecondaryIndexAction::builder()
                .index_name(name)
                .provisioned_throughput(throughput(read, write))
                .build()
                .expect("name and throughput are set"),
        )
        .build()
}

fn stream_spec(view: Option<&str>) -> StreamSpecification {
    StreamSpecification::builder()
        .stream_enabled(view.is_some())
        .set_stream_view_type(view.map(StreamViewType::from))
        .build()
        .expect("stream_enabled is set")
}

/// SSE with a customer managed key, or (None) back to the AWS owned key.
fn sse_spec(kms_key: Option<&str>) -> SseSpecification {
    match kms_key {
        Some(k) => SseSpecification::builder()
            .enabled(true)
            .sse_type(SseType::Kms)
            .kms_master_key_id(k)
            .build(),
        None => SseSpecification::builder().enabled(false).build(),
    }
}

/// Whether the live key is the one configured (configured as a key ARN, or a key id that the
/// live ARN ends with).
fn kms_matches(want: Option<&str>, live: Option<&str>) -> bool {
    match (want, live) {
        (None, None) => true,
        (Some(w), Some(l)) => w == l || l.ends_with(&format!(":key/{w}")),
        _ => false,
    }
}

/// The CreateTable request for a spec (everything but TTL and point-in-time recovery, which
/// have their own calls once the table is ACTIVE).
fn create_table_request(
    client: &aws_sdk_dynamodb::Client,
    spec: &TableSpec,
) -> aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder {
    let defs = attribute_definitions(
        &spec.hash,
        spec.range.as_ref(),
        &spec.lsis,
        spec.gsis.iter(),
    )
    .expect("checked by TableSpec::from_attrs");
    let mut req = client
        .create_table()
        .table_name(&spec.name)
        .set_attribute_definitions(Some(defs))
        .set_key_schema(Some(key_schema(&spec.hash, spec.range.as_ref())))
        .set_global_secondary_indexes(
            (!spec.gsis.is_empty()).then(|| spec.gsis.iter().map(gsi_for_create_table).collect()),
        )
        .set_local_secondary_indexes((!spec.lsis.is_empty()).then(|| {
            spec.lsis
                .iter()
                .map(|l| lsi_for_create_table(l, &spec.hash))
                .collect()
        }))
        .table_class(TableClass::from(spec.table_class.as_str()))
        .deletion_protection_enabled(spec.deletion_protection);
    req = match spec.billing {
        Billing::PayPerRequest => req.billing_mode(BillingMode::PayPerRequest),
        Billing::Provisioned { read, write } => req
            .billing_mode(BillingMode::Provisioned)
            .provisioned_throughput(throughput(read, write)),
    };
    if let Some(v) = &spec.stream {
        req = req.stream_specification(stream_spec(Some(v)));
    }
    if let Some(k) = &spec.kms_key {
        req = req.sse_specification(sse_spec(Some(k)));
    }
    for (k, v) in &spec.tags {
        req = req.tags(
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("key and value are set"),
        );
    }
    req
}

/// One UpdateTable call: the parts of its request that eco sets.
#[derive(Debug, Clone, PartialEq, Default)]
struct TableUpdate {
    attribute_definitions: Option<Vec<AttributeDefinition>>,
    billing_mode: Option<BillingMode>,
    throughput: Option<ProvisionedThroughput>,
    gsi_updates: Vec<GlobalSecondaryIndexUpdate>,
    stream: Option<StreamSpecification>,
    table_class: Option<TableClass>,
    deletion_protection: Option<bool>,
    sse: Option<SseSpecification>,
}

/// The UpdateTable calls, in order, that bring the table-level attributes named in `changed`
/// from `live` to `want` (empty when they already match). AWS allows one GSI create or delete
/// per call, and one kind of change per call, so:
/// 1. each GSI removed, or whose keys or projection changed (it is rebuilt), is deleted;
/// 2. billing mode / table capacity (switching to PROVISIONED gives every index its capacity in
///    the same call, as AWS requires);
/// 3. each new (or rebuilt) GSI is created, with the full AttributeDefinitions of the table as it
///    will be (moto replaces them with what is sent; AWS accepts the full set);
/// 4. GSI capacities of a PROVISIONED table, in one call;
/// 5. the stream: an enabled stream's view type cannot change, so it is disabled, then enabled;
/// 6. table class, 7. deletion protection, 8. encryption key: one call each.
fn plan_table_updates(
    live: &TableSpec,
    want: &TableSpec,
    changed: &[String],
) -> Result<Vec<TableUpdate>, OpError> {
    let has = |a: &str| changed.iter().any(|c| c == a);
    let billing_changed = has("billing-mode") || has("read-capacity") || has("write-capacity");
    let mut steps = Vec::new();
    let mut gsis = live.gsis.clone();
    let mut billing = live.billing;

    if has("gsi") {
        let doomed: Vec<String> = gsis
            .iter()
            .filter(|g| {
                !want
                    .gsis
                    .iter()
                    .any(|w| w.name == g.name && w.same_shape(g))
            })
            .map(|g| g.name.clone())
            .collect();
        for index in doomed {
            steps.push(TableUpdate {
                gsi_updates: vec![gsi_delete(&index)],
                ..Default::default()
            });
            gsis.retain(|g| g.name != index);
        }
    }

    if billing_changed && want.billing != billing {
        let mut step = TableUpdate::default();
        match want.billing {
            Billing::PayPerRequest => {
                step.billing_mode = Some(BillingMode::PayPerRequest);
                for g in &mut gsis {
                    g.capacity = None;
                }
            }
            Billing::Provisioned { read, write } => {
                step.billing_mode = Some(BillingMode::Provisioned);
                step.throughput = Some(throughput(read, write));
                if billing == Billing::PayPerRequest {
                    for g in &mut gsis {
                        let (r, w) = want
                            .gsis
                            .iter()
                            .find(|w| w.name == g.name)
                            .and_then(|w| w.capacity)
                            .unwrap_or((read, write));
                        step.gsi_updates.push(gsi_capacity(&g.name, r, w));
                        g.capacity = Some((r, w));
                    }
                }
            }
        }
        billing = want.billing;
        steps.push(step);
    }

    if has("gsi") {
        for w in &want.gsis {
            if gsis.iter().any(|g| g.name == w.name) {
                continue;
            }
            let mut g = w.clone();
            g.capacity = match billing {
                Billing::PayPerRequest => None,
                Billing::Provisioned { read, write } => g.capacity.or(Some((read, write))),
            };
            let defs = attribute_definitions(
                &live.hash,
                live.range.as_ref(),
                &live.lsis,
                gsis.iter().chain(std::iter::once(&g)),
            )
            .map_err(|m| OpError::invalid("UpdateTable", m))?;
            steps.push(TableUpdate {
                attribute_definitions: Some(defs),
                gsi_updates: vec![gsi_create(&g)],
                ..Default::default()
            });
            gsis.push(g);
        }
    }

    if (has("gsi") || billing_changed) && matches!(billing, Billing::Provisioned { .. }) {
        let updates: Vec<GlobalSecondaryIndexUpdate> = gsis
            .iter()
            .filter_map(|g| {
                let (r, w) = want.gsis.iter().find(|w| w.name == g.name)?.capacity?;
                (Some((r, w)) != g.capacity).then(|| gsi_capacity(&g.name, r, w))
            })
            .collect();
        if !updates.is_empty() {
            steps.push(TableUpdate {
                gsi_updates: updates,
                ..Default::default()
            });
        }
    }

    if has("stream-view-type") && want.stream != live.stream {
        if live.stream.is_some() {
            steps.push(TableUpdate {
                stream: Some(stream_spec(None)),
                ..Default::default()
            });
        }
        if let Some(v) = &want.stream {
            steps.push(TableUpdate {
                stream: Some(stream_spec(Some(v))),
                ..Default::default()
            });
        }
    }
    if has("table-class") && want.table_class != live.table_class {
        steps.push(TableUpdate {
            table_class: Some(TableClass::from(want.table_class.as_str())),
            ..Default::default()
        });
    }
    if has("deletion-protection") && want.deletion_protection != live.deletion_protection {
        steps.push(TableUpdate {
            deletion_protection: Some(want.deletion_protection),
            ..Default::default()
        });
    }
    if has("kms-key") && !kms_matches(want.kms_key.as_deref(), live.kms_key.as_deref()) {
        steps.push(TableUpdate {
            sse: Some(sse_spec(want.kms_key.as_deref())),
            ..Default::default()
        });
    }
    Ok(steps)
}

/// The UpdateTable request of one planned call.
fn update_table_request(
    client: &aws_sdk_dynamodb::Client,
    name: &str,
    step: TableUpdate,
) -> aws_sdk_dynamodb::operation::update_table::builders::UpdateTableFluentBuilder {
    client
        .update_table()
        .table_name(name)
        .set_attribute_definitions(step.attribute_definitions)
        .set_billing_mode(step.billing_mode)
        .set_provisioned_throughput(step.throughput)
        .set_global_secondary_index_updates(
            (!step.gsi_updates.is_empty()).then_some(step.gsi_updates),
        )
        .set_stream_specification(step.stream)
        .set_table_class(step.table_class)
        .set_deletion_protection_enabled(step.deletion_protection)
        .set_sse_specification(step.sse)
}

/// The tag changes that bring `live` to `want`: (keys to remove, tags to set). AWS's own
/// `aws:` tags are never touched.
fn tag_changes(
    live: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> (Vec<String>, Vec<Tag>) {
    let remove = live
        .keys()
        .filter(|k| !want.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    let set = want
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(*v))
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("key and value are set")
        })
        .collect();
    (remove, set)
}

/// Whether an error says the table is gone (DescribeContinuousBackups answers
/// TableNotFoundException; moto's TTL calls answer ResourceNotFound).
fn table_gone<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    is_not_found(err)
        || matches!(
            error_code(err),
            Some("TableNotFoundException" | "ResourceNotFound")
        )
}

fn is_settled(d: &TableDescription) -> bool {
    d.table_status() == Some(&TableStatus::Active)
        && d.global_secondary_indexes()
            .iter()
            .all(|g| g.index_status().is_none_or(|s| *s == IndexStatus::Active))
}

fn status_of(d: Option<&TableDescription>) -> String {
    let Some(d) = d else {
        return "gone".to_string();
    };
    let mut s = d
        .table_status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    for g in d.global_secondary_indexes() {
        if let Some(st) = g.index_status().filter(|s| **s != IndexStatus::Active) {
            s.push_str(&format!(
                ", index {} {}",
                g.index_name().unwrap_or_default(),
                st.as_str()
            ));
        }
    }
    s
}

fn not_ours(ctx: &OpContext, op: &str, name: &str, tags: &BTreeMap<String, String>) -> OpError {
    not_ours_by_tags(ctx, op, &format!("table `{name}`"), name, tags)
}

/// The operations of `dynamodb-table`.
pub struct Provider {
    client: aws_sdk_dynamodb::Client,
    schema: Schema,
}

impl Provider {
    /// The provider, with the stage's DynamoDB client.
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.dynamodb(),
            schema: schema(),
        }
    }

    /// DescribeTable; `None` when there is no such table.
    async fn describe(&self, name: &str) -> Result<Option<TableDescription>, OpError> {
        match self.client.describe_table().table_name(name).send().await {
            Ok(out) => Ok(out.table),
            Err(e) if table_gone(&e) => Ok(None),
            Err(e) => Err(op_error("DescribeTable", e)),
        }
    }

    /// Polls DescribeTable until `done` holds. The first poll is immediate (an emulator, or a
    /// call that finished at once, costs nothing); then it pauses 250 ms, doubling up to 8 s
    /// between polls, for at most `limit` in total. DynamoDB's TableExists waiter does not look
    /// at index status and starts at 20 s between polls, hence this loop.
    async fn poll(
        &self,
        name: &str,
        limit: Duration,
        what: &str,
        done: impl Fn(Option<&TableDescription>) -> bool,
    ) -> Result<Option<TableDescription>, OpError> {
        let start = Instant::now();
        let mut pause = POLL_FIRST;
        loop {
            let d = self.describe(name).await?;
            if done(d.as_ref()) {
                return Ok(d);
            }
            if start.elapsed() + pause > limit {
                return Err(OpError::new(
                    "DescribeTable",
                    ErrorKind::Other,
                    format!(
                        "table `{name}` did not become {what} within {} min (now: {}); \
                         the next apply continues from there",
                        limit.as_secs() / 60,
                        status_of(d.as_ref())
                    ),
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(POLL_MAX);
        }
    }

    /// Waits until the table and all its indexes are ACTIVE; `None` when the table is gone.
    async fn wait_active(&self, name: &str) -> Result<Option<TableDescription>, OpError> {
        self.poll(name, ACTIVE_WAIT, "ACTIVE", |d| d.is_none_or(is_settled))
            .await
    }

    /// Like `wait_active`, but a table that is gone is an error of `op`.
    async fn settled(&self, name: &str, op: &str) -> Result<LiveTable, OpError> {
        match self.wait_active(name).await? {
            Some(d) => Ok(LiveTable::from_description(&d)),
            None => Err(OpError::new(
                op,
                ErrorKind::Other,
                format!("table `{name}` no longer exists (deleted outside eco?)"),
            )),
        }
    }

    /// The TTL attribute when TTL is on (ENABLED or ENABLING); outer `None` = table gone.
    async fn ttl(&self, name: &str) -> Result<Option<Option<String>>, OpError> {
        match self
            .client
            .describe_time_to_live()
            .table_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(Some(out.time_to_live_description.and_then(|t| {
                let on = matches!(
                    t.time_to_live_status(),
                    Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
                );
                on.then(|| t.attribute_name().map(str::to_string)).flatten()
            }))),
            Err(e) if table_gone(&e) => Ok(None),
            Err(e) => Err(op_error("DescribeTimeToLive", e)),
        }
    }

    /// Whether point-in-time recovery is on; `None` = table gone.
    async fn pitr(&self, name: &str) -> Result<Option<bool>, OpError> {
        match self
            .client
            .describe_continuous_backups()
            .table_name(name)
            .send()
            .await
        {
            Ok(out) => Ok(Some(
                out.continuous_backups_description()
                    .and_then(|c| c.point_in_time_recovery_description())
                    .and_then(|p| p.point_in_time_recovery_status())
                    == Some(&PointInTimeRecoveryStatus::Enabled),
            )),
            Err(e) if table_gone(&e) => Ok(None),
            Err(e) => Err(op_error("DescribeContinuousBackups", e)),
        }
    }

    /// All tags of the table (every page); `None` = table gone.
    async fn tags(&self, arn: &str) -> Result<Option<BTreeMap<String, String>>, OpError> {
        let mut tags = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let Some(out) = get_optional(
                "ListTagsOfResource",
                table_gone,
                self.client
                    .list_tags_of_resource()
                    .resource_arn(arn)
                    .set_next_token(token.take())
                    .send(),
            )
            .await?
            else {
                return Ok(None);
            };
            for t in out.tags() {
                tags.insert(t.key().to_string(), t.value().to_string());
            }
            match out.next_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(Some(tags)),
            }
        }
    }

    /// The full live table from a description: TTL, point-in-time recovery and (unless given)
    /// tags are read concurrently. `None` when the table vanished meanwhile, or is DELETING.
    async fn complete(
        &self,
        d: &TableDescription,
        tags: Option<BTreeMap<String, String>>,
    ) -> Result<Option<LiveTable>, OpError> {
        if d.table_status() == Some(&TableStatus::Deleting) {
            return Ok(None);
        }
        let mut live = LiveTable::from_description(d);
        let name = live.spec.name.clone();
        let arn = live.arn.clone();
        let tags_call = async {
            match tags {
                Some(t) => Ok(Some(t)),
                None => self.tags(&arn).await,
            }
        };
        let (ttl, pitr, tags) = tokio::join!(self.ttl(&name), self.pitr(&name), tags_call);
        let (Some(ttl), Some(pitr), Some(tags)) = (ttl?, pitr?, tags?) else {
            return Ok(None);
        };
        live.spec.ttl = ttl;
        live.spec.pitr = pitr;
        live.spec.tags = tags
            .into_iter()
            .filter(|(k, _)| !k.starts_with("aws:"))
            .collect();
        Ok(Some(live))
    }

    async fn read_table(&self, name: &str) -> Result<Option<LiveTable>, OpError> {
        match self.describe(name).await? {
            Some(d) => self.complete(&d, None).await,
            None => Ok(None),
        }
    }

    /// Reads a table that must exist after `op`.
    async fn read_after(&self, name: &str, op: &str) -> Result<Live, OpError> {
        match self.read_table(name).await? {
            Some(t) => Ok(Live {
                id: name.to_string(),
                attrs: t.to_attrs(),
            }),
            None => Err(OpError::new(
                op,
                ErrorKind::Other,
                format!("table `{name}` vanished right after {op} (deleted outside eco?)"),
            )),
        }
    }

    /// Brings the attributes named in `changed` from what AWS has now to `want`, calling only
    /// where they differ (so a second run calls nothing but the describes). The UpdateTable calls
    /// come from [`plan_table_updates`]; each is followed by a wait for ACTIVE.
    async fn converge(
        &self,
        name: &str,
        want: &TableSpec,
        changed: &[String],
    ) -> Result<(), OpError> {
        let has = |a: &str| changed.iter().any(|c| c == a);
        let mut live = self.settled(name, "UpdateTable").await?;
        for step in plan_table_updates(&live.spec, want, changed)? {
            let req = update_table_request(&self.client, name, step);
            req.send().await.map_err(|e| op_error("UpdateTable", e))?;
            live = self.settled(name, "UpdateTable").await?;
        }

        let gone = |op: &str| {
            OpError::new(
                op,
                ErrorKind::Other,
                format!("table `{name}` no longer exists (deleted outside eco?)"),
            )
        };

        // 9. TTL: AWS refuses to enable TTL that is on, so a new attribute disables first.
        if has("ttl") {
            let current = self
                .ttl(name)
                .await?
                .ok_or_else(|| gone("DescribeTimeToLive"))?;
            if current != want.ttl {
                if let Some(attr) = &current {
                    self.set_ttl(name, attr, false).await?;
                }
                if let Some(attr) = &want.ttl {
                    self.set_ttl(name, attr, true).await?;
                }
            }
        }

        // 10. Point-in-time recovery.
        if has("point-in-time-recovery") {
            let current = self
                .pitr(name)
                .await?
                .ok_or_else(|| gone("DescribeContinuousBackups"))?;
            if current != want.pitr {
                self.client
                    .update_continuous_backups()
                    .table_name(name)
                    .point_in_time_recovery_specification(
                        PointInTimeRecoverySpecification::builder()
                            .point_in_time_recovery_enabled(want.pitr)
                            .build()
                            .expect("enabled is set"),
                    )
                    .send()
                    .await
                    .map_err(|e| op_error("UpdateContinuousBackups", e))?;
            }
        }

        // 11. Tags.
        if has("tags") {
            let current = self
                .tags(&live.arn)
                .await?
                .ok_or_else(|| gone("ListTagsOfResource"))?;
            let (remove, set) = tag_changes(&current, &want.tags);
            if !remove.is_empty() {
                self.client
                    .untag_resource()
                    .resource_arn(&live.arn)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .map_err(|e| op_error("UntagResource", e))?;
            }
            if !set.is_empty() {
                self.client
                    .tag_resource()
                    .resource_arn(&live.arn)
                    .set_tags(Some(set))
                    .send()
                    .await
                    .map_err(|e| op_error("TagResource", e))?;
            }
        }
        Ok(())
    }

    async fn set_ttl(&self, name: &str, attr: &str, enabled: bool) -> Result<(), OpError> {
        self.client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(attr)
                    .enabled(enabled)
                    .build()
                    .expect("name and enabled are set"),
            )
            .send()
            .await
            .map_err(|e| op_error("UpdateTimeToLive", e))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    /// ListTables (every page), each table read in full.
    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let mut names = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let out = match self
                .client
                .list_tables()
                .set_exclusive_start_table_name(start.take())
                .send()
                .await
            {
                Ok(o) => o,
                Err(e) => return Some(Err(crate::aws::op_error("ListTables", e))),
            };
            names.extend(out.table_names().iter().cloned());
            match out.last_evaluated_table_name() {
                Some(n) => start = Some(n.to_string()),
                None => break,
            }
        }
        Some(
            crate::aws::read_each(names, |name| async move {
                Ok(self.read_table(&name).await?.map(|t| Live {
                    id: name,
                    attrs: t.to_attrs(),
                }))
            })
            .await,
        )
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.read_table(id).await?.map(|t| Live {
            id: id.to_string(),
            attrs: t.to_attrs(),
        }))
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let Some(Value::String(name)) = desired.get("name") else {
            return Err(OpError::invalid(
                "DescribeTable",
                "`name` is required (a string)",
            ));
        };
        let Some(d) = self.describe(name).await? else {
            return Ok(None);
        };
        if d.table_status() == Some(&TableStatus::Deleting) {
            return Ok(None);
        }
        let Some(tags) = self.tags(d.table_arn().unwrap_or_default()).await? else {
            return Ok(None);
        };
        if !ctx.owns(&tags) {
            return Err(not_ours(ctx, "DescribeTable", name, &tags));
        }
        Ok(self.complete(&d, Some(tags)).await?.map(|t| Live {
            id: name.clone(),
            attrs: t.to_attrs(),
        }))
    }

    async fn create(&self, ctx: &OpContext, desired: &Attrs, token: &str) -> Result<Live, OpError> {
        let spec = TableSpec::from_attrs(desired, "CreateTable")?;
        match create_table_request(&self.client, &spec).send().await {
            Ok(_) => {
                self.settled(&spec.name, "CreateTable").await?;
                let after: Vec<String> = ["ttl", "point-in-time-recovery"]
                    .iter()
                    .filter(|a| desired.contains_key(**a))
                    .map(|a| a.to_string())
                    .collect();
                if !after.is_empty() {
                    self.converge(&spec.name, &spec, &after).await?;
                }
            }
            Err(e) if error_code(&e) == Some("ResourceInUseException") => {
                // The name is taken: ours (an earlier run's create) is adopted and brought to
                // the configuration; anyone else's is a conflict (from find).
                if self.find(ctx, desired, token).await?.is_none() {
                    return Err(OpError::new(
                        "CreateTable",
                        ErrorKind::Retryable,
                        format!(
                            "table `{}` is still being deleted; create it once it is gone",
                            spec.name
                        ),
                    ));
                }
                let all: Vec<String> = desired.keys().cloned().collect();
                self.converge(&spec.name, &spec, &all).await?;
            }
            Err(e) => return Err(op_error("CreateTable", e)),
        }
        self.read_after(&spec.name, "CreateTable").await
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let spec = TableSpec::from_attrs(desired, "UpdateTable")?;
        self.converge(id, &spec, changed).await?;
        self.read_after(id, "UpdateTable").await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        let Some(mut d) = self.describe(id).await? else {
            return Ok(());
        };
        match d.table_status() {
            Some(TableStatus::Deleting) => {
                self.poll(id, GONE_WAIT, "deleted", |d| d.is_none()).await?;
                return Ok(());
            }
            Some(TableStatus::Active) => {}
            _ => match self.wait_active(id).await? {
                Some(now) => d = now,
                None => return Ok(()),
            },
        }
        if d.deletion_protection_enabled() == Some(true) {
            return Err(OpError::new(
                "DeleteTable",
                ErrorKind::Conflict,
                format!(
                    "table `{id}` has deletion protection on; set `deletion-protection #false` \
                     and apply before destroying it"
                ),
            ));
        }
        match self.client.delete_table().table_name(id).send().await {
            Ok(_) => {}
            Err(e) if table_gone(&e) => return Ok(()),
            Err(e) => return Err(op_error("DeleteTable", e)),
        }
        self.poll(id, GONE_WAIT, "deleted", |d| d.is_none()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{
        BillingModeSummary, GlobalSecondaryIndexDescription, LocalSecondaryIndexDescription,
        ProvisionedThroughputDescription, SseDescription, TableClassSummary,
    };
    use eco_provider::{TAG_PROJECT, TAG_STAGE};

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

    fn key(name: &str, ty: &str) -> KeyAttr {
        KeyAttr {
            name: name.to_string(),
            ty: ty.to_string(),
        }
    }

    fn attrs(entries: &[(&str, Value)]) -> Attrs {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn base() -> Attrs {
        attrs(&[
            ("name", s("assets")),
            ("hash-key", map(&[("name", s("pk")), ("type", s("S"))])),
            ("range-key", map(&[("name", s("sk")), ("type", s("N"))])),
            (
                "gsi",
                Value::List(vec![map(&[
                    ("name", s("by-owner")),
                    ("hash-key", s("owner")),
                ])]),
            ),
            ("tags", map(&[("eco:stage", s("dev"))])),
        ])
    }

    fn spec(a: &Attrs) -> TableSpec {
        TableSpec::from_attrs(a, "CreateTable").expect("valid")
    }

    fn with(a: &Attrs, changes: &[(&str, Value)]) -> Attrs {
        let mut a = a.clone();
        for (k, v) in changes {
            a.insert(k.to_string(), v.clone());
        }
        a
    }

    fn changed(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn client() -> aws_sdk_dynamodb::Client {
        Aws::for_endpoint("http://127.0.0.1:9", "us-east-1").dynamodb()
    }

    fn defs(pairs: &[(&str, &str)]) -> Vec<AttributeDefinition> {
        pairs
            .iter()
            .map(|(n, t)| {
                AttributeDefinition::builder()
                    .attribute_name(*n)
                    .attribute_type(ScalarAttributeType::from(*t))
                    .build()
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn desired_attributes_get_eco_defaults() {
        let t = spec(&base());
        assert_eq!(t.name, "assets");
        assert_eq!(t.hash, key("pk", "S"));
        assert_eq!(t.range, Some(key("sk", "N")));
        assert_eq!(t.billing, Billing::PayPerRequest);
        assert_eq!(t.table_class, "STANDARD");
        assert!(!t.pitr && !t.deletion_protection);
        assert_eq!(t.ttl, None);
        assert_eq!(
            t.gsis,
            vec![Gsi {
                name: "by-owner".to_string(),
                hash: key("owner", "S"),
                range: None,
                projection: Proj {
                    kind: "ALL".to_string(),
                    non_key: vec![],
                },
                capacity: None,
            }]
        );
        assert_eq!(t.tags.get("eco:stage").map(String::as_str), Some("dev"));
    }

    #[test]
    fn provisioned_indexes_inherit_the_table_capacity() {
        let a = with(
            &base(),
            &[
                ("billing-mode", s("PROVISIONED")),
                ("read-capacity", Value::Int(5)),
                ("write-capacity", Value::Int(3)),
                (
                    "gsi",
                    Value::List(vec![
                        map(&[("name", s("zzz")), ("hash-key", s("a"))]),
                        map(&[
                            ("name", s("aaa")),
                            ("hash-key", s("b")),
                            ("read-capacity", Value::Int(1)),
                        ]),
                    ]),
                ),
            ],
        );
        let t = spec(&a);
        assert_eq!(t.billing, Billing::Provisioned { read: 5, write: 3 });
        // Sorted by name, capacities filled in.
        assert_eq!(t.gsis[0].name, "aaa");
        assert_eq!(t.gsis[0].capacity, Some((1, 3)));
        assert_eq!(t.gsis[1].capacity, Some((5, 3)));
    }

    #[test]
    fn invalid_values_are_refused_with_a_reason() {
        let bad: Vec<(Attrs, &str)> = vec![
            (with(&base(), &[("name", s("x"))]), "3-255"),
            (with(&base(), &[("name", s("a b c"))]), "3-255"),
            (
                with(&base(), &[("billing-mode", s("ON_DEMAND"))]),
                "billing-mode",
            ),
            (
                with(&base(), &[("read-capacity", Value::Int(1))]),
                "need billing-mode",
            ),
            (
                with(&base(), &[("billing-mode", s("PROVISIONED"))]),
                "needs both",
            ),
            (
                with(&base(), &[("read-capacity", Value::Int(0))]),
                "positive integer",
            ),
            (
                with(
                    &base(),
                    &[("hash-key", map(&[("name", s("pk")), ("type", s("STRING"))]))],
                ),
                "expected one of S, N, B",
            ),
            (
                with(&base(), &[("stream-view-type", s("ALL"))]),
                "stream-view-type",
            ),
            (with(&base(), &[("table-class", s("COLD"))]), "table-class"),
            (with(&base(), &[("ttl", s(""))]), "ttl"),
            (
                with(&base(), &[("point-in-time-recovery", s("yes"))]),
                "#true or #false",
            ),
            (
                with(
                    &base(),
                    &[(
                        "gsi",
                        Value::List(vec![map(&[
                            ("name", s("by-x")),
                            ("hash-key", s("x")),
                            ("projection", s("INCLUDE")),
                        ])]),
                    )],
                ),
                "no non-key-attributes",
            ),
            (
                with(
                    &base(),
                    &[(
                        "gsi",
                        Value::List(vec![map(&[
                            ("name", s("by-x")),
                            ("hash-key", s("x")),
                            ("non-key-attributes", Value::List(vec![s("y")])),
                        ])]),
                    )],
                ),
                "need projection INCLUDE",
            ),
            (
                with(
                    &base(),
                    &[(
                        "gsi",
                        Value::List(vec![
                            map(&[("name", s("dup")), ("hash-key", s("x"))]),
                            map(&[("name", s("dup")), ("hash-key", s("y"))]),
                        ]),
                    )],
                ),
                "declared twice",
            ),
            (
                with(
                    &base(),
                    &[(
                        "gsi",
                        Value::List(vec![map(&[
                            ("name", s("by-pk")),
                            ("hash-key", s("pk")),
                            ("type", s("N")),
                        ])]),
                    )],
                ),
                "two types",
            ),
            (
                with(
                    &base(),
                    &[(
                        "gsi",
                        Value::List(vec![map(&[
                            ("name", s("by-x")),
                            ("hash-key", s("x")),
                            ("read-capacity", Value::Int(1)),
                        ])]),
                    )],
                ),
                "PAY_PER_REQUEST",
            ),
            (
                {
                    let mut a = with(
                        &base(),
                        &[(
                            "lsi",
                            Value::List(vec![map(&[("name", s("by-y")), ("range-key", s("y"))])]),
                        )],
                    );
                    a.remove("range-key");
                    a
                },
                "need a table with a range-key",
            ),
        ];
        for (a, why) in bad {
            let err = TableSpec::from_attrs(&a, "CreateTable").unwrap_err();
            assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
            assert_eq!(err.operation, "CreateTable");
            assert!(
                err.message.contains(why),
                "`{}` should say `{why}`",
                err.message
            );
        }
        let mut no_hash = base();
        no_hash.remove("hash-key");
        assert!(TableSpec::from_attrs(&no_hash, "CreateTable").is_err());
    }

    fn description() -> TableDescription {
        let pt = |r, w| {
            ProvisionedThroughputDescription::builder()
                .read_capacity_units(r)
                .write_capacity_units(w)
                .build()
        };
        TableDescription::builder()
            .table_name("assets")
            .table_arn("arn:aws:dynamodb:us-east-1:1:table/assets")
            .table_status(TableStatus::Active)
            .set_attribute_definitions(Some(defs(&[
                ("pk", "S"),
                ("sk", "N"),
                ("owner", "S"),
                ("created", "N"),
                ("lsk", "B"),
            ])))
            .set_key_schema(Some(key_schema(&key("pk", "S"), Some(&key("sk", "N")))))
            .billing_mode_summary(
                BillingModeSummary::builder()
                    .billing_mode(BillingMode::Provisioned)
                    .build(),
            )
            .provisioned_throughput(pt(5, 3))
            .global_secondary_indexes(
                GlobalSecondaryIndexDescription::builder()
                    .index_name("z-by-owner")
                    .set_key_schema(Some(key_schema(
                        &key("owner", "S"),
                        Some(&key("created", "N")),
                    )))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::Include)
                            .non_key_attributes("title")
                            .build(),
                    )
                    .index_status(IndexStatus::Active)
                    .provisioned_throughput(pt(2, 1))
                    .build(),
            )
            .global_secondary_indexes(
                GlobalSecondaryIndexDescription::builder()
                    .index_name("a-going")
                    .set_key_schema(Some(key_schema(&key("owner", "S"), None)))
                    .index_status(IndexStatus::Deleting)
                    .build(),
            )
            .local_secondary_indexes(
                LocalSecondaryIndexDescription::builder()
                    .index_name("by-lsk")
                    .set_key_schema(Some(key_schema(&key("pk", "S"), Some(&key("lsk", "B")))))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::KeysOnly)
                            .build(),
                    )
                    .build(),
            )
            .stream_specification(stream_spec(Some("NEW_IMAGE")))
            .latest_stream_arn("arn:aws:dynamodb:us-east-1:1:table/assets/stream/2026")
            .latest_stream_label("2026")
            .sse_description(
                SseDescription::builder()
                    .sse_type(SseType::Kms)
                    .kms_master_key_arn("arn:aws:kms:us-east-1:1:key/k1")
                    .build(),
            )
            .table_class_summary(
                TableClassSummary::builder()
                    .table_class(TableClass::StandardInfrequentAccess)
                    .build(),
            )
            .deletion_protection_enabled(true)
            .build()
    }

    #[test]
    fn describe_table_reads_in_configuration_shape() {
        let mut live = LiveTable::from_description(&description());
        live.spec.ttl = Some("expires".to_string());
        live.spec.pitr = true;
        live.spec.tags = BTreeMap::from([("team".to_string(), "a".to_string())]);
        let a = live.to_attrs();
        let expected = attrs(&[
            ("name", s("assets")),
            ("hash-key", map(&[("name", s("pk")), ("type", s("S"))])),
            ("range-key", map(&[("name", s("sk")), ("type", s("N"))])),
            ("billing-mode", s("PROVISIONED")),
            ("read-capacity", Value::Int(5)),
            ("write-capacity", Value::Int(3)),
            (
                "gsi",
                Value::List(vec![map(&[
                    ("name", s("z-by-owner")),
                    ("hash-key", s("owner")),
                    ("type", s("S")),
                    ("range-key", s("created")),
                    ("range-type", s("N")),
                    ("projection", s("INCLUDE")),
                    ("non-key-attributes", Value::List(vec![s("title")])),
                    ("read-capacity", Value::Int(2)),
                    ("write-capacity", Value::Int(1)),
                ])]),
            ),
            (
                "lsi",
                Value::List(vec![map(&[
                    ("name", s("by-lsk")),
                    ("range-key", s("lsk")),
                    ("type", s("B")),
                    ("projection", s("KEYS_ONLY")),
                ])]),
            ),
            ("ttl", s("expires")),
            ("point-in-time-recovery", Value::Bool(true)),
            ("stream-view-type", s("NEW_IMAGE")),
            ("table-class", s("STANDARD_INFREQUENT_ACCESS")),
            ("deletion-protection", Value::Bool(true)),
            ("kms-key", s("arn:aws:kms:us-east-1:1:key/k1")),
            ("arn", s("arn:aws:dynamodb:us-east-1:1:table/assets")),
            (
                "stream-arn",
                s("arn:aws:dynamodb:us-east-1:1:table/assets/stream/2026"),
            ),
            ("stream-label", s("2026")),
            ("tags", map(&[("team", s("a"))])),
        ]);
        assert_eq!(a, expected);
        // What read reports is valid configuration that means the same table.
        assert_eq!(TableSpec::from_attrs(&a, "UpdateTable").unwrap(), live.spec);
    }

    #[test]
    fn describe_without_summaries_means_provisioned_standard_no_stream() {
        let d = TableDescription::builder()
            .table_name("old")
            .table_arn("arn")
            .set_attribute_definitions(Some(defs(&[("pk", "S")])))
            .set_key_schema(Some(key_schema(&key("pk", "S"), None)))
            .provisioned_throughput(
                ProvisionedThroughputDescription::builder()
                    .read_capacity_units(1)
                    .write_capacity_units(1)
                    .build(),
            )
            .stream_specification(stream_spec(None))
            .latest_stream_arn("arn/stream/old")
            .build();
        let a = LiveTable::from_description(&d).to_attrs();
        assert_eq!(a["billing-mode"], s("PROVISIONED"));
        assert_eq!(a["table-class"], s("STANDARD"));
        assert_eq!(a["deletion-protection"], Value::Bool(false));
        for absent in [
            "range-key",
            "gsi",
            "lsi",
            "stream-view-type",
            "stream-arn",
            "kms-key",
        ] {
            assert!(!a.contains_key(absent), "{absent} should be absent");
        }
    }

    #[test]
    fn attribute_definitions_are_the_deduplicated_key_attributes() {
        let t = spec(&base());
        let d = attribute_definitions(&t.hash, t.range.as_ref(), &t.lsis, t.gsis.iter()).unwrap();
        assert_eq!(d, defs(&[("owner", "S"), ("pk", "S"), ("sk", "N")]));
    }

    #[test]
    fn create_table_request_carries_the_whole_table() {
        let a = with(
            &base(),
            &[
                ("stream-view-type", s("KEYS_ONLY")),
                ("table-class", s("STANDARD_INFREQUENT_ACCESS")),
                ("deletion-protection", Value::Bool(true)),
                ("kms-key", s("arn:aws:kms:us-east-1:1:key/k1")),
                (
                    "lsi",
                    Value::List(vec![map(&[("name", s("by-y")), ("range-key", s("y"))])]),
                ),
            ],
        );
        let c = client();
        let req = create_table_request(&c, &spec(&a));
        let input = req.as_input();
        assert_eq!(input.get_table_name().as_deref(), Some("assets"));
        assert_eq!(
            input.get_attribute_definitions().clone().unwrap(),
            defs(&[("owner", "S"), ("pk", "S"), ("sk", "N"), ("y", "S")])
        );
        assert_eq!(
            input.get_key_schema().clone().unwrap(),
            key_schema(&key("pk", "S"), Some(&key("sk", "N")))
        );
        assert_eq!(input.get_billing_mode(), &Some(BillingMode::PayPerRequest));
        assert_eq!(input.get_provisioned_throughput(), &None);
        let gsis = input.get_global_secondary_indexes().clone().unwrap();
        assert_eq!(gsis.len(), 1);
        assert_eq!(gsis[0].index_name(), "by-owner");
        assert_eq!(gsis[0].provisioned_throughput(), None);
        let lsis = input.get_local_secondary_indexes().clone().unwrap();
        assert_eq!(
            lsis[0].key_schema(),
            key_schema(&key("pk", "S"), Some(&key("y", "S")))
        );
        assert_eq!(
            input.get_stream_specification(),
            &Some(stream_spec(Some("KEYS_ONLY")))
        );
        assert_eq!(
            input.get_table_class(),
            &Some(TableClass::StandardInfrequentAccess)
        );
        assert_eq!(input.get_deletion_protection_enabled(), &Some(true));
        let sse = input.get_sse_specification().clone().unwrap();
        assert_eq!(sse.enabled(), Some(true));
        assert_eq!(sse.sse_type(), Some(&SseType::Kms));
        assert_eq!(
            sse.kms_master_key_id(),
            Some("arn:aws:kms:us-east-1:1:key/k1")
        );
        let tags = input.get_tags().clone().unwrap();
        assert_eq!(tags.len(), 1);
        assert_eq!((tags[0].key(), tags[0].value()), ("eco:stage", "dev"));
    }

    #[test]
    fn provisioned_create_gives_indexes_their_capacity() {
        let a = with(
            &base(),
            &[
                ("billing-mode", s("PROVISIONED")),
                ("read-capacity", Value::Int(4)),
                ("write-capacity", Value::Int(2)),
            ],
        );
        let c = client();
        let req = create_table_request(&c, &spec(&a));
        let input = req.as_input();
        assert_eq!(input.get_billing_mode(), &Some(BillingMode::Provisioned));
        assert_eq!(input.get_provisioned_throughput(), &Some(throughput(4, 2)));
        let gsis = input.get_global_secondary_indexes().clone().unwrap();
        assert_eq!(gsis[0].provisioned_throughput(), Some(&throughput(4, 2)));
    }

    fn live_of(a: &Attrs) -> TableSpec {
        TableSpec::from_attrs(a, "UpdateTable").unwrap()
    }

    #[test]
    fn nothing_to_do_plans_no_call() {
        let t = spec(&base());
        let all = changed(&[
            "gsi",
            "billing-mode",
            "read-capacity",
            "write-capacity",
            "stream-view-type",
            "table-class",
            "deletion-protection",
            "kms-key",
        ]);
        assert_eq!(plan_table_updates(&t, &t, &all).unwrap(), vec![]);
    }

    #[test]
    fn attributes_not_named_as_changed_are_left_alone() {
        let live = spec(&base());
        let want = spec(&with(
            &base(),
            &[
                ("table-class", s("STANDARD_INFREQUENT_ACCESS")),
                ("stream-view-type", s("NEW_IMAGE")),
            ],
        ));
        assert_eq!(
            plan_table_updates(&live, &want, &changed(&["tags"])).unwrap(),
            vec![]
        );
    }

    #[test]
    fn gsi_changes_are_one_call_each_deletes_first_with_full_definitions() {
        let live = live_of(&with(
            &base(),
            &[(
                "gsi",
                Value::List(vec![
                    map(&[("name", s("by-owner")), ("hash-key", s("owner"))]),
                    map(&[("name", s("by-site")), ("hash-key", s("site"))]),
                    map(&[("name", s("old")), ("hash-key", s("legacy"))]),
                ]),
            )],
        ));
        let want = spec(&with(
            &base(),
            &[(
                "gsi",
                Value::List(vec![
                    map(&[("name", s("by-owner")), ("hash-key", s("owner"))]),
                    // Its key changed: rebuilt.
                    map(&[("name", s("by-site")), ("hash-key", s("region"))]),
                    map(&[
                        ("name", s("by-date")),
                        ("hash-key", s("kind")),
                        ("range-key", s("created")),
                        ("range-type", s("N")),
                    ]),
                ]),
            )],
        ));
        let steps = plan_table_updates(&live, &want, &changed(&["gsi"])).unwrap();
        assert_eq!(steps.len(), 4, "{steps:#?}");
        assert_eq!(steps[0].gsi_updates, vec![gsi_delete("by-site")]);
        assert_eq!(steps[1].gsi_updates, vec![gsi_delete("old")]);
        assert!(steps[0].attribute_definitions.is_none());
        // Creates in name order, each with every key attribute of the table as it will be.
        let created = |i: usize| {
            steps[i].gsi_updates[0]
                .create()
                .unwrap()
                .index_name()
                .to_string()
        };
        assert_eq!(created(2), "by-date");
        assert_eq!(
            steps[2].attribute_definitions.clone().unwrap(),
            defs(&[
                ("created", "N"),
                ("kind", "S"),
                ("owner", "S"),
                ("pk", "S"),
                ("sk", "N"),
            ])
        );
        assert_eq!(created(3), "by-site");
        assert_eq!(
            steps[3].attribute_definitions.clone().unwrap(),
            defs(&[
                ("created", "N"),
                ("kind", "S"),
                ("owner", "S"),
                ("pk", "S"),
                ("region", "S"),
                ("sk", "N"),
            ])
        );
        for step in &steps {
            assert_eq!(step.gsi_updates.len(), 1, "one GSI create/delete per call");
        }
    }

    #[test]
    fn switching_to_provisioned_gives_every_index_its_capacity_in_the_same_call() {
        let live = spec(&base());
        let want = spec(&with(
            &base(),
            &[
                ("billing-mode", s("PROVISIONED")),
                ("read-capacity", Value::Int(5)),
                ("write-capacity", Value::Int(3)),
            ],
        ));
        let steps = plan_table_updates(
            &live,
            &want,
            &changed(&["billing-mode", "read-capacity", "write-capacity"]),
        )
        .unwrap();
        assert_eq!(
            steps,
            vec![TableUpdate {
                billing_mode: Some(BillingMode::Provisioned),
                throughput: Some(throughput(5, 3)),
                gsi_updates: vec![gsi_capacity("by-owner", 5, 3)],
                ..Default::default()
            }]
        );
        // Back to on demand: only the mode.
        let back = plan_table_updates(&want, &live, &changed(&["billing-mode"])).unwrap();
        assert_eq!(
            back,
            vec![TableUpdate {
                billing_mode: Some(BillingMode::PayPerRequest),
                ..Default::default()
            }]
        );
    }

    #[test]
    fn provisioned_capacity_changes() {
        let p = |r: i64, gr: i64| {
            spec(&with(
                &base(),
                &[
                    ("billing-mode", s("PROVISIONED")),
                    ("read-capacity", Value::Int(r)),
                    ("write-capacity", Value::Int(1)),
                    (
                        "gsi",
                        Value::List(vec![map(&[
                            ("name", s("by-owner")),
                            ("hash-key", s("owner")),
                            ("read-capacity", Value::Int(gr)),
                        ])]),
                    ),
                ],
            ))
        };
        let steps =
            plan_table_updates(&p(1, 1), &p(7, 9), &changed(&["read-capacity", "gsi"])).unwrap();
        assert_eq!(
            steps,
            vec![
                TableUpdate {
                    billing_mode: Some(BillingMode::Provisioned),
                    throughput: Some(throughput(7, 1)),
                    ..Default::default()
                },
                TableUpdate {
                    gsi_updates: vec![gsi_capacity("by-owner", 9, 1)],
                    ..Default::default()
                },
            ]
        );
        // A GSI added to a PROVISIONED table gets capacity.
        let live = p(1, 1);
        let mut want = live.clone();
        want.gsis.push(Gsi {
            name: "new".to_string(),
            hash: key("n", "S"),
            range: None,
            projection: Proj {
                kind: "KEYS_ONLY".to_string(),
                non_key: vec![],
            },
            capacity: Some((1, 1)),
        });
        let steps = plan_table_updates(&live, &want, &changed(&["gsi"])).unwrap();
        assert_eq!(steps.len(), 1);
        let create = steps[0].gsi_updates[0].create().unwrap();
        assert_eq!(create.provisioned_throughput(), Some(&throughput(1, 1)));
        assert_eq!(
            create.projection().unwrap().projection_type(),
            Some(&ProjectionType::KeysOnly)
        );
    }

    #[test]
    fn a_new_stream_view_type_disables_then_enables() {
        let live = spec(&with(&base(), &[("stream-view-type", s("NEW_IMAGE"))]));
        let want = spec(&with(&base(), &[("stream-view-type", s("KEYS_ONLY"))]));
        let steps = plan_table_updates(&live, &want, &changed(&["stream-view-type"])).unwrap();
        assert_eq!(
            steps,
            vec![
                TableUpdate {
                    stream: Some(stream_spec(None)),
                    ..Default::default()
                },
                TableUpdate {
                    stream: Some(stream_spec(Some("KEYS_ONLY"))),
                    ..Default::default()
                },
            ]
        );
        assert!(!steps[0].stream.as_ref().unwrap().stream_enabled());
        assert_eq!(steps[0].stream.as_ref().unwrap().stream_view_type(), None);
        // Off.
        let off =
            plan_table_updates(&live, &spec(&base()), &changed(&["stream-view-type"])).unwrap();
        assert_eq!(off, vec![steps[0].clone()]);
    }

    #[test]
    fn table_class_deletion_protection_and_key_are_one_call_each() {
        let live = spec(&base());
        let want = spec(&with(
            &base(),
            &[
                ("table-class", s("STANDARD_INFREQUENT_ACCESS")),
                ("deletion-protection", Value::Bool(true)),
                ("kms-key", s("k1")),
            ],
        ));
        let steps = plan_table_updates(
            &live,
            &want,
            &changed(&["table-class", "deletion-protection", "kms-key"]),
        )
        .unwrap();
        assert_eq!(
            steps,
            vec![
                TableUpdate {
                    table_class: Some(TableClass::StandardInfrequentAccess),
                    ..Default::default()
                },
                TableUpdate {
                    deletion_protection: Some(true),
                    ..Default::default()
                },
                TableUpdate {
                    sse: Some(sse_spec(Some("k1"))),
                    ..Default::default()
                },
            ]
        );
        // The key configured by id matches the ARN AWS reports; removing it goes back to the
        // AWS owned key.
        let mut live_kms = want.clone();
        live_kms.kms_key = Some("arn:aws:kms:us-east-1:1:key/k1".to_string());
        assert_eq!(
            plan_table_updates(&live_kms, &want, &changed(&["kms-key"])).unwrap(),
            vec![]
        );
        let steps = plan_table_updates(&live_kms, &live, &changed(&["kms-key"])).unwrap();
        assert_eq!(steps[0].sse.as_ref().unwrap().enabled(), Some(false));
    }

    #[test]
    fn update_table_request_sets_only_the_planned_parts() {
        let c = client();
        let step = TableUpdate {
            attribute_definitions: Some(defs(&[("pk", "S")])),
            gsi_updates: vec![gsi_delete("x")],
            ..Default::default()
        };
        let req = update_table_request(&c, "assets", step);
        let input = req.as_input();
        assert_eq!(input.get_table_name().as_deref(), Some("assets"));
        assert_eq!(
            input.get_global_secondary_index_updates(),
            &Some(vec![gsi_delete("x")])
        );
        assert_eq!(input.get_billing_mode(), &None);
        assert_eq!(input.get_stream_specification(), &None);
        assert_eq!(input.get_sse_specification(), &None);
        let req = update_table_request(&c, "assets", TableUpdate::default());
        assert_eq!(req.as_input().get_global_secondary_index_updates(), &None);
    }

    #[test]
    fn tag_changes_remove_set_and_spare_aws_tags() {
        let live = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
            ("aws:cloudformation:stack".to_string(), "s".to_string()),
        ]);
        let want = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "3".to_string()),
            ("c".to_string(), "4".to_string()),
        ]);
        let (remove, set) = tag_changes(&live, &want);
        assert!(remove.is_empty());
        let set: Vec<(&str, &str)> = set.iter().map(|t| (t.key(), t.value())).collect();
        assert_eq!(set, [("b", "3"), ("c", "4")]);
        let (remove, set) = tag_changes(&want, &BTreeMap::new());
        assert_eq!(remove, ["a", "b", "c"]);
        assert!(set.is_empty());
    }

    #[test]
    fn kms_keys_match_by_arn_or_id() {
        assert!(kms_matches(None, None));
        assert!(kms_matches(Some("arn:k"), Some("arn:k")));
        assert!(kms_matches(
            Some("k1"),
            Some("arn:aws:kms:us-east-1:1:key/k1")
        ));
        assert!(!kms_matches(
            Some("k2"),
            Some("arn:aws:kms:us-east-1:1:key/k1")
        ));
        assert!(!kms_matches(None, Some("arn:k")));
        assert!(!kms_matches(Some("k"), None));
    }

    #[test]
    fn settled_means_table_and_indexes_active() {
        let mut d = description();
        assert!(!is_settled(&d), "an index is DELETING");
        d.global_secondary_indexes = Some(vec![d.global_secondary_indexes()[0].clone()]);
        assert!(is_settled(&d));
        d.table_status = Some(TableStatus::Updating);
        assert!(!is_settled(&d));
        assert_eq!(status_of(Some(&d)), "UPDATING");
        assert_eq!(status_of(None), "gone");
    }

    #[test]
    fn not_ours_names_the_owner() {
        let ctx = OpContext::new("dynamodb-table.assets", "ecogy", "dev");
        let theirs = BTreeMap::from([
            (TAG_PROJECT.to_string(), "ecogy".to_string()),
            (TAG_STAGE.to_string(), "prod".to_string()),
        ]);
        let e = not_ours(&ctx, "CreateTable", "t", &theirs);
        assert_eq!(e.kind, ErrorKind::Conflict);
        assert!(
            e.message.contains("eco:project=ecogy, eco:stage=prod"),
            "{e}"
        );
        let e = not_ours(&ctx, "CreateTable", "t", &BTreeMap::new());
        assert!(
            e.message.contains("eco import dynamodb-table.assets t"),
            "{e}"
        );
    }
}
