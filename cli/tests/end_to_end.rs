//! End to end through the CLI binary on the zoo models: prove, verify natively, verify in revm, and the
//! rejections: a flipped proof byte, a changed public output, edited human-readable outputs, and the
//! verifying key / Solidity verifier of another model (natively and in revm).

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(v).expect("json")).expect("write");
}

/// Prove `model` with its calibration file, check outputs against the float reference the zoo script
/// computed, verify natively and in the EVM, and check the tampered variants are rejected both ways.
fn prove_verify_and_tamper(dir: &Path, model: &str, tolerance: f64) {
    prove_verify_and_tamper_with(dir, model, tolerance, &[]);
}

/// [`prove_verify_and_tamper`] with more `prove` flags; returns what `prove` printed.
fn prove_verify_and_tamper_with(dir: &Path, model: &str, tolerance: f64, flags: &[&str]) -> String {
    let onnx = zoo(model, "network.onnx");
    let input = zoo(model, "input.json");
    let cal = zoo(model, "cal.json");
    let mut args = vec![
        "prove",
        onnx.to_str().unwrap(),
        input.to_str().unwrap(),
        "--calibration",
        cal.to_str().unwrap(),
        "-o",
        "proof.json",
    ];
    args.extend_from_slice(flags);
    let out = ok(zkinfer(dir, &args));
    assert!(out.contains("circuit    k="), "{out}");

    let expected: Vec<f64> = read_json(&zoo(model, "expected_output.json"))["output_data"][0]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_f64().expect("number"))
        .collect();
    let proof = read_json(&dir.join("proof.json"));
    let values: Vec<f64> = proof["outputs"][0]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(values.len(), expected.len());
    for (i, (v, e)) in values.iter().zip(&expected).enumerate() {
        assert!(
            (v - e).abs() <= tolerance,
            "{model} output {i}: proven {v}, float {e}"
        );
    }
    assert_eq!(
        printed_output(&out),
        values
            .iter()
            .map(|v| format!("{v:.4}").parse::<f64>().unwrap())
            .collect::<Vec<_>>()
    );

    let verified = ok(zkinfer(dir, &["verify", "proof.json"]));
    assert!(verified.starts_with("verified:"), "{verified}");
    let evm = ok(zkinfer(dir, &["verify-evm", "proof.json"]));
    assert!(evm.contains("evm verify: PASS, gas used"), "{evm}");
    check_gas_profile(&evm);
    let exported = ok(zkinfer(
        dir,
        &["export-verifier", onnx.to_str().unwrap(), "-o", "evm"],
    ));
    assert!(exported.contains("vk.json"), "{exported}");
    assert!(!exported.contains("EXCEEDS"), "{exported}");
    ok(zkinfer(
        dir,
        &["verify-evm", "proof.json", "--exported", "evm"],
    ));

    // A flipped byte in the middle of the proof.
    let mut flipped = proof.clone();
    let mut bytes = hex_bytes(proof["proof"].as_str().unwrap());
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    flipped["proof"] = Value::String(format!("0x{}", hex_str(&bytes)));
    write_json(&dir.join("flipped.json"), &flipped);
    fails_with(zkinfer(dir, &["verify", "flipped.json"]), "proof rejected");
    fails_with(zkinfer(dir, &["verify-evm", "flipped.json"]), "REJECTED");

    // A changed public output, with the human-readable outputs changed to match: only the proof can tell.
    let mut changed = proof.clone();
    // Outputs end just before the binding word, the last instance; output 0 ends before the others.
    let later: usize = changed["outputs"].as_array().unwrap()[1..]
        .iter()
        .map(|o| o["quantized"].as_array().unwrap().len())
        .sum();
    let last_output = changed["instances"].as_array().unwrap().len() - 2 - later;
    let idx = values.len() - 1;
    let q = changed["outputs"][0]["quantized"][idx].as_i64().unwrap();
    let scale = changed["outputs"][0]["scale"].as_u64().unwrap() as i32;
    changed["outputs"][0]["quantized"][idx] = Value::from(q + 1);
    changed["outputs"][0]["values"][idx] = Value::from((q + 1) as f64 / 2f64.powi(scale));
    changed["instances"][last_output] = Value::String(field_hex(q + 1));
    write_json(&dir.join("changed.json"), &changed);
    fails_with(zkinfer(dir, &["verify", "changed.json"]), "proof rejected");
    fails_with(zkinfer(dir, &["verify-evm", "changed.json"]), "REJECTED");

    // Edited outputs that no longer match the proven instances.
    let mut edited = proof.clone();
    edited["outputs"][0]["values"][0] = Value::from(123.0);
    write_json(&dir.join("edited.json"), &edited);
    fails_with(zkinfer(dir, &["verify", "edited.json"]), "do not decode");
    out
}

