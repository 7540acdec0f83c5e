//! The one error type of every state operation.

use std::sync::Arc;
use std::time::Duration;

use crate::LockInfo;

/// An error from reading, writing or locking state.
///
/// Every variant's message names what failed and, where there is one, the next step. The type is
/// `Clone` (I/O errors are shared behind an [`Arc`]) so that one failed group-committed write can be
/// reported to every caller whose mutation it carried.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StateError {
    /// The stored state is not valid eco state (truncated, not JSON, missing fields).
    #[error(
        "the state at {location} is corrupt: {detail}\n  \
         eco will not overwrite it. Next step: {hint}"
    )]
    Corrupt {
        /// Where the state lives (a file path or `s3://bucket/key`).
        location: String,
        /// What is wrong with it.
        detail: String,
        /// How to recover (restore a backup or an earlier object version).
        hint: String,
    },

    /// The state was written by a format this eco does not know.
    #[error("{}", unsupported_message(location, *found, *supported, eco, written_by))]
    UnsupportedVersion {
        /// Where the state lives.
        location: String,
        /// The format_version found in the document.
        found: u64,
        /// The newest format_version this eco reads.
        supported: u64,
        /// This eco's version.
        eco: String,
        /// ` (eco X.Y.Z)` when the document names the eco that wrote it, else empty.
        written_by: String,
    },

    /// Someone else wrote the state since it was read: the write was refused and nothing was lost.
    #[error(
        "the state at {location} changed since eco read it ({detail}); eco refused to overwrite it \
         and nothing was lost.\n  Next step: another run may be writing this stage: check \
         `eco state pull`, then run the command again (use a lock, the default, to prevent this)"
    )]
    Conflict {
        /// Where the state lives.
        location: String,
        /// What differed (serial, lineage, ETag).
        detail: String,
    },

    /// The stage's lock is held by another run.
    #[error("{}", locked_message(stage, holder.as_deref(), waited))]
    Locked {
        /// The stage whose lock is held.
        stage: String,
        /// Who holds it, when the backend could read that.
        holder: Option<Box<LockInfo>>,
        /// How long this run waited before giving up (zero: it failed fast).
        waited: Duration,
    },

    /// An unlock or force-unlock named a lock ID that is not the one held.
    #[error(
        "the lock on stage {stage} has ID {held}, not {requested}: eco left it in place.\n  \
         Held by {} since {} for `{}`",
        holder.who, holder.created, holder.operation
    )]
    LockIdMismatch {
        /// The stage.
        stage: String,
        /// The ID the caller named.
        requested: String,
        /// The ID actually held.
        held: String,
        /// The holder's details.
        holder: Box<LockInfo>,
    },

    /// An unlock or force-unlock found no lock on the stage.
    #[error("stage {stage} is not locked (lock ID {requested} is already released)")]
    NotLocked {
        /// The stage.
        stage: String,
        /// The ID the caller named.
        requested: String,
    },

    /// The local backend cannot break a lock a live process holds.
    #[error(
        "the lock on stage {stage} (ID {id}) is held by a running process ({who}); a local lock is \
         released by the OS when its process ends.\n  Next step: stop that process (or wait for it)"
    )]
    HeldByLiveProcess {
        /// The stage.
        stage: String,
        /// The lock's ID.
        id: String,
        /// Who holds it.
        who: String,
    },

    /// The lock this run took was broken (force-unlocked) while it ran: the state write was
    /// not made, and the run stops before its next change (fencing).
    #[error(
        "this run's lock on stage {stage} (ID {id}) is gone: it was force-unlocked{}. eco wrote \
         nothing more and makes no further change.\n  Next step: check what the other run did \
         (`eco state pull`, `eco plan`) before running again",
        holder.as_ref().map(|h| format!(" and is now held by {} for `{}` (ID {})", h.who, h.operation, h.id)).unwrap_or_default()
    )]
    LockLost {
        /// The stage.
        stage: String,
        /// This run's lock ID.
        id: String,
        /// Who holds the lock now, if anyone.
        holder: Option<Box<LockInfo>>,
    },

    /// The bucket or lock table of the S3 backend does not exist.
    #[error(
        "the state {kind} {name} does not exist ({operation}).\n  Next step: create it with \
         `eco bootstrap -stage {}`",
        stage.as_deref().unwrap_or("STAGE")
    )]
    Missing {
        /// `bucket` or `lock table`.
        kind: &'static str,
        /// Its name.
        name: String,
        /// The operation that found it missing.
        operation: String,
        /// The stage being worked on, for the suggested command.
        stage: Option<String>,
    },

    /// An I/O error on a local file.
    #[error("{operation} {path}: {source}")]
    Io {
        /// What eco was doing (e.g. `cannot write`).
        operation: String,
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// An error answered by a remote backend (S3, DynamoDB).
    #[error("{operation} on {target} failed: {message}")]
    Backend {
        /// The API operation (e.g. `PutObject`).
        operation: String,
        /// The bucket/key or table it addressed.
        target: String,
        /// The service's message, with its error code.
        message: String,
    },

    /// A stage name that cannot name a state file or object.
    #[error("invalid stage name {0:?}: use letters, digits, `-` and `_`")]
    InvalidStage(String),

    /// `state mv` / `state rm` / `state show` named an address that is not in state.
    #[error("no resource {0} in state (see `eco state list`)")]
    NoSuchResource(String),

    /// `state mv` to an address that is already in state.
    #[error(
        "{0} is already in state: remove it first (`eco state rm {0}`) or pick another address"
    )]
    AddressTaken(String),

    /// `state push` refused a state that would lose data.
    #[error(
        "refusing to push: {0}\n  Next step: check the file, or push with -force to overwrite"
    )]
    PushRejected(String),

    /// The group-committing writer stopped after an earlier write failed.
    #[error("the state writer stopped after an earlier write failed: {0}")]
    WriterStopped(Arc<StateError>),
}

