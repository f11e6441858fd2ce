//! `Affine`: elementwise `y_i = act(rescale(Σ_j c_j[i]·x_j[i] + b_i))` over one or two operands of the
//! same size, with per-element constant coefficients `c_j` (scale `2^(s+e)`) and bias `b` (scale
//! `2^(2s+e)`), rescaled by `2^(s+e)`; `e` is 0 unless a coefficient needs finer steps than the
//! activations (a folded BatchNorm or Div-by-constant factor: the requant chip's wide rescale).
//! It is ONNX Add and Sub (of two tensors or of a constant), Mul and Div by a constant, and
//! BatchNormalization that could not be folded into a preceding layer (tract's Mul + Add), broadcasting
//! resolved by the importer. Sums and differences are exact (coefficients `±2^s`); the requant's lookups
//! range-check every result.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{
    elementwise_groups, is_zero, same_shapes, Activation, Elementwise, EvalCtx, Lowering, Op,
};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// Elementwise affine map of one or two same-size operands with constant coefficients (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Affine<T = i64> {
    /// Per operand, one coefficient per element, real or at scale `2^(s+extra)`.
    pub coefficients: Vec<Vec<T>>,
    /// One bias per element, real or at scale `2^(2s+extra)`.
    pub bias: Vec<T>,
    /// Applied after the rescale (checked by the requant row's relu gate or function lookup).
    pub act: Activation,
    /// Extra fractional bits of the coefficients and bias (0, or the graph's coefficient bits; 0 in a
    /// real graph).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub extra: u32,
}

impl Affine {
    /// `a + b` (two operands) at scale `2^s` for `n` elements.
    pub fn sum(n: usize, scale: u32) -> Self {
        Self {
            coefficients: vec![vec![1 << scale; n]; 2],
            bias: vec![0; n],
            act: Activation::None,
            extra: 0,
        }
    }
}

impl Op for Affine {
    fn name(&self) -> &'static str {
        "Affine"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        if inputs.is_empty() || inputs.len() != self.coefficients.len() {
            return Err(format!(
                "{} operands for {} coefficient vectors",
                inputs.len(),
                self.coefficients.len()
            ));
        }
        let shape = same_shapes(inputs)?;
        let n: usize = shape.iter().product();
        if self.bias.len() != n || self.coefficients.iter().any(|c| c.len() != n) {
            return Err(format!(
                "coefficients or bias do not have the operands' {n} elements"
            ));
        }
        Ok(shape)
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape.as_slice()).collect();
        let shape = self.output_shape(&shapes).map_err(|m| ctx.shape_err(m))?;
        let data = (0..self.bias.len())
            .map(|i| {
                let acc = inputs
                    .iter()
                    .zip(&self.coefficients)
                    .fold(i128::from(self.bias[i]), |acc, (x, c)| {
                        acc + i128::from(x.data[i]) * i128::from(c[i])
                    });
                ctx.requantize_wide(acc, self.extra, self.act)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(QTensor {
            shape,
            data,
            scale: ctx.scale,
        })
    }

    fn activation(&self) -> Activation {
        self.act
    }

    fn lower(&self, _input_shapes: &[&[usize]], lanes: usize) -> Lowering {
        let e = Elementwise {
            operands: self.coefficients.len(),
            bias: &self.bias,
            act: self.act,
            extra: self.extra,
            exact: false,
            raw_inputs: false,
        };
        Lowering::Affine(elementwise_groups(e, lanes, |op, i| {
            self.coefficients[op][i]
        }))
    }
}

