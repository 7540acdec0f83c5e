//! Structured values (lists and maps written as KDL children), `for-each` resources and the
//! substitution of `${each.*}` / `${param.*}` references by values.
//!
//! A structured value is written as the children of the node that holds it: a child named `-`
//! is a list element (`- "a"`, or `- memory=512` for a map), any other child is a map entry named
//! by its node name (`assets memory=512`, `region "eu-west-1"`, `nested { ... }`).

use std::collections::{BTreeMap, HashMap};

use eco_kdl::{Node as KdlNode, Value as KdlValue};
use eco_schema::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{is_identifier, Address, Expr, Part, RefTarget, Reference, Resolver, Template};
use crate::expression::Node;
use crate::model::{Config, ForEachResource, Resource};
use crate::source::{FileId, Span};
use crate::stage::StageContext;

/// The diagnostic for `${each.*}`, `${param.*}` or `${module.*}` evaluated where nothing
/// replaced it.
pub(crate) fn unexpanded(r: &Reference) -> Diagnostic {
    let (what, help) = match &r.target {
        RefTarget::Each(_) => (
            "`each` is only defined inside a resource with `for-each`",
            "add `for-each \"${var.NAME}\"` to the resource, or use a variable",
        ),
        RefTarget::Param(_) => (
            "`param` is only defined inside a module",
            "at the root of a configuration, use `${var.NAME}`",
        ),
        _ => (
            "a module output is not known here",
            "reference a module's output from the configuration that calls it",
        ),
    };
    Diagnostic::new("eco::bad_reference", format!("`${{{}}}`: {what}", r.target))
        .at(r.span, "here")
        .help(help)
}

/// Parses a reference with an instance key: `TYPE.NAME["KEY"].ATTR...`.
pub(crate) fn parse_keyed_ref(s: &str) -> Result<RefTarget, &'static str> {
    const FORM: &str = "an instance of a for-each resource is `TYPE.NAME[\"KEY\"].ATTRIBUTE`";
    let open = s.find("[\"").ok_or(FORM)?;
    let close = s[open + 2..].find("\"]").ok_or(FORM)? + open + 2;
    let key = &s[open + 2..close];
    let head: Vec<&str> = s[..open].split('.').collect();
    let tail = &s[close + 2..];
    let path: Vec<&str> = match tail.strip_prefix('.') {
        Some(t) => t.split('.').collect(),
        None => return Err("name the attribute too: `TYPE.NAME[\"KEY\"].ATTRIBUTE`"),
    };
    if key.contains('"') || head.iter().chain(&path).any(|seg| !is_identifier(seg)) {
        return Err(FORM);
    }
    match (head.as_slice(), path.as_slice()) {
        (["module", call], [output]) => Ok(RefTarget::ModuleOutput {
            call: crate::expr::module_instance(call, key),
            output: output.to_string(),
        }),
        (["module", _], _) => {
            Err("an output of a for-each module call is `module.CALL[\"KEY\"].OUTPUT`")
        }
        ([ty, name], _) => Ok(RefTarget::Resource {
            address: Address::new(*ty, *name).with_key(key),
            path: path.iter().map(|p| p.to_string()).collect(),
        }),
        _ => Err(FORM),
    }
}

/// A value as an expression (with no references) that evaluates back to it.
pub fn value_to_expr(v: &Value, span: Span) -> Expr {
    match v {
        Value::Null | Value::Unknown => Expr::Null,
        Value::Bool(b) => Expr::Bool(*b),
        Value::Int(i) => Expr::Int(*i),
        Value::Float(f) => Expr::Float(*f),
        Value::String(s) => Expr::Str(Template {
            parts: vec![Part::Literal(s.clone())],
            span,
        }),
        Value::List(items) => Expr::List(items.iter().map(|i| value_to_expr(i, span)).collect()),
        Value::Map(m) => Expr::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), value_to_expr(v, span)))
                .collect(),
        ),
    }
}

/// What a reference is replaced by: `None` keeps it.
pub(crate) type Replacement<'a> = dyn FnMut(&Reference) -> Option<Result<Expr, Diagnostic>> + 'a;

