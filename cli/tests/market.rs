//! The verify-before-pay job contract (`verifier-contract/contracts/InferenceMarket.sol`) in an
//! in-process EVM, with real proofs and verifiers made by the CLI: a worker is paid for a valid proof of
//! the committed input; wrong proofs, inputs and models are rejected; no double payment; refunds after
//! the deadline only; a re-entrant worker is paid once.

mod common;

use common::{ok, zkinfer, zoo};
use std::path::Path;
use zkinfer_circuits::Fr;
use zkinfer_prover::ProofArtifact;
use zkinfer_verifier_contract::market::{
    encode_address_arg, encode_post, encode_refund, encode_submit, encode_view, encode_work,
    input_commitment, revert_reason, MARKET_SOL,
};
use zkinfer_verifier_contract::reusable::deploy::deploy_vk;
use zkinfer_verifier_contract::reusable::{VerifierData, VkFile, VERIFIER_CONTRACT, VERIFIER_SOL};
use zkinfer_verifier_contract::{compile, Address, EvmOutcome, InProcessEvm, U256};

const ETH: u64 = 1_000_000_000_000_000_000;
/// tiny_linear's input: [1, 2, 4].
const INPUTS: usize = 8;

/// `zkinfer export-verifier` for a zoo model: its EVM verifying-key data.
fn export(dir: &Path, model: &str, extra: &[&str]) -> VerifierData {
    let out = dir.join(format!("{model}-evm"));
    let onnx = zoo(model, "network.onnx");
    let mut args = vec![
        "export-verifier",
        onnx.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    ok(zkinfer(dir, &args));
    let vk = out.join("vk.json");
    VkFile::read(&vk).unwrap().verifier_data(&vk).unwrap()
}

struct World {
    evm: InProcessEvm,
    market: Address,
    verifier: Address,
    other_verifier: Address,
    instances: Vec<Fr>,
    proof: Vec<u8>,
    requester: Address,
    worker: Address,
}

fn reason(o: &EvmOutcome) -> String {
    revert_reason(&o.output).unwrap_or_else(|| format!("no reason ({} bytes)", o.output.len()))
}

fn setup(dir: &Path) -> World {
    let (onnx, input) = (
        zoo("tiny_linear", "network.onnx"),
        zoo("tiny_linear", "input.json"),
    );
    let proof_path = dir.join("proof.json");
    ok(zkinfer(
        dir,
        &[
            "prove",
            onnx.to_str().unwrap(),
            input.to_str().unwrap(),
            "--public-input",
            "-o",
            proof_path.to_str().unwrap(),
        ],
    ));
    let tiny_vk = export(dir, "tiny_linear", &["--public-input"]);
    let cal = zoo("mlp_digits", "cal.json");
    let other_vk = export(dir, "mlp_digits", &["--calibration", cal.to_str().unwrap()]);
    let artifact = ProofArtifact::read(&proof_path).unwrap();
    // `zkinfer commit` prints the commitment of the proof's input instances.
    let printed = ok(zkinfer(
        dir,
        &["commit", onnx.to_str().unwrap(), input.to_str().unwrap()],
    ));
    let instances = artifact.instances().unwrap();
    assert_eq!(
        printed.trim(),
        format!("0x{}", hex_string(&input_commitment(&instances[..INPUTS])))
    );
    let mut evm = InProcessEvm::new();
    let deploy = |evm: &mut InProcessEvm, src: &str, name: &str, args: &[u8]| {
        let mut code = compile(&format!("{name}.sol"), src, name, true)
            .unwrap()
            .creation;
        code.extend_from_slice(args);
        evm.deploy(code).unwrap().0
    };
    // One shared verifier; each model is a verifying-key contract, the address a job names.
    let shared = deploy(&mut evm, VERIFIER_SOL, VERIFIER_CONTRACT, &[]);
    let verifier = deploy_vk(&mut evm, shared, &tiny_vk).unwrap().0;
    let other_verifier = deploy_vk(&mut evm, shared, &other_vk).unwrap().0;
    let market = deploy(&mut evm, MARKET_SOL, "InferenceMarket", &[]);
    let (requester, worker) = (Address::repeat_byte(0xaa), Address::repeat_byte(0xbb));
    evm.fund(requester, U256::from(10 * ETH));
    evm.set_timestamp(1_000);
    World {
        evm,
        market,
        verifier,
        other_verifier,
        instances: artifact.instances().unwrap(),
        proof: artifact.proof_bytes().unwrap(),
        requester,
        worker,
    }
}

impl World {
    /// Post a job for `verifier` committed to `inputs`, 1 ETH, deadline in 100 s; returns its id.
    fn post(&mut self, verifier: Address, inputs: &[Fr]) -> u64 {
        let next = self
            .evm
            .call_as(
                self.requester,
                self.market,
                encode_view("nextJob()"),
                U256::ZERO,
            )
            .unwrap();
        let id = U256::from_be_slice(&next.output).saturating_to::<u64>();
        let deadline = self.evm.timestamp() + 100;
        let call = encode_post(verifier, input_commitment(inputs), INPUTS as u32, deadline);
        let o = self
            .evm
            .call_as(self.requester, self.market, call, U256::from(ETH))
            .unwrap();
        assert!(o.success, "post: {}", reason(&o));
        id
    }

    fn submit(&mut self, from: Address, id: u64, proof: &[u8]) -> EvmOutcome {
        let call = encode_submit(id, &self.instances, proof);
        self.evm
            .call_as(from, self.market, call, U256::ZERO)
            .unwrap()
    }
}

#[test]
fn verify_before_pay() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = setup(dir.path());
    let inputs = w.instances[..INPUTS].to_vec();
    let (market, worker, requester) = (w.market, w.worker, w.requester);

    // Paid on a valid proof of the committed input.
    let id = w.post(w.verifier, &inputs);
    assert_eq!(w.evm.balance(market), U256::from(ETH));
    let proof = w.proof.clone();
    let paid = w.submit(worker, id, &proof);
    assert!(paid.success, "valid proof refused: {}", reason(&paid));
    assert_eq!(w.evm.balance(worker), U256::from(ETH));
    assert_eq!(w.evm.balance(market), U256::ZERO);
    println!("submit-and-pay gas: {}", paid.gas_used);

    // No double payment: the same proof again, by another worker.
    let other = Address::repeat_byte(0xcc);
    let again = w.submit(other, id, &proof);
    assert!(!again.success);
    assert_eq!(reason(&again), "job closed");
    assert_eq!(w.evm.balance(other), U256::ZERO);

    // A tampered proof is rejected with bounded gas.
    let id = w.post(w.verifier, &inputs);
    let mut bad = proof.clone();
    bad[40] ^= 1;
    let rejected = w.submit(worker, id, &bad);
    assert!(!rejected.success);
    assert_eq!(reason(&rejected), "proof rejected");
    assert!(rejected.gas_used < 3_500_000, "gas {}", rejected.gas_used);

    // A proof of another input does not match the job's commitment.
    let mut other_input = inputs.clone();
    other_input[0] += Fr::from(1);
    let id2 = w.post(w.verifier, &other_input);
    let wrong_input = w.submit(worker, id2, &proof);
    assert_eq!(reason(&wrong_input), "wrong input");

    // A job for another model: its verifier rejects this model's proof.
    let id3 = w.post(w.other_verifier, &inputs);
    let wrong_model = w.submit(worker, id3, &proof);
    assert_eq!(reason(&wrong_model), "proof rejected");

    // Refunds: not before the deadline; after it, to the requester, once; no submission after it.
    let early = w
        .evm
        .call_as(requester, market, encode_refund(id), U256::ZERO)
        .unwrap();
    assert_eq!(reason(&early), "deadline not reached");
    let before = w.evm.balance(requester);
    w.evm.set_timestamp(w.evm.timestamp() + 101);
    let late = w.submit(worker, id, &proof);
    assert_eq!(reason(&late), "deadline passed");
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

#[test]
fn reentrant_worker_is_paid_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = setup(dir.path());
    let inputs = w.instances[..INPUTS].to_vec();
    let mut code = compile("InferenceMarket.sol", MARKET_SOL, "ReentrantWorker", false)
        .unwrap()
        .creation;
    code.extend(encode_address_arg(w.market));
    let attacker = w.evm.deploy(code).unwrap().0;
    let id = w.post(w.verifier, &inputs);
    // A second job funds the market, so a re-entrant second payout would have money to take.
    w.post(w.verifier, &inputs);
    let call = encode_work(id, &w.instances, &w.proof);
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

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
