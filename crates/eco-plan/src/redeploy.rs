//! A REST API deployment is a snapshot of its API's parts ([`eco_graph::SNAPSHOT_PARTS`]): a
//! part removed from the configuration changes what a new snapshot would hold, as a changed part
//! does. The planner replaces the deployment of an API one of whose parts is removed, and the
//! engine deletes those parts before it creates the new deployment ([`deleted_before_redeploy`]),
//! so that the stage moves to a snapshot without them in the same apply.

use std::collections::HashSet;

use eco_state::State;

use crate::model::{Action, Plan};

/// The parts of REST APIs that state tracks and `configured` says the configuration no longer
/// has: (address, the id of their API, as state recorded their `rest-api`).
pub fn removed_parts(state: &State, configured: impl Fn(&str) -> bool) -> Vec<(&str, &str)> {
    state
        .resources
        .iter()
        .filter(|r| eco_graph::SNAPSHOT_PARTS.contains(&r.type_.as_str()))
        .filter(|r| !configured(&r.address))
        .filter_map(|r| Some((r.address.as_str(), api_of(state, &r.address)?)))
        .collect()
}

/// The deletions of `plan` that run before its creates and updates: the removed parts of an API
/// whose deployment the plan replaces, so that the new deployment snapshots the API without
/// them. A part that a resource staying in state still depends on (a method's authorizer, until
/// the method's update) waits for the ordinary deletions after the creates, and so does whatever
/// part being deleted depends on it.
pub fn deleted_before_redeploy(plan: &Plan, state: &State) -> HashSet<String> {
    let redeployed: HashSet<&str> = plan
        .changes
        .iter()
        .filter(|c| c.type_name == eco_graph::SNAPSHOT_TYPE && c.action == Action::Replace)
        .filter_map(|c| api_of(state, &c.address))
        .collect();
    if redeployed.is_empty() {
        return HashSet::new();
    }
    let deleted: HashSet<&str> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .map(|c| c.address.as_str())
        .collect();
    let mut early: HashSet<&str> = plan
        .changes
        .iter()
        .filter(|c| {
            c.action == Action::Delete
                && eco_graph::SNAPSHOT_PARTS.contains(&c.type_name.as_str())
                && api_of(state, &c.address).is_some_and(|api| redeployed.contains(api))
        })
        .map(|c| c.address.as_str())
        .collect();
    // A part leaves `early` when something staying, or deleted later, depends on it; until no
    // more leave. Deployments are left out: the replaced one is deleted after the creates.
    loop {
        let waiting: Vec<&str> = early
            .iter()
            .copied()
            .filter(|part| {
                state.resources.iter().any(|r| {
                    r.type_ != eco_graph::SNAPSHOT_TYPE
                        && r.dependencies.iter().any(|d| d == part)
                        && (!deleted.contains(r.address.as_str())
                            || !early.contains(r.address.as_str()))
                })
            })
            .collect();
        if waiting.is_empty() {
            break;
        }
        for part in waiting {
            early.remove(part);
        }
    }
    early.into_iter().map(str::to_string).collect()
}

/// The `rest-api` state recorded for the resource at `address`.
fn api_of<'a>(state: &'a State, address: &str) -> Option<&'a str> {
    state
        .resource(address)?
        .attributes
        .get("rest-api")?
        .as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceChange;
    use eco_state::ResourceState;

    fn part(address: &str, api: &str, dependencies: &[&str]) -> ResourceState {
        ResourceState {
            address: address.into(),
            type_: address.split_once('.').unwrap().0.into(),
            id: format!("{api}/{address}"),
            attributes: serde_json::json!({ "rest-api": api })
                .as_object()
                .unwrap()
                .clone(),
            dependencies: dependencies.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn change(address: &str, action: Action) -> ResourceChange {
        ResourceChange {
            address: address.into(),
            type_name: address.split_once('.').unwrap().0.into(),
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

    fn plan_of(changes: Vec<ResourceChange>) -> Plan {
        Plan {
            stage: "dev".into(),
            mode: crate::Mode::Normal,
            changes,
            refused: Vec::new(),
            drift: Vec::new(),
            outputs: Default::default(),
            moved: Vec::new(),
            hints: Vec::new(),
            lookups: Vec::new(),
        }
    }

    fn state_of(resources: Vec<ResourceState>) -> State {
        let mut state = State::new("dev");
        for r in resources {
            state.upsert(r);
        }
        state
    }

    #[test]
    fn removed_parts_name_their_api() {
        let state = state_of(vec![
            part("rest-method.get", "a1", &[]),
            part("rest-method.kept", "a1", &[]),
            part("rest-stage.dev", "a1", &[]),
        ]);
        assert_eq!(
            removed_parts(&state, |a| a == "rest-method.kept"),
            [("rest-method.get", "a1")]
        );
    }

    #[test]
    fn removed_parts_of_a_redeployed_api_are_deleted_first_unless_something_staying_needs_them() {
        let state = state_of(vec![
            part("rest-method.get", "a1", &["rest-authorizer.old"]),
            part("rest-integration.get", "a1", &["rest-method.get"]),
            part("rest-authorizer.old", "a1", &[]),
            // Still configured and depending on it: the authorizer waits.
            part("rest-method.post", "a1", &["rest-authorizer.old"]),
            part("rest-method.other-api", "b2", &[]),
            part(
                "rest-deployment.main",
                "a1",
                &["rest-method.get", "rest-integration.get"],
            ),
        ]);
        let plan = plan_of(vec![
            change("rest-method.get", Action::Delete),
            change("rest-integration.get", Action::Delete),
            change("rest-authorizer.old", Action::Delete),
            change("rest-method.other-api", Action::Delete),
            change("rest-deployment.main", Action::Replace),
        ]);
        let mut early: Vec<String> = deleted_before_redeploy(&plan, &state).into_iter().collect();
        early.sort();
        assert_eq!(early, ["rest-integration.get", "rest-method.get"]);

        // No redeploy, no early deletion.
        let plan = plan_of(vec![change("rest-method.get", Action::Delete)]);
        assert!(deleted_before_redeploy(&plan, &state).is_empty());
    }

    #[test]
    fn a_part_that_a_later_deletion_depends_on_waits_with_it() {
        let state = state_of(vec![
            part("rest-method.get", "a1", &[]),
            // Deleted, not a snapshot part, depends on the method: deleted after the creates.
            part("thing.x", "a1", &["rest-method.get"]),
        ]);
        let plan = plan_of(vec![
            change("rest-method.get", Action::Delete),
            change("thing.x", Action::Delete),
            change("rest-deployment.main", Action::Replace),
        ]);
        let mut state = state;
        state.upsert(part("rest-deployment.main", "a1", &["rest-method.get"]));
        assert!(deleted_before_redeploy(&plan, &state).is_empty());
    }
}
