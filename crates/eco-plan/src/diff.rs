//! Comparing what the configuration asks for with what AWS has, attribute by attribute.
//!
//! Only what the configuration declares is compared: an attribute the user does not set is not
//! managed, and inside a block only the fields the user set count (AWS fills in the rest).
//! Maps (`tags`, `env`) are compared whole: a key AWS has and the config does not is a change.
//! JSON documents are compared semantically: key order, whitespace, and the single-item lists
//! AWS returns as scalars are not changes.

use std::collections::BTreeMap;

use eco_schema::{Attribute, LabelSet, Schema, Shape, Update, Value};

/// Whether `live` already satisfies `desired` for this attribute.
pub fn satisfies(attr: &Attribute, desired: &Value, live: Option<&Value>) -> bool {
    if desired.contains_unknown() {
        return false;
    }
    let live = live.unwrap_or(&Value::Null);
    if attr.json {
        return match (desired.as_str(), live.as_str()) {
            (Some(d), Some(l)) => json_equal(d, l),
            _ => desired == live,
        };
    }
    match &attr.shape {
        Shape::List(_) if attr.unordered => match (desired, live) {
            (Value::List(a), Value::List(b)) => sorted(a) == sorted(b),
            _ => values_equal(desired, live),
        },
        Shape::Scalar(_) | Shape::List(_) | Shape::Map(_) => values_equal(desired, live),
        Shape::Block(block) => {
            if block.repeated {
                let (Value::List(want), Value::List(have)) = (desired, live) else {
                    return matches!((desired, live), (Value::List(w), Value::Null) if w.is_empty());
                };
                let declared_only = attr.label_set == LabelSet::Declared && block.label.is_some();
                if want.len() != have.len() && !declared_only {
                    return false;
                }
                match block.label {
                    // Blocks keyed by label, whose order means something: same labels in the
                    // same order, each satisfied.
                    Some(label) if attr.ordered => {
                        let labels = |v: &[Value]| -> Vec<Option<Value>> {
                            v.iter().map(|b| w_label(b, label).cloned()).collect()
                        };
                        labels(want) == labels(have)
                            && want
                                .iter()
                                .zip(have)
                                .all(|(w, h)| block_satisfies(&block.fields, w, h))
                    }
                    // Blocks keyed by label: order does not matter.
                    Some(label) => want.iter().all(|w| {
                        let key = w_label(w, label);
                        have.iter()
                            .find(|h| w_label(h, label) == key)
                            .is_some_and(|h| block_satisfies(&block.fields, w, h))
                    }),
                    None => want
                        .iter()
                        .zip(have)
                        .all(|(w, h)| block_satisfies(&block.fields, w, h)),
                }
            } else {
                block_satisfies(&block.fields, desired, live)
            }
        }
    }
}

fn sorted(items: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(Value::to_string).collect();
    v.sort();
    v
}

fn w_label<'v>(v: &'v Value, label: &str) -> Option<&'v Value> {
    match v {
        Value::Map(m) => m.get(label),
        _ => None,
    }
}

fn block_satisfies(fields: &[Attribute], desired: &Value, live: &Value) -> bool {
    let Value::Map(want) = desired else {
        return desired == live;
    };
    let empty = BTreeMap::new();
    let have = match live {
        Value::Map(m) => m,
        Value::Null => &empty,
        _ => return false,
    };
    want.iter()
        .all(|(k, v)| match fields.iter().find(|f| f.name == k) {
            Some(f) => satisfies(f, v, have.get(k)),
            None => Some(v) == have.get(k),
        })
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::List(x), Value::Null) | (Value::Null, Value::List(x)) => x.is_empty(),
        (Value::Map(x), Value::Null) | (Value::Null, Value::Map(x)) => x.is_empty(),
        _ => a == b,
    }
}

/// Whether two JSON texts mean the same document (see the module docs).
pub fn json_equal(a: &str, b: &str) -> bool {
    match (serde_json::from_str(a), serde_json::from_str(b)) {
        (Ok(x), Ok(y)) if is_policy(&x) && is_policy(&y) => {
            canonical_policy(&canonical_json(&x)) == canonical_policy(&canonical_json(&y))
        }
        (Ok(x), Ok(y)) => canonical_json(&x) == canonical_json(&y),
        _ => a.trim() == b.trim(),
    }
}

/// Whether a JSON document is an IAM-style policy (it has a `Statement`).
fn is_policy(v: &serde_json::Value) -> bool {
    v.get("Statement").is_some()
}

