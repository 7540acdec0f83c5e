//! The command-line surface (DESIGN.md "Command line"), Terraform-style flags included.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// eco: declarative AWS infrastructure from KDL, with state you own.
#[derive(Debug, Parser)]
#[command(
    name = "eco",
    version,
    about,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Run as if started in DIR (every *.kdl file in it is read).
    #[arg(long, global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    /// No colors in output (also: the NO_COLOR environment variable).
    #[arg(long, global = true)]
    pub no_color: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, type-check and graph the configuration; no AWS calls.
    Validate(ValidateArgs),
    /// Rewrite *.kdl files in canonical format.
    Fmt(FmtArgs),
    /// Print the dependency graph (DOT, or an SVG picture).
    Graph(GraphArgs),
    /// Show what apply would change.
    Plan(PlanArgs),
    /// Make the live infrastructure match the configuration (or run a saved plan).
    Apply(ApplyArgs),
    /// Delete everything this stage manages.
    Destroy(DestroyArgs),
    /// Update state from the live resources, changing nothing in AWS (`apply -refresh-only
    /// -auto-approve`, as Terraform's `refresh`).
    Refresh(RefreshArgs),
    /// Adopt a live resource into state.
    Import(ImportArgs),
    /// List live resources that no state tracks, with import commands.
    Discover(DiscoverArgs),
    /// Inspect and edit state.
    #[command(subcommand)]
    State(StateCommand),
    /// Remove a stuck lock.
    ForceUnlock(ForceUnlockArgs),
    /// Show outputs.
    Output(OutputArgs),
    /// Show a saved plan (`eco show PLANFILE`) or a stage's state, readably or as -json.
    Show(ShowArgs),
    /// Evaluate expressions against a stage, one per line of standard input (`var.domain`,
    /// `upper(local.name)`, `s3-bucket.site.arn`); resource values come from the state.
    Console(ConsoleArgs),
    /// Create the state bucket and lock table for a stage.
    Bootstrap(BootstrapArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
}

/// `-stage` and `-var`, shared by the commands that evaluate configuration.
#[derive(Debug, Args, Clone, Default)]
pub struct StageArgs {
    /// The stage to work on (see `stage` blocks).
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// Set a variable: -var name=value (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = eco_config::parse_cli_var)]
    pub vars: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub stage: StageArgs,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Do not write; exit 1 if any file would change.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum GraphFormat {
    #[default]
    Dot,
    Svg,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: GraphFormat,
}

/// Flags shared by plan, apply and destroy.
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// Limit to these resources: for plan and apply with what they depend on, for destroy with
    /// what depends on them.
    #[arg(long, value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// Resources worked on, and AWS requests in flight (all services together), at once.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub parallelism: usize,
    /// How long to wait for the state lock (e.g. 30s, 2m).
    #[arg(long, default_value = "0s", value_name = "DURATION")]
    pub lock_timeout: String,
}

