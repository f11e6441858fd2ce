//! Where the gas of zkinfer's EVM verifier goes: verifies one proof, then with copies of the verifier
//! that run one stage twice, and prints the gas per stage.
//! `cargo run --release -p zkinfer-verifier-contract --example gas_breakdown -- proof.json`
//! (the proof's verifying key must be in the key cache: run `zkinfer prove` first).

use zkinfer_prover::{KeyStore, ProofArtifact};
use zkinfer_verifier_contract::reusable::{
    deploy, verifier_data, InstanceLayout, VERIFIER_CONTRACT, VERIFIER_SOL,
};
use zkinfer_verifier_contract::{compile, encode_calldata, InProcessEvm};

const STAGES: [&str; 7] = [
    "setup()",
    "transcript()",
    "commonValues()",
    "mstore(vq, mulmod(numerator(), mload(vq), R))",
    "openings()",
    "commitments()",
    "pairing()",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: gas_breakdown proof.json")?;
    let artifact = ProofArtifact::read(std::path::Path::new(&path))?;
    let key =
        zkinfer_prover::keys::read_vk(&KeyStore::for_circuit(&artifact.circuit_hash).vk_path())?;
    let data = verifier_data(&key.params, &key.vk, InstanceLayout::of(&key.header))?;
    println!("{:?}", data.summary);
    let calldata = encode_calldata(&artifact.instances()?, &artifact.proof_bytes()?);
    // Each stage's cost = gas of a verifier that runs that stage twice minus the full verifier's gas
    // (every stage is idempotent), so the per-transaction calldata floor (EIP-7623) cannot hide it.
    let run = |source: &str| -> Result<(u64, bool), Box<dyn std::error::Error>> {
        let compiled = compile("ZkinferVerifier.sol", source, VERIFIER_CONTRACT, true)?;
        let mut evm = InProcessEvm::new();
        let d = deploy::deploy(&mut evm, &compiled, &data)?;
        let outcome = evm.call(d.vk, calldata.clone())?;
        Ok((outcome.gas_used, outcome.success))
    };
    let (full, ok) = run(VERIFIER_SOL)?;
    println!(
        "full verification: {full} gas ({})",
        if ok { "accepted" } else { "REJECTED" }
    );
    for stage in STAGES {
        // the call sites are the last occurrences (after the function definitions)
        let at = VERIFIER_SOL.rfind(stage).ok_or("stage not found")?;
        let twice = format!(
            "{}{stage}\n            {stage}{}",
            &VERIFIER_SOL[..at],
            &VERIFIER_SOL[at + stage.len()..]
        );
        let (gas, _) = run(&twice)?;
        println!("{stage:<50} {:>8} gas", gas as i64 - full as i64);
    }
    Ok(())
}
