//! `moved` blocks in planning: what state tracks at a `from` address is planned at its `to`
//! address (a move, never a destroy and a create), and a destroy + create pair that looks like a
//! rename gets the `moved` block that would keep the resource.

use eco_config::{Address, Config};
use eco_state::State;
use serde::{Deserialize, Serialize};

use crate::model::{Action, Plan};

/// A resource state tracks at `from` that the configuration now declares at `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub from: String,
    pub to: String,
}

/// State with the configuration's `moved` blocks carried out: each resource at a block's `from`
/// (with, for a for-each block moved as a whole, its instances) is now at `to`, when nothing
/// is at `to` yet. Also follows chains (`a` -> `b`, `b` -> `c`). Returns the moves made.
pub fn apply_moves(state: &mut State, config: &Config) -> Vec<Move> {
    let mut done = Vec::new();
    // A chain of n blocks needs at most n passes.
    for _ in 0..config.moved.len() {
        let mut progressed = false;
        for block in &config.moved {
            for (from, to) in pairs(state, &block.from, &block.to) {
                if state.resource(&to).is_none() && state.move_resource(&from, &to).is_ok() {
                    progressed = true;
                    match done.iter_mut().find(|m: &&mut Move| m.to == from) {
                        // a -> b then b -> c: one move a -> c.
                        Some(m) => m.to = to,
                        None => done.push(Move { from, to }),
                    }
                }
            }
        }
        if !progressed {
            break;
        }
    }
    done.retain(|m| m.from != m.to);
    done
}

/// The (from, to) addresses a block moves: the address itself, or, for an address without a
/// key, also every instance `from["KEY"]` state has (to `to["KEY"]`).
fn pairs(state: &State, from: &Address, to: &Address) -> Vec<(String, String)> {
    let mut out = vec![(from.to_string(), to.to_string())];
    if from.key.is_none() && to.key.is_none() {
        let prefix = format!("{from}[\"");
        for address in state.addresses() {
            if let Some(rest) = address.strip_prefix(&prefix) {
                out.push((address.to_string(), format!("{to}[\"{rest}")));
            }
        }
    }
    out
}

/// For each type with exactly one resource destroyed because the configuration no longer has
/// it and exactly one created, the `moved` block that would keep it.
pub fn moved_hints(plan: &Plan) -> Vec<String> {
    let mut hints = Vec::new();
    let of = |action: Action, type_name: &str| {
        plan.changes
            .iter()
            .filter(|c| c.action == action && c.type_name == type_name)
            .filter(|c| {
                action != Action::Delete
                    || c.reason.as_deref().is_some_and(|r| r.contains("no longer"))
            })
            .map(|c| c.address.as_str())
            .collect::<Vec<_>>()
    };
    let mut types: Vec<&str> = plan.changes.iter().map(|c| c.type_name.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    for ty in types {
        if let ([gone], [new]) = (
            of(Action::Delete, ty).as_slice(),
            of(Action::Create, ty).as_slice(),
        ) {
            hints.push(format!(
                "{gone} is destroyed and {new} created: if this is the same resource renamed or \
                 moved, keep it (and its data) with `moved from=\"{}\" to=\"{}\"`",
                gone.replace('"', "\\\""),
                new.replace('"', "\\\"")
            ));
        }
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;
    use eco_config::Moved;
    use eco_state::ResourceState;

    fn state(addresses: &[&str]) -> State {
        let mut s = State::new("dev");
        for a in addresses {
            s.upsert(ResourceState {
                address: a.to_string(),
                type_: "thing".into(),
                id: format!("id-{a}"),
                attributes: Default::default(),
                dependencies: Vec::new(),
            });
        }
        s
    }

    fn config(moves: &[(&str, &str)]) -> Config {
        let span = eco_config::Span::new(eco_config::FileId(0), 0, 0);
        let mut c = Config::default();
        c.moved = moves
            .iter()
            .map(|(f, t)| Moved {
                from: Address::parse(f).unwrap(),
                to: Address::parse(t).unwrap(),
                span,
            })
            .collect();
        c
    }

    fn addresses(s: &State) -> Vec<&str> {
        s.addresses().collect()
    }

    #[test]
    fn moves_rename_chain_and_carry_instances() {
        let mut s = state(&["thing.a", "thing.keep"]);
        let done = apply_moves(
            &mut s,
            &config(&[("thing.b", "module.m.thing.c"), ("thing.a", "thing.b")]),
        );
        assert_eq!(
            done,
            vec![Move {
                from: "thing.a".into(),
                to: "module.m.thing.c".into()
            }]
        );
        assert_eq!(addresses(&s), vec!["module.m.thing.c", "thing.keep"]);
        assert_eq!(s.resource("module.m.thing.c").unwrap().id, "id-thing.a");

        // A whole for-each block: every instance follows.
        let mut s = state(&["thing.x[\"1\"]", "thing.x[\"2\"]"]);
        let done = apply_moves(&mut s, &config(&[("thing.x", "thing.y")]));
        assert_eq!(done.len(), 2);
        assert_eq!(addresses(&s), vec!["thing.y[\"1\"]", "thing.y[\"2\"]"]);

        // Nothing at from, or something already at to: no move.
        let mut s = state(&["thing.a", "thing.b"]);
        assert!(apply_moves(&mut s, &config(&[("thing.a", "thing.b")])).is_empty());
        assert!(apply_moves(&mut s, &config(&[("thing.z", "thing.w")])).is_empty());
    }

    #[test]
    fn a_destroy_and_a_create_of_one_type_get_the_moved_block() {
        let change =
            |address: &str, action: Action, reason: Option<&str>| crate::model::ResourceChange {
                address: address.into(),
                type_name: "thing".into(),
                action,
                id: None,
                changes: Vec::new(),
                replace_because: Vec::new(),
                create_before_destroy: false,
                dependencies: Vec::new(),
                reason: reason.map(String::from),
                import_id: None,
                at_risk: None,
            };
        let mut plan = Plan {
            stage: "dev".into(),
            mode: crate::model::Mode::Normal,
            changes: vec![
                change(
                    "thing.old",
                    Action::Delete,
                    Some("is no longer in the configuration"),
                ),
                change("thing.new[\"k\"]", Action::Create, None),
            ],
            refused: Vec::new(),
            drift: Vec::new(),
            outputs: Default::default(),
            moved: Vec::new(),
            hints: Vec::new(),
            lookups: Vec::new(),
        };
        let hints = moved_hints(&plan);
        assert_eq!(hints.len(), 1);
        assert!(
            hints[0].contains(r#"moved from="thing.old" to="thing.new[\"k\"]""#),
            "{}",
            hints[0]
        );
        // Two creates: ambiguous, no advice.
        plan.changes
            .push(change("thing.other", Action::Create, None));
        assert!(moved_hints(&plan).is_empty());
    }
}
