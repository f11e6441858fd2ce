//! Binary elementwise ops: `Add`, `Sub`, `Mul`, `Div` and `Max` (tract's form of Relu: `max(x, 0)`).
//!
//! Sums and differences of two tensors, and any of the four with a (broadcast) constant, become an
//! elementwise `Affine`; the product of two tensors is a `Multiply`, their quotient a `Divide` (positive
//! denominators); a smaller tensor operand is broadcast by a free gather. Folds, when
//! the operand has no other use: a constant added to a Dense or Conv whose bias it can absorb (the same
//! value on every row / per channel) goes into that bias; a constant added to a one-operand Affine goes
//! into its bias (so BatchNormalization's Mul + Add is one Affine); `max(x, 0)` after a Dense, Conv or
//! Affine becomes its activation. Otherwise they are standalone nodes.

use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use zkinfer_circuits::ops::{Affine, Conv, Dense, Divide, Gather, Multiply, ReduceSum, Relu};
use zkinfer_circuits::Activation;

pub(super) fn import_binary(im: &mut Importer, node: &TypedNode, op: &TypedBinOp) -> Result<()> {
    let name = op.0.name().to_string();
    let out_shape = im.output_shape(node)?;
    let numel: usize = out_shape.iter().product();
    let (a, b) = (im.input(node, 0)?, im.input(node, 1)?);
    let bcast = |im: &Importer, shape: &[usize], values: &[f64]| {
        broadcast(values, shape, &out_shape).ok_or_else(|| {
            im.unsupported(
                node,
                format!("constant of shape {shape:?} against {out_shape:?}"),
            )
        })
    };
    // (operand, its tract node, constant, constant is the left operand)
    let (x, x_tract, constant, const_left) = match (&a, &b) {
        (Value::Node(x), Value::Const { shape, values }) => {
            (*x, node.inputs[0].node, bcast(im, shape, values)?, false)
        }
        (Value::Const { shape, values }, Value::Node(x)) => {
            (*x, node.inputs[1].node, bcast(im, shape, values)?, true)
        }
        (Value::Node(x), Value::Node(y)) => {
            return two_tensors(im, node, &name, (*x, *y), out_shape)
        }
        _ => {
            return Err(im.node_err(
                node,
                "both operands constant (tract should have folded this)",
            ))
        }
    };
    if im.graph.nodes[x].shape.iter().product::<usize>() != numel {
        return Err(im.unsupported(node, "broadcasting that enlarges a non-constant operand"));
    }
    let shape = im.graph.nodes[x].shape.clone();
    let c = constant;
    if let ("Mul", _) | ("Div", false) = (name.as_str(), const_left) {
        if scale_reduce(im, node, x, x_tract, &c, name == "Div") {
            return Ok(());
        }
    }
    let (coefficient, bias): (Vec<f64>, Vec<f64>) = match (name.as_str(), const_left) {
        ("Add", _) => return add_constant(im, node, x, x_tract, c, shape),
        ("Sub", false) => {
            return add_constant(im, node, x, x_tract, c.iter().map(|v| -v).collect(), shape)
        }
        ("Sub", true) => (vec![-1.0; numel], c),
        ("Mul", _) => (c, vec![0.0; numel]),
        ("Div", false) => (c.iter().map(|v| 1.0 / v).collect(), vec![0.0; numel]),
        ("Max", _) if c.iter().all(|v| *v == 0.0) => return relu(im, node, x, x_tract, shape),
        ("Max", _) | ("Min", _) => {
            return super::nonlinear::import_extreme(im, node, x, None, Some(c), name == "Max")
        }
        ("Div", true) => return Err(im.unsupported(node, "division by a non-constant tensor")),
        _ => return Err(im.unsupported(node, "")),
    };
    if coefficient.iter().any(|v| !v.is_finite()) {
        return Err(im.node_err(node, "division by zero in a constant"));
    }
    let op = FloatOp::Affine(Affine {
        coefficients: vec![coefficient],
        bias,
        act: Activation::None,
        extra: 0,
    });
    im.push(node.id, &node.name, op, vec![x], shape);
    Ok(())
}

