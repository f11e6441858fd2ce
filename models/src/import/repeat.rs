//! Expand (tract's `MultiBroadcastTo`) and Tile of a computed tensor: free re-indexings, each output
//! element a copy of one input element (a `Gather`: no rows, the cells are reused).

use super::elementwise::broadcast;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use zkinfer_circuits::ops::Gather;

/// Push the gather of `node`'s operand 0 by `indices` (one flat operand index per output element).
pub(super) fn gather(im: &mut Importer, node: &TypedNode, indices: Vec<usize>) -> Result<()> {
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(
            node,
            "a re-indexing of a constant (tract should have folded it)",
        ));
    };
    let shape = im.output_shape(node)?;
    let op = FloatOp::Gather(Gather {
        shape: shape.clone(),
        indices,
    });
    im.push(node.id, &node.name, op, vec![x], shape);
    Ok(())
}

/// ONNX Expand: the operand broadcast (numpy rules) to the output's shape.
pub(super) fn import_broadcast(im: &mut Importer, node: &TypedNode) -> Result<()> {
    let (from, to) = (im.input_shape(node, 0)?, im.output_shape(node)?);
    let positions: Vec<f64> = (0..from.iter().product::<usize>())
        .map(|i| i as f64)
        .collect();
    let indices = broadcast(&positions, &from, &to)
        .ok_or_else(|| im.node_err(node, format!("broadcasting {from:?} to {to:?}")))?;
    gather(im, node, indices.iter().map(|i| *i as usize).collect())
}

/// ONNX Tile: output coordinate `c` reads input coordinate `c mod shape` on every axis.
pub(super) fn import_tile(im: &mut Importer, node: &TypedNode) -> Result<()> {
    let (from, to) = (im.input_shape(node, 0)?, im.output_shape(node)?);
    if from.len() != to.len() || from.iter().zip(&to).any(|(f, t)| *f == 0 || t % f != 0) {
        return Err(im.node_err(node, format!("tiling {from:?} to {to:?}")));
    }
    let indices = (0..to.iter().product::<usize>())
        .map(|flat| {
            let mut rest = flat;
            let mut coords = vec![0; to.len()];
            for d in (0..to.len()).rev() {
                coords[d] = (rest % to[d]) % from[d];
                rest /= to[d];
            }
            coords.iter().zip(&from).fold(0, |acc, (c, n)| acc * n + c)
        })
        .collect();
    gather(im, node, indices)
}
