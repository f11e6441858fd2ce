//! `zkinfer verify-evm proof.json`: deploy zkinfer's verifier and the model's verifying-key contract
//! in an in-process EVM (revm) and verify the proof there; `--legacy` uses snark-verifier's
//! per-circuit Solidity verifier instead (or `--verifier FILE.sol`); `--exported DIR` deploys what
//! `export-verifier` wrote.

use crate::pipeline::{read_proof_calldata, verifier_key_for};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use zkinfer::evm::{legacy_solidity, verify_legacy, EvmVerifier, EIP170_LIMIT};

#[derive(clap::Args)]
pub struct Args {
    /// The proof file written by `zkinfer prove`.
    proof: PathBuf,
    /// The verifying key (default: the cached key of the proof's circuit).
    #[arg(long)]
    vk: Option<PathBuf>,
    /// Use snark-verifier's per-circuit Solidity verifier instead of zkinfer's shared one.
    #[arg(long)]
    legacy: bool,
    /// A snark-verifier Solidity verifier (`export-verifier --legacy`) to use (implies --legacy).
    #[arg(long)]
    verifier: Option<PathBuf>,
    /// A folder written by `export-verifier`: deploy its ZkinferVerifier.sol and vk.json.
    #[arg(long, conflicts_with_all = ["legacy", "verifier", "vk"])]
    exported: Option<PathBuf>,
}

fn within(size: usize) -> &'static str {
    if size <= EIP170_LIMIT {
        "within"
    } else {
        "EXCEEDS"
    }
}

pub fn run(args: Args) -> Result<()> {
    let (artifact, _) = read_proof_calldata(&args.proof)?;
    let (instances, proof) = (artifact.instances()?, artifact.proof_bytes()?);
    let legacy = args.legacy || args.verifier.is_some();
    let run = if legacy {
        let source = match &args.verifier {
            Some(path) => {
                std::fs::read_to_string(path).with_context(|| path.display().to_string())?
            }
            None => legacy_solidity(&verifier_key_for(&artifact, args.vk.as_deref())?),
        };
        let run = verify_legacy(&source, &instances, &proof)?;
        println!(
            "snark-verifier verifier: runtime {} bytes ({} EIP-170's {EIP170_LIMIT}), deploy gas {}",
            run.verifier_bytes,
            within(run.verifier_bytes),
            run.verifier_deploy_gas
        );
        run
    } else {
        let verifier = match &args.exported {
            Some(dir) => EvmVerifier::read(dir)?,
            None => EvmVerifier::of(&verifier_key_for(&artifact, args.vk.as_deref())?)?,
        };
        let run = verifier.verify(&instances, &proof)?;
        println!(
            "shared verifier: runtime {} bytes ({} EIP-170), deploy gas {}",
            run.verifier_bytes,
            within(run.verifier_bytes),
            run.verifier_deploy_gas
        );
        println!(
            "verifying-key contract: runtime {} bytes ({} EIP-170), deploy gas {}",
            run.vk_contract_bytes,
            within(run.vk_contract_bytes),
            run.vk_contract_deploy_gas
        );
        run
    };
    if !run.accepted {
        bail!(
            "{}: proof REJECTED by the EVM verifier (reverted, gas used {})",
            args.proof.display(),
            run.gas_used
        );
    }
    println!("evm verify: PASS, gas used {}", run.gas_used);
    println!("gas profile (metered precompile calls):\n{}", run.profile);
    Ok(())
}
