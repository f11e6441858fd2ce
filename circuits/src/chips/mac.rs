//! Packed multiply-accumulate: per enabled row, for every output lane `m`,
//! `acc_m = chain · acc_m[prev] + Σ_c x_c · w_{m,c}`
//! with `x_c` advice (copies of activations), `w_{m,c}` and `chain` fixed. One row does
//! `lanes_in x lanes_out` multiplications (times the lanes per accumulator when the block is packed, see
//! [`super::packing`]); a dot product of length `n` takes `ceil(n / lanes_in)` rows.

use super::packing::{pack, Packing};
use super::Wire;
use crate::fixed_point::to_field;
use crate::ops::AffineGroup;
use crate::Fr;
use halo2_proofs::circuit::{Cell, Region, Value};
use halo2_proofs::halo2curves::ff::Field;
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

    /// Assign one block of a group from `row`: copies of `inputs` (the block's slots), the (packed)
    /// weights, the accumulators, and with packing the unpack rows (see [`super::packing`]).
    /// Returns the block's neuron wires and the rows it took; a packed block's last accumulators are
    /// copy-constrained to `zero`, which it needs.
    pub fn assign(
        &self,
        region: &mut Region<'_, Fr>,
        row: usize,
        inputs: &[Wire],
        block: MacBlock<'_>,
        witness: Option<&MacWitness>,
        zero: Option<Cell>,
    ) -> Result<(Vec<Wire>, usize), halo2_proofs::plonk::Error> {
        let MacBlock {
            group,
            first,
            count,
            slots,
            packing,
            tamper,
        } = block;
        let lanes_in = self.lanes_in();
        let per = packing.lanes_of_block(count, self.acc.len());
        let shift = Fr::from(2).pow([u64::from(packing.bits)]);
        let powers: Vec<Fr> = std::iter::successors(Some(Fr::one()), |p| Some(*p * shift))
            .take(per)
            .collect();
        let columns = count.div_ceil(per);
        let lanes = |m: usize| m * per..((m + 1) * per).min(count);
        let n_rows = Self::rows_for(inputs.len(), lanes_in);
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
                for m in 0..columns {
                    let w = pack(
                        lanes(m).map(|i| group.weight(first + i, slots[slot])),
                        packing.bits,
                    );
                    if w != Fr::zero() {
                        region.assign_fixed(self.w[m][c], r, w);
                    }
                }
            }
        }
        // The neurons' values: the last row's accumulators, with a test's corruption.
        let finals: Option<Vec<i64>> = witness.map(|w| {
            let mut v = w.rows[n_rows - 1].clone();
            tamper.apply(&mut v, per, packing.bits);
            v
        });
        let acc_value = |t: usize, m: usize| -> Value<Fr> {
            match witness {
                Some(w) if per == 1 => Value::known(to_field(if t + 1 == n_rows {
                    finals.as_ref().map_or(0, |f| f[m])
                } else {
                    w.rows[t][m]
                })),
                Some(w) => Value::known(pack(lanes(m).map(|i| w.rows[t][i]), packing.bits)),
                None => Value::unknown(),
            }
        };
        let mut last = Vec::with_capacity(count);
        for t in 0..n_rows {
            for m in 0..columns {
                let cell = region.assign_advice(self.acc[m], row + t, acc_value(t, m));
                if per == 1 && t + 1 == n_rows {
                    last.push(Wire {
                        cell: cell.cell(),
                        value: finals.as_ref().map(|f| f[m]),
                    });
                }
            }
        }
        if per == 1 {
            return Ok((last, n_rows));
        }
        let zero = zero.ok_or(halo2_proofs::plonk::Error::Synthesis)?;
        let unpack = UnpackRows {
            first_row: row + n_rows,
            count,
            per,
            powers: &powers,
        };
        let packed: Vec<Value<Fr>> = (0..columns).map(|m| acc_value(n_rows - 1, m)).collect();
        let wires = self.unpack(region, unpack, &packed, finals.as_deref(), zero)?;
        let lanes_out = self.acc.len();
        Ok((
            wires,
            n_rows + packing.unpack_rows(count, (lanes_in, lanes_out)),
        ))
    }

    /// The unpack rows of a packed block: lane `i` (column `i / per`, lane `i % per`) in `x` column
    /// `i mod lanes_in` of row `i / lanes_in`, with the fixed coefficient `-2^(B·lane)`; each row's
    /// accumulators are the previous row's minus the lanes it holds, and the last row's are copied to
    /// `zero`. `packed` holds the accumulators the unpacking starts from.
    fn unpack(
        &self,
        region: &mut Region<'_, Fr>,
        rows: UnpackRows<'_>,
        packed: &[Value<Fr>],
        finals: Option<&[i64]>,
        zero: Cell,
    ) -> Result<Vec<Wire>, halo2_proofs::plonk::Error> {
        let UnpackRows {
            first_row,
            count,
            per,
            powers,
        } = rows;
        let lanes_in = self.lanes_in();
        let mut remaining = packed.to_vec();
        let mut wires = Vec::with_capacity(count);
        let n_rows = count.div_ceil(lanes_in);
        for u in 0..n_rows {
            let r = first_row + u;
            self.enable.enable(region, r)?;
            region.assign_fixed(self.chain, r, Fr::one());
            for (c, i) in (u * lanes_in..((u + 1) * lanes_in).min(count)).enumerate() {
                let (m, j) = (i / per, i % per);
                let value = finals.map(|f| f[i]);
                let cell = region.assign_advice(self.x[c], r, super::field_value(value));
                region.assign_fixed(self.w[m][c], r, -powers[j]);
                remaining[m] = remaining[m] - super::field_value(value) * Value::known(powers[j]);
                wires.push(Wire {
                    cell: cell.cell(),
                    value,
                });
            }
            for (m, v) in remaining.iter().enumerate() {
                let cell = region.assign_advice(self.acc[m], r, *v);
                if u + 1 == n_rows {
                    region.constrain_equal(cell.cell(), zero);
                }
            }
        }
        Ok(wires)
    }
}

