//! Radix-2 FFTs over the circuit's domain and the quotient's coset parts.
//!
//! halo2-axiom's `EvaluationDomain` moves every column to a part of the extended domain with an FFT
//! that steps its twiddle by a multiplication per butterfly and splits each transform across the
//! thread pool (`benches/fft`: 25.0 ms for 2^16 on one thread, 13.1 ms on two). Here each transform
//! reads one table of twiddles and runs on one thread (13.0 ms for 2^16), and callers run
//! independent transforms side by side, which is how the proving loop has them: dozens of columns per
//! part. The conventions are halo2's, so the values are the same: part `j` of the extended domain is
//! the evaluations on `ζ·ω_ext^j·⟨ω⟩` in the natural order of `ω`'s powers (`ζ` a cube root of unity).

use crate::Fr;
use rayon::prelude::*;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::{Field, WithSmallOrderMulGroup};
use zkinfer_circuits::halo2_proofs::poly::EvaluationDomain;

/// Twiddles and coset shifts for one domain of `n = 2^k` rows and its `parts` coset parts.
pub struct Fft {
    log_n: u32,
    /// `ω^i` for `i < n/2`.
    twiddles: Vec<Fr>,
    /// `ω^-i` for `i < n/2`.
    inv_twiddles: Vec<Fr>,
    n_inv: Fr,
    /// `(ζ·ω_ext^j)^i` for `i < n`, one table per part `j`.
    shifts: Vec<Vec<Fr>>,
}

fn powers(base: Fr, count: usize) -> Vec<Fr> {
    std::iter::successors(Some(Fr::ONE), |w| Some(*w * base))
        .take(count)
        .collect()
}

impl Fft {
    /// The tables for `domain`'s `n` and each of its extended domain's parts.
    pub fn new(domain: &EvaluationDomain<Fr>) -> Self {
        let n = 1usize << domain.k();
        let parts = domain.extended_len() >> domain.k();
        let shifts = (0..parts)
            .into_par_iter()
            .map(|j| {
                let c = Fr::ZETA * domain.get_extended_omega().pow_vartime([j as u64]);
                powers(c, n)
            })
            .collect();
        Fft {
            shifts,
            ..Self::rows_only(domain)
        }
    }

    /// The tables for `domain`'s `n` rows only (no coset parts): for [`Fft::forward`] and
    /// [`Fft::inverse`] where nothing moves to the extended domain (a key's coefficient forms on load);
    /// it has no parts, so [`Fft::coset_part`] is not for it.
    pub fn rows_only(domain: &EvaluationDomain<Fr>) -> Self {
        let n = 1usize << domain.k();
        Fft {
            log_n: domain.k(),
            twiddles: powers(domain.get_omega(), n / 2),
            inv_twiddles: powers(domain.get_omega_inv(), n / 2),
            n_inv: Fr::from(n as u64).invert().unwrap_or(Fr::ZERO),
            shifts: Vec::new(),
        }
    }

    /// The number of rows `n`.
    pub fn n(&self) -> usize {
        1 << self.log_n
    }

    /// The number of coset parts of the extended domain.
    pub fn parts(&self) -> usize {
        self.shifts.len()
    }

    /// Evaluations on `⟨ω⟩` from coefficients, in place.
    pub fn forward(&self, a: &mut [Fr]) {
        radix2(a, &self.twiddles, self.log_n);
    }

    /// Coefficients from evaluations on `⟨ω⟩`, in place.
    pub fn inverse(&self, a: &mut [Fr]) {
        radix2(a, &self.inv_twiddles, self.log_n);
        for v in a.iter_mut() {
            *v *= self.n_inv;
        }
    }

    /// Evaluations of the polynomial with coefficients `coeffs` on part `part` of the extended
    /// domain, written to `out` (whose allocation is reused).
    pub fn coset_part(&self, coeffs: &[Fr], part: usize, out: &mut Vec<Fr>) {
        out.clear();
        out.extend(coeffs.iter().zip(&self.shifts[part]).map(|(c, s)| *c * s));
        self.forward(out);
    }

