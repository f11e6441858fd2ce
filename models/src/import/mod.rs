//! ONNX import: tract parses, types and declutters the model (folding constants and shape arithmetic),
//! then each typed node is translated by the importer of its op family:
//! - `linear`: `EinSum` with one constant operand (ONNX Gemm, MatMul) into `Dense`;
//! - `elementwise`: `Add` (two values, or a constant, folded into a preceding Dense's bias when it can)
//!   and `Max` with a zero constant (ONNX Relu, fused into a preceding Dense when it can);
//! - `conv`: `Conv` (ONNX Conv) and `SumPool` (ONNX AveragePool / GlobalAveragePool), 2-D NCHW;
//! - `deconv`: `Deconv` (ONNX ConvTranspose) as a `Conv` over the input spread with zeros;
//! - `nonlinear`: the smooth activations (Sigmoid, Tanh, Exp, Erf, Gelu, Silu) as table lookups, and
//!   Max / Min (ONNX Clip, or of two tensors), MaxPool and LeakyRelu, built from affine ops and Relu;
//! - `matmul`: `EinSum` of two computed tensors (attention's MatMuls) into a Freivalds-checked `MatMul`;
//! - `softmax`: Softmax over any axes from max, Exp, ReduceSum and the sound witness division;
//! - `rec`, `cells`: recurrent nets (tract's `Scan` with `LstmEpilogue` / `GruEpilogue` cells, and
//!   `GruSeq`), unrolled over the sequence;
//! - `ml`: scikit-learn classifiers' label lookup (`DirectLookup`) as an `Embedding`;
//! - `trees`: `ai.onnx.ml` tree ensembles (tract's `TreeEnsembleClassifier`) as branch steps, leaf
//!   steps and a vote matrix (Hummingbird's GEMM form);
//! - `extremes`, `topk`: ReduceMax/Min/Prod, ArgMax/ArgMin and TopK from max chains and steps;
//! - `logsumexp`: tract's `exp → sum → ln` (ReduceLogSumExp) shifted by the max, as in Softmax;
//! - `repeat`, `resize`: Expand, Tile, and ops whose re-indexing is read by running them (nearest
//!   Resize, GatherElements, ScatterElements/ScatterND); linear and cubic Resize as a separable map;
//! - `lppool`, `functions`, `tree_parsers`: zkinfer's own parsers (LpPool's expansion; one op per
//!   tabulated function; the tree ensembles, checked or read where tract does not);
//! - `outputs`: the model's outputs, constants passed through;
//! - `select`: `Where(x < 0, a·x, b·x)` (ONNX PRelu) as `a·x + (b-a)·relu(x)`;
//! - `gather`: Gather of a computed tensor at constant indices (free) or of constant data at computed
//!   indices (token embeddings: `Embedding`, a lookup per element into the data's table sections);
//! - `shape`: axis changes that keep row-major element order (Reshape, Flatten, Squeeze, Unsqueeze),
//!   and Slice / Concat as free re-indexings.
//!
//! Anything else is an error naming the node and its op type. Nodes that end up unused (a fold or a
//! pattern superseded them) are pruned.

mod cells;
mod compare;
mod conv;
mod deconv;
pub mod dims;
mod dispatch;
mod elementwise;
mod extremes;
pub mod functions;
pub use saturate::{saturation, Saturation};
mod gather;
mod linear;
mod logsumexp;
mod lppool;
mod matmul;
mod ml;
mod nonlinear;
mod norm;
mod outputs;
mod pooled_conv;
mod rec;
mod repeat;
mod resize;
mod saturate;
mod select;
mod shape;
mod softmax;
mod topk;
mod tree_parsers;
mod trees;

use crate::error::{ModelError, Result};
use crate::float_graph::{FloatGraph, FloatNode, FloatOp};
use dispatch::import_node;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use tract_onnx::prelude::*;
use zkinfer_circuits::guard::catch_panic;
use zkinfer_circuits::ops::Input;

/// A loaded ONNX model: its hash, its tract form (for float reference runs) and its [`FloatGraph`].
#[derive(Clone)]
pub struct OnnxModel {
    /// The ONNX file's path as given, or the label of bytes loaded from memory; names it in errors.
    pub path: String,
    /// SHA-256 of the ONNX file, hex.
    pub hash: String,
    /// The model imported into real-arithmetic ops, with unused nodes pruned.
    pub graph: FloatGraph,
    /// The symbolic dimensions of its inputs and the values they took.
    pub dims: Vec<dims::ResolvedDim>,
    plan: Arc<TypedSimplePlan>,
}

