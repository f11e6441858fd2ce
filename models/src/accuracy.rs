//! The accuracy guard: a proof shows the integer model's output, so the integer model must agree with
//! the float one, or zkinfer refuses to choose its settings. After calibration every layer's
//! dequantized output is compared with the float model's over the calibration samples; a layer is
//! accepted when its largest error is at most [`TOLERANCE`] of that layer's peak |x| (but never asked
//! for better than [`FLOOR_STEPS`] of a quantization step: the rounding of the output itself, which
//! no constant can avoid). A coarse constant (a mean's `1/n`, a pool's `1/area`, a folded BatchNorm factor, a
//! division by a constant, quantized at the activation scale) shows up as a relative error and fails
//! this. [`choose_accurate`] then raises the scale (finer constants) until every layer passes, or
//! refuses with the layer, its error and the flag.
//!
//! Dense and convolution weights are most of a quantized MLP's or CNN's error: a weight held at `2^-s`
//! is off by up to `2^-(s+1)`, and an output sums hundreds of them times activations of magnitude about
//! 1 (the activations' own roundings are multiplied by weights of magnitude `1/sqrt(n)`). Held
//! [`FINER_WEIGHT_BITS`] finer (the requant chip's fine rescale: two advice columns per requant set,
//! no lookup), cifar_cnn's output error at `2^12` falls from 0.0069 to 0.0014 at the same `k`.
//! (A convolution that a max-pool reads raw keeps its weights at `2^s`: the max compares sums at
//! `2^(2s)`.) [`choose_accurate`] weighs it for every graph with a dense or convolution layer when the
//! weight bits are not fixed: the finer layout is taken when it at least halves the graph outputs'
//! error over the samples for at most [`FINER_WEIGHTS_WORK`] times the estimated proving work. Since
//! the weights' precision, not the activations', is then most of the error, finer weights may also
//! take the activations below the default scales' floor (`2^10`, down to `2^`[`FINER_MIN_SCALE`]),
//! but only to a circuit of a lower `k` whose outputs are no further from float than the default
//! choice's: mlp_digits at `2^9` with weights at `2^13` fits `k=10` where `2^10` needs `k=11`.

use crate::error::{ModelError, Result};
use crate::float_graph::{FloatGraph, FloatOp};
use crate::report::layer_report;
use crate::settings::{
    choose_for_peak, layout_deploys, layout_work, Calibration, Peaks, SettingsChoice,
};
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

/// The extra fractional bits dense and convolution weights are offered by default (module docs).
pub const FINER_WEIGHT_BITS: u32 = 4;

/// Finer weights are taken when they cost at most this factor of the estimated proving work ...
pub const FINER_WEIGHTS_WORK: f64 = 1.25;

/// ... and the graph outputs' largest error falls to at most this fraction of what it was.
pub const FINER_WEIGHTS_ERROR: f64 = 0.5;

/// With finer weights the settings search may go this far below the default scales' floor: only to a
/// smaller circuit whose outputs are no further from float than the default's (module docs).
pub const FINER_MIN_SCALE: u32 = 8;

/// The largest error of the graph's outputs among `layers` (one per float node, as [`check`] gives).
pub fn output_error(graph: &FloatGraph, layers: &[LayerAccuracy]) -> f64 {
    graph
        .outputs
        .iter()
        .filter_map(|i| layers.get(*i))
        .map(|l| l.max_error)
        .fold(0.0, f64::max)
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
/// layer and the flag. A graph with dense or convolution layers also gets [`FINER_WEIGHT_BITS`] when
/// the weight bits are not fixed and they pay (module docs).
pub fn choose_accurate(
    graph: &FloatGraph,
    peaks: &Peaks,
    samples: &[Vec<Vec<f64>>],
    choice: &SettingsChoice,
) -> Result<(QuantizedGraph, Calibration, Vec<LayerAccuracy>)> {
    let base = choose_guarded(graph, peaks, samples, choice)?;
    let weighted = graph.nodes.iter().any(|n| {
        matches!(
            n.op,
            FloatOp::Dense(_) | FloatOp::Conv(zkinfer_circuits::ops::Conv { raw: false, .. })
        )
    });
    if choice.weight_bits.is_some() || !weighted {
        return Ok(base);
    }
    if let Some(smaller) = smaller_with_finer_weights(graph, peaks, samples, choice, &base)? {
        return Ok(smaller);
    }
    let finer_choice = SettingsChoice {
        weight_bits: Some(FINER_WEIGHT_BITS),
        ..*choice
    };
    // Finer weights that no scale makes accurate (or that do not fit) leave the plain choice.
    let Ok(finer) = choose_guarded(graph, peaks, samples, &finer_choice) else {
        return Ok(base);
    };
    let cheap = work(&finer) as f64 <= FINER_WEIGHTS_WORK * work(&base) as f64;
    let better =
        output_error(graph, &finer.2) <= FINER_WEIGHTS_ERROR * output_error(graph, &base.2);
    Ok(if cheap && better && deploys_if(&finer, &base) {
        finer
    } else {
        base
    })
}

type Chosen = (QuantizedGraph, Calibration, Vec<LayerAccuracy>);

fn work((q, cal, _): &Chosen) -> u64 {
    layout_work(q, &cal.settings, cal.k)
}

/// Whether `candidate`'s verifying-key contract is predicted to deploy whenever `base`'s is: finer
/// weights never trade a deployable verifier for speed or accuracy.
fn deploys_if((q, cal, _): &Chosen, (bq, bcal, _): &Chosen) -> bool {
    layout_deploys(q, &cal.settings) || !layout_deploys(bq, &bcal.settings)
}

/// With finer weights, a scale one or two below `base`'s (so possibly below the default's floor,
/// [`crate::settings::SCALES`], down to [`FINER_MIN_SCALE`]) whose circuit is smaller (a lower `k`)
/// than `base`'s, whose outputs are no further from float on the samples and whose verifying-key
/// contract deploys when `base`'s does: the least work of those, if any (not when the scale is fixed).
fn smaller_with_finer_weights(
    graph: &FloatGraph,
    peaks: &Peaks,
    samples: &[Vec<Vec<f64>>],
    choice: &SettingsChoice,
    base: &Chosen,
) -> Result<Option<Chosen>> {
    if choice.scale.is_some() {
        return Ok(None);
    }
    let base_error = output_error(graph, &base.2);
    let mut best: Option<Chosen> = None;
    // Two scales below the default's at most: each is a whole layout search (seconds on a big model).
    let lowest = base.0.scale.saturating_sub(2).max(FINER_MIN_SCALE);
    for scale in lowest..base.0.scale {
        let at = SettingsChoice {
            scale: Some(scale),
            weight_bits: Some(FINER_WEIGHT_BITS),
            ..*choice
        };
        let Ok((q, cal)) = choose_for_peak(graph, peaks, samples.len(), &at) else {
            continue;
        };
        if cal.k >= base.1.k {
            continue;
        }
        let layers = check(graph, &q, samples)?;
        if !layers.iter().all(LayerAccuracy::passes) || output_error(graph, &layers) > base_error {
            continue;
        }
        let candidate = (q, cal, layers);
        if !deploys_if(&candidate, base) {
            continue;
        }
        if best.as_ref().is_none_or(|b| work(&candidate) < work(b)) {
            best = Some(candidate);
        }
    }
    Ok(best)
}

/// [`choose_accurate`] for the weight bits `choice` fixes (0 when it fixes none).
fn choose_guarded(
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
