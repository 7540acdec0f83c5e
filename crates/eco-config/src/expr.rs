//! Expressions: values written in configuration, with `${...}` interpolation.

use std::collections::BTreeMap;
use std::fmt;

use eco_schema::Value;

use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// A resource address: `TYPE.NAME`, an instance of a `for-each` resource `TYPE.NAME["KEY"]`, and
/// either inside modules: `module.CALL.TYPE.NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    /// The module calls the resource is inside, outermost first (empty at the root).
    pub module: Vec<String>,
    pub type_name: String,
    pub name: String,
    /// The `for-each` key of an instance.
    pub key: Option<String>,
}

impl Address {
    /// An address from its parts.
    pub fn new(type_name: impl Into<String>, name: impl Into<String>) -> Self {
        Address {
            module: Vec::new(),
            type_name: type_name.into(),
            name: name.into(),
            key: None,
        }
    }

    /// The same address with a `for-each` key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The same address inside the module call `call` (prefixed with `module.CALL.`).
    pub fn in_module(mut self, call: &str) -> Self {
        self.module.insert(0, call.to_string());
        self
    }

    /// The address without its `for-each` key: the resource block it is an instance of.
    pub fn block(&self) -> Address {
        Address {
            key: None,
            ..self.clone()
        }
    }

    /// Parses `TYPE.NAME`, `TYPE.NAME["KEY"]` and either after `module.CALL.` (or, for an
    /// instance of a for-each module call, `module.CALL["KEY"].`) prefixes; `None` when it is not
    /// of that form.
    pub fn parse(s: &str) -> Option<Address> {
        let mut rest = s;
        let mut module = Vec::new();
        while let Some(after) = rest.strip_prefix("module.") {
            let Some(end) = after.find(['.', '[']) else {
                break;
            };
            let name = &after[..end];
            if !is_identifier(name) {
                return None;
            }
            let (segment, tail) = match after[end..].strip_prefix("[\"") {
                Some(keyed) => {
                    let close = keyed.find("\"]")?;
                    let key = &keyed[..close];
                    if key.is_empty() {
                        return None;
                    }
                    (module_instance(name, key), &keyed[close + 2..])
                }
                None => (name.to_string(), &after[end..]),
            };
            let tail = tail.strip_prefix('.')?;
            module.push(segment);
            rest = tail;
        }
        Self::parse_plain(rest, module)
    }

    /// `TYPE.NAME` or `TYPE.NAME["KEY"]` inside the given module calls.
    fn parse_plain(s: &str, module: Vec<String>) -> Option<Address> {
        let (rest, key) = split_key(s)?;
        let segments: Vec<&str> = rest.split('.').collect();
        let [ty, name] = segments.as_slice() else {
            return None;
        };
        if ty.is_empty() || name.is_empty() {
            return None;
        }
        Some(Address {
            module,
            type_name: ty.to_string(),
            name: name.to_string(),
            key,
        })
    }
}

/// The module segment of one instance of a for-each module call: `CALL["KEY"]`.
pub fn module_instance(call: &str, key: &str) -> String {
    format!("{call}[\"{key}\"]")
}

/// Splits a trailing `["KEY"]` off an address; `None` when the brackets are malformed.
fn split_key(s: &str) -> Option<(&str, Option<String>)> {
    if !s.ends_with(']') {
        return (!s.contains('[')).then_some((s, None));
    }
    let open = s.find("[\"")?;
    let key = s[open + 2..].strip_suffix("\"]")?;
    if key.contains('"') {
        return None;
    }
    Some((&s[..open], Some(key.to_string())))
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for m in &self.module {
            write!(f, "module.{m}.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)?;
        if let Some(key) = &self.key {
            write!(f, "[\"{key}\"]")?;
        }
        Ok(())
    }
}

/// What a `${...}` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefTarget {
    /// `${stage}`: the selected stage's name.
    Stage,
    /// `${var.NAME}`.
    Var(String),
    /// `${TYPE.NAME.ATTR...}`: an attribute of another resource (a graph edge).
    Resource { address: Address, path: Vec<String> },
    /// `${local.NAME}` (or `${local.NAME.KEY...}` into a map or list local): a `local` value
    /// (inlined once the configuration is loaded).
    Local(String),
    /// `${aws.account-id}`, `${aws.region}`, `${aws.partition}`: the stage's identity.
    Aws(String),
    /// `${lookup.TYPE.NAME.ATTR...}`: an attribute of a resource a `lookup` found.
    Lookup {
        type_name: String,
        name: String,
        path: Vec<String>,
    },
    /// `${each.key}`, `${each.value}`, `${each.value.FIELD...}` inside a `for-each` resource
    /// (the path after `each`); replaced by the instance's values when the resource is expanded.
    Each(Vec<String>),
    /// `${param.NAME}` inside a module: the value its call gives; replaced when the module is
    /// expanded.
    Param(String),
    /// `${module.CALL.OUTPUT}`: an output of a module call; replaced by the output's value.
    ModuleOutput { call: String, output: String },
}

