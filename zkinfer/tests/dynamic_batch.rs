//! The bench models (`../shared/bench/models`) exported with a symbolic batch axis, as PyTorch's
//! `dynamic_axes={"input": {0: "batch"}}` writes them, prove with no flag: each becomes exactly the
//! circuit of its fixed export (same circuit hash, so the same outputs), and a proof of the dynamic
//! mlp_digits carries the fixed one's outputs.

#[path = "../../models/tests/common/onnx_edit.rs"]
mod onnx_edit;

use std::path::{Path, PathBuf};
use zkinfer::{prepare, Calibration, Overrides, Prover};
use zkinfer_circuits::Fr;
use zkinfer_models::{load_onnx_bytes, read_input_file};

fn bench(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/bench/models")
        .join(file)
}

fn prepared(bytes: &[u8], name: &str, measure_only: bool) -> zkinfer::Prepared {
    let model = load_onnx_bytes(bytes, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let overrides = Overrides {
        insecure_dev_srs: true,
        measure_only,
        ..Overrides::default()
    };
    let cal = bench(&format!("{name}.cal.json"));
    prepare(model, Calibration::File(&cal), overrides).unwrap()
}

#[test]
fn dynamic_batch_exports_of_the_bench_models_are_the_same_circuits() {
    let cache = tempfile::tempdir().unwrap();
    // The only test in this binary that touches the environment.
    std::env::set_var("ZKINFER_CACHE", cache.path());
    for name in ["mlp_digits", "cnn_digits", "mlp_wide", "lenet_mnist_shape"] {
        let bytes = std::fs::read(bench(&format!("{name}.onnx"))).unwrap();
        let dynamic = onnx_edit::with_symbolic_axis(&bytes, 0, "batch", true);
        let fixed = prepared(&bytes, name, true);
        let dynamic = prepared(&dynamic, name, true);
        assert_eq!(dynamic.circuit_hash, fixed.circuit_hash, "{name}");
        assert_eq!(dynamic.model.dims.len(), 1, "{name}: the batch axis");
    }

    let name = "mlp_digits";
    let bytes = std::fs::read(bench(&format!("{name}.onnx"))).unwrap();
    let input = read_input_file(&bench(&format!("{name}.input.json"))).unwrap();
    let mut outputs = Vec::new();
    for bytes in [
        bytes.clone(),
        onnx_edit::with_symbolic_axis(&bytes, 0, "batch", true),
    ] {
        let prep = prepared(&bytes, name, false);
        let x = input.single(&prep.model.graph.input_sizes()).unwrap();
        let srs = prep.srs().unwrap();
        let prover = Prover::load(prep, srs).unwrap();
        let proof = prover.prove_input(&x, None, Fr::from(0)).unwrap();
        outputs.push(proof.outputs[0].quantized.clone());
    }
    assert_eq!(outputs[0], outputs[1]);
}
