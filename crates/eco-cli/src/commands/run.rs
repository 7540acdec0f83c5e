//! `eco plan`, `eco apply`, `eco destroy`, `eco output`: flags in, rendering out. The pipeline
//! in between (lock, account guard, settle intents, import blocks, refresh, plan, apply) is
//! the engine's [`eco_engine::Run`].

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eco_aws::eco_provider::Live;
use eco_config::{Address, Config, StageContext};
use eco_engine::{
    Applied, Event, Faults, LockRequest, PlanOptions, PlannedRun, Resolution, RetryPolicy, Run,
    RunInputs, RunView,
};
use eco_plan::{Mode, Plan, SavedPlan, SAVED_PLAN_FORMAT};
use eco_state::{State, StateVersion};

use super::backend::{self, interruptible, parse_duration};
use super::session::{run_error, StageAws};
use super::{CliError, CmdResult, Status};
use crate::cli::{ApplyArgs, DestroyArgs, OutputArgs, PlanArgs, RunArgs};
use crate::ui::Ui;

fn config_error(config: &Config, d: eco_config::Diagnostic) -> CliError {
    CliError::Diagnostic(config.sources.clone(), d)
}

/// Shows what the run reports on its way.
struct Shown(Ui);

impl RunView for Shown {
    fn interrupted(&self, found: &Resolution) {
        self.0.out(format!("Interrupted operation: {found}"));
    }
}

/// Opens the stage's backend and AWS (unless given) and the engine's run, which checks the
/// account and takes the stage's lock for `operation`.
async fn open_run(
    ui: &Ui,
    dir: &Path,
    config: Config,
    stage: StageContext,
    aws: Option<StageAws>,
    run: &RunArgs,
    operation: &str,
) -> Result<Run, CliError> {
    let timeout = parse_duration(&run.lock_timeout)?;
    let backend = backend::open(&config, dir, &stage).await?.into_arc();
    let aws = match aws {
        Some(aws) => aws,
        None => StageAws::load(&stage).await,
    };
    aws.limit_in_flight(run.parallelism);
    let mut stage = stage;
    aws.identify(&config, &mut stage)
        .await
        .map_err(|message| CliError::msg(message, "check the stage's credentials"))?;
    let faults = match std::env::var("ECO_TEST_FAULTS") {
        Ok(spec) => Faults::parse(&spec).map_err(|e| {
            CliError::msg(format!("ECO_TEST_FAULTS: {e}"), "FAULT:STEP:ADDRESS,...")
        })?,
        Err(_) => Faults::none(),
    };
    let sources = config.sources.clone();
    let config = Arc::new(config);
    leave_to_exit(Arc::clone(&config));
    let inputs = RunInputs {
        config,
        stage: Arc::new(stage),
        registry: Arc::new(super::registry()),
        providers: aws.providers.clone(),
        backend,
        parallelism: run.parallelism,
        base_dir: dir.to_path_buf(),
        faults,
        retry: RetryPolicy::default(),
        view: Arc::new(Shown(*ui)),
    };
    let run = Run::open(inputs, &aws.account, LockRequest { operation, timeout })
        .await
        .map_err(|e| run_error(ui, &sources, e))?;
    if let Some(note) = backend::took_over_note(&run.stage().name, run.lock()) {
        ui.err_line(note);
    }
    Ok(run)
}

/// Leaves `big` for the process's exit to free: a run's configuration and plan are a large
/// tree of small allocations (at 10,000 resources, dropping them took ~10 % of a plan's CPU),
/// and the command ends right after using them, as rustc leaves its own.
fn leave_to_exit<T>(big: T) {
    std::mem::forget(big);
}

fn parse_addresses(list: &[String], flag: &str) -> Result<Vec<Address>, CliError> {
    list.iter()
        .map(|s| {
            Address::parse(s).ok_or_else(|| {
                CliError::msg(
                    format!("-{flag} {s}: not a resource address"),
                    "addresses are TYPE.NAME, e.g. s3-bucket.site, TYPE.NAME[\"KEY\"] or module.CALL.TYPE.NAME",
                )
            })
        })
        .collect()
}

