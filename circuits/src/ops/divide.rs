//! `Divide`: elementwise `y = round(n / d)` of two computed tensors of the same size, at the graph scale:
//! `y = round(n·2^s / d)` in integers (half up), for `d ≥ 1` (a real denominator of at least `2^-s`).
//! The division is exact and sound (see `chips::divide`); it is how Softmax normalises and how ONNX Div of
//! two tensors is proved. A denominator below 1 unit is an error naming the layer.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{EvalCtx, Lowering, Op};
use crate::chips::divide::DivWitness;
use crate::error::{CircuitError, Result};
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// Elementwise rounded division of operand 0 (numerators) by operand 1 (denominators, `≥ 1`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Divide;

impl Op for Divide {
    fn name(&self) -> &'static str {
        "Divide"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        match inputs {
            [n, d] if n.iter().product::<usize>() == d.iter().product::<usize>() => Ok(n.to_vec()),
            [n, d] => Err(format!(
                "numerator {n:?} and denominator {d:?} differ in size"
            )),
            _ => Err("expects a numerator and a denominator".into()),
        }
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let (n, d) = (inputs[0], inputs[1]);
        let shape = self
            .output_shape(&[&n.shape, &d.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let data = n
            .data
            .iter()
            .zip(&d.data)
            .map(|(n, d)| {
                let w = DivWitness::of(*n, *d, ctx.scale).ok_or_else(|| {
                    if *d < 1 {
                        CircuitError::Shape {
                            layer: ctx.layer.to_string(),
                            msg: format!(
                                "denominator {d} (= {:.4}) is below 2^-{}: zkinfer divides only by positive values",
                                crate::fixed_point::dequantize(*d, ctx.scale),
                                ctx.scale
                            ),
                        }
                    } else {
                        ctx.overflow()
                    }
                })?;
                ctx.check_range(w.y)
            })
            .collect::<Result<_>>()?;
        Ok(QTensor {
            shape,
            data,
            scale: ctx.scale,
        })
    }

    fn lower(&self, input_shapes: &[&[usize]], _lanes: usize) -> Lowering {
        let n: usize = input_shapes[0].iter().product();
        Lowering::Divide((0..n).map(|i| ((0, i), (1, i))).collect())
    }
}

impl RealOp for Divide {
    fn name(&self) -> &'static str {
        "Divide"
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let v: Vec<f64> = inputs[0]
            .iter()
            .zip(inputs[1])
            .map(|(a, b)| a / b)
            .collect();
        let s = span(&v);
        (v, s)
    }

    fn quantize(&self, _q: &Quantizer) -> super::OpKind {
        super::OpKind::Divide(Divide)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chips::requant::Tamper;
    use crate::circuit::{CircuitParams, TamperAt};
    use crate::testing::{fails_to_synthesize, mock_run, single_op_graph};

    const SCALE: u32 = 7;
    const BITS: u32 = 14;

    fn case() -> (crate::QuantizedGraph, Vec<QTensor>, Vec<f64>) {
        let n = [1.0, -2.5, 0.3, 7.0, 0.0, -0.01];
        let d = [3.0, 0.75, 1.0, 2.0, 5.0, 0.125];
        let graph = single_op_graph(
            crate::OpKind::Divide(Divide),
            &[vec![6], vec![6]],
            SCALE,
            BITS,
        );
        let inputs = vec![
            QTensor::from_f64(vec![6], &n, SCALE).expect("shape"),
            QTensor::from_f64(vec![6], &d, SCALE).expect("shape"),
        ];
        let reference = n.iter().zip(&d).map(|(a, b)| a / b).collect();
        (graph, inputs, reference)
    }

    fn params(graph: &crate::QuantizedGraph) -> CircuitParams {
        CircuitParams {
            scale: SCALE,
            range_bits: BITS,
            ..CircuitParams::default()
        }
        .for_graph(graph)
    }

    #[test]
    fn eval_is_the_rounded_quotient() {
        let (graph, inputs, reference) = case();
        let trace = graph.eval(&inputs).expect("eval");
        let got = trace.values.last().expect("output").dequantize();
        let (n, d) = (&inputs[0].data, &inputs[1].data);
        for i in 0..6 {
            // Exact on the quantized operands: round(n·2^s/d) half up.
            let exact = (n[i] as f64 * 128.0 / d[i] as f64 + 0.5).floor() / 128.0;
            assert_eq!(got[i], exact, "element {i}");
            // And within the operands' rounding of the real quotient.
            assert!((got[i] - reference[i]).abs() < 0.06, "element {i}");
        }
    }

    #[test]
    fn mock_prover_satisfied() {
        for public_input in [false, true] {
            let (graph, inputs, _) = case();
            let p = params(&graph);
            let (failures, _, _) = mock_run(graph, inputs, p, public_input, None);
            assert!(failures.is_empty(), "{failures:?}");
        }
    }

    #[test]
    fn wrong_quotients_rejected() {
        for (tamper, expect) in [
            (Tamper::DivisionUp, "nonneg"),
            (Tamper::DivisionDown, "nonneg"),
            (Tamper::DivisionFieldQuotient, "low limb"),
        ] {
            for index in [0, 3, 5] {
                let (graph, inputs, _) = case();
                let p = params(&graph);
                let at = TamperAt {
                    node: 2,
                    index,
                    tamper,
                };
                let (failures, _, _) = mock_run(graph, inputs, p, false, Some(at));
                assert!(
                    failures.iter().any(|f| f.contains(expect)),
                    "{tamper:?} at {index} should fail '{expect}', got {failures:?}"
                );
            }
        }
    }

    #[test]
    fn non_positive_denominator_is_an_error_naming_the_layer() {
        let (graph, mut inputs, _) = case();
        inputs[1].data[2] = 0;
        let err = graph
            .eval(&inputs)
            .expect_err("division by zero")
            .to_string();
        assert!(
            err.contains("layer 'op'") && err.contains("denominator 0"),
            "{err}"
        );
    }

    #[test]
    fn without_the_divide_gate_it_does_not_synthesize() {
        let (graph, inputs, _) = case();
        let p = CircuitParams {
            products: false,
            ..params(&graph)
        };
        let why = fails_to_synthesize(graph, inputs, p);
        assert!(
            why.as_deref().is_some_and(|w| w.contains("divide")),
            "{why:?}"
        );
    }

    #[test]
    fn cost_covers_rows_used() {
        let (graph, inputs, _) = case();
        let p = params(&graph);
        let cost = crate::Cost::of(&graph, &p).expect("cost");
        let used = crate::testing::honest_rows(graph, inputs, p);
        assert!(cost.requant_rows >= used.requant);
        assert_eq!(cost.requant_rows, 12 + 6 * crate::chips::divide::ROWS);
    }
}
