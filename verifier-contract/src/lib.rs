//! # zkinfer-verifier-contract
//!
//! Owns the on-chain side: zkinfer's own EVM verifier ([`reusable`]: one shared `ZkinferVerifier` contract
//! plus a per-model verifying-key contract whose data and numerator code this crate generates from the
//! verifying key), snark-verifier's per-circuit Solidity verifier for comparison ([`solidity`]), compiling
//! Solidity with solcjs ([`solc`]: npm `solc`, installed by `verifier-contract/js/package.json`, run by node,
//! no network), encoding calldata, executing contracts in an in-process revm ([`evm`], with a gas profile
//! per precompile: [`gas_profile`]) or on a real node over JSON-RPC ([`chain`], alloy); and the
//! verify-before-pay job contract `InferenceMarket` ([`market`]: its source under `contracts/`, ABI
//! encoding of its calls, the input commitment and the payee tag); the contracts shipped compiled
//! ([`shipped`]) and the checks that pin every address a caller trusts to that code ([`trust`]).

#![warn(missing_docs)]

pub mod chain;
pub mod error;
pub mod evm;
pub mod gas_profile;
pub mod market;
pub mod reusable;
pub mod shipped;
pub mod solc;
pub mod solidity;
pub mod trust;

pub use error::ContractError;
pub use evm::{EvmOutcome, InProcessEvm};
pub use gas_profile::GasProfile;
/// The EVM types the API speaks in.
pub use revm::primitives::{Address, U256};
pub use solc::{compile, Compiled};
pub use solidity::{encode_calldata, verifier_solidity};

pub use zkinfer_prover::EIP170_LIMIT;
