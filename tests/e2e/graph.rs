//! `eco graph`: DOT whose edges are exactly the references.

use crate::support::{eco, stderr, stdout};

const CONFIG: &str = r#"project "g"
iam-role "api" {
    name "api"
    assume-service "lambda.amazonaws.com"
}
dynamodb-table "assets" {
    name "assets"
    hash-key "pk" type="S"
}
s3-bucket "site" {
    name "site-${iam-role.api.name}"
    depends-on "dynamodb-table.assets"
}
s3-bucket "logs" {
    name "logs"
}
"#;

#[test]
fn dot_edges_are_the_references() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.kdl"), CONFIG).unwrap();
    let out = eco().arg("graph").current_dir(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let dot = stdout(&out);
    let mut edges: Vec<&str> = dot
        .lines()
        .filter(|l| l.contains("->"))
        .map(str::trim)
        .collect();
    edges.sort();
    assert_eq!(
        edges,
        [
            "\"s3-bucket.site\" -> \"dynamodb-table.assets\";",
            "\"s3-bucket.site\" -> \"iam-role.api\";",
        ]
    );
    assert!(dot.contains("\"s3-bucket.logs\";"));
    assert!(dot.starts_with("digraph eco {"));
}

#[test]
fn svg_is_a_picture() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.kdl"), CONFIG).unwrap();
    let out = eco()
        .args(["graph", "-format=svg"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let svg = stdout(&out);
    assert!(svg.contains("<svg") && svg.contains("s3-bucket.site"));
}

/// `eco graph | head -n 1`: the reader goes away after one line; eco stops printing, no panic.
#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} graph | head -n 1",
            assert_cmd::cargo::cargo_bin("eco").display()
        ))
        .current_dir(crate::support::repo().join("examples/ecogy-platform"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1, "{}", stdout(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}
