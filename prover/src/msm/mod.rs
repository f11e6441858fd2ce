//! Multi-scalar multiplication on BN254 G1: Pippenger's bucket method with signed window digits and
//! buckets in extended Jacobian ("XYZZ") coordinates.
//!
//! halo2curves accumulates its buckets with the complete projective formulas (11 multiplications and
//! two multiplications by `3b` per mixed addition). A bucket never needs completeness: adding an affine
//! point to an XYZZ bucket costs 8 multiplications and 2 squarings (`madd-2008-s`), and the rare cases
//! the incomplete formula cannot take (an empty bucket, the same point, its negation) are checked
//! explicitly. The window size is chosen by minimising the estimated number of additions for the
//! number of points, the bit length of the largest scalar and the nonzero digits of a sample, so a
//! column of small values costs few windows and a column of sparse ones (packed weights) small
//! windows. Windows (and, when they are few, chunks of points) run in parallel on rayon. Windows of
//! [`AFFINE_FROM_C`] bits or more (256 buckets and up) keep their buckets in affine coordinates and
//! share one inversion among 256 additions ([`affine`]): about six multiplications an addition.
//!
//! `cargo bench -p zkinfer-benches --bench chips -- msm` (2 cores, random scalars; earlier runs):
//! 2^11 points 9.0-9.2 ms against halo2's 12.7-15.6 ms; at 2^14 points, where halo2curves has already
//! switched to batch-affine buckets, level within this machine's noise (52.9 / 60.1, 65.3 / 58.1,
//! 48.4 / 52.8 ms). 2026-12-05: 2^11 6.1-6.6 ms against halo2's 9.5-10.0; 2^14 38.9 ms (halo2 40.9)
//! with XYZZ buckets only, 34.3 ms with affine buckets from `c = 9` (34.6 with batches of 128, 37.3
//! with 1024); proving with them (alternating, warm): cifar_vgg 10.0 / 9.6 -> 9.3 / 9.2 s, tiny_bert
//! 8.64 / 8.65 -> 7.95 / 8.20 s, dense_4m level.

mod affine;

use crate::{Fr, G1Affine};
use rayon::prelude::*;
use zkinfer_circuits::halo2_proofs::halo2curves::bn256::{Fq, G1};
use zkinfer_circuits::halo2_proofs::halo2curves::ff::{Field, PrimeField};
use zkinfer_circuits::halo2_proofs::halo2curves::group::Group;

/// `x == 0`, in variable time (`Fq`'s derived equality on its limbs; `Field::is_zero` is constant-time
/// and pays for it on every bucket addition). Nothing here is secret: the scalars of a commitment are
/// already visible to timing through the bucket choices, as in halo2curves' own MSM.
fn is_zero(x: &Fq) -> bool {
    *x == Fq::ZERO
}

/// A point `(x/zz, y/zzz)` with `zz³ = zzz²`; `zz = 0` is the identity.
#[derive(Clone, Copy, Debug)]
struct Xyzz {
    x: Fq,
    y: Fq,
    zz: Fq,
    zzz: Fq,
}

impl Xyzz {
    const IDENTITY: Self = Self {
        x: Fq::ZERO,
        y: Fq::ZERO,
        zz: Fq::ZERO,
        zzz: Fq::ZERO,
    };

    fn is_identity(&self) -> bool {
        is_zero(&self.zz)
    }

    fn from_affine(x: Fq, y: Fq) -> Self {
        Self {
            x,
            y,
            zz: Fq::ONE,
            zzz: Fq::ONE,
        }
    }

    /// `2·(x, y)` for an affine point (`mdbl-2008-s-1`, `a = 0`); `y = 0` has no point of order 2 on
    /// BN254, so it does not occur.
    fn double_affine(x: Fq, y: Fq) -> Self {
        let u = y.double();
        let v = u.square();
        let w = u * v;
        let s = x * v;
        let xx = x.square();
        let m = xx.double() + xx;
        let x3 = m.square() - s.double();
        let y3 = m * (s - x3) - w * y;
        Self {
            x: x3,
            y: y3,
            zz: v,
            zzz: w,
        }
    }

