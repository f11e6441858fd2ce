//! `zkinfer export-verifier model.onnx [-o DIR]`: the shared `ZkinferVerifier.sol` and the model's
//! `vk.json` (its verifying-key contract's data); `--legacy -o Verifier.sol` writes snark-verifier's
//! per-circuit Solidity verifier instead.

use crate::pipeline::{load_model, load_srs, prepare, Calibration, SettingsArgs};
use anyhow::{Context, Result};
use std::path::PathBuf;
use zkinfer_prover::cache::write_atomic;
use zkinfer_prover::keys::read_vk;
use zkinfer_verifier_contract::reusable::{
    deploy::verifier_code, verifier_data, vk_contract_runtime, InstanceLayout, VkFile, VERIFIER_SOL,
};
use zkinfer_verifier_contract::{compile, verifier_solidity, Address, EIP170_LIMIT};

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
    let model = load_model(&args.model)?;
    let calibration = args.settings.calibration(Calibration::CachedOnly);
    let prep = prepare(model, calibration, args.settings.overrides())?;
    prep.check_memory(false)?;
    let srs = load_srs(&prep)?;
    let key = read_vk(&prep.ensure_keys(&srs)?)?;
    if args.legacy {
        let output = args.output.unwrap_or_else(|| PathBuf::from("Verifier.sol"));
        let source = verifier_solidity(&key.params, &key.vk, key.header.num_instances);
        let compiled = compile("Verifier.sol", &source, "Halo2Verifier", false)?;
        write_atomic(&output, source.as_bytes()).with_context(|| output.display().to_string())?;
        let size = compiled.runtime.len();
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
    std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
    let data = verifier_data(&key.params, &key.vk, InstanceLayout::of(&key.header))?;
    let verifier = verifier_code()?;
    let vk_size = vk_contract_runtime(Address::ZERO, &data)?.len();
    let sol = dir.join("ZkinferVerifier.sol");
    let vk = dir.join("vk.json");
    let file = VkFile::new(&prep.circuit_hash, &data);
    write_atomic(&sol, VERIFIER_SOL.as_bytes()).with_context(|| sol.display().to_string())?;
    write_atomic(&vk, serde_json::to_string_pretty(&file)?.as_bytes())
        .with_context(|| vk.display().to_string())?;
    let s = &data.summary;
    println!(
        "wrote {} (shared verifier, runtime {} bytes, {} EIP-170)",
        sol.display(),
        verifier.runtime.len(),
        within(verifier.runtime.len())
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
