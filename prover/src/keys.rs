//! Keygen and the key cache. Keys live under `<cache>/keys/<circuit hash>/` where the circuit hash covers
//! the quantized graph (weights included), the circuit parameters, the input visibility and `k`, so a key
//! can never be reused for a different circuit. The verifying-key file also carries the three SRS points
//! a KZG verifier needs (`g`, `g2`, `s·g2`), so verification needs no SRS file.

use crate::cache;
use crate::container::{self, sha256_hex};
use crate::error::{io_err, ProverError, Result};
use crate::srs::{Srs, SrsKind};
use crate::{Bn256, G1Affine};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zkinfer_circuits::halo2_proofs::halo2curves::bn256::G2Affine;
use zkinfer_circuits::halo2_proofs::halo2curves::serde::SerdeObject;
use zkinfer_circuits::halo2_proofs::plonk::{
    keygen_pk2, keygen_vk_custom, ProvingKey, VerifyingKey,
};
use zkinfer_circuits::halo2_proofs::poly::commitment::ParamsProver;
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use zkinfer_circuits::halo2_proofs::SerdeFormat;
use zkinfer_circuits::{CircuitParams, ModelCircuit, QuantizedGraph};

/// Container magic of a proving-key file (`pk.bin`), whose payload is [`crate::pk_file`]'s layout.
pub const PK_MAGIC: &[u8; 8] = b"ZKI-PK2\0";
/// The magic of proving-key files written before [`crate::pk_file`] (halo2's own serialization):
/// such a key is stale, made again when next needed.
pub const OLDER_PK_MAGIC: &[u8; 8] = b"ZKI-PK\0\0";
/// Container magic of a verifying-key file (`vk.bin`).
pub const VK_MAGIC: &[u8; 8] = b"ZKI-VK\0\0";

/// What a key belongs to. Stored in the key file's header and checked on every load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyHeader {
    /// The [`circuit_hash`] of the circuit the key is for.
    pub circuit_hash: String,
    /// The circuit parameters the key was generated with.
    pub params: CircuitParams,
    /// log2 of the circuit's rows.
    pub k: u32,
    /// Total public instances: the input's, the outputs, then the binding word.
    pub num_instances: usize,
    /// How many of the instances are the input's (its elements, its commitment, or none); the outputs
    /// follow them and the binding word is last.
    pub num_inputs: usize,
    /// SHA-256 of the SRS the key was generated with ([`Srs::hash`]); another SRS makes it stale.
    pub srs_hash: String,
    /// The kind of that SRS (local development setup or ceremony).
    pub srs_kind: SrsKind,
    /// The circuit layout the key was made for ([`CIRCUIT_FORMAT`]). halo2 reads a key against this
    /// build's constraint system, so a key of another layout is refused by name before it is read.
    /// Keys written before the field existed read as [`OLDER_FORMAT`].
    #[serde(default = "older_format")]
    pub format: String,
}

/// What a key header without a `format` names: one written before layout v4.
pub const OLDER_FORMAT: &str = "zkinfer-circuit-3 or older";

fn older_format() -> String {
    OLDER_FORMAT.to_string()
}

/// The version of the circuit layout, part of every circuit hash, so that no key of an earlier layout is
/// ever taken for a later one: v2 appends the binding word to the instances (see
/// `zkinfer_circuits::circuit`); v3 configures the requant sets after the first without the function
/// and wide-limb lookups (`zkinfer_circuits::chips::requant_rows`); v4 looks remainders and low limbs up
/// in a limb column of their own (`zkinfer_circuits::chips::table`); v5 lets keygen merge the simple
/// selectors that are never on the same row into shared fixed columns ([`keygen_vk_custom`] with
/// `compress_selectors`): fewer fixed columns to extend on every proof and to commit in the verifying
/// key (cifar_cnn: 1,514,590 -> 1,485,333 gas a verification).
pub const CIRCUIT_FORMAT: &str = "zkinfer-circuit-5";

/// The hash that names a circuit: SHA-256 over the layout version, the quantized graph, parameters,
/// visibility and k.
pub fn circuit_hash(
    graph: &QuantizedGraph,
    params: &CircuitParams,
    public_input: bool,
    k: u32,
) -> String {
    let bytes = serde_json::to_vec(&(CIRCUIT_FORMAT, graph, params, public_input, k))
        .expect("graphs serialize");
    sha256_hex(&bytes)
}

/// A verifying key with the verifier's SRS points.
pub struct VerifierKey {
    /// What the key belongs to, from the key file's header.
    pub header: KeyHeader,
    /// halo2's verifying key.
    pub vk: VerifyingKey<G1Affine>,
    /// Verifier-only KZG parameters (`g[0]`, `g2`, `s·g2`, `k`).
    pub params: ParamsKZG<Bn256>,
    /// SHA-256 of the key file's payload: what `proof.json` records as `vk_hash`.
    pub hash: String,
}

