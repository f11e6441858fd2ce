//! Pointwise functions (the smooth activations, their ONNX relatives Softplus, Elu, Selu, Celu,
//! HardSigmoid, HardSwish, Mish, Softsign, and the elementwise math Sqrt, Rsqrt, Reciprocal, Log, Sin,
//! Cos) as lookup tables over a bounded domain.
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

/// A constant parameter of a function (ONNX's f32 attributes such as Elu's `alpha`), held as its bits
/// so that functions stay `Eq`, `Ord` and `Hash` (they name tables).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Param(u32);

impl Param {
    /// The parameter's value.
    pub fn get(self) -> f64 {
        f64::from(f32::from_bits(self.0))
    }
}

impl From<f32> for Param {
    fn from(v: f32) -> Self {
        Self(v.to_bits())
    }
}

impl From<Param> for f32 {
    fn from(p: Param) -> Self {
        f32::from_bits(p.0)
    }
}

/// A pointwise nonlinear function. Written in files as a string (it is also a map key there): the
/// variant's name, with its parameters as f32 in parentheses (`"Sigmoid"`, `"Elu(0.5)"`,
/// `"HardSigmoid(0.2,0.5)"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// `ln(1 + e^x)`.
    Softplus,
    /// `x / (1 + |x|)`.
    Softsign,
    /// `x` for `x > 0`, else `α·(e^x - 1)`.
    Elu(Param),
    /// `γ·x` for `x > 0`, else `γ·(α·e^x - α)` (parameters `α`, `γ`).
    Selu(Param, Param),
    /// `max(0, x) + min(0, α·(e^(x/α) - 1))`.
    Celu(Param),
    /// `max(0, min(1, α·x + β))` (parameters `α`, `β`).
    HardSigmoid(Param, Param),
    /// `x·max(0, min(1, x/6 + 1/2))`.
    HardSwish,
    /// `x·tanh(ln(1 + e^x))`.
    Mish,
    /// `sin(x)`.
    Sin,
    /// `cos(x)`.
    Cos,
    /// `√x` (no table entry below 0).
    Sqrt,
    /// `1/√x` (no table entry at or below 0).
    Rsqrt,
    /// `1/x` (no table entry at 0).
    Reciprocal,
    /// `ln(x)` (no table entry at or below 0).
    Log,
    /// `x^p` for a constant exponent `p` (ONNX Pow; no table entry where it is undefined, e.g. a
    /// fractional power of a negative).
    Pow(Param),
    /// `⌊x⌋` (ONNX Floor): exact on quantized inputs (every integer is on the grid).
    Floor,
    /// `⌈x⌉` (ONNX Ceil): exact on quantized inputs.
    Ceil,
    /// `x` rounded to the nearest integer, ties to even (ONNX Round): exact on quantized inputs.
    Round,
}

/// Every parameterless function, for tables and tests.
pub const FUNCTIONS: [Function; 20] = [
    Function::Sigmoid,
    Function::Tanh,
    Function::Exp,
    Function::Erf,
    Function::Gelu,
    Function::GeluTanh,
    Function::Silu,
    Function::Softplus,
    Function::Softsign,
    Function::HardSwish,
    Function::Mish,
    Function::Sin,
    Function::Cos,
    Function::Sqrt,
    Function::Rsqrt,
    Function::Reciprocal,
    Function::Log,
    Function::Floor,
    Function::Ceil,
    Function::Round,
];

impl Function {
    /// The name a parameterless function is written under, or `None` for one with parameters.
    fn unit_name(self) -> Option<&'static str> {
        Some(match self {
            Function::GeluTanh => "GeluTanh",
            Function::Elu(_)
            | Function::Selu(..)
            | Function::Celu(_)
            | Function::HardSigmoid(..) => return None,
            other => other.name(),
        })
    }

    /// The function's written form (type docs).
    pub fn tag(self) -> String {
        let p = |v: Param| f32::from(v).to_string();
        match self {
            Function::Elu(a) => format!("Elu({})", p(a)),
            Function::Celu(a) => format!("Celu({})", p(a)),
            Function::Pow(e) => format!("Pow({})", p(e)),
            Function::Selu(a, g) => format!("Selu({},{})", p(a), p(g)),
            Function::HardSigmoid(a, b) => format!("HardSigmoid({},{})", p(a), p(b)),
            other => other.unit_name().unwrap_or("?").to_string(),
        }
    }

    /// The function written as `tag` ([`Function::tag`]).
    pub fn from_tag(tag: &str) -> Option<Self> {
        if let Some(f) = FUNCTIONS.iter().find(|f| f.unit_name() == Some(tag)) {
            return Some(*f);
        }
        let (name, args) = tag.strip_suffix(')')?.split_once('(')?;
        let args: Vec<Param> = args
            .split(',')
            .map(|a| a.trim().parse::<f32>().ok().map(Param::from))
            .collect::<Option<_>>()?;
        match (name, args.as_slice()) {
            ("Elu", [a]) => Some(Function::Elu(*a)),
            ("Celu", [a]) => Some(Function::Celu(*a)),
            ("Pow", [e]) => Some(Function::Pow(*e)),
            ("Selu", [a, g]) => Some(Function::Selu(*a, *g)),
            ("HardSigmoid", [a, b]) => Some(Function::HardSigmoid(*a, *b)),
            _ => None,
        }
    }
}

