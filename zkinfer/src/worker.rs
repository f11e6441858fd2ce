//! A prover node for `InferenceMarket`: watches the market for open jobs naming its model's
//! verifying-key contract, proves each job's input with one [`Prover`] loaded for its life, and
//! submits the proof, bound to the job and to its own account (the market's payee tag is the proof's
//! last instance, so a copied submission pays the copier nothing).
//!
//! Inputs travel off chain: a requester publishes the input file as `DIR/0x<input commitment>.json`,
//! the commitment being what the job posted. Before serving anything the worker checks the market is
//! zkinfer's and the key contract is exactly its model's, calling zkinfer's verifier (all pinned by
//! code). Before proving a job it checks the reward (`min_reward`), the time left
//! (`deadline_margin`, again before submitting) and that the input file matches the job's commitment
//! (a wrong file does not close the job: a corrected one is served at a later poll). What happens to
//! each job is reported as an [`Event`]; a failure specific to one job is an event, not an error.

use crate::commitment::committed_words;
use crate::error::{refused, Result};
use crate::market::{check_model_key, Market};
use crate::proving::Prover;
use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use zkinfer_circuits::Fr;
use zkinfer_models::read_input_file;
use zkinfer_prover::ProofArtifact;
use zkinfer_verifier_contract::chain::{Chain, Receipt};
use zkinfer_verifier_contract::market::{encode_submit, input_commitment, payee_tag, Job};
use zkinfer_verifier_contract::{Address, U256};

/// What a worker serves and when it declines.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// The model's address (its verifying-key contract): only jobs naming it are served.
    pub key: Address,
    /// Folder of job inputs, one file per job named `0x<input commitment>.json`.
    pub inputs: PathBuf,
    /// Folder the proofs are kept in (`job-<id>.proof.json`).
    pub proofs: PathBuf,
    /// Jobs paying less (wei) are skipped.
    pub min_reward: U256,
    /// Jobs whose deadline is less than this many seconds away are skipped, and a proof finished
    /// that late is not submitted (mined after the deadline it reverts with its outputs public).
    pub deadline_margin: u64,
}

/// What happened to a job.
#[derive(Clone, Debug)]
pub enum Event {
    /// Not this worker's to serve; never looked at again.
    Skipped {
        /// The job.
        id: u64,
        /// Why.
        why: String,
    },
    /// Not yet servable (no input file, or one that does not match); looked at again next poll.
    Waiting {
        /// The job.
        id: u64,
        /// Why.
        why: String,
    },
    /// Proving started.
    Proving {
        /// The job.
        id: u64,
        /// The input file.
        input: PathBuf,
        /// The job's reward, wei.
        reward: U256,
    },
    /// Proved (or tried to) but not submitted, with the reason.
    Unserved {
        /// The job.
        id: u64,
        /// Why.
        why: String,
    },
    /// The proof was accepted and the reward paid to this worker.
    Paid {
        /// The job.
        id: u64,
        /// The reward, wei.
        reward: U256,
        /// The submission.
        receipt: Receipt,
    },
    /// Another worker was paid first (refused before sending, or the sent submission reverted).
    Lost {
        /// The job.
        id: u64,
        /// The reverted submission, if one was sent.
        receipt: Option<Receipt>,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Skipped { id, why } => write!(f, "job {id}: {why}, skipped"),
            Event::Waiting { id, why } | Event::Unserved { id, why } => {
                write!(f, "job {id}: {why}")
            }
            Event::Proving { id, input, reward } => {
                write!(
                    f,
                    "job {id}: proving {} (reward {reward} wei)",
                    input.display()
                )
            }
            Event::Paid {
                id,
                reward,
                receipt,
            } => write!(
                f,
                "job {id}: PAID {reward} wei (tx {}, gas {})",
                receipt.hash, receipt.gas_used
            ),
            Event::Lost { id, receipt: None } => {
                write!(f, "job {id}: another worker was paid first")
            }
            Event::Lost {
                id,
                receipt: Some(r),
            } => write!(
                f,
                "job {id}: submission reverted, another worker was paid first (tx {}, gas {})",
                r.hash, r.gas_used
            ),
        }
    }
}

