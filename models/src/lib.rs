//! # zkinfer-models
//!
//! Owns everything between an ONNX file and a [`zkinfer_circuits::QuantizedGraph`]:
//! - `import`: loading ONNX with tract (tract stays inside this crate), decluttering, and translating the
//!   typed graph into a [`FloatGraph`] through a per-op-family importer registry (`import/*.rs`);
//! - [`FloatGraph`]: the model in real arithmetic, a graph of the circuit's own op structs with real
//!   constants ([`FloatOp`] = `OpKind<f64>`); each op's float reference and quantization live with the
//!   op in `zkinfer_circuits::ops`, so this crate only imports, calibrates and runs them;
//! - `settings`: choosing the fixed-point scale and the range of the lookup table from calibration
//!   samples, and quantizing the float graph;
//! - `conformance`: running the ONNX backend node tests (from the `onnx` Python package) against zkinfer;
//! - `input`: EZKL-format `input.json` / calibration files;
//! - `zoo/`: small example models with inputs and the script that regenerates them.

#![warn(missing_docs)]

pub mod accuracy;
pub mod conformance;
pub mod error;
pub mod float_graph;
pub mod import;
pub mod input;
pub mod report;
pub mod search;
pub mod settings;
pub mod supported;

pub use error::ModelError;
pub use float_graph::{FloatGraph, FloatNode, FloatOp};
pub use import::dims::{DimSource, Dims, ResolvedDim};
pub use import::{load_onnx, load_onnx_bytes, load_onnx_bytes_with, load_onnx_with, OnnxModel};
pub use input::{parse_input, read_input_file, InputData};
pub use settings::{Calibration, Settings, SettingsChoice, StoredSettings};
