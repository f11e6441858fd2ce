//! The on-disk container of every binary artifact (SRS, proving key, verifying key):
//! `magic (8 bytes) | format version (u32 LE) | header length (u32 LE) | header JSON | payload`.
//! The header records what the payload belongs to and its SHA-256, which is checked before the payload is
//! parsed, so a truncated or corrupted file is refused with a reason instead of being half-trusted.

use crate::error::{io_err, ProverError, Result};
use serde::{de::DeserializeOwned, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// The container layout version written after the magic; files of any other version are refused.
pub const FORMAT_VERSION: u32 = 1;

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `s` looks like [`sha256_hex`]'s output (64 lowercase hex digits).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Serialize a container.
pub fn encode<H: Serialize>(magic: &[u8; 8], header: &H, payload: &[u8]) -> Vec<u8> {
    let header = serde_json::to_vec(&(header, sha256_hex(payload))).expect("headers serialize");
    let mut out = Vec::with_capacity(16 + header.len() + payload.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
    out
}

/// Parse and check a container read from `path`: magic, version, header, payload checksum.
pub fn decode<H: DeserializeOwned>(
    magic: &[u8; 8],
    path: &Path,
    bytes: &[u8],
) -> Result<(H, Vec<u8>)> {
    let corrupt = |msg: String| ProverError::Corrupt {
        path: path.display().to_string(),
        msg,
    };
    if bytes.len() < 16 || &bytes[..8] != magic {
        let what = String::from_utf8_lossy(magic)
            .trim_end_matches('\0')
            .to_string();
        return Err(corrupt(format!("not a zkinfer {what} file (bad magic)")));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(corrupt(format!(
            "format version {version}, this zkinfer reads {FORMAT_VERSION}"
        )));
    }
    let len = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")) as usize;
    let header = bytes
        .get(16..16 + len)
        .ok_or_else(|| corrupt("truncated header".into()))?;
    let (header, checksum): (H, String) =
        serde_json::from_slice(header).map_err(|e| corrupt(format!("bad header: {e}")))?;
    let payload = &bytes[16 + len..];
    if sha256_hex(payload) != checksum {
        return Err(corrupt(
            "payload checksum mismatch (truncated or corrupted file)".into(),
        ));
    }
    Ok((header, payload.to_vec()))
}

/// Read and check a container file.
pub fn read<H: DeserializeOwned>(magic: &[u8; 8], path: &Path) -> Result<(H, Vec<u8>)> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    decode(magic, path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const MAGIC: &[u8; 8] = b"ZKI-TST\0";

    fn sample() -> Vec<u8> {
        encode(MAGIC, &("circuit", 7u32), b"payload bytes")
    }

    fn decode_err(bytes: &[u8]) -> String {
        match decode::<(String, u32)>(MAGIC, Path::new("f.bin"), bytes) {
            Ok(_) => panic!("corrupted container accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn roundtrip() {
        let (header, payload): ((String, u32), Vec<u8>) =
            decode(MAGIC, Path::new("f.bin"), &sample()).unwrap();
        assert_eq!(header, ("circuit".to_string(), 7));
        assert_eq!(payload, b"payload bytes");
    }

    #[test]
    fn every_corruption_is_refused_with_a_reason() {
        let good = sample();
        assert!(
            decode_err(&good[..good.len() - 1]).contains("checksum"),
            "truncated payload"
        );
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(
            decode_err(&flipped).contains("checksum"),
            "flipped payload byte"
        );
        let mut magic = good.clone();
        magic[0] = b'X';
        assert!(decode_err(&magic).contains("bad magic"));
        let mut version = good.clone();
        version[8] = 99;
        assert!(decode_err(&version).contains("format version 99"));
        assert!(decode_err(&good[..20]).contains("truncated header"));
        assert!(decode_err(&good[..5]).contains("bad magic"));
        let mut header = good.clone();
        header[17] = b'#';
        assert!(decode_err(&header).contains("bad header"));
    }
}
