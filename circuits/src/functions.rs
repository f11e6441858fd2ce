//! Smooth activations (Sigmoid, Tanh, Exp, Erf, Gelu, Silu) as lookup tables over a bounded domain.
//!
//! A [`FnTable`] tabulates one [`Function`] at the graph scale `2^s` for every quantized input
//! `q ∈ [lo, hi)`: `table(q) = quantize(f(q / 2^s), s)`. The circuit proves `y = table(q)` with one
//! lookup per element (see `chips::requant`), so the table *is* the semantics: the integer oracle reads
//! the same values. The domain comes from calibration (each side of 0 scaled by the headroom, so Softmax's
//! `exp(x - max)` only tabulates `x - max ≤ 0`); an input outside it is a witness-time error naming the
//! layer.
//!
//! The reals are computed with `libm` (a pure-Rust port of musl's libm) rather than the platform's libm,
//! so the table, and with it the verifying key, is the same on every machine.

use crate::fixed_point::{dequantize, quantize};
use serde::{Deserialize, Serialize};

/// A pointwise nonlinear function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Function {
    /// `1 / (1 + e^(-x))`.
    Sigmoid,
    /// `tanh(x)`.
    Tanh,
    /// `e^x` (Softmax's numerator, on `x - max`).
    Exp,
    /// The error function `erf(x)`.
    Erf,
    /// `x·Φ(x) = x/2·(1 + erf(x/√2))` (ONNX Gelu).
    Gelu,
    /// `x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (ONNX Gelu with `approximate="tanh"`).
    GeluTanh,
    /// `x·sigmoid(x)` (also called swish).
    Silu,
}

/// Every function, for tables and tests.
pub const FUNCTIONS: [Function; 7] = [
    Function::Sigmoid,
    Function::Tanh,
    Function::Exp,
    Function::Erf,
    Function::Gelu,
    Function::GeluTanh,
    Function::Silu,
];

/// Outputs beyond this magnitude (quantized) are refused: they would overflow the MACs downstream.
pub const MAX_TABLE_VALUE: i64 = 1 << 40;

impl Function {
    /// The ONNX operator's name, as used in errors and reports.
    pub fn name(self) -> &'static str {
        match self {
            Function::Sigmoid => "Sigmoid",
            Function::Tanh => "Tanh",
            Function::Exp => "Exp",
            Function::Erf => "Erf",
            Function::Gelu => "Gelu",
            Function::GeluTanh => "Gelu(tanh)",
            Function::Silu => "Silu",
        }
    }

    /// The real function.
    pub fn eval(self, x: f64) -> f64 {
        let sigmoid = |x: f64| 1.0 / (1.0 + libm::exp(-x));
        match self {
            Function::Sigmoid => sigmoid(x),
            Function::Tanh => libm::tanh(x),
            Function::Exp => libm::exp(x),
            Function::Erf => libm::erf(x),
            Function::Gelu => 0.5 * x * (1.0 + libm::erf(x * std::f64::consts::FRAC_1_SQRT_2)),
            Function::GeluTanh => {
                let c = libm::sqrt(2.0 / std::f64::consts::PI);
                0.5 * x * (1.0 + libm::tanh(c * (x + 0.044715 * x * x * x)))
            }
            Function::Silu => x * sigmoid(x),
        }
    }
}

/// `function` tabulated over quantized inputs `[lo, hi)` at the graph scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FnTable {
    /// The function tabulated.
    pub function: Function,
    /// First quantized input of the domain (inclusive), at scale `2^s`.
    pub lo: i64,
    /// End of the quantized domain (exclusive), at scale `2^s`.
    pub hi: i64,
}

impl FnTable {
    /// The table's output for `q`, or `None` when `q` is outside the domain (or the output too large).
    pub fn value(&self, q: i64, scale: u32) -> Option<i64> {
        if q < self.lo || q >= self.hi {
            return None;
        }
        let y = quantize(self.function.eval(dequantize(q, scale)), scale);
        (y.abs() <= MAX_TABLE_VALUE).then_some(y)
    }

    /// Rows the table occupies (at most: entries whose output is too large are left out).
    pub fn rows(&self) -> usize {
        usize::try_from(self.hi - self.lo).unwrap_or(0)
    }

    /// The `(q, table(q))` pairs, in order (entries whose output is too large are left out: no witness
    /// can use them).
    pub fn entries(&self, scale: u32) -> impl Iterator<Item = (i64, i64)> + '_ {
        (self.lo..self.hi).filter_map(move |q| self.value(q, scale).map(|y| (q, y)))
    }

    /// The quantized domain `[lo, hi)` covering the reals `[min, max]` at scale `2^scale`, within the
    /// range check's `[-max_q, max_q)` (larger inputs cannot reach the table anyway).
    pub fn domain_for((min, max): (f64, f64), scale: u32, max_q: i64) -> (i64, i64) {
        if min.is_nan() || max.is_nan() {
            return (-max_q, max_q);
        }
        let unit = f64::from(1u32 << scale);
        let clamp = |v: f64| {
            if v.is_finite() {
                v.clamp(-(max_q as f64), max_q as f64) as i64
            } else if v > 0.0 {
                max_q
            } else {
                -max_q
            }
        };
        let lo = clamp((min.min(0.0) * unit).floor());
        let hi = clamp((max.max(0.0) * unit).ceil() + 1.0);
        (lo, hi.max(lo + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_match_their_definitions() {
        // Reference values from the closed forms (Abramowitz & Stegun tables for erf).
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(Function::Sigmoid.eval(0.0), 0.5));
        assert!(close(Function::Tanh.eval(0.5), 0.46211715726000974));
        assert!(close(Function::Exp.eval(1.0), std::f64::consts::E));
        assert!(close(Function::Erf.eval(1.0), 0.8427007929497149));
        assert!(close(Function::Gelu.eval(1.0), 0.8413447460685429));
        assert!((Function::GeluTanh.eval(1.0) - 0.8411919906082768).abs() < 1e-12);
        assert!(close(Function::Silu.eval(2.0), 2.0 / (1.0 + (-2f64).exp())));
    }

    #[test]
    fn table_domain_is_half_open_and_rounded() {
        let t = FnTable {
            function: Function::Sigmoid,
            lo: -64,
            hi: 32,
        };
        assert_eq!(t.value(-65, 5), None);
        assert_eq!(t.value(32, 5), None);
        assert_eq!(t.value(0, 5), Some(16));
        assert_eq!(t.entries(5).count(), 96);
        assert_eq!(t.rows(), 96);
    }

    #[test]
    fn domain_covers_the_span_and_zero() {
        assert_eq!(FnTable::domain_for((-2.0, 1.0), 4, 1 << 10), (-32, 17));
        // A span entirely below 0 (Softmax's x - max) still ends just above 0.
        assert_eq!(FnTable::domain_for((-3.0, -1.0), 4, 1 << 10), (-48, 1));
        assert_eq!(
            FnTable::domain_for((-100.0, 100.0), 4, 1 << 10),
            (-1024, 1024)
        );
        assert_eq!(FnTable::domain_for((f64::NAN, 0.0), 4, 8), (-8, 8));
    }

    #[test]
    fn exp_outputs_beyond_the_cap_are_refused() {
        let t = FnTable {
            function: Function::Exp,
            lo: -(1 << 12),
            hi: 1 << 12,
        };
        // e^63 · 2^6 is far above 2^40.
        assert_eq!(t.value(63 << 6, 6), None);
        assert!(t.value(0, 6).is_some());
    }
}
