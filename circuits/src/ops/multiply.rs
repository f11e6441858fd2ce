//! `Multiply`: elementwise `y = rescale(a·b)` of two computed tensors of the same size (ONNX Mul of two
//! activations, e.g. gating). Each element is a product row (`chips::multiply`) and a rescale row.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{Activation, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// Elementwise rescaled product of two same-size computed tensors (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Multiply;

impl Op for Multiply {
    fn name(&self) -> &'static str {
        "Multiply"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        super::same_shapes(inputs).and_then(|s| match inputs.len() {
            2 => Ok(s),
            _ => Err("expects two operands".into()),
        })
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let (a, b) = (inputs[0], inputs[1]);
        let shape = self
            .output_shape(&[&a.shape, &b.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let data = a
            .data
            .iter()
            .zip(&b.data)
            .map(|(x, y)| ctx.requantize(i128::from(*x) * i128::from(*y), Activation::None))
            .collect::<Result<_>>()?;
        Ok(QTensor {
            shape,
            data,
            scale: ctx.scale,
        })
    }

    fn lower(&self, input_shapes: &[&[usize]], _lanes: usize) -> Lowering {
        let n: usize = input_shapes[0].iter().product();
        Lowering::Multiply((0..n).map(|i| ((0, i), (1, i))).collect())
    }
}

impl RealOp for Multiply {
    fn name(&self) -> &'static str {
        "Multiply"
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let v: Vec<f64> = inputs[0]
            .iter()
            .zip(inputs[1])
            .map(|(a, b)| a * b)
            .collect();
        let s = span(&v);
        (v, s)
    }

    fn quantize(&self, _q: &Quantizer) -> super::OpKind {
        super::OpKind::Multiply(Multiply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_suite::{op_suite, OpCase};

    fn case() -> OpCase {
        let a: Vec<f64> = (0..10).map(|i| (i as f64 - 4.5) * 0.41).collect();
        let b: Vec<f64> = (0..10).map(|i| ((i * 3 % 7) as f64 - 3.0) * 0.6).collect();
        OpCase {
            inputs: vec![(vec![2, 5], a), (vec![2, 5], b)],
            // Operand roundings times the other operand (|a| <= 1.9, |b| <= 1.8), plus the final rounding.
            tolerance: |s| (1.9 * 0.5 + 1.8 * 0.5 + 0.5 + 0.25) / f64::from(1u32 << s),
            reference: Box::new(|x: &[Vec<f64>]| {
                x[0].iter().zip(&x[1]).map(|(a, b)| a * b).collect()
            }),
            build: Box::new(|_| crate::OpKind::Multiply(Multiply)),
        }
    }

    op_suite!(multiply, case());
}
