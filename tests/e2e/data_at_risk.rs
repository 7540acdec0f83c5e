//! Issue 23: every destroy and replacement says what data it would lose, read at plan time with
//! the cheapest call AWS offers, only for what is destroyed or replaced; and `apply
//! -auto-approve` does not lose data without `-allow-data-loss`.

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

use crate::support::{ok, stderr, stdout, Project};

const CONFIG: &str = r#"project "risk"
stage "dev" { account "123456789012"; region "us-east-1" }

dynamodb-table "items" {
    name "risk-${stage}-items"
    hash-key "pk" type="S"
    billing-mode "PAY_PER_REQUEST"
}
s3-bucket "uploads" {
    name "risk-${stage}-uploads"
    force-destroy #true
}
cognito-user-pool "users" {
    name "risk-${stage}-users"
    lifecycle prevent-destroy=#false
}
"#;

/// 500 items, 50 objects of 100 bytes, 20 users.
fn fill(p: &Project) {
    fill_data(p, "pk", "risk-dev-uploads");
    let aws = p.aws();
    let pool = p.id_of("cognito-user-pool.users");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        for i in 0..20 {
            aws.cognito_idp()
                .admin_create_user()
                .user_pool_id(&pool)
                .username(format!("user{i}"))
                .send()
                .await
                .unwrap();
        }
    });
}

/// 500 items (hash key `key`) in the table, 50 objects of 100 bytes in `bucket`.
fn fill_data(p: &Project, key: &str, bucket: &str) {
    let aws = p.aws();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        for batch in 0..20 {
            let writes = (0..25)
                .map(|i| {
                    let item = [(key.to_string(), AttributeValue::S(format!("k{batch}-{i}")))];
                    let put = PutRequest::builder()
                        .set_item(Some(item.into()))
                        .build()
                        .unwrap();
                    WriteRequest::builder().put_request(put).build()
                })
                .collect();
            aws.dynamodb()
                .batch_write_item()
                .request_items("risk-dev-items", writes)
                .send()
                .await
                .unwrap();
        }
        for i in 0..50 {
            aws.s3()
                .put_object()
                .bucket(bucket)
                .key(format!("file-{i}.txt"))
                .body(vec![b'x'; 100].into())
                .send()
                .await
                .unwrap();
        }
    });
}

/// The plan's "Data at risk:" line.
fn risk_line(plan: &str) -> String {
    plan.lines()
        .find(|l| l.starts_with("Data at risk: "))
        .unwrap_or_else(|| panic!("no Data at risk line:\n{plan}"))
        .to_string()
}

fn calls_of(p: &Project, op: &str) -> usize {
    p.moto
        .recorded_calls()
        .iter()
        .filter(|c| c.group() == op)
        .count()
}

