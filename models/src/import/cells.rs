//! The recurrent cells tract fuses, from table lookups (σ, tanh), products and exact affine rows:
//! - `LstmEpilogue` (a `Scan` body's LSTM step; ONNX gate order i, o, f, c):
//!   `C = σ(f)·C' + σ(i)·tanh(c)`, `H = σ(o)·tanh(C)`; outputs `H`, `C`;
//! - `GruEpilogue` (a GRU step with `linear_before_reset`, as PyTorch exports it): from
//!   `x = X_t·Wᵀ + Wb` and `r = H'·Rᵀ + Rb`, `z = σ(x_z + r_z)`, `g = σ(x_r + r_r)`,
//!   `h = tanh(x_h + g·r_h)`, `H = h + z·(H' - h)`;
//! - `GruSeq` (tract's whole-sequence form of the same GRU): unrolled here over the sequence, each
//!   step's products by `W` and `R` a `Dense`, its cell the GRU step above.
//!
//! A state that is still a constant (the first step's `H'` or `C'`, zeros without `initial_h`) enters
//! as coefficients and biases, not as a node.

// A cell operand of `[rows, width]`: a node, or constant values.
use super::compare::Term as Operand;
use super::{Importer, Value};
use crate::error::Result;
use crate::float_graph::{function_activation, FloatOp};
use tract_onnx::prelude::*;
use tract_onnx::tract_core::ops::gru_seq::GruSeq;
use zkinfer_circuits::ops::{Affine, Dense, Gather, Lookup, Multiply, Reshape};
use zkinfer_circuits::{Activation, Function};

struct Cell<'a, 'm> {
    im: &'a mut Importer<'m>,
    name: String,
    rows: usize,
    h: usize,
}

impl Cell<'_, '_> {
    fn shape(&self) -> Vec<usize> {
        vec![self.rows, self.h]
    }

    /// Columns `[g·h, (g+1)·h)` of a `[rows, k·h]` operand.
    fn gate(&mut self, x: &Operand, k: usize, g: usize) -> Operand {
        let (rows, h) = (self.rows, self.h);
        let index = |i: usize| (i / h) * k * h + g * h + i % h;
        match x {
            Operand::Const(v) => Operand::Const((0..rows * h).map(|i| v[index(i)]).collect()),
            Operand::Node(x) => {
                let op = FloatOp::Gather(Gather {
                    shape: self.shape(),
                    indices: (0..rows * h).map(index).collect(),
                });
                let name = format!("{}.gate{g}of{k}", self.name);
                Operand::Node(self.im.push_anonymous(&name, op, vec![*x], self.shape()))
            }
        }
    }

    /// `act(Σ c·term)` elementwise: node terms are operands, constant ones fold into the bias.
    fn affine(&mut self, what: &str, terms: &[(&Operand, f64)], act: Activation) -> usize {
        let (name, shape) = (format!("{}.{what}", self.name), self.shape());
        super::compare::affine(self.im, &name, terms, 0.0, act, &shape)
    }

    /// `a·b` elementwise: a product row pair, or an Affine when `b` is constant.
    fn product(&mut self, what: &str, a: usize, b: &Operand) -> usize {
        match b {
            Operand::Node(b) => {
                let name = format!("{}.{what}", self.name);
                let op = FloatOp::Multiply(Multiply);
                self.im.push_anonymous(&name, op, vec![a, *b], self.shape())
            }
            Operand::Const(v) => {
                let op = FloatOp::Affine(Affine {
                    coefficients: vec![v.clone()],
                    bias: vec![0.0; v.len()],
                    act: Activation::None,
                    extra: 0,
                });
                let name = format!("{}.{what}", self.name);
                self.im.push_anonymous(&name, op, vec![a], self.shape())
            }
        }
    }

    fn lookup(&mut self, what: &str, f: Function, x: &Operand) -> usize {
        let x = match x {
            Operand::Node(x) => *x,
            c => self.affine(&format!("{what}.const"), &[(c, 1.0)], Activation::None),
        };
        let name = format!("{}.{what}", self.name);
        let op = FloatOp::Lookup(Lookup::real(f));
        self.im.push_anonymous(&name, op, vec![x], self.shape())
    }

    /// One LSTM step: `(H, C)` from the gates' pre-activations `[rows, 4h]` and `C'`.
    fn lstm(&mut self, pre: &Operand, c_prev: &Operand) -> (usize, usize) {
        let mut a = Vec::new();
        for (g, f) in [
            Function::Sigmoid,
            Function::Sigmoid,
            Function::Sigmoid,
            Function::Tanh,
        ]
        .into_iter()
        .enumerate()
        {
            let x = self.gate(pre, 4, g);
            a.push(self.lookup(&format!("act{g}"), f, &x));
        }
        let kept = self.product("forget", a[2], c_prev);
        let added = self.product("input", a[0], &Operand::Node(a[3]));
        let cell = self.affine(
            "cell",
            &[(&Operand::Node(kept), 1.0), (&Operand::Node(added), 1.0)],
            Activation::None,
        );
        let squashed = self.lookup("tanh", Function::Tanh, &Operand::Node(cell));
        let hidden = self.product("hidden", a[1], &Operand::Node(squashed));
        (hidden, cell)
    }

