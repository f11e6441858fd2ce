//! `ai.onnx.ml` TreeEnsembleClassifier and TreeEnsembleRegressor (what skl2onnx emits for random
//! forests, gradient boosting and decision trees), from the tree data of tract's ensemble op; tract
//! wires the base values, post-transform, ArgMax and label lookup around it, which import as usual.
//!
//! Each tree becomes three steps, in the Hummingbird form (its GEMM strategy):
//! - every branch's test as a step: `[t - x_f ≥ 0]` for `x ≤ t`, `[x_f - t ≥ 0]` for `x ≥ t`, and
//!   `x < t`, `x > t` as one minus those (folded into the next step): one Affine step row per branch
//!   over a free gather of the features. The row rescales `t - x_f` to the grid, rounding half up, so
//!   the test is decided on the quantized feature against the threshold moved by up to `2^-(s+1)`:
//!   with the feature's own rounding, an input within `2^-s` of a threshold may take the other
//!   branch (the accuracy guard sees it on the calibration inputs);
//! - every leaf's indicator `[Σ_path [test = direction] ≥ depth - 1/2]`: one `Dense` step over the
//!   tree's tests (each path's directions as `±1` weights, its constants in the bias), 1 exactly at
//!   the leaf the input reaches;
//! - the scores: one `Dense` over every tree's indicators with the leaves' votes as weights (divided
//!   by the number of trees for an average).
//!
//! A single-leaf tree's votes join the scores' bias. Every value is forced by the step rows' range
//! checks, so the reached leaf and the scores are unique. Equality tests, `MAX`/`MIN` aggregation,
//! averages over uneven votes, shared subtrees and non-finite constants are refused. A binary
//! classifier voting for class 0 only (skl2onnx's binary forests) gets onnxruntime's label, not
//! tract's ([`binary_wiring`]); with negative votes, base values or a post-transform it is refused.

use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx_opl::ml::tree::{Aggregate, TreeEnsembleData};
use tract_onnx_opl::ml::tree_ensemble_classifier::TreeEnsembleClassifier;
use zkinfer_circuits::ops::{Affine, Concat, Dense, Gather};
use zkinfer_circuits::Activation;

/// One branch: its feature, threshold, whether its step is `[x ≤ t]` (else `[x ≥ t]`), whether the
/// test is strict (one minus the step: `x < t` is `1 - [x ≥ t]`), and its children's rows.
struct Branch {
    feature: usize,
    threshold: f64,
    below: bool,
    strict: bool,
}

/// A leaf: its path `(branch, direction)` from the root and its votes `(class, weight)`.
type Leaf = (Vec<(usize, bool)>, Vec<(usize, f64)>);

/// One tree: its branches (in visiting order) and its leaves.
#[derive(Default)]
struct Tree {
    branches: Vec<Branch>,
    leaves: Vec<Leaf>,
}

fn u32s(t: &Tensor) -> Option<&[u32]> {
    t.try_as_plain_ram().ok()?.as_slice::<u32>().ok()
}

/// The trees of tract's packed ensemble data (rows of `[feature, true, false, threshold bits, flags]`,
/// flags' low byte the comparison, not 1..=5 for a leaf `[first vote, end vote, ..]`).
fn trees(data: &TreeEnsembleData) -> std::result::Result<Vec<Tree>, String> {
    let bad = || "malformed tree data".to_string();
    let (roots, nodes, votes) = (
        u32s(&data.trees).ok_or_else(bad)?,
        u32s(&data.nodes).ok_or_else(bad)?,
        u32s(&data.leaves).ok_or_else(bad)?,
    );
    let mut out = Vec::with_capacity(roots.len());
    for root in roots {
        let mut tree = Tree::default();
        // (row, path) to visit; every row is reached once (shared children would multiply the paths).
        let mut stack = vec![(*root as usize, vec![])];
        let mut seen = std::collections::HashSet::new();
        while let Some((row, path)) = stack.pop() {
            if !seen.insert(row) {
                return Err("a node reached twice (shared children or a cycle)".into());
            }
            let r = nodes.get(row * 5..row * 5 + 5).ok_or_else(bad)?;
            let (below, strict) = match r[4] & 0xFF {
                1 | 2 => return Err("an equality test".into()),
                // The step is [x ≤ t] (`below`) or [x ≥ t]; a strict test is one minus the other kind.
                3 => (false, true),
                4 => (true, true),
                5 => (true, false),
                6 => return Err("a '>=' test (tract reads it as a leaf)".into()),
                _ => {
                    let (first, end) = (r[0] as usize, r[1] as usize);
                    let leaf_votes = votes.get(first * 2..end * 2).ok_or_else(bad)?;
                    let v = leaf_votes
                        .chunks(2)
                        .map(|c| (c[0] as usize, f64::from(f32::from_bits(c[1]))))
                        .collect::<Vec<_>>();
                    if v.iter().any(|(_, w)| !w.is_finite()) {
                        return Err("a non-finite leaf weight".into());
                    }
                    tree.leaves.push((path, v));
                    continue;
                }
            };
            let threshold = f64::from(f32::from_bits(r[3]));
            if !threshold.is_finite() {
                return Err(format!("a non-finite threshold ({threshold})"));
            }
            let b = tree.branches.len();
            tree.branches.push(Branch {
                feature: r[0] as usize,
                threshold,
                below,
                strict,
            });
            for (direction, child) in [(false, r[2]), (true, r[1])] {
                let mut p = path.clone();
                p.push((b, direction));
                stack.push((child as usize, p));
            }
        }
        out.push(tree);
    }
    Ok(out)
}

