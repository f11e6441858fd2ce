//! The ONNX backend node tests (`onnx/backend/test/data/node/test_*/` in the `onnx` Python package: a
//! one-node `model.onnx` with `test_data_set_0/{input,output}_N.pb`) run against zkinfer.
//!
//! A case counts for an op when its model is a single node of that `op_type` and the op is in
//! [`crate::supported::SUPPORTED_OPS`]. For each case:
//! 1. the model is imported as it is; if zkinfer refuses it because an operand it needs constant (weights,
//!    slopes, clip bounds, pads) is a graph input, those inputs are baked into initializers from the test
//!    data and the model is imported again (zkinfer proves models with public constant weights);
//! 2. zkinfer's f64 graph must reproduce the expected outputs (`1e-4` relative: the data is f32);
//! 3. the graph is quantized (settings calibrated on the case's input, scale `2^12`) and its exact integer
//!    evaluation, the witness a proof would carry, must be within [`quantization_bound`] of the expected outputs.
//!
//! Refusals (unsupported variants, non-float tensors, multi-output nodes, values beyond the 24-bit range
//! check at scale 2^12) are skips with the reason; anything else that goes wrong is a failure.

use crate::error::{ModelError, Result};
use crate::settings::{choose, SettingsChoice};
use crate::{load_onnx_bytes, OnnxModel};

use prost::Message;
use std::path::{Path, PathBuf};
use tract_onnx::pb::{ModelProto, TensorProto};
use zkinfer_circuits::{QTensor, QuantizedGraph};

/// Fixed-point scale the conformance cases are quantized at.
pub const SCALE: u32 = 12;

/// One node test.
#[derive(Clone, Debug)]
pub struct Case {
    /// The ONNX `op_type` of the case's single node.
    pub op: String,
    /// The test directory's name (e.g. `test_relu`), by which cases are sorted and reported.
    pub name: String,
    /// The test directory: `model.onnx` and `test_data_set_0/{input,output}_N.pb`.
    pub dir: PathBuf,
}

/// What running one [`Case`] came to.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The float graph reproduced the expected outputs and the quantized evaluation met its bound.
    Passed {
        /// Largest `|quantized - expected|` over the output elements.
        max_error: f64,
        /// The [`quantization_bound`] at [`SCALE`] that `max_error` had to stay within.
        tolerance: f64,
        /// Whether non-first inputs were baked into constants.
        baked: bool,
        /// The circuit's rows at [`SCALE`] (which passing case is cheapest to prove).
        rows: usize,
    },
    /// Something other than a refusal went wrong (an import error, a wrong float or quantized
    /// output): the reason.
    Failed(String),
    /// zkinfer refused the case (unsupported variant, non-float tensor, several outputs, values
    /// beyond the range check at scale `2^12`): the reason.
    Skipped(String),
}

/// A case ready to prove: the (possibly baked) ONNX bytes, its runtime inputs and expected outputs.
#[derive(Clone, Debug)]
pub struct Runnable {
    /// The ONNX model bytes, with every input but the first baked into initializers if that was needed.
    pub onnx: Vec<u8>,
    /// The runtime inputs, one flat list per graph input of `onnx` (only the first when baked).
    pub inputs: Vec<Vec<f64>>,
    /// The expected outputs from the test data, one flat list per graph output.
    pub expected: Vec<Vec<f64>>,
}

fn err(msg: impl Into<String>) -> ModelError {
    ModelError::Calibration(msg.into())
}

/// The single-node cases under `node_dir` whose op is one of `ops`, sorted by name.
pub fn discover(node_dir: &Path, ops: &[&str]) -> Result<Vec<Case>> {
    let entries = std::fs::read_dir(node_dir).map_err(|source| ModelError::Io {
        path: node_dir.display().to_string(),
        cause: source,
    })?;
    let mut cases = Vec::new();
    for entry in entries.flatten() {
        let dir = entry.path();
        let Ok(model) = read_model(&dir.join("model.onnx")) else {
            continue;
        };
        let Some(graph) = &model.graph else { continue };
        if let [node] = graph.node.as_slice() {
            if ops.contains(&node.op_type.as_str()) {
                cases.push(Case {
                    op: node.op_type.clone(),
                    name: entry.file_name().to_string_lossy().into_owned(),
                    dir,
                });
            }
        }
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cases)
}

