//! `zkinfer verify proof.json [--vk vk.bin]`

use crate::pipeline::verifier_key_for;
use crate::ui::{fmt_values, Timings};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use zkinfer_prover::proof::verify;
use zkinfer_prover::ProofArtifact;

#[derive(clap::Args)]
pub struct Args {
    /// The proof file written by `zkinfer prove`.
    proof: PathBuf,
    /// The verifying key (default: the cached key of the proof's circuit).
    #[arg(long)]
    vk: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let artifact = ProofArtifact::read(&args.proof)?;
    artifact
        .check_outputs_match_instances()
        .with_context(|| args.proof.display().to_string())?;
    let key = verifier_key_for(&artifact, args.vk.as_deref())?;
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
        "verified: {} (k={}, {} public instances, {} proof bytes)",
        args.proof.display(),
        key.header.k,
        instances.len(),
        proof.len()
    );
    for o in &artifact.outputs {
        println!("output    {:?} {}", o.shape, fmt_values(&o.values));
    }
    if matches!(artifact.srs.kind, zkinfer_prover::SrsKind::LocalDev) {
        eprintln!("warning: proven with a {}", artifact.srs.kind);
    }
    t.print();
    Ok(())
}
