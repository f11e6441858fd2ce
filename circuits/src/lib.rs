//! # zkinfer-circuits
//!
//! Owns the arithmetic truth of zkinfer: the fixed-point tensor type ([`QTensor`]), the one rounding rule
//! ([`fixed_point`]), the pointwise functions tabulated for smooth activations ([`functions`]), the
//! operators (one per file under [`ops`], each holding all of its op: its real-arithmetic reference and
//! quantization ([`ops::real::RealOp`]), its exact integer `eval` that is the oracle, and its lowering
//! into circuit rows), the halo2 chips that constrain those rows
//! ([`chips`]), and the [`ModelCircuit`] that lays a whole [`QuantizedGraph`] out as a halo2-axiom circuit
//! over BN254.
//!
//! Nothing here knows about ONNX, files or proofs: the `models` crate builds a [`QuantizedGraph`], the
//! `prover` crate turns a [`ModelCircuit`] into keys and proofs.

#![warn(missing_docs)]

pub mod chips;
pub mod circuit;
pub mod cost;
pub mod error;
pub mod estimate;
pub mod fixed_point;
pub mod functions;
pub mod graph;
pub mod guard;
pub mod ops;
pub mod poseidon;
pub mod tensor;
#[cfg(any(test, feature = "test-utils"))]
pub mod testing;

pub use circuit::{CircuitParams, ModelCircuit};
pub use cost::Cost;
pub use error::CircuitError;
pub use estimate::Estimate;
pub use functions::{FnTable, Function};
pub use graph::{GraphTrace, Node, QuantizedGraph};
pub use ops::{Activation, OpKind};
pub use tensor::QTensor;

/// The halo2 crate zkinfer builds on (halo2-axiom), re-exported so downstream crates use the same one.
pub use halo2_proofs;
/// The scalar field of BN254, the field every zkinfer circuit is defined over.
pub use halo2_proofs::halo2curves::bn256::Fr;
