//! Axis changes that keep row-major element order: adding or removing unit axes, reshapes, and moves
//! of unit axes. They import as a free `Reshape`.

use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::change_axes::AxisOp;

pub(super) fn import_axis_op(im: &mut Importer, node: &TypedNode, op: &AxisOp) -> Result<()> {
    let in_shape = im.input_shape(node, 0)?;
    let shape = im.output_shape(node)?;
    if let AxisOp::Move(from, to) = op {
        // A move only keeps element order when at most one of the axes it shifts is longer than 1.
        let (lo, hi) = ((*from).min(*to), (*from).max(*to));
        if in_shape[lo..=hi].iter().filter(|d| **d > 1).count() > 1 {
            return Err(im.unsupported(node, "transpose that reorders elements"));
        }
    }
    match im.input(node, 0)? {
        Value::Node(x) => {
            im.push(
                node.id,
                &node.name,
                FloatOp::Reshape {
                    shape: shape.clone(),
                },
                vec![x],
                shape,
            );
        }
        Value::Const { values, .. } => {
            im.values.insert(node.id, Value::Const { shape, values });
        }
    }
    Ok(())
}
