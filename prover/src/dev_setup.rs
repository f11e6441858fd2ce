//! The local development setup, fast: the same SRS halo2's `ParamsKZG::setup` makes from the same
//! `τ`, without its per-point scalar multiplications and per-point inversions. The creator knows `τ`,
//! so every scalar is computed in the field first, `τ^i` by running products and the Lagrange basis
//! `L_i(τ) = (τ^n - 1)/n · ω^i/(τ - ω^i)` with one batch inversion, and then all `2n` points are one
//! fixed-base batch multiplication of the generator (a table of `d·2^(8w)·G` for every byte `d` of
//! every byte position `w`: at most 32 mixed additions per point), in parallel. Insecure like any
//! local setup: whoever ran it knows `τ`.

use crate::{Bn256, Fr, G1Affine};
use halo2_proofs::halo2curves::bn256::{G2Affine, G1};
use halo2_proofs::halo2curves::ff::{BatchInvert, Field, PrimeField};
use halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_proofs::halo2curves::group::{Curve, Group};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use rayon::prelude::*;
use zkinfer_circuits::halo2_proofs;

/// Points per parallel chunk (batch normalization and the running powers work per chunk).
const CHUNK: usize = 1 << 12;

/// `[d·2^(8w)·G]` for `w < 32`, `d < 256` (row `w`, entry `d`; entry 0 is the identity, unused).
fn byte_table() -> Vec<Vec<G1Affine>> {
    let mut base = G1::generator();
    (0..32)
        .map(|_| {
            let mut row = vec![G1::identity(); 256];
            for d in 1..256 {
                row[d] = row[d - 1] + base;
            }
            for _ in 0..8 {
                base = base.double();
            }
            let mut affine = vec![G1Affine::identity(); 256];
            G1::batch_normalize(&row, &mut affine);
            affine
        })
        .collect()
}

/// `[s]G` for every scalar `s`, by bytes from the table.
fn fixed_base(table: &[Vec<G1Affine>], scalars: &[Fr]) -> Vec<G1Affine> {
    let mut out = vec![G1Affine::identity(); scalars.len()];
    out.par_chunks_mut(CHUNK)
        .zip(scalars.par_chunks(CHUNK))
        .for_each(|(out, scalars)| {
            let projective: Vec<G1> = scalars
                .iter()
                .map(|s| {
                    let bytes = s.to_repr();
                    let mut acc = G1::identity();
                    for (row, byte) in table.iter().zip(bytes.as_ref()) {
                        if *byte != 0 {
                            acc += row[usize::from(*byte)];
                        }
                    }
                    acc
                })
                .collect();
            G1::batch_normalize(&projective, out);
        });
    out
}

/// The `n`-th root of unity halo2's setup and FFTs use for `n = 2^k`.
fn root_of_unity(k: u32) -> Fr {
    let mut root = Fr::ROOT_OF_UNITY_INV.invert().unwrap_or(Fr::ONE);
    for _ in k..Fr::S {
        root = root.square();
    }
    root
}

/// `[x^start, x^(start+1), ...]` for every chunk of `len` values, in parallel.
fn powers(x: Fr, len: usize) -> Vec<Fr> {
    let mut out = vec![Fr::ONE; len];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut current = x.pow_vartime([(c * CHUNK) as u64]);
            for v in chunk.iter_mut() {
                *v = current;
                current *= x;
            }
        });
    out
}

/// The SRS of `2^k` powers of `tau`, equal to `ParamsKZG::setup(k, rng)` when `rng` draws `tau`.
pub fn setup(k: u32, tau: Fr) -> ParamsKZG<Bn256> {
    let n = 1usize << k;
    let g_scalars = powers(tau, n);
    let omegas = powers(root_of_unity(k), n);
    // L_i(τ) = (τ^n - 1)/n · ω^i / (τ - ω^i); τ is a root of unity with negligible probability.
    let mut denominators: Vec<Fr> = omegas.par_iter().map(|w| tau - w).collect();
    denominators.par_chunks_mut(CHUNK).for_each(|chunk| {
        chunk.batch_invert();
    });
    let n_inv = Fr::from(n as u64).invert().unwrap_or(Fr::ZERO);
    let multiplier = (tau.pow_vartime([n as u64]) - Fr::ONE) * n_inv;
    let lagrange: Vec<Fr> = omegas
        .par_iter()
        .zip(&denominators)
        .map(|(w, inv)| multiplier * w * inv)
        .collect();
    let table = byte_table();
    let g = fixed_base(&table, &g_scalars);
    let g_lagrange = fixed_base(&table, &lagrange);
    let g2 = G2Affine::generator();
    let s_g2 = (g2 * tau).to_affine();
    // `from_parts` is a method: a one-point setup serves as its receiver.
    let scaffold = ParamsKZG::<Bn256>::setup(0, rand::rngs::OsRng);
    scaffold.from_parts(k, g, Some(g_lagrange), g2, s_g2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srs::serialize;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    /// The same SRS, byte for byte, as halo2's own setup from the same randomness, for several sizes.
    #[test]
    fn equals_halo2s_setup_for_the_same_tau() {
        for k in [0, 1, 3, 6] {
            let rng = StdRng::seed_from_u64(u64::from(k) + 7);
            let theirs = ParamsKZG::<Bn256>::setup(k, rng.clone());
            let tau = Fr::random(rng);
            let ours = setup(k, tau);
            assert!(serialize(&ours) == serialize(&theirs), "k={k}");
        }
        // A different τ gives different bytes (the comparison above can fail).
        let other = setup(3, Fr::from(5));
        let theirs = ParamsKZG::<Bn256>::setup(3, StdRng::seed_from_u64(10));
        assert!(serialize(&other) != serialize(&theirs));
    }
}
