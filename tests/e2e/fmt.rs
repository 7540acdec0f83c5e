//! `eco fmt` and `eco fmt -check`.

use crate::support::{eco, stderr, stdout};

const MESSY: &str = "project   \"p\"\ns3-bucket \"site\"   {\n  name    \"xyz\"\n      versioning #true // keep me\n}\n";

#[test]
fn fmt_check_reports_and_fmt_rewrites_canonically() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("main.kdl");
    std::fs::write(&file, MESSY).unwrap();

    let out = eco()
        .args(["fmt", "-check"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("main.kdl"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        MESSY,
        "-check must not write"
    );

    let out = eco().arg("fmt").current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let formatted = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        formatted,
        "project \"p\"\ns3-bucket \"site\" {\n    name \"xyz\"\n    versioning #true // keep me\n}\n"
    );

    // Formatting is idempotent, and the formatted file still validates.
    let out = eco()
        .args(["fmt", "-check"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = eco()
        .arg("validate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn fmt_refuses_invalid_kdl_with_a_location() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.kdl"),
        "s3-bucket \"x\" {\n  name \"oops\n}\n",
    )
    .unwrap();
    let out = eco().arg("fmt").current_dir(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad.kdl:2:8"), "{}", stderr(&out));
}

#[test]
fn the_examples_are_formatted() {
    for example in [
        "examples/minimal",
        "examples/ecogy-platform",
        "examples/static-site",
        "examples/serverless-api",
        "examples/cognito",
    ] {
        let out = eco()
            .args(["fmt", "-check", "-chdir"])
            .arg(crate::support::repo().join(example))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{example} needs `eco fmt`: {}",
            stdout(&out)
        );
    }
}
