//! Group-committed state writes.
//!
//! The apply engine records an intent before each AWS call and the result after it, and each must
//! be durable before the engine goes on. Writing the whole state once per mutation would
//! serialize a parallel apply behind the state object (an S3 conditional write per resource). The
//! [`StateWriter`] instead keeps at most one write in flight per stage: mutations that arrive
//! while a write is in flight are applied together and go into the next write, and each
//! submission returns only once the write that contains it is durable. A frontier of N ready
//! operations then costs one write for their N intents, not N.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::{
    OutputValue, PendingIntent, ResourceState, State, StateBackend, StateError, StateVersion,
};

/// One change to state, applied by the writer in submission order.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    /// Records a write-ahead intent (replacing an earlier one on the same address).
    Intent(PendingIntent),
    /// Records the outcome of an operation: removes the intent on `address`, then stores the
    /// resource (`Some`, after a create/update/replace) or removes it (`None`, after a delete).
    Resolve {
        /// The resource's address.
        address: String,
        /// Its state after the operation; `None` when it no longer exists.
        result: Option<ResourceState>,
    },
    /// Stores a resource (a refresh or an import).
    Upsert(ResourceState),
    /// Forgets a resource (no intent involved).
    Remove(String),
    /// Replaces every output.
    SetOutputs(BTreeMap<String, OutputValue>),
}

impl Mutation {
    /// Applies the change to `state`.
    pub fn apply(self, state: &mut State) {
        match self {
            Mutation::Intent(intent) => state.add_intent(intent),
            Mutation::Resolve { address, result } => {
                state.take_intent(&address);
                match result {
                    Some(mut r) => {
                        r.address = address;
                        state.upsert(r);
                    }
                    None => {
                        let _ = state.remove(&address);
                    }
                }
            }
            Mutation::Upsert(r) => {
                state.upsert(r);
            }
            Mutation::Remove(address) => {
                let _ = state.remove(&address);
            }
            Mutation::SetOutputs(outputs) => state.outputs = outputs,
        }
    }
}

impl Mutation {
    /// Applies `mutations` to `state` in order, as [`Mutation::apply`] one by one would, but
    /// stores the resources of consecutive upserts and results with one
    /// [`State::upsert_all`]: a write of k results into a state of N costs O((N + k) log k),
    /// not O(N k).
    pub fn apply_all(mutations: impl IntoIterator<Item = Mutation>, state: &mut State) {
        let mut stored: Vec<ResourceState> = Vec::new();
        for m in mutations {
            match m {
                Mutation::Upsert(r) => stored.push(r),
                Mutation::Resolve {
                    address,
                    result: Some(mut r),
                } => {
                    state.take_intent(&address);
                    r.address = address;
                    stored.push(r);
                }
                Mutation::Intent(intent) => state.add_intent(intent),
                Mutation::SetOutputs(outputs) => state.outputs = outputs,
                removal @ (Mutation::Remove(_) | Mutation::Resolve { result: None, .. }) => {
                    state.upsert_all(std::mem::take(&mut stored));
                    removal.apply(state);
                }
            }
        }
        state.upsert_all(stored);
    }
}

/// Proof that a submission is stored: the serial of the write that contained it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Durable {
    /// The serial of the durable state that includes the submission.
    pub serial: u64,
}

struct Request {
    mutations: Vec<Mutation>,
    done: oneshot::Sender<Result<Durable, StateError>>,
}

/// Writes one stage's state with group commit (see the module docs). Cheap to share behind an
/// `Arc`: every method takes `&self`. Needs a Tokio runtime (it runs one background task).
///
/// After a failed write the writer stops: that write's submitters get its error and every later
/// submission gets [`StateError::WriterStopped`], since continuing could write over a state
/// someone else changed. The stored state stays the last durable one.
pub struct StateWriter<B: StateBackend + ?Sized + 'static> {
    backend: Arc<B>,
    tx: mpsc::UnboundedSender<Request>,
    durable: Arc<Mutex<(State, StateVersion)>>,
    task: JoinHandle<Option<StateError>>,
}

