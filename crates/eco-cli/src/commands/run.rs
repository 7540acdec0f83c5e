//! `eco plan`, `eco apply`, `eco destroy`, `eco output`: the run pipeline.
//!
//! load configuration -> graph -> open state backend and take the stage's lock -> settle
//! interrupted operations -> refresh -> plan -> (apply: confirm, walk, persist) -> release lock.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eco_config::{Address, Config, StageContext};
use eco_engine::{Engine, Event, Faults, RetryPolicy};
use eco_graph::ResourceGraph;
use eco_plan::{EvalContext, Mode, Plan, SavedPlan, SAVED_PLAN_FORMAT};
use eco_state::{State, StateBackend, StateVersion, StateWriter};

use super::backend::{self, locked, parse_duration};
use super::{CliError, CmdResult, Status};
use crate::cli::{ApplyArgs, DestroyArgs, OutputArgs, PlanArgs, RunArgs};
use crate::ui::Ui;

/// Everything a run needs, loaded.
struct Session {
    config: Arc<Config>,
    stage: Arc<StageContext>,
    registry: Arc<eco_schema::Registry>,
    graph: ResourceGraph,
    backend: Arc<dyn StateBackend>,
    engine: Engine,
}

fn config_error(config: &Config, d: eco_config::Diagnostic) -> CliError {
    CliError::Diagnostic(config.sources.clone(), d)
}

async fn session(
    ui: &Ui,
    dir: &Path,
    config: Config,
    stage: StageContext,
    run: &RunArgs,
) -> Result<Session, CliError> {
    let registry = super::registry();
    let graph = ResourceGraph::from_config(&config).map_err(|d| config_error(&config, d))?;
    let backend = backend::open(&config, dir, &stage).await?.into_arc();
    let aws = eco_aws::Aws::load(&aws_options(&stage)).await;
    check_account(&aws, &stage).await?;
    let providers = Arc::new(eco_aws::providers(&aws));
    let faults = match std::env::var("ECO_TEST_FAULTS") {
        Ok(spec) => Faults::parse(&spec).map_err(|e| {
            CliError::msg(format!("ECO_TEST_FAULTS: {e}"), "FAULT:STEP:ADDRESS,...")
        })?,
        Err(_) => Faults::none(),
    };
    let engine = Engine {
        config: Arc::new(config.clone()),
        stage: Arc::new(stage.clone()),
        registry: Arc::new(registry.clone()),
        providers,
        parallelism: run.parallelism.max(1),
        base_dir: dir.to_path_buf(),
        faults,
        retry: RetryPolicy::default(),
        events: None,
    };
    let missing = engine.check_providers();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|e| e.to_string()).collect();
        return Err(CliError::msg(
            format!("eco cannot manage every resource type in this configuration yet:\n  {}", names.join("\n  ")),
            "the operations of each resource family arrive with its issue; `eco validate` checks these configurations today",
        ));
    }
    let _ = ui;
    Ok(Session {
        config: engine.config.clone(),
        stage: engine.stage.clone(),
        registry: engine.registry.clone(),
        graph,
        backend,
        engine,
    })
}

/// The guard against deploying one stage into another's account: the credentials' account
/// (after any assume-role) must be the one the stage declares. Runs before any call that
/// changes anything.
pub(super) async fn check_account(
    aws: &eco_aws::Aws,
    stage: &StageContext,
) -> Result<(), CliError> {
    let Some(declared) = stage.stage.as_ref().and_then(|s| s.account.clone()) else {
        return Ok(());
    };
    let actual = aws.caller_account().await.map_err(|e| {
        CliError::msg(
            format!(
                "cannot tell which AWS account the credentials of stage `{}` act in: {e}",
                stage.name
            ),
            "check the credentials (AWS_PROFILE, the stage's profile or assume-role)",
        )
    })?;
    if actual != declared {
        return Err(CliError::msg(
            format!(
                "stage `{}` declares account {declared}, but the credentials act in account {actual}; eco changed nothing",
                stage.name
            ),
            format!(
                "use credentials for account {declared} (a profile, or `assume-role` in the stage block), or run another stage"
            ),
        ));
    }
    tracing::debug!(stage = %stage.name, account = %actual, "account checked");
    Ok(())
}

