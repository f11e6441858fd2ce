//! halo2's permutation (copy-constraint) argument, prover side: one grand product `z` per set of
//! `degree - 2` columns, chained so each set starts where the previous one ended (halo2-axiom 0.5.3's
//! `plonk::permutation::prover`, the same polynomials).

use super::lookup::CHUNK;
use crate::Fr;
use rand::RngCore;
use rayon::prelude::*;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::{BatchInvert, Field, PrimeField};

/// One column of a permutation set: its values and its permutation `σ`, both on the circuit's rows.
pub(crate) struct Wire<'a> {
    pub values: &'a [Fr],
    pub sigma: &'a [Fr],
}

/// `Π_c (v_c + β·δ^c·ω^i + γ) / (v_c + β·σ_c + γ)` at each usable row `i`, `c` counting the columns
/// from `first` (the set's first column's index in the whole argument).
fn ratios(
    wires: &[Wire<'_>],
    first: usize,
    beta: Fr,
    gamma: Fr,
    omega: Fr,
    usable: usize,
) -> Vec<Fr> {
    let mut ratio = vec![Fr::ONE; usable];
    ratio
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, ratio)| {
            let start = c * CHUNK;
            for wire in wires {
                for (r, (v, s)) in ratio
                    .iter_mut()
                    .zip(wire.values[start..].iter().zip(&wire.sigma[start..]))
                {
                    *r *= beta * s + gamma + v;
                }
            }
            ratio.iter_mut().batch_invert();
            let omega_start = omega.pow_vartime([start as u64]);
            let mut delta = Fr::DELTA.pow_vartime([first as u64]);
            for wire in wires {
                let mut x = delta * beta * omega_start;
                for (r, v) in ratio.iter_mut().zip(&wire.values[start..]) {
                    *r *= x + gamma + v;
                    x *= omega;
                }
                delta *= Fr::DELTA;
            }
        });
    ratio
}

/// The sets' grand products on all `n` rows: set `s` holds columns `s·chunk_len ..`, starts at the
/// previous set's value on the last usable row (1 for the first) and is random on the blinding rows.
#[allow(clippy::too_many_arguments)]
pub(crate) fn products(
    wires: &[Wire<'_>],
    chunk_len: usize,
    beta: Fr,
    gamma: Fr,
    omega: Fr,
    usable: usize,
    n: usize,
    rng: &mut impl RngCore,
) -> Vec<Vec<Fr>> {
    let ratios: Vec<Vec<Fr>> = wires
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(s, set)| ratios(set, s * chunk_len, beta, gamma, omega, usable))
        .collect();
    let mut last = Fr::ONE;
    ratios
        .into_iter()
        .map(|ratio| {
            let mut z = Vec::with_capacity(n);
            z.push(last);
            for r in &ratio {
                let prev = z[z.len() - 1];
                z.push(prev * r);
            }
            last = z[usable];
            z.extend((usable + 1..n).map(|_| Fr::random(&mut *rng)));
            z
        })
        .collect()
}
