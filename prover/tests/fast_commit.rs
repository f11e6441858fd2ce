//! The small-scalar commitment ([`FastKzgParams`]) changes nothing a verifier sees: the verifying key it
//! makes is byte-identical to halo2's, and its proofs verify with halo2's plain KZG verifier (and fail
//! for other instances).

use rand::rngs::StdRng;
use rand::SeedableRng;
use std::sync::Arc;
use zkinfer_circuits::halo2_proofs::plonk::keygen_vk_custom;
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkinfer_circuits::halo2_proofs::SerdeFormat;
use zkinfer_circuits::ops::Relu;
use zkinfer_circuits::tensor::QTensor;

use zkinfer_circuits::{CircuitParams, ModelCircuit, OpKind};
use zkinfer_prover::commit::FastKzgParams;
use zkinfer_prover::keys::COMPRESS_SELECTORS;
use zkinfer_prover::proof::{prove, verify};
use zkinfer_prover::{Bn256, Fr};

#[test]
fn same_verifying_key_and_proofs_verify_with_plain_kzg() {
    let scale = 8;
    let range_bits = scale + 6;
    let shape = vec![1, 64];
    let graph = zkinfer_circuits::QuantizedGraph::single_op(
        OpKind::Relu(Relu { scale }),
        std::slice::from_ref(&shape),
        scale,
        range_bits,
    );
    // Negative and positive activations: both signs of small scalars go through the fast commitment.
    let values: Vec<f64> = (0..64).map(|i| (i as f64 - 31.5) / 20.0).collect();
    let input = QTensor::from_f64(shape, &values, scale).expect("shape");
    let params = CircuitParams {
        scale,
        range_bits,
        ..CircuitParams::default()
    }
    .for_graph(&graph);
    let graph = Arc::new(graph);
    let circuit = ModelCircuit::new(graph.clone(), params, false);
    let (_, k) = circuit.cost().expect("cost");

    let plain = ParamsKZG::<Bn256>::setup(k, StdRng::seed_from_u64(3));
    let fast = FastKzgParams::new(plain.clone());
    let vk_bytes = |vk: &zkinfer_circuits::halo2_proofs::plonk::VerifyingKey<_>| {
        let mut bytes = Vec::new();
        vk.write(&mut bytes, SerdeFormat::RawBytes)
            .expect("write vk");
        bytes
    };
    let vk_plain = keygen_vk_custom(&plain, &circuit, COMPRESS_SELECTORS).expect("vk");
    let vk_fast = keygen_vk_custom(&fast, &circuit, COMPRESS_SELECTORS).expect("vk");
    assert_eq!(vk_bytes(&vk_plain), vk_bytes(&vk_fast));
    // Keys merge the simple selectors that never share a row (keys::COMPRESS_SELECTORS): fewer fixed
    // columns than the circuit configures fixed columns and selectors.
    let (_, fixed_and_selectors, _) = params.columns();
    let fixed = vk_fast.cs().num_fixed_columns();
    assert!(
        fixed < fixed_and_selectors,
        "{fixed} of {fixed_and_selectors}"
    );

    let pk =
        zkinfer_circuits::halo2_proofs::plonk::keygen_pk(&fast, vk_fast, &circuit).expect("pk");
    let trace = graph.eval(std::slice::from_ref(&input)).expect("eval");
    let binding = Fr::from(0xb1d);
    let instances = circuit.instances(&trace, binding);
    let proof = prove(&fast, &pk, circuit.with_inputs(vec![input]), &instances).expect("prove");
    verify(&plain, &vk_plain, &instances, &proof).expect("a fast-committed proof verifies");

    let mut other = instances.clone();
    other[0] += Fr::from(1);
    assert!(verify(&plain, &vk_plain, &other, &proof).is_err());

    // The binding word (last instance) is read by no gate, yet the same proof bytes do not verify with
    // another one (the transcript absorbs it before the first challenge), nor with it left out.
    assert_eq!(instances.last(), Some(&binding));
    let rebound = circuit.instances(&trace, binding + Fr::from(1));
    assert!(verify(&plain, &vk_plain, &rebound, &proof).is_err());
    let unbound = circuit.instances(&trace, Fr::from(0));
    assert!(verify(&plain, &vk_plain, &unbound, &proof).is_err());
    let stripped = &instances[..instances.len() - 1];
    assert!(verify(&plain, &vk_plain, stripped, &proof).is_err());
}
