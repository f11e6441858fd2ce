//! The verify-before-pay market on a real node (anvil on 127.0.0.1) with real transactions, tried as a
//! thief would: a copied submission, moved words, a proof for another job, wrong proofs, inputs and
//! models are rejected; no double payment; refund after the deadline only; a re-entrant worker is paid
//! once; a salted private-input job is handed to a worker and paid.

mod common;

use common::node::*;
use common::{fails_with, ok, zkinfer, zoo};
use zkinfer_circuits::Fr;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::market::{
    encode_address_arg, encode_post, encode_refund, encode_submit, encode_view, encode_work,
    input_commitment, revert_reason,
};
use zkinfer_verifier_contract::U256;

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
