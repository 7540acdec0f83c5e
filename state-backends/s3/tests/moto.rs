//! The S3 backend against moto's server (one server per test; no process environment is changed:
//! each test builds its AWS configuration explicitly).

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::primitives::ByteStream;
use eco_state::{LockInfo, ResourceState, State, StateBackend, StateError, StateVersion};
use eco_state_s3::{S3Backend, S3Settings};
use eco_test_support::Moto;
use serde_json::{json, Map};

async fn sdk_config(moto: &Moto) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(moto.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "testing", "testing", None, None, "eco-test",
        ))
        .load()
        .await
}

fn settings() -> S3Settings {
    S3Settings {
        bucket: "ecogy-eco-state".into(),
        key: "ams".into(),
        lock_table: "eco-locks".into(),
        region: None,
    }
}

async fn backend(moto: &Moto) -> S3Backend {
    S3Backend::from_sdk_config(&sdk_config(moto).await, settings())
}

async fn bootstrapped(moto: &Moto) -> S3Backend {
    let b = backend(moto).await;
    b.bootstrap().await.unwrap();
    b
}

fn resource(address: &str) -> ResourceState {
    ResourceState {
        address: address.to_string(),
        type_: address.split('.').next().unwrap().to_string(),
        id: format!("id-of-{address}"),
        attributes: Map::from_iter([("name".to_string(), json!(address))]),
        dependencies: vec![],
    }
}

#[tokio::test]
async fn bootstrap_twice_makes_a_versioned_encrypted_private_bucket_and_the_table() {
    let moto = Moto::start();
    let b = backend(&moto).await;
    let first = b.bootstrap().await.unwrap();
    assert!(first.bucket_created && first.table_created, "{first:?}");
    let second = b.bootstrap().await.unwrap();
    assert!(
        !second.bucket_created && !second.table_created,
        "{second:?}"
    );

    let config = sdk_config(&moto).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let bucket = "ecogy-eco-state";
    // moto 5.2.5 answers GetBucketVersioning with a `GetBucketVersioningResponse` root element
    // (AWS: `VersioningConfiguration`), which the SDK cannot parse: read the raw answer instead,
    // and check the effect below (each write keeps a version).
    let raw = moto.http("GET", &format!("/{bucket}?versioning")).unwrap();
    assert!(raw.contains("<Status>Enabled</Status>"), "{raw}");
    let encryption = s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let rule = &encryption
        .server_side_encryption_configuration()
        .unwrap()
        .rules()[0];
    let algorithm = rule
        .apply_server_side_encryption_by_default()
        .unwrap()
        .sse_algorithm();
    assert_eq!(algorithm.as_str(), "AES256");
    let block = s3
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let block = block.public_access_block_configuration().unwrap();
    assert_eq!(
        (
            block.block_public_acls(),
            block.ignore_public_acls(),
            block.block_public_policy(),
            block.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );

    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let table = dynamodb
        .describe_table()
        .table_name("eco-locks")
        .send()
        .await
        .unwrap();
    let table = table.table().unwrap();
    let key = &table.key_schema()[0];
    assert_eq!(
        (key.attribute_name(), key.key_type().as_str()),
        ("LockID", "HASH")
    );
    assert_eq!(
        table.attribute_definitions()[0].attribute_type().as_str(),
        "S"
    );
    assert_eq!(
        table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|m| m.as_str()),
        Some("PAY_PER_REQUEST")
    );
    assert_eq!(table.table_status().map(|s| s.as_str()), Some("ACTIVE"));

    // Versioning at work: every write of a state leaves a version to restore.
    let (mut state, mut version) = b.read("dev").await.unwrap().into_state_or_new("dev");
    for _ in 0..3 {
        version = b.write(&mut state, &version).await.unwrap();
    }
    let versions = s3
        .list_object_versions()
        .bucket(bucket)
        .prefix("ams/dev.json")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 3);
}

