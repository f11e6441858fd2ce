//! The EVM side of a model: its verifier export (zkinfer's shared `ZkinferVerifier`, shipped compiled,
//! plus the model's verifying-key contract data `vk.json`), snark-verifier's per-circuit Solidity
//! verifier (`legacy`), and verifying a proof in an in-process EVM (revm) with either, with the gas it
//! took and where it went.

use crate::error::{refused, Error, Result};
use std::path::{Path, PathBuf};
use zkinfer_circuits::halo2_proofs::plonk::VerifyingKey;
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkinfer_circuits::Fr;
use zkinfer_prover::cache::write_atomic;
use zkinfer_prover::{Bn256, G1Affine, VerifierKey};
use zkinfer_verifier_contract::reusable::{
    accepted, deploy, verifier_data, vk_contract_creation, vk_contract_runtime, InstanceLayout,
    VerifierData, VkFile, VERIFIER_SOL,
};
use zkinfer_verifier_contract::trust::check_key_contract;
use zkinfer_verifier_contract::{
    compile, encode_calldata, verifier_solidity, Address, Compiled, GasProfile, InProcessEvm,
};

pub use zkinfer_verifier_contract::EIP170_LIMIT;

/// A model's EVM verifier: the shared verifier's code and the model's verifying-key contract data.
pub struct EvmVerifier {
    /// The shared verifier, compiled (one deployment serves every model).
    pub verifier: Compiled,
    /// The verifying-key contract's data (the key, the instance layout, the numerator program).
    pub data: VerifierData,
    /// The circuit the key is for.
    pub circuit_hash: String,
    /// Runtime size of the verifying-key contract, bytes (EIP-170 allows [`EIP170_LIMIT`]).
    pub vk_contract_bytes: usize,
}

impl EvmVerifier {
    /// The EVM verifier of `key`.
    pub fn of(key: &VerifierKey) -> Result<Self> {
        let layout = InstanceLayout::of(&key.header);
        Self::new(&key.params, &key.vk, layout, &key.header.circuit_hash)
    }

    /// The EVM verifier of the verifying key `vk` (with the SRS `params`) of circuit `circuit_hash`
    /// whose instances are laid out as `layout`.
    pub fn new(
        params: &ParamsKZG<Bn256>,
        vk: &VerifyingKey<G1Affine>,
        layout: InstanceLayout,
        circuit_hash: &str,
    ) -> Result<Self> {
        let data = verifier_data(params, vk, layout)?;
        let vk_contract_bytes = vk_contract_runtime(Address::ZERO, &data)?.len();
        Ok(Self {
            verifier: deploy::verifier_code()?,
            data,
            circuit_hash: circuit_hash.to_string(),
            vk_contract_bytes,
        })
    }

    /// The verifier a folder written by [`EvmVerifier::write`] holds: its `vk.json`, and its
    /// `ZkinferVerifier.sol` compiled now (needs node and solc-js).
    pub fn read(dir: &Path) -> Result<Self> {
        let vk = dir.join("vk.json");
        let file = VkFile::read(&vk)?;
        let data = file.verifier_data(&vk)?;
        let sol = dir.join("ZkinferVerifier.sol");
        let source = std::fs::read_to_string(&sol).map_err(Error::io(&sol))?;
        let verifier = compile(
            "ZkinferVerifier.sol",
            &source,
            zkinfer_verifier_contract::reusable::VERIFIER_CONTRACT,
            true,
        )
        .map_err(|e| refused(format!("{}: {e}", sol.display())))?;
        let vk_contract_bytes = vk_contract_runtime(Address::ZERO, &data)?.len();
        Ok(Self {
            verifier,
            data,
            circuit_hash: file.circuit_hash,
            vk_contract_bytes,
        })
    }

