//! Laying out an affine node: its groups' MAC blocks (packed where [`Packing`] allows) and one requant
//! row per neuron.

use super::{ModelCircuit, ModelConfig};
use crate::chips::mac::{MacBlock, MacConfig, MacTamper, MacWitness};
use crate::chips::packing::{Block, Packing};
use crate::chips::requant::{RescaleRow, Tamper};
use crate::chips::requant_rows::RequantRows;
use crate::chips::table::TAG_FIRST_FN;
use crate::chips::Wire;
use crate::error::{CircuitError, Result};
use crate::fixed_point::half;
use crate::ops::{Activation, AffineGroup};
use crate::Fr;
use halo2_proofs::circuit::Region;
use halo2_proofs::plonk::Error;
use rayon::prelude::*;

/// The layout's cursors an affine node advances: the next MAC and requant rows, and the shared zero
/// cell (made on first use).
pub(super) struct Rows<'a> {
    pub mac: &'a mut usize,
    pub requant: &'a mut RequantRows,
    pub zero: &'a mut Option<Wire>,
    /// [`crate::CircuitParams::activation_bound`] of the graph being laid out.
    pub x_bound: u128,
}

impl ModelCircuit {
    /// Node `n`'s `groups` (output of `len` elements) over `operands`: returns the output wires.
    pub(super) fn lay_out_affine(
        &self,
        config: &ModelConfig,
        region: &mut Region<'_, Fr>,
        (n, groups, len): (usize, &[AffineGroup], usize),
        operands: &[&[Wire]],
        rows: &mut Rows<'_>,
    ) -> Result<Vec<Wire>> {
        let node = &self.graph.nodes[n];
        let synth = |e: Error| CircuitError::Synthesis(e.to_string());
        let tables = self.graph.tables();
        let tamper = self.tamper.filter(|t| t.node == n);
        let x_bound = rows.x_bound;
        let mut out = vec![None; len];
        let plans = self.plan_groups(groups, operands, x_bound, &node.name)?;
        for (g, (packing, blocks)) in groups.iter().zip(&plans) {
            let fn_tag = self.fn_tag(g.act, &tables, &node.name)?;
            let lanes = (self.params.lanes_in, self.params.lanes_out);
            let zero = if packing.layout_rows(g, self.params.pack, lanes).1 {
                Some(self.zero(config, region, rows)?.cell)
            } else {
                None
            };
            // The tampered neuron, as an index into the group.
            let target = tamper.and_then(|t| g.outputs.iter().position(|o| *o == t.index));
            for (b, witness) in blocks {
                let (first, count) = (b.first, b.count);
                let local = target.filter(|m| (first..first + count).contains(m));
                let block = MacBlock {
                    group: g,
                    first,
                    count,
                    slots: &b.slots,
                    packing: *packing,
                    tamper: match (tamper.map(|t| t.tamper), local) {
                        (Some(Tamper::Accumulator), Some(m)) => MacTamper::Accumulator(m - first),
                        (Some(Tamper::LaneCarry), Some(m)) => MacTamper::LaneCarry(m - first),
                        _ => MacTamper::None,
                    },
                };
                let inputs: Vec<Wire> = b
                    .slots
                    .iter()
                    .map(|s| {
                        let (op, i) = g.slots[*s];
                        operands[op][i]
                    })
                    .collect();
                let (accs, used) = config
                    .mac
                    .assign(region, *rows.mac, &inputs, block, witness.as_ref(), zero)
                    .map_err(synth)?;
                *rows.mac += used;
                for (i, acc) in accs.iter().enumerate() {
                    let m = first + i;
                    let index = g.outputs[m];
                    if g.exact {
                        // The accumulator is the output ([`AffineGroup::exact`]): no bias to add, no
                        // rescale, no activation.
                        if g.bias[m] != 0
                            || g.extra != 0
                            || g.fine != 0
                            || g.act != Activation::None
                        {
                            return Err(CircuitError::Graph(format!(
                                "node '{}': an exact sum with a bias, extra bits or an activation",
                                node.name
                            )));
                        }
                        out[index] = Some(*acc);
                        continue;
                    }
                    let t = tamper.filter(|t| t.index == index).map(|t| t.tamper);
                    let neuron = (g.bias[m], g.act, (g.extra, g.fine), fn_tag);
                    out[index] = Some(self.rescale(
                        config,
                        region,
                        (acc, t),
                        neuron,
                        rows.requant,
                        &node.name,
                    )?);
                }
            }
        }
        out.into_iter()
            .enumerate()
            .map(|(i, w)| {
                w.ok_or_else(|| {
                    CircuitError::Graph(format!("node '{}': output {i} not laid out", node.name))
                })
            })
            .collect()
    }

