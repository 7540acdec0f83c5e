//! Typed specs: a resource type's attributes declared once, as Rust structs and enums.
//!
//! As kube-derive derives a CRD's schema from a struct, `#[derive(Spec)]` (from
//! `eco-schema-derive`, re-exported here) turns a struct into
//! - its schema: one [`Attribute`] per field, named by the field in kebab-case, shaped by the
//!   field's type ([`SpecValue::shape`]) and marked by `#[eco(...)]` (`replace`, `guarded = ".."`,
//!   `computed`, `sensitive`, `json`, `local`, `unordered`, `additive`, `declared_labels`,
//!   `doc = ".."`, `rename = ".."`, `required`, `tags`);
//! - `from_attrs`: the typed value of an evaluated configuration (or of what a read reported),
//!   with a [`SpecError`] naming the attribute when a value has the wrong shape;
//! - `to_attrs`: the attributes back, in the shape configuration and state use.
//!
//! `#[eco(flatten)]` on a field of a `Spec` type writes that spec's fields at this level (a
//! resource's updatable part as its own struct, say).
//!
//! Integer fields take `min = N` / `max = N`, which become the attribute's [`Attribute::range`].
//!
//! `#[derive(SpecEnum)]` turns a fieldless enum into a closed set of values: its
//! [`SpecEnum::ALLOWED`] is what the schema's [`Attribute::allowed`] holds, so `eco validate`
//! refuses any other value with the allowed ones listed. A variant is spelled as written, or as
//! `#[eco(rename = "..")]` says, or (with `#[eco(rename_all = "SCREAMING_SNAKE_CASE")]` on the
//! enum) `PayPerRequest` -> `PAY_PER_REQUEST`.
//!
//! Field types: `String`, `i64`, `i32`, `f64`, `bool`, a `SpecEnum`, a `Spec` struct (a block;
//! `#[eco(label = "field")]` on the struct takes the node's argument into that field, which is
//! not required unless marked `required`), and
//! `Option<T>`, `Vec<T>` (a list, or repeated blocks) and `BTreeMap<String, String>` (a map) of
//! them. A plain field is required; `Option`, `Vec` and maps are not.

use std::collections::BTreeMap;
use std::fmt;

use crate::{Attribute, BlockSchema, ScalarType, Shape, Value};

/// A value of the wrong shape for its attribute, found while reading attributes into a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// Where: `name`, `gsi[by-owner].projection`.
    pub path: String,
    pub message: String,
}

impl SpecError {
    /// An error at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.path, self.message)
    }
}

impl std::error::Error for SpecError {}

/// A struct whose fields are attributes (a resource type, or a block inside one).
pub trait Spec: Sized {
    /// One attribute per field, in field order.
    fn fields() -> Vec<Attribute>;
    /// The field that holds a block's leading argument (`gsi "by-owner"` -> `name`).
    fn label() -> Option<&'static str> {
        None
    }
    /// The typed value of these attributes; `path` prefixes error paths (empty at top level).
    fn from_attrs_at(attrs: &BTreeMap<String, Value>, path: &str) -> Result<Self, SpecError>;
    /// The typed value of a resource's attributes.
    fn from_attrs(attrs: &BTreeMap<String, Value>) -> Result<Self, SpecError> {
        Self::from_attrs_at(attrs, "")
    }
    /// The attributes, as configuration and state hold them (absent options left out).
    fn to_attrs(&self) -> BTreeMap<String, Value>;
}

/// A closed set of string values, as AWS spells them.
pub trait SpecEnum: Sized + Copy + 'static {
    /// Every value, in declaration order.
    const ALLOWED: &'static [&'static str];
    /// The variants, in the order of [`SpecEnum::ALLOWED`].
    const VARIANTS: &'static [Self];
    /// How AWS spells this value.
    fn as_str(&self) -> &'static str;
    /// The variant spelled `s`, exactly.
    fn parse(s: &str) -> Option<Self> {
        Self::ALLOWED
            .iter()
            .position(|a| *a == s)
            .map(|i| Self::VARIANTS[i])
    }
}

