//! Errors raised while evaluating, sizing or laying out a quantized graph.

use thiserror::Error;

/// Everything that can go wrong inside the circuits crate. Messages name the layer (node) at fault.
#[derive(Debug, Error)]
pub enum CircuitError {
    #[error("layer '{layer}': {msg}")]
    Shape { layer: String, msg: String },
    #[error(
        "layer '{layer}': value {value} (= {real:.4} at scale 2^{scale}) is outside the calibrated range \
         [-{bound}, {bound}); recalibrate with inputs like this one (--calibration) or lower the scale"
    )]
    OutOfRange {
        layer: String,
        value: i64,
        real: f64,
        scale: u32,
        bound: i64,
    },
    #[error(
        "layer '{layer}': {function} input {value} (= {real:.4}) is outside its calibrated table \
         [{lo}, {hi}); recalibrate with inputs like this one (--calibration)"
    )]
    OutOfTable {
        layer: String,
        function: &'static str,
        value: i64,
        real: f64,
        lo: i64,
        hi: i64,
    },
    #[error("layer '{layer}': integer overflow while evaluating")]
    Overflow { layer: String },
    #[error("graph: {0}")]
    Graph(String),
    #[error("circuit needs {needed} rows but k={k} gives only {usable} usable rows")]
    TooManyRows {
        needed: usize,
        k: u32,
        usable: usize,
    },
    #[error("halo2 synthesis failed: {0}")]
    Synthesis(String),
}

pub type Result<T> = std::result::Result<T, CircuitError>;
