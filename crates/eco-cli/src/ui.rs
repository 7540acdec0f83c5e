//! Terminal output: diagnostics through miette, colors unless `-no-color` / `NO_COLOR`.

use std::io::IsTerminal;

use eco_config::{Diagnostic, Sources};

use crate::commands::CliError;
use crate::redact::redact;

/// How eco writes to the terminal: every line eco prints goes through here.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub color: bool,
}

impl Ui {
    /// Colors when stderr is a terminal and neither `-no-color` nor `NO_COLOR` says otherwise.
    pub fn new(no_color: bool) -> Self {
        let env_off = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Ui {
            color: !no_color && !env_off && std::io::stderr().is_terminal(),
        }
    }

    fn handler(&self) -> miette::GraphicalReportHandler {
        let theme = if self.color {
            miette::GraphicalTheme::unicode()
        } else {
            miette::GraphicalTheme::unicode_nocolor()
        };
        miette::GraphicalReportHandler::new_themed(theme).with_width(100)
    }

    /// Prints diagnostics with their source lines.
    pub fn diagnostics<'a>(
        &self,
        sources: &Sources,
        diags: impl IntoIterator<Item = &'a Diagnostic>,
    ) {
        let handler = self.handler();
        for d in diags {
            let report = d.to_report(sources);
            let mut out = String::new();
            if handler.render_report(&mut out, report.as_ref()).is_err() {
                out = d.to_plain(sources);
            }
            eprintln!("{}", redact(&out));
        }
    }

    /// Prints an error that ended a command.
    pub fn error(&self, err: &CliError) {
        match err {
            CliError::Config(e) => {
                self.diagnostics(&e.sources, e.diagnostics.iter());
                let n = e.diagnostics.len();
                eprintln!(
                    "{} {} found",
                    n,
                    if n == 1 { "problem" } else { "problems" }
                );
            }
            CliError::Diagnostic(sources, d) => self.diagnostics(sources, [d]),
            CliError::Message { message, help } => {
                eprintln!("{}", redact(&format!("Error: {message}")));
                if let Some(help) = help {
                    eprintln!("{}", redact(&format!("  help: {help}")));
                }
            }
        }
    }

    /// A line of normal output. A reader that went away (`eco graph | head`) is not an error:
    /// the rest of the output is dropped and the command goes on (an apply must finish).
    pub fn out(&self, line: impl AsRef<str>) {
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), "{}", redact(line.as_ref()));
    }

    /// A line on standard error (warnings, errors of a run that goes on).
    pub fn err_line(&self, line: impl AsRef<str>) {
        eprintln!("{}", redact(line.as_ref()));
    }

    /// A question on standard output, without a newline, flushed so it shows before the answer.
    pub fn prompt(&self, text: &str) {
        use std::io::Write;
        print!("{}", redact(text));
        let _ = std::io::stdout().flush();
    }

    /// Green when colored.
    pub fn green(&self, s: &str) -> String {
        if self.color {
            format!("\x1b[32m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}
