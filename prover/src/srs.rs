//! The KZG structured reference string, cached per `k` under `<cache>/srs/`.
//!
//! Either imported from a public ceremony's `.ptau` file ([`import_ptau`], checked with arkworks by
//! [`crate::ptau`]) or, failing that, a local development setup generated here from OS randomness:
//! whoever ran it knows the toxic waste and could forge proofs, and every caller is told so
//! ([`SrsKind::LocalDev`]). A larger cached SRS is downsized rather than generating a new one.

use crate::cache;
use crate::commit::FastKzgParams;
use crate::container;
use crate::error::{io_err, ProverError, Result};
use crate::Bn256;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zkinfer_circuits::halo2_proofs::halo2curves::bn256::G2Affine;
use zkinfer_circuits::halo2_proofs::halo2curves::serde::SerdeObject;
use zkinfer_circuits::halo2_proofs::poly::commitment::{Params, ParamsProver};
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkinfer_circuits::halo2_proofs::SerdeFormat;

/// Container magic of a stored SRS file (`<cache>/srs/kzg_bn254_k<k>.srs`, or an exported one).
pub const MAGIC: &[u8; 8] = b"ZKI-SRS\0";

/// Where an SRS came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SrsKind {
    /// Generated on this machine: development only, insecure for production.
    LocalDev,
    /// Imported from a ceremony's `.ptau` file with `2^power` powers, checked before it was stored.
    Ceremony {
        /// The file's power: it held `2^power` G2 and `2^(power+1) - 1` G1 powers.
        power: u32,
    },
}

impl std::fmt::Display for SrsKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SrsKind::LocalDev => write!(
                f,
                "local dev SRS (INSECURE for production: its creator can forge proofs)"
            ),
            SrsKind::Ceremony { power } => {
                write!(f, "ceremony SRS (imported from a 2^{power} .ptau, checked)")
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
struct SrsHeader {
    k: u32,
    kind: SrsKind,
}

/// A loaded SRS.
pub struct Srs {
    /// log2 of the rows it serves: it holds `2^k` G1 powers.
    pub k: u32,
    /// halo2's parameters (through `Deref`), committing with small-scalar MSMs ([`FastKzgParams`]).
    pub params: FastKzgParams,
    /// Where it came from: a local development setup or an imported ceremony.
    pub kind: SrsKind,
    /// SHA-256 of the serialized parameters.
    pub hash: String,
    /// Whether this call had to generate (or downsize) it.
    pub created: bool,
    /// The file it was read from or written to.
    pub path: PathBuf,
}

fn path_for(k: u32) -> PathBuf {
    cache::root()
        .join("srs")
        .join(format!("kzg_bn254_k{k}.srs"))
}

/// halo2's raw serialization of `params`: `k`, `g`, `g_lagrange`, the G2 points (the stored SRS payload).
pub(crate) fn serialize(params: &ParamsKZG<Bn256>) -> Vec<u8> {
    let mut bytes = Vec::new();
    params
        .write_custom(&mut bytes, SerdeFormat::RawBytesUnchecked)
        .expect("writing to a Vec");
    bytes
}

fn load(k: u32) -> Result<Option<(ParamsKZG<Bn256>, SrsKind, String)>> {
    let path = path_for(k);
    if !path.exists() {
        return Ok(None);
    }
    let (params, kind, hash, stored_k) = load_path(&path)?;
    if stored_k != k {
        return Err(ProverError::Corrupt {
            path: path.display().to_string(),
            msg: format!("holds k={stored_k}"),
        });
    }
    Ok(Some((params, kind, hash)))
}

/// The largest SRS this crate reads or makes: `2^MAX_K` rows.
pub const MAX_K: u32 = 26;

/// The size of a stored SRS payload for `2^k` rows: `k`, `g` and `g_lagrange` (64-byte raw G1
/// points), `g2` and `s·g2` (128-byte raw G2 points).
fn payload_len(k: u32) -> usize {
    4 + 2 * 64 * (1usize << k) + 2 * 128
}

/// A stored SRS file: parameters, kind, payload hash and k.
fn load_path(path: &Path) -> Result<(ParamsKZG<Bn256>, SrsKind, String, u32)> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    decode(&bytes, path)
}

