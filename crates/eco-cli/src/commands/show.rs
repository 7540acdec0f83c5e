//! `eco show [PLANFILE]`: a saved plan as `eco plan` showed it, or a stage's state (every
//! resource and output) in readable form; `-json` for machines. Reads only: no lock, no AWS
//! calls besides reading the state.

use std::path::Path;

use eco_plan::render::SENSITIVE;
use eco_plan::sensitive::Sensitivity;
use eco_state::State;

use super::{backend, load, CliError, CmdResult, Status};
use crate::cli::ShowArgs;
use crate::ui::Ui;

pub async fn run(ui: &Ui, dir: &Path, args: &ShowArgs) -> CmdResult {
    match &args.planfile {
        Some(file) => show_saved_plan(ui, file, args.json),
        None => show_state(ui, dir, args).await,
    }
}

fn show_saved_plan(ui: &Ui, file: &Path, json: bool) -> CmdResult {
    let (saved, config, stage) = super::run::read_saved_plan(file)?;
    crate::redact::learn_sensitive_vars(&config, &stage);
    if json {
        ui.out(
            serde_json::to_string_pretty(&eco_plan::render::to_json(&saved.plan))
                .expect("plan JSON"),
        );
    } else {
        ui.out(format!(
            "Saved plan for stage `{}` (made against state serial {}):\n",
            saved.plan.stage, saved.state_serial
        ));
        ui.out(eco_plan::render::render(&saved.plan, ui.color).trim_end());
    }
    Ok(Status::Ok)
}

async fn show_state(ui: &Ui, dir: &Path, args: &ShowArgs) -> CmdResult {
    let config = load(dir)?;
    let stage = config
        .select_stage(args.stage.as_deref(), &[])
        .map_err(|d| CliError::Diagnostic(config.sources.clone(), d))?;
    crate::redact::learn_sensitive_vars(&config, &stage);
    let config = super::for_stage(&config, &stage)?;
    let backend = backend::open(&config, dir, &stage).await?;
    let (state, _) = backend
        .as_dyn()
        .read(&stage.name)
        .await?
        .into_state_or_new(&stage.name);
    let registry = super::registry();
    let sensitivity = Sensitivity::of_config(&config, &registry);
    if args.json {
        ui.out(serde_json::to_string_pretty(&state_json(&state, &sensitivity)).expect("JSON"));
        return Ok(Status::Ok);
    }
    if state.resources.is_empty() && state.outputs.is_empty() {
        ui.out(format!(
            "The state of stage `{}` is empty: nothing is managed yet.",
            stage.name
        ));
        return Ok(Status::Ok);
    }
    ui.out(format!(
        "Stage `{}`: {} resources (state serial {}).\n",
        stage.name,
        state.resources.len(),
        state.serial
    ));
    for resource in &state.resources {
        let hidden = sensitivity.hidden(&resource.address);
        ui.out(super::state::render_resource(
            resource,
            registry.get(&resource.type_),
            &hidden,
        ));
        ui.out("");
    }
    if !state.outputs.is_empty() {
        ui.out("Outputs:\n");
        super::run::print_outputs_plain(ui, &state);
    }
    Ok(Status::Ok)
}

/// The state as `eco show -json` prints it: sensitive attributes and outputs masked.
fn state_json(state: &State, sensitivity: &Sensitivity) -> serde_json::Value {
    let registry = super::registry();
    let resources: Vec<serde_json::Value> = state
        .resources
        .iter()
        .map(|r| {
            let mut hidden = sensitivity.hidden(&r.address);
            if let Some(schema) = registry.get(&r.type_) {
                super::state::sensitive_paths(&schema.attributes, "", &mut hidden);
            }
            let shown = r.redacted(&hidden.iter().map(String::as_str).collect::<Vec<_>>());
            serde_json::json!({
                "address": shown.address,
                "type": shown.type_,
                "id": shown.id,
                "attributes": shown.attributes,
                "dependencies": shown.dependencies,
            })
        })
        .collect();
    let outputs: serde_json::Map<String, serde_json::Value> = state
        .outputs
        .iter()
        .map(|(k, o)| {
            let value = match o.sensitive {
                true => serde_json::json!(SENSITIVE),
                false => o.value.clone(),
            };
            (
                k.clone(),
                serde_json::json!({"value": value, "sensitive": o.sensitive}),
            )
        })
        .collect();
    serde_json::json!({
        "format_version": 1,
        "stage": state.stage,
        "serial": state.serial,
        "resources": resources,
        "outputs": outputs,
    })
}
