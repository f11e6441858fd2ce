//! KZG commitments that exploit small values. A model's witness and weights are small signed integers
//! (activations, accumulators, quantized weights, selectors, table entries): as field elements a
//! negative one is `r - |v|`, a full 254-bit scalar, and halo2's multi-scalar multiplication pays
//! every one of its windows for it. [`FastKzgParams`] commits to the same polynomial by folding each
//! sign into its base (`v·L_i = |v|·(-L_i)`) and grouping the scalars by size, so a column of 20-bit
//! values costs a few windows instead of all of them. Every MSM of the columns and of the
//! coefficient-form commitments (quotient chunks, the vanishing argument's random polynomial) is
//! [`crate::msm::msm`]'s. The result is the same curve point, so keys and proofs are unchanged
//! (tested); only the time to make them drops.
//!
//! [`FastKzg`] is the commitment scheme halo2's `keygen_*` and `create_proof` are given, and
//! [`FastGwc`] its GWC multi-open prover: halo2's own over the wrapped `ParamsKZG`, so under halo2's
//! proving loop its opening witnesses (one dense MSM per rotation point) still use halo2curves' MSM
//! (halo2-axiom keeps `ProverQuery`'s fields crate-private). zkinfer's own loop (`crate::engine`)
//! opens with its own GWC prover and commits everything with [`commit_small`] or `crate::msm`.
//! Verification keeps halo2's `KZGCommitmentScheme`: nothing a verifier sees differs.

use crate::{Bn256, Fr, G1Affine};
use rand::RngCore;
use rayon::prelude::*;
use std::io;
use std::ops::Deref;
use zkinfer_circuits::halo2_proofs::halo2curves::bn256::G1;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::{Field, PrimeField};
use zkinfer_circuits::halo2_proofs::halo2curves::group::Group;
use zkinfer_circuits::halo2_proofs::poly::commitment::{
    Blind, CommitmentScheme, Params, ParamsProver, Prover,
};
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use zkinfer_circuits::halo2_proofs::poly::kzg::msm::MSMKZG;
use zkinfer_circuits::halo2_proofs::poly::kzg::multiopen::ProverGWC;
use zkinfer_circuits::halo2_proofs::poly::ProverQuery;
use zkinfer_circuits::halo2_proofs::poly::{Coeff, LagrangeCoeff, Polynomial};
use zkinfer_circuits::halo2_proofs::transcript::{EncodedChallenge, TranscriptWrite};
use zkinfer_circuits::halo2_proofs::{SerdeCurveAffine, SerdeFormat};

/// Scalar size classes: at most 32 bits, at most 64 bits, larger (each class gets its own MSM, whose
/// window count follows its largest scalar).
const CLASSES: usize = 3;

/// The bit length of a scalar's limbs.
fn bit_length(l: &[u64; 4]) -> u32 {
    (0..4)
        .rev()
        .find(|&i| l[i] != 0)
        .map_or(0, |i| 64 * i as u32 + 64 - l[i].leading_zeros())
}

/// The class of `|v|`, its limbs, and whether `v` is "negative" (`r - |v|` with `|v|` the smaller of
/// `v` and `r - v`). Large values are centred too: a packed weight with a negative top lane is a full
/// 254-bit element whose negation has the lanes' bit length and their sparse signed digits.
fn classify(v: &Fr) -> Option<(usize, [u64; 4], bool)> {
    let class = |bits: u32| match bits {
        0..=32 => 0,
        33..=64 => 1,
        _ => CLASSES - 1,
    };
    let limbs = crate::msm::limbs(v);
    if limbs == [0; 4] {
        return None;
    }
    if limbs[1..] == [0; 3] {
        return Some((class(bit_length(&limbs)), limbs, false));
    }
    let neg = crate::msm::limbs(&-*v);
    let (bits, neg_bits) = (bit_length(&limbs), bit_length(&neg));
    if neg_bits < bits {
        Some((class(neg_bits), neg, true))
    } else {
        Some((class(bits), limbs, false))
    }
}

/// `Σ values[i]·bases[i]`, with zero scalars skipped, signs folded into the bases and one MSM per size class.
pub fn commit_small(values: &[Fr], bases: &[G1Affine]) -> G1 {
    assert!(values.len() <= bases.len(), "more values than bases");
    let chunk = (values.len() / rayon::current_num_threads().max(1)).max(1 << 10);
    type Class = (Vec<[u64; 4]>, Vec<G1Affine>);
    let parts: Vec<[Class; CLASSES]> = values
        .par_chunks(chunk)
        .zip(bases.par_chunks(chunk))
        .map(|(values, bases)| {
            let mut classes: [Class; CLASSES] = Default::default();
            for (v, base) in values.iter().zip(bases) {
                if let Some((class, scalar, negative)) = classify(v) {
                    classes[class].0.push(scalar);
                    classes[class].1.push(if negative { -*base } else { *base });
                }
            }
            classes
        })
        .collect();
    let mut total = G1::identity();
    for class in 0..CLASSES {
        let scalars: Vec<[u64; 4]> = parts
            .iter()
            .flat_map(|p| p[class].0.iter().copied())
            .collect();
        let points: Vec<G1Affine> = parts
            .iter()
            .flat_map(|p| p[class].1.iter().copied())
            .collect();
        if !scalars.is_empty() {
            total += crate::msm::msm_limbs(&scalars, &points);
        }
    }
    total
}

