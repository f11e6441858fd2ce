//! `Input`: a graph input. Its elements are assigned once and range-checked to `[-bound, bound)`.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// A graph input of a fixed shape, whose elements are range-checked (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Input {
    /// The input's shape; the tensor given for it must have as many elements.
    pub shape: Vec<usize>,
}

impl Op for Input {
    fn name(&self) -> &'static str {
        "Input"
    }

    fn output_shape(&self, _inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        Ok(self.shape.clone())
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs
            .first()
            .ok_or_else(|| ctx.shape_err("input value missing"))?;
        if x.data.len() != self.shape.iter().product::<usize>() {
            return Err(ctx.shape_err(format!(
                "expected {} values (shape {:?}), got {}",
                self.shape.iter().product::<usize>(),
                self.shape,
                x.data.len()
            )));
        }
        for v in &x.data {
            ctx.check_range(*v)?;
        }
        Ok(QTensor {
            shape: self.shape.clone(),
            data: x.data.clone(),
            scale: ctx.scale,
        })
    }

    fn lower(&self, _input_shapes: &[&[usize]], _lanes: usize) -> Lowering {
        Lowering::Input
    }
}

impl RealOp for Input {
    fn name(&self) -> &'static str {
        "Input"
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let v = inputs[0].to_vec();
        let s = span(&v);
        (v, s)
    }

    fn quantize(&self, _q: &Quantizer) -> super::OpKind {
        super::OpKind::Input(self.clone())
    }
}