#[test]
fn destroys_and_replacements_say_what_they_would_lose_and_auto_approve_needs_allow_data_loss() {
    let p = Project::with_main(CONFIG);
    ok(&p.eco(&["apply", "-auto-approve"]));
    fill(&p);

    // A plan that destroys and replaces nothing reads nothing more.
    p.edit(
        "billing-mode \"PAY_PER_REQUEST\"\n}",
        "billing-mode \"PAY_PER_REQUEST\"\n    tags team=\"data\"\n}",
    );
    p.moto.start_recording();
    let out = ok(&p.eco(&["plan", "-no-color"]));
    assert!(out.contains("1 to change, 0 to destroy"), "{out}");
    assert!(!out.contains("Data at risk"), "{out}");
    assert_eq!(calls_of(&p, "GET ?versions"), 0);
    assert_eq!(calls_of(&p, "Scan"), 0);
    ok(&p.eco(&["apply", "-auto-approve"]));

    // Replacements: a new key schema, a new bucket name, and -replace for the pool (never
    // replaced implicitly).
    p.edit("hash-key \"pk\" type=\"S\"", "hash-key \"id\" type=\"S\"");
    p.edit("\"risk-${stage}-uploads\"", "\"risk-${stage}-uploads-2\"");
    p.moto.start_recording();
    let out = ok(&p.eco(&["plan", "-no-color", "-replace", "cognito-user-pool.users"]));
    assert_eq!(
        calls_of(&p, "GET ?versions"),
        1,
        "one listing of the replaced bucket"
    );
    for line in [
        "# dynamodb-table.items must be replaced",
        "about 500 items would be lost",
        "# s3-bucket.uploads must be replaced",
        "50 objects would be lost (5.0 KB)",
        "# cognito-user-pool.users must be replaced (-replace: about 20 users would be lost)",
    ] {
        assert!(out.contains(line), "{line}:\n{out}");
    }
    let summary = risk_line(&out);
    for part in [
        "1 table (~500 items",
        "1 bucket (50 objects, 5.0 KB)",
        "1 user pool (~20 users)",
    ] {
        assert!(summary.contains(part), "{part}:\n{out}");
    }
    let json: serde_json::Value = serde_json::from_str(&ok(&p.eco(&[
        "plan",
        "-json",
        "-replace",
        "cognito-user-pool.users",
    ])))
    .unwrap();
    let risk = &json["data_at_risk"];
    assert!(
        risk["summary"]
            .as_str()
            .unwrap()
            .contains("1 bucket (50 objects"),
        "{risk}"
    );
    assert_eq!(
        risk["resources"]["s3-bucket.uploads"]["count"], 50,
        "{risk}"
    );
    assert_eq!(
        risk["resources"]["s3-bucket.uploads"]["bytes"], 5000,
        "{risk}"
    );
    assert_eq!(
        risk["resources"]["s3-bucket.uploads"]["held"], "objects",
        "{risk}"
    );
    assert_eq!(
        risk["resources"]["dynamodb-table.items"]["count"], 500,
        "{risk}"
    );
    assert_eq!(
        risk["resources"]["dynamodb-table.items"]["estimate"], true,
        "{risk}"
    );
    assert_eq!(
        risk["resources"]["cognito-user-pool.users"]["count"], 20,
        "{risk}"
    );

    // -auto-approve alone refuses, says why, and changes nothing.
    let out = p.eco(&["apply", "-auto-approve", "-no-color"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("this plan would lose data"), "{text}");
    assert!(text.contains("-allow-data-loss"), "{text}");
    assert_eq!(p.attr("s3-bucket.uploads", "name"), "risk-dev-uploads");

    // Interactive: `yes` typed by habit does not approve it; `destroy` does (the bucket and the
    // table are replaced, the pool kept).
    let answered = |answer: &str| {
        let eco = assert_cmd::cargo::cargo_bin("eco");
        let out = std::process::Command::new("script")
            .args([
                "-qec",
                &format!("{} apply -no-color", eco.display()),
                "/dev/null",
            ])
            .current_dir(p.path())
            .envs(p.moto.env())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write as _;
                child
                    .stdin
                    .take()
                    .unwrap()
                    .write_all(format!("{answer}\n").as_bytes())?;
                child.wait_with_output()
            })
            .expect("script runs eco on a terminal");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let out = answered("yes");
    assert!(
        out.contains("Only 'destroy' will be accepted to approve."),
        "{out}"
    );
    assert!(out.contains("Apply cancelled."), "{out}");
    assert_eq!(p.attr("s3-bucket.uploads", "name"), "risk-dev-uploads");
    let out = answered("destroy");
    assert!(out.contains("2 added, 0 changed, 2 destroyed"), "{out}");
    assert_eq!(p.attr("s3-bucket.uploads", "name"), "risk-dev-uploads-2");
    fill_data(&p, "id", "risk-dev-uploads-2");

    // Destroys: the configuration drops the table and the bucket (a pool that leaves the
    // configuration is kept by its default prevent-destroy; `eco destroy` shows its users).
    std::fs::write(
        p.file("main.kdl"),
        "project \"risk\"\nstage \"dev\" { account \"123456789012\"; region \"us-east-1\" }\n\
         cognito-user-pool \"users\" {\n    name \"risk-${stage}-users\"\n    lifecycle prevent-destroy=#false\n}\n",
    )
    .unwrap();
    let out = ok(&p.eco(&["plan", "-no-color"]));
    for line in [
        "# dynamodb-table.items will be destroyed (is no longer in the configuration: about 500 items would be lost",
        "# s3-bucket.uploads will be destroyed (is no longer in the configuration: 50 objects would be lost (5.0 KB))",
    ] {
        assert!(out.contains(line), "{line}:\n{out}");
    }
    assert!(risk_line(&out).contains("1 table (~500 items"), "{out}");
    let out = p.eco(&["apply", "-auto-approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("-allow-data-loss"),
        "{}",
        stderr(&out)
    );
    assert_eq!(p.state()["resources"].as_array().unwrap().len(), 3);

    let out = ok(&p.eco(&["apply", "-auto-approve", "-allow-data-loss"]));
    assert!(out.contains("0 added, 0 changed, 2 destroyed"), "{out}");
    p.no_changes();

    // `eco destroy` says what the pool holds before it asks.
    let out = p.eco(&["destroy", "-no-color"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains("# cognito-user-pool.users will be destroyed (eco destroy: about 20 users would be lost)"),
        "{text}"
    );
    assert!(
        text.contains("Data at risk: 1 user pool (~20 users)"),
        "{text}"
    );
}

/// A saved plan, reviewed when it was made, applies without -allow-data-loss.
#[test]
fn a_saved_plan_that_loses_data_applies_as_reviewed() {
    let p = Project::with_main(CONFIG);
    ok(&p.eco(&["apply", "-auto-approve"]));
    fill(&p);
    p.edit("\"risk-${stage}-uploads\"", "\"risk-${stage}-uploads-2\"");
    let out = ok(&p.eco(&["plan", "-no-color", "-out", "reviewed.plan"]));
    assert!(
        out.contains("Data at risk: 1 bucket (50 objects, 5.0 KB)"),
        "{out}"
    );
    let out = ok(&p.eco(&["apply", "reviewed.plan"]));
    assert!(out.contains("1 added, 0 changed, 1 destroyed"), "{out}");
    assert_eq!(p.attr("s3-bucket.uploads", "name"), "risk-dev-uploads-2");
}

/// A zone's records (GetHostedZone's count, less NS and SOA) are what destroying it loses; the
/// records eco manages in it are counted too.
#[test]
fn destroying_a_zone_says_how_many_records_it_holds() {
    let p = Project::with_main(
        r#"project "risk"
stage "dev" { account "123456789012"; region "us-east-1" }
route53-zone "main" { name "risk.example.com" }
route53-record "www" { zone "${route53-zone.main.id}"; name "www.risk.example.com"; type "A"; ttl 60; records "10.0.0.1" }
route53-record "txt" { zone "${route53-zone.main.id}"; name "risk.example.com"; type "TXT"; ttl 60; records "\"hello\"" }
"#,
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    let out = p.eco(&["destroy", "-no-color"]);
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains(
            "# route53-zone.main will be destroyed (eco destroy: 2 records would be lost (besides NS and SOA))"
        ),
        "{text}"
    );
    assert!(text.contains("Data at risk: 1 zone (2 records)"), "{text}");
}
