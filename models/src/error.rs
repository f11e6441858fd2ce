//! Errors of ONNX import, input parsing and calibration. Each names the file, node or value at fault.

use thiserror::Error;

/// Why importing a model, reading its inputs or calibrating it failed.
#[derive(Debug, Error)]
pub enum ModelError {
    /// A file or directory (ONNX model, input, settings, labelled set, node tests) could not be read.
    #[error("{path}: {cause}")]
    Io {
        /// The file or directory, as given.
        path: String,
        /// The underlying I/O error.
        cause: std::io::Error,
    },
    /// tract could not parse, type or declutter the model, or panicked on it.
    #[error("{path}: not a valid ONNX model: {msg}")]
    Onnx {
        /// The ONNX file's path, or the label of bytes loaded from memory.
        path: String,
        /// tract's error, on one line.
        msg: String,
    },
    /// A node's op, or the variant of it the model uses, is not one zkinfer can prove.
    #[error("node '{node}': unsupported op {op}{detail}")]
    Unsupported {
        /// The node's name.
        node: String,
        /// The op's name as tract reports it (or the ONNX op type tract does not know).
        op: String,
        /// What is unsupported, starting with its separator (`": ..."` or `" (...)"`), or empty.
        detail: String,
    },
    /// A node of a supported op could not be imported (e.g. an operand's shape differs from tract's).
    #[error("node '{node}': {msg}")]
    Node {
        /// The node's name.
        node: String,
        /// What is wrong with it.
        msg: String,
    },
    /// An input, calibration, settings or labelled-set file is malformed (bad JSON, a non-finite value,
    /// a list of the wrong size, a bad salt, settings calibration could not have chosen).
    #[error("{path}: {msg}")]
    Input {
        /// The file's path, or the label of bytes parsed from memory.
        path: String,
        /// What is wrong with it.
        msg: String,
    },
    /// Evaluating or calibrating the float graph failed: no samples, a missing input, a non-finite
    /// value, an unsupported scale, or values needing more range bits than allowed at every scale.
    #[error("calibration: {0}")]
    Calibration(String),
    /// The accuracy guard refused the settings: a layer's integer output is too far from the float
    /// model's (see `accuracy`).
    #[error("layer '{layer}': {msg}")]
    Inaccurate {
        /// The layer's node name.
        layer: String,
        /// The op, the error against the layer's peak, the scale and what may fix it.
        msg: String,
    },
    /// An error of the quantized graph (shapes, an evaluation out of range, the circuit's cost).
    #[error(transparent)]
    Circuit(#[from] zkinfer_circuits::CircuitError),
}

/// The result of this crate's fallible functions.
pub type Result<T> = std::result::Result<T, ModelError>;
