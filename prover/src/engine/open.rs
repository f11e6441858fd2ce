//! The openings: every polynomial's evaluations at the points the verifier queries, and halo2's GWC
//! multi-open proof of them (one KZG witness per distinct point, the queries at a point batched with
//! powers of `v`), in the order halo2's `ProverGWC` and `VerifierGWC` use.

use crate::commit::FastKzgParams;
use crate::{Fr, G1Affine};
use rayon::prelude::*;
use zkinfer_circuits::halo2_proofs::arithmetic::kate_division;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::Field;
use zkinfer_circuits::halo2_proofs::halo2curves::group::Curve;
use zkinfer_circuits::halo2_proofs::poly::commitment::ParamsProver;

/// A polynomial (coefficients) opened at a point.
#[derive(Clone, Copy)]
pub(crate) struct Query<'a> {
    pub point: Fr,
    pub poly: &'a [Fr],
}

/// `poly(point)`, by Horner's rule.
pub(crate) fn eval(poly: &[Fr], point: Fr) -> Fr {
    poly.iter().rev().fold(Fr::ZERO, |acc, c| acc * point + c)
}

/// Each query's evaluation, in order.
pub(crate) fn evals(queries: &[Query<'_>]) -> Vec<Fr> {
    queries.par_iter().map(|q| eval(q.poly, q.point)).collect()
}

/// GWC's witness commitments: for each distinct point `z` (in order of first appearance),
/// `[(Σ_i v^i·p_i(X) - Σ_i v^i·p_i(z)) / (X - z)]`, the `p_i` being that point's queries in order.
pub(crate) fn gwc(params: &FastKzgParams, queries: &[Query<'_>], v: Fr) -> Vec<G1Affine> {
    let mut points: Vec<(Fr, Vec<&[Fr]>)> = Vec::new();
    for q in queries {
        match points.iter_mut().find(|(z, _)| *z == q.point) {
            Some((_, polys)) => polys.push(q.poly),
            None => points.push((q.point, vec![q.poly])),
        }
    }
    points
        .par_iter()
        .map(|(z, polys)| {
            let len = polys.iter().map(|p| p.len()).max().unwrap_or(0);
            let weights: Vec<Fr> = std::iter::successors(Some(Fr::ONE), |w| Some(*w * v))
                .take(polys.len())
                .collect();
            let mut batch = vec![Fr::ZERO; len];
            batch
                .par_chunks_mut(1 << 12)
                .enumerate()
                .for_each(|(c, out)| {
                    let start = c << 12;
                    for (p, w) in polys.iter().zip(&weights) {
                        for (o, coeff) in out.iter_mut().zip(p.iter().skip(start)) {
                            *o += *coeff * w;
                        }
                    }
                });
            // The quotient by (X - z) drops the remainder, so subtracting the evaluations is not needed.
            let witness = kate_division(&batch, *z);
            crate::msm::msm(&witness, params.get_g()).to_affine()
        })
        .collect()
}
