//! Comparisons and logic as exact 0/1 values, and Where on a computed condition.
//!
//! The requant chip already proves the sign bit `sgn = [q ≥ 0]` of every value it range-checks; a
//! `Step` activation outputs it as the value `sgn·2^s` (1.0 or 0.0) through one gate. So, with `d` the
//! operands' difference (one exact Affine row, carrying the step):
//! - `a ≥ b` is `step(a - b)`, `a > b` the strict step (`[a - b > 0]`, its row shifted by one unit),
//!   `a ≤ b` and `a < b` the same of `b - a`: one row per element;
//! - `a = b` is `step(a - b) + step(b - a) - 1`, `a ≠ b` one minus that: three rows;
//! - on 0/1 operands, `and` is `step(a + b - 1.5)`, `or` `step(a + b - 0.5)`, `xor` their difference
//!   and `not` `1 - a` (thresholds at halves, so the answer is the same for any operands' rounding);
//! - `Where(c, a, b)` with a computed `c` is `b + c·(a - b)`: a product row pair (`Multiply`) and exact
//!   Affine rows (a constant branch folds into coefficients and bias);
//! - Cast to a float type is free; to bool or an integer type it is free on a 0/1 value, `x ≠ 0` to bool
//!   otherwise, and refused otherwise (a float's truncation is not an op yet).
//!
//! The comparison is of the quantized operands: values within one unit `2^-s` of each other may compare
//! as equal, which the accuracy guard judges like any other rounding.

use super::elementwise::{broadcast, broadcast_node};
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::FloatOp;
use tract_onnx::prelude::*;
use zkinfer_circuits::ops::{Affine, Multiply};
use zkinfer_circuits::Activation;

/// An operand brought to the output's shape: a node (broadcast by a free gather) or constant values.
#[derive(Clone)]
pub(super) enum Term {
    Node(usize),
    Const(Vec<f64>),
}

fn term(im: &mut Importer, node: &TypedNode, slot: usize, out: &[usize]) -> Result<Term> {
    let shape = im.input_shape(node, slot)?;
    let err = |im: &Importer| im.node_err(node, format!("broadcasting {shape:?} to {out:?}"));
    match im.input(node, slot)? {
        Value::Const { values, .. } => broadcast(&values, &shape, out)
            .map(Term::Const)
            .ok_or_else(|| err(im)),
        Value::Node(x) if shape == out => Ok(Term::Node(x)),
        Value::Node(x) => {
            let name = format!("{}.broadcast{slot}", node.name);
            broadcast_node(im, &name, x, &shape, out)
                .map(Term::Node)
                .ok_or_else(|| err(im))
        }
    }
}

/// `act(Σ c·term + bias)` over `out` as one Affine (constant terms fold into the bias).
pub(super) fn affine(
    im: &mut Importer,
    name: &str,
    terms: &[(&Term, f64)],
    bias: f64,
    act: Activation,
    out: &[usize],
) -> usize {
    let n: usize = out.iter().product();
    let (mut operands, mut coefficients, mut b) = (vec![], vec![], vec![bias; n]);
    for (t, c) in terms {
        match t {
            Term::Node(x) => {
                operands.push(*x);
                coefficients.push(vec![*c; n]);
            }
            Term::Const(v) => b.iter_mut().zip(v).for_each(|(b, v)| *b += c * v),
        }
    }
    let op = FloatOp::Affine(Affine {
        coefficients,
        bias: b,
        act,
        extra: 0,
    });
    im.push_anonymous(name, op, operands, out.to_vec())
}

const STEP: Activation = Activation::Step { strict: false };
const STRICT: Activation = Activation::Step { strict: true };

