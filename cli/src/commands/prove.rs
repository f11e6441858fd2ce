//! `zkinfer prove model.onnx input.json [-o proof.json]`

use crate::pipeline::{prepare, say_srs, Calibration, SettingsArgs};
use crate::ui::{fmt_values, Reporter};
use anyhow::{Context, Result};
use std::path::PathBuf;
use zkinfer::Prover;
use zkinfer_models::read_input_file;

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    pub model: PathBuf,
    /// The input, EZKL format: {"input_data": [[...]]}.
    pub input: PathBuf,
    /// Where to write the proof.
    #[arg(short, long, default_value = "proof.json")]
    pub output: PathBuf,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Prove even if the predicted peak memory exceeds what the machine has available.
    #[arg(long)]
    pub force: bool,
    /// The binding word (the last public instance): what this proof is for, as 0x-hex (32 bytes at
    /// most, below the field order). An InferenceMarket job needs its payee tag here (`zkinfer worker`
    /// sets it); a proof made for one word does not verify with another.
    #[arg(long, value_parser = crate::pipeline::parse_word, default_value = "0x0")]
    pub bind: zkinfer_circuits::Fr,
}

pub fn run(args: Args) -> Result<()> {
    let t = Reporter::new();
    let model = t.phase("load model", || args.settings.load_model(&args.model))?;
    let file = read_input_file(&args.input)?;
    let input = file.for_model(&model.graph)?;
    let calibration = args.settings.calibration(Calibration::Input(&input));
    let prep = t.phase("settings", || {
        prepare(model, calibration, args.settings.overrides())
    })?;
    let s = prep.stored.settings;
    let w = t
        .phase("witness", || zkinfer::proving::witness(&prep, &input))
        .with_context(|| args.input.display().to_string())?;
    prep.check_memory(args.force)?;
    // The reference the accuracy guard uses: zkinfer's f64 graph (tract's float run where tract's
    // wiring agrees with onnxruntime; a binary tree classifier's label is where it does not).
    let float = prep.model.graph.outputs(&input)?;
    let srs = t.phase("srs", || prep.srs())?;
    say_srs(&srs); // after the spinner, not through it
    let prover = Prover::load_with_progress(prep, srs, t.clone())?;
    let prep = &prover.prep;
    // A hashed input's commitment starts from the input file's salt (zero without one).
    let instances = prover.instances(&w, file.salt, args.bind);
    let proof = prover.prove(&w, file.salt, &instances)?;
    prover
        .check(&instances, &proof)
        .context("self-check of the new proof")?;
    let artifact = prover.artifact(&w, &instances, &proof);
    let (outputs, generated) = (artifact.outputs.clone(), prover.generated);
    artifact.write(&args.output)?;

    let (advice, fixed, lookups) = prep.columns();
    println!(
        "model      {} (sha256 {})",
        prep.model.path,
        &prep.model.hash[..16]
    );
    for d in &prep.model.dims {
        let how = match d.source {
            zkinfer_models::DimSource::Given => "--dim",
            zkinfer_models::DimSource::LeadingOne => "a symbolic leading dimension: one inference",
        };
        println!(
            "dim        {}={} (input '{}' axis {}; {how})",
            d.name, d.value, d.input, d.axis
        );
    }
    println!(
        "settings   scale 2^{} , range ±2^{} , calibrated on {} ({} sample(s), peak |x| {:.3})",
        s.scale,
        s.range_bits - 1,
        prep.stored.source,
        prep.stored.samples,
        prep.stored.peak
    );
    let mut freivalds = match prep.cost.freivalds_rows {
        0 => String::new(),
        rows => format!(", freivalds {rows}"),
    };
    if prep.cost.conv_rows > 0 {
        freivalds += &format!(", convolution check {}", prep.cost.conv_rows);
    }
    println!(
        "circuit    k={} rows={} (mac {}, requant {}, table {}{freivalds}) columns: {advice} advice, {fixed} fixed, {lookups} lookups",
        prep.k,
        prep.cost.rows(),
        prep.cost.mac_rows,
        prep.cost.requant_rows,
        prep.cost.table_rows
    );
    println!(
        "keys       {} ({})",
        prep.store().dir.display(),
        if generated { "generated" } else { "cached" }
    );
    let mut max_err = 0f64;
    for (o, f) in outputs.iter().zip(&float) {
        println!("output     {:?} {}", o.shape, fmt_values(&o.values));
        println!("float      {:?} {}", o.shape, fmt_values(f));
        max_err = o
            .values
            .iter()
            .zip(f)
            .fold(max_err, |m, (a, b)| m.max((a - b).abs()));
    }
    println!("max |quantized - float| = {max_err:.5}");
    println!(
        "proof      {} bytes -> {}",
        proof.len(),
        args.output.display()
    );
    t.print();
    Ok(())
}