/// Rows sampled by [`commit_geometric`] for a dominant `a·ω^i` component.
const SAMPLES: usize = 8;

/// `Σ v_i·L_i(τ)` computed as `a·[τ] + Σ (v_i - a·ω^i)·L_i(τ)` when most `v_i` equal `a·ω^i` (since
/// `Σ ω^i·L_i(X) = X`), so only the other rows enter the MSM. A permutation polynomial is such a
/// column: `δ^c·ω^i` on every cell outside a copy cycle (58% of dense_4m's cells, 63% of
/// cifar_vgg's), and its values are full-width scalars, so keygen's permutation commitments shrink to
/// the moved cells. `None` when the sampled rows agree on no such `a` (the caller commits as usual).
fn commit_geometric(values: &[Fr], bases: &[G1Affine], tau: &G1Affine, omega: Fr) -> Option<G1> {
    let n = values.len();
    if n < 2 * SAMPLES || bases.len() < n {
        return None;
    }
    let omega_inv = Option::<Fr>::from(omega.invert())?;
    let candidates: Vec<Fr> = (0..SAMPLES)
        .map(|s| s * (n / SAMPLES) + s)
        .map(|i| values[i] * omega_inv.pow_vartime([i as u64]))
        .collect();
    let count = |a: &Fr| candidates.iter().filter(|c| *c == a).count();
    let a = *candidates.iter().max_by_key(|a| count(a))?;
    if a == Fr::ZERO || 2 * count(&a) < SAMPLES {
        return None;
    }
    let chunk = 1 << 12;
    let rest: Vec<Fr> = values
        .par_chunks(chunk)
        .enumerate()
        .flat_map_iter(|(c, chunk_values)| {
            let mut w = a * omega.pow_vartime([(c * chunk) as u64]);
            chunk_values.iter().map(move |v| {
                let r = *v - w;
                w *= omega;
                r
            })
        })
        .collect();
    Some(commit_small(&rest, &bases[..n]) + G1::from(*tau) * a)
}

/// halo2's KZG parameters plus their Lagrange basis, committing with [`commit_small`].
#[derive(Clone, Debug)]
pub struct FastKzgParams {
    inner: ParamsKZG<Bn256>,
    g_lagrange: Vec<G1Affine>,
    /// The generator `ω` of the `2^k` rows the Lagrange basis interpolates on (halo2's).
    omega: Fr,
}

impl FastKzgParams {
    /// Wrap `params` (the Lagrange basis is read back from halo2's serialization, which is the only
    /// public way to it).
    pub fn new(inner: ParamsKZG<Bn256>) -> Self {
        let bytes = crate::srs::serialize(&inner);
        let n = 1usize << inner.k();
        let point = 64;
        let start = 4 + n * point;
        let g_lagrange = bytes[start..start + n * point]
            .chunks_exact(point)
            .map(|mut raw| {
                G1Affine::read(&mut raw, SerdeFormat::RawBytesUnchecked)
                    .expect("a point halo2 just wrote")
            })
            .collect();
        let mut omega = Fr::ROOT_OF_UNITY;
        for _ in inner.k()..Fr::S {
            omega = omega.square();
        }
        Self {
            inner,
            g_lagrange,
            omega,
        }
    }

    /// The Lagrange basis `[L_i(τ)]·G`, for committing to columns given by their values.
    pub(crate) fn lagrange_bases(&self) -> &[G1Affine] {
        &self.g_lagrange
    }
}

impl Deref for FastKzgParams {
    type Target = ParamsKZG<Bn256>;

    fn deref(&self) -> &ParamsKZG<Bn256> {
        &self.inner
    }
}

impl<'params> Params<'params, G1Affine> for FastKzgParams {
    type MSM = MSMKZG<Bn256>;

    fn k(&self) -> u32 {
        Params::k(&self.inner)
    }

    fn n(&self) -> u64 {
        Params::n(&self.inner)
    }

    fn downsize(&mut self, k: u32) {
        self.inner.downsize(k);
        *self = Self::new(self.inner.clone());
    }

    fn empty_msm(&'params self) -> MSMKZG<Bn256> {
        self.inner.empty_msm()
    }

