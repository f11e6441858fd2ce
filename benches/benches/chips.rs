//! Per-chip criterion benches: one circuit per op, each big enough that its chip dominates, proved with a
//! local dev SRS. `cargo bench -p zkinfer-benches --bench chips`.
//!
//! - dot product: Dense 64 -> 32 (the MAC chip);
//! - rescale: Relu over 1024 elements (a requant row each);
//! - lookup activation: Sigmoid over 1024 elements (requant + function table);
//! - conv: 3x3 Conv, 2 -> 4 channels over 12x12;
//! - pooling: 2x2 average pool over 4 x 16 x 16;
//! - division: 256 witness quotients (the divide gate);
//! - matmul: 16 x 16 x 16 product of two witnesses (Freivalds).

use criterion::{criterion_group, criterion_main, Criterion};
use rand::rngs::OsRng;
use zkinfer_benches::{pattern, single_op, Prepared};
use zkinfer_circuits::halo2_proofs::plonk::{keygen_pk, keygen_vk_custom};
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkinfer_circuits::ops::geometry::Window;
use zkinfer_circuits::ops::{Conv, Dense, Divide, Lookup, MatMul, Pool, PoolDivisor, Relu};
use zkinfer_circuits::{Activation, FnTable, Function, OpKind};
use zkinfer_prover::commit::FastKzgParams;
use zkinfer_prover::keys::COMPRESS_SELECTORS;
use zkinfer_prover::proof::prove;
use zkinfer_prover::Bn256;

const SCALE: u32 = 8;

fn bench_chip(c: &mut Criterion, name: &str, p: Prepared) {
    let params = FastKzgParams::new(ParamsKZG::<Bn256>::setup(p.k, OsRng));
    let vk = keygen_vk_custom(&params, &p.circuit, COMPRESS_SELECTORS).expect("vk");
    let pk = keygen_pk(&params, vk, &p.circuit).expect("pk");
    let trace = p.graph.eval(&p.inputs).expect("eval");
    let instances = p.circuit.instances(&trace, zkinfer_circuits::Fr::from(0));
    let witness = p.circuit.with_inputs(p.inputs.clone());
    let mut group = c.benchmark_group(format!("chip/{name} (k={})", p.k));
    group.sample_size(10);
    group.bench_function("witness", |b| {
        b.iter(|| p.graph.eval(&p.inputs).expect("eval"))
    });
    group.bench_function("prove", |b| {
        b.iter(|| prove(&params, &pk, witness.clone(), &instances).expect("prove"))
    });
    group.finish();
}

fn window(k: usize, stride: usize, pad: usize) -> Window {
    Window {
        kernel: [k, k],
        strides: [stride, stride],
        pads: [pad, pad, pad, pad],
        dilations: [1, 1],
    }
}

fn benches(c: &mut Criterion) {
    let w = |n: usize| {
        (0..n)
            .map(|i| (i as i64 * 7919 % 512) - 256)
            .collect::<Vec<i64>>()
    };
    let dense = OpKind::Dense(Dense {
        n_in: 64,
        n_out: 32,
        weights: w(64 * 32),
        bias: vec![0; 32],
        act: Activation::None,
        weight_bits: 0,
    });
    bench_chip(
        c,
        "dot product",
        single_op(dense, &[vec![1, 64]], SCALE, pattern),
    );
    let relu = OpKind::Relu(Relu { scale: SCALE });
    bench_chip(
        c,
        "rescale",
        single_op(relu, &[vec![1, 1024]], SCALE, pattern),
    );
    let sigmoid = OpKind::Lookup(Lookup {
        table: FnTable::new(Function::Sigmoid, -(2 << SCALE), 2 << SCALE),
        scale: SCALE,
    });
    bench_chip(
        c,
        "lookup activation",
        single_op(sigmoid, &[vec![1, 1024]], SCALE, pattern),
    );
    let conv = OpKind::Conv(Conv {
        c_in: 2,
        c_out: 4,
        group: 1,
        window: window(3, 1, 1),
        weights: w(4 * 2 * 9),
        bias: vec![0; 4],
        act: Activation::Relu,
        raw: false,
        weight_bits: 0,
    });
    bench_chip(
        c,
        "conv",
        single_op(conv, &[vec![1, 2, 12, 12]], SCALE, pattern),
    );
    let pool = OpKind::Pool(Pool {
        window: window(2, 2, 0),
        divisor: PoolDivisor::KernelArea,
        scale: SCALE,
        extra: 0,
    });
    bench_chip(
        c,
        "pooling",
        single_op(pool, &[vec![1, 4, 16, 16]], SCALE, pattern),
    );
    // Denominators in [1, 3): the pattern shifted up.
    let positive = |j: usize, i: usize| pattern(j, i) + 2.0 * j as f64;
    bench_chip(
        c,
        "division",
        single_op(
            OpKind::Divide(Divide),
            &[vec![256], vec![256]],
            SCALE,
            positive,
        ),
    );
    let matmul = OpKind::MatMul(MatMul {
        batch: 1,
        m: 16,
        k: 16,
        n: 16,
    });
    bench_chip(
        c,
        "matmul (Freivalds)",
        single_op(matmul, &[vec![1, 16, 16], vec![1, 16, 16]], SCALE, pattern),
    );
}

