//! The module-level functions: `calibrate`, `inspect`, `verify` (natively or in the EVM),
//! `export_verifier`, `import_srs` and `model_inputs`, each the library call the CLI subcommand of the
//! same name makes, returning JSON for the Python layer to read.

use crate::options::Options;
use crate::proof::Proof;
use crate::py_err;
use pyo3::prelude::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use zkinfer::evm::{EvmVerifier, EIP170_LIMIT};
use zkinfer::pipeline::Calibration;
use zkinfer::verifying::{check_claims, KeyOrigin, KeySrs};
use zkinfer::{TrustedKey, Verified};
use zkinfer_models::accuracy::check;
use zkinfer_models::read_input_file;
use zkinfer_prover::cache::write_atomic;
use zkinfer_prover::ProofArtifact;

/// Choose and cache `model`'s settings from the calibration data in `options` (a file or arrays),
/// check every layer's accuracy on it, and write the settings to `output` if given. Returns the
/// settings, `k` and the per-layer guard as JSON.
#[pyfunction]
#[pyo3(signature = (model, options, output=None))]
pub fn calibrate(
    py: Python<'_>,
    model: PathBuf,
    options: &str,
    output: Option<PathBuf>,
) -> PyResult<String> {
    let opts = Options::parse(options)?;
    if opts.calibration.is_none() && opts.samples.is_none() {
        return Err(py_err(
            "calibrate needs data: a calibration file or arrays of samples",
        ));
    }
    py.detach(|| {
        let model = opts.load_model(&model)?;
        let float = model.graph.clone();
        let sizes = float.input_sizes();
        // Read once: the guard checks the samples the settings are chosen from.
        let data = match (&opts.calibration, opts.samples()?) {
            (Some(path), _) => read_input_file(path).map_err(py_err)?,
            (None, Some(data)) => data,
            (None, None) => unreachable!("checked above"),
        };
        let samples = data.samples(&sizes).map_err(py_err)?;
        let prep = opts.prepare_with(model, Calibration::Samples(&data), false)?;
        let guard = check(&float, &prep.graph, &samples).map_err(py_err)?;
        if let Some(out) = &output {
            let json = serde_json::to_vec_pretty(&prep.stored).map_err(py_err)?;
            write_atomic(out, &json).map_err(py_err)?;
        }
        let layers: Vec<_> = guard
            .iter()
            .map(|l| {
                json!({"name": l.name, "op": l.op, "peak": l.peak, "max_error": l.max_error,
                       "allowed": l.allowed, "passes": l.passes()})
            })
            .collect();
        Ok(json!({
            "settings": prep.stored.settings,
            "peak": prep.stored.peak,
            "calibrated_on": prep.stored.source,
            "k": prep.k,
            "samples": samples.len(),
            "guard_passed": guard.iter().all(|l| l.passes()),
            "layers": layers,
        })
        .to_string())
    })
}

/// `model`'s circuit and its predicted cost, without keygen; settings as `options` say, else the
/// cached ones, else calibrated on `fallback_input` (nothing is cached). JSON.
#[pyfunction]
#[pyo3(signature = (model, options, fallback_input=None))]
pub fn inspect(
    py: Python<'_>,
    model: PathBuf,
    options: &str,
    fallback_input: Option<&str>,
) -> PyResult<String> {
    let opts = Options::parse(options)?;
    py.detach(|| {
        let model = opts.load_model(&model)?;
        let input = match fallback_input {
            Some(json) => Some(
                zkinfer_models::parse_input(json.as_bytes(), "input")
                    .and_then(|d| d.for_model(&model.graph))
                    .map_err(py_err)?,
            ),
            None => None,
        };
        let fallback = match &input {
            Some(input) => Calibration::Input(input),
            None => Calibration::CachedOnly,
        };
        let prep = opts.prepare(model, fallback, true)?;
        serde_json::to_string(&prep.inspect()).map_err(py_err)
    })
}

/// The key to verify against: recomputed from `model` (settings from `options`, else cached), or
/// the key file `vk` if its SRS is one `options` trusts. Never the proof's own claims.
fn trusted_key(
    model: Option<PathBuf>,
    vk: Option<PathBuf>,
    opts: &Options,
) -> PyResult<TrustedKey> {
    match (model, vk) {
        (Some(model), None) => {
            let prep = opts.prepare(opts.load_model(&model)?, Calibration::CachedOnly, true)?;
            let srs = prep.srs().map_err(py_err)?;
            TrustedKey::from_model(&prep, &srs).map_err(py_err)
        }
        (None, Some(vk)) => {
            let policy = opts.overrides(true)?.srs_policy();
            TrustedKey::from_file(&vk, &policy).map_err(py_err)
        }
        (Some(_), Some(_)) => Err(py_err("give model= or vk=, not both")),
        (None, None) => Err(py_err(
            "a proof is verified against a key you trust: pass model= (recompute its key from the \
             model) or vk= (a key file whose SRS this machine knows), or use Prover.verify",
        )),
    }
}

