//! `RawSum`: the steps and the end of a max over raw accumulators (a max-pool of a convolution, pooled
//! before its rescale). With `σ_j = ±1` per operand, `y_i = act(Σ_j σ_j·x_j[i] + b_i)`:
//! - a step has the activation [`Activation::RawRelu`] and no bias: `y = relu(Σ σ·x)` exactly, at the
//!   operands' raw scale `2^(2s)`. Its requant row range-checks `Σ σ·x div 2^s` and its raw relu gate
//!   makes `y = sgn·z`, so a difference of two windows' accumulators is compared, and kept, exactly;
//! - the end has any other activation: `y = act(rescale(Σ σ·x + b))` with the bias at `2^(2s)`, one
//!   plain requant row, whose output is an activation at `2^s` like any other.
//!
//! Why it is the same value as pooling after the rescale: the rescale (`floor((z + b + half) / 2^s)`)
//! and Relu are both non-decreasing, so `max_t act(rescale(z_t + b)) = act(rescale(max_t z_t + b))`
//! for a bias shared by the window (one channel), and the steps compute `max_t z_t` exactly (the
//! importer's `extreme_over_taps` chain with coefficients `±1`). A `k`-tap pool of `n` outputs then
//! costs `n·k` requant rows (`k - 1` steps and one end per output) where rescaling the convolution
//! first cost `n·k` for the convolution's outputs and `n·(k - 1)` for the pool's steps.
//!
//! The operands are raw accumulators, not bounded by the graph's activation bound, so the groups are
//! never packed ([`super::AffineGroup::raw_inputs`]). A step's sum must lie in `[-2^(b-1+s), 2^(b-1+s))`
//! (its quotient is range-checked) and the oracle refuses one outside. That is a difference of two
//! taps (plus the running excess), which may be up to twice a tap's size: calibration measures the
//! steps' own spans, so the range bits cover them. The taps themselves are not range-checked (only
//! the steps and the end are), which nothing needs: the end's range check bounds the maximum.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{elementwise_groups, same_shapes, Activation, Elementwise, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// `act(Σ_j σ_j·x_j + b)` over raw accumulators with `σ_j = ±1` (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RawSum<T = i64> {
    /// `σ_j` of each operand, `1` or `-1`.
    pub signs: Vec<i64>,
    /// One bias per element, real or at `2^(2s)`; zero on a step.
    pub bias: Vec<T>,
    /// [`Activation::RawRelu`] (a step, raw output) or the pooled layer's activation (the end,
    /// rescaled).
    pub act: Activation,
}

impl<T: Copy + PartialEq + Default> RawSum<T> {
    /// Whether the operands and constants are consistent: one sign `±1` per operand, one bias per
    /// element, none on a step, and a step's or the end's activation.
    fn check(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        if inputs.is_empty() || inputs.len() != self.signs.len() {
            return Err(format!(
                "{} operands for {} signs",
                inputs.len(),
                self.signs.len()
            ));
        }
        if self.signs.iter().any(|s| !matches!(s, 1 | -1)) {
            return Err("signs other than 1 and -1".into());
        }
        let shape = same_shapes(inputs)?;
        if self.bias.len() != shape.iter().product::<usize>() {
            return Err(format!("{} biases for {shape:?}", self.bias.len()));
        }
        match self.act {
            Activation::RawRelu if self.bias.iter().any(|b| *b != T::default()) => {
                Err("a raw relu step with a bias".into())
            }
            Activation::Table(_) | Activation::Step { .. } => {
                Err("an activation other than Relu on a max over raw accumulators".into())
            }
            _ => Ok(shape),
        }
    }
}

impl RawSum {
    /// The operands the requant rows' `raw sum` gate (`z = a - b + c`,
    /// [`crate::chips::raw_rows`]) reads as `[a, b, c]` (`None`: the zero cell), for the importer's
    /// patterns: a first step `x_0 - x_1`, a step `x_0 - x_1 + x_2`, an end `x_0 + x_1` or `x_0`;
    /// `None` for any other.
    pub fn sum_slots(&self) -> Option<[Option<usize>; 3]> {
        match self.signs.as_slice() {
            [1, -1] => Some([Some(0), Some(1), None]),
            [1, -1, 1] => Some([Some(0), Some(1), Some(2)]),
            [1, 1] => Some([Some(0), None, Some(1)]),
            [1] => Some([Some(0), None, None]),
            _ => None,
        }
    }
}

