//! `zkinfer inspect model.onnx`: the circuit a model becomes and what proving it will cost, before any
//! keygen: settings, rows per chip, k, columns, and the predicted proving-key size, peak memory and
//! proving time (see `zkinfer_circuits::estimate`).

use crate::pipeline::{mib, prepare, Calibration, Overrides, SettingsArgs};
use anyhow::Result;
use std::path::PathBuf;
use zkinfer_models::read_input_file;

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// An input to calibrate on when no settings are cached and no --calibration is given.
    #[arg(long)]
    input: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingsArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let model = args.settings.load_model(&args.model)?;
    let input = match &args.input {
        Some(p) => Some(read_input_file(p)?.for_model(&model.graph)?),
        None => None,
    };
    let fallback = match &input {
        Some(i) => Calibration::Input(i),
        None => Calibration::CachedOnly,
    };
    let calibration = args.settings.calibration(fallback);
    let overrides = Overrides {
        measure_only: true,
        ..args.settings.overrides()
    };
    let prep = prepare(model, calibration, overrides)?;
    let i = prep.inspect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&i)?);
        return Ok(());
    }
    let (s, c, e) = (i.settings, i.cost, i.estimate);
    println!("model       {}", i.model);
    println!(
        "settings    scale 2^{}, range ±2^{}, lanes {}, calibrated on {}",
        s.scale,
        s.range_bits - 1,
        s.lanes_label(),
        i.calibrated_on
    );
    let conv = match c.conv_rows {
        0 => String::new(),
        rows => format!(", convolution check {rows}"),
    };
    println!(
        "rows        mac {}, requant {}, table {}, freivalds {}{conv} -> {} rows, k={}",
        c.mac_rows,
        c.requant_rows,
        c.table_rows,
        c.freivalds_rows,
        c.rows(),
        e.k
    );
    println!(
        "columns     {} advice, {} fixed (incl. the table), {} lookups",
        e.advice, e.fixed, e.lookups
    );
    println!("proving key {} in memory (predicted)", mib(e.pk_bytes));
    println!(
        "peak memory {} (predicted){}",
        mib(e.peak_ram_bytes),
        i.available_memory_bytes
            .map_or(String::new(), |a| format!(", {} available", mib(a)))
    );
    println!(
        "prove time  {:.2} s (predicted for a 2-core machine)",
        e.prove_seconds
    );
    println!(
        "verifier    {} bytes of verifying-key contract (predicted; EIP-170 allows {})",
        e.verifier_bytes,
        zkinfer_circuits::estimate::EIP170_LIMIT
    );
    Ok(())
}
