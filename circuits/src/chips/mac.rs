//! Packed multiply-accumulate: per enabled row, for every output lane `m`,
//! `acc_m = chain · acc_m[prev] + Σ_c x_c · w_{m,c}`
//! with `x_c` advice (copies of activations), `w_{m,c}` and `chain` fixed. One row does
//! `lanes_in x lanes_out` multiplications; a dot product of length `n` takes `ceil(n / lanes_in)` rows.

use super::Wire;
use crate::fixed_point::to_field;
use crate::ops::AffineGroup;
use crate::Fr;
use halo2_proofs::circuit::{Region, Value};
use halo2_proofs::plonk::{Advice, Column, ConstraintSystem, Expression, Fixed, Selector};
use halo2_proofs::poly::Rotation;

/// The MAC chip's columns and its `mac` gate (one constraint per output lane).
#[derive(Clone, Debug)]
pub struct MacConfig {
    /// `lanes_in` advice columns of inputs `x_c`, copy-constrained to the activations they read.
    pub x: Vec<Column<Advice>>,
    /// `lanes_out` advice columns of running accumulators `acc_m`; equality-enabled, so the final row's
    /// cells are copied into the requant chip.
    pub acc: Vec<Column<Advice>>,
    /// `w[m][c]`.
    /// `lanes_out x lanes_in` fixed columns: the weight multiplying `x_c` into lane `m` (0 where unassigned).
    pub w: Vec<Vec<Column<Fixed>>>,
    /// Fixed `1` on the continuation rows of a block (add the previous row's `acc`), `0` on its first row.
    pub chain: Column<Fixed>,
    /// Turns on the `mac` gate `acc_m = chain·acc_m[prev] + Σ_c x_c·w_{m,c}` for every lane `m`.
    pub enable: Selector,
}

/// The witness of one MAC block: per row, the running accumulators of every lane.
pub struct MacWitness {
    /// `rows[t][m]`: neuron `m`'s accumulator after block row `t` (the last row holds the dot product).
    pub rows: Vec<Vec<i64>>,
}

impl MacConfig {
    /// Allocate `lanes_in` input and `lanes_out` accumulator advice columns, the `lanes_out x lanes_in`
    /// fixed weight columns, `chain` and the selector, and create the `mac` gate.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, lanes_in: usize, lanes_out: usize) -> Self {
        let x: Vec<_> = (0..lanes_in).map(|_| meta.advice_column()).collect();
        let acc: Vec<_> = (0..lanes_out).map(|_| meta.advice_column()).collect();
        let w: Vec<Vec<_>> = (0..lanes_out)
            .map(|_| (0..lanes_in).map(|_| meta.fixed_column()).collect())
            .collect();
        let chain = meta.fixed_column();
        let enable = meta.selector();
        for c in x.iter().chain(&acc) {
            meta.enable_equality(*c);
        }
        meta.create_gate("mac", |meta| {
            let s = meta.query_selector(enable);
            let chain = meta.query_fixed(chain, Rotation::cur());
            let xs: Vec<_> = x
                .iter()
                .map(|c| meta.query_advice(*c, Rotation::cur()))
                .collect();
            (0..lanes_out)
                .map(|m| {
                    let cur = meta.query_advice(acc[m], Rotation::cur());
                    let prev = meta.query_advice(acc[m], Rotation::prev());
                    let dot = xs.iter().enumerate().fold(
                        Expression::Constant(Fr::zero()),
                        |sum, (c, xc)| {
                            sum + xc.clone() * meta.query_fixed(w[m][c], Rotation::cur())
                        },
                    );
                    s.clone() * (cur - chain.clone() * prev - dot)
                })
                .collect::<Vec<_>>()
        });
        Self {
            x,
            acc,
            w,
            chain,
            enable,
        }
    }

    /// Inputs consumed per row (the number of `x` columns).
    pub fn lanes_in(&self) -> usize {
        self.x.len()
    }

    /// Rows a block with `slots` inputs takes.
    pub fn rows_for(slots: usize, lanes_in: usize) -> usize {
        slots.div_ceil(lanes_in).max(1)
    }

    /// The running accumulators of a block (computed off the layouter, so blocks can be done in parallel).
    /// `weight(m, slot)` gives the weights; `inputs` the slot values.
    pub fn witness(
        lanes_in: usize,
        neurons: usize,
        inputs: &[i64],
        weight: impl Fn(usize, usize) -> i64,
    ) -> Option<MacWitness> {
        let mut acc = vec![0i128; neurons];
        let mut rows = Vec::with_capacity(Self::rows_for(inputs.len(), lanes_in));
        for (t, chunk) in inputs.chunks(lanes_in.max(1)).enumerate() {
            for (m, a) in acc.iter_mut().enumerate() {
                for (c, x) in chunk.iter().enumerate() {
                    *a += i128::from(*x) * i128::from(weight(m, t * lanes_in + c));
                }
            }
            rows.push(
                acc.iter()
                    .map(|a| i64::try_from(*a).ok())
                    .collect::<Option<Vec<_>>>()?,
            );
        }
        if rows.is_empty() {
            rows.push(vec![0; neurons]);
        }
        Some(MacWitness { rows })
    }

    /// Assign one block of `group` starting at `row`: copies of `inputs` (the group's slots), the weights,
    /// the accumulators.
    /// Returns the final accumulator wire of every neuron. `tamper` (tests only) adds 1 to one neuron's
    /// final accumulator.
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        inputs: &[Wire],
        group: &AffineGroup,
        witness: Option<&MacWitness>,
        tamper: Option<usize>,
    ) -> Result<Vec<Wire>, halo2_proofs::plonk::Error> {
        let lanes_in = self.lanes_in();
        let neurons = group.neurons();
        let n_rows = Self::rows_for(inputs.len(), lanes_in);
        let mut last = Vec::new();
        for t in 0..n_rows {
            let r = row + t;
            self.enable.enable(region, r)?;
            if t > 0 {
                region.assign_fixed(self.chain, r, Fr::one());
            }
            for c in 0..lanes_in {
                let slot = t * lanes_in + c;
                let Some(input) = inputs.get(slot) else { break };
                let cell = region.assign_advice(self.x[c], r, input.field());
                region.constrain_equal(cell.cell(), input.cell);
                for m in 0..neurons {
                    let w = group.weight(m, slot);
                    if w != 0 {
                        region.assign_fixed(self.w[m][c], r, to_field(w));
                    }
                }
            }
            last.clear();
            for m in 0..neurons {
                let corrupt = i64::from(tamper == Some(m) && t + 1 == n_rows);
                let value = witness.map(|w| w.rows[t][m] + corrupt);
                let v = match value {
                    Some(v) => Value::known(to_field(v)),
                    None => Value::unknown(),
                };
                let cell = region.assign_advice(self.acc[m], r, v);
                last.push(Wire {
                    cell: cell.cell(),
                    value,
                });
            }
        }
        Ok(last)
    }
}
