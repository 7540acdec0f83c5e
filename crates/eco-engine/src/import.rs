//! `import` blocks: the live resources they name are read at plan time.

use std::collections::BTreeMap;

use eco_config::Address;
use eco_graph::ResourceGraph;
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
                    attrs.extend(self.local_settings(&block.to, &state));
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

/// What [`Engine::adopt`] recorded.
#[derive(Debug)]
pub struct Adopted {
    /// The live resource, as recorded (with eco's ownership tags).
    pub live: Live,
    /// Whether adopting added eco's ownership tags (the only change import makes).
    pub tagged: bool,
}

/// Why `eco import ADDRESS ID` recorded nothing.
#[derive(Debug, thiserror::Error)]
pub enum AdoptError {
    #[error("{address} is already in the state of stage `{stage}` (id {id})")]
    AddressTaken {
        address: String,
        stage: String,
        id: String,
    },
    #[error("{type_name} {id} is already tracked in this stage, as {other}")]
    AlreadyTracked {
        type_name: String,
        id: String,
        other: String,
        address: String,
    },
    #[error(
        "there is no {type_name} with import id `{id}` in stage `{stage}`'s account and region"
    )]
    NotFound {
        type_name: String,
        id: String,
        stage: String,
        format: String,
    },
    #[error("{address}: {error}")]
    Read {
        address: String,
        type_name: String,
        error: OpError,
        format: String,
    },
    #[error("{address}: {error}")]
    Tag { address: String, error: OpError },
    #[error("{address}: {error}")]
    NoProvider {
        address: String,
        error: Box<EngineError>,
    },
}

impl AdoptError {
    /// The hint shown under the message.
    pub fn help(&self) -> String {
        match self {
            AdoptError::AddressTaken { address, .. } => format!(
                "to track another resource there, first `eco state rm {address}` (which leaves the live resource alone)"
            ),
            AdoptError::AlreadyTracked { other, address, .. } => {
                format!("`eco state mv {other} {address}` moves it to the new address")
            }
            AdoptError::NotFound {
                type_name, format, ..
            } => format!(
                "the import id of {type_name} is {format}; `eco discover -type {type_name}` lists what exists"
            ),
            AdoptError::Read {
                type_name, format, ..
            } => format!("the import id of {type_name} is {format}"),
            AdoptError::Tag { .. } => "nothing was recorded; the resource was not changed".into(),
            AdoptError::NoProvider { .. } => "its resource family's issue brings them".into(),
        }
    }
}

impl Engine {
    /// `eco import ADDRESS ID`: reads the live resource by its import id, adopts it (adds eco's
    /// ownership tags: see [`eco_provider::adopt`]) and records it in `state` (the caller
    /// persists it, under the stage's lock), with its dependencies and the eco-only settings
    /// its configuration sets. Refuses an address state tracks, or a resource it tracks under
    /// another address.
    pub async fn adopt(
        &self,
        state: &mut State,
        address: &Address,
        id: &str,
    ) -> Result<Adopted, AdoptError> {
        let key = address.to_string();
        let type_name = address.type_name.as_str();
        if let Some(r) = state.resource(&key) {
            return Err(AdoptError::AddressTaken {
                address: key,
                stage: self.stage.name.clone(),
                id: r.id.clone(),
            });
        }
        if let Some(other) = state
            .resources
            .iter()
            .find(|r| r.type_ == type_name && r.id == id)
        {
            return Err(AdoptError::AlreadyTracked {
                type_name: type_name.to_string(),
                id: id.to_string(),
                other: other.address.clone(),
                address: key,
            });
        }
        let provider = self
            .provider(&key, type_name)
            .map_err(|e| AdoptError::NoProvider {
                address: key.clone(),
                error: Box::new(e),
            })?;
        let ctx = self.ctx(&key);
        let format = crate::run::id_format(&self.registry, type_name);
        let live = match self.retry.run(|| provider.import(&ctx, id)).await {
            Ok(Some(live)) => live,
            Ok(None) => {
                return Err(AdoptError::NotFound {
                    type_name: type_name.to_string(),
                    id: id.to_string(),
                    stage: self.stage.name.clone(),
                    format,
                })
            }
            Err(error) => {
                return Err(AdoptError::Read {
                    address: key,
                    type_name: type_name.to_string(),
                    error,
                    format,
                })
            }
        };
        let (live, tagged) = eco_provider::adopt(provider.as_ref(), &ctx, live)
            .await
            .map_err(|error| AdoptError::Tag {
                address: key.clone(),
                error,
            })?;
        let dependencies = ResourceGraph::from_config(&self.config)
            .map(|g| {
                g.dependencies(address)
                    .iter()
                    .map(|a| a.to_string())
                    .collect()
            })
            .unwrap_or_default();
        // Eco-only settings (a function's `source`, a bucket's `force-destroy`) are not in
        // AWS: state records what the configuration sets, as after a create.
        let mut recorded = live.attrs.clone();
        recorded.extend(self.local_settings(address, state));
        state.upsert(ResourceState {
            address: key,
            type_: type_name.to_string(),
            id: live.id.clone(),
            attributes: attrs_to_json(&recorded),
            dependencies,
        });
        Ok(Adopted { live, tagged })
    }

    /// The eco-only (`local`) attributes the configuration sets on `address`, evaluated with
    /// what `state` knows (those not known yet are left out).
    fn local_settings(&self, address: &Address, state: &State) -> eco_plan::Attrs {
        let (Some(resource), Some(schema)) = (
            self.config.resource(address),
            self.registry.get(&address.type_name),
        ) else {
            return eco_plan::Attrs::new();
        };
        let expander = self.expander();
        match desired_attrs(&self.eval(&expander), resource, &known_from_state(state)) {
            Ok(desired) => desired
                .into_iter()
                .filter(|(k, v)| {
                    !v.contains_unknown() && schema.attribute(k).is_some_and(|a| a.local)
                })
                .collect(),
            Err(_) => eco_plan::Attrs::new(),
        }
    }
}