/// The key directory of one circuit.
pub struct KeyStore {
    /// `<cache>/keys/<circuit hash>/`, holding `pk.bin` and `vk.bin`.
    pub dir: PathBuf,
}

impl KeyStore {
    /// The key directory of the circuit named `circuit_hash` (created when keys are first written).
    pub fn for_circuit(circuit_hash: &str) -> Self {
        Self {
            dir: cache::root().join("keys").join(circuit_hash),
        }
    }

    /// The proving-key file, `pk.bin` (a container with [`PK_MAGIC`]).
    pub fn pk_path(&self) -> PathBuf {
        self.dir.join("pk.bin")
    }

    /// The verifying-key file, `vk.bin` (a container with [`VK_MAGIC`], carrying the verifier's SRS points).
    pub fn vk_path(&self) -> PathBuf {
        self.dir.join("vk.bin")
    }

    /// Load the cached proving key if it exists and matches `header` (same circuit, k and SRS). A key made
    /// with another SRS is stale: `None`, so the caller regenerates it.
    pub fn load_pk(&self, header: &KeyHeader) -> Result<Option<ProvingKey<G1Affine>>> {
        let path = self.pk_path();
        if !path.exists() {
            return Ok(None);
        }
        let bytes = std::fs::read(&path).map_err(io_err(&path))?;
        if bytes.starts_with(OLDER_PK_MAGIC) {
            return Ok(None);
        }
        let (stored, payload): (KeyHeader, Vec<u8>) = container::decode(PK_MAGIC, &path, &bytes)?;
        drop(bytes);
        if stored.circuit_hash != header.circuit_hash
            || stored.params != header.params
            || stored.k != header.k
        {
            return Err(ProverError::Mismatch(format!(
                "{}: proving key of circuit {} stored under circuit {}",
                path.display(),
                stored.circuit_hash,
                header.circuit_hash
            )));
        }
        if &stored != header {
            return Ok(None);
        }
        let pk = read_pk_payload(&stored, &payload, &path)?;
        Ok(Some(pk))
    }

    /// Generate keys for `circuit` (its witness-free shape) and store both.
    pub fn keygen(
        &self,
        srs: &Srs,
        circuit: &ModelCircuit,
        header: &KeyHeader,
    ) -> Result<ProvingKey<G1Affine>> {
        let pk = generate_pk(srs, circuit)?;
        let payload = crate::pk_file::encode(&pk);
        cache::write_atomic(
            &self.pk_path(),
            &container::encode(PK_MAGIC, header, &payload),
        )?;
        cache::write_atomic(
            &self.vk_path(),
            &encode_vk(pk.get_vk(), &srs.params, header),
        )?;
        Ok(pk)
    }
}

/// Whether keygen merges simple selectors into shared fixed columns ([`CIRCUIT_FORMAT`] v5): what every
/// key of this build is made with (benches making keys of their own pass it too).
pub const COMPRESS_SELECTORS: bool = true;

/// halo2's verifying key of `shape`, made with [`COMPRESS_SELECTORS`].
fn keygen_vk_of(
    srs: &Srs,
    shape: &ModelCircuit,
) -> std::result::Result<VerifyingKey<G1Affine>, zkinfer_circuits::halo2_proofs::plonk::Error> {
    keygen_vk_custom(&srs.params, shape, COMPRESS_SELECTORS)
}

/// Generate the proving key (and in it the verifying key) of `circuit`'s witness-free shape, without
/// storing anything.
pub fn generate_pk(srs: &Srs, circuit: &ModelCircuit) -> Result<ProvingKey<G1Affine>> {
    let shape = zkinfer_circuits::halo2_proofs::plonk::Circuit::without_witnesses(circuit);
    let failed = |e| ProverError::Keygen(circuit.synthesis_error().unwrap_or(format!("{e:?}")));
    // One synthesis for both keys: halo2's `keygen_pk2` builds the verifying key on the way (the same
    // key `keygen_vk_of` makes, which `recompute_vk` relies on and `tests/trusted_keys.rs` checks).
    crate::pool::on_worker(|| keygen_pk2(&srs.params, &shape, COMPRESS_SELECTORS).map_err(failed))
}

/// The verifying key of `circuit` recomputed from `srs` (keygen of the verifying key is deterministic),
/// as [`read_vk`] would return it from a key file with `header`: what a verifier who holds the model and
/// trusts `srs` uses instead of a key file someone handed it.
pub fn recompute_vk(srs: &Srs, circuit: &ModelCircuit, header: &KeyHeader) -> Result<VerifierKey> {
    let shape = zkinfer_circuits::halo2_proofs::plonk::Circuit::without_witnesses(circuit);
    let vk = crate::pool::on_worker(|| keygen_vk_of(srs, &shape))
        .map_err(|e| ProverError::Keygen(circuit.synthesis_error().unwrap_or(format!("{e:?}"))))?;
    let bytes = encode_vk(&vk, &srs.params, header);
    decode_vk(
        &bytes,
        Path::new("<verifying key recomputed from the model>"),
    )
}

