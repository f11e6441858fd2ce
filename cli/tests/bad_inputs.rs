//! Bad inputs through the CLI binary: each is one clear error line and a non-zero exit, nothing written.

mod common;
use common::*;

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

#[test]
fn missing_model_file() {
    let dir = temp();
    let input = zoo("tiny_linear", "input.json");
    let line = fails_with(
        zkinfer(
            dir.path(),
            &["prove", "/nonexistent/model.onnx", input.to_str().unwrap()],
        ),
        "/nonexistent/model.onnx",
    );
    assert!(line.contains("No such file"), "{line}");
    assert!(!dir.path().join("proof.json").exists());
}

#[test]
fn missing_input_file() {
    let dir = temp();
    let model = zoo("tiny_linear", "network.onnx");
    fails_with(
        zkinfer(
            dir.path(),
            &["prove", model.to_str().unwrap(), "missing_input.json"],
        ),
        "missing_input.json",
    );
}

#[test]
fn malformed_onnx() {
    let dir = temp();
    let bad = dir.path().join("garbage.onnx");
    std::fs::write(&bad, b"this is not a protobuf \x00\x01\x02 at all").unwrap();
    let input = zoo("tiny_linear", "input.json");
    fails_with(
        zkinfer(
            dir.path(),
            &["prove", bad.to_str().unwrap(), input.to_str().unwrap()],
        ),
        "not a valid ONNX model",
    );
    assert!(!dir.path().join("proof.json").exists());
}