/// The expression with references replaced as `replace` says. A reference that is the whole
/// string is replaced by the expression itself (keeping its type); one inside a longer string is
/// replaced by the expression's text, which must then be a scalar.
pub(crate) fn substitute(expr: &Expr, replace: &mut Replacement<'_>) -> Result<Expr, Diagnostic> {
    Ok(match expr {
        Expr::Str(t) => {
            if let Some(r) = t.single_ref() {
                if let Some(e) = replace(r) {
                    return e;
                }
                return Ok(expr.clone());
            }
            let mut parts: Vec<Part> = Vec::with_capacity(t.parts.len());
            let push_literal = |parts: &mut Vec<Part>, s: &str| match parts.last_mut() {
                Some(Part::Literal(l)) => l.push_str(s),
                _ => parts.push(Part::Literal(s.to_string())),
            };
            for p in &t.parts {
                match p {
                    Part::Literal(s) => push_literal(&mut parts, s),
                    // `${upper(each.key)}`: the references inside a call or a comparison are
                    // replaced by their values, inlined.
                    Part::Expr(e) => {
                        let mut e = e.clone();
                        let mut failed = None;
                        e.node.visit_mut(&mut |n| {
                            let replaced = match n {
                                Node::Ref(r) => replace(r).map(|v| (v, r.span)),
                                Node::Inline(inner, span) => {
                                    Some((substitute(inner, &mut *replace), *span))
                                }
                                _ => None,
                            };
                            match replaced {
                                Some((Ok(v), span)) => *n = Node::Inline(Box::new(v), span),
                                Some((Err(d), _)) => failed = Some(d),
                                None => {}
                            }
                        });
                        if let Some(d) = failed {
                            return Err(d);
                        }
                        parts.push(Part::Expr(e));
                    }
                    Part::Ref(r) => match replace(r) {
                        None => parts.push(p.clone()),
                        Some(e) => match e? {
                            Expr::Str(inner) => {
                                for ip in inner.parts {
                                    match ip {
                                        Part::Literal(s) => push_literal(&mut parts, &s),
                                        other => parts.push(other),
                                    }
                                }
                            }
                            Expr::Null => {}
                            Expr::Bool(b) => push_literal(&mut parts, &b.to_string()),
                            Expr::Int(i) => push_literal(&mut parts, &i.to_string()),
                            Expr::Float(f) => push_literal(&mut parts, &f.to_string()),
                            Expr::List(_) | Expr::Map(_) => {
                                return Err(Diagnostic::new(
                                    "eco::not_interpolable",
                                    format!(
                                        "`{}` is a list or map and cannot be part of a string",
                                        r.target
                                    ),
                                )
                                .at(r.span, "not a string")
                                .help("use it alone as the whole value: \"${...}\""))
                            }
                        },
                    },
                }
            }
            Expr::Str(Template {
                parts,
                span: t.span,
            })
        }
        Expr::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for e in items {
                let whole_ref = matches!(e, Expr::Str(t) if t.single_ref().is_some());
                match substitute(e, replace)? {
                    // `names "${param.list}"`: the list's elements, not a list inside a list.
                    Expr::List(inner) if whole_ref => out.extend(inner),
                    other => out.push(other),
                }
            }
            Expr::List(out)
        }
        Expr::Map(m) => Expr::Map(
            m.iter()
                .map(|(k, e)| Ok((k.clone(), substitute(e, replace)?)))
                .collect::<Result<_, Diagnostic>>()?,
        ),
        other => other.clone(),
    })
}

/// A structured value written as the children of `node` (see the module doc).
pub(crate) fn structured_value(
    file: FileId,
    node: &KdlNode,
    what: &str,
) -> Result<Value, Diagnostic> {
    let children = node.child_nodes();
    let span_of = |s: eco_kdl::Span| Span::new(file, s.offset(), s.len());
    let items = children.iter().filter(|c| c.name().value() == "-").count();
    if items > 0 && items < children.len() {
        let odd = children
            .iter()
            .find(|c| (c.name().value() == "-") != (items > children.len() / 2))
            .unwrap_or(&children[0]);
        return Err(Diagnostic::new(
            "eco::mixed_collection",
            format!("{what} mixes list elements (`-`) and map entries"),
        )
        .at(span_of(odd.name().span()), "this one is of the other kind")
        .help("a list is written `- VALUE` per element; a map `KEY VALUE` per entry"));
    }
    if items > 0 {
        return children
            .iter()
            .map(|c| element(file, c, what))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List);
    }
    let mut map = BTreeMap::new();
    for c in children {
        let key = c.name().value().to_string();
        if map.contains_key(&key) {
            return Err(Diagnostic::new(
                "eco::duplicate",
                format!("{what} has the key `{key}` twice"),
            )
            .at(span_of(c.name().span()), "second entry")
            .help("keys of a map are unique"));
        }
        let v = element(file, c, what)?;
        map.insert(key, v);
    }
    Ok(Value::Map(map))
}

