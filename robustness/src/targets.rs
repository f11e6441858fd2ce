//! The targets. Each parses its input the way the CLI does and, where that succeeds, goes on to use
//! it (quantize, size the circuit, verify, build contract code), so a fuzzer reaches past the parser.

use crate::{Outcome, LABEL};
use std::path::Path;
use std::sync::OnceLock;
use zkinfer::TrustedKey;
use zkinfer_models::settings::StoredSettings;
use zkinfer_models::{load_onnx_bytes, parse_input, OnnxModel};
use zkinfer_prover::keys::{decode_pk, decode_vk, PK_MAGIC, VK_MAGIC};
use zkinfer_prover::ptau::{check_params, Ptau};
use zkinfer_prover::{container, srs, ProofArtifact};
use zkinfer_verifier_contract::market::{revert_reason, Job};
use zkinfer_verifier_contract::reusable::{
    vk_contract_creation, vk_contract_verifier, VerifierData, VkFile,
};
use zkinfer_verifier_contract::Address;

/// The largest model input (values) the `onnx` target evaluates; larger ones are only imported.
const MAX_EVAL_VALUES: usize = 1 << 14;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn label() -> &'static Path {
    Path::new(LABEL)
}

/// The model the settings target quantizes (the bundled `tiny_linear`).
fn tiny_model() -> &'static OnnxModel {
    static MODEL: OnceLock<OnnxModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        load_onnx_bytes(crate::seeds::TINY_ONNX, "tiny_linear").expect("the bundled model loads")
    })
}

/// The verifying key the proof target verifies against (`fixtures/tiny_linear.vk.bin`), pinned by
/// its own hash: the fixture is what the target trusts.
fn tiny_vk() -> &'static TrustedKey {
    static VK: OnceLock<TrustedKey> = OnceLock::new();
    VK.get_or_init(|| {
        let key =
            decode_vk(crate::seeds::TINY_VK, Path::new("tiny_linear.vk.bin")).expect("fixture vk");
        let hash = key.hash.clone();
        TrustedKey::pinned(key, &hash).expect("the key's own hash")
    })
}

/// The EVM verifying key of the same model (`fixtures/tiny_linear.vk.json`).
pub(crate) fn tiny_evm_vk() -> &'static VerifierData {
    static DATA: OnceLock<VerifierData> = OnceLock::new();
    DATA.get_or_init(|| {
        let path = Path::new("tiny_linear.vk.json");
        VkFile::from_json(crate::seeds::TINY_VK_JSON, path)
            .and_then(|f| f.verifier_data(path))
            .expect("fixture vk.json")
    })
}

/// An ONNX model: import, then (small inputs) calibrate on one sample, quantize and size the circuit.
pub fn onnx(data: &[u8]) -> Outcome {
    let model = load_onnx_bytes(data, LABEL).map_err(err)?;
    let sizes = model.graph.input_sizes();
    let values = sizes
        .iter()
        .try_fold(0usize, |total, (_, n)| total.checked_add(*n));
    if values.is_none_or(|v| v > MAX_EVAL_VALUES) {
        return Ok(());
    }
    let sample: Vec<Vec<f64>> = sizes.iter().map(|(_, n)| vec![0.5; *n]).collect();
    model.run_float(&sample).map_err(err)?;
    // As `zkinfer prove` prepares it (calibrated on the input), at a fixed scale and layout, caching
    // nothing.
    let overrides = zkinfer::Overrides {
        scale: Some(10),
        lanes: Some((2, 1, 1)),
        measure_only: true,
        ..zkinfer::Overrides::default()
    };
    zkinfer::prepare(model, zkinfer::Calibration::Input(&sample), overrides).map_err(err)?;
    Ok(())
}

/// An `input.json`, read as one inference and as calibration samples of a one-input and a
/// two-input model; accepted if any reading fits.
pub fn input_json(data: &[u8]) -> Outcome {
    let input = parse_input(data, LABEL).map_err(err)?;
    let one = [("x".to_string(), 4)];
    let two = [("x".to_string(), 3), ("y".to_string(), 2)];
    let mut outcome = Err(String::new());
    for sizes in [&one[..], &two[..]] {
        let single = input.single(sizes).map(|_| ()).map_err(err);
        let samples = input.samples(sizes).map(|_| ()).map_err(err);
        outcome = outcome.or(single).or(samples);
    }
    outcome
}

/// A settings file, applied to the bundled model as `zkinfer prove --settings` applies it: quantize
/// and size its circuit (caching nothing).
pub fn settings(data: &[u8]) -> Outcome {
    let stored = StoredSettings::from_json(data, LABEL).map_err(err)?;
    let overrides = zkinfer::Overrides {
        public_input: stored.settings.public_input,
        measure_only: true,
        ..zkinfer::Overrides::default()
    };
    zkinfer::pipeline::prepare_with_settings(tiny_model().clone(), stored, overrides)
        .map_err(err)?;
    Ok(())
}

