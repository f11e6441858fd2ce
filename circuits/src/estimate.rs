//! What proving a circuit will cost, predicted from its shape before any keygen: proving-key size, peak
//! memory and proving time. The formulas are fits of measurements on the bench models (2-core machine,
//! `benches/compare.sh`, 2026-11-22); `zkinfer inspect` prints them and `zkinfer bench` measures them.
//!
//! - proving key: `32 B · 2^k · (2.55·fixed + 23)`: fixed columns (weights, selectors, the table) are
//!   kept as values, coefficients and extended-domain evaluations; the rest is the permutation and
//!   Lagrange polynomials (mlp_digits, mlp_wide, LeNet: within 2%; with the selectors counted, the scale
//!   suite's keys within 6%: 105.8 / 71.4 / 694 / 571 MiB predicted, 99.5 / 73.5 / 664 / 588 written);
//! - peak memory: `24 MiB + 4.0 x proving key` (the key, the advice polynomials and their extended
//!   evaluations while proving; refitted 2026-12-03 to be at or above the measured peak: it gates `prove`;
//!   4.0 rather than 3.8 since zkinfer's own proving loop, whose warm cifar_cnn prove peaked at 138 MiB
//!   against 135 predicted with 3.8 and 134 under halo2's loop; its other peaks stayed under: LeNet 78
//!   of 79, cifar_vgg 776 of 877, tiny_bert 683 of 819, dense_4m 337 of 426 MiB, by `/usr/bin/time`).
//!   On the scale suite a cold `prove` (keygen in the same process) peaks within 10% of it (dense_4m 9%
//!   above: its 4.2M weights are held several times over by the import), a warm one 3-30% below;
//! - proving time: `15.0 ns x work + 0.035 s` with `work = 2^k · (160 + 780·tuple lookups + 40·other
//!   lookups + 255·advice + 23·fixed)`. Refitted (2026-12-05, second session) after the MSM's affine buckets
//!   and sparse windows, on the same eight layouts (`bash benches/prove_times.sh`, median of three warm
//!   proves): mlp_digits 0.091 predicted / 0.082 measured, cnn_digits 0.083 / 0.093 (0.081-0.094),
//!   mlp_wide 0.152 / 0.139, LeNet 0.697 / 0.760, cifar_cnn 1.51 / 1.38, dense_4m 2.22 / 2.11, cifar_vgg
//!   9.49 / 9.14, tiny_bert 7.43 / 7.86 s: all within 11% (`16.4 ns x work + 0.032 s` was 19% over on
//!   cifar_cnn). Before that: `16.4 ns x work + 0.032 s`, refitted (2026-12-05, evening) when proving
//!   moved to zkinfer's own loop (`zkinfer_prover::engine`), on warm proves of the eight default
//!   layouts (`bash benches/prove_times.sh`, median of three): mlp_digits 0.094 predicted / 0.089
//!   measured, cnn_digits 0.084 / 0.089, mlp_wide 0.160 / 0.151, LeNet 0.756 / 0.805, cifar_cnn 1.64 /
//!   1.56, dense_4m 2.41 / 2.34, cifar_vgg 10.4 / 9.75, tiny_bert 8.12 / 8.65 s: all within 7% (the
//!   halo2-loop fit, `24.5 ns x work + 0.055 s`, was 40-65% over them). The column weights held: an advice
//!   column is still committed, extended and copied, a fixed column still re-extended, only faster.
//!   History of the halo2-loop fit: the two coefficients were refitted (2026-12-05, later) after
//!   halo2 moved onto a rayon worker (`zkinfer_prover::pool`), on warm proves of the eight default
//!   layouts: mlp_digits 0.154 predicted / 0.149 measured, cnn_digits 0.139 / 0.141, mlp_wide 0.261 /
//!   0.272, LeNet 1.22 / 1.31, cifar_cnn 2.64 / 2.55, dense_4m 3.89 / 3.97, cifar_vgg 16.7 / 15.7,
//!   tiny_bert 13.1 / 13.8 s: all within 7% (the
//!   `29 ns x work + 0.15 s` before was 72-74% over on the k=10 layouts, whose proofs lost most of the
//!   fixed overhead, and 17% over on cifar_cnn and cifar_vgg). The slope then went from 26.4 to 24.5
//!   ns (2026-12-05, late morning): the same layouts proved 2-21% under it on a quieter machine
//!   (0.142 / 0.130 / 0.241 / 1.19 / 2.18 / 3.49 / 13.9 / 11.9 s in the order above), and 24.5 ns is
//!   within 13% of both sets (-5% to +13% of these, -13% to -1% of the earlier ones), where 26.4 was
//!   up to 21% over these. The column weights are from the fit
//!   before, on warm proves of nine layouts (this
//!   machine, one session, `zkinfer prove` three times with keys cached): cifar_vgg at k=16 (29 advice,
//!   33 fixed, 6 lookups) and at k=15 (55 / 50 / 9), cifar_cnn at k=13 (38 / 35 / 6) and k=12 (67 / 65 /
//!   12), LeNet, mlp_wide, dense_4m, tiny_bert and mlp_digits: all within 9% (the fit before, one weight
//!   of 71 for advice and fixed columns alike and 550 a lookup, was 13-19% under on the layouts with the
//!   convolution check and pool steps on requant rows, and 21% over on mlp_digits). An advice column
//!   costs about eleven fixed ones: it is committed, interpolated and extended, and nearly every one is
//!   copied (a permutation polynomial extended and a share of a running product), while halo2-axiom
//!   only re-extends a fixed column. A one-expression lookup's own cost (its permuted columns hold small
//!   values, which commit in a few windows; its product; the sort) is small next to the advice columns
//!   its requant set brings: the two are collinear in these layouts (each requant set adds both), so
//!   their split is loosely determined, their sum well. A tuple lookup (the tagged table, only
//!   tiny_bert's function lookup here) keeps its older 780: its permuted columns are random
//!   combinations of the tuple, full-width scalars. Fixed columns count the selectors, as keygen makes
//!   them. It scales with cores;
//! - the verifying-key contract (`zkinfer export-verifier`, `verify-evm`): `2600 + 331·advice +
//!   108·fixed + 519·lookups` bytes of runtime code, plus the optional gates' constraints: 600 for the
//!   product and division gates, 200 more for the Freivalds chip, 2300 for the Poseidon rounds of a
//!   hashed input (fitted 2026-12-04 on LeNet in eight layouts from 8 to 35 advice, 12 to 84 fixed and
//!   3 to 12 lookups, and on tiny_bert and six zoo models: all within 230 bytes). The settings search
//!   keeps it [`EVM_MARGIN`] under [`EIP170_LIMIT`], so the default layout of a model deploys on
//!   Ethereum whenever one can. The convolution check's gates have no term of their own: on cifar_cnn,
//!   cifar_vgg (two and three requant sets) and LeNet with it the formula was 220 bytes high to 297 low
//!   (17,236 / 18,661 / 22,413 / 23,406 predicted, 17,016 / 18,958 / 22,436 / 23,291 measured).
//!
//! The convolution check's second-phase columns count as advice columns in the proving time: its
//! layouts were predicted within 10% (cifar_cnn 3.58 s, cifar_vgg 14.8 s, LeNet 1.37 s, measured
//! 3.6-3.9, 15.7-16.3, 1.31-1.64), the second witness pass included.

