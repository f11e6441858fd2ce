//! [`QuantizedGraph`]: the integer model a circuit is built from, and its exact evaluation.

use crate::chips::table::Section;
use crate::error::{CircuitError, Result};
use crate::functions::FnTable;
use crate::ops::{EvalCtx, OpKind};
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// One operator application. Its output is value number `index` (its position in `nodes`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Node {
    /// The ONNX node name it came from (for errors).
    pub name: String,
    /// The operator and its constant parameters (weights, shapes, activation).
    pub op: OpKind,
    /// Value numbers of the operands, each smaller than this node's own.
    pub inputs: Vec<usize>,
}

/// A quantized model: nodes in topological order, every activation at scale `2^scale`, every rescaled
/// value in `[-2^(range_bits-1), 2^(range_bits-1))`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuantizedGraph {
    /// Fractional bits `s` of every activation (weights at `2^s`, biases at `2^(2s)`).
    pub scale: u32,
    /// Range bits `b`: every range-checked value lies in `[-2^(b-1), 2^(b-1))`
    /// (see [`QuantizedGraph::bound`]).
    pub range_bits: u32,
    /// The nodes in topological order; node `i`'s output is value number `i`.
    pub nodes: Vec<Node>,
    /// Value numbers of the graph outputs, in the order they are exposed as instances.
    pub outputs: Vec<usize>,
}

/// Every node's output for one inference.
#[derive(Clone, Debug)]
pub struct GraphTrace {
    /// `values[i]` is the output of node `i`.
    pub values: Vec<QTensor>,
}

impl GraphTrace {
    /// The values of `graph`'s outputs, in `graph.outputs` order.
    pub fn outputs<'a>(&'a self, graph: &'a QuantizedGraph) -> impl Iterator<Item = &'a QTensor> {
        graph.outputs.iter().map(|o| &self.values[*o])
    }
}

