//! The verify-before-pay job contract (`contracts/InferenceMarket.sol`): its source, and the ABI encoding
//! of its calls and of the input commitment a requester posts.
//!
//! A job commits to its input as `keccak256` of the input's public instance words (the first instances of
//! a proof made with `--public-input`, each a 32-byte big-endian field element, as in the verifier's
//! calldata). The reward is paid by `submit` only if the job's verifier accepts the proof, the proof's
//! input matches the commitment, the proof has exactly the key's instance count, and its binding word (the
//! last instance) is [`payee_tag`] of the job and the submitting account.

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::PrimeField;
use revm::primitives::{keccak256, Address, U256};

/// The contract source (also holds the `ReentrantWorker` test helper).
pub const MARKET_SOL: &str = include_str!("../contracts/InferenceMarket.sol");

/// A field element as the EVM's 32-byte big-endian word.
pub fn word(f: &Fr) -> [u8; 32] {
    let mut w = f.to_repr();
    w.reverse();
    w
}

/// The binding word a proof for job `id` of `market` on chain `chain_id` must carry to pay `payee`:
/// `keccak256(abi.encode(chain_id, market, id, payee)) mod r` (`InferenceMarket.payeeTag`).
pub fn payee_tag(chain_id: u64, market: Address, id: u64, payee: Address) -> Fr {
    let mut packed = Vec::with_capacity(4 * 32);
    packed.extend(uint(chain_id));
    packed.extend(address(market));
    packed.extend(uint(id));
    packed.extend(address(payee));
    let r = U256::from_str_radix(Fr::MODULUS.trim_start_matches("0x"), 16).expect("modulus is hex");
    let reduced = U256::from_be_bytes(keccak256(packed).0) % r;
    Option::from(Fr::from_repr(reduced.to_le_bytes())).expect("reduced below r")
}

/// The commitment to an input: `keccak256` of its instance words, packed.
pub fn input_commitment(inputs: &[Fr]) -> [u8; 32] {
    let packed: Vec<u8> = inputs.iter().flat_map(word).collect();
    keccak256(packed).0
}

fn selector(signature: &str) -> [u8; 4] {
    let h = keccak256(signature.as_bytes());
    [h[0], h[1], h[2], h[3]]
}

fn uint(v: u64) -> [u8; 32] {
    U256::from(v).to_be_bytes()
}

fn address(a: Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

/// `post(verifier, inputCommitment, numInputs, deadline)` (the reward is the call's value).
pub fn encode_post(
    verifier: Address,
    commitment: [u8; 32],
    num_inputs: u32,
    deadline: u64,
) -> Vec<u8> {
    let mut out = selector("post(address,bytes32,uint32,uint64)").to_vec();
    out.extend(address(verifier));
    out.extend(commitment);
    out.extend(uint(u64::from(num_inputs)));
    out.extend(uint(deadline));
    out
}

/// `submit(id, instances, proof)`.
pub fn encode_submit(id: u64, instances: &[Fr], proof: &[u8]) -> Vec<u8> {
    encode_with_dynamic("submit(uint256,uint256[],bytes)", id, instances, proof)
}

/// `work(id, instances, proof)` of the `ReentrantWorker` test helper.
pub fn encode_work(id: u64, instances: &[Fr], proof: &[u8]) -> Vec<u8> {
    encode_with_dynamic("work(uint256,uint256[],bytes)", id, instances, proof)
}

fn encode_with_dynamic(signature: &str, id: u64, instances: &[Fr], proof: &[u8]) -> Vec<u8> {
    let mut out = selector(signature).to_vec();
    let head = 3 * 32;
    let array_len = 32 + 32 * instances.len();
    out.extend(uint(id));
    out.extend(uint(head as u64));
    out.extend(uint((head + array_len) as u64));
    out.extend(uint(instances.len() as u64));
    for f in instances {
        out.extend(word(f));
    }
    out.extend(uint(proof.len() as u64));
    out.extend_from_slice(proof);
    out.resize(out.len() + (32 - proof.len() % 32) % 32, 0);
    out
}

/// `refund(id)`.
pub fn encode_refund(id: u64) -> Vec<u8> {
    let mut out = selector("refund(uint256)").to_vec();
    out.extend(uint(id));
    out
}

/// `payeeTag(id, payee)`: the contract's own computation of [`payee_tag`].
pub fn encode_payee_tag(id: u64, payee: Address) -> Vec<u8> {
    let mut out = selector("payeeTag(uint256,address)").to_vec();
    out.extend(uint(id));
    out.extend(address(payee));
    out
}

/// `keyInstances(key)`: the instance count of a verifying-key contract the market accepts (reverts with
/// the reason if it does not accept it).
pub fn encode_key_instances(key: Address) -> Vec<u8> {
    let mut out = selector("keyInstances(address)").to_vec();
    out.extend(address(key));
    out
}

/// `jobs(id)`: the public getter of one job.
pub fn encode_job(id: u64) -> Vec<u8> {
    let mut out = selector("jobs(uint256)").to_vec();
    out.extend(uint(id));
    out
}

/// One job as the `jobs(id)` getter returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The account that posted the job and escrowed the reward (the zero address: no job has this id).
    pub requester: Address,
    /// The model's verifying-key contract the proof is checked against (accepted by `keyInstances`).
    pub verifier: Address,
    /// [`input_commitment`] of the input a proof must be for.
    pub input_commitment: [u8; 32],
    /// The reward in wei (the `post` call's value); still recorded after it is paid or refunded.
    pub reward: U256,
    /// Unix time in seconds: `submit` is accepted up to and including it, `refund` only after it.
    pub deadline: u64,
    /// Leading instances that are the input's, hashed into the commitment (`post` checks the key's count).
    pub num_inputs: u32,
    /// The instance count of the job's key (inputs, outputs, binding word), read by `post`.
    pub num_instances: u32,
    /// Paid or refunded: no further `submit` or `refund` is accepted.
    pub closed: bool,
    /// The account paid for the proof; the zero address until then, or after a refund.
    pub worker: Address,
    /// `keccak256` of the proof's output instance words, packed (those between the input and the binding
    /// word); zero until the job is paid.
    pub output_hash: [u8; 32],
}

