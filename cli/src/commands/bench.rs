//! `zkinfer bench model.onnx input.json [--runs N] [--json]`: wall times (median of N runs) of native
//! inference (tract, f32), witness (the exact integer evaluation), keygen, prove and verify; peak memory,
//! k, rows, columns, proof bytes and EVM verification gas; the ZK overhead ratio (prove / native), and
//! the predictions of `zkinfer inspect` next to what was measured.

use crate::pipeline::{load_model, load_srs, mib, prepare, Calibration, Overrides, SettingsArgs};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::time::Instant;
use zkinfer_circuits::QTensor;
use zkinfer_models::read_input_file;
use zkinfer_prover::keys::generate_pk;
use zkinfer_prover::proof::{prove, verify};
use zkinfer_verifier_contract::reusable::deploy::{deploy, verifier_code};
use zkinfer_verifier_contract::reusable::verifier_data;
use zkinfer_verifier_contract::{encode_calldata, InProcessEvm};

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

/// Median wall time of `runs` calls of `f` (seconds), and the last result.
fn timed<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        last = Some(f()?);
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let value = last.context("no run")?;
    Ok((times[times.len() / 2], value))
}

/// Peak resident memory of this process so far (`VmHWM`), if the platform says.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

pub fn run(args: Args) -> Result<()> {
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let model = load_model(&args.model)?;
    let input = read_input_file(&args.input)?.single(&model.graph.input_sizes())?;
    let calibration = args.settings.calibration(Calibration::Input(&input));
    let overrides = Overrides {
        measure_only: true,
        ..args.settings.overrides()
    };
    let prep = prepare(model, calibration, overrides)?;
    prep.check_memory(false)?;
    let predicted = prep.estimate();
    let inputs: Vec<QTensor> = prep.quantize_inputs(&input)?;
    let runs = args.runs;
    let (native_s, _) = timed(runs, || Ok(prep.model.run_float(&input)?))?;
    let (witness_s, trace) = timed(runs, || Ok(prep.graph.eval(&inputs)?))?;
    let srs = load_srs(&prep)?;
    let (keygen_s, pk) = timed(runs, || Ok(generate_pk(&srs, &prep.circuit)?))?;
    let instances = prep
        .circuit
        .instances(&trace, zkinfer_circuits::Fr::from(0));
    let circuit = prep.circuit.with_inputs(inputs);
    let (prove_s, proof) = timed(runs, || {
        Ok(prove(&srs.params, &pk, circuit.clone(), &instances)?)
    })?;
    let (verify_s, ()) = timed(runs, || {
        Ok(verify(&srs.params, pk.get_vk(), &instances, &proof)?)
    })?;
    let rss = peak_rss();
    let gas = if args.no_evm {
        None
    } else {
        let layout = zkinfer_verifier_contract::reusable::InstanceLayout {
            inputs: prep.circuit.num_input_instances()?,
            total: instances.len(),
        };
        let data = verifier_data(&srs.params, pk.get_vk(), layout)?;
        let mut evm = InProcessEvm::new();
        let deployed = deploy(&mut evm, &verifier_code()?, &data)?;
        let outcome = evm.call(deployed.vk, encode_calldata(&instances, &proof))?;
        if !zkinfer_verifier_contract::reusable::accepted(outcome.success, &outcome.output) {
            bail!("the EVM verifier rejected the benchmark's proof");
        }
        Some((outcome.gas_used, deployed.vk_bytes))
    };
    let (advice, fixed, lookups) = prep.columns();
    let overhead = prove_s / native_s.max(1e-9);
    if args.json {
        let json = serde_json::json!({
            "model": prep.model.path,
            "runs": runs,
            "k": prep.k,
            "rows": prep.cost.rows(),
            "columns": {"advice": advice, "fixed": fixed, "lookups": lookups},
            "seconds": {
                "native": native_s, "witness": witness_s, "keygen": keygen_s,
                "prove": prove_s, "verify": verify_s,
            },
            "zk_overhead": overhead,
            "peak_rss_bytes": rss,
            "proof_bytes": proof.len(),
            "evm_gas": gas.map(|g| g.0),
            "vk_contract_bytes": gas.map(|g| g.1),
            "predicted": predicted,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    println!("model        {} ({} runs, medians)", prep.model.path, runs);
    println!(
        "circuit      k={} rows={} columns: {advice} advice, {fixed} fixed, {lookups} lookups",
        prep.k,
        prep.cost.rows()
    );
    println!("native       {:>9.4} s  (tract, f32)", native_s);
    println!(
        "witness      {:>9.4} s  (exact integer evaluation)",
        witness_s
    );
    println!("keygen       {:>9.3} s", keygen_s);
    println!(
        "prove        {:>9.3} s  (predicted {:.2} s; {overhead:.0}x native inference)",
        prove_s, predicted.prove_seconds
    );
    println!("verify       {:>9.4} s", verify_s);
    println!(
        "peak memory  {}  (predicted {})",
        rss.map_or("?".to_string(), mib),
        mib(predicted.peak_ram_bytes)
    );
    println!("proof        {} bytes", proof.len());
    if let Some((gas, size)) = gas {
        println!("evm verify   {gas} gas (zkinfer verifier; verifying-key contract {size} bytes)");
    }
    Ok(())
}
