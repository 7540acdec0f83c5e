//! Every KDL example in docs/ is checked by `eco validate`.
//!
//! A block fenced ```` ```kdl ```` must validate on its own (`project` is added when it has
//! none). A block fenced ```` ```kdl fragment ```` is part of a larger configuration: it may
//! reference resources and variables it does not declare and leave out required attributes, and
//! must have no other problem (no unknown attribute, wrong type, value AWS refuses...).

use std::path::{Path, PathBuf};

use crate::support::{eco, repo, stderr};

/// Problems a fragment may have because the rest of its configuration is elsewhere.
const FRAGMENT_MAY_LACK: &[&str] = &["eco::unknown_reference", "eco::missing_attribute"];

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// (line of the fence, info after `kdl`, body) of every ```kdl block.
fn kdl_blocks(text: &str) -> Vec<(usize, String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut open {
            None => {
                if let Some(info) = line.trim_start().strip_prefix("```kdl") {
                    open = Some((n + 1, info.trim().to_string(), String::new()));
                }
            }
            Some((_, _, body)) => {
                if line.trim_start().starts_with("```") {
                    blocks.push(open.take().unwrap());
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    blocks
}

#[test]
fn every_kdl_example_in_docs_validates() {
    let mut files = Vec::new();
    markdown_files(&repo().join("docs"), &mut files);
    let mut checked = 0;
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, info, body) in kdl_blocks(&text) {
            checked += 1;
            let fragment = match info.as_str() {
                "" => false,
                "fragment" => true,
                other => panic!("{}:{line}: unknown fence info `{other}`", file.display()),
            };
            let dir = tempfile::tempdir().unwrap();
            let has_project = body.lines().any(|l| l.starts_with("project "));
            let source = if has_project {
                body.clone()
            } else {
                format!("project \"docs\"\n{body}")
            };
            std::fs::write(dir.path().join("main.kdl"), source).unwrap();
            let out = eco()
                .args(["validate", "-chdir"])
                .arg(dir.path())
                .output()
                .unwrap();
            if out.status.success() {
                continue;
            }
            let err = stderr(&out);
            let codes: Vec<&str> = err
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("eco::") && !l.contains(' '))
                .collect();
            let excused = fragment
                && !codes.is_empty()
                && codes.iter().all(|c| FRAGMENT_MAY_LACK.contains(c));
            if !excused {
                let rel = file.strip_prefix(repo()).unwrap();
                problems.push(format!("{}:{line}:\n{err}", rel.display()));
            }
        }
    }
    assert!(checked >= 25, "only {checked} KDL examples found in docs/");
    assert!(
        problems.is_empty(),
        "KDL examples in docs/ that do not validate:\n{}",
        problems.join("\n")
    );
}
