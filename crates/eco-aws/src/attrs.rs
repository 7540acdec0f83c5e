//! Typed access to attribute values (desired or recorded `Attrs`, and the fields of a block),
//! written once for every resource type.
//!
//! The `opt_*` / `req_*` readers take the type name and the AWS operation for their error: a
//! value of the wrong shape is an `Invalid` [`OpError`] that names the type and the attribute.
//! The lenient readers (`str_of`, `int_of`, `block_list`) answer `None` / empty for a value that
//! is absent or of another shape (for recorded attributes, which eco itself wrote).

use std::collections::BTreeMap;

use eco_provider::{Attrs, OpError, Value};

/// A string attribute, if set.
pub fn opt_str(desired: &Attrs, key: &str, ty: &str, op: &str) -> Result<Option<String>, OpError> {
    match desired.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{ty}: `{key}` must be a string, got {other:?}"),
        )),
    }
}

/// A required string attribute.
pub fn req_str(desired: &Attrs, key: &str, ty: &str, op: &str) -> Result<String, OpError> {
    opt_str(desired, key, ty, op)?
        .ok_or_else(|| OpError::invalid(op, format!("{ty}: `{key}` is required")))
}

/// An integer attribute, if set.
pub fn opt_int(desired: &Attrs, key: &str, ty: &str, op: &str) -> Result<Option<i64>, OpError> {
    match desired.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(n)) => Ok(Some(*n)),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| {
            OpError::invalid(op, format!("{ty}: `{key}` must be an integer, got {s:?}"))
        }),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{ty}: `{key}` must be an integer, got {other:?}"),
        )),
    }
}

/// An integer attribute within a range, if set, as i32.
pub fn opt_int_in(
    desired: &Attrs,
    key: &str,
    range: std::ops::RangeInclusive<i64>,
    ty: &str,
    op: &str,
) -> Result<Option<i32>, OpError> {
    match opt_int(desired, key, ty, op)? {
        None => Ok(None),
        Some(n) if range.contains(&n) => Ok(Some(n as i32)),
        Some(n) => Err(OpError::invalid(
            op,
            format!(
                "{ty}: `{key}` must be from {} to {}, got {n}",
                range.start(),
                range.end()
            ),
        )),
    }
}

/// A number attribute (float or integer), if set.
pub fn opt_float(desired: &Attrs, key: &str, ty: &str, op: &str) -> Result<Option<f64>, OpError> {
    match desired.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Float(f)) => Ok(Some(*f)),
        Some(Value::Int(n)) => Ok(Some(*n as f64)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{ty}: `{key}` must be a number, got {other:?}"),
        )),
    }
}

/// A boolean attribute, if set.
pub fn opt_bool(desired: &Attrs, key: &str, ty: &str, op: &str) -> Result<Option<bool>, OpError> {
    match desired.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{ty}: `{key}` must be a boolean, got {other:?}"),
        )),
    }
}

/// A list of strings, if set (order kept).
pub fn opt_str_list(
    desired: &Attrs,
    key: &str,
    ty: &str,
    op: &str,
) -> Result<Option<Vec<String>>, OpError> {
    match desired.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => str_list(v, key, ty, op).map(Some),
    }
}

/// A value that must be a list of strings.
pub fn str_list(v: &Value, key: &str, ty: &str, op: &str) -> Result<Vec<String>, OpError> {
    match v {
        Value::List(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(OpError::invalid(
                    op,
                    format!("{ty}: `{key}` must be a list of strings, got {other:?}"),
                )),
            })
            .collect(),
        Value::String(s) => Ok(vec![s.clone()]),
        other => Err(OpError::invalid(
            op,
            format!("{ty}: `{key}` must be a list of strings, got {other:?}"),
        )),
    }
}