/// tract's tree ensemble op (module docs).
pub(super) fn import_tree_ensemble(
    im: &mut Importer,
    node: &TypedNode,
    op: &TreeEnsembleClassifier,
) -> Result<()> {
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "a tree ensemble over a constant"));
    };
    let input = im.input_shape(node, 0)?;
    let (rows, features) = match input[..] {
        [rows, features] => (rows, features),
        _ => return Err(im.node_err(node, format!("input of shape {input:?} (expected [N, F])"))),
    };
    let ensemble = &op.ensemble;
    let classes = ensemble.n_classes;
    let trees = trees(&ensemble.data).map_err(|why| im.unsupported(node, why))?;
    let votes = || trees.iter().flat_map(|t| &t.leaves).flat_map(|(_, v)| v);
    let binary = classes == 2 && votes().all(|(c, _)| *c == 0);
    if binary && (votes().any(|(_, w)| *w < 0.0) || !binary_wiring(im, node)) {
        // onnxruntime's label is then [s > 0] with scores [-s, s], or comes after a transform.
        let why = "a binary classifier with negative votes, base values or a post-transform";
        return Err(im.unsupported(node, why));
    }
    let divisor = match ensemble.aggregate_fn {
        Aggregate::Sum => 1.0,
        Aggregate::Avg if even_votes(&trees, classes) => trees.len() as f64,
        Aggregate::Avg => return Err(im.unsupported(node, "an average over uneven votes")),
        Aggregate::Max | Aggregate::Min => {
            return Err(im.unsupported(node, "a MAX or MIN aggregate"))
        }
    };
    if trees
        .iter()
        .flat_map(|t| &t.branches)
        .any(|b| b.feature >= features)
    {
        return Err(im.node_err(node, format!("a test of a feature beyond its {features}")));
    }
    // A single-leaf tree votes the same for every input: its votes join the scores' bias.
    let (stumps, grown): (Vec<&Tree>, Vec<&Tree>) =
        trees.iter().partition(|t| t.branches.is_empty());
    if grown.is_empty() {
        return Err(im.unsupported(node, "an ensemble of single-leaf trees (a constant)"));
    }
    let mut bias = vec![0.0; classes];
    for (class, w) in stumps.iter().flat_map(|t| &t.leaves).flat_map(|(_, v)| v) {
        *bias
            .get_mut(*class)
            .ok_or_else(|| im.node_err(node, format!("a vote for class {class}")))? += w / divisor;
    }
    let mut indicators = Vec::with_capacity(grown.len());
    for (t, tree) in grown.iter().enumerate() {
        indicators.push(leaf_indicators(
            im,
            &node.name,
            t,
            tree,
            x,
            (rows, features),
        ));
    }
    let leaves: usize = grown.iter().map(|t| t.leaves.len()).sum();
    let all = im.push_anonymous(
        &format!("{}.leaves", node.name),
        FloatOp::Concat(Concat { axis: 1 }),
        indicators,
        vec![rows, leaves],
    );
    let mut weights = vec![0.0; leaves * classes];
    for (l, (_, votes)) in grown.iter().flat_map(|t| &t.leaves).enumerate() {
        for (class, w) in votes {
            let cell = weights.get_mut(l * classes + class).ok_or_else(|| {
                im.node_err(node, format!("a vote for class {class} of {classes}"))
            })?;
            *cell += w / divisor;
        }
    }
    if binary {
        // Column 1 is 2s - 1/2, read only by tract's ArgMax: it wins exactly when s > 1/2.
        for l in 0..leaves {
            weights[l * 2 + 1] = 2.0 * weights[l * 2];
        }
        bias[1] = 2.0 * bias[0] - 0.5;
    }
    let scores = FloatOp::Dense(Dense {
        n_in: leaves,
        n_out: classes,
        weights,
        bias,
        act: Activation::None,
        weight_bits: 0,
    });
    im.push(node.id, &node.name, scores, vec![all], vec![rows, classes]);
    Ok(())
}

