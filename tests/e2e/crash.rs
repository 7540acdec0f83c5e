//! Issue 20's kill matrix: an apply of 150 resources (buckets, tables, zones and their records,
//! user pools, distributions) killed with SIGKILL at ten points, on the local backend and on the
//! S3 backend (with its DynamoDB lock); and (issue 24) an apply of the serverless family (roles,
//! functions, queues, topics, log groups, parameters, HTTP APIs) killed at six points. Each kill is followed by exactly one `eco apply`, with no
//! manual step: no `force-unlock`, no `import`, no state edit. After it, every resource is live
//! exactly once (nothing made twice), every live resource is in state with its live id (no
//! orphan), the state's serial only rose, and the next plan has nothing to do.
//!
//! The kill points are counts of AWS calls seen by a pass-through proxy in front of moto,
//! spread over the whole apply (from the first creates to the last records): the process is
//! killed the moment the proxy has seen that many, so calls are in flight and intents are
//! pending, as in a real crash.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use eco_test_support::AwsProxy;
use serde_json::json;

use crate::support::{eco, ok, stderr, stdout, Project};

const BUCKETS: usize = 40;
const TABLES: usize = 40;
const ZONES: usize = 2;
const RECORDS_PER_ZONE: usize = 20;
const POOLS: usize = 20;
const DISTRIBUTIONS: usize = 8;
const RESOURCES: usize =
    BUCKETS + TABLES + ZONES + ZONES * RECORDS_PER_ZONE + POOLS + DISTRIBUTIONS;

/// A configuration the matrix kills an apply of, and how to count what it made.
struct Workload {
    /// The name in messages.
    name: &'static str,
    /// How many resources the configuration declares.
    resources: usize,
    /// The configuration, on the local backend or on S3.
    config: fn(bool) -> String,
    /// Files the configuration needs beside main.kdl (path, contents).
    files: &'static [(&'static str, &'static str)],
    /// What is live, by kind.
    live: fn(&Project) -> BTreeMap<&'static str, Vec<String>>,
    /// What state says is live, in the same shape as `live`.
    in_state: fn(&serde_json::Value) -> BTreeMap<&'static str, Vec<String>>,
    /// How many of each kind the configuration declares.
    expected: fn() -> BTreeMap<&'static str, usize>,
}

/// Buckets, tables, zones and their records, user pools and distributions.
const DATA: Workload = Workload {
    name: "data",
    resources: RESOURCES,
    config,
    files: &[],
    live,
    in_state,
    expected: expected_counts,
};

/// The configuration: 150 resources of six types, on the local backend or on S3.
fn config(s3_backend: bool) -> String {
    let mut kdl = String::from("project \"crash\"\n");
    if s3_backend {
        kdl += "backend \"s3\" bucket=\"crash-eco-state\" key=\"app\" region=\"us-east-1\" lock-table=\"eco-locks\"\n";
    }
    kdl += "stage \"dev\" { account \"123456789012\"; region \"us-east-1\" }\n";
    for i in 0..BUCKETS {
        kdl +=
            &format!("s3-bucket \"b{i}\" {{ name \"crash-${{stage}}-b{i}\"; tags n=\"{i}\" }}\n");
    }
    for i in 0..TABLES {
        kdl += &format!(
            "dynamodb-table \"t{i}\" {{ name \"crash-${{stage}}-t{i}\"; hash-key \"pk\" type=\"S\"; billing-mode \"PAY_PER_REQUEST\" }}\n"
        );
    }
    for z in 0..ZONES {
        kdl += &format!("route53-zone \"z{z}\" {{ name \"z{z}.crash.example.com\" }}\n");
        for i in 0..RECORDS_PER_ZONE {
            kdl += &format!(
                "route53-record \"z{z}r{i}\" {{ zone \"${{route53-zone.z{z}.id}}\"; name \"r{i}.z{z}.crash.example.com\"; type \"TXT\"; ttl 60; records \"\\\"v{i}\\\"\" }}\n"
            );
        }
    }
    for i in 0..POOLS {
        kdl += &format!("cognito-user-pool \"p{i}\" {{ name \"crash-${{stage}}-p{i}\" }}\n");
    }
    for i in 0..DISTRIBUTIONS {
        kdl += &format!(
            "cloudfront-distribution \"d{i}\" {{\n    comment \"crash-d{i}\"\n    \
             origin \"web\" {{ domain-name \"crash-dev-b{i}.s3.us-east-1.amazonaws.com\" }}\n    \
             default-cache-behavior target-origin=\"web\" viewer-protocol-policy=\"redirect-to-https\"\n}}\n"
        );
    }
    kdl
}

