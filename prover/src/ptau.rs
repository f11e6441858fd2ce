//! Importing a public ceremony's SRS: snarkjs / Perpetual Powers of Tau `.ptau` files (BN254).
//!
//! Format (binfileutils): `"ptau"`, version, section count, then sections `(type u32, size u64, data)`.
//! Section 1 is the header (`n8 = 32`, the base field prime, `power`, `ceremonyPower`), section 2 holds
//! `2^(power+1) - 1` powers `[τ^i]G1`, section 3 `2^power` powers `[τ^i]G2`, every coordinate 32 bytes
//! little-endian in Montgomery form (as ffjavascript keeps them).
//!
//! Before anything is converted the powers are checked independently with arkworks: the generators are
//! the standard ones, every point is on its curve and in the prime-order subgroup, `τ` is neither 0 nor
//! 1, and the powers are consecutive: `e(Σ r_i [τ^(i+1)]G1, G2) = e(Σ r_i [τ^i]G1, [τ]G2)` for random
//! `r_i` (one pairing equation covers all `2^k` powers; a file that fails it is refused).

use crate::error::{ProverError, Result};
use crate::{Bn256, G1Affine};
use ark_bn254::{Bn254, Fq as ArkFq, Fq2 as ArkFq2, G1Affine as ArkG1, G2Affine as ArkG2};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInt, BigInteger, PrimeField as _};
use rand::Rng;
use std::path::Path;
use zkinfer_circuits::halo2_proofs::halo2curves::bn256::{Fq, Fq2, G2Affine};
use zkinfer_circuits::halo2_proofs::halo2curves::ff::PrimeField;
use zkinfer_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;

/// The base field prime of BN254, little-endian (what section 1 must hold).
const BN254_Q_LE: [u8; 32] = {
    // 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47
    let be: [u8; 32] = [
        0x30, 0x64, 0x4e, 0x72, 0xe1, 0x31, 0xa0, 0x29, 0xb8, 0x50, 0x45, 0xb6, 0x81, 0x81, 0x58,
        0x5d, 0x97, 0x81, 0x6a, 0x91, 0x68, 0x71, 0xca, 0x8d, 0x3c, 0x20, 0x8c, 0x16, 0xd8, 0x7c,
        0xfd, 0x47,
    ];
    let mut le = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        le[i] = be[31 - i];
        i += 1;
    }
    le
};

/// What a `.ptau` file holds, checked.
pub struct Ptau {
    /// Powers the file has: `2^power` in G2, `2^(power+1) - 1` in G1.
    pub power: u32,
    /// The header's `ceremonyPower`: the power of the whole ceremony the file was cut from.
    pub ceremony_power: u32,
    g1: Vec<ArkG1>,
    g2: ArkG2,
    tau_g2: ArkG2,
}

fn bad(path: &Path, what: impl std::fmt::Display) -> ProverError {
    ProverError::Corrupt {
        path: path.display().to_string(),
        msg: what.to_string(),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(out)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// A coordinate in Montgomery form (little-endian limbs), refused if not below q.
fn fq(bytes: &[u8]) -> Option<ArkFq> {
    let limbs: [u64; 4] = std::array::from_fn(|i| {
        u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes"))
    });
    let raw = BigInt::new(limbs);
    (raw < ArkFq::MODULUS).then(|| ArkFq::new_unchecked(raw))
}

fn g1_point(bytes: &[u8]) -> Option<ArkG1> {
    let (x, y) = (fq(&bytes[..32])?, fq(&bytes[32..64])?);
    if x.is_zero_like() && y.is_zero_like() {
        return Some(ArkG1::identity());
    }
    Some(ArkG1::new_unchecked(x, y))
}

fn g2_point(bytes: &[u8]) -> Option<ArkG2> {
    let x = ArkFq2::new(fq(&bytes[..32])?, fq(&bytes[32..64])?);
    let y = ArkFq2::new(fq(&bytes[64..96])?, fq(&bytes[96..128])?);
    Some(ArkG2::new_unchecked(x, y))
}

trait ZeroLike {
    fn is_zero_like(&self) -> bool;
}

impl ZeroLike for ArkFq {
    fn is_zero_like(&self) -> bool {
        *self == ArkFq::from(0u64)
    }
}

/// Sections 0..=3 of the file (the ones read here), each at most once.
fn sections<'a>(path: &Path, bytes: &'a [u8]) -> Result<[Option<&'a [u8]>; 4]> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4) != Some(b"ptau".as_slice()) {
        return Err(bad(path, "not a .ptau file (no \"ptau\" magic)"));
    }
    let version = r.u32().ok_or_else(|| bad(path, "truncated header"))?;
    if version != 1 {
        return Err(bad(path, format!("ptau version {version}, expected 1")));
    }
    let count = r.u32().ok_or_else(|| bad(path, "truncated header"))?;
    let mut sections: [Option<&[u8]>; 4] = [None; 4];
    for _ in 0..count {
        let (kind, size) = (r.u32(), r.u64());
        let (Some(kind), Some(size)) = (kind, size) else {
            return Err(bad(path, "truncated section table"));
        };
        let data = usize::try_from(size)
            .ok()
            .and_then(|n| r.take(n))
            .ok_or_else(|| {
                bad(
                    path,
                    format!("section {kind} runs past the end of the file"),
                )
            })?;
        if let Some(slot) = sections.get_mut(kind as usize) {
            if slot.replace(data).is_some() {
                return Err(bad(path, format!("section {kind} appears twice")));
            }
        }
    }
    Ok(sections)
}

