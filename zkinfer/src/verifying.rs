//! Verifying a proof against a key the verifier trusts, never only against what the proof file claims.
//!
//! A [`TrustedKey`] comes either from the model ([`TrustedKey::from_model`]: the verifying key is
//! recomputed from the model's circuit and the trusted SRS; keygen of the vk is deterministic) or from
//! a key file ([`TrustedKey::from_file`], [`TrustedKey::for_proof`]) accepted only if its `[τ]_2` is
//! that of an SRS this machine knows: an imported ceremony, the `--srs` file, or, when the policy
//! allows it, a local development SRS. [`verify`] then checks that the proof is for that key's circuit,
//! has exactly its instance count and outputs that are its instances, and that it verifies.

use crate::error::{refused, Result};
use crate::pipeline::{verifier_key_for, Prepared};
use std::path::{Path, PathBuf};
use zkinfer_prover::keys::{read_vk, recompute_vk};
use zkinfer_prover::srs::kind_of_tau_g2;
use zkinfer_prover::{ProofArtifact, Srs, SrsKind, VerifierKey};

/// Which SRSs a key file may have been made with.
#[derive(Clone, Debug, Default)]
pub struct SrsPolicy {
    /// An SRS file (`--srs`) whose `[τ]_2` is trusted besides the imported ceremonies.
    pub srs_file: Option<PathBuf>,
    /// Accept a key made with a development SRS, or with an SRS this machine does not know (INSECURE:
    /// whoever made that SRS can forge proofs).
    pub insecure_dev_srs: bool,
}

/// Where a trusted key came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyOrigin {
    /// Recomputed from the model.
    Model(String),
    /// Read from this key file.
    File(PathBuf),
    /// Given by the caller, pinned by its hash (e.g. compiled into the program).
    Pinned,
}

/// What is known about the SRS a trusted key was made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySrs {
    /// A ceremony SRS this machine imported (or the `--srs` ceremony file).
    Known(SrsKind),
    /// No SRS this machine knows: accepted because the policy allows insecure keys, or because the
    /// caller pinned the key.
    Unknown,
}

impl KeySrs {
    /// Whether the key is only as good as whoever made its SRS (a development or unknown SRS).
    pub fn insecure(self) -> bool {
        !matches!(self, KeySrs::Known(SrsKind::Ceremony { .. }))
    }
}

/// A verifying key, with why it is trusted.
pub struct TrustedKey {
    /// The key.
    pub key: VerifierKey,
    /// Where it came from.
    pub origin: KeyOrigin,
    /// The SRS it was made with.
    pub srs: KeySrs,
}

impl TrustedKey {
    /// The verifying key of `prep`'s circuit, recomputed with `srs` (the SRS the caller trusts).
    pub fn from_model(prep: &Prepared, srs: &Srs) -> Result<Self> {
        let key = recompute_vk(srs, &prep.circuit, &prep.key_header(srs)?)?;
        Ok(Self {
            key,
            origin: KeyOrigin::Model(prep.model.path.clone()),
            srs: KeySrs::Known(srs.kind),
        })
    }

    /// A key the caller holds (compiled into its program, fetched from a registry it trusts), accepted
    /// if its hash is `hash` (the SHA-256 `proof.json` records as `vk_hash`). The SRS check is the
    /// caller's: whoever pinned the hash vouches for the key.
    pub fn pinned(key: VerifierKey, hash: &str) -> Result<Self> {
        if key.hash != hash {
            return Err(refused(format!(
                "the verifying key's hash is {}, not the pinned {hash}",
                key.hash
            )));
        }
        Ok(Self {
            key,
            origin: KeyOrigin::Pinned,
            srs: KeySrs::Unknown,
        })
    }

    /// The key file at `path`, accepted if its SRS is one `policy` trusts.
    pub fn from_file(path: &Path, policy: &SrsPolicy) -> Result<Self> {
        Self::checked(read_vk(path)?, path, policy)
    }

    /// The key `artifact` names: the key file `vk` if given, else the cached key of its circuit;
    /// accepted if its SRS is one `policy` trusts. Without `vk` this trusts any circuit this machine
    /// has keys for: [`Verified::circuit_hash`] says which one the proof was for.
    pub fn for_proof(
        artifact: &ProofArtifact,
        vk: Option<&Path>,
        policy: &SrsPolicy,
    ) -> Result<Self> {
        let key = verifier_key_for(artifact, vk)?;
        let path = vk.map_or_else(
            || zkinfer_prover::keys::KeyStore::for_circuit(&key.header.circuit_hash).vk_path(),
            Path::to_path_buf,
        );
        Self::checked(key, &path, policy)
    }

