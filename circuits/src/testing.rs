//! Helpers for tests in this and downstream crates: single-op graphs and MockProver runs.

use crate::circuit::{CircuitParams, ModelCircuit, TamperAt};
use crate::graph::{Node, QuantizedGraph};
use crate::ops::{Input, OpKind};
use crate::tensor::QTensor;
use crate::Fr;
use halo2_proofs::dev::MockProver;
use std::sync::Arc;

/// A graph with one Input node per operand shape followed by `op`.
pub fn single_op_graph(
    op: OpKind,
    shapes: &[Vec<usize>],
    scale: u32,
    range_bits: u32,
) -> QuantizedGraph {
    let mut nodes: Vec<Node> = shapes
        .iter()
        .enumerate()
        .map(|(i, s)| Node {
            name: format!("input{i}"),
            op: OpKind::Input(Input { shape: s.clone() }),
            inputs: vec![],
        })
        .collect();
    nodes.push(Node {
        name: "op".into(),
        op,
        inputs: (0..shapes.len()).collect(),
    });
    QuantizedGraph {
        scale,
        range_bits,
        outputs: vec![nodes.len() - 1],
        nodes,
    }
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
    let instances: Vec<Fr> = base.instances(&trace);
    let mut circuit = base.with_inputs(inputs);
    circuit.tamper = tamper;
    let (_, k) = circuit.cost().expect("cost");
    let prover = MockProver::run(k, &circuit, vec![instances]).expect("synthesis");
    let failures = match prover.verify() {
        Ok(()) => vec![],
        Err(f) => f.iter().map(|e| format!("{e:?}")).collect(),
    };
    (failures, circuit, k)
}
