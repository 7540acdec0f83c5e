//! Plan fidelity on configurations written the way Terraform migrants write them: each applies,
//! and the next plan is empty (no false change, no false replacement).

use crate::support::{ok, stderr, stdout, Project};

const MIGRANT: &str = r#"project "fidelity"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

// Terraform users list the primary name among the SANs; ACM does too, and eco's read leaves it
// out: this must not plan a replacement of a certificate CloudFront and Cognito use.
acm-certificate "site" {
    domain-name "example.com"
    alternative-names "example.com" "www.example.com"
    validation-method "DNS"
}

// Terraform requires the restrictions block, so every migrant writes type "none".
cloudfront-distribution "cdn" {
    origin "site" {
        domain-name "fidelity-site.s3.us-east-1.amazonaws.com"
    }
    default-cache-behavior {
        target-origin "site"
    }
    geo-restriction type="none"
}

cognito-user-pool "users" {
    name "fidelity-users"
    lifecycle prevent-destroy=#false
}

// Units without values, as a migrated aws_cognito_user_pool_client's token_validity_units.
cognito-user-pool-client "web" {
    user-pool "${cognito-user-pool.users.id}"
    name "web"
    token-validity access-unit="hours" id-unit="hours" refresh-unit="days"
}
"#;

#[test]
fn migrant_idioms_apply_once_and_then_plan_no_change() {
    let p = Project::with_main(MIGRANT);
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Resources: 4 added"), "{out}");
    let plan = p.eco(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "a plan right after apply shows changes nobody made:\n{}\n{}",
        stdout(&plan),
        stderr(&plan)
    );
    assert!(stdout(&plan).contains("No changes."));

    // The normal forms hide nothing real: a new alternative name is still a replacement, and a
    // lifetime with its unit is still an update.
    p.edit(
        "\"www.example.com\"",
        "\"www.example.com\" \"api.example.com\"",
    );
    p.edit("access-unit=\"hours\"", "access=2 access-unit=\"hours\"");
    let out = ok(&p.eco(&["plan", "-no-color"]));
    assert!(
        out.contains("# acm-certificate.site must be replaced"),
        "{out}"
    );
    assert!(
        out.contains("# cognito-user-pool-client.web will be updated in place"),
        "{out}"
    );
    assert!(!out.contains("cloudfront-distribution.cdn"), "{out}");
}

/// Swapping two cache behaviors changes which one wins: the plan shows it, apply makes it, and
/// the next plan is empty.
#[test]
fn swapping_two_cache_behaviors_is_a_change_and_one_apply_makes_it() {
    let p = Project::with_main(
        r#"project "order"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

cloudfront-distribution "cdn" {
    origin "site" {
        domain-name "order-site.s3.us-east-1.amazonaws.com"
    }
    origin "api" {
        domain-name "api.example.com"
    }
    default-cache-behavior target-origin="site"
    cache-behavior "/api/v2/*" target-origin="api"
    cache-behavior "/api/*" target-origin="site"
}
"#,
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    let clean = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));

    // The broader pattern first: now it shadows the narrower one.
    let main = std::fs::read_to_string(p.file("main.kdl")).unwrap();
    let v2 = "    cache-behavior \"/api/v2/*\" target-origin=\"api\"\n";
    let all = "    cache-behavior \"/api/*\" target-origin=\"site\"\n";
    p.write(
        "main.kdl",
        &main.replace(&format!("{v2}{all}"), &format!("{all}{v2}")),
    );
    let plan = p.eco(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.status.code(), Some(2), "{}", stdout(&plan));
    assert!(
        stdout(&plan).contains("# cloudfront-distribution.cdn will be updated in place"),
        "{}",
        stdout(&plan)
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    let state = p.state();
    let cdn = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "cloudfront-distribution.cdn")
        .unwrap();
    let order: Vec<&str> = cdn["attributes"]["cache-behavior"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["path-pattern"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["/api/*", "/api/v2/*"]);
    let after = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
}

/// Every example, applied once to its default stage, plans no change the second time: one
/// apply is enough, and nothing reads back differently from what was written. (The Ecogy
/// platform needs the emulator's departures worked around and a bootstrap first: `platform.rs`
/// proves the same of it, for dev and prod.)
#[test]
fn every_example_applied_once_plans_no_change() {
    let examples = std::fs::read_dir(crate::support::repo().join("examples")).unwrap();
    let mut names: Vec<String> = examples
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "ecogy-platform")
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        let p = Project::from_example(&format!("examples/{name}"));
        let apply = p.eco(&["apply", "-auto-approve", "-no-color"]);
        assert!(
            apply.status.success(),
            "{name}: apply failed:\n{}\n{}",
            stdout(&apply),
            stderr(&apply)
        );
        let plan = p.eco(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(
            plan.status.code(),
            Some(0),
            "{name}: the plan after one apply is not empty:\n{}\n{}",
            stdout(&plan),
            stderr(&plan)
        );
    }
}

