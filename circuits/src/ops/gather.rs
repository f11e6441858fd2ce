//! `Gather`: any selection of the operand's elements, in any order and with repeats, as a tensor of the
//! given shape. Costs no rows: the output reuses the cells. The importer uses it to pick the taps of
//! windows (MaxPool is built from gathers, differences and Relus).

use super::real::{gathered, Quantizer, RealOp, RealOutput};
use super::{EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// A free selection of operand elements (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Gather {
    /// The output shape (its element count is `indices.len()`).
    pub shape: Vec<usize>,
    /// Flat operand index of each output element.
    pub indices: Vec<usize>,
}

impl Op for Gather {
    fn name(&self) -> &'static str {
        "Gather"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let [x] = inputs else {
            return Err("expects one operand".into());
        };
        let numel: usize = x.iter().product();
        if self.shape.iter().product::<usize>() != self.indices.len()
            || self.indices.iter().any(|i| *i >= numel)
        {
            return Err(format!(
                "{} indices for shape {:?} from {x:?}",
                self.indices.len(),
                self.shape
            ));
        }
        Ok(self.shape.clone())
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        let shape = self
            .output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        Ok(QTensor {
            shape,
            data: self.indices.iter().map(|i| x.data[*i]).collect(),
            scale: x.scale,
        })
    }

    fn lower(&self, _input_shapes: &[&[usize]], _lanes: usize) -> Lowering {
        Lowering::Gather(self.indices.iter().map(|i| (0, *i)).collect())
    }
}

impl RealOp for Gather {
    fn name(&self) -> &'static str {
        Op::name(self)
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        gathered(inputs, self.indices.iter().map(|i| (0, *i)))
    }

    fn quantize(&self, _q: &Quantizer) -> super::OpKind {
        super::OpKind::Gather(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{gather_is_constrained, single_op_graph};

    #[test]
    fn gathered_cells_are_copies_in_the_circuit() {
        let op = Gather {
            shape: vec![2, 2],
            indices: vec![3, 0, 0, 2],
        };
        assert!(op.output_shape(&[&[3]]).is_err(), "index 3 of 3 elements");
        let graph = single_op_graph(crate::OpKind::Gather(op), &[vec![4]], 8, 12);
        gather_is_constrained(graph, &[vec![9, -8, 7, -6]], &[-6, 9, 9, 7]);
    }
}
