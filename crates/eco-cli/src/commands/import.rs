//! `eco import` and `eco discover`: adopting resources made by hand.
//!
//! `eco import ADDRESS ID` reads the live resource with its type's `import`, adopts it (adds
//! eco's ownership tags: see [`eco_provider::adopt`]), records it in the stage's state under the
//! lock, and prints the plan of what the configuration would change on it. With `-generate` it
//! first writes the resource's KDL (from the live values) to `generated.kdl`, so that plan is
//! empty.
//!
//! `eco discover` lists every live resource of the types that can list, in the stage's account
//! and region, that no stage's state of this project tracks, with its `eco import` command
//! (`-kdl`: its generated KDL). What carries another eco project's ownership tags is shown as
//! owned elsewhere.

use std::collections::{BTreeMap, HashSet};
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use eco_aws::eco_provider::{self, Live, OpContext, ResourceProvider};
use eco_config::{Address, Config, StageContext};
use eco_engine::{Engine, Faults, Providers, RetryPolicy};
use eco_graph::ResourceGraph;
use eco_plan::{EvalContext, Mode};

use super::backend::{self, locked};
use super::id_format;
use super::session::StageAws;
use super::{CliError, CmdResult, Status};
use crate::cli::{DiscoverArgs, ImportArgs};
use crate::ui::Ui;

/// The file `-generate` appends to, in the configuration directory.
pub const GENERATED_FILE: &str = "generated.kdl";

/// What an import or discovery works with: the stage's configuration, state backend and AWS.
pub(super) struct Ctx {
    pub(super) config: Config,
    pub(super) stage: StageContext,
    pub(super) registry: eco_schema::Registry,
    pub(super) providers: Arc<Providers>,
    pub(super) backend: Arc<dyn eco_state::StateBackend>,
    /// The stage's AWS clients (for reading CloudFormation stacks).
    pub(super) aws: eco_aws::Aws,
}

/// Loads the stage's configuration, opens its backend and AWS, and checks the account.
pub(super) async fn open(dir: &Path, stage: &crate::cli::StageArgs) -> Result<Ctx, CliError> {
    let config = super::load(dir)?;
    let stage = config
        .select_stage(stage.stage.as_deref(), &stage.vars)
        .map_err(|d| CliError::Diagnostic(config.sources.clone(), d))?;
    crate::redact::learn_sensitive_vars(&config, &stage);
    let config = super::for_stage(&config, &stage)?;
    let backend = backend::open(&config, dir, &stage).await?.into_arc();
    let aws = StageAws::load(&stage).await;
    aws.check_account(&stage).await?;
    let mut stage = stage;
    aws.identify(&config, &mut stage)
        .await
        .map_err(|message| CliError::msg(message, "check the stage's credentials"))?;
    Ok(Ctx {
        config,
        stage,
        registry: super::registry(),
        aws: aws.account.aws().clone(),
        providers: aws.providers,
        backend,
    })
}

/// Runs `work` on the stage's state (an empty one when there is none) under the stage's lock,
/// then writes what it left: how every kind of import records what it adopted. An error from
/// `work` writes nothing.
pub(super) async fn adopt_under_lock<T>(
    c: &Ctx,
    work: impl AsyncFnOnce(&mut eco_state::State) -> Result<T, CliError>,
) -> Result<T, CliError> {
    locked(
        c.backend.as_ref(),
        &c.stage.name,
        "import",
        std::time::Duration::ZERO,
        |_| async {
            let (mut state, version) = c
                .backend
                .read(&c.stage.name)
                .await?
                .into_state_or_new(&c.stage.name);
            let out = work(&mut state).await?;
            c.backend.write(&mut state, &version).await?;
            Ok(out)
        },
    )
    .await
}

pub(super) fn op_ctx(c: &Ctx, address: &str) -> OpContext {
    OpContext::new(address, c.config.project_name(), &c.stage.name)
}

