//! # zkinfer-benches
//!
//! Benchmarks of zkinfer: `cargo bench -p zkinfer-benches` runs criterion benches of the end-to-end
//! pipeline (witness, keygen, prove, verify) on the zoo models. Helpers shared by the benches live here.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use zkinfer_circuits::{ModelCircuit, QTensor, QuantizedGraph};
use zkinfer_models::read_input_file;

/// A circuit to bench (a zoo model quantized with its calibration file, or one op) and its quantized
/// input.
pub struct Prepared {
    pub graph: Arc<QuantizedGraph>,
    pub circuit: ModelCircuit,
    pub inputs: Vec<QTensor>,
    pub k: u32,
}

/// The folder of zoo model `name`.
pub fn zoo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../models/zoo")
        .join(name)
}

/// Load, calibrate (on its `cal.json`) and quantize a zoo model through the library, as
/// `zkinfer prove --calibration cal.json` does (without touching the settings cache).
pub fn prepare(name: &str) -> Prepared {
    let dir = zoo(name);
    let model = zkinfer::load_model(&dir.join("network.onnx")).expect("zoo model imports");
    let input = read_input_file(&dir.join("input.json"))
        .expect("input.json")
        .for_model(&model.graph)
        .expect("input");
    let overrides = zkinfer::Overrides {
        measure_only: true,
        ..zkinfer::Overrides::default()
    };
    let cal = dir.join("cal.json");
    let prep =
        zkinfer::prepare(model, zkinfer::Calibration::File(&cal), overrides).expect("settings");
    Prepared {
        inputs: prep.quantize_inputs(&input).expect("input fits"),
        graph: prep.graph.clone(),
        circuit: prep.circuit.clone(),
        k: prep.k,
    }
}

/// A one-op circuit (inputs followed by `op`) with inputs of the given shapes, element `i` of input `j`
/// being `fill(j, i)`, its quantized inputs and its minimal `k`.
pub fn single_op(
    op: zkinfer_circuits::OpKind,
    shapes: &[Vec<usize>],
    scale: u32,
    fill: impl Fn(usize, usize) -> f64,
) -> Prepared {
    let range_bits = scale + 6;
    let graph = QuantizedGraph::single_op(op, shapes, scale, range_bits);
    let inputs: Vec<QTensor> = shapes
        .iter()
        .enumerate()
        .map(|(j, s)| {
            let n: usize = s.iter().product();
            let values: Vec<f64> = (0..n).map(|i| fill(j, i)).collect();
            QTensor::from_f64(s.clone(), &values, scale).expect("shape")
        })
        .collect();
    let params = zkinfer_circuits::CircuitParams {
        scale,
        range_bits,
        ..zkinfer_circuits::CircuitParams::default()
    }
    .for_graph(&graph);
    let graph = Arc::new(graph);
    let circuit = ModelCircuit::new(graph.clone(), params, false);
    let (_, k) = circuit.cost().expect("cost");
    Prepared {
        graph,
        circuit,
        inputs,
        k,
    }
}

/// A fixed pattern in `[-1, 1)`.
pub fn pattern(_input: usize, i: usize) -> f64 {
    ((i * 37 % 101) as f64 / 101.0) * 2.0 - 1.0
}