/// What to do with a job now.
enum Next {
    Skip(Option<String>),
    Wait(String),
    Serve(PathBuf),
}

/// A worker: one model's [`Prover`], one market, one account.
pub struct Worker<'a> {
    prover: &'a Prover,
    chain: &'a Chain,
    market: Market<'a>,
    config: WorkerConfig,
    chain_id: u64,
    me: Address,
    done: HashSet<u64>,
    waiting: HashSet<(u64, String)>,
}

impl<'a> Worker<'a> {
    /// A worker for `prover`'s model on the market at `market`, paid to `chain`'s signing account;
    /// refused unless the market is zkinfer's and `config.key` is exactly the model's key contract.
    pub fn new(
        prover: &'a Prover,
        chain: &'a Chain,
        market: Address,
        config: WorkerConfig,
    ) -> Result<Self> {
        let market = Market::at(chain, market).map_err(|e| refused(format!("--market: {e}")))?;
        check_model_key(chain, config.key, &prover.vk, &prover.prep)
            .map_err(|e| refused(format!("--verifier: {e}")))?;
        let me = chain
            .address()
            .ok_or_else(|| refused("no signing account".into()))?;
        std::fs::create_dir_all(&config.proofs).map_err(crate::Error::io(&config.proofs))?;
        Ok(Self {
            prover,
            chain,
            market,
            chain_id: chain.chain_id()?,
            config,
            me,
            done: HashSet::new(),
            waiting: HashSet::new(),
        })
    }

    /// The account the rewards go to.
    pub fn account(&self) -> Address {
        self.me
    }

