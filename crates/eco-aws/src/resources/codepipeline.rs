//! `codepipeline`: a CodePipeline pipeline with its stages and actions.
//!
//! AWS calls:
//! - read: GetPipeline (structure, version, ARN), then ListTagsForResource (every page)
//! - find: as read (ours by ownership tags, else Conflict)
//! - create: CreatePipeline with the structure and tags (pipeline type V2 unless set); a
//!   pipeline of that name that is ours is adopted and brought to the configuration
//! - update: GetPipeline, then UpdatePipeline with the full structure (the live one with the
//!   changed attributes replaced; an action keeps the live fields eco does not manage) only when
//!   it differs from the live structure; tags with TagResource / UntagResource
//! - delete: DeletePipeline (a missing pipeline is success)
//! - list: ListPipelines (every page), each read as above
//! - import: by pipeline name (GetPipeline)
//!
//! Stages are matched by name when diffing (as every labelled block is); reordering stages alone
//! is therefore not seen as a change.

use eco_schema::{Attribute, ScalarType, Schema};

pub const TYPE_NAME: &str = "codepipeline";

pub fn schema() -> Schema {
    let action = Attribute::repeated_block(
        "action",
        "name",
        vec![
            Attribute::string("name").doc("action name, unique in the stage"),
            Attribute::string("category")
                .required()
                .one_of(CATEGORIES)
                .doc("Source, Build, Test, Deploy, Approval or Invoke"),
            Attribute::string("owner")
                .required()
                .one_of(OWNERS)
                .doc("AWS, ThirdParty or Custom"),
            Attribute::string("provider")
                .required()
                .doc("e.g. CodeStarSourceConnection, S3, CodeBuild, Manual"),
            Attribute::string("version").doc("action type version (default 1)"),
            Attribute::list("input-artifacts", ScalarType::String)
                .doc("artifacts the action reads"),
            Attribute::list("output-artifacts", ScalarType::String)
                .doc("artifacts the action produces"),
            Attribute::map("configuration", ScalarType::String)
                .doc("provider configuration, e.g. ProjectName=..."),
            Attribute::int("run-order")
                .range(1, 999)
                .doc("order of the action within its stage (default 1)"),
            Attribute::string("region").doc("region of a cross-region action"),
            Attribute::string("role").doc("ARN of a role the action assumes"),
            Attribute::string("namespace").doc("variable namespace of the action's outputs"),
        ],
    )
    .required()
    .doc("an action of the stage");

    Schema::new(TYPE_NAME, "A CodePipeline pipeline")
        .import_id("the pipeline name")
        .attr(
            Attribute::string("name")
                .required()
                .forces_replacement()
                .doc("pipeline name; CodePipeline cannot rename a pipeline"),
        )
        .attr(
            Attribute::string("role")
                .required()
                .doc("ARN of the role the pipeline runs as (UpdatePipeline)"),
        )
        .attr(
            Attribute::string("pipeline-type")
                .one_of(PIPELINE_TYPES)
                .doc("V2 (default) or V1 (UpdatePipeline)"),
        )
        .attr(
            Attribute::string("execution-mode")
                .one_of(EXECUTION_MODES)
                .doc("QUEUED, SUPERSEDED (default) or PARALLEL (UpdatePipeline)"),
        )
        .attr(
            Attribute::block(
                "artifact-store",
                vec![
                    Attribute::string("location")
                        .required()
                        .doc("artifact bucket name"),
                    Attribute::string("type")
                        .one_of(&["S3"])
                        .doc("S3 (the only type)"),
                    Attribute::string("encryption-key")
                        .doc("KMS key ARN (default: the AWS managed key)"),
                ],
            )
            .required()
            .doc("where artifacts are kept between actions (UpdatePipeline)"),
        )
        .attr(
            Attribute::repeated_block(
                "stage",
                "name",
                vec![Attribute::string("name").doc("stage name"), action],
            )
            .required()
            .doc("a stage, in order; a pipeline needs at least two (UpdatePipeline)"),
        )
        .attr(
            Attribute::map("variables", ScalarType::String)
                .doc("pipeline-level variables with default values, V2 only (UpdatePipeline)"),
        )
        .attr(Attribute::string("arn").computed().doc("pipeline ARN"))
        .attr(
            Attribute::int("version")
                .computed()
                .doc("structure version, +1 per update"),
        )
        .taggable()
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_codepipeline::types::{
    ActionCategory, ActionDeclaration, ActionOwner, ActionTypeId, ArtifactStore, ArtifactStoreType,
    EncryptionKey, EncryptionKeyType, ExecutionMode, InputArtifact, OutputArtifact,
    PipelineDeclaration, PipelineType, PipelineVariableDeclaration, StageDeclaration, Tag,
};
use eco_provider::{Attrs, ErrorKind, Live, OpContext, OpError, ResourceProvider, Value};

use crate::attrs::blocks_with;
use crate::attrs::one_of;
use crate::attrs::{
    opt_block, opt_str, opt_str_map, req_str, s, str_list, str_list_value, str_map_value,
};
use crate::aws::{error_code, op_error, Aws};
use crate::calls::{answered, delete_if_present, get_optional};
use crate::ownership::not_ours;
use crate::tags::tag_diff;
use crate::tags::{tags_of, tags_value};

const TY: &str = TYPE_NAME;
const CATEGORIES: &[&str] = &[
    "Source", "Build", "Test", "Deploy", "Approval", "Invoke", "Compute",
];
const OWNERS: &[&str] = &["AWS", "ThirdParty", "Custom"];
const PIPELINE_TYPES: &[&str] = &["V1", "V2"];
const EXECUTION_MODES: &[&str] = &["QUEUED", "SUPERSEDED", "PARALLEL"];
const NOT_FOUND: &[&str] = &["PipelineNotFoundException", "ResourceNotFoundException"];

/// The attributes UpdatePipeline manages (with `tags`, what an adoption brings to the
/// configuration).
const STRUCTURE: &[&str] = &[
    "role",
    "pipeline-type",
    "execution-mode",
    "artifact-store",
    "stage",
    "variables",
];

fn build_err(op: &str, e: impl std::fmt::Display) -> OpError {
    OpError::invalid(op, format!("{TY}: {e}"))
}

fn gone<E: aws_sdk_codepipeline::error::ProvideErrorMetadata, R>(
    e: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> bool {
    error_code(e).is_some_and(|c| NOT_FOUND.contains(&c))
}

// --- live -> attributes ----------------------------------------------------------------------

fn action_attrs(a: &ActionDeclaration) -> Value {
    let mut m = BTreeMap::new();
    m.insert("name".to_string(), s(a.name.as_str()));
    if let Some(t) = &a.action_type_id {
        m.insert("category".into(), s(t.category.as_str()));
        m.insert("owner".into(), s(t.owner.as_str()));
        m.insert("provider".into(), s(t.provider.as_str()));
        m.insert("version".into(), s(t.version.as_str()));
    }
    // Empty lists and maps are left out (the same as none for the engine).
    let inputs = a.input_artifacts.as_deref().unwrap_or_default();
    if !inputs.is_empty() {
        m.insert(
            "input-artifacts".into(),
            str_list_value(inputs.iter().map(|i| i.name.clone())),
        );
    }
    let outputs = a.output_artifacts.as_deref().unwrap_or_default();
    if !outputs.is_empty() {
        m.insert(
            "output-artifacts".into(),
            str_list_value(outputs.iter().map(|o| o.name.clone())),
        );
    }
    let config: BTreeMap<String, String> = a
        .configuration
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    if !config.is_empty() {
        m.insert("configuration".into(), str_map_value(config.iter()));
    }
    m.insert(
        "run-order".into(),
        Value::Int(a.run_order.unwrap_or(1) as i64),
    );
    for (k, v) in [
        ("region", &a.region),
        ("role", &a.role_arn),
        ("namespace", &a.namespace),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            m.insert(k.to_string(), s(v));
        }
    }
    Value::Map(m)
}

fn stage_attrs(st: &StageDeclaration) -> Value {
    let mut actions: Vec<&ActionDeclaration> = st.actions.iter().collect();
    actions.sort_by(|a, b| a.name.cmp(&b.name));
    Value::Map(BTreeMap::from([
        ("name".to_string(), s(st.name.as_str())),
        (
            "action".to_string(),
            Value::List(actions.into_iter().map(action_attrs).collect()),
        ),
    ]))
}

/// What `read` reports for a pipeline, in configuration shape (stages in pipeline order).
pub fn to_attrs(
    p: &PipelineDeclaration,
    arn: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> Attrs {
    let mut a = Attrs::new();
    a.insert("name".into(), s(p.name.as_str()));
    a.insert("role".into(), s(p.role_arn.as_str()));
    if let Some(t) = &p.pipeline_type {
        a.insert("pipeline-type".into(), s(t.as_str()));
    }
    if let Some(m) = &p.execution_mode {
        a.insert("execution-mode".into(), s(m.as_str()));
    }
    if let Some(store) = &p.artifact_store {
        let mut m = BTreeMap::new();
        m.insert("location".to_string(), s(store.location.as_str()));
        m.insert("type".to_string(), s(store.r#type.as_str()));
        if let Some(k) = &store.encryption_key {
            m.insert("encryption-key".to_string(), s(k.id.as_str()));
        }
        a.insert("artifact-store".into(), Value::Map(m));
    }
    a.insert(
        "stage".into(),
        Value::List(p.stages.iter().map(stage_attrs).collect()),
    );
    let vars: BTreeMap<String, String> = p
        .variables
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|v| (v.name.clone(), v.default_value.clone().unwrap_or_default()))
        .collect();
    if !vars.is_empty() {
        a.insert("variables".into(), str_map_value(vars.iter()));
    }
    if let Some(arn) = arn {
        a.insert("arn".into(), s(arn));
    }
    if let Some(v) = p.version {
        a.insert("version".into(), Value::Int(v as i64));
    }
    a.insert("tags".into(), tags_value(tags));
    a
}

// --- configuration -> structure ----------------------------------------------------------------

/// The maps of a repeated block (one map is taken as one block).
fn blocks<'a>(
    value: Option<&'a Value>,
    what: &str,
    op: &str,
) -> Result<Vec<&'a BTreeMap<String, Value>>, OpError> {
    blocks_with(
        op,
        value,
        |other| format!("{TY}: each `{what}` must be a block, got {other:?}"),
        |other| format!("{TY}: `{what}` must be blocks, got {other:?}"),
    )
}

fn field_str(
    m: &BTreeMap<String, Value>,
    key: &str,
    what: &str,
    op: &str,
) -> Result<Option<String>, OpError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => Ok(Some(v.clone())),
        Some(Value::Int(n)) if key == "version" => Ok(Some(n.to_string())),
        Some(other) => Err(OpError::invalid(
            op,
            format!("{TY}: `{what}.{key}` must be a string, got {other:?}"),
        )),
    }
}

