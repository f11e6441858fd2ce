//! On a real node: anvil (npm `@foundry-rs/anvil-linux-amd64`, installed by scripts/test-deps.sh) on
//! 127.0.0.1. `zkinfer deploy` and `zkinfer verify-onchain` through the CLI (look-alike verifiers
//! refused), then the verify-before-pay market with real transactions, tried as a thief would: a
//! front-runner who copies an honest `zkinfer worker`'s pending submission with three times its fee is
//! mined first and paid nothing; moved words, a proof for another job, look-alike keys and markets,
//! wrong proofs, inputs and models are rejected; no double payment; refund after the deadline only; a
//! re-entrant worker is paid once; two workers race and one is paid.

mod common;

use common::{creation_of, fails_with, ok, prove_tiny_bound, repo, zkinfer, zoo};
use common::{ACCEPT_ANYTHING, EMPTY_SUCCESS};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use zkinfer_circuits::Fr;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::market::{
    encode_address_arg, encode_post, encode_refund, encode_submit, encode_view, encode_work,
    input_commitment, payee_tag, revert_reason,
};
use zkinfer_verifier_contract::reusable::vk_contract_creation;
use zkinfer_verifier_contract::{Address, U256};

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

/// A node with the shared verifier, tiny_linear's key (`model`), attention's key (`other_model`) and
/// a market, all deployed through the CLI.
struct Market {
    node: Anvil,
    dir: tempfile::TempDir,
    verifier: Address,
    model: Address,
    other_model: Address,
    market: Address,
    requester: Chain,
    worker: Chain,
    chain_id: u64,
    /// tiny_linear's input instance words.
    inputs: Vec<Fr>,
}

fn deploy_market() -> Market {
    let node = start_anvil();
    let dir = tempfile::tempdir().unwrap();
    let (d, rpc) = (dir.path(), node.url.clone());
    // Proving caches each model's settings (calibrated on its input), which deploy uses.
    let (instances, _) = prove_tiny_bound(d, &Fr::from(0), "unbound.json");
    prove(d, "attention", "attention.json", &[]);
    let deploy = |model: &str, extra: &[&str]| {
        let onnx = zoo(model, "network.onnx");
        let mut args = vec!["deploy", onnx.to_str().unwrap(), "--rpc", &rpc];
        args.extend(["--private-key", REQUESTER_KEY]);
        args.extend(extra);
        ok(zkinfer(d, &args))
    };
    let out = deploy("tiny_linear", &["--public-input"]);
    let (verifier, model) = (
        printed_address(&out, "verifier"),
        printed_address(&out, "model"),
    );
    let out = deploy("attention", &["--verifier", &verifier.to_string()]);
    let other_model = printed_address(&out, "model");
    let out = ok(zkinfer(
        d,
        &[
            "market",
            "deploy",
            "--rpc",
            &rpc,
            "--private-key",
            REQUESTER_KEY,
        ],
    ));
    let market = printed_address(&out, "market");
    let requester = Chain::connect(&rpc, Some(REQUESTER_KEY)).unwrap();
    let chain_id = requester.chain_id().unwrap();
    Market {
        worker: Chain::connect(&rpc, Some(WORKER_KEY)).unwrap(),
        node,
        verifier,
        model,
        other_model,
        market,
        requester,
        chain_id,
        inputs: instances[..INPUTS].to_vec(),
        dir,
    }
}

impl Market {
    fn post(&self, to: Address, inputs: &[Fr], seconds: u64) -> u64 {
        let next = self
            .requester
            .call(self.market, encode_view("nextJob()"), U256::ZERO)
            .unwrap();
        let id = U256::from_be_slice(&next.output).saturating_to::<u64>();
        let deadline = self.requester.timestamp().unwrap() + seconds;
        let call = encode_post(to, input_commitment(inputs), INPUTS as u32, deadline);
        let r = self
            .requester
            .transact(self.market, call, U256::from(ETH), None)
            .unwrap();
        assert!(r.success, "post");
        id
    }

    /// A proof of tiny_linear's input for job `id`, paying `payee`.
    fn prove_for(&self, id: u64, payee: Address) -> (Vec<Fr>, Vec<u8>) {
        let tag = payee_tag(self.chain_id, self.market, id, payee);
        prove_tiny_bound(self.dir.path(), &tag, &format!("job-{id}-{payee}.json"))
    }

