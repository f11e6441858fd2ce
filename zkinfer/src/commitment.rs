//! Input commitments: the words a market job commits to (the input's instance words, or its salted
//! Poseidon commitment) and the salt that keeps a hashed input private.

use crate::error::{refused, Error, Result};
use crate::pipeline::Prepared;
use rand::RngCore;
use std::path::Path;
use zkinfer_circuits::Fr;
use zkinfer_prover::artifact::fr_to_hex;

/// The input instance words a market job commits to: the input quantized with the model's settings
/// (as a `--public-input` proof exposes it), or its Poseidon commitment alone (from `salt`, zero when
/// none) with `--hashed-input`.
pub fn committed_words(
    prep: &Prepared,
    input: &[Vec<f64>],
    hashed: bool,
    salt: Option<Fr>,
) -> Result<Vec<Fr>> {
    let mut words = Vec::new();
    for t in prep.quantize_inputs(input)? {
        words.extend(
            t.data
                .iter()
                .map(|v| zkinfer_circuits::fixed_point::to_field(*v)),
        );
    }
    if hashed {
        let salt = salt.unwrap_or(Fr::from(0));
        words = vec![zkinfer_circuits::circuit::input_hash_params().commit_salted(salt, &words)];
    }
    Ok(words)
}

/// A uniformly random 248-bit salt (31 bytes from the OS: always below the field order).
pub fn random_salt() -> Fr {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes[..31]);
    Fr::from_bytes(&bytes).expect("248 bits are below r")
}

/// The input file at `input` with `"salt"` set to `salt`, as JSON bytes.
pub fn with_salt(input: &Path, salt: &Fr) -> Result<Vec<u8>> {
    let text = std::fs::read(input).map_err(Error::io(input))?;
    let mut json: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| refused(format!("{}: {e}", input.display())))?;
    let Some(object) = json.as_object_mut() else {
        return Err(refused(format!("{}: not a JSON object", input.display())));
    };
    object.insert("salt".into(), fr_to_hex(salt).into());
    Ok(serde_json::to_vec_pretty(&json)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salts_are_fresh_and_below_the_field_order() {
        let (a, b) = (random_salt(), random_salt());
        assert_ne!(a, b);
        // 248 bits: the top byte of the little-endian encoding is always zero.
        assert_eq!(a.to_bytes()[31], 0);
    }

    #[test]
    fn with_salt_keeps_the_input_and_adds_the_salt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("input.json");
        std::fs::write(&path, br#"{"input_data": [[1, 2]]}"#).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&with_salt(&path, &Fr::from(42)).unwrap()).unwrap();
        assert_eq!(json["input_data"], serde_json::json!([[1, 2]]));
        assert_eq!(
            json["salt"].as_str(),
            Some(fr_to_hex(&Fr::from(42)).as_str())
        );
        std::fs::write(&path, b"[1, 2]").unwrap();
        assert!(with_salt(&path, &Fr::from(1)).is_err());
    }
}
