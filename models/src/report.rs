//! Calibration reports: per layer, the observed float range, the quantized table domain and the
//! float-vs-quantized error over the samples; and classification agreement on a labelled test set.

use crate::error::{ModelError, Result};
use crate::float_graph::{FloatGraph, FloatOp};
use serde::Deserialize;
use std::path::Path;
use zkinfer_circuits::fixed_point::dequantize;
use zkinfer_circuits::{QTensor, QuantizedGraph};

/// One layer's line of the report.
#[derive(Clone, Debug)]
pub struct LayerReport {
    /// The layer's node name in the float graph.
    pub name: String,
    /// The op's short name (`Dense`, `Conv`, ...; a lookup shows its function's name).
    pub op: &'static str,
    /// Smallest and largest float output over the samples.
    pub min: f64,
    /// Largest float output over the samples (`min` is the smallest).
    pub max: f64,
    /// Largest |float - dequantized| over the samples.
    pub max_error: f64,
    /// The real domain `[lo, hi)` of the layer's input: the range check's `±2^(b-1-s)`, or the function
    /// table's when the layer applies one.
    pub domain: (f64, f64),
    /// The function the layer tabulates, if any.
    pub function: Option<&'static str>,
}

fn op_name(op: &FloatOp) -> &'static str {
    op.as_real().name()
}

/// Quantize one sample's inputs for `graph`.
pub fn quantize_inputs(graph: &QuantizedGraph, sample: &[Vec<f64>]) -> Result<Vec<QTensor>> {
    let shapes = graph.shapes()?;
    graph
        .input_nodes()
        .iter()
        .zip(sample)
        .map(|(n, v)| {
            QTensor::from_f64(shapes[*n].clone(), v, graph.scale).ok_or_else(|| {
                ModelError::Calibration(format!(
                    "input has {} values, shape {:?}",
                    v.len(),
                    shapes[*n]
                ))
            })
        })
        .collect()
}

/// Per-layer ranges and errors of `quantized` against `float` over `samples`.
pub fn layer_report(
    float: &FloatGraph,
    quantized: &QuantizedGraph,
    samples: &[Vec<Vec<f64>>],
) -> Result<Vec<LayerReport>> {
    let mut report: Vec<LayerReport> = float
        .nodes
        .iter()
        .map(|n| LayerReport {
            name: n.name.clone(),
            op: op_name(&n.op),
            min: f64::MAX,
            max: f64::MIN,
            max_error: 0.0,
            domain: (
                -dequantize(quantized.bound(), quantized.scale),
                dequantize(quantized.bound(), quantized.scale),
            ),
            function: None,
        })
        .collect();
    for (line, node) in report.iter_mut().zip(&quantized.nodes) {
        if let Some(t) = node.op.as_op().activation().table() {
            line.domain = (
                t.input_of(dequantize(t.lo, quantized.scale)),
                t.input_of(dequantize(t.hi, quantized.scale)),
            );
            line.function = Some(t.function.name());
        }
    }
    for sample in samples {
        let (values, _) = float.eval(sample)?;
        let trace = quantized.eval(&quantize_inputs(quantized, sample)?)?;
        for ((line, f), q) in report.iter_mut().zip(&values).zip(&trace.values) {
            for (a, b) in f.iter().zip(q.dequantize()) {
                line.min = line.min.min(*a);
                line.max = line.max.max(*a);
                // A NaN difference is an infinite error (f64::max would drop it).
                let e = (a - b).abs();
                line.max_error = if e.is_nan() {
                    f64::INFINITY
                } else {
                    line.max_error.max(e)
                };
            }
        }
    }
    Ok(report)
}

/// A labelled test set: `{"X": [[...], ...], "y": [...]}`.
#[derive(Debug, Deserialize)]
pub struct LabelledSet {
    /// The samples, one row each: the flat input list of a single-input model.
    #[serde(rename = "X")]
    pub x: Vec<Vec<f64>>,
    /// The class label of each row of `X`: the index of the output the classifier should maximize.
    pub y: Vec<usize>,
}

/// Classification agreement of the quantized model with the float one.
#[derive(Clone, Copy, Debug)]
pub struct Agreement {
    /// Number of labelled samples evaluated.
    pub samples: usize,
    /// Fraction of the samples whose float argmax is the label.
    pub float_accuracy: f64,
    /// Fraction of the samples whose quantized argmax is the label (out-of-range ones count as wrong).
    pub quantized_accuracy: f64,
    /// Fraction of the samples where the quantized and the float argmax agree.
    pub argmax_agreement: f64,
    /// Samples whose values fell outside the calibrated range (counted as wrong and disagreeing).
    pub out_of_range: usize,
}

/// Read a labelled test set; an error unless it is `{"X": [[...]], "y": [...]}` with one
/// label per row of `X` and at least one row.
pub fn read_labelled(path: &Path) -> Result<LabelledSet> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: p.clone(),
        cause: source,
    })?;
    let set: LabelledSet = serde_json::from_slice(&bytes).map_err(|e| ModelError::Input {
        path: p.clone(),
        msg: format!("expected {{\"X\": [[...]], \"y\": [...]}}: {e}"),
    })?;
    if set.x.len() != set.y.len() || set.x.is_empty() {
        return Err(ModelError::Input {
            path: p,
            msg: format!("{} rows of X, {} labels", set.x.len(), set.y.len()),
        });
    }
    Ok(set)
}

fn argmax(v: &[f64]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

/// Argmax agreement and accuracies of a single-input, single-output classifier on `set`.
pub fn classification(
    float: &FloatGraph,
    quantized: &QuantizedGraph,
    set: &LabelledSet,
) -> Result<Agreement> {
    let (mut float_ok, mut quant_ok, mut agree, mut out_of_range) = (0, 0, 0, 0);
    for (x, y) in set.x.iter().zip(&set.y) {
        let sample = vec![x.clone()];
        let f = argmax(&float.outputs(&sample)?[0]);
        float_ok += usize::from(f == *y);
        match quantized.eval(&quantize_inputs(quantized, &sample)?) {
            Ok(trace) => {
                let q = argmax(
                    &trace
                        .outputs(quantized)
                        .next()
                        .map(|t| t.dequantize())
                        .unwrap_or_default(),
                );
                quant_ok += usize::from(q == *y);
                agree += usize::from(q == f);
            }
            Err(
                zkinfer_circuits::CircuitError::OutOfRange { .. }
                | zkinfer_circuits::CircuitError::OutOfTable { .. },
            ) => out_of_range += 1,
            Err(e) => return Err(e.into()),
        }
    }
    let n = set.x.len() as f64;
    Ok(Agreement {
        samples: set.x.len(),
        float_accuracy: float_ok as f64 / n,
        quantized_accuracy: quant_ok as f64 / n,
        argmax_agreement: agree as f64 / n,
        out_of_range,
    })
}
