//! `vk.json`: a model's EVM verifying key as `zkinfer export-verifier` writes it, enough to deploy
//! its verifying-key contract against any deployed `ZkinferVerifier`.

use super::{Summary, VerifierData};
use crate::error::{ContractError, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The `format` field of every `vk.json`.
pub const FORMAT: &str = "zkinfer-evm-vk";
/// The `version` this build reads and writes: 2, keys of circuits whose last instance is the binding
/// word (as [`super::MAGIC`]).
pub const VERSION: u32 = 2;

/// The contents of a `vk.json` (JSON; binary fields as 0x-hex strings).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VkFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] (a file with another is refused).
    pub version: u32,
    /// The circuit this key verifies (as in proof.json).
    pub circuit_hash: String,
    /// VK data, hex.
    pub data: String,
    /// Numerator EVM code, hex.
    pub numerator: String,
    /// What the data contains, for reports (as written; not checked against `data` when read).
    pub summary: Summary,
}

fn bad(path: &Path, what: impl std::fmt::Display) -> ContractError {
    ContractError::Unsupported(format!("{}: {what}", path.display()))
}

impl VkFile {
    /// The file of the verifier data `data` of circuit `circuit_hash`.
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

    /// Read `path` and check its format and version (the data itself is checked by
    /// [`Self::verifier_data`]).
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