impl StateError {
    /// Wraps an I/O error with what eco was doing and the file.
    pub fn io(
        operation: impl Into<String>,
        path: impl std::fmt::Display,
        source: std::io::Error,
    ) -> Self {
        StateError::Io {
            operation: operation.into(),
            path: path.to_string(),
            source: Arc::new(source),
        }
    }

    /// True for [`StateError::Locked`]: the lock is held and waiting may help.
    pub fn is_locked(&self) -> bool {
        matches!(self, StateError::Locked { .. })
    }

    /// True for [`StateError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, StateError::Conflict { .. })
    }
}

fn unsupported_message(
    location: &str,
    found: u64,
    supported: u64,
    eco: &str,
    written_by: &str,
) -> String {
    let head = format!(
        "the state at {location} has format_version {found}, but this eco ({eco}) reads \
         format_version {supported} and older"
    );
    let writer = written_by
        .strip_prefix(" (eco ")
        .and_then(|w| w.strip_suffix(')'));
    match writer {
        // The eco that claims to have written it writes older formats only.
        Some(writer) if !crate::model::is_newer(writer, eco) => format!(
            "{head}, yet the document says eco {writer} wrote it, and eco {writer} writes \
             format_version {supported} or older: the document was edited by hand or is damaged.\n  \
             Next step: restore the state from its backup (the local backend keeps `.backup` beside \
             it; the S3 bucket keeps earlier versions), or repair it by hand; see docs/state.md"
        ),
        _ => format!("{head}.\n  Next step: upgrade eco to the version that wrote it{written_by}"),
    }
}

fn locked_message(stage: &str, holder: Option<&LockInfo>, waited: &Duration) -> String {
    let waited = if waited.is_zero() {
        String::new()
    } else {
        format!(" (waited {})", crate::lock::format_duration(*waited))
    };
    match holder {
        Some(h) if h.holder_is_gone() => format!(
            "the state of stage {stage} is locked by a run that is gone: process {} on this host \
             ({}) no longer exists, so the lock is stale{waited}\n  Lock ID:   {}\n  Since:     {}\n  \
             Operation: {}\n  Next step: `eco force-unlock -stage {stage} {}` (an interrupted apply \
             left its operations in state; the next run settles them)",
            h.pid.unwrap_or_default(),
            h.who,
            h.id,
            h.created,
            h.operation,
            h.id
        ),
        Some(h) => format!(
            "the state of stage {stage} is locked{waited}\n  \
             Lock ID:   {}\n  Held by:   {}\n  Since:     {}\n  Operation: {}\n  Path:      {}\n  \
             Version:   eco {}\n  Next step: wait for that run to finish (or pass -lock-timeout), or if it \
             is gone: `eco force-unlock -stage {stage} {}`",
            h.id, h.who, h.created, h.operation, h.path, h.version, h.id
        ),
        None => format!(
            "the state of stage {stage} is locked{waited}; the holder has not recorded who it is yet.\n  \
             Next step: run the command again in a moment"
        ),
    }
}
