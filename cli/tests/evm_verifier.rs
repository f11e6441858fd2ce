//! zkinfer's own EVM verifier (`ZkinferVerifier.sol` + one verifying-key contract per model) in an
//! in-process EVM, on real proofs made by the CLI: valid proofs are accepted; every evaluation, every
//! commitment class, the instances, non-canonical encodings, truncated or padded calldata and another
//! model's key are rejected, each with bounded gas.

mod common;

use common::{ok, zkinfer, zoo};
use std::path::Path;
use zkinfer_prover::{KeyStore, ProofArtifact};
use zkinfer_verifier_contract::reusable::deploy::{deploy, deploy_vk, verifier_code};
use zkinfer_verifier_contract::reusable::{verifier_data, InstanceLayout, VerifierData};
use zkinfer_verifier_contract::{encode_calldata, Address, InProcessEvm, EIP170_LIMIT};

/// r, big-endian.
const R: [u8; 32] = [
    0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58, 0x5d,
    0x28, 0x33, 0xe8, 0x48, 0x79, 0xb9, 0x70, 0x91, 0x43, 0xe1, 0xf5, 0x93, 0xf0, 0x00, 0x00, 0x01,
];

struct Proved {
    calldata: Vec<u8>,
    num_instances: usize,
    data: VerifierData,
    /// The circuit's parameters.
    params: zkinfer_circuits::CircuitParams,
}

fn prove(dir: &Path, model: &str, extra: &[&str]) -> Proved {
    let (onnx, input) = (zoo(model, "network.onnx"), zoo(model, "input.json"));
    let out = dir.join(format!("{model}.json"));
    let mut args = vec![
        "prove",
        onnx.to_str().unwrap(),
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    ok(zkinfer(dir, &args));
    let artifact = ProofArtifact::read(&out).unwrap();
    let store = KeyStore::for_circuit(&artifact.circuit_hash);
    let vk_path = dir
        .join("keys")
        .join(&artifact.circuit_hash)
        .join(store.vk_path().file_name().unwrap());
    let key = zkinfer_prover::keys::read_vk(&vk_path).unwrap();
    let instances = artifact.instances().unwrap();
    Proved {
        calldata: encode_calldata(&instances, &artifact.proof_bytes().unwrap()),
        num_instances: instances.len(),
        data: verifier_data(&key.params, &key.vk, InstanceLayout::of(&key.header)).unwrap(),
        params: key.header.params,
    }
}

/// `a + b` on 32-byte big-endian words (no overflow for the values used here).
fn add_words(a: &[u8], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = a[i] as u16 + b[i] as u16 + carry;
        out[i] = s as u8;
        carry = s >> 8;
    }
    out
}

/// The settings search keeps layouts whose verifying-key contract is predicted to fit EIP-170
/// (`zkinfer_circuits::estimate::verifier_bytes`): the prediction must not fall short of the contract
/// actually built by more than the margin it keeps, nor be so high that it turns good layouts away.
#[test]
fn verifier_size_prediction_covers_the_built_contract() {
    use zkinfer_circuits::estimate::{verifier_bytes, EVM_MARGIN};
    use zkinfer_verifier_contract::reusable::vk_contract_runtime;
    let dir = tempfile::tempdir().unwrap();
    for (model, extra) in [
        ("tiny_linear", &["--public-input"][..]),
        ("tiny_linear", &["--hashed-input"][..]),
        ("attention", &[][..]),
        ("mlp_digits", &["--lanes", "16,4,7"][..]),
    ] {
        let proved = prove(dir.path(), model, extra);
        let built = vk_contract_runtime(Address::ZERO, &proved.data)
            .unwrap()
            .len();
        let columns = proved.params.columns();
        let predicted = verifier_bytes(&proved.params, columns);
        assert!(
            predicted + EVM_MARGIN >= built && predicted <= built + built / 5,
            "{model} {extra:?} {columns:?}: predicted {predicted} bytes, built {built}"
        );
    }
}