fn aws_options(stage: &StageContext) -> eco_aws::aws::AwsOptions {
    let s = stage.stage.as_ref();
    eco_aws::aws::AwsOptions {
        region: s.and_then(|s| s.region.clone()),
        profile: s.and_then(|s| s.profile.clone()),
        assume_role: s.and_then(|s| s.assume_role.as_ref().map(|r| r.role_arn.clone())),
        session_name: s.and_then(|s| s.assume_role.as_ref().and_then(|r| r.session_name.clone())),
        external_id: s.and_then(|s| s.assume_role.as_ref().and_then(|r| r.external_id.clone())),
        endpoint: s.and_then(|s| s.endpoint.clone()),
    }
}

fn parse_addresses(list: &[String], flag: &str) -> Result<Vec<Address>, CliError> {
    list.iter()
        .map(|s| {
            Address::parse(s).ok_or_else(|| {
                CliError::msg(
                    format!("-{flag} {s}: not a resource address"),
                    "addresses are TYPE.NAME, e.g. s3-bucket.site",
                )
            })
        })
        .collect()
}

/// The state to plan against, after settling interrupted operations (persisted) and refreshing.
struct Prepared {
    refreshed: State,
    version: StateVersion,
    prior: Option<State>,
    /// What `import` blocks adopt: address -> live id (read, in `refreshed`, not yet persisted).
    imports: BTreeMap<String, String>,
}

async fn prepare(
    ui: &Ui,
    s: &Session,
    refresh: bool,
    targets: &[Address],
    imports: bool,
) -> Result<Prepared, CliError> {
    let snapshot = s.backend.read(&s.stage.name).await?;
    let (state, mut version) = snapshot.into_state_or_new(&s.stage.name);
    let state = if state.pending.is_empty() {
        state
    } else {
        let (mut resolved, found, errors) = s.engine.resolve_pending(&state).await;
        for f in &found {
            ui.out(format!("Interrupted operation: {f}"));
        }
        report_errors(ui, &errors);
        version = s.backend.write(&mut resolved, &version).await?;
        if !errors.is_empty() {
            return Err(CliError::msg(
                "could not settle the operations an interrupted apply left",
                "fix the errors above and run again; state keeps the unsettled intents",
            ));
        }
        resolved
    };
    let (state, imported) = if imports {
        read_imports(ui, s, &state).await?
    } else {
        (state, BTreeMap::new())
    };
    if !refresh {
        return Ok(Prepared {
            refreshed: state,
            version,
            prior: None,
            imports: imported,
        });
    }
    let scope: Option<HashSet<String>> = if targets.is_empty() {
        None
    } else {
        let mut keep: HashSet<String> = HashSet::new();
        for t in targets {
            keep.insert(t.to_string());
            for d in s
                .graph
                .with_dependencies_of(std::slice::from_ref(t))
                .addresses()
            {
                keep.insert(d.to_string());
            }
        }
        Some(keep)
    };
    let started = Instant::now();
    let (refreshed, errors) = s.engine.refresh(&state, scope.as_ref()).await;
    tracing::debug!(resources = state.resources.len(), elapsed = ?started.elapsed(), "refreshed");
    if !errors.is_empty() {
        report_errors(ui, &errors);
        return Err(CliError::msg(
            "refresh failed",
            "check credentials and the errors above; state was not changed",
        ));
    }
    Ok(Prepared {
        refreshed,
        version,
        prior: Some(state),
        imports: imported,
    })
}

/// Reads what the configuration's `import` blocks name (see `Engine::import_blocks`).
async fn read_imports(
    ui: &Ui,
    s: &Session,
    state: &State,
) -> Result<(State, BTreeMap<String, String>), CliError> {
    if s.config.imports.is_empty() {
        return Ok((state.clone(), BTreeMap::new()));
    }
    let (state, imported, errors) = s.engine.import_blocks(state).await;
    if !errors.is_empty() {
        report_errors(ui, &errors);
        return Err(CliError::msg(
            "an `import` block could not be read",
            "check each block's id (docs/import.md lists every type's id format); state was not changed",
        ));
    }
    Ok((state, imported))
}

