//! Softmax over any axes, from ops the circuit constrains exactly:
//! `m = max` over each group (a chain of `max`, as in MaxPool), `e = exp(x - m)` (an Affine with the Exp
//! table as its activation, so the table only needs `(-spread, 0]` of real inputs), `S = Σ e` (ReduceSum),
//! and `y = e / S` (the sound witness division, `chips::divide`; `S ≥ 1` because the max element
//! contributes `exp(0) = 1`). The max and the sum are broadcast back with free gathers.

use super::nonlinear::max_over_taps;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::{function_activation, FloatOp};
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::nn::{Softmax, SoftmaxKind};
use zkinfer_circuits::ops::{Affine, Divide, Gather, ReduceSum};
use zkinfer_circuits::Function;

pub(super) fn import_softmax(im: &mut Importer, node: &TypedNode, op: &Softmax) -> Result<()> {
    if op.kind != SoftmaxKind::Softmax || op.quant_output_dt.is_some() {
        return Err(im.unsupported(node, "LogSoftmax or a quantized softmax"));
    }
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "softmax of a constant"));
    };
    let shape = im.input_shape(node, 0)?;
    if im.graph.nodes[x].shape != shape || op.axes.iter().any(|a| *a >= shape.len()) {
        return Err(im.node_err(node, "operand shape differs from tract's"));
    }
    let name = &node.name;
    let reduced: Vec<usize> = (0..shape.len())
        .map(|d| if op.axes.contains(&d) { 1 } else { shape[d] })
        .collect();
    let groups: usize = reduced.iter().product();
    let numel: usize = shape.iter().product();
    // group[i]: the group (flat index in `reduced`) of element i; taps[g]: the members of group g.
    let strides =
        |s: &[usize]| -> Vec<usize> { (0..s.len()).map(|i| s[i + 1..].iter().product()).collect() };
    let (in_strides, red_strides) = (strides(&shape), strides(&reduced));
    let group: Vec<usize> = (0..numel)
        .map(|i| {
            (0..shape.len())
                .filter(|d| !op.axes.contains(d))
                .map(|d| (i / in_strides[d]) % shape[d] * red_strides[d])
                .sum()
        })
        .collect();
    let mut taps = vec![Vec::new(); groups];
    for (i, g) in group.iter().enumerate() {
        taps[*g].push(i);
    }
    let m = max_over_taps(im, &format!("{name}.max"), x, &taps, reduced.clone());
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
    let e = im.push_anonymous(
        &format!("{name}.exp"),
        FloatOp::Affine(Affine {
            coefficients: vec![vec![1.0; numel], vec![-1.0; numel]],
            bias: vec![0.0; numel],
            act: function_activation(Function::Exp),
            extra: 0,
        }),
        vec![x, mb],
        shape.clone(),
    );
    let s = im.push_anonymous(
        &format!("{name}.sum"),
        FloatOp::ReduceSum(ReduceSum {
            axes: op.axes.to_vec(),
            weight: 1.0,
            extra: 0,
        }),
        vec![e],
        reduced,
    );
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
