//! # zkinfer-prover
//!
//! Owns everything between a [`zkinfer_circuits::ModelCircuit`] and a checked proof:
//! - `srs`: the KZG structured reference string: local development setup (insecure: whoever ran it can
//!   forge proofs; made fast by `dev_setup`), cached once per `k`;
//! - `commit`: the KZG commitment keygen and proving use, halo2's own with small signed values
//!   committed in few MSM windows (same points, so keys and proofs are unchanged);
//! - `cpu`: the check that this CPU can run the build's assembly field arithmetic;
//! - `pool`: halo2's keygen, prover and verifier run on a rayon worker (their parallel loops then
//!   start in place instead of handing each job to the pool and back);
//! - `msm`: multi-scalar multiplication with cheaper bucket arithmetic than halo2curves', used by
//!   every commitment `commit` makes;
//! - `keys`: keygen and the key cache, keyed by the circuit's hash; keys and the verifier's SRS points
//!   are written atomically in checksummed, versioned files ([`container`]);
//! - [`proof`](crate::proof): proving (GWC multi-open, Keccak EVM transcript, so the same bytes verify natively and on chain)
//!   and native verification;
//! - `engine`: zkinfer's own proving loop (halo2's protocol after phase 1 with our FFTs, quotient
//!   evaluation and openings), what `proof::prove` runs unless `ZKINFER_PROVING_LOOP=halo2`;
//! - `artifact`: the versioned, self-describing `proof.json`.
//!
//! The prover never sees ONNX: it gets a quantized graph and circuit parameters.

#![warn(missing_docs)]

pub mod artifact;
pub mod cache;
pub mod commit;
pub mod container;
pub mod cpu;
pub mod dev_setup;
pub mod engine;
pub mod error;
pub mod keys;
pub mod msm;
pub mod pk_file;
pub mod pool;
pub mod proof;
pub mod ptau;
pub mod srs;

pub use artifact::ProofArtifact;
pub use error::ProverError;
pub use keys::{circuit_hash, KeyStore, VerifierKey};
pub use srs::{Srs, SrsKind};

/// The curve types every zkinfer proof uses.
pub use zkinfer_circuits::estimate::EIP170_LIMIT;
pub use zkinfer_circuits::halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine};
