//! Planning tests: fixture configurations against hand-made states; plan output snapshots.

use eco_config::{parse_sources, Address, Config, Sources};
use eco_graph::ResourceGraph;
use eco_schema::{Attribute, Registry, ScalarType, Schema};
use eco_state::{ResourceState, State};

use crate::*;

fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(
        Schema::new("bucket", "a test bucket")
            .attr(Attribute::string("name").required().forces_replacement())
            .attr(Attribute::bool("versioning"))
            .attr(Attribute::string("policy").json())
            .attr(Attribute::block(
                "website",
                vec![Attribute::string("index"), Attribute::string("error")],
            ))
            .attr(Attribute::string("arn").computed())
            .taggable(),
    );
    r.register(
        Schema::new("pool", "a guarded test pool")
            .attr(Attribute::string("name").required())
            .attr(
                Attribute::list("aliases", ScalarType::String)
                    .guarded("AWS fixes aliases at creation"),
            )
            .attr(Attribute::string("secret").sensitive())
            .attr(
                Attribute::repeated_block(
                    "custom",
                    "name",
                    vec![Attribute::string("name"), Attribute::string("type")],
                )
                .guarded("existing custom attributes never change")
                .additive(),
            )
            .attr(Attribute::string("id").computed())
            .attr(Attribute::int("estimated-users").computed())
            .prevent_destroy_by_default(),
    );
    r.register(
        Schema::new("role", "a test role")
            .attr(Attribute::string("name").required())
            .attr(Attribute::string("bucket-arn")),
    );
    r
}

fn config(text: &str) -> Config {
    let mut s = Sources::new();
    s.add("main.kdl", text);
    parse_sources(s, &registry()).unwrap_or_else(|e| panic!("{e}"))
}

fn resource(address: &str, id: &str, attrs: serde_json::Value) -> ResourceState {
    ResourceState {
        address: address.to_string(),
        type_: address.split('.').next().unwrap().to_string(),
        id: id.to_string(),
        attributes: attrs.as_object().unwrap().clone(),
        dependencies: Vec::new(),
    }
}

fn tags(address: &str) -> serde_json::Value {
    serde_json::json!({"eco:project": "p", "eco:stage": "dev", "eco:address": address})
}

fn run_plan(cfg: &Config, state: &State, mode: Mode, replace: &[&str]) -> Plan {
    let registry = registry();
    let stage = cfg.select_stage(None, &[]).unwrap();
    let graph = ResourceGraph::from_config(cfg).unwrap();
    let replace: Vec<Address> = replace.iter().map(|a| Address::parse(a).unwrap()).collect();
    plan(&PlanRequest {
        eval: EvalContext {
            config: cfg,
            stage: &stage,
            registry: &registry,
            expander: None,
        },
        graph: &graph,
        state,
        prior: None,
        targets: &[],
        replace: &replace,
        mode,
    })
    .unwrap_or_else(|d| panic!("{d}"))
}

const BASE: &str = r#"
project "p"
stage "dev" { account "123456789012" }
bucket "site" {
    name "site-${stage}"
    versioning #true
    website index="index.html"
    policy "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"],\"Resource\":\"*\"}]}"
}
role "reader" {
    name "reader"
    bucket-arn "${bucket.site.arn}"
}
"#;

fn applied_state() -> State {
    let mut s = State::new("dev");
    s.resources.push(resource(
        "bucket.site",
        "site-dev",
        serde_json::json!({
            "name": "site-dev", "versioning": true, "arn": "arn:aws:s3:::site-dev",
            "website": {"index": "index.html", "error": "error.html"},
            "policy": "{\"Statement\": {\"Resource\": \"*\", \"Action\": \"s3:GetObject\", \"Effect\": \"Allow\"}, \"Version\": \"2012-10-17\"}",
            "tags": tags("bucket.site"),
        }),
    ));
    s.resources.push(resource(
        "role.reader",
        "reader",
        serde_json::json!({"name": "reader", "bucket-arn": "arn:aws:s3:::site-dev"}),
    ));
    s
}

