//! Laying out an affine node: its groups' MAC blocks (packed where [`Packing`] allows) and one requant
//! row per neuron.

use super::{ModelCircuit, ModelConfig};
use crate::chips::mac::{MacBlock, MacConfig, MacTamper, MacWitness};
use crate::chips::packing::Packing;
use crate::chips::requant::{RescaleRow, Tamper};
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
    pub requant: &'a mut usize,
    pub zero: &'a mut Option<Wire>,
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
        let x_bound = if self.params.pack > 1 {
            self.graph.activation_bound()
        } else {
            0
        };
        let scales = (self.params.scale, self.params.range_bits);
        let mut out = vec![None; len];
        let witnesses = self.group_witnesses(groups, operands, &node.name)?;
        for (g, witness) in groups.iter().zip(&witnesses) {
            let fn_tag = match g.act.table() {
                None => 0,
                Some(t) => tables
                    .iter()
                    .position(|u| *u == t)
                    .map(|i| TAG_FIRST_FN + i as u64)
                    .ok_or_else(|| {
                        CircuitError::Graph(format!(
                            "node '{}': function table not registered",
                            node.name
                        ))
                    })?,
            };
            let slots: Vec<Wire> = g.slots.iter().map(|(op, i)| operands[*op][*i]).collect();
            let packing = Packing::for_group(g, self.params.pack, x_bound, scales);
            let zero = if packing.packs_any(g.neurons(), self.params.lanes_out) {
                Some(self.zero(config, region, rows)?.cell)
            } else {
                None
            };
            // The tampered neuron, as an index into the group.
            let target = tamper.and_then(|t| g.outputs.iter().position(|o| *o == t.index));
            for (first, count) in packing.blocks(g.neurons(), self.params.lanes_out) {
                let local = target.filter(|m| (first..first + count).contains(m));
                let block = MacBlock {
                    group: g,
                    first,
                    count,
                    packing,
                    tamper: match (tamper.map(|t| t.tamper), local) {
                        (Some(Tamper::Accumulator), Some(m)) => MacTamper::Accumulator(m - first),
                        (Some(Tamper::LaneCarry), Some(m)) => MacTamper::LaneCarry(m - first),
                        _ => MacTamper::None,
                    },
                };
                let (accs, used) = config
                    .mac
                    .assign(region, *rows.mac, &slots, block, witness.as_ref(), zero)
                    .map_err(synth)?;
                *rows.mac += used;
                for (i, acc) in accs.iter().enumerate() {
                    let m = first + i;
                    let index = g.outputs[m];
                    let t = tamper.filter(|t| t.index == index).map(|t| t.tamper);
                    // A strict step's row rescales `q - 1` (requant's module docs).
                    let strict = i64::from(g.act == Activation::Step { strict: true })
                        << (self.params.scale + g.extra);
                    let off = g.bias[m]
                        .checked_add(half(self.params.scale + g.extra) - strict)
                        .ok_or_else(|| CircuitError::Overflow {
                            layer: node.name.clone(),
                        })?;
                    let row = RescaleRow {
                        off,
                        act: g.act,
                        fn_tag,
                        extra: g.extra,
                    };
                    out[index] = Some(
                        config
                            .requant
                            .assign_rescale(region, *rows.requant, acc, row, t)
                            .map_err(synth)?,
                    );
                    *rows.requant += 1;
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

    /// The MAC witnesses of every group, in parallel (none during keygen).
    fn group_witnesses(
        &self,
        groups: &[AffineGroup],
        operands: &[&[Wire]],
        layer: &str,
    ) -> Result<Vec<Option<MacWitness>>> {
        if self.inputs.is_none() {
            return Ok(groups.iter().map(|_| None).collect());
        }
        groups
            .par_iter()
            .map(|g| {
                let values: Option<Vec<i64>> = g
                    .slots
                    .iter()
                    .map(|(op, i)| operands[*op][*i].value)
                    .collect();
                let values = values.ok_or_else(|| {
                    CircuitError::Graph(format!("layer '{layer}': operand not computed"))
                })?;
                MacConfig::witness(self.params.lanes_in, g.neurons(), &values, |m, s| {
                    g.weight(m, s)
                })
                .map(Some)
                .ok_or_else(|| CircuitError::Overflow {
                    layer: layer.to_string(),
                })
            })
            .collect()
    }
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
        for (lanes_in, lanes_out, pack) in [(8, 2, 4), (2, 1, 4), (4, 4, 8)] {
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
            let (failures, circuit, _) =
                mock_run(graph.clone(), inputs.clone(), params, false, None);
            assert!(failures.is_empty(), "{params:?}: {failures:?}");
            let used = circuit
                .rows_used
                .lock()
                .expect("lock")
                .expect("synthesized");
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
}