/// The run's plan, its errors rendered.
async fn plan_run(ui: &Ui, run: &mut Run, options: PlanOptions) -> Result<PlannedRun, CliError> {
    let planned = run
        .plan(options)
        .await
        .map_err(|e| run_error(ui, &run.config().sources, e))?;
    // What the lookups found is known now (they are read alongside refresh).
    crate::redact::learn_sensitive_lookups(run.config(), run.stage(), &super::registry());
    Ok(planned)
}

/// Prints refusals; they make the plan an error.
fn check_refusals(ui: &Ui, plan: &Plan) -> Result<(), CliError> {
    if plan.refused.is_empty() {
        return Ok(());
    }
    for r in &plan.refused {
        ui.err_line(format!("Error: {}\n", r.message));
    }
    Err(eco_engine::RunError::Refused(plan.refused.len()).into())
}

fn load_for_run(dir: &Path, run: &RunArgs) -> Result<(Config, StageContext), CliError> {
    let config = super::load(dir)?;
    let stage = config
        .select_stage(run.stage.stage.as_deref(), &run.stage.vars)
        .map_err(|d| config_error(&config, d))?;
    crate::redact::learn_sensitive_vars(&config, &stage);
    // Nothing to expand: the configuration is the stage's as it is (no copy of it, no drop).
    let config = if config.expands_per_stage() {
        super::for_stage(&config, &stage)?
    } else {
        config
    };
    Ok((config, stage))
}

fn mode(refresh_only: bool) -> Mode {
    if refresh_only {
        Mode::RefreshOnly
    } else {
        Mode::Normal
    }
}

pub async fn plan(ui: &Ui, dir: &Path, args: &PlanArgs) -> CmdResult {
    let (config, stage, aws, preread) = match &args.generate_config_out {
        Some(out) => generate_config_out(ui, dir, &args.run, out).await?,
        None => {
            let (config, stage) = load_for_run(dir, &args.run)?;
            (config, stage, None, BTreeMap::new())
        }
    };
    let options = PlanOptions {
        mode: mode(args.refresh_only),
        refresh: args.refresh,
        targets: parse_addresses(&args.run.target, "target")?,
        replace: parse_addresses(&args.replace, "replace")?,
        expect_state: None,
        preread,
        assess_data_at_risk: true,
    };
    let mut run = open_run(ui, dir, config, stage, aws, &args.run, "plan").await?;
    let result = interruptible(async {
        let planned = plan_run(ui, &mut run, options).await?;
        show_plan(ui, &planned.plan, args.json);
        check_refusals(ui, &planned.plan)?;
        if let Some(out) = &args.out {
            save_plan(&run, &planned.plan, &planned.version, args, out)?;
            ui.out(format!(
                "\nSaved the plan to {}. To carry it out exactly: eco apply {}",
                out.display(),
                out.display()
            ));
        }
        let status = if args.detailed_exitcode && planned.plan.has_changes() {
            Status::Changes
        } else {
            Status::Ok
        };
        leave_to_exit(planned);
        Ok(status)
    })
    .await;
    run.close(result).await
}

/// `eco plan -generate-config-out FILE`: writes KDL for every `import` block whose target the
/// configuration does not declare yet (read live with the type's `import`). FILE must not exist.
/// Returns the configuration (loaded once, with FILE when it is one of the directory's), the
/// stage, its AWS when it was opened, and the targets read (the plan does not read them again).
async fn generate_config_out(
    ui: &Ui,
    dir: &Path,
    run: &RunArgs,
    out: &Path,
) -> Result<
    (
        Config,
        StageContext,
        Option<StageAws>,
        BTreeMap<String, Live>,
    ),
    CliError,