/// A binary op of two computed tensors; one broadcast to the other (numpy rules) by a free gather.
fn two_tensors(
    im: &mut Importer,
    node: &TypedNode,
    name: &str,
    (x, y): (usize, usize),
    out_shape: Vec<usize>,
) -> Result<()> {
    let numel: usize = out_shape.iter().product();
    let mut operands = [x, y];
    for (slot, operand) in operands.iter_mut().enumerate() {
        let shape = im.input_shape(node, slot)?;
        if im.graph.nodes[*operand].shape.iter().product::<usize>()
            != shape.iter().product::<usize>()
        {
            return Err(im.node_err(node, "operand size differs from tract's"));
        }
        if shape.iter().product::<usize>() == numel {
            continue;
        }
        let name = format!("{}.broadcast{slot}", node.name);
        *operand = broadcast_node(im, &name, *operand, &shape, &out_shape).ok_or_else(|| {
            im.unsupported(node, format!("broadcasting {shape:?} to {out_shape:?}"))
        })?;
    }
    let [x, y] = operands;
    let sign = match name {
        "Add" => 1.0,
        "Sub" => -1.0,
        "Max" | "Min" => {
            return super::nonlinear::import_extreme(im, node, x, Some(y), None, name == "Max")
        }
        "Div" => {
            im.push(
                node.id,
                &node.name,
                FloatOp::Divide(Divide),
                vec![x, y],
                out_shape,
            );
            return Ok(());
        }
        "Mul" => {
            im.push(
                node.id,
                &node.name,
                FloatOp::Multiply(Multiply),
                vec![x, y],
                out_shape,
            );
            return Ok(());
        }
        _ => return Err(im.unsupported(node, "this op on two computed tensors")),
    };
    let op = FloatOp::Affine(Affine {
        coefficients: vec![vec![1.0; numel], vec![sign; numel]],
        bias: vec![0.0; numel],
        act: Activation::None,
        extra: 0,
    });
    im.push(node.id, &node.name, op, vec![x, y], out_shape);
    Ok(())
}

/// `x + c`: folded into the bias of a preceding Dense, Conv or one-operand Affine when possible.
fn add_constant(
    im: &mut Importer,
    node: &TypedNode,
    x: usize,
    x_tract: usize,
    c: Vec<f64>,
    shape: Vec<usize>,
) -> Result<()> {
    if im.single_use(x_tract) {
        let x_shape = im.graph.nodes[x].shape.clone();
        let folded = match &mut im.graph.nodes[x].op {
            FloatOp::Dense(Dense {
                n_out,
                bias,
                act: Activation::None,
                ..
            }) => fold_per_channel(bias, &c, 1, *n_out),
            FloatOp::Conv(Conv {
                c_out,
                bias,
                act: Activation::None,
                raw: false,
                ..
            }) => fold_per_channel(bias, &c, x_shape[2..].iter().product(), *c_out),
            FloatOp::Affine(Affine {
                coefficients,
                bias,
                act: Activation::None,
                ..
            }) if coefficients.len() == 1 => {
                bias.iter_mut().zip(&c).for_each(|(b, v)| *b += v);
                true
            }
            _ => false,
        };
        if folded {
            im.values.insert(node.id, Value::Node(x));
            return Ok(());
        }
    }
    let n = c.len();
    let op = FloatOp::Affine(Affine {
        coefficients: vec![vec![1.0; n]],
        bias: c,
        act: Activation::None,
        extra: 0,
    });
    im.push(node.id, &node.name, op, vec![x], shape);
    Ok(())
}

/// Add `c` (laid out `[rows][channels][inner]`) to a per-channel `bias` if it is constant over rows and
/// the inner positions. Returns whether it did.
fn fold_per_channel(bias: &mut [f64], c: &[f64], inner: usize, channels: usize) -> bool {
    let per = |i: usize| c[i / inner % channels];
    if inner == 0
        || channels == 0
        || !c.len().is_multiple_of(inner * channels)
        || !(0..c.len()).all(|i| c[i] == per(i))
    {
        return false;
    }
    for (ch, b) in bias.iter_mut().enumerate() {
        *b += c[ch * inner];
    }
    true
}

/// `x · c` or `x / c` with a uniform constant right after a single-use ReduceSum: folded into its
/// coefficient (ReduceMean arrives from tract as a sum then a division). Returns whether it did.
fn scale_reduce(
    im: &mut Importer,
    node: &TypedNode,
    x: usize,
    x_tract: usize,
    c: &[f64],
    divide: bool,
) -> bool {
    let uniform = c
        .first()
        .filter(|v| c.iter().all(|w| w == *v) && **v != 0.0)
        .copied();
    match (uniform, im.single_use(x_tract), &mut im.graph.nodes[x].op) {
        (
            Some(v),
            true,
            FloatOp::ReduceSum(ReduceSum {
                weight: coefficient,
                ..
            }),
        ) => {
            *coefficient = if divide {
                *coefficient / v
            } else {
                *coefficient * v
            };
            im.values.insert(node.id, Value::Node(x));
            true
        }
        _ => false,
    }
}

