//! `eco state ...`, `eco bootstrap`, `eco force-unlock`: local and S3 backends, locking.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use eco_test_support::Moto;

use crate::support::{eco, stderr, stdout};

const MINIMAL: &str = r#"project "statetest"
stage "dev" { account "123456789012"; region "us-east-1" }
s3-bucket "data" { name "statetest-data" }
"#;

fn state_json(stage: &str, lineage: &str, serial: u64, addresses: &[&str]) -> String {
    let resources: Vec<String> = addresses
        .iter()
        .map(|a| {
            let ty = a.split('.').next().unwrap();
            format!(
                r#"{{"address":"{a}","type":"{ty}","id":"id-of-{a}","attributes":{{"name":"n-{a}"}},"dependencies":[]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"format_version":1,"eco_version":"0.1.0","serial":{serial},"lineage":"{lineage}","stage":"{stage}","resources":[{}],"outputs":{{}},"pending":[]}}"#,
        resources.join(",")
    )
}

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.kdl"), config).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str], env: &[(String, String)]) -> std::process::Output {
    eco()
        .args(args)
        .current_dir(dir)
        .envs(env.iter().cloned())
        .output()
        .unwrap()
}

#[test]
fn local_state_round_trip_and_commands() {
    let dir = project(MINIMAL);
    let d = dir.path();
    // No state yet: an empty list.
    let out = run(d, &["state", "list"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");

    let file = d.join("in.json");
    std::fs::write(
        &file,
        state_json("dev", "lin-1", 3, &["s3-bucket.data", "iam-role.api"]),
    )
    .unwrap();
    let out = run(d, &["state", "push", "in.json"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));

    let path = d.join(".eco/state/dev.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let out = run(d, &["state", "list"], &[]);
    assert_eq!(stdout(&out), "iam-role.api\ns3-bucket.data\n");
    let out = run(d, &["state", "show", "s3-bucket.data"], &[]);
    assert!(
        stdout(&out).contains("id = \"id-of-s3-bucket.data\""),
        "{}",
        stdout(&out)
    );

    let out = run(d, &["state", "mv", "s3-bucket.data", "s3-bucket.site"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(d, &["state", "rm", "iam-role.api"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(d, &["state", "list"], &[]);
    assert_eq!(stdout(&out), "s3-bucket.site\n");

    // pull gives the stored document: same lineage, serial one more per write.
    let out = run(d, &["state", "pull"], &[]);
    let pulled: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pulled["lineage"], "lin-1");
    assert_eq!(
        pulled["serial"], 6,
        "push (3 -> 4), mv (5), rm (6): one more per write"
    );
    assert_eq!(pulled["stage"], "dev");

    // push refuses another lineage or a lower serial, unless -force.
    std::fs::write(&file, state_json("dev", "other", 9, &[])).unwrap();
    let out = run(d, &["state", "push", "in.json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("lineage"), "{}", stderr(&out));
    std::fs::write(&file, state_json("dev", "lin-1", 1, &[])).unwrap();
    let out = run(d, &["state", "push", "in.json"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(d, &["state", "push", "-force", "in.json"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&run(d, &["state", "list"], &[])), "");

    // Unknown addresses are clear errors.
    let out = run(d, &["state", "show", "s3-bucket.nope"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("s3-bucket.nope is not in the state of stage `dev`"));
}

#[test]
fn corrupt_local_state_is_an_error_and_is_kept() {
    let dir = project(MINIMAL);
    let d = dir.path();
    std::fs::create_dir_all(d.join(".eco/state")).unwrap();
    std::fs::write(
        d.join(".eco/state/dev.json"),
        "{\"format_version\": 1, \"seri",
    )
    .unwrap();
    let out = run(d, &["state", "rm", "s3-bucket.data"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("corrupt"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(d.join(".eco/state/dev.json")).unwrap(),
        "{\"format_version\": 1, \"seri"
    );
}

fn s3_config(bucket: &str) -> String {
    format!(
        "project \"statetest\"\nbackend \"s3\" bucket=\"{bucket}\" key=\"app\" region=\"us-east-1\" lock-table=\"eco-locks\"\n\
         stage \"dev\" {{ account \"123456789012\"; region \"us-east-1\" }}\n\
         s3-bucket \"data\" {{ name \"statetest-data\" }}\n"
    )
}

#[test]
fn s3_backend_bootstrap_push_and_missing_bucket() {
    let moto = Moto::start();
    let env = moto.env();
    let dir = project(&s3_config("eco-state-e2e"));
    let d = dir.path();

    // Before bootstrap: a clear error naming the next step.
    let out = run(d, &["state", "list", "-stage", "dev"], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("eco bootstrap"), "{}", stderr(&out));

    for _ in 0..2 {
        let out = run(d, &["bootstrap", "-stage", "dev"], &env);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    std::fs::write(
        d.join("in.json"),
        state_json("dev", "lin-s3", 1, &["s3-bucket.data"]),
    )
    .unwrap();
    let out = run(d, &["state", "push", "in.json"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(d, &["state", "list"], &env);
    assert_eq!(stdout(&out), "s3-bucket.data\n");
}

#[test]
fn two_processes_one_lock_then_force_unlock() {
    let moto = Moto::start();
    let env = moto.env();
    let dir = project(&s3_config("eco-state-locks"));
    let d = dir.path();
    assert!(run(d, &["bootstrap"], &env).status.success());
    std::fs::write(
        d.join("in.json"),
        state_json("dev", "lin-l", 1, &["s3-bucket.data", "s3-bucket.b"]),
    )
    .unwrap();
    assert!(run(d, &["state", "push", "in.json"], &env).status.success());

    // Two runs at once: the first holds the lock until the test releases it (no timing
    // window), the second finds it held and fails naming the holder; then the first finishes.
    let bin = assert_cmd::cargo::cargo_bin("eco");
    let spawn = |args: &[&str], hold: &[(&str, String)]| {
        Command::new(&bin)
            .args(args)
            .current_dir(d)
            .envs(env.iter().cloned())
            .env("NO_COLOR", "1")
            .envs(hold.iter().cloned())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let release = d.join("release-lock");
    let held = d.join("release-lock.held");
    let holder_env = [(
        "ECO_TEST_HOLD_LOCK_UNTIL",
        release.to_string_lossy().into_owned(),
    )];
    let a = spawn(&["state", "rm", "s3-bucket.data"], &holder_env);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !held.exists() {
        assert!(
            Instant::now() < deadline,
            "the first run never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let b = spawn(&["state", "rm", "s3-bucket.data"], &[])
        .wait_with_output()
        .unwrap();
    std::fs::write(&release, "").unwrap();
    let a = a.wait_with_output().unwrap();
    assert!(a.status.success(), "a: {}", stderr(&a));
    assert!(!b.status.success(), "b: {}", stderr(&b));
    let loser = if a.status.success() { &b } else { &a };
    assert_eq!(loser.status.code(), Some(1));
    let msg = stderr(loser);
    for want in [
        "is locked",
        "Lock ID:",
        "Held by:",
        "Since:",
        "Operation: state rm",
    ] {
        assert!(msg.contains(want), "missing {want:?} in:\n{msg}");
    }

    // A run that dies holding the lock leaves it behind; force-unlock clears it.
    // It waits for the lock (the probes below take it for a moment while it is free).
    let mut holder = spawn(
        &["state", "rm", "s3-bucket.b", "-lock-timeout", "60s"],
        &[("ECO_TEST_HOLD_LOCK_MS", "60000".to_string())],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let lock_id = loop {
        // A probe that changes nothing whether or not it gets the lock.
        let out = run(d, &["state", "rm", "s3-bucket.probe"], &env);
        let err = stderr(&out);
        if let Some(line) = err.lines().find(|l| l.trim_start().starts_with("Lock ID:")) {
            break line
                .trim_start()
                .trim_start_matches("Lock ID:")
                .trim()
                .to_string();
        }
        if let Some(status) = holder.try_wait().unwrap() {
            let out = holder.wait_with_output().unwrap();
            panic!(
                "the holder exited ({status}) before holding the lock: {}",
                stderr(&out)
            );
        }
        assert!(
            Instant::now() < deadline,
            "the holder never took the lock: {err}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    holder.kill().unwrap();
    holder.wait().unwrap();
    // Its process is gone on this host (issue 20): the next command takes the stale lock over,
    // with no manual step, and says whose lock it took.
    let out = run(d, &["state", "mv", "s3-bucket.b", "s3-bucket.c"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("was held by a run that is gone") && stderr(&out).contains(&lock_id),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&run(d, &["state", "list"], &env)), "s3-bucket.c\n");
    // force-unlock of a lock that is no longer there says so.
    let out = run(d, &["force-unlock", "-stage", "dev", &lock_id], &env);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // A lock an older eco left (no process space recorded) is only reported: force-unlock
    // clears it.
    let mut dead = Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let old_id = "0b7a1c52-6f0e-4c1e-9a57-3d1f0e2b4c11";
    let info = format!(
        r#"{{"ID":"{old_id}","Operation":"apply","Who":"{}","Version":"0.1.0","Created":"2026-11-01T00:00:00Z","Path":"eco-state-locks/app/dev.json"}}"#,
        eco_state::who()
    );
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use aws_sdk_dynamodb::types::AttributeValue;
        eco_aws::Aws::for_endpoint(&moto.endpoint(), "us-east-1")
            .dynamodb()
            .put_item()
            .table_name("eco-locks")
            .item(
                "LockID",
                AttributeValue::S("eco-state-locks/app/dev".into()),
            )
            .item("Info", AttributeValue::S(info))
            .item("Pid", AttributeValue::N(dead_pid.to_string()))
            .send()
            .await
            .unwrap();
    });
    let out = run(d, &["state", "mv", "s3-bucket.c", "s3-bucket.b"], &env);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an older eco's dead lock must still be there"
    );
    assert!(
        stderr(&out).contains(old_id) && stderr(&out).contains("stale"),
        "{}",
        stderr(&out)
    );
    let out = run(d, &["force-unlock", "-stage", "dev", old_id], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(d, &["state", "mv", "s3-bucket.c", "s3-bucket.b"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&run(d, &["state", "list"], &env)), "s3-bucket.b\n");
}

/// A backend that declares its account (`account=`) is refused by every command whose
/// credentials act in another one — bootstrap, state push and state rm included — before any
/// state is touched; the right account works.
#[test]
fn a_backend_in_another_account_than_declared_is_refused_before_touching_state() {
    let moto = Moto::start();
    let env = moto.env();
    let config = s3_config("eco-state-acct").replace(
        "lock-table=\"eco-locks\"",
        "lock-table=\"eco-locks\" account=\"210987654321\"",
    );
    let dir = project(&config);
    let d = dir.path();
    std::fs::write(
        d.join("in.json"),
        state_json("dev", "lin-a", 1, &["s3-bucket.data"]),
    )
    .unwrap();
    for args in [
        &["bootstrap", "-stage", "dev"][..],
        &["state", "push", "in.json"],
        &["state", "rm", "s3-bucket.data"],
        &["state", "list"],
    ] {
        let out = run(d, args, &env);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("declared in account 210987654321")
                && err.contains("act in account 123456789012"),
            "{args:?}: {err}"
        );
    }
    // Nothing was made: the bucket does not exist.
    let out = run(d, &["state", "list"], &env);
    assert_eq!(out.status.code(), Some(1));

    // Declared right (moto's account), bootstrap and push work.
    std::fs::write(
        d.join("main.kdl"),
        config.replace("210987654321", "123456789012"),
    )
    .unwrap();
    assert!(run(d, &["bootstrap", "-stage", "dev"], &env)
        .status
        .success());
    let out = run(d, &["state", "push", "in.json"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
}
