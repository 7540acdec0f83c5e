//! `eco`: the command line. The only crate that prints to the terminal.

// Diagnostics are the cold error path; keeping them unboxed keeps their construction simple.
#![allow(clippy::result_large_err)]

mod cli;
mod commands;
mod redact;
mod ui;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::cli::{Cli, Command};
use crate::ui::Ui;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let args = cli::normalize_args(args, &Cli::command());
    let cli = match Cli::command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_tracing();
    let ui = Ui::new(cli.no_color);
    let dir = cli.chdir.clone().unwrap_or_else(|| ".".into());
    let result = match cli.command {
        Command::Validate(a) => commands::validate::run(&ui, &dir, &a),
        Command::Fmt(a) => commands::fmt::run(&ui, &dir, &a),
        Command::Graph(a) => commands::graph::run(&ui, &dir, &a),
        Command::Completions(a) => {
            clap_complete::generate(a.shell, &mut Cli::command(), "eco", &mut std::io::stdout());
            Ok(commands::Status::Ok)
        }
        Command::Plan(a) => block_on(commands::run::plan(&ui, &dir, &a)),
        Command::Apply(a) => block_on(commands::run::apply(&ui, &dir, &a)),
        Command::Destroy(a) => block_on(commands::run::destroy(&ui, &dir, &a)),
        Command::Refresh(a) => block_on(commands::run::apply(&ui, &dir, &a.as_apply())),
        Command::Output(a) => block_on(commands::run::output(&ui, &dir, &a)),
        Command::Show(a) => block_on(commands::show::run(&ui, &dir, &a)),
        Command::Console(a) => block_on(commands::console::run(&ui, &dir, &a)),
        Command::Import(a) => block_on(commands::import::import(&ui, &dir, &a)),
        Command::Discover(a) => block_on(commands::import::discover(&ui, &dir, &a)),
        Command::State(c) => block_on(commands::state::run(&ui, &dir, &c)),
        Command::ForceUnlock(a) => block_on(commands::state::force_unlock(&ui, &dir, &a)),
        Command::Bootstrap(a) => block_on(commands::state::bootstrap(&ui, &dir, &a)),
    };
    match result {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            ui.error(&err);
            ExitCode::from(1)
        }
    }
}

/// Runs an async command on a multi-threaded runtime.
fn block_on<F: std::future::Future<Output = commands::CmdResult>>(f: F) -> commands::CmdResult {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(f),
        Err(e) => Err(commands::CliError::msg(
            format!("cannot start the async runtime: {e}"),
            "this is a bug or a resource limit of the machine",
        )),
    }
}

/// Logs go to stderr, filtered by `ECO_LOG` (e.g. `ECO_LOG=debug`); off by default.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ECO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(redact::RedactingStderr::default)
        .with_target(true)
        .try_init();
}
