//! The library end to end on a bundled model, in a fresh cache: a `Prover` reports its phases,
//! `verify` accepts only against a key the caller trusts (the model, a key file whose SRS is allowed,
//! a pinned hash) and refuses a proof of another circuit, a rebound or padded instance list; the EVM
//! export verifies in revm, round-trips through its files and rejects a tampered proof; `inspect`
//! and `bench` describe the same circuit.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;
use zkinfer::verifying::{KeyOrigin, KeySrs};
use zkinfer::{
    load_model, prepare, verify, Calibration, EvmVerifier, Overrides, Phase, Progress, Prover,
    SrsPolicy, TrustedKey,
};
use zkinfer_circuits::Fr;
use zkinfer_prover::artifact::fr_to_hex;
use zkinfer_prover::ProofArtifact;

fn zoo(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../models/zoo/tiny_linear")
        .join(file)
}

/// One fresh cache for every test of this binary, set before any of them reads it.
fn fresh_cache() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        std::env::set_var("ZKINFER_CACHE", dir);
    });
}

fn input() -> Vec<Vec<f64>> {
    let model = load_model(&zoo("network.onnx")).unwrap();
    zkinfer_models::read_input_file(&zoo("input.json"))
        .unwrap()
        .single(&model.graph.input_sizes())
        .unwrap()
}

fn dev() -> Overrides {
    Overrides {
        insecure_dev_srs: true,
        ..Overrides::default()
    }
}

fn prepared(o: Overrides) -> zkinfer::Prepared {
    fresh_cache();
    let model = load_model(&zoo("network.onnx")).unwrap();
    prepare(model, Calibration::Input(&input()), o).unwrap()
}

fn prover(o: Overrides, progress: Arc<dyn Progress>) -> Prover {
    let prep = prepared(o);
    let srs = prep.srs().unwrap();
    Prover::load_with_progress(prep, srs, progress).unwrap()
}

#[derive(Default)]
struct Log(Mutex<Vec<(Phase, bool, Option<Duration>)>>);

impl Progress for Log {
    fn begin(&self, phase: Phase, expected: Option<Duration>) {
        self.0.lock().unwrap().push((phase, true, expected));
    }
    fn end(&self, phase: Phase, _took: Duration) {
        self.0.lock().unwrap().push((phase, false, None));
    }
}

fn refusal(r: zkinfer::Result<impl Sized>) -> String {
    match r {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted"),
    }
}

#[test]
fn prover_reports_each_phase_with_a_prediction_for_proving() {
    let log = Arc::new(Log::default());
    let p = prover(dev(), log.clone());
    p.prove_input(&input(), None, Fr::from(3)).unwrap();
    let events = log.0.lock().unwrap().clone();
    let phases: Vec<(Phase, bool)> = events.iter().map(|e| (e.0, e.1)).collect();
    use Phase::*;
    assert_eq!(
        phases,
        [
            (Keygen, true),
            (Keygen, false),
            (Witness, true),
            (Witness, false),
            (Prove, true),
            (Prove, false),
            (Verify, true),
            (Verify, false)
        ]
    );
    let predicted = events.iter().find(|e| e.0 == Prove && e.1).unwrap().2;
    assert!(predicted.is_some_and(|d| d > Duration::ZERO));
}

