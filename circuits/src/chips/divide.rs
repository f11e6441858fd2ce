//! Division of two witnesses, rounded: `y = round(n·2^s / d)` for `d ≥ 1` (half up), as
//! `2·n·2^s + d = 2·y·d + r` with `0 ≤ r < 2d`.
//!
//! A division takes four rows of the requant chip's columns:
//! - the division row: `z = n`, `q = d` (copies), `y` (the output), `hi = r`, `sgn = t` with the gate
//!   `2·n·2^s + d - 2·y·d - r = 0` and `t = 2d - 1 - r`;
//! - a range row for `y` (`y ∈ [-2^(b-1), 2^(b-1))`);
//! - non-negativity rows (see `RequantConfig::assign_nonneg`) for `r` and for `t` (so `r < 2d`).
//!
//! `n` and `d` are copies of range-checked cells (inputs, requant outputs, table outputs), so every term is
//! far below the field size: the identity holds over the integers and `y` is exactly the rounded quotient.
//! `0 ≤ r ≤ 2d - 1` also forces `d ≥ 1` (an integer with `2d ≥ 1`). Without `y`'s range check a prover
//! could pick any `r` and solve for `y` in the field.

use super::requant::{RequantConfig, Tamper};
use super::Wire;
use crate::fixed_point::to_field;
use crate::Fr;
use halo2_proofs::circuit::{Region, Value};
use halo2_proofs::plonk::{ConstraintSystem, Error, Expression, Selector};
use halo2_proofs::poly::Rotation;

/// Requant rows per division.
pub const ROWS: usize = 4;

/// The divide gate, on the requant chip's columns (`z = n`, `q = d`, `y`, `hi = r`, `sgn = t`).
#[derive(Clone, Debug)]
pub struct DivideConfig {
    /// Turns on the `divide` gate's two constraints `2·n·2^s + d - 2·y·d - r = 0` and `t = 2d - 1 - r`
    /// on a division row.
    pub enable: Selector,
}

/// The integers of one division.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DivWitness {
    /// The quotient `round(n·2^s / d)`, at the graph scale.
    pub y: i64,
    /// The remainder `r = 2·n·2^s + d - 2·y·d`, in `[0, 2d)`.
    pub r: i64,
}

impl DivWitness {
    /// `y = round(n·2^s / d)` (half up) and its remainder, or `None` unless `d ≥ 1` (or on overflow).
    pub fn of(n: i64, d: i64, scale: u32) -> Option<Self> {
        if d < 1 {
            return None;
        }
        let num = i128::from(n)
            .checked_mul(2i128 << scale)?
            .checked_add(i128::from(d))?;
        let den = 2 * i128::from(d);
        let y = num.div_euclid(den);
        let r = num.rem_euclid(den);
        Some(Self {
            y: i64::try_from(y).ok()?,
            r: i64::try_from(r).ok()?,
        })
    }
}

impl DivideConfig {
    /// Create the selector and the `divide` gate over `requant`'s columns, enabling equality on its
    /// `hi` and `sgn` columns (the remainder and `t` are copied into non-negativity rows).
    pub fn configure(meta: &mut ConstraintSystem<Fr>, requant: &RequantConfig) -> Self {
        let enable = meta.selector();
        meta.enable_equality(requant.hi);
        meta.enable_equality(requant.sgn);
        let two_s = Expression::Constant(Fr::from(2u64 << requant.scale));
        meta.create_gate("divide", |meta| {
            let s = meta.query_selector(enable);
            let mut q = |c| meta.query_advice(c, Rotation::cur());
            let (n, d, y, r, t) = (
                q(requant.z),
                q(requant.q),
                q(requant.y),
                q(requant.hi),
                q(requant.sgn),
            );
            let two = Expression::Constant(Fr::from(2));
            let one = Expression::Constant(Fr::one());
            vec![
                s.clone()
                    * (n * two_s.clone() + d.clone() - two.clone() * y * d.clone() - r.clone()),
                s * (t - (two * d - one - r)),
            ]
        });
        Self { enable }
    }

    /// Lay out `n / d` from requant row `row` (taking [`ROWS`] rows); returns the quotient's wire.
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        requant: &RequantConfig,
        row: usize,
        (n, d): (&Wire, &Wire),
        tamper: Option<Tamper>,
    ) -> Result<Wire, Error> {
        self.enable.enable(region, row)?;
        let scale = requant.scale;
        let honest = match (n.value, d.value) {
            (Some(n), Some(d)) => Some(DivWitness::of(n, d, scale).ok_or(Error::Synthesis)?),
            _ => None,
        };
        let w = honest.map(|w| match (tamper, d.value) {
            (Some(Tamper::DivisionUp), Some(d)) => DivWitness {
                y: w.y + 1,
                r: w.r - 2 * d,
            },
            (Some(Tamper::DivisionDown), Some(d)) => DivWitness {
                y: w.y - 1,
                r: w.r + 2 * d,
            },
            (Some(Tamper::DivisionFieldQuotient), _) => DivWitness { r: w.r + 1, ..w },
            _ => w,
        });
        // The field attack: y solved from the gate for the shifted remainder.
        let raw_y = match (tamper, n.value, d.value, w) {
            (Some(Tamper::DivisionFieldQuotient), Some(n), Some(d), Some(w)) => {
                let num = to_field(n) * Fr::from(2u64 << scale) + to_field(d) - to_field(w.r);
                let inv = (to_field(d) * Fr::from(2)).invert();
                Some(num * Option::<Fr>::from(inv).ok_or(Error::Synthesis)?)
            }
            _ => None,
        };
        let nc = region.assign_advice(requant.z, row, n.field());
        region.constrain_equal(nc.cell(), n.cell);
        let dc = region.assign_advice(requant.q, row, d.field());
        region.constrain_equal(dc.cell(), d.cell);
        let y_value = match raw_y {
            Some(f) => Value::known(f),
            None => super::field_value(w.map(|w| w.y)),
        };
        let yc = region.assign_advice(requant.y, row, y_value);
        let rc = region.assign_advice(requant.hi, row, super::field_value(w.map(|w| w.r)));
        let t = w.zip(d.value).map(|(w, d)| 2 * d - 1 - w.r);
        let tc = region.assign_advice(requant.sgn, row, super::field_value(t));
        let y = Wire {
            cell: yc.cell(),
            value: w.map(|w| w.y),
        };
        requant.assign_range_of(region, row + 1, &y, raw_y)?;
        let r = Wire {
            cell: rc.cell(),
            value: w.map(|w| w.r),
        };
        requant.assign_nonneg(region, row + 2, &r, 0)?;
        let t = Wire {
            cell: tc.cell(),
            value: t,
        };
        requant.assign_nonneg(region, row + 3, &t, 0)?;
        Ok(y)
    }
}
