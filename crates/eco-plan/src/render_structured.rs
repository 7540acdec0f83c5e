//! The plan's structured views of a change: a repeated block keyed by label shown block by
//! block, and a JSON document (a policy) shown as a line diff of its pretty form, instead of the
//! whole old value -> the whole new value.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use eco_schema::Value;

/// How the structured views colour their sigils (the renderer's style, seen from here).
pub(crate) trait Paint {
    fn add(&self, s: &str) -> String;
    fn change(&self, s: &str) -> String;
    fn remove(&self, s: &str) -> String;
}

/// Lines of context kept around each changed line of a JSON diff.
const CONTEXT: usize = 2;

/// A repeated block keyed by `label` (e.g. `custom-attribute "role" {...}`): added, changed and
/// removed blocks by label, a reordering on its own line. `None` when the values are not a list
/// of blocks that all carry their label (the caller then shows old -> new).
pub(crate) fn blocks_change(
    st: &dyn Paint,
    name: &str,
    label: &str,
    before: &Value,
    after: &Value,
    note: &str,
) -> Option<String> {
    let before = labelled(before, label)?;
    let after = labelled(after, label)?;
    let old: BTreeMap<&str, &BTreeMap<String, Value>> = before.iter().copied().collect();
    let new: BTreeMap<&str, &BTreeMap<String, Value>> = after.iter().copied().collect();
    let mut lines = Vec::new();
    let (mut added, mut changed, mut removed) = (0, 0, 0);
    for (key, block) in &after {
        match old.get(key) {
            None => {
                added += 1;
                lines.push(format!(
                    "{} {name} {key:?} {}",
                    st.add("+"),
                    fields(block, label)
                ));
            }
            Some(was) if was != block => {
                changed += 1;
                lines.push(format!(
                    "{} {name} {key:?} {{{}}}",
                    st.change("~"),
                    field_changes(st, was, block, label)
                ));
            }
            Some(_) => {}
        }
    }
    for (key, block) in &before {
        if !new.contains_key(key) {
            removed += 1;
            lines.push(format!(
                "{} {name} {key:?} {}",
                st.remove("-"),
                fields(block, label)
            ));
        }
    }
    let kept_old: Vec<&str> = before
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| new.contains_key(k))
        .collect();
    let kept_new: Vec<&str> = after
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| old.contains_key(k))
        .collect();
    let reordered = kept_old != kept_new;
    if reordered {
        lines.push(format!(
            "{} order: {} -> {}",
            st.change("~"),
            quoted(&kept_old),
            quoted(&kept_new)
        ));
    }
    let unchanged = after.len() - added - changed;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{name} = {{ {added} added, {changed} changed, {removed} removed, {unchanged} unchanged{} }}{note}",
        if reordered { ", reordered" } else { "" }
    );
    for l in lines {
        let _ = writeln!(out, "          {l}");
    }
    Some(out)
}

/// Blocks as (label, fields), in order; `None` unless every item is a block with its label.
fn labelled<'a>(v: &'a Value, label: &str) -> Option<Vec<(&'a str, &'a BTreeMap<String, Value>)>> {
    let Value::List(items) = v else {
        return None;
    };
    items
        .iter()
        .map(|item| match item {
            Value::Map(m) => m.get(label)?.as_str().map(|k| (k, m)),
            _ => None,
        })
        .collect()
}

fn quoted(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A block's fields without its label, as KDL-like properties.
fn fields(block: &BTreeMap<String, Value>, label: &str) -> String {
    let shown: Vec<String> = block
        .iter()
        .filter(|(k, _)| *k != label)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("{{{}}}", shown.join(" "))
}

/// The fields of one block that differ: `field: old -> new`, `+field=new`, `-field`.
fn field_changes(
    st: &dyn Paint,
    was: &BTreeMap<String, Value>,
    now: &BTreeMap<String, Value>,
    label: &str,
) -> String {
    let mut out = Vec::new();
    for (k, v) in now.iter().filter(|(k, _)| *k != label) {
        match was.get(k) {
            None => out.push(format!("{}{k}={v}", st.add("+"))),
            Some(old) if old != v => out.push(format!("{k}: {old} -> {v}")),
            Some(_) => {}
        }
    }
    for k in was.keys().filter(|k| *k != label && !now.contains_key(*k)) {
        out.push(format!("{}{k}", st.remove("-")));
    }
    out.join(", ")
}

/// A JSON document (object or array) in a string, changed: the line diff of both pretty forms
/// (keys sorted, so only what changed shows), with a little context. `None` when either side is
/// not a JSON document.
pub(crate) fn json_change(
    st: &dyn Paint,
    name: &str,
    before: &str,
    after: &str,
    note: &str,
) -> Option<String> {
    let old = pretty_document(before)?;
    let new = pretty_document(after)?;
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let ops = line_diff(&old, &new);
    let (added, removed) = ops.iter().fold((0, 0), |(a, r), op| match op {
        Line::Added(_) => (a + 1, r),
        Line::Removed(_) => (a, r + 1),
        Line::Same(_) => (a, r),
    });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{name} = JSON document, {added} line{} added, {removed} removed{note}",
        if added == 1 { "" } else { "s" }
    );
    let near = |i: usize| {
        let lo = i.saturating_sub(CONTEXT);
        let hi = (i + CONTEXT).min(ops.len() - 1);
        (lo..=hi).any(|j| !matches!(ops[j], Line::Same(_)))
    };
    let mut skipped = false;
    for (i, op) in ops.iter().enumerate() {
        let line = match op {
            Line::Same(l) if near(i) => format!("  {l}"),
            Line::Same(_) => {
                if !skipped {
                    let _ = writeln!(out, "            ...");
                }
                skipped = true;
                continue;
            }
            Line::Added(l) => format!("{} {l}", st.add("+")),
            Line::Removed(l) => format!("{} {l}", st.remove("-")),
        };
        skipped = false;
        let _ = writeln!(out, "          {line}");
    }
    Some(out)
}