/// `(power, ceremonyPower)` of a BN254 file.
fn header(path: &Path, sections: &[Option<&[u8]>; 4]) -> Result<(u32, u32)> {
    let mut h = Reader {
        bytes: sections[1].ok_or_else(|| bad(path, "no header section"))?,
        at: 0,
    };
    let n8 = h.u32().ok_or_else(|| bad(path, "short header"))?;
    let q = h.take(32).ok_or_else(|| bad(path, "short header"))?;
    if n8 != 32 || q != BN254_Q_LE {
        return Err(bad(path, "not a BN254 (bn128) ceremony"));
    }
    let power = h.u32().ok_or_else(|| bad(path, "short header"))?;
    let ceremony_power = h.u32().ok_or_else(|| bad(path, "short header"))?;
    if power == 0 || power > 28 {
        return Err(bad(path, format!("power {power} out of range")));
    }
    Ok((power, ceremony_power))
}

impl Ptau {
    /// The number of powers (`2^power`) a `.ptau` file declares, from its header.
    pub fn read_power(path: &Path) -> Result<u32> {
        let bytes = std::fs::read(path).map_err(|e| bad(path, e))?;
        let sections = sections(path, &bytes)?;
        Ok(header(path, &sections)?.0)
    }

    /// Read and check `path`, keeping the G1 powers needed for `2^k` rows.
    pub fn read(path: &Path, k: u32) -> Result<Ptau> {
        let bytes = std::fs::read(path).map_err(|e| bad(path, e))?;
        Self::decode(&bytes, path, k)
    }

    /// [`read`](Self::read) on bytes held in memory; `path` names them in errors.
    pub fn decode(bytes: &[u8], path: &Path, k: u32) -> Result<Ptau> {
        let sections = sections(path, bytes)?;
        let (power, ceremony_power) = header(path, &sections)?;
        let section = |i: usize| sections[i].ok_or_else(|| bad(path, format!("no section {i}")));
        if k > power {
            return Err(bad(
                path,
                format!("has 2^{power} powers, k={k} needs 2^{k}"),
            ));
        }
        let n = 1usize << k;
        let tau_g1 = section(2)?;
        let expected = ((1usize << (power + 1)) - 1) * 64;
        if tau_g1.len() != expected {
            return Err(bad(
                path,
                format!("tauG1 holds {} bytes, expected {expected}", tau_g1.len()),
            ));
        }
        let g1: Vec<ArkG1> = (0..n)
            .map(|i| g1_point(&tau_g1[64 * i..64 * i + 64]))
            .collect::<Option<_>>()
            .ok_or_else(|| bad(path, "a tauG1 coordinate is not below q"))?;
        let tau_g2_section = section(3)?;
        if tau_g2_section.len() != (1usize << power) * 128 {
            return Err(bad(path, "tauG2 has the wrong size"));
        }
        let (g2, tau_g2) = (
            g2_point(&tau_g2_section[..128]),
            g2_point(&tau_g2_section[128..256]),
        );
        let (Some(g2), Some(tau_g2)) = (g2, tau_g2) else {
            return Err(bad(path, "a tauG2 coordinate is not below q"));
        };
        let ptau = Ptau {
            power,
            ceremony_power,
            g1,
            g2,
            tau_g2,
        };
        check_powers(&ptau.g1, ptau.g2, ptau.tau_g2).map_err(|e| bad(path, e))?;
        Ok(ptau)
    }

