//! `zkinfer verify proof.json [--vk vk.bin | --model model.onnx]`
//!
//! What is trusted comes from the verifier's side, never from the proof file's own claims: with
//! `--model` the verifying key is recomputed from the model (its settings, the trusted SRS); otherwise
//! the key file (`--vk`, or the cache) is accepted only if its `[τ]_2` is that of an SRS this machine
//! knows (an imported ceremony, `--srs FILE`, or, with `--insecure-dev-srs`, a development one), and
//! the insecure-SRS warning is read from the key, not from the proof.

use crate::pipeline::{load_model, load_srs, prepare, verifier_key_for, Calibration, SettingsArgs};
use crate::ui::{fmt_values, Timings};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use zkinfer_prover::keys::recompute_vk;
use zkinfer_prover::proof::verify;
use zkinfer_prover::srs::kind_of_tau_g2;
use zkinfer_prover::{ProofArtifact, SrsKind, VerifierKey};

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

/// The verifying key recomputed from `model`, and the kind of SRS it was made with.
fn model_key(
    artifact: &ProofArtifact,
    proof: &Path,
    model: &Path,
    settings: &SettingsArgs,
) -> Result<(VerifierKey, SrsKind)> {
    let mut overrides = settings.overrides();
    overrides.measure_only = true;
    let prep = prepare(
        load_model(model)?,
        settings.calibration(Calibration::CachedOnly),
        overrides,
    )?;
    if prep.circuit_hash != artifact.circuit_hash {
        bail!(
            "{}: proven for circuit {}, but {} with these settings is circuit {} (pass the prover's \
             --settings or --calibration and its input visibility; the proof claims public_input={}, \
             hashed_input={})",
            proof.display(),
            &artifact.circuit_hash[..16],
            model.display(),
            &prep.circuit_hash[..16],
            artifact.public_input,
            artifact.circuit_params.hashed_input
        );
    }
    let srs = load_srs(&prep)?;
    let key = recompute_vk(&srs, &prep.circuit, &prep.key_header(&srs)?)?;
    if key.hash != artifact.vk_hash {
        bail!(
            "{}: the proof names verifying key {}, {} gives {} with the trusted SRS: the prover used \
             another SRS",
            proof.display(),
            &artifact.vk_hash[..16],
            model.display(),
            &key.hash[..16]
        );
    }
    Ok((key, srs.kind))
}

/// The kind of SRS a key file was made with, from the key's own `[τ]_2`; refuses unknown and (without
/// `--insecure-dev-srs`) development SRSs.
fn key_srs(key: &VerifierKey, settings: &SettingsArgs) -> Result<SrsKind> {
    let tau = key.params.s_g2();
    let insecure = settings.insecure_dev_srs;
    match kind_of_tau_g2(&tau, settings.srs.as_deref())? {
        Some(kind @ SrsKind::Ceremony { .. }) => Ok(kind),
        Some(SrsKind::LocalDev) if insecure => Ok(SrsKind::LocalDev),
        Some(SrsKind::LocalDev) => bail!(
            "the verifying key was made with this machine's local development SRS (INSECURE: whoever \
             made it can forge proofs): pass --insecure-dev-srs to accept it"
        ),
        None if insecure => {
            eprintln!(
                "warning: the verifying key's SRS is none this machine knows; accepted as INSECURE \
                 (--insecure-dev-srs)"
            );
            Ok(SrsKind::LocalDev)
        }
        None => bail!(
            "the verifying key's SRS is none this machine knows (its [tau]_2 matches no imported \
             ceremony): import the prover's ceremony (`zkinfer srs import FILE.ptau`), pass --srs FILE, \
             or verify against the model with --model"
        ),
    }
}

pub fn run(args: Args) -> Result<()> {
    let artifact = ProofArtifact::read(&args.proof)?;
    artifact
        .check_outputs_match_instances()
        .with_context(|| args.proof.display().to_string())?;
    let (key, kind) = match &args.model {
        Some(model) => model_key(&artifact, &args.proof, model, &args.settings)?,
        None => {
            let key = verifier_key_for(&artifact, args.vk.as_deref())?;
            let kind = key_srs(&key, &args.settings)?;
            (key, kind)
        }
    };
    let instances = artifact.instances()?;
    if instances.len() != key.header.num_instances {
        bail!(
            "{}: {} public instances, the circuit has {}",
            args.proof.display(),
            instances.len(),
            key.header.num_instances
        );
    }
    let proof = artifact.proof_bytes()?;
    let mut t = Timings::default();
    t.phase("verify", || {
        verify(&key.params, &key.vk, &instances, &proof)
    })
    .with_context(|| args.proof.display().to_string())?;
    println!(
        "verified: {} (k={}, {} public instances, {} proof bytes, key {} from {})",
        args.proof.display(),
        key.header.k,
        instances.len(),
        proof.len(),
        &key.hash[..16],
        if args.model.is_some() {
            "the model"
        } else {
            "a key file: it is the circuit, compare its hash with the model's or use --model"
        }
    );
    for o in &artifact.outputs {
        println!("output    {:?} {}", o.shape, fmt_values(&o.values));
    }
    if kind == SrsKind::LocalDev {
        eprintln!("warning: the verifying key's SRS: {kind}");
    }
    t.print();
    Ok(())
}
