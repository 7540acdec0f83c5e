//! Issue 21's correctness side: a refresh reads only what the configuration declares (plus what
//! finding the resource and its ownership tags need), and a create records what it set without
//! reading it back, while a no-change plan still sees every change made outside eco.

use crate::support::*;

const CONFIG: &str = r#"
project "perf"
stage "dev" { account "123456789012"; region "us-east-1" }
s3-bucket "b0" { name "perf-${stage}-b0"; tags team="platform" }
s3-bucket "b1" { name "perf-${stage}-b1"; tags team="platform" }
s3-bucket "b2" { name "perf-${stage}-b2"; versioning #true }
dynamodb-table "t0" { name "perf-${stage}-t0"; hash-key "pk" type="S"; billing-mode "PAY_PER_REQUEST" }
dynamodb-table "t1" {
    name "perf-${stage}-t1"
    hash-key "pk" type="S"
    billing-mode "PAY_PER_REQUEST"
    point-in-time-recovery #true
}
"#;

/// The calls moto received, by operation (S3's REST calls as `METHOD ?subresource`).
fn operations(calls: &[eco_test_support::RecordedCall]) -> Vec<String> {
    calls.iter().map(|c| c.group()).collect()
}

fn count(ops: &[String], op: &str) -> usize {
    ops.iter().filter(|o| *o == op).count()
}

#[test]
fn a_create_records_what_it_set_without_reading_it_back() {
    let p = Project::with_main(CONFIG);
    p.moto.start_recording();
    ok(&p.eco(&["apply", "-auto-approve"]));
    let ops = operations(&p.moto.recorded_calls());
    // Buckets: one ListBuckets for the run (are the names free? in us-east-1, where
    // CreateBucket answers 200 for a bucket the account owns; none is listed, so no HeadBucket),
    // CreateBucket, PutBucketTagging, and GetBucketVersioning for the one bucket that declares
    // versioning; no wait for the bucket, no other Get*.
    assert_eq!(count(&ops, "GET ?tagging"), 0, "{ops:?}");
    assert_eq!(count(&ops, "GET ?versioning"), 1, "{ops:?}");
    assert_eq!(
        count(&ops, "GET ?cors") + count(&ops, "GET ?policy"),
        0,
        "{ops:?}"
    );
    assert_eq!(count(&ops, "HEAD ?"), 0, "{ops:?}");
    assert_eq!(count(&ops, "GET ?x-id"), 1, "ListBuckets: {ops:?}");
    assert_eq!(count(&ops, "PUT ?"), 3, "CreateBucket: {ops:?}");
    assert_eq!(count(&ops, "PUT ?tagging"), 3, "{ops:?}");
    // Tables: CreateTable and the wait for ACTIVE; the table with point-in-time recovery also
    // sets and reads it back. Tags were set by CreateTable: not listed again.
    assert_eq!(count(&ops, "ListTagsOfResource"), 1, "{ops:?}");
    assert_eq!(count(&ops, "DescribeTimeToLive"), 0, "{ops:?}");
    // What was recorded is what a full read finds: the next plan has nothing to do.
    p.no_changes();
}

#[test]
fn a_refresh_reads_only_what_is_declared_and_still_sees_changes_made_outside_eco() {
    let p = Project::with_main(CONFIG);
    ok(&p.eco(&["apply", "-auto-approve"]));

    p.moto.start_recording();
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let ops = operations(&p.moto.recorded_calls());
    // One ListBuckets says which buckets exist, one GetResources per service gives the tags of
    // everything the stage owns. Per bucket: versioning only where declared; nothing else (no
    // HEAD: moto's listing does not name regions, AWS's does; either way the region state
    // recorded stands).
    assert_eq!(count(&ops, "GET ?x-id"), 1, "ListBuckets: {ops:?}");
    assert_eq!(count(&ops, "GetResources"), 2, "{ops:?}");
    assert_eq!(count(&ops, "HEAD ?"), 0, "{ops:?}");
    assert_eq!(count(&ops, "GET ?tagging"), 0, "{ops:?}");
    assert_eq!(count(&ops, "GET ?versioning"), 1, "{ops:?}");
    for undeclared in [
        "GET ?cors",
        "GET ?website",
        "GET ?policy",
        "GET ?lifecycle",
        "GET ?encryption",
    ] {
        assert_eq!(count(&ops, undeclared), 0, "{undeclared}: {ops:?}");
    }
    // Per table: DescribeTable; backups only where declared; TTL nowhere; tags from
    // GetResources.
    assert_eq!(count(&ops, "DescribeTable"), 2, "{ops:?}");
    assert_eq!(count(&ops, "ListTagsOfResource"), 0, "{ops:?}");
    assert_eq!(count(&ops, "DescribeContinuousBackups"), 1, "{ops:?}");
    assert_eq!(count(&ops, "DescribeTimeToLive"), 0, "{ops:?}");
    assert_eq!(ops.len(), 1 + 2 + 1 + 2 + 1 + 1, "{ops:?}"); // + GetCallerIdentity

    // Outside eco: b0 deleted, a tag of b1 changed, b2's (declared) versioning suspended, t1's
    // point-in-time recovery turned off.
    let aws = p.aws();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use aws_sdk_s3::types::{BucketVersioningStatus, Tag, Tagging, VersioningConfiguration};
        aws.s3()
            .delete_bucket()
            .bucket("perf-dev-b0")
            .send()
            .await
            .unwrap();
        let tags = aws
            .s3()
            .get_bucket_tagging()
            .bucket("perf-dev-b1")
            .send()
            .await
            .unwrap();
        let changed: Vec<Tag> = tags
            .tag_set()
            .iter()
            .map(|t| match t.key() {
                "team" => Tag::builder()
                    .key("team")
                    .value("someone-else")
                    .build()
                    .unwrap(),
                _ => t.clone(),
            })
            .collect();
        let tagging = Tagging::builder()
            .set_tag_set(Some(changed))
            .build()
            .unwrap();
        aws.s3()
            .put_bucket_tagging()
            .bucket("perf-dev-b1")
            .tagging(tagging)
            .send()
            .await
            .unwrap();
        let suspended = VersioningConfiguration::builder()
            .status(BucketVersioningStatus::Suspended)
            .build();
        aws.s3()
            .put_bucket_versioning()
            .bucket("perf-dev-b2")
            .versioning_configuration(suspended)
            .send()
            .await
            .unwrap();
        let off = aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
            .point_in_time_recovery_enabled(false)
            .build()
            .unwrap();
        aws.dynamodb()
            .update_continuous_backups()
            .table_name("perf-dev-t1")
            .point_in_time_recovery_specification(off)
            .send()
            .await
            .unwrap();
    });
    let out = ok(&p.eco(&["plan"]));
    assert!(
        out.contains("# s3-bucket.b0 will be created (was deleted outside eco)"),
        "{out}"
    );
    assert!(
        out.contains("# s3-bucket.b1 will be updated in place"),
        "{out}"
    );
    assert!(out.contains("someone-else"), "{out}");
    assert!(
        out.contains("# s3-bucket.b2 will be updated in place"),
        "{out}"
    );
    assert!(
        out.contains("# dynamodb-table.t1 will be updated in place"),
        "{out}"
    );
    assert!(!out.contains("dynamodb-table.t0 will"), "{out}");
}