impl Op for RawSum {
    fn name(&self) -> &'static str {
        "RawSum"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        self.check(inputs)
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let shapes: Vec<&[usize]> = inputs.iter().map(|t| t.shape.as_slice()).collect();
        let shape = self.check(&shapes).map_err(|m| ctx.shape_err(m))?;
        if inputs.iter().any(|t| t.scale != 2 * ctx.scale) {
            return Err(ctx.shape_err("an operand that is not a raw accumulator"));
        }
        let data = (0..self.bias.len())
            .map(|i| {
                let acc = inputs
                    .iter()
                    .zip(&self.signs)
                    .fold(i128::from(self.bias[i]), |acc, (x, s)| {
                        acc + i128::from(x.data[i]) * i128::from(*s)
                    });
                ctx.requantize(acc, self.act)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(QTensor {
            shape,
            data,
            // A step's output is raw, at the operands' `2^(2s)`.
            scale: if self.act == Activation::RawRelu {
                2 * ctx.scale
            } else {
                ctx.scale
            },
        })
    }

    fn activation(&self) -> Activation {
        self.act
    }

    fn lower(&self, _input_shapes: &[&[usize]], lanes: usize) -> Lowering {
        let e = Elementwise {
            operands: self.signs.len(),
            bias: &self.bias,
            act: self.act,
            extra: 0,
            exact: false,
            raw_inputs: true,
        };
        Lowering::Affine(elementwise_groups(e, lanes, |op, _| self.signs[op]))
    }
}

impl RealOp for RawSum<f64> {
    fn name(&self) -> &'static str {
        "RawSum"
    }

    fn eval_real(&self, inputs: &[&[f64]], _shapes: &[&[usize]]) -> RealOutput {
        let pre: Vec<f64> = (0..self.bias.len())
            .map(|i| {
                let terms = self.signs.iter().zip(inputs);
                self.bias[i] + terms.map(|(s, x)| *s as f64 * x[i]).sum::<f64>()
            })
            .collect();
        let s = span(&pre);
        (pre.iter().map(|v| self.act.apply_f64(*v)).collect(), s)
    }

