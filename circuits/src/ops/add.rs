//! `Add`: elementwise sum of two tensors of the same shape at the same scale, or of a tensor and a
//! constant tensor of the same shape (ONNX Add after tract's broadcasting is resolved by the importer).
//! Lowered as `y = rescale(2^s·a + 2^s·b)`, which is exact, so the requant's lookup range-checks the sum.

use super::{chunked_groups, same_shapes, Activation, AffineGroup, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Add {
    /// A constant right operand (at scale `2^s`), or `None` when both operands are graph values.
    pub constant: Option<Vec<i64>>,
    /// Fractional bits `s` (the lowering's identity weight is `2^s`).
    pub scale: u32,
}

impl Op for Add {
    fn name(&self) -> &'static str {
        "Add"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        match (&self.constant, inputs) {
            (None, [_, _]) => same_shapes(inputs),
            (Some(c), [x]) if c.len() == x.iter().product::<usize>() => Ok(x.to_vec()),
            (Some(c), [x]) => Err(format!("constant has {} elements, operand {x:?}", c.len())),
            _ => Err("expects two operands, or one operand and a constant".into()),
        }
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape.as_slice()).collect();
        let shape = self.output_shape(&shapes).map_err(|m| ctx.shape_err(m))?;
        let rhs: &[i64] = match &self.constant {
            Some(c) => c,
            None => &inputs[1].data,
        };
        let data = inputs[0]
            .data
            .iter()
            .zip(rhs)
            .map(|(a, b)| ctx.check_range(a.checked_add(*b).ok_or_else(|| ctx.overflow())?))
            .collect::<Result<Vec<_>>>()?;
        Ok(QTensor {
            shape,
            data,
            scale: ctx.scale,
        })
    }

    fn lower(&self, input_shapes: &[&[usize]], lanes: usize) -> Lowering {
        let n: usize = input_shapes[0].iter().product();
        let one = 1i64 << self.scale;
        let operands = if self.constant.is_some() { 1 } else { 2 };
        Lowering::Affine(chunked_groups(n, lanes, |first, count| {
            // Slots: a[first..first+count], then b[first..first+count]; neuron m reads slots m and count+m.
            let slots: Vec<(usize, usize)> = (0..operands)
                .flat_map(|op| (first..first + count).map(move |i| (op, i)))
                .collect();
            let mut weights = vec![0; count * slots.len()];
            for m in 0..count {
                for op in 0..operands {
                    weights[m * slots.len() + op * count + m] = one;
                }
            }
            let bias = (first..first + count)
                .map(|i| self.constant.as_ref().map_or(0, |c| c[i] << self.scale))
                .collect();
            AffineGroup {
                slots,
                weights,
                bias,
                act: Activation::None,
                outputs: (first..first + count).collect(),
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_suite::{op_suite, OpCase};

    fn case(with_constant: bool) -> OpCase {
        let n = 11;
        let a: Vec<f64> = (0..n).map(|i| (i as f64 - 5.0) * 0.37).collect();
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.61) - 2.0).collect();
        let mut inputs = vec![(vec![1, n], a)];
        if !with_constant {
            inputs.push((vec![1, n], b.clone()));
        }
        let bc = b.clone();
        OpCase {
            relu: false,
            inputs,
            tolerance: |s| 1.5 / f64::from(1u32 << s),
            reference: Box::new(move |x: &[Vec<f64>]| {
                let rhs = if x.len() > 1 {
                    x[1].clone()
                } else {
                    bc.clone()
                };
                x[0].iter().zip(&rhs).map(|(a, b)| a + b).collect()
            }),
            build: Box::new(move |s| {
                let constant = with_constant.then(|| {
                    b.iter()
                        .map(|v| crate::fixed_point::quantize(*v, s))
                        .collect()
                });
                crate::OpKind::Add(Add { constant, scale: s })
            }),
        }
    }

    op_suite!(add_two_values, case(false));
    op_suite!(add_constant, case(true));
}
