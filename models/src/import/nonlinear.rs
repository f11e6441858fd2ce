//! The pointwise functions (Sigmoid, Tanh, Exp, Erf, Gelu, Silu, and those of `functions.rs`: one table
//! lookup per element), Abs (`2·relu(x) - x`) and Neg, and Max, Min
//! (with constants: ONNX Clip; or of two tensors), MaxPool and LeakyRelu, built from the affine ops and
//! Relu, which the circuit already constrains, so they add no new constraints:
//! `max(a, b) = b + relu(a - b)`, `min(a, b) = a - relu(a - b)`, and a max-pool is a chain of `max` over
//! its window's taps (each picked by a free `Gather`). Every step is exact in integers.

use super::elementwise::fuse_activation;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::{function_activation, FloatOp};
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::cnn::MaxPool;
use zkinfer_circuits::ops::{Affine, ExactSum, Gather, Lookup, Multiply};
use zkinfer_circuits::{Activation, Function};

fn affine(
    im: &mut Importer,
    name: &str,
    inputs: Vec<usize>,
    coefficients: Vec<Vec<f64>>,
    bias: Vec<f64>,
    act: Activation,
) -> usize {
    let shape = im.graph.nodes[inputs[0]].shape.clone();
    im.push_anonymous(
        name,
        FloatOp::Affine(Affine {
            coefficients,
            bias,
            act,
            extra: 0,
        }),
        inputs,
        shape,
    )
}

/// `a + sign·b`, exact and not range-checked ([`ExactSum`]): only for the last step of a max or min.
fn exact_sum(im: &mut Importer, name: &str, (a, b): (usize, usize), sign: i64) -> usize {
    let shape = im.graph.nodes[a].shape.clone();
    im.push_anonymous(
        name,
        FloatOp::ExactSum(ExactSum { sign }),
        vec![a, b],
        shape,
    )
}

/// `max(a, b)` or `min(a, b)` of two tensors of the same size; returns the result's node.
fn extreme_of_two(im: &mut Importer, name: &str, a: usize, b: usize, max: bool) -> usize {
    let n: usize = im.graph.nodes[a].shape.iter().product();
    let d = affine(
        im,
        &format!("{name}.relu_diff"),
        vec![a, b],
        vec![vec![1.0; n], vec![-1.0; n]],
        vec![0.0; n],
        Activation::Relu,
    );
    if max {
        exact_sum(im, name, (d, b), 1)
    } else {
        exact_sum(im, name, (a, d), -1)
    }
}

/// `max(x, c)` or `min(x, c)` with a constant of `x`'s size; returns the result's node.
fn extreme_with_constant(im: &mut Importer, name: &str, x: usize, c: &[f64], max: bool) -> usize {
    let n = c.len();
    let sign = if max { 1.0 } else { -1.0 };
    // max: c + relu(x - c); min: c - relu(c - x).
    let neg: Vec<f64> = c.iter().map(|v| -sign * v).collect();
    let d = affine(
        im,
        &format!("{name}.relu_diff"),
        vec![x],
        vec![vec![sign; n]],
        neg,
        Activation::Relu,
    );
    affine(
        im,
        name,
        vec![d],
        vec![vec![sign; n]],
        c.to_vec(),
        Activation::None,
    )
}

/// Record `result` as the value of tract node `node`.
fn finish(im: &mut Importer, node: &TypedNode, result: usize) -> Result<()> {
    im.values.insert(node.id, Value::Node(result));
    Ok(())
}

/// `Max` / `Min` of a tensor and a (broadcast) constant, or of two tensors.
pub(super) fn import_extreme(
    im: &mut Importer,
    node: &TypedNode,
    x: usize,
    other: Option<usize>,
    c: Option<Vec<f64>>,
    max: bool,
) -> Result<()> {
    let result = match (other, c) {
        (Some(y), _) => extreme_of_two(im, &node.name, x, y, max),
        (None, Some(c)) => extreme_with_constant(im, &node.name, x, &c, max),
        (None, None) => return Err(im.node_err(node, "max/min without a second operand")),
    };
    finish(im, node, result)
}

