use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};

use super::*;

fn resource(address: &str, id: &str) -> ResourceState {
    let (type_, _) = address.split_once('.').unwrap();
    ResourceState {
        address: address.to_string(),
        type_: type_.to_string(),
        id: id.to_string(),
        attributes: Map::new(),
        dependencies: Vec::new(),
    }
}

fn sample() -> State {
    let mut s = State::new("dev");
    let mut bucket = resource("s3-bucket.site", "ecogy-dev-site");
    bucket
        .attributes
        .insert("name".into(), json!("ecogy-dev-site"));
    bucket.attributes.insert("versioning".into(), json!(true));
    s.upsert(bucket);
    let mut f = resource("lambda-function.api", "ecogy-dev-api");
    f.attributes.insert(
        "env".into(),
        json!({"TABLE": "assets", "DB_PASSWORD": "hunter2"}),
    );
    f.dependencies.push("s3-bucket.site".into());
    s.upsert(f);
    s.outputs.insert(
        "site".into(),
        OutputValue {
            value: json!("ecogy-dev-site"),
            sensitive: false,
        },
    );
    s.outputs.insert(
        "token".into(),
        OutputValue {
            value: json!("s3cr3t"),
            sensitive: true,
        },
    );
    s.add_intent(PendingIntent::new(
        "route53-zone.main",
        Operation::Create,
        "eco-dev-zone-1",
    ));
    s
}

// ---- model ----

#[test]
fn json_round_trip_keeps_everything() {
    let s = sample();
    let bytes = s.to_json();
    let back = State::from_json(&bytes, "test", "none").unwrap();
    assert_eq!(back, s);
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    for key in [
        "format_version",
        "eco_version",
        "serial",
        "lineage",
        "stage",
        "resources",
        "outputs",
        "pending",
    ] {
        assert!(doc.get(key).is_some(), "missing {key} in {doc}");
    }
    assert_eq!(doc["resources"][0]["type"], "lambda-function");
    assert_eq!(doc["pending"][0]["operation"], "create");
    assert_eq!(doc["pending"][0]["token"], "eco-dev-zone-1");
    assert!(doc["pending"][0]["started"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
}

#[test]
fn new_state_has_a_fresh_lineage_and_serial_zero() {
    let a = State::new("dev");
    let b = State::new("dev");
    assert_eq!(a.serial, 0);
    assert_eq!(a.format_version, FORMAT_VERSION);
    assert_ne!(a.lineage, b.lineage);
    assert!(uuid::Uuid::parse_str(&a.lineage).is_ok());
}

#[test]
fn resources_are_found_after_reading_unsorted_files() {
    let mut doc: Value = serde_json::from_slice(&sample().to_json()).unwrap();
    doc["resources"].as_array_mut().unwrap().reverse();
    let s = State::from_json(doc.to_string().as_bytes(), "t", "h").unwrap();
    assert!(s.resource("s3-bucket.site").is_some());
    assert!(s.resource("lambda-function.api").is_some());
    assert_eq!(
        s.addresses().collect::<Vec<_>>(),
        ["lambda-function.api", "s3-bucket.site"]
    );
}

#[test]
fn duplicate_addresses_are_corrupt() {
    let mut doc: Value = serde_json::from_slice(&sample().to_json()).unwrap();
    let first = doc["resources"][0].clone();
    doc["resources"].as_array_mut().unwrap().push(first);
    let err = State::from_json(doc.to_string().as_bytes(), "t", "h").unwrap_err();
    assert!(err.to_string().contains("appears twice"), "{err}");
}

#[test]
fn remove_and_move_resources() {
    let mut s = sample();
    s.add_intent(PendingIntent::new("s3-bucket.site", Operation::Delete, "x"));
    s.move_resource("s3-bucket.site", "s3-bucket.web").unwrap();
    assert!(s.resource("s3-bucket.site").is_none());
    assert_eq!(s.resource("s3-bucket.web").unwrap().id, "ecogy-dev-site");
    assert_eq!(
        s.resource("lambda-function.api").unwrap().dependencies,
        ["s3-bucket.web"]
    );
    assert!(s.pending.iter().all(|p| p.address != "s3-bucket.site"));

    assert!(matches!(
        s.move_resource("s3-bucket.nope", "s3-bucket.x"),
        Err(StateError::NoSuchResource(_))
    ));
    assert!(matches!(
        s.move_resource("s3-bucket.web", "lambda-function.api"),
        Err(StateError::AddressTaken(_))
    ));
    let removed = s.remove("s3-bucket.web").unwrap();
    assert_eq!(removed.id, "ecogy-dev-site");
    assert!(matches!(
        s.remove("s3-bucket.web"),
        Err(StateError::NoSuchResource(_))
    ));
}

#[test]
fn move_across_types_updates_the_type() {
    let mut s = sample();
    s.move_resource("s3-bucket.site", "other-type.site")
        .unwrap();
    assert_eq!(s.resource("other-type.site").unwrap().type_, "other-type");
}

#[test]
fn newer_format_is_a_clear_error() {
    let mut doc: Value = serde_json::from_slice(&sample().to_json()).unwrap();
    doc["format_version"] = json!(FORMAT_VERSION + 1);
    doc["eco_version"] = json!("9.9.9");
    let err = State::from_json(doc.to_string().as_bytes(), "/x/dev.json", "h").unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            StateError::UnsupportedVersion {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{msg}"
    );
    assert!(
        msg.contains("/x/dev.json") && msg.contains("upgrade eco") && msg.contains("9.9.9"),
        "{msg}"
    );
}

#[test]
fn missing_or_bad_format_version_is_corrupt() {
    for doc in [
        json!({"serial": 1}),
        json!({"format_version": "1"}),
        json!({"format_version": 0}),
        json!([1, 2]),
    ] {
        let err =
            State::from_json(doc.to_string().as_bytes(), "loc", "restore the backup").unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }), "{doc}: {err}");
        assert!(err.to_string().contains("restore the backup"), "{err}");
    }
}