/// tract's `LT`, `LTE`, `GT`, `GTE`, `Eq`, `NE` (ONNX Less, LessOrEqual, Greater, GreaterOrEqual,
/// Equal, and Not(Equal)).
pub(super) fn import_comparison(im: &mut Importer, node: &TypedNode, kind: &str) -> Result<()> {
    let out = im.output_shape(node)?;
    let (a, b) = (term(im, node, 0, &out)?, term(im, node, 1, &out)?);
    if matches!((&a, &b), (Term::Const(_), Term::Const(_))) {
        return Err(im.node_err(node, "a comparison of two constants (tract should fold it)"));
    }
    let name = node.name.clone();
    let value = match kind {
        "GTE" => affine(im, &name, &[(&a, 1.0), (&b, -1.0)], 0.0, STEP, &out),
        "GT" => affine(im, &name, &[(&a, 1.0), (&b, -1.0)], 0.0, STRICT, &out),
        "LTE" => affine(im, &name, &[(&a, -1.0), (&b, 1.0)], 0.0, STEP, &out),
        "LT" => affine(im, &name, &[(&a, -1.0), (&b, 1.0)], 0.0, STRICT, &out),
        "Eq" | "NE" => {
            let ge = affine(
                im,
                &format!("{name}.ge"),
                &[(&a, 1.0), (&b, -1.0)],
                0.0,
                STEP,
                &out,
            );
            let le = affine(
                im,
                &format!("{name}.le"),
                &[(&a, -1.0), (&b, 1.0)],
                0.0,
                STEP,
                &out,
            );
            let (ge, le) = (Term::Node(ge), Term::Node(le));
            // Equal: ge + le - 1; not equal: 2 - ge - le.
            let (c, bias) = if kind == "Eq" {
                (1.0, -1.0)
            } else {
                (-1.0, 2.0)
            };
            let op = [(&ge, c), (&le, c)];
            affine(im, &name, &op, bias, Activation::None, &out)
        }
        _ => return Err(im.unsupported(node, format!("comparison {kind}"))),
    };
    im.values.insert(node.id, Value::Node(value));
    Ok(())
}

/// tract's `And`, `Or`, `Xor` of 0/1 tensors.
pub(super) fn import_logic(im: &mut Importer, node: &TypedNode, kind: &str) -> Result<()> {
    let out = im.output_shape(node)?;
    let (a, b) = (term(im, node, 0, &out)?, term(im, node, 1, &out)?);
    let name = node.name.clone();
    let sum = [(&a, 1.0), (&b, 1.0)];
    let value = match kind {
        "And" => affine(im, &name, &sum, -1.5, STEP, &out),
        "Or" => affine(im, &name, &sum, -0.5, STEP, &out),
        "Xor" => {
            let or = Term::Node(affine(im, &format!("{name}.or"), &sum, -0.5, STEP, &out));
            let and = Term::Node(affine(im, &format!("{name}.and"), &sum, -1.5, STEP, &out));
            affine(
                im,
                &name,
                &[(&or, 1.0), (&and, -1.0)],
                0.0,
                Activation::None,
                &out,
            )
        }
        _ => return Err(im.unsupported(node, format!("logic op {kind}"))),
    };
    im.values.insert(node.id, Value::Node(value));
    Ok(())
}

/// ONNX Not of a 0/1 tensor: `1 - a`.
pub(super) fn import_not(im: &mut Importer, node: &TypedNode) -> Result<()> {
    let out = im.output_shape(node)?;
    let a = term(im, node, 0, &out)?;
    let value = affine(im, &node.name, &[(&a, -1.0)], 1.0, Activation::None, &out);
    im.values.insert(node.id, Value::Node(value));
    Ok(())
}

