//! plan / apply / destroy of real resource types against moto: the engine end to end.

use crate::support::{eco, ok, stderr, stdout, Project};

#[test]
fn minimal_applies_from_empty_then_plans_no_change_then_updates_in_place() {
    let p = Project::from_example("examples/minimal");
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(
        out.contains("Apply complete! Resources: 3 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    assert!(
        out.contains("s3-bucket.data: Creation complete after"),
        "{out}"
    );
    assert!(
        out.contains("bucket    = \"minimal-dev-data\""),
        "outputs are shown: {out}"
    );
    let state = p.state();
    assert_eq!(state["resources"].as_array().unwrap().len(), 3);
    assert!(state["pending"].as_array().unwrap().is_empty());

    // Nothing changed: -detailed-exitcode says 0.
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("No changes."));

    // Versioning off: an in-place update, exit 2 with -detailed-exitcode.
    p.edit("versioning #true", "versioning #false");
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("# s3-bucket.data will be updated in place"),
        "{text}"
    );
    assert!(text.contains("~ versioning = true -> false"), "{text}");
    let bucket = p.id_of("s3-bucket.data");
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.id_of("s3-bucket.data"), bucket);

    // A second GSI: in place, same table.
    let table = p.id_of("dynamodb-table.items");
    p.edit(
        "gsi \"by-owner\"",
        "gsi \"by-status\" hash-key=\"status\" type=\"S\"\n    gsi \"by-owner\"",
    );
    let out = ok(&p.eco(&["plan"]));
    assert!(
        out.contains("# dynamodb-table.items will be updated in place"),
        "{out}"
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.id_of("dynamodb-table.items"), table);
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    // -json is machine output with the summary.
    let out = ok(&p.eco(&["plan", "-json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["has_changes"], false);
    assert_eq!(json["summary"]["add"], 0);

    // Outputs.
    let out = ok(&p.eco(&["output", "bucket"]));
    assert_eq!(out.trim(), "minimal-dev-data");
}

#[test]
fn rename_replaces_and_deletion_outside_eco_is_seen() {
    let p = Project::from_example("examples/minimal");
    ok(&p.eco(&["apply", "-auto-approve"]));

    let out = ok(&p.eco(&["plan"]));
    assert!(out.contains("No changes."), "{out}");
    p.edit(
        "name \"minimal-${stage}-data\"",
        "name \"minimal-${stage}-data2\"",
    );
    let out = ok(&p.eco(&["plan"]));
    assert!(out.contains("# s3-bucket.data must be replaced"), "{out}");
    assert!(
        out.contains("~ name ") && out.contains("# forces replacement"),
        "{out}"
    );
    p.edit(
        "name \"minimal-${stage}-data2\"",
        "name \"minimal-${stage}-data\"",
    );

    // Delete the table by hand: the next plan sees it gone and creates it again.
    let aws = p.aws();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        aws.dynamodb()
            .delete_table()
            .table_name("minimal-dev-items")
            .send()
            .await
            .unwrap();
    });
    let out = ok(&p.eco(&["plan"]));
    assert!(
        out.contains("dynamodb-table.items was deleted outside eco"),
        "{out}"
    );
    assert!(
        out.contains("# dynamodb-table.items will be created (was deleted outside eco)"),
        "{out}"
    );
}

