//! `zkinfer market deploy|post|refund`: the requester's side of `InferenceMarket` on a node.
//! `deploy` deploys the market as zkinfer ships it compiled. `post` checks the market is that code and
//! `--verifier` is the model's verifying-key contract forwarding to zkinfer's `ZkinferVerifier` (pinned
//! by code), commits to an input (as `zkinfer commit` does), escrows the reward, and publishes the input
//! file where workers look for it (`DIR/0x<commitment>.json`).

use crate::pipeline::{
    check_model_key, committed_words, load_model, load_srs, prepare, Calibration, SettingsArgs,
};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use zkinfer_models::read_input_file;
use zkinfer_prover::keys::read_vk;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::market::{
    encode_post, encode_refund, encode_view, input_commitment, revert_reason,
};
use zkinfer_verifier_contract::trust::check_market;
use zkinfer_verifier_contract::{shipped, Address, U256};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    /// JSON-RPC endpoint of the node (http or https).
    #[arg(long, global = true)]
    rpc: Option<String>,
    /// Hex private key of the requester (default: $ZKINFER_PRIVATE_KEY).
    #[arg(
        long,
        env = "ZKINFER_PRIVATE_KEY",
        hide_env_values = true,
        global = true
    )]
    private_key: Option<String>,
}

// Parsed once per run: the size of the `Post` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(clap::Subcommand)]
enum Action {
    /// Deploy an InferenceMarket; prints its address.
    Deploy,
    /// Post a job: the model's address, a commitment to the input, the reward in escrow, a deadline.
    Post(Post),
    /// Take back the reward of an unproven job after its deadline.
    Refund {
        /// The market.
        #[arg(long)]
        market: Address,
        /// The job id.
        id: u64,
    },
}

#[derive(clap::Args)]
struct Post {
    /// The ONNX model (to quantize the input exactly as the prover will).
    model: PathBuf,
    /// The input, EZKL format.
    input: PathBuf,
    /// The market.
    #[arg(long)]
    market: Address,
    /// The model's address (its verifying-key contract, from `zkinfer deploy`).
    #[arg(long)]
    verifier: Address,
    /// Reward in wei.
    #[arg(long)]
    reward: u128,
    /// Seconds from now until the deadline.
    #[arg(long, default_value_t = 3600)]
    seconds: u64,
    /// Folder to publish the input in, as 0x<commitment>.json (where workers look).
    #[arg(long)]
    publish: Option<PathBuf>,
    #[command(flatten)]
    settings: SettingsArgs,
}

pub fn run(args: Args) -> Result<()> {
    let Some(rpc) = args.rpc.as_deref() else {
        bail!("market needs --rpc URL");
    };
    let Some(key) = args.private_key.as_deref() else {
        bail!("market needs a private key: --private-key KEY or ZKINFER_PRIVATE_KEY");
    };
    let chain = Chain::connect(rpc, Some(key)).with_context(|| rpc.to_string())?;
    match args.action {
        Action::Deploy => {
            let code = shipped::market()?;
            let r = chain.deploy(code.creation)?;
            let at = r.contract.context("no contract address in the receipt")?;
            println!("market {at} (deploy gas {}, tx {})", r.gas_used, r.hash);
        }
        Action::Post(p) => post(&chain, p)?,
        Action::Refund { market, id } => {
            let call = chain.call(market, encode_refund(id), U256::ZERO)?;
            if !call.success {
                let why = revert_reason(&call.output).unwrap_or_else(|| "no reason".into());
                bail!("job {id}: refund refused: {why}");
            }
            let r = chain.transact(market, encode_refund(id), U256::ZERO, None)?;
            println!("job {id}: refunded (tx {}, gas {})", r.hash, r.gas_used);
        }
    }
    Ok(())
}

fn post(chain: &Chain, p: Post) -> Result<()> {
    let model = load_model(&p.model)?;
    let file = read_input_file(&p.input)?;
    let input = file.single(&model.graph.input_sizes())?;
    let mut overrides = p.settings.overrides();
    overrides.public_input = !overrides.hashed_input;
    let prep = prepare(
        model,
        p.settings.calibration(Calibration::Input(&input)),
        overrides.clone(),
    )?;
    if overrides.hashed_input && p.publish.is_some() {
        bail!(
            "--publish: a --hashed-input job's input is private: hand {} (with its salt) to the worker \
             directly, into its --inputs folder, never through a public one",
            p.input.display()
        );
    }
    let words = committed_words(&prep, &input, overrides.hashed_input, file.salt)?;
    let commitment = input_commitment(&words);
    check_market(p.market, &chain.code(p.market)?).context("--market")?;
    // The job names a model by address: it must be this model's key, calling the genuine verifier.
    let srs = load_srs(&prep)?;
    let vk = read_vk(&prep.ensure_keys(&srs)?)?;
    check_model_key(chain, p.verifier, &vk, &prep).context("--verifier")?;
    let next = chain.call(p.market, encode_view("nextJob()"), U256::ZERO)?;
    if !next.success || next.output.len() != 32 {
        bail!("{}: not an InferenceMarket (nextJob() failed)", p.market);
    }
    let id = U256::from_be_slice(&next.output);
    let deadline = chain.timestamp()? + p.seconds;
    let call = encode_post(p.verifier, commitment, words.len() as u32, deadline);
    let estimate = chain.estimate_gas(p.market, call.clone(), U256::from(p.reward))?;
    if let Err(revert) = estimate {
        let why = revert_reason(&revert).unwrap_or_else(|| "no reason".into());
        bail!("{}: the market refuses the job: {why}", p.market);
    }
    let r = chain.transact(p.market, call, U256::from(p.reward), None)?;
    if !r.success {
        bail!("posting the job reverted (tx {})", r.hash);
    }
    let name = format!("0x{}.json", hex::encode(commitment));
    println!(
        "job {id}: model {}, input commitment 0x{} ({} instance words), reward {} wei, deadline {deadline} (tx {}, gas {})",
        p.verifier,
        hex::encode(commitment),
        words.len(),
        p.reward,
        r.hash,
        r.gas_used
    );
    if let Some(dir) = p.publish {
        std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
        let to = dir.join(&name);
        zkinfer_prover::cache::write_atomic(&to, &std::fs::read(&p.input)?)
            .with_context(|| to.display().to_string())?;
        println!("published the input as {}", to.display());
    }
    Ok(())
}
