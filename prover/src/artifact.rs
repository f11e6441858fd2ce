//! `proof.json`: versioned and self-describing. It names the model (ONNX hash), the circuit and verifying
//! key it was proven against, the SRS, the public instances (as 32-byte big-endian hex, the order the EVM
//! verifier reads them), the decoded outputs and the proof bytes.
//!
//! Version 2: the last instance is the proof's binding word (what the proof was made for: zero, or an
//! `InferenceMarket` job's payee tag); the outputs are the instances just before it. Version 1 files
//! (no binding word) are refused.

use crate::container;
use crate::error::{io_err, ProverError, Result};
use crate::srs::SrsKind;
use crate::Fr;
use serde::{Deserialize, Serialize};
use std::path::Path;
use zkinfer_circuits::fixed_point::{dequantize, from_field};
use zkinfer_circuits::halo2_proofs::halo2curves::ff::PrimeField;
use zkinfer_circuits::CircuitParams;

/// The `format` field of every `proof.json`; any other value is refused on read.
pub const FORMAT: &str = "zkinfer-proof";
/// The `proof.json` version this build writes and reads; any other is refused.
pub const VERSION: u32 = 2;

/// One output tensor as proven.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputTensor {
    /// The output's shape; its element count is `quantized.len()`.
    pub shape: Vec<usize>,
    /// Fractional bits: `value = quantized / 2^scale`.
    pub scale: u32,
    /// The proven fixed-point values, row-major: exactly this output's instances.
    pub quantized: Vec<i64>,
    /// `quantized` decoded (`q / 2^scale`), for reading; checked against `quantized` on verify.
    pub values: Vec<f64>,
}

/// The SRS a proof was made with, as the prover recorded it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SrsInfo {
    /// log2 of its number of G1 powers (`2^k`): the circuit's `k`.
    pub k: u32,
    /// SHA-256 of its serialized parameters (as [`Srs::hash`](crate::srs::Srs::hash)).
    pub hash: String,
    /// Whether it was a local development setup or an imported ceremony.
    pub kind: SrsKind,
}

/// The contents of `proof.json` (see the module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProofArtifact {
    /// Always [`FORMAT`].
    pub format: String,
    /// The file format version: [`VERSION`].
    pub version: u32,
    /// SHA-256 of the ONNX file.
    pub model_hash: String,
    /// The [`circuit_hash`](crate::keys::circuit_hash) of the circuit proven; it names the key directory.
    pub circuit_hash: String,
    /// SHA-256 of the verifying key file's payload.
    pub vk_hash: String,
    /// The SRS the proof was made with.
    pub srs: SrsInfo,
    /// The circuit's parameters (MAC lanes, scale, range bits, which chips, input hashing).
    pub circuit_params: CircuitParams,
    /// The quantized graph's range bits (as in `circuit_params`): range-checked values lie in
    /// `[-2^(range_bits-1), 2^(range_bits-1))`.
    pub range_bits: u32,
    /// Whether the input's elements are public instances (false for a private or a hashed input).
    pub public_input: bool,
    /// Public instances, each a 32-byte big-endian hex word: the input (or its commitment) if public,
    /// the outputs, then the binding word.
    pub instances: Vec<String>,
    /// The output tensors, in graph output order: the instances before the binding word, decoded.
    pub outputs: Vec<OutputTensor>,
    /// The proof bytes, hex with 0x.
    pub proof: String,
}

/// A field element as 32-byte big-endian hex (the EVM word order).
pub fn fr_to_hex(f: &Fr) -> String {
    let mut bytes = f.to_repr();
    bytes.reverse();
    format!("0x{}", hex::encode(bytes))
}

/// Parse a 32-byte big-endian hex word into a canonical field element.
pub fn fr_from_hex(s: &str) -> Option<Fr> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    if digits.len() != 64 {
        return None;
    }
    zkinfer_circuits::fixed_point::word_from_hex(&format!("0x{digits}"))
}