/// [`load_path`] on bytes held in memory; `path` names them in errors. The header's `k` and the
/// payload's size are checked before anything is allocated from them.
pub fn decode(bytes: &[u8], path: &Path) -> Result<(ParamsKZG<Bn256>, SrsKind, String, u32)> {
    let (header, payload): (SrsHeader, Vec<u8>) = container::decode(MAGIC, path, bytes)?;
    let corrupt = |msg: String| ProverError::Corrupt {
        path: path.display().to_string(),
        msg,
    };
    if header.k == 0 || header.k > MAX_K {
        return Err(corrupt(format!("k={} outside 1..={MAX_K}", header.k)));
    }
    let payload_k = payload
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    if payload_k != Some(header.k) || payload.len() != payload_len(header.k) {
        return Err(corrupt(format!(
            "payload of {} bytes is not an SRS of k={} ({} bytes)",
            payload.len(),
            header.k,
            payload_len(header.k)
        )));
    }
    // The size matches k, so the unchecked (fast) reader cannot run out of bytes; it does not check
    // the points: files not from our cache are checked by `check_params` (`load_file`, `verify_file`).
    let params =
        ParamsKZG::<Bn256>::read_custom(&mut payload.as_slice(), SerdeFormat::RawBytesUnchecked)
            .map_err(io_err(path))?;
    if params.k() != header.k {
        return Err(ProverError::Corrupt {
            path: path.display().to_string(),
            msg: format!(
                "header says k={}, parameters have k={}",
                header.k,
                params.k()
            ),
        });
    }
    Ok((
        params,
        header.kind,
        container::sha256_hex(&payload),
        header.k,
    ))
}

/// Import `2^k` powers (default: all the file has) of a ceremony `.ptau` into the cache, after
/// [`crate::ptau`]'s checks; it then serves every circuit of up to `2^k` rows (cached local dev setups
/// for smaller k are removed so they cannot shadow it).
pub fn import_ptau(ptau: &Path, k: Option<u32>) -> Result<Srs> {
    let power = crate::ptau::Ptau::read_power(ptau)?;
    let k = k.unwrap_or(power);
    let file = crate::ptau::Ptau::read(ptau, k)?;
    let params = file.params(k);
    let _lock = cache::lock()?;
    // Smaller local dev setups would shadow the ceremony for small circuits: drop them (their keys are
    // regenerated, the key header names the SRS).
    for j in 1..k {
        let path = path_for(j);
        if path.exists() && matches!(load_path(&path), Ok((_, SrsKind::LocalDev, _, _)) | Err(_)) {
            std::fs::remove_file(&path).map_err(io_err(&path))?;
        }
    }
    store(k, params, SrsKind::Ceremony { power: file.power })
}

/// The SRS in `path` for `2^k` rows: a `.ptau` ceremony file (checked as [`import_ptau`] does, not
/// cached) or an SRS file this crate stored (downsized when larger).
pub fn load_file(path: &Path, k: u32) -> Result<Srs> {
    let too_small = |have: u32| ProverError::Corrupt {
        path: path.display().to_string(),
        msg: format!("holds 2^{have} powers, the circuit needs k={k}"),
    };
    let (mut params, kind) = if path.extension().is_some_and(|e| e == "ptau") {
        let file = crate::ptau::Ptau::read(path, k)?;
        (file.params(k), SrsKind::Ceremony { power: file.power })
    } else {
        let (params, kind, _, stored_k) = load_path(path)?;
        if stored_k < k {
            return Err(too_small(stored_k));
        }
        // A file handed to us is checked like a ceremony, not trusted like our own cache, and its
        // Lagrange basis is recomputed from the checked powers rather than taken from the file.
        crate::ptau::check_params(&params).map_err(|msg| ProverError::Corrupt {
            path: path.display().to_string(),
            msg,
        })?;
        let scaffold = ParamsKZG::<Bn256>::setup(1, OsRng);
        let rebuilt = scaffold.from_parts(
            params.k(),
            params.get_g().to_vec(),
            None,
            params.g2(),
            params.s_g2(),
        );
        (rebuilt, kind)
    };
    if params.k() > k {
        params.downsize(k);
    }
    let hash = container::sha256_hex(&serialize(&params));
    Ok(Srs {
        k,
        params: FastKzgParams::new(params),
        kind,
        hash,
        created: false,
        path: path.to_path_buf(),
    })
}

/// The kind of SRS whose `[τ]_2` is `s_g2`, as this machine knows SRSs, never as a key or a proof
/// claims: the SRS file `srs_file` (a ceremony `.ptau` or a stored SRS, checked as [`load_file`]
/// does) if it has that `[τ]_2`, else any SRS in the cache with it (one ceremony has the same `[τ]_2`
/// for every k, and downsizing keeps it), a ceremony preferred; `None` if no known SRS has it.
pub fn kind_of_tau_g2(s_g2: &G2Affine, srs_file: Option<&Path>) -> Result<Option<SrsKind>> {
    let tau = s_g2.to_raw_bytes();
    if let Some(path) = srs_file {
        // Checked whole, then downsized: `[τ]_2` does not depend on k.
        let srs = load_file(path, 1)?;
        if srs.params.s_g2().to_raw_bytes() == tau {
            return Ok(Some(srs.kind));
        }
    }
    let dir = cache::root().join("srs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(None);
    };
    let mut found = None;
    for path in entries.flatten().map(|e| e.path()) {
        if path.extension().is_none_or(|e| e != "srs") {
            continue;
        }
        // A file that does not read (damaged, foreign) is simply not a known SRS.
        let Ok((header, payload)) = container::read::<SrsHeader>(MAGIC, &path) else {
            continue;
        };
        // The payload ends with `g2` then `s·g2`, 128 raw bytes each (see `payload_len`).
        let matches =
            payload.len() == payload_len(header.k) && payload[payload.len() - 128..] == tau[..];
        if matches && !matches!(found, Some(SrsKind::Ceremony { .. })) {
            found = Some(header.kind);
        }
    }
    Ok(found)
}

