//! `zkinfer verify proof.json [--vk vk.bin | --model model.onnx]`
//!
//! What is trusted comes from the verifier's side, never from the proof file's own claims: with
//! `--model` the verifying key is recomputed from the model (its settings, the trusted SRS); otherwise
//! the key file (`--vk`, or the cache) is accepted only if its `[τ]_2` is that of an SRS this machine
//! knows (an imported ceremony, `--srs FILE`, or, with `--insecure-dev-srs`, a development one), and
//! the insecure-SRS warning is read from the key, not from the proof.

use crate::pipeline::{load_srs, prepare, Calibration, SettingsArgs};
use crate::ui::{fmt_values, Reporter};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use zkinfer::verifying::{verify, KeyOrigin, KeySrs, TrustedKey};
use zkinfer_prover::ProofArtifact;

#[derive(clap::Args)]
pub struct Args {
    /// The proof file written by `zkinfer prove`.
    proof: PathBuf,
    /// The verifying key (default: the cached key of the proof's circuit); its SRS must be one this
    /// machine knows.
    #[arg(long, conflicts_with = "model")]
    vk: Option<PathBuf>,
    /// Verify against this model: recompute its verifying key with the settings below (default: the
    /// ones cached for it) and the trusted SRS, instead of trusting any key file.
    #[arg(long)]
    model: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingsArgs,
}

/// The verifying key recomputed from `model` with the trusted SRS.
fn model_key(model: &Path, settings: &SettingsArgs, t: &Reporter) -> Result<TrustedKey> {
    let mut overrides = settings.overrides();
    overrides.measure_only = true;
    let prep = prepare(
        settings.load_model(model)?,
        settings.calibration(Calibration::CachedOnly),
        overrides,
    )?;
    let srs = load_srs(&prep)?;
    Ok(t.phase("recompute key", || TrustedKey::from_model(&prep, &srs))?)
}

pub fn run(args: Args) -> Result<()> {
    let t = Reporter::new();
    let artifact = ProofArtifact::read(&args.proof)?;
    let key = match &args.model {
        Some(model) => model_key(model, &args.settings, &t)?,
        None => {
            let policy = args.settings.overrides().srs_policy();
            TrustedKey::for_proof(&artifact, args.vk.as_deref(), &policy)?
        }
    };
    let v = t
        .phase("verify", || verify(&artifact, &key))
        .with_context(|| args.proof.display().to_string())?;
    let from = match &key.origin {
        KeyOrigin::Model(_) => "the model",
        KeyOrigin::File(_) | KeyOrigin::Pinned => {
            "a key file: it is the circuit, compare its hash with the model's or use --model"
        }
    };
    println!(
        "verified: {} (k={}, {} public instances, {} proof bytes, key {} from {from})",
        args.proof.display(),
        v.k,
        v.instances,
        v.proof_bytes,
        &v.key_hash[..16],
    );
    for o in &artifact.outputs {
        println!("output    {:?} {}", o.shape, fmt_values(&o.values));
    }
    match key.srs {
        KeySrs::Known(kind) if key.srs.insecure() => {
            eprintln!("warning: the verifying key's SRS: {kind}")
        }
        KeySrs::Unknown => eprintln!(
            "warning: the verifying key's SRS is none this machine knows; accepted as INSECURE \
             (--insecure-dev-srs)"
        ),
        KeySrs::Known(_) => {}
    }
    t.print();
    Ok(())
}
