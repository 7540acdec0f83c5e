//! eco's benchmark harness (docs/performance.md): generated workloads run through the real `eco`
//! binary against moto on loopback, optionally behind a proxy that adds latency to every
//! request. For each run it reports wall time, CPU time and peak RSS of the `eco` process, and
//! the AWS requests moto received, by operation.
//!
//! ```text
//! cargo build --release --bin eco && cargo run --release -p eco-bench -- [--eco PATH] [SCENARIO...]
//! ```
//! Scenarios: `w301` (apply from empty, then a no-change plan), `latency` (200 buckets through a
//! 50 ms proxy at -parallelism 10: apply, then a no-change plan), `scale:N` (a `-refresh=false`
//! plan over N resources already in state). Without scenarios: all of them, scale at 1k, 10k,
//! 20k and 100k.

mod proxy;
mod workload;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use eco_test_support::Moto;

/// What one `eco` process cost.
struct Measured {
    wall: Duration,
    cpu: Duration,
    peak_rss_mb: f64,
    exit: i32,
    requests: BTreeMap<String, usize>,
    /// How many times the run wrote its stage's state (the serial's rise).
    state_writes: u64,
}

impl Measured {
    fn total_requests(&self) -> usize {
        self.requests.values().sum()
    }

    fn row(&self, what: &str) -> String {
        format!(
            "| {what} | {:.2} s | {:.2} s | {:.0} MB | {} |",
            self.wall.as_secs_f64(),
            self.cpu.as_secs_f64(),
            self.peak_rss_mb,
            self.total_requests()
        )
    }

    fn state_writes(&self) -> String {
        format!("{} state writes", self.state_writes)
    }

