//! `ReduceSum` over a set of axes (kept with size 1), each sum scaled by a constant:
//! `y = rescale(Σ x · w)` with `w = round(c·2^(s+e))`, rescaled by `2^(s+e)`. ONNX ReduceSum is `c = 1`;
//! ReduceMean arrives from tract as a sum followed by a division by the count, which the importer folds
//! into `c`. A coefficient the activation scale holds coarsely (a mean's `1/n`) gets `e` extra bits
//! (the requant chip's wide rescale), so the mean is not off by the rounding of `1/n`.

use super::real::{span, Quantizer, RealOp, RealOutput};
use super::{is_zero, ravel, sparse_groups, strides, unravel, Activation, EvalCtx, Lowering, Op};
use crate::error::Result;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// A scaled sum over a set of axes (module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReduceSum<T = i64> {
    /// The distinct axes summed over (non-empty); each is kept with size 1.
    pub axes: Vec<usize>,
    /// The factor on every summed element: real (1 for a plain sum, `1/n` for a mean), or at scale
    /// `2^(s+extra)`.
    pub weight: T,
    /// Extra fractional bits of `weight` (0, or the graph's coefficient bits; 0 in a real graph).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub extra: u32,
}

impl<T> ReduceSum<T> {
    /// The input indices summed into each output element.
    pub fn taps(&self, shape: &[usize]) -> Vec<Vec<usize>> {
        let out: Vec<usize> = shape
            .iter()
            .enumerate()
            .map(|(d, n)| if self.axes.contains(&d) { 1 } else { *n })
            .collect();
        let reduced: Vec<usize> = self.axes.iter().map(|a| shape[*a]).collect();
        let in_strides = strides(shape);
        let axis_strides: Vec<usize> = self.axes.iter().map(|a| in_strides[*a]).collect();
        (0..out.iter().product())
            .map(|flat| {
                let base = ravel(&unravel(flat, &out), &in_strides);
                (0..reduced.iter().product())
                    .map(|r| base + ravel(&unravel(r, &reduced), &axis_strides))
                    .collect()
            })
            .collect()
    }
}

impl Op for ReduceSum {
    fn name(&self) -> &'static str {
        "ReduceSum"
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        let [x] = inputs else {
            return Err("expects one operand".into());
        };
        let mut seen = vec![false; x.len()];
        if self.axes.is_empty()
            || self
                .axes
                .iter()
                .any(|a| *a >= x.len() || std::mem::replace(&mut seen[*a], true))
        {
            return Err(format!("axes {:?} of {x:?}", self.axes));
        }
        Ok(x.iter()
            .enumerate()
            .map(|(d, n)| if self.axes.contains(&d) { 1 } else { *n })
            .collect())
    }

    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor> {
        let x = inputs[0];
        let shape = self
            .output_shape(&[&x.shape])
            .map_err(|m| ctx.shape_err(m))?;
        let data = self
            .taps(&x.shape)
            .iter()
            .map(|taps| {
                let acc: i128 = taps
                    .iter()
                    .map(|i| i128::from(x.data[*i]) * i128::from(self.weight))
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
        let taps = self.taps(input_shapes[0]);
        Lowering::Affine(sparse_groups(taps.len(), lanes, self.extra, |o| {
            taps[o].iter().map(|i| (*i, self.weight)).collect()
        }))
    }
}

impl RealOp for ReduceSum<f64> {
    fn name(&self) -> &'static str {
        "ReduceSum"
    }

    fn eval_real(&self, inputs: &[&[f64]], shapes: &[&[usize]]) -> RealOutput {
        let x = inputs[0];
        let v: Vec<f64> = self
            .taps(shapes[0])
            .iter()
            .map(|t| self.weight * t.iter().map(|i| x[*i]).sum::<f64>())
            .collect();
        let s = span(&v);
        (v, s)
    }

    fn quantize(&self, q: &Quantizer) -> super::OpKind {
        super::OpKind::ReduceSum(ReduceSum {
            axes: self.axes.clone(),
            weight: crate::fixed_point::quantize(self.weight, q.scale + q.extra),
            extra: q.extra,
        })
    }

    fn coefficients(&self, _shapes: &[&[usize]]) -> Vec<f64> {
        vec![self.weight]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::test_suite::{op_suite, OpCase};

    fn case(axes: Vec<usize>, c: f64) -> OpCase {
        wide_case(axes, c, 0)
    }

    /// [`case`] with the weight at `extra` more fractional bits (wide rescale rows).
    fn wide_case(axes: Vec<usize>, c: f64, extra: u32) -> OpCase {
        let (n, h, w) = (3, 4, 2);
        let x: Vec<f64> = (0..n * h * w)
            .map(|i| ((i * 5 % 13) as f64 / 6.5) - 1.0)
            .collect();
        let ax = axes.clone();
        OpCase {
            inputs: vec![(vec![1, n, h, w], x)],
            // Input roundings (up to 8 summed, times c <= 1), the weight's rounding times |sum| <= 8, the final one.
            tolerance: |s| (8.0 * 0.5 + 8.0 * 0.5 + 1.0) / f64::from(1u32 << s),
            reference: Box::new(move |xs: &[Vec<f64>]| {
                let shape = [1, n, h, w];
                let out: Vec<usize> = (0..4)
                    .map(|d| if ax.contains(&d) { 1 } else { shape[d] })
                    .collect();
                let mut sums = vec![0.0; out.iter().product()];
                for (i, v) in xs[0].iter().enumerate() {
                    let coords = [0, i / (h * w), i / w % h, i % w];
                    let o = (0..4).fold(0, |acc, d| {
                        acc * out[d] + if ax.contains(&d) { 0 } else { coords[d] }
                    });
                    sums[o] += v * c;
                }
                sums
            }),
            build: Box::new(move |s| {
                crate::OpKind::ReduceSum(ReduceSum {
                    axes: axes.clone(),
                    weight: crate::fixed_point::quantize(c, s + extra),
                    extra,
                })
            }),
        }
    }

    op_suite!(sum_over_spatial, case(vec![2, 3], 1.0));
    op_suite!(mean_over_channels, case(vec![1], 1.0 / 3.0));
    op_suite!(
        mean_over_spatial_wide,
        wide_case(vec![2, 3], 1.0 / 8.0 / 3.0, 5)
    );
}
