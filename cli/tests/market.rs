//! The verify-before-pay job contract (`verifier-contract/contracts/InferenceMarket.sol`, as shipped
//! compiled) in an in-process EVM, with real proofs and verifiers made by the CLI, tried as a thief would:
//! a worker is paid for a valid proof of the committed input made for it and that job; a copied
//! submission, words moved between instances and proof, a proof made for another job, look-alike key
//! contracts, wrong proofs, inputs and models are rejected; no double payment; refunds after the deadline
//! only; a re-entrant worker is paid once. (The same attacks on a real node: `onchain.rs`.)

mod common;

use common::{creation_of, export, ok, prove_tiny_bound, zkinfer, zoo, ACCEPT_ANYTHING};
use std::path::{Path, PathBuf};
use zkinfer_circuits::Fr;
use zkinfer_verifier_contract::market::{
    encode_address_arg, encode_key_instances, encode_payee_tag, encode_post, encode_refund,
    encode_submit, encode_view, encode_work, input_commitment, payee_tag, revert_reason,
    MARKET_SOL,
};
use zkinfer_verifier_contract::reusable::deploy::{deploy_vk, verifier_code};
use zkinfer_verifier_contract::reusable::{vk_contract_creation, vk_contract_runtime};
use zkinfer_verifier_contract::reusable::{VerifierData, DATA_OFFSET};
use zkinfer_verifier_contract::{compile, encode_calldata, shipped, trust};
use zkinfer_verifier_contract::{Address, EvmOutcome, InProcessEvm, U256};

const ETH: u64 = 1_000_000_000_000_000_000;
/// tiny_linear's input: [1, 2, 4] as 8 instance words; then 4 outputs and the binding word.
const INPUTS: usize = 8;
const INSTANCES: usize = 8 + 4 + 1;

struct World {
    dir: PathBuf,
    evm: InProcessEvm,
    market: Address,
    shared: Address,
    key: Address,
    other_key: Address,
    tiny: VerifierData,
    /// The input's instance words (what a job commits to).
    inputs: Vec<Fr>,
    requester: Address,
    worker: Address,
    thief: Address,
}

fn reason(o: &EvmOutcome) -> String {
    revert_reason(&o.output).unwrap_or_else(|| format!("no reason ({} bytes)", o.output.len()))
}

