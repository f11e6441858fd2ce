//! `Slice`: elements `start..end` (step 1) along one axis. Costs no rows: the output reuses the cells.

use super::real::{gathered, Quantizer, RealOp, RealOutput};
use super::{ravel, strides, unravel, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// A contiguous range along one axis (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Slice {
    /// The axis sliced.
    pub axis: usize,
    /// First index kept (inclusive).
    pub start: usize,
    /// End of the range (exclusive; `start < end ≤` the axis' size).
    pub end: usize,
}

impl Slice {
    /// For every output element, the flat index of the input element it is.
    pub fn gather(&self, shape: &[usize]) -> Vec<usize> {
        let mut out_shape = shape.to_vec();
        out_shape[self.axis] = self.end - self.start;
        let in_strides = strides(shape);
        (0..out_shape.iter().product())
            .map(|flat| {
                let mut coords = unravel(flat, &out_shape);
                coords[self.axis] += self.start;
                ravel(&coords, &in_strides)
            })
            .collect()
    }
}

impl Op for Slice {
    fn name(&self) -> &'static str {
        "Slice"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let [x] = inputs else {
            return Err("expects one operand".into());
        };
        if self.axis >= x.len() || self.start >= self.end || self.end > x[self.axis] {
            return Err(format!(
                "slice {}..{} of axis {} is outside {x:?}",
                self.start, self.end, self.axis
            ));
        }
        let mut shape = x.to_vec();
        shape[self.axis] = self.end - self.start;
        Ok(shape)
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        let shape = self
            .output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        Ok(QTensor {
            shape,
            data: self.gather(&x.shape).iter().map(|i| x.data[*i]).collect(),
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

impl RealOp for Slice {
    fn name(&self) -> &'static str {
        Op::name(self)
    }

    fn eval_real(&self, inputs: &[&[f64]], shapes: &[&[usize]]) -> RealOutput {
        gathered(inputs, self.gather(shapes[0]).into_iter().map(|i| (0, i)))
    }

    fn quantize(&self, _q: &Quantizer) -> super::OpKind {
        super::OpKind::Slice(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{gather_is_constrained, single_op_graph};

    #[test]
    fn slices_a_hand_checked_matrix() {
        // [[0,1,2,3],[4,5,6,7],[8,9,10,11]][1..3, :] and [:, 1..3]
        assert_eq!(
            Slice {
                axis: 0,
                start: 1,
                end: 3
            }
            .gather(&[3, 4]),
            vec![4, 5, 6, 7, 8, 9, 10, 11]
        );
        assert_eq!(
            Slice {
                axis: 1,
                start: 1,
                end: 3
            }
            .gather(&[3, 4]),
            vec![1, 2, 5, 6, 9, 10]
        );
        assert!(Slice {
            axis: 1,
            start: 2,
            end: 5
        }
        .output_shape(&[&[3, 4]])
        .is_err());
    }

    #[test]
    fn sliced_cells_are_copies_in_the_circuit() {
        let graph = single_op_graph(
            crate::OpKind::Slice(Slice {
                axis: 1,
                start: 1,
                end: 3,
            }),
            &[vec![2, 4]],
            8,
            12,
        );
        gather_is_constrained(graph, &[vec![1, -2, 3, -4, 5, -6, 7, -8]], &[-2, 3, -6, 7]);
    }
}