fn hex_bytes(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex_str(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A signed integer as the 32-byte big-endian field word proof.json uses.
fn field_hex(v: i64) -> String {
    let f = zkinfer_circuits::fixed_point::to_field(v);
    zkinfer_prover::artifact::fr_to_hex(&f)
}

/// The witness is deterministic (same input: same instances and outputs, bit for bit) while the proof's
/// blinding is fresh each time (proof bytes differ). halo2-axiom 0.5.3 draws part of the blinding from
/// `thread_rng` whatever RNG the caller passes, so proof bytes cannot be made reproducible by a seed.
#[test]
fn witness_is_deterministic_and_blinding_is_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let (onnx, input) = (
        zoo("mlp_digits", "network.onnx"),
        zoo("mlp_digits", "input.json"),
    );
    let cal = zoo("mlp_digits", "cal.json");
    let prove = |out: &str| {
        let args = [
            "prove",
            onnx.to_str().unwrap(),
            input.to_str().unwrap(),
            "--calibration",
            cal.to_str().unwrap(),
            "-o",
            out,
        ];
        ok(zkinfer(dir.path(), &args));
        ok(zkinfer(dir.path(), &["verify", out]));
        read_json(&dir.path().join(out))
    };
    let (a, b) = (prove("a.json"), prove("b.json"));
    assert_eq!(a["instances"], b["instances"]);
    assert_eq!(a["outputs"], b["outputs"]);
    assert_ne!(a["proof"], b["proof"], "two proofs with identical blinding");
}

#[test]
fn cnn_tiny_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "cnn_tiny", 0.01);
}

/// The same CNN with its convolutions on the convolution check (a second-phase challenge): proved by
/// halo2's prover, verified natively and by the EVM verifier, tampers rejected both ways.
#[test]
fn cnn_tiny_on_the_convolution_check_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = prove_verify_and_tamper_with(dir.path(), "cnn_tiny", 0.01, &["--conv-lanes", "2"]);
    assert!(out.contains("convolution check "), "{out}");
}

/// Max-pools that alone read a convolution pool its exact sums before the rescale (raw relu steps),
/// on the MAC chip and on the convolution check.
#[test]
fn conv_pool_pools_raw_sums_end_to_end() {
    for flags in [&[][..], &["--conv-lanes", "2"][..]] {
        let dir = tempfile::tempdir().unwrap();
        prove_verify_and_tamper_with(dir.path(), "conv_pool", 0.01, flags);
    }
}

/// The same model with its pool steps summed on requant rows (the `raw sum` gate), fixed through a
/// settings file: proved, verified natively and in the EVM, and a tampered output rejected.
#[test]
fn conv_pool_with_steps_on_requant_rows_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let (onnx, cal, input) = (
        zoo("conv_pool", "network.onnx"),
        zoo("conv_pool", "cal.json"),
        zoo("conv_pool", "input.json"),
    );
    let (onnx, cal, input) = (
        onnx.to_str().unwrap(),
        cal.to_str().unwrap(),
        input.to_str().unwrap(),
    );
    ok(zkinfer(
        dir.path(),
        &["calibrate", onnx, "--data", cal, "-o", "settings.json"],
    ));
    let mut settings = read_json(&dir.path().join("settings.json"));
    settings["settings"]["raw_rows"] = Value::Bool(true);
    write_json(&dir.path().join("raw.json"), &settings);
    ok(zkinfer(
        dir.path(),
        &[
            "prove",
            onnx,
            input,
            "--settings",
            "raw.json",
            "-o",
            "proof.json",
        ],
    ));
    let proof = read_json(&dir.path().join("proof.json"));
    assert_eq!(proof["circuit_params"]["raw_rows"], Value::Bool(true));
    ok(zkinfer(dir.path(), &["verify", "proof.json"]));
    let evm = ok(zkinfer(dir.path(), &["verify-evm", "proof.json"]));
    assert!(evm.contains("evm verify: PASS"), "{evm}");
    let mut changed = proof.clone();
    let q = changed["outputs"][0]["quantized"][0].as_i64().unwrap();
    let scale = changed["outputs"][0]["scale"].as_u64().unwrap() as i32;
    changed["outputs"][0]["quantized"][0] = Value::from(q + 1);
    changed["outputs"][0]["values"][0] = Value::from((q + 1) as f64 / 2f64.powi(scale));
    let at = changed["instances"].as_array().unwrap().len() - 2 - 4;
    changed["instances"][at] = Value::String(field_hex(q + 1));
    write_json(&dir.path().join("changed.json"), &changed);
    fails_with(
        zkinfer(dir.path(), &["verify", "changed.json"]),
        "proof rejected",
    );
    fails_with(
        zkinfer(dir.path(), &["verify-evm", "changed.json"]),
        "REJECTED",
    );
}