#[test]
fn create_from_empty_state() {
    let p = run_plan(&config(BASE), &State::new("dev"), Mode::Normal, &[]);
    assert_eq!(
        p.summary(),
        Summary {
            import: 0,
            add: 2,
            change: 0,
            destroy: 0
        }
    );
    let role = p.change("role.reader").unwrap();
    assert_eq!(role.dependencies, ["bucket.site"]);
    let arn = role
        .changes
        .iter()
        .find(|c| c.name == "bucket-arn")
        .unwrap();
    assert_eq!(
        arn.after,
        Some(eco_schema::Value::Unknown),
        "known after apply, never empty"
    );
    insta::assert_snapshot!("create", render::render(&p, false));
}

#[test]
fn matching_state_is_no_change_despite_json_order_and_api_defaults() {
    let p = run_plan(&config(BASE), &applied_state(), Mode::Normal, &[]);
    assert!(!p.has_changes(), "{}", render::render(&p, false));
    assert!(render::render(&p, false).starts_with("No changes."));
}

#[test]
fn in_place_update() {
    let cfg = config(&BASE.replace("versioning #true", "versioning #false"));
    let p = run_plan(&cfg, &applied_state(), Mode::Normal, &[]);
    let c = p.change("bucket.site").unwrap();
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.changes.len(), 1);
    insta::assert_snapshot!("update", render::render(&p, false));
}

#[test]
fn a_policy_change_shows_the_lines_of_the_document_that_change() {
    let cfg = config(&BASE.replace(
        r#"\"Action\":[\"s3:GetObject\"]"#,
        r#"\"Action\":[\"s3:GetObject\",\"s3:PutObject\"]"#,
    ));
    let p = run_plan(&cfg, &applied_state(), Mode::Normal, &[]);
    let c = p.change("bucket.site").unwrap();
    assert_eq!(c.action, Action::Update);
    insta::assert_snapshot!("policy_diff", render::render(&p, false));
}

#[test]
fn rename_replaces_and_names_the_attribute() {
    let cfg = config(&BASE.replace("name \"site-${stage}\"", "name \"site2-${stage}\""));
    let p = run_plan(&cfg, &applied_state(), Mode::Normal, &[]);
    let c = p.change("bucket.site").unwrap();
    assert_eq!(c.action, Action::Replace);
    assert_eq!(c.replace_because, ["name"]);
    // The role references the bucket's ARN, unknown until the replacement exists.
    assert_eq!(p.change("role.reader").unwrap().action, Action::Update);
    insta::assert_snapshot!("replace", render::render(&p, false));
}

#[test]
fn removed_resource_is_deleted() {
    let cfg = config(&BASE.replace(
        "role \"reader\" {\n    name \"reader\"\n    bucket-arn \"${bucket.site.arn}\"\n}",
        "",
    ));
    let p = run_plan(&cfg, &applied_state(), Mode::Normal, &[]);
    let c = p.change("role.reader").unwrap();
    assert_eq!(c.action, Action::Delete);
    insta::assert_snapshot!("delete", render::render(&p, false));
}

#[test]
fn guarded_change_is_refused_and_prevent_destroy_holds() {
    let cfg = config(
        "project \"p\"\nstage \"dev\" {}\npool \"users\" { name \"u\"; aliases \"email\" }\n",
    );
    let mut state = State::new("dev");
    state.resources.push(resource(
        "pool.users",
        "pool-1",
        serde_json::json!({"name": "u", "aliases": ["phone"], "id": "pool-1"}),
    ));
    let p = run_plan(&cfg, &state, Mode::Normal, &[]);
    assert_eq!(p.refused.len(), 1);
    assert!(p.refused[0]
        .message
        .contains("AWS fixes aliases at creation"));
    // Destroy of a pool (prevent-destroy by default) is refused too.
    let p = run_plan(&cfg, &state, Mode::Destroy, &[]);
    assert_eq!(p.refused.len(), 1, "{:?}", p.refused);
    assert!(p.refused[0].message.contains("prevent-destroy"));
    // -replace makes a guarded change an explicit replacement (still refused by prevent-destroy).
    let p = run_plan(&cfg, &state, Mode::Normal, &["pool.users"]);
    assert_eq!(p.change("pool.users").unwrap().action, Action::Replace);
    assert!(p.refused.iter().all(|r| r.attribute.is_none()));
}