#[test]
fn truncated_or_empty_documents_are_corrupt_with_the_next_step() {
    let bytes = sample().to_json();
    for cut in [0, 1, bytes.len() / 2, bytes.len() - 3] {
        let err = State::from_json(&bytes[..cut], "/s/dev.json", "restore /s/dev.json.backup")
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StateError::Corrupt { .. }), "{msg}");
        assert!(
            msg.contains("/s/dev.json") && msg.contains("restore /s/dev.json.backup"),
            "{msg}"
        );
        assert!(msg.contains("will not overwrite"), "{msg}");
    }
}

#[test]
fn upgrades_run_in_order_from_the_stored_version() {
    fn v1_to_v2(doc: &mut Map<String, Value>) -> Result<(), String> {
        // Format "2" renamed `old_outputs` to `outputs`.
        if let Some(o) = doc.remove("old_outputs") {
            doc.insert("outputs".into(), o);
        }
        Ok(())
    }
    fn v2_to_v3(doc: &mut Map<String, Value>) -> Result<(), String> {
        match doc.get("outputs") {
            Some(Value::Object(_)) => Ok(()),
            _ => Err("outputs missing".into()),
        }
    }
    let upgrades: &[model::Upgrade] = &[v1_to_v2, v2_to_v3];
    let mut doc: Value = serde_json::from_slice(&sample().to_json()).unwrap();
    let outputs = doc.as_object_mut().unwrap().remove("outputs").unwrap();
    doc["old_outputs"] = outputs;
    let s = model::parse_with(doc.to_string().as_bytes(), "t", "h", upgrades).unwrap();
    assert_eq!(s.format_version, 3);
    assert_eq!(s.outputs.len(), 2);

    // A document already at format 2 skips the first step.
    let mut doc2: Value = serde_json::from_slice(&sample().to_json()).unwrap();
    doc2["format_version"] = json!(2);
    let s2 = model::parse_with(doc2.to_string().as_bytes(), "t", "h", upgrades).unwrap();
    assert_eq!(s2.format_version, 3);

    // A failing step is a corrupt-state error naming the step.
    let mut bad: Value = serde_json::from_slice(&sample().to_json()).unwrap();
    bad.as_object_mut().unwrap().remove("outputs");
    let err = model::parse_with(bad.to_string().as_bytes(), "t", "h", upgrades).unwrap_err();
    assert!(
        err.to_string().contains("cannot upgrade format 2 to 3"),
        "{err}"
    );
    // And format 4 is newer than this table knows.
    doc2["format_version"] = json!(4);
    let err = model::parse_with(doc2.to_string().as_bytes(), "t", "h", upgrades).unwrap_err();
    assert!(matches!(
        err,
        StateError::UnsupportedVersion {
            found: 4,
            supported: 3,
            ..
        }
    ));
}

