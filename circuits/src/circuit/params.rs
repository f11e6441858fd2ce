//! [`CircuitParams`]: everything `configure` depends on (which chips, how wide), its limits, and what it
//! derives (columns, packing, the activation bound, the constraint system).

use super::ModelCircuit;
use crate::chips::packing::{Packing, MAX_PACK};
use crate::chips::requant_rows::MAX_REQUANT_SETS;
use crate::graph::QuantizedGraph;
use crate::ops::AffineGroup;
use crate::Fr;
use halo2_proofs::plonk::{Circuit, ConstraintSystem};
use serde::{Deserialize, Serialize};

/// Everything `configure` depends on. Part of the verifying key's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CircuitParams {
    /// Activations per MAC row.
    pub lanes_in: usize,
    /// Neurons accumulated side by side per MAC row.
    pub lanes_out: usize,
    /// Fractional bits of every activation.
    pub scale: u32,
    /// Every range-checked value lies in `[-2^(range_bits-1), 2^(range_bits-1))`; `range_bits > scale`.
    pub range_bits: u32,
    /// Whether the requant chip has the function lookup (needed when the graph has table activations;
    /// without it the circuit has one lookup argument fewer).
    #[serde(default)]
    pub function_tables: bool,
    /// Whether the circuit has the multiply and divide gates (needed when the graph multiplies or divides
    /// two computed tensors elementwise).
    #[serde(default)]
    pub products: bool,
    /// Whether the circuit has the Freivalds chip (needed when the graph multiplies computed tensors).
    #[serde(default)]
    pub matmuls: bool,
    /// Whether the input is public only through its Poseidon commitment (the first instance), proved
    /// by the Poseidon chip ([`INPUT_HASH_WIDTH`]).
    #[serde(default)]
    pub hashed_input: bool,
    /// Extra fractional bits `e` of constant coefficients held finer than the activations (the requant
    /// chip's wide rescale: one more advice column and lookup); 0 when the graph has none.
    #[serde(default, skip_serializing_if = "crate::ops::is_zero")]
    pub coef_bits: u32,
    /// Extra fractional bits `w` of the weights of dense layers, held at `2^(s+w)` (the requant
    /// chip's fine rescale: `w / 2` more advice columns per requant set and a digit gate); 0 (not
    /// written) when the graph has none.
    #[serde(default, skip_serializing_if = "crate::ops::is_zero")]
    pub weight_bits: u32,
    /// Whether the requant chip has the step gate (comparisons as exact 0/1); not written when false,
    /// so circuits without comparisons keep their settings and keys.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub steps: bool,
    /// Whether the requant chip has the raw relu gate (maxima over raw accumulators,
    /// [`crate::ops::RawSum`]); not written when false, so other circuits keep their settings and keys.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub raw_relus: bool,
    /// Whether the raw sums of maxima over raw accumulators are laid out on the requant rows' `raw
    /// sum` gate ([`crate::chips::raw_rows`]) instead of MAC rows: three more advice columns per
    /// requant set. Not written when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub raw_rows: bool,
    /// The most neurons one MAC accumulator column holds ([`crate::chips::packing`]); 1 (not written,
    /// so earlier settings and keys are unchanged) is one neuron per column.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub pack: usize,
    /// Requant column sets, 1 to [`MAX_REQUANT_SETS`] ([`crate::chips::requant_rows`]): each more set of
    /// the requant chip's columns and range lookups shares the plain rescales and range checks of a
    /// requant-bound circuit. 1 is not written.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub requant_sets: usize,
    /// Lanes of the convolution check ([`crate::chips::conv_check`]): with 1 or more, every Conv is
    /// checked as a polynomial product on that many data lanes and a weight lane of that many terms
    /// instead of on the MAC chip. 0 (not written, so earlier settings and keys are unchanged) is none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub conv_lanes: usize,
}

fn one() -> usize {
    1
}

fn is_one(v: &usize) -> bool {
    *v == 1
}

fn is_zero(v: &usize) -> bool {
    *v == 0
}

/// State width of the Poseidon permutation committing to hashed inputs: circom's `Poseidon(4)`, three
/// input elements per permutation besides the running hash.
pub const INPUT_HASH_WIDTH: usize = 5;

/// The Poseidon parameters of the input commitment.
pub fn input_hash_params() -> crate::poseidon::PoseidonParams {
    crate::poseidon::PoseidonParams::circom(INPUT_HASH_WIDTH).expect("circom has width 5")
}

impl Default for CircuitParams {
    fn default() -> Self {
        Self {
            lanes_in: 8,
            lanes_out: 4,
            scale: 7,
            range_bits: 16,
            function_tables: false,
            products: false,
            matmuls: false,
            hashed_input: false,
            coef_bits: 0,
            weight_bits: 0,
            steps: false,
            raw_relus: false,
            raw_rows: false,
            pack: 1,
            requant_sets: 1,
            conv_lanes: 0,
        }
    }
}

