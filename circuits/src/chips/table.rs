//! The shared lookup table, two tagged sections:
//! - tag 0, `(0, v, v)` for `v ∈ [0, 2^s)`: remainders of the rescale and low limbs of range checks;
//! - tag 1, `(1, h, [h ≥ 2^(H-1)])` for `h ∈ [0, 2^H)`, `H = b - s`: high limbs of range checks, with the
//!   sign of the value they belong to.
//!
//! A value `q ∈ [-2^(b-1), 2^(b-1))` is checked as `q + 2^(b-1) = hi·2^s + lo`, so the table holds
//! `2^s + 2^(b-s)` rows rather than `2^b`. `(0, 0, 0)` is a row, so disabled lookups (all-zero inputs) pass.

use crate::Fr;
use halo2_proofs::circuit::{Layouter, Value};
use halo2_proofs::plonk::{ConstraintSystem, Error, TableColumn};

/// Tag of the low-limb / remainder rows.
pub const TAG_LIMB: u64 = 0;
/// Tag of the high-limb rows.
pub const TAG_HIGH: u64 = 1;

#[derive(Clone, Copy, Debug)]
pub struct TableConfig {
    pub tag: TableColumn,
    pub x: TableColumn,
    pub y: TableColumn,
}

impl TableConfig {
    pub fn configure(meta: &mut ConstraintSystem<Fr>) -> Self {
        Self {
            tag: meta.lookup_table_column(),
            x: meta.lookup_table_column(),
            y: meta.lookup_table_column(),
        }
    }

    /// Rows the table occupies for range bits `b` and scale bits `s` (`b > s`).
    pub fn rows(range_bits: u32, scale: u32) -> usize {
        (1usize << scale) + (1usize << range_bits.saturating_sub(scale))
    }

    /// Fill the table; row 0 is `(0, 0, 0)`, which the padding rows repeat.
    pub fn load(
        &self,
        layouter: &mut impl Layouter<Fr>,
        range_bits: u32,
        scale: u32,
    ) -> Result<(), Error> {
        let high_bits = range_bits - scale;
        let limbs = (0..1u64 << scale).map(|v| (TAG_LIMB, v, v));
        let highs =
            (0..1u64 << high_bits).map(|h| (TAG_HIGH, h, u64::from(h >= 1 << (high_bits - 1))));
        layouter.assign_table(
            || "limb/high-limb table",
            |mut table| {
                for (row, (tag, x, y)) in limbs.clone().chain(highs.clone()).enumerate() {
                    table.assign_cell(|| "tag", self.tag, row, || Value::known(Fr::from(tag)))?;
                    table.assign_cell(|| "x", self.x, row, || Value::known(Fr::from(x)))?;
                    table.assign_cell(|| "y", self.y, row, || Value::known(Fr::from(y)))?;
                }
                Ok(())
            },
        )
    }
}
