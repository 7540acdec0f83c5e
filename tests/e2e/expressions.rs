//! Locals, functions, a conditional, KDL policy documents and `${aws.*}` end to end against
//! moto: the configuration applies, plans clean, and reordering a policy's statements and
//! actions plans nothing; function mistakes are validate-time diagnostics with file:line:col.

use crate::support::{eco, ok, stderr, stdout, Project};

const MAIN: &str = r##"project "expr"

stage "dev" {
    region "us-east-1"
}

var "env" default="dev"

local "prefix" value="Expr-Dev"
local "table-name" value="${lower(local.prefix)}-table"
local "tags" {
    team "core"
    env "${var.env}"
}

dynamodb-table "t" {
    name "${local.table-name}"
    hash-key "pk" type="S"
    tags team=#"${lookup(local.tags, "team")}"# tier=#"${var.env == "prod" ? "gold" : "bronze"}"#
}

iam-role "fn" {
    name #"${replace(local.prefix, "-", "")}-fn"#
    description #"${upper(var.env)} role of ${aws.partition} account ${aws.account-id}"#
    assume-policy {
        statement effect="Allow" {
            principal service="lambda.amazonaws.com"
            action "sts:AssumeRole"
        }
    }
    inline-policy "data" {
        policy {
            statement "Read" effect="Allow" {
                action "dynamodb:GetItem" "dynamodb:Query"
                resource "${dynamodb-table.t.arn}" "arn:aws:dynamodb:${aws.region}:${aws.account-id}:table/x"
            }
            statement "Never" effect="Deny" {
                action "dynamodb:DeleteTable"
                resource "*"
            }
        }
    }
}

iam-policy "read" {
    name "${lower(local.prefix)}-read"
    policy {
        statement effect="Allow" {
            action "s3:GetObject" "s3:ListBucket"
            resource "arn:${aws.partition}:s3:::${local.table-name}/*"
        }
    }
}
"##;

