//! Secrets never reach an output channel: a sensitive variable, a sensitive attribute (a
//! client secret) and outputs that reference them are looked for in everything eco prints —
//! plan, plan -json, apply, logs at trace, an AWS error, output, output -json, state show.

use crate::support::{ok, stderr, stdout, Project};

const TOKEN: &str = "tok-5e3b1f-never-print";

const MAIN: &str = r#"project "secrets"

var "token" sensitive=#true

stage "dev" {
    account "123456789012"
    region "us-east-1"
}

iam-role "app" {
    name "secrets-app"
    assume-service "lambda.amazonaws.com"
    description "calls the partner API with ${var.token}"
}

cognito-user-pool "users" {
    name "secrets-users"
    lifecycle prevent-destroy=#false
}

cognito-user-pool-client "backend" {
    user-pool "${cognito-user-pool.users.id}"
    name "backend"
    generate-secret #true
}

output "client-secret" value="${cognito-user-pool-client.backend.secret}"
output "token" value="${var.token}"
output "role" value="${iam-role.app.name}"
"#;

/// Everything a run printed, both streams.
fn printed(out: &std::process::Output) -> String {
    format!("{}\n{}", stdout(out), stderr(out))
}

#[test]
fn no_output_channel_shows_a_sensitive_var_attribute_or_output() {
    let p = Project::with_main(MAIN);
    let var = format!("token={TOKEN}");
    let with_var = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["-var", var.as_str()]);
        p.eco(&all)
    };
    let mut seen = Vec::new();

    seen.push(("plan", printed(&with_var(&["plan"]))));
    seen.push(("plan -json", printed(&with_var(&["plan", "-json"]))));
    let apply = eco_with_log(&p, &["apply", "-auto-approve", "-var", var.as_str()]);
    assert!(apply.status.success(), "{}", printed(&apply));
    seen.push(("apply, ECO_LOG=trace", printed(&apply)));

    let secret = p.state()["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "cognito-user-pool-client.backend")
        .and_then(|r| r["attributes"]["secret"].as_str())
        .map(str::to_string)
        .expect("state keeps the client secret");
    assert!(secret.len() > 8, "{secret}");

    seen.push(("output", printed(&p.eco(&["output"]))));
    seen.push(("output -json", printed(&p.eco(&["output", "-json"]))));
    for address in ["iam-role.app", "cognito-user-pool-client.backend"] {
        seen.push(("state show", printed(&p.eco(&["state", "show", address]))));
    }
    seen.push(("show", printed(&p.eco(&["show"]))));
    seen.push(("show -json", printed(&p.eco(&["show", "-json"]))));
    let console = crate::support::eco()
        .args(["console", "-var", var.as_str()])
        .current_dir(p.path())
        .envs(p.moto.env())
        .write_stdin("cognito-user-pool-client.backend.secret\nvar.token\nupper(var.token)\n")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&console).lines().collect::<Vec<_>>(),
        ["(sensitive value)"; 3],
        "{}",
        printed(&console)
    );
    seen.push(("console", printed(&console)));
    // A change that fails, whose error quotes the value it was given (the token inside it).
    p.edit(
        "assume-service \"lambda.amazonaws.com\"",
        "assume-service \"lambda.amazonaws.com\"\n    permissions-boundary \"boundary-${var.token}\"",
    );
    let failed = with_var(&["apply", "-auto-approve"]);
    assert_eq!(failed.status.code(), Some(1), "{}", printed(&failed));
    assert!(
        stderr(&failed)
            .contains("permissions-boundary `boundary-(sensitive value)` is not a policy ARN"),
        "{}",
        printed(&failed)
    );
    seen.push(("a failing apply", printed(&failed)));

    for (channel, text) in &seen {
        assert!(
            !text.contains(TOKEN),
            "{channel} shows the sensitive var:\n{text}"
        );
        assert!(
            !text.contains(&secret),
            "{channel} shows the client secret:\n{text}"
        );
    }
    // The outputs exist and are marked, not missing.
    let listed = ok(&p.eco(&["output"]));
    assert!(
        listed.contains("client-secret = (sensitive value)"),
        "{listed}"
    );
    assert!(
        listed.contains("token         = (sensitive value)"),
        "{listed}"
    );
    assert!(
        listed.contains("role          = \"secrets-app\""),
        "{listed}"
    );
    // Asked for by name, an output is printed: that is how a script reads a secret.
    assert_eq!(ok(&p.eco(&["output", "client-secret"])).trim(), secret);
}

/// Runs eco with every log on.
fn eco_with_log(p: &Project, args: &[&str]) -> std::process::Output {
    crate::support::eco()
        .args(args)
        .current_dir(p.path())
        .envs(p.moto.env())
        .env("ECO_LOG", "trace")
        .output()
        .unwrap()
}
