//! `zkinfer prove model.onnx input.json [-o proof.json]`

use crate::pipeline::{load_model, load_srs, prepare, Calibration, SettingsArgs};
use crate::ui::{fmt_values, Timings};
use anyhow::{Context, Result};
use std::path::PathBuf;
use zkinfer_circuits::fixed_point::dequantize;
use zkinfer_circuits::QTensor;
use zkinfer_models::read_input_file;
use zkinfer_prover::artifact::{fr_to_hex, OutputTensor, ProofArtifact, SrsInfo, FORMAT, VERSION};
use zkinfer_prover::keys::read_vk;
use zkinfer_prover::proof::{prove, verify};

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
    let mut t = Timings::default();
    let model = t.phase("load model", || load_model(&args.model))?;
    let file = read_input_file(&args.input)?;
    let input = file.single(&model.graph.input_sizes())?;
    let calibration = args.settings.calibration(Calibration::Input(&input));
    let prep = t.phase("settings", || {
        prepare(model, calibration, args.settings.overrides())
    })?;
    let s = prep.stored.settings;
    let inputs: Vec<QTensor> = prep.quantize_inputs(&input)?;
    let trace = t
        .phase("witness", || prep.graph.eval(&inputs))
        .with_context(|| {
            format!(
                "{}: values outside the calibrated range of this model's settings",
                args.input.display()
            )
        })?;
    prep.check_memory(args.force)?;
    let float = prep.model.run_float(&input)?;
    let srs = t.phase("srs", || load_srs(&prep))?;
    let (pk, generated) = t.phase("keygen", || prep.proving_key(&srs))?;
    // A hashed input's commitment starts from the input file's salt (zero without one).
    let salted = prep
        .circuit
        .with_salt(file.salt.unwrap_or(zkinfer_circuits::Fr::from(0)));
    let instances = salted.instances(&trace, args.bind);
    let circuit = salted.with_inputs(inputs);
    let proof = t.phase("prove", || prove(&srs.params, &pk, circuit, &instances))?;
    let vk = read_vk(&prep.store().vk_path())?;
    t.phase("verify", || verify(&vk.params, &vk.vk, &instances, &proof))
        .context("self-check of the new proof")?;

    let outputs: Vec<OutputTensor> = trace
        .outputs(&prep.graph)
        .map(|o| OutputTensor {
            shape: o.shape.clone(),
            scale: o.scale,
            quantized: o.data.clone(),
            values: o.data.iter().map(|q| dequantize(*q, o.scale)).collect(),
        })
        .collect();
    let artifact = ProofArtifact {
        format: FORMAT.into(),
        version: VERSION,
        model_hash: prep.model.hash.clone(),
        circuit_hash: prep.circuit_hash.clone(),
        vk_hash: vk.hash.clone(),
        srs: SrsInfo {
            k: srs.k,
            hash: srs.hash.clone(),
            kind: srs.kind,
        },
        circuit_params: prep.circuit.params,
        range_bits: prep.graph.range_bits,
        public_input: {
            let o = args.settings.overrides();
            o.public_input && !o.hashed_input
        },
        instances: instances.iter().map(fr_to_hex).collect(),
        outputs: outputs.clone(),
        proof: format!("0x{}", hex::encode(&proof)),
    };
    artifact.write(&args.output)?;

    let (advice, fixed, lookups) = prep.columns();
    println!(
        "model      {} (sha256 {})",
        prep.model.path,
        &prep.model.hash[..16]
    );
    println!(
        "settings   scale 2^{} , range ±2^{} , calibrated on {} ({} sample(s), peak |x| {:.3})",
        s.scale,
        s.range_bits - 1,
        prep.stored.source,
        prep.stored.samples,
        prep.stored.peak
    );
    let freivalds = match prep.cost.freivalds_rows {
        0 => String::new(),
        rows => format!(", freivalds {rows}"),
    };
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
