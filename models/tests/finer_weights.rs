//! Dense and convolution weights held finer than the activations (`Settings::weight_bits`, the requant
//! chip's fine rescale): the quantized graph weighs at `2^(s+w)`, its outputs are closer to float than with
//! weights at `2^s`, and `choose_accurate` takes them only when they pay (a smaller circuit no further
//! from float, or at most a quarter more estimated work for at most half the output error) unless the
//! user fixed the weight bits.

use std::path::Path;
use zkinfer_circuits::OpKind;
use zkinfer_models::accuracy::{
    check, choose_accurate, output_error, FINER_WEIGHTS_ERROR, FINER_WEIGHTS_WORK,
    FINER_WEIGHT_BITS,
};
use zkinfer_models::settings::{calibrate_peak, layout_work, SettingsChoice};
use zkinfer_models::OnnxModel;

fn zoo(name: &str) -> (OnnxModel, Vec<Vec<Vec<f64>>>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("zoo").join(name);
    let model = zkinfer_models::load_onnx(&dir.join("network.onnx")).expect("imports");
    let samples = zkinfer_models::read_input_file(&dir.join("cal.json"))
        .expect("calibration")
        .samples(&model.graph.input_sizes())
        .expect("samples");
    (model, samples)
}

fn chosen(
    model: &OnnxModel,
    samples: &[Vec<Vec<f64>>],
    weight_bits: Option<u32>,
) -> (
    zkinfer_circuits::QuantizedGraph,
    zkinfer_models::settings::Calibration,
    f64,
) {
    let peaks = calibrate_peak(&model.graph, samples).unwrap();
    let choice = SettingsChoice {
        weight_bits,
        ..SettingsChoice::default()
    };
    let (q, cal, layers) = choose_accurate(&model.graph, &peaks, samples, &choice).unwrap();
    let error = output_error(&model.graph, &layers);
    (q, cal, error)
}

/// The same weights held [`FINER_WEIGHT_BITS`] finer: `2^w` apart up to the rounding of each, and
/// not all exactly (the finer ones carry information the coarse ones lost).
fn assert_finer(coarse: &[i64], finer: &[i64]) {
    let w = 1i64 << FINER_WEIGHT_BITS;
    assert_eq!(coarse.len(), finer.len());
    assert!(coarse
        .iter()
        .zip(finer)
        .all(|(c, f)| (c * w - f).abs() <= w / 2));
    assert!(coarse.iter().zip(finer).any(|(c, f)| c * w != *f));
}

#[test]
fn finer_weights_quantize_dense_layers_finer_and_cut_the_output_error() {
    let (model, samples) = zoo("mlp_digits");
    let (plain, plain_cal, plain_error) = chosen(&model, &samples, Some(0));
    let (fine, fine_cal, fine_error) = chosen(&model, &samples, Some(FINER_WEIGHT_BITS));
    assert_eq!(plain_cal.settings.weight_bits, 0);
    assert_eq!(fine_cal.settings.weight_bits, FINER_WEIGHT_BITS);
    assert_eq!(plain.weight_bits(), 0);
    assert_eq!(fine.weight_bits(), FINER_WEIGHT_BITS);
    // The same layer's weights, 2^w apart up to the rounding of each (at the same scale).
    assert_eq!(plain.scale, fine.scale);
    let dense = |g: &zkinfer_circuits::QuantizedGraph| -> Vec<i64> {
        g.nodes
            .iter()
            .find_map(|n| match &n.op {
                OpKind::Dense(d) => Some(d.weights.clone()),
                _ => None,
            })
            .expect("a dense layer")
    };
    assert_finer(&dense(&plain), &dense(&fine));
    // Recomputed here from the layers' figures: the outputs move closer to float.
    let again = check(&model.graph, &fine, &samples).unwrap();
    assert_eq!(output_error(&model.graph, &again), fine_error);
    assert!(
        fine_error < 0.5 * plain_error,
        "{fine_error} against {plain_error}"
    );
}

