//! A max-pool of a convolution, pooled before the rescale: when a MaxPool reads a Conv (its activation
//! none or Relu) and nothing else does, the convolution becomes raw ([`Conv::raw`]: its exact sums,
//! no requant row) and the pool a chain of [`RawSum`] steps over them, ending in one requant row per
//! pooled output with the convolution's bias and activation. Rescale and Relu are non-decreasing and
//! the bias is the window's channel's, so this is the same value as pooling the rescaled outputs
//! (`RawSum`'s docs), for a quarter of the convolution's requant rows under a 2x2 pool.

use super::nonlinear::tap_of;
use super::{Importer, Value};
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use zkinfer_circuits::ops::{Conv, RawSum};
use zkinfer_circuits::Activation;

/// The max over `taps` of the Conv node `x` (the value of `node`'s first input), pooled before the
/// rescale, as the node of the pooled output of `shape`, whose 2-D form is `[N, C, oh, ow]`; `None`
/// (and nothing added) when `x` is not such a convolution, or something besides this pool reads it.
pub(super) fn max_pool_before_rescale(
    im: &mut Importer,
    node: &TypedNode,
    x: usize,
    taps: &[Vec<usize>],
    (shape, nchw): (&[usize], &[usize]),
) -> Option<usize> {
    let conv = match &im.graph.nodes[x].op {
        FloatOp::Conv(c) if !c.raw && matches!(c.act, Activation::None | Activation::Relu) => {
            c.clone()
        }
        _ => return None,
    };
    let [_, channels, oh, ow] = nchw else {
        return None;
    };
    // Every tract value that is this node (the Conv, a fused Relu, free reshapes) has one reader, and
    // none is a graph output: the chain of them ends at this pool, the Conv's only reader.
    let aliases = im
        .values
        .iter()
        .filter(|(_, v)| matches!(v, Value::Node(n) if *n == x))
        .map(|(t, _)| *t)
        .collect::<Vec<_>>();
    if conv.c_out != *channels
        || node.inputs.is_empty()
        || !aliases.contains(&node.inputs[0].node)
        || !aliases.iter().all(|t| im.single_use(*t))
    {
        return None;
    }
    let (name, conv_shape, conv_inputs) = {
        let n = &im.graph.nodes[x];
        (n.name.clone(), n.shape.clone(), n.inputs.clone())
    };
    let raw = im.push_anonymous(
        &format!("{name}.raw"),
        FloatOp::Conv(Conv {
            bias: vec![0.0; conv.c_out],
            act: Activation::None,
            raw: true,
            weight_bits: 0,
            ..conv.clone()
        }),
        conv_inputs,
        conv_shape,
    );
    let pool = &node.name;
    let n: usize = shape.iter().product();
    let k = taps.iter().map(Vec::len).max().unwrap_or(1);
    let step = |im: &mut Importer, label: String, inputs: Vec<usize>, signs: Vec<i64>| {
        im.push_anonymous(
            &label,
            FloatOp::RawSum(RawSum {
                signs,
                bias: vec![0.0; n],
                act: Activation::RawRelu,
            }),
            inputs,
            shape.to_vec(),
        )
    };
    // `e_j = relu(t_(j-1) - t_j + e_(j-1))`, so `t_j + e_j` is the max of taps `0..=j`.
    let mut previous = tap_of(im, pool, raw, taps, shape, 0);
    let mut excess: Option<usize> = None;
    for j in 1..k {
        let tap = tap_of(im, pool, raw, taps, shape, j);
        let (mut inputs, mut signs) = (vec![previous, tap], vec![1, -1]);
        if let Some(e) = excess {
            inputs.push(e);
            signs.push(1);
        }
        excess = Some(step(im, format!("{pool}.step{j}"), inputs, signs));
        previous = tap;
    }
    let (inputs, signs) = match excess {
        Some(e) => (vec![previous, e], vec![1, 1]),
        None => (vec![previous], vec![1]),
    };
    let plane = (oh * ow).max(1);
    let bias = (0..n).map(|o| conv.bias[o / plane % channels]).collect();
    Some(im.push_anonymous(
        pool,
        FloatOp::RawSum(RawSum {
            signs,
            bias,
            act: conv.act,
        }),
        inputs,
        shape.to_vec(),
    ))
}
