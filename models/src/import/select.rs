//! ONNX Where (tract's `Iff`), in the forms real models use:
//! - `Where(x < 0, a·x, b·x)`: ONNX PRelu (tract expands it into a sign test, a product by the slope and
//!   an `Iff`), and any select between two per-element multiples of the same tensor on its sign;
//! - a constant condition: each output element is one branch's element, chosen when the model is
//!   written. One exact Affine row per element, `cond·a + (1 - cond)·b` (a constant branch in the bias);
//! - a causal or padding mask: a constant condition choosing between a tensor and a large negative
//!   constant (at most [`MASK_FILL`], e.g. `-inf` or the float minimum), read only by a Softmax. The
//!   masked positions contribute nothing to that softmax, so it is built over the others and outputs
//!   an exact 0 at them (see `softmax`): the constant never enters the circuit or its range.
//!
//! Both branches agree at `x = 0`, so the result is `a·x + (b - a)·relu(x)` whatever the test does at 0:
//! one Relu and one two-operand Affine, constrained by the chips that already exist. The product node the
//! expansion created for the slope is left unused and pruned after import.

use super::elementwise::{broadcast, broadcast_node};
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use zkinfer_circuits::ops::{Affine, Relu};
use zkinfer_circuits::Activation;

/// A constant at or below this, selected into a Softmax's input, masks that position out.
pub const MASK_FILL: f64 = -1e4;

/// A comparison of a tensor with zero: record which sign makes it true.
pub(super) fn import_sign_test(
    im: &mut Importer,
    node: &TypedNode,
    comparison: &str,
) -> Result<()> {
    let is_zero =
        |v: &Value| matches!(v, Value::Const { values, .. } if values.iter().all(|x| *x == 0.0));
    let (a, b) = (im.input(node, 0)?, im.input(node, 1)?);
    // `x < 0`, `x <= 0`, `0 > x`, `0 >= x` are true for negatives; the mirrored forms for positives.
    let (x, x_on_left) = match (&a, &b) {
        (Value::Node(x), z) if is_zero(z) => (*x, true),
        (z, Value::Node(x)) if is_zero(z) => (*x, false),
        // Not a sign test: only its 0/1 value (`compare`) is used.
        _ => return Ok(()),
    };
    let less = matches!(comparison, "LT" | "LTE");
    im.signs.insert(node.id, (x, less == x_on_left));
    Ok(())
}

/// `Iff(sign test of x, t, f)` with `t` and `f` each `x` or a per-element multiple of it.
pub(super) fn import_iff(im: &mut Importer, node: &TypedNode) -> Result<()> {
    if !im.signs.contains_key(&node.inputs[0].node) {
        if let Value::Const { values, .. } = im.input(node, 0)? {
            return import_constant_select(im, node, &values);
        }
    }
    let computed = |im: &mut Importer| match im.input(node, 0)? {
        Value::Node(c) => super::compare::import_computed_select(im, node, c),
        Value::Const { .. } => Err(im.node_err(node, "condition")),
    };
    let Some((x, negative)) = im.signs.get(&node.inputs[0].node).copied() else {
        return computed(im);
    };
    let n: usize = im.graph.nodes[x].shape.iter().product();
    let coefficients = |v: Value| -> Option<Vec<f64>> {
        let Value::Node(i) = v else { return None };
        if i == x {
            return Some(vec![1.0; n]);
        }
        match (&im.graph.nodes[i].op, im.graph.nodes[i].inputs.as_slice()) {
            (
                FloatOp::Affine(Affine {
                    coefficients,
                    bias,
                    act: Activation::None,
                    extra: 0,
                }),
                [input],
            ) if *input == x && coefficients.len() == 1 && bias.iter().all(|b| *b == 0.0) => {
                Some(coefficients[0].clone())
            }
            _ => None,
        }
    };
    let (when_true, when_false) = (
        coefficients(im.input(node, 1)?),
        coefficients(im.input(node, 2)?),
    );
    let (Some(t), Some(f)) = (when_true, when_false) else {
        // Not PRelu's form: the general select on the comparison's 0/1 value.
        return computed(im);
    };
    let (neg, pos) = if negative { (t, f) } else { (f, t) };
    let shape = im.graph.nodes[x].shape.clone();
    let r = im.push_anonymous(
        &format!("{}.relu", node.name),
        FloatOp::Relu(Relu { scale: 0 }),
        vec![x],
        shape.clone(),
    );
    let diff: Vec<f64> = pos.iter().zip(&neg).map(|(p, q)| p - q).collect();
    im.push(
        node.id,
        &node.name,
        FloatOp::Affine(Affine {
            coefficients: vec![neg, diff],
            bias: vec![0.0; n],
            act: Activation::None,
            extra: 0,
        }),
        vec![x, r],
        shape,
    );
    Ok(())
}