fn field_list(
    m: &BTreeMap<String, Value>,
    key: &str,
    what: &str,
    op: &str,
) -> Result<Option<Vec<String>>, OpError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(v)) => Ok(Some(vec![v.clone()])),
        Some(v) => str_list(v, &format!("{what}.{key}"), TY, op).map(Some),
    }
}

/// An action from its block, over the live action of that name (whose fields eco does not
/// manage, such as timeouts or output variables, are kept).
fn action_of(
    live: Option<&ActionDeclaration>,
    m: &BTreeMap<String, Value>,
    stage: &str,
    op: &str,
) -> Result<ActionDeclaration, OpError> {
    let name = field_str(m, "name", "action", op)?
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            OpError::invalid(
                op,
                format!("{TY}: an action of stage `{stage}` has no name"),
            )
        })?;
    let what = format!("stage \"{stage}\" action \"{name}\"");
    let need = |k: &str| -> Result<String, OpError> {
        field_str(m, k, &what, op)?
            .ok_or_else(|| OpError::invalid(op, format!("{TY}: {what} needs `{k}`")))
    };
    let category = need("category")?;
    one_of(
        op,
        Some(TY),
        &format!("{what} category"),
        &category,
        CATEGORIES,
    )?;
    let owner = need("owner")?;
    one_of(op, Some(TY), &format!("{what} owner"), &owner, OWNERS)?;
    let type_id = ActionTypeId::builder()
        .category(ActionCategory::from(category.as_str()))
        .owner(ActionOwner::from(owner.as_str()))
        .provider(need("provider")?)
        .version(field_str(m, "version", &what, op)?.unwrap_or_else(|| "1".to_string()))
        .build()
        .map_err(|e| build_err(op, e))?;
    let mut a = match live {
        Some(l) => l.clone(),
        None => ActionDeclaration::builder()
            .name(&name)
            .build()
            .map_err(|e| build_err(op, e))?,
    };
    a.name = name;
    a.action_type_id = Some(type_id);
    let inputs = field_list(m, "input-artifacts", &what, op)?.unwrap_or_default();
    a.input_artifacts = Some(
        inputs
            .into_iter()
            .map(|n| {
                InputArtifact::builder()
                    .name(n)
                    .build()
                    .map_err(|e| build_err(op, e))
            })
            .collect::<Result<_, _>>()?,
    );
    let outputs = field_list(m, "output-artifacts", &what, op)?.unwrap_or_default();
    a.output_artifacts = Some(
        outputs
            .into_iter()
            .map(|n| {
                OutputArtifact::builder()
                    .name(n)
                    .build()
                    .map_err(|e| build_err(op, e))
            })
            .collect::<Result<_, _>>()?,
    );
    a.configuration = Some(
        opt_str_map(m, "configuration", TY, op)?
            .unwrap_or_default()
            .into_iter()
            .collect::<HashMap<_, _>>(),
    );
    a.run_order = Some(match m.get("run-order") {
        None | Some(Value::Null) => 1,
        Some(Value::Int(n)) if (1..=999).contains(n) => *n as i32,
        Some(other) => {
            return Err(OpError::invalid(
                op,
                format!("{TY}: {what} run-order must be 1 to 999, got {other:?}"),
            ))
        }
    });
    for (key, slot) in [
        ("region", &mut a.region),
        ("role", &mut a.role_arn),
        ("namespace", &mut a.namespace),
    ] {
        if let Some(v) = field_str(m, key, &what, op)? {
            *slot = Some(v);
        }
    }
    Ok(a)
}