fn setup(dir: &Path) -> World {
    // Proving first caches the model's settings (calibrated on its input), which export uses.
    let (instances, _) = prove_tiny_bound(dir, &Fr::from(0), "unbound.json");
    let tiny = export(dir, "tiny_linear", &["--public-input"]);
    let cal = zoo("mlp_digits", "cal.json");
    let other = export(dir, "mlp_digits", &["--calibration", cal.to_str().unwrap()]);
    let mut evm = InProcessEvm::new();
    // One shared verifier and the market, both as shipped; each model is a verifying-key contract.
    let shared = evm.deploy(verifier_code().unwrap().creation).unwrap().0;
    let key = deploy_vk(&mut evm, shared, &tiny).unwrap().0;
    let other_key = deploy_vk(&mut evm, shared, &other).unwrap().0;
    let market = evm.deploy(shipped::market().unwrap().creation).unwrap().0;
    let requester = Address::repeat_byte(0xaa);
    evm.fund(requester, U256::from(20) * U256::from(ETH));
    evm.set_timestamp(1_000);
    let w = World {
        dir: dir.to_path_buf(),
        evm,
        market,
        shared,
        key,
        other_key,
        tiny,
        inputs: instances[..INPUTS].to_vec(),
        requester,
        worker: Address::repeat_byte(0xbb),
        thief: Address::repeat_byte(0xcc),
    };
    // `zkinfer commit` prints the commitment of the proof's input instances.
    let (onnx, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    let printed = ok(zkinfer(
        dir,
        &["commit", onnx.to_str().unwrap(), input.to_str().unwrap()],
    ));
    assert_eq!(
        printed.trim(),
        format!("0x{}", hex::encode(input_commitment(&w.inputs)))
    );
    w
}

impl World {
    /// `zkinfer prove --public-input --bind TAG` of tiny_linear for job `id` paying `payee`.
    fn prove_for(&self, id: u64, payee: Address) -> (Vec<Fr>, Vec<u8>) {
        let tag = payee_tag(self.evm.chain_id(), self.market, id, payee);
        let (instances, proof) =
            prove_tiny_bound(&self.dir, &tag, &format!("proof-{id}-{payee}.json"));
        assert_eq!(instances.len(), INSTANCES);
        (instances, proof)
    }

    fn next_job(&mut self) -> u64 {
        let next = self
            .evm
            .call_as(
                self.requester,
                self.market,
                encode_view("nextJob()"),
                U256::ZERO,
            )
            .unwrap();
        U256::from_be_slice(&next.output).saturating_to::<u64>()
    }

    /// Post a job for `key` committed to `inputs`, 1 ETH, deadline in 100 s.
    fn try_post(&mut self, key: Address, inputs: &[Fr]) -> EvmOutcome {
        self.try_post_declaring(key, inputs, inputs.len() as u32)
    }

    /// [`Self::try_post`] declaring `num_inputs` input words.
    fn try_post_declaring(&mut self, key: Address, inputs: &[Fr], num_inputs: u32) -> EvmOutcome {
        let deadline = self.evm.timestamp() + 100;
        let call = encode_post(key, input_commitment(inputs), num_inputs, deadline);
        self.evm
            .call_as(self.requester, self.market, call, U256::from(ETH))
            .unwrap()
    }

    /// [`Self::try_post`], which must succeed; returns the job id.
    fn post(&mut self, key: Address, inputs: &[Fr]) -> u64 {
        let id = self.next_job();
        let o = self.try_post(key, inputs);
        assert!(o.success, "post: {}", reason(&o));
        id
    }

    fn submit(&mut self, from: Address, id: u64, instances: &[Fr], proof: &[u8]) -> EvmOutcome {
        let call = encode_submit(id, instances, proof);
        self.evm
            .call_as(from, self.market, call, U256::ZERO)
            .unwrap()
    }
}

#[test]
fn verify_before_pay_and_only_the_prover_is_paid() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = setup(dir.path());
    let inputs = w.inputs.clone();
    let (market, worker, requester, thief) = (w.market, w.worker, w.requester, w.thief);

    // The Rust tag is the contract's own.
    let on_chain = w
        .evm
        .call_as(requester, market, encode_payee_tag(7, worker), U256::ZERO)
        .unwrap();
    let tag = payee_tag(w.evm.chain_id(), market, 7, worker);
    assert_eq!(
        on_chain.output,
        zkinfer_verifier_contract::market::word(&tag)
    );

    let id = w.post(w.key, &inputs);
    assert_eq!(w.evm.balance(market), U256::from(ETH));
    let (instances, proof) = w.prove_for(id, worker);
    // A copier sends the worker's exact calldata first: the proof was not made for it.
    let copied = w.submit(thief, id, &instances, &proof);
    assert!(!copied.success);
    assert_eq!(reason(&copied), "proof not made for this sender and job");
    assert_eq!(w.evm.balance(thief), U256::ZERO);
    // The worker is paid on its valid proof of the committed input.
    let paid = w.submit(worker, id, &instances, &proof);
    assert!(paid.success, "valid proof refused: {}", reason(&paid));
    assert_eq!(w.evm.balance(worker), U256::from(ETH));
    assert_eq!(w.evm.balance(market), U256::ZERO);
    println!("submit-and-pay gas: {}", paid.gas_used);
    // No double payment.
    assert_eq!(
        reason(&w.submit(worker, id, &instances, &proof)),
        "job closed"
    );

    // A tampered proof is rejected with bounded gas.
    let id = w.post(w.key, &inputs);
    let (instances, proof) = w.prove_for(id, worker);
    let mut bad = proof.clone();
    bad[40] ^= 1;
    let rejected = w.submit(worker, id, &instances, &bad);
    assert_eq!(reason(&rejected), "proof rejected");
    assert!(rejected.gas_used < 3_500_000, "gas {}", rejected.gas_used);

    // A proof of another input does not match the job's commitment.
    let mut other_input = inputs.clone();
    other_input[0] += Fr::from(1);
    let id2 = w.post(w.key, &other_input);
    let (instances2, proof2) = w.prove_for(id2, worker);
    assert_eq!(
        reason(&w.submit(worker, id2, &instances2, &proof2)),
        "wrong input"
    );

    // A job for another model (private input): its key has no input words and another instance count.
    let declared = w.try_post(w.other_key, &inputs);
    assert_eq!(reason(&declared), "numInputs is not the key's");
    let id3 = w.next_job();
    assert!(w.try_post_declaring(w.other_key, &[], 0).success);
    let (instances3, proof3) = w.prove_for(id3, worker);
    let wrong_model = w.submit(worker, id3, &instances3, &proof3);
    assert_eq!(reason(&wrong_model), "wrong instance count");
    // The key, not the requester, says how many words are the input's.
    let shorter = w.try_post_declaring(w.key, &inputs[..INPUTS - 1], INPUTS as u32 - 1);
    assert_eq!(reason(&shorter), "numInputs is not the key's");

    // Refunds: not before the deadline; after it, to the requester, once; no submission after it.
    let early = w
        .evm
        .call_as(requester, market, encode_refund(id), U256::ZERO)
        .unwrap();
    assert_eq!(reason(&early), "deadline not reached");
    let before = w.evm.balance(requester);
    w.evm.set_timestamp(w.evm.timestamp() + 101);
    assert_eq!(
        reason(&w.submit(worker, id, &instances, &proof)),
        "deadline passed"
    );
    let refund = w
        .evm
        .call_as(
            Address::repeat_byte(0xdd),
            market,
            encode_refund(id),
            U256::ZERO,
        )
        .unwrap();
    assert!(refund.success, "refund: {}", reason(&refund));
    assert_eq!(w.evm.balance(requester), before + U256::from(ETH));
    let twice = w
        .evm
        .call_as(requester, market, encode_refund(id), U256::ZERO)
        .unwrap();
    assert_eq!(reason(&twice), "job closed");
}

