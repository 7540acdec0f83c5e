//! The typed spec as the structure CreatePipeline and UpdatePipeline send: the live structure
//! (or an empty one) with the changed attributes taken from the configuration; an action or a
//! stage keeps the live fields eco does not manage (timeouts, output variables, conditions).

use std::collections::{BTreeMap, HashMap};

use aws_sdk_codepipeline::types::{
    self as sdk, ActionDeclaration, ActionTypeId, EncryptionKey, EncryptionKeyType, InputArtifact,
    OutputArtifact, PipelineDeclaration, PipelineVariableDeclaration, StageDeclaration,
};
use eco_provider::{Attrs, OpError};
use eco_schema::SpecEnum;

use super::spec::{desired as spec_of, Action, ArtifactStore, Stage};
use super::TY;
use crate::attrs::live_or;

/// An eco enum value as the SDK enum of the same spelling.
fn to_sdk<T: for<'a> From<&'a str>>(e: impl SpecEnum) -> T {
    T::from(e.as_str())
}

pub fn build_err(op: &str, e: impl std::fmt::Display) -> OpError {
    OpError::invalid(op, format!("{TY}: {e}"))
}

fn refuse(op: &str, message: String) -> OpError {
    OpError::invalid(op, format!("{TY}: {message}"))
}

/// Builds one SDK value per name (input or output artifacts).
fn each<T, E: std::fmt::Display>(
    names: &[String],
    op: &str,
    build: impl Fn(&String) -> Result<T, E>,
) -> Result<Option<Vec<T>>, OpError> {
    let built = names.iter().map(|n| build(n).map_err(|e| build_err(op, e)));
    built.collect::<Result<Vec<_>, _>>().map(Some)
}

/// An action over the live action of that name (whose fields eco does not manage, such as
/// timeouts or output variables, are kept).
fn action_of(
    live: Option<&ActionDeclaration>,
    want: &Action,
    stage: &str,
    op: &str,
) -> Result<ActionDeclaration, OpError> {
    if want.name.is_empty() {
        return Err(refuse(
            op,
            format!("an action of stage `{stage}` has no name"),
        ));
    }
    let type_id = ActionTypeId::builder()
        .category(to_sdk(want.category))
        .owner(to_sdk(want.owner))
        .provider(&want.provider)
        .version(want.version.as_deref().unwrap_or("1"))
        .build()
        .map_err(|e| build_err(op, e))?;
    let new = || ActionDeclaration::builder().name(&want.name).build();
    let mut a = live_or(live, TY, op, new)?;
    a.name = want.name.clone();
    a.action_type_id = Some(type_id);
    a.input_artifacts = each(&want.input_artifacts, op, |n| {
        InputArtifact::builder().name(n).build()
    })?;
    a.output_artifacts = each(&want.output_artifacts, op, |n| {
        OutputArtifact::builder().name(n).build()
    })?;
    a.configuration = Some(
        want.configuration
            .clone()
            .into_iter()
            .collect::<HashMap<_, _>>(),
    );
    a.run_order = Some(want.run_order.unwrap_or(1));
    for (slot, v) in [
        (&mut a.region, &want.region),
        (&mut a.role_arn, &want.role),
        (&mut a.namespace, &want.namespace),
    ] {
        if v.is_some() {
            slot.clone_from(v);
        }
    }
    Ok(a)
}