const FUNCTIONS: &str = r#"
project "perf"
stage "dev" { account "123456789012"; region "us-east-1" }
iam-role "fn" { name "perf-dev-fn"; assume-service "lambda.amazonaws.com" }
lambda-function "f0" {
    name "perf-dev-f0"; runtime "nodejs20.x"; handler "index.handler"; source "src"
    role "${iam-role.fn.arn}"
}
lambda-function "f1" {
    name "perf-dev-f1"; runtime "nodejs20.x"; handler "index.handler"; source "src"
    role "${iam-role.fn.arn}"; tags team="platform"
}
lambda-function "f2" {
    name "perf-dev-f2"; runtime "nodejs20.x"; handler "index.handler"; source "src"
    role "${iam-role.fn.arn}"; memory 256; reserved-concurrency 3; publish #true
}
"#;

/// The Lambda calls among `ops` (Lambda's REST paths start with a date: `/2015-03-31/...`).
fn lambda_calls(ops: &[String]) -> Vec<&String> {
    ops.iter()
        .filter(|o| o.contains(" /2015-03-31/") || o.contains(" /2019-09-30/"))
        .collect()
}

#[test]
fn a_refresh_of_functions_lists_them_and_still_sees_changes_made_outside_eco() {
    let p = Project::with_main(FUNCTIONS);
    p.write("src/index.js", "exports.handler = async () => 'ok';\n");
    ok(&p.eco(&["apply", "-auto-approve"]));
    let version = p.attr("lambda-function.f2", "version");
    assert_ne!(version, "$LATEST", "f2 publishes");

    p.moto.start_recording();
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let ops = operations(&p.moto.recorded_calls());
    // One ListFunctions (every version: the published ones give `version`), one GetResources
    // for the tags; per function only the declared reserved concurrency (f2). No GetFunction,
    // ListAliases or ListVersionsByFunction.
    let lambda = lambda_calls(&ops);
    let listing = "GET /2015-03-31/functions?FunctionVersion";
    assert_eq!(
        lambda.iter().filter(|o| **o == listing).count(),
        1,
        "{ops:?}"
    );
    let concurrency = "GET /2019-09-30/functions/concurrency?";
    assert_eq!(
        lambda.iter().filter(|o| **o == concurrency).count(),
        1,
        "{ops:?}"
    );
    assert_eq!(lambda.len(), 2, "{ops:?}");
    assert_eq!(count(&ops, "GetResources"), 1, "{ops:?}");
    assert_eq!(p.attr("lambda-function.f2", "version"), version);
    // The role declares no policies: GetRole only (was also ListAttachedRolePolicies and
    // ListRolePolicies).
    assert_eq!(count(&ops, "GetRole"), 1, "{ops:?}");
    assert_eq!(count(&ops, "ListAttachedRolePolicies"), 0, "{ops:?}");
    assert_eq!(count(&ops, "ListRolePolicies"), 0, "{ops:?}");

    // Outside eco: f0 deleted, a tag of f1 changed, f2's (declared) memory and reserved
    // concurrency changed.
    let aws = p.aws();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let lambda = aws.lambda();
        lambda
            .delete_function()
            .function_name("perf-dev-f0")
            .send()
            .await
            .unwrap();
        let arn = p.attr("lambda-function.f1", "arn");
        lambda
            .tag_resource()
            .resource(arn)
            .tags("team", "someone-else")
            .send()
            .await
            .unwrap();
        lambda
            .update_function_configuration()
            .function_name("perf-dev-f2")
            .memory_size(512)
            .send()
            .await
            .unwrap();
        lambda
            .put_function_concurrency()
            .function_name("perf-dev-f2")
            .reserved_concurrent_executions(7)
            .send()
            .await
            .unwrap();
    });
    let out = ok(&p.eco(&["plan", "-no-color"]));
    assert!(
        out.contains("# lambda-function.f0 will be created (was deleted outside eco)"),
        "{out}"
    );
    assert!(
        out.contains("# lambda-function.f1 will be updated in place"),
        "{out}"
    );
    assert!(out.contains("someone-else"), "{out}");
    assert!(
        out.contains("# lambda-function.f2 will be updated in place"),
        "{out}"
    );
    assert!(out.contains("512") && out.contains('7'), "{out}");
    ok(&p.eco(&["apply", "-auto-approve"]));
    p.no_changes();
}

