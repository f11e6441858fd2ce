//! `zkinfer worker model.onnx --rpc URL --market ADDR --verifier ADDR --inputs DIR`: a prover node.
//! Watches an InferenceMarket for open jobs naming this model's verifying-key contract, proves each
//! job's input and submits the proof; logs rewards, races lost and jobs it cannot serve.
//!
//! Inputs travel off chain: a requester publishes the input file (EZKL format) as
//! `DIR/0x<input commitment>.json`, the commitment being what the job posted (`zkinfer commit`); the
//! worker checks that its proof's input instances hash to the job's commitment before submitting.
//!
//! Before serving anything it checks the market is zkinfer's `InferenceMarket` and `--verifier` is this
//! model's verifying-key contract forwarding to zkinfer's `ZkinferVerifier` (all pinned by code). Before
//! proving a job it checks the reward (`--min-reward`), the time left (`--deadline-margin`, again
//! before submitting) and that the input file matches the job's commitment (a wrong file does not close
//! the job: a corrected one is served at a later poll); a failed submission is logged, not fatal. Each
//! proof is bound to the job and to this worker's account (the market's payee tag is its last
//! instance), so a copied submission pays the copier nothing.

use crate::pipeline::{
    check_model_key, committed_words, load_model, load_srs, prepare, Calibration, Prepared,
    SettingsArgs,
};
use anyhow::{bail, Context, Result};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zkinfer::Prover;
use zkinfer_models::read_input_file;
use zkinfer_verifier_contract::chain::Chain;
use zkinfer_verifier_contract::market::{
    encode_job, encode_submit, encode_view, input_commitment, payee_tag, revert_reason, Job,
};
use zkinfer_verifier_contract::trust::check_market;
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

fn hex32(bytes: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(bytes))
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
    let model = load_model(&args.model)?;
    let prep = prepare(
        model,
        settings.calibration(Calibration::CachedOnly),
        settings.overrides(),
    )?;
    // The model, its SRS and keys, loaded once for every job this worker serves.
    let srs = load_srs(&prep)?;
    let prover = Prover::load(prep, srs)?;
    let prep = &prover.prep;
    let vk = &prover.vk;
    check_market(args.market, &chain.code(args.market)?).context("--market")?;
    check_model_key(&chain, args.verifier, vk, prep).context("--verifier")?;
    let chain_id = chain.chain_id()?;
    std::fs::create_dir_all(&args.proofs).with_context(|| args.proofs.display().to_string())?;
    let me = chain.address().context("no signing account")?;
    println!(
        "worker {me}: model {} at {}, market {}",
        args.model.display(),
        args.verifier,
        args.market
    );
    let mut done: HashSet<u64> = HashSet::new();
    let mut waiting: HashSet<(u64, String)> = HashSet::new();
    loop {
        let next = chain.call(args.market, encode_view("nextJob()"), U256::ZERO)?;
        if !next.success {
            bail!(
                "{}: nextJob() reverted: is it an InferenceMarket?",
                args.market
            );
        }
        let count = u64::try_from(U256::from_be_slice(&next.output)).unwrap_or(0);
        for id in 0..count {
            if done.contains(&id) {
                continue;
            }
            let raw = chain.call(args.market, encode_job(id), U256::ZERO)?;
            let job = Job::decode(&raw.output)
                .with_context(|| format!("job {id}: unexpected jobs() answer"))?;
            match triage(&chain, &args, prep, &job)? {
                Next::Skip(why) => {
                    if let Some(why) = why {
                        println!("job {id}: {why}, skipped");
                    }
                    done.insert(id);
                }
                Next::Wait(why) => {
                    if waiting.insert((id, why.clone())) {
                        println!("job {id}: {why}");
                    }
                    if args.once {
                        done.insert(id);
                    }
                }
                Next::Serve(input) => {
                    done.insert(id);
                    let tag = payee_tag(chain_id, args.market, id, me);
                    if let Err(e) = serve(&chain, &args, &prover, (id, tag), &job, &input) {
                        println!("job {id}: not submitted: {e:#}");
                    }
                }
            }
        }
        if args.once {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(args.poll_ms));
    }
}

/// What to do with a job now.
enum Next {
    /// Not this worker's (with the reason to log, if any): never look at it again.
    Skip(Option<String>),
    /// Not yet (the reason): look again at the next poll.
    Wait(String),
    /// Prove this input file.
    Serve(PathBuf),
}

