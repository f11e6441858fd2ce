//! `zkinfer inspect`, `zkinfer bench` and the memory check `prove` makes before keygen.

mod common;

use common::{fails_with, ok, zkinfer, zoo};
use std::process::Command;

#[test]
fn inspect_predicts_before_any_keygen() {
    let dir = tempfile::tempdir().unwrap();
    let (onnx, input) = (
        zoo("mlp_digits", "network.onnx"),
        zoo("mlp_digits", "input.json"),
    );
    let out = ok(zkinfer(
        dir.path(),
        &[
            "inspect",
            onnx.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--json",
        ],
    ));
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    let e = &json["estimate"];
    // The circuit holds its rows, and at least the smallest limb table the search may choose (2^8
    // entries, finer weights' floor) plus halo2's blinding rows: k >= 9.
    let (k, rows) = (e["k"].as_u64().unwrap(), e["rows"].as_u64().unwrap());
    assert!(k >= 9 && rows > 0 && 1u64 << k > rows, "{json}");
    assert!(e["pk_bytes"].as_u64().unwrap() > 1 << 20, "{json}");
    assert!(e["peak_ram_bytes"].as_u64().unwrap() > e["pk_bytes"].as_u64().unwrap());
    assert!(e["prove_seconds"].as_f64().unwrap() > 0.0);
    // Nothing was generated: no SRS, no keys, and no settings cached for the model.
    assert!(!dir.path().join("keys").exists() && !dir.path().join("srs").exists());
    assert!(!dir.path().join("models").exists());
    // Without settings or data it says what to pass.
    let fresh = tempfile::tempdir().unwrap();
    fails_with(
        zkinfer(fresh.path(), &["inspect", onnx.to_str().unwrap()]),
        "--calibration",
    );
}

#[test]
fn bench_measures_every_phase_and_the_gas() {
    let dir = tempfile::tempdir().unwrap();
    let (onnx, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    let out = ok(zkinfer(
        dir.path(),
        &[
            "bench",
            onnx.to_str().unwrap(),
            input.to_str().unwrap(),
            "--runs",
            "1",
            "--json",
        ],
    ));
    let json: serde_json::Value = serde_json::from_str(&out).expect("json");
    for phase in ["native", "witness", "keygen", "prove", "verify"] {
        assert!(
            json["seconds"][phase].as_f64().unwrap() >= 0.0,
            "{phase}: {json}"
        );
    }
    assert!(json["seconds"]["prove"].as_f64().unwrap() > 0.0);
    assert!(json["proof_bytes"].as_u64().unwrap() > 1000);
    assert!(json["evm_gas"].as_u64().unwrap() > 100_000, "{json}");
    assert!(json["peak_rss_bytes"].as_u64().unwrap() > 1 << 20);
    // A benchmark measures: the settings it chose are not cached as the model's.
    assert!(!dir.path().join("models").exists());
}

#[test]
fn prove_refuses_a_run_predicted_to_exceed_memory_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let (onnx, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    let proof = dir.path().join("proof.json");
    let args = [
        "prove",
        onnx.to_str().unwrap(),
        input.to_str().unwrap(),
        "-o",
        proof.to_str().unwrap(),
    ];
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_zkinfer"))
            .args(args.iter().chain(extra))
            .env("ZKINFER_CACHE", dir.path())
            .env("ZKINFER_MEMORY_LIMIT", "1000000")
            .env("ZKINFER_INSECURE_DEV_SRS", "1")
            .output()
            .expect("run")
    };
    let line = fails_with(run(&[]), "predicted to need");
    assert!(
        line.contains("available") && line.contains("--force"),
        "{line}"
    );
    assert!(!proof.exists(), "nothing written");
    assert!(!dir.path().join("keys").exists(), "refused before keygen");
    ok(run(&["--force"]));
    assert!(proof.exists());
}