pub(super) fn provider_for(
    c: &Ctx,
    type_name: &str,
) -> Result<Arc<dyn ResourceProvider>, CliError> {
    if c.registry.get(type_name).is_none() {
        let hint = eco_schema::did_you_mean(type_name, c.registry.type_names())
            .map(|t| format!("did you mean `{t}`?"))
            .unwrap_or_else(|| "see docs/resources/README.md for the resource types".into());
        return Err(CliError::msg(
            format!("unknown resource type `{type_name}`"),
            hint,
        ));
    }
    c.providers.get(type_name).cloned().ok_or_else(|| {
        CliError::msg(
            format!("eco has no operations for `{type_name}` yet, so it cannot import one"),
            "its resource family's issue brings them",
        )
    })
}

pub async fn import(ui: &Ui, dir: &Path, args: &ImportArgs) -> CmdResult {
    if let Some(stack) = &args.from_stack {
        return super::stack::import_stack(ui, dir, args, stack).await;
    }
    let (address_arg, id) = args.address_and_id().ok_or_else(|| {
        CliError::msg(
            "eco import takes an ADDRESS and an ID (or -from-stack NAME)",
            "e.g. `eco import s3-bucket.site my-site-bucket`",
        )
    })?;
    let address = Address::parse(&address_arg).ok_or_else(|| {
        CliError::msg(
            format!("{address_arg}: not a resource address"),
            "addresses are TYPE.NAME, e.g. s3-bucket.site",
        )
    })?;
    let c = open(dir, &args.stage).await?;
    let provider = provider_for(&c, &address.type_name)?;
    let key = address.to_string();
    let configured = c.config.resource(&address).is_some();
    match (configured, args.generates()) {
        (false, false) => {
            return Err(CliError::msg(
                format!("{key} is not in the configuration"),
                format!(
                    "write its `{} \"{}\" {{ ... }}` block first, or pass -generate to have eco write it (to {GENERATED_FILE})",
                    address.type_name, address.name
                ),
            ))
        }
        (true, true) => {
            return Err(CliError::msg(
                format!("-generate: {key} is already in the configuration"),
                "choose another name for the imported resource, or import it without -generate",
            ))
        }
        _ => {}
    }
    let engine = engine(dir, &c, c.config.clone());
    let adopted = adopt_under_lock(&c, async |state| {
        engine
            .adopt(state, &address, &id)
            .await
            .map_err(|e| CliError::msg(e.to_string(), e.help()))
    })
    .await?;
    ui.out(format!(
        "{key}: imported {} {} into the state of stage `{}`.",
        address.type_name, adopted.live.id, c.stage.name
    ));
    if adopted.tagged {
        ui.out(format!(
            "{key}: added eco's ownership tags (eco:project={}, eco:stage={}, eco:address={key}); \
             that is the only change import makes.",
            c.config.project_name(),
            c.stage.name
        ));
    }
    let live = adopted.live;
    let config = if args.generates() {
        let mut attrs = provider.config_from_live(&live.attrs);
        // What another resource of the configuration manages (a bucket's policy, when its
        // s3-bucket-policy is there) is left out: written in both, validate refuses the pair.
        for attr in eco_engine::managed::managed_in_config(
            &c.config,
            &c.registry,
            &address.type_name,
            &attrs,
        ) {
            attrs.remove(attr);
        }
        let text = eco_config::generate::generate_resource(
            c.registry.get(&address.type_name).expect("checked above"),
            &address.name,
            &attrs,
        );
        append_generated(dir, &text)?;
        ui.out(format!("\nWrote to {GENERATED_FILE}:\n"));
        ui.out(text.trim_end());
        ui.out("");
        import_members(ui, dir, &c, &engine, &address, &live).await?;
        match super::load(dir) {
            Ok(config) => config,
            Err(e) => {
                // The import is done; the configuration needs the user's hand (e.g. a Lambda
                // function's source, which AWS does not give back).
                ui.error(&e);
                ui.out(format!(
                    "\n{key} is imported; complete its configuration as shown above, then run `eco plan`."
                ));
                return Ok(Status::Ok);
            }
        }
    } else {
        c.config.clone()
    };
    show_import_plan(ui, dir, &c, config, &address).await
}