/// The verifier reads `instances ++ proof` as one byte string and splits it by the key's own instance
/// count, so moving a 32-byte word across the boundary leaves what it verifies unchanged. The market
/// must then refuse, or it would record (and pay for) outputs that are not the proven ones.
#[test]
fn words_cannot_move_between_instances_and_proof() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = setup(dir.path());
    let inputs = w.inputs.clone();
    let worker = w.worker;
    let id = w.post(w.key, &inputs);
    let (instances, proof) = w.prove_for(id, worker);
    let as_word = |bytes: &[u8]| -> Fr {
        let mut le: [u8; 32] = bytes.try_into().unwrap();
        le.reverse();
        Option::from(
            <Fr as zkinfer_circuits::halo2_proofs::halo2curves::ff::PrimeField>::from_repr(le),
        )
        .expect("a proof point coordinate below r")
    };
    // The binding word moved into the proof; the first proof word moved into the instances.
    let mut shorter_proof =
        zkinfer_verifier_contract::market::word(&instances[INSTANCES - 1]).to_vec();
    shorter_proof.extend_from_slice(&proof);
    let fewer = &instances[..INSTANCES - 1];
    let mut more = instances.clone();
    more.push(as_word(&proof[..32]));
    let longer = &proof[32..];
    for (what, inst, prf) in [
        ("one word fewer", fewer, &shorter_proof[..]),
        ("one word more", &more[..], longer),
    ] {
        // The verifier alone accepts these bytes (the attack is real)...
        let direct = w
            .evm
            .call_as(worker, w.key, encode_calldata(inst, prf), U256::ZERO)
            .unwrap();
        assert!(direct.success, "{what}: the verifier sees the same bytes");
        // ...the market does not.
        let o = w.submit(worker, id, inst, prf);
        assert_eq!(reason(&o), "wrong instance count", "{what}");
    }
    let paid = w.submit(worker, id, &instances, &proof);
    assert!(paid.success, "{}", reason(&paid));
}

