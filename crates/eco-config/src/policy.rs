//! IAM policy documents written as KDL, compiled to the JSON AWS takes:
//!
//! ```kdl
//! policy {
//!     statement "Read" effect="Allow" {
//!         action "dynamodb:GetItem" "dynamodb:Query"
//!         resource "${dynamodb-table.t.arn}" "${dynamodb-table.t.arn}/index/*"
//!         principal service="lambda.amazonaws.com"
//!         condition "StringEquals" "aws:SourceAccount" "${aws.account-id}"
//!     }
//! }
//! ```
//!
//! The document becomes `json-encode(...)` of a map whose strings keep their `${...}`, so its
//! references are graph edges and a value unknown before apply leaves the document unknown.

use std::collections::BTreeMap;

use eco_kdl::{Entry as KdlEntry, Node as KdlNode, Value as KdlValue};

use crate::diagnostic::Diagnostic;
use crate::expr::{parse_template, Expr, Part, Template};
use crate::expression::{Expression, Node};
use crate::source::{FileId, Sources, Span};

const STATEMENT_LISTS: &[(&str, &str)] = &[
    ("action", "Action"),
    ("not-action", "NotAction"),
    ("resource", "Resource"),
    ("not-resource", "NotResource"),
];

const PRINCIPAL_KINDS: &[(&str, &str)] = &[
    ("service", "Service"),
    ("aws", "AWS"),
    ("federated", "Federated"),
    ("canonical-user", "CanonicalUser"),
];

const HELP: &str =
    "write a policy as policy { statement effect=\"Allow\" { action \"s3:GetObject\"; \
                    resource \"arn:...\" } } (docs/language.md, Policies)";

struct Compiler<'a> {
    sources: &'a Sources,
    file: FileId,
    diags: Vec<Diagnostic>,
}

/// Compiles a policy node's children to the expression of its JSON text.
pub(crate) fn document(
    sources: &Sources,
    file: FileId,
    node: &KdlNode,
) -> Result<Expr, Vec<Diagnostic>> {
    let mut c = Compiler {
        sources,
        file,
        diags: Vec::new(),
    };
    let span = c.span(node.span());
    let map = c.policy(node);
    if !c.diags.is_empty() {
        return Err(c.diags);
    }
    let call = Node::Call {
        name: "json-encode".into(),
        args: vec![Node::Inline(Box::new(map), span)],
        span,
        base_dir: None,
    };
    Ok(Expr::Str(Template {
        parts: vec![Part::Expr(Box::new(Expression { node: call, span }))],
        span,
    }))
}

