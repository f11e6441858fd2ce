//! End-to-end criterion benches on the zoo models: integer witness, keygen, prove, verify.
//! `cargo bench -p zkinfer-benches` (uses a local dev SRS generated in memory).

use criterion::{criterion_group, criterion_main, Criterion};
use rand::rngs::OsRng;
use zkinfer_benches::prepare;
use zkinfer_circuits::halo2_proofs::plonk::{keygen_pk, keygen_vk_custom};
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkinfer_prover::commit::FastKzgParams;
use zkinfer_prover::keys::COMPRESS_SELECTORS;
use zkinfer_prover::proof::{prove, verify};
use zkinfer_prover::Bn256;

fn bench_model(c: &mut Criterion, name: &str) {
    let p = prepare(name);
    let params = FastKzgParams::new(ParamsKZG::<Bn256>::setup(p.k, OsRng));
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.bench_function("witness", |b| {
        b.iter(|| p.graph.eval(&p.inputs).expect("eval"))
    });
    group.bench_function("keygen", |b| {
        b.iter(|| {
            let vk = keygen_vk_custom(&params, &p.circuit, COMPRESS_SELECTORS).expect("vk");
            keygen_pk(&params, vk, &p.circuit).expect("pk")
        })
    });
    let vk = keygen_vk_custom(&params, &p.circuit, COMPRESS_SELECTORS).expect("vk");
    let pk = keygen_pk(&params, vk, &p.circuit).expect("pk");
    let trace = p.graph.eval(&p.inputs).expect("eval");
    let instances = p.circuit.instances(&trace, zkinfer_circuits::Fr::from(0));
    let witness = p.circuit.with_inputs(p.inputs.clone());
    group.bench_function("prove", |b| {
        b.iter(|| prove(&params, &pk, witness.clone(), &instances).expect("prove"))
    });
    let proof = prove(&params, &pk, witness.clone(), &instances).expect("prove");
    group.bench_function("verify", |b| {
        b.iter(|| verify(&params, pk.get_vk(), &instances, &proof).expect("verify"))
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_model(c, "tiny_linear");
    bench_model(c, "mlp_digits");
}

criterion_group!(e2e, benches);
criterion_main!(e2e);
