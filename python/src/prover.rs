//! `zkinfer._native.Prover`: the library's [`zkinfer::Prover`] (a model with its SRS and keys loaded
//! once), plus the verifying key recomputed from the model, made on first use, that its `verify`,
//! `verify_evm` and `export_verifier` trust.

use crate::options::Options;
use crate::progress::PyProgress;
use crate::proof::Proof;
use crate::py_err;
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use zkinfer::evm::EvmVerifier;
use zkinfer::pipeline::Calibration;
use zkinfer::{Progress, Silent, TrustedKey};
use zkinfer_circuits::fixed_point::word_from_hex;
use zkinfer_circuits::Fr;
use zkinfer_models::parse_input;

/// A model ready to prove many inputs: settings chosen, circuit built, SRS and keys loaded.
#[pyclass(module = "zkinfer._native", frozen)]
pub struct Prover {
    inner: zkinfer::Prover,
    trusted: OnceLock<TrustedKey>,
}

/// `s` as a 32-byte word below the field order, or an error naming `what`.
pub(crate) fn word(s: &str, what: &str) -> PyResult<Fr> {
    word_from_hex(s).ok_or_else(|| {
        py_err(format!(
            "{what}='{s}': expected 0x-hex of 1 to 64 digits below the BN254 scalar field order, e.g. 0x2a"
        ))
    })
}

/// Parse one inference's input (EZKL-format JSON written by the Python layer) for `graph`.
fn parse_one(
    json: &str,
    graph: &zkinfer_models::FloatGraph,
) -> PyResult<(Vec<Vec<f64>>, Option<Fr>)> {
    let data = parse_input(json.as_bytes(), "input").map_err(py_err)?;
    let input = data.for_model(graph).map_err(py_err)?;
    Ok((input, data.salt))
}

/// `graph`'s inputs, `[(name, shape)]` in order.
pub(crate) fn inputs_of(graph: &zkinfer_models::FloatGraph) -> Vec<(String, Vec<usize>)> {
    graph
        .nodes
        .iter()
        .filter(|n| matches!(n.op, zkinfer_models::FloatOp::Input { .. }))
        .map(|n| (n.name.clone(), n.shape.clone()))
        .collect()
}

impl Prover {
    /// The key this prover's proofs are verified against: recomputed from the model and the SRS.
    pub(crate) fn trusted(&self) -> PyResult<&TrustedKey> {
        if let Some(key) = self.trusted.get() {
            return Ok(key);
        }
        let key = TrustedKey::from_model(&self.inner.prep, &self.inner.srs).map_err(py_err)?;
        Ok(self.trusted.get_or_init(|| key))
    }
}

#[pymethods]
impl Prover {
    /// Prepare `model` with `options` (JSON), then load or generate its keys. Without calibration in
    /// `options`, the settings cached for the model are used, else `fallback_input` calibrates them.
    #[new]
    #[pyo3(signature = (model, options, progress=None, fallback_input=None))]
    fn new(
        py: Python<'_>,
        model: PathBuf,
        options: &str,
        progress: Option<Py<PyAny>>,
        fallback_input: Option<&str>,
    ) -> PyResult<Self> {
        let opts = Options::parse(options)?;
        let progress: Arc<dyn Progress> = match progress {
            Some(callback) => Arc::new(PyProgress(callback)),
            None => Arc::new(Silent),
        };
        py.detach(|| {
            let model = opts.load_model(&model)?;
            let input = match fallback_input {
                Some(json) => Some(parse_one(json, &model.graph)?.0),
                None => None,
            };
            let fallback = match &input {
                Some(input) => Calibration::Input(input),
                None => Calibration::CachedOnly,
            };
            let prep = opts.prepare(model, fallback, false)?;
            prep.check_memory(opts.force).map_err(py_err)?;
            let srs = prep.srs().map_err(py_err)?;
            let inner = zkinfer::Prover::load_with_progress(prep, srs, progress).map_err(py_err)?;
            Ok(Self {
                inner,
                trusted: OnceLock::new(),
            })
        })
    }

