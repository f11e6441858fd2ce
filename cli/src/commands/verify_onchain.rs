//! `zkinfer verify-onchain proof.json --rpc URL --verifier ADDR [--private-key KEY]`: verify a proof
//! with a model's deployed verifying-key contract: `eth_call` first (free, says accept or reject),
//! then, with a key, a transaction (prints its hash and gas).
//!
//! The address is checked first: its code must be exactly the verifying-key contract of the proof's
//! circuit (the cached key, or `--vk`) forwarding to zkinfer's `ZkinferVerifier`; any contract can
//! answer "1", so an answer alone proves nothing.

use crate::pipeline::{read_proof_calldata, verifier_key_for};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use zkinfer::EvmVerifier;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::Address;

#[derive(clap::Args)]
pub struct Args {
    /// The proof file written by `zkinfer prove`.
    proof: PathBuf,
    /// JSON-RPC endpoint of the node (http or https).
    #[arg(long)]
    rpc: String,
    /// The model's address (its verifying-key contract, as `zkinfer deploy` printed it).
    #[arg(long)]
    verifier: Address,
    /// Hex private key to send the verification as a transaction (default: $ZKINFER_PRIVATE_KEY);
    /// without one only the eth_call runs.
    #[arg(long, env = "ZKINFER_PRIVATE_KEY", hide_env_values = true)]
    private_key: Option<String>,
    /// Only eth_call, even with a key.
    #[arg(long)]
    call_only: bool,
    /// The verifying key the contract must hold (default: the cached key of the proof's circuit).
    #[arg(long)]
    vk: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let (artifact, _) = read_proof_calldata(&args.proof)?;
    let (instances, proof) = (artifact.instances()?, artifact.proof_bytes()?);
    let evm = EvmVerifier::of(&verifier_key_for(&artifact, args.vk.as_deref())?)?;
    let chain =
        Chain::connect(&args.rpc, args.private_key.as_deref()).with_context(|| args.rpc.clone())?;
    let accepted = evm
        .accepts_on(&chain, args.verifier, &instances, &proof)
        .with_context(|| format!("--verifier on {}", args.rpc))?;
    if !accepted {
        bail!(
            "{}: proof REJECTED by the on-chain verifier {} (eth_call reverted)",
            args.proof.display(),
            args.verifier
        );
    }
    println!(
        "eth_call: PASS (verifier {} accepts the proof)",
        args.verifier
    );
    if args.call_only || chain.address().is_none() {
        return Ok(());
    }
    let receipt = evm.verify_on(&chain, args.verifier, &instances, &proof)?;
    if !receipt.success {
        bail!(
            "transaction {} REVERTED (gas used {})",
            receipt.hash,
            receipt.gas_used
        );
    }
    println!(
        "transaction {}: PASS, gas used {}",
        receipt.hash, receipt.gas_used
    );
    Ok(())
}
