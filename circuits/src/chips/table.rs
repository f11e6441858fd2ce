//! The lookup tables: the limb column, the high column and (when the circuit has function tables or
//! data sections) the tagged table.
//!
//! The limb column holds `v ∈ [0, 2^s)`: remainders of the rescale and low limbs of range checks are
//! looked up in it alone. The high column holds `h ∈ [0, 2^(b-s-1))`, the high limb of a range check
//! without its sign bit ([`TableConfig::constrain_high`]). A one-expression lookup's permuted columns
//! hold the small values themselves, which the prover's small-value commitments take in a few windows; a
//! tuple's permuted columns hold random combinations `θ²·a + θ·b + c`, a full multi-scalar
//! multiplication each (about twice the proving work of a one-expression lookup).
//!
//! The tagged table `(tag, x, y)` starts with the row `(0, 0, 0)`, which disabled tuple lookups (all-zero
//! inputs) match and the padding rows repeat, followed by:
//! - tag `t = 2 + i` for the graph's function table `i`: `(t, t·q, t·f(q))` for `q` in its domain. Storing
//!   `t·q` and `t·f(q)` lets the requant row look up `(t, t·q, t·y)` with `t` read from ONE fixed column:
//!   rows without a function have `t = 0` and look up `(0, 0, 0)`, and since `t ≠ 0` is invertible, a
//!   match of a function row forces `q` to be in the domain and `y = f(q)`;
//! - after the function tables, the sections of constant data read at computed indices (an
//!   `Embedding`'s columns, [`crate::ops::Embedding`]): `(t, t·key, t·value)` the same way.
//!
//! Tag 1 is unused: it held the high limbs with their sign, `(1, h, [h ≥ 2^(b-s-1)])`, before they had
//! the high column (a tuple lookup per requant set became a one-expression one plus a degree-3 gate).
//!
//! A value `q ∈ [-2^(b-1), 2^(b-1))` is checked as `q + 2^(b-1) = hi·2^s + lo`, so the range tables hold
//! `2^s` and `2^(b-s-1)` rows rather than `2^b`. `0` is a limb and a high value and `(0, 0, 0)` a tagged
//! row, so disabled lookups (all-zero inputs) pass.

use crate::fixed_point::to_field;
use crate::functions::FnTable;
use crate::Fr;
use halo2_proofs::circuit::{Layouter, Value};
use halo2_proofs::plonk::{
    Advice, Column, ConstraintSystem, Error, Expression, Selector, TableColumn,
};
use halo2_proofs::poly::Rotation;

/// Tag of the tagged table's first row `(0, 0, 0)`, the row disabled lookups match.
pub const TAG_ZERO: u64 = 0;
/// Tag of the first function table (table `i` has tag `TAG_FIRST_FN + i`).
pub const TAG_FIRST_FN: u64 = 2;

/// A section of constant data: its `(key, value)` entries, keys distinct.
pub type Section = Vec<(i64, i64)>;

/// The three columns of the tagged table (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct TaggedTable {
    /// Section tag: [`TAG_ZERO`] or `TAG_FIRST_FN + i` for function table `i` (then the data sections).
    pub tag: TableColumn,
    /// The looked-up value `t·q` (function rows) or `t·key` (data rows).
    pub x: TableColumn,
    /// Its image `t·f(q)` or `t·value`.
    pub y: TableColumn,
}

/// The limb and high columns and, when the circuit reads functions or data, the tagged table.
#[derive(Clone, Copy, Debug)]
pub struct TableConfig {
    /// The limbs `v ∈ [0, 2^s)`.
    pub limb: TableColumn,
    /// The high limbs without their sign bit, `h ∈ [0, 2^(b-s-1))`.
    pub high: TableColumn,
    /// The tagged table; `None` in a circuit without function tables and data sections.
    pub tagged: Option<TaggedTable>,
}

