//! Proving and native verification: SHPLONK multi-open over KZG, with snark-verifier's Keccak EVM
//! transcript (64-byte uncompressed points), so one proof verifies natively and in the Solidity verifier.

use crate::error::{ProverError, Result};
use crate::{Bn256, Fr, G1Affine};
use rand::rngs::OsRng;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use snark_verifier_sdk::snark_verifier::loader::native::NativeLoader;
use snark_verifier_sdk::snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use zkinfer_circuits::halo2_proofs::plonk::{create_proof, verify_proof, ProvingKey, VerifyingKey};
use zkinfer_circuits::halo2_proofs::poly::commitment::ParamsProver;
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use zkinfer_circuits::halo2_proofs::poly::kzg::multiopen::{ProverSHPLONK, VerifierSHPLONK};
use zkinfer_circuits::halo2_proofs::poly::kzg::strategy::SingleStrategy;
use zkinfer_circuits::halo2_proofs::transcript::{TranscriptReadBuffer, TranscriptWriterBuffer};
use zkinfer_circuits::ModelCircuit;

type Transcript<S> = EvmTranscript<G1Affine, NativeLoader, S, Vec<u8>>;

/// Prove one inference. `seed` makes the proof bytes reproducible (tests, benchmarks); `None` draws the
/// blinding randomness from the OS, which is what zero knowledge needs.
pub fn prove(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: ModelCircuit,
    instances: &[Fr],
    seed: Option<[u8; 32]>,
) -> Result<Vec<u8>> {
    let rng: Box<dyn RngCore> = match seed {
        Some(seed) => Box::new(ChaCha20Rng::from_seed(seed)),
        None => Box::new(OsRng),
    };
    let mut transcript = Transcript::<Vec<u8>>::init(Vec::new());
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        params,
        pk,
        &[circuit],
        &[&[instances]],
        rng,
        &mut transcript,
    )
    .map_err(|e| ProverError::Prove(format!("{e:?}")))?;
    Ok(transcript.finalize())
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
        verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
            params.verifier_params(),
            vk,
            SingleStrategy::new(params),
            &[&[instances]],
            &mut transcript,
        )
        .map_err(|e| ProverError::Rejected(format!("{e:?}")))
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(result) => result,
        Err(_) => Err(ProverError::Rejected(
            "malformed proof (verifier panicked)".into(),
        )),
    }
}
