//! Measuring a model end to end (`zkinfer bench`): wall times (median of N runs) of native inference
//! (tract, f32), the witness (exact integer evaluation), keygen, prove and verify; peak memory, the
//! circuit's size, the proof's size and its EVM verification gas, next to what [`Prepared::estimate`]
//! predicted.

use crate::error::{refused, Result};
use crate::evm::EvmVerifier;
use crate::pipeline::Prepared;
use serde::Serialize;
use std::time::Instant;
use zkinfer_circuits::estimate::Estimate;
use zkinfer_circuits::Fr;
use zkinfer_prover::keys::generate_pk;
use zkinfer_prover::proof::{prove, verify};
use zkinfer_prover::Srs;
use zkinfer_verifier_contract::reusable::InstanceLayout;

/// Medians of the measured phases, seconds.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Seconds {
    /// Native inference (tract, f32).
    pub native: f64,
    /// Quantizing the input and evaluating the integer model.
    pub witness: f64,
    /// Proving and verifying keys (generated each run, never from the cache).
    pub keygen: f64,
    /// Proving.
    pub prove: f64,
    /// Verifying natively.
    pub verify: f64,
}

/// Advice, fixed (lookup table included) and lookup columns.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Columns {
    /// Advice columns.
    pub advice: usize,
    /// Fixed columns, the lookup table's included.
    pub fixed: usize,
    /// Lookup arguments.
    pub lookups: usize,
}

/// What one benchmark measured.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// The model file.
    pub model: String,
    /// Runs per phase (the figures are medians).
    pub runs: usize,
    /// The circuit has `2^k` rows.
    pub k: u32,
    /// Rows of work.
    pub rows: usize,
    /// Columns.
    pub columns: Columns,
    /// Median wall times.
    pub seconds: Seconds,
    /// Prove time over native inference time.
    pub zk_overhead: f64,
    /// Peak resident memory of this process (`VmHWM`), when the platform says.
    pub peak_rss_bytes: Option<u64>,
    /// The proof's length.
    pub proof_bytes: usize,
    /// Gas of the EVM verification with zkinfer's verifier (none when skipped).
    pub evm_gas: Option<u64>,
    /// Runtime size of the verifying-key contract (none when the EVM was skipped).
    pub vk_contract_bytes: Option<usize>,
    /// What `inspect` predicted.
    pub predicted: Estimate,
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
    let value = last.ok_or_else(|| refused("no run".into()))?;
    Ok((times[times.len() / 2], value))
}

/// Peak resident memory of this process so far (`VmHWM`), if the platform says.
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Measure `prep` on `input` (one flat list per model input) with `srs`: each phase `runs` times
/// (median), then, with `evm`, one verification in an in-process EVM (which must accept).
pub fn bench(
    prep: &Prepared,
    srs: &Srs,
    input: &[Vec<f64>],
    runs: usize,
    evm: bool,
) -> Result<BenchReport> {
    if runs == 0 {
        return Err(refused("--runs must be at least 1".into()));
    }
    let predicted = prep.estimate();
    let inputs = prep.quantize_inputs(input)?;
    let (native, _) = timed(runs, || Ok(prep.model.run_float(input)?))?;
    let (witness, trace) = timed(runs, || Ok(prep.graph.eval(&inputs)?))?;
    let (keygen, pk) = timed(runs, || Ok(generate_pk(srs, &prep.circuit)?))?;
    let instances = prep.circuit.instances(&trace, Fr::from(0));
    let circuit = prep.circuit.with_inputs(inputs);
    let (prove_s, proof) = timed(runs, || {
        Ok(prove(&srs.params, &pk, circuit.clone(), &instances)?)
    })?;
    let (verify_s, ()) = timed(runs, || {
        Ok(verify(&srs.params, pk.get_vk(), &instances, &proof)?)
    })?;
    let peak_rss_bytes = peak_rss();
    let gas = if evm {
        let layout = InstanceLayout {
            inputs: prep.circuit.num_input_instances()?,
            total: instances.len(),
        };
        let verifier = EvmVerifier::new(&srs.params, pk.get_vk(), layout, &prep.circuit_hash)?;
        let run = verifier.verify(&instances, &proof)?;
        if !run.accepted {
            return Err(refused(
                "the EVM verifier rejected the benchmark's proof".into(),
            ));
        }
        Some((run.gas_used, run.vk_contract_bytes))
    } else {
        None
    };
    let (advice, fixed, lookups) = prep.columns();
    Ok(BenchReport {
        model: prep.model.path.clone(),
        runs,
        k: prep.k,
        rows: prep.cost.rows(),
        columns: Columns {
            advice,
            fixed,
            lookups,
        },
        seconds: Seconds {
            native,
            witness,
            keygen,
            prove: prove_s,
            verify: verify_s,
        },
        zk_overhead: prove_s / native.max(1e-9),
        peak_rss_bytes,
        proof_bytes: proof.len(),
        evm_gas: gas.map(|g| g.0),
        vk_contract_bytes: gas.map(|g| g.1),
        predicted,
    })
}
