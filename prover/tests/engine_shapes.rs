//! zkinfer's own proving loop on circuit shapes the model circuits do not all have: constraint degree 3
//! (one column per permutation set, so many chained sets, and a quotient of two coset parts), degree 4
//! (three quotient pieces out of four parts: the truncation) and 5, with and without a lookup, a gate
//! reading two rows back, and an instance cell in the copy constraints; each with the key's cosets
//! transformed during the proof and kept from before ([`FixedCosets`]). Each proof must verify with
//! halo2's verifier and fail with another instance.

use rand::rngs::{OsRng, StdRng};
use rand::SeedableRng;
use snark_verifier_sdk::snark_verifier::loader::native::NativeLoader;
use snark_verifier_sdk::snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use zkinfer_circuits::halo2_proofs::circuit::{Layouter, SimpleFloorPlanner, Value};
use zkinfer_circuits::halo2_proofs::halo2curves::ff::Field;
use zkinfer_circuits::halo2_proofs::plonk::{
    keygen_pk, keygen_vk_custom, Advice, Circuit, Column, ConstraintSystem, Error, Fixed, Instance,
    Selector,
};
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkinfer_circuits::halo2_proofs::poly::Rotation;
use zkinfer_circuits::halo2_proofs::transcript::TranscriptWriterBuffer;
use zkinfer_prover::commit::FastKzgParams;
use zkinfer_prover::engine::{create_proof, FixedCosets};
use zkinfer_prover::proof::verify;
use zkinfer_prover::{Bn256, Fr, G1Affine};

/// `c_i = a_i^(D-1)` on rows `0..R`, `b_(i+2) = a_i` (a gate and a copy), `c_0` is the instance, and
/// with `L` every `a_i` is looked up in the table `0..16`.
#[derive(Clone)]
struct Toy<const D: usize, const L: bool> {
    xs: Vec<u64>,
}

#[derive(Clone)]
struct Config {
    a: Column<Advice>,
    b: Column<Advice>,
    c: Column<Advice>,
    t: Column<Fixed>,
    inst: Column<Instance>,
    q: Selector,
    ql: Selector,
}

impl<const D: usize, const L: bool> Circuit<Fr> for Toy<D, L> {
    type Config = Config;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ();

    fn without_witnesses(&self) -> Self {
        self.clone()
    }

    fn configure(meta: &mut ConstraintSystem<Fr>) -> Config {
        let (a, b, c) = (
            meta.advice_column(),
            meta.advice_column(),
            meta.advice_column(),
        );
        let (t, inst) = (meta.fixed_column(), meta.instance_column());
        for col in [a, b, c] {
            meta.enable_equality(col);
        }
        meta.enable_equality(inst);
        let (q, ql) = (meta.selector(), meta.complex_selector());
        meta.create_gate("power and shift", |vc| {
            let q = vc.query_selector(q);
            let a0 = vc.query_advice(a, Rotation::cur());
            let power = (1..D - 1).fold(a0.clone(), |acc, _| acc * a0.clone());
            vec![
                q.clone() * (power - vc.query_advice(c, Rotation::cur())),
                q * (vc.query_advice(b, Rotation(2)) - a0),
            ]
        });
        if L {
            meta.lookup_any("small", |vc| {
                let input = vc.query_selector(ql) * vc.query_advice(a, Rotation::cur());
                vec![(input, vc.query_fixed(t, Rotation::cur()))]
            });
        }
        Config {
            a,
            b,
            c,
            t,
            inst,
            q,
            ql,
        }
    }

    fn synthesize(&self, cfg: Config, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        let c0 = layouter.assign_region(
            || "rows",
            |mut region| {
                let mut c0 = None;
                for (i, x) in self.xs.iter().enumerate() {
                    cfg.q.enable(&mut region, i)?;
                    cfg.ql.enable(&mut region, i)?;
                    let a = region.assign_advice(cfg.a, i, Value::known(Fr::from(*x)));
                    let b = region.assign_advice(cfg.b, i + 2, Value::known(Fr::from(*x)));
                    region.constrain_equal(a.cell(), b.cell());
                    let power = Fr::from(*x).pow([(D - 1) as u64]);
                    let c = region.assign_advice(cfg.c, i, Value::known(power));
                    c0.get_or_insert(c.cell());
                }
                for i in 0..16 {
                    region.assign_fixed(cfg.t, i, Fr::from(i as u64));
                }
                Ok(c0)
            },
        )?;
        if let Some(cell) = c0 {
            layouter.constrain_instance(cell, cfg.inst, 0);
        }
        Ok(())
    }
}

fn prove_and_verify<const D: usize, const L: bool>() {
    let xs: Vec<u64> = vec![3, 5, 7, 2, 11, 13, 4, 9];
    let circuit = Toy::<D, L> { xs: xs.clone() };
    let k = 6;
    let plain = ParamsKZG::<Bn256>::setup(k, StdRng::seed_from_u64(9));
    let fast = FastKzgParams::new(plain.clone());
    let vk = keygen_vk_custom(&fast, &circuit, true).expect("vk");
    // Without the lookup the gate sets the degree; the lookup's own degree may raise it.
    if L {
        assert!(vk.cs().degree() >= D);
    } else {
        assert_eq!(vk.cs().degree(), D, "the toy's constraint degree");
    }
    let pk = keygen_pk(&fast, vk.clone(), &circuit).expect("pk");
    let instances = vec![Fr::from(xs[0]).pow([(D - 1) as u64])];
    // Once transforming the key's polynomials, once with them kept from before.
    let kept = FixedCosets::of(&pk);
    for cosets in [None, Some(&kept)] {
        let mut transcript =
            EvmTranscript::<G1Affine, NativeLoader, Vec<u8>, Vec<u8>>::init(Vec::new());
        create_proof(
            &fast,
            &pk,
            cosets,
            circuit.clone(),
            &instances,
            OsRng,
            &mut transcript,
        )
        .expect("prove");
        let proof = transcript.finalize();
        verify(&plain, &vk, &instances, &proof)
            .unwrap_or_else(|e| panic!("degree {D}, lookup {L}, kept {}: {e}", cosets.is_some()));
        let other = vec![instances[0] + Fr::ONE];
        assert!(verify(&plain, &vk, &other, &proof).is_err());
    }
}

#[test]
fn degrees_three_to_five_with_and_without_a_lookup() {
    prove_and_verify::<3, false>();
    prove_and_verify::<4, false>();
    prove_and_verify::<5, false>();
    prove_and_verify::<3, true>();
    prove_and_verify::<4, true>();
    prove_and_verify::<5, true>();
}
