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
