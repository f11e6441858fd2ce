//! Laying out a max over raw accumulators ([`RawSum`]) on the requant rows' `raw sum` gate
//! ([`crate::chips::raw_rows`]) when the circuit has it: one requant row per element, its sum taken
//! from copies of the operands (and the shared zero cell), no MAC row.

use super::{ModelCircuit, ModelConfig};
use crate::chips::requant::RescaleRow;
use crate::chips::requant_rows::RequantRows;
use crate::chips::Wire;
use crate::error::{CircuitError, Result};
use crate::fixed_point::half;
use crate::ops::{Activation, RawSum};
use crate::{Fr, OpKind};
use halo2_proofs::circuit::Region;

impl ModelCircuit {
    /// `op` when it is a [`RawSum`] this circuit lays out on requant rows (with the gate, and of a
    /// pattern `a - b + c` it covers), else `None` (the MAC chip lays it out).
    pub(super) fn raw_rows_of<'a>(&self, op: &'a OpKind) -> Option<&'a RawSum> {
        match op {
            OpKind::RawSum(r) if self.params.raw_rows && r.sum_slots().is_some() => Some(r),
            _ => None,
        }
    }

    /// Node `n`, the raw sum `op` of `operands`: one requant row per element with `z = a - b + c`
    /// (`zero` where the pattern has no operand). Returns the output wires.
    pub(super) fn lay_out_raw_sum(
        &self,
        config: &ModelConfig,
        region: &mut Region<'_, Fr>,
        (n, op): (usize, &RawSum),
        operands: &[&[Wire]],
        (zero, requant): (Wire, &mut RequantRows),
    ) -> Result<Vec<Wire>> {
        let node = &self.graph.nodes[n];
        let slots = op.sum_slots().ok_or_else(|| {
            CircuitError::Graph(format!("node '{}': signs {:?}", node.name, op.signs))
        })?;
        let tamper = self.tamper.filter(|t| t.node == n);
        let rounding = match op.act {
            // A raw relu divides without the rounding half (requant's docs).
            Activation::RawRelu => 0,
            _ => half(self.params.scale),
        };
        let mut out = Vec::with_capacity(op.bias.len());
        for (i, bias) in op.bias.iter().enumerate() {
            let wire = |slot: Option<usize>| slot.map_or(zero, |k| operands[k][i]);
            let [a, b, c] = slots.map(wire);
            let off = bias
                .checked_add(rounding)
                .ok_or_else(|| CircuitError::Overflow {
                    layer: node.name.clone(),
                })?;
            let row = RescaleRow {
                off,
                act: op.act,
                fn_tag: 0,
                extra: 0,
                fine: 0,
            };
            let t = tamper.filter(|t| t.index == i).map(|t| t.tamper);
            let (set, at) = requant.single_in(false);
            let synth = |e: halo2_proofs::plonk::Error| CircuitError::Synthesis(e.to_string());
            let set = config.requant_set(set).map_err(synth)?;
            out.push(
                set.assign_raw_sum(region, at, [&a, &b, &c], row, t)
                    .map_err(synth)?,
            );
        }
        Ok(out)
    }
}
