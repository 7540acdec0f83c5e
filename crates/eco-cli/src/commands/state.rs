//! `eco state list|show|rm|mv|pull|push`, `eco force-unlock`, `eco bootstrap`.

use std::path::Path;

use eco_plan::sensitive::Sensitivity;
use eco_schema::{Schema, Shape, Value};
use eco_state::{ResourceState, State};

use super::backend::{self, locked, parse_duration, Backend};
use super::{load, CliError, CmdResult, Status};
use crate::cli::{BootstrapArgs, ForceUnlockArgs, StateCommand, StateStageArgs};
use crate::ui::Ui;

struct Opened {
    config: eco_config::Config,
    stage: String,
    backend: Backend,
}

async fn open(dir: &Path, stage: Option<&str>) -> Result<Opened, CliError> {
    let config = load(dir)?;
    let ctx = config
        .select_stage(stage, &[])
        .map_err(|d| CliError::Diagnostic(config.sources.clone(), d))?;
    crate::redact::learn_sensitive_vars(&config, &ctx);
    let config = super::for_stage(&config, &ctx)?;
    let backend = backend::open(&config, dir, &ctx).await?;
    Ok(Opened {
        config,
        stage: ctx.name,
        backend,
    })
}

async fn read(o: &Opened) -> Result<(State, eco_state::StateVersion), CliError> {
    let snapshot = o.backend.as_dyn().read(&o.stage).await?;
    Ok(snapshot.into_state_or_new(&o.stage))
}

pub async fn run(ui: &Ui, dir: &Path, command: &StateCommand) -> CmdResult {
    match command {
        StateCommand::List(a) => {
            let o = open(dir, a.stage.stage.as_deref()).await?;
            let (state, _) = read(&o).await?;
            for address in state.addresses() {
                if a.filter.is_empty() || a.filter.iter().any(|f| address.starts_with(f.as_str())) {
                    ui.out(address);
                }
            }
            Ok(Status::Ok)
        }
        StateCommand::Show(a) => {
            let o = open(dir, a.stage.stage.as_deref()).await?;
            let (state, _) = read(&o).await?;
            let resource = state
                .resource(&a.address)
                .ok_or_else(|| no_such(&o, &a.address))?;
            let registry = super::registry();
            // Attributes set from a sensitive var (or a sensitive attribute) are hidden too.
            let sensitivity = Sensitivity::of_config(&o.config, &registry);
            let hidden = sensitivity.hidden(&resource.address);
            ui.out(render_resource(
                resource,
                registry.get(&resource.type_),
                &hidden,
            ));
            Ok(Status::Ok)
        }
        StateCommand::Rm(a) => {
            mutate(ui, dir, &a.stage, "state rm", |state| {
                if state.resource(&a.address).is_none() && state.forget_intents(&a.address) {
                    return Ok(format!(
                        "Removed the interrupted operation on {} from state (if it made \
                         something in AWS, `eco discover` lists it).",
                        a.address
                    ));
                }
                state.remove(&a.address)?;
                Ok(format!(
                    "Removed {} from state (it still exists in AWS; `eco import` adopts it again).",
                    a.address
                ))
            })
            .await
        }
        StateCommand::Mv(a) => {
            for address in [&a.from, &a.to] {
                if eco_config::Address::parse(address).is_none() {
                    return Err(CliError::msg(
                        format!("state mv: `{address}` is not a resource address"),
                        "addresses are TYPE.NAME, TYPE.NAME[\"KEY\"] or module.CALL.TYPE.NAME",
                    ));
                }
            }
            mutate(ui, dir, &a.stage, "state mv", |state| {
                state.move_resource(&a.from, &a.to)?;
                Ok(format!("Moved {} to {}.", a.from, a.to))
            })
            .await
        }
        StateCommand::Pull(a) => {
            let o = open(dir, a.stage.as_deref()).await?;
            let (state, _) = read(&o).await?;
            ui.out(String::from_utf8_lossy(&state.to_json()));
            Ok(Status::Ok)
        }
        StateCommand::Push(a) => {
            let bytes = std::fs::read(&a.file).map_err(|e| {
                CliError::msg(
                    format!("cannot read {}: {e}", a.file.display()),
                    "check the path",
                )
            })?;
            let incoming = State::from_json(
                &bytes,
                &a.file.display().to_string(),
                "push a state file written by `eco state pull`",
            )?;
            let force = a.force;
            mutate(ui, dir, &a.stage, "state push", move |state| {
                let stage = state.stage.clone();
                let stored = (state.serial > 0).then_some(&*state);
                eco_state::check_push(stored, &incoming, &stage, force)?;
                *state = incoming;
                Ok("Pushed the state.".to_string())
            })
            .await
        }
    }
}

