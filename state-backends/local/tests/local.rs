use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use eco_state::{LockInfo, ResourceState, State, StateBackend, StateError, StateVersion};
use eco_state_local::LocalBackend;
use serde_json::{json, Map};

fn resource(address: &str) -> ResourceState {
    ResourceState {
        address: address.to_string(),
        type_: address.split('.').next().unwrap().to_string(),
        id: format!("id-of-{address}"),
        attributes: Map::from_iter([("name".to_string(), json!(address))]),
        dependencies: vec![],
    }
}

fn mode(path: &std::path::Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Writes serial 1 (one resource) then serial 2 (two resources); returns the final state and version.
async fn two_writes(b: &LocalBackend) -> (State, StateVersion) {
    let (mut s, v) = b.read("dev").await.unwrap().into_state_or_new("dev");
    s.upsert(resource("s3-bucket.a"));
    let v = b.write(&mut s, &v).await.unwrap();
    s.upsert(resource("s3-bucket.b"));
    let v = b.write(&mut s, &v).await.unwrap();
    (s, v)
}

#[tokio::test]
async fn writes_round_trip_with_serial_plus_one_and_stable_lineage() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(dir.path());
    assert_eq!(b.state_path("dev"), dir.path().join(".eco/state/dev.json"));
    let snap = b.read("dev").await.unwrap();
    assert!(snap.state.is_none() && snap.version.is_absent());

    let (s, v) = two_writes(&b).await;
    assert_eq!(s.serial, 2);
    assert_eq!(v.serial(), Some(2));
    let back = b.read("dev").await.unwrap();
    assert_eq!(back.version, v);
    let back = back.state.unwrap();
    assert_eq!(back, s);
    assert_eq!(back.lineage, s.lineage);

    // The backup holds the previous version.
    let backup = State::from_json(&fs::read(b.backup_path("dev")).unwrap(), "b", "h").unwrap();
    assert_eq!(backup.serial, 1);
    assert_eq!(backup.lineage, s.lineage);
    assert_eq!(backup.addresses().collect::<Vec<_>>(), ["s3-bucket.a"]);

    // Serial rises by one per write, lineage stays.
    let mut s = back;
    let mut v = v;
    for expected in 3..=6 {
        v = b.write(&mut s, &v).await.unwrap();
        let stored = b.read("dev").await.unwrap().state.unwrap();
        assert_eq!(
            (stored.serial, stored.lineage.as_str()),
            (expected, s.lineage.as_str())
        );
    }
}

#[tokio::test]
async fn files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(dir.path());
    two_writes(&b).await;
    b.lock("dev", &LockInfo::new("apply"), Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(mode(&b.state_path("dev")), 0o600);
    assert_eq!(mode(&b.backup_path("dev")), 0o600);
    assert_eq!(mode(&b.lock_path("dev")), 0o600);
    assert_eq!(mode(b.state_dir()), 0o700);
}

#[tokio::test]
async fn a_crash_before_the_rename_leaves_the_old_state() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(dir.path());
    let (s, v) = two_writes(&b).await;
    // A writer that died after writing (part of) its temporary file and before the rename.
    let temp = b.state_dir().join(".dev.json.tmp-0123456789abcdef");
    let mut newer = s.clone();
    newer.serial = 3;
    newer.upsert(resource("s3-bucket.c"));
    let half = newer.to_json();
    fs::write(&temp, &half[..half.len() / 2]).unwrap();

    let read = b.read("dev").await.unwrap();
    assert_eq!(read.state.as_ref().unwrap(), &s);
    assert_eq!(read.version, v);
    assert_eq!(b.list_stages().await.unwrap(), ["dev"]);

    // The next write succeeds and removes the leftover.
    let (mut s, v) = (read.state.unwrap(), read.version);
    b.write(&mut s, &v).await.unwrap();
    assert!(!temp.exists());
    assert_eq!(b.read("dev").await.unwrap().state.unwrap().serial, 3);
}

