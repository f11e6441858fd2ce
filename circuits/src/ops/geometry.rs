//! NCHW window geometry shared by Conv and the pools: output sizes and receptive fields.

use serde::{Deserialize, Serialize};

/// A 2-D sliding window over the last two axes of an `[N, C, H, W]` tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// `[kh, kw]`: kernel height and width (positive).
    pub kernel: [usize; 2],
    /// `[sy, sx]`: steps between output positions (positive).
    pub strides: [usize; 2],
    /// `[top, left, bottom, right]`.
    pub pads: [usize; 4],
    /// `[dy, dx]`: spacing between kernel taps (positive; 1 is a dense kernel).
    pub dilations: [usize; 2],
}

impl Window {
    /// Output height and width for an `h x w` input, or a description of why there is none.
    pub fn output_hw(&self, h: usize, w: usize) -> Result<[usize; 2], String> {
        let out = |len: usize, pad: usize, k: usize, s: usize, d: usize| -> Result<usize, String> {
            let span = d * (k.max(1) - 1) + 1;
            if s == 0 || d == 0 || k == 0 {
                return Err("kernel, stride and dilation must be positive".into());
            }
            (len + pad)
                .checked_sub(span)
                .map(|v| v / s + 1)
                .ok_or_else(|| format!("kernel span {span} exceeds padded input {}", len + pad))
        };
        let [kh, kw] = self.kernel;
        Ok([
            out(
                h,
                self.pads[0] + self.pads[2],
                kh,
                self.strides[0],
                self.dilations[0],
            )?,
            out(
                w,
                self.pads[1] + self.pads[3],
                kw,
                self.strides[1],
                self.dilations[1],
            )?,
        ])
    }

    /// The in-bounds input positions `(ky, kx, iy, ix)` of output position `(oy, ox)`.
    pub fn field(
        &self,
        oy: usize,
        ox: usize,
        h: usize,
        w: usize,
    ) -> impl Iterator<Item = (usize, usize, usize, usize)> + '_ {
        let [kh, kw] = self.kernel;
        (0..kh)
            .flat_map(move |ky| (0..kw).map(move |kx| (ky, kx)))
            .filter_map(move |(ky, kx)| {
                let iy =
                    (oy * self.strides[0] + ky * self.dilations[0]).checked_sub(self.pads[0])?;
                let ix =
                    (ox * self.strides[1] + kx * self.dilations[1]).checked_sub(self.pads[1])?;
                (iy < h && ix < w).then_some((ky, kx, iy, ix))
            })
    }
}

/// `[N, C, H, W]` of a rank-4 shape.
pub fn nchw(shape: &[usize]) -> Result<[usize; 4], String> {
    match shape {
        [n, c, h, w] => Ok([*n, *c, *h, *w]),
        _ => Err(format!("expects an NCHW (rank 4) operand, got {shape:?}")),
    }
}