impl TableConfig {
    /// Allocate the limb and high columns and, when `tagged`, the three columns of the tagged table; the
    /// chips add their lookups into them.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, tagged: bool) -> Self {
        Self {
            limb: meta.lookup_table_column(),
            high: meta.lookup_table_column(),
            tagged: tagged.then(|| TaggedTable {
                tag: meta.lookup_table_column(),
                x: meta.lookup_table_column(),
                y: meta.lookup_table_column(),
            }),
        }
    }

    /// On the rows `range` enables, constrain the high limb `hi` of a range check with `b` range bits
    /// and `s` scale bits to `[0, 2^(b-s))` and `sgn` to its top bit, `[hi ≥ H]` with `H = 2^(b-s-1)`:
    /// - gate `sign bit`: `sgn·(1 - sgn) = 0`, so `sgn ∈ {0, 1}`;
    /// - lookup `high limb`: `hi - sgn·H` is in the high column, `[0, H)`.
    ///
    /// Together `hi = sgn·H + h` with `h ∈ [0, H)`: `hi ∈ [0, 2H)` and `sgn = [hi ≥ H]`, exactly the
    /// pairs of the tuple `(1, hi, sgn)` this replaced. Without the gate `sgn = 2` would pass a high limb
    /// in `[2H, 3H)`, a value past the range.
    pub fn constrain_high(
        &self,
        meta: &mut ConstraintSystem<Fr>,
        range: Selector,
        (hi, sgn): (Column<Advice>, Column<Advice>),
        (range_bits, scale): (u32, u32),
    ) {
        let half = Expression::Constant(Fr::from(1u64 << (range_bits - scale - 1)));
        let one = Expression::Constant(Fr::one());
        meta.create_gate("sign bit", |meta| {
            let s = meta.query_selector(range);
            let sgn = meta.query_advice(sgn, Rotation::cur());
            vec![s * sgn.clone() * (one - sgn)]
        });
        meta.lookup("high limb", |meta| {
            let s = meta.query_selector(range);
            let hi = meta.query_advice(hi, Rotation::cur());
            let sgn = meta.query_advice(sgn, Rotation::cur());
            vec![(s * (hi - sgn * half), self.high)]
        });
    }

    /// Rows the tables occupy for range bits `b`, scale bits `s` (`b > s`), the function tables and the
    /// data sections: the tallest of the limb column, the high column and the tagged table (none
    /// without functions and data).
    pub fn rows(range_bits: u32, scale: u32, tables: &[FnTable], sections: &[Section]) -> usize {
        let entries = tables.iter().map(FnTable::rows).sum::<usize>()
            + sections.iter().map(Vec::len).sum::<usize>();
        let tagged = if tables.is_empty() && sections.is_empty() {
            0
        } else {
            1 + entries
        };
        let high = 1usize << range_bits.saturating_sub(scale + 1);
        tagged.max(high).max(1usize << scale)
    }

    /// Fill the tables. The limb and high columns start with `0` and the tagged table with `(0, 0, 0)`,
    /// which the padding rows repeat. Function table `i` gets tag `TAG_FIRST_FN + i`, data section `j`
    /// the tag after the last function table's plus `j`. Functions or data without the tagged table are
    /// a synthesis error.
    pub fn load(
        &self,
        layouter: &mut impl Layouter<Fr>,
        range_bits: u32,
        scale: u32,
        tables: &[FnTable],
        sections: &[Section],
    ) -> Result<(), Error> {
        let mut fill = |name: &str, col: TableColumn, n: u64| {
            layouter.assign_table(
                || name,
                |mut table| {
                    for v in 0..n {
                        table.assign_cell(
                            || name,
                            col,
                            v as usize,
                            || Value::known(Fr::from(v)),
                        )?;
                    }
                    Ok(())
                },
            )
        };
        fill("limb table", self.limb, 1 << scale)?;
        fill("high table", self.high, 1 << (range_bits - scale - 1))?;
        let Some(tagged) = self.tagged else {
            return if tables.is_empty() && sections.is_empty() {
                Ok(())
            } else {
                Err(Error::Synthesis)
            };
        };
        let zero = std::iter::once([Fr::from(TAG_ZERO), Fr::zero(), Fr::zero()]);
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
        let rows: Vec<[Fr; 3]> = zero.chain(functions).chain(data).collect();
        layouter.assign_table(
            || "function/data table",
            |mut table| {
                for (row, [tag, x, y]) in rows.iter().enumerate() {
                    table.assign_cell(|| "tag", tagged.tag, row, || Value::known(*tag))?;
                    table.assign_cell(|| "x", tagged.x, row, || Value::known(*x))?;
                    table.assign_cell(|| "y", tagged.y, row, || Value::known(*y))?;
                }
                Ok(())
            },
        )
    }
}

#[cfg(test)]
mod tests {
    //! The tables hold exactly what the lookups rely on: the limb column `[0, 2^s)` and nothing else, and
    //! [`TableConfig::constrain_high`] accepts exactly the high limbs `[0, 2^(b-s))` with their sign bit.
    use super::*;
    use crate::fixed_point::to_field;
    use halo2_proofs::circuit::SimpleFloorPlanner;
    use halo2_proofs::dev::{MockProver, VerifyFailure};
    use halo2_proofs::plonk::Circuit;

    const SCALE: u32 = 5;
    const RANGE_BITS: u32 = 8;
    /// `H = 2^(b-s-1)`: high limbs lie in `[0, 2H)`, the sign bit is `[hi ≥ H]`.
    const HALF: i64 = 1 << (RANGE_BITS - SCALE - 1);

    /// One row: `v` looked up in the limb column, `(hi, sgn)` constrained by `constrain_high` for `bits`
    /// range bits; `sgn` is a field element so that non-booleans can be tried.
    #[derive(Clone)]
    struct Probe {
        bits: u32,
        v: i64,
        high: (i64, i64),
    }

