//! The accuracy guard: a proof shows the integer model's output, so the integer model must agree with
//! the float one, or zkinfer refuses to choose its settings. After calibration every layer's
//! dequantized output is compared with the float model's over the calibration samples; a layer is
//! accepted when its largest error is at most [`TOLERANCE`] of that layer's peak |x| (but never asked
//! for better than [`FLOOR_STEPS`] of a quantization step: the rounding of the output itself, which
//! no constant can avoid). A coarse constant (a mean's `1/n`, a pool's `1/area`, a folded BatchNorm factor, a
//! division by a constant, quantized at the activation scale) shows up as a relative error and fails
//! this. [`choose_accurate`] then raises the scale (finer constants) until every layer passes, or
//! refuses with the layer, its error and the flag.

use crate::error::{ModelError, Result};
use crate::float_graph::FloatGraph;
use crate::report::layer_report;
use crate::settings::{choose_for_peak, Calibration, Peaks, SettingsChoice};
use zkinfer_circuits::circuit::MAX_SCALE;
use zkinfer_circuits::QuantizedGraph;

/// A layer's largest error may be this fraction of its peak |x|.
pub const TOLERANCE: f64 = 0.01;

/// ... but is never required to be below this many quantization steps (`2^-scale` each): half a step
/// is the rounding of the layer's own output. (Every bundled and bench model passed with the same
/// settings as before the guard at 0.5, 1 and 8; a layer whose outputs are a few steps tall is what
/// a larger floor would let through at 2% off and more, see the BatchNorm test.)
pub const FLOOR_STEPS: f64 = 0.5;

/// One layer's figure, as the guard checked it.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerAccuracy {
    /// The layer's node name.
    pub name: String,
    /// The op's short name.
    pub op: &'static str,
    /// Its largest float |x| over the samples.
    pub peak: f64,
    /// Its largest |float - dequantized| over the samples.
    pub max_error: f64,
    /// The error allowed: `max(TOLERANCE · peak, FLOOR_STEPS · 2^-scale)`.
    pub allowed: f64,
}

impl LayerAccuracy {
    /// Whether the layer is within its allowance.
    pub fn passes(&self) -> bool {
        self.max_error <= self.allowed
    }

    /// The error as a fraction of the peak (0 for a layer that is always 0).
    pub fn relative(&self) -> f64 {
        if self.peak > 0.0 {
            self.max_error / self.peak
        } else {
            0.0
        }
    }
}

/// Every layer of `quantized` against `float` over `samples`.
pub fn check(
    float: &FloatGraph,
    quantized: &QuantizedGraph,
    samples: &[Vec<Vec<f64>>],
) -> Result<Vec<LayerAccuracy>> {
    let floor = FLOOR_STEPS / f64::from(1u32 << quantized.scale);
    Ok(layer_report(float, quantized, samples)?
        .into_iter()
        .map(|l| {
            let peak = l.min.abs().max(l.max.abs());
            LayerAccuracy {
                name: l.name,
                op: l.op,
                peak,
                max_error: l.max_error,
                allowed: (TOLERANCE * peak).max(floor),
            }
        })
        .collect())
}

/// The layer furthest beyond (or closest to) its allowance.
pub fn worst(layers: &[LayerAccuracy]) -> Option<&LayerAccuracy> {
    layers
        .iter()
        .max_by(|a, b| (a.max_error / a.allowed).total_cmp(&(b.max_error / b.allowed)))
}

/// Settings as [`choose_for_peak`] chooses them, checked by the guard on `samples`; when a layer fails
/// and the scale is not fixed, the next larger scales are tried (up to `2^MAX_SCALE` or the range
/// bits' limit). Returns the per-layer figures of the accepted settings, or refuses with the worst
/// layer and the flag.
pub fn choose_accurate(
    graph: &FloatGraph,
    peaks: &Peaks,
    samples: &[Vec<Vec<f64>>],
    choice: &SettingsChoice,
) -> Result<(QuantizedGraph, Calibration, Vec<LayerAccuracy>)> {
    let (q, cal) = choose_for_peak(graph, peaks, samples.len(), choice)?;
    let layers = check(graph, &q, samples)?;
    if layers.iter().all(LayerAccuracy::passes) {
        return Ok((q, cal, layers));
    }
    let first = (cal.settings.scale, layers);
    let mut last_tried = first.0;
    if choice.scale.is_none() {
        for scale in cal.settings.scale + 1..=MAX_SCALE {
            let finer = SettingsChoice {
                scale: Some(scale),
                ..*choice
            };
            let Ok((q, cal)) = choose_for_peak(graph, peaks, samples.len(), &finer) else {
                break; // the range check no longer fits: larger scales will not either
            };
            last_tried = scale;
            let layers = check(graph, &q, samples)?;
            if layers.iter().all(LayerAccuracy::passes) {
                return Ok((q, cal, layers));
            }
        }
    }
    let fix = match choice.scale {
        Some(s) if s < MAX_SCALE => format!("a larger --scale may fix it (up to {MAX_SCALE})"),
        Some(_) => "no larger scale exists".to_string(),
        None if last_tried == MAX_SCALE => {
            format!(
                "no scale up to 2^{MAX_SCALE} brings it within {:.0}%",
                TOLERANCE * 100.0
            )
        }
        None => format!(
            "scales up to 2^{last_tried} were tried, and larger ones need more range bits than the \
             circuit has"
        ),
    };
    Err(refusal(first.0, &first.1, &fix))
}

fn refusal(scale: u32, layers: &[LayerAccuracy], fix: &str) -> ModelError {
    let Some(w) = worst(layers) else {
        return ModelError::Calibration("no layers to check".into());
    };
    ModelError::Inaccurate {
        layer: w.name.clone(),
        msg: format!(
            "{}: the integer model is off by {:.4} ({:.1}% of the layer's peak |x| {:.4}; at most {:.0}% is \
             accepted) at scale 2^{scale}: {fix}",
            w.op,
            w.max_error,
            100.0 * w.relative(),
            w.peak,
            TOLERANCE * 100.0
        ),
    }
}
