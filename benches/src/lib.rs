//! # zkinfer-benches
//!
//! Benchmarks of zkinfer: `cargo bench -p zkinfer-benches` runs criterion benches of the end-to-end
//! pipeline (witness, keygen, prove, verify) on the zoo models. Helpers shared by the benches live here.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use zkinfer_circuits::{ModelCircuit, QTensor, QuantizedGraph};
use zkinfer_models::settings::{choose, SettingsChoice};
use zkinfer_models::{load_onnx, read_input_file};

/// A zoo model, quantized with its calibration file, and its quantized input.
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

/// Load, calibrate and quantize a zoo model.
pub fn prepare(name: &str) -> Prepared {
    let dir = zoo(name);
    let model = load_onnx(&dir.join("network.onnx")).expect("zoo model imports");
    let sizes = model.graph.input_sizes();
    let samples = read_input_file(&dir.join("cal.json"))
        .expect("cal.json")
        .samples(&sizes)
        .expect("samples");
    let (graph, cal) =
        choose(&model.graph, &samples, &SettingsChoice::default()).expect("settings");
    let input = read_input_file(&dir.join("input.json"))
        .expect("input.json")
        .single(&sizes)
        .expect("input");
    let shapes = graph.shapes().expect("shapes");
    let inputs = graph
        .input_nodes()
        .iter()
        .zip(&input)
        .map(|(n, v)| QTensor::from_f64(shapes[*n].clone(), v, cal.settings.scale).expect("shape"))
        .collect();
    let graph = Arc::new(graph);
    let circuit = ModelCircuit::new(graph.clone(), cal.settings.circuit_params(&graph), false);
    Prepared {
        graph,
        circuit,
        inputs,
        k: cal.k,
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
    let graph = zkinfer_circuits::testing::single_op_graph(op, shapes, scale, range_bits);
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