#[test]
fn sensitive_values_never_render() {
    let cfg = config("project \"p\"\nstage \"dev\" {}\npool \"users\" { name \"u\"; secret \"hunter2\"; lifecycle prevent-destroy=#false }\n");
    let p = run_plan(&cfg, &State::new("dev"), Mode::Normal, &[]);
    let text = render::render(&p, false);
    assert!(
        !text.contains("hunter2") && text.contains(render::SENSITIVE),
        "{text}"
    );
    assert!(!render::to_json(&p).to_string().contains("hunter2"));
}

/// Sensitivity follows values: an attribute set from a sensitive var, an attribute that
/// references a sensitive attribute of another resource, and an output that references either
/// are hidden in the plan and its JSON, though neither the attribute nor the output is marked.
#[test]
fn values_computed_from_sensitive_ones_never_render() {
    let cfg = config(
        r#"project "p"
var "token" default="s3cr3t-token" sensitive=#true
stage "dev" {}
pool "users" { name "u"; secret "hunter2"; lifecycle prevent-destroy=#false }
role "reader" { name "r"; bucket-arn "arn:${var.token}" }
role "copier" { name "c"; bucket-arn "${pool.users.secret}" }
role "plain" { name "p"; bucket-arn "${pool.users.name}" }
output "leak" value="${pool.users.secret}"
output "token" value="${var.token}"
output "fine" value="${pool.users.name}"
"#,
    );
    let p = run_plan(&cfg, &State::new("dev"), Mode::Normal, &[]);
    let text = render::render(&p, false);
    let json = render::to_json(&p).to_string();
    for secret in ["hunter2", "s3cr3t-token"] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
        assert!(!json.contains(secret), "{secret} in:\n{json}");
    }
    assert!(p.outputs["leak"].sensitive && p.outputs["token"].sensitive);
    assert!(!p.outputs["fine"].sensitive);
    // What is not computed from a secret still shows.
    assert!(text.contains("\"r\"") && text.contains("\"u\""), "{text}");
    let plain = p
        .changes
        .iter()
        .find(|c| c.address == "role.plain")
        .unwrap();
    assert!(plain.changes.iter().all(|c| !c.sensitive));
}

#[test]
fn ignore_changes_and_drift() {
    let cfg = config(&BASE.replace(
        "versioning #true",
        "versioning #false\n    ignore-changes \"versioning\"",
    ));
    let p = run_plan(&cfg, &applied_state(), Mode::Normal, &[]);
    assert!(!p.has_changes());
    let mut refreshed = applied_state();
    refreshed.resources.retain(|r| r.address != "role.reader");
    let d = planner::drift(&applied_state(), &refreshed);
    assert_eq!(
        d,
        [Drift {
            address: "role.reader".into(),
            deleted: true,
            attributes: vec![]
        }]
    );
}

#[test]
fn saved_plans_round_trip_with_unknowns() {
    let p = run_plan(&config(BASE), &State::new("dev"), Mode::Normal, &[]);
    let text = serde_json::to_string(&p).unwrap();
    let back: Plan = serde_json::from_str(&text).unwrap();
    assert_eq!(back, p);
}