/// `Where(cond, a, b)` with a constant `cond` (module docs): a mask before a Softmax, or one Affine.
fn import_constant_select(im: &mut Importer, node: &TypedNode, cond: &[f64]) -> Result<()> {
    let out = im.output_shape(node)?;
    let to_out = |im: &Importer, i: usize, values: &[f64]| {
        let shape = im.input_shape(node, i)?;
        broadcast(values, &shape, &out)
            .ok_or_else(|| im.node_err(node, format!("broadcasting {shape:?} to {out:?}")))
    };
    let pick = to_out(im, 0, cond)?;
    let n = pick.len();
    let mut operands = vec![];
    let mut coefficients = vec![];
    let mut bias = vec![0.0; n];
    let mut fills = vec![false; n];
    for (branch, chosen) in [(1, 1.0), (2, 0.0)] {
        let here: Vec<f64> = pick
            .iter()
            .map(|c| f64::from(u8::from((*c != 0.0) == (chosen != 0.0))))
            .collect();
        match im.input(node, branch)? {
            Value::Const { values, .. } => {
                for (i, v) in to_out(im, branch, &values)?.iter().enumerate() {
                    if here[i] != 0.0 {
                        bias[i] = *v;
                        fills[i] = *v <= MASK_FILL;
                    }
                }
            }
            Value::Node(x) => {
                let shape = im.input_shape(node, branch)?;
                let x = if shape == out {
                    x
                } else {
                    let name = format!("{}.broadcast{branch}", node.name);
                    broadcast_node(im, &name, x, &shape, &out).ok_or_else(|| {
                        im.node_err(node, format!("broadcasting {shape:?} to {out:?}"))
                    })?
                };
                operands.push(x);
                coefficients.push(here);
            }
        }
    }
    if fills.iter().any(|f| *f) {
        return import_mask(im, node, &operands, &bias, fills);
    }
    if operands.is_empty() {
        return Err(im.node_err(
            node,
            "a select of two constants (tract should have folded it)",
        ));
    }
    let op = FloatOp::Affine(Affine {
        coefficients,
        bias,
        act: Activation::None,
        extra: 0,
    });
    im.push(node.id, &node.name, op, operands, out);
    Ok(())
}

/// A select of one tensor and a large negative fill: recorded for the Softmax that must be its only
/// reader (anything else would carry the fill into the circuit's range).
fn import_mask(
    im: &mut Importer,
    node: &TypedNode,
    operands: &[usize],
    bias: &[f64],
    fills: Vec<bool>,
) -> Result<()> {
    let softmax_only = node.outputs[0].successors.iter().all(|s| {
        im.model
            .node(s.node)
            .op_is::<tract_onnx::tract_core::ops::nn::Softmax>()
    });
    let unmasked_constant = bias.iter().zip(&fills).any(|(b, f)| !f && *b != 0.0);
    match operands {
        [x] if softmax_only && !unmasked_constant && im.single_use(node.id) => {
            im.masks.insert(node.id, (*x, fills));
            Ok(())
        }
        _ => Err(im.unsupported(
            node,
            format!(
                "a large negative constant (at most {MASK_FILL}) selected into a tensor other than \
                 the sole input of a Softmax (a mask is supported right before its Softmax)"
            ),
        )),
    }
}