fn no_such(o: &Opened, address: &str) -> CliError {
    CliError::msg(
        format!("{address} is not in the state of stage `{}`", o.stage),
        "`eco state list` shows what the state tracks",
    )
}

/// Reads, changes and writes the state under the lock.
async fn mutate<F>(
    ui: &Ui,
    dir: &Path,
    args: &StateStageArgs,
    operation: &str,
    change: F,
) -> CmdResult
where
    F: FnOnce(&mut State) -> Result<String, eco_state::StateError>,
{
    let o = open(dir, args.stage.as_deref()).await?;
    let timeout = parse_duration(&args.lock_timeout)?;
    let backend = o.backend.as_dyn();
    let message = locked(backend, &o.stage, operation, timeout, |_| async {
        let snapshot = backend.read(&o.stage).await?;
        let (mut state, version) = snapshot.into_state_or_new(&o.stage);
        let message = change(&mut state)?;
        backend.write(&mut state, &version).await?;
        Ok(message)
    })
    .await?;
    ui.out(message);
    Ok(Status::Ok)
}

/// A resource's state as `eco state show` prints it; sensitive values (by the schema, and the
/// top-level attributes named in `hidden`) are replaced.
pub fn render_resource(
    resource: &ResourceState,
    schema: Option<&Schema>,
    hidden: &[String],
) -> String {
    let mut paths = hidden.to_vec();
    if let Some(schema) = schema {
        sensitive_paths(&schema.attributes, "", &mut paths);
    }
    let redacted = resource.redacted(&paths.iter().map(String::as_str).collect::<Vec<_>>());
    let mut out = format!("# {}:\nid = {:?}\n", redacted.address, redacted.id);
    for (k, v) in &redacted.attributes {
        out.push_str(&format!("{k} = {}\n", Value::from_json(v)));
    }
    if !redacted.dependencies.is_empty() {
        out.push_str(&format!(
            "depends on: {}\n",
            redacted.dependencies.join(", ")
        ));
    }
    out.trim_end().to_string()
}

pub(crate) fn sensitive_paths(
    attrs: &[eco_schema::Attribute],
    prefix: &str,
    out: &mut Vec<String>,
) {
    for a in attrs {
        let path = format!("{prefix}{}", a.name);
        if a.sensitive {
            out.push(path.clone());
        }
        if let Shape::Block(b) = &a.shape {
            sensitive_paths(&b.fields, &format!("{path}."), out);
        }
    }
}

pub async fn force_unlock(ui: &Ui, dir: &Path, args: &ForceUnlockArgs) -> CmdResult {
    let o = open(dir, args.stage.as_deref()).await?;
    o.backend
        .as_dyn()
        .force_unlock(&o.stage, &args.lock_id)
        .await?;
    ui.out(format!(
        "The lock {} on stage `{}` has been removed: runs on this stage can proceed.",
        args.lock_id, o.stage
    ));
    Ok(Status::Ok)
}

pub async fn bootstrap(ui: &Ui, dir: &Path, args: &BootstrapArgs) -> CmdResult {
    let o = open(dir, args.stage.as_deref()).await?;
    match &o.backend {
        Backend::Local(b) => {
            ui.out(format!(
                "The local backend needs no bootstrap: state of stage `{}` will be kept in {}.",
                o.stage,
                b.state_dir().display()
            ));
        }
        Backend::S3(b) => {
            let report = b.bootstrap().await?;
            let s = b.settings();
            ui.out(format!(
                "State bucket {} ({}): versioned, encrypted, public access blocked.\nLock table {} ({}).",
                s.bucket,
                if report.bucket_created { "created" } else { "already there; settings enforced" },
                s.lock_table,
                if report.table_created { "created" } else { "already there" },
            ));
        }
    }
    Ok(Status::Ok)
}