/// The stages in configuration order, each over the live stage of that name.
fn stages_of(
    live: &[StageDeclaration],
    stages: &[Stage],
    op: &str,
) -> Result<Vec<StageDeclaration>, OpError> {
    if stages.len() < 2 {
        let n = stages.len();
        return Err(refuse(
            op,
            format!("a pipeline needs at least two stages, got {n}"),
        ));
    }
    let mut out = Vec::new();
    for want in stages {
        let name = &want.name;
        if name.is_empty() {
            return Err(refuse(op, "a stage has no name".into()));
        }
        if want.action.is_empty() {
            return Err(refuse(op, format!("stage `{name}` has no action")));
        }
        let live_stage = live.iter().find(|st| st.name == *name);
        let actions = want
            .action
            .iter()
            .map(|a| {
                let live_action =
                    live_stage.and_then(|st| st.actions.iter().find(|l| l.name == a.name));
                action_of(live_action, a, name, op)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let new = || {
            StageDeclaration::builder()
                .name(name)
                .set_actions(Some(Vec::new()))
                .build()
        };
        let mut st = live_or(live_stage, TY, op, new)?;
        st.actions = actions;
        out.push(st);
    }
    Ok(out)
}

fn artifact_store_of(
    live: Option<&sdk::ArtifactStore>,
    want: &ArtifactStore,
    op: &str,
) -> Result<sdk::ArtifactStore, OpError> {
    let new = || {
        let store = sdk::ArtifactStore::builder().r#type(sdk::ArtifactStoreType::S3);
        store.location(&want.location).build()
    };
    let mut store = live_or(live, TY, op, new)?;
    store.location = want.location.clone();
    if let Some(t) = want.kind {
        store.r#type = to_sdk(t);
    }
    if let Some(k) = &want.encryption_key {
        let key = EncryptionKey::builder()
            .id(k)
            .r#type(EncryptionKeyType::Kms)
            .build()
            .map_err(|e| build_err(op, e))?;
        store.encryption_key = Some(key);
    }
    Ok(store)
}

/// The variables as declared, keeping each live variable's description.
fn variables_of(
    live: Option<Vec<PipelineVariableDeclaration>>,
    vars: &BTreeMap<String, String>,
    op: &str,
) -> Result<Option<Vec<PipelineVariableDeclaration>>, OpError> {
    let live = live.unwrap_or_default();
    let decl = vars
        .iter()
        .map(|(name, value)| {
            let description = live.iter().find(|v| v.name == *name);
            PipelineVariableDeclaration::builder()
                .name(name)
                .default_value(value)
                .set_description(description.and_then(|v| v.description.clone()))
                .build()
                .map_err(|e| build_err(op, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(decl).filter(|d| !d.is_empty()))
}

/// The pipeline structure: `base` (the live one, or an empty one for a create) with the
/// attributes in `changed` taken from the configuration.
pub fn structure(
    base: Option<&PipelineDeclaration>,
    desired: &Attrs,
    changed: &[String],
    op: &str,
) -> Result<PipelineDeclaration, OpError> {
    let want = spec_of(desired, op)?;
    let new = || {
        let p = PipelineDeclaration::builder()
            .name(&want.name)
            .role_arn(&want.role);
        p.set_stages(Some(Vec::new()))
            .pipeline_type(sdk::PipelineType::V2)
            .build()
    };
    let mut p = live_or(base, TY, op, new)?;
    for c in changed {
        match c.as_str() {
            "role" => p.role_arn = want.role.clone(),
            "pipeline-type" => {
                if let Some(t) = want.pipeline_type {
                    p.pipeline_type = Some(to_sdk(t));
                }
            }
            "execution-mode" => {
                if let Some(m) = want.execution_mode {
                    p.execution_mode = Some(to_sdk(m));
                }
            }
            "artifact-store" => {
                let store = artifact_store_of(p.artifact_store.as_ref(), &want.artifact_store, op);
                p.artifact_store = Some(store?);
            }
            "stage" if desired.contains_key("stage") => {
                p.stages = stages_of(&p.stages, &want.stage, op)?;
            }
            "variables" => {
                if let Some(vars) = &want.variables {
                    p.variables = variables_of(p.variables.take(), vars, op)?;
                }
            }
            "name" => {
                let why = "`name` cannot change in place (it forces a replacement)";
                return Err(refuse(op, why.into()));
            }
            _ => {}
        }
    }
    if base.is_none() && p.artifact_store.is_none() {
        return Err(refuse(op, "`artifact-store` is required".into()));
    }
    if base.is_none() && p.stages.is_empty() {
        return Err(refuse(op, "a pipeline needs at least two stages".into()));
    }
    Ok(p)
}

/// A structure with AWS's defaults filled in and the version left out, so that what eco would
/// send compares with what GetPipeline reports.
pub fn normalized(p: &PipelineDeclaration) -> PipelineDeclaration {
    let mut p = p.clone();
    p.version = None;
    for st in &mut p.stages {
        for a in &mut st.actions {
            a.run_order.get_or_insert(1);
            a.configuration.get_or_insert_with(HashMap::new);
            a.input_artifacts.get_or_insert_with(Vec::new);
            a.output_artifacts.get_or_insert_with(Vec::new);
        }
    }
    if p.variables.as_ref().is_some_and(|v| v.is_empty()) {
        p.variables = None;
    }
    p
}