    /// The checked powers as halo2 KZG parameters for `2^k` rows (`k` no more than read).
    pub fn params(&self, k: u32) -> ParamsKZG<Bn256> {
        let n = 1usize << k;
        let g: Vec<G1Affine> = self.g1[..n].iter().map(to_halo2_g1).collect();
        let scaffold = ParamsKZG::<Bn256>::setup(1, rand::rngs::OsRng);
        scaffold.from_parts(k, g, None, to_halo2_g2(&self.g2), to_halo2_g2(&self.tau_g2))
    }
}

/// The independent checks (module docs) on `[τ^i]G1` for `i < n`, `G2` and `[τ]G2`.
pub fn check_powers(g1: &[ArkG1], g2: ArkG2, tau_g2: ArkG2) -> std::result::Result<(), String> {
    if g1.len() < 2 {
        return Err("fewer than two G1 powers".into());
    }
    if g1[0] != ArkG1::generator() {
        return Err("tauG1[0] is not the BN254 G1 generator".into());
    }
    if g2 != ArkG2::generator() {
        return Err("tauG2[0] is not the BN254 G2 generator".into());
    }
    if let Some(i) = g1.iter().position(|p| {
        p.is_zero() || !p.is_on_curve() || !p.is_in_correct_subgroup_assuming_on_curve()
    }) {
        return Err(format!("tauG1[{i}] is not a point of the G1 subgroup"));
    }
    if !tau_g2.is_on_curve() || !tau_g2.is_in_correct_subgroup_assuming_on_curve() {
        return Err("tauG2[1] is not a point of the G2 subgroup".into());
    }
    if g1[1] == g1[0] {
        return Err("tau is 1".into());
    }
    let mut rng = rand::rngs::OsRng;
    let r: Vec<ark_bn254::Fr> = (0..g1.len() - 1)
        .map(|_| ark_bn254::Fr::from(rng.gen::<u128>()))
        .collect();
    let lower = <ark_bn254::G1Projective as VariableBaseMSM>::msm(&g1[..g1.len() - 1], &r)
        .map_err(|_| "MSM size mismatch".to_string())?;
    let upper = <ark_bn254::G1Projective as VariableBaseMSM>::msm(&g1[1..], &r)
        .map_err(|_| "MSM size mismatch".to_string())?;
    let lhs = Bn254::pairing(upper.into_affine(), g2);
    let rhs = Bn254::pairing(lower.into_affine(), tau_g2);
    if lhs != rhs {
        return Err(
            "the G1 powers are not consecutive powers of the G2 tau (pairing check failed)".into(),
        );
    }
    Ok(())
}

fn fq_to_halo2(x: &ArkFq) -> Fq {
    let bytes: [u8; 32] = x.into_bigint().to_bytes_le().try_into().expect("32 bytes");
    Fq::from_repr(bytes).expect("reduced")
}

fn fq_to_ark(x: &Fq) -> ArkFq {
    ArkFq::from_le_bytes_mod_order(x.to_repr().as_ref())
}

fn to_halo2_g1(p: &ArkG1) -> G1Affine {
    G1Affine {
        x: fq_to_halo2(&p.x),
        y: fq_to_halo2(&p.y),
    }
}

fn to_halo2_g2(p: &ArkG2) -> G2Affine {
    G2Affine {
        x: Fq2::new(fq_to_halo2(&p.x.c0), fq_to_halo2(&p.x.c1)),
        y: Fq2::new(fq_to_halo2(&p.y.c0), fq_to_halo2(&p.y.c1)),
    }
}

/// The same checks on stored halo2 parameters (`zkinfer srs verify`).
pub fn check_params(params: &ParamsKZG<Bn256>) -> std::result::Result<(), String> {
    use zkinfer_circuits::halo2_proofs::poly::commitment::ParamsProver;
    let g1: Vec<ArkG1> = params
        .get_g()
        .iter()
        .map(|p| ArkG1::new_unchecked(fq_to_ark(&p.x), fq_to_ark(&p.y)))
        .collect();
    let g2 = |p: G2Affine| {
        ArkG2::new_unchecked(
            ArkFq2::new(fq_to_ark(&p.x.c0), fq_to_ark(&p.x.c1)),
            ArkFq2::new(fq_to_ark(&p.y.c0), fq_to_ark(&p.y.c1)),
        )
    };
    check_powers(&g1, g2(params.g2()), g2(params.s_g2()))
}