fn encode_vk(
    vk: &VerifyingKey<G1Affine>,
    params: &ParamsKZG<Bn256>,
    header: &KeyHeader,
) -> Vec<u8> {
    let mut payload = Vec::new();
    let vk_bytes = vk.to_bytes(SerdeFormat::RawBytes);
    payload.extend_from_slice(&(vk_bytes.len() as u64).to_le_bytes());
    payload.extend_from_slice(&vk_bytes);
    payload.extend_from_slice(&params.get_g()[0].to_raw_bytes());
    payload.extend_from_slice(&params.g2().to_raw_bytes());
    payload.extend_from_slice(&params.s_g2().to_raw_bytes());
    container::encode(VK_MAGIC, header, &payload)
}

/// Check that `vk` (halo2 raw bytes of a verifying key, exactly) has the length its own counts and
/// `params`' circuit give it, before halo2 reads it: halo2 allocates `2^k` flags for each selector of
/// the circuit before it reads any of them, so a few hundred bytes claiming `k = 26` would otherwise
/// cost gigabytes. Layout (halo2-axiom 0.5.3): version byte, `k` (u32), compress flag (1 here: keys
/// are made with [`COMPRESS_SELECTORS`]), fixed commitments count (u32), 64 bytes a commitment and a
/// permutation commitment, then one bit a row for each selector.
pub(crate) fn check_vk_length(
    vk: &[u8],
    k: u32,
    params: CircuitParams,
) -> std::result::Result<(), String> {
    use zkinfer_circuits::halo2_proofs::plonk::{Circuit, ConstraintSystem};
    let (Some(&compress), Some(fixed)) = (vk.get(5), vk.get(6..10)) else {
        return Err("truncated verifying key".into());
    };
    if compress != u8::from(COMPRESS_SELECTORS) {
        return Err(format!(
            "selector compression flag {compress}, keys here are made with 1"
        ));
    }
    let fixed = u32::from_le_bytes(fixed.try_into().expect("4 bytes")) as u64;
    let mut cs = ConstraintSystem::<crate::Fr>::default();
    ModelCircuit::configure_with_params(&mut cs, params);
    let sigma = cs.permutation().get_columns().len() as u64;
    let selectors = cs.num_selectors() as u64;
    let want = 10 + 64 * (fixed + sigma) + selectors * (1u64 << k).div_ceil(8);
    match vk.len() as u64 == want {
        true => Ok(()),
        false => Err(format!(
            "a verifying key of {} bytes, its counts and the circuit give {want}",
            vk.len()
        )),
    }
}

/// Check a key header and the start of a halo2 key (version byte 2, then `k`) against each other
/// before halo2 reads it: halo2 sizes its domain and selector vectors from these, unchecked.
fn check_key_start(header: &KeyHeader, key: &[u8]) -> std::result::Result<(), String> {
    if header.format != CIRCUIT_FORMAT {
        return Err(format!(
            "a key for circuit layout {:?}, and this build makes {CIRCUIT_FORMAT:?}: make the key \
             again with this build (`zkinfer prove` or `zkinfer export-verifier` on the model)",
            header.format
        ));
    }
    if !container::is_sha256_hex(&header.circuit_hash)
        || !container::is_sha256_hex(&header.srs_hash)
    {
        return Err("circuit or SRS hash is not a SHA-256 hex digest".into());
    }
    header
        .params
        .check()
        .map_err(|e| format!("circuit parameters: {e}"))?;
    if header.k == 0 || header.k > crate::srs::MAX_K {
        return Err(format!("k={} outside 1..={}", header.k, crate::srs::MAX_K));
    }
    match key.get(..5) {
        Some([2, a, b, c, d]) if u32::from_le_bytes([*a, *b, *c, *d]) == header.k => Ok(()),
        Some([2, ..]) => Err("key and header disagree on k".into()),
        _ => Err("not a halo2 key (version byte)".into()),
    }
}

/// Read and check a proving-key file (header and layout, then halo2's reader); `path` names the
/// bytes in errors. Proving keys are this crate's own cache entries, but a damaged one (or one
/// written by hand, with a checksum that matches) must be an error, not a crash.
pub fn decode_pk(bytes: &[u8], path: &Path) -> Result<(KeyHeader, ProvingKey<G1Affine>)> {
    let (header, payload): (KeyHeader, Vec<u8>) = container::decode(PK_MAGIC, path, bytes)?;
    let pk = read_pk_payload(&header, &payload, path)?;
    Ok((header, pk))
}

