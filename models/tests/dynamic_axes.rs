//! Models as exporters write them: a symbolic batch axis (PyTorch's `dynamic_axes={"input": {0:
//! "batch"}}`) is resolved to 1 with no flag and gives the same graph as the fixed export; a symbolic
//! dimension elsewhere is refused with its name and the flag, and `--dim NAME=VALUE` resolves it.

mod common;

use common::onnx_edit::with_symbolic_axis;
use std::path::{Path, PathBuf};
use zkinfer_models::{load_onnx_bytes, load_onnx_bytes_with, DimSource, Dims, ModelError};

fn zoo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("zoo")
        .join(name)
        .join("network.onnx")
}

fn outputs(model: &zkinfer_models::OnnxModel, x: &[Vec<f64>]) -> Vec<Vec<f64>> {
    model.graph.outputs(x).expect("float graph evaluates")
}

#[test]
fn a_symbolic_batch_axis_is_one_and_changes_nothing() {
    for name in [
        "tiny_linear",
        "mlp_digits",
        "cnn_tiny",
        "attention",
        "softmax",
    ] {
        let bytes = std::fs::read(zoo(name)).unwrap();
        let fixed = load_onnx_bytes(&bytes, name).unwrap();
        let dynamic = with_symbolic_axis(&bytes, 0, "batch", true);
        let model = load_onnx_bytes(&dynamic, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            model.graph.input_sizes(),
            fixed.graph.input_sizes(),
            "{name}"
        );
        assert_eq!(model.graph.nodes.len(), fixed.graph.nodes.len(), "{name}");
        let x: Vec<Vec<f64>> = fixed
            .graph
            .input_sizes()
            .iter()
            .map(|(_, n)| (0..*n).map(|i| (i % 7) as f64 / 7.0 - 0.4).collect())
            .collect();
        assert_eq!(outputs(&model, &x), outputs(&fixed, &x), "{name}");
        assert!(!model.dims.is_empty(), "{name}: no symbolic dimension seen");
        for d in &model.dims {
            assert_eq!(
                (d.name.as_str(), d.axis, d.value),
                ("batch", 0, 1),
                "{name}"
            );
            assert_eq!(d.source, DimSource::LeadingOne);
        }
        assert!(fixed.dims.is_empty());
    }
}

#[test]
fn other_symbolic_dims_need_a_value_and_get_the_given_one() {
    let bytes = std::fs::read(zoo("tiny_linear")).unwrap();
    let fixed = load_onnx_bytes(&bytes, "tiny_linear").unwrap();
    let width = fixed
        .graph
        .nodes
        .iter()
        .find_map(|n| match &n.op {
            zkinfer_models::FloatOp::Input(i) => Some(i.shape[1]),
            _ => None,
        })
        .unwrap();
    let dynamic = with_symbolic_axis(&bytes, 1, "features", false);

    let err = load_onnx_bytes(&dynamic, "tiny_linear")
        .err()
        .expect("refused");
    let msg = err.to_string();
    assert!(matches!(err, ModelError::Node { .. }), "{msg}");
    assert!(
        msg.contains("'features'") && msg.contains("--dim features=VALUE"),
        "{msg}"
    );

    let given = Dims::from([("features".to_string(), width)]);
    let model = load_onnx_bytes_with(&dynamic, "tiny_linear", &given).unwrap();
    assert_eq!(model.graph.input_sizes(), fixed.graph.input_sizes());
    assert_eq!(model.dims[0].source, DimSource::Given);

    // An undeclared dimension: 1 on a leading axis, refused elsewhere; a --dim of 0 is refused.
    let unnamed = with_symbolic_axis(&bytes, 0, "", true);
    assert_eq!(load_onnx_bytes(&unnamed, "t").unwrap().dims[0].value, 1);
    let unnamed = with_symbolic_axis(&bytes, 1, "", false);
    let msg = load_onnx_bytes(&unnamed, "t")
        .err()
        .expect("refused")
        .to_string();
    assert!(
        msg.contains("axis 1 has neither a size nor a name"),
        "{msg}"
    );
    let zero = Dims::from([("features".to_string(), 0)]);
    let msg = load_onnx_bytes_with(&dynamic, "t", &zero)
        .err()
        .expect("refused")
        .to_string();
    assert!(msg.contains("--dim features=0"), "{msg}");

    // A name no input has is refused, with the names there are (a typo is not silently ignored).
    let batch = with_symbolic_axis(&bytes, 0, "batch", true);
    let typo = Dims::from([("bach".to_string(), 1)]);
    let msg = load_onnx_bytes_with(&batch, "tiny_linear", &typo)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        msg.contains("--dim bach: no input") && msg.contains("batch"),
        "{msg}"
    );
}
