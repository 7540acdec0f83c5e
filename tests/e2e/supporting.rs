//! The supporting types end to end against moto: managed IAM policies and their attachments
//! (written as a team migrating from Terraform writes them) apply and then plan clean, a
//! document change publishes a new version in place, and resources made by hand import with
//! generated KDL after which a plan has nothing to do.

use crate::support::{ok, stdout, Project};

const HEADER: &str = r#"project "legacy"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}
"#;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// A policy document laid out as in a Terraform `jsonencode` or heredoc: other spacing and key
/// order than IAM stores.
const POLICY: &str = r#"
iam-role "worker" {
    name "worker-${stage}"
    assume-service "lambda.amazonaws.com"
}

iam-policy "tables" {
    name "worker-tables-${stage}"
    path "/legacy/"
    description "Reads the tables"
    document """
        {
          "Statement": [
            {
              "Resource": "*",
              "Action": [ "dynamodb:GetItem", "dynamodb:Query" ],
              "Effect": "Allow"
            }
          ],
          "Version": "2012-10-17"
        }
        """
    tags team="data"
}

iam-role-policy-attachment "worker-tables" {
    role "${iam-role.worker.name}"
    policy-arn "${iam-policy.tables.arn}"
}

iam-role-policy-attachment "worker-logs" {
    role "${iam-role.worker.name}"
    policy-arn "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}
"#;

#[test]
fn policies_and_attachments_apply_plan_clean_and_publish_versions() {
    let p = Project::with_main(&format!("{HEADER}{POLICY}"));
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("Apply complete!"), "{out}");
    p.no_changes();
    let arn = p.id_of("iam-policy.tables");
    assert_eq!(
        arn,
        "arn:aws:iam::123456789012:policy/legacy/worker-tables-dev"
    );
    assert_eq!(
        p.id_of("iam-role-policy-attachment.worker-tables"),
        format!("worker-dev/{arn}")
    );

    // A document change is an in-place update: a new default version, same ARN.
    p.edit(
        "\"dynamodb:Query\"",
        "\"dynamodb:Query\", \"dynamodb:Scan\"",
    );
    let plan = ok(&p.eco(&["plan"]));
    assert!(
        plan.contains("iam-policy.tables will be updated in place"),
        "{plan}"
    );
    assert!(!plan.contains("must be replaced"), "{plan}");
    ok(&p.eco(&["apply", "-auto-approve"]));
    p.no_changes();
    assert_eq!(p.attr("iam-policy.tables", "default-version"), "v2");
    let attached = rt().block_on(async {
        let out = p
            .aws()
            .iam()
            .list_attached_role_policies()
            .role_name("worker-dev")
            .send()
            .await
            .unwrap();
        let mut arns: Vec<String> = out
            .attached_policies()
            .iter()
            .filter_map(|a| a.policy_arn().map(str::to_string))
            .collect();
        arns.sort();
        arns
    });
    assert_eq!(
        attached,
        [
            "arn:aws:iam::123456789012:policy/legacy/worker-tables-dev",
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        ]
    );

    let out = ok(&p.eco(&["destroy", "-auto-approve"]));
    assert!(out.contains("Destroy complete!"), "{out}");
}

#[test]
fn hand_made_supporting_resources_import_with_generated_kdl_and_plan_clean() {
    let p = Project::with_main(HEADER);
    let aws = p.aws();
    let doc = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]\n}";
    let arn = rt().block_on(async {
        let iam = aws.iam();
        let made = iam
            .create_policy()
            .policy_name("hand-policy")
            .path("/ops/")
            .description("made in the console")
            .policy_document(doc)
            .send()
            .await
            .unwrap();
        let arn = made.policy().unwrap().arn().unwrap().to_string();
        iam.create_role()
            .role_name("hand-role")
            .assume_role_policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await
            .unwrap();
        iam.attach_role_policy()
            .role_name("hand-role")
            .policy_arn(&arn)
            .send()
            .await
            .unwrap();
        arn
    });
    let attachment = format!("hand-role/{arn}");
    for (address, id) in [
        ("iam-policy.ops", arn.as_str()),
        ("iam-role-policy-attachment.ops", attachment.as_str()),
    ] {
        let out = ok(&p.eco(&["import", "-generate", address, id]));
        assert!(out.contains(&format!("{address}: imported")), "{out}");
    }
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(generated.contains("iam-policy \"ops\" {"), "{generated}");
    assert!(
        generated.contains("description \"made in the console\""),
        "{generated}"
    );
    assert!(
        generated.contains("policy-arn \"arn:aws:iam::123456789012:policy/ops/hand-policy\""),
        "{generated}"
    );
    let plan = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after import:\n{}\ngenerated:\n{generated}",
        stdout(&plan),
    );
    assert_eq!(p.id_of("iam-policy.ops"), arn);
}