impl<B: StateBackend + ?Sized + 'static> StateWriter<B> {
    /// A writer for `state`, which was read from `backend` at `version` (see
    /// [`Snapshot::into_state_or_new`](crate::Snapshot::into_state_or_new)).
    pub fn new(backend: Arc<B>, state: State, version: StateVersion) -> StateWriter<B> {
        let (tx, rx) = mpsc::unbounded_channel();
        let durable = Arc::new(Mutex::new((state, version)));
        let task = tokio::spawn(run(backend.clone(), rx, durable.clone()));
        StateWriter {
            backend,
            tx,
            durable,
            task,
        }
    }

    /// The backend written to.
    pub fn backend(&self) -> &Arc<B> {
        &self.backend
    }

    /// Applies `mutation` in the next write and returns once that write is durable.
    pub async fn submit(&self, mutation: Mutation) -> Result<Durable, StateError> {
        self.submit_all(vec![mutation]).await
    }

    /// Applies `mutations` (in order, atomically: all in the same write) and returns once that
    /// write is durable. An empty list waits for every earlier submission without writing.
    pub async fn submit_all(&self, mutations: Vec<Mutation>) -> Result<Durable, StateError> {
        let (done, rx) = oneshot::channel();
        let stopped = || {
            StateError::WriterStopped(Arc::new(StateError::Backend {
                operation: "state write".into(),
                target: "state writer".into(),
                message: "the writer task ended".into(),
            }))
        };
        self.tx
            .send(Request { mutations, done })
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    /// Waits until everything submitted so far is durable.
    pub async fn flush(&self) -> Result<Durable, StateError> {
        self.submit_all(Vec::new()).await
    }

    /// The last durable state and its version.
    pub fn durable(&self) -> (State, StateVersion) {
        self.durable.lock().unwrap().clone()
    }

    /// Waits for every submission, stops the writer, and returns the final durable state and
    /// version, or the error that stopped it.
    pub async fn finish(self) -> Result<(State, StateVersion), StateError> {
        let StateWriter {
            tx, durable, task, ..
        } = self;
        drop(tx);
        let failure = task.await.map_err(|e| StateError::Backend {
            operation: "state write".into(),
            target: "state writer".into(),
            message: format!("the writer task failed: {e}"),
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(durable.lock().unwrap().clone()),
        }
    }
}

async fn run<B: StateBackend + ?Sized>(
    backend: Arc<B>,
    mut rx: mpsc::UnboundedReceiver<Request>,
    durable: Arc<Mutex<(State, StateVersion)>>,
) -> Option<StateError> {
    let (mut state, mut version) = durable.lock().unwrap().clone();
    let mut failed: Option<Arc<StateError>> = None;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        if let Some(err) = &failed {
            for r in batch {
                let _ = r.done.send(Err(StateError::WriterStopped(err.clone())));
            }
            continue;
        }
        let count: usize = batch.iter().map(|r| r.mutations.len()).sum();
        if count == 0 {
            for r in batch {
                let _ = r.done.send(Ok(Durable {
                    serial: state.serial,
                }));
            }
            continue;
        }
        let mut next = state.clone();
        let mut waiters = Vec::with_capacity(batch.len());
        let mut mutations = Vec::with_capacity(count);
        for r in batch {
            mutations.extend(r.mutations);
            waiters.push(r.done);
        }
        Mutation::apply_all(mutations, &mut next);
        tracing::debug!(
            stage = %next.stage,
            submissions = waiters.len(),
            mutations = count,
            "writing state (group commit)"
        );
        match backend.write(&mut next, &version).await {
            Ok(v) => {
                state = next;
                version = v;
                *durable.lock().unwrap() = (state.clone(), version.clone());
                for w in waiters {
                    let _ = w.send(Ok(Durable {
                        serial: state.serial,
                    }));
                }
            }
            Err(e) => {
                tracing::warn!(stage = %state.stage, error = %e, "state write failed; the writer stops");
                for w in waiters {
                    let _ = w.send(Err(e.clone()));
                }
                failed = Some(Arc::new(e));
            }
        }
    }
    failed.map(|e| (*e).clone())
}