/// An output of tract's op run on constants: its shape and values.
pub(crate) type Evaluated = (Vec<usize>, Vec<f64>);

/// What a tract outlet became while importing.
#[derive(Clone)]
pub(crate) enum Value {
    Node(usize),
    Const { shape: Vec<usize>, values: Vec<f64> },
}

/// Import state shared by the op-family importers.
pub(crate) struct Importer<'m> {
    pub model: &'m TypedModel,
    pub graph: FloatGraph,
    pub values: HashMap<usize, Value>,
    /// The values of a node's outputs after its first (`(node, slot)`; a recurrent cell's state).
    pub slots: HashMap<(usize, usize), Value>,
    /// Boolean tensors (comparisons with zero): tract node -> (float node `x`, true where `x` is negative
    /// (else positive)). Only a select may read them.
    pub signs: HashMap<usize, (usize, bool)>,
    /// Masked Softmax inputs (`select`): tract node -> (float node `x`, true where the position is masked
    /// out). Only the Softmax may read them.
    pub masks: HashMap<usize, (usize, Vec<bool>)>,
}

impl Importer<'_> {
    pub fn node_err(&self, node: &TypedNode, msg: impl Into<String>) -> ModelError {
        ModelError::Node {
            node: node.name.clone(),
            msg: msg.into(),
        }
    }

    pub fn unsupported(&self, node: &TypedNode, detail: impl Into<String>) -> ModelError {
        let detail = detail.into();
        let detail = if detail.is_empty() {
            detail
        } else {
            format!(": {detail}")
        };
        ModelError::Unsupported {
            node: node.name.clone(),
            op: node.op.name().to_string(),
            detail,
        }
    }

    /// The concrete shape of a node input.
    pub fn input_shape(&self, node: &TypedNode, i: usize) -> Result<Vec<usize>> {
        let fact = self
            .model
            .outlet_fact(node.inputs[i])
            .map_err(|e| self.node_err(node, e.to_string()))?;
        fact.shape
            .as_concrete()
            .map(|s| s.to_vec())
            .ok_or_else(|| self.node_err(node, "symbolic input shape"))
    }

    /// The concrete shape of output `slot` of `node`.
    pub fn output_shape_of(&self, node: &TypedNode, slot: usize) -> Result<Vec<usize>> {
        let fact = self
            .model
            .outlet_fact(OutletId::new(node.id, slot))
            .map_err(|e| self.node_err(node, e.to_string()))?;
        fact.shape
            .as_concrete()
            .map(|s| s.to_vec())
            .ok_or_else(|| self.node_err(node, "symbolic output shape"))
    }

    /// Record `value` as output `slot` of `node`.
    pub fn set_output(&mut self, node: &TypedNode, slot: usize, value: Value) {
        if slot == 0 {
            self.values.insert(node.id, value);
        } else {
            self.slots.insert((node.id, slot), value);
        }
    }

    pub fn output_shape(&self, node: &TypedNode) -> Result<Vec<usize>> {
        let fact = self
            .model
            .outlet_fact(OutletId::new(node.id, 0))
            .map_err(|e| self.node_err(node, e.to_string()))?;
        fact.shape
            .as_concrete()
            .map(|s| s.to_vec())
            .ok_or_else(|| self.node_err(node, "symbolic output shape"))
    }

    /// What input `i` of `node` is.
    pub fn input(&self, node: &TypedNode, i: usize) -> Result<Value> {
        let outlet = node.inputs[i];
        if outlet.slot != 0 {
            return self
                .slots
                .get(&(outlet.node, outlet.slot))
                .cloned()
                .ok_or_else(|| self.unsupported(node, "reads a second output of another node"));
        }
        if self.masks.contains_key(&outlet.node) {
            return Err(self.unsupported(node, "a masked tensor used other than by its Softmax"));
        }
        self.values
            .get(&outlet.node)
            .cloned()
            .ok_or_else(|| self.node_err(node, "input not imported"))
    }

    /// Whether `node`'s output feeds exactly one node and is not a model output (so it may be fused).
    pub fn single_use(&self, tract_node: usize) -> bool {
        let outputs = self
            .model
            .output_outlets()
            .map(|o| o.to_vec())
            .unwrap_or_default();
        self.model.node(tract_node).outputs[0].successors.len() == 1
            && !outputs.iter().any(|o| o.node == tract_node)
    }

    /// `values` of `shape` as a tensor of the type tract has for input `i` of `node`.
    pub fn operand_tensor(
        &self,
        node: &TypedNode,
        i: usize,
        (shape, values): (Vec<usize>, Vec<f64>),
    ) -> Result<TValue> {
        let err = |e: TractError| self.node_err(node, e.to_string());
        let dt = self
            .model
            .outlet_fact(node.inputs[i])
            .map_err(err)?
            .datum_type;
        let t: Tensor = tract_ndarray::ArrayD::from_shape_vec(shape, values)
            .map_err(|e| self.node_err(node, e.to_string()))?
            .into();
        Ok(t.cast_to_dt(dt).map_err(err)?.into_owned().into_tvalue())
    }

    /// Run tract's op of `node` on `inputs` alone: each output's shape and values, or `None` for an op
    /// that needs a plan around it.
    pub fn run_op(&self, node: &TypedNode, inputs: TVec<TValue>) -> Result<Option<Vec<Evaluated>>> {
        let outputs = catch_panic(|| node.op.eval_out_of_plan(inputs))
            .map_err(|m| self.node_err(node, m))?
            .map_err(|e| self.node_err(node, format!("evaluating: {e}")))?;
        let Some(outputs) = outputs else {
            return Ok(None);
        };
        outputs
            .iter()
            .map(|t| {
                let values = t
                    .cast_to::<f64>()
                    .and_then(|t| {
                        t.to_plain_array_view::<f64>()
                            .map(|v| v.iter().copied().collect())
                    })
                    .map_err(|e| {
                        self.unsupported(node, format!("a value that is not a number: {e}"))
                    })?;
                Ok((t.shape().to_vec(), values))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// Append a node that no tract node maps to (an intermediate step of an import); returns its index.
    pub fn push_anonymous(
        &mut self,
        name: &str,
        op: FloatOp,
        inputs: Vec<usize>,
        shape: Vec<usize>,
    ) -> usize {
        self.graph.nodes.push(FloatNode {
            name: name.to_string(),
            op,
            inputs,
            shape,
        });
        self.graph.nodes.len() - 1
    }

    /// Import a one-operand op that reads the operand's elements in tract's layout: the operand must be a
    /// graph value (not a constant) whose shape is the one tract has for it.
    pub fn push_unary(&mut self, node: &TypedNode, op: FloatOp, what: &str) -> Result<usize> {
        let Value::Node(x) = self.input(node, 0)? else {
            return Err(self.node_err(
                node,
                format!("{what} of a constant (tract should have folded this)"),
            ));
        };
        if self.graph.nodes[x].shape != self.input_shape(node, 0)? {
            return Err(self.node_err(node, "operand shape differs from tract's"));
        }
        let shape = self.output_shape(node)?;
        Ok(self.push(node.id, &node.name, op, vec![x], shape))
    }

    /// Append a node and record it as the value of tract node `id`.
    pub fn push(
        &mut self,
        id: usize,
        name: &str,
        op: FloatOp,
        inputs: Vec<usize>,
        shape: Vec<usize>,
    ) -> usize {
        let index = self.push_anonymous(name, op, inputs, shape);
        self.values.insert(id, Value::Node(index));
        index
    }
}

/// Load, declutter and import an ONNX file, its symbolic input dimensions resolved by default
/// ([`dims`]: a leading one is 1, others are refused).
pub fn load_onnx(path: &Path) -> Result<OnnxModel> {
    load_onnx_with(path, &dims::Dims::new())
}

/// [`load_onnx`], with values for named symbolic dimensions (`--dim NAME=VALUE`).
pub fn load_onnx_with(path: &Path, given: &dims::Dims) -> Result<OnnxModel> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: p.clone(),
        cause: source,
    })?;
    load_onnx_bytes_with(&bytes, &p, given)
}

