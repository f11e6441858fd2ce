//! Raw sums on the requant row itself: the steps and ends of a max over raw accumulators
//! ([`crate::ops::RawSum`]) take their sum `z = a - b + c` from three copied cells of the row instead
//! of a MAC row. Gate `raw sum`: `s·(z - a + b - c) = 0`, with `a`, `b`, `c` copy-constrained to the
//! operands (the circuit's zero cell where a pattern has fewer: a first step `t_0 - t_1` has `c = 0`,
//! an end `t + e` has `b = 0`). The row's rescale, range check and activation then treat `z` as they
//! treat a MAC accumulator's copy.
//!
//! A pool step reads three operands, each from a different tap or step: on the MAC chip two of them
//! fit a row of 8 lanes (`k - 1` steps of a `k`-tap window take `(k - 1)·3/8` rows or more per output),
//! here none do. Three more advice columns per requant set: the settings search weighs them
//! (`CircuitParams::raw_rows`).

use super::requant::{RequantConfig, RescaleRow, Tamper};
use super::Wire;
use crate::Fr;
use halo2_proofs::circuit::{Region, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Error, Selector};
use halo2_proofs::poly::Rotation;

/// The three operand columns and the selector of the `raw sum` gate over a requant set's `z`.
#[derive(Clone, Copy, Debug)]
pub struct RawSumGate {
    /// Advice, copied: the operand added (`a`), subtracted (`b`) and added (`c`).
    pub operands: [Column<Advice>; 3],
    /// Enables `z = a - b + c`.
    pub selector: Selector,
}

impl RawSumGate {
    /// Allocate the operand columns (equality-enabled) and create the gate over the requant set's `z`.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, z: Column<Advice>) -> Self {
        let operands = [(); 3].map(|_| meta.advice_column());
        for c in operands {
            meta.enable_equality(c);
        }
        let selector = meta.selector();
        meta.create_gate("raw sum", |meta| {
            let s = meta.query_selector(selector);
            let [a, b, c] = operands.map(|c| meta.query_advice(c, Rotation::cur()));
            let z = meta.query_advice(z, Rotation::cur());
            vec![s * (z - a + b - c)]
        });
        Self { operands, selector }
    }
}

impl RequantConfig {
    /// Assign requant row `at` of this set as the raw sum `a - b + c` of `operands` (copied), then
    /// rescaled and activated as `row` says. Returns the output wire. `Tamper::Accumulator` makes `z`
    /// one more than the sum (the rest of the row consistent with it): the gate must reject it.
    pub fn assign_raw_sum(
        &self,
        region: &mut Region<'_, Fr>,
        at: usize,
        operands: [&Wire; 3],
        row: RescaleRow,
        tamper: Option<Tamper>,
    ) -> Result<Wire, Error> {
        // Without the gate the row's sum would be unconstrained.
        let gate = self.raw_sum.ok_or(Error::Synthesis)?;
        gate.selector.enable(region, at)?;
        for (column, wire) in gate.operands.iter().zip(operands) {
            let copy = region.assign_advice(*column, at, wire.field());
            region.constrain_equal(copy.cell(), wire.cell);
        }
        let [a, b, c] = operands.map(|w| w.value);
        let corrupt = i64::from(tamper == Some(Tamper::Accumulator));
        let z = match (a, b, c) {
            (Some(a), Some(b), Some(c)) => {
                // The oracle refuses a sum past i64 before any witness is built; never wrap here.
                let z = a.checked_sub(b).and_then(|v| v.checked_add(c));
                Some(z.ok_or(Error::Synthesis)? + corrupt)
            }
            _ => None,
        };
        region.assign_advice(
            self.z,
            at,
            z.map_or(Value::unknown(), |z| {
                Value::known(crate::fixed_point::to_field(z))
            }),
        );
        self.rescale_row(region, at, z, row, tamper)
    }
}
