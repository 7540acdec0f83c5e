//! Making a plan: desired (configuration, stage, variables) against refreshed state.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use eco_config::{Address, Config, Diagnostic, Diagnostics, RefTarget};
use eco_graph::ResourceGraph;
use eco_schema::{DataAtRisk, Held, Schema, Update, Value};
use eco_state::State;

use crate::desired::{
    attrs_from_json, desired_attrs, eval_expr, kept_across_replacement, shown_values, EvalContext,
    Known,
};
use crate::diff::diff_attributes;
use crate::model::*;
use crate::sensitive::Sensitivity;

/// What to plan.
pub struct PlanRequest<'a> {
    pub eval: EvalContext<'a>,
    pub graph: &'a ResourceGraph,
    /// State after refresh (what AWS has now).
    pub state: &'a State,
    /// State before refresh, to report drift; `None` when refresh was skipped.
    pub prior: Option<&'a State>,
    /// `-target`: only these and what they need (for destroy: and what needs them).
    pub targets: &'a [Address],
    /// `-replace`: replace these even if nothing forces it.
    pub replace: &'a [Address],
    pub mode: Mode,
}

/// Plans. Evaluation problems (a variable without a value) are diagnostics.
pub fn plan(req: &PlanRequest) -> Result<Plan, Diagnostics> {
    let ctx = &req.eval;
    let mut diags = Diagnostics::default();
    let drift = req
        .prior
        .map(|p| {
            only_declared(
                without_computed(drift(p, req.state), ctx.registry),
                ctx.config,
            )
        })
        .unwrap_or_default();
    let deleted_outside: HashSet<&str> = drift
        .iter()
        .filter(|d| d.deleted)
        .map(|d| d.address.as_str())
        .collect();
    let in_scope = scope(req);
    let mut changes = Vec::new();
    let mut refused = Vec::new();
    let mut known = Known::new();
    let mut sensitivity = Sensitivity::new(ctx.config);
    // What each resource shows references is set as the loop below plans it, dependencies
    // first: what its plan shows, or (not planned: out of scope, refresh-only, a problem) its
    // live values. Nothing is converted up front (it was every resource's state, twice), and
    // only what a resource or an output references is kept (it was every resource's values).
    let referenced = referenced_resources(ctx.config);

    // Parts of REST APIs removed from the configuration: their API's deployment is replaced.
    let removed_parts = if req.mode == Mode::Normal {
        crate::redeploy::removed_parts(req.state, |a| {
            !in_scope.contains(a)
                || Address::parse(a)
                    .and_then(|a| ctx.config.resource(&a))
                    .is_some()
        })
    } else {
        Vec::new()
    };
    if req.mode != Mode::Destroy {
        for address in req.graph.topological_order() {
            let resource = ctx
                .config
                .resource(address)
                .expect("graph nodes are configured");
            let key = address.to_string();
            let schema = ctx
                .registry
                .get(&address.type_name)
                .expect("registered type");
            let prior = req.state.resource(&key);
            let live = prior.map(|p| attrs_from_json(&p.attributes));
            sensitivity.record(&key, resource, schema);
            let desired = match desired_attrs(ctx, resource, &known) {
                Ok(d) => d,
                Err(d) => {
                    diags.push(d);
                    if let Some(live) = live.filter(|_| referenced.contains(address)) {
                        known.set(key, live);
                    }
                    continue;
                }
            };
            if !in_scope.contains(&key) || req.mode == Mode::RefreshOnly {
                if let Some(live) = live.filter(|_| referenced.contains(address)) {
                    known.set(key, live);
                }
                continue;
            }
            let force = req.replace.contains(address);
            let mut change = ResourceChange {
                address: key.clone(),
                type_name: address.type_name.clone(),
                action: Action::NoOp,
                id: prior.map(|p| p.id.clone()),
                changes: Vec::new(),
                replace_because: Vec::new(),
                create_before_destroy: resource.lifecycle.create_before_destroy
                    || address.type_name == eco_graph::SNAPSHOT_TYPE,
                dependencies: req
                    .graph
                    .dependencies(address)
                    .iter()
                    .map(|a| a.to_string())
                    .collect(),
                reason: None,
                import_id: None,
                at_risk: None,
            };
            match &live {
                None => {
                    change.action = Action::Create;
                    change.changes = creation_changes(schema, &desired);
                    if deleted_outside.contains(key.as_str()) {
                        change.reason = Some("was deleted outside eco".into());
                    }
                }
                Some(live) => {
                    let diffs = diff_attributes(schema, &desired, live, &resource.ignore_changes);
                    let mut guarded = Vec::new();
                    for d in &diffs {
                        let update = match &d.update {
                            Update::InPlace => UpdateKind::InPlace,
                            Update::Replace => {
                                change.replace_because.push(d.name.clone());
                                UpdateKind::ForcesReplacement
                            }
                            Update::Guarded(why) => {
                                guarded.push((d.name.clone(), *why));
                                UpdateKind::Guarded
                            }
                        };
                        change.changes.push(AttrChange {
                            name: d.name.clone(),
                            before: d.before.clone(),
                            after: Some(d.after.clone()),
                            update,
                            sensitive: d.sensitive,
                            label: block_label(schema, &d.name),
                        });
                    }
                    if let Some(part) =
                        changed_snapshot_part(&address.type_name, &change.dependencies, &changes)
                    {
                        change
                            .replace_because
                            .push(format!("{part} changed (the deployment snapshots it)"));
                    } else if address.type_name == eco_graph::SNAPSHOT_TYPE {
                        let api = live.get("rest-api").and_then(Value::as_str);
                        if let Some((part, _)) = removed_parts.iter().find(|(_, a)| Some(*a) == api)
                        {
                            change
                                .replace_because
                                .push(format!("{part} was removed (the deployment snapshots it)"));
                        }
                    }
                    let held = held_by(&address.type_name, live);
                    let lost = held.as_ref().map(DataAtRisk::describe);
                    if force {
                        change.replace_because.insert(0, "-replace".into());
                        if let Some(lost) = &lost {
                            change.reason = Some(format!("-replace: {lost}"));
                        }
                    }
                    if !guarded.is_empty() && !force {
                        let lost = lost.as_ref().map(|l| format!(": {l}")).unwrap_or_default();
                        for (name, why) in guarded {
                            refused.push(Refusal {
                                address: key.clone(),
                                attribute: Some(name.clone()),
                                message: format!(
                                    "{key}: a change to `{name}` is refused: {why}\n  Options: keep the current value in the \
                                     configuration; or `eco state rm {key}` and migrate by hand; or replace it explicitly with \
                                     `-replace {key}` (the resource and everything in it is deleted and created anew{lost})"
                                ),
                            });
                        }
                    }
                    change.action = if !change.replace_because.is_empty() {
                        let kept = kept_across_replacement(schema, live, &desired);
                        for c in computed_unknowns(schema, &desired) {
                            if !change.changes.iter().any(|x| x.name == c.name)
                                && !kept.contains_key(&c.name)
                            {
                                change.changes.push(c);
                            }
                        }
                        if change.reason.is_none() {
                            change.reason.clone_from(&lost);
                        }
                        change.at_risk = held;
                        Action::Replace
                    } else if !change.changes.is_empty() {
                        for c in rederived_unknowns(schema, &change.changes, &desired) {
                            if !change.changes.iter().any(|x| x.name == c.name) {
                                change.changes.push(c);
                            }
                        }
                        Action::Update
                    } else {
                        Action::NoOp
                    };
                }
            }
            if change.action == Action::Replace && resource.lifecycle.prevent_destroy {
                refused.push(prevent_destroy_refusal(&key, "replace"));
            }
            for c in &mut change.changes {
                c.sensitive |= sensitivity.is(&key, &c.name);
            }
            if !referenced.contains(address) {
                if change.action != Action::NoOp {
                    changes.push(change);
                }
                continue;
            }
            let shown = match change.action {
                Action::Replace => {
                    let mut shown = shown_values(schema, None, &desired);
                    if let Some(live) = &live {
                        shown.extend(kept_across_replacement(schema, live, &desired));
                    }
                    shown
                }
                Action::Create => shown_values(schema, None, &desired),
                Action::Update => {
                    let mut shown = shown_values(schema, live, &desired);
                    for c in rederived_unknowns(schema, &change.changes, &desired) {
                        shown.insert(c.name, Value::Unknown);
                    }
                    shown
                }
                _ => shown_values(schema, live, &desired),
            };
            known.set(key, shown);
            if change.action != Action::NoOp {
                changes.push(change);
            }
        }
    }

    // Deletions: what state tracks that the configuration no longer has (or everything, for destroy).
    if req.mode != Mode::RefreshOnly {
        for r in &req.state.resources {
            let configured = Address::parse(&r.address).and_then(|a| ctx.config.resource(&a));
            if req.mode != Mode::Destroy && configured.is_some() {
                continue;
            }
            if !in_scope.contains(&r.address) {
                continue;
            }
            let schema = ctx.registry.get(&r.type_);
            let prevent = match configured {
                Some(c) => c.lifecycle.prevent_destroy,
                None => schema.is_some_and(|s| s.prevent_destroy_by_default),
            };
            if prevent {
                refused.push(prevent_destroy_refusal(&r.address, "destroy"));
            }
            let live = attrs_from_json(&r.attributes);
            changes.push(ResourceChange {
                address: r.address.clone(),
                type_name: r.type_.clone(),
                action: Action::Delete,
                id: Some(r.id.clone()),
                changes: live
                    .iter()
                    .filter(|(k, _)| {
                        schema
                            .and_then(|s| s.attribute(k))
                            .is_some_and(|a| !a.computed)
                    })
                    .map(|(k, v)| AttrChange {
                        name: k.clone(),
                        before: Some(v.clone()),
                        after: None,
                        update: UpdateKind::InPlace,
                        sensitive: schema
                            .and_then(|s| s.attribute(k))
                            .is_some_and(|a| a.sensitive),
                        label: None,
                    })
                    .collect(),
                replace_because: Vec::new(),
                create_before_destroy: false,
                dependencies: r.dependencies.clone(),
                reason: Some({
                    let why = if req.mode == Mode::Destroy {
                        "eco destroy"
                    } else {
                        "is no longer in the configuration"
                    };
                    match data_at_risk(&r.type_, &live) {
                        Some(lost) => format!("{why}: {lost}"),
                        None => why.to_string(),
                    }
                }),
                import_id: None,
                at_risk: held_by(&r.type_, &live),
            });
        }
    }
    changes.sort_by(|a, b| a.address.cmp(&b.address));

    let mut outputs = BTreeMap::new();
    if req.mode != Mode::Destroy {
        for o in &ctx.config.outputs {
            match eval_expr(ctx, &o.value, &known) {
                Ok(value) => {
                    outputs.insert(
                        o.name.clone(),
                        PlannedOutput {
                            value,
                            sensitive: o.sensitive || sensitivity.taints(&o.value),
                        },
                    );
                }
                Err(d) => diags.push(d),
            }
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let lookups = lookups_feeding(ctx.config, &changes);
    Ok(Plan {
        stage: ctx.stage.name.clone(),
        mode: req.mode,
        changes,
        refused,
        drift,
        outputs,
        moved: Vec::new(),
        hints: Vec::new(),
        lookups,
    })
}

/// The lookups a planned change's changed attributes use (directly, or through a local), each
/// with the changes it feeds: what the plan shows as read for it.
fn lookups_feeding(config: &Config, changes: &[ResourceChange]) -> Vec<crate::model::LookupUse> {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in changes.iter().filter(|c| c.action != Action::NoOp) {
        let Some(resource) = Address::parse(&c.address).and_then(|a| config.resource(&a)) else {
            continue;
        };
        for (name, attr) in &resource.attributes {
            if !c.changes.iter().any(|a| &a.name == name) {
                continue;
            }
            for r in attr.expr.references() {
                if let RefTarget::Lookup {
                    type_name, name, ..
                } = &r.target
                {
                    uses.entry(format!("lookup.{type_name}.{name}"))
                        .or_default()
                        .insert(c.address.clone());
                }
            }
        }
    }
    uses.into_iter()
        .map(|(lookup, feeds)| crate::model::LookupUse {
            lookup,
            feeds: feeds.into_iter().collect(),
        })
        .collect()
}

/// The resources whose values something in the configuration references: another
/// resource's attribute or an output. Only their values are kept while planning.
fn referenced_resources<'a>(config: &'a Config) -> HashSet<&'a Address> {
    let mut referenced = HashSet::new();
    let mut note = |r: &'a eco_config::Reference| {
        if let RefTarget::Resource { address, .. } = &r.target {
            referenced.insert(address);
        }
    };
    for r in &config.resources {
        for a in r.attributes.values() {
            a.expr.for_each_ref(&mut note);
        }
    }
    for o in &config.outputs {
        o.value.for_each_ref(&mut note);
    }
    referenced
}

