//! An in-memory backend: for tests of everything above the storage (writer, engine, CLI logic).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

use crate::{
    prepare_write, validate_stage, LockInfo, Snapshot, State, StateBackend, StateError,
    StateVersion,
};

/// Keeps state and locks in memory, with the same conditional-write and lock rules as the real
/// backends. Counts writes, can make each write slow, can fail writes on demand, and keeps every
/// state it stored (by stage and serial) so tests can check what was durable when.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    inner: Mutex<Inner>,
    write_delay: Duration,
    writes: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

#[derive(Debug, Default)]
struct Inner {
    stages: BTreeMap<String, (State, u64)>,
    history: BTreeMap<String, Vec<State>>,
    locks: BTreeMap<String, LockInfo>,
    fail_next_writes: usize,
    next_tag: u64,
}

impl MemoryBackend {
    /// An empty backend.
    pub fn new() -> MemoryBackend {
        MemoryBackend::default()
    }

    /// An empty backend whose every write takes `delay`.
    pub fn with_write_delay(delay: Duration) -> MemoryBackend {
        MemoryBackend {
            write_delay: delay,
            ..MemoryBackend::default()
        }
    }

    /// How many writes succeeded.
    pub fn write_count(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    /// The most writes that were ever in flight at once.
    pub fn max_concurrent_writes(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    /// Every state stored for `stage`, oldest first.
    pub fn history(&self, stage: &str) -> Vec<State> {
        self.inner
            .lock()
            .unwrap()
            .history
            .get(stage)
            .cloned()
            .unwrap_or_default()
    }

    /// Makes the next `n` writes fail (as an unreachable backend would).
    pub fn fail_next_writes(&self, n: usize) {
        self.inner.lock().unwrap().fail_next_writes = n;
    }

    /// Stores `state` as is, bypassing the version check (a test's "someone else wrote").
    pub fn put(&self, state: State) {
        let mut inner = self.inner.lock().unwrap();
        inner.next_tag += 1;
        let tag = inner.next_tag;
        inner
            .history
            .entry(state.stage.clone())
            .or_default()
            .push(state.clone());
        inner.stages.insert(state.stage.clone(), (state, tag));
    }
}

fn version_of(state: &State, tag: u64) -> StateVersion {
    StateVersion::present(state.serial, state.lineage.clone(), tag.to_string())
}

#[async_trait]
impl StateBackend for MemoryBackend {
    fn describe(&self) -> String {
        "memory".to_string()
    }

    fn location(&self, stage: &str) -> String {
        format!("memory:{stage}")
    }

    async fn read(&self, stage: &str) -> Result<Snapshot, StateError> {
        validate_stage(stage)?;
        let inner = self.inner.lock().unwrap();
        Ok(match inner.stages.get(stage) {
            Some((state, tag)) => Snapshot {
                state: Some(state.clone()),
                version: version_of(state, *tag),
            },
            None => Snapshot {
                state: None,
                version: StateVersion::absent(),
            },
        })
    }

    async fn write(
        &self,
        state: &mut State,
        expected: &StateVersion,
    ) -> Result<StateVersion, StateError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if !self.write_delay.is_zero() {
            tokio::time::sleep(self.write_delay).await;
        }
        let result = (|| {
            let mut inner = self.inner.lock().unwrap();
            if inner.fail_next_writes > 0 {
                inner.fail_next_writes -= 1;
                return Err(StateError::Backend {
                    operation: "write".into(),
                    target: self.location(&state.stage),
                    message: "injected failure".into(),
                });
            }
            let current = inner
                .stages
                .get(&state.stage)
                .map(|(s, t)| version_of(s, *t));
            let current = current.unwrap_or_else(StateVersion::absent);
            if &current != expected {
                return Err(StateError::Conflict {
                    location: self.location(&state.stage),
                    detail: format!("expected {expected}, found {current}"),
                });
            }
            let mut next = state.clone();
            prepare_write(&mut next, expected)?;
            inner.next_tag += 1;
            let tag = inner.next_tag;
            inner
                .history
                .entry(next.stage.clone())
                .or_default()
                .push(next.clone());
            inner.stages.insert(next.stage.clone(), (next.clone(), tag));
            *state = next;
            Ok(version_of(state, tag))
        })();
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if result.is_ok() {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        result
    }

    async fn try_lock(&self, stage: &str, info: &LockInfo) -> Result<LockInfo, StateError> {
        validate_stage(stage)?;
        let mut inner = self.inner.lock().unwrap();
        if let Some(holder) = inner.locks.get(stage) {
            return Err(StateError::Locked {
                stage: stage.to_string(),
                holder: Some(Box::new(holder.clone())),
                waited: Duration::ZERO,
            });
        }
        let mut info = info.clone();
        info.path = self.location(stage);
        inner.locks.insert(stage.to_string(), info.clone());
        Ok(info)
    }

    async fn unlock(&self, stage: &str, lock_id: &str) -> Result<(), StateError> {
        self.force_unlock(stage, lock_id).await
    }

    async fn force_unlock(&self, stage: &str, lock_id: &str) -> Result<(), StateError> {
        let mut inner = self.inner.lock().unwrap();
        match inner.locks.get(stage) {
            None => Err(StateError::NotLocked {
                stage: stage.to_string(),
                requested: lock_id.to_string(),
            }),
            Some(h) if h.id != lock_id => Err(StateError::LockIdMismatch {
                stage: stage.to_string(),
                requested: lock_id.to_string(),
                held: h.id.clone(),
                holder: Box::new(h.clone()),
            }),
            Some(_) => {
                inner.locks.remove(stage);
                Ok(())
            }
        }
    }

    async fn lock_holder(&self, stage: &str) -> Result<Option<LockInfo>, StateError> {
        Ok(self.inner.lock().unwrap().locks.get(stage).cloned())
    }

    async fn list_stages(&self) -> Result<Vec<String>, StateError> {
        Ok(self.inner.lock().unwrap().stages.keys().cloned().collect())
    }
}
