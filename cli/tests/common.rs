//! Helpers for the CLI integration tests: run the real binary with an isolated cache.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

pub fn zoo(model: &str, file: &str) -> PathBuf {
    repo().join("models/zoo").join(model).join(file)
}

/// Run `zkinfer args...` with `cache` as its cache, allowing the local development SRS (the tests'
/// circuits have no ceremony SRS: `ZKINFER_INSECURE_DEV_SRS=1`, the env form of `--insecure-dev-srs`).
pub fn zkinfer(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args(args)
        .env("ZKINFER_CACHE", cache)
        .env("ZKINFER_INSECURE_DEV_SRS", "1")
        .current_dir(cache)
        .output()
        .expect("run zkinfer")
}

/// [`zkinfer`] without allowing the development SRS.
pub fn zkinfer_strict(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args(args)
        .env("ZKINFER_CACHE", cache)
        .env_remove("ZKINFER_INSECURE_DEV_SRS")
        .current_dir(cache)
        .output()
        .expect("run zkinfer")
}

/// Start `zkinfer args...` in the background with `cache` as its cache, output captured.
pub fn spawn_zkinfer<S: AsRef<std::ffi::OsStr>>(cache: &Path, args: &[S]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_zkinfer"))
        .args(args)
        .env("ZKINFER_CACHE", cache)
        .env("ZKINFER_INSECURE_DEV_SRS", "1")
        .current_dir(cache)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start zkinfer")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Assert success and return stdout.
pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "zkinfer failed: {}\n{}",
        stderr(&o),
        stdout(&o)
    );
    stdout(&o)
}

/// Assert a clean failure: non-zero exit, exactly one `error:` line on stderr that contains `needle`,
/// no panic. Returns the error line.
pub fn fails_with(o: Output, needle: &str) -> String {
    let err = stderr(&o);
    assert!(
        !o.status.success(),
        "expected failure, got success: {}",
        stdout(&o)
    );
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "expected one error line, got: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "panic: {err}"
    );
    assert!(
        errors[0].contains(needle),
        "error line '{}' does not mention '{needle}'",
        errors[0]
    );
    errors[0].to_string()
}

/// Values of the `output` line printed by prove/verify.
pub fn printed_output(stdout: &str) -> Vec<f64> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("output"))
        .expect("output line");
    let list = &line[line.find("] [").expect("shape then values") + 3..line.rfind(']').expect("]")];
    list.split(", ")
        .map(|v| v.trim().parse().expect("number"))
        .collect()
}
