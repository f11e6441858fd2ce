//! On a real node (anvil on 127.0.0.1): `zkinfer deploy` and `zkinfer verify-onchain` through the CLI;
//! wrong proofs, other models' keys, look-alike keys and verifiers are refused. The market on a node:
//! `onchain_market.rs`, the front-running attack: `onchain_frontrun.rs`.

mod common;

use common::node::*;
use common::{creation_of, fails_with, ok, zkinfer, zoo};
use common::{ACCEPT_ANYTHING, EMPTY_SUCCESS};
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::reusable::vk_contract_creation;
use zkinfer_verifier_contract::Address;

#[test]
fn deploy_and_verify_on_anvil() {
    let node = start_anvil();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    prove(d, "tiny_linear", "tiny.json", &["--public-input"]);
    prove(d, "attention", "attention.json", &[]);
    let tiny = zoo("tiny_linear", "network.onnx");
    let attention = zoo("attention", "network.onnx");
    let rpc = node.url.as_str();

    // deploy: the shared verifier once, then each model's verifying-key contract against it.
    let out = ok(zkinfer(
        d,
        &[
            "deploy",
            tiny.to_str().unwrap(),
            "--public-input",
            "--rpc",
            rpc,
            "--private-key",
            REQUESTER_KEY,
        ],
    ));
    let (verifier, model) = (
        printed_address(&out, "verifier"),
        printed_address(&out, "model"),
    );
    let out = ok(zkinfer(
        d,
        &[
            "deploy",
            attention.to_str().unwrap(),
            "--rpc",
            rpc,
            "--private-key",
            REQUESTER_KEY,
            "--verifier",
            &verifier.to_string(),
        ],
    ));
    let other_model = printed_address(&out, "model");
    assert!(out.contains("(existing)"), "{out}");

    // verify-onchain: eth_call, then a transaction; rejections exit non-zero with one error line.
    let verify = |proof: &str, at: Address, key: Option<&str>| {
        let at = at.to_string();
        let mut args = vec![
            "verify-onchain",
            proof,
            "--rpc",
            rpc,
            "--verifier",
            at.as_str(),
        ];
        if let Some(key) = key {
            args.extend(["--private-key", key]);
        }
        zkinfer(d, &args)
    };
    let sent = ok(verify("tiny.json", model, Some(WORKER_KEY)));
    assert!(
        sent.contains("eth_call: PASS") && sent.contains("PASS, gas used"),
        "{sent}"
    );
    let called = ok(verify("tiny.json", model, None));
    assert!(
        called.contains("eth_call: PASS") && !called.contains("transaction"),
        "{called}"
    );
    ok(verify("attention.json", other_model, None));
    // Another model's key (the contract would reject the proof anyway) is refused before any call.
    fails_with(
        verify("tiny.json", other_model, None),
        "not the verifying-key contract",
    );
    fails_with(
        verify("attention.json", model, None),
        "not the verifying-key contract",
    );
    let mut tampered: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("tiny.json")).unwrap()).unwrap();
    let hex = tampered["proof"].as_str().unwrap().to_string();
    let mut bytes = hex::decode(&hex[2..]).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    tampered["proof"] = format!("0x{}", hex::encode(bytes)).into();
    std::fs::write(d.join("tampered.json"), tampered.to_string()).unwrap();
    fails_with(verify("tampered.json", model, Some(WORKER_KEY)), "REJECTED");
    fails_with(
        verify("tiny.json", verifier, None),
        "not the verifying-key contract",
    );

    // Any contract can answer "1": verify-onchain checks the address holds this model's key,
    // forwarding to zkinfer's verifier, before it asks. A look-alike key forwarding to a contract
    // that accepts anything, and a contract that "succeeds" with no output (as an address without
    // code does), are refused.
    let deployer = Chain::connect(rpc, Some(REQUESTER_KEY)).unwrap();
    let empty = deployer
        .deploy(creation_of(&EMPTY_SUCCESS))
        .unwrap()
        .contract
        .unwrap();
    fails_with(
        verify("tiny.json", empty, None),
        "not the verifying-key contract",
    );
    let anything = deployer
        .deploy(creation_of(&ACCEPT_ANYTHING))
        .unwrap()
        .contract
        .unwrap();
    let data = common::export(d, "tiny_linear", &["--public-input"]);
    let forged = deployer
        .deploy(vk_contract_creation(anything, &data).unwrap())
        .unwrap()
        .contract
        .unwrap();
    fails_with(
        verify("tiny.json", forged, None),
        "not zkinfer's ZkinferVerifier",
    );
    // `deploy --verifier` names an existing shared verifier: one that is not zkinfer's code is refused.
    let fake = anything;
    let refused = zkinfer(
        d,
        &[
            "deploy",
            tiny.to_str().unwrap(),
            "--public-input",
            "--rpc",
            rpc,
            "--private-key",
            REQUESTER_KEY,
            "--verifier",
            &fake.to_string(),
        ],
    );
    fails_with(refused, "not zkinfer's ZkinferVerifier");
}