pub(super) fn import_max_pool(im: &mut Importer, node: &TypedNode, op: &MaxPool) -> Result<()> {
    if op.with_index_outputs.is_some() {
        return Err(im.unsupported(node, "MaxPool with index outputs"));
    }
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "pooling a constant"));
    };
    let (input, output) = (im.input_shape(node, 0)?, im.output_shape(node)?);
    // A 1-D pool ([N, C, L]) is a 2-D one of unit height: the flat layout is the same.
    let lift = |s: &[usize]| match s {
        [n, c, l] => vec![*n, *c, 1, *l],
        s => s.to_vec(),
    };
    let (input2, output2) = (lift(&input), lift(&output));
    let window = super::conv::window(im, node, &op.pool_spec, &input2, &output2)?;
    let [h, w] = [input2[2], input2[3]];
    let (planes, oh, ow) = (output2[0] * output2[1], output2[2], output2[3]);
    // taps[o] = the in-bounds input indices of output o (at least one: windows overlap the input).
    let taps: Vec<Vec<usize>> = (0..planes * oh * ow)
        .map(|o| {
            let (plane, oy, ox) = (o / (oh * ow), o / ow % oh, o % ow);
            window
                .field(oy, ox, h, w)
                .map(|(_, _, iy, ix)| (plane * h + iy) * w + ix)
                .collect()
        })
        .collect();
    if taps.iter().any(|t| t.is_empty()) {
        return Err(im.unsupported(node, "a window entirely in the padding"));
    }
    if let Some(best) =
        super::pooled_conv::max_pool_before_rescale(im, node, x, &taps, (&output, &output2))
    {
        return finish(im, node, best);
    }
    let best = extreme_over_taps(im, &node.name, x, &taps, output, true);
    finish(im, node, best)
}

/// Element `o` of the result (of `shape`) is the max (`max`, else the min) of `x`'s elements `taps[o]`
/// (each non-empty): a free `Gather` per tap position, then with `σ = ±1` (max, min) the running
/// extreme `m_j = t_j + σ·e_j` through `e_0 = 0`, `e_j = relu(σ·(t_(j-1) - t_j) + e_(j-1))` (so
/// `e_j = relu(σ·(m_(j-1) - t_j))`, the old chain's range-checked difference): one Relu row per tap
/// after the first, of three MAC slots, and one exact MAC row for `m_(k-1) = t_(k-1) + σ·e_(k-1)`
/// ([`ExactSum`]: the max is one of the range-checked taps, so it needs no requant row). That is
/// `k - 1` requant rows per output instead of `2(k-1)` for a chain of two-input maxima (a 2x2 max
/// pool: 3 instead of 6). Every step is an exact integer combination of exact integers (coefficients ±1), so
/// the result is the same max; returns the result's node.
pub(super) fn extreme_over_taps(
    im: &mut Importer,
    name: &str,
    x: usize,
    taps: &[Vec<usize>],
    shape: Vec<usize>,
    max: bool,
) -> usize {
    let k = taps.iter().map(Vec::len).max().unwrap_or(1);
    let n: usize = shape.iter().product();
    let gather = |im: &mut Importer, j: usize| {
        // Tap j of every window; windows with fewer taps repeat their first (max(x, x) = x).
        tap_of(im, name, x, taps, &shape, j)
    };
    let sign = if max { 1.0 } else { -1.0 };
    let mut previous = gather(im, 0);
    let mut excess: Option<usize> = None;
    for j in 1..k {
        let tap = gather(im, j);
        let mut inputs = vec![previous, tap];
        let mut coefficients = vec![vec![sign; n], vec![-sign; n]];
        if let Some(e) = excess {
            inputs.push(e);
            coefficients.push(vec![1.0; n]);
        }
        excess = Some(affine(
            im,
            &format!("{name}.step{j}"),
            inputs,
            coefficients,
            vec![0.0; n],
            Activation::Relu,
        ));
        previous = tap;
    }
    let Some(e) = excess else {
        return previous;
    };
    exact_sum(im, name, (previous, e), if max { 1 } else { -1 })
}

/// Tap `j` of every window of `x` (a free gather of `shape`); a window with fewer taps repeats its first.
pub(super) fn tap_of(
    im: &mut Importer,
    name: &str,
    x: usize,
    taps: &[Vec<usize>],
    shape: &[usize],
    j: usize,
) -> usize {
    let indices = taps.iter().map(|t| *t.get(j).unwrap_or(&t[0])).collect();
    im.push_anonymous(
        &format!("{name}.tap{j}"),
        FloatOp::Gather(Gather {
            shape: shape.to_vec(),
            indices,
        }),
        vec![x],
        shape.to_vec(),
    )
}

/// The tabulated function a tract element-wise op computes, if it is one.
fn table_function(
    op: &tract_onnx::tract_core::ops::element_wise::ElementWiseOp,
) -> Option<Function> {
    use tract_onnx::tract_core::ops::{math, nn};
    let e = &op.0;
    if e.downcast_ref::<nn::Sigmoid>().is_some() {
        Some(Function::Sigmoid)
    } else if e.downcast_ref::<math::Tanh>().is_some() {
        Some(Function::Tanh)
    } else if e.downcast_ref::<math::Exp>().is_some() {
        Some(Function::Exp)
    } else if e.downcast_ref::<math::Erf>().is_some() {
        Some(Function::Erf)
    } else if e.downcast_ref::<nn::GeluExact>().is_some() {
        Some(Function::Gelu)
    } else if e
        .downcast_ref::<nn::GeluApproximate>()
        .is_some_and(|g| !g.fast_impl)
    {
        Some(Function::GeluTanh)
    } else if e.downcast_ref::<nn::Silu>().is_some() {
        Some(Function::Silu)
    } else if let Some(f) = e.downcast_ref::<super::functions::TableFn>() {
        Some(f.0)
    } else if e.downcast_ref::<math::Sqrt>().is_some() {
        Some(Function::Sqrt)
    } else if e.downcast_ref::<math::Rsqrt>().is_some() {
        Some(Function::Rsqrt)
    } else if e.downcast_ref::<math::Recip>().is_some() {
        Some(Function::Reciprocal)
    } else if e.downcast_ref::<math::Ln>().is_some() {
        Some(Function::Log)
    } else {
        e.downcast_ref::<math::PowConst>()
            .map(|p| Function::Pow(p.exponent.into()))
    }
}

