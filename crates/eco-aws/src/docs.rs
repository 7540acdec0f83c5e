//! Renders the resource reference (`docs/resources/README.md`) from the schemas, so the
//! documentation cannot drift from what eco actually accepts.

use eco_schema::{Attribute, Registry, ScalarType, Schema, Shape, Update};
use std::fmt::Write;

/// The Markdown reference of every type in `registry`.
pub fn reference_markdown(registry: &Registry) -> String {
    let mut out = String::new();
    out.push_str("# Resource types\n\n");
    out.push_str(
        "<!-- Generated from the schemas in crates/eco-aws by `ECO_UPDATE_DOCS=1 cargo test -p eco-aws`; do not edit by hand. -->\n\n",
    );
    out.push_str(
        "Every resource is written `TYPE \"NAME\" { ... }` and addressed as `TYPE.NAME`. Besides the \
attributes below, every resource takes `depends-on`, `lifecycle` and `ignore-changes`.\n\n",
    );
    out.push_str("Update behaviour of an attribute:\n\n");
    out.push_str("- **in place**: changed by an API call (named in the description) without replacing the resource;\n");
    out.push_str("- **replace**: AWS offers no in-place change; the plan replaces the resource and names this attribute;\n");
    out.push_str("- **guarded**: a change is refused at plan time with the explanation shown; the resource is never replaced;\n");
    out.push_str("- **computed**: set by AWS; never written in configuration, referenced as `${TYPE.NAME.ATTRIBUTE}`.\n\n");
    out.push_str("Shapes: `string`, `int`, `number`, `bool` take one argument (`name \"x\"`); `list` takes one or more \
arguments and may repeat (`records \"a\" \"b\"`); `map` is written as properties (`tags team=\"platform\"`); \
`block` fields are properties or child nodes, its label (if any) is the first argument, and a repeated block may \
appear many times. **in order** / **any order** say how a list or a repeated block is compared with \
what AWS has: in order, reordering is a change (a precedence, for CloudFront's cache behaviors); in any \
order, it is not (AWS keeps its own order, or blocks are matched by label).\n\n");

    out.push_str("| Type | Description |\n|---|---|\n");
    for schema in registry.schemas() {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} |",
            schema.type_name,
            schema.type_name,
            escape(schema.doc)
        );
    }
    out.push('\n');

    for schema in registry.schemas() {
        render_type(&mut out, schema);
    }
    out
}

fn render_type(out: &mut String, schema: &Schema) {
    let _ = writeln!(out, "## {}\n", schema.type_name);
    let _ = writeln!(out, "{}.\n", schema.doc);
    let mut notes = Vec::new();
    if schema.taggable {
        notes.push("Taggable: eco adds `eco:project`, `eco:stage` and `eco:address`.");
    }
    if schema.prevent_destroy_by_default {
        notes.push("`prevent-destroy` is on by default: eco refuses to destroy it unless `lifecycle prevent-destroy=#false`.");
    }
    for note in notes {
        let _ = writeln!(out, "{note}\n");
    }
    if !schema.import_id.is_empty() {
        let _ = writeln!(
            out,
            "Import id (`eco import {}.NAME ID`): {}.\n",
            schema.type_name, schema.import_id
        );
    }
    out.push_str(
        "| Attribute | Shape | Required | Update | Description |\n|---|---|---|---|---|\n",
    );
    for attribute in &schema.attributes {
        render_attribute(out, attribute, "");
    }
    out.push('\n');

    if !schema.rules.is_empty() {
        out.push_str("Checked by `eco validate`:\n\n");
        for rule in &schema.rules {
            let _ = writeln!(out, "- {}", rule.describe());
        }
        out.push('\n');
    }

    for owned in &schema.owns {
        let _ = writeln!(
            out,
            "Manages the `{}` of the `{}` whose `{}` is its `{}`: `eco validate` refuses that \
             `{}` set there too, or two of these for one `{}`.\n",
            owned.attribute, owned.of_type, owned.key, owned.by, owned.attribute, owned.of_type
        );
    }

    let guarded: Vec<&Attribute> = schema
        .attributes
        .iter()
        .filter(|a| matches!(a.update, Update::Guarded(_)))
        .collect();
    if !guarded.is_empty() {
        out.push_str("Guarded attributes:\n\n");
        for attribute in guarded {
            if let Update::Guarded(why) = attribute.update {
                let _ = writeln!(out, "- `{}`: {}", attribute.name, why);
            }
        }
        out.push('\n');
    }
}