/// With `-generate`, what the imported resource holds (a REST API's resources, methods,
/// integrations, authorizers, deployments and stages: [`ResourceProvider::members`]) is imported
/// too, each under a name of its own, and its KDL written with references to the holder and to
/// the other members instead of their literal ids.
async fn import_members(
    ui: &Ui,
    dir: &Path,
    c: &Ctx,
    engine: &Engine,
    holder: &Address,
    live: &Live,
) -> Result<(), CliError> {
    let key = holder.to_string();
    let provider = provider_for(c, &holder.type_name)?;
    let members = provider
        .members(&op_ctx(c, &key), live)
        .await
        .map_err(|e| {
            CliError::msg(
                format!("{key}: {e}"),
                "nothing of it was imported; run the import again",
            )
        })?;
    if members.is_empty() {
        return Ok(());
    }
    // Literal ids the generated blocks reference instead: the holder's id attributes
    // (`id`, `root-resource-id`) and every member's id.
    let mut references: Vec<(String, String)> = live
        .attrs
        .iter()
        .filter(|(name, _)| name.as_str() == "id" || name.ends_with("-id"))
        .filter_map(|(name, v)| {
            v.as_str()
                .map(|id| (id.to_string(), format!("${{{key}.{name}}}")))
        })
        .collect();
    let mut taken: HashSet<String> = c
        .config
        .resources
        .iter()
        .map(|r| r.address.to_string())
        .collect();
    let mut imported = Vec::new();
    for m in &members {
        let mut name = m.name.clone();
        let mut n = 2;
        while taken.contains(&format!("{}.{name}", m.type_name)) {
            name = format!("{}-{n}", m.name);
            n += 1;
        }
        let address = Address::new(m.type_name, &name);
        taken.insert(address.to_string());
        if let Some(id) = &m.reference_id {
            references.push((id.clone(), format!("${{{address}.id}}")));
        }
        imported.push((address, m));
    }
    let adopted = adopt_under_lock(c, async |state| {
        let mut adopted = Vec::new();
        for (address, m) in &imported {
            match engine.adopt(state, address, &m.import_id).await {
                Ok(a) => adopted.push((address.clone(), a.live)),
                Err(e) => ui.out(format!("{address}: not imported: {e}")),
            }
        }
        Ok(adopted)
    })
    .await?;
    for (address, live) in adopted {
        let provider = provider_for(c, &address.type_name)?;
        let mut text = eco_config::generate::generate_resource(
            c.registry
                .get(&address.type_name)
                .expect("a member's type is registered"),
            &address.name,
            &provider.config_from_live(&live.attrs),
        );
        for (id, reference) in &references {
            text = text.replace(&format!("\"{id}\""), &format!("\"{reference}\""));
        }
        let member = imported
            .iter()
            .find(|(a, _)| *a == address)
            .map(|(_, m)| *m);
        for (attr, other, their) in member.map(|m| m.refers_to.as_slice()).unwrap_or_default() {
            let (Some(value), Some((other, _))) = (
                live.attrs.get(attr).and_then(|v| v.as_str()),
                imported.get(*other),
            ) else {
                continue;
            };
            text = text.replacen(
                &format!("    {attr} \"{value}\"\n"),
                &format!("    {attr} \"${{{other}.{their}}}\"\n"),
                1,
            );
        }
        append_generated(dir, &text)?;
        ui.out(format!("{address}: imported {} (part of {key}).", live.id));
    }
    Ok(())
}

pub(super) fn engine(dir: &Path, c: &Ctx, config: Config) -> Engine {
    Engine {
        config: Arc::new(config),
        stage: Arc::new(c.stage.clone()),
        registry: Arc::new(c.registry.clone()),
        providers: c.providers.clone(),
        parallelism: 1,
        base_dir: dir.to_path_buf(),
        faults: Faults::none(),
        retry: RetryPolicy::default(),
        events: None,
    }
}

