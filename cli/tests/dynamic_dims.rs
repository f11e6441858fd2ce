//! Symbolic input dimensions through the CLI: a batch axis needs no flag; another symbolic dimension
//! is one error line naming it and the flag (nothing written), and `--dim NAME=VALUE` proves the same
//! outputs as the fixed export. The settings of a `--dim` run are cached apart from the plain model's.

mod common;
#[path = "../../models/tests/common/onnx_edit.rs"]
mod onnx_edit;

use common::*;

fn outputs(dir: &std::path::Path, proof: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(proof)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["outputs"][0]["quantized"].clone()
}

#[test]
fn symbolic_dims_are_resolved_or_named_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bytes = std::fs::read(zoo("tiny_linear", "network.onnx")).unwrap();
    let input = zoo("tiny_linear", "input.json");
    let input = input.to_str().unwrap();
    let batch = d.join("batch.onnx");
    std::fs::write(
        &batch,
        onnx_edit::with_symbolic_axis(&bytes, 0, "batch", true),
    )
    .unwrap();
    let features = d.join("features.onnx");
    std::fs::write(
        &features,
        onnx_edit::with_symbolic_axis(&bytes, 1, "n", false),
    )
    .unwrap();
    let fixed = zoo("tiny_linear", "network.onnx");

    ok(zkinfer(
        d,
        &["prove", fixed.to_str().unwrap(), input, "-o", "fixed.json"],
    ));
    ok(zkinfer(
        d,
        &["prove", batch.to_str().unwrap(), input, "-o", "batch.json"],
    ));
    assert_eq!(outputs(d, "batch.json"), outputs(d, "fixed.json"));

    let line = fails_with(
        zkinfer(
            d,
            &["prove", features.to_str().unwrap(), input, "-o", "n.json"],
        ),
        "--dim n=VALUE",
    );
    assert!(line.contains("dimension 'n' (axis 1)"), "{line}");
    assert!(!d.join("n.json").exists());
    fails_with(
        zkinfer(
            d,
            &["prove", features.to_str().unwrap(), input, "--dim", "n"],
        ),
        "expected NAME=VALUE",
    );

    let f = features.to_str().unwrap();
    ok(zkinfer(
        d,
        &["prove", f, input, "--dim", "n=2", "-o", "n.json"],
    ));
    assert_eq!(outputs(d, "n.json"), outputs(d, "fixed.json"));
    // Verified against the model with the same --dim (the key is recomputed from it).
    ok(zkinfer(
        d,
        &["verify", "n.json", "--model", f, "--dim", "n=2"],
    ));
}