/// A canonical policy: IAM gives no meaning to the order of statements, actions, resources,
/// principals or condition values, so every array is sorted (after [`canonical_json`]).
pub fn canonical_policy(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Array(items) => {
            let mut items: Vec<serde_json::Value> = items.iter().map(canonical_policy).collect();
            items.sort_by_cached_key(|i| i.to_string());
            items.dedup();
            serde_json::Value::Array(items)
        }
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), canonical_policy(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A canonical form of a JSON document: object keys sorted, one-element arrays as their
/// element, numbers-as-strings left alone.
pub fn canonical_json(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Array(items) if items.len() == 1 => canonical_json(&items[0]),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(canonical_json).collect())
        }
        serde_json::Value::Object(m) => {
            let sorted: BTreeMap<&String, serde_json::Value> =
                m.iter().map(|(k, v)| (k, canonical_json(v))).collect();
            serde_json::Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        other => other.clone(),
    }
}

/// For an additive attribute ([`LabelSet::Additive`]): whether `desired` only adds labels to
/// `live` (every live label is still declared, and satisfied by its declaration).
pub fn only_additions(attr: &Attribute, desired: &Value, live: Option<&Value>) -> bool {
    let Some(block) = attr.block_schema() else {
        return false;
    };
    let (LabelSet::Additive, Some(label)) = (attr.label_set, block.label) else {
        return false;
    };
    let Value::List(want) = desired else {
        return false;
    };
    let have = match live {
        Some(Value::List(h)) => h.as_slice(),
        None | Some(Value::Null) => &[],
        Some(_) => return false,
    };
    have.iter().all(|h| {
        let key = w_label(h, label);
        want.iter()
            .find(|w| w_label(w, label) == key)
            .is_some_and(|w| block_satisfies(&block.fields, w, h))
    })
}

/// One attribute that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrDiff {
    pub name: String,
    pub before: Option<Value>,
    pub after: Value,
    pub update: Update,
    pub sensitive: bool,
}

