//! zkinfer's own proving loop: halo2's PLONK protocol (the same polynomials, commitments, transcript
//! and GWC openings, so halo2's verifier and the emitted Solidity verifier check its proofs
//! unchanged), with zkinfer's arithmetic.
//!
//! halo2-axiom keeps the prover's lookup, permutation, vanishing and quotient code crate-private; its
//! public pieces are the witness synthesis (`synthesize_witness`: phase 1 up to the advice
//! commitments), the proving key's polynomials and the constraint system. Everything after phase 1 is
//! here:
//! - [`fft`]: one-thread radix-2 transforms run side by side (halo2-axiom's FFT was 42% of
//!   `zkinfer prove`'s CPU samples on cifar_vgg and is twice as slow per transform);
//! - [`expr`]: gates and lookup expressions evaluated a chunk of rows at a time;
//! - [`lookup`], [`permutation`]: the grand products;
//! - [`quotient`]: `h(X)` one coset part at a time, split into pieces;
//! - [`open`]: evaluations and the GWC multi-open witnesses.
//!
//! The transcript order is halo2-axiom 0.5.3's `create_proof`. Proofs cannot be compared byte for
//! byte with halo2's (its lookup permutation and vanishing polynomial draw from `thread_rng` and a
//! hash map's order), so the tests check what matters: every proof verifies with halo2's verifier,
//! and a wrong witness gives no accepted proof.

mod expr;
pub mod fft;
mod lookup;
mod open;
mod permutation;
mod quotient;

pub use quotient::FixedCosets;

use crate::commit::{FastGwc, FastKzg, FastKzgParams};
use crate::error::{ProverError, Result};
use crate::{Fr, G1Affine};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use rayon::prelude::*;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::Field;
use zkinfer_circuits::halo2_proofs::halo2curves::group::Curve;
use zkinfer_circuits::halo2_proofs::plonk::{
    synthesize_witness, AdviceSingle, Any, Circuit, ConstraintSystem, InstanceSingle, ProvingKey,
};
use zkinfer_circuits::halo2_proofs::poly::commitment::{Params, ParamsProver, Prover as Opening};
use zkinfer_circuits::halo2_proofs::poly::{EvaluationDomain, Polynomial};
use zkinfer_circuits::halo2_proofs::transcript::{EncodedChallenge, TranscriptWrite};

/// Each polynomial's values (or coefficients) as a slice.
fn slices<B>(polys: &[Polynomial<Fr, B>]) -> Vec<&[Fr]> {
    polys.iter().map(|p| &p[..]).collect()
}

fn transcript_err(e: std::io::Error) -> ProverError {
    ProverError::Prove(format!("transcript: {e}"))
}

/// A committed column's coefficients.
struct Committed {
    coeffs: Vec<Fr>,
}

/// The state of one proof after phase 1.
struct Prover<'a> {
    params: &'a FastKzgParams,
    pk: &'a ProvingKey<G1Affine>,
    cs: &'a ConstraintSystem<Fr>,
    domain: &'a EvaluationDomain<Fr>,
    fft: fft::Fft,
    instance: InstanceSingle<G1Affine>,
    advice: AdviceSingle<G1Affine>,
    challenges: Vec<Fr>,
    usable: usize,
    /// Columns per permutation set: the key's constraint degree (`quotient_poly_degree + 1`, as keygen
    /// fixed it) less 2.
    chunk_len: usize,
    /// The key's cosets, when the caller keeps them.
    cosets: Option<&'a FixedCosets>,
}

// The openings leave instance columns to the verifier, as halo2's GWC prover does.
const _: () = assert!(!<FastGwc<'static> as Opening<'static, FastKzg>>::QUERY_INSTANCE);

/// What the loop needs of a key before it starts: the parameters' size, a constraint degree of at
/// least 3 (one column per permutation set at least), no selectors left in the constraints, and room
/// for the instances.
fn check(
    params: &FastKzgParams,
    pk: &ProvingKey<G1Affine>,
    instances: usize,
    usable: usize,
) -> Result<()> {
    let (cs, domain) = (pk.get_vk().cs(), pk.get_vk().get_domain());
    let refuse = |msg: String| Err(ProverError::Prove(msg));
    if Params::k(params) != domain.k() {
        return refuse(format!(
            "parameters for k={} and a key for k={}",
            Params::k(params),
            domain.k()
        ));
    }
    if domain.get_quotient_poly_degree() < 2 {
        return refuse("a key of constraint degree below 3".into());
    }
    if instances > usable {
        return refuse(format!("{instances} instances and {usable} usable rows"));
    }
    let selector = cs
        .gates()
        .iter()
        .flat_map(|g| g.polynomials())
        .chain(
            cs.lookups()
                .iter()
                .flat_map(|l| l.input_expressions().iter().chain(l.table_expressions())),
        )
        .any(expr::has_selector);
    if selector {
        return refuse("the proving key's constraints still hold selectors".into());
    }
    Ok(())
}

