//! The quotient `h(X) = (Σ y^i·c_i(X)) / (X^n - 1)` over every constraint `c_i` (gates, then the
//! permutation argument, then each lookup, in the verifier's order), evaluated one coset part of the
//! extended domain at a time and returned as `quotient_poly_degree` pieces of `n` coefficients.
//!
//! On part `j` (the points `ζ·ω_ext^j·ω^i`) the vanishing polynomial is the constant
//! `(ζ·ω_ext^j)^n - 1`, so dividing by it is one multiplication per value.

use super::expr::Columns;
use super::fft::Fft;
use super::lookup::CHUNK;
use crate::{Fr, G1Affine};
use rayon::prelude::*;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::{Field, PrimeField, WithSmallOrderMulGroup};
use zkinfer_circuits::halo2_proofs::plonk::{Any, ConstraintSystem, ProvingKey};
use zkinfer_circuits::halo2_proofs::poly::EvaluationDomain;

/// Everything the quotient reads, in coefficient form.
pub(crate) struct Inputs<'a> {
    pub cs: &'a ConstraintSystem<Fr>,
    /// The key: its own polynomials (fixed columns, Lagrange, permutation) are read from it.
    pub pk: &'a ProvingKey<G1Affine>,
    pub advice: Vec<&'a [Fr]>,
    pub instance: Vec<&'a [Fr]>,
    /// The permutation sets' grand products.
    pub products: Vec<&'a [Fr]>,
    /// Each lookup's grand product, permuted input and permuted table.
    pub lookups: Vec<[&'a [Fr]; 3]>,
    /// Columns per permutation set: the key's degree less 2.
    pub chunk_len: usize,
}

/// The verifier's challenges the quotient depends on.
pub(crate) struct Challenges<'a> {
    pub theta: Fr,
    pub beta: Fr,
    pub gamma: Fr,
    pub y: Fr,
    pub phase: &'a [Fr],
}

/// The extended-domain evaluations of a key's own polynomials (fixed columns, `l_0`, `l_last`,
/// `l_active_row`, permutation polynomials), part by part: the same on every proof, so a prover that
/// keeps them skips their transforms (64 of cifar_vgg's 125 per part). About twice the proving key.
pub struct FixedCosets {
    parts: Vec<Vec<Vec<Fr>>>,
}

impl FixedCosets {
    /// The cosets of `pk`'s polynomials on every part of its extended domain.
    pub fn of(pk: &ProvingKey<G1Affine>) -> Self {
        let fft = Fft::new(pk.get_vk().get_domain());
        let polys = keyed(pk);
        let parts = (0..fft.parts())
            .map(|j| {
                polys
                    .par_iter()
                    .map(|p| {
                        let mut out = Vec::new();
                        fft.coset_part(p, j, &mut out);
                        out
                    })
                    .collect()
            })
            .collect();
        FixedCosets { parts }
    }

    /// The bytes they hold.
    pub fn bytes(&self) -> usize {
        self.parts.iter().flatten().map(|c| 32 * c.len()).sum()
    }

    fn fits(&self, pk: &ProvingKey<G1Affine>, n: usize, parts: usize) -> bool {
        self.parts.len() == parts
            && self
                .parts
                .iter()
                .all(|p| p.len() == keyed(pk).len() && p.iter().all(|c| c.len() == n))
    }
}

/// A key's own polynomials in coefficient form, in the order of [`FixedCosets`]: fixed columns,
/// `l_0`, `l_last`, `l_active_row`, permutation polynomials.
fn keyed(pk: &ProvingKey<G1Affine>) -> Vec<&[Fr]> {
    pk.fixed_polys()
        .iter()
        .chain([pk.l0(), pk.l_last(), pk.l_active_row()])
        .chain(pk.permutation().polys())
        .map(|p| &p[..])
        .collect()
}

