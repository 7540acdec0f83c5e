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
            Err(errors) => {
                let mut sources = Sources::new();
                let id = sources.add(path.display().to_string(), text.clone());
                let first = errors.into_iter().next();
                let (offset, len) = first.as_ref().map_or((0, 0), |e| (e.offset, e.len));
                let (message, label) = match first {
                    Some(e) => (e.message, e.label),
                    None => ("invalid KDL".into(), "here".into()),
                };
                let help = "fix the syntax first; eco fmt only formats valid KDL";
                let diag = Diagnostic::new("eco::syntax", format!("syntax error: {message}"))
                    .at(Span::new(id, offset, len), label)
                    .help(help);
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