fn report_errors(ui: &Ui, errors: &[eco_engine::EngineError]) {
    for e in errors {
        ui.err_line(format!("Error: {e}"));
    }
}

fn make_plan(
    s: &Session,
    p: &Prepared,
    targets: &[Address],
    replace: &[Address],
    mode: Mode,
) -> Result<Plan, CliError> {
    let expander = s.engine.expander();
    eco_plan::plan(&eco_plan::PlanRequest {
        eval: EvalContext {
            config: &s.config,
            stage: &s.stage,
            registry: &s.registry,
            expander: Some(&expander),
        },
        graph: &s.graph,
        state: &p.refreshed,
        prior: p.prior.as_ref(),
        targets,
        replace,
        mode,
    })
    .map(|mut plan| {
        if mode == Mode::Normal && !p.imports.is_empty() {
            let imports: BTreeMap<String, String> = p
                .imports
                .iter()
                .filter(|(a, _)| targets.is_empty() || targets.iter().any(|t| t.to_string() == **a))
                .map(|(a, id)| (a.clone(), id.clone()))
                .collect();
            plan.mark_imports(&imports);
        }
        plan
    })
    .map_err(|d| {
        CliError::Config(eco_config::LoadError {
            sources: s.config.sources.clone(),
            diagnostics: d,
        })
    })
}

/// Prints refusals; they make the plan an error.
fn check_refusals(ui: &Ui, plan: &Plan) -> Result<(), CliError> {
    if plan.refused.is_empty() {
        return Ok(());
    }
    for r in &plan.refused {
        ui.err_line(format!("Error: {}\n", r.message));
    }
    Err(CliError::msg(
        format!(
            "the plan was refused ({} problem{}); nothing was changed",
            plan.refused.len(),
            if plan.refused.len() == 1 { "" } else { "s" }
        ),
        "see each explanation above",
    ))
}

fn load_for_run(dir: &Path, run: &RunArgs) -> Result<(Config, StageContext), CliError> {
    let config = super::load(dir)?;
    let stage = config
        .select_stage(run.stage.stage.as_deref(), &run.stage.vars)
        .map_err(|d| config_error(&config, d))?;
    Ok((config, stage))
}

pub async fn plan(ui: &Ui, dir: &Path, args: &PlanArgs) -> CmdResult {
    if let Some(out) = &args.generate_config_out {
        super::import::generate_config_out(ui, dir, &args.run.stage, out).await?;
    }
    let (config, stage) = load_for_run(dir, &args.run)?;
    let s = session(ui, dir, config, stage, &args.run).await?;
    let targets = parse_addresses(&args.run.target, "target")?;
    let replace = parse_addresses(&args.replace, "replace")?;
    let timeout = parse_duration(&args.run.lock_timeout)?;
    let mode = if args.refresh_only {
        Mode::RefreshOnly
    } else {
        Mode::Normal
    };
    let (plan, version) = locked(
        s.backend.as_ref(),
        &s.stage.name,
        "plan",
        timeout,
        |_| async {
            let p = prepare(ui, &s, args.refresh, &targets, true).await?;
            let plan = make_plan(&s, &p, &targets, &replace, mode)?;
            Ok((plan, p.version))
        },
    )
    .await?;
    show_plan(ui, &plan, args.json);
    check_refusals(ui, &plan)?;
    if let Some(out) = &args.out {
        save_plan(&s, &plan, &version, args, out)?;
        ui.out(format!(
            "\nSaved the plan to {}. To carry it out exactly: eco apply {}",
            out.display(),
            out.display()
        ));
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        Status::Changes
    } else {
        Status::Ok
    })
}

fn show_plan(ui: &Ui, plan: &Plan, json: bool) {
    if json {
        ui.out(serde_json::to_string_pretty(&eco_plan::render::to_json(plan)).expect("plan JSON"));
    } else {
        ui.out(eco_plan::render::render(plan, ui.color).trim_end());
    }
}

