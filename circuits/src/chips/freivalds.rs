//! Freivalds' check for a product of two witness matrices, `C = A·B` (`A` is `M x K`, `B` is `K x N`):
//! instead of `M·K·N` multiplications, the circuit checks `A·(B·r) = C·r` for `r = (1, γ, γ², …)` with `γ`
//! a challenge drawn after `A`, `B` and `C` are committed (halo2's second phase). If `C ≠ A·B`, some row of
//! `A·(B·r) - C·r` is a nonzero polynomial of degree `< N` in `γ`, so it vanishes with probability at
//! most `M·N / p`.
//!
//! Columns: `x` (first phase: copies of `A` and `B` entries, and the entries of `C` themselves), `r` and
//! `acc` (second phase), a fixed `chain`. Gates:
//! - `freivalds mac`: `acc = chain·acc[prev] + x·r` (one product per row, chained into dot products);
//! - `freivalds powers`: `r = r[prev]·γ`, and `r = 1` on the first power row.
//!
//! Per matrix product: `N` power rows, then `u = B·r` (`K·N` rows), `v = A·u` (`M·K` rows) and `w = C·r`
//! (`M·N` rows), and `v_i = w_i` as copy constraints. The entries of `C` are exact integers (scale `2^2s`);
//! the requant chip rescales them, copying them from `x`.

use super::Wire;
use crate::Fr;
use halo2_proofs::circuit::{AssignedCell, Region, Value};
use halo2_proofs::plonk::{
    Advice, Assigned, Challenge, Column, ConstraintSystem, Error, Expression, FirstPhase, Fixed,
    SecondPhase, Selector,
};
use halo2_proofs::poly::Rotation;

/// The Freivalds chip's columns, selectors and challenge (see the module docs for the layout).
#[derive(Clone, Debug)]
pub struct FreivaldsConfig {
    /// First-phase advice: the dot products' left operands (copies of `A`, `B` entries; `C` entries fresh).
    pub x: Column<Advice>,
    /// Second-phase advice: the right operands, copies of the powers `γ^j` or of the entries of `u = B·r`.
    pub r: Column<Advice>,
    /// Second-phase advice: the running dot product `acc = chain·acc[prev] + x·r`.
    pub acc: Column<Advice>,
    /// Fixed `1` on the continuation rows of a dot product, `0` on its first row.
    pub chain: Column<Fixed>,
    /// Turns on the `freivalds mac` gate `acc = chain·acc[prev] + x·r`.
    pub mac: Selector,
    /// Turns on `r = r[prev]·γ` (the power rows after the first).
    pub power: Selector,
    /// Turns on `r = 1` (the first power row).
    pub one: Selector,
    /// The challenge `γ`, usable after the first phase (after `A`, `B` and `C` are committed).
    pub gamma: Challenge,
}

/// The shape of one matrix product: `batch` independent products of `M x K` by `K x N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatMulShape {
    /// Number of independent products (they share the powers of `γ`).
    pub batch: usize,
    /// Rows of `A` and `C`.
    pub m: usize,
    /// Columns of `A`, rows of `B` (the contracted dimension).
    pub k: usize,
    /// Columns of `B` and `C` (and the number of powers `γ^0..γ^(N-1)`).
    pub n: usize,
}

impl MatMulShape {
    /// Rows of the chip for this product.
    pub fn rows(&self) -> usize {
        self.n + self.batch * (self.k * self.n + self.m * self.k + self.m * self.n)
    }
}

/// A deliberate corruption for soundness tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreivaldsTamper {
    /// One accumulator of `v = A·u` off by one: the mac gate must catch it.
    Accumulator,
}

/// A second-phase cell and its value.
#[derive(Clone, Copy, Debug)]
struct Cell {
    cell: halo2_proofs::circuit::Cell,
    value: Value<Fr>,
}

fn cell(c: AssignedCell<&Assigned<Fr>, Fr>, value: Value<Fr>) -> Cell {
    Cell {
        cell: c.cell(),
        value,
    }
}

impl FreivaldsConfig {
    /// Allocate `x` (first phase), the challenge `γ`, `r` and `acc` (second phase, all three
    /// equality-enabled), `chain` and the selectors, and create the `freivalds mac` and `freivalds powers`
    /// gates.
    pub fn configure(meta: &mut ConstraintSystem<Fr>) -> Self {
        let x = meta.advice_column_in(FirstPhase);
        let gamma = meta.challenge_usable_after(FirstPhase);
        let r = meta.advice_column_in(SecondPhase);
        let acc = meta.advice_column_in(SecondPhase);
        let chain = meta.fixed_column();
        let (mac, power, one) = (meta.selector(), meta.selector(), meta.selector());
        for c in [x, r, acc] {
            meta.enable_equality(c);
        }
        meta.create_gate("freivalds mac", |meta| {
            let s = meta.query_selector(mac);
            let acc_cur = meta.query_advice(acc, Rotation::cur());
            let acc_prev = meta.query_advice(acc, Rotation::prev());
            let chain = meta.query_fixed(chain, Rotation::cur());
            let x = meta.query_advice(x, Rotation::cur());
            let r = meta.query_advice(r, Rotation::cur());
            vec![s * (acc_cur - chain * acc_prev - x * r)]
        });
        meta.create_gate("freivalds powers", |meta| {
            let (p, o) = (meta.query_selector(power), meta.query_selector(one));
            let r_cur = meta.query_advice(r, Rotation::cur());
            let r_prev = meta.query_advice(r, Rotation::prev());
            let g = meta.query_challenge(gamma);
            vec![
                p * (r_cur.clone() - r_prev * g),
                o * (r_cur - Expression::Constant(Fr::one())),
            ]
        });
        Self {
            x,
            r,
            acc,
            chain,
            mac,
            power,
            one,
            gamma,
        }
    }