> {
    if out.exists() {
        return Err(CliError::msg(
            format!("-generate-config-out: {} already exists", out.display()),
            "name a new file: eco never overwrites configuration",
        ));
    }
    let registry = super::registry();
    let config = eco_config::load_dir_for_generation(dir, &registry).map_err(CliError::Config)?;
    let missing: Vec<&eco_config::ImportBlock> = config
        .imports
        .iter()
        .filter(|i| config.resource(&i.to).is_none())
        .collect();
    let stage = config
        .select_stage(run.stage.stage.as_deref(), &run.stage.vars)
        .map_err(|d| config_error(&config, d))?;
    crate::redact::learn_sensitive_vars(&config, &stage);
    let config = super::for_stage(&config, &stage)?;
    if missing.is_empty() {
        ui.out(
            "-generate-config-out: every import block's target is configured; nothing to write.",
        );
        return Ok((config, stage, None, BTreeMap::new()));
    }
    let aws = StageAws::load(&stage).await;
    aws.check_account(&stage).await?;
    let generated = eco_engine::generate_import_targets(
        &config,
        &stage,
        &registry,
        &aws.providers,
        RetryPolicy::default(),
    )
    .await?;
    let text = generated.text;
    std::fs::write(out, &text).map_err(|e| {
        CliError::msg(
            format!("cannot write {}: {e}", out.display()),
            "check the path",
        )
    })?;
    ui.out(format!(
        "Wrote the configuration of the imported resources to {}.\n",
        out.display()
    ));
    let config = with_generated(dir, &config, out, &text, &registry)?;
    Ok((config, stage, Some(aws), generated.read))
}

