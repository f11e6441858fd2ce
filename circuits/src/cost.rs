//! Sizing a circuit before any keygen: rows per chip, the table, and the smallest `k` that fits.

use crate::chips::conv_check::ConvRows;
use crate::chips::mac::MacConfig;
use crate::chips::requant_rows::RequantRows;
use crate::chips::table::TableConfig;
use crate::circuit::CircuitParams;
use crate::error::Result;
use crate::graph::QuantizedGraph;
use crate::ops::Lowering;
use serde::{Deserialize, Serialize};

/// What a graph costs in a circuit with the given parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    /// Rows of the MAC chip.
    pub mac_rows: usize,
    /// Rows of the requant chip (one per neuron and per input element), in its taller column set.
    pub requant_rows: usize,
    /// Rows of the lookup table.
    pub table_rows: usize,
    /// Rows of the Freivalds chip (products of two computed tensors).
    #[serde(default)]
    pub freivalds_rows: usize,
    /// Multiplications by a weight (including padding lanes).
    pub macs: usize,
    /// Range lookups performed (two per requant row but table reads, one more per wide rescale row).
    pub lookups: usize,
    /// Function-table lookups performed (one per neuron with a table activation, one per table read).
    #[serde(default)]
    pub function_lookups: usize,
    /// Rows of the Poseidon chip (hashed input), beside the others in its own columns.
    #[serde(default)]
    pub poseidon_rows: usize,
    /// Rows of the convolution check's tallest lane (0 without it).
    #[serde(default)]
    pub conv_rows: usize,
}

impl Cost {
    /// The rows the circuit needs: the chips run side by side, so it is the tallest of them.
    pub fn rows(&self) -> usize {
        self.mac_rows
            .max(self.requant_rows)
            .max(self.table_rows)
            .max(self.freivalds_rows)
            .max(self.poseidon_rows)
            .max(self.conv_rows)
    }

    /// The smallest `k` whose usable rows (after `blinding` reserved rows) hold [`Cost::rows`].
    pub fn min_k(&self, blinding: usize) -> u32 {
        let mut k = 4;
        while (1usize << k) < self.rows() + blinding + 1 {
            k += 1;
        }
        k
    }

    /// A lower bound on [`Cost::of`]'s MAC rows, without lowering the graph: the multiplications of
    /// its convolutions, when they are on the MAC chip, over the most one MAC row does
    /// (`lanes_in · lanes_out · pack`). Lowering a big convolution into MAC groups is most of the
    /// settings search's time; a layout this bound already rules out need not be lowered.
    pub fn mac_rows_bound(graph: &QuantizedGraph, params: &CircuitParams) -> Result<usize> {
        if params.conv_lanes > 0 {
            return Ok(0);
        }
        let shapes = graph.shapes()?;
        let per_row = (params.lanes_in * params.lanes_out * params.pack).max(1);
        let macs: usize = graph
            .nodes
            .iter()
            .map(|n| match (&n.op, n.inputs.first()) {
                (crate::OpKind::Conv(op), Some(x)) => op.macs(&shapes[*x]),
                _ => 0,
            })
            .sum();
        Ok(macs.div_ceil(per_row))
    }

