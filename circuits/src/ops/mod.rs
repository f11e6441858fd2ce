//! Operators, one per file. Each file holds all of its op: the struct (generic over its constants'
//! type: `f64` in the imported real graph, `i64` once quantized), its real-arithmetic reference and its
//! quantization ([`real::RealOp`]), its exact integer [`Op::eval`] (the oracle the tests and the witness
//! are checked against) and its [`Op::lower`]ing into circuit rows.
//!
//! Each operator lowers ([`Lowering`]) into one of: affine groups, `act(rescale(Σ w·x + b))` per output
//! element (the activation: none, Relu, or a function table) laid out by the MAC and requant chips;
//! a free re-indexing (`Alias`, `Gather`: no rows, the cells are reused); a graph input (assigned once,
//! range-checked); an elementwise division or product of two computed tensors (the divide chip and the
//! multiply gate on the requant columns); or a product of two computed matrices checked by Freivalds.

mod affine;
mod concat;
mod conv;
mod dense;
mod divide;
mod embedding;
mod exact_sum;
mod gather;
pub mod geometry;
mod input;
mod lookup;
mod matmul;
mod multiply;
mod pad;
mod pool;
mod raw_sum;
pub mod real;
mod reduce;
mod relu;
mod reshape;
mod slice;
mod transpose;

pub use affine::Affine;
pub use concat::Concat;
pub use conv::Conv;
pub use dense::Dense;
pub use divide::Divide;
pub use embedding::Embedding;
pub use exact_sum::ExactSum;
pub use gather::Gather;
pub use input::Input;
pub use lookup::Lookup;
pub use matmul::MatMul;
pub use multiply::Multiply;
pub use pad::Pad;
pub use pool::{Pool, PoolDivisor};
pub use raw_sum::RawSum;
pub use reduce::ReduceSum;
pub use relu::Relu;
pub use reshape::Reshape;
pub use slice::Slice;
pub use transpose::Transpose;

use crate::error::{CircuitError, Result};
use crate::functions::FnTable;
use crate::tensor::QTensor;
use serde::{Deserialize, Serialize};

/// The operand index a [`Lowering::Gather`] uses for the circuit's shared zero cell.
pub const ZERO_OPERAND: usize = usize::MAX;

/// The activation applied after the rescale. Relu is `sign·q`, the sign coming from the range check's
/// high-limb lookup; a table activation is one more lookup into the function's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Activation {
    /// The output is the quotient `q` itself.
    None,
    /// `max(q, 0)`, as `y = sgn·q` (the requant chip's relu gate).
    Relu,
    /// `table(q)`, a lookup into the function table (an error outside its domain).
    Table(FnTable),
    /// A comparison's exact 0/1: `[q ≥ 0]·2^s` (`[q > 0]·2^s` when `strict`), as `y = sgn·2^s` (the
    /// requant chip's step gate; a strict step's row rescales `q - 1`, so `sgn = [q > 0]`).
    Step {
        /// `q > 0` rather than `q ≥ 0`.
        strict: bool,
    },
    /// `max(z, 0)` of the exact sum `z` itself, not rescaled: the row range-checks `q = z div 2^s` (no
    /// rounding half, so `sgn = [q ≥ 0] = [z ≥ 0]`) and its raw relu gate makes `y = sgn·z` (the
    /// requant chip's `raw relu`). Only [`RawSum`]'s steps of a max over raw accumulators use it: the
    /// output is a raw accumulator, not a range-checked activation.
    RawRelu,
}

impl Activation {
    /// The activation of the rescaled value `q` at scale `2^scale`; `None` when `q` is outside a table's
    /// domain.
    pub fn apply(self, q: i64, scale: u32) -> Option<i64> {
        match self {
            Activation::None => Some(q),
            Activation::Relu | Activation::RawRelu => Some(q.max(0)),
            Activation::Table(t) => t.value(q, scale),
            Activation::Step { strict } => {
                Some(i64::from(if strict { q > 0 } else { q >= 0 }) << scale)
            }
        }
    }

    /// The same activation in real arithmetic (for references and float graphs).
    pub fn apply_f64(self, x: f64) -> f64 {
        match self {
            Activation::None => x,
            Activation::Relu | Activation::RawRelu => x.max(0.0),
            Activation::Table(t) => t.function.eval(t.input_of(x)),
            Activation::Step { strict } => {
                f64::from(u8::from(if strict { x > 0.0 } else { x >= 0.0 }))
            }
        }
    }

