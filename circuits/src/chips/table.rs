//! The lookup tables: the limb column and the shared tagged table.
//!
//! The limb column holds `v ∈ [0, 2^s)`: remainders of the rescale and low limbs of range checks are
//! looked up in it alone. A one-expression lookup's permuted columns hold the small values themselves,
//! which the prover's small-value commitments take in a few windows; a tuple's permuted columns hold
//! random combinations `θ²·a + θ·b + c`, a full multi-scalar multiplication each.
//!
//! The tagged table `(tag, x, y)` starts with the row `(0, 0, 0)`, which disabled tuple lookups (all-zero
//! inputs) match and the padding rows repeat, followed by:
//! - tag 1, `(1, h, [h ≥ 2^(H-1)])` for `h ∈ [0, 2^H)`, `H = b - s`: high limbs of range checks, with the
//!   sign of the value they belong to;
//! - tag `t = 2 + i` for the graph's function table `i`: `(t, t·q, t·f(q))` for `q` in its domain. Storing
//!   `t·q` and `t·f(q)` lets the requant row look up `(t, t·q, t·y)` with `t` read from ONE fixed column:
//!   rows without a function have `t = 0` and look up `(0, 0, 0)`, and since `t ≠ 0` is invertible, a
//!   match of a function row forces `q` to be in the domain and `y = f(q)`;
//! - after the function tables, the sections of constant data read at computed indices (an
//!   `Embedding`'s columns, [`crate::ops::Embedding`]): `(t, t·key, t·value)` the same way.
//!
//! A value `q ∈ [-2^(b-1), 2^(b-1))` is checked as `q + 2^(b-1) = hi·2^s + lo`, so the range tables hold
//! `2^s` and `2^(b-s)` rows rather than `2^b`. `0` is a limb and `(0, 0, 0)` a tagged row, so disabled
//! lookups (all-zero inputs) pass.

use crate::fixed_point::to_field;
use crate::functions::FnTable;
use crate::Fr;
use halo2_proofs::circuit::{Layouter, Value};
use halo2_proofs::plonk::{ConstraintSystem, Error, TableColumn};

/// Tag of the tagged table's first row `(0, 0, 0)`, the row disabled lookups match.
pub const TAG_ZERO: u64 = 0;
/// Tag of the high-limb rows.
pub const TAG_HIGH: u64 = 1;
/// Tag of the first function table (table `i` has tag `TAG_FIRST_FN + i`).
pub const TAG_FIRST_FN: u64 = 2;

/// A section of constant data: its `(key, value)` entries, keys distinct.
pub type Section = Vec<(i64, i64)>;

/// The limb column and the three columns of the tagged table (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct TableConfig {
    /// The limbs `v ∈ [0, 2^s)`.
    pub limb: TableColumn,
    /// Section tag: [`TAG_ZERO`], [`TAG_HIGH`], or `TAG_FIRST_FN + i` for function table `i`.
    pub tag: TableColumn,
    /// The looked-up value: `h` (high limbs) or `t·q` (function rows).
    pub x: TableColumn,
    /// Its image: the sign bit `[h ≥ 2^(b-s-1)]` (high limbs) or `t·f(q)` (function rows).
    pub y: TableColumn,
}

impl TableConfig {
    /// Allocate the four table columns; the chips add their lookups into them.
    pub fn configure(meta: &mut ConstraintSystem<Fr>) -> Self {
        Self {
            limb: meta.lookup_table_column(),
            tag: meta.lookup_table_column(),
            x: meta.lookup_table_column(),
            y: meta.lookup_table_column(),
        }
    }

    /// Rows the tables occupy for range bits `b`, scale bits `s` (`b > s`), the function tables and the
    /// data sections: the taller of the limb column and the tagged table.
    pub fn rows(range_bits: u32, scale: u32, tables: &[FnTable], sections: &[Section]) -> usize {
        let tagged = 1
            + (1usize << range_bits.saturating_sub(scale))
            + tables.iter().map(FnTable::rows).sum::<usize>()
            + sections.iter().map(Vec::len).sum::<usize>();
        tagged.max(1usize << scale)
    }

