//! Convolutions checked as polynomial products, with no multiplication per MAC.
//!
//! Lay a padded input plane (`Hp x Wp`) out row-major as the coefficients of `X(z) = Σ_q X[q]·z^q` and a
//! kernel tap `(ky, kx)` as the offset `e_k = ky·dy·Wp + kx·dx`, the largest being `E`. Then
//! `Σ_{ci,k} W[co,ci,k]·X_ci(z)·z^(E - e_k)` is a polynomial whose coefficient at `z^(p + E)` is the
//! stride-1 output at padded position `p = y·Wp + x`: a window that fits the padded input never wraps
//! into the next row, so no other term lands there. Its other coefficients (partial windows) are
//! just as determined by `X` and `W`. The prover commits every coefficient `c_j` in the first phase;
//! with `γ` drawn after it, the circuit checks, per output channel,
//!
//! `Σ_{ci,k} W[co,ci,k]·R_{ci,k} = Σ_j c_j·γ^j`, where `R_{ci,k} = X_ci(γ)·γ^(E - e_k)`.
//!
//! If any `c_j` is wrong, the difference of the two sides is a nonzero polynomial of degree `< L` in `γ`
//! (`L` coefficients per chain), zero with probability at most `L / p`. The outputs the model uses are
//! the `c_j` at output positions; the requant chip rescales them (the bias is its row offset).
//!
//! Work per convolution: one Horner step per padded input element and per coefficient (plus `E` steps
//! per input channel to reach every `R`), and one weight term per weight: `C_in·(Hp·Wp + E)` +
//! `C_out·(Hp·Wp + E)` + `C_out·C_in·kh·kw`, against `C_out·C_in·kh·kw·H_out·W_out` MACs.
//!
//! Columns (no selectors: each row's fixed `kind` is 0 off the chip, so blinding rows satisfy it):
//! - data lanes, each `v` (first phase: copies of `X`, the fresh `c_j`), `acc` (second phase) and a fixed
//!   `kind` ∈ {0 off, 1 start, 2 step, 3 skip}: `acc = v` (start), `acc = γ·acc[prev] + v` (step),
//!   `acc = γ·acc[prev]` (skip: a padding position or one of the `E` trailing steps);
//! - one weight lane of `t` terms: `p_i` (second phase, copies of the `R` cells), fixed `w_i`, the running
//!   `sum` (second phase) and a fixed `chain` ∈ {0 off, 1 start, 2 continue}:
//!   `sum = [chain = 2]·sum[prev] + Σ_i w_i·p_i`; each output channel's last `sum` is copied to the last
//!   `acc` of its coefficient chain.

use crate::ops::geometry::Window;
use crate::Fr;
use halo2_proofs::circuit::{Cell, Value};
use halo2_proofs::plonk::{
    Advice, Challenge, Column, ConstraintSystem, Expression, FirstPhase, Fixed, SecondPhase,
};
use halo2_proofs::poly::Rotation;
use rayon::prelude::*;

/// A data row's `kind` (0 is off the chip).
const START: u64 = 1;
const STEP: u64 = 2;
const SKIP: u64 = 3;

/// The chip's columns and challenge (module docs).
#[derive(Clone, Debug)]
pub struct ConvCheckConfig {
    /// Per data lane, first phase: copies of input elements, fresh coefficients.
    pub v: Vec<Column<Advice>>,
    /// Per data lane, second phase: the Horner accumulators.
    pub acc: Vec<Column<Advice>>,
    /// Per data lane: the row kind (module docs).
    pub kind: Vec<Column<Fixed>>,
    /// The weight lane's operands (second phase, copies of `R` cells).
    pub p: Vec<Column<Advice>>,
    /// The weight lane's weights.
    pub w: Vec<Column<Fixed>>,
    /// The weight lane's running sum (second phase).
    pub sum: Column<Advice>,
    /// The weight lane's row kind: 0 off, 1 start, 2 continue.
    pub chain: Column<Fixed>,
    /// Drawn after the first phase.
    pub gamma: Challenge,
}