fn append_generated(dir: &Path, text: &str) -> Result<(), CliError> {
    let path = dir.join(GENERATED_FILE);
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| {
            CliError::msg(
                format!("cannot write {}: {e}", path.display()),
                "check the directory's permissions",
            )
        })?;
    let sep = if existing.is_empty() { "" } else { "\n" };
    f.write_all(format!("{sep}{text}").as_bytes()).map_err(|e| {
        CliError::msg(
            format!("cannot write {}: {e}", path.display()),
            "check the disk",
        )
    })
}

/// Prints what a plan of the configuration would do to the imported resource.
async fn show_import_plan(
    ui: &Ui,
    dir: &Path,
    c: &Ctx,
    config: Config,
    address: &Address,
) -> CmdResult {
    // Read back the state as recorded (what was just written).
    let state = c
        .backend
        .read(&c.stage.name)
        .await?
        .into_state_or_new(&c.stage.name)
        .0;
    let graph = ResourceGraph::from_config(&config)
        .map_err(|d| CliError::Diagnostic(config.sources.clone(), d))?;
    let engine = engine(dir, c, config.clone());
    let expander = engine.expander();
    let plan = eco_plan::plan(&eco_plan::PlanRequest {
        eval: EvalContext {
            config: &config,
            stage: &c.stage,
            registry: &c.registry,
            expander: Some(&expander),
        },
        graph: &graph,
        state: &state,
        prior: None,
        targets: std::slice::from_ref(address),
        replace: &[],
        mode: Mode::Normal,
    });
    match plan {
        Ok(plan) => {
            ui.out(format!(
                "\nWhat `eco plan -target {address}` would change now:\n"
            ));
            ui.out(eco_plan::render::render(&plan, ui.color).trim_end());
            Ok(Status::Ok)
        }
        Err(diagnostics) => {
            ui.error(&CliError::Config(eco_config::LoadError {
                sources: config.sources.clone(),
                diagnostics,
            }));
            ui.out(format!(
                "\n{address} is imported; fix the configuration above, then run `eco plan`."
            ));
            Ok(Status::Ok)
        }
    }
}

/// Addresses and ids every stage's state of this project tracks, by type.
async fn tracked(c: &Ctx) -> Result<HashSet<(String, String)>, CliError> {
    let mut out = HashSet::new();
    let mut stages = c.backend.list_stages().await?;
    if !stages.contains(&c.stage.name) {
        stages.push(c.stage.name.clone());
    }
    for stage in stages {
        let (state, _) = c.backend.read(&stage).await?.into_state_or_new(&stage);
        for r in state.resources {
            out.insert((r.type_, r.id));
        }
    }
    Ok(out)
}

/// A name for a discovered resource's address: its id made into a KDL-friendly name.
fn suggested_name(live: &Live, taken: &mut HashSet<String>, type_name: &str) -> String {
    let base = live
        .attrs
        .get("name")
        .and_then(|v| v.as_str())
        .unwrap_or(&live.id);
    let mut name: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    name = name.trim_matches('-').to_string();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name = format!("imported-{name}");
    }
    let mut candidate = name.clone();
    let mut n = 2;
    while !taken.insert(format!("{type_name}.{candidate}")) {
        candidate = format!("{name}-{n}");
        n += 1;
    }
    candidate
}

