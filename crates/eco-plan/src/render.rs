//! Plans as people read them (Terraform's layout) and as machines do (`-json`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use eco_schema::Value;

use crate::model::*;
use crate::render_structured::{blocks_change, json_change, Paint};

/// The value shown in place of a sensitive one.
pub const SENSITIVE: &str = "(sensitive value)";

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

impl Paint for Style {
    fn add(&self, s: &str) -> String {
        self.green(s)
    }
    fn change(&self, s: &str) -> String {
        self.yellow(s)
    }
    fn remove(&self, s: &str) -> String {
        self.red(s)
    }
}

/// An in-place change to a labelled list of blocks or a JSON document, shown structurally (see
/// [`crate::render_structured`]); `None` for any other change.
fn structured_change(a: &AttrChange, width: usize, note: &str, st: &Style) -> Option<String> {
    let (Some(before), Some(after)) = (&a.before, &a.after) else {
        return None;
    };
    if a.sensitive {
        return None;
    }
    let name = format!("{:width$}", a.name);
    let text = match (before, after, &a.label) {
        (Value::List(_), Value::List(_), Some(label)) => {
            blocks_change(st, &name, label, before, after, note)
        }
        (Value::String(b), Value::String(c), _) => json_change(st, &name, b, c, note),
        _ => None,
    }?;
    Some(format!("      {} {text}", st.yellow("~")))
}

fn show(v: Option<&Value>, sensitive: bool) -> String {
    match v {
        _ if sensitive => SENSITIVE.to_string(),
        None => "null".to_string(),
        Some(v) => v.to_string(),
    }
}

/// The plan as `eco plan` prints it.
pub fn render(plan: &Plan, color: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    if !plan.drift.is_empty() {
        let _ = writeln!(out, "{}", st.bold("Objects have changed outside of eco:"));
        for d in &plan.drift {
            if d.deleted {
                let _ = writeln!(out, "  # {} was deleted outside eco", st.bold(&d.address));
            } else {
                let _ = writeln!(
                    out,
                    "  # {} changed outside eco: {}",
                    st.bold(&d.address),
                    d.attributes.join(", ")
                );
            }
        }
        out.push('\n');
    }
    if plan.mode == Mode::RefreshOnly {
        if plan.drift.is_empty() {
            out.push_str("No changes. State matches what AWS has.\n");
        } else {
            out.push_str("Applying this refresh-only plan records these changes in state; nothing in AWS changes.\n");
        }
        return out;
    }
    for m in &plan.moved {
        let _ = writeln!(
            out,
            "  # {} has moved to {}",
            st.bold(&m.from),
            st.bold(&m.to)
        );
    }
    if !plan.moved.is_empty() {
        out.push('\n');
    }
    for h in &plan.hints {
        let _ = writeln!(out, "Note: {h}\n");
    }
    if plan.changes.is_empty() && plan.moved.is_empty() {
        out.push_str(&format!(
            "{} Your infrastructure matches the configuration.\n",
            st.green("No changes.")
        ));
        return out;
    }
    if !plan.changes.is_empty() {
        let _ = writeln!(out, "eco will perform the following actions:\n");
    }
    for c in &plan.changes {
        render_change(&mut out, c, &st);
        out.push('\n');
    }
    if !plan.lookups.is_empty() {
        let _ = writeln!(out, "Lookups read for these changes:");
        for l in &plan.lookups {
            let _ = writeln!(
                out,
                "  # {} feeds {}",
                st.bold(&l.lookup),
                l.feeds.join(", ")
            );
        }
        out.push('\n');
    }
    let s = plan.summary();
    let imports = if s.import > 0 {
        format!(" {} to import,", s.import)
    } else {
        String::new()
    };
    let moved = if !plan.moved.is_empty() {
        format!(" {} to move,", plan.moved.len())
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{}{imports}{moved} {} to add, {} to change, {} to destroy.",
        st.bold("Plan:"),
        s.add,
        s.change,
        s.destroy
    );
    if let Some(lost) = plan.data_at_risk_summary() {
        let _ = writeln!(out, "{} {lost}", st.red("Data at risk:"));
    }
    out
}

