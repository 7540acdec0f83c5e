//! Modules: `module "NAME" source="./dir" { PARAM VALUE ... }` calls the KDL files of a
//! directory, which declare their inputs with `param` and their results with `output`. A call is
//! expanded while loading: the module's resources join the configuration at
//! `module.NAME.TYPE.RES`, `${param.X}` (or `${var.X}`) inside becomes the value the call gives,
//! and `${module.NAME.OUTPUT}` outside becomes the output's value.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use eco_kdl::{Node as KdlNode, Value as KdlValue};
use eco_schema::{Registry, Value};

use crate::collections::{structured_value, substitute, value_to_expr};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{parse_template, Address, Expr, RefTarget, Reference};
use crate::model::{Config, ModuleCall, ParamDecl};
use crate::source::{FileId, Sources, Span};

/// How deep modules may call modules (a deeper chain is taken for a cycle).
pub(crate) const MAX_DEPTH: usize = 16;

const CALL_EXAMPLE: &str = "module \"site\" source=\"./modules/site\" { label \"ams\" }";
const PARAM_TYPES: &[&str] = &["string", "number", "bool", "list", "map"];

fn span_of(file: FileId, s: eco_kdl::Span) -> Span {
    Span::new(file, s.offset(), s.len())
}

/// A KDL value as an expression (strings may interpolate).
fn entry_expr(file: FileId, e: &eco_kdl::Entry, sources: &Sources) -> Result<Expr, Diagnostic> {
    let span = span_of(file, e.span());
    Ok(match e.value() {
        KdlValue::String(s) => Expr::Str(parse_template(s, span, sources.slice(span))?),
        KdlValue::Integer(i) => Expr::Int(i64::try_from(*i).map_err(|_| {
            Diagnostic::new("eco::out_of_range", "an integer is out of range")
                .at(span, "too large")
                .help("integers must fit in 64 bits")
        })?),
        KdlValue::Float(f) => Expr::Float(*f),
        KdlValue::Bool(b) => Expr::Bool(*b),
        KdlValue::Null => Expr::Null,
    })
}

/// Parses a `module` node.
pub(crate) fn parse_call(
    file: FileId,
    node: &KdlNode,
    sources: &Sources,
    diags: &mut Diagnostics,
) -> Option<ModuleCall> {
    let span = span_of(file, node.span());
    let name = match node.args().next().map(|e| e.value()) {
        Some(KdlValue::String(s)) if crate::expr::is_identifier(s) => s.clone(),
        _ => {
            diags.push(
                Diagnostic::new("eco::missing_label", "a module call needs a name")
                    .at(span, "no name")
                    .help(format!(
                        "{CALL_EXAMPLE} (a name of letters, digits, `-` and `_`)"
                    )),
            );
            return None;
        }
    };
    let source = match node.prop("source") {
        Some(KdlValue::String(s)) => s.clone(),
        _ => {
            diags.push(
                Diagnostic::new(
                    "eco::missing_attribute",
                    format!("module `{name}` needs source=\"./DIR\""),
                )
                .at(span, "no source")
                .help(CALL_EXAMPLE),
            );
            return None;
        }
    };
    let mut for_each = None;
    for e in node.props() {
        let key = e.name().map(|n| n.value()).unwrap_or_default();
        if key == "for-each" {
            match entry_expr(file, e, sources) {
                Ok(x) => for_each = Some((x, span_of(file, e.span()))),
                Err(d) => diags.push(d),
            }
        } else if key != "source" {
            diags.push(
                Diagnostic::new(
                    "eco::unknown_attribute",
                    format!("unknown module property `{key}`"),
                )
                .at(span_of(file, e.span()), "unknown property")
                .help(
                    "a module call takes source= and for-each=; its parameters go inside its block",
                ),
            );
        }
    }
    let mut args = BTreeMap::new();
    for child in node.child_nodes() {
        let key = child.name().value().to_string();
        let child_span = span_of(file, child.span());
        if key == "for-each" {
            // `for-each "${var.NAME}"` or the collection inline, as on a resource.
            let collection = if !child.child_nodes().is_empty() {
                structured_value(file, child, "for-each").map(|v| value_to_expr(&v, child_span))
            } else {
                match child.args().collect::<Vec<_>>().as_slice() {
                    [one] => entry_expr(file, one, sources),
                    _ => Err(Diagnostic::new(
                        "eco::missing_value",
                        "for-each takes one collection",
                    )
                    .at(child_span, "expected one value")
                    .help("for-each \"${var.NAME}\" (a list of strings or a map)")),
                }
            };
            match collection {
                Ok(x) => for_each = Some((x, child_span)),
                Err(d) => diags.push(d),
            }
            continue;
        }
        let value = if !child.child_nodes().is_empty() {
            structured_value(file, child, &format!("parameter `{key}`"))
                .map(|v| value_to_expr(&v, child_span))
        } else {
            match child.args().collect::<Vec<_>>().as_slice() {
                [one] => entry_expr(file, one, sources),
                many => Ok(Expr::List(
                    many.iter()
                        .map(|e| entry_expr(file, e, sources))
                        .collect::<Result<_, _>>()
                        .unwrap_or_default(),
                )),
            }
        };
        match value {
            Ok(v) => {
                args.insert(key, (v, child_span));
            }
            Err(d) => diags.push(d),
        }
    }
    Some(ModuleCall {
        name,
        source,
        args,
        for_each,
        span,
    })
}

