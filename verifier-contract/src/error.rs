//! Errors of Solidity generation, compilation and EVM execution.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ContractError {
    #[error("solcjs is not installed ({0}); run: npm ci --prefix verifier-contract/js (or set ZKINFER_SOLCJS_DIR)")]
    SolcMissing(String),
    #[error("solc: {0}")]
    Solc(String),
    #[error("{0}")]
    Unsupported(String),
    /// An address that does not hold the code zkinfer pins for it (see `trust`).
    #[error("{0}")]
    NotTrusted(String),
    #[error("chain: {0}")]
    Chain(String),
    #[error("evm: {0}")]
    Evm(String),
}

pub type Result<T> = std::result::Result<T, ContractError>;