/// What a replacement would lose, for types that report it: "about N users would be lost"
/// from a Cognito pool's computed `estimated-users`; a parameter's value, which lives nowhere
/// else. `None` when nothing is known.
fn data_at_risk(type_name: &str, live: &Attrs) -> Option<String> {
    held_by(type_name, live).map(|held| held.describe())
}

/// What a resource holds by the figures its last read recorded (the engine replaces them with
/// fresh ones for the destroys and replacements of a plan it shows); `None` when it holds nothing
/// or its type reports nothing.
fn held_by(type_name: &str, live: &Attrs) -> Option<DataAtRisk> {
    let int = |name: &str| match live.get(name) {
        Some(Value::Int(n)) if *n > 0 => Some(*n as u64),
        _ => None,
    };
    let held = if type_name == "ssm-parameter" {
        DataAtRisk::value("parameter")
    } else if type_name == "secretsmanager-secret"
        && live.get("force-delete-without-recovery") == Some(&Value::Bool(true))
    {
        // Deleted at once. Otherwise Secrets Manager keeps it for its recovery window
        // (RestoreSecret brings it back): nothing is lost yet.
        DataAtRisk::value("secret")
    } else if let Some(n) = int("estimated-users") {
        DataAtRisk::counted("user pool", Held::Users, n).estimated()
    } else if let Some(n) = int("item-count") {
        let table = DataAtRisk::counted("table", Held::Items, n).estimated();
        match int("size-bytes") {
            Some(bytes) => table.with_bytes(bytes),
            None => table,
        }
        .noted("DynamoDB's count, refreshed about every 6 hours")
    } else if let Some(n) = int("stored-bytes") {
        // A log group's events.
        DataAtRisk::log_bytes("log group", n)
    } else if let Some(n) = int("approximate-messages") {
        // A queue's messages.
        DataAtRisk::counted("queue", Held::Messages, n).estimated()
    } else {
        return None;
    };
    held.holds_anything().then_some(held)
}