#[test]
fn input_of_the_wrong_length() {
    let dir = temp();
    let input = dir.path().join("short.json");
    std::fs::write(&input, r#"{"input_data": [[0.5, 0.25, 0.0]]}"#).unwrap();
    let model = zoo("tiny_linear", "network.onnx");
    let line = fails_with(
        zkinfer(
            dir.path(),
            &["prove", model.to_str().unwrap(), input.to_str().unwrap()],
        ),
        "short.json",
    );
    assert!(
        line.contains("has 3 values") && line.contains("needs 8 (shape [1, 2, 4])"),
        "{line}"
    );
    assert!(!dir.path().join("proof.json").exists());
}

#[test]
fn input_json_not_in_ezkl_format() {
    let dir = temp();
    let input = dir.path().join("weird.json");
    std::fs::write(&input, r#"{"data": [1, 2]}"#).unwrap();
    let model = zoo("tiny_linear", "network.onnx");
    fails_with(
        zkinfer(
            dir.path(),
            &["prove", model.to_str().unwrap(), input.to_str().unwrap()],
        ),
        "input_data",
    );
}

#[test]
fn unsupported_op_is_named_with_its_node() {
    let dir = temp();
    let model = repo().join("models/zoo/testdata/unsupported.onnx");
    let input = repo().join("models/zoo/testdata/unsupported.input.json");
    let line = fails_with(
        zkinfer(
            dir.path(),
            &["prove", model.to_str().unwrap(), input.to_str().unwrap()],
        ),
        "unsupported op",
    );
    assert!(line.contains("'act'") && line.contains("Sign"), "{line}");
}

#[test]
fn unknown_onnx_op_is_named_with_its_node() {
    let dir = temp();
    let model = repo().join("models/zoo/testdata/unknown_op.onnx");
    let input = repo().join("models/zoo/testdata/unsupported.input.json");
    let line = fails_with(
        zkinfer(
            dir.path(),
            &["prove", model.to_str().unwrap(), input.to_str().unwrap()],
        ),
        "unsupported op",
    );
    assert!(
        line.contains("'mystery'") && line.contains("FrobnicateOp"),
        "{line}"
    );
}

#[test]
fn value_outside_the_calibrated_range_names_the_layer() {
    let dir = temp();
    let model = zoo("tiny_linear", "network.onnx");
    let input = zoo("tiny_linear", "input.json");
    // Calibrate on the bundled input, then prove an input 40x larger with the cached settings.
    ok(zkinfer(
        dir.path(),
        &[
            "prove",
            model.to_str().unwrap(),
            input.to_str().unwrap(),
            "-o",
            "first.json",
        ],
    ));
    let big = dir.path().join("big.json");
    std::fs::write(
        &big,
        r#"{"input_data": [[40, -40, 40, -40, 40, -40, 40, -40]]}"#,
    )
    .unwrap();
    let line = fails_with(
        zkinfer(
            dir.path(),
            &["prove", model.to_str().unwrap(), big.to_str().unwrap()],
        ),
        "outside the calibrated range",
    );
    assert!(line.contains("layer 'input'"), "{line}");
    assert!(!dir.path().join("proof.json").exists());
}

#[test]
fn corrupted_proof_and_key_files() {
    let dir = temp();
    let not_json = dir.path().join("proof.json");
    std::fs::write(&not_json, b"{ truncated").unwrap();
    fails_with(
        zkinfer(dir.path(), &["verify", "proof.json"]),
        "not a proof file",
    );
    let vk = dir.path().join("vk.bin");
    std::fs::write(&vk, b"ZKI-VK\0\0garbage").unwrap();
    let model = zoo("tiny_linear", "network.onnx");
    let input = zoo("tiny_linear", "input.json");
    ok(zkinfer(
        dir.path(),
        &["prove", model.to_str().unwrap(), input.to_str().unwrap()],
    ));
    fails_with(
        zkinfer(dir.path(), &["verify", "proof.json", "--vk", "vk.bin"]),
        "vk.bin",
    );
}

#[test]
fn unreachable_node_malformed_key_and_corrupted_vk_json() {
    let dir = temp();
    let d = dir.path();
    let model = zoo("tiny_linear", "network.onnx");
    let model = model.to_str().unwrap();
    // A well-formed key (anvil's public dev key 0); port 1 on localhost: nothing listens there.
    let key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    let deploy = |key: &str| {
        let args = [
            "deploy",
            model,
            "--rpc",
            "http://127.0.0.1:1",
            "--private-key",
            key,
        ];
        zkinfer(d, &args)
    };
    fails_with(deploy(key), "cannot reach http://127.0.0.1:1");
    fails_with(deploy("zz"), "private key is not");
    fails_with(
        zkinfer(d, &["deploy", model, "--rpc", "http://127.0.0.1:1"]),
        "needs a private key",
    );
    fails_with(
        zkinfer(
            d,
            &[
                "market",
                "deploy",
                "--rpc",
                "not a url",
                "--private-key",
                key,
            ],
        ),
        "RPC URL",
    );
    // verify-evm --exported with a vk.json that is not zkinfer's.
    std::fs::create_dir_all(d.join("evm")).unwrap();
    std::fs::write(d.join("evm/ZkinferVerifier.sol"), "contract X {}").unwrap();
    std::fs::write(d.join("evm/vk.json"), "{\"format\": \"other\"}").unwrap();
    let input = zoo("tiny_linear", "input.json");
    ok(zkinfer(d, &["prove", model, input.to_str().unwrap()]));
    fails_with(
        zkinfer(d, &["verify-evm", "proof.json", "--exported", "evm"]),
        "vk.json",
    );
}

#[test]
fn hostile_settings_files_are_refused_before_anything_is_sized() {
    let dir = temp();
    let model = zoo("tiny_linear", "network.onnx");
    let input = zoo("tiny_linear", "input.json");
    let settings = |scale: u32, range_bits: u32, lanes: (usize, usize), peak: f64| {
        format!(
            r#"{{"settings": {{"scale": {scale}, "range_bits": {range_bits}, "lanes_in": {}, "lanes_out": {},
                "public_input": false}}, "peak": {peak}, "table_spans": {{}}, "samples": 1, "source": "x"}}"#,
            lanes.0, lanes.1
        )
    };
    let cases = [
        (settings(10, 60, (2, 1), 1.0), "range bits 60"),
        (settings(40, 44, (2, 1), 1.0), "scale 40"),
        (settings(10, 13, (0, 1), 1.0), "lanes 0x1"),
        (settings(10, 13, (2, 1), 1e9), "needs"),
        (settings(10, 13, (2, 1), -1.0), "peak -1"),
        (
            "{\"settings\": 7}".to_string(),
            "not a zkinfer settings file",
        ),
        (
            settings(10, 13, (2, 1), 1.0)
                .replace("\"public_input\"", "\"conv_lanes\": 17, \"public_input\""),
            "17 convolution lanes",
        ),
    ];
    for (i, (text, needle)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("evil-{i}.json"));
        std::fs::write(&path, text).unwrap();
        let line = fails_with(
            zkinfer(
                dir.path(),
                &[
                    "prove",
                    model.to_str().unwrap(),
                    input.to_str().unwrap(),
                    "--settings",
                    path.to_str().unwrap(),
                ],
            ),
            needle,
        );
        assert!(line.contains(&format!("evil-{i}.json")), "{line}");
    }
    assert!(!dir.path().join("proof.json").exists());
}

