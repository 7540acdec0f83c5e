//! Issue 21's per-service limits: whatever `-parallelism` allows, eco has no more requests in
//! flight to a service than its limit (`ECO_SERVICE_LIMITS`), and a service that throttles
//! (here: the proxy answers SQS's throttling error to any request beyond two in flight) gets
//! fewer until it stops, and the apply converges.

use eco_test_support::AwsProxy;
use serde_json::json;

use crate::support::{eco, stderr, Project};

const QUEUES: usize = 16;

fn queues() -> Project {
    let mut kdl = String::from(
        "project \"lim\"\nstage \"dev\" { account \"123456789012\"; region \"us-east-1\" }\n",
    );
    for i in 0..QUEUES {
        kdl += &format!("sqs-queue \"q{i}\" {{ name \"lim-${{stage}}-q{i}\" }}\n");
    }
    Project::with_main(&kdl)
}

fn eco_via(p: &Project, proxy: &AwsProxy, limits: &str, args: &[&str]) -> std::process::Output {
    eco()
        .args(args)
        .current_dir(p.path())
        .envs(proxy.env(&p.moto))
        .env("ECO_SERVICE_LIMITS", limits)
        .env("ECO_TEST_TIME_SCALE", "0.2")
        .output()
        .unwrap()
}

#[test]
fn requests_in_flight_to_a_service_never_exceed_its_limit() {
    let p = queues();
    // Every SQS call is held 150 ms so that calls overlap; the rule never answers an error (it
    // counts the calls in flight together).
    let proxy = AwsProxy::start(
        &p.moto,
        &json!([{"name": "sqs", "service": "sqs", "above": 1000, "hold_ms": 150,
                 "error": "throttle"}]),
    );
    let apply = eco_via(
        &p,
        &proxy,
        "sqs=3",
        &["apply", "-auto-approve", "-parallelism", "50"],
    );
    assert!(apply.status.success(), "{}", stderr(&apply));
    let plan = eco_via(
        &p,
        &proxy,
        "sqs=3",
        &["plan", "-detailed-exitcode", "-parallelism", "50"],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let stats = proxy.stats();
    let sqs = &stats["sqs"];
    assert!(
        sqs["matched"].as_u64().unwrap() >= 2 * QUEUES as u64,
        "{stats}"
    );
    assert_eq!(
        sqs["max_in_flight"], 3,
        "at the limit, never above: {stats}"
    );
}

#[test]
fn a_throttling_service_gets_fewer_requests_in_flight_and_the_apply_converges() {
    let p = queues();
    // SQS answers ThrottlingException to a call while two others are in flight; eco may send
    // eight at once until it is throttled.
    let proxy = AwsProxy::start(
        &p.moto,
        &json!([{"name": "sqs", "service": "sqs", "above": 2, "hold_ms": 150,
                 "error": "throttle"}]),
    );
    let apply = eco_via(
        &p,
        &proxy,
        "sqs=8",
        &["apply", "-auto-approve", "-parallelism", "50"],
    );
    assert!(apply.status.success(), "{}", stderr(&apply));
    let stats = proxy.stats();
    let throttled = stats["sqs"]["injected"].as_u64().unwrap();
    assert!(throttled > 0, "the proxy throttled: {stats}");
    let plan = eco_via(
        &p,
        &proxy,
        "sqs=8",
        &["plan", "-detailed-exitcode", "-parallelism", "50"],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    // The plan (a new process, starting at eight again) is throttled too, and converges.
    assert!(
        proxy.stats()["sqs"]["injected"].as_u64().unwrap() > throttled,
        "{}",
        proxy.stats()
    );
}

#[test]
fn parallelism_bounds_the_requests_in_flight_of_all_services_together() {
    // Buckets, tables and queues: three services whose own limits (50, 20, 10) are all above
    // the run's -parallelism, and bucket reads that send several requests at once.
    let mut kdl = String::from(
        "project \"lim\"\nstage \"dev\" { account \"123456789012\"; region \"us-east-1\" }\n",
    );
    for i in 0..6 {
        kdl += &format!("sqs-queue \"q{i}\" {{ name \"lim-${{stage}}-q{i}\" }}\n");
        kdl += &format!(
            "s3-bucket \"b{i}\" {{ name \"lim-${{stage}}-b{i}\"; versioning #true; tags team=\"a\" }}\n"
        );
        kdl += &format!(
            "dynamodb-table \"t{i}\" {{ name \"lim-${{stage}}-t{i}\"; hash-key \"pk\" type=\"S\"; \
             billing-mode \"PAY_PER_REQUEST\"; point-in-time-recovery #true }}\n"
        );
    }
    let p = Project::with_main(&kdl);
    // Every call of every service is held 100 ms and counted together (the rule never fires).
    let proxy = AwsProxy::start(
        &p.moto,
        &json!([{"name": "all", "above": 1000, "hold_ms": 100, "error": "throttle"}]),
    );
    let apply = eco_via(
        &p,
        &proxy,
        "",
        &["apply", "-auto-approve", "-parallelism", "5"],
    );
    assert!(apply.status.success(), "{}", stderr(&apply));
    let plan = eco_via(
        &p,
        &proxy,
        "",
        &["plan", "-detailed-exitcode", "-parallelism", "5"],
    );
    assert_eq!(plan.status.code(), Some(0), "{}", stderr(&plan));
    let stats = proxy.stats();
    assert!(stats["all"]["matched"].as_u64().unwrap() > 100, "{stats}");
    assert_eq!(
        stats["all"]["max_in_flight"], 5,
        "at -parallelism, never above: {stats}"
    );
}
