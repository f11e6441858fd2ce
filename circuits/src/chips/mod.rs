//! The halo2 chips every zkinfer circuit is made of.
//!
//! - `mac`: packed multiply-accumulate rows: `lanes_in` activations times a `lanes_out x lanes_in` block
//!   of fixed weights, accumulated down the rows into `lanes_out` accumulators.
//! - `requant`: one row per neuron: `z + off = q·2^s + r` with `r` and `q` checked by lookups into the
//!   shared [`table`], which also yields `relu(q)`.
//! - `freivalds`: `C = A·B` of two witness matrices checked as `A·(B·r) = C·r` with a second-phase
//!   challenge `r`;
//! - `divide`: `y = round(n·2^s / d)` of two witnesses, on four rows of the requant chip's columns;
//! - `multiply`: `a·b` of two witnesses on a requant-column row, then rescaled;
//! - `poseidon`: circom-compatible Poseidon rounds, one row each, for the hashed-input commitment;
//! - `table`: the one lookup table: `(0, x, relu(x))` for `x ∈ [-2^(b-1), 2^(b-1))` and `(1, r, r)` for
//!   `r ∈ [0, 2^s)`.

pub mod divide;
pub mod freivalds;
pub mod mac;
pub mod multiply;
pub mod poseidon;
pub mod requant;
pub mod table;

use halo2_proofs::circuit::{Cell, Value};

/// An assigned cell together with the integer it holds (unknown during keygen).
#[derive(Clone, Copy, Debug)]
pub struct Wire {
    pub cell: Cell,
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