/// The constant `v` as an expression.
fn constant(v: u64) -> Expression<Fr> {
    Expression::Constant(Fr::from(v))
}

impl ConvCheckConfig {
    /// Allocate `lanes` data lanes and a weight lane of `lanes` terms, the challenge `γ`, and create the
    /// `conv horner` and `conv weights` gates (degree 4 and 3).
    pub fn configure(meta: &mut ConstraintSystem<Fr>, lanes: usize) -> Self {
        let v: Vec<_> = (0..lanes)
            .map(|_| meta.advice_column_in(FirstPhase))
            .collect();
        let gamma = meta.challenge_usable_after(FirstPhase);
        let acc: Vec<_> = (0..lanes)
            .map(|_| meta.advice_column_in(SecondPhase))
            .collect();
        let p: Vec<_> = (0..lanes)
            .map(|_| meta.advice_column_in(SecondPhase))
            .collect();
        let sum = meta.advice_column_in(SecondPhase);
        let kind: Vec<_> = (0..lanes).map(|_| meta.fixed_column()).collect();
        let w: Vec<_> = (0..lanes).map(|_| meta.fixed_column()).collect();
        let chain = meta.fixed_column();
        for c in v.iter().chain(&acc).chain(&p).chain([&sum]) {
            meta.enable_equality(*c);
        }
        // Six times `[c≠0]·acc - [c≥2]·γ·acc[prev] - [c∈{1,2}]·v` for the kind `c` ∈ {0, 1, 2, 3}:
        // `6·[c≠0] = 6 + (c-1)(c-2)(c-3)`, `6·[c≥2] = c(c-1)(7-2c)`, `6·[c∈{1,2}] = -3c(c-3)`.
        meta.create_gate("conv horner", |meta| {
            let g = meta.query_challenge(gamma);
            (0..lanes)
                .map(|l| {
                    let c = meta.query_fixed(kind[l], Rotation::cur());
                    let on = constant(6)
                        + (c.clone() - constant(1))
                            * (c.clone() - constant(2))
                            * (c.clone() - constant(3));
                    let chained = c.clone()
                        * (c.clone() - constant(1))
                        * (constant(7) - c.clone() * constant(2));
                    let data = c.clone() * (c - constant(3)) * constant(3);
                    let cur = meta.query_advice(acc[l], Rotation::cur());
                    let prev = meta.query_advice(acc[l], Rotation::prev());
                    let x = meta.query_advice(v[l], Rotation::cur());
                    on * cur - chained * prev * g.clone() + data * x
                })
                .collect::<Vec<_>>()
        });
        // Twice `[c≠0]·sum - [c=2]·sum[prev] - Σ w·p` for `c` ∈ {0, 1, 2}: `2·[c≠0] = c(3-c)`,
        // `2·[c=2] = c(c-1)`.
        meta.create_gate("conv weights", |meta| {
            let c = meta.query_fixed(chain, Rotation::cur());
            let on = c.clone() * (constant(3) - c.clone());
            let chained = c.clone() * (c - constant(1));
            let cur = meta.query_advice(sum, Rotation::cur());
            let prev = meta.query_advice(sum, Rotation::prev());
            let terms = (0..lanes).fold(constant(0), |s, i| {
                s + meta.query_fixed(w[i], Rotation::cur())
                    * meta.query_advice(p[i], Rotation::cur())
            });
            vec![on * cur - chained * prev - terms * constant(2)]
        });
        Self {
            v,
            acc,
            kind,
            p,
            w,
            sum,
            chain,
            gamma,
        }
    }
}

/// One convolution as the chip checks it: an NCHW input `[batch, c_in, h, w]`, weights OIHW.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    /// Images in the batch.
    pub batch: usize,
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Channel groups.
    pub group: usize,
    /// Input height and width (before padding).
    pub hw: [usize; 2],
    /// Kernel, strides, pads, dilations.
    pub window: Window,
}