impl fmt::Display for RefTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefTarget::Stage => write!(f, "stage"),
            RefTarget::Var(n) => write!(f, "var.{n}"),
            RefTarget::Resource { address, path } => write!(f, "{address}.{}", path.join(".")),
            RefTarget::Local(n) => write!(f, "local.{n}"),
            RefTarget::Aws(n) => write!(f, "aws.{n}"),
            RefTarget::Lookup {
                type_name,
                name,
                path,
            } => write!(f, "lookup.{type_name}.{name}.{}", path.join(".")),
            RefTarget::Each(path) => write!(f, "each.{}", path.join(".")),
            RefTarget::Param(n) => write!(f, "param.{n}"),
            RefTarget::ModuleOutput { call, output } => write!(f, "module.{call}.{output}"),
        }
    }
}

/// A `${...}` with its place in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub target: RefTarget,
    pub span: Span,
}

/// A piece of a string template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Literal(String),
    Ref(Reference),
    /// A `${...}` that is more than a reference: a call, a comparison, a conditional.
    Expr(Box<crate::expression::Expression>),
}

/// A string, possibly with interpolations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<Part>,
    pub span: Span,
}

impl Template {
    /// The template's literal text, when it has no interpolation.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Literal(s) => out.push_str(s),
                Part::Ref(_) | Part::Expr(_) => return None,
            }
        }
        Some(out)
    }

    /// The reference, when the template is exactly one `${...}` and nothing else; its value
    /// then keeps its own type (`memory "${var.memory}"` is an integer).
    pub fn single_ref(&self) -> Option<&Reference> {
        match self.parts.as_slice() {
            [Part::Ref(r)] => Some(r),
            _ => None,
        }
    }

    /// The expression, when the template is exactly one `${...}` expression; its value keeps
    /// its own type too.
    pub fn single_expr(&self) -> Option<&crate::expression::Expression> {
        match self.parts.as_slice() {
            [Part::Expr(e)] => Some(e),
            _ => None,
        }
    }

    /// All references in the template, also those inside expressions.
    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        let mut out = Vec::new();
        self.for_each_ref(&mut |r| out.push(r));
        out.into_iter()
    }

    /// Calls `f` with every reference in the template, in order, also those inside
    /// expressions (what [`Template::references`] lists, without collecting them).
    pub fn for_each_ref<'a>(&'a self, f: &mut dyn FnMut(&'a Reference)) {
        for p in &self.parts {
            match p {
                Part::Ref(r) => f(r),
                Part::Expr(e) => e.for_each_ref(f),
                Part::Literal(_) => {}
            }
        }
    }
}

/// A configuration value before evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Template),
    List(Vec<Expr>),
    Map(BTreeMap<String, Expr>),
}

impl Expr {
    /// Visits every reference inside.
    pub fn for_each_ref<'a>(&'a self, f: &mut dyn FnMut(&'a Reference)) {
        match self {
            Expr::Str(t) => t.for_each_ref(f),
            Expr::List(items) => items.iter().for_each(|e| e.for_each_ref(f)),
            Expr::Map(m) => m.values().for_each(|e| e.for_each_ref(f)),
            _ => {}
        }
    }

    /// All references inside, in order.
    pub fn references(&self) -> Vec<&Reference> {
        let mut out = Vec::new();
        self.for_each_ref(&mut |r| out.push(r));
        out
    }

