//! The verifying-key contract's code: a hand-assembled forwarder, the VK data, and the numerator
//! evaluator (see the parent module for the layout).

use super::{unsupported, VerifierData, DATA_OFFSET};
use crate::error::Result;
use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::PrimeField;
use revm::primitives::Address;

/// EVM opcodes the key contract's hand-assembled parts use.
mod op {
    pub const STOP: u8 = 0x00;
    pub const ADD: u8 = 0x01;
    pub const MOD: u8 = 0x06;
    pub const EQ: u8 = 0x14;
    pub const ADDRESS: u8 = 0x30;
    pub const CALLER: u8 = 0x33;
    pub const CALLDATASIZE: u8 = 0x36;
    pub const CALLDATACOPY: u8 = 0x37;
    pub const RETURNDATASIZE: u8 = 0x3d;
    pub const RETURNDATACOPY: u8 = 0x3e;
    pub const MLOAD: u8 = 0x51;
    pub const MSTORE: u8 = 0x52;
    pub const JUMPI: u8 = 0x57;
    pub const GAS: u8 = 0x5a;
    pub const JUMPDEST: u8 = 0x5b;
    pub const PUSH1: u8 = 0x60;
    pub const PUSH2: u8 = 0x61;
    pub const PUSH20: u8 = 0x73;
    pub const PUSH32: u8 = 0x7f;
    pub const SWAP1: u8 = 0x90;
    pub const RETURN: u8 = 0xf3;
    pub const STATICCALL: u8 = 0xfa;
    pub const REVERT: u8 = 0xfd;
}

/// The runtime prefix of a verifying-key contract, `DATA_OFFSET` bytes: a call from the shared
/// verifier jumps to the numerator code at `numerator_at`; any other call forwards
/// `address() ++ calldata` to the verifier with `STATICCALL` and returns or reverts with its answer.
fn forwarder(verifier: Address, numerator_at: u16) -> Vec<u8> {
    use op::*;
    let mut code = vec![CALLER, PUSH20];
    code.extend_from_slice(verifier.as_slice());
    code.extend_from_slice(&[EQ, PUSH2]);
    code.extend_from_slice(&numerator_at.to_be_bytes());
    code.push(JUMPI);
    code.extend_from_slice(&[
        CALLDATASIZE,
        PUSH1,
        0,
        PUSH1,
        32,
        CALLDATACOPY, // calldatacopy(32, 0, calldatasize)
        ADDRESS,
        PUSH1,
        0,
        MSTORE, // mstore(0, address())
        PUSH1,
        0,
        PUSH1,
        0, // retSize, retOffset
        CALLDATASIZE,
        PUSH1,
        32,
        ADD, // argsSize
        PUSH1,
        0, // argsOffset
        PUSH20,
    ]);
    code.extend_from_slice(verifier.as_slice());
    let ok_at = code.len() + 16;
    code.extend_from_slice(&[
        GAS,
        STATICCALL,
        RETURNDATASIZE,
        PUSH1,
        0,
        PUSH1,
        0,
        RETURNDATACOPY, // returndatacopy(0, 0, returndatasize)
        RETURNDATASIZE,
        SWAP1,
        PUSH1,
        ok_at as u8,
        JUMPI, // if ok, jump to return
        PUSH1,
        0,
        REVERT, // revert(0, returndatasize)
        JUMPDEST,
        PUSH1,
        0,
        RETURN, // return(0, returndatasize)
    ]);
    debug_assert_eq!(code[ok_at], JUMPDEST);
    debug_assert!(code.len() <= DATA_OFFSET);
    code.resize(DATA_OFFSET, STOP); // never executed: the data follows
    code
}

/// The numerator entry: `r` to memory word 0, the program, `mod r`, return the word.
fn numerator_entry(program: &[u8]) -> Vec<u8> {
    use op::*;
    let mut code = vec![JUMPDEST, PUSH32];
    let r = hex::decode(Fr::MODULUS.trim_start_matches("0x")).expect("modulus is hex");
    code.extend_from_slice(&r);
    code.extend_from_slice(&[PUSH1, 0, MSTORE]);
    code.extend_from_slice(program);
    code.extend_from_slice(&[
        PUSH1, 0, MLOAD, SWAP1, MOD, PUSH1, 0, MSTORE, PUSH1, 32, PUSH1, 0, RETURN,
    ]);
    code
}