    /// One pass over the market's jobs: serve what can be served now, reporting each job's fate to
    /// `on` (a waiting job's reason once). With `once`, a waiting job is not looked at again either.
    pub fn poll(&mut self, once: bool, on: &mut dyn FnMut(&Event)) -> Result<()> {
        for id in 0..self.market.job_count()? {
            if self.done.contains(&id) {
                continue;
            }
            let job = self.market.job(id)?;
            match self.triage(&job)? {
                Next::Skip(why) => {
                    if let Some(why) = why {
                        on(&Event::Skipped { id, why });
                    }
                    self.done.insert(id);
                }
                Next::Wait(why) => {
                    if self.waiting.insert((id, why.clone())) {
                        on(&Event::Waiting { id, why });
                    }
                    if once {
                        self.done.insert(id);
                    }
                }
                Next::Serve(input) => {
                    self.done.insert(id);
                    let tag = payee_tag(self.chain_id, self.market.address, id, self.me);
                    if let Err(e) = self.serve((id, tag), &job, input, on) {
                        on(&Event::Unserved {
                            id,
                            why: format!("not submitted: {e}"),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Decide on a job before spending any proving time or gas on it.
    fn triage(&self, job: &Job) -> Result<Next> {
        if job.verifier != self.config.key || job.closed {
            return Ok(Next::Skip(None));
        }
        if job.reward < self.config.min_reward {
            let why = format!("reward {} wei below --min-reward", job.reward);
            return Ok(Next::Skip(Some(why)));
        }
        if self.too_late(job)? {
            let why = "past its deadline or within --deadline-margin of it";
            return Ok(Next::Skip(Some(why.into())));
        }
        let name = format!("0x{}.json", hex::encode(job.input_commitment));
        let input = self.config.inputs.join(name);
        if !input.exists() {
            return Ok(Next::Wait(format!(
                "waiting for its input {}",
                input.display()
            )));
        }
        let prep = &self.prover.prep;
        let hashed = prep.circuit.params.hashed_input;
        let matches = read_input_file(&input)
            .map_err(crate::Error::from)
            .and_then(|file| {
                let values = file.for_model(&prep.model.graph)?;
                committed_words(prep, &values, hashed, file.salt)
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
                "{}: {e}; waiting for a correct file",
                input.display()
            )),
        })
    }

    fn too_late(&self, job: &Job) -> Result<bool> {
        let now = self.chain.timestamp()?;
        Ok(now.saturating_add(self.config.deadline_margin) > job.deadline)
    }

    /// Prove one job (bound to `tag`, the market's payee tag of the job and this worker) and submit.
    fn serve(
        &self,
        (id, tag): (u64, Fr),
        job: &Job,
        input: PathBuf,
        on: &mut dyn FnMut(&Event),
    ) -> Result<()> {
        let unserved = |why: String| Event::Unserved { id, why };
        on(&Event::Proving {
            id,
            input: input.clone(),
            reward: job.reward,
        });
        let proved = read_input_file(&input)
            .map_err(crate::Error::from)
            .and_then(|file| {
                let values = file.for_model(&self.prover.prep.model.graph)?;
                self.prover.prove_input(&values, file.salt, tag)
            });
        let artifact = match proved {
            Ok(artifact) => artifact,
            Err(e) => {
                on(&unserved(format!("cannot prove its input: {e}")));
                return Ok(());
            }
        };
        artifact.write(&self.config.proofs.join(format!("job-{id}.proof.json")))?;
        if let Some(why) = self.mismatch(job, &artifact, &input, tag)? {
            on(&unserved(why));
            return Ok(());
        }
        self.submit(id, job, &artifact, on)
    }

    /// Why `artifact` must not be submitted for `job`, if it must not.
    fn mismatch(
        &self,
        job: &Job,
        artifact: &ProofArtifact,
        input: &std::path::Path,
        tag: Fr,
    ) -> Result<Option<String>> {
        let instances = artifact.instances()?;
        let n = job.num_inputs as usize;
        if instances.len() != job.num_instances as usize || instances.last() != Some(&tag) {
            return Ok(Some(format!(
                "the proof has {} instances, the job's key {} (or it is not bound to this job)",
                instances.len(),
                job.num_instances
            )));
        }
        if input_commitment(&instances[..n]) != job.input_commitment {
            return Ok(Some(format!(
                "{} does not match the job's input commitment",
                input.display()
            )));
        }
        if self.too_late(job)? {
            let why = "proved, but now within --deadline-margin of its deadline: not submitted";
            return Ok(Some(why.into()));
        }
        Ok(None)
    }

    /// Submit a checked proof: estimate first (a revert is answered without spending gas), skip it
    /// if its gas costs at least the reward, then send with the estimate plus headroom (a worker that
    /// loses the race between its estimate and its transaction gets a cleanly reverted transaction).
    fn submit(
        &self,
        id: u64,
        job: &Job,
        artifact: &ProofArtifact,
        on: &mut dyn FnMut(&Event),
    ) -> Result<()> {
        let market = self.market.address;
        let call = encode_submit(id, &artifact.instances()?, &artifact.proof_bytes()?);
        let gas = match self.chain.estimate_gas(market, call.clone(), U256::ZERO)? {
            Ok(gas) => gas,
            Err(refused) => {
                let why = refused.reason();
                on(&match why.as_str() {
                    "job closed" => Event::Lost { id, receipt: None },
                    _ => Event::Unserved {
                        id,
                        why: format!("submission refused: {why}"),
                    },
                });
                return Ok(());
            }
        };
        let cost = U256::from(gas).saturating_mul(U256::from(self.chain.gas_price()?));
        if cost >= job.reward {
            on(&Event::Unserved {
                id,
                why: format!(
                    "its reward of {} wei does not cover the submission's gas (~{cost} wei): not submitted",
                    job.reward
                ),
            });
            return Ok(());
        }
        let limit = gas.saturating_add(gas / 4).saturating_add(50_000);
        let receipt = self.chain.transact(market, call, U256::ZERO, Some(limit))?;
        on(&match receipt.success {
            true => Event::Paid {
                id,
                reward: job.reward,
                receipt,
            },
            false => Event::Lost {
                id,
                receipt: Some(receipt),
            },
        });
        Ok(())
    }
}
