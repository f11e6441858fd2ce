//! The `ai.onnx.ml` pieces tract leaves after expanding scikit-learn's classifiers (skl2onnx with
//! `zipmap=False`): `LinearClassifier` becomes a `Dense`, the post-transform, an ArgMax and a
//! `DirectLookup` from the winning class index to its label. The lookup is an `Embedding` of the
//! labels (one row and one lookup per element). tract keeps its table private, so it is read by
//! running the op on the indices the ArgMax above it can produce, `[0, K)`; labels that are not
//! numbers (strings) are refused.

use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::nn::{Reduce, Reducer};
use zkinfer_circuits::ops::Embedding;

/// The number of classes `K` of the ArgMax (or ArgMin) feeding `node`, through casts and axis changes.
fn classes(im: &Importer, node: &TypedNode) -> Option<usize> {
    let mut outlet = node.inputs[0];
    loop {
        let up = im.model.node(outlet.node);
        if let Some(r) = up.op_as::<Reduce>() {
            if !matches!(r.reducer, Reducer::ArgMax(_) | Reducer::ArgMin(_)) {
                return None;
            }
            let shape = im
                .model
                .outlet_fact(up.inputs[0])
                .ok()?
                .shape
                .as_concrete()?
                .to_vec();
            return Some(
                r.axes
                    .iter()
                    .map(|a| shape.get(*a).copied().unwrap_or(0))
                    .product(),
            );
        }
        let passes = up.op_is::<tract_onnx::tract_core::ops::cast::Cast>()
            || up.op_is::<tract_onnx::tract_core::ops::change_axes::AxisOp>();
        if !passes || up.inputs.len() != 1 {
            return None;
        }
        outlet = up.inputs[0];
    }
}

pub(super) fn import_direct_lookup(im: &mut Importer, node: &TypedNode) -> Result<()> {
    let Value::Node(index) = im.input(node, 0)? else {
        return Err(im.node_err(node, "a label lookup of a constant"));
    };
    let Some(k) = classes(im, node).filter(|k| *k > 0) else {
        return Err(im.unsupported(node, "a label lookup whose index is not an ArgMax"));
    };
    let probe: Tensor = tract_ndarray::Array1::from_iter(0..k as i32).into();
    let data = im
        .run_op(node, tvec!(probe.into_tvalue()))?
        .and_then(|o| o.into_iter().next())
        .map(|(_, values)| values)
        .ok_or_else(|| im.node_err(node, "the label table could not be read"))?;
    let shape = im.output_shape(node)?;
    let op = FloatOp::Embedding(Embedding {
        data_shape: vec![k],
        axis: 0,
        data,
        scale: 0,
    });
    im.push(node.id, &node.name, op, vec![index], shape);
    Ok(())
}
