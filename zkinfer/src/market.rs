//! The requester's side of `InferenceMarket` on a node: deploy the market as zkinfer ships it, post
//! a job for a model (after checking the market is zkinfer's and the model's address is exactly its
//! verifying-key contract calling zkinfer's verifier, both pinned by code), read jobs, refund.
//! The worker's side is [`crate::worker`].

use crate::error::{refused, Result};
use crate::evm::EvmVerifier;
use crate::pipeline::Prepared;
use zkinfer_prover::VerifierKey;
use zkinfer_verifier_contract::chain::{Chain, Receipt};
use zkinfer_verifier_contract::market::{
    encode_job, encode_post, encode_refund, encode_view, input_commitment, Job,
};
use zkinfer_verifier_contract::trust::check_market;
use zkinfer_verifier_contract::{shipped, Address, U256};

/// Check that `key` on `chain` holds exactly the verifying-key contract of `vk` (the key of
/// `prep`'s circuit) forwarding to zkinfer's shipped verifier: what posting a job and serving one
/// require before trusting a job's model address.
pub fn check_model_key(
    chain: &Chain,
    key: Address,
    vk: &VerifierKey,
    prep: &Prepared,
) -> Result<()> {
    EvmVerifier::of(vk)?
        .check_deployed(key, |at| chain.code(at))
        .map_err(|e| {
            refused(format!(
                "{e} (model {}, circuit {}; keys made with another SRS or input visibility differ)",
                prep.model.path,
                &prep.circuit_hash[..16]
            ))
        })?;
    Ok(())
}

/// A deployed `InferenceMarket`, checked to be zkinfer's.
pub struct Market<'c> {
    chain: &'c Chain,
    /// The market's address.
    pub address: Address,
}

/// A job to post.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// The model's address (its verifying-key contract).
    pub key: Address,
    /// The input's instance words ([`crate::commitment::committed_words`]).
    pub input_words: Vec<zkinfer_circuits::Fr>,
    /// The reward in wei, escrowed by the post.
    pub reward: U256,
    /// Seconds from the node's latest block until the deadline.
    pub seconds: u64,
}

/// A posted job.
#[derive(Clone, Debug)]
pub struct Posted {
    /// The job's id.
    pub id: U256,
    /// The commitment the job holds: `keccak256` of the input words.
    pub commitment: [u8; 32],
    /// The deadline, Unix seconds.
    pub deadline: u64,
    /// The posting transaction.
    pub receipt: Receipt,
}

impl<'c> Market<'c> {
    /// Deploy an `InferenceMarket` as zkinfer ships it compiled.
    pub fn deploy(chain: &'c Chain) -> Result<(Self, Receipt)> {
        let receipt = chain.deploy(shipped::market()?.creation)?;
        let address = receipt
            .contract
            .ok_or_else(|| refused("no contract address in the receipt".into()))?;
        Ok((Self { chain, address }, receipt))
    }

    /// The market at `address`, refused unless its code is zkinfer's `InferenceMarket`.
    pub fn at(chain: &'c Chain, address: Address) -> Result<Self> {
        check_market(address, &chain.code(address)?)?;
        Ok(Self { chain, address })
    }

    /// The number of jobs posted so far (ids are `0..count`).
    pub fn job_count(&self) -> Result<u64> {
        let next = self
            .chain
            .call(self.address, encode_view("nextJob()"), U256::ZERO)?;
        if !next.success || next.output.len() != 32 {
            return Err(refused(format!(
                "{}: nextJob() failed: is it an InferenceMarket?",
                self.address
            )));
        }
        Ok(u64::try_from(U256::from_be_slice(&next.output)).unwrap_or(u64::MAX))
    }

    /// Job `id` as the market holds it.
    pub fn job(&self, id: u64) -> Result<Job> {
        let raw = self.chain.call(self.address, encode_job(id), U256::ZERO)?;
        Job::decode(&raw.output)
            .ok_or_else(|| refused(format!("job {id}: unexpected jobs() answer")))
    }

    /// Post `job` for the model `prep` whose verifying key is `vk`: its address must hold exactly
    /// that key's contract; the market's own checks are run with `eth_estimateGas` first, so a
    /// refusal costs nothing and comes with the market's reason.
    pub fn post(&self, prep: &Prepared, vk: &VerifierKey, job: &NewJob) -> Result<Posted> {
        check_model_key(self.chain, job.key, vk, prep)
            .map_err(|e| refused(format!("--verifier: {e}")))?;
        let id = U256::from(self.job_count()?);
        let deadline = self.chain.timestamp()?.saturating_add(job.seconds);
        let commitment = input_commitment(&job.input_words);
        let words = u32::try_from(job.input_words.len())
            .map_err(|_| refused("more input words than a job can hold".into()))?;
        let call = encode_post(job.key, commitment, words, deadline);
        if let Err(revert) = self
            .chain
            .estimate_gas(self.address, call.clone(), job.reward)?
        {
            return Err(refused(format!(
                "{}: the market refuses the job: {}",
                self.address,
                revert.reason()
            )));
        }
        let receipt = self.chain.transact(self.address, call, job.reward, None)?;
        if !receipt.success {
            return Err(refused(format!(
                "posting the job reverted (tx {})",
                receipt.hash
            )));
        }
        Ok(Posted {
            id,
            commitment,
            deadline,
            receipt,
        })
    }

    /// Take back the reward of job `id` (the requester's, unproven, after its deadline); a refusal
    /// comes with the market's reason and costs nothing.
    pub fn refund(&self, id: u64) -> Result<Receipt> {
        let call = self
            .chain
            .call(self.address, encode_refund(id), U256::ZERO)?;
        if !call.success {
            return Err(refused(format!(
                "job {id}: refund refused: {}",
                call.reason()
            )));
        }
        Ok(self
            .chain
            .transact(self.address, encode_refund(id), U256::ZERO, None)?)
    }
}
