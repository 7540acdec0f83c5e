//! What a plan's destroys and replacements would lose, read fresh at plan time: one cheap call
//! per data-holding resource being destroyed or replaced, none for any other plan.

use std::sync::Arc;

use eco_plan::{attrs_from_json, Action, Plan};
use eco_state::State;

use crate::Engine;

impl Engine {
    /// Asks each destroyed or replaced resource's type what it holds now, and records it in the
    /// plan (the figures of the last refresh stand where a type reads nothing extra, or where its
    /// read fails: the failure is logged, the plan is not lost for it).
    pub(crate) async fn assess_data_at_risk(&self, plan: &mut Plan, state: &State) {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(self.parallelism.max(1)));
        let retry = self.retry;
        let mut tasks = tokio::task::JoinSet::new();
        for (index, change) in plan.changes.iter().enumerate() {
            if !matches!(change.action, Action::Delete | Action::Replace) {
                continue;
            }
            let (Some(id), Some(recorded)) = (&change.id, state.resource(&change.address)) else {
                continue;
            };
            let Ok(provider) = self.provider(&change.address, &change.type_name) else {
                continue;
            };
            let ctx = self.ctx(&change.address);
            let id = id.clone();
            let live = attrs_from_json(&recorded.attributes);
            let semaphore = semaphore.clone();
            tasks.spawn(async move {
                let _permit = semaphore.acquire_owned().await.expect("semaphore open");
                let fresh = retry
                    .run_optional(|| provider.data_at_risk(&ctx, &id, &live))
                    .await;
                (index, ctx.address, fresh)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let (index, address, fresh) = joined.expect("data-at-risk reads do not panic");
            match fresh {
                None => {}
                Some(Ok(held)) => plan.changes[index].set_at_risk(held),
                Some(Err(error)) => tracing::warn!(
                    %address, %error,
                    "could not read what this resource holds; the plan shows the figures of its last read"
                ),
            }
        }
    }
}