    /// The table this activation reads, if any.
    pub fn table(self) -> Option<FnTable> {
        match self {
            Activation::Table(t) => Some(t),
            _ => None,
        }
    }
}

/// What an op needs to know to evaluate: its layer name (for errors), the graph scale and the range bound.
#[derive(Clone, Copy, Debug)]
pub struct EvalCtx<'a> {
    /// The node's name, for errors.
    pub layer: &'a str,
    /// Fractional bits `s` of every activation.
    pub scale: u32,
    /// Every rescaled value must lie in `[-bound, bound)`.
    pub bound: i64,
}

impl EvalCtx<'_> {
    /// Check a rescaled value against the calibrated range, naming the layer when it is outside.
    pub fn check_range(&self, q: i64) -> Result<i64> {
        if q < -self.bound || q >= self.bound {
            return Err(CircuitError::OutOfRange {
                layer: self.layer.to_string(),
                value: q,
                real: crate::fixed_point::dequantize(q, self.scale),
                scale: self.scale,
                bound: self.bound,
            });
        }
        Ok(q)
    }

    /// The end of every affine neuron in the oracle: rescale the accumulator (bias included) by `2^s`,
    /// range-check the quotient, apply the activation.
    pub fn requantize(&self, acc: i128, act: Activation) -> Result<i64> {
        self.requantize_wide(acc, 0, act)
    }

    /// [`EvalCtx::requantize`] of a neuron whose coefficients carry `extra` more fractional bits
    /// (`2^(s+extra)`, bias at `2^(2s+extra)`): the accumulator is rescaled by `2^(s+extra)`.
    pub fn requantize_wide(&self, acc: i128, extra: u32, act: Activation) -> Result<i64> {
        let acc = i64::try_from(acc).map_err(|_| self.overflow())?;
        if act == Activation::RawRelu {
            // The row divides without the rounding half and keeps the exact sum.
            self.check_range(acc.div_euclid(1i64 << (self.scale + extra)))?;
            return Ok(acc.max(0));
        }
        let q = self.check_range(crate::fixed_point::rescale(acc, self.scale + extra).0)?;
        self.activate(q, act)
    }

    /// Apply `act` to the range-checked `q`, naming the layer when `q` is outside a table's domain.
    pub fn activate(&self, q: i64, act: Activation) -> Result<i64> {
        if act == (Activation::Step { strict: true }) {
            // The circuit's row holds `q - 1` (its sign is `[q > 0]`): it must be in range too.
            self.check_range(q - 1)?;
        }
        act.apply(q, self.scale).ok_or_else(|| {
            let (function, lo, hi, real) = act.table().map_or(("?", 0, 0, 0.0), |t| {
                let real = t.input_of(crate::fixed_point::dequantize(q, self.scale));
                (t.function.name(), t.lo, t.hi, real)
            });
            CircuitError::OutOfTable {
                layer: self.layer.to_string(),
                function,
                value: q,
                real,
                lo,
                hi,
            }
        })
    }

    /// The [`CircuitError::Overflow`] error for this layer.
    pub fn overflow(&self) -> CircuitError {
        CircuitError::Overflow {
            layer: self.layer.to_string(),
        }
    }

    /// A [`CircuitError::Shape`] error for this layer with message `msg`.
    pub fn shape_err(&self, msg: impl Into<String>) -> CircuitError {
        CircuitError::Shape {
            layer: self.layer.to_string(),
            msg: msg.into(),
        }
    }
}

