//! ONNX ReduceLogSumExp, which tract decomposes into `ln(Σ e^x)`: `e^x` overflows the range check for
//! inputs beyond about 16. Recognized at its `exp` (an `exp` read only by a sum reduction read only by
//! `ln`), the chain is imported in the shifted form Softmax uses: `m + ln(Σ e^(x - m))` with `m` the
//! max over the reduced axes (a max chain: two rows per member), `e^(x - m) ∈ (0, 1]` one lookup per
//! element, the sum, and one `ln` lookup per output (its argument is in `[1, n]`). Equal in the reals.

use super::nonlinear::extreme_over_taps;
use super::shape::Groups;
use super::softmax::exp_of_difference;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::element_wise::ElementWiseOp;
use tract_onnx::tract_core::ops::math::{Exp, Ln};
use tract_onnx::tract_core::ops::nn::{Reduce, Reducer};
use zkinfer_circuits::ops::{Affine, Gather, Lookup, ReduceSum};
use zkinfer_circuits::{Activation, Function};

/// The single node reading `node`'s output, if exactly one does.
fn only_reader<'m>(im: &Importer<'m>, node: &TypedNode) -> Option<&'m TypedNode> {
    match node.outputs.first().map(|o| o.successors.as_slice()) {
        Some([one]) => Some(im.model.node(one.node)),
        _ => None,
    }
}

fn is_unary<T: tract_onnx::tract_core::ops::element_wise::ElementWiseMiniOp>(
    node: &TypedNode,
) -> bool {
    node.op_as::<ElementWiseOp>().is_some_and(|e| e.0.is::<T>())
}

/// Import `exp → ReduceSum → ln` starting at `node` in the shifted form (module docs); `false` when
/// `node` does not start that chain.
pub(super) fn try_import(im: &mut Importer, node: &TypedNode) -> Result<bool> {
    if !is_unary::<Exp>(node) {
        return Ok(false);
    }
    let Some(sum) = only_reader(im, node) else {
        return Ok(false);
    };
    let Some(reduce) = sum.op_as::<Reduce>().filter(|r| r.reducer == Reducer::Sum) else {
        return Ok(false);
    };
    let Some(ln) = only_reader(im, sum).filter(|l| is_unary::<Ln>(l)) else {
        return Ok(false);
    };
    let Value::Node(x) = im.input(node, 0)? else {
        return Ok(false);
    };
    let shape = im.graph.nodes[x].shape.clone();
    let axes: Vec<usize> = reduce.axes.to_vec();
    if shape != im.input_shape(node, 0)? || axes.iter().any(|a| *a >= shape.len()) {
        return Ok(false);
    }
    let g = Groups::of(&shape, &axes);
    let name = ln.name.clone();
    let m = extreme_over_taps(
        im,
        &format!("{name}.max"),
        x,
        &g.taps,
        g.reduced.clone(),
        true,
    );
    let spread = FloatOp::Gather(Gather {
        shape: shape.clone(),
        indices: g.group.clone(),
    });
    let mb = im.push_anonymous(&format!("{name}.max_b"), spread, vec![m], shape.clone());
    let e = exp_of_difference(im, &name, (x, mb), shape);
    let total = FloatOp::ReduceSum(ReduceSum {
        axes,
        weight: 1.0,
        extra: 0,
    });
    let s = im.push_anonymous(&format!("{name}.sum"), total, vec![e], g.reduced.clone());
    let log = FloatOp::Lookup(Lookup::real(Function::Log));
    let l = im.push_anonymous(&format!("{name}.log"), log, vec![s], g.reduced.clone());
    let n: usize = g.reduced.iter().product();
    let out = FloatOp::Affine(Affine {
        coefficients: vec![vec![1.0; n]; 2],
        bias: vec![0.0; n],
        act: Activation::None,
        extra: 0,
    });
    let out = im.push_anonymous(&name, out, vec![l, m], g.reduced.clone());
    // The exp and the sum are only read inside the chain: they map to its shifted steps.
    im.values.insert(node.id, Value::Node(e));
    im.values.insert(sum.id, Value::Node(s));
    im.values.insert(ln.id, Value::Node(out));
    Ok(true)
}