impl Serialize for Function {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.tag())
    }
}

impl<'de> Deserialize<'de> for Function {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let tag = String::deserialize(d)?;
        Function::from_tag(&tag)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown function '{tag}'")))
    }
}

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
            Function::Softplus => "Softplus",
            Function::Softsign => "Softsign",
            Function::Elu(_) => "Elu",
            Function::Selu(..) => "Selu",
            Function::Celu(_) => "Celu",
            Function::HardSigmoid(..) => "HardSigmoid",
            Function::HardSwish => "HardSwish",
            Function::Mish => "Mish",
            Function::Sin => "Sin",
            Function::Cos => "Cos",
            Function::Sqrt => "Sqrt",
            Function::Rsqrt => "Rsqrt",
            Function::Reciprocal => "Reciprocal",
            Function::Log => "Log",
            Function::Pow(_) => "Pow",
            Function::Floor => "Floor",
            Function::Ceil => "Ceil",
            Function::Round => "Round",
        }
    }

    /// The real function (NaN or infinite outside its domain: such inputs get no table entry).
    pub fn eval(self, x: f64) -> f64 {
        let sigmoid = |x: f64| 1.0 / (1.0 + libm::exp(-x));
        // ln(1 + e^x) without overflow for large x.
        let softplus = |x: f64| {
            if x > 30.0 {
                x
            } else {
                libm::log1p(libm::exp(x))
            }
        };
        let hard_sigmoid = |x: f64, a: f64, b: f64| (a * x + b).clamp(0.0, 1.0);
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
            Function::Softplus => softplus(x),
            Function::Softsign => x / (1.0 + x.abs()),
            Function::Elu(a) if x <= 0.0 => a.get() * libm::expm1(x),
            Function::Selu(a, g) if x <= 0.0 => g.get() * a.get() * libm::expm1(x),
            Function::Elu(_) => x,
            Function::Selu(_, g) => g.get() * x,
            Function::Celu(a) => {
                let a = a.get();
                x.max(0.0) + (a * libm::expm1(x / a)).min(0.0)
            }
            Function::HardSigmoid(a, b) => hard_sigmoid(x, a.get(), b.get()),
            Function::HardSwish => x * hard_sigmoid(x, 1.0 / 6.0, 0.5),
            Function::Mish => x * libm::tanh(softplus(x)),
            Function::Sin => libm::sin(x),
            Function::Cos => libm::cos(x),
            Function::Sqrt => libm::sqrt(x),
            Function::Rsqrt => 1.0 / libm::sqrt(x),
            Function::Reciprocal => 1.0 / x,
            Function::Log => libm::log(x),
            Function::Pow(p) => libm::pow(x, p.get()),
            Function::Floor => x.floor(),
            Function::Ceil => x.ceil(),
            Function::Round => x.round_ties_even(),
        }
    }
}

/// `function` tabulated over quantized inputs `[lo, hi)` at the graph scale, one entry every `2^step`
/// quanta of the function's input: entry `q` holds `quantize(f(q·2^step / 2^s), s)`.
///
/// A table with `step > 0` is read by a requant row whose coefficients were divided by `2^step` (its
/// quotient `q` is the input over `2^step`, rounded): the table is `2^step` times shorter and the input
/// is rounded to `2^(step-s)`, which costs accuracy where `f` is steep (the accuracy guard judges it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FnTable {
    /// The function tabulated.
    pub function: Function,
    /// First quantized input of the domain (inclusive), at scale `2^s`.
    pub lo: i64,
    /// End of the quantized domain (exclusive), at scale `2^s`.
    pub hi: i64,
    /// Entry `q` is the function at `q·2^step` quanta (0: every quantum; not written when 0, so graphs
    /// and keys from before steps existed read and hash the same).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub step: u32,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// `2^step` in `f64` (exact, and no shift overflow for any step a file may hold).
fn power_of_two(step: u32) -> f64 {
    2f64.powi(i32::try_from(step).unwrap_or(i32::MAX))
}

impl FnTable {
    /// `function` over `[lo, hi)`, one entry per quantum.
    pub fn new(function: Function, lo: i64, hi: i64) -> Self {
        Self {
            function,
            lo,
            hi,
            step: 0,
        }
    }