#[test]
fn locals_functions_policies_and_identity_apply_and_plan_clean() {
    let p = Project::with_main(MAIN);
    let out = p.eco(&["apply", "-auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));

    assert_eq!(p.attr("dynamodb-table.t", "name"), "expr-dev-table");
    let table = p.resource("dynamodb-table.t");
    assert_eq!(table["attributes"]["tags"]["tier"], "bronze");
    assert_eq!(table["attributes"]["tags"]["team"], "core");
    assert_eq!(p.attr("iam-role.fn", "name"), "ExprDev-fn");
    assert_eq!(
        p.attr("iam-role.fn", "description"),
        "DEV role of aws account 123456789012"
    );

    // What IAM holds: the documents compiled from KDL, with the table's ARN and the account.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let iam = p.aws().iam();
    let inline = rt
        .block_on(
            iam.get_role_policy()
                .role_name("ExprDev-fn")
                .policy_name("data")
                .send(),
        )
        .unwrap();
    let doc = urlencoding_decode(inline.policy_document());
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    let read = &doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "Read")
        .unwrap()["Resource"];
    assert_eq!(
        read,
        &serde_json::json!([
            "arn:aws:dynamodb:us-east-1:123456789012:table/expr-dev-table",
            "arn:aws:dynamodb:us-east-1:123456789012:table/x"
        ])
    );

    // `${aws.account-id}` costs one GetCallerIdentity a run (this stage declares no account,
    // so the account guard asks nothing), and `${aws.region}` none.
    p.moto.start_recording();
    p.no_changes();
    let identity_calls = p
        .moto
        .recorded_calls()
        .iter()
        .filter(|c| c.group() == "GetCallerIdentity")
        .count();
    assert_eq!(identity_calls, 1);

    // Statements, actions and resources in another order: the same policy.
    p.edit(
        r#"            statement "Read" effect="Allow" {
                action "dynamodb:GetItem" "dynamodb:Query"
                resource "${dynamodb-table.t.arn}" "arn:aws:dynamodb:${aws.region}:${aws.account-id}:table/x"
            }
            statement "Never" effect="Deny" {
                action "dynamodb:DeleteTable"
                resource "*"
            }"#,
        r#"            statement "Never" effect="Deny" {
                resource "*"
                action "dynamodb:DeleteTable"
            }
            statement "Read" effect="Allow" {
                action "dynamodb:Query" "dynamodb:GetItem"
                resource "arn:aws:dynamodb:${aws.region}:${aws.account-id}:table/x"
                resource "${dynamodb-table.t.arn}"
            }"#,
    );
    p.edit(
        r#"action "s3:GetObject" "s3:ListBucket""#,
        r#"action "s3:ListBucket" "s3:GetObject""#,
    );
    p.no_changes();

    // A real change to a policy is planned, in place.
    p.edit(
        r#"action "dynamodb:DeleteTable""#,
        r#"action "dynamodb:DeleteTable" "dynamodb:DeleteItem""#,
    );
    let change = p.planned("iam-role.fn");
    assert_eq!(change["action"], "update", "{change}");
    let out = p.eco(&["apply", "-auto-approve"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    p.no_changes();
}

/// IAM answers policy documents URL-encoded.
fn urlencoding_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn function_errors_are_validate_time_diagnostics_with_locations() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.kdl"),
        "project \"x\"\nlocal \"prefix\" value=\"Ab\"\ndynamodb-table \"t\" {\n    name \"${lowr(local.prefix)}\"\n    hash-key \"pk\" type=\"S\"\n}\n",
    )
    .unwrap();
    let out = eco()
        .args(["validate", "-chdir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("unknown function `lowr`"), "{err}");
    assert!(err.contains("did you mean `lower`?"), "{err}");
    assert!(err.contains("main.kdl:4:13"), "{err}");

    std::fs::write(
        dir.path().join("main.kdl"),
        "project \"x\"\nlocal \"tags\" { team \"a\"; }\ndynamodb-table \"t\" {\n    name #\"${upper(local.tags)}\"#\n    hash-key \"pk\" type=\"S\"\n}\n",
    )
    .unwrap();
    let out = eco()
        .args(["validate", "-chdir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("argument 1 of `upper` must be a string, found a map"),
        "{err}"
    );
    assert!(err.contains("main.kdl:4:"), "{err}");

    // The same configuration with the right function validates.
    std::fs::write(
        dir.path().join("main.kdl"),
        "project \"x\"\nlocal \"prefix\" value=\"Ab\"\ndynamodb-table \"t\" {\n    name \"${lower(local.prefix)}\"\n    hash-key \"pk\" type=\"S\"\n}\n",
    )
    .unwrap();
    let out = eco()
        .args(["validate", "-chdir"])
        .arg(dir.path())
        .output()
        .unwrap();
    ok(&out);
}

#[test]
fn a_saved_plan_with_expressions_identity_and_lookups_applies() {
    let main = MAIN.replace(
        "var \"env\" default=\"dev\"",
        "var \"env\" default=\"dev\"\nlookup \"iam-role\" \"fn-again\" {\n    name \"ExprDev-fn\"\n}",
    );
    let p = Project::with_main(MAIN);
    ok(&p.eco(&["apply", "-auto-approve"]));
    // A second configuration state: a lookup of the role the first apply made feeds a tag.
    p.write(
        "main.kdl",
        &main.replace(
            "tags team=",
            "tags role=\"${lookup.iam-role.fn-again.arn}\" team=",
        ),
    );
    ok(&p.eco(&["plan", "-out", "tags.plan"]));
    let out = p.eco(&["apply", "tags.plan"]);
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(
        p.resource("dynamodb-table.t")["attributes"]["tags"]["role"],
        "arn:aws:iam::123456789012:role/ExprDev-fn"
    );
    p.no_changes();
}

const MERGED_TAGS: &str = r#"
project "tags"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

local "common" {
    team "platform"
    cost-center "42"
}

var "extra" {
    data "customer"
}

// Terraform's `tags = merge(local.common, var.extra)`.
s3-bucket "merged" {
    name "tags-dev-merged"
    tags "${merge(local.common, var.extra)}"
}

s3-bucket "common" {
    name "tags-dev-common"
    tags "${local.common}"
}
"#;

fn live_tags(p: &Project, bucket: &str) -> std::collections::BTreeMap<String, String> {
    let s3 = p.aws().s3();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let tags = s3.get_bucket_tagging().bucket(bucket).send().await.unwrap();
        tags.tag_set()
            .iter()
            .filter(|t| !t.key().starts_with("eco:"))
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect()
    })
}

/// Tags given as one expression (a `merge(...)` of maps, a map local) apply, plan clean, and
/// change in place with the map.
#[test]
fn tags_from_one_merge_expression_apply_plan_clean_and_change_in_place() {
    let p = Project::with_main(MERGED_TAGS);
    ok(&p.eco(&["apply", "-auto-approve"]));
    let want = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert_eq!(
        live_tags(&p, "tags-dev-merged"),
        want(&[
            ("cost-center", "42"),
            ("data", "customer"),
            ("team", "platform")
        ])
    );
    assert_eq!(
        live_tags(&p, "tags-dev-common"),
        want(&[("cost-center", "42"), ("team", "platform")])
    );
    p.no_changes();

    // A later map wins a key; the change is in place.
    p.edit(
        "    data \"customer\"\n",
        "    data \"customer\"\n    team \"data\"\n",
    );
    let out = ok(&p.eco(&["plan"]));
    assert!(out.contains("0 to add, 1 to change, 0 to destroy"), "{out}");
    ok(&p.eco(&["apply", "-auto-approve"]));
    assert_eq!(live_tags(&p, "tags-dev-merged")["team"], "data");
    p.no_changes();

    // Tags set by an expression and again key by key: one place only.
    p.edit(
        "    tags \"${local.common}\"\n",
        "    tags \"${local.common}\"\n    tags owner=\"ops\"\n",
    );
    let out = p.eco(&["validate"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("`tags` is set twice, once by one expression"),
        "{}",
        stderr(&out)
    );
}
