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
        let bad = circuit.clone().with_poseidon_tamper(Some(tamper));
        assert!(
            verify(&bad, instances.clone(), k).is_err(),
            "{tamper:?} accepted"
        );
    }
}

/// A low-entropy input (a vote in 0..=100): without a salt anyone finds it by hashing every candidate;
/// with a random salt the same search finds nothing, while the proof still binds the (salt, input) pair.
#[test]
fn a_salt_hides_a_low_entropy_input_and_is_bound_by_the_proof() {
    let vote = 37;
    let (circuit, instances, k) = setup(vec![vote]);
    let candidates = |commitment: Fr| {
        (0..=100)
            .filter(|v| input_hash_params().commit(&[to_field(*v)]) == commitment)
            .collect::<Vec<i64>>()
    };
    assert_eq!(
        candidates(instances[0]),
        vec![vote],
        "unsalted: found by search"
    );

    let salt = Fr::from(0x5eed_5a17_u64) * Fr::from(u64::MAX) * Fr::from(u64::MAX - 7);
    let salted = circuit.with_salt(salt);
    let trace_instances = {
        let graph = circuit.graph.clone();
        let trace = graph.eval(salted.inputs.as_ref().unwrap()).unwrap();
        salted.instances(&trace, Fr::from(0u64))
    };
    let commitment = trace_instances[0];
    assert_eq!(
        commitment,
        input_hash_params().commit_salted(salt, &[to_field(vote)])
    );
    assert!(
        candidates(commitment).is_empty(),
        "salted: the search finds nothing"
    );
    verify(&salted, trace_instances.clone(), k).unwrap();
    // The proof binds the salt: another salt, or the unsalted commitment, is rejected.
    verify(
        &circuit.with_salt(salt + Fr::one()),
        trace_instances.clone(),
        k,
    )
    .unwrap_err();
    let mut unsalted = trace_instances;
    unsalted[0] = instances[0];
    verify(&salted, unsalted, k).unwrap_err();
}