/// `h(X)`'s pieces; the key's cosets from `cached` when given (and of this key's shape), else
/// transformed here.
pub(crate) fn pieces(
    fft: &Fft,
    domain: &EvaluationDomain<Fr>,
    inputs: &Inputs<'_>,
    ch: &Challenges<'_>,
    cached: Option<&FixedCosets>,
) -> Vec<Vec<Fr>> {
    let cached = cached.filter(|c| c.fits(inputs.pk, fft.n(), fft.parts()));
    let keyed = if cached.is_some() {
        Vec::new()
    } else {
        keyed(inputs.pk)
    };
    let fresh: Vec<&[Fr]> = keyed
        .iter()
        .copied()
        .chain(
            [&inputs.advice, &inputs.instance]
                .into_iter()
                .flatten()
                .copied(),
        )
        .chain(inputs.products.iter().copied())
        .chain(inputs.lookups.iter().flatten().copied())
        .collect();
    // One buffer per polynomial, filled (and first touched) in parallel, reused by every part.
    let mut cosets: Vec<Vec<Fr>> = vec![Vec::new(); fresh.len()];
    let parts: Vec<Vec<Fr>> = (0..fft.parts())
        .map(|j| {
            cosets
                .par_iter_mut()
                .zip(&fresh)
                .for_each(|(out, p)| fft.coset_part(p, j, out));
            let (key, proof) = cosets.split_at(keyed.len());
            let key: Vec<&[Fr]> = match cached {
                Some(c) => c.parts[j].iter().map(Vec::as_slice).collect(),
                None => key.iter().map(Vec::as_slice).collect(),
            };
            let proof: Vec<&[Fr]> = proof.iter().map(Vec::as_slice).collect();
            let mut values = part(&key, &proof, domain, inputs, ch, j);
            let t = domain.t_evaluations[j];
            values.par_iter_mut().for_each(|v| *v *= t);
            values
        })
        .collect();
    drop(cosets);
    let mut pieces = fft.coefficients_of_parts(parts, domain.get_extended_omega());
    pieces.truncate(domain.get_quotient_poly_degree());
    pieces
}

/// Splits `list` into consecutive runs of the given lengths.
fn runs<'a>(mut list: &'a [&'a [Fr]], lengths: &[usize]) -> Vec<Vec<&'a [Fr]>> {
    lengths
        .iter()
        .map(|&len| {
            let (head, tail) = list.split_at(len);
            list = tail;
            head.to_vec()
        })
        .collect()
}

/// The constraints' combination on part `j`, from the key's cosets (in [`FixedCosets`]' order) and
/// the proof's (advice, instance, permutation products, lookups).
fn part(
    key: &[&[Fr]],
    proof: &[&[Fr]],
    domain: &EvaluationDomain<Fr>,
    inputs: &Inputs<'_>,
    ch: &Challenges<'_>,
    j: usize,
) -> Vec<Fr> {
    let n = 1usize << domain.k();
    let sizes = [
        inputs.pk.fixed_polys().len(),
        3,
        inputs.pk.permutation().polys().len(),
    ];
    let mut key = runs(key, &sizes).into_iter();
    let [fixed, lagrange, sigmas] = [(); 3].map(|_| key.next().unwrap_or_default());
    let lengths = [
        inputs.advice.len(),
        inputs.instance.len(),
        inputs.products.len(),
        3 * inputs.lookups.len(),
    ];
    let mut proof = runs(proof, &lengths).into_iter();
    let [advice, instance, products, lookups] = [(); 4].map(|_| proof.next().unwrap_or_default());
    let cols = Columns {
        fixed,
        advice,
        instance,
        challenges: ch.phase,
        n,
    };
    let wires = inputs
        .cs
        .permutation()
        .get_columns()
        .iter()
        .map(|c| match c.column_type() {
            Any::Advice(_) => cols.advice[c.index()],
            Any::Fixed => cols.fixed[c.index()],
            Any::Instance => cols.instance[c.index()],
        })
        .collect();
    let coset = Coset {
        l0: lagrange[0],
        l_last: lagrange[1],
        l_active: lagrange[2],
        sigmas,
        products,
        lookups,
        wires,
        chunk_len: inputs.chunk_len,
        x0: Fr::ZETA * domain.get_extended_omega().pow_vartime([j as u64]),
        omega: domain.get_omega(),
        last: n - (inputs.cs.blinding_factors() + 1),
    };
    let mut values = vec![Fr::ZERO; n];
    values
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, out)| coset.chunk(inputs.cs, &cols, ch, c * CHUNK, out));
    values
}