#[tokio::test]
async fn corrupt_or_truncated_state_is_an_error_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(dir.path());
    let (s, v) = two_writes(&b).await;
    let path = b.state_path("dev");
    let full = fs::read(&path).unwrap();
    for bad in [&full[..full.len() / 2], b"", b"not json at all"] {
        fs::write(&path, bad).unwrap();
        let err = b.read("dev").await.unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StateError::Corrupt { .. }), "{msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(
            msg.contains("dev.json.backup") && msg.contains("cp "),
            "{msg}"
        );

        // A write based on what was read before is refused, and the file is left as it is.
        let mut again = s.clone();
        let err = b.write(&mut again, &v).await.unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), bad);
        // Nor can a fresh state replace it.
        let err = b
            .write(&mut State::new("dev"), &StateVersion::absent())
            .await
            .unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), bad);
    }
    // Restoring the backup (the documented recovery) gives the previous state back.
    fs::copy(b.backup_path("dev"), &path).unwrap();
    assert_eq!(b.read("dev").await.unwrap().state.unwrap().serial, 1);
}

#[tokio::test]
async fn newer_format_and_wrong_stage_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(dir.path());
    let (s, _) = two_writes(&b).await;
    let mut doc: serde_json::Value = serde_json::from_slice(&s.to_json()).unwrap();
    doc["format_version"] = json!(99);
    fs::write(b.state_path("dev"), doc.to_string()).unwrap();
    let err = b.read("dev").await.unwrap_err();
    assert!(
        matches!(err, StateError::UnsupportedVersion { found: 99, .. }),
        "{err}"
    );

    fs::write(b.state_path("prod"), s.to_json()).unwrap();
    let err = b.read("prod").await.unwrap_err();
    assert!(
        err.to_string()
            .contains("holds the state of stage dev, not prod"),
        "{err}"
    );
}

#[tokio::test]
async fn a_stale_write_is_a_conflict_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let one = LocalBackend::new(dir.path());
    let two = LocalBackend::new(dir.path());
    let (s, v) = two_writes(&one).await;

    let mut mine = s.clone();
    mine.upsert(resource("s3-bucket.mine"));
    let mut theirs = s.clone();
    theirs.upsert(resource("s3-bucket.theirs"));
    two.write(&mut theirs, &v).await.unwrap();
    let err = one.write(&mut mine, &v).await.unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert!(err.to_string().contains("nothing was lost"), "{err}");
    assert_eq!(one.read("dev").await.unwrap().state.unwrap(), theirs);

    // Two creators of the same stage: the second is refused.
    let err = one
        .write(&mut State::new("dev"), &StateVersion::absent())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
}

