//! Proving and native verification: GWC multi-open over KZG, with snark-verifier's Keccak EVM
//! transcript (64-byte uncompressed points), so one proof verifies natively and in the Solidity verifier.

use crate::commit::{FastGwc, FastKzg, FastKzgParams};
use crate::engine::FixedCosets;
use crate::error::{ProverError, Result};
use crate::{Bn256, Fr, G1Affine};
use rand::rngs::OsRng;
use snark_verifier_sdk::snark_verifier::loader::native::NativeLoader;
use snark_verifier_sdk::snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use zkinfer_circuits::halo2_proofs::plonk::{create_proof, verify_proof, ProvingKey, VerifyingKey};
use zkinfer_circuits::halo2_proofs::poly::commitment::ParamsProver;
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use zkinfer_circuits::halo2_proofs::poly::kzg::multiopen::VerifierGWC;
use zkinfer_circuits::halo2_proofs::poly::kzg::strategy::SingleStrategy;
use zkinfer_circuits::halo2_proofs::transcript::{TranscriptReadBuffer, TranscriptWriterBuffer};
use zkinfer_circuits::ModelCircuit;

type Transcript<S> = EvmTranscript<G1Affine, NativeLoader, S, Vec<u8>>;

/// Which proving loop makes proofs: both write the same protocol (halo2's verifier and the Solidity
/// verifier accept either's proofs); zkinfer's own ([`crate::engine`]) is the default and faster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProvingLoop {
    /// [`crate::engine::create_proof`].
    Zkinfer,
    /// halo2-axiom's `create_proof`, kept for comparison (`ZKINFER_PROVING_LOOP=halo2`).
    Halo2,
}

impl ProvingLoop {
    /// The loop `ZKINFER_PROVING_LOOP` names (`zkinfer`, the default, or `halo2`).
    pub fn from_env() -> Result<Self> {
        match std::env::var("ZKINFER_PROVING_LOOP").as_deref() {
            Err(_) | Ok("") | Ok("zkinfer") => Ok(ProvingLoop::Zkinfer),
            Ok("halo2") => Ok(ProvingLoop::Halo2),
            Ok(other) => Err(ProverError::Mismatch(format!(
                "ZKINFER_PROVING_LOOP={other}: expected `zkinfer` or `halo2`"
            ))),
        }
    }
}

/// Prove one inference with the loop `ZKINFER_PROVING_LOOP` selects (see [`prove_with`]).
pub fn prove(
    params: &FastKzgParams,
    pk: &ProvingKey<G1Affine>,
    circuit: ModelCircuit,
    instances: &[Fr],
) -> Result<Vec<u8>> {
    prove_with(
        ProvingLoop::from_env()?,
        params,
        pk,
        None,
        circuit,
        instances,
    )
}

/// Prove one inference. The blinding randomness comes from the OS (zero knowledge needs it fresh), so
/// proof bytes are never reproducible, while the witness and instances are. `cosets` (zkinfer's loop
/// only): the key's extended-domain evaluations, kept by a prover that proves many inputs.
pub fn prove_with(
    proving_loop: ProvingLoop,
    params: &FastKzgParams,
    pk: &ProvingKey<G1Affine>,
    cosets: Option<&FixedCosets>,
    circuit: ModelCircuit,
    instances: &[Fr],
) -> Result<Vec<u8>> {
    let why = circuit.clone();
    let failed = move |e: String| ProverError::Prove(why.synthesis_error().unwrap_or(e));
    // halo2 panics on some inputs instead of returning an error (e.g. more instances than usable rows).
    zkinfer_circuits::guard::catch_panic(|| {
        crate::pool::on_worker(|| {
            let mut transcript = Transcript::<Vec<u8>>::init(Vec::new());
            match proving_loop {
                ProvingLoop::Zkinfer => crate::engine::create_proof(
                    params,
                    pk,
                    cosets,
                    circuit,
                    instances,
                    OsRng,
                    &mut transcript,
                )
                .map_err(|e| match e {
                    ProverError::Prove(msg) => failed(msg),
                    other => other,
                })?,
                ProvingLoop::Halo2 => create_proof::<FastKzg, FastGwc<'_>, _, _, _, _>(
                    params,
                    pk,
                    &[circuit],
                    &[&[instances]],
                    OsRng,
                    &mut transcript,
                )
                .map_err(|e| failed(format!("{e:?}")))?,
            }
            Ok(transcript.finalize())
        })
    })
    .unwrap_or_else(|msg| Err(ProverError::Prove(format!("halo2 panicked: {msg}"))))
}

/// Verify a proof natively. Any malformed or wrong proof is an `Err`, never a panic.
pub fn verify(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    instances: &[Fr],
    proof: &[u8],
) -> Result<()> {
    let run = || {
        let mut transcript = Transcript::<&[u8]>::init(proof);
        verify_proof::<KZGCommitmentScheme<Bn256>, VerifierGWC<'_, Bn256>, _, _, _>(
            params.verifier_params(),
            vk,
            SingleStrategy::new(params),
            &[&[instances]],
            &mut transcript,
        )
        .map_err(|e| ProverError::Rejected(format!("{e:?}")))
    };
    zkinfer_circuits::guard::catch_panic(|| crate::pool::on_worker(run)).unwrap_or_else(|msg| {
        Err(ProverError::Rejected(format!(
            "malformed proof (the verifier panicked: {msg})"
        )))
    })
}
