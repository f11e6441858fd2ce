//! `zkinfer verify` trusts what the verifier holds, not what it is handed: a key file is accepted only
//! if its `[τ]_2` is that of an SRS this machine knows (an imported ceremony, `--srs FILE`, or with
//! `--insecure-dev-srs` a development one), whatever the proof file claims; `--model` recomputes the key
//! from the model and refuses a proof of another circuit or one made with another SRS.

mod common;

use common::{fails_with, ok, zkinfer, zkinfer_strict, zoo};
use serde_json::Value;

#[test]
fn key_files_are_trusted_by_their_srs_and_models_by_recomputation() {
    let dir = tempfile::tempdir().unwrap();
    let (attacker, victim) = (dir.path().join("attacker"), dir.path().join("victim"));
    std::fs::create_dir_all(&attacker).unwrap();
    std::fs::create_dir_all(&victim).unwrap();
    let (tiny, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    let (tiny, input) = (tiny.to_str().unwrap(), input.to_str().unwrap());
    // The attacker proves with a development SRS it made (it knows the trapdoor: it could forge).
    ok(zkinfer(&attacker, &["prove", tiny, input]));
    let proof: Value =
        serde_json::from_slice(&std::fs::read(attacker.join("proof.json")).unwrap()).unwrap();
    let circuit = proof["circuit_hash"].as_str().unwrap();
    let key = attacker.join("keys").join(circuit).join("vk.bin");
    std::fs::copy(attacker.join("proof.json"), victim.join("proof.json")).unwrap();
    std::fs::copy(&key, victim.join("their.vk.bin")).unwrap();

    // The victim knows no SRS with that [τ]_2: refused, even when the proof claims a ceremony.
    let verify_their_key = |args: &[&str]| {
        let mut all = vec!["verify", "proof.json", "--vk", "their.vk.bin"];
        all.extend(args);
        all.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let strict = |args: Vec<String>| {
        zkinfer_strict(
            &victim,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    fails_with(strict(verify_their_key(&[])), "none this machine knows");
    let mut claims = proof.clone();
    claims["srs"]["kind"] = serde_json::json!({ "Ceremony": { "power": 28 } });
    std::fs::write(victim.join("claims.json"), claims.to_string()).unwrap();
    let claimed = ["verify", "claims.json", "--vk", "their.vk.bin"];
    fails_with(zkinfer_strict(&victim, &claimed), "none this machine knows");
    // Accepted only as INSECURE, and said so.
    let accepted = zkinfer(&victim, &["verify", "proof.json", "--vk", "their.vk.bin"]);
    assert!(accepted.status.success());
    assert!(common::stderr(&accepted).contains("accepted as INSECURE"));

    // On the attacker's own machine its development SRS is known: refused without the flag.
    fails_with(
        zkinfer_strict(&attacker, &["verify", "proof.json"]),
        "local development SRS",
    );
    let flagged = ["verify", "proof.json", "--insecure-dev-srs"];
    let warned = zkinfer_strict(&attacker, &flagged);
    assert!(warned.status.success() && common::stderr(&warned).contains("INSECURE"));

    // --model: the key recomputed from the model (settings cached on the attacker's machine).
    let model = [
        "verify",
        "proof.json",
        "--model",
        tiny,
        "--insecure-dev-srs",
    ];
    let out = ok(zkinfer_strict(&attacker, &model));
    assert!(out.contains("from the model"), "{out}");
    // The victim proves the same model itself (its own development SRS): the attacker's proof names a
    // key made with another SRS.
    ok(zkinfer(&victim, &["prove", tiny, input, "-o", "mine.json"]));
    fails_with(zkinfer(&victim, &model), "another SRS");
    ok(zkinfer(&victim, &["verify", "mine.json", "--model", tiny]));
    // A proof of tiny_linear is not a proof of mlp_digits, whatever key file comes with it.
    let cal = zoo("mlp_digits", "cal.json");
    let other = zoo("mlp_digits", "network.onnx");
    let other_model = [
        "verify",
        "mine.json",
        "--model",
        other.to_str().unwrap(),
        "--calibration",
        cal.to_str().unwrap(),
    ];
    fails_with(zkinfer(&victim, &other_model), "proven for circuit");
}

/// Prove tiny_linear in `d` (its cache too): `d/proof.json`, and the path of its verifying key.
fn prove_tiny(d: &std::path::Path) -> std::path::PathBuf {
    let (tiny, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    ok(zkinfer(
        d,
        &["prove", tiny.to_str().unwrap(), input.to_str().unwrap()],
    ));
    let proof: Value =
        serde_json::from_slice(&std::fs::read(d.join("proof.json")).unwrap()).unwrap();
    d.join("keys")
        .join(proof["circuit_hash"].as_str().unwrap())
        .join("vk.bin")
}

/// A key file is also its own verifier parameters: one whose `g2` is its `[τ]_2` (so its `[τ]_2` still
/// matches a known SRS) turns KZG's pairing check into `L = R`, which a forger meets for any claim. Such
/// a key, with a valid checksum, is refused on read.
#[test]
fn a_key_with_forged_generators_is_refused() {
    use zkinfer_prover::container;
    use zkinfer_prover::keys::{KeyHeader, VK_MAGIC};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = prove_tiny(d);
    let (header, mut payload): (KeyHeader, Vec<u8>) = container::read(VK_MAGIC, &key).unwrap();
    // The payload ends with g (64 bytes), g2 and s_g2 (128 bytes each).
    let n = payload.len();
    let s_g2 = payload[n - 128..].to_vec();
    payload[n - 256..n - 128].copy_from_slice(&s_g2);
    std::fs::write(
        d.join("forged.vk.bin"),
        container::encode(VK_MAGIC, &header, &payload),
    )
    .unwrap();
    fails_with(
        zkinfer(d, &["verify", "proof.json", "--vk", "forged.vk.bin"]),
        "not the standard generator",
    );
    ok(zkinfer(
        d,
        &["verify", "proof.json", "--vk", key.to_str().unwrap()],
    ));
}

/// A key of another circuit layout (an older build's) is refused by name, before halo2 reads it
/// against this build's constraint system; a header without the field reads as an older layout.
#[test]
fn a_key_of_another_layout_is_refused_by_name() {
    use zkinfer_prover::container;
    use zkinfer_prover::keys::{KeyHeader, VK_MAGIC};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = prove_tiny(d);
    let (mut header, payload): (KeyHeader, Vec<u8>) = container::read(VK_MAGIC, &key).unwrap();
    header.format = "zkinfer-circuit-3".into();
    std::fs::write(
        d.join("old.vk.bin"),
        container::encode(VK_MAGIC, &header, &payload),
    )
    .unwrap();
    fails_with(
        zkinfer(d, &["verify", "proof.json", "--vk", "old.vk.bin"]),
        "a key for circuit layout \"zkinfer-circuit-3\"",
    );
    // The same header without the field.
    let mut fields = serde_json::to_value(&header).unwrap();
    fields.as_object_mut().unwrap().remove("format");
    std::fs::write(
        d.join("older.vk.bin"),
        container::encode(VK_MAGIC, &fields, &payload),
    )
    .unwrap();
    fails_with(
        zkinfer(d, &["verify", "proof.json", "--vk", "older.vk.bin"]),
        "zkinfer-circuit-3 or older",
    );
}
