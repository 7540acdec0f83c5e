//! `import` blocks: the live resources they name are read at plan time.

use std::collections::BTreeMap;

use eco_plan::{attrs_to_json, desired_attrs, Action};
use eco_provider::{ErrorKind, Live, OpError};
use eco_schema::Value;
use eco_state::{ResourceState, State};

use crate::{known_from_state, Engine, EngineError};

impl Engine {
    /// Reads the live resources `import` blocks name (each type's `import`), for the plan: every
    /// block whose address state does not track yet is read and put into the returned state
    /// (not persisted: apply records it), with the eco-only settings its configuration sets.
    /// Returns that state and the imported addresses with their ids. A block whose id finds
    /// nothing is an error naming the type.
    pub async fn import_blocks(
        &self,
        state: &State,
    ) -> (State, BTreeMap<String, String>, Vec<EngineError>) {
        self.import_blocks_preread(state, &BTreeMap::new()).await
    }

    /// [`Engine::import_blocks`], except that targets in `preread` (by address) were read by
    /// the caller already and are not read again.
    pub async fn import_blocks_preread(
        &self,
        state: &State,
        preread: &BTreeMap<String, Live>,
    ) -> (State, BTreeMap<String, String>, Vec<EngineError>) {
        let mut state = state.clone();
        let mut imported = BTreeMap::new();
        let mut errors = Vec::new();
        let expander = self.expander();
        for block in &self.config.imports {
            let key = block.to.to_string();
            if state.resource(&key).is_some() {
                continue;
            }
            let known = known_from_state(&state);
            let id = match eco_plan::desired::eval_expr(&self.eval(&expander), &block.id, &known) {
                Ok(Value::String(id)) => id,
                Ok(other) => {
                    errors.push(EngineError::Evaluation {
                        address: key,
                        message: format!("import id must be a known string, not {other}"),
                    });
                    continue;
                }
                Err(d) => {
                    errors.push(EngineError::Evaluation {
                        address: key,
                        message: d.message,
                    });
                    continue;
                }
            };
            let provider = match self.provider(&key, &block.to.type_name) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let ctx = self.ctx(&key);
            let read = match preread.get(&key) {
                Some(live) => Ok(Some(live.clone())),
                None => self.retry.run(|| provider.import(&ctx, &id)).await,
            };
            match read {
                Ok(Some(live)) => {
                    let mut attrs = live.attrs;
                    let schema = self.registry.get(&block.to.type_name);
                    if let (Some(resource), Some(schema)) = (self.config.resource(&block.to), schema) {
                        if let Ok(desired) = desired_attrs(&self.eval(&expander), resource, &known) {
                            for (k, v) in desired {
                                if !v.contains_unknown()
                                    && schema.attribute(&k).is_some_and(|a| a.local)
                                {
                                    attrs.insert(k, v);
                                }
                            }
                        }
                    }
                    imported.insert(key.clone(), live.id.clone());
                    state.upsert(ResourceState {
                        address: key,
                        type_: block.to.type_name.clone(),
                        id: live.id,
                        attributes: attrs_to_json(&attrs),
                        dependencies: Vec::new(),
                    });
                }
                Ok(None) => errors.push(EngineError::Operation {
                    address: key,
                    action: Action::NoOp,
                    error: OpError::new(
                        "Import",
                        ErrorKind::Invalid,
                        format!(
                            "there is no {} with import id `{id}` (see docs/resources/{}.md for its id format)",
                            block.to.type_name, block.to.type_name
                        ),
                    ),
                }),
                Err(error) => errors.push(EngineError::Operation {
                    address: key,
                    action: Action::NoOp,
                    error,
                }),
            }
        }
        (state, imported, errors)
    }
}
