//! Axis changes that keep row-major element order: adding or removing unit axes, reshapes, and moves
//! of unit axes (a free `Reshape`); other moves (a free `Transpose`), `Slice`, `Concat` and zero `Pad`
//! (free re-indexings), and `Reduce<Sum>`
//! (ONNX ReduceSum, ReduceMean and GlobalAveragePool after tract).

use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::change_axes::AxisOp;
use zkinfer_circuits::ops::{Affine, Concat, Multiply, Pad, ReduceSum, Reshape, Slice, Transpose};

pub(super) fn import_axis_op(im: &mut Importer, node: &TypedNode, op: &AxisOp) -> Result<()> {
    let in_shape = im.input_shape(node, 0)?;
    let shape = im.output_shape(node)?;
    if let AxisOp::Move(from, to) = op {
        // A move keeps element order when at most one of the axes it shifts is longer than 1 (a free
        // reshape); otherwise it is a transpose (also free: a re-indexing).
        let (lo, hi) = ((*from).min(*to), (*from).max(*to));
        if in_shape[lo..=hi].iter().filter(|d| **d > 1).count() > 1 {
            let mut perm: Vec<usize> = (0..in_shape.len()).collect();
            let axis = perm.remove(*from);
            perm.insert(*to, axis);
            return transpose(im, node, in_shape, perm, shape);
        }
    }
    match im.input(node, 0)? {
        Value::Node(x) => {
            im.push(
                node.id,
                &node.name,
                FloatOp::Reshape(Reshape {
                    shape: shape.clone(),
                }),
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

/// Output axis `i` is input axis `perm[i]`.
fn transpose(
    im: &mut Importer,
    node: &TypedNode,
    in_shape: Vec<usize>,
    perm: Vec<usize>,
    shape: Vec<usize>,
) -> Result<()> {
    match im.input(node, 0)? {
        Value::Node(x) if im.graph.nodes[x].shape == in_shape => {
            im.push(
                node.id,
                &node.name,
                FloatOp::Transpose(Transpose { perm }),
                vec![x],
                shape,
            );
        }
        Value::Node(_) => return Err(im.node_err(node, "operand shape differs from tract's")),
        Value::Const { values, .. } => {
            let map = zkinfer_circuits::ops::Transpose { perm }.gather(&in_shape);
            let values = map.iter().map(|i| values[*i]).collect();
            im.values.insert(node.id, Value::Const { shape, values });
        }
    }
    Ok(())
}

pub(super) fn import_slice(
    im: &mut Importer,
    node: &TypedNode,
    op: &tract_onnx::tract_core::ops::array::Slice,
) -> Result<()> {
    let bound = |d: &TDim| d.to_i64().ok().and_then(|v| usize::try_from(v).ok());
    let (Some(start), Some(end)) = (bound(&op.start), bound(&op.end)) else {
        return Err(im.unsupported(node, "symbolic or negative slice bounds"));
    };
    im.push_unary(
        node,
        FloatOp::Slice(Slice {
            axis: op.axis,
            start,
            end,
        }),
        "slice",
    )?;
    Ok(())
}

pub(super) fn import_concat(
    im: &mut Importer,
    node: &TypedNode,
    op: &tract_onnx::tract_core::ops::array::TypedConcat,
) -> Result<()> {
    let mut inputs = Vec::with_capacity(node.inputs.len());
    for i in 0..node.inputs.len() {
        match im.input(node, i)? {
            Value::Node(x) if im.graph.nodes[x].shape == im.input_shape(node, i)? => inputs.push(x),
            Value::Node(_) => return Err(im.node_err(node, "operand shape differs from tract's")),
            Value::Const { .. } => {
                return Err(im.unsupported(node, "concatenation with a constant tensor"))
            }
        }
    }
    let shape = im.output_shape(node)?;
    im.push(
        node.id,
        &node.name,
        FloatOp::Concat(Concat { axis: op.axis }),
        inputs,
        shape,
    );
    Ok(())
}

pub(super) fn import_reduce(
    im: &mut Importer,
    node: &TypedNode,
    op: &tract_onnx::tract_core::ops::nn::Reduce,
) -> Result<()> {
    use tract_onnx::tract_core::ops::nn::Reducer;
    let mean_of_squares = matches!(op.reducer, Reducer::MeanOfSquares);
    match op.reducer {
        Reducer::Sum | Reducer::MeanOfSquares => {}
        Reducer::Max | Reducer::Min | Reducer::Prod => {
            return super::extremes::import_extreme_reduce(im, node, &op.axes, op.reducer)
        }
        Reducer::ArgMax(last) | Reducer::ArgMin(last) => {
            let max = matches!(op.reducer, Reducer::ArgMax(_));
            return super::extremes::import_arg_extreme(im, node, &op.axes, max, last);
        }
        _ => return Err(im.unsupported(node, format!("reducer {:?}", op.reducer))),
    }
    if mean_of_squares {
        return import_mean_of_squares(im, node, &op.axes);
    }
    if op.axes.is_empty() {
        // A reduction over no axes is the identity (ONNX `noop_with_empty_axes`).
        let Value::Node(x) = im.input(node, 0)? else {
            return Err(im.node_err(node, "reduction of a constant"));
        };
        im.values.insert(node.id, Value::Node(x));
        return Ok(());
    }
    im.push_unary(
        node,
        FloatOp::ReduceSum(ReduceSum {
            axes: op.axes.to_vec(),
            weight: 1.0,
            extra: 0,
        }),
        "reduction",
    )?;
    Ok(())
}

/// tract's mean of squares (a variance, LayerNormalization's): the product `x·x`, then a sum whose
/// `1/n` gets coefficient bits.
fn import_mean_of_squares(im: &mut Importer, node: &TypedNode, axes: &[usize]) -> Result<()> {
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "reduction of a constant"));
    };
    let shape = im.graph.nodes[x].shape.clone();
    if axes.is_empty() || axes.iter().any(|a| *a >= shape.len()) {
        return Err(im.node_err(node, format!("axes {axes:?} of {shape:?}")));
    }
    let n: usize = axes.iter().map(|a| shape[*a]).product();
    let square = im.push_anonymous(
        &format!("{}.square", node.name),
        FloatOp::Multiply(Multiply),
        vec![x, x],
        shape,
    );
    let op = FloatOp::ReduceSum(ReduceSum {
        axes: axes.to_vec(),
        weight: 1.0 / n as f64,
        extra: 0,
    });
    let shape = im.output_shape(node)?;
    im.push(node.id, &node.name, op, vec![square], shape);
    Ok(())
}

pub(super) fn import_pad(
    im: &mut Importer,
    node: &TypedNode,
    op: &tract_onnx::tract_core::ops::array::Pad,
) -> Result<()> {
    use tract_onnx::tract_core::ops::array::PadMode;
    let value = match &op.mode {
        PadMode::Constant(v) => v.cast_to::<f64>().ok().and_then(|t| {
            let a = t.to_plain_array_view::<f64>().ok()?;
            let first = *a.iter().next()?;
            a.iter().all(|x| *x == first).then_some(first)
        }),
        _ => None,
    };
    let Some(value) = value else {
        return Err(im.unsupported(
            node,
            format!("padding mode {:?} (only a constant)", op.mode),
        ));
    };
    let pad = FloatOp::Pad(Pad {
        pads: op.pads.clone(),
    });
    if value == 0.0 {
        im.push_unary(node, pad, "padding")?;
        return Ok(());
    }
    // A constant c: zero padding (free), then + c on the padded positions only (an exact Affine whose
    // bias is c there and 0 elsewhere: one rescale row per element).
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "padding a constant (tract should have folded this)"));
    };
    if im.graph.nodes[x].shape != im.input_shape(node, 0)? {
        return Err(im.node_err(node, "operand shape differs from tract's"));
    }
    let shape = im.output_shape(node)?;
    let map = zkinfer_circuits::ops::Pad {
        pads: op.pads.clone(),
    }
    .gather(&im.graph.nodes[x].shape);
    let zero_padded = im.push_anonymous(
        &format!("{}.zero_pad", node.name),
        pad,
        vec![x],
        shape.clone(),
    );
    let n = map.len();
    let bias = map
        .iter()
        .map(|i| if i.is_some() { 0.0 } else { value })
        .collect();
    im.push(
        node.id,
        &node.name,
        FloatOp::Affine(Affine {
            coefficients: vec![vec![1.0; n]],
            bias,
            act: zkinfer_circuits::Activation::None,
            extra: 0,
        }),
        vec![zero_padded],
        shape,
    );
    Ok(())
}