    /// Cost of `graph` laid out with `params`.
    pub fn of(graph: &QuantizedGraph, params: &CircuitParams) -> Result<Self> {
        let shapes = graph.shapes()?;
        let mut cost = Cost {
            mac_rows: crate::circuit::MAC_FIRST_ROW,
            table_rows: TableConfig::rows(
                graph.range_bits,
                graph.scale,
                &graph.tables(),
                &graph.sections().0,
            ),
            ..Cost::default()
        };
        let mut zero_row = false;
        // Requant rows as the layout places them (one or two sets).
        let mut req = RequantRows::new(params.requant_sets);
        let mut conv = ConvRows::new(params.conv_lanes);
        let x_bound = params.activation_bound(graph);
        let mut inputs = 0;
        let mut wide_rows = 0;
        let mut reads = 0;
        for (n, node) in graph.nodes.iter().enumerate() {
            let ins: Vec<&[usize]> = node.inputs.iter().map(|j| shapes[*j].as_slice()).collect();
            let checked = match &node.op {
                crate::OpKind::Conv(op) if params.conv_lanes > 0 => {
                    op.check_shape(ins[0]).map(|s| (op, s))
                }
                _ => None,
            };
            if let Some((op, shape)) = checked {
                // Checked as a polynomial product, then one requant row per output (none when raw:
                // the sums are the outputs).
                conv.place(&shape);
                if op.raw {
                    continue;
                }
                let (outputs, first_only) = (shapes[n].iter().product(), op.act.table().is_some());
                req.singles(outputs, first_only);
                if first_only {
                    cost.function_lookups += outputs;
                }
                continue;
            }
            if let crate::OpKind::RawSum(op) = &node.op {
                if params.raw_rows && op.sum_slots().is_some() {
                    // On requant rows (`chips::raw_rows`), reading the shared zero cell.
                    if !zero_row {
                        zero_row = true;
                        cost.mac_rows += 1;
                    }
                    req.singles(shapes[n].iter().product(), false);
                    continue;
                }
            }
            match node.op.as_op().lower(&ins, params.group_neurons()) {
                Lowering::Alias => {}
                Lowering::Gather(map) => {
                    // The shared zero cell takes one MAC row, once per circuit.
                    if !zero_row && map.iter().any(|(op, _)| *op == crate::ops::ZERO_OPERAND) {
                        zero_row = true;
                        cost.mac_rows += 1;
                    }
                }
                Lowering::MatMul(shape) => {
                    // The chip's first row is left empty (its gates query the previous row).
                    cost.freivalds_rows += shape.rows() + usize::from(cost.freivalds_rows == 0);
                    req.singles(shape.batch * shape.m * shape.n, false);
                }
                Lowering::Multiply(pairs) => {
                    for _ in &pairs {
                        req.first_set(2);
                    }
                }
                Lowering::TableRead(map) => {
                    // One row each, with the function lookup only (no range lookups).
                    req.first_set(map.len());
                    cost.function_lookups += map.len();
                    reads += map.len();
                }
                Lowering::Divide(pairs) => {
                    for _ in &pairs {
                        req.first_set(crate::chips::divide::ROWS);
                    }
                }
                Lowering::Input => {
                    if let crate::OpKind::Input(i) = &node.op {
                        let n = i.shape.iter().product::<usize>();
                        req.singles(n, false);
                        inputs += n;
                    }
                }
                Lowering::Affine(groups) => {
                    for g in &groups {
                        let packing = params.packing_of(g, x_bound);
                        let lanes = (params.lanes_in, params.lanes_out);
                        let (rows, ends_on_zero) = packing.layout_rows(g, params.pack, lanes);
                        // A packed block's unpacking ends on the shared zero cell.
                        if ends_on_zero && !zero_row {
                            zero_row = true;
                            cost.mac_rows += 1;
                        }
                        cost.mac_rows += rows;
                        for b in packing.blocks(g, params.pack, params.lanes_out) {
                            let pass = MacConfig::rows_for(b.slots.len(), params.lanes_in);
                            cost.macs += pass * params.lanes_in * b.count;
                        }
                        if !g.exact {
                            req.singles(g.neurons(), g.needs_first_requant_set());
                        }
                        if g.extra > 0 {
                            wide_rows += g.neurons();
                        }
                        if g.act.table().is_some() {
                            cost.function_lookups += g.neurons();
                        }
                    }
                }
            }
        }
        cost.requant_rows = req.height();
        cost.conv_rows = conv.height();
        cost.lookups = 2 * (req.total() - reads) + wide_rows;
        if params.hashed_input {
            let hash = crate::circuit::input_hash_params();
            cost.poseidon_rows = crate::chips::poseidon::PoseidonConfig::rows(&hash, inputs);
        }
        Ok(cost)
    }
}
