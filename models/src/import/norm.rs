//! RMS normalization, which is how tract represents LayerNormalization (after subtracting the mean),
//! RMSNormalization and their relatives: `y = x · rsqrt(mean(x², axis) + ε)`. Built from ops the
//! circuit already constrains: a product `x·x`, a mean (a `ReduceSum` whose `1/n` gets coefficient bits),
//! `+ ε` with the `Rsqrt` table as its activation (one lookup per row, the table sampled every 4 quanta),
//! a free broadcast and a product.
//! The table spans the calibrated mean squares (times the headroom); `rsqrt` is steep near 0, so a
//! layer whose mean square is tiny at the chosen scale is imprecise, which the accuracy guard judges.

use super::elementwise::broadcast;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::nn::RmsNorm;
use zkinfer_circuits::ops::real::stepped_activation;
use zkinfer_circuits::ops::{Affine, Gather, Multiply, ReduceSum};
use zkinfer_circuits::Function;

/// The Rsqrt table's step: it holds one entry every 2 quanta of the mean square (its row divides by 2,
/// exactly), a table half as long. `|rsqrt'(v)| = v^(-3/2)/2`, so over the mean squares a
/// normalization sees (`v` of order 1) the coarser input adds about `2^(-s-1)` to the factor; small
/// mean squares feel it more. Every 4 quanta put zoo/decoder's attention 1.2% of its peak off at `2^11`
/// (its guard allows 1%), moving it to `2^12` and k=16; every 2 keeps it at `2^11`, k=15, and tiny_bert
/// at k=16 (its tables, 62k rows, stay under `2^16`).
const RSQRT_STEP: u32 = 1;

/// Import tract's `RmsNorm` (module docs).
pub(super) fn import_rms_norm(im: &mut Importer, node: &TypedNode, op: &RmsNorm) -> Result<()> {
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "normalization of a constant"));
    };
    let shape = im.graph.nodes[x].shape.clone();
    if op.axis >= shape.len() {
        return Err(im.node_err(node, format!("axis {} of {shape:?}", op.axis)));
    }
    let eps = op
        .eps
        .cast_to_scalar::<f32>()
        .map_err(|e| im.node_err(node, format!("epsilon: {e}")))?;
    let name = &node.name;
    let square = im.push_anonymous(
        &format!("{name}.square"),
        FloatOp::Multiply(Multiply),
        vec![x, x],
        shape.clone(),
    );
    let mut reduced = shape.clone();
    reduced[op.axis] = 1;
    let mean = im.push_anonymous(
        &format!("{name}.mean_square"),
        FloatOp::ReduceSum(ReduceSum {
            axes: vec![op.axis],
            weight: 1.0 / shape[op.axis] as f64,
            extra: 0,
        }),
        vec![square],
        reduced.clone(),
    );
    let m: usize = reduced.iter().product();
    // The row divides by the table's step, exactly (a power of two).
    let unit = 1.0 / f64::from(1u32 << RSQRT_STEP);
    let inverse = im.push_anonymous(
        &format!("{name}.rsqrt"),
        FloatOp::Affine(Affine {
            coefficients: vec![vec![unit; m]],
            bias: vec![f64::from(eps) * unit; m],
            act: stepped_activation(Function::Rsqrt, RSQRT_STEP),
            extra: 0,
        }),
        vec![mean],
        reduced.clone(),
    );
    let positions: Vec<f64> = (0..m).map(|i| i as f64).collect();
    let indices = broadcast(&positions, &reduced, &shape)
        .ok_or_else(|| im.node_err(node, "broadcasting the norm back"))?;
    let spread = im.push_anonymous(
        &format!("{name}.broadcast"),
        FloatOp::Gather(Gather {
            shape: shape.clone(),
            indices: indices.iter().map(|i| *i as usize).collect(),
        }),
        vec![inverse],
        shape.clone(),
    );
    im.push(
        node.id,
        name,
        FloatOp::Multiply(Multiply),
        vec![x, spread],
        shape,
    );
    Ok(())
}
