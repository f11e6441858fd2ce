//! ReduceMax, ReduceMin and ReduceProd over any axes, and ArgMax / ArgMin with ONNX's tie rule, from ops
//! the circuit constrains exactly:
//! - max / min: over the group's members (free gathers), as in MaxPool, `m = t_(k-1) ± e_(k-1)` with one
//!   Relu step per member after the first and one Affine row (`nonlinear::extreme_over_taps`);
//! - product: a chain of `Multiply` (a product row pair per member after the first), rounded at each
//!   step and bounded by the range check;
//! - ArgMax: with `m` the max, `g_j = [x_j ≥ m]` (a step: exactly the members equal to the max), the
//!   running "seen" bit `s_0 = g_0`, `s_j = [s_(j-1) + g_j ≥ 0.5]` (steps on 0/1 values), and the index
//!   `k - Σ s_j`, the number of members before the first maximum. `select_last_index` walks the
//!   members backwards. Every value is forced: the max by the chain, each step by the sign bit the
//!   range check proves, so the index is unique, ties included (the first, or the last).

use super::nonlinear::{extreme_over_taps, tap_of};
use super::shape::Groups;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::nn::Reducer;
use zkinfer_circuits::ops::{Affine, Gather, Multiply};
use zkinfer_circuits::Activation;

pub(super) fn operand(im: &Importer, node: &TypedNode, axes: &[usize]) -> Result<(usize, Groups)> {
    let fact = im
        .model
        .outlet_fact(node.inputs[0])
        .map_err(|e| im.node_err(node, e.to_string()))?;
    if fact.datum_type == DatumType::Bool {
        // tract (the float reference) cannot run these reducers on bool tensors.
        return Err(im.unsupported(node, "a max, min or product of a bool tensor"));
    }
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "reduction of a constant"));
    };
    let shape = im.graph.nodes[x].shape.clone();
    if shape != im.input_shape(node, 0)? || axes.iter().any(|a| *a >= shape.len()) {
        return Err(im.node_err(node, format!("axes {axes:?} of {shape:?}")));
    }
    Ok((x, Groups::of(&shape, axes)))
}

/// tract's Max, Min and Prod reducers.
pub(super) fn import_extreme_reduce(
    im: &mut Importer,
    node: &TypedNode,
    axes: &[usize],
    reducer: Reducer,
) -> Result<()> {
    let (x, g) = operand(im, node, axes)?;
    let name = node.name.clone();
    let value = match reducer {
        Reducer::Max | Reducer::Min => {
            let max = reducer == Reducer::Max;
            extreme_over_taps(im, &name, x, &g.taps, g.reduced.clone(), max)
        }
        _ => {
            let k = g.taps.iter().map(Vec::len).max().unwrap_or(0);
            if g.taps.iter().any(|t| t.len() != k) || k == 0 {
                return Err(im.node_err(node, "uneven groups"));
            }
            let mut acc = tap_of(im, &name, x, &g.taps, &g.reduced, 0);
            for j in 1..k {
                let t = tap_of(im, &name, x, &g.taps, &g.reduced, j);
                let op = FloatOp::Multiply(Multiply);
                let label = format!("{name}.product{j}");
                acc = im.push_anonymous(&label, op, vec![acc, t], g.reduced.clone());
            }
            acc
        }
    };
    im.values.insert(node.id, Value::Node(value));
    Ok(())
}

/// `Σ c·operand + bias` elementwise over `shape`, then `act`.
pub(super) fn affine(
    im: &mut Importer,
    name: &str,
    terms: &[(usize, f64)],
    bias: f64,
    act: Activation,
    shape: &[usize],
) -> usize {
    let n: usize = shape.iter().product();
    let op = FloatOp::Affine(Affine {
        coefficients: terms.iter().map(|(_, c)| vec![*c; n]).collect(),
        bias: vec![bias; n],
        act,
        extra: 0,
    });
    let operands = terms.iter().map(|(x, _)| *x).collect();
    im.push_anonymous(name, op, operands, shape.to_vec())
}

