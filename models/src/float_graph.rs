//! [`FloatGraph`]: the imported model in real arithmetic, a graph of the same op structs the circuit
//! lays out ([`OpKind<f64>`]: real weights and coefficients). Each op's float reference and its
//! quantization live in its own file in `zkinfer_circuits::ops` ([`RealOp`](zkinfer_circuits::ops::real::RealOp)); this module runs them
//! over the graph to find calibration ranges and to quantize into a [`QuantizedGraph`].

use crate::error::{ModelError, Result};
use crate::import::saturation;
use std::collections::BTreeMap;
use zkinfer_circuits::fixed_point::coefficient_bits;
use zkinfer_circuits::ops::real::Quantizer;
use zkinfer_circuits::{FnTable, Function, Node, OpKind, QuantizedGraph};

pub use zkinfer_circuits::ops::real::{function_activation, Span};

/// An op of the real graph: an [`OpKind`] with real constants.
pub type FloatOp = OpKind<f64>;

/// The largest magnitude in a span.
pub fn magnitude((lo, hi): Span) -> f64 {
    lo.abs().max(hi.abs())
}

/// The real domain `(min, max)` of each function's table (the calibrated input span times the headroom).
pub type TableDomains = BTreeMap<Function, Span>;

/// The table domain of a saturating function: `span` within its clamp interval, or the whole of that
/// interval on the clamped sides of a [`total`](crate::import::Saturation::total) one. This assumes
/// every node applying the function clamps its input, as the importer's pass makes them do
/// ([`crate::import::saturation`]); a node that does not would find inputs beyond the clamp points out
/// of its table (a witness error, never a wrong proof: the table is the semantics).
fn clamped(function: Function, (lo, hi): Span) -> Span {
    match saturation(function) {
        Some(s) if s.total => {
            let (l, r) = s.bounds();
            (
                if l.is_finite() { l } else { lo },
                if r.is_finite() { r } else { hi },
            )
        }
        Some(s) => {
            let (l, r) = s.bounds();
            (lo.max(l), hi.min(r))
        }
        None => (lo, hi),
    }
}

/// One node of a [`FloatGraph`]: its operation, its operands and its output shape.
#[derive(Clone, Debug)]
pub struct FloatNode {
    /// The tract node it was imported from (with a suffix such as `.broadcast0` for an intermediate
    /// step); names the layer in errors and in the calibration report.
    pub name: String,
    /// The operation, in real arithmetic.
    pub op: FloatOp,
    /// The operands, as indices into [`FloatGraph::nodes`] (always earlier nodes).
    pub inputs: Vec<usize>,
    /// Output shape.
    pub shape: Vec<usize>,
}

/// The imported model in real arithmetic: the reference the quantized graph is calibrated and
/// measured against.
#[derive(Clone, Debug, Default)]
pub struct FloatGraph {
    /// Every node in evaluation order (operands before their users), the graph inputs first.
    pub nodes: Vec<FloatNode>,
    /// The nodes whose values are the model's outputs, in the ONNX graph's output order.
    pub outputs: Vec<usize>,
}

impl FloatGraph {
    /// Names and element counts of the inputs, in order.
    pub fn input_sizes(&self) -> Vec<(String, usize)> {
        self.nodes
            .iter()
            .filter(|n| matches!(n.op, FloatOp::Input { .. }))
            .map(|n| (n.name.clone(), n.shape.iter().product()))
            .collect()
    }

    /// Evaluate in f64. Returns every node's output and the range `(min, max)` each node's range-checked
    /// value spanned (the pre-activation value for Dense, Conv, Affine and tables, the output otherwise;
    /// `(0, 0)` for free re-indexings).
    pub fn eval(&self, inputs: &[Vec<f64>]) -> Result<(Vec<Vec<f64>>, Vec<Span>)> {
        let mut values: Vec<Vec<f64>> = Vec::with_capacity(self.nodes.len());
        let mut spans = Vec::with_capacity(self.nodes.len());
        let mut next_input = inputs.iter();
        for node in &self.nodes {
            let operands: Vec<&[f64]> = match node.op {
                OpKind::Input(_) => vec![next_input
                    .next()
                    .ok_or_else(|| ModelError::Calibration("missing input".into()))?],
                _ => node.inputs.iter().map(|i| values[*i].as_slice()).collect(),
            };
            let shapes = self.operand_shapes(node);
            let (out, span) = node.op.as_real().eval_real(&operands, &shapes);
            values.push(out);
            spans.push(span);
        }
        Ok((values, spans))
    }

