//! `SumPool` / `AveragePool` / `GlobalAveragePool` over NCHW: `y = rescale(Σ x · round(2^(s+e) / d))`
//! (rescaled by `2^(s+e)`) where the divisor `d` is 1 (sum), the kernel area, or the number of in-bounds
//! taps (ONNX `count_include_pad = 0`). The divisor is exact when it is a power of two no larger than
//! `2^s`; otherwise the rounded reciprocal adds at most `2^-(s+e+1)` relative error per tap, and the
//! quantizer gives the pool `e` extra bits to make that small (the requant chip's wide rescale).

use super::geometry::{nchw, Window};
use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{is_zero, sparse_groups, Activation, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// What the window sum is divided by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoolDivisor {
    /// Plain sum.
    One,
    /// The kernel area, padding included.
    KernelArea,
    /// The in-bounds taps of each window.
    InBounds,
}

/// A sum or average pool over NCHW windows, per channel (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pool {
    /// Kernel size, strides, pads and dilations.
    pub window: Window,
    /// What each window's sum is divided by.
    pub divisor: PoolDivisor,
    /// Fractional bits `s` (the weights are `round(2^(s+extra) / d)`).
    pub scale: u32,
    /// Extra fractional bits of the weights (0, or the graph's coefficient bits).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub extra: u32,
}

impl Pool {
    /// What a window of `taps` in-bounds taps is divided by.
    pub fn divisor_of(&self, taps: usize) -> usize {
        match self.divisor {
            PoolDivisor::One => 1,
            PoolDivisor::KernelArea => self.window.kernel[0] * self.window.kernel[1],
            PoolDivisor::InBounds => taps.max(1),
        }
    }

    fn weight(&self, taps: usize) -> i64 {
        ((1i64 << (self.scale + self.extra)) as f64 / self.divisor_of(taps) as f64).round() as i64
    }

    /// The input indices of output `(n, c, oy, ox)`.
    fn taps(&self, shape: [usize; 4], n: usize, c: usize, oy: usize, ox: usize) -> Vec<usize> {
        let [_, channels, h, w] = shape;
        let plane = (n * channels + c) * h * w;
        self.window
            .field(oy, ox, h, w)
            .map(|(_, _, iy, ix)| plane + iy * w + ix)
            .collect()
    }
}

impl Op for Pool {
    fn name(&self) -> &'static str {
        "Pool"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let [x] = inputs else {
            return Err("expects one operand".into());
        };
        let [n, c, h, w] = nchw(x)?;
        let [oh, ow] = self.window.output_hw(h, w)?;
        Ok(vec![n, c, oh, ow])
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        let shape = self
            .output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let dims = nchw(&x.shape).map_err(|m| ctx.shape_err(m))?;
        let (c, oh, ow) = (shape[1], shape[2], shape[3]);
        let data = (0..shape.iter().product::<usize>())
            .map(|flat| {
                let taps = self.taps(
                    dims,
                    flat / (c * oh * ow),
                    flat / (oh * ow) % c,
                    flat / ow % oh,
                    flat % ow,
                );
                let weight = self.weight(taps.len());
                let acc: i128 = taps
                    .iter()
                    .map(|i| i128::from(x.data[*i]) * i128::from(weight))
                    .sum();
                ctx.requantize_wide(acc, self.extra, Activation::None)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(QTensor {
            shape,
            data,
            scale: ctx.scale,
        })
    }

    fn lower(&self, input_shapes: &[&[usize]], lanes: usize) -> Lowering {
        let Ok(dims) = nchw(input_shapes[0]) else {
            return Lowering::Affine(vec![]);
        };
        let Ok(shape) = self.output_shape(input_shapes) else {
            return Lowering::Affine(vec![]);
        };
        let (c, oh, ow) = (shape[1], shape[2], shape[3]);
        Lowering::Affine(sparse_groups(
            shape.iter().product(),
            lanes,
            self.extra,
            |f| {
                let taps = self.taps(
                    dims,
                    f / (c * oh * ow),
                    f / (oh * ow) % c,
                    f / ow % oh,
                    f % ow,
                );
                let weight = self.weight(taps.len());
                taps.into_iter().map(|i| (i, weight)).collect()
            },
        ))
    }
}

impl Pool {
    /// The in-bounds taps of each output position (row-major over `oh x ow`) of one plane of `shape`.
    fn plane_taps(&self, shape: &[usize]) -> Vec<Vec<usize>> {
        let (h, w) = (shape[2], shape[3]);
        let [oh, ow] = self.window.output_hw(h, w).unwrap_or([0, 0]);
        (0..oh * ow)
            .map(|i| {
                self.window
                    .field(i / ow, i % ow, h, w)
                    .map(|(_, _, iy, ix)| iy * w + ix)
                    .collect()
            })
            .collect()
    }
}

impl RealOp for Pool {
    fn name(&self) -> &'static str {
        "Pool"
    }

