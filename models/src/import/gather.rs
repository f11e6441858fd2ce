//! ONNX Gather (tract's `Gather`), by what is constant:
//! - constant indices into a computed tensor: a free re-indexing (`Gather`, no rows), negative indices
//!   counting from the end as ONNX says;
//! - constant data at computed indices (token embeddings, any table row picked by a value of the model):
//!   an `Embedding`, one lookup per output element into the data's columns, which become sections of
//!   the circuit's lookup table. Its indices must be integers in `[0, V)` (a negative one is an error
//!   naming the layer when the model runs).

use super::repeat::gather;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::array::Gather;
use zkinfer_circuits::ops::Embedding;

pub(super) fn import_gather(im: &mut Importer, node: &TypedNode, op: &Gather) -> Result<()> {
    let data_shape = im.input_shape(node, 0)?;
    let axis = op.axis;
    let Some(len) = data_shape.get(axis).copied() else {
        return Err(im.node_err(node, format!("no axis {axis} in {data_shape:?}")));
    };
    match (im.input(node, 0)?, im.input(node, 1)?) {
        (Value::Node(_), Value::Const { values, .. }) => {
            let positions = values
                .iter()
                .map(|v| {
                    let k = if *v < 0.0 { *v + len as f64 } else { *v };
                    (k >= 0.0 && k < len as f64 && k.fract() == 0.0).then_some(k as usize)
                })
                .collect::<Option<Vec<usize>>>()
                .ok_or_else(|| {
                    im.node_err(
                        node,
                        format!("an index outside [-{len}, {len}) of axis {axis}"),
                    )
                })?;
            let before: usize = data_shape[..axis].iter().product();
            let after: usize = data_shape[axis + 1..].iter().product();
            let mut indices = Vec::with_capacity(before * positions.len() * after);
            for a in 0..before {
                for k in &positions {
                    indices.extend((0..after).map(|b| (a * len + k) * after + b));
                }
            }
            gather(im, node, indices)
        }
        (Value::Const { values, .. }, Value::Node(idx)) => {
            if im.graph.nodes[idx].shape != im.input_shape(node, 1)? {
                return Err(im.node_err(node, "indices' shape differs from tract's"));
            }
            let shape = im.output_shape(node)?;
            let op = FloatOp::Embedding(Embedding {
                data_shape,
                axis,
                data: values,
                scale: 0,
            });
            im.push(node.id, &node.name, op, vec![idx], shape);
            Ok(())
        }
        _ => Err(im.unsupported(
            node,
            "a gather of computed data at computed indices (one of them must be a constant)",
        )),
    }
}
