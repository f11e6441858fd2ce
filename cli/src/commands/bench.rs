//! `zkinfer bench model.onnx input.json [--runs N] [--json]`: prints what `zkinfer::bench` measures
//! (medians of native inference, witness, keygen, prove and verify; peak memory, k, rows, columns, proof
//! bytes, EVM verification gas; the ZK overhead ratio) next to the predictions of `zkinfer inspect`.

use crate::pipeline::{load_srs, mib, prepare, Calibration, Overrides, SettingsArgs};
use anyhow::{bail, Result};
use std::path::PathBuf;
use zkinfer_models::read_input_file;

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// The input, EZKL format.
    input: PathBuf,
    /// Runs per measured phase (the median is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Skip the EVM verification (solc compile + revm): no gas figure.
    #[arg(long)]
    no_evm: bool,
    #[command(flatten)]
    settings: SettingsArgs,
}

pub fn run(args: Args) -> Result<()> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let model = args.settings.load_model(&args.model)?;
    let input = read_input_file(&args.input)?.for_model(&model.graph)?;
    let calibration = args.settings.calibration(Calibration::Input(&input));
    let overrides = Overrides {
        measure_only: true,
        ..args.settings.overrides()
    };
    let prep = prepare(model, calibration, overrides)?;
    prep.check_memory(false)?;
    let srs = load_srs(&prep)?;
    let r = zkinfer::bench::bench(&prep, &srs, &input, args.runs, !args.no_evm)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    let (s, c) = (r.seconds, r.columns);
    println!("model        {} ({} runs, medians)", r.model, r.runs);
    println!(
        "circuit      k={} rows={} columns: {} advice, {} fixed, {} lookups",
        r.k, r.rows, c.advice, c.fixed, c.lookups
    );
    println!("native       {:>9.4} s  (tract, f32)", s.native);
    println!(
        "witness      {:>9.4} s  (exact integer evaluation)",
        s.witness
    );
    println!("keygen       {:>9.3} s", s.keygen);
    println!(
        "prove        {:>9.3} s  (predicted {:.2} s; {:.0}x native inference)",
        s.prove, r.predicted.prove_seconds, r.zk_overhead
    );
    println!("verify       {:>9.4} s", s.verify);
    println!(
        "peak memory  {}  (predicted {})",
        r.peak_rss_bytes.map_or("?".to_string(), mib),
        mib(r.predicted.peak_ram_bytes)
    );
    println!("proof        {} bytes", r.proof_bytes);
    if let (Some(gas), Some(size)) = (r.evm_gas, r.vk_contract_bytes) {
        println!("evm verify   {gas} gas (zkinfer verifier; verifying-key contract {size} bytes)");
    }
    Ok(())
}
