//! ConvTranspose (tract's `Deconv`), 2-D NCHW, as the convolution it is: the input spread on a grid
//! `stride` apart with zeros between (and around: `d·(k-1) - pad` on each side, plus the output
//! adjustment after), read by a stride-1 `Conv` with the kernel flipped in both spatial axes. The
//! spread is a free gather (each zero is the circuit's one shared zero cell, through a one-element
//! `Pad`); the convolution is the existing `Conv`, so its rows are those of a convolution over the
//! spread grid (`stride²` times the input's positions: the zeros cost MAC slots, not constraints).
//!
//! tract has already put the ONNX kernel `[C_in, C_out/g, kh, kw]` in OIHW order (`[C_out, C_in/g, kh,
//! kw]`), the layout `Conv` takes.

use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::cnn::{Deconv, KernelFormat, PaddingSpec};
use tract_onnx::tract_core::ops::nn::DataFormat;
use zkinfer_circuits::ops::geometry::Window;
use zkinfer_circuits::ops::{Conv, Gather, Pad};
use zkinfer_circuits::Activation;

pub(super) fn import_deconv(im: &mut Importer, node: &TypedNode, op: &Deconv) -> Result<()> {
    let spec = &op.pool_spec;
    let (input, output) = (im.input_shape(node, 0)?, im.output_shape(node)?);
    if spec.data_format != DataFormat::NCHW
        || spec.rank() != 2
        || input.len() != 4
        || op.kernel_format != KernelFormat::OIHW
    {
        return Err(im.unsupported(node, "only 2-D NCHW with an OIHW kernel"));
    }
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "a transposed convolution of a constant"));
    };
    let (Value::Const { values: w, .. }, Value::Const { values: b, .. }) =
        (im.input(node, 1)?, im.input(node, 2)?)
    else {
        return Err(im.unsupported(node, "kernel or bias computed at run time"));
    };
    let (before, after): (Vec<usize>, Vec<usize>) = match &spec.padding {
        PaddingSpec::Valid => (vec![0, 0], vec![0, 0]),
        PaddingSpec::Explicit(b, a) | PaddingSpec::ExplicitOnnxPool(b, a, false) => {
            (b.to_vec(), a.to_vec())
        }
        other => return Err(im.unsupported(node, format!("padding {other:?}"))),
    };
    let (k, s, d) = (&spec.kernel_shape, spec.strides(), spec.dilations());
    let [c_in, c_out] = [input[1], output[1]];
    // The spread grid, per axis: its size and its offset (position of input 0) on it.
    let mut grid = [0usize; 2];
    let mut offset = [0i64; 2];
    for a in 0..2 {
        let reach = (d[a] * (k[a] - 1)) as i64;
        offset[a] = reach - before[a] as i64;
        let size = ((input[2 + a] - 1) * s[a] + 1) as i64 + offset[a] + reach - after[a] as i64
            + op.adjustments[a] as i64;
        grid[a] = usize::try_from(size).unwrap_or(0);
        if grid[a] < d[a] * (k[a] - 1) + 1 || grid[a] - d[a] * (k[a] - 1) != output[2 + a] {
            return Err(im.unsupported(node, format!("this geometry (output {output:?})")));
        }
    }
    let n = input.iter().product::<usize>();
    let flat = flat(im, node, x, n);
    let padded = im.push_anonymous(
        &format!("{}.zero", node.name),
        FloatOp::Pad(Pad { pads: vec![(0, 1)] }),
        vec![flat],
        vec![n + 1],
    );
    let spread_shape = vec![input[0], c_in, grid[0], grid[1]];
    let source = |p: usize, a: usize| -> Option<usize> {
        let u = p as i64 - offset[a];
        (u >= 0 && u % s[a] as i64 == 0)
            .then(|| (u / s[a] as i64) as usize)
            .filter(|i| *i < input[2 + a])
    };
    let mut indices = Vec::with_capacity(spread_shape.iter().product());
    for nc in 0..input[0] * c_in {
        for py in 0..grid[0] {
            for px in 0..grid[1] {
                indices.push(match (source(py, 0), source(px, 1)) {
                    (Some(iy), Some(ix)) => (nc * input[2] + iy) * input[3] + ix,
                    _ => n,
                });
            }
        }
    }
    let spread = im.push_anonymous(
        &format!("{}.spread", node.name),
        FloatOp::Gather(Gather {
            shape: spread_shape.clone(),
            indices,
        }),
        vec![padded],
        spread_shape,
    );
    let (kh, kw) = (k[0], k[1]);
    let per_out = c_in / op.group * kh * kw;
    let flipped = (0..w.len())
        .map(|i| {
            let (oc, r) = (i / per_out, i % per_out);
            let (c, r) = (r / (kh * kw), r % (kh * kw));
            let (ky, kx) = (r / kw, r % kw);
            w[oc * per_out + c * kh * kw + (kh - 1 - ky) * kw + (kw - 1 - kx)]
        })
        .collect();
    let bias = match b.len() {
        1 => vec![b[0]; c_out],
        len if len == c_out => b,
        _ => return Err(im.node_err(node, format!("bias of {} values for {c_out}", b.len()))),
    };
    let conv = FloatOp::Conv(Conv {
        c_in,
        c_out,
        group: op.group,
        window: Window {
            kernel: [kh, kw],
            strides: [1, 1],
            pads: [0, 0, 0, 0],
            dilations: [d[0], d[1]],
        },
        weights: flipped,
        bias,
        act: Activation::None,
        raw: false,
        weight_bits: 0,
    });
    im.push(node.id, &node.name, conv, vec![spread], output);
    Ok(())
}

/// Node `x` as a flat vector of its `n` elements (a free reshape).
fn flat(im: &mut Importer, node: &TypedNode, x: usize, n: usize) -> usize {
    let op = FloatOp::Reshape(zkinfer_circuits::ops::Reshape { shape: vec![n] });
    im.push_anonymous(&format!("{}.flat", node.name), op, vec![x], vec![n])
}
