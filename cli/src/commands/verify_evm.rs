//! `zkinfer verify-evm proof.json`: deploy zkinfer's verifier and the model's verifying-key contract
//! in an in-process EVM (revm) and verify the proof there; `--legacy` uses snark-verifier's
//! per-circuit Solidity verifier instead (or `--verifier FILE.sol`); `--exported DIR` deploys what
//! `export-verifier` wrote.

use crate::pipeline::{read_proof_calldata, verifier_key_for};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use zkinfer_verifier_contract::reusable::{
    deploy, verifier_data, InstanceLayout, VkFile, VERIFIER_CONTRACT,
};
use zkinfer_verifier_contract::{compile, verifier_solidity, InProcessEvm, EIP170_LIMIT};

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
    let (artifact, calldata) = read_proof_calldata(&args.proof)?;
    let mut evm = InProcessEvm::new();
    let legacy = args.legacy || args.verifier.is_some();
    let (outcome, profile) = if legacy {
        let source = match &args.verifier {
            Some(path) => {
                std::fs::read_to_string(path).with_context(|| path.display().to_string())?
            }
            None => {
                let key = verifier_key_for(&artifact, args.vk.as_deref())?;
                verifier_solidity(&key.params, &key.vk, key.header.num_instances)
            }
        };
        let compiled = compile("Verifier.sol", &source, "Halo2Verifier", false)?;
        let (address, deploy_gas) = evm.deploy(compiled.creation.clone())?;
        let size = compiled.runtime.len();
        println!(
            "snark-verifier verifier: runtime {size} bytes ({} EIP-170's {EIP170_LIMIT}), deploy gas {deploy_gas}",
            within(size)
        );
        evm.call_profiled(address, calldata)?
    } else {
        let (data, verifier) = match &args.exported {
            Some(dir) => {
                let vk = dir.join("vk.json");
                let data = VkFile::read(&vk)?.verifier_data(&vk)?;
                let sol = dir.join("ZkinferVerifier.sol");
                let source =
                    std::fs::read_to_string(&sol).with_context(|| sol.display().to_string())?;
                let verifier = compile("ZkinferVerifier.sol", &source, VERIFIER_CONTRACT, true)
                    .with_context(|| sol.display().to_string())?;
                (data, verifier)
            }
            None => {
                let key = verifier_key_for(&artifact, args.vk.as_deref())?;
                let data = verifier_data(&key.params, &key.vk, InstanceLayout::of(&key.header))?;
                (data, deploy::verifier_code()?)
            }
        };
        let d = deploy::deploy(&mut evm, &verifier, &data)?;
        println!(
            "shared verifier: runtime {} bytes ({} EIP-170), deploy gas {}",
            d.verifier_bytes,
            within(d.verifier_bytes),
            d.verifier_gas
        );
        println!(
            "verifying-key contract: runtime {} bytes ({} EIP-170), deploy gas {}",
            d.vk_bytes,
            within(d.vk_bytes),
            d.vk_gas
        );
        evm.call_profiled(d.vk, calldata)?
    };
    // snark-verifier's verifier returns nothing on success; zkinfer's must return the word 1.
    let accepted = match legacy {
        true => outcome.success,
        false => zkinfer_verifier_contract::reusable::accepted(outcome.success, &outcome.output),
    };
    if !accepted {
        bail!(
            "{}: proof REJECTED by the EVM verifier (reverted, gas used {})",
            args.proof.display(),
            outcome.gas_used
        );
    }
    println!("evm verify: PASS, gas used {}", outcome.gas_used);
    println!("gas profile (metered precompile calls):\n{profile}");
    Ok(())
}
