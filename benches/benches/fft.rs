//! What halo2-axiom's FFT costs against a plain one, to weigh owning the proving loop (issue 17).
//! `cargo bench -p zkinfer-benches --bench fft`.
//!
//! halo2-axiom extends every column to the quotient's coset domain on every proof through
//! `EvaluationDomain::coeff_to_extended_part` (coset shift, then its `best_fft`); its FFTs are about 40%
//! of the CPU samples of `zkinfer prove` on cifar_vgg, and nothing in its API lets a caller supply
//! another. `reference` is the textbook iterative radix-2 FFT with one table of twiddles, run on one
//! thread; each run checks that it returns halo2's values.

use criterion::{criterion_group, criterion_main, Criterion};
use rand::rngs::StdRng;
use rand::SeedableRng;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::{Field, WithSmallOrderMulGroup};
use zkinfer_circuits::halo2_proofs::poly::{Coeff, EvaluationDomain, Polynomial};
use zkinfer_circuits::Fr;

/// `a` evaluated on the coset `ζ·⟨ω⟩`, with `twiddles[i] = ω^i` for `i < n/2` (radix-2, in place).
fn reference(a: &mut [Fr], twiddles: &[Fr]) {
    let n = a.len();
    let log_n = n.trailing_zeros();
    let mut shift = Fr::ONE;
    for v in a.iter_mut() {
        *v *= shift;
        shift *= Fr::ZETA;
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
            for (j, (l, h)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                let t = *h * twiddles[j * stride];
                *h = *l - t;
                *l += t;
            }
        }
        half *= 2;
    }
}

fn bench_fft(c: &mut Criterion) {
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool of one thread");
    for k in [13u32, 16] {
        // j = 5: the degree of zkinfer's circuits, so the same domain `create_proof` uses.
        let domain = EvaluationDomain::<Fr>::new(5, k);
        let mut poly: Polynomial<Fr, Coeff> = domain.empty_coeff();
        let mut rng = StdRng::seed_from_u64(k.into());
        for v in poly.iter_mut() {
            *v = Fr::random(&mut rng);
        }
        let omega = domain.get_omega();
        let twiddles: Vec<Fr> = std::iter::successors(Some(Fr::ONE), |w| Some(*w * omega))
            .take(poly.len() / 2)
            .collect();
        let halo2 = domain.coeff_to_extended_part(poly.clone(), Fr::ONE);
        let mut mine = poly.to_vec();
        reference(&mut mine, &twiddles);
        assert!(
            halo2.iter().eq(mine.iter()),
            "the reference FFT differs from halo2's"
        );

        let mut group = c.benchmark_group(format!("fft 2^{k}"));
        group.sample_size(20);
        group.bench_function("halo2-axiom, rayon pool", |b| {
            b.iter(|| domain.coeff_to_extended_part(poly.clone(), Fr::ONE))
        });
        group.bench_function("halo2-axiom, one thread", |b| {
            b.iter(|| one_thread.install(|| domain.coeff_to_extended_part(poly.clone(), Fr::ONE)))
        });
        group.bench_function("reference radix-2, one thread", |b| {
            b.iter(|| {
                let mut a = poly.to_vec();
                reference(&mut a, &twiddles);
                a
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_fft);
criterion_main!(benches);