#[test]
fn affine_gather_reduce_and_max_models_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "bn_affine", 0.01);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "slice_concat", 1e-9);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "reduce_pool", 0.01);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "maxpool_clip", 0.01);
}

#[test]
fn smooth_activations_prelu_softmax_and_attention_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "smooth_act", 0.02);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "prelu", 0.01);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "softmax", 0.005);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "attention", 0.01);
}

/// Token ids in, logits out: a token embedding (`Embedding` lookups), a causal mask before the softmax,
/// compared with onnxruntime's logits.
#[test]
fn decoder_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "decoder", 0.03);
}

/// A GAN generator (ConvTranspose, Elu) and a random forest as a tensor program (comparisons, Equal,
/// ArgMax), compared with onnxruntime.
#[test]
fn gan_and_forest_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "gan", 0.02);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "forest", 0.01);
}

/// LSTM and GRU sequence classifiers (unrolled recurrences), compared with onnxruntime.
#[test]
fn lstm_and_gru_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "lstm", 0.01);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "gru", 0.01);
}

/// skl2onnx's logistic regression (its label), linear regression and LinearSVC (its label), compared
/// with onnxruntime.
#[test]
fn skl2onnx_models_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "logreg", 1e-9);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "linreg", 0.01);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "linsvc", 1e-9);
}

/// skl2onnx's random forest and gradient boosting, classifiers (TreeEnsembleClassifier: labels exact)
/// and regressors (TreeEnsembleRegressor), against onnxruntime.
#[test]
fn skl2onnx_tree_ensembles_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "skforest", 1e-9);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "boosted", 1e-9);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "binforest", 1e-9);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "forestreg", 0.01);
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "boostreg", 0.01);
}

#[test]
fn tiny_linear_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    // Weights and inputs are exact multiples of 1/16: the quantized result is exact.
    prove_verify_and_tamper(dir.path(), "tiny_linear", 1e-9);
}

