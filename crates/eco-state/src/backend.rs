//! The `StateBackend` trait every state store implements, and the rules they share.

use std::time::Duration;

use async_trait::async_trait;

use crate::{retry_locked, LockInfo, State, StateError, ECO_VERSION, FORMAT_VERSION};

/// Which stored version of a stage's state a caller read: passed back to
/// [`StateBackend::write`] so that a write over someone else's change is refused.
///
/// Opaque to callers; a backend builds it from what it uses for its conditional write (the local
/// backend compares serial and lineage, the S3 backend sends the ETag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateVersion(Inner);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Inner {
    Absent,
    Present {
        serial: u64,
        lineage: String,
        tag: String,
    },
}

impl StateVersion {
    /// No state is stored yet: the write must create it (and fails if someone else did first).
    pub fn absent() -> StateVersion {
        StateVersion(Inner::Absent)
    }

    /// A stored state with this serial and lineage; `tag` is the backend's own version marker
    /// (an S3 ETag), or empty.
    pub fn present(
        serial: u64,
        lineage: impl Into<String>,
        tag: impl Into<String>,
    ) -> StateVersion {
        StateVersion(Inner::Present {
            serial,
            lineage: lineage.into(),
            tag: tag.into(),
        })
    }

    /// True when no state was stored.
    pub fn is_absent(&self) -> bool {
        matches!(self.0, Inner::Absent)
    }

    /// The stored serial.
    pub fn serial(&self) -> Option<u64> {
        match &self.0 {
            Inner::Absent => None,
            Inner::Present { serial, .. } => Some(*serial),
        }
    }

    /// The stored lineage.
    pub fn lineage(&self) -> Option<&str> {
        match &self.0 {
            Inner::Absent => None,
            Inner::Present { lineage, .. } => Some(lineage),
        }
    }

    /// The backend's version marker (S3 ETag).
    pub fn tag(&self) -> Option<&str> {
        match &self.0 {
            Inner::Absent => None,
            Inner::Present { tag, .. } => Some(tag),
        }
    }
}

impl std::fmt::Display for StateVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Inner::Absent => f.write_str("no state"),
            Inner::Present {
                serial, lineage, ..
            } => write!(f, "serial {serial} of lineage {lineage}"),
        }
    }
}

/// What [`StateBackend::read`] returns: the state (none if the stage was never written) and the
/// version to pass to the next write.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The stored state; `None` when the stage has none yet (never an error turned into "empty").
    pub state: Option<State>,
    /// The version read.
    pub version: StateVersion,
}

impl Snapshot {
    /// The state, or a new empty one for `stage` when none is stored, with the version to write
    /// it back with. Only a successful read that found nothing yields an empty state.
    pub fn into_state_or_new(self, stage: &str) -> (State, StateVersion) {
        let state = self.state.unwrap_or_else(|| State::new(stage));
        (state, self.version)
    }
}

/// A store of per-stage state with a lock per stage: `.eco/state/` files, or S3 + DynamoDB.
///
/// Every method takes the stage explicitly; one backend value serves every stage. Object-safe:
/// the CLI holds a `Box<dyn StateBackend>`.
#[async_trait]
pub trait StateBackend: Send + Sync {
    /// One line naming where state lives, e.g. `local (./.eco/state)` or `s3://bucket/key`.
    fn describe(&self) -> String;

    /// Where `stage`'s state lives (a path or URL), for messages.
    fn location(&self, stage: &str) -> String;

    /// Reads the stage's state. A stage never written gives `state: None`; anything unreadable
    /// (corrupt, truncated, unknown format, unreachable) is an error, never an empty state.
    async fn read(&self, stage: &str) -> Result<Snapshot, StateError>;

    /// Writes `state` (to the stage `state.stage`) if the stored version is still `expected`;
    /// otherwise fails with [`StateError::Conflict`] and changes nothing. Before writing, sets the
    /// state's serial to one more than the stored one (see [`prepare_write`]), its format and eco
    /// version; returns the new version to pass to the next write.
    async fn write(
        &self,
        state: &mut State,
        expected: &StateVersion,
    ) -> Result<StateVersion, StateError>;

    /// Tries once to take the stage's lock. Held by another: [`StateError::Locked`] with the
    /// holder's info. Returns the info as stored (with its `Path`).
    async fn try_lock(&self, stage: &str, info: &LockInfo) -> Result<LockInfo, StateError>;