fn prevent_destroy_refusal(address: &str, what: &str) -> Refusal {
    Refusal {
        address: address.to_string(),
        attribute: None,
        message: format!(
            "{address} has lifecycle prevent-destroy, and this plan would {what} it.\n  Options: change the \
             configuration so that it is kept; or, if it really must go, set `lifecycle prevent-destroy=#false` \
             on it first (for Cognito user pools this is also needed because they default to prevent-destroy)"
        ),
    }
}

/// The addresses a plan may touch: everything, or the targets and what they depend on (for
/// destroy: the targets and what depends on them).
fn scope(req: &PlanRequest) -> HashSet<String> {
    let mut all: HashSet<String> = req
        .eval
        .config
        .resources
        .iter()
        .map(|r| r.address.to_string())
        .collect();
    all.extend(req.state.resources.iter().map(|r| r.address.clone()));
    if req.targets.is_empty() {
        return all;
    }
    let mut keep: BTreeSet<String> = req.targets.iter().map(|a| a.to_string()).collect();
    let mut todo: Vec<String> = keep.iter().cloned().collect();
    while let Some(a) = todo.pop() {
        let next: Vec<String> = if req.mode == Mode::Destroy {
            let mut v: Vec<String> = req
                .state
                .resources
                .iter()
                .filter(|r| r.dependencies.contains(&a))
                .map(|r| r.address.clone())
                .collect();
            if let Some(addr) = Address::parse(&a) {
                v.extend(req.graph.dependents(&addr).iter().map(|x| x.to_string()));
            }
            v
        } else {
            let mut v: Vec<String> = Address::parse(&a)
                .map(|addr| {
                    req.graph
                        .dependencies(&addr)
                        .iter()
                        .map(|x| x.to_string())
                        .collect()
                })
                .unwrap_or_default();
            if let Some(r) = req.state.resource(&a) {
                v.extend(r.dependencies.iter().cloned());
            }
            v
        };
        for n in next {
            if keep.insert(n.clone()) {
                todo.push(n);
            }
        }
    }
    keep.into_iter().filter(|a| all.contains(a)).collect()
}

