//! One module per command.

pub mod backend;
pub mod console;
pub mod fmt;
pub mod graph;
pub mod import;
#[cfg(test)]
mod managed;
pub mod run;
pub mod session;
pub mod show;
pub mod stack;
pub mod state;
pub mod validate;

use std::path::Path;

use eco_config::{Config, Diagnostic, LoadError, Sources};

/// How a command ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Exit 0.
    Ok,
    /// Exit 1 without an error message of its own (e.g. `fmt -check` found changes).
    Failed,
    /// Exit 2: changes present (`-detailed-exitcode`).
    Changes,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Failed => 1,
            Status::Changes => 2,
        }
    }
}

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// The configuration did not load.
    Config(LoadError),
    /// One diagnostic about a loaded configuration (or about a flag: then it has no span).
    Diagnostic(Sources, Diagnostic),
    /// A plain message with an optional hint.
    Message {
        message: String,
        help: Option<String>,
    },
}

impl CliError {
    /// A plain error with a hint.
    pub fn msg(message: impl Into<String>, help: impl Into<String>) -> Self {
        CliError::Message {
            message: message.into(),
            help: Some(help.into()),
        }
    }
}

pub type CmdResult = Result<Status, CliError>;

/// The registry of every resource type eco knows.
pub fn registry() -> eco_schema::Registry {
    eco_aws::registry()
}

/// Loads the configuration in `dir`.
pub fn load(dir: &Path) -> Result<Config, CliError> {
    eco_config::load_dir(dir, &registry()).map_err(CliError::Config)
}

/// The configuration for a stage: `for-each` resources expanded into their instances.
pub fn for_stage(config: &Config, stage: &eco_config::StageContext) -> Result<Config, CliError> {
    config.for_stage(stage).map_err(|diagnostics| {
        CliError::Config(LoadError {
            sources: config.sources.clone(),
            diagnostics,
        })
    })
}

pub use eco_engine::id_format;