/// A Rust type that can hold an attribute's value.
pub trait SpecValue: Sized {
    /// The attribute's shape.
    fn shape() -> Shape;
    /// Allowed values (for enums and lists of them).
    fn allowed() -> &'static [&'static str] {
        &[]
    }
    /// Whether a field of this type must be set (`Option`, lists and maps need not be).
    fn required() -> bool {
        true
    }
    /// The value of a field whose attribute is absent.
    fn absent(path: &str) -> Result<Self, SpecError> {
        Err(SpecError::new(path, "is required"))
    }
    /// Reads the value.
    fn from_value(v: &Value, path: &str) -> Result<Self, SpecError>;
    /// Writes the value; `None` leaves the attribute out.
    fn to_value(&self) -> Option<Value>;
}

/// A type that can be the item of a `Vec` attribute: a scalar (a list) or a block (repeated).
pub trait SpecItem: SpecValue {
    /// The shape of a `Vec` of this type.
    fn list_shape() -> Shape;
}

fn wrong(path: &str, expected: &str, found: &Value) -> SpecError {
    let found = match found {
        Value::Null => "nothing".to_string(),
        Value::Unknown => "a value not known until apply".to_string(),
        Value::Bool(_) => "a boolean".to_string(),
        Value::Int(_) => "an integer".to_string(),
        Value::Float(_) => "a number".to_string(),
        Value::String(s) => format!("`{s}`"),
        Value::List(_) => "a list".to_string(),
        Value::Map(_) => "a block".to_string(),
    };
    SpecError::new(path, format!("must be {expected}, found {found}"))
}

/// The path of a field inside `parent` (empty at top level).
pub fn field_path(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
}

/// Reads the field `name` of `attrs` (absent and null mean "not set").
pub fn read_field<T: SpecValue>(
    attrs: &BTreeMap<String, Value>,
    name: &str,
    parent: &str,
) -> Result<T, SpecError> {
    let path = field_path(parent, name);
    match attrs.get(name) {
        None | Some(Value::Null) => T::absent(&path),
        Some(v) => T::from_value(v, &path),
    }
}

/// Reads the field `attribute` of `attrs` and checks it against the attribute's allowed values
/// and range, which the schema also gives `eco validate` (a value interpolated at plan time is
/// only checked here).
pub fn read_checked<T: SpecValue>(
    attrs: &BTreeMap<String, Value>,
    attribute: &Attribute,
    parent: &str,
) -> Result<T, SpecError> {
    let value = read_field::<T>(attrs, attribute.name, parent)?;
    if let (Some((min, max)), Some(Value::Int(i))) = (attribute.range, attrs.get(attribute.name)) {
        if *i < min || *i > max {
            return Err(SpecError::new(
                field_path(parent, attribute.name),
                format!("must be between {min} and {max}, found {i}"),
            ));
        }
    }
    Ok(value)
}

impl SpecValue for String {
    fn shape() -> Shape {
        Shape::Scalar(ScalarType::String)
    }
    fn from_value(v: &Value, path: &str) -> Result<Self, SpecError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            other => Err(wrong(path, "a string", other)),
        }
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::String(self.clone()))
    }
}
impl SpecItem for String {
    fn list_shape() -> Shape {
        Shape::List(ScalarType::String)
    }
}

impl SpecValue for i64 {
    fn shape() -> Shape {
        Shape::Scalar(ScalarType::Int)
    }
    fn from_value(v: &Value, path: &str) -> Result<Self, SpecError> {
        match v {
            Value::Int(i) => Ok(*i),
            other => Err(wrong(path, "an integer", other)),
        }
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::Int(*self))
    }
}
impl SpecItem for i64 {
    fn list_shape() -> Shape {
        Shape::List(ScalarType::Int)
    }
}

impl SpecValue for i32 {
    fn shape() -> Shape {
        Shape::Scalar(ScalarType::Int)
    }
    fn from_value(v: &Value, path: &str) -> Result<Self, SpecError> {
        let i = i64::from_value(v, path)?;
        i32::try_from(i).map_err(|_| {
            SpecError::new(
                path,
                format!("must be between {} and {}, found {i}", i32::MIN, i32::MAX),
            )
        })
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::Int(*self as i64))
    }
}

impl SpecValue for f64 {
    fn shape() -> Shape {
        Shape::Scalar(ScalarType::Float)
    }
    fn from_value(v: &Value, path: &str) -> Result<Self, SpecError> {
        match v {
            Value::Float(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            other => Err(wrong(path, "a number", other)),
        }
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::Float(*self))
    }
}

