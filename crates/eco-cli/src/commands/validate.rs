//! `eco validate`: parse, type-check and graph; evaluate every stage's variables. No AWS calls.

use std::path::Path;

use eco_config::{Address, Config, Diagnostic, Expr, Resolver, StageContext};
use eco_graph::ResourceGraph;
use eco_schema::Value;

use super::{load, CliError, CmdResult, Status};
use crate::cli::ValidateArgs;
use crate::ui::Ui;

/// Resolves variables of one stage; every resource attribute is unknown (no AWS here).
struct StageResolver<'a>(&'a StageContext);

impl Resolver for StageResolver<'_> {
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

/// Evaluates every expression of the configuration in one stage; returns the problems.
pub fn check_stage(config: &Config, ctx: &StageContext) -> Vec<Diagnostic> {
    let resolver = StageResolver(ctx);
    let mut problems = Vec::new();
    let mut eval = |e: &Expr| {
        if let Err(d) = e.eval(&resolver) {
            if !problems.contains(&d) {
                problems.push(d);
            }
        }
    };
    for r in &config.resources {
        for a in r.attributes.values() {
            eval(&a.expr);
        }
    }
    for o in &config.outputs {
        eval(&o.value);
    }
    for i in &config.imports {
        eval(&i.id);
    }
    problems
}

pub fn run(ui: &Ui, dir: &Path, args: &ValidateArgs) -> CmdResult {
    let config = load(dir)?;
    let graph = ResourceGraph::from_config(&config)
        .map_err(|d| CliError::Diagnostic(config.sources.clone(), d))?;
    // Check the stage asked for, or every declared stage.
    let stages: Vec<Option<String>> = match &args.stage.stage {
        Some(s) => vec![Some(s.clone())],
        None if config.stages.is_empty() => vec![None],
        None => config.stages.iter().map(|s| Some(s.name.clone())).collect(),
    };
    let mut problems = Vec::new();
    let mut counts = (graph.len(), graph.edges().len());
    for stage in &stages {
        let ctx = config
            .select_stage(stage.as_deref(), &args.stage.vars)
            .map_err(|d| CliError::Diagnostic(config.sources.clone(), d))?;
        crate::redact::learn_sensitive_vars(&config, &ctx);
        let config = match config.for_stage(&ctx) {
            Ok(c) => c,
            Err(ds) => {
                for mut d in ds.0 {
                    d.message = format!("stage `{}`: {}", ctx.name, d.message);
                    problems.push(d);
                }
                continue;
            }
        };
        match ResourceGraph::from_config(&config) {
            // With for-each the count depends on the stage: the largest is reported.
            Ok(g) => counts = counts.max((g.len(), g.edges().len())),
            Err(d) => {
                problems.push(d);
                continue;
            }
        }
        for mut d in check_stage(&config, &ctx) {
            d.message = format!("stage `{}`: {}", ctx.name, d.message);
            problems.push(d);
        }
    }
    if !problems.is_empty() {
        return Err(CliError::Config(eco_config::LoadError {
            sources: config.sources.clone(),
            diagnostics: eco_config::Diagnostics(problems),
        }));
    }
    let stage_names: Vec<String> = stages
        .iter()
        .map(|s| {
            s.clone()
                .unwrap_or_else(|| eco_config::DEFAULT_STAGE.to_string())
        })
        .collect();
    ui.out(format!(
        "{} The configuration is valid: {} resources, {} dependencies, stages: {}.",
        ui.green("Success!"),
        counts.0,
        counts.1,
        stage_names.join(", ")
    ));
    Ok(Status::Ok)
}
