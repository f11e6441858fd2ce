//! The four checks every op gets (instantiated with [`op_suite!`]):
//! 1. `eval` agrees with an f64 reference within the quantization bound, at two scales;
//! 2. the MockProver is satisfied by the honest witness;
//! 3. tampered witnesses are rejected, each by the constraint meant to catch it;
//! 4. `cost()` covers the rows the layout actually used, and the minimal k it predicts is enough.

use crate::chips::requant::Tamper;
use crate::circuit::{CircuitParams, TamperAt};
use crate::tensor::QTensor;
use crate::testing::{mock_run, single_op_graph};
use crate::{Activation, Cost, OpKind, QuantizedGraph};
use std::collections::BTreeSet;

/// An f64 reference implementation over the operands' real values.
pub(crate) type Reference = Box<dyn Fn(&[Vec<f64>]) -> Vec<f64>>;

pub(crate) struct OpCase {
    /// Operand shapes and real values.
    pub inputs: Vec<(Vec<usize>, Vec<f64>)>,
    /// Max abs error allowed at `s` fractional bits.
    pub tolerance: fn(u32) -> f64,
    pub reference: Reference,
    pub build: Box<dyn Fn(u32) -> OpKind>,
}

const RANGE_BITS: u32 = 14;

fn params(graph: &QuantizedGraph) -> CircuitParams {
    CircuitParams {
        range_bits: RANGE_BITS,
        ..CircuitParams::default()
    }
    .for_graph(graph)
}

/// Every check runs on the plain layout, on a packed one (three neurons per accumulator, so groups
/// are split over columns and lanes both), and on a packed one with three requant column sets; a graph
/// with a Conv also with its convolutions on the convolution check (three lanes, two requant sets).
fn layouts(graph: &QuantizedGraph) -> Vec<CircuitParams> {
    let plain = params(graph);
    let packed = CircuitParams { pack: 3, ..plain };
    let mut out = vec![
        plain,
        packed,
        CircuitParams {
            requant_sets: 3,
            ..packed
        },
    ];
    if graph.nodes.iter().any(|n| matches!(n.op, OpKind::Conv(_))) {
        out.push(CircuitParams {
            conv_lanes: 3,
            requant_sets: 2,
            ..plain
        });
    }
    out
}

/// The output elements of the op (node `node`) that are lanes of a packed MAC block with `params`.
fn packed_outputs(graph: &QuantizedGraph, node: usize, params: &CircuitParams) -> BTreeSet<usize> {
    let shapes = graph.shapes().expect("shapes");
    let ins: Vec<&[usize]> = graph.nodes[node]
        .inputs
        .iter()
        .map(|j| shapes[*j].as_slice())
        .collect();
    let crate::ops::Lowering::Affine(groups) = graph.nodes[node]
        .op
        .as_op()
        .lower(&ins, params.group_neurons())
    else {
        return BTreeSet::new();
    };
    let x_bound = params.activation_bound(graph);
    let mut out = BTreeSet::new();
    for g in &groups {
        let packing = params.packing_of(g, x_bound);
        for b in packing.blocks(g, params.pack, params.lanes_out) {
            if packing.lanes_of_block(b.count, params.lanes_out) > 1 {
                out.extend(&g.outputs[b.first..b.first + b.count]);
            }
        }
    }
    out
}

impl OpCase {
    pub(crate) fn graph(&self, scale: u32) -> (QuantizedGraph, Vec<QTensor>) {
        let shapes: Vec<Vec<usize>> = self.inputs.iter().map(|(s, _)| s.clone()).collect();
        let graph = single_op_graph((self.build)(scale), &shapes, scale, RANGE_BITS);
        let inputs = self
            .inputs
            .iter()
            .map(|(s, v)| QTensor::from_f64(s.clone(), v, scale).expect("shape"))
            .collect();
        (graph, inputs)
    }

