//! Keeping sensitive values out of anything printed.
//!
//! State holds real values (it must, to diff and to update), but a sensitive one never appears in
//! plan output, `eco state show`, or logs. The caller (which knows the schema) names the sensitive
//! attribute paths; these helpers replace the values there with [`REDACTED`].
//!
//! A path is a dot-separated list of keys: `password`, `environment.DB_PASSWORD`. `*` matches every
//! key of an object or every element of a list; a number indexes a list; a key applied to a list
//! applies to each of its elements (so `custom-attribute.default` reaches into every block).

use serde_json::{Map, Value};

use crate::{ResourceState, State};

/// What a redacted value prints as.
pub const REDACTED: &str = "(sensitive value)";

/// Replaces the value at each of `paths` inside `value` with [`REDACTED`]. Paths that lead nowhere
/// are ignored.
pub fn redact<S: AsRef<str>>(value: &mut Value, paths: &[S]) {
    for path in paths {
        let segments: Vec<&str> = path.as_ref().split('.').filter(|s| !s.is_empty()).collect();
        if !segments.is_empty() {
            redact_at(value, &segments);
        }
    }
}

/// [`redact`] on an attribute map.
pub fn redact_attributes<S: AsRef<str>>(attributes: &mut Map<String, Value>, paths: &[S]) {
    let mut value = Value::Object(std::mem::take(attributes));
    redact(&mut value, paths);
    if let Value::Object(m) = value {
        *attributes = m;
    }
}

fn redact_at(value: &mut Value, path: &[&str]) {
    let (head, rest) = (path[0], &path[1..]);
    let mut apply = |v: &mut Value| {
        if rest.is_empty() {
            if !v.is_null() {
                *v = Value::String(REDACTED.to_string());
            }
        } else {
            redact_at(v, rest);
        }
    };
    match value {
        Value::Object(map) if head == "*" => map.values_mut().for_each(&mut apply),
        Value::Object(map) => {
            if let Some(v) = map.get_mut(head) {
                apply(v);
            }
        }
        Value::Array(items) if head == "*" => items.iter_mut().for_each(&mut apply),
        Value::Array(items) => match head.parse::<usize>() {
            Ok(i) => {
                if let Some(v) = items.get_mut(i) {
                    apply(v);
                }
            }
            // A key applied to a list reaches into each element.
            Err(_) => items.iter_mut().for_each(|v| redact_at(v, path)),
        },
        _ => {}
    }
}

impl ResourceState {
    /// A copy with the values at `sensitive` paths redacted, for printing.
    pub fn redacted<S: AsRef<str>>(&self, sensitive: &[S]) -> ResourceState {
        let mut copy = self.clone();
        redact_attributes(&mut copy.attributes, sensitive);
        copy
    }
}

impl State {
    /// A copy safe to print: each resource's attributes redacted at the paths `sensitive` names for
    /// its type, and every sensitive output's value redacted.
    pub fn redacted<F, S>(&self, sensitive: F) -> State
    where
        F: Fn(&str) -> Vec<S>,
        S: AsRef<str>,
    {
        let mut copy = self.clone();
        for r in &mut copy.resources {
            let paths = sensitive(&r.type_);
            redact_attributes(&mut r.attributes, &paths);
        }
        for o in copy.outputs.values_mut() {
            if o.sensitive {
                o.value = Value::String(REDACTED.to_string());
            }
        }
        copy
    }
}