#[test]
fn own_verifier_accepts_valid_and_rejects_everything_else() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = prove(dir.path(), "tiny_linear", &["--public-input"]);
    let attention = prove(dir.path(), "attention", &[]);

    let mut evm = InProcessEvm::new();
    let compiled = verifier_code().unwrap();
    let d = deploy(&mut evm, &compiled, &tiny.data).unwrap();
    assert!(d.verifier_bytes <= EIP170_LIMIT && d.vk_bytes <= EIP170_LIMIT);
    let (attention_vk, _) = deploy_vk(&mut evm, d.verifier, &attention.data).unwrap();

    let mut call = |to: Address, calldata: &[u8]| evm.call(to, calldata.to_vec()).unwrap();
    let valid = call(d.vk, &tiny.calldata);
    assert!(valid.success, "valid proof rejected");
    assert_eq!(valid.output, {
        let mut one = vec![0u8; 32];
        one[31] = 1;
        one
    });
    // Multi-phase circuit (Freivalds challenge) through the same shared verifier.
    assert!(call(attention_vk, &attention.calldata).success);
    let bound = 2 * valid.gas_used;
    let mut rejects = |what: &str, to: Address, calldata: &[u8]| {
        let o = call(to, calldata);
        assert!(!o.success, "{what}: accepted");
        assert!(
            o.gas_used < bound,
            "{what}: used {} gas (valid: {})",
            o.gas_used,
            bound / 2
        );
    };

    // Another model's key, and the other model's proof under this key.
    rejects(
        "proof under another model's key",
        attention_vk,
        &tiny.calldata,
    );
    rejects("another model's proof", d.vk, &attention.calldata);

    let s = &tiny.data.summary;
    let proof_at = 32 * tiny.num_instances;
    let evals_at = proof_at + 64 * (s.witnesses + s.quotient_chunks);
    let openings_at = evals_at + 32 * s.evaluations;
    assert_eq!(tiny.calldata.len(), proof_at + s.proof_bytes);

    // Every public instance, changed by one or by r (same value mod r, non-canonical).
    for i in 0..tiny.num_instances {
        let at = 32 * i;
        let mut c = tiny.calldata.clone();
        c[at + 31] ^= 1;
        rejects(&format!("instance {i} changed"), d.vk, &c);
        let mut c = tiny.calldata.clone();
        c[at..at + 32].copy_from_slice(&add_words(&tiny.calldata[at..at + 32], &R));
        rejects(&format!("instance {i} + r"), d.vk, &c);
    }
    // Every evaluation, changed by one or by r.
    for e in 0..s.evaluations {
        let at = evals_at + 32 * e;
        let mut c = tiny.calldata.clone();
        c[at + 31] ^= 1;
        rejects(&format!("evaluation {e} changed"), d.vk, &c);
        let mut c = tiny.calldata.clone();
        c[at..at + 32].copy_from_slice(&add_words(&tiny.calldata[at..at + 32], &R));
        rejects(&format!("evaluation {e} + r"), d.vk, &c);
    }
    // Every commitment (witness, quotient chunk, opening witness): replaced by another valid point of
    // the proof (on the curve, so only the pairing can tell), or moved off the curve.
    let points: Vec<usize> = (0..s.witnesses + s.quotient_chunks)
        .map(|i| proof_at + 64 * i)
        .chain((0..s.query_sets).map(|i| openings_at + 64 * i))
        .collect();
    for (n, &at) in points.iter().enumerate() {
        let other = points[(n + 1) % points.len()];
        let mut c = tiny.calldata.clone();
        let replacement = tiny.calldata[other..other + 64].to_vec();
        if replacement != c[at..at + 64] {
            c[at..at + 64].copy_from_slice(&replacement);
            rejects(&format!("point {n} swapped"), d.vk, &c);
        }
        let mut c = tiny.calldata.clone();
        c[at + 63] ^= 1;
        rejects(&format!("point {n} off the curve"), d.vk, &c);
    }
    // Truncated or padded calldata, empty calldata.
    let c = &tiny.calldata;
    rejects("last byte missing", d.vk, &c[..c.len() - 1]);
    rejects("last opening missing", d.vk, &c[..c.len() - 64]);
    rejects("only instances", d.vk, &c[..proof_at]);
    rejects("empty calldata", d.vk, &[]);
    let mut padded = c.clone();
    padded.push(0);
    rejects("one byte appended", d.vk, &padded);
    // The shared verifier called directly, naming a contract that is not a verifying key.
    let mut direct = vec![0u8; 12];
    direct.extend_from_slice(d.verifier.as_slice());
    direct.extend_from_slice(c);
    rejects("verifier as its own key", d.verifier, &direct);
    let mut direct = vec![0u8; 12];
    direct.extend_from_slice(d.vk.as_slice());
    direct.extend_from_slice(c);
    assert!(
        call(d.verifier, &direct).success,
        "direct call naming the key"
    );
}
