//! `Relu`: `y = max(x, 0)`. When it follows a Dense the importer fuses it into the Dense's requant; on its
//! own it is lowered as the identity affine map with the Relu activation, checked by the same lookup.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{identity_groups, Activation, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// A standalone Relu (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Relu {
    /// Fractional bits `s` (the lowering's identity weight is `2^s`).
    pub scale: u32,
}

impl Op for Relu {
    fn name(&self) -> &'static str {
        "Relu"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        match inputs {
            [x] => Ok(x.to_vec()),
            _ => Err("expects one operand".into()),
        }
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        self.output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let data = x
            .data
            .iter()
            .map(|v| ctx.check_range(*v).map(|v| v.max(0)))
            .collect::<Result<_>>()?;
        Ok(QTensor {
            shape: x.shape.clone(),
            data,
            scale: ctx.scale,
        })
    }

    fn lower(&self, input_shapes: &[&[usize]], lanes: usize) -> Lowering {
        identity_groups(input_shapes, lanes, self.scale, Activation::Relu)
    }
}

impl RealOp for Relu {
    fn name(&self) -> &'static str {
        "Relu"
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let x = inputs[0];
        (x.iter().map(|v| v.max(0.0)).collect(), span(x))
    }

    fn quantize(&self, q: &Quantizer) -> super::OpKind {
        super::OpKind::Relu(Relu { scale: q.scale })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_suite::{op_suite, OpCase};

    fn case() -> OpCase {
        let x: Vec<f64> = (0..9).map(|i| (i as f64 - 4.0) * 0.73).collect();
        OpCase {
            inputs: vec![(vec![1, 9], x)],
            tolerance: |s| 0.5 / f64::from(1u32 << s),
            reference: Box::new(|x: &[Vec<f64>]| x[0].iter().map(|v| v.max(0.0)).collect()),
            build: Box::new(|s| crate::OpKind::Relu(Relu { scale: s })),
        }
    }

    op_suite!(relu, case());
}