/// A block of up to `lanes` neurons that share one list of input slots.
///
/// Neuron `m` computes `acc_m = Σ_s weights[m·slots.len() + s] · x[slots[s]]`, then
/// `q_m = rescale(acc_m + bias[m])` by `2^(s+extra)` and `y_m = act(q_m)`; its output is element
/// `outputs[m]`.
#[derive(Clone, Debug)]
pub struct AffineGroup {
    /// `(operand, flat element index)` of each input slot.
    pub slots: Vec<(usize, usize)>,
    /// Row-major `[neuron][slot]` weights at scale `2^(s+extra)`.
    pub weights: Vec<i64>,
    /// Bias per neuron at scale `2^(2s+extra)`.
    pub bias: Vec<i64>,
    /// Extra fractional bits of the weights (constant coefficients held finer than the activations,
    /// see [`crate::fixed_point::coefficient_bits`]): 0, or the circuit's `coef_bits`, whose requant
    /// rows divide by `2^(s+extra)` (the requant chip's wide rescale).
    pub extra: u32,
    /// Extra fractional bits of a dense or convolution layer's weights (`Dense::weight_bits`,
    /// `Conv::weight_bits`): 0, or the circuit's
    /// `weight_bits`, whose requant rows divide by `2^(s+fine)` (the requant chip's fine rescale). At
    /// most one of `extra` and `fine` is nonzero; the weights are at `2^(s+extra+fine)`.
    pub fine: u32,
    /// Applied to every neuron's quotient (one activation per group: its requant rows share it).
    pub act: Activation,
    /// Flat output index of each neuron.
    pub outputs: Vec<usize>,
    /// The neurons are their exact sums, with no rescale, activation or range check (the MAC's
    /// accumulator cells are the outputs): only for integer weights whose sums stay in the range by
    /// construction ([`ExactSum`]), or a raw convolution's accumulators ([`Conv::raw`]).
    pub exact: bool,
    /// The slots read raw accumulators ([`RawSum`]), not values bounded by the graph's activation
    /// bound: the group is never packed (packing's lane widths rest on that bound).
    pub raw_inputs: bool,
}

impl AffineGroup {
    /// Neurons in the group (one per bias; at most `lanes_out`, the MAC lanes they use).
    pub fn neurons(&self) -> usize {
        self.bias.len()
    }

    /// Whether the group's requant rows need lookups only the first requant set has: a table
    /// activation's function lookup, or a wide rescale's ([`crate::chips::requant_rows`]).
    pub fn needs_first_requant_set(&self) -> bool {
        self.act.table().is_some() || self.extra > 0
    }

    /// The weight (scale `2^(s+extra+fine)`) of input `slot` in `neuron`'s sum.
    pub fn weight(&self, neuron: usize, slot: usize) -> i64 {
        self.weights[neuron * self.slots.len() + slot]
    }
}

/// How an op is laid out in the circuit.
#[derive(Clone, Debug)]
pub enum Lowering {
    /// Output element `i` is element `i` of operand 0: no rows, the cells are reused.
    Alias,
    /// Output element `i` is element `map[i].1` of operand `map[i].0`, or the shared zero cell when the
    /// operand is [`ZERO_OPERAND`]: no rows (but one MAC row for the zero cell), the cells are reused.
    Gather(Vec<(usize, usize)>),
    /// Affine groups over the operands, laid out by the MAC + requant chips.
    Affine(Vec<AffineGroup>),
    /// A graph input: each element is assigned once and range-checked.
    Input,
    /// Output element `i` is `round(a / b)` for the pair `((operand, index) of a, (operand, index) of b)`,
    /// laid out by the divide chip.
    Divide(Vec<((usize, usize), (usize, usize))>),
    /// Output element `i` is `rescale(a·b)` for the pair of operand elements, by the multiply gate.
    Multiply(Vec<((usize, usize), (usize, usize))>),
    /// `rescale(A·B)` of operands 0 and 1, checked by the Freivalds chip.
    MatMul(crate::chips::freivalds::MatMulShape),
    /// Output element `i` is the entry of column `map[i].1` of the node's constant table at the index
    /// held by operand 0's element `map[i].0`: one requant row and one function lookup each.
    TableRead(Vec<(usize, usize)>),
}

