//! Helpers for tests in this and downstream crates (feature `test-utils`): single-op graphs,
//! MockProver runs, optionally with a witness corruption, and the copy-constraint check of re-indexing
//! ops.

use crate::circuit::{CircuitParams, ModelCircuit, TamperAt};
use crate::graph::QuantizedGraph;
use crate::ops::OpKind;
use crate::tensor::QTensor;
use crate::Fr;
use halo2_proofs::dev::MockProver;
use std::sync::Arc;

/// A graph with one Input node per operand shape followed by `op` ([`QuantizedGraph::single_op`]).
pub fn single_op_graph(
    op: OpKind,
    shapes: &[Vec<usize>],
    scale: u32,
    range_bits: u32,
) -> QuantizedGraph {
    QuantizedGraph::single_op(op, shapes, scale, range_bits)
}

/// Run the MockProver at the circuit's minimal k with instances from the integer oracle.
/// Returns the failures as strings (empty when satisfied) and the circuit (to read `rows_used`).
pub fn mock_run(
    graph: QuantizedGraph,
    inputs: Vec<QTensor>,
    params: CircuitParams,
    public_input: bool,
    tamper: Option<TamperAt>,
) -> (Vec<String>, ModelCircuit, u32) {
    let trace = graph.eval(&inputs).expect("oracle evaluates");
    let base = ModelCircuit::new(Arc::new(graph), params, public_input);
    let instances: Vec<Fr> = base.instances(&trace, Fr::from(0u64));
    let circuit = base.with_inputs(inputs).with_tamper(tamper);
    let (_, k) = circuit.cost().expect("cost");
    let prover = MockProver::run(k, &circuit, vec![instances]).expect("synthesis");
    let failures = match prover.verify() {
        Ok(()) => vec![],
        Err(f) => f.iter().map(|e| format!("{e:?}")).collect(),
    };
    (failures, circuit, k)
}

/// The rows an honest MockProver run of `graph` on `inputs` lays out (private input), after checking that
/// the honest witness is accepted.
pub fn honest_rows(
    graph: QuantizedGraph,
    inputs: Vec<QTensor>,
    params: CircuitParams,
) -> crate::circuit::RowsUsed {
    let (failures, circuit, _) = mock_run(graph, inputs, params, false, None);
    assert!(
        failures.is_empty(),
        "honest witness rejected ({params:?}): {failures:?}"
    );
    let used = *circuit.rows_used.lock().expect("rows lock");
    used.expect("synthesized")
}

/// Asserts that `graph` (whose weights are finer than its activations) on `inputs` does not synthesize
/// in a circuit of each of `widths` other weight bits (range bits 14), naming the weight bits.
pub fn assert_other_weight_bits_refused(
    graph: &QuantizedGraph,
    inputs: &[QTensor],
    widths: &[u32],
) {
    for weight_bits in widths {
        let params = CircuitParams {
            weight_bits: *weight_bits,
            range_bits: 14,
            ..CircuitParams::default()
        };
        let why = fails_to_synthesize(graph.clone(), inputs.to_vec(), params);
        assert!(
            why.as_deref().is_some_and(|w| w.contains("weight bits")),
            "{weight_bits} weight bits: {why:?}"
        );
    }
}

/// Why `graph` on `inputs` fails to synthesize with `params` (e.g. params lacking a gate the graph
/// needs: it must refuse rather than lay out unconstrained cells), in the circuit's words; `None` if it
/// synthesizes.
pub fn fails_to_synthesize(
    graph: QuantizedGraph,
    inputs: Vec<QTensor>,
    params: CircuitParams,
) -> Option<String> {
    let trace = graph.eval(&inputs).expect("oracle evaluates");
    let circuit = ModelCircuit::new(Arc::new(graph), params, false);
    let instances = circuit.instances(&trace, Fr::from(0u64));
    let circuit = circuit.with_inputs(inputs);
    let (_, k) = circuit.cost().expect("cost");
    match MockProver::run(k, &circuit, vec![instances]) {
        Ok(_) => None,
        Err(e) => Some(circuit.synthesis_error().unwrap_or(format!("{e:?}"))),
    }
}

/// For a graph of inputs followed by a free re-indexing op: its eval gives `expected`, the honest circuit
/// is satisfied, and claiming the operands' original order instead is rejected by the copy constraints.
pub fn gather_is_constrained(graph: QuantizedGraph, inputs: &[Vec<i64>], expected: &[i64]) {
    let (scale, range_bits) = (graph.scale, graph.range_bits);
    let shapes = graph.shapes().expect("shapes");
    let tensors: Vec<QTensor> = inputs
        .iter()
        .enumerate()
        .map(|(i, v)| QTensor::new(shapes[i].clone(), v.clone(), scale).expect("shape"))
        .collect();
    let trace = graph.eval(&tensors).expect("eval");
    assert_eq!(trace.values.last().expect("output").data, expected);
    let params = CircuitParams {
        scale,
        range_bits,
        ..CircuitParams::default()
    };
    let (failures, circuit, k) = mock_run(graph, tensors.clone(), params, false, None);
    assert!(failures.is_empty(), "{failures:?}");
    let original: Vec<Fr> = inputs
        .concat()
        .iter()
        .map(|v| crate::fixed_point::to_field(*v))
        .collect();
    assert_ne!(inputs.concat(), expected, "test needs a re-ordering");
    let prover = MockProver::run(k, &circuit, vec![original]).expect("synthesis");
    assert!(
        prover.verify().is_err(),
        "outputs in the operands' order accepted"
    );
}