/// What is live, by kind: the ids (names where AWS names them) of everything this test makes.
fn live(p: &Project) -> BTreeMap<&'static str, Vec<String>> {
    let aws = p.aws();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut live = BTreeMap::new();
        let buckets = aws.s3().list_buckets().send().await.unwrap();
        live.insert(
            "s3-bucket",
            buckets
                .buckets()
                .iter()
                .filter_map(|b| b.name())
                .filter(|n| n.starts_with("crash-dev-"))
                .map(str::to_string)
                .collect(),
        );
        let mut tables = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let out = aws
                .dynamodb()
                .list_tables()
                .set_exclusive_start_table_name(start.clone())
                .send()
                .await
                .unwrap();
            tables.extend(
                out.table_names()
                    .iter()
                    .filter(|t| t.starts_with("crash-"))
                    .cloned(),
            );
            start = out.last_evaluated_table_name().map(str::to_string);
            if start.is_none() {
                break;
            }
        }
        live.insert("dynamodb-table", tables);
        let zones = aws.route53().list_hosted_zones().send().await.unwrap();
        let zones: Vec<_> = zones
            .hosted_zones()
            .iter()
            .filter(|z| z.name().ends_with("crash.example.com."))
            .cloned()
            .collect();
        let mut records = Vec::new();
        for z in &zones {
            let sets = aws
                .route53()
                .list_resource_record_sets()
                .hosted_zone_id(z.id())
                .send()
                .await
                .unwrap();
            records.extend(
                sets.resource_record_sets()
                    .iter()
                    .filter(|r| r.r#type().as_str() == "TXT")
                    .map(|r| r.name().trim_end_matches('.').to_string()),
            );
        }
        live.insert(
            "route53-zone",
            zones
                .iter()
                .map(|z| z.id().trim_start_matches("/hostedzone/").to_string())
                .collect(),
        );
        live.insert("route53-record", records);
        let pools = aws
            .cognito_idp()
            .list_user_pools()
            .max_results(60)
            .send()
            .await
            .unwrap();
        live.insert(
            "cognito-user-pool",
            pools
                .user_pools()
                .iter()
                .filter(|p| p.name().unwrap_or_default().starts_with("crash-"))
                .filter_map(|p| p.id().map(str::to_string))
                .collect(),
        );
        let dists = aws.cloudfront().list_distributions().send().await.unwrap();
        live.insert(
            "cloudfront-distribution",
            dists
                .distribution_list()
                .map(|l| l.items())
                .unwrap_or_default()
                .iter()
                .filter(|d| d.comment().starts_with("crash-"))
                .map(|d| d.id().to_string())
                .collect(),
        );
        for ids in live.values_mut() {
            ids.sort();
        }
        live
    })
}

/// What state says is live, in the same shape as [`live`]: records by name, the rest by id.
fn in_state(state: &serde_json::Value) -> BTreeMap<&'static str, Vec<String>> {
    let mut by_type: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for kind in [
        "s3-bucket",
        "dynamodb-table",
        "route53-zone",
        "route53-record",
        "cognito-user-pool",
        "cloudfront-distribution",
    ] {
        let mut ids: Vec<String> = state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["type"] == kind)
            .map(|r| {
                if kind == "route53-record" {
                    r["attributes"]["name"]
                        .as_str()
                        .unwrap()
                        .trim_end_matches('.')
                        .to_string()
                } else {
                    r["id"].as_str().unwrap().to_string()
                }
            })
            .collect();
        ids.sort();
        by_type.insert(kind, ids);
    }
    by_type
}