// ---- redaction ----

#[test]
fn redaction_hides_named_paths_only() {
    let mut v = json!({
        "password": "p",
        "env": {"DB_PASSWORD": "x", "TABLE": "t"},
        "attrs": [{"name": "a", "secret": "1"}, {"name": "b", "secret": "2"}],
        "keys": ["k0", "k1"],
        "maybe": null,
    });
    redact(
        &mut v,
        &[
            "password",
            "env.DB_PASSWORD",
            "attrs.secret",
            "keys.1",
            "maybe",
            "nothing.here",
        ],
    );
    assert_eq!(v["password"], REDACTED);
    assert_eq!(v["env"]["DB_PASSWORD"], REDACTED);
    assert_eq!(v["env"]["TABLE"], "t");
    assert_eq!(v["attrs"][0]["secret"], REDACTED);
    assert_eq!(v["attrs"][1]["secret"], REDACTED);
    assert_eq!(v["attrs"][1]["name"], "b");
    assert_eq!(v["keys"], json!(["k0", REDACTED]));
    assert_eq!(v["maybe"], Value::Null);

    let mut w = json!({"env": {"A": "1", "B": "2"}});
    redact(&mut w, &["env.*"]);
    assert_eq!(w, json!({"env": {"A": REDACTED, "B": REDACTED}}));
}

#[test]
fn redacted_state_prints_no_secret() {
    let s = sample();
    let shown = s.redacted(|t| {
        if t == "lambda-function" {
            vec!["env.DB_PASSWORD"]
        } else {
            vec![]
        }
    });
    let text = String::from_utf8(shown.to_json()).unwrap();
    assert!(
        !text.contains("hunter2") && !text.contains("s3cr3t"),
        "{text}"
    );
    assert!(text.contains("assets") && text.contains("ecogy-dev-site"));
    assert!(format!("{shown:?}").find("hunter2").is_none());
    // The original keeps the real values.
    assert_eq!(
        s.resource("lambda-function.api").unwrap().attributes["env"]["DB_PASSWORD"],
        "hunter2"
    );
    let r = s
        .resource("lambda-function.api")
        .unwrap()
        .redacted(&["env"]);
    assert_eq!(r.attributes["env"], REDACTED);
}

// ---- backend rules ----

#[test]
fn lock_info_json_has_exactly_the_contract_fields() {
    let info = LockInfo::new("apply");
    let v: Value = serde_json::from_str(&info.to_json()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["ID", "Operation", "Who", "Version", "Created", "Path"]
    );
    assert_eq!(v["Operation"], "apply");
    assert!(v["Who"].as_str().unwrap().contains('@'));
    assert_eq!(LockInfo::from_json(&info.to_json()).unwrap(), info);
    assert_ne!(LockInfo::new("apply").id, info.id);
}

#[test]
fn stage_names_are_validated() {
    for ok in ["dev", "prod-eu", "team_a", "v1.2"] {
        validate_stage(ok).unwrap();
    }
    for bad in ["", "../x", "a/b", ".hidden", "sp ace", &"x".repeat(129)] {
        assert!(
            matches!(validate_stage(bad), Err(StateError::InvalidStage(_))),
            "{bad}"
        );
    }
}

#[test]
fn prepare_write_bumps_serial_by_one_over_the_stored() {
    let mut s = State::new("dev");
    let lineage = s.lineage.clone();
    prepare_write(&mut s, &StateVersion::absent()).unwrap();
    assert_eq!(s.serial, 1);
    prepare_write(&mut s, &StateVersion::present(1, lineage.clone(), "")).unwrap();
    assert_eq!(s.serial, 2);
    // A pushed file with a higher serial goes one above its own.
    s.serial = 10;
    prepare_write(&mut s, &StateVersion::present(4, lineage, "")).unwrap();
    assert_eq!(s.serial, 11);
}