/// Load, declutter and import an ONNX model held in memory; `label` names it in errors.
pub fn load_onnx_bytes(bytes: &[u8], label: &str) -> Result<OnnxModel> {
    load_onnx_bytes_with(bytes, label, &dims::Dims::new())
}

/// [`load_onnx_bytes`], with values for named symbolic dimensions.
pub fn load_onnx_bytes_with(bytes: &[u8], label: &str, given: &dims::Dims) -> Result<OnnxModel> {
    let p = label.to_string();
    let onnx_err = |e: TractError| ModelError::Onnx {
        path: p.clone(),
        msg: format!("{e:#}").replace('\n', " "),
    };
    let guard_err = |msg: String| ModelError::Onnx {
        path: p.clone(),
        msg: format!("tract failed on this model ({msg})"),
    };
    // Intermediate shape annotations (`value_info`) are hints tract can infer; ignored, so a symbolic
    // batch axis written into them does not contradict the value it is resolved to.
    let mut onnx = tract_onnx::onnx().with_ignore_value_info(true);
    functions::register(&mut onnx.op_register);
    lppool::register(&mut onnx.op_register);
    tree_parsers::register(&mut onnx.op_register);
    let mut inference = catch_panic(|| onnx.model_for_read(&mut &bytes[..]))
        .map_err(guard_err)?
        .map_err(onnx_err)?;
    for node in inference.nodes() {
        let name = node.op.name();
        if let Some(op) = name
            .strip_prefix("Unimplemented(")
            .and_then(|s| s.strip_suffix(')'))
        {
            return Err(ModelError::Unsupported {
                node: node.name.clone(),
                op: op.to_string(),
                detail: " (not an ONNX operator zkinfer or tract knows)".into(),
            });
        }
    }
    let dims = dims::resolve(&mut inference, given, &p)?;
    let typed = catch_panic(|| inference.into_typed().and_then(|m| m.into_decluttered()))
        .map_err(guard_err)?
        .map_err(onnx_err)?;
    let graph = import_typed(&typed, &p)?;
    let plan = catch_panic(|| typed.into_runnable())
        .map_err(guard_err)?
        .map_err(onnx_err)?;
    Ok(OnnxModel {
        path: p,
        hash: hex::encode(Sha256::digest(bytes)),
        graph,
        dims,
        plan,
    })
}

