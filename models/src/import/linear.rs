//! `EinSum` with one constant operand (ONNX Gemm and MatMul after tract) into a `Dense` (two computed
//! operands go to `matmul`).
//!
//! Axes of size 1 are ignored (they do not change row-major order). The others must classify as batch
//! (activation and output), contraction (activation and weight) or output (weight and output) axes, with
//! the activation laid out `[batch..., contraction...]` and the output `[batch..., output...]`; the weight
//! may be in any order (Gemm's `transB` arrives as a permuted weight).

use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::einsum::EinSum;
use zkinfer_circuits::ops::{Dense, Reshape, Transpose};
use zkinfer_circuits::Activation;

struct AxisInfo {
    size: usize,
    x: Option<usize>,
    w: Option<usize>,
    out: Option<usize>,
}

/// A non-unit axis of a binary `EinSum`: its size and its position in each operand and in the output.
pub(super) struct EinAxis {
    pub size: usize,
    pub inputs: [Option<usize>; 2],
    pub out: Option<usize>,
}

/// The axes of size other than 1 of a binary `EinSum` whose operands (by slot) have shapes `inputs`.
pub(super) fn einsum_axes(
    im: &Importer,
    node: &TypedNode,
    op: &EinSum,
    inputs: [&[usize]; 2],
    out_shape: &[usize],
) -> Result<Vec<EinAxis>> {
    let one = |v: &[usize]| -> Result<Option<usize>> {
        match v {
            [] => Ok(None),
            [p] => Ok(Some(*p)),
            _ => Err(im.unsupported(node, "repeated axis (diagonal)")),
        }
    };
    let mut axes = Vec::new();
    for axis in op.axes.iter_all_axes() {
        let positions = [one(&axis.inputs[0])?, one(&axis.inputs[1])?];
        let out = one(&axis.outputs[0])?;
        let size = positions[0]
            .map(|p| inputs[0][p])
            .or(positions[1].map(|p| inputs[1][p]))
            .or(out.map(|p| out_shape[p]))
            .unwrap_or(1);
        if size != 1 {
            axes.push(EinAxis {
                size,
                inputs: positions,
                out,
            });
        }
    }
    Ok(axes)
}