/// What a successful verification checked, as JSON.
pub(crate) fn verified_json(v: &Verified, key: &TrustedKey) -> String {
    let origin = match &key.origin {
        KeyOrigin::Model(path) => format!("model {path}"),
        KeyOrigin::File(path) => format!("key file {}", path.display()),
        KeyOrigin::Pinned => "pinned key".to_string(),
    };
    let srs = match key.srs {
        KeySrs::Known(kind) => kind.to_string(),
        KeySrs::Unknown => "unknown (accepted as INSECURE)".to_string(),
    };
    json!({
        "k": v.k, "instances": v.instances, "proof_bytes": v.proof_bytes, "key_hash": v.key_hash,
        "circuit_hash": v.circuit_hash, "key_origin": origin, "srs": srs,
        "insecure_srs": key.srs.insecure(), "srs_known": key.srs != KeySrs::Unknown,
    })
    .to_string()
}

/// Verify `proof` against the key `model=` or `vk=` names (see `trusted_key`), natively or (`evm`) in
/// an in-process EVM. JSON of what was checked, or of the EVM run.
#[pyfunction]
#[pyo3(signature = (proof, options, model=None, vk=None, evm=false))]
pub fn verify(
    py: Python<'_>,
    proof: &Proof,
    options: &str,
    model: Option<PathBuf>,
    vk: Option<PathBuf>,
    evm: bool,
) -> PyResult<String> {
    let opts = Options::parse(options)?;
    py.detach(|| {
        let key = trusted_key(model, vk, &opts)?;
        if evm {
            return run_evm(&key, &proof.artifact);
        }
        let v = zkinfer::verify(&proof.artifact, &key).map_err(py_err)?;
        Ok(verified_json(&v, &key))
    })
}

/// Run `artifact` through `key`'s EVM verifier; an error if its claims are not the key's (the EVM
/// checks only the instances and the proof: the readable outputs must be what those instances encode)
/// or if the EVM rejects it, else the run as JSON.
pub(crate) fn run_evm(key: &TrustedKey, artifact: &ProofArtifact) -> PyResult<String> {
    check_claims(artifact, key).map_err(py_err)?;
    let evm = EvmVerifier::of(&key.key).map_err(py_err)?;
    let instances = artifact.instances().map_err(py_err)?;
    let proof = artifact.proof_bytes().map_err(py_err)?;
    let run = evm.verify(&instances, &proof).map_err(py_err)?;
    if !run.accepted {
        return Err(py_err(format!(
            "proof REJECTED by the EVM verifier (reverted, gas used {})",
            run.gas_used
        )));
    }
    Ok(json!({
        "accepted": run.accepted, "gas_used": run.gas_used,
        "calldata_gas": run.profile.calldata, "verifier_bytes": run.verifier_bytes,
        "verifier_deploy_gas": run.verifier_deploy_gas, "vk_contract_bytes": run.vk_contract_bytes,
        "vk_contract_deploy_gas": run.vk_contract_deploy_gas,
    })
    .to_string())
}

/// Write `evm`'s shared verifier and key data into `dir`; JSON of what was written.
pub(crate) fn write_verifier(evm: &EvmVerifier, dir: &Path, k: u32) -> PyResult<String> {
    let (sol, vk) = evm.write(dir).map_err(py_err)?;
    Ok(json!({
        "solidity": sol, "vk_json": vk, "k": k, "circuit_hash": evm.circuit_hash,
        "verifier_bytes": evm.verifier.runtime.len(), "vk_contract_bytes": evm.vk_contract_bytes,
        "eip170_limit": EIP170_LIMIT,
    })
    .to_string())
}

/// Export `model`'s EVM verifier into `output`, from its verifying key recomputed with the SRS the
/// options name (never a cached key file, which another SRS may have made). JSON.
#[pyfunction]
pub fn export_verifier(
    py: Python<'_>,
    model: PathBuf,
    output: PathBuf,
    options: &str,
) -> PyResult<String> {
    let opts = Options::parse(options)?;
    py.detach(|| {
        let prep = opts.prepare(opts.load_model(&model)?, Calibration::CachedOnly, false)?;
        prep.check_memory(opts.force).map_err(py_err)?;
        let srs = prep.srs().map_err(py_err)?;
        let key = TrustedKey::from_model(&prep, &srs).map_err(py_err)?;
        let evm = EvmVerifier::of(&key.key).map_err(py_err)?;
        write_verifier(&evm, &output, prep.k)
    })
}

/// `model`'s inputs, `[(name, shape)]` in order (imported with the `dims` in `options`).
#[pyfunction]
pub fn model_inputs(
    py: Python<'_>,
    model: PathBuf,
    options: &str,
) -> PyResult<Vec<(String, Vec<usize>)>> {
    let opts = Options::parse(options)?;
    py.detach(|| Ok(crate::prover::inputs_of(&opts.load_model(&model)?.graph)))
}

/// Import (and check) a ceremony's `.ptau` file into the SRS cache, keeping `2^k` powers (default:
/// all the file has), or write the checked SRS to `output` instead (for `srs=`). JSON of what was
/// stored.
#[pyfunction]
#[pyo3(signature = (ptau, k=None, output=None))]
pub fn import_srs(
    py: Python<'_>,
    ptau: PathBuf,
    k: Option<u32>,
    output: Option<PathBuf>,
) -> PyResult<String> {
    py.detach(|| {
        let srs = match &output {
            Some(out) => zkinfer_prover::srs::export_ptau(&ptau, k, out),
            None => zkinfer_prover::srs::import_ptau(&ptau, k),
        }
        .map_err(py_err)?;
        Ok(
            json!({"k": srs.k, "kind": srs.kind.to_string(), "hash": srs.hash, "path": srs.path})
                .to_string(),
        )
    })
}