/// Where a packed block's unpack rows go and how its lanes are spaced.
struct UnpackRows<'a> {
    first_row: usize,
    count: usize,
    per: usize,
    powers: &'a [Fr],
}

/// The neurons `first..first + count` of `group`, laid out as one MAC block with `packing`.
#[derive(Clone, Copy, Debug)]
pub struct MacBlock<'a> {
    /// The group the neurons belong to.
    pub group: &'a AffineGroup,
    /// The block's first neuron.
    pub first: usize,
    /// Neurons in the block.
    pub count: usize,
    /// The group slot of each of the block's inputs (`inputs[k]` is slot `slots[k]` of the group).
    pub slots: &'a [usize],
    /// How the block shares accumulators.
    pub packing: Packing,
    /// A corruption for soundness tests ([`MacTamper::None`] otherwise).
    pub tamper: MacTamper,
}

/// Deliberate corruption of a block's neuron values (tests): each must make the circuit unsatisfied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacTamper {
    /// Honest.
    None,
    /// The block's neuron `i` (local index) gets `+1`: on a plain block the MAC gate of its last row must
    /// catch it; on a packed block the unpack rows follow the wrong lane, so the copy of the last
    /// accumulator to the zero cell must.
    Accumulator(usize),
    /// A carry between lanes: neuron `i`'s lane gets `+2^B` and the next lane of its column `-1` (or, on
    /// a column's last lane, the lane below gets `+2^B` and neuron `i`'s `-1`), so the packed sum is
    /// unchanged: the requant row of the `+2^B` lane must catch it. Nothing on an unpacked block or a
    /// column of one lane.
    LaneCarry(usize),
}

impl MacTamper {
    fn apply(self, values: &mut [i64], per: usize, bits: u32) {
        match self {
            MacTamper::None => {}
            MacTamper::Accumulator(i) => {
                if let Some(v) = values.get_mut(i) {
                    *v += 1;
                }
            }
            MacTamper::LaneCarry(i) if per > 1 && i < values.len() && bits < 62 => {
                // The lanes of neuron `i`'s column; a column of one lane has no neighbour.
                let (start, end) = (i / per * per, (i / per * per + per).min(values.len()));
                let (up, down) = if i + 1 < end {
                    (i, i + 1)
                } else if i > start {
                    (i - 1, i)
                } else {
                    return;
                };
                values[up] += 1i64 << bits;
                values[down] -= 1;
            }
            MacTamper::LaneCarry(_) => {}
        }
    }
}
