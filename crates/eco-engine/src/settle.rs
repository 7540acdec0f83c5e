//! Settling the write-ahead intents an interrupted apply left in state (see `protocol.rs` for
//! what a crash at each phase leaves): what the interrupted call made is found (by token, name
//! or ownership tags) and adopted, or the intent is dropped so that the plan does the operation
//! again.

use eco_config::Address;
use eco_plan::{attrs_from_json, desired_attrs, Action};
use eco_state::{Operation, State};

use crate::{known_from_state, resource_state, Engine, EngineError, Resolution};

/// What settling an intent decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    /// The interrupted create (or replacement) made it: adopt it into state.
    Adopt,
    /// It made nothing: the plan creates it again.
    CreateAgain,
    /// The interrupted delete finished: remove it from state.
    Deleted,
    /// The interrupted delete did not: the plan deletes it again.
    StillExists,
    /// An interrupted update: refresh reads what it did.
    Refresh,
}

/// The decision for an intent of `operation`, from whether what it is about exists now (for a
/// create or replacement: `find` found it; for a delete: `read` still sees it).
pub(crate) fn settle(operation: Operation, exists: bool) -> Settled {
    match (operation, exists) {
        (Operation::Create | Operation::Replace, true) => Settled::Adopt,
        (Operation::Create | Operation::Replace, false) => Settled::CreateAgain,
        (Operation::Delete, true) => Settled::StillExists,
        (Operation::Delete, false) => Settled::Deleted,
        (Operation::Update, _) => Settled::Refresh,
    }
}

impl Engine {
    /// Settles the intents an interrupted apply left (see the crate docs). Returns the state to
    /// continue with and what was found; the caller persists it.
    pub async fn resolve_pending(
        &self,
        state: &State,
    ) -> (State, Vec<Resolution>, Vec<EngineError>) {
        let mut state = state.clone();
        let mut found = Vec::new();
        let mut errors = Vec::new();
        let intents = std::mem::take(&mut state.pending);
        let known = known_from_state(&state);
        for intent in intents {
            let address = intent.address.clone();
            let type_name = address.split('.').next().unwrap_or_default().to_string();
            let provider = match self.provider(&address, &type_name) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(e);
                    state.pending.push(intent);
                    continue;
                }
            };
            // An interrupted create-before-destroy replacement: its find never answers the old
            // resource (still live, and found by the same name, token or tags).
            let ctx = self.ctx(&address).with_replacing(intent.replaces.clone());
            let ctx = match intent.operation {
                // The create may have been sent before the run stopped.
                Operation::Create | Operation::Replace => ctx.with_attempted(),
                _ => ctx,
            };
            match intent.operation {
                Operation::Create | Operation::Replace => {
                    let expander = self.expander();
                    let configured = Address::parse(&address)
                        .and_then(|a| self.config.resource(&a))
                        .map(|r| desired_attrs(&self.eval(&expander), r, &known));
                    // What the create was making: as configured now, else as the intent
                    // recorded it (the configuration may no longer have the resource).
                    let desired = match (configured, &intent.desired) {
                        (Some(Ok(d)), _) => d,
                        (_, Some(recorded)) => attrs_from_json(recorded),
                        (_, None) => {
                            // Nothing says what to look for: an intent of an older eco for a
                            // resource the configuration dropped. Nothing can be found; say so.
                            if intent.operation == Operation::Create {
                                let _ = state.remove(&address);
                            }
                            found.push(Resolution::Unverifiable { address });
                            continue;
                        }
                    };
                    match self
                        .retry
                        .run(|| provider.find(&ctx, &desired, &intent.token))
                        .await
                    {
                        Ok(live) => match (settle(intent.operation, live.is_some()), live) {
                            (Settled::Adopt, Some(live)) => {
                                found.push(Resolution::Adopted {
                                    address: address.clone(),
                                    id: live.id.clone(),
                                });
                                let deps = state
                                    .resource(&address)
                                    .map(|r| r.dependencies.clone())
                                    .unwrap_or_default();
                                // The old resource of a create-before-destroy replacement stays
                                // in state, deposed, until the plan deletes it.
                                if let Some(old) = state
                                    .resource(&address)
                                    .filter(|r| intent.replaces.as_deref() == Some(&r.id))
                                    .cloned()
                                {
                                    state.upsert(eco_state::ResourceState {
                                        address: crate::protocol::deposed(&address),
                                        ..old
                                    });
                                }
                                state.upsert(resource_state(&address, &type_name, live, deps));
                            }
                            _ => {
                                if intent.operation == Operation::Create {
                                    let _ = state.remove(&address);
                                }
                                found.push(Resolution::NotCreated { address });
                            }
                        },
                        Err(error) => {
                            errors.push(EngineError::Operation {
                                address,
                                action: Action::Create,
                                error,
                            });
                            state.pending.push(intent);
                        }
                    }
                }
                Operation::Delete => {
                    let Some(id) = state.resource(&address).map(|r| r.id.clone()) else {
                        found.push(Resolution::Deleted { address });
                        continue;
                    };
                    match self.retry.run(|| provider.read(&ctx, &id)).await {
                        Ok(live) => match settle(Operation::Delete, live.is_some()) {
                            Settled::Deleted => {
                                let _ = state.remove(&address);
                                found.push(Resolution::Deleted { address });
                            }
                            _ => found.push(Resolution::StillExists { address }),
                        },
                        Err(error) => {
                            errors.push(EngineError::Operation {
                                address,
                                action: Action::Delete,
                                error,
                            });
                            state.pending.push(intent);
                        }
                    }
                }
                Operation::Update => found.push(Resolution::Updated { address }),
            }
        }
        (state, found, errors)
    }
}