/// A map of strings, if set.
pub fn opt_str_map(
    desired: &Attrs,
    key: &str,
    ty: &str,
    op: &str,
) -> Result<Option<BTreeMap<String, String>>, OpError> {
    match desired.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Map(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Int(n) => Ok((k.clone(), n.to_string())),
                Value::Bool(b) => Ok((k.clone(), b.to_string())),
                Value::Float(f) => Ok((k.clone(), f.to_string())),
                other => Err(OpError::invalid(
                    op,
                    format!("{ty}: `{key}.{k}` must be a string, got {other:?}"),
                )),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(Some),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{ty}: `{key}` must be a map of strings, got {other:?}"),
        )),
    }
}

/// A block's fields, if set.
pub fn opt_block<'a>(
    desired: &'a Attrs,
    key: &str,
    ty: &str,
    op: &str,
) -> Result<Option<&'a BTreeMap<String, Value>>, OpError> {
    match desired.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Map(m)) => Ok(Some(m)),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{ty}: `{key}` must be a block, got {other:?}"),
        )),
    }
}

/// A string [`Value`].
pub fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

/// A list of strings as a [`Value`].
pub fn str_list_value<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::List(items.into_iter().map(|i| Value::String(i.into())).collect())
}

/// A map of strings as a [`Value`].
pub fn str_map_value<'a, I: IntoIterator<Item = (&'a String, &'a String)>>(items: I) -> Value {
    Value::Map(
        items
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// Attributes whose names are in `changed`, intersected with `names`.
pub fn any_changed(changed: &[String], names: &[&str]) -> bool {
    changed.iter().any(|c| names.contains(&c.as_str()))
}

/// A string attribute, if it is one.
pub fn str_of<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

/// An integer attribute, if it is one.
pub fn int_of(attrs: &Attrs, name: &str) -> Option<i64> {
    match attrs.get(name) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

/// The maps of a repeated block field of `m` (one map alone is one block); anything else is
/// none.
pub fn block_list<'a>(m: &'a BTreeMap<String, Value>, k: &str) -> Vec<&'a BTreeMap<String, Value>> {
    match m.get(k) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::Map(b) => Some(b),
                _ => None,
            })
            .collect(),
        Some(Value::Map(b)) => vec![b],
        _ => Vec::new(),
    }
}

/// Refuses `value` unless it is one of `allowed`: "`TYPE: {what} is `{value}`; expected one of
/// A, B`" (without `TYPE: ` when `ty` is `None`).
pub fn one_of(
    op: &str,
    ty: Option<&str>,
    what: &str,
    value: &str,
    allowed: &[&str],
) -> Result<(), OpError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    let prefix = ty.map(|t| format!("{t}: ")).unwrap_or_default();
    Err(OpError::invalid(
        op,
        format!(
            "{prefix}{what} is `{value}`; expected one of {}",
            allowed.join(", ")
        ),
    ))
}

/// The maps of a repeated block (one map alone is taken as one block); `each` words the error
/// for an item that is not a block, `whole` the error for a value that is neither.
pub fn blocks_with<'a>(
    op: &str,
    value: Option<&'a Value>,
    each: impl Fn(&Value) -> String,
    whole: impl Fn(&Value) -> String,
) -> Result<Vec<&'a BTreeMap<String, Value>>, OpError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Map(m)) => Ok(vec![m]),
        Some(Value::List(items)) => items
            .iter()
            .map(|v| match v {
                Value::Map(m) => Ok(m),
                other => Err(OpError::invalid(op, each(other))),
            })
            .collect(),
        Some(other) => Err(OpError::invalid(op, whole(other))),
    }
}

/// What an update writes the configuration over: the live value (`base`), or for a create a
/// `new` one; a value the SDK refuses to build is an `Invalid` error of `op` naming `ty`.
pub fn live_or<T: Clone, E: std::fmt::Display>(
    base: Option<&T>,
    ty: &str,
    op: &str,
    new: impl FnOnce() -> Result<T, E>,
) -> Result<T, OpError> {
    match base {
        Some(b) => Ok(b.clone()),
        None => new().map_err(|e| OpError::invalid(op, format!("{ty}: {e}"))),
    }
}

