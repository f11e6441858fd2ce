//! zkinfer's own proving loop (`engine`, the default of `proof::prove`) writes halo2's protocol: its
//! proofs verify with halo2's verifier and bind their instances, for a circuit of gates, lookups and
//! copy constraints (relu) and one that draws a second-phase challenge (a batched matrix product's
//! Freivalds check); and a corrupted witness gets no accepted proof from it.

use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::Arc;
use zkinfer_circuits::chips::tamper::Tamper;
use zkinfer_circuits::circuit::TamperAt;
use zkinfer_circuits::halo2_proofs::plonk::{
    keygen_pk, keygen_vk_custom, ProvingKey, VerifyingKey,
};
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkinfer_circuits::ops::{MatMul, Relu};
use zkinfer_circuits::tensor::QTensor;
use zkinfer_circuits::{CircuitParams, ModelCircuit, OpKind, QuantizedGraph};
use zkinfer_prover::commit::FastKzgParams;
use zkinfer_prover::keys::COMPRESS_SELECTORS;
use zkinfer_prover::proof::{prove_with, verify, ProvingLoop};
use zkinfer_prover::{Bn256, Fr, G1Affine};

const SCALE: u32 = 7;
const BITS: u32 = 14;

fn relu() -> (QuantizedGraph, Vec<QTensor>) {
    let shape = vec![1, 48];
    let graph = QuantizedGraph::single_op(
        OpKind::Relu(Relu { scale: SCALE }),
        std::slice::from_ref(&shape),
        SCALE,
        BITS,
    );
    let values: Vec<f64> = (0..48).map(|i| (i as f64 - 23.5) / 9.0).collect();
    let input = QTensor::from_f64(shape, &values, SCALE).expect("shape");
    (graph, vec![input])
}

fn matmul() -> (QuantizedGraph, Vec<QTensor>) {
    let op = MatMul {
        batch: 2,
        m: 2,
        k: 3,
        n: 4,
    };
    let a: Vec<f64> = (0..12).map(|i| (i as f64 - 5.0) * 0.37).collect();
    let b: Vec<f64> = (0..24)
        .map(|i| ((i * 7 % 11) as f64 - 5.0) * 0.21)
        .collect();
    let shapes = [vec![2, 2, 3], vec![2, 3, 4]];
    let graph = QuantizedGraph::single_op(OpKind::MatMul(op), &shapes, SCALE, BITS);
    let inputs = vec![
        QTensor::from_f64(shapes[0].clone(), &a, SCALE).expect("shape"),
        QTensor::from_f64(shapes[1].clone(), &b, SCALE).expect("shape"),
    ];
    (graph, inputs)
}

struct Setup {
    plain: ParamsKZG<Bn256>,
    fast: FastKzgParams,
    vk: VerifyingKey<G1Affine>,
    pk: ProvingKey<G1Affine>,
    circuit: ModelCircuit,
    inputs: Vec<QTensor>,
    instances: Vec<Fr>,
}

fn setup((graph, inputs): (QuantizedGraph, Vec<QTensor>), public_input: bool) -> Setup {
    let params = CircuitParams {
        scale: SCALE,
        range_bits: BITS,
        ..CircuitParams::default()
    }
    .for_graph(&graph);
    let graph = Arc::new(graph);
    let circuit = ModelCircuit::new(graph.clone(), params, public_input);
    let (_, k) = circuit.cost().expect("cost");
    let plain = ParamsKZG::<Bn256>::setup(k, StdRng::seed_from_u64(5));
    let fast = FastKzgParams::new(plain.clone());
    let vk = keygen_vk_custom(&fast, &circuit, COMPRESS_SELECTORS).expect("vk");
    let pk = keygen_pk(&fast, vk.clone(), &circuit).expect("pk");
    let trace = graph.eval(&inputs).expect("eval");
    let instances = circuit.instances(&trace, Fr::from(0xe1));
    Setup {
        plain,
        fast,
        vk,
        pk,
        circuit,
        inputs,
        instances,
    }
}

#[test]
fn engine_proofs_verify_with_halo2s_verifier_and_bind_their_instances() {
    for (name, case) in [("relu", relu as fn() -> _), ("matmul", matmul)] {
        for public_input in [false, true] {
            let s = setup(case(), public_input);
            let honest = s.circuit.clone().with_inputs(s.inputs.clone());
            let proof = prove_with(
                ProvingLoop::Zkinfer,
                &s.fast,
                &s.pk,
                None,
                honest,
                &s.instances,
            )
            .expect("prove");
            verify(&s.plain, &s.vk, &s.instances, &proof)
                .unwrap_or_else(|e| panic!("{name} (public input {public_input}): {e}"));
            for i in [0, s.instances.len() - 1] {
                let mut other = s.instances.clone();
                other[i] += Fr::from(1);
                assert!(
                    verify(&s.plain, &s.vk, &other, &proof).is_err(),
                    "{name}: instance {i} changed, still accepted"
                );
            }
        }
    }
}

#[test]
fn a_corrupted_witness_gets_no_accepted_proof() {
    let s = setup(relu(), false);
    let (mut refused, mut rejected) = (0, 0);
    for tamper in [
        Tamper::Activation,
        Tamper::Quotient,
        Tamper::HighLimb,
        Tamper::Sign,
    ] {
        for index in [3, 40] {
            let at = TamperAt {
                node: 1,
                index,
                tamper,
            };
            let circuit = s
                .circuit
                .clone()
                .with_inputs(s.inputs.clone())
                .with_tamper(Some(at));
            match prove_with(
                ProvingLoop::Zkinfer,
                &s.fast,
                &s.pk,
                None,
                circuit,
                &s.instances,
            ) {
                // The honest prover notices a lookup input missing from its table.
                Err(e) => {
                    assert!(
                        e.to_string().contains("not in its table"),
                        "{tamper:?}: {e}"
                    );
                    refused += 1;
                }
                Ok(proof) => {
                    assert!(
                        verify(&s.plain, &s.vk, &s.instances, &proof).is_err(),
                        "{tamper:?} at {index}: a corrupted witness's proof was accepted"
                    );
                    rejected += 1;
                }
            }
        }
    }
    // Both paths were taken: gate failures reach the verifier, lookup failures stop at the prover.
    assert!(
        refused > 0 && rejected > 0,
        "refused {refused}, rejected {rejected}"
    );
}
