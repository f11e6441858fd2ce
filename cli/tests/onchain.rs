//! On a real node: anvil (npm `@foundry-rs/anvil-linux-amd64`, installed by scripts/test-deps.sh) on
//! 127.0.0.1. `zkinfer deploy` and `zkinfer verify-onchain` through the CLI, then the verify-before-pay
//! market with real transactions: paid on a valid proof; wrong proof, input and model rejected; no
//! double payment; refund after the deadline only; a re-entrant worker is paid once.

mod common;

use common::{fails_with, ok, repo, zkinfer, zoo};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use zkinfer_circuits::Fr;
use zkinfer_prover::ProofArtifact;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::market::{
    encode_address_arg, encode_post, encode_refund, encode_submit, encode_view, encode_work,
    input_commitment, revert_reason, MARKET_SOL,
};
use zkinfer_verifier_contract::{compile, Address, U256};

/// anvil's first two dev accounts (from its public default mnemonic).
const REQUESTER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const WORKER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const SECOND_WORKER_KEY: &str =
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const ETH: u64 = 1_000_000_000_000_000_000;
/// tiny_linear's input instances (proved with --public-input).
const INPUTS: usize = 8;

struct Anvil {
    child: Child,
    url: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn anvil_bin() -> PathBuf {
    std::env::var_os("ZKINFER_ANVIL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            repo().join("verifier-contract/js/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
        })
}

