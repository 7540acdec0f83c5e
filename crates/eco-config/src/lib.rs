//! eco's language: every `*.kdl` file of a directory, parsed with the `kdl` crate (KDL v2) into a
//! typed [`Config`] checked against the resource [`Registry`](eco_schema::Registry).
//!
//! Problems are collected as [`Diagnostics`] with file:line:col, never panics. Values stay
//! [`Expr`]essions with `${...}` references until a stage and the known attribute values are
//! supplied ([`Expr::eval`]); a value not known until apply evaluates to `Value::Unknown`.

// Diagnostics are the cold error path; keeping them unboxed keeps their construction simple.
#![allow(clippy::result_large_err)]

mod collections;
mod diagnostic;
mod expr;
pub mod expression;
mod fmt;
pub mod functions;
pub mod generate;
mod locals;
mod model;
mod module;
mod moved;
mod owned;
mod parse;
mod policy;
mod source;
mod stage;
mod syntax;

use std::path::Path;

pub use collections::{for_each_instances, same_shape, shape_name, value_to_expr};
pub use diagnostic::{Diagnostic, Diagnostics, Label};
pub use expr::{parse_template, Address, Expr, Part, RefTarget, Reference, Resolver, Template};
pub use model::*;
pub use parse::{KEYWORDS, META_ATTRIBUTES};
pub use source::{line_col, FileId, SourceFile, Sources, Span};
pub use stage::{parse_cli_var, StageContext, DEFAULT_STAGE};
pub use syntax::SyntaxError;

use eco_schema::Registry;

/// A configuration that could not be loaded: the diagnostics, and the sources to show them with.
#[derive(Debug)]
pub struct LoadError {
    pub sources: Sources,
    pub diagnostics: Diagnostics,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for d in self.diagnostics.iter() {
            writeln!(f, "{}", d.to_plain(&self.sources))?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Reads every `*.kdl` file in `dir` (sorted by name) and parses them as one configuration.
///
/// Files are named in diagnostics as `dir/file.kdl` (just `file.kdl` when `dir` is `.`).
pub fn load_dir(dir: &Path, registry: &Registry) -> Result<Config, LoadError> {
    parse_sources(read_dir_sources(dir)?, registry)
}

/// How the directory `dir` itself is named in diagnostics (`""` for `.`).
fn display_dir(dir: &Path) -> String {
    let name = display_name(dir, &dir.join("x"));
    name.rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default()
}

/// Like [`load_dir`], except that `import` blocks may target resources the configuration does
/// not declare yet (what `eco plan -generate-config-out FILE` writes KDL for).
pub fn load_dir_for_generation(dir: &Path, registry: &Registry) -> Result<Config, LoadError> {
    parse(read_dir_sources(dir)?, registry, true)
}

/// The `*.kdl` files of `dir`, sorted by name (and the files of the modules they call).
pub fn read_dir_sources(dir: &Path) -> Result<Sources, LoadError> {
    let mut sources = Sources::new();
    let read_error = |message: String, help: &str| LoadError {
        sources: Sources::new(),
        diagnostics: Diagnostic::new("eco::io", message).help(help).into(),
    };
    let entries = std::fs::read_dir(dir).map_err(|e| {
        read_error(
            format!("cannot read the directory {}: {e}", dir.display()),
            "run eco where your *.kdl files are, or pass -chdir DIR",
        )
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "kdl") && p.is_file())
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(read_error(
            format!("no *.kdl files in {}", dir.display()),
            "run eco where your *.kdl files are, or pass -chdir DIR",
        ));
    }
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            read_error(
                format!("cannot read {}: {e}", path.display()),
                "check the file's permissions and that it is UTF-8",
            )
        })?;
        sources.add(display_name(dir, &path), text);
    }
    module::read_module_sources(&mut sources, dir, &display_dir(dir));
    Ok(sources)
}

/// How a file of `dir` is named in diagnostics: `dir/file.kdl`, or `file.kdl` when `dir` is `.`.
pub fn display_name(dir: &Path, path: &Path) -> String {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = dir.to_string_lossy();
    let dir = dir.trim_start_matches("./").trim_end_matches('/');
    if dir.is_empty() || dir == "." {
        file
    } else {
        format!("{dir}/{file}")
    }
}

/// Parses and checks configuration already in memory.
pub fn parse_sources(sources: Sources, registry: &Registry) -> Result<Config, LoadError> {
    parse(sources, registry, false)
}

fn parse(
    sources: Sources,
    registry: &Registry,
    unconfigured_imports: bool,
) -> Result<Config, LoadError> {
    // The root directory's files; the files of modules are parsed per call.
    let parse_files = |files: &[FileId]| {
        let mut parser = parse::Parser::new(registry, &sources);
        for id in files {
            parser.parse_file(*id);
        }
        (
            std::mem::take(&mut parser.config),
            std::mem::take(&mut parser.diags),
        )
    };
    let (mut config, mut diagnostics) = parse_files(&module::root_files(&sources));
    for p in &config.params {
        diagnostics.push(
            Diagnostic::new(
                "eco::param_at_root",
                format!("`param \"{}\"` outside a module", p.name),
            )
            .at(p.span, "not in a module")
            .help("param declares a module's input; the root configuration declares var \"NAME\""),
        );
    }
    if diagnostics.is_empty() {
        module::expand_calls(
            &mut config,
            registry,
            &sources,
            &mut diagnostics,
            0,
            &parse_files,
        );
    }
    if diagnostics.is_empty() {
        locals::resolve(&mut config, &sources, &mut diagnostics);
        if config.module_for_each.is_empty() {
            parse::check_references(&config, registry, &mut diagnostics);
            owned::check(&config, registry, &mut diagnostics);
        } else {
            // The resources of for-each calls are made per stage; their references are checked
            // now on one instance with `${each.*}` unknown.
            let probed = module::with_probes(&config);
            parse::check_references(&probed, registry, &mut diagnostics);
            owned::check(&probed, registry, &mut diagnostics);
        }
        if unconfigured_imports {
            diagnostics.0.retain(|d| {
                !(d.code == "eco::unknown_reference" && d.message.starts_with("import target"))
            });
        }
    }
    if !diagnostics.is_empty() {
        return Err(LoadError {
            sources,
            diagnostics,
        });
    }
    config.sources = sources;
    Ok(config)
}

/// Canonical formatting of one KDL file (what `eco fmt` writes). Comments are kept. A file
/// that is not valid KDL (or nests deeper than eco reads) gives its syntax errors.
pub fn format_source(text: &str) -> Result<String, Vec<SyntaxError>> {
    if let Err(fast) = eco_kdl::parse(text) {
        return Err(syntax::explain(text, &fast));
    }
    // eco-kdl accepted it, so it nests at most `eco_kdl::MAX_DEPTH` deep: safe for the `kdl` crate.
    let doc = kdl::KdlDocument::parse_v2(text).map_err(|e| {
        let fast = eco_kdl::ParseError {
            offset: 0,
            message: e.to_string(),
        };
        syntax::explain(text, &fast)
    })?;
    Ok(fmt::format_document(&doc))
}