/// Parses a `param` node.
pub(crate) fn parse_param(
    file: FileId,
    node: &KdlNode,
    diags: &mut Diagnostics,
) -> Option<ParamDecl> {
    let span = span_of(file, node.span());
    let example = "param \"label\" type=\"string\" default=\"ams\"";
    let Some(KdlValue::String(name)) = node.args().next().map(|e| e.value()) else {
        diags.push(
            Diagnostic::new("eco::missing_label", "a param needs a name")
                .at(span, "no name")
                .help(example),
        );
        return None;
    };
    let mut decl = ParamDecl {
        name: name.clone(),
        type_name: None,
        default: None,
        span,
    };
    for e in node.props() {
        let key = e.name().map(|n| n.value()).unwrap_or_default();
        match (key, e.value()) {
            ("type", KdlValue::String(t)) if PARAM_TYPES.contains(&t.as_str()) => {
                decl.type_name = Some(t.clone())
            }
            ("type", _) => diags.push(
                Diagnostic::new(
                    "eco::invalid_value",
                    "a param's type is one of string, number, bool, list, map",
                )
                .at(span_of(file, e.span()), "unknown type")
                .help(example),
            ),
            ("default", v) => {
                decl.default = Some(match v {
                    KdlValue::String(s) => Value::String(s.clone()),
                    KdlValue::Integer(i) => Value::Int(*i as i64),
                    KdlValue::Float(f) => Value::Float(*f),
                    KdlValue::Bool(b) => Value::Bool(*b),
                    KdlValue::Null => Value::Null,
                })
            }
            ("description", _) => {}
            _ => diags.push(
                Diagnostic::new(
                    "eco::unknown_attribute",
                    format!("unknown param property `{key}`"),
                )
                .at(span_of(file, e.span()), "unknown property")
                .help("a param takes type=, default= and description="),
            ),
        }
    }
    if !node.child_nodes().is_empty() {
        match structured_value(file, node, &format!("param `{name}`")) {
            Ok(v) => decl.default = Some(v),
            Err(d) => diags.push(d),
        }
    }
    if decl.type_name.is_none() {
        // Typed by its default.
        decl.type_name = match &decl.default {
            Some(Value::String(_)) => Some("string".into()),
            Some(Value::Int(_) | Value::Float(_)) => Some("number".into()),
            Some(Value::Bool(_)) => Some("bool".into()),
            Some(Value::List(_)) => Some("list".into()),
            Some(Value::Map(_)) => Some("map".into()),
            _ => None,
        };
    }
    Some(decl)
}

/// The directory part of a display name (`""` for a bare file name).
fn parent(name: &str) -> &str {
    name.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// `base/rel` with `.` and `..` resolved.
fn join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = base
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if base.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Reads the files of every module the sources call (and the modules those call), adding them
/// to `sources` named by their directory relative to the root: `root/modules/site/main.kdl`.
/// `root_display` is how the root directory `root` is named in the sources.
pub(crate) fn read_module_sources(sources: &mut Sources, root: &Path, root_display: &str) {
    let mut seen_dirs: Vec<String> = Vec::new();
    let mut next = 0;
    while next < sources.iter().count() {
        let (name, text) = {
            let (_, f) = sources.iter().nth(next).expect("in range");
            (f.name.clone(), f.text.clone())
        };
        next += 1;
        // Only a file that can name a `module` node is parsed here (it is parsed again with the
        // rest): the name spelled out, or written with `\u{...}` escapes.
        if !text.contains("module") && !text.contains("\\u{") {
            continue;
        }
        let Ok(doc) = eco_kdl::parse(&text) else {
            continue;
        };
        for node in doc.nodes() {
            if node.name().value() != "module" {
                continue;
            }
            let Some(source) = node.prop("source").and_then(|v| v.as_string()) else {
                continue;
            };
            let dir = join(parent(&name), source);
            if seen_dirs.contains(&dir) {
                continue;
            }
            seen_dirs.push(dir.clone());
            let relative = dir
                .strip_prefix(root_display)
                .map(|r| r.trim_start_matches('/'))
                .unwrap_or(&dir);
            let real: PathBuf = root.join(relative);
            let Ok(entries) = std::fs::read_dir(&real) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "kdl") && p.is_file())
                .collect();
            paths.sort();
            for path in paths {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    let file = path.file_name().unwrap_or_default().to_string_lossy();
                    let display = if dir.is_empty() {
                        file.to_string()
                    } else {
                        format!("{dir}/{file}")
                    };
                    sources.add(display, text);
                }
            }
        }
    }
}

/// The root files of `sources`: those in the directory of the first file.
pub(crate) fn root_files(sources: &Sources) -> Vec<FileId> {
    let Some((_, first)) = sources.iter().next() else {
        return Vec::new();
    };
    let root = parent(&first.name).to_string();
    sources
        .iter()
        .filter(|(_, f)| parent(&f.name) == root)
        .map(|(id, _)| id)
        .collect()
}

/// The files of a module directory (as the caller at `caller` names it).
fn module_files(sources: &Sources, caller: FileId, source: &str) -> (String, Vec<FileId>) {
    let dir = join(parent(&sources.file(caller).name), source);
    let files = sources
        .iter()
        .filter(|(_, f)| parent(&f.name) == dir)
        .map(|(id, _)| id)
        .collect();
    (dir, files)
}

