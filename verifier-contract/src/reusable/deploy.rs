//! Deploying the shared verifier and a model's verifying-key contract (in revm; the same creation
//! code goes to a real node).

use super::{vk_contract_creation, VerifierData};
use crate::error::Result;
use crate::evm::InProcessEvm;
use crate::solc::Compiled;
use revm::primitives::Address;

/// The shared verifier's code as zkinfer ships it compiled ([`crate::shipped`]; a test checks it is a
/// fresh compile of [`super::VERIFIER_SOL`], contract [`super::VERIFIER_CONTRACT`]).
pub fn verifier_code() -> Result<Compiled> {
    crate::shipped::verifier()
}

/// Addresses, deployment gas and runtime sizes of one deployment.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Address of the shared `ZkinferVerifier`.
    pub verifier: Address,
    /// Address of the model's verifying-key contract: the one to call with a proof.
    pub vk: Address,
    /// Gas of the verifier's deployment transaction.
    pub verifier_gas: u64,
    /// Gas of the verifying-key contract's deployment transaction.
    pub vk_gas: u64,
    /// Runtime code size of the shared verifier, in bytes.
    pub verifier_bytes: usize,
    /// Runtime code size of the verifying-key contract, in bytes (EIP-170 allows [`crate::EIP170_LIMIT`]).
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
