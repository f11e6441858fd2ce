//! The library's one error type: what went wrong, in one line that names the file, node, layer or flag.

use std::path::Path;
use thiserror::Error;
use zkinfer_circuits::CircuitError;
use zkinfer_models::ModelError;
use zkinfer_prover::ProverError;
use zkinfer_verifier_contract::ContractError;

/// Everything the library can fail with.
#[derive(Debug, Error)]
pub enum Error {
    /// Importing, calibrating or quantizing the model, or reading an input file.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Building or evaluating the circuit.
    #[error(transparent)]
    Circuit(#[from] CircuitError),
    /// The SRS, keys, proving, verifying or a proof file.
    #[error(transparent)]
    Prover(#[from] ProverError),
    /// Contracts, the EVM or a chain.
    #[error(transparent)]
    Contract(#[from] ContractError),
    /// Reading or writing a file.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        cause: std::io::Error,
    },
    /// Encoding JSON.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    /// A request the pipeline refuses, with the reason and, where there is one, the flag that changes it.
    #[error("{0}")]
    Refused(String),
}

impl Error {
    /// An I/O error on `path`, for `map_err`.
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
        move |source| Error::Io {
            path: path.display().to_string(),
            cause: source,
        }
    }
}

/// [`Error::Refused`] with `msg`.
pub fn refused(msg: String) -> Error {
    Error::Refused(msg)
}

/// The library's result.
pub type Result<T> = std::result::Result<T, Error>;
