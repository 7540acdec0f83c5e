//! Real AWS is eventually consistent and serializes some writes; moto is neither. These tests
//! put the AWS-behaviour proxy (`tests/support/aws_proxy.py`) between the real `eco` binary and
//! moto, scripted to answer what AWS answers (docs/aws-behaviour.md), and prove that eco rides
//! it out: retried for the type's time budget (scaled down by ECO_TEST_TIME_SCALE), writes AWS
//! serializes never in flight together, and a used-up quota failing at once.

use eco_test_support::AwsProxy;
use serde_json::{json, Value};

use crate::support::*;

/// Budgets at 5 %: 5 minutes are 15 s, 20 minutes a minute.
const TIME_SCALE: &str = "0.05";

impl Project {
    /// Runs eco in the project through `proxy`, with scaled budgets.
    fn eco_via(&self, proxy: &AwsProxy, args: &[&str]) -> std::process::Output {
        eco()
            .args(args)
            .current_dir(self.path())
            .envs(proxy.env(&self.moto))
            .env("ECO_TEST_TIME_SCALE", TIME_SCALE)
            .output()
            .unwrap()
    }
}

/// Asserts that each named rule answered its error at least once.
fn fired(proxy: &AwsProxy, rules: &[&str]) {
    let stats = proxy.stats();
    for rule in rules {
        assert!(
            stats[rule]["injected"].as_u64().unwrap_or(0) > 0,
            "rule {rule} never fired: {stats}"
        );
    }
}

/// Asserts that the writes a lane rule watched were never in flight together (and that there
/// were several).
fn one_at_a_time(proxy: &AwsProxy, rule: &str) {
    let stats = proxy.stats();
    assert!(stats[rule]["matched"].as_u64().unwrap_or(0) >= 2, "{stats}");
    assert_eq!(stats[rule]["max_in_flight"], 1, "{rule}: {stats}");
    assert_eq!(stats[rule]["injected"], 0, "{rule}: {stats}");
}

fn aws_error(status: u16, code: &str, message: &str) -> Value {
    json!({"status": status, "code": code, "message": message})
}

/// examples/serverless-api (main.kdl, with a literal JWT issuer instead of the Cognito pool).
fn serverless() -> Project {
    let p = Project::empty();
    let example = repo().join("examples/serverless-api");
    copy_dir(&example.join("functions"), &p.file("functions"));
    let text = std::fs::read_to_string(example.join("main.kdl"))
        .unwrap()
        .replace(
            "jwt issuer=\"${cognito-user-pool.users.issuer}\"",
            "jwt issuer=\"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test\"",
        )
        .replace(
            "audience \"${cognito-user-pool-client.web.id}\"",
            "audience \"test-client\"",
        );
    // A second statement in one function's policy: AWS writes a function's policy one change
    // at a time.
    let text = format!(
        "{text}\nlambda-permission \"assets-events\" {{\n    function \"${{lambda-function.assets.name}}\"\n    principal \"events.amazonaws.com\"\n    statement-id \"events\"\n}}\n"
    );
    p.write("main.kdl", &text);
    p
}

const CONCURRENT: &str =
    "Unable to complete operation due to concurrent modification. Please try again later.";

#[test]
fn serverless_api_rides_out_role_propagation_and_api_and_policy_conflicts() {
    let p = serverless();
    let create_function = "^/2015-03-31/functions/?$";
    let api_children = "^/v2/apis/[^/]+/(routes|integrations|authorizers|stages)";
    let policy = "^/2015-03-31/functions/[^/]+/policy";
    let proxy = AwsProxy::start(
        &p.moto,
        &json!([
            {"name": "role-not-assumable", "service": "lambda", "method": "POST",
             "path": create_function, "body": "serverless-dev-users\"", "seconds": 6,
             "error": aws_error(400, "InvalidParameterValueException",
                 "The role defined for the function cannot be assumed by Lambda.")},
            {"name": "kms-grant", "service": "lambda", "method": "POST",
             "path": create_function, "body": "serverless-dev-assets\"", "times": 6,
             "error": aws_error(400, "InvalidParameterValueException",
                 "Lambda was unable to configure access to your environment variables because the KMS key is invalid for CreateGrant. Please check your KMS key settings.")},
            {"name": "api-conflict", "service": "apigateway", "method": "POST",
             "path": api_children, "every": 2,
             "error": aws_error(409, "ConflictException", CONCURRENT)},
            {"name": "api-lane", "service": "apigateway", "path": api_children,
             "method": ["POST", "PATCH", "PUT", "DELETE"], "key": "/v2/apis/([^/?]+)/", "concurrent": true, "hold_ms": 150,
             "error": aws_error(409, "ConflictException", CONCURRENT)},
            {"name": "policy-conflict", "service": "lambda", "method": "POST", "path": policy,
             "key": "/functions/([^/]+)/policy", "times": 2,
             "error": aws_error(409, "ResourceConflictException",
                 "The operation cannot be performed at this time. The resource's policy is being updated.")},
            {"name": "policy-lane", "service": "lambda", "method": "POST", "path": policy,
             "key": "/functions/([^/]+)/policy", "concurrent": true, "hold_ms": 150,
             "error": aws_error(409, "ResourceConflictException", "The resource's policy is being updated.")},
        ]),
    );
    let out = p.eco_via(&proxy, &["apply", "-auto-approve"]);
    let text = ok(&out);
    assert!(
        text.contains("Apply complete! Resources: 13 added"),
        "{text}"
    );
    fired(
        &proxy,
        &[
            "role-not-assumable",
            "kms-grant",
            "api-conflict",
            "policy-conflict",
        ],
    );
    // More refusals than the four tries of the count policy: the rules' budgets carried them.
    assert!(proxy.injected("kms-grant") == 6, "{}", proxy.stats());
    one_at_a_time(&proxy, "api-lane");
    one_at_a_time(&proxy, "policy-lane");
    drop(proxy);
    p.no_changes();
}

