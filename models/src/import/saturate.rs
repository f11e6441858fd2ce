//! Saturating tables: a function that is flat (or the identity) beyond some point is tabulated only up
//! to that point, and its input is clamped there by exact Relu rows. `e^x` below `-12` is within
//! `6.2e-6` of `e^-12`, and Gelu beyond `±4.5` is within `1.6e-5` of `0` or `x`, so
//!
//! `f(x) = f(clamp(x, L, R)) + m_L·min(x - L, 0) + m_R·max(x - R, 0)`
//!
//! with `b = relu(L - x)`, `a = relu(x - R)`, `clamp(x) = x + b - a` and the tails' slopes `m_L`, `m_R`
//! (0 or 1), up to those bounds. The real graph computes exactly this form too, so the float reference,
//! the calibration and the integer model agree, and the tails' error is part of what the accuracy guard
//! measures. The quantized clamp is exact: `x` is an integer at `2^s`, `L·2^s` and `R·2^s` are
//! integers, so `clamp(x)` lands in `[L, R]` and a table reaching the clamp points holds every input.
//!
//! What it buys:
//! - a table never holds more than `[L, R]`, whatever the calibrated span times the headroom;
//! - Exp's table always reaches `L` ([`Saturation::total`]): no score far below the max, masked or
//!   not, stops the witness with an out-of-table error, at a cost of `3·2^s` entries. Gelu's reaches
//!   its clamp points only when the calibrated span (times the headroom) does: beyond a narrower span
//!   an input is out of table as before, and a model that needs no more pays no more.
//!
//! Exp is also tabulated every 4 quanta ([`FnTable::step`](zkinfer_circuits::FnTable)): the row that
//! reads the table divides the clamped input by 4. That makes the table 4 times shorter for an input
//! rounded to `2^(2-s)`, a relative error of at most `2^(1-s)` in `e^x` (an absolute one of `2^(1-s)`
//! on Softmax's side, `x ≤ 0`).
//!
//! Cost per element: one Relu row per clamped side, one row for the tail's slope when it is not 0
//! (Gelu's identity side), and one for the pre-activation value unless the node is an elementwise
//! Affine with integer coefficients and no bias, whose terms the clamp rows read directly (Softmax's
//! `x - max`). The pass runs once over the imported graph and rewrites every node whose activation is
//! such a table (with step 0: a stepped table is already laid out).

use crate::float_graph::{FloatGraph, FloatNode, FloatOp};
use zkinfer_circuits::ops::real::stepped_activation;
use zkinfer_circuits::ops::Affine;
use zkinfer_circuits::{Activation, Function};

/// Where a function is clamped and how its table is sampled (module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Saturation {
    /// `(L, m_L)`: below `L` the function is `f(L) + m_L·(x - L)`.
    pub below: Option<(f64, f64)>,
    /// `(R, m_R)`: above `R` the function is `f(R) + m_R·(x - R)`.
    pub above: Option<(f64, f64)>,
    /// The table's step ([`FnTable::step`](zkinfer_circuits::FnTable)).
    pub step: u32,
    /// Whether the table always reaches the clamp points (every input is in the table), rather than
    /// only as far as the calibrated span times the headroom does.
    pub total: bool,
}

impl Saturation {
    /// The clamp interval `[L, R]` (infinite on a side that is not clamped).
    pub fn bounds(&self) -> (f64, f64) {
        (
            self.below.map_or(f64::NEG_INFINITY, |(l, _)| l),
            self.above.map_or(f64::INFINITY, |(r, _)| r),
        )
    }
}

/// How `function` saturates, if it is tabulated that way (module docs for the bounds' errors).
pub fn saturation(function: Function) -> Option<Saturation> {
    match function {
        Function::Exp => Some(Saturation {
            below: Some((-12.0, 0.0)),
            above: None,
            step: 2,
            total: true,
        }),
        Function::Gelu | Function::GeluTanh => Some(Saturation {
            below: Some((-4.5, 0.0)),
            above: Some((4.5, 1.0)),
            step: 0,
            total: false,
        }),
        _ => None,
    }
}

