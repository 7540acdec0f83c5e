//! Parse throughput of eco-kdl vs the kdl crate on the same generated 10,000-resource
//! configuration as `crates/eco-graph/benches/parse_and_graph.rs`. Run with
//! `cargo bench -p eco-kdl`; prints the best and median of several runs, in MB/s.
//! Target: >= 30 MB/s for eco-kdl (the 1.4 MB config in < 50 ms).

use std::time::{Duration, Instant};

fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[times.len() / 2])
}

fn main() {
    let text = eco_test_support::bench_configuration(10_000);
    let mb = text.len() as f64 / 1e6;
    let nodes = eco_kdl::parse(&text).expect("valid").nodes.len();
    assert_eq!(nodes, 2 + 3 * (10_000 / 3));

    let runs = if std::env::var_os("ECO_KDL_BENCH_SKIP_KDL").is_some() {
        200
    } else {
        20
    };
    let (best, median) = measure(runs, || {
        let doc = eco_kdl::parse(&text).expect("valid");
        std::hint::black_box(doc);
    });
    println!(
        "eco-kdl: {:.2} MB, best {:.1} ms ({:.0} MB/s), median {:.1} ms ({:.0} MB/s)",
        mb,
        best.as_secs_f64() * 1e3,
        mb / best.as_secs_f64(),
        median.as_secs_f64() * 1e3,
        mb / median.as_secs_f64()
    );

    if std::env::var_os("ECO_KDL_BENCH_SKIP_KDL").is_some() {
        return;
    }
    let (best, median) = measure(3, || {
        let doc = kdl::KdlDocument::parse_v2(&text).expect("valid");
        std::hint::black_box(doc);
    });
    println!(
        "kdl 6.7: {:.2} MB, best {:.1} ms ({:.1} MB/s), median {:.1} ms ({:.1} MB/s)",
        mb,
        best.as_secs_f64() * 1e3,
        mb / best.as_secs_f64(),
        median.as_secs_f64() * 1e3,
        mb / median.as_secs_f64()
    );
}