use crate::circuit::CircuitParams;
use crate::cost::Cost;
use serde::{Deserialize, Serialize};

/// Relative proving work of a circuit with `2^k` rows, `tuple` of its `lookups` into the tagged table:
/// `2^k · (160 + 780·tuple + SINGLE_LOOKUP_WORK·(lookups - tuple) + ADVICE_WORK·advice +
/// FIXED_WORK·fixed)` (module docs).
pub fn proving_work(k: u32, (advice, fixed, lookups): (usize, usize, usize), tuple: usize) -> u64 {
    let single = lookups.saturating_sub(tuple) as u64;
    (1u64 << k)
        * (160
            + 780 * tuple.min(lookups) as u64
            + SINGLE_LOOKUP_WORK * single
            + ADVICE_WORK * advice as u64
            + FIXED_WORK * fixed as u64)
}

/// The proving work of an advice column per row: committed (an MSM over its values, most of them
/// small), interpolated and extended, and, when copied, one more permutation polynomial extended and a
/// share of a running product (module docs).
pub const ADVICE_WORK: u64 = 255;

/// The proving work of a fixed column (weights, selectors, the table) per row: halo2-axiom extends it
/// again on every proof (module docs).
pub const FIXED_WORK: u64 = 23;

/// The proving work of a one-expression lookup (into the limb or the high column) per row, beyond the
/// advice and fixed columns it reads: its permuted columns hold small values, which commit in a few
/// windows, and its input needs no random compression (module docs).
pub const SINGLE_LOOKUP_WORK: u64 = 40;

