//! `eco graph [-format dot|svg]`: the dependency graph.

use std::path::Path;

use eco_graph::ResourceGraph;

use super::{load, CliError, CmdResult, Status};
use crate::cli::{GraphArgs, GraphFormat};
use crate::ui::Ui;

pub fn run(ui: &Ui, dir: &Path, args: &GraphArgs) -> CmdResult {
    let config = load(dir)?;
    let config = if args.stage.stage.is_some()
        || !config.for_each.is_empty()
        || !config.module_for_each.is_empty()
    {
        // for-each instances (of resources and of module calls) depend on the stage: without -stage, the default stage's (or the
        // first declared one's when none is the default).
        let requested = args.stage.stage.clone().or_else(|| {
            match config.select_stage(None, &args.stage.vars) {
                Ok(_) => None,
                Err(_) => config.stages.first().map(|s| s.name.clone()),
            }
        });
        let stage = config
            .select_stage(requested.as_deref(), &args.stage.vars)
            .map_err(|d| CliError::Diagnostic(config.sources.clone(), d))?;
        super::for_stage(&config, &stage)?
    } else {
        config
    };
    let graph = ResourceGraph::from_config(&config)
        .map_err(|d| CliError::Diagnostic(config.sources.clone(), d))?;
    match args.format {
        GraphFormat::Dot => ui.out(graph.to_dot().trim_end()),
        GraphFormat::Svg => ui.out(eco_graph::to_svg(&graph)),
    }
    Ok(Status::Ok)
}
