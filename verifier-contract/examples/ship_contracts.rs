//! Regenerate `verifier-contract/compiled/*.json` from `contracts/` (see `zkinfer_verifier_contract::shipped`):
//! compile `ZkinferVerifier`, write its code hash and the forwarder template hash into
//! `InferenceMarket.sol`, compile the market. Run after changing a contract:
//! `cargo run --release -p zkinfer-verifier-contract --example ship_contracts`.

use std::path::Path;
use zkinfer_verifier_contract::reusable::bytecode::forwarder_template_hash;
use zkinfer_verifier_contract::shipped::{ShippedContract, COMPILER};
use zkinfer_verifier_contract::{compile, Compiled};

fn ship(dir: &Path, name: &str, source: &str) -> Result<Compiled, Box<dyn std::error::Error>> {
    let compiled = compile(&format!("{name}.sol"), source, name, true)?;
    let shipped = ShippedContract {
        contract: name.into(),
        source: format!("contracts/{name}.sol"),
        compiler: COMPILER.into(),
        creation: format!("0x{}", hex::encode(&compiled.creation)),
        runtime: format!("0x{}", hex::encode(&compiled.runtime)),
    };
    let to = dir.join("compiled").join(format!("{name}.json"));
    std::fs::write(&to, serde_json::to_string_pretty(&shipped)? + "\n")?;
    println!("{}: {} runtime bytes", to.display(), compiled.runtime.len());
    Ok(compiled)
}

/// Replace the value of `bytes32 public constant NAME = 0x...;` in `source`.
fn set_constant(source: &str, name: &str, value: [u8; 32]) -> Result<String, String> {
    let key = format!("bytes32 public constant {name} = ");
    let at = source.find(&key).ok_or(format!("no constant {name}"))? + key.len();
    let end = at + source[at..].find(';').ok_or("no ';'")?;
    Ok(format!(
        "{}0x{}{}",
        &source[..at],
        hex::encode(value),
        &source[end..]
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |name: &str| std::fs::read_to_string(dir.join("contracts").join(name));
    let verifier = ship(dir, "ZkinferVerifier", &read("ZkinferVerifier.sol")?)?;
    let codehash = revm::primitives::keccak256(&verifier.runtime).0;
    let mut market = read("InferenceMarket.sol")?;
    market = set_constant(&market, "VERIFIER_CODEHASH", codehash)?;
    market = set_constant(&market, "FORWARDER_HASH", forwarder_template_hash())?;
    std::fs::write(dir.join("contracts").join("InferenceMarket.sol"), &market)?;
    ship(dir, "InferenceMarket", &market)?;
    Ok(())
}