impl RealOp for Affine<f64> {
    fn name(&self) -> &'static str {
        "Affine"
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let pre: Vec<f64> = (0..self.bias.len())
            .map(|i| {
                let terms = self.coefficients.iter().zip(inputs);
                self.bias[i] + terms.map(|(c, x)| c[i] * x[i]).sum::<f64>()
            })
            .collect();
        let s = span(&pre);
        (pre.iter().map(|v| self.act.apply_f64(*v)).collect(), s)
    }

    fn quantize(&self, q: &Quantizer) -> super::OpKind {
        let bits = q.scale + q.extra;
        super::OpKind::Affine(Affine {
            coefficients: self
                .coefficients
                .iter()
                .map(|c| q.values(c, bits))
                .collect(),
            bias: q.values(&self.bias, q.scale + bits),
            act: q.activation(self.act),
            extra: q.extra,
        })
    }

    fn coefficients(&self, _shapes: &[&[usize]]) -> Vec<f64> {
        self.coefficients.concat()
    }

    fn table(&self) -> Option<crate::FnTable> {
        self.act.table()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chips::requant::Tamper;
    use crate::fixed_point::quantize;
    use crate::ops::test_suite::{op_suite, OpCase};

    /// `y = act(ca·a + cb·b + k)` with per-element real coefficients (`cb` absent: one operand).
    fn case(
        ca: fn(usize) -> f64,
        cb: Option<fn(usize) -> f64>,
        k: fn(usize) -> f64,
        act: Activation,
    ) -> OpCase {
        wide_case(0, ca, cb, k, act)
    }

    /// [`case`] with the coefficients at `extra` more fractional bits (wide rescale rows).
    fn wide_case(
        extra: u32,
        ca: fn(usize) -> f64,
        cb: Option<fn(usize) -> f64>,
        k: fn(usize) -> f64,
        act: Activation,
    ) -> OpCase {
        let n = 11;
        let a: Vec<f64> = (0..n).map(|i| (i as f64 - 5.0) * 0.37).collect();
        let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.61) - 2.0).collect();
        let mut inputs = vec![(vec![1, n], a)];
        if cb.is_some() {
            inputs.push((vec![1, n], b));
        }
        OpCase {
            inputs,
            // Input roundings times |c| <= 2, the coefficient roundings times |x| <= 3, the final rounding.
            tolerance: |s| (2.0 * 2.0 * 0.5 + 2.0 * 3.0 * 0.5 + 1.0) / f64::from(1u32 << s),
            reference: Box::new(move |x: &[Vec<f64>]| {
                (0..n)
                    .map(|i| {
                        let v = ca(i) * x[0][i] + cb.map_or(0.0, |cb| cb(i) * x[1][i]) + k(i);
                        act.apply_f64(v)
                    })
                    .collect()
            }),
            build: Box::new(move |s| {
                let c = s + extra;
                let mut coefficients = vec![(0..n).map(|i| quantize(ca(i), c)).collect::<Vec<_>>()];
                if let Some(cb) = cb {
                    coefficients.push((0..n).map(|i| quantize(cb(i), c)).collect());
                }
                crate::OpKind::Affine(Affine {
                    coefficients,
                    bias: (0..n).map(|i| quantize(k(i), s + c)).collect(),
                    act,
                    extra,
                })
            }),
        }
    }

    op_suite!(
        add_two_values,
        case(|_| 1.0, Some(|_| 1.0), |_| 0.0, Activation::None)
    );
    op_suite!(
        sub_two_values,
        case(|_| 1.0, Some(|_| -1.0), |_| 0.0, Activation::None)
    );
    op_suite!(
        add_constant,
        case(|_| 1.0, None, |i| i as f64 * 0.25 - 1.0, Activation::None)
    );
    op_suite!(
        constant_minus_value,
        case(|_| -1.0, None, |i| 0.5 * i as f64, Activation::None)
    );
    /// `exp(a)` from a table sampled every 4 quanta: the row divides `a` by 4 (coefficient `2^(s-2)`)
    /// and the table holds `exp(4q / 2^s)`. Error: `a`'s rounding, the quotient's (2 quanta of the
    /// input, `exp ≤ 1`) and the output's.
    fn stepped_exp_case() -> OpCase {
        let n = 11;
        let a: Vec<f64> = (0..n).map(|i| -0.31 * i as f64).collect();
        OpCase {
            inputs: vec![(vec![1, n], a)],
            tolerance: |s| (0.5 + 2.0 + 0.5) / f64::from(1u32 << s),
            reference: Box::new(|x: &[Vec<f64>]| x[0].iter().map(|v| v.exp()).collect()),
            build: Box::new(move |s| {
                let (lo, hi) = crate::FnTable::domain_for((-4.0, 0.0), s, 2, 1 << 13);
                crate::OpKind::Affine(Affine {
                    coefficients: vec![vec![1 << (s - 2); n]],
                    bias: vec![0; n],
                    act: Activation::Table(crate::FnTable {
                        function: crate::Function::Exp,
                        lo,
                        hi,
                        step: 2,
                    }),
                    extra: 0,
                })
            }),
        }
    }
    op_suite!(exp_from_a_stepped_table, stepped_exp_case());
    op_suite!(
        mul_by_constants_then_relu,
        case(|i| 1.5 - i as f64 * 0.3, None, |_| 0.125, Activation::Relu)
    );
    // Comparisons as exact 0/1: `x ≥ 0` and `x > 0` (element 5 is exactly 0: the two differ there),
    // and `a > b` of two values.
    op_suite!(
        step_at_least_zero,
        case(|_| 1.0, None, |_| 0.0, Activation::Step { strict: false })
    );
    op_suite!(
        step_above_zero,
        case(|_| 1.0, None, |_| 0.0, Activation::Step { strict: true })
    );
    op_suite!(
        step_greater,
        case(
            |_| 1.0,
            Some(|_| -1.0),
            |_| 0.0,
            Activation::Step { strict: true }
        )
    );
    /// At `x = 0` (element 5) `x ≥ 0` is 1 and `x > 0` is 0: claiming the other answer (the sign flipped,
    /// the output consistent with it) is caught by the sign's lookup; a wrong output by the step gate.
    /// The best alternatives there move the row's quotient across 0 with everything else consistent
    /// (`q + 1` for the strict row, which holds `x - 1 unit = -1`; `q - 1` for the other, at 0).
    #[test]
    fn a_comparison_at_its_boundary_admits_one_answer() {
        for strict in [false, true] {
            let c = case(|_| 1.0, None, |_| 0.0, Activation::Step { strict });
            c.check_tamper_at(5, Tamper::Sign, "high limb");
            c.check_tamper_at(5, Tamper::Activation, "step");
            let across = if strict {
                Tamper::Quotient
            } else {
                Tamper::QuotientDown
            };
            c.check_tamper_at(5, across, "remainder");
        }
    }

    // A comparison with a finely held coefficient: a step on a wide row.
    op_suite!(
        step_wide,
        wide_case(
            5,
            |_| 1.0 / 3.0,
            None,
            |_| 0.0,
            Activation::Step { strict: true }
        )
    );

    #[test]
    fn a_wide_comparison_at_its_boundary_admits_one_answer() {
        let c = wide_case(
            5,
            |_| 1.0 / 3.0,
            None,
            |_| 0.0,
            Activation::Step { strict: true },
        );
        for tamper in [Tamper::WideQuotientUp, Tamper::WideQuotientDown] {
            c.check_tamper_at(5, tamper, "wide limb");
        }
    }

    #[test]
    fn a_comparison_without_the_step_gate_does_not_synthesize() {
        let op = crate::OpKind::Affine(Affine {
            coefficients: vec![vec![1 << 5; 2]],
            bias: vec![0; 2],
            act: Activation::Step { strict: false },
            extra: 0,
        });
        let graph = crate::testing::single_op_graph(op, &[vec![2]], 5, 12);
        let params = crate::CircuitParams {
            scale: 5,
            range_bits: 12,
            steps: false,
            ..crate::CircuitParams::default()
        };
        let x = QTensor::new(vec![2], vec![10, -3], 5).expect("shape");
        let why = crate::testing::fails_to_synthesize(graph, vec![x], params);
        assert!(
            why.as_deref().is_some_and(|w| w.contains("the step gate")),
            "synthesized without the step gate, or for another reason: {why:?}"
        );
    }

    op_suite!(
        div_by_three,
        case(|_| 1.0 / 3.0, None, |_| 0.0, Activation::None)
    );
    // BatchNorm-like factors, tiny and large, with 6 extra bits: the wide rescale's rows.
    op_suite!(
        tiny_and_large_factors_wide,
        wide_case(
            6,
            |i| if i % 2 == 0 { 0.0037 } else { 1.93 },
            None,
            |i| i as f64 * 0.01,
            Activation::None
        )
    );
    op_suite!(
        div_by_three_wide_then_relu,
        wide_case(5, |_| 1.0 / 3.0, None, |_| -0.2, Activation::Relu)
    );
    op_suite!(
        two_operands_wide,
        wide_case(
            6,
            |_| 1.0 / 7.0,
            Some(|_| -1.0 / 5.0),
            |_| 0.0,
            Activation::None
        )
    );

    /// One operand times `1/7` at scale 7 with `extra` bits: the graph and its inputs.
    fn seventh(extra: u32) -> (crate::QuantizedGraph, Vec<crate::tensor::QTensor>) {
        let n = 6;
        let op = crate::OpKind::Affine(Affine {
            coefficients: vec![vec![quantize(1.0 / 7.0, 7 + extra); n]],
            bias: vec![0; n],
            act: Activation::None,
            extra,
        });
        let x: Vec<f64> = (0..n).map(|i| i as f64 * 1.37 - 3.0).collect();
        let graph = crate::testing::single_op_graph(op, &[vec![1, n]], 7, 12);
        let input = crate::tensor::QTensor::from_f64(vec![1, n], &x, 7).unwrap();
        (graph, vec![input])
    }

    fn params(graph: &crate::QuantizedGraph) -> crate::CircuitParams {
        crate::CircuitParams {
            scale: 7,
            range_bits: 12,
            ..crate::CircuitParams::default()
        }
        .for_graph(graph)
    }

    #[test]
    fn extra_bits_up_to_the_scale_are_sound() {
        use crate::chips::requant::Tamper;
        use crate::circuit::TamperAt;
        // `e = s`: the low remainder's scaling into the limb table is by 2^0.
        let (graph, inputs) = seventh(7);
        let p = params(&graph);
        assert_eq!(p.coef_bits, 7);
        let (failures, _, _) = crate::testing::mock_run(graph, inputs, p, false, None);
        assert!(failures.is_empty(), "{failures:?}");
        for (tamper, expect) in [
            (Tamper::Quotient, "remainder"),
            (Tamper::WideSplit, "remainder"),
            (Tamper::WideBorrow, "remainder"),
            (Tamper::WideQuotientUp, "wide limb"),
            (Tamper::WideQuotientDown, "wide limb"),
        ] {
            for index in 0..6 {
                let (graph, inputs) = seventh(7);
                let at = TamperAt {
                    node: 1,
                    index,
                    tamper,
                };
                let p = params(&graph);
                let (failures, _, _) = crate::testing::mock_run(graph, inputs, p, false, Some(at));
                assert!(
                    failures.iter().any(|f| f.contains(expect)),
                    "{tamper:?} at {index} should fail '{expect}', got {failures:?}"
                );
            }
        }
    }

    #[test]
    fn a_borrow_from_the_quotient_is_caught_by_the_scaled_remainder() {
        use crate::chips::requant::Tamper;
        use crate::circuit::TamperAt;
        // Coefficient 1 and a bias of minus the rounding half: every remainder is 0, so `q - 1` with
        // `t = 2^s - 1` leaves `u = 2^e`, inside the limb table unless scaled by `2^(s-e)`.
        let (n, extra) = (6, 3);
        let op = crate::OpKind::Affine(Affine {
            coefficients: vec![vec![1 << (7 + extra); n]],
            bias: vec![-(1 << (7 + extra - 1)); n],
            act: Activation::None,
            extra,
        });
        let graph = crate::testing::single_op_graph(op, &[vec![1, n]], 7, 12);
        let x: Vec<i64> = (0..n as i64).map(|i| i * 37 - 100).collect();
        let input = crate::tensor::QTensor::new(vec![1, n], x.clone(), 7).unwrap();
        assert_eq!(
            graph.eval(std::slice::from_ref(&input)).unwrap().values[1].data,
            x
        );
        let p = params(&graph);
        let (failures, _, _) =
            crate::testing::mock_run(graph.clone(), vec![input.clone()], p, false, None);
        assert!(failures.is_empty(), "{failures:?}");
        let at = TamperAt {
            node: 1,
            index: 2,
            tamper: Tamper::WideBorrow,
        };
        let (failures, _, _) = crate::testing::mock_run(graph, vec![input], p, false, Some(at));
        assert!(
            failures.iter().any(|f| f.contains("remainder")),
            "{failures:?}"
        );
    }

    #[test]
    fn a_circuit_without_the_graphs_coefficient_bits_refuses_it() {
        for coef_bits in [0, 3] {
            let (graph, inputs) = seventh(5);
            let p = crate::CircuitParams {
                coef_bits,
                ..params(&graph)
            };
            let why = crate::testing::fails_to_synthesize(graph, inputs, p);
            assert!(
                why.as_deref()
                    .is_some_and(|w| w.contains("coefficient bits")),
                "{why:?}"
            );
        }
    }

    #[test]
    fn one_coefficient_width_per_graph() {
        let (mut graph, _) = seventh(5);
        let mut other = graph.nodes[1].clone();
        if let crate::OpKind::Affine(a) = &mut other.op {
            a.extra = 3;
        }
        other.inputs = vec![1];
        graph.nodes.push(other);
        graph.outputs = vec![2];
        let err = graph.shapes().unwrap_err().to_string();
        assert!(err.contains("one width per circuit"), "{err}");
        // Nor more bits than the scale.
        let (graph, _) = seventh(8);
        let err = graph.shapes().unwrap_err().to_string();
        assert!(err.contains("more than the scale"), "{err}");
    }
}
