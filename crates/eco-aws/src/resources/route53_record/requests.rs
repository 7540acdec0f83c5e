//! The typed spec as Route53 request values: the record set a change sends, and change
//! batches within AWS's limits.

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use eco_provider::{Attrs, OpError};
use eco_schema::Spec;

use super::read::is_quoted_type;
use super::spec::{values_as_strings, Route53Record};
use crate::resources::route53_zone::{bare_zone_id, normalize_name};

/// AWS's limits of one ChangeResourceRecordSets request.
const MAX_RECORD_ELEMENTS: usize = 1000;
const MAX_VALUE_CHARS: usize = 32_000;

/// A TXT value as Route53 takes it: quoted, with `"` and `\` escaped, split into strings of at
/// most 255 characters.
pub fn quote_txt(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.is_empty() {
        return "\"\"".to_string();
    }
    chars
        .chunks(255)
        .map(|chunk| {
            let mut s = String::from("\"");
            for c in chunk {
                if *c == '"' || *c == '\\' {
                    s.push('\\');
                }
                s.push(*c);
            }
            s.push('"');
            s
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The record set desired attributes describe, and its zone. Validates locally what Route53
/// would refuse.
pub fn record_set(attrs: &Attrs) -> Result<(String, ResourceRecordSet), OpError> {
    const OP: &str = "ChangeResourceRecordSets";
    let invalid = |m: String| OpError::invalid(OP, m);
    let spec = Route53Record::from_attrs(&values_as_strings(attrs))
        .map_err(|e| invalid(format!("{}: {e}", super::TYPE_NAME)))?;
    let (name, ty) = (normalize_name(&spec.name), spec.ty.to_ascii_uppercase());
    let mut b = ResourceRecordSet::builder()
        .name(name.clone())
        .r#type(RrType::from(ty.as_str()));
    match (&spec.alias, spec.records.is_empty()) {
        (Some(_), false) => {
            return Err(invalid(format!(
                "{name} {ty}: set either `alias` or `records`, not both"
            )))
        }
        (None, true) => {
            return Err(invalid(format!(
                "{name} {ty}: set `records` (with `ttl`) or `alias`"
            )))
        }
        (Some(a), true) => {
            if attrs.contains_key("ttl") {
                return Err(invalid(format!(
                    "{name} {ty}: an alias record takes no `ttl` (the target's applies)"
                )));
            }
            let target = AliasTarget::builder()
                .dns_name(&a.name)
                .hosted_zone_id(&a.zone_id)
                .evaluate_target_health(a.evaluate_target_health == Some(true))
                .build()
                .map_err(|e| invalid(e.to_string()))?;
            b = b.alias_target(target);
        }
        (None, false) => {
            b = b.ttl(spec.ttl.unwrap_or(300));
            if ty == "CNAME" && spec.records.len() > 1 {
                return Err(invalid(format!(
                    "{name}: a CNAME record takes exactly one value"
                )));
            }
            for v in &spec.records {
                let value = if is_quoted_type(&ty) {
                    quote_txt(v)
                } else {
                    v.clone()
                };
                b = b.resource_records(
                    ResourceRecord::builder()
                        .value(value)
                        .build()
                        .map_err(|e| invalid(e.to_string()))?,
                );
            }
        }
    }
    if let Some(w) = spec.weight {
        if spec.set_identifier.is_none() {
            return Err(invalid(format!(
                "{name} {ty}: `weight` needs `set-identifier`"
            )));
        }
        b = b.weight(w);
    }
    let rrset = b
        .set_set_identifier(spec.set_identifier)
        .set_health_check_id(spec.health_check)
        .build()
        .map_err(|e| invalid(e.to_string()))?;
    Ok((bare_zone_id(&spec.zone), rrset))
}

/// (ResourceRecord elements, value characters) a change counts for toward AWS's limits.
fn change_weight(action: &ChangeAction, r: &ResourceRecordSet) -> (usize, usize) {
    let factor = if *action == ChangeAction::Upsert {
        2
    } else {
        1
    };
    let elements = r.resource_records().len().max(1);
    let chars: usize = r
        .resource_records()
        .iter()
        .map(|v| v.value().len())
        .sum::<usize>()
        + r.alias_target().map(|a| a.dns_name().len()).unwrap_or(0);
    (elements * factor, chars * factor)
}

/// Splits changes into requests within AWS's limits, keeping their order.
pub fn chunk_changes<T>(
    changes: Vec<(T, ChangeAction, ResourceRecordSet)>,
) -> Vec<Vec<(T, ChangeAction, ResourceRecordSet)>> {
    let mut out: Vec<Vec<(T, ChangeAction, ResourceRecordSet)>> = Vec::new();
    let mut current = Vec::new();
    let (mut elements, mut chars) = (0, 0);
    for (tag, action, rrset) in changes {
        let (e, c) = change_weight(&action, &rrset);
        if !current.is_empty()
            && (elements + e > MAX_RECORD_ELEMENTS || chars + c > MAX_VALUE_CHARS)
        {
            out.push(std::mem::take(&mut current));
            elements = 0;
            chars = 0;
        }
        elements += e;
        chars += c;
        current.push((tag, action, rrset));
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

pub fn change_batch(changes: &[(usize, ChangeAction, ResourceRecordSet)]) -> ChangeBatch {
    ChangeBatch::builder()
        .set_changes(Some(
            changes
                .iter()
                .map(|(_, action, rrset)| {
                    Change::builder()
                        .action(action.clone())
                        .resource_record_set(rrset.clone())
                        .build()
                        .expect("action and record set are set")
                })
                .collect(),
        ))
        .comment("eco")
        .build()
        .expect("changes are set")
}