/// How many of each kind the configuration declares.
fn expected_counts() -> BTreeMap<&'static str, usize> {
    BTreeMap::from([
        ("s3-bucket", BUCKETS),
        ("dynamodb-table", TABLES),
        ("route53-zone", ZONES),
        ("route53-record", ZONES * RECORDS_PER_ZONE),
        ("cognito-user-pool", POOLS),
        ("cloudfront-distribution", DISTRIBUTIONS),
    ])
}

fn counts(ids: &BTreeMap<&'static str, Vec<String>>) -> BTreeMap<&'static str, usize> {
    ids.iter().map(|(k, v)| (*k, v.len())).collect()
}

/// A project with the configuration, its state backend made when it is S3.
fn project(w: &Workload, s3_backend: bool) -> Project {
    let p = Project::with_main(&(w.config)(s3_backend));
    for (path, text) in w.files {
        p.write(path, text);
    }
    if s3_backend {
        ok(&p.eco(&["bootstrap", "-stage", "dev"]));
    }
    p
}

/// Every call passes; the rule (which never fires) only counts them.
fn counting() -> serde_json::Value {
    json!([{"name": "all", "times": 0, "error": {"status": 500, "code": "InternalError", "message": "never sent"}}])
}

/// The state's serial, or 0 before the first write.
fn serial(p: &Project) -> u64 {
    let out = p.eco(&["state", "pull"]);
    if !out.status.success() {
        return 0;
    }
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .map(|s| s["serial"].as_u64().unwrap_or(0))
        .unwrap_or(0)
}

/// How many AWS calls a whole apply of the configuration makes (through the counting proxy).
fn calls_of_a_whole_apply(w: &Workload, s3_backend: bool) -> u64 {
    let p = project(w, s3_backend);
    let proxy = AwsProxy::start(&p.moto, &counting());
    let out = eco()
        .args(["apply", "-auto-approve", "-no-color"])
        .current_dir(p.path())
        .envs(proxy.env(&p.moto))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    let calls = proxy.stats()["all"]["matched"].as_u64().unwrap();
    assert!(
        calls > w.resources as u64,
        "the proxy counts the calls: {calls}"
    );
    calls
}

/// One kill point: the apply killed after `calls` AWS calls, then one apply with no manual step.
fn killed_after(w: &Workload, s3_backend: bool, calls: u64) {
    let backend = format!("{}, {}", w.name, if s3_backend { "s3" } else { "local" });
    let p = project(w, s3_backend);
    let before = serial(&p);
    let proxy = AwsProxy::start(&p.moto, &counting());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("eco"))
        .args(["apply", "-auto-approve", "-no-color"])
        .current_dir(p.path())
        .envs(proxy.env(&p.moto))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let seen = loop {
        let seen = proxy.stats()["all"]["matched"].as_u64().unwrap_or(0);
        if seen >= calls {
            child.kill().unwrap(); // SIGKILL
            break seen;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{backend}: the apply ended ({status}) after {seen} calls, before the kill point {calls}");
        }
        assert!(
            Instant::now() < deadline,
            "{backend}: no kill point in time"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    child.wait().unwrap();
    drop(proxy);
    let killed = serial(&p);
    assert!(killed >= before, "{backend} @{calls}: serial fell");

    // One apply, no manual step.
    let out = p.eco(&["apply", "-auto-approve", "-no-color"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        out.status.success(),
        "{backend}, killed after {seen} calls: the next apply did not finish:\n{text}"
    );
    if s3_backend {
        // The killed run's DynamoDB lock item is still there: taken over, and said so.
        assert!(
            text.contains("was held by a run that is gone") && text.contains("eco took it over"),
            "{backend} @{seen}: {text}"
        );
    }
    let state = p.state();
    let after = state["serial"].as_u64().unwrap();
    assert!(
        after > killed,
        "{backend} @{seen}: serial {killed} -> {after}"
    );
    assert!(
        state["pending"].as_array().is_none_or(|a| a.is_empty()),
        "{backend} @{seen}: intents left: {state:#}"
    );
    assert_eq!(
        state["resources"].as_array().unwrap().len(),
        w.resources,
        "{backend} @{seen}"
    );
    let live = (w.live)(&p);
    assert_eq!(
        counts(&live),
        (w.expected)(),
        "{backend}, killed after {seen} calls: made twice or missing"
    );
    assert_eq!(
        live,
        (w.in_state)(&state),
        "{backend}, killed after {seen} calls: live and state differ (an orphan)"
    );
    p.no_changes();
    eprintln!("{backend}: killed after {seen} calls (point {calls}); serial {before} -> {killed} -> {after}");
}

/// `points` kill points over the whole apply, evenly spread from the first of `points + 1`
/// parts of its calls to the last (the last point lands among the final creates).
fn kill_matrix(w: &'static Workload, s3_backend: bool, points: u64) {
    let total = calls_of_a_whole_apply(w, s3_backend);
    eprintln!(
        "{}, {}: a whole apply of {} resources makes {total} calls",
        w.name,
        if s3_backend { "s3" } else { "local" },
        w.resources
    );
    let points: Vec<u64> = (1..=points).map(|k| total * k / (points + 1)).collect();
    // Two at a time: each has its own moto, proxy and project.
    for pair in points.chunks(2) {
        let handles: Vec<_> = pair
            .iter()
            .map(|&calls| std::thread::spawn(move || killed_after(w, s3_backend, calls)))
            .collect();
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

#[test]
fn an_apply_of_150_resources_killed_at_ten_points_converges_with_one_apply_local_backend() {
    kill_matrix(&DATA, false, 10);
}

#[test]
fn an_apply_of_150_resources_killed_at_ten_points_converges_with_one_apply_s3_backend() {
    kill_matrix(&DATA, true, 10);
}

// ---- the serverless workload: roles, functions, queues, topics, log groups, parameters, APIs ----

const ROLES: usize = 10;
const FUNCTIONS: usize = 10;
const QUEUES: usize = 10;
const TOPICS: usize = 10;
const LOG_GROUPS: usize = 10;
const PARAMETERS: usize = 10;
const APIS: usize = 4;

/// Roles, functions (each with its own role), queues, topics, log groups, parameters and HTTP
/// APIs (found by their ownership tags alone: the hardest case for a create after a crash).
const SERVERLESS: Workload = Workload {
    name: "serverless",
    resources: ROLES + FUNCTIONS + QUEUES + TOPICS + LOG_GROUPS + PARAMETERS + APIS,
    config: serverless_config,
    files: &[(
        "functions/hello/index.js",
        "exports.handler = async () => ({ statusCode: 200 });\n",
    )],
    live: serverless_live,
    in_state: serverless_in_state,
    expected: serverless_expected,
};

const SERVERLESS_KINDS: [(&str, usize); 7] = [
    ("iam-role", ROLES),
    ("lambda-function", FUNCTIONS),
    ("sqs-queue", QUEUES),
    ("sns-topic", TOPICS),
    ("log-group", LOG_GROUPS),
    ("ssm-parameter", PARAMETERS),
    ("api", APIS),
];

fn serverless_config(s3_backend: bool) -> String {
    assert!(
        !s3_backend,
        "the serverless workload runs on the local backend"
    );
    let mut kdl = String::from(
        "project \"crash\"\nstage \"dev\" { account \"123456789012\"; region \"us-east-1\" }\n",
    );
    for i in 0..ROLES {
        kdl += &format!(
            "iam-role \"r{i}\" {{ name \"crash-${{stage}}-r{i}\"; assume-service \"lambda.amazonaws.com\" }}\n"
        );
    }
    for i in 0..FUNCTIONS {
        kdl += &format!(
            "lambda-function \"f{i}\" {{ name \"crash-${{stage}}-f{i}\"; runtime \"nodejs20.x\"; \
             handler \"index.handler\"; source \"./functions/hello\"; role \"${{iam-role.r{i}.arn}}\" }}\n"
        );
    }
    for i in 0..QUEUES {
        kdl += &format!("sqs-queue \"q{i}\" {{ name \"crash-${{stage}}-q{i}\" }}\n");
    }
    for i in 0..TOPICS {
        kdl += &format!("sns-topic \"t{i}\" {{ name \"crash-${{stage}}-t{i}\" }}\n");
    }
    for i in 0..LOG_GROUPS {
        kdl += &format!(
            "log-group \"l{i}\" {{ name \"/crash/${{stage}}/l{i}\"; retention-in-days 7 }}\n"
        );
    }
    for i in 0..PARAMETERS {
        kdl += &format!(
            "ssm-parameter \"p{i}\" {{ name \"/crash/${{stage}}/p{i}\"; type \"String\"; value \"v{i}\" }}\n"
        );
    }
    for i in 0..APIS {
        kdl += &format!("api \"a{i}\" {{ name \"crash-${{stage}}-a{i}\" }}\n");
    }
    kdl
}

/// What is live, by kind: names (so that a second resource of one name counts twice).
fn serverless_live(p: &Project) -> BTreeMap<&'static str, Vec<String>> {
    let aws = p.aws();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut live: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        let roles = aws.iam().list_roles().max_items(1000).send().await.unwrap();
        live.insert(
            "iam-role",
            roles
                .roles()
                .iter()
                .map(|r| r.role_name().to_string())
                .filter(|n| n.starts_with("crash-"))
                .collect(),
        );
        let functions = aws.lambda().list_functions().send().await.unwrap();
        live.insert(
            "lambda-function",
            functions
                .functions()
                .iter()
                .filter_map(|f| f.function_name().map(str::to_string))
                .filter(|n| n.starts_with("crash-"))
                .collect(),
        );
        let queues = aws
            .sqs()
            .list_queues()
            .queue_name_prefix("crash-")
            .send()
            .await
            .unwrap();
        live.insert(
            "sqs-queue",
            queues
                .queue_urls()
                .iter()
                .map(|u| u.rsplit('/').next().unwrap().to_string())
                .collect(),
        );
        let topics = aws.sns().list_topics().send().await.unwrap();
        live.insert(
            "sns-topic",
            topics
                .topics()
                .iter()
                .filter_map(|t| t.topic_arn())
                .map(|a| a.rsplit(':').next().unwrap().to_string())
                .filter(|n| n.starts_with("crash-"))
                .collect(),
        );
        let groups = aws
            .logs()
            .describe_log_groups()
            .log_group_name_prefix("/crash/")
            .send()
            .await
            .unwrap();
        live.insert(
            "log-group",
            groups
                .log_groups()
                .iter()
                .filter_map(|g| g.log_group_name().map(str::to_string))
                .collect(),
        );
        let pages = aws
            .ssm()
            .get_parameters_by_path()
            .path("/crash/")
            .recursive(true)
            .max_results(10)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .unwrap();
        live.insert(
            "ssm-parameter",
            pages
                .iter()
                .flat_map(|page| page.parameters())
                .filter_map(|p| p.name().map(str::to_string))
                .collect(),
        );
        let apis = aws.apigatewayv2().get_apis().send().await.unwrap();
        live.insert(
            "api",
            apis.items()
                .iter()
                .filter_map(|a| a.name().map(str::to_string))
                .filter(|n| n.starts_with("crash-"))
                .collect(),
        );
        for names in live.values_mut() {
            names.sort();
        }
        live
    })
}

/// What state says is live, by kind: the names it records.
fn serverless_in_state(state: &serde_json::Value) -> BTreeMap<&'static str, Vec<String>> {
    SERVERLESS_KINDS
        .iter()
        .map(|(kind, _)| {
            let mut names: Vec<String> = state["resources"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["type"] == *kind)
                .map(|r| r["attributes"]["name"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            (*kind, names)
        })
        .collect()
}

fn serverless_expected() -> BTreeMap<&'static str, usize> {
    SERVERLESS_KINDS.into_iter().collect()
}

/// Issue 24's "real-process kills for more types": the same matrix over the serverless family,
/// six kill points on the local backend (the S3 backend's lock takeover does not depend on the
/// types, and the data workload proves it).
#[test]
fn an_apply_of_the_serverless_family_killed_at_six_points_converges_with_one_apply() {
    kill_matrix(&SERVERLESS, false, 6);
}