/// The configuration as `eco_config::load_dir` would read it now that `out` is written: its
/// files (already read) and `out` when it is one of the directory's `*.kdl` files.
fn with_generated(
    dir: &Path,
    config: &Config,
    out: &Path,
    text: &str,
    registry: &eco_schema::Registry,
) -> Result<Config, CliError> {
    let mut files: Vec<(String, String)> = config
        .sources
        .iter()
        .map(|(_, f)| (f.name.clone(), f.text.to_string()))
        .collect();
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let in_dir = out.extension().is_some_and(|x| x == "kdl")
        && parent.canonicalize().ok().is_some()
        && parent.canonicalize().ok() == dir.canonicalize().ok();
    if in_dir {
        files.push((eco_config::display_name(dir, out), text.to_string()));
        files.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut sources = eco_config::Sources::new();
    for (name, text) in files {
        sources.add(name, text);
    }
    eco_config::parse_sources(sources, registry).map_err(CliError::Config)
}

fn show_plan(ui: &Ui, plan: &Plan, json: bool) {
    if json {
        ui.out(serde_json::to_string_pretty(&eco_plan::render::to_json(plan)).expect("plan JSON"));
    } else {
        ui.out(eco_plan::render::render(plan, ui.color).trim_end());
    }
}

fn save_plan(
    run: &Run,
    plan: &Plan,
    version: &StateVersion,
    args: &PlanArgs,
    out: &Path,
) -> Result<(), CliError> {
    let saved = SavedPlan {
        format_version: SAVED_PLAN_FORMAT,
        eco_version: eco_state::ECO_VERSION.to_string(),
        sources: run
            .config()
            .sources
            .iter()
            .map(|(_, f)| (f.name.clone(), f.text.to_string()))
            .collect(),
        vars: run.stage().vars.clone(),
        targets: args.run.target.clone(),
        state_lineage: version.lineage().unwrap_or_default().to_string(),
        state_serial: version.serial().unwrap_or(0),
        plan: plan.clone(),
    };
    let text = serde_json::to_vec_pretty(&saved).expect("saved plans serialize");
    write_private(out, &text).map_err(|e| {
        CliError::msg(
            format!("cannot write {}: {e}", out.display()),
            "check the path",
        )
    })
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

pub async fn apply(ui: &Ui, dir: &Path, args: &ApplyArgs) -> CmdResult {
    let plan_only = [
        (
            args.plan.out.is_some(),
            "-out",
            "`eco plan -out FILE` saves a plan; `eco apply FILE` applies it",
        ),
        (
            args.plan.generate_config_out.is_some(),
            "-generate-config-out",
            "`eco plan -generate-config-out FILE` writes the KDL",
        ),
        (
            args.plan.detailed_exitcode,
            "-detailed-exitcode",
            "`eco plan -detailed-exitcode` says whether there are changes",
        ),
    ];
    if let Some((_, flag, help)) = plan_only.iter().find(|(given, _, _)| *given) {
        return Err(CliError::msg(
            format!("{flag} is a flag of `eco plan`, not of `eco apply`"),
            *help,
        ));
    }
    if let Some(file) = &args.planfile {
        return apply_saved(ui, dir, args, file).await;
    }
    let (config, stage) = load_for_run(dir, &args.plan.run)?;
    let options = PlanOptions {
        mode: mode(args.plan.refresh_only),
        refresh: args.plan.refresh,
        targets: parse_addresses(&args.plan.run.target, "target")?,
        replace: parse_addresses(&args.plan.replace, "replace")?,
        expect_state: None,
        preread: BTreeMap::new(),
        assess_data_at_risk: true,
    };
    let mut run = open_run(ui, dir, config, stage, None, &args.plan.run, "apply").await?;
    let result = interruptible(async {
        let planned = plan_run(ui, &mut run, options).await?;
        show_plan(ui, &planned.plan, args.plan.json);
        check_refusals(ui, &planned.plan)?;
        check_data_loss_allowed(&planned.plan, args)?;
        approve_and_apply(ui, &run, planned, args.auto_approve).await
    })
    .await;
    run.close(result).await
}

/// `apply -auto-approve` of a plan that would lose data goes ahead only with
/// `-allow-data-loss` (a saved plan, reviewed when it was made, needs nothing more).
fn check_data_loss_allowed(plan: &Plan, args: &ApplyArgs) -> Result<(), CliError> {
    match plan.data_at_risk_summary() {
        Some(lost) if args.auto_approve && !args.allow_data_loss => Err(CliError::msg(
            format!("this plan would lose data, and -auto-approve alone does not approve that: {lost}"),
            "review the plan, then pass -allow-data-loss as well; or save it with `eco plan -out FILE` and \
             `eco apply FILE`; or run `eco apply` without -auto-approve and answer `destroy`",
        )),
        _ => Ok(()),
    }
}

pub async fn destroy(ui: &Ui, dir: &Path, args: &DestroyArgs) -> CmdResult {
    let (config, stage) = load_for_run(dir, &args.run)?;
    let options = PlanOptions {
        mode: Mode::Destroy,
        refresh: true,
        targets: parse_addresses(&args.run.target, "target")?,
        replace: Vec::new(),
        expect_state: None,
        preread: BTreeMap::new(),
        assess_data_at_risk: true,
    };
    let mut run = open_run(ui, dir, config, stage, None, &args.run, "destroy").await?;
    let result = interruptible(async {
        let planned = plan_run(ui, &mut run, options).await?;
        show_plan(ui, &planned.plan, false);
        check_refusals(ui, &planned.plan)?;
        approve_and_apply(ui, &run, planned, args.auto_approve).await
    })
    .await;
    run.close(result).await
}

/// Asks for approval when the plan changes anything (unless -auto-approve), then applies the
/// plan shown.
async fn approve_and_apply(
    ui: &Ui,
    run: &Run,
    planned: PlannedRun,
    auto_approve: bool,
) -> CmdResult {
    if planned.plan.has_changes() && !auto_approve && !confirm(ui, &planned.plan)? {
        let what = match planned.plan.mode {
            Mode::Destroy => "Destroy",
            _ => "Apply",
        };
        ui.out(format!("{what} cancelled."));
        return Ok(Status::Failed);
    }
    let approved = planned.plan.clone();
    execute(ui, run, planned, &approved).await
}

/// A plan saved by `eco plan -out`, with the configuration and stage it was made with.
pub(crate) fn read_saved_plan(file: &Path) -> Result<(SavedPlan, Config, StageContext), CliError> {
    let bytes = std::fs::read(file).map_err(|e| {
        CliError::msg(
            format!("cannot read {}: {e}", file.display()),
            "pass a file written by `eco plan -out`",
        )
    })?;
    let saved: SavedPlan = serde_json::from_slice(&bytes).map_err(|e| {
        CliError::msg(
            format!("{} is not a saved eco plan: {e}", file.display()),
            "write one with `eco plan -out FILE`",
        )
    })?;
    if saved.format_version != SAVED_PLAN_FORMAT {
        return Err(CliError::msg(
            format!(
                "{} has plan format {}, this eco reads {SAVED_PLAN_FORMAT}",
                file.display(),
                saved.format_version
            ),
            "make the plan again with this eco",
        ));
    }
    let mut sources = eco_config::Sources::new();
    for (name, text) in &saved.sources {
        sources.add(name.clone(), text.clone());
    }
    let config =
        eco_config::parse_sources(sources, &super::registry()).map_err(CliError::Config)?;
    let stage = StageContext {
        name: saved.plan.stage.clone(),
        stage: config.stage(&saved.plan.stage).cloned(),
        vars: saved.vars.clone(),
        aws: Default::default(),
        lookups: Default::default(),
    };
    Ok((saved, config, stage))
}

async fn apply_saved(ui: &Ui, dir: &Path, args: &ApplyArgs, file: &Path) -> CmdResult {
    let (saved, config, stage) = read_saved_plan(file)?;
    let config = super::for_stage(&config, &stage)?;
    // What the plan was made with: its targets, and the replacements `-replace` asked for.
    let replace = saved
        .plan
        .changes
        .iter()
        .filter(|c| c.replace_because.iter().any(|r| r == "-replace"))
        .filter_map(|c| Address::parse(&c.address))
        .collect();
    let options = PlanOptions {
        mode: saved.plan.mode,
        refresh: true,
        targets: parse_addresses(&saved.targets, "target")?,
        replace,
        expect_state: Some((saved.state_lineage.clone(), saved.state_serial)),
        preread: BTreeMap::new(),
        // The saved plan, reviewed when it was made, is what is shown and compared.
        assess_data_at_risk: false,
    };
    let mut run = open_run(ui, dir, config, stage, None, &args.plan.run, "apply").await?;
    let result = interruptible(async {
        let planned = plan_run(ui, &mut run, options).await?;
        show_plan(ui, &saved.plan, false);
        execute(ui, &run, planned, &saved.plan).await
    })
    .await;
    run.close(result).await
}

/// Applies the approved plan (the engine refuses it if this run would do otherwise) and reports.
async fn execute(ui: &Ui, run: &Run, planned: PlannedRun, approved: &Plan) -> CmdResult {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(print_progress(*ui, rx));
    let started = Instant::now();
    let applied = run.apply(planned, approved, Some(tx)).await;
    let mut timings = printer.await.unwrap_or_default();
    let took = started.elapsed();
    let (report, finished) = match applied.map_err(|e| run_error(ui, &run.config().sources, e))? {
        Applied::NoChanges => return Ok(Status::Ok),
        Applied::Recorded => {
            ui.out("\nApply complete! State now records what AWS has.");
            return Ok(Status::Ok);
        }
        Applied::Walked { report, state } => (report, state),
    };
    let mut counts = BTreeMap::new();
    for (_, action) in &report.done {
        *counts.entry(*action).or_insert(0usize) += 1;
    }
    let count = |a| counts.get(&a).copied().unwrap_or(0);
    let imported = approved
        .changes
        .iter()
        .filter(|c| c.import_id.is_some() && report.done.iter().any(|(a, _)| *a == c.address))
        .count();
    let imported = if imported > 0 {
        format!("{imported} imported, ")
    } else {
        String::new()
    };
    let (added, changed, destroyed) = (
        count(eco_plan::Action::Create) + count(eco_plan::Action::Replace),
        count(eco_plan::Action::Update),
        count(eco_plan::Action::Delete) + count(eco_plan::Action::Replace),
    );
    for (address, because) in &report.skipped {
        ui.err_line(format!(
            "Skipped {address}: it depends on {because}, which failed"
        ));
    }
    for e in &report.errors {
        ui.err_line(format!("Error: {e}"));
    }
    let final_state = finished?;
    if report.errors.is_empty() {
        ui.out(format!(
            "\n{} Resources: {imported}{added} added, {changed} changed, {destroyed} destroyed.",
            ui.green(if approved.mode == Mode::Destroy {
                "Destroy complete!"
            } else {
                "Apply complete!"
            })
        ));
        if let Some(line) = timings_summary(took, &mut timings) {
            ui.out(line);
        }
        print_outputs(ui, &final_state);
        Ok(Status::Ok)
    } else {
        Err(CliError::msg(
            format!(
                "apply stopped with {} error{} ({added} added, {changed} changed, {destroyed} destroyed); state records everything that was done",
                report.errors.len(),
                if report.errors.len() == 1 { "" } else { "s" }
            ),
            "fix the errors above and run `eco apply` again: it continues from where this run stopped",
        ))
    }
}

fn confirm(ui: &Ui, plan: &Plan) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::msg(
            "apply needs confirmation, and standard input is not a terminal",
            "run it interactively, or pass -auto-approve",
        ));
    }
    // A plan that loses data asks for the word that says so, not the `yes` typed by habit.
    let word = match plan.data_at_risk_summary() {
        Some(lost) => {
            ui.out(format!(
                "\nThis plan destroys data: {lost}.\nDo you want to perform these actions?\n  Only 'destroy' will be accepted to approve.\n"
            ));
            "destroy"
        }
        None => {
            ui.out("\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n");
            "yes"
        }
    };
    ui.prompt("  Enter a value: ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::msg(format!("cannot read the answer: {e}"), "pass -auto-approve"))?;
    Ok(line.trim() == word)
}