#[test]
fn a_saved_plan_runs_exactly_and_is_refused_once_state_changed() {
    let p = Project::from_example("examples/minimal");
    let out = ok(&p.eco(&["plan", "-out", "first.plan"]));
    assert!(out.contains("Saved the plan"), "{out}");
    let out = ok(&p.eco(&["apply", "first.plan"]));
    assert!(out.contains("3 added"), "{out}");

    p.edit("versioning #true", "versioning #false");
    ok(&p.eco(&["plan", "-out", "second.plan"]));
    // Someone else changes the state in between.
    ok(&p.eco(&["state", "rm", "iam-role.worker"]));
    let out = p.eco(&["apply", "second.plan"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the saved plan is stale"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_failing_resource_leaves_the_rest_applied_and_state_correct() {
    let p = Project::from_example("examples/minimal");
    p.edit(
        "name \"minimal-${stage}-data\"",
        // A name only AWS refuses: a literal one `eco validate` would refuse already.
        "name \"Invalid_Bucket_Name-${stage}\"",
    );
    let out = p.eco(&["apply", "-auto-approve"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("s3-bucket.data") && err.contains("CreateBucket"),
        "{err}"
    );
    let state = p.state();
    let mut addresses: Vec<&str> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    addresses.sort();
    // The role references the bucket's ARN: skipped. The table does not: applied.
    assert_eq!(addresses, ["dynamodb-table.items"]);
    assert!(err.contains("Skipped iam-role.worker"), "{err}");
}

#[test]
fn a_crash_right_after_create_is_adopted_by_the_next_apply() {
    let p = Project::from_example("examples/minimal");
    // One operation at a time: the crash cannot catch another create in flight (which would
    // leave a second pending intent, depending on timing).
    let out = eco()
        .args(["apply", "-auto-approve", "-parallelism", "1"])
        .current_dir(p.path())
        .envs(p.moto.env())
        .env("ECO_TEST_FAULTS", "crash:after-call:s3-bucket.data")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(86), "{}", stderr(&out));
    let state = p.state();
    let pending = state["pending"].as_array().unwrap();
    assert_eq!(pending.len(), 1, "{state}");
    assert_eq!(pending[0]["address"], "s3-bucket.data");
    assert_eq!(pending[0]["operation"], "create");

    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(
        out.contains("Interrupted operation: s3-bucket.data: an interrupted create had made it (id minimal-dev-data); adopted"),
        "{out}"
    );
    let state = p.state();
    assert!(state["pending"].as_array().unwrap().is_empty());
    assert_eq!(state["resources"].as_array().unwrap().len(), 3);
    // Exactly one bucket of that name exists (S3 names are unique anyway) and no second one was made.
    let aws = p.aws();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let buckets = rt.block_on(async { aws.s3().list_buckets().send().await.unwrap() });
    let names: Vec<&str> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["minimal-dev-data"]);
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn destroy_removes_everything_in_reverse_order() {
    let p = Project::from_example("examples/minimal");
    ok(&p.eco(&["apply", "-auto-approve"]));
    let out = ok(&p.eco(&["destroy", "-auto-approve"]));
    assert!(
        out.contains("Destroy complete! Resources: 0 added, 0 changed, 3 destroyed."),
        "{out}"
    );
    let role = out.find("iam-role.worker: Destruction complete").unwrap();
    let bucket = out.find("s3-bucket.data: Destruction complete").unwrap();
    assert!(
        role < bucket,
        "the role depends on the bucket: destroyed first\n{out}"
    );
    assert!(p.state()["resources"].as_array().unwrap().is_empty());
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn apply_without_a_terminal_needs_auto_approve() {
    let p = Project::from_example("examples/minimal");
    let out = p.eco(&["apply"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("-auto-approve"), "{}", stderr(&out));
    assert!(p.state()["resources"].as_array().unwrap().is_empty());
}

#[test]
fn eco_only_settings_and_unordered_lists_give_no_false_changes() {
    let p = Project::from_example("examples/minimal");
    p.edit(
        "versioning #true",
        "versioning #true\n    force-destroy #true",
    );
    p.edit(
        "managed-policy \"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\"",
        "managed-policy \"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\" \"arn:aws:iam::aws:policy/ReadOnlyAccess\"",
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    let out = p.eco(&["plan", "-detailed-exitcode"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    // force-destroy (kept in state, not in AWS) lets destroy empty the bucket first.
    let aws = p.aws();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        aws.s3()
            .put_object()
            .bucket("minimal-dev-data")
            .key("k")
            .body(b"x".to_vec().into())
            .send()
            .await
            .unwrap();
    });
    let out = ok(&p.eco(&["destroy", "-auto-approve"]));
    assert!(out.contains("3 destroyed"), "{out}");
}