/// Expands every module call of `config` (parsed from its files) into its resources, and
/// replaces `${module.CALL.OUTPUT}` references by the outputs' values. `parse_files` parses
/// a module's files into a configuration (with diagnostics).
pub(crate) fn expand_calls(
    config: &mut Config,
    registry: &Registry,
    sources: &Sources,
    diags: &mut Diagnostics,
    depth: usize,
    parse_files: &dyn Fn(&[FileId]) -> (Config, Diagnostics),
) {
    let _ = registry;
    let mut outputs: HashMap<(String, String), Expr> = HashMap::new();
    // The outputs of for-each calls: read per instance once the stage is known.
    let mut for_each_outputs: HashMap<String, Vec<String>> = HashMap::new();
    let mut names: HashMap<String, Span> = HashMap::new();
    for call in config.module_calls.clone() {
        if let Some(first) = names.get(&call.name) {
            diags.push(
                Diagnostic::new(
                    "eco::duplicate",
                    format!("module `{}` is called twice", call.name),
                )
                .at(call.span, "second call")
                .also(*first, "first call")
                .help("give each call its own name"),
            );
            continue;
        }
        names.insert(call.name.clone(), call.span);
        if depth >= MAX_DEPTH {
            diags.push(
                Diagnostic::new(
                    "eco::module_cycle",
                    format!("module `{}` nests more than {MAX_DEPTH} deep", call.name),
                )
                .at(call.span, "called here")
                .help("a module that calls itself (directly or through others) never ends"),
            );
            continue;
        }
        let (dir, files) = module_files(sources, call.span.file, &call.source);
        if files.is_empty() {
            diags.push(
                Diagnostic::new(
                    "eco::module_source",
                    format!("module `{}`: no *.kdl files in `{dir}`", call.name),
                )
                .at(call.span, "source has no configuration")
                .help("source= is a directory of KDL files, relative to this file's directory"),
            );
            continue;
        }
        let (mut module, module_diags) = parse_files(&files);
        let in_call =
            |d: Diagnostic| d.also(call.span, format!("in module `{}`, called here", call.name));
        if !module_diags.is_empty() {
            diags.0.extend(module_diags.0.into_iter().map(in_call));
            continue;
        }
        if let Some(d) = root_only(&module) {
            diags.push(in_call(d));
            continue;
        }
        let mut nested = Diagnostics::default();
        expand_calls(
            &mut module,
            registry,
            sources,
            &mut nested,
            depth + 1,
            parse_files,
        );
        if !nested.is_empty() {
            diags.0.extend(nested.0.into_iter().map(in_call));
            continue;
        }
        if let Some((collection, fe_span)) = &call.for_each {
            // Checked once now with `${each.*}` unknown (parameters, their types); instantiated
            // per element when the stage is known.
            match instantiate(&probe_call(&call), &module) {
                Ok((_, _, module_outputs, _)) => {
                    for_each_outputs.insert(
                        call.name.clone(),
                        module_outputs.into_iter().map(|(k, _)| k).collect(),
                    );
                    config.module_for_each.push(crate::model::ModuleForEach {
                        collection: collection.clone(),
                        span: *fe_span,
                        module: Box::new(module),
                        call,
                        prefix: Vec::new(),
                    });
                }
                Err(ds) => diags.0.extend(ds.0.into_iter().map(in_call)),
            }
            continue;
        }
        match instantiate(&call, &module) {
            Ok((resources, for_each, module_outputs, nested_for_each)) => {
                config.module_for_each.extend(nested_for_each);
                // A module's own `moved` blocks, at the call's addresses.
                config
                    .moved
                    .extend(module.moved.iter().map(|m| crate::model::Moved {
                        from: m.from.clone().in_module(&call.name),
                        to: m.to.clone().in_module(&call.name),
                        span: m.span,
                    }));
                config.resources.extend(resources);
                config.for_each.extend(for_each);
                for (k, v) in module_outputs {
                    outputs.insert((call.name.clone(), k), v);
                }
            }
            Err(ds) => diags.0.extend(ds.0.into_iter().map(in_call)),
        }
    }
    if !diags.is_empty() {
        return;
    }
    // `${module.CALL.OUTPUT}` everywhere in this configuration.
    let mut replace = |r: &Reference| {
        match &r.target {
        // An instance of a for-each call inside a called module (`CALL.module.INNER["KEY"]`):
        // checked where that module was expanded.
        RefTarget::ModuleOutput { call, .. } if for_each_call(call).is_some_and(|c| c.contains('.')) => None,
        RefTarget::ModuleOutput { call, output } if for_each_call(call).is_some_and(|c| for_each_outputs.contains_key(c)) || for_each_outputs.contains_key(call) => {
            let base = for_each_call(call).unwrap_or(call);
            let known = &for_each_outputs[base];
            if call == base {
                Some(Err(Diagnostic::new(
                    "eco::unknown_reference",
                    format!("`${{{}}}`: module `{base}` has for-each", r.target),
                )
                .at(r.span, "which instance?")
                .help(format!("name an instance: `${{module.{base}[\"KEY\"].{output}}}`"))))
            } else if !known.contains(output) {
                Some(Err(Diagnostic::new(
                    "eco::unknown_reference",
                    format!("`${{{}}}`: no such module output", r.target),
                )
                .at(r.span, "unknown output")
                .help(format!("module `{base}` has the outputs: {}", known.join(", ")))))
            } else {
                // Kept: resolved per stage, with the instance's key checked then.
                None
            }
        }
        RefTarget::ModuleOutput { call, output } => Some(
            outputs
                .get(&(call.clone(), output.clone()))
                .cloned()
                .ok_or_else(|| {
                    let known: Vec<&str> = outputs
                        .keys()
                        .filter(|(c, _)| c == call)
                        .map(|(_, o)| o.as_str())
                        .collect();
                    Diagnostic::new(
                        "eco::unknown_reference",
                        format!("`${{{}}}`: no such module output", r.target),
                    )
                    .at(r.span, "unknown output")
                    .help(if names.contains_key(call) {
                        format!("module `{call}` has the outputs: {}", known.join(", "))
                    } else {
                        format!("no module is called `{call}`: declare module \"{call}\" source=\"./DIR\" {{ ... }}")
                    })
                }),
        ),
        _ => None,
    }
    };
    let mut fix = |e: &mut Expr, diags: &mut Diagnostics| {
        // Only a module output is replaced: an expression naming none is kept as it is (it
        // was rebuilt, every expression of the configuration once).
        let mut names_output = false;
        e.for_each_ref(&mut |r| names_output |= matches!(r.target, RefTarget::ModuleOutput { .. }));
        if !names_output {
            return;
        }
        match substitute(e, &mut replace) {
            Ok(new) => *e = new,
            Err(d) => diags.push(d),
        }
    };
    for r in &mut config.resources {
        for a in r.attributes.values_mut() {
            fix(&mut a.expr, diags);
        }
    }
    for fe in &mut config.for_each {
        fix(&mut fe.collection, diags);
        for a in fe.resource.attributes.values_mut() {
            fix(&mut a.expr, diags);
        }
    }
    for o in &mut config.outputs {
        fix(&mut o.value, diags);
    }
    for m in &mut config.module_for_each {
        fix(&mut m.collection, diags);
        for (a, _) in m.call.args.values_mut() {
            fix(a, diags);
        }
    }
}