/// One witness column of 2^14 signed 20-bit values (what activations look like), committed by halo2's
/// KZG parameters and by zkinfer's small-scalar commitment ([`FastKzgParams`]): the same point.
fn commitment(c: &mut Criterion) {
    use zkinfer_circuits::halo2_proofs::halo2curves::ff::Field;
    use zkinfer_circuits::halo2_proofs::poly::commitment::{Blind, Params};
    use zkinfer_circuits::halo2_proofs::poly::{LagrangeCoeff, Polynomial};
    use zkinfer_prover::Fr;
    let k = 14;
    let plain = ParamsKZG::<Bn256>::setup(k, OsRng);
    let fast = FastKzgParams::new(plain.clone());
    let values: Vec<Fr> = (0..1u64 << k)
        .map(|i| {
            let v = Fr::from((i * 7919) % (1 << 19));
            if i % 3 == 0 {
                -v
            } else {
                v
            }
        })
        .chain(std::iter::repeat_with(|| Fr::random(OsRng)).take(6))
        .skip(6)
        .collect();
    let poly = Polynomial::<Fr, LagrangeCoeff>::new(values);
    let mut group = c.benchmark_group("commit (k=14, 20-bit signed column)");
    group.sample_size(10);
    group.bench_function("halo2 commit_lagrange", |b| {
        b.iter(|| plain.commit_lagrange(&poly, Blind::default()))
    });
    group.bench_function("zkinfer small-scalar commit", |b| {
        b.iter(|| fast.commit_lagrange(&poly, Blind::default()))
    });
    group.finish();
}

/// Full-size (random) scalars, as in a proof's lookup, permutation and quotient commitments: halo2's
/// `best_multiexp` against zkinfer's MSM (XYZZ buckets), at the sizes of the bench models' circuits.
fn dense_msm(c: &mut Criterion) {
    use zkinfer_circuits::halo2_proofs::arithmetic::best_multiexp;
    use zkinfer_circuits::halo2_proofs::halo2curves::ff::Field;
    use zkinfer_circuits::halo2_proofs::poly::commitment::ParamsProver;
    use zkinfer_prover::Fr;
    let params = ParamsKZG::<Bn256>::setup(14, OsRng);
    for k in [11u32, 14] {
        let n = 1usize << k;
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::random(OsRng)).collect();
        let bases = &params.get_g()[..n];
        let mut group = c.benchmark_group(format!("msm (2^{k} random scalars)"));
        group.sample_size(10);
        group.bench_function("halo2 best_multiexp", |b| {
            b.iter(|| best_multiexp(&scalars, bases))
        });
        group.bench_function("zkinfer msm", |b| {
            b.iter(|| zkinfer_prover::msm::msm(&scalars, bases))
        });

        group.finish();
    }
}

criterion_group!(chips, benches, commitment, dense_msm);
criterion_main!(chips);