fn read_model(path: &Path) -> Result<ModelProto> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.display().to_string(),
        cause: source,
    })?;
    ModelProto::decode(bytes.as_slice()).map_err(|e| err(format!("{}: {e}", path.display())))
}

fn read_tensor(path: &Path) -> Result<TensorProto> {
    let file = std::fs::File::open(path).map_err(|source| ModelError::Io {
        path: path.display().to_string(),
        cause: source,
    })?;
    tract_onnx::tensor::proto_from_reader(file).map_err(|e| err(format!("{}: {e}", path.display())))
}

/// A float (or bool as 0/1, or 32/64-bit integer) tensor's values, or why it is not one.
fn float_values(proto: &TensorProto) -> std::result::Result<Vec<f64>, String> {
    // TensorProto.DataType: 1 FLOAT, 10 FLOAT16, 11 DOUBLE; 9 BOOL (comparisons' and logic's 0/1);
    // 6 INT32, 7 INT64 (indices, ArgMax's output).
    if ![1, 6, 7, 9, 10, 11].contains(&proto.data_type) {
        return Err(format!("non-float tensor (ONNX type {})", proto.data_type));
    }
    let resolver = tract_onnx::data_resolver::default();
    let t = tract_onnx::tensor::load_tensor(&*resolver, proto, None).map_err(|e| e.to_string())?;
    let t = t.cast_to::<f64>().map_err(|e| e.to_string())?;
    let view = t.to_plain_array_view::<f64>().map_err(|e| e.to_string())?;
    Ok(view.iter().copied().collect())
}

/// The test data of set 0: `(name, proto)` per input, then per output.
type Data = (Vec<TensorProto>, Vec<TensorProto>);

fn read_data(case: &Case, model: &ModelProto) -> Result<Data> {
    let graph = model.graph.as_ref().ok_or_else(|| err("no graph"))?;
    let set = case.dir.join("test_data_set_0");
    let read_all = |prefix: &str, n: usize| -> Result<Vec<TensorProto>> {
        (0..n)
            .map(|i| read_tensor(&set.join(format!("{prefix}_{i}.pb"))))
            .collect()
    };
    Ok((
        read_all("input", graph.input.len())?,
        read_all("output", graph.output.len())?,
    ))
}

/// `model` with every graph input but the first turned into an initializer holding its test value.
fn bake(model: &ModelProto, inputs: &[TensorProto]) -> Vec<u8> {
    let mut model = model.clone();
    if let Some(graph) = model.graph.as_mut() {
        let names: Vec<String> = graph.input.iter().map(|i| i.name.clone()).collect();
        for (name, value) in names.iter().zip(inputs).skip(1) {
            let mut t = value.clone();
            t.name = name.clone();
            graph.initializer.push(t);
        }
        graph.input.truncate(1);
    }
    model.encode_to_vec()
}

/// The bound zkinfer's quantized outputs must meet: every rounding (inputs, constants, each rescale) is at
/// most half a unit `2^-s`; assuming each output reads every one of the `n` input elements, of magnitude
/// at most `m` (and so do constants), the error is at most `2^-s · (1 + n·m)`. `m` also covers the slope
/// of the smooth functions over the data (it includes the largest expected output).
pub fn quantization_bound(scale: u32, n: usize, m: f64) -> f64 {
    (1.0 + n as f64 * m.max(1.0)) / f64::from(1u32 << scale)
}

fn max_abs(values: &[Vec<f64>]) -> f64 {
    values.iter().flatten().fold(0f64, |m, v| m.max(v.abs()))
}

