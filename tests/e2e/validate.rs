//! `eco validate` on the examples and on broken fixtures.

use crate::support::{eco, repo, stderr, temp_with};

#[test]
fn examples_validate() {
    for example in [
        "examples/minimal",
        "examples/ecogy-platform",
        "examples/static-site",
        "examples/serverless-api",
        "examples/cognito",
    ] {
        let out = eco()
            .args(["validate", "-chdir"])
            .arg(repo().join(example))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{example} does not validate:\n{}",
            stderr(&out)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("Success!"));
    }
}

/// Each broken fixture: exit 1, the file:line:col and the specific message; the full
/// rendering is a snapshot.
#[test]
fn invalid_fixtures_give_located_diagnostics() {
    let cases = [
        (
            "unknown-attribute.kdl",
            "unknown-attribute.kdl:5:5",
            "unknown attribute `versionning` in s3-bucket",
        ),
        (
            "type-error.kdl",
            "type-error.kdl:5:16",
            "`versioning` expects a boolean",
        ),
        (
            "unknown-reference.kdl",
            "unknown-reference.kdl:8:20",
            "unknown resource `s3-bucket.sites`",
        ),
        (
            "cycle.kdl",
            "cycle.kdl:4:13",
            "dependency cycle: iam-role.a -> iam-role.c -> iam-role.b -> iam-role.a",
        ),
        (
            "duplicate-address.kdl",
            "duplicate-address.kdl:7:1",
            "s3-bucket.site is declared twice",
        ),
        ("syntax-error.kdl", "syntax-error.kdl:4:10", "syntax error"),
        (
            "unknown-node.kdl",
            "unknown-node.kdl:3:1",
            "unknown node `s3-buckt`",
        ),
        (
            "unknown-variable.kdl",
            "unknown-variable.kdl:6:16",
            "unknown variable `var.domian`",
        ),
        (
            "missing-required.kdl",
            "missing-required.kdl:3:1",
            "missing the required attribute `name`",
        ),
    ];
    for (file, location, message) in cases {
        let dir = temp_with(&[&format!("tests/fixtures/invalid/{file}")]);
        let out = eco()
            .arg("validate")
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(
            err.contains(location),
            "{file}: expected {location} in:\n{err}"
        );
        assert!(
            err.contains(message),
            "{file}: expected `{message}` in:\n{err}"
        );
        assert!(!err.contains("panicked"), "{file} panicked:\n{err}");
        insta::assert_snapshot!(file, err);
    }
}

#[test]
fn did_you_mean_hints() {
    let dir = temp_with(&["tests/fixtures/invalid/unknown-attribute.kdl"]);
    let out = eco()
        .arg("validate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(stderr(&out).contains("did you mean `versioning`?"));
}

#[test]
fn unknown_stage_is_refused_with_the_declared_ones() {
    let out = eco()
        .args(["validate", "-stage", "prd", "-chdir"])
        .arg(repo().join("examples/ecogy-platform"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("unknown stage `prd`"), "{err}");
    assert!(err.contains("did you mean `prod`?"), "{err}");
}

#[test]
fn a_stage_without_a_value_for_a_variable_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.kdl"),
        "project \"p\"\nstage \"dev\" { var domain=\"dev.example.com\" }\nstage \"prod\" { }\n\
         s3-bucket \"site\" { name \"site.${var.domain}\" }\n",
    )
    .unwrap();
    let out = eco()
        .arg("validate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stage `prod`: variable `domain` has no value in stage `prod`"),
        "{err}"
    );
    assert!(err.contains("main.kdl:4:31"), "{err}");
    // -var supplies it
    let out = eco()
        .args(["validate", "-stage", "prod", "-var", "domain=x.example.com"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_directory_without_kdl_files_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = eco()
        .arg("validate")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no *.kdl files"));
}
