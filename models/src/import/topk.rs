//! ONNX TopK (tract's `Topk`) at a constant `k`: values and indices, sorted, ties to the lower index
//! (ONNX's rule), from the ArgMax construction ([`super::extremes`]) run `k` times. Round `r` finds the
//! extreme of the current tensor and its first member; that member's one-hot `s_j - s_(j-1)` (from
//! the "seen" bits, exact 0/1) then moves it to `floor = min - 1` (`max + 1` for the smallest) with
//! one exact product per member, `x' = x + onehot·(floor - x)`, so no later round can pick it: it is
//! below every member still in play. Every value is forced by constrained rows, so both outputs are
//! unique. About `7n` rows per round for groups of `n`.

use super::extremes::{affine, first_extreme, operand};
use super::nonlinear::extreme_over_taps;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::array::Topk;
use zkinfer_circuits::ops::{Concat, Gather, Multiply};
use zkinfer_circuits::Activation;

/// tract's `Topk` (module docs).
pub(super) fn import_topk(im: &mut Importer, node: &TypedNode, op: &Topk) -> Result<()> {
    let Value::Const { values: ks, .. } = im.input(node, 1)? else {
        return Err(im.unsupported(node, "a computed k"));
    };
    let (x, g) = operand(im, node, &[op.axis])?;
    let n = g.taps.first().map_or(0, Vec::len);
    let k = match ks[..] {
        [k] if k >= 1.0 && k.fract() == 0.0 && k as usize <= n => k as usize,
        _ => return Err(im.node_err(node, format!("k = {ks:?} for {n} members"))),
    };
    let (name, largest) = (node.name.clone(), op.largest);
    let shape = im.graph.nodes[x].shape.clone();
    let none = Activation::None;
    // Where a picked member goes: below every member (above, for the smallest).
    let far = extreme_over_taps(
        im,
        &format!("{name}.far"),
        x,
        &g.taps,
        g.reduced.clone(),
        !largest,
    );
    let spread = FloatOp::Gather(Gather {
        shape: shape.clone(),
        indices: g.group.clone(),
    });
    let far = im.push_anonymous(&format!("{name}.far_b"), spread, vec![far], shape.clone());
    let beyond = if largest { -1.0 } else { 1.0 };
    let floor = affine(
        im,
        &format!("{name}.floor"),
        &[(far, 1.0)],
        beyond,
        none,
        &shape,
    );
    let (mut cur, mut values, mut indices) = (x, vec![], vec![]);
    for r in 0..k {
        let label = format!("{name}.top{r}");
        let found = first_extreme(im, &label, cur, &g, (largest, false))
            .ok_or_else(|| im.node_err(node, "uneven groups"))?;
        values.push(found.value);
        indices.push(found.index);
        if r + 1 == k {
            break;
        }
        let picked: Vec<usize> = (0..n)
            .map(|j| match j {
                0 => found.seen[0],
                _ => {
                    let terms = [(found.seen[j], 1.0), (found.seen[j - 1], -1.0)];
                    affine(
                        im,
                        &format!("{label}.pick{j}"),
                        &terms,
                        0.0,
                        none,
                        &g.reduced,
                    )
                }
            })
            .collect();
        let onehot = join(
            im,
            &format!("{label}.onehot"),
            picked,
            op.axis,
            shape.clone(),
        );
        let diff = affine(
            im,
            &format!("{label}.diff"),
            &[(floor, 1.0), (cur, -1.0)],
            0.0,
            none,
            &shape,
        );
        let mul = FloatOp::Multiply(Multiply);
        let moved = im.push_anonymous(
            &format!("{label}.moved"),
            mul,
            vec![onehot, diff],
            shape.clone(),
        );
        cur = affine(
            im,
            &format!("{label}.rest"),
            &[(cur, 1.0), (moved, 1.0)],
            0.0,
            none,
            &shape,
        );
    }
    let out = im.output_shape(node)?;
    let values = join(im, &format!("{name}.values"), values, op.axis, out.clone());
    let indices = join(im, &format!("{name}.indices"), indices, op.axis, out);
    im.set_output(node, 0, Value::Node(values));
    im.set_output(node, 1, Value::Node(indices));
    Ok(())
}

/// The tensors `parts` (each of unit length along `axis`) joined along it into `shape`.
fn join(im: &mut Importer, name: &str, parts: Vec<usize>, axis: usize, shape: Vec<usize>) -> usize {
    match parts[..] {
        [one] => one,
        _ => im.push_anonymous(name, FloatOp::Concat(Concat { axis }), parts, shape),
    }
}
