//! The halo2 chips every zkinfer circuit is made of.
//!
//! - `mac`: packed multiply-accumulate rows: `lanes_in` activations times a `lanes_out x lanes_in` block
//!   of fixed weights, accumulated down the rows into `lanes_out` accumulators.
//! - `packing`: several neurons per accumulator, `B` bits apart, unpacked by the MAC gate itself.
//! - `requant`: one row per neuron: `z + off = q·2^s + r` with `r` and the limbs of `q` checked by
//!   lookups into the shared [`table`] (the high limb's check also gives `q`'s sign, for `relu(q) = sgn·q`),
//!   and a function-table lookup for table activations.
//! - `requant_witness`: a requant row's values, honest or tampered; `tamper`: the corruptions the
//!   negative tests apply.
//! - `requant_rows`: which of the (one or two) requant column sets each requant row goes to.
//! - `freivalds`: `C = A·B` of two witness matrices checked as `A·(B·r) = C·r` with a second-phase
//!   challenge `r`;
//! - `conv_check`: convolutions checked as polynomial products at a second-phase challenge (one Horner
//!   step per input element and output coefficient, one term per weight, instead of one MAC per product);
//! - `divide`: `y = round(n·2^s / d)` of two witnesses, on four rows of the requant chip's columns;
//! - `multiply`: `a·b` of two witnesses on a requant-column row, then rescaled;
//! - `poseidon`: circom-compatible Poseidon rounds, one row each, for the hashed-input commitment;
//! - `table`: the lookup tables: the limb column `[0, 2^s)` (remainders and low limbs), the high column
//!   `[0, 2^(b-s-1))` (high limbs without their sign bit) and, for function tables and data, the tagged
//!   table `(2 + i, t·q, t·f(q))` for each function table `i` (see [`table`]).

pub mod conv_check;
pub mod divide;
pub mod freivalds;
pub mod mac;
pub mod multiply;
pub mod packing;
pub mod poseidon;
pub mod raw_rows;
pub mod requant;
pub mod requant_rows;
pub mod requant_witness;
pub mod table;
pub mod tamper;

use halo2_proofs::circuit::{Cell, Value};

/// An assigned cell together with the integer it holds (unknown during keygen).
#[derive(Clone, Copy, Debug)]
pub struct Wire {
    /// The assigned cell, for copy constraints to later uses of the value.
    pub cell: Cell,
    /// The signed integer in the cell (mapped into the field by `fixed_point::to_field`); `None` at keygen.
    pub value: Option<i64>,
}

impl Wire {
    /// The value as a halo2 witness.
    pub fn field(&self) -> Value<crate::Fr> {
        field_value(self.value)
    }
}

/// `Some(v)` as a known field element, `None` as unknown.
pub fn field_value(v: Option<i64>) -> Value<crate::Fr> {
    match v {
        Some(v) => Value::known(crate::fixed_point::to_field(v)),
        None => Value::unknown(),
    }
}
