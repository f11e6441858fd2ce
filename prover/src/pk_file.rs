//! The proving-key file's payload: only what cannot be recomputed cheaply.
//!
//! halo2's own serialization of a proving key stores every fixed and permutation column twice (its
//! values and its coefficients) plus three Lagrange polynomials, each cell as 32 bytes: 103 MB for
//! dense_4m at `k = 14`. Writing that much to a new file is most of a cold keygen's tail on this
//! kind of machine (0.7 s of dense_4m's 3.2 s). This layout keeps the verifying key, the fixed
//! columns' values and the permutation's values, each cell in as few bytes as it needs:
//!
//! `u32 vk length | vk (halo2 RawBytes) | u32 fixed columns | u32 permutation columns |` then per
//! column `u64 byte length | cells`, where a cell is a tag byte and its bytes:
//! - `0`: zero;
//! - `1..=32`: a value of that many little-endian bytes (canonical, below the modulus);
//! - `33..=64`: the negation of a value of `tag - 32` bytes (a negative weight or a packed weight
//!   with a negative top lane is a few bytes, not 32);
//! - [`UNMOVED`] (permutation columns only): the cell's own identity value `δ^c·ω^i`, which every
//!   cell outside a copy cycle holds (58-63% of them on the scale suite).
//!
//! Loading recomputes the coefficient forms and `l0`, `l_last`, `l_active_row` with the proving
//! loop's FFT ([`crate::engine::fft`]), columns side by side, and assembles halo2's key with
//! `ProvingKey::from_parts`: the same polynomials `keygen_pk2` made (tested field by field).
//! Every length is checked before it is used, so a damaged payload is an error, never a panic.

use crate::engine::fft::Fft;
use crate::{Fr, G1Affine};
use rayon::prelude::*;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::{Field, PrimeField};
use zkinfer_circuits::halo2_proofs::plonk::{permutation, ProvingKey, VerifyingKey};
use zkinfer_circuits::halo2_proofs::poly::{LagrangeCoeff, Polynomial};
use zkinfer_circuits::halo2_proofs::SerdeFormat;
use zkinfer_circuits::{CircuitParams, ModelCircuit};

/// The tag of a permutation cell holding its own identity value `δ^c·ω^i`.
const UNMOVED: u8 = 0xff;
/// Tags above this one (up to `2·NEG`) are negated values.
const NEG: u8 = 32;

/// The payload of `pk`'s file.
pub fn encode(pk: &ProvingKey<G1Affine>) -> Vec<u8> {
    let vk = pk.get_vk().to_bytes(SerdeFormat::RawBytes);
    let fixed: Vec<Vec<u8>> = pk
        .fixed_values()
        .par_iter()
        .map(|column| encode_column(column, None))
        .collect();
    let omega = pk.get_vk().get_domain().get_omega();
    let sigma: Vec<Vec<u8>> = pk
        .permutation()
        .permutations()
        .par_iter()
        .enumerate()
        .map(|(c, column)| encode_column(column, Some((identity_start(c), omega))))
        .collect();
    let body: usize = fixed.iter().chain(&sigma).map(|c| c.len() + 8).sum();
    let mut out = Vec::with_capacity(12 + vk.len() + body);
    out.extend_from_slice(&(vk.len() as u32).to_le_bytes());
    out.extend_from_slice(&vk);
    out.extend_from_slice(&(fixed.len() as u32).to_le_bytes());
    out.extend_from_slice(&(sigma.len() as u32).to_le_bytes());
    for column in fixed.iter().chain(&sigma) {
        out.extend_from_slice(&(column.len() as u64).to_le_bytes());
        out.extend_from_slice(column);
    }
    out
}

/// `δ^c`: the identity value of row 0 of permutation column `c` (halo2's `deltaomega`).
fn identity_start(c: usize) -> Fr {
    Fr::DELTA.pow_vartime([c as u64])
}

/// The cells of one column; `identity` = `(δ^c, ω)` for a permutation column.
fn encode_column(values: &[Fr], identity: Option<(Fr, Fr)>) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 4);
    let mut expected = identity.map(|(start, _)| start);
    for v in values {
        if let (Some(e), Some((_, omega))) = (expected.as_mut(), identity) {
            let unmoved = *e == *v;
            *e *= omega;
            if unmoved {
                out.push(UNMOVED);
                continue;
            }
        }
        put_scalar(&mut out, v);
    }
    out
}

