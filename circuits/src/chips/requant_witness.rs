//! The values of one requant row, computed outside the chip: what a rescale row divides
//! ([`RescaleRow`]) and the quotient, limbs, sign and activation it assigns ([`RequantWitness`]),
//! honest or tampered.

use super::tamper::Tamper;
use crate::fixed_point::half;
use crate::ops::Activation;

/// What one rescale row divides and activates: the offset added to its accumulator (bias plus the
/// rounding half), the activation, its function-table tag (0 without one), the coefficients' extra
/// bits (0, or the circuit's `coef_bits` for a wide row) and the weights' extra bits (0, or the
/// circuit's `weight_bits` for a fine row).
#[derive(Clone, Copy, Debug)]
pub struct RescaleRow {
    /// Bias plus `half(s + extra + fine)`.
    pub off: i64,
    /// Applied to the quotient.
    pub act: Activation,
    /// The tag of `act`'s function table (0 without one).
    pub fn_tag: u64,
    /// The accumulator is divided by `2^(s + extra)` (a wide row).
    pub extra: u32,
    /// The accumulator is divided by `2^(s + fine)` (a fine row; at most one of `extra` and `fine`
    /// is nonzero).
    pub fine: u32,
}

impl RescaleRow {
    /// A plain rescale by `2^s` of a product (no bias, no activation).
    pub fn product(scale: u32) -> Self {
        Self {
            off: half(scale),
            act: Activation::None,
            fn_tag: 0,
            extra: 0,
            fine: 0,
        }
    }
}

/// The values of one requant row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequantWitness {
    /// The quotient (or the range-checked value).
    pub q: i64,
    /// The high limb: `(q + 2^(b-1)) div 2^s`.
    pub hi: i64,
    /// `1` if `q ≥ 0`, else `0`.
    pub sgn: i64,
    /// The activation's output: `f(q)` for a table (0 outside its domain), else `sgn·q`.
    pub y: i64,
    /// On a wide row, the remainder's high limb `r div 2^e` (else 0).
    pub t: i64,
    /// On a fine row, the remainder's high part `r div 2^s`, in `[0, 2^fine)` (else 0).
    pub u: i64,
}

impl RequantWitness {
    /// The row for quotient `q` followed by `act` (a table input outside the domain gets `y = 0`, which
    /// no lookup accepts; the oracle reports such inputs before any witness is built).
    pub fn of_quotient(q: i64, scale: u32, range_bits: u32, act: Activation) -> Self {
        let hi = (q + (1i64 << (range_bits - 1))).div_euclid(1i64 << scale);
        let sgn = i64::from(q >= 0);
        let y = match act {
            Activation::Table(t) => t.value(q, scale).unwrap_or(0),
            // A raw relu's `y = sgn·z` is set by the row that knows `z`.
            Activation::None | Activation::Relu | Activation::RawRelu => sgn * q,
            Activation::Step { .. } => sgn << scale,
        };
        Self {
            q,
            hi,
            sgn,
            y,
            t: 0,
            u: 0,
        }
    }

    /// The row rescaling accumulator `z` with offset `off` (bias plus rounding half) by
    /// `2^(scale+extra+fine)` (`extra`: a wide row's coefficient bits, `fine`: a fine row's weight bits).
    pub fn rescaled(
        z: i64,
        off: i64,
        (scale, extra, fine): (u32, u32, u32),
        range_bits: u32,
        act: Activation,
    ) -> Self {
        let shift = scale + extra + fine;
        // In i128: `z + off` of an honest row fits, but a MAC accumulator near i64's limits must not wrap.
        let a = i128::from(z) + i128::from(off);
        // `off` holds the rounding half: the row's quotient is the floor of `(z + off) / 2^shift`.
        let q = a.div_euclid(1i128 << shift);
        let r = a - q * (1i128 << shift);
        let (q, r) = (q as i64, r as i64);
        Self {
            t: if extra > 0 { r >> extra } else { 0 },
            u: if fine > 0 { r >> scale } else { 0 },
            ..Self::of_quotient(q, scale, range_bits, act)
        }
    }

    pub(super) fn tampered(
        self,
        tamper: Tamper,
        (scale, fine): (u32, u32),
        range_bits: u32,
        act: Activation,
    ) -> Self {
        let requotient = |dq: i64, dt: i64| Self {
            t: self.t + dt,
            u: self.u,
            ..Self::of_quotient(self.q + dq, scale, range_bits, act)
        };
        // A fine row's quotient moved by `dq` with `u` moved to keep `z + off` (the digits must catch it).
        let refine = |dq: i64, du: i64| Self {
            u: self.u + du,
            ..requotient(dq, 0)
        };
        match tamper {
            Tamper::Quotient => requotient(1, 0),
            Tamper::QuotientDown => requotient(-1, 0),
            Tamper::WideQuotientUp => requotient(1, -(1i64 << scale)),
            Tamper::WideQuotientDown => requotient(-1, 1i64 << scale),
            Tamper::WideBorrow => requotient(-1, (1i64 << scale) - 1 - self.t),
            Tamper::FineQuotientUp => refine(1, -(1i64 << fine)),
            Tamper::FineQuotientDown => refine(-1, 1i64 << fine),
            // The digits carry the change (`FineConfig::assigned_digits`).
            Tamper::FineLowDigit => refine(-1, 1i64 << fine),
            Tamper::FineSplit => Self {
                u: self.u + 1,
                ..self
            },
            Tamper::WideSplit => Self {
                t: self.t + 1,
                ..self
            },
            Tamper::HighLimb => Self {
                hi: self.hi + 1,
                ..self
            },
            Tamper::Sign => Self {
                sgn: 1 - self.sgn,
                // Keep the activation consistent with the flipped sign, so only the sign's lookup fails.
                y: match act {
                    Activation::Table(_) => self.y,
                    Activation::Step { .. } => (1 - self.sgn) << scale,
                    _ => (1 - self.sgn) * self.q,
                },
                ..self
            },
            Tamper::Activation => Self {
                y: self.y + 1,
                ..self
            },
            _ => self,
        }
    }
}