pub async fn discover(ui: &Ui, dir: &Path, args: &DiscoverArgs) -> CmdResult {
    if args.stacks {
        return super::stack::discover_stacks(ui, dir, args).await;
    }
    let c = open(dir, &args.stage).await?;
    if let Some(t) = &args.type_name {
        provider_for(&c, t)?;
    }
    let tracked = tracked(&c).await?;
    let mut taken: HashSet<String> = c
        .config
        .resources
        .iter()
        .map(|r| r.address.to_string())
        .collect();
    let mut found: BTreeMap<&str, Vec<(Live, Option<String>)>> = BTreeMap::new();
    let mut cannot_list = Vec::new();
    let mut errors = Vec::new();
    let types: Vec<&'static str> = c
        .providers
        .keys()
        .copied()
        .filter(|t| args.type_name.as_deref().is_none_or(|want| want == *t))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for t in types {
        let p = c.providers[t].clone();
        let ctx = op_ctx(&c, &format!("{t}.discover"));
        tasks.spawn(async move {
            (
                t,
                RetryPolicy::default().run_optional(|| p.list(&ctx)).await,
            )
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.expect("listing tasks do not panic"));
    }
    results.sort_by_key(|(t, _)| *t);
    for (t, result) in results {
        match result {
            None => cannot_list.push(t),
            Some(Err(e)) => errors.push(format!("{t}: {e}")),
            Some(Ok(lives)) => {
                for live in lives {
                    if tracked.contains(&(t.to_string(), live.id.clone())) {
                        continue;
                    }
                    let owner = live_tags(&live).and_then(|tags| {
                        let ctx = op_ctx(&c, "");
                        eco_provider::foreign_owner(&ctx, &tags)
                    });
                    found.entry(t).or_default().push((live, owner));
                }
            }
        }
    }
    if let (Some(t), [only]) = (&args.type_name, cannot_list.as_slice()) {
        return Err(CliError::msg(
            format!("eco cannot list {only} resources"),
            format!(
                "import one you know with `eco import {t}.NAME ID` (its id is {})",
                id_format(&c.registry, t)
            ),
        ));
    }
    let total: usize = found
        .values()
        .map(|v| v.iter().filter(|(_, o)| o.is_none()).count())
        .sum();
    let stage_flag = if args.stage.stage.is_some() {
        format!(" -stage {}", c.stage.name)
    } else {
        String::new()
    };
    if args.kdl {
        for (t, items) in &found {
            let schema = c.registry.get(t).expect("registered");
            for (live, owner) in items {
                if owner.is_some() {
                    continue;
                }
                let name = suggested_name(live, &mut taken, t);
                ui.out(format!("// eco import{stage_flag} {t}.{name} {}", live.id));
                ui.out(
                    eco_config::generate::generate_resource(
                        schema,
                        &name,
                        &full(&c, t, live).await,
                    )
                    .trim_end(),
                );
                ui.out("");
            }
        }
    } else {
        ui.out(format!(
            "Live resources in stage `{}`'s account and region that no state of project `{}` tracks:\n",
            c.stage.name,
            c.config.project_name()
        ));
        for (t, items) in &found {
            for (live, owner) in items {
                match owner {
                    Some(owner) => ui.out(format!("  {t} {}  (owned elsewhere: {owner})", live.id)),
                    None => {
                        let name = suggested_name(live, &mut taken, t);
                        ui.out(format!(
                            "  {t} {}\n      eco import{stage_flag} -generate {t}.{name} {}",
                            live.id, live.id
                        ));
                    }
                }
            }
        }
        ui.out(format!(
            "\n{total} resource{} to import.",
            if total == 1 { "" } else { "s" }
        ));
        if !cannot_list.is_empty() {
            ui.out(format!(
                "Not listed (import them by id): {}",
                cannot_list.join(", ")
            ));
        }
    }
    for e in &errors {
        ui.err_line(format!("Error: {e}"));
    }
    if errors.is_empty() {
        Ok(Status::Ok)
    } else {
        Err(CliError::msg(
            format!(
                "{} type{} could not be listed",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            ),
            "check the credentials' permissions for those List calls",
        ))
    }
}

fn live_tags(live: &Live) -> Option<BTreeMap<String, String>> {
    match live.attrs.get("tags") {
        Some(eco_schema::Value::Map(m)) => Some(
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect(),
        ),
        _ => None,
    }
}

/// A listed resource's full attributes (listings may carry only the id and tags).
async fn full(c: &Ctx, type_name: &str, live: &Live) -> BTreeMap<String, eco_schema::Value> {
    let ctx = op_ctx(c, &format!("{type_name}.discover"));
    let provider = &c.providers[type_name];
    match RetryPolicy::default()
        .run(|| provider.import(&ctx, &live.id))
        .await
    {
        Ok(Some(l)) => provider.config_from_live(&l.attrs),
        _ => provider.config_from_live(&live.attrs),
    }
}
