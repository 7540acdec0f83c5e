//! Refresh: reading what state tracks, in parallel (bounded), through a type's batched read
//! when it has one. Resources deleted outside eco drop out.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use eco_plan::{attrs_from_json, attrs_to_json, Action};
use eco_provider::{Live, OpContext};
use eco_schema::Registry;
use eco_state::State;

use crate::{Engine, EngineError};

impl Engine {
    /// Reads every resource state tracks (those in `scope`, when given). Resources that no
    /// longer exist drop out of the returned state.
    pub async fn refresh(
        &self,
        state: &State,
        scope: Option<&HashSet<String>>,
    ) -> (State, Vec<EngineError>) {
        let mut refreshed = state.clone();
        let mut errors = Vec::new();
        let mut by_type: BTreeMap<String, Vec<(OpContext, String)>> = BTreeMap::new();
        for r in &state.resources {
            if scope.is_some_and(|s| !s.contains(&r.address)) {
                continue;
            }
            by_type
                .entry(r.type_.clone())
                .or_default()
                .push((self.refresh_ctx(r), r.id.clone()));
        }
        let semaphore = Arc::new(tokio::sync::Semaphore::new(self.parallelism.max(1)));
        let retry = self.retry;
        let mut tasks = tokio::task::JoinSet::new();
        for (type_name, requests) in by_type {
            let provider = match self.provider(&requests[0].0.address, &type_name) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            if let Some(batched) = retry.run_optional(|| provider.read_many(&requests)).await {
                match batched {
                    Ok(lives) => {
                        for ((ctx, _), live) in requests.into_iter().zip(lives) {
                            apply_read(&mut refreshed, &ctx, live, &self.registry);
                        }
                        continue;
                    }
                    // A batch that failed is read one by one: what failed is then said of the
                    // resource it failed for (its address and operation), and the others read.
                    Err(error) => tracing::debug!(
                        type_name = %type_name,
                        "batched read failed ({error}); reading each resource on its own"
                    ),
                }
            }
            for (ctx, id) in requests {
                let provider = provider.clone();
                let semaphore = semaphore.clone();
                tasks.spawn(async move {
                    let _permit = semaphore.acquire_owned().await.expect("semaphore open");
                    let result = retry.run_within_budget(|| provider.read(&ctx, &id)).await;
                    (ctx, result)
                });
            }
        }
        while let Some(joined) = tasks.join_next().await {
            let (ctx, result) = joined.expect("refresh tasks do not panic");
            match result {
                Ok(live) => apply_read(&mut refreshed, &ctx, live, &self.registry),
                Err(error) => errors.push(EngineError::Operation {
                    address: ctx.address,
                    action: Action::NoOp,
                    error,
                }),
            }
        }
        (refreshed, errors)
    }

    /// The context of a refresh read of `r`: it reads what the configuration declares for its
    /// address (a resource no longer configured is read in full: its plan is a destroy, which
    /// says what it holds), knowing what state recorded for it.
    fn refresh_ctx(&self, r: &eco_state::ResourceState) -> OpContext {
        let address = r.address.as_str();
        let ctx = self
            .ctx(address)
            .with_recorded(Arc::new(attrs_from_json(&r.attributes)));
        let configured = eco_config::Address::parse(address).and_then(|a| self.config.resource(&a));
        match configured {
            Some(r) => {
                // Tags always: the ownership tags are desired whatever the configuration says.
                let mut declared: std::collections::BTreeSet<String> =
                    r.attributes.keys().cloned().collect();
                declared.insert("tags".to_string());
                ctx.with_declared(Arc::new(declared))
            }
            None => ctx,
        }
    }
}

/// Records what a read found. Eco-only (`local`) attributes, which AWS does not store, keep
/// their recorded values, and so do the attributes a read of only the declared ones (see
/// [`OpContext::declared`]) did not ask for.
fn apply_read(state: &mut State, ctx: &OpContext, live: Option<Live>, registry: &Registry) {
    let address = ctx.address.as_str();
    match live {
        Some(live) => {
            if let Some(r) = state.resource_mut(address) {
                let mut attributes = attrs_to_json(&live.attrs);
                let schema = registry.get(&r.type_);
                for (name, value) in &r.attributes {
                    // Computed attributes come with every read: one missing is really gone.
                    let computed = schema
                        .and_then(|s| s.attribute(name))
                        .is_some_and(|a| a.computed);
                    if !ctx.reads(name) && !computed {
                        attributes
                            .entry(name.clone())
                            .or_insert_with(|| value.clone());
                    }
                }
                if let Some(schema) = schema {
                    for a in schema.attributes.iter().filter(|a| a.local) {
                        if let Some(v) = r.attributes.get(a.name) {
                            attributes
                                .entry(a.name.to_string())
                                .or_insert_with(|| v.clone());
                        }
                    }
                }
                r.id = live.id;
                r.attributes = attributes;
            }
        }
        None => {
            let _ = state.remove(address);
        }
    }
}
