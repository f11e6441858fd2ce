//! `Where(x < 0, a·x, b·x)`: ONNX PRelu (tract expands it into a sign test, a product by the slope and an
//! `Iff`), and any select between two per-element multiples of the same tensor on its sign.
//!
//! Both branches agree at `x = 0`, so the result is `a·x + (b - a)·relu(x)` whatever the test does at 0:
//! one Relu and one two-operand Affine, constrained by the chips that already exist. The product node the
//! expansion created for the slope is left unused and pruned after import.

use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use zkinfer_circuits::ops::{Affine, Relu};
use zkinfer_circuits::Activation;

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
        _ => {
            return Err(im.unsupported(
                node,
                "comparisons other than a tensor against 0 (as in PRelu)",
            ))
        }
    };
    let less = matches!(comparison, "LT" | "LTE");
    im.signs.insert(node.id, (x, less == x_on_left));
    Ok(())
}

/// `Iff(sign test of x, t, f)` with `t` and `f` each `x` or a per-element multiple of it.
pub(super) fn import_iff(im: &mut Importer, node: &TypedNode) -> Result<()> {
    let Some((x, negative)) = im.signs.get(&node.inputs[0].node).copied() else {
        return Err(im.unsupported(node, "a select whose condition is not the sign of a tensor"));
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
        return Err(im.unsupported(
            node,
            "a select between values other than multiples of the tested tensor",
        ));
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
