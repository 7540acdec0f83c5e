//! `eco fmt`'s canonical layout of a KDL file.
//!
//! One node per line, four spaces per level, a single space between entries, `{` on the node's
//! line, blank lines between nodes collapsed to one. Values keep the text they were written
//! with (quotes, raw and multi-line strings), and every comment is kept: leading comments,
//! a comment at the end of a node's line, commented-out (`/-`) nodes, comments at the end of a
//! block. (The `kdl` crate's own autoformat drops end-of-line comments and unquotes strings.)

use kdl::{KdlDocument, KdlEntry, KdlNode};

const INDENT: &str = "    ";

/// Formats a whole file.
pub fn format_document(doc: &KdlDocument) -> String {
    let mut out = String::new();
    write_nodes(&mut out, doc, 0);
    let trailing = doc.format().map(|f| f.trailing.as_str()).unwrap_or("");
    write_comment_lines(&mut out, trailing, 0, !doc.nodes().is_empty());
    let trimmed = out.trim_end();
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

fn write_nodes(out: &mut String, doc: &KdlDocument, level: usize) {
    if let Some(f) = doc.format() {
        write_comment_lines(out, &f.leading, level, false);
    }
    let mut prev_ended_line = false;
    for (i, node) in doc.nodes().iter().enumerate() {
        let format = node.format();
        let leading = format.map(|f| f.leading.as_str()).unwrap_or("");
        // Keep one blank line where the author left at least one (never before the first node).
        // The previous node's terminator may have eaten the first newline.
        let prefix = &leading[..leading
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(leading.len())];
        let newlines = prefix.matches('\n').count() + usize::from(prev_ended_line);
        if i > 0 && newlines >= 2 {
            out.push('\n');
        }
        prev_ended_line = format.is_some_and(|f| f.terminator.ends_with('\n'));
        write_comment_lines(out, leading, level, false);
        write_node(out, node, level);
    }
}

fn write_node(out: &mut String, node: &KdlNode, level: usize) {
    let indent = INDENT.repeat(level);
    out.push_str(&indent);
    if let Some(ty) = node.ty() {
        out.push('(');
        out.push_str(ty.repr().unwrap_or(ty.value()));
        out.push(')');
    }
    out.push_str(node.name().repr().unwrap_or(node.name().value()));
    for entry in node.entries() {
        out.push(' ');
        write_entry(out, entry);
    }
    let format = node.format();
    if let Some(children) = node.children() {
        let inner_trailing = children.format().map(|f| f.trailing.as_str()).unwrap_or("");
        let inner_leading = children.format().map(|f| f.leading.as_str()).unwrap_or("");
        if children.nodes().is_empty()
            && !has_comment(inner_trailing)
            && !has_comment(inner_leading)
        {
            out.push_str(" {}");
        } else {
            out.push_str(" {\n");
            write_nodes(out, children, level + 1);
            write_comment_lines(out, inner_trailing, level + 1, false);
            out.push_str(&indent);
            out.push('}');
        }
    }
    // A comment on the node's own line: `name "x" // why`.
    let end_comment = format
        .map(|f| format!("{}{}", f.before_terminator, f.terminator))
        .unwrap_or_default();
    let end_comment = end_comment.trim();
    let end_comment = end_comment.trim_start_matches(';').trim();
    if has_comment(end_comment) {
        out.push(' ');
        out.push_str(end_comment);
    }
    out.push('\n');
    if let Some(f) = format {
        write_comment_lines(out, &f.trailing, level, false);
    }
}

fn write_entry(out: &mut String, entry: &KdlEntry) {
    let format = entry.format();
    if let Some(name) = entry.name() {
        out.push_str(name.repr().unwrap_or(name.value()));
        out.push('=');
    }
    if let Some(ty) = entry.ty() {
        out.push('(');
        out.push_str(ty.repr().unwrap_or(ty.value()));
        out.push(')');
    }
    match format {
        Some(f) if !f.value_repr.is_empty() => out.push_str(&f.value_repr),
        _ => out.push_str(&entry.value().to_string()),
    }
}

fn has_comment(s: &str) -> bool {
    s.contains("//") || s.contains("/*") || s.contains("/-")
}

fn has_blank_line(s: &str) -> bool {
    // A blank line in the leading whitespace: two newlines with only spaces between.
    let mut newlines = 0;
    for c in s.chars() {
        match c {
            '\n' => {
                newlines += 1;
                if newlines >= 2 {
                    return true;
                }
            }
            ' ' | '\t' | '\r' => {}
            _ => newlines = 0,
        }
    }
    false
}

/// Writes the comments found in leading/trailing whitespace, one per line, re-indented.
/// Blank lines between comment groups are kept (collapsed to one).
fn write_comment_lines(out: &mut String, text: &str, level: usize, blank_before: bool) {
    if !has_comment(text) {
        return;
    }
    let indent = INDENT.repeat(level);
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let first = lines.iter().position(|l| !l.is_empty()).unwrap_or(0);
    let last = lines.iter().rposition(|l| !l.is_empty()).unwrap_or(0);
    if blank_before
        && (text.starts_with("\n\n")
            || has_blank_line(&text[..text.find(|c: char| !c.is_whitespace()).unwrap_or(0)]))
    {
        out.push('\n');
    }
    let mut prev_blank = false;
    let mut in_block_comment = false;
    for line in &lines[first..=last] {
        if line.is_empty() {
            if !prev_blank {
                out.push('\n');
            }
            prev_blank = true;
            continue;
        }
        prev_blank = false;
        // Lines inside a /* */ comment get the indent too; their content is kept.
        out.push_str(&indent);
        if in_block_comment && !line.starts_with('*') {
            out.push_str(INDENT);
        }
        out.push_str(line);
        out.push('\n');
        if line.contains("/*") && !line.contains("*/") {
            in_block_comment = true;
        } else if line.contains("*/") {
            in_block_comment = false;
        }
    }
    // A blank line between the comments and what follows them is kept.
    let after_last = text.trim_end_matches([' ', '\t', '\r']);
    let tail_newlines = after_last.len() - after_last.trim_end().len();
    if tail_newlines >= 2 && after_last.trim_end().len() < after_last.len() {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        format_document(&KdlDocument::parse_v2(s).unwrap())
    }

    #[test]
    fn canonical_layout_keeps_every_comment() {
        let messy = "// leading\n\nproject   \"p\" // on the line\n\n\n/* block */\ns3-bucket \"site\"   {\n  // inner\n  name    \"x\"\n      versioning #true // keep me\n  /- disabled 1\n}\n// end\n";
        let want = "// leading\n\nproject \"p\" // on the line\n\n/* block */\ns3-bucket \"site\" {\n    // inner\n    name \"x\"\n    versioning #true // keep me\n    /- disabled 1\n}\n// end\n";
        assert_eq!(fmt(messy), want);
        assert_eq!(fmt(want), want, "idempotent");
    }

    #[test]
    fn single_line_blocks_expand_and_values_keep_their_text() {
        let s = "stage \"dev\" { account \"1\"; region r }\nx raw=#\"a\\b\"# n=0x10 {}\n";
        assert_eq!(
            fmt(s),
            "stage \"dev\" {\n    account \"1\"\n    region r\n}\nx raw=#\"a\\b\"# n=0x10 {}\n"
        );
    }

    #[test]
    fn multi_line_strings_survive() {
        let s = "iam-role \"r\" {\n    policy \"\"\"\n        {\"a\": 1}\n        \"\"\"\n}\n";
        let out = fmt(s);
        assert_eq!(out, s);
        let reparsed = KdlDocument::parse_v2(&out).unwrap();
        assert_eq!(
            reparsed.nodes()[0].children().unwrap().nodes()[0].entries()[0]
                .value()
                .as_string(),
            Some("{\"a\": 1}")
        );
    }

    #[test]
    fn formatting_preserves_meaning() {
        let s = "a 1 b=2 {\n c \"x\" ; d #true\n}\n";
        let before = KdlDocument::parse_v2(s).unwrap();
        let after = KdlDocument::parse_v2(&fmt(s)).unwrap();
        let strip = |d: &KdlDocument| {
            let mut d = d.clone();
            d.clear_format_recursive();
            d.to_string()
        };
        assert_eq!(strip(&before), strip(&after));
    }
}
