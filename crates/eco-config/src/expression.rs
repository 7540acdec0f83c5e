//! General expressions inside `${...}`: function calls, literals, comparisons, `&&`, `||`, `!`
//! and `cond ? a : b`. A `${...}` that is a plain reference stays a [`Part::Ref`]; anything else
//! is a [`Part::Expr`] holding an [`Expression`].
//!
//! [`Part::Ref`]: crate::Part::Ref
//! [`Part::Expr`]: crate::Part::Expr

use std::fmt;
use std::path::PathBuf;

use eco_schema::{did_you_mean, Value};

use crate::diagnostic::Diagnostic;
use crate::expr::{parse_ref_target, Expr, Reference, Resolver};
use crate::functions::{self, Ty};
use crate::source::Span;

/// A parsed `${...}` that is more than a reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    pub node: Node,
    /// The whole `${...}`.
    pub span: Span,
}

// Expressions hold floats only as literals written in the configuration (never NaN).
impl Eq for Expression {}

/// Binary operators, loosest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl fmt::Display for BinOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "&&",
            BinOp::Or => "||",
        })
    }
}

/// One node of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A string, number, boolean or null written in the expression.
    Literal(Value, Span),
    /// `stage`, `var.X`, `TYPE.NAME.ATTR`, `local.X`, `aws.X`.
    Ref(Reference),
    /// A configuration value put in place of a reference (a local's value, a KDL policy).
    Inline(Box<Expr>, Span),
    /// `[a, b]`.
    List(Vec<Node>, Span),
    /// `name(args)`. `base_dir` is the directory file functions read relative to (the
    /// configuration's), set once the configuration is loaded.
    Call {
        name: String,
        args: Vec<Node>,
        span: Span,
        base_dir: Option<PathBuf>,
    },
    /// `!x`.
    Not(Box<Node>, Span),
    /// `a OP b`.
    Binary {
        op: BinOp,
        left: Box<Node>,
        right: Box<Node>,
        span: Span,
    },
    /// `cond ? then : otherwise`.
    Cond {
        cond: Box<Node>,
        then: Box<Node>,
        otherwise: Box<Node>,
        span: Span,
    },
}

impl Node {
    /// Where the node was written.
    pub fn span(&self) -> Span {
        match self {
            Node::Literal(_, s)
            | Node::Inline(_, s)
            | Node::List(_, s)
            | Node::Not(_, s)
            | Node::Call { span: s, .. }
            | Node::Binary { span: s, .. }
            | Node::Cond { span: s, .. } => *s,
            Node::Ref(r) => r.span,
        }
    }

    /// Visits every reference inside, also those of inlined values.
    pub fn for_each_ref<'a>(&'a self, f: &mut dyn FnMut(&'a Reference)) {
        match self {
            Node::Literal(..) => {}
            Node::Ref(r) => f(r),
            Node::Inline(e, _) => e.for_each_ref(f),
            Node::List(items, _) | Node::Call { args: items, .. } => {
                items.iter().for_each(|n| n.for_each_ref(f))
            }
            Node::Not(n, _) => n.for_each_ref(f),
            Node::Binary { left, right, .. } => {
                left.for_each_ref(f);
                right.for_each_ref(f);
            }
            Node::Cond {
                cond,
                then,
                otherwise,
                ..
            } => {
                cond.for_each_ref(f);
                then.for_each_ref(f);
                otherwise.for_each_ref(f);
            }
        }
    }

    /// Visits every node, children before parents, mutably.
    pub fn visit_mut(&mut self, f: &mut dyn FnMut(&mut Node)) {
        match self {
            Node::Literal(..) | Node::Ref(_) | Node::Inline(..) => {}
            Node::List(items, _) | Node::Call { args: items, .. } => {
                items.iter_mut().for_each(|n| n.visit_mut(f))
            }
            Node::Not(n, _) => n.visit_mut(f),
            Node::Binary { left, right, .. } => {
                left.visit_mut(f);
                right.visit_mut(f);
            }
            Node::Cond {
                cond,
                then,
                otherwise,
                ..
            } => {
                cond.visit_mut(f);
                then.visit_mut(f);
                otherwise.visit_mut(f);
            }
        }
        f(self);
    }

