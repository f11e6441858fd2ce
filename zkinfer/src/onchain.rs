//! A model's EVM verifier on a real node: deploy it (the shared verifier once, then the model's
//! verifying-key contract), and verify a proof with a deployed key contract after checking the
//! address holds exactly this model's key calling zkinfer's verifier (any contract can answer "1").

use crate::error::{refused, Result};
use crate::evm::EvmVerifier;
use zkinfer_circuits::Fr;
use zkinfer_verifier_contract::chain::{Chain, Receipt};
use zkinfer_verifier_contract::reusable::accepted;
use zkinfer_verifier_contract::trust::check_verifier;
use zkinfer_verifier_contract::{encode_calldata, Address, U256};

/// Where [`EvmVerifier::deploy_on`] put the contracts.
#[derive(Clone, Debug)]
pub struct Deployed {
    /// The shared `ZkinferVerifier`.
    pub verifier: Address,
    /// Its deployment, when this call made it (`None`: an existing one was reused).
    pub verifier_receipt: Option<Receipt>,
    /// The model's verifying-key contract: the model's address for `verify-onchain` and market jobs.
    pub key: Address,
    /// Its deployment.
    pub key_receipt: Receipt,
}

fn deployed_at(receipt: &Receipt) -> Result<Address> {
    receipt.contract.ok_or_else(|| {
        refused(format!(
            "no contract address in the receipt of {}",
            receipt.hash
        ))
    })
}

impl EvmVerifier {
    /// Deploy this model's verifying-key contract on `chain`, calling the shared verifier at
    /// `existing` (refused unless its code is zkinfer's) or at one deployed now.
    pub fn deploy_on(&self, chain: &Chain, existing: Option<Address>) -> Result<Deployed> {
        let (verifier, verifier_receipt) = match existing {
            Some(address) => {
                check_verifier(address, &chain.code(address)?)?;
                (address, None)
            }
            None => {
                let receipt = chain.deploy(self.verifier.creation.clone())?;
                (deployed_at(&receipt)?, Some(receipt))
            }
        };
        let key_receipt = chain.deploy(self.key_contract_creation(verifier)?)?;
        Ok(Deployed {
            verifier,
            verifier_receipt,
            key: deployed_at(&key_receipt)?,
            key_receipt,
        })
    }

    /// Ask the key contract at `key` on `chain` (checked to be this model's first) whether it accepts
    /// `instances` and `proof`: an `eth_call`, free.
    pub fn accepts_on(
        &self,
        chain: &Chain,
        key: Address,
        instances: &[Fr],
        proof: &[u8],
    ) -> Result<bool> {
        self.check_deployed(key, |at| chain.code(at))?;
        let call = chain.call(key, encode_calldata(instances, proof), U256::ZERO)?;
        Ok(accepted(call.success, &call.output))
    }

    /// Verify `instances` and `proof` with the key contract at `key` in a transaction (after
    /// [`EvmVerifier::accepts_on`] said yes): its receipt, `success: false` if it reverted.
    pub fn verify_on(
        &self,
        chain: &Chain,
        key: Address,
        instances: &[Fr],
        proof: &[u8],
    ) -> Result<Receipt> {
        let calldata = encode_calldata(instances, proof);
        Ok(chain.transact(key, calldata, U256::ZERO, None)?)
    }
}
