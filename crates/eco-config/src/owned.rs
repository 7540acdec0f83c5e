//! Attributes one resource manages for another ([`eco_schema::Owned`]): `s3-bucket-policy`
//! manages the `policy` of the `s3-bucket` it names. Checked once a configuration is loaded: the
//! attribute set in both places, or one resource named by two owners, is an error (AWS keeps
//! one value; two writers would undo each other on every apply).

use std::collections::HashMap;

use eco_schema::{Owned, Registry};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{Expr, Part, RefTarget};
use crate::model::{Config, Resource};
use crate::source::Span;

/// Checks every resource whose type owns an attribute of another.
pub(crate) fn check(config: &Config, registry: &Registry, diags: &mut Diagnostics) {
    // (owned attribute, the resource it names) -> the first owner's address and span.
    let mut owners: HashMap<(&'static str, &'static str, String), (String, Span)> = HashMap::new();
    for owner in &config.resources {
        let Some(schema) = registry.get(&owner.address.type_name) else {
            continue;
        };
        for owned in &schema.owns {
            let Some((target, named)) = named_resource(config, owner, owned) else {
                continue;
            };
            if let Some(set) = target.and_then(|t| t.attributes.get(owned.attribute)) {
                let target = target.map(|t| t.address.to_string()).unwrap_or_default();
                diags.push(
                    Diagnostic::new(
                        "eco::managed_twice",
                        format!(
                            "`{target}` sets `{}`, which `{}` manages",
                            owned.attribute, owner.address
                        ),
                    )
                    .at(set.span, format!("`{}` set here", owned.attribute))
                    .also(owner.head_span, "and managed here")
                    .help(format!(
                        "keep one: remove `{}` from `{target}`, or remove `{}` ({} lets the {} \
                         refer to resources that refer to the {})",
                        owned.attribute,
                        owner.address,
                        schema.type_name,
                        owned.attribute,
                        owned.of_type
                    )),
                );
            }
            let key = (owned.of_type, owned.attribute, named.clone());
            let here = (owner.address.to_string(), owner.head_span);
            if let Some((first, first_span)) = owners.get(&key) {
                diags.push(
                    Diagnostic::new(
                        "eco::managed_twice",
                        format!(
                            "`{first}` and `{}` both manage the `{}` of {named}",
                            owner.address, owned.attribute
                        ),
                    )
                    .at(owner.head_span, "second here")
                    .also(*first_span, "first here")
                    .help(format!(
                        "a {} has one `{}`: keep one of them",
                        owned.of_type, owned.attribute
                    )),
                );
            } else {
                owners.insert(key, here);
            }
        }
    }
}

/// The resource `owner`'s `by` attribute names (when it is declared here) and how it is named:
/// `${TYPE.NAME.KEY}` names that resource; a literal names the resource whose `key` is that
/// literal, or no declared one. `None` when the value is anything else (known at plan time).
fn named_resource<'a>(
    config: &'a Config,
    owner: &Resource,
    owned: &Owned,
) -> Option<(Option<&'a Resource>, String)> {
    let Expr::Str(template) = &owner.attributes.get(owned.by)?.expr else {
        return None;
    };
    if let Some(literal) = template.as_literal() {
        let target = config.resources.iter().find(|r| {
            r.address.type_name == owned.of_type
                && r.attributes.get(owned.key).is_some_and(
                    |v| matches!(&v.expr, Expr::Str(t) if t.as_literal().as_deref() == Some(literal.as_str())),
                )
        });
        let named = match target {
            Some(t) => format!("`{}`", t.address),
            None => format!("{} `{literal}`", owned.of_type),
        };
        return Some((target, named));
    }
    let [Part::Ref(reference)] = template.parts.as_slice() else {
        return None;
    };
    let RefTarget::Resource { address, path } = &reference.target else {
        return None;
    };
    if address.type_name != owned.of_type || path.as_slice() != [owned.key] {
        return None;
    }
    let target = config.resources.iter().find(|r| &r.address == address);
    Some((target, format!("`{address}`")))
}