impl Job {
    /// Decode the getter's output (ten words); `None` if it is not one.
    pub fn decode(output: &[u8]) -> Option<Job> {
        if output.len() != 10 * 32 {
            return None;
        }
        let w = |i: usize| &output[32 * i..32 * (i + 1)];
        let addr = |i: usize| Address::from_slice(&w(i)[12..]);
        let small = |i: usize| u64::try_from(U256::from_be_slice(w(i))).ok();
        Some(Job {
            requester: addr(0),
            verifier: addr(1),
            input_commitment: w(2).try_into().ok()?,
            reward: U256::from_be_slice(w(3)),
            deadline: small(4)?,
            num_inputs: u32::try_from(small(5)?).ok()?,
            num_instances: u32::try_from(small(6)?).ok()?,
            closed: small(7)? != 0,
            worker: addr(8),
            output_hash: w(9).try_into().ok()?,
        })
    }
}

/// A no-argument view call, e.g. `reentered()` or `nextJob()`.
pub fn encode_view(signature: &str) -> Vec<u8> {
    selector(signature).to_vec()
}

/// The `ReentrantWorker` constructor argument (the market), to append to its creation code.
pub fn encode_address_arg(a: Address) -> Vec<u8> {
    address(a).to_vec()
}

/// The reason string of a `revert("...")`, if the output is one.
pub fn revert_reason(output: &[u8]) -> Option<String> {
    let data = output.strip_prefix(&[0x08, 0xc3, 0x79, 0xa0])?;
    let len = usize::try_from(U256::from_be_slice(data.get(32..64)?)).ok()?;
    String::from_utf8(data.get(64..64usize.checked_add(len)?)?.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_the_abi() {
        // keccak256("transfer(address,uint256)") starts with a9059cbb (ERC-20).
        assert_eq!(
            selector("transfer(address,uint256)"),
            [0xa9, 0x05, 0x9c, 0xbb]
        );
    }

    #[test]
    fn revert_reasons_decode() {
        let mut out = vec![0x08, 0xc3, 0x79, 0xa0];
        out.extend(uint(32));
        out.extend(uint(10));
        let mut text = b"job closed".to_vec();
        text.resize(32, 0);
        out.extend(text);
        assert_eq!(revert_reason(&out).as_deref(), Some("job closed"));
        assert_eq!(revert_reason(&[1, 2, 3]), None);
        // A length near usize::MAX (found by fuzzing: `64 + len` overflowed).
        let mut huge = vec![0x08, 0xc3, 0x79, 0xa0];
        huge.extend(uint(32));
        let mut len = [0u8; 32];
        len[24..].copy_from_slice(&u64::MAX.to_be_bytes());
        huge.extend(len);
        assert_eq!(revert_reason(&huge), None);
    }

    #[test]
    fn jobs_decode_from_ten_words() {
        let mut out = Vec::new();
        out.extend(address(Address::repeat_byte(1)));
        out.extend(address(Address::repeat_byte(2)));
        out.extend([7u8; 32]);
        out.extend(uint(1_000));
        out.extend(uint(99));
        out.extend(uint(8));
        out.extend(uint(12));
        out.extend(uint(1));
        out.extend(address(Address::repeat_byte(3)));
        out.extend([9u8; 32]);
        let job = Job::decode(&out).unwrap();
        assert_eq!(job.verifier, Address::repeat_byte(2));
        assert_eq!((job.deadline, job.num_inputs, job.closed), (99, 8, true));
        assert_eq!(job.num_instances, 12);
        assert_eq!(job.reward, U256::from(1_000));
        assert_eq!(job.worker, Address::repeat_byte(3));
        assert!(Job::decode(&out[1..]).is_none());
    }

    #[test]
    fn the_payee_tag_changes_with_every_field() {
        let (market, payee) = (Address::repeat_byte(1), Address::repeat_byte(2));
        let tag = payee_tag(1, market, 7, payee);
        for other in [
            payee_tag(2, market, 7, payee),
            payee_tag(1, Address::repeat_byte(3), 7, payee),
            payee_tag(1, market, 8, payee),
            payee_tag(1, market, 7, Address::repeat_byte(3)),
        ] {
            assert_ne!(tag, other);
        }
        // Independently: keccak256 of the four ABI words, reduced mod r (a 254-bit value).
        let mut packed = [0u8; 128];
        packed[31] = 1;
        packed[44..64].copy_from_slice(market.as_slice());
        packed[95] = 7;
        packed[108..128].copy_from_slice(payee.as_slice());
        let digest = U256::from_be_bytes(keccak256(packed).0);
        let r = U256::from_str_radix(Fr::MODULUS.trim_start_matches("0x"), 16).unwrap();
        assert_eq!(word(&tag), (digest % r).to_be_bytes::<32>());
    }

    #[test]
    fn words_are_big_endian() {
        let w = word(&Fr::from(258));
        assert_eq!((w[30], w[31]), (1, 2));
        assert!(w[..30].iter().all(|b| *b == 0));
    }
}