#[test]
fn additive_attribute_adds_in_place_and_refuses_changes() {
    let pool = |customs: &str| {
        config(&format!(
            "project \"p\"\nstage \"dev\" {{}}\npool \"users\" {{\n    name \"u\"\n{customs}}}\n"
        ))
    };
    let mut state = State::new("dev");
    state.resources.push(resource(
        "pool.users",
        "pool-1",
        serde_json::json!({
            "name": "u", "id": "pool-1", "estimated-users": 50,
            "custom": [{"name": "org", "type": "String"}],
        }),
    ));
    let org = "    custom \"org\" type=\"String\"\n";
    let role = "    custom \"role\" type=\"Number\"\n";
    // Same attributes: no change.
    let p = run_plan(&pool(org), &state, Mode::Normal, &[]);
    assert!(!p.has_changes(), "{}", render::render(&p, false));
    // A new one: an in-place update, not a replacement, nothing refused.
    let p = run_plan(&pool(&format!("{org}{role}")), &state, Mode::Normal, &[]);
    assert!(p.refused.is_empty(), "{:?}", p.refused);
    let c = p.change("pool.users").unwrap();
    assert_eq!(c.action, Action::Update);
    assert_eq!(c.changes[0].update, UpdateKind::InPlace);
    insta::assert_snapshot!("additive", render::render(&p, false));
    // Changing or removing an existing one is refused, naming what would be lost on -replace.
    for customs in [
        "    custom \"org\" type=\"Number\"\n".to_string(),
        role.to_string(),
    ] {
        let p = run_plan(&pool(&customs), &state, Mode::Normal, &[]);
        assert_eq!(p.refused.len(), 1, "{customs}: {:?}", p.refused);
        let msg = &p.refused[0].message;
        assert!(
            msg.contains("existing custom attributes never change"),
            "{msg}"
        );
        assert!(msg.contains("about 50 users would be lost"), "{msg}");
    }
    // -replace says what it would lose (and prevent-destroy still refuses it).
    let p = run_plan(&pool(role), &state, Mode::Normal, &["pool.users"]);
    let c = p.change("pool.users").unwrap();
    assert_eq!(c.action, Action::Replace);
    assert_eq!(
        c.reason.as_deref(),
        Some("-replace: about 50 users would be lost")
    );
}

/// Issue 23: a destroy or replacement records what its last read says it holds; fresher figures
/// replace them (and the reason's words) without touching why it happens; the plan's summary line
/// and `-json` carry them.
#[test]
fn what_a_destroy_or_replacement_would_lose_is_recorded_rendered_and_summed() {
    let mut state = State::new("dev");
    state.resources.push(resource(
        "pool.users",
        "pool-1",
        serde_json::json!({"name": "u", "id": "pool-1", "estimated-users": 5300}),
    ));
    let p = run_plan(
        &config("project \"p\"\nstage \"dev\" {}\n"),
        &state,
        Mode::Normal,
        &[],
    );
    let c = p.change("pool.users").unwrap();
    assert_eq!(c.action, Action::Delete);
    assert_eq!(
        c.reason.as_deref(),
        Some("is no longer in the configuration: about 5300 users would be lost")
    );
    assert_eq!(c.at_risk.as_ref().unwrap().count, Some(5300));
    let mut p = p.clone();
    // A fresher reading replaces the figure, keeping the why.
    p.changes[0].set_at_risk(Some(
        eco_schema::DataAtRisk::counted("user pool", eco_schema::Held::Users, 5400).estimated(),
    ));
    assert_eq!(
        p.changes[0].reason.as_deref(),
        Some("is no longer in the configuration: about 5400 users would be lost")
    );
    let text = render::render(&p, false);
    assert!(
        text.ends_with("Plan: 0 to add, 0 to change, 1 to destroy.\nData at risk: 1 user pool (~5,400 users)\n"),
        "{text}"
    );
    let json = render::to_json(&p);
    assert_eq!(
        json["data_at_risk"]["summary"],
        "1 user pool (~5,400 users)"
    );
    assert_eq!(
        json["data_at_risk"]["resources"]["pool.users"]["count"],
        5400
    );
    // Empty now: no figure, no summary, the why alone.
    p.changes[0].set_at_risk(Some(eco_schema::DataAtRisk::counted(
        "user pool",
        eco_schema::Held::Users,
        0,
    )));
    assert_eq!(
        p.changes[0].reason.as_deref(),
        Some("is no longer in the configuration")
    );
    assert_eq!(p.data_at_risk_summary(), None);
    assert!(render::to_json(&p).get("data_at_risk").is_none());
}