#[tokio::test]
async fn a_missing_bucket_or_table_names_the_next_step() {
    let moto = Moto::start();
    let b = backend(&moto).await;
    let err = b.read("dev").await.unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, StateError::Missing { kind: "bucket", .. }),
        "{msg}"
    );
    assert!(
        msg.contains("ecogy-eco-state") && msg.contains("eco bootstrap -stage dev"),
        "{msg}"
    );
    let err = b
        .write(&mut State::new("dev"), &StateVersion::absent())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StateError::Missing { kind: "bucket", .. }),
        "{err}"
    );
    let err = b.list_stages().await.unwrap_err();
    assert!(
        matches!(err, StateError::Missing { kind: "bucket", .. }),
        "{err}"
    );
    let err = b
        .lock("dev", &LockInfo::new("apply"), Duration::ZERO)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            StateError::Missing {
                kind: "lock table",
                ..
            }
        ),
        "{msg}"
    );
    assert!(
        msg.contains("eco-locks") && msg.contains("eco bootstrap -stage dev"),
        "{msg}"
    );
    let err = b.lock_holder("dev").await.unwrap_err();
    assert!(
        matches!(
            err,
            StateError::Missing {
                kind: "lock table",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn writes_are_conditional_and_serial_rises_by_one() {
    let moto = Moto::start();
    let b = bootstrapped(&moto).await;
    let snap = b.read("dev").await.unwrap();
    assert!(snap.state.is_none() && snap.version.is_absent());
    let (mut s, v0) = snap.into_state_or_new("dev");
    let lineage = s.lineage.clone();
    s.upsert(resource("s3-bucket.a"));
    let v1 = b.write(&mut s, &v0).await.unwrap();
    assert_eq!(s.serial, 1);
    assert!(v1.tag().is_some_and(|t| !t.is_empty()));
    s.upsert(resource("s3-bucket.b"));
    let v2 = b.write(&mut s, &v1).await.unwrap();
    assert_eq!(s.serial, 2);
    assert_ne!(v1.tag(), v2.tag());

    let read = b.read("dev").await.unwrap();
    assert_eq!(read.version, v2);
    let stored = read.state.unwrap();
    assert_eq!(stored, s);
    assert_eq!(stored.lineage, lineage);

    // A write based on the older ETag is rejected; the stored state is unchanged.
    let mut stale = stored.clone();
    stale.upsert(resource("s3-bucket.stale"));
    let err = b.write(&mut stale, &v1).await.unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert!(
        err.to_string()
            .contains("s3://ecogy-eco-state/ams/dev.json"),
        "{err}"
    );
    // So is a second "first write" of the stage.
    let err = b
        .write(&mut State::new("dev"), &StateVersion::absent())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    let after = b.read("dev").await.unwrap();
    assert_eq!(after.version, v2);
    assert_eq!(after.state.unwrap(), stored);

    // Two writers from the same version: exactly one wins.
    let other = backend(&moto).await;
    let (mut x, mut y) = (stored.clone(), stored.clone());
    x.upsert(resource("s3-bucket.x"));
    y.upsert(resource("s3-bucket.y"));
    let (rx, ry) = tokio::join!(b.write(&mut x, &v2), other.write(&mut y, &v2));
    assert_eq!(
        [rx.is_ok(), ry.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "{rx:?} {ry:?}"
    );
    let winner = if rx.is_ok() { x } else { y };
    let now = b.read("dev").await.unwrap().state.unwrap();
    assert_eq!(now, winner);
    assert_eq!(now.serial, 3);

    let (mut p, pv) = b.read("prod").await.unwrap().into_state_or_new("prod");
    b.write(&mut p, &pv).await.unwrap();
    assert_eq!(b.list_stages().await.unwrap(), ["dev", "prod"]);
}

#[tokio::test]
async fn a_corrupt_object_is_an_error_and_never_overwritten() {
    let moto = Moto::start();
    let b = bootstrapped(&moto).await;
    let config = sdk_config(&moto).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.put_object()
        .bucket("ecogy-eco-state")
        .key("ams/dev.json")
        .body(ByteStream::from_static(
            b"{\"format_version\": 1, \"serial\": ",
        ))
        .send()
        .await
        .unwrap();
    let err = b.read("dev").await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StateError::Corrupt { .. }), "{msg}");
    assert!(
        msg.contains("s3://ecogy-eco-state/ams/dev.json") && msg.contains("list-object-versions"),
        "{msg}"
    );
    // The "nothing stored" path cannot replace it either.
    let err = b
        .write(&mut State::new("dev"), &StateVersion::absent())
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    let body = s3
        .get_object()
        .bucket("ecogy-eco-state")
        .key("ams/dev.json")
        .send()
        .await
        .unwrap();
    let body = body.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], b"{\"format_version\": 1, \"serial\": ");

    // A newer format is refused with its own message.
    let mut doc: serde_json::Value = serde_json::from_slice(&State::new("dev").to_json()).unwrap();
    doc["format_version"] = json!(7);
    s3.put_object()
        .bucket("ecogy-eco-state")
        .key("ams/dev.json")
        .body(ByteStream::from(doc.to_string().into_bytes()))
        .send()
        .await
        .unwrap();
    let err = b.read("dev").await.unwrap_err();
    assert!(
        matches!(err, StateError::UnsupportedVersion { found: 7, .. }),
        "{err}"
    );
}