fn render_attribute(out: &mut String, attribute: &Attribute, prefix: &str) {
    let name = format!("{prefix}{}", attribute.name);
    let required = if attribute.required { "yes" } else { "" };
    let mut update = if attribute.computed {
        "computed".to_string()
    } else {
        match attribute.update {
            Update::InPlace => "in place".to_string(),
            Update::Replace => "replace".to_string(),
            Update::Guarded(_) => "guarded".to_string(),
        }
    };
    if attribute.computed && !attribute.derived_from.is_empty() {
        let from: Vec<String> = attribute
            .derived_from
            .iter()
            .map(|f| format!("`{f}`"))
            .collect();
        let _ = write!(
            update,
            "; kept across a replacement that keeps {}",
            from.join(", ")
        );
        if let Some(flag) = attribute.derived_when {
            let _ = write!(
                update,
                "; known after apply when an update changes one of them and `{flag}` is #true"
            );
        }
    }
    if attribute.sensitive {
        update.push_str(", sensitive");
    }
    let _ = writeln!(
        out,
        "| `{}` | {} | {} | {} | {} |",
        name,
        shape_text(attribute, false),
        required,
        update,
        escape(attribute.doc)
    );
    if let Shape::Block(block) = &attribute.shape {
        for field in &block.fields {
            render_field(out, field, &name, block.label == Some(field.name));
        }
    }
}

fn render_field(out: &mut String, field: &Attribute, parent: &str, is_label: bool) {
    let name = format!("{parent}.{}", field.name);
    let required = if field.required { "yes" } else { "" };
    let shape = shape_text(field, is_label);
    let _ = writeln!(
        out,
        "| `{}` | {} | {} | | {} |",
        name,
        shape,
        required,
        escape(field.doc)
    );
    if let Shape::Block(block) = &field.shape {
        for inner in &block.fields {
            render_field(out, inner, &name, block.label == Some(inner.name));
        }
    }
}

/// The shape column: the shape, `(label)`, and the values or range AWS accepts.
fn shape_text(attribute: &Attribute, is_label: bool) -> String {
    let mut text = shape_name(&attribute.shape);
    if is_label {
        text.push_str(" (label)");
    }
    if !attribute.allowed.is_empty() {
        let values: Vec<String> = attribute.allowed.iter().map(|v| format!("`{v}`")).collect();
        let _ = write!(text, ", one of {}", values.join(" "));
    }
    if let Some((min, max)) = attribute.range {
        let _ = write!(text, ", {min} to {max}");
    }
    if let Some(rule) = attribute.name_rule {
        let _ = write!(text, ", {}", rule.describe());
    }
    // How a collection compares: the order of what is written, or not.
    match (&attribute.shape, attribute.unordered, attribute.ordered) {
        (Shape::List(_), true, _) => text.push_str(", any order"),
        (Shape::List(_), false, _) => text.push_str(", in order"),
        (Shape::Block(b), _, true) if b.repeated => text.push_str(", in order (a precedence)"),
        (Shape::Block(b), _, false) if b.repeated && b.label.is_some() => {
            text.push_str(", any order")
        }
        (Shape::Block(b), _, false) if b.repeated => text.push_str(", in order"),
        _ => {}
    }
    text
}

fn scalar_name(t: ScalarType) -> &'static str {
    match t {
        ScalarType::String => "string",
        ScalarType::Int => "int",
        ScalarType::Float => "number",
        ScalarType::Bool => "bool",
    }
}

fn shape_name(shape: &Shape) -> String {
    match shape {
        Shape::Scalar(t) => scalar_name(*t).to_string(),
        Shape::List(t) => format!("list of {}", scalar_name(*t)),
        Shape::Map(t) => format!("map of {}", scalar_name(*t)),
        Shape::Block(b) => match (b.repeated, b.label) {
            (true, Some(label)) => format!("repeated block, label `{label}`"),
            (true, None) => "repeated block".to_string(),
            (false, Some(label)) => format!("block, label `{label}`"),
            (false, None) => "block".to_string(),
        },
    }
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}
