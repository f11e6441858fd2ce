//! `Pad` with zeros (ONNX Pad, constant mode, value 0): the operand's cells are reused and the padding
//! points at the circuit's one shared zero cell (a MAC row with no inputs, whose gate forces it to 0).

use super::real::{Quantizer, RealOp, RealOutput};
use super::{ravel, strides, unravel, EvalCtx, Lowering, Op, ZERO_OPERAND};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// Zero padding before and after each axis (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pad {
    /// `(before, after)` per axis.
    pub pads: Vec<(usize, usize)>,
}

impl Pad {
    /// For every output element, `Some(flat index)` of the operand element it is, or `None` for padding.
    pub fn gather(&self, shape: &[usize]) -> Vec<Option<usize>> {
        let out: Vec<usize> = shape
            .iter()
            .zip(&self.pads)
            .map(|(n, (b, a))| n + b + a)
            .collect();
        let in_strides = strides(shape);
        (0..out.iter().product())
            .map(|flat| {
                let coords: Option<Vec<usize>> = unravel(flat, &out)
                    .iter()
                    .zip(&self.pads)
                    .zip(shape)
                    .map(|((c, (before, _)), n)| c.checked_sub(*before).filter(|c| c < n))
                    .collect();
                coords.map(|c| ravel(&c, &in_strides))
            })
            .collect()
    }
}

impl Op for Pad {
    fn name(&self) -> &'static str {
        "Pad"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let [x] = inputs else {
            return Err("expects one operand".into());
        };
        if self.pads.len() != x.len() {
            return Err(format!("{} pads for rank {}", self.pads.len(), x.len()));
        }
        Ok(x.iter()
            .zip(&self.pads)
            .map(|(n, (b, a))| n + b + a)
            .collect())
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        let shape = self
            .output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let data = self
            .gather(&x.shape)
            .iter()
            .map(|i| i.map_or(0, |i| x.data[i]))
            .collect();
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
                .map(|i| i.map_or((ZERO_OPERAND, 0), |i| (0, i)))
                .collect(),
        )
    }
}

impl RealOp for Pad {
    fn name(&self) -> &'static str {
        Op::name(self)
    }

    fn eval_real(&self, inputs: &[&[f64]], shapes: &[&[usize]]) -> RealOutput {
        let v = self.gather(shapes[0]);
        (
            v.iter().map(|i| i.map_or(0.0, |i| inputs[0][i])).collect(),
            (0.0, 0.0),
        )
    }

    fn quantize(&self, _q: &Quantizer) -> super::OpKind {
        super::OpKind::Pad(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{gather_is_constrained, single_op_graph};

    #[test]
    fn pads_a_hand_checked_matrix() {
        // [[1, 2]] padded by one column on the left and one row below: [[0, 1, 2], [0, 0, 0]].
        let pad = Pad {
            pads: vec![(0, 1), (1, 0)],
        };
        assert_eq!(
            pad.gather(&[1, 2]),
            vec![None, Some(0), Some(1), None, None, None]
        );
    }

    #[test]
    fn padding_is_the_constrained_zero_cell() {
        let graph = single_op_graph(
            crate::OpKind::Pad(Pad { pads: vec![(1, 1)] }),
            &[vec![3]],
            8,
            12,
        );
        gather_is_constrained(graph, &[vec![5, -6, 7]], &[0, 5, -6, 7, 0]);
    }

    #[test]
    fn every_padding_element_shares_one_zero_cell() {
        // 200 padding elements: the layout used to allocate a zero cell per element (an eagerly
        // evaluated `get_or_insert` argument) while the cost estimate counts one, so k could be too small.
        let graph = single_op_graph(
            crate::OpKind::Pad(Pad {
                pads: vec![(100, 100)],
            }),
            &[vec![3]],
            8,
            12,
        );
        let params = crate::CircuitParams {
            scale: 8,
            range_bits: 12,
            ..crate::CircuitParams::default()
        };
        let estimated = crate::Cost::of(&graph, &params).unwrap().mac_rows;
        let x = QTensor::new(vec![3], vec![5, -6, 7], 8).unwrap();
        let (failures, circuit, _) = crate::testing::mock_run(graph, vec![x], params, false, None);
        assert!(failures.is_empty(), "{failures:?}");
        let used = circuit.rows_used.lock().unwrap().unwrap().mac;
        assert!(
            used <= estimated,
            "MAC rows used {used} > estimated {estimated}"
        );
        assert!(
            used <= crate::circuit::MAC_FIRST_ROW + 1,
            "one zero cell: {used} rows"
        );
    }

    #[test]
    fn a_nonzero_padding_cell_is_rejected_by_the_mac_gate() {
        use crate::chips::requant::Tamper;
        use crate::circuit::TamperAt;
        use crate::{CircuitParams, Fr, ModelCircuit};
        use halo2_proofs::dev::MockProver;
        let graph = single_op_graph(
            crate::OpKind::Pad(Pad { pads: vec![(1, 0)] }),
            &[vec![2]],
            8,
            12,
        );
        let x = QTensor::new(vec![2], vec![3, 4], 8).unwrap();
        let params = CircuitParams {
            scale: 8,
            range_bits: 12,
            ..CircuitParams::default()
        };
        let circuit = ModelCircuit::new(std::sync::Arc::new(graph), params, false)
            .with_inputs(vec![x])
            .with_tamper(Some(TamperAt {
                node: 1,
                index: 0,
                tamper: Tamper::ZeroCell,
            }));
        // The prover sets the zero cell to 1 and claims 1 as the padding: only the MAC gate can object.
        let claimed: Vec<Fr> = [1i64, 3, 4]
            .iter()
            .map(|v| crate::fixed_point::to_field(*v))
            .collect();
        let (_, k) = circuit.cost().unwrap();
        let failures = match MockProver::run(k, &circuit, vec![claimed])
            .unwrap()
            .verify()
        {
            Ok(()) => vec![],
            Err(f) => f.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>(),
        };
        assert!(failures.iter().any(|f| f.contains("mac")), "{failures:?}");
    }
}
