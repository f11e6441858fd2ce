//! `zkinfer._native.Proof`: a `proof.json` held in memory (the library's [`ProofArtifact`]).

use crate::py_err;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::{Path, PathBuf};
use zkinfer_prover::ProofArtifact;

/// A proof and what it claims: the model, circuit and key it is for, its public instances and the
/// outputs they encode. Nothing here is trusted until verified against a key the caller trusts.
#[pyclass(module = "zkinfer._native", frozen)]
pub struct Proof {
    pub(crate) artifact: ProofArtifact,
}

#[pymethods]
impl Proof {
    /// Parse a `proof.json` document (as `to_json` writes it or `zkinfer prove -o` saves it).
    #[staticmethod]
    fn from_json(json: &str) -> PyResult<Self> {
        let artifact =
            ProofArtifact::from_json(json.as_bytes(), Path::new("<proof JSON>")).map_err(py_err)?;
        Ok(Self { artifact })
    }

    /// Read a `proof.json` file.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        let artifact = ProofArtifact::read(&path).map_err(py_err)?;
        Ok(Self { artifact })
    }

    /// The `proof.json` document, pretty-printed.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string_pretty(&self.artifact).map_err(py_err)
    }

    /// Write the `proof.json` file atomically (nothing half-written is left on failure).
    fn save(&self, path: PathBuf) -> PyResult<()> {
        self.artifact.write(&path).map_err(py_err)
    }

    /// The outputs as JSON: `[{"shape", "scale", "values", "quantized"}]`.
    fn outputs_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.artifact.outputs).map_err(py_err)
    }

    /// The public instances, 0x-hex field elements (inputs when public, outputs, the binding word).
    #[getter]
    fn instances(&self) -> Vec<String> {
        self.artifact.instances.clone()
    }

    /// The proof's bytes (the calldata after the instances).
    #[getter]
    fn proof_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.artifact.proof_bytes().map_err(py_err)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The SHA-256 of the ONNX file the proof claims.
    #[getter]
    fn model_hash(&self) -> String {
        self.artifact.model_hash.clone()
    }

    /// The hash of the circuit the proof claims (model, settings, input visibility, k).
    #[getter]
    fn circuit_hash(&self) -> String {
        self.artifact.circuit_hash.clone()
    }

    /// The SHA-256 of the verifying key the proof claims.
    #[getter]
    fn vk_hash(&self) -> String {
        self.artifact.vk_hash.clone()
    }

    /// The circuit has `2^k` rows.
    #[getter]
    fn k(&self) -> u32 {
        self.artifact.srs.k
    }

    /// Whether the model's input is a public instance.
    #[getter]
    fn public_input(&self) -> bool {
        self.artifact.public_input
    }

    fn __repr__(&self) -> String {
        let shapes: Vec<_> = self.artifact.outputs.iter().map(|o| &o.shape).collect();
        format!(
            "Proof(circuit={}, k={}, outputs={shapes:?}, {} bytes)",
            self.artifact.circuit_hash.get(..16).unwrap_or_default(),
            self.artifact.srs.k,
            self.artifact.proof.len().saturating_sub(2) / 2
        )
    }
}