    fn checked(key: VerifierKey, path: &Path, policy: &SrsPolicy) -> Result<Self> {
        let srs = match kind_of_tau_g2(&key.params.s_g2(), policy.srs_file.as_deref())? {
            Some(kind @ SrsKind::Ceremony { .. }) => KeySrs::Known(kind),
            Some(SrsKind::LocalDev) if policy.insecure_dev_srs => KeySrs::Known(SrsKind::LocalDev),
            Some(SrsKind::LocalDev) => {
                return Err(refused(format!(
                    "{}: the verifying key was made with this machine's local development SRS \
                     (INSECURE: whoever made it can forge proofs): pass --insecure-dev-srs to accept it",
                    path.display()
                )))
            }
            None if policy.insecure_dev_srs => KeySrs::Unknown,
            None => {
                return Err(refused(format!(
                    "{}: the verifying key's SRS is none this machine knows (its [tau]_2 matches no \
                     imported ceremony): import the prover's ceremony (`zkinfer srs import FILE.ptau`), \
                     pass --srs FILE, or verify against the model with --model",
                    path.display()
                )))
            }
        };
        Ok(Self {
            key,
            origin: KeyOrigin::File(path.to_path_buf()),
            srs,
        })
    }
}

/// What a successful [`verify`] checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The circuit's size, `2^k` rows.
    pub k: u32,
    /// The number of public instances (inputs when public, outputs, the binding word).
    pub instances: usize,
    /// The proof's length in bytes.
    pub proof_bytes: usize,
    /// The verifying key's hash.
    pub key_hash: String,
    /// The circuit the proof is for (with [`TrustedKey::for_proof`] and no key file, that is whichever
    /// cached circuit the proof names: compare it with the model's, or verify against the model).
    pub circuit_hash: String,
}

/// Verify `artifact` against `key`: the proof must be for the key's circuit and key, carry exactly the
/// key's instance count, decode its outputs from its instances ([`check_claims`]), and verify.
pub fn verify(artifact: &ProofArtifact, key: &TrustedKey) -> Result<Verified> {
    check_claims(artifact, key)?;
    let k = &key.key;
    let instances = artifact.instances()?;
    let proof = artifact.proof_bytes()?;
    zkinfer_prover::proof::verify(&k.params, &k.vk, &instances, &proof)?;
    Ok(Verified {
        k: k.header.k,
        instances: instances.len(),
        proof_bytes: proof.len(),
        key_hash: k.hash.clone(),
        circuit_hash: k.header.circuit_hash.clone(),
    })
}

/// What `artifact` says besides its proof, checked against `key`: it names the key's circuit and key,
/// its circuit parameters and output scale are the key's, and its outputs are exactly what its
/// instances encode. A proof checked elsewhere (an EVM) proves only its instances: without this, the
/// readable outputs of a proof file could say anything.
pub fn check_claims(artifact: &ProofArtifact, key: &TrustedKey) -> Result<()> {
    artifact
        .check_outputs_match_instances()
        .map_err(|e| refused(e.to_string()))?;
    let k = &key.key;
    if k.header.circuit_hash != artifact.circuit_hash {
        let hint = match &key.origin {
            KeyOrigin::Model(model) => format!(
                "{model} with these settings is circuit {} (pass the prover's --settings or \
                 --calibration and its input visibility; the proof claims public_input={}, \
                 hashed_input={})",
                short(&k.header.circuit_hash),
                artifact.public_input,
                artifact.circuit_params.hashed_input
            ),
            KeyOrigin::File(path) => format!(
                "the key {} is for circuit {}",
                path.display(),
                short(&k.header.circuit_hash)
            ),
            KeyOrigin::Pinned => format!(
                "the pinned key is for circuit {}",
                short(&k.header.circuit_hash)
            ),
        };
        return Err(refused(format!(
            "proven for circuit {}, but {hint}",
            short(&artifact.circuit_hash)
        )));
    }
    if k.hash != artifact.vk_hash {
        return Err(refused(format!(
            "the proof names verifying key {}, the trusted key is {}: the prover used another SRS",
            short(&artifact.vk_hash),
            short(&k.hash)
        )));
    }
    // What the proof file says about its outputs must be what the key's circuit proves: its parameters
    // (the scale the outputs are decoded at), and outputs filling exactly the instances between the
    // input words and the binding word.
    if artifact.circuit_params != k.header.params {
        return Err(refused(format!(
            "the proof file's circuit parameters {:?} are not the key's {:?}",
            artifact.circuit_params, k.header.params
        )));
    }
    if let Some(o) = artifact
        .outputs
        .iter()
        .find(|o| o.scale != k.header.params.scale)
    {
        return Err(refused(format!(
            "an output is decoded at scale 2^{}, the circuit's scale is 2^{}",
            o.scale, k.header.params.scale
        )));
    }
    let output_words: usize = artifact.outputs.iter().map(|o| o.quantized.len()).sum();
    let expected = k
        .header
        .num_instances
        .saturating_sub(k.header.num_inputs + 1);
    if output_words != expected {
        return Err(refused(format!(
            "the proof file lists {output_words} output values, the circuit proves {expected}"
        )));
    }
    if let Some(o) = artifact.outputs.iter().find(|o| {
        o.shape.iter().try_fold(1usize, |a, d| a.checked_mul(*d)) != Some(o.quantized.len())
    }) {
        return Err(refused(format!(
            "an output of shape {:?} lists {} values",
            o.shape,
            o.quantized.len()
        )));
    }
    let instances = artifact.instances()?;
    if instances.len() != k.header.num_instances {
        return Err(refused(format!(
            "{} public instances, the circuit has {}",
            instances.len(),
            k.header.num_instances
        )));
    }
    Ok(())
}

/// The first 16 characters of a hash, as messages print it (all of it if shorter or not ASCII there).
fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}
