//! After parsing: `local` values put in place of every `${local.NAME}` (so that the graph,
//! sensitivity and evaluation see the references a local stands for), file functions told the
//! configuration's directory, and every expression's calls checked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::expr::{Expr, Part, RefTarget};
use crate::expression::{self, Expression, Node};
use crate::model::{Config, LocalDecl};
use crate::source::Sources;

impl Config {
    /// Whether any expression uses `${aws.NAME}` (a run then completes the stage's identity).
    pub fn references_aws(&self) -> bool {
        let is_aws = |e: &Expr| {
            e.references()
                .iter()
                .any(|r| matches!(r.target, RefTarget::Aws(_)))
        };
        self.resources
            .iter()
            .any(|r| r.attributes.values().any(|a| is_aws(&a.expr)))
            || self.outputs.iter().any(|o| is_aws(&o.value))
            || self.imports.iter().any(|i| is_aws(&i.id))
    }
}

/// Inlines locals, sets file functions' directory and checks calls, in every expression.
pub(crate) fn resolve(config: &mut Config, sources: &Sources, diags: &mut Diagnostics) {
    let decls: HashMap<String, LocalDecl> = config
        .locals
        .iter()
        .map(|l| (l.name.clone(), l.clone()))
        .collect();
    let mut done = HashMap::new();
    let mut reported = false;
    for l in &config.locals {
        resolved(
            &l.name,
            &decls,
            &mut done,
            &mut Vec::new(),
            diags,
            &mut reported,
        );
    }
    let mut checks = Vec::new();
    let mut fix = |e: &mut Expr| {
        inline(e, &done);
        prepare(e, sources, &mut checks);
    };
    for r in &mut config.resources {
        for a in r.attributes.values_mut() {
            fix(&mut a.expr);
        }
    }
    for o in &mut config.outputs {
        fix(&mut o.value);
    }
    for i in &mut config.imports {
        fix(&mut i.id);
    }
    for l in &mut config.locals {
        fix(&mut l.value);
    }
    for l in &mut config.lookups {
        l.filters.values_mut().for_each(&mut fix);
    }
    for m in &mut config.module_for_each {
        fix(&mut m.collection);
        for (a, _) in m.call.args.values_mut() {
            fix(a);
        }
    }
    for d in checks {
        if !diags.0.contains(&d) {
            diags.push(d);
        }
    }
}

/// A local's value with the locals it references inlined; `None` for an unknown name or a cycle.
fn resolved(
    name: &str,
    decls: &HashMap<String, LocalDecl>,
    done: &mut HashMap<String, Expr>,
    stack: &mut Vec<String>,
    diags: &mut Diagnostics,
    reported: &mut bool,
) -> Option<Expr> {
    if let Some(e) = done.get(name) {
        return Some(e.clone());
    }
    let decl = decls.get(name)?;
    if stack.iter().any(|s| s == name) {
        if !*reported {
            *reported = true;
            let mut path = stack.clone();
            path.push(name.to_string());
            diags.push(
                Diagnostic::new(
                    "eco::cycle",
                    format!(
                        "locals reference each other in a cycle: {}",
                        path.iter()
                            .map(|p| format!("local.{p}"))
                            .collect::<Vec<_>>()
                            .join(" -> ")
                    ),
                )
                .at(decl.span, "part of the cycle")
                .help("a local may use other locals, but not itself through them"),
            );
        }
        return None;
    }
    stack.push(name.to_string());
    let mut expr = decl.value.clone();
    let uses: Vec<String> = expr
        .references()
        .into_iter()
        .filter_map(|r| match &r.target {
            RefTarget::Local(n) => n.split('.').next().map(str::to_string),
            _ => None,
        })
        .collect();
    let mut values = HashMap::new();
    for used in uses {
        if let Some(v) = resolved(&used, decls, done, stack, diags, reported) {
            values.insert(used, v);
        }
    }
    inline(&mut expr, &values);
    stack.pop();
    done.insert(name.to_string(), expr.clone());
    Some(expr)
}

/// The value `local.NAME.KEY...` stands for: the local, then a key of a map or an index of a
/// list for each further part. `None` when the local is unknown or has no such key.
fn local_value(reference: &str, locals: &HashMap<String, Expr>) -> Option<Expr> {
    let mut parts = reference.split('.');
    let mut value = locals.get(parts.next()?)?;
    for part in parts {
        value = match value {
            Expr::Map(m) => m.get(part)?,
            Expr::List(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value.clone())
}

/// Puts the values of `locals` in place of references to them.
pub(crate) fn inline(expr: &mut Expr, locals: &HashMap<String, Expr>) {
    match expr {
        Expr::Str(t) => {
            if let Some(r) = t.single_ref() {
                if let RefTarget::Local(n) = &r.target {
                    if let Some(v) = local_value(n, locals) {
                        *expr = v;
                    }
                    return;
                }
            }
            for part in &mut t.parts {
                match part {
                    Part::Ref(r) => {
                        if let RefTarget::Local(n) = &r.target {
                            if let Some(v) = local_value(n, locals) {
                                *part = Part::Expr(Box::new(Expression {
                                    node: Node::Inline(Box::new(v), r.span),
                                    span: r.span,
                                }));
                            }
                        }
                    }
                    Part::Expr(e) => e.node.visit_mut(&mut |n| match n {
                        Node::Ref(r) => {
                            if let RefTarget::Local(name) = &r.target {
                                if let Some(v) = local_value(name, locals) {
                                    *n = Node::Inline(Box::new(v), r.span);
                                }
                            }
                        }
                        // A KDL policy document's strings.
                        Node::Inline(inner, _) => inline(inner, locals),
                        _ => {}
                    }),
                    Part::Literal(_) => {}
                }
            }
        }
        Expr::List(items) => items.iter_mut().for_each(|e| inline(e, locals)),
        Expr::Map(m) => m.values_mut().for_each(|e| inline(e, locals)),
        _ => {}
    }
}

/// Gives file functions their directory (that of the file the call is written in) and checks
/// every call.
fn prepare(expr: &mut Expr, sources: &Sources, checks: &mut Vec<Diagnostic>) {
    match expr {
        Expr::Str(t) => {
            for part in &mut t.parts {
                if let Part::Expr(e) = part {
                    let mut found = Vec::new();
                    e.node.visit_mut(&mut |n| match n {
                        Node::Call { span, base_dir, .. } if base_dir.is_none() => {
                            *base_dir = Some(directory_of(sources, span.file));
                        }
                        Node::Inline(inner, _) => prepare(inner, sources, &mut found),
                        _ => {}
                    });
                    expression::check(&e.node, &mut found);
                    checks.extend(found);
                }
            }
        }
        Expr::List(items) => items.iter_mut().for_each(|e| prepare(e, sources, checks)),
        Expr::Map(m) => m.values_mut().for_each(|e| prepare(e, sources, checks)),
        _ => {}
    }
}

fn directory_of(sources: &Sources, file: crate::source::FileId) -> PathBuf {
    let name = &sources.file(file).name;
    Path::new(name)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}