    /// The function-table tag of `act` (0 without a table).
    pub(super) fn fn_tag(
        &self,
        act: Activation,
        tables: &[crate::functions::FnTable],
        layer: &str,
    ) -> Result<u64> {
        match act.table() {
            None => Ok(0),
            Some(t) => tables
                .iter()
                .position(|u| *u == t)
                .map(|i| TAG_FIRST_FN + i as u64)
                .ok_or_else(|| {
                    CircuitError::Graph(format!("node '{layer}': function table not registered"))
                }),
        }
    }

    /// The requant row of one neuron of `layer`: `act(rescale(acc + bias))` with `(bias, act, (extra,
    /// fine), fn_tag)` (`t`: a corruption of that row), on the next row of a set that has the lookups it
    /// needs.
    pub(super) fn rescale(
        &self,
        config: &ModelConfig,
        region: &mut Region<'_, Fr>,
        (acc, t): (&Wire, Option<Tamper>),
        (bias, act, (extra, fine), fn_tag): (i64, Activation, (u32, u32), u64),
        requant: &mut RequantRows,
        layer: &str,
    ) -> Result<Wire> {
        let synth = |e: Error| CircuitError::Synthesis(e.to_string());
        // A strict step's row rescales `q - 1` (requant's module docs).
        let shift = self.params.scale + extra + fine;
        let strict = i64::from(act == Activation::Step { strict: true }) << shift;
        // A raw relu divides without the rounding half, so its sign is the sum's (requant's docs).
        let rounding = if act == Activation::RawRelu {
            0
        } else {
            half(shift)
        };
        let off = bias
            .checked_add(rounding - strict)
            .ok_or_else(|| CircuitError::Overflow {
                layer: layer.to_string(),
            })?;
        let row = RescaleRow {
            off,
            act,
            fn_tag,
            extra,
            fine,
        };
        let first_only = act.table().is_some() || extra > 0;
        let (set, at) = requant.single_in(first_only);
        config
            .requant_set(set)
            .map_err(synth)?
            .assign_rescale(region, at, acc, row, t)
            .map_err(synth)
    }

    /// The shared zero cell, made on first use.
    fn zero(
        &self,
        config: &ModelConfig,
        region: &mut Region<'_, Fr>,
        rows: &mut Rows<'_>,
    ) -> Result<Wire> {
        if let Some(z) = rows.zero {
            return Ok(*z);
        }
        let z = self
            .zero_wire(config, region, rows.mac)
            .map_err(|e| CircuitError::Synthesis(e.to_string()))?;
        Ok(*rows.zero.insert(z))
    }

    /// Every group's packing and MAC blocks, with each block's witness (none during keygen), in parallel.
    fn plan_groups(
        &self,
        groups: &[AffineGroup],
        operands: &[&[Wire]],
        x_bound: u128,
        layer: &str,
    ) -> Result<Vec<GroupPlan>> {
        let (pack, lanes_in, lanes_out) = (
            self.params.pack,
            self.params.lanes_in,
            self.params.lanes_out,
        );
        groups
            .par_iter()
            .map(|g| {
                let packing = self.params.packing_of(g, x_bound);
                let blocks = packing.blocks(g, pack, lanes_out);
                let mut planned = Vec::with_capacity(blocks.len());
                for b in blocks {
                    let witness = match self.inputs {
                        None => None,
                        Some(_) => Some(block_witness(g, &b, operands, lanes_in, layer)?),
                    };
                    planned.push((b, witness));
                }
                Ok((packing, planned))
            })
            .collect()
    }
}

