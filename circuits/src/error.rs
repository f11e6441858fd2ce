//! Errors raised while evaluating, sizing or laying out a quantized graph.

use thiserror::Error;

/// Everything that can go wrong inside the circuits crate. Messages name the layer (node) at fault.
#[derive(Debug, Error)]
pub enum CircuitError {
    /// An op's operands do not fit it (shapes, operand count, scale), found while sizing or evaluating.
    #[error("layer '{layer}': {msg}")]
    Shape {
        /// The node's name.
        layer: String,
        /// What does not fit.
        msg: String,
    },
    /// A rescaled value (or an input) left `[-bound, bound)` during evaluation: the circuit's range check
    /// could not hold, so the input is outside what the graph was calibrated for.
    #[error(
        "layer '{layer}': value {value} (= {real:.4} at scale 2^{scale}) is outside the calibrated range \
         [-{bound}, {bound}); recalibrate with inputs like this one (--calibration) or lower the scale"
    )]
    OutOfRange {
        /// The node's name.
        layer: String,
        /// The integer value at scale `2^scale`.
        value: i64,
        /// `value / 2^scale`.
        real: f64,
        /// The graph's scale bits.
        scale: u32,
        /// `2^(range_bits-1)`: the range is `[-bound, bound)`.
        bound: i64,
    },
    /// The input of a table activation lies outside the function table's domain `[lo, hi)` (or its output
    /// would exceed `MAX_TABLE_VALUE`), during evaluation.
    #[error(
        "layer '{layer}': {function} input {value} (= {real:.4}) is outside its calibrated table \
         [{lo}, {hi}); recalibrate with inputs like this one (--calibration)"
    )]
    OutOfTable {
        /// The node's name.
        layer: String,
        /// The function's name (`Function::name`).
        function: &'static str,
        /// The table input, at the graph scale (in entries of a stepped table: `2^step` quanta each).
        value: i64,
        /// The function's real input it stands for (`value·2^step / 2^scale`).
        real: f64,
        /// First input of the table's domain (inclusive), in the table's entries.
        lo: i64,
        /// End of the table's domain (exclusive), in the table's entries.
        hi: i64,
    },
    /// An intermediate (accumulator, product, quotient) does not fit `i64` while evaluating or witnessing.
    #[error("layer '{layer}': integer overflow while evaluating")]
    Overflow {
        /// The node's name.
        layer: String,
    },
    /// The graph or the circuit parameters are malformed or inconsistent (dangling operands, missing
    /// outputs, unsupported scale, wrong number of inputs, a chip the graph needs but the parameters lack).
    #[error("graph: {0}")]
    Graph(String),
    /// The circuit does not fit in `2^k` rows.
    #[error("circuit needs {needed} rows but k={k} gives only {usable} usable rows")]
    TooManyRows {
        /// Rows the circuit needs.
        needed: usize,
        /// The circuit size parameter (`2^k` rows).
        k: u32,
        /// Rows left for the circuit after halo2's blinding rows.
        usable: usize,
    },
    /// halo2 reported an error while assigning the circuit (its message).
    #[error("halo2 synthesis failed: {0}")]
    Synthesis(String),
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, CircuitError>;
