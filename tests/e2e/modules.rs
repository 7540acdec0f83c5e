//! Modules end to end: examples/modules calls one static-site module twice with different
//! parameters; both apply, an output is referenced outside; a parameter of the wrong type is a
//! diagnostic naming the call and the parameter; a resource moved into a module with `moved`
//! keeps its live id. A call with `for-each` makes one instance of the module per element, keyed
//! by key (`module.CALL["KEY"].TYPE.RES`).

use crate::support::*;

fn bucket_exists(p: &Project, name: &str) -> bool {
    let s3 = p.aws().s3();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async { s3.head_bucket().bucket(name).send().await.is_ok() })
}

#[test]
fn a_module_called_twice_applies_both_and_its_outputs_are_referenced() {
    let p = Project::from_example("examples/modules");
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("3 added"), "{out}");
    assert_eq!(
        p.id_of("module.ams.s3-bucket.files"),
        "modules-dev-ams-site"
    );
    assert_eq!(
        p.id_of("module.bpm.s3-bucket.files"),
        "modules-dev-bpm-site"
    );
    assert!(bucket_exists(&p, "modules-dev-ams-site"));
    assert!(bucket_exists(&p, "modules-dev-bpm-site"));
    let bpm = p.resource("module.bpm.s3-bucket.files");
    assert_eq!(bpm["attributes"]["versioning"], true);
    assert_eq!(
        bpm["attributes"]["cors"][0]["allowed-origins"][1],
        "https://admin.bpm.example.com"
    );
    let ams = p.resource("module.ams.s3-bucket.files");
    assert_eq!(ams["attributes"]["versioning"], false);
    let logs = p.resource("s3-bucket.logs");
    assert_eq!(logs["attributes"]["tags"]["ams"], "modules-dev-ams-site");
    assert_eq!(logs["attributes"]["tags"]["bpm"], "modules-dev-bpm-site");
    assert_eq!(
        p.state()["outputs"]["bpm-bucket"]["value"],
        "modules-dev-bpm-site"
    );
    p.no_changes();

    // The graph draws each call as a cluster.
    let out = ok(&p.eco(&["graph"]));
    assert!(out.contains("subgraph \"cluster_module.ams\""), "{out}");

    // A parameter of the wrong type names the call and the parameter, and points at both files.
    p.edit("    label \"bpm\"", "    label 5");
    let out = p.eco(&["validate"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("module `bpm`: parameter `label` expects a string, found a number"),
        "{err}"
    );
    assert!(err.contains("main.kdl"), "{err}");
    // A parameter the module does not declare.
    p.edit("    label 5", "    label \"bpm\"\n    lable \"x\"");
    let err = stderr(&p.eco(&["validate"]));
    assert!(
        err.contains("module `bpm` has no parameter `lable`"),
        "{err}"
    );
    assert!(err.contains("did you mean `label`?"), "{err}");
}

const STORE: &str = r#"
param "label" type="string"

s3-bucket "files" {
    name "mods-${stage}-${param.label}"
}

output "bucket" value="${s3-bucket.files.name}"
"#;

#[test]
fn moving_a_resource_into_a_module_keeps_its_live_id() {
    let p = Project::with_main(
        r#"
project "mods"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

s3-bucket "legacy" {
    name "mods-dev-legacy"
}
"#,
    );
    p.write("modules/store/main.kdl", STORE);
    ok(&p.eco(&["apply", "-auto-approve"]));
    let id = p.id_of("s3-bucket.legacy");

    p.edit(
        "s3-bucket \"legacy\" {\n    name \"mods-dev-legacy\"\n}",
        "module \"legacy\" source=\"./modules/store\" {\n    label \"legacy\"\n}",
    );
    // Without the block: destroy + create, and the plan names the block that keeps it.
    let out = ok(&p.eco(&["plan"]));
    assert!(
        out.contains(r#"moved from="s3-bucket.legacy" to="module.legacy.s3-bucket.files""#),
        "{out}"
    );
    std::fs::write(
        p.file("moved.kdl"),
        "moved from=\"s3-bucket.legacy\" to=\"module.legacy.s3-bucket.files\"\n",
    )
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&ok(&p.eco(&["plan", "-json"]))).unwrap();
    assert_eq!(json["summary"]["add"], 0, "{json}");
    assert_eq!(json["summary"]["destroy"], 0, "{json}");
    assert_eq!(json["moved"][0]["to"], "module.legacy.s3-bucket.files");
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(p.id_of("module.legacy.s3-bucket.files"), id);
    p.no_changes();
}

