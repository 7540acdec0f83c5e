//! The functions `${...}` expressions may call: one table ([`FUNCTIONS`]) of names, parameter
//! types, documentation and implementations. docs/language.md's table is checked against it.
//!
//! Every function is pure except the file functions, which read files relative to the
//! configuration's directory. An unknown argument makes the result unknown.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use md5::Digest as _;

use eco_schema::Value;

use crate::diagnostic::Diagnostic;
use crate::expression::Node;
use crate::source::Span;

/// The type of a value, as functions check their arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    String,
    Number,
    Bool,
    List,
    Map,
    Null,
    /// Any value; or, for an argument, a type known only once its value is.
    Any,
}

impl Ty {
    /// The type of a value (`Any` for an unknown one).
    pub fn of(v: &Value) -> Ty {
        match v {
            Value::Null => Ty::Null,
            Value::Bool(_) => Ty::Bool,
            Value::Int(_) | Value::Float(_) => Ty::Number,
            Value::String(_) => Ty::String,
            Value::List(_) => Ty::List,
            Value::Map(_) => Ty::Map,
            Value::Unknown => Ty::Any,
        }
    }

    /// "a string", "a list", ...
    pub fn describe(self) -> &'static str {
        match self {
            Ty::String => "a string",
            Ty::Number => "a number",
            Ty::Bool => "a bool",
            Ty::List => "a list",
            Ty::Map => "a map",
            Ty::Null => "null",
            Ty::Any => "any value",
        }
    }

    /// Whether a parameter of this type takes an argument of type `found` (numbers and bools
    /// are taken where a string is wanted, as interpolation takes them).
    pub fn accepts(self, found: Ty) -> bool {
        self == Ty::Any
            || found == Ty::Any
            || self == found
            || (self == Ty::String && matches!(found, Ty::Number | Ty::Bool))
    }
}

type Implementation = fn(&Call) -> Result<Value, String>;

/// One function of the library.
pub struct Function {
    /// The name written in `${name(...)}`.
    pub name: &'static str,
    /// The parameters' types, in order.
    pub params: &'static [Ty],
    /// How many of the last `params` may be left out.
    pub optional: usize,
    /// The type of any further arguments, when the function takes any number of them.
    pub rest: Option<Ty>,
    pub returns: Ty,
    /// `name(param, ...)`, as the docs and diagnostics show it.
    pub signature: &'static str,
    pub doc: &'static str,
    /// The group in the docs table.
    pub group: &'static str,
    run: Implementation,
}

impl Function {
    /// The type of the `i`th argument.
    pub fn param(&self, i: usize) -> Ty {
        self.params.get(i).copied().or(self.rest).unwrap_or(Ty::Any)
    }

    /// Checks the number of arguments.
    pub fn check_arity(&self, count: usize, span: Span) -> Result<(), Diagnostic> {
        let min = self.params.len() - self.optional;
        let max = if self.rest.is_some() {
            usize::MAX
        } else {
            self.params.len()
        };
        if (min..=max).contains(&count) {
            return Ok(());
        }
        let expected = match (min, max) {
            (a, b) if a == b => format!("{a}"),
            (a, usize::MAX) => format!("at least {a}"),
            (a, b) => format!("{a} to {b}"),
        };
        Err(Diagnostic::new(
            "eco::wrong_arguments",
            format!(
                "`{}` takes {expected} argument{}, found {count}",
                self.name,
                if expected == "1" { "" } else { "s" }
            ),
        )
        .at(span, "here")
        .help(format!("{}: {}", self.signature, self.doc)))
    }
}

/// The arguments of one call, checked against the function's parameters.
struct Call<'a> {
    values: &'a [Value],
    base_dir: Option<&'a Path>,
}

impl Call<'_> {
    fn str(&self, i: usize) -> String {
        self.values
            .get(i)
            .and_then(Value::interpolated)
            .unwrap_or_default()
    }
    fn int(&self, i: usize) -> i64 {
        match self.values.get(i) {
            Some(Value::Int(n)) => *n,
            Some(Value::Float(f)) => *f as i64,
            _ => 0,
        }
    }
    fn list(&self, i: usize) -> &[Value] {
        match self.values.get(i) {
            Some(Value::List(items)) => items,
            _ => &[],
        }
    }
    fn map(&self, i: usize) -> Option<&BTreeMap<String, Value>> {
        match self.values.get(i) {
            Some(Value::Map(m)) => Some(m),
            _ => None,
        }
    }
    /// A file's bytes, relative to the configuration's directory.
    fn file(&self, i: usize) -> Result<Vec<u8>, String> {
        let name = self.str(i);
        let path: PathBuf = match self.base_dir {
            Some(dir) if Path::new(&name).is_relative() => dir.join(&name),
            _ => PathBuf::from(&name),
        };
        std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
    }
}

