//! [`FloatGraph`]: the imported model in real arithmetic, mirroring the quantized ops one to one.
//! Used to find calibration ranges and to quantize into a [`QuantizedGraph`].

use crate::error::{ModelError, Result};
use zkinfer_circuits::fixed_point::quantize;
use zkinfer_circuits::ops::{Add, Dense, Input, Relu, Reshape};
use zkinfer_circuits::{Activation, Node, OpKind, QuantizedGraph};

#[derive(Clone, Debug)]
pub enum FloatOp {
    Input {
        shape: Vec<usize>,
    },
    /// `y = act(x·W + b)` over rows of `n_in`; `weights` row-major `[n_in][n_out]`. Output `[rows, n_out]`.
    Dense {
        n_in: usize,
        n_out: usize,
        weights: Vec<f64>,
        bias: Vec<f64>,
        act: Activation,
    },
    /// Sum of two values, or of a value and a constant of the same number of elements.
    Add {
        constant: Option<Vec<f64>>,
    },
    Relu,
    Reshape {
        shape: Vec<usize>,
    },
}

#[derive(Clone, Debug)]
pub struct FloatNode {
    pub name: String,
    pub op: FloatOp,
    pub inputs: Vec<usize>,
    /// Output shape.
    pub shape: Vec<usize>,
}

#[derive(Clone, Debug, Default)]
pub struct FloatGraph {
    pub nodes: Vec<FloatNode>,
    pub outputs: Vec<usize>,
}

impl FloatGraph {
    /// Names and element counts of the inputs, in order.
    pub fn input_sizes(&self) -> Vec<(String, usize)> {
        self.nodes
            .iter()
            .filter(|n| matches!(n.op, FloatOp::Input { .. }))
            .map(|n| (n.name.clone(), n.shape.iter().product()))
            .collect()
    }

    /// Evaluate in f64. Returns every node's output and the largest magnitude each node's range-checked
    /// value reached (the pre-activation value for Dense, the output otherwise).
    pub fn eval(&self, inputs: &[Vec<f64>]) -> Result<(Vec<Vec<f64>>, Vec<f64>)> {
        let mut values: Vec<Vec<f64>> = Vec::with_capacity(self.nodes.len());
        let mut peaks = Vec::with_capacity(self.nodes.len());
        let mut next_input = inputs.iter();
        let max_abs = |v: &[f64]| v.iter().fold(0f64, |m, x| m.max(x.abs()));
        for node in &self.nodes {
            let arg = |i: usize| &values[node.inputs[i]];
            let (out, peak) = match &node.op {
                FloatOp::Input { .. } => {
                    let v = next_input
                        .next()
                        .ok_or_else(|| ModelError::Calibration("missing input".into()))?
                        .clone();
                    let p = max_abs(&v);
                    (v, p)
                }
                FloatOp::Dense {
                    n_in,
                    n_out,
                    weights,
                    bias,
                    act,
                } => {
                    let x = arg(0);
                    let mut pre = Vec::with_capacity(x.len() / n_in * n_out);
                    for row in x.chunks(*n_in) {
                        for j in 0..*n_out {
                            pre.push(
                                bias[j]
                                    + row
                                        .iter()
                                        .enumerate()
                                        .map(|(i, xi)| xi * weights[i * n_out + j])
                                        .sum::<f64>(),
                            );
                        }
                    }
                    let p = max_abs(&pre);
                    let out = pre
                        .iter()
                        .map(|v| {
                            if *act == Activation::Relu {
                                v.max(0.0)
                            } else {
                                *v
                            }
                        })
                        .collect();
                    (out, p)
                }
                FloatOp::Add { constant } => {
                    let rhs = constant.as_ref().unwrap_or_else(|| arg(1));
                    let v: Vec<f64> = arg(0).iter().zip(rhs).map(|(a, b)| a + b).collect();
                    let p = max_abs(&v);
                    (v, p)
                }
                FloatOp::Relu => (arg(0).iter().map(|v| v.max(0.0)).collect(), max_abs(arg(0))),
                FloatOp::Reshape { .. } => (arg(0).clone(), 0.0),
            };
            values.push(out);
            peaks.push(peak);
        }
        Ok((values, peaks))
    }

    /// The outputs of [`FloatGraph::eval`], flattened per graph output.
    pub fn outputs(&self, inputs: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
        let (values, _) = self.eval(inputs)?;
        Ok(self.outputs.iter().map(|o| values[*o].clone()).collect())
    }

    /// Quantize at `2^scale` with rescaled values bounded by `2^(range_bits - 1)`.
    pub fn quantize(&self, scale: u32, range_bits: u32) -> QuantizedGraph {
        let q = |v: &[f64], s: u32| v.iter().map(|x| quantize(*x, s)).collect::<Vec<i64>>();
        let nodes = self
            .nodes
            .iter()
            .map(|n| {
                let op = match &n.op {
                    FloatOp::Input { shape } => OpKind::Input(Input {
                        shape: shape.clone(),
                    }),
                    FloatOp::Dense {
                        n_in,
                        n_out,
                        weights,
                        bias,
                        act,
                    } => OpKind::Dense(Dense {
                        n_in: *n_in,
                        n_out: *n_out,
                        weights: q(weights, scale),
                        bias: q(bias, 2 * scale),
                        act: *act,
                    }),
                    FloatOp::Add { constant } => OpKind::Add(Add {
                        constant: constant.as_ref().map(|c| q(c, scale)),
                        scale,
                    }),
                    FloatOp::Relu => OpKind::Relu(Relu { scale }),
                    FloatOp::Reshape { shape } => OpKind::Reshape(Reshape {
                        shape: shape.clone(),
                    }),
                };
                Node {
                    name: n.name.clone(),
                    op,
                    inputs: n.inputs.clone(),
                }
            })
            .collect();
        QuantizedGraph {
            scale,
            range_bits,
            nodes,
            outputs: self.outputs.clone(),
        }
    }
}
