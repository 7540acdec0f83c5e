//! The typed spec of `dynamodb-table`: each attribute's name, shape, update strategy, allowed
//! values and documentation, written once; and the desired table with eco's defaults filled in.

use std::collections::BTreeMap;

use eco_provider::{Attrs, OpError};
use eco_schema::spec::SpecError;
use eco_schema::{Spec, SpecEnum};

use super::requests::attribute_definitions;

/// The scalar type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
pub enum KeyType {
    S,
    N,
    B,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingMode {
    PayPerRequest,
    Provisioned,
}

/// What an index projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProjectionType {
    All,
    KeysOnly,
    Include,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamViewType {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, SpecEnum)]
#[eco(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TableClass {
    Standard,
    StandardInfrequentAccess,
}

/// A key attribute and its type: `hash-key "pk" type="S"`.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "name")]
pub struct Key {
    /// key attribute name
    #[eco(required)]
    pub name: String,
    /// S (string), N (number) or B (binary)
    #[eco(rename = "type")]
    pub ty: KeyType,
}

/// A global secondary index. Desired and live, its capacity is set exactly when the table is
/// PROVISIONED.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "name")]
pub struct Gsi {
    /// index name
    pub name: String,
    /// partition key attribute of the index
    pub hash_key: String,
    /// type of the partition key: S (default), N or B
    #[eco(rename = "type")]
    pub key_type: Option<KeyType>,
    /// sort key attribute of the index
    pub range_key: Option<String>,
    /// type of the sort key: S (default), N or B
    pub range_type: Option<KeyType>,
    /// ALL (default), KEYS_ONLY or INCLUDE
    pub projection: Option<ProjectionType>,
    /// attributes projected when projection is INCLUDE
    #[eco(unordered)]
    pub non_key_attributes: Vec<String>,
    /// read capacity units when PROVISIONED
    pub read_capacity: Option<i64>,
    /// write capacity units when PROVISIONED
    pub write_capacity: Option<i64>,
}

/// A local secondary index (its partition key is the table's).
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(label = "name")]
pub struct Lsi {
    /// index name
    pub name: String,
    /// sort key attribute of the index
    pub range_key: String,
    /// type of the sort key: S (default), N or B
    #[eco(rename = "type")]
    pub key_type: Option<KeyType>,
    /// ALL (default), KEYS_ONLY or INCLUDE
    pub projection: Option<ProjectionType>,
    /// attributes projected when projection is INCLUDE
    #[eco(unordered)]
    pub non_key_attributes: Vec<String>,
}

/// A table: the desired configuration (with defaults filled in by [`DynamodbTable::desired`])
/// or what AWS reports, in one shape so that they compare field by field.
#[derive(Debug, Clone, PartialEq, Eq, Spec)]
#[eco(
    resource = "dynamodb-table",
    doc = "A DynamoDB table: keys, billing, global and local secondary indexes, TTL, point-in-time recovery, stream",
    import_id = "the table name"
)]
pub struct DynamodbTable {
    /// table name; DynamoDB cannot rename a table
    #[eco(replace, name_rule = DynamodbTable)]
    pub name: String,
    /// partition key and its type; fixed at creation
    #[eco(replace)]
    pub hash_key: Key,
    /// sort key and its type; fixed at creation
    #[eco(replace)]
    pub range_key: Option<Key>,
    /// PAY_PER_REQUEST (default) or PROVISIONED (UpdateTable)
    pub billing_mode: Option<BillingMode>,
    /// read capacity units when PROVISIONED (UpdateTable)
    pub read_capacity: Option<i64>,
    /// write capacity units when PROVISIONED (UpdateTable)
    pub write_capacity: Option<i64>,
    /// a global secondary index; added or removed with UpdateTable, a changed key rebuilds that
    /// index
    pub gsi: Vec<Gsi>,
    /// a local secondary index; DynamoDB only creates them with the table
    #[eco(replace)]
    pub lsi: Vec<Lsi>,
    /// attribute holding the expiry epoch seconds; enables TTL (UpdateTimeToLive)
    pub ttl: Option<String>,
    /// continuous backups with point-in-time recovery (UpdateContinuousBackups)
    pub point_in_time_recovery: Option<bool>,
    /// enables the stream: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES (UpdateTable)
    pub stream_view_type: Option<StreamViewType>,
    /// STANDARD (default) or STANDARD_INFREQUENT_ACCESS (UpdateTable)
    pub table_class: Option<TableClass>,
    /// refuse DeleteTable while set (UpdateTable)
    pub deletion_protection: Option<bool>,
    /// customer managed KMS key for encryption at rest (default: AWS owned key; UpdateTable)
    pub kms_key: Option<String>,
    /// table ARN
    #[eco(computed, derived_from = "name")]
    pub arn: Option<String>,
    /// latest stream ARN, when a stream is enabled
    #[eco(computed)]
    pub stream_arn: Option<String>,
    /// timestamp label of the latest stream
    #[eco(computed)]
    pub stream_label: Option<String>,
    /// items in the table (DescribeTable ItemCount, which AWS refreshes about every six
    /// hours); a destroy or replacement plan says how many would be lost
    #[eco(computed)]
    pub item_count: Option<i64>,
    /// bytes the table holds (DescribeTable TableSizeBytes, refreshed like item-count)
    #[eco(computed)]
    pub size_bytes: Option<i64>,
    #[eco(tags)]
    pub tags: BTreeMap<String, String>,
}

