//! The architecture invariants of docs/ARCHITECTURE.md that a reading of the source can check.

use std::path::{Path, PathBuf};

use crate::support::repo;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The library sources of the workspace (`src/` of every crate and state backend).
fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for parent in ["crates", "state-backends"] {
        for krate in std::fs::read_dir(repo().join(parent)).unwrap() {
            let src = krate.unwrap().path().join("src");
            if src.is_dir() {
                rust_files(&src, &mut files);
            }
        }
    }
    assert!(files.len() > 50, "found only {} source files", files.len());
    files
}

/// Code before the first `#[cfg(test)]` (unit tests may print).
fn non_test_code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[test]
fn only_the_cli_ui_module_prints() {
    let ui = repo().join("crates/eco-cli/src/ui.rs");
    let mut offenders = Vec::new();
    for file in sources() {
        if file == ui || file.ends_with("tests.rs") {
            continue;
        }
        for (n, line) in non_test_code(&file).lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if ["println!", "eprintln!", "print!(", "eprint!(", "dbg!("]
                .iter()
                .any(|m| code.contains(m))
            {
                offenders.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "printing outside crates/eco-cli/src/ui.rs:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn only_eco_aws_and_the_s3_backend_know_the_aws_sdk() {
    let allowed = ["crates/eco-aws", "state-backends/s3"];
    for parent in ["crates", "state-backends"] {
        for krate in std::fs::read_dir(repo().join(parent)).unwrap() {
            let dir = krate.unwrap().path();
            let manifest = dir.join("Cargo.toml");
            let Ok(text) = std::fs::read_to_string(&manifest) else {
                continue;
            };
            let rel = dir
                .strip_prefix(repo())
                .unwrap()
                .to_string_lossy()
                .to_string();
            let deps = text.split("[dev-dependencies]").next().unwrap_or("");
            let knows_sdk = deps.lines().any(|l| {
                l.trim_start().starts_with("aws-sdk-") || l.trim_start().starts_with("aws-config")
            });
            assert!(
                !knows_sdk || allowed.contains(&rel.as_str()),
                "{rel} depends on the AWS SDK"
            );
        }
    }
}
