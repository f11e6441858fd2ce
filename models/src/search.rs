//! The settings search: every scale, MAC shape, convolution-check width and requant-set count a graph
//! may take, each laid out (its [`Cost`]) and ranked by estimated proving work, then columns, then the
//! negated scale, a verifying-key contract predicted to deploy under EIP-170 first.
//! [`crate::accuracy::choose_accurate`] wraps it with the accuracy guard and the finer weights.
//!
//! Laying out a shape means lowering the graph, and lowering a big convolution onto MAC groups is
//! most of the search's time (cifar_vgg: 28 s of calibration); such shapes are bounded first
//! ([`Cost::mac_rows_bound`]) and lowered only when the bound could beat the best of the others
//! (cifar_vgg's calibration then took 9.0 s, cifar_cnn's 4.8 -> 2.5 s, the same settings chosen).

use crate::error::{ModelError, Result};
use crate::float_graph::FloatGraph;
use crate::settings::{
    range_bits_for, table_domains, Calibration, Peaks, Settings, SettingsChoice, CONV_LANES, LANES,
    PACKED_LANES, SCALES,
};
use rayon::prelude::*;
use zkinfer_circuits::chips::requant::{valid_weight_bits, MAX_WEIGHT_BITS};
use zkinfer_circuits::chips::requant_rows::MAX_REQUANT_SETS;
use zkinfer_circuits::circuit::{MAX_CONV_LANES, MAX_RANGE_BITS, MAX_SCALE};
use zkinfer_circuits::estimate::{fits_evm, proving_work};
use zkinfer_circuits::{CircuitParams, Cost, OpKind, QuantizedGraph};

/// A layout's rank: estimated proving work, then columns (a cheaper verifier), then the negated scale.
type Rank = (u64, usize, i64);

/// A layout as [`rank_layouts`] returns it: its rank, settings, `k` and whether it fits EIP-170.
type Ranked = (Rank, Settings, u32, bool);

/// A MAC shape `(lanes_in, lanes_out, pack)`, convolution-check lanes, pool steps on requant rows.
type Shape = ((usize, usize, usize), usize, bool);

/// A bound below the rank (`(does not fit EIP-170, rank)`) of every layout [`rank_layouts`] returns
/// for `plain`, from [`Cost::mac_rows_bound`] alone: more requant sets only add columns.
fn rank_bound(q: &QuantizedGraph, plain: Settings) -> Result<(bool, Rank)> {
    let params = plain.circuit_params(q);
    let cost = Cost {
        mac_rows: Cost::mac_rows_bound(q, &params)?,
        ..Cost::default()
    };
    let (rank, _, fits) = rank_of(&params, &cost, plain.scale);
    Ok((!fits, rank))
}

/// The rank, `k` and EIP-170 fit of a layout with `params` that costs `cost`.
fn rank_of(params: &CircuitParams, cost: &Cost, scale: u32) -> (Rank, u32, bool) {
    let k = cost.min_k(params.blinding_rows());
    let columns = params.columns();
    let work = proving_work(k, columns, params.tuple_lookups());
    let rank = (work, columns.0 + columns.1, -i64::from(scale));
    (rank, k, fits_evm(params, columns))
}

/// The rank and `k` of `plain`'s layout and, when `search` (the shape was not fixed by the user), of
/// the same layout with one more requant set for as long as the requant rows are the tallest (up to
/// [`MAX_REQUANT_SETS`]) and its verifying-key contract is predicted to fit EIP-170. Each layout comes
/// with whether it fits ([`fits_evm`]).
fn rank_layouts(q: &QuantizedGraph, plain: Settings, search: bool) -> Result<Vec<Ranked>> {
    let rank = |settings: Settings| -> Result<(Ranked, Cost)> {
        let params = settings.circuit_params(q);
        let cost = Cost::of(q, &params)?;
        let (rank, k, fits) = rank_of(&params, &cost, settings.scale);
        Ok(((rank, settings, k, fits), cost))
    };
    let (first, mut cost) = rank(plain)?;
    let mut fits = first.3;
    let mut out = vec![first];
    let mut sets = plain.requant_sets;
    while search && fits && sets < MAX_REQUANT_SETS && cost.requant_rows == cost.rows() {
        sets += 1;
        let (next, next_cost) = rank(Settings {
            requant_sets: sets,
            ..plain
        })?;
        fits = next.3;
        out.push(next);
        cost = next_cost;
    }
    Ok(out)
}

/// Every layout of each of `plains` (`(settings, convolutions on the MAC chip)`), in their order, as
/// [`rank_layouts`] ranks them; `floor`: the best rank found before. Shapes with convolutions on the
/// MAC chip are lowered only when their [`rank_bound`] could beat the best of the others and `floor`
/// (lowering a big convolution into MAC groups is most of the search's time); every layout of such a
/// shape ranks at or above its bound, so the choice is the same as lowering all of them.
fn rank_shapes(
    q: &QuantizedGraph,
    plains: &[(Settings, bool)],
    search: bool,
    floor: Option<(bool, Rank)>,
) -> Result<Vec<Ranked>> {
    let mut ranked: Vec<Option<Vec<Ranked>>> = plains
        .par_iter()
        .map(|(plain, on_mac)| match on_mac {
            true => Ok(None),
            false => rank_layouts(q, *plain, search).map(Some),
        })
        .collect::<Result<_>>()?;
    let floor = ranked
        .iter()
        .flatten()
        .flatten()
        .map(|(rank, _, _, fits)| (!fits, *rank))
        .chain(floor)
        .min();
    let later: Vec<(usize, Vec<Ranked>)> = plains
        .par_iter()
        .enumerate()
        .filter(|(_, (_, on_mac))| *on_mac)
        .map(|(i, (plain, _))| match rank_bound(q, *plain)? {
            bound if floor.is_some_and(|f| bound > f) => Ok(None),
            _ => rank_layouts(q, *plain, search).map(|r| Some((i, r))),
        })
        .filter_map(Result::transpose)
        .collect::<Result<_>>()?;
    for (i, r) in later {
        ranked[i] = Some(r);
    }
    Ok(ranked.into_iter().flatten().flatten().collect())
}

