//! Hostile-input entry points: one function per file format zkinfer reads from other people (ONNX
//! models, `input.json`, settings, `proof.json`, verifying and proving keys, SRS and `.ptau` files, `vk.json`,
//! and what a node returns for the market). Each takes arbitrary bytes and must return, never panic
//! or abort; an error is one line.
//!
//! This crate owns those entry points and their seed inputs. They are shared by the cargo-fuzz
//! targets in `fuzz/` (run by `scripts/fuzz.sh`, nightly, not in CI) and by this crate's tests
//! (stable, in CI), which replay every committed crash input under `regressions/<target>/` and a
//! fixed set of mutations of every seed.

mod seeds;
mod targets;

pub use seeds::seeds;
pub use targets::*;

/// What a target returns: `Err` holds the error as the user would see it (one line).
pub type Outcome = Result<(), String>;

/// The name under which a target's input appears in errors.
pub const LABEL: &str = "hostile-input";

/// A target: arbitrary bytes in, [`Outcome`] out.
pub type Target = fn(&[u8]) -> Outcome;

/// Every target, by name (the name of its cargo-fuzz target and of its folders).
pub const TARGETS: &[(&str, Target)] = &[
    ("onnx", onnx),
    ("input_json", input_json),
    ("settings", settings),
    ("proof_json", proof_json),
    ("vk_file", vk_file),
    ("pk_file", pk_file),
    ("srs_file", srs_file),
    ("ptau", ptau),
    ("vk_json", vk_json),
    ("chain_data", chain_data),
];
