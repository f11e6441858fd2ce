//! Errors of setup, keygen, proving, verification and artifact I/O. Each names the file or check at fault.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ProverError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {msg}")]
    Corrupt { path: String, msg: String },
    #[error("{0}")]
    Mismatch(String),
    #[error("keygen failed: {0}")]
    Keygen(String),
    #[error("proving failed: {0}")]
    Prove(String),
    #[error("proof rejected: {0}")]
    Rejected(String),
    #[error("unsupported machine: {0}")]
    Unsupported(String),
    #[error(transparent)]
    Circuit(#[from] zkinfer_circuits::CircuitError),
}

pub type Result<T> = std::result::Result<T, ProverError>;

pub(crate) fn io_err(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> ProverError + '_ {
    move |source| ProverError::Io {
        path: path.display().to_string(),
        source,
    }
}
