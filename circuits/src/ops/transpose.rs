//! `Transpose`: permute axes (ONNX Transpose semantics: output axis `i` is input axis `perm[i]`).
//! Costs no rows: the output reuses the operand's cells in the permuted order.

use super::real::{gathered, Quantizer, RealOp, RealOutput};
use super::{ravel, strides, unravel, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// A permutation of the axes (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Transpose {
    /// Output axis `i` is input axis `perm[i]`; a permutation of `0..rank`.
    pub perm: Vec<usize>,
}

impl Transpose {
    /// For every output element, the flat index of the input element it copies.
    pub fn gather(&self, shape: &[usize]) -> Vec<usize> {
        let in_strides = strides(shape);
        let out_shape: Vec<usize> = self.perm.iter().map(|p| shape[*p]).collect();
        let perm_strides: Vec<usize> = self.perm.iter().map(|p| in_strides[*p]).collect();
        (0..shape.iter().product())
            .map(|flat| ravel(&unravel(flat, &out_shape), &perm_strides))
            .collect()
    }
}

impl Op for Transpose {
    fn name(&self) -> &'static str {
        "Transpose"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let [x] = inputs else {
            return Err("expects one operand".into());
        };
        let mut seen = vec![false; x.len()];
        if self.perm.len() != x.len()
            || self
                .perm
                .iter()
                .any(|p| *p >= x.len() || std::mem::replace(&mut seen[*p], true))
        {
            return Err(format!(
                "{:?} is not a permutation of the axes of {x:?}",
                self.perm
            ));
        }
        Ok(self.perm.iter().map(|p| x[*p]).collect())
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        let shape = self
            .output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let data = self.gather(&x.shape).iter().map(|i| x.data[*i]).collect();
        Ok(QTensor {
            shape,
            data,
            scale: x.scale,
        })
    }

    fn lower(&self, input_shapes: &[&[usize]], _lanes: usize) -> Lowering {
        Lowering::Gather(
            self.gather(input_shapes[0])
                .into_iter()
                .map(|i| (0, i))
                .collect(),
        )
    }
}

impl RealOp for Transpose {
    fn name(&self) -> &'static str {
        Op::name(self)
    }

    fn eval_real(&self, inputs: &[&[f64]], shapes: &[&[usize]]) -> RealOutput {
        gathered(inputs, self.gather(shapes[0]).into_iter().map(|i| (0, i)))
    }

    fn quantize(&self, _q: &Quantizer) -> super::OpKind {
        super::OpKind::Transpose(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_matches_a_hand_transposed_matrix() {
        // [[0, 1, 2], [3, 4, 5]] transposed is [[0, 3], [1, 4], [2, 5]].
        assert_eq!(
            Transpose { perm: vec![1, 0] }.gather(&[2, 3]),
            vec![0, 3, 1, 4, 2, 5]
        );
        // NCHW -> NHWC of a 1x2x2x2 tensor.
        assert_eq!(
            Transpose {
                perm: vec![0, 2, 3, 1]
            }
            .gather(&[1, 2, 2, 2]),
            vec![0, 4, 1, 5, 2, 6, 3, 7]
        );
    }

    #[test]
    fn transposed_cells_are_copies_in_the_circuit() {
        use crate::testing::{gather_is_constrained, single_op_graph};
        let graph = single_op_graph(
            crate::OpKind::Transpose(Transpose { perm: vec![1, 0] }),
            &[vec![2, 3]],
            8,
            12,
        );
        gather_is_constrained(graph, &[vec![1, -2, 3, -4, 5, -6]], &[1, -4, -2, 5, 3, -6]);
    }
}
