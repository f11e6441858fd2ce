//! Errors of Solidity generation, compilation and EVM execution.

use thiserror::Error;

/// An error of this crate: generating, compiling, deploying or calling a contract.
#[derive(Debug, Error)]
pub enum ContractError {
    /// solcjs cannot run: `node_modules/solc` is missing from [`crate::solc::solcjs_dir`], or `node` cannot
    /// be started.
    #[error("solcjs is not installed ({0}); run: npm ci --prefix verifier-contract/js (or set ZKINFER_SOLCJS_DIR)")]
    SolcMissing(String),
    /// solcjs ran and failed: compile errors, output lacking the contract's bytecode, or the pipe to node.
    #[error("solc: {0}")]
    Solc(String),
    /// Input this crate cannot handle: a circuit the zkinfer verifier cannot encode or whose key contract
    /// exceeds EIP-170, or a malformed `vk.json` or shipped contract file.
    #[error("{0}")]
    Unsupported(String),
    /// An address that does not hold the code zkinfer pins for it (see `trust`).
    #[error("{0}")]
    NotTrusted(String),
    /// A real node over JSON-RPC: unreachable or refusing a request, a bad URL or private key, a
    /// transaction without a signing account, or a reverted deployment.
    #[error("chain: {0}")]
    Chain(String),
    /// The in-process revm rejected a transaction, or a deployment in it halted or failed.
    #[error("evm: {0}")]
    Evm(String),
}

/// The result of this crate's fallible functions.
pub type Result<T> = std::result::Result<T, ContractError>;