    fn quantize(&self, q: &Quantizer) -> super::OpKind {
        super::OpKind::RawSum(RawSum {
            signs: self.signs.clone(),
            bias: q.values(&self.bias, 2 * q.scale),
            act: q.activation(self.act),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chips::conv_check::ConvTamper;
    use crate::chips::requant::Tamper;
    use crate::circuit::{CircuitParams, TamperAt};
    use crate::graph::Node;
    use crate::ops::geometry::Window;
    use crate::ops::{Conv, Gather, Input};
    use crate::testing::{fails_to_synthesize, honest_rows, mock_run};
    use crate::{Cost, OpKind, QuantizedGraph};

    const SCALE: u32 = 7;
    const RANGE_BITS: u32 = 14;
    /// `[N, C_in, H, W]` in, a 3x3 pad-1 convolution to `C_OUT` channels, a 2x2 stride-2 max-pool.
    const C_IN: usize = 2;
    const C_OUT: usize = 3;
    const HW: usize = 4;

    /// The convolutions tested: `Spread` sums of both signs and many sizes; `Small` the centre tap of
    /// channel 0 only (weight 1), so that window differences are a few units, inside the rounding
    /// half `[-2^(s-1), 0)` that would flip a step's sign if its row rounded.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Case {
        Spread,
        Small,
    }

    fn weights(case: Case) -> Vec<i64> {
        (0..C_OUT * C_IN * 9)
            .map(|i| match case {
                Case::Spread => (i as i64 * 37 % 41) - 20,
                // Tap (c, ky, kx) = (0, 1, 1) of every output channel.
                Case::Small => i64::from(i % (C_IN * 9) == 4),
            })
            .collect()
    }

    fn bias(case: Case) -> Vec<i64> {
        match case {
            Case::Spread => (0..C_OUT as i64).map(|o| (o - 1) * 3000).collect(),
            // Channels 0 and 1 put the maxima of windows 0 and 1 (6 and 4, each after a step in
            // the rounding half) exactly on a rounding boundary, `max + b + 2^(s-1) = 2^s`: a step
            // whose row rounded would keep its negative sum, lower the maximum and the output.
            Case::Small => vec![58, 60, -100],
        }
    }

    fn input(case: Case) -> Vec<i64> {
        (0..C_IN * HW * HW)
            .map(|i| match case {
                Case::Spread => (i as i64 * 53 % 61) - 30,
                Case::Small => (i as i64 * i as i64 % 13) - 6,
            })
            .collect()
    }

    /// Input, raw Conv, the four taps of every 2x2 window, three raw relu steps and the end (bias and
    /// `act`), as the importer builds a max-pool of a convolution.
    fn graph(act: Activation, case: Case) -> QuantizedGraph {
        let node = |name: &str, op: OpKind, inputs: Vec<usize>| Node {
            name: name.into(),
            op,
            inputs,
        };
        let window = Window {
            kernel: [3, 3],
            strides: [1, 1],
            pads: [1, 1, 1, 1],
            dilations: [1, 1],
        };
        let mut nodes = vec![
            node(
                "x",
                OpKind::Input(Input {
                    shape: vec![1, C_IN, HW, HW],
                }),
                vec![],
            ),
            node(
                "conv",
                OpKind::Conv(Conv {
                    c_in: C_IN,
                    c_out: C_OUT,
                    group: 1,
                    window,
                    weights: weights(case),
                    bias: vec![0; C_OUT],
                    act: Activation::None,
                    raw: true,
                    weight_bits: 0,
                }),
                vec![0],
            ),
        ];
        let half = HW / 2;
        let pooled = vec![1, C_OUT, half, half];
        let n = C_OUT * half * half;
        for (ty, tx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let indices = (0..n)
                .map(|o| {
                    let (c, oy, ox) = (o / (half * half), o / half % half, o % half);
                    (c * HW + 2 * oy + ty) * HW + 2 * ox + tx
                })
                .collect();
            let gather = Gather {
                shape: pooled.clone(),
                indices,
            };
            nodes.push(node("tap", OpKind::Gather(gather), vec![1]));
        }
        let step = |signs: Vec<i64>| {
            OpKind::RawSum(RawSum {
                signs,
                bias: vec![0; n],
                act: Activation::RawRelu,
            })
        };
        // Taps are nodes 2..=5; steps 6, 7, 8; the end 9.
        nodes.push(node("step1", step(vec![1, -1]), vec![2, 3]));
        nodes.push(node("step2", step(vec![1, -1, 1]), vec![3, 4, 6]));
        nodes.push(node("step3", step(vec![1, -1, 1]), vec![4, 5, 7]));
        let bias = (0..n).map(|o| bias(case)[o / (half * half)]).collect();
        let end = OpKind::RawSum(RawSum {
            signs: vec![1, 1],
            bias,
            act,
        });
        nodes.push(node("end", end, vec![5, 8]));
        QuantizedGraph {
            scale: SCALE,
            range_bits: RANGE_BITS,
            nodes,
            outputs: vec![9],
        }
    }

    /// Rescale each convolution output with its bias (rounding half up), apply `act`, then pool: the
    /// order the model states, computed directly.
    fn pooled_after_rescale(act: Activation, case: Case) -> Vec<i64> {
        let (w, b, x) = (weights(case), bias(case), input(case));
        let at = |c: usize, y: i64, xx: i64| -> i64 {
            let inside = (0..HW as i64).contains(&y) && (0..HW as i64).contains(&xx);
            if inside {
                x[(c * HW + y as usize) * HW + xx as usize]
            } else {
                0
            }
        };
        let conv = |o: usize, y: usize, xx: usize| -> i64 {
            let mut acc = b[o];
            for c in 0..C_IN {
                for ky in 0..3 {
                    for kx in 0..3 {
                        let v = at(c, y as i64 + ky as i64 - 1, xx as i64 + kx as i64 - 1);
                        acc += v * w[((o * C_IN + c) * 3 + ky) * 3 + kx];
                    }
                }
            }
            let q = (acc + (1 << (SCALE - 1))).div_euclid(1 << SCALE);
            if act == Activation::Relu {
                q.max(0)
            } else {
                q
            }
        };
        let half = HW / 2;
        (0..C_OUT * half * half)
            .map(|o| {
                let (c, oy, ox) = (o / (half * half), o / half % half, o % half);
                let taps = [(0, 0), (0, 1), (1, 0), (1, 1)];
                let values = taps.map(|(ty, tx)| conv(c, 2 * oy + ty, 2 * ox + tx));
                values.into_iter().max().unwrap_or(0)
            })
            .collect()
    }

    fn inputs(case: Case) -> Vec<QTensor> {
        vec![QTensor::new(vec![1, C_IN, HW, HW], input(case), SCALE).expect("shape")]
    }

    /// Layout `layout`: 0 the MAC chip for everything, 3 the convolution check on three lanes, 1 the
    /// raw sums on requant rows (`chips::raw_rows`), 4 both.
    fn params(graph: &QuantizedGraph, layout: usize) -> CircuitParams {
        CircuitParams {
            scale: SCALE,
            range_bits: RANGE_BITS,
            lanes_in: 4,
            lanes_out: 2,
            conv_lanes: if layout >= 3 { 3 } else { 0 },
            raw_rows: layout % 3 == 1,
            ..CircuitParams::default()
        }
        .for_graph(graph)
    }

    #[test]
    fn pooling_the_raw_sums_equals_pooling_the_rescaled_outputs() {
        for case in [Case::Spread, Case::Small] {
            for act in [Activation::Relu, Activation::None] {
                let trace = graph(act, case).eval(&inputs(case)).expect("eval");
                let out = &trace.values[9].data;
                assert_eq!(*out, pooled_after_rescale(act, case), "{act:?} {case:?}");
                // Without the Relu some windows' maxima are negative (both signs are covered).
                if act == Activation::None && case == Case::Spread {
                    assert!(out.iter().any(|v| *v < 0) && out.iter().any(|v| *v > 0));
                }
            }
        }
    }

    #[test]
    fn the_honest_witness_is_accepted_with_one_requant_row_per_window_and_step() {
        // Both cases and activations: the circuit's outputs are the oracle's (its instances), also
        // where a step's sum lies in the rounding half.
        for case in [Case::Spread, Case::Small] {
            for act in [Activation::Relu, Activation::None] {
                let graph = graph(act, case);
                let mut mac = Vec::new();
                for layout in [0, 1, 3, 4] {
                    let p = params(&graph, layout);
                    assert!(p.raw_relus);
                    let used = honest_rows(graph.clone(), inputs(case), p);
                    let cost = Cost::of(&graph, &p).expect("cost");
                    // 32 input range checks, 3 steps and 1 end per window (12): none for the
                    // convolution.
                    let rows = 32 + 4 * 12;
                    assert_eq!((used.requant, cost.requant_rows), (rows, rows));
                    assert!(cost.mac_rows >= used.mac && cost.conv_rows == used.conv);
                    mac.push(used.mac);
                }
                // On requant rows the steps and ends take no MAC row: with the convolution checked
                // too, only row 0 and the zero cell's.
                assert!(mac[1] < mac[0] && mac[3] == 2, "{mac:?}");
            }
        }
    }

    #[test]
    fn a_circuit_without_the_raw_relu_gate_refuses_the_graph() {
        let graph = graph(Activation::Relu, Case::Spread);
        let p = CircuitParams {
            raw_relus: false,
            ..params(&graph, 0)
        };
        let why = fails_to_synthesize(graph, inputs(Case::Spread), p).expect("refused");
        assert!(why.contains("raw relu"), "{why}");
    }

    /// Every corruption of a step, the end or the convolution is caught by the constraint named.
    #[test]
    fn wrong_steps_ends_and_sums_are_rejected() {
        let steps = [
            (Tamper::Activation, "raw relu"),
            (Tamper::Sign, "high limb"),
            (Tamper::Quotient, "remainder"),
            (Tamper::QuotientDown, "remainder"),
            (Tamper::HighLimb, "low limb"),
        ];
        let end = [
            (Tamper::Activation, "relu"),
            (Tamper::Quotient, "remainder"),
        ];
        let conv = [
            (0, Tamper::Accumulator, "mac"),
            (
                3,
                Tamper::Conv(ConvTamper::Output(5)),
                "Equality constraint",
            ),
        ];
        for case in [Case::Spread, Case::Small] {
            let graph = graph(Activation::Relu, case);
            let trace = graph.eval(&inputs(case)).expect("eval");
            let mut cases: Vec<(usize, usize, Tamper, &str, Vec<usize>)> = Vec::new();
            // Steps and ends on MAC rows (layout 0) and on requant rows (layout 1), where a wrong sum
            // is the `raw sum` gate's to catch.
            for layout in [0, 1] {
                let sum = if layout == 0 { "mac" } else { "raw sum" };
                for node in [6, 7, 8] {
                    let indices = step_indices(&graph, &trace, node, case);
                    for (t, e) in steps.iter().chain([&(Tamper::Accumulator, sum)]) {
                        cases.push((layout, node, *t, *e, indices.clone()));
                    }
                }
                for (t, e) in end.iter().chain([&(Tamper::Accumulator, sum)]) {
                    cases.push((layout, 9, *t, *e, vec![1, 6, 11]));
                }
            }
            cases.extend(conv.iter().map(|(l, t, e)| (*l, 1, *t, *e, vec![1, 6, 11])));
            for (layout, node, tamper, expect, indices) in cases {
                for index in indices {
                    let at = TamperAt {
                        node,
                        index,
                        tamper,
                    };
                    let p = params(&graph, layout);
                    let (failures, _, _) =
                        mock_run(graph.clone(), inputs(case), p, false, Some(at));
                    assert!(
                        failures.iter().any(|f| f.contains(expect)),
                        "{tamper:?} on node {node} at {index} ({case:?}) should fail '{expect}', \
                         got {failures:?}"
                    );
                }
            }
        }
    }

    /// Elements of step `node` to corrupt: one whose sum the relu keeps (`z > 0`), one it zeroes
    /// (`z < 0`) and, in the `Small` case, one inside the rounding half (`-2^(s-1) ≤ z < 0`), each
    /// asserted to exist.
    fn step_indices(
        graph: &QuantizedGraph,
        trace: &crate::graph::GraphTrace,
        node: usize,
        case: Case,
    ) -> Vec<usize> {
        let OpKind::RawSum(op) = &graph.nodes[node].op else {
            panic!("node {node} is not a step");
        };
        let sums: Vec<i64> = (0..op.bias.len())
            .map(|i| {
                let operands = graph.nodes[node].inputs.iter().zip(&op.signs);
                operands.map(|(j, s)| s * trace.values[*j].data[i]).sum()
            })
            .collect();
        let half = 1i64 << (SCALE - 1);
        let mut wanted: Vec<fn(i64, i64) -> bool> = vec![|z, _| z > 0, |z, _| z < 0];
        if case == Case::Small {
            wanted.push(|z, half| (-half..0).contains(&z));
        }
        wanted
            .iter()
            .map(|f| {
                let found = sums.iter().position(|z| f(*z, half));
                found.unwrap_or_else(|| panic!("step {node} ({case:?}): no such sum in {sums:?}"))
            })
            .collect()
    }

    #[test]
    fn raw_values_only_reach_gathers_and_raw_sums() {
        // A Relu reading the raw convolution directly, and a raw step as the graph's output.
        let mut wrong_reader = graph(Activation::Relu, Case::Spread);
        wrong_reader.nodes[6].op = OpKind::Relu(crate::ops::Relu { scale: SCALE });
        wrong_reader.nodes[6].inputs = vec![2];
        let mut raw_output = graph(Activation::Relu, Case::Spread);
        raw_output.outputs = vec![8];
        // A raw relu on a rescaled convolution (its output would be taken for an activation).
        let mut raw_relu_elsewhere = graph(Activation::Relu, Case::Spread);
        if let OpKind::Conv(c) = &mut raw_relu_elsewhere.nodes[1].op {
            c.raw = false;
            c.act = Activation::RawRelu;
        }
        for (g, at) in [
            (wrong_reader, "step1"),
            (raw_output, "step3"),
            (raw_relu_elsewhere, "conv"),
        ] {
            let err = g.shapes().expect_err("refused").to_string();
            assert!(err.contains("raw accumulator") && err.contains(at), "{err}");
        }
    }
}
