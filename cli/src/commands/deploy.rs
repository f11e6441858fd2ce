//! `zkinfer deploy model.onnx --rpc URL [--private-key KEY] [--verifier ADDR]`: deploy the shared
//! `ZkinferVerifier` (unless an existing one is named) and the model's verifying-key contract on a
//! node; prints the addresses and gas. The model's address is what `verify-onchain` and market jobs use.

use crate::pipeline::{load_srs, prepare, Calibration, SettingsArgs};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use zkinfer::EvmVerifier;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::{Address, EIP170_LIMIT};

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// JSON-RPC endpoint of the node (http or https).
    #[arg(long)]
    rpc: String,
    /// Hex private key of the deploying account (default: $ZKINFER_PRIVATE_KEY).
    #[arg(long, env = "ZKINFER_PRIVATE_KEY", hide_env_values = true)]
    private_key: Option<String>,
    /// An already deployed ZkinferVerifier to reuse (one serves every model).
    #[arg(long)]
    verifier: Option<Address>,
    #[command(flatten)]
    settings: SettingsArgs,
}

pub fn run(args: Args) -> Result<()> {
    let Some(key) = args.private_key.as_deref() else {
        bail!("deploy needs a private key: --private-key KEY or ZKINFER_PRIVATE_KEY");
    };
    let chain = Chain::connect(&args.rpc, Some(key)).with_context(|| args.rpc.clone())?;
    let model = args.settings.load_model(&args.model)?;
    let calibration = args.settings.calibration(Calibration::CachedOnly);
    let prep = prepare(model, calibration, args.settings.overrides())?;
    prep.check_memory(false)?;
    let srs = load_srs(&prep)?;
    let evm = EvmVerifier::of(&prep.verifier_key(&srs)?)?;
    println!(
        "node {} (chain id {}), deployer {}",
        args.rpc,
        chain.chain_id()?,
        chain.address().map(|a| a.to_string()).unwrap_or_default()
    );
    let d = evm
        .deploy_on(&chain, args.verifier)
        .with_context(|| format!("deploying on {}", args.rpc))?;
    match &d.verifier_receipt {
        None => println!("verifier {} (existing)", d.verifier),
        Some(r) => println!(
            "verifier {} (ZkinferVerifier, {} bytes, deploy gas {}, tx {})",
            d.verifier,
            evm.verifier.runtime.len(),
            r.gas_used,
            r.hash
        ),
    }
    let model_address = d.key;
    println!(
        "model {model_address} (verifying-key contract of circuit {}, k={}, {} bytes of {EIP170_LIMIT}, deploy gas {}, tx {})",
        &prep.circuit_hash[..16],
        prep.k,
        evm.vk_contract_bytes,
        d.key_receipt.gas_used,
        d.key_receipt.hash
    );
    println!(
        "verify with: zkinfer verify-onchain proof.json --rpc {} --verifier {model_address}",
        args.rpc
    );
    Ok(())
}