/// `max(x, 0)`: the activation of a preceding Dense, Conv or Affine when possible.
fn relu(
    im: &mut Importer,
    node: &TypedNode,
    x: usize,
    x_tract: usize,
    shape: Vec<usize>,
) -> Result<()> {
    if !fuse_activation(im, node, x, x_tract, Activation::Relu) {
        im.push(
            node.id,
            &node.name,
            FloatOp::Relu(Relu { scale: 0 }),
            vec![x],
            shape,
        );
    }
    Ok(())
}

/// Make `act` the activation of `x` (the value of tract node `x_tract`) when `x` is a Dense, Conv or Affine
/// without one whose only reader is `node`; then `node`'s value is `x`. Returns whether it did.
pub(crate) fn fuse_activation(
    im: &mut Importer,
    node: &TypedNode,
    x: usize,
    x_tract: usize,
    act: Activation,
) -> bool {
    if !im.single_use(x_tract) {
        return false;
    }
    if let FloatOp::Dense(Dense { act: a, .. })
    | FloatOp::Conv(Conv {
        act: a, raw: false, ..
    })
    | FloatOp::Affine(Affine { act: a, .. }) = &mut im.graph.nodes[x].op
    {
        if *a == Activation::None {
            *a = act;
            im.values.insert(node.id, Value::Node(x));
            return true;
        }
    }
    false
}

/// Node `x` (of `shape`) broadcast to `target` by a free gather; `None` if incompatible.
pub(super) fn broadcast_node(
    im: &mut Importer,
    name: &str,
    x: usize,
    shape: &[usize],
    target: &[usize],
) -> Option<usize> {
    let positions: Vec<f64> = (0..shape.iter().product::<usize>())
        .map(|i| i as f64)
        .collect();
    let indices = broadcast(&positions, shape, target)?;
    Some(im.push_anonymous(
        name,
        FloatOp::Gather(Gather {
            shape: target.to_vec(),
            indices: indices.iter().map(|i| *i as usize).collect(),
        }),
        vec![x],
        target.to_vec(),
    ))
}

/// Broadcast `values` of `shape` to `target` (numpy rules); `None` if incompatible.
pub(crate) fn broadcast(values: &[f64], shape: &[usize], target: &[usize]) -> Option<Vec<f64>> {
    if shape.len() > target.len() {
        // Leading unit axes may be dropped.
        let extra = shape.len() - target.len();
        if shape[..extra].iter().any(|d| *d != 1) {
            return None;
        }
        return broadcast(values, &shape[extra..], target);
    }
    let padded: Vec<usize> = std::iter::repeat_n(1, target.len() - shape.len())
        .chain(shape.iter().copied())
        .collect();
    if padded.iter().zip(target).any(|(s, t)| *s != *t && *s != 1) {
        return None;
    }
    let strides: Vec<usize> = (0..padded.len())
        .map(|i| padded[i + 1..].iter().product())
        .collect();
    let numel: usize = target.iter().product();
    Some(
        (0..numel)
            .map(|mut flat| {
                let mut src = 0;
                for d in (0..target.len()).rev() {
                    let coord = flat % target[d];
                    flat /= target[d];
                    if padded[d] != 1 {
                        src += coord * strides[d];
                    }
                }
                values[src]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::broadcast;

    #[test]
    fn broadcast_follows_numpy() {
        assert_eq!(
            broadcast(&[1.0, 2.0], &[2], &[2, 2]),
            Some(vec![1.0, 2.0, 1.0, 2.0])
        );
        assert_eq!(
            broadcast(&[1.0, 2.0], &[2, 1], &[2, 2]),
            Some(vec![1.0, 1.0, 2.0, 2.0])
        );
        assert_eq!(broadcast(&[5.0], &[1, 1], &[3]), Some(vec![5.0; 3]));
        assert_eq!(broadcast(&[1.0, 2.0, 3.0], &[3], &[2]), None);
    }
}
