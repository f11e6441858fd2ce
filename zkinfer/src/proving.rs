//! [`Prover`]: a prepared model with its SRS and keys loaded once, proving as many inputs as it is
//! given. Each step is its own method (the CLI times them); [`Prover::prove_input`] runs them all.

use crate::error::{refused, Result};
use crate::pipeline::Prepared;
use crate::progress::{report, Phase, Progress, Silent};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use zkinfer_circuits::fixed_point::dequantize;
use zkinfer_circuits::graph::GraphTrace;
use zkinfer_circuits::halo2_proofs::plonk::ProvingKey;
use zkinfer_circuits::{Fr, QTensor};
use zkinfer_prover::artifact::{fr_to_hex, OutputTensor, ProofArtifact, SrsInfo, FORMAT, VERSION};
use zkinfer_prover::engine::FixedCosets;
use zkinfer_prover::keys::read_vk;
use zkinfer_prover::proof::{prove_with, verify, ProvingLoop};
use zkinfer_prover::{G1Affine, Srs, VerifierKey};

/// A model ready to prove: its circuit, SRS, proving and verifying keys.
pub struct Prover {
    /// The model, its settings and circuit.
    pub prep: Prepared,
    /// The SRS the keys were made with.
    pub srs: Srs,
    pk: ProvingKey<G1Affine>,
    /// The key's extended-domain evaluations, once [`Prover::keep_fixed_cosets`] made them.
    cosets: OnceLock<FixedCosets>,
    /// The verifying key (the one written to the key cache).
    pub vk: VerifierKey,
    /// Whether [`Prover::load`] generated the keys (else they came from the cache).
    pub generated: bool,
    progress: Arc<dyn Progress>,
}

/// One input's witness: the quantized input and the integer evaluation of every node.
pub struct Witness {
    /// The input at the model's fixed-point scale.
    pub inputs: Vec<QTensor>,
    /// Every node's integer output.
    pub trace: GraphTrace,
}

/// Quantize `input` (one flat list per model input) and evaluate `prep`'s integer model on it; a value
/// outside the calibrated range is an error naming the layer.
pub fn witness(prep: &Prepared, input: &[Vec<f64>]) -> Result<Witness> {
    let inputs = prep.quantize_inputs(input)?;
    let trace = prep.graph.eval(&inputs).map_err(|e| {
        refused(format!(
            "values outside the calibrated range of this model's settings: {e}"
        ))
    })?;
    Ok(Witness { inputs, trace })
}

impl Prover {
    /// Load (or generate and cache) the keys of `prep` with `srs`, reporting nothing.
    pub fn load(prep: Prepared, srs: Srs) -> Result<Self> {
        Self::load_with_progress(prep, srs, Arc::new(Silent))
    }

    /// [`Prover::load`], reporting keygen and, later, each proving step to `progress`.
    pub fn load_with_progress(
        prep: Prepared,
        srs: Srs,
        progress: Arc<dyn Progress>,
    ) -> Result<Self> {
        let (pk, generated) = report(&*progress, Phase::Keygen, None, || prep.proving_key(&srs))?;
        let vk = read_vk(&prep.store().vk_path())?;
        Ok(Self {
            prep,
            srs,
            pk,
            cosets: OnceLock::new(),
            vk,
            generated,
            progress,
        })
    }

    /// Keep the key's extended-domain evaluations for every later proof, and return their size in
    /// bytes: each proof then skips their transforms (about half of the quotient's FFTs). For provers
    /// that serve many inputs, at a memory cost of about twice the proving key for as long as this
    /// prover lives (measured on this machine, two proofs each way: cifar_vgg 9.4-9.9 -> 7.8-8.0 s a
    /// proof for 480 MiB kept, made in 1.6 s, peak 1.23 GiB; tiny_bert 8.2-8.3 -> 7.3 s for 408 MiB).
    pub fn keep_fixed_cosets(&self) -> usize {
        self.cosets
            .get_or_init(|| FixedCosets::of(&self.pk))
            .bytes()
    }

    /// [`witness`] of this prover's model.
    pub fn witness(&self, input: &[Vec<f64>]) -> Result<Witness> {
        report(&*self.progress, Phase::Witness, None, || {
            witness(&self.prep, input)
        })
    }

    /// The public instances of `w`: a hashed input's commitment starts from `salt` (zero without one),
    /// and the binding word `bind` is last.
    pub fn instances(&self, w: &Witness, salt: Option<Fr>, bind: Fr) -> Vec<Fr> {
        let salted = self.prep.circuit.with_salt(salt.unwrap_or(Fr::from(0)));
        salted.instances(&w.trace, bind)
    }

    /// The proof bytes of `w` with `instances` (from [`Prover::instances`] with the same salt).
    pub fn prove(&self, w: &Witness, salt: Option<Fr>, instances: &[Fr]) -> Result<Vec<u8>> {
        let circuit = self
            .prep
            .circuit
            .with_salt(salt.unwrap_or(Fr::from(0)))
            .with_inputs(w.inputs.clone());
        let expected = Duration::from_secs_f64(self.prep.estimate().prove_seconds.max(0.0));
        report(&*self.progress, Phase::Prove, Some(expected), || {
            let proving_loop = ProvingLoop::from_env()?;
            let cosets = self.cosets.get();
            Ok(prove_with(
                proving_loop,
                &self.srs.params,
                &self.pk,
                cosets,
                circuit,
                instances,
            )?)
        })
    }

    /// Verify a proof against this model's own verifying key (the self-check after proving).
    pub fn check(&self, instances: &[Fr], proof: &[u8]) -> Result<()> {
        report(&*self.progress, Phase::Verify, None, || {
            Ok(verify(&self.vk.params, &self.vk.vk, instances, proof)?)
        })
    }

    /// The `proof.json` of a proof of `w`.
    pub fn artifact(&self, w: &Witness, instances: &[Fr], proof: &[u8]) -> ProofArtifact {
        let outputs = w
            .trace
            .outputs(&self.prep.graph)
            .map(|o| OutputTensor {
                shape: o.shape.clone(),
                scale: o.scale,
                quantized: o.data.clone(),
                values: o.data.iter().map(|q| dequantize(*q, o.scale)).collect(),
            })
            .collect();
        ProofArtifact {
            format: FORMAT.into(),
            version: VERSION,
            model_hash: self.prep.model.hash.clone(),
            circuit_hash: self.prep.circuit_hash.clone(),
            vk_hash: self.vk.hash.clone(),
            srs: SrsInfo {
                k: self.srs.k,
                hash: self.srs.hash.clone(),
                kind: self.srs.kind,
            },
            circuit_params: self.prep.circuit.params,
            range_bits: self.prep.graph.range_bits,
            public_input: self.prep.circuit.public_input,
            instances: instances.iter().map(fr_to_hex).collect(),
            outputs,
            proof: format!("0x{}", hex::encode(proof)),
        }
    }

    /// Witness, proof, self-check and artifact of one input, bound to `bind`.
    pub fn prove_input(
        &self,
        input: &[Vec<f64>],
        salt: Option<Fr>,
        bind: Fr,
    ) -> Result<ProofArtifact> {
        let w = self.witness(input)?;
        let instances = self.instances(&w, salt, bind);
        let proof = self.prove(&w, salt, &instances)?;
        self.check(&instances, &proof)?;
        Ok(self.artifact(&w, &instances, &proof))
    }
}