/// A one-line refusal of a fixed scale, weight width or convolution width the circuits do not support.
fn refuse_unsupported(choice: &SettingsChoice) -> Result<()> {
    if let Some(s) = choice.scale.filter(|s| !(1..=MAX_SCALE).contains(s)) {
        return Err(ModelError::Calibration(format!(
            "scale 2^{s} is not supported: choose 1 to {MAX_SCALE} fractional bits"
        )));
    }
    if let Some(w) = choice.weight_bits.filter(|w| !valid_weight_bits(*w)) {
        return Err(ModelError::Calibration(format!(
            "{w} weight bits are not supported: choose an even number from 0 to {MAX_WEIGHT_BITS}"
        )));
    }
    if let Some(n) = choice.conv_lanes.filter(|n| *n > MAX_CONV_LANES) {
        return Err(ModelError::Calibration(format!(
            "{n} convolution lanes are not supported: choose 0 (convolutions on the MAC chip) to \
             {MAX_CONV_LANES}"
        )));
    }
    Ok(())
}

/// Choose settings for values reaching the calibrated `peaks`.
pub fn choose_for_peak(
    graph: &FloatGraph,
    peaks: &Peaks,
    samples: usize,
    choice: &SettingsChoice,
) -> Result<(QuantizedGraph, Calibration)> {
    refuse_unsupported(choice)?;
    let peak = peaks.global;
    let table_domains = table_domains(peaks, choice.headroom);
    let magnitude = peak * choice.headroom;
    let scales: Vec<u32> = match choice.scale {
        Some(s) => vec![s],
        None => SCALES.collect(),
    };
    // Lexicographic choice: a verifying-key contract predicted to deploy (EIP-170) when any layout has
    // one, then least estimated proving work, then fewest columns (a cheaper verifier), then the
    // largest scale.
    let mut best: Option<(QuantizedGraph, Calibration, (bool, Rank))> = None;
    for scale in scales {
        let range_bits = range_bits_for(magnitude, scale);
        if range_bits > MAX_RANGE_BITS {
            continue;
        }
        let weight_bits = choice.weight_bits.unwrap_or(0);
        let q = graph.quantize_with_weight_bits(scale, range_bits, &table_domains, weight_bits);
        let lanes: Vec<(usize, usize, usize)> = choice.lanes.map_or_else(
            || {
                let plain = LANES.iter().map(|(i, o)| (*i, *o, 1));
                plain.chain(PACKED_LANES).collect()
            },
            |l| vec![l],
        );
        // Each shape's cost is computed in parallel (a big model's lowering dominates the search); the
        // choice then walks them in order, so ties go to the earlier shape as before.
        // A graph with convolutions also tries them on the convolution check, at each width.
        let has_conv = q.nodes.iter().any(|n| matches!(n.op, OpKind::Conv(_)));
        let convs: Vec<usize> = match (has_conv, choice.conv_lanes) {
            (false, _) => vec![0],
            (true, Some(n)) => vec![n],
            (true, None) => CONV_LANES.to_vec(),
        };
        // A graph with maxima over raw accumulators also tries their sums on requant rows.
        let raws: Vec<bool> = match q.nodes.iter().any(|n| match &n.op {
            OpKind::RawSum(r) => r.sum_slots().is_some(),
            _ => false,
        }) {
            true => vec![false, true],
            false => vec![false],
        };
        let shapes: Vec<Shape> = lanes
            .iter()
            .flat_map(|l| convs.iter().map(move |c| (*l, *c)))
            .flat_map(|(l, c)| raws.iter().map(move |r| (l, c, *r)))
            .collect();
        let plain_of = |&((lanes_in, lanes_out, pack), conv_lanes, raw_rows): &Shape| Settings {
            scale,
            range_bits,
            lanes_in,
            lanes_out,
            pack,
            requant_sets: 1,
            conv_lanes,
            raw_rows,
            weight_bits,
            public_input: choice.public_input,
        };
        let plains: Vec<(Settings, bool)> = shapes
            .iter()
            .map(|s| (plain_of(s), has_conv && s.1 == 0))
            .collect();
        let floor = best.as_ref().map(|(_, _, r)| *r);
        let ranked = rank_shapes(&q, &plains, choice.lanes.is_none(), floor)?;
        for (rank, settings, k, fits) in ranked {
            let rank = (!fits, rank);
            if best.as_ref().is_none_or(|(_, _, r)| rank < *r) {
                best = Some((
                    q.clone(),
                    Calibration {
                        peak,
                        table_domains: table_domains.clone(),
                        samples,
                        settings,
                        k,
                    },
                    rank,
                ));
            }
        }
    }
    best.map(|(q, c, _)| (q, c)).ok_or_else(|| {
        ModelError::Calibration(format!(
            "values up to {peak:.3e} need more than 24 range bits at every scale"
        ))
    })
}
