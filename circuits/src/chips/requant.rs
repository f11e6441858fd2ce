//! Requantization, one row per neuron: `z + off = q·2^s + r`, with
//! - `(0, q, aux)` in the table: `q ∈ [-2^(b-1), 2^(b-1))` and `aux = relu(q)`;
//! - `(1, r, r)` in the table: `r ∈ [0, 2^s)`.
//!
//! `z` is a copy of the neuron's accumulator and `off` (fixed) its bias plus the rounding half. Because
//! `|q·2^s + r|` is far below the field size, the identity holds over the integers, so `q` is exactly the
//! rounded quotient. The neuron's output cell is `q` (no activation) or `aux` (Relu).
//!
//! Input rows use only the lookups (no gate): `q` is the input value, range-checked, `r = 0`.

use super::table::{TableConfig, TAG_REMAINDER};
use super::Wire;
use crate::fixed_point::{half, rescale, to_field};
use crate::ops::Activation;
use crate::Fr;
use halo2_proofs::circuit::Region;
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Error, Expression, Fixed, Selector};
use halo2_proofs::poly::Rotation;

#[derive(Clone, Debug)]
pub struct RequantConfig {
    pub z: Column<Advice>,
    pub q: Column<Advice>,
    pub r: Column<Advice>,
    pub aux: Column<Advice>,
    pub off: Column<Fixed>,
    /// Enables `z + off = q·2^s + r`.
    pub rescale: Selector,
    /// Enables both lookups.
    pub range: Selector,
    pub scale: u32,
}

/// Deliberate witness corruption for soundness tests: each must make the circuit unsatisfied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// `q + 1` (and `aux = relu(q + 1)`): breaks the rescale identity.
    Quotient,
    /// `q + 1, r - 2^s`: the identity still holds, the remainder lookup must catch it.
    Remainder,
    /// `aux = relu(q) + 1`: the relu lookup must catch it.
    Activation,
    /// The neuron's final MAC accumulator `+ 1` (and the requant row consistent with it): the MAC gate
    /// must catch it.
    Accumulator,
}

/// The values of one requant row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequantWitness {
    pub z: i64,
    pub q: i64,
    pub r: i64,
    pub aux: i64,
}

impl RequantWitness {
    pub fn new(z: i64, off: i64, scale: u32) -> Self {
        let (q, r) = rescale(z + off - half(scale), scale);
        Self {
            z,
            q,
            r,
            aux: q.max(0),
        }
    }

    pub fn tampered(mut self, tamper: Tamper, scale: u32) -> Self {
        match tamper {
            Tamper::Quotient => {
                self.q += 1;
                self.aux = self.q.max(0);
            }
            Tamper::Remainder => {
                self.q += 1;
                self.r -= 1 << scale;
                self.aux = self.q.max(0);
            }
            Tamper::Activation => self.aux += 1,
            Tamper::Accumulator => {}
        }
        self
    }
}

impl RequantConfig {
    pub fn configure(meta: &mut ConstraintSystem<Fr>, table: &TableConfig, scale: u32) -> Self {
        let [z, q, r, aux] = [(); 4].map(|_| meta.advice_column());
        let off = meta.fixed_column();
        let rescale = meta.selector();
        let range = meta.complex_selector();
        for c in [z, q, aux] {
            meta.enable_equality(c);
        }
        let two_s = Expression::Constant(Fr::from(1u64 << scale));
        meta.create_gate("rescale", |meta| {
            let s = meta.query_selector(rescale);
            let z = meta.query_advice(z, Rotation::cur());
            let q = meta.query_advice(q, Rotation::cur());
            let r = meta.query_advice(r, Rotation::cur());
            let off = meta.query_fixed(off, Rotation::cur());
            vec![s * (z + off - q * two_s - r)]
        });
        meta.lookup("range + relu", |meta| {
            let s = meta.query_selector(range);
            let q = meta.query_advice(q, Rotation::cur());
            let aux = meta.query_advice(aux, Rotation::cur());
            vec![
                (Expression::Constant(Fr::zero()), table.tag),
                (s.clone() * q, table.x),
                (s * aux, table.y),
            ]
        });
        meta.lookup("remainder", |meta| {
            let s = meta.query_selector(range);
            let r = meta.query_advice(r, Rotation::cur());
            vec![
                (
                    s.clone() * Expression::Constant(Fr::from(TAG_REMAINDER)),
                    table.tag,
                ),
                (s.clone() * r.clone(), table.x),
                (s * r, table.y),
            ]
        });
        Self {
            z,
            q,
            r,
            aux,
            off,
            rescale,
            range,
            scale,
        }
    }

    /// Assign a rescale row for accumulator `z` with offset `off` (bias + rounding half). Returns the
    /// neuron's output wire (`q`, or `aux` for Relu).
    pub fn assign_rescale(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        z: &Wire,
        off: i64,
        act: Activation,
        tamper: Option<Tamper>,
    ) -> Result<Wire, Error> {
        self.rescale.enable(region, row)?;
        self.range.enable(region, row)?;
        region.assign_fixed(self.off, row, to_field(off));
        let w = z.value.map(|z| {
            let w = RequantWitness::new(z, off, self.scale);
            tamper.map_or(w, |t| w.tampered(t, self.scale))
        });
        let zc = region.assign_advice(self.z, row, z.field());
        region.constrain_equal(zc.cell(), z.cell);
        let q = region.assign_advice(self.q, row, super::field_value(w.map(|w| w.q)));
        region.assign_advice(self.r, row, super::field_value(w.map(|w| w.r)));
        let aux = region.assign_advice(self.aux, row, super::field_value(w.map(|w| w.aux)));
        Ok(match act {
            Activation::None => Wire {
                cell: q.cell(),
                value: w.map(|w| w.q),
            },
            Activation::Relu => Wire {
                cell: aux.cell(),
                value: w.map(|w| w.aux),
            },
        })
    }

    /// Assign a range-checked input row holding `value`. Returns the input's wire.
    pub fn assign_input(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        value: Option<i64>,
    ) -> Result<Wire, Error> {
        self.range.enable(region, row)?;
        let q = region.assign_advice(self.q, row, super::field_value(value));
        region.assign_advice(self.aux, row, super::field_value(value.map(|v| v.max(0))));
        Ok(Wire {
            cell: q.cell(),
            value,
        })
    }
}