#[tokio::test]
async fn two_lockers_exactly_one_wins_and_force_unlock_frees_it() {
    let moto = Moto::start();
    let one = bootstrapped(&moto).await;
    let two = backend(&moto).await;
    let (a, b) = (LockInfo::new("apply"), LockInfo::new("destroy"));
    let (ra, rb) = tokio::join!(
        one.lock("dev", &a, Duration::ZERO),
        two.lock("dev", &b, Duration::ZERO)
    );
    let (winner, loser_err, loser) = match (ra, rb) {
        (Ok(w), Err(e)) => (w, e, &two),
        (Err(e), Ok(w)) => (w, e, &one),
        (ra, rb) => panic!("expected exactly one winner: {ra:?} / {rb:?}"),
    };
    assert_eq!(winner.path, "ecogy-eco-state/ams/dev.json");
    match &loser_err {
        StateError::Locked {
            holder: Some(h), ..
        } => assert_eq!(**h, winner),
        other => panic!("{other}"),
    }
    let msg = loser_err.to_string();
    assert!(msg.contains(&winner.id), "{msg}");
    assert!(msg.contains(&winner.who), "{msg}");
    assert!(msg.contains(&winner.created), "{msg}");
    assert!(msg.contains(&winner.operation), "{msg}");
    assert!(
        msg.contains(&format!("eco force-unlock -stage dev {}", winner.id)),
        "{msg}"
    );

    // The item is as documented.
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk_config(&moto).await);
    let item = dynamodb
        .get_item()
        .table_name("eco-locks")
        .key(
            "LockID",
            aws_sdk_dynamodb::types::AttributeValue::S("ecogy-eco-state/ams/dev".into()),
        )
        .send()
        .await
        .unwrap();
    let info = item.item().unwrap()["Info"].as_s().unwrap().clone();
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["ID"], winner.id.as_str());
    assert_eq!(info["Who"], winner.who.as_str());

    assert_eq!(
        loser.lock_holder("dev").await.unwrap(),
        Some(winner.clone())
    );
    // The loser cannot unlock with its own ID, nor force-unlock a wrong one.
    let loser_id = if winner.id == a.id { &b.id } else { &a.id };
    let err = loser.unlock("dev", loser_id).await.unwrap_err();
    assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");
    assert!(loser.force_unlock("dev", "nope").await.is_err());
    assert_eq!(
        loser.lock_holder("dev").await.unwrap(),
        Some(winner.clone())
    );

    // Force-unlock by the holder's ID (its run died), then locking works.
    loser.force_unlock("dev", &winner.id).await.unwrap();
    assert_eq!(loser.lock_holder("dev").await.unwrap(), None);
    let err = loser.force_unlock("dev", &winner.id).await.unwrap_err();
    assert!(matches!(err, StateError::NotLocked { .. }), "{err}");
    let again = LockInfo::new("apply");
    loser.lock("dev", &again, Duration::ZERO).await.unwrap();
    // Another stage has its own lock.
    loser
        .lock("prod", &LockInfo::new("apply"), Duration::ZERO)
        .await
        .unwrap();
    loser.unlock("dev", &again.id).await.unwrap();
    assert_eq!(loser.lock_holder("dev").await.unwrap(), None);
}

#[tokio::test]
async fn a_waiting_locker_gets_the_lock_once_released() {
    let moto = Moto::start();
    let one = bootstrapped(&moto).await;
    let two = backend(&moto).await;
    let first = LockInfo::new("apply");
    one.lock("dev", &first, Duration::ZERO).await.unwrap();
    let id = first.id.clone();
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        one.unlock("dev", &id).await.unwrap();
    });
    let second = LockInfo::new("plan");
    let started = std::time::Instant::now();
    two.lock("dev", &second, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    release.await.unwrap();
    assert_eq!(two.lock_holder("dev").await.unwrap().unwrap().id, second.id);
}

