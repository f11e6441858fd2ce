//! The model's outputs: each tract output outlet as a graph output, reshaped to tract's shape when the
//! import built it in another, and a constant output passed through the circuit.

use super::{Importer, Value};
use crate::error::{ModelError, Result};
use crate::float_graph::{FloatNode, FloatOp};
use tract_onnx::prelude::*;
use zkinfer_circuits::ops::{Affine, Gather, Reshape};
use zkinfer_circuits::Activation;

/// Append every output of `model` to `im.graph.outputs`.
pub(super) fn attach(im: &mut Importer, model: &TypedModel) -> Result<()> {
    let bad = |msg: String| ModelError::Onnx {
        path: String::new(),
        msg,
    };
    let outlets = model
        .output_outlets()
        .map_err(|e| bad(e.to_string()))?
        .to_vec();
    for outlet in outlets {
        let node = model.node(outlet.node);
        let value = if outlet.slot == 0 {
            im.values.get(&outlet.node)
        } else {
            im.slots.get(&(outlet.node, outlet.slot))
        };
        match value {
            Some(Value::Node(i)) => {
                let (i, tract_shape) = (*i, im.output_shape_of(node, outlet.slot)?);
                let out = if im.graph.nodes[i].shape != tract_shape {
                    let name = format!("{}.output_shape", node.name);
                    let op = FloatOp::Reshape(Reshape {
                        shape: tract_shape.clone(),
                    });
                    im.graph.nodes.push(FloatNode {
                        name,
                        op,
                        inputs: vec![i],
                        shape: tract_shape,
                    });
                    im.graph.nodes.len() - 1
                } else {
                    i
                };
                im.graph.outputs.push(out);
            }
            Some(Value::Const { shape, values }) => {
                let (shape, values) = (shape.clone(), values.clone());
                let out = constant_output(im, node, shape, values)?;
                im.graph.outputs.push(out);
            }
            None => return Err(im.node_err(node, "an output that was not imported")),
        }
    }
    Ok(())
}

/// A constant model output, passed through the circuit: one exact Affine row per element, `0·x + c`
/// over copies of the first input's first element (a free gather), so the output instances are bound
/// to the model's constant like any other value (range-checked, rounded to the grid).
fn constant_output(
    im: &mut Importer,
    node: &TypedNode,
    shape: Vec<usize>,
    values: Vec<f64>,
) -> Result<usize> {
    let anchor = im
        .graph
        .nodes
        .iter()
        .position(|n| matches!(n.op, FloatOp::Input(_)) && n.shape.iter().product::<usize>() > 0)
        .ok_or_else(|| im.unsupported(node, "a constant output of a model without input values"))?;
    let n = values.len();
    let copies = FloatOp::Gather(Gather {
        shape: shape.clone(),
        indices: vec![0; n],
    });
    let label = format!("{}.anchor", node.name);
    let x = im.push_anonymous(&label, copies, vec![anchor], shape.clone());
    let op = FloatOp::Affine(Affine {
        coefficients: vec![vec![0.0; n]],
        bias: values,
        act: Activation::None,
        extra: 0,
    });
    Ok(im.push_anonymous(&node.name, op, vec![x], shape))
}