/// Outside us-east-1 CreateBucket says itself whether the name is taken (by this account:
/// BucketAlreadyOwnedByYou; by another: BucketAlreadyExists), so a bucket declaring only tags is
/// made in two dependent requests: CreateBucket, then PutBucketTagging (moto drops the tags
/// CreateBucket carries; AWS keeps them). Its region is the stage's, its next plan clean; a
/// bucket of that name made by hand is still refused, with the import hint.
#[test]
fn a_bucket_outside_us_east_1_is_made_in_two_requests() {
    let config = r#"
project "perf"
stage "dev" { account "123456789012"; region "eu-west-1" }
s3-bucket "b0" { name "perf-${stage}-eu-b0"; tags team="platform" }
"#;
    let p = Project::with_main(config);
    p.moto.start_recording();
    ok(&p.eco(&["apply", "-auto-approve"]));
    let ops: Vec<String> = operations(&p.moto.recorded_calls())
        .into_iter()
        .filter(|o| o != "GetCallerIdentity")
        .collect();
    assert_eq!(ops, ["PUT ?", "PUT ?tagging"], "{ops:?}");
    assert_eq!(p.attr("s3-bucket.b0", "region"), "eu-west-1");
    p.no_changes();

    let aws = eco_aws::Aws::for_endpoint(&p.moto.endpoint(), "eu-west-1");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conf = aws_sdk_s3::types::CreateBucketConfiguration::builder()
            .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
            .build();
        aws.s3()
            .create_bucket()
            .bucket("perf-dev-eu-manual")
            .create_bucket_configuration(conf)
            .send()
            .await
            .unwrap();
    });
    p.write(
        "main.kdl",
        &format!("{config}s3-bucket \"b1\" {{ name \"perf-dev-eu-manual\"; }}\n"),
    );
    let out = p.eco(&["apply", "-auto-approve"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.contains("eco import"), "{text}");
}

