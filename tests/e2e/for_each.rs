//! `for-each` end to end: five buckets from a map variable; removing the middle key plans one
//! destroy, adding a key plans one create, and no other instance changes.

use crate::support::*;

const BUCKETS: &str = r#"
project "fe"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

var "buckets" {
    a versioning=#true
    b versioning=#false
    c versioning=#true
    d versioning=#false
    e versioning=#true
}

s3-bucket "data" {
    for-each "${var.buckets}"
    name "fe-${stage}-${each.key}"
    versioning "${each.value.versioning}"
}

// A reference to one instance.
s3-bucket "logs" {
    name "fe-${stage}-logs"
    tags source="${s3-bucket.data[\"a\"].name}"
}
"#;

/// The (address, action) of every change `eco plan -json` plans, no-ops left out.
fn planned_changes(p: &Project) -> Vec<(String, String)> {
    let out = ok(&p.eco(&["plan", "-json"]));
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no-op")
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn bucket_exists(p: &Project, name: &str) -> bool {
    let s3 = p.aws().s3();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async { s3.head_bucket().bucket(name).send().await.is_ok() })
}

#[test]
fn for_each_over_a_map_is_keyed_by_key() {
    let p = Project::with_main(BUCKETS);
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("6 added"), "{out}");
    for key in ["a", "b", "c", "d", "e"] {
        let address = format!("s3-bucket.data[\"{key}\"]");
        assert_eq!(p.id_of(&address), format!("fe-dev-{key}"));
        assert!(bucket_exists(&p, &format!("fe-dev-{key}")));
    }
    assert_eq!(
        p.resource("s3-bucket.data[\"b\"]")["attributes"]["versioning"],
        false
    );
    assert_eq!(
        p.resource("s3-bucket.logs")["attributes"]["tags"]["source"],
        "fe-dev-a"
    );
    p.no_changes();

    // The middle key goes: exactly one destroy.
    p.edit("    c versioning=#true\n", "");
    assert_eq!(
        planned_changes(&p),
        vec![("s3-bucket.data[\"c\"]".to_string(), "delete".to_string())]
    );
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("0 added, 0 changed, 1 destroyed"), "{out}");
    assert!(!bucket_exists(&p, "fe-dev-c"));
    assert!(bucket_exists(&p, "fe-dev-d"));

    // A new key: exactly one create.
    p.edit(
        "    e versioning=#true\n",
        "    e versioning=#true\n    f versioning=#false\n",
    );
    assert_eq!(
        planned_changes(&p),
        vec![("s3-bucket.data[\"f\"]".to_string(), "create".to_string())]
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(bucket_exists(&p, "fe-dev-f"));
    p.no_changes();

    // Instances are addresses everywhere: -target, state commands.
    let out = ok(&p.eco(&["state", "list", "s3-bucket.data"]));
    assert_eq!(out.lines().count(), 5, "{out}");
    let out = ok(&p.eco(&["plan", "-replace", "s3-bucket.data[\"b\"]"]));
    assert!(out.contains("s3-bucket.data[\"b\"]"), "{out}");
    assert!(out.contains("1 to add, 0 to change, 1 to destroy"), "{out}");
    // The block's address names all its instances.
    let out = ok(&p.eco(&["plan", "-replace", "s3-bucket.data"]));
    assert!(out.contains("5 to add, 0 to change, 5 to destroy"), "{out}");
    let out = ok(&p.eco(&["plan", "-target", "s3-bucket.data[\"a\"]"]));
    assert!(out.contains("No changes"), "{out}");
}

#[test]
fn an_empty_collection_makes_no_instance_and_bad_ones_are_diagnostics() {
    let p = Project::with_main(
        r#"
project "fe"
var "names" {
    - "x"
}
s3-bucket "maybe" {
    for-each "${var.names}"
    name "fe-maybe-${each.key}"
}
"#,
    );
    let out = ok(&p.eco(&["validate"]));
    assert!(
        out.contains("1 resources") || out.contains("valid"),
        "{out}"
    );
    // -var gives a list as JSON; an empty one makes the resource absent.
    let out = ok(&p.eco(&["plan", "-var", "names=[]"]));
    assert!(out.contains("No changes"), "{out}");
    let out = ok(&p.eco(&["plan", "-var", "names=[\"x\",\"y\"]"]));
    assert!(out.contains("2 to add"), "{out}");
    // A list var given a string is a type error naming the variable.
    let out = p.eco(&["plan", "-var", "names=x"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("`names` is a list"),
        "{}",
        stderr(&out)
    );

    // each outside a for-each; a field the elements lack.
    p.write(
        "main.kdl",
        r#"
var "fns" {
    api memory=128
}
s3-bucket "one" {
    name "fe-${each.key}"
}
s3-bucket "two" {
    for-each "${var.fns}"
    name "fe-${each.value.size}"
}
"#,
    );
    let out = p.eco(&["validate"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("only defined inside a resource with `for-each`"),
        "{err}"
    );
}

/// Repeated blocks generated from a collection (Terraform's `dynamic`): one `gsi` per entry of
/// a map variable. The next plan is empty; a new entry plans an in-place update of the table
/// (one index added), never a replacement; a stage with another value gets its own indexes.
#[test]
fn blocks_generated_from_a_collection_apply_and_change_in_place() {
    let p = Project::with_main(
        r#"
project "dyn"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

var "indexes" {
    by-owner key="owner"
    by-site key="site"
}

dynamodb-table "assets" {
    name "dyn-${stage}-assets"
    hash-key "pk" type="S"
    billing-mode "PAY_PER_REQUEST"
    gsi "${each.key}" for-each="${var.indexes}" hash-key="${each.value.key}" type="S"
}
"#,
    );
    let out = ok(&p.eco(&["validate"]));
    assert!(!out.contains("error"), "{out}");
    ok(&p.eco(&["apply", "-auto-approve"]));
    let names = |p: &Project| -> Vec<String> {
        let mut names: Vec<String> = p.resource("dynamodb-table.assets")["attributes"]["gsi"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(&p), ["by-owner", "by-site"]);
    p.no_changes();

    p.edit(
        "    by-site key=\"site\"\n",
        "    by-site key=\"site\"\n    by-team key=\"team\"\n",
    );
    assert_eq!(
        planned_changes(&p),
        vec![("dynamodb-table.assets".to_string(), "update".to_string())]
    );
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("0 added, 1 changed, 0 destroyed"), "{out}");
    assert_eq!(names(&p), ["by-owner", "by-site", "by-team"]);
    p.no_changes();

    // A field the entries do not have is a diagnostic at validate, with the fields they have.
    p.edit(
        "hash-key=\"${each.value.key}\"",
        "hash-key=\"${each.value.kee}\"",
    );
    let out = p.eco(&["validate"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("has no field `kee`") && stderr(&out).contains("key"),
        "{}",
        stderr(&out)
    );
}