    /// Visits every node, parents first.
    pub fn visit(&self, f: &mut dyn FnMut(&Node)) {
        f(self);
        match self {
            Node::Literal(..) | Node::Ref(_) | Node::Inline(..) => {}
            Node::List(items, _) | Node::Call { args: items, .. } => {
                items.iter().for_each(|n| n.visit(f))
            }
            Node::Not(n, _) => n.visit(f),
            Node::Binary { left, right, .. } => {
                left.visit(f);
                right.visit(f);
            }
            Node::Cond {
                cond,
                then,
                otherwise,
                ..
            } => {
                cond.visit(f);
                then.visit(f);
                otherwise.visit(f);
            }
        }
    }

    /// The type the node has whatever the values it references: [`Ty::Any`] when that depends
    /// on them.
    pub fn static_type(&self) -> Ty {
        match self {
            Node::Literal(v, _) => Ty::of(v),
            Node::Ref(_) => Ty::Any,
            Node::Inline(e, _) => match e.as_ref() {
                Expr::Null | Expr::Str(_) => Ty::Any,
                Expr::Bool(_) => Ty::Bool,
                Expr::Int(_) | Expr::Float(_) => Ty::Number,
                Expr::List(_) => Ty::List,
                Expr::Map(_) => Ty::Map,
            },
            Node::List(..) => Ty::List,
            Node::Call { name, .. } => functions::find(name).map_or(Ty::Any, |f| f.returns),
            Node::Not(..) | Node::Binary { .. } => Ty::Bool,
            Node::Cond {
                then, otherwise, ..
            } => match (then.static_type(), otherwise.static_type()) {
                (a, b) if a == b => a,
                _ => Ty::Any,
            },
        }
    }

    /// Evaluates the node; unknown inputs give unknown results.
    pub fn eval(&self, resolver: &dyn Resolver) -> Result<Value, Diagnostic> {
        match self {
            Node::Literal(v, _) => Ok(v.clone()),
            Node::Ref(r) => crate::expr::resolve(r, resolver),
            Node::Inline(e, _) => e.eval(resolver),
            Node::List(items, _) => Ok(Value::List(
                items
                    .iter()
                    .map(|n| n.eval(resolver))
                    .collect::<Result<_, _>>()?,
            )),
            Node::Call {
                name,
                args,
                span,
                base_dir,
            } => {
                let values = args
                    .iter()
                    .map(|n| n.eval(resolver))
                    .collect::<Result<Vec<_>, _>>()?;
                functions::call(name, &values, args, *span, base_dir.as_deref())
            }
            Node::Not(n, span) => match n.eval(resolver)? {
                Value::Unknown => Ok(Value::Unknown),
                Value::Bool(b) => Ok(Value::Bool(!b)),
                other => Err(not_a_bool("!", &other, *span)),
            },
            Node::Binary {
                op,
                left,
                right,
                span,
            } => eval_binary(*op, left, right, *span, resolver),
            Node::Cond {
                cond,
                then,
                otherwise,
                span,
            } => match cond.eval(resolver)? {
                Value::Unknown => Ok(Value::Unknown),
                Value::Bool(true) => then.eval(resolver),
                Value::Bool(false) => otherwise.eval(resolver),
                other => Err(not_a_bool("the condition of `? :`", &other, *span)),
            },
        }
    }
}

fn not_a_bool(what: &str, found: &Value, span: Span) -> Diagnostic {
    Diagnostic::new(
        "eco::type_error",
        format!("{what} expects a bool, found {}", Ty::of(found).describe()),
    )
    .at(span, "expected a bool")
    .help("compare it first, e.g. `var.env == \"prod\"`")
}