/// The polynomial layout of one shape (module docs).
#[derive(Clone, Debug)]
struct Geometry {
    /// Padded width: the row stride of the coefficients.
    wp: usize,
    /// The highest input position holding a real (unpadded) element.
    q_hi: usize,
    /// The highest output position (a window wholly in the bottom or right padding may lie past `q_hi`).
    p_hi: usize,
    /// The largest tap offset.
    e: usize,
    /// `e_k` per tap `k = ky·kw + kx`.
    offsets: Vec<usize>,
}

impl Geometry {
    /// Rows of an input chain: positions `q_hi..=0`, then `E` steps.
    fn len_x(&self) -> usize {
        self.q_hi + 1 + self.e
    }

    /// Rows of a coefficient chain: `c_j` for `j = max(q_hi, p_hi) + E..=0` (every product term and every
    /// output; the coefficients past `q_hi + E` are zero).
    fn len_y(&self) -> usize {
        self.q_hi.max(self.p_hi) + 1 + self.e
    }
}

impl ConvShape {
    fn geometry(&self) -> Geometry {
        let [h, w] = self.hw;
        let Window {
            kernel: [kh, kw],
            pads,
            dilations: [dy, dx],
            ..
        } = self.window;
        let wp = w + pads[1] + pads[3];
        let offsets: Vec<usize> = (0..kh)
            .flat_map(|ky| (0..kw).map(move |kx| ky * dy * wp + kx * dx))
            .collect();
        let [oh, ow] = self.out_hw();
        let [sy, sx] = self.window.strides;
        Geometry {
            wp,
            q_hi: (pads[0] + h.max(1) - 1) * wp + pads[1] + w.max(1) - 1,
            p_hi: (oh.max(1) - 1) * sy * wp + (ow.max(1) - 1) * sx,
            e: offsets.iter().copied().max().unwrap_or(0),
            offsets,
        }
    }

    fn taps(&self) -> usize {
        self.window.kernel[0] * self.window.kernel[1]
    }

    fn cin_g(&self) -> usize {
        self.c_in / self.group.max(1)
    }

    /// Output height and width.
    fn out_hw(&self) -> [usize; 2] {
        self.window
            .output_hw(self.hw[0], self.hw[1])
            .unwrap_or([0, 0])
    }

    /// The coefficient index of output `(oy, ox)`.
    fn output_index(&self, g: &Geometry, oy: usize, ox: usize) -> usize {
        let [sy, sx] = self.window.strides;
        oy * sy * g.wp + ox * sx + g.e
    }

    /// The input element at padded position `q` of a plane: `Some(iy·w + ix)`, or `None` for padding.
    fn element_at(&self, g: &Geometry, q: usize) -> Option<usize> {
        let (y, x) = (q / g.wp, q % g.wp);
        let iy = y.checked_sub(self.window.pads[0])?;
        let ix = x.checked_sub(self.window.pads[1])?;
        (iy < self.hw[0] && ix < self.hw[1]).then_some(iy * self.hw[1] + ix)
    }

    /// Every chain's coefficients `c_j` (`j = 0..len`) per `(image, output channel)`, exactly, from the
    /// input plane values `x` (NCHW) and `weights` (OIHW); `None` if one does not fit an `i64`.
    pub fn coefficients(&self, weights: &[i64], x: &[i64]) -> Option<Vec<Vec<i64>>> {
        let g = self.geometry();
        let [h, w] = self.hw;
        let (cin_g, cout_g, taps) = (self.cin_g(), self.c_out / self.group.max(1), self.taps());
        (0..self.batch * self.c_out)
            .into_par_iter()
            .map(|chain| {
                let (n, co) = (chain / self.c_out, chain % self.c_out);
                let grp = co / cout_g.max(1);
                let mut c = vec![0i128; g.len_y()];
                for ci in 0..cin_g {
                    let plane = &x[(n * self.c_in + grp * cin_g + ci) * h * w..][..h * w];
                    for (k, e_k) in g.offsets.iter().enumerate() {
                        let wk = i128::from(weights[(co * cin_g + ci) * taps + k]);
                        if wk == 0 {
                            continue;
                        }
                        for iy in 0..h {
                            let q0 = (iy + self.window.pads[0]) * g.wp + self.window.pads[1];
                            for ix in 0..w {
                                c[q0 + ix + g.e - e_k] += wk * i128::from(plane[iy * w + ix]);
                            }
                        }
                    }
                }
                c.into_iter().map(|v| i64::try_from(v).ok()).collect()
            })
            .collect()
    }
}