fn import_typed(model: &TypedModel, label: &str) -> Result<FloatGraph> {
    let bad = |msg: String| ModelError::Onnx {
        path: label.to_string(),
        msg,
    };
    let mut im = Importer {
        model,
        graph: FloatGraph::default(),
        values: HashMap::new(),
        slots: HashMap::new(),
        signs: HashMap::new(),
        masks: HashMap::new(),
    };
    let order = model.eval_order().map_err(|e| bad(e.to_string()))?;
    // Graph inputs first, in the model's declared order (the order of input.json's lists).
    let inputs = model
        .input_outlets()
        .map_err(|e| bad(e.to_string()))?
        .to_vec();
    for outlet in &inputs {
        let node = model.node(outlet.node);
        let shape = im.output_shape(node)?;
        im.push(
            node.id,
            &node.name,
            FloatOp::Input(Input {
                shape: shape.clone(),
            }),
            vec![],
            shape,
        );
    }
    for id in order {
        if !inputs.iter().any(|o| o.node == id) {
            import_node(&mut im, id)?;
        }
    }
    outputs::attach(&mut im, model).map_err(|e| match e {
        ModelError::Onnx { msg, .. } => bad(msg),
        other => other,
    })?;
    if im.graph.input_sizes().is_empty() {
        return Err(bad("the model has no inputs".into()));
    }
    im.graph.prune();
    saturate::saturate_tables(&mut im.graph);
    Ok(im.graph)
}

impl OnnxModel {
    /// Run the float model with tract on one inference's inputs (flattened, in input order).
    pub fn run_float(&self, inputs: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
        let shapes: Vec<Vec<usize>> = self
            .graph
            .nodes
            .iter()
            .filter_map(|n| match &n.op {
                FloatOp::Input(Input { shape }) => Some(shape.clone()),
                _ => None,
            })
            .collect();
        let err = |e: TractError| ModelError::Calibration(format!("tract: {e}"));
        // Each input in the type the model declares (token ids are integers).
        let types: Vec<DatumType> = (0..inputs.len())
            .map(|i| self.plan.model().input_fact(i).map(|f| f.datum_type))
            .collect::<TractResult<_>>()
            .map_err(err)?;
        let tensors = inputs
            .iter()
            .zip(&shapes)
            .zip(&types)
            .map(|((v, s), dt)| {
                let data: Vec<f64> = v.clone();
                let t: Tensor = tract_ndarray::ArrayD::from_shape_vec(s.as_slice(), data)
                    .map_err(|e| ModelError::Calibration(e.to_string()))?
                    .into();
                Ok(t.cast_to_dt(*dt).map_err(err)?.into_owned().into())
            })
            .collect::<Result<TVec<TValue>>>()?;
        let outputs = catch_panic(|| self.plan.run(tensors))
            .map_err(|msg| ModelError::Calibration(format!("tract failed on this model ({msg})")))?
            .map_err(err)?;
        outputs
            .iter()
            .map(|t| {
                let t = t.cast_to::<f64>().map_err(err)?;
                Ok(t.to_plain_array_view::<f64>()
                    .map_err(err)?
                    .iter()
                    .copied()
                    .collect())
            })
            .collect()
    }
}
