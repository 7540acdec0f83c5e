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
