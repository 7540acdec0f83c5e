//! The lock record and the wait-with-backoff policy shared by every backend.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{now_rfc3339, StateError, ECO_VERSION};

/// Who holds a stage's lock. Stored as JSON exactly `{ID, Operation, Who, Version, Created, Path}`
/// (in the local lock file, or the DynamoDB item's `Info` attribute).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LockInfo {
    /// A UUID unique to the run that took the lock; `eco force-unlock` takes it.
    #[serde(rename = "ID")]
    pub id: String,
    /// The command that holds it (`apply`, `plan`, `state push`, ...).
    #[serde(rename = "Operation")]
    pub operation: String,
    /// `user@host` of the holder.
    #[serde(rename = "Who")]
    pub who: String,
    /// The holder's eco version.
    #[serde(rename = "Version")]
    pub version: String,
    /// When it was taken (RFC 3339, UTC).
    #[serde(rename = "Created")]
    pub created: String,
    /// The state it protects (file path or `bucket/key/stage.json`); the backend fills it in.
    #[serde(rename = "Path")]
    pub path: String,
    /// The holder's process id on its host, when the backend records it beside the lock info
    /// (the S3 backend's lock item has a `Pid` attribute): it tells a lock whose process is gone
    /// (killed) from one a running process holds. Not part of the info JSON, nor of equality.
    #[serde(skip)]
    pub pid: Option<u32>,
    /// The holder's process space (see [`process_space`]), when the backend records it beside
    /// the lock info (the S3 backend's `Space` attribute): a process id means something only
    /// within it. Not part of the info JSON, nor of equality.
    #[serde(skip)]
    pub process_space: Option<String>,
    /// The stale lock this run took over when it took its own (its holder provably gone), so
    /// that the command can say so. Not part of the info JSON, nor of equality.
    #[serde(skip)]
    pub took_over: Option<Box<LockInfo>>,
}

impl PartialEq for LockInfo {
    fn eq(&self, other: &LockInfo) -> bool {
        let fields = |i: &LockInfo| {
            (
                i.id.clone(),
                i.operation.clone(),
                i.who.clone(),
                i.version.clone(),
                i.created.clone(),
                i.path.clone(),
            )
        };
        fields(self) == fields(other)
    }
}

impl Eq for LockInfo {}

impl LockInfo {
    /// Lock info for a run of `operation` by this user on this host, with a fresh ID. The backend
    /// sets [`LockInfo::path`] when it takes the lock.
    pub fn new(operation: impl Into<String>) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.into(),
            who: who(),
            version: ECO_VERSION.to_string(),
            created: now_rfc3339(),
            path: String::new(),
            pid: None,
            process_space: None,
            took_over: None,
        }
    }

    /// Whether the run holding this lock is provably gone: it ran on this host and its process
    /// no longer exists (it was killed, or crashed). A lock from another host, or without a
    /// process id, is never called stale.
    pub fn holder_is_gone(&self) -> bool {
        let Some(pid) = self.pid else { return false };
        let this_host = who().rsplit_once('@').map(|(_, h)| h.to_string());
        let their_host = self.who.rsplit_once('@').map(|(_, h)| h);
        if this_host.as_deref() != their_host || pid == std::process::id() {
            return false;
        }
        if self.process_space.is_some() && self.process_space != process_space() {
            // Same host name, another machine or another container's process ids.
            return false;
        }
        let proc = std::path::Path::new("/proc");
        proc.join("self").exists() && !proc.join(pid.to_string()).exists()
    }

    /// Whether a run may take this lock over without a `force-unlock`: its holder is provably
    /// gone ([`LockInfo::holder_is_gone`]) and the lock records the process space its process id
    /// belongs to, so a container or machine that shares this host name cannot be mistaken for
    /// this one. A lock without it (another backend, an older eco) is only reported as stale.
    pub fn can_be_taken_over(&self) -> bool {
        self.process_space.is_some() && self.holder_is_gone()
    }

    /// The info as stored (compact JSON).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("lock info serializes")
    }

    /// Parses stored info.
    pub fn from_json(text: &str) -> Result<LockInfo, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Where this process's id means something: the kernel's boot id and the PID namespace
/// (`<boot id>/pid:[N]`), on Linux; `None` elsewhere. Two processes with equal process spaces
/// see each other's process ids, so one can tell whether the other is still running.
pub fn process_space() -> Option<String> {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let namespace = std::fs::read_link("/proc/self/ns/pid").ok()?;
    Some(format!("{}/{}", boot.trim(), namespace.display()))
}

/// `user@host` for this process.
pub fn who() -> String {
    let user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_string());
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .or_else(|_| std::fs::read_to_string("/etc/hostname"))
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_string());
    format!("{user}@{host}")
}

/// The first wait between lock attempts.
pub const LOCK_BACKOFF_START: Duration = Duration::from_secs(1);
/// The longest wait between lock attempts.
pub const LOCK_BACKOFF_MAX: Duration = Duration::from_secs(16);

/// Calls `attempt` until it succeeds, fails with something other than [`StateError::Locked`], or
/// `timeout` has passed; waits 1 s, then doubles up to 16 s between attempts (never past the
/// deadline). A zero timeout tries once: a held lock fails fast with the holder's details. The
/// final error reports how long it waited.
pub async fn retry_locked<T, F, Fut>(timeout: Duration, mut attempt: F) -> Result<T, StateError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StateError>>,
{
    let start = tokio::time::Instant::now();
    let deadline = start + timeout;
    let mut delay = LOCK_BACKOFF_START;
    loop {
        match attempt().await {
            Err(StateError::Locked { stage, holder, .. }) => {
                let now = tokio::time::Instant::now();
                if now >= deadline {
                    return Err(StateError::Locked {
                        stage,
                        holder,
                        waited: now - start,
                    });
                }
                let wait = delay.min(deadline - now);
                tracing::info!(
                    stage,
                    wait_ms = wait.as_millis() as u64,
                    "state is locked; waiting"
                );
                tokio::time::sleep(wait).await;
                delay = (delay * 2).min(LOCK_BACKOFF_MAX);
            }
            other => return other,
        }
    }
}

/// `90s` -> `1m30s`, `2s`, `250ms`.
pub(crate) fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let (minutes, rest) = (secs / 60, secs % 60);
    if secs == 0 {
        format!("{}ms", d.as_millis())
    } else if minutes == 0 {
        format!("{secs}s")
    } else if rest == 0 {
        format!("{minutes}m")
    } else {
        format!("{minutes}m{rest}s")
    }
}