    impl Circuit<Fr> for Probe {
        type Config = (TableConfig, Selector, [Column<Advice>; 3], u32);
        type FloorPlanner = SimpleFloorPlanner;
        type Params = u32;

        fn without_witnesses(&self) -> Self {
            self.clone()
        }

        fn params(&self) -> u32 {
            self.bits
        }

        fn configure(meta: &mut ConstraintSystem<Fr>) -> Self::Config {
            Self::configure_with_params(meta, RANGE_BITS)
        }

        fn configure_with_params(meta: &mut ConstraintSystem<Fr>, bits: u32) -> Self::Config {
            let table = TableConfig::configure(meta, false);
            let s = meta.complex_selector();
            let cols = [(); 3].map(|_| meta.advice_column());
            meta.lookup("limb", |m| {
                let s = m.query_selector(s);
                vec![(s * m.query_advice(cols[0], Rotation::cur()), table.limb)]
            });
            table.constrain_high(meta, s, (cols[1], cols[2]), (bits, SCALE));
            (table, s, cols, bits)
        }

        fn synthesize(
            &self,
            (table, s, cols, bits): Self::Config,
            mut layouter: impl Layouter<Fr>,
        ) -> Result<(), Error> {
            table.load(&mut layouter, bits, SCALE, &[], &[])?;
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

    fn failures_at(bits: u32, v: i64, high: (i64, i64)) -> Vec<VerifyFailure> {
        MockProver::run(9, &Probe { bits, v, high }, vec![])
            .expect("synthesis")
            .verify()
            .err()
            .unwrap_or_default()
    }

    fn accepts(v: i64, high: (i64, i64)) -> bool {
        failures_at(RANGE_BITS, v, high).is_empty()
    }

    /// Whether the only failures are of the `sign bit` gate.
    fn only_the_sign_gate_fails(bits: u32, high: (i64, i64)) -> bool {
        let failed = failures_at(bits, 0, high);
        !failed.is_empty()
            && failed.iter().all(|f| {
                matches!(f, VerifyFailure::ConstraintNotSatisfied { constraint, .. }
                    if constraint.to_string().contains("sign bit"))
            })
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
        for hi in 0..2 * HALF {
            assert!(accepts(0, (hi, i64::from(hi >= HALF))), "high limb {hi}");
            assert!(
                !accepts(0, (hi, i64::from(hi < HALF))),
                "wrong sign of {hi}"
            );
        }
        for hi in [-1, 2 * HALF, 3 * HALF - 1, 1 << SCALE, 1 << 40] {
            for sgn in [0, 1] {
                assert!(
                    !accepts(0, (hi, sgn)),
                    "high limb {hi} (sign {sgn}) accepted"
                );
            }
        }
    }

    #[test]
    fn a_sign_that_is_not_a_bit_is_caught_by_the_gate() {
        // `hi - sgn·H` lands in the high column for these, so the lookup alone would pass them: a high
        // limb past the range with sign 2 or 3, and one below it with sign -1.
        for (hi, sgn) in [(2 * HALF, 2), (3 * HALF - 1, 2), (3 * HALF, 3), (-HALF, -1)] {
            assert!(
                only_the_sign_gate_fails(RANGE_BITS, (hi, sgn)),
                "({hi}, {sgn})"
            );
        }
    }

    #[test]
    fn with_one_high_bit_the_high_limb_is_the_sign() {
        // `b = s + 1`: `H = 1`, the high column is `{0}`, so `hi = sgn`.
        let bits = SCALE + 1;
        let accepts = |high| failures_at(bits, 0, high).is_empty();
        assert!(accepts((0, 0)) && accepts((1, 1)));
        for high in [(1, 0), (0, 1), (2, 1), (-1, 0)] {
            assert!(!accepts(high), "{high:?} accepted");
        }
        assert!(only_the_sign_gate_fails(bits, (2, 2)));
    }

    #[test]
    fn functions_without_the_tagged_table_are_refused() {
        use halo2_proofs::dev::MockProver;
        #[derive(Clone, Default)]
        struct Untagged;
        impl Circuit<Fr> for Untagged {
            type Config = TableConfig;
            type FloorPlanner = SimpleFloorPlanner;
            type Params = ();
            fn without_witnesses(&self) -> Self {
                Self
            }
            fn configure(meta: &mut ConstraintSystem<Fr>) -> TableConfig {
                TableConfig::configure(meta, false)
            }
            fn synthesize(&self, t: TableConfig, mut l: impl Layouter<Fr>) -> Result<(), Error> {
                t.load(&mut l, RANGE_BITS, SCALE, &[], &[vec![(0, 1)]])
            }
        }
        assert!(MockProver::run(9, &Untagged, vec![]).is_err());
    }
}