/// Where the chip's chains go: each data chain to the currently shortest data lane (the lowest on a
/// tie), the weight chains one after the other. The layout and the cost estimate both place through it.
#[derive(Clone, Debug)]
pub struct ConvRows {
    data: Vec<usize>,
    weight: usize,
    terms: usize,
}

/// Where one convolution's chains were placed: `(lane, row)` per input chain `(n, ci)` and per
/// coefficient chain `(n, co)`, and the weight lane's first row per `(n, co)`.
#[derive(Clone, Debug)]
struct Placement {
    x: Vec<(usize, usize)>,
    y: Vec<(usize, usize)>,
    w: Vec<usize>,
}

impl ConvRows {
    /// An empty chip of `lanes` data lanes and a weight lane of `lanes` terms. Row 0 is left empty, as
    /// in the other chips: the gates query the previous row, which from row 0 is the last (blinding) row.
    pub fn new(lanes: usize) -> Self {
        Self {
            data: vec![1; lanes.max(1)],
            weight: 1,
            terms: lanes.max(1),
        }
    }

    /// One past the last row used in any lane (0 when nothing was placed).
    pub fn height(&self) -> usize {
        let h = self
            .data
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(self.weight);
        if h > 1 {
            h
        } else {
            0
        }
    }

    fn data_chain(&mut self, len: usize) -> (usize, usize) {
        let lane =
            (0..self.data.len()).fold(0, |b, l| if self.data[l] < self.data[b] { l } else { b });
        let row = self.data[lane];
        self.data[lane] += len;
        (lane, row)
    }

    /// Place `shape`'s chains (the cost estimate calls this alone; the layout then assigns them).
    pub fn place(&mut self, shape: &ConvShape) {
        self.placement(shape);
    }

    fn placement(&mut self, shape: &ConvShape) -> Placement {
        let g = shape.geometry();
        let x = (0..shape.batch * shape.c_in)
            .map(|_| self.data_chain(g.len_x()))
            .collect();
        let y = (0..shape.batch * shape.c_out)
            .map(|_| self.data_chain(g.len_y()))
            .collect();
        let rows = (shape.cin_g() * shape.taps()).div_ceil(self.terms);
        let w = (0..shape.batch * shape.c_out)
            .map(|_| {
                let row = self.weight;
                self.weight += rows;
                row
            })
            .collect();
        Placement { x, y, w }
    }
}

/// A deliberate corruption for soundness tests: each must leave the circuit unsatisfied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvTamper {
    /// Output `i` (NCHW order) committed one too high.
    Output(usize),
    /// The first coefficient that is no output (a partial window) one too high.
    Partial,
    /// The input chain's first accumulator one too high (the `conv horner` gate).
    Accumulator,
    /// The check run on an input one too high at the first chain's first element (everything in the
    /// chip consistent with it; the element's cell unchanged): the copy of that element must catch it.
    /// The caller applies it to the wires it passes ([`crate::circuit::ModelCircuit`]'s conv layout).
    Input,
    /// The weight lane's first running sum one too high (the `conv weights` gate).
    Sum,
    /// The weight lane's first operand one more than the `R` cell it copies, the sums following it
    /// (the copy of `R`).
    Operand,
    /// The first input chain's first skip row adds `v = 1` as a step would, its accumulators following
    /// it (the `conv horner` gate: a skip row ignores `v`).
    SkipData,
}

/// A second-phase cell and its value.
#[derive(Clone, Copy, Debug)]
struct Cell2 {
    cell: Cell,
    value: Value<Fr>,
}

mod assign;

#[cfg(test)]
mod tests;