/// A proof is bound to its job: accepted once, it cannot be resubmitted for another job of the same
/// model and input, even by the same worker, nor for the job with the same id on another market.
#[test]
fn a_proof_pays_only_for_its_own_job() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = setup(dir.path());
    let inputs = w.inputs.clone();
    let worker = w.worker;
    let first = w.post(w.key, &inputs);
    let second = w.post(w.key, &inputs);
    let (instances, proof) = w.prove_for(first, worker);
    // Another market, the same job id, model, input and worker.
    let (home, elsewhere) = (
        w.market,
        w.evm.deploy(shipped::market().unwrap().creation).unwrap().0,
    );
    w.market = elsewhere;
    assert_eq!(w.post(w.key, &inputs), first);
    let other_market = w.submit(worker, first, &instances, &proof);
    assert_eq!(
        reason(&other_market),
        "proof not made for this sender and job"
    );
    w.market = home;
    assert!(w.submit(worker, first, &instances, &proof).success);
    let reused = w.submit(worker, second, &instances, &proof);
    assert_eq!(reason(&reused), "proof not made for this sender and job");
    let (instances, proof) = w.prove_for(second, worker);
    assert!(w.submit(worker, second, &instances, &proof).success);
    assert_eq!(w.evm.balance(worker), U256::from(2 * ETH));
}