    /// The real input of `function` that the table input `x` (a pre-activation value) stands for:
    /// `x·2^step`.
    pub fn input_of(&self, x: f64) -> f64 {
        x * power_of_two(self.step)
    }

    /// The table's output for `q`, or `None` when `q` is outside the domain (or the output too large).
    pub fn value(&self, q: i64, scale: u32) -> Option<i64> {
        if q < self.lo || q >= self.hi {
            return None;
        }
        let real = self.function.eval(self.input_of(dequantize(q, scale)));
        if !real.is_finite() {
            return None;
        }
        let y = quantize(real, scale);
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

    /// The quantized domain `[lo, hi)` covering the function inputs `[min, max]` at scale `2^scale`
    /// and one entry every `2^step` quanta, within the range check's `[-max_q, max_q)` (larger inputs
    /// cannot reach the table anyway).
    pub fn domain_for((min, max): (f64, f64), scale: u32, step: u32, max_q: i64) -> (i64, i64) {
        if min.is_nan() || max.is_nan() {
            return (-max_q, max_q);
        }
        let unit = f64::from(1u32 << scale) / power_of_two(step);
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
        // The ONNX definitions, from their closed forms with std's math.
        let p = |v: f32| Param::from(v);
        assert!(close(Function::Softplus.eval(0.0), 2f64.ln()));
        assert!(close(Function::Softplus.eval(50.0), 50.0));
        assert!(close(Function::Softsign.eval(-3.0), -0.75));
        assert!(close(
            Function::Elu(p(2.0)).eval(-1.0),
            2.0 * ((-1f64).exp() - 1.0)
        ));
        assert!(close(Function::Elu(p(2.0)).eval(1.5), 1.5));
        let (a, g) = (1.673_263_2f32, 1.050_701f32);
        let selu = Function::Selu(p(a), p(g));
        let (a64, g64) = (f64::from(a), f64::from(g));
        assert!(close(selu.eval(-1.0), g64 * (a64 * (-1f64).exp() - a64)));
        assert!(close(selu.eval(2.0), 2.0 * g64));
        assert!(close(
            Function::Celu(p(0.5)).eval(-1.0),
            0.5 * ((-2f64).exp() - 1.0)
        ));
        assert!(close(Function::Celu(p(0.5)).eval(1.0), 1.0));
        let hs = Function::HardSigmoid(p(0.2), p(0.5));
        assert!((hs.eval(1.0) - 0.7).abs() < 1e-7 && hs.eval(-3.0) == 0.0 && hs.eval(3.0) == 1.0);
        assert!(close(
            Function::HardSwish.eval(1.0),
            1.0 * (1.0 / 6.0 + 0.5)
        ));
        assert!(close(Function::HardSwish.eval(4.0), 4.0));
        let mish = 1.0 * (1.0 + 1f64.exp()).ln().tanh();
        assert!(close(Function::Mish.eval(1.0), mish));
        assert!(close(Function::Sin.eval(0.5), 0.5f64.sin()));
        assert!(close(Function::Cos.eval(0.5), 0.5f64.cos()));
        assert!(close(Function::Sqrt.eval(2.25), 1.5));
        assert!(close(Function::Rsqrt.eval(4.0), 0.5));
        assert!(close(Function::Reciprocal.eval(-4.0), -0.25));
        assert!(close(Function::Log.eval(std::f64::consts::E), 1.0));
        assert!(close(Function::Pow(p(3.0)).eval(-2.0), -8.0));
        assert!(Function::Pow(p(1.5)).eval(-2.0).is_nan());
        let rounding = [
            (-1.5, -2.0, -1.0, -2.0),
            (0.5, 0.0, 1.0, 0.0),
            (2.5, 2.0, 3.0, 2.0),
        ];
        for (x, floor, ceil, round) in rounding {
            assert_eq!(Function::Floor.eval(x), floor, "floor {x}");
            assert_eq!(Function::Ceil.eval(x), ceil, "ceil {x}");
            assert_eq!(Function::Round.eval(x), round, "round {x}");
        }
        assert_eq!(Function::Round.eval(-2.5), -2.0);
        assert_eq!(Function::Round.eval(1.75), 2.0);
    }

    #[test]
    fn functions_are_written_as_strings_that_read_back() {
        // Parameterless ones as before (their serde variant names), so existing graphs hash the same.
        assert_eq!(
            serde_json::to_string(&Function::GeluTanh).unwrap(),
            r#""GeluTanh""#
        );
        assert_eq!(
            serde_json::to_string(&Function::Sigmoid).unwrap(),
            r#""Sigmoid""#
        );
        let p = |v: f32| Param::from(v);
        let selu = Function::Selu(p(1.673_263_2), p(1.050_701));
        assert_eq!(
            serde_json::to_string(&selu).unwrap(),
            r#""Selu(1.6732632,1.050701)""#
        );
        let all = FUNCTIONS.iter().copied().chain([
            selu,
            Function::Elu(p(0.1)),
            Function::Celu(p(3.0)),
            Function::HardSigmoid(p(0.2), p(-0.5)),
            Function::Pow(p(3.0)),
        ]);
        for f in all {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(
                serde_json::from_str::<Function>(&json).unwrap(),
                f,
                "{json}"
            );
        }
        // A map keyed by functions (the settings' table domains) is valid JSON.
        let map = std::collections::BTreeMap::from([(Function::Elu(p(0.5)), 1)]);
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"Elu(0.5)":1}"#);
        for bad in ["Nope", "Elu(x)", "Elu(1,2)", "Selu(1)"] {
            let json = format!("\"{bad}\"");
            assert!(serde_json::from_str::<Function>(&json).is_err(), "{bad}");
        }
    }