    /// The coefficients of the polynomial `h` of degree `< parts·n` whose evaluations on part `j` are
    /// `values[j]` (the inverse of [`Fft::coset_part`] over all parts at once), as `parts` pieces of
    /// `n` coefficients, lowest first.
    ///
    /// With `g(X) = h(ζX)` and `μ = ω_ext^n`: an inverse transform of part `j` gives
    /// `ω_ext^(j·a)·Σ_b g_(a+n·b)·μ^(j·b)` at `a`; removing the twiddle and transforming across the
    /// parts (size `parts`) leaves `g_(a+n·b)`, and `h_t = g_t·ζ^-t`.
    pub fn coefficients_of_parts(&self, mut values: Vec<Vec<Fr>>, omega_ext: Fr) -> Vec<Vec<Fr>> {
        let m = values.len();
        let n = self.n();
        let omega_ext_inv = omega_ext.invert().unwrap_or(Fr::ZERO);
        values.par_iter_mut().enumerate().for_each(|(j, v)| {
            self.inverse(v);
            let step = omega_ext_inv.pow_vartime([j as u64]);
            let mut twiddle = Fr::ONE;
            for x in v.iter_mut() {
                *x *= twiddle;
                twiddle *= step;
            }
        });
        let mu_inv = omega_ext_inv.pow_vartime([n as u64]);
        let m_inv = Fr::from(m as u64).invert().unwrap_or(Fr::ZERO);
        let zeta_inv = Fr::ZETA.square();
        (0..m)
            .into_par_iter()
            .map(|b| {
                let weights: Vec<Fr> = (0..m)
                    .map(|j| mu_inv.pow_vartime([(j * b) as u64]) * m_inv)
                    .collect();
                (0..n)
                    .map(|a| {
                        let g = values
                            .iter()
                            .zip(&weights)
                            .fold(Fr::ZERO, |acc, (v, w)| acc + v[a] * w);
                        match (a + b * n) % 3 {
                            0 => g,
                            1 => g * zeta_inv,
                            _ => g * Fr::ZETA,
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// In-place radix-2 decimation-in-time transform of `a` (length `2^log_n`) with `twiddles[i] = w^i`.
fn radix2(a: &mut [Fr], twiddles: &[Fr], log_n: u32) {
    let n = a.len();
    debug_assert_eq!(n, 1 << log_n);
    if n <= 1 {
        return;
    }
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - log_n);
        if i < j {
            a.swap(i, j);
        }
    }
    let mut half = 1;
    while half < n {
        let stride = n / (2 * half);
        for block in a.chunks_mut(2 * half) {
            let (lo, hi) = block.split_at_mut(half);
            lo[0] += hi[0];
            hi[0] = lo[0] - hi[0].double();
            for j in 1..half {
                let t = hi[j] * twiddles[j * stride];
                hi[j] = lo[j] - t;
                lo[j] += t;
            }
        }
        half *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use zkinfer_circuits::halo2_proofs::poly::{Coeff, Polynomial};

    const K: u32 = 5;

    fn random(rng: &mut StdRng, len: usize) -> Vec<Fr> {
        (0..len).map(|_| Fr::random(&mut *rng)).collect()
    }

    #[test]
    fn parts_are_halo2s_and_transforms_invert() {
        let domain = EvaluationDomain::<Fr>::new(5, K);
        let fft = Fft::new(&domain);
        let mut rng = StdRng::seed_from_u64(1);
        let coeffs = random(&mut rng, fft.n());
        let mut factor = Fr::ONE;
        for j in 0..fft.parts() {
            let poly = Polynomial::<Fr, Coeff>::new(coeffs.clone());
            let halo2 = domain.coeff_to_extended_part(poly, factor);
            let mut mine = Vec::new();
            fft.coset_part(&coeffs, j, &mut mine);
            assert_eq!(&halo2[..], &mine[..], "part {j}");
            factor *= domain.get_extended_omega();
        }
        let mut a = coeffs.clone();
        fft.forward(&mut a);
        assert_ne!(a, coeffs);
        fft.inverse(&mut a);
        assert_eq!(a, coeffs);
    }

    #[test]
    fn coefficients_of_parts_interpolates_every_part() {
        let domain = EvaluationDomain::<Fr>::new(5, K);
        let fft = Fft::new(&domain);
        let (n, m) = (fft.n(), fft.parts());
        let mut rng = StdRng::seed_from_u64(2);
        let h = random(&mut rng, n * m);
        let eval = |x: Fr| h.iter().rev().fold(Fr::ZERO, |acc, c| acc * x + c);
        let omega_ext = domain.get_extended_omega();
        let parts: Vec<Vec<Fr>> = (0..m)
            .map(|j| {
                let x0 = Fr::ZETA * omega_ext.pow_vartime([j as u64]);
                (0..n)
                    .map(|i| eval(x0 * domain.get_omega().pow_vartime([i as u64])))
                    .collect()
            })
            .collect();
        let pieces = fft.coefficients_of_parts(parts, omega_ext);
        assert_eq!(pieces.concat(), h);
    }
}
