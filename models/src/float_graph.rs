//! [`FloatGraph`]: the imported model in real arithmetic, mirroring the quantized ops one to one.
//! Used to find calibration ranges and to quantize into a [`QuantizedGraph`].

use crate::error::{ModelError, Result};
use std::collections::BTreeMap;
use zkinfer_circuits::fixed_point::{coefficient_bits, quantize};
use zkinfer_circuits::ops::geometry::Window;
use zkinfer_circuits::ops::{
    Affine, Concat, Conv, Dense, Gather, Input, Pad, Pool, PoolDivisor, ReduceSum, Relu, Reshape,
    Slice, Transpose,
};
use zkinfer_circuits::ops::{Divide, Lookup, MatMul, Multiply};
use zkinfer_circuits::{Activation, FnTable, Function, Node, OpKind, QuantizedGraph};

/// The smallest and largest value something took: `(min, max)`, always spanning 0.
pub type Span = (f64, f64);

/// The largest magnitude in a span.
pub fn magnitude((lo, hi): Span) -> f64 {
    lo.abs().max(hi.abs())
}

/// The real domain `(min, max)` of each function's table (the calibrated input span times the headroom).
pub type TableDomains = BTreeMap<Function, Span>;

/// The activation applying `function`, as the float graph records it: the table's bound is chosen when
/// the graph is quantized (see [`FloatGraph::quantize`]).
pub fn function_activation(function: Function) -> Activation {
    Activation::Table(FnTable {
        function,
        lo: 0,
        hi: 0,
    })
}

/// One node's operation in real (f64) arithmetic; each variant becomes the [`OpKind`] of the same
/// name in [`FloatGraph::quantize`].
#[derive(Clone, Debug)]
pub enum FloatOp {
    /// A graph input, in the model's declared order (the order of `input.json`'s lists).
    Input {
        /// The input's concrete shape as tract typed it; its `input.json` list holds its elements row-major.
        shape: Vec<usize>,
    },
    /// `y = act(x·W + b)` over rows of `n_in`; `weights` row-major `[n_in][n_out]`. Output `[rows, n_out]`.
    Dense {
        /// Elements per input row: the operand is read as consecutive rows of `n_in`.
        n_in: usize,
        /// Output neurons: elements per output row.
        n_out: usize,
        /// Real weights, row-major `[n_in][n_out]`; quantized at `2^scale`.
        weights: Vec<f64>,
        /// One real bias per output neuron; quantized at `2^(2·scale)`, the scale of the products.
        bias: Vec<f64>,
        /// Applied to the pre-activation (a table's bounds are placeholders until [`FloatGraph::quantize`]).
        act: Activation,
    },
    /// 2-D convolution over NCHW; `weights` `[c_out][c_in/group][kh][kw]`.
    Conv {
        /// Input channels (axis 1 of the NCHW operand).
        c_in: usize,
        /// Output channels.
        c_out: usize,
        /// Channel groups: each output channel reads `c_in / group` input channels (depthwise when
        /// `group == c_in`).
        group: usize,
        /// Kernel size, strides, pads and dilations over H and W.
        window: Window,
        /// Real kernel weights `[c_out][c_in/group][kh][kw]` (ONNX OIHW); quantized at `2^scale`.
        weights: Vec<f64>,
        /// One real bias per output channel; quantized at `2^(2·scale)`.
        bias: Vec<f64>,
        /// Applied to the pre-activation (a table's bounds are placeholders until [`FloatGraph::quantize`]).
        act: Activation,
    },
    /// Sum / average pooling over NCHW.
    Pool {
        /// Kernel size, strides, pads and dilations over H and W.
        window: Window,
        /// What each window's sum is divided by: 1 (sum pool), the kernel area or the in-bounds taps.
        divisor: PoolDivisor,
    },
    /// Elementwise `act(Σ_j c_j ⊙ x_j + b)` over one or two operands of the same size.
    Affine {
        /// Per operand `j`, the real coefficients `c_j`, one per element; quantized at `2^scale`.
        coefficients: Vec<Vec<f64>>,
        /// One real bias per element; quantized at `2^(2·scale)`.
        bias: Vec<f64>,
        /// Applied to the pre-activation (a table's bounds are placeholders until [`FloatGraph::quantize`]).
        act: Activation,
    },
    /// Elementwise `max(x, 0)` (when it could not be fused into a preceding Dense, Conv or Affine).
    Relu,
    /// A pointwise smooth function, read from its table.
    Lookup {
        /// The function applied; its table's domain is chosen by [`FloatGraph::quantize`].
        function: Function,
    },
    /// Elementwise quotient of two computed tensors of the same size (denominators positive).
    Divide,
    /// Elementwise product of two computed tensors of the same size.
    Multiply,
    /// `[batch, m, k] x [batch, k, n]` product of two computed tensors.
    MatMul {
        /// Number of independent products.
        batch: usize,
        /// Rows of the left operand and of the product.
        m: usize,
        /// Columns of the left operand and rows of the right one (the summed dimension).
        k: usize,
        /// Columns of the right operand and of the product.
        n: usize,
    },
    /// The same elements in the same row-major order under a new shape (free: no arithmetic).
    Reshape {
        /// The output shape (as many elements as the operand).
        shape: Vec<usize>,
    },
    /// Axis permutation (ONNX Transpose semantics).
    Transpose {
        /// `perm[i]` is the operand axis that becomes output axis `i`.
        perm: Vec<usize>,
    },
    /// Elements `start..end` of one axis.
    Slice {
        /// The axis sliced.
        axis: usize,
        /// First kept index along `axis`.
        start: usize,
        /// One past the last kept index along `axis` (exclusive).
        end: usize,
    },
    /// Operands joined along an axis.
    Concat {
        /// The axis the operands are joined along (their other dimensions are equal).
        axis: usize,
    },
    /// Zero padding, `(before, after)` per axis.
    Pad {
        /// Zeros added before and after the operand along each of its axes, in elements.
        pads: Vec<(usize, usize)>,
    },
    /// Elements of the operand picked by flat index (shape: the node's).
    Gather {
        /// For each output element (row-major), the flat row-major index of the operand element it copies.
        indices: Vec<usize>,
    },
    /// `coefficient · Σ` over `axes` (kept with size 1).
    ReduceSum {
        /// The operand axes summed over.
        axes: Vec<usize>,
        /// Real factor on every sum: 1 for a plain sum, with a uniform constant factor or divisor that
        /// followed it folded in (ReduceMean: `1/n`); quantized at `2^scale`.
        coefficient: f64,
    },
}

