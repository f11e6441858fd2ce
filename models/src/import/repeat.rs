//! Expand (tract's `MultiBroadcastTo`), Tile, and the ops whose re-indexing is read by running them
//! (nearest Resize, GatherElements, ScatterElements, ScatterND at constant indices): free re-indexings,
//! each output element a copy of one input element (a `Gather`: no rows, the cells are reused).

use super::elementwise::broadcast;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use zkinfer_circuits::ops::{Affine, Concat, Gather, Reshape};
use zkinfer_circuits::Activation;

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

/// An op that only re-indexes its operands numbered `data` (the others constants): ONNX Resize in
/// `nearest` mode, whatever its coordinate transform and rounding; GatherElements at constant indices;
/// ScatterElements and ScatterND at constant indices. Its map is read by running tract's op with every
/// data element tagged with a distinct value (`3i + 1`, numbering the data operands' elements one
/// after the other), and confirmed with scattered tags (an op that mixes values, linear or cubic
/// resizing, outputs a value that is no operand's: refused). Computed data operands are flattened and
/// joined (free) and gathered (free); when some output elements come from a constant data operand
/// (a scatter into constant data, or of constant updates), one exact Affine row per element then
/// keeps the gathered value (coefficient 1) or puts the constant (coefficient 0, the constant as bias).
pub(super) fn import_by_probe(
    im: &mut Importer,
    node: &TypedNode,
    what: &str,
    data: &[usize],
) -> Result<()> {
    let operands: Vec<Value> = data
        .iter()
        .map(|i| im.input(node, *i))
        .collect::<Result<_>>()?;
    let lens: Vec<usize> = data
        .iter()
        .map(|i| im.input_shape(node, *i).map(|s| s.iter().product()))
        .collect::<Result<_>>()?;
    let n: usize = lens.iter().sum();
    // Both tag sets are exact in f32 (below 2^24) for fewer than 2^22 elements.
    // Neither tag set holds 0 (an output filled with 0, e.g. a crop's extrapolation, is no element).
    let scattered = |i: usize| ((i as u64 * 2_654_435_761) % 16_777_213 + 1) as f64;
    let spaced = probe(im, node, data, &|i| (3 * i + 1) as f64)?;
    let check = probe(im, node, data, &scattered)?;
    let reads = spaced
        .iter()
        .zip(&check)
        .map(|(v, c)| {
            let i = ((v - 1.0) / 3.0).round();
            let tagged = i >= 0.0 && 3.0 * i + 1.0 == *v;
            (n < 1 << 22 && tagged && (i as usize) < n && scattered(i as usize) == *c)
                .then_some(i as usize)
        })
        .collect::<Option<Vec<usize>>>()
        .ok_or_else(|| im.unsupported(node, format!("a {what} that mixes values")))?;
    // Each read as (computed element in the joined tensor) or (constant value).
    let (mut joined, mut start) = (vec![], 0);
    let (mut source, mut constant) = (vec![None; n], vec![None; n]);
    for (operand, len) in operands.iter().zip(&lens) {
        match operand {
            Value::Node(x) => {
                let first = joined.iter().map(|(_, l)| l).sum::<usize>();
                (0..*len).for_each(|j| source[start + j] = Some(first + j));
                joined.push((*x, *len));
            }
            Value::Const { values, .. } => {
                (0..*len).for_each(|j| constant[start + j] = values.get(j).copied());
            }
        }
        start += len;
    }
    if joined.is_empty() {
        return Err(im.node_err(
            node,
            "a re-indexing of constants (tract should have folded it)",
        ));
    }
    let indices: Vec<usize> = reads.iter().map(|i| source[*i].unwrap_or(0)).collect();
    let all = join_flat(im, node, &joined);
    let shape = im.output_shape(node)?;
    let op = FloatOp::Gather(Gather {
        shape: shape.clone(),
        indices,
    });
    if reads.iter().all(|i| source[*i].is_some()) {
        im.push(node.id, &node.name, op, vec![all], shape);
        return Ok(());
    }
    let label = format!("{}.gathered", node.name);
    let gathered = im.push_anonymous(&label, op, vec![all], shape.clone());
    let keep = reads
        .iter()
        .map(|i| f64::from(u8::from(source[*i].is_some())))
        .collect();
    let bias = reads.iter().map(|i| constant[*i].unwrap_or(0.0)).collect();
    let op = FloatOp::Affine(Affine {
        coefficients: vec![keep],
        bias,
        act: Activation::None,
        extra: 0,
    });
    im.push(node.id, &node.name, op, vec![gathered], shape);
    Ok(())
}

/// The computed operands `(node, length)` flattened and joined into one vector (both free); a single
/// operand as it is.
fn join_flat(im: &mut Importer, node: &TypedNode, operands: &[(usize, usize)]) -> usize {
    if let [(x, _)] = operands {
        return *x;
    }
    let flat: Vec<usize> = operands
        .iter()
        .enumerate()
        .map(|(j, (x, len))| {
            let op = FloatOp::Reshape(Reshape { shape: vec![*len] });
            im.push_anonymous(&format!("{}.flat{j}", node.name), op, vec![*x], vec![*len])
        })
        .collect();
    let n = operands.iter().map(|(_, l)| l).sum();
    let joined = FloatOp::Concat(Concat { axis: 0 });
    im.push_anonymous(&format!("{}.joined", node.name), joined, flat, vec![n])
}

/// `node`'s output when its data operands (numbered `data`, graph values or constants) hold `tag(i)` at
/// their elements' running position `i` and its other operands their constants.
pub(super) fn probe(
    im: &Importer,
    node: &TypedNode,
    data: &[usize],
    tag: &dyn Fn(usize) -> f64,
) -> Result<Vec<f64>> {
    let mut inputs = tvec![];
    let mut next = 0;
    for i in 0..node.inputs.len() {
        let (shape, values) = match im.input(node, i)? {
            _ if data.contains(&i) => {
                let shape = im.input_shape(node, i)?;
                let n: usize = shape.iter().product();
                next += n;
                (shape, (next - n..next).map(tag).collect())
            }
            Value::Const { shape, values } => (shape, values),
            Value::Node(_) => return Err(im.unsupported(node, "computed indices, scales or sizes")),
        };
        inputs.push(im.operand_tensor(node, i, (shape, values))?);
    }
    im.run_op(node, inputs)?
        .and_then(|o| o.into_iter().next())
        .map(|(_, values)| values)
        .ok_or_else(|| im.node_err(node, "could not be evaluated"))
}
