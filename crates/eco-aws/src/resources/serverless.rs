//! Helpers shared by the serverless types (`lambda-*`, `api*`): typed access to desired
//! attributes, ownership conflicts, tag diffs, and API Gateway v2 "not found".

use std::collections::BTreeMap;

use aws_sdk_apigatewayv2::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use eco_provider::{
    Attrs, ErrorKind, OpContext, OpError, Value, TAG_ADDRESS, TAG_PROJECT, TAG_STAGE,
};

use crate::aws::is_not_found;

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

pub fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

pub fn str_list_value<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Value {
    Value::List(items.into_iter().map(|i| Value::String(i.into())).collect())
}

pub fn str_map_value<'a, I: IntoIterator<Item = (&'a String, &'a String)>>(items: I) -> Value {
    Value::Map(
        items
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// The Conflict error for a resource that exists under this name and is not this address's.
pub fn not_ours(
    ctx: &OpContext,
    operation: &str,
    what: &str,
    import_id: &str,
    tags: &BTreeMap<String, String>,
) -> OpError {
    let tag = |k: &str| tags.get(k).map(String::as_str).unwrap_or("?");
    let owner = if [TAG_PROJECT, TAG_STAGE, TAG_ADDRESS]
        .iter()
        .any(|k| tags.contains_key(*k))
    {
        format!(
            "it belongs to eco project `{}`, stage `{}`, address `{}`",
            tag(TAG_PROJECT),
            tag(TAG_STAGE),
            tag(TAG_ADDRESS)
        )
    } else {
        format!(
            "it has no eco ownership tags (made outside eco); to manage it here, adopt it with \
             `eco import {} {import_id}`",
            ctx.address
        )
    };
    OpError::new(
        operation,
        ErrorKind::Conflict,
        format!(
            "{what} already exists and is not {} of project `{}` stage `{}`: {owner}",
            ctx.address, ctx.project, ctx.stage
        ),
    )
}

/// Tags to set (new or changed) and keys to remove, going from `live` to `desired`. Keys in
/// `keep` are never removed.
pub fn tag_diff(
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
    keep: &[&str],
) -> (BTreeMap<String, String>, Vec<String>) {
    let set = desired
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = live
        .keys()
        .filter(|k| !desired.contains_key(*k) && !keep.contains(&k.as_str()))
        .cloned()
        .collect();
    (set, remove)
}

/// Whether an API Gateway v2 (or Lambda) error says the resource does not exist.
pub fn gone<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    is_not_found(err)
        || matches!(err, SdkError::ServiceError(e) if e.err().code() == Some("NotFoundException"))
}

/// Attributes whose names are in `changed`, intersected with `names`.
pub fn any_changed(changed: &[String], names: &[&str]) -> bool {
    changed.iter().any(|c| names.contains(&c.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_diff_sets_changed_and_removes_dropped_but_kept() {
        let live = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "1".to_string()),
            ("keep".to_string(), "x".to_string()),
        ]);
        let desired = BTreeMap::from([
            ("a".to_string(), "2".to_string()),
            ("c".to_string(), "3".to_string()),
        ]);
        let (set, remove) = tag_diff(&live, &desired, &["keep"]);
        assert_eq!(
            set,
            BTreeMap::from([
                ("a".to_string(), "2".to_string()),
                ("c".to_string(), "3".to_string())
            ])
        );
        assert_eq!(remove, vec!["b".to_string()]);
    }

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
}