/// One node of a [`FloatGraph`]: its operation, its operands and its output shape.
#[derive(Clone, Debug)]
pub struct FloatNode {
    /// The tract node it was imported from (with a suffix such as `.broadcast0` for an intermediate
    /// step); names the layer in errors and in the calibration report.
    pub name: String,
    /// The operation, in real arithmetic.
    pub op: FloatOp,
    /// The operands, as indices into [`FloatGraph::nodes`] (always earlier nodes).
    pub inputs: Vec<usize>,
    /// Output shape.
    pub shape: Vec<usize>,
}

/// The imported model in real arithmetic: the reference the quantized graph is calibrated and
/// measured against.
#[derive(Clone, Debug, Default)]
pub struct FloatGraph {
    /// Every node in evaluation order (operands before their users), the graph inputs first.
    pub nodes: Vec<FloatNode>,
    /// The nodes whose values are the model's outputs, in the ONNX graph's output order.
    pub outputs: Vec<usize>,
}

impl FloatGraph {
    /// Names and element counts of the inputs, in order.
    pub fn input_sizes(&self) -> Vec<(String, usize)> {
        self.nodes
            .iter()
            .filter(|n| matches!(n.op, FloatOp::Input { .. }))
            .map(|n| (n.name.clone(), n.shape.iter().product()))
            .collect()
    }