/// The widest MAC row the parameters may ask for (activations per row, neurons per row).
pub const MAX_LANES: (usize, usize) = (64, 16);
/// The most fractional bits and range bits a circuit may use (a range table of `2^MAX_RANGE_BITS` rows).
pub const MAX_SCALE: u32 = 16;
/// The most lanes of the convolution check.
pub const MAX_CONV_LANES: usize = 16;
/// The most range bits a circuit may use ([`CircuitParams::check`] also requires `range_bits > scale`).
pub const MAX_RANGE_BITS: u32 = 24;

impl CircuitParams {
    /// Whether these parameters describe a circuit this crate can lay out; the message names the field.
    /// Parameters read from files (settings, key headers) are checked here before anything is sized
    /// or allocated from them.
    pub fn check(&self) -> std::result::Result<(), String> {
        let (max_in, max_out) = MAX_LANES;
        if !(1..=max_in).contains(&self.lanes_in) || !(1..=max_out).contains(&self.lanes_out) {
            return Err(format!(
                "lanes {}x{} outside 1..={max_in} x 1..={max_out}",
                self.lanes_in, self.lanes_out
            ));
        }
        if !(1..=MAX_SCALE).contains(&self.scale) {
            return Err(format!("scale {} outside 1..={MAX_SCALE}", self.scale));
        }
        if self.range_bits <= self.scale || self.range_bits > MAX_RANGE_BITS {
            return Err(format!(
                "range bits {} outside {}..={MAX_RANGE_BITS} (more than the scale)",
                self.range_bits,
                self.scale + 1
            ));
        }
        if !(1..=MAX_PACK).contains(&self.pack) {
            return Err(format!(
                "{} neurons per accumulator outside 1..={MAX_PACK}",
                self.pack
            ));
        }
        if !(1..=MAX_REQUANT_SETS).contains(&self.requant_sets) {
            return Err(format!(
                "{} requant column sets outside 1..={MAX_REQUANT_SETS}",
                self.requant_sets
            ));
        }
        if self.conv_lanes > MAX_CONV_LANES {
            return Err(format!(
                "{} convolution lanes outside 0..={MAX_CONV_LANES}",
                self.conv_lanes
            ));
        }
        if !crate::chips::requant::valid_weight_bits(self.weight_bits) {
            return Err(format!(
                "{} weight bits: choose an even number up to {}",
                self.weight_bits,
                crate::chips::requant::MAX_WEIGHT_BITS
            ));
        }
        if self.coef_bits > self.scale {
            return Err(format!(
                "coefficient bits {} more than the scale {}",
                self.coef_bits, self.scale
            ));
        }
        Ok(())
    }

    /// These parameters with the function lookup exactly when `graph` needs it.
    pub fn for_graph(self, graph: &QuantizedGraph) -> Self {
        Self {
            function_tables: graph.needs_function_lookup(),
            products: graph.has_products(),
            matmuls: graph.multiplies(),
            coef_bits: graph.coef_bits(),
            weight_bits: graph.weight_bits(),
            steps: graph.has_steps(),
            raw_relus: graph.has_raw_relus(),
            ..self
        }
    }

    /// The most neurons an affine group holds: `lanes_out` accumulator columns of up to `pack` each.
    pub fn group_neurons(&self) -> usize {
        self.lanes_out * self.pack
    }

    /// How `group` shares accumulators in this circuit, for activations of magnitude at most `x_bound`
    /// ([`QuantizedGraph::activation_bound`]; unused without packing).
    pub fn packing_of(&self, group: &AffineGroup, x_bound: u128) -> Packing {
        Packing::for_group(
            group,
            (self.pack, (self.lanes_in, self.lanes_out)),
            x_bound,
            (self.scale, self.range_bits),
        )
    }

    /// The largest activation magnitude packing must allow for in `graph`, or 0 without packing (the
    /// bound reads every table entry).
    pub fn activation_bound(&self, graph: &QuantizedGraph) -> u128 {
        if self.pack > 1 {
            graph.activation_bound()
        } else {
            0
        }
    }

    /// The constraint system a circuit with these parameters configures.
    fn constraint_system(&self) -> ConstraintSystem<Fr> {
        let mut cs = ConstraintSystem::<Fr>::default();
        ModelCircuit::configure_with_params(&mut cs, *self);
        cs
    }

    /// Rows halo2 reserves at the bottom of every column for blinding, for these parameters.
    pub fn blinding_rows(&self) -> usize {
        self.constraint_system().blinding_factors() + 1
    }

    /// Lookups whose inputs are tuples (into the tagged table: functions and data); the others look one
    /// expression up in the limb or the high column, which costs the prover less
    /// ([`crate::estimate::proving_work`]).
    pub fn tuple_lookups(&self) -> usize {
        self.constraint_system()
            .lookups()
            .iter()
            .filter(|l| l.input_expressions().len() > 1)
            .count()
    }

    /// Columns, as `(advice, fixed incl. the table and the selectors, lookups)`. Each selector is
    /// counted as the fixed column keygen turns it into (keygen may merge a few simple ones, so this
    /// errs high by those).
    pub fn columns(&self) -> (usize, usize, usize) {
        let cs = self.constraint_system();
        (
            cs.num_advice_columns(),
            cs.num_fixed_columns() + cs.num_selectors(),
            cs.lookups().len(),
        )
    }
}