#[test]
fn push_rules() {
    let stored = sample();
    let mut newer = stored.clone();
    newer.serial += 1;
    check_push(Some(&stored), &newer, "dev", false).unwrap();
    check_push(None, &newer, "dev", false).unwrap();
    check_push(Some(&stored), &stored, "dev", false).unwrap();

    let mut older = stored.clone();
    let mut stored5 = stored.clone();
    stored5.serial = 5;
    older.serial = 4;
    let err = check_push(Some(&stored5), &older, "dev", false).unwrap_err();
    assert!(
        err.to_string().contains("older than the stored serial 5"),
        "{err}"
    );
    check_push(Some(&stored5), &older, "dev", true).unwrap();

    let other = State::new("dev");
    let err = check_push(Some(&stored), &other, "dev", false).unwrap_err();
    assert!(err.to_string().contains("lineage"), "{err}");
    assert!(err.to_string().contains("-force"), "{err}");

    let err = check_push(None, &stored, "prod", false).unwrap_err();
    assert!(err.to_string().contains("stage dev, not prod"), "{err}");

    let mut same_serial = stored.clone();
    same_serial.remove("s3-bucket.site").unwrap();
    assert!(check_push(Some(&stored), &same_serial, "dev", false).is_err());
}

#[tokio::test]
async fn memory_backend_write_is_conditional() {
    let b = MemoryBackend::new();
    let snap = b.read("dev").await.unwrap();
    assert!(snap.state.is_none() && snap.version.is_absent());
    let (mut s, v0) = snap.into_state_or_new("dev");
    let lineage = s.lineage.clone();
    let v1 = b.write(&mut s, &v0).await.unwrap();
    assert_eq!(s.serial, 1);
    s.upsert(resource("s3-bucket.a", "a"));
    let v2 = b.write(&mut s, &v1).await.unwrap();
    assert_eq!((s.serial, s.lineage.as_str()), (2, lineage.as_str()));
    // A stale version is refused and nothing changes.
    let mut stale = s.clone();
    stale.upsert(resource("s3-bucket.b", "b"));
    let err = b.write(&mut stale, &v1).await.unwrap_err();
    assert!(err.is_conflict(), "{err}");
    let err = b
        .write(&mut State::new("dev"), &StateVersion::absent())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    let stored = b.read("dev").await.unwrap();
    assert_eq!(stored.version, v2);
    assert_eq!(stored.state.unwrap(), s);
    assert_eq!(b.list_stages().await.unwrap(), ["dev"]);
}

// ---- locking ----

#[tokio::test]
async fn held_lock_fails_fast_with_holder_details() {
    let b = MemoryBackend::new();
    let mine = LockInfo::new("apply");
    let taken = b.lock("dev", &mine, Duration::ZERO).await.unwrap();
    assert_eq!(taken.path, "memory:dev");
    let err = b
        .lock("dev", &LockInfo::new("plan"), Duration::ZERO)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(err.is_locked());
    assert!(
        msg.contains(&mine.id) && msg.contains(&mine.who) && msg.contains(&mine.created),
        "{msg}"
    );
    assert!(
        msg.contains("apply") && msg.contains("eco force-unlock -stage dev"),
        "{msg}"
    );
    // Another stage is independent.
    b.lock("prod", &LockInfo::new("plan"), Duration::ZERO)
        .await
        .unwrap();
    // Unlock only with the right ID.
    let err = b.unlock("dev", "someone-else").await.unwrap_err();
    assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");
    b.unlock("dev", &mine.id).await.unwrap();
    assert!(matches!(
        b.unlock("dev", &mine.id).await,
        Err(StateError::NotLocked { .. })
    ));
    assert!(b.lock_holder("dev").await.unwrap().is_none());
}