    /// Fill the tables. The limb column's row 0 is `0` and the tagged table's `(0, 0, 0)`, which the
    /// padding rows repeat. Function table `i` gets tag `TAG_FIRST_FN + i`, data section `j` the tag
    /// after the last function table's plus `j`.
    pub fn load(
        &self,
        layouter: &mut impl Layouter<Fr>,
        range_bits: u32,
        scale: u32,
        tables: &[FnTable],
        sections: &[Section],
    ) -> Result<(), Error> {
        layouter.assign_table(
            || "limb table",
            |mut table| {
                for v in 0..1u64 << scale {
                    table.assign_cell(
                        || "limb",
                        self.limb,
                        v as usize,
                        || Value::known(Fr::from(v)),
                    )?;
                }
                Ok(())
            },
        )?;
        let high_bits = range_bits - scale;
        let zero = std::iter::once([Fr::from(TAG_ZERO), Fr::zero(), Fr::zero()]);
        let highs = (0..1u64 << high_bits).map(|h| {
            [
                Fr::from(TAG_HIGH),
                Fr::from(h),
                Fr::from(u64::from(h >= 1 << (high_bits - 1))),
            ]
        });
        let functions = tables.iter().enumerate().flat_map(|(i, t)| {
            let tag = Fr::from(TAG_FIRST_FN + i as u64);
            t.entries(scale)
                .map(move |(q, y)| [tag, tag * to_field(q), tag * to_field(y)])
        });
        let first_section = TAG_FIRST_FN + tables.len() as u64;
        let data = sections.iter().enumerate().flat_map(|(j, entries)| {
            let tag = Fr::from(first_section + j as u64);
            entries
                .iter()
                .map(move |(k, v)| [tag, tag * to_field(*k), tag * to_field(*v)])
        });
        let rows: Vec<[Fr; 3]> = zero.chain(highs).chain(functions).chain(data).collect();
        layouter.assign_table(
            || "high-limb/function/data table",
            |mut table| {
                for (row, [tag, x, y]) in rows.iter().enumerate() {
                    table.assign_cell(|| "tag", self.tag, row, || Value::known(*tag))?;
                    table.assign_cell(|| "x", self.x, row, || Value::known(*x))?;
                    table.assign_cell(|| "y", self.y, row, || Value::known(*y))?;
                }
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    //! The tables hold exactly what the lookups rely on: the limb column `[0, 2^s)` and nothing else,
    //! the high-limb rows with their sign bits, and the zero row.
    use super::*;
    use crate::fixed_point::to_field;
    use halo2_proofs::circuit::SimpleFloorPlanner;
    use halo2_proofs::dev::MockProver;
    use halo2_proofs::plonk::{Advice, Circuit, Column, Selector};
    use halo2_proofs::poly::Rotation;

    const SCALE: u32 = 5;
    const RANGE_BITS: u32 = 8;

    /// One row: `v` looked up in the limb column, `(1, h, b)` in the tagged table.
    #[derive(Clone, Default)]
    struct Probe {
        v: i64,
        high: (i64, i64),
    }

    impl Circuit<Fr> for Probe {
        type Config = (TableConfig, Selector, [Column<Advice>; 3]);
        type FloorPlanner = SimpleFloorPlanner;
        type Params = ();

        fn without_witnesses(&self) -> Self {
            Self::default()
        }

        fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
            let table = TableConfig::configure(meta);
            let s = meta.complex_selector();
            let cols = [(); 3].map(|_| meta.advice_column());
            meta.lookup("limb", |m| {
                let s = m.query_selector(s);
                vec![(s * m.query_advice(cols[0], Rotation::cur()), table.limb)]
            });
            meta.lookup("high", |m| {
                let s = m.query_selector(s);
                let tag = halo2_proofs::plonk::Expression::Constant(Fr::from(TAG_HIGH));
                vec![
                    (s.clone() * tag, table.tag),
                    (
                        s.clone() * m.query_advice(cols[1], Rotation::cur()),
                        table.x,
                    ),
                    (s * m.query_advice(cols[2], Rotation::cur()), table.y),
                ]
            });
            (table, s, cols)
        }

        fn synthesize(
            &self,
            (table, s, cols): Self::Config,
            mut layouter: impl Layouter<Fr>,
        ) -> Result<(), Error> {
            table.load(&mut layouter, RANGE_BITS, SCALE, &[], &[])?;
            layouter.assign_region(
                || "probe",
                |mut region| {
                    s.enable(&mut region, 0)?;
                    for (c, v) in cols.iter().zip([self.v, self.high.0, self.high.1]) {
                        region.assign_advice(*c, 0, Value::known(to_field(v)));
                    }
                    Ok(())
                },
            )
        }
    }

    fn accepts(v: i64, high: (i64, i64)) -> bool {
        MockProver::run(9, &Probe { v, high }, vec![])
            .expect("synthesis")
            .verify()
            .is_ok()
    }

    #[test]
    fn the_limb_column_is_exactly_the_remainders() {
        let top = (1i64 << SCALE) - 1;
        for v in [0, 1, top] {
            assert!(accepts(v, (0, 0)), "limb {v} refused");
        }
        // Just outside on both sides, a range-sized value and a large one.
        for v in [-1, top + 1, 1 << RANGE_BITS, 1 << 40] {
            assert!(!accepts(v, (0, 0)), "limb {v} accepted");
        }
    }

    #[test]
    fn high_limbs_carry_their_sign_bit() {
        let half = 1i64 << (RANGE_BITS - SCALE - 1);
        assert!(accepts(0, (half - 1, 0)));
        assert!(accepts(0, (half, 1)));
        assert!(accepts(0, (2 * half - 1, 1)));
        assert!(!accepts(0, (half - 1, 1)), "wrong sign accepted");
        assert!(!accepts(0, (half, 0)), "wrong sign accepted");
        assert!(
            !accepts(0, (2 * half, 1)),
            "high limb past the range accepted"
        );
        // A limb-sized value is no high-limb row.
        assert!(!accepts(0, ((1 << SCALE) - 1, 1)));
    }
}
