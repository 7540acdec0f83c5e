//! What `-generate` leaves out of a resource's KDL because another resource manages it
//! ([`eco_schema::Owned`]): the `policy` of an `s3-bucket` whose `s3-bucket-policy` is in the
//! configuration or imported with it. Written into both, the pair would be refused by
//! `eco validate` (`eco::managed_twice`).

use std::collections::BTreeMap;

use eco_config::{Config, Expr};
use eco_schema::{Registry, Value};

/// The attributes of a `type_name` resource (whose live attributes are `attrs`) that a resource
/// of `config` manages: an owner whose `by` attribute is the literal value of its `KEY`. (A
/// reference names a declared resource, and `-generate` writes only undeclared ones.)
pub fn managed_in_config(
    config: &Config,
    registry: &Registry,
    type_name: &str,
    attrs: &BTreeMap<String, Value>,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    for owner in &config.resources {
        let Some(schema) = registry.get(&owner.address.type_name) else {
            continue;
        };
        for owned in schema.owns.iter().filter(|o| o.of_type == type_name) {
            let Some(Expr::Str(template)) = owner.attributes.get(owned.by).map(|v| &v.expr) else {
                continue;
            };
            let names_it = template
                .as_literal()
                .is_some_and(|literal| attrs.get(owned.key) == Some(&Value::String(literal)));
            if names_it && !out.contains(&owned.attribute) {
                out.push(owned.attribute);
            }
        }
    }
    out
}

/// The attributes of a `type_name` resource with live attributes `attrs` that one of `others`
/// (type and live attributes of the resources imported with it) manages: its `by` attribute
/// holds the value of the resource's `KEY`.
pub fn managed_by_imported<'a>(
    registry: &Registry,
    type_name: &str,
    attrs: &BTreeMap<String, Value>,
    others: impl IntoIterator<Item = (&'a str, &'a BTreeMap<String, Value>)>,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (other_type, other) in others {
        let Some(schema) = registry.get(other_type) else {
            continue;
        };
        for owned in schema.owns.iter().filter(|o| o.of_type == type_name) {
            let key = attrs.get(owned.key);
            if key.is_some() && other.get(owned.by) == key && !out.contains(&owned.attribute) {
                out.push(owned.attribute);
            }
        }
    }
    out
}