/// Runtime code of a verifying-key contract: forwarder, VK data, 32 zero bytes (so no PUSH in the
/// data can swallow the next JUMPDEST), numerator code.
pub fn vk_contract_runtime(verifier: Address, data: &VerifierData) -> Result<Vec<u8>> {
    let numerator_at = DATA_OFFSET + data.data.len() + 32;
    let at = u16::try_from(numerator_at).map_err(|_| unsupported("VK data over 64 KiB"))?;
    let mut runtime = forwarder(verifier, at);
    runtime.extend_from_slice(&data.data);
    runtime.extend_from_slice(&[0u8; 32]);
    runtime.extend_from_slice(&numerator_entry(&data.numerator));
    Ok(runtime)
}

/// Creation code of a verifying-key contract: deploys [`vk_contract_runtime`] (forwarder, VK data,
/// 32 zero bytes, numerator code) as runtime code.
/// Fails when the runtime code would exceed EIP-170.
pub fn vk_contract_creation(verifier: Address, data: &VerifierData) -> Result<Vec<u8>> {
    let runtime = vk_contract_runtime(verifier, data)?;
    if runtime.len() > crate::EIP170_LIMIT {
        return Err(unsupported(&format!(
            "verifying-key contract of {} bytes exceeds EIP-170",
            runtime.len()
        )));
    }
    let len = runtime.len() as u16;
    use op::*;
    let mut code = vec![0x61];
    code.extend_from_slice(&len.to_be_bytes());
    // dup1, push1 12, push1 0, codecopy, push1 0, return
    code.extend_from_slice(&[0x80, PUSH1, 0x0c, PUSH1, 0x00, 0x39, PUSH1, 0x00, RETURN]);
    debug_assert_eq!(code.len(), 12);
    code.extend_from_slice(&runtime);
    Ok(code)
}

/// Where the verifying-key contract's forwarder holds the shared verifier's address (twice) and the
/// numerator's jump target: the bytes `InferenceMarket` zeroes before hashing the forwarder.
pub const FORWARDER_VERIFIER_AT: [usize; 2] = [2, 48];
/// See [`FORWARDER_VERIFIER_AT`].
pub const FORWARDER_JUMP_AT: usize = 24;

/// keccak256 of the forwarder with both copies of the verifier's address and the numerator jump target
/// zeroed: `InferenceMarket.FORWARDER_HASH`.
pub fn forwarder_template_hash() -> [u8; 32] {
    revm::primitives::keccak256(forwarder(Address::ZERO, 0)).0
}

/// The shared verifier a deployed contract's `runtime` forwards to, if `runtime` is exactly the
/// verifying-key contract of `data` (forwarder, data and numerator code) for that verifier.
pub fn vk_contract_verifier(runtime: &[u8], data: &VerifierData) -> Option<Address> {
    let [at, _] = FORWARDER_VERIFIER_AT;
    let verifier = Address::from_slice(runtime.get(at..at + 20)?);
    let expected = vk_contract_runtime(verifier, data).ok()?;
    (expected == runtime).then_some(verifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forwarder_holds_the_verifier_and_the_jump_where_the_market_masks_them() {
        let verifier = Address::repeat_byte(0xab);
        let code = forwarder(verifier, 0x1234);
        for at in FORWARDER_VERIFIER_AT {
            assert_eq!(&code[at..at + 20], verifier.as_slice());
            assert_eq!(code[at - 1], op::PUSH20);
        }
        assert_eq!(code[FORWARDER_JUMP_AT - 1], op::PUSH2);
        assert_eq!(
            &code[FORWARDER_JUMP_AT..FORWARDER_JUMP_AT + 2],
            &[0x12, 0x34]
        );
        // Zeroing exactly those bytes gives the template the market hashes.
        let mut masked = code.clone();
        for at in FORWARDER_VERIFIER_AT {
            masked[at..at + 20].fill(0);
        }
        masked[FORWARDER_JUMP_AT..FORWARDER_JUMP_AT + 2].fill(0);
        assert_eq!(masked, forwarder(Address::ZERO, 0));
        assert_ne!(code, masked);
    }
}