#[test]
fn the_default_takes_finer_weights_only_when_they_pay() {
    for name in ["mlp_digits", "cnn_tiny", "tiny_linear"] {
        let (model, samples) = zoo(name);
        let (q, cal, error) = chosen(&model, &samples, None);
        let (pq, pcal, plain_error) = chosen(&model, &samples, Some(0));
        let work = |q, cal: &zkinfer_models::settings::Calibration| {
            layout_work(q, &cal.settings, cal.k) as f64
        };
        assert_eq!(q.weight_bits(), cal.settings.weight_bits, "{name}");
        if cal.settings.weight_bits == 0 {
            assert_eq!(
                (cal.settings, error),
                (pcal.settings, plain_error),
                "{name}"
            );
            continue;
        }
        assert_eq!(cal.settings.weight_bits, FINER_WEIGHT_BITS, "{name}");
        // Either a smaller circuit no further from float, or at most a quarter more work for at most
        // half the error.
        let smaller = cal.k < pcal.k && error <= plain_error;
        let pays = work(&q, &cal) <= FINER_WEIGHTS_WORK * work(&pq, &pcal)
            && error <= FINER_WEIGHTS_ERROR * plain_error;
        assert!(
            smaller || pays,
            "{name}: {cal:?} ({error}) against {pcal:?} ({plain_error})"
        );
    }
    // mlp_digits: with weights at 2^13 its activations can go to 2^9 (below the default floor of
    // 2^10) and the circuit to k=10, its outputs closer to float than at 2^10 with weights at 2^10.
    let (model, samples) = zoo("mlp_digits");
    let (_, cal, error) = chosen(&model, &samples, None);
    let (_, pcal, plain_error) = chosen(&model, &samples, Some(0));
    assert_eq!(cal.settings.weight_bits, FINER_WEIGHT_BITS);
    assert!(
        cal.settings.scale < pcal.settings.scale && cal.k < pcal.k,
        "{cal:?}"
    );
    assert!(error <= plain_error, "{error} against {plain_error}");
}

/// The weights of the graph's first convolution and whether it is raw.
fn first_conv(g: &zkinfer_circuits::QuantizedGraph) -> (Vec<i64>, bool, u32) {
    g.nodes
        .iter()
        .find_map(|n| match &n.op {
            OpKind::Conv(c) => Some((c.weights.clone(), c.raw, c.weight_bits)),
            _ => None,
        })
        .expect("a convolution")
}

#[test]
fn finer_weights_quantize_convolutions_finer_and_cut_their_error() {
    // gan's ConvTranspose layers are convolutions (of a dilated input) with trained-looking weights.
    let (model, samples) = zoo("gan");
    let fixed = |bits| {
        let peaks = calibrate_peak(&model.graph, &samples).unwrap();
        let choice = SettingsChoice {
            weight_bits: Some(bits),
            scale: Some(10),
            ..SettingsChoice::default()
        };
        choose_accurate(&model.graph, &peaks, &samples, &choice).unwrap()
    };
    let (plain, _, plain_layers) = fixed(0);
    let (fine, _, fine_layers) = fixed(FINER_WEIGHT_BITS);
    let ((coarse, false, 0), (finer, false, w)) = (first_conv(&plain), first_conv(&fine)) else {
        panic!("gan's convolution is raw or has the wrong weight bits")
    };
    assert_eq!(w, FINER_WEIGHT_BITS);
    assert_finer(&coarse, &finer);
    // The convolution's own output (the first layer whose op is Conv) moves closer to float.
    let conv_error = |layers: &[zkinfer_models::accuracy::LayerAccuracy]| {
        layers
            .iter()
            .find(|l| l.op == "Conv")
            .expect("a Conv layer")
            .max_error
    };
    assert!(
        conv_error(&fine_layers) < conv_error(&plain_layers),
        "{} against {}",
        conv_error(&fine_layers),
        conv_error(&plain_layers)
    );
}

#[test]
fn a_convolution_read_raw_by_its_max_pool_keeps_its_weights_at_the_scale() {
    let (model, samples) = zoo("conv_pool");
    let peaks = calibrate_peak(&model.graph, &samples).unwrap();
    let choice = SettingsChoice {
        weight_bits: Some(FINER_WEIGHT_BITS),
        ..SettingsChoice::default()
    };
    let (q, cal, _) = choose_accurate(&model.graph, &peaks, &samples, &choice).unwrap();
    let raw: Vec<u32> = q
        .nodes
        .iter()
        .filter_map(|n| match &n.op {
            OpKind::Conv(c) if c.raw => Some(c.weight_bits),
            _ => None,
        })
        .collect();
    assert!(!raw.is_empty(), "conv_pool has no raw convolution");
    assert!(raw.iter().all(|w| *w == 0), "{raw:?}");
    assert_eq!(cal.settings.weight_bits, FINER_WEIGHT_BITS);
}

#[test]
fn odd_or_too_many_weight_bits_are_refused_by_name() {
    let (model, samples) = zoo("mlp_digits");
    let peaks = calibrate_peak(&model.graph, &samples).unwrap();
    for bits in [3, 10] {
        let choice = SettingsChoice {
            weight_bits: Some(bits),
            ..SettingsChoice::default()
        };
        let Err(err) = choose_accurate(&model.graph, &peaks, &samples, &choice) else {
            panic!("{bits} weight bits were accepted");
        };
        assert!(err.to_string().contains("weight bits"), "{err}");
    }
}