struct FailingExpander;
impl Expander for FailingExpander {
    fn expand(&self, type_name: &str, attrs: &mut Attrs) -> Result<(), (String, String)> {
        if type_name == "bucket" {
            return Err(("versioning".into(), "the source is missing".into()));
        }
        attrs.insert("arn".into(), eco_schema::Value::String("expanded".into()));
        Ok(())
    }
}

#[test]
fn expansion_errors_are_diagnostics_at_the_attribute() {
    let cfg = config(BASE);
    let registry = registry();
    let stage = cfg.select_stage(None, &[]).unwrap();
    let graph = ResourceGraph::from_config(&cfg).unwrap();
    let err = plan(&PlanRequest {
        eval: EvalContext {
            config: &cfg,
            stage: &stage,
            registry: &registry,
            expander: Some(&FailingExpander),
        },
        graph: &graph,
        state: &State::new("dev"),
        prior: None,
        targets: &[],
        replace: &[],
        mode: Mode::Normal,
    })
    .unwrap_err();
    let d = &err.0[0];
    assert_eq!(
        d.message,
        "bucket.site: `versioning`: the source is missing"
    );
    assert_eq!(
        cfg.sources.location(d.primary.as_ref().unwrap().span),
        "main.kdl:6:5"
    );
}

#[test]
fn imports_are_shown_and_counted() {
    // What `import` blocks read at plan time: the bucket as made by hand (no ownership tags),
    // the role already as configured.
    let mut state = applied_state();
    state.resources[0]
        .attributes
        .insert("tags".into(), serde_json::json!({"team": "web"}));
    let mut p = run_plan(&config(BASE), &state, Mode::Normal, &[]);
    p.mark_imports(&std::collections::BTreeMap::from([
        ("bucket.site".to_string(), "site-dev".to_string()),
        ("role.reader".to_string(), "reader".to_string()),
    ]));
    assert_eq!(
        p.summary(),
        Summary {
            import: 2,
            add: 0,
            change: 1,
            destroy: 0
        }
    );
    assert!(p.has_changes());
    let role = p.change("role.reader").unwrap();
    assert_eq!(
        (role.action, role.import_id.as_deref()),
        (Action::NoOp, Some("reader"))
    );
    let text = render::render(&p, false);
    assert!(
        text.contains(
            "# bucket.site will be imported (id site-dev), then will be updated in place"
        ),
        "{text}"
    );
    assert!(text.contains("~ tags"), "{text}");
    assert!(
        text.contains("# role.reader will be imported (id reader)\n"),
        "{text}"
    );
    assert!(
        text.contains("Plan: 2 to import, 0 to add, 1 to change, 0 to destroy."),
        "{text}"
    );
    let json = render::to_json(&p);
    assert_eq!(json["summary"]["import"], 2);
    assert_eq!(json["changes"][1]["import_id"], "reader");
}