/// The significant little-endian bytes of a canonical representation.
fn significant(repr: &[u8]) -> &[u8] {
    &repr[..repr.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1)]
}

fn put_scalar(out: &mut Vec<u8>, v: &Fr) {
    let (pos, neg) = (v.to_repr(), (-*v).to_repr());
    let (pos, neg) = (significant(pos.as_ref()), significant(neg.as_ref()));
    if pos.len() <= neg.len() {
        out.push(pos.len() as u8);
        out.extend_from_slice(pos);
    } else {
        out.push(NEG + neg.len() as u8);
        out.extend_from_slice(neg);
    }
}

/// Bytes left to read, with checked takes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let (head, tail) = self
            .0
            .split_at_checked(n)
            .ok_or(format!("truncated in {what}"))?;
        self.0 = tail;
        Ok(head)
    }

    fn u32(&mut self, what: &str) -> Result<usize, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize)
    }

    fn u64(&mut self, what: &str) -> Result<usize, String> {
        let b = self.take(8, what)?;
        usize::try_from(u64::from_le_bytes(b.try_into().expect("8 bytes")))
            .map_err(|_| format!("{what}: length past this machine's address space"))
    }
}

fn get_scalar(r: &mut Reader, tag: u8) -> Result<Fr, String> {
    let (len, negative) = match tag {
        0..=NEG => (tag as usize, false),
        _ if tag <= 2 * NEG => ((tag - NEG) as usize, true),
        _ => return Err(format!("unknown cell tag {tag}")),
    };
    let mut repr = <Fr as PrimeField>::Repr::default();
    repr.as_mut()[..len].copy_from_slice(r.take(len, "a cell")?);
    let v = Option::<Fr>::from(Fr::from_repr(repr)).ok_or("a value past the field modulus")?;
    Ok(if negative { -v } else { v })
}

/// One column of `n` cells.
fn decode_column(bytes: &[u8], n: usize, identity: Option<(Fr, Fr)>) -> Result<Vec<Fr>, String> {
    if bytes.len() < n {
        return Err(format!(
            "truncated in a column ({} bytes for {n} cells)",
            bytes.len()
        ));
    }
    let mut r = Reader(bytes);
    let mut out = Vec::with_capacity(n);
    let mut expected = identity.map(|(start, _)| start);
    for _ in 0..n {
        let tag = r.take(1, "a cell")?[0];
        let value = match (tag, expected) {
            (UNMOVED, Some(e)) => e,
            _ => get_scalar(&mut r, tag)?,
        };
        if let (Some(e), Some((_, omega))) = (expected.as_mut(), identity) {
            *e *= omega;
        }
        out.push(value);
    }
    match r.0.len() {
        0 => Ok(out),
        extra => Err(format!("{extra} bytes after the column's {n} cells")),
    }
}