impl SpecValue for bool {
    fn shape() -> Shape {
        Shape::Scalar(ScalarType::Bool)
    }
    fn from_value(v: &Value, path: &str) -> Result<Self, SpecError> {
        match v {
            Value::Bool(b) => Ok(*b),
            other => Err(wrong(path, "#true or #false", other)),
        }
    }
    fn to_value(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
}

impl<T: SpecValue> SpecValue for Option<T> {
    fn shape() -> Shape {
        T::shape()
    }
    fn allowed() -> &'static [&'static str] {
        T::allowed()
    }
    fn required() -> bool {
        false
    }
    fn absent(_path: &str) -> Result<Self, SpecError> {
        Ok(None)
    }
    fn from_value(v: &Value, path: &str) -> Result<Self, SpecError> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v, path).map(Some),
        }
    }
    fn to_value(&self) -> Option<Value> {
        self.as_ref().and_then(T::to_value)
    }
}

impl<T: SpecItem> SpecValue for Vec<T> {
    fn shape() -> Shape {
        T::list_shape()
    }
    fn allowed() -> &'static [&'static str] {
        T::allowed()
    }
    fn required() -> bool {
        false
    }
    fn absent(_path: &str) -> Result<Self, SpecError> {
        Ok(Vec::new())
    }
    fn from_value(v: &Value, path: &str) -> Result<Self, SpecError> {
        match v {
            Value::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| T::from_value(item, &format!("{path}[{i}]")))
                .collect(),
            // A block written once where it may repeat.
            Value::Map(_) => Ok(vec![T::from_value(v, path)?]),
            other => Err(wrong(path, "a list", other)),
        }
    }
    fn to_value(&self) -> Option<Value> {
        if self.is_empty() {
            return None;
        }
        Some(Value::List(self.iter().filter_map(T::to_value).collect()))
    }
}

impl SpecValue for BTreeMap<String, String> {
    fn shape() -> Shape {
        Shape::Map(ScalarType::String)
    }
    fn required() -> bool {
        false
    }
    fn absent(_path: &str) -> Result<Self, SpecError> {
        Ok(BTreeMap::new())
    }
    fn from_value(v: &Value, path: &str) -> Result<Self, SpecError> {
        match v {
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| Ok((k.clone(), String::from_value(v, &format!("{path}.{k}"))?)))
                .collect(),
            other => Err(wrong(path, "key=value properties", other)),
        }
    }
    fn to_value(&self) -> Option<Value> {
        if self.is_empty() {
            return None;
        }
        Some(Value::Map(
            self.iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ))
    }
}

/// `live` with the attributes named in `changed` taken from `desired` (an attribute no longer
/// in `desired` is unmanaged: its live value stays). What an update that must send a full
/// configuration (AWS resets what it is not given) sends.
pub fn overlay<S: Spec>(
    live: &S,
    desired: &BTreeMap<String, Value>,
    changed: &[String],
) -> Result<S, SpecError> {
    let mut merged = live.to_attrs();
    for name in changed {
        if let Some(v) = desired.get(name).filter(|v| **v != Value::Null) {
            merged.insert(name.clone(), v.clone());
        }
    }
    S::from_attrs(&merged)
}

/// [`SpecValue::from_value`] for a [`SpecEnum`] (what the derive generates calls it).
pub fn enum_from_value<E: SpecEnum>(v: &Value, path: &str) -> Result<E, SpecError> {
    let s = String::from_value(v, path)?;
    E::parse(&s).ok_or_else(|| {
        SpecError::new(
            path,
            format!("must be one of {}, found `{s}`", E::ALLOWED.join(", ")),
        )
    })
}

/// [`SpecValue::from_value`] for a [`Spec`] block.
pub fn block_from_value<S: Spec>(v: &Value, path: &str) -> Result<S, SpecError> {
    match v {
        Value::Map(m) => S::from_attrs_at(m, path),
        other => Err(wrong(path, "a block", other)),
    }
}

/// The shape of a [`Spec`] block, written once or repeated.
pub fn block_shape<S: Spec>(repeated: bool) -> Shape {
    Shape::Block(BlockSchema {
        label: S::label(),
        fields: S::fields(),
        repeated,
    })
}