macro_rules! f {
    ($name:literal, $group:literal, [$($p:ident),*], $opt:literal, $rest:expr, $ret:ident, $sig:literal, $doc:literal, $run:expr) => {
        Function {
            name: $name,
            params: &[$(Ty::$p),*],
            optional: $opt,
            rest: $rest,
            returns: Ty::$ret,
            signature: $sig,
            doc: $doc,
            group: $group,
            run: $run,
        }
    };
}

/// Every function, by group.
pub static FUNCTIONS: &[Function] = &[
    f!(
        "lower",
        "strings",
        [String],
        0,
        None,
        String,
        "lower(s)",
        "s in lower case",
        |c| Ok(Value::String(c.str(0).to_lowercase()))
    ),
    f!(
        "upper",
        "strings",
        [String],
        0,
        None,
        String,
        "upper(s)",
        "s in upper case",
        |c| Ok(Value::String(c.str(0).to_uppercase()))
    ),
    f!(
        "title",
        "strings",
        [String],
        0,
        None,
        String,
        "title(s)",
        "s with each word's first letter upper case",
        |c| Ok(Value::String(title(&c.str(0))))
    ),
    f!(
        "trim",
        "strings",
        [String],
        0,
        None,
        String,
        "trim(s)",
        "s without leading and trailing white space",
        |c| Ok(Value::String(c.str(0).trim().to_string()))
    ),
    f!(
        "replace",
        "strings",
        [String, String, String],
        0,
        None,
        String,
        "replace(s, from, to)",
        "s with every `from` replaced by `to`",
        |c| Ok(Value::String(c.str(0).replace(&c.str(1), &c.str(2))))
    ),
    f!(
        "format",
        "strings",
        [String],
        0,
        Some(Ty::Any),
        String,
        "format(spec, values...)",
        "spec with each `%s` (a value), `%d` (a number) replaced in order; `%%` is `%`",
        format
    ),
    f!(
        "join",
        "strings",
        [String, List],
        0,
        None,
        String,
        "join(separator, list)",
        "the list's strings joined with separator",
        |c| {
            let parts = c
                .list(1)
                .iter()
                .map(|v| v.interpolated().ok_or("join takes a list of strings"))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::String(parts.join(&c.str(0))))
        }
    ),
    f!(
        "split",
        "strings",
        [String, String],
        0,
        None,
        List,
        "split(separator, s)",
        "the parts of s between separators",
        |c| Ok(Value::List(
            c.str(1)
                .split(&c.str(0))
                .map(|s| Value::String(s.to_string()))
                .collect()
        ))
    ),
    f!(
        "substr",
        "strings",
        [String, Number, Number],
        0,
        None,
        String,
        "substr(s, offset, length)",
        "length characters of s from offset (length -1: to the end)",
        |c| {
            let s = c.str(0);
            let offset =
                usize::try_from(c.int(1)).map_err(|_| "substr's offset must not be negative")?;
            let chars = s.chars().skip(offset);
            Ok(Value::String(match c.int(2) {
                -1 => chars.collect(),
                n if n < 0 => return Err("substr's length must be -1 or more".into()),
                n => chars.take(n as usize).collect(),
            }))
        }
    ),
    f!(
        "merge",
        "collections",
        [Map],
        0,
        Some(Ty::Map),
        Map,
        "merge(maps...)",
        "one map with every key; later maps win",
        |c| {
            let mut out = BTreeMap::new();
            for i in 0..c.values.len() {
                out.extend(
                    c.map(i)
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
            }
            Ok(Value::Map(out))
        }
    ),
    f!(
        "concat",
        "collections",
        [List],
        0,
        Some(Ty::List),
        List,
        "concat(lists...)",
        "one list of every list's items, in order",
        |c| Ok(Value::List(
            (0..c.values.len())
                .flat_map(|i| c.list(i).to_vec())
                .collect()
        ))
    ),
    f!(
        "keys",
        "collections",
        [Map],
        0,
        None,
        List,
        "keys(map)",
        "the map's keys, sorted",
        |c| Ok(Value::List(
            c.map(0)
                .into_iter()
                .flatten()
                .map(|(k, _)| Value::String(k.clone()))
                .collect()
        ))
    ),
    f!(
        "values",
        "collections",
        [Map],
        0,
        None,
        List,
        "values(map)",
        "the map's values, in key order",
        |c| Ok(Value::List(
            c.map(0)
                .into_iter()
                .flatten()
                .map(|(_, v)| v.clone())
                .collect()
        ))
    ),
    f!(
        "lookup",
        "collections",
        [Map, String, Any],
        1,
        None,
        Any,
        "lookup(map, key, default)",
        "the map's value for key; default when it has none (an error without default)",
        |c| {
            let key = c.str(1);
            match (c.map(0).and_then(|m| m.get(&key)), c.values.get(2)) {
                (Some(v), _) => Ok(v.clone()),
                (None, Some(default)) => Ok(default.clone()),
                (None, None) => Err(format!(
                    "the map has no key `{key}` (give lookup a default as its third argument)"
                )),
            }
        }
    ),
    f!(
        "contains",
        "collections",
        [Any, Any],
        0,
        None,
        Bool,
        "contains(list or string, value)",
        "whether the list has the value, or the string the substring",
        |c| match &c.values[0] {
            Value::List(items) => Ok(Value::Bool(items.contains(&c.values[1]))),
            Value::String(s) => Ok(Value::Bool(s.contains(&c.str(1)))),
            other => Err(format!(
                "contains takes a list or a string, found {}",
                Ty::of(other).describe()
            )),
        }
    ),
    f!(
        "length",
        "collections",
        [Any],
        0,
        None,
        Number,
        "length(list, map or string)",
        "how many items, keys or characters",
        |c| match &c.values[0] {
            Value::List(items) => Ok(Value::Int(items.len() as i64)),
            Value::Map(m) => Ok(Value::Int(m.len() as i64)),
            Value::String(s) => Ok(Value::Int(s.chars().count() as i64)),
            other => Err(format!(
                "length takes a list, a map or a string, found {}",
                Ty::of(other).describe()
            )),
        }
    ),
    f!(
        "json-encode",
        "encoding",
        [Any],
        0,
        None,
        String,
        "json-encode(value)",
        "the value as JSON text",
        |c| Ok(Value::String(c.values[0].to_json().to_string()))
    ),
    f!(
        "json-decode",
        "encoding",
        [String],
        0,
        None,
        Any,
        "json-decode(s)",
        "the value JSON text s stands for",
        |c| serde_json::from_str::<serde_json::Value>(&c.str(0))
            .map(|j| Value::from_json(&j))
            .map_err(|e| format!("not JSON: {e}"))
    ),
    f!(
        "base64-encode",
        "encoding",
        [String],
        0,
        None,
        String,
        "base64-encode(s)",
        "s in base64",
        |c| Ok(Value::String(
            base64::engine::general_purpose::STANDARD.encode(c.str(0))
        ))
    ),
    f!(
        "base64-decode",
        "encoding",
        [String],
        0,
        None,
        String,
        "base64-decode(s)",
        "the UTF-8 text base64 s encodes",
        |c| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(c.str(0))
                .map_err(|e| format!("not base64: {e}"))?;
            String::from_utf8(bytes)
                .map(Value::String)
                .map_err(|_| "the decoded bytes are not UTF-8 text".into())
        }
    ),
    f!(
        "url-encode",
        "encoding",
        [String],
        0,
        None,
        String,
        "url-encode(s)",
        "s percent-encoded for a URL (all but letters, digits and `-_.~`)",
        |c| Ok(Value::String(url_encode(&c.str(0))))
    ),
    f!(
        "sha256",
        "encoding",
        [String],
        0,
        None,
        String,
        "sha256(s)",
        "hex SHA-256 of s",
        |c| Ok(Value::String(hex(&sha2::Sha256::digest(
            c.str(0).as_bytes()
        ))))
    ),
    f!(
        "md5",
        "encoding",
        [String],
        0,
        None,
        String,
        "md5(s)",
        "hex MD5 of s",
        |c| Ok(Value::String(hex(&md5::Md5::digest(c.str(0).as_bytes()))))
    ),
    f!(
        "file",
        "files",
        [String],
        0,
        None,
        String,
        "file(path)",
        "the UTF-8 text of a file, relative to the configuration's directory",
        |c| String::from_utf8(c.file(0)?)
            .map(Value::String)
            .map_err(|_| format!("`{}` is not UTF-8 text", c.str(0)))
    ),
    f!(
        "template-file",
        "files",
        [String, Map],
        1,
        None,
        String,
        "template-file(path, vars)",
        "a file's text with each `${NAME}` replaced by vars' NAME",
        template_file
    ),
    f!(
        "file-sha256",
        "files",
        [String],
        0,
        None,
        String,
        "file-sha256(path)",
        "hex SHA-256 of a file",
        |c| Ok(Value::String(hex(&sha2::Sha256::digest(c.file(0)?))))
    ),
    f!(
        "file-md5",
        "files",
        [String],
        0,
        None,
        String,
        "file-md5(path)",
        "hex MD5 of a file",
        |c| Ok(Value::String(hex(&md5::Md5::digest(c.file(0)?))))
    ),
];