/// The stages in configuration order, each over the live stage of that name.
fn stages_of(
    live: &[StageDeclaration],
    desired: &Attrs,
    op: &str,
) -> Result<Vec<StageDeclaration>, OpError> {
    let stages = blocks(desired.get("stage"), "stage", op)?;
    if stages.len() < 2 {
        return Err(OpError::invalid(
            op,
            format!(
                "{TY}: a pipeline needs at least two stages, got {}",
                stages.len()
            ),
        ));
    }
    let mut out = Vec::new();
    for m in stages {
        let name = field_str(m, "name", "stage", op)?
            .filter(|n| !n.is_empty())
            .ok_or_else(|| OpError::invalid(op, format!("{TY}: a stage has no name")))?;
        let live_stage = live.iter().find(|st| st.name == name);
        let actions = blocks(m.get("action"), "action", op)?;
        if actions.is_empty() {
            return Err(OpError::invalid(
                op,
                format!("{TY}: stage `{name}` has no action"),
            ));
        }
        let actions = actions
            .into_iter()
            .map(|am| {
                let an = field_str(am, "name", "action", op)?;
                let live_action = live_stage
                    .and_then(|st| st.actions.iter().find(|a| Some(&a.name) == an.as_ref()));
                action_of(live_action, am, &name, op)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut st = match live_stage {
            Some(l) => l.clone(),
            None => StageDeclaration::builder()
                .name(&name)
                .set_actions(Some(Vec::new()))
                .build()
                .map_err(|e| build_err(op, e))?,
        };
        st.actions = actions;
        out.push(st);
    }
    Ok(out)
}

fn artifact_store_of(
    live: Option<&ArtifactStore>,
    m: &BTreeMap<String, Value>,
    op: &str,
) -> Result<ArtifactStore, OpError> {
    let location = field_str(m, "location", "artifact-store", op)?;
    let ty = field_str(m, "type", "artifact-store", op)?;
    if let Some(t) = &ty {
        one_of(op, Some(TY), "`artifact-store.type`", t, &["S3"])?;
    }
    let mut store = match live {
        Some(l) => l.clone(),
        None => ArtifactStore::builder()
            .r#type(ArtifactStoreType::S3)
            .location(location.clone().ok_or_else(|| {
                OpError::invalid(op, format!("{TY}: `artifact-store.location` is required"))
            })?)
            .build()
            .map_err(|e| build_err(op, e))?,
    };
    if let Some(l) = location {
        store.location = l;
    }
    if let Some(t) = ty {
        store.r#type = ArtifactStoreType::from(t.as_str());
    }
    if let Some(k) = field_str(m, "encryption-key", "artifact-store", op)? {
        store.encryption_key = Some(
            EncryptionKey::builder()
                .id(k)
                .r#type(EncryptionKeyType::Kms)
                .build()
                .map_err(|e| build_err(op, e))?,
        );
    }
    Ok(store)
}

/// The pipeline structure: `base` (the live one, or an empty one for a create) with the
/// attributes in `changed` taken from the configuration.
pub fn structure(
    base: Option<&PipelineDeclaration>,
    desired: &Attrs,
    changed: &[String],
    op: &str,
) -> Result<PipelineDeclaration, OpError> {
    let mut p = match base {
        Some(b) => b.clone(),
        None => PipelineDeclaration::builder()
            .name(req_str(desired, "name", TY, op)?)
            .role_arn(req_str(desired, "role", TY, op)?)
            .set_stages(Some(Vec::new()))
            .pipeline_type(PipelineType::V2)
            .build()
            .map_err(|e| build_err(op, e))?,
    };
    for c in changed {
        match c.as_str() {
            "role" => {
                if let Some(r) = opt_str(desired, c, TY, op)? {
                    p.role_arn = r;
                }
            }
            "pipeline-type" => {
                if let Some(t) = opt_str(desired, c, TY, op)? {
                    one_of(op, Some(TY), "`pipeline-type`", &t, PIPELINE_TYPES)?;
                    p.pipeline_type = Some(PipelineType::from(t.as_str()));
                }
            }
            "execution-mode" => {
                if let Some(m) = opt_str(desired, c, TY, op)? {
                    one_of(op, Some(TY), "`execution-mode`", &m, EXECUTION_MODES)?;
                    p.execution_mode = Some(ExecutionMode::from(m.as_str()));
                }
            }
            "artifact-store" => {
                if let Some(m) = opt_block(desired, c, TY, op)? {
                    p.artifact_store = Some(artifact_store_of(p.artifact_store.as_ref(), m, op)?);
                }
            }
            "stage" if desired.contains_key("stage") => {
                p.stages = stages_of(&p.stages, desired, op)?;
            }
            "variables" => {
                if let Some(vars) = opt_str_map(desired, c, TY, op)? {
                    let live = p.variables.take().unwrap_or_default();
                    let decl = vars
                        .into_iter()
                        .map(|(name, value)| {
                            let description = live
                                .iter()
                                .find(|v| v.name == name)
                                .and_then(|v| v.description.clone());
                            PipelineVariableDeclaration::builder()
                                .name(name)
                                .default_value(value)
                                .set_description(description)
                                .build()
                                .map_err(|e| build_err(op, e))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    p.variables = if decl.is_empty() { None } else { Some(decl) };
                }
            }
            "name" => {
                return Err(OpError::invalid(
                    op,
                    format!("{TY}: `name` cannot change in place (it forces a replacement)"),
                ))
            }
            _ => {}
        }
    }
    if base.is_none() && p.artifact_store.is_none() {
        return Err(OpError::invalid(
            op,
            format!("{TY}: `artifact-store` is required"),
        ));
    }
    if base.is_none() && p.stages.is_empty() {
        return Err(OpError::invalid(
            op,
            format!("{TY}: a pipeline needs at least two stages"),
        ));
    }
    Ok(p)
}

/// A structure with AWS's defaults filled in and the version left out, so that what eco would
/// send compares with what GetPipeline reports.
fn normalized(p: &PipelineDeclaration) -> PipelineDeclaration {
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

fn sdk_tags(tags: &BTreeMap<String, String>, op: &str) -> Result<Vec<Tag>, OpError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| build_err(op, e))
        })
        .collect()
}

/// A pipeline as read: its structure, ARN and tags.
struct LivePipeline {
    decl: PipelineDeclaration,
    arn: String,
    tags: BTreeMap<String, String>,
}

impl LivePipeline {
    fn live(&self) -> Live {
        Live {
            id: self.decl.name.clone(),
            attrs: to_attrs(&self.decl, Some(&self.arn), &self.tags),
        }
    }
}

/// The `codepipeline` operations.
pub struct Provider {
    client: aws_sdk_codepipeline::Client,
    schema: Schema,
}

impl Provider {
    pub fn new(aws: &Aws) -> Provider {
        Provider {
            client: aws.codepipeline(),
            schema: schema(),
        }
    }

    async fn get(&self, name: &str) -> Result<Option<LivePipeline>, OpError> {
        let Some(out) = get_optional(
            "GetPipeline",
            gone,
            self.client.get_pipeline().name(name).send(),
        )
        .await?
        else {
            return Ok(None);
        };
        let decl = answered(out.pipeline().cloned(), "GetPipeline", "a pipeline")?;
        let arn = out
            .metadata()
            .and_then(|m| m.pipeline_arn.clone())
            .ok_or_else(|| {
                OpError::new(
                    "GetPipeline",
                    ErrorKind::Other,
                    format!("{TY}: no ARN for pipeline `{name}`"),
                )
            })?;
        let mut tags = BTreeMap::new();
        let mut token: Option<String> = None;
        loop {
            let Some(page) = get_optional(
                "ListTagsForResource",
                gone,
                self.client
                    .list_tags_for_resource()
                    .resource_arn(&arn)
                    .set_next_token(token.take())
                    .send(),
            )
            .await?
            else {
                return Ok(None);
            };
            for t in page.tags() {
                tags.insert(t.key.clone(), t.value.clone());
            }
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(Some(LivePipeline { decl, arn, tags }))
    }

    async fn get_required(&self, name: &str, op: &str) -> Result<LivePipeline, OpError> {
        self.get(name).await?.ok_or_else(|| {
            OpError::new(
                op,
                ErrorKind::Other,
                format!("{TY}: pipeline `{name}` no longer exists (deleted outside eco?)"),
            )
        })
    }

    /// Brings `live` to `desired` for the attributes in `changed`: UpdatePipeline when the
    /// structure differs, TagResource / UntagResource when the tags do.
    async fn converge(
        &self,
        mut live: LivePipeline,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let op = "UpdatePipeline";
        let want = structure(Some(&live.decl), desired, changed, op)?;
        if normalized(&want) != normalized(&live.decl) {
            let out = self
                .client
                .update_pipeline()
                .pipeline(want)
                .send()
                .await
                .map_err(|e| op_error(op, e))?;
            match out.pipeline() {
                Some(p) => live.decl = p.clone(),
                None => live = self.get_required(&live.decl.name, op).await?,
            }
        }
        if changed.iter().any(|c| c == "tags") && desired.contains_key("tags") {
            let (set, remove) = tag_diff(&live.tags, &tags_of(desired.get("tags")), &[]);
            if !set.is_empty() {
                self.client
                    .tag_resource()
                    .resource_arn(&live.arn)
                    .set_tags(Some(sdk_tags(&set, "TagResource")?))
                    .send()
                    .await
                    .map_err(|e| op_error("TagResource", e))?;
            }
            if !remove.is_empty() {
                self.client
                    .untag_resource()
                    .resource_arn(&live.arn)
                    .set_tag_keys(Some(remove.clone()))
                    .send()
                    .await
                    .map_err(|e| op_error("UntagResource", e))?;
            }
            for k in remove {
                live.tags.remove(&k);
            }
            live.tags.extend(set);
        }
        Ok(live.live())
    }

    async fn adopt_existing(
        &self,
        ctx: &OpContext,
        live: LivePipeline,
        desired: &Attrs,
        op: &str,
    ) -> Result<Live, OpError> {
        if !ctx.owns(&live.tags) {
            let name = live.decl.name.clone();
            return Err(not_ours(
                ctx,
                op,
                &format!("pipeline `{name}`"),
                &name,
                &live.tags,
            ));
        }
        let all: Vec<String> = STRUCTURE
            .iter()
            .chain(["tags"].iter())
            .map(|s| s.to_string())
            .collect();
        self.converge(live, desired, &all).await
    }
}

#[async_trait]
impl ResourceProvider for Provider {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(&self, _ctx: &OpContext, id: &str) -> Result<Option<Live>, OpError> {
        Ok(self.get(id).await?.map(|p| p.live()))
    }

    async fn list(&self, _ctx: &OpContext) -> Option<Result<Vec<Live>, OpError>> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = match self
                .client
                .list_pipelines()
                .set_next_token(token.take())
                .send()
                .await
            {
                Ok(p) => p,
                Err(e) => return Some(Err(op_error("ListPipelines", e))),
            };
            names.extend(page.pipelines().iter().filter_map(|p| p.name.clone()));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Some(
            crate::aws::read_each(names, |name| async move {
                Ok(self.get(&name).await?.map(|p| p.live()))
            })
            .await,
        )
    }

    async fn find(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Option<Live>, OpError> {
        let name = req_str(desired, "name", TY, "GetPipeline")?;
        let Some(p) = self.get(&name).await? else {
            return Ok(None);
        };
        if ctx.owns(&p.tags) {
            Ok(Some(p.live()))
        } else {
            Err(not_ours(
                ctx,
                "GetPipeline",
                &format!("pipeline `{name}`"),
                &name,
                &p.tags,
            ))
        }
    }

    async fn create(
        &self,
        ctx: &OpContext,
        desired: &Attrs,
        _token: &str,
    ) -> Result<Live, OpError> {
        let op = "CreatePipeline";
        let name = req_str(desired, "name", TY, op)?;
        let all: Vec<String> = STRUCTURE.iter().map(|s| s.to_string()).collect();
        let decl = structure(None, desired, &all, op)?;
        let tags = sdk_tags(&tags_of(desired.get("tags")), op)?;
        if let Some(p) = self.get(&name).await? {
            return self.adopt_existing(ctx, p, desired, op).await;
        }
        match self
            .client
            .create_pipeline()
            .pipeline(decl)
            .set_tags(Some(tags))
            .send()
            .await
        {
            Ok(_) => Ok(self.get_required(&name, op).await?.live()),
            // Made concurrently, or by a run whose result was lost (AWS: PipelineNameInUse;
            // moto: InvalidStructure): adopt what is there now when it is ours.
            Err(e) => match self.get(&name).await? {
                Some(p) => self.adopt_existing(ctx, p, desired, op).await,
                None => Err(op_error(op, e)),
            },
        }
    }

    async fn update(
        &self,
        _ctx: &OpContext,
        id: &str,
        _prior: &Attrs,
        desired: &Attrs,
        changed: &[String],
    ) -> Result<Live, OpError> {
        let live = self.get_required(id, "UpdatePipeline").await?;
        self.converge(live, desired, changed).await
    }

    async fn delete(&self, _ctx: &OpContext, id: &str, _prior: &Attrs) -> Result<(), OpError> {
        delete_if_present(
            "DeletePipeline",
            gone,
            self.client.delete_pipeline().name(id).send(),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(items: &[(&str, Value)]) -> Value {
        Value::Map(
            items
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn action(name: &str, category: &str, provider: &str, extra: &[(&str, Value)]) -> Value {
        let mut items = vec![
            ("name", s(name)),
            ("category", s(category)),
            ("owner", s("AWS")),
            ("provider", s(provider)),
            ("version", s("1")),
        ];
        items.extend(extra.iter().cloned());
        map(&items)
    }

    fn desired() -> Attrs {
        Attrs::from([
            ("name".to_string(), s("ecogy-dev")),
            (
                "role".to_string(),
                s("arn:aws:iam::123456789012:role/pipeline"),
            ),
            ("execution-mode".to_string(), s("QUEUED")),
            (
                "artifact-store".to_string(),
                map(&[("location", s("artifacts"))]),
            ),
            (
                "stage".to_string(),
                Value::List(vec![
                    map(&[
                        ("name", s("Source")),
                        (
                            "action",
                            Value::List(vec![action(
                                "GitHub",
                                "Source",
                                "CodeStarSourceConnection",
                                &[
                                    ("output-artifacts", str_list_value(["source"])),
                                    (
                                        "configuration",
                                        map(&[
                                            ("BranchName", s("main")),
                                            ("FullRepositoryId", s("ecogy/app")),
                                        ]),
                                    ),
                                ],
                            )]),
                        ),
                    ]),
                    map(&[
                        ("name", s("Deploy")),
                        (
                            "action",
                            Value::List(vec![action(
                                "Build",
                                "Build",
                                "CodeBuild",
                                &[
                                    ("input-artifacts", str_list_value(["source"])),
                                    ("configuration", map(&[("ProjectName", s("deploy"))])),
                                ],
                            )]),
                        ),
                    ]),
                ]),
            ),
            ("tags".to_string(), map(&[("team", s("platform"))])),
        ])
    }

    fn all() -> Vec<String> {
        STRUCTURE.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn create_structure_and_read_shape() {
        let p = structure(None, &desired(), &all(), "CreatePipeline").unwrap();
        assert_eq!(p.pipeline_type, Some(PipelineType::V2));
        assert_eq!(p.execution_mode, Some(ExecutionMode::Queued));
        assert_eq!(
            p.artifact_store.as_ref().unwrap().r#type,
            ArtifactStoreType::S3
        );
        assert_eq!(
            p.stages.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            vec!["Source", "Deploy"]
        );
        let build = &p.stages[1].actions[0];
        assert_eq!(
            build.action_type_id.as_ref().unwrap().category,
            ActionCategory::Build
        );
        assert_eq!(
            build.configuration.as_ref().unwrap()["ProjectName"],
            "deploy"
        );
        assert_eq!(build.input_artifacts.as_ref().unwrap()[0].name, "source");
        // What GetPipeline would report reads back in configuration shape.
        let attrs = to_attrs(
            &p,
            Some("arn:aws:codepipeline:us-east-1:123456789012:ecogy-dev"),
            &tags_of(desired().get("tags")),
        );
        let stages = match &attrs["stage"] {
            Value::List(l) => l.clone(),
            other => panic!("{other:?}"),
        };
        let Value::Map(src) = &stages[0] else {
            panic!()
        };
        let Value::List(actions) = &src["action"] else {
            panic!()
        };
        let Value::Map(gh) = &actions[0] else {
            panic!()
        };
        assert_eq!(gh["output-artifacts"], str_list_value(["source"]));
        assert_eq!(gh["run-order"], Value::Int(1));
        assert_eq!(attrs["tags"], desired()["tags"]);
        // The same structure again is no change.
        let again = structure(Some(&p), &desired(), &all(), "UpdatePipeline").unwrap();
        assert_eq!(normalized(&again), normalized(&p));
    }

    #[test]
    fn update_structure_keeps_what_eco_does_not_manage() {
        let mut live = structure(None, &desired(), &all(), "CreatePipeline").unwrap();
        live.version = Some(3);
        live.stages[1].actions[0].timeout_in_minutes = Some(20);
        let mut want = desired();
        let Value::List(stages) = want.get_mut("stage").unwrap() else {
            panic!()
        };
        stages.push(map(&[
            ("name", s("Approve")),
            (
                "action",
                Value::List(vec![map(&[
                    ("name", s("Ok")),
                    ("category", s("Approval")),
                    ("owner", s("AWS")),
                    ("provider", s("Manual")),
                ])]),
            ),
        ]));
        let Value::Map(deploy) = &mut stages[1] else {
            panic!()
        };
        deploy.insert(
            "action".into(),
            Value::List(vec![action(
                "Build",
                "Build",
                "CodeBuild",
                &[
                    ("input-artifacts", str_list_value(["source"])),
                    ("configuration", map(&[("ProjectName", s("deploy-2"))])),
                ],
            )]),
        );
        let p = structure(Some(&live), &want, &["stage".into()], "UpdatePipeline").unwrap();
        assert_eq!(p.stages.len(), 3);
        let build = &p.stages[1].actions[0];
        assert_eq!(
            build.configuration.as_ref().unwrap()["ProjectName"],
            "deploy-2"
        );
        assert_eq!(
            build.timeout_in_minutes,
            Some(20),
            "a live field eco does not manage is kept"
        );
        assert_eq!(
            p.stages[2].actions[0]
                .action_type_id
                .as_ref()
                .unwrap()
                .version,
            "1"
        );
        assert_eq!(p.execution_mode, Some(ExecutionMode::Queued));
        assert_ne!(normalized(&p), normalized(&live));
        // Only `role` changed: the rest of the live structure is sent as it is.
        want.insert("role".into(), s("arn:aws:iam::123456789012:role/other"));
        let p = structure(Some(&live), &want, &["role".into()], "UpdatePipeline").unwrap();
        assert_eq!(p.role_arn, "arn:aws:iam::123456789012:role/other");
        assert_eq!(p.stages.len(), 2);
        assert_eq!(
            p.version,
            Some(3),
            "UpdatePipeline carries the version it updates"
        );
    }

    #[test]
    fn invalid_structures_are_refused_before_any_call() {
        let mut d = desired();
        let Value::List(stages) = d.get_mut("stage").unwrap() else {
            panic!()
        };
        stages.pop();
        assert_eq!(
            structure(None, &d, &all(), "CreatePipeline")
                .unwrap_err()
                .kind,
            ErrorKind::Invalid
        );
        let mut d = desired();
        d.insert("execution-mode".into(), s("FAST"));
        assert!(structure(None, &d, &all(), "CreatePipeline").is_err());
        let mut d = desired();
        d.remove("artifact-store");
        assert!(structure(None, &d, &all(), "CreatePipeline").is_err());
        let mut d = desired();
        let Value::List(stages) = d.get_mut("stage").unwrap() else {
            panic!()
        };
        stages[0] = map(&[
            ("name", s("Source")),
            (
                "action",
                Value::List(vec![map(&[
                    ("name", s("x")),
                    ("category", s("Fetch")),
                    ("owner", s("AWS")),
                    ("provider", s("S3")),
                ])]),
            ),
        ]);
        assert!(structure(None, &d, &all(), "CreatePipeline").is_err());
    }
}