/// Progress lines: "Creating...", "Still creating... [10s elapsed]", "Creation complete after 2s".
async fn print_progress(
    ui: Ui,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Event>,
) -> Vec<(String, Duration)> {
    let mut running: BTreeMap<String, (eco_plan::Action, Instant)> = BTreeMap::new();
    let mut finished = Vec::new();
    let mut bars = ProgressBars::new();
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.tick().await;
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                None => break,
                Some(Event::Started { address, action }) => {
                    bars.line(&ui, format!("{address}: {}...", action.progress_verb()));
                    running.insert(address, (action, Instant::now()));
                }
                Some(Event::Finished { address, action, id, elapsed }) => {
                    running.remove(&address);
                    bars.done(&address);
                    let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
                    if action == eco_plan::Action::NoOp {
                        bars.line(&ui, format!("{address}: Import complete{id}"));
                    } else {
                        bars.line(&ui, format!("{address}: {} complete after {}{id}", action.done_noun(), duration(elapsed)));
                        finished.push((address, elapsed));
                    }
                }
                Some(Event::Failed { address, action, .. }) => {
                    running.remove(&address);
                    bars.done(&address);
                    bars.line(&ui, format!("{address}: {} failed", action.progress_verb()));
                }
                Some(Event::Skipped { .. }) => {}
                Some(Event::Progress { address, done, total, unit }) => {
                    bars.progress(&address, done, total, unit);
                }
            },
            _ = tick.tick() => {
                for (address, (action, since)) in &running {
                    let how_far = bars
                        .how_far(address)
                        .map(|p| format!(", {p}"))
                        .unwrap_or_default();
                    bars.line(&ui, format!(
                        "{address}: Still {}... [{} elapsed{how_far}]",
                        action.progress_verb().to_lowercase(),
                        duration(since.elapsed())
                    ));
                }
            }
        }
    }
    finished
}