#[test]
fn public_input_is_an_instance_and_bound_by_the_proof() {
    let dir = tempfile::tempdir().unwrap();
    let (onnx, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    ok(zkinfer(
        dir.path(),
        &[
            "prove",
            onnx.to_str().unwrap(),
            input.to_str().unwrap(),
            "--public-input",
            "--bind",
            "0x2a",
        ],
    ));
    let proof = read_json(&dir.path().join("proof.json"));
    assert_eq!(proof["public_input"], Value::Bool(true));
    // 8 input elements, then 4 outputs, then the binding word; instance 0 is the first input element
    // at scale 2^s.
    let instances = proof["instances"].as_array().unwrap();
    assert_eq!(instances.len(), 8 + 4 + 1);
    assert_eq!(instances[12].as_str().unwrap(), field_hex(42));
    let scale = proof["circuit_params"]["scale"].as_u64().unwrap() as i32;
    let first: f64 = read_json(&input)["input_data"][0][0].as_f64().unwrap();
    assert_eq!(
        instances[0].as_str().unwrap(),
        field_hex((first * 2f64.powi(scale)).round() as i64)
    );
    ok(zkinfer(dir.path(), &["verify", "proof.json"]));
    ok(zkinfer(dir.path(), &["verify-evm", "proof.json"]));
    // Claiming another input: rejected natively and in the EVM.
    let mut other = proof.clone();
    other["instances"][0] = Value::String(field_hex((first * 2f64.powi(scale)).round() as i64 + 1));
    write_json(&dir.path().join("other_input.json"), &other);
    fails_with(
        zkinfer(dir.path(), &["verify", "other_input.json"]),
        "proof rejected",
    );
    fails_with(
        zkinfer(dir.path(), &["verify-evm", "other_input.json"]),
        "REJECTED",
    );
    // The same proof bytes with another binding word (another payee, job, market or chain: the
    // market's tag is this word): rejected natively and in the EVM.
    for word in [43, 0] {
        let mut rebound = proof.clone();
        rebound["instances"][12] = Value::String(field_hex(word));
        write_json(&dir.path().join("rebound.json"), &rebound);
        fails_with(
            zkinfer(dir.path(), &["verify", "rebound.json"]),
            "proof rejected",
        );
        fails_with(
            zkinfer(dir.path(), &["verify-evm", "rebound.json"]),
            "REJECTED",
        );
    }
    // A word that is not a field element is refused before anything runs.
    fails_with(
        zkinfer(
            dir.path(),
            &[
                "prove",
                onnx.to_str().unwrap(),
                input.to_str().unwrap(),
                "--bind",
                "42",
            ],
        ),
        "0x-hex",
    );
}

/// `--hashed-input`: the input stays private, the first instance is its Poseidon commitment (what
/// `zkinfer commit --hashed-input` prints, computed by the native circom-compatible hash), and a proof
/// cannot be passed off as one of another input.
#[test]
fn hashed_input_binds_the_proof_to_a_poseidon_commitment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (onnx, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    let (onnx, input) = (onnx.to_str().unwrap(), input.to_str().unwrap());
    ok(zkinfer(d, &["prove", onnx, input, "--hashed-input"]));
    let proof = read_json(&d.join("proof.json"));
    assert_eq!(proof["circuit_params"]["hashed_input"], Value::Bool(true));
    let instances = proof["instances"].as_array().unwrap();
    assert_eq!(
        instances.len(),
        1 + 4 + 1,
        "the commitment, the 4 outputs, the binding word"
    );
    // (`--input-visibility hashed` is the same as `--hashed-input`.)
    let committed = zkinfer(d, &["commit", onnx, input, "--input-visibility", "hashed"]);
    let printed = common::stderr(&committed);
    assert!(
        printed.contains(instances[0].as_str().unwrap()),
        "commit printed {printed}, the proof's first instance is {}",
        instances[0]
    );
    ok(zkinfer(d, &["verify", "proof.json"]));
    ok(zkinfer(d, &["verify-evm", "proof.json"]));

    // Another input's commitment in place of this one: rejected natively and in the EVM.
    let mut values: Value = read_json(Path::new(input));
    values["input_data"][0][0] = Value::from(values["input_data"][0][0].as_f64().unwrap() + 0.5);
    write_json(&d.join("other_input_data.json"), &values);
    let other = zkinfer(
        d,
        &["commit", onnx, "other_input_data.json", "--hashed-input"],
    );
    let other_line = common::stderr(&other);
    let other_hash = other_line
        .split_whitespace()
        .find(|w| w.starts_with("0x") && w.len() == 66)
        .expect("a commitment");
    assert_ne!(other_hash, instances[0].as_str().unwrap());
    let mut claimed = proof.clone();
    claimed["instances"][0] = Value::String(other_hash.to_string());
    write_json(&d.join("claimed.json"), &claimed);
    fails_with(zkinfer(d, &["verify", "claimed.json"]), "proof rejected");
    fails_with(zkinfer(d, &["verify-evm", "claimed.json"]), "REJECTED");
}

#[test]
fn mlp_digits_end_to_end_and_foreign_keys_rejected() {
    let dir = tempfile::tempdir().unwrap();
    prove_verify_and_tamper(dir.path(), "mlp_digits", 0.25);

    // Another model's circuit, key and verifier in the same cache.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let tiny = zoo("tiny_linear", "network.onnx");
    let tiny_in = zoo("tiny_linear", "input.json");
    let cache = dir.path();
    let run = |args: &[&str]| zkinfer(cache, args);
    ok(run(&[
        "prove",
        tiny.to_str().unwrap(),
        tiny_in.to_str().unwrap(),
        "-o",
        "other/proof.json",
    ]));
    ok(run(&[
        "export-verifier",
        tiny.to_str().unwrap(),
        "-o",
        "other/evm",
    ]));
    ok(run(&[
        "export-verifier",
        tiny.to_str().unwrap(),
        "--legacy",
        "-o",
        "other/Verifier.sol",
    ]));
    let tiny_hash = read_json(&other.join("proof.json"))["circuit_hash"]
        .as_str()
        .unwrap()
        .to_string();
    let tiny_vk = dir.path().join("keys").join(&tiny_hash).join("vk.bin");
    assert!(tiny_vk.exists());

    // Natively: the CLI refuses the key by its binding, and the cryptography refuses it too.
    fails_with(
        run(&["verify", "proof.json", "--vk", tiny_vk.to_str().unwrap()]),
        "verifying key is for circuit",
    );
    let artifact = zkinfer_prover::ProofArtifact::read(&dir.path().join("proof.json")).unwrap();
    let key = zkinfer_prover::keys::read_vk(&tiny_vk).unwrap();
    let verdict = zkinfer_prover::proof::verify(
        &key.params,
        &key.vk,
        &artifact.instances().unwrap(),
        &artifact.proof_bytes().unwrap(),
    );
    assert!(
        verdict.is_err(),
        "a proof verified under another model's key"
    );
    // In the EVM: the other model's verifying-key contract, and its snark-verifier verifier, revert.
    fails_with(
        run(&["verify-evm", "proof.json", "--exported", "other/evm"]),
        "REJECTED",
    );
    fails_with(
        run(&[
            "verify-evm",
            "proof.json",
            "--verifier",
            "other/Verifier.sol",
        ]),
        "REJECTED",
    );
}

/// `calibrate` on the zoo digits MLP: per-layer report, quantized argmax agreement >= 99% and accuracy
/// within 1 point of float on its labelled test set, and a settings file that `prove --settings` uses.
#[test]
fn calibrate_reports_accuracy_and_writes_settings() {
    let dir = tempfile::tempdir().unwrap();
    let (onnx, cal, test) = (
        zoo("mlp_digits", "network.onnx"),
        zoo("mlp_digits", "cal.json"),
        zoo("mlp_digits", "test.json"),
    );
    let out = ok(zkinfer(
        dir.path(),
        &[
            "calibrate",
            onnx.to_str().unwrap(),
            "--data",
            cal.to_str().unwrap(),
            "--report",
            test.to_str().unwrap(),
            "-o",
            "settings.json",
        ],
    ));
    assert!(
        out.contains("fc1") && out.contains("Dense"),
        "per-layer lines: {out}"
    );
    let line = out
        .lines()
        .find(|l| l.starts_with("report on 120 samples"))
        .expect("report line");
    let number = |key: &str| -> f64 {
        let rest = &line[line.find(key).unwrap_or_else(|| panic!("{key} in {line}")) + key.len()..];
        rest.trim()
            .split(|c: char| c == ',' || c.is_whitespace())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (float, quant, agree) = (
        number("float accuracy"),
        number("quantized accuracy"),
        number("argmax agreement"),
    );
    assert!(agree >= 0.99, "{line}");
    assert!((float - quant).abs() <= 0.01, "{line}");
    let settings = read_json(&dir.path().join("settings.json"));
    let scale = settings["settings"]["scale"].as_u64().unwrap();
    let input = zoo("mlp_digits", "input.json");
    ok(zkinfer(
        dir.path(),
        &[
            "prove",
            onnx.to_str().unwrap(),
            input.to_str().unwrap(),
            "--settings",
            "settings.json",
        ],
    ));
    assert_eq!(
        read_json(&dir.path().join("proof.json"))["circuit_params"]["scale"]
            .as_u64()
            .unwrap(),
        scale
    );
    ok(zkinfer(dir.path(), &["verify", "proof.json"]));
}

/// The gas profile `verify-evm` prints: one pairing of two pairs (EIP-1108: 45,000 + 2 x 34,000 gas), ecMul
/// at 6,000 gas a call, and parts that add up to the total.
fn check_gas_profile(out: &str) {
    let lines: Vec<(String, u64)> = out
        .lines()
        .skip_while(|l| !l.starts_with("gas profile"))
        .skip(1)
        .map(|l| {
            let (label, rest) = l.trim().split_once("  ").unwrap();
            let gas = rest.split_whitespace().next().unwrap().parse().unwrap();
            (label.trim().to_string(), gas)
        })
        .collect();
    let gas_of = |label: &str| -> u64 {
        lines
            .iter()
            .find(|(l, _)| l.starts_with(label))
            .unwrap_or_else(|| panic!("no '{label}' line in:\n{out}"))
            .1
    };
    assert_eq!(gas_of("ecPairing x1"), 113_000, "{out}");
    assert_eq!(gas_of("transaction base"), 21_000, "{out}");
    let parts: u64 = lines.iter().skip(1).map(|(_, gas)| gas).sum();
    assert_eq!(lines[0].0, "total", "{out}");
    assert_eq!(parts, lines[0].1, "{out}");
    let (label, gas) = lines
        .iter()
        .find(|(l, _)| l.starts_with("ecMul x"))
        .unwrap();
    let calls: u64 = label["ecMul x".len()..].parse().unwrap();
    assert!(calls >= 10, "{out}");
    assert_eq!(*gas, 6_000 * calls, "{out}");
}

/// A salted `--hashed-input` commitment: `commit --new-salt` writes the input with a random salt, the
/// proof's first instance is the salted commitment, the unsalted one differs and is rejected with the
/// salted proof, and an unsalted commitment carries a warning.
#[test]
fn salted_hashed_input_is_proven_and_bound() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (onnx, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    let (onnx, input) = (onnx.to_str().unwrap(), input.to_str().unwrap());
    let commitment_of = |out: &std::process::Output| {
        common::stderr(out)
            .split_whitespace()
            .find(|w| w.starts_with("0x") && w.len() == 66)
            .expect("a commitment")
            .to_string()
    };
    let unsalted = zkinfer(d, &["commit", onnx, input, "--hashed-input"]);
    assert!(common::stderr(&unsalted).contains("has no salt"));
    let salted = zkinfer(
        d,
        &[
            "commit",
            onnx,
            input,
            "--hashed-input",
            "--new-salt",
            "salted.json",
        ],
    );
    assert!(salted.status.success(), "{}", common::stderr(&salted));
    let (plain_c, salted_c) = (commitment_of(&unsalted), commitment_of(&salted));
    assert_ne!(plain_c, salted_c);
    let salt = read_json(&d.join("salted.json"))["salt"].clone();
    assert!(salt.as_str().is_some_and(|s| s.len() == 66), "{salt}");
    // Salting twice is refused; so is a salt without --hashed-input.
    fails_with(
        zkinfer(
            d,
            &[
                "commit",
                onnx,
                "salted.json",
                "--hashed-input",
                "--new-salt",
                "again.json",
            ],
        ),
        "already has a salt",
    );
    fails_with(
        zkinfer(d, &["commit", onnx, input, "--new-salt", "x.json"]),
        "--hashed-input",
    );

    ok(zkinfer(
        d,
        &["prove", onnx, "salted.json", "--hashed-input"],
    ));
    let proof = read_json(&d.join("proof.json"));
    assert_eq!(proof["instances"][0].as_str().unwrap(), salted_c);
    ok(zkinfer(d, &["verify", "proof.json"]));
    ok(zkinfer(d, &["verify-evm", "proof.json"]));
    let mut claimed = proof.clone();
    claimed["instances"][0] = Value::String(plain_c);
    write_json(&d.join("claimed.json"), &claimed);
    fails_with(zkinfer(d, &["verify", "claimed.json"]), "proof rejected");
    fails_with(zkinfer(d, &["verify-evm", "claimed.json"]), "REJECTED");
    // A malformed salt is one clear error.
    let mut bad = read_json(&d.join("salted.json"));
    bad["salt"] = Value::String("0xzz".into());
    write_json(&d.join("bad_salt.json"), &bad);
    fails_with(
        zkinfer(d, &["prove", onnx, "bad_salt.json", "--hashed-input"]),
        "salt",
    );
}