    /// Evaluate in f64. Returns every node's output and the range `(min, max)` each node's range-checked
    /// value spanned (the pre-activation value for Dense, Conv, Affine and tables, the output otherwise;
    /// `(0, 0)` for free re-indexings).
    pub fn eval(&self, inputs: &[Vec<f64>]) -> Result<(Vec<Vec<f64>>, Vec<Span>)> {
        let mut values: Vec<Vec<f64>> = Vec::with_capacity(self.nodes.len());
        let mut peaks = Vec::with_capacity(self.nodes.len());
        let mut next_input = inputs.iter();
        // The span of `v`; NaN if any value is (f64::min/max would skip it).
        let max_abs = |v: &[f64]| {
            v.iter().fold((0f64, 0f64), |(lo, hi), x| {
                if x.is_nan() || lo.is_nan() {
                    (f64::NAN, f64::NAN)
                } else {
                    (lo.min(*x), hi.max(*x))
                }
            })
        };
        for node in &self.nodes {
            let arg = |i: usize| &values[node.inputs[i]];
            let (out, peak) = match &node.op {
                FloatOp::Input { .. } => {
                    let v = next_input
                        .next()
                        .ok_or_else(|| ModelError::Calibration("missing input".into()))?
                        .clone();
                    let p = max_abs(&v);
                    (v, p)
                }
                FloatOp::Dense {
                    n_in,
                    n_out,
                    weights,
                    bias,
                    act,
                } => {
                    let x = arg(0);
                    let mut pre = Vec::with_capacity(x.len() / n_in * n_out);
                    for row in x.chunks(*n_in) {
                        for j in 0..*n_out {
                            pre.push(
                                bias[j]
                                    + row
                                        .iter()
                                        .enumerate()
                                        .map(|(i, xi)| xi * weights[i * n_out + j])
                                        .sum::<f64>(),
                            );
                        }
                    }
                    let p = max_abs(&pre);
                    (pre.iter().map(|v| act.apply_f64(*v)).collect(), p)
                }
                FloatOp::Affine {
                    coefficients,
                    bias,
                    act,
                } => {
                    let pre: Vec<f64> = (0..bias.len())
                        .map(|i| {
                            bias[i]
                                + coefficients
                                    .iter()
                                    .enumerate()
                                    .map(|(j, c)| c[i] * arg(j)[i])
                                    .sum::<f64>()
                        })
                        .collect();
                    let p = max_abs(&pre);
                    (pre.iter().map(|v| act.apply_f64(*v)).collect(), p)
                }
                FloatOp::Conv {
                    c_in,
                    c_out,
                    group,
                    window,
                    weights,
                    bias,
                    act,
                } => {
                    let in_shape = &self.nodes[node.inputs[0]].shape;
                    let pre = conv_f64(
                        arg(0),
                        in_shape,
                        *c_in,
                        *c_out,
                        *group,
                        window,
                        weights,
                        bias,
                    );
                    let p = max_abs(&pre);
                    (pre.iter().map(|v| act.apply_f64(*v)).collect(), p)
                }
                FloatOp::Pool { window, divisor } => {
                    let v = pool_f64(arg(0), &self.nodes[node.inputs[0]].shape, window, *divisor);
                    let p = max_abs(&v);
                    (v, p)
                }
                FloatOp::Relu => (arg(0).iter().map(|v| v.max(0.0)).collect(), max_abs(arg(0))),
                FloatOp::Lookup { function } => (
                    arg(0).iter().map(|v| function.eval(*v)).collect(),
                    max_abs(arg(0)),
                ),
                FloatOp::MatMul { batch, m, k, n } => {
                    let (a, b) = (arg(0), arg(1));
                    let mut v = Vec::with_capacity(batch * m * n);
                    for bt in 0..*batch {
                        for i in 0..*m {
                            for j in 0..*n {
                                v.push(
                                    (0..*k)
                                        .map(|l| {
                                            a[bt * m * k + i * k + l] * b[bt * k * n + l * n + j]
                                        })
                                        .sum::<f64>(),
                                );
                            }
                        }
                    }
                    let p = max_abs(&v);
                    (v, p)
                }
                FloatOp::Multiply => {
                    let v: Vec<f64> = arg(0).iter().zip(arg(1)).map(|(a, b)| a * b).collect();
                    let p = max_abs(&v);
                    (v, p)
                }
                FloatOp::Divide => {
                    let v: Vec<f64> = arg(0).iter().zip(arg(1)).map(|(a, b)| a / b).collect();
                    let p = max_abs(&v);
                    (v, p)
                }
                FloatOp::Reshape { .. } => (arg(0).clone(), (0.0, 0.0)),
                FloatOp::Slice { axis, start, end } => {
                    let op = Slice {
                        axis: *axis,
                        start: *start,
                        end: *end,
                    };
                    let map = op.gather(&self.nodes[node.inputs[0]].shape);
                    (map.iter().map(|i| arg(0)[*i]).collect(), (0.0, 0.0))
                }
                FloatOp::Concat { axis } => {
                    let shapes: Vec<&[usize]> = node
                        .inputs
                        .iter()
                        .map(|i| self.nodes[*i].shape.as_slice())
                        .collect();
                    let map = Concat { axis: *axis }.gather(&shapes);
                    (map.iter().map(|(op, i)| arg(*op)[*i]).collect(), (0.0, 0.0))
                }
                FloatOp::Gather { indices } => {
                    (indices.iter().map(|i| arg(0)[*i]).collect(), (0.0, 0.0))
                }
                FloatOp::Pad { pads } => {
                    let map = Pad { pads: pads.clone() }.gather(&self.nodes[node.inputs[0]].shape);
                    (
                        map.iter().map(|i| i.map_or(0.0, |i| arg(0)[i])).collect(),
                        (0.0, 0.0),
                    )
                }
                FloatOp::ReduceSum { axes, coefficient } => {
                    let op = ReduceSum {
                        axes: axes.clone(),
                        weight: 0,
                        extra: 0,
                    };
                    let taps = op.taps(&self.nodes[node.inputs[0]].shape);
                    let v: Vec<f64> = taps
                        .iter()
                        .map(|t| coefficient * t.iter().map(|i| arg(0)[*i]).sum::<f64>())
                        .collect();
                    let p = max_abs(&v);
                    (v, p)
                }
                FloatOp::Transpose { perm } => {
                    let map =
                        Transpose { perm: perm.clone() }.gather(&self.nodes[node.inputs[0]].shape);
                    (map.iter().map(|i| arg(0)[*i]).collect(), (0.0, 0.0))
                }
            };
            values.push(out);
            peaks.push(peak);
        }
        Ok((values, peaks))
    }