pub(super) fn import_einsum(im: &mut Importer, node: &TypedNode, op: &EinSum) -> Result<()> {
    if op.q_params.is_some() || node.inputs.len() != 2 {
        return Err(im.unsupported(node, "quantized or non-binary EinSum"));
    }
    let (a, b) = (im.input(node, 0)?, im.input(node, 1)?);
    let (x_slot, x_index, w_shape, w_values) = match (a, b) {
        (Value::Node(x), Value::Const { shape, values }) => (0, x, shape, values),
        (Value::Const { shape, values }, Value::Node(x)) => (1, x, shape, values),
        (Value::Node(a), Value::Node(b)) => {
            return super::matmul::import_matmul(im, node, op, (a, b));
        }
        _ => {
            return Err(im.node_err(
                node,
                "product of two constants (tract should have folded this)",
            ));
        }
    };
    let w_slot = 1 - x_slot;
    let x_shape = im.input_shape(node, x_slot)?;
    let out_shape = im.output_shape(node)?;
    let mut slot_shapes: [&[usize]; 2] = [&[], &[]];
    slot_shapes[x_slot] = &x_shape;
    slot_shapes[w_slot] = &w_shape;
    let axes: Vec<AxisInfo> = einsum_axes(im, node, op, slot_shapes, &out_shape)?
        .into_iter()
        .map(|a| AxisInfo {
            size: a.size,
            x: a.inputs[x_slot],
            w: a.inputs[w_slot],
            out: a.out,
        })
        .collect();
    let (mut batch, mut contract, mut outs) = (vec![], vec![], vec![]);
    for ax in &axes {
        match (ax.x, ax.w, ax.out) {
            (Some(_), None, Some(_)) => batch.push(ax),
            (Some(_), Some(_), None) => contract.push(ax),
            (None, Some(_), Some(_)) => outs.push(ax),
            _ => {
                return Err(im.unsupported(
                    node,
                    "an axis that is summed over one operand or shared by all three",
                ))
            }
        }
    }
    batch.sort_by_key(|a| a.x);
    contract.sort_by_key(|a| a.x);
    outs.sort_by_key(|a| a.out);
    // The Dense op reads rows of [batch..., contraction...] and writes [batch..., outputs...]; other
    // layouts are moved into and out of that order by free transposes.
    let x_perm: Vec<usize> = (0..x_shape.len())
        .filter(|p| !axes.iter().any(|a| a.x == Some(*p)))
        .chain(batch.iter().chain(&contract).filter_map(|a| a.x))
        .collect();
    let x_index = if x_perm.windows(2).all(|w| w[0] < w[1]) {
        x_index
    } else {
        let shape: Vec<usize> = x_perm.iter().map(|p| x_shape[*p]).collect();
        let name = format!("{}.input_transpose", node.name);
        im.push_anonymous(
            &name,
            FloatOp::Transpose(Transpose { perm: x_perm }),
            vec![x_index],
            shape,
        )
    };
    let n_in: usize = contract.iter().map(|a| a.size).product();
    let n_out: usize = outs.iter().map(|a| a.size).product();
    let w_strides: Vec<usize> = (0..w_shape.len())
        .map(|i| w_shape[i + 1..].iter().product::<usize>())
        .collect();
    let mut weights = vec![0.0; n_in * n_out];
    for i in 0..n_in {
        let wi = unravel(i, &contract)
            .map(|(ax, c)| c * w_strides[ax.w.unwrap_or(0)])
            .sum::<usize>();
        for j in 0..n_out {
            let wj = unravel(j, &outs)
                .map(|(ax, c)| c * w_strides[ax.w.unwrap_or(0)])
                .sum::<usize>();
            weights[i * n_out + j] = w_values[wi + wj];
        }
    }
    let rows: usize = batch.iter().map(|a| a.size).product();
    let op = FloatOp::Dense(Dense {
        n_in,
        n_out,
        weights,
        bias: vec![0.0; n_out],
        act: Activation::None,
        weight_bits: 0,
    });
    // Natural order of the result: batch axes (activation order), then output axes (output order).
    let natural: Vec<&AxisInfo> = batch.iter().chain(&outs).copied().collect();
    let mut target: Vec<(usize, usize)> = natural
        .iter()
        .enumerate()
        .map(|(i, a)| (a.out.unwrap_or(0), i))
        .collect();
    target.sort();
    let perm: Vec<usize> = target.iter().map(|(_, i)| *i).collect();
    if perm.windows(2).all(|w| w[0] < w[1]) {
        im.push(node.id, &node.name, op, vec![x_index], vec![rows, n_out]);
        return Ok(());
    }
    let dense = im.push_anonymous(&node.name, op, vec![x_index], vec![rows, n_out]);
    let dims: Vec<usize> = natural.iter().map(|a| a.size).collect();
    let reshaped = im.push_anonymous(
        &format!("{}.split", node.name),
        FloatOp::Reshape(Reshape {
            shape: dims.clone(),
        }),
        vec![dense],
        dims.clone(),
    );
    let shape: Vec<usize> = perm.iter().map(|p| dims[*p]).collect();
    let moved = im.push_anonymous(
        &format!("{}.output_transpose", node.name),
        FloatOp::Transpose(Transpose { perm }),
        vec![reshaped],
        shape,
    );
    im.push(
        node.id,
        &format!("{}.output_shape", node.name),
        FloatOp::Reshape(Reshape {
            shape: out_shape.clone(),
        }),
        vec![moved],
        out_shape,
    );
    Ok(())
}

/// Mixed-radix digits of `index` over `axes` (last axis fastest), paired with their axes.
fn unravel<'a>(
    mut index: usize,
    axes: &'a [&'a AxisInfo],
) -> impl Iterator<Item = (&'a AxisInfo, usize)> {
    let mut digits = vec![0; axes.len()];
    for (d, ax) in digits.iter_mut().zip(axes).rev() {
        *d = index % ax.size;
        index /= ax.size;
    }
    axes.iter().copied().zip(digits)
}
