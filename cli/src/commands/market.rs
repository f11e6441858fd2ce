//! `zkinfer market deploy|post|refund`: the requester's side of `InferenceMarket` on a node.
//! `deploy` deploys the market as zkinfer ships it compiled. `post` checks the market is that code and
//! `--verifier` is the model's verifying-key contract forwarding to zkinfer's `ZkinferVerifier` (pinned
//! by code), commits to an input (as `zkinfer commit` does), escrows the reward, and publishes the input
//! file where workers look for it (`DIR/0x<commitment>.json`).

use crate::pipeline::{committed_words, load_srs, prepare, Calibration, SettingsArgs};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use zkinfer::market::{Market, NewJob};
use zkinfer_models::read_input_file;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::{Address, U256};

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
            let (market, r) = Market::deploy(&chain)?;
            println!(
                "market {} (deploy gas {}, tx {})",
                market.address, r.gas_used, r.hash
            );
        }
        Action::Post(p) => post(&chain, p)?,
        Action::Refund { market, id } => {
            let r = Market::at(&chain, market).context("--market")?.refund(id)?;
            println!("job {id}: refunded (tx {}, gas {})", r.hash, r.gas_used);
        }
    }
    Ok(())
}

fn post(chain: &Chain, p: Post) -> Result<()> {
    let model = p.settings.load_model(&p.model)?;
    let file = read_input_file(&p.input)?;
    let input = file.for_model(&model.graph)?;
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
    let input_words = committed_words(&prep, &input, overrides.hashed_input, file.salt)?;
    let market = Market::at(chain, p.market).context("--market")?;
    let srs = load_srs(&prep)?;
    let vk = prep.verifier_key(&srs)?;
    let job = NewJob {
        key: p.verifier,
        input_words,
        reward: U256::from(p.reward),
        seconds: p.seconds,
    };
    let posted = market.post(&prep, &vk, &job)?;
    let (commitment, r) = (hex::encode(posted.commitment), &posted.receipt);
    println!(
        "job {}: model {}, input commitment 0x{commitment} ({} instance words), reward {} wei, deadline {} (tx {}, gas {})",
        posted.id,
        p.verifier,
        job.input_words.len(),
        p.reward,
        posted.deadline,
        r.hash,
        r.gas_used
    );
    if let Some(dir) = p.publish {
        std::fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
        let to = dir.join(format!("0x{commitment}.json"));
        zkinfer_prover::cache::write_atomic(&to, &std::fs::read(&p.input)?)
            .with_context(|| to.display().to_string())?;
        println!("published the input as {}", to.display());
    }
    Ok(())
}