#[derive(Debug, Args, Clone)]
pub struct PlanArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Save the plan to FILE for `eco apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Read live resources first (default true; -refresh=false skips).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_value_t = true,
          default_missing_value = "true", action = clap::ArgAction::Set)]
    pub refresh: bool,
    /// Only update state from live resources; change nothing.
    #[arg(long)]
    pub refresh_only: bool,
    /// Plan to replace this resource even if nothing forces it.
    #[arg(long, value_name = "ADDRESS")]
    pub replace: Vec<String>,
    /// Exit 2 when there are changes (0 none, 1 error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Write KDL for `import` blocks whose target is not configured.
    #[arg(long, value_name = "FILE")]
    pub generate_config_out: Option<PathBuf>,
}

/// Apply takes plan's flags; those that only make sense for a plan are refused (see
/// `commands::run::apply`) and left out of `eco apply -help`.
#[derive(Debug, Args)]
#[command(
    mut_arg("out", |a| a.hide(true)),
    mut_arg("generate_config_out", |a| a.hide(true)),
    mut_arg("detailed_exitcode", |a| a.hide(true))
)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Skip the confirmation prompt.
    #[arg(long)]
    pub auto_approve: bool,
    /// With -auto-approve: go ahead even though the plan destroys or replaces resources that
    /// hold data (items, objects, users, messages, values).
    #[arg(long)]
    pub allow_data_loss: bool,
    /// A plan saved with `eco plan -out FILE`.
    pub planfile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Skip the confirmation prompt.
    #[arg(long)]
    pub auto_approve: bool,
}

#[derive(Debug, Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    pub run: RunArgs,
}

impl RefreshArgs {
    /// The `eco apply` this is: refresh-only, approved.
    pub fn as_apply(&self) -> ApplyArgs {
        ApplyArgs {
            plan: PlanArgs {
                run: self.run.clone(),
                out: None,
                json: false,
                refresh: true,
                refresh_only: true,
                replace: Vec::new(),
                detailed_exitcode: false,
                generate_config_out: None,
            },
            auto_approve: true,
            allow_data_loss: false,
            planfile: None,
        }
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// Write KDL for the imported resource (to generated.kdl; with -from-stack, to FILE if
    /// given).
    #[arg(long, value_name = "FILE", num_args = 0..=1)]
    pub generate: Option<Option<String>>,
    /// Adopt every resource of this CloudFormation stack (see
    /// docs/migrating-from-cloudformation.md).
    #[arg(long, value_name = "STACK")]
    pub from_stack: Option<String>,
    /// With -from-stack: only write the stack's template to FILE with DeletionPolicy and
    /// UpdateReplacePolicy Retain on every resource (eco never changes the stack itself).
    #[arg(long, value_name = "FILE", requires = "from_stack")]
    pub retain_template: Option<std::path::PathBuf>,
    /// Where the resource goes: TYPE.NAME.
    pub address: Option<String>,
    /// The live resource's id (see docs/import.md for each type's format).
    pub id: Option<String>,
}

impl ImportArgs {
    /// `-generate` given (with or without a value).
    pub fn generates(&self) -> bool {
        self.generate.is_some()
    }

    /// The ADDRESS and ID of a single-resource import. `-generate` takes an optional FILE (for
    /// -from-stack), so in `eco import -generate ADDRESS ID` clap reads ADDRESS as that FILE:
    /// the positionals are taken in order from there.
    pub fn address_and_id(&self) -> Option<(String, String)> {
        let given: Vec<&String> = [
            self.generate.as_ref().and_then(Option::as_ref),
            self.address.as_ref(),
            self.id.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        match given.as_slice() {
            [address, id] => Some((address.to_string(), id.to_string())),
            _ => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    #[command(flatten)]
    pub stage: StageArgs,
    /// Only this resource type.
    #[arg(long = "type", value_name = "TYPE")]
    pub type_name: Option<String>,
    /// Print generated KDL for everything found.
    #[arg(long)]
    pub kdl: bool,
    /// List the account's CloudFormation stacks and how many of their resources eco can adopt.
    #[arg(long)]
    pub stacks: bool,
}

#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the addresses in state.
    List(StateListArgs),
    /// Show one resource's state.
    Show(StateAddrArgs),
    /// Forget a resource (it stays in AWS).
    Rm(StateAddrArgs),
    /// Move a resource to another address.
    Mv(StateMvArgs),
    /// Print the raw state JSON.
    Pull(StateStageArgs),
    /// Replace the state with a file.
    Push(StatePushArgs),
}

#[derive(Debug, Args)]
pub struct StateStageArgs {
    /// The stage whose state to use (see `stage` blocks).
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// How long to wait for the state lock.
    #[arg(long, default_value = "0s", value_name = "DURATION")]
    pub lock_timeout: String,
}

#[derive(Debug, Args)]
pub struct StateListArgs {
    #[command(flatten)]
    pub stage: StateStageArgs,
    /// Only addresses starting with these.
    pub filter: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StateAddrArgs {
    #[command(flatten)]
    pub stage: StateStageArgs,
    pub address: String,
}

#[derive(Debug, Args)]
pub struct StateMvArgs {
    #[command(flatten)]
    pub stage: StateStageArgs,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Args)]
pub struct StatePushArgs {
    #[command(flatten)]
    pub stage: StateStageArgs,
    /// Push even with a lower serial or another lineage.
    #[arg(long)]
    pub force: bool,
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The stage whose lock to remove.
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// The lock ID a failed run printed.
    pub lock_id: String,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// The stage whose outputs to show.
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// Just this output.
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The stage whose state to show (without PLANFILE).
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// JSON output (sensitive values masked).
    #[arg(long)]
    pub json: bool,
    /// A plan saved with `eco plan -out FILE`.
    pub planfile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    #[command(flatten)]
    pub stage: StageArgs,
}

#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// The stage whose state backend to create.
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

/// Rewrites Terraform-style single-dash long flags (`-stage prod`, `-out=plan`) to clap's
/// double-dash form. Only names that are long flags somewhere in the command tree are
/// rewritten, so values that start with `-` and short flags are left alone; nothing after `--`.
pub fn normalize_args(args: Vec<String>, command: &clap::Command) -> Vec<String> {
    let mut longs = std::collections::HashSet::new();
    collect_longs(command, &mut longs);
    let mut out = Vec::with_capacity(args.len());
    let mut rest = false;
    for (i, arg) in args.into_iter().enumerate() {
        if i == 0 || rest {
            out.push(arg);
            continue;
        }
        if arg == "--" {
            rest = true;
            out.push(arg);
            continue;
        }
        if let Some(body) = arg.strip_prefix('-') {
            if !body.starts_with('-') && body.len() > 1 {
                let name = body.split('=').next().unwrap_or(body);
                if longs.contains(name) {
                    out.push(format!("-{arg}"));
                    continue;
                }
            }
        }
        out.push(arg);
    }
    out
}

fn collect_longs(cmd: &clap::Command, out: &mut std::collections::HashSet<String>) {
    for a in cmd.get_arguments() {
        if let Some(l) = a.get_long() {
            out.insert(l.to_string());
        }
    }
    out.insert("help".into());
    out.insert("version".into());
    for sub in cmd.get_subcommands() {
        collect_longs(sub, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Cli {
        let args = args.iter().map(|s| s.to_string()).collect();
        Cli::try_parse_from(normalize_args(args, &Cli::command())).unwrap()
    }

    #[test]
    fn single_dash_long_flags() {
        let cli = parse(&[
            "eco",
            "plan",
            "-stage",
            "prod",
            "-out=plan.bin",
            "-refresh=false",
            "-var",
            "a=1",
        ]);
        let Command::Plan(p) = cli.command else {
            panic!()
        };
        assert_eq!(p.run.stage.stage.as_deref(), Some("prod"));
        assert_eq!(p.out.unwrap().to_str(), Some("plan.bin"));
        assert!(!p.refresh);
        assert_eq!(p.run.stage.vars, [("a".to_string(), "1".to_string())]);
    }

    #[test]
    fn double_dash_and_defaults() {
        let cli = parse(&[
            "eco",
            "--chdir",
            "x",
            "plan",
            "--stage",
            "dev",
            "-detailed-exitcode",
        ]);
        assert_eq!(cli.chdir.unwrap().to_str(), Some("x"));
        let Command::Plan(p) = cli.command else {
            panic!()
        };
        assert!(p.refresh && p.detailed_exitcode);
        assert_eq!(p.run.parallelism, 10);
    }

    #[test]
    fn global_flags_after_the_subcommand() {
        let cli = parse(&["eco", "validate", "-chdir=examples/minimal", "-no-color"]);
        assert!(cli.no_color);
        assert_eq!(cli.chdir.unwrap().to_str(), Some("examples/minimal"));
    }

    #[test]
    fn values_starting_with_dash_are_left_alone() {
        let args = normalize_args(
            ["eco", "state", "show", "-unknownthing", "--", "-stage"]
                .map(String::from)
                .to_vec(),
            &Cli::command(),
        );
        assert_eq!(args[3], "-unknownthing");
        assert_eq!(args[5], "-stage");
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