#[test]
fn too_many_convolution_lanes_are_one_error_line() {
    let dir = temp();
    let (model, cal) = (zoo("cnn_tiny", "network.onnx"), zoo("cnn_tiny", "cal.json"));
    let args = [
        "inspect",
        model.to_str().unwrap(),
        "--calibration",
        cal.to_str().unwrap(),
    ];
    let line = fails_with(
        zkinfer(dir.path(), &[&args[..], &["--conv-lanes", "99"]].concat()),
        "99 convolution lanes are not supported",
    );
    assert!(line.contains("choose 0"), "{line}");
}

#[test]
fn an_onnx_file_that_makes_tract_panic_is_one_error_line() {
    // A mutation of bn_affine whose graph output names no tensor: tract-onnx 0.23.9 indexes its
    // map of tensors with that name and panics; zkinfer reports an invalid model.
    let dir = temp();
    let bad = repo().join("robustness/regressions/onnx/tract-panics-on-unknown-output.onnx");
    let input = zoo("bn_affine", "input.json");
    let line = fails_with(
        zkinfer(
            dir.path(),
            &["prove", bad.to_str().unwrap(), input.to_str().unwrap()],
        ),
        "not a valid ONNX model",
    );
    assert!(line.contains("tract failed on this model"), "{line}");
}

/// `zkinfer prove` of the bundled tiny_linear model with `cache` as its cache.
fn prove_tiny_linear(cache: &std::path::Path) -> std::process::Output {
    let model = zoo("tiny_linear", "network.onnx");
    let input = zoo("tiny_linear", "input.json");
    zkinfer(
        cache,
        &["prove", model.to_str().unwrap(), input.to_str().unwrap()],
    )
}

/// The `pk.bin` of the one key in `cache`.
fn proving_key_file(cache: &std::path::Path) -> std::path::PathBuf {
    let key_dir = std::fs::read_dir(cache.join("keys"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    key_dir.path().join("pk.bin")
}

#[test]
fn a_damaged_proving_key_with_a_valid_checksum_is_an_error() {
    use zkinfer_prover::container;
    use zkinfer_prover::keys::{KeyHeader, PK_MAGIC};
    let dir = temp();
    let prove = || prove_tiny_linear(dir.path());
    ok(prove());
    let pk = proving_key_file(dir.path());
    let bytes = std::fs::read(&pk).unwrap();
    let (header, payload): (KeyHeader, Vec<u8>) = container::decode(PK_MAGIC, &pk, &bytes).unwrap();
    // Cut inside the columns (past the verifying key at its start).
    let cut = container::encode(PK_MAGIC, &header, &payload[..payload.len() * 2 / 3]);
    std::fs::write(&pk, cut).unwrap();
    let line = fails_with(prove(), "truncated in a column");
    assert!(line.contains("pk.bin"), "{line}");
}

/// A proving key written by an earlier build (halo2's own layout, magic `ZKI-PK\0\0`) is stale: the
/// next prove makes the key again in this build's layout instead of failing on it.
#[test]
fn a_proving_key_of_the_older_layout_is_made_again() {
    use zkinfer_prover::keys::{OLDER_PK_MAGIC, PK_MAGIC};
    let dir = temp();
    let prove = || prove_tiny_linear(dir.path());
    ok(prove());
    let pk = proving_key_file(dir.path());
    let mut older = OLDER_PK_MAGIC.to_vec();
    older.extend_from_slice(b"whatever an earlier build wrote");
    std::fs::write(&pk, older).unwrap();
    let printed = ok(prove());
    assert!(printed.contains("(generated)"), "{printed}");
    assert!(std::fs::read(&pk).unwrap().starts_with(PK_MAGIC));
}

#[test]
fn a_model_whose_values_overflow_is_refused_at_calibration() {
    // Found by fuzzing `onnx`: a mutated conv weight makes the float values infinite; the range
    // computed from an infinite peak overflowed (debug) or wrapped to a few bits (release).
    let dir = temp();
    let bad = repo().join("robustness/regressions/onnx/conv-overflows-to-infinity.onnx");
    let input = dir.path().join("input.json");
    std::fs::write(
        &input,
        format!(r#"{{"input_data": [{:?}]}}"#, vec![0.5; 25]),
    )
    .unwrap();
    fails_with(
        zkinfer(
            dir.path(),
            &["prove", bad.to_str().unwrap(), input.to_str().unwrap()],
        ),
        "layer 'conv' computes a value that is not finite",
    );
}
