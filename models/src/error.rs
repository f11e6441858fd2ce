//! Errors of ONNX import, input parsing and calibration. Each names the file, node or value at fault.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ModelError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a valid ONNX model: {msg}")]
    Onnx { path: String, msg: String },
    #[error("node '{node}': unsupported op {op}{detail}")]
    Unsupported {
        node: String,
        op: String,
        detail: String,
    },
    #[error("node '{node}': {msg}")]
    Node { node: String, msg: String },
    #[error("{path}: {msg}")]
    Input { path: String, msg: String },
    #[error("calibration: {0}")]
    Calibration(String),
    #[error(transparent)]
    Circuit(#[from] zkinfer_circuits::CircuitError),
}

pub type Result<T> = std::result::Result<T, ModelError>;