#[tokio::test]
async fn with_lock_releases_after_success_and_failure() {
    let b = MemoryBackend::new();
    let value = with_lock(&b, "dev", "apply", Duration::ZERO, |info| {
        let b = &b;
        async move {
            assert_eq!(b.lock_holder("dev").await.unwrap().unwrap().id, info.id);
            assert_eq!(info.operation, "apply");
            Ok::<_, StateError>(42)
        }
    })
    .await
    .unwrap();
    assert_eq!(value, 42);
    assert!(b.lock_holder("dev").await.unwrap().is_none());

    let err = with_lock(&b, "dev", "apply", Duration::ZERO, |_| async {
        Err::<(), _>(StateError::NoSuchResource("s3-bucket.x".into()))
    })
    .await
    .unwrap_err();
    assert!(matches!(err, StateError::NoSuchResource(_)));
    assert!(b.lock_holder("dev").await.unwrap().is_none());

    // Work whose lock was taken away (force-unlocked) reports the failed release.
    let err = with_lock(&b, "dev", "apply", Duration::ZERO, |info| {
        let b = &b;
        async move {
            b.force_unlock("dev", &info.id).await?;
            b.lock("dev", &LockInfo::new("plan"), Duration::ZERO)
                .await?;
            Ok::<_, StateError>(())
        }
    })
    .await
    .unwrap_err();
    assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");

    // A held lock means the work never runs.
    let ran = AtomicUsize::new(0);
    let err = with_lock(&b, "dev", "apply", Duration::ZERO, |_| async {
        ran.fetch_add(1, Ordering::SeqCst);
        Ok::<_, StateError>(())
    })
    .await
    .unwrap_err();
    assert!(err.is_locked());
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn lock_waits_with_doubling_backoff_until_the_timeout() {
    let attempts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let start = tokio::time::Instant::now();
    let a = attempts.clone();
    let err = retry_locked(Duration::from_secs(40), move || {
        a.lock().unwrap().push(start.elapsed().as_secs());
        async {
            Err::<(), _>(StateError::Locked {
                stage: "dev".into(),
                holder: None,
                waited: Duration::ZERO,
            })
        }
    })
    .await
    .unwrap_err();
    // 1, 2, 4, 8, 16, then capped at 16, and the last wait cut to the deadline.
    assert_eq!(*attempts.lock().unwrap(), [0, 1, 3, 7, 15, 31, 40]);
    match err {
        StateError::Locked { waited, .. } => assert_eq!(waited, Duration::from_secs(40)),
        other => panic!("{other}"),
    }
    assert!(err_text_waited());
}

fn err_text_waited() -> bool {
    let e = StateError::Locked {
        stage: "dev".into(),
        holder: None,
        waited: Duration::from_secs(90),
    };
    e.to_string().contains("waited 1m30s")
}

#[tokio::test(start_paused = true)]
async fn lock_wait_succeeds_once_the_holder_releases() {
    let b = Arc::new(MemoryBackend::new());
    let first = LockInfo::new("apply");
    b.lock("dev", &first, Duration::ZERO).await.unwrap();
    let b2 = b.clone();
    let id = first.id.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        b2.unlock("dev", &id).await.unwrap();
    });
    let start = tokio::time::Instant::now();
    let second = LockInfo::new("plan");
    b.lock("dev", &second, Duration::from_secs(30))
        .await
        .unwrap();
    // Attempts at 0 s, 1 s, 3 s: the third succeeds.
    assert_eq!(start.elapsed().as_secs(), 3);
    assert_eq!(b.lock_holder("dev").await.unwrap().unwrap().id, second.id);
}