// One thread: the 40 tasks each submit while the writer waits on S3, so which submissions share
// a write does not depend on how the machine schedules threads.
#[tokio::test]
async fn group_committed_writes_against_s3() {
    use eco_state::{Mutation, Operation, PendingIntent, StateWriter};
    use std::sync::Arc;

    let moto = Moto::start();
    let b = Arc::new(bootstrapped(&moto).await);
    let (state, version) = b.read("dev").await.unwrap().into_state_or_new("dev");
    let writer = Arc::new(StateWriter::new(b.clone(), state, version));
    let mut tasks = Vec::new();
    for i in 0..40 {
        let w = writer.clone();
        tasks.push(tokio::spawn(async move {
            let address = format!("s3-bucket.b{i:02}");
            let intent = PendingIntent::new(&address, Operation::Create, format!("token-{i}"));
            w.submit(Mutation::Intent(intent)).await.unwrap();
            w.submit(Mutation::Resolve {
                address: address.clone(),
                result: Some(resource(&address)),
            })
            .await
            .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (last, _) = Arc::try_unwrap(writer)
        .ok()
        .unwrap()
        .finish()
        .await
        .unwrap();
    assert_eq!(last.resources.len(), 40);
    assert!(last.pending.is_empty());
    // 80 durable submissions, far fewer conditional writes (each one a serial).
    assert!(
        last.serial <= 4,
        "80 submissions took {} writes",
        last.serial
    );
    let stored = b.read("dev").await.unwrap().state.unwrap();
    assert_eq!(stored, last);
    let config = sdk_config(&moto).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let versions = s3
        .list_object_versions()
        .bucket("ecogy-eco-state")
        .prefix("ams/dev.json")
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len() as u64, last.serial);
    eprintln!("80 submissions -> {} S3 writes", last.serial);
}

/// A run killed while holding the lock (kill -9: nothing releases the DynamoDB item) leaves a
/// lock the next run reports as stale, with the one command that breaks it; a lock held by a
/// live process is not called stale.
#[tokio::test]
async fn a_lock_whose_process_is_gone_is_reported_stale_with_the_command_that_breaks_it() {
    let moto = Moto::start();
    let b = bootstrapped(&moto).await;
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    // The lock item a killed run left: its info, and the process id of a process that is gone.
    let killed = LockInfo {
        path: "ecogy-eco-state/ams/dev.json".into(),
        ..LockInfo::new("apply")
    };
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk_config(&moto).await);
    dynamodb
        .put_item()
        .table_name("eco-locks")
        .item(
            "LockID",
            AttributeValue::S("ecogy-eco-state/ams/dev".into()),
        )
        .item("Info", AttributeValue::S(killed.to_json()))
        .item("Pid", AttributeValue::N(dead_pid.to_string()))
        .send()
        .await
        .unwrap();
    let err = b
        .lock("dev", &LockInfo::new("apply"), Duration::ZERO)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(err.is_locked(), "{msg}");
    assert!(msg.contains("is gone") && msg.contains("stale"), "{msg}");
    assert!(msg.contains(&format!("process {dead_pid}")), "{msg}");
    assert!(
        msg.contains(&format!("eco force-unlock -stage dev {}", killed.id)),
        "{msg}"
    );
    assert_eq!(
        b.lock_holder("dev").await.unwrap().unwrap().pid,
        Some(dead_pid)
    );
    b.force_unlock("dev", &killed.id).await.unwrap();

    // Held by this (live) process: the usual message, not "stale".
    let live = LockInfo::new("apply");
    b.lock("dev", &live, Duration::ZERO).await.unwrap();
    let msg = b
        .lock("dev", &LockInfo::new("plan"), Duration::ZERO)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        !msg.contains("stale") && msg.contains("wait for that run"),
        "{msg}"
    );
}

/// A lock whose holder is provably gone (same host, same process space, process no longer
/// running: a `kill -9`) is taken over by the next run without a manual step, and the run says
/// whose lock it took; one recorded in another process space (a container or machine with the
/// same host name) is never taken over, nor called stale.
#[tokio::test]
async fn a_lock_whose_process_is_provably_gone_is_taken_over_by_the_next_run() {
    let moto = Moto::start();
    let b = bootstrapped(&moto).await;
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk_config(&moto).await);
    let leave = |info: LockInfo, space: String| {
        let dynamodb = dynamodb.clone();
        async move {
            dynamodb
                .put_item()
                .table_name("eco-locks")
                .item(
                    "LockID",
                    AttributeValue::S("ecogy-eco-state/ams/dev".into()),
                )
                .item("Info", AttributeValue::S(info.to_json()))
                .item("Pid", AttributeValue::N(dead_pid.to_string()))
                .item("Space", AttributeValue::S(space))
                .send()
                .await
                .unwrap();
        }
    };

    // Another process space: the process id says nothing here.
    let elsewhere = LockInfo {
        path: "ecogy-eco-state/ams/dev.json".into(),
        ..LockInfo::new("apply")
    };
    leave(elsewhere.clone(), "another-boot/pid:[1]".into()).await;
    let msg = b
        .lock("dev", &LockInfo::new("apply"), Duration::ZERO)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        !msg.contains("stale") && msg.contains("wait for that run"),
        "{msg}"
    );
    b.force_unlock("dev", &elsewhere.id).await.unwrap();

    // This process space, the process gone: taken over.
    let killed = LockInfo {
        path: "ecogy-eco-state/ams/dev.json".into(),
        ..LockInfo::new("apply")
    };
    let space = eco_state::process_space().expect("Linux has a process space");
    leave(killed.clone(), space).await;
    let mine = LockInfo::new("apply");
    let taken = b.lock("dev", &mine, Duration::ZERO).await.unwrap();
    assert_eq!(taken.id, mine.id);
    let previous = taken
        .took_over
        .expect("the run says whose lock it took over");
    assert_eq!(previous.id, killed.id);
    assert_eq!(previous.pid, Some(dead_pid));
    let holder = b.lock_holder("dev").await.unwrap().unwrap();
    assert_eq!(holder.id, mine.id);
    assert_eq!(holder.pid, Some(std::process::id()));

    // Held by this live process: never taken over.
    let msg = b
        .lock("dev", &LockInfo::new("plan"), Duration::ZERO)
        .await
        .unwrap_err()
        .to_string();
    assert!(msg.contains("wait for that run"), "{msg}");
}