/// The call name of a for-each call's instance `CALL["KEY"]`; `None` for a plain call name.
fn for_each_call(call: &str) -> Option<&str> {
    call.split_once("[\"").map(|(c, _)| c)
}

/// A for-each call with `${each.*}` unknown in its parameters: to check the call before the
/// stage's elements are known.
fn probe_call(call: &ModuleCall) -> ModuleCall {
    let mut call = call.clone();
    let mut unknown =
        |r: &Reference| matches!(r.target, RefTarget::Each(_)).then_some(Ok(Expr::Null));
    for (a, _) in call.args.values_mut() {
        if let Ok(e) = substitute(a, &mut unknown) {
            *a = e;
        }
    }
    call
}

/// The configuration with one instance of each for-each call added, `${each.*}` unknown in
/// its parameters: what is checked before the stage's elements are known.
pub(crate) fn with_probes(config: &Config) -> Config {
    let mut probed = config.clone();
    for m in &config.module_for_each {
        if let Ok((mut resources, mut for_each, _, _)) =
            instantiate(&probe_call(&m.call), &m.module)
        {
            within(&m.prefix, &mut resources, &mut for_each, &mut [], &mut []);
            probed.resources.extend(resources);
            probed.for_each.extend(for_each);
        }
    }
    probed.reset_index();
    probed
}

