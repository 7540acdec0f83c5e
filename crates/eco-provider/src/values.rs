//! Short constructors for attribute values, for tests that write configurations by hand
//! (the standard tests of every type and the per-type tests beside them).

use std::collections::BTreeMap;

use crate::{Attrs, OpContext, Value};

/// A string value.
pub fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

/// A list of strings.
pub fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

/// A map (a block) from its entries.
pub fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

/// A resource's attributes from their entries.
pub fn attrs(entries: &[(&str, Value)]) -> Attrs {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// The tags eco would set for `ctx` (its ownership tags) plus `extra`.
pub fn tags(ctx: &OpContext, extra: &[(&str, &str)]) -> Value {
    let mut all: BTreeMap<String, Value> = ctx
        .ownership_tags()
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    for (k, v) in extra {
        all.insert(k.to_string(), s(v));
    }
    Value::Map(all)
}