fn save_plan(
    s: &Session,
    plan: &Plan,
    version: &StateVersion,
    args: &PlanArgs,
    out: &Path,
) -> Result<(), CliError> {
    let saved = SavedPlan {
        format_version: SAVED_PLAN_FORMAT,
        eco_version: eco_state::ECO_VERSION.to_string(),
        sources: s
            .config
            .sources
            .iter()
            .map(|(_, f)| (f.name.clone(), f.text.to_string()))
            .collect(),
        vars: s.stage.vars.clone(),
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
    if let Some(file) = &args.planfile {
        return apply_saved(ui, dir, args, file).await;
    }
    let (config, stage) = load_for_run(dir, &args.plan.run)?;
    let s = session(ui, dir, config, stage, &args.plan.run).await?;
    let targets = parse_addresses(&args.plan.run.target, "target")?;
    let replace = parse_addresses(&args.plan.replace, "replace")?;
    let timeout = parse_duration(&args.plan.run.lock_timeout)?;
    let mode = if args.plan.refresh_only {
        Mode::RefreshOnly
    } else {
        Mode::Normal
    };
    locked(
        s.backend.as_ref(),
        &s.stage.name,
        "apply",
        timeout,
        |_| async {
            let p = prepare(ui, &s, args.plan.refresh, &targets, true).await?;
            let plan = make_plan(&s, &p, &targets, &replace, mode)?;
            show_plan(ui, &plan, args.plan.json);
            check_refusals(ui, &plan)?;
            execute(ui, &s, plan, p.refreshed, p.version, args.auto_approve).await
        },
    )
    .await
}

pub async fn destroy(ui: &Ui, dir: &Path, args: &DestroyArgs) -> CmdResult {
    let (config, stage) = load_for_run(dir, &args.run)?;
    let s = session(ui, dir, config, stage, &args.run).await?;
    let targets = parse_addresses(&args.run.target, "target")?;
    let timeout = parse_duration(&args.run.lock_timeout)?;
    locked(
        s.backend.as_ref(),
        &s.stage.name,
        "destroy",
        timeout,
        |_| async {
            let p = prepare(ui, &s, true, &targets, false).await?;
            let plan = make_plan(&s, &p, &targets, &[], Mode::Destroy)?;
            show_plan(ui, &plan, false);
            check_refusals(ui, &plan)?;
            execute(ui, &s, plan, p.refreshed, p.version, args.auto_approve).await
        },
    )
    .await
}

async fn apply_saved(ui: &Ui, dir: &Path, args: &ApplyArgs, file: &Path) -> CmdResult {
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
    };
    let s = session(ui, dir, config, stage, &args.plan.run).await?;
    let timeout = parse_duration(&args.plan.run.lock_timeout)?;
    locked(s.backend.as_ref(), &s.stage.name, "apply", timeout, |_| async {
        let (state, version) = s.backend.read(&s.stage.name).await?.into_state_or_new(&s.stage.name);
        let now = (version.lineage().unwrap_or_default().to_string(), version.serial().unwrap_or(0));
        if now != (saved.state_lineage.clone(), saved.state_serial) {
            return Err(CliError::msg(
                format!(
                    "the saved plan is stale: it was made against state serial {} (lineage {}), but the state of stage `{}` is now serial {} (lineage {})",
                    saved.state_serial, saved.state_lineage, s.stage.name, now.1, now.0
                ),
                "someone changed this stage since the plan was made: run `eco plan` again",
            ));
        }
        show_plan(ui, &saved.plan, false);
        // The resources the plan imports were read at plan time, not persisted: read again.
        let state = if saved.plan.changes.iter().any(|c| c.import_id.is_some()) {
            read_imports(ui, &s, &state).await?.0
        } else {
            state
        };
        execute(ui, &s, saved.plan.clone(), state, version, true).await
    })
    .await
}