/// The attribute of a field of type `T` (what the derive generates for each field).
pub fn field_attribute<T: SpecValue>(name: &'static str) -> Attribute {
    let mut a = Attribute::new(name, T::shape());
    a.required = T::required();
    a.allowed = T::allowed();
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Mode {
        On,
        Off,
    }
    impl SpecEnum for Mode {
        const ALLOWED: &'static [&'static str] = &["ON", "OFF"];
        const VARIANTS: &'static [Self] = &[Mode::On, Mode::Off];
        fn as_str(&self) -> &'static str {
            match self {
                Mode::On => "ON",
                Mode::Off => "OFF",
            }
        }
    }

    #[test]
    fn enums_parse_exactly_and_list_the_allowed_values() {
        assert_eq!(Mode::parse("ON"), Some(Mode::On));
        assert_eq!(Mode::parse("on"), None);
        let e = enum_from_value::<Mode>(&Value::from("ONN"), "mfa.mode").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`mfa.mode` must be one of ON, OFF, found `ONN`"
        );
    }

    #[test]
    fn options_lists_and_maps_are_optional() {
        let attrs = BTreeMap::new();
        assert_eq!(read_field::<Option<String>>(&attrs, "x", "").unwrap(), None);
        assert!(read_field::<Vec<String>>(&attrs, "x", "")
            .unwrap()
            .is_empty());
        let e = read_field::<String>(&attrs, "name", "gsi").unwrap_err();
        assert_eq!(e.to_string(), "`gsi.name` is required");
        let i = read_field::<i32>(
            &BTreeMap::from([("n".to_string(), Value::Int(1 << 40))]),
            "n",
            "",
        )
        .unwrap_err();
        assert!(i.message.starts_with("must be between"));
    }

    use crate::{LabelSet, Schema, Spec, SpecEnum, Update};

    #[derive(Debug, Clone, Copy, PartialEq, SpecEnum)]
    enum KeyType {
        S,
        N,
        #[eco(rename = "B")]
        Binary,
    }

    #[derive(Debug, Clone, PartialEq, Spec)]
    #[eco(label = "name")]
    struct Index {
        #[eco(doc = "index name")]
        name: String,
        hash_key: String,
        #[eco(rename = "type")]
        key_type: Option<KeyType>,
    }

    #[derive(Debug, Clone, PartialEq, Spec)]
    #[eco(resource = "demo-table", doc = "a demo", import_id = "the table name")]
    struct Table {
        #[eco(replace, doc = "table name")]
        name: String,
        #[eco(guarded = "fixed at creation")]
        hash_key: String,
        #[eco(min = 1, max = 40000)]
        capacity: Option<i64>,
        gsi: Vec<Index>,
        #[eco(additive)]
        attribute: Vec<Index>,
        #[eco(tags)]
        tags: BTreeMap<String, String>,
        #[eco(computed)]
        arn: Option<String>,
    }

    #[test]
    fn a_derived_spec_gives_the_schema_the_hand_written_builder_would() {
        let derived: Schema = Table::schema();
        let by_hand = Schema::new("demo-table", "a demo")
            .import_id("the table name")
            .attr(
                Attribute::string("name")
                    .required()
                    .forces_replacement()
                    .doc("table name"),
            )
            .attr(
                Attribute::string("hash-key")
                    .required()
                    .guarded("fixed at creation"),
            )
            .attr(Attribute::int("capacity").range(1, 40000))
            .attr(Attribute::repeated_block(
                "gsi",
                "name",
                vec![
                    Attribute::string("name").doc("index name"),
                    Attribute::string("hash-key").required(),
                    Attribute::string("type").one_of(&["S", "N", "B"]),
                ],
            ))
            .attr(
                Attribute::repeated_block(
                    "attribute",
                    "name",
                    vec![
                        Attribute::string("name").doc("index name"),
                        Attribute::string("hash-key").required(),
                        Attribute::string("type").one_of(&["S", "N", "B"]),
                    ],
                )
                .additive(),
            )
            .taggable()
            .attr(Attribute::string("arn").computed());
        assert_eq!(derived, by_hand);
        assert_eq!(Table::TYPE_NAME, "demo-table");
        assert_eq!(derived.attributes[4].label_set, LabelSet::Additive);
        assert_eq!(
            derived.attributes[1].update,
            Update::Guarded("fixed at creation")
        );
    }

    #[derive(Debug, Clone, Copy, PartialEq, SpecEnum)]
    #[eco(rename_all = "SCREAMING_SNAKE_CASE")]
    enum Billing {
        PayPerRequest,
        #[eco(rename = "prov")]
        Provisioned,
        Standard,
    }

    #[test]
    fn rename_all_spells_variants_in_screaming_snake_case() {
        assert_eq!(Billing::ALLOWED, ["PAY_PER_REQUEST", "prov", "STANDARD"]);
        assert_eq!(
            Billing::parse("PAY_PER_REQUEST"),
            Some(Billing::PayPerRequest)
        );
    }

    #[derive(Debug, Clone, PartialEq, Spec)]
    #[eco(label = "name")]
    struct KeyBlock {
        #[eco(required)]
        name: String,
        #[eco(rename = "type")]
        key_type: KeyType,
    }

    #[test]
    fn a_label_field_is_optional_unless_marked_required() {
        assert!(!Index::fields()[0].required);
        let key = KeyBlock::fields();
        assert!(key[0].required && key[1].required);
        assert_eq!(
            block_shape::<KeyBlock>(false),
            Attribute::labeled_block(
                "key",
                "name",
                vec![
                    Attribute::string("name").required(),
                    Attribute::string("type")
                        .required()
                        .one_of(&["S", "N", "B"]),
                ],
            )
            .shape
        );
    }

    #[test]
    fn a_derived_spec_round_trips_and_names_the_bad_attribute() {
        let t = Table {
            name: "t".into(),
            hash_key: "pk".into(),
            gsi: vec![Index {
                name: "by-owner".into(),
                hash_key: "owner".into(),
                key_type: Some(KeyType::Binary),
            }],
            capacity: Some(5),
            attribute: vec![],
            tags: BTreeMap::from([("team".into(), "platform".into())]),
            arn: None,
        };
        let attrs = t.to_attrs();
        assert!(!attrs.contains_key("arn") && !attrs.contains_key("attribute"));
        assert_eq!(Table::from_attrs(&attrs).unwrap(), t);
        let mut small = attrs.clone();
        small.insert("capacity".into(), Value::Int(0));
        assert_eq!(
            Table::from_attrs(&small).unwrap_err().to_string(),
            "`capacity` must be between 1 and 40000, found 0"
        );
        let mut bad = attrs.clone();
        let Some(Value::List(gsis)) = bad.get_mut("gsi") else {
            panic!("gsi is a list")
        };
        let Value::Map(g) = &mut gsis[0] else {
            panic!("a gsi is a block")
        };
        g.insert("type".into(), Value::from("X"));
        assert_eq!(
            Table::from_attrs(&bad).unwrap_err().to_string(),
            "`gsi[0].type` must be one of S, N, B, found `X`"
        );
        bad.remove("name");
        assert_eq!(
            Table::from_attrs(&bad).unwrap_err().to_string(),
            "`name` is required"
        );
    }

    #[derive(Debug, Clone, PartialEq, Default, Spec)]
    struct Settings {
        description: Option<String>,
        #[eco(min = 0, max = 10)]
        precedence: Option<i64>,
    }

    #[derive(Debug, Clone, PartialEq, Spec)]
    #[eco(resource = "demo-group")]
    struct Group {
        #[eco(replace)]
        name: String,
        #[eco(flatten)]
        settings: Settings,
    }

    #[test]
    fn flattened_fields_sit_beside_their_siblings_and_overlay_takes_only_what_changed() {
        let names: Vec<&str> = Group::schema().attributes.iter().map(|a| a.name).collect();
        assert_eq!(names, ["name", "description", "precedence"]);
        let desired = BTreeMap::from([
            ("name".to_string(), Value::from("admins")),
            ("description".to_string(), Value::from("new")),
            ("precedence".to_string(), Value::Int(3)),
        ]);
        let group = Group::from_attrs(&desired).unwrap();
        assert_eq!(group.settings.precedence, Some(3));
        assert_eq!(group.to_attrs(), desired);

        let live = Settings {
            description: Some("old".into()),
            precedence: Some(1),
        };
        let merged = overlay(&live, &desired, &["precedence".to_string()]).unwrap();
        assert_eq!(merged.description.as_deref(), Some("old"));
        assert_eq!(merged.precedence, Some(3));
        let mut too_big = desired.clone();
        too_big.insert("precedence".into(), Value::Int(11));
        let e = overlay(&live, &too_big, &["precedence".to_string()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`precedence` must be between 0 and 10, found 11"
        );
    }
}
