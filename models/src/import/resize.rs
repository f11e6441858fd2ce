//! ONNX Resize (and tract's NearestUpsample). Nearest mode is a free gather ([`super::repeat`]). A
//! mode that mixes values (linear, cubic, with or without antialiasing) at constant scales is a fixed
//! linear map, separable over the axes: `y[o] = Σ_i Π_d W_d[o_d, i_d] · x[i]`. Each axis' matrix
//! `W_d` is read by running tract's op on inputs that are one-hot along that axis and 1 along the
//! others (the weights along every other axis sum to 1 in these modes); the product map is then
//! confirmed against tract's output for scattered values, and a resize that is not such a map is
//! refused. It becomes one gather per tap (free) and one Affine row per output element with those
//! weights as per-element coefficients (exact for the usual quarters and halves; finer ones get the
//! wide rescale's extra bits).

use super::repeat::{import_by_probe, probe};
use super::Importer;
use crate::error::{ModelError, Result};
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use zkinfer_circuits::ops::{Affine, Gather};
use zkinfer_circuits::Activation;

/// Weights below this (relative to 1) are dropped as the float noise of tract's f32 arithmetic.
const NOISE: f64 = 1e-6;

/// ONNX Resize / tract's NearestUpsample (module docs).
pub(super) fn import_resize(im: &mut Importer, node: &TypedNode) -> Result<()> {
    match import_by_probe(im, node, "resize", &[0]) {
        Err(ModelError::Unsupported { .. }) => import_linear(im, node),
        other => other,
    }
}

fn strides(shape: &[usize]) -> Vec<usize> {
    (0..shape.len())
        .map(|d| shape[d + 1..].iter().product())
        .collect()
}

/// Axis `d`'s matrix `W_d[o][i]` (`out[d] × inp[d]`): for each output coordinate `o` along `d`, the
/// largest response over the other axes' coordinates (there `Π_e Σ_j W_e = 1`; outside a crop it is
/// 0, so coordinate 0 alone may read nothing).
fn axis_weights(
    im: &Importer,
    node: &TypedNode,
    d: usize,
    (inp, out): (&[usize], &[usize]),
) -> Result<Vec<Vec<f64>>> {
    let (is, os) = (strides(inp), strides(out));
    // Column i of W_d: the response to the input that is 1 where its axis-d coordinate is i.
    let column = |i: usize| -> Result<Vec<f64>> {
        let one_hot = |flat: usize| f64::from(u8::from(flat / is[d] % inp[d] == i));
        let mut col = vec![0.0f64; out[d]];
        for (flat, v) in probe(im, node, &[0], &one_hot)?.iter().enumerate() {
            let cell = &mut col[flat / os[d] % out[d]];
            if v.abs() > cell.abs() {
                *cell = *v;
            }
        }
        Ok(col)
    };
    let columns = (0..inp[d]).map(column).collect::<Result<Vec<_>>>()?;
    Ok((0..out[d])
        .map(|o| columns.iter().map(|c| c[o]).collect())
        .collect())
}

/// A resize that mixes values, as the separable linear map it is (module docs).
fn import_linear(im: &mut Importer, node: &TypedNode) -> Result<()> {
    let refuse = |im: &Importer| {
        im.unsupported(node, "a resize that is not a fixed linear map of its input")
    };
    let Ok(super::Value::Node(x)) = im.input(node, 0) else {
        return Err(im.node_err(node, "a resize of a constant"));
    };
    let (inp, out) = (im.input_shape(node, 0)?, im.output_shape(node)?);
    if inp.len() != out.len() {
        return Err(refuse(im));
    }
    let weights: Vec<Vec<Vec<f64>>> = (0..inp.len())
        .map(|d| axis_weights(im, node, d, (&inp, &out)))
        .collect::<Result<_>>()?;
    // Each output's taps: the product of its axes' non-zero weights.
    let (is, os) = (strides(&inp), strides(&out));
    let taps: Vec<Vec<(usize, f64)>> = (0..out.iter().product())
        .map(|o: usize| {
            let mut taps = vec![(0usize, 1.0f64)];
            for d in 0..inp.len() {
                let od = o / os[d] % out[d];
                let stride = is[d];
                let row: Vec<(usize, f64)> = weights[d][od]
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| w.abs() > NOISE)
                    .map(|(i, w)| (i * stride, *w))
                    .collect();
                taps = taps
                    .iter()
                    .flat_map(|(at, w)| row.iter().map(move |(i, v)| (at + i, w * v)))
                    .collect();
            }
            taps
        })
        .collect();
    // Confirm the map on two sets of scattered values, none 0, with periods beyond the input's size
    // (exact in f32: integers below 2^22); f32 arithmetic errs by far less than the tolerance.
    let n: usize = inp.iter().product();
    for multiplier in [2_654_435_761u64, 40_503] {
        let value = |i: usize| ((i as u64 * multiplier) % 4_194_301 + 1) as f64;
        let theirs = probe(im, node, &[0], &value)?;
        let agrees = |(t, b): (&Vec<(usize, f64)>, &f64)| {
            let (ours, size) = t.iter().fold((0.0, 0.0), |(a, m), (i, w)| {
                (a + w * value(*i), m + (w * value(*i)).abs())
            });
            (ours - b).abs() <= 1e-5 * size + 1e-6
        };
        if n >= 4_194_301 || theirs.len() != taps.len() || !taps.iter().zip(&theirs).all(agrees) {
            return Err(refuse(im));
        }
    }
    let width = taps.iter().map(Vec::len).max().unwrap_or(0);
    if width == 0 || n == 0 {
        return Err(refuse(im));
    }
    let mut operands = Vec::with_capacity(width);
    let mut coefficients = Vec::with_capacity(width);
    for t in 0..width {
        let tap = |o: &Vec<(usize, f64)>| o.get(t).copied().unwrap_or((0, 0.0));
        let op = FloatOp::Gather(Gather {
            shape: out.clone(),
            indices: taps.iter().map(|o| tap(o).0).collect(),
        });
        let label = format!("{}.tap{t}", node.name);
        operands.push(im.push_anonymous(&label, op, vec![x], out.clone()));
        coefficients.push(taps.iter().map(|o| tap(o).1).collect());
    }
    let op = FloatOp::Affine(Affine {
        coefficients,
        bias: vec![0.0; taps.len()],
        act: Activation::None,
        extra: 0,
    });
    im.push(node.id, &node.name, op, operands, out);
    Ok(())
}