impl Compiler<'_> {
    fn span(&self, s: eco_kdl::Span) -> Span {
        Span::new(self.file, s.offset(), s.len())
    }

    fn error(&mut self, at: Span, message: String, label: &str) {
        self.diags.push(
            Diagnostic::new("eco::bad_policy", message)
                .at(at, label.to_string())
                .help(HELP),
        );
    }

    fn children<'n>(&self, node: &'n KdlNode) -> &'n [KdlNode] {
        node.children().map(|c| c.nodes()).unwrap_or(&[])
    }

    fn args(node: &KdlNode) -> impl Iterator<Item = &KdlEntry> {
        node.entries().iter().filter(|e| e.name().is_none())
    }

    fn props(node: &KdlNode) -> impl Iterator<Item = (&str, &KdlEntry)> {
        node.entries()
            .iter()
            .filter_map(|e| e.name().map(|n| (n.value(), e)))
    }

    /// A string entry as a template (it may interpolate).
    fn string(&mut self, e: &KdlEntry) -> Option<Expr> {
        let span = self.span(e.span());
        match e.value() {
            KdlValue::String(s) => match parse_template(s, span, self.sources.slice(span)) {
                Ok(t) => Some(Expr::Str(t)),
                Err(d) => {
                    self.diags.push(d);
                    None
                }
            },
            KdlValue::Bool(b) => Some(Expr::Bool(*b)),
            KdlValue::Integer(i) => Some(Expr::Str(Template {
                parts: vec![Part::Literal(i.to_string())],
                span,
            })),
            _ => {
                self.error(span, "a policy takes strings here".into(), "not a string");
                None
            }
        }
    }

    fn strings(&mut self, node: &KdlNode) -> Vec<Expr> {
        let entries: Vec<&KdlEntry> = Self::args(node).collect();
        entries.into_iter().filter_map(|e| self.string(e)).collect()
    }

    fn policy(&mut self, node: &KdlNode) -> Expr {
        let mut doc = BTreeMap::new();
        doc.insert(
            "Version".to_string(),
            literal("2012-10-17", self.span(node.span())),
        );
        let mut statements = Vec::new();
        for child in self.children(node) {
            let name = child.name().value();
            let at = self.span(child.name().span());
            match name {
                "version" | "id" => {
                    if let Some(v) = self.strings(child).pop() {
                        let key = if name == "version" { "Version" } else { "Id" };
                        doc.insert(key.to_string(), v);
                    }
                }
                "statement" => statements.push(self.statement(child)),
                other => self.error(
                    at,
                    format!("a policy holds `statement`, `version` and `id`, not `{other}`"),
                    "unknown in a policy",
                ),
            }
        }
        if statements.is_empty() {
            self.error(
                self.span(node.name().span()),
                "a policy needs at least one `statement`".into(),
                "no statement",
            );
        }
        doc.insert("Statement".to_string(), Expr::List(statements));
        Expr::Map(doc)
    }

    fn statement(&mut self, node: &KdlNode) -> Expr {
        let mut st: BTreeMap<String, Expr> = BTreeMap::new();
        let head = self.span(node.name().span());
        if let Some(sid) = Self::args(node).next() {
            if let Some(v) = self.string(sid) {
                st.insert("Sid".into(), v);
            }
        }
        for (k, e) in Self::props(node) {
            let at = self.span(e.span());
            match (k, e.value()) {
                ("effect", KdlValue::String(s)) if s == "Allow" || s == "Deny" => {
                    st.insert("Effect".into(), literal(s, at));
                }
                ("effect", _) => self.error(
                    at,
                    "`effect` is \"Allow\" or \"Deny\"".into(),
                    "not an effect",
                ),
                ("sid", _) => {
                    if let Some(v) = self.string(e) {
                        st.insert("Sid".into(), v);
                    }
                }
                (other, _) => self.error(
                    at,
                    format!("a statement takes effect= and sid=, not `{other}=`"),
                    "unknown property",
                ),
            }
        }
        if !st.contains_key("Effect") {
            self.error(
                head,
                "a statement needs effect=\"Allow\" or effect=\"Deny\"".into(),
                "no effect",
            );
        }
        let mut conditions: BTreeMap<String, BTreeMap<String, Vec<Expr>>> = BTreeMap::new();
        for child in self.children(node) {
            let name = child.name().value();
            let at = self.span(child.name().span());
            if let Some((_, key)) = STATEMENT_LISTS.iter().find(|(n, _)| *n == name) {
                let values = self.strings(child);
                match st.get_mut(*key) {
                    Some(Expr::List(items)) => items.extend(values),
                    _ => {
                        st.insert(key.to_string(), Expr::List(values));
                    }
                }
                continue;
            }
            match name {
                "principal" | "not-principal" => {
                    let key = if name == "principal" {
                        "Principal"
                    } else {
                        "NotPrincipal"
                    };
                    let value = self.principal(child);
                    if let Some(v) = value {
                        merge_principal(&mut st, key, v);
                    }
                }
                "condition" => {
                    let values = self.strings(child);
                    let mut it = values.into_iter();
                    let (Some(op), Some(variable)) = (it.next(), it.next()) else {
                        self.error(
                            at,
                            "a condition is condition \"OPERATOR\" \"KEY\" \"VALUE\"...".into(),
                            "incomplete condition",
                        );
                        continue;
                    };
                    let values: Vec<Expr> = it.collect();
                    if values.is_empty() {
                        self.error(
                            at,
                            "a condition needs at least one value".into(),
                            "no value",
                        );
                        continue;
                    }
                    let (Some(op), Some(variable)) = (text_of(&op), text_of(&variable)) else {
                        self.error(
                            at,
                            "a condition's operator and key are plain text".into(),
                            "interpolated",
                        );
                        continue;
                    };
                    conditions
                        .entry(op)
                        .or_default()
                        .entry(variable)
                        .or_default()
                        .extend(values);
                }
                other => self.error(
                    at,
                    format!(
                        "a statement holds action, not-action, resource, not-resource, principal, \
                         not-principal and condition, not `{other}`"
                    ),
                    "unknown in a statement",
                ),
            }
        }
        if !conditions.is_empty() {
            st.insert(
                "Condition".into(),
                Expr::Map(
                    conditions
                        .into_iter()
                        .map(|(op, m)| {
                            let m = m.into_iter().map(|(k, v)| (k, Expr::List(v))).collect();
                            (op, Expr::Map(m))
                        })
                        .collect(),
                ),
            );
        }
        Expr::Map(st)
    }

    /// `principal "*"` or `principal service="..." aws="..."`.
    fn principal(&mut self, node: &KdlNode) -> Option<Expr> {
        let at = self.span(node.name().span());
        let args: Vec<&KdlEntry> = Self::args(node).collect();
        if let [e] = args.as_slice() {
            if matches!(e.value(), KdlValue::String(s) if s == "*") {
                return Some(literal("*", at));
            }
        }
        let mut out: BTreeMap<String, Expr> = BTreeMap::new();
        for (k, e) in Self::props(node) {
            let Some((_, key)) = PRINCIPAL_KINDS.iter().find(|(n, _)| *n == k) else {
                self.error(
                    self.span(e.span()),
                    format!(
                        "a principal is service=, aws=, federated= or canonical-user=, not `{k}=`"
                    ),
                    "unknown principal kind",
                );
                continue;
            };
            if let Some(v) = self.string(e) {
                match out.get_mut(*key) {
                    Some(Expr::List(items)) => items.push(v),
                    _ => {
                        out.insert(key.to_string(), Expr::List(vec![v]));
                    }
                }
            }
        }
        if out.is_empty() || !args.is_empty() {
            self.error(
                at,
                "a principal is principal \"*\" or principal service=\"...\" (aws=, federated=, canonical-user=)".into(),
                "not a principal",
            );
            return None;
        }
        Some(Expr::Map(out))
    }
}

fn merge_principal(st: &mut BTreeMap<String, Expr>, key: &str, value: Expr) {
    match (st.get_mut(key), value) {
        (Some(Expr::Map(existing)), Expr::Map(more)) => {
            for (k, v) in more {
                match (existing.get_mut(&k), v) {
                    (Some(Expr::List(items)), Expr::List(more_items)) => items.extend(more_items),
                    (_, v) => {
                        existing.insert(k, v);
                    }
                }
            }
        }
        (_, value) => {
            st.insert(key.to_string(), value);
        }
    }
}

fn literal(s: &str, span: Span) -> Expr {
    Expr::Str(Template {
        parts: vec![Part::Literal(s.to_string())],
        span,
    })
}

fn text_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Str(t) => t.as_literal(),
        _ => None,
    }
}