/// A `proof.json`: parse and verify it against the bundled model's key, as `zkinfer verify` does
/// (`zkinfer::verify`: circuit and key named by the proof, instance count, outputs against
/// instances, the proof). Only the fixture proof itself may verify.
pub fn proof_json(data: &[u8]) -> Outcome {
    let artifact = ProofArtifact::from_json(data, label()).map_err(err)?;
    zkinfer::verify(&artifact, tiny_vk()).map_err(err)?;
    Ok(())
}

/// Split a container target's input: `header length (u16 LE) | header JSON | payload`. The file is
/// rebuilt around them with a valid checksum, so the fuzzer reaches the header and payload checks
/// (a checksum is integrity, not authenticity: a hostile file carries a valid one).
fn container_file(magic: &[u8; 8], data: &[u8]) -> Result<Vec<u8>, String> {
    let (len, rest) = data.split_first_chunk::<2>().ok_or("no header length")?;
    let (header, payload) = rest
        .split_at_checked(usize::from(u16::from_le_bytes(*len)))
        .ok_or("header runs past the end")?;
    let header: serde_json::Value =
        serde_json::from_slice(header).map_err(|e| format!("header: {e}"))?;
    Ok(container::encode(magic, &header, payload))
}

/// The inverse of [`container_file`], for seeds: a container file as a target input.
pub fn container_input(file: &[u8]) -> Option<Vec<u8>> {
    let len = u32::from_le_bytes(file.get(12..16)?.try_into().ok()?) as usize;
    let (header, _checksum): (serde_json::Value, String) =
        serde_json::from_slice(file.get(16..16 + len)?).ok()?;
    let header = serde_json::to_vec(&header).ok()?;
    let mut out = u16::try_from(header.len()).ok()?.to_le_bytes().to_vec();
    out.extend(header);
    out.extend_from_slice(file.get(16 + len..)?);
    Some(out)
}

/// A verifying-key file (`vk.bin`, framed as [`container_file`] says); a key that loads is used to
/// verify the bundled proof.
pub fn vk_file(data: &[u8]) -> Outcome {
    let file = container_file(VK_MAGIC, data)?;
    let vk = decode_vk(&file, label()).map_err(err)?;
    let artifact = ProofArtifact::from_json(crate::seeds::TINY_PROOF, label()).map_err(err)?;
    let instances = artifact.instances().map_err(err)?;
    let proof = artifact.proof_bytes().map_err(err)?;
    zkinfer_prover::proof::verify(&vk.params, &vk.vk, &instances, &proof).map_err(err)
}

/// A proving-key file (`pk.bin`, framed as [`container_file`] says): header, layout, halo2's reader.
pub fn pk_file(data: &[u8]) -> Outcome {
    let file = container_file(PK_MAGIC, data)?;
    decode_pk(&file, label()).map(|_| ()).map_err(err)
}

/// A stored SRS file (framed as [`container_file`] says), then the ceremony checks on it.
pub fn srs_file(data: &[u8]) -> Outcome {
    let file = container_file(srs::MAGIC, data)?;
    let (params, _, _, _) = srs::decode(&file, label()).map_err(err)?;
    check_params(&params)
}

/// A `.ptau` ceremony file, read for `2^2` rows (the checks cover every power kept).
pub fn ptau(data: &[u8]) -> Outcome {
    let ptau = Ptau::decode(data, label(), 2).map_err(err)?;
    check_params(&ptau.params(2))
}

/// A `vk.json`: parse, decode, build the verifying-key contract and recognize it.
pub fn vk_json(data: &[u8]) -> Outcome {
    let file = VkFile::from_json(data, label()).map_err(err)?;
    let vk = file.verifier_data(label()).map_err(err)?;
    let creation = vk_contract_creation(Address::ZERO, &vk).map_err(err)?;
    let runtime = creation
        .get(12..)
        .ok_or("creation code shorter than its prefix")?;
    if vk_contract_verifier(runtime, &vk) != Some(Address::ZERO) {
        return Err("a built key contract is not recognized as itself".into());
    }
    Ok(())
}

/// What a node returns to the worker: a `jobs(id)` answer, revert data, contract code.
pub fn chain_data(data: &[u8]) -> Outcome {
    let job = Job::decode(data);
    let reason = revert_reason(data);
    let recognized = vk_contract_verifier(data, tiny_evm_vk()).is_some();
    match (job, reason, recognized) {
        (None, None, false) => Err("neither a job, a revert reason nor a key contract".into()),
        _ => Ok(()),
    }
}