/// One element or entry: a single argument (a scalar), properties (a map of scalars) or
/// children (a nested structured value).
fn element(file: FileId, node: &KdlNode, what: &str) -> Result<Value, Diagnostic> {
    let span = Span::new(file, node.span().offset(), node.span().len());
    let args: Vec<&eco_kdl::Entry> = node.args().collect();
    let props: Vec<&eco_kdl::Entry> = node.props().collect();
    let has_children = !node.child_nodes().is_empty();
    let shape_error = || {
        Diagnostic::new(
            "eco::type_error",
            format!("{what}: an element is one value, properties or a block, not several"),
        )
        .at(span, "ambiguous element")
        .help("write `- \"a\"`, `- memory=512` or `KEY { ... }`")
    };
    match (args.as_slice(), props.is_empty(), has_children) {
        ([one], true, false) => Ok(plain(one.value())),
        ([], false, false) => Ok(Value::Map(
            props
                .iter()
                .map(|e| {
                    let k = e.name().map(|n| n.value().to_string()).unwrap_or_default();
                    (k, plain(e.value()))
                })
                .collect(),
        )),
        ([], true, true) => structured_value(file, node, what),
        ([], true, false) => Err(Diagnostic::new(
            "eco::missing_value",
            format!("{what}: an element has no value"),
        )
        .at(span, "empty")
        .help("write `- \"a\"` or `KEY \"value\"`")),
        _ => Err(shape_error()),
    }
}

fn plain(v: &KdlValue) -> Value {
    match v {
        KdlValue::String(s) => Value::String(s.clone()),
        KdlValue::Integer(i) => i64::try_from(*i)
            .map(Value::Int)
            .unwrap_or(Value::Float(*i as f64)),
        KdlValue::Float(f) => Value::Float(*f),
        KdlValue::Bool(b) => Value::Bool(*b),
        KdlValue::Null => Value::Null,
    }
}

/// A short description of a value's shape, for type errors.
pub fn shape_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
        Value::Unknown => "unknown",
        Value::String(_) => "a string",
    }
}

/// Whether `v` can stand where `expected` is declared: same shape (a number for a number).
pub fn same_shape(expected: &Value, v: &Value) -> bool {
    matches!(
        (expected, v),
        (Value::List(_), Value::List(_))
            | (Value::Map(_), Value::Map(_))
            | (Value::String(_), Value::String(_))
            | (Value::Bool(_), Value::Bool(_))
            | (Value::Int(_), Value::Int(_))
            | (
                Value::Float(_) | Value::Int(_),
                Value::Float(_) | Value::Int(_)
            )
            | (Value::Null, _)
            | (_, Value::Null)
    )
}

/// Resolves only the stage and variables: what a `for-each` collection may use.
struct StageOnly<'a>(&'a StageContext);

impl Resolver for StageOnly<'_> {
    fn stage(&self) -> &str {
        &self.0.name
    }
    fn var(&self, name: &str) -> Option<Value> {
        self.0.vars.get(name).cloned()
    }
    fn attribute(&self, _: &Address, _: &[String]) -> Value {
        Value::Unknown
    }
}

/// The instances of a `for-each` resource in a stage: (key, value) pairs, in key order.
pub fn for_each_instances(
    fe: &ForEachResource,
    stage: &StageContext,
) -> Result<Vec<(String, Value)>, Diagnostic> {
    collection_elements(
        &fe.collection,
        &fe.resource.address.to_string(),
        fe.span,
        stage,
    )
}

/// The (key, value) pairs of a `for-each` collection (of a resource, or of a generated block,
/// `owner` naming it), in key order, checked: known before apply, keys unique and usable.
fn collection_elements(
    collection: &Expr,
    owner: &str,
    span: Span,
    stage: &StageContext,
) -> Result<Vec<(String, Value)>, Diagnostic> {
    let collection = collection.eval(&StageOnly(stage))?;
    let not_a_collection = |found: &str| {
        Diagnostic::new(
            "eco::type_error",
            format!(
                "the for-each of {} must be a list of strings or a map, found {found}",
                owner
            ),
        )
        .at(span, "not a collection")
        .help("iterate a variable holding a list (`- \"a\"`) or a map (`KEY VALUE`); an empty one makes no instance")
    };
    if collection.contains_unknown() {
        return Err(Diagnostic::new(
            "eco::for_each_unknown",
            format!("the for-each of {} is not known before apply", owner),
        )
        .at(span, "depends on a resource")
        .help("for-each keys must be known when planning: iterate variables or literal values"));
    }
    let mut out: Vec<(String, Value)> = match collection {
        Value::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => out.push((s.clone(), Value::String(s))),
                    other => {
                        return Err(not_a_collection(&format!(
                            "a list holding {}",
                            shape_name(&other)
                        )))
                    }
                }
            }
            out
        }
        Value::Map(m) => m.into_iter().collect(),
        other => return Err(not_a_collection(shape_name(&other))),
    };
    out.sort_by(|a, b| a.0.cmp(&b.0));
    for pair in out.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(Diagnostic::new(
                "eco::duplicate",
                format!(
                    "the for-each of {} has the key `{}` twice",
                    owner, pair[0].0
                ),
            )
            .at(span, "duplicate key")
            .help("each element of a for-each list names one instance: make them unique"));
        }
    }
    for (key, _) in &out {
        if key.is_empty() || key.contains('"') || key.contains('\n') {
            return Err(Diagnostic::new(
                "eco::invalid_name",
                format!("`{key}` cannot be a for-each key of {}", owner),
            )
            .at(span, "bad key")
            .help("a key is a non-empty string without quotes or line breaks"));
        }
    }
    Ok(out)
}