impl ProofArtifact {
    /// Read and check the format of a proof file.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(io_err(path))?;
        Self::from_json(&bytes, path)
    }

    /// Parse and check the format of a proof file held in memory; `path` names it in errors.
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<Self> {
        let corrupt = |msg: String| ProverError::Corrupt {
            path: path.display().to_string(),
            msg,
        };
        let a: ProofArtifact =
            serde_json::from_slice(bytes).map_err(|e| corrupt(format!("not a proof file: {e}")))?;
        if a.format != FORMAT || a.version != VERSION {
            return Err(corrupt(format!(
                "format '{}' v{}, expected '{FORMAT}' v{VERSION}",
                a.format, a.version
            )));
        }
        // These name files (the key cache is keyed by circuit hash) and are printed shortened.
        for (field, value) in [
            ("model_hash", &a.model_hash),
            ("circuit_hash", &a.circuit_hash),
            ("vk_hash", &a.vk_hash),
            ("srs.hash", &a.srs.hash),
        ] {
            if !container::is_sha256_hex(value) {
                return Err(corrupt(format!("{field} is not a SHA-256 hex digest")));
            }
        }
        Ok(a)
    }

    /// The public instances as field elements.
    pub fn instances(&self) -> Result<Vec<Fr>> {
        self.instances
            .iter()
            .enumerate()
            .map(|(i, s)| {
                fr_from_hex(s).ok_or_else(|| {
                    ProverError::Mismatch(format!("instance {i} is not a field element: {s}"))
                })
            })
            .collect()
    }

    /// The proof bytes, decoded from `proof`'s hex (`0x` optional); a `Mismatch` if it is not hex.
    pub fn proof_bytes(&self) -> Result<Vec<u8>> {
        hex::decode(self.proof.strip_prefix("0x").unwrap_or(&self.proof))
            .map_err(|e| ProverError::Mismatch(format!("proof is not hex: {e}")))
    }

    /// Check that the human-readable `outputs` say exactly what the proven instances say, so nobody can
    /// edit the outputs of a valid proof file and have it still "verify".
    pub fn check_outputs_match_instances(&self) -> Result<()> {
        let all = self.instances()?;
        // The binding word is last; the outputs end just before it.
        let instances = all
            .split_last()
            .map(|(_, rest)| rest)
            .ok_or_else(|| ProverError::Mismatch("no instances (no binding word)".into()))?;
        let quantized: Vec<i64> = self
            .outputs
            .iter()
            .flat_map(|o| o.quantized.iter().copied())
            .collect();
        let start = instances.len().checked_sub(quantized.len());
        let proven = start
            .map(|s| &instances[s..])
            .ok_or_else(|| ProverError::Mismatch("fewer instances than outputs".into()))?;
        if let Some(i) =
            (0..quantized.len()).find(|i| from_field(&proven[*i]) != Some(quantized[*i]))
        {
            return Err(ProverError::Mismatch(format!(
                "outputs.quantized[{i}] = {} is not the proven instance",
                quantized[i]
            )));
        }
        for o in &self.outputs {
            let decoded: Vec<f64> = o
                .quantized
                .iter()
                .map(|q| dequantize(*q, o.scale))
                .collect();
            if o.values != decoded || o.shape.iter().product::<usize>() != o.quantized.len() {
                return Err(ProverError::Mismatch(
                    "outputs.values or shape do not decode outputs.quantized".into(),
                ));
            }
        }
        Ok(())
    }

    /// Write as pretty-printed JSON, atomically (a temporary file renamed over `path`).
    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).expect("artifacts serialize");
        crate::cache::write_atomic(path, &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkinfer_circuits::fixed_point::to_field;

    fn artifact(quantized: Vec<i64>) -> ProofArtifact {
        ProofArtifact {
            format: FORMAT.into(),
            version: VERSION,
            model_hash: "m".into(),
            circuit_hash: "c".into(),
            vk_hash: "v".into(),
            srs: SrsInfo {
                k: 4,
                hash: "s".into(),
                kind: SrsKind::LocalDev,
            },
            circuit_params: CircuitParams::default(),
            range_bits: 16,
            public_input: false,
            instances: quantized
                .iter()
                .chain([&77])
                .map(|q| fr_to_hex(&to_field(*q)))
                .collect(),
            outputs: vec![OutputTensor {
                shape: vec![quantized.len()],
                scale: 4,
                values: quantized.iter().map(|q| dequantize(*q, 4)).collect(),
                quantized,
            }],
            proof: "0x00".into(),
        }
    }

    #[test]
    fn field_words_roundtrip_and_reject_non_canonical() {
        for v in [0i64, 1, -1, 1 << 40, -(1 << 40)] {
            assert_eq!(fr_from_hex(&fr_to_hex(&to_field(v))), Some(to_field(v)));
        }
        assert_eq!(
            fr_from_hex(&format!("0x{}", "ff".repeat(32))),
            None,
            "above the modulus"
        );
        assert_eq!(fr_from_hex("0x1234"), None, "short word");
    }

    #[test]
    fn outputs_must_decode_the_proven_instances() {
        let good = artifact(vec![16, -8, 3]);
        good.check_outputs_match_instances().unwrap();
        let mut edited_value = good.clone();
        edited_value.outputs[0].values[1] = 9.0;
        assert!(edited_value.check_outputs_match_instances().is_err());
        let mut edited_quantized = good.clone();
        edited_quantized.outputs[0].quantized[2] = 4;
        edited_quantized.outputs[0].values[2] = 0.25;
        assert!(
            edited_quantized.check_outputs_match_instances().is_err(),
            "not the proven instance"
        );
        assert_eq!(good.instances().unwrap().last(), Some(&to_field(77)));
        // Outputs must end just before the binding word: shifted by one, they read the wrong words.
        let mut shifted = good.clone();
        shifted.instances.rotate_right(1);
        assert!(shifted.check_outputs_match_instances().is_err());
        let mut bad_shape = good.clone();
        bad_shape.outputs[0].shape = vec![2];
        assert!(bad_shape.check_outputs_match_instances().is_err());
    }
}
