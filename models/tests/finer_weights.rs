//! Dense layers' weights held finer than the activations (`Settings::weight_bits`, the requant chip's
//! fine rescale): the quantized graph weighs at `2^(s+w)`, its outputs are closer to float than with
//! weights at `2^s`, and `choose_accurate` takes them only when they pay (at least half the output
//! error for at most a quarter more estimated work) unless the user fixed the weight bits.

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
    let (coarse, finer) = (dense(&plain), dense(&fine));
    let w = 1i64 << FINER_WEIGHT_BITS;
    assert!(coarse
        .iter()
        .zip(&finer)
        .all(|(c, f)| (c * w - f).abs() <= w / 2));
    assert!(coarse.iter().zip(&finer).any(|(c, f)| c * w != *f));
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
    for name in ["mlp_digits", "cnn_tiny"] {
        let (model, samples) = zoo(name);
        let (q, cal, error) = chosen(&model, &samples, None);
        let (pq, pcal, plain_error) = chosen(&model, &samples, Some(0));
        let (fq, fcal, fine_error) = chosen(&model, &samples, Some(FINER_WEIGHT_BITS));
        let work = |q, cal: &zkinfer_models::settings::Calibration| {
            layout_work(q, &cal.settings, cal.k) as f64
        };
        let pays = work(&fq, &fcal) <= FINER_WEIGHTS_WORK * work(&pq, &pcal)
            && fine_error <= FINER_WEIGHTS_ERROR * plain_error;
        let has_dense = model
            .graph
            .nodes
            .iter()
            .any(|n| matches!(n.op, zkinfer_models::float_graph::FloatOp::Dense(_)));
        let expect = if pays && has_dense {
            FINER_WEIGHT_BITS
        } else {
            0
        };
        assert_eq!(cal.settings.weight_bits, expect, "{name}");
        assert_eq!(q.weight_bits(), expect, "{name}");
        let expected_error = if expect > 0 { fine_error } else { plain_error };
        assert_eq!(error, expected_error, "{name}");
    }
    // mlp_digits' two dense layers: about a fifth more work for about a third of the error.
    let (model, samples) = zoo("mlp_digits");
    assert_eq!(
        chosen(&model, &samples, None).1.settings.weight_bits,
        FINER_WEIGHT_BITS
    );
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