fn render_change(out: &mut String, c: &ResourceChange, st: &Style) {
    let (what, sigil) = match c.action {
        Action::Create => ("will be created", st.green("+")),
        Action::Update => ("will be updated in place", st.yellow("~")),
        Action::Replace => (
            if c.create_before_destroy {
                "must be replaced (create before destroy)"
            } else {
                "must be replaced"
            },
            if c.create_before_destroy {
                format!("{}/{}", st.green("+"), st.red("-"))
            } else {
                format!("{}/{}", st.red("-"), st.green("+"))
            },
        ),
        Action::Delete => ("will be destroyed", st.red("-")),
        Action::NoOp => ("has no changes", " ".to_string()),
    };
    let reason = c
        .reason
        .as_ref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    if let Some(id) = &c.import_id {
        let then = match c.action {
            Action::NoOp => String::new(),
            _ => format!(", then {what}"),
        };
        let _ = writeln!(
            out,
            "  # {} will be imported (id {id}){then}{reason}",
            st.bold(&c.address)
        );
        if c.action == Action::NoOp {
            return;
        }
    } else {
        let _ = writeln!(out, "  # {} {what}{reason}", st.bold(&c.address));
    }
    // The block's name (an instance's key and a module's path are in the heading above).
    let name = eco_config::Address::parse(&c.address)
        .map(|a| a.name)
        .unwrap_or_else(|| {
            let n = c.address.split_once('.').map(|(_, n)| n).unwrap_or("");
            n.to_string()
        });
    let pad = if c.action == Action::Replace {
        ""
    } else {
        "  "
    };
    let _ = writeln!(out, "{pad}{sigil} {} \"{name}\" {{", c.type_name);
    let width = c.changes.iter().map(|a| a.name.len()).max().unwrap_or(0);
    for a in &c.changes {
        let (line_sigil, text) = match c.action {
            Action::Create => (st.green("+"), show(a.after.as_ref(), a.sensitive)),
            Action::Delete => (st.red("-"), show(a.before.as_ref(), a.sensitive)),
            _ => match (&a.before, &a.after) {
                (None, after) => (st.green("+"), show(after.as_ref(), a.sensitive)),
                (before, None) => (st.red("-"), show(before.as_ref(), a.sensitive)),
                (before, after) => (
                    st.yellow("~"),
                    format!(
                        "{} -> {}",
                        show(before.as_ref(), a.sensitive),
                        show(after.as_ref(), a.sensitive)
                    ),
                ),
            },
        };
        let note = match a.update {
            UpdateKind::ForcesReplacement if c.action == Action::Replace => {
                format!(" {}", st.red("# forces replacement"))
            }
            UpdateKind::Guarded => format!(" {}", st.red("# refused: see below")),
            _ => String::new(),
        };
        // A map that changes in place (tags, a file manifest): key by key, with counts.
        if let (
            Some(Value::Map(before)),
            Some(Value::Map(after)),
            false,
            Action::Update | Action::Replace,
        ) = (&a.before, &a.after, a.sensitive, c.action)
        {
            render_map_change(out, st, &a.name, width, before, after, &note);
            continue;
        }
        if matches!(c.action, Action::Update | Action::Replace) {
            if let Some(text) = structured_change(a, width, &note, st) {
                out.push_str(&text);
                continue;
            }
        }
        let _ = writeln!(out, "      {line_sigil} {:width$} = {text}{note}", a.name);
    }
    if c.replace_because.iter().any(|r| r == "-replace") {
        let _ = writeln!(out, "      # replaced because of -replace");
    }
    let _ = writeln!(out, "    }}");
}

fn render_map_change(
    out: &mut String,
    st: &Style,
    name: &str,
    width: usize,
    before: &std::collections::BTreeMap<String, Value>,
    after: &std::collections::BTreeMap<String, Value>,
    note: &str,
) {
    let added: Vec<&String> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    let removed: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    let changed: Vec<&String> = after
        .iter()
        .filter(|(k, v)| before.get(*k).is_some_and(|b| b != *v))
        .map(|(k, _)| k)
        .collect();
    let _ = writeln!(
        out,
        "      {} {name:width$} = {{ {} added, {} changed, {} removed }}{note}",
        st.yellow("~"),
        added.len(),
        changed.len(),
        removed.len()
    );
    for k in added {
        let _ = writeln!(out, "          {} {k} = {}", st.green("+"), after[k]);
    }
    for k in changed {
        let _ = writeln!(
            out,
            "          {} {k} = {} -> {}",
            st.yellow("~"),
            before[k],
            after[k]
        );
    }
    for k in removed {
        let _ = writeln!(out, "          {} {k}", st.red("-"));
    }
}

/// The plan as `eco plan -json` prints it: stable keys, sensitive values redacted, unknown
/// values as `{"$unknown": true}`.
pub fn to_json(plan: &Plan) -> serde_json::Value {
    let mut redacted = plan.clone();
    for c in &mut redacted.changes {
        for a in &mut c.changes {
            if a.sensitive {
                a.before = a.before.as_ref().map(|_| Value::String(SENSITIVE.into()));
                a.after = a.after.as_ref().map(|_| Value::String(SENSITIVE.into()));
            }
        }
    }
    for o in redacted.outputs.values_mut() {
        if o.sensitive {
            o.value = Value::String(SENSITIVE.into());
        }
    }
    let mut json = serde_json::to_value(&redacted).expect("plans serialize");
    json["summary"] = serde_json::to_value(plan.summary()).expect("summary serializes");
    if !plan.moved.is_empty() {
        json["summary"]["moved"] = plan.moved.len().into();
    }
    json["has_changes"] = plan.has_changes().into();
    if let Some(lost) = plan.data_at_risk_summary() {
        json["data_at_risk"] = serde_json::json!({
            "summary": lost,
            "resources": plan
                .data_at_risk()
                .map(|(c, r)| (c.address.clone(), r.clone()))
                .collect::<BTreeMap<_, _>>(),
        });
    }
    json["format_version"] = 1.into();
    json
}