    fn worker_address(&self) -> Address {
        self.worker.address().unwrap()
    }
}

#[test]
fn market_on_anvil_pays_only_the_prover() {
    let m = deploy_market();
    let (market, worker) = (m.market, &m.worker);
    let me = m.worker_address();
    let thief = Chain::connect(&m.node.url, Some(SECOND_WORKER_KEY)).unwrap();
    let inputs = m.inputs.clone();

    let id = m.post(m.model, &inputs, 3_600);
    let (instances, proof) = m.prove_for(id, me);
    let submit = |id: u64, instances: &[Fr], proof: &[u8]| encode_submit(id, instances, proof);
    // The worker's calldata, sent by another account: not made for it.
    assert_eq!(
        reason(&thief, market, submit(id, &instances, &proof)),
        "proof not made for this sender and job"
    );
    // A submission estimated while the job was open and sent after it was paid (a lost race) is
    // mined and reverts cleanly when it carries its own gas limit, as `zkinfer worker` sends it.
    let estimated = worker
        .estimate_gas(market, submit(id, &instances, &proof), U256::ZERO)
        .unwrap()
        .expect("an open job's valid submission estimates");
    let before = worker.balance(me).unwrap();
    let paid = worker
        .transact(market, submit(id, &instances, &proof), U256::ZERO, None)
        .unwrap();
    assert!(paid.success, "valid proof not paid");
    assert!(
        worker.balance(me).unwrap() > before + U256::from(ETH / 100 * 99),
        "worker paid the reward minus gas"
    );
    println!("submit-and-pay on anvil: {} gas", paid.gas_used);
    assert_eq!(
        reason(worker, market, submit(id, &instances, &proof)),
        "job closed"
    );
    let late = worker
        .transact(
            market,
            submit(id, &instances, &proof),
            U256::ZERO,
            Some(estimated * 2),
        )
        .unwrap();
    assert!(!late.success, "a second submission on a paid job reverts");

    // The accepted proof, resubmitted for another job of the same model and input.
    let id = m.post(m.model, &inputs, 3_600);
    assert_eq!(
        reason(worker, market, submit(id, &instances, &proof)),
        "proof not made for this sender and job"
    );
    let (instances, proof) = m.prove_for(id, me);
    // Words moved across the instances/proof boundary (the verifier would see the same bytes).
    let mut longer = zkinfer_verifier_contract::market::word(instances.last().unwrap()).to_vec();
    longer.extend_from_slice(&proof);
    assert_eq!(
        reason(
            worker,
            market,
            submit(id, &instances[..instances.len() - 1], &longer)
        ),
        "wrong instance count"
    );
    let mut bad = proof.clone();
    bad[40] ^= 1;
    assert_eq!(
        reason(worker, market, submit(id, &instances, &bad)),
        "proof rejected"
    );
    let failed = worker
        .transact(
            market,
            submit(id, &instances, &bad),
            U256::ZERO,
            Some(5_000_000),
        )
        .unwrap();
    assert!(
        !failed.success && failed.gas_used < 5_000_000,
        "bounded gas"
    );
    let mut other_input = inputs.clone();
    other_input[0] += Fr::from(1);
    let id_input = m.post(m.model, &other_input, 3_600);
    let (i2, p2) = m.prove_for(id_input, me);
    assert_eq!(
        reason(worker, market, submit(id_input, &i2, &p2)),
        "wrong input"
    );
    // A job for another model (attention, private input): the key says it has no input words.
    let deadline = m.requester.timestamp().unwrap() + 3_600;
    let call = encode_post(
        m.other_model,
        input_commitment(&inputs),
        INPUTS as u32,
        deadline,
    );
    let refused = m.requester.call(market, call, U256::from(ETH)).unwrap();
    assert_eq!(
        revert_reason(&refused.output).as_deref(),
        Some("numInputs is not the key's")
    );
    refund_after_deadline_only(&m, &instances, &proof);
    reentrant_worker_is_paid_once(&m);
}

