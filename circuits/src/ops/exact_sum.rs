//! `ExactSum`: `y = x_0 + σ·x_1` elementwise with `σ = ±1`, exact, with no rescale and no range check:
//! the last step of a max or min (`m = t + σ·e` with `e = relu(σ·(m' - t))`, see the importer's
//! `extreme_over_taps` and `extreme_of_two`), whose result is one of the max's inputs whenever the Relu
//! rows before it are right, and they are checked. So it holds no value its inputs' cells could not (a
//! range-checked activation, or a table or step output within the graph's activation bound), and
//! every chip downstream already accepts those. One MAC row per element with weights 1 and `σ`; its
//! accumulator cell is the output (no requant row: a max-pool of `k` taps costs `k - 1` requant rows
//! instead of `k`). Only the importer's max and min build it: any other sum must keep its range check.
//! The oracle still refuses a result outside the range (`check_range`), as the requant row that was here
//! did, so what an honest prover can prove is unchanged.

use super::real::{RealOp, RealOutput};
use super::{elementwise_groups, same_shapes, Elementwise, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use crate::Activation;
use serde::{Deserialize, Serialize};

/// `x_0 + sign·x_1` of two same-size operands, exact (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExactSum {
    /// `1` (the last step of a max) or `-1` (of a min).
    pub sign: i64,
}

impl Op for ExactSum {
    fn name(&self) -> &'static str {
        "ExactSum"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        if inputs.len() != 2 || !matches!(self.sign, 1 | -1) {
            return Err("expects two operands and a sign of 1 or -1".into());
        }
        same_shapes(inputs)
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape.as_slice()).collect();
        let shape = self.output_shape(&shapes).map_err(|m| ctx.shape_err(m))?;
        let (a, b) = (&inputs[0].data, &inputs[1].data);
        let data = a
            .iter()
            .zip(b)
            .map(|(x, y)| ctx.check_range(x + self.sign * y))
            .collect::<Result<_>>()?;
        Ok(QTensor {
            shape,
            data,
            scale: ctx.scale,
        })
    }

    fn lower(&self, input_shapes: &[&[usize]], lanes: usize) -> Lowering {
        let n: usize = input_shapes.first().map_or(0, |s| s.iter().product());
        let bias = vec![0; n];
        let e = Elementwise {
            operands: 2,
            bias: &bias,
            act: Activation::None,
            extra: 0,
            exact: true,
            raw_inputs: false,
        };
        Lowering::Affine(elementwise_groups(e, lanes, |op, _| [1, self.sign][op]))
    }
}

impl RealOp for ExactSum {
    fn name(&self) -> &'static str {
        "ExactSum"
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let sign = self.sign as f64;
        let out: Vec<f64> = inputs[0]
            .iter()
            .zip(inputs[1])
            .map(|(x, y)| x + sign * y)
            .collect();
        let s = super::real::span(&out);
        (out, s)
    }

    fn quantize(&self, _q: &super::real::Quantizer) -> super::OpKind {
        super::OpKind::ExactSum(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chips::requant::Tamper;
    use crate::circuit::{CircuitParams, TamperAt};
    use crate::testing::{mock_run, single_op_graph};
    use crate::{Cost, OpKind};

    /// `max(a, b) = b + relu(a - b)` and `min(a, b) = a - relu(a - b)` as the importer builds them: the
    /// exact sum of `relu(a - b)` (here given directly, as an operand) and the other tensor.
    fn case(sign: i64) -> (crate::QuantizedGraph, Vec<QTensor>, Vec<i64>) {
        let a: Vec<i64> = (0..10).map(|i| (i * 37 % 23) - 11).collect();
        let b: Vec<i64> = (0..10).map(|i| (i * 13 % 19) - 9).collect();
        let relu: Vec<i64> = a.iter().zip(&b).map(|(x, y)| (x - y).max(0)).collect();
        let (x0, x1, expected) = match sign {
            1 => (
                relu.clone(),
                b.clone(),
                a.iter().zip(&b).map(|(x, y)| *x.max(y)).collect(),
            ),
            _ => (
                a.clone(),
                relu.clone(),
                a.iter().zip(&b).map(|(x, y)| *x.min(y)).collect(),
            ),
        };
        let graph = single_op_graph(
            OpKind::ExactSum(ExactSum { sign }),
            &[vec![10], vec![10]],
            7,
            12,
        );
        let t = |d: Vec<i64>| QTensor {
            shape: vec![10],
            data: d,
            scale: 7,
        };
        (graph, vec![t(x0), t(x1)], expected)
    }

    fn params(graph: &crate::QuantizedGraph, pack: usize) -> CircuitParams {
        CircuitParams {
            scale: 7,
            range_bits: 12,
            pack,
            ..CircuitParams::default()
        }
        .for_graph(graph)
    }

    #[test]
    fn eval_is_the_max_or_min() {
        for sign in [1, -1] {
            let (graph, inputs, expected) = case(sign);
            let trace = graph.eval(&inputs).expect("eval");
            assert_eq!(trace.values.last().expect("output").data, expected);
        }
    }

    #[test]
    fn honest_sums_are_accepted_with_no_requant_row() {
        for sign in [1, -1] {
            let (graph, inputs, _) = case(sign);
            for pack in [1, 3] {
                let p = params(&graph, pack);
                let used = crate::testing::honest_rows(graph.clone(), inputs.clone(), p);
                let cost = Cost::of(&graph, &p).expect("cost");
                // The two inputs' range checks only.
                assert_eq!((used.requant, cost.requant_rows), (20, 20));
                assert!(cost.mac_rows >= used.mac && used.mac > 1);
            }
        }
    }

    #[test]
    fn a_wrong_sum_is_rejected_by_the_mac_gate() {
        let (graph, inputs, _) = case(1);
        for index in [0, 9] {
            let at = TamperAt {
                node: 2,
                index,
                tamper: Tamper::Accumulator,
            };
            let (failures, _, _) = mock_run(
                graph.clone(),
                inputs.clone(),
                params(&graph, 1),
                true,
                Some(at),
            );
            assert!(failures.iter().any(|f| f.contains("mac")), "{failures:?}");
        }
    }
}