/// Run one case. Also returns what is needed to prove it when the quantized evaluation passed.
pub fn run(case: &Case) -> (Outcome, Option<Runnable>) {
    match run_inner(case) {
        Ok(r) => r,
        Err(e) => (Outcome::Failed(e.to_string()), None),
    }
}

/// Ops whose further outputs are optional statistics zkinfer does not produce (LayerNormalization's
/// `Mean` and `InvStdDev`): their node tests run on the first output alone.
const FIRST_OUTPUT_ONLY: &[&str] = &["LayerNormalization"];

/// Ops whose node tests are checked on every output (TopK's values and indices, Split's parts).
const MULTI_OUTPUT: &[&str] = &["TopK", "Split", "LSTM", "GRU", "RNN"];

fn run_inner(case: &Case) -> Result<(Outcome, Option<Runnable>)> {
    let mut model = read_model(&case.dir.join("model.onnx"))?;
    let (inputs, mut outputs) = read_data(case, &model)?;
    if outputs.len() != 1 && !MULTI_OUTPUT.contains(&case.op.as_str()) {
        if !FIRST_OUTPUT_ONLY.contains(&case.op.as_str()) {
            return Ok((skip("more than one output"), None));
        }
        // The model without its optional statistics outputs, checked on the first.
        if let Some(graph) = model.graph.as_mut() {
            graph.output.truncate(1);
        }
        outputs.truncate(1);
    }
    let mut expected = Vec::with_capacity(outputs.len());
    for t in &outputs {
        match float_values(t) {
            Ok(v) => expected.push(v),
            Err(why) => return Ok((skip(&format!("output: {why}")), None)),
        }
    }
    // Input 0 is the data; the others may be integer operands (pads, axes, shapes) if they get baked.
    let values: Vec<std::result::Result<Vec<f64>, String>> =
        inputs.iter().map(float_values).collect();
    let first = match values.first() {
        Some(Ok(v)) => v.clone(),
        Some(Err(why)) => return Ok((skip(&format!("input: {why}")), None)),
        None => return Ok((skip("no inputs"), None)),
    };
    let floats: Vec<Vec<f64>> = values
        .iter()
        .filter_map(|v| v.as_ref().ok().cloned())
        .collect();
    let all_float = floats.len() == values.len();
    let label = format!("{}/model.onnx", case.name);
    let original = model.encode_to_vec();
    let as_is = if all_float {
        Some(load_onnx_bytes(&original, &label))
    } else {
        None
    };
    let (onnx, runtime, baked, imported) = match as_is {
        Some(Ok(m)) => (original, floats.clone(), false, m),
        Some(Err(e)) if inputs.len() == 1 => return Ok((refusal(&e, None), None)),
        first_try => {
            let baked = bake(&model, &inputs);
            match load_onnx_bytes(&baked, &label) {
                Ok(m) => (baked, vec![first], true, m),
                Err(e) => return Ok((refusal(&e, first_try.and_then(|r| r.err()).as_ref()), None)),
            }
        }
    };
    let runnable = Runnable {
        onnx,
        inputs: runtime,
        expected,
    };
    let outcome = check(&imported, &runnable, &floats, baked)?;
    let proveable = matches!(outcome, Outcome::Passed { .. }).then_some(runnable);
    Ok((outcome, proveable))
}

fn skip(why: &str) -> Outcome {
    Outcome::Skipped(why.to_string())
}

/// An import error: a refusal of an unsupported variant (by zkinfer or by tract) is a skip, anything
/// else a failure.
fn refusal(e: &ModelError, first: Option<&ModelError>) -> Outcome {
    match (e, first) {
        (ModelError::Unsupported { .. }, _) => Outcome::Skipped(e.to_string()),
        // A variant tract (the parser) does not implement, e.g. Pad's `wrap` mode.
        (ModelError::Onnx { msg, .. }, _) if msg.contains("Unsupported") => {
            Outcome::Skipped(format!("tract: {msg}"))
        }
        (_, Some(ModelError::Unsupported { .. })) => Outcome::Skipped(format!(
            "{} (with constant operands: {e})",
            first.map(ToString::to_string).unwrap_or_default()
        )),
        _ => Outcome::Failed(format!("import: {e}")),
    }
}