    /// `2·self` (`dbl-2008-s-1`, `a = 0`).
    fn double(&self) -> Self {
        if self.is_identity() {
            return *self;
        }
        let u = self.y.double();
        let v = u.square();
        let w = u * v;
        let s = self.x * v;
        let xx = self.x.square();
        let m = xx.double() + xx;
        let x3 = m.square() - s.double();
        let y3 = m * (s - x3) - w * self.y;
        Self {
            x: x3,
            y: y3,
            zz: v * self.zz,
            zzz: w * self.zzz,
        }
    }

    /// `self += (x2, y2)` for an affine point that is not the identity (`madd-2008-s`).
    fn add_affine(&mut self, x2: Fq, y2: Fq) {
        if self.is_identity() {
            *self = Self::from_affine(x2, y2);
            return;
        }
        let u2 = x2 * self.zz;
        let s2 = y2 * self.zzz;
        let p = u2 - self.x;
        let r = s2 - self.y;
        if is_zero(&p) {
            *self = if is_zero(&r) {
                Self::double_affine(x2, y2)
            } else {
                Self::IDENTITY
            };
            return;
        }
        let pp = p.square();
        let ppp = p * pp;
        let q = self.x * pp;
        let x3 = r.square() - ppp - q.double();
        let y3 = r * (q - x3) - self.y * ppp;
        self.x = x3;
        self.y = y3;
        self.zz *= pp;
        self.zzz *= ppp;
    }

    /// `self += other` (`add-2008-s`).
    fn add(&mut self, other: &Self) {
        if other.is_identity() {
            return;
        }
        if self.is_identity() {
            *self = *other;
            return;
        }
        let u1 = self.x * other.zz;
        let u2 = other.x * self.zz;
        let s1 = self.y * other.zzz;
        let s2 = other.y * self.zzz;
        let p = u2 - u1;
        let r = s2 - s1;
        if is_zero(&p) {
            *self = if is_zero(&r) {
                self.double()
            } else {
                Self::IDENTITY
            };
            return;
        }
        let pp = p.square();
        let ppp = p * pp;
        let q = u1 * pp;
        let x3 = r.square() - ppp - q.double();
        let y3 = r * (q - x3) - s1 * ppp;
        self.x = x3;
        self.y = y3;
        self.zz = self.zz * other.zz * pp;
        self.zzz = self.zzz * other.zzz * ppp;
    }

    /// The same point in halo2curves' homogeneous projective coordinates: `(x·zzz : y·zz : zz·zzz)`.
    fn to_projective(self) -> G1 {
        if self.is_identity() {
            return G1::identity();
        }
        G1 {
            x: self.x * self.zzz,
            y: self.y * self.zz,
            z: self.zz * self.zzz,
        }
    }
}

/// The bit length of the largest scalar (0 when all are zero).
fn max_bits(scalars: &[[u64; 4]]) -> usize {
    scalars
        .iter()
        .map(|s| {
            (0..4)
                .rev()
                .find(|&i| s[i] != 0)
                .map_or(0, |i| 64 * i + 64 - s[i].leading_zeros() as usize)
        })
        .max()
        .unwrap_or(0)
}

/// The least window size whose buckets are accumulated in affine coordinates ([`affine`]): with
/// fewer buckets, too many points wait for a bucket already in the batch.
const AFFINE_FROM_C: usize = 9;

/// Scalars [`window_bits`] samples to count nonzero digits.
const SAMPLES: usize = 64;

/// The window size with the fewest estimated additions: one per nonzero signed digit (a zero digit
/// costs nothing) and about `1.4 · 2^c` per window (two full additions per bucket of the `2^(c-1)` in
/// the running-sum reduction). The nonzero digits are counted on up to [`SAMPLES`] evenly spaced
/// scalars: random scalars have almost all digits nonzero, but a packed weight `Σ_j w_j·2^(B·j)`
/// (small signed lanes, `crate::commit` takes the smaller of `±v`) has about two per lane at small
/// `c`, so its best window is far smaller than a dense scalar's of the same bit length (dense_4m's
/// weight columns: 224-bit scalars, 135k estimated additions at `c = 7` against 224k at the dense
/// choice `c = 10`).
fn window_bits(scalars: &[[u64; 4]], bits: usize) -> usize {
    let n = scalars.len();
    let step = n.div_ceil(SAMPLES).max(1);
    let sample: Vec<&[u64; 4]> = scalars.iter().step_by(step).collect();
    let mut digits = [0i32; 128];
    (2..=16)
        .min_by_key(|&c| {
            let windows = (bits + 1).div_ceil(c);
            let nonzero: usize = sample
                .iter()
                .map(|s| {
                    signed_digits(s, c, &mut digits[..windows]);
                    digits[..windows].iter().filter(|d| **d != 0).count()
                })
                .sum();
            nonzero * n / sample.len().max(1) + windows * ((14 << c) / 10)
        })
        .unwrap_or(8)
}