fn start_anvil() -> Anvil {
    let bin = anvil_bin();
    assert!(
        bin.exists(),
        "{} missing: run bash scripts/test-deps.sh",
        bin.display()
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&bin)
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--silent",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start anvil");
    let anvil = Anvil {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if Chain::connect(&anvil.url, None).is_ok() {
            return anvil;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("anvil did not answer on {}", anvil.url);
}

/// The `label` address from `zkinfer deploy`'s output ("label 0x... (...").
fn printed_address(out: &str, label: &str) -> Address {
    let line = out.lines().find(|l| l.starts_with(label)).expect(label);
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn prove(dir: &Path, model: &str, out: &str, extra: &[&str]) {
    let (onnx, input) = (zoo(model, "network.onnx"), zoo(model, "input.json"));
    let mut args = vec![
        "prove",
        onnx.to_str().unwrap(),
        input.to_str().unwrap(),
        "-o",
        out,
    ];
    args.extend(extra);
    ok(zkinfer(dir, &args));
}

fn reason(chain: &Chain, to: Address, data: Vec<u8>) -> String {
    let call = chain.call(to, data, U256::ZERO).unwrap();
    assert!(!call.success, "expected a revert");
    revert_reason(&call.output).unwrap_or_default()
}

#[test]
fn deploy_verify_and_pay_on_anvil() {
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
    fails_with(verify("tiny.json", other_model, None), "REJECTED");
    fails_with(verify("attention.json", model, None), "REJECTED");
    let mut tampered: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("tiny.json")).unwrap()).unwrap();
    let hex = tampered["proof"].as_str().unwrap().to_string();
    let mut bytes = hex::decode(&hex[2..]).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    tampered["proof"] = format!("0x{}", hex::encode(bytes)).into();
    std::fs::write(d.join("tampered.json"), tampered.to_string()).unwrap();
    fails_with(verify("tampered.json", model, Some(WORKER_KEY)), "REJECTED");
    fails_with(verify("tiny.json", verifier, None), "REJECTED");

    // The market, with real transactions.
    let artifact = ProofArtifact::read(&d.join("tiny.json")).unwrap();
    let (instances, proof) = (
        artifact.instances().unwrap(),
        artifact.proof_bytes().unwrap(),
    );
    let inputs = instances[..INPUTS].to_vec();
    let requester = Chain::connect(rpc, Some(REQUESTER_KEY)).unwrap();
    let worker = Chain::connect(rpc, Some(WORKER_KEY)).unwrap();
    let market_code = compile("InferenceMarket.sol", MARKET_SOL, "InferenceMarket", true).unwrap();
    let market = requester
        .deploy(market_code.creation)
        .unwrap()
        .contract
        .unwrap();
    let post = |to: Address, inputs: &[Fr], seconds: u64| -> u64 {
        let next = requester
            .call(market, encode_view("nextJob()"), U256::ZERO)
            .unwrap();
        let id = U256::from_be_slice(&next.output).saturating_to::<u64>();
        let deadline = requester.timestamp().unwrap() + seconds;
        let call = encode_post(to, input_commitment(inputs), INPUTS as u32, deadline);
        let r = requester
            .transact(market, call, U256::from(ETH), None)
            .unwrap();
        assert!(r.success, "post");
        id
    };
    let submit = |id: u64, proof: &[u8]| encode_submit(id, &instances, proof);

    let id = post(model, &inputs, 3_600);
    let before = worker.balance(worker.address().unwrap()).unwrap();
    // A submission estimated while the job was open and sent after it was paid (a lost race) is
    // mined and reverts cleanly when it carries its own gas limit, as `zkinfer worker` sends it.
    let estimated = worker
        .estimate_gas(market, submit(id, &proof), U256::ZERO)
        .unwrap()
        .expect("an open job's valid submission estimates");
    let paid = worker
        .transact(market, submit(id, &proof), U256::ZERO, None)
        .unwrap();
    assert!(paid.success, "valid proof not paid");
    let after = worker.balance(worker.address().unwrap()).unwrap();
    assert!(
        after > before + U256::from(ETH / 100 * 99),
        "worker paid the reward minus gas"
    );
    assert_eq!(requester.balance(market).unwrap(), U256::ZERO);
    println!("submit-and-pay on anvil: {} gas", paid.gas_used);
    assert_eq!(reason(&worker, market, submit(id, &proof)), "job closed");
    let late = worker
        .transact(market, submit(id, &proof), U256::ZERO, Some(estimated * 2))
        .unwrap();
    assert!(!late.success, "a second submission on a paid job reverts");
    let refused = worker.estimate_gas(market, submit(id, &proof), U256::ZERO);
    assert_eq!(
        revert_reason(&refused.unwrap().expect_err("estimate of a closed job")).as_deref(),
        Some("job closed")
    );

    let id = post(model, &inputs, 3_600);
    let mut bad = proof.clone();
    bad[40] ^= 1;
    assert_eq!(reason(&worker, market, submit(id, &bad)), "proof rejected");
    let failed = worker
        .transact(market, submit(id, &bad), U256::ZERO, Some(5_000_000))
        .unwrap();
    assert!(
        !failed.success && failed.gas_used < 5_000_000,
        "bounded gas: {}",
        failed.gas_used
    );
    let mut other_input = inputs.clone();
    other_input[0] += Fr::from(1);
    let id_input = post(model, &other_input, 3_600);
    assert_eq!(
        reason(&worker, market, submit(id_input, &proof)),
        "wrong input"
    );
    let id_model = post(other_model, &inputs, 3_600);
    assert_eq!(
        reason(&worker, market, submit(id_model, &proof)),
        "proof rejected"
    );

    // Refund: refused before the deadline, paid once after it; no submission after it.
    let short = post(model, &inputs, 2);
    assert_eq!(
        reason(&requester, market, encode_refund(short)),
        "deadline not reached"
    );
    std::thread::sleep(std::time::Duration::from_secs(3));
    let from = requester.address().unwrap();
    let before = requester.balance(from).unwrap();
    let refunded = requester
        .transact(market, encode_refund(short), U256::ZERO, None)
        .unwrap();
    assert!(refunded.success, "refund after the deadline");
    let after = requester.balance(from).unwrap();
    assert!(
        after > before + U256::from(ETH / 100 * 99),
        "the reward came back"
    );
    assert_eq!(reason(&worker, market, submit(short, &proof)), "job closed");
    assert_eq!(
        reason(&requester, market, encode_refund(short)),
        "job closed"
    );

    // A re-entrant worker contract is paid exactly once.
    let mut code = compile("InferenceMarket.sol", MARKET_SOL, "ReentrantWorker", true)
        .unwrap()
        .creation;
    code.extend(encode_address_arg(market));
    let attacker = worker.deploy(code).unwrap().contract.unwrap();
    let id = post(model, &inputs, 3_600);
    let escrow = requester.balance(market).unwrap();
    let work = worker
        .transact(
            attacker,
            encode_work(id, &instances, &proof),
            U256::ZERO,
            None,
        )
        .unwrap();
    assert!(work.success, "re-entrant worker's submission");
    assert_eq!(
        worker.balance(attacker).unwrap(),
        U256::from(ETH),
        "paid exactly once"
    );
    assert_eq!(requester.balance(market).unwrap(), escrow - U256::from(ETH));
    let reentered = worker
        .call(attacker, encode_view("reentered()"), U256::ZERO)
        .unwrap();
    assert_eq!(U256::from_be_slice(&reentered.output), U256::ZERO);

    // Two `zkinfer worker`s race on one job, posted with `zkinfer market post` (which publishes the
    // input under its commitment): one is paid, the other gives up cleanly.
    let inputs_dir = d.join("inputs");
    let next = requester
        .call(market, encode_view("nextJob()"), U256::ZERO)
        .unwrap();
    let id = U256::from_be_slice(&next.output).saturating_to::<u64>();
    let posted = ok(zkinfer(
        d,
        &[
            "market",
            "post",
            tiny.to_str().unwrap(),
            zoo("tiny_linear", "input.json").to_str().unwrap(),
            "--rpc",
            rpc,
            "--private-key",
            REQUESTER_KEY,
            "--market",
            &market.to_string(),
            "--verifier",
            &model.to_string(),
            "--reward",
            "1000000000000000000",
            "--publish",
            inputs_dir.to_str().unwrap(),
        ],
    ));
    let commitment = format!("0x{}", hex::encode(input_commitment(&inputs)));
    assert!(
        posted.starts_with(&format!("job {id}:")) && posted.contains(&commitment),
        "{posted}"
    );
    assert!(inputs_dir.join(format!("{commitment}.json")).exists());
    let worker_args = |at: Address, key: &str| -> Vec<String> {
        let (tiny, inputs) = (tiny.to_str().unwrap(), inputs_dir.to_str().unwrap());
        let (market, at) = (market.to_string(), at.to_string());
        let args = [
            "worker",
            tiny,
            "--rpc",
            rpc,
            "--market",
            &market,
            "--verifier",
            &at,
        ];
        let rest = ["--inputs", inputs, "--private-key", key, "--once"];
        args.iter().chain(&rest).map(|a| a.to_string()).collect()
    };
    let spawn = |key: &str, proofs: &str| {
        let mut args = worker_args(model, key);
        args.extend(["--proofs".to_string(), proofs.to_string()]);
        common::spawn_zkinfer(d, &args)
    };
    let (a, b) = (
        spawn(WORKER_KEY, "proofs-a"),
        spawn(SECOND_WORKER_KEY, "proofs-b"),
    );
    let logs: Vec<String> = [a, b]
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            let log = format!("{}{}", common::stdout(&out), common::stderr(&out));
            assert!(out.status.success(), "worker failed: {log}");
            log
        })
        .collect();
    // (Earlier jobs of this test that are still open with a published input get served too.)
    let paid_line = format!("job {id}: PAID");
    let paid: Vec<&String> = logs.iter().filter(|l| l.contains(&paid_line)).collect();
    assert_eq!(paid.len(), 1, "exactly one worker paid: {logs:?}");
    let lost = format!("job {id}: ");
    let loser = logs.iter().find(|l| !l.contains(&paid_line)).unwrap();
    assert!(
        loser
            .lines()
            .any(|l| l.starts_with(&lost) && l.contains("another worker was paid first")),
        "the other worker saw it lost the race: {loser}"
    );
    for (name, log) in ["worker A", "worker B"].iter().zip(&logs) {
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| l.starts_with("job ") || l.starts_with("worker"))
            .collect();
        println!("{name}:\n  {}", lines.join("\n  "));
    }
    let job = zkinfer_verifier_contract::market::Job::decode(
        &requester
            .call(
                market,
                zkinfer_verifier_contract::market::encode_job(id),
                U256::ZERO,
            )
            .unwrap()
            .output,
    )
    .unwrap();
    assert!(job.closed);
    let winner = if logs[0].contains(&paid_line) {
        WORKER_KEY
    } else {
        SECOND_WORKER_KEY
    };
    let winner = Chain::connect(rpc, Some(winner))
        .unwrap()
        .address()
        .unwrap();
    assert_eq!(job.worker, winner);

    // A worker pointed at another model's address refuses to start.
    let args = worker_args(other_model, WORKER_KEY);
    let wrong = zkinfer(d, &args.iter().map(String::as_str).collect::<Vec<_>>());
    fails_with(wrong, "not the verifying-key contract");
}