#[test]
fn map_changes_render_key_by_key_with_counts() {
    let cfg = config(&BASE.replace(
        "versioning #true",
        "versioning #true\n    tags team=\"web\" owner=\"ops\"",
    ));
    let mut state = applied_state();
    let site = state
        .resources
        .iter_mut()
        .find(|r| r.address == "bucket.site")
        .unwrap();
    site.attributes["tags"]["team"] = "platform".into();
    site.attributes["tags"]["old"] = "x".into();
    let p = run_plan(&cfg, &state, Mode::Normal, &[]);
    let text = render::render(&p, false);
    assert!(
        text.contains("~ tags = { 1 added, 1 changed, 1 removed }"),
        "{text}"
    );
    assert!(text.contains("+ owner = \"ops\""), "{text}");
    assert!(text.contains("~ team = \"platform\" -> \"web\""), "{text}");
    assert!(text.contains("- old"), "{text}");
}

/// A change AWS makes to what it computes (a pool's estimated users) is not drift; a change to
/// a configured attribute is.
#[test]
fn counters_aws_keeps_are_never_drift() {
    let cfg = config("project \"p\"\nstage \"dev\" {}\npool \"users\" { name \"u\"; lifecycle prevent-destroy=#false }\n");
    let pool = |users: i64, name: &str| {
        let mut s = State::new("dev");
        s.resources.push(resource(
            "pool.users",
            "pool-1",
            serde_json::json!({"name": name, "id": "pool-1", "estimated-users": users}),
        ));
        s
    };
    let registry = registry();
    let stage = cfg.select_stage(None, &[]).unwrap();
    let graph = ResourceGraph::from_config(&cfg).unwrap();
    let planned = |prior: &State, now: &State| {
        plan(&PlanRequest {
            eval: EvalContext {
                config: &cfg,
                stage: &stage,
                registry: &registry,
                expander: None,
            },
            graph: &graph,
            state: now,
            prior: Some(prior),
            targets: &[],
            replace: &[],
            mode: Mode::Normal,
        })
        .unwrap()
    };
    assert!(planned(&pool(50, "u"), &pool(60, "u")).drift.is_empty());
    let renamed = planned(&pool(50, "u"), &pool(60, "v"));
    assert_eq!(renamed.drift.len(), 1);
    assert_eq!(renamed.drift[0].attributes, ["name"]);
}

#[test]
fn drift_is_reported_only_in_what_the_configuration_declares() {
    let cfg = config(BASE);
    let registry = registry();
    let stage = cfg.select_stage(None, &[]).unwrap();
    let graph = ResourceGraph::from_config(&cfg).unwrap();
    let prior = applied_state();
    let mut refreshed = applied_state();
    for r in &mut refreshed.resources {
        if r.address == "role.reader" {
            // Managed elsewhere (as a role's managed policies are by an attachment resource).
            r.attributes
                .insert("managed-policy".into(), serde_json::json!(["arn:x"]));
        }
        if r.address == "bucket.site" {
            r.attributes
                .insert("versioning".into(), serde_json::json!(false));
        }
    }
    let p = plan(&PlanRequest {
        eval: EvalContext {
            config: &cfg,
            stage: &stage,
            registry: &registry,
            expander: None,
        },
        graph: &graph,
        state: &refreshed,
        prior: Some(&prior),
        targets: &[],
        replace: &[],
        mode: Mode::Normal,
    })
    .unwrap();
    assert_eq!(
        p.drift,
        [Drift {
            address: "bucket.site".into(),
            deleted: false,
            attributes: vec!["versioning".into()],
        }]
    );
}

/// A function whose `version` changes on a code change only when it publishes, and a
/// permission pinned to that version (replaced when it changes).
fn publishing_registry() -> Registry {
    let mut r = Registry::new();
    r.register(
        Schema::new("function", "a test function")
            .attr(Attribute::string("code").required())
            .attr(Attribute::bool("publish").local())
            .attr(Attribute::string("tag"))
            .attr(
                Attribute::string("version")
                    .computed()
                    .derived_from(&["code", "publish"])
                    .derived_when("publish"),
            ),
    );
    r.register(
        Schema::new("permission", "a test permission")
            .attr(Attribute::string("qualifier").forces_replacement()),
    );
    r
}