/// `1m10s`, `42s`: how Terraform users read elapsed times.
fn duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// The line after "Apply complete!": how long the apply took and which changes took longest.
fn timings_summary(total: Duration, finished: &mut [(String, Duration)]) -> Option<String> {
    finished.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let slowest: Vec<String> = finished
        .iter()
        .take(3)
        .filter(|(_, d)| d.as_secs() >= 1)
        .map(|(a, d)| format!("{a} ({})", duration(*d)))
        .collect();
    if finished.is_empty() {
        return None;
    }
    let mut line = format!("Took {}", duration(total));
    if !slowest.is_empty() {
        line.push_str(&format!("; slowest: {}", slowest.join(", ")));
    }
    Some(line + ".")
}

/// The progress of long operations (an s3-sync's uploads): a bar on standard error when it is
/// a terminal, otherwise `120/500 files` in the "Still creating..." lines.
struct ProgressBars {
    multi: Option<indicatif::MultiProgress>,
    bars: BTreeMap<String, indicatif::ProgressBar>,
    counts: BTreeMap<String, (u64, u64, &'static str)>,
}

impl ProgressBars {
    fn new() -> Self {
        use std::io::IsTerminal;
        ProgressBars {
            multi: std::io::stderr()
                .is_terminal()
                .then(indicatif::MultiProgress::new),
            bars: BTreeMap::new(),
            counts: BTreeMap::new(),
        }
    }

    /// Prints a progress line without tearing a bar being drawn.
    fn line(&self, ui: &Ui, line: String) {
        match &self.multi {
            Some(multi) => multi.suspend(|| ui.out(line)),
            None => ui.out(line),
        }
    }