    fn commit_lagrange(&self, poly: &Polynomial<Fr, LagrangeCoeff>, _: Blind<Fr>) -> G1 {
        let tau = &self.inner.get_g()[1];
        commit_geometric(poly, &self.g_lagrange, tau, self.omega)
            .unwrap_or_else(|| commit_small(poly, &self.g_lagrange))
    }

    fn write<W: io::Write>(&self, writer: &mut W) -> io::Result<()> {
        Params::write(&self.inner, writer)
    }

    fn read<R: io::Read>(reader: &mut R) -> io::Result<Self> {
        <ParamsKZG<Bn256> as Params<G1Affine>>::read(reader).map(Self::new)
    }
}

impl<'params> ParamsProver<'params, G1Affine> for FastKzgParams {
    type ParamsVerifier = ParamsKZG<Bn256>;

    fn new(k: u32) -> Self {
        Self::new(<ParamsKZG<Bn256> as ParamsProver<G1Affine>>::new(k))
    }

    fn commit(&self, poly: &Polynomial<Fr, Coeff>, _: Blind<Fr>) -> G1 {
        // KZG commitments carry no blinding term (halo2 ignores it too).
        let g = self.inner.get_g();
        assert!(poly.len() <= g.len(), "polynomial longer than the SRS");
        crate::msm::msm(poly, g)
    }

    fn get_g(&self) -> &[G1Affine] {
        self.inner.get_g()
    }

    fn verifier_params(&'params self) -> &'params ParamsKZG<Bn256> {
        &self.inner
    }
}

/// The commitment scheme of proving and keygen: halo2's KZG with [`FastKzgParams`].
#[derive(Debug)]
pub struct FastKzg;

impl CommitmentScheme for FastKzg {
    type Scalar = Fr;
    type Curve = G1Affine;
    type ParamsProver = FastKzgParams;
    type ParamsVerifier = ParamsKZG<Bn256>;

    fn new_params(k: u32) -> FastKzgParams {
        <FastKzgParams as ParamsProver<G1Affine>>::new(k)
    }

    fn read_params<R: io::Read>(reader: &mut R) -> io::Result<FastKzgParams> {
        <FastKzgParams as Params<G1Affine>>::read(reader)
    }
}

/// halo2's GWC multi-open prover, over the wrapped parameters. Its opening witnesses are committed by
/// halo2's own MSM: the queries' polynomials are private to halo2, so no wrapper can reach them.
pub struct FastGwc<'params>(ProverGWC<'params, Bn256>);