const SITE: &str = r#"
param "label" type="string"
param "versioning" default=#false

s3-bucket "files" {
    name "mods-${stage}-${param.label}-site"
    versioning "${param.versioning}"
}

output "bucket" value="${s3-bucket.files.name}"
"#;

const TWO_CALLS: &str = r#"
project "mods"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

module "ams" source="./modules/site" {
    label "ams"
}

module "bpm" source="./modules/site" {
    label "bpm"
    versioning #true
}

s3-bucket "logs" {
    name "mods-dev-logs"
    tags ams="${module.ams.bucket}"
}
"#;

const FOR_EACH_CALL: &str = r#"
project "mods"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

var "sites" {
    ams versioning=#false
    bpm versioning=#true
}

module "site" source="./modules/site" {
    for-each "${var.sites}"
    label "${each.key}"
    versioning "${each.value.versioning}"
}

s3-bucket "logs" {
    name "mods-dev-logs"
    tags ams="${module.site[\"ams\"].bucket}"
}

moved from="module.ams.s3-bucket.files" to="module.site[\"ams\"].s3-bucket.files"
moved from="module.bpm.s3-bucket.files" to="module.site[\"bpm\"].s3-bucket.files"
"#;

fn bucket_tag(p: &Project, bucket: &str, key: &str) -> Option<String> {
    let s3 = p.aws().s3();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let tags = s3.get_bucket_tagging().bucket(bucket).send().await.ok()?;
        tags.tag_set()
            .iter()
            .find(|t| t.key() == key)
            .map(|t| t.value().to_string())
    })
}

fn plan_summary(p: &Project) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(&ok(&p.eco(&["plan", "-json"]))).unwrap();
    json["summary"].clone()
}

/// Two hand-copied calls become one call with `for-each`: `moved` blocks keep the buckets; then
/// adding or removing an element creates or destroys exactly that instance's resources.
#[test]
fn a_module_called_with_for_each_makes_one_instance_per_element_keyed_by_key() {
    let p = Project::with_main(TWO_CALLS);
    p.write("modules/site/main.kdl", SITE);
    ok(&p.eco(&["apply", "-auto-approve"]));
    let ams = p.id_of("module.ams.s3-bucket.files");
    let bpm = p.id_of("module.bpm.s3-bucket.files");

    std::fs::write(p.file("main.kdl"), FOR_EACH_CALL).unwrap();
    let summary = plan_summary(&p);
    assert_eq!(summary["add"], 0, "{summary}");
    assert_eq!(summary["destroy"], 0, "{summary}");
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("2 moved") || out.contains("0 added"), "{out}");
    assert_eq!(p.id_of("module.site[\"ams\"].s3-bucket.files"), ams);
    assert_eq!(p.id_of("module.site[\"bpm\"].s3-bucket.files"), bpm);
    assert_eq!(
        p.resource("module.site[\"bpm\"].s3-bucket.files")["attributes"]["versioning"],
        true
    );
    assert_eq!(
        p.resource("s3-bucket.logs")["attributes"]["tags"]["ams"],
        "mods-dev-ams-site"
    );
    p.no_changes();

    // A new element: exactly its instance is created, the others are not touched.
    p.edit(
        "    bpm versioning=#true\n",
        "    bpm versioning=#true\n    cms versioning=#false\n",
    );
    let summary = plan_summary(&p);
    assert_eq!(
        (&summary["add"], &summary["change"], &summary["destroy"]),
        (&1.into(), &0.into(), &0.into()),
        "{summary}"
    );
    let out = ok(&p.eco(&[
        "apply",
        "-auto-approve",
        "-target",
        "module.site[\"cms\"].s3-bucket.files",
    ]));
    assert!(out.contains("1 added"), "{out}");
    assert!(bucket_exists(&p, "mods-dev-cms-site"));
    // Its ownership tag names the instance in the characters AWS tags take.
    assert_eq!(
        bucket_tag(&p, "mods-dev-cms-site", "eco:address").as_deref(),
        Some("module.site:cms.s3-bucket.files")
    );
    p.no_changes();

    // The graph draws each instance as a cluster.
    let out = ok(&p.eco(&["graph"]));
    assert!(
        out.contains("subgraph \"cluster_module.site[\\\"cms\\\"]\""),
        "{out}"
    );

    // Removing an element destroys exactly its instance.
    p.edit("    bpm versioning=#true\n", "");
    let summary = plan_summary(&p);
    assert_eq!(
        (&summary["add"], &summary["change"], &summary["destroy"]),
        (&0.into(), &0.into(), &1.into()),
        "{summary}"
    );
    ok(&p.eco(&["apply", "-auto-approve", "-allow-data-loss"]));
    assert!(!bucket_exists(&p, "mods-dev-bpm-site"));
    assert_eq!(p.id_of("module.site[\"ams\"].s3-bucket.files"), ams);
    p.no_changes();

    // A reference to an instance the stage does not have names the keys it has.
    p.edit(
        "module.site[\\\"ams\\\"].bucket",
        "module.site[\\\"bpm\\\"].bucket",
    );
    let out = p.eco(&["validate"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("unknown module instance `module.site[\"bpm\"]`"),
        "{err}"
    );
    assert!(err.contains("its keys in this stage: ams, cms"), "{err}");
}

