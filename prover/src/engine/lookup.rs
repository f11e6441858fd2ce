//! halo2's lookup argument, prover side: compress the input and table expressions with `θ`, permute
//! them so that equal inputs sit together with their table value first, and build the grand product
//! `z` over the usable rows (halo2-axiom 0.5.3's `plonk::lookup::prover`, the same polynomials).
//!
//! The permutation is computed by sorting both columns on their byte representation and merging, so
//! an input value missing from its table is reported by row instead of panicking deep inside halo2.

use super::expr::Columns;
use crate::Fr;
use rand::RngCore;
use rayon::prelude::*;
use zkinfer_circuits::halo2_proofs::halo2curves::ff::{BatchInvert, Field, PrimeField};
use zkinfer_circuits::halo2_proofs::plonk::Expression;

/// One lookup's columns on the circuit's rows: the compressed input and table and their permutations.
pub(crate) struct Permuted {
    pub input: Vec<Fr>,
    pub table: Vec<Fr>,
    pub permuted_input: Vec<Fr>,
    pub permuted_table: Vec<Fr>,
}

/// Rows per parallel task of the row-wise loops.
pub(crate) const CHUNK: usize = 1 << 10;

/// `exprs` compressed with `theta` on all `n` rows.
pub(crate) fn compress_all(cols: &Columns<'_>, exprs: &[Expression<Fr>], theta: Fr) -> Vec<Fr> {
    let mut out = vec![Fr::ZERO; cols.n];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, out)| {
        let start = c * CHUNK;
        out.copy_from_slice(&cols.compress(exprs, theta, start, out.len()));
    });
    out
}

/// One lookup argument's sides: its name, input expressions and table expressions.
pub(crate) type Sides<'a> = (&'a str, &'a [Expression<Fr>], &'a [Expression<Fr>]);

/// Compress a lookup's sides and permute them; `usable` rows take part, the rest are random.
pub(crate) fn permute(
    (name, inputs, tables): Sides<'_>,
    cols: &Columns<'_>,
    theta: Fr,
    usable: usize,
    rng: &mut impl RngCore,
) -> Result<Permuted, String> {
    let input = compress_all(cols, inputs, theta);
    let table = compress_all(cols, tables, theta);
    let (mut permuted_input, mut permuted_table) = permute_pair(&input[..usable], &table[..usable])
        .map_err(|value| {
            let row = input.iter().position(|v| *v == value).unwrap_or(0);
            format!("lookup `{name}`: the input at row {row} is not in its table")
        })?;
    for column in [&mut permuted_input, &mut permuted_table] {
        column.extend((usable..cols.n).map(|_| Fr::random(&mut *rng)));
    }
    Ok(Permuted {
        input,
        table,
        permuted_input,
        permuted_table,
    })
}

/// `(A', S')`: `A'` is `input` sorted; where a run of equal values in `A'` starts, `S'` holds the same
/// value (taken from `table`), and `table`'s other values fill the remaining rows. Err: an input value
/// that `table` does not hold.
fn permute_pair(input: &[Fr], table: &[Fr]) -> Result<(Vec<Fr>, Vec<Fr>), Fr> {
    let keyed = |values: &[Fr]| {
        let mut keyed: Vec<([u8; 32], Fr)> = values.par_iter().map(|v| (v.to_repr(), *v)).collect();
        keyed.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        keyed
    };
    let a = keyed(input);
    let t = keyed(table);
    let mut permuted_table = vec![Fr::ZERO; a.len()];
    let mut free = Vec::new();
    let mut leftover = Vec::new();
    let mut next = 0;
    for (row, (key, value)) in a.iter().enumerate() {
        if row > 0 && a[row - 1].0 == *key {
            free.push(row);
            continue;
        }
        while next < t.len() && t[next].0 < *key {
            leftover.push(t[next].1);
            next += 1;
        }
        if next == t.len() || t[next].0 != *key {
            return Err(*value);
        }
        permuted_table[row] = t[next].1;
        next += 1;
    }
    leftover.extend(t[next..].iter().map(|(_, v)| *v));
    debug_assert_eq!(free.len(), leftover.len());
    for (row, value) in free.into_iter().zip(leftover) {
        permuted_table[row] = value;
    }
    Ok((a.into_iter().map(|(_, v)| v).collect(), permuted_table))
}

/// The grand product `z`: `z_0 = 1`, `z_(i+1) = z_i·(A_i + β)(S_i + γ) / ((A'_i + β)(S'_i + γ))` over
/// the usable rows, then random values on the blinding rows.
pub(crate) fn product(
    p: &Permuted,
    beta: Fr,
    gamma: Fr,
    usable: usize,
    rng: &mut impl RngCore,
) -> Vec<Fr> {
    let mut ratio: Vec<Fr> = p.permuted_input[..usable]
        .par_iter()
        .zip(&p.permuted_table[..usable])
        .map(|(a, s)| (*a + beta) * (*s + gamma))
        .collect();
    ratio.par_chunks_mut(CHUNK).for_each(|c| {
        c.iter_mut().batch_invert();
    });
    ratio
        .par_iter_mut()
        .zip(p.input[..usable].par_iter().zip(&p.table[..usable]))
        .for_each(|(r, (a, s))| *r *= (*a + beta) * (*s + gamma));
    let n = p.input.len();
    let mut z = Vec::with_capacity(n);
    z.push(Fr::ONE);
    for r in &ratio {
        let last = z[z.len() - 1];
        z.push(last * r);
    }
    z.extend((usable + 1..n).map(|_| Fr::random(&mut *rng)));
    z
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fr(v: &[u64]) -> Vec<Fr> {
        v.iter().map(|x| Fr::from(*x)).collect()
    }

    #[test]
    fn permuted_pair_satisfies_the_lookup_constraints() {
        let input = fr(&[5, 1, 5, 9, 1, 1, 5, 2]);
        let table = fr(&[1, 2, 3, 4, 5, 9, 9, 0]);
        let (a, s) = permute_pair(&input, &table).expect("every input is in the table");
        // The same multisets as before.
        let sorted = |v: &[Fr]| {
            let mut v: Vec<[u8; 32]> = v.iter().map(|x| x.to_repr()).collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&a), sorted(&input));
        assert_eq!(sorted(&s), sorted(&table));
        // Row 0 and the first row of every run of A' hold the same value in S'; other rows repeat A'.
        for row in 0..a.len() {
            if row == 0 || a[row] != a[row - 1] {
                assert_eq!(a[row], s[row], "row {row}");
            }
            if row > 0 && a[row] != s[row] {
                assert_eq!(a[row], a[row - 1], "row {row}");
            }
        }
    }

    #[test]
    fn an_input_missing_from_the_table_is_named() {
        let input = fr(&[1, 7, 1]);
        let table = fr(&[1, 2, 3]);
        assert_eq!(permute_pair(&input, &table), Err(Fr::from(7)));
        // A value the table holds once can start one run only: two distinct inputs need two entries.
        assert_eq!(permute_pair(&fr(&[2, 3]), &fr(&[2, 2])), Err(Fr::from(3)));
    }
}
