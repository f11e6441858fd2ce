//! Helpers for the tests on a real node: anvil (npm `@foundry-rs/anvil-linux-amd64`, installed by
//! scripts/test-deps.sh) on 127.0.0.1, and a market deployed through the CLI.

use super::{ok, prove_tiny_bound, repo, zkinfer, zoo};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use zkinfer_circuits::Fr;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::market::{
    encode_post, encode_view, input_commitment, payee_tag, revert_reason,
};
use zkinfer_verifier_contract::{Address, U256};

/// anvil's first two dev accounts (from its public default mnemonic).
pub const REQUESTER_KEY: &str =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
pub const WORKER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
pub const SECOND_WORKER_KEY: &str =
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
pub const ETH: u64 = 1_000_000_000_000_000_000;
/// tiny_linear's input instances (proved with --public-input).
pub const INPUTS: usize = 8;

pub struct Anvil {
    child: Child,
    pub url: String,
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

pub fn start_anvil() -> Anvil {
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
pub fn printed_address(out: &str, label: &str) -> Address {
    let line = out.lines().find(|l| l.starts_with(label)).expect(label);
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

pub fn prove(dir: &Path, model: &str, out: &str, extra: &[&str]) {
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

pub fn reason(chain: &Chain, to: Address, data: Vec<u8>) -> String {
    let call = chain.call(to, data, U256::ZERO).unwrap();
    assert!(!call.success, "expected a revert");
    revert_reason(&call.output).unwrap_or_default()
}

/// A node with the shared verifier, tiny_linear's key (`model`), attention's key (`other_model`) and
/// a market, all deployed through the CLI.
pub struct Market {
    pub node: Anvil,
    pub dir: tempfile::TempDir,
    pub verifier: Address,
    pub model: Address,
    pub other_model: Address,
    pub market: Address,
    pub requester: Chain,
    pub worker: Chain,
    pub chain_id: u64,
    /// tiny_linear's input instance words.
    pub inputs: Vec<Fr>,
}

pub fn deploy_market() -> Market {
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
    pub fn post(&self, to: Address, inputs: &[Fr], seconds: u64) -> u64 {
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
    pub fn prove_for(&self, id: u64, payee: Address) -> (Vec<Fr>, Vec<u8>) {
        let tag = payee_tag(self.chain_id, self.market, id, payee);
        prove_tiny_bound(self.dir.path(), &tag, &format!("job-{id}-{payee}.json"))
    }

    pub fn worker_address(&self) -> Address {
        self.worker.address().unwrap()
    }
}

/// The arguments of `zkinfer worker` on tiny_linear.
pub fn worker_args(m: &Market, market: Address, key_contract: Address, key: &str) -> Vec<String> {
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
pub fn market_post(m: &Market, key_contract: Address) -> std::process::Output {
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