/// `Where(c, a, b)` with a computed 0/1 condition `c`: `b + c·(a - b)`.
pub(super) fn import_computed_select(im: &mut Importer, node: &TypedNode, c: usize) -> Result<()> {
    let out = im.output_shape(node)?;
    let shape = im.input_shape(node, 0)?;
    let c = if shape == out {
        c
    } else {
        broadcast_node(im, &format!("{}.broadcast0", node.name), c, &shape, &out)
            .ok_or_else(|| im.node_err(node, format!("broadcasting {shape:?} to {out:?}")))?
    };
    let (a, b) = (term(im, node, 1, &out)?, term(im, node, 2, &out)?);
    let name = node.name.clone();
    let product = |im: &mut Importer, x: usize| {
        let op = FloatOp::Multiply(Multiply);
        Term::Node(im.push_anonymous(&format!("{name}.select"), op, vec![c, x], out.clone()))
    };
    let cond = Term::Node(c);
    let none = Activation::None;
    let value = match (&a, &b) {
        (Term::Node(_), Term::Node(_)) => {
            let d = affine(
                im,
                &format!("{name}.diff"),
                &[(&a, 1.0), (&b, -1.0)],
                0.0,
                none,
                &out,
            );
            let p = product(im, d);
            affine(im, &name, &[(&p, 1.0), (&b, 1.0)], 0.0, none, &out)
        }
        (Term::Node(x), Term::Const(k)) => {
            let p = product(im, *x);
            // c·a + (1 - c)·k
            let minus_k = Term::Const(k.iter().map(|v| -v).collect());
            let terms = [(&p, 1.0), (&b, 1.0)];
            let with_c = affine(im, &format!("{name}.const"), &terms, 0.0, none, &out);
            return finish_select(im, node, with_c, &cond, &minus_k, &out);
        }
        (Term::Const(k), Term::Node(x)) => {
            let p = product(im, *x);
            // c·k + b - c·b
            let terms = [(&b, 1.0), (&p, -1.0)];
            let rest = affine(im, &format!("{name}.const"), &terms, 0.0, none, &out);
            return finish_select(im, node, rest, &cond, &Term::Const(k.clone()), &out);
        }
        (Term::Const(x), Term::Const(y)) => {
            // b + c·(a - b), per element: the condition's coefficient is the constant difference.
            let diff: Vec<f64> = x.iter().zip(y).map(|(x, y)| x - y).collect();
            let op = FloatOp::Affine(Affine {
                coefficients: vec![diff],
                bias: y.clone(),
                act: none,
                extra: 0,
            });
            im.push_anonymous(&name, op, vec![c], out.clone())
        }
    };
    im.values.insert(node.id, Value::Node(value));
    Ok(())
}

/// `base + c·k` with per-element constants `k`, as the select's value.
fn finish_select(
    im: &mut Importer,
    node: &TypedNode,
    base: usize,
    cond: &Term,
    k: &Term,
    out: &[usize],
) -> Result<()> {
    let (Term::Node(c), Term::Const(k)) = (cond, k) else {
        return Err(im.node_err(node, "select operands"));
    };
    let n: usize = out.iter().product();
    let op = FloatOp::Affine(Affine {
        coefficients: vec![vec![1.0; n], k.clone()],
        bias: vec![0.0; n],
        act: Activation::None,
        extra: 0,
    });
    let v = im.push_anonymous(&node.name, op, vec![base, *c], out.to_vec());
    im.values.insert(node.id, Value::Node(v));
    Ok(())
}

/// tract's `Cast` (module docs).
pub(super) fn import_cast(im: &mut Importer, node: &TypedNode, to: DatumType) -> Result<()> {
    let from = im
        .model
        .outlet_fact(node.inputs[0])
        .map_err(|e| im.node_err(node, e.to_string()))?
        .datum_type;
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "a cast of a constant (tract should fold it)"));
    };
    if to == DatumType::F16 && from != DatumType::F16 {
        return Err(im.unsupported(
            node,
            "a cast to float16 (it rounds; the circuit's values do not)",
        ));
    }
    // tract types some integer tensors as TDim (its symbolic integer): skl2onnx's classifier labels,
    // `Cast` to int64 after an ArrayFeatureExtractor, come out as a cast from I32 to TDim.
    let integral = |t: DatumType| t.is_integer() || t == DatumType::TDim;
    if from == to || from == DatumType::Bool || to.is_float() || (integral(from) && integral(to)) {
        im.values.insert(node.id, Value::Node(x));
        return Ok(());
    }
    if to == DatumType::Bool {
        let out = im.output_shape(node)?;
        let (x, zero) = (Term::Node(x), Term::Const(vec![0.0; out.iter().product()]));
        let name = node.name.clone();
        let ge = affine(
            im,
            &format!("{name}.ge"),
            &[(&x, 1.0), (&zero, -1.0)],
            0.0,
            STEP,
            &out,
        );
        let le = affine(im, &format!("{name}.le"), &[(&x, -1.0)], 0.0, STEP, &out);
        let (ge, le) = (Term::Node(ge), Term::Node(le));
        let v = affine(
            im,
            &name,
            &[(&ge, -1.0), (&le, -1.0)],
            2.0,
            Activation::None,
            &out,
        );
        im.values.insert(node.id, Value::Node(v));
        return Ok(());
    }
    Err(im.unsupported(
        node,
        format!(
            "a cast from {from:?} to {to:?} (a float's truncation to an integer is not an op yet)"
        ),
    ))
}