/// Confirms, applies, persists, and reports.
async fn execute(
    ui: &Ui,
    s: &Session,
    plan: Plan,
    state: State,
    version: StateVersion,
    auto_approve: bool,
) -> CmdResult {
    if !plan.has_changes() {
        if plan.mode == Mode::RefreshOnly || state.serial == 0 {
            return Ok(Status::Ok);
        }
        // Record what refresh found (drift), as Terraform's apply does.
        let mut state = state;
        s.backend.write(&mut state, &version).await?;
        return Ok(Status::Ok);
    }
    if !auto_approve && !confirm(ui)? {
        ui.out("Apply cancelled.");
        return Ok(Status::Failed);
    }
    if plan.mode == Mode::RefreshOnly {
        let mut state = state;
        s.backend.write(&mut state, &version).await?;
        ui.out("\nApply complete! State now records what AWS has.");
        return Ok(Status::Ok);
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(print_progress(*ui, rx));
    let engine = Engine {
        config: s.engine.config.clone(),
        stage: s.engine.stage.clone(),
        registry: s.engine.registry.clone(),
        providers: s.engine.providers.clone(),
        parallelism: s.engine.parallelism,
        base_dir: s.engine.base_dir.clone(),
        faults: s.engine.faults.clone(),
        retry: s.engine.retry,
        events: Some(tx),
    };
    let writer = Arc::new(StateWriter::new(s.backend.clone(), state, version));
    let report = engine.apply(&plan, &s.graph, writer.clone()).await;
    drop(engine);
    let _ = printer.await;
    let writer = Arc::try_unwrap(writer)
        .map_err(|_| CliError::msg("internal: state writer still shared", "this is a bug"))?;
    let finished = writer.finish().await;
    let mut counts = BTreeMap::new();
    for (_, action) in &report.done {
        *counts.entry(*action).or_insert(0usize) += 1;
    }
    let count = |a| counts.get(&a).copied().unwrap_or(0);
    let imported = plan
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
    report_errors(ui, &report.errors);
    let (final_state, _) = finished?;
    if report.errors.is_empty() {
        ui.out(format!(
            "\n{} Resources: {imported}{added} added, {changed} changed, {destroyed} destroyed.",
            ui.green(if plan.mode == Mode::Destroy {
                "Destroy complete!"
            } else {
                "Apply complete!"
            })
        ));
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

fn confirm(ui: &Ui) -> Result<bool, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::msg(
            "apply needs confirmation, and standard input is not a terminal",
            "run it interactively, or pass -auto-approve",
        ));
    }
    ui.out("\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n");
    ui.prompt("  Enter a value: ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::msg(format!("cannot read the answer: {e}"), "pass -auto-approve"))?;
    Ok(line.trim() == "yes")
}

/// Progress lines: "Creating...", "Still creating... [10s elapsed]", "Creation complete after 2s".
async fn print_progress(ui: Ui, mut rx: tokio::sync::mpsc::UnboundedReceiver<Event>) {
    let mut running: BTreeMap<String, (eco_plan::Action, Instant)> = BTreeMap::new();
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    tick.tick().await;
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                None => break,
                Some(Event::Started { address, action }) => {
                    ui.out(format!("{address}: {}...", action.progress_verb()));
                    running.insert(address, (action, Instant::now()));
                }
                Some(Event::Finished { address, action, id, elapsed }) => {
                    running.remove(&address);
                    let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
                    if action == eco_plan::Action::NoOp {
                        ui.out(format!("{address}: Import complete{id}"));
                    } else {
                        ui.out(format!("{address}: {} complete after {}s{id}", action.done_noun(), elapsed.as_secs()));
                    }
                }
                Some(Event::Failed { address, action, .. }) => {
                    running.remove(&address);
                    ui.out(format!("{address}: {} failed", action.progress_verb()));
                }
                Some(Event::Skipped { .. }) => {}
            },
            _ = tick.tick() => {
                for (address, (action, since)) in &running {
                    ui.out(format!("{address}: Still {}... [{}s elapsed]", action.progress_verb().to_lowercase(), since.elapsed().as_secs()));
                }
            }
        }
    }
}

fn print_outputs(ui: &Ui, state: &State) {
    if state.outputs.is_empty() {
        return;
    }
    ui.out("\nOutputs:\n");
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

pub async fn output(ui: &Ui, dir: &Path, args: &OutputArgs) -> CmdResult {
    let config = super::load(dir)?;
    let stage = config
        .select_stage(args.stage.as_deref(), &[])
        .map_err(|d| config_error(&config, d))?;
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
                    (
                        k.clone(),
                        serde_json::json!({"value": o.value, "sensitive": o.sensitive}),
                    )
                })
                .collect();
            ui.out(serde_json::to_string_pretty(&all).expect("outputs JSON"));
        }
        None => print_outputs_plain(ui, &state),
    }
    Ok(Status::Ok)
}

fn print_outputs_plain(ui: &Ui, state: &State) {
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