    /// Prove one input (EZKL-format JSON) bound to the word `bind` (0x-hex); a hashed input's
    /// commitment starts from `salt` (0x-hex; else the input's own `"salt"`, else zero).
    #[pyo3(signature = (input, bind="0x0", salt=None))]
    fn prove(
        &self,
        py: Python<'_>,
        input: &str,
        bind: &str,
        salt: Option<&str>,
    ) -> PyResult<Proof> {
        let (input, own_salt) = parse_one(input, &self.inner.prep.model.graph)?;
        let bind = word(bind, "bind")?;
        let salt = match salt {
            Some(s) => Some(word(s, "salt")?),
            None => own_salt,
        };
        let artifact = py.detach(|| self.inner.prove_input(&input, salt, bind).map_err(py_err))?;
        Ok(Proof { artifact })
    }

    /// Keep the key's extended-domain evaluations for every later proof (each then skips about half
    /// of its quotient's transforms) for memory of about twice the proving key; returns the bytes kept.
    fn keep_fixed_cosets(&self, py: Python<'_>) -> usize {
        py.detach(|| self.inner.keep_fixed_cosets())
    }

    /// Verify `proof` against this model's verifying key, recomputed from the model (not the proof's
    /// claims, not a cached key file); returns what was checked, as JSON.
    fn verify(&self, py: Python<'_>, proof: &Proof) -> PyResult<String> {
        py.detach(|| {
            let key = self.trusted()?;
            let v = zkinfer::verify(&proof.artifact, key).map_err(py_err)?;
            Ok(crate::functions::verified_json(&v, key))
        })
    }

    /// Verify `proof` in an in-process EVM with zkinfer's verifier and this model's verifying-key
    /// contract (from the recomputed key), after checking its readable claims against that key; an
    /// error if either fails. Returns the run as JSON.
    fn verify_evm(&self, py: Python<'_>, proof: &Proof) -> PyResult<String> {
        py.detach(|| crate::functions::run_evm(self.trusted()?, &proof.artifact))
    }

    /// Write the shared `ZkinferVerifier.sol` and this model's `vk.json` (from the recomputed key)
    /// into `output`; returns the paths and sizes as JSON.
    fn export_verifier(&self, py: Python<'_>, output: PathBuf) -> PyResult<String> {
        py.detach(|| {
            let evm = EvmVerifier::of(&self.trusted()?.key).map_err(py_err)?;
            crate::functions::write_verifier(&evm, &output, self.inner.prep.k)
        })
    }

    /// The circuit and its predicted cost, as JSON.
    fn inspect(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner.prep.inspect()).map_err(py_err)
    }

    /// The model's inputs: `[(name, shape)]`, in order.
    #[getter]
    fn inputs(&self) -> Vec<(String, Vec<usize>)> {
        inputs_of(&self.inner.prep.model.graph)
    }

    /// The circuit has `2^k` rows.
    #[getter]
    fn k(&self) -> u32 {
        self.inner.prep.k
    }

    /// The circuit's hash (model, settings, input visibility, k): names its keys.
    #[getter]
    fn circuit_hash(&self) -> String {
        self.inner.prep.circuit_hash.clone()
    }

    /// The SHA-256 of the ONNX file.
    #[getter]
    fn model_hash(&self) -> String {
        self.inner.prep.model.hash.clone()
    }

    /// The SHA-256 of the verifying key the proofs name.
    #[getter]
    fn vk_hash(&self) -> String {
        self.inner.vk.hash.clone()
    }

    /// The verifying-key file in the key cache (`vk=` of `zkinfer.verify` reads such a file).
    #[getter]
    fn vk_path(&self) -> PathBuf {
        self.inner.prep.store().vk_path()
    }

    /// Whether the keys were generated by this prover (else they came from the key cache).
    #[getter]
    fn keys_generated(&self) -> bool {
        self.inner.generated
    }

    /// The settings (scale, range, lanes, what they were calibrated on) as JSON.
    fn settings_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner.prep.stored).map_err(py_err)
    }
}
