//! Deliberate witness corruptions, one per constraint a soundness test must see fail (every chip's
//! negative tests name one; `ModelCircuit` applies it while assigning).

/// Deliberate witness corruption for soundness tests: each must make the circuit unsatisfied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// `q + 1` (limbs and relu kept consistent with it): the remainder lookup must catch it.
    Quotient,
    /// `q - 1` (limbs and activation consistent with it): the remainder lookup must catch it.
    QuotientDown,
    /// On a wide row, `q + 1` with `t - 2^s` (the remainder's identity kept): the `wide limb` lookup
    /// must catch it.
    WideQuotientUp,
    /// On a wide row, `q - 1` with `t + 2^s`: the `wide limb` lookup must catch it.
    WideQuotientDown,
    /// On a wide row, `t + 1` (so `u` goes negative): the remainder lookup must catch it.
    WideSplit,
    /// On a wide row, `q - 1` with `t` at its largest, `2^s - 1`: the low part `u` then holds the rest,
    /// `2^e·(t + 1) + u ≥ 2^e`, which fits the limb table unscaled; the remainder lookup must catch
    /// it through its scaling by `2^(s-e)`.
    WideBorrow,
    /// On a fine row, `q + 1` with `u - 2^fine` (the remainder's identity kept): the digit gate must
    /// catch it.
    FineQuotientUp,
    /// On a fine row, `q - 1` with `u + 2^fine`: the digit gate must catch it.
    FineQuotientDown,
    /// On a fine row, `u + 1` (so the low remainder goes negative): the remainder lookup must catch it.
    FineSplit,
    /// On a fine row, `q - 1` with the lowest digit (not the top one) raised by `2^fine`: the digit
    /// gate must catch it on that digit.
    FineLowDigit,
    /// On a fine row of two or more digits, `u` kept but written with a lowest digit of 4 or more (one
    /// unit of the next digit moved into it): the digit gate must catch it.
    FineDigitBorrow,
    /// `hi + 1`: the low-limb lookup must catch it.
    HighLimb,
    /// `sgn` flipped (and `y` consistent with it): the high-limb lookup must catch it.
    Sign,
    /// `y + 1`: the relu gate (or the function lookup) must catch it.
    Activation,
    /// The neuron's final MAC accumulator `+ 1` (and this row consistent with it): the MAC gate must.
    Accumulator,
    /// On a packed MAC block, a carry between the neuron's lane and its neighbour (the packed sum kept):
    /// the requant row of the lane that gained `2^B` must catch it (see `chips::packing`).
    LaneCarry,
    /// The shared zero cell (padding) set to 1: the MAC gate must catch it.
    ZeroCell,
    /// A division's quotient `+ 1` (remainder consistent): the remainder's non-negativity must catch it.
    DivisionUp,
    /// A division's quotient `- 1` (remainder consistent): the remainder's bound `r < 2d` must catch it.
    DivisionDown,
    /// A division's remainder `+ 1` with the quotient solved for in the field (not an integer): the
    /// quotient's range check must catch it.
    DivisionFieldQuotient,
    /// A table read's value taken from the next row of its column (`data[k + 1]`): the function lookup
    /// must catch it.
    TableRow,
    /// A table read's value taken from the next column at the same index: the function lookup must
    /// catch it (the tag names the column).
    TableColumn,
    /// A table read at the next index (`q + 2^s`, with that row's value): the copy of the index cell
    /// must catch it.
    TableIndex,
    /// An exact matrix product `C_ij + 1` (its rescale consistent): Freivalds' check must catch it.
    Product,
    /// A corruption inside the Freivalds chip.
    Freivalds(super::freivalds::FreivaldsTamper),
    /// A corruption inside the convolution check (`Accumulator` on a checked Conv is its `Output`).
    Conv(super::conv_check::ConvTamper),
}
