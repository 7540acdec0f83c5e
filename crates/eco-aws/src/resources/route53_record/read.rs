//! What Route53 holds, as the typed spec: a ResourceRecordSet -> [`Route53Record`], and the
//! record ids (`ZONE-ID/NAME/TYPE[/SET-IDENTIFIER]`).

use aws_sdk_route53::types::ResourceRecordSet;
use eco_provider::{Attrs, OpError};
use eco_schema::Spec;

use super::spec::{Alias, Route53Record};
use crate::resources::route53_zone::{bare_zone_id, normalize_name};

/// What identifies a record set inside its zone: (name, type, set identifier).
pub type RecordKey = (String, String, Option<String>);

/// Whether values of this type are quoted strings (TXT, SPF).
pub fn is_quoted_type(ty: &str) -> bool {
    matches!(ty, "TXT" | "SPF")
}

/// A TXT value as eco shows it: the quoted strings Route53 returns, unescaped and joined.
pub fn unquote_txt(value: &str) -> String {
    let v = value.trim();
    if !v.starts_with('"') {
        return v.to_string();
    }
    let mut out = String::new();
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue; // whitespace between strings
        }
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    // \DDD octal escapes, else the escaped character itself.
                    let digits: String = chars
                        .clone()
                        .take(3)
                        .take_while(|d| d.is_ascii_digit())
                        .collect();
                    if digits.len() == 3 {
                        for _ in 0..3 {
                            chars.next();
                        }
                        if let Some(ch) = u32::from_str_radix(&digits, 8)
                            .ok()
                            .and_then(char::from_u32)
                        {
                            out.push(ch);
                        }
                    } else if let Some(e) = chars.next() {
                        out.push(e);
                    }
                }
                '"' => break,
                other => out.push(other),
            }
        }
    }
    out
}

/// The id of a record: `ZONE/NAME/TYPE[/SET-IDENTIFIER]`.
pub fn record_id(zone: &str, key: &RecordKey) -> String {
    match &key.2 {
        Some(set) => format!("{}/{}/{}/{set}", bare_zone_id(zone), key.0, key.1),
        None => format!("{}/{}/{}", bare_zone_id(zone), key.0, key.1),
    }
}

/// Parses a record id (or import id) into (zone, key).
pub fn parse_id(id: &str) -> Result<(String, RecordKey), OpError> {
    let parts: Vec<&str> = id.splitn(4, '/').collect();
    if parts.len() < 3 || parts[..3].iter().any(|p| p.is_empty()) {
        return Err(OpError::invalid(
            "ListResourceRecordSets",
            format!("`{id}` is not a record id: expected ZONE-ID/NAME/TYPE[/SET-IDENTIFIER]"),
        ));
    }
    Ok((
        bare_zone_id(parts[0]),
        (
            normalize_name(parts[1]),
            parts[2].to_ascii_uppercase(),
            parts.get(3).map(|s| s.to_string()),
        ),
    ))
}

/// The key of a record set as Route53 returns it.
pub fn key_of(r: &ResourceRecordSet) -> RecordKey {
    (
        normalize_name(r.name()),
        r.r#type().as_str().to_string(),
        r.set_identifier().map(str::to_string),
    )
}

/// A record as the spec holds it, from what Route53 holds.
pub fn from_live(zone: &str, r: &ResourceRecordSet) -> Route53Record {
    let (name, ty, set) = key_of(r);
    let records = r
        .resource_records()
        .iter()
        .map(|v| {
            if is_quoted_type(&ty) {
                unquote_txt(v.value())
            } else {
                v.value().to_string()
            }
        })
        .collect();
    Route53Record {
        zone: bare_zone_id(zone),
        fqdn: Some(name.clone()),
        name,
        ttl: r.ttl(),
        records,
        alias: r.alias_target().map(|a| Alias {
            name: normalize_name(a.dns_name()),
            zone_id: a.hosted_zone_id().to_string(),
            evaluate_target_health: Some(a.evaluate_target_health()),
        }),
        set_identifier: set,
        weight: r.weight(),
        health_check: r.health_check_id().map(str::to_string),
        allow_overwrite: None,
        ty,
    }
}

/// A record's attributes in configuration shape, from what Route53 holds.
pub fn attrs_of(zone: &str, r: &ResourceRecordSet) -> Attrs {
    from_live(zone, r).to_attrs()
}

/// Whether two record sets hold the same values (order of values aside).
pub fn same_values(a: &ResourceRecordSet, b: &ResourceRecordSet) -> bool {
    let norm = |r: &ResourceRecordSet| {
        let mut spec = from_live("", r);
        spec.records.sort();
        spec
    };
    norm(a) == norm(b)
}
