//! `zkinfer deploy model.onnx --rpc URL [--private-key KEY] [--verifier ADDR]`: deploy the shared
//! `ZkinferVerifier` (unless an existing one is named) and the model's verifying-key contract on a
//! node; prints the addresses and gas. The model's address is what `verify-onchain` and market jobs use.

use crate::pipeline::{load_model, load_srs, prepare, Calibration, SettingsArgs};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use zkinfer::EvmVerifier;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::trust::check_verifier;
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
    let model = load_model(&args.model)?;
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
    let verifier = match args.verifier {
        Some(address) => {
            check_verifier(address, &chain.code(address)?)
                .with_context(|| format!("--verifier on {}", args.rpc))?;
            println!("verifier {address} (existing)");
            address
        }
        None => {
            let compiled = &evm.verifier;
            let receipt = chain.deploy(compiled.creation.clone())?;
            let address = receipt
                .contract
                .context("no contract address in the receipt")?;
            println!(
                "verifier {address} (ZkinferVerifier, {} bytes, deploy gas {}, tx {})",
                compiled.runtime.len(),
                receipt.gas_used,
                receipt.hash
            );
            address
        }
    };
    let size = evm.vk_contract_bytes;
    let receipt = chain.deploy(evm.key_contract_creation(verifier)?)?;
    let model_address = receipt
        .contract
        .context("no contract address in the receipt")?;
    println!(
        "model {model_address} (verifying-key contract of circuit {}, k={}, {size} bytes of {EIP170_LIMIT}, deploy gas {}, tx {})",
        &prep.circuit_hash[..16],
        prep.k,
        receipt.gas_used,
        receipt.hash
    );
    println!(
        "verify with: zkinfer verify-onchain proof.json --rpc {} --verifier {model_address}",
        args.rpc
    );
    Ok(())
}