#[tokio::test]
async fn non_lock_errors_are_not_retried() {
    let calls = AtomicUsize::new(0);
    let err = retry_locked(Duration::from_secs(60), || {
        calls.fetch_add(1, Ordering::SeqCst);
        async { Err::<(), _>(StateError::InvalidStage("x".into())) }
    })
    .await
    .unwrap_err();
    assert!(matches!(err, StateError::InvalidStage(_)));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

// ---- group commit ----

// Paused time on one thread: the 100 submissions are all made while the first write sleeps,
// whatever the machine's load, so the count of writes is exact.
#[tokio::test(start_paused = true)]
async fn concurrent_submissions_share_writes_and_each_is_durable() {
    let backend = Arc::new(MemoryBackend::with_write_delay(Duration::from_millis(30)));
    let (state, version) = backend.read("dev").await.unwrap().into_state_or_new("dev");
    let writer = Arc::new(StateWriter::new(backend.clone(), state, version));
    let mut tasks = Vec::new();
    for i in 0..100 {
        let w = writer.clone();
        tasks.push(tokio::spawn(async move {
            let address = format!("s3-bucket.b{i:03}");
            let durable = w
                .submit(Mutation::Intent(PendingIntent::new(
                    &address,
                    Operation::Create,
                    format!("t{i}"),
                )))
                .await
                .unwrap();
            (address, durable)
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let writes = backend.write_count();
    eprintln!("100 concurrent submissions -> {writes} writes");
    assert!(writes <= 2, "100 submissions took {writes} writes");
    assert_eq!(backend.max_concurrent_writes(), 1);
    let history = backend.history("dev");
    assert_eq!(history.len(), writes);
    // Each submission is in the stored state whose serial it was told (and every later one).
    for (address, durable) in &results {
        let stored = history
            .iter()
            .find(|s| s.serial == durable.serial)
            .expect("serial stored");
        assert!(
            stored.pending.iter().any(|p| &p.address == address),
            "{address} not in serial {}",
            durable.serial
        );
    }
    // Serials rise by one per write.
    let serials: Vec<u64> = history.iter().map(|s| s.serial).collect();
    assert_eq!(serials, (1..=writes as u64).collect::<Vec<_>>());
    let (last, _) = Arc::try_unwrap(writer)
        .ok()
        .unwrap()
        .finish()
        .await
        .unwrap();
    assert_eq!(last.pending.len(), 100);
}

#[tokio::test]
async fn intent_then_result_replaces_the_intent() {
    let backend = Arc::new(MemoryBackend::new());
    let (state, version) = backend.read("dev").await.unwrap().into_state_or_new("dev");
    let writer = StateWriter::new(backend.clone(), state, version);
    let d1 = writer
        .submit(Mutation::Intent(PendingIntent::new(
            "s3-bucket.a",
            Operation::Create,
            "tok",
        )))
        .await
        .unwrap();
    let stored = backend.read("dev").await.unwrap().state.unwrap();
    assert_eq!(stored.serial, d1.serial);
    assert_eq!(stored.pending[0].token, "tok");
    assert!(stored.resources.is_empty());

    let mut r = resource("s3-bucket.a", "bucket-a");
    r.attributes
        .insert("arn".into(), json!("arn:aws:s3:::bucket-a"));
    let d2 = writer
        .submit(Mutation::Resolve {
            address: "s3-bucket.a".into(),
            result: Some(r),
        })
        .await
        .unwrap();
    assert_eq!(d2.serial, d1.serial + 1);
    let stored = backend.read("dev").await.unwrap().state.unwrap();
    assert!(stored.pending.is_empty());
    assert_eq!(stored.resource("s3-bucket.a").unwrap().id, "bucket-a");

    // A delete's result removes the resource; a flush with nothing new does not write.
    writer
        .submit_all(vec![
            Mutation::Intent(PendingIntent::new(
                "s3-bucket.a",
                Operation::Delete,
                "bucket-a",
            )),
            Mutation::Resolve {
                address: "s3-bucket.a".into(),
                result: None,
            },
        ])
        .await
        .unwrap();
    let before = backend.write_count();
    let flushed = writer.flush().await.unwrap();
    assert_eq!(backend.write_count(), before);
    let (last, version) = writer.finish().await.unwrap();
    assert_eq!(flushed.serial, last.serial);
    assert!(last.resources.is_empty() && last.pending.is_empty());
    assert_eq!(version.serial(), Some(last.serial));
    assert_eq!(writer_lineage_is_stable(&backend), 1);
}

fn writer_lineage_is_stable(b: &MemoryBackend) -> usize {
    let mut lineages: Vec<String> = b.history("dev").into_iter().map(|s| s.lineage).collect();
    lineages.dedup();
    lineages.len()
}

#[tokio::test]
async fn a_failed_write_stops_the_writer_and_keeps_the_durable_state() {
    let backend = Arc::new(MemoryBackend::new());
    let (state, version) = backend.read("dev").await.unwrap().into_state_or_new("dev");
    let writer = StateWriter::new(backend.clone(), state, version);
    writer
        .submit(Mutation::Upsert(resource("s3-bucket.a", "a")))
        .await
        .unwrap();
    backend.fail_next_writes(1);
    let err = writer
        .submit(Mutation::Upsert(resource("s3-bucket.b", "b")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    let err = writer
        .submit(Mutation::Remove("s3-bucket.a".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, StateError::WriterStopped(_)), "{err}");
    let stored = backend.read("dev").await.unwrap().state.unwrap();
    assert_eq!(stored.addresses().collect::<Vec<_>>(), ["s3-bucket.a"]);
    assert_eq!(writer.durable().0, stored);
    assert!(writer.finish().await.is_err());
}

#[tokio::test]
async fn a_conflicting_writer_is_refused() {
    let backend = Arc::new(MemoryBackend::new());
    let (state, version) = backend.read("dev").await.unwrap().into_state_or_new("dev");
    let writer = StateWriter::new(backend.clone(), state, version);
    writer
        .submit(Mutation::Upsert(resource("s3-bucket.a", "a")))
        .await
        .unwrap();
    // Someone else writes meanwhile.
    let mut theirs = backend.read("dev").await.unwrap().state.unwrap();
    theirs.serial += 1;
    theirs.upsert(resource("s3-bucket.theirs", "t"));
    backend.put(theirs.clone());
    let err = writer
        .submit(Mutation::Upsert(resource("s3-bucket.b", "b")))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert_eq!(backend.read("dev").await.unwrap().state.unwrap(), theirs);
}

#[test]
fn a_newer_format_claimed_by_this_very_eco_is_called_damaged_not_a_reason_to_upgrade() {
    let mut doc: Value = serde_json::from_slice(&sample().to_json()).unwrap();
    doc["format_version"] = json!(999);
    doc["eco_version"] = json!(crate::ECO_VERSION);
    let err = State::from_json(doc.to_string().as_bytes(), "/x/dev.json", "h").unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, StateError::UnsupportedVersion { found: 999, .. }),
        "{msg}"
    );
    assert!(msg.contains("edited by hand or is damaged"), "{msg}");
    assert!(msg.contains("restore the state from its backup"), "{msg}");
    assert!(!msg.contains("upgrade eco"), "{msg}");
}

#[test]
fn an_empty_id_or_address_is_corrupt_state() {
    for (field, expected) in [("id", "has an empty id"), ("address", "empty address")] {
        let mut doc: Value = serde_json::from_slice(&sample().to_json()).unwrap();
        doc["resources"][0][field] = json!("");
        let err = State::from_json(doc.to_string().as_bytes(), "loc", "h").unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains(expected), "{err}");
    }
}

#[test]
fn intents_of_an_address_can_be_forgotten_and_a_create_intent_keeps_its_attributes() {
    let mut s = sample();
    let desired = json!({"name": "site"}).as_object().unwrap().clone();
    s.add_intent(
        PendingIntent::new("s3-bucket.new", Operation::Create, "tok").with_desired(desired.clone()),
    );
    let back = State::from_json(&s.to_json(), "loc", "h").unwrap();
    let new = |s: &State| {
        s.pending
            .iter()
            .find(|p| p.address == "s3-bucket.new")
            .cloned()
    };
    assert_eq!(new(&back).unwrap().desired.as_ref(), Some(&desired));
    assert!(s.forget_intents("s3-bucket.new"));
    assert!(new(&s).is_none());
    assert!(!s.forget_intents("s3-bucket.new"));
    // An intent without attributes (older state) still reads.
    let mut doc: Value = serde_json::from_slice(&back.to_json()).unwrap();
    for p in doc["pending"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("desired");
    }
    let older = State::from_json(doc.to_string().as_bytes(), "loc", "h").unwrap();
    assert_eq!(new(&older).unwrap().desired, None);
}

#[test]
fn a_replacement_intent_keeps_the_id_it_replaces_and_older_intents_read_without_it() {
    let mut s = sample();
    s.add_intent(
        PendingIntent::new("acm-certificate.site", Operation::Replace, "tok")
            .replacing(Some("arn:old".into())),
    );
    s.add_intent(PendingIntent::new("s3-bucket.new", Operation::Create, "tok2").replacing(None));
    let json = String::from_utf8(s.to_json()).unwrap();
    assert_eq!(
        json.matches("\"replaces\"").count(),
        1,
        "only when there is one: {json}"
    );
    let back = State::from_json(json.as_bytes(), "loc", "h").unwrap();
    let replaces = |address: &str| {
        back.pending
            .iter()
            .find(|p| p.address == address)
            .and_then(|p| p.replaces.clone())
    };
    assert_eq!(replaces("acm-certificate.site").as_deref(), Some("arn:old"));
    assert_eq!(replaces("s3-bucket.new"), None);
}

// ---- scaling ----

/// A deterministic mix of upserts (new and existing addresses), results, intents and removals.
fn mutation_mix(n: usize) -> Vec<Mutation> {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..n)
        .map(|i| {
            let address = format!("s3-bucket.b{}", next() % 64);
            match next() % 6 {
                0 => Mutation::Remove(address),
                1 => Mutation::Intent(PendingIntent::new(address, Operation::Create, "t")),
                2 => Mutation::Resolve {
                    result: Some(resource(&address, &format!("id-{i}"))),
                    address,
                },
                3 => Mutation::Resolve {
                    address,
                    result: None,
                },
                _ => Mutation::Upsert(resource(&address, &format!("id-{i}"))),
            }
        })
        .collect()
}

#[test]
fn apply_all_is_apply_one_by_one() {
    for n in [0, 1, 5, 50, 500] {
        let mut one_by_one = sample();
        let mut batched = one_by_one.clone();
        for m in mutation_mix(n) {
            m.apply(&mut one_by_one);
        }
        Mutation::apply_all(mutation_mix(n), &mut batched);
        assert_eq!(batched, one_by_one, "{n} mutations");
        assert!(batched
            .resources
            .windows(2)
            .all(|w| w[0].address < w[1].address));
    }
}

#[test]
fn upsert_all_of_100_000_new_resources_is_n_log_n() {
    // The quadratic step was `upsert`'s insertion into the sorted vector: k new resources in
    // graph order (not address order) moved O(N) entries each. `upsert_all` appends and sorts
    // once; its work is counted through the addresses it compares, which must grow as N log N:
    // twice the resources, a little over twice the comparisons, never four times.
    fn comparisons(n: usize) -> usize {
        let mut state = State::new("dev");
        state.upsert_all((0..n / 2).map(|i| resource(&format!("s3-bucket.b{}", i * 2), "x")));
        let mut count = 0;
        let mut counting = |a: &str, b: &str| {
            count += 1;
            a.cmp(b)
        };
        // Odd addresses in reverse, then every even one again: new ones land between existing
        // ones, existing ones are replaced in place.
        let added = (0..n / 2)
            .rev()
            .map(|i| resource(&format!("s3-bucket.b{}", i * 2 + 1), "y"));
        let replaced = (0..n / 2).map(|i| resource(&format!("s3-bucket.b{}", i * 2), "z"));
        state.upsert_all_by(added.chain(replaced), &mut counting);
        assert_eq!(state.resources.len(), n);
        assert!(state
            .resources
            .windows(2)
            .all(|w| w[0].address < w[1].address));
        assert!(state.resources.iter().all(|r| r.id != "x"));
        count
    }
    let half = comparisons(50_000);
    let full = comparisons(100_000);
    assert!(
        full * 10 < half * 25,
        "2x resources cost {full} comparisons against {half}: more than 2.5x"
    );
    // 100,000 new resources in reverse order at once: counted, not timed (no wall-clock bound
    // in a unit test): N log N is ~1.7 million comparisons; the quadratic insertion was billions.
    let mut state = State::new("dev");
    let mut count = 0usize;
    state.upsert_all_by(
        (0..100_000)
            .rev()
            .map(|i| resource(&format!("s3-bucket.b{i}"), "x")),
        &mut |a: &str, b: &str| {
            count += 1;
            a.cmp(b)
        },
    );
    assert_eq!(state.resources.len(), 100_000);
    assert!(
        count < 100_000 * 17 * 2,
        "storing 100,000 resources made {count} comparisons"
    );
}