/// Whether `node`'s scores feed tract's binary wiring directly: the probability `s` (column 0, sliced
/// out and complemented into `[1 - s, s]`) and an ArgMax over both columns, with no base values or
/// post-transform between. tract's column 1 is 0, so its ArgMax says class 0 for any `s ≥ 0`, where
/// onnxruntime says class 1 when `s > 1/2`: the importer makes column 1 `2s - 1/2`.
fn binary_wiring(im: &Importer, node: &TypedNode) -> bool {
    use tract_onnx::tract_core::ops::array::Slice;
    use tract_onnx::tract_core::ops::nn::{Reduce, Reducer};
    let readers: Vec<&TypedNode> = node.outputs[0]
        .successors
        .iter()
        .map(|i| im.model.node(i.node))
        .collect();
    let slice = |n: &TypedNode| {
        n.op_as::<Slice>()
            .is_some_and(|s| s.axis == 1 && s.start == 0.to_dim() && s.end == 1.to_dim())
    };
    let argmax = |n: &TypedNode| {
        n.op_as::<Reduce>()
            .is_some_and(|r| r.reducer == Reducer::ArgMax(false) && r.axes[..] == [1])
    };
    readers.len() == 2 && readers.iter().any(|n| slice(n)) && readers.iter().any(|n| argmax(n))
}

/// Whether every leaf votes once for every class (an average is then a sum over the trees).
fn even_votes(trees: &[Tree], classes: usize) -> bool {
    trees.iter().flat_map(|t| &t.leaves).all(|(_, votes)| {
        let mut classes_voted: Vec<usize> = votes.iter().map(|(c, _)| *c).collect();
        classes_voted.sort_unstable();
        classes_voted == (0..classes).collect::<Vec<_>>()
    })
}

/// Tree `t`'s leaf indicators `[rows, leaves]` over `x: [rows, features]` (module docs).
fn leaf_indicators(
    im: &mut Importer,
    name: &str,
    t: usize,
    tree: &Tree,
    x: usize,
    (rows, features): (usize, usize),
) -> usize {
    let step = Activation::Step { strict: false };
    let branches = tree.branches.len();
    let picked = FloatOp::Gather(Gather {
        shape: vec![rows, branches],
        indices: (0..rows)
            .flat_map(|r| tree.branches.iter().map(move |b| r * features + b.feature))
            .collect(),
    });
    let picked = im.push_anonymous(
        &format!("{name}.tree{t}.x"),
        picked,
        vec![x],
        vec![rows, branches],
    );
    let sign = |b: &Branch| if b.below { -1.0 } else { 1.0 };
    let tests = FloatOp::Affine(Affine {
        coefficients: vec![(0..rows)
            .flat_map(|_| tree.branches.iter().map(sign))
            .collect()],
        bias: (0..rows)
            .flat_map(|_| tree.branches.iter().map(|b| -sign(b) * b.threshold))
            .collect(),
        act: step,
        extra: 0,
    });
    let tests = im.push_anonymous(
        &format!("{name}.tree{t}.tests"),
        tests,
        vec![picked],
        vec![rows, branches],
    );
    // [test = direction] = a + w·step: a strict test is 1 - step.
    let leaves = tree.leaves.len();
    let (mut weights, mut bias) = (vec![0.0; branches * leaves], vec![0.0; leaves]);
    for (l, (path, _)) in tree.leaves.iter().enumerate() {
        bias[l] = 0.5 - path.len() as f64;
        for (b, direction) in path {
            let holds_when_step = tree.branches[*b].strict != *direction;
            weights[b * leaves + l] = if holds_when_step { 1.0 } else { -1.0 };
            bias[l] += if holds_when_step { 0.0 } else { 1.0 };
        }
    }
    let op = FloatOp::Dense(Dense {
        n_in: branches,
        n_out: leaves,
        weights,
        bias,
        act: step,
        weight_bits: 0,
    });
    im.push_anonymous(
        &format!("{name}.tree{t}.leaves"),
        op,
        vec![tests],
        vec![rows, leaves],
    )
}