    fn eval_real(&self, inputs: &[&[f64]], shapes: &[&[usize]]) -> RealOutput {
        let (x, shape) = (inputs[0], shapes[0]);
        let taps = self.plane_taps(shape);
        let plane = shape[2] * shape[3];
        let v: Vec<f64> = (0..shape[0] * shape[1])
            .flat_map(|p| {
                taps.iter().map(move |t| {
                    let sum: f64 = t.iter().map(|i| x[p * plane + i]).sum();
                    sum / self.divisor_of(t.len()) as f64
                })
            })
            .collect();
        let s = span(&v);
        (v, s)
    }

    fn quantize(&self, q: &Quantizer) -> super::OpKind {
        super::OpKind::Pool(Pool {
            scale: q.scale,
            extra: q.extra,
            ..self.clone()
        })
    }

    fn coefficients(&self, shapes: &[&[usize]]) -> Vec<f64> {
        let mut counts: Vec<usize> = self.plane_taps(shapes[0]).iter().map(Vec::len).collect();
        counts.sort_unstable();
        counts.dedup();
        counts
            .iter()
            .map(|t| 1.0 / self.divisor_of(*t) as f64)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_suite::{op_suite, OpCase};

    fn case(window: Window, divisor: PoolDivisor) -> OpCase {
        wide_case(window, divisor, 0)
    }

    /// [`case`] with the reciprocals at `extra` more fractional bits (wide rescale rows).
    fn wide_case(window: Window, divisor: PoolDivisor, extra: u32) -> OpCase {
        let (c, h, w) = (2, 5, 4);
        let x: Vec<f64> = (0..c * h * w)
            .map(|i| ((i * 7 % 19) as f64 / 4.75) - 2.0)
            .collect();
        let reference = move |xs: &[Vec<f64>]| -> Vec<f64> {
            let [oh, ow] = window.output_hw(h, w).unwrap();
            let mut out = vec![];
            for ch in 0..c {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let vals: Vec<f64> = window
                            .field(oy, ox, h, w)
                            .map(|(_, _, iy, ix)| xs[0][(ch * h + iy) * w + ix])
                            .collect();
                        let d = match divisor {
                            PoolDivisor::One => 1.0,
                            PoolDivisor::KernelArea => (window.kernel[0] * window.kernel[1]) as f64,
                            PoolDivisor::InBounds => vals.len() as f64,
                        };
                        out.push(vals.iter().sum::<f64>() / d);
                    }
                }
            }
            out
        };
        OpCase {
            inputs: vec![(vec![1, c, h, w], x)],
            // Input rounding (averaged), the rounded reciprocal (<= 2^-(s+1) relative, |sum| <= 8) and the
            // final rounding.
            tolerance: |s| (0.5 + 8.0 * 0.5 + 1.0) / f64::from(1u32 << s),
            reference: Box::new(reference),
            build: Box::new(move |s| {
                crate::OpKind::Pool(Pool {
                    window,
                    divisor,
                    scale: s,
                    extra,
                })
            }),
        }
    }

    fn win(k: usize, s: usize, p: usize) -> Window {
        Window {
            kernel: [k, k],
            strides: [s, s],
            pads: [p, p, p, p],
            dilations: [1, 1],
        }
    }

    op_suite!(average_2x2, case(win(2, 2, 0), PoolDivisor::KernelArea));
    op_suite!(
        average_3x3_padded_in_bounds,
        case(win(3, 1, 1), PoolDivisor::InBounds)
    );
    op_suite!(sum_2x2_stride_1, case(win(2, 1, 0), PoolDivisor::One));
    op_suite!(
        average_3x3_in_bounds_wide,
        wide_case(win(3, 1, 1), PoolDivisor::InBounds, 4)
    );
}
