//! `zkinfer worker model.onnx --rpc URL --market ADDR --verifier ADDR --inputs DIR`: a prover node
//! (`zkinfer::worker`): watches an InferenceMarket for open jobs naming this model's verifying-key
//! contract, proves each job's input and submits the proof, bound to the job and this worker's
//! account; prints what happens to each job (rewards, races lost, jobs it cannot serve).
//!
//! Inputs travel off chain: a requester publishes the input file (EZKL format) as
//! `DIR/0x<input commitment>.json`, the commitment being what the job posted (`zkinfer commit`).

use crate::pipeline::{load_srs, prepare, Calibration, SettingsArgs};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::time::Duration;
use zkinfer::worker::{Worker, WorkerConfig};
use zkinfer::Prover;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::{Address, U256};

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model this worker proves.
    model: PathBuf,
    /// JSON-RPC endpoint of the node (http or https).
    #[arg(long)]
    rpc: String,
    /// The InferenceMarket contract.
    #[arg(long)]
    market: Address,
    /// The model's address (its verifying-key contract, as `zkinfer deploy` printed it).
    #[arg(long)]
    verifier: Address,
    /// Folder of job inputs, one file per job named 0x<input commitment>.json.
    #[arg(long)]
    inputs: PathBuf,
    /// Where to keep the proofs it makes.
    #[arg(long, default_value = "worker-proofs")]
    proofs: PathBuf,
    /// Hex private key of the worker's account, paid the rewards (default: $ZKINFER_PRIVATE_KEY).
    #[arg(long, env = "ZKINFER_PRIVATE_KEY", hide_env_values = true)]
    private_key: Option<String>,
    /// Serve the jobs open now, then exit (default: keep watching).
    #[arg(long)]
    once: bool,
    /// Milliseconds between polls of the market.
    #[arg(long, default_value_t = 1000)]
    poll_ms: u64,
    /// Skip jobs paying less than this (wei): a proof and a submission cost time and gas.
    #[arg(long, default_value_t = 0)]
    min_reward: u128,
    /// Skip (and do not submit for) jobs whose deadline is less than this many seconds away: a
    /// submission mined after the deadline reverts with the outputs public in its calldata.
    #[arg(long, default_value_t = 30)]
    deadline_margin: u64,
    #[command(flatten)]
    settings: SettingsArgs,
}

pub fn run(args: Args) -> Result<()> {
    let Some(key) = args.private_key.as_deref() else {
        bail!("worker needs a private key: --private-key KEY or ZKINFER_PRIVATE_KEY");
    };
    // Market jobs commit to the input, so proofs carry it (or its Poseidon commitment) as instances.
    let mut settings = args.settings.clone();
    settings.hashed_input = settings.overrides().hashed_input;
    settings.public_input = !settings.hashed_input;
    settings.input_visibility = None;
    let chain = Chain::connect(&args.rpc, Some(key)).with_context(|| args.rpc.clone())?;
    let model = settings.load_model(&args.model)?;
    let prep = prepare(
        model,
        settings.calibration(Calibration::CachedOnly),
        settings.overrides(),
    )?;
    // The model, its SRS and keys, loaded once for every job this worker serves.
    let srs = load_srs(&prep)?;
    let prover = Prover::load(prep, srs)?;
    // A worker proves job after job with the same key: keep the key's cosets (about twice its size).
    prover.keep_fixed_cosets();
    let config = WorkerConfig {
        key: args.verifier,
        inputs: args.inputs.clone(),
        proofs: args.proofs.clone(),
        min_reward: U256::from(args.min_reward),
        deadline_margin: args.deadline_margin,
    };
    let mut worker = Worker::new(&prover, &chain, args.market, config)?;
    println!(
        "worker {}: model {} at {}, market {}",
        worker.account(),
        args.model.display(),
        args.verifier,
        args.market
    );
    loop {
        worker.poll(args.once, &mut |event| println!("{event}"))?;
        if args.once {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(args.poll_ms));
    }
}