/// Keys are pinned by code: the market (on chain) and `trust::check_key_contract` (the CLI's check)
/// refuse a look-alike key that forwards to a contract accepting anything, a key whose forwarder was
/// edited, a key of another format, and addresses that are not keys.
#[test]
fn look_alike_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = setup(dir.path());
    let inputs = w.inputs.clone();
    let fake_verifier = w.evm.deploy(creation_of(&ACCEPT_ANYTHING)).unwrap().0;
    // The genuine key: accepted, with its instance count.
    let n = w
        .evm
        .call_as(
            w.requester,
            w.market,
            encode_key_instances(w.key),
            U256::ZERO,
        )
        .unwrap();
    assert_eq!(U256::from_be_slice(&n.output[..32]), U256::from(INSTANCES));
    assert_eq!(U256::from_be_slice(&n.output[32..]), U256::from(INPUTS));
    let genuine = w.evm.code(w.key);
    assert_eq!(
        trust::check_key_contract(w.key, &genuine, &w.tiny, code_of(&w.evm)).unwrap(),
        w.shared
    );

    // This model's data behind a forwarder to the accept-anything contract: it "verifies" garbage.
    let forged = w
        .evm
        .deploy(vk_contract_creation(fake_verifier, &w.tiny).unwrap())
        .unwrap()
        .0;
    let garbage = w
        .evm
        .call_as(w.thief, forged, vec![7; 100], U256::ZERO)
        .unwrap();
    assert!(garbage.success, "the forged key accepts anything");
    let o = w.try_post(forged, &inputs);
    assert_eq!(reason(&o), "key does not call ZkinferVerifier");
    let err = trust::check_key_contract(forged, &w.evm.code(forged), &w.tiny, code_of(&w.evm));
    assert!(format!("{}", err.unwrap_err()).contains("not zkinfer's ZkinferVerifier"));

    // The genuine verifier's address where the market reads it, the fake one where the call goes.
    let mut edited = vk_contract_runtime(w.shared, &w.tiny).unwrap();
    edited[48..68].copy_from_slice(fake_verifier.as_slice());
    let edited_at = w.evm.deploy(creation_of(&edited)).unwrap().0;
    assert_eq!(
        reason(&w.try_post(edited_at, &inputs)),
        "not a zkinfer key contract"
    );
    assert!(trust::check_key_contract(edited_at, &edited, &w.tiny, code_of(&w.evm)).is_err());

    // A key of the previous format (no binding word): refused by the market.
    let mut v1 = vk_contract_runtime(w.shared, &w.tiny).unwrap();
    v1[DATA_OFFSET + 31] = b'1';
    let v1_at = w.evm.deploy(creation_of(&v1)).unwrap().0;
    assert_eq!(
        reason(&w.try_post(v1_at, &inputs)),
        "key format is not zkinfer-vk2"
    );

    // Not keys at all: no code, the accept-anything contract, the shared verifier itself.
    for at in [Address::repeat_byte(0x42), fake_verifier, w.shared] {
        assert_eq!(
            reason(&w.try_post(at, &inputs)),
            "not a zkinfer key contract"
        );
    }
    // What the market cannot check: the key's data and numerator code. A key whose numerator code was
    // changed (it could make the genuine verifier accept false outputs) passes `post`; only a check of
    // the whole code against the model (`market post`, `worker`: `trust::check_key_contract`) refuses it.
    let mut rewritten = vk_contract_runtime(w.shared, &w.tiny).unwrap();
    let last = rewritten.len() - 2;
    rewritten[last] ^= 1;
    let rewritten_at = w.evm.deploy(creation_of(&rewritten)).unwrap().0;
    assert!(
        w.try_post(rewritten_at, &inputs).success,
        "the market alone accepts it"
    );
    let refused = trust::check_key_contract(rewritten_at, &rewritten, &w.tiny, code_of(&w.evm));
    assert!(format!("{}", refused.unwrap_err()).contains("not the verifying-key contract"));
    // Another model's genuine key is a key, but not this model's (what `market post` and `worker` check).
    let other = w.evm.code(w.other_key);
    assert!(trust::check_key_contract(w.other_key, &other, &w.tiny, code_of(&w.evm)).is_err());
}

/// Code lookup for `trust::check_key_contract`.
fn code_of(
    evm: &InProcessEvm,
) -> impl FnOnce(Address) -> zkinfer_verifier_contract::error::Result<Vec<u8>> + '_ {
    move |a| Ok(evm.code(a))
}

#[test]
fn reentrant_worker_is_paid_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = setup(dir.path());
    let inputs = w.inputs.clone();
    let mut code = compile("InferenceMarket.sol", MARKET_SOL, "ReentrantWorker", false)
        .unwrap()
        .creation;
    code.extend(encode_address_arg(w.market));
    let attacker = w.evm.deploy(code).unwrap().0;
    let id = w.post(w.key, &inputs);
    // A second job funds the market, so a re-entrant second payout would have money to take.
    w.post(w.key, &inputs);
    // The attacker contract submits, so the proof is made for it.
    let (instances, proof) = w.prove_for(id, attacker);
    let call = encode_work(id, &instances, &proof);
    let o = w.evm.call_as(w.worker, attacker, call, U256::ZERO).unwrap();
    assert!(o.success, "work: {}", reason(&o));
    assert_eq!(
        w.evm.balance(attacker),
        U256::from(ETH),
        "paid exactly once"
    );
    assert_eq!(
        w.evm.balance(w.market),
        U256::from(ETH),
        "the other job's escrow is intact"
    );
    let reentered = w
        .evm
        .call_as(w.worker, attacker, encode_view("reentered()"), U256::ZERO)
        .unwrap();
    assert_eq!(U256::from_be_slice(&reentered.output), U256::ZERO);
}