/// EIP-170: the largest runtime bytecode a contract may deploy on Ethereum mainnet.
pub const EIP170_LIMIT: usize = 24_576;

/// How far under [`EIP170_LIMIT`] a predicted verifying-key contract must stay (twice the fit's
/// largest under-prediction).
pub const EVM_MARGIN: usize = 512;

/// Predicted runtime bytes of the verifying-key contract of the circuit `params` describes, whose
/// `(advice, fixed, lookups)` are `columns` ([`CircuitParams::columns`]; module docs).
pub fn verifier_bytes(
    params: &CircuitParams,
    (advice, fixed, lookups): (usize, usize, usize),
) -> usize {
    let gates = [
        (params.products, 600),
        (params.matmuls, 200),
        (params.hashed_input, 2300),
    ];
    let gates: usize = gates.iter().filter(|(on, _)| *on).map(|(_, b)| b).sum();
    2600 + 331 * advice + 108 * fixed + 519 * lookups + gates
}

/// Whether the circuit is predicted to have a deployable verifying-key contract, [`EVM_MARGIN`] to
/// spare.
pub fn fits_evm(params: &CircuitParams, columns: (usize, usize, usize)) -> bool {
    verifier_bytes(params, columns) + EVM_MARGIN <= EIP170_LIMIT
}

/// The predicted cost of proving one circuit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The circuit has `2^k` rows.
    pub k: u32,
    /// Rows the chips use ([`Cost::rows`]: the tallest chip).
    pub rows: usize,
    /// Advice columns.
    pub advice: usize,
    /// Fixed columns, the lookup table's included.
    pub fixed: usize,
    /// Lookup arguments (not lookups performed).
    pub lookups: usize,
    /// Predicted size of the proving key in memory: `32 B · 2^k · (2.55·fixed + 23)` (its file holds
    /// the columns' values only, each in the bytes it needs: 4-9x smaller on the scale suite).
    pub pk_bytes: u64,
    /// Predicted peak memory while proving: `24 MiB + 4.0 x pk_bytes`.
    pub peak_ram_bytes: u64,
    /// Predicted proving time on the 2-core reference machine: `15.0 ns x proving_work + 0.035 s`.
    pub prove_seconds: f64,
    /// Predicted runtime bytes of the verifying-key contract ([`verifier_bytes`]).
    #[serde(default)]
    pub verifier_bytes: usize,
}

impl Estimate {
    /// The estimate for a circuit of cost `cost` at size `k` (columns counted from `params`); `cost` only
    /// supplies `rows`, the predictions depend on `k` and the column counts.
    pub fn of(cost: &Cost, k: u32, params: &CircuitParams) -> Self {
        let (advice, fixed, lookups) = params.columns();
        let pk_bytes = (32.0 * (1u64 << k) as f64 * (2.55 * fixed as f64 + 23.0)) as u64;
        // The bench models measured 31 / 31 / 103 / 244 MiB; the SRS (halo2's two bases plus the
        // commitment code's copy of the Lagrange basis, 192 bytes a row) is small next to the key.
        let peak_ram_bytes = (24u64 << 20) + (4.0 * pk_bytes as f64) as u64;
        let work = proving_work(k, (advice, fixed, lookups), params.tuple_lookups());
        let prove_seconds = 15.0e-9 * work as f64 + 0.035;
        Self {
            k,
            rows: cost.rows(),
            advice,
            fixed,
            lookups,
            pk_bytes,
            peak_ram_bytes,
            prove_seconds,
            verifier_bytes: verifier_bytes(params, (advice, fixed, lookups)),
        }
    }
}

/// Memory the machine can give a new process now: `$ZKINFER_MEMORY_LIMIT` (bytes) when set (for
/// containers whose `/proc/meminfo` shows the host), else `MemAvailable`, if the platform says.
pub fn available_memory() -> Option<u64> {
    if let Some(limit) = std::env::var("ZKINFER_MEMORY_LIMIT")
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return Some(limit);
    }
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn larger_circuits_cost_more() {
        let params = CircuitParams::default();
        let cost = Cost::default();
        let small = Estimate::of(&cost, 11, &params);
        let large = Estimate::of(&cost, 14, &params);
        assert!(
            large.pk_bytes == 8 * small.pk_bytes || large.pk_bytes.abs_diff(8 * small.pk_bytes) < 8
        );
        assert!(large.peak_ram_bytes > small.peak_ram_bytes);
        assert!(large.prove_seconds > small.prove_seconds);
    }
}
