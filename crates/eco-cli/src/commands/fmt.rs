//! `eco fmt [-check]`: canonical formatting of every *.kdl file in the directory.

use std::path::Path;

use eco_config::{Diagnostic, Sources, Span};

use super::{CliError, CmdResult, Status};
use crate::cli::FmtArgs;
use crate::ui::Ui;

pub fn run(ui: &Ui, dir: &Path, args: &FmtArgs) -> CmdResult {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| {
            CliError::msg(
                format!("cannot read {}: {e}", dir.display()),
                "pass -chdir DIR with your *.kdl files",
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "kdl") && p.is_file())
        .collect();
    paths.sort();
    let mut changed = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::msg(
                format!("cannot read {}: {e}", path.display()),
                "check the file",
            )
        })?;
        let formatted = match eco_config::format_source(&text) {
            Ok(f) => f,
            Err(err) => {
                let mut sources = Sources::new();
                let id = sources.add(path.display().to_string(), text.clone());
                let d = err.diagnostics.first();
                let diag = Diagnostic::new(
                    "eco::syntax",
                    format!(
                        "syntax error: {}",
                        d.and_then(|d| d.message.clone())
                            .unwrap_or_else(|| "invalid KDL".into())
                    ),
                )
                .at(
                    Span::new(
                        id,
                        d.map(|d| d.span.offset()).unwrap_or(0),
                        d.map(|d| d.span.len()).unwrap_or(0),
                    ),
                    d.and_then(|d| d.label.clone())
                        .unwrap_or_else(|| "here".into()),
                )
                .help("fix the syntax first; eco fmt only formats valid KDL");
                return Err(CliError::Diagnostic(sources, diag));
            }
        };
        if formatted != text {
            changed.push(path.clone());
            if !args.check {
                std::fs::write(path, formatted).map_err(|e| {
                    CliError::msg(
                        format!("cannot write {}: {e}", path.display()),
                        "check permissions",
                    )
                })?;
            }
        }
    }
    for p in &changed {
        ui.out(p.display().to_string());
    }
    if args.check && !changed.is_empty() {
        ui.err_line(format!(
            "{} file(s) are not formatted; run `eco fmt` to fix",
            changed.len()
        ));
        return Ok(Status::Failed);
    }
    Ok(Status::Ok)
}
