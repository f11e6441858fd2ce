//! The library's one error type: what went wrong, in one line that names the file, node, layer or flag.

use std::path::Path;
use thiserror::Error;
use zkinfer_circuits::CircuitError;
use zkinfer_models::ModelError;
use zkinfer_prover::ProverError;
use zkinfer_verifier_contract::ContractError;

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Circuit(#[from] CircuitError),
    #[error(transparent)]
    Prover(#[from] ProverError),
    #[error(transparent)]
    Contract(#[from] ContractError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
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
            source,
        }
    }
}

/// [`Error::Refused`] with `msg`.
pub fn refused(msg: String) -> Error {
    Error::Refused(msg)
}

pub type Result<T> = std::result::Result<T, Error>;