/// Elementwise unary ops: the smooth functions (Sigmoid, Tanh, Exp, Erf, Gelu, Silu) through their tables
/// (fused into a preceding Dense, Conv or Affine when possible), LeakyRelu(α) with `0 <= α <= 1` as
/// `α·x + relu((1-α)·x)`; others are refused.
pub(super) fn import_element_wise(
    im: &mut Importer,
    node: &TypedNode,
    op: &tract_onnx::tract_core::ops::element_wise::ElementWiseOp,
) -> Result<()> {
    if let Some(function) = table_function(op) {
        let Value::Node(x) = im.input(node, 0)? else {
            return Err(im.node_err(node, "activation of a constant"));
        };
        let act = function_activation(function);
        if !fuse_activation(im, node, x, node.inputs[0].node, act) {
            // Pointwise: only the element count must agree; the output takes tract's shape.
            let shape = im.output_shape(node)?;
            if shape.iter().product::<usize>() != im.graph.nodes[x].shape.iter().product::<usize>()
            {
                return Err(im.node_err(node, "operand and output sizes differ"));
            }
            im.push(
                node.id,
                &node.name,
                FloatOp::Lookup(Lookup::real(function)),
                vec![x],
                shape,
            );
        }
        return Ok(());
    }
    use tract_onnx::tract_core::ops::math;
    let (abs, neg) = (
        op.0.downcast_ref::<math::Abs>().is_some(),
        op.0.downcast_ref::<math::Neg>().is_some(),
    );
    if abs || neg {
        return abs_or_neg(im, node, abs);
    }
    if op.0.downcast_ref::<math::Square>().is_some() {
        return square(im, node);
    }
    let Some(leaky) =
        op.0.downcast_ref::<tract_onnx::tract_core::ops::nn::LeakyRelu>()
    else {
        return Err(im.unsupported(node, ""));
    };
    let alpha = f64::from(leaky.alpha);
    if !(0.0..=1.0).contains(&alpha) {
        return Err(im.unsupported(node, format!("LeakyRelu with alpha {alpha} outside [0, 1]")));
    }
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "activation of a constant"));
    };
    let n: usize = im.graph.nodes[x].shape.iter().product();
    let d = affine(
        im,
        &format!("{}.relu_part", node.name),
        vec![x],
        vec![vec![1.0 - alpha; n]],
        vec![0.0; n],
        Activation::Relu,
    );
    let y = affine(
        im,
        &node.name,
        vec![x, d],
        vec![vec![alpha; n], vec![1.0; n]],
        vec![0.0; n],
        Activation::None,
    );
    finish(im, node, y)
}

/// Abs as `2·relu(x) - x` (a Relu row and an exact Affine row per element), Neg as the Affine `-x`.
fn abs_or_neg(im: &mut Importer, node: &TypedNode, abs: bool) -> Result<()> {
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "a function of a constant"));
    };
    let n: usize = im.graph.nodes[x].shape.iter().product();
    let y = if abs {
        let r = affine(
            im,
            &format!("{}.relu", node.name),
            vec![x],
            vec![vec![1.0; n]],
            vec![0.0; n],
            Activation::Relu,
        );
        let coefficients = vec![vec![-1.0; n], vec![2.0; n]];
        affine(
            im,
            &node.name,
            vec![x, r],
            coefficients,
            vec![0.0; n],
            Activation::None,
        )
    } else {
        let coefficients = vec![vec![-1.0; n]];
        affine(
            im,
            &node.name,
            vec![x],
            coefficients,
            vec![0.0; n],
            Activation::None,
        )
    };
    finish(im, node, y)
}

/// Square (tract's form of `Pow(x, 2)` and of the variance's `d·d`) as the product `x·x`.
fn square(im: &mut Importer, node: &TypedNode) -> Result<()> {
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "a function of a constant"));
    };
    let shape = im.graph.nodes[x].shape.clone();
    im.push(
        node.id,
        &node.name,
        FloatOp::Multiply(Multiply),
        vec![x, x],
        shape,
    );
    Ok(())
}