/// The label field of a repeated block keyed by label, for the plan's block-by-block view.
fn block_label(schema: &Schema, name: &str) -> Option<String> {
    match &schema.attribute(name)?.shape {
        eco_schema::Shape::Block(b) if b.repeated => b.label.map(str::to_string),
        _ => None,
    }
}

fn creation_changes(schema: &Schema, desired: &Attrs) -> Vec<AttrChange> {
    let mut out: Vec<AttrChange> = desired
        .iter()
        .map(|(k, v)| AttrChange {
            name: k.clone(),
            before: None,
            after: Some(v.clone()),
            update: UpdateKind::InPlace,
            sensitive: schema.attribute(k).is_some_and(|a| a.sensitive),
            label: None,
        })
        .collect();
    out.extend(computed_unknowns(schema, desired));
    out
}

/// The computed attributes a new resource will have, except those already known (a source
/// hash `expand` computed).
fn computed_unknowns(schema: &Schema, desired: &Attrs) -> Vec<AttrChange> {
    schema
        .attributes
        .iter()
        .filter(|a| a.computed && !desired.contains_key(a.name))
        .map(|a| AttrChange {
            name: a.name.to_string(),
            before: None,
            after: Some(Value::Unknown),
            update: UpdateKind::InPlace,
            sensitive: a.sensitive,
            label: None,
        })
        .collect()
}

