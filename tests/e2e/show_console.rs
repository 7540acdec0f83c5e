//! `eco show [PLANFILE]` and `eco console`: a saved plan shown as `eco plan` showed it, a
//! stage's state readable and as JSON, and expressions evaluated against a stage's state.

use crate::support::{ok, stderr, stdout, Project};

const MAIN: &str = r#"project "show"

var "team" default="platform"

local "prefix" value="show-${stage}"

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

iam-role "app" {
    name "${local.prefix}-app"
    assume-service "lambda.amazonaws.com"
    tags team="${var.team}"
}

output "role-arn" value="${iam-role.app.arn}"
"#;

#[test]
fn show_renders_a_saved_plan_and_the_state() {
    let p = Project::with_main(MAIN);
    let planned = ok(&p.eco(&["plan", "-out", "dev.plan"]));
    let shown = ok(&p.eco(&["show", "dev.plan"]));
    assert!(
        shown.starts_with("Saved plan for stage `dev` (made against state serial 0):"),
        "{shown}"
    );
    let body = &planned[planned.find("eco will perform").expect("a plan")..];
    let body = &body[..=body.find("to destroy.").expect("a summary") + "to destroy".len()];
    assert!(shown.contains(body), "{shown}\n---\n{planned}");
    let json: serde_json::Value = serde_json::from_str(&ok(&p.eco(&["show", "-json", "dev.plan"])))
        .expect("show -json PLANFILE is JSON");
    assert_eq!(json["summary"]["add"], 1, "{json}");

    let empty = ok(&p.eco(&["show"]));
    assert!(
        empty.contains("The state of stage `dev` is empty"),
        "{empty}"
    );

    ok(&p.eco(&["apply", "dev.plan"]));
    let state = ok(&p.eco(&["show"]));
    assert!(state.starts_with("Stage `dev`: 1 resources"), "{state}");
    assert!(state.contains("# iam-role.app:"), "{state}");
    assert!(state.contains("name = \"show-dev-app\""), "{state}");
    assert!(state.contains("Outputs:"), "{state}");
    assert!(state.contains("role-arn = \"arn:aws:iam::"), "{state}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&p.eco(&["show", "-json"]))).expect("show -json is JSON");
    assert_eq!(json["resources"][0]["address"], "iam-role.app", "{json}");
    assert_eq!(json["outputs"]["role-arn"]["sensitive"], false, "{json}");

    let missing = p.eco(&["show", "nope.plan"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("cannot read nope.plan"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn console_evaluates_each_line_against_the_stage() {
    let p = Project::with_main(MAIN);
    ok(&p.eco(&["apply", "-auto-approve"]));
    let run = |input: &str| {
        crate::support::eco()
            .args(["console", "-var", "team=data"])
            .current_dir(p.path())
            .envs(p.moto.env())
            .write_stdin(input)
            .output()
            .unwrap()
    };
    let out = run("var.team\nlocal.prefix\nupper(iam-role.app.name)\n\
                   \"${stage}-${aws.region}\"\nlength(split(\"-\", iam-role.app.name))\n\
                   iam-role.app.tags\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        [
            "\"data\"",
            "\"show-dev\"",
            "\"SHOW-DEV-APP\"",
            "\"dev-us-east-1\"",
            "3",
            "{eco:address=\"iam-role.app\", eco:project=\"show\", eco:stage=\"dev\", team=\"platform\"}",
        ],
        "{}",
        stderr(&out)
    );
    // A mistake is a diagnostic for that line; the next lines still run; the exit code says so.
    let out = run("iam-role.nope.arn\nvar.team\n");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("iam-role.nope"), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "\"data\"");
}
