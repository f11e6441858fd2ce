//! halo2-axiom's coset FFT against the one zkinfer's proving loop uses (`zkinfer_prover::engine::fft`).
//! `cargo bench -p zkinfer-benches --bench fft`.
//!
//! halo2-axiom extends every column to the quotient's coset domain through
//! `EvaluationDomain::coeff_to_extended_part` (coset shift, then its `best_fft`, which steps its twiddle
//! with a multiplication per butterfly and splits each transform across the pool); its FFTs were about
//! 40% of the CPU samples of `zkinfer prove` on cifar_vgg before the proving loop became our own. The
//! engine's transform is a radix-2 FFT with one table of twiddles on one thread, run side by side over
//! columns by its caller; each run checks that it returns halo2's values. On this 2-core machine
//! (2026-12-05): 2^16 23.6 ms halo2 on one thread, 14.1 ms on the pool, 10.6 ms the engine's on one
//! thread (2^13: 2.80 / 1.69 / 1.11 ms).

use criterion::{criterion_group, criterion_main, Criterion};
use rand::rngs::StdRng;
use rand::SeedableRng;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::Field;
use zkinfer_circuits::halo2_proofs::poly::{Coeff, EvaluationDomain, Polynomial};
use zkinfer_circuits::Fr;
use zkinfer_prover::engine::fft::Fft;

fn bench_fft(c: &mut Criterion) {
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool of one thread");
    for k in [13u32, 16] {
        // j = 5: the degree of zkinfer's circuits, so the same domain proving uses.
        let domain = EvaluationDomain::<Fr>::new(5, k);
        let mut poly: Polynomial<Fr, Coeff> = domain.empty_coeff();
        let mut rng = StdRng::seed_from_u64(k.into());
        for v in poly.iter_mut() {
            *v = Fr::random(&mut rng);
        }
        let fft = Fft::new(&domain);
        let halo2 = domain.coeff_to_extended_part(poly.clone(), Fr::ONE);
        let mut mine = Vec::new();
        fft.coset_part(&poly, 0, &mut mine);
        assert!(
            halo2.iter().eq(mine.iter()),
            "the engine's FFT differs from halo2's"
        );

        let mut group = c.benchmark_group(format!("fft 2^{k}"));
        group.sample_size(20);
        group.bench_function("halo2-axiom, rayon pool", |b| {
            b.iter(|| domain.coeff_to_extended_part(poly.clone(), Fr::ONE))
        });
        group.bench_function("halo2-axiom, one thread", |b| {
            b.iter(|| one_thread.install(|| domain.coeff_to_extended_part(poly.clone(), Fr::ONE)))
        });
        group.bench_function("zkinfer engine, one thread", |b| {
            b.iter(|| {
                let mut out = Vec::new();
                fft.coset_part(&poly, 0, &mut out);
                out
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_fft);
criterion_main!(benches);