/// The `Invalid` [`OpError`] of `op` for a value of the type `ty` whose typed reading failed
/// (the [`SpecError`](eco_schema::spec::SpecError) names the attribute).
pub fn spec_invalid<'a>(
    ty: &'a str,
    op: &'a str,
) -> impl Fn(eco_schema::spec::SpecError) -> OpError + 'a {
    move |e| OpError::invalid(op, format!("{ty}: {e}"))
}

/// The typed spec `S` of a configuration (or of recorded attributes) of the type `ty`: a value of
/// the wrong shape is an `Invalid` [`OpError`] of `op` that names the type and the attribute.
pub fn spec_of<S: eco_schema::Spec>(attrs: &Attrs, ty: &str, op: &str) -> Result<S, OpError> {
    S::from_attrs(attrs).map_err(spec_invalid(ty, op))
}

/// Whether two JSON texts hold the same document (key order and whitespace ignored); unparsable
/// texts compare as text.
pub fn same_json(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_provider::ErrorKind;

    #[test]
    fn typed_access_refuses_wrong_types() {
        let d = Attrs::from([("n".to_string(), Value::Int(5)), ("s".to_string(), s("x"))]);
        assert_eq!(opt_int(&d, "n", "t", "Op").unwrap(), Some(5));
        assert!(opt_int(&d, "s", "t", "Op").is_err());
        assert!(opt_str(&d, "n", "t", "Op").is_err());
        assert!(opt_int_in(&d, "n", 10..=20, "t", "Op").is_err());
        assert_eq!(
            req_str(&d, "missing", "t", "Op").unwrap_err().kind,
            ErrorKind::Invalid
        );
    }

    #[test]
    fn lenient_readers_and_one_of() {
        let d = Attrs::from([("n".to_string(), Value::Int(5)), ("s".to_string(), s("x"))]);
        assert_eq!(str_of(&d, "s"), Some("x"));
        assert_eq!(str_of(&d, "n"), None);
        assert_eq!(int_of(&d, "n"), Some(5));
        assert!(one_of("Op", Some("t"), "mode", "A", &["A", "B"]).is_ok());
        assert_eq!(
            one_of("Op", Some("t"), "mode", "C", &["A", "B"])
                .unwrap_err()
                .message,
            "t: mode is `C`; expected one of A, B"
        );
        let one = BTreeMap::from([("b".to_string(), Value::Map(BTreeMap::new()))]);
        assert_eq!(block_list(&one, "b").len(), 1);
        assert!(block_list(&one, "none").is_empty());
    }

    #[test]
    fn live_or_keeps_the_live_value_and_builds_a_new_one_otherwise() {
        let new = || Err::<u8, _>("no type");
        assert_eq!(live_or(Some(&3), "t", "Op", new).unwrap(), 3);
        let e = live_or(None, "t", "Op", new).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::Invalid, "t: no type")
        );
        assert_eq!(live_or(None, "t", "Op", || Ok::<_, String>(4)).unwrap(), 4);
    }

    #[test]
    fn a_spec_of_the_wrong_shape_is_invalid_and_names_the_attribute() {
        use eco_schema::spec::Spec;
        let d = Attrs::from([("name".to_string(), Value::Int(5))]);
        let e =
            spec_of::<crate::resources::cognito_group::CognitoGroup>(&d, "t", "Op").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert!(e.message.starts_with("t: `"), "{e}");
        let ok = Attrs::from([
            ("user-pool".to_string(), s("p")),
            ("name".to_string(), s("g")),
        ]);
        let g: crate::resources::cognito_group::CognitoGroup = spec_of(&ok, "t", "Op").unwrap();
        assert_eq!(g.to_attrs(), ok);
    }
}
