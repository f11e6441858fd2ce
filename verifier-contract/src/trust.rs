//! What a caller checks before it trusts an address on chain. "It has code" proves nothing: a
//! look-alike verifying-key contract can forward to a contract that accepts anything, and a look-alike
//! market can keep the escrow. So every address zkinfer is handed is pinned by code:
//! - the shared verifier: its code hash is that of the shipped `ZkinferVerifier` ([`crate::shipped`]);
//! - a model's verifying-key contract: its whole runtime code (forwarder, VK data, numerator code) is
//!   the one zkinfer derives from the model's verifying key, for a verifier address that passes the
//!   check above;
//! - a market: its code hash is that of the shipped `InferenceMarket`.

use crate::error::{ContractError, Result};
use crate::reusable::{bytecode::vk_contract_verifier, VerifierData};
use crate::shipped;
use revm::primitives::{keccak256, Address};

fn refuse(msg: String) -> ContractError {
    ContractError::NotTrusted(msg)
}

/// `code` (deployed at `at`) is zkinfer's shared `ZkinferVerifier`.
pub fn check_verifier(at: Address, code: &[u8]) -> Result<()> {
    if code.is_empty() {
        return Err(refuse(format!("{at}: no contract there")));
    }
    if keccak256(code).0 != shipped::verifier_codehash()? {
        return Err(refuse(format!(
            "{at}: its code is not zkinfer's ZkinferVerifier (code hash {})",
            keccak256(code)
        )));
    }
    Ok(())
}

/// `key_code` (deployed at `key`) is the verifying-key contract of `data`, forwarding to a genuine
/// shared verifier (whose code `code_of` fetches). Returns that verifier's address.
pub fn check_key_contract(
    key: Address,
    key_code: &[u8],
    data: &VerifierData,
    code_of: impl FnOnce(Address) -> Result<Vec<u8>>,
) -> Result<Address> {
    let Some(verifier) = vk_contract_verifier(key_code, data) else {
        return Err(refuse(format!(
            "{key}: not the verifying-key contract of this model ({} bytes of code, expected {})",
            key_code.len(),
            crate::reusable::vk_contract_runtime(Address::ZERO, data)?.len()
        )));
    };
    check_verifier(verifier, &code_of(verifier)?).map_err(|e| {
        refuse(format!(
            "{key} forwards to {verifier}, which is refused: {e}"
        ))
    })?;
    Ok(verifier)
}

/// `code` (deployed at `at`) is zkinfer's `InferenceMarket`.
pub fn check_market(at: Address, code: &[u8]) -> Result<()> {
    if keccak256(code).0 != shipped::market_codehash()? {
        return Err(refuse(format!(
            "{at}: not zkinfer's InferenceMarket ({} bytes of code, code hash {})",
            code.len(),
            keccak256(code)
        )));
    }
    Ok(())
}