/// Decide on a job before spending any proving time or gas on it: the model, the reward, the time
/// left, and an input file that matches the job's commitment (a wrong file does not close the job: a
/// corrected one is picked up at a later poll).
fn triage(chain: &Chain, args: &Args, prep: &Prepared, job: &Job) -> Result<Next> {
    if job.verifier != args.verifier || job.closed {
        return Ok(Next::Skip(None));
    }
    if job.reward < U256::from(args.min_reward) {
        return Ok(Next::Skip(Some(format!(
            "reward {} wei below --min-reward",
            job.reward
        ))));
    }
    if chain.timestamp()?.saturating_add(args.deadline_margin) > job.deadline {
        return Ok(Next::Skip(Some(
            "past its deadline or within --deadline-margin of it".into(),
        )));
    }
    let input = args
        .inputs
        .join(format!("{}.json", hex32(&job.input_commitment)));
    if !input.exists() {
        return Ok(Next::Wait(format!(
            "waiting for its input {}",
            input.display()
        )));
    }
    let hashed = prep.circuit.params.hashed_input;
    let matches = read_input_file(&input)
        .map_err(anyhow::Error::from)
        .and_then(|file| {
            let values = file.single(&prep.model.graph.input_sizes())?;
            Ok(committed_words(prep, &values, hashed, file.salt)?)
        })
        .map(|words| {
            words.len() == job.num_inputs as usize
                && input_commitment(&words) == job.input_commitment
        });
    Ok(match matches {
        Ok(true) => Next::Serve(input),
        Ok(false) => Next::Wait(format!(
            "{} does not match the job's input commitment; waiting for a correct file",
            input.display()
        )),
        Err(e) => Next::Wait(format!(
            "{}: {e:#}; waiting for a correct file",
            input.display()
        )),
    })
}

/// Prove one job (bound to `tag`, the market's payee tag of the job and this worker) and submit it.
/// Failures specific to the job are logged, not fatal.
fn serve(
    chain: &Chain,
    args: &Args,
    prover: &Prover,
    (id, tag): (u64, zkinfer_circuits::Fr),
    job: &Job,
    input: &Path,
) -> Result<()> {
    let output = args.proofs.join(format!("job-{id}.proof.json"));
    println!(
        "job {id}: proving {} (reward {} wei)",
        input.display(),
        job.reward
    );
    let proved = read_input_file(input)
        .map_err(anyhow::Error::from)
        .and_then(|file| {
            let values = file.single(&prover.prep.model.graph.input_sizes())?;
            Ok(prover.prove_input(&values, file.salt, tag)?)
        });
    let artifact = match proved {
        Ok(artifact) => artifact,
        Err(e) => {
            println!("job {id}: cannot prove its input: {e:#}");
            return Ok(());
        }
    };
    artifact.write(&output)?;
    let instances = artifact.instances()?;
    let n = job.num_inputs as usize;
    if instances.len() != job.num_instances as usize || instances.last() != Some(&tag) {
        println!(
            "job {id}: the proof has {} instances, the job's key {} (or it is not bound to this job)",
            instances.len(),
            job.num_instances
        );
        return Ok(());
    }
    if input_commitment(&instances[..n]) != job.input_commitment {
        println!(
            "job {id}: {} does not match the job's input commitment",
            input.display()
        );
        return Ok(());
    }
    if chain.timestamp()?.saturating_add(args.deadline_margin) > job.deadline {
        println!(
            "job {id}: proved, but now within --deadline-margin of its deadline: not submitted"
        );
        return Ok(());
    }
    let call = encode_submit(id, &instances, &artifact.proof_bytes()?);
    // Estimate first (a revert here is answered without spending gas), then send with that limit
    // plus headroom: with an explicit limit, a worker that loses the race between its estimate and
    // its transaction gets a mined, cleanly reverted transaction instead of a failed estimate.
    let gas = match chain.estimate_gas(args.market, call.clone(), U256::ZERO)? {
        Ok(gas) => gas,
        Err(revert) => {
            let why = revert_reason(&revert).unwrap_or_else(|| "no reason".into());
            match why.as_str() {
                "job closed" => println!("job {id}: another worker was paid first"),
                _ => println!("job {id}: submission refused: {why}"),
            }
            return Ok(());
        }
    };
    // A submission that costs more gas than the job pays is not worth sending (cheap jobs cannot
    // drain the worker's account).
    let cost = U256::from(gas).saturating_mul(U256::from(chain.gas_price()?));
    if cost >= job.reward {
        println!(
            "job {id}: its reward of {} wei does not cover the submission's gas (~{cost} wei): not submitted",
            job.reward
        );
        return Ok(());
    }
    let limit = gas.saturating_add(gas / 4).saturating_add(50_000);
    let receipt = chain.transact(args.market, call, U256::ZERO, Some(limit))?;
    if receipt.success {
        println!(
            "job {id}: PAID {} wei (tx {}, gas {})",
            job.reward, receipt.hash, receipt.gas_used
        );
    } else {
        println!(
            "job {id}: submission reverted, another worker was paid first (tx {}, gas {})",
            receipt.hash, receipt.gas_used
        );
    }
    Ok(())
}
