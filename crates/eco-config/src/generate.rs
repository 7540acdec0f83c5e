//! KDL for a live resource: what `eco import -generate`, `eco plan -generate-config-out` and
//! `eco discover -kdl` write.
//!
//! Generic over the schema: every attribute a user could set (not computed) that the live
//! resource has is written in eco's canonical layout (four spaces per level, one node per
//! attribute), so that the configuration matches the live resource and the next plan is empty.
//!
//! - scalars: one argument (`memory 128`, `versioning #true`, `name "x"`);
//! - lists: arguments (`managed-policy "a" "b"`); empty lists are left out;
//! - maps: properties (`tags team="platform"`); empty maps are left out;
//! - blocks: the label as argument, single-line scalar fields as properties, other fields as
//!   child nodes; repeated blocks one node per item;
//! - multi-line strings, and JSON documents (pretty-printed), as `"""` strings.
//!
//! Left out: computed attributes, eco's ownership tags (`eco:project`, `eco:stage`,
//! `eco:address`: eco adds them itself), and sensitive attributes (their values would end up
//! in a file; a comment names them). `${` in values is written as `$${` (a literal). A required
//! attribute the live resource does not have (an eco-only input such as a Lambda function's
//! `source` directory) is a comment asking for it: the configuration does not load until the
//! user sets it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use eco_schema::{Attribute, Schema, Shape, Value};

/// Tag keys eco adds by itself and the generated `tags` leaves out.
pub const OWNERSHIP_TAG_KEYS: [&str; 3] = ["eco:project", "eco:stage", "eco:address"];