const FUNCTION_MODULE: &str = r#"
param "name" type="string"
param "memory" default=128

iam-role "role" {
    name "mods-${stage}-${param.name}"
    assume-service "lambda.amazonaws.com"
}

lambda-function "function" {
    name "mods-${stage}-${param.name}"
    runtime "nodejs20.x"
    handler "index.handler"
    source "./src"
    role "${iam-role.role.arn}"
    memory "${param.memory}"
}

output "arn" value="${lambda-function.function.arn}"
"#;

const FIVE_FUNCTIONS: &str = r#"
project "mods"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

var "functions" {
    assets memory=256
    billing memory=128
    reports memory=512
    sites memory=128
    users memory=256
}

module "fn" source="./modules/function" {
    for-each "${var.functions}"
    name "${each.key}"
    memory "${each.value.memory}"
}
"#;

/// The (address, action) of every change `eco plan -json` plans, no-ops left out, sorted.
fn planned_changes(p: &Project) -> Vec<(String, String)> {
    let plan: serde_json::Value = serde_json::from_str(&ok(&p.eco(&["plan", "-json"]))).unwrap();
    let mut changes: Vec<(String, String)> = plan["changes"]
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
        .collect();
    changes.sort();
    changes
}

/// A Lambda module (role + function) over a map of five functions: five of each; removing the
/// middle key plans exactly its two destroys, adding one exactly two creates.
#[test]
fn a_function_module_for_each_of_five_functions_is_keyed_by_key() {
    let p = Project::with_main(FIVE_FUNCTIONS);
    p.write("modules/function/main.kdl", FUNCTION_MODULE);
    p.write(
        "src/index.js",
        "exports.handler = async () => ({ ok: true });\n",
    );
    let out = ok(&p.eco(&["apply", "-auto-approve"]));
    assert!(out.contains("10 added"), "{out}");
    let lambda = p.aws().lambda();
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (key, memory) in [
        ("assets", 256),
        ("billing", 128),
        ("reports", 512),
        ("sites", 128),
        ("users", 256),
    ] {
        let name = format!("mods-dev-{key}");
        let address = format!("module.fn[\"{key}\"].lambda-function.function");
        assert_eq!(p.id_of(&address), name);
        let live = rt
            .block_on(
                lambda
                    .get_function_configuration()
                    .function_name(&name)
                    .send(),
            )
            .unwrap();
        assert_eq!(live.memory_size(), Some(memory), "{key}");
    }
    p.no_changes();

    p.edit("    reports memory=512\n", "");
    assert_eq!(
        planned_changes(&p),
        vec![
            (
                "module.fn[\"reports\"].iam-role.role".to_string(),
                "delete".to_string()
            ),
            (
                "module.fn[\"reports\"].lambda-function.function".to_string(),
                "delete".to_string()
            ),
        ]
    );
    ok(&p.eco(&["apply", "-auto-approve"]));

    p.edit(
        "    users memory=256\n",
        "    users memory=256\n    webhooks memory=128\n",
    );
    assert_eq!(
        planned_changes(&p),
        vec![
            (
                "module.fn[\"webhooks\"].iam-role.role".to_string(),
                "create".to_string()
            ),
            (
                "module.fn[\"webhooks\"].lambda-function.function".to_string(),
                "create".to_string()
            ),
        ]
    );
    ok(&p.eco(&["apply", "-auto-approve"]));
    let out = ok(&p.eco(&["state", "list"]));
    assert_eq!(out.lines().count(), 10, "{out}");
    assert!(!out.contains("reports"), "{out}");
    p.no_changes();
}
