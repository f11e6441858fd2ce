//! zkinfer's contracts as shipped, compiled: `ZkinferVerifier` (the shared verifier) and
//! `InferenceMarket`, built once with the lockfile's solc-js (0.8.19, optimizer on, 1 run) and checked
//! into `verifier-contract/compiled/`. Deploying them and pinning them by code hash needs neither the
//! checkout's node nor solc at run time; a test checks that the files are a fresh compile of
//! `contracts/`. After changing a contract, regenerate them with
//! `cargo run --release -p zkinfer-verifier-contract --example ship_contracts` (which also writes the
//! verifier's code hash and the forwarder template hash into `InferenceMarket.sol`).

use crate::error::{ContractError, Result};
use crate::solc::Compiled;
use revm::primitives::keccak256;
use serde::{Deserialize, Serialize};

/// One compiled contract as stored in `verifier-contract/compiled/NAME.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShippedContract {
    /// The contract's name in its source, e.g. `ZkinferVerifier`.
    pub contract: String,
    /// The source file under `verifier-contract/contracts/`.
    pub source: String,
    /// How it was compiled.
    pub compiler: String,
    /// Creation and runtime code, 0x-hex.
    pub creation: String,
    /// Runtime code, 0x-hex: what a deployment holds, pinned by its keccak256 ([`verifier_codehash`],
    /// [`market_codehash`]).
    pub runtime: String,
}

/// The compiler settings every shipped contract is built with.
pub const COMPILER: &str = "solc-js 0.8.19 (verifier-contract/js lockfile), optimizer on, runs 1";

const VERIFIER_JSON: &str = include_str!("../compiled/ZkinferVerifier.json");
const MARKET_JSON: &str = include_str!("../compiled/InferenceMarket.json");

fn decode(json: &str) -> Result<Compiled> {
    let bad = |e: String| ContractError::Unsupported(format!("shipped contract: {e}"));
    let c: ShippedContract = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
    let hex_of = |s: &str| hex::decode(s.trim_start_matches("0x")).map_err(|e| bad(e.to_string()));
    Ok(Compiled {
        creation: hex_of(&c.creation)?,
        runtime: hex_of(&c.runtime)?,
    })
}

/// `ZkinferVerifier`, compiled.
pub fn verifier() -> Result<Compiled> {
    decode(VERIFIER_JSON)
}

/// `InferenceMarket`, compiled.
pub fn market() -> Result<Compiled> {
    decode(MARKET_JSON)
}

/// keccak256 of the shipped `ZkinferVerifier` runtime code: what `EXTCODEHASH` of a genuine deployment
/// returns.
pub fn verifier_codehash() -> Result<[u8; 32]> {
    Ok(keccak256(verifier()?.runtime).0)
}

/// keccak256 of the shipped `InferenceMarket` runtime code.
pub fn market_codehash() -> Result<[u8; 32]> {
    Ok(keccak256(market()?.runtime).0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::MARKET_SOL;
    use crate::reusable::bytecode::forwarder_template_hash;
    use crate::reusable::{VERIFIER_CONTRACT, VERIFIER_SOL};
    use crate::solc::compile;

    const REGENERATE: &str =
        "regenerate: cargo run --release -p zkinfer-verifier-contract --example ship_contracts";

    #[test]
    fn shipped_code_is_a_fresh_compile_of_the_sources() {
        let verifier_fresh =
            compile("ZkinferVerifier.sol", VERIFIER_SOL, VERIFIER_CONTRACT, true).unwrap();
        let shipped = verifier().unwrap();
        assert_eq!(verifier_fresh.runtime, shipped.runtime, "{REGENERATE}");
        assert_eq!(verifier_fresh.creation, shipped.creation, "{REGENERATE}");
        let market_fresh =
            compile("InferenceMarket.sol", MARKET_SOL, "InferenceMarket", true).unwrap();
        let shipped = market().unwrap();
        assert_eq!(market_fresh.runtime, shipped.runtime, "{REGENERATE}");
        assert_eq!(market_fresh.creation, shipped.creation, "{REGENERATE}");
    }

    #[test]
    fn the_market_pins_the_shipped_verifier_and_the_forwarder() {
        let constant = |name: &str, value: [u8; 32]| {
            format!("bytes32 public constant {name} = 0x{};", hex::encode(value))
        };
        let codehash = constant("VERIFIER_CODEHASH", verifier_codehash().unwrap());
        assert!(MARKET_SOL.contains(&codehash), "{REGENERATE}");
        let forwarder = constant("FORWARDER_HASH", forwarder_template_hash());
        assert!(MARKET_SOL.contains(&forwarder), "{REGENERATE}");
    }
}
