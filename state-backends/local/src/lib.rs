//! The local state backend, eco's default: one JSON file per stage in `<dir>/.eco/state/`.
//!
//! - `<stage>.json`: the state, mode 0600. Every write goes to a temporary file in the same
//!   directory, is fsynced, and is renamed over the old one, so a crash at any point leaves either
//!   the old state or the new one, never a torn file.
//! - `<stage>.json.backup`: the state as it was before the last write (restore it by hand).
//! - `<stage>.json.lock`: an OS lock (`flock`) on this file is the stage's lock; the file holds
//!   the holder's [`LockInfo`] JSON so a blocked run can say who holds it. The OS releases the lock
//!   when its process ends, however it ends.
//!
//! Writes are conditional: the serial and lineage on disk must still be the ones the writer read
//! (checked and replaced under an exclusive lock on the directory, so two processes cannot both
//! pass the check).

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use eco_state::{
    async_trait, prepare_write, validate_stage, LockInfo, Snapshot, State, StateBackend,
    StateError, StateVersion,
};
use fs4::FileExt;
use fs4::TryLockError;

/// The directory, below the project directory, that holds the state files.
pub const STATE_DIR: &str = ".eco/state";

/// State in local files (see the crate docs). One value serves every stage; locks it takes are
/// held until [`StateBackend::unlock`] or until the value (or the process) goes away.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    dir: PathBuf,
    held: Mutex<HashMap<String, Held>>,
}

#[derive(Debug)]
struct Held {
    file: File,
    info: LockInfo,
}

impl LocalBackend {
    /// The backend for the project in `project_dir`: state in `project_dir/.eco/state/`.
    pub fn new(project_dir: impl AsRef<Path>) -> LocalBackend {
        LocalBackend::in_dir(project_dir.as_ref().join(STATE_DIR))
    }