const LOGS: &str = r#"
log-group "jobs" {
    name "/legacy/${stage}/jobs"
    retention-in-days 30
    tags team="data"
}
"#;

/// A log group applies and plans clean; a retention change is in place; once it holds events a
/// destroy plan says how much would be lost; one made by hand imports with generated KDL.
#[test]
fn log_groups_apply_plan_clean_say_what_a_destroy_loses_and_import() {
    let p = Project::with_main(&format!("{HEADER}{LOGS}"));
    ok(&p.eco(&["apply", "-auto-approve"]));
    p.no_changes();
    assert_eq!(p.id_of("log-group.jobs"), "/legacy/dev/jobs");
    p.edit("retention-in-days 30", "retention-in-days 90");
    let plan = ok(&p.eco(&["plan"]));
    assert!(
        plan.contains("log-group.jobs will be updated in place"),
        "{plan}"
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    p.no_changes();

    let aws = p.aws();
    rt().block_on(async {
        let logs = aws.logs();
        logs.create_log_stream()
            .log_group_name("/legacy/dev/jobs")
            .log_stream_name("run")
            .send()
            .await
            .unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        logs.put_log_events()
            .log_group_name("/legacy/dev/jobs")
            .log_stream_name("run")
            .log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(now)
                    .message("import finished")
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        // Made by hand, kept forever (no retention policy).
        logs.create_log_group()
            .log_group_name("/hand/made")
            .send()
            .await
            .unwrap();
    });
    let out = ok(&p.eco(&["plan", "-replace", "log-group.jobs", "-no-color"]));
    assert!(out.contains("bytes of logs would be lost"), "{out}");
    // Not approved: shows the plan and changes nothing.
    let out = p.eco(&["destroy", "-no-color"]);
    let text = format!("{}{}", stdout(&out), crate::support::stderr(&out));
    assert!(
        text.contains("# log-group.jobs will be destroyed (eco destroy: about "),
        "{text}"
    );
    assert!(text.contains("bytes of logs would be lost"), "{text}");

    let out = ok(&p.eco(&["import", "-generate", "log-group.hand", "/hand/made"]));
    assert!(out.contains("log-group.hand: imported"), "{out}");
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(generated.contains("retention-in-days 0"), "{generated}");
    let plan = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after import:\n{}\ngenerated:\n{generated}",
        stdout(&plan),
    );
}

const SECRET: &str = "pw-7f3a-never-print";

const PARAMETERS: &str = r#"
var "db-password" sensitive=#true

ssm-parameter "db-password" {
    name "/legacy/${stage}/db-password"
    type "SecureString"
    value "${var.db-password}"
    description "the database password"
}

ssm-parameter "origins" {
    name "/legacy/${stage}/origins"
    type "StringList"
    value "https://a.example.com,https://b.example.com"
}
"#;

