//! Compiling Solidity with solcjs (npm `solc`, the wasm build) through node and standard JSON.
//! The package lives in `verifier-contract/js` (override with `ZKINFER_SOLCJS_DIR`).

use crate::error::{ContractError, Result};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const COMPILE_JS: &str = include_str!("../js/compile.js");

/// Creation and runtime bytecode of one contract.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// Creation (init) code: what a deployment transaction carries; running it returns the runtime code.
    pub creation: Vec<u8>,
    /// Runtime code: what the deployed contract holds (and `EXTCODEHASH` hashes).
    pub runtime: Vec<u8>,
}

/// The folder holding `node_modules/solc`.
pub fn solcjs_dir() -> PathBuf {
    std::env::var_os("ZKINFER_SOLCJS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/js")))
}

/// Compile `source` and return contract `name` from file `file`.
pub fn compile(file: &str, source: &str, name: &str, optimize: bool) -> Result<Compiled> {
    let dir = solcjs_dir();
    if !dir.join("node_modules").join("solc").exists() {
        return Err(ContractError::SolcMissing(format!(
            "{} has no node_modules/solc",
            dir.display()
        )));
    }
    let script = tempfile::Builder::new()
        .suffix(".js")
        .tempfile()
        .and_then(|mut f| f.write_all(COMPILE_JS.as_bytes()).map(|_| f))
        .map_err(|e| ContractError::Solc(format!("temp file: {e}")))?;
    let mut child = Command::new("node")
        .arg(script.path())
        .env("ZKINFER_SOLCJS_DIR", &dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ContractError::SolcMissing(format!("cannot run node: {e}")))?;
    let request = serde_json::json!({ "sources": { file: source }, "optimize": optimize });
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(request.to_string().as_bytes())
        .map_err(|e| ContractError::Solc(format!("writing to node: {e}")))?;
    let out = child
        .wait_with_output()
        .map_err(|e| ContractError::Solc(e.to_string()))?;
    if !out.status.success() {
        return Err(ContractError::Solc(
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
                .to_string(),
        ));
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| ContractError::Solc(format!("unreadable output: {e}")))?;
    if let Some(errors) = json["errors"].as_array() {
        let fatal: Vec<&str> = errors
            .iter()
            .filter(|e| e["severity"] == "error")
            .filter_map(|e| e["formattedMessage"].as_str().or(e["message"].as_str()))
            .collect();
        if !fatal.is_empty() {
            return Err(ContractError::Solc(fatal.join(" | ").replace('\n', " ")));
        }
    }
    let contract = &json["contracts"][file][name]["evm"];
    let bytes = |key: &str| -> Result<Vec<u8>> {
        let hex_str = contract[key]["object"].as_str().ok_or_else(|| {
            ContractError::Solc(format!("no {key} for contract {name} in {file}"))
        })?;
        hex::decode(hex_str).map_err(|e| ContractError::Solc(format!("bad {key}: {e}")))
    };
    Ok(Compiled {
        creation: bytes("bytecode")?,
        runtime: bytes("deployedBytecode")?,
    })
}