/// The function of that name.
pub fn find(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Calls `name` with evaluated arguments (`args` are their nodes, for locations).
pub(crate) fn call(
    name: &str,
    values: &[Value],
    args: &[Node],
    span: Span,
    base_dir: Option<&Path>,
) -> Result<Value, Diagnostic> {
    let function = find(name).ok_or_else(|| {
        Diagnostic::new(
            "eco::unknown_function",
            format!("unknown function `{name}`"),
        )
        .at(span, "no such function")
    })?;
    function.check_arity(values.len(), span)?;
    if values.iter().any(Value::contains_unknown) {
        return Ok(Value::Unknown);
    }
    for (i, v) in values.iter().enumerate() {
        let want = function.param(i);
        if !want.accepts(Ty::of(v)) {
            let at = args.get(i).map_or(span, Node::span);
            return Err(Diagnostic::new(
                "eco::type_error",
                format!(
                    "argument {} of `{name}` must be {}, found {}",
                    i + 1,
                    want.describe(),
                    Ty::of(v).describe()
                ),
            )
            .at(at, format!("expected {}", want.describe()))
            .help(format!("{}: {}", function.signature, function.doc)));
        }
    }
    (function.run)(&Call { values, base_dir }).map_err(|why| {
        Diagnostic::new("eco::function_error", format!("`{name}` failed: {why}"))
            .at(span, "in this call")
            .help(format!("{}: {}", function.signature, function.doc))
    })
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for ch in s.chars() {
        if start {
            out.extend(ch.to_uppercase());
        } else {
            out.push(ch);
        }
        start = !ch.is_alphanumeric();
    }
    out
}

fn format(c: &Call) -> Result<Value, String> {
    let spec = c.str(0);
    let mut out = String::new();
    let mut next = 1;
    let mut chars = spec.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let verb = chars.next().ok_or("the spec ends with a lone `%`")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let v = c
            .values
            .get(next)
            .ok_or_else(|| format!("`%{verb}` number {next} has no value"))?;
        next += 1;
        match (verb, v) {
            ('d', Value::Int(_) | Value::Float(_)) | ('s', _) => {
                out.push_str(&v.interpolated().ok_or_else(|| {
                    format!(
                        "`%{verb}` takes a string or a number, found {}",
                        Ty::of(v).describe()
                    )
                })?);
            }
            ('d', other) => {
                return Err(format!(
                    "`%d` takes a number, found {}",
                    Ty::of(other).describe()
                ))
            }
            (other, _) => return Err(format!("unknown verb `%{other}` (use %s, %d or %%)")),
        }
    }
    if next < c.values.len() {
        return Err(format!(
            "{} value(s) more than the spec's verbs",
            c.values.len() - next
        ));
    }
    Ok(Value::String(out))
}

fn template_file(c: &Call) -> Result<Value, String> {
    let text = String::from_utf8(c.file(0)?).map_err(|_| "the template is not UTF-8 text")?;
    let empty = BTreeMap::new();
    let vars = c.map(1).unwrap_or(&empty);
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let close = after
            .find('}')
            .ok_or("a `${` in the template is never closed")?;
        let name = after[..close].trim();
        let value = vars.get(name).ok_or_else(|| {
            let known: Vec<&str> = vars.keys().map(String::as_str).collect();
            format!(
                "the template uses `${{{name}}}` but vars has no `{name}` (it has: {})",
                known.join(", ")
            )
        })?;
        out.push_str(
            &value
                .interpolated()
                .ok_or_else(|| format!("`{name}` is a list or map"))?,
        );
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(Value::String(out))
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The docs table of every function (`| name(args) | what it gives |`), grouped.
pub fn docs_table() -> String {
    let mut out = String::from("| Function | Group | Gives |\n|---|---|---|\n");
    for f in FUNCTIONS {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            f.signature, f.group, f.doc
        ));
    }
    out
}