    /// One GRU step (`linear_before_reset`): `H` from `x·Wᵀ + Wb`, `H'·Rᵀ + Rb` (`[rows, 3h]`) and `H'`.
    fn gru(&mut self, xh: &Operand, rh: &Operand, h_prev: &Operand) -> usize {
        let (sigmoid, tanh) = (
            function_activation(Function::Sigmoid),
            function_activation(Function::Tanh),
        );
        let [xz, xr, xc] = [0, 1, 2].map(|g| self.gate(xh, 3, g));
        let [rz, rr, rc] = [0, 1, 2].map(|g| self.gate(rh, 3, g));
        let z = self.affine("update", &[(&xz, 1.0), (&rz, 1.0)], sigmoid);
        let r = self.affine("reset", &[(&xr, 1.0), (&rr, 1.0)], sigmoid);
        let gated = Operand::Node(self.product("gated", r, &rc));
        let cand = Operand::Node(self.affine("candidate", &[(&xc, 1.0), (&gated, 1.0)], tanh));
        let diff = self.affine("diff", &[(h_prev, 1.0), (&cand, -1.0)], Activation::None);
        let kept = Operand::Node(self.product("kept", z, &Operand::Node(diff)));
        self.affine("hidden", &[(&cand, 1.0), (&kept, 1.0)], Activation::None)
    }
}

/// Input `i` of `node` as a `[rows, width]` operand (a free reshape of a node).
fn operand(
    im: &mut Importer,
    node: &TypedNode,
    i: usize,
    width: usize,
) -> Result<(Operand, usize)> {
    let (numel, value) = match im.input(node, i)? {
        Value::Node(x) => (
            im.graph.nodes[x].shape.iter().product::<usize>(),
            Value::Node(x),
        ),
        Value::Const { values, shape } => (shape.iter().product(), Value::Const { values, shape }),
    };
    if width == 0 || numel % width != 0 {
        return Err(im.node_err(node, format!("{numel} values in rows of {width}")));
    }
    let rows = numel / width;
    Ok(match value {
        Value::Const { values, .. } => (Operand::Const(values), rows),
        Value::Node(x) => {
            let op = FloatOp::Reshape(Reshape {
                shape: vec![rows, width],
            });
            let label = format!("{}.in{i}", node.name);
            (
                Operand::Node(im.push_anonymous(&label, op, vec![x], vec![rows, width])),
                rows,
            )
        }
    })
}

/// A `[rows, h]` result as tract's output `slot` of `node` (a free reshape).
fn finish(im: &mut Importer, node: &TypedNode, slot: usize, x: usize) -> Result<()> {
    let shape = im.output_shape_of(node, slot)?;
    let op = FloatOp::Reshape(Reshape {
        shape: shape.clone(),
    });
    let v = im.push_anonymous(&format!("{}.out{slot}", node.name), op, vec![x], shape);
    im.set_output(node, slot, Value::Node(v));
    Ok(())
}

/// tract's `LstmEpilogue`: inputs the gates' pre-activations and `C'`; outputs `H`, `C`.
pub(super) fn import_lstm_cell(im: &mut Importer, node: &TypedNode, h: usize) -> Result<()> {
    let (pre, rows) = operand(im, node, 0, 4 * h)?;
    let (c_prev, _) = operand(im, node, 1, h)?;
    let name = node.name.clone();
    let (hidden, cell) = Cell { im, name, rows, h }.lstm(&pre, &c_prev);
    finish(im, node, 0, hidden)?;
    finish(im, node, 1, cell)
}

/// tract's `GruEpilogue`: inputs `x·Wᵀ + Wb`, `H'·Rᵀ + Rb` and `H'`; output `H`.
pub(super) fn import_gru_cell(im: &mut Importer, node: &TypedNode, h: usize) -> Result<()> {
    let (xh, rows) = operand(im, node, 0, 3 * h)?;
    let (rh, _) = operand(im, node, 1, 3 * h)?;
    let (h_prev, _) = operand(im, node, 2, h)?;
    let name = node.name.clone();
    let hidden = Cell { im, name, rows, h }.gru(&xh, &rh, &h_prev);
    finish(im, node, 0, hidden)
}

