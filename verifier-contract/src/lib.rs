//! # zkinfer-verifier-contract
//!
//! Owns the on-chain side: generating the Solidity verifier for a verifying key ([`solidity`], today via
//! snark-verifier's EVM loader), compiling Solidity with solcjs ([`solc`]: npm `solc`, installed by
//! `verifier-contract/js/package.json`, run by node, no network), encoding calldata and executing
//! contracts in an in-process revm ([`evm`]).

pub mod error;
pub mod evm;
pub mod solc;
pub mod solidity;

pub use error::ContractError;
pub use evm::{EvmOutcome, InProcessEvm};
pub use solc::{compile, Compiled};
pub use solidity::{encode_calldata, verifier_solidity};

/// EIP-170: the largest runtime bytecode a contract may deploy on Ethereum mainnet.
pub const EIP170_LIMIT: usize = 24_576;
