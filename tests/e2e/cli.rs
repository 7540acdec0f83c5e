//! The command surface: Terraform-style flags, exit codes, commands not landed yet.

use crate::support::{eco, repo, stderr};

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