    /// The outputs of [`FloatGraph::eval`], flattened per graph output.
    pub fn outputs(&self, inputs: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
        let (values, _) = self.eval(inputs)?;
        Ok(self.outputs.iter().map(|o| values[*o].clone()).collect())
    }

    /// Remove the nodes no output depends on (graph inputs always stay), renumbering the rest.
    pub fn prune(&mut self) {
        let mut live = vec![false; self.nodes.len()];
        for o in &self.outputs {
            live[*o] = true;
        }
        for i in (0..self.nodes.len()).rev() {
            if matches!(self.nodes[i].op, FloatOp::Input { .. }) {
                live[i] = true;
            }
            if live[i] {
                for j in &self.nodes[i].inputs {
                    live[*j] = true;
                }
            }
        }
        let mut index = vec![usize::MAX; self.nodes.len()];
        let mut kept = Vec::with_capacity(self.nodes.len());
        for (i, mut node) in std::mem::take(&mut self.nodes).into_iter().enumerate() {
            if live[i] {
                node.inputs = node.inputs.iter().map(|j| index[*j]).collect();
                index[i] = kept.len();
                kept.push(node);
            }
        }
        self.nodes = kept;
        for o in &mut self.outputs {
            *o = index[*o];
        }
    }

    /// The function each node applies through a table, if any.
    pub fn node_function(node: &FloatNode) -> Option<Function> {
        match &node.op {
            FloatOp::Lookup { function } => Some(*function),
            FloatOp::Dense { act, .. }
            | FloatOp::Conv { act, .. }
            | FloatOp::Affine { act, .. } => act.table().map(|t| t.function),
            _ => None,
        }
    }

    /// The span of the inputs each tabulated function sees, from the per-node spans of [`FloatGraph::eval`].
    pub fn table_spans(&self, spans: &[Span]) -> TableDomains {
        let mut out = TableDomains::new();
        for (node, (lo, hi)) in self.nodes.iter().zip(spans) {
            if let Some(f) = Self::node_function(node) {
                let e = out.entry(f).or_insert((0.0, 0.0));
                *e = (e.0.min(*lo), e.1.max(*hi));
            }
        }
        out
    }