/// The value at `path` (after `each`) for one instance.
pub(crate) fn each_value(key: &str, value: &Value, r: &Reference) -> Result<Value, Diagnostic> {
    let path = match &r.target {
        RefTarget::Each(p) => p,
        _ => unreachable!("only each references are looked up"),
    };
    if path[0] == "key" {
        return Ok(Value::String(key.to_string()));
    }
    let mut v = value;
    for field in &path[1..] {
        v = match v {
            Value::Map(m) => m.get(field).ok_or_else(|| {
                let fields: Vec<&str> = m.keys().map(String::as_str).collect();
                Diagnostic::new(
                    "eco::unknown_reference",
                    format!(
                        "`${{{}}}`: the element `{key}` has no field `{field}`",
                        r.target
                    ),
                )
                .at(r.span, "no such field")
                .help(format!("its fields: {}", fields.join(", ")))
            })?,
            other => {
                return Err(Diagnostic::new(
                    "eco::type_error",
                    format!(
                        "`${{{}}}`: the element `{key}` is {}, which has no fields",
                        r.target,
                        shape_name(other)
                    ),
                )
                .at(r.span, "not a map")
                .help("use `${each.value}` for an element that is a single value"))
            }
        };
    }
    Ok(v.clone())
}

/// The key of the map that stands, in a repeated block's list, for blocks generated from a
/// collection (`NAME for-each=... { ... }`) until the stage is known: it holds the collection.
/// (No KDL name can start with U+0001, so no block written by hand looks like one.)
const DYNAMIC_COLLECTION: &str = "\u{1}for-each";
/// The generated block's template (a list of one block), `${each.*}` still in it.
const DYNAMIC_TEMPLATE: &str = "\u{1}block";

/// The placeholder for blocks generated from `collection` by `template` (see
/// [`DYNAMIC_COLLECTION`]); `span` is the `for-each=` entry's, kept in a reference-free literal so
/// that errors about the collection point at it. Passes over attributes (module parameters,
/// locals, reference checks) see inside it as in any other value.
pub(crate) fn dynamic_block(collection: Expr, template: Expr, span: Span) -> Expr {
    let collection = match collection {
        // A literal (or a `${...}` the passes above resolve): keep where it was written.
        Expr::Str(t) => Expr::Str(Template { span, ..t }),
        other => other,
    };
    Expr::Map(BTreeMap::from([
        (DYNAMIC_COLLECTION.to_string(), collection),
        (DYNAMIC_TEMPLATE.to_string(), template),
    ]))
}

/// The collection and template of a generated block's placeholder; `None` for any other value.
pub(crate) fn as_dynamic_block(e: &Expr) -> Option<(&Expr, &Expr)> {
    match e {
        Expr::Map(m) => Some((m.get(DYNAMIC_COLLECTION)?, m.get(DYNAMIC_TEMPLATE)?)),
        _ => None,
    }
}

/// Whether any attribute of `resource` holds generated blocks.
fn has_dynamic_blocks(resource: &Resource) -> bool {
    resource.attributes.values().any(|a| {
        matches!(&a.expr, Expr::List(items) if items.iter().any(|i| as_dynamic_block(i).is_some()))
    })
}