/// Refund: refused before the deadline, paid once after it; no submission after it.
fn refund_after_deadline_only(m: &Market, instances: &[Fr], proof: &[u8]) {
    let (market, requester) = (m.market, &m.requester);
    let short = m.post(m.model, &m.inputs, 2);
    assert_eq!(
        reason(requester, market, encode_refund(short)),
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
    let submit = encode_submit(short, instances, proof);
    assert_eq!(reason(&m.worker, market, submit), "job closed");
    assert_eq!(
        reason(requester, market, encode_refund(short)),
        "job closed"
    );
}

/// A re-entrant worker contract is paid exactly once.
fn reentrant_worker_is_paid_once(m: &Market) {
    let code = zkinfer_verifier_contract::compile(
        "InferenceMarket.sol",
        zkinfer_verifier_contract::market::MARKET_SOL,
        "ReentrantWorker",
        true,
    )
    .unwrap();
    let mut creation = code.creation;
    creation.extend(encode_address_arg(m.market));
    let attacker = m.worker.deploy(creation).unwrap().contract.unwrap();
    let id = m.post(m.model, &m.inputs, 3_600);
    let (instances, proof) = m.prove_for(id, attacker);
    let escrow = m.requester.balance(m.market).unwrap();
    let work = m
        .worker
        .transact(
            attacker,
            encode_work(id, &instances, &proof),
            U256::ZERO,
            None,
        )
        .unwrap();
    assert!(work.success, "re-entrant worker's submission");
    assert_eq!(
        m.worker.balance(attacker).unwrap(),
        U256::from(ETH),
        "paid exactly once"
    );
    assert_eq!(
        m.requester.balance(m.market).unwrap(),
        escrow - U256::from(ETH)
    );
    let reentered = m
        .worker
        .call(attacker, encode_view("reentered()"), U256::ZERO)
        .unwrap();
    assert_eq!(U256::from_be_slice(&reentered.output), U256::ZERO);
}

/// The arguments of `zkinfer worker` on tiny_linear.
fn worker_args(m: &Market, market: Address, key_contract: Address, key: &str) -> Vec<String> {
    let tiny = zoo("tiny_linear", "network.onnx");
    let inputs = m.dir.path().join("inputs");
    [
        "worker",
        tiny.to_str().unwrap(),
        "--rpc",
        &m.node.url,
        "--market",
        &market.to_string(),
        "--verifier",
        &key_contract.to_string(),
        "--inputs",
        inputs.to_str().unwrap(),
        "--private-key",
        key,
        "--once",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect()
}

/// `zkinfer market post` of tiny_linear's input to `key_contract`, published under `inputs/`.
fn market_post(m: &Market, key_contract: Address) -> std::process::Output {
    let tiny = zoo("tiny_linear", "network.onnx");
    let input = zoo("tiny_linear", "input.json");
    let inputs = m.dir.path().join("inputs");
    zkinfer(
        m.dir.path(),
        &[
            "market",
            "post",
            tiny.to_str().unwrap(),
            input.to_str().unwrap(),
            "--rpc",
            &m.node.url,
            "--private-key",
            REQUESTER_KEY,
            "--market",
            &m.market.to_string(),
            "--verifier",
            &key_contract.to_string(),
            "--reward",
            "1000000000000000000",
            "--publish",
            inputs.to_str().unwrap(),
        ],
    )
}

fn hex_u128(v: &serde_json::Value) -> u128 {
    u128::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// The first pending transaction from `from` to `to` in the node's pool.
fn pending_tx(chain: &Chain, from: Address, to: Address) -> Option<serde_json::Value> {
    let pool = chain.raw("txpool_content", serde_json::json!([])).unwrap();
    let same = |v: &serde_json::Value, a: Address| {
        v.as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case(&a.to_string()))
    };
    let senders = pool["pending"].as_object()?;
    senders
        .values()
        .flat_map(|by_nonce| by_nonce.as_object().into_iter().flat_map(|m| m.values()))
        .find(|tx| same(&tx["from"], from) && same(&tx["to"], to))
        .cloned()
}

fn tx_index(chain: &Chain, hash: &str) -> u64 {
    let r = chain
        .raw("eth_getTransactionReceipt", serde_json::json!([hash]))
        .unwrap();
    hex_u128(&r["transactionIndex"]) as u64
}

/// The attack, replayed: automine off, an honest `zkinfer worker` submits a proof; another
/// account copies the pending calldata with three times the fee and gets mined first. Before the payee
/// was bound into the proof the copier was paid and the worker's transaction reverted; now the copy
/// reverts and the worker is paid. Then two workers race honestly, and look-alike keys and markets are
/// refused by the contract and the CLI.
#[test]
fn front_runner_is_not_paid_and_look_alikes_are_refused_on_anvil() {
    let m = deploy_market();
    let me = m.worker_address();
    let thief = Chain::connect(&m.node.url, Some(SECOND_WORKER_KEY)).unwrap();
    let thief_address = thief.address().unwrap();
    let posted = ok(market_post(&m, m.model));
    let id: u64 = posted["job ".len()..posted.find(':').unwrap()]
        .parse()
        .unwrap();

    m.requester
        .raw("evm_setAutomine", serde_json::json!([false]))
        .unwrap();
    let honest = common::spawn_zkinfer(
        m.dir.path(),
        &worker_args(&m, m.market, m.model, WORKER_KEY),
    );
    let start = std::time::Instant::now();
    let tx = loop {
        if let Some(tx) = pending_tx(&m.requester, me, m.market) {
            break tx;
        }
        assert!(start.elapsed().as_secs() < 300, "the worker sent nothing");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let input = hex::decode(tx["input"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let copy = thief
        .send_with_fees(
            m.market,
            input,
            hex_u128(&tx["gas"]) as u64,
            3 * hex_u128(&tx["maxFeePerGas"]),
            3 * hex_u128(&tx["maxPriorityFeePerGas"]).max(1),
        )
        .unwrap();
    let before = thief.balance(thief_address).unwrap();
    m.requester.raw("evm_mine", serde_json::json!([])).unwrap();
    let out = honest.wait_with_output().unwrap();
    let log = format!("{}{}", common::stdout(&out), common::stderr(&out));
    m.requester
        .raw("evm_setAutomine", serde_json::json!([true]))
        .unwrap();
    assert!(out.status.success(), "worker failed: {log}");
    assert!(log.contains(&format!("job {id}: PAID")), "{log}");
    let copied = thief.receipt(copy).unwrap().expect("the copy was mined");
    assert!(!copied.success, "the copy reverts");
    let worker_hash = tx["hash"].as_str().unwrap();
    assert!(
        tx_index(&thief, &copy.to_string()) < tx_index(&thief, worker_hash),
        "the copy was mined first (a real front-run)"
    );
    assert!(
        thief.balance(thief_address).unwrap() < before,
        "the copier paid gas, got nothing"
    );
    let job = zkinfer_verifier_contract::market::Job::decode(
        &m.requester
            .call(
                m.market,
                zkinfer_verifier_contract::market::encode_job(id),
                U256::ZERO,
            )
            .unwrap()
            .output,
    )
    .unwrap();
    assert!(job.closed && job.worker == me, "the prover was paid");
    two_workers_race(&m);
    look_alikes_are_refused(&m);
}

/// Two `zkinfer worker`s race on one job posted with `zkinfer market post`: one is paid, the other
/// gives up cleanly.
fn two_workers_race(m: &Market) {
    let posted = ok(market_post(m, m.model));
    let id: u64 = posted["job ".len()..posted.find(':').unwrap()]
        .parse()
        .unwrap();
    let spawn = |key: &str, proofs: &str| {
        let mut args = worker_args(m, m.market, m.model, key);
        args.extend(["--proofs".to_string(), proofs.to_string()]);
        common::spawn_zkinfer(m.dir.path(), &args)
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
    let paid_line = format!("job {id}: PAID");
    let paid: Vec<&String> = logs.iter().filter(|l| l.contains(&paid_line)).collect();
    assert_eq!(paid.len(), 1, "exactly one worker paid: {logs:?}");
    let loser = logs.iter().find(|l| !l.contains(&paid_line)).unwrap();
    assert!(
        loser.lines().any(|l| l.starts_with(&format!("job {id}: "))
            && l.contains("another worker was paid first")),
        "the other worker saw it lost the race: {loser}"
    );
}

/// A key of this model's data forwarding to a contract that accepts anything: the market refuses it,
/// and so do `market post` and `worker`; `worker` also refuses another model's key and a non-market.
fn look_alikes_are_refused(m: &Market) {
    let data = common::export(m.dir.path(), "tiny_linear", &["--public-input"]);
    let fake = m
        .requester
        .deploy(creation_of(&ACCEPT_ANYTHING))
        .unwrap()
        .contract
        .unwrap();
    let forged = m
        .requester
        .deploy(vk_contract_creation(fake, &data).unwrap())
        .unwrap()
        .contract
        .unwrap();
    let deadline = m.requester.timestamp().unwrap() + 3_600;
    let call = encode_post(forged, input_commitment(&m.inputs), INPUTS as u32, deadline);
    let refused = m.requester.call(m.market, call, U256::from(ETH)).unwrap();
    assert!(!refused.success);
    assert_eq!(
        revert_reason(&refused.output).as_deref(),
        Some("key does not call ZkinferVerifier")
    );
    fails_with(market_post(m, forged), "not zkinfer's ZkinferVerifier");
    let run = |args: Vec<String>| {
        zkinfer(
            m.dir.path(),
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    fails_with(
        run(worker_args(m, m.market, forged, WORKER_KEY)),
        "not zkinfer's ZkinferVerifier",
    );
    fails_with(
        run(worker_args(m, m.market, m.other_model, WORKER_KEY)),
        "not the verifying-key contract",
    );
    fails_with(
        run(worker_args(m, m.verifier, m.model, WORKER_KEY)),
        "not zkinfer's InferenceMarket",
    );
}

/// A private input with a salt, handed to a worker as the README says: `commit --hashed-input
/// --new-salt` writes the salted input, `market post --hashed-input` posts its commitment (and refuses
/// to publish the file), the file goes straight into the worker's private `--inputs` folder, and
/// `zkinfer worker --hashed-input` proves and is paid.
#[test]
fn salted_private_input_job_is_paid_on_anvil() {
    let m = deploy_market();
    let d = m.dir.path();
    let (tiny, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    let (tiny, input) = (tiny.to_str().unwrap(), input.to_str().unwrap());
    let (url, verifier, market) = (
        m.node.url.as_str(),
        m.verifier.to_string(),
        m.market.to_string(),
    );
    let chain = ["--rpc", url, "--private-key", REQUESTER_KEY];
    let mut deploy = vec!["deploy", tiny, "--hashed-input", "--verifier", &verifier];
    deploy.extend(chain);
    let key = printed_address(&ok(zkinfer(d, &deploy)), "model").to_string();
    let committed = ok(zkinfer(
        d,
        &[
            "commit",
            tiny,
            input,
            "--hashed-input",
            "--new-salt",
            "salted.json",
        ],
    ));
    let commitment = committed.trim().to_string();
    let mut post = vec!["market", "post", tiny, "salted.json", "--hashed-input"];
    post.extend(chain);
    post.extend(["--market", &market, "--verifier", &key, "--reward", "1000"]);
    // A reward below the submission's gas: proved, not sent (cheap jobs cannot drain a worker).
    let cheap = ok(zkinfer(d, &post));
    let cheap_id: u64 = cheap["job ".len()..cheap.find(':').unwrap()]
        .parse()
        .unwrap();
    post.pop();
    post.push("1000000000000000000");
    let mut publish = post.clone();
    publish.extend(["--publish", "public"]);
    fails_with(zkinfer(d, &publish), "input is private");
    assert!(!d.join("public").exists(), "nothing published");
    let posted = ok(zkinfer(d, &post));
    assert!(posted.contains(&commitment), "{posted}");
    // A wrong file under the commitment's name (here: the input without its salt) is not served and
    // does not close the job for the worker.
    std::fs::create_dir_all(d.join("private")).unwrap();
    let handed = d.join("private").join(format!("{commitment}.json"));
    std::fs::copy(input, &handed).unwrap();
    let worker = [
        "worker",
        tiny,
        "--hashed-input",
        "--rpc",
        url,
        "--market",
        &market,
        "--verifier",
        &key,
        "--inputs",
        "private",
        "--private-key",
        WORKER_KEY,
        "--once",
    ];
    let log = ok(zkinfer(d, &worker));
    assert!(log.contains("does not match the job's input commitment") && !log.contains("PAID"));
    // A reward below --min-reward is skipped before proving.
    let mut picky = worker.to_vec();
    picky.extend(["--min-reward", "2000000000000000000"]);
    let log = ok(zkinfer(d, &picky));
    assert!(
        log.contains("below --min-reward") && !log.contains("PAID"),
        "{log}"
    );
    // The private handoff: the salted file, into the worker's own folder, under the commitment.
    std::fs::copy(d.join("salted.json"), &handed).unwrap();
    let log = ok(zkinfer(d, &worker));
    assert!(log.contains("PAID 1000000000000000000 wei"), "{log}");
    assert!(
        log.contains(&format!(
            "job {cheap_id}: its reward of 1000 wei does not cover"
        )),
        "{log}"
    );
}