/// An elementwise affine map `x = Σ_j c_j·v_j + bias` over nodes `v_j` (the clamp rows' input).
struct Terms {
    operands: Vec<usize>,
    coefficients: Vec<Vec<f64>>,
    bias: Vec<f64>,
}

impl Terms {
    /// `scale·x + shift`, followed by `act`.
    fn affine(&self, scale: f64, shift: f64, act: Activation) -> FloatOp {
        FloatOp::Affine(Affine {
            coefficients: self
                .coefficients
                .iter()
                .map(|c| c.iter().map(|v| v * scale).collect())
                .collect(),
            bias: self.bias.iter().map(|b| b * scale + shift).collect(),
            act,
            extra: 0,
        })
    }
}

/// Rewrite every node whose activation is a saturating table (module docs). Operands keep pointing at
/// the value each node stood for (its last new node).
pub fn saturate_tables(graph: &mut FloatGraph) {
    let old = std::mem::take(&mut graph.nodes);
    let mut index = Vec::with_capacity(old.len());
    for node in old {
        let inputs: Vec<usize> = node.inputs.iter().map(|i| index[*i]).collect();
        let node = FloatNode { inputs, ..node };
        let sat = node
            .op
            .as_real()
            .table()
            .filter(|t| t.step == 0)
            .and_then(|t| saturation(t.function).map(|s| (t.function, s)));
        let at = match sat.and_then(|(function, sat)| clamp(graph, &node, function, sat)) {
            Some(at) => at,
            None => {
                graph.nodes.push(node);
                graph.nodes.len() - 1
            }
        };
        index.push(at);
    }
    for o in &mut graph.outputs {
        *o = index[*o];
    }
}

/// The pre-activation value of `node` as terms: its own operands when it is an elementwise Affine with
/// integer coefficients and no bias (so every row reading them computes the same integer `x`, and the
/// step's division is exact), its operand for a standalone lookup, else a new node computing it
/// without the activation (Dense, Conv, other Affines); `None` for an op that cannot drop its
/// activation (none carries a table today; such a node is left as it is).
fn pre_activation(graph: &mut FloatGraph, node: &FloatNode) -> Option<Terms> {
    let n: usize = node.shape.iter().product();
    let single = |v: usize| Terms {
        operands: vec![v],
        coefficients: vec![vec![1.0; n]],
        bias: vec![0.0; n],
    };
    match &node.op {
        FloatOp::Lookup(_) => Some(single(node.inputs[0])),
        FloatOp::Affine(a)
            if a.coefficients.iter().flatten().all(|c| c.fract() == 0.0)
                && a.bias.iter().all(|b| *b == 0.0) =>
        {
            Some(Terms {
                operands: node.inputs.clone(),
                coefficients: a.coefficients.clone(),
                bias: a.bias.clone(),
            })
        }
        op => {
            let mut op = op.clone();
            match &mut op {
                FloatOp::Affine(o) => o.act = Activation::None,
                FloatOp::Dense(o) => o.act = Activation::None,
                FloatOp::Conv(o) => o.act = Activation::None,
                _ => return None,
            }
            graph.nodes.push(FloatNode {
                name: format!("{}.pre", node.name),
                op,
                inputs: node.inputs.clone(),
                shape: node.shape.clone(),
            });
            Some(single(graph.nodes.len() - 1))
        }
    }
}