/// The attributes the configuration sets whose live values differ (ignore-changes honoured).
pub fn diff_attributes(
    schema: &Schema,
    desired: &BTreeMap<String, Value>,
    live: &BTreeMap<String, Value>,
    ignore: &[String],
) -> Vec<AttrDiff> {
    let mut out = Vec::new();
    for (name, want) in desired {
        if ignore.iter().any(|i| i == name) {
            continue;
        }
        // Computed attributes are in `desired` only when a type's `expand` put them there (a
        // source hash): those are compared like the rest.
        let Some(attr) = schema.attribute(name) else {
            continue;
        };
        if !satisfies(attr, want, live.get(name)) {
            let update = if only_additions(attr, want, live.get(name)) {
                Update::InPlace
            } else {
                attr.update.clone()
            };
            out.push(AttrDiff {
                name: name.clone(),
                before: live.get(name).cloned(),
                after: want.clone(),
                update,
                sensitive: attr.sensitive,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_schema::ScalarType;

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn json_documents_compare_semantically() {
        assert!(json_equal(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}"#,
            r#"{ "Statement": {"Resource": "*", "Action": "s3:GetObject", "Effect": "Allow"}, "Version": "2012-10-17" }"#,
        ));
        assert!(!json_equal(r#"{"a":1}"#, r#"{"a":2}"#));
    }

    #[test]
    fn policies_compare_without_order() {
        let a = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"},
            {"Effect":"Deny","Action":"s3:DeleteObject","Resource":["arn:a","arn:b"]}]}"#;
        let reordered = r#"{"Statement":[
            {"Resource":["arn:b","arn:a"],"Action":["s3:DeleteObject"],"Effect":"Deny"},
            {"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":["*"]}],
            "Version":"2012-10-17"}"#;
        assert!(json_equal(a, reordered));
        let changed = a.replace("s3:PutObject", "s3:ListBucket");
        assert!(!json_equal(a, &changed));
        let effect = a.replace("Deny", "Allow");
        assert!(!json_equal(a, &effect));
        // Not a policy: order still counts.
        assert!(!json_equal(r#"{"a":[1,2]}"#, r#"{"a":[2,1]}"#));
    }

    #[test]
    fn blocks_compare_only_declared_fields() {
        let attr = Attribute::block(
            "website",
            vec![Attribute::string("index"), Attribute::string("error")],
        );
        let want = map(&[("index", "index.html".into())]);
        let have = map(&[("index", "index.html".into()), ("error", "e.html".into())]);
        assert!(satisfies(&attr, &want, Some(&have)));
        assert!(!satisfies(&attr, &want, None));
    }

    #[test]
    fn repeated_blocks_match_by_label_in_any_order() {
        let attr = Attribute::repeated_block(
            "gsi",
            "name",
            vec![Attribute::string("name"), Attribute::string("hash-key")],
        );
        let a = map(&[("name", "a".into()), ("hash-key", "x".into())]);
        let b = map(&[("name", "b".into()), ("hash-key", "y".into())]);
        let want = Value::List(vec![a.clone(), b.clone()]);
        assert!(satisfies(
            &attr,
            &want,
            Some(&Value::List(vec![b.clone(), a.clone()]))
        ));
        assert!(!satisfies(&attr, &want, Some(&Value::List(vec![a]))));
    }

    #[test]
    fn ordered_repeated_blocks_compare_their_order_too() {
        let attr = Attribute::repeated_block(
            "cache-behavior",
            "path-pattern",
            vec![
                Attribute::string("path-pattern"),
                Attribute::string("target-origin"),
            ],
        )
        .ordered();
        let api = map(&[
            ("path-pattern", "/api/*".into()),
            ("target-origin", "api".into()),
        ]);
        let all = map(&[
            ("path-pattern", "/*".into()),
            ("target-origin", "site".into()),
        ]);
        let want = Value::List(vec![api.clone(), all.clone()]);
        assert!(satisfies(&attr, &want, Some(&want.clone())));
        let swapped = Value::List(vec![all, api]);
        assert!(
            !satisfies(&attr, &want, Some(&swapped)),
            "a precedence change is a change"
        );
    }

    fn custom(name: &str, ty: &str) -> Value {
        map(&[("name", name.into()), ("type", ty.into())])
    }

    #[test]
    fn additive_blocks_add_in_place_and_guard_changes_and_removals() {
        let attr = Attribute::repeated_block(
            "custom",
            "name",
            vec![Attribute::string("name"), Attribute::string("type")],
        )
        .guarded("fixed")
        .additive();
        let schema = Schema::new("pool", "").attr(attr.clone());
        let diff = |want: Vec<Value>, have: Vec<Value>| {
            let d: BTreeMap<String, Value> = [("custom".to_string(), Value::List(want))].into();
            let l: BTreeMap<String, Value> = [("custom".to_string(), Value::List(have))].into();
            diff_attributes(&schema, &d, &l, &[])
        };
        let (org, role) = (custom("org", "String"), custom("role", "String"));
        assert!(diff(vec![org.clone()], vec![org.clone()]).is_empty());
        let added = diff(vec![role.clone(), org.clone()], vec![org.clone()]);
        assert_eq!(added.len(), 1);
        assert_eq!(
            added[0].update,
            Update::InPlace,
            "an added label is in place"
        );
        let changed = diff(vec![custom("org", "Number")], vec![org.clone()]);
        assert_eq!(changed[0].update, Update::Guarded("fixed"));
        let changed_and_added = diff(
            vec![custom("org", "Number"), role.clone()],
            vec![org.clone()],
        );
        assert_eq!(changed_and_added[0].update, Update::Guarded("fixed"));
        let removed = diff(vec![role.clone()], vec![org.clone(), role.clone()]);
        assert_eq!(removed[0].update, Update::Guarded("fixed"));
        // From nothing, everything is an addition.
        assert!(only_additions(&attr, &Value::List(vec![org]), None));
    }

    #[test]
    fn declared_labels_ignore_labels_aws_adds() {
        let attr = Attribute::repeated_block(
            "std",
            "name",
            vec![Attribute::string("name"), Attribute::bool("required")],
        )
        .declared_labels();
        let email = |r: bool| map(&[("name", "email".into()), ("required", Value::Bool(r))]);
        let other = map(&[
            ("name", "given_name".into()),
            ("required", Value::Bool(false)),
        ]);
        let live = Value::List(vec![other, email(true)]);
        assert!(satisfies(
            &attr,
            &Value::List(vec![email(true)]),
            Some(&live)
        ));
        assert!(!satisfies(
            &attr,
            &Value::List(vec![email(false)]),
            Some(&live)
        ));
        let missing = map(&[("name", "nickname".into())]);
        assert!(!satisfies(&attr, &Value::List(vec![missing]), Some(&live)));
    }

    #[test]
    fn unordered_lists_compare_as_sets() {
        let set = Attribute::list("p", ScalarType::String).unordered();
        let list = Attribute::list("p", ScalarType::String);
        let a = Value::List(vec!["x".into(), "y".into()]);
        let b = Value::List(vec!["y".into(), "x".into()]);
        assert!(satisfies(&set, &a, Some(&b)));
        assert!(!satisfies(&list, &a, Some(&b)));
    }

    #[test]
    fn maps_compare_whole_and_unknown_is_a_change() {
        let attr = Attribute::map("tags", ScalarType::String);
        let want = map(&[("a", "1".into())]);
        assert!(!satisfies(
            &attr,
            &want,
            Some(&map(&[("a", "1".into()), ("b", "2".into())]))
        ));
        assert!(!satisfies(
            &Attribute::string("x"),
            &Value::Unknown,
            Some(&"v".into())
        ));
    }
}
