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

/// An op that only re-indexes its first operand (ONNX Resize in `nearest` mode, whatever its
/// coordinate transform and rounding): a free gather, its map read by running tract's op on the
/// operand's positions, each tagged with a distinct value (`3i + 1`), and confirmed with scattered tags
/// (a mode that mixes values, linear or cubic, outputs a value that is no operand's: refused).
pub(super) fn import_by_probe(im: &mut Importer, node: &TypedNode, what: &str) -> Result<()> {
    let n: usize = im.input_shape(node, 0)?.iter().product();
    // Both tag sets are exact in f32 for fewer than 2^22 elements.
    let scattered = |i: usize| ((i as u64 * 2_654_435_761) % 16_777_213) as f64;
    let spaced = probe(im, node, &|i| (3 * i + 1) as f64)?;
    let check = probe(im, node, &scattered)?;
    let indices = spaced
        .iter()
        .zip(&check)
        .map(|(v, c)| {
            let i = ((v - 1.0) / 3.0).round();
            (n < 1 << 22 && i >= 0.0 && (i as usize) < n && scattered(i as usize) == *c)
                .then_some(i as usize)
        })
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| {
            im.unsupported(node, format!("a {what} that mixes values (only nearest)"))
        })?;
    gather(im, node, indices)
}

/// `node`'s output when its operand 0 (a graph value) holds `tag(i)` at position `i` and its other
/// operands their constants.
fn probe(im: &Importer, node: &TypedNode, tag: &dyn Fn(usize) -> f64) -> Result<Vec<f64>> {
    let mut inputs = tvec![];
    for i in 0..node.inputs.len() {
        let (shape, values) = match im.input(node, i)? {
            Value::Const { shape, values } => (shape, values),
            Value::Node(x) if i == 0 => {
                let shape = im.graph.nodes[x].shape.clone();
                let n = shape.iter().product();
                (shape, (0..n).map(tag).collect())
            }
            Value::Node(_) => return Err(im.unsupported(node, "computed scales or sizes")),
        };
        inputs.push(im.operand_tensor(node, i, (shape, values))?);
    }
    im.run_op(node, inputs)?
        .and_then(|o| o.into_iter().next())
        .map(|(_, values)| values)
        .ok_or_else(|| im.node_err(node, "could not be evaluated"))
}