/// tract's ArgMax / ArgMin reducers (module docs); `last`: ONNX `select_last_index`.
pub(super) fn import_arg_extreme(
    im: &mut Importer,
    node: &TypedNode,
    axes: &[usize],
    max: bool,
    last: bool,
) -> Result<()> {
    let (x, g) = operand(im, node, axes)?;
    let found = first_extreme(im, &node.name, x, &g, (max, last))
        .ok_or_else(|| im.node_err(node, "uneven groups"))?;
    im.values.insert(node.id, Value::Node(found.index));
    Ok(())
}

/// Slack for f64 rounding in the real graph's equality-to-the-max test (see [`first_extreme`]): the
/// max is `t_(k-1) + e_(k-1)` after `k` rounded steps, a few ulps of the largest value off (about
/// `1e-13` per step at magnitude 1000). It is a bias at scale `2^(2s)`, so below `2^-33` it quantizes to
/// 0 for every scale up to 16: the circuit's test stays exact.
const REAL_NOISE: f64 = 1e-11;

/// The extreme of each group and where it first is (module docs).
pub(super) struct Extreme {
    /// The max (or min) of each group (the reduced shape).
    pub value: usize,
    /// The running "seen" bit of each member in walking order (the reduced shape each).
    pub seen: Vec<usize>,
    /// The index of the first extreme member in walking order (the reduced shape).
    pub index: usize,
}

/// The max (`max`, else the min) of `x`'s groups `g` and the index of its first member in walking
/// order (backwards when `last`); `None` for groups of uneven or no size.
pub(super) fn first_extreme(
    im: &mut Importer,
    name: &str,
    x: usize,
    g: &Groups,
    (max, last): (bool, bool),
) -> Option<Extreme> {
    let k = g.taps.iter().map(Vec::len).max().unwrap_or(0);
    if g.taps.iter().any(|t| t.len() != k) || k == 0 {
        return None;
    }
    let shape = im.graph.nodes[x].shape.clone();
    let step = Activation::Step { strict: false };
    let label = format!("{name}.extreme");
    let m = extreme_over_taps(im, &label, x, &g.taps, g.reduced.clone(), max);
    let broadcast = FloatOp::Gather(Gather {
        shape: shape.clone(),
        indices: g.group.clone(),
    });
    let mb = im.push_anonymous(
        &format!("{name}.extreme_b"),
        broadcast,
        vec![m],
        shape.clone(),
    );
    // [x ≥ m] for the max, [x ≤ m] for the min: 1 exactly at the extreme members. In f64 the max
    // chain's `t + e` can miss the max by a few ulps, so the real graph allows `REAL_NOISE`; the bias
    // quantizes to 0 (below 2^-33), so the circuit's test is exact.
    let sign = if max { 1.0 } else { -1.0 };
    let hit = affine(
        im,
        &format!("{name}.hit"),
        &[(x, sign), (mb, -sign)],
        REAL_NOISE,
        step,
        &shape,
    );
    let order: Vec<usize> = if last {
        (0..k).rev().collect()
    } else {
        (0..k).collect()
    };
    let mut seen: Vec<usize> = Vec::with_capacity(k);
    for (n, j) in order.iter().enumerate() {
        let h = tap_of(im, &format!("{name}.hit"), hit, &g.taps, &g.reduced, *j);
        let s = match seen.last() {
            None => h,
            Some(prev) => {
                let terms = [(*prev, 1.0), (h, 1.0)];
                affine(
                    im,
                    &format!("{name}.seen{n}"),
                    &terms,
                    -0.5,
                    step,
                    &g.reduced,
                )
            }
        };
        seen.push(s);
    }
    // The first extreme (in walking order) is at position Σ (1 - s_j) = k - Σ s_j of the walk.
    let (terms, bias) = if last {
        // Walking backwards, position p of the walk is index k - 1 - p.
        (seen.iter().map(|s| (*s, 1.0)).collect::<Vec<_>>(), -1.0)
    } else {
        (seen.iter().map(|s| (*s, -1.0)).collect(), k as f64)
    };
    let index = affine(im, name, &terms, bias, Activation::None, &g.reduced);
    Some(Extreme {
        value: m,
        seen,
        index,
    })
}