/// One instance of a for-each module call, for the element `(key, value)`: its resources
/// (at `module.CALL["KEY"].TYPE.RES`), for-each resources, outputs and moved blocks.
pub(crate) fn instance_of(
    m: &crate::model::ModuleForEach,
    key: &str,
    value: &Value,
) -> Result<(Instantiated, Vec<crate::model::Moved>), Diagnostics> {
    let mut call = m.call.clone();
    call.name = crate::expr::module_instance(&m.call.name, key);
    let mut diags = Diagnostics::default();
    let mut replace = |r: &Reference| match &r.target {
        RefTarget::Each(_) => {
            Some(crate::collections::each_value(key, value, r).map(|v| value_to_expr(&v, r.span)))
        }
        _ => None,
    };
    for (a, _) in call.args.values_mut() {
        match substitute(a, &mut replace) {
            Ok(e) => *a = e,
            Err(d) => diags.push(d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let moved = m
        .module
        .moved
        .iter()
        .map(|mv| crate::model::Moved {
            from: mv.from.clone().in_module(&call.name),
            to: mv.to.clone().in_module(&call.name),
            span: mv.span,
        })
        .collect();
    let in_call = |d: Diagnostic| {
        d.also(
            m.call.span,
            format!("in module `{}`, called here", call.name),
        )
    };
    let (mut resources, mut for_each, mut outputs, nested) = instantiate(&call, &m.module)
        .map_err(|ds| Diagnostics(ds.0.into_iter().map(in_call).collect()))?;
    let mut moved: Vec<crate::model::Moved> = moved;
    within(
        &m.prefix,
        &mut resources,
        &mut for_each,
        &mut moved,
        &mut outputs,
    );
    let nested = nested
        .into_iter()
        .map(|mut n| {
            let mut prefix = m.prefix.clone();
            prefix.extend(n.prefix);
            n.prefix = prefix;
            n
        })
        .collect();
    Ok(((resources, for_each, outputs, nested), moved))
}

/// Puts what an instance of a for-each call made inside the module calls `prefix` (outermost
/// first): addresses, references to resources and `depends-on`.
fn within(
    prefix: &[String],
    resources: &mut [crate::model::Resource],
    for_each: &mut [crate::model::ForEachResource],
    moved: &mut [crate::model::Moved],
    outputs: &mut [(String, Expr)],
) {
    if prefix.is_empty() {
        return;
    }
    let place = |a: &Address| {
        prefix
            .iter()
            .rev()
            .fold(a.clone(), |a, call| a.in_module(call))
    };
    let mut replace = |r: &Reference| match &r.target {
        RefTarget::Resource { address, path } => Some(Ok(Expr::Str(crate::expr::Template {
            parts: vec![crate::expr::Part::Ref(Reference {
                target: RefTarget::Resource {
                    address: place(address),
                    path: path.clone(),
                },
                span: r.span,
            })],
            span: r.span,
        }))),
        _ => None,
    };
    let mut fix = |e: &mut Expr| {
        if let Ok(new) = substitute(e, &mut replace) {
            *e = new;
        }
    };
    let all = resources
        .iter_mut()
        .chain(for_each.iter_mut().map(|fe| &mut fe.resource));
    for r in all {
        r.address = place(&r.address);
        for a in r.attributes.values_mut() {
            fix(&mut a.expr);
        }
        for (d, _) in &mut r.depends_on {
            *d = place(d);
        }
    }
    for m in moved {
        m.from = place(&m.from);
        m.to = place(&m.to);
    }
    for (_, e) in outputs {
        fix(e);
    }
}

/// The name outputs of an instance of a for-each call are referenced by from the configuration
/// that holds the outermost call: `CALL["KEY"]`, or inside modules `OUTER.module.CALL["KEY"]`.
pub(crate) fn instance_path(m: &crate::model::ModuleForEach, key: &str) -> String {
    let mut path: String = m.prefix.iter().map(|p| format!("{p}.module.")).collect();
    path.push_str(&crate::expr::module_instance(&m.call.name, key));
    path
}

/// What only the root configuration declares, found in a module.
fn root_only(module: &Config) -> Option<Diagnostic> {
    let (what, span) = if let Some(s) = module.stages.first() {
        ("a stage", s.span)
    } else if let Some(b) = &module.backend {
        ("a backend", b.span)
    } else if let Some(v) = module.vars.first() {
        ("a var (a module's inputs are params)", v.span)
    } else if let Some(i) = module.imports.first() {
        ("an import block", i.span)
    } else {
        return None;
    };
    Some(
        Diagnostic::new(
            "eco::module_content",
            format!("a module cannot declare {what}"),
        )
        .at(span, "only in the root configuration")
        .help("a module declares param, resources, output, moved and module calls"),
    )
}

pub(crate) type Instantiated = (
    Vec<crate::model::Resource>,
    Vec<crate::model::ForEachResource>,
    Vec<(String, Expr)>,
    Vec<crate::model::ModuleForEach>,
);

/// A module's resources and outputs for one call: parameters checked and substituted,
/// addresses prefixed with `module.CALL.`.
fn instantiate(call: &ModuleCall, module: &Config) -> Result<Instantiated, Diagnostics> {
    let mut diags = Diagnostics::default();
    let params: HashMap<&str, &ParamDecl> =
        module.params.iter().map(|p| (p.name.as_str(), p)).collect();
    for (name, (_, span)) in &call.args {
        if !params.contains_key(name.as_str()) {
            let names: Vec<&str> = params.keys().copied().collect();
            diags.push(
                Diagnostic::new(
                    "eco::unknown_parameter",
                    format!("module `{}` has no parameter `{name}`", call.name),
                )
                .at(*span, "unknown parameter")
                .help(
                    match eco_schema::did_you_mean(name, names.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("its parameters: {}", names.join(", ")),
                    },
                ),
            );
        }
    }
    let mut values: HashMap<String, Expr> = HashMap::new();
    for p in &module.params {
        match (call.args.get(&p.name), &p.default) {
            (Some((e, span)), _) => {
                if let (Some(ty), Some(found)) = (&p.type_name, literal_type(e)) {
                    if !type_accepts(ty, found) {
                        diags.push(
                            Diagnostic::new(
                                "eco::type_error",
                                format!(
                                    "module `{}`: parameter `{}` expects {}, found {found}",
                                    call.name,
                                    p.name,
                                    describe_type(ty)
                                ),
                            )
                            .at(*span, format!("expected {}", describe_type(ty)))
                            .also(p.span, "declared here")
                            .help(format!(
                                "give `{}` {}",
                                p.name,
                                describe_type(ty)
                            )),
                        );
                        continue;
                    }
                }
                values.insert(p.name.clone(), e.clone());
            }
            (None, Some(d)) => {
                values.insert(p.name.clone(), value_to_expr(d, p.span));
            }
            (None, None) => diags.push(
                Diagnostic::new(
                    "eco::missing_parameter",
                    format!("module `{}` needs the parameter `{}`", call.name, p.name),
                )
                .at(call.span, format!("no `{}`", p.name))
                .also(p.span, "declared here")
                .help(format!("add `{} VALUE` inside the call's block", p.name)),
            ),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let prefix = |a: &Address| a.clone().in_module(&call.name);
    let mut replace = |r: &Reference| match &r.target {
        RefTarget::Param(name) | RefTarget::Var(name) => {
            Some(values.get(name).cloned().ok_or_else(|| {
                Diagnostic::new(
                    "eco::unknown_reference",
                    format!(
                        "`${{{}}}`: the module declares no parameter `{name}`",
                        r.target
                    ),
                )
                .at(r.span, "not a parameter")
                .help(format!("declare it in the module: param \"{name}\""))
            }))
        }
        RefTarget::Resource { address, path } => Some(Ok(Expr::Str(crate::expr::Template {
            parts: vec![crate::expr::Part::Ref(Reference {
                target: RefTarget::Resource {
                    address: prefix(address),
                    path: path.clone(),
                },
                span: r.span,
            })],
            span: r.span,
        }))),
        // An output of an instance of the module's own for-each call: named from here.
        RefTarget::ModuleOutput { call: c, output } if c.contains("[\"") => {
            Some(Ok(Expr::Str(crate::expr::Template {
                parts: vec![crate::expr::Part::Ref(Reference {
                    target: RefTarget::ModuleOutput {
                        call: format!("{}.module.{c}", call.name),
                        output: output.clone(),
                    },
                    span: r.span,
                })],
                span: r.span,
            })))
        }
        _ => None,
    };
    let mut fix = |e: &Expr, diags: &mut Diagnostics| match substitute(e, &mut replace) {
        Ok(new) => new,
        Err(d) => {
            diags.push(d);
            e.clone()
        }
    };
    // The module's own for-each calls: made per stage, inside this call.
    let mut nested = Vec::new();
    for m in &module.module_for_each {
        let mut m = m.clone();
        m.prefix.insert(0, call.name.clone());
        m.collection = fix(&m.collection, &mut diags);
        for (a, _) in m.call.args.values_mut() {
            *a = fix(a, &mut diags);
        }
        nested.push(m);
    }
    let mut resources = Vec::new();
    for r in &module.resources {
        let mut r = r.clone();
        r.address = prefix(&r.address);
        for a in r.attributes.values_mut() {
            a.expr = fix(&a.expr, &mut diags);
        }
        for (d, _) in &mut r.depends_on {
            *d = prefix(d);
        }
        resources.push(r);
    }
    let mut for_each = Vec::new();
    for fe in &module.for_each {
        let mut fe = fe.clone();
        fe.resource.address = prefix(&fe.resource.address);
        fe.collection = fix(&fe.collection, &mut diags);
        for a in fe.resource.attributes.values_mut() {
            a.expr = fix(&a.expr, &mut diags);
        }
        for (d, _) in &mut fe.resource.depends_on {
            *d = prefix(d);
        }
        for_each.push(fe);
    }
    let outputs = module
        .outputs
        .iter()
        .map(|o| (o.name.clone(), fix(&o.value, &mut diags)))
        .collect();
    if diags.is_empty() {
        Ok((resources, for_each, outputs, nested))
    } else {
        Err(diags)
    }
}

/// The type of a literal argument (`None` when it is computed: `"${...}"`).
fn literal_type(e: &Expr) -> Option<&'static str> {
    match e {
        Expr::Str(t) if t.as_literal().is_some() => Some("a string"),
        Expr::Str(_) | Expr::Null => None,
        Expr::Int(_) | Expr::Float(_) => Some("a number"),
        Expr::Bool(_) => Some("a boolean"),
        Expr::List(_) => Some("a list"),
        Expr::Map(_) => Some("a map"),
    }
}

fn type_accepts(ty: &str, found: &str) -> bool {
    matches!(
        (ty, found),
        ("string", "a string")
            | ("number", "a number")
            | ("bool", "a boolean")
            | ("list", "a list")
            | ("map", "a map")
    )
}

fn describe_type(ty: &str) -> &'static str {
    match ty {
        "string" => "a string",
        "number" => "a number",
        "bool" => "a boolean",
        "list" => "a list",
        _ => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn module_directories_resolve_relative_to_the_caller() {
        assert_eq!(join("", "./modules/site"), "modules/site");
        assert_eq!(
            join("examples/x", "./modules/site"),
            "examples/x/modules/site"
        );
        assert_eq!(join("/tmp/p", "./m"), "/tmp/p/m");
        assert_eq!(join("a/b", "../c"), "a/c");
        assert_eq!(join("a", "../../c"), "../c");
    }

    fn registry() -> eco_schema::Registry {
        let mut r = eco_schema::Registry::new();
        r.register(
            eco_schema::Schema::new("thing", "a test type")
                .attr(eco_schema::Attribute::string("name").required())
                .attr(eco_schema::Attribute::int("size")),
        );
        r
    }

    fn load(files: &[(&str, &str)]) -> Result<crate::Config, crate::LoadError> {
        let mut sources = crate::Sources::new();
        for (name, text) in files {
            sources.add(*name, text.to_string());
        }
        crate::parse_sources(sources, &registry())
    }

    const MODULE: &str = r#"
param "names" type="list"
param "size" default=1
thing "t" {
    for-each "${param.names}"
    name "t-${each.key}"
    size "${param.size}"
}
module "inner" source="./inner" {
    label "in-${param.size}"
}
output "first" value="${thing.t[\"a\"].name}"
output "inner" value="${module.inner.name}"
"#;

    const INNER: &str = r#"
param "label"
thing "leaf" {
    name "${var.label}"
}
output "name" value="${thing.leaf.name}"
"#;

    #[test]
    fn calls_expand_with_for_each_nesting_and_outputs() {
        let config = load(&[
            (
                "main.kdl",
                "var \"names\" {\n - \"a\"\n - \"b\"\n}\nmodule \"svc\" source=\"./mods/svc\" {\n names \"${var.names}\"\n size 3\n}\nthing \"x\" {\n name \"${module.svc.first}\"\n}\nthing \"y\" {\n name \"${module.svc.inner}\"\n}\n",
            ),
            ("mods/svc/main.kdl", MODULE),
            ("mods/svc/inner/main.kdl", INNER),
        ])
        .unwrap();
        let leaf = crate::Address::parse("module.svc.module.inner.thing.leaf").unwrap();
        let leaf = config
            .resource(&leaf)
            .expect("the nested module's resource");
        let name = match &leaf.attributes["name"].expr {
            crate::Expr::Str(t) => t.as_literal(),
            _ => None,
        };
        assert_eq!(name.as_deref(), Some("in-3"));
        let stage = config.select_stage(None, &[]).unwrap();
        let expanded = config.for_stage(&stage).unwrap();
        let b = crate::Address::parse("module.svc.thing.t[\"b\"]").unwrap();
        assert_eq!(
            expanded.resource(&b).unwrap().attributes["size"].expr,
            crate::Expr::Int(3)
        );
        let x = expanded
            .resource(&crate::Address::new("thing", "x"))
            .unwrap();
        assert_eq!(
            x.attributes["name"].expr.references()[0].target.to_string(),
            "module.svc.thing.t[\"a\"].name"
        );
    }

    const SITE: &str = r#"
param "label"
param "size" default=1
thing "files" {
    name "site-${param.label}"
    size "${param.size}"
}
output "name" value="${thing.files.name}"
"#;

    fn site_call(root: &str) -> Result<crate::Config, crate::LoadError> {
        load(&[("main.kdl", root), ("mods/site/main.kdl", SITE)])
    }

    fn literal(config: &crate::Config, address: &str, attr: &str) -> Option<String> {
        let a = crate::Address::parse(address).unwrap_or_else(|| panic!("{address}"));
        match &config.resource(&a)?.attributes[attr].expr {
            crate::Expr::Str(t) => t.as_literal(),
            crate::Expr::Int(i) => Some(i.to_string()),
            other => Some(format!("{other:?}")),
        }
    }

    const FOR_EACH_CALL: &str = r#"
var "sites" {
    ams size=2
    bpm size=3
}
stage "dev" {
    var "sites" {
        ams size=2
    }
}
stage "prod"
module "site" source="./mods/site" {
    for-each "${var.sites}"
    label "${each.key}"
    size "${each.value.size}"
}
thing "index" {
    name "${module.site[\"ams\"].name}-index"
}
"#;

    #[test]
    fn a_for_each_call_makes_one_module_instance_per_element_of_the_stage() {
        let config = site_call(FOR_EACH_CALL).unwrap();
        assert!(config.resources.iter().all(|r| r.address.module.is_empty()));
        let prod = config.select_stage(Some("prod"), &[]).unwrap();
        let prod = config.for_stage(&prod).unwrap();
        assert_eq!(
            literal(&prod, "module.site[\"bpm\"].thing.files", "name").as_deref(),
            Some("site-bpm")
        );
        assert_eq!(
            literal(&prod, "module.site[\"bpm\"].thing.files", "size").as_deref(),
            Some("3")
        );
        let index = crate::Address::new("thing", "index");
        assert_eq!(
            prod.resource(&index).unwrap().attributes["name"]
                .expr
                .references()[0]
                .target
                .to_string(),
            "module.site[\"ams\"].thing.files.name"
        );
        // The dev stage has one element: one instance, the other's resources are not there.
        let dev = config.select_stage(Some("dev"), &[]).unwrap();
        let dev = config.for_stage(&dev).unwrap();
        let modules: Vec<String> = dev
            .resources
            .iter()
            .filter(|r| !r.address.module.is_empty())
            .map(|r| r.address.to_string())
            .collect();
        assert_eq!(modules, vec!["module.site[\"ams\"].thing.files"]);
    }

    #[test]
    fn for_each_call_mistakes_are_diagnosed() {
        // An instance the stage does not have.
        let config = site_call(&FOR_EACH_CALL.replace("[\\\"ams\\\"]", "[\\\"bpm\\\"]")).unwrap();
        let dev = config.select_stage(Some("dev"), &[]).unwrap();
        let err = config.for_stage(&dev).unwrap_err();
        let text = format!("{:?}", err.0);
        assert!(
            text.contains("unknown module instance `module.site[\\\"bpm\\\"]`"),
            "{text}"
        );
        assert!(text.contains("its keys in this stage: ams"), "{text}");
        // A for-each call's output without a key, and an output the module lacks.
        let err =
            site_call(&FOR_EACH_CALL.replace("module.site[\\\"ams\\\"].name", "module.site.name"))
                .unwrap_err()
                .to_string();
        assert!(err.contains("module `site` has for-each"), "{err}");
        let err = site_call(&FOR_EACH_CALL.replace("[\\\"ams\\\"].name", "[\\\"ams\\\"].nam"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("module `site` has the outputs: name"), "{err}");
        // A parameter the module lacks is found before any stage is chosen.
        let err =
            site_call(&FOR_EACH_CALL.replace("label \"${each.key}\"", "lable \"${each.key}\""))
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("module `site` has no parameter `lable`"),
            "{err}"
        );
        // A field the element lacks, when the stage is known.
        let config =
            site_call(&FOR_EACH_CALL.replace("each.value.size", "each.value.sise")).unwrap();
        let prod = config.select_stage(Some("prod"), &[]).unwrap();
        let text = format!("{:?}", config.for_stage(&prod).unwrap_err().0);
        assert!(text.contains("has no field `sise`"), "{text}");
    }

    const LEAF: &str = r#"
param "label"
thing "leaf" {
    name "leaf-${param.label}"
}
output "name" value="${thing.leaf.name}"
"#;

    const OUTER: &str = r#"
param "names" type="list"
module "inner" source="./inner" {
    for-each "${param.names}"
    label "${each.key}"
}
thing "own" {
    name "own-${module.inner[\"b\"].name}"
}
output "first" value="${module.inner[\"a\"].name}"
"#;

    #[test]
    fn for_each_calls_nest_inside_modules_and_inside_each_other() {
        let root = "var \"names\" {\n - \"a\"\n - \"b\"\n}\nmodule \"outer\" source=\"./mods/outer\" {\n names \"${var.names}\"\n}\nmodule \"each\" source=\"./mods/outer\" {\n for-each \"${var.names}\"\n names \"${var.names}\"\n}\nthing \"x\" {\n name \"${module.outer.first}\"\n}\nthing \"y\" {\n name \"${module.each[\\\"b\\\"].first}\"\n}\n";
        let config = load(&[
            ("main.kdl", root),
            ("mods/outer/main.kdl", OUTER),
            ("mods/outer/inner/main.kdl", LEAF),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let stage = config.select_stage(None, &[]).unwrap();
        let expanded = config.for_stage(&stage).unwrap_or_else(|d| panic!("{d:?}"));
        let mut modules: Vec<String> = expanded
            .resources
            .iter()
            .filter(|r| !r.address.module.is_empty())
            .map(|r| r.address.to_string())
            .collect();
        modules.sort();
        assert_eq!(
            modules,
            vec![
                "module.each[\"a\"].module.inner[\"a\"].thing.leaf",
                "module.each[\"a\"].module.inner[\"b\"].thing.leaf",
                "module.each[\"a\"].thing.own",
                "module.each[\"b\"].module.inner[\"a\"].thing.leaf",
                "module.each[\"b\"].module.inner[\"b\"].thing.leaf",
                "module.each[\"b\"].thing.own",
                "module.outer.module.inner[\"a\"].thing.leaf",
                "module.outer.module.inner[\"b\"].thing.leaf",
                "module.outer.thing.own",
            ]
        );
        let leaf = crate::Address::parse("module.outer.module.inner[\"a\"].thing.leaf").unwrap();
        let name = match &expanded.resource(&leaf).unwrap().attributes["name"].expr {
            crate::Expr::Str(t) => t.as_literal(),
            _ => None,
        };
        assert_eq!(name.as_deref(), Some("leaf-a"));
        let refs = |address: &str| -> Vec<String> {
            let a = crate::Address::parse(address).unwrap();
            expanded.resource(&a).unwrap().attributes["name"]
                .expr
                .references()
                .iter()
                .map(|r| r.target.to_string())
                .collect()
        };
        assert_eq!(
            refs("thing.x"),
            vec!["module.outer.module.inner[\"a\"].thing.leaf.name"]
        );
        assert_eq!(
            refs("thing.y"),
            vec!["module.each[\"b\"].module.inner[\"a\"].thing.leaf.name"]
        );
        assert_eq!(
            refs("module.outer.thing.own"),
            vec!["module.outer.module.inner[\"b\"].thing.leaf.name"]
        );
    }

    #[test]
    fn wrong_missing_and_unknown_parameters_name_the_call() {
        let call = |body: &str| {
            load(&[
                (
                    "main.kdl",
                    &format!("module \"svc\" source=\"./mods/svc\" {{\n{body}\n}}\n"),
                ),
                ("mods/svc/main.kdl", MODULE),
                ("mods/svc/inner/main.kdl", INNER),
            ])
            .unwrap_err()
            .to_string()
        };
        let err = call("names \"a\"");
        assert!(
            err.contains("module `svc`: parameter `names` expects a list, found a string"),
            "{err}"
        );
        let err = call("size 2");
        assert!(
            err.contains("module `svc` needs the parameter `names`"),
            "{err}"
        );
        let err = call("names {\n - \"a\"\n}\nsise 2");
        assert!(
            err.contains("module `svc` has no parameter `sise`"),
            "{err}"
        );
        let err = load(&[("main.kdl", "module \"m\" source=\"./nowhere\"\n")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("no *.kdl files in `nowhere`"), "{err}");
    }
}