impl QuantizedGraph {
    /// A graph with one Input node per operand shape followed by `op` (benches and tests of one op).
    pub fn single_op(op: OpKind, shapes: &[Vec<usize>], scale: u32, range_bits: u32) -> Self {
        let mut nodes: Vec<Node> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| Node {
                name: format!("input{i}"),
                op: OpKind::Input(crate::ops::Input { shape: s.clone() }),
                inputs: vec![],
            })
            .collect();
        nodes.push(Node {
            name: "op".into(),
            op,
            inputs: (0..shapes.len()).collect(),
        });
        Self {
            scale,
            range_bits,
            outputs: vec![nodes.len() - 1],
            nodes,
        }
    }

    /// Largest magnitude a range-checked value may have (exclusive for positives).
    pub fn bound(&self) -> i64 {
        1i64 << (self.range_bits - 1)
    }

    /// The largest magnitude any cell a MAC row reads can hold: range-checked values (inputs, quotients,
    /// relu outputs, quotients of divisions) are below `2^(b-1)`, step outputs are `0` or `2^s`, a
    /// table activation or table read outputs one of its table's entries, and an exact max or min
    /// ([`crate::ops::ExactSum`]) one of its inputs. Packing's lane widths rest on it
    /// ([`crate::chips::packing`]).
    pub fn activation_bound(&self) -> u128 {
        let mut bound = (1u128 << (self.range_bits - 1)).max(1u128 << self.scale);
        for table in self.tables() {
            for (_, y) in table.entries(self.scale) {
                bound = bound.max(u128::from(y.unsigned_abs()));
            }
        }
        for section in self.sections().0 {
            for (key, value) in section {
                bound = bound
                    .max(u128::from(key.unsigned_abs()))
                    .max(u128::from(value.unsigned_abs()));
            }
        }
        bound
    }

    /// The distinct function tables the graph's activations read, in first-use order. Table `i` gets tag
    /// `TAG_FIRST_FN + i` in the circuit's lookup table.
    pub fn tables(&self) -> Vec<FnTable> {
        let mut tables: Vec<FnTable> = Vec::new();
        for node in &self.nodes {
            if let Some(t) = node.op.as_op().activation().table() {
                if !tables.contains(&t) {
                    tables.push(t);
                }
            }
        }
        tables
    }

    /// The sections of constant data the graph reads at computed indices (every `Embedding`'s columns,
    /// in node order), and the first one's index per such node; section `j` gets the tag after the
    /// function tables' plus `j`.
    pub fn sections(&self) -> (Vec<Section>, Vec<Option<usize>>) {
        let mut sections = Vec::new();
        let first = self
            .nodes
            .iter()
            .map(|node| match &node.op {
                OpKind::Embedding(e) => {
                    let at = sections.len();
                    sections.extend(e.sections());
                    Some(at)
                }
                _ => None,
            })
            .collect();
        (sections, first)
    }

    /// Whether the graph compares (step activations: the requant chip's step gate).
    pub fn has_steps(&self) -> bool {
        self.nodes
            .iter()
            .any(|n| matches!(n.op.as_op().activation(), crate::Activation::Step { .. }))
    }

    /// Raw accumulators (a raw Conv's outputs, a [`crate::ops::RawSum`] step's, gathers of them) are
    /// read only by gathers and `RawSum`s, which read nothing else, and are no graph output: a MAC
    /// row elsewhere could be packed on the assumption that its inputs are within the activation
    /// bound ([`QuantizedGraph::activation_bound`]), which raw values are not.
    fn check_raw(&self) -> Result<()> {
        let mut raw = vec![false; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            let reads_raw: Vec<bool> = node.inputs.iter().map(|j| raw[*j]).collect();
            let (ok, out) = match &node.op {
                OpKind::Conv(c) => (!reads_raw.contains(&true), c.raw),
                OpKind::Gather(_) => (true, reads_raw.contains(&true)),
                OpKind::RawSum(r) => (
                    !reads_raw.contains(&false),
                    r.act == crate::Activation::RawRelu,
                ),
                _ => (!reads_raw.contains(&true), false),
            };
            // A raw relu anywhere else would output a raw value the check above takes for an
            // activation.
            let raw_relu_elsewhere = node.op.as_op().activation() == crate::Activation::RawRelu
                && !matches!(node.op, OpKind::RawSum(_));
            if !ok || raw_relu_elsewhere {
                return Err(CircuitError::Graph(format!(
                    "node '{}' mixes raw accumulators with activations",
                    node.name
                )));
            }
            raw[i] = out;
        }
        match self.outputs.iter().find(|o| raw[**o]) {
            Some(o) => Err(CircuitError::Graph(format!(
                "output '{}' is a raw accumulator",
                self.nodes[*o].name
            ))),
            None => Ok(()),
        }
    }

    /// Whether any node's activation is a raw relu (the steps of a max over raw accumulators).
    pub fn has_raw_relus(&self) -> bool {
        self.nodes
            .iter()
            .any(|n| n.op.as_op().activation() == crate::Activation::RawRelu)
    }

    /// Every `Embedding` reads keys `k·2^s` at the graph's scale (distinct, so each index has one
    /// entry) and holds only values in the range check's bounds: the circuit does not range-check a
    /// value it reads, so a value outside them is refused here, whether or not an input reads it.
    fn check_tables(&self) -> Result<()> {
        let bound = self.bound();
        for n in &self.nodes {
            let OpKind::Embedding(e) = &n.op else {
                continue;
            };
            let rows = e.data_shape.get(e.axis).copied().unwrap_or(0);
            let keys_fit = i64::try_from(rows)
                .ok()
                .and_then(|r| r.checked_mul(1i64 << self.scale.min(62)))
                .is_some();
            if e.scale != self.scale || !keys_fit {
                return Err(CircuitError::Graph(format!(
                    "node '{}': table keys at scale {} in a graph at scale {}",
                    n.name, e.scale, self.scale
                )));
            }
            if let Some(v) = e.data.iter().find(|v| **v < -bound || **v >= bound) {
                return Err(CircuitError::OutOfRange {
                    layer: n.name.clone(),
                    value: *v,
                    real: crate::fixed_point::dequantize(*v, self.scale),
                    scale: self.scale,
                    bound,
                });
            }
        }
        Ok(())
    }

    /// Whether the circuit needs the function lookup (function tables or data sections).
    pub fn needs_function_lookup(&self) -> bool {
        !self.tables().is_empty()
            || self
                .nodes
                .iter()
                .any(|n| matches!(n.op, OpKind::Embedding(_)))
    }

    /// Whether the graph multiplies or divides computed tensors elementwise (and so needs those gates).
    pub fn has_products(&self) -> bool {
        self.nodes
            .iter()
            .any(|n| matches!(n.op, OpKind::Divide(_) | OpKind::Multiply(_)))
    }

    /// Whether the graph multiplies two computed tensors (and so needs the Freivalds chip).
    pub fn multiplies(&self) -> bool {
        self.nodes.iter().any(|n| matches!(n.op, OpKind::MatMul(_)))
    }

    /// The extra fractional bits of the graph's finer constant coefficients (the circuit's
    /// `coef_bits`): the one nonzero `extra` its affine groups use, 0 when none does.
    /// [`QuantizedGraph::shapes`] refuses a graph whose ops disagree.
    pub fn coef_bits(&self) -> u32 {
        self.nodes
            .iter()
            .map(|n| n.op.extra_bits())
            .max()
            .unwrap_or(0)
    }

    /// The extra fractional bits of the graph's dense and convolution weights (the circuit's `weight_bits`):
    /// the one nonzero `weight_bits` its ops use, 0 when none does. [`QuantizedGraph::shapes`] refuses
    /// a graph whose ops disagree.
    pub fn weight_bits(&self) -> u32 {
        self.nodes
            .iter()
            .map(|n| n.op.weight_bits())
            .max()
            .unwrap_or(0)
    }

    /// Refuse a node whose nonzero `bits` (of its `what`) differ from the circuit's `width`: a circuit
    /// has one width of each.
    fn one_width(&self, what: &str, width: u32, bits: fn(&OpKind) -> u32) -> Result<()> {
        match self.nodes.iter().find(|n| bits(&n.op) != 0 && bits(&n.op) != width) {
            Some(n) => Err(CircuitError::Graph(format!(
                "node '{}': {what} at {} extra bits where others use {width} (one width per circuit)",
                n.name,
                bits(&n.op)
            ))),
            None => Ok(()),
        }
    }

    /// Node indices of the graph inputs, in order.
    pub fn input_nodes(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|i| matches!(self.nodes[*i].op, OpKind::Input(_)))
            .collect()
    }

    /// Check the structure and return every node's output shape.
    pub fn shapes(&self) -> Result<Vec<Vec<usize>>> {
        let mut shapes: Vec<Vec<usize>> = Vec::with_capacity(self.nodes.len());
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(bad) = node.inputs.iter().find(|j| **j >= i) {
                return Err(CircuitError::Graph(format!(
                    "node '{}' reads value {bad} before it exists",
                    node.name
                )));
            }
            let ins: Vec<&[usize]> = node.inputs.iter().map(|j| shapes[*j].as_slice()).collect();
            let shape = node
                .op
                .as_op()
                .output_shape(&ins)
                .map_err(|msg| CircuitError::Shape {
                    layer: node.name.clone(),
                    msg,
                })?;
            shapes.push(shape);
        }
        if self.outputs.is_empty() || self.outputs.iter().any(|o| *o >= self.nodes.len()) {
            return Err(CircuitError::Graph(
                "outputs missing or out of range".into(),
            ));
        }
        self.check_tables()?;
        self.check_raw()?;
        let coef_bits = self.coef_bits();
        self.one_width("coefficients", coef_bits, OpKind::extra_bits)?;
        let weight_bits = self.weight_bits();
        self.one_width("weights", weight_bits, OpKind::weight_bits)?;
        if !crate::chips::requant::valid_weight_bits(weight_bits) {
            return Err(CircuitError::Graph(format!(
                "weights at {weight_bits} extra bits: an even number up to {} is supported",
                crate::chips::requant::MAX_WEIGHT_BITS
            )));
        }
        if coef_bits > self.scale {
            return Err(CircuitError::Graph(format!(
                "coefficient bits {coef_bits} more than the scale {}",
                self.scale
            )));
        }
        let valid = (1..=16).contains(&self.scale)
            && self.range_bits > self.scale
            && self.range_bits - self.scale <= 20
            && self.range_bits <= 40;
        if !valid {
            return Err(CircuitError::Graph(format!(
                "unsupported scale {} / range bits {}",
                self.scale, self.range_bits
            )));
        }
        Ok(shapes)
    }

    /// Evaluate exactly on quantized inputs (one per input node, in order).
    pub fn eval(&self, inputs: &[QTensor]) -> Result<GraphTrace> {
        let input_nodes = self.input_nodes();
        if inputs.len() != input_nodes.len() {
            return Err(CircuitError::Graph(format!(
                "the model has {} inputs, {} given",
                input_nodes.len(),
                inputs.len()
            )));
        }
        let mut values: Vec<QTensor> = Vec::with_capacity(self.nodes.len());
        let mut next_input = inputs.iter();
        for node in &self.nodes {
            let ctx = EvalCtx {
                layer: &node.name,
                scale: self.scale,
                bound: self.bound(),
            };
            let operands: Vec<&QTensor> = match node.op {
                OpKind::Input(_) => vec![next_input.next().expect("counted above")],
                _ => node.inputs.iter().map(|j| &values[*j]).collect(),
            };
            // Raw accumulators (`2^(2s)`) are read only by free gathers and the maxima over them.
            let raw = matches!(node.op, OpKind::Gather(_) | OpKind::RawSum(_));
            let fits = |t: &&&QTensor| t.scale == self.scale || (raw && t.scale == 2 * self.scale);
            if let Some(t) = operands.iter().find(|t| !fits(t)) {
                return Err(ctx.shape_err(format!(
                    "operand at scale 2^{} in a graph at 2^{}",
                    t.scale, self.scale
                )));
            }
            let out = node.op.as_op().eval(&operands, &ctx)?;
            values.push(out);
        }
        Ok(GraphTrace { values })
    }
}
