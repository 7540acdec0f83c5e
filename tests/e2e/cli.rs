//! The command surface: Terraform-style flags, exit codes, commands not landed yet.

use crate::support::{eco, repo, stderr, temp_with};

#[test]
fn single_and_double_dash_flags_are_equivalent() {
    for args in [
        ["validate", "-stage", "dev"],
        ["validate", "--stage", "dev"],
        ["validate", "-stage=dev", ""],
    ] {
        let out = eco()
            .args(args.iter().filter(|a| !a.is_empty()))
            .current_dir(repo().join("examples/minimal"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn bad_flags_exit_1() {
    let out = eco().args(["validate", "-no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn help_and_version_exit_0() {
    assert!(eco().arg("-help").output().unwrap().status.success());
    assert!(eco().arg("--version").output().unwrap().status.success());
}

#[test]
fn completions_are_printed() {
    for shell in ["bash", "zsh", "fish"] {
        let out = eco().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("eco"));
    }
}

/// `-var` for a variable nobody declared is an error (it would otherwise be silently ignored).
#[test]
fn an_undeclared_var_is_refused() {
    let out = eco()
        .args(["validate", "-chdir"])
        .arg(crate::support::repo().join("examples/minimal"))
        .args(["-var", "nope=1"])
        .output()
        .unwrap();
    let err = crate::support::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("-var nope=1: no variable `nope` is declared"),
        "{err}"
    );
    assert!(err.contains("declares no variables"), "{err}");
}

/// A `-target` or `-replace` that names nothing is an error, never "No changes.".
#[test]
fn a_target_that_names_nothing_is_refused_with_a_suggestion() {
    let p = crate::support::Project::from_example("examples/minimal");
    let out = p.eco(&["plan", "-target", "iam-role.nope"]);
    let err = crate::support::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("-target iam-role.nope: no such resource in the configuration or the state of stage `dev`"),
        "{err}"
    );
    assert!(!crate::support::stdout(&out).contains("No changes"));
    let out = p.eco(&["plan", "-replace", "s3-bucket.dta"]);
    let err = crate::support::stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("did you mean `s3-bucket.data`?"), "{err}");
    // A real address still plans.
    let out = p.eco(&["plan", "-target", "s3-bucket.data"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&out)
    );
}

/// A file nested 100,000 levels deep is a syntax error with its place, never a crash: every
/// command that reads the configuration (validate, fmt, graph, plan) exits 1.
#[test]
fn a_file_nested_a_hundred_thousand_levels_deep_is_a_diagnostic_not_a_crash() {
    let n = 100_000;
    let deep = format!(
        "project \"p\"\nstage \"dev\" {{ account \"123456789012\"; region \"us-east-1\" }}\n{}{}\n",
        "a {".repeat(n),
        "}".repeat(n)
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("eco.kdl"), deep).unwrap();
    for command in ["validate", "fmt", "graph", "plan"] {
        let out = eco().arg(command).current_dir(dir.path()).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{command}: {err}");
        assert!(err.contains("nesting too deep"), "{command}: {err}");
        assert!(err.contains("eco.kdl:3:"), "{command}: {err}");
    }
}

/// No credentials anywhere: one error that says so and where the SDK looked, without Rust debug
/// dumps, and not one error per resource.
#[test]
fn missing_credentials_are_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::copy_dir(&repo().join("examples/minimal"), dir.path());
    let out = eco()
        .arg("plan")
        .current_dir(dir.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", dir.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("no-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no AWS credentials could be loaded"), "{err}");
    assert_eq!(err.matches("Error:").count(), 1, "{err}");
    for dump in ["DispatchFailure(", "ConnectorError", "{ source"] {
        assert!(!err.contains(dump), "{dump} in:\n{err}");
    }
}

/// `eco refresh` is `apply -refresh-only -auto-approve`: state follows what AWS has, and nothing
/// in AWS changes.
#[test]
fn refresh_updates_state_from_aws_and_changes_nothing() {
    let p = crate::support::Project::from_example("examples/minimal");
    crate::support::ok(&p.eco(&["apply", "-auto-approve"]));
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
    let out = p.eco(&["refresh"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let state = p.state();
    let addresses: Vec<&str> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert!(
        !addresses.contains(&"dynamodb-table.items"),
        "{addresses:?}"
    );
    assert!(addresses.contains(&"s3-bucket.data"), "{addresses:?}");
    // Nothing was created again: the next plan still wants the table.
    let plan = crate::support::ok(&p.eco(&["plan", "-no-color"]));
    assert!(
        plan.contains("# dynamodb-table.items will be created"),
        "{plan}"
    );
}

#[test]
fn apply_refuses_and_hides_the_flags_only_a_plan_has() {
    let help = String::from_utf8(eco().args(["apply", "-help"]).output().unwrap().stdout).unwrap();
    for flag in ["--out", "--generate-config-out", "--detailed-exitcode"] {
        assert!(!help.contains(flag), "apply -help lists {flag}:\n{help}");
    }
    assert!(help.contains("--auto-approve"), "{help}");
    let dir = temp_with(&["examples/minimal/main.kdl"]);
    let out = eco()
        .args(["apply", "-out", "x.plan"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("-out is a flag of `eco plan`, not of `eco apply`"),
        "{err}"
    );
    assert!(!dir.path().join("x.plan").exists());
}

/// Colours only on a terminal, and never with NO_COLOR or -no-color.
#[test]
fn colour_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.kdl"),
        "project \"c\"\nstage \"dev\" {}\ns3-bucket \"b\" { nme \"x\" }\n",
    )
    .unwrap();
    let binary = assert_cmd::cargo::cargo_bin("eco");
    let on_a_terminal = |extra_env: Option<(&str, &str)>, flag: &str| {
        let mut cmd = std::process::Command::new("script");
        cmd.args([
            "-qec",
            &format!("{} validate {flag}", binary.display()),
            "/dev/null",
        ])
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null());
        if let Some((k, v)) = extra_env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("script(1) runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = on_a_terminal(None, "");
    assert!(coloured.contains("nme"), "{coloured}");
    assert!(
        coloured.contains("\x1b["),
        "no colour on a terminal:\n{coloured}"
    );
    let plain = on_a_terminal(Some(("NO_COLOR", "1")), "");
    assert!(plain.contains("nme") && !plain.contains("\x1b["), "{plain}");
    let plain = on_a_terminal(None, "-no-color");
    assert!(plain.contains("nme") && !plain.contains("\x1b["), "{plain}");
    let piped = eco()
        .arg("validate")
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let text = stderr(&piped);
    assert!(text.contains("nme") && !text.contains("\x1b["), "{text}");
}
