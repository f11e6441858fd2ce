//! ONNX conformance: the backend node tests shipped in the `onnx` Python package, for every op zkinfer
//! claims (`models/src/supported.rs`), through zkinfer's f64 graph and its exact quantized evaluation
//! (see `zkinfer_models::conformance`), and for the cheapest passing case of each op (fewest rows) a real
//! proof, verified.
//!
//! The test data comes from `scripts/test-deps.sh` (pip `onnx==1.17.0` into a local venv, linked at
//! `.deps/onnx-node`), or from `$ZKINFER_ONNX_NODE_TESTS`.

mod common;

use common::{ok, repo, zkinfer};
use std::collections::BTreeMap;
use std::path::PathBuf;
use zkinfer_models::conformance::{discover, run, Outcome, Runnable};
use zkinfer_models::supported::SUPPORTED_OPS;

fn node_tests() -> PathBuf {
    let dir = std::env::var_os("ZKINFER_ONNX_NODE_TESTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".deps/onnx-node"));
    assert!(
        dir.is_dir(),
        "{}: no ONNX node tests; run `bash scripts/test-deps.sh` (or set ZKINFER_ONNX_NODE_TESTS)",
        dir.display()
    );
    dir
}

#[derive(Default)]
struct Row {
    run: usize,
    passed: usize,
    failed: Vec<String>,
    skipped: BTreeMap<String, usize>,
    /// The passing case with the fewest rows: the one proved.
    cheapest: Option<(usize, String, Runnable)>,
    proved: Option<String>,
}

/// Prove and verify `r` with the CLI; returns the case name on success, panics with the error otherwise.
fn prove(name: &str, r: &Runnable) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("model.onnx");
    let input = dir.path().join("input.json");
    std::fs::write(&model, &r.onnx).expect("write model");
    let json = serde_json::json!({ "input_data": r.inputs });
    std::fs::write(&input, json.to_string()).expect("write input");
    let proof = dir.path().join("proof.json");
    ok(zkinfer(
        dir.path(),
        &[
            "prove",
            model.to_str().unwrap(),
            input.to_str().unwrap(),
            "-o",
            proof.to_str().unwrap(),
        ],
    ));
    ok(zkinfer(dir.path(), &["verify", proof.to_str().unwrap()]));
    name.to_string()
}

#[test]
fn onnx_node_tests_of_every_supported_op() {
    let ops: Vec<&str> = SUPPORTED_OPS
        .iter()
        .flat_map(|o| o.ops.iter().copied())
        .collect();
    let cases = discover(&node_tests(), &ops).expect("read node tests");
    let mut rows: BTreeMap<String, Row> = ops
        .iter()
        .map(|o| (o.to_string(), Row::default()))
        .collect();
    for case in &cases {
        let row = rows.entry(case.op.clone()).or_default();
        let (outcome, runnable) = run(case);
        match outcome {
            Outcome::Passed { rows, .. } => {
                row.run += 1;
                row.passed += 1;
                if let Some(r) = runnable {
                    if row
                        .cheapest
                        .as_ref()
                        .is_none_or(|(least, _, _)| rows < *least)
                    {
                        row.cheapest = Some((rows, case.name.clone(), r));
                    }
                }
            }
            Outcome::Failed(why) => {
                row.run += 1;
                row.failed.push(format!("{}: {why}", case.name));
            }
            Outcome::Skipped(why) => {
                // Group reasons without the node-specific part.
                let reason = why.split(": ").skip(1).collect::<Vec<_>>().join(": ");
                let reason = if reason.is_empty() { why } else { reason };
                *row.skipped.entry(reason).or_default() += 1;
            }
        }
    }
    for row in rows.values_mut() {
        if let Some((_, name, r)) = row.cheapest.take() {
            row.proved = Some(prove(&name, &r));
        }
    }
    println!(
        "\n{:<20} {:>5} {:>7} {:>7} {:>8}  proved / skip reasons",
        "op", "run", "passed", "failed", "skipped"
    );
    let (mut run_total, mut passed_total, mut failed_total, mut skipped_total) = (0, 0, 0, 0);
    for (op, row) in &rows {
        let skipped: usize = row.skipped.values().sum();
        println!(
            "{:<20} {:>5} {:>7} {:>7} {:>8}  {}",
            op,
            row.run,
            row.passed,
            row.failed.len(),
            skipped,
            row.proved.as_deref().unwrap_or("-")
        );
        for (reason, n) in &row.skipped {
            println!("{:<50} skipped {n}: {reason}", "");
        }
        for f in &row.failed {
            println!("{:<50} FAILED {f}", "");
        }
        run_total += row.run;
        passed_total += row.passed;
        failed_total += row.failed.len();
        skipped_total += skipped;
    }
    println!(
        "{:<20} {:>5} {:>7} {:>7} {:>8}",
        "total", run_total, passed_total, failed_total, skipped_total
    );
    assert_eq!(
        failed_total, 0,
        "conformance failures (see the table above)"
    );
    // Every claimed op has node tests that ran and passed, and a real proof of one of them verified.
    let untested: Vec<&str> = rows
        .iter()
        .filter(|(_, r)| r.passed == 0 || r.proved.is_none())
        .map(|(op, _)| op.as_str())
        .collect();
    let expected: Vec<&str> = WITHOUT_RUNNABLE_CASES.iter().map(|(op, _)| *op).collect();
    assert_eq!(
        untested, expected,
        "ops without a passing, proved node test (and the known ones: {WITHOUT_RUNNABLE_CASES:?})"
    );
}

/// Claimed ops none of whose node tests zkinfer can run, and why they are still claimed.
const WITHOUT_RUNNABLE_CASES: &[(&str, &str)] = &[
    (
        "LinearClassifier",
        "no node test in onnx 1.17.0; proved as the skl2onnx model models/zoo/logreg (end_to_end)",
    ),
    (
        "LinearRegressor",
        "no node test in onnx 1.17.0; proved as the skl2onnx model models/zoo/linreg (end_to_end)",
    ),
    (
        "Normalizer",
        "no node test in onnx 1.17.0; proved inside models/zoo/logreg (end_to_end)",
    ),
    (
        "TreeEnsembleClassifier",
        "no node test in onnx 1.17.0 (its ai_onnx_ml tree tests are of opset 5's TreeEnsemble); proved as the skl2onnx models models/zoo/skforest and boosted (end_to_end)",
    ),
    (
        "TreeEnsembleRegressor",
        "no node test in onnx 1.17.0; proved as the skl2onnx models models/zoo/forestreg and boostreg (end_to_end)",
    ),
];