fn read_pk_payload(
    header: &KeyHeader,
    payload: &[u8],
    path: &Path,
) -> Result<ProvingKey<G1Affine>> {
    let corrupt = |msg: String| ProverError::Corrupt {
        path: path.display().to_string(),
        msg,
    };
    // The payload opens with the verifying key's length and then the key itself.
    check_key_start(header, payload.get(4..).unwrap_or_default()).map_err(corrupt)?;
    crate::pk_file::decode(payload, header.params, header.k)
        .map_err(|msg| corrupt(format!("malformed proving key ({msg})")))
}

/// Read and check a verifying-key file.
pub fn read_vk(path: &Path) -> Result<VerifierKey> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    decode_vk(&bytes, path)
}

/// [`read_vk`] on bytes held in memory; `path` names them in errors.
pub fn decode_vk(bytes: &[u8], path: &Path) -> Result<VerifierKey> {
    let (header, payload): (KeyHeader, Vec<u8>) = container::decode(VK_MAGIC, path, bytes)?;
    let corrupt = |msg: &str| ProverError::Corrupt {
        path: path.display().to_string(),
        msg: msg.to_string(),
    };
    let len = payload
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")));
    let len = len.ok_or_else(|| corrupt("truncated"))?;
    let vk_bytes = usize::try_from(len)
        .ok()
        .and_then(|len| payload.get(8..8usize.checked_add(len)?))
        .ok_or_else(|| corrupt("truncated verifying key"))?;
    check_key_start(&header, vk_bytes).map_err(|e| corrupt(&e))?;
    check_vk_length(vk_bytes, header.k, header.params).map_err(|e| corrupt(&e))?;
    let vk = VerifyingKey::<G1Affine>::from_bytes::<ModelCircuit>(
        vk_bytes,
        SerdeFormat::RawBytes,
        header.params,
    )
    .map_err(io_err(path))?;
    if vk.get_domain().k() != header.k {
        return Err(corrupt("verifying key and header disagree on k"));
    }
    let mut rest = &payload[8 + vk_bytes.len()..];
    let mut take = |n: usize| -> Result<&[u8]> {
        let (a, b) = rest
            .split_at_checked(n)
            .ok_or_else(|| corrupt("truncated SRS points"))?;
        rest = b;
        Ok(a)
    };
    let g = G1Affine::from_raw_bytes(take(64)?).ok_or_else(|| corrupt("g is not a curve point"))?;
    let g2 =
        G2Affine::from_raw_bytes(take(128)?).ok_or_else(|| corrupt("g2 is not a curve point"))?;
    let s_g2 =
        G2Affine::from_raw_bytes(take(128)?).ok_or_else(|| corrupt("s_g2 is not a curve point"))?;
    // KZG's check is e(L, [τ]_2) = e(R, g2) with the standard generators (every ceremony and every
    // setup here uses them). A key file choosing its own `g` or `g2` (say g2 = [τ]_2, which turns the
    // pairing check into L = R, easy to meet for any claim) is refused, whatever its `[τ]_2`.
    if g != G1Affine::generator() || g2 != G2Affine::generator() {
        return Err(corrupt(
            "its g or g2 is not the standard generator (a forged key can make any proof verify)",
        ));
    }
    // `from_parts` needs an instance to call it on; a k=1 setup is the cheapest one.
    let base = ParamsKZG::<Bn256>::setup(1, rand::rngs::OsRng);
    let params = base.from_parts(header.k, vec![g], Some(vec![g]), g2, s_g2);
    Ok(VerifierKey {
        header,
        vk,
        params,
        hash: sha256_hex(&payload),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vk.bin whose verifying key claims `k = 26` in a few hundred bytes is refused by its length
    /// before halo2 would allocate `2^26` flags per selector.
    #[test]
    fn a_short_verifying_key_claiming_a_large_k_is_refused_by_its_length() {
        let k = 26u32;
        let header = KeyHeader {
            circuit_hash: "0".repeat(64),
            params: CircuitParams::default(),
            k,
            num_instances: 1,
            num_inputs: 0,
            srs_hash: "0".repeat(64),
            srs_kind: SrsKind::LocalDev,
            format: CIRCUIT_FORMAT.to_string(),
        };
        let mut vk = vec![2u8];
        vk.extend_from_slice(&k.to_le_bytes());
        vk.push(1);
        vk.extend_from_slice(&0u32.to_le_bytes());
        vk.extend_from_slice(&[0u8; 64 * 8]);
        let mut payload = (vk.len() as u64).to_le_bytes().to_vec();
        payload.extend_from_slice(&vk);
        let file = container::encode(VK_MAGIC, &header, &payload);
        let e = match decode_vk(&file, Path::new("vk.bin")) {
            Ok(_) => panic!("a short key was read"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains("its counts and the circuit give"), "{e}");
    }
}