/// Re-check a stored SRS file with the ceremony checks; returns its k and kind.
pub fn verify_file(path: &Path) -> Result<(u32, SrsKind)> {
    let (params, kind, _, k) = load_path(path)?;
    crate::ptau::check_params(&params).map_err(|msg| ProverError::Corrupt {
        path: path.display().to_string(),
        msg,
    })?;
    Ok((k, kind))
}

/// Import `2^k` powers of a ceremony `.ptau` (checked as [`import_ptau`] does) into the file `out`
/// instead of the cache; `--srs out` then uses it.
pub fn export_ptau(ptau: &Path, k: Option<u32>, out: &Path) -> Result<Srs> {
    let power = crate::ptau::Ptau::read_power(ptau)?;
    let k = k.unwrap_or(power);
    let file = crate::ptau::Ptau::read(ptau, k)?;
    write_to(
        out.to_path_buf(),
        k,
        file.params(k),
        SrsKind::Ceremony { power: file.power },
    )
}

fn store(k: u32, params: ParamsKZG<Bn256>, kind: SrsKind) -> Result<Srs> {
    write_to(path_for(k), k, params, kind)
}

fn write_to(path: PathBuf, k: u32, params: ParamsKZG<Bn256>, kind: SrsKind) -> Result<Srs> {
    let payload = serialize(&params);
    let hash = container::sha256_hex(&payload);
    cache::write_atomic(
        &path,
        &container::encode(MAGIC, &SrsHeader { k, kind }, &payload),
    )?;
    Ok(Srs {
        k,
        params: FastKzgParams::new(params),
        kind,
        hash,
        created: true,
        path,
    })
}

/// The cached SRS for `k`, or one derived (and cached) from a larger cached one; `None` if there is none.
pub fn load_cached(k: u32) -> Result<Option<Srs>> {
    let path = path_for(k);
    if let Some((params, kind, hash)) = load(k)? {
        return Ok(Some(Srs {
            k,
            params: FastKzgParams::new(params),
            kind,
            hash,
            created: false,
            path,
        }));
    }
    match (k + 1..=MAX_K).find(|big| path_for(*big).exists()) {
        Some(big) => {
            let (mut params, kind, _) = load(big)?.expect("exists");
            params.downsize(k);
            store(k, params, kind).map(Some)
        }
        None => Ok(None),
    }
}

/// [`load_cached`], else a new local development setup (insecure: see the module docs).
pub fn load_or_setup(k: u32) -> Result<Srs> {
    match load_cached(k)? {
        Some(srs) => Ok(srs),
        None => {
            let tau = zkinfer_circuits::halo2_proofs::halo2curves::ff::Field::random(OsRng);
            store(k, crate::dev_setup::setup(k, tau), SrsKind::LocalDev)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_size_is_what_halo2_writes() {
        for k in [1, 3] {
            let params = ParamsKZG::<Bn256>::setup(k, OsRng);
            assert_eq!(serialize(&params).len(), payload_len(k));
        }
    }

    #[test]
    fn a_hostile_size_is_refused_before_allocating() {
        let params = ParamsKZG::<Bn256>::setup(2, OsRng);
        let file = |k: u32, payload: &[u8]| {
            let bytes = container::encode(
                MAGIC,
                &SrsHeader {
                    k,
                    kind: SrsKind::LocalDev,
                },
                payload,
            );
            match decode(&bytes, Path::new("x.srs")) {
                Ok(_) => panic!("accepted"),
                Err(e) => e.to_string(),
            }
        };
        let mut huge = serialize(&params);
        huge[..4].copy_from_slice(&60u32.to_le_bytes());
        assert!(file(60, &huge).contains("k=60 outside"));
        assert!(file(2, &huge).contains("not an SRS of k=2"));
        let good = serialize(&params);
        assert!(file(2, &good[..good.len() - 1]).contains("not an SRS of k=2"));
        assert!(file(0, &good).contains("outside"));
    }
}