    fn progress(&mut self, address: &str, done: u64, total: u64, unit: &'static str) {
        self.counts.insert(address.to_string(), (done, total, unit));
        let Some(multi) = &self.multi else {
            return;
        };
        let bar = self.bars.entry(address.to_string()).or_insert_with(|| {
            let bar = multi.add(indicatif::ProgressBar::new(total));
            if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
                "{{prefix}}: [{{bar:30}}] {{pos}}/{{len}} {unit}"
            )) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(address.to_string());
            bar
        });
        bar.set_length(total);
        bar.set_position(done);
    }

    fn how_far(&self, address: &str) -> Option<String> {
        self.counts
            .get(address)
            .map(|(done, total, unit)| format!("{done}/{total} {unit}"))
    }

    fn done(&mut self, address: &str) {
        self.counts.remove(address);
        if let Some(bar) = self.bars.remove(address) {
            bar.finish_and_clear();
        }
    }
}

fn print_outputs(ui: &Ui, state: &State) {
    if state.outputs.is_empty() {
        return;
    }
    ui.out("\nOutputs:\n");
    print_outputs_plain(ui, state);
}

pub async fn output(ui: &Ui, dir: &Path, args: &OutputArgs) -> CmdResult {
    let config = super::load(dir)?;
    let stage = config
        .select_stage(args.stage.as_deref(), &[])
        .map_err(|d| config_error(&config, d))?;
    crate::redact::learn_sensitive_vars(&config, &stage);
    let backend = backend::open(&config, dir, &stage).await?;
    let (state, _) = backend
        .as_dyn()
        .read(&stage.name)
        .await?
        .into_state_or_new(&stage.name);
    match &args.name {
        Some(name) => {
            let o = state.outputs.get(name).ok_or_else(|| {
                CliError::msg(
                    format!("no output `{name}` in the state of stage `{}`", stage.name),
                    "outputs are recorded by `eco apply`; `eco output` lists them",
                )
            })?;
            if args.json {
                ui.out(o.value.to_string());
            } else {
                ui.out(match &o.value {
                    serde_json::Value::String(s) => s.clone(),
                    other => eco_schema::Value::from_json(other).to_string(),
                });
            }
        }
        None if args.json => {
            let all: serde_json::Map<String, serde_json::Value> = state
                .outputs
                .iter()
                .map(|(k, o)| {
                    // A sensitive value is printed only when asked for by name.
                    let value = match o.sensitive {
                        true => serde_json::json!(eco_plan::render::SENSITIVE),
                        false => o.value.clone(),
                    };
                    let shown = serde_json::json!({"value": value, "sensitive": o.sensitive});
                    (k.clone(), shown)
                })
                .collect();
            ui.out(serde_json::to_string_pretty(&all).expect("outputs JSON"));
        }
        None => print_outputs_plain(ui, &state),
    }
    Ok(Status::Ok)
}

/// One line per output, `NAME = VALUE`, names aligned; sensitive values hidden.
pub(crate) fn print_outputs_plain(ui: &Ui, state: &State) {
    let width = state.outputs.keys().map(|k| k.len()).max().unwrap_or(0);
    for (name, o) in &state.outputs {
        let v = if o.sensitive {
            eco_plan::render::SENSITIVE.to_string()
        } else {
            eco_schema::Value::from_json(&o.value).to_string()
        };
        ui.out(format!("{name:width$} = {v}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_times_read_as_terraform_prints_them() {
        assert_eq!(duration(Duration::from_secs(7)), "7s");
        assert_eq!(duration(Duration::from_secs(70)), "1m10s");
        assert_eq!(duration(Duration::from_secs(3605)), "60m05s");
    }

    #[test]
    fn the_summary_names_the_three_slowest_changes() {
        let mut done = vec![
            ("a".to_string(), Duration::from_secs(3)),
            ("b".to_string(), Duration::from_secs(250)),
            ("c".to_string(), Duration::from_millis(200)),
            ("d".to_string(), Duration::from_secs(20)),
            ("e".to_string(), Duration::from_secs(2)),
        ];
        assert_eq!(
            timings_summary(Duration::from_secs(260), &mut done).as_deref(),
            Some("Took 4m20s; slowest: b (4m10s), d (20s), a (3s).")
        );
        let mut quick = vec![("c".to_string(), Duration::from_millis(200))];
        assert_eq!(
            timings_summary(Duration::from_millis(300), &mut quick).as_deref(),
            Some("Took 0s.")
        );
        assert_eq!(timings_summary(Duration::ZERO, &mut []), None);
    }
}