/// The semantics of a quantized operator.
pub trait Op {
    /// The op's name as it appears in errors and tables.
    fn name(&self) -> &'static str;
    /// The output shape for the given operand shapes, or a description of the mismatch.
    fn output_shape(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String>;
    /// Exact integer evaluation: the oracle.
    fn eval(&self, inputs: &[&QTensor], ctx: &EvalCtx) -> Result<QTensor>;
    /// The circuit lowering for neuron groups of `lanes` neurons.
    fn lower(&self, input_shapes: &[&[usize]], lanes: usize) -> Lowering;
    /// The activation its neurons apply (tables are collected from here to size and fill the circuit's).
    fn activation(&self) -> Activation {
        Activation::None
    }
}

/// The closed set of operators a graph may contain: with real constants (`T = f64`, the imported
/// model, see [`real::RealOp`]) or quantized ones (`T = i64`, a [`crate::QuantizedGraph`], see [`Op`]).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum OpKind<T = i64> {
    /// A graph input ([`Input`]).
    Input(Input),
    /// A fully connected layer ([`Dense`]).
    Dense(Dense<T>),
    /// A 2-D convolution ([`Conv`]).
    Conv(Conv<T>),
    /// A sum or average pool ([`Pool`]).
    Pool(Pool),
    /// An elementwise affine map with constant coefficients ([`Affine`]).
    Affine(Affine<T>),
    /// A standalone Relu ([`Relu`]).
    Relu(Relu),
    /// A standalone table activation ([`Lookup`]).
    Lookup(Lookup),
    /// A reshape, free ([`Reshape`]).
    Reshape(Reshape),
    /// An axis permutation, free ([`Transpose`]).
    Transpose(Transpose),
    /// A range along one axis, free ([`Slice`]).
    Slice(Slice),
    /// A concatenation, free ([`Concat`]).
    Concat(Concat),
    /// A scaled sum over axes ([`ReduceSum`]).
    ReduceSum(ReduceSum<T>),
    /// A selection of elements, free ([`Gather`]).
    Gather(Gather),
    /// Zero padding, free but for the shared zero cell ([`Pad`]).
    Pad(Pad),
    /// Elementwise division of two computed tensors ([`Divide`]).
    Divide(Divide),
    /// Batched product of two computed tensors ([`MatMul`]).
    MatMul(MatMul),
    /// Elementwise product of two computed tensors ([`Multiply`]).
    Multiply(Multiply),
    /// Constant data read at computed indices ([`Embedding`]).
    Embedding(Embedding<T>),
    /// The exact last step of a max or min ([`ExactSum`]).
    ExactSum(ExactSum),
    /// A step or the end of a max over raw accumulators ([`RawSum`]).
    RawSum(RawSum<T>),
}

impl OpKind {
    /// The extra fractional bits of the op's constant coefficients (0 for ops without them).
    pub fn extra_bits(&self) -> u32 {
        match self {
            OpKind::Affine(o) => o.extra,
            OpKind::Pool(o) => o.extra,
            OpKind::ReduceSum(o) => o.extra,
            _ => 0,
        }
    }

    /// The extra fractional bits of the op's weights (a dense or convolution layer's `weight_bits`; 0
    /// for others).
    pub fn weight_bits(&self) -> u32 {
        match self {
            OpKind::Dense(o) => o.weight_bits,
            OpKind::Conv(o) => o.weight_bits,
            _ => 0,
        }
    }

    /// The operator behind the variant, as an [`Op`].
    pub fn as_op(&self) -> &dyn Op {
        each_op!(self, o => o)
    }
}

/// `$body` with `$o` bound to the op inside whichever variant `$kind` is (the one list of variants
/// both dispatches, [`OpKind::as_op`] and [`OpKind::as_real`], share).
macro_rules! each_op {
    ($kind:expr, $o:ident => $body:expr) => {
        match $kind {
            OpKind::Input($o) => $body,
            OpKind::Dense($o) => $body,
            OpKind::Conv($o) => $body,
            OpKind::Pool($o) => $body,
            OpKind::Affine($o) => $body,
            OpKind::Relu($o) => $body,
            OpKind::Lookup($o) => $body,
            OpKind::Reshape($o) => $body,
            OpKind::Transpose($o) => $body,
            OpKind::Slice($o) => $body,
            OpKind::Concat($o) => $body,
            OpKind::ReduceSum($o) => $body,
            OpKind::Gather($o) => $body,
            OpKind::Pad($o) => $body,
            OpKind::Divide($o) => $body,
            OpKind::MatMul($o) => $body,
            OpKind::Multiply($o) => $body,
            OpKind::Embedding($o) => $body,
            OpKind::ExactSum($o) => $body,
            OpKind::RawSum($o) => $body,
        }
    };
}
pub(crate) use each_op;

/// Groups for outputs `0..n` that each weigh their own taps: `taps(o)` gives `(input index, weight)` of
/// output `o` in operand 0, the weights at `2^(s+extra)`. Each block of `lanes` outputs puts their taps
/// back to back as its slots, and every neuron weighs only its own.
pub(crate) fn sparse_groups(
    n: usize,
    lanes: usize,
    extra: u32,
    taps: impl Fn(usize) -> Vec<(usize, i64)>,
) -> Vec<AffineGroup> {
    chunked_groups(n, lanes, |first, count| {
        let windows: Vec<Vec<(usize, i64)>> = (first..first + count).map(&taps).collect();
        let slots: Vec<(usize, usize)> = windows.iter().flatten().map(|(i, _)| (0, *i)).collect();
        let mut weights = vec![0; count * slots.len()];
        let mut start = 0;
        for (m, window) in windows.iter().enumerate() {
            for (j, (_, w)) in window.iter().enumerate() {
                weights[m * slots.len() + start + j] = *w;
            }
            start += window.len();
        }
        AffineGroup {
            slots,
            weights,
            bias: vec![0; count],
            act: Activation::None,
            outputs: (first..first + count).collect(),
            extra,
            exact: false,
            raw_inputs: false,
            fine: 0,
        }
    })
}

