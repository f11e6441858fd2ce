//! `zkinfer calibrate model.onnx --data cal.json [--report test.json] [-o settings.json]`

use crate::pipeline::{load_model_with, prepare, Calibration, Overrides};
use anyhow::{Context, Result};
use std::path::PathBuf;
use zkinfer_models::accuracy::{check, LayerAccuracy, TOLERANCE};
use zkinfer_models::read_input_file;
use zkinfer_models::report::{classification, layer_report, read_labelled};

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// Calibration samples, EZKL format (one or more samples).
    #[arg(long)]
    data: PathBuf,
    /// A labelled test set {"X": [[...]], "y": [...]}: report float and quantized accuracy and argmax agreement.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Also write the settings here, for `prove --settings` (they are cached for the model either way).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Fix the fixed-point scale to 2^SCALE instead of choosing it.
    #[arg(long)]
    scale: Option<u32>,
    /// Fix the MAC layout to IN activations x OUT neurons per row (e.g. 8,2).
    #[arg(long, value_parser = crate::pipeline::parse_lanes)]
    lanes: Option<(usize, usize, usize)>,
    /// Fix the convolution check to N lanes (0 keeps convolutions on the MAC chip).
    #[arg(long, value_name = "N")]
    conv_lanes: Option<usize>,
    /// Hold dense and convolution layers' weights BITS finer than the activations (even, up to 8).
    #[arg(long, value_name = "BITS")]
    weight_bits: Option<u32>,
    /// Give a symbolic dimension of the model's inputs a value (repeatable); a symbolic leading
    /// (batch) dimension is 1 without one.
    #[arg(long = "dim", value_name = "NAME=VALUE", value_parser = crate::pipeline::parse_dim)]
    dims: Vec<(String, usize)>,
}

pub fn run(args: Args) -> Result<()> {
    let model = load_model_with(&args.model, &args.dims.iter().cloned().collect())?;
    let float = model.graph.clone();
    let samples = read_input_file(&args.data)?.samples(&float.input_sizes())?;
    let overrides = Overrides {
        public_input: false,
        hashed_input: false,
        insecure_dev_srs: false,
        srs: None,
        scale: args.scale,
        lanes: args.lanes,
        conv_lanes: args.conv_lanes,
        weight_bits: args.weight_bits,
        measure_only: false,
    };
    let prep = prepare(model, Calibration::File(&args.data), overrides)?;
    let s = prep.stored.settings;
    let domain = (1i64 << (s.range_bits - 1)) as f64 / (1i64 << s.scale) as f64;
    println!(
        "settings: scale 2^{}, range bits {} (values in [-{domain}, {domain})), lanes {}, k={}, {} samples, peak |x| {:.4}",
        s.scale, s.range_bits, s.lanes_label(), prep.k, samples.len(), prep.stored.peak
    );
    println!(
        "{:<36} {:<9} {:>10} {:>10} {:>24} {:>14} {:>8} {:>6}",
        "layer", "op", "min", "max", "table domain", "max |q-float|", "of peak", "guard"
    );
    let report = layer_report(&float, &prep.graph, &samples)?;
    let guard = check(&float, &prep.graph, &samples)?;
    for (line, g) in report.iter().zip(&guard) {
        let (lo, hi) = line.domain;
        let table = match line.function {
            Some(f) => format!("{f} [{lo:.2}, {hi:.2})"),
            None => format!("±{hi}"),
        };
        println!(
            "{:<36} {:<9} {:>10.4} {:>10.4} {:>24} {:>14.6} {:>7.3}% {:>6}",
            line.name,
            line.op,
            line.min,
            line.max,
            table,
            line.max_error,
            100.0 * g.relative(),
            if g.passes() { "ok" } else { "FAIL" }
        );
    }
    println!(
        "guard: every layer's max |q-float| is at most {:.0}% of its peak |x| (or half a step, 2^-{}): {}",
        TOLERANCE * 100.0,
        s.scale + 1,
        if guard.iter().all(LayerAccuracy::passes) { "passed" } else { "FAILED" }
    );
    if let Some(path) = &args.report {
        let set = read_labelled(path)?;
        let a = classification(&float, &prep.graph, &set)?;
        println!(
            "report on {} samples of {}: float accuracy {:.4}, quantized accuracy {:.4}, argmax agreement {:.4}, out of range {}",
            a.samples,
            path.display(),
            a.float_accuracy,
            a.quantized_accuracy,
            a.argmax_agreement,
            a.out_of_range
        );
    }
    if let Some(out) = &args.output {
        let json = serde_json::to_vec_pretty(&prep.stored)?;
        zkinfer_prover::cache::write_atomic(out, &json)
            .with_context(|| out.display().to_string())?;
        println!("wrote {}", out.display());
    }
    Ok(())
}
