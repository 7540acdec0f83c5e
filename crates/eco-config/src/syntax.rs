//! Syntax errors of a KDL file, worded by the `kdl` crate (the reference for the language)
//! where that is safe.
//!
//! eco reads files with eco-kdl, which refuses nesting deeper than [`eco_kdl::MAX_DEPTH`]. The
//! `kdl` crate recurses once per level and overflows the stack on deep nesting (~1,400 levels),
//! so it is only asked about files whose nesting is shallow enough.

/// A syntax error in one file: where, what, and a label for the spot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
}

/// The help for a file nested deeper than eco reads.
pub const TOO_DEEP_HELP: &str = "flatten the configuration: eco reads at most 128 nested blocks";

/// The deepest nesting of `{` blocks and `/*` comments in `text`, counted without regard to
/// strings: never less than the real nesting, so a file this says is shallow is shallow.
pub fn nesting_upper_bound(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                depth += 1;
                i += 1;
            }
            b'}' => depth = depth.saturating_sub(1),
            b'*' if bytes.get(i + 1) == Some(&b'/') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => {}
        }
        deepest = deepest.max(depth);
        i += 1;
    }
    deepest
}

/// The syntax errors of a file eco-kdl refused with `fast`: the `kdl` crate's wording when the
/// file is shallow enough to ask it, else eco-kdl's own.
pub fn explain(text: &str, fast: &eco_kdl::ParseError) -> Vec<SyntaxError> {
    let own = |help: &str| SyntaxError {
        offset: fast.offset,
        len: 1,
        message: fast.message.clone(),
        label: "here".into(),
        help: Some(help.into()),
    };
    if nesting_upper_bound(text) > eco_kdl::MAX_DEPTH {
        return vec![own(TOO_DEEP_HELP)];
    }
    let reference = match kdl::KdlDocument::parse_v2(text) {
        Err(err) => err,
        // Only nesting deeper than eco-kdl's limit gets here.
        Ok(_) => return vec![own(TOO_DEEP_HELP)],
    };
    let worded: Vec<SyntaxError> = reference
        .diagnostics
        .iter()
        .map(|d| SyntaxError {
            offset: d.span.offset(),
            len: d.span.len(),
            message: d.message.clone().unwrap_or_else(|| "invalid KDL".into()),
            label: d.label.clone().unwrap_or_else(|| "here".into()),
            help: d.help.clone(),
        })
        .collect();
    if worded.is_empty() {
        vec![own("see docs/language.md")]
    } else {
        worded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_blocks_and_comments_and_never_undercounts() {
        assert_eq!(nesting_upper_bound("a { b { c } }"), 2);
        assert_eq!(nesting_upper_bound("/* /* */ */ a"), 2);
        assert_eq!(nesting_upper_bound("a \"{{{\""), 3);
        assert_eq!(nesting_upper_bound("}}} a { }"), 1);
    }

    #[test]
    fn a_file_nested_far_too_deep_is_explained_without_the_reference_parser() {
        let n = 100_000;
        let text = format!("{}{}", "a {".repeat(n), "}".repeat(n));
        let fast = eco_kdl::parse(&text).unwrap_err();
        let errors = explain(&text, &fast);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("too deep"), "{errors:?}");
        assert_eq!(errors[0].help.as_deref(), Some(TOO_DEEP_HELP));
    }

    #[test]
    fn a_shallow_error_is_worded_by_the_reference_parser() {
        let text = "a b=";
        let fast = eco_kdl::parse(text).unwrap_err();
        let errors = explain(text, &fast);
        assert!(!errors.is_empty());
        assert!(errors.iter().all(|e| e.offset <= text.len()));
    }
}