/// The KDL of one resource `TYPE "NAME" { ... }` with the live attributes `attrs`
/// (configuration shape, as `read` reports them). Ends with a newline.
pub fn generate_resource(schema: &Schema, name: &str, attrs: &BTreeMap<String, Value>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {} {{", schema.type_name, quote(name));
    let mut sensitive = Vec::new();
    for attr in &schema.attributes {
        if attr.computed {
            continue;
        }
        let Some(value) = attrs.get(attr.name) else {
            if attr.required {
                let _ = writeln!(
                    out,
                    "    // {} ...  (required, and AWS does not report it: set it; see docs/resources/{}.md)",
                    attr.name, schema.type_name
                );
            }
            continue;
        };
        if attr.sensitive {
            if !is_empty(value) {
                sensitive.push(attr.name);
            }
            continue;
        }
        let value = if schema.taggable && attr.name == "tags" {
            match value {
                Value::Map(m) => Value::Map(
                    m.iter()
                        .filter(|(k, _)| !OWNERSHIP_TAG_KEYS.contains(&k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ),
                other => other.clone(),
            }
        } else {
            value.clone()
        };
        write_attr(&mut out, 1, attr, &value);
    }
    for name in sensitive {
        let _ = writeln!(
            out,
            "    // `{name}` is sensitive and was not written: set it here (e.g. from a variable) to manage it"
        );
    }
    out.push_str("}\n");
    out
}

fn indent(level: usize) -> String {
    "    ".repeat(level)
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null | Value::Unknown => true,
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

/// Writes one attribute (a node, or one node per item of a repeated block).
fn write_attr(out: &mut String, level: usize, attr: &Attribute, value: &Value) {
    let pad = indent(level);
    match (&attr.shape, value) {
        (_, Value::Null | Value::Unknown) => {}
        (Shape::Scalar(_), v) => {
            let _ = writeln!(out, "{pad}{} {}", attr.name, scalar(v, attr.json, level));
        }
        (Shape::List(_), Value::List(items)) => {
            if items.is_empty() {
                return;
            }
            let args: Vec<String> = items.iter().map(|v| scalar(v, false, level)).collect();
            let _ = writeln!(out, "{pad}{} {}", attr.name, args.join(" "));
        }
        (Shape::Map(_), Value::Map(m)) => {
            if m.is_empty() {
                return;
            }
            let props: Vec<String> = m
                .iter()
                .filter(|(_, v)| !matches!(v, Value::Null | Value::Unknown))
                .map(|(k, v)| format!("{}={}", key(k), scalar(v, false, level)))
                .collect();
            let _ = writeln!(out, "{pad}{} {}", attr.name, props.join(" "));
        }
        (Shape::Block(b), Value::List(items)) if b.repeated => {
            for item in items {
                if let Value::Map(fields) = item {
                    write_block(out, level, attr, fields);
                }
            }
        }
        (Shape::Block(_), Value::Map(fields)) => write_block(out, level, attr, fields),
        // A value of another shape than the schema's: nothing sensible to write.
        _ => {}
    }
}

fn write_block(out: &mut String, level: usize, attr: &Attribute, fields: &BTreeMap<String, Value>) {
    let Shape::Block(b) = &attr.shape else {
        return;
    };
    let pad = indent(level);
    let mut head = format!("{pad}{}", attr.name);
    if let Some(label) = b.label {
        if let Some(v) = fields.get(label) {
            let _ = write!(head, " {}", scalar(v, false, level));
        }
    }
    let mut children = String::new();
    for f in &b.fields {
        if f.computed || Some(f.name) == b.label {
            continue;
        }
        let Some(v) = fields.get(f.name) else {
            continue;
        };
        if matches!(v, Value::Null | Value::Unknown) {
            continue;
        }
        let inline = matches!(f.shape, Shape::Scalar(_))
            && !f.json
            && !matches!(v, Value::String(s) if s.contains('\n'));
        if inline {
            let _ = write!(head, " {}={}", f.name, scalar(v, false, level));
        } else {
            write_attr(&mut children, level + 1, f, v);
        }
    }
    if children.is_empty() {
        let _ = writeln!(out, "{head}");
    } else {
        let _ = writeln!(out, "{head} {{\n{children}{pad}}}");
    }
}

/// A scalar value as a KDL argument or property value.
fn scalar(v: &Value, json: bool, level: usize) -> String {
    match v {
        Value::Bool(b) => format!("#{b}"),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_finite() => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.1}")
            } else {
                format!("{f}")
            }
        }
        Value::Float(f) => quote(&f.to_string()),
        Value::String(s) => {
            let pretty = if json {
                serde_json::from_str::<serde_json::Value>(s)
                    .ok()
                    .and_then(|j| serde_json::to_string_pretty(&j).ok())
            } else {
                None
            };
            match pretty {
                Some(p) => multiline(&p, level),
                None if s.contains('\n') => multiline(s, level),
                None => quote(s),
            }
        }
        Value::Null | Value::Unknown => "#null".into(),
        // Lists and maps are not scalars; written as their JSON text so nothing is lost.
        other => quote(&other.to_json().to_string()),
    }
}

/// A property key: bare when it is a plain identifier, quoted otherwise.
fn key(k: &str) -> String {
    let plain = !k.is_empty()
        && k.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !matches!(k, "true" | "false" | "null" | "inf" | "nan");
    if plain {
        k.to_string()
    } else {
        quote(k)
    }
}

/// `${` is eco's interpolation: a literal one is written `$${`.
fn literal(s: &str) -> String {
    s.replace("${", "$${")
}

/// A single-line KDL string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in literal(s).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A multi-line KDL string (`"""`), its lines indented one level deeper than the node.
fn multiline(s: &str, level: usize) -> String {
    let pad = indent(level + 1);
    let mut body = literal(s)
        .replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\r', "\\r");
    if body.contains("\"\"\"") || body.ends_with('"') {
        body = body.replace('"', "\\\"");
    }
    let mut out = String::from("\"\"\"\n");
    for line in body.split('\n') {
        if !line.is_empty() {
            out.push_str(&pad);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str(&pad);
    out.push_str("\"\"\"");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_sources, Address, Resolver, Sources};
    use eco_schema::{Registry, ScalarType};

    fn schema() -> Schema {
        Schema::new("thing", "a test type")
            .attr(Attribute::string("name").required())
            .attr(Attribute::int("memory"))
            .attr(Attribute::float("ratio"))
            .attr(Attribute::bool("enabled"))
            .attr(Attribute::string("policy").json())
            .attr(Attribute::string("script"))
            .attr(Attribute::list("aliases", ScalarType::String))
            .attr(Attribute::map("env", ScalarType::String))
            .attr(Attribute::string("secret").sensitive())
            .attr(Attribute::string("arn").computed())
            .attr(Attribute::block(
                "website",
                vec![
                    Attribute::string("index"),
                    Attribute::string("error"),
                    Attribute::list("routes", ScalarType::String),
                ],
            ))
            .attr(Attribute::labeled_block(
                "hash-key",
                "name",
                vec![Attribute::string("name"), Attribute::string("type")],
            ))
            .attr(Attribute::repeated_block(
                "gsi",
                "name",
                vec![
                    Attribute::string("name"),
                    Attribute::string("hash-key"),
                    Attribute::int("read"),
                    Attribute::string("projection").json(),
                    Attribute::block("inner", vec![Attribute::bool("on")]),
                ],
            ))
            .taggable()
    }

    struct Plain;
    impl Resolver for Plain {
        fn stage(&self) -> &str {
            "default"
        }
        fn var(&self, _name: &str) -> Option<Value> {
            None
        }
        fn attribute(&self, _address: &Address, _path: &[String]) -> Value {
            Value::Unknown
        }
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }
    fn map(items: &[(&str, Value)]) -> Value {
        Value::Map(
            items
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    /// generate -> parse -> evaluate gives back the attributes.
    fn round_trip(attrs: &BTreeMap<String, Value>) -> (String, BTreeMap<String, Value>) {
        let mut registry = Registry::new();
        registry.register(schema());
        let text = generate_resource(&schema(), "main", attrs);
        let mut sources = Sources::new();
        sources.add("generated.kdl".to_string(), text.clone());
        let config = parse_sources(sources, &registry)
            .unwrap_or_else(|e| panic!("generated KDL does not parse:\n{text}\n{e}"));
        let r = &config.resources[0];
        assert_eq!(r.address.to_string(), "thing.main");
        let back = r
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.expr.eval(&Plain).unwrap()))
            .collect();
        (text, back)
    }

    #[test]
    fn every_shape_round_trips() {
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}"#;
        let attrs: BTreeMap<String, Value> = [
            ("name", s("weird \"name\" \\ with ${braces}")),
            ("memory", Value::Int(256)),
            ("ratio", Value::Float(2.0)),
            ("enabled", Value::Bool(false)),
            ("policy", s(policy)),
            ("script", s("line one\n  line \"two\" \\ end\n")),
            ("aliases", Value::List(vec![s("a.example.com"), s("b")])),
            ("env", map(&[("TABLE", s("t")), ("odd key:1", s("x y"))])),
            ("arn", s("arn:aws:thing:::main")),
            (
                "website",
                map(&[
                    ("index", s("index.html")),
                    ("routes", Value::List(vec![s("/a"), s("/b")])),
                ]),
            ),
            ("hash-key", map(&[("name", s("pk")), ("type", s("S"))])),
            (
                "gsi",
                Value::List(vec![
                    map(&[
                        ("name", s("by-date")),
                        ("hash-key", s("date")),
                        ("read", Value::Int(5)),
                        ("projection", s(r#"{"a":[1,2]}"#)),
                        ("inner", map(&[("on", Value::Bool(true))])),
                    ]),
                    map(&[("name", s("by-owner")), ("hash-key", s("owner"))]),
                ]),
            ),
            (
                "tags",
                map(&[
                    ("team", s("platform")),
                    ("eco:project", s("p")),
                    ("eco:stage", s("dev")),
                    ("eco:address", s("thing.main")),
                    ("aws:cloudformation:stack-name", s("old")),
                ]),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let (text, back) = round_trip(&attrs);
        let mut expected = attrs.clone();
        expected.remove("arn");
        expected.insert(
            "tags".into(),
            map(&[
                ("team", s("platform")),
                ("aws:cloudformation:stack-name", s("old")),
            ]),
        );
        // JSON documents are pretty-printed: the same document, not the same text.
        let got: serde_json::Value =
            serde_json::from_str(back["policy"].as_str().unwrap()).unwrap();
        assert_eq!(
            got,
            serde_json::from_str::<serde_json::Value>(policy).unwrap()
        );
        let gsi = |v: &Value| match v {
            Value::List(items) => items
                .iter()
                .map(|i| match i {
                    Value::Map(m) => m
                        .iter()
                        .filter(|(k, _)| *k != "projection")
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect::<BTreeMap<_, _>>(),
                    _ => BTreeMap::new(),
                })
                .collect::<Vec<_>>(),
            _ => vec![],
        };
        assert_eq!(gsi(&back["gsi"]), gsi(&expected["gsi"]), "{text}");
        for k in expected.keys().filter(|k| *k != "policy" && *k != "gsi") {
            assert_eq!(back.get(k), expected.get(k), "{k} in\n{text}");
        }
        assert_eq!(
            back.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        assert!(text.contains("    policy \"\"\"\n        {\n"), "{text}");
        assert!(!text.contains("eco:project"), "{text}");
    }

    #[test]
    fn canonical_layout() {
        let attrs: BTreeMap<String, Value> = [
            ("name", s("site")),
            ("enabled", Value::Bool(true)),
            (
                "website",
                map(&[("index", s("index.html")), ("error", s("404.html"))]),
            ),
            ("tags", map(&[("team", s("web"))])),
            ("aliases", Value::List(vec![])),
            ("env", Value::Map(BTreeMap::new())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let text = generate_resource(&schema(), "site", &attrs);
        assert_eq!(
            text,
            "thing \"site\" {\n    name \"site\"\n    enabled #true\n    website index=\"index.html\" error=\"404.html\"\n    tags team=\"web\"\n}\n"
        );
        assert_eq!(crate::format_source(&text).unwrap(), text);
    }

    #[test]
    fn sensitive_values_are_not_written() {
        let attrs: BTreeMap<String, Value> = [("name", s("x")), ("secret", s("hunter2"))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let text = generate_resource(&schema(), "x", &attrs);
        assert!(!text.contains("hunter2"));
        assert!(text.contains("// `secret` is sensitive"));
        let mut bare = schema();
        bare.attributes
            .push(Attribute::string("source").required().local());
        let text = generate_resource(&bare, "x", &attrs);
        assert!(text.contains("    // source ...  (required"), "{text}");
        round_trip(&attrs);
    }
}
