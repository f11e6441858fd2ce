//! Fixed-point settings: the scale `2^s` of every activation and the range bits `b` of the lookup table
//! (`|value| < 2^(b-1)`), chosen from calibration samples so that the circuit is as short as possible
//! (least estimated proving work, see [`proving_work`]), then with the fewest columns (a cheaper
//! verifier), then as precise as possible (largest `s`).

use crate::error::{ModelError, Result};
use crate::float_graph::{magnitude, FloatGraph, TableDomains};
use serde::{Deserialize, Serialize};
use zkinfer_circuits::chips::requant::{valid_weight_bits, MAX_WEIGHT_BITS};
use zkinfer_circuits::estimate::fits_evm;
use zkinfer_circuits::{CircuitParams, QuantizedGraph};

/// Everything that determines the circuit of a model besides its weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Fixed-point scale bits: a real `x` is held as `round(x · 2^scale)`.
    pub scale: u32,
    /// Every range-checked value lies in `[-2^(range_bits-1), 2^(range_bits-1))` (the lookup table).
    pub range_bits: u32,
    /// Activations per MAC row.
    pub lanes_in: usize,
    /// Accumulator columns per MAC row.
    pub lanes_out: usize,
    /// The most neurons one accumulator holds (lane packing); 1, not written, is one per accumulator.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub pack: usize,
    /// Requant column sets (1 to 4): more sets share a requant-bound circuit's rows; 1 is not written.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub requant_sets: usize,
    /// Lanes of the convolution check (every Conv checked as a polynomial product, not on the MAC
    /// chip); 0, not written, is none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub conv_lanes: usize,
    /// Whether the steps of maxima over raw accumulators sum on requant rows (three more advice
    /// columns per requant set) rather than on MAC rows; false, not written, is on MAC rows.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub raw_rows: bool,
    /// Extra fractional bits of dense and convolution layers' weights, held at `2^(scale+weight_bits)` (the requant
    /// chip's fine rescale: `weight_bits / 2` more advice columns per requant set); 0, not written, is
    /// weights at the activations' scale.
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub weight_bits: u32,
    /// Whether the input's elements are public instances of the proof (else a private witness).
    pub public_input: bool,
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

fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

impl Settings {
    /// The MAC layout in words: `IN x OUT`, and the packing when there is one.
    pub fn lanes_label(&self) -> String {
        let lanes = match self.pack {
            1 => format!("{}x{}", self.lanes_in, self.lanes_out),
            p => format!(
                "{}x{} ({p} neurons/accumulator)",
                self.lanes_in, self.lanes_out
            ),
        };
        let lanes = match self.requant_sets {
            1 => lanes,
            n => format!("{lanes}, {n} requant sets"),
        };
        let lanes = match self.conv_lanes {
            0 => lanes,
            1 => format!("{lanes}, convolutions checked on 1 lane"),
            n => format!("{lanes}, convolutions checked on {n} lanes"),
        };
        let lanes = match self.raw_rows {
            false => lanes,
            true => format!("{lanes}, pool steps on requant rows"),
        };
        match self.weight_bits {
            0 => lanes,
            w => format!("{lanes}, weights {w} bits finer"),
        }
    }

    /// The circuit parameters for `graph` (quantized with these settings).
    pub fn circuit_params(&self, graph: &QuantizedGraph) -> CircuitParams {
        self.base_params().for_graph(graph)
    }

    /// The circuit parameters these settings fix, before the graph adds which chips it needs.
    fn base_params(&self) -> CircuitParams {
        CircuitParams {
            lanes_in: self.lanes_in,
            lanes_out: self.lanes_out,
            pack: self.pack,
            requant_sets: self.requant_sets,
            conv_lanes: self.conv_lanes,
            raw_rows: self.raw_rows,
            scale: self.scale,
            range_bits: self.range_bits,
            ..CircuitParams::default()
        }
    }
}

/// What the user fixed; the rest is chosen.
#[derive(Clone, Copy, Debug)]
pub struct SettingsChoice {
    /// Fixed scale bits, or `None` to choose in [`SCALES`].
    pub scale: Option<u32>,
    /// Fixed MAC shape `(lanes_in, lanes_out, pack)`, or `None` to choose in [`LANES`] and
    /// [`PACKED_LANES`].
    pub lanes: Option<(usize, usize, usize)>,
    /// Fixed lanes of the convolution check (0: on the MAC chip), or `None` to choose in
    /// [`CONV_LANES`]; a graph without Conv has none either way.
    pub conv_lanes: Option<usize>,
    /// Headroom factor over the largest calibrated magnitude.
    pub headroom: f64,
    /// Whether the input is public: copied into the chosen [`Settings`].
    pub public_input: bool,
    /// Fixed extra fractional bits of dense and convolution layers' weights, or `None` to let the
    /// search weigh them ([`crate::accuracy::choose_accurate`]).
    pub weight_bits: Option<u32>,
}

