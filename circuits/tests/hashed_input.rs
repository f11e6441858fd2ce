//! Hashed input visibility: the first instance is the Poseidon commitment to the input, proved by the
//! Poseidon chip from the very cells the model reads; a wrong commitment, a corrupted round or a model
//! run on another input than the committed one are all rejected.

use halo2_proofs::dev::MockProver;
use std::sync::Arc;
use zkinfer_circuits::chips::poseidon::PoseidonTamper;
use zkinfer_circuits::circuit::{input_hash_params, CircuitParams, ModelCircuit};
use zkinfer_circuits::fixed_point::to_field;
use zkinfer_circuits::halo2_proofs;
use zkinfer_circuits::ops::Relu;
use zkinfer_circuits::testing::single_op_graph;
use zkinfer_circuits::{Fr, OpKind, QTensor};

const SCALE: u32 = 8;

fn setup(data: Vec<i64>) -> (ModelCircuit, Vec<Fr>, u32) {
    let n = data.len();
    let graph = single_op_graph(OpKind::Relu(Relu { scale: SCALE }), &[vec![n]], SCALE, 16);
    let params = CircuitParams {
        scale: SCALE,
        range_bits: 16,
        hashed_input: true,
        ..CircuitParams::default()
    }
    .for_graph(&graph);
    let inputs = vec![QTensor::new(vec![n], data, SCALE).unwrap()];
    let trace = graph.eval(&inputs).unwrap();
    let base = ModelCircuit::new(Arc::new(graph), params, false);
    let instances = base.instances(&trace, Fr::from(0u64));
    let (_, k) = base.cost().unwrap();
    (base.with_inputs(inputs), instances, k)
}

fn verify(circuit: &ModelCircuit, instances: Vec<Fr>, k: u32) -> Result<(), String> {
    let prover = MockProver::run(k, circuit, vec![instances]).map_err(|e| format!("{e:?}"))?;
    prover.verify().map_err(|e| format!("{e:?}"))
}

#[test]
fn the_first_instance_is_the_poseidon_commitment_of_the_input() {
    let data = vec![-300, 5, 77, 0, 1_000, -1, 42];
    let (circuit, instances, k) = setup(data.clone());
    let committed: Vec<Fr> = data.iter().map(|v| to_field(*v)).collect();
    assert_eq!(instances[0], input_hash_params().commit(&committed));
    // relu outputs follow; the input itself is not an instance.
    assert_eq!(
        instances.len(),
        1 + data.len() + 1,
        "commitment, outputs, binding word"
    );
    assert_eq!(instances[1], Fr::zero());
    assert_eq!(instances[3], to_field(77));
    verify(&circuit, instances, k).unwrap();
}

#[test]
fn wrong_commitments_and_corrupted_rounds_are_rejected() {
    let data = vec![-300, 5, 77, 0, 1_000, -1, 42];
    let (circuit, instances, k) = setup(data.clone());

    // The commitment of another input (the model still runs on `data`).
    let mut other = data.clone();
    other[2] += 1;
    let other: Vec<Fr> = other.iter().map(|v| to_field(*v)).collect();
    let mut claimed = instances.clone();
    claimed[0] = input_hash_params().commit(&other);
    assert!(
        verify(&circuit, claimed, k).is_err(),
        "another input's commitment accepted"
    );

    let params = input_hash_params();
    for tamper in [
        PoseidonTamper::Square { round: 1, i: 3 },
        PoseidonTamper::State {
            round: params.full_rounds / 2 + 10,
            i: 2,
        },
        PoseidonTamper::DomainTag,
        PoseidonTamper::Input,
    ] {
        let mut bad = circuit.clone();
        bad.poseidon_tamper = Some(tamper);
        assert!(
            verify(&bad, instances.clone(), k).is_err(),
            "{tamper:?} accepted"
        );
    }
}