/// `-replace` of a bucket keeps its name, so its ARN stays known: the role whose policy names it
/// does not change, and the plan does not say "(known after apply)" for it.
#[test]
fn replacing_a_bucket_keeps_what_its_name_determines_known() {
    let p = Project::with_main(
        r#"project "keep"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

s3-bucket "uploads" {
    name "keep-dev-uploads"
}

iam-role "reader" {
    name "keep-reader"
    assume-service "lambda.amazonaws.com"
    inline-policy "read" document="{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"${s3-bucket.uploads.arn}/*\"}]}"
}
"#,
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    let out = ok(&p.eco(&["plan", "-replace", "s3-bucket.uploads", "-no-color"]));
    assert!(
        out.contains("# s3-bucket.uploads must be replaced"),
        "{out}"
    );
    assert!(!out.contains("iam-role.reader"), "{out}");
    assert!(
        out.contains("Plan: 1 to add, 0 to change, 1 to destroy."),
        "{out}"
    );
    assert!(
        !out.contains("arn              = (known after apply)")
            && !out.contains("arn = (known after apply)"),
        "{out}"
    );
    // A new name is a new ARN: then the role follows.
    p.edit("\"keep-dev-uploads\"", "\"keep-dev-uploads-2\"");
    let out = ok(&p.eco(&["plan", "-no-color"]));
    assert!(
        out.contains("# iam-role.reader will be updated in place"),
        "{out}"
    );
}

/// A plan that destroys or replaces a table says how many items it holds (DynamoDB's own count).
#[test]
fn destroying_or_replacing_a_table_says_how_many_items_would_be_lost() {
    let p = Project::from_example("examples/minimal");
    ok(&p.eco(&["apply", "-auto-approve"]));
    let aws = p.aws();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        for i in 0..3 {
            aws.dynamodb()
                .put_item()
                .table_name("minimal-dev-items")
                .item(
                    "pk",
                    aws_sdk_dynamodb::types::AttributeValue::S(format!("p{i}")),
                )
                .item("sk", aws_sdk_dynamodb::types::AttributeValue::S("s".into()))
                .send()
                .await
                .unwrap();
        }
    });
    let out = ok(&p.eco(&["plan", "-replace", "dynamodb-table.items", "-no-color"]));
    assert!(out.contains("about 3 items would be lost"), "{out}");
    let out = p.eco(&["destroy", "-no-color"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains(
            "# dynamodb-table.items will be destroyed (eco destroy: about 3 items would be lost"
        ),
        "{text}"
    );
}

/// A permission on a function's published version, as a Terraform migrant writes it
/// (`publish = true`, `qualifier = aws_lambda_function.api.version`): a code change publishes a
/// new version and the permission follows it in the same apply; the next plan is empty.
#[test]
fn a_permission_on_the_published_version_follows_a_new_version_in_one_apply() {
    let p = Project::with_main(
        r#"project "follow"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

iam-role "api" {
    name "follow-api"
    assume-service "lambda.amazonaws.com"
}

lambda-function "api" {
    name "follow-api"
    runtime "nodejs20.x"
    handler "index.handler"
    source "src"
    role "${iam-role.api.arn}"
    publish #true
}

lambda-permission "gateway" {
    function "${lambda-function.api.name}"
    principal "apigateway.amazonaws.com"
    qualifier "${lambda-function.api.version}"
}
"#,
    );
    p.write("src/index.js", "exports.handler = async () => 'one';\n");
    ok(&p.eco(&["apply", "-auto-approve"]));
    let first = p.attr("lambda-function.api", "version");
    assert_eq!(p.attr("lambda-permission.gateway", "qualifier"), first);

    p.write("src/index.js", "exports.handler = async () => 'two';\n");
    let out = ok(&p.eco(&["plan", "-no-color"]));
    assert!(
        out.contains("# lambda-function.api will be updated in place"),
        "{out}"
    );
    assert!(
        out.contains("# lambda-permission.gateway must be replaced"),
        "the first plan shows the permission following the new version:\n{out}"
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    let second = p.attr("lambda-function.api", "version");
    assert_ne!(second, first, "the code change published a new version");
    assert_eq!(p.attr("lambda-permission.gateway", "qualifier"), second);
    let plan = p.eco(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "one apply is enough:\n{}\n{}",
        stdout(&plan),
        stderr(&plan)
    );

    // Without publish, a code change leaves the version at $LATEST: the permission stays.
    p.edit("publish #true", "publish #false");
    ok(&p.eco(&["apply", "-auto-approve"]));
    p.write("src/index.js", "exports.handler = async () => 'three';\n");
    let out = ok(&p.eco(&["plan", "-no-color"]));
    assert!(
        out.contains("# lambda-function.api will be updated in place"),
        "{out}"
    );
    assert!(!out.contains("lambda-permission.gateway"), "{out}");
}

/// What AWS counts (a queue's messages, a table's items and bytes, a pool's users, a log
/// group's stored bytes) changes without anyone changing the configuration: it is never drift,
/// and a plan after it shows nothing.
#[test]
fn aws_side_counters_are_never_drift() {
    let p = Project::with_main(
        r#"project "counters"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

sqs-queue "jobs" {
    name "counters-jobs"
}

dynamodb-table "items" {
    name "counters-items"
    hash-key "pk" type="S"
}

cognito-user-pool "users" {
    name "counters-users"
    deletion-protection #false
    lifecycle prevent-destroy=#false
}

log-group "app" {
    name "/counters/app"
    retention-in-days 14
}
"#,
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    let aws = p.aws();
    let pool = p.id_of("cognito-user-pool.users");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let queue = aws
            .sqs()
            .get_queue_url()
            .queue_name("counters-jobs")
            .send()
            .await
            .unwrap();
        for i in 0..3 {
            aws.sqs()
                .send_message()
                .queue_url(queue.queue_url().unwrap())
                .message_body(format!("job {i}"))
                .send()
                .await
                .unwrap();
        }
        for i in 0..2 {
            aws.dynamodb()
                .put_item()
                .table_name("counters-items")
                .item(
                    "pk",
                    aws_sdk_dynamodb::types::AttributeValue::S(format!("p{i}")),
                )
                .send()
                .await
                .unwrap();
        }
        aws.cognito_idp()
            .admin_create_user()
            .user_pool_id(&pool)
            .username("someone")
            .send()
            .await
            .unwrap();
        aws.logs()
            .create_log_stream()
            .log_group_name("/counters/app")
            .log_stream_name("s")
            .send()
            .await
            .unwrap();
        aws.logs()
            .put_log_events()
            .log_group_name("/counters/app")
            .log_stream_name("s")
            .log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(
                        std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .unwrap()
                            .as_millis() as i64,
                    )
                    .message("hello")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    // The counters did move (the plan of a replacement names them)...
    let out = ok(&p.eco(&["plan", "-replace", "sqs-queue.jobs", "-no-color"]));
    assert!(out.contains("3 messages"), "{out}");
    // ...and yet nothing changed: no drift, no change.
    let plan = p.eco(&["plan", "-detailed-exitcode", "-no-color"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&plan),
        stderr(&plan)
    );
    assert!(!stdout(&plan).contains("outside"), "{}", stdout(&plan));
    let refresh = ok(&p.eco(&["plan", "-refresh-only", "-no-color"]));
    assert!(!refresh.contains("outside"), "{refresh}");
    assert!(refresh.contains("No changes."), "{refresh}");
}

/// A usage plan's throttle of zeros, as Terraform's `throttle_settings` defaults write it: the
/// SDK leaves a 0 out of the request, so AWS reports no throttle. A limit of 0 is no limit: the
/// plan after apply is empty, and a change to or from zeros, or leaving a limit out, is still an
/// update that one apply makes.
#[test]
fn a_usage_plan_throttle_of_zeros_plans_no_change_and_changes_to_and_from_it_apply_once() {
    let p = Project::with_main(
        r#"project "zeros"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

rest-api "main" {
    name "zeros-api"
}

rest-method "root-get" {
    rest-api "${rest-api.main.id}"
    resource "${rest-api.main.root-resource-id}"
    http-method "GET"
    authorization "NONE"
}

rest-integration "root-get" {
    rest-api "${rest-api.main.id}"
    resource "${rest-api.main.root-resource-id}"
    http-method "${rest-method.root-get.http-method}"
    type "MOCK"
}

rest-deployment "main" {
    rest-api "${rest-api.main.id}"
}

rest-stage "dev" {
    rest-api "${rest-api.main.id}"
    name "dev"
    deployment "${rest-deployment.main.id}"
}

rest-usage-plan "free" {
    name "zeros-free"
    throttle burst-limit=0 rate-limit=0
    api-stage rest-api="${rest-api.main.id}" stage="${rest-stage.dev.name}" {
        method-throttle "/GET" burst-limit=0 rate-limit=0
    }
}
"#,
    );
    ok(&p.eco(&["apply", "-auto-approve", "-no-color"]));
    let clean = |what: &str| {
        let plan = p.eco(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(
            plan.status.code(),
            Some(0),
            "{what}: the next plan shows changes:\n{}\n{}",
            stdout(&plan),
            stderr(&plan)
        );
    };
    clean("a throttle of zeros applied");
    let mut throttle = "throttle burst-limit=0 rate-limit=0".to_string();
    for next in [
        "throttle burst-limit=10 rate-limit=5",
        // The burst limit left out: no limit, 0.
        "throttle rate-limit=5",
        "throttle burst-limit=0 rate-limit=0",
    ] {
        p.edit(&throttle, next);
        let plan = p.eco(&["plan", "-detailed-exitcode", "-no-color"]);
        assert_eq!(plan.status.code(), Some(2), "{next}: {}", stdout(&plan));
        assert!(
            stdout(&plan).contains("# rest-usage-plan.free will be updated in place"),
            "{next}: {}",
            stdout(&plan)
        );
        assert!(
            !stdout(&plan).contains("rest-stage") && !stdout(&plan).contains("must be replaced"),
            "{next}: {}",
            stdout(&plan)
        );
        ok(&p.eco(&["apply", "-auto-approve", "-no-color"]));
        clean(next);
        throttle = next.to_string();
    }
}
