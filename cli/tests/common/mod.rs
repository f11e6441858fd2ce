//! Helpers for the CLI integration tests: run the real binary with an isolated cache.

#![allow(dead_code)]

pub mod node;

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

/// Creation code that deploys `runtime` as is.
pub fn creation_of(runtime: &[u8]) -> Vec<u8> {
    let len = u16::try_from(runtime.len())
        .expect("small runtime")
        .to_be_bytes();
    // push2 len, dup1, push1 12, push1 0, codecopy, push1 0, return
    let mut code = vec![
        0x61, len[0], len[1], 0x80, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3,
    ];
    code.extend_from_slice(runtime);
    code
}

/// Runtime code that returns the word 1 to any call: a "verifier" that accepts everything.
pub const ACCEPT_ANYTHING: [u8; 10] = [0x60, 0x01, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3];

/// Runtime code that stops at once: every call "succeeds" with no output.
pub const EMPTY_SUCCESS: [u8; 1] = [0x00];

/// `zkinfer export-verifier` for a zoo model into `dir/<model>-evm`: its EVM verifying-key data.
pub fn export(
    dir: &Path,
    model: &str,
    extra: &[&str],
) -> zkinfer_verifier_contract::reusable::VerifierData {
    let out = dir.join(format!("{model}-evm"));
    let onnx = zoo(model, "network.onnx");
    let mut args = vec![
        "export-verifier",
        onnx.to_str().expect("utf-8 path"),
        "-o",
        out.to_str().expect("utf-8 path"),
    ];
    args.extend(extra);
    ok(zkinfer(dir, &args));
    let vk = out.join("vk.json");
    zkinfer_verifier_contract::reusable::VkFile::read(&vk)
        .and_then(|f| f.verifier_data(&vk))
        .expect("exported vk.json")
}

/// `zkinfer prove --public-input --bind WORD` of tiny_linear into `dir/out`: its instances and proof.
pub fn prove_tiny_bound(
    dir: &Path,
    word: &zkinfer_circuits::Fr,
    out: &str,
) -> (Vec<zkinfer_circuits::Fr>, Vec<u8>) {
    let (onnx, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    let hex = zkinfer_prover::artifact::fr_to_hex(word);
    ok(zkinfer(
        dir,
        &[
            "prove",
            onnx.to_str().expect("utf-8 path"),
            input.to_str().expect("utf-8 path"),
            "--public-input",
            "--bind",
            &hex,
            "-o",
            out,
        ],
    ));
    let artifact = zkinfer_prover::ProofArtifact::read(&dir.join(out)).expect("proof file");
    let instances = artifact.instances().expect("instances");
    assert_eq!(instances.last(), Some(word), "bound to the word");
    (instances, artifact.proof_bytes().expect("proof bytes"))
}