/// The constant input `i` of `node`.
fn constant(im: &Importer, node: &TypedNode, i: usize) -> Result<Vec<f64>> {
    match im.input(node, i)? {
        Value::Const { values, .. } => Ok(values),
        Value::Node(_) => Err(im.unsupported(node, "recurrent weights computed at run time")),
    }
}

/// `x·Mᵀ + b` for a row-major `M` of `[n_out, n_in]`: a `Dense` of a node, computed for a constant.
fn product_by(
    im: &mut Importer,
    name: &str,
    x: &Operand,
    (m, n_in, n_out): (&[f64], usize, usize),
    b: &[f64],
) -> Operand {
    let weights: Vec<f64> = (0..n_in * n_out)
        .map(|k| m[(k % n_out) * n_in + k / n_out])
        .collect();
    match x {
        Operand::Node(x) => {
            let rows = im.graph.nodes[*x].shape.iter().product::<usize>() / n_in;
            let op = FloatOp::Dense(Dense {
                n_in,
                n_out,
                weights,
                bias: b.to_vec(),
                act: Activation::None,
                weight_bits: 0,
            });
            Operand::Node(im.push_anonymous(name, op, vec![*x], vec![rows, n_out]))
        }
        Operand::Const(v) => Operand::Const({
            let weights = &weights;
            v.chunks(n_in)
                .flat_map(|row| {
                    (0..n_out).map(move |o| {
                        b[o] + (0..n_in)
                            .map(|i| row[i] * weights[i * n_out + o])
                            .sum::<f64>()
                    })
                })
                .collect()
        }),
    }
}

/// tract's `GruSeq` (module docs): inputs `X [batch, T, in]` (or `X·Wᵀ + Wb` when projected), `W`
/// unless projected, `R`, the bias when present, `initial_h`; outputs `Y [batch, T, h]` and
/// `Y_h [batch, 1, h]`.
pub(super) fn import_gru_seq(im: &mut Importer, node: &TypedNode, op: &GruSeq) -> Result<()> {
    let h = op.hidden;
    let Value::Node(x) = im.input(node, 0)? else {
        return Err(im.node_err(node, "a GRU over a constant sequence"));
    };
    let xs = im.input_shape(node, 0)?;
    let [batch, t_len, width] = xs[..] else {
        return Err(im.node_err(node, format!("sequence of shape {xs:?}")));
    };
    let r_slot = if op.projected { 1 } else { 2 };
    let w = if op.projected {
        None
    } else {
        Some(constant(im, node, 1)?)
    };
    let r = constant(im, node, r_slot)?;
    let (wb, rb) = if op.has_bias {
        let b = constant(im, node, r_slot + 1)?;
        (b[..3 * h].to_vec(), b[3 * h..6 * h].to_vec())
    } else {
        (vec![0.0; 3 * h], vec![0.0; 3 * h])
    };
    let (mut state, _) = operand(im, node, node.inputs.len() - 1, h)?;
    let mut ys = vec![0; t_len];
    for step in 0..t_len {
        let t = if op.chunk < 0 { t_len - 1 - step } else { step };
        let name = format!("{}[{t}]", node.name);
        let indices = (0..batch * width)
            .map(|i| ((i / width) * t_len + t) * width + i % width)
            .collect();
        let gather = FloatOp::Gather(Gather {
            shape: vec![batch, width],
            indices,
        });
        let xt = im.push_anonymous(&format!("{name}.x"), gather, vec![x], vec![batch, width]);
        let xh = match &w {
            Some(w) => product_by(
                im,
                &format!("{name}.xw"),
                &Operand::Node(xt),
                (w, width, 3 * h),
                &wb,
            ),
            None => Operand::Node(xt),
        };
        let rh = product_by(im, &format!("{name}.hr"), &state, (&r, h, 3 * h), &rb);
        let hidden = Cell {
            im,
            name,
            rows: batch,
            h,
        }
        .gru(&xh, &rh, &state);
        ys[t] = hidden;
        state = Operand::Node(hidden);
    }
    if op.emit_y {
        // Y[b, t, :] is step t's H[b, :].
        let shape = im.output_shape_of(node, 0)?;
        let parts: Vec<usize> = ys.clone();
        let y = im.push_anonymous(
            &format!("{}.y", node.name),
            FloatOp::Concat(zkinfer_circuits::ops::Concat { axis: 1 }),
            parts,
            vec![batch, t_len * h],
        );
        let op = FloatOp::Reshape(Reshape {
            shape: shape.clone(),
        });
        let v = im.push_anonymous(&format!("{}.out0", node.name), op, vec![y], shape);
        im.set_output(node, 0, Value::Node(v));
    }
    let Operand::Node(last) = state else {
        return Err(im.node_err(node, "an empty sequence"));
    };
    finish(im, node, 1, last)
}