    /// Write `ZkinferVerifier.sol` (the shared verifier's source) and `vk.json` (this model's key)
    /// into `dir` (created if missing); returns both paths.
    pub fn write(&self, dir: &Path) -> Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
        let sol = dir.join("ZkinferVerifier.sol");
        let vk = dir.join("vk.json");
        let file = VkFile::new(&self.circuit_hash, &self.data);
        write_atomic(&sol, VERIFIER_SOL.as_bytes())?;
        write_atomic(&vk, &serde_json::to_vec_pretty(&file)?)?;
        Ok((sol, vk))
    }

    /// The creation code of this model's verifying-key contract, forwarding to the verifier at
    /// `verifier` (deploy it on any chain; its runtime is [`EvmVerifier::vk_contract_bytes`] long).
    pub fn key_contract_creation(&self, verifier: Address) -> Result<Vec<u8>> {
        Ok(vk_contract_creation(verifier, &self.data)?)
    }

    /// Check that the contract at `key` (on whatever chain `code_of` reads) is exactly this model's
    /// verifying-key contract, forwarding to a contract whose code is zkinfer's shipped verifier: any
    /// contract can answer "1", so an answer alone proves nothing. Returns the verifier's address.
    pub fn check_deployed(
        &self,
        key: Address,
        code_of: impl Fn(Address) -> zkinfer_verifier_contract::error::Result<Vec<u8>>,
    ) -> Result<Address> {
        let code = code_of(key)?;
        Ok(check_key_contract(key, &code, &self.data, code_of)?)
    }

    /// Deploy both contracts in a fresh in-process EVM and verify `instances` and `proof` there.
    pub fn verify(&self, instances: &[Fr], proof: &[u8]) -> Result<EvmRun> {
        let mut evm = InProcessEvm::new();
        let d = deploy::deploy(&mut evm, &self.verifier, &self.data)?;
        let calldata = encode_calldata(instances, proof);
        let (outcome, profile) = evm.call_profiled(d.vk, calldata)?;
        Ok(EvmRun {
            // zkinfer's verifier must answer the 32-byte word 1; anything else is a rejection.
            accepted: accepted(outcome.success, &outcome.output),
            gas_used: outcome.gas_used,
            profile,
            verifier_bytes: d.verifier_bytes,
            verifier_deploy_gas: d.verifier_gas,
            vk_contract_bytes: d.vk_bytes,
            vk_contract_deploy_gas: d.vk_gas,
        })
    }
}

/// One verification in an in-process EVM.
pub struct EvmRun {
    /// Whether the verifier accepted the proof.
    pub accepted: bool,
    /// Gas of the verifying call (transaction base and calldata included).
    pub gas_used: u64,
    /// Where that gas went.
    pub profile: GasProfile,
    /// Runtime size of the verifier contract, bytes.
    pub verifier_bytes: usize,
    /// Gas to deploy the verifier.
    pub verifier_deploy_gas: u64,
    /// Runtime size of the verifying-key contract, bytes (0 for the legacy verifier: it has none).
    pub vk_contract_bytes: usize,
    /// Gas to deploy the verifying-key contract.
    pub vk_contract_deploy_gas: u64,
}

/// snark-verifier's per-circuit Solidity verifier (`Halo2Verifier`) of `key`.
pub fn legacy_solidity(key: &VerifierKey) -> String {
    verifier_solidity(&key.params, &key.vk, key.header.num_instances)
}

/// Compile a legacy verifier's `source` (needs node and solc-js), deploy it in a fresh in-process EVM
/// and verify `instances` and `proof` with it.
pub fn verify_legacy(source: &str, instances: &[Fr], proof: &[u8]) -> Result<EvmRun> {
    let compiled = compile_legacy(source)?;
    let mut evm = InProcessEvm::new();
    let (address, deploy_gas) = evm.deploy(compiled.creation.clone())?;
    let (outcome, profile) = evm.call_profiled(address, encode_calldata(instances, proof))?;
    Ok(EvmRun {
        // snark-verifier's verifier returns nothing on success and reverts otherwise.
        accepted: outcome.success,
        gas_used: outcome.gas_used,
        profile,
        verifier_bytes: compiled.runtime.len(),
        verifier_deploy_gas: deploy_gas,
        vk_contract_bytes: 0,
        vk_contract_deploy_gas: 0,
    })
}

/// Compile a legacy verifier's source (contract `Halo2Verifier`, no optimizer: it fails with "stack
/// too deep" otherwise).
pub fn compile_legacy(source: &str) -> Result<Compiled> {
    let compiled = compile("Verifier.sol", source, "Halo2Verifier", false)?;
    if compiled.runtime.is_empty() {
        return Err(refused("the legacy verifier compiled to no code".into()));
    }
    Ok(compiled)
}