fn publishing_plan(publish: bool, code: &str, tag: &str) -> Plan {
    let registry = publishing_registry();
    let text = format!(
        "project \"p\"\nstage \"dev\" {{ account \"123456789012\" }}\n\
         function \"api\" {{\n    code \"{code}\"\n    publish #{publish}\n    tag \"{tag}\"\n}}\n\
         permission \"invoke\" {{\n    qualifier \"${{function.api.version}}\"\n}}\n"
    );
    let mut s = Sources::new();
    s.add("main.kdl", &text);
    let cfg = parse_sources(s, &registry).unwrap_or_else(|e| panic!("{e}"));
    let mut state = State::new("dev");
    state.resources.push(resource(
        "function.api",
        "api",
        serde_json::json!({"code": "v1", "publish": publish, "tag": "a", "version": "1"}),
    ));
    state.resources.push(resource(
        "permission.invoke",
        "invoke",
        serde_json::json!({"qualifier": "1"}),
    ));
    let stage = cfg.select_stage(None, &[]).unwrap();
    let graph = ResourceGraph::from_config(&cfg).unwrap();
    plan(&PlanRequest {
        eval: EvalContext {
            config: &cfg,
            stage: &stage,
            registry: &registry,
            expander: None,
        },
        graph: &graph,
        state: &state,
        prior: None,
        targets: &[],
        replace: &[],
        mode: Mode::Normal,
    })
    .unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn a_published_version_is_followed_in_the_same_plan_only_when_the_function_publishes() {
    let action =
        |p: &Plan, address: &str| p.change(address).map(|c| c.action).unwrap_or(Action::NoOp);
    // New code, published: a new version, unknown until applied; the permission follows now.
    let p = publishing_plan(true, "v2", "a");
    assert_eq!(action(&p, "function.api"), Action::Update);
    assert_eq!(action(&p, "permission.invoke"), Action::Replace);
    // Not published: the version stays; nothing else moves.
    let p = publishing_plan(false, "v2", "a");
    assert_eq!(action(&p, "function.api"), Action::Update);
    assert_eq!(action(&p, "permission.invoke"), Action::NoOp);
    // Published, but only an attribute the version is not derived from changes.
    let p = publishing_plan(true, "v1", "b");
    assert_eq!(action(&p, "function.api"), Action::Update);
    assert_eq!(action(&p, "permission.invoke"), Action::NoOp);
}

/// Only the values something references are kept while planning: a resource and an output
/// that reference an unchanged resource still get its live values (a changed reference shows
/// as a change), and resources nothing references plan as before.
#[test]
fn references_to_unchanged_resources_see_their_live_values() {
    let cfg = config(&format!(
        "{BASE}\nrole \"other\" {{ name \"other\"; bucket-arn \"${{bucket.site.arn}}/x\" }}\noutput \"arn\" value=\"${{bucket.site.arn}}\"\n"
    ));
    let mut state = applied_state();
    state.upsert(resource(
        "role.other",
        "other",
        serde_json::json!({"name": "other", "bucket-arn": "arn:aws:s3:::old/x"}),
    ));
    let p = run_plan(&cfg, &state, Mode::Normal, &[]);
    assert_eq!(
        p.outputs["arn"].value,
        eco_schema::Value::String("arn:aws:s3:::site-dev".into())
    );
    // role.reader references the bucket's live ARN and matches it: no change; role.other's
    // recorded value is another bucket's: an in-place update to the live ARN.
    let addresses: Vec<&str> = p.changes.iter().map(|c| c.address.as_str()).collect();
    assert!(
        !addresses.contains(&"role.reader"),
        "{}",
        render::render(&p, false)
    );
    let other = p
        .changes
        .iter()
        .find(|c| c.address == "role.other")
        .expect("role.other changes");
    assert_eq!(other.action, Action::Update);
    assert_eq!(
        other.changes[0].after,
        Some(eco_schema::Value::String("arn:aws:s3:::site-dev/x".into()))
    );
}