/// The signed digits of a scalar in base `2^c`: `Σ d_i·2^(c·i)` with `d_i ∈ (-2^(c-1), 2^(c-1)]`.
fn signed_digits(scalar: &[u64; 4], c: usize, out: &mut [i32]) {
    let mut carry = 0i64;
    let half = 1i64 << (c - 1);
    for (i, digit) in out.iter_mut().enumerate() {
        let start = i * c;
        let raw = if start >= 256 {
            0
        } else {
            let (limb, shift) = (start / 64, start % 64);
            let mut bits = scalar[limb] >> shift;
            if shift + c > 64 && limb + 1 < 4 {
                bits |= scalar[limb + 1] << (64 - shift);
            }
            (bits & ((1u64 << c) - 1)) as i64
        };
        let mut d = raw + carry;
        carry = 0;
        if d > half {
            d -= 1 << c;
            carry = 1;
        }
        *digit = d as i32;
    }
    debug_assert_eq!(carry, 0, "too few windows for the scalar");
}

/// One window's sum over a chunk of points: `Σ d_i·P_i` via `2^(c-1)` buckets and a running sum.
fn window_sum(digits: &[i32], windows: usize, window: usize, bases: &[G1Affine], c: usize) -> Xyzz {
    let mut buckets = vec![Xyzz::IDENTITY; 1 << (c - 1)];
    for (i, base) in bases.iter().enumerate() {
        let d = digits[i * windows + window];
        if d == 0 || (is_zero(&base.x) && is_zero(&base.y)) {
            continue;
        }
        let (index, y) = if d > 0 {
            (d as usize - 1, base.y)
        } else {
            ((-d) as usize - 1, -base.y)
        };
        buckets[index].add_affine(base.x, y);
    }
    let (mut running, mut sum) = (Xyzz::IDENTITY, Xyzz::IDENTITY);
    for bucket in buckets.iter().rev() {
        running.add(bucket);
        sum.add(&running);
    }
    sum
}

/// A scalar's canonical little-endian limbs.
pub(crate) fn limbs(s: &Fr) -> [u64; 4] {
    let repr = s.to_repr();
    let mut limbs = [0u64; 4];
    for (limb, bytes) in limbs.iter_mut().zip(repr.as_ref().chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(bytes);
        *limb = u64::from_le_bytes(word);
    }
    limbs
}

/// `Σ scalars[i]·bases[i]` (extra bases beyond the scalars are ignored).
pub fn msm(scalars: &[Fr], bases: &[G1Affine]) -> G1 {
    let n = scalars.len().min(bases.len());
    let limbs: Vec<[u64; 4]> = scalars[..n].par_iter().map(limbs).collect();
    msm_limbs(&limbs, bases)
}

/// [`msm`] of scalars already in canonical limbs.
pub(crate) fn msm_limbs(limbs: &[[u64; 4]], bases: &[G1Affine]) -> G1 {
    let n = limbs.len().min(bases.len());
    xyzz_pippenger(&limbs[..n], max_bits(&limbs[..n]), bases)
}