    /// Takes the stage's lock, waiting up to `timeout` while another run holds it (backing off
    /// 1 s doubling to 16 s). A zero timeout fails fast with the holder's details.
    async fn lock(
        &self,
        stage: &str,
        info: &LockInfo,
        timeout: Duration,
    ) -> Result<LockInfo, StateError> {
        retry_locked(timeout, || self.try_lock(stage, info)).await
    }

    /// Releases the stage's lock if it still holds `lock_id` (this run's); a lock taken over by
    /// another run is left alone ([`StateError::LockIdMismatch`]).
    async fn unlock(&self, stage: &str, lock_id: &str) -> Result<(), StateError>;

    /// Removes a lock left behind by a run that is gone (`eco force-unlock ID`), after checking
    /// that the lock held is `lock_id`.
    async fn force_unlock(&self, stage: &str, lock_id: &str) -> Result<(), StateError>;

    /// Who holds the stage's lock now, if anyone.
    async fn lock_holder(&self, stage: &str) -> Result<Option<LockInfo>, StateError>;

    /// The stages that have state, sorted.
    async fn list_stages(&self) -> Result<Vec<String>, StateError>;
}

/// Runs `work` while holding `stage`'s lock (taken for `operation`, waiting up to `timeout`), then
/// releases the lock whatever `work` returned. `work` gets the lock info as stored. To release
/// on Ctrl-C too, race the work against the signal inside `work` (`tokio::select!`) so that it
/// returns instead of being dropped. An error from `work` wins over one from the release (which is
/// logged); after successful work, a failed release is the error.
pub async fn with_lock<B, T, E, F, Fut>(
    backend: &B,
    stage: &str,
    operation: &str,
    timeout: Duration,
    work: F,
) -> Result<T, E>
where
    B: StateBackend + ?Sized,
    E: From<StateError>,
    F: FnOnce(LockInfo) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let info = backend
        .lock(stage, &LockInfo::new(operation), timeout)
        .await?;
    let id = info.id.clone();
    let result = work(info).await;
    let released = backend.unlock(stage, &id).await;
    match (result, released) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), Ok(())) => Err(e),
        (Err(e), Err(unlock)) => {
            tracing::warn!(stage, lock_id = %id, error = %unlock, "could not release the state lock");
            Err(e)
        }
    }
}

/// Checks that a stage name can name a file or object: letters, digits, `-`, `_`, `.` (not
/// leading), at most 128 characters.
pub fn validate_stage(stage: &str) -> Result<(), StateError> {
    let ok = !stage.is_empty()
        && stage.len() <= 128
        && !stage.starts_with('.')
        && stage
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(StateError::InvalidStage(stage.to_string()))
    }
}

/// What every backend does to a state before storing it: validates the stage, stamps the current
/// format and eco version, and sets `serial` to one more than both the stored serial and the
/// state's own (so serial rises by exactly one per write of a state read from the store, and
/// never goes backwards).
pub fn prepare_write(state: &mut State, expected: &StateVersion) -> Result<(), StateError> {
    validate_stage(&state.stage)?;
    state.format_version = FORMAT_VERSION;
    state.eco_version = ECO_VERSION.to_string();
    state.serial = state.serial.max(expected.serial().unwrap_or(0)) + 1;
    Ok(())
}

/// The rule of `eco state push`: refuses a state of another lineage, of another stage, or with a
/// lower serial than the stored one (or the same serial with different content), unless `force`.
pub fn check_push(
    stored: Option<&State>,
    incoming: &State,
    stage: &str,
    force: bool,
) -> Result<(), StateError> {
    if force {
        return Ok(());
    }
    if incoming.stage != stage {
        return Err(StateError::PushRejected(format!(
            "the file is the state of stage {}, not {stage}",
            incoming.stage
        )));
    }
    let Some(stored) = stored else { return Ok(()) };
    if stored.lineage != incoming.lineage {
        return Err(StateError::PushRejected(format!(
            "the file has lineage {}, but the stored state has lineage {}: it is another history",
            incoming.lineage, stored.lineage
        )));
    }
    if incoming.serial < stored.serial {
        return Err(StateError::PushRejected(format!(
            "the file has serial {}, older than the stored serial {}",
            incoming.serial, stored.serial
        )));
    }
    if incoming.serial == stored.serial && incoming != stored {
        return Err(StateError::PushRejected(format!(
            "the file and the stored state both have serial {} but differ",
            incoming.serial
        )));
    }
    Ok(())
}