    /// A backend keeping its files directly in `state_dir`.
    pub fn in_dir(state_dir: impl Into<PathBuf>) -> LocalBackend {
        LocalBackend {
            shared: Arc::new(Shared {
                dir: state_dir.into(),
                held: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The directory holding the state files.
    pub fn state_dir(&self) -> &Path {
        &self.shared.dir
    }

    /// `<dir>/<stage>.json`.
    pub fn state_path(&self, stage: &str) -> PathBuf {
        self.shared.state_path(stage)
    }

    /// `<dir>/<stage>.json.backup`: the state before the last write.
    pub fn backup_path(&self, stage: &str) -> PathBuf {
        self.shared.dir.join(format!("{stage}.json.backup"))
    }

    /// `<dir>/<stage>.json.lock`: the lock file.
    pub fn lock_path(&self, stage: &str) -> PathBuf {
        self.shared.lock_path(stage)
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, StateError>
    where
        T: Send + 'static,
        F: FnOnce(&Shared) -> Result<T, StateError> + Send + 'static,
    {
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || f(&shared))
            .await
            .map_err(|e| StateError::io("local state task failed", "", std::io::Error::other(e)))?
    }
}

#[async_trait]
impl StateBackend for LocalBackend {
    fn describe(&self) -> String {
        format!("local ({})", self.shared.dir.display())
    }

    fn location(&self, stage: &str) -> String {
        self.state_path(stage).display().to_string()
    }

    async fn read(&self, stage: &str) -> Result<Snapshot, StateError> {
        validate_stage(stage)?;
        let stage = stage.to_string();
        self.blocking(move |s| {
            let state = s.read_state(&stage)?;
            let version = version_of(state.as_ref());
            Ok(Snapshot { state, version })
        })
        .await
    }

    async fn write(
        &self,
        state: &mut State,
        expected: &StateVersion,
    ) -> Result<StateVersion, StateError> {
        validate_stage(&state.stage)?;
        let mut next = state.clone();
        let expected = expected.clone();
        let (next, version) = self
            .blocking(move |s| {
                let version = s.write_state(&mut next, &expected)?;
                Ok((next, version))
            })
            .await?;
        *state = next;
        Ok(version)
    }

    async fn try_lock(&self, stage: &str, info: &LockInfo) -> Result<LockInfo, StateError> {
        validate_stage(stage)?;
        let stage = stage.to_string();
        let info = info.clone();
        self.blocking(move |s| s.try_lock(&stage, info)).await
    }

    async fn unlock(&self, stage: &str, lock_id: &str) -> Result<(), StateError> {
        validate_stage(stage)?;
        let (stage, id) = (stage.to_string(), lock_id.to_string());
        self.blocking(move |s| s.unlock(&stage, &id, false)).await
    }

    async fn force_unlock(&self, stage: &str, lock_id: &str) -> Result<(), StateError> {
        validate_stage(stage)?;
        let (stage, id) = (stage.to_string(), lock_id.to_string());
        self.blocking(move |s| s.unlock(&stage, &id, true)).await
    }

    async fn lock_holder(&self, stage: &str) -> Result<Option<LockInfo>, StateError> {
        validate_stage(stage)?;
        let stage = stage.to_string();
        self.blocking(move |s| s.lock_holder(&stage)).await
    }

    async fn list_stages(&self) -> Result<Vec<String>, StateError> {
        self.blocking(|s| s.list_stages()).await
    }
}

fn version_of(state: Option<&State>) -> StateVersion {
    match state {
        Some(s) => StateVersion::present(s.serial, s.lineage.clone(), ""),
        None => StateVersion::absent(),
    }
}

fn same_version(a: &StateVersion, b: &StateVersion) -> bool {
    a.serial() == b.serial() && a.lineage() == b.lineage()
}

impl Shared {
    fn state_path(&self, stage: &str) -> PathBuf {
        self.dir.join(format!("{stage}.json"))
    }

    fn lock_path(&self, stage: &str) -> PathBuf {
        self.dir.join(format!("{stage}.json.lock"))
    }

    fn temp_prefix(stage: &str) -> String {
        format!(".{stage}.json.tmp-")
    }

    fn recovery_hint(&self, stage: &str) -> String {
        let path = self.state_path(stage);
        format!(
            "check {backup} (the state before the last write) and restore it with \
             `cp {backup} {path}`, or repair {path} by hand; see docs/state.md",
            backup = format_args!("{}.backup", path.display()),
            path = path.display()
        )
    }

    fn read_state(&self, stage: &str) -> Result<Option<State>, StateError> {
        let path = self.state_path(stage);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StateError::io(
                    "cannot read the state file",
                    path.display(),
                    e,
                ))
            }
        };
        let location = path.display().to_string();
        let hint = self.recovery_hint(stage);
        let state = State::from_json(&bytes, &location, &hint)?;
        if state.stage != stage {
            return Err(StateError::Corrupt {
                location,
                detail: format!("it holds the state of stage {}, not {stage}", state.stage),
                hint,
            });
        }
        Ok(Some(state))
    }

    fn ensure_dir(&self) -> Result<(), StateError> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.dir)
            .map_err(|e| StateError::io("cannot create the state directory", self.dir.display(), e))
    }

    /// Conditional write under the directory lock: check, back up, write temp, fsync, rename.
    fn write_state(
        &self,
        state: &mut State,
        expected: &StateVersion,
    ) -> Result<StateVersion, StateError> {
        let stage = state.stage.clone();
        self.ensure_dir()?;
        let dir = File::open(&self.dir).map_err(|e| {
            StateError::io("cannot open the state directory", self.dir.display(), e)
        })?;
        FileExt::lock(&dir).map_err(|e| {
            StateError::io("cannot lock the state directory", self.dir.display(), e)
        })?;

        // Any temporary file of this stage is left over from a crashed write (writes hold the
        // directory lock): it never became the state, so it goes.
        self.remove_stale_temps(&stage);

        let current = self.read_state(&stage)?;
        let current_version = version_of(current.as_ref());
        if !same_version(&current_version, expected) {
            return Err(StateError::Conflict {
                location: self.state_path(&stage).display().to_string(),
                detail: format!("read {expected}, now {current_version}"),
            });
        }
        prepare_write(state, expected)?;
        let path = self.state_path(&stage);
        if current.is_some() {
            let old = fs::read(&path)
                .map_err(|e| StateError::io("cannot read the state file", path.display(), e))?;
            let backup = self.dir.join(format!("{stage}.json.backup"));
            self.atomic_write(&stage, &backup, &old)?;
        }
        self.atomic_write(&stage, &path, &state.to_json())?;
        tracing::debug!(path = %path.display(), serial = state.serial, "wrote local state");
        let _ = FileExt::unlock(&dir);
        Ok(version_of(Some(state)))
    }

    fn atomic_write(&self, stage: &str, target: &Path, bytes: &[u8]) -> Result<(), StateError> {
        let temp = self.dir.join(format!(
            "{}{}",
            Self::temp_prefix(stage),
            uuid::Uuid::new_v4().simple()
        ));
        let result = (|| {
            let mut f = private_file(OpenOptions::new().write(true).create_new(true))
                .open(&temp)
                .map_err(|e| StateError::io("cannot create", temp.display(), e))?;
            set_private(&f, &temp)?;
            f.write_all(bytes)
                .and_then(|_| f.sync_all())
                .map_err(|e| StateError::io("cannot write", temp.display(), e))?;
            drop(f);
            fs::rename(&temp, target)
                .map_err(|e| StateError::io("cannot replace", target.display(), e))?;
            // Make the rename itself durable.
            if let Ok(d) = File::open(&self.dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    fn remove_stale_temps(&self, stage: &str) {
        let prefix = Self::temp_prefix(stage);
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                tracing::info!(path = %entry.path().display(), "removing the temporary file of an interrupted write");
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    fn open_lock_file(&self, stage: &str) -> Result<File, StateError> {
        self.ensure_dir()?;
        let path = self.lock_path(stage);
        let f = private_file(
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false),
        )
        .open(&path)
        .map_err(|e| StateError::io("cannot open the lock file", path.display(), e))?;
        set_private(&f, &path)?;
        Ok(f)
    }

    fn read_info(mut file: &File) -> Option<LockInfo> {
        let mut text = String::new();
        file.seek(SeekFrom::Start(0)).ok()?;
        file.read_to_string(&mut text).ok()?;
        LockInfo::from_json(text.trim()).ok()
    }

    fn clear_info(mut file: &File) {
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = file.sync_data();
    }

    /// Tries the OS lock on `file`: `Ok(true)` taken, `Ok(false)` held elsewhere.
    fn try_os_lock(&self, file: &File, stage: &str) -> Result<bool, StateError> {
        match FileExt::try_lock(file) {
            Ok(()) => Ok(true),
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(e)) => Err(StateError::io(
                "cannot lock",
                self.lock_path(stage).display(),
                e,
            )),
        }
    }

    fn try_lock(&self, stage: &str, mut info: LockInfo) -> Result<LockInfo, StateError> {
        let mut held = self.held.lock().unwrap();
        if let Some(h) = held.get(stage) {
            return Err(locked(stage, Some(h.info.clone())));
        }
        let mut file = self.open_lock_file(stage)?;
        if !self.try_os_lock(&file, stage)? {
            return Err(locked(stage, Self::read_info(&file)));
        }
        info.path = self.state_path(stage).display().to_string();
        let path = self.lock_path(stage);
        let written = (|| {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(info.to_json().as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_data()
        })();
        if let Err(e) = written {
            let _ = FileExt::unlock(&file);
            return Err(StateError::io(
                "cannot record the lock in",
                path.display(),
                e,
            ));
        }
        tracing::debug!(stage, id = %info.id, "took local state lock");
        held.insert(
            stage.to_string(),
            Held {
                file,
                info: info.clone(),
            },
        );
        Ok(info)
    }

    fn unlock(&self, stage: &str, lock_id: &str, force: bool) -> Result<(), StateError> {
        let mut held = self.held.lock().unwrap();
        if let Some(h) = held.get(stage) {
            if h.info.id != lock_id {
                return Err(mismatch(stage, lock_id, &h.info));
            }
            let h = held.remove(stage).expect("present");
            Self::clear_info(&h.file);
            FileExt::unlock(&h.file)
                .map_err(|e| StateError::io("cannot unlock", self.lock_path(stage).display(), e))?;
            tracing::debug!(stage, id = lock_id, "released local state lock");
            return Ok(());
        }
        drop(held);
        let not_locked = || StateError::NotLocked {
            stage: stage.to_string(),
            requested: lock_id.to_string(),
        };
        if !self.lock_path(stage).exists() {
            return Err(not_locked());
        }
        let file = self.open_lock_file(stage)?;
        let info = Self::read_info(&file);
        if self.try_os_lock(&file, stage)? {
            // Nobody holds it: the OS released it when its process ended. A force-unlock of the
            // ID the leftover info names clears that info.
            let stale = info.filter(|i| i.id == lock_id);
            if force && stale.is_some() {
                Self::clear_info(&file);
            }
            let _ = FileExt::unlock(&file);
            return match (force, stale) {
                (true, Some(_)) => Ok(()),
                _ => Err(not_locked()),
            };
        }
        match info {
            Some(i) if i.id == lock_id => Err(StateError::HeldByLiveProcess {
                stage: stage.to_string(),
                id: i.id,
                who: i.who,
            }),
            Some(i) => Err(mismatch(stage, lock_id, &i)),
            None => Err(StateError::HeldByLiveProcess {
                stage: stage.to_string(),
                id: "(not recorded yet)".to_string(),
                who: "unknown".to_string(),
            }),
        }
    }

    fn lock_holder(&self, stage: &str) -> Result<Option<LockInfo>, StateError> {
        if let Some(h) = self.held.lock().unwrap().get(stage) {
            return Ok(Some(h.info.clone()));
        }
        if !self.lock_path(stage).exists() {
            return Ok(None);
        }
        let file = self.open_lock_file(stage)?;
        if self.try_os_lock(&file, stage)? {
            let _ = FileExt::unlock(&file);
            return Ok(None);
        }
        Ok(Some(Self::read_info(&file).unwrap_or_else(|| LockInfo {
            id: "(not recorded yet)".into(),
            operation: "unknown".into(),
            who: "unknown".into(),
            version: "unknown".into(),
            created: "unknown".into(),
            path: self.state_path(stage).display().to_string(),
            pid: None,
            process_space: None,
            took_over: None,
        })))
    }

    fn list_stages(&self) -> Result<Vec<String>, StateError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StateError::io("cannot list", self.dir.display(), e)),
        };
        let mut stages: Vec<String> = entries
            .flatten()
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let stage = name.strip_suffix(".json")?.to_string();
                validate_stage(&stage).ok().map(|_| stage)
            })
            .collect();
        stages.sort();
        Ok(stages)
    }
}

fn locked(stage: &str, holder: Option<LockInfo>) -> StateError {
    StateError::Locked {
        stage: stage.to_string(),
        holder: holder.map(Box::new),
        waited: Duration::ZERO,
    }
}

fn mismatch(stage: &str, requested: &str, holder: &LockInfo) -> StateError {
    StateError::LockIdMismatch {
        stage: stage.to_string(),
        requested: requested.to_string(),
        held: holder.id.clone(),
        holder: Box::new(holder.clone()),
    }
}

/// Open options that create files readable and writable by the owner only.
fn private_file(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}

/// Forces mode 0600 on an open file (a file created before, or under an odd umask).
fn set_private(file: &File, path: &Path) -> Result<(), StateError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(|e| StateError::io("cannot set mode 0600 on", path.display(), e))?;
    }
    #[cfg(not(unix))]
    let _ = (file, path);
    Ok(())
}
