//! `Dense`: `y = act(rescale(x·W + b))` over rows of `n_in` elements, output `[rows, n_out]` (ONNX Gemm, MatMul with a constant right operand,
//! with an optional fused Add of a constant bias and a fused Relu).
//!
//! Weights are public constants at scale `2^(s+w)` (`w`: [`Dense::weight_bits`], usually 0) and live
//! in fixed columns; the bias is at the product scale `2^(2s+w)` so it is added before the single
//! rescale by `2^(s+w)` (with `w > 0`, the requant chip's fine rescale). Weights are what most of a
//! dense layer's error comes from: a weight `w` held at `2^-s` is off by up to `2^-(s+1)`, and an output
//! sums `n_in` such errors times activations of magnitude about 1, against `n_in` rounding errors of the
//! activations times weights of magnitude about `1/sqrt(n_in)`.

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
    /// Row-major `[n_in][n_out]`, real or at scale `2^(s+weight_bits)`.
    pub weights: Vec<T>,
    /// `[n_out]`, real or at scale `2^(2s+weight_bits)`.
    pub bias: Vec<T>,
    /// Applied after the rescale (e.g. a fused Relu).
    pub act: Activation,
    /// Extra fractional bits of the weights, `w` (0, or the circuit's `weight_bits`); not written
    /// when 0, so earlier graphs serialize (and hash) as before.
    #[serde(default, skip_serializing_if = "super::is_zero")]
    pub weight_bits: u32,
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
                ctx.requantize_wide(acc, self.weight_bits, self.act)
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
                    fine: self.weight_bits,
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
            weights: q.values(&self.weights, q.scale + q.weight_bits),
            bias: q.values(&self.bias, 2 * q.scale + q.weight_bits),
            act: q.activation(self.act),
            weight_bits: q.weight_bits,
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

    /// Weights `wb` bits finer than the activations (`wb = 0`: at the activations' scale), in
    /// `[-span, span)`.
    fn case(act: Activation, wb: u32, span: f64) -> OpCase {
        // Deterministic pseudo-random weights in [-span, span), inputs in [-2, 2).
        let (n_in, n_out) = (13, 6);
        let w: Vec<f64> = (0..n_in * n_out)
            .map(|i| (((i * 37 % 41) as f64 / 20.5) - 1.0) * span)
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
            // One rounding of each weight (<= 2^-(s+wb+1) each, times |x| < 2), of each input (times
            // |w| <= 1), of the bias and of the result: finer weights must shrink the first term.
            tolerance: match wb {
                0 => |s| (13.0 * 2.0 * 0.5 + 13.0 * 0.5 + 1.0 + 0.5) / f64::from(1u32 << s),
                2 => |s| (13.0 * 2.0 * 0.5 / 4.0 + 13.0 * 0.5 + 1.0 + 0.5) / f64::from(1u32 << s),
                _ => |s| (13.0 * 2.0 * 0.5 / 16.0 + 13.0 * 0.5 + 1.0 + 0.5) / f64::from(1u32 << s),
            },
            reference: Box::new(reference),
            build: Box::new(move |s| {
                let q = |v: f64, sc: u32| crate::fixed_point::quantize(v, sc);
                crate::OpKind::Dense(Dense {
                    n_in,
                    n_out,
                    weights: w.iter().map(|v| q(*v, s + wb)).collect(),
                    bias: b.iter().map(|v| q(*v, 2 * s + wb)).collect(),
                    act,
                    weight_bits: wb,
                })
            }),
        }
    }

    op_suite!(dense_linear, case(Activation::None, 0, 1.0));
    op_suite!(dense_relu, case(Activation::Relu, 0, 1.0));
    // Weights 4 bits finer (the requant chip's fine rescale, two base-4 digits).
    op_suite!(dense_linear_fine, case(Activation::None, 4, 1.0));
    op_suite!(dense_relu_fine, case(Activation::Relu, 4, 1.0));
    // Small weights (their sums below 1): a packed lane's width is then set by what a fine requant row
    // accepts, `2^(b-1+s+w)`, not by the dot products, so a carry between lanes tests that bound.
    op_suite!(dense_small_fine, case(Activation::None, 4, 1.0 / 16.0));
    // One digit and four digits; a strict step (its offset `-2^(s+w)`, the step gate on a fine row).
    op_suite!(dense_relu_fine2, case(Activation::Relu, 2, 1.0));
    op_suite!(dense_relu_fine8, case(Activation::Relu, 8, 1.0));
    /// A strict step on fine rows (its offset `-2^(s+w)`, the step gate): proved, tampers rejected, cost
    /// covered. (Its eval against the float step is not checked: a pre-activation within rounding of
    /// 0 may land on either side.)
    #[test]
    fn dense_step_fine() {
        let c = case(Activation::Step { strict: true }, 4, 1.0);
        c.check_mock();
        c.check_tamper();
        c.check_cost();
    }

    #[test]
    fn a_circuit_without_the_graphs_weight_bits_refuses_it() {
        let (graph, inputs) = case(Activation::Relu, 4, 1.0).graph(7);
        crate::testing::assert_other_weight_bits_refused(&graph, &inputs, &[0, 2, 6]);
    }

    #[test]
    fn one_weight_width_per_graph_and_only_even_widths() {
        let (mut graph, _) = case(Activation::Relu, 4, 1.0).graph(7);
        let mut other = graph.nodes[1].clone();
        if let crate::OpKind::Dense(d) = &mut other.op {
            d.weight_bits = 2;
            d.n_in = 6;
            d.weights.truncate(6 * d.n_out);
        }
        other.inputs = vec![1];
        graph.nodes.push(other);
        graph.outputs = vec![2];
        let err = graph.shapes().unwrap_err().to_string();
        assert!(err.contains("one width per circuit"), "{err}");
        for odd in [3, 10] {
            let (mut graph, _) = case(Activation::Relu, 4, 1.0).graph(7);
            if let crate::OpKind::Dense(d) = &mut graph.nodes[1].op {
                d.weight_bits = odd;
            }
            let err = graph.shapes().unwrap_err().to_string();
            assert!(err.contains("an even number up to 8"), "{err}");
        }
    }
}
