//! `zkinfer verify-evm proof.json [--verifier Verifier.sol]`: compile, deploy in revm, call.

use crate::pipeline::verifier_key_for;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use zkinfer_prover::ProofArtifact;
use zkinfer_verifier_contract::{
    compile, encode_calldata, verifier_solidity, InProcessEvm, EIP170_LIMIT,
};

#[derive(clap::Args)]
pub struct Args {
    /// The proof file written by `zkinfer prove`.
    proof: PathBuf,
    /// The verifying key (default: the cached key of the proof's circuit).
    #[arg(long)]
    vk: Option<PathBuf>,
    /// A Solidity verifier to use instead of generating one from the verifying key.
    #[arg(long)]
    verifier: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let artifact = ProofArtifact::read(&args.proof)?;
    artifact
        .check_outputs_match_instances()
        .with_context(|| args.proof.display().to_string())?;
    let source = match &args.verifier {
        Some(path) => std::fs::read_to_string(path).with_context(|| path.display().to_string())?,
        None => {
            let key = verifier_key_for(&artifact, args.vk.as_deref())?;
            verifier_solidity(&key.params, &key.vk, key.header.num_instances)
        }
    };
    let compiled = compile("Verifier.sol", &source, "Halo2Verifier", false)?;
    let mut evm = InProcessEvm::new();
    let (address, deploy_gas) = evm.deploy(compiled.creation.clone())?;
    let calldata = encode_calldata(&artifact.instances()?, &artifact.proof_bytes()?);
    let outcome = evm.call(address, calldata)?;
    let size = compiled.runtime.len();
    println!(
        "verifier runtime bytecode {size} bytes ({} EIP-170's {EIP170_LIMIT}), deploy gas {deploy_gas}",
        if size <= EIP170_LIMIT { "within" } else { "EXCEEDS" }
    );
    if !outcome.success {
        bail!(
            "{}: proof REJECTED by the EVM verifier (reverted, gas used {})",
            args.proof.display(),
            outcome.gas_used
        );
    }
    println!("evm verify: PASS, gas used {}", outcome.gas_used);
    Ok(())
}
