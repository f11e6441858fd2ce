//! Binary elementwise ops: `Add` and `Max` (tract's form of Relu: `max(x, 0)`).
//!
//! `Add` of a constant right after a Dense whose output has no other use folds into the Dense's bias when
//! the (broadcast) constant is the same for every row; `Max` with zero right after a Dense or a folded Add
//! becomes the Dense's activation. Otherwise they are standalone `Add` / `Relu` nodes.

use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::binary::TypedBinOp;
use zkinfer_circuits::Activation;

pub(super) fn import_binary(im: &mut Importer, node: &TypedNode, op: &TypedBinOp) -> Result<()> {
    let name = op.0.name().to_string();
    let out_shape = im.output_shape(node)?;
    let (a, b) = (im.input(node, 0)?, im.input(node, 1)?);
    let (x, x_tract, constant) = match (&a, &b) {
        (Value::Node(x), Value::Const { shape, values }) => {
            (*x, node.inputs[0].node, Some((shape, values)))
        }
        (Value::Const { shape, values }, Value::Node(x)) => {
            (*x, node.inputs[1].node, Some((shape, values)))
        }
        (Value::Node(x), Value::Node(_)) => (*x, node.inputs[0].node, None),
        _ => {
            return Err(im.node_err(
                node,
                "both operands constant (tract should have folded this)",
            ))
        }
    };
    let constant = match constant {
        Some((shape, values)) => Some(broadcast(values, shape, &out_shape).ok_or_else(|| {
            im.unsupported(
                node,
                format!("constant of shape {shape:?} against {out_shape:?}"),
            )
        })?),
        None => None,
    };
    match name.as_str() {
        "Add" => import_add(im, node, x, x_tract, &b, constant, out_shape),
        "Max" => match constant {
            Some(c) if c.iter().all(|v| *v == 0.0) => import_relu(im, node, x, x_tract, out_shape),
            _ => Err(im.unsupported(node, "Max other than max(x, 0)")),
        },
        _ => Err(im.unsupported(node, "")),
    }
}

fn import_add(
    im: &mut Importer,
    node: &TypedNode,
    x: usize,
    x_tract: usize,
    rhs: &Value,
    constant: Option<Vec<f64>>,
    out_shape: Vec<usize>,
) -> Result<()> {
    let numel: usize = out_shape.iter().product();
    let Some(constant) = constant else {
        let Value::Node(y) = rhs else {
            unreachable!("constant handled above")
        };
        let (nx, ny) = (
            im.graph.nodes[x].shape.iter().product::<usize>(),
            im.graph.nodes[*y].shape.iter().product::<usize>(),
        );
        if nx != numel || ny != numel {
            return Err(im.unsupported(
                node,
                "Add with broadcasting between two non-constant tensors",
            ));
        }
        let shape = im.graph.nodes[x].shape.clone();
        im.push(
            node.id,
            &node.name,
            FloatOp::Add { constant: None },
            vec![x, *y],
            shape,
        );
        return Ok(());
    };
    if im.single_use(x_tract) {
        if let FloatOp::Dense {
            n_out,
            bias,
            act: Activation::None,
            ..
        } = &mut im.graph.nodes[x].op
        {
            let n_out = *n_out;
            let rows: Vec<&[f64]> = constant.chunks(n_out).collect();
            if constant.len() % n_out == 0 && rows.iter().all(|r| *r == rows[0]) {
                for (b, c) in bias.iter_mut().zip(rows[0]) {
                    *b += c;
                }
                im.values.insert(node.id, super::Value::Node(x));
                return Ok(());
            }
        }
    }
    if im.graph.nodes[x].shape.iter().product::<usize>() != numel {
        return Err(im.unsupported(
            node,
            "Add whose constant broadcasts the operand to a larger shape",
        ));
    }
    let shape = im.graph.nodes[x].shape.clone();
    im.push(
        node.id,
        &node.name,
        FloatOp::Add {
            constant: Some(constant),
        },
        vec![x],
        shape,
    );
    Ok(())
}

fn import_relu(
    im: &mut Importer,
    node: &TypedNode,
    x: usize,
    x_tract: usize,
    out_shape: Vec<usize>,
) -> Result<()> {
    if im.single_use(x_tract) {
        if let FloatOp::Dense { act, .. } | FloatOp::Conv { act, .. } = &mut im.graph.nodes[x].op {
            if *act == Activation::None {
                *act = Activation::Relu;
                im.values.insert(node.id, Value::Node(x));
                return Ok(());
            }
        }
    }
    if im.graph.nodes[x].shape.iter().product::<usize>() != out_shape.iter().product::<usize>() {
        return Err(im.unsupported(node, "Max whose zero constant broadcasts the operand"));
    }
    let shape = im.graph.nodes[x].shape.clone();
    im.push(node.id, &node.name, FloatOp::Relu, vec![x], shape);
    Ok(())
}

/// Broadcast `values` of `shape` to `target` (numpy rules); `None` if incompatible.
pub(crate) fn broadcast(values: &[f64], shape: &[usize], target: &[usize]) -> Option<Vec<f64>> {
    if shape.len() > target.len() {
        // Leading unit axes may be dropped.
        let extra = shape.len() - target.len();
        if shape[..extra].iter().any(|d| *d != 1) {
            return None;
        }
        return broadcast(values, &shape[extra..], target);
    }
    let padded: Vec<usize> = std::iter::repeat_n(1, target.len() - shape.len())
        .chain(shape.iter().copied())
        .collect();
    if padded.iter().zip(target).any(|(s, t)| *s != *t && *s != 1) {
        return None;
    }
    let strides: Vec<usize> = (0..padded.len())
        .map(|i| padded[i + 1..].iter().product())
        .collect();
    let numel: usize = target.iter().product();
    Some(
        (0..numel)
            .map(|mut flat| {
                let mut src = 0;
                for d in (0..target.len()).rev() {
                    let coord = flat % target[d];
                    flat /= target[d];
                    if padded[d] != 1 {
                        src += coord * strides[d];
                    }
                }
                values[src]
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::broadcast;

    #[test]
    fn broadcast_follows_numpy() {
        assert_eq!(
            broadcast(&[1.0, 2.0], &[2], &[2, 2]),
            Some(vec![1.0, 2.0, 1.0, 2.0])
        );
        assert_eq!(
            broadcast(&[1.0, 2.0], &[2, 1], &[2, 2]),
            Some(vec![1.0, 1.0, 2.0, 2.0])
        );
        assert_eq!(broadcast(&[5.0], &[1, 1], &[3]), Some(vec![5.0; 3]));
        assert_eq!(broadcast(&[1.0, 2.0, 3.0], &[3], &[2]), None);
    }
}
