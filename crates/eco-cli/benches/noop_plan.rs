//! A no-change `eco plan` of 200 buckets + 200 tables against moto: wall time and the number of
//! AWS calls (issue #4's measurement; the engine's target is in the performance issue).
//!
//! `cargo bench -p eco-cli --bench noop_plan` (moto from `scripts/install-moto`). Set
//! `ECO_BENCH_N` for another size. Prints one line per measurement.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Instant;

use eco_test_support::Moto;

/// The operation of a call, with REST paths (which name resources) folded to their method and
/// sub-resource (`GET ?versioning`), so that counts group by operation.
fn group(c: &eco_test_support::RecordedCall) -> String {
    if !c.operation.starts_with(&format!("{} /", c.method)) {
        return c.operation.clone();
    }
    match c.url.split_once('?').and_then(|(_, q)| q.split('&').next()) {
        Some(kv) => format!("{} ?{}", c.method, kv.split('=').next().unwrap_or(kv)),
        None => format!("{} (resource)", c.method),
    }
}

fn main() {
    let n: usize = std::env::var("ECO_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let moto = Moto::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = String::from(
        "project \"bench\"\nstage \"dev\" { account \"123456789012\"; region \"us-east-1\" }\n",
    );
    for i in 0..n {
        config.push_str(&format!(
            "s3-bucket \"b{i}\" {{\n    name \"bench-dev-{i}\"\n    versioning #true\n}}\n\
             dynamodb-table \"t{i}\" {{\n    name \"bench-dev-{i}\"\n    hash-key \"pk\" type=\"S\"\n    billing-mode \"PAY_PER_REQUEST\"\n}}\n"
        ));
    }
    std::fs::write(dir.path().join("main.kdl"), config).expect("write config");
    let eco = |args: &[&str]| {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_eco"))
            .args(args)
            .current_dir(dir.path())
            .envs(moto.env())
            .env("NO_COLOR", "1")
            .output()
            .expect("run eco");
        (out, started.elapsed())
    };
    moto.start_recording();
    let (out, apply_time) = eco(&["apply", "-auto-approve", "-parallelism", "10"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let apply_calls = moto.recorded_calls().len();
    println!(
        "apply of {} resources from empty: {:.2} s, {apply_calls} AWS calls",
        2 * n,
        apply_time.as_secs_f64()
    );
    for round in 1..=3 {
        moto.start_recording();
        let (out, t) = eco(&["plan", "-detailed-exitcode"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let calls = moto.recorded_calls();
        let mut by_op: BTreeMap<String, usize> = BTreeMap::new();
        for c in &calls {
            *by_op.entry(group(c)).or_default() += 1;
        }
        let top: Vec<String> = by_op.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!(
            "no-change plan #{round} of {} resources: {:.2} s wall, {} AWS calls ({} per resource): {}",
            2 * n,
            t.as_secs_f64(),
            calls.len(),
            calls.len() as f64 / (2 * n) as f64,
            top.join(" ")
        );
    }
}