/// The computed attributes an in-place update gives new values: those AWS derives from an
/// attribute that `changes` changes (`derived_from`; a layer's `version-arn` when its content
/// changes), known only after apply. An attribute with a `derived_when` flag changes only when
/// the flag is true in `desired` (a function's version, when it publishes).
fn rederived_unknowns(
    schema: &Schema,
    changes: &[AttrChange],
    desired: &BTreeMap<String, Value>,
) -> Vec<AttrChange> {
    schema
        .attributes
        .iter()
        .filter(|a| a.computed)
        .filter(|a| {
            a.derived_when
                .is_none_or(|flag| desired.get(flag) == Some(&Value::Bool(true)))
        })
        .filter(|a| {
            a.derived_from
                .iter()
                .any(|from| changes.iter().any(|c| c.name == *from))
        })
        .map(|a| AttrChange {
            name: a.name.to_string(),
            before: None,
            after: Some(Value::Unknown),
            update: UpdateKind::InPlace,
            sensitive: a.sensitive,
            label: None,
        })
        .collect()
}

/// What changed in AWS since state was written: resources deleted, attributes changed.
pub fn drift(prior: &State, refreshed: &State) -> Vec<Drift> {
    let mut out = Vec::new();
    for p in &prior.resources {
        match refreshed.resource(&p.address) {
            None => out.push(Drift {
                address: p.address.clone(),
                deleted: true,
                attributes: Vec::new(),
            }),
            Some(r) => {
                let mut attrs: Vec<String> = p
                    .attributes
                    .iter()
                    .filter(|(k, v)| r.attributes.get(*k) != Some(v))
                    .map(|(k, _)| k.clone())
                    .chain(
                        r.attributes
                            .keys()
                            .filter(|k| !p.attributes.contains_key(*k))
                            .cloned(),
                    )
                    .collect();
                attrs.sort();
                if !attrs.is_empty() {
                    out.push(Drift {
                        address: p.address.clone(),
                        deleted: false,
                        attributes: attrs,
                    });
                }
            }
        }
    }
    out
}

/// Drift without the attributes AWS computes (a pool's estimated users, a table's item count):
/// eco can neither cause nor undo their changes, so they are no drift to report.
fn without_computed(drift: Vec<Drift>, registry: &eco_schema::Registry) -> Vec<Drift> {
    drift
        .into_iter()
        .filter_map(|mut d| {
            let type_name = d.address.split('.').next().unwrap_or_default();
            if let Some(schema) = registry.get(type_name) {
                d.attributes
                    .retain(|a| !schema.attribute(a).is_some_and(|a| a.computed));
            }
            (d.deleted || !d.attributes.is_empty()).then_some(d)
        })
        .collect()
}

/// Drift of a configured resource only in what its configuration declares (and its tags, which
/// always carry eco's ownership tags): an attribute the configuration leaves alone may be
/// managed elsewhere (a role's managed policies by an `iam-role-policy-attachment`), and its
/// change is nobody's drift. A resource no longer configured keeps all of its drift.
fn only_declared(drift: Vec<Drift>, config: &eco_config::Config) -> Vec<Drift> {
    drift
        .into_iter()
        .filter_map(|mut d| {
            let configured = Address::parse(&d.address).and_then(|a| config.resource(&a));
            if let Some(resource) = configured {
                d.attributes
                    .retain(|a| a == "tags" || resource.attributes.contains_key(a));
            }
            (d.deleted || !d.attributes.is_empty()).then_some(d)
        })
        .collect()
}

