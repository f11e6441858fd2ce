//! Errors of setup, keygen, proving, verification and artifact I/O. Each names the file or check at fault.

use thiserror::Error;

/// Why setup, keygen, proving, verification or reading or writing an artifact failed.
#[derive(Debug, Error)]
pub enum ProverError {
    /// A file or directory (SRS, key, proof, cache lock) could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file or directory.
        path: String,
        /// The underlying I/O error.
        cause: std::io::Error,
    },
    /// A file (container, SRS, `.ptau`, key, `proof.json`) is malformed or fails its format checks.
    #[error("{path}: {msg}")]
    Corrupt {
        /// The file, or the label of bytes held in memory.
        path: String,
        /// What is wrong with it.
        msg: String,
    },
    /// Things that must agree do not: a proof file's outputs and its instances, an instance that is no
    /// field element, proof bytes that are not hex, a cached key stored under another circuit.
    #[error("{0}")]
    Mismatch(String),
    /// Key generation failed: the circuit's synthesis error when it reported one, else halo2's.
    #[error("keygen failed: {0}")]
    Keygen(String),
    /// Proof generation failed (or halo2 panicked): the synthesis error when there is one, else halo2's.
    #[error("proving failed: {0}")]
    Prove(String),
    /// The proof does not verify against the key and instances (or is malformed).
    #[error("proof rejected: {0}")]
    Rejected(String),
    /// This CPU lacks instructions the build's field arithmetic needs (x86-64 BMI2 / ADX).
    #[error("unsupported machine: {0}")]
    Unsupported(String),
    /// An error of the circuit crate (e.g. its instance layout or witness).
    #[error(transparent)]
    Circuit(#[from] zkinfer_circuits::CircuitError),
}

/// The result of this crate's fallible functions.
pub type Result<T> = std::result::Result<T, ProverError>;

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> ProverError + '_ {
    move |source| ProverError::Io {
        path: path.display().to_string(),
        cause: source,
    }
}
