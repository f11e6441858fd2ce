//! The front-running attack on a real node (anvil on 127.0.0.1), then two honest workers racing
//! and look-alike keys and markets refused by the contract, `market post` and `worker`.

mod common;

use common::node::*;
use common::{creation_of, fails_with, ok, zkinfer, ACCEPT_ANYTHING};
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::market::{encode_post, input_commitment, revert_reason};
use zkinfer_verifier_contract::reusable::vk_contract_creation;
use zkinfer_verifier_contract::{Address, U256};

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
