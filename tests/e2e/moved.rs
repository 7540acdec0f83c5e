//! `moved` blocks end to end: a renamed resource is a move in the plan (0 to add, 0 to destroy)
//! and keeps its live id; without the block the plan names the block that would keep it.

use crate::support::*;

const BEFORE: &str = r#"
project "mv"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

s3-bucket "legacy" {
    name "mv-dev-files"
}
"#;

#[test]
fn a_moved_block_keeps_the_resource() {
    let p = Project::with_main(BEFORE);
    ok(&p.eco(&["apply", "-auto-approve"]));
    let id = p.id_of("s3-bucket.legacy");

    // Renamed without a moved block: a destroy and a create, and the plan says what keeps it.
    p.edit("s3-bucket \"legacy\"", "s3-bucket \"files\"");
    let out = ok(&p.eco(&["plan"]));
    assert!(out.contains("1 to add, 0 to change, 1 to destroy"), "{out}");
    assert!(
        out.contains(r#"moved from="s3-bucket.legacy" to="s3-bucket.files""#),
        "{out}"
    );

    // With the block: a move.
    p.edit(
        "s3-bucket \"files\"",
        "moved from=\"s3-bucket.legacy\" to=\"s3-bucket.files\"\ns3-bucket \"files\"",
    );
    let out = ok(&p.eco(&["plan"]));
    assert!(
        out.contains("s3-bucket.legacy has moved to s3-bucket.files"),
        "{out}"
    );
    assert!(out.contains("1 to move,"), "{out}");
    assert!(
        out.contains("0 to add,") && out.contains("0 to destroy"),
        "{out}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(&p.eco(&["plan", "-json"]))).unwrap();
    assert_eq!(json["moved"][0]["from"], "s3-bucket.legacy");
    assert_eq!(json["summary"]["add"], 0);
    assert_eq!(json["summary"]["destroy"], 0);
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.id_of("s3-bucket.files"), id);
    let addresses: Vec<String> = p.state()["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(addresses, vec!["s3-bucket.files".to_string()]);
    // The block has done its work: it stays harmless.
    p.no_changes();

    // Into a for-each instance.
    p.edit(
        "moved from=\"s3-bucket.legacy\" to=\"s3-bucket.files\"\ns3-bucket \"files\" {\n    name \"mv-dev-files\"",
        "moved from=\"s3-bucket.files\" to=\"s3-bucket.sites[\\\"files\\\"]\"\ns3-bucket \"sites\" {\n    for-each {\n        - \"files\"\n    }\n    name \"mv-dev-${each.key}\"",
    );
    let out = ok(&p.eco(&["plan"]));
    assert!(
        out.contains("s3-bucket.files has moved to s3-bucket.sites[\"files\"]"),
        "{out}"
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.id_of("s3-bucket.sites[\"files\"]"), id);
    p.no_changes();
}

#[test]
fn state_mv_takes_instance_and_module_addresses() {
    let p = Project::with_main(BEFORE);
    ok(&p.eco(&["apply", "-auto-approve"]));
    ok(&p.eco(&[
        "state",
        "mv",
        "s3-bucket.legacy",
        "module.site.s3-bucket.files",
    ]));
    let r = p.resource("module.site.s3-bucket.files");
    assert_eq!(r["type"], "s3-bucket");
    ok(&p.eco(&[
        "state",
        "mv",
        "module.site.s3-bucket.files",
        "s3-bucket.x[\"k\"]",
    ]));
    assert_eq!(p.resource("s3-bucket.x[\"k\"]")["type"], "s3-bucket");
    let out = p.eco(&["state", "mv", "s3-bucket.x[\"k\"]", "s3-bucket.x[k]"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not a resource address"),
        "{}",
        stderr(&out)
    );
}
