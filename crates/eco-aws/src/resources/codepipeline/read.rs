//! What AWS reports, as the typed spec: GetPipeline's structure -> [`Codepipeline`].

use std::collections::BTreeMap;

use aws_sdk_codepipeline::types::{ActionDeclaration, PipelineDeclaration, StageDeclaration};
use eco_provider::Attrs;
use eco_schema::{Spec, SpecEnum};

use super::spec::{
    Action, ArtifactStore, Category, Codepipeline, ExecutionMode, Owner, PipelineType, Stage,
    StoreType,
};

/// A string AWS reports, `None` when absent or empty.
fn text(v: Option<&str>) -> Option<String> {
    v.filter(|v| !v.is_empty()).map(str::to_string)
}

fn action(a: &ActionDeclaration) -> Action {
    let t = a.action_type_id.as_ref();
    Action {
        name: a.name.clone(),
        category: t
            .and_then(|t| Category::parse(t.category.as_str()))
            .unwrap_or(Category::Source),
        owner: t
            .and_then(|t| Owner::parse(t.owner.as_str()))
            .unwrap_or(Owner::Aws),
        provider: t.map(|t| t.provider.clone()).unwrap_or_default(),
        version: t.map(|t| t.version.clone()),
        input_artifacts: a.input_artifacts().iter().map(|i| i.name.clone()).collect(),
        output_artifacts: a
            .output_artifacts()
            .iter()
            .map(|o| o.name.clone())
            .collect(),
        configuration: a
            .configuration
            .clone()
            .unwrap_or_default()
            .into_iter()
            .collect(),
        run_order: Some(a.run_order.unwrap_or(1)),
        region: text(a.region.as_deref()),
        role: text(a.role_arn.as_deref()),
        namespace: text(a.namespace.as_deref()),
    }
}

fn stage(st: &StageDeclaration) -> Stage {
    let mut actions: Vec<&ActionDeclaration> = st.actions.iter().collect();
    actions.sort_by(|a, b| a.name.cmp(&b.name));
    Stage {
        name: st.name.clone(),
        action: actions.into_iter().map(action).collect(),
    }
}

/// A pipeline as the typed spec (stages in pipeline order, actions by name).
pub fn from_live(
    p: &PipelineDeclaration,
    arn: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> Codepipeline {
    let store = p.artifact_store.as_ref();
    let variables: BTreeMap<String, String> = p
        .variables()
        .iter()
        .map(|v| (v.name.clone(), v.default_value.clone().unwrap_or_default()))
        .collect();
    Codepipeline {
        name: p.name.clone(),
        role: p.role_arn.clone(),
        pipeline_type: p
            .pipeline_type
            .as_ref()
            .and_then(|t| PipelineType::parse(t.as_str())),
        execution_mode: p
            .execution_mode
            .as_ref()
            .and_then(|m| ExecutionMode::parse(m.as_str())),
        artifact_store: ArtifactStore {
            location: store.map(|s| s.location.clone()).unwrap_or_default(),
            kind: store.and_then(|s| StoreType::parse(s.r#type.as_str())),
            encryption_key: store
                .and_then(|s| s.encryption_key.as_ref())
                .map(|k| k.id.clone()),
        },
        stage: p.stages.iter().map(stage).collect(),
        variables: Some(variables).filter(|v| !v.is_empty()),
        arn: arn.map(str::to_string),
        version: p.version.map(i64::from),
        tags: tags.clone(),
    }
}

/// What `read` reports for a pipeline, in configuration shape.
pub fn to_attrs(
    p: &PipelineDeclaration,
    arn: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> Attrs {
    let mut a = from_live(p, arn, tags).to_attrs();
    // Every pipeline reports its tags and stages, none included.
    a.entry("tags".into())
        .or_insert_with(|| crate::tags::tags_value(tags));
    a.entry("stage".into())
        .or_insert_with(|| eco_provider::Value::List(Vec::new()));
    a
}
