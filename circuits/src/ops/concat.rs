//! `Concat`: operands of equal shape but for one axis, joined along it. Costs no rows: the output reuses
//! the operands' cells.

use super::real::{gathered, Quantizer, RealOp, RealOutput};
use super::{ravel, strides, unravel, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// Concatenation of the operands along one axis (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Concat {
    /// The axis joined along; every other dimension must agree across operands.
    pub axis: usize,
}

impl Concat {
    /// For every output element, `(operand, flat index)` of the element it is.
    pub fn gather(&self, shapes: &[&[usize]]) -> Vec<(usize, usize)> {
        let mut out_shape = shapes[0].to_vec();
        out_shape[self.axis] = shapes.iter().map(|s| s[self.axis]).sum();
        let operand_strides: Vec<Vec<usize>> = shapes.iter().map(|s| strides(s)).collect();
        (0..out_shape.iter().product())
            .map(|flat| {
                let mut coords = unravel(flat, &out_shape);
                let (mut op, mut along) = (0, coords[self.axis]);
                while along >= shapes[op][self.axis] {
                    along -= shapes[op][self.axis];
                    op += 1;
                }
                coords[self.axis] = along;
                (op, ravel(&coords, &operand_strides[op]))
            })
            .collect()
    }
}

impl Op for Concat {
    fn name(&self) -> &'static str {
        "Concat"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let first = inputs.first().ok_or("expects operands")?;
        if self.axis >= first.len() {
            return Err(format!("axis {} of {first:?}", self.axis));
        }
        let same_but_axis = |s: &&[usize]| {
            s.len() == first.len() && (0..s.len()).all(|d| d == self.axis || s[d] == first[d])
        };
        if !inputs.iter().all(same_but_axis) {
            return Err(format!(
                "operand shapes {inputs:?} differ off axis {}",
                self.axis
            ));
        }
        let mut shape = first.to_vec();
        shape[self.axis] = inputs.iter().map(|s| s[self.axis]).sum();
        Ok(shape)
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape.as_slice()).collect();
        let shape = self.output_shape(&shapes).map_err(|m| ctx.shape_err(m))?;
        let data = self
            .gather(&shapes)
            .iter()
            .map(|(op, i)| inputs[*op].data[*i])
            .collect();
        Ok(QTensor {
            shape,
            data,
            scale: ctx.scale,
        })
    }

    fn lower(&self, input_shapes: &[&[usize]], _lanes: usize) -> Lowering {
        Lowering::Gather(self.gather(input_shapes))
    }
}

impl RealOp for Concat {
    fn name(&self) -> &'static str {
        Op::name(self)
    }

    fn eval_real(&self, inputs: &[&[f64]], shapes: &[&[usize]]) -> RealOutput {
        gathered(inputs, self.gather(shapes).into_iter())
    }

    fn quantize(&self, _q: &Quantizer) -> super::OpKind {
        super::OpKind::Concat(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{gather_is_constrained, single_op_graph};

    #[test]
    fn concatenates_hand_checked_matrices() {
        // [[0,1],[2,3]] ++ [[0],[1]] along axis 1 = [[a0,a1,b0],[a2,a3,b1]]
        let g = Concat { axis: 1 }.gather(&[&[2, 2], &[2, 1]]);
        assert_eq!(g, vec![(0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (1, 1)]);
        assert!(Concat { axis: 1 }
            .output_shape(&[&[2, 2], &[3, 1]])
            .is_err());
    }

    #[test]
    fn concatenated_cells_are_copies_in_the_circuit() {
        let graph = single_op_graph(
            crate::OpKind::Concat(Concat { axis: 1 }),
            &[vec![2, 1], vec![2, 2]],
            8,
            12,
        );
        gather_is_constrained(
            graph,
            &[vec![5, -6], vec![7, 8, -9, 1]],
            &[5, 7, 8, -6, -9, 1],
        );
    }
}