    /// Evaluates with the values a [`Resolver`] knows; unknown values stay unknown.
    pub fn eval(&self, resolver: &dyn Resolver) -> Result<Value, Diagnostic> {
        Ok(match self {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Str(t) => eval_template(t, resolver)?,
            Expr::List(items) => Value::List(
                items
                    .iter()
                    .map(|e| e.eval(resolver))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Map(m) => Value::Map(
                m.iter()
                    .map(|(k, e)| Ok((k.clone(), e.eval(resolver)?)))
                    .collect::<Result<_, Diagnostic>>()?,
            ),
        })
    }
}

/// Supplies the values references stand for.
pub trait Resolver {
    /// The selected stage's name.
    fn stage(&self) -> &str;
    /// A variable's value, `None` when it has none in this stage.
    fn var(&self, name: &str) -> Option<Value>;
    /// An attribute of a resource; `Value::Unknown` when not known before apply.
    fn attribute(&self, address: &Address, path: &[String]) -> Value;
    /// `aws.NAME` of the stage's identity (`account-id`, `region`, `partition`); unknown
    /// where the caller does not know it (`eco validate`).
    fn aws(&self, _name: &str) -> Value {
        Value::Unknown
    }
    /// An attribute of what a lookup found; unknown where lookups are not read.
    fn lookup(&self, _type_name: &str, _name: &str, _path: &[String]) -> Value {
        Value::Unknown
    }
}

/// The hint for a `${...}` that is not a reference.
pub(crate) const REFERENCE_HELP: &str = "references are ${stage}, ${var.NAME}, ${local.NAME}, \
     ${aws.account-id|region|partition} or ${TYPE.NAME.ATTRIBUTE}";

pub(crate) fn resolve(r: &Reference, resolver: &dyn Resolver) -> Result<Value, Diagnostic> {
    match &r.target {
        RefTarget::Stage => Ok(Value::String(resolver.stage().to_string())),
        RefTarget::Var(name) => resolver.var(name).ok_or_else(|| {
            Diagnostic::new(
                "eco::var_without_value",
                format!(
                    "variable `{name}` has no value in stage `{}`",
                    resolver.stage()
                ),
            )
            .at(r.span, "used here")
            .help(format!(
                "give it a default (`var \"{name}\" default=...`), a value in the stage block \
                 (`var {name}=...`), or pass `-var {name}=...`"
            ))
        }),
        RefTarget::Resource { address, path } => Ok(resolver.attribute(address, path)),
        RefTarget::Aws(name) => Ok(resolver.aws(name)),
        RefTarget::Lookup {
            type_name,
            name,
            path,
        } => Ok(resolver.lookup(type_name, name, path)),
        // Locals are inlined when the configuration is loaded; one left is an unknown local,
        // which loading reports.
        RefTarget::Local(name) => Err(Diagnostic::new(
            "eco::unknown_reference",
            format!("unknown local `local.{name}`"),
        )
        .at(r.span, "not declared")
        .help(format!("declare it: local \"{name}\" value=..."))),
        RefTarget::Each(_) | RefTarget::Param(_) | RefTarget::ModuleOutput { .. } => {
            Err(crate::collections::unexpanded(r))
        }
    }
}

fn eval_template(t: &Template, resolver: &dyn Resolver) -> Result<Value, Diagnostic> {
    if let Some(r) = t.single_ref() {
        return resolve(r, resolver);
    }
    if let Some(e) = t.single_expr() {
        return e.eval(resolver);
    }
    let mut out = String::new();
    for p in &t.parts {
        match p {
            Part::Literal(s) => out.push_str(s),
            Part::Ref(_) | Part::Expr(_) => {
                let (v, what, span) = match p {
                    Part::Ref(r) => (resolve(r, resolver)?, r.target.to_string(), r.span),
                    Part::Expr(e) => (e.eval(resolver)?, "the expression".to_string(), e.span),
                    Part::Literal(_) => unreachable!("matched above"),
                };
                match v.interpolated() {
                    Some(s) => out.push_str(&s),
                    None if v.contains_unknown() => return Ok(Value::Unknown),
                    None => {
                        return Err(Diagnostic::new(
                            "eco::not_interpolable",
                            format!("`{what}` is a list or map and cannot be part of a string"),
                        )
                        .at(span, "not a string")
                        .help("use it alone as the whole value: \"${...}\""))
                    }
                }
            }
        }
    }
    Ok(Value::String(out))
}

/// Parses the `${...}` interpolations of a string.
///
/// `raw` is the source text the string came from (quotes included) so that each reference can
/// be located exactly; when it cannot be found there, the whole string's span is used.
/// `$${` is a literal `${`.
pub fn parse_template(value: &str, span: Span, raw: &str) -> Result<Template, Diagnostic> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = value;
    let mut search_from = 0usize;
    while let Some(i) = rest.find('$') {
        let after = &rest[i..];
        if after.starts_with("$${") {
            literal.push_str(&rest[..i]);
            literal.push_str("${");
            rest = &rest[i + 3..];
            continue;
        }
        if !after.starts_with("${") {
            literal.push_str(&rest[..=i]);
            rest = &rest[i + 1..];
            continue;
        }
        literal.push_str(&rest[..i]);
        let Some(close) = closing_brace(after) else {
            return Err(
                Diagnostic::new("eco::unclosed_interpolation", "`${` is never closed")
                    .at(span, "missing `}`")
                    .help("close it: \"${var.name}\", or write `$${` for a literal `${`"),
            );
        };
        let inner = &after[2..close];
        let text = &after[..=close];
        let ref_span = match raw[search_from..].find(text) {
            Some(pos) => {
                search_from += pos + text.len();
                Span::new(
                    span.file,
                    span.offset + search_from - text.len(),
                    text.len(),
                )
            }
            None => span,
        };
        // An instance's reference (`TYPE.NAME["KEY"].ATTR`) is a plain reference too.
        let keyed =
            inner.contains("[\"") && crate::collections::parse_keyed_ref(inner.trim()).is_ok();
        let part = if is_path(inner.trim()) || keyed {
            // A plain reference, read as before expressions existed.
            let target = parse_ref_target(inner.trim()).map_err(|why| {
                Diagnostic::new(
                    "eco::bad_reference",
                    format!("`${{{inner}}}` is not a reference eco understands: {why}"),
                )
                .at(ref_span, "here")
                .help(REFERENCE_HELP)
            })?;
            Part::Ref(Reference {
                target,
                span: ref_span,
            })
        } else {
            let origin = (ref_span != span || raw == text).then_some(ref_span.offset + 2);
            let node = crate::expression::parse(inner, ref_span, origin)?;
            Part::Expr(Box::new(crate::expression::Expression {
                node,
                span: ref_span,
            }))
        };
        if !literal.is_empty() {
            parts.push(Part::Literal(std::mem::take(&mut literal)));
        }
        parts.push(part);
        rest = &after[close + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() || parts.is_empty() {
        parts.push(Part::Literal(literal));
    }
    // A configuration holds a template per string it writes: no spare room in each.
    parts.shrink_to_fit();
    Ok(Template { parts, span })
}

/// The `}` closing a `${` (`after` starts with it): braces inside string literals of an
/// expression do not count.
fn closing_brace(after: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, ch) in after.char_indices().skip(2) {
        match (in_string, ch) {
            (true, _) if escaped => escaped = false,
            (true, '\\') => escaped = true,
            (true, '"') => in_string = false,
            (false, '"') => in_string = true,
            (false, '}') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether a `${...}` is written as a plain reference (names and dots only, or empty).
fn is_path(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
        && !matches!(s, "true" | "false" | "null")
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

pub(crate) fn parse_ref_target(s: &str) -> Result<RefTarget, &'static str> {
    if s == "stage" {
        return Ok(RefTarget::Stage);
    }
    if s.contains('[') {
        return crate::collections::parse_keyed_ref(s);
    }
    let segments: Vec<&str> = s.split('.').collect();
    if segments.iter().any(|seg| !is_identifier(seg)) {
        return Err("each part must be a name of letters, digits, `-` or `_`");
    }
    match segments.as_slice() {
        ["var", name] => Ok(RefTarget::Var(name.to_string())),
        ["var", ..] => Err("a variable reference is `var.NAME`"),
        // `local.NAME.KEY...`: a key of a map local, an index of a list local.
        ["local", _, ..] => Ok(RefTarget::Local(segments[1..].join("."))),
        ["local"] => Err("a local reference is `local.NAME`"),
        ["aws", name @ ("account-id" | "region" | "partition")] => {
            Ok(RefTarget::Aws(name.to_string()))
        }
        ["lookup", ty, name, path @ ..] if !path.is_empty() => Ok(RefTarget::Lookup {
            type_name: ty.to_string(),
            name: name.to_string(),
            path: path.iter().map(|p| p.to_string()).collect(),
        }),
        ["lookup", ..] => Err("a lookup reference is `lookup.TYPE.NAME.ATTRIBUTE`"),
        ["aws", ..] => {
            Err("the stage's identity is `aws.account-id`, `aws.region` or `aws.partition`")
        }
        ["each", "key"] => Ok(RefTarget::Each(vec!["key".into()])),
        ["each", "value", fields @ ..] => Ok(RefTarget::Each(
            std::iter::once("value")
                .chain(fields.iter().copied())
                .map(String::from)
                .collect(),
        )),
        ["each", ..] => {
            Err("inside a for-each, write `each.key`, `each.value` or `each.value.FIELD`")
        }
        ["param", name] => Ok(RefTarget::Param(name.to_string())),
        ["param", ..] => Err("a module parameter is `param.NAME`"),
        ["module", call, output] => Ok(RefTarget::ModuleOutput {
            call: call.to_string(),
            output: output.to_string(),
        }),
        ["module", ..] => Err("a module's output is `module.CALL.OUTPUT`"),
        [ty, name, path @ ..] if !path.is_empty() => Ok(RefTarget::Resource {
            address: Address::new(*ty, *name),
            path: path.iter().map(|p| p.to_string()).collect(),
        }),
        [_, _] => Err("name the attribute too: `TYPE.NAME.ATTRIBUTE`"),
        _ => Err("unknown form"),
    }
}

pub(crate) fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn span() -> Span {
        Span::new(FileId(0), 10, 20)
    }

    fn t(s: &str) -> Template {
        parse_template(s, span(), &format!("{s:?}")).unwrap()
    }

    struct R;
    impl Resolver for R {
        fn stage(&self) -> &str {
            "dev"
        }
        fn var(&self, name: &str) -> Option<Value> {
            (name == "memory").then_some(Value::Int(256))
        }
        fn attribute(&self, address: &Address, path: &[String]) -> Value {
            if address.name == "known" {
                Value::String(format!("{}-{}", address.type_name, path.join(".")))
            } else {
                Value::Unknown
            }
        }
    }

    #[test]
    fn parses_literals_and_references() {
        let tpl = t("ecogy-${stage}-site");
        assert_eq!(tpl.parts.len(), 3);
        assert_eq!(tpl.references().count(), 1);
        assert_eq!(t("plain").as_literal().as_deref(), Some("plain"));
        assert_eq!(t("").as_literal().as_deref(), Some(""));
        let r = t("${iam-role.api.arn}");
        assert_eq!(
            r.single_ref().unwrap().target,
            RefTarget::Resource {
                address: Address::new("iam-role", "api"),
                path: vec!["arn".into()]
            }
        );
    }

    #[test]
    fn reference_spans_point_inside_the_string() {
        // raw source: `name "x-${stage}"` with the string starting at offset 10
        let tpl =
            parse_template("x-${stage}", Span::new(FileId(0), 10, 12), "\"x-${stage}\"").unwrap();
        let r = tpl.references().next().unwrap();
        assert_eq!((r.span.offset, r.span.len), (13, 8));
    }

    #[test]
    fn dollar_escapes_and_lone_dollars() {
        assert_eq!(
            t("$${literal} $5").as_literal().as_deref(),
            Some("${literal} $5")
        );
    }

    #[test]
    fn bad_references_are_diagnostics() {
        for bad in ["${", "${var}", "${a.b}", "${a b}", "${}", "${var.x.y}"] {
            assert!(
                parse_template(bad, span(), bad).is_err(),
                "{bad} should fail"
            );
        }
    }

    #[test]
    fn evaluation_keeps_types_and_unknowns() {
        assert_eq!(
            Expr::Str(t("${var.memory}")).eval(&R).unwrap(),
            Value::Int(256)
        );
        assert_eq!(
            Expr::Str(t("m-${var.memory}-${stage}")).eval(&R).unwrap(),
            Value::String("m-256-dev".into())
        );
        assert_eq!(
            Expr::Str(t("arn:${x.unknown.arn}")).eval(&R).unwrap(),
            Value::Unknown
        );
        assert_eq!(
            Expr::Str(t("${x.known.arn}")).eval(&R).unwrap(),
            Value::String("x-arn".into())
        );
        let err = Expr::Str(t("${var.nope}")).eval(&R).unwrap_err();
        assert!(err.message.contains("no value in stage `dev`"));
    }
}
