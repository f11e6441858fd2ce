//! Deploying the shared verifier and a model's verifying-key contract (in revm; the same creation
//! code goes to a real node).

use super::{vk_contract_creation, VerifierData, VERIFIER_CONTRACT, VERIFIER_SOL};
use crate::error::Result;
use crate::evm::InProcessEvm;
use crate::solc::{compile, Compiled};
use revm::primitives::Address;

/// Compile the shared verifier (optimizer on).
pub fn compile_verifier() -> Result<Compiled> {
    compile("ZkinferVerifier.sol", VERIFIER_SOL, VERIFIER_CONTRACT, true)
}

/// Addresses, deployment gas and runtime sizes of one deployment.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub verifier: Address,
    pub vk: Address,
    pub verifier_gas: u64,
    pub vk_gas: u64,
    pub verifier_bytes: usize,
    pub vk_bytes: usize,
}

/// Deploy the (already compiled) shared verifier and the verifying-key contract of `data`.
pub fn deploy(
    evm: &mut InProcessEvm,
    verifier: &Compiled,
    data: &VerifierData,
) -> Result<Deployment> {
    let (verifier_address, verifier_gas) = evm.deploy(verifier.creation.clone())?;
    let (vk, vk_gas) = deploy_vk(evm, verifier_address, data)?;
    let vk_bytes = super::vk_contract_runtime(verifier_address, data)?.len();
    Ok(Deployment {
        verifier: verifier_address,
        vk,
        verifier_gas,
        vk_gas,
        verifier_bytes: verifier.runtime.len(),
        vk_bytes,
    })
}

/// Deploy one more verifying-key contract against an existing shared verifier.
pub fn deploy_vk(
    evm: &mut InProcessEvm,
    verifier: Address,
    data: &VerifierData,
) -> Result<(Address, u64)> {
    evm.deploy(vk_contract_creation(verifier, data)?)
}
