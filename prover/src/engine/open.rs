//! The openings: every polynomial's evaluations at the points the verifier queries, and halo2's GWC
//! multi-open proof of them (one KZG witness per distinct point, the queries at a point batched with
//! powers of `v`), in the order halo2's `ProverGWC` and `VerifierGWC` use.

use super::{transcript_err, Committed, Prover};
use crate::commit::FastKzgParams;
use crate::error::Result;
use crate::{Fr, G1Affine};
use rayon::prelude::*;
use zkinfer_circuits::halo2_proofs::arithmetic::kate_division;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::Field;
use zkinfer_circuits::halo2_proofs::halo2curves::group::Curve;
use zkinfer_circuits::halo2_proofs::poly::commitment::ParamsProver;
use zkinfer_circuits::halo2_proofs::poly::Rotation;
use zkinfer_circuits::halo2_proofs::transcript::{EncodedChallenge, TranscriptWrite};

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

fn query(point: Fr, poly: &[Fr]) -> Query<'_> {
    Query { point, poly }
}

impl Prover<'_> {
    /// `x` rotated by `r` rows.
    fn at(&self, x: Fr, r: i32) -> Fr {
        self.domain.rotate_omega(x, Rotation(r))
    }

    /// The rotation from a row back to the last usable row.
    fn last(&self) -> i32 {
        -((self.cs.blinding_factors() + 1) as i32)
    }

    /// Each advice column at each rotation the constraints read it, in the key's order.
    fn advice_at(&self, x: Fr) -> Vec<Query<'_>> {
        let advice = &self.advice.advice_polys;
        let queries = self.cs.advice_queries().iter();
        queries
            .map(|(c, r)| query(self.at(x, r.0), &advice[c.index()][..]))
            .collect()
    }

    /// Each fixed column at each rotation, then each permutation polynomial at `x`.
    fn fixed_at(&self, x: Fr) -> (Vec<Query<'_>>, Vec<Query<'_>>) {
        let fixed = self.pk.fixed_polys();
        let queries = self.cs.fixed_queries().iter();
        let fixed = queries.map(|(c, r)| query(self.at(x, r.0), &fixed[c.index()][..]));
        let sigmas = self.pk.permutation().polys().iter();
        (fixed.collect(), sigmas.map(|p| query(x, &p[..])).collect())
    }

    /// Every opening, in halo2's order (advice, permutation products, lookups, fixed, permutation
    /// polynomials, then `h` and the vanishing argument's random polynomial).
    pub(super) fn queries<'b>(
        &'b self,
        x: Fr,
        products: &'b [Committed],
        lookups: &'b [[Committed; 3]],
        h: &'b [Fr],
        random: &'b [Fr],
    ) -> Vec<Query<'b>> {
        let (next, prev, last) = (self.at(x, 1), self.at(x, -1), self.at(x, self.last()));
        let mut q = self.advice_at(x);
        for z in products {
            q.extend([query(x, &z.coeffs), query(next, &z.coeffs)]);
        }
        q.extend(
            products
                .iter()
                .rev()
                .skip(1)
                .map(|z| query(last, &z.coeffs)),
        );
        for [z, a, s] in lookups {
            let (z, a, s) = (&z.coeffs[..], &a.coeffs[..], &s.coeffs[..]);
            q.extend([
                query(x, z),
                query(x, a),
                query(x, s),
                query(prev, a),
                query(next, z),
            ]);
        }
        let (fixed, sigmas) = self.fixed_at(x);
        q.extend(fixed.into_iter().chain(sigmas));
        q.extend([query(x, h), query(x, random)]);
        q
    }

    /// The evaluations the verifier reads, in halo2's transcript order (advice, fixed, the random
    /// polynomial, permutation polynomials, permutation products, lookups).
    pub(super) fn write_evals<E: EncodedChallenge<G1Affine>, T: TranscriptWrite<G1Affine, E>>(
        &self,
        x: Fr,
        products: &[Committed],
        lookups: &[[Committed; 3]],
        random: &[Fr],
        transcript: &mut T,
    ) -> Result<()> {
        let (next, prev, last) = (self.at(x, 1), self.at(x, -1), self.at(x, self.last()));
        let (fixed, sigmas) = self.fixed_at(x);
        let mut q = self.advice_at(x);
        q.extend(fixed);
        q.push(query(x, random));
        q.extend(sigmas);
        for (i, z) in products.iter().enumerate() {
            q.extend([query(x, &z.coeffs), query(next, &z.coeffs)]);
            if i + 1 < products.len() {
                q.push(query(last, &z.coeffs));
            }
        }
        for [z, a, s] in lookups {
            let (z, a, s) = (&z.coeffs[..], &a.coeffs[..], &s.coeffs[..]);
            q.extend([
                query(x, z),
                query(next, z),
                query(x, a),
                query(prev, a),
                query(x, s),
            ]);
        }
        for e in evals(&q) {
            transcript.write_scalar(e).map_err(transcript_err)?;
        }
        Ok(())
    }
}
