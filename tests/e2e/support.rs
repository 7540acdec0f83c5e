//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};

/// The `eco` binary with a clean environment: no colors, no logs.
pub fn eco() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("eco").expect("the eco binary is built");
    cmd.env("NO_COLOR", "1").env_remove("ECO_LOG");
    cmd
}

/// The repository root.
pub fn repo() -> PathBuf {
    eco_test_support::workspace_root()
}

/// A temporary directory holding copies of `files` (paths relative to the repo).
pub fn temp_with(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for f in files {
        let src = repo().join(f);
        let name = Path::new(f).file_name().expect("a file name");
        std::fs::copy(&src, dir.path().join(name)).unwrap_or_else(|e| panic!("copy {f}: {e}"));
    }
    dir
}

/// Standard error of a finished command, as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output of a finished command, as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts success and returns standard output.
pub fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// A configuration in a temp directory with its own moto server: what end-to-end tests of
/// plan/apply work on.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub moto: eco_test_support::Moto,
}

impl Project {
    /// An empty project (write its files with [`Project::write`]).
    pub fn empty() -> Project {
        Project {
            dir: tempfile::tempdir().unwrap(),
            moto: eco_test_support::Moto::start(),
        }
    }

    /// A copy of an example directory of the repository (e.g. `examples/minimal`).
    pub fn from_example(example: &str) -> Project {
        let p = Project::empty();
        copy_dir(&repo().join(example), p.path());
        p
    }

    /// A project whose only file is `main.kdl` with this text.
    pub fn with_main(main: &str) -> Project {
        let p = Project::empty();
        p.write("main.kdl", main);
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the project.
    pub fn file(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }

    /// Writes a file of the project.
    pub fn write(&self, rel: &str, text: &str) {
        let path = self.file(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }

    /// Runs eco in the project against its moto.
    pub fn eco(&self, args: &[&str]) -> std::process::Output {
        eco()
            .args(args)
            .current_dir(self.path())
            .envs(self.moto.env())
            .output()
            .unwrap()
    }

    /// Replaces the first `from` in main.kdl.
    pub fn edit(&self, from: &str, to: &str) {
        self.edit_file("main.kdl", from, to);
    }

    /// Replaces the first `from` in a file of the project.
    pub fn edit_file(&self, rel: &str, from: &str, to: &str) {
        let file = self.file(rel);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(from), "{} has no {from:?}", file.display());
        std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
    }

    /// The state of the default stage, as `eco state pull` prints it.
    pub fn state(&self) -> serde_json::Value {
        let out = self.eco(&["state", "pull"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The state of one stage, as `eco state pull -stage STAGE` prints it.
    pub fn state_of(&self, stage: &str) -> serde_json::Value {
        let out = self.eco(&["state", "pull", "-stage", stage]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// One resource of the state.
    pub fn resource(&self, address: &str) -> serde_json::Value {
        self.state()["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == address)
            .unwrap_or_else(|| panic!("{address} not in state"))
            .clone()
    }

    /// A string attribute of a resource in state (`id` is the resource's id).
    pub fn attr(&self, address: &str, attr: &str) -> String {
        let r = self.resource(address);
        if attr == "id" {
            return r["id"].as_str().unwrap().to_string();
        }
        r["attributes"][attr]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A resource's id in state.
    pub fn id_of(&self, address: &str) -> String {
        self.resource(address)["id"].as_str().unwrap().to_string()
    }

    /// SDK clients for the project's moto.
    pub fn aws(&self) -> eco_aws::Aws {
        eco_aws::Aws::for_endpoint(&self.moto.endpoint(), "us-east-1")
    }

    /// Asserts that `eco plan -detailed-exitcode` finds nothing to do.
    pub fn no_changes(&self) {
        let out = self.eco(&["plan", "-detailed-exitcode"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "expected no changes:\n{}\n{}",
            stdout(&out),
            stderr(&out)
        );
    }

    /// Asserts that `eco plan -stage STAGE -detailed-exitcode` finds nothing to do.
    pub fn no_changes_in(&self, stage: &str) {
        let out = self.eco(&["plan", "-stage", stage, "-detailed-exitcode"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "expected no changes in {stage}:\n{}\n{}",
            stdout(&out),
            stderr(&out)
        );
    }

    /// `eco plan -json`'s change of one address (null when none).
    pub fn planned(&self, address: &str) -> serde_json::Value {
        let out = ok(&self.eco(&["plan", "-json"]));
        let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == address)
            .cloned()
            .unwrap_or(serde_json::Value::Null)
    }
}