/// A group's packing and its blocks with their witnesses.
type GroupPlan = (Packing, Vec<(Block, Option<MacWitness>)>);

/// The running accumulators of block `b` of group `g`.
fn block_witness(
    g: &AffineGroup,
    b: &Block,
    operands: &[&[Wire]],
    lanes_in: usize,
    layer: &str,
) -> Result<MacWitness> {
    let values: Option<Vec<i64>> = b
        .slots
        .iter()
        .map(|s| {
            let (op, i) = g.slots[*s];
            operands[op][i].value
        })
        .collect();
    let values = values
        .ok_or_else(|| CircuitError::Graph(format!("layer '{layer}': operand not computed")))?;
    MacConfig::witness(lanes_in, b.count, &values, |m, k| {
        g.weight(b.first + m, b.slots[k])
    })
    .ok_or_else(|| CircuitError::Overflow {
        layer: layer.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use crate::chips::requant::Tamper;
    use crate::circuit::{CircuitParams, TamperAt};
    use crate::ops::Dense;
    use crate::tensor::QTensor;
    use crate::testing::{mock_run, single_op_graph};
    use crate::{Activation, Cost, OpKind, QuantizedGraph};

    const N_OUT: usize = 7;

    /// Dense 5 -> 7 at scale 7, weights of both signs up to ±1.5, inputs up to ±3.
    fn dense() -> (QuantizedGraph, Vec<QTensor>) {
        let n_in = 5;
        let weights = (0..n_in * N_OUT)
            .map(|i| (i as i64 * 29 % 23 - 11) * 17)
            .collect();
        let bias = (0..N_OUT).map(|j| (j as i64 - 3) * 900).collect();
        let op = OpKind::Dense(Dense {
            n_in,
            n_out: N_OUT,
            weights,
            bias,
            act: Activation::None,
            weight_bits: 0,
        });
        let graph = single_op_graph(op, &[vec![1, n_in]], 7, 12);
        let x: Vec<f64> = (0..n_in).map(|i| i as f64 * 1.5 - 3.0).collect();
        let input = QTensor::from_f64(vec![1, n_in], &x, 7).expect("shape");
        (graph, vec![input])
    }

    /// Every lane of every packed shape is pinned: honest witnesses pass with exactly the predicted
    /// rows, a neuron's value `+1` is rejected, and a carry between neighbouring lanes (the packed sum
    /// unchanged) is rejected by the range lookups of the lane that gained `2^B`.
    #[test]
    fn packed_lanes_are_each_pinned() {
        let (graph, inputs) = dense();
        // One unpack row of several columns, three unpack rows of one column, uneven columns.
        for (lanes_in, lanes_out, pack) in [(8, 2, 4), (2, 1, 4), (4, 2, 8)] {
            let params = CircuitParams {
                lanes_in,
                lanes_out,
                pack,
                scale: 7,
                range_bits: 12,
                ..CircuitParams::default()
            }
            .for_graph(&graph);
            let cost = Cost::of(&graph, &params).expect("cost");
            let plain = CircuitParams { pack: 1, ..params };
            assert!(cost.mac_rows < Cost::of(&graph, &plain).expect("cost").mac_rows);
            let used = crate::testing::honest_rows(graph.clone(), inputs.clone(), params);
            assert_eq!(cost.mac_rows, used.mac, "{params:?}");
            let per = N_OUT.div_ceil(lanes_out).min(pack);
            for index in 0..N_OUT {
                let node = 1;
                let run = |tamper| {
                    let at = TamperAt {
                        node,
                        index,
                        tamper,
                    };
                    mock_run(graph.clone(), inputs.clone(), params, false, Some(at)).0
                };
                let wrong = run(Tamper::Accumulator);
                assert!(!wrong.is_empty(), "{params:?}: +1 at {index} accepted");
                let column = index / per * per..(index / per * per + per).min(N_OUT);
                if column.len() > 1 {
                    let carried = run(Tamper::LaneCarry);
                    assert!(
                        carried.iter().any(|f| f.contains("limb")),
                        "{params:?}: carry at {index}: {carried:?}"
                    );
                }
            }
        }
    }

    /// With two or four requant sets, plain rows rotate through them, the height divides, and every
    /// output's row, in any set, rejects a wrong quotient, a wrong sign and a wrong high limb.
    #[test]
    fn more_requant_sets_pin_every_row() {
        let (graph, inputs) = dense();
        let one = CircuitParams {
            lanes_in: 8,
            lanes_out: 2,
            pack: 4,
            scale: 7,
            range_bits: 12,
            ..CircuitParams::default()
        }
        .for_graph(&graph);
        // 5 input rows and 7 rescale rows: 12 in one set, 6 in each of two, 3 in each of four.
        for (sets, height) in [(1, 12), (2, 6), (4, 3)] {
            let params = CircuitParams {
                requant_sets: sets,
                ..one
            };
            let cost = Cost::of(&graph, &params).expect("cost");
            assert_eq!(cost.requant_rows, height, "{sets} sets");
            let used = crate::testing::honest_rows(graph.clone(), inputs.clone(), params);
            assert_eq!(used.requant, height, "{sets} sets");
            if sets == 1 {
                continue;
            }
            for index in 0..N_OUT {
                for (tamper, expect) in [
                    (Tamper::Quotient, "remainder"),
                    (Tamper::Sign, "high limb"),
                    (Tamper::HighLimb, "low limb"),
                ] {
                    let at = TamperAt {
                        node: 1,
                        index,
                        tamper,
                    };
                    let failures =
                        mock_run(graph.clone(), inputs.clone(), params, false, Some(at)).0;
                    assert!(
                        failures.iter().any(|f| f.contains(expect)),
                        "{tamper:?} at {index} with {sets} sets: {failures:?}"
                    );
                }
            }
        }
    }

    /// Only the first requant set reads the function table and the wide limbs: each further set adds
    /// the three range lookups, and the rows that need the others stay in the first set.
    #[test]
    fn further_sets_have_only_the_range_lookups() {
        let base = CircuitParams {
            function_tables: true,
            coef_bits: 3,
            ..CircuitParams::default()
        };
        let lookups = |sets| {
            CircuitParams {
                requant_sets: sets,
                ..base
            }
            .columns()
            .2
        };
        // remainder, wide limb, low limb, high limb, function; then three per set.
        assert_eq!((lookups(1), lookups(2), lookups(4)), (5, 8, 14));
        let mut rows = crate::chips::requant_rows::RequantRows::new(3);
        let table = crate::ops::AffineGroup {
            slots: vec![(0, 0)],
            weights: vec![1],
            bias: vec![0],
            extra: 0,
            act: crate::Activation::Table(crate::FnTable::new(crate::Function::Exp, -4, 1)),
            outputs: vec![0],
            exact: false,
            raw_inputs: false,
            fine: 0,
        };
        let wide = crate::ops::AffineGroup {
            extra: 3,
            act: crate::Activation::None,
            ..table.clone()
        };
        let plain = crate::ops::AffineGroup {
            act: crate::Activation::Relu,
            ..wide.clone()
        };
        assert!(table.needs_first_requant_set() && wide.needs_first_requant_set());
        assert!(!crate::ops::AffineGroup { extra: 0, ..plain }.needs_first_requant_set());
        for _ in 0..3 {
            assert_eq!(rows.single_in(table.needs_first_requant_set()).0, 0);
        }
        assert_eq!(rows.single().0, 1);
    }
}
