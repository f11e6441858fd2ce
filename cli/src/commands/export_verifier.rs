//! `zkinfer export-verifier model.onnx -o Verifier.sol`

use crate::pipeline::{load_model, prepare, Calibration, SettingsArgs};
use anyhow::{Context, Result};
use std::path::PathBuf;
use zkinfer_prover::keys::read_vk;
use zkinfer_verifier_contract::{compile, verifier_solidity, EIP170_LIMIT};

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// Where to write the Solidity source.
    #[arg(short, long, default_value = "Verifier.sol")]
    output: PathBuf,
    #[command(flatten)]
    settings: SettingsArgs,
}

pub fn run(args: Args) -> Result<()> {
    let model = load_model(&args.model)?;
    let calibration = args.settings.calibration(Calibration::CachedOnly);
    let prep = prepare(model, calibration, args.settings.overrides())?;
    let srs = prep.srs()?;
    let key = read_vk(&prep.ensure_keys(&srs)?)?;
    let source = verifier_solidity(&key.params, &key.vk, key.header.num_instances);
    zkinfer_prover::cache::write_atomic(&args.output, source.as_bytes())
        .with_context(|| args.output.display().to_string())?;
    let compiled = compile("Verifier.sol", &source, "Halo2Verifier", false)?;
    let size = compiled.runtime.len();
    println!(
        "wrote {} (contract Halo2Verifier, circuit {}, k={})",
        args.output.display(),
        &prep.circuit_hash[..16],
        prep.k
    );
    println!(
        "calldata: {} public instances x 32 bytes, then the proof",
        key.header.num_instances
    );
    println!(
        "runtime bytecode {size} bytes ({} the EIP-170 limit of {EIP170_LIMIT})",
        if size <= EIP170_LIMIT {
            "within"
        } else {
            "EXCEEDS"
        }
    );
    Ok(())
}
