//! eco's state: the model of what eco manages in one stage, and how it is stored and locked.
//!
//! - [`State`] is the document (`format_version`, `serial`, `lineage`, `resources`, `outputs`,
//!   `pending` write-ahead intents), serialized as JSON, versioned, upgraded on read
//!   ([`State::from_json`]).
//! - [`StateBackend`] is what every store implements (the local files of `eco-state-local`, the
//!   S3 object + DynamoDB lock of `eco-state-s3`, the [`MemoryBackend`] for tests): read with a
//!   version, conditional write, lock with [`LockInfo`], unlock, force-unlock, list stages.
//! - [`StateWriter`] group-commits the apply engine's mutations: one write in flight per stage.
//! - [`redact`] keeps sensitive values out of anything printed.
//!
//! No I/O here besides what a backend does; no AWS SDK; nothing printed.

mod backend;
mod error;
mod lock;
mod memory;
mod model;
mod redact;
mod writer;

pub use backend::{
    check_push, prepare_write, validate_stage, with_lock, Snapshot, StateBackend, StateVersion,
};
pub use error::StateError;
pub use lock::{process_space, retry_locked, who, LockInfo, LOCK_BACKOFF_MAX, LOCK_BACKOFF_START};
pub use memory::MemoryBackend;
pub use model::{
    now_rfc3339, type_of_address, Operation, OutputValue, PendingIntent, ResourceState, State,
    ECO_VERSION, FORMAT_VERSION,
};
pub use redact::{redact, redact_attributes, REDACTED};
pub use writer::{Durable, Mutation, StateWriter};

/// Re-exported so backends implement [`StateBackend`] with the same macro.
pub use async_trait::async_trait;

#[cfg(test)]
mod tests;
