//! Parse + check + graph a generated configuration of 10,000 resources (issue #2's target:
//! under 200 ms). Run with `cargo bench -p eco-graph`; prints min and median of 10 runs.
//!
//! The configuration mixes buckets, tables and roles; every role references a bucket and a
//! table, so the graph has 2 edges per 3 resources.

use std::time::{Duration, Instant};

use eco_config::{parse_sources, Sources};
use eco_graph::ResourceGraph;
use eco_schema::{Attribute, Registry, ScalarType, Schema};

/// The attributes the generated configuration uses, as the real types declare them.
fn registry() -> Registry {
    let mut r = Registry::new();
    r.register(
        Schema::new("s3-bucket", "")
            .attr(Attribute::string("name").required().forces_replacement())
            .attr(Attribute::bool("versioning"))
            .taggable(),
    );
    r.register(
        Schema::new("dynamodb-table", "")
            .attr(Attribute::string("name").required().forces_replacement())
            .attr(Attribute::labeled_block(
                "hash-key",
                "name",
                vec![Attribute::string("name"), Attribute::string("type")],
            ))
            .attr(Attribute::string("billing-mode"))
            .attr(Attribute::repeated_block(
                "gsi",
                "name",
                vec![
                    Attribute::string("name"),
                    Attribute::string("hash-key"),
                    Attribute::string("type"),
                ],
            ))
            .attr(Attribute::string("arn").computed()),
    );
    r.register(
        Schema::new("iam-role", "")
            .attr(Attribute::string("name").required())
            .attr(Attribute::list("assume-service", ScalarType::String))
            .attr(Attribute::string("description")),
    );
    r
}

fn main() {
    let n = 10_000;
    let text = eco_test_support::bench_configuration(n);
    let registry = registry();
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..10 {
        let start = Instant::now();
        let mut sources = Sources::new();
        sources.add("bench.kdl", text.clone());
        let config = parse_sources(sources, &registry).expect("generated config is valid");
        let graph = ResourceGraph::from_config(&config).expect("acyclic");
        times.push(start.elapsed());
        count = graph.len();
        assert_eq!(graph.edges().len(), 2 * (n / 3));
    }
    times.sort();
    let t = Instant::now();
    let _ = kdl::KdlDocument::parse_v2(&text).unwrap();
    println!("kdl parse alone: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let median: Duration = times[times.len() / 2];
    println!(
        "parse+check+graph of {count} resources ({} KiB of KDL): min {:.1} ms, median {:.1} ms (target < 200 ms)",
        text.len() / 1024,
        times[0].as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3
    );
}
