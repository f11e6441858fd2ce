//! A circuit's cached keys are its keys with one SRS: asked for its verifying key with another SRS
//! (another development setup here; an imported ceremony in use), the pipeline makes the keys anew
//! instead of handing back the cached key of the first (which `export-verifier`, `deploy` and `market`
//! would then publish).

use std::path::PathBuf;
use zkinfer::{load_model, prepare, Calibration, Overrides};

#[test]
fn the_verifying_key_is_made_with_the_srs_asked_for() {
    let cache = tempfile::tempdir().unwrap();
    // The only test in this binary: it alone touches the environment.
    std::env::set_var("ZKINFER_CACHE", cache.path());
    let zoo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/zoo/tiny_linear");
    let model = load_model(&zoo.join("network.onnx")).unwrap();
    let cal = zoo.join("cal.json");
    let dev = Overrides {
        insecure_dev_srs: true,
        ..Overrides::default()
    };
    let prep = prepare(model, Calibration::File(&cal), dev).unwrap();
    let first = prep.srs().unwrap();
    let key = prep.verifier_key(&first).unwrap();
    assert_eq!(key.header.srs_hash, first.hash);

    // Another development setup of the same size: the cached one removed, a new tau drawn.
    std::fs::remove_dir_all(cache.path().join("srs")).unwrap();
    let second = prep.srs().unwrap();
    assert_ne!(second.hash, first.hash, "a new setup");
    let again = prep.verifier_key(&second).unwrap();
    assert_eq!(
        again.header.srs_hash, second.hash,
        "the key of the SRS asked for"
    );
    assert_ne!(again.hash, key.hash);
    // And the proving key that goes with it: the prover loads keys made with the same SRS.
    let (_, generated) = prep.proving_key(&second).unwrap();
    assert!(!generated, "made together with the verifying key");
}