    /// The shapes of `node`'s operands.
    fn operand_shapes<'a>(&'a self, node: &FloatNode) -> Vec<&'a [usize]> {
        node.inputs
            .iter()
            .map(|i| self.nodes[*i].shape.as_slice())
            .collect()
    }

    /// The outputs of [`FloatGraph::eval`], flattened per graph output.
    pub fn outputs(&self, inputs: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
        let (values, _) = self.eval(inputs)?;
        Ok(self.outputs.iter().map(|o| values[*o].clone()).collect())
    }

    /// Remove the nodes no output depends on (graph inputs always stay), renumbering the rest.
    pub fn prune(&mut self) {
        let mut live = vec![false; self.nodes.len()];
        for o in &self.outputs {
            live[*o] = true;
        }
        for i in (0..self.nodes.len()).rev() {
            if matches!(self.nodes[i].op, FloatOp::Input { .. }) {
                live[i] = true;
            }
            if live[i] {
                for j in &self.nodes[i].inputs {
                    live[*j] = true;
                }
            }
        }
        let mut index = vec![usize::MAX; self.nodes.len()];
        let mut kept = Vec::with_capacity(self.nodes.len());
        for (i, mut node) in std::mem::take(&mut self.nodes).into_iter().enumerate() {
            if live[i] {
                node.inputs = node.inputs.iter().map(|j| index[*j]).collect();
                index[i] = kept.len();
                kept.push(node);
            }
        }
        self.nodes = kept;
        for o in &mut self.outputs {
            *o = index[*o];
        }
    }

    /// The span of the inputs each tabulated function sees, from the per-node spans of [`FloatGraph::eval`]
    /// (a node's span is of its pre-activation value: the function sees it times `2^step`).
    pub fn table_spans(&self, spans: &[Span]) -> TableDomains {
        let mut out = TableDomains::new();
        for (node, (lo, hi)) in self.nodes.iter().zip(spans) {
            if let Some(t) = node.op.as_real().table() {
                let e = out.entry(t.function).or_insert((0.0, 0.0));
                *e = (e.0.min(t.input_of(*lo)), e.1.max(t.input_of(*hi)));
            }
        }
        out
    }

    /// The extra fractional bits each node's coefficients need at `2^scale` (see
    /// [`coefficient_bits`] and [`RealOp::coefficients`](zkinfer_circuits::ops::real::RealOp::coefficients)), and the circuit's one width: the largest of
    /// them. A node that needs any gets the circuit's width.
    fn extra_bits(&self, scale: u32) -> (Vec<u32>, u32) {
        let needs: Vec<u32> = self
            .nodes
            .iter()
            .map(|n| {
                let shapes = self.operand_shapes(n);
                let coefficients = n.op.as_real().coefficients(&shapes);
                let bits = coefficients.iter().map(|c| coefficient_bits(*c, scale));
                bits.max().unwrap_or(0)
            })
            .collect();
        let width = needs.iter().copied().max().unwrap_or(0);
        (needs, width)
    }

    /// Quantize at `2^scale` with rescaled values bounded by `2^(range_bits - 1)`; each function's table
    /// covers `domains[f]` (the whole range when missing). Constant coefficients that `2^scale` would hold
    /// coarsely get the graph's extra bits ([`coefficient_bits`]).
    pub fn quantize(&self, scale: u32, range_bits: u32, domains: &TableDomains) -> QuantizedGraph {
        self.quantize_with_weight_bits(scale, range_bits, domains, 0)
    }

    /// [`FloatGraph::quantize`] with dense and (not raw) convolution weights held `weight_bits` finer, at
    /// `2^(scale+weight_bits)`.
    pub fn quantize_with_weight_bits(
        &self,
        scale: u32,
        range_bits: u32,
        domains: &TableDomains,
        weight_bits: u32,
    ) -> QuantizedGraph {
        let max = 1i64 << (range_bits - 1);
        let table = |t: FnTable| {
            let (lo, hi) = domains.get(&t.function).map_or((-max, max), |d| {
                FnTable::domain_for(clamped(t.function, *d), scale, t.step, max)
            });
            FnTable { lo, hi, ..t }
        };
        let (needs, width) = self.extra_bits(scale);
        let nodes = self
            .nodes
            .iter()
            .zip(&needs)
            .map(|(n, need)| {
                let q = Quantizer {
                    scale,
                    extra: if *need > 0 { width } else { 0 },
                    weight_bits,
                    table: &table,
                };
                Node {
                    name: n.name.clone(),
                    op: n.op.as_real().quantize(&q),
                    inputs: n.inputs.clone(),
                }
            })
            .collect();
        QuantizedGraph {
            scale,
            range_bits,
            nodes,
            outputs: self.outputs.clone(),
        }
    }
}
