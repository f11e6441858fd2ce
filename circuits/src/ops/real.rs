//! The real-arithmetic side of every op. A model is imported as a graph of [`OpKind<f64>`] (the same
//! op structs as the circuit's, with real weights and coefficients); each op's [`RealOp`] impl, in the
//! op's own file beside its integer [`super::Op`] impl and its layout, gives
//! - its float reference ([`RealOp::eval_real`]), which calibration, the accuracy guard and the
//!   conformance checks compare the integer model against, and
//! - its quantization into the integer op ([`RealOp::quantize`]).
//!
//! So an op is written once: one struct, one file, its three meanings side by side.

use super::{Activation, OpKind};
use crate::functions::{FnTable, Function};

/// The smallest and largest value something took: `(min, max)`, always spanning 0.
pub type Span = (f64, f64);

/// The span of `v` (always including 0); NaN if any value is (`f64::min`/`max` would skip it).
pub fn span(v: &[f64]) -> Span {
    v.iter().fold((0f64, 0f64), |(lo, hi), x| {
        if x.is_nan() || lo.is_nan() {
            (f64::NAN, f64::NAN)
        } else {
            (lo.min(*x), hi.max(*x))
        }
    })
}

/// An op's real output and the span of its range-checked value: the pre-activation value for ops
/// with an activation, the output for other arithmetic ops, `(0, 0)` for free re-indexings.
pub type RealOutput = (Vec<f64>, Span);

/// A free re-indexing's output: `map[i]` is `(operand, flat index)` of output element `i`.
pub fn gathered(inputs: &[&[f64]], map: impl Iterator<Item = (usize, usize)>) -> RealOutput {
    (map.map(|(op, i)| inputs[op][i]).collect(), (0.0, 0.0))
}

/// What quantizing one node needs: the graph's scale, the extra bits this node's constant coefficients
/// get (0, or the graph's coefficient bits), and each function's table at this scale.
pub struct Quantizer<'a> {
    /// Fractional bits `s` of every activation.
    pub scale: u32,
    /// Extra fractional bits of this node's constant coefficients.
    pub extra: u32,
    /// Extra fractional bits of dense and (not raw) convolution weights (the graph's `weight_bits`).
    pub weight_bits: u32,
    /// A real graph's table (its function and step) with its domain chosen from the calibrated spans.
    pub table: &'a dyn Fn(FnTable) -> FnTable,
}

impl Quantizer<'_> {
    /// `v` quantized at `2^bits`.
    pub fn values(&self, v: &[f64], bits: u32) -> Vec<i64> {
        v.iter()
            .map(|x| crate::fixed_point::quantize(*x, bits))
            .collect()
    }

    /// `act` with its table's domain filled in.
    pub fn activation(&self, act: Activation) -> Activation {
        match act {
            Activation::Table(t) => Activation::Table((self.table)(t)),
            other => other,
        }
    }
}

/// An op in real arithmetic (module docs).
pub trait RealOp {
    /// The op's name, as its integer op names itself.
    fn name(&self) -> &'static str;
    /// The output and the span of the range-checked value, for operands `inputs` of `shapes` (a graph
    /// input's operand is the value given for it).
    fn eval_real(&self, inputs: &[&[f64]], shapes: &[&[usize]]) -> RealOutput;
    /// The integer op.
    fn quantize(&self, q: &Quantizer) -> OpKind;
    /// The constant coefficients that become the weights of a rescaled sum (a mean's `1/n`, a pool's
    /// reciprocals, an Affine's factors): they get extra bits when `2^s` holds them coarsely. Dense and
    /// Conv weights are not among them.
    fn coefficients(&self, _shapes: &[&[usize]]) -> Vec<f64> {
        vec![]
    }
    /// The table this op applies (its function and step; the domain is chosen when quantizing), if any.
    fn table(&self) -> Option<FnTable> {
        None
    }
}

/// A real graph's activation applying `function`: its table's domain is chosen when the graph is
/// quantized ([`Quantizer::activation`]).
pub fn function_activation(function: Function) -> Activation {
    stepped_activation(function, 0)
}

/// A real graph's activation applying `function` to its pre-activation times `2^step` (see
/// [`FnTable::step`]): the node's coefficients must already be divided by `2^step`.
pub fn stepped_activation(function: Function, step: u32) -> Activation {
    Activation::Table(FnTable {
        function,
        lo: 0,
        hi: 0,
        step,
    })
}

impl OpKind<f64> {
    /// The operator behind the variant, as a [`RealOp`].
    pub fn as_real(&self) -> &dyn RealOp {
        super::each_op!(self, o => o)
    }
}
