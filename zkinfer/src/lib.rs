//! # zkinfer
//!
//! The library the `zkinfer` CLI (and, as they move over, the worker, benches and bindings) calls. It
//! owns the pipeline from an ONNX file to keys: loading a model, choosing its settings (calibration
//! samples, a settings file, the settings cached for the model, or the input itself), quantizing it,
//! building its circuit and sizing it, the SRS policy (an imported ceremony or `--srs`; a local
//! development SRS only when allowed), the key cache, the memory check, and reading proofs and their
//! verifying keys back, and a [`Prover`] that holds a model's SRS and keys loaded once and proves many
//! inputs (witness, proof, self-check, `proof.json`). It prints nothing and returns typed errors
//! ([`Error`]).
//!
//! Still in the CLI, to move here: verification against a trusted key, the EVM export, inspect and
//! estimate, and progress reporting.
//!
//! Prove one inference of a bundled model and check the proof (a local development SRS, allowed
//! explicitly: it is insecure, whoever made it can forge proofs):
//!
//! ```
//! use zkinfer::{load_model, prepare, Calibration, Overrides, Prover};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let cache = tempfile::tempdir()?;
//! # std::env::set_var("ZKINFER_CACHE", cache.path());
//! let zoo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/zoo/tiny_linear");
//! let model = load_model(&zoo.join("network.onnx"))?;
//! let input = zkinfer_models::read_input_file(&zoo.join("input.json"))?
//!     .single(&model.graph.input_sizes())?;
//! let overrides = Overrides { insecure_dev_srs: true, ..Overrides::default() };
//! let prep = prepare(model, Calibration::Input(&input), overrides)?;
//! let srs = prep.srs()?;
//! let prover = Prover::load(prep, srs)?; // keys generated once, then cached
//! let proof = prover.prove_input(&input, None, zkinfer_circuits::Fr::from(0))?;
//! assert_eq!(proof.outputs[0].shape, vec![1, 4]);
//! let (instances, bytes) = (proof.instances()?, proof.proof_bytes()?);
//! prover.check(&instances, &bytes)?; // against the model's own verifying key
//! let mut rebound = instances.clone();
//! *rebound.last_mut().unwrap() = zkinfer_circuits::Fr::from(1); // another binding word
//! assert!(prover.check(&rebound, &bytes).is_err());
//! # Ok(())
//! # }
//! ```

pub mod error;
pub mod pipeline;
pub mod proving;

pub use error::{Error, Result};
pub use pipeline::{load_model, prepare, Calibration, Overrides, Prepared};
pub use proving::{Prover, Witness};
