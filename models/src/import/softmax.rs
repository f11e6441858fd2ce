//! Softmax over any axes, from ops the circuit constrains exactly:
//! `m = max` over each group (a chain of `max`, as in MaxPool), `e = exp(x - m)` (an Affine with the Exp
//! table as its activation, so the table only needs `(-spread, 0]` of real inputs), `S = Σ e` (ReduceSum),
//! and `y = e / S` (the sound witness division, `chips::divide`; `S ≥ 1` because the max element
//! contributes `exp(0) = 1`). The max and the sum are broadcast back with free gathers. LogSoftmax is
//! `x - m - log(S)`, the log a table lookup per group (`S ∈ [1, n]`).
//!
//! A masked softmax (its input a constant-condition select of a large negative fill, `select`) takes
//! the max and the exponentials over the unmasked positions only; the masked ones are the shared zero
//! cell, so they add nothing to `S` and their output `0 / S` is an exact 0.

use super::nonlinear::extreme_over_taps;
use super::shape::Groups;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::{function_activation, FloatOp};
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::nn::{Softmax, SoftmaxKind};
use zkinfer_circuits::ops::{Affine, Divide, Gather, Lookup, Pad, ReduceSum};
use zkinfer_circuits::Activation;
use zkinfer_circuits::Function;

pub(super) fn import_softmax(im: &mut Importer, node: &TypedNode, op: &Softmax) -> Result<()> {
    if op.quant_output_dt.is_some() {
        return Err(im.unsupported(node, "a quantized softmax"));
    }
    let log = op.kind == SoftmaxKind::LogSoftmax;
    if log && im.masks.contains_key(&node.inputs[0].node) {
        return Err(im.unsupported(node, "a masked LogSoftmax (its masked outputs are -inf)"));
    }
    let (x, masked) = match im.masks.get(&node.inputs[0].node) {
        Some((x, masked)) => (*x, Some(masked.clone())),
        None => match im.input(node, 0)? {
            Value::Node(x) => (x, None),
            Value::Const { .. } => return Err(im.node_err(node, "softmax of a constant")),
        },
    };
    let shape = im.input_shape(node, 0)?;
    if im.graph.nodes[x].shape != shape || op.axes.iter().any(|a| *a >= shape.len()) {
        return Err(im.node_err(node, "operand shape differs from tract's"));
    }
    let name = &node.name;
    let Groups {
        reduced,
        group,
        taps: all,
    } = Groups::of(&shape, &op.axes);
    let groups = all.len();
    let taps: Vec<Vec<usize>> = all
        .iter()
        .map(|t| {
            t.iter()
                .copied()
                .filter(|i| !masked.as_ref().is_some_and(|m| m[*i]))
                .collect()
        })
        .collect();
    debug_assert_eq!(taps.len(), groups);
    if taps.iter().any(Vec::is_empty) {
        return Err(im.node_err(node, "a softmax row with every position masked out"));
    }
    let m = extreme_over_taps(im, &format!("{name}.max"), x, &taps, reduced.clone(), true);
    let broadcast = |im: &mut Importer, what: &str, v: usize| {
        im.push_anonymous(
            &format!("{name}.{what}"),
            FloatOp::Gather(Gather {
                shape: shape.clone(),
                indices: group.clone(),
            }),
            vec![v],
            shape.clone(),
        )
    };
    let mb = broadcast(im, "max_b", m);
    let e = match masked {
        None => exp_of_difference(im, name, (x, mb), shape.clone()),
        Some(masked) => masked_exp(im, name, (x, mb), &masked, &shape),
    };
    let s = im.push_anonymous(
        &format!("{name}.sum"),
        FloatOp::ReduceSum(ReduceSum {
            axes: op.axes.to_vec(),
            weight: 1.0,
            extra: 0,
        }),
        vec![e],
        reduced.clone(),
    );
    if log {
        // log softmax: x - m - log(S), S ≥ 1 (the max contributes exp(0)).
        let lookup = FloatOp::Lookup(Lookup::real(Function::Log));
        let l = im.push_anonymous(&format!("{name}.log"), lookup, vec![s], reduced.clone());
        let lb = broadcast(im, "log_b", l);
        let n: usize = shape.iter().product();
        let op = FloatOp::Affine(Affine {
            coefficients: vec![vec![1.0; n], vec![-1.0; n], vec![-1.0; n]],
            bias: vec![0.0; n],
            act: Activation::None,
            extra: 0,
        });
        let out_shape = im.output_shape(node)?;
        im.push(node.id, name, op, vec![x, mb, lb], out_shape);
        return Ok(());
    }
    let sb = broadcast(im, "sum_b", s);
    let out_shape = im.output_shape(node)?;
    im.push(
        node.id,
        name,
        FloatOp::Divide(Divide),
        vec![e, sb],
        out_shape,
    );
    Ok(())
}

/// `exp(x - mb)`, elementwise over `shape`.
pub(super) fn exp_of_difference(
    im: &mut Importer,
    name: &str,
    (x, mb): (usize, usize),
    shape: Vec<usize>,
) -> usize {
    let numel = shape.iter().product();
    im.push_anonymous(
        &format!("{name}.exp"),
        FloatOp::Affine(Affine {
            coefficients: vec![vec![1.0; numel], vec![-1.0; numel]],
            bias: vec![0.0; numel],
            act: function_activation(Function::Exp),
            extra: 0,
        }),
        vec![x, mb],
        shape,
    )
}

/// `exp(x - mb)` at the unmasked positions and an exact 0 at the masked ones: the exponentials of the
/// unmasked elements (gathered), padded with the shared zero cell, gathered back into `shape`. The
/// masked elements of `x` are never read.
fn masked_exp(
    im: &mut Importer,
    name: &str,
    (x, mb): (usize, usize),
    masked: &[bool],
    shape: &[usize],
) -> usize {
    let kept: Vec<usize> = (0..masked.len()).filter(|i| !masked[*i]).collect();
    let n = kept.len();
    let pick = |im: &mut Importer, what: &str, v: usize| {
        let op = FloatOp::Gather(Gather {
            shape: vec![n],
            indices: kept.clone(),
        });
        im.push_anonymous(&format!("{name}.{what}"), op, vec![v], vec![n])
    };
    let (xk, mk) = (pick(im, "kept", x), pick(im, "max_kept", mb));
    let ek = exp_of_difference(im, name, (xk, mk), vec![n]);
    let padded = im.push_anonymous(
        &format!("{name}.exp_zero"),
        FloatOp::Pad(Pad { pads: vec![(0, 1)] }),
        vec![ek],
        vec![n + 1],
    );
    let mut next = 0;
    let indices = masked
        .iter()
        .map(|m| {
            if *m {
                n
            } else {
                next += 1;
                next - 1
            }
        })
        .collect();
    let op = FloatOp::Gather(Gather {
        shape: shape.to_vec(),
        indices,
    });
    im.push_anonymous(
        &format!("{name}.exp_masked"),
        op,
        vec![padded],
        shape.to_vec(),
    )
}