    fn top_operations(&self, n: usize) -> String {
        let mut ops: Vec<_> = self.requests.iter().collect();
        ops.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        ops.iter()
            .take(n)
            .map(|(op, count)| format!("{op} {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Runs `eco ARGS` in `dir` with `env`, counting moto's requests, and measures it.
fn run_eco(
    eco: &Path,
    dir: &Path,
    args: &[&str],
    env: &[(String, String)],
    moto: &Moto,
) -> Measured {
    let serial_before = state_serial(dir);
    moto.start_recording();
    // `ECO_BENCH_STDERR=FILE` keeps eco's standard error (with `ECO_LOG=debug`, its log) there,
    // each run appended.
    let stderr = match std::env::var_os("ECO_BENCH_STDERR") {
        Some(path) => std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .expect("ECO_BENCH_STDERR names a file eco-bench can write"),
        None => tempfile::tempfile().expect("temp file for eco's stderr"),
    };
    let start = Instant::now();
    // Reaped by wait4 below, which also gives its resource usage.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(eco)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(std::process::Stdio::null())
        .stderr(stderr.try_clone().expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", eco.display()));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain old data, filled in by wait4 for the child we just spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, not yet waited for; both pointers are valid for the call.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(waited, pid, "wait4 on eco failed");
    let exit = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let cpu = time(usage.ru_utime) + time(usage.ru_stime);
    let mut requests = BTreeMap::new();
    for call in moto.recorded_calls() {
        *requests.entry(call.group()).or_insert(0) += 1;
    }
    if exit != 0 && exit != 2 {
        use std::io::{Read as _, Seek as _};
        let (mut file, mut text) = (stderr, String::new());
        let _ = file.rewind().and_then(|_| file.read_to_string(&mut text));
        panic!("eco {args:?} exited {exit}:\n{text}");
    }
    Measured {
        wall,
        cpu,
        peak_rss_mb: usage.ru_maxrss as f64 / 1024.0,
        exit,
        requests,
        state_writes: state_serial(dir) - serial_before,
    }
}

/// The serial of the `dev` stage's local state in `dir` (0 when there is none yet): it rises by
/// one per state write.
fn state_serial(dir: &Path) -> u64 {
    let Ok(text) = std::fs::read(dir.join(".eco/state/dev.json")) else {
        return 0;
    };
    serde_json::from_slice::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("serial").and_then(serde_json::Value::as_u64))
        .unwrap_or(0)
}

fn workdir(kdl: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.kdl"), kdl).expect("write main.kdl");
    dir
}

fn w301(eco: &Path, out: &mut Vec<String>) {
    let moto = Moto::start();
    let env = moto.env();
    let dir = workdir(&workload::w301(100));
    let apply = run_eco(eco, dir.path(), &["apply", "-auto-approve"], &env, &moto);
    let plan = run_eco(
        eco,
        dir.path(),
        &["plan", "-detailed-exitcode"],
        &env,
        &moto,
    );
    assert_eq!(plan.exit, 0, "the plan after the apply must show no change");
    out.push(apply.row("W301 apply from empty"));
    out.push(plan.row("W301 no-change plan"));
    eprintln!(
        "W301 apply: {}; {}",
        apply.top_operations(12),
        apply.state_writes()
    );
    eprintln!("W301 plan: {}", plan.top_operations(12));
}

fn latency(eco: &Path, out: &mut Vec<String>) {
    let moto = Moto::start();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let endpoint = runtime
        .block_on(proxy::start(moto.endpoint(), Duration::from_millis(50)))
        .expect("proxy starts");
    let env: Vec<(String, String)> = moto
        .env()
        .into_iter()
        .map(|(k, v)| {
            if k == "AWS_ENDPOINT_URL" {
                (k, endpoint.clone())
            } else {
                (k, v)
            }
        })
        .collect();
    let dir = workdir(&workload::buckets(200));
    let apply = run_eco(
        eco,
        dir.path(),
        &["apply", "-auto-approve", "-parallelism", "10"],
        &env,
        &moto,
    );
    let plan = run_eco(
        eco,
        dir.path(),
        &["plan", "-detailed-exitcode", "-parallelism", "10"],
        &env,
        &moto,
    );
    assert_eq!(plan.exit, 0, "the plan after the apply must show no change");
    eprintln!(
        "latency apply: {}; {}",
        apply.top_operations(12),
        apply.state_writes()
    );
    eprintln!("latency plan: {}", plan.top_operations(12));
    out.push(apply.row("200 buckets, 50 ms latency, -parallelism 10: apply"));
    out.push(plan.row("same, no-change plan"));
    drop(runtime);
}

/// Writes the scale:`n` workload into `dir`: its main.kdl, and the state an apply left.
fn emit_scale(n: usize, dir: &Path) {
    let (kdl, state) = workload::scale(n);
    let state_dir = dir.join(".eco/state");
    std::fs::create_dir_all(&state_dir).expect("state dir");
    std::fs::write(dir.join("main.kdl"), kdl).expect("write main.kdl");
    std::fs::write(state_dir.join("dev.json"), state).expect("write state");
}

fn scale(eco: &Path, n: usize, moto: &Moto, out: &mut Vec<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    emit_scale(n, dir.path());
    let plan = run_eco(
        eco,
        dir.path(),
        &["plan", "-refresh=false", "-detailed-exitcode"],
        &moto.env(),
        moto,
    );
    assert_eq!(
        plan.exit, 0,
        "a -refresh=false plan over the applied state must show no change"
    );
    out.push(plan.row(&format!("plan -refresh=false, {n} resources")));
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--emit-scale") {
        // `--emit-scale N DIR`: write the scale:N workload (main.kdl and its state) to DIR, for
        // profiling eco on it by hand.
        let n = args
            .get(1)
            .and_then(|n| n.parse().ok())
            .expect("--emit-scale N DIR");
        let dir = PathBuf::from(args.get(2).expect("--emit-scale N DIR"));
        emit_scale(n, &dir);
        return;
    }
    let mut eco = eco_test_support::workspace_root().join("target/release/eco");
    if let Some(i) = args.iter().position(|a| a == "--eco") {
        eco = PathBuf::from(args.get(i + 1).expect("--eco needs a path"));
        args.drain(i..=i + 1);
    }
    let eco = std::fs::canonicalize(&eco).unwrap_or(eco);
    if !eco.exists() {
        eprintln!("no eco binary at {}: build it with `cargo build --release --bin eco` or pass --eco PATH", eco.display());
        std::process::exit(1);
    }
    if args.is_empty() {
        args = [
            "w301",
            "latency",
            "scale:1000",
            "scale:10000",
            "scale:20000",
            "scale:100000",
        ]
        .map(String::from)
        .to_vec();
    }
    let mut rows = vec![
        "| run | wall | eco CPU | peak RSS | AWS requests |".to_string(),
        "|---|---|---|---|---|".to_string(),
    ];
    let mut scale_moto: Option<Moto> = None;
    for arg in &args {
        match arg.as_str() {
            "w301" => w301(&eco, &mut rows),
            "latency" => latency(&eco, &mut rows),
            other => match other.strip_prefix("scale:").and_then(|n| n.parse().ok()) {
                Some(n) => scale(
                    &eco,
                    n,
                    scale_moto.get_or_insert_with(Moto::start),
                    &mut rows,
                ),
                None => {
                    eprintln!("unknown scenario `{other}`: w301, latency or scale:N");
                    std::process::exit(1);
                }
            },
        }
    }
    println!("eco: {}", eco.display());
    for row in rows {
        println!("{row}");
    }
}
