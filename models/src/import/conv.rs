//! Convolutions and pools over NCHW: tract's `Conv` (ONNX Conv, its bias included) into a `Conv`, and
//! `SumPool` (ONNX AveragePool, GlobalAveragePool after tract) into a `Pool`. 2-D (and 1-D, as 2-D of
//! unit height), NCHW, OIHW kernels.

use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::cnn::{Conv, KernelFormat, PoolSpec, SumPool};
use tract_onnx::tract_core::ops::nn::DataFormat;
use zkinfer_circuits::ops::geometry::Window;
use zkinfer_circuits::ops::PoolDivisor;
use zkinfer_circuits::ops::{Conv as ConvOp, Pool, Reshape};
use zkinfer_circuits::Activation;

/// The 2-D window of a pool spec over an NCHW input, checked against tract's output shape.
pub(super) fn window(
    im: &Importer,
    node: &TypedNode,
    spec: &PoolSpec,
    input: &[usize],
    output: &[usize],
) -> Result<Window> {
    // A 1-D window arrives on shapes given a unit height (`as_2d`).
    let one_d = spec.rank() == 1 && input.len() == 4 && input[2] == 1;
    if spec.data_format != DataFormat::NCHW || !(spec.rank() == 2 || one_d) || input.len() != 4 {
        return Err(im.unsupported(
            node,
            format!(
                "only 2-D NCHW is supported ({:?}, input {input:?})",
                spec.data_format
            ),
        ));
    }
    let padding = spec.computed_padding(&input[4 - spec.rank()..]);
    let (strides, dilations) = (spec.strides(), spec.dilations());
    if one_d {
        let window = Window {
            kernel: [1, spec.kernel_shape[0]],
            strides: [1, strides[0]],
            pads: [0, padding[0].pad_before, 0, padding[0].pad_after],
            dilations: [1, dilations[0]],
        };
        let hw = window
            .output_hw(1, input[3])
            .map_err(|m| im.node_err(node, m))?;
        return if hw[..] == output[2..] {
            Ok(window)
        } else {
            Err(im.unsupported(node, format!("padding mode {:?}", spec.padding)))
        };
    }
    let window = Window {
        kernel: [spec.kernel_shape[0], spec.kernel_shape[1]],
        strides: [strides[0], strides[1]],
        pads: [
            padding[0].pad_before,
            padding[1].pad_before,
            padding[0].pad_after,
            padding[1].pad_after,
        ],
        dilations: [dilations[0], dilations[1]],
    };
    let hw = window
        .output_hw(input[2], input[3])
        .map_err(|m| im.node_err(node, m))?;
    if hw[..] != output[2..] {
        return Err(im.unsupported(
            node,
            format!("padding mode {:?} (output {output:?})", spec.padding),
        ));
    }
    Ok(window)
}

pub(super) fn import_conv(im: &mut Importer, node: &TypedNode, op: &Conv) -> Result<()> {
    if op.q_params.is_some() || op.kernel_fmt != KernelFormat::OIHW || node.inputs.len() != 3 {
        return Err(im.unsupported(node, "quantized Conv or a kernel layout other than OIHW"));
    }
    let x = match im.input(node, 0)? {
        Value::Node(x) => x,
        Value::Const { .. } => return Err(im.node_err(node, "convolution of a constant")),
    };
    let (
        Value::Const {
            values: weights, ..
        },
        Value::Const {
            values: bias,
            shape: bias_shape,
        },
    ) = (im.input(node, 1)?, im.input(node, 2)?)
    else {
        return Err(im.unsupported(node, "kernel or bias computed at run time"));
    };
    let shapes = (im.input_shape(node, 0)?, im.output_shape(node)?);
    let (x, input, output) = as_2d(im, node, x, shapes);
    let window = window(im, node, &op.pool_spec, &input, &output)?;
    let c_out = output[1];
    let bias = match bias.len() {
        1 => vec![bias[0]; c_out],
        n if n == c_out => bias,
        _ => {
            return Err(im.node_err(
                node,
                format!("bias of shape {bias_shape:?} for {c_out} channels"),
            ))
        }
    };
    let fop = FloatOp::Conv(ConvOp {
        c_in: input[1],
        c_out,
        group: op.group,
        window,
        weights,
        bias,
        act: Activation::None,
        raw: false,
        weight_bits: 0,
    });
    push_as_tract(im, node, fop, x, output)
}

pub(super) fn import_sum_pool(im: &mut Importer, node: &TypedNode, op: &SumPool) -> Result<()> {
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "pooling a constant"));
    };
    let shapes = (im.input_shape(node, 0)?, im.output_shape(node)?);
    let (x, input, output) = as_2d(im, node, x, shapes);
    let window = window(im, node, &op.pool_spec, &input, &output)?;
    let divisor = match (op.normalize, op.count_include_pad) {
        (false, _) => PoolDivisor::One,
        (true, true) => PoolDivisor::KernelArea,
        (true, false) => PoolDivisor::InBounds,
    };
    let op = FloatOp::Pool(Pool {
        window,
        divisor,
        scale: 0,
        extra: 0,
    });
    push_as_tract(im, node, op, x, output)
}

/// A 1-D op's operand and shapes as 2-D ones of unit height (`[N, C, L]` as `[N, C, 1, L]`, a free
/// reshape); 2-D ones unchanged. Returns the operand, its shape and the output shape.
fn as_2d(
    im: &mut Importer,
    node: &TypedNode,
    x: usize,
    (input, output): (Vec<usize>, Vec<usize>),
) -> (usize, Vec<usize>, Vec<usize>) {
    if input.len() != 3 || output.len() != 3 {
        return (x, input, output);
    }
    let lift = |s: &[usize]| vec![s[0], s[1], 1, s[2]];
    let (input, output) = (lift(&input), lift(&output));
    let op = FloatOp::Reshape(Reshape {
        shape: input.clone(),
    });
    let x = im.push_anonymous(&format!("{}.as_2d", node.name), op, vec![x], input.clone());
    (x, input, output)
}

/// Push `op` on `x` for tract node `node`, with its 2-D `output` shape brought back to tract's.
fn push_as_tract(
    im: &mut Importer,
    node: &TypedNode,
    op: FloatOp,
    x: usize,
    output: Vec<usize>,
) -> Result<()> {
    let tract = im.output_shape(node)?;
    if tract == output {
        im.push(node.id, &node.name, op, vec![x], output);
    } else {
        let label = format!("{}.2d", node.name);
        let y = im.push_anonymous(&label, op, vec![x], output);
        let back = FloatOp::Reshape(Reshape {
            shape: tract.clone(),
        });
        im.push(node.id, &node.name, back, vec![y], tract);
    }
    Ok(())
}