    /// Assign the dot product `Σ_t x_t·r_t` from `row` (one row per term): `x_t` copies `xs[t]` (or is a
    /// fresh first-phase cell holding `fresh[t]`), `r_t` copies `rs[t]`. Returns the `x` cells and the
    /// final accumulator cell.
    fn dot(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        xs: Terms<'_>,
        rs: &[Cell],
        corrupt: bool,
    ) -> Result<(Vec<Wire>, Cell), Error> {
        let mut acc_value = Value::known(Fr::zero());
        let mut x_wires = Vec::with_capacity(rs.len());
        let mut last = None;
        for (t, r_src) in rs.iter().enumerate() {
            let row = row + t;
            self.mac.enable(region, row)?;
            region.assign_fixed(self.chain, row, Fr::from(u64::from(t > 0)));
            let x_val = match &xs {
                Terms::Copies(w) => w[t].value,
                Terms::Fresh(v) => v[t],
            };
            let xc = region.assign_advice(self.x, row, super::field_value(x_val));
            if let Terms::Copies(w) = &xs {
                region.constrain_equal(xc.cell(), w[t].cell);
            }
            x_wires.push(Wire {
                cell: xc.cell(),
                value: x_val,
            });
            let rc = region.assign_advice(self.r, row, r_src.value);
            region.constrain_equal(rc.cell(), r_src.cell);
            let x_f = super::field_value(x_val);
            acc_value = acc_value + x_f * r_src.value;
            let assigned = if corrupt && t + 1 == rs.len() {
                acc_value + Value::known(Fr::one())
            } else {
                acc_value
            };
            last = Some(cell(
                region.assign_advice(self.acc, row, assigned),
                assigned,
            ));
        }
        Ok((x_wires, last.ok_or(Error::Synthesis)?))
    }

    /// Lay out the check for `C = A·B` from `row`, where `a` (`batch x M x K`) and `b` (`batch x K x N`)
    /// are existing wires and `c` (`batch x M x N`) the claimed exact products (`None` during keygen).
    /// Returns the cells holding `C`, for the requant chip to rescale.
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        shape: MatMulShape,
        (a, b): (&[Wire], &[Wire]),
        c: &[Option<i64>],
        tamper: Option<FreivaldsTamper>,
    ) -> Result<Vec<Wire>, Error> {
        let MatMulShape { batch, m, k, n } = shape;
        // Before the challenge exists (the first of the prover's two synthesis passes) the second-phase
        // cells get placeholder values: that pass only commits the first phase, and the second pass
        // overwrites them. Keygen (no witness) keeps them unknown.
        let mut challenge = None;
        region
            .get_challenge(self.gamma)
            .map(|g| challenge = Some(g));
        let witness = c.iter().all(Option::is_some);
        let gamma = match challenge {
            Some(g) => Value::known(g),
            None if witness => Value::known(Fr::zero()),
            None => Value::unknown(),
        };
        // r_j = γ^j.
        let mut powers: Vec<Cell> = Vec::with_capacity(n);
        let mut value = Value::known(Fr::one());
        for j in 0..n {
            if j == 0 {
                self.one.enable(region, row)?;
            } else {
                self.power.enable(region, row + j)?;
                value = value * gamma;
            }
            powers.push(cell(region.assign_advice(self.r, row + j, value), value));
        }
        let mut row = row + n;
        let mut c_wires = Vec::with_capacity(batch * m * n);
        for bt in 0..batch {
            let a = &a[bt * m * k..(bt + 1) * m * k];
            let b = &b[bt * k * n..(bt + 1) * k * n];
            let c = &c[bt * m * n..(bt + 1) * m * n];
            // u = B·r.
            let mut u = Vec::with_capacity(k);
            for l in 0..k {
                let (_, cell) = self.dot(
                    region,
                    row,
                    Terms::Copies(&b[l * n..(l + 1) * n]),
                    &powers,
                    false,
                )?;
                u.push(cell);
                row += n;
            }
            for i in 0..m {
                // v_i = A_i·u, w_i = C_i·r, v_i = w_i.
                let corrupt = tamper == Some(FreivaldsTamper::Accumulator) && i == 0 && bt == 0;
                let (_, v) = self.dot(
                    region,
                    row,
                    Terms::Copies(&a[i * k..(i + 1) * k]),
                    &u,
                    corrupt,
                )?;
                row += k;
                let (cs, w) = self.dot(
                    region,
                    row,
                    Terms::Fresh(&c[i * n..(i + 1) * n]),
                    &powers,
                    false,
                )?;
                row += n;
                region.constrain_equal(v.cell, w.cell);
                c_wires.extend(cs);
            }
        }
        Ok(c_wires)
    }
}

/// The `x` operands of a dot product: copies of existing wires, or fresh cells with these values.
enum Terms<'a> {
    Copies(&'a [Wire]),
    Fresh(&'a [Option<i64>]),
}

/// `Σ a_t·b_t` exactly, or `None` on overflow.
pub fn exact_dot(a: impl Iterator<Item = i64>, b: impl Iterator<Item = i64>) -> Option<i64> {
    let mut acc: i128 = 0;
    for (x, y) in a.zip(b) {
        acc += i128::from(x) * i128::from(y);
    }
    i64::try_from(acc).ok()
}
