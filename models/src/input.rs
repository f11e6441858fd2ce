//! `input.json` in EZKL's format: `{"input_data": [[...], ...]}`, one flat list of reals per model input.
//!
//! For calibration files, a list may hold several samples back to back (its length a multiple of the
//! input's size), and a single-input model may also list samples one per list.

use crate::error::{ModelError, Result};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize)]
struct InputFile {
    input_data: Vec<Vec<f64>>,
    #[serde(default)]
    salt: Option<String>,
}

/// The lists of an input file, as read.
#[derive(Clone, Debug)]
pub struct InputData {
    /// The file's path, or the label of bytes parsed from memory; names it in errors.
    pub path: String,
    /// `input_data` as read: one flat list of reals per model input, or for calibration
    /// several samples (see the module docs).
    pub lists: Vec<Vec<f64>>,
    /// `"salt": "0x..."`: the salt of the input's Poseidon commitment (`--hashed-input`), a private
    /// witness that travels with the input (never through a public folder).
    pub salt: Option<zkinfer_circuits::Fr>,
}

/// Read and parse an EZKL-format input file.
pub fn read_input_file(path: &Path) -> Result<InputData> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: p.clone(),
        source,
    })?;
    parse_input(&bytes, &p)
}

/// Parse an EZKL-format input file held in memory; `label` names it in errors.
pub fn parse_input(bytes: &[u8], label: &str) -> Result<InputData> {
    let p = label.to_string();
    let file: InputFile = serde_json::from_slice(bytes).map_err(|e| ModelError::Input {
        path: p.clone(),
        msg: format!("expected {{\"input_data\": [[numbers...]]}}: {e}"),
    })?;
    if file.input_data.is_empty() {
        return Err(ModelError::Input {
            path: p,
            msg: "input_data is empty".into(),
        });
    }
    if let Some(bad) = file.input_data.iter().flatten().find(|v| !v.is_finite()) {
        return Err(ModelError::Input {
            path: p,
            msg: format!("non-finite value {bad}"),
        });
    }
    let salt = match &file.salt {
        None => None,
        Some(s) => Some(
            zkinfer_circuits::fixed_point::word_from_hex(s).ok_or_else(|| ModelError::Input {
                path: p.clone(),
                msg: format!(
                    "salt '{s}' is not 0x-hex of at most 64 digits below the BN254 field order"
                ),
            })?,
        ),
    };
    Ok(InputData {
        path: p,
        lists: file.input_data,
        salt,
    })
}

impl InputData {
    /// One inference's inputs: exactly one list per model input, each of the given size.
    pub fn single(&self, sizes: &[(String, usize)]) -> Result<Vec<Vec<f64>>> {
        if self.lists.len() != sizes.len() {
            return Err(self.err(format!(
                "has {} input lists, the model has {} inputs ({})",
                self.lists.len(),
                sizes.len(),
                sizes
                    .iter()
                    .map(|(n, s)| format!("'{n}': {s} values"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for (i, (list, (name, size))) in self.lists.iter().zip(sizes).enumerate() {
            if list.len() != *size {
                return Err(self.err(format!(
                    "input {i} has {} values, the model's input '{name}' needs {size}",
                    list.len()
                )));
            }
        }
        Ok(self.lists.clone())
    }

    /// Calibration samples: each sample is one list per model input.
    pub fn samples(&self, sizes: &[(String, usize)]) -> Result<Vec<Vec<Vec<f64>>>> {
        let lists: Vec<Vec<f64>> = if sizes.len() == 1 && self.lists.len() > 1 {
            vec![self.lists.concat()]
        } else {
            self.lists.clone()
        };
        if lists.len() != sizes.len() {
            return Err(self.err(format!(
                "has {} input lists, the model has {} inputs",
                lists.len(),
                sizes.len()
            )));
        }
        let mut count = None;
        for (i, (list, (name, size))) in lists.iter().zip(sizes).enumerate() {
            if *size == 0 || list.len() % size != 0 || list.is_empty() {
                return Err(self.err(format!(
                    "input {i} has {} values, not a multiple of the {size} values of '{name}'",
                    list.len()
                )));
            }
            let n = list.len() / size;
            if *count.get_or_insert(n) != n {
                return Err(self.err("inputs hold different numbers of samples".into()));
            }
        }
        let n = count.unwrap_or(0);
        Ok((0..n)
            .map(|s| {
                lists
                    .iter()
                    .zip(sizes)
                    .map(|(l, (_, size))| l[s * size..(s + 1) * size].to_vec())
                    .collect()
            })
            .collect())
    }

    fn err(&self, msg: String) -> ModelError {
        ModelError::Input {
            path: self.path.clone(),
            msg,
        }
    }
}