/// How far beyond the calibrated values the range check and the function tables reach.
pub const HEADROOM: f64 = 2.0;

/// Each function table's real domain: its calibrated input span times `headroom` on each side of 0.
pub fn table_domains(peaks: &Peaks, headroom: f64) -> TableDomains {
    peaks
        .tables
        .iter()
        .map(|(f, (lo, hi))| (*f, (lo * headroom, hi * headroom)))
        .collect()
}

impl Default for SettingsChoice {
    fn default() -> Self {
        Self {
            scale: None,
            lanes: None,
            conv_lanes: None,
            headroom: HEADROOM,
            public_input: false,
            weight_bits: None,
        }
    }
}

/// MAC shapes considered by default: `(activations per row, neurons per row)`. Wider ones (e.g. 16,8)
/// prove a little faster still but every weight column costs the on-chain verifier about 8k gas and 370
/// bytes, so they are only used when asked for (`--lanes`).
pub const LANES: [(usize, usize); 6] = [(2, 1), (4, 1), (4, 2), (8, 2), (8, 4), (16, 4)];

/// Widths of the convolution check the search tries on a graph with convolutions (0: on the MAC chip).
pub const CONV_LANES: [usize; 4] = [0, 2, 4, 8];

/// Packed MAC shapes considered by default: `(activations per row, accumulators per row, neurons per
/// accumulator)`. A packed row does `in x out x pack` multiplications with `in x out` weight columns
/// (at most 64, as the widest plain shape); each group then needs unpack rows, so few-input layers are
/// better off plain, which the search weighs by the proving work.
pub const PACKED_LANES: [(usize, usize, usize); 10] = [
    (8, 1, 4),
    (8, 1, 7),
    (16, 1, 4),
    (16, 1, 7),
    (8, 2, 7),
    (16, 2, 4),
    (16, 2, 7),
    (32, 1, 7),
    (32, 2, 7),
    (16, 4, 7),
];

pub use crate::search::choose_for_peak;
pub use zkinfer_circuits::estimate::proving_work;

/// Scale bits considered when choosing automatically: at least 10 fractional bits (a resolution of about
/// 0.001, which keeps the MLPs' outputs within ~0.005 of float); `--scale` goes lower for speed, and so
/// does the search with finer weights, only to a smaller circuit no further from float
/// ([`crate::accuracy::FINER_MIN_SCALE`]).
pub const SCALES: std::ops::RangeInclusive<u32> = 10..=13;

/// What calibration measured: the largest magnitude of any range-checked value, and the span of the input
/// of each tabulated function.
#[derive(Clone, Debug, Default)]
pub struct Peaks {
    /// Largest magnitude of any range-checked value over the samples.
    pub global: f64,
    /// The span `(min, max)` of each tabulated function's input over the samples.
    pub tables: TableDomains,
}

/// Per-candidate figures, for reporting.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// Largest magnitude of any range-checked value over the samples.
    pub peak: f64,
    /// Each function table's real domain (its calibrated input span times the headroom).
    pub table_domains: TableDomains,
    /// Number of calibration samples.
    pub samples: usize,
    /// The candidate's settings (the winner's, once chosen).
    pub settings: Settings,
    /// log2 of the rows the circuit needs with these settings.
    pub k: u32,
}

/// The range bits needed to hold `magnitude` at scale `2^scale` (sign included).
pub fn range_bits_for(magnitude: f64, scale: u32) -> u32 {
    let units = (magnitude * f64::from(1u32 << scale)).ceil().max(1.0);
    (units.log2().floor() as u32)
        .saturating_add(2)
        .max(scale + 1)
}

/// The largest magnitude any range-checked value (and each function's input) reaches over the samples
/// (each: one list per input).
pub fn calibrate_peak(graph: &FloatGraph, samples: &[Vec<Vec<f64>>]) -> Result<Peaks> {
    if samples.is_empty() {
        return Err(ModelError::Calibration("no samples".into()));
    }
    let mut out = Peaks::default();
    for sample in samples {
        let (_, spans) = graph.eval(sample)?;
        // A value that overflows f64 (or is NaN) has no fixed-point range: refuse the model here
        // rather than size the circuit from it.
        if let Some(i) = spans
            .iter()
            .position(|(lo, hi)| !lo.is_finite() || !hi.is_finite())
        {
            let node = graph.nodes.get(i).map_or("?", |n| n.name.as_str());
            return Err(ModelError::Calibration(format!(
                "layer '{node}' computes a value that is not finite (overflow or NaN) on the calibration input"
            )));
        }
        out.global = spans.iter().fold(out.global, |m, s| m.max(magnitude(*s)));
        for (f, (lo, hi)) in graph.table_spans(&spans) {
            let e = out.tables.entry(f).or_insert((0.0, 0.0));
            *e = (e.0.min(lo), e.1.max(hi));
        }
    }
    Ok(out)
}