/// Read a payload [`encode`] wrote, for a key with `params` and `k`. Errors say what is wrong.
pub fn decode(
    payload: &[u8],
    params: CircuitParams,
    k: u32,
) -> Result<ProvingKey<G1Affine>, String> {
    if k == 0 || k > crate::srs::MAX_K {
        return Err(format!("k={k} outside 1..={}", crate::srs::MAX_K));
    }
    params
        .check()
        .map_err(|e| format!("circuit parameters: {e}"))?;
    let mut r = Reader(payload);
    let vk_len = r.u32("the verifying key's length")?;
    let mut vk_bytes = r.take(vk_len, "the verifying key")?;
    // halo2 sizes its domain from the key's own `k` (after a version byte 2), unchecked.
    if vk_bytes.get(..5) != Some(&[[2u8].as_slice(), &k.to_le_bytes()].concat()[..]) {
        return Err(format!("the verifying key is not a halo2 key for k={k}"));
    }
    crate::keys::check_vk_length(vk_bytes, k, params)?;
    let vk = zkinfer_circuits::guard::catch_panic(|| {
        VerifyingKey::<G1Affine>::read::<_, ModelCircuit>(
            &mut vk_bytes,
            SerdeFormat::RawBytes,
            params,
        )
    })?
    .map_err(|e| format!("verifying key inside the proving key: {e}"))?;
    if vk.get_domain().k() != k || !vk_bytes.is_empty() {
        return Err("verifying key and header disagree on k, or bytes follow the key".into());
    }
    if vk.cs().blinding_factors() + 1 >= 1usize << k {
        return Err(format!("k={k} leaves no usable rows"));
    }
    if vk.fixed_commitments().len() != vk.cs().num_fixed_columns() {
        return Err(format!(
            "{} fixed commitments for {} fixed columns",
            vk.fixed_commitments().len(),
            vk.cs().num_fixed_columns()
        ));
    }
    let (fixed_count, sigma_count) = (r.u32("the column counts")?, r.u32("the column counts")?);
    let want = (
        vk.cs().num_fixed_columns(),
        vk.cs().permutation().get_columns().len(),
    );
    if (fixed_count, sigma_count) != want {
        return Err(format!(
            "{fixed_count} fixed and {sigma_count} permutation columns, the circuit has {} and {}",
            want.0, want.1
        ));
    }
    let mut columns = Vec::with_capacity(fixed_count + sigma_count);
    for _ in 0..fixed_count + sigma_count {
        let len = r.u64("a column's length")?;
        columns.push(r.take(len, "a column")?);
    }
    if !r.0.is_empty() {
        return Err(format!("{} bytes after the proving key", r.0.len()));
    }
    let domain = vk.get_domain();
    let (n, omega) = (1usize << k, domain.get_omega());
    let values: Vec<Vec<Fr>> = columns
        .par_iter()
        .enumerate()
        .map(|(i, bytes)| {
            let identity = i
                .checked_sub(fixed_count)
                .map(|c| (identity_start(c), omega));
            decode_column(bytes, n, identity)
        })
        .collect::<Result<_, _>>()?;
    Ok(assemble(vk, values, fixed_count))
}

/// halo2's proving key from the verifying key and the columns' values (fixed, then permutation).
fn assemble(
    vk: VerifyingKey<G1Affine>,
    mut values: Vec<Vec<Fr>>,
    fixed: usize,
) -> ProvingKey<G1Affine> {
    let domain = vk.get_domain().clone();
    let n = 1usize << domain.k();
    let fft = Fft::rows_only(&domain);
    let blinding = vk.cs().blinding_factors();
    let last = n - blinding - 1;
    let mut l0 = vec![Fr::ZERO; n];
    l0[0] = Fr::ONE;
    let mut l_last = vec![Fr::ZERO; n];
    l_last[last] = Fr::ONE;
    let l_active_row: Vec<Fr> = (0..n)
        .map(|i| if i < last { Fr::ONE } else { Fr::ZERO })
        .collect();
    let lagrange = |values: Vec<Vec<Fr>>| -> Vec<Polynomial<Fr, LagrangeCoeff>> {
        values
            .into_iter()
            .map(|v| domain.lagrange_from_vec(v))
            .collect()
    };
    let sigma_values = values.split_off(fixed);
    let mut coeffs: Vec<Vec<Fr>> = values
        .iter()
        .chain(&sigma_values)
        .cloned()
        .chain([l0, l_last, l_active_row])
        .collect();
    coeffs.par_iter_mut().for_each(|c| fft.inverse(c));
    let mut coeffs: Vec<_> = coeffs
        .into_iter()
        .map(|c| domain.coeff_from_vec(c))
        .collect();
    let l_active_row = coeffs.pop().expect("three Lagrange polynomials");
    let l_last = coeffs.pop().expect("three Lagrange polynomials");
    let l0 = coeffs.pop().expect("three Lagrange polynomials");
    let sigma_polys = coeffs.split_off(fixed);
    let permutation = permutation::ProvingKey::from_parts(lagrange(sigma_values), sigma_polys);
    ProvingKey::from_parts(
        vk,
        l0,
        l_last,
        l_active_row,
        lagrange(values),
        coeffs,
        permutation,
    )
}