    pub fn check_eval(&self) {
        let reals: Vec<Vec<f64>> = self.inputs.iter().map(|(_, v)| v.clone()).collect();
        let expected = (self.reference)(&reals);
        for scale in [6, 9] {
            let (graph, inputs) = self.graph(scale);
            let trace = graph.eval(&inputs).expect("eval");
            let got = trace.values.last().expect("output").dequantize();
            assert_eq!(got.len(), expected.len());
            let tol = (self.tolerance)(scale);
            for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert!(
                    (g - e).abs() <= tol,
                    "scale {scale}, element {i}: got {g}, reference {e}, tolerance {tol}"
                );
            }
        }
    }

    pub fn check_mock(&self) {
        for public_input in [false, true] {
            let (graph, inputs) = self.graph(7);
            for params in layouts(&graph) {
                let (failures, _, _) =
                    mock_run(graph.clone(), inputs.clone(), params, public_input, None);
                assert!(
                    failures.is_empty(),
                    "honest witness rejected (pack {}): {failures:?}",
                    params.pack
                );
            }
        }
    }

    /// The tampers every layout of the op must reject, each with the constraint expected to: the
    /// requant row's, the op's own lowering's, its wide and fine rescales' and its activation's.
    fn tamper_cases(&self) -> Vec<(Tamper, &'static str)> {
        let mut cases = vec![
            (Tamper::Quotient, "remainder"),
            (Tamper::HighLimb, "low limb"),
            (Tamper::Sign, "high limb"),
            (Tamper::Accumulator, "mac"),
        ];
        // Products of two operands have no MAC rows: their product row's gate must catch a wrong product.
        let shapes: Vec<&[usize]> = self.inputs.iter().map(|(s, _)| s.as_slice()).collect();
        match (self.build)(7).as_op().lower(&shapes, 4) {
            crate::ops::Lowering::Multiply(_) => {
                cases.retain(|(t, _)| *t != Tamper::Accumulator);
                cases.push((Tamper::Product, "multiply"));
            }
            // A table read has no rescale: the adversary's alternatives are another entry of the
            // table (the next row, the next column, its own value plus one). Another index is the
            // op's own test (a copy failure names no constraint).
            crate::ops::Lowering::TableRead(_) => {
                cases = vec![
                    (Tamper::Activation, "function"),
                    (Tamper::TableRow, "function"),
                    (Tamper::TableColumn, "function"),
                ];
            }
            _ => {}
        }
        // A wide rescale's quotient moved by one with the remainder's high limb compensating keeps the
        // remainder's identity: the high limb's own lookup must catch it; a split moved between the limbs
        // makes the low part negative: the remainder lookup must.
        if (self.build)(7).extra_bits() > 0 {
            cases.push((Tamper::WideQuotientUp, "wide limb"));
            cases.push((Tamper::WideQuotientDown, "wide limb"));
            cases.push((Tamper::WideSplit, "remainder"));
            cases.push((Tamper::WideBorrow, "remainder"));
        }
        // A fine rescale's quotient moved by one with `u` compensating keeps the remainder's identity:
        // `u` leaves `[0, 2^w)`, which the digit gate must catch; `u + 1` makes the low remainder
        // negative: the remainder lookup must.
        // The same with the lowest digit carrying it, and a lowest digit of 4 with `u` kept: the
        // gate must hold on every digit, not only the top one.
        let fine = (self.build)(7).weight_bits();
        if fine > 0 {
            cases.push((Tamper::FineQuotientUp, "fine digit"));
            cases.push((Tamper::FineQuotientDown, "fine digit"));
            cases.push((Tamper::FineSplit, "remainder"));
            cases.push((Tamper::FineLowDigit, "fine digit"));
            if fine > 2 {
                cases.push((Tamper::FineDigitBorrow, "fine digit"));
            }
        }
        // A tampered activation output must be caught by the constraint of the op's activation.
        match (self.build)(7).as_op().activation() {
            Activation::None => {}
            Activation::Relu => cases.push((Tamper::Activation, "relu")),
            Activation::Table(_) => cases.push((Tamper::Activation, "function")),
            Activation::Step { .. } => cases.push((Tamper::Activation, "step")),
            Activation::RawRelu => cases.push((Tamper::Activation, "raw relu")),
        }
        cases
    }

    pub fn check_tamper(&self) {
        let node = self.inputs.len();
        let cases = self.tamper_cases();
        let (graph, inputs) = self.graph(7);
        for params in layouts(&graph) {
            let mut cases = cases.clone();
            let packed = packed_outputs(&graph, node, &params);
            // A carry between two packed lanes keeps the packed sum: the requant row of the lane that
            // gained 2^B must reject it (its quotient leaves the range table). It is tried on the
            // first packed elements, one per requant set (a convolution's element 1, the next
            // position of channel 0, sits in another MAC group from element 0 and may be packed in
            // none).
            if !packed.is_empty() {
                cases.push((Tamper::LaneCarry, "limb"));
            }
            // A wrong lane value keeps the unpack rows' own gates (their accumulators follow it) but
            // leaves a non-zero remainder: the copy to the zero cell must reject it.
            if packed.contains(&1) {
                for case in cases.iter_mut().filter(|(t, _)| *t == Tamper::Accumulator) {
                    case.1 = "Equality constraint";
                }
            }
            // On the convolution check a wrong sum moves its coefficient chain's end away from the
            // weight chain's end: the copy between them must reject it.
            if params.conv_lanes > 0 {
                for case in cases.iter_mut().filter(|(t, _)| *t == Tamper::Accumulator) {
                    case.1 = "Equality constraint";
                }
            }
            // With several requant sets, consecutive plain rows rotate through them: the first
            // elements cover every set. (Table reads all sit in the first set; their tampers read a
            // neighbouring entry, which element 1 has.)
            let outputs: usize = graph.shapes().expect("shapes")[node].iter().product();
            for (tamper, expect) in cases {
                let read = matches!(
                    tamper,
                    Tamper::TableRow | Tamper::TableColumn | Tamper::TableIndex
                );
                let indices: Vec<usize> = match params.requant_sets {
                    n if tamper == Tamper::LaneCarry => packed.iter().take(n).copied().collect(),
                    n if n > 1 && !read => (0..n.min(outputs)).collect(),
                    _ => vec![1],
                };
                for index in &indices {
                    let at = TamperAt {
                        node,
                        index: *index,
                        tamper,
                    };
                    let (failures, _, _) =
                        mock_run(graph.clone(), inputs.clone(), params, false, Some(at));
                    assert!(
                        failures.iter().any(|f| f.contains(expect)),
                        "{tamper:?} at {index} ({params:?}) should fail '{expect}', got {failures:?}"
                    );
                }
            }
        }
    }

    /// `tamper` at output element `index` must fail a constraint whose name contains `expect` (for the
    /// adversary's best alternative at a chosen element, e.g. a comparison at its boundary).
    pub fn check_tamper_at(&self, index: usize, tamper: Tamper, expect: &str) {
        let (graph, inputs) = self.graph(7);
        let at = TamperAt {
            node: self.inputs.len(),
            index,
            tamper,
        };
        let params = params(&graph);
        let (failures, _, _) = mock_run(graph, inputs, params, false, Some(at));
        assert!(
            failures.iter().any(|f| f.contains(expect)),
            "{tamper:?} at {index} should fail '{expect}', got {failures:?}"
        );
    }

    pub fn check_cost(&self) {
        let (graph, _) = self.graph(7);
        for params in layouts(&graph) {
            self.check_cost_with(params);
        }
    }

    fn check_cost_with(&self, params: CircuitParams) {
        let (graph, inputs) = self.graph(7);
        let cost = Cost::of(&graph, &params).expect("cost");
        let used = crate::testing::honest_rows(graph, inputs, params);
        assert!(
            cost.mac_rows >= used.mac,
            "cost {} < mac rows used {}",
            cost.mac_rows,
            used.mac
        );
        assert!(
            cost.requant_rows >= used.requant,
            "cost {} < requant rows used {}",
            cost.requant_rows,
            used.requant
        );
        assert_eq!(cost.conv_rows, used.conv, "convolution check rows");
        // Every requant row but a table read has the two range lookups.
        let shapes: Vec<&[usize]> = self.inputs.iter().map(|(s, _)| s.as_slice()).collect();
        let reads = match (self.build)(7).as_op().lower(&shapes, 4) {
            crate::ops::Lowering::TableRead(map) => map.len(),
            _ => 0,
        };
        assert!(cost.lookups >= 2 * (used.requant - reads));
        let tables = graph_tables(&self.build, 7);
        let (graph, _) = self.graph(7);
        assert_eq!(
            cost.table_rows,
            crate::chips::table::TableConfig::rows(RANGE_BITS, 7, &tables, &graph.sections().0)
        );
    }
}

fn graph_tables(build: &dyn Fn(u32) -> OpKind, scale: u32) -> Vec<crate::FnTable> {
    build(scale)
        .as_op()
        .activation()
        .table()
        .into_iter()
        .collect()
}

macro_rules! op_suite {
    ($name:ident, $case:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn eval_matches_f64_reference() {
                $case.check_eval();
            }
            #[test]
            fn mock_prover_satisfied() {
                $case.check_mock();
            }
            #[test]
            fn tampered_witness_rejected() {
                $case.check_tamper();
            }
            #[test]
            fn cost_covers_rows_used() {
                $case.check_cost();
            }
        }
    };
}
pub(crate) use op_suite;
