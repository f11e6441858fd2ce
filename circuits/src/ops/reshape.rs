//! `Reshape` (also Flatten, Identity): the same elements in the same row-major order under a new shape.
//! Costs no rows: the output reuses the operand's cells.

use super::real::{Quantizer, RealOp, RealOutput};
use super::{EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// A new shape for the same elements (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Reshape {
    /// The output shape (same element count as the operand).
    pub shape: Vec<usize>,
}

impl Op for Reshape {
    fn name(&self) -> &'static str {
        "Reshape"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let [x] = inputs else {
            return Err("expects one operand".into());
        };
        let (n_in, n_out) = (
            x.iter().product::<usize>(),
            self.shape.iter().product::<usize>(),
        );
        if n_in != n_out {
            return Err(format!(
                "cannot reshape {x:?} ({n_in} elements) to {:?}",
                self.shape
            ));
        }
        Ok(self.shape.clone())
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape.as_slice()).collect();
        let shape = self.output_shape(&shapes).map_err(|m| ctx.shape_err(m))?;
        Ok(QTensor {
            shape,
            data: inputs[0].data.clone(),
            scale: inputs[0].scale,
        })
    }

    fn lower(&self, _input_shapes: &[&[usize]], _lanes: usize) -> Lowering {
        Lowering::Alias
    }
}

impl RealOp for Reshape {
    fn name(&self) -> &'static str {
        Op::name(self)
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        (inputs[0].to_vec(), (0.0, 0.0))
    }

    fn quantize(&self, _q: &Quantizer) -> super::OpKind {
        super::OpKind::Reshape(self.clone())
    }
}
