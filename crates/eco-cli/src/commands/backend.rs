//! Opening a stage's state backend from the configuration's `backend` node, and running work
//! under its lock (released on success, on error, and on Ctrl-C).

use std::path::Path;
use std::time::Duration;

use eco_config::{Config, StageContext};
use eco_state::{StateBackend, StateError};
use eco_state_local::LocalBackend;
use eco_state_s3::{S3Backend, S3Settings};

use super::CliError;

/// The lock table used when `backend "s3"` names none.
pub const DEFAULT_LOCK_TABLE: &str = "eco-locks";

impl From<StateError> for CliError {
    fn from(e: StateError) -> Self {
        CliError::Message {
            message: e.to_string(),
            help: None,
        }
    }
}

/// A stage's backend: local files by default, S3 + DynamoDB with `backend "s3"`.
pub enum Backend {
    Local(LocalBackend),
    S3(S3Backend),
}

impl Backend {
    /// The backend as the trait object the engine uses.
    pub fn as_dyn(&self) -> &dyn StateBackend {
        match self {
            Backend::Local(b) => b,
            Backend::S3(b) => b,
        }
    }

    /// An owned, shareable handle (for the apply engine's state writer).
    pub fn into_arc(self) -> std::sync::Arc<dyn StateBackend> {
        match self {
            Backend::Local(b) => std::sync::Arc::new(b),
            Backend::S3(b) => std::sync::Arc::new(b),
        }
    }
}

/// Opens the backend the configuration declares. The S3 backend uses the standard AWS chain
/// (its own `profile=`, `role-arn=`, `region=`, `endpoint=` when given), not the stage's role:
/// state may live in another account than the stage's resources.
pub async fn open(config: &Config, dir: &Path, stage: &StageContext) -> Result<Backend, CliError> {
    let Some(backend) = &config.backend else {
        return Ok(Backend::Local(LocalBackend::new(dir)));
    };
    match backend.kind.as_str() {
        "local" => Ok(Backend::Local(match backend.get("path") {
            Some(path) => LocalBackend::in_dir(dir.join(path)),
            None => LocalBackend::new(dir),
        })),
        _ => {
            let region = backend
                .get("region")
                .map(str::to_string)
                .or_else(|| stage.stage.as_ref().and_then(|s| s.region.clone()));
            let options = eco_aws::aws::AwsOptions {
                region: region.clone(),
                profile: backend.get("profile").map(str::to_string),
                assume_role: backend.get("role-arn").map(str::to_string),
                endpoint: backend.get("endpoint").map(str::to_string),
                ..Default::default()
            };
            let aws = eco_aws::Aws::load(&options).await;
            if let Some(expected) = backend.get("account") {
                check_backend_account(&aws, expected).await?;
            }
            let settings = S3Settings {
                bucket: backend.get("bucket").unwrap_or_default().to_string(),
                key: backend.get("key").unwrap_or_default().to_string(),
                lock_table: backend
                    .get("lock-table")
                    .unwrap_or(DEFAULT_LOCK_TABLE)
                    .to_string(),
                region,
            };
            Ok(Backend::S3(S3Backend::from_sdk_config(
                aws.config(),
                settings,
            )))
        }
    }
}

/// The state backend's credentials act in the account the backend declares (`account=`), so
/// that no command reads, writes or bootstraps state in another account (state often lives in a
/// tooling account, apart from every stage's).
async fn check_backend_account(aws: &eco_aws::Aws, expected: &str) -> Result<(), CliError> {
    let actual = aws.caller_account().await.map_err(|e| {
        CliError::msg(
            format!("cannot tell which AWS account the state backend's credentials act in: {e}"),
            "check the credentials the backend uses (its profile= or role-arn=, else the default chain)",
        )
    })?;
    if actual != expected {
        return Err(CliError::msg(
            format!(
                "the state backend is declared in account {expected} (account= on `backend`), but \
                 its credentials act in account {actual}; eco touched no state"
            ),
            "use the credentials of the state's account (the backend's profile= or role-arn=), \
             or correct account=",
        ));
    }
    Ok(())
}

/// Parses `-lock-timeout`: `0s`, `30s`, `2m`, `1h`, `500ms`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, CliError> {
    let bad = || {
        CliError::msg(
            format!("`{s}` is not a duration"),
            "write it like 30s, 2m, 1h or 500ms",
        )
    };
    let s = s.trim();
    let (number, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| s.split_at(i))
        .unwrap_or((s, "s"));
    let n: f64 = number.parse().map_err(|_| bad())?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs_f64(secs))
}

/// Runs `work` under the stage's lock; the lock is released whatever happens, Ctrl-C included.
pub async fn locked<T, F, Fut>(
    backend: &dyn StateBackend,
    stage: &str,
    operation: &str,
    timeout: Duration,
    work: F,
) -> Result<T, CliError>
where
    F: FnOnce(eco_state::LockInfo) -> Fut,
    Fut: std::future::Future<Output = Result<T, CliError>>,
{
    eco_state::with_lock(backend, stage, operation, timeout, |info| {
        if let Some(note) = took_over_note(stage, &info) {
            crate::ui::Ui::new(true).err_line(note);
        }
        interruptible(work(info))
    })
    .await
}

/// What to tell the user when this run took over a stale lock (its holder provably gone: see
/// `LockInfo::can_be_taken_over`); `None` when the lock was free.
pub fn took_over_note(stage: &str, info: &eco_state::LockInfo) -> Option<String> {
    let old = info.took_over.as_ref()?;
    Some(format!(
        "Note: the state lock of stage {stage} was held by a run that is gone (process {} on this \
         host, {} since {}, lock ID {}): eco took it over. Operations that run left in state are \
         settled by this one.",
        old.pid.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
        old.operation,
        old.created,
        old.id
    ))
}

/// Work done under a lock the caller holds (and releases after, whatever the outcome): Ctrl-C
/// ends it with an error.
pub async fn interruptible<T>(
    work: impl std::future::Future<Output = Result<T, CliError>>,
) -> Result<T, CliError> {
    test_hook_hold_lock().await;
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(CliError::msg(
            "interrupted",
            "the state lock was released; state holds everything done before the interrupt",
        )),
    }
}

/// Test hooks, so that end-to-end tests can run two eco processes against one lock
/// deterministically: `ECO_TEST_HOLD_LOCK_MS=N` holds the lock N ms before working;
/// `ECO_TEST_HOLD_LOCK_UNTIL=PATH` writes `PATH.held` once it holds the lock, then works only
/// once `PATH` exists (the test decides when, not a timing window).
async fn test_hook_hold_lock() {
    if let Some(ms) = std::env::var("ECO_TEST_HOLD_LOCK_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if let Some(release) = std::env::var_os("ECO_TEST_HOLD_LOCK_UNTIL") {
        let release = std::path::PathBuf::from(release);
        let mut held = release.clone().into_os_string();
        held.push(".held");
        let _ = std::fs::write(&held, b"");
        while !release.exists() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5y").is_err());
    }
}