/// The document's pretty form in the canonical shape the plan compares (keys sorted, one-element
/// arrays as their element, a policy's arrays sorted), so only what means a change shows.
fn pretty_document(text: &str) -> Option<String> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut canonical = crate::diff::canonical_json(&doc);
    if doc.get("Statement").is_some() {
        canonical = crate::diff::canonical_policy(&canonical);
    }
    serde_json::to_string_pretty(&canonical).ok()
}

#[derive(Debug, PartialEq)]
enum Line<'a> {
    Same(&'a str),
    Added(&'a str),
    Removed(&'a str),
}

/// A longest-common-subsequence line diff (documents are small: a policy is at most a few
/// hundred lines).
fn line_diff<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<Line<'a>> {
    let (n, m) = (old.len(), new.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n.max(m));
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push(Line::Same(old[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(Line::Removed(old[i]));
            i += 1;
        } else {
            out.push(Line::Added(new[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain;
    impl Paint for Plain {
        fn add(&self, s: &str) -> String {
            s.to_string()
        }
        fn change(&self, s: &str) -> String {
            s.to_string()
        }
        fn remove(&self, s: &str) -> String {
            s.to_string()
        }
    }

    fn block(pairs: &[(&str, &str)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                .collect(),
        )
    }

    #[test]
    fn line_diff_keeps_common_lines() {
        let ops = line_diff(&["a", "b", "c"], &["a", "x", "c"]);
        assert_eq!(
            ops,
            [
                Line::Same("a"),
                Line::Removed("b"),
                Line::Added("x"),
                Line::Same("c")
            ]
        );
    }

    #[test]
    fn json_that_is_not_a_document_is_left_to_the_caller() {
        assert!(json_change(&Plain, "p", "\"x\"", "{}", "").is_none());
        assert!(json_change(&Plain, "p", "{", "{}", "").is_none());
    }

    #[test]
    fn blocks_without_labels_are_left_to_the_caller() {
        let without = Value::List(vec![block(&[("type", "String")])]);
        assert!(blocks_change(&Plain, "custom", "name", &without, &without, "").is_none());
    }

    #[test]
    fn a_changed_block_shows_only_its_changed_fields() {
        let before = Value::List(vec![
            block(&[("name", "gsi1"), ("hash-key", "pk"), ("projection", "ALL")]),
            block(&[("name", "gsi2"), ("hash-key", "owner")]),
        ]);
        let after = Value::List(vec![
            block(&[("name", "gsi1"), ("hash-key", "sk"), ("projection", "ALL")]),
            block(&[("name", "gsi3"), ("hash-key", "email")]),
        ]);
        let text = blocks_change(&Plain, "gsi", "name", &before, &after, "").unwrap();
        assert_eq!(
            text,
            "gsi = { 1 added, 1 changed, 1 removed, 0 unchanged }\n\
             \x20         ~ gsi \"gsi1\" {hash-key: \"pk\" -> \"sk\"}\n\
             \x20         + gsi \"gsi3\" {hash-key=\"email\"}\n\
             \x20         - gsi \"gsi2\" {hash-key=\"owner\"}\n"
        );
    }

    #[test]
    fn reordering_alone_is_shown() {
        let a = block(&[("path", "/a")]);
        let b = block(&[("path", "/b")]);
        let text = blocks_change(
            &Plain,
            "behavior",
            "path",
            &Value::List(vec![a.clone(), b.clone()]),
            &Value::List(vec![b, a]),
            "",
        )
        .unwrap();
        assert!(text.contains("2 unchanged, reordered"), "{text}");
        assert!(
            text.contains("~ order: \"/a\", \"/b\" -> \"/b\", \"/a\""),
            "{text}"
        );
    }
}