#[test]
fn verify_trusts_the_model_a_known_key_file_or_a_pinned_hash_only() {
    let p = prover(dev(), Arc::new(zkinfer::Silent));
    let proof = p.prove_input(&input(), None, Fr::from(7)).unwrap();

    let from_model = TrustedKey::from_model(&p.prep, &p.srs).unwrap();
    assert_eq!(from_model.key.hash, p.vk.hash, "recomputed = generated");
    assert!(matches!(from_model.origin, KeyOrigin::Model(_)));
    let v = verify(&proof, &from_model).unwrap();
    assert_eq!((v.k, v.instances), (p.prep.k, 4 + 1));

    // The cached key file: its SRS is this machine's development SRS, refused unless allowed.
    let strict = SrsPolicy::default();
    let msg = refusal(TrustedKey::for_proof(&proof, None, &strict));
    assert!(msg.contains("--insecure-dev-srs"), "{msg}");
    let lenient = SrsPolicy {
        insecure_dev_srs: true,
        ..SrsPolicy::default()
    };
    let file = TrustedKey::for_proof(&proof, None, &lenient).unwrap();
    assert!(file.srs.insecure() && file.srs != KeySrs::Unknown);
    verify(&proof, &file).unwrap();

    let key_file = || zkinfer_prover::keys::read_vk(&p.prep.store().vk_path()).unwrap();
    let pinned = TrustedKey::pinned(key_file(), &p.vk.hash).unwrap();
    verify(&proof, &pinned).unwrap();
    let msg = refusal(TrustedKey::pinned(key_file(), &"0".repeat(64)));
    assert!(msg.contains("pinned"), "{msg}");

    // Outputs decoded at another scale, or claimed parameters that are not the key's: refused.
    let mut rescaled = proof.clone();
    rescaled.outputs[0].scale = 0;
    rescaled.outputs[0].values = rescaled.outputs[0]
        .quantized
        .iter()
        .map(|q| *q as f64)
        .collect();
    let msg = refusal(verify(&rescaled, &from_model));
    assert!(msg.contains("scale"), "{msg}");
    let mut other_params = proof.clone();
    other_params.circuit_params.lanes_in += 1;
    let msg = refusal(verify(&other_params, &from_model));
    assert!(msg.contains("circuit parameters"), "{msg}");

    // Another binding word, or one instance too many: refused before or by the verifier.
    let mut rebound = proof.clone();
    *rebound.instances.last_mut().unwrap() = fr_to_hex(&Fr::from(8));
    assert!(verify(&rebound, &from_model).is_err());
    let mut padded = proof.clone();
    padded.instances.insert(0, fr_to_hex(&Fr::from(0)));
    let msg = refusal(verify(&padded, &from_model));
    assert!(
        msg.contains("6 public instances, the circuit has 5"),
        "{msg}"
    );
}

#[test]
fn a_proof_of_another_circuit_is_refused_by_the_models_key() {
    let private = prover(dev(), Arc::new(zkinfer::Silent));
    let public = prover(
        Overrides {
            public_input: true,
            ..dev()
        },
        Arc::new(zkinfer::Silent),
    );
    assert_ne!(private.prep.circuit_hash, public.prep.circuit_hash);
    let proof: ProofArtifact = public.prove_input(&input(), None, Fr::from(0)).unwrap();
    let key = TrustedKey::from_model(&private.prep, &private.srs).unwrap();
    let msg = refusal(verify(&proof, &key));
    assert!(msg.contains("proven for circuit"), "{msg}");
}

#[test]
fn the_evm_export_verifies_round_trips_and_rejects_a_tampered_proof() {
    let p = prover(dev(), Arc::new(zkinfer::Silent));
    let proof = p.prove_input(&input(), None, Fr::from(9)).unwrap();
    let (instances, bytes) = (proof.instances().unwrap(), proof.proof_bytes().unwrap());
    let evm = EvmVerifier::of(&p.vk).unwrap();
    let run = evm.verify(&instances, &bytes).unwrap();
    assert!(run.accepted);
    assert!(run.gas_used > 100_000 && run.vk_contract_bytes == evm.vk_contract_bytes);

    let dir = tempfile::tempdir().unwrap();
    let (sol, vk) = evm.write(dir.path()).unwrap();
    assert!(sol.exists() && vk.exists());
    let read = EvmVerifier::read(dir.path()).unwrap();
    assert_eq!(read.data.data, evm.data.data);
    assert_eq!(
        read.verifier.runtime, evm.verifier.runtime,
        "fresh compile = shipped"
    );
    assert!(read.verify(&instances, &bytes).unwrap().accepted);

    let mut tampered = bytes.clone();
    tampered[100] ^= 1;
    assert!(!evm.verify(&instances, &tampered).unwrap().accepted);
    let mut rebound = instances.clone();
    *rebound.last_mut().unwrap() = Fr::from(10);
    assert!(!evm.verify(&rebound, &bytes).unwrap().accepted);
}

#[test]
fn inspect_and_bench_describe_the_same_circuit() {
    let prep = prepared(Overrides {
        measure_only: true,
        ..dev()
    });
    let i = prep.inspect();
    assert_eq!((i.estimate.k, i.cost), (prep.k, prep.cost));
    assert_eq!(i.settings, prep.stored.settings);
    let srs = prep.srs().unwrap();
    let r = zkinfer::bench::bench(&prep, &srs, &input(), 1, true).unwrap();
    assert_eq!((r.k, r.rows, r.runs), (prep.k, prep.cost.rows(), 1));
    assert!(r.evm_gas.is_some_and(|g| g > 100_000));
    assert!(r.proof_bytes > 0 && r.seconds.prove > 0.0);
    let msg = refusal(zkinfer::bench::bench(&prep, &srs, &input(), 0, false));
    assert!(msg.contains("--runs"), "{msg}");
}