#[tokio::test]
async fn concurrent_writers_from_one_version_exactly_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(dir.path());
    let (s, v) = two_writes(&b).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let b = LocalBackend::new(dir.path());
        let (mut s, v) = (s.clone(), v.clone());
        tasks.push(tokio::spawn(async move {
            s.upsert(resource(&format!("s3-bucket.w{i}")));
            b.write(&mut s, &v).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert!(e.is_conflict(), "{e}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(b.read("dev").await.unwrap().state.unwrap().serial, 3);
}

#[tokio::test]
async fn a_held_lock_fails_with_the_holders_details() {
    let dir = tempfile::tempdir().unwrap();
    let first = LocalBackend::new(dir.path());
    let second = LocalBackend::new(dir.path());
    let info = LockInfo::new("apply");
    let taken = first.lock("dev", &info, Duration::ZERO).await.unwrap();
    assert_eq!(taken.path, first.state_path("dev").display().to_string());

    // The lock file holds the info JSON.
    let on_disk: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(first.lock_path("dev")).unwrap()).unwrap();
    assert_eq!(on_disk["ID"], info.id.as_str());
    assert_eq!(on_disk["Operation"], "apply");

    let err = second
        .lock("dev", &LockInfo::new("plan"), Duration::ZERO)
        .await
        .unwrap_err();
    let msg = err.to_string();
    match &err {
        StateError::Locked {
            holder: Some(h), ..
        } => assert_eq!(**h, taken),
        other => panic!("{other}"),
    }
    assert!(
        msg.contains(&info.id) && msg.contains(&info.who) && msg.contains(&info.created),
        "{msg}"
    );
    assert_eq!(
        second.lock_holder("dev").await.unwrap(),
        Some(taken.clone())
    );
    // The same handle cannot take it twice either.
    assert!(first
        .try_lock("dev", &LockInfo::new("plan"))
        .await
        .unwrap_err()
        .is_locked());

    // Another process's live lock cannot be broken; a wrong ID is refused.
    let err = second.force_unlock("dev", &info.id).await.unwrap_err();
    assert!(matches!(err, StateError::HeldByLiveProcess { .. }), "{err}");
    let err = first.unlock("dev", "not-my-id").await.unwrap_err();
    assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");
    let err = second.unlock("dev", "not-my-id").await.unwrap_err();
    assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");

    // Locks are per stage.
    second
        .lock("prod", &LockInfo::new("plan"), Duration::ZERO)
        .await
        .unwrap();

    first.unlock("dev", &info.id).await.unwrap();
    assert_eq!(second.lock_holder("dev").await.unwrap(), None);
    let next = LockInfo::new("plan");
    second.lock("dev", &next, Duration::ZERO).await.unwrap();
    assert_eq!(first.lock_holder("dev").await.unwrap().unwrap().id, next.id);
}

// Paused time: the releaser's pause and the locker's backoff advance the clock exactly, so the
// wait measured is exact whatever the machine's load (the file operations hold the clock).
#[tokio::test(start_paused = true)]
async fn a_waiting_locker_gets_the_lock_when_it_is_released() {
    let dir = tempfile::tempdir().unwrap();
    let first = LocalBackend::new(dir.path());
    let second = LocalBackend::new(dir.path());
    let info = LockInfo::new("apply");
    first.lock("dev", &info, Duration::ZERO).await.unwrap();
    let id = info.id.clone();
    let releaser = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        first.unlock("dev", &id).await.unwrap();
    });
    let started = tokio::time::Instant::now();
    second
        .lock("dev", &LockInfo::new("plan"), Duration::from_secs(5))
        .await
        .unwrap();
    // Second attempt, after the 1 s backoff (released at 0.3 s, well before the 5 s timeout).
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    releaser.await.unwrap();
}

#[tokio::test]
async fn a_crashed_holder_releases_its_lock_and_leaves_info_to_force_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let info = LockInfo::new("apply");
    {
        let crashed = LocalBackend::new(dir.path());
        crashed.lock("dev", &info, Duration::ZERO).await.unwrap();
        // Dropped without unlocking: the OS lock goes with the file handle, as with a killed process.
    }
    let b = LocalBackend::new(dir.path());
    assert_eq!(b.lock_holder("dev").await.unwrap(), None);
    let err = b.force_unlock("dev", "other-id").await.unwrap_err();
    assert!(matches!(err, StateError::NotLocked { .. }), "{err}");
    b.force_unlock("dev", &info.id).await.unwrap();
    assert_eq!(fs::read_to_string(b.lock_path("dev")).unwrap(), "");
    b.lock("dev", &LockInfo::new("apply"), Duration::ZERO)
        .await
        .unwrap();
}

#[tokio::test]
async fn list_stages_and_bad_stage_names() {
    let dir = tempfile::tempdir().unwrap();
    let b = LocalBackend::new(dir.path());
    assert!(b.list_stages().await.unwrap().is_empty());
    for stage in ["prod", "dev"] {
        let (mut s, v) = b.read(stage).await.unwrap().into_state_or_new(stage);
        b.write(&mut s, &v).await.unwrap();
        b.write(&mut s, &v.clone()).await.unwrap_err();
    }
    b.lock("dev", &LockInfo::new("apply"), Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(b.list_stages().await.unwrap(), ["dev", "prod"]);
    assert!(matches!(
        b.read("../etc").await,
        Err(StateError::InvalidStage(_))
    ));
    let mut s = State::new("a/b");
    assert!(matches!(
        b.write(&mut s, &StateVersion::absent()).await,
        Err(StateError::InvalidStage(_))
    ));
    assert!(b.describe().contains(".eco/state"));
}
