//! `Dense`: `y = act(rescale(x·W + b))` over rows of `n_in` elements, output `[rows, n_out]` (ONNX Gemm, MatMul with a constant right operand,
//! with an optional fused Add of a constant bias and a fused Relu).
//!
//! Weights are public constants at scale `2^s` and live in fixed columns; the bias is at the product scale
//! `2^(2s)` so it is added before the single rescale.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{chunked_groups, Activation, AffineGroup, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A fully connected layer with constant weights and bias, applied to each row (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dense<T = i64> {
    /// Elements per input row (the operand's element count must be a multiple of it).
    pub n_in: usize,
    /// Outputs per row (neurons).
    pub n_out: usize,
    /// Row-major `[n_in][n_out]`, real or at scale `2^s`.
    pub weights: Vec<T>,
    /// `[n_out]`, real or at scale `2^(2s)`.
    pub bias: Vec<T>,
    /// Applied after the rescale (e.g. a fused Relu).
    pub act: Activation,
}

impl Dense {
    fn rows(&self, shape: &[usize]) -> usize {
        shape.iter().product::<usize>() / self.n_in.max(1)
    }
}

impl Op for Dense {
    fn name(&self) -> &'static str {
        "Dense"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let [x] = inputs else {
            return Err("expects one operand".into());
        };
        let numel: usize = x.iter().product();
        if self.n_in == 0 || !numel.is_multiple_of(self.n_in) {
            return Err(format!(
                "operand shape {x:?} is not rows of {} (the weight rows)",
                self.n_in
            ));
        }
        if self.weights.len() != self.n_in * self.n_out || self.bias.len() != self.n_out {
            return Err("weight or bias size does not match n_in x n_out".into());
        }
        Ok(vec![numel / self.n_in, self.n_out])
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        let shape = self
            .output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let rows = self.rows(&x.shape);
        let data = (0..rows * self.n_out)
            .into_par_iter()
            .map(|o| {
                let (row, j) = (o / self.n_out, o % self.n_out);
                let xs = &x.data[row * self.n_in..(row + 1) * self.n_in];
                let mut acc = i128::from(self.bias[j]);
                for (i, xi) in xs.iter().enumerate() {
                    acc += i128::from(*xi) * i128::from(self.weights[i * self.n_out + j]);
                }
                ctx.requantize(acc, self.act)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(QTensor {
            shape,
            data,
            scale: ctx.scale,
        })
    }

    fn activation(&self) -> Activation {
        self.act
    }

    fn lower(&self, input_shapes: &[&[usize]], lanes: usize) -> Lowering {
        let rows = self.rows(input_shapes[0]);
        let mut groups = Vec::new();
        for row in 0..rows {
            let slots: Vec<(usize, usize)> =
                (0..self.n_in).map(|i| (0, row * self.n_in + i)).collect();
            groups.extend(chunked_groups(self.n_out, lanes, |first, count| {
                let mut weights = Vec::with_capacity(count * self.n_in);
                for j in first..first + count {
                    weights.extend((0..self.n_in).map(|i| self.weights[i * self.n_out + j]));
                }
                AffineGroup {
                    slots: slots.clone(),
                    weights,
                    bias: self.bias[first..first + count].to_vec(),
                    act: self.act,
                    outputs: (row * self.n_out + first..row * self.n_out + first + count).collect(),
                    extra: 0,
                    exact: false,
                    raw_inputs: false,
                }
            }));
        }
        Lowering::Affine(groups)
    }
}

impl RealOp for Dense<f64> {
    fn name(&self) -> &'static str {
        "Dense"
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let x = inputs[0];
        let mut pre = Vec::with_capacity(x.len() / self.n_in.max(1) * self.n_out);
        for row in x.chunks(self.n_in.max(1)) {
            for j in 0..self.n_out {
                let dot: f64 = row
                    .iter()
                    .enumerate()
                    .map(|(i, xi)| xi * self.weights[i * self.n_out + j])
                    .sum();
                pre.push(self.bias[j] + dot);
            }
        }
        let s = span(&pre);
        (pre.iter().map(|v| self.act.apply_f64(*v)).collect(), s)
    }

    fn quantize(&self, q: &Quantizer) -> super::OpKind {
        super::OpKind::Dense(Dense {
            n_in: self.n_in,
            n_out: self.n_out,
            weights: q.values(&self.weights, q.scale),
            bias: q.values(&self.bias, 2 * q.scale),
            act: q.activation(self.act),
        })
    }

    fn table(&self) -> Option<crate::FnTable> {
        self.act.table()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_suite::{op_suite, OpCase};

    fn case(act: Activation) -> OpCase {
        // Deterministic pseudo-random weights in [-1, 1), inputs in [-2, 2).
        let (n_in, n_out) = (13, 6);
        let w: Vec<f64> = (0..n_in * n_out)
            .map(|i| ((i * 37 % 41) as f64 / 20.5) - 1.0)
            .collect();
        let b: Vec<f64> = (0..n_out).map(|j| (j as f64 - 2.5) / 4.0).collect();
        let x: Vec<f64> = (0..n_in)
            .map(|i| ((i * 11 % 17) as f64 / 4.25) - 2.0)
            .collect();
        let reference = {
            let w = w.clone();
            let b = b.clone();
            move |x: &[Vec<f64>]| -> Vec<f64> {
                (0..n_out)
                    .map(|j| {
                        let v = b[j] + (0..n_in).map(|i| x[0][i] * w[i * n_out + j]).sum::<f64>();
                        act.apply_f64(v)
                    })
                    .collect()
            }
        };
        OpCase {
            inputs: vec![(vec![1, n_in], x)],
            // One rounding of each weight (<= 2^-(s+1) each), of each input, of the bias and of the result.
            tolerance: |s| {
                (13.0 * 2.0 * 0.5 + 13.0 * 0.5 + 1.0) / f64::from(1u32 << s)
                    + 0.5 / f64::from(1u32 << s)
            },
            reference: Box::new(reference),
            build: Box::new(move |s| {
                let q = |v: f64, sc: u32| crate::fixed_point::quantize(v, sc);
                crate::OpKind::Dense(Dense {
                    n_in,
                    n_out,
                    weights: w.iter().map(|v| q(*v, s)).collect(),
                    bias: b.iter().map(|v| q(*v, 2 * s)).collect(),
                    act,
                })
            }),
        }
    }

    op_suite!(dense_linear, case(Activation::None));
    op_suite!(dense_relu, case(Activation::Relu));
}