/// Fencing: a run whose lock was force-unlocked (and taken by another run) has its next state
/// write refused before anything is written, naming the new holder; so the engine, which makes
/// no call before its intent is durable, makes no further change.
#[tokio::test]
async fn a_run_whose_lock_was_broken_cannot_write_state() {
    let moto = Moto::start();
    let a = bootstrapped(&moto).await;
    let b = backend(&moto).await;
    let lock_a = a
        .lock("dev", &LockInfo::new("apply"), Duration::ZERO)
        .await
        .unwrap();
    let (mut state, version) = a.read("dev").await.unwrap().into_state_or_new("dev");
    state.upsert(resource("s3-bucket.one"));
    let version = a.write(&mut state, &version).await.unwrap();

    // Run B breaks A's lock and takes it.
    b.force_unlock("dev", &lock_a.id).await.unwrap();
    let lock_b = b
        .lock("dev", &LockInfo::new("apply"), Duration::ZERO)
        .await
        .unwrap();
    state.upsert(resource("s3-bucket.two"));
    let err = a.write(&mut state, &version).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StateError::LockLost { .. }), "{msg}");
    assert!(
        msg.contains(&lock_a.id) && msg.contains(&lock_b.id),
        "{msg}"
    );
    assert!(msg.contains("makes no further change"), "{msg}");
    let stored = b.read("dev").await.unwrap().into_state_or_new("dev").0;
    assert!(stored.resource("s3-bucket.two").is_none());
    assert!(stored.resource("s3-bucket.one").is_some());
    // B, which holds the lock, writes.
    let (mut theirs, v) = b.read("dev").await.unwrap().into_state_or_new("dev");
    theirs.upsert(resource("s3-bucket.three"));
    b.write(&mut theirs, &v).await.unwrap();
    b.unlock("dev", &lock_b.id).await.unwrap();
}
