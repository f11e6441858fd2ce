//! `zkinfer export-verifier model.onnx [-o DIR]`: the shared `ZkinferVerifier.sol` and the model's
//! `vk.json` (its verifying-key contract's data); `--legacy -o Verifier.sol` writes snark-verifier's
//! per-circuit Solidity verifier instead.

use crate::pipeline::{load_srs, prepare, Calibration, SettingsArgs};
use anyhow::{Context, Result};
use std::path::PathBuf;
use zkinfer::evm::{compile_legacy, legacy_solidity, EvmVerifier, EIP170_LIMIT};
use zkinfer_prover::cache::write_atomic;

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// Output folder (ZkinferVerifier.sol and vk.json); with --legacy, the Solidity file.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Write snark-verifier's per-circuit verifier (Halo2Verifier) instead.
    #[arg(long)]
    legacy: bool,
    #[command(flatten)]
    settings: SettingsArgs,
}

fn within(size: usize) -> &'static str {
    if size <= EIP170_LIMIT {
        "within"
    } else {
        "EXCEEDS"
    }
}

pub fn run(args: Args) -> Result<()> {
    let model = args.settings.load_model(&args.model)?;
    let calibration = args.settings.calibration(Calibration::CachedOnly);
    let prep = prepare(model, calibration, args.settings.overrides())?;
    prep.check_memory(false)?;
    let srs = load_srs(&prep)?;
    let key = prep.verifier_key(&srs)?;
    if args.legacy {
        let output = args.output.unwrap_or_else(|| PathBuf::from("Verifier.sol"));
        let source = legacy_solidity(&key);
        let size = compile_legacy(&source)?.runtime.len();
        write_atomic(&output, source.as_bytes()).with_context(|| output.display().to_string())?;
        println!(
            "wrote {} (contract Halo2Verifier, circuit {}, k={})",
            output.display(),
            &prep.circuit_hash[..16],
            prep.k
        );
        println!(
            "runtime bytecode {size} bytes ({} the EIP-170 limit of {EIP170_LIMIT})",
            within(size)
        );
        return Ok(());
    }
    let dir = args.output.unwrap_or_else(|| PathBuf::from("verifier"));
    let evm = EvmVerifier::of(&key)?;
    let (sol, vk) = evm.write(&dir)?;
    let (verifier_size, vk_size) = (evm.verifier.runtime.len(), evm.vk_contract_bytes);
    let s = &evm.data.summary;
    println!(
        "wrote {} (shared verifier, runtime {verifier_size} bytes, {} EIP-170)",
        sol.display(),
        within(verifier_size)
    );
    println!(
        "wrote {} (circuit {}, k={}: verifying-key contract runtime {vk_size} bytes, {} EIP-170)",
        vk.display(),
        &prep.circuit_hash[..16],
        prep.k,
        within(vk_size)
    );
    println!(
        "proof: {} bytes ({} commitments, {} quotient chunks, {} evaluations, {} opening points); numerator {} ops",
        s.proof_bytes, s.witnesses, s.quotient_chunks, s.evaluations, s.query_sets, s.numerator_ops
    );
    println!(
        "calldata to the verifying-key contract: {} public instances x 32 bytes, then the proof",
        s.num_instances
    );
    Ok(())
}