/// `resource` with its generated blocks made, one per element of their collections in this
/// stage, in key order, after the blocks written out.
fn expand_dynamic_blocks(resource: &mut Resource, stage: &StageContext) -> Result<(), Diagnostic> {
    let address = resource.address.clone();
    for (name, attr) in resource.attributes.iter_mut() {
        let Expr::List(items) = &attr.expr else {
            continue;
        };
        if !items.iter().any(|i| as_dynamic_block(i).is_some()) {
            continue;
        }
        let mut written = Vec::with_capacity(items.len());
        let mut generated = Vec::new();
        for item in items {
            let Some((collection, template)) = as_dynamic_block(item) else {
                written.push(item.clone());
                continue;
            };
            let span = match collection {
                Expr::Str(t) => t.span,
                _ => attr.span,
            };
            let owner = format!("`{name}` in {address}");
            for (key, value) in collection_elements(collection, &owner, span, stage)? {
                let mut replace = |r: &Reference| match &r.target {
                    RefTarget::Each(_) => {
                        Some(each_value(&key, &value, r).map(|v| value_to_expr(&v, r.span)))
                    }
                    _ => None,
                };
                match substitute(template, &mut replace)? {
                    Expr::List(blocks) => generated.extend(blocks),
                    other => generated.push(other),
                }
            }
        }
        written.extend(generated);
        attr.expr = Expr::List(written);
    }
    Ok(())
}

/// One instance of a `for-each` resource: its address gets the key, and `${each.*}` the
/// instance's values.
pub fn instance(fe: &ForEachResource, key: &str, value: &Value) -> Result<Resource, Diagnostic> {
    let mut resource = fe.resource.clone();
    resource.address = resource.address.with_key(key);
    let mut replace = |r: &Reference| match &r.target {
        RefTarget::Each(_) => Some(each_value(key, value, r).map(|v| value_to_expr(&v, r.span))),
        _ => None,
    };
    for attr in resource.attributes.values_mut() {
        attr.expr = substitute(&attr.expr, &mut replace)?;
    }
    Ok(resource)
}

impl Config {
    /// Whether [`Config::for_stage`] has anything to expand (`for-each` resources or module
    /// calls, generated blocks): a configuration without is its own stage's as it is, and a
    /// caller that owns it can keep it instead of taking the copy `for_stage` makes.
    pub fn expands_per_stage(&self) -> bool {
        !self.module_for_each.is_empty()
            || !self.for_each.is_empty()
            || self.resources.iter().any(has_dynamic_blocks)
    }

    /// The configuration for a stage: every `for-each` resource expanded into its instances
    /// (`TYPE.NAME["KEY"]`), references to instances checked. A configuration without
    /// `for-each` comes back as it was.
    pub fn for_stage(&self, stage: &StageContext) -> Result<Config, Diagnostics> {
        if !self.module_for_each.is_empty() {
            return self.with_module_instances(stage)?.for_stage(stage);
        }
        let dynamic = self.resources.iter().any(has_dynamic_blocks)
            || self
                .for_each
                .iter()
                .any(|fe| has_dynamic_blocks(&fe.resource));
        if self.for_each.is_empty() && !dynamic {
            return Ok(self.clone());
        }
        let mut config = self.clone();
        config.for_each.clear();
        let mut diags = Diagnostics::default();
        if dynamic {
            for r in config
                .resources
                .iter_mut()
                .filter(|r| has_dynamic_blocks(r))
            {
                if let Err(d) = expand_dynamic_blocks(r, stage) {
                    diags.push(d);
                }
            }
        }
        for fe in &self.for_each {
            let mut expanded;
            let fe = if has_dynamic_blocks(&fe.resource) {
                expanded = fe.clone();
                if let Err(d) = expand_dynamic_blocks(&mut expanded.resource, stage) {
                    diags.push(d);
                    continue;
                }
                &expanded
            } else {
                fe
            };
            match for_each_instances(fe, stage) {
                Ok(pairs) => {
                    for (key, value) in pairs {
                        match instance(fe, &key, &value) {
                            Ok(r) => config.resources.push(r),
                            Err(d) => diags.push(d),
                        }
                    }
                }
                Err(d) => diags.push(d),
            }
        }
        // `depends-on "TYPE.NAME"` naming a for-each resource waits for all its instances.
        let blocks: std::collections::HashSet<Address> = self
            .for_each
            .iter()
            .map(|fe| fe.resource.address.clone())
            .collect();
        let instances: Vec<Address> = config
            .resources
            .iter()
            .filter(|r| r.address.key.is_some() && blocks.contains(&r.address.block()))
            .map(|r| r.address.clone())
            .collect();
        for r in &mut config.resources {
            if r.depends_on.iter().any(|(a, _)| blocks.contains(a)) {
                let mut expanded = Vec::new();
                for (a, span) in std::mem::take(&mut r.depends_on) {
                    if blocks.contains(&a) {
                        expanded.extend(
                            instances
                                .iter()
                                .filter(|i| i.block() == a)
                                .map(|i| (i.clone(), span)),
                        );
                    } else {
                        expanded.push((a, span));
                    }
                }
                r.depends_on = expanded;
            }
        }
        if diags.is_empty() {
            check_instance_references(&config, &mut diags);
        }
        if diags.is_empty() {
            Ok(config)
        } else {
            Err(diags)
        }
    }
}