/// Prove `circuit` with `instances` (its one instance column) into `transcript`, drawing blinding
/// values from `rng`; `cosets`, if the caller keeps them for `pk` ([`FixedCosets::of`]), spare the
/// key's transforms (ones of another shape are ignored).
pub fn create_proof<C, E, T>(
    params: &FastKzgParams,
    pk: &ProvingKey<G1Affine>,
    cosets: Option<&FixedCosets>,
    circuit: C,
    instances: &[Fr],
    mut rng: impl RngCore,
    transcript: &mut T,
) -> Result<()>
where
    C: Circuit<Fr>,
    E: EncodedChallenge<G1Affine>,
    T: TranscriptWrite<G1Affine, E>,
{
    let cs = pk.get_vk().cs();
    let domain = pk.get_vk().get_domain();
    let usable = (1usize << domain.k()) - (cs.blinding_factors() + 1);
    check(params, pk, instances.len(), usable)?;
    let mut timer = Timer::new();
    let mut rng = StdRng::from_rng(&mut rng).map_err(|e| ProverError::Prove(e.to_string()))?;
    let (mut instance, mut advice, challenges) =
        synthesize_witness::<FastKzg, FastGwc<'_>, _, _, _, _>(
            params,
            pk,
            &[circuit],
            &[&[instances]],
            &mut rng,
            transcript,
        )
        .map_err(|e| ProverError::Prove(format!("{e:?}")))?;
    let prover = Prover {
        params,
        pk,
        cs,
        domain,
        fft: fft::Fft::new(domain),
        instance: instance
            .pop()
            .ok_or_else(|| ProverError::Prove("no instance".into()))?,
        advice: advice
            .pop()
            .ok_or_else(|| ProverError::Prove("no advice".into()))?,
        challenges,
        usable,
        chunk_len: domain.get_quotient_poly_degree() - 1,
        cosets,
    };
    timer.lap("witness and advice commitments");
    prover.prove(&mut rng, transcript, &mut timer)
}

/// Phase times on stderr when `ZKINFER_ENGINE_PROFILE` is set (for profiling; off by default).
struct Timer {
    on: bool,
    start: std::time::Instant,
}

impl Timer {
    fn new() -> Self {
        Timer {
            on: std::env::var_os("ZKINFER_ENGINE_PROFILE").is_some(),
            start: std::time::Instant::now(),
        }
    }

    fn lap(&mut self, what: &str) {
        if self.on {
            eprintln!(
                "engine: {what:<32} {:>8.3} s",
                self.start.elapsed().as_secs_f64()
            );
        }
        self.start = std::time::Instant::now();
    }
}