fn eval_binary(
    op: BinOp,
    left: &Node,
    right: &Node,
    span: Span,
    resolver: &dyn Resolver,
) -> Result<Value, Diagnostic> {
    let l = left.eval(resolver)?;
    if matches!(op, BinOp::And | BinOp::Or) {
        // Short-circuits on a known left side, so that `x != null && f(x)` works.
        match (&l, op) {
            (Value::Bool(false), BinOp::And) => return Ok(Value::Bool(false)),
            (Value::Bool(true), BinOp::Or) => return Ok(Value::Bool(true)),
            (Value::Bool(_) | Value::Unknown, _) => {}
            (other, _) => return Err(not_a_bool(&format!("`{op}`"), other, left.span())),
        }
        let r = right.eval(resolver)?;
        return match (l, r) {
            (_, Value::Unknown) | (Value::Unknown, _) => Ok(Value::Unknown),
            (_, Value::Bool(b)) => Ok(Value::Bool(b)),
            (_, other) => Err(not_a_bool(&format!("`{op}`"), &other, right.span())),
        };
    }
    let r = right.eval(resolver)?;
    if l.contains_unknown() || r.contains_unknown() {
        return Ok(Value::Unknown);
    }
    let ordering = || -> Result<std::cmp::Ordering, Diagnostic> {
        match (&l, &r) {
            (Value::String(a), Value::String(b)) => Ok(a.cmp(b)),
            (a, b) => match (number(a), number(b)) {
                (Some(x), Some(y)) => Ok(x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal)),
                _ => Err(Diagnostic::new(
                    "eco::type_error",
                    format!(
                        "`{op}` compares two numbers or two strings, found {} and {}",
                        Ty::of(a).describe(),
                        Ty::of(b).describe()
                    ),
                )
                .at(span, "cannot be ordered")
                .help("compare values of one type")),
            },
        }
    };
    let equal = match (number(&l), number(&r)) {
        (Some(x), Some(y)) => x == y,
        _ => l == r,
    };
    Ok(Value::Bool(match op {
        BinOp::Eq => equal,
        BinOp::Ne => !equal,
        BinOp::Lt => ordering()?.is_lt(),
        BinOp::Le => ordering()?.is_le(),
        BinOp::Gt => ordering()?.is_gt(),
        BinOp::Ge => ordering()?.is_ge(),
        BinOp::And | BinOp::Or => unreachable!("handled above"),
    }))
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

impl Expression {
    /// Evaluates the expression.
    pub fn eval(&self, resolver: &dyn Resolver) -> Result<Value, Diagnostic> {
        self.node.eval(resolver)
    }

    /// Visits every reference inside.
    pub fn for_each_ref<'a>(&'a self, f: &mut dyn FnMut(&'a Reference)) {
        self.node.for_each_ref(f)
    }
}

/// Checks what can be checked before any value is known: every function exists, takes that many
/// arguments, and gets arguments of its types where they are known.
pub fn check(node: &Node, diags: &mut Vec<Diagnostic>) {
    node.visit(&mut |n| {
        let Node::Call {
            name, args, span, ..
        } = n
        else {
            return;
        };
        let Some(function) = functions::find(name) else {
            let hint = did_you_mean(name, functions::FUNCTIONS.iter().map(|f| f.name))
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| {
                    "the functions are listed in docs/language.md (Functions)".to_string()
                });
            diags.push(
                Diagnostic::new(
                    "eco::unknown_function",
                    format!("unknown function `{name}`"),
                )
                .at(*span, "no such function")
                .help(hint),
            );
            return;
        };
        if let Err(d) = function.check_arity(args.len(), *span) {
            diags.push(d);
            return;
        }
        for (i, arg) in args.iter().enumerate() {
            let want = function.param(i);
            let found = arg.static_type();
            if !want.accepts(found) {
                diags.push(
                    Diagnostic::new(
                        "eco::type_error",
                        format!(
                            "argument {} of `{name}` must be {}, found {}",
                            i + 1,
                            want.describe(),
                            found.describe()
                        ),
                    )
                    .at(arg.span(), format!("expected {}", want.describe()))
                    .help(format!("{name}: {}", function.signature)),
                );
            }
        }
    });
}

/// Parses the text between `${` and `}`. `origin` is where that text starts in the source, when
/// it is there verbatim; otherwise every node is placed at `whole` (the `${...}`).
pub fn parse(text: &str, whole: Span, origin: Option<usize>) -> Result<Node, Diagnostic> {
    let tokens = lex(text).map_err(|(at, why)| syntax(whole, origin, at, 1, why))?;
    let mut p = ExprParser {
        tokens,
        pos: 0,
        whole,
        origin,
        end: text.len(),
    };
    let node = p.ternary()?;
    if let Some(t) = p.tokens.get(p.pos) {
        return Err(syntax(
            whole,
            origin,
            t.at,
            t.len,
            format!("unexpected `{}` after the end of the expression", t.text()),
        ));
    }
    Ok(node)
}

