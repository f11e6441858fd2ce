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

impl Prover<'_> {
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
        let at = |r: i32| self.domain.rotate_omega(x, Rotation(r));
        let last = -((self.cs.blinding_factors() + 1) as i32);
        let mut q = Vec::new();
        for (column, rotation) in self.cs.advice_queries() {
            q.push(Query {
                point: at(rotation.0),
                poly: self.advice.advice_polys[column.index()].values(),
            });
        }
        for z in products {
            q.push(Query {
                point: x,
                poly: &z.coeffs,
            });
            q.push(Query {
                point: at(1),
                poly: &z.coeffs,
            });
        }
        for z in products.iter().rev().skip(1) {
            q.push(Query {
                point: at(last),
                poly: &z.coeffs,
            });
        }
        for [z, a, s] in lookups {
            q.push(Query {
                point: x,
                poly: &z.coeffs,
            });
            q.push(Query {
                point: x,
                poly: &a.coeffs,
            });
            q.push(Query {
                point: x,
                poly: &s.coeffs,
            });
            q.push(Query {
                point: at(-1),
                poly: &a.coeffs,
            });
            q.push(Query {
                point: at(1),
                poly: &z.coeffs,
            });
        }
        for (column, rotation) in self.cs.fixed_queries() {
            q.push(Query {
                point: at(rotation.0),
                poly: self.pk.fixed_polys()[column.index()].values(),
            });
        }
        for sigma in self.pk.permutation().polys() {
            q.push(Query {
                point: x,
                poly: sigma.values(),
            });
        }
        q.push(Query { point: x, poly: h });
        q.push(Query {
            point: x,
            poly: random,
        });
        q
    }

    /// The evaluations the verifier reads, in halo2's transcript order.
    pub(super) fn write_evals<E: EncodedChallenge<G1Affine>, T: TranscriptWrite<G1Affine, E>>(
        &self,
        x: Fr,
        products: &[Committed],
        lookups: &[[Committed; 3]],
        random: &[Fr],
        transcript: &mut T,
    ) -> Result<()> {
        let at = |r: i32| self.domain.rotate_omega(x, Rotation(r));
        let last = -((self.cs.blinding_factors() + 1) as i32);
        let mut q = Vec::new();
        for (column, rotation) in self.cs.advice_queries() {
            q.push(Query {
                point: at(rotation.0),
                poly: self.advice.advice_polys[column.index()].values(),
            });
        }
        for (column, rotation) in self.cs.fixed_queries() {
            q.push(Query {
                point: at(rotation.0),
                poly: self.pk.fixed_polys()[column.index()].values(),
            });
        }
        q.push(Query {
            point: x,
            poly: random,
        });
        for sigma in self.pk.permutation().polys() {
            q.push(Query {
                point: x,
                poly: sigma.values(),
            });
        }
        for (i, z) in products.iter().enumerate() {
            q.push(Query {
                point: x,
                poly: &z.coeffs,
            });
            q.push(Query {
                point: at(1),
                poly: &z.coeffs,
            });
            if i + 1 < products.len() {
                q.push(Query {
                    point: at(last),
                    poly: &z.coeffs,
                });
            }
        }
        for [z, a, s] in lookups {
            q.push(Query {
                point: x,
                poly: &z.coeffs,
            });
            q.push(Query {
                point: at(1),
                poly: &z.coeffs,
            });
            q.push(Query {
                point: x,
                poly: &a.coeffs,
            });
            q.push(Query {
                point: at(-1),
                poly: &a.coeffs,
            });
            q.push(Query {
                point: x,
                poly: &s.coeffs,
            });
        }
        for e in evals(&q) {
            transcript.write_scalar(e).map_err(transcript_err)?;
        }
        Ok(())
    }
}
