//! Seed inputs: one or more valid inputs per target, from the bundled models and from
//! `fixtures/` (made by `fixtures/make.sh` with the CLI on `tiny_linear`). Every seed is accepted by
//! its target (a test checks it), so mutations of it start deep inside the format.

use crate::targets::container_input;
use rand::{rngs::StdRng, SeedableRng};
use zkinfer_prover::{container, srs};

pub(crate) const TINY_ONNX: &[u8] = include_bytes!("../../models/zoo/tiny_linear/network.onnx");
pub(crate) const TINY_VK: &[u8] = include_bytes!("../fixtures/tiny_linear.vk.bin");
pub(crate) const TINY_PROOF: &[u8] = include_bytes!("../fixtures/tiny_linear.proof.json");
pub(crate) const TINY_VK_JSON: &[u8] = include_bytes!("../fixtures/tiny_linear.vk.json");
const TINY_SETTINGS: &[u8] = include_bytes!("../fixtures/tiny_linear.settings.json");
const CEREMONY_P3: &[u8] = include_bytes!("../fixtures/ceremony_p3.ptau");

const ONNX: &[&[u8]] = &[
    TINY_ONNX,
    include_bytes!("../../models/zoo/attention/network.onnx"),
    include_bytes!("../../models/zoo/bn_affine/network.onnx"),
    include_bytes!("../../models/zoo/cnn_tiny/network.onnx"),
    include_bytes!("../../models/zoo/maxpool_clip/network.onnx"),
    include_bytes!("../../models/zoo/prelu/network.onnx"),
    include_bytes!("../../models/zoo/reduce_pool/network.onnx"),
    include_bytes!("../../models/zoo/slice_concat/network.onnx"),
    include_bytes!("../../models/zoo/smooth_act/network.onnx"),
    include_bytes!("../../models/zoo/softmax/network.onnx"),
];

const INPUTS: &[&[u8]] = &[
    br#"{"input_data": [[0.5, -1.25, 3.0], [1e-3, 2.0]]}"#,
    br#"{"input_data": [[1, 2, 3, 4, 5, 6, 7, 8]]}"#,
    br#"{"input_data": [[1, 2, 3, 4], [5, 6, 7, 8]]}"#,
];

/// A stored SRS of `2^3` rows (a fixed-seed dev setup: only its format matters here).
fn small_srs() -> Vec<u8> {
    use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
    use zkinfer_circuits::halo2_proofs::SerdeFormat;
    use zkinfer_prover::srs::SrsKind;
    use zkinfer_prover::Bn256;
    let params = ParamsKZG::<Bn256>::setup(3, StdRng::seed_from_u64(3));
    let mut payload = Vec::new();
    params
        .write_custom(&mut payload, SerdeFormat::RawBytesUnchecked)
        .expect("writing to a Vec");
    let header = serde_json::json!({ "k": 3, "kind": SrsKind::LocalDev });
    container::encode(srs::MAGIC, &header, &payload)
}

/// The proving key of the bundled model, as the cache stores it (made here with a fixed-seed
/// setup, about a second; 2.6 MB, so only its framing and first bytes get fuzzed).
fn tiny_pk() -> Option<Vec<u8>> {
    use std::sync::Arc;
    use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
    use zkinfer_circuits::ModelCircuit;
    use zkinfer_prover::keys::{circuit_hash, generate_pk, KeyHeader, PK_MAGIC};
    use zkinfer_prover::srs::{Srs, SrsKind};
    let stored = zkinfer_models::StoredSettings::from_json(TINY_SETTINGS, "settings").ok()?;
    let model = zkinfer_models::load_onnx_bytes(TINY_ONNX, "tiny_linear").ok()?;
    let graph = Arc::new(stored.quantize(&model.graph));
    let params = stored.settings.circuit_params(&graph);
    let circuit = ModelCircuit::new(graph.clone(), params, false);
    let (_, k) = circuit.cost().ok()?;
    let srs = Srs {
        k,
        params: zkinfer_prover::commit::FastKzgParams::new(ParamsKZG::setup(
            k,
            StdRng::seed_from_u64(11),
        )),
        kind: SrsKind::LocalDev,
        hash: "0".repeat(64),
        created: true,
        path: "seed.srs".into(),
    };
    let pk = generate_pk(&srs, &circuit).ok()?;
    let header = KeyHeader {
        circuit_hash: circuit_hash(&graph, &circuit.params, false, k),
        params: circuit.params,
        k,
        num_instances: circuit.num_instances().ok()?,
        num_inputs: circuit.num_input_instances().ok()?,
        srs_hash: srs.hash.clone(),
        srs_kind: srs.kind,
        format: zkinfer_prover::keys::CIRCUIT_FORMAT.to_string(),
    };
    let payload = zkinfer_prover::pk_file::encode(&pk);
    container_input(&container::encode(PK_MAGIC, &header, &payload))
}

fn job_answer() -> Vec<u8> {
    let mut words = vec![0u8; 10 * 32];
    words[31] = 1; // requester
    words[3 * 32 + 31] = 7; // reward
    words[4 * 32 + 30] = 1; // deadline
    words[5 * 32 + 31] = 4; // inputs
    words[6 * 32 + 31] = 9; // instances
    words
}

fn revert(reason: &str) -> Vec<u8> {
    let mut out = vec![0x08, 0xc3, 0x79, 0xa0];
    let mut word = |n: usize| {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&(n as u64).to_be_bytes());
        out.extend_from_slice(&w);
    };
    word(32);
    word(reason.len());
    out.extend_from_slice(reason.as_bytes());
    out.resize(4 + 64 + reason.len().div_ceil(32) * 32, 0);
    out
}

/// The seeds of `target` (empty for an unknown name).
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let owned = |list: &[&[u8]]| list.iter().map(|s| s.to_vec()).collect();
    match target {
        "onnx" => owned(ONNX),
        "input_json" => owned(INPUTS),
        "settings" => vec![TINY_SETTINGS.to_vec()],
        "proof_json" => vec![TINY_PROOF.to_vec()],
        "vk_file" => container_input(TINY_VK).into_iter().collect(),
        "pk_file" => tiny_pk().into_iter().collect(),
        "srs_file" => container_input(&small_srs()).into_iter().collect(),
        "ptau" => vec![CEREMONY_P3.to_vec()],
        "vk_json" => vec![TINY_VK_JSON.to_vec()],
        "chain_data" => {
            let key = zkinfer_verifier_contract::reusable::vk_contract_runtime(
                zkinfer_verifier_contract::Address::ZERO,
                crate::targets::tiny_evm_vk(),
            );
            let mut seeds = vec![job_answer(), revert("job closed")];
            seeds.extend(key.ok());
            seeds
        }
        _ => vec![],
    }
}