impl<'params> Prover<'params, FastKzg> for FastGwc<'params> {
    const QUERY_INSTANCE: bool =
        <ProverGWC<'params, Bn256> as Prover<'params, KZGCommitmentScheme<Bn256>>>::QUERY_INSTANCE;

    fn new(params: &'params FastKzgParams) -> Self {
        Self(ProverGWC::new(&params.inner))
    }

    fn create_proof<'com, E: EncodedChallenge<G1Affine>, T: TranscriptWrite<G1Affine, E>, R, I>(
        &self,
        rng: R,
        transcript: &mut T,
        queries: I,
    ) -> io::Result<()>
    where
        I: IntoIterator<Item = ProverQuery<'com, G1Affine>> + Clone,
        R: RngCore,
    {
        self.0.create_proof(rng, transcript, queries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use zkinfer_circuits::halo2_proofs::halo2curves::ff::Field;
    use zkinfer_circuits::halo2_proofs::halo2curves::group::Curve;

    fn to_affine(point: G1) -> G1Affine {
        point.to_affine()
    }

    fn value(rng: &mut StdRng, i: usize) -> Fr {
        let small = Fr::from(rng.next_u64() >> (i % 50));
        match i % 7 {
            0 => Fr::ZERO,
            1 | 2 => small,
            3 | 4 => -small,
            5 => Fr::random(&mut *rng),
            _ => -Fr::from(u64::MAX),
        }
    }

    /// A lane-packed weight: eight signed 13-bit lanes 28 bits apart (dense_4m's layout), so the
    /// sign of the top lane decides whether the element is small or `r -` small.
    fn packed(rng: &mut StdRng) -> Fr {
        (0..8).fold(Fr::ZERO, |acc, _| {
            let lane = (rng.next_u32() % (1 << 13)) as u64;
            let lane = Fr::from(lane) - Fr::from(1 << 12);
            acc * Fr::from(1 << 28) + lane
        })
    }

    const K: u32 = 6;

    /// halo2's parameters for `2^K` rows and ours around them.
    fn params(rng: &mut StdRng) -> (ParamsKZG<Bn256>, FastKzgParams) {
        let plain = ParamsKZG::<Bn256>::setup(K, rng);
        let fast = FastKzgParams::new(plain.clone());
        (plain, fast)
    }

    #[test]
    fn commitments_equal_halo2s() {
        let mut rng = StdRng::seed_from_u64(7);
        let (plain, fast) = params(&mut rng);
        let n = 1 << K;
        for case in 0..9 {
            let values: Vec<Fr> = match case {
                0 => vec![Fr::ZERO; n],
                1 => (0..n).map(|i| Fr::from(i as u64)).collect(),
                2 => (0..n).map(|i| -Fr::from(i as u64 + 1)).collect(),
                3 => (0..n).map(|_| Fr::random(&mut rng)).collect(),
                4 => vec![-Fr::ONE; n],
                8 => (0..n).map(|_| packed(&mut rng)).collect(),
                _ => (0..n).map(|i| value(&mut rng, i + case)).collect(),
            };
            let poly = Polynomial::<Fr, LagrangeCoeff>::new(values);
            assert_eq!(
                to_affine(fast.commit_lagrange(&poly, Blind::default())),
                to_affine(plain.commit_lagrange(&poly, Blind::default())),
                "case {case}"
            );
        }
    }

    /// Columns that are mostly `a·ω^i` (permutation polynomials) take the shortcut; it must give
    /// halo2's point, with the first row moved or not, and fall back on columns without such an `a`.
    #[test]
    fn geometric_commitments_equal_halo2s() {
        let mut rng = StdRng::seed_from_u64(9);
        let (plain, fast) = params(&mut rng);
        let n = 1 << K;
        let omega = fast.omega;
        assert_eq!(omega.pow_vartime([n as u64]), Fr::ONE);
        assert_ne!(omega.pow_vartime([n as u64 / 2]), Fr::ONE);
        let a = Fr::random(&mut rng);
        let geometric: Vec<Fr> = (0..n).map(|i| a * omega.pow_vartime([i as u64])).collect();
        for moved in [0usize, 1, 5, n / 3] {
            let mut values = geometric.clone();
            for i in 0..moved {
                values[(i * 7) % n] = Fr::random(&mut rng);
            }
            let poly = Polynomial::<Fr, LagrangeCoeff>::new(values.clone());
            let tau = &plain.get_g()[1];
            let shortcut = commit_geometric(&values, &fast.g_lagrange, tau, omega);
            assert!(shortcut.is_some(), "{moved} moved rows: no shortcut taken");
            assert_eq!(
                to_affine(fast.commit_lagrange(&poly, Blind::default())),
                to_affine(plain.commit_lagrange(&poly, Blind::default())),
                "{moved} moved rows"
            );
        }
        let random: Vec<Fr> = (0..n).map(|_| Fr::random(&mut rng)).collect();
        let tau = &plain.get_g()[1];
        assert!(commit_geometric(&random, &fast.g_lagrange, tau, omega).is_none());
    }

    #[test]
    fn coefficient_commitments_equal_halo2s() {
        let mut rng = StdRng::seed_from_u64(8);
        let (plain, fast) = params(&mut rng);
        for len in [1usize, 5, 1 << K] {
            let coeffs: Vec<Fr> = (0..len).map(|i| value(&mut rng, i)).collect();
            let poly = Polynomial::<Fr, Coeff>::new(coeffs);
            assert_eq!(
                to_affine(fast.commit(&poly, Blind::default())),
                to_affine(plain.commit(&poly, Blind::default())),
                "{len} coefficients"
            );
        }
    }

    #[test]
    fn classes_hold_the_magnitude_and_the_sign() {
        assert_eq!(classify(&Fr::ZERO), None);
        assert_eq!(classify(&Fr::from(5)), Some((0, [5, 0, 0, 0], false)));
        assert_eq!(classify(&-Fr::from(5)), Some((0, [5, 0, 0, 0], true)));
        assert_eq!(
            classify(&-Fr::from(1u64 << 40)),
            Some((1, [1 << 40, 0, 0, 0], true))
        );
        // (2^64 - 1)^2 = 2^128 - 2^65 + 1: limbs 1 and 2^64 - 2.
        let big = Fr::from(u64::MAX) * Fr::from(u64::MAX);
        assert_eq!(classify(&big), Some((2, [1, u64::MAX - 1, 0, 0], false)));
        // Its negation is a full-width element: centred, it is `big` with the sign folded.
        assert_eq!(classify(&-big), Some((2, [1, u64::MAX - 1, 0, 0], true)));
        let (class, limbs, negative) =
            classify(&(Fr::ZERO - Fr::from(3).invert().unwrap())).unwrap();
        assert_eq!(class, 2);
        let value = Fr::from_raw(limbs);
        assert_eq!(
            if negative { -value } else { value },
            -Fr::from(3).invert().unwrap()
        );
    }
}