/// GetResources pages are cut at 100 resources and at a number of tags (moto's default is 100,
/// AWS's is its own): eco asks for the largest tag count allowed (500), so a page holds 100
/// resources carrying up to five tags each (three ownership tags and two declared here), and
/// 120 buckets' tags come in two pages, not one per 20 buckets.
#[test]
fn the_tags_of_many_buckets_come_a_hundred_to_a_page() {
    let mut config = String::from(
        "project \"perf\"\nstage \"dev\" { account \"123456789012\"; region \"us-east-1\" }\n",
    );
    for i in 0..120 {
        config.push_str(&format!(
            "s3-bucket \"b{i}\" {{ name \"perf-${{stage}}-many-{i}\"; tags team=\"platform\" owner=\"ops\" }}\n"
        ));
    }
    let p = Project::with_main(&config);
    ok(&p.eco(&["apply", "-auto-approve"]));
    p.moto.start_recording();
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let ops = operations(&p.moto.recorded_calls());
    assert_eq!(count(&ops, "GetResources"), 2, "{ops:?}");
    assert_eq!(count(&ops, "GET ?x-id"), 1, "ListBuckets: {ops:?}");
    assert_eq!(count(&ops, "GET ?tagging"), 0, "{ops:?}");
    assert_eq!(ops.len(), 2 + 1 + 1, "{ops:?}"); // + GetCallerIdentity
}

/// Issue 21's latency apply, counted: N bucket creates in us-east-1 at `-parallelism 4` are one
/// ListBuckets for the run (instead of a HeadBucket per bucket), then CreateBucket and
/// PutBucketTagging each; the frontier's intents share a state write, so the apply writes state
/// about once per result, not twice or more per bucket (the engine's tests bound it exactly).
#[test]
fn bucket_creates_in_us_east_1_share_one_listing() {
    const N: usize = 20;
    let mut config = String::from(
        "project \"perf\"\nstage \"dev\" { account \"123456789012\"; region \"us-east-1\" }\n",
    );
    for i in 0..N {
        config.push_str(&format!(
            "s3-bucket \"b{i}\" {{ name \"perf-${{stage}}-many-b{i}\"; tags team=\"platform\" }}\n"
        ));
    }
    let p = Project::with_main(&config);
    p.moto.start_recording();
    ok(&p.eco(&["apply", "-auto-approve", "-parallelism", "4"]));
    let mut ops = operations(&p.moto.recorded_calls());
    ops.sort();
    let mut want = vec!["GET ?x-id".to_string(), "GetCallerIdentity".to_string()];
    want.extend(std::iter::repeat_n("PUT ?".to_string(), N));
    want.extend(std::iter::repeat_n("PUT ?tagging".to_string(), N));
    want.sort();
    assert_eq!(ops, want);
    let writes = p.state()["serial"].as_u64().unwrap();
    assert!(
        writes <= N as u64 + 4,
        "{writes} state writes for {N} creates"
    );
    p.no_changes();
}
