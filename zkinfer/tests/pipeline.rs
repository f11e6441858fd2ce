//! The library's pipeline on a bundled model, in a fresh cache: settings are calibrated on the input
//! and cached, a second preparation reuses them, samples held in memory calibrate as their file does, and
//! refusals are typed errors that name what to do.

use std::path::PathBuf;
use zkinfer::{load_model, prepare, Calibration, Error, Overrides};

fn zoo(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../models/zoo/tiny_linear")
        .join(file)
}

#[test]
fn prepares_caches_settings_and_refuses_with_typed_errors() {
    let cache = tempfile::tempdir().unwrap();
    // The only test in this binary that touches the environment.
    std::env::set_var("ZKINFER_CACHE", cache.path());
    let model = || load_model(&zoo("network.onnx")).unwrap();

    let refused = prepare(model(), Calibration::CachedOnly, Overrides::default());
    match refused {
        Err(Error::Refused(msg)) => assert!(msg.contains("--calibration"), "{msg}"),
        Err(other) => panic!("another error: {other}"),
        Ok(_) => panic!("prepared without settings"),
    }

    let input = zkinfer_models::read_input_file(&zoo("input.json")).unwrap();
    let values = input.single(&model().graph.input_sizes()).unwrap();
    let first = prepare(model(), Calibration::Input(&values), Overrides::default()).unwrap();
    let again = prepare(model(), Calibration::CachedOnly, Overrides::default()).unwrap();
    assert_eq!(
        first.circuit_hash, again.circuit_hash,
        "cached settings reused"
    );
    assert!(first.k >= 4 && first.circuit.num_instances().unwrap() == 4 + 1);

    // No SRS may be made without the development flag.
    match first.srs() {
        Err(Error::Refused(msg)) => assert!(msg.contains("--insecure-dev-srs"), "{msg}"),
        Err(other) => panic!("another error: {other}"),
        Ok(_) => panic!("an SRS without a ceremony or the flag"),
    }
    assert!(matches!(
        load_model(&zoo("missing.onnx")),
        Err(Error::Model(_))
    ));
    samples_in_memory_calibrate_as_their_file_does();
}

/// `prepare` with a calibration file and with the same samples held in memory (the Python package's
/// arrays) choose the same settings; the memory ones are recorded under their label.
fn samples_in_memory_calibrate_as_their_file_does() {
    let model = || load_model(&zoo("network.onnx")).unwrap();
    let measure = Overrides {
        measure_only: true,
        ..Overrides::default()
    };
    let path = zoo("cal.json");
    let from_file = prepare(model(), Calibration::File(&path), measure.clone()).unwrap();
    let mut data = zkinfer_models::read_input_file(&path).unwrap();
    data.path = "calibration samples (test)".into();
    let from_memory = prepare(model(), Calibration::Samples(&data), measure).unwrap();
    assert_eq!(from_file.stored.settings, from_memory.stored.settings);
    assert_eq!(from_file.circuit_hash, from_memory.circuit_hash);
    assert_eq!(from_memory.stored.source, "calibration samples (test)");
    assert_eq!(from_memory.stored.samples, from_file.stored.samples);
    assert!(
        from_file.stored.samples > 1,
        "cal.json holds several samples"
    );
}