    #[test]
    fn inputs_outside_a_functions_domain_get_no_entry() {
        let table = |function| FnTable {
            function,
            lo: -4,
            hi: 4,
            step: 0,
        };
        for f in [Function::Sqrt, Function::Rsqrt, Function::Log] {
            assert_eq!(table(f).value(-1, 2), None, "{f:?}");
            assert!(table(f).value(2, 2).is_some(), "{f:?}");
        }
        assert_eq!(table(Function::Sqrt).value(0, 2), Some(0));
        for f in [Function::Rsqrt, Function::Log, Function::Reciprocal] {
            assert_eq!(table(f).value(0, 2), None, "{f:?}");
        }
        assert_eq!(table(Function::Log).entries(2).count(), 3);
        // 1/x is defined below 0: -1/(1/4) = -4 is -16 at 2^2.
        assert_eq!(table(Function::Reciprocal).value(-1, 2), Some(-16));
    }

    #[test]
    fn table_domain_is_half_open_and_rounded() {
        let t = FnTable {
            function: Function::Sigmoid,
            lo: -64,
            hi: 32,
            step: 0,
        };
        assert_eq!(t.value(-65, 5), None);
        assert_eq!(t.value(32, 5), None);
        assert_eq!(t.value(0, 5), Some(16));
        assert_eq!(t.entries(5).count(), 96);
        assert_eq!(t.rows(), 96);
    }

    #[test]
    fn domain_covers_the_span_and_zero() {
        assert_eq!(FnTable::domain_for((-2.0, 1.0), 4, 0, 1 << 10), (-32, 17));
        // A span entirely below 0 (Softmax's x - max) still ends just above 0.
        assert_eq!(FnTable::domain_for((-3.0, -1.0), 4, 0, 1 << 10), (-48, 1));
        assert_eq!(
            FnTable::domain_for((-100.0, 100.0), 4, 0, 1 << 10),
            (-1024, 1024)
        );
        assert_eq!(FnTable::domain_for((f64::NAN, 0.0), 4, 0, 8), (-8, 8));
    }

    #[test]
    fn a_stepped_table_samples_every_2_to_the_step_quanta() {
        let t = FnTable {
            function: Function::Exp,
            lo: -64,
            hi: 1,
            step: 2,
        };
        // Entry q stands for the input 4q / 2^8: exp(-1) at q = -64, exp(-0.5) at q = -32.
        assert_eq!(t.value(-64, 8), Some(quantize((-1f64).exp(), 8)));
        assert_eq!(t.value(-32, 8), Some(quantize((-0.5f64).exp(), 8)));
        assert_eq!(t.value(0, 8), Some(256));
        assert_eq!((t.value(-65, 8), t.value(1, 8)), (None, None));
        // Its domain for the inputs [-1, 0] is 4 times shorter than an unstepped one.
        assert_eq!(FnTable::domain_for((-1.0, 0.0), 8, 2, 1 << 12), (-64, 1));
        assert_eq!(FnTable::domain_for((-1.0, 0.0), 8, 0, 1 << 12), (-256, 1));
        assert_eq!(t.input_of(-0.25), -1.0);
        // Written without the step when it is 0, so earlier graphs hash the same.
        let plain = serde_json::to_string(&FnTable::new(Function::Exp, -4, 1)).unwrap();
        assert!(!plain.contains("step"), "{plain}");
        let stepped = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<FnTable>(&stepped).unwrap(), t);
    }

    #[test]
    fn exp_outputs_beyond_the_cap_are_refused() {
        let t = FnTable {
            function: Function::Exp,
            lo: -(1 << 12),
            hi: 1 << 12,
            step: 0,
        };
        // e^63 · 2^6 is far above 2^40.
        assert_eq!(t.value(63 << 6, 6), None);
        assert!(t.value(0, 6).is_some());
    }
}