impl Prover<'_> {
    fn columns(&self) -> expr::Columns<'_> {
        expr::Columns {
            fixed: slices(self.pk.fixed_values()),
            advice: slices(&self.advice.advice_values),
            instance: slices(&self.instance.instance_values),
            challenges: &self.challenges,
            n: self.fft.n(),
        }
    }

    /// Commit to each column of `columns` (values on the circuit's rows), write the commitments in
    /// order and return the columns' coefficients.
    fn commit<E: EncodedChallenge<G1Affine>, T: TranscriptWrite<G1Affine, E>>(
        &self,
        columns: Vec<Vec<Fr>>,
        transcript: &mut T,
    ) -> Result<Vec<Committed>> {
        for values in &columns {
            let point = crate::commit::commit_small(values, self.params.lagrange_bases());
            transcript
                .write_point(point.to_affine())
                .map_err(transcript_err)?;
        }
        Ok(columns
            .into_par_iter()
            .map(|mut coeffs| {
                self.fft.inverse(&mut coeffs);
                Committed { coeffs }
            })
            .collect())
    }

    fn prove<E: EncodedChallenge<G1Affine>, T: TranscriptWrite<G1Affine, E>>(
        mut self,
        rng: &mut StdRng,
        transcript: &mut T,
        timer: &mut Timer,
    ) -> Result<()> {
        let theta = *transcript.squeeze_challenge_scalar::<()>();
        let (permuted, mut committed) = self.permuted_lookups(theta, rng, transcript)?;
        timer.lap("lookups permuted and committed");
        let beta = *transcript.squeeze_challenge_scalar::<()>();
        let gamma = *transcript.squeeze_challenge_scalar::<()>();
        let products = self.permutation_products(beta, gamma, rng, transcript)?;
        timer.lap("permutation products");
        let zs = permuted
            .iter()
            .map(|p| lookup::product(p, beta, gamma, self.usable, rng))
            .collect();
        // The columns' values on the circuit's rows are not read again: free them before the quotient.
        drop(permuted);
        self.advice.advice_values = Vec::new();
        let mut zs = self.commit(zs, transcript)?.into_iter();
        let mut lookups = Vec::new();
        while let (Some(z), Some(input), Some(table)) =
            (zs.next(), committed.next(), committed.next())
        {
            lookups.push([z, input, table]);
        }
        timer.lap("lookup products");
        let random: Vec<Fr> = (0..self.fft.n()).map(|_| Fr::random(&mut *rng)).collect();
        let point = crate::msm::msm(&random, self.params.get_g()).to_affine();
        transcript.write_point(point).map_err(transcript_err)?;
        let y = *transcript.squeeze_challenge_scalar::<()>();
        let challenges = quotient::Challenges {
            theta,
            beta,
            gamma,
            y,
            phase: &self.challenges,
        };
        let inputs = self.quotient_inputs(&products, &lookups);
        let pieces = quotient::pieces(&self.fft, self.domain, &inputs, &challenges, self.cosets);
        timer.lap("quotient evaluated");
        for piece in &pieces {
            let point = crate::msm::msm(piece, self.params.get_g()).to_affine();
            transcript.write_point(point).map_err(transcript_err)?;
        }
        timer.lap("quotient committed");
        let x = *transcript.squeeze_challenge_scalar::<()>();
        let xn = x.pow_vartime([self.fft.n() as u64]);
        let mut h = vec![Fr::ZERO; self.fft.n()];
        for piece in pieces.iter().rev() {
            h.par_iter_mut()
                .zip(piece)
                .for_each(|(a, p)| *a = *a * xn + p);
        }
        self.write_evals(x, &products, &lookups, &random, transcript)?;
        timer.lap("evaluations");
        let queries = self.queries(x, &products, &lookups, &h, &random);
        let v = *transcript.squeeze_challenge_scalar::<()>();
        for point in open::gwc(self.params, &queries, v) {
            transcript.write_point(point).map_err(transcript_err)?;
        }
        timer.lap("multi-open");
        Ok(())
    }

    /// Each lookup's compressed sides and their permutations; the permutations committed (input,
    /// table, lookup by lookup).
    #[allow(clippy::type_complexity)]
    fn permuted_lookups<E: EncodedChallenge<G1Affine>, T: TranscriptWrite<G1Affine, E>>(
        &self,
        theta: Fr,
        rng: &mut StdRng,
        transcript: &mut T,
    ) -> Result<(Vec<lookup::Permuted>, std::vec::IntoIter<Committed>)> {
        let cols = self.columns();
        let mut permuted = Vec::new();
        let mut columns = Vec::new();
        for lookup in self.cs.lookups() {
            let sides = (
                lookup.name(),
                &lookup.input_expressions()[..],
                &lookup.table_expressions()[..],
            );
            let p = lookup::permute(sides, &cols, theta, self.usable, rng)
                .map_err(ProverError::Prove)?;
            columns.push(p.permuted_input.clone());
            columns.push(p.permuted_table.clone());
            permuted.push(p);
        }
        Ok((permuted, self.commit(columns, transcript)?.into_iter()))
    }

    fn quotient_inputs<'b>(
        &'b self,
        products: &'b [Committed],
        lookups: &'b [[Committed; 3]],
    ) -> quotient::Inputs<'b> {
        quotient::Inputs {
            cs: self.cs,
            pk: self.pk,
            advice: slices(&self.advice.advice_polys),
            instance: slices(&self.instance.instance_polys),
            products: products.iter().map(|p| p.coeffs.as_slice()).collect(),
            chunk_len: self.chunk_len,
            lookups: lookups
                .iter()
                .map(|l| [0, 1, 2].map(|i| l[i].coeffs.as_slice()))
                .collect(),
        }
    }

    fn permutation_products<E: EncodedChallenge<G1Affine>, T: TranscriptWrite<G1Affine, E>>(
        &self,
        beta: Fr,
        gamma: Fr,
        rng: &mut StdRng,
        transcript: &mut T,
    ) -> Result<Vec<Committed>> {
        let columns = self.cs.permutation().get_columns();
        let sigmas = self.pk.permutation().permutations();
        let wires: Vec<permutation::Wire<'_>> = columns
            .iter()
            .zip(sigmas)
            .map(|(c, sigma)| permutation::Wire {
                values: match c.column_type() {
                    Any::Advice(_) => self.advice.advice_values[c.index()].values(),
                    Any::Fixed => self.pk.fixed_values()[c.index()].values(),
                    Any::Instance => self.instance.instance_values[c.index()].values(),
                },
                sigma: sigma.values(),
            })
            .collect();
        let sets = permutation::products(
            &wires,
            self.chunk_len,
            beta,
            gamma,
            self.domain.get_omega(),
            self.usable,
            self.fft.n(),
            rng,
        );
        self.commit(sets, transcript)
    }
}