/// The identity map on operand 0 (weight `2^scale`) followed by `act`: how a standalone activation is laid
/// out (one requant row per element).
pub(crate) fn identity_groups(
    input_shapes: &[&[usize]],
    lanes: usize,
    scale: u32,
    act: Activation,
) -> Lowering {
    let n: usize = input_shapes[0].iter().product();
    Lowering::Affine(chunked_groups(n, lanes, |first, count| {
        let mut weights = vec![0; count * count];
        for m in 0..count {
            weights[m * count + m] = 1i64 << scale;
        }
        AffineGroup {
            slots: (first..first + count).map(|i| (0, i)).collect(),
            weights,
            bias: vec![0; count],
            act,
            outputs: (first..first + count).collect(),
            extra: 0,
            exact: false,
            raw_inputs: false,
            fine: 0,
        }
    }))
}

/// For `#[serde(skip_serializing_if)]`: a zero `extra` is not written, so graphs without wide
/// coefficients serialize (and hash) as before the field existed.
pub fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// The row-major coordinates of flat index `flat` in `shape`.
pub(crate) fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut coords = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        coords[d] = flat % shape[d];
        flat /= shape[d];
    }
    coords
}

/// The flat index of `coords` under `strides`.
pub(crate) fn ravel(coords: &[usize], strides: &[usize]) -> usize {
    coords.iter().zip(strides).map(|(c, s)| c * s).sum()
}

/// Strides of a row-major shape.
pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    (0..shape.len())
        .map(|i| shape[i + 1..].iter().product())
        .collect()
}

/// Group consecutive outputs `0..n` into blocks of `lanes`, building each with `make(first, count)`.
pub(crate) fn chunked_groups(
    n: usize,
    lanes: usize,
    mut make: impl FnMut(usize, usize) -> AffineGroup,
) -> Vec<AffineGroup> {
    (0..n)
        .step_by(lanes.max(1))
        .map(|first| make(first, lanes.min(n - first)))
        .collect()
}

/// What an elementwise group's neurons share besides their weights (see [`elementwise_groups`]).
pub(crate) struct Elementwise<'a> {
    /// Operands, each of the output's size.
    pub operands: usize,
    /// One bias per output element.
    pub bias: &'a [i64],
    /// The groups' activation, extra bits and flags ([`AffineGroup`]).
    pub act: Activation,
    pub extra: u32,
    pub exact: bool,
    pub raw_inputs: bool,
}

/// Groups of `lanes` consecutive outputs in which output `i` weighs element `i` of each operand `j`
/// by `weight(j, i)` and nothing else: each block's slots are operand 0's elements, then operand 1's,
/// and so on (neuron `m` reads slots `j·count + m`). Elementwise Affine, ExactSum and RawSum.
pub(crate) fn elementwise_groups(
    e: Elementwise<'_>,
    lanes: usize,
    weight: impl Fn(usize, usize) -> i64,
) -> Vec<AffineGroup> {
    chunked_groups(e.bias.len(), lanes, |first, count| {
        let slots: Vec<(usize, usize)> = (0..e.operands)
            .flat_map(|op| (first..first + count).map(move |i| (op, i)))
            .collect();
        let mut weights = vec![0; count * slots.len()];
        for m in 0..count {
            for op in 0..e.operands {
                weights[m * slots.len() + op * count + m] = weight(op, first + m);
            }
        }
        AffineGroup {
            slots,
            weights,
            bias: e.bias[first..first + count].to_vec(),
            act: e.act,
            outputs: (first..first + count).collect(),
            extra: e.extra,
            exact: e.exact,
            raw_inputs: e.raw_inputs,
            fine: 0,
        }
    })
}

/// Check that all operands have the same number of elements; the output takes the first one's shape.
pub(crate) fn same_shapes(inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
    let first = inputs.first().ok_or("expects at least one operand")?;
    let numel = |s: &[usize]| s.iter().product::<usize>();
    if let Some(other) = inputs.iter().find(|s| numel(s) != numel(first)) {
        return Err(format!("operand shapes differ: {first:?} vs {other:?}"));
    }
    Ok(first.to_vec())
}

#[cfg(test)]
pub(crate) mod test_suite;