fn syntax(whole: Span, origin: Option<usize>, at: usize, len: usize, why: String) -> Diagnostic {
    let span = place(whole, origin, at, len);
    Diagnostic::new(
        "eco::bad_expression",
        format!("cannot read the expression: {why}"),
    )
    .at(span, "here")
    .help(
        "an expression is a reference, a literal (\"text\", 3, true), a call `name(args)`, \
             `a == b`, `a && b`, `!a` or `cond ? a : b` (docs/language.md)",
    )
}

fn place(whole: Span, origin: Option<usize>, at: usize, len: usize) -> Span {
    match origin {
        Some(o) => Span::new(whole.file, o + at, len.max(1)),
        None => whole,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Int(i64),
    Float(f64),
    /// A name or a dotted path (`lower`, `var.x`, `dynamodb-table.t.arn`).
    Path(String),
    Punct(&'static str),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    at: usize,
    len: usize,
}

impl Token {
    fn text(&self) -> String {
        match &self.tok {
            Tok::Str(s) => format!("{s:?}"),
            Tok::Int(i) => i.to_string(),
            Tok::Float(f) => f.to_string(),
            Tok::Path(p) => p.clone(),
            Tok::Punct(p) => p.to_string(),
        }
    }
}

const PUNCTS: &[&str] = &[
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "?", ":", "(", ")", "[", "]", ",",
];

fn lex(text: &str) -> Result<Vec<Token>, (usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c == '"' {
            let mut s = String::new();
            i += 1;
            let mut chars = text[i..].char_indices();
            let mut closed = false;
            while let Some((j, ch)) = chars.next() {
                match ch {
                    '"' => {
                        i += j + 1;
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => s.push('\n'),
                        Some((_, 't')) => s.push('\t'),
                        Some((_, other)) => s.push(other),
                        None => break,
                    },
                    other => s.push(other),
                }
            }
            if !closed {
                return Err((start, "a string is never closed with `\"`".into()));
            }
            out.push(Token {
                tok: Tok::Str(s),
                at: start,
                len: i - start,
            });
            continue;
        }
        if c.is_ascii_digit() || (c == '-' && bytes.get(i + 1).is_some_and(|b| b.is_ascii_digit()))
        {
            i += 1;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let s = &text[start..i];
            let tok = if s.contains('.') {
                Tok::Float(
                    s.parse()
                        .map_err(|_| (start, format!("`{s}` is not a number")))?,
                )
            } else {
                Tok::Int(
                    s.parse()
                        .map_err(|_| (start, format!("`{s}` is not a number")))?,
                )
            };
            out.push(Token {
                tok,
                at: start,
                len: i - start,
            });
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let is_path_byte = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.');
            while i < bytes.len() && is_path_byte(bytes[i]) {
                i += 1;
                // An instance's key inside the path (`s3-bucket.data["a"].name`,
                // `module.site["ams"].bucket`): part of the reference, not a list.
                if i < bytes.len() && !is_path_byte(bytes[i]) && text[i..].starts_with("[\"") {
                    if let Some(close) = text[i + 2..].find("\"]") {
                        if !text[i + 2..i + 2 + close].contains('"') {
                            i += close + 4;
                        }
                    }
                }
            }
            out.push(Token {
                tok: Tok::Path(text[start..i].to_string()),
                at: start,
                len: i - start,
            });
            continue;
        }
        match PUNCTS.iter().find(|p| text[i..].starts_with(**p)) {
            Some(p) => {
                i += p.len();
                out.push(Token {
                    tok: Tok::Punct(p),
                    at: start,
                    len: p.len(),
                });
            }
            None => {
                let ch = text[i..].chars().next().unwrap_or(c);
                return Err((start, format!("unexpected `{ch}`")));
            }
        }
    }
    Ok(out)
}

struct ExprParser {
    tokens: Vec<Token>,
    pos: usize,
    whole: Span,
    origin: Option<usize>,
    end: usize,
}

impl ExprParser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn at(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |t| t.at)
    }

    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(q)) if *q == p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str, what: &str) -> Result<(), Diagnostic> {
        if self.eat(p) {
            return Ok(());
        }
        Err(self.error(format!("expected `{p}` {what}")))
    }

    fn error(&self, why: String) -> Diagnostic {
        let len = self.tokens.get(self.pos).map_or(1, |t| t.len);
        syntax(self.whole, self.origin, self.at(), len, why)
    }

    fn span_from(&self, start: usize) -> Span {
        let end = self
            .pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(start + 1, |t| t.at + t.len);
        place(self.whole, self.origin, start, end.saturating_sub(start))
    }

    fn ternary(&mut self) -> Result<Node, Diagnostic> {
        let start = self.at();
        let cond = self.binary(0)?;
        if !self.eat("?") {
            return Ok(cond);
        }
        let then = self.ternary()?;
        self.expect(":", "between the two results of `cond ? a : b`")?;
        let otherwise = self.ternary()?;
        Ok(Node::Cond {
            cond: Box::new(cond),
            then: Box::new(then),
            otherwise: Box::new(otherwise),
            span: self.span_from(start),
        })
    }

    /// Precedence climbing: `||` < `&&` < comparisons.
    fn binary(&mut self, level: usize) -> Result<Node, Diagnostic> {
        const LEVELS: &[&[(&str, BinOp)]] = &[
            &[("||", BinOp::Or)],
            &[("&&", BinOp::And)],
            &[
                ("==", BinOp::Eq),
                ("!=", BinOp::Ne),
                ("<=", BinOp::Le),
                (">=", BinOp::Ge),
                ("<", BinOp::Lt),
                (">", BinOp::Gt),
            ],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let start = self.at();
        let mut left = self.binary(level + 1)?;
        'outer: loop {
            for (text, op) in LEVELS[level] {
                if self.eat(text) {
                    let right = self.binary(level + 1)?;
                    left = Node::Binary {
                        op: *op,
                        left: Box::new(left),
                        right: Box::new(right),
                        span: self.span_from(start),
                    };
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn unary(&mut self) -> Result<Node, Diagnostic> {
        let start = self.at();
        if self.eat("!") {
            let inner = self.unary()?;
            return Ok(Node::Not(Box::new(inner), self.span_from(start)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, Diagnostic> {
        let start = self.at();
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Err(self.error("the expression ends too early".into()));
        };
        self.pos += 1;
        let span = place(self.whole, self.origin, token.at, token.len);
        match token.tok {
            Tok::Str(s) => Ok(Node::Literal(Value::String(s), span)),
            Tok::Int(i) => Ok(Node::Literal(Value::Int(i), span)),
            Tok::Float(f) => Ok(Node::Literal(Value::Float(f), span)),
            Tok::Punct("(") => {
                let inner = self.ternary()?;
                self.expect(")", "to close `(`")?;
                Ok(inner)
            }
            Tok::Punct("[") => {
                let items = self.items("]")?;
                Ok(Node::List(items, self.span_from(start)))
            }
            Tok::Punct(p) => {
                self.pos -= 1;
                Err(self.error(format!("unexpected `{p}`")))
            }
            Tok::Path(path) => {
                if self.eat("(") {
                    let args = self.items(")")?;
                    return Ok(Node::Call {
                        name: path,
                        args,
                        span: self.span_from(start),
                        base_dir: None,
                    });
                }
                match path.as_str() {
                    "true" => return Ok(Node::Literal(Value::Bool(true), span)),
                    "false" => return Ok(Node::Literal(Value::Bool(false), span)),
                    "null" => return Ok(Node::Literal(Value::Null, span)),
                    _ => {}
                }
                let target = parse_ref_target(&path).map_err(|why| {
                    Diagnostic::new(
                        "eco::bad_reference",
                        format!("`{path}` is not a reference eco understands: {why}"),
                    )
                    .at(span, "here")
                    .help(crate::expr::REFERENCE_HELP)
                })?;
                Ok(Node::Ref(Reference { target, span }))
            }
        }
    }

    /// Comma-separated expressions up to `close`.
    fn items(&mut self, close: &str) -> Result<Vec<Node>, Diagnostic> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Ok(items);
        }
        loop {
            items.push(self.ternary()?);
            if self.eat(close) {
                return Ok(items);
            }
            self.expect(",", &format!("or `{close}`"))?;
        }
    }
}