impl Config {
    /// The configuration with each for-each module call made into its instances for this
    /// stage (`module.CALL["KEY"].TYPE.RES`), and `${module.CALL["KEY"].OUTPUT}` replaced by
    /// the instance's output.
    fn with_module_instances(&self, stage: &StageContext) -> Result<Config, Diagnostics> {
        let mut config = self.clone();
        config.module_for_each.clear();
        let mut diags = Diagnostics::default();
        let mut outputs: HashMap<(String, String), Expr> = HashMap::new();
        // The keys each call (by its path) has in this stage.
        let mut keys: HashMap<String, Vec<String>> = HashMap::new();
        // Calls inside the modules of instances are made after those instances.
        let mut pending: std::collections::VecDeque<crate::model::ModuleForEach> =
            self.module_for_each.iter().cloned().collect();
        while let Some(m) = pending.pop_front() {
            let base = crate::module::instance_path(&m, "")
                .trim_end_matches("[\"\"]")
                .to_string();
            let owner = format!("module `{base}`");
            let pairs = match collection_elements(&m.collection, &owner, m.span, stage) {
                Ok(pairs) => pairs,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            for (key, value) in pairs {
                keys.entry(base.clone()).or_default().push(key.clone());
                match crate::module::instance_of(&m, &key, &value) {
                    Ok(((resources, for_each, instance_outputs, nested), moved)) => {
                        config.resources.extend(resources);
                        config.for_each.extend(for_each);
                        config.moved.extend(moved);
                        pending.extend(nested);
                        let call = crate::module::instance_path(&m, &key);
                        for (name, e) in instance_outputs {
                            outputs.insert((call.clone(), name), e);
                        }
                    }
                    Err(ds) => diags.0.extend(ds.0),
                }
            }
        }
        let mut replace = |r: &Reference| match &r.target {
            RefTarget::ModuleOutput { call, output } => {
                let (base, _) = call.split_once("[\"")?;
                Some(
                    outputs
                        .get(&(call.clone(), output.clone()))
                        .cloned()
                        .ok_or_else(|| {
                            let known = keys.get(base).cloned().unwrap_or_default();
                            Diagnostic::new(
                                "eco::unknown_reference",
                                format!("unknown module instance `module.{call}`"),
                            )
                            .at(r.span, "no such instance in this stage")
                            .help(if known.is_empty() {
                                format!("module `{base}` has no instances in this stage")
                            } else {
                                format!("its keys in this stage: {}", known.join(", "))
                            })
                        }),
                )
            }
            _ => None,
        };
        // An output may name an output of an instance inside its module: replaced until none
        // is left (a module nests at most `module::MAX_DEPTH` deep).
        let mut fix = |e: &mut Expr, diags: &mut Diagnostics| {
            for _ in 0..=crate::module::MAX_DEPTH {
                match substitute(e, &mut replace) {
                    Ok(new) if new == *e => return,
                    Ok(new) => *e = new,
                    Err(d) => return diags.push(d),
                }
            }
        };
        for r in &mut config.resources {
            for a in r.attributes.values_mut() {
                fix(&mut a.expr, &mut diags);
            }
        }
        for fe in &mut config.for_each {
            fix(&mut fe.collection, &mut diags);
            for a in fe.resource.attributes.values_mut() {
                fix(&mut a.expr, &mut diags);
            }
        }
        for o in &mut config.outputs {
            fix(&mut o.value, &mut diags);
        }
        config.reset_index();
        if diags.is_empty() {
            Ok(config)
        } else {
            Err(diags)
        }
    }
}

/// References to instances that the stage's collections do not have.
fn check_instance_references(config: &Config, diags: &mut Diagnostics) {
    let mut check = |r: &Reference| {
        if let RefTarget::Resource { address, .. } = &r.target {
            if address.key.is_some() && config.resource(address).is_none() {
                let keys: Vec<String> = config
                    .resources
                    .iter()
                    .filter(|c| c.address.block() == address.block())
                    .filter_map(|c| c.address.key.clone())
                    .collect();
                diags.push(
                    Diagnostic::new(
                        "eco::unknown_reference",
                        format!("unknown instance `{address}`"),
                    )
                    .at(r.span, "no such instance in this stage")
                    .help(if keys.is_empty() {
                        format!("{} has no instances in this stage", address.block())
                    } else {
                        format!("its keys in this stage: {}", keys.join(", "))
                    }),
                );
            }
        }
    };
    for res in &config.resources {
        for r in res.references() {
            check(r);
        }
    }
    for o in &config.outputs {
        for r in o.value.references() {
            check(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;

    fn load(text: &str) -> Result<Config, crate::LoadError> {
        let mut sources = Sources::new();
        sources.add("main.kdl", text.to_string());
        let mut registry = eco_schema::Registry::new();
        registry.register(
            eco_schema::Schema::new("thing", "a test type")
                .attr(eco_schema::Attribute::string("name").required())
                .attr(eco_schema::Attribute::int("size")),
        );
        crate::parse_sources(sources, &registry)
    }

    #[test]
    fn addresses_with_keys_and_modules_round_trip() {
        for s in [
            "thing.a",
            "thing.a[\"k\"]",
            "thing.a[\"app.example.com\"]",
            "module.site.thing.a",
            "module.x.module.y.thing.a[\"k\"]",
        ] {
            let a = Address::parse(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(a.to_string(), s);
        }
        for bad in [
            "thing",
            "thing.a.b",
            "thing.a[k]",
            "thing.a[\"k\"",
            "module.x.thing",
        ] {
            assert!(Address::parse(bad).is_none(), "{bad}");
        }
        let a = Address::parse("thing.a[\"k\"]").unwrap();
        assert_eq!(a.block(), Address::new("thing", "a"));
    }

    #[test]
    fn for_each_expands_per_stage_with_each_values() {
        let config = load(
            r#"
var "sizes" {
    small size=1
    large size=9
}
thing "t" {
    for-each "${var.sizes}"
    name "t-${each.key}"
    size "${each.value.size}"
}
thing "u" {
    name "${thing.t[\"large\"].name}"
    depends-on "thing.t"
}
"#,
        )
        .unwrap();
        assert_eq!(config.resources.len(), 1);
        let stage = config.select_stage(None, &[]).unwrap();
        let expanded = config.for_stage(&stage).unwrap();
        let large = expanded
            .resource(&Address::new("thing", "t").with_key("large"))
            .unwrap();
        assert_eq!(
            large.attributes["size"].expr,
            Expr::Int(9),
            "each.value.size keeps its type"
        );
        let u = expanded.resource(&Address::new("thing", "u")).unwrap();
        assert_eq!(u.depends_on.len(), 2, "depends-on waits for every instance");
        // -var replaces the map: `large` is gone, and so the reference to it is a diagnostic.
        let stage = config
            .select_stage(None, &[("sizes".into(), r#"{"small":{"size":2}}"#.into())])
            .unwrap();
        let err = config.for_stage(&stage).unwrap_err();
        assert!(err.0[0].message.contains("unknown instance"), "{err}");
    }

    /// `thing` with a repeated labelled block `rule "NAME" size=N`.
    fn load_with_blocks(text: &str) -> Result<Config, crate::LoadError> {
        let mut sources = Sources::new();
        sources.add("main.kdl", text.to_string());
        let mut registry = eco_schema::Registry::new();
        registry.register(
            eco_schema::Schema::new("thing", "a test type")
                .attr(eco_schema::Attribute::string("name").required())
                .attr(eco_schema::Attribute::repeated_block(
                    "rule",
                    "name",
                    vec![
                        eco_schema::Attribute::string("name").required(),
                        eco_schema::Attribute::int("size"),
                    ],
                ))
                .attr(eco_schema::Attribute::int("size")),
        );
        crate::parse_sources(sources, &registry)
    }

    /// The (name, size) of each `rule` block of a resource.
    fn rules(r: &Resource) -> Vec<(String, Expr)> {
        let Expr::List(items) = &r.attributes["rule"].expr else {
            panic!("rule is a list: {:?}", r.attributes["rule"])
        };
        items
            .iter()
            .map(|i| {
                let Expr::Map(m) = i else { panic!("{i:?}") };
                let Expr::Str(name) = &m["name"] else {
                    panic!("{m:?}")
                };
                (
                    name.parts
                        .iter()
                        .map(|p| match p {
                            Part::Literal(l) => l.clone(),
                            other => panic!("{other:?}"),
                        })
                        .collect(),
                    m.get("size").cloned().unwrap_or(Expr::Null),
                )
            })
            .collect()
    }

    #[test]
    fn blocks_generated_from_a_collection_follow_the_stage() {
        let config = load_with_blocks(
            r#"
var "limits" {
    reads size=5
    writes size=2
}
stage "dev" { }
stage "prod" {
    var "limits" {
        reads size=50
    }
}
thing "t" {
    name "t"
    rule "written" size=1
    rule "${each.key}" for-each="${var.limits}" size="${each.value.size}"
}
thing "each" {
    for-each "${var.limits}"
    name "e-${each.key}"
    rule "only" for-each="${var.limits}" size="${each.value.size}"
}
"#,
        )
        .unwrap();
        let dev = config.select_stage(Some("dev"), &[]).unwrap();
        let expanded = config.for_stage(&dev).unwrap();
        let t = expanded.resource(&Address::new("thing", "t")).unwrap();
        assert_eq!(
            rules(t),
            vec![
                ("written".to_string(), Expr::Int(1)),
                ("reads".to_string(), Expr::Int(5)),
                ("writes".to_string(), Expr::Int(2)),
            ],
            "written blocks first, then one per element in key order, values typed"
        );
        // Inside a for-each resource, each names the block's element.
        let e = expanded
            .resource(&Address::new("thing", "each").with_key("writes"))
            .unwrap();
        assert_eq!(rules(e).len(), 2);
        let prod = config.select_stage(Some("prod"), &[]).unwrap();
        let expanded = config.for_stage(&prod).unwrap();
        let t = expanded.resource(&Address::new("thing", "t")).unwrap();
        assert_eq!(
            rules(t),
            vec![
                ("written".to_string(), Expr::Int(1)),
                ("reads".to_string(), Expr::Int(50)),
            ]
        );
        // An empty collection generates nothing.
        let none = config
            .select_stage(Some("dev"), &[("limits".into(), "{}".into())])
            .unwrap();
        let expanded = config.for_stage(&none).unwrap();
        let t = expanded.resource(&Address::new("thing", "t")).unwrap();
        assert_eq!(rules(t).len(), 1);
    }

    #[test]
    fn generated_blocks_and_their_mistakes() {
        // for-each= on something that is not a repeated block.
        let err = load_with_blocks(
            r#"var "l" { - "a"; }
thing "t" { name "x" for-each="${var.l}"; }"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("cannot take for-each="), "{err}");
        // each outside the generated block is still an error; inside it is its element.
        let err = load_with_blocks(
            r#"var "l" { - "a"; }
thing "t" { name "${each.key}"; rule "${each.key}" for-each="${var.l}"; }"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("only defined inside"), "{err}");
        // A field the element does not have: at the reference, with the fields it has.
        let config = load_with_blocks(
            r#"var "m" { a size=1; }
thing "t" { name "x"; rule "${each.key}" for-each="${var.m}" size="${each.value.sise}"; }"#,
        )
        .unwrap();
        let stage = config.select_stage(None, &[]).unwrap();
        let err = config.for_stage(&stage).unwrap_err();
        assert!(err.to_string().contains("has no field `sise`"), "{err}");
        // A collection known only after apply.
        let config = load_with_blocks(
            r#"thing "a" { name "a"; }
thing "t" { name "x"; rule "r" for-each="${thing.a.name}"; }"#,
        )
        .unwrap();
        let stage = config.select_stage(None, &[]).unwrap();
        let err = config.for_stage(&stage).unwrap_err();
        assert!(err.to_string().contains("`rule` in thing.t"), "{err}");
    }

    #[test]
    fn structured_values_and_their_mistakes() {
        let config =
            load("var \"l\" {\n - \"a\"\n - \"b\"\n}\nvar \"m\" {\n x 1\n y { z #true; }\n}\n")
                .unwrap();
        let l = config.vars[0].default.clone().unwrap();
        assert_eq!(
            l,
            Value::List(vec![Value::String("a".into()), Value::String("b".into())])
        );
        let m = config.vars[1].default.clone().unwrap();
        assert_eq!(shape_name(&m), "a map");
        let err = load("var \"x\" {\n - \"a\"\n k 1\n}\n").unwrap_err();
        assert!(err.to_string().contains("mixes list elements"), "{err}");
        let err = load("thing \"t\" {\n name \"${each.key}\"\n}\n").unwrap_err();
        assert!(err.to_string().contains("only defined inside"), "{err}");
        let err = load(
            r#"thing "t" { name "x"; }
thing "u" { name "${thing.t[\"k\"].name}"; }"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("has no for-each"), "{err}");
    }
}