/// The groups a reduction over `axes` of `shape` makes: the reduced shape (axes kept as 1), each
/// element's group (flat index in the reduced shape), and each group's members in row-major order.
pub(super) struct Groups {
    pub reduced: Vec<usize>,
    pub group: Vec<usize>,
    pub taps: Vec<Vec<usize>>,
}

impl Groups {
    pub fn of(shape: &[usize], axes: &[usize]) -> Self {
        let reduced: Vec<usize> = (0..shape.len())
            .map(|d| if axes.contains(&d) { 1 } else { shape[d] })
            .collect();
        let strides = |s: &[usize]| -> Vec<usize> {
            (0..s.len()).map(|i| s[i + 1..].iter().product()).collect()
        };
        let (in_strides, red_strides) = (strides(shape), strides(&reduced));
        let group: Vec<usize> = (0..shape.iter().product())
            .map(|i| {
                (0..shape.len())
                    .filter(|d| !axes.contains(d))
                    .map(|d| (i / in_strides[d]) % shape[d] * red_strides[d])
                    .sum()
            })
            .collect();
        let mut taps = vec![Vec::new(); reduced.iter().product()];
        for (i, g) in group.iter().enumerate() {
            taps[*g].push(i);
        }
        Self {
            reduced,
            group,
            taps,
        }
    }
}