/// Parameters apply and plan clean; a value change is an in-place overwrite whose value is never
/// printed; a destroy plan says the value would be lost; a parameter made by hand imports with
/// generated KDL that asks for the (sensitive) value, and then plans clean.
#[test]
fn parameters_apply_plan_clean_never_print_their_value_and_import() {
    let p = Project::with_main(&format!("{HEADER}{PARAMETERS}"));
    let var = format!("db-password={SECRET}");
    let with_var = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["-var", var.as_str(), "-no-color"]);
        p.eco(&all)
    };
    let applied = ok(&with_var(&["apply", "-auto-approve"]));
    assert!(!applied.contains(SECRET), "{applied}");
    let plan = with_var(&["plan", "-detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", stdout(&plan));

    let rotated = "pw-rotated-never-print";
    let var2 = format!("db-password={rotated}");
    let out = ok(&p.eco(&["plan", "-var", var2.as_str(), "-no-color"]));
    assert!(
        out.contains("ssm-parameter.db-password will be updated in place"),
        "{out}"
    );
    assert!(out.contains("(sensitive value)"), "{out}");
    assert!(!out.contains(rotated) && !out.contains(SECRET), "{out}");
    ok(&p.eco(&["apply", "-auto-approve", "-var", var2.as_str()]));
    let value = rt().block_on(async {
        let got = p
            .aws()
            .ssm()
            .get_parameter()
            .name("/legacy/dev/db-password")
            .with_decryption(true)
            .send()
            .await
            .unwrap();
        let parameter = got.parameter().unwrap();
        (parameter.value().unwrap().to_string(), parameter.version())
    });
    assert_eq!(value, (rotated.to_string(), 2));

    let out = p.eco(&["destroy", "-var", var2.as_str(), "-no-color"]);
    let text = format!("{}{}", stdout(&out), crate::support::stderr(&out));
    assert!(
        text.contains(
            "# ssm-parameter.origins will be destroyed (eco destroy: its value would be lost"
        ),
        "{text}"
    );

    // Made by hand: generated KDL leaves the value out and says so; set, it plans clean.
    rt().block_on(async {
        p.aws()
            .ssm()
            .put_parameter()
            .name("/hand/flag")
            .value("on")
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
            .await
            .unwrap();
    });
    let out = ok(&p.eco(&[
        "import",
        "-generate",
        "ssm-parameter.flag",
        "/hand/flag",
        "-var",
        var2.as_str(),
    ]));
    assert!(out.contains("ssm-parameter.flag: imported"), "{out}");
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(
        generated.contains("`value` is sensitive and was not written"),
        "{generated}"
    );
    assert!(!generated.contains("\"on\""), "{generated}");
    let completed = generated
        .lines()
        .map(|l| match l.contains("`value` is sensitive") {
            true => "    value \"on\"",
            false => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    p.write("generated.kdl", &completed);
    let plan = p.eco(&["plan", "-detailed-exitcode", "-var", var2.as_str()]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after import:\n{}\ngenerated:\n{completed}",
        stdout(&plan),
    );
}

const TOKEN: &str = "tok-91c2-never-print";

const SECRETS: &str = r#"
var "token" sensitive=#true

secretsmanager-secret "partner" {
    name "legacy/${stage}/partner"
    description "the partner API token"
    secret-string "${var.token}"
    recovery-window-in-days 7
}
"#;

/// A secret applies and plans clean without printing its value; destroyed, it is scheduled for
/// deletion; one made by hand imports with generated KDL and plans clean.
#[test]
fn secrets_apply_plan_clean_never_print_their_value_and_import() {
    let p = Project::with_main(&format!("{HEADER}{SECRETS}"));
    let var = format!("token={TOKEN}");
    let applied = ok(&p.eco(&["apply", "-auto-approve", "-var", var.as_str(), "-no-color"]));
    assert!(!applied.contains(TOKEN), "{applied}");
    let plan = p.eco(&["plan", "-detailed-exitcode", "-var", var.as_str()]);
    assert_eq!(plan.status.code(), Some(0), "{}", stdout(&plan));
    let rotated = "tok-rotated-never-print";
    let var2 = format!("token={rotated}");
    let out = ok(&p.eco(&["plan", "-var", var2.as_str(), "-no-color"]));
    assert!(
        out.contains("secretsmanager-secret.partner will be updated in place"),
        "{out}"
    );
    assert!(!out.contains(rotated) && !out.contains(TOKEN), "{out}");

    let out = ok(&p.eco(&[
        "destroy",
        "-auto-approve",
        "-var",
        var.as_str(),
        "-no-color",
    ]));
    assert!(!out.contains(TOKEN), "{out}");
    let aws = p.aws();
    rt().block_on(async {
        let sm = aws.secretsmanager();
        let d = sm
            .describe_secret()
            .secret_id("legacy/dev/partner")
            .send()
            .await
            .unwrap();
        assert!(d.deleted_date().is_some(), "scheduled for deletion");
        sm.create_secret()
            .name("hand/made")
            .description("by hand")
            .secret_string("x")
            .send()
            .await
            .unwrap();
    });
    // The configuration no longer has the destroyed secret.
    p.write("main.kdl", HEADER);
    let out = ok(&p.eco(&[
        "import",
        "-generate",
        "secretsmanager-secret.hand",
        "hand/made",
    ]));
    assert!(
        out.contains("secretsmanager-secret.hand: imported"),
        "{out}"
    );
    let generated = std::fs::read_to_string(p.path().join("generated.kdl")).unwrap();
    assert!(generated.contains("description \"by hand\""), "{generated}");
    assert!(!generated.contains("\"x\""), "{generated}");
    let plan = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "plan after import:\n{}\ngenerated:\n{generated}",
        stdout(&plan),
    );
}