#[test]
fn data_dns_and_certificates_ride_out_consistency_delays_and_delete_conflicts() {
    let p = Project::with_main(
        r#"
project "beh"
stage "dev" {
    account "123456789012"
    region "us-east-1"
}
route53-zone "main" {
    name "beh.example.com"
}
acm-certificate "site" {
    domain-name "beh.example.com"
    validation-method "DNS"
    region "us-east-1"
    validation-zone "${route53-zone.main.id}"
}
s3-bucket "data" {
    name "beh-dev-data"
    versioning #true
}
dynamodb-table "items" {
    name "beh-dev-items"
    hash-key "pk" type="S"
    billing-mode "PAY_PER_REQUEST"
    point-in-time-recovery #true
}
iam-role "fn" {
    name "beh-dev-fn"
    assume-service "lambda.amazonaws.com"
}
route53-record "a" {
    zone "${route53-zone.main.id}"
    name "a.beh.example.com"
    type "TXT"
    ttl 300
    records "a"
}
route53-record "b" {
    zone "${route53-zone.main.id}"
    name "b.beh.example.com"
    type "TXT"
    ttl 300
    records "b"
}
"#,
    );
    let proxy = AwsProxy::start(
        &p.moto,
        &json!([
            {"name": "pitr-unavailable", "service": "dynamodb",
             "operation": "UpdateContinuousBackups", "seconds": 8,
             "error": aws_error(400, "ContinuousBackupsUnavailableException",
                 "Backups are being enabled for the table: beh-dev-items. Please retry later")},
            {"name": "bucket-not-visible", "service": "s3", "method": "PUT",
             "path": "^/beh-dev-data/?\\?versioning", "times": 5,
             "error": aws_error(404, "NoSuchBucket", "The specified bucket does not exist")},
            // The first call after CreateBucket (no wait in between, as on AWS) sees no bucket.
            {"name": "tagging-not-visible", "service": "s3", "method": "PUT",
             "path": "^/beh-dev-data/?\\?tagging", "times": 2,
             "error": aws_error(404, "NoSuchBucket", "The specified bucket does not exist")},
            {"name": "prior-request", "service": "route53", "method": "POST", "path": "/rrset",
             "times": 5,
             "error": aws_error(400, "PriorRequestNotComplete",
                 "The request was rejected because Route 53 was still processing a prior request.")},
        ]),
    );
    let text = ok(&p.eco_via(&proxy, &["apply", "-auto-approve"]));
    assert!(
        text.contains("Apply complete! Resources: 7 added"),
        "{text}"
    );
    fired(
        &proxy,
        &[
            "pitr-unavailable",
            "bucket-not-visible",
            "tagging-not-visible",
            "prior-request",
        ],
    );
    assert_eq!(proxy.injected("bucket-not-visible"), 5);
    assert_eq!(proxy.injected("tagging-not-visible"), 2);
    assert_eq!(proxy.injected("prior-request"), 5);
    drop(proxy);
    p.no_changes();

    // Destroy: the certificate stays in use a while after its users let go; IAM reports the
    // role's policies detached a while after they are.
    let proxy = AwsProxy::start(
        &p.moto,
        &json!([
            {"name": "certificate-in-use", "service": "acm", "operation": "DeleteCertificate",
             "seconds": 5,
             "error": aws_error(400, "ResourceInUseException",
                 "Certificate arn:aws:acm:us-east-1:123456789012:certificate/x is in use.")},
            {"name": "delete-conflict", "service": "iam", "operation": "DeleteRole",
             "seconds": 4,
             "error": aws_error(409, "DeleteConflict",
                 "Cannot delete entity, must detach all policies first.")},
        ]),
    );
    let text = ok(&p.eco_via(&proxy, &["destroy", "-auto-approve"]));
    assert!(
        text.contains("Destroy complete! Resources: 0 added, 0 changed, 7 destroyed."),
        "{text}"
    );
    fired(&proxy, &["certificate-in-use", "delete-conflict"]);
}