impl Gsi {
    /// The index's keys: (partition, sort).
    pub fn keys(&self) -> (Key, Option<Key>) {
        let key = |name: &str, ty: Option<KeyType>| Key {
            name: name.to_string(),
            ty: ty.unwrap_or(KeyType::S),
        };
        let range = self.range_key.as_deref().map(|r| key(r, self.range_type));
        (key(&self.hash_key, self.key_type), range)
    }

    /// (read, write) capacity, when set.
    pub fn capacity(&self) -> Option<(i64, i64)> {
        self.read_capacity.zip(self.write_capacity)
    }

    pub fn set_capacity(&mut self, capacity: Option<(i64, i64)>) {
        (self.read_capacity, self.write_capacity) = capacity.unzip();
    }

    /// Whether two indexes have the same keys and projection (what UpdateTable cannot change:
    /// a difference there rebuilds the index).
    pub fn same_shape(&self, other: &Gsi) -> bool {
        let mut this = self.clone();
        this.name.clone_from(&other.name);
        this.set_capacity(other.capacity());
        this == *other
    }
}

impl Lsi {
    /// The index's sort key.
    pub fn key(&self) -> Key {
        Key {
            name: self.range_key.clone(),
            ty: self.key_type.unwrap_or(KeyType::S),
        }
    }
}

/// A value outside its attribute's shape or allowed values, as an invalid-configuration error
/// of `op` (allowed values worded as eco's other checks word them).
pub fn invalid(op: &str, e: SpecError) -> OpError {
    let message = match e.message.strip_prefix("must be one of ") {
        Some(m) => match m.split_once(", found ") {
            Some((allowed, found)) => format!("`{}` is {found}; expected one of {allowed}", e.path),
            None => e.to_string(),
        },
        None => e.to_string(),
    };
    OpError::invalid(op, format!("{}: {message}", DynamodbTable::TYPE_NAME))
}

/// Refuses an invalid table or index name (`what` names what it names).
fn check_name(what: &str, name: &str) -> Result<(), String> {
    let valid = (3..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        return Ok(());
    }
    Err(format!(
        "{what} `{name}` must be 3-255 characters of a-z, A-Z, 0-9, _, - and ."
    ))
}

/// Defaults the projection to ALL and checks it against the non-key attributes.
fn check_projection(
    kind: &mut Option<ProjectionType>,
    non_key: &[String],
    what: &str,
) -> Result<(), String> {
    let include = *kind.get_or_insert(ProjectionType::All) == ProjectionType::Include;
    match (include, non_key.is_empty()) {
        (true, true) => Err(format!(
            "{what} has projection INCLUDE but no non-key-attributes"
        )),
        (false, false) => Err(format!(
            "{what} lists non-key-attributes; they need projection INCLUDE"
        )),
        _ => Ok(()),
    }
}

/// Sorts indexes by name; refuses a name declared twice and more than `max` indexes.
fn sort_indexes<T>(
    items: &mut [T],
    name: impl Fn(&T) -> &str,
    kind: &str,
    max: usize,
    long: &str,
) -> Result<(), String> {
    items.sort_by(|a, b| name(a).cmp(name(b)));
    if let Some(w) = items.windows(2).find(|w| name(&w[0]) == name(&w[1])) {
        return Err(format!("{kind} `{}` is declared twice", name(&w[0])));
    }
    if items.len() > max {
        return Err(format!(
            "a table has at most {max} {long} secondary indexes"
        ));
    }
    Ok(())
}

impl DynamodbTable {
    /// The table's (read, write) capacity when PROVISIONED; `None` when PAY_PER_REQUEST.
    pub fn capacity(&self) -> Option<(i64, i64)> {
        (self.billing_mode == Some(BillingMode::Provisioned)).then(|| {
            (
                self.read_capacity.unwrap_or(0),
                self.write_capacity.unwrap_or(0),
            )
        })
    }