fn check(model: &OnnxModel, r: &Runnable, all_inputs: &[Vec<f64>], baked: bool) -> Result<Outcome> {
    let sizes: Vec<usize> = model.graph.input_sizes().iter().map(|(_, n)| *n).collect();
    let given: Vec<usize> = r.inputs.iter().map(Vec::len).collect();
    if sizes != given {
        return Ok(Outcome::Failed(format!(
            "input sizes {sizes:?}, test data {given:?}"
        )));
    }
    let ours = model.graph.outputs(&r.inputs)?;
    if let Some(why) = compare(&ours, &r.expected, |e| 1e-4 * (1.0 + e.abs())) {
        return Ok(Outcome::Failed(format!("float graph: {why}")));
    }
    let choice = SettingsChoice {
        scale: Some(SCALE),
        ..SettingsChoice::default()
    };
    let (graph, _) = match choose(&model.graph, std::slice::from_ref(&r.inputs), &choice) {
        Ok(g) => g,
        // Values too large for the range check at this scale: a limit of fixed point, not a wrong answer.
        Err(e @ ModelError::Calibration(_)) => return Ok(Outcome::Skipped(e.to_string())),
        Err(e) => return Err(e),
    };
    let quantized = quantized_outputs(&graph, &r.inputs)?;
    let n: usize = all_inputs.iter().map(Vec::len).sum();
    let m = max_abs(all_inputs).max(max_abs(&r.expected));
    let tolerance = quantization_bound(SCALE, n, m);
    if let Some(why) = compare(&quantized, &r.expected, |_| tolerance) {
        return Ok(Outcome::Failed(format!("quantized: {why}")));
    }
    let max_error = quantized
        .iter()
        .flatten()
        .zip(r.expected.iter().flatten())
        .fold(0f64, |m, (q, e)| m.max((q - e).abs()));
    let params = zkinfer_circuits::CircuitParams {
        scale: graph.scale,
        range_bits: graph.range_bits,
        ..zkinfer_circuits::CircuitParams::default()
    }
    .for_graph(&graph);
    let rows = zkinfer_circuits::cost::Cost::of(&graph, &params)?.rows();
    Ok(Outcome::Passed {
        max_error,
        tolerance,
        baked,
        rows,
    })
}

fn quantized_outputs(graph: &QuantizedGraph, inputs: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    let shapes = graph.shapes()?;
    let tensors = graph
        .input_nodes()
        .iter()
        .zip(inputs)
        .map(|(n, v)| {
            QTensor::from_f64(shapes[*n].clone(), v, graph.scale)
                .ok_or_else(|| err("input size mismatch"))
        })
        .collect::<Result<Vec<_>>>()?;
    let trace = graph.eval(&tensors)?;
    Ok(trace.outputs(graph).map(QTensor::dequantize).collect())
}

/// The first element farther from the expected value than `tol(expected)`, described.
fn compare(got: &[Vec<f64>], expected: &[Vec<f64>], tol: impl Fn(f64) -> f64) -> Option<String> {
    if got.len() != expected.len() {
        return Some(format!(
            "{} outputs, expected {}",
            got.len(),
            expected.len()
        ));
    }
    for (o, (g, e)) in got.iter().zip(expected).enumerate() {
        if g.len() != e.len() {
            return Some(format!(
                "output {o}: {} values, expected {}",
                g.len(),
                e.len()
            ));
        }
        if let Some((i, (a, b))) = g
            .iter()
            .zip(e)
            .enumerate()
            .find(|(_, (a, b))| (*a - *b).abs() > tol(**b) || a.is_nan())
        {
            return Some(format!(
                "output {o}[{i}] = {a}, expected {b} (tolerance {:.2e})",
                tol(*b)
            ));
        }
    }
    None
}
