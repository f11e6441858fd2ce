//! `EinSum` of two computed tensors (ONNX MatMul of two activations, as in attention) into a `MatMul`
//! checked by Freivalds' algorithm.
//!
//! Axes of size 1 are ignored. The others classify as batch (both operands and the output), row (first
//! operand and output), contraction (both operands) or column (second operand and output) axes; the
//! operands are gathered into `[batch, M, K]` and `[batch, K, N]` and the result back into the output's
//! layout, all free re-indexings.

use super::linear::einsum_axes;
use super::Importer;
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::einsum::EinSum;
use zkinfer_circuits::ops::{Gather, MatMul};

/// A non-unit axis: its size and its position in the first operand, the second and the output.
struct Axis {
    size: usize,
    a: Option<usize>,
    b: Option<usize>,
    out: Option<usize>,
}

/// The flat index in `shape` (row-major) of the element whose coordinate on axis `positions[i]` is
/// `coords[i]` (all other axes have size 1).
fn flat(shape: &[usize], positions: &[usize], coords: &[usize]) -> usize {
    let mut index = 0;
    let mut stride = 1;
    for d in (0..shape.len()).rev() {
        if let Some(i) = positions.iter().position(|p| *p == d) {
            index += coords[i] * stride;
        }
        stride *= shape[d];
    }
    index
}

/// Row-major coordinates of `i` over `sizes`.
fn coords(mut i: usize, sizes: &[usize]) -> Vec<usize> {
    let mut c = vec![0; sizes.len()];
    for d in (0..sizes.len()).rev() {
        c[d] = i % sizes[d];
        i /= sizes[d];
    }
    c
}

pub(super) fn import_matmul(
    im: &mut Importer,
    node: &TypedNode,
    op: &EinSum,
    (a, b): (usize, usize),
) -> Result<()> {
    let (a_shape, b_shape, out_shape) = (
        im.input_shape(node, 0)?,
        im.input_shape(node, 1)?,
        im.output_shape(node)?,
    );
    if im.graph.nodes[a].shape != a_shape || im.graph.nodes[b].shape != b_shape {
        return Err(im.node_err(node, "operand shape differs from tract's"));
    }
    let axes: Vec<Axis> = einsum_axes(im, node, op, [&a_shape, &b_shape], &out_shape)?
        .into_iter()
        .map(|x| Axis {
            size: x.size,
            a: x.inputs[0],
            b: x.inputs[1],
            out: x.out,
        })
        .collect();
    let (mut batch, mut rows, mut inner, mut cols) = (vec![], vec![], vec![], vec![]);
    for ax in &axes {
        match (ax.a, ax.b, ax.out) {
            (Some(_), Some(_), Some(_)) => batch.push(ax),
            (Some(_), None, Some(_)) => rows.push(ax),
            (Some(_), Some(_), None) => inner.push(ax),
            (None, Some(_), Some(_)) => cols.push(ax),
            _ => {
                return Err(im.unsupported(
                    node,
                    "an axis summed over one operand only (not a matrix product)",
                ))
            }
        }
    }
    let size = |group: &[&Axis]| group.iter().map(|a| a.size).product::<usize>();
    let (nb, m, k, n) = (size(&batch), size(&rows), size(&inner), size(&cols));
    // Gather an operand into [groups...] order: element e of the result is the operand element whose
    // coordinates are e's coordinates over the groups' axes.
    let gather = |shape: &[usize], groups: &[&[&Axis]], pos: &dyn Fn(&Axis) -> usize| {
        let all: Vec<&Axis> = groups.iter().flat_map(|g| g.iter().copied()).collect();
        let (positions, dims): (Vec<usize>, Vec<usize>) =
            all.iter().map(|a| (pos(a), a.size)).unzip();
        let total: usize = dims.iter().product();
        (0..total)
            .map(|e| flat(shape, &positions, &coords(e, &dims)))
            .collect::<Vec<usize>>()
    };
    let a_idx = gather(&a_shape, &[&batch, &rows, &inner], &|x| x.a.unwrap_or(0));
    let b_idx = gather(&b_shape, &[&batch, &inner, &cols], &|x| x.b.unwrap_or(0));
    let name = &node.name;
    let ga = im.push_anonymous(
        &format!("{name}.lhs"),
        FloatOp::Gather(Gather {
            shape: vec![nb, m, k],
            indices: a_idx,
        }),
        vec![a],
        vec![nb, m, k],
    );
    let gb = im.push_anonymous(
        &format!("{name}.rhs"),
        FloatOp::Gather(Gather {
            shape: vec![nb, k, n],
            indices: b_idx,
        }),
        vec![b],
        vec![nb, k, n],
    );
    let product = im.push_anonymous(
        &format!("{name}.product"),
        FloatOp::MatMul(MatMul { batch: nb, m, k, n }),
        vec![ga, gb],
        vec![nb, m, n],
    );
    // Back into the output's layout: output element o reads the product at o's batch/row/column coords.
    let numel: usize = out_shape.iter().product();
    let groups: Vec<&Axis> = batch.iter().chain(&rows).chain(&cols).copied().collect();
    let out_positions: Vec<usize> = groups.iter().map(|a| a.out.unwrap_or(0)).collect();
    let dims: Vec<usize> = groups.iter().map(|a| a.size).collect();
    let mut back = vec![0; numel];
    for e in 0..nb * m * n {
        back[flat(&out_shape, &out_positions, &coords(e, &dims))] = e;
    }
    im.push(
        node.id,
        name,
        FloatOp::Gather(Gather {
            shape: out_shape.clone(),
            indices: back,
        }),
        vec![product],
        out_shape,
    );
    Ok(())
}
