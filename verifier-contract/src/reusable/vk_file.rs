//! `vk.json`: a model's EVM verifying key as `zkinfer export-verifier` writes it, enough to deploy
//! its verifying-key contract against any deployed `ZkinferVerifier`.

use super::{Summary, VerifierData};
use crate::error::{ContractError, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "zkinfer-evm-vk";
pub const VERSION: u32 = 2;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VkFile {
    pub format: String,
    pub version: u32,
    /// The circuit this key verifies (as in proof.json).
    pub circuit_hash: String,
    /// VK data, hex.
    pub data: String,
    /// Numerator EVM code, hex.
    pub numerator: String,
    pub summary: Summary,
}

fn bad(path: &Path, what: impl std::fmt::Display) -> ContractError {
    ContractError::Unsupported(format!("{}: {what}", path.display()))
}

impl VkFile {
    pub fn new(circuit_hash: &str, data: &VerifierData) -> Self {
        VkFile {
            format: FORMAT.into(),
            version: VERSION,
            circuit_hash: circuit_hash.into(),
            data: format!("0x{}", hex::encode(&data.data)),
            numerator: format!("0x{}", hex::encode(&data.numerator)),
            summary: data.summary.clone(),
        }
    }

    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| bad(path, e))?;
        Self::from_json(&bytes, path)
    }

    /// [`read`](Self::read) on bytes held in memory; `path` names them in errors.
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Self> {
        let file: VkFile = serde_json::from_slice(bytes).map_err(|e| bad(path, e))?;
        if file.format != FORMAT || file.version != VERSION {
            return Err(bad(
                path,
                format!(
                    "not a {FORMAT} v{VERSION} file (format '{}', version {})",
                    file.format, file.version
                ),
            ));
        }
        Ok(file)
    }

    /// The data to deploy; malformed hex or a header that is not zkinfer's is an error.
    pub fn verifier_data(&self, path: &Path) -> Result<VerifierData> {
        let decode = |field: &str, value: &str| {
            hex::decode(value.trim_start_matches("0x"))
                .map_err(|e| bad(path, format!("{field}: {e}")))
        };
        let data = decode("data", &self.data)?;
        if data.len() < super::HEADER_WORDS * 32 || !data[..32].ends_with(super::MAGIC) {
            return Err(bad(path, "data is not zkinfer VK data"));
        }
        Ok(VerifierData {
            data,
            numerator: decode("numerator", &self.numerator)?,
            summary: self.summary.clone(),
        })
    }
}
