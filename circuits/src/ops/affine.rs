//! `Affine`: elementwise `y_i = act(rescale(Σ_j c_j[i]·x_j[i] + b_i))` over one or two operands of the
//! same size, with per-element constant coefficients `c_j` (scale `2^s`) and bias `b` (scale `2^(2s)`).
//! It is ONNX Add and Sub (of two tensors or of a constant), Mul and Div by a constant, and
//! BatchNormalization that could not be folded into a preceding layer (tract's Mul + Add), broadcasting
//! resolved by the importer. Sums and differences are exact (coefficients `±2^s`); the requant's lookups
//! range-check every result.

use super::{chunked_groups, same_shapes, Activation, AffineGroup, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// Elementwise affine map of one or two same-size operands with constant coefficients (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Affine {
    /// Per operand, one coefficient per element, at scale `2^s`.
    pub coefficients: Vec<Vec<i64>>,
    /// One bias per element, at scale `2^(2s)`.
    pub bias: Vec<i64>,
    /// Applied after the rescale (checked by the requant row's relu gate or function lookup).
    pub act: Activation,
}

impl Affine {
    /// `a + b` (two operands) at scale `2^s` for `n` elements.
    pub fn sum(n: usize, scale: u32) -> Self {
        Self {
            coefficients: vec![vec![1 << scale; n]; 2],
            bias: vec![0; n],
            act: Activation::None,
        }
    }
}

impl Op for Affine {
    fn name(&self) -> &'static str {
        "Affine"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        if inputs.is_empty() || inputs.len() != self.coefficients.len() {
            return Err(format!(
                "{} operands for {} coefficient vectors",
                inputs.len(),
                self.coefficients.len()
            ));
        }
        let shape = same_shapes(inputs)?;
        let n: usize = shape.iter().product();
        if self.bias.len() != n || self.coefficients.iter().any(|c| c.len() != n) {
            return Err(format!(
                "coefficients or bias do not have the operands' {n} elements"
            ));
        }
        Ok(shape)
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape.as_slice()).collect();
        let shape = self.output_shape(&shapes).map_err(|m| ctx.shape_err(m))?;
        let data = (0..self.bias.len())
            .map(|i| {
                let acc = inputs
                    .iter()
                    .zip(&self.coefficients)
                    .fold(i128::from(self.bias[i]), |acc, (x, c)| {
                        acc + i128::from(x.data[i]) * i128::from(c[i])
                    });
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

    fn lower(&self, _input_shapes: &[&[usize]], lanes: usize) -> Lowering {
        let operands = self.coefficients.len();
        Lowering::Affine(chunked_groups(self.bias.len(), lanes, |first, count| {
            // Slots: operand 0 elements first..first+count, then operand 1's; neuron m reads slot j·count+m.
            let slots: Vec<(usize, usize)> = (0..operands)
                .flat_map(|op| (first..first + count).map(move |i| (op, i)))
                .collect();
            let mut weights = vec![0; count * slots.len()];
            for m in 0..count {
                for (op, c) in self.coefficients.iter().enumerate() {
                    weights[m * slots.len() + op * count + m] = c[first + m];
                }
            }
            AffineGroup {
                slots,
                weights,
                bias: self.bias[first..first + count].to_vec(),
                act: self.act,
                outputs: (first..first + count).collect(),
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed_point::quantize;
    use crate::ops::test_suite::{op_suite, OpCase};

    /// `y = act(ca·a + cb·b + k)` with per-element real coefficients (`cb` absent: one operand).
    fn case(
        ca: fn(usize) -> f64,
        cb: Option<fn(usize) -> f64>,
        k: fn(usize) -> f64,
        act: Activation,
    ) -> OpCase {
        let n = 11;
        let a: Vec<f64> = (0..n).map(|i| (i as f64 - 5.0) * 0.37).collect();
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.61) - 2.0).collect();
        let mut inputs = vec![(vec![1, n], a)];
        if cb.is_some() {
            inputs.push((vec![1, n], b));
        }
        OpCase {
            inputs,
            // Input roundings times |c| <= 2, the coefficient roundings times |x| <= 3, the final rounding.
            tolerance: |s| (2.0 * 2.0 * 0.5 + 2.0 * 3.0 * 0.5 + 1.0) / f64::from(1u32 << s),
            reference: Box::new(move |x: &[Vec<f64>]| {
                (0..n)
                    .map(|i| {
                        let v = ca(i) * x[0][i] + cb.map_or(0.0, |cb| cb(i) * x[1][i]) + k(i);
                        act.apply_f64(v)
                    })
                    .collect()
            }),
            build: Box::new(move |s| {
                let mut coefficients = vec![(0..n).map(|i| quantize(ca(i), s)).collect::<Vec<_>>()];
                if let Some(cb) = cb {
                    coefficients.push((0..n).map(|i| quantize(cb(i), s)).collect());
                }
                crate::OpKind::Affine(Affine {
                    coefficients,
                    bias: (0..n).map(|i| quantize(k(i), 2 * s)).collect(),
                    act,
                })
            }),
        }
    }

    op_suite!(
        add_two_values,
        case(|_| 1.0, Some(|_| 1.0), |_| 0.0, Activation::None)
    );
    op_suite!(
        sub_two_values,
        case(|_| 1.0, Some(|_| -1.0), |_| 0.0, Activation::None)
    );
    op_suite!(
        add_constant,
        case(|_| 1.0, None, |i| i as f64 * 0.25 - 1.0, Activation::None)
    );
    op_suite!(
        constant_minus_value,
        case(|_| -1.0, None, |i| 0.5 * i as f64, Activation::None)
    );
    op_suite!(
        mul_by_constants_then_relu,
        case(|i| 1.5 - i as f64 * 0.3, None, |_| 0.125, Activation::Relu)
    );
    op_suite!(
        div_by_three,
        case(|_| 1.0 / 3.0, None, |_| 0.0, Activation::None)
    );
}
