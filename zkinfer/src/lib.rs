//! # zkinfer
//!
//! The library the `zkinfer` CLI, its market worker, the benches and the robustness targets call (the
//! CLI parses arguments and prints; everything else is here). It owns the pipeline from an ONNX file to keys: loading a model, choosing its settings (calibration
//! samples, a settings file, the settings cached for the model, or the input itself), quantizing it,
//! building its circuit and sizing it, the SRS policy (an imported ceremony or `--srs`; a local
//! development SRS only when allowed), the key cache, the memory check, and reading proofs and their
//! verifying keys back, and a [`Prover`] that holds a model's SRS and keys loaded once and proves many
//! inputs (witness, proof, self-check, `proof.json`). It prints nothing and returns typed errors
//! ([`Error`]).
//!
//! Verification is against a key the verifier trusts ([`TrustedKey`]: recomputed from the model, or
//! a key file whose SRS this machine knows), never only against the proof's own claims. [`evm`]
//! exports the model's EVM verifier (zkinfer's shared verifier ships compiled with this crate: no
//! node or solc at run time) and verifies in an in-process EVM; [`inspect`] predicts a circuit's
//! cost before keygen and [`bench`] measures it; long steps report through [`Progress`]. [`market`]
//! is the requester's side of `InferenceMarket` (deploy, post, refund, read jobs) and [`worker`] the
//! prover node that serves its jobs, reporting each job's fate as a [`worker::Event`].
//!
//! Prove one inference of a bundled model and check the proof (a local development SRS, allowed
//! explicitly: it is insecure, whoever made it can forge proofs):
//!
//! ```
//! use zkinfer::{load_model, prepare, verify, Calibration, EvmVerifier, Overrides, Prover, TrustedKey};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let cache = tempfile::tempdir()?;
//! # std::env::set_var("ZKINFER_CACHE", cache.path());
//! let zoo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/zoo/tiny_linear");
//! let model = load_model(&zoo.join("network.onnx"))?;
//! let input = zkinfer_models::read_input_file(&zoo.join("input.json"))?
//!     .for_model(&model.graph)?;
//! let overrides = Overrides { insecure_dev_srs: true, ..Overrides::default() };
//! let prep = prepare(model, Calibration::Input(&input), overrides)?;
//! let srs = prep.srs()?;
//! let prover = Prover::load(prep, srs)?; // keys generated once, then cached
//! let proof = prover.prove_input(&input, None, zkinfer_circuits::Fr::from(0))?;
//! assert_eq!(proof.outputs[0].shape, vec![1, 4]);
//!
//! // The verifier's side: a key it trusts (here recomputed from the model), never the proof's claim.
//! let key = TrustedKey::from_model(&prover.prep, &prover.srs)?;
//! let verified = verify(&proof, &key)?;
//! assert_eq!(verified.instances, 4 + 1); // the outputs, then the binding word
//! let mut rebound = proof.clone();
//! *rebound.instances.last_mut().unwrap() = format!("0x{:064x}", 1); // another binding word
//! assert!(verify(&rebound, &key).is_err());
//!
//! // The same proof in an in-process EVM, with zkinfer's shipped verifier and the model's key contract.
//! let evm = EvmVerifier::of(&prover.vk)?.verify(&proof.instances()?, &proof.proof_bytes()?)?;
//! assert!(evm.accepted && evm.gas_used > 0);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod bench;
pub mod commitment;
pub mod error;
pub mod evm;
pub mod inspect;
pub mod market;
pub mod onchain;
pub mod pipeline;
pub mod progress;
pub mod proving;
pub mod verifying;
pub mod worker;

pub use error::{Error, Result};
pub use evm::EvmVerifier;
pub use inspect::Inspection;
pub use pipeline::{load_model, prepare, Calibration, Overrides, Prepared};
pub use progress::{Phase, Progress, Silent};
pub use proving::{Prover, Witness};
pub use verifying::{verify, SrsPolicy, TrustedKey, Verified};
