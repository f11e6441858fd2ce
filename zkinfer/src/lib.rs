//! # zkinfer
//!
//! The library the `zkinfer` CLI (and, as they move over, the worker, benches and bindings) calls. It
//! owns the pipeline from an ONNX file to keys: loading a model, choosing its settings (calibration
//! samples, a settings file, the settings cached for the model, or the input itself), quantizing it,
//! building its circuit and sizing it, the SRS policy (an imported ceremony or `--srs`; a local
//! development SRS only when allowed), the key cache, the memory check, and reading proofs and their
//! verifying keys back. It prints nothing and returns typed errors ([`Error`]).
//!
//! Still in the CLI, to move here: proving and building the proof artifact, verification against a
//! trusted key, the EVM export, inspect and estimate, and progress reporting.

pub mod error;
pub mod pipeline;

pub use error::{Error, Result};
pub use pipeline::{load_model, prepare, Calibration, Overrides, Prepared};