#[test]
fn a_used_up_quota_fails_at_once_naming_the_quota() {
    let p = Project::with_main(
        r#"
project "beh"
stage "dev" {
    account "123456789012"
    region "us-east-1"
}
iam-role "fn" {
    name "beh-dev-fn"
    assume-service "lambda.amazonaws.com"
}
"#,
    );
    let proxy = AwsProxy::start(
        &p.moto,
        &json!([
            {"name": "roles-quota", "service": "iam", "operation": "CreateRole",
             "error": aws_error(409, "LimitExceeded", "Cannot exceed quota for RolesPerAccount: 1000")},
        ]),
    );
    let started = std::time::Instant::now();
    let out = p.eco_via(&proxy, &["apply", "-auto-approve"]);
    assert!(!out.status.success(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("iam-role.fn")
            && err.contains("CreateRole")
            && err.contains("RolesPerAccount")
            && err.contains("quota is used up"),
        "{err}"
    );
    // One attempt: no retry, no backoff.
    assert_eq!(
        proxy.stats()["roles-quota"]["matched"],
        1,
        "{}",
        proxy.stats()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

/// examples/ecogy-platform as tests/e2e/platform.rs applies it (the same departures for moto's
/// gaps, documented there).
fn ecogy_platform() -> Project {
    let p = Project::from_example("examples/ecogy-platform");
    p.edit_file(
        "cicd.kdl",
        r#"source type="CODEPIPELINE" buildspec="buildspec.yml""#,
        r#"source type="CODEPIPELINE" location="ecogy-dev-pipeline-artifacts/source" buildspec="buildspec.yml""#,
    );
    p.edit_file(
        "cicd.kdl",
        r#"artifacts type="CODEPIPELINE""#,
        r#"artifacts type="CODEPIPELINE" location="ecogy-dev-pipeline-artifacts""#,
    );
    p.edit_file(
        "api.kdl",
        r#"alias name="${api-domain.main.target-domain-name}" zone-id="${api-domain.main.hosted-zone-id}""#,
        r#"alias name="d-moto.execute-api.us-east-1.amazonaws.com" zone-id="Z1UJRXOUMOOFQ8""#,
    );
    p.edit_file("auth.kdl", "    managed-login-version 2\n", "");
    // moto has no CloudFront policies, UpdateFunction nor PublishFunction (docs/testing.md):
    // this copy leaves out edge.kdl and the distribution's references to what it declares.
    std::fs::remove_file(p.file("edge.kdl")).unwrap();
    // moto issues no DKIM tokens (docs/testing.md): the DKIM records could not be written, so
    // this copy leaves out mail.kdl (the SES identity and its records).
    std::fs::remove_file(p.file("mail.kdl")).unwrap();
    p.edit_file(
        "site.kdl",
        "        // Security headers and the directory-index rewrite (edge.kdl).\n        response-headers-policy \"${cloudfront-response-headers-policy.site.id}\"\n        function \"viewer-request\" arn=\"${cloudfront-function.index.arn}\"\n",
        "",
    );
    p.edit_file(
        "site.kdl",
        "    // Reports, cached by the period they show (edge.kdl).\n    cache-behavior \"/reports/*\" target-origin=\"site\" {\n        cache-policy \"${cloudfront-cache-policy.reports.id}\"\n        origin-request-policy \"${cloudfront-origin-request-policy.reports.id}\"\n    }\n",
        "",
    );
    p
}

/// The must-show of issue 22: the whole platform applies from empty with every behaviour at
/// once, and the next plan (through the proxy too) is clean. The state backend's bucket and
/// lock table, and STS's account check, pass untouched: the rules are about the resources.
#[test]
fn ecogy_platform_applies_with_every_aws_behaviour_at_once_then_plans_clean() {
    let p = ecogy_platform();
    ok(&p.eco(&["bootstrap", "-stage", "dev"]));
    let api_children = "^/v2/apis/[^/]+/(routes|integrations|authorizers|stages)";
    let policy = "^/2015-03-31/functions/[^/]+/policy";
    let proxy = AwsProxy::start(
        &p.moto,
        &json!([
            {"name": "sts", "service": "sts", "pass": true},
            {"name": "state-bucket", "service": "s3", "path": "^/ecogy-eco-state", "pass": true},
            {"name": "lock-table", "service": "dynamodb", "body": "\"eco-locks\"", "pass": true},
            // moto drops the tags CreateBucket carries (AWS keeps them; docs/testing.md): a
            // bucket create retried before its PutBucketTagging would look foreign under moto
            // only, so that window (CreateBucket, the exists wait, PutBucketTagging) passes.
            {"name": "bucket-create", "service": "s3", "method": "PUT", "path": "^/[^/?]+/?$", "pass": true},
            {"name": "bucket-head", "service": "s3", "method": "HEAD", "path": "^/[^/?]+/?$", "pass": true},
            {"name": "bucket-tagging", "service": "s3", "method": "PUT", "path": "\\?tagging", "pass": true},
            // moto's UpdateUserPool resets the pool's whole configuration, dropping its
            // UsernameAttributes and UsernameConfiguration (AWS cannot change them and keeps
            // them): a pool create retried after a later call's throttling adopts the pool and
            // updates it, which loses them under moto only. Cognito's calls pass here; the pools
            // of tests/e2e/faults.rs and crash.rs take faults and kills.
            {"name": "cognito", "service": "cognito-idp", "pass": true},
            {"name": "role-not-assumable", "service": "lambda", "method": "POST",
             "path": "^/2015-03-31/functions/?$", "seconds": 30,
             "error": aws_error(400, "InvalidParameterValueException",
                 "The role defined for the function cannot be assumed by Lambda.")},
            {"name": "pitr-unavailable", "service": "dynamodb",
             "operation": "UpdateContinuousBackups", "key": "\"TableName\":\\s*\"([^\"]+)\"",
             "seconds": 20,
             "error": aws_error(400, "ContinuousBackupsUnavailableException",
                 "Backups are being enabled for the table. Please retry later")},
            {"name": "certificate-not-usable", "service": "cloudfront", "method": "POST",
             "path": "^/2020-05-31/distribution", "seconds": 10,
             "error": aws_error(400, "InvalidViewerCertificate",
                 "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain.")},
            {"name": "api-conflict", "service": "apigateway", "path": api_children,
             "method": "POST", "every": 2,
             "error": aws_error(409, "ConflictException", CONCURRENT)},
            {"name": "api-lane", "service": "apigateway", "path": api_children,
             "method": ["POST", "PATCH", "PUT", "DELETE"], "key": "/v2/apis/([^/?]+)/", "concurrent": true, "hold_ms": 100,
             "error": aws_error(409, "ConflictException", CONCURRENT)},
            {"name": "permission-conflict", "service": "lambda", "method": "POST", "path": policy,
             "key": "/functions/([^/]+)/policy", "times": 2,
             "error": aws_error(409, "ResourceConflictException",
                 "The operation cannot be performed at this time. The resource's policy is being updated.")},
            {"name": "permission-lane", "service": "lambda", "method": "POST", "path": policy,
             "key": "/functions/([^/]+)/policy", "concurrent": true, "hold_ms": 100,
             "error": aws_error(409, "ResourceConflictException", "The resource's policy is being updated.")},
            {"name": "bucket-not-visible", "service": "s3", "method": "PUT",
             "path": "^/[^/?]+/?\\?[a-zA-Z]", "key": "^PUT /([^/?]+)", "times": 1,
             "error": aws_error(404, "NoSuchBucket", "The specified bucket does not exist")},
            {"name": "throttling", "percent": 10, "seed": 22, "error": "throttle"},
        ]),
    );
    let started = std::time::Instant::now();
    let out = eco()
        .args(["apply", "-stage", "dev", "-auto-approve"])
        .current_dir(p.path())
        .envs(proxy.env(&p.moto))
        .env("ECO_TEST_TIME_SCALE", "0.3")
        .output()
        .unwrap();
    let text = ok(&out);
    assert!(text.contains("Apply complete!"), "{text}");
    eprintln!("apply through the proxy: {:?}", started.elapsed());
    eprintln!("proxy: {}", proxy.stats());
    fired(
        &proxy,
        &[
            "role-not-assumable",
            "pitr-unavailable",
            "certificate-not-usable",
            "api-conflict",
            "permission-conflict",
            "bucket-not-visible",
            "throttling",
        ],
    );
    one_at_a_time(&proxy, "api-lane");
    one_at_a_time(&proxy, "permission-lane");
    let out = p.eco_via(&proxy, &["plan", "-stage", "dev", "-detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "expected no changes after apply:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
}

/// A certificate without `validation-zone`, whose validation records the create waits for.
const CERTIFICATE: &str = r#"
project "wait"
stage "dev" {
    account "123456789012"
    region "us-east-1"
}
acm-certificate "site" {
    domain-name "wait.example.com"
    validation-method "DNS"
    region "us-east-1"
}
"#;

/// ACM assigns a new certificate's validation records some seconds after RequestCertificate
/// (moto at once): the create polls DescribeCertificate with backoff until they are there.
fn records_not_yet_assigned(times: u64) -> Value {
    json!([{"name": "records-not-assigned", "service": "acm",
            "operation": "DescribeCertificate", "times": times,
            "rewrite": {"pattern": "\"ResourceRecord\"", "replacement": "\"NotYetAssigned\""}}])
}

#[test]
fn a_wait_polls_past_its_first_look_until_aws_is_done() {
    let p = Project::with_main(CERTIFICATE);
    let proxy = AwsProxy::start(&p.moto, &records_not_yet_assigned(3));
    let text = ok(&p.eco_via(&proxy, &["apply", "-auto-approve"]));
    assert!(
        text.contains("Apply complete! Resources: 1 added"),
        "{text}"
    );
    assert_eq!(proxy.injected("records-not-assigned"), 3);
    let looks = proxy.stats()["records-not-assigned"]["matched"]
        .as_u64()
        .unwrap();
    assert!(
        looks >= 4,
        "three 'not yet' answers, then the look that found them: {looks}"
    );
    drop(proxy);
    let records = p.attr("acm-certificate.site", "validation-record-name");
    assert!(records.contains("wait.example.com"), "{records}");
    p.no_changes();
}

#[test]
fn a_wait_that_runs_out_of_time_fails_with_what_it_waited_for_and_polled_with_backoff() {
    let p = Project::with_main(CERTIFICATE);
    let proxy = AwsProxy::start(&p.moto, &records_not_yet_assigned(1_000));
    // ECO_TEST_TIME_SCALE 0.05: the 60 s budget is 3 s (looks at 0.25, 0.5, 1, 2 s apart).
    let started = std::time::Instant::now();
    let out = p.eco_via(&proxy, &["apply", "-auto-approve"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("ACM assigned no DNS validation records to arn:aws:acm:us-east-1:"),
        "{text}"
    );
    let looks = proxy.stats()["records-not-assigned"]["matched"]
        .as_u64()
        .unwrap();
    assert!(
        (3..=12).contains(&looks),
        "a few looks with backoff, not a busy loop: {looks}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
}

/// A read that AWS answers 200 with no body (a truncated answer a proxy or a bad network can
/// give): the plan stops with an error naming the resource and the operation, and never takes
/// the resource as deleted (state keeps it, nothing is planned to create it again).
#[test]
fn an_empty_successful_answer_to_a_read_stops_the_plan_and_deletes_nothing() {
    let p = Project::with_main(
        r#"
project "empty"
stage "dev" {
    account "123456789012"
    region "us-east-1"
}
route53-zone "main" {
    name "empty.example.com"
}
dynamodb-table "items" {
    name "empty-dev-items"
    hash-key "pk" type="S"
    billing-mode "PAY_PER_REQUEST"
}
"#,
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    let before = p.state();
    let empty = json!({"pattern": "(?s)^.*$", "replacement": ""});
    for (rule, address) in [
        (
            json!({"name": "empty", "service": "dynamodb", "operation": "DescribeTable",
                   "rewrite": empty}),
            "dynamodb-table.items",
        ),
        (
            json!({"name": "empty", "service": "route53", "method": "GET",
                   "path": "^/2013-04-01/hostedzone/[^/?]+$", "rewrite": empty}),
            "route53-zone.main",
        ),
    ] {
        let proxy = AwsProxy::start(&p.moto, &json!([rule]));
        let out = p.eco_via(&proxy, &["plan"]);
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(1), "{address}: {text}");
        assert!(text.contains(address), "{address}: {text}");
        assert!(!text.contains("will be created"), "{address}: {text}");
        assert!(
            proxy.injected("empty") > 0,
            "{address}: the rule never fired"
        );
        assert_eq!(p.state(), before, "{address}: state unchanged");
    }
    p.no_changes();
}
