//! The shared lookup table: tag 0 rows `(0, x, relu(x))` for `x ∈ [-2^(b-1), 2^(b-1))`, tag 1 rows
//! `(1, r, r)` for `r ∈ [0, 2^s)`. `(0, 0, 0)` is a row, so disabled lookups (all-zero inputs) pass.

use crate::fixed_point::to_field;
use crate::Fr;
use halo2_proofs::circuit::{Layouter, Value};
use halo2_proofs::plonk::{ConstraintSystem, Error, TableColumn};

/// Tag of the range/relu rows.
pub const TAG_RANGE: u64 = 0;
/// Tag of the remainder rows.
pub const TAG_REMAINDER: u64 = 1;

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

    /// Rows the table occupies for range bits `b` and scale bits `s`.
    pub fn rows(range_bits: u32, scale: u32) -> usize {
        (1usize << range_bits) + (1usize << scale)
    }

    /// Fill the table. `x = 0` comes first so that the padding rows repeat `(0, 0, 0)`.
    pub fn load(
        &self,
        layouter: &mut impl Layouter<Fr>,
        range_bits: u32,
        scale: u32,
    ) -> Result<(), Error> {
        let bound = 1i64 << (range_bits - 1);
        let range = (0..bound)
            .chain(-bound..0)
            .map(|x| (TAG_RANGE, x, x.max(0)));
        let rem = (0..1i64 << scale).map(|r| (TAG_REMAINDER, r, r));
        layouter.assign_table(
            || "range/relu/remainder table",
            |mut table| {
                for (row, (tag, x, y)) in range.clone().chain(rem.clone()).enumerate() {
                    table.assign_cell(|| "tag", self.tag, row, || Value::known(Fr::from(tag)))?;
                    table.assign_cell(|| "x", self.x, row, || Value::known(to_field(x)))?;
                    table.assign_cell(|| "y", self.y, row, || Value::known(to_field(y)))?;
                }
                Ok(())
            },
        )
    }
}