/// Choose settings from calibration samples (each: one list per input).
pub fn choose(
    graph: &FloatGraph,
    samples: &[Vec<Vec<f64>>],
    choice: &SettingsChoice,
) -> Result<(QuantizedGraph, Calibration)> {
    let peaks = calibrate_peak(graph, samples)?;
    choose_for_peak(graph, &peaks, samples.len(), choice)
}

/// The estimated proving work of `q` laid out with `settings` at `2^k` rows
/// ([`proving_work`]).
pub fn layout_work(q: &QuantizedGraph, settings: &Settings, k: u32) -> u64 {
    let params = settings.circuit_params(q);
    proving_work(k, params.columns(), params.tuple_lookups())
}

/// Whether `q` laid out with `settings` is predicted to have a deployable verifying-key contract
/// ([`fits_evm`]).
pub fn layout_deploys(q: &QuantizedGraph, settings: &Settings) -> bool {
    let params = settings.circuit_params(q);
    fits_evm(&params, params.columns())
}

#[cfg(test)]
mod tests {
    use super::range_bits_for;

    #[test]
    fn range_bits_hold_the_magnitude_with_sign() {
        // 10.0 at scale 7 is 1280 -> needs 11 bits of magnitude + sign = 12; bound 2048 > 1280.
        assert_eq!(range_bits_for(10.0, 7), 12);
        assert!(1i64 << (range_bits_for(10.0, 7) - 1) > 1280);
        // 1.0 at scale 7 is 128 = 2^7 -> bound must exceed 128: 9 bits (bound 256).
        assert_eq!(range_bits_for(1.0, 7), 9);
        assert_eq!(range_bits_for(0.0, 7), 8);
    }
}

/// Settings remembered for a model (by ONNX hash) so that every command builds the same circuit.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredSettings {
    /// The settings (each command then sets `public_input` from its own flags).
    pub settings: Settings,
    /// Largest calibrated magnitude and how many samples it came from.
    pub peak: f64,
    /// The calibrated span `(min, max)` of each tabulated function's input (absent: no table
    /// activations); the tables cover it times [`HEADROOM`].
    #[serde(default)]
    pub table_spans: TableDomains,
    /// How many calibration samples `peak` and `table_spans` came from.
    pub samples: usize,
    /// Where the samples came from (a file, or the proving input).
    pub source: String,
}

impl StoredSettings {
    /// Parse a settings file (as `zkinfer calibrate -o` writes it) and [`check`](Self::check) it;
    /// `label` names it in errors.
    pub fn from_json(bytes: &[u8], label: &str) -> Result<Self> {
        let bad = |msg: String| ModelError::Input {
            path: label.to_string(),
            msg,
        };
        let stored: StoredSettings = serde_json::from_slice(bytes)
            .map_err(|e| bad(format!("not a zkinfer settings file: {e}")))?;
        stored.check().map_err(bad)?;
        Ok(stored)
    }

    /// Whether these settings are ones calibration could have chosen: parameters the circuit supports,
    /// finite peaks, table spans inside 4 times the peak (a stepped table's inputs), and range bits that hold the peak with headroom (so
    /// nothing sized from them, tables included, can be larger than the range table).
    pub fn check(&self) -> std::result::Result<(), String> {
        if !valid_weight_bits(self.settings.weight_bits) {
            return Err(format!(
                "weight_bits {} is not an even number from 0 to {MAX_WEIGHT_BITS}",
                self.settings.weight_bits
            ));
        }
        let s = &self.settings;
        s.base_params().check()?;
        if !self.peak.is_finite() || self.peak < 0.0 {
            return Err(format!("peak {} is not a finite magnitude", self.peak));
        }
        let needed = range_bits_for(self.peak * HEADROOM, s.scale);
        if needed > s.range_bits {
            return Err(format!(
                "peak {} needs {needed} range bits at scale 2^{}, the settings have {}",
                self.peak, s.scale, s.range_bits
            ));
        }
        // A stepped table's input is its row's value times 2^step (at most 4): the rows are range-checked
        // within the peak, the function inputs within 4 times it.
        for (f, &(lo, hi)) in &self.table_spans {
            let inside = magnitude((lo, hi)) <= self.peak * 4.0;
            if !(lo.is_finite() && hi.is_finite() && lo <= hi && inside) {
                return Err(format!(
                    "table span of {f:?} [{lo}, {hi}] is not inside 4 times the peak {}",
                    self.peak
                ));
            }
        }
        Ok(())
    }

    /// The calibrated peaks these settings were chosen from.
    pub fn peaks(&self) -> Peaks {
        Peaks {
            global: self.peak,
            tables: self.table_spans.clone(),
        }
    }

    /// `graph` quantized with these settings.
    pub fn quantize(&self, graph: &FloatGraph) -> QuantizedGraph {
        graph.quantize_with_weight_bits(
            self.settings.scale,
            self.settings.range_bits,
            &table_domains(&self.peaks(), HEADROOM),
            self.settings.weight_bits,
        )
    }
}