fn xyzz_pippenger(limbs: &[[u64; 4]], bits: usize, bases: &[G1Affine]) -> G1 {
    let n = limbs.len();
    if bits == 0 {
        return G1::identity();
    }
    let c = window_bits(limbs, bits);
    let windows = (bits + 1).div_ceil(c);
    let mut digits = vec![0i32; n * windows];
    digits
        .par_chunks_mut(windows)
        .zip(limbs.par_iter())
        .for_each(|(out, s)| signed_digits(s, c, out));
    // Few windows (small scalars) leave cores idle: split the points too.
    let threads = rayon::current_num_threads().max(1);
    let chunks = (2 * threads).div_ceil(windows).min(n.div_ceil(256)).max(1);
    let chunk = n.div_ceil(chunks);
    let sums: Vec<Xyzz> = (0..windows * chunks)
        .into_par_iter()
        .map(|job| {
            let (window, part) = (job / chunks, job % chunks);
            let range = (part * chunk).min(n)..((part + 1) * chunk).min(n);
            let sum = if c >= AFFINE_FROM_C {
                affine::window_sum
            } else {
                window_sum
            };
            sum(
                &digits[range.start * windows..range.end * windows],
                windows,
                window,
                &bases[range],
                c,
            )
        })
        .collect();
    let mut total = G1::identity();
    for window in sums.chunks(chunks).rev() {
        for _ in 0..c {
            total = total.double();
        }
        let mut sum = Xyzz::IDENTITY;
        for part in window {
            sum.add(part);
        }
        total += sum.to_projective();
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{RngCore, SeedableRng};
    use zkinfer_circuits::halo2_proofs::arithmetic::best_multiexp;
    use zkinfer_circuits::halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
    use zkinfer_circuits::halo2_proofs::halo2curves::group::Curve;

    fn points(rng: &mut StdRng, n: usize) -> Vec<G1Affine> {
        let g = G1::random(&mut *rng);
        // Consecutive multiples keep setup cheap and include equal and opposite points below.
        let mut acc = g;
        (0..n)
            .map(|_| {
                acc += g;
                acc.to_affine()
            })
            .collect()
    }

    fn check(scalars: &[Fr], bases: &[G1Affine], case: &str) {
        let expected = best_multiexp(scalars, &bases[..scalars.len()]).to_affine();
        assert_eq!(msm(scalars, bases).to_affine(), expected, "{case}");
    }

    #[test]
    fn equals_halo2s_msm() {
        let mut rng = StdRng::seed_from_u64(11);
        for n in [1usize, 2, 3, 17, 300, 2049, 8200] {
            let bases = points(&mut rng, n);
            let random: Vec<Fr> = (0..n).map(|_| Fr::random(&mut rng)).collect();
            check(&random, &bases, &format!("random n={n}"));
            let small: Vec<Fr> = (0..n).map(|_| Fr::from(rng.next_u32() as u64)).collect();
            check(&small, &bases, &format!("32-bit n={n}"));
            let minus_one = vec![-Fr::ONE; n];
            check(&minus_one, &bases, &format!("-1 n={n}"));
        }
    }

    #[test]
    fn takes_the_incomplete_formulas_edge_cases() {
        let mut rng = StdRng::seed_from_u64(12);
        let p = points(&mut rng, 3);
        let cases: Vec<(&str, Vec<Fr>, Vec<G1Affine>)> = vec![
            ("all zero", vec![Fr::ZERO; 3], p.clone()),
            (
                "same point, same bucket",
                vec![Fr::from(5); 2],
                vec![p[0]; 2],
            ),
            (
                "opposite points, same bucket",
                vec![Fr::from(5); 2],
                vec![p[0], -p[0]],
            ),
            (
                "cancelling scalars",
                vec![Fr::from(7), -Fr::from(7)],
                vec![p[1]; 2],
            ),
            (
                "identity base",
                vec![Fr::from(3), Fr::from(4)],
                vec![G1Affine::identity(), p[2]],
            ),
            (
                "the largest scalar",
                vec![-Fr::ONE, -Fr::ONE, Fr::ONE],
                vec![p[0], p[0], p[1]],
            ),
        ];
        for (case, scalars, bases) in cases {
            check(&scalars, &bases, case);
        }
    }

    #[test]
    fn signed_digits_recompose_the_scalar() {
        let mut rng = StdRng::seed_from_u64(13);
        for c in [2usize, 5, 8, 11, 16] {
            for _ in 0..20 {
                let s = Fr::random(&mut rng);
                let repr = s.to_repr();
                let mut limbs = [0u64; 4];
                for (limb, b) in limbs.iter_mut().zip(repr.as_ref().chunks_exact(8)) {
                    *limb = u64::from_le_bytes(b.try_into().unwrap());
                }
                let windows = (max_bits(&[limbs]) + 1).div_ceil(c);
                let mut digits = vec![0i32; windows];
                signed_digits(&limbs, c, &mut digits);
                let half = 1i32 << (c - 1);
                assert!(digits.iter().all(|d| -half < *d && *d <= half), "c={c}");
                let base = Fr::from(1u64 << c);
                let back = digits.iter().rev().fold(Fr::ZERO, |acc, d| {
                    let d = if *d < 0 {
                        -Fr::from((-d) as u64)
                    } else {
                        Fr::from(*d as u64)
                    };
                    acc * base + d
                });
                assert_eq!(back, s, "c={c}");
            }
        }
    }
}