/// Turns evaluation diagnostics into one (for callers that report a single error).
pub fn first(diags: Diagnostics) -> Diagnostic {
    diags.0.into_iter().next().expect("non-empty diagnostics")
}

/// For a REST API deployment ([`eco_graph::SNAPSHOT_TYPE`]), the first of its parts (its
/// dependencies of [`eco_graph::SNAPSHOT_PARTS`] types) with a planned change: the deployment is
/// then replaced, so that the stage serving it moves to a snapshot of the changed API.
fn changed_snapshot_part<'a>(
    type_name: &str,
    dependencies: &[String],
    planned: &'a [ResourceChange],
) -> Option<&'a str> {
    if type_name != eco_graph::SNAPSHOT_TYPE {
        return None;
    }
    planned
        .iter()
        .find(|c| {
            (eco_graph::SNAPSHOT_PARTS.contains(&c.type_name.as_str()) || puts_a_document(c))
                && dependencies.contains(&c.address)
                && c.action != Action::NoOp
        })
        .map(|c| c.address.as_str())
}

/// Whether a planned change puts a REST API's OpenAPI document again (its `body-sha256`
/// changes): the document replaces the API's parts, which a deployment snapshots.
fn puts_a_document(c: &ResourceChange) -> bool {
    c.type_name == "rest-api" && c.changes.iter().any(|a| a.name == "body-sha256")
}

#[cfg(test)]
mod data_at_risk_tests {
    use super::*;

    #[test]
    fn stored_log_bytes_are_at_risk_and_an_empty_group_is_not() {
        let group = |n| Attrs::from([("stored-bytes".to_string(), Value::Int(n))]);
        assert_eq!(
            data_at_risk("log-group", &group(2048)).as_deref(),
            Some("about 2048 bytes of logs would be lost")
        );
        assert_eq!(data_at_risk("log-group", &group(0)), None);
    }

    #[test]
    fn a_parameters_value_is_at_risk() {
        assert_eq!(
            data_at_risk("ssm-parameter", &Attrs::new()).as_deref(),
            Some("its value would be lost")
        );
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;

    fn change(address: &str, action: Action) -> ResourceChange {
        ResourceChange {
            address: address.to_string(),
            type_name: address.split('.').next().unwrap().to_string(),
            action,
            id: None,
            changes: Vec::new(),
            replace_because: Vec::new(),
            create_before_destroy: false,
            dependencies: Vec::new(),
            reason: None,
            import_id: None,
            at_risk: None,
        }
    }

    #[test]
    fn a_deployment_is_replaced_for_a_changed_part_of_its_api_only() {
        let deps = [
            "rest-api.main".to_string(),
            "rest-integration.get".to_string(),
        ];
        let planned = [
            change("rest-api.main", Action::Update),
            change("rest-method.other-api", Action::Update),
            change("rest-integration.get", Action::Update),
        ];
        assert_eq!(
            changed_snapshot_part("rest-deployment", &deps, &planned),
            Some("rest-integration.get")
        );
        // The API itself is not a snapshotted part; nor is anything of another API.
        assert_eq!(
            changed_snapshot_part("rest-deployment", &deps, &planned[..2]),
            None
        );
        // Only deployments are replaced this way.
        assert_eq!(changed_snapshot_part("rest-stage", &deps, &planned), None);
    }

    #[test]
    fn a_deployment_is_replaced_for_a_new_openapi_document_of_its_api() {
        let deps = ["rest-api.main".to_string()];
        let mut api = change("rest-api.main", Action::Update);
        api.changes.push(AttrChange {
            name: "body-sha256".into(),
            before: Some(Value::String("a".repeat(64))),
            after: Some(Value::String("b".repeat(64))),
            update: UpdateKind::InPlace,
            sensitive: false,
            label: None,
        });
        let planned = [api];
        assert_eq!(
            changed_snapshot_part("rest-deployment", &deps, &planned),
            Some("rest-api.main")
        );
    }
}