    /// The constant coefficients of `node` that become weights of a rescaled sum (a mean's `1/n`, a
    /// pool's reciprocals, an Affine's factors), empty for ops without them. Dense and Conv weights are
    /// not among them: they stay at the activation scale.
    fn coefficients(&self, node: &FloatNode) -> Vec<f64> {
        match &node.op {
            FloatOp::ReduceSum { coefficient, .. } => vec![*coefficient],
            FloatOp::Affine { coefficients, .. } => coefficients.concat(),
            FloatOp::Pool { window, divisor } => {
                let shape = &self.nodes[node.inputs[0]].shape;
                let (h, w) = (shape[2], shape[3]);
                let [oh, ow] = out_hw(shape, window);
                let mut taps: Vec<usize> = (0..oh * ow)
                    .map(|i| window.field(i / ow, i % ow, h, w).count())
                    .collect();
                taps.sort_unstable();
                taps.dedup();
                let pool = Pool {
                    window: *window,
                    divisor: *divisor,
                    scale: 0,
                    extra: 0,
                };
                taps.iter()
                    .map(|t| 1.0 / pool.divisor_of(*t) as f64)
                    .collect()
            }
            _ => vec![],
        }
    }

    /// The extra fractional bits each node's coefficients need at `2^scale` (see
    /// [`coefficient_bits`]), and the circuit's one width: the largest of them. A node that needs any
    /// gets the circuit's width.
    fn extra_bits(&self, scale: u32) -> (Vec<u32>, u32) {
        let needs: Vec<u32> = self
            .nodes
            .iter()
            .map(|n| {
                self.coefficients(n)
                    .iter()
                    .map(|c| coefficient_bits(*c, scale))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let width = needs.iter().copied().max().unwrap_or(0);
        (needs, width)
    }

    /// Quantize at `2^scale` with rescaled values bounded by `2^(range_bits - 1)`; each function's table
    /// covers `domains[f]` (the whole range when missing). Constant coefficients that `2^scale` would hold
    /// coarsely get the graph's extra bits ([`coefficient_bits`]).
    pub fn quantize(&self, scale: u32, range_bits: u32, domains: &TableDomains) -> QuantizedGraph {
        let q = |v: &[f64], s: u32| v.iter().map(|x| quantize(*x, s)).collect::<Vec<i64>>();
        let (needs, width) = self.extra_bits(scale);
        let max = 1i64 << (range_bits - 1);
        let table = |function: Function| {
            let (lo, hi) = domains
                .get(&function)
                .map_or((-max, max), |d| FnTable::domain_for(*d, scale, max));
            FnTable { function, lo, hi }
        };
        let activation = |a: &Activation| match a {
            Activation::Table(t) => Activation::Table(table(t.function)),
            other => *other,
        };
        let nodes = self
            .nodes
            .iter()
            .zip(&needs)
            .map(|(n, need)| {
                let extra = if *need > 0 { width } else { 0 };
                let op = match &n.op {
                    FloatOp::Input { shape } => OpKind::Input(Input {
                        shape: shape.clone(),
                    }),
                    FloatOp::Dense {
                        n_in,
                        n_out,
                        weights,
                        bias,
                        act,
                    } => OpKind::Dense(Dense {
                        n_in: *n_in,
                        n_out: *n_out,
                        weights: q(weights, scale),
                        bias: q(bias, 2 * scale),
                        act: activation(act),
                    }),
                    FloatOp::Affine {
                        coefficients,
                        bias,
                        act,
                    } => OpKind::Affine(Affine {
                        coefficients: coefficients.iter().map(|c| q(c, scale + extra)).collect(),
                        bias: q(bias, 2 * scale + extra),
                        act: activation(act),
                        extra,
                    }),
                    FloatOp::Conv {
                        c_in,
                        c_out,
                        group,
                        window,
                        weights,
                        bias,
                        act,
                    } => OpKind::Conv(Conv {
                        c_in: *c_in,
                        c_out: *c_out,
                        group: *group,
                        window: *window,
                        weights: q(weights, scale),
                        bias: q(bias, 2 * scale),
                        act: activation(act),
                    }),
                    FloatOp::Pool { window, divisor } => OpKind::Pool(Pool {
                        window: *window,
                        divisor: *divisor,
                        scale,
                        extra,
                    }),
                    FloatOp::Relu => OpKind::Relu(Relu { scale }),
                    FloatOp::Divide => OpKind::Divide(Divide),
                    FloatOp::Multiply => OpKind::Multiply(Multiply),
                    FloatOp::MatMul { batch, m, k, n } => OpKind::MatMul(MatMul {
                        batch: *batch,
                        m: *m,
                        k: *k,
                        n: *n,
                    }),
                    FloatOp::Lookup { function } => OpKind::Lookup(Lookup {
                        table: table(*function),
                        scale,
                    }),
                    FloatOp::Slice { axis, start, end } => OpKind::Slice(Slice {
                        axis: *axis,
                        start: *start,
                        end: *end,
                    }),
                    FloatOp::Concat { axis } => OpKind::Concat(Concat { axis: *axis }),
                    FloatOp::Pad { pads } => OpKind::Pad(Pad { pads: pads.clone() }),
                    FloatOp::Gather { indices } => OpKind::Gather(Gather {
                        shape: n.shape.clone(),
                        indices: indices.clone(),
                    }),
                    FloatOp::ReduceSum { axes, coefficient } => OpKind::ReduceSum(ReduceSum {
                        axes: axes.clone(),
                        weight: quantize(*coefficient, scale + extra),
                        extra,
                    }),
                    FloatOp::Transpose { perm } => {
                        OpKind::Transpose(Transpose { perm: perm.clone() })
                    }
                    FloatOp::Reshape { shape } => OpKind::Reshape(Reshape {
                        shape: shape.clone(),
                    }),
                };
                Node {
                    name: n.name.clone(),
                    op,
                    inputs: n.inputs.clone(),
                }
            })
            .collect();
        QuantizedGraph {
            scale,
            range_bits,
            nodes,
            outputs: self.outputs.clone(),
        }
    }
}

/// Output height and width of `window` over an NCHW shape (shapes were checked at import).
fn out_hw(shape: &[usize], window: &Window) -> [usize; 2] {
    window.output_hw(shape[2], shape[3]).unwrap_or([0, 0])
}

/// 2-D convolution in f64 over an NCHW input.
#[allow(clippy::too_many_arguments)]
fn conv_f64(
    x: &[f64],
    shape: &[usize],
    c_in: usize,
    c_out: usize,
    group: usize,
    window: &Window,
    weights: &[f64],
    bias: &[f64],
) -> Vec<f64> {
    let (n, h, w) = (shape[0], shape[2], shape[3]);
    let [oh, ow] = out_hw(shape, window);
    let [kh, kw] = window.kernel;
    let (cin_g, cout_g) = (c_in / group, c_out / group);
    let mut out = Vec::with_capacity(n * c_out * oh * ow);
    for b in 0..n {
        for o in 0..c_out {
            for oy in 0..oh {
                for ox in 0..ow {
                    let mut v = bias[o];
                    for ci in 0..cin_g {
                        let plane = (b * c_in + (o / cout_g) * cin_g + ci) * h * w;
                        for (ky, kx, iy, ix) in window.field(oy, ox, h, w) {
                            v += x[plane + iy * w + ix]
                                * weights[((o * cin_g + ci) * kh + ky) * kw + kx];
                        }
                    }
                    out.push(v);
                }
            }
        }
    }
    out
}

/// Sum / average pooling in f64 over an NCHW input.
fn pool_f64(x: &[f64], shape: &[usize], window: &Window, divisor: PoolDivisor) -> Vec<f64> {
    let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3]);
    let [oh, ow] = out_hw(shape, window);
    let mut out = Vec::with_capacity(n * c * oh * ow);
    for plane in 0..n * c {
        for oy in 0..oh {
            for ox in 0..ow {
                let taps: Vec<f64> = window
                    .field(oy, ox, h, w)
                    .map(|(_, _, iy, ix)| x[(plane * h + iy) * w + ix])
                    .collect();
                let d = match divisor {
                    PoolDivisor::One => 1.0,
                    PoolDivisor::KernelArea => (window.kernel[0] * window.kernel[1]) as f64,
                    PoolDivisor::InBounds => taps.len().max(1) as f64,
                };
                out.push(taps.iter().sum::<f64>() / d);
            }
        }
    }
    out
}
