//! `Conv`: 2-D convolution over NCHW with strides, pads, dilations and groups (depthwise included),
//! `y = act(rescale(Σ w·x + b))`. Weights `[C_out][C_in/group][kh][kw]` at scale `2^(s+w)` in fixed
//! columns (`w`: [`Conv::weight_bits`], usually 0), bias at `2^(2s+w)`, one rescale by `2^(s+w)` (with
//! `w > 0`, the requant chip's fine rescale; see [`super::Dense`] for why finer weights pay). Lowered
//! per output position: the output channels of a group at one position share the same receptive
//! field, so they form one MAC block like the neurons of a Dense layer. On the convolution check
//! ([`crate::chips::conv_check`]) the exact sums are checked over the field whatever the weights'
//! scale, and each is rescaled on its own requant row.

use super::geometry::{nchw, Window};
use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{Activation, AffineGroup, EvalCtx, Lowering, Op};
use crate::chips::conv_check::ConvShape;
use crate::error::Result;
use crate::tensor::QTensor;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A grouped 2-D convolution with constant weights and bias (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Conv<T = i64> {
    /// Input channels (must equal the operand's `C`).
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Channel groups (divides both `c_in` and `c_out`; `c_in` groups for a depthwise conv).
    pub group: usize,
    /// Kernel size, strides, pads and dilations.
    pub window: Window,
    /// `[c_out][c_in / group][kh][kw]` (ONNX OIHW), real or at scale `2^(s+weight_bits)`.
    pub weights: Vec<T>,
    /// `[c_out]`, real or at scale `2^(2s+weight_bits)`.
    pub bias: Vec<T>,
    /// Applied after the rescale (e.g. a fused Relu).
    pub act: Activation,
    /// The output is the exact sum `Σ w·x` at scale `2^(2s)`, with no bias, rescale, activation or
    /// range check: raw accumulators, which only a max over them ([`super::RawSum`]) reads (the
    /// importer's max-pool of a convolution, which then rescales one value per window, not every one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub raw: bool,
    /// Extra fractional bits of the weights, `w` (0, or the circuit's `weight_bits`; always 0 for a raw
    /// convolution, whose sums a max reads at `2^(2s)`); not written when 0, so earlier graphs
    /// serialize (and hash) as before.
    #[serde(default, skip_serializing_if = "super::is_zero")]
    pub weight_bits: u32,
}

impl Conv {
    /// The shape the convolution check ([`crate::chips::conv_check`]) sees for an input of `shape`;
    /// `None` when the shape is no NCHW this conv accepts.
    pub fn check_shape(&self, shape: &[usize]) -> Option<ConvShape> {
        let [batch, c, h, w] = nchw(shape).ok()?;
        self.output_shape(&[shape]).ok()?;
        // An empty plane has no element to start its chain with.
        if h == 0 || w == 0 {
            return None;
        }
        Some(ConvShape {
            batch,
            c_in: c,
            c_out: self.c_out,
            group: self.group,
            hw: [h, w],
            window: self.window,
        })
    }

    /// The multiplications by a weight of the convolution over an input of `shape` (every output
    /// channel times its receptive field, padding left out), counted without lowering it; 0 for a
    /// shape it does not accept.
    pub fn macs(&self, shape: &[usize]) -> usize {
        let Ok([batch, _, h, w]) = nchw(shape) else {
            return 0;
        };
        let Ok([oh, ow]) = self.window.output_hw(h, w) else {
            return 0;
        };
        let taps: usize = (0..oh)
            .flat_map(|oy| (0..ow).map(move |ox| (oy, ox)))
            .map(|(oy, ox)| self.window.field(oy, ox, h, w).count())
            .sum();
        batch * self.c_out * (self.c_in / self.group.max(1)) * taps
    }

    fn weight(&self, o: usize, ci: usize, ky: usize, kx: usize) -> i64 {
        let [kh, kw] = self.window.kernel;
        self.weights[((o * (self.c_in / self.group) + ci) * kh + ky) * kw + kx]
    }
}

impl Op for Conv {
    fn name(&self) -> &'static str {
        "Conv"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let [x] = inputs else {
            return Err("expects one operand".into());
        };
        let [n, c, h, w] = nchw(x)?;
        let [kh, kw] = self.window.kernel;
        if c != self.c_in
            || self.group == 0
            || !c.is_multiple_of(self.group)
            || !self.c_out.is_multiple_of(self.group)
        {
            return Err(format!(
                "{c} input channels do not fit C_in={} in {} groups",
                self.c_in, self.group
            ));
        }
        if self.weights.len() != self.c_out * (self.c_in / self.group) * kh * kw
            || self.bias.len() != self.c_out
        {
            return Err("weight or bias size does not match the kernel".into());
        }
        if self.raw
            && (self.bias.iter().any(|b| *b != 0)
                || self.act != Activation::None
                || self.weight_bits != 0)
        {
            return Err("a raw convolution with a bias, an activation or finer weights".into());
        }
        let [oh, ow] = self.window.output_hw(h, w)?;
        Ok(vec![n, self.c_out, oh, ow])
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        let shape = self
            .output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let ([_, _, h, w], [_, c_out, oh, ow]) = (
            nchw(&x.shape).map_err(|m| ctx.shape_err(m))?,
            [shape[0], shape[1], shape[2], shape[3]],
        );
        let (cin_g, cout_g) = (self.c_in / self.group, self.c_out / self.group);
        let data = (0..shape.iter().product::<usize>())
            .into_par_iter()
            .map(|flat| {
                let (n, o, oy, ox) = (
                    flat / (c_out * oh * ow),
                    flat / (oh * ow) % c_out,
                    flat / ow % oh,
                    flat % ow,
                );
                let g = o / cout_g;
                let mut acc = i128::from(self.bias[o]);
                for ci in 0..cin_g {
                    let plane = (n * self.c_in + g * cin_g + ci) * h * w;
                    for (ky, kx, iy, ix) in self.window.field(oy, ox, h, w) {
                        acc += i128::from(x.data[plane + iy * w + ix])
                            * i128::from(self.weight(o, ci, ky, kx));
                    }
                }
                if self.raw {
                    return i64::try_from(acc).map_err(|_| ctx.overflow());
                }
                ctx.requantize_wide(acc, self.weight_bits, self.act)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(QTensor {
            shape,
            data,
            // Raw sums are products of two `2^s` values.
            scale: if self.raw { 2 * ctx.scale } else { ctx.scale },
        })
    }

    fn activation(&self) -> Activation {
        self.act
    }

    fn lower(&self, input_shapes: &[&[usize]], lanes: usize) -> Lowering {
        let Ok([n_batch, _, h, w]) = nchw(input_shapes[0]) else {
            return Lowering::Affine(vec![]);
        };
        let Ok([oh, ow]) = self.window.output_hw(h, w) else {
            return Lowering::Affine(vec![]);
        };
        let (cin_g, cout_g) = (self.c_in / self.group, self.c_out / self.group);
        let mut groups = Vec::new();
        for n in 0..n_batch {
            for g in 0..self.group {
                for oy in 0..oh {
                    for ox in 0..ow {
                        // The receptive field, shared by every output channel of group g at (oy, ox).
                        let mut slots = Vec::new();
                        let mut taps = Vec::new();
                        for ci in 0..cin_g {
                            let plane = (n * self.c_in + g * cin_g + ci) * h * w;
                            for (ky, kx, iy, ix) in self.window.field(oy, ox, h, w) {
                                slots.push((0, plane + iy * w + ix));
                                taps.push((ci, ky, kx));
                            }
                        }
                        for first in (0..cout_g).step_by(lanes.max(1)) {
                            let channels: Vec<usize> = (g * cout_g + first
                                ..g * cout_g + (first + lanes).min(cout_g))
                                .collect();
                            let weights = channels
                                .iter()
                                .flat_map(|o| {
                                    taps.iter()
                                        .map(|(ci, ky, kx)| self.weight(*o, *ci, *ky, *kx))
                                })
                                .collect();
                            groups.push(AffineGroup {
                                slots: slots.clone(),
                                weights,
                                bias: channels.iter().map(|o| self.bias[*o]).collect(),
                                act: self.act,
                                outputs: channels
                                    .iter()
                                    .map(|o| ((n * self.c_out + o) * oh + oy) * ow + ox)
                                    .collect(),
                                extra: 0,
                                exact: self.raw,
                                raw_inputs: false,
                                fine: self.weight_bits,
                            });
                        }
                    }
                }
            }
        }
        Lowering::Affine(groups)
    }
}

impl Conv<f64> {
    /// The pre-activation output in real arithmetic over an NCHW operand of `shape`.
    fn pre_activation(&self, x: &[f64], shape: &[usize]) -> Vec<f64> {
        let (n, h, w) = (shape[0], shape[2], shape[3]);
        let [oh, ow] = self.window.output_hw(h, w).unwrap_or([0, 0]);
        let [kh, kw] = self.window.kernel;
        let (cin_g, cout_g) = (self.c_in / self.group, self.c_out / self.group);
        let mut out = Vec::with_capacity(n * self.c_out * oh * ow);
        for b in 0..n {
            for o in 0..self.c_out {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut v = self.bias[o];
                        for ci in 0..cin_g {
                            let plane = (b * self.c_in + (o / cout_g) * cin_g + ci) * h * w;
                            for (ky, kx, iy, ix) in self.window.field(oy, ox, h, w) {
                                v += x[plane + iy * w + ix]
                                    * self.weights[((o * cin_g + ci) * kh + ky) * kw + kx];
                            }
                        }
                        out.push(v);
                    }
                }
            }
        }
        out
    }
}