/// Lay out `f(node's pre-activation)` in the clamped form; returns the node holding the result, or
/// `None` (nothing pushed) when the node's pre-activation cannot be had.
fn clamp(
    graph: &mut FloatGraph,
    node: &FloatNode,
    function: Function,
    sat: Saturation,
) -> Option<usize> {
    let x = pre_activation(graph, node)?;
    let push = |graph: &mut FloatGraph, what: &str, op: FloatOp, inputs: Vec<usize>| {
        graph.nodes.push(FloatNode {
            name: if what.is_empty() {
                node.name.clone()
            } else {
                format!("{}.{what}", node.name)
            },
            op,
            inputs,
            shape: node.shape.clone(),
        });
        graph.nodes.len() - 1
    };
    // b = relu(L - x), a = relu(x - R).
    let below = sat.below.map(|(l, m)| {
        let b = push(
            graph,
            "under",
            x.affine(-1.0, l, Activation::Relu),
            x.operands.clone(),
        );
        (b, m)
    });
    let above = sat.above.map(|(r, m)| {
        let a = push(
            graph,
            "over",
            x.affine(1.0, -r, Activation::Relu),
            x.operands.clone(),
        );
        (a, m)
    });
    // f((x + b - a) / 2^step · 2^step): the clamped input, divided for the table's step.
    let n: usize = node.shape.iter().product();
    let unit = 1.0 / f64::from(1u32 << sat.step);
    let mut terms = x;
    for (v, sign) in below
        .iter()
        .map(|(b, _)| (*b, 1.0))
        .chain(above.iter().map(|(a, _)| (*a, -1.0)))
    {
        terms.operands.push(v);
        terms.coefficients.push(vec![sign; n]);
    }
    let tails: Vec<(usize, f64)> = below
        .iter()
        .map(|(b, m)| (*b, -m))
        .chain(above.iter().map(|(a, m)| (*a, *m)))
        .filter(|(_, m)| *m != 0.0)
        .collect();
    let act = stepped_activation(function, sat.step);
    let what = if tails.is_empty() { "" } else { "clamped" };
    let c = push(
        graph,
        what,
        terms.affine(unit, 0.0, act),
        terms.operands.clone(),
    );
    if tails.is_empty() {
        return Some(c);
    }
    // y = f(clamp) + m_R·a - m_L·b.
    let mut coefficients = vec![vec![1.0; n]];
    coefficients.extend(tails.iter().map(|(_, m)| vec![*m; n]));
    let op = FloatOp::Affine(Affine {
        coefficients,
        bias: vec![0.0; n],
        act: Activation::None,
        extra: 0,
    });
    let inputs = std::iter::once(c)
        .chain(tails.iter().map(|(v, _)| *v))
        .collect();
    Some(push(graph, "", op, inputs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::float_graph::{function_activation, TableDomains};
    use zkinfer_circuits::error::CircuitError;
    use zkinfer_circuits::fixed_point::quantize;
    use zkinfer_circuits::ops::{Dense, Input, Lookup};
    use zkinfer_circuits::QTensor;

    const N: usize = 9;

    /// `input → op → output`, the op reading the input (and the input again for a second operand).
    fn graph(op: FloatOp, operands: usize) -> FloatGraph {
        let input = FloatNode {
            name: "x".into(),
            op: FloatOp::Input(Input { shape: vec![N] }),
            inputs: vec![],
            shape: vec![N],
        };
        let node = FloatNode {
            name: "f".into(),
            op,
            inputs: vec![0; operands],
            shape: vec![N],
        };
        FloatGraph {
            nodes: vec![input, node],
            outputs: vec![1],
        }
    }

    /// A Dense layer of `N` neurons with Gelu, its weights in `[-0.3, 0.3]`.
    fn gelu_dense() -> FloatOp {
        FloatOp::Dense(Dense {
            n_in: N,
            n_out: N,
            weights: (0..N * N).map(|i| ((i % 7) as f64 - 3.0) * 0.1).collect(),
            bias: vec![0.0; N],
            act: function_activation(Function::Gelu),
            weight_bits: 0,
        })
    }

    fn names(g: &FloatGraph) -> Vec<&str> {
        g.nodes.iter().map(|n| n.name.as_str()).collect()
    }

    /// `f(x)` before and after the pass over `x` in `[-40, top]`.
    fn both(g: &FloatGraph, top: f64) -> (Vec<f64>, Vec<f64>, FloatGraph) {
        let x: Vec<f64> = (0..N)
            .map(|i| -40.0 + (top + 40.0) * i as f64 / 8.0)
            .collect();
        let mut clamped = g.clone();
        saturate_tables(&mut clamped);
        let before = g.outputs(std::slice::from_ref(&x)).unwrap().remove(0);
        let after = clamped.outputs(&[x]).unwrap().remove(0);
        (before, after, clamped)
    }

    #[test]
    fn clamped_forms_match_the_functions_within_their_tail_bounds() {
        for (function, top, bound) in [
            (Function::Exp, 3.0, 6.2e-6),
            (Function::Gelu, 40.0, 1.6e-5),
            (Function::GeluTanh, 40.0, 1.6e-5),
        ] {
            let g = graph(FloatOp::Lookup(Lookup::real(function)), 1);
            let (before, after, _) = both(&g, top);
            for (b, a) in before.iter().zip(&after) {
                assert!((a - b).abs() <= bound, "{function:?}: {a} vs {b}");
            }
            // The inputs beyond the clamp are really clamped: exp(-40) would be 4e-18.
            if function == Function::Exp {
                assert_eq!(after[0], (-12f64).exp());
            }
        }
    }

    #[test]
    fn an_integer_affine_is_read_directly_and_other_layers_through_their_pre_activation() {
        let diff = |bias: f64| {
            FloatOp::Affine(Affine {
                coefficients: vec![vec![1.0; N], vec![-1.0; N]],
                bias: vec![bias; N],
                act: function_activation(Function::Exp),
                extra: 0,
            })
        };
        // Softmax's x - max: the clamp row reads the two operands, no row for x itself.
        let mut g = graph(diff(0.0), 2);
        saturate_tables(&mut g);
        assert_eq!(names(&g), ["x", "f.under", "f"]);
        let FloatOp::Affine(exp) = &g.nodes[2].op else {
            panic!("not an Affine")
        };
        // (x - x + b) / 4, the table sampled every 4 quanta.
        assert_eq!(
            exp.coefficients,
            [vec![0.25; N], vec![-0.25; N], vec![0.25; N]]
        );
        assert_eq!(exp.bias, vec![0.0; N]);
        assert_eq!(exp.act.table().map(|t| t.step), Some(2));
        // With a bias the rows would round it separately: x gets its own row.
        let mut g = graph(diff(0.5), 2);
        saturate_tables(&mut g);
        assert_eq!(names(&g), ["x", "f.pre", "f.under", "f"]);
        // A stepped table is already laid out: the pass leaves it alone.
        let stepped = FloatOp::Lookup(Lookup {
            table: zkinfer_circuits::FnTable {
                step: 2,
                ..zkinfer_circuits::FnTable::new(Function::Exp, 0, 0)
            },
            scale: 0,
        });
        let mut g = graph(stepped, 1);
        saturate_tables(&mut g);
        assert_eq!(names(&g), ["x", "f"]);
        // A Dense's Gelu: its value without the activation, both clamps, the table, the identity tail.
        let dense = gelu_dense();
        let g = graph(dense, 1);
        let (before, after, clamped) = both(&g, 40.0);
        assert_eq!(
            names(&clamped),
            ["x", "f.pre", "f.under", "f.over", "f.clamped", "f"]
        );
        for (b, a) in before.iter().zip(&after) {
            assert!((a - b).abs() <= 1.6e-5, "{a} vs {b}");
        }
        // Operands of the nodes after the rewritten one point at its last node.
        let mut chained = g.clone();
        chained.nodes.push(FloatNode {
            name: "g".into(),
            op: FloatOp::Lookup(Lookup::real(Function::Tanh)),
            inputs: vec![1],
            shape: vec![N],
        });
        chained.outputs = vec![2];
        saturate_tables(&mut chained);
        assert_eq!(
            chained.nodes.last().map(|n| n.inputs.clone()),
            Some(vec![5])
        );
        assert_eq!(chained.outputs, [6]);
    }

    #[test]
    fn far_inputs_stay_inside_a_short_table() {
        let g = graph(FloatOp::Lookup(Lookup::real(Function::Exp)), 1);
        let mut clamped = g.clone();
        saturate_tables(&mut clamped);
        // Calibrated down to -5 or to -100 (with headroom), Exp's table holds [-12, 0]: every 4 quanta
        // in the clamped graph, every quantum in the unclamped one (which no import makes, see below).
        let narrow = TableDomains::from([(Function::Exp, (-5.0, 0.0))]);
        let domains = TableDomains::from([(Function::Exp, (-100.0, 0.0))]);
        assert_eq!(
            clamped.quantize(6, 16, &narrow).tables(),
            clamped.quantize(6, 16, &domains).tables()
        );
        let (scale, bits) = (6, 16);
        let plain = g.quantize(scale, bits, &domains);
        let short = clamped.quantize(scale, bits, &domains);
        let rows = |q: &zkinfer_circuits::QuantizedGraph| {
            q.tables().iter().map(|t| t.rows()).sum::<usize>()
        };
        assert_eq!((rows(&plain), rows(&short)), (12 * 64 + 1, 12 * 64 / 4 + 1));
        let x = [-400.0, -13.0, -12.0, -1.0, 0.0, -0.5, -2.0, -100.0, -30.0];
        let q = QTensor::new(
            vec![N],
            x.iter().map(|v| quantize(*v, scale)).collect(),
            scale,
        )
        .unwrap();
        let out = short.eval(std::slice::from_ref(&q)).unwrap();
        let y = &out.values[short.outputs[0]].data;
        // exp(-12)·64 rounds to 0; exp(-1) from the entry at -1 (a multiple of 4 quanta).
        assert_eq!(y[..5], [0, 0, 0, quantize((-1f64).exp(), scale), 64]);
        // -0.5 is 32 quanta: the row rounds 32/4 = 8 exactly.
        assert_eq!(y[5], quantize((-0.5f64).exp(), scale));
        // Unclamped, an input below -12 is outside the table: the witness stops there.
        assert!(matches!(
            plain.eval(&[q]),
            Err(CircuitError::OutOfTable { .. })
        ));
    }

    /// The rewritten graphs prove: Gelu after a Dense and a standalone Exp, on inputs far beyond the
    /// clamp points, satisfy every constraint, and a wrong table output or a wrong final sum is
    /// rejected.
    #[test]
    fn clamped_graphs_prove_far_inputs_and_reject_wrong_outputs() {
        use zkinfer_circuits::chips::requant::Tamper;
        use zkinfer_circuits::circuit::TamperAt;
        use zkinfer_circuits::testing::mock_run;
        let dense = gelu_dense();
        let gelu = (graph(dense, 1), Function::Gelu, (-12.0, 12.0));
        let exp = (
            graph(FloatOp::Lookup(Lookup::real(Function::Exp)), 1),
            Function::Exp,
            (-90.0, 10.0),
        );
        for (g, function, (lo, hi)) in [gelu, exp] {
            let mut g = g;
            saturate_tables(&mut g);
            let domains = TableDomains::from([(function, (-100.0, 100.0))]);
            let q = g.quantize(6, 15, &domains);
            let x: Vec<f64> = (0..N).map(|i| lo + (hi - lo) * i as f64 / 8.0).collect();
            let input = QTensor::from_f64(vec![N], &x, 6).unwrap();
            let params = zkinfer_circuits::CircuitParams {
                scale: 6,
                range_bits: 15,
                ..Default::default()
            }
            .for_graph(&q);
            let honest = mock_run(q.clone(), vec![input.clone()], params, false, None).0;
            assert!(honest.is_empty(), "{function:?}: {honest:?}");
            let table_node = q
                .nodes
                .iter()
                .position(|n| n.op.as_op().activation().table().is_some());
            let last = q.nodes.len() - 1;
            let mut tampers = vec![(table_node.unwrap(), Tamper::Activation, "function")];
            if last != tampers[0].0 {
                tampers.push((last, Tamper::Quotient, "remainder"));
            }
            for (node, tamper, expect) in tampers {
                for index in [0, N - 1] {
                    let at = TamperAt {
                        node,
                        index,
                        tamper,
                    };
                    let failures =
                        mock_run(q.clone(), vec![input.clone()], params, false, Some(at)).0;
                    assert!(
                        failures.iter().any(|f| f.contains(expect)),
                        "{function:?} {tamper:?} at node {node} element {index}: {failures:?}"
                    );
                }
            }
        }
    }
}