    /// The desired table from configuration attributes, with eco's defaults filled in
    /// (PAY_PER_REQUEST, key types S, projection ALL, STANDARD class, a GSI's capacity taken
    /// from the table's when PROVISIONED, indexes sorted by name). Obviously invalid values are
    /// refused here, before any AWS call, as `op` errors.
    pub fn desired(attrs: &Attrs, op: &str) -> Result<DynamodbTable, OpError> {
        let t = DynamodbTable::from_attrs(attrs).map_err(|e| invalid(op, e))?;
        t.with_defaults().map_err(|m| OpError::invalid(op, m))
    }

    fn with_defaults(mut self) -> Result<DynamodbTable, String> {
        check_name("table name", &self.name)?;
        if std::iter::once(&self.hash_key)
            .chain(&self.range_key)
            .any(|k| k.name.is_empty())
        {
            return Err("a table key needs an attribute name".to_string());
        }
        let capacities = [self.read_capacity, self.write_capacity].into_iter().chain(
            self.gsi
                .iter()
                .flat_map(|g| [g.read_capacity, g.write_capacity]),
        );
        if let Some(c) = capacities.flatten().find(|c| *c < 1) {
            return Err(format!("a capacity must be a positive integer, not {c}"));
        }
        let mode = *self.billing_mode.get_or_insert(BillingMode::PayPerRequest);
        match (mode, self.read_capacity, self.write_capacity) {
            (BillingMode::PayPerRequest, None, None)
            | (BillingMode::Provisioned, Some(_), Some(_)) => {}
            (BillingMode::PayPerRequest, _, _) => {
                return Err(
                    "read-capacity and write-capacity need billing-mode \"PROVISIONED\"".into(),
                )
            }
            _ => {
                return Err(
                    "billing-mode \"PROVISIONED\" needs both read-capacity and write-capacity"
                        .into(),
                )
            }
        }
        let capacity = self.capacity();
        for g in &mut self.gsi {
            let what = format!("gsi `{}`", g.name);
            check_name("`gsi` name", &g.name)?;
            if g.hash_key.is_empty() {
                return Err(format!("{what} needs a hash-key"));
            }
            g.key_type.get_or_insert(KeyType::S);
            if g.range_key.as_deref() == Some("") {
                g.range_key = None;
            }
            match (&g.range_key, g.range_type) {
                (None, Some(_)) => return Err(format!("{what} has a range-type but no range-key")),
                (Some(_), None) => g.range_type = Some(KeyType::S),
                _ => {}
            }
            check_projection(&mut g.projection, &g.non_key_attributes, &what)?;
            match capacity {
                None if g.read_capacity.is_some() || g.write_capacity.is_some() => {
                    return Err(format!(
                        "{what} sets a capacity but the table is PAY_PER_REQUEST"
                    ))
                }
                None => {}
                Some((read, write)) => {
                    g.read_capacity.get_or_insert(read);
                    g.write_capacity.get_or_insert(write);
                }
            }
        }
        sort_indexes(&mut self.gsi, |g| &g.name, "gsi", 20, "global")?;
        for l in &mut self.lsi {
            let what = format!("lsi `{}`", l.name);
            check_name("`lsi` name", &l.name)?;
            if l.range_key.is_empty() {
                return Err(format!("{what} needs a range-key"));
            }
            l.key_type.get_or_insert(KeyType::S);
            check_projection(&mut l.projection, &l.non_key_attributes, &what)?;
        }
        if !self.lsi.is_empty() && self.range_key.is_none() {
            return Err("local secondary indexes need a table with a range-key".into());
        }
        sort_indexes(&mut self.lsi, |l| &l.name, "lsi", 5, "local")?;
        if let Some(dup) = self
            .gsi
            .iter()
            .find(|g| self.lsi.iter().any(|l| l.name == g.name))
        {
            return Err(format!("`{}` names both a gsi and an lsi", dup.name));
        }
        if self.ttl.as_deref() == Some("") {
            return Err("`ttl` names the expiry attribute; it cannot be empty".into());
        }
        self.point_in_time_recovery.get_or_insert(false);
        self.table_class.get_or_insert(TableClass::Standard);
        self.deletion_protection.get_or_insert(false);
        self.kms_key = self.kms_key.take().filter(|k| !k.is_empty());
        attribute_definitions(&self, &self.gsi)?;
        Ok(self)
    }
}