impl RealOp for Conv<f64> {
    fn name(&self) -> &'static str {
        "Conv"
    }

    fn eval_real(&self, inputs: &[&[f64]], shapes: &[&[usize]]) -> RealOutput {
        let pre = self.pre_activation(inputs[0], shapes[0]);
        // Raw accumulators are not range-checked; the max over them range-checks its own steps.
        let s = if self.raw { (0.0, 0.0) } else { span(&pre) };
        (pre.iter().map(|v| self.act.apply_f64(*v)).collect(), s)
    }

    fn quantize(&self, q: &Quantizer) -> super::OpKind {
        // A raw convolution's sums are compared by a max at the product scale `2^(2s)`.
        let weight_bits = if self.raw { 0 } else { q.weight_bits };
        super::OpKind::Conv(Conv {
            c_in: self.c_in,
            c_out: self.c_out,
            group: self.group,
            window: self.window,
            weights: q.values(&self.weights, q.scale + weight_bits),
            bias: q.values(&self.bias, 2 * q.scale + weight_bits),
            act: q.activation(self.act),
            raw: self.raw,
            weight_bits,
        })
    }

    fn table(&self) -> Option<crate::FnTable> {
        self.act.table()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_suite::{op_suite, OpCase};

    /// `c_in x 5 x 6` input, `c_out` channels, kernel 3x2, strides (2,1), pads (1,0,0,1), dilation (1,2);
    /// weights `wb` bits finer than the activations.
    fn case(c_in: usize, c_out: usize, group: usize, act: Activation, wb: u32) -> OpCase {
        let window = Window {
            kernel: [3, 2],
            strides: [2, 1],
            pads: [1, 0, 0, 1],
            dilations: [1, 2],
        };
        let (h, w) = (5, 6);
        let per = c_in / group * 6;
        let wts: Vec<f64> = (0..c_out * per)
            .map(|i| ((i * 29 % 37) as f64 / 18.5) - 1.0)
            .collect();
        let bias: Vec<f64> = (0..c_out).map(|o| (o as f64 - 1.0) / 3.0).collect();
        let x: Vec<f64> = (0..c_in * h * w)
            .map(|i| ((i * 13 % 23) as f64 / 5.75) - 2.0)
            .collect();
        let (wr, br) = (wts.clone(), bias.clone());
        let reference = move |xs: &[Vec<f64>]| -> Vec<f64> {
            let [oh, ow] = window.output_hw(h, w).unwrap();
            let (cin_g, cout_g) = (c_in / group, c_out / group);
            let mut out = vec![];
            for o in 0..c_out {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut v = br[o];
                        for ci in 0..cin_g {
                            for ky in 0..3 {
                                for kx in 0..2 {
                                    let iy = (oy * 2 + ky) as i64 - 1;
                                    let ix = (ox + kx * 2) as i64;
                                    if iy >= 0 && (iy as usize) < h && (ix as usize) < w {
                                        let c = (o / cout_g) * cin_g + ci;
                                        v += xs[0][(c * h + iy as usize) * w + ix as usize]
                                            * wr[((o * cin_g + ci) * 3 + ky) * 2 + kx];
                                    }
                                }
                            }
                        }
                        out.push(act.apply_f64(v));
                    }
                }
            }
            out
        };
        OpCase {
            inputs: vec![(vec![1, c_in, h, w], x)],
            // One rounding of each weight (<= 2^-(s+wb+1) each, times |x| <= 2), of each input (times
            // |w| <= 1), of the bias and of the result: finer weights must shrink the first term.
            tolerance: match (per, wb) {
                (6, 0) => |s| (6.0 * 2.0 * 0.5 + 6.0 * 0.5 + 1.5) / f64::from(1u32 << s),
                (6, 2) => |s| (6.0 * 2.0 * 0.5 / 4.0 + 6.0 * 0.5 + 1.5) / f64::from(1u32 << s),
                (6, _) => |s| (6.0 * 2.0 * 0.5 / 16.0 + 6.0 * 0.5 + 1.5) / f64::from(1u32 << s),
                (_, 0) => |s| (12.0 * 2.0 * 0.5 + 12.0 * 0.5 + 1.5) / f64::from(1u32 << s),
                (_, 2) => |s| (12.0 * 2.0 * 0.5 / 4.0 + 12.0 * 0.5 + 1.5) / f64::from(1u32 << s),
                _ => |s| (12.0 * 2.0 * 0.5 / 16.0 + 12.0 * 0.5 + 1.5) / f64::from(1u32 << s),
            },
            reference: Box::new(reference),
            build: Box::new(move |s| {
                let q = |v: f64, sc: u32| crate::fixed_point::quantize(v, sc);
                crate::OpKind::Conv(Conv {
                    c_in,
                    c_out,
                    group,
                    window,
                    weights: wts.iter().map(|v| q(*v, s + wb)).collect(),
                    bias: bias.iter().map(|v| q(*v, 2 * s + wb)).collect(),
                    act,
                    raw: false,
                    weight_bits: wb,
                })
            }),
        }
    }

    op_suite!(conv_relu, case(2, 3, 1, Activation::Relu, 0));
    op_suite!(conv_linear, case(2, 3, 1, Activation::None, 0));
    op_suite!(conv_depthwise, case(2, 2, 2, Activation::None, 0));
    // Weights 4 bits finer (two fine digits) on the MAC, packed and convolution-check layouts.
    op_suite!(conv_relu_fine, case(2, 3, 1, Activation::Relu, 4));
    op_suite!(conv_depthwise_fine, case(2, 2, 2, Activation::None, 4));
    op_suite!(conv_linear_fine2, case(2, 3, 1, Activation::None, 2));
    // Eight channels: a position's neurons share packed lanes, so the suite's lane-carry tamper hits a
    // fine packed lane (three channels never pack).
    op_suite!(conv_relu_fine_packed, case(2, 8, 1, Activation::Relu, 4));

    #[test]
    fn the_mac_rows_bound_is_at_most_the_rows_laid_out() {
        for (c_in, c_out, group) in [(2, 3, 1), (2, 2, 2), (4, 6, 2)] {
            let (graph, _) = case(c_in, c_out, group, Activation::Relu, 0).graph(7);
            let crate::OpKind::Conv(conv) = &graph.nodes[1].op else {
                unreachable!("the case's second node is its Conv")
            };
            // Each output channel of each group sums its receptive field: 3x2 taps less padding.
            let [oh, ow] = conv.window.output_hw(5, 6).unwrap();
            assert_eq!([oh, ow], [2, 5]);
            let field: usize = (0..oh)
                .flat_map(|oy| (0..ow).map(move |ox| (oy, ox)))
                .map(|(oy, ox)| conv.window.field(oy, ox, 5, 6).count())
                .sum();
            assert_eq!(conv.macs(&[1, c_in, 5, 6]), c_out * c_in / group * field);
            for (lanes_in, lanes_out, pack) in [(1, 1, 1), (2, 1, 1), (4, 2, 1), (8, 1, 3)] {
                let params = crate::CircuitParams {
                    lanes_in,
                    lanes_out,
                    pack,
                    range_bits: 14,
                    ..crate::CircuitParams::default()
                }
                .for_graph(&graph);
                let bound = crate::Cost::mac_rows_bound(&graph, &params).unwrap();
                let laid = crate::Cost::of(&graph, &params).unwrap().mac_rows;
                assert!(bound > 0 && bound <= laid, "{bound} against {laid}");
                let checked = crate::CircuitParams {
                    conv_lanes: 2,
                    ..params
                };
                assert_eq!(crate::Cost::mac_rows_bound(&graph, &checked).unwrap(), 0);
            }
        }
    }

    #[test]
    fn a_raw_convolution_refuses_finer_weights() {
        let crate::OpKind::Conv(mut conv) = (case(2, 3, 1, Activation::None, 0).build)(7) else {
            unreachable!("the case builds a Conv")
        };
        conv.bias.iter_mut().for_each(|b| *b = 0);
        conv.raw = true;
        assert!(conv.output_shape(&[&[1, 2, 5, 6]]).is_ok());
        conv.weight_bits = 4;
        let why = conv.output_shape(&[&[1, 2, 5, 6]]).unwrap_err();
        assert!(why.contains("finer weights"), "{why}");
    }

    #[test]
    fn a_circuit_without_the_graphs_weight_bits_refuses_a_fine_conv() {
        let (graph, inputs) = case(2, 3, 1, Activation::Relu, 4).graph(7);
        crate::testing::assert_other_weight_bits_refused(&graph, &inputs, &[0, 2]);
    }
}