/// One part's cosets of the argument polynomials.
struct Coset<'a> {
    l0: &'a [Fr],
    l_last: &'a [Fr],
    l_active: &'a [Fr],
    sigmas: Vec<&'a [Fr]>,
    products: Vec<&'a [Fr]>,
    lookups: Vec<&'a [Fr]>,
    /// The permutation argument's columns, in its order.
    wires: Vec<&'a [Fr]>,
    chunk_len: usize,
    /// The part's first point `ζ·ω_ext^j`.
    x0: Fr,
    omega: Fr,
    /// Rotation back to the last usable row: `n - (blinding_factors + 1)` rows on, mod `n`.
    last: usize,
}

impl Coset<'_> {
    /// The constraints at rows `start..start + out.len()`, written to `out`.
    fn chunk(
        &self,
        cs: &ConstraintSystem<Fr>,
        cols: &Columns<'_>,
        ch: &Challenges<'_>,
        start: usize,
        out: &mut [Fr],
    ) {
        let len = out.len();
        let y = ch.y;
        for poly in cs.gates().iter().flat_map(|g| g.polynomials()) {
            cols.fold_into(out, y, poly, start);
        }
        if !self.products.is_empty() {
            self.permutation(cols.n, ch, start, out);
        }
        for (l, lookup) in cs.lookups().iter().enumerate() {
            let input = cols.compress(lookup.input_expressions(), ch.theta, start, len);
            let table = cols.compress(lookup.table_expressions(), ch.theta, start, len);
            let [z, a, s] = [0, 1, 2].map(|i| self.lookups[3 * l + i]);
            let n = cols.n;
            for (i, acc) in out.iter_mut().enumerate() {
                let idx = start + i;
                let (next, prev) = ((idx + 1) % n, (idx + n - 1) % n);
                let table_value = (input[i] + ch.beta) * (table[i] + ch.gamma);
                let a_minus_s = a[idx] - s[idx];
                let terms = [
                    (Fr::ONE - z[idx]) * self.l0[idx],
                    (z[idx].square() - z[idx]) * self.l_last[idx],
                    (z[next] * (a[idx] + ch.beta) * (s[idx] + ch.gamma) - z[idx] * table_value)
                        * self.l_active[idx],
                    a_minus_s * self.l0[idx],
                    a_minus_s * (a[idx] - a[prev]) * self.l_active[idx],
                ];
                *acc = terms.iter().fold(*acc, |acc, t| acc * y + t);
            }
        }
    }

    /// The permutation argument's constraints at rows `start..start + out.len()`.
    fn permutation(&self, n: usize, ch: &Challenges<'_>, start: usize, out: &mut [Fr]) {
        let chunk_len = self.chunk_len;
        let values = &self.wires;
        let (first, last) = (self.products[0], self.products[self.products.len() - 1]);
        let y = ch.y;
        let mut x = self.x0 * self.omega.pow_vartime([start as u64]);
        for (i, acc) in out.iter_mut().enumerate() {
            let idx = start + i;
            let (next, back) = ((idx + 1) % n, (idx + self.last) % n);
            let mut v = *acc * y + (Fr::ONE - first[idx]) * self.l0[idx];
            v = v * y + (last[idx].square() - last[idx]) * self.l_last[idx];
            for s in 1..self.products.len() {
                v = v * y + (self.products[s][idx] - self.products[s - 1][back]) * self.l0[idx];
            }
            let mut delta = ch.beta * x;
            for ((z, vals), sigmas) in self
                .products
                .iter()
                .zip(values.chunks(chunk_len))
                .zip(self.sigmas.chunks(chunk_len))
            {
                let mut left = z[next];
                for (c, sigma) in vals.iter().zip(sigmas) {
                    left *= c[idx] + ch.beta * sigma[idx] + ch.gamma;
                }
                let mut right = z[idx];
                for c in vals {
                    right *= c[idx] + delta + ch.gamma;
                    delta *= Fr::DELTA;
                }
                v = v * y + (left - right) * self.l_active[idx];
            }
            *acc = v;
            x *= self.omega;
        }
    }
}
